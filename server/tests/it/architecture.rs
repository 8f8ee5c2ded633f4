//! The layering, checked from the source: which top-level module names
//! which (`crate::x`) in `server/core/src` (storage and services), in
//! `server/src` (the transports) and in `app/src` (the dashboard), that no
//! graph has a cycle, and that the services' crate depends on no web
//! framework. ARCHITECTURE.md draws the same picture.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let src = src.to_path_buf();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            let module = relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let uses = graph.entry(module.clone()).or_default();
            for name in imported_modules(&text) {
                if name != module {
                    uses.insert(name);
                }
            }
        }
    }
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for uses in graph.values_mut() {
        uses.retain(|m| known.contains(m));
    }
    graph
}

/// `crate::x` and the names inside `use crate::{x, y::z}`.
fn imported_modules(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(inner.split(',').filter_map(|part| part.trim().split("::").next()).map(str::to_owned));
        } else {
            names.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

fn assert_no_cycle(graph: &BTreeMap<String, BTreeSet<String>>) {
    // Depth-first search for a cycle of any length.
    fn visit<'a>(m: &'a str, graph: &'a BTreeMap<String, BTreeSet<String>>, path: &mut Vec<&'a str>, done: &mut BTreeSet<&'a str>) {
        if done.contains(m) {
            return;
        }
        if let Some(at) = path.iter().position(|p| *p == m) {
            panic!("module cycle: {} -> {m}", path[at..].join(" -> "));
        }
        path.push(m);
        for next in &graph[m] {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(m);
    }
    let mut done = BTreeSet::new();
    for m in graph.keys() {
        visit(m, graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn the_services_and_the_transports_each_form_no_cycle() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let services = module_graph(&here.join("core/src"));
    assert!(services.contains_key("storage") && services.contains_key("users"), "read the services: {services:?}");
    assert_no_cycle(&services);
    let transports = module_graph(&here.join("src"));
    assert!(transports.contains_key("api") && transports.contains_key("cli"), "read the transports: {transports:?}");
    assert_no_cycle(&transports);
}

#[test]
fn the_dashboard_forms_no_cycle() {
    let dashboard = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"));
    assert!(dashboard.contains_key("pages") && dashboard.contains_key("server_fns"), "read the dashboard: {dashboard:?}");
    assert_no_cycle(&dashboard);
}

#[test]
fn the_services_depend_on_no_web_framework() {
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("core/Cargo.toml")).unwrap();
    let dependencies = &manifest[manifest.find("[dependencies]").unwrap()..];
    for framework in ["axum", "leptos", "tower", "hyper", "clap"] {
        assert!(!dependencies.lines().any(|l| l.trim_start().starts_with(framework)), "gatehouse-core depends on {framework}");
    }
}

/// The sending seam: only `smtp` talks to a relay. Everyone else (the
/// outbox worker above all) goes through `smtp::sender::Sender`, so a new
/// way out (Graph, a fallback relay) is a change inside `smtp` alone. The
/// modules named here are private to `smtp`, so the compiler refuses them
/// too; this says why, and catches one made public again.
#[test]
fn only_smtp_talks_to_a_relay() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let smtp = here.join("core/src/smtp");
    let forbidden = ["smtp::connect", "smtp::session", "smtp::relay", "smtp::probe", "AsyncSmtpConnection", "SmtpTransport"];
    let mut checked = 0;
    let mut stack = vec![here.join("core/src"), here.join("src"), here.join("../app/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path != smtp {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for name in forbidden {
                assert!(!text.contains(name), "{} names {name}: send through smtp::sender::Sender instead", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 50 && here.join("core/src/outbox/worker.rs").exists(), "read the sources: {checked} files");
}

/// The core's modules and whether each is reachable from outside the crate
/// (declared `pub mod` all the way down from `lib.rs`), by file.
fn public_core_files(core: &Path) -> BTreeMap<std::path::PathBuf, bool> {
    fn walk(file: &Path, public: bool, out: &mut BTreeMap<std::path::PathBuf, bool>) {
        out.insert(file.to_path_buf(), public);
        let text = std::fs::read_to_string(file).unwrap();
        // `foo.rs` and `foo/mod.rs` keep their children in `foo/`; lib.rs in its own dir.
        let dir = match file.file_name().unwrap().to_str().unwrap() {
            "lib.rs" | "mod.rs" => file.parent().unwrap().to_path_buf(),
            name => file.parent().unwrap().join(name.trim_end_matches(".rs")),
        };
        for line in text.lines() {
            let line = line.trim();
            let (child_public, rest) = if let Some(rest) = line.strip_prefix("pub mod ") {
                (true, rest)
            } else if let Some(rest) = line.strip_prefix("pub(crate) mod ").or_else(|| line.strip_prefix("mod ")) {
                (false, rest)
            } else {
                continue;
            };
            let Some(name) = rest.strip_suffix(';') else { continue }; // an inline `mod tests {`
            let child = [dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs")].into_iter().find(|p| p.exists());
            let child = child.unwrap_or_else(|| panic!("{}: module {name} has no file", file.display()));
            walk(&child, public && child_public, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&core.join("lib.rs"), true, &mut out);
    out
}

/// `pub fn` and `pub async fn` at the top of a file, with their parameters.
fn public_functions(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("\npub ") {
        let rest = &text[i + "\npub ".len()..];
        let Some(rest) = rest.strip_prefix("async fn ").or_else(|| rest.strip_prefix("fn ")) else { continue };
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        let open = rest.find('(').unwrap();
        let (mut depth, mut end) = (0, open);
        for (j, c) in rest[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth == 1 => {
                    end = open + j;
                    break;
                }
                ')' => depth -= 1,
                _ => {}
            }
        }
        found.push((name, rest[open + 1..end].to_owned()));
    }
    found
}

/// Access by construction (ARCHITECTURE.md, "Access"). From outside the
/// core, data is reachable only through operations that take who is
/// asking: a `Caller`, a checked handle it hands out (`HostAdmin`,
/// `Manager`), or the `Operator`. So the storage modules are private to the
/// core, and every public function that takes a capability's context or the
/// database takes one of those too, except the doors a link or a password
/// opens (listed here, with why). A new public operation without one fails
/// here, as a storage module made public again does.
#[test]
fn the_core_hands_out_data_only_to_whoever_is_asking() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/src");
    let files = public_core_files(&core);
    let private = [
        "identity.rs",
        "auth/storage.rs",
        "auth/throttle.rs",
        "outbox/storage.rs",
        "smtp/storage.rs",
        "delivery/storage.rs",
        "users/links.rs",
        "users/mailing.rs",
        "users/host_name.rs",
        "users/sender_policy.rs",
        "seal.rs",
    ];
    for name in private {
        assert_eq!(files.get(&core.join(name)), Some(&false), "{name} must be private to the core (pub(crate) mod): storage is reached through services");
    }
    let data = ["&Db", "db: Db", "&Users", "&Auth", "&Smtp", "&Outbox", "outbox: Outbox", "&Delivery", "delivery: Delivery", "Executor"];
    let asking = ["&Caller", "HostAdmin<", "Manager<", "&Operator", "operator::Operator"];
    // Opened by what the person brings (a password, a link's secret, a
    // session cookie), not by a caller: each checks that itself. And the
    // storage watch, which sits beneath the notion of a caller.
    let open_doors = [
        "auth/caller.rs authenticate",         // makes the Caller from a token or cookie
        "auth/caller.rs authenticate_request", // the same, noted in the request's context
        "auth/service.rs sign_in",             // a password
        "auth/service.rs sign_out",            // the session's own secret
        "auth/service.rs setup_status",        // the setup link's secret
        "auth/service.rs complete_setup",      // the setup link's secret
        "host.rs setup_page",                  // the setup link's secret (then only the host's name)
        "users/invitations.rs status",         // the invitation link's secret
        "users/invitations.rs accept",         // the invitation link's secret
        "users/resets.rs status",              // the reset link's secret
        "users/resets.rs reset",               // the reset link's secret
        "users/resets.rs forgot",              // answers the same whoever asks, and emails only the owner
        "storage/faults.rs spawn_watch",       // storage's own probe, beneath who is asking: writes only its probe row
    ];
    let mut open_seen = BTreeSet::new();
    let mut checked = 0;
    for (file, public) in &files {
        if !public {
            continue;
        }
        let relative = file.strip_prefix(&core).unwrap().to_string_lossy().into_owned();
        for (name, params) in public_functions(&std::fs::read_to_string(file).unwrap()) {
            if !data.iter().any(|d| params.contains(d)) {
                continue;
            }
            checked += 1;
            let door = format!("{relative} {name}");
            if open_doors.contains(&door.as_str()) {
                open_seen.insert(door);
                continue;
            }
            assert!(
                asking.iter().any(|a| params.contains(a)),
                "{door} reaches data for whoever calls it: take a Caller, a HostAdmin or Manager (caller.host_admin()?), or the Operator"
            );
        }
    }
    assert!(checked > 25, "read the core's operations: {checked}");
    let stale: Vec<_> = open_doors.iter().filter(|d| !open_seen.contains(**d)).collect();
    assert!(stale.is_empty(), "open doors that no longer exist (remove them here): {stale:?}");
}

/// Only the binary's entry points act as the operator: the command line
/// and start-up. A REST handler or a server function that built one would
/// skip every role check, so none may name the constructors.
#[test]
fn only_the_entry_points_build_an_operator() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let allowed = [here.join("src/cli.rs"), here.join("src/startup.rs")];
    let mut builders = Vec::new();
    let mut stack = vec![here.join("src"), here.join("../app/src"), here.join("core/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "operator.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if text.contains("Operator::at_") {
                    assert!(allowed.contains(&path), "{} builds an Operator: only cli.rs and startup.rs may", path.display());
                    builders.push(path);
                }
            }
        }
    }
    assert_eq!(builders.len(), 2, "the command line and start-up each build one: {builders:?}");
}
