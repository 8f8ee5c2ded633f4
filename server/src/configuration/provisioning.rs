//! What the server's settings provision at a start: the first host admin
//! (`GATEHOUSE_ADMIN_*`), the SMTP relay (`GATEHOUSE_SMTP_*`) and the
//! fallback relay (`GATEHOUSE_SMTP_FALLBACK_*`, the same settings but the
//! switch). Each relay is read (`RelayVars`) into the same draft the
//! console's form sends, so the shared parser
//! (`shared::smtp::SmtpDraft::parse`) judges both; its refusals come back
//! named by the variable to fix (`smtp_variable`, `fallback_variable`).

use super::secrets::{read, secret};
use clap::Args;
use shared::oauth::{OAuthDraft, Provider, Transport};
use shared::smtp::{Security, SmtpDraft};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Args)]
pub struct ProvisioningSettings {
    /// The first host admin, created at start while there is no host admin (no setup link is printed then).
    #[arg(long, env = "GATEHOUSE_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// The first host admin's password (prefer --admin-password-file).
    #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
    /// A file holding the first host admin's password (trailing newlines trimmed).
    #[arg(long, env = "GATEHOUSE_ADMIN_PASSWORD_FILE")]
    pub admin_password_file: Option<PathBuf>,
    /// The SMTP relay's host: set (or GATEHOUSE_SMTP_OAUTH_TRANSPORT=graph), the relay comes from
    /// these GATEHOUSE_SMTP_* settings at every start and the console may test it but not change it.
    #[arg(long, env = "GATEHOUSE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Default: the usual port of the security (25, 465, 587).
    #[arg(long, env = "GATEHOUSE_SMTP_PORT")]
    pub smtp_port: Option<String>,
    /// none, ssl or starttls (default).
    #[arg(long, env = "GATEHOUSE_SMTP_SECURITY")]
    pub smtp_security: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_FROM_NAME")]
    pub smtp_from_name: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_FROM_EMAIL")]
    pub smtp_from_email: Option<String>,
    /// Sign in to the relay: true or false (default: true when a username is set).
    #[arg(long, env = "GATEHOUSE_SMTP_AUTH")]
    pub smtp_auth: Option<String>,
    /// The relay's username (with OAuth2, the mailbox to send as).
    #[arg(long, env = "GATEHOUSE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// The relay's password (prefer --smtp-password-file).
    #[arg(long, env = "GATEHOUSE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_PASSWORD_FILE")]
    pub smtp_password_file: Option<PathBuf>,
    /// Sign in with OAuth2 instead of a password: microsoft365 or google.
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_PROVIDER")]
    pub smtp_oauth_provider: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_TENANT_ID")]
    pub smtp_oauth_tenant_id: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_CLIENT_ID")]
    pub smtp_oauth_client_id: Option<String>,
    /// Microsoft 365's client secret (prefer --smtp-oauth-client-secret-file).
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET", hide_env_values = true)]
    pub smtp_oauth_client_secret: Option<String>,
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET_FILE")]
    pub smtp_oauth_client_secret_file: Option<PathBuf>,
    /// Microsoft 365: smtp (AUTH XOAUTH2 at the relay, default) or graph (Microsoft Graph's
    /// sendMail, for tenants with SMTP AUTH off; host, port, security and username are then ignored).
    #[arg(long, env = "GATEHOUSE_SMTP_OAUTH_TRANSPORT")]
    pub smtp_oauth_transport: Option<String>,
    /// Google Workspace: the service account's JSON key file.
    #[arg(long, env = "GATEHOUSE_SMTP_GOOGLE_KEY_FILE")]
    pub smtp_google_key_file: Option<PathBuf>,
    /// Whether SMTP is switched on: true (default) or false.
    #[arg(long, env = "GATEHOUSE_SMTP_ENABLED")]
    pub smtp_enabled: Option<String>,
    #[command(flatten)]
    pub fallback: FallbackSettings,
}

