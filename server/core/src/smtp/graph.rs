//! Microsoft Graph's sendMail (`Sender::Graph`), for Microsoft 365 tenants
//! whose mailboxes have SMTP AUTH off (Security Defaults turn it off, and
//! Microsoft advises keeping it off): the same `lettre::Message` a relay
//! would get, as MIME (base64 of its formatted bytes, `Content-Type:
//! text/plain`), posted to `{graph}/v1.0/users/{from_email}/sendMail` with
//! a client-credentials token for `https://graph.microsoft.com/.default`
//! (`oauth::TokenSource`, cached with the relay's tokens). `202 Accepted` is
//! success.
//!
//! The request goes out on the token requests' HTTP client (the relay's
//! trust roots, no redirects: a redirect would carry the bearer token
//! elsewhere), bounded in time like every step of a relay session. Graph's
//! answer is input: read up to [`MAX_ANSWER_BYTES`], its words quoted.
//!
//! What Graph's refusals mean for the outbox: a 5xx, a 429 (throttling, with
//! its `Retry-After`, which the worker honours), a 408 and a 401 (the token
//! was refused; asked afresh once at once) are worth trying again; any other
//! 4xx (403 `ErrorAccessDenied`, 404 `ErrorInvalidUser` or
//! `MailboxNotEnabledForRESTAPI`, 400 a malformed recipient) will be refused
//! again for the same mailbox and email, so the email fails at once, like a
//! relay's 5xx.

use super::oauth::{TokenSource, Tokens, MAX_ANSWER_BYTES};
use super::quote::quote;
use super::sender::{SendError, SenderKey, Voice};
use super::token_url::TokenUrl;
use base64::Engine as _;
use lettre::message::Mailbox;
use lettre::{Address, Message};
use shared::smtp::{TestReport, TestStage};
use shared::EmailAddress;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The bound on each step of a delivery (the token, the request), as a relay session's.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured: the outbox's longest backoff.
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(6 * 3600);

/// Graph's sendMail for one mailbox.
pub struct GraphSender {
    /// Which configuration and secret this was made from.
    pub(super) key: SenderKey,
    pub(super) from: Mailbox,
    /// `{graph}/v1.0/users/{mailbox}/sendMail`.
    url: TokenUrl,
    /// The Graph host, as the audit log names where email goes.
    pub(super) via: String,
    source: TokenSource,
    tokens: Tokens,
}

