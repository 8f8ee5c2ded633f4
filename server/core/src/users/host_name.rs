//! The row of `host_profile`: the host's name as host admins set it in the
//! console. Until one does, the name is `GATEHOUSE_ORGANISATION`
//! (`EmailSettings::organisation`), which is so only the first value.

use crate::error::Result;
use crate::storage::now;

/// The host's name in force, read on `executor` (a transaction's, when the
/// caller holds one: the storage rule).
pub async fn current<'c, E>(executor: E, configured: &str) -> Result<String>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let stored: Option<String> = sqlx::query_scalar("SELECT name FROM host_profile WHERE id = 1").fetch_optional(executor).await?;
    Ok(stored.unwrap_or_else(|| configured.to_owned()))
}

/// Sets the host's name, recording who did it.
pub async fn set(conn: &mut sqlx::AnyConnection, name: &str, by: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO host_profile (id, name, updated_at, updated_by) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(name)
    .bind(now())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
