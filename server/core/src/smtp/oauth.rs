//! OAuth2 access tokens for relays that take `AUTH XOAUTH2` (Microsoft 365,
//! Google Workspace): asked of the identity provider when needed, kept in
//! memory until shortly before they expire, shared by the test send and the
//! delivery worker. Token requests go over the relay's own trust store
//! (webpki roots plus `GATEHOUSE_SMTP_CA_FILE`) and are bounded in time.
//!
//! - Microsoft 365: the client credentials grant, at
//!   `{login}/{tenant}/oauth2/v2.0/token`, scope `.../.default`.
//! - Google: the JWT bearer grant (RFC 7523), an RS256 assertion signed with
//!   the service account's key, for the mailbox (`sub`), at the key's `token_uri`.

use sha2::{Digest, Sha256};
use shared::oauth::{OAuthIdentity, ServiceAccountKey, MICROSOFT_SCOPE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A token is renewed this long before it expires, so that none runs out mid-session.
const RENEW_BEFORE: Duration = Duration::from_secs(120);

/// Where a relay's token comes from: the grant, with its secret (in memory only).
#[derive(Clone)]
pub enum TokenSource {
    Microsoft { token_url: String, client_id: String, client_secret: String },
    Google { token_url: String, client_email: String, private_key: String, subject: String },
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Microsoft { token_url, client_id, .. } => {
                f.debug_struct("Microsoft").field("token_url", token_url).field("client_id", client_id).finish_non_exhaustive()
            }
            TokenSource::Google { token_url, client_email, subject, .. } => {
                f.debug_struct("Google").field("token_url", token_url).field("client_email", client_email).field("subject", subject).finish_non_exhaustive()
            }
        }
    }
}

impl TokenSource {
    /// The source for a stored identity and its opened secret (client secret, or key JSON).
    pub fn new(identity: &OAuthIdentity, secret: &str, username: &str, microsoft_login: &str) -> Result<Self, String> {
        match identity {
            OAuthIdentity::Microsoft365 { tenant_id, client_id } => Ok(TokenSource::Microsoft {
                token_url: format!("{}/{tenant_id}/oauth2/v2.0/token", microsoft_login.trim_end_matches('/')),
                client_id: client_id.clone(),
                client_secret: secret.to_owned(),
            }),
            OAuthIdentity::Google { .. } => {
                let key = ServiceAccountKey::parse(secret)?;
                Ok(TokenSource::Google { token_url: key.token_uri, client_email: key.client_email, private_key: key.private_key, subject: username.to_owned() })
            }
        }
    }

    /// Which cached token serves this source: the grant and a hash of its secret,
    /// so a new secret never gets the old secret's token.
    fn cache_key(&self) -> String {
        let (kind, id, secret, subject) = match self {
            TokenSource::Microsoft { token_url, client_id, client_secret } => ("microsoft", format!("{token_url}|{client_id}"), client_secret, ""),
            TokenSource::Google { token_url, client_email, private_key, subject } => {
                ("google", format!("{token_url}|{client_email}"), private_key, subject.as_str())
            }
        };
        let digest = Sha256::digest(secret.as_bytes());
        format!("{kind}|{id}|{subject}|{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
    }
}

/// Why no token: the provider's own words, and what usually causes them.
#[derive(Debug, Clone)]
pub struct TokenError {
    pub message: String,
}

/// Tokens in memory, per source; shared by every relay built from the same configuration.
#[derive(Clone, Default)]
pub struct TokenCache(Arc<Mutex<HashMap<String, (String, Instant)>>>);

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
        let key = source.cache_key();
        if !fresh {
            let cached =
                self.cache.0.lock().expect("not poisoned").get(&key).filter(|(_, until)| *until > Instant::now() + RENEW_BEFORE).map(|(t, _)| t.clone());
            if let Some(token) = cached {
                return Ok(token);
            }
        }
        let (token, lifetime) = tokio::time::timeout(bound, self.request(source))
            .await
            .map_err(|_| TokenError { message: format!("the identity provider did not answer within {} s", bound.as_secs()) })??;
        self.cache.0.lock().expect("not poisoned").insert(key, (token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    async fn request(&self, source: &TokenSource) -> Result<(String, Duration), TokenError> {
        let (url, form): (&str, Vec<(&str, String)>) = match source {
            TokenSource::Microsoft { token_url, client_id, client_secret } => (
                token_url,
                vec![
                    ("grant_type", "client_credentials".into()),
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.clone()),
                    ("scope", MICROSOFT_SCOPE.into()),
                ],
            ),
            TokenSource::Google { token_url, client_email, private_key, subject } => (
                token_url,
                vec![
                    ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer".into()),
                    ("assertion", super::google_assertion::sign(private_key, client_email, subject, token_url).map_err(|message| TokenError { message })?),
                ],
            ),
        };
        shared::oauth::token_endpoint_allowed(url).map_err(|e| TokenError { message: format!("token endpoint {url}: {e}") })?;
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str()))).finish();
        let response = self
            .http
            .post(url)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(http::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| TokenError { message: format!("could not reach the identity provider at {url}: {}", root_cause(&e)) })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| TokenError { message: format!("reading the identity provider's answer: {e}") })?;
        let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if status.is_success() {
            let token = json["access_token"].as_str().filter(|t| !t.is_empty());
            let lifetime = json["expires_in"].as_u64().or_else(|| json["expires_in"].as_str().and_then(|s| s.parse().ok())).unwrap_or(3600);
            return token
                .map(|t| (t.to_owned(), Duration::from_secs(lifetime)))
                .ok_or_else(|| TokenError { message: format!("the identity provider answered {status} without an access_token") });
        }
        let error = json["error"].as_str().unwrap_or("no error code");
        let description = json["error_description"].as_str().unwrap_or("").lines().next().unwrap_or("");
        let hint = hint(error, description).map(|h| format!(" ({h})")).unwrap_or_default();
        Err(TokenError { message: format!("the identity provider refused ({status}): {error}: {description}{hint}") })
    }
}

/// What usually causes a provider's refusal, in words an admin can act on.
fn hint(error: &str, description: &str) -> Option<&'static str> {
    let code = |c: &str| description.contains(c);
    Some(if code("AADSTS7000215") {
        "wrong client secret: copy the secret's Value, not its ID"
    } else if code("AADSTS7000222") {
        "the client secret has expired: make a new one in the app's Certificates & secrets"
    } else if code("AADSTS700016") {
        "no app with this client ID in this tenant: check both IDs"
    } else if code("AADSTS90002") || code("AADSTS900023") {
        "no such tenant: check the directory (tenant) ID or domain"
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

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
