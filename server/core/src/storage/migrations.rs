//! The schema's migrations, compiled into the binary.
//!
//! Not with sqlx's `migrate!`: that procedural macro builds sqlx's drivers,
//! and SQLite's C, a second time for the compiler itself, which a fresh
//! build paid for in CPU time and nothing else (BENCHMARKS.md, "Fresh
//! machine"). The build script (`build.rs`) lists each engine's folder; this
//! module reads the list with sqlx's rules for a migration's file name, and
//! its test holds the result to what sqlx's own resolver reads from the
//! folders, checksums included: a database migrated by an older build
//! (through `migrate!`) must find the same migrations here.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};

use super::Engine;

mod files {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// One engine's migrations, as the build script listed them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Embedded(&'static [(&'static str, &'static str)]);

impl Embedded {
    pub(super) fn of(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => Self(files::SQLITE),
            Engine::Postgres => Self(files::POSTGRES),
        }
    }

    /// Each file as sqlx reads one: `<VERSION>_<DESCRIPTION>.sql`, the
    /// description with spaces for underscores, `-- no-transaction` on the
    /// first line to run outside a transaction; in the order of the versions.
    fn migrations(self) -> Result<Vec<Migration>, String> {
        let mut migrations = self
            .0
            .iter()
            .map(|&(file_name, sql)| {
                let (version, rest) = file_name.split_once('_').ok_or_else(|| format!("{file_name}: no `_` after the version"))?;
                let version: i64 = version.parse().map_err(|_| format!("{file_name}: the version is not a number"))?;
                let migration_type = MigrationType::from_filename(rest);
                let description = rest.trim_end_matches(migration_type.suffix()).replace('_', " ");
                let no_tx = sql.starts_with("-- no-transaction");
                Ok(Migration::new(version, Cow::Owned(description), migration_type, Cow::Borrowed(sql), no_tx))
            })
            .collect::<Result<Vec<_>, String>>()?;
        migrations.sort_by_key(|m| m.version);
        Ok(migrations)
    }

    /// The migrator that brings a database of this engine up to date.
    pub(super) async fn migrator(self) -> Result<Migrator, MigrateError> {
        Migrator::new(self).await
    }

    /// The newest version in the list.
    pub(super) fn newest(self) -> i64 {
        self.migrations().ok().and_then(|m| m.last().map(|m| m.version)).unwrap_or_default()
    }
}

impl MigrationSource<'static> for Embedded {
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move { self.migrations().map_err(BoxDynError::from) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// What sqlx's own resolver reads from the folder (what `migrate!` embedded).
    async fn from_folder(dir: &str) -> Vec<Migration> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        Migrator::new(path.as_path()).await.expect("sqlx reads the folder").iter().cloned().collect()
    }

    #[tokio::test]
    async fn each_engine_has_the_migrations_sqlx_reads_from_its_folder() {
        for (engine, dir) in [(Engine::Sqlite, "migrations/sqlite"), (Engine::Postgres, "migrations/postgres")] {
            let embedded = Embedded::of(engine).migrations().expect("every file name parses");
            let expected = from_folder(dir).await;
            assert!(expected.len() >= 23, "{dir}: {} migrations", expected.len());
            let fields = |m: &Migration| (m.version, m.description.to_string(), m.migration_type, m.checksum.to_vec(), m.no_tx, m.sql.to_string());
            assert_eq!(embedded.iter().map(fields).collect::<Vec<_>>(), expected.iter().map(fields).collect::<Vec<_>>(), "{dir}");
        }
    }

    #[test]
    fn both_engines_have_the_same_steps() {
        let versions = |engine| Embedded::of(engine).migrations().unwrap().iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(Engine::Sqlite), versions(Engine::Postgres));
        assert_eq!(Embedded::of(Engine::Sqlite).newest(), *versions(Engine::Sqlite).last().unwrap());
    }

    #[test]
    fn a_file_name_without_a_numeric_version_is_refused() {
        assert!(Embedded(&[("first_step.sql", "SELECT 1")]).migrations().is_err());
        assert!(Embedded(&[("0001.sql", "SELECT 1")]).migrations().is_err());
    }
}
