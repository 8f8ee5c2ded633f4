//! Serving the dashboard's files (`crate::dashboard`): precompressed and cached.
//!
//! `make dashboard` writes a brotli (`.br`) and a gzip (`.gz`) copy beside
//! each file (scripts/precompress); the one the browser's `Accept-Encoding`
//! prefers is sent, so a cold load costs the brotli size, not the raw one.
//! Trunk names the wasm, the loader script and the stylesheet after a hash of
//! their contents: such a name never gets other bytes, so browsers may keep
//! it for a year without asking. `index.html` (also the answer for the
//! dashboard's own routes, like `/signin`) names the current hashes, so it is
//! checked on every load (`no-cache`).

use crate::dashboard::{Asset, Dashboard};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The dashboard's files by path, `index.html` for any other path (the
/// dashboard's own routes), each in the best precompressed form the
/// browser accepts, with an ETag so that `no-cache` costs a 304.
pub async fn files(State(dashboard): State<Arc<Dashboard>>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")]).into_response();
    }
    let path = req.uri().path().trim_start_matches('/');
    let asset = dashboard.get(path).unwrap_or_else(|| dashboard.index());
    answer(asset, req.headers())
}

fn answer(asset: &Asset, request: &HeaderMap) -> Response {
    let accepted = Accepted::from(request);
    let (body, encoding) = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepted.brotli => (br.clone(), Some("br")),
        (_, Some(gz)) if accepted.gzip => (gz.clone(), Some("gzip")),
        _ => (asset.raw.clone(), None),
    };
    // Each form is its own representation: a cache must not answer a
    // gzip-only client's If-None-Match with the brotli one's tag.
    let etag = format!("\"{}{}\"", asset.tag, encoding.map(|e| format!("-{e}")).unwrap_or_default());
    let mut res = if if_none_match(request, &etag) { StatusCode::NOT_MODIFIED.into_response() } else { Response::new(Body::from(body)) };
    let headers = res.headers_mut();
    if let Ok(tag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, tag);
    }
    if let Ok(kind) = HeaderValue::from_str(&asset.content_type) {
        headers.insert(header::CONTENT_TYPE, kind);
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    res
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag
    })
}

/// The precompressed forms `Accept-Encoding` allows (a `q=0` refuses one).
/// Brotli is preferred when both are: it is the smaller.
#[derive(Debug, Default, PartialEq)]
struct Accepted {
    brotli: bool,
    gzip: bool,
}

impl From<&HeaderMap> for Accepted {
    fn from(headers: &HeaderMap) -> Self {
        let mut accepted = Accepted::default();
        for item in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')) {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
            match coding.as_str() {
                "br" => accepted.brotli = !refused,
                "gzip" => accepted.gzip = !refused,
                _ => {}
            }
        }
        accepted
    }
}

/// What every dashboard path answers when this binary has no dashboard:
/// a page that says so, never a bare 404.
pub async fn missing() -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gatehouse: no dashboard</title></head>\
         <body><h1>No dashboard in this build</h1><p>{NO_DASHBOARD}</p></body></html>"
    );
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// Said at start and on every dashboard page by a binary without one.
pub const NO_DASHBOARD: &str = "This Gatehouse binary was built without its dashboard: only the REST API (/api/v1) is served. \
     Build it with `make release` (or `make run`), or set GATEHOUSE_DIST_DIR to a built dist/ folder.";

/// Caching and `Vary` for what `files` answers.
pub async fn cache_headers(req: Request, next: Next) -> Response {
    let fingerprinted = is_fingerprinted(req.uri().path());
    let mut res = next.run(req).await;
    // A missing asset is answered with the index (the fallback): only a real
    // hashed file may be kept for a year.
    let is_html = res.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let cache = if fingerprinted && res.status().is_success() && !is_html { "public, max-age=31536000, immutable" } else { "no-cache" };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The same URL answers in brotli, gzip or neither: caches must key on it.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// Whether the last part of `path` carries a content hash: lower-case hex
/// digits after a `-`, then `.` or `_` (`frontend-0123456789abcdef_bg.wasm`,
/// `main-0123456789abcdef.css`). Trunk writes its 64-bit hash without
/// leading zeros, so it may be shorter than 16 digits; below 12 (one build
/// in a million) the file is merely revalidated, never wrongly kept.
fn is_fingerprinted(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('-').skip(1).any(|part| {
        let digits = part.bytes().take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)).count();
        (12..=16).contains(&digits) && part[digits..].starts_with(['.', '_'])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trunks_hashed_names_are_fingerprinted() {
        assert!(is_fingerprinted("/frontend-0123456789abcdef_bg.wasm"));
        assert!(is_fingerprinted("/frontend-0123456789abcdef.js"));
        assert!(is_fingerprinted("/main-0123456789abcdef.css"));
        assert!(is_fingerprinted("/frontend-bfd6d1309355f0d.js"), "trunk drops a hash's leading zeros");
        assert!(!is_fingerprinted("/index.html"));
        assert!(!is_fingerprinted("/signin"));
        assert!(!is_fingerprinted("/users/0123456789abcdef.js"), "no `-` before the hash");
        assert!(!is_fingerprinted("/main-0123456789abcdeg.css"), "not hex");
        assert!(!is_fingerprinted("/main-0123456789abcdef0.css"), "longer than a hash");
        assert!(!is_fingerprinted("/main-abc.css"), "too short to be one");
        assert!(!is_fingerprinted("/main-0123456789ABCDEF.css"), "trunk's hashes are lower case");
    }

    fn request(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap())).collect()
    }

    #[test]
    fn accept_encoding_is_read_with_its_refusals() {
        let read = |v: &str| Accepted::from(&request(&[(header::ACCEPT_ENCODING, v)]));
        assert_eq!(read("gzip, deflate, br, zstd"), Accepted { brotli: true, gzip: true });
        assert_eq!(read("gzip;q=1.0, br;q=0"), Accepted { brotli: false, gzip: true });
        assert_eq!(read("BR; q=0.5"), Accepted { brotli: true, gzip: false });
        assert_eq!(read("identity"), Accepted::default());
        assert_eq!(Accepted::from(&HeaderMap::new()), Accepted::default());
    }

    #[test]
    fn if_none_match_names_the_tag_among_others() {
        assert!(if_none_match(&request(&[(header::IF_NONE_MATCH, "\"x\", \"abc-br\"")]), "\"abc-br\""));
        assert!(if_none_match(&request(&[(header::IF_NONE_MATCH, "W/\"abc\"")]), "\"abc\""));
        assert!(if_none_match(&request(&[(header::IF_NONE_MATCH, "*")]), "\"abc\""));
        assert!(!if_none_match(&request(&[(header::IF_NONE_MATCH, "\"abc\"")]), "\"abc-br\""));
    }
}
