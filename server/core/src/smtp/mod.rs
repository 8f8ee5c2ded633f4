//! SMTP configuration: save, enable/disable, and "Send test email".
//!
//! `service` is the one place these operations happen (REST routes and the
//! dashboard's server functions both call it); `relay` turns a stored
//! configuration into what lettre needs; `connect` opens a session with it
//! (for the test send and for delivery); `probe` runs the staged test send;
//! `seal` keeps the relay password encrypted at rest.

pub mod connect;
pub mod probe;
pub mod relay;
pub mod seal;
pub mod service;
pub mod storage;
