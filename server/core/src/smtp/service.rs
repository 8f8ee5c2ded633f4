//! SMTP configuration operations, behind both the REST routes and the
//! dashboard's server functions. Every one is for host admins only.

use super::oauth;
use super::relay::{from_mailbox, RelayError};
use super::route::Route;
use super::sender::{BuildError, Sender, Voice};
use super::storage::{self, Row, StoredSmtp};
use super::Smtp;
use crate::audit::{self, Entry};
use crate::auth::{Caller, HostAdmin};
use crate::error::{Failure, Result};
use crate::seal::{self, Purpose};
use crate::storage::now;
use shared::api::{ApiError, ErrorCode};
use shared::audit::AuditAction;
use shared::oauth::{OAuthIdentity, OAuthView};
use shared::smtp::{PasswordChange, RelayRole, SmtpAuditAction, SmtpAuditEntry, SmtpAuth, SmtpConfig, SmtpDraft, SmtpSettings, TestReport};

/// Test sends allowed per user in [`TEST_WINDOW_SECS`]: enough to fix a typo, not to spam.
pub const TESTS_PER_WINDOW: i64 = 5;
pub const TEST_WINDOW_SECS: i64 = 60;

pub async fn settings(smtp: &Smtp, _admin: HostAdmin<'_>) -> Result<SmtpSettings> {
    Ok(SmtpSettings { managed: smtp.runtime.managed, ..view(storage::load(smtp.db.reads(), RelayRole::Primary).await?.as_ref()) })
}

/// 409 `managed` while this start's settings provision the relay: a change
/// made here would be undone at the next start, so none is taken.
pub(super) fn refuse_if_managed(smtp: &Smtp, relay: RelayRole) -> Result<()> {
    match relay {
        RelayRole::Primary if smtp.runtime.managed => Err(Failure::new(
            ErrorCode::Managed,
            "the SMTP configuration is set by the server's configuration (GATEHOUSE_SMTP_HOST and the other GATEHOUSE_SMTP_ settings): change it there and restart",
        )),
        RelayRole::Fallback if smtp.runtime.managed_fallback => Err(Failure::new(
            ErrorCode::Managed,
            "the fallback relay is set by the server's configuration (GATEHOUSE_SMTP_FALLBACK_HOST and the other GATEHOUSE_SMTP_FALLBACK_ settings): change it there and restart",
        )),
        _ => Ok(()),
    }
}

/// The newest changes to the SMTP configuration and test sends, newest first.
pub async fn audit_log(smtp: &Smtp, _admin: HostAdmin<'_>) -> Result<Vec<SmtpAuditEntry>> {
    storage::audit_log(smtp.db.reads(), AUDIT_LOG_LIMIT).await
}

/// How many audit entries the API and the page show.
pub const AUDIT_LOG_LIMIT: i64 = 50;

pub(super) fn view(stored: Option<&StoredSmtp>) -> SmtpSettings {
    let Some(s) = stored else { return SmtpSettings::unsaved() };
    let c = &s.config;
    let auth = c.auth.as_ref();
    SmtpSettings {
        host: c.host.to_string(),
        port: c.port,
        from_name: c.from_name.as_str().to_owned(),
        from_email: c.from_email.to_string(),
        security: c.security,
        auth: auth.is_some(),
        username: auth.map(|a| a.username.clone()),
        password_set: s.password_sealed.is_some(),
        oauth: auth.and_then(|a| a.oauth.as_ref()).map(|identity| oauth_view(identity, s.password_sealed.is_some())),
        enabled: s.enabled,
        saved: true,
        updated_at: Some(s.updated_at),
        updated_by: Some(s.updated_by.clone()),
        managed: false,
    }
}