impl GraphSender {
    /// `graph` is `GATEHOUSE_MICROSOFT_GRAPH_URL`; the mailbox is the From address.
    pub(super) fn new(key: SenderKey, from: Mailbox, graph: &TokenUrl, source: TokenSource, tokens: Tokens) -> Result<Self, String> {
        let mailbox = from.email.to_string();
        let url = graph.with_segments(&["v1.0", "users", &mailbox, "sendMail"])?;
        let via = url::Url::parse(graph.as_str()).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| graph.to_string());
        Ok(Self { key, from, url, via, source, tokens })
    }

    /// Delivers one email: each step within [`STEP_TIMEOUT`].
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        self.post(message, STEP_TIMEOUT, &|_| {}).await.map(|_| ())
    }

    /// "Send test email" through Graph: the stages are `token` and `send`,
    /// and the whole exchange is bounded by `bound`.
    pub async fn test(&self, recipient: &EmailAddress, voice: Option<&Voice>, bound: Duration) -> TestReport {
        let started = Instant::now();
        let stage = Mutex::new(TestStage::Token);
        let set = |s| *stage.lock().unwrap_or_else(PoisonError::into_inner) = s;
        let attempt = async {
            let through = format!("Microsoft Graph as {}", self.from.email);
            let to: Address = recipient.as_str().parse().map_err(|e| SendError::at(TestStage::Token, format!("recipient address: {e}")))?;
            let message = super::probe::test_message(&self.from, recipient, voice, &to, &through).map_err(|e| SendError::at(TestStage::Token, e))?;
            self.post(&message, bound, &set).await
        };
        let outcome = tokio::time::timeout(bound, attempt).await;
        let stage = *stage.lock().unwrap_or_else(PoisonError::into_inner);
        let (ok, stage, message, server_reply) = match outcome {
            Ok(Ok(status)) => (true, TestStage::Sent, "Microsoft Graph accepted the test email".to_owned(), Some(status)),
            Ok(Err(failed)) => (false, failed.stage.unwrap_or(stage), failed.message, failed.reply),
            Err(_) => (false, stage, format!("Microsoft Graph did not answer within {} seconds", bound.as_secs()), None),
        };
        TestReport { ok, stage, message, server_reply, recipient: recipient.to_string(), elapsed_ms: started.elapsed().as_millis() as u64 }
    }

    /// A token (the cached one if any), then the request; a 401 with a
    /// cached token asks for a new one and tries once more. `entering` is
    /// told each stage as it starts. On success: Graph's status line.
    async fn post(&self, message: &Message, bound: Duration, entering: &(dyn Fn(TestStage) + Sync)) -> Result<String, SendError> {
        let body = base64::engine::general_purpose::STANDARD.encode(message.formatted());
        let mut fresh = false;
        loop {
            entering(TestStage::Token);
            let token = self.tokens.token(&self.source, fresh, bound).await.map_err(|e| SendError::at(TestStage::Token, e.message))?;
            entering(TestStage::Send);
            let request = self
                .tokens
                .http()
                .post(self.url.as_str())
                .bearer_auth(token)
                .header(http::header::CONTENT_TYPE, "text/plain")
                .header(http::header::ACCEPT, "application/json")
                .body(body.clone())
                .send();
            let response = tokio::time::timeout(bound, request)
                .await
                .map_err(|_| SendError::at(TestStage::Send, format!("Microsoft Graph did not answer within {} s", bound.as_secs())))?
                .map_err(|e| {
                    SendError::at(TestStage::Send, format!("could not reach Microsoft Graph at {}: {}", self.via, quote(&super::oauth::root_cause(&e))))
                })?;
            let status = response.status();
            if status.is_success() {
                return Ok(format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or_default()));
            }
            if status == http::StatusCode::UNAUTHORIZED && !fresh {
                // The cached token may have been revoked or be for another audience: once more with a new one.
                fresh = true;
                continue;
            }
            let retry_after = retry_after(response.headers());
            let answer = tokio::time::timeout(bound, read_answer(response)).await.unwrap_or_default();
            return Err(refusal(status, &answer, retry_after));
        }
    }
}

/// Graph's error answer, read up to [`MAX_ANSWER_BYTES`] (only its code and message are used).
async fn read_answer(mut response: reqwest::Response) -> Vec<u8> {
    let mut answer = Vec::new();
    while let Ok(Some(piece)) = response.chunk().await {
        if answer.len() + piece.len() > MAX_ANSWER_BYTES {
            break;
        }
        answer.extend_from_slice(&piece);
    }
    answer
}

/// `Retry-After`: seconds, or an HTTP date; held to [`LONGEST_RETRY_AFTER`].
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(value).ok()?.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO),
    };
    Some(wait.min(LONGEST_RETRY_AFTER))
}

