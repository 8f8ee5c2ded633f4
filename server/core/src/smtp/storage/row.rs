//! The `smtp_config` row, typed. [`Row`] is its columns as the database
//! holds them; [`StoredSmtp`] is what they mean, decoded with the parsers a
//! form's values go through (`shared::smtp`, `shared::email`), so a stored
//! configuration is exactly as valid as a saved form. A row that does not
//! decode is a [`DecodeError`] naming its column and value, never a default:
//! a port out of range does not become 0, nor an unknown security StartTLS.

use crate::smtp::quote::quote;
use shared::oauth::{check_client_id, check_tenant, OAuthIdentity, Provider, Transport};
use shared::smtp::{parse_port, FromName, PasswordChange, Security, SmtpAuth, SmtpConfig, SmtpHost, MAX_USERNAME_CHARS};
use shared::EmailAddress;
use std::fmt;

/// The columns of `smtp_config`, as read and written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub host: String,
    pub port: i64,
    pub from_name: String,
    pub from_email: String,
    pub security: String,
    pub auth: bool,
    pub username: Option<String>,
    /// The password, or with OAuth2 the client secret or service-account key, sealed.
    pub password_sealed: Option<String>,
    /// With OAuth2: the provider, tenant (Microsoft) and client (Microsoft's
    /// client id, Google's service-account email).
    pub oauth_provider: Option<String>,
    pub oauth_tenant: Option<String>,
    pub oauth_client: Option<String>,
    /// `smtp`, or `graph` (Microsoft 365 only): how email leaves.
    pub transport: String,
    pub enabled: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

/// The stored configuration, decoded (its secret still sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSmtp {
    /// Every field as the form's parser makes it. `auth.password` is always
    /// [`PasswordChange::Keep`]: the secret is the sealed one beside it.
    pub config: SmtpConfig,
    pub password_sealed: Option<String>,
    pub enabled: bool,
    pub updated_at: i64,
    pub updated_by: String,
}

/// A column whose value does not decode, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub column: &'static str,
    /// The value as the log shows it: quoted, cut to length, `NULL` when there is none.
    pub value: String,
    pub why: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "smtp_config.{} = {}: {}", self.column, self.value, self.why)
    }
}

impl std::error::Error for DecodeError {}

fn refused(column: &'static str, value: String, why: impl fmt::Display) -> DecodeError {
    DecodeError { column, value, why: why.to_string() }
}

/// A text value as the error shows it: Debug-quoted, so that a control
/// character in a corrupt value cannot forge a log line, and cut to length.
fn text(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |v| format!("{:?}", quote(v)))
}

impl StoredSmtp {
    pub fn decode(row: Row) -> Result<Self, DecodeError> {
        let host = SmtpHost::parse(&row.host).map_err(|e| refused("host", text(Some(&row.host)), e))?;
        let port = parse_port(row.port).ok_or_else(|| refused("port", row.port.to_string(), "not a port from 1 to 65535"))?;
        let from_name = FromName::parse(&row.from_name).map_err(|e| refused("from_name", text(Some(&row.from_name)), e))?;
        let from_email = EmailAddress::parse(&row.from_email).map_err(|e| refused("from_email", text(Some(&row.from_email)), e))?;
        let security = Security::parse(&row.security).ok_or_else(|| refused("security", text(Some(&row.security)), "not one of none, ssl, starttls"))?;
        let transport = Transport::parse(&row.transport).ok_or_else(|| refused("transport", text(Some(&row.transport)), "not one of smtp, graph"))?;
        let auth = match row.auth {
            false if row.oauth_provider.is_some() => {
                return Err(refused("oauth_provider", text(row.oauth_provider.as_deref()), "set while auth is off (OAuth2 signs in as a mailbox)"))
            }
            // Without authentication the sign-in columns say nothing (a save leaves them empty).
            false => None,
            true => Some(sign_in(&row, security, transport)?),
        };
        if transport == Transport::Graph && !auth.as_ref().and_then(|a| a.oauth.as_ref()).is_some_and(OAuthIdentity::is_graph) {
            return Err(refused("transport", text(Some(&row.transport)), "graph without a Microsoft 365 sign-in"));
        }
        let config = SmtpConfig { host, port, from_name, from_email, security, auth };
        Ok(Self { config, password_sealed: row.password_sealed, enabled: row.enabled, updated_at: row.updated_at, updated_by: row.updated_by })
    }

