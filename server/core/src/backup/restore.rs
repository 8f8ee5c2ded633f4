//! Loading a snapshot into this instance's database, in one transaction
//! (all of it, or nothing).
//!
//! * Into an **empty** instance (no users, accounts, emails nor relay: a new
//!   one, perhaps on the other engine) it restores **exactly**: every row
//!   with its own id, so links, tokens, sessions and pending emails go on as
//!   they were.
//! * Into one that **has data** it only **adds what is missing** and keeps
//!   what is there: an account is the same account when its name is, a user
//!   when their address is; what the backup has that is not here is added
//!   under new ids, and every thing it kept instead of the backup's is
//!   reported. Nothing here is ever overwritten.
//!
//! Secrets (the relay's password, queued emails' bodies) arrive opened and
//! are sealed again under this instance's secret key. Audit entries are
//! appended (fresh ids; one already here is not added twice).

use super::snapshot::{int, text, Snapshot};
use super::tables::{self, Kind, Table};
use crate::error::Result;
use crate::seal::{self, Purpose};
use crate::secret_key::SecretKey;
use crate::storage::{now, Engine, Tx};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

type Row = Map<String, Value>;
/// What a restore says when it keeps this instance's own one-row setting over the backup's.
type KeptNote = fn(&Row) -> String;

/// What a restore did.
#[derive(Debug, Default)]
pub struct RestoreReport {
    /// True when the instance was empty and the backup went in exactly.
    pub exact: bool,
    /// Rows added, per table, in restore order.
    pub added: Vec<(&'static str, u64)>,
    /// What was already here and kept instead of the backup's, one line each.
    pub kept: Vec<String>,
}

impl RestoreReport {
    fn add(&mut self, table: &'static str, n: u64) {
        match self.added.iter_mut().find(|(t, _)| *t == table) {
            Some((_, count)) => *count += n,
            None => self.added.push((table, n)),
        }
    }

    pub fn summary(&self) -> String {
        let added: Vec<String> = self.added.iter().map(|(t, n)| format!("{n} {t}")).collect();
        format!("{}: added {}; kept {} already here", if self.exact { "exact restore" } else { "added what was missing" }, added.join(", "), self.kept.len())
    }
}

pub(crate) async fn load(tx: &mut Tx, engine: Engine, secret: &SecretKey, snapshot: &Snapshot) -> Result<RestoreReport> {
    let here: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM smtp_config) + (SELECT COUNT(*) FROM smtp_fallback) \
         + (SELECT COUNT(*) FROM host_profile) + (SELECT COUNT(*) FROM account_sender_policy)",
    )
    .fetch_one(&mut **tx)
    .await?;
    let mut report = RestoreReport { exact: here == 0, ..RestoreReport::default() };
    let mut ids = Ids::default();
    if report.exact {
        exactly(tx, engine, secret, snapshot, &mut report).await?;
    } else {
        what_is_missing(tx, secret, snapshot, &mut report, &mut ids).await?;
    }
    audit_entries(tx, secret, snapshot, (!report.exact).then_some(&ids), &mut report).await?;
    known_sources(tx, secret, snapshot, &mut report).await?;
    Ok(report)
}

/// How the backup's ids map to this instance's (an exact restore keeps them).
#[derive(Default)]
struct Ids {
    accounts: HashMap<i64, i64>,
    /// Users the restore added.
    added_users: HashMap<i64, i64>,
    /// The backup's users who were already here (same address).
    users_here: HashMap<i64, i64>,
}

impl Ids {
    fn user(&self, old: i64) -> Option<i64> {
        self.added_users.get(&old).or_else(|| self.users_here.get(&old)).copied()
    }
}

