//! A local Microsoft Graph sendMail endpoint for the tests:
//! `scripts/graph_server.py`. It takes the Graph tokens of the local token
//! endpoint (`support::oauth`, same secret), checks the path's mailbox and
//! the MIME body, and answers as Graph would for the mailbox: 202 for the
//! one it serves; 403 `ErrorAccessDenied` (`denied@`), 404
//! `MailboxNotEnabledForRESTAPI` (`onprem@`), 429 with `Retry-After`
//! (`throttled@`; `busy@` once), 404 `ErrorInvalidUser` for any other.

use super::oauth::SECRET;
use super::script::Script;

pub struct GraphEndpoint {
    pub port: u16,
    script: Script,
    spool: tempfile::TempDir,
}

impl GraphEndpoint {
    /// Sending as `mailbox`; a 429's `Retry-After` is `retry_after` seconds.
    pub fn start(mailbox: &str, retry_after: u64) -> Self {
        let spool = tempfile::tempdir().unwrap();
        let script = Script::start(
            "graph_server.py",
            |cmd| {
                cmd.args(["--secret", SECRET, "--mailbox", mailbox, "--retry-after", &retry_after.to_string()]).arg("--spool").arg(spool.path());
            },
            "python3 runs it with the standard library only",
        );
        Self { port: script.port, script, spool }
    }

    /// `GATEHOUSE_MICROSOFT_GRAPH_URL` pointing here.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Requests answered so far: (mailbox, status, recipient when accepted).
    pub fn requests(&self) -> Vec<(String, u16, String)> {
        self.script
            .lines()
            .iter()
            .filter_map(|l| l.strip_prefix("EVENT SEND "))
            .map(|rest| {
                let mut parts = rest.split_whitespace();
                let mailbox = parts.next().unwrap_or_default().to_owned();
                let status = parts.next().and_then(|s| s.parse().ok()).unwrap_or_default();
                (mailbox, status, parts.next().unwrap_or_default().to_owned())
            })
            .collect()
    }

    /// The messages accepted (202), decoded from their base64, in order.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.spool.path()).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.iter().map(|f| String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned()).collect()
    }
}
