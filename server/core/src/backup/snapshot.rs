//! Reading the instance into a [`Snapshot`]: every carried table, in one
//! read-only transaction, so the backup is one moment of the database while
//! the server goes on serving (an invitation committed during the backup is
//! in it whole, or not at all).

use super::tables::{Kind, Table, CARRIED};
use crate::error::Result;
use crate::seal;
use crate::secret_key::SecretKey;
use crate::storage::{now, Db};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;

pub(crate) type Rows = Vec<Map<String, Value>>;

/// What a backup file holds, once opened.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub taken_at: i64,
    /// The engine it was taken from (`sqlite`, `postgres`).
    pub engine: String,
    /// The Gatehouse that took it.
    pub version: String,
    /// The newest migration the source had: a restore refuses a backup from
    /// a newer schema than its own.
    pub schema: i64,
    pub tables: BTreeMap<String, Rows>,
}

impl Snapshot {
    pub fn rows(&self, table: &str) -> &[Map<String, Value>] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or_default()
    }
}

pub(crate) async fn take(db: &Db, secret: &SecretKey) -> Result<Snapshot> {
    let mut tx = db.snapshot().await?;
    let schema: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations").fetch_one(&mut *tx).await?;
    let mut tables = BTreeMap::new();
    for table in CARRIED {
        let columns: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let order = if table.serial { "id".to_owned() } else { columns[0].to_owned() };
        let sql = format!("SELECT {} FROM {} ORDER BY {order}", columns.join(", "), table.name);
        let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
        let rows = rows.iter().map(|r| read_row(table, r, secret)).collect::<Result<Rows>>()?;
        tables.insert(table.name.to_owned(), rows);
    }
    tx.commit().await?;
    Ok(Snapshot { taken_at: now(), engine: db.engine.label().to_owned(), version: env!("CARGO_PKG_VERSION").to_owned(), schema, tables })
}

fn read_row(table: &Table, row: &AnyRow, secret: &SecretKey) -> Result<Map<String, Value>> {
    let sealed_body = table.columns.iter().any(|(_, k)| *k == Kind::EmailBody) && row.try_get::<String, _>("body")? == "sealed";
    let mut out = Map::new();
    for (column, kind) in table.columns {
        let value = match kind {
            Kind::Int => row.try_get::<Option<i64>, _>(*column)?.map(Value::from),
            Kind::Text => row.try_get::<Option<String>, _>(*column)?.map(Value::from),
            Kind::Sealed(purpose) => row.try_get::<Option<String>, _>(*column)?.map(|s| seal::open(secret, *purpose, &s)).transpose()?.map(Value::from),
            Kind::EmailBody => {
                let text: String = row.try_get(*column)?;
                Some(Value::from(if sealed_body { seal::open(secret, seal::Purpose::EmailBody, &text)? } else { text }))
            }
        };
        out.insert((*column).to_owned(), value.unwrap_or(Value::Null));
    }
    Ok(out)
}

/// A value of a row as the column's kind wants it bound.
pub(crate) fn int(row: &Map<String, Value>, column: &str) -> Option<i64> {
    row.get(column).and_then(Value::as_i64)
}

pub(crate) fn text<'a>(row: &'a Map<String, Value>, column: &str) -> Option<&'a str> {
    row.get(column).and_then(Value::as_str)
}
