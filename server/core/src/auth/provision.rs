//! The first host admin from the server's settings (`GATEHOUSE_ADMIN_EMAIL`
//! and `GATEHOUSE_ADMIN_PASSWORD(_FILE)`), made at a start instead of through
//! the setup link: for installs configured as code (an env file, a
//! Kubernetes secret), where nobody reads a log for a link.

use super::Auth;
use crate::audit::{self, Entry};
use crate::error::Result;
use crate::identity;
use crate::operator::Operator;
use shared::api::{ApiError, FieldErrors};
use shared::audit::AuditAction;
use shared::{EmailAddress, NewPassword, Role};

/// What a start did with the settings' admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAdmin {
    /// Made, with this id: the instance had no host admin.
    Created(i64),
    /// Nothing: host admins exist already. The settings never change a
    /// user that exists (their password is theirs to change).
    AlreadyThere,
}

/// Creates the host admin `email` with `password` when the instance has
/// none yet, audited with the actor `provisioning`. A 422 names `email` or
/// `password` when one is refused (the same rules as the setup page).
pub async fn first_admin(auth: &Auth, operator: &Operator, email: &str, password: &str) -> Result<FirstAdmin> {
    let mut fields = FieldErrors::default();
    let email = fields.check("email", EmailAddress::parse(email));
    let password = fields.check("password", NewPassword::parse(password));
    fields.into_result()?;
    let (email, password) = (email.expect("checked"), password.expect("checked"));
    if identity::host_admin_exists(auth.db.reads()).await? {
        return Ok(FirstAdmin::AlreadyThere);
    }
    // Hashed before the transaction: the storage rule keeps slow work outside it.
    let hash = auth.passwords.hash(password.expose()).await?;
    let mut tx = auth.db.begin().await?;
    let Ok(id) = identity::insert(&mut *tx, &email, Role::HostAdmin, None, Some(&hash), None).await? else {
        drop(tx);
        // Another instance, starting with the same settings, made it first.
        if identity::host_admin_exists(auth.db.reads()).await? {
            return Ok(FirstAdmin::AlreadyThere);
        }
        return Err(ApiError::new(shared::ErrorCode::Conflict, "a user with this email exists and is not a host admin")
            .with_field("email", "already in use by a user who is not a host admin; change their role in the console, or choose another address")
            .into());
    };
    audit::record(&mut *tx, Entry::new(operator.actor(), AuditAction::UserCreated).target(email.as_str()).detail("role host_admin, the first")).await?;
    tx.commit().await?;
    tracing::info!(user_id = id, "first host admin created from GATEHOUSE_ADMIN_EMAIL");
    Ok(FirstAdmin::Created(id))
}
