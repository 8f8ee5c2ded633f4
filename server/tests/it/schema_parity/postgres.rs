//! PostgreSQL's schema after its migrations, read from information_schema
//! and the catalogs (`pg_constraint`, `pg_index`, `pg_trigger`).

use super::{column, default_value, foreign_key, index, index_key, migrations, Schema};
use sqlx::{Connection, PgConnection, Row};

pub async fn schema(url: &str) -> Schema {
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::migrate::Migrator::new(migrations("postgres")).await.unwrap().run(&mut conn).await.unwrap();
    let mut schema = Schema::new();
    // Every name read as text: information_schema's own types do not decode as String.
    let tables = sqlx::query("SELECT table_name::text AS name, table_type::text AS kind FROM information_schema.tables WHERE table_schema = current_schema()")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    for t in tables {
        let (name, kind): (String, String) = (t.get("name"), t.get("kind"));
        schema.insert(if kind == "VIEW" { format!("view {name}") } else { format!("table {name}") });
    }
    let columns = sqlx::query(
        "SELECT c.table_name::text AS tbl, c.column_name::text AS name, c.data_type::text AS data_type, c.is_nullable::text = 'NO' AS not_null, \
         c.column_default::text AS dflt FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for c in columns {
        let default = c.get::<Option<String>, _>("dflt").map(|d| if d.starts_with("nextval(") { "serial".to_owned() } else { default_value(&d) });
        schema.insert(column(&c.get::<String, _>("tbl"), &c.get::<String, _>("name"), family(&c.get::<String, _>("data_type")), c.get("not_null"), default));
    }
    constraints(&mut conn, &mut schema).await;
    indexes(&mut conn, &mut schema).await;
    let triggers = sqlx::query(
        "SELECT c.relname::text AS tbl, t.tgname::text AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for t in triggers {
        schema.insert(format!("{}: trigger {}", t.get::<String, _>("tbl"), t.get::<String, _>("name")));
    }
    for m in sqlx::query("SELECT version, description FROM _sqlx_migrations").fetch_all(&mut conn).await.unwrap() {
        schema.insert(format!("_sqlx_migrations: applied {:04} {}", m.get::<i64, _>("version"), m.get::<String, _>("description")));
    }
    schema
}

/// Primary keys, unique constraints, foreign keys and the count of CHECK
/// constraints per table. (NOT NULL is a column's, above.)
async fn constraints(conn: &mut PgConnection, schema: &mut Schema) {
    let names = |keys: &str, table: &str| {
        format!(
            "ARRAY(SELECT a.attname::text FROM unnest(c.{keys}) WITH ORDINALITY k(n, i) \
             JOIN pg_attribute a ON a.attrelid = c.{table} AND a.attnum = k.n ORDER BY k.i)"
        )
    };
    let rows = sqlx::query(&format!(
        "SELECT t.relname::text AS tbl, c.contype::text AS kind, {} AS columns, r.relname::text AS refers, {} AS to_columns, \
         c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid LEFT JOIN pg_class r ON r.oid = c.confrelid \
         WHERE t.relnamespace = current_schema()::regnamespace AND c.contype IN ('p', 'u', 'f', 'c')",
        names("conkey", "conrelid"),
        names("confkey", "confrelid"),
    ))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut checks = std::collections::BTreeMap::<String, usize>::new();
    for r in rows {
        let (table, kind, columns): (String, String, Vec<String>) = (r.get("tbl"), r.get("kind"), r.get("columns"));
        match kind.as_str() {
            "p" => {
                schema.insert(format!("{table}: primary key ({})", columns.join(", ")));
            }
            "u" => {
                schema.insert(format!("{table}: unique ({})", columns.join(", ")));
            }
            "f" => {
                let action = |column: &str| fk_action(&r.get::<String, _>(column));
                let line = foreign_key(
                    &table,
                    &columns,
                    &r.get::<String, _>("refers"),
                    &r.get::<Vec<String>, _>("to_columns"),
                    action("on_delete"),
                    action("on_update"),
                );
                schema.insert(line);
            }
            _ => *checks.entry(table).or_default() += 1,
        }
    }
    for (table, n) in checks {
        schema.insert(format!("{table}: {n} check constraints"));
    }
}

/// Indexes made by CREATE INDEX: those behind a key or unique constraint are that constraint's line.
async fn indexes(conn: &mut PgConnection, schema: &mut Schema) {
    let rows = sqlx::query(
        "SELECT t.relname::text AS tbl, i.relname::text AS name, x.indisunique AS is_unique, x.indpred IS NOT NULL AS partial, \
         am.amname::text AS method, \
         ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts::int) k ORDER BY k) AS keys \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_am am ON am.oid = i.relam \
         WHERE t.relnamespace = current_schema()::regnamespace \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for r in rows {
        let keys: Vec<String> = r.get::<Vec<String>, _>("keys").iter().map(|k| index_key(k)).collect();
        let (table, name, method): (String, String, String) = (r.get("tbl"), r.get("name"), r.get("method"));
        schema.insert(index(&table, &name, &keys, r.get("is_unique"), r.get("partial"), &method));
    }
}

/// `pg_constraint`'s letter for a foreign key action, in SQLite's words.
fn fk_action(letter: &str) -> &'static str {
    match letter {
        "a" => "no action",
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        other => panic!("unknown foreign key action {other}"),
    }
}

/// The family of `information_schema.columns.data_type`. A type not listed
/// fails: give it a family (and its SQLite twin one in sqlite.rs).
fn family(data_type: &str) -> &'static str {
    match data_type {
        "bigint" => "integer",
        // Not "integer": the code reads every integer as i64 through sqlx's
        // Any driver, so PostgreSQL's are BIGINT (postgres/0001_foundation.sql).
        "integer" | "smallint" => "int4 or int2 (make it BIGINT)",
        "text" => "text",
        "bytea" => "blob",
        "real" | "double precision" => "real",
        "boolean" => "boolean",
        "timestamp with time zone" | "timestamp without time zone" => "timestamp",
        other => panic!("PostgreSQL type {other}: give it a family in schema_parity/postgres.rs"),
    }
}