/// The fallback relay from the server's settings: the primary's settings
/// under `GATEHOUSE_SMTP_FALLBACK_*`, but no switch (it is in use while SMTP is on).
#[derive(Debug, Clone, Default, Args)]
pub struct FallbackSettings {
    /// The fallback relay's host: set (or GATEHOUSE_SMTP_FALLBACK_OAUTH_TRANSPORT=graph), the fallback
    /// relay comes from these GATEHOUSE_SMTP_FALLBACK_* settings at every start, like the primary's.
    #[arg(long = "smtp-fallback-host", env = "GATEHOUSE_SMTP_FALLBACK_HOST")]
    pub host: Option<String>,
    #[arg(long = "smtp-fallback-port", env = "GATEHOUSE_SMTP_FALLBACK_PORT")]
    pub port: Option<String>,
    #[arg(long = "smtp-fallback-security", env = "GATEHOUSE_SMTP_FALLBACK_SECURITY")]
    pub security: Option<String>,
    #[arg(long = "smtp-fallback-from-name", env = "GATEHOUSE_SMTP_FALLBACK_FROM_NAME")]
    pub from_name: Option<String>,
    #[arg(long = "smtp-fallback-from-email", env = "GATEHOUSE_SMTP_FALLBACK_FROM_EMAIL")]
    pub from_email: Option<String>,
    #[arg(long = "smtp-fallback-auth", env = "GATEHOUSE_SMTP_FALLBACK_AUTH")]
    pub auth: Option<String>,
    #[arg(long = "smtp-fallback-username", env = "GATEHOUSE_SMTP_FALLBACK_USERNAME")]
    pub username: Option<String>,
    /// The fallback relay's password (prefer --smtp-fallback-password-file).
    #[arg(long = "smtp-fallback-password", env = "GATEHOUSE_SMTP_FALLBACK_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    #[arg(long = "smtp-fallback-password-file", env = "GATEHOUSE_SMTP_FALLBACK_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,
    #[arg(long = "smtp-fallback-oauth-provider", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_PROVIDER")]
    pub oauth_provider: Option<String>,
    #[arg(long = "smtp-fallback-oauth-tenant-id", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_TENANT_ID")]
    pub oauth_tenant_id: Option<String>,
    #[arg(long = "smtp-fallback-oauth-client-id", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_CLIENT_ID")]
    pub oauth_client_id: Option<String>,
    #[arg(long = "smtp-fallback-oauth-client-secret", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_CLIENT_SECRET", hide_env_values = true)]
    pub oauth_client_secret: Option<String>,
    #[arg(long = "smtp-fallback-oauth-client-secret-file", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_CLIENT_SECRET_FILE")]
    pub oauth_client_secret_file: Option<PathBuf>,
    #[arg(long = "smtp-fallback-oauth-transport", env = "GATEHOUSE_SMTP_FALLBACK_OAUTH_TRANSPORT")]
    pub oauth_transport: Option<String>,
    #[arg(long = "smtp-fallback-google-key-file", env = "GATEHOUSE_SMTP_FALLBACK_GOOGLE_KEY_FILE")]
    pub google_key_file: Option<PathBuf>,
}

/// The first host admin the settings name.
pub struct FirstAdmin {
    pub email: String,
    pub password: String,
}

/// The relay the settings provision: the form's draft, and the switch.
pub struct ProvisionedSmtp {
    pub draft: SmtpDraft,
    pub enabled: bool,
}

impl ProvisioningSettings {
    /// The first host admin, when both its email and its password are set; one without the other is refused.
    pub fn first_admin(&self) -> anyhow::Result<Option<FirstAdmin>> {
        let password = secret("GATEHOUSE_ADMIN_PASSWORD", self.admin_password.as_deref(), self.admin_password_file.as_deref())?;
        match (self.admin_email.clone(), password) {
            (Some(email), Some(password)) => Ok(Some(FirstAdmin { email, password })),
            (None, None) => Ok(None),
            (Some(_), None) => anyhow::bail!("GATEHOUSE_ADMIN_EMAIL is set without GATEHOUSE_ADMIN_PASSWORD or GATEHOUSE_ADMIN_PASSWORD_FILE"),
            (None, Some(_)) => anyhow::bail!("GATEHOUSE_ADMIN_PASSWORD(_FILE) is set without GATEHOUSE_ADMIN_EMAIL"),
        }
    }

    /// The provisioned relay while `GATEHOUSE_SMTP_HOST` is set.
    pub fn smtp(&self) -> anyhow::Result<Option<ProvisionedSmtp>> {
        self.primary().provisioned()
    }

