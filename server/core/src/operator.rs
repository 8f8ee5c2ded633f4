//! The operator: whoever runs `gatehouse` on the machine with its data dir
//! and database in reach. The few operations no signed-in caller makes
//! (creating users and tokens from the command line, the setup link,
//! starting the background work) take an `Operator` instead of a `Caller`.
//!
//! Only the binary's entry points build one: `server/src/cli.rs` for a
//! command and `server/src/startup.rs` for what a start does. It is another
//! crate, so the compiler cannot confine the constructors there;
//! `server/tests/it/architecture.rs` does, reading the sources, and fails
//! when any other file (a REST handler, a server function) names them.

use crate::audit::Actor;

/// Proof that the operation runs for the operator, not for a request.
/// Neither `Clone` nor `Default`: each entry point makes its own.
#[derive(Debug)]
pub struct Operator {
    door: Door,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    CommandLine,
    StartUp,
}

impl Operator {
    /// `gatehouse <command>`: audited as `cli`.
    pub fn at_the_command_line() -> Self {
        Self { door: Door::CommandLine }
    }

    /// What `gatehouse serve` does as it starts: the setup link, the
    /// background tasks, settings provisioned from the environment.
    pub fn at_start_up() -> Self {
        Self { door: Door::StartUp }
    }

    /// Who this is, for the audit log.
    pub(crate) fn actor(&self) -> Actor<'static> {
        match self.door {
            Door::CommandLine => Actor::cli(),
            Door::StartUp => Actor::provisioning(),
        }
    }
}
