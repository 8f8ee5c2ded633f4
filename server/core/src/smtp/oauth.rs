//! OAuth2 access tokens for relays that take `AUTH XOAUTH2` (Microsoft 365,
//! Google Workspace): asked of the identity provider when needed, kept in
//! memory until shortly before they expire, shared by the test send and the
//! delivery worker. Token requests go over the relay's own trust store
//! (webpki roots plus `GATEHOUSE_SMTP_CA_FILE`) and are bounded in time.
//!
//! - Microsoft 365: the client credentials grant, at
//!   `{login}/{tenant}/oauth2/v2.0/token`, scope `.../.default`: Exchange
//!   Online's for SMTP, Microsoft Graph's for sendMail (`smtp::graph`).
//! - Google: the JWT bearer grant (RFC 7523), an RS256 assertion signed with
//!   the service account's key, for the mailbox (`sub`), at
//!   `GATEHOUSE_GOOGLE_TOKEN_URL` (a key naming another `token_uri` is refused).
//!
//! What the provider answers is input like any other: its answer is read up
//! to [`MAX_ANSWER_BYTES`], the lifetime it states is held to
//! [`LONGEST_LIFETIME`], and its error words are quoted, cut to length.

use super::quote::quote;
use super::token_url::TokenUrl;
use super::SmtpRuntime;
use sha2::{Digest, Sha256};
use shared::oauth::{OAuthIdentity, ServiceAccountKey, Transport, GRAPH_SCOPE, MICROSOFT_SCOPE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// A token is renewed this long before it expires, so that none runs out mid-session.
const RENEW_BEFORE: Duration = Duration::from_secs(120);
/// The longest a token is kept, whatever lifetime the provider states (theirs are an hour).
pub const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// A token's lifetime when the provider states none it can be read as.
const UNSTATED_LIFETIME: Duration = Duration::from_secs(3600);
/// The largest token answer read: real ones are a few KiB.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Where a relay's token comes from: the grant, with its secret (in memory only).
#[derive(Clone)]
pub enum TokenSource {
    /// `scope` is [`MICROSOFT_SCOPE`] for the SMTP relay, [`GRAPH_SCOPE`] for Graph.
    Microsoft {
        token_url: TokenUrl,
        client_id: String,
        client_secret: String,
        scope: &'static str,
    },
    Google {
        token_url: TokenUrl,
        client_email: String,
        private_key: String,
        subject: String,
    },
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Microsoft { token_url, client_id, scope, .. } => {
                f.debug_struct("Microsoft").field("token_url", token_url).field("client_id", client_id).field("scope", scope).finish_non_exhaustive()
            }
            TokenSource::Google { token_url, client_email, subject, .. } => {
                f.debug_struct("Google").field("token_url", token_url).field("client_email", client_email).field("subject", subject).finish_non_exhaustive()
            }
        }
    }
}

impl TokenSource {
    /// The source for a stored identity and its opened secret (client secret,
    /// or key JSON), with this instance's token endpoints.
    pub fn new(identity: &OAuthIdentity, secret: &str, username: &str, runtime: &SmtpRuntime) -> Result<Self, String> {
        match identity {
            OAuthIdentity::Microsoft365 { tenant_id, client_id, transport } => Ok(TokenSource::Microsoft {
                token_url: runtime.microsoft_login.with_path(&format!("{tenant_id}/oauth2/v2.0/token"))?,
                client_id: client_id.clone(),
                client_secret: secret.to_owned(),
                scope: match transport {
                    Transport::Smtp => MICROSOFT_SCOPE,
                    Transport::Graph => GRAPH_SCOPE,
                },
            }),
            OAuthIdentity::Google { .. } => {
                let key = google_key(secret, &runtime.google_token)?;
                Ok(TokenSource::Google {
                    token_url: runtime.google_token.clone(),
                    client_email: key.client_email,
                    private_key: key.private_key,
                    subject: username.to_owned(),
                })
            }
        }
    }

