//! Users and accounts: who exists on the instance, in which role and account.

pub mod routes;
pub mod service;
pub mod storage;

pub use storage::User;
