//! Signing in to Microsoft 365 and Google Workspace relays with OAuth2
//! (SMTP `AUTH XOAUTH2`), since both are switching basic authentication off.
//! What a form or REST client sends (`OAuthDraft`), what GET shows back
//! (`OAuthView`, never a secret), and the parsers both sides use.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Microsoft's token scope for SMTP with an app's own identity.
pub const MICROSOFT_SCOPE: &str = "https://outlook.office365.com/.default";
/// Microsoft's token scope for Graph (`sendMail`) with an app's own identity:
/// the app's consented application permissions (Mail.Send).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Google's scope for sending mail as a delegated user.
pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";
/// Longest tenant or client id accepted (real ones are 36-character GUIDs or domains).
pub const MAX_ID_CHARS: usize = 255;
/// Longest client secret or service-account key accepted.
pub const MAX_SECRET_CHARS: usize = 16 * 1024;

/// The `oauth` object of `PUT /api/v1/smtp`. A missing secret
/// (`client_secret`, `service_account_key`) keeps the stored one, under the
/// same rule as the password.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum OAuthDraft {
    /// Microsoft 365: an Entra app's client credentials grant.
    #[serde(rename = "microsoft365")]
    Microsoft365 {
        /// The directory (tenant) ID, or its domain.
        tenant_id: String,
        /// The app's (client) ID.
        client_id: String,
        #[serde(default)]
        client_secret: Option<String>,
        /// How email leaves: `smtp` (AUTH XOAUTH2 at the relay, the default)
        /// or `graph` (Microsoft Graph's sendMail over HTTPS, for tenants
        /// with SMTP AUTH off). With `graph`, `host`, `port`, `security` and
        /// `username` are ignored: the mailbox is `from_email`.
        #[serde(default)]
        transport: Transport,
    },
    /// Google Workspace: a service account with domain-wide delegation (JWT bearer grant).
    Google {
        /// The key file's JSON text, as downloaded from Google Cloud.
        #[serde(default)]
        service_account_key: Option<String>,
    },
}

impl fmt::Debug for OAuthDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthDraft::Microsoft365 { tenant_id, client_id, client_secret, transport } => f
                .debug_struct("Microsoft365")
                .field("tenant_id", tenant_id)
                .field("client_id", client_id)
                .field("client_secret", &client_secret.as_ref().map(|_| "***"))
                .field("transport", transport)
                .finish(),
            OAuthDraft::Google { service_account_key } => {
                f.debug_struct("Google").field("service_account_key", &service_account_key.as_ref().map(|_| "***")).finish()
            }
        }
    }
}

/// How a Microsoft 365 configuration sends: through the SMTP relay with an
/// XOAUTH2 token, or through Microsoft Graph's `sendMail` (no SMTP at all).
/// On the wire and in the database (`smtp_config.transport`): the lower-case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Smtp,
    Graph,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Smtp => "smtp",
            Transport::Graph => "graph",
        }
    }

    pub fn parse(s: &str) -> Option<Transport> {
        [Transport::Smtp, Transport::Graph].into_iter().find(|t| t.as_str() == s)
    }
}

/// Which identity provider; on the wire and in the database: the lower-case name.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Provider {
    #[serde(rename = "microsoft365")]
    Microsoft365,
    #[serde(rename = "google")]
    Google,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Microsoft365 => "microsoft365",
            Provider::Google => "google",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        [Provider::Microsoft365, Provider::Google].into_iter().find(|p| p.as_str() == s)
    }
}

/// Who the relay's token is asked for, without the secret: what decides
/// whether a stored secret may be kept, and what GET shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OAuthIdentity {
    Microsoft365 {
        tenant_id: String,
        client_id: String,
        transport: Transport,
    },
    /// The service account's `client_email`; `None` while only the stored key knows it.
    Google {
        client_email: Option<String>,
    },
}

impl OAuthIdentity {
    pub fn provider(&self) -> Provider {
        match self {
            OAuthIdentity::Microsoft365 { .. } => Provider::Microsoft365,
            OAuthIdentity::Google { .. } => Provider::Google,
        }
    }

    /// Whether email leaves through Microsoft Graph rather than an SMTP relay.
    pub fn is_graph(&self) -> bool {
        matches!(self, OAuthIdentity::Microsoft365 { transport: Transport::Graph, .. })
    }
}