    /// Which cached token serves this source: the grant and a hash of its secret,
    /// so a new secret never gets the old secret's token.
    fn cache_key(&self) -> String {
        let (kind, id, secret, subject) = match self {
            // A token is for one scope: Graph's is no use to the relay, nor the relay's to Graph.
            TokenSource::Microsoft { token_url, client_id, client_secret, scope } => ("microsoft", format!("{token_url}|{client_id}"), client_secret, *scope),
            TokenSource::Google { token_url, client_email, private_key, subject } => {
                ("google", format!("{token_url}|{client_email}"), private_key, subject.as_str())
            }
        };
        let digest = Sha256::digest(secret.as_bytes());
        format!("{kind}|{id}|{subject}|{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }
}

/// A service account's key that this instance may use: a key file
/// (`shared::oauth::ServiceAccountKey`) whose `token_uri` is the Google token
/// endpoint this instance asks (`GATEHOUSE_GOOGLE_TOKEN_URL`). The key file
/// comes from whoever edits the SMTP form; where tokens are asked for is the
/// operator's choice, never the file's.
pub fn google_key(json: &str, google_token: &TokenUrl) -> Result<ServiceAccountKey, String> {
    let key = ServiceAccountKey::parse(json)?;
    match TokenUrl::parse(&key.token_uri) {
        Ok(named) if named == *google_token => Ok(key),
        _ => Err(format!(
            "the key's token_uri is {}, but this instance asks Google for tokens only at {google_token} (GATEHOUSE_GOOGLE_TOKEN_URL)",
            quote(&key.token_uri)
        )),
    }
}

/// Why no token: the provider's own words, and what usually causes them.
#[derive(Debug, Clone)]
pub struct TokenError {
    pub message: String,
}

impl TokenError {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

/// Tokens in memory, per source; shared by every relay built from the same configuration.
#[derive(Clone, Default)]
pub struct TokenCache(Arc<Mutex<HashMap<String, Cached>>>);

struct Cached {
    token: String,
    expires: Instant,
}

impl TokenCache {
    /// The entries. Nothing that can panic runs while they are held; if
    /// something ever did, the map is still whole, so a poisoned lock is
    /// used as it is rather than passing the panic on to every later caller.
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Cached>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The token cached for `key`, while it has more than [`RENEW_BEFORE`] left.
    fn get(&self, key: &str) -> Option<String> {
        let now = Instant::now();
        self.entries().get(key).filter(|c| c.expires.saturating_duration_since(now) > RENEW_BEFORE).map(|c| c.token.clone())
    }

    /// Keeps `token` for `lifetime`, and forgets the tokens that have expired.
    fn put(&self, key: String, token: String, lifetime: Duration) {
        let now = Instant::now();
        // Computed before the lock is taken; a lifetime past the clock's range is not kept.
        let Some(expires) = now.checked_add(lifetime) else { return };
        let mut entries = self.entries();
        entries.retain(|_, c| c.expires > now);
        entries.insert(key, Cached { token, expires });
    }
}

/// How relays get their tokens: the cache and the HTTP client (one each per instance).
#[derive(Clone)]
pub struct Tokens {
    cache: TokenCache,
    http: reqwest::Client,
}

impl Tokens {
    pub fn new(tls: Arc<tokio_rustls::rustls::ClientConfig>) -> Self {
        let http = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            // An identity provider never redirects a token request; following one could leak the secret.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client with a preconfigured rustls builds");
        Self { cache: TokenCache::default(), http }
    }

    /// A token for `source`: the cached one while it has time left, unless
    /// `fresh` (the relay refused the last one); otherwise a new one, asked
    /// within `bound`.
    pub async fn token(&self, source: &TokenSource, fresh: bool, bound: Duration) -> Result<String, TokenError> {
        if !fresh {
            if let Some(token) = self.cache.get(&source.cache_key()) {
                return Ok(token);
            }
        }
        Ok(self.ask(source, bound).await?.0)
    }

    /// The HTTP client token requests go out with (the relay's trust roots,
    /// no redirects), which Microsoft Graph's requests share.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Asks for a new token now, whatever is cached (delivery health's check
    /// that the secret still works), and keeps it for the relay; how long it lives.
    pub async fn check(&self, source: &TokenSource, bound: Duration) -> Result<Duration, TokenError> {
        Ok(self.ask(source, bound).await?.1)
    }

    async fn ask(&self, source: &TokenSource, bound: Duration) -> Result<(String, Duration), TokenError> {
        let (token, lifetime) = tokio::time::timeout(bound, self.request(source))
            .await
            .map_err(|_| TokenError::new(format!("the identity provider did not answer within {} s", bound.as_secs())))??;
        self.cache.put(source.cache_key(), token.clone(), lifetime);
        Ok((token, lifetime))
    }

    async fn request(&self, source: &TokenSource) -> Result<(String, Duration), TokenError> {
        let (url, form): (&TokenUrl, Vec<(&str, String)>) = match source {
            TokenSource::Microsoft { token_url, client_id, client_secret, scope } => (
                token_url,
                vec![
                    ("grant_type", "client_credentials".into()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                    ("scope", (*scope).into()),
                ],
            ),
            TokenSource::Google { token_url, client_email, private_key, subject } => (
                token_url,
                vec![
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".into()),
                    ("assertion", super::google_assertion::sign(private_key, client_email, subject, token_url.as_str()).map_err(TokenError::new)?),
                ],
            ),
        };
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str()))).finish();
        let response = self
            .http
            .post(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| TokenError::new(format!("could not reach the identity provider at {url}: {}", quote(&root_cause(&e)))))?;
        let status = response.status();
        let answer = read_answer(response).await?;
        let json: serde_json::Value = serde_json::from_slice(&answer).unwrap_or_default();
        if status.is_success() {
            let token = json["access_token"].as_str().filter(|t| !t.is_empty());
            return token
                .map(|t| (t.to_owned(), lifetime(&json["expires_in"])))
                .ok_or_else(|| TokenError::new(format!("the identity provider answered {status} without an access_token")));
        }
        let error = json["error"].as_str().unwrap_or("no error code");
        let description = json["error_description"].as_str().unwrap_or("").lines().next().unwrap_or("");
        let graph = matches!(source, TokenSource::Microsoft { scope: GRAPH_SCOPE, .. });
        let hint = hint(error, description, graph).map(|h| format!(" ({h})")).unwrap_or_default();
        Err(TokenError::new(format!("the identity provider refused ({status}): {}{hint}", quote(&format!("{error}: {description}")))))
    }
}

/// The answer's body, read a piece at a time and refused once it passes
/// [`MAX_ANSWER_BYTES`]: an endpoint cannot make us hold more than that.
async fn read_answer(mut response: reqwest::Response) -> Result<Vec<u8>, TokenError> {
    let too_large = || TokenError::new(format!("the identity provider's answer is larger than {} KiB; refused", MAX_ANSWER_BYTES / 1024));
    if response.content_length().is_some_and(|n| n > MAX_ANSWER_BYTES as u64) {
        return Err(too_large());
    }
    let mut answer = Vec::new();
    while let Some(piece) =
        response.chunk().await.map_err(|e| TokenError::new(format!("reading the identity provider's answer: {}", quote(&root_cause(&e)))))?
    {
        if answer.len() + piece.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        answer.extend_from_slice(&piece);
    }
    Ok(answer)
}

/// How long a token may be kept: `expires_in` as the provider states it (a
/// number of seconds, or one in a string), held to [`LONGEST_LIFETIME`];
/// negative is none.
fn lifetime(expires_in: &serde_json::Value) -> Duration {
    let secs = match expires_in {
        // `as` saturates: a negative or huge float cannot wrap.
        serde_json::Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f.max(0.0) as u64)),
        serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    secs.map_or(UNSTATED_LIFETIME, Duration::from_secs).min(LONGEST_LIFETIME)
}

