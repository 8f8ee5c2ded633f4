//! The dashboard's files (dist/, built by trunk): precompressed and cached.
//!
//! `make dashboard` writes a brotli (`.br`) and a gzip (`.gz`) copy beside
//! each file (scripts/precompress); the one the browser's `Accept-Encoding`
//! prefers is sent, so a cold load costs the brotli size, not the raw one.
//! Trunk names the wasm, the loader script and the stylesheet after a hash of
//! their contents: such a name never gets other bytes, so browsers may keep
//! it for a year without asking. `index.html` (also the answer for the
//! dashboard's own routes, like `/signin`) names the current hashes, so it is
//! checked on every load (`no-cache`).

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};

/// The files in `dist_dir`, the index for any other path (the dashboard's
/// routes), each in the best precompressed form the browser accepts.
pub fn files(dist_dir: &Path) -> ServeDir<ServeFile> {
    let index = ServeFile::new(dist_dir.join("index.html")).precompressed_br().precompressed_gzip();
    ServeDir::new(dist_dir).precompressed_br().precompressed_gzip().fallback(index)
}

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
    use super::is_fingerprinted;

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
}
