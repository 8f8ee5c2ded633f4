//! Host settings: facts about the instance, and its name, for host admins.

use crate::audit::{self, Entry};
use crate::auth::HostAdmin;
use crate::error::Result;
use crate::public_url::PublicUrl;
use crate::storage::Db;
use crate::users::{host_name, Users};
use shared::account::AccountName;
use shared::api::{ApiError, HostInfo, HostUpdate};
use shared::audit::{AuditAction, AuditPage};

/// Host settings → Audit log: one page, newest first.
pub async fn audit_log(db: &Db, _admin: HostAdmin<'_>, query: &crate::audit::Query) -> Result<AuditPage> {
    crate::paging::text("actor", query.actor.as_deref())?;
    crate::audit::page(db, query).await
}

pub async fn host_info(users: &Users, public_url: &PublicUrl, _admin: HostAdmin<'_>) -> Result<HostInfo> {
    Ok(HostInfo {
        name: host_name::current(users.db.reads(), &users.emails.organisation).await?,
        public_url: public_url.as_str().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: users.db.engine.name().to_owned(),
    })
}

/// Renames the host: the emails queued from now on, and the pages, say the
/// new name. The same rules as an account's name (422 naming `name`).
pub async fn rename(users: &Users, public_url: &PublicUrl, admin: HostAdmin<'_>, req: &HostUpdate) -> Result<HostInfo> {
    let name = AccountName::parse(&req.name).map_err(|e| ApiError::validation("the name needs fixing").with_field("name", e))?;
    let mut tx = users.db.begin().await?;
    let before = host_name::current(&mut *tx, &users.emails.organisation).await?;
    host_name::set(&mut tx, name.as_str(), admin.user.email.as_str()).await?;
    let detail = format!("was {before}");
    audit::record(&mut *tx, Entry::new(admin.actor(), AuditAction::HostRenamed).target(name.as_str()).detail(&detail)).await?;
    tx.commit().await?;
    tracing::info!(by = %admin.user.email, "host renamed");
    host_info(users, public_url, admin).await
}
