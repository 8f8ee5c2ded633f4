//! SQLite's schema after its migrations, read from `sqlite_master` and the
//! pragma functions.

use super::{column, default_value, foreign_key, index, index_key, migrations, Schema};
use sqlx::{Connection, Row, SqliteConnection};

pub async fn schema(url: &str) -> Schema {
    let mut conn = SqliteConnection::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(migrations("sqlite")).await.unwrap().run(&mut conn).await.unwrap();
    let mut schema = Schema::new();
    // `sqlite_*` are SQLite's own: sqlite_sequence (AUTOINCREMENT's counters),
    // and the autoindexes, read below as the keys and constraints they serve.
    let objects =
        sqlx::query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetch_all(&mut conn).await.unwrap();
    for o in &objects {
        let (kind, name, table): (String, String, String) = (o.get("type"), o.get("name"), o.get("tbl_name"));
        let sql: Option<String> = o.get("sql");
        match kind.as_str() {
            "table" => table_facts(&mut conn, &name, sql.as_deref().unwrap_or_default(), &mut schema).await,
            "trigger" => {
                schema.insert(format!("{table}: trigger {name}"));
            }
            "view" => {
                schema.insert(format!("view {name}"));
            }
            _ => {} // indexes: with their table, from pragma_index_list
        }
    }
    for m in sqlx::query("SELECT version, description FROM _sqlx_migrations").fetch_all(&mut conn).await.unwrap() {
        schema.insert(format!("_sqlx_migrations: applied {:04} {}", m.get::<i64, _>("version"), m.get::<String, _>("description")));
    }
    schema
}

async fn table_facts(conn: &mut SqliteConnection, table: &str, sql: &str, schema: &mut Schema) {
    schema.insert(format!("table {table}"));
    let autoincrement = sql.to_ascii_uppercase().contains("AUTOINCREMENT");
    let mut primary_key: Vec<(i64, String)> = Vec::new();
    let columns = sqlx::query(r#"SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)"#).bind(table).fetch_all(&mut *conn).await.unwrap();
    for c in columns {
        let (name, declared, pk): (String, String, i64) = (c.get("name"), c.get("type"), c.get("pk"));
        let mut default = c.get::<Option<String>, _>("dflt_value").map(|d| default_value(&d));
        if pk > 0 {
            primary_key.push((pk, name.clone()));
            // AUTOINCREMENT's key is numbered by the engine, as BIGSERIAL's is.
            if autoincrement {
                default = Some("serial".to_owned());
            }
        }
        // SQLite lets a key that is not an INTEGER PRIMARY KEY hold NULL (a
        // quirk it keeps for old files); PostgreSQL's keys are NOT NULL, and
        // the code never stores a NULL key, so a key column counts as NOT NULL.
        let not_null = c.get::<i64, _>("notnull") != 0 || pk > 0;
        schema.insert(column(table, &name, family(&declared), not_null, default));
    }
    if !primary_key.is_empty() {
        primary_key.sort();
        let names: Vec<String> = primary_key.into_iter().map(|(_, n)| n).collect();
        schema.insert(format!("{table}: primary key ({})", names.join(", ")));
    }
    let indexes = sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)").bind(table).fetch_all(&mut *conn).await.unwrap();
    for i in indexes {
        let (name, origin): (String, String) = (i.get("name"), i.get("origin"));
        match origin.as_str() {
            "pk" => {} // the primary key line above
            "u" => {
                let columns: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno").bind(&name).fetch_all(&mut *conn).await.unwrap();
                schema.insert(format!("{table}: unique ({})", columns.join(", ")));
            }
            _ => {
                let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = ?").bind(&name).fetch_one(&mut *conn).await.unwrap();
                schema.insert(index(table, &name, &index_keys(&sql), i.get::<i64, _>("unique") != 0, i.get::<i64, _>("partial") != 0, "btree"));
            }
        }
    }
    let keys = sqlx::query("SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq")
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    for group in keys.chunk_by(|a, b| a.get::<i64, _>("id") == b.get::<i64, _>("id")) {
        let from: Vec<String> = group.iter().map(|k| k.get("from")).collect();
        // `REFERENCES t` without its column shows as `?`, which PostgreSQL never
        // says: such a migration fails here, so name the column.
        let to: Vec<String> = group.iter().map(|k| k.get::<Option<String>, _>("to").unwrap_or_else(|| "?".into())).collect();
        let k = &group[0];
        schema.insert(foreign_key(table, &from, &k.get::<String, _>("table"), &to, &k.get::<String, _>("on_delete"), &k.get::<String, _>("on_update")));
    }
    let checks = check_count(sql);
    if checks > 0 {
        schema.insert(format!("{table}: {checks} check constraints"));
    }
}

/// The family of a declared type, as the migrations write them. A type not
/// listed fails: give it a family (and its PostgreSQL twin one in postgres.rs).
fn family(declared: &str) -> &'static str {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "integer",
        "TEXT" => "text",
        // No type at all has BLOB affinity (FTS5's shadow tables).
        "BLOB" | "" => "blob",
        "REAL" | "DOUBLE PRECISION" => "real",
        "BOOLEAN" => "boolean",
        "TIMESTAMP" => "timestamp",
        other => panic!("SQLite type {other}: give it a family in schema_parity/sqlite.rs"),
    }
}

/// The keys of `CREATE INDEX name ON table (a, lower(b)) …`: the first
/// parenthesised list (nothing before it holds a parenthesis).
fn index_keys(sql: &str) -> Vec<String> {
    let open = sql.find('(').expect("an index has keys");
    let (mut depth, mut start, mut keys) = (0, open + 1, Vec::new());
    for (at, c) in sql[open..].char_indices().map(|(i, c)| (open + i, c)) {
        match c {
            '(' => depth += 1,
            ',' if depth == 1 => {
                keys.push(index_key(&sql[start..at]));
                start = at + 1;
            }
            ')' => {
                depth -= 1;
                if depth == 0 {
                    keys.push(index_key(&sql[start..at]));
                    break;
                }
            }
            _ => {}
        }
    }
    keys
}

/// How many CHECK constraints a table's SQL holds (ALTER TABLE … ADD COLUMN
/// appends its column to that SQL), comments left out.
fn check_count(sql: &str) -> usize {
    let code = sql.lines().map(|l| l.split("--").next().unwrap_or_default()).collect::<Vec<_>>().join("\n").to_ascii_uppercase();
    code.match_indices("CHECK")
        .filter(|(at, _)| {
            let word_start = code[..*at].chars().last().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            word_start && code[at + "CHECK".len()..].trim_start().starts_with('(')
        })
        .count()
}