    /// The columns that store this configuration.
    pub fn row(&self) -> Row {
        let c = &self.config;
        let auth = c.auth.as_ref();
        let (provider, tenant, client, transport) = match auth.and_then(|a| a.oauth.as_ref()) {
            None => (None, None, None, Transport::Smtp),
            Some(OAuthIdentity::Microsoft365 { tenant_id, client_id, transport }) => {
                (Some(Provider::Microsoft365), Some(tenant_id.clone()), Some(client_id.clone()), *transport)
            }
            Some(OAuthIdentity::Google { client_email }) => (Some(Provider::Google), None, client_email.clone(), Transport::Smtp),
        };
        Row {
            host: c.host.to_string(),
            port: i64::from(c.port),
            from_name: c.from_name.as_str().to_owned(),
            from_email: c.from_email.to_string(),
            security: c.security.as_str().to_owned(),
            auth: auth.is_some(),
            username: auth.map(|a| a.username.clone()),
            password_sealed: self.password_sealed.clone(),
            oauth_provider: provider.map(|p| p.as_str().to_owned()),
            oauth_tenant: tenant,
            oauth_client: client,
            transport: transport.as_str().to_owned(),
            enabled: self.enabled,
            updated_at: self.updated_at,
            updated_by: self.updated_by.clone(),
        }
    }
}

/// The sign-in columns of a row with authentication on.
fn sign_in(row: &Row, security: Security, transport: Transport) -> Result<SmtpAuth, DecodeError> {
    if security == Security::None {
        return Err(refused("security", text(Some(&row.security)), "auth is on, and without SSL or StartTLS the password would cross the network in clear"));
    }
    let username = row.username.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let username = match username {
        None => return Err(refused("username", text(row.username.as_deref()), "auth is on but no username is stored")),
        Some(u) if u.chars().count() > MAX_USERNAME_CHARS || u.chars().any(char::is_control) => {
            return Err(refused("username", text(Some(u)), format!("longer than {MAX_USERNAME_CHARS} characters, or more than one line")))
        }
        Some(u) => u.to_owned(),
    };
    if row.password_sealed.is_none() {
        // Never the value itself: only whether there is one.
        return Err(refused("password_sealed", text(None), "auth is on but no secret is stored"));
    }
    let oauth = match row.oauth_provider.as_deref() {
        None => None,
        Some(name) => Some(match Provider::parse(name) {
            None => return Err(refused("oauth_provider", text(Some(name)), "not one of microsoft365, google")),
            Some(Provider::Microsoft365) => OAuthIdentity::Microsoft365 {
                tenant_id: column("oauth_tenant", row.oauth_tenant.as_deref(), check_tenant)?,
                client_id: column("oauth_client", row.oauth_client.as_deref(), check_client_id)?,
                transport,
            },
            // The service account's email is only shown; the stored key is what signs.
            Some(Provider::Google) => OAuthIdentity::Google { client_email: row.oauth_client.clone() },
        }),
    };
    Ok(SmtpAuth { username, password: PasswordChange::Keep, oauth })
}

