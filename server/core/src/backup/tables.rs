//! What a backup carries: every table that holds the instance's data, with
//! every column, and why each other table stays behind. One list, read by
//! the snapshot and by the restore alike; `tests::every_column_is_carried_or_left_with_a_reason`
//! fails when a migration adds a table or a column this list does not name.

use crate::seal::Purpose;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Text,
    /// Sealed at rest with the instance's secret key; carried opened (the
    /// file itself is encrypted) and sealed again under the restoring
    /// instance's key.
    Sealed(Purpose),
    /// A queued email's body: sealed when the row's `body` says `sealed`.
    EmailBody,
}

pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Kind)],
    /// The integer key the engine allocates (`id`), if any: kept on an
    /// exact restore, allocated afresh when only what is missing is added.
    pub serial: bool,
}

use Kind::{EmailBody, Int, Sealed, Text};

/// In the order a restore inserts them (what a row points to comes first).
pub(crate) const CARRIED: &[Table] = &[
    Table {
        name: "accounts",
        serial: true,
        columns: &[("id", Int), ("name", Text), ("created_at", Int), ("sender_name", Text), ("sender_email", Text), ("sender_reply_to", Text)],
    },
    Table {
        name: "users",
        serial: true,
        columns: &[
            ("id", Int),
            ("email", Text),
            ("password_hash", Text),
            ("role", Text),
            ("account_id", Int),
            ("created_at", Int),
            ("reset_requested_at", Int),
            ("disabled_at", Int),
            ("language", Text),
            ("reset_emails", Int),
        ],
    },
    Table {
        name: "sessions",
        serial: false,
        columns: &[("token_hash", Text), ("user_id", Int), ("created_at", Int), ("expires_at", Int), ("last_seen_at", Int)],
    },
    Table {
        name: "api_tokens",
        serial: true,
        columns: &[("id", Int), ("token_hash", Text), ("user_id", Int), ("name", Text), ("created_at", Int), ("expires_at", Int), ("last_used_at", Int)],
    },
    Table {
        name: "user_links",
        serial: false,
        columns: &[
            ("token_hash", Text),
            ("user_id", Int),
            ("purpose", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("issued_by", Text),
            ("ended", Text),
            ("ended_at", Int),
        ],
    },
    Table { name: "host_profile", serial: false, columns: &[("id", Int), ("name", Text), ("updated_at", Int), ("updated_by", Text)] },
    Table {
        name: "account_sender_policy",
        serial: false,
        columns: &[("id", Int), ("admins_may_set", Int), ("domains", Text), ("updated_at", Int), ("updated_by", Text)],
    },
    Table {
        name: "smtp_config",
        serial: false,
        columns: &[
            ("id", Int),
            ("host", Text),
            ("port", Int),
            ("from_name", Text),
            ("from_email", Text),
            ("security", Text),
            ("auth", Int),
            ("username", Text),
            ("password_sealed", Sealed(Purpose::SmtpPassword)),
            ("enabled", Int),
            ("updated_at", Int),
            ("updated_by", Text),
            ("oauth_provider", Text),
            ("oauth_tenant", Text),
            ("oauth_client", Text),
            ("transport", Text),
        ],
    },
    Table {
        name: "smtp_fallback",
        serial: false,
        columns: &[
            ("id", Int),
            ("host", Text),
            ("port", Int),
            ("from_name", Text),
            ("from_email", Text),
            ("security", Text),
            ("auth", Int),
            ("username", Text),
            ("password_sealed", Sealed(Purpose::SmtpPassword)),
            ("oauth_provider", Text),
            ("oauth_tenant", Text),
            ("oauth_client", Text),
            ("transport", Text),
            ("updated_at", Int),
            ("updated_by", Text),
        ],
    },
    Table {
        name: "outbox",
        serial: true,
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("user_id", Int),
            ("to_email", Text),
            ("subject", Text),
            ("text_body", EmailBody),
            ("html_body", EmailBody),
            ("message_id", Text),
            ("status", Text),
            ("attempts", Int),
            ("last_error", Text),
            ("next_attempt_at", Int),
            ("created_at", Int),
            ("sent_at", Int),
            ("body", Text),
            ("link_expires_at", Int),
            ("failed_at", Int),
            ("link_secret", Sealed(Purpose::LinkSecret)),
            ("from_name", Text),
            ("from_email", Text),
            ("reply_to", Text),
            ("via", Text),
        ],
    },
    Table {
        name: "audit_log",
        serial: true,
        columns: &[
            ("id", Int),
            ("at", Int),
            ("actor_id", Int),
            ("actor_email", Text),
            ("action", Text),
            ("target", Text),
            ("detail", Text),
            ("source", Text),
            ("via", Text),
        ],
    },
    Table {
        name: "smtp_audit",
        serial: true,
        columns: &[("id", Int), ("at", Int), ("actor_id", Int), ("actor_email", Text), ("action", Text), ("detail", Text), ("relay", Text)],
    },
    Table { name: "sign_in_known_source", serial: false, columns: &[("account", Text), ("source", Text), ("last_success_at", Int)] },
];

