//! The Gatehouse dashboard: pages, components, the router, and the server
//! functions the pages call. Compiled with `csr` for the browser (through the
//! `frontend` crate) and with `ssr` inside the server, where only the server
//! functions' bodies run, so the server's build leaves the pages out (below).
//! Nothing here touches a database or a socket: on the server, a server
//! function's body calls the service in `gatehouse-core` (the same one the
//! REST API calls) with the caller [`backend::caller`] authenticates.

pub mod error;
pub mod server_fns;

// The pages, their texts and their REST client are the browser's. The
// server's build (`ssr`, without `test`) leaves them out: it runs only the
// server functions' bodies, and compiling every page's views for it made
// this the largest crate of the server's build, two minutes of a fresh
// machine's CPU more than without them (BENCHMARKS.md, "Fresh machine").
// This crate's own tests and clippy (`cfg(test)`) still compile them,
// whatever the features.
#[cfg(any(test, not(feature = "ssr")))]
pub mod client;
#[cfg(any(test, not(feature = "ssr")))]
pub mod i18n;
#[cfg(any(test, not(feature = "ssr")))]
pub mod pages;

#[cfg(feature = "ssr")]
pub mod backend;

#[cfg(any(test, not(feature = "ssr")))]
pub use pages::App;