    /// The provisioned fallback relay while `GATEHOUSE_SMTP_FALLBACK_HOST` is set.
    pub fn fallback_smtp(&self) -> anyhow::Result<Option<ProvisionedSmtp>> {
        self.fallback().provisioned()
    }

    /// The variable to fix for a field the parser refused (its name in the draft).
    pub fn smtp_variable(&self, field: &str) -> String {
        self.primary().variable(field)
    }

    /// The same, for the fallback relay.
    pub fn fallback_variable(&self, field: &str) -> String {
        self.fallback().variable(field)
    }

    fn primary(&self) -> RelayVars<'_> {
        RelayVars {
            prefix: "GATEHOUSE_SMTP",
            host: self.smtp_host.as_deref(),
            port: self.smtp_port.as_deref(),
            security: self.smtp_security.as_deref(),
            from_name: self.smtp_from_name.as_deref(),
            from_email: self.smtp_from_email.as_deref(),
            auth: self.smtp_auth.as_deref(),
            username: self.smtp_username.as_deref(),
            password: self.smtp_password.as_deref(),
            password_file: self.smtp_password_file.as_deref(),
            oauth_provider: self.smtp_oauth_provider.as_deref(),
            oauth_tenant_id: self.smtp_oauth_tenant_id.as_deref(),
            oauth_client_id: self.smtp_oauth_client_id.as_deref(),
            oauth_client_secret: self.smtp_oauth_client_secret.as_deref(),
            oauth_client_secret_file: self.smtp_oauth_client_secret_file.as_deref(),
            oauth_transport: self.smtp_oauth_transport.as_deref(),
            google_key_file: self.smtp_google_key_file.as_deref(),
            enabled: Some(self.smtp_enabled.as_deref()),
        }
    }

    fn fallback(&self) -> RelayVars<'_> {
        let f = &self.fallback;
        RelayVars {
            prefix: "GATEHOUSE_SMTP_FALLBACK",
            host: f.host.as_deref(),
            port: f.port.as_deref(),
            security: f.security.as_deref(),
            from_name: f.from_name.as_deref(),
            from_email: f.from_email.as_deref(),
            auth: f.auth.as_deref(),
            username: f.username.as_deref(),
            password: f.password.as_deref(),
            password_file: f.password_file.as_deref(),
            oauth_provider: f.oauth_provider.as_deref(),
            oauth_tenant_id: f.oauth_tenant_id.as_deref(),
            oauth_client_id: f.oauth_client_id.as_deref(),
            oauth_client_secret: f.oauth_client_secret.as_deref(),
            oauth_client_secret_file: f.oauth_client_secret_file.as_deref(),
            oauth_transport: f.oauth_transport.as_deref(),
            google_key_file: f.google_key_file.as_deref(),
            enabled: None,
        }
    }
}

/// One relay's settings as read: the primary's (`GATEHOUSE_SMTP_*`) or the
/// fallback's (`GATEHOUSE_SMTP_FALLBACK_*`), judged by the same rules and
/// named by their own variables.
struct RelayVars<'a> {
    prefix: &'static str,
    host: Option<&'a str>,
    port: Option<&'a str>,
    security: Option<&'a str>,
    from_name: Option<&'a str>,
    from_email: Option<&'a str>,
    auth: Option<&'a str>,
    username: Option<&'a str>,
    password: Option<&'a str>,
    password_file: Option<&'a Path>,
    oauth_provider: Option<&'a str>,
    oauth_tenant_id: Option<&'a str>,
    oauth_client_id: Option<&'a str>,
    oauth_client_secret: Option<&'a str>,
    oauth_client_secret_file: Option<&'a Path>,
    oauth_transport: Option<&'a str>,
    google_key_file: Option<&'a Path>,
    /// The primary's switch (`Some(value if set)`); the fallback has none.
    enabled: Option<Option<&'a str>>,
}

