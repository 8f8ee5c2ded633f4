//! The HTTP surface: `/api/v1` (REST for the gateway backend and the
//! dashboard), `/api/fn` (server functions), health probes, and the dashboard's files.
//!
//! Each capability's REST routes are a file here, on top of that
//! capability's service: capabilities never import the HTTP layer.

mod accounts;
mod auth;
mod content_policy;
mod emails;
pub mod error;
mod extract;
mod guards;
mod health;
mod host;
mod invitations;
mod metrics;
pub mod openapi;
mod server_fns;
mod smtp;

pub use extract::JsonBody;

use axum::http::{header, HeaderValue};
use axum::Router;
use error::error_response;
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: AppState, dist_dir: &Path) -> Router {
    app::server_fns::register();
    let v1 = Router::new()
        .merge(auth::router())
        .merge(accounts::router())
        .merge(invitations::router())
        .merge(emails::router())
        .merge(host::router())
        .merge(smtp::router())
        .route("/openapi.json", axum::routing::get(openapi::document))
        .fallback(|| async { error_response(ApiError::new(ErrorCode::NotFound, "no such API route")) });

    let dashboard = ServeDir::new(dist_dir).fallback(ServeFile::new(dist_dir.join("index.html")));
    // Read once: the policy allows the built loader script by its hash, so a
    // dashboard rebuilt under a running server needs a restart.
    let index_html = std::fs::read_to_string(dist_dir.join("index.html")).ok();
    let policy = HeaderValue::from_str(&content_policy::policy(index_html.as_deref())).expect("the policy is ASCII");

    Router::new()
        .nest("/api/v1", v1)
        .route("/api/fn/{*name}", axum::routing::post(server_fns::handle))
        .merge(health::router())
        .route("/metrics", axum::routing::get(metrics::render))
        .fallback_service(dashboard)
        .layer(axum::middleware::from_fn(guards::check_storage_rule))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guards::refuse_foreign_origin))
        .layer(axum::middleware::from_fn(guards::json_errors_for_api))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(guards::panic_response))
        // Links carry secrets (setup, invitation and reset tokens): never leak them in Referer.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy))
        .with_state(state)
}
