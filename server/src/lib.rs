//! The Gatehouse server, organised by capability: `auth` (sign-in, sessions,
//! tokens, first-run setup), `users` (users and accounts) and `smtp` (the
//! relay configuration and test send), each owning its
//! routes, service and storage; `api` assembles the REST surface and
//! `server_fns` is the dashboard's door onto the same services.

pub mod api;
pub mod auth;
pub mod cli;
pub mod configuration;
pub mod error;
pub mod host;
pub mod identity;
pub mod metrics;
pub mod outbox;
pub mod passwords;
pub mod secret_key;
pub mod server_fns;
pub mod smtp;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tls_roots;
pub mod tokens;
pub mod users;
pub mod wake;
