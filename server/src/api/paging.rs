//! Lists over REST stay JSON arrays; the next page's URL goes in a
//! `Link: <…>; rel="next"` header (RFC 8288), made from the public URL.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gatehouse_core::public_url::PublicUrl;
use serde::Serialize;

/// `items` as a JSON array; with `next`, the URL of the next page: `path`
/// with the same `filters`, `cursor=next` and `limit`.
pub fn page<T: Serialize>(items: Vec<T>, public_url: &PublicUrl, path: &str, filters: &[(&str, Option<String>)], next: Option<String>, limit: i64) -> Response {
    let mut res = Json(items).into_response();
    if let Some(cursor) = next {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in filters {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                query.append_pair(name, v);
            }
        }
        query.append_pair("cursor", &cursor).append_pair("limit", &limit.to_string());
        let link = format!("<{}>; rel=\"next\"", public_url.link(&format!("{}?{}", path.trim_start_matches('/'), query.finish())));
        if let Ok(value) = HeaderValue::from_str(&link) {
            res.headers_mut().insert(header::LINK, value);
        }
    }
    res
}
