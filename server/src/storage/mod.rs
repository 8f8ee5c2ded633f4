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
        if engine == Engine::Sqlite {
            use_write_ahead_log(url).await?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if engine == Engine::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // Said out loud rather than left to the build's default:
                        // every commit reaches the disk before it is acknowledged.
                        sqlx::query("PRAGMA synchronous = FULL").execute(conn).await?;
                    }
                    Ok(())
                })
            })
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

/// Puts a SQLite database in write-ahead-log mode (a setting the file keeps).
///
/// In the default rollback-journal mode every commit costs several fsyncs
/// (journal, database, journal removal), about 2.0 ms on the CI machine, and
/// readers wait for writers. The outbox worker commits once per email sent,
/// so that cost bounded delivery (BENCHMARKS.md). In WAL mode a commit is one
/// append and one fsync of the log (about 0.3 ms), and the dashboard's reads
/// never wait for the worker's writes.
async fn use_write_ahead_log(url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url).await.context("opening the SQLite database")?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL").fetch_one(&mut conn).await.context("switching SQLite to WAL mode")?;
    conn.close().await.ok();
    anyhow::ensure!(mode.eq_ignore_ascii_case("wal"), "SQLite refused WAL mode (journal mode is {mode}); is the data dir on a network file system?");
    Ok(())
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