/// The stored OAuth2 identity as GET shows it (never the secret).
fn oauth_view(identity: &OAuthIdentity, secret_set: bool) -> OAuthView {
    match identity {
        OAuthIdentity::Microsoft365 { tenant_id, client_id, transport } => {
            OAuthView::Microsoft365 { tenant_id: tenant_id.clone(), client_id: client_id.clone(), secret_set, transport: *transport }
        }
        // Blank only for a row saved without the key's account, which a save never writes.
        OAuthIdentity::Google { client_email } => OAuthView::Google { client_email: client_email.clone().unwrap_or_default(), secret_set },
    }
}

/// Parses a draft with the rules the form applies too (the stored password is
/// only kept for the relay it was saved for), then what only the server
/// knows: lettre's address rules for the From address, and whether a new
/// service-account key names this instance's Google token endpoint.
pub(super) fn parse(smtp: &Smtp, draft: &SmtpDraft, stored: Option<&StoredSmtp>) -> Result<SmtpConfig> {
    let config = draft.parse(view(stored).can_keep_password_for(draft))?;
    from_mailbox(&config).map_err(|RelayError::FromEmail(why)| from_email_refused(why))?;
    if let Some(SmtpAuth { oauth: Some(OAuthIdentity::Google { .. }), password: PasswordChange::Set(key), .. }) = &config.auth {
        oauth::google_key(key, &smtp.runtime.google_token).map_err(key_refused)?;
    }
    Ok(config)
}

fn key_refused(why: String) -> Failure {
    ApiError::validation("some fields need fixing").with_field("oauth.service_account_key", why).into()
}

fn from_email_refused(why: String) -> Failure {
    ApiError::validation("some fields need fixing").with_field("from_email", why).into()
}

/// The one way from a parsed configuration to a sender, for the test send
/// and delivery alike. A kept secret (password, client secret, key) is the
/// stored one, which `parse` allows only for the relay it was saved for; it
/// is opened here and nowhere else.
pub(super) fn sender(smtp: &Smtp, config: &SmtpConfig, stored: Option<&StoredSmtp>) -> Result<Sender> {
    let secret = match config.auth.as_ref().map(|a| &a.password) {
        None => None,
        Some(PasswordChange::Set(secret)) => Some(secret.clone()),
        Some(PasswordChange::Keep) => match stored.and_then(|s| s.password_sealed.as_deref()) {
            Some(sealed) => Some(seal::open(&smtp.key, Purpose::SmtpPassword, sealed)?),
            None => None,
        },
    };
    Sender::new(smtp, config, secret).map_err(|e| match e {
        BuildError::FromEmail(why) => from_email_refused(why),
        BuildError::OAuthKey(why) => key_refused(why),
        // `parse` keeps a secret only where one is stored, and a stored row with auth has one.
        BuildError::NoSecret => Failure::internal("building a sender", "authentication is on and no secret is stored"),
    })
}

pub async fn save(smtp: &Smtp, admin: HostAdmin<'_>, draft: &SmtpDraft) -> Result<SmtpSettings> {
    save_relay(smtp, admin, RelayRole::Primary, draft).await
}

