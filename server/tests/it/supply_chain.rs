//! CI's advisory check (`scripts/check-advisories`) fails when its RustSec
//! database is missing or more than 7 days old, unless the run says, with a
//! reason, that it goes without one on purpose; and then it says so loudly.
//! cargo-audit itself is stood in for (a `cargo` on PATH that records the
//! audit it was asked for): what is tested is the script's decision.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const OFFLINE: [(&str, &str); 2] =
    [("GATEHOUSE_ADVISORIES_OFFLINE", "1"), ("GATEHOUSE_ADVISORIES_OFFLINE_REASON", "this machine reaches only the package registries")];

struct Run {
    code: i32,
    output: String,
    audited: bool,
}

/// A machine with a stand-in cargo-audit, an unreachable upstream, and its database at [`Machine::db`].
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let cargo = bin.join("cargo");
        std::fs::write(&cargo, "#!/bin/sh\n[ \"$2\" = --version ] && { echo cargo-audit-audit 0.22.2; exit 0; }\necho \"AUDITED $*\"\n").unwrap();
        std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("advisory-db")
    }

    /// A database whose newest commit is `days` old.
    fn db_updated_days_ago(&self, days: u64) {
        let db = self.db();
        std::fs::create_dir_all(db.join("crates/some-crate")).unwrap();
        std::fs::write(db.join("crates/some-crate/RUSTSEC-0000-0000.md"), "an advisory").unwrap();
        let when = format!("{} +0000", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - days * 86400);
        let git = |args: &[&str]| {
            let out = Command::new("git").arg("-C").arg(&db).args(args).env("GIT_COMMITTER_DATE", &when).env("GIT_AUTHOR_DATE", &when).output().unwrap();
            assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "advisories"]);
    }

    fn check(&self, env: &[(&str, &str)]) -> Run {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/check-advisories");
        let path = format!("{}:/usr/local/bin:/usr/bin:/bin", self.dir.path().join("bin").display());
        let out = Command::new(script)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("GATEHOUSE_ADVISORY_DB", self.db())
            .env("GATEHOUSE_ADVISORY_UPSTREAM", self.dir.path().join("unreachable"))
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        Run { code: out.status.code().unwrap_or(-1), audited: output.contains("AUDITED audit --db"), output }
    }
}

#[test]
fn without_a_database_the_check_fails_unless_offline_is_said_with_a_reason() {
    let machine = Machine::new();
    let run = machine.check(&[]);
    assert_eq!((run.code, run.audited), (1, false), "{}", run.output);
    assert!(run.output.contains("ADVISORY CHECK FAILED"), "{}", run.output);

    let run = machine.check(&OFFLINE[..1]);
    assert_eq!(run.code, 2, "offline needs its reason: {}", run.output);

    let run = machine.check(&OFFLINE);
    assert_eq!((run.code, run.audited), (0, false), "{}", run.output);
    assert!(run.output.contains("ADVISORY CHECK NOT RUN") && run.output.contains(OFFLINE[1].1), "a loud banner with the reason: {}", run.output);
}

#[test]
fn a_database_older_than_a_week_fails_unless_offline_is_said() {
    let machine = Machine::new();
    machine.db_updated_days_ago(8);
    let run = machine.check(&[]);
    assert_eq!((run.code, run.audited), (1, false), "{}", run.output);
    assert!(run.output.contains("8 days old"), "{}", run.output);

    let run = machine.check(&OFFLINE);
    assert_eq!((run.code, run.audited), (0, true), "checked against the old database: {}", run.output);
    assert!(run.output.contains("OUT OF DATE") && run.output.contains(OFFLINE[1].1), "{}", run.output);
}

#[test]
fn a_current_database_is_checked_against() {
    let machine = Machine::new();
    machine.db_updated_days_ago(2);
    let run = machine.check(&[]);
    assert_eq!((run.code, run.audited), (0, true), "{}", run.output);
    assert!(!run.output.contains("####"), "no banner: {}", run.output);
}