/// A column that must hold a value its check accepts.
fn column(name: &'static str, value: Option<&str>, check: fn(&str) -> Result<(), &'static str>) -> Result<String, DecodeError> {
    let v = value.ok_or_else(|| refused(name, text(None), "missing"))?;
    check(v).map_err(|why| refused(name, text(Some(v)), why))?;
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            host: "smtp.example.com".into(),
            port: 587,
            from_name: "Acme".into(),
            from_email: "noreply@example.com".into(),
            security: "starttls".into(),
            auth: true,
            username: Some("relay@example.com".into()),
            password_sealed: Some("v1:sealed".into()),
            oauth_provider: Some("microsoft365".into()),
            oauth_tenant: Some("contoso.onmicrosoft.com".into()),
            oauth_client: Some("app-1".into()),
            transport: "smtp".into(),
            enabled: true,
            updated_at: 1_700_000_000,
            updated_by: "admin@example.com".into(),
        }
    }

    #[test]
    fn a_saved_row_decodes_and_encodes_back_to_itself() {
        let stored = StoredSmtp::decode(row()).unwrap();
        assert_eq!(stored.config.port, 587);
        assert_eq!(stored.config.security, Security::StartTls);
        let auth = stored.config.auth.as_ref().unwrap();
        assert_eq!(auth.oauth.as_ref().map(OAuthIdentity::provider), Some(Provider::Microsoft365));
        assert_eq!(auth.password, PasswordChange::Keep);
        assert_eq!(stored.row(), row());
        let plain = Row { auth: false, username: None, password_sealed: None, oauth_provider: None, oauth_tenant: None, oauth_client: None, ..row() };
        assert_eq!(StoredSmtp::decode(plain.clone()).unwrap().row(), plain);
        let graph = Row { transport: "graph".into(), ..row() };
        let stored = StoredSmtp::decode(graph.clone()).unwrap();
        assert!(stored.config.auth.as_ref().and_then(|a| a.oauth.as_ref()).is_some_and(OAuthIdentity::is_graph));
        assert_eq!(stored.row(), graph);
    }

    /// A corrupt row is refused with its column and value named, never read as a default.
    #[test]
    fn a_corrupt_row_is_refused_naming_its_column() {
        let cases: [(&str, Row, &str); 12] = [
            ("transport", Row { transport: "ews".into(), ..row() }, "smtp_config.transport = \"ews\": not one of smtp, graph"),
            (
                "transport",
                Row { transport: "graph".into(), oauth_provider: Some("google".into()), ..row() },
                "smtp_config.transport = \"graph\": graph without a Microsoft 365 sign-in",
            ),
            ("security", Row { security: "tls".into(), ..row() }, "smtp_config.security = \"tls\": not one of none, ssl, starttls"),
            ("port", Row { port: 0, ..row() }, "smtp_config.port = 0: not a port from 1 to 65535"),
            ("port", Row { port: 70000, ..row() }, "smtp_config.port = 70000: not a port from 1 to 65535"),
            ("from_email", Row { from_email: "not an address".into(), ..row() }, "smtp_config.from_email = \"not an address\": the email address needs an @"),
            ("host", Row { host: "smtp://x.example".into(), ..row() }, "smtp_config.host = \"smtp://x.example\""),
            ("from_name", Row { from_name: "A\r\nBcc: x@evil.example".into(), ..row() }, "smtp_config.from_name = \"A\\r\\nBcc: x@evil.example\""),
            ("security", Row { security: "none".into(), ..row() }, "smtp_config.security = \"none\": auth is on"),
            ("password_sealed", Row { password_sealed: None, ..row() }, "smtp_config.password_sealed = NULL"),
            ("oauth_tenant", Row { oauth_tenant: None, ..row() }, "smtp_config.oauth_tenant = NULL: missing"),
            ("oauth_provider", Row { auth: false, ..row() }, "smtp_config.oauth_provider = \"microsoft365\": set while auth is off"),
        ];
        for (column, corrupt, said) in cases {
            let err = StoredSmtp::decode(corrupt).unwrap_err();
            assert_eq!(err.column, column, "{err}");
            assert!(err.to_string().starts_with(said), "{err}");
        }
        assert_eq!(StoredSmtp::decode(Row { oauth_provider: Some("yahoo".into()), ..row() }).unwrap_err().column, "oauth_provider");
        assert_eq!(StoredSmtp::decode(Row { username: Some("  ".into()), ..row() }).unwrap_err().column, "username");
    }
}
