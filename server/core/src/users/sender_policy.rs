//! The row of `account_sender_policy`: the host's rules for account senders,
//! as host admins set them in Host settings. Without a row, account admins
//! may not set their account's sender, and the allowed domains are
//! `GATEHOUSE_ACCOUNT_SENDER_DOMAINS` (`EmailSettings::account_sender_domains`),
//! which is so only the first value, like the host's name.

use crate::error::{Failure, Result};
use crate::storage::now;
use shared::account::SenderDomains;
use sqlx::Row;

/// The rules in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderPolicy {
    pub admins_may_set: bool,
    pub domains: SenderDomains,
}

impl SenderPolicy {
    pub fn to_wire(&self) -> shared::api::SenderPolicy {
        shared::api::SenderPolicy { account_admins_may_set: self.admins_may_set, domains: self.domains.as_slice().to_vec() }
    }
}

/// The rules in force, read on `executor` (a transaction's, when the caller
/// holds one: the storage rule).
pub async fn current<'c, E>(executor: E, configured: &SenderDomains) -> Result<SenderPolicy>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let Some(row) = sqlx::query("SELECT admins_may_set, domains FROM account_sender_policy WHERE id = 1").fetch_optional(executor).await? else {
        return Ok(SenderPolicy { admins_may_set: false, domains: configured.clone() });
    };
    let domains = match row.try_get::<Option<String>, _>("domains")? {
        // Saved after parsing: a row that does not parse is named, never defaulted.
        Some(list) => SenderDomains::from_list(&list).map_err(|e| Failure::internal("account_sender_policy.domains does not parse", e))?,
        None => configured.clone(),
    };
    Ok(SenderPolicy { admins_may_set: row.try_get::<i64, _>("admins_may_set")? != 0, domains })
}

/// Saves the rules, recording who did it.
pub async fn set(conn: &mut sqlx::AnyConnection, policy: &SenderPolicy, by: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_sender_policy (id, admins_may_set, domains, updated_at, updated_by) VALUES (1, $1, $2, $3, $4) \
         ON CONFLICT (id) DO UPDATE SET admins_may_set = excluded.admins_may_set, domains = excluded.domains, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(i64::from(policy.admins_may_set))
    .bind(policy.domains.to_list())
    .bind(now())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
