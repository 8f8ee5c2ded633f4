//! Types and validation that the dashboard (wasm32) and the server share.
//!
//! Everything here parses rather than validates: a value of these types is
//! known to be well-formed, whichever side of the wire built it.

pub mod account;
pub mod api;
pub mod audit;
pub mod backup;
pub mod delivery;
pub mod email;
pub mod integral;
pub mod invite;
pub mod language;
pub mod oauth;
pub mod outbox;
pub mod password;
pub mod role;
pub mod smtp;
pub mod text;
pub mod token;

pub use api::{ApiError, ErrorCode};
pub use email::EmailAddress;
pub use language::Language;
pub use password::NewPassword;
pub use role::Role;
