//! A local OAuth2 token endpoint for the tests: `scripts/oauth_server.py`,
//! standing in for Microsoft's (client credentials) and Google's (JWT
//! bearer, RS256 verified with a key pair it generates). Its tokens are
//! signed with a secret the XOAUTH2 relay (`RelayOptions::xoauth2`) checks.

use super::script::Script;

pub const SECRET: &str = "shared-by-the-token-endpoint-and-the-relay";
pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
pub const CLIENT_SECRET: &str = "the right client secret";
pub const SERVICE_ACCOUNT: &str = "mailer@gatehouse-test.iam.gserviceaccount.com";

pub struct TokenEndpoint {
    pub port: u16,
    /// The service account's key file (JSON text), private key included.
    pub google_key: String,
    script: Script,
    _dir: tempfile::TempDir,
}

/// How the endpoint answers.
#[derive(Debug, Clone, Copy)]
pub struct Answers {
    /// The lifetime its tokens are said to have, in seconds.
    pub expires_in: u64,
    /// 503 to everything (an outage).
    pub down: bool,
    /// Bytes of padding added to every token answer, sent without a Content-Length.
    pub padding: usize,
}

impl Default for Answers {
    fn default() -> Self {
        Self { expires_in: 3600, down: false, padding: 0 }
    }
}

impl TokenEndpoint {
    /// Tokens for `mailbox` (Google's `sub`), answered as `answers` says.
    pub fn start(mailbox: &str, answers: Answers) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("key.json");
        let script = Script::start(
            "oauth_server.py",
            |cmd| {
                cmd.args(["--secret", SECRET, "--mailbox", mailbox, "--expires-in", &answers.expires_in.to_string()]).arg("--key-file").arg(&key_file);
                cmd.args(["--pad-answer", &answers.padding.to_string()]);
                if answers.down {
                    cmd.arg("--down");
                }
            },
            "is cryptography installed? scripts/install-tools --e2e",
        );
        let google_key = std::fs::read_to_string(&key_file).unwrap();
        Self { port: script.port, google_key, script, _dir: dir }
    }

    /// `GATEHOUSE_MICROSOFT_LOGIN_URL` pointing here.
    pub fn login_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `GATEHOUSE_GOOGLE_TOKEN_URL` pointing here (the `token_uri` of its key file).
    pub fn google_token_url(&self) -> String {
        format!("http://127.0.0.1:{}/google/token", self.port)
    }

    /// Token requests answered so far, by provider and outcome: `("microsoft", "ok")`, ….
    pub fn requests(&self) -> Vec<(String, String)> {
        self.script
            .lines()
            .iter()
            .filter_map(|l| l.strip_prefix("EVENT TOKEN "))
            .map(|rest| {
                let mut parts = rest.split_whitespace();
                (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned())
            })
            .collect()
    }
}
