//! The database: SQLite by default, PostgreSQL when several instances share one.
//!
//! Queries go through sqlx's `Any` driver and are written once, in the SQL both
//! engines accept (`$1` placeholders, integers for times). Schemas differ in
//! DDL only, so each engine has its own migrations folder with the same steps.
//!
//! # The storage rule
//!
//! A request never waits for a connection while it holds one. So:
//!
//! * Reads go through [`Db::reads`], one statement at a time.
//! * Writes of one statement go through [`Db::writes`].
//! * Writes of several statements go through [`Db::begin`], and everything
//!   the transaction needs to read is read *on the transaction* (pass
//!   `&mut *tx`), or before it begins. Never call `reads()`, `writes()` or
//!   `begin()` while a transaction from `begin()` is open in the same task:
//!   under load every connection would be held by a request waiting for a
//!   second one, and the pool would starve. [`rule`] checks this on every call
//!   made while serving a request or delivering email, and fails the request
//!   loudly (a 500 in the tests) instead of deadlocking under load.
//!
//! On SQLite, which allows one writer at a time, the writes have a pool of
//! their own with exactly one connection, and transactions start with
//! `BEGIN IMMEDIATE`: writers queue in order for that connection (a short wait)
//! instead of all starting, colliding on the file lock and failing with
//! "database is locked". Reads have their own pool, marked `query_only`, and in
//! WAL mode never wait for the writer. On PostgreSQL both are one pool.
//!
//! When the database cannot keep up, waiting for a connection is bounded by
//! [`ACQUIRE_TIMEOUT`]; the caller then gets 503 with `Retry-After`. What
//! else can go wrong with storage (unreachable, a full disk) and how it is
//! answered, noticed and recovered from is [`faults`].

pub mod faults;
mod migrations;
pub mod rule;

/// A database error, for callers that do not depend on sqlx themselves.
pub use sqlx::Error as DbError;

use anyhow::Context;
use migrations::Embedded;
use sqlx::any::{AnyPoolOptions, AnyQueryResult};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, TransactionManager};
use std::path::{Path, PathBuf};
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

    /// As a label or a setting spells it.
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// How long a request may wait for a connection before it is answered 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// SQLite readers. WAL readers never block each other or the writer; two
/// cores gain nothing from more.
const SQLITE_READERS: u32 = 4;
/// PostgreSQL connections per instance (reads and writes share them).
const POSTGRES_CONNECTIONS: u32 = 16;

#[derive(Clone)]
pub struct Db {
    reads: AnyPool,
    writes: AnyPool,
    pub engine: Engine,
    /// PostgreSQL only: where the outbox worker LISTENs for "email queued".
    pub listen_url: Option<String>,
    /// SQLite only: the database file.
    file: Option<PathBuf>,
}

/// A write transaction from [`Db::begin`]: a connection held until commit or drop.
///
/// It drives the connection's transaction itself instead of wrapping sqlx's
/// `Transaction`, so that a connection whose COMMIT failed can be thrown away:
/// after a failed COMMIT (a full disk, a connection reset) the connection's
/// state is unknown. SQLite may have rolled the transaction back on its own,
/// so the ROLLBACK sqlx sends on drop fails too and the driver still counts
/// one open transaction, and every later `BEGIN` on that connection (the one
/// writer, on SQLite) would fail until a restart. So a failed COMMIT closes
/// the connection and the pool opens a fresh one; a ROLLBACK that fails is
/// caught when the connection is handed back (`closes_unfinished_transactions`).
pub struct Tx {
    conn: PoolConnection<Any>,
    open: bool,
    _holding: rule::Holding,
}

impl Tx {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let done = AnyTransactionManager::commit(&mut self.conn).await;
        self.open = false;
        if done.is_err() {
            self.conn.close_on_drop();
        }
        done
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if self.open {
            // Queued, and sent before the connection is reused (the pool pings it on release).
            AnyTransactionManager::start_rollback(&mut self.conn);
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.conn
    }
}

impl std::fmt::Debug for Db {
    // The URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("engine", &self.engine).finish_non_exhaustive()
    }
}

type AnyTransactionManager = <Any as sqlx::Database>::TransactionManager;

/// The newest migration this build knows (both engines have the same steps):
/// a backup made by a newer schema is refused rather than half-restored.
pub fn newest_migration() -> i64 {
    Embedded::of(Engine::Sqlite).newest()
}

/// "`haystack` contains `needle`" in each engine's SQL, without LIKE's
/// wildcards (a `%` or `_` typed in a search means itself).
pub fn contains(engine: Engine, haystack: &str, needle: &str) -> String {
    match engine {
        Engine::Sqlite => format!("instr({haystack}, {needle}) > 0"),
        Engine::Postgres => format!("strpos({haystack}, {needle}) > 0"),
    }
}

/// How a search for a part of an address (Users' `q`, Email activity's
/// `recipient`) reads its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartSearch {
    /// No part, or one shorter than a trigram: each row's address is read,
    /// in the list's order, so a common part still stops at the page's end.
    Scan,
    /// A part of three characters or more: a trigram index (migration 0014)
    /// names the candidates with LIKE (no escape character, so they are a
    /// superset: a `%` or `_` in the part is a wildcard to it) and `contains`
    /// keeps the exact matches.
    Trigram,
}

impl PartSearch {
    pub fn for_part(part: &str) -> Self {
        if part.chars().count() >= 3 {
            Self::Trigram
        } else {
            Self::Scan
        }
    }
}

