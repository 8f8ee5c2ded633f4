//! What an operator reads of each request: its ID, an access log line, and
//! the HTTP metrics.
//!
//! Every request gets an ID: the caller's `X-Request-Id` when it sends a sane
//! one (1 to 64 of `A-Z a-z 0-9 . _ -`), otherwise a new one. The answer
//! carries it back in `X-Request-Id`, every log line written while serving
//! the request carries it (a `request` span), and a 5xx error's body carries
//! it as `error.request_id`, for the person reporting the problem to quote.
//!
//! The access log (`GATEHOUSE_ACCESS_LOG`, on by default) is one line per
//! request at info level, target `gatehouse::access`: method, route template,
//! status, duration, request ID and client address. Never the path itself
//! where it holds a secret (a link's token), nor any header: a route is its
//! template (`/api/v1/invitations/{token}`), and a dashboard path's
//! token-like segment is written `{token}`.

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use gatehouse_core::auth::RequestContext;
use gatehouse_core::metrics::METRICS;
use shared::api::ErrorEnvelope;
use std::time::Instant;
use tracing::Instrument;

const HEADER: &str = "x-request-id";

/// Whether the access log is written.
#[derive(Clone, Copy)]
pub struct AccessLog(pub bool);

pub async fn observe(State(log): State<AccessLog>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).filter(|v| is_sane(v)).map_or_else(new_id, str::to_owned);
    let method = req.method().clone();
    let route = route_of(&req);
    let client = req.extensions().get::<RequestContext>().map(|c| c.client);
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(HEADER, value);
    }
    let span = tracing::info_span!("request", request_id = %id);
    let mut res = next.run(req).instrument(span.clone()).await;
    if res.status().is_server_error() {
        res = with_request_id(res, &id).await;
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, value);
    }
    let took = started.elapsed();
    let status = res.status().as_u16();
    METRICS.http_request(&route, &method, status, took);
    if log.0 {
        span.in_scope(|| {
            tracing::info!(
                target: "gatehouse::access",
                method = %method,
                route = %route,
                status,
                duration_ms = took.as_secs_f64() * 1000.0,
                client = %client.map(|c| c.to_string()).unwrap_or_default(),
                "{method} {route} {status}"
            )
        });
    }
    res
}

/// 1 to 64 characters a log line, a header and a support ticket all carry safely.
fn is_sane(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// 128 random bits, hex.
fn new_id() -> String {
    gatehouse_core::tokens::random_hex(16)
}

/// The route's template when a route matched; for the dashboard's files and
/// pages, the path with any token-like segment written `{token}`.
fn route_of(req: &Request) -> String {
    if let Some(matched) = req.extensions().get::<MatchedPath>() {
        return matched.as_str().to_owned();
    }
    let path = req.uri().path();
    if path.starts_with("/api/") {
        return "/api/{unmatched}".to_owned();
    }
    path.split('/').map(|segment| if gatehouse_core::tokens::looks_valid(segment, "") { "{token}" } else { segment }).collect::<Vec<_>>().join("/")
}

/// A 5xx error's JSON body, with the request's ID in it.
async fn with_request_id(res: Response, id: &str) -> Response {
    let is_json = res.headers().get(axum::http::header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    if !is_json {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut envelope) = serde_json::from_slice::<ErrorEnvelope>(&bytes) else { return Response::from_parts(parts, Body::from(bytes)) };
    envelope.error.request_id = Some(id.to_owned());
    let body = serde_json::to_vec(&envelope).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_request_ids_are_taken() {
        assert!(is_sane("abc-123_x.y"));
        assert!(!is_sane(""));
        assert!(!is_sane(&"a".repeat(65)));
        assert!(!is_sane("a b"));
        assert!(!is_sane("a\nb"));
        assert_eq!(new_id().len(), 32);
    }
}