/// Graph's refusal as a [`SendError`] at the `send` stage: its status, code
/// and message quoted, what usually causes it, and whether to try again.
fn refusal(status: http::StatusCode, answer: &[u8], retry_after: Option<Duration>) -> SendError {
    let json: serde_json::Value = serde_json::from_slice(answer).unwrap_or_default();
    let code = json["error"]["code"].as_str().unwrap_or("no error code");
    let words = json["error"]["message"].as_str().unwrap_or("").lines().next().unwrap_or("");
    let reply = quote(&format!("{} {code}: {words}", status.as_u16()));
    let wait = retry_after.filter(|_| status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error());
    let hint = match hint(status, code) {
        Some(h) => format!(" ({h})"),
        None => String::new(),
    };
    let after = wait.map(|w| format!("; retry after {} s", w.as_secs())).unwrap_or_default();
    // 408, 429 and 401 (after a fresh token) may pass; other 4xx are the same for the same email.
    let permanent =
        status.is_client_error() && !matches!(status, http::StatusCode::REQUEST_TIMEOUT | http::StatusCode::TOO_MANY_REQUESTS | http::StatusCode::UNAUTHORIZED);
    SendError {
        stage: Some(TestStage::Send),
        message: format!("Microsoft Graph refused the email: {reply}{after}{hint}"),
        reply: Some(reply),
        permanent,
        retry_after: wait,
        // Refused as a sender (the token, the app's permission, the mailbox), not for this email.
        sender_refused: matches!(status, http::StatusCode::UNAUTHORIZED | http::StatusCode::FORBIDDEN | http::StatusCode::NOT_FOUND),
    }
}

/// What usually causes Graph's refusal, in words an admin can act on.
pub fn hint(status: http::StatusCode, code: &str) -> Option<&'static str> {
    Some(match code {
        "ErrorAccessDenied" => {
            "grant the app Microsoft Graph's Mail.Send application permission with admin consent; if an application access policy limits the app, add this mailbox to its group"
        }
        "MailboxNotEnabledForRESTAPI" | "MailboxNotSupportedForRESTAPI" => {
            "this mailbox cannot send through Graph: it is inactive, soft-deleted, on-premises or unlicensed; use a licensed Exchange Online or shared mailbox"
        }
        "ErrorInvalidUser" | "ResourceNotFound" | "Request_ResourceNotFound" => {
            "no such mailbox in this tenant: the From address must be a user or shared mailbox of the tenant"
        }
        "InvalidAuthenticationToken" => "Graph refused the token: check the tenant and that the app is registered in it",
        _ if status == http::StatusCode::TOO_MANY_REQUESTS => "Microsoft Graph is throttling this app or mailbox; the outbox waits as long as it asks",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: &str, message: &str) -> Vec<u8> {
        serde_json::json!({"error": {"code": code, "message": message}}).to_string().into_bytes()
    }

    #[test]
    fn refusals_are_permanent_or_worth_retrying() {
        let denied = refusal(http::StatusCode::FORBIDDEN, &answer("ErrorAccessDenied", "Access is denied. Check credentials and try again."), None);
        assert!(denied.permanent);
        assert!(denied.falls_back(), "a mailbox the app may not send as: another relay may take it");
        assert_eq!(denied.stage, Some(TestStage::Send));
        assert!(denied.message.contains("403 ErrorAccessDenied: Access is denied") && denied.message.contains("Mail.Send"), "{}", denied.message);
        let throttled = refusal(http::StatusCode::TOO_MANY_REQUESTS, &answer("ApplicationThrottled", "slow down"), Some(Duration::from_secs(7)));
        assert!(!throttled.permanent);
        assert_eq!(throttled.retry_after, Some(Duration::from_secs(7)));
        assert!(throttled.message.contains("retry after 7 s"), "{}", throttled.message);
        let down = refusal(http::StatusCode::SERVICE_UNAVAILABLE, b"<html>not json</html>", None);
        assert!(!down.permanent && down.message.contains("503 no error code"), "{}", down.message);
        assert!(refusal(http::StatusCode::NOT_FOUND, &answer("ErrorInvalidUser", "The requested user 'x' is invalid."), None).permanent);
        // A Retry-After on a 4xx refusal is not a promise that it will pass.
        assert_eq!(refusal(http::StatusCode::FORBIDDEN, b"", Some(Duration::from_secs(5))).retry_after, None);
    }

    #[test]
    fn retry_after_is_seconds_or_a_date_and_bounded() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(http::header::RETRY_AFTER, "30".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
        headers.insert(http::header::RETRY_AFTER, "999999999".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(LONGEST_RETRY_AFTER));
        headers.insert(http::header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::ZERO), "a date past is now");
        headers.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