/// `oauth` in `GET /api/v1/smtp`: never the secret, only whether one is stored.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum OAuthView {
    #[serde(rename = "microsoft365")]
    Microsoft365 {
        tenant_id: String,
        client_id: String,
        secret_set: bool,
        #[serde(default)]
        transport: Transport,
    },
    Google {
        client_email: String,
        secret_set: bool,
    },
}

/// The fields of a service-account key file that Gatehouse uses.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceAccountKey {
    #[serde(rename = "type")]
    pub kind: String,
    pub client_email: String,
    pub private_key: String,
    pub token_uri: String,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey").field("client_email", &self.client_email).field("token_uri", &self.token_uri).finish_non_exhaustive()
    }
}

impl ServiceAccountKey {
    /// A key file as Google Cloud writes it, for a service account, with a
    /// private key. Its `token_uri` is only read here: the server takes the
    /// key only when that is the Google token endpoint it was configured with
    /// (gatehouse-core's `smtp::oauth::google_key`, with a URL parser that the
    /// browser's bundle does without).
    pub fn parse(json: &str) -> Result<Self, String> {
        let key: ServiceAccountKey =
            serde_json::from_str(json.trim()).map_err(|_| "paste the whole key file: JSON with type, client_email, private_key and token_uri".to_owned())?;
        if key.kind != "service_account" {
            return Err("this is not a service account's key (its \"type\" is not \"service_account\")".into());
        }
        if crate::EmailAddress::parse(&key.client_email).is_err() {
            return Err("the key's client_email is not an email address".into());
        }
        if !key.private_key.contains("-----BEGIN PRIVATE KEY-----") {
            return Err("the key has no private key (a PKCS#8 PEM block)".into());
        }
        Ok(key)
    }
}

/// A tenant: a GUID or a domain, so letters, digits, dots and dashes.
pub fn check_tenant(tenant: &str) -> Result<(), &'static str> {
    if tenant.is_empty() {
        Err("enter the directory (tenant) ID or the tenant's domain")
    } else if tenant.chars().count() > MAX_ID_CHARS || !tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        Err("a tenant is a GUID or a domain: letters, digits, dots and dashes only")
    } else {
        Ok(())
    }
}

/// A client id: one word.
pub fn check_client_id(client_id: &str) -> Result<(), &'static str> {
    if client_id.is_empty() {
        Err("enter the application (client) ID")
    } else if client_id.chars().count() > MAX_ID_CHARS || client_id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err("a client ID has no spaces")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const KEY: &str = r#"{"type": "service_account", "client_email": "mailer@project.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n", "token_uri": "https://oauth2.googleapis.com/token"}"#;

    #[test]
    fn service_account_keys_are_checked() {
        assert_eq!(ServiceAccountKey::parse(KEY).unwrap().client_email, "mailer@project.iam.gserviceaccount.com");
        assert!(ServiceAccountKey::parse("not json").is_err());
        assert!(ServiceAccountKey::parse(&KEY.replace("service_account", "authorized_user")).is_err());
        assert!(ServiceAccountKey::parse(&KEY.replace("BEGIN PRIVATE KEY", "BEGIN NOTHING")).is_err());
        assert!(
            ServiceAccountKey::parse(&KEY.replace(r#", "token_uri": "https://oauth2.googleapis.com/token""#, "")).is_err(),
            "a key names its token endpoint"
        );
        assert!(!format!("{:?}", ServiceAccountKey::parse(KEY).unwrap()).contains("PRIVATE"));
    }

    #[test]
    fn tenants_and_clients() {
        assert!(check_tenant("contoso.onmicrosoft.com").is_ok());
        assert!(check_tenant("9188040d-6c67-4c5b-b112-36a304b66dad").is_ok());
        assert!(check_tenant("con toso").is_err());
        assert!(check_tenant("").is_err());
        assert!(check_client_id("00000000-0000-0000-0000-000000000000").is_ok());
        assert!(check_client_id("a b").is_err());
    }

    #[test]
    fn drafts_read_and_hide_their_secrets() {
        let d: OAuthDraft =
            serde_json::from_value(serde_json::json!({"provider": "microsoft365", "tenant_id": "t", "client_id": "c", "client_secret": "s3cret"})).unwrap();
        assert!(matches!(d, OAuthDraft::Microsoft365 { .. }));
        assert!(!format!("{d:?}").contains("s3cret"));
        let g: OAuthDraft = serde_json::from_value(serde_json::json!({"provider": "google"})).unwrap();
        assert_eq!(g, OAuthDraft::Google { service_account_key: None });
        assert!(serde_json::from_value::<OAuthDraft>(serde_json::json!({"provider": "yahoo"})).is_err());
    }
}