/// Saves the primary relay or the fallback, each in its own row with its own sealed secret.
pub(super) async fn save_relay(smtp: &Smtp, admin: HostAdmin<'_>, relay: RelayRole, draft: &SmtpDraft) -> Result<SmtpSettings> {
    refuse_if_managed(smtp, relay)?;
    // The stored row is read, locked, on the transaction that writes it: so
    // "keep the stored password" keeps the password stored for *this* relay,
    // never one a concurrent save put there for another host.
    let mut tx = smtp.db.begin().await?;
    let before_row = storage::load_for_update(&mut tx, smtp.db.engine, relay).await?;
    let before = match before_row.clone().map(StoredSmtp::decode).transpose() {
        Ok(before) => before,
        // A row that does not decode is replaced whole, keeping nothing of
        // it (its secret must be typed again): so a save can repair it.
        Err(corrupt) => {
            tracing::warn!(%corrupt, relay = relay.as_str(), "replacing an SMTP configuration that does not decode");
            None
        }
    };
    let mut config = parse(smtp, draft, before.as_ref())?;
    let new_secret = matches!(config.auth.as_ref().map(|a| &a.password), Some(PasswordChange::Set(_)));
    let password_sealed = match config.auth.as_mut() {
        None => None,
        Some(auth) => {
            let before_auth = before.as_ref().and_then(|b| b.config.auth.as_ref());
            if let Some(OAuthIdentity::Google { client_email: email @ None }) = &mut auth.oauth {
                // A kept key keeps its service account.
                if let Some(OAuthIdentity::Google { client_email: kept }) = before_auth.and_then(|a| a.oauth.as_ref()) {
                    email.clone_from(kept);
                }
            }
            // What is stored is the sealed secret, beside the configuration.
            match std::mem::replace(&mut auth.password, PasswordChange::Keep) {
                PasswordChange::Set(p) => Some(seal::seal(&smtp.key, Purpose::SmtpPassword, &p)),
                PasswordChange::Keep => before.as_ref().and_then(|b| b.password_sealed.clone()),
            }
        }
    };
    let after = StoredSmtp {
        config,
        password_sealed,
        enabled: before_row.as_ref().is_some_and(|b| b.enabled),
        updated_at: now(),
        updated_by: admin.user.email.to_string(),
    };
    let changed = changed_fields(before_row.as_ref(), &after.row(), new_secret).join(",");
    storage::save(&mut tx, relay, &after).await?;
    storage::audit(&mut *tx, storage::user(&admin.user), relay, SmtpAuditAction::Save, &changed).await?;
    let action = match relay {
        RelayRole::Primary => AuditAction::SmtpSaved,
        RelayRole::Fallback => AuditAction::SmtpFallbackSaved,
    };
    audit::record(&mut *tx, Entry::new(admin.actor(), action).detail(&changed)).await?;
    tx.commit().await?;
    tracing::info!(by = %admin.user.email, relay = relay.as_str(), fields = %changed, "SMTP configuration saved");
    Ok(view(Some(&after)))
}

/// Names of the fields a save changed, for the audit log; the password only
/// as "password". Compared column by column, so a row that did not decode
/// is compared too.
pub(super) fn changed_fields(before: Option<&Row>, after: &Row, new_secret: bool) -> Vec<&'static str> {
    let Some(b) = before else { return vec!["created"] };
    let mut changed = Vec::new();
    let pairs: [(&'static str, bool); 12] = [
        ("oauth.provider", b.oauth_provider != after.oauth_provider),
        ("oauth.transport", b.transport != after.transport),
        ("oauth.tenant_id", b.oauth_tenant != after.oauth_tenant),
        ("oauth.client", b.oauth_client != after.oauth_client),
        ("host", b.host != after.host),
        ("port", b.port != after.port),
        ("from_name", b.from_name != after.from_name),
        ("from_email", b.from_email != after.from_email),
        ("security", b.security != after.security),
        ("auth", b.auth != after.auth),
        ("username", b.username != after.username),
        ("password", new_secret || (b.password_sealed.is_some() && after.password_sealed.is_none())),
    ];
    for (name, differs) in pairs {
        if differs {
            changed.push(name);
        }
    }
    changed
}

