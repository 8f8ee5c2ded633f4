//! `GET /api/v1/openapi.json`: the REST API described from the handlers'
//! own annotations and the shared types, so it cannot drift from the code.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse", description = "The host console's REST API, for the gateway backend."),
    paths(
        crate::auth::routes::sign_in,
        crate::auth::routes::sign_out,
        crate::auth::routes::me,
        crate::auth::routes::setup_status,
        crate::auth::routes::complete_setup,
        crate::users::routes::list_users,
        crate::users::routes::list_accounts,
        crate::users::routes::create_account,
        crate::users::routes::rename_account,
        crate::users::invitation_routes::invite,
        crate::users::invitation_routes::regenerate,
        crate::users::invitation_routes::invitation_status,
        crate::users::invitation_routes::accept,
        crate::users::invitation_routes::admin_reset_link,
        crate::users::invitation_routes::forgot,
        crate::users::invitation_routes::reset_status,
        crate::users::invitation_routes::reset,
        crate::outbox::routes::list,
        crate::outbox::routes::retry,
        crate::outbox::routes::discard,
        crate::host::get_host,
        crate::smtp::routes::get_settings,
        crate::smtp::routes::save,
        crate::smtp::routes::enable,
        crate::smtp::routes::disable,
        crate::smtp::routes::test,
        crate::smtp::routes::audit_log,
    ),
    modifiers(&Credentials)
)]
pub struct ApiDoc;

/// Bearer tokens (`gatehouse token create`) and the dashboard's session cookie.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("ght_…").build()));
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("gh_session"))));
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