/// What usually causes a provider's refusal, in words an admin can act on.
fn hint(error: &str, description: &str, graph: bool) -> Option<&'static str> {
    let code = |c: &str| description.contains(c);
    Some(if code("AADSTS7000215") {
        "wrong client secret: copy the secret's Value, not its ID"
    } else if code("AADSTS7000222") {
        "the client secret has expired: make a new one in the app's Certificates & secrets"
    } else if code("AADSTS700016") {
        "no app with this client ID in this tenant: check both IDs"
    } else if code("AADSTS90002") || code("AADSTS900023") {
        "no such tenant: check the directory (tenant) ID or domain"
    } else if graph && (code("AADSTS65001") || code("AADSTS500011") || error == "invalid_scope") {
        "admin consent for Microsoft Graph's Mail.Send application permission is missing"
    } else if code("AADSTS65001") || code("AADSTS500011") || error == "invalid_scope" {
        "admin consent for SMTP.SendAsApp is missing"
    } else if error == "unauthorized_client" {
        "domain-wide delegation is missing for this client ID and the scope https://mail.google.com/"
    } else if error == "invalid_grant" {
        "the key was revoked, the clock is off, or the mailbox (username) is not a user of the domain"
    } else if error == "invalid_client" {
        "the client or key is not valid"
    } else {
        return None;
    })
}

