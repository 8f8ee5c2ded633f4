//! `GATEHOUSE_ALERT_WEBHOOK_URL`: a JSON POST for each change of delivery
//! state, shaped so that Slack, Mattermost and Google Chat incoming webhooks
//! show its `text`: `{"text", "state", "since", "stage", "message",
//! "console_url"}`.
//!
//! It carries no secret and no link but the console's address: the relay's
//! words are the stored last error (never an email's body), and any URL in
//! them is cut out anyway. The webhook's own URL is a secret (a Slack URL
//! is its credential): it is never logged, only its host.
//!
//! Each attempt is bounded ([`ATTEMPT_BOUND`]); a failed one (no answer, a
//! 5xx, a 429) is retried [`ATTEMPTS`] times in all, each wait twice the
//! last. Then the message is given up and logged: a message is posted at
//! most once, by the instance that claimed it (`storage::claim`).

use super::storage::Change;
use crate::public_url::PublicUrl;
use crate::smtp::token_url::TokenUrl;
use std::time::Duration;

/// One attempt, connecting and answering, at most this long.
pub const ATTEMPT_BOUND: Duration = Duration::from_secs(10);
/// Attempts per message.
pub const ATTEMPTS: u32 = 4;

/// Where alerts are posted: `https://`, or plain `http://` only to this
/// machine, with no user name or password in it; the rule of the OAuth2
/// token endpoints (`TokenUrl`), for the same reason: what is posted should
/// not cross a network in clear.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(TokenUrl);

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        TokenUrl::parse(text).map(Self)
    }

    /// For the log: the host only (the rest of the URL is the webhook's credential).
    pub fn host(&self) -> String {
        url::Url::parse(self.0.as_str()).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default()
    }
}

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebhookUrl({} …)", self.host())
    }
}

#[derive(Clone)]
pub struct Webhook {
    url: WebhookUrl,
    http: reqwest::Client,
}

impl Webhook {
    pub fn new(url: WebhookUrl) -> Self {
        let http = reqwest::Client::builder()
            // A webhook has no reason to redirect; following one could send the message elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(ATTEMPT_BOUND)
            .build()
            .expect("a client with rustls builds");
        Self { url, http }
    }

    /// For the log: the webhook's host only.
    pub fn host(&self) -> String {
        self.url.host()
    }

    /// Posts `body`, retrying with growing waits from `retry_base`; whether it was taken.
    pub async fn post(&self, body: &serde_json::Value, retry_base: Duration) -> bool {
        let body = body.to_string();
        let mut wait = retry_base;
        for attempt in 1..=ATTEMPTS {
            let outcome = self.http.post(self.url.0.as_str()).header(http::header::CONTENT_TYPE, "application/json").body(body.clone()).send().await;
            let retry = match outcome {
                Ok(answer) if answer.status().is_success() => return true,
                Ok(answer) => {
                    let status = answer.status();
                    tracing::warn!(host = %self.url.host(), attempt, %status, "the alert webhook refused a message");
                    status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS || status == http::StatusCode::REQUEST_TIMEOUT
                }
                Err(e) => {
                    // reqwest's error names the URL: only its kind is logged.
                    let why = if e.is_timeout() {
                        "no answer in time"
                    } else if e.is_connect() {
                        "cannot connect"
                    } else {
                        "the request failed"
                    };
                    tracing::warn!(host = %self.url.host(), attempt, why, "the alert webhook did not take a message");
                    true
                }
            };
            if !retry || attempt == ATTEMPTS {
                break;
            }
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
        tracing::warn!(host = %self.url.host(), "an alert webhook message was given up");
        false
    }
}

/// The message for a change of state.
pub fn message(change: &Change, waiting: i64, console: &PublicUrl) -> serde_json::Value {
    let message = change.message.as_deref().map(without_links);
    let stage = change.stage.map(|s| s.as_str());
    let when = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(change.at.max(0) as u64));
    let mut text = format!("Gatehouse ({}): email delivery is {} since {when}", host_of(console), change.state.as_str());
    if let Some(m) = &message {
        text.push_str(&match stage {
            Some(stage) => format!(", at {stage}: {m}"),
            None => format!(": {m}"),
        });
    }
    if waiting > 0 {
        text.push_str(&format!(". {waiting} email{} waiting", if waiting == 1 { "" } else { "s" }));
    }
    text.push('.');
    serde_json::json!({
        "text": text,
        "state": change.state.as_str(),
        "since": change.at,
        "stage": stage,
        "message": message,
        "console_url": console.link("/"),
    })
}

fn host_of(console: &PublicUrl) -> String {
    url::Url::parse(console.as_str()).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| console.as_str().to_owned())
}

/// The words with anything that looks like a link cut out: a relay's reply
/// may name one, and the webhook carries none but the console's.
fn without_links(words: &str) -> String {
    words.split(' ').map(|w| if w.contains("://") || w.to_ascii_lowercase().starts_with("www.") { "[link]" } else { w }).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::delivery::DeliveryState;
    use shared::smtp::TestStage;

    #[test]
    fn the_message_says_the_state_and_the_relays_words_without_links() {
        let change = Change {
            id: 2,
            state: DeliveryState::Failing,
            at: 0,
            stage: Some(TestStage::Auth),
            message: Some("\"535 5.7.139 Authentication unsuccessful, see https://aka.ms/smtp_auth_disabled\"".into()),
            before: Some(DeliveryState::Ok),
        };
        let console = PublicUrl::new(&url::Url::parse("https://console.example.com/").unwrap()).unwrap();
        let m = message(&change, 3, &console);
        assert_eq!(m["state"], "failing");
        assert_eq!(m["stage"], "auth");
        assert_eq!(m["since"], 0);
        assert_eq!(m["console_url"], "https://console.example.com/");
        let text = m["text"].as_str().unwrap();
        assert!(text.starts_with("Gatehouse (console.example.com): email delivery is failing since Thu, 01 Jan 1970 00:00:00 GMT, at auth: "), "{text}");
        assert!(text.ends_with("3 emails waiting."), "{text}");
        assert!(!m.to_string().contains("aka.ms"), "{m}");
    }

    #[test]
    fn the_url_follows_the_token_endpoints_rule_and_logs_its_host_only() {
        assert!(WebhookUrl::parse("http://hooks.example.com/x").is_err());
        assert!(WebhookUrl::parse("https://user:pw@hooks.example.com/x").is_err());
        let url = WebhookUrl::parse("https://hooks.slack.com/services/T000/B000/secret").unwrap();
        assert_eq!(format!("{url:?}"), "WebhookUrl(hooks.slack.com …)");
    }
}
