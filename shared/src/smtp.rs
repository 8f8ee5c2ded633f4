//! The SMTP relay configuration, as the form edits it and as the server stores it.
//!
//! [`SmtpDraft`] is what a form or a REST client sends: plain strings and
//! numbers. [`SmtpDraft::parse`] turns it into an [`SmtpConfig`], which can
//! only exist valid, or into a 422 naming every field that is wrong. The
//! browser runs the same parse as you type; the server runs it again.

use crate::api::{ApiError, ErrorCode, FieldErrors};
use crate::email::{is_valid_hostname, EmailAddress};
pub use crate::oauth::Transport;
use crate::oauth::{OAuthDraft, OAuthIdentity, OAuthView, ServiceAccountKey};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_FROM_NAME_CHARS: usize = 100;
pub const MAX_USERNAME_CHARS: usize = 256;
/// Counted in characters, so the REST schema can state it (`maxLength`).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// How the connection to the relay is protected. The dashboard's two switches
/// ("Enable SSL", "Enable StartTLS") map onto this and exclude each other.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain SMTP. Only sensible for a relay on a trusted network.
    None,
    /// Implicit TLS from the first byte (SMTPS, usually port 465).
    Ssl,
    /// Plain connect, then STARTTLS, which is *required*: never a silent
    /// fallback to plain text when the relay does not offer it.
    #[serde(rename = "starttls")]
    #[default]
    StartTls,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::None => "none",
            Security::Ssl => "ssl",
            Security::StartTls => "starttls",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        [Security::None, Security::Ssl, Security::StartTls].into_iter().find(|v| v.as_str() == s)
    }

    /// The port people mean when they pick this security.
    pub fn usual_port(self) -> u16 {
        match self {
            Security::None => 25,
            Security::Ssl => 465,
            Security::StartTls => 587,
        }
    }
}

/// The relay's host: a DNS name (IDN allowed) or an IP address. No scheme,
/// port, spaces or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SmtpHost(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostError {
    Empty,
    TooLong,
    HasScheme,
    HasPort,
    Invalid,
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HostError::Empty => "enter the relay's host name",
            HostError::TooLong => "a host name has at most 253 characters",
            HostError::HasScheme => "enter the host name only, without smtp:// or https://",
            HostError::HasPort => "enter the port in the Port field, not after the host",
            HostError::Invalid => "this is not a valid host name or IP address",
        })
    }
}

impl SmtpHost {
    pub fn parse(input: &str) -> Result<Self, HostError> {
        let host = input.trim();
        if host.is_empty() {
            return Err(HostError::Empty);
        }
        if host.chars().count() > 253 {
            return Err(HostError::TooLong);
        }
        if host.contains("://") {
            return Err(HostError::HasScheme);
        }
        let unbracketed = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if unbracketed.parse::<std::net::IpAddr>().is_ok() {
            return Ok(Self(unbracketed.to_owned()));
        }
        if host.contains(':') {
            return Err(HostError::HasPort);
        }
        if !is_valid_hostname(host) {
            return Err(HostError::Invalid);
        }
        Ok(Self(host.trim_end_matches('.').to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_ip(&self) -> bool {
        self.0.parse::<std::net::IpAddr>().is_ok()
    }
}

impl fmt::Display for SmtpHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown before the From address. One line: CR, LF and other
/// control characters would let a value inject headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FromName(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FromNameError {
    TooLong,
    ControlCharacter,
}

impl fmt::Display for FromNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FromNameError::TooLong => write!(f, "use at most {MAX_FROM_NAME_CHARS} characters"),
            FromNameError::ControlCharacter => f.write_str("line breaks and control characters are not allowed"),
        }
    }
}