impl RelayVars<'_> {
    /// The variable `name` of this relay: `GATEHOUSE_SMTP_PORT`, `GATEHOUSE_SMTP_FALLBACK_PORT`.
    fn var(&self, name: &str) -> String {
        format!("{}_{name}", self.prefix)
    }

    /// The provisioned relay while its host is set. What the form has no
    /// field for (a port that is no number, an unknown security, provider or
    /// switch value) is refused here, naming its variable; the rest is the
    /// shared parser's to judge.
    fn provisioned(&self) -> anyhow::Result<Option<ProvisionedSmtp>> {
        let var = |name: &str| self.var(name);
        let password = secret(&var("PASSWORD"), self.password, self.password_file)?;
        let client_secret = secret(&var("OAUTH_CLIENT_SECRET"), self.oauth_client_secret, self.oauth_client_secret_file)?;
        let transport = match self.oauth_transport.map(str::trim) {
            None => Transport::Smtp,
            Some(t) => Transport::parse(&t.to_lowercase()).ok_or_else(|| anyhow::anyhow!("{}: {t:?} is not one of smtp, graph", var("OAUTH_TRANSPORT")))?,
        };
        // Graph names no relay: its settings are enough without a host.
        let host = self.host.map(str::to_owned).or_else(|| (transport == Transport::Graph).then(String::new));
        let Some(host) = host else {
            if let Some(set) = self.settings_set().first() {
                anyhow::bail!("{set} is set but {} is not: the relay is provisioned only with its host", var("HOST"));
            }
            return Ok(None);
        };
        let security = match self.security.map(str::trim) {
            None => Security::default(),
            Some(s) => Security::parse(&s.to_lowercase()).ok_or_else(|| anyhow::anyhow!("{}: {s:?} is not one of none, ssl, starttls", var("SECURITY")))?,
        };
        let port = match self.port.map(str::trim) {
            None => security.usual_port().into(),
            Some(p) => p.parse::<i64>().map_err(|_| anyhow::anyhow!("{}: {p:?} is not a whole number", var("PORT")))?,
        };
        let provider = match self.oauth_provider.map(str::trim) {
            None => None,
            Some(p) => {
                Some(Provider::parse(&p.to_lowercase()).ok_or_else(|| anyhow::anyhow!("{}: {p:?} is not one of microsoft365, google", var("OAUTH_PROVIDER")))?)
            }
        };
        let default_auth = self.username.is_some() || provider.is_some();
        let auth = flag(&var("AUTH"), self.auth, default_auth)?;
        let enabled = match self.enabled {
            Some(value) => flag(&var("ENABLED"), value, true)?,
            None => true,
        };
        if transport == Transport::Graph && provider != Some(Provider::Microsoft365) {
            anyhow::bail!("{}=graph is for Microsoft 365: set {}=microsoft365", var("OAUTH_TRANSPORT"), var("OAUTH_PROVIDER"));
        }
        // A secret the chosen way of signing in would not use is a mistake to say, not to ignore.
        match provider {
            Some(_) if password.is_some() => {
                anyhow::bail!("{}(_FILE) is set, but with {} the relay signs in with OAuth2", var("PASSWORD"), var("OAUTH_PROVIDER"))
            }
            Some(Provider::Google) if client_secret.is_some() => {
                anyhow::bail!("{}(_FILE) is for microsoft365; Google signs in with {}", var("OAUTH_CLIENT_SECRET"), var("GOOGLE_KEY_FILE"))
            }
            Some(Provider::Microsoft365) if self.google_key_file.is_some() => {
                anyhow::bail!("{} is for google; Microsoft 365 signs in with {}(_FILE)", var("GOOGLE_KEY_FILE"), var("OAUTH_CLIENT_SECRET"))
            }
            None if client_secret.is_some() || self.google_key_file.is_some() => {
                anyhow::bail!("an OAuth2 secret is set without {}", var("OAUTH_PROVIDER"))
            }
            _ => {}
        }
        let oauth = match provider {
            None => None,
            Some(Provider::Microsoft365) => Some(OAuthDraft::Microsoft365 {
                tenant_id: self.oauth_tenant_id.unwrap_or_default().to_owned(),
                client_id: self.oauth_client_id.unwrap_or_default().to_owned(),
                client_secret,
                transport,
            }),
            Some(Provider::Google) => {
                Some(OAuthDraft::Google { service_account_key: self.google_key_file.map(|f| read(&var("GOOGLE_KEY_FILE"), f)).transpose()? })
            }
        };
        let draft = SmtpDraft {
            host,
            port,
            from_name: self.from_name.unwrap_or_default().to_owned(),
            from_email: self.from_email.unwrap_or_default().to_owned(),
            security,
            auth,
            username: self.username.map(str::to_owned),
            password,
            oauth,
        };
        Ok(Some(ProvisionedSmtp { draft, enabled }))
    }

    /// The variable to fix for a field the parser refused (its name in the draft).
    fn variable(&self, field: &str) -> String {
        let file = |name: &str, from_file: bool| if from_file { format!("{}_FILE", self.var(name)) } else { self.var(name) };
        match field {
            "host" => self.var("HOST"),
            "port" => self.var("PORT"),
            "from_name" => self.var("FROM_NAME"),
            "from_email" => self.var("FROM_EMAIL"),
            "security" => self.var("SECURITY"),
            "auth" => self.var("AUTH"),
            "username" => self.var("USERNAME"),
            "password" => file("PASSWORD", self.password_file.is_some()),
            "oauth" => self.var("OAUTH_PROVIDER"),
            "oauth.tenant_id" => self.var("OAUTH_TENANT_ID"),
            "oauth.client_id" => self.var("OAUTH_CLIENT_ID"),
            "oauth.client_secret" => file("OAUTH_CLIENT_SECRET", self.oauth_client_secret_file.is_some()),
            "oauth.service_account_key" => self.var("GOOGLE_KEY_FILE"),
            "oauth.transport" => self.var("OAUTH_TRANSPORT"),
            other => format!("{}_* ({other})", self.prefix),
        }
    }

    /// The relay settings set besides the host, by variable.
    fn settings_set(&self) -> Vec<String> {
        let set = [
            ("PORT", self.port.is_some()),
            ("SECURITY", self.security.is_some()),
            ("FROM_NAME", self.from_name.is_some()),
            ("FROM_EMAIL", self.from_email.is_some()),
            ("AUTH", self.auth.is_some()),
            ("USERNAME", self.username.is_some()),
            ("PASSWORD(_FILE)", self.password.is_some() || self.password_file.is_some()),
            ("OAUTH_PROVIDER", self.oauth_provider.is_some()),
            ("OAUTH_TENANT_ID", self.oauth_tenant_id.is_some()),
            ("OAUTH_CLIENT_ID", self.oauth_client_id.is_some()),
            ("OAUTH_CLIENT_SECRET(_FILE)", self.oauth_client_secret.is_some() || self.oauth_client_secret_file.is_some()),
            ("GOOGLE_KEY_FILE", self.google_key_file.is_some()),
            ("OAUTH_TRANSPORT", self.oauth_transport.is_some()),
            ("ENABLED", self.enabled.is_some_and(|e| e.is_some())),
        ];
        set.into_iter().filter(|(_, is)| *is).map(|(name, _)| self.var(name)).collect()
    }
}

