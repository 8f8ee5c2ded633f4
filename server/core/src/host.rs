//! Host settings: facts about the instance, for host admins.

use crate::auth::HostAdmin;
use crate::error::Result;
use crate::public_url::PublicUrl;
use crate::storage::{Db, Engine};
use shared::api::HostInfo;
use shared::audit::AuditPage;

/// Host settings → Audit log: one page, newest first.
pub async fn audit_log(db: &Db, _admin: HostAdmin<'_>, query: &crate::audit::Query) -> Result<AuditPage> {
    crate::paging::text("actor", query.actor.as_deref())?;
    crate::audit::page(db, query).await
}

pub fn host_info(public_url: &PublicUrl, engine: Engine, _admin: HostAdmin<'_>) -> Result<HostInfo> {
    Ok(HostInfo { public_url: public_url.as_str().to_owned(), version: env!("CARGO_PKG_VERSION").to_owned(), database: engine.name().to_owned() })
}
