//! Browser entry point. Trunk builds this crate for wasm32 (see Trunk.toml).

#[cfg(target_arch = "wasm32")]
fn main() {
    std::panic::set_hook(Box::new(on_panic));
    leptos::mount::mount_to_body(app::App);
}

/// How wasm_split_helpers panics when a page's module cannot be loaded.
#[cfg(target_arch = "wasm32")]
const SPLIT_LOAD_FAILED: &str = "load callback should succeed";
/// When this tab last reloaded for that reason (sessionStorage, ms since the epoch).
#[cfg(target_arch = "wasm32")]
const RELOADED_AT: &str = "gatehouse.reloaded-for-modules-at";

/// Logs every panic to the browser console. A page's code that failed to
/// load (most often: Gatehouse was updated while this console stayed open,
/// and the old build's modules are gone) also loads the console again, from
/// the current build, on the same address. At most once a minute, so that a
/// server that cannot serve the modules does not make the tab reload forever.
#[cfg(target_arch = "wasm32")]
fn on_panic(info: &std::panic::PanicHookInfo) {
    console_error_panic_hook::hook(info);
    if !info.to_string().contains(SPLIT_LOAD_FAILED) {
        return;
    }
    let Some(window) = web_sys::window() else { return };
    // Whole milliseconds: parsing and printing an f64 would add 35 KB to the wasm.
    let now = js_sys::Date::now() as u64;
    let storage = window.session_storage().ok().flatten();
    let last = storage.as_ref().and_then(|s| s.get_item(RELOADED_AT).ok().flatten()).and_then(|at| at.parse::<u64>().ok());
    if last.is_some_and(|at| now.saturating_sub(at) < 60_000) {
        return;
    }
    if let Some(storage) = &storage {
        let _ = storage.set_item(RELOADED_AT, &now.to_string());
    }
    let _ = window.location().reload();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("frontend is built for the browser: run `make run` or `trunk build`.");
}