/// A true/false setting (`1`/`0`, `yes`/`no`, `on`/`off` too), or `default` when unset.
fn flag(variable: &str, value: Option<&str>, default: bool) -> anyhow::Result<bool> {
    let Some(value) = value else { return Ok(default) };
    match value.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => anyhow::bail!("{variable}: {value:?} is not true or false"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay() -> ProvisioningSettings {
        ProvisioningSettings { smtp_host: Some("smtp.example.com".into()), smtp_from_email: Some("noreply@example.com".into()), ..Default::default() }
    }

    #[test]
    fn the_relay_is_a_draft_with_usual_defaults() {
        assert!(ProvisioningSettings::default().smtp().unwrap().is_none());
        let p = relay().smtp().unwrap().unwrap();
        assert_eq!((p.draft.port, p.draft.security, p.draft.auth, p.enabled), (587, Security::StartTls, false, true));
        let ssl = ProvisioningSettings { smtp_security: Some("SSL".into()), smtp_username: Some("u".into()), ..relay() }.smtp().unwrap().unwrap();
        assert_eq!((ssl.draft.port, ssl.draft.security, ssl.draft.auth), (465, Security::Ssl, true));
    }

    #[test]
    fn what_the_form_has_no_field_for_is_refused_naming_its_variable() {
        let refused = |p: ProvisioningSettings| p.smtp().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused(ProvisioningSettings { smtp_port: Some("587x".into()), ..relay() }).starts_with("GATEHOUSE_SMTP_PORT:"));
        assert!(refused(ProvisioningSettings { smtp_security: Some("tls".into()), ..relay() }).starts_with("GATEHOUSE_SMTP_SECURITY:"));
        assert!(refused(ProvisioningSettings { smtp_enabled: Some("maybe".into()), ..relay() }).starts_with("GATEHOUSE_SMTP_ENABLED:"));
        assert!(refused(ProvisioningSettings { smtp_oauth_provider: Some("yahoo".into()), ..relay() }).starts_with("GATEHOUSE_SMTP_OAUTH_PROVIDER:"));
        assert!(refused(ProvisioningSettings { smtp_oauth_transport: Some("ews".into()), ..relay() }).starts_with("GATEHOUSE_SMTP_OAUTH_TRANSPORT:"));
        assert!(refused(ProvisioningSettings { smtp_oauth_transport: Some("graph".into()), ..relay() }).contains("GATEHOUSE_SMTP_OAUTH_PROVIDER=microsoft365"));
        let hostless = ProvisioningSettings { smtp_host: None, ..relay() };
        assert!(refused(hostless).starts_with("GATEHOUSE_SMTP_FROM_EMAIL is set but GATEHOUSE_SMTP_HOST is not"));
        let both = ProvisioningSettings { smtp_password: Some("a".into()), smtp_password_file: Some("/x".into()), ..relay() };
        assert!(refused(both).contains("GATEHOUSE_SMTP_PASSWORD and GATEHOUSE_SMTP_PASSWORD_FILE"));
    }

    /// Graph names no relay: provisioned without GATEHOUSE_SMTP_HOST, and the draft parses.
    #[test]
    fn graph_is_provisioned_without_a_host() {
        let graph = ProvisioningSettings {
            smtp_host: None,
            smtp_from_email: Some("noreply@contoso.com".into()),
            smtp_oauth_provider: Some("microsoft365".into()),
            smtp_oauth_transport: Some("Graph".into()),
            smtp_oauth_tenant_id: Some("contoso.onmicrosoft.com".into()),
            smtp_oauth_client_id: Some("app".into()),
            smtp_oauth_client_secret: Some("s".into()),
            ..Default::default()
        };
        let p = graph.smtp().unwrap().expect("provisioned");
        assert!(p.draft.is_graph());
        assert_eq!(p.draft.parse(false).unwrap().auth.unwrap().username, "noreply@contoso.com");
    }

    /// The fallback relay: the same rules under its own names, and no switch.
    #[test]
    fn the_fallback_relay_is_read_and_refused_under_its_own_names() {
        assert!(relay().fallback_smtp().unwrap().is_none(), "the primary's settings provision no fallback");
        let fallback = |f: FallbackSettings| ProvisioningSettings { fallback: f, ..relay() };
        let f = FallbackSettings { host: Some("backup.example.com".into()), from_email: Some("backup@example.com".into()), ..Default::default() };
        let p = fallback(f.clone()).fallback_smtp().unwrap().expect("provisioned");
        assert_eq!((p.draft.host.as_str(), p.draft.port, p.enabled), ("backup.example.com", 587, true));
        let refused = fallback(FallbackSettings { port: Some("x".into()), ..f.clone() }).fallback_smtp().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(refused.starts_with("GATEHOUSE_SMTP_FALLBACK_PORT:"), "{refused}");
        let hostless = fallback(FallbackSettings { host: None, ..f }).fallback_smtp().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(hostless.starts_with("GATEHOUSE_SMTP_FALLBACK_FROM_EMAIL is set but GATEHOUSE_SMTP_FALLBACK_HOST is not"), "{hostless}");
        assert_eq!(relay().fallback_variable("password"), "GATEHOUSE_SMTP_FALLBACK_PASSWORD");
        assert_eq!(relay().smtp_variable("password"), "GATEHOUSE_SMTP_PASSWORD");
    }

    #[test]
    fn an_admin_needs_both_email_and_password() {
        assert!(ProvisioningSettings::default().first_admin().unwrap().is_none());
        let email_only = ProvisioningSettings { admin_email: Some("a@example.com".into()), ..Default::default() };
        assert!(email_only.first_admin().is_err());
        let both = ProvisioningSettings { admin_password: Some("p".into()), ..email_only };
        assert_eq!(both.first_admin().unwrap().unwrap().password, "p");
    }
}
