//! Lists each engine's migrations for `storage::migrations`, which says why
//! they are not embedded with sqlx's `migrate!`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for (name, dir) in [("SQLITE", "migrations/sqlite"), ("POSTGRES", "migrations/postgres")] {
        // A directory: cargo reruns this when a file in it is added, removed or changed.
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<PathBuf> = fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("reading {dir}: {e}"))
            .map(|entry| entry.unwrap_or_else(|e| panic!("reading {dir}: {e}")).path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
            .collect();
        files.sort();
        writeln!(code, "/// `{dir}`: each file's name and text, in order.").unwrap();
        writeln!(code, "pub(super) const {name}: &[(&str, &str)] = &[").unwrap();
        for path in &files {
            let file_name = path.file_name().and_then(|n| n.to_str()).expect("migration file names are UTF-8");
            writeln!(code, "    ({file_name:?}, include_str!({:?})),", path.display().to_string()).unwrap();
        }
        writeln!(code, "];").unwrap();
    }
    let out = Path::new(&env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
