//! A local OAuth2 token endpoint for the tests: `scripts/oauth_server.py`,
//! standing in for Microsoft's (client credentials) and Google's (JWT
//! bearer, RS256 verified with a key pair it generates). Its tokens are
//! signed with a secret the XOAUTH2 relay (`RelayOptions::xoauth2`) checks.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SECRET: &str = "shared-by-the-token-endpoint-and-the-relay";
pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const CLIENT_SECRET: &str = "the right client secret";
pub const SERVICE_ACCOUNT: &str = "mailer@gatehouse-test.iam.gserviceaccount.com";

pub struct TokenEndpoint {
    pub port: u16,
    /// The service account's key file (JSON text), private key included.
    pub google_key: String,
    lines: Arc<Mutex<Vec<String>>>,
    child: Child,
    _dir: tempfile::TempDir,
}

impl TokenEndpoint {
    /// Tokens for `mailbox` (Google's `sub`), living `expires_in` seconds.
    pub fn start(mailbox: &str, expires_in: u64, down: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key.json");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/oauth_server.py");
        let python = std::env::var("GATEHOUSE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(python);
        cmd.arg(script).args(["--secret", SECRET, "--mailbox", mailbox, "--expires-in", &expires_in.to_string()]).arg("--key-file").arg(&key_file);
        if down {
            cmd.arg("--down");
        }
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("python3 runs");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let ready = rx.recv_timeout(Duration::from_secs(30)).expect("the token endpoint starts (is cryptography installed? scripts/install-tools --e2e)");
        let port = ready.strip_prefix("READY ").expect("READY line").trim().parse().unwrap();
        let google_key = std::fs::read_to_string(&key_file).unwrap();
        Self { port, google_key, lines, child, _dir: dir }
    }

    /// `GATEHOUSE_MICROSOFT_LOGIN_URL` pointing here.
    pub fn login_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Token requests answered so far, by provider and outcome: `("microsoft", "ok")`, ….
    pub fn requests(&self) -> Vec<(String, String)> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| l.strip_prefix("EVENT TOKEN "))
            .map(|rest| {
                let mut parts = rest.split_whitespace();
                (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned())
            })
            .collect()
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
