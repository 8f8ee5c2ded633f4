//! The Content-Security-Policy sent with every response.
//!
//! The dashboard is our own wasm and JavaScript, served from our own origin,
//! so the policy allows nothing else: no foreign scripts, styles, frames or
//! fetches, and no inline script except trunk's loader. That loader is an
//! inline `<script type="module">` whose text trunk writes at build time, so
//! it is allowed by its SHA-256 hash, read from the built `index.html` when
//! the server starts. An injected inline script has another hash and does not
//! run. `'wasm-unsafe-eval'` lets the browser compile the wasm module; it
//! does not allow `eval`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The policy for a dashboard whose built `index.html` is `index_html` (None
/// when no dashboard is built: the API alone needs no script at all).
pub fn policy(index_html: Option<&str>) -> String {
    let hashes: String = index_html
        .map(inline_scripts)
        .unwrap_or_default()
        .into_iter()
        .map(|text| format!(" 'sha256-{}'", BASE64.encode(Sha256::digest(text.as_bytes()))))
        .collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; img-src 'self'; font-src 'self'; \
         connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The text of every inline `<script>` (one without `src`), exactly as the
/// browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else { break };
        let open_tag = &after[..open_end];
        let body = &after[open_end + 1..];
        let Some(close) = body.find("</script>") else { break };
        if !open_tag.contains(" src=") {
            found.push(&body[..close]);
        }
        rest = &body[close..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head><script type="module" nonce="">import init from '/frontend.js';
init('/frontend_bg.wasm');</script><script src="/other.js"></script></head><body><script>alert(1)</script></body></html>"#;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        assert_eq!(inline_scripts(PAGE), vec!["import init from '/frontend.js';\ninit('/frontend_bg.wasm');", "alert(1)"]);
    }

    #[test]
    fn each_inline_script_is_allowed_by_its_hash_and_nothing_else_is_inline() {
        let p = policy(Some(PAGE));
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert!(p.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"), "{p}");
        assert!(!p.contains("unsafe-inline"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!policy(None).contains("sha256-"));
    }
}
