//! Who a user is on the instance.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The four kinds of user. Host roles act on the whole instance; account
/// roles belong to one account.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    HostAdmin,
    HostUser,
    AccountAdmin,
    AccountUser,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::HostAdmin, Role::HostUser, Role::AccountAdmin, Role::AccountUser];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::HostAdmin => "host_admin",
            Role::HostUser => "host_user",
            Role::AccountAdmin => "account_admin",
            Role::AccountUser => "account_user",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Account roles only make sense together with an account.
    pub fn needs_account(self) -> bool {
        matches!(self, Role::AccountAdmin | Role::AccountUser)
    }

    /// Host settings (SMTP and the rest) are for host admins only.
    pub fn can_manage_host(self) -> bool {
        self == Role::HostAdmin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
