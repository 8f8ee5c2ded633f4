//! What the server's settings provision at a start: the first host admin
//! (`GATEHOUSE_ADMIN_*`) and the SMTP relay (`GATEHOUSE_SMTP_*`). Read here
//! into the same draft the console's form sends, so the shared parser
//! (`shared::smtp::SmtpDraft::parse`) judges both; its refusals come back
//! named by the variable to fix (`smtp_variable`).

use super::secrets::{read, secret};
use clap::Args;
use shared::oauth::{OAuthDraft, Provider, Transport};
use shared::smtp::{Security, SmtpDraft};
use std::path::PathBuf;

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

    /// The provisioned relay while `GATEHOUSE_SMTP_HOST` is set. What the form
    /// has no field for (a port that is no number, an unknown security,
    /// provider or switch value) is refused here, naming its variable; the
    /// rest is the shared parser's to judge.
    pub fn smtp(&self) -> anyhow::Result<Option<ProvisionedSmtp>> {
        let password = secret("GATEHOUSE_SMTP_PASSWORD", self.smtp_password.as_deref(), self.smtp_password_file.as_deref())?;
        let client_secret =
            secret("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET", self.smtp_oauth_client_secret.as_deref(), self.smtp_oauth_client_secret_file.as_deref())?;
        let transport = match self.smtp_oauth_transport.as_deref().map(str::trim) {
            None => Transport::Smtp,
            Some(t) => Transport::parse(&t.to_lowercase()).ok_or_else(|| anyhow::anyhow!("GATEHOUSE_SMTP_OAUTH_TRANSPORT: {t:?} is not one of smtp, graph"))?,
        };
        // Graph names no relay: its settings are enough without a host.
        let host = self.smtp_host.clone().or_else(|| (transport == Transport::Graph).then(String::new));
        let Some(host) = host else {
            if let Some(set) = self.smtp_settings_set().first() {
                anyhow::bail!("{set} is set but GATEHOUSE_SMTP_HOST is not: the relay is provisioned only with its host");
            }
            return Ok(None);
        };
        let security = match self.smtp_security.as_deref().map(str::trim) {
            None => Security::default(),
            Some(s) => Security::parse(&s.to_lowercase()).ok_or_else(|| anyhow::anyhow!("GATEHOUSE_SMTP_SECURITY: {s:?} is not one of none, ssl, starttls"))?,
        };
        let port = match self.smtp_port.as_deref().map(str::trim) {
            None => security.usual_port().into(),
            Some(p) => p.parse::<i64>().map_err(|_| anyhow::anyhow!("GATEHOUSE_SMTP_PORT: {p:?} is not a whole number"))?,
        };
        let provider = match self.smtp_oauth_provider.as_deref().map(str::trim) {
            None => None,
            Some(p) => Some(
                Provider::parse(&p.to_lowercase()).ok_or_else(|| anyhow::anyhow!("GATEHOUSE_SMTP_OAUTH_PROVIDER: {p:?} is not one of microsoft365, google"))?,
            ),
        };
        let default_auth = self.smtp_username.is_some() || provider.is_some();
        let auth = flag("GATEHOUSE_SMTP_AUTH", self.smtp_auth.as_deref(), default_auth)?;
        let enabled = flag("GATEHOUSE_SMTP_ENABLED", self.smtp_enabled.as_deref(), true)?;
        if transport == Transport::Graph && provider != Some(Provider::Microsoft365) {
            anyhow::bail!("GATEHOUSE_SMTP_OAUTH_TRANSPORT=graph is for Microsoft 365: set GATEHOUSE_SMTP_OAUTH_PROVIDER=microsoft365");
        }
        // A secret the chosen way of signing in would not use is a mistake to say, not to ignore.
        match provider {
            Some(_) if password.is_some() => {
                anyhow::bail!("GATEHOUSE_SMTP_PASSWORD(_FILE) is set, but with GATEHOUSE_SMTP_OAUTH_PROVIDER the relay signs in with OAuth2")
            }
            Some(Provider::Google) if client_secret.is_some() => {
                anyhow::bail!("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET(_FILE) is for microsoft365; Google signs in with GATEHOUSE_SMTP_GOOGLE_KEY_FILE")
            }
            Some(Provider::Microsoft365) if self.smtp_google_key_file.is_some() => {
                anyhow::bail!("GATEHOUSE_SMTP_GOOGLE_KEY_FILE is for google; Microsoft 365 signs in with GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET(_FILE)")
            }
            None if client_secret.is_some() || self.smtp_google_key_file.is_some() => {
                anyhow::bail!("an OAuth2 secret is set without GATEHOUSE_SMTP_OAUTH_PROVIDER")
            }
            _ => {}
        }
        let oauth = match provider {
            None => None,
            Some(Provider::Microsoft365) => Some(OAuthDraft::Microsoft365 {
                tenant_id: self.smtp_oauth_tenant_id.clone().unwrap_or_default(),
                client_id: self.smtp_oauth_client_id.clone().unwrap_or_default(),
                client_secret,
                transport,
            }),
            Some(Provider::Google) => Some(OAuthDraft::Google {
                service_account_key: self.smtp_google_key_file.as_deref().map(|f| read("GATEHOUSE_SMTP_GOOGLE_KEY_FILE", f)).transpose()?,
            }),
        };
        let draft = SmtpDraft {
            host,
            port,
            from_name: self.smtp_from_name.clone().unwrap_or_default(),
            from_email: self.smtp_from_email.clone().unwrap_or_default(),
            security,
            auth,
            username: self.smtp_username.clone(),
            password,
            oauth,
        };
        Ok(Some(ProvisionedSmtp { draft, enabled }))
    }

    /// The variable to fix for a field the parser refused (its name in the draft).
    pub fn smtp_variable(&self, field: &str) -> String {
        let file = |var: &str, from_file: &Option<PathBuf>| if from_file.is_some() { format!("{var}_FILE") } else { var.to_owned() };
        match field {
            "host" => "GATEHOUSE_SMTP_HOST".into(),
            "port" => "GATEHOUSE_SMTP_PORT".into(),
            "from_name" => "GATEHOUSE_SMTP_FROM_NAME".into(),
            "from_email" => "GATEHOUSE_SMTP_FROM_EMAIL".into(),
            "security" => "GATEHOUSE_SMTP_SECURITY".into(),
            "auth" => "GATEHOUSE_SMTP_AUTH".into(),
            "username" => "GATEHOUSE_SMTP_USERNAME".into(),
            "password" => file("GATEHOUSE_SMTP_PASSWORD", &self.smtp_password_file),
            "oauth" => "GATEHOUSE_SMTP_OAUTH_PROVIDER".into(),
            "oauth.tenant_id" => "GATEHOUSE_SMTP_OAUTH_TENANT_ID".into(),
            "oauth.client_id" => "GATEHOUSE_SMTP_OAUTH_CLIENT_ID".into(),
            "oauth.client_secret" => file("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET", &self.smtp_oauth_client_secret_file),
            "oauth.service_account_key" => "GATEHOUSE_SMTP_GOOGLE_KEY_FILE".into(),
            "oauth.transport" => "GATEHOUSE_SMTP_OAUTH_TRANSPORT".into(),
            other => format!("GATEHOUSE_SMTP_* ({other})"),
        }
    }

    /// The relay settings set besides the host, by variable.
    fn smtp_settings_set(&self) -> Vec<&'static str> {
        let set = [
            ("GATEHOUSE_SMTP_PORT", self.smtp_port.is_some()),
            ("GATEHOUSE_SMTP_SECURITY", self.smtp_security.is_some()),
            ("GATEHOUSE_SMTP_FROM_NAME", self.smtp_from_name.is_some()),
            ("GATEHOUSE_SMTP_FROM_EMAIL", self.smtp_from_email.is_some()),
            ("GATEHOUSE_SMTP_AUTH", self.smtp_auth.is_some()),
            ("GATEHOUSE_SMTP_USERNAME", self.smtp_username.is_some()),
            ("GATEHOUSE_SMTP_PASSWORD(_FILE)", self.smtp_password.is_some() || self.smtp_password_file.is_some()),
            ("GATEHOUSE_SMTP_OAUTH_PROVIDER", self.smtp_oauth_provider.is_some()),
            ("GATEHOUSE_SMTP_OAUTH_TENANT_ID", self.smtp_oauth_tenant_id.is_some()),
            ("GATEHOUSE_SMTP_OAUTH_CLIENT_ID", self.smtp_oauth_client_id.is_some()),
            ("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET(_FILE)", self.smtp_oauth_client_secret.is_some() || self.smtp_oauth_client_secret_file.is_some()),
            ("GATEHOUSE_SMTP_GOOGLE_KEY_FILE", self.smtp_google_key_file.is_some()),
            ("GATEHOUSE_SMTP_OAUTH_TRANSPORT", self.smtp_oauth_transport.is_some()),
            ("GATEHOUSE_SMTP_ENABLED", self.smtp_enabled.is_some()),
        ];
        set.into_iter().filter(|(_, is)| *is).map(|(name, _)| name).collect()
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

    #[test]
    fn an_admin_needs_both_email_and_password() {
        assert!(ProvisioningSettings::default().first_admin().unwrap().is_none());
        let email_only = ProvisioningSettings { admin_email: Some("a@example.com".into()), ..Default::default() };
        assert!(email_only.first_admin().is_err());
        let both = ProvisioningSettings { admin_password: Some("p".into()), ..email_only };
        assert_eq!(both.first_admin().unwrap().unwrap().password, "p");
    }
}
