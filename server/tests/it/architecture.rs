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
