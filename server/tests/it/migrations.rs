//! Bringing a database up to date with the migrations the binary carries
//! (`storage/migrations.rs`): several instances starting at once on one
//! fresh PostgreSQL database (sqlx's migrator takes a lock there), and a
//! restart on an up-to-date database of either engine, which applies
//! nothing and finds every migration's checksum as it was recorded.

use crate::support;

use gatehouse_core::storage::{newest_migration, Db};
use support::{postgres_only, TestDb};

on_both_databases!(a_restart_applies_nothing_and_agrees_with_what_was_recorded);

/// Each migration the database recorded as applied successfully, with its
/// checksum. (`WHERE success`: a boolean on PostgreSQL, an integer on SQLite.)
async fn applied(db: &TestDb) -> Vec<(i64, Vec<u8>)> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let rows: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version").fetch_all(&mut conn).await.unwrap();
    rows
}

async fn a_restart_applies_nothing_and_agrees_with_what_was_recorded(test_db: TestDb) {
    Db::connect(&test_db.url).await.expect("a fresh database is migrated");
    let first = applied(&test_db).await;
    assert_eq!(first.len() as i64, newest_migration(), "every migration once, successfully");
    // A second start validates each applied migration's checksum against the
    // binary's (a mismatch fails the start) and applies nothing.
    Db::connect(&test_db.url).await.expect("an up-to-date database starts");
    assert_eq!(applied(&test_db).await, first);
}

#[tokio::test]
async fn four_instances_migrate_one_fresh_postgres_database_at_once() {
    let Some(test_db) = postgres_only("instances migrating one database at once").await else { return };
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let url = test_db.url.clone();
            tokio::spawn(async move { Db::connect(&url).await })
        })
        .collect();
    for (i, start) in starts.into_iter().enumerate() {
        start.await.unwrap().unwrap_or_else(|e| panic!("instance {i} failed to start: {e:#}"));
    }
    let applied = applied(&test_db).await;
    assert_eq!(applied.len() as i64, newest_migration(), "each migration applied once, successfully, not once per instance");
}
