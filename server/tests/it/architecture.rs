//! The server's layering, checked from its source: which top-level module
//! of `server/src` names which (`crate::x`), and that this graph has no
//! cycle and no capability reaching up into a transport. ARCHITECTURE.md
//! draws the same picture.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The doors onto the services: nothing beneath may import them.
const TRANSPORTS: [&str; 4] = ["api", "server_fns", "cli", "startup"];
const CAPABILITIES: [&str; 5] = ["auth", "identity", "users", "smtp", "outbox"];

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
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

#[test]
fn the_server_modules_form_no_cycle_and_capabilities_never_reach_up() {
    let graph = module_graph();
    assert!(graph.contains_key("storage") && graph.contains_key("api"), "read the source tree: {graph:?}");
    for capability in CAPABILITIES {
        let up: Vec<_> = graph[capability].iter().filter(|m| TRANSPORTS.contains(&m.as_str())).collect();
        assert!(up.is_empty(), "{capability} imports a transport: {up:?}");
    }
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
        visit(m, &graph, &mut Vec::new(), &mut done);
    }
}
