//! Middleware that holds for every route.

use super::error::error_response;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_core::public_url::PublicUrl;
use gatehouse_core::state::AppState;
use shared::api::{ApiError, ErrorCode};
use std::net::SocketAddr;
use std::sync::Arc;

/// Refuses state-changing requests sent by a page of another origin (CSRF).
///
/// Browsers always send `Origin` on cross-origin POST/PUT/DELETE; it must be
/// the console's public URL or the host the request was addressed to (which
/// [`refuse_unknown_host`] has already checked). A request that carries the
/// session cookie must also *prove* it is same-origin, with that `Origin` or
/// `Sec-Fetch-Site: same-origin`: a cookie is sent by the browser on its own,
/// so it says nothing about who wrote the request. Bearer-token requests (the
/// gateway backend) and requests with no credentials are exempt.
pub async fn refuse_foreign_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return next.run(req).await;
    }
    let headers = req.headers();
    let same_origin = match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().unwrap_or_default();
            let same_host = authority(&req)
                .is_some_and(|host| origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).is_some_and(|o| o.eq_ignore_ascii_case(host)));
            if origin != state.public_url.origin() && !same_host {
                return error_response(ApiError::new(ErrorCode::Forbidden, "cross-origin request refused"));
            }
            true
        }
        None => headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"same-origin"),
    };
    let bearer = headers.contains_key(header::AUTHORIZATION);
    if !same_origin && !bearer && state.auth.cookie.find(headers).is_some() {
        return error_response(ApiError::new(
            ErrorCode::Forbidden,
            "a request signed in by cookie must come from the console's own pages (send Origin or Sec-Fetch-Site: same-origin)",
        ));
    }
    next.run(req).await
}

/// The names this console answers to (DNS-rebinding guard): the public URL's
/// host, the address it is bound to, and `localhost` when bound to loopback.
/// A page on an attacker's domain that resolves to this machine sends its own
/// name in `Host`, so it gets 421 instead of the console.
#[derive(Clone)]
pub struct KnownHosts(Arc<Vec<String>>);

impl KnownHosts {
    pub fn new(public_url: &PublicUrl, bound: SocketAddr) -> Self {
        let mut names = vec![bound.to_string()];
        if bound.ip().is_loopback() {
            names.push(format!("localhost:{}", bound.port()));
        }
        if let Ok(url) = url::Url::parse(public_url.as_str()) {
            if let Some(host) = url.host_str() {
                match url.port() {
                    Some(port) => names.push(format!("{host}:{port}")),
                    None => {
                        // Browsers leave the scheme's default port out of Host; a proxy may not.
                        names.push(host.to_owned());
                        names.push(format!("{host}:{}", url.port_or_known_default().unwrap_or(80)));
                    }
                }
            }
        }
        Self(Arc::new(names.into_iter().map(|n| n.to_ascii_lowercase()).collect()))
    }

    fn knows(&self, authority: &str) -> bool {
        self.0.iter().any(|n| n.eq_ignore_ascii_case(authority))
    }
}

/// 421 for a request addressed to a name this console does not answer to.
/// The health probes are exempt: a load balancer or orchestrator calls them by address.
pub async fn refuse_unknown_host(State(known): State<KnownHosts>, req: Request, next: Next) -> Response {
    let probe = matches!(req.uri().path(), "/healthz" | "/readyz");
    if !probe && !authority(&req).is_some_and(|a| known.knows(a)) {
        return error_response(ApiError::new(
            ErrorCode::MisdirectedRequest,
            "this console does not answer to that host name; use its public URL (GATEHOUSE_PUBLIC_URL)",
        ));
    }
    next.run(req).await
}

/// The host (and port) a request was addressed to: HTTP/2's authority, or HTTP/1's `Host`.
fn authority(req: &Request) -> Option<&str> {
    req.uri().authority().map(|a| a.as_str()).or_else(|| req.headers().get(header::HOST).and_then(|h| h.to_str().ok()))
}

/// Answers under `/api/` are for one caller at one moment: no cache (a
/// shared proxy, or the browser's back button) keeps a copy.
pub async fn no_store_for_api(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut res = next.run(req).await;
    if is_api {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A signed-in caller refused (403) what they asked is written to the audit
/// log (`access_denied`, with the method and path), whichever door refused:
/// a REST route or a server function.
pub async fn audit_refusals(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let context = req.extensions().get::<gatehouse_core::auth::RequestContext>().cloned();
    let asked: String = format!("{} {}", req.method(), req.uri().path()).chars().take(200).collect();
    let res = next.run(req).await;
    if res.status() == axum::http::StatusCode::FORBIDDEN {
        if let Some(caller) = context.as_ref().and_then(|c| c.caller()) {
            if let Err(e) = gatehouse_core::auth::service::record_refusal(&state.auth, caller, &asked).await {
                tracing::warn!(error = %e.0, "could not audit a refused request");
            }
        }
    }
    res
}

/// Every request runs with the storage rule checked (`storage::rule`).
pub async fn check_storage_rule(req: Request, next: Next) -> Response {
    gatehouse_core::storage::rule::scope(next.run(req)).await
}

/// A handler that panicked (a bug: the storage rule broken, say) answers 500
/// in the usual error shape, and the panic is logged, instead of the
/// connection being dropped without a word.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied()).unwrap_or("a panic");
    tracing::error!(panic = what, "request handler panicked");
    error_response(ApiError::new(ErrorCode::Internal, "something went wrong on our side; it has been logged"))
}

/// Whatever produced an error under `/api/` (a wrong method, an unparsable
/// path, a body over the size limit), the caller gets the JSON error shape.
pub async fn json_errors_for_api(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !is_api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let code = match status.as_u16() {
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::Validation,
        500..=599 => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    let message = status.canonical_reason().unwrap_or("request refused").to_lowercase();
    let mut out = error_response(ApiError::new(code, message));
    *out.status_mut() = status;
    out
}
