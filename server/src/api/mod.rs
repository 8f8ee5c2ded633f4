//! The HTTP surface: `/api/v1` (REST for the gateway backend and the
//! dashboard), `/api/fn` (server functions), health probes, and the dashboard's files.
//!
//! Each capability's REST routes are a file here, on top of that
//! capability's service: capabilities never import the HTTP layer.

mod accounts;
mod auth;
mod backups;
pub mod client_ip;
mod content_policy;
pub(crate) mod dashboard;
mod delivery;
mod emails;
pub mod error;
mod extract;
mod guards;
mod health;
mod host;
mod invitations;
pub mod metrics;
pub mod observe;
pub mod openapi;
mod paging;
mod server_fns;
mod smtp;
mod tokens;

use axum::http::{header, HeaderValue};
use axum::Router;
use error::error_response;
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Every route, behind the guards. `bound` is the listening address, one of
/// the names requests may be addressed to.
pub fn router(
    state: AppState,
    dashboard: Option<Arc<crate::dashboard::Dashboard>>,
    bound: SocketAddr,
    trusted_proxies: client_ip::TrustedProxies,
    access_log: observe::AccessLog,
) -> Router {
    app::server_fns::register();
    let v1 = Router::new()
        .merge(auth::router())
        .merge(accounts::router())
        .merge(backups::router())
        .merge(invitations::router())
        .merge(emails::router())
        .merge(delivery::router())
        .merge(host::router())
        .merge(smtp::router())
        .merge(tokens::router())
        .route("/openapi.json", axum::routing::get(openapi::document))
        .fallback(|| async { error_response(ApiError::new(ErrorCode::NotFound, "no such API route")) });

    // The policy allows the built loader script by its hash.
    let policy = HeaderValue::from_str(&content_policy::policy(dashboard.as_ref().map(|d| String::from_utf8_lossy(&d.index().raw)).as_deref()))
        .expect("the policy is ASCII");
    let dashboard_routes = match dashboard {
        Some(files) => Router::new().fallback(dashboard::files).with_state(files).layer(axum::middleware::from_fn(dashboard::cache_headers)),
        None => Router::new().fallback(dashboard::missing),
    };

    let known_hosts = guards::KnownHosts::new(&state.public_url, bound);
    let mut router = Router::new()
        .nest("/api/v1", v1)
        .route("/api/fn/{*name}", axum::routing::post(server_fns::handle))
        .merge(health::router())
        .route("/metrics", axum::routing::get(metrics::render))
        .merge(dashboard_routes)
        .layer(axum::middleware::from_fn(guards::check_storage_rule))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guards::audit_refusals))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guards::refuse_foreign_origin))
        .layer(axum::middleware::from_fn(guards::json_errors_for_api))
        .layer(axum::middleware::from_fn(guards::no_store_for_api))
        .layer(axum::middleware::from_fn_with_state(known_hosts, guards::refuse_unknown_host))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(guards::panic_response))
        // Outside everything that can answer, so each answer is logged and counted with its ID.
        .layer(axum::middleware::from_fn_with_state(access_log, observe::observe))
        .layer(axum::middleware::from_fn(client_ip::resolve))
        .layer(axum::Extension(trusted_proxies))
        // Links carry secrets (setup, invitation and reset tokens): never leak them in Referer.
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy));
    if state.public_url.is_https() {
        // Served over https (TLS ends in front of us): browsers keep to https for a year.
        router = router.layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000")));
    }
    router.with_state(state)
}