impl FromName {
    pub fn parse(input: &str) -> Result<Self, FromNameError> {
        if input.chars().any(char::is_control) {
            return Err(FromNameError::ControlCharacter);
        }
        let name = input.trim();
        if name.chars().count() > MAX_FROM_NAME_CHARS {
            return Err(FromNameError::TooLong);
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A TCP port a relay can listen on: 1 to 65535.
pub fn parse_port(port: i64) -> Option<u16> {
    u16::try_from(port).ok().filter(|p| *p > 0)
}

/// What a form or REST client sends to save or test a configuration.
/// `password` absent or empty means "keep the stored one". With Microsoft
/// Graph (`oauth.transport: "graph"`), `host`, `port`, `security`, `auth`
/// and `username` are ignored (see [`SmtpDraft::parse`]), so they may be left out.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpDraft {
    /// The relay's host; required unless `oauth.transport` is `graph`.
    #[serde(default)]
    pub host: String,
    // Any whole number (not u16), so that one out of range gets `parse`'s
    // 422 naming the field rather than serde's refusal of the whole body.
    /// The relay's port; required unless `oauth.transport` is `graph`.
    #[serde(default, deserialize_with = "crate::integral::int")]
    pub port: i64,
    #[serde(default)]
    pub from_name: String,
    pub from_email: String,
    /// Defaults to `starttls`.
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub auth: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Sign in with OAuth2 (Microsoft 365, Google Workspace) instead of a
    /// password; needs `auth` and the mailbox as `username`.
    #[serde(default)]
    pub oauth: Option<OAuthDraft>,
}

impl fmt::Debug for SmtpDraft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpDraft")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from_name", &self.from_name)
            .field("from_email", &self.from_email)
            .field("security", &self.security)
            .field("auth", &self.auth)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("oauth", &self.oauth)
            .finish()
    }
}

/// The password part of a valid configuration.
#[derive(Clone, PartialEq, Eq)]
pub enum PasswordChange {
    /// Use the password already stored.
    Keep,
    /// Replace it with this one.
    Set(String),
}

impl fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordChange::Keep => "Keep",
            PasswordChange::Set(_) => "Set(***)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpAuth {
    pub username: String,
    /// The password, or with OAuth2 the client secret or service-account key.
    pub password: PasswordChange,
    /// With OAuth2: whose token to ask for.
    pub oauth: Option<OAuthIdentity>,
}

/// A configuration that is valid in every field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: SmtpHost,
    pub port: u16,
    pub from_name: FromName,
    pub from_email: EmailAddress,
    pub security: Security,
    pub auth: Option<SmtpAuth>,
}

impl SmtpDraft {
    /// Whether this draft sends through Microsoft Graph rather than a relay.
    pub fn is_graph(&self) -> bool {
        matches!(self.oauth, Some(OAuthDraft::Microsoft365 { transport: Transport::Graph, .. }))
    }