/// Why a relay refused a token, in words an admin can act on.
pub fn auth_hint(reply: &str) -> &'static str {
    if reply.contains("5.7.139") || reply.contains("5.7.30") {
        "SMTP AUTH is disabled for this mailbox or the tenant: enable authenticated SMTP for the mailbox"
    } else {
        "the relay refused the token: grant the app access to the mailbox (Exchange: New-ServicePrincipal and Add-MailboxPermission; Google: domain-wide delegation), and check the username is that mailbox"
    }
}

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stated_lifetime_is_held_to_a_day() {
        assert_eq!(lifetime(&json!(3599)), Duration::from_secs(3599));
        assert_eq!(lifetime(&json!("3599")), Duration::from_secs(3599));
        assert_eq!(lifetime(&json!(u64::MAX)), LONGEST_LIFETIME);
        assert_eq!(lifetime(&json!("18446744073709551615")), LONGEST_LIFETIME);
        assert_eq!(lifetime(&json!(1e300)), LONGEST_LIFETIME);
        assert_eq!(lifetime(&json!(-5)), Duration::ZERO);
        assert_eq!(lifetime(&json!(null)), UNSTATED_LIFETIME);
        assert_eq!(lifetime(&json!("soon")), UNSTATED_LIFETIME);
    }

    /// Whatever lifetime reaches the cache, keeping a token never panics.
    #[test]
    fn any_lifetime_is_kept_without_a_panic() {
        let cache = TokenCache::default();
        cache.put("endless".into(), "t1".into(), Duration::MAX);
        cache.put("a day".into(), "t2".into(), LONGEST_LIFETIME);
        cache.put("none".into(), "t3".into(), Duration::ZERO);
        assert_eq!(cache.get("endless"), None, "past the clock's range: not kept");
        assert_eq!(cache.get("a day").as_deref(), Some("t2"));
        assert_eq!(cache.get("none"), None, "within the renewal margin: asked again");
    }

    /// A panic while the lock was held (there is none today) does not make
    /// every later caller panic: the cache goes on working.
    #[test]
    fn a_poisoned_cache_goes_on_working() {
        let cache = TokenCache::default();
        cache.put("k".into(), "t".into(), LONGEST_LIFETIME);
        let held = cache.clone();
        let _ = std::thread::spawn(move || {
            let _entries = held.entries();
            panic!("poisoning the lock on purpose");
        })
        .join();
        assert!(cache.0.is_poisoned());
        assert_eq!(cache.get("k").as_deref(), Some("t"));
        cache.put("k2".into(), "t2".into(), LONGEST_LIFETIME);
        assert_eq!(cache.get("k2").as_deref(), Some("t2"));
    }

    const KEY: &str = r#"{"type": "service_account", "client_email": "mailer@project.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n", "token_uri": "https://oauth2.googleapis.com/token"}"#;

    /// The key file cannot choose where tokens are asked for.
    #[test]
    fn a_key_is_taken_only_for_this_instances_google_endpoint() {
        let google = TokenUrl::parse(super::super::DEFAULT_GOOGLE_TOKEN_URL).unwrap();
        assert_eq!(google_key(KEY, &google).unwrap().client_email, "mailer@project.iam.gserviceaccount.com");
        for other in [
            "http://127.0.0.1:x@evil.example/token",
            "https://evil.example/token",
            "http://127.0.0.1:9/token",
            "https://oauth2.googleapis.com/other",
            "not a url",
        ] {
            let refused = google_key(&KEY.replace("https://oauth2.googleapis.com/token", other), &google).unwrap_err();
            assert!(refused.contains("GATEHOUSE_GOOGLE_TOKEN_URL"), "{other}: {refused}");
        }
        let local = TokenUrl::parse("http://127.0.0.1:9/google/token").unwrap();
        assert!(google_key(&KEY.replace("https://oauth2.googleapis.com/token", "http://127.0.0.1:9/google/token"), &local).is_ok());
        assert!(google_key(KEY, &local).is_err(), "nor does the real one pass where the operator chose another");
    }
}
