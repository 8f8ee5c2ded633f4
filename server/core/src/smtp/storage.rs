//! The relays' rows (decoded in `row`): the primary's `smtp_config` and the
//! fallback's `smtp_fallback`, the same columns but the primary's switch;
//! and the `smtp_audit` log of both.

use crate::error::{Failure, Result};
use crate::identity::User;
use crate::storage::{now, Engine};
use shared::smtp::{RelayRole, SmtpAuditAction, SmtpAuditEntry, SmtpAuditEvent, TestStage};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row as _};

mod row;

pub use row::{Row, StoredSmtp};

/// Reads a relay's configuration, from a pool or on an open transaction. A
/// row that does not decode is an error (logged with its column and value).
pub async fn load<'c, E>(executor: E, relay: RelayRole) -> Result<Option<StoredSmtp>>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(select(relay)).fetch_optional(executor).await?;
    let Some(row) = row.as_ref().map(columns).transpose()? else { return Ok(None) };
    StoredSmtp::decode(row).map(Some).map_err(|e| Failure::internal("a stored SMTP configuration does not decode", e))
}

/// Whether SMTP is switched on: only the `enabled` column, so that the
/// question has an answer even while the rest of the row would not decode.
pub async fn is_enabled<'c, E>(executor: E) -> Result<bool>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let enabled: Option<i64> = sqlx::query_scalar("SELECT enabled FROM smtp_config WHERE id = 1").fetch_optional(executor).await?;
    Ok(enabled.is_some_and(|e| e != 0))
}

/// The relay's row. The fallback has no switch of its own (it is in use
/// while SMTP is on), so its `enabled` reads as off.
fn select(relay: RelayRole) -> &'static str {
    match relay {
        RelayRole::Primary => {
            "SELECT host, port, from_name, from_email, security, auth, username, password_sealed, \
             oauth_provider, oauth_tenant, oauth_client, transport, enabled, updated_at, updated_by FROM smtp_config WHERE id = 1"
        }
        RelayRole::Fallback => {
            "SELECT host, port, from_name, from_email, security, auth, username, password_sealed, \
             oauth_provider, oauth_tenant, oauth_client, transport, CAST(0 AS BIGINT) AS enabled, updated_at, updated_by FROM smtp_fallback WHERE id = 1"
        }
    }
}

fn columns(r: &AnyRow) -> Result<Row> {
    Ok(Row {
        host: r.try_get("host")?,
        port: r.try_get("port")?,
        from_name: r.try_get("from_name")?,
        from_email: r.try_get("from_email")?,
        security: r.try_get("security")?,
        auth: r.try_get::<i64, _>("auth")? != 0,
        username: r.try_get("username")?,
        password_sealed: r.try_get("password_sealed")?,
        oauth_provider: r.try_get("oauth_provider")?,
        oauth_tenant: r.try_get("oauth_tenant")?,
        oauth_client: r.try_get("oauth_client")?,
        transport: r.try_get("transport")?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("updated_by")?,
    })
}

/// Reads the row on a transaction that is about to replace it, locking it
/// until it commits (PostgreSQL; SQLite's `BEGIN IMMEDIATE` already holds
/// the only write lock). Its columns as they are, for the caller to decode:
/// a save may replace a row that does not decode.
pub async fn load_for_update(conn: &mut sqlx::AnyConnection, engine: Engine, relay: RelayRole) -> Result<Option<Row>> {
    let lock = if engine == Engine::Postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!("{}{lock}", select(relay))).fetch_optional(&mut *conn).await?;
    row.as_ref().map(columns).transpose()
}

