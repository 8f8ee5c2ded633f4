//! Browser entry point. Trunk builds this crate for wasm32 (see Trunk.toml).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("frontend is built for the browser: run `make run` or `trunk build`.");
}
