//! Gatehouse's storage and services, with no transport in them: the REST
//! API, the dashboard's server functions (in `app`, under its `ssr`
//! feature) and the CLI all call the same functions here, which check the
//! caller's role themselves. See ARCHITECTURE.md for the layers.
//!
//! Capabilities: `auth` (sign-in, sessions, tokens, who is calling),
//! `identity` (the users and accounts rows), `users` (invitations, resets,
//! accounts), `smtp` (the relay configuration and the test send), `outbox`
//! (the queue and its delivery worker), `delivery` (delivery health and its
//! alerts) and `host`. Beneath them: `storage`
//! (and its rule), `state`, `maintenance`, `supervise`, `wake`, `operator`, `tokens`, `passwords`, `seal`,
//! `secret_key`, `owner_only`, `tls_roots`, `public_url`, `metrics` and `error`.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod delivery;
pub mod error;
pub mod host;
pub(crate) mod identity;
pub mod maintenance;
pub mod metrics;
pub mod operator;
pub mod outbox;
pub mod owner_only;
pub(crate) mod paging;
pub mod passwords;
pub mod public_url;
pub(crate) mod seal;
pub mod secret_key;
pub mod smtp;
pub mod state;
pub mod storage;
pub mod supervise;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod tls_roots;
pub mod tokens;
pub mod users;
pub(crate) mod wake;