impl Db {
    /// Whether the database holds anything sealed with the secret key (see
    /// `SecretKey::load_or_create_for`).
    pub async fn holds_sealed_data(&self) -> Result<bool, sqlx::Error> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM smtp_config WHERE password_sealed IS NOT NULL) + (SELECT COUNT(*) FROM outbox WHERE body = 'sealed') \
             + (SELECT COUNT(*) FROM backup_key)",
        )
        .fetch_one(self.reads())
        .await?;
        Ok(n > 0)
    }

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
        let connecting = || format!("connecting to the {} database", engine.name());
        let db = match engine {
            Engine::Sqlite => {
                use_write_ahead_log(url).await?;
                let writes = sqlite_pool(1, false).connect(url).await.with_context(connecting)?;
                Embedded::of(engine).migrator().await?.run(&writes).await.context("applying database migrations")?;
                let reads = sqlite_pool(SQLITE_READERS, true).connect(url).await.with_context(connecting)?;
                Self { reads, writes, engine, listen_url: None, file: sqlite_file(url) }
            }
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_release(|conn, _| Box::pin(closes_unfinished_transactions(conn, Engine::Postgres)))
                    .connect(url)
                    .await
                    .with_context(connecting)?;
                Embedded::of(engine).migrator().await?.run(&pool).await.context("applying database migrations")?;
                Self { reads: pool.clone(), writes: pool, engine, listen_url: Some(url.to_owned()), file: None }
            }
        };
        Ok(db)
    }

    /// For statements that only read. See the module's storage rule.
    pub(crate) fn reads(&self) -> &AnyPool {
        rule::check("Db::reads");
        &self.reads
    }

    /// For a write of one statement (it commits on its own). See the storage rule.
    pub(crate) fn writes(&self) -> &AnyPool {
        rule::check("Db::writes");
        &self.writes
    }

    /// A write transaction. Read what it needs through it, not through
    /// `reads()`: see the module's storage rule.
    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        rule::check("Db::begin");
        let mut conn = self.writes.acquire().await?;
        let statement = match self.engine {
            // Take the write lock now: a deferred transaction that reads and
            // then writes can fail at once with SQLITE_BUSY when another
            // process (a CLI command, say) wrote in between.
            Engine::Sqlite => Some("BEGIN IMMEDIATE".into()),
            Engine::Postgres => None,
        };
        AnyTransactionManager::begin(&mut conn, statement).await?;
        Ok(Tx { conn, open: true, _holding: rule::Holding::start() })
    }

    /// A read-only transaction that sees one moment of the database
    /// throughout (a backup's snapshot): on SQLite a reader's transaction,
    /// which in WAL mode keeps its view while writers go on; on PostgreSQL
    /// `REPEATABLE READ`. It holds a connection like any transaction: read
    /// everything through it (the storage rule).
    pub(crate) async fn snapshot(&self) -> Result<Tx, sqlx::Error> {
        rule::check("Db::snapshot");
        let mut conn = self.reads.acquire().await?;
        let statement = match self.engine {
            Engine::Sqlite => "BEGIN",
            Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        AnyTransactionManager::begin(&mut conn, Some(statement.into())).await?;
        Ok(Tx { conn, open: true, _holding: rule::Holding::start() })
    }

    /// SQLite: the folder holding the database file (and its WAL).
    pub fn data_dir(&self) -> Option<&Path> {
        self.file.as_deref().map(|f| f.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(self.reads()).await.is_ok()
    }
}

/// The pool's check of a connection handed back: one still inside a
/// transaction (its ROLLBACK failed, see [`Tx`]) is closed, never reused.
/// On SQLite the rollback queued by a dropped `Tx` runs on the connection's
/// own thread, so a ping first waits for it; PostgreSQL counts it at once.
async fn closes_unfinished_transactions(conn: &mut sqlx::AnyConnection, engine: Engine) -> Result<bool, sqlx::Error> {
    if engine == Engine::Sqlite {
        conn.ping().await?;
    }
    let reusable = !conn.is_in_transaction();
    if !reusable {
        tracing::warn!("a database connection still inside a transaction was handed back; closed it");
    }
    Ok(reusable)
}

fn sqlite_pool(connections: u32, read_only: bool) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().max_connections(connections).acquire_timeout(ACQUIRE_TIMEOUT);
    // The writer's transactions, and a reader's snapshot (a backup).
    let options = options.after_release(|conn, _| Box::pin(closes_unfinished_transactions(conn, Engine::Sqlite)));
    options.after_connect(move |conn, _| {
        Box::pin(async move {
            // Said out loud rather than left to the build's default:
            // every commit reaches the disk before it is acknowledged.
            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
            if read_only {
                // A write sent to the read pool by mistake fails at once
                // instead of competing with the one writer.
                sqlx::query("PRAGMA query_only = ON").execute(&mut *conn).await?;
            }
            Ok(())
        })
    })
}

/// The file a `sqlite://` URL names, if it is one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// Puts a SQLite database in write-ahead-log mode (a setting the file keeps).
///
/// In the default rollback-journal mode every commit costs several fsyncs
/// (journal, database, journal removal), about 2.0 ms on the CI machine, and
/// readers wait for writers. The outbox worker commits once per email sent,
/// so that cost bounded delivery (BENCHMARKS.md). In WAL mode a commit is one
/// append and one fsync of the log (about 0.3 ms), and reads never wait for
/// writes.
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