async fn exactly(tx: &mut Tx, engine: Engine, secret: &SecretKey, snapshot: &Snapshot, report: &mut RestoreReport) -> Result<()> {
    for table in tables::CARRIED.iter().filter(|t| !is_appended(t)) {
        for row in snapshot.rows(table.name) {
            insert(tx, table, row, &due_now(table, row), IdPolicy::Keep, secret).await?;
        }
        report.add(table.name, snapshot.rows(table.name).len() as u64);
        if engine == Engine::Postgres && table.serial {
            // Rows came with their ids: the sequence must start past them.
            sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)", table.name))
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

async fn what_is_missing(tx: &mut Tx, secret: &SecretKey, snapshot: &Snapshot, report: &mut RestoreReport, ids: &mut Ids) -> Result<()> {
    let table = tables::table;
    for row in snapshot.rows("accounts") {
        let (old, name) = (int(row, "id").unwrap_or_default(), text(row, "name").unwrap_or_default());
        let here: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE lower(name) = lower($1)").bind(name).fetch_optional(&mut **tx).await?;
        let new = match here {
            Some(id) => {
                report.kept.push(format!("account \"{name}\": already here; kept it, and the backup's users of it join it"));
                id
            }
            None => {
                report.add("accounts", 1);
                insert(tx, table("accounts"), row, &[], IdPolicy::Fresh, secret).await?.unwrap_or_default()
            }
        };
        ids.accounts.insert(old, new);
    }
    for row in snapshot.rows("users") {
        let (old, email) = (int(row, "id").unwrap_or_default(), text(row, "email").unwrap_or_default());
        let here: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE lower(email) = lower($1)").bind(email).fetch_optional(&mut **tx).await?;
        if let Some(id) = here {
            report.kept.push(format!("user {email}: already here; kept as they are (the backup's sessions, tokens and links for them were left out)"));
            ids.users_here.insert(old, id);
            continue;
        }
        let account = int(row, "account_id").map(|a| ids.accounts.get(&a).copied().map_or(Value::Null, Value::from)).unwrap_or(Value::Null);
        let new = insert(tx, table("users"), row, &[("account_id", account)], IdPolicy::Fresh, secret).await?.unwrap_or_default();
        ids.added_users.insert(old, new);
        report.add("users", 1);
    }
    // What belongs to a user comes only with a user the restore added.
    for name in ["sessions", "api_tokens", "user_links"] {
        for row in snapshot.rows(name) {
            let Some(&user) = int(row, "user_id").and_then(|u| ids.added_users.get(&u)) else { continue };
            let added = insert_unless_there(tx, table(name), row, &[("user_id", Value::from(user))], secret).await?;
            if added {
                report.add(table(name).name, 1);
            } else {
                report.kept.push(format!("{name}: one of {}'s was already here", email_of(snapshot, int(row, "user_id"))));
            }
        }
    }
    // The one-row settings: the instance's own win; the backup's fill only what is not set here.
    let singletons: [(&str, KeptNote); 4] = [
        ("host_profile", |row| format!("the host's name: this instance has its own; kept it (the backup's was \"{}\")", text(row, "name").unwrap_or("-"))),
        ("account_sender_policy", |_| "the rules for account senders: this instance has its own; kept them".to_owned()),
        ("smtp_config", |row| {
            format!("SMTP configuration: this instance has its own; kept it (the backup's relay {} was left out)", text(row, "host").unwrap_or("-"))
        }),
        ("smtp_fallback", |row| {
            format!("fallback relay: this instance has its own; kept it (the backup's relay {} was left out)", text(row, "host").unwrap_or("-"))
        }),
    ];
    for (name, kept) in singletons {
        let Some(row) = snapshot.rows(name).first() else { continue };
        let here: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}")).fetch_one(&mut **tx).await?;
        if here > 0 {
            report.kept.push(kept(row));
        } else {
            insert(tx, table(name), row, &[], IdPolicy::Keep, secret).await?;
            report.add(name, 1);
        }
    }
    // Read once: matching each email by a query would read the outbox once per email.
    let here: HashSet<String> = sqlx::query_scalar("SELECT message_id FROM outbox").fetch_all(&mut **tx).await?.into_iter().collect();
    for row in snapshot.rows("outbox") {
        if here.contains(text(row, "message_id").unwrap_or_default()) {
            continue;
        }
        let pending = matches!(text(row, "status"), Some("queued" | "retrying" | "sending"));
        let user = match int(row, "user_id") {
            None => Value::Null,
            Some(old) => match (ids.added_users.get(&old), ids.users_here.get(&old)) {
                (Some(&new), _) => Value::from(new),
                // Its link is the backup's, which was left out with the user's links.
                (None, Some(_)) if pending => {
                    report.kept.push(format!(
                        "a pending email to {}: its user is already here, with links of their own; left out",
                        text(row, "to_email").unwrap_or("-")
                    ));
                    continue;
                }
                (None, Some(&here)) => Value::from(here),
                (None, None) => Value::Null,
            },
        };
        let mut values = due_now(table("outbox"), row);
        values.push(("user_id", user));
        insert(tx, table("outbox"), row, &values, IdPolicy::Fresh, secret).await?;
        report.add("outbox", 1);
    }
    Ok(())
}

/// An email still waiting is tried at once by the restored instance: its
/// retry schedule, and the lease of one that was being sent when the backup
/// was taken, were the old instance's (which is stopped, or elsewhere).
/// One that was being sent is sent again (the outbox's promise after a
/// crash: at most those in flight twice, none lost).
fn due_now(table: &Table, row: &Row) -> Vec<(&'static str, Value)> {
    match (table.name, text(row, "status")) {
        ("outbox", Some("sending")) => vec![("status", Value::from("retrying")), ("next_attempt_at", Value::from(now()))],
        ("outbox", Some("queued" | "retrying")) => vec![("next_attempt_at", Value::from(now()))],
        _ => Vec::new(),
    }
}

/// The audit logs are appended to, never matched by id: an entry already
/// here (same moment, actor, action, target and detail) is not added twice.
fn is_appended(table: &Table) -> bool {
    matches!(table.name, "audit_log" | "smtp_audit" | "sign_in_known_source")
}

/// `ids` maps the backup's users to this instance's, unless the restore is
/// exact (ids kept).
async fn audit_entries(tx: &mut Tx, secret: &SecretKey, snapshot: &Snapshot, ids: Option<&Ids>, report: &mut RestoreReport) -> Result<()> {
    for name in ["audit_log", "smtp_audit"] {
        let table = tables::table(name);
        let target = if name == "audit_log" { "target IS NOT DISTINCT FROM $4" } else { "$4 IS NULL" };
        let sql = format!("SELECT COUNT(*) FROM {name} WHERE at = $1 AND actor_email = $2 AND action = $3 AND {target} AND detail = $5");
        for row in snapshot.rows(name) {
            let here: i64 = sqlx::query_scalar(&sql)
                .bind(int(row, "at"))
                .bind(text(row, "actor_email"))
                .bind(text(row, "action"))
                .bind(text(row, "target"))
                .bind(text(row, "detail"))
                .fetch_one(&mut **tx)
                .await?;
            if here > 0 {
                continue;
            }
            let actor = match (int(row, "actor_id"), ids) {
                (Some(old), Some(ids)) => ids.user(old).map_or(Value::Null, Value::from),
                (kept, _) => kept.map_or(Value::Null, Value::from),
            };
            // smtp_audit's actor is required: an unknown one keeps the backup's id.
            let actor = if actor.is_null() && name == "smtp_audit" { int(row, "actor_id").map_or(Value::Null, Value::from) } else { actor };
            insert(tx, table, row, &[("actor_id", actor)], IdPolicy::Fresh, secret).await?;
            report.add(table.name, 1);
        }
    }
    Ok(())
}

async fn known_sources(tx: &mut Tx, secret: &SecretKey, snapshot: &Snapshot, report: &mut RestoreReport) -> Result<()> {
    let table = tables::table("sign_in_known_source");
    for row in snapshot.rows(table.name) {
        if insert_unless_there(tx, table, row, &[], secret).await? {
            report.add(table.name, 1);
        }
    }
    Ok(())
}

fn email_of(snapshot: &Snapshot, user: Option<i64>) -> String {
    snapshot.rows("users").iter().find(|u| int(u, "id") == user).and_then(|u| text(u, "email")).unwrap_or("a user").to_owned()
}

/// Whether a serial table's rows keep the backup's ids or get new ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum IdPolicy {
    Keep,
    Fresh,
}

