//! A real SMTP server for the tests: `scripts/smtp_relay.py` (aiosmtpd), and
//! certificates made on the spot with rcgen.

use super::script::Script;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A CA and a certificate it signed for 127.0.0.1 and localhost.
pub struct Certs {
    _dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Certs {
    pub fn generate() -> Self {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "Gatehouse test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf_params.subject_alt_names.push(SanType::IpAddress([127, 0, 0, 1].into()));
        leaf_params.distinguished_name.push(DnType::CommonName, "127.0.0.1");
        let leaf_key = KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        Self { ca: write("ca.pem", ca.pem()), cert: write("cert.pem", leaf.pem()), key: write("key.pem", leaf_key.serialize_pem()), _dir: dir }
    }
}

pub struct RelayOptions<'a> {
    pub mode: &'a str,
    pub certs: Option<&'a Certs>,
    pub auth: Option<(&'a str, &'a str)>,
    pub reject_rcpt: &'a [&'a str],
    /// Refuse the first N messages with this reply.
    pub fail_data: Option<(u32, &'a str)>,
    /// Drop the connection on the first N messages, before answering.
    pub drop_data: u32,
    /// Listen on this port (0: any free one).
    pub port: u16,
    /// AUTH XOAUTH2 for (mailbox, secret shared with the token endpoint): see `support::oauth`.
    pub xoauth2: Option<(&'a str, &'a str)>,
    /// Refuse every XOAUTH2 token (535), as a relay does when the app may not use the mailbox.
    pub reject_tokens: bool,
    /// Answer each DATA this many milliseconds later: a slow relay.
    pub data_delay_ms: u32,
}

impl Default for RelayOptions<'_> {
    fn default() -> Self {
        Self {
            mode: "plain",
            certs: None,
            auth: None,
            reject_rcpt: &[],
            fail_data: None,
            drop_data: 0,
            port: 0,
            xoauth2: None,
            reject_tokens: false,
            data_delay_ms: 0,
        }
    }
}

pub struct Relay {
    pub port: u16,
    script: Script,
    _maildir: tempfile::TempDir,
}

impl Relay {
    pub fn start(opts: RelayOptions) -> Self {
        let maildir = tempfile::tempdir().unwrap();
        let dir = maildir.path().to_owned();
        let script = Script::start(
            "smtp_relay.py",
            |cmd| {
                cmd.args(["--mode", opts.mode, "--maildir"]).arg(&dir);
                if let Some(c) = opts.certs {
                    cmd.arg("--cert").arg(&c.cert).arg("--key").arg(&c.key);
                }
                if let Some((u, p)) = opts.auth {
                    cmd.arg("--auth").arg(format!("{u}:{p}"));
                }
                if let Some((user, secret)) = opts.xoauth2 {
                    cmd.arg("--xoauth2").arg(format!("{user}:{secret}"));
                }
                if opts.reject_tokens {
                    cmd.arg("--reject-tokens");
                }
                for r in opts.reject_rcpt {
                    cmd.args(["--reject-rcpt", r]);
                }
                if let Some((n, reply)) = opts.fail_data {
                    cmd.arg("--fail-data").arg(format!("{n}:{reply}"));
                }
                cmd.arg("--data-delay-ms").arg(opts.data_delay_ms.to_string());
                cmd.arg("--drop-data").arg(opts.drop_data.to_string()).arg("--port").arg(opts.port.to_string());
            },
            "is aiosmtpd installed? scripts/install-tools --e2e",
        );
        Self { port: script.port, script, _maildir: maildir }
    }

    pub fn events(&self) -> Vec<String> {
        self.script.lines()
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        self.events().iter().filter_map(|l| l.strip_prefix("MESSAGE ")).map(|path| std::fs::read_to_string(path).unwrap()).collect()
    }

    /// How many messages were received so far, without reading them.
    pub fn message_count(&self) -> usize {
        self.script.lines().iter().filter(|l| l.starts_with("MESSAGE ")).count()
    }

    /// Message-IDs of every message offered with DATA, accepted or not.
    pub fn offered_ids(&self) -> Vec<String> {
        self.events().iter().filter_map(|l| l.strip_prefix("EVENT DATA ")).map(str::to_owned).collect()
    }

    /// How many messages the relay received for each recipient (envelope).
    pub fn recipient_counts(&self) -> std::collections::HashMap<String, usize> {
        let mut seen = std::collections::HashMap::new();
        for mail in self.messages() {
            let to = mail.lines().find_map(|l| l.strip_prefix("X-Envelope-To: ")).unwrap().to_owned();
            *seen.entry(to).or_default() += 1;
        }
        seen
    }

    /// The most sessions (connections) whose messages interleaved: 1 when
    /// each session's messages came before the next session's began.
    pub fn most_sessions_at_once(&self) -> usize {
        let mut spans: std::collections::HashMap<String, (usize, usize)> = std::collections::HashMap::new();
        for (i, mail) in self.messages().iter().enumerate() {
            let session = mail.lines().find_map(|l| l.strip_prefix("X-Session: ")).unwrap().to_owned();
            spans.entry(session).and_modify(|(_, last)| *last = i).or_insert((i, i));
        }
        let count = self.message_count();
        (0..count).map(|i| spans.values().filter(|(first, last)| (*first..=*last).contains(&i)).count()).max().unwrap_or(0)
    }

    pub fn wait_for_messages(&self, n: usize, within: Duration) -> Vec<String> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A raw email's envelope sender (MAIL FROM), as the relay saved it.
pub fn envelope_from(raw: &str) -> &str {
    raw.lines().find_map(|l| l.strip_prefix("X-Envelope-From: ")).map(str::trim_end).expect("the relay saves MAIL FROM")
}

/// The value of a raw email's header `name` (the first one, unfolded), if it has one.
pub fn header(raw: &str, name: &str) -> Option<String> {
    let raw = raw.replace("\r\n", "\n");
    let head = raw.split("\n\n").next().unwrap_or_default();
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut lines = head.lines().peekable();
    while let Some(line) = lines.next() {
        if line.to_ascii_lowercase().starts_with(&prefix) {
            let mut value = line[prefix.len()..].trim().to_owned();
            while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            }
            return Some(value);
        }
    }
    None
}

/// The text/plain part of a raw email, decoded from its transfer encoding
/// (lettre sends 7bit, quoted-printable or base64, whichever fits), with its
/// line ends as `\n`.
pub fn text_part(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let start = raw.find("Content-Type: text/plain").unwrap_or_else(|| panic!("no text/plain part in:\n{raw}"));
    // The part's headers begin after its boundary line, in whatever order.
    let begins = raw[..start].rfind("\n--").and_then(|b| raw[b + 1..].find('\n').map(|n| b + 1 + n + 1)).unwrap_or(start);
    let part = &raw[begins..];
    let (headers, rest) = part.split_once("\n\n").expect("a part's headers end with a blank line");
    let body = rest.split("\n--").next().unwrap_or_default();
    let encoding = headers.lines().find_map(|l| l.strip_prefix("Content-Transfer-Encoding: ")).unwrap_or("7bit").trim().to_ascii_lowercase();
    match encoding.as_str() {
        "base64" => {
            use base64::Engine as _;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(joined).unwrap()).unwrap()
        }
        "quoted-printable" => {
            let soft = body.replace("=\n", "");
            let bytes = soft.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'=' && i + 2 < bytes.len() {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad quoted-printable escape ={hex}")));
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            String::from_utf8(out).unwrap()
        }
        _ => body.to_owned(),
    }
}
