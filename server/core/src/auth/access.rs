//! The checked handles: what a privileged operation takes instead of a bare
//! `Caller`. A handle is made only by the check that grants it (its field is
//! private), so an operation that takes one cannot be reached by a door that
//! forgot to ask (lldap's `get_admin_handler`, in types). The doors ask
//! with `caller.host_admin()?` or `caller.manager()?` and get a 403 when the
//! role does not allow it.

use super::caller::{Caller, Scope};
use crate::error::Result;
use shared::ApiError;

/// A caller who is a host admin: host settings (SMTP, tokens, accounts,
/// the audit log, email retries) take one.
#[derive(Debug, Clone, Copy)]
pub struct HostAdmin<'a>(&'a Caller);

/// A caller who manages users (host admins everyone, account admins their
/// own account's account roles), with the scope they manage: inviting,
/// links, changes and removals take one and stay inside its scope.
#[derive(Debug, Clone, Copy)]
pub struct Manager<'a> {
    caller: &'a Caller,
    scope: Scope,
}

impl Caller {
    /// A host admin's handle; 403 for every other role, whatever the door.
    pub fn host_admin(&self) -> Result<HostAdmin<'_>> {
        if self.user.role.can_manage_host() {
            Ok(HostAdmin(self))
        } else {
            Err(ApiError::forbidden().into())
        }
    }

    /// A user manager's handle, with the scope they manage; 403 for host
    /// users and account users.
    pub fn manager(&self) -> Result<Manager<'_>> {
        Ok(Manager { caller: self, scope: self.manages()? })
    }
}

impl Manager<'_> {
    /// Whose users this manager may act on.
    pub(crate) fn scope(self) -> Scope {
        self.scope
    }
}

// Who holds the handle (for the audit log, say) reads through to the caller.
impl std::ops::Deref for HostAdmin<'_> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        self.0
    }
}

impl std::ops::Deref for Manager<'_> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        self.caller
    }
}