/// Writes a relay's configuration; the primary's `enabled` is left as it
/// was (a new row starts off). Call it on the transaction that read the row
/// with [`load_for_update`].
pub async fn save(conn: &mut sqlx::AnyConnection, relay: RelayRole, stored: &StoredSmtp) -> Result<()> {
    let s = stored.row();
    let (table, switch, off) = match relay {
        RelayRole::Primary => ("smtp_config", ", enabled", ", 0"),
        RelayRole::Fallback => ("smtp_fallback", "", ""),
    };
    sqlx::query(&format!(
        "INSERT INTO {table} (id, host, port, from_name, from_email, security, auth, username, password_sealed{switch}, updated_at, updated_by, \
         oauth_provider, oauth_tenant, oauth_client, transport) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8{off}, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, from_name = $3, from_email = $4, security = $5, auth = $6, \
         username = $7, password_sealed = $8, updated_at = $9, updated_by = $10, oauth_provider = $11, oauth_tenant = $12, oauth_client = $13, transport = $14",
    ))
    .bind(&s.host)
    .bind(s.port)
    .bind(&s.from_name)
    .bind(&s.from_email)
    .bind(&s.security)
    .bind(s.auth as i64)
    .bind(&s.username)
    .bind(&s.password_sealed)
    .bind(s.updated_at)
    .bind(&s.updated_by)
    .bind(&s.oauth_provider)
    .bind(&s.oauth_tenant)
    .bind(&s.oauth_client)
    .bind(&s.transport)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes the fallback relay; false when there was none.
pub async fn remove_fallback(conn: &mut sqlx::AnyConnection) -> Result<bool> {
    let done = sqlx::query("DELETE FROM smtp_fallback WHERE id = 1").execute(&mut *conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Switches SMTP on or off; false when there is no saved configuration.
pub async fn set_enabled(conn: &mut sqlx::AnyConnection, enabled: bool, by: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE smtp_config SET enabled = $1, updated_at = $2, updated_by = $3 WHERE id = 1")
        .bind(enabled as i64)
        .bind(now())
        .bind(by)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Who an SMTP history entry is by: a user (id, email), or the server's own
/// settings at a start ([`PROVISIONING_ACTOR`], id 0, which no user has).
pub type ActorOf<'a> = (i64, &'a str);

pub const PROVISIONING_ACTOR: ActorOf<'static> = (0, crate::audit::PROVISIONING);

pub fn user(user: &User) -> ActorOf<'_> {
    (user.id, user.email.as_str())
}

pub async fn audit<'c, E>(executor: E, (actor_id, actor_email): ActorOf<'_>, relay: RelayRole, action: SmtpAuditAction, detail: &str) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO smtp_audit (at, actor_id, actor_email, action, detail, relay) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(now())
        .bind(actor_id)
        .bind(actor_email)
        .bind(action.as_str())
        .bind(detail)
        .bind(relay.as_str())
        .execute(executor)
        .await?;
    Ok(())
}

/// Records a test send by `actor` in the audit log, unless they already made
/// `limit` since `since`: then `None`, and nothing is written. The count and
/// the insert are one statement, and the log is in the shared database, so
/// the limit holds across instances (SQLite serialises it fully; on
/// PostgreSQL two instances racing in the same instant could each let one
/// more through). The limit counts the tests of both relays. The row says
/// "sending" until [`finish_test`] names the stage.
pub async fn begin_test(pool: &AnyPool, actor: &User, relay: RelayRole, since: i64, limit: i64) -> Result<Option<i64>> {
    let id = sqlx::query_scalar(
        "INSERT INTO smtp_audit (at, actor_id, actor_email, action, detail, relay) \
         SELECT $1, $2, $3, $6, 'sending', $7 \
         WHERE (SELECT COUNT(*) FROM smtp_audit WHERE actor_id = $2 AND action = $6 AND at > $4) < $5 \
         RETURNING id",
    )
    .bind(now())
    .bind(actor.id)
    .bind(actor.email.as_str())
    .bind(since)
    .bind(limit)
    .bind(SmtpAuditAction::Test.as_str())
    .bind(relay.as_str())
    .fetch_optional(pool)
    .await?;
    Ok(id)
}

/// Puts the outcome (the stage reached) on a test send's audit row.
pub async fn finish_test(pool: &AnyPool, id: i64, stage: &str) -> Result<()> {
    sqlx::query("UPDATE smtp_audit SET detail = $2 WHERE id = $1").bind(id).bind(stage).execute(pool).await?;
    Ok(())
}

/// The newest `limit` entries of the audit log, newest first.
pub async fn audit_log(pool: &AnyPool, limit: i64) -> Result<Vec<SmtpAuditEntry>> {
    let rows = sqlx::query("SELECT at, actor_email, action, detail, relay FROM smtp_audit ORDER BY id DESC LIMIT $1").bind(limit).fetch_all(pool).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let (action, detail, relay): (String, String, String) = (r.try_get("action")?, r.try_get("detail")?, r.try_get("relay")?);
        // What a newer build wrote and this one does not know is left out, not an error.
        let (Some(action), Some(relay)) = (SmtpAuditAction::parse(&action), RelayRole::parse(&relay)) else { continue };
        entries.push(SmtpAuditEntry { at: r.try_get("at")?, actor_email: r.try_get("actor_email")?, relay, event: event(action, &detail) });
    }
    Ok(entries)
}

/// An entry's (action, detail) columns as the API shows them.
fn event(action: SmtpAuditAction, detail: &str) -> SmtpAuditEvent {
    match action {
        SmtpAuditAction::Save if detail == "created" => SmtpAuditEvent::Created,
        SmtpAuditAction::Save => SmtpAuditEvent::Saved { changed: fields(detail) },
        SmtpAuditAction::Enable => SmtpAuditEvent::Enabled,
        SmtpAuditAction::Disable => SmtpAuditEvent::Disabled,
        // "sending" while the test runs: no stage yet.
        SmtpAuditAction::Test => SmtpAuditEvent::Tested { stage: TestStage::parse(detail) },
        SmtpAuditAction::Provision => SmtpAuditEvent::Provisioned { changed: fields(detail) },
        SmtpAuditAction::Remove => SmtpAuditEvent::Removed,
    }
}

/// The field names a save or a provisioning start recorded, comma-separated.
fn fields(detail: &str) -> Vec<String> {
    detail.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect()
}