    /// Checks every field. `password_stored` says whether a password is already
    /// stored, which a draft without one may keep.
    ///
    /// With Graph there is no relay to name and no SMTP sign-in: `host`,
    /// `port`, `security`, `auth` and `username` are ignored, and the
    /// configuration keeps Microsoft 365's relay (smtp.office365.com, 587,
    /// StartTLS), signed in as `from_email`, the mailbox Graph sends as. So
    /// every stored configuration has a relay, and switching back to `smtp`
    /// starts from Microsoft's.
    pub fn parse(&self, password_stored: bool) -> Result<SmtpConfig, ApiError> {
        let mut fields = FieldErrors::default();
        let graph = self.is_graph();
        let preset = preset_of(crate::oauth::Provider::Microsoft365);
        let (host, port, security) = if graph {
            (SmtpHost::parse(preset.host).ok(), Some(preset.port), preset.security)
        } else {
            (fields.check("host", SmtpHost::parse(&self.host)), parse_port(self.port), self.security)
        };
        if port.is_none() {
            fields.add("port", "use a port from 1 to 65535");
        }
        let from_name = fields.check("from_name", FromName::parse(&self.from_name));
        let from_email = fields.check("from_email", EmailAddress::parse(&self.from_email));
        let mut missing_password = false;
        let auth = if self.auth || graph {
            let username = match (graph, &from_email) {
                (true, Some(mailbox)) => mailbox.to_string(),
                // A From address that does not parse is named as itself.
                (true, None) => String::new(),
                (false, _) => self.username.as_deref().unwrap_or_default().trim().to_owned(),
            };
            if !graph && username.is_empty() {
                fields.add("username", "enter the username the relay expects");
            } else if !graph && (username.chars().count() > MAX_USERNAME_CHARS || username.chars().any(char::is_control)) {
                fields.add("username", "use at most 256 characters, on one line");
            }
            let (password, oauth) = match &self.oauth {
                None => {
                    let password = match self.password.as_deref().filter(|p| !p.is_empty()) {
                        Some(p) if p.chars().count() > MAX_PASSWORD_CHARS => {
                            fields.add("password", format!("use at most {MAX_PASSWORD_CHARS} characters"));
                            PasswordChange::Keep
                        }
                        Some(p) => PasswordChange::Set(p.to_owned()),
                        None if password_stored => PasswordChange::Keep,
                        None => {
                            fields.add("password", "enter the password for this username");
                            missing_password = true;
                            PasswordChange::Keep
                        }
                    };
                    (password, None)
                }
                Some(oauth) => {
                    let (identity, secret, field, missing) = match oauth {
                        OAuthDraft::Microsoft365 { tenant_id, client_id, client_secret, transport } => {
                            let (tenant_id, client_id) = (tenant_id.trim(), client_id.trim());
                            if let Err(e) = crate::oauth::check_tenant(tenant_id) {
                                fields.add("oauth.tenant_id", e);
                            }
                            if let Err(e) = crate::oauth::check_client_id(client_id) {
                                fields.add("oauth.client_id", e);
                            }
                            let identity =
                                OAuthIdentity::Microsoft365 { tenant_id: tenant_id.to_owned(), client_id: client_id.to_owned(), transport: *transport };
                            (identity, client_secret.as_deref().map(str::trim), "oauth.client_secret", "enter the client secret (its value, not its ID)")
                        }
                        OAuthDraft::Google { service_account_key } => {
                            let key = service_account_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
                            let client_email = match key.map(ServiceAccountKey::parse) {
                                Some(Ok(parsed)) => Some(parsed.client_email),
                                Some(Err(e)) => {
                                    fields.add("oauth.service_account_key", e);
                                    None
                                }
                                None => None,
                            };
                            (OAuthIdentity::Google { client_email }, key, "oauth.service_account_key", "paste the service account's JSON key")
                        }
                    };
                    let secret = match secret.filter(|s| !s.is_empty()) {
                        Some(s) if s.chars().count() > crate::oauth::MAX_SECRET_CHARS => {
                            fields.add(field, "this is longer than any real secret or key");
                            PasswordChange::Keep
                        }
                        Some(s) => PasswordChange::Set(s.to_owned()),
                        None if password_stored => PasswordChange::Keep,
                        None => {
                            fields.add(field, missing);
                            missing_password = true;
                            PasswordChange::Keep
                        }
                    };
                    (secret, Some(identity))
                }
            };
            if security == Security::None {
                // AUTH PLAIN/LOGIN over an unencrypted connection would send
                // the password across the network in clear.
                fields.add("security", "choose SSL or StartTLS to sign in to the relay: without encryption the password would cross the network in clear");
            }
            Some(SmtpAuth { username, password, oauth })
        } else {
            if self.oauth.is_some() {
                fields.add("oauth", "OAuth2 signs in as a mailbox: switch authentication on and enter the mailbox as the username");
            }
            None
        };
        fields.into_result().map_err(|mut e| {
            // Blank means "keep the stored password": a well-formed request
            // that the stored state cannot serve (none is stored for this
            // relay) is a conflict, not a malformed request.
            if missing_password && e.fields.len() == 1 {
                e.code = ErrorCode::Conflict;
                e.message = if self.oauth.is_some() {
                    "no secret is stored for this relay, username and app; enter it".into()
                } else {
                    "no password is stored for this relay and username; enter it".into()
                };
            }
            e
        })?;
        Ok(SmtpConfig {
            host: host.expect("checked"),
            port: port.expect("checked"),
            from_name: from_name.expect("checked"),
            from_email: from_email.expect("checked"),
            security,
            auth,
        })
    }
}