/// Inserts `row` (with `overrides` in place of some of its values), sealing
/// its secrets under this instance's key; the new id when one was allocated.
/// Columns the backup does not have (an older version's) take their default.
async fn insert(tx: &mut Tx, table: &Table, row: &Row, overrides: &[(&str, Value)], ids: IdPolicy, secret: &SecretKey) -> Result<Option<i64>> {
    let fresh = table.serial && ids == IdPolicy::Fresh;
    let tail = if fresh { " RETURNING id" } else { "" };
    let (sql, values) = statement(table, row, overrides, fresh, tail);
    let query = bind(sqlx::query(&sql), &values, secret);
    if fresh {
        let added = query.fetch_one(&mut **tx).await?;
        Ok(Some(sqlx::Row::try_get(&added, 0)?))
    } else {
        query.execute(&mut **tx).await?;
        Ok(None)
    }
}

/// Inserts `row` unless a row with the same unique key is here; whether it did.
async fn insert_unless_there(tx: &mut Tx, table: &Table, row: &Row, overrides: &[(&str, Value)], secret: &SecretKey) -> Result<bool> {
    let (sql, values) = statement(table, row, overrides, table.serial, " ON CONFLICT DO NOTHING");
    Ok(bind(sqlx::query(&sql), &values, secret).execute(&mut **tx).await?.rows_affected() == 1)
}

/// A value to bind, with what sealing it needs.
enum Bind {
    Int(Option<i64>),
    Text(Option<String>),
    Sealed(Option<String>, Purpose),
}

fn statement(table: &Table, row: &Row, overrides: &[(&str, Value)], without_id: bool, tail: &str) -> (String, Vec<Bind>) {
    let sealed_body = text(row, "body") == Some("sealed");
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for (column, kind) in table.columns {
        if without_id && *column == "id" {
            continue;
        }
        let value = match overrides.iter().find(|(c, _)| c == column) {
            Some((_, v)) => v,
            None => match row.get(*column) {
                Some(v) => v,
                None => continue,
            },
        };
        columns.push(*column);
        let text = || value.as_str().map(str::to_owned);
        values.push(match kind {
            Kind::Int => Bind::Int(value.as_i64()),
            Kind::Text => Bind::Text(text()),
            Kind::Sealed(purpose) => Bind::Sealed(text(), *purpose),
            Kind::EmailBody if sealed_body => Bind::Sealed(text(), Purpose::EmailBody),
            Kind::EmailBody => Bind::Text(text()),
        });
    }
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    (format!("INSERT INTO {} ({}) VALUES ({}){tail}", table.name, columns.join(", "), placeholders.join(", ")), values)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind<'q>(mut query: Query<'q>, values: &[Bind], secret: &SecretKey) -> Query<'q> {
    for value in values {
        query = match value {
            Bind::Int(v) => query.bind(*v),
            Bind::Text(v) => query.bind(v.clone()),
            Bind::Sealed(v, purpose) => query.bind(v.as_deref().map(|plain| seal::seal(secret, *purpose, plain))),
        };
    }
    query
}