/// Tables a backup leaves behind, and why.
#[cfg_attr(not(test), allow(dead_code))] // the reasons are for readers, and for the test below
pub(crate) const LEFT_BEHIND: &[(&str, &str)] = &[
    ("backup_key", "the key backups are encrypted with travels apart from them, never inside"),
    ("setup_tokens", "a setup link is for an instance without a host admin; the restored one prints its own"),
    ("sign_in_throttle", "counts of recent wrong passwords, which expire within the hour"),
    ("reset_email_budget", "this hour's count of reset emails, which expires with the hour"),
    ("delivery_health", "the relay's recent answers, recomputed from the next attempts"),
    ("delivery_changes", "notifications of the old instance's delivery state, already sent"),
    ("storage_probe", "a scratch row the storage watch writes to test the disk"),
];

/// A carried table by name. The restore names them in its code, so an
/// unknown name is a mistake in it: `tests::the_restore_names_carried_tables` catches one.
pub(crate) fn table(name: &str) -> &'static Table {
    CARRIED.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{name} is not a carried table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_restore_names_carried_tables() {
        let source = include_str!("restore.rs");
        for name in [
            "accounts",
            "users",
            "sessions",
            "api_tokens",
            "user_links",
            "host_profile",
            "account_sender_policy",
            "smtp_config",
            "smtp_fallback",
            "outbox",
            "audit_log",
            "smtp_audit",
            "sign_in_known_source",
        ] {
            assert!(source.contains(&format!("\"{name}\"")), "restore.rs no longer names {name}");
            table(name);
        }
        for t in CARRIED {
            assert!(source.contains(&format!("\"{}\"", t.name)), "restore.rs does not restore {}", t.name);
        }
    }

    /// A migration that adds a table or a column must say whether backups
    /// carry it: otherwise a restore would silently lose it.
    #[tokio::test]
    async fn every_column_is_carried_or_left_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::storage::Db::connect(&format!("sqlite://{}/gatehouse.db?mode=rwc", dir.path().display())).await.unwrap();
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' \
             AND name NOT LIKE 'outbox_recipient_search%' ORDER BY name",
        )
        .fetch_all(db.reads())
        .await
        .unwrap();
        for name in &names {
            let columns: Vec<String> =
                sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{name}') ORDER BY cid")).fetch_all(db.reads()).await.unwrap();
            match CARRIED.iter().find(|t| t.name == name) {
                Some(table) => {
                    let mut carried: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
                    let mut present: Vec<&str> = columns.iter().map(String::as_str).collect();
                    carried.sort_unstable();
                    present.sort_unstable();
                    assert_eq!(carried, present, "backup/tables.rs must list every column of {name}, and only those");
                }
                None => assert!(
                    LEFT_BEHIND.iter().any(|(t, _)| t == name),
                    "table {name} is neither carried by backups nor left behind with a reason (backup/tables.rs)"
                ),
            }
        }
        for table in CARRIED.iter().map(|t| t.name).chain(LEFT_BEHIND.iter().map(|(t, _)| *t)) {
            assert!(names.iter().any(|n| n == table), "backup/tables.rs names {table}, which the schema no longer has");
        }
    }
}