pub async fn set_enabled(smtp: &Smtp, admin: HostAdmin<'_>, enabled: bool) -> Result<SmtpSettings> {
    refuse_if_managed(smtp, RelayRole::Primary)?;
    let mut tx = smtp.db.begin().await?;
    if !storage::set_enabled(&mut tx, enabled, admin.user.email.as_str()).await? {
        if !enabled {
            // Nothing saved is already off: switching off asks for nothing
            // more. The transaction ends before the read (the storage rule).
            drop(tx);
            return settings(smtp, admin).await;
        }
        return Err(Failure::new(ErrorCode::Conflict, "save an SMTP configuration before enabling it"));
    }
    storage::audit(&mut *tx, storage::user(&admin.user), RelayRole::Primary, if enabled { SmtpAuditAction::Enable } else { SmtpAuditAction::Disable }, "")
        .await?;
    audit::record(&mut *tx, Entry::new(admin.actor(), if enabled { AuditAction::SmtpEnabled } else { AuditAction::SmtpDisabled })).await?;
    if enabled {
        // Held emails are deliverable now: wake every instance's worker.
        crate::wake::at_commit(&mut tx, smtp.db.engine).await?;
    }
    tx.commit().await?;
    if enabled {
        smtp.wake.ring();
    }
    tracing::info!(by = %admin.user.email, enabled, "SMTP switched");
    settings(smtp, admin).await
}

/// The sender to deliver the outbox through, with the configuration in
/// force now; `None` while SMTP is off (queued email is then held, not
/// sent). With a fallback relay saved, the two together (`sender::Failover`).
pub(crate) async fn route_for_delivery(smtp: &Smtp) -> Result<Option<Route>> {
    let Some(stored) = storage::load(smtp.db.reads(), RelayRole::Primary).await?.filter(|s| s.enabled) else { return Ok(None) };
    let primary = sender(smtp, &stored.config, Some(&stored))?;
    let fallback = match storage::load(smtp.db.reads(), RelayRole::Fallback).await {
        Ok(Some(stored)) => sender(smtp, &stored.config, Some(&stored)),
        Ok(None) => return Ok(Some(Route::new(primary, None, smtp.runtime.primary_rest, smtp.resting.clone()))),
        Err(e) => Err(e),
    };
    match fallback {
        Ok(fallback) => Ok(Some(Route::new(primary, Some(fallback), smtp.runtime.primary_rest, smtp.resting.clone()))),
        Err(e) if e.is_storage_fault() => Err(e),
        // A fallback that cannot be used must not stop the primary (the error is logged where it is made).
        Err(_) => Ok(Some(Route::new(primary, None, smtp.runtime.primary_rest, smtp.resting.clone()))),
    }
}

/// Asks the OAuth2 relay's identity provider for a token now (delivery
/// health's check, before any email needs one): `None` while SMTP is off or
/// signs in without OAuth2; else how long the new token lives, or the
/// provider's words.
pub(crate) async fn check_token(smtp: &Smtp) -> Result<Option<std::result::Result<std::time::Duration, String>>> {
    let Some(stored) = storage::load(smtp.db.reads(), RelayRole::Primary).await?.filter(|s| s.enabled) else { return Ok(None) };
    let Some((auth, identity)) = stored.config.auth.as_ref().and_then(|a| Some((a, a.oauth.as_ref()?))) else { return Ok(None) };
    let Some(sealed) = stored.password_sealed.as_deref() else { return Ok(None) };
    let secret = seal::open(&smtp.key, Purpose::SmtpPassword, sealed)?;
    let source = match oauth::TokenSource::new(identity, &secret, &auth.username, &smtp.runtime) {
        Ok(source) => source,
        Err(why) => return Ok(Some(Err(why))),
    };
    Ok(Some(smtp.tokens.check(&source, TOKEN_CHECK_BOUND).await.map_err(|e| e.message)))
}

/// A token check's bound: the provider answers in well under a second.
const TOKEN_CHECK_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether SMTP is switched on (invitations and resets then send email); from
/// a pool, or on the transaction that queues the email.
pub async fn is_enabled<'c, E>(executor: E) -> Result<bool>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    storage::is_enabled(executor).await
}

/// Sends a test email to the caller with the draft's values (or the saved
/// ones without a draft), saving nothing. A blank password means the stored one.
pub async fn send_test(smtp: &Smtp, admin: HostAdmin<'_>, draft: Option<&SmtpDraft>) -> Result<TestReport> {
    test_relay(smtp, admin, RelayRole::Primary, draft).await
}