/// What GET returns: the configuration without its password, and its state.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub from_name: String,
    pub from_email: String,
    pub security: Security,
    pub auth: bool,
    pub username: Option<String>,
    /// Whether a password (or, with OAuth2, a client secret or key) is stored. Never returned itself.
    pub password_set: bool,
    /// With OAuth2: the provider and whose token, never the secret.
    pub oauth: Option<OAuthView>,
    pub enabled: bool,
    /// Whether a configuration has been saved at all (enabling needs one).
    pub saved: bool,
    /// Unix seconds of the last save, enable or disable.
    pub updated_at: Option<i64>,
    /// Who made that change.
    pub updated_by: Option<String>,
    /// Set by the server's configuration (`GATEHOUSE_SMTP_HOST` and the rest, at
    /// this start): saving and switching are refused (409 `managed`); testing works.
    #[serde(default)]
    pub managed: bool,
}

impl SmtpSettings {
    /// Before anything is saved: blank, with the most common choice preselected.
    pub fn unsaved() -> Self {
        Self {
            host: String::new(),
            port: Security::StartTls.usual_port(),
            from_name: String::new(),
            from_email: String::new(),
            security: Security::StartTls,
            auth: true,
            username: None,
            password_set: false,
            oauth: None,
            enabled: false,
            saved: false,
            updated_at: None,
            updated_by: None,
            managed: false,
        }
    }

    /// Whether `draft` may keep the stored password (leave it blank). Only for
    /// the relay it was saved for: same host, port, security and username,
    /// and the same way of signing in (a password stays a password; an OAuth2
    /// secret stays with its provider, tenant and client). Otherwise whoever
    /// can edit the form could point it at a server (or token endpoint) of
    /// their own and have the stored secret sent there.
    ///
    /// A Microsoft 365 secret is only ever sent to this instance's login URL
    /// for the tenant, whichever the transport: so switching between `smtp`
    /// and `graph` keeps it, and a Graph draft (which names no relay) keeps
    /// it for the same tenant and client alone.
    pub fn can_keep_password_for(&self, draft: &SmtpDraft) -> bool {
        let same_sign_in = match (&draft.oauth, &self.oauth) {
            (None, None) => true,
            (Some(OAuthDraft::Microsoft365 { tenant_id, client_id, .. }), Some(OAuthView::Microsoft365 { tenant_id: t, client_id: c, .. })) => {
                tenant_id.trim() == t && client_id.trim() == c
            }
            (Some(OAuthDraft::Google { .. }), Some(OAuthView::Google { .. })) => true,
            _ => false,
        };
        self.password_set
            && same_sign_in
            && (draft.is_graph()
                || SmtpHost::parse(&draft.host).is_ok_and(|h| h.as_str() == self.host)
                    && draft.port == i64::from(self.port)
                    && draft.security == self.security
                    && draft.username.as_deref().map(str::trim) == self.username.as_deref())
    }
}

/// `{enabled}` after a switch.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpEnabled {
    pub enabled: bool,
}

/// Where a test send got to. `Sent` is success; any other names the step that failed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStage {
    Connect,
    Tls,
    /// OAuth2: the identity provider refused to issue a token, or could not be reached.
    Token,
    Auth,
    Sender,
    Recipient,
    Data,
    /// Microsoft Graph: the sendMail request was refused (Graph's error code
    /// and message in `server_reply`) or could not be made.
    Send,
    Sent,
}

impl TestStage {
    pub const ALL: [TestStage; 9] = [
        TestStage::Connect,
        TestStage::Tls,
        TestStage::Token,
        TestStage::Auth,
        TestStage::Sender,
        TestStage::Recipient,
        TestStage::Data,
        TestStage::Send,
        TestStage::Sent,
    ];

    /// The name on the wire and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStage::Connect => "connect",
            TestStage::Tls => "tls",
            TestStage::Token => "token",
            TestStage::Auth => "auth",
            TestStage::Sender => "sender",
            TestStage::Recipient => "recipient",
            TestStage::Data => "data",
            TestStage::Send => "send",
            TestStage::Sent => "sent",
        }
    }

    pub fn parse(s: &str) -> Option<TestStage> {
        TestStage::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Which of the instance's relays: the primary (the SMTP configuration) or
/// the optional fallback that takes over while the primary fails. On the
/// wire, in the database and in `/metrics`: `primary`, `fallback`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RelayRole {
    #[default]
    Primary,
    Fallback,
}

