//! Host settings: facts about the instance, its name, and the rules for
//! account senders, for host admins.

use crate::audit::{self, Entry};
use crate::auth::HostAdmin;
use crate::error::Result;
use crate::public_url::PublicUrl;
use crate::storage::Db;
use crate::users::sender_policy::{self, SenderPolicy};
use crate::users::{host_name, Users};
use shared::account::{AccountName, SenderDomains};
use shared::api::{ApiError, HostInfo, HostUpdate};
use shared::audit::{AuditAction, AuditPage};

/// Host settings → Audit log: one page, newest first.
pub async fn audit_log(db: &Db, _admin: HostAdmin<'_>, query: &crate::audit::Query) -> Result<AuditPage> {
    crate::paging::text("actor", query.actor.as_deref())?;
    crate::audit::page(db, query).await
}

/// The setup page's facts: whether its link works and, while it does, the
/// host's name for the page's title. Opened by the setup link's secret.
pub async fn setup_page(users: &Users, token: &str) -> Result<shared::api::SetupStatus> {
    let mut status = crate::auth::service::setup_status(&users.db, token).await?;
    if status.valid {
        status.host_name = Some(host_name::current(users.db.reads(), &users.emails.organisation).await?);
    }
    Ok(status)
}

pub async fn host_info(users: &Users, public_url: &PublicUrl, _admin: HostAdmin<'_>) -> Result<HostInfo> {
    Ok(HostInfo {
        name: host_name::current(users.db.reads(), &users.emails.organisation).await?,
        public_url: public_url.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: users.db.engine.name().to_owned(),
        account_senders: sender_policy::current(users.db.reads(), &users.emails.account_sender_domains).await?.to_wire(),
    })
}

/// Host settings' changes: the host's name (the emails queued from now on,
/// and the pages, say the new name; the same rules as an account's name,
/// 422 naming `name`) and the rules for account senders (whether account
/// admins may set their own, and the domains allowed; 422 naming
/// `account_sender_domains`). What `req` leaves out stays; each change audited.
pub async fn update(users: &Users, public_url: &PublicUrl, admin: HostAdmin<'_>, req: &HostUpdate) -> Result<HostInfo> {
    let name =
        req.name.as_deref().map(|n| AccountName::parse(n).map_err(|e| ApiError::validation("the name needs fixing").with_field("name", e))).transpose()?;
    let domains = req
        .account_sender_domains
        .as_ref()
        .map(|list| SenderDomains::parse(list.iter().map(String::as_str)))
        .transpose()
        .map_err(|e| ApiError::validation("the domains need fixing").with_field("account_sender_domains", e))?;
    let mut tx = users.db.begin().await?;
    if let Some(name) = &name {
        let before = host_name::current(&mut *tx, &users.emails.organisation).await?;
        host_name::set(&mut tx, name.as_str(), admin.user.email.as_str()).await?;
        let detail = format!("was {before}");
        audit::record(&mut *tx, Entry::new(admin.actor(), AuditAction::HostRenamed).target(name.as_str()).detail(&detail)).await?;
    }
    if req.account_admins_may_set_sender.is_some() || domains.is_some() {
        let before = sender_policy::current(&mut *tx, &users.emails.account_sender_domains).await?;
        let after = SenderPolicy {
            admins_may_set: req.account_admins_may_set_sender.unwrap_or(before.admins_may_set),
            domains: domains.unwrap_or_else(|| before.domains.clone()),
        };
        if after != before {
            sender_policy::set(&mut tx, &after, admin.user.email.as_str()).await?;
            let list = |p: &SenderPolicy| if p.domains.as_slice().is_empty() { "any domain".to_owned() } else { p.domains.as_slice().join(", ") };
            let detail = format!(
                "account admins may set their sender: {}; domains: {} (was {}; {})",
                if after.admins_may_set { "yes" } else { "no" },
                list(&after),
                if before.admins_may_set { "yes" } else { "no" },
                list(&before)
            );
            audit::record(&mut *tx, Entry::new(admin.actor(), AuditAction::SenderPolicyChanged).detail(&detail)).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(by = %admin.user.email, "host settings changed");
    host_info(users, public_url, admin).await
}
