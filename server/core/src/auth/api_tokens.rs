//! Host settings → API tokens: list, create (the secret shown once), revoke.
//! For host admins, behind the REST routes, the server functions and the CLI.
//! A token acts as the user who created it; it stops working when revoked,
//! when it expires, when that user's password is reset or changed, or when
//! the user is disabled. Only a signed-in session creates one: a token
//! cannot mint tokens, so a leaked token cannot outlive its own revocation.

use super::{storage, Auth, HostAdmin};
use crate::audit::{self, Actor, Entry};
use crate::error::{Failure, Result};
use crate::identity::User;
use crate::operator::Operator;
use crate::storage::{now, Db};
use crate::tokens;
use shared::api::ErrorCode;
use shared::audit::AuditAction;
use shared::token::{ApiTokenRequest, ApiTokenSummary, CreatedApiToken, NewApiToken};

pub async fn list(auth: &Auth, _admin: HostAdmin<'_>) -> Result<Vec<ApiTokenSummary>> {
    every_token(&auth.db).await
}

/// A new token acting as the admin, who must have signed in with a password.
pub async fn create(auth: &Auth, admin: HostAdmin<'_>, req: &NewApiToken) -> Result<CreatedApiToken> {
    admin.require_session("creating an API token")?;
    let req = req.parse()?;
    let created = mint_for(&auth.db, &admin.user, &req).await?;
    audit_created(&auth.db, admin.actor(), &created).await?;
    tracing::info!(by = %admin.user.email, id = created.id, name = %created.name, expires_at = ?created.expires_at, "API token created");
    Ok(created)
}

pub(crate) async fn audit_created(db: &Db, actor: Actor<'_>, created: &CreatedApiToken) -> Result<()> {
    let lifetime = created.expires_at.map_or_else(|| "no expiry".to_owned(), |at| format!("expires in {} days", (at - created.created_at) / (24 * 3600)));
    let detail = format!("token {}, as {}, {lifetime}", created.id, created.owner);
    audit::record(db.writes(), Entry::new(actor, AuditAction::TokenCreated).target(&created.name).detail(&detail)).await
}

/// Revokes a token at once: its next request gets 401.
pub async fn revoke(auth: &Auth, admin: HostAdmin<'_>, id: i64) -> Result<()> {
    revoke_as(&auth.db, admin.actor(), id).await?;
    tracing::info!(by = %admin.user.email, id, "API token revoked");
    Ok(())
}

async fn revoke_as(db: &Db, actor: Actor<'_>, id: i64) -> Result<()> {
    let name = storage::delete_api_token(db.writes(), id).await?.ok_or_else(|| Failure::new(ErrorCode::NotFound, "no such token"))?;
    let detail = format!("token {id}");
    audit::record(db.writes(), Entry::new(actor, AuditAction::TokenRevoked).target(&name).detail(&detail)).await
}

pub(crate) async fn mint_for(db: &Db, owner: &User, req: &ApiTokenRequest) -> Result<CreatedApiToken> {
    let minted = tokens::mint(tokens::API_TOKEN_PREFIX);
    let created_at = now();
    let expires_at = req.expires_in_days.map(|days| created_at + days * 24 * 3600);
    let id = storage::insert_api_token(db.writes(), &minted.hash, owner.id, &req.name, created_at, expires_at).await?;
    Ok(CreatedApiToken { id, token: minted.secret, name: req.name.clone(), owner: owner.email.to_string(), created_at, expires_at })
}

/// Every token, for the operator's CLI (no caller: whoever can read the database is the operator).
pub async fn list_for_operator(db: &Db, _operator: &Operator) -> Result<Vec<ApiTokenSummary>> {
    every_token(db).await
}

async fn every_token(db: &Db) -> Result<Vec<ApiTokenSummary>> {
    Ok(storage::list_api_tokens(db.reads())
        .await?
        .into_iter()
        .map(|t| ApiTokenSummary { id: t.id, name: t.name, owner: t.owner, created_at: t.created_at, last_used_at: t.last_used_at, expires_at: t.expires_at })
        .collect())
}

/// Revokes a token from the operator's CLI (audited as `cli`).
pub async fn revoke_for_operator(db: &Db, operator: &Operator, id: i64) -> Result<()> {
    revoke_as(db, operator.actor(), id).await
}
