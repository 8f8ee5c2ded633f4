//! Users and accounts: who exists on the instance, in which role and account.

pub mod invitations;
pub mod links;
pub mod mailing;
pub mod resets;
pub mod service;

pub use crate::identity::User;