impl RelayRole {
    pub const ALL: [RelayRole; 2] = [RelayRole::Primary, RelayRole::Fallback];

    pub fn as_str(self) -> &'static str {
        match self {
            RelayRole::Primary => "primary",
            RelayRole::Fallback => "fallback",
        }
    }

    pub fn parse(s: &str) -> Option<RelayRole> {
        RelayRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What the SMTP audit log records of each entry (its `action` column):
/// the entry's kind, before the details that [`SmtpAuditEvent`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpAuditAction {
    Save,
    Enable,
    Disable,
    Test,
    /// Made the configuration the one the server's settings provision, at a start.
    Provision,
    /// The fallback relay was removed (the primary has no such action: it is switched off).
    Remove,
}

impl SmtpAuditAction {
    pub const ALL: [SmtpAuditAction; 6] =
        [SmtpAuditAction::Save, SmtpAuditAction::Enable, SmtpAuditAction::Disable, SmtpAuditAction::Test, SmtpAuditAction::Provision, SmtpAuditAction::Remove];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpAuditAction::Save => "save",
            SmtpAuditAction::Enable => "enable",
            SmtpAuditAction::Disable => "disable",
            SmtpAuditAction::Test => "test",
            SmtpAuditAction::Provision => "provision",
            SmtpAuditAction::Remove => "remove",
        }
    }

    pub fn parse(s: &str) -> Option<SmtpAuditAction> {
        SmtpAuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The verdict of "Send test email".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    pub ok: bool,
    pub stage: TestStage,
    pub message: String,
    /// The relay's own words at that stage, when it said any.
    pub server_reply: Option<String>,
    pub recipient: String,
    pub elapsed_ms: u64,
}

/// One change to the SMTP configuration, or one test send, as the audit log
/// keeps it (never a value, and never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmtpAuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub actor_email: String,
    /// The relay it was about: the primary, or the fallback relay.
    pub relay: RelayRole,
    #[serde(flatten)]
    pub event: SmtpAuditEvent,
}

/// The OpenAPI schema of [`SmtpAuditEntry`]: the one flat object it is on
/// the wire, its event's fields beside `at` and `actor_email`. (Derived, the
/// flattened tagged enum would be `allOf` over a `oneOf`, which client
/// generators such as openapi-python-client drop.)
#[cfg(feature = "openapi")]
mod audit_entry_schema {
    use super::{RelayRole, TestStage};
    use utoipa::openapi::{RefOr, Schema};
    use utoipa::{PartialSchema, ToSchema};

    #[derive(ToSchema)]
    #[allow(dead_code)] // a description, never built
    struct Wire {
        /// Unix seconds.
        at: i64,
        actor_email: String,
        /// The relay it was about: the primary, or the fallback relay.
        relay: RelayRole,
        /// What happened: the first save, a save, the switch turned on or off, a test send,
        /// a start that made the configuration the server's settings provision, or (the
        /// fallback relay only) its removal.
        #[schema(inline)]
        action: Action,
        /// With `saved` and `provisioned`: the names of the fields that changed ("password" when it did).
        changed: Option<Vec<String>>,
        /// With `tested`: the stage it reached (`sent` when it worked); absent while it runs.
        stage: Option<TestStage>,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Action {
        Created,
        Saved,
        Enabled,
        Disabled,
        Tested,
        Provisioned,
        Removed,
    }

    impl PartialSchema for super::SmtpAuditEntry {
        fn schema() -> RefOr<Schema> {
            <Wire as PartialSchema>::schema()
        }
    }

