//! The Gatehouse dashboard: pages, components, the router, and the server
//! functions the pages call. Compiled with `csr` for the browser (through the
//! `frontend` crate) and with `ssr` inside the server, where only the server
//! functions' bodies run. Nothing here touches a database or a socket: on the
//! server, a server function's body calls the service in `gatehouse-core`
//! (the same one the REST API calls) with the caller [`backend::caller`]
//! authenticates.

pub mod client;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod backend;

pub use pages::App;
