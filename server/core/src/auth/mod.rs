//! Who is calling: sign-in and sessions (cookie), bearer API tokens, the
//! first-run setup link, and the role checks every service applies.

pub mod caller;
pub mod service;
pub mod storage;

pub use caller::{authenticate, Caller};
