//! The data dir and the files Gatehouse keeps in it are its owner's alone,
//! on every start: made so, and narrowed back when something (a restore from
//! a backup, a copy, a chmod) has widened them since.

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::{Backend, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

on_both_databases!(the_data_dir_and_its_files_are_owner_only_on_every_start);

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The log as read in a terminal, without colours.
fn plain(log: &str) -> String {
    let mut out = String::with_capacity(log.len());
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            out.push(c);
        }
    }
    out
}

async fn the_data_dir_and_its_files_are_owner_only_on_every_start(db: TestDb) {
    let data = db.dir.path().join("fresh").join("data");
    let data_env = data.to_str().unwrap().to_owned();
    // On SQLite an empty database URL means the default: gatehouse.db in the data dir.
    let (url, files): (&str, &[&str]) = match db.backend {
        Backend::Sqlite => ("", &["gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm", "secret.key"]),
        Backend::Postgres => (&db.url, &["secret.key"]),
    };
    let env = [("GATEHOUSE_DATA_DIR", data_env.as_str()), ("GATEHOUSE_DATABASE_URL", url)];
    let files: Vec<PathBuf> = files.iter().map(|f| data.join(f)).collect();

    let app = TestApp::process(&db, &env).await;
    app.set_up_admin().await;
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&db.dir.path().join("fresh")), 0o700, "every dir it made");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert!(!app.output().contains("permissions tightened"), "nothing to narrow on a fresh data dir");
    // Killed: SQLite's -wal and -shm stay, as after a crash.
    app.stop();

    set_mode(&data, 0o755);
    for file in &files {
        set_mode(file, 0o644);
    }
    let app = TestApp::process(&db, &env).await;
    assert_eq!(mode(&data), 0o700, "data dir");
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    let log = plain(&app.output());
    for (path, was, now) in std::iter::once((&data, "0755", "0700")).chain(files.iter().map(|f| (f, "0644", "0600"))) {
        let said = log.lines().find(|l| l.contains("WARN") && l.contains("permissions tightened") && l.contains(&format!("path={} ", path.display())));
        let said = said.unwrap_or_else(|| panic!("nothing said of {}:\n{log}", path.display()));
        assert!(said.contains(&format!("was={was}")) && said.contains(&format!("now={now}")), "{said}");
    }
    // Everything still works with the narrowed files.
    app.signed_in_client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    app.stop();

    let app = TestApp::process(&db, &env).await;
    assert!(!app.output().contains("permissions tightened"), "the next start has nothing to narrow");
}
