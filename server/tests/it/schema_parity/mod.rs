//! After migrations, SQLite and PostgreSQL hold the same schema, so a
//! migration added to one tree only (or two that disagree) fails here.
//! Each engine's schema is read into lines of text, one fact a line, all
//! starting with their table: the table, each column (type family, NOT NULL,
//! default), the primary key, unique constraints, foreign keys, how many
//! CHECK constraints (SQLite keeps a check only as text, so its count is what
//! both can say), each index by name (its keys, unique, partial), triggers,
//! views, and the migrations applied. The lines only one side has are the
//! diff, less the engine-specific features listed below, each with its reason.

mod postgres;
mod sqlite;

use crate::support::{postgres_only, Backend, TestDb};
use std::collections::BTreeSet;
use std::path::PathBuf;

type Schema = BTreeSet<String>;

/// Tables only SQLite has, on purpose: migration 0014's address search is
/// FTS5 there (a virtual table with its shadow tables), a pg_trgm index on
/// PostgreSQL (below).
const ONLY_SQLITE_TABLES: [&str; 5] = [
    "outbox_recipient_search",
    "outbox_recipient_search_config",
    "outbox_recipient_search_data",
    "outbox_recipient_search_docsize",
    "outbox_recipient_search_idx",
];

/// Facts only SQLite has, on purpose: the triggers that keep the FTS5 index
/// of 0014 in step with `outbox` (an external-content index is not kept by itself).
const ONLY_SQLITE: [&str; 3] =
    ["outbox: trigger outbox_recipient_search_delete", "outbox: trigger outbox_recipient_search_insert", "outbox: trigger outbox_recipient_search_update"];

/// Facts only PostgreSQL has, on purpose: 0014's trigram indexes (pg_trgm).
/// SQLite searches users' addresses without one: it reads 100,000 in a few
/// milliseconds, where PostgreSQL took 30 (see the migration).
const ONLY_POSTGRES: [&str; 2] = ["outbox: index outbox_recipient_search (to_email) using gin", "users: index users_email_search (email) using gin"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_have_the_same_schema_after_migrations() {
    let Some(pg) = postgres_only("schema parity").await else { return };
    let lite = TestDb::new(Backend::Sqlite).await;
    let sqlite = sqlite::schema(&lite.url).await;
    let postgres = postgres::schema(&pg.url).await;
    assert!(sqlite.contains("table users") && postgres.contains("table users"), "read no schema:\n{sqlite:#?}\n{postgres:#?}");
    let sqlite = without_allowed(sqlite, "SQLite", &ONLY_SQLITE_TABLES, &ONLY_SQLITE);
    let postgres = without_allowed(postgres, "PostgreSQL", &[], &ONLY_POSTGRES);
    let only = |a: &Schema, b: &Schema| a.difference(b).map(|l| format!("\n    {l}")).collect::<String>();
    let (only_sqlite, only_postgres) = (only(&sqlite, &postgres), only(&postgres, &sqlite));
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "SQLite and PostgreSQL differ after migrations (server/core/migrations/sqlite and postgres must take the same steps):\
         \n  only in SQLite:{only_sqlite}\n  only in PostgreSQL:{only_postgres}"
    );
}

/// The schema less what `engine` alone has on purpose. An allowance that no
/// longer matches anything fails too, so the lists above stay true.
fn without_allowed(mut schema: Schema, engine: &str, tables: &[&str], facts: &[&str]) -> Schema {
    for table in tables {
        let prefix = format!("{table}: ");
        assert!(schema.remove(&format!("table {table}")), "{engine} no longer has table {table}: drop it from the allowances");
        schema.retain(|l| !l.starts_with(&prefix));
    }
    for fact in facts {
        assert!(schema.remove(*fact), "{engine} no longer has `{fact}`: drop it from the allowances");
    }
    schema
}

/// The folder of one engine's migrations: the ones `storage` embeds, read
/// here at run time, so a file added to a tree counts without a rebuild.
fn migrations(engine: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("core/migrations").join(engine)
}

/// A column line: `table: column name family[, not null][, default x]`.
fn column(table: &str, name: &str, family: &str, not_null: bool, default: Option<String>) -> String {
    let mut line = format!("{table}: column {name} {family}");
    if not_null {
        line.push_str(", not null");
    }
    if let Some(d) = default {
        line.push_str(&format!(", default {d}"));
    }
    line
}

/// A default as both engines can say it: PostgreSQL adds casts (`'plain'::text`),
/// and "the time of the insert" is spelled CURRENT_TIMESTAMP and now().
fn default_value(raw: &str) -> String {
    let value = raw.split("::").next().unwrap_or(raw).trim();
    match value {
        "CURRENT_TIMESTAMP" | "now()" => "now".to_owned(),
        _ => value.to_owned(),
    }
}

/// An index key as both engines can print it: `lower(name)`, `id`.
fn index_key(key: &str) -> String {
    key.chars().filter(|c| !c.is_whitespace() && *c != '"').collect::<String>().to_lowercase()
}

/// `table: index name (keys)[ unique][ partial][ using method]`. A partial
/// index's condition is not compared: PostgreSQL rewrites it (`IN` becomes `= ANY`).
fn index(table: &str, name: &str, keys: &[String], unique: bool, partial: bool, method: &str) -> String {
    let mut line = format!("{table}: index {name} ({})", keys.join(", "));
    if unique {
        line.push_str(" unique");
    }
    if partial {
        line.push_str(" partial");
    }
    if method != "btree" {
        line.push_str(&format!(" using {method}"));
    }
    line
}

/// `table: foreign key (cols) references other (cols) on delete x on update y`, actions in lower case.
fn foreign_key(table: &str, columns: &[String], references: &str, to: &[String], on_delete: &str, on_update: &str) -> String {
    format!(
        "{table}: foreign key ({}) references {references} ({}) on delete {} on update {}",
        columns.join(", "),
        to.join(", "),
        on_delete.to_lowercase(),
        on_update.to_lowercase()
    )
}