    impl ToSchema for super::SmtpAuditEntry {
        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            <Wire as ToSchema>::schemas(schemas)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum SmtpAuditEvent {
    /// The first save.
    Created,
    /// Saved, with the names of the fields that changed ("password" when it did).
    Saved {
        changed: Vec<String>,
    },
    Enabled,
    Disabled,
    /// A test send, with the stage it reached (`sent` when it worked); none while it runs.
    Tested {
        stage: Option<TestStage>,
    },
    /// A start made the configuration the one its settings provision
    /// (`GATEHOUSE_SMTP_*`), with the names of the fields that changed.
    Provisioned {
        changed: Vec<String>,
    },
    /// The fallback relay was removed: email goes through the primary alone.
    Removed,
}

/// A well-known provider: fills host, port and security, and links to its SMTP guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub name: &'static str,
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    pub guide: &'static str,
}

const GOOGLE: Preset = Preset {
    name: "Gmail / Google Workspace",
    host: "smtp.gmail.com",
    port: 587,
    security: Security::StartTls,
    guide: "https://support.google.com/a/answer/176600",
};
const MICROSOFT_365: Preset = Preset { name: "Microsoft 365 / Outlook", host: "smtp.office365.com", port: 587, security: Security::StartTls, guide: "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/how-to-set-up-a-multifunction-device-or-application-to-send-email-using-microsoft-365-or-office-365" };

/// The relay an OAuth2 provider's tenants send through.
pub fn preset_of(provider: crate::oauth::Provider) -> &'static Preset {
    match provider {
        crate::oauth::Provider::Google => &PRESETS[0],
        crate::oauth::Provider::Microsoft365 => &PRESETS[1],
    }
}

pub const PRESETS: &[Preset] = &[
    GOOGLE,
    MICROSOFT_365,
    Preset {
        name: "Amazon SES (eu-west-1)",
        host: "email-smtp.eu-west-1.amazonaws.com",
        port: 587,
        security: Security::StartTls,
        guide: "https://docs.aws.amazon.com/ses/latest/dg/send-email-smtp.html",
    },
    Preset {
        name: "SendGrid",
        host: "smtp.sendgrid.net",
        port: 587,
        security: Security::StartTls,
        guide: "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api",
    },
    Preset {
        name: "Mailgun",
        host: "smtp.mailgun.org",
        port: 587,
        security: Security::StartTls,
        guide: "https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-smtp",
    },
    Preset {
        name: "Postmark",
        host: "smtp.postmarkapp.com",
        port: 587,
        security: Security::StartTls,
        guide: "https://postmarkapp.com/developer/user-guide/send-email-with-smtp",
    },
    Preset {
        name: "Brevo",
        host: "smtp-relay.brevo.com",
        port: 587,
        security: Security::StartTls,
        guide: "https://help.brevo.com/hc/en-us/articles/7924908994450",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SmtpDraft {
        SmtpDraft {
            host: "smtp.example.com".into(),
            port: 587,
            from_name: "Acme Gateway".into(),
            from_email: "noreply@example.com".into(),
            security: Security::StartTls,
            auth: true,
            username: Some("relay@example.com".into()),
            password: Some("app-password".into()),
            oauth: None,
        }
    }

    #[test]
    fn a_complete_draft_parses() {
        let cfg = draft().parse(false).unwrap();
        assert_eq!(cfg.host.as_str(), "smtp.example.com");
        assert_eq!(cfg.auth.unwrap().password, PasswordChange::Set("app-password".into()));
    }

    #[test]
    fn hosts() {
        for ok in ["smtp.example.com", "localhost", "127.0.0.1", "::1", "[::1]", "posta.caffè.it", "SMTP.Example.COM."] {
            assert!(SmtpHost::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(SmtpHost::parse("smtp://x.com"), Err(HostError::HasScheme));
        assert_eq!(SmtpHost::parse("x.com:587"), Err(HostError::HasPort));
        assert_eq!(SmtpHost::parse(""), Err(HostError::Empty));
        for bad in ["a b.com", "x\r\n.com", "-x.com", "x..com", "x_y.com"] {
            assert!(SmtpHost::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_may_be_kept_only_when_one_is_stored() {
        let mut d = draft();
        d.password = None;
        let err = d.parse(false).unwrap_err();
        assert!(err.fields.contains_key("password"));
        assert_eq!(d.parse(true).unwrap().auth.unwrap().password, PasswordChange::Keep);
        d.auth = false;
        assert!(d.parse(false).unwrap().auth.is_none());
    }

    #[test]
    fn ports_are_1_to_65535() {
        assert_eq!(parse_port(1), Some(1));
        assert_eq!(parse_port(65535), Some(65535));
        for bad in [0, -1, 65536, i64::MAX, i64::MIN] {
            assert_eq!(parse_port(bad), None, "{bad}");
            assert!(SmtpDraft { port: bad, ..draft() }.parse(true).unwrap_err().fields.contains_key("port"), "{bad}");
        }
    }

    #[test]
    fn the_stored_password_is_kept_only_for_the_same_relay() {
        let mut saved = SmtpSettings::unsaved();
        saved.host = "smtp.example.com".into();
        saved.username = Some("relay@example.com".into());
        saved.password_set = true;
        let mut d = draft();
        d.password = None;
        assert!(saved.can_keep_password_for(&d));
        assert!(d.parse(saved.can_keep_password_for(&d)).is_ok());
        for change in [
            |d: &mut SmtpDraft| d.host = "evil.example".into(),
            |d: &mut SmtpDraft| d.port = 2525,
            |d: &mut SmtpDraft| d.security = Security::None,
            |d: &mut SmtpDraft| d.username = Some("other@example.com".into()),
        ] {
            let mut changed = d.clone();
            change(&mut changed);
            assert!(!saved.can_keep_password_for(&changed));
            assert!(changed.parse(saved.can_keep_password_for(&changed)).unwrap_err().fields.contains_key("password"));
        }
    }

    #[test]
    fn oauth_is_checked_and_its_secret_kept_only_for_the_same_app() {
        let microsoft = |secret: Option<&str>| SmtpDraft {
            oauth: Some(OAuthDraft::Microsoft365 {
                tenant_id: "contoso.onmicrosoft.com".into(),
                client_id: "app-1".into(),
                client_secret: secret.map(Into::into),
                transport: Transport::Smtp,
            }),
            password: None,
            ..draft()
        };
        let cfg = microsoft(Some("s3cret")).parse(false).unwrap();
        let auth = cfg.auth.unwrap();
        assert_eq!(auth.password, PasswordChange::Set("s3cret".into()));
        assert_eq!(
            auth.oauth,
            Some(OAuthIdentity::Microsoft365 { tenant_id: "contoso.onmicrosoft.com".into(), client_id: "app-1".into(), transport: Transport::Smtp })
        );
        // No secret and none stored: 409 naming the field.
        let err = microsoft(None).parse(false).unwrap_err();
        assert_eq!((err.code, err.fields.keys().map(String::as_str).collect::<Vec<_>>()), (ErrorCode::Conflict, vec!["oauth.client_secret"]));
        // Bad tenant, OAuth without authentication or over plain SMTP: 422 naming the field.
        let mut bad = microsoft(Some("s"));
        bad.oauth = Some(OAuthDraft::Microsoft365 {
            tenant_id: "con toso".into(),
            client_id: "app-1".into(),
            client_secret: Some("s".into()),
            transport: Transport::Smtp,
        });
        assert!(bad.parse(false).unwrap_err().fields.contains_key("oauth.tenant_id"));
        assert!(SmtpDraft { auth: false, ..microsoft(Some("s")) }.parse(false).unwrap_err().fields.contains_key("oauth"));
        assert!(SmtpDraft { security: Security::None, ..microsoft(Some("s")) }.parse(false).unwrap_err().fields.contains_key("security"));
        let google = SmtpDraft { oauth: Some(OAuthDraft::Google { service_account_key: Some("{}".into()) }), ..draft() };
        assert!(google.parse(false).unwrap_err().fields.contains_key("oauth.service_account_key"));

        // The stored secret stays with its provider, tenant and client, and never becomes a password.
        let mut saved = SmtpSettings::unsaved();
        saved.host = "smtp.example.com".into();
        saved.username = Some("relay@example.com".into());
        saved.password_set = true;
        saved.oauth = Some(OAuthView::Microsoft365 {
            tenant_id: "contoso.onmicrosoft.com".into(),
            client_id: "app-1".into(),
            secret_set: true,
            transport: Transport::Smtp,
        });
        assert!(saved.can_keep_password_for(&microsoft(None)));
        let mut other_client = microsoft(None);
        other_client.oauth = Some(OAuthDraft::Microsoft365 {
            tenant_id: "contoso.onmicrosoft.com".into(),
            client_id: "app-2".into(),
            client_secret: None,
            transport: Transport::Smtp,
        });
        assert!(!saved.can_keep_password_for(&other_client));
        assert!(!saved.can_keep_password_for(&SmtpDraft { password: None, ..draft() }), "a client secret is not a password");
        saved.oauth = None;
        assert!(!saved.can_keep_password_for(&microsoft(None)), "nor a password a client secret");
    }

    /// Graph names no relay: what a form or REST client sends for one is
    /// ignored, and Microsoft's relay is kept, signed in as the From mailbox.
    #[test]
    fn graph_ignores_the_relay_fields_and_sends_as_the_from_mailbox() {
        let graph = |secret: Option<&str>| SmtpDraft {
            host: "".into(),
            port: 0,
            security: Security::None,
            auth: false,
            username: Some("someone-else@example.com".into()),
            password: None,
            oauth: Some(OAuthDraft::Microsoft365 {
                tenant_id: "contoso.onmicrosoft.com".into(),
                client_id: "app-1".into(),
                client_secret: secret.map(Into::into),
                transport: Transport::Graph,
            }),
            ..draft()
        };
        let cfg = graph(Some("s3cret")).parse(false).unwrap();
        assert_eq!((cfg.host.as_str(), cfg.port, cfg.security), ("smtp.office365.com", 587, Security::StartTls));
        let auth = cfg.auth.unwrap();
        assert_eq!(auth.username, "noreply@example.com");
        assert!(auth.oauth.unwrap().is_graph());
        let err = SmtpDraft { from_email: "x".into(), ..graph(Some("s")) }.parse(false).unwrap_err();
        assert_eq!(err.fields.keys().collect::<Vec<_>>(), ["from_email"]);
        // Wire: the relay fields may be left out.
        let wire: SmtpDraft = serde_json::from_value(serde_json::json!({"from_email": "noreply@example.com",
            "oauth": {"provider": "microsoft365", "transport": "graph", "tenant_id": "t.example", "client_id": "c", "client_secret": "s"}}))
        .unwrap();
        assert!(wire.is_graph() && wire.parse(false).is_ok());

        // The stored secret stays with the tenant and client, whichever the transport.
        let mut saved = SmtpSettings::unsaved();
        saved.host = "smtp.office365.com".into();
        saved.username = Some("noreply@example.com".into());
        saved.password_set = true;
        saved.oauth = Some(OAuthView::Microsoft365 {
            tenant_id: "contoso.onmicrosoft.com".into(),
            client_id: "app-1".into(),
            secret_set: true,
            transport: Transport::Smtp,
        });
        assert!(saved.can_keep_password_for(&graph(None)));
        let mut other = graph(None);
        other.oauth = Some(OAuthDraft::Microsoft365 {
            tenant_id: "fabrikam.onmicrosoft.com".into(),
            client_id: "app-1".into(),
            client_secret: None,
            transport: Transport::Graph,
        });
        assert!(!saved.can_keep_password_for(&other));
    }

    #[test]
    fn each_oauth_provider_has_its_relay() {
        assert_eq!(preset_of(crate::oauth::Provider::Google).host, "smtp.gmail.com");
        assert_eq!(preset_of(crate::oauth::Provider::Microsoft365).host, "smtp.office365.com");
    }

    #[test]
    fn authentication_needs_an_encrypted_connection() {
        let mut d = draft();
        d.security = Security::None;
        let err = d.parse(false).unwrap_err();
        assert_eq!(err.fields.keys().collect::<Vec<_>>(), ["security"]);
        d.auth = false;
        assert!(d.parse(false).is_ok(), "plain SMTP without a password stays allowed");
        for security in [Security::Ssl, Security::StartTls] {
            assert!(SmtpDraft { security, ..draft() }.parse(false).is_ok());
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let d = SmtpDraft { host: "".into(), port: 70000, from_name: "a\nb".into(), from_email: "x".into(), auth: true, ..Default::default() };
        let err = d.parse(false).unwrap_err();
        let names: Vec<_> = err.fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["from_email", "from_name", "host", "password", "port", "username"]);
    }

    #[test]
    fn the_debug_output_hides_the_password() {
        assert!(!format!("{:?}", draft()).contains("app-password"));
        assert!(!format!("{:?}", draft().parse(false).unwrap()).contains("app-password"));
    }
}
