//! The database: SQLite by default, PostgreSQL when several instances share one.
//!
//! Queries go through sqlx's `Any` driver and are written once, in the SQL both
//! engines accept (`$1` placeholders, integers for times). Schemas differ in
//! DDL only, so each engine has its own migrations folder with the same steps.

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::AnyPool;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    /// PostgreSQL only: where the outbox worker LISTENs for "email queued".
    pub listen_url: Option<String>,
}

impl std::fmt::Debug for Db {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("engine", &self.engine).finish_non_exhaustive()
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects and brings the schema up to date. Safe to run from several
    /// processes at once: sqlx's migrator holds a database lock while it works.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Engine::Postgres
        } else {
            anyhow::bail!("the database URL must start with sqlite: or postgres:");
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .with_context(|| format!("connecting to the {} database", engine.name()))?;
        let migrator = match engine {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&pool).await.context("applying database migrations")?;
        let listen_url = (engine == Engine::Postgres).then(|| url.to_owned());
        Ok(Self { pool, engine, listen_url })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// Seconds since the Unix epoch: how every time is stored.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// True when a statement changed exactly one row (a single-use claim succeeded).
pub fn changed_one(result: &AnyQueryResult) -> bool {
    result.rows_affected() == 1
}

/// True when the error is a unique-constraint violation, on either engine.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