/// The test send of the primary relay or the fallback: the same limit per
/// user for both, and audited likewise.
pub(super) async fn test_relay(smtp: &Smtp, admin: HostAdmin<'_>, relay: RelayRole, draft: Option<&SmtpDraft>) -> Result<TestReport> {
    let stored = storage::load(smtp.db.reads(), relay).await?;
    let config = match (draft, &stored) {
        (Some(d), _) => parse(smtp, d, stored.as_ref())?,
        (None, Some(s)) => s.config.clone(),
        (None, None) => return Err(Failure::new(ErrorCode::Conflict, "nothing to test: fill in the form or save a configuration")),
    };
    let Some(audit_id) = storage::begin_test(smtp.db.writes(), &admin.user, relay, now() - TEST_WINDOW_SECS, TESTS_PER_WINDOW).await? else {
        return Err(ApiError::rate_limited(format_args!("at most {TESTS_PER_WINDOW} test emails a minute"), TEST_WINDOW_SECS.unsigned_abs()).into());
    };
    let sender = sender(smtp, &config, stored.as_ref())?;
    let report = sender.test(&admin.user.email, None, smtp.runtime.test_bound).await;
    let stage = report.stage.as_str();
    storage::finish_test(smtp.db.writes(), audit_id, stage).await?;
    let through = match relay {
        RelayRole::Primary => "",
        RelayRole::Fallback => " (fallback relay)",
    };
    let detail = format!("to {} via {}{through}: {stage}", admin.user.email, sender.via());
    audit::record(smtp.db.writes(), Entry::new(admin.actor(), AuditAction::SmtpTest).detail(&detail)).await?;
    tracing::info!(by = %admin.user.email, relay = relay.as_str(), host = %sender.via(), stage, ok = report.ok, ms = report.elapsed_ms, "SMTP test email");
    Ok(report)
}

/// "Send a test email from this account's sender": the saved relay's test
/// send to `asker`'s own address, the message from `voice` (MAIL FROM stays
/// the relay's, as in delivery). For `users::service::test_account_sender`,
/// which checks who may ask for which account; the same limit per user as
/// the host's test, and audited likewise.
pub(crate) async fn send_test_as(smtp: &Smtp, asker: &Caller, account: &str, voice: &shared::account::SenderIdentity) -> Result<TestReport> {
    let Some(stored) = storage::load(smtp.db.reads(), RelayRole::Primary).await? else {
        return Err(Failure::new(ErrorCode::Conflict, "nothing to test through: the host has no SMTP relay saved"));
    };
    let voice = Voice::new(voice.from_name.as_str(), voice.from_email.as_str(), voice.reply_to.as_ref().map(|r| r.as_str()))
        .map_err(|why| ApiError::validation("the sender needs fixing").with_field("sender.from_email", why))?;
    let Some(audit_id) = storage::begin_test(smtp.db.writes(), &asker.user, RelayRole::Primary, now() - TEST_WINDOW_SECS, TESTS_PER_WINDOW).await? else {
        return Err(ApiError::rate_limited(format_args!("at most {TESTS_PER_WINDOW} test emails a minute"), TEST_WINDOW_SECS.unsigned_abs()).into());
    };
    let sender = sender(smtp, &stored.config, Some(&stored))?;
    let report = sender.test(&asker.user.email, Some(&voice), smtp.runtime.test_bound).await;
    let stage = report.stage.as_str();
    storage::finish_test(smtp.db.writes(), audit_id, stage).await?;
    let detail = format!("from account {account}'s sender {} to {} via {}: {stage}", voice.from.email, asker.user.email, sender.via());
    audit::record(smtp.db.writes(), Entry::new(asker.actor(), AuditAction::SmtpTest).target(account).detail(&detail)).await?;
    tracing::info!(by = %asker.user.email, account, relay = %sender.via(), stage, ok = report.ok, "account sender test email");
    Ok(report)
}
