//! Lists come a page at a time (`shared::api::PAGE_DEFAULT` rows, at most
//! `PAGE_MAX`), each page starting after the previous one's last row (a
//! cursor), so a page costs the same however deep it is.

use crate::error::Result;
use shared::api::{ApiError, PAGE_DEFAULT, PAGE_MAX};

/// The page size asked for, or 422 naming `limit`.
pub fn size(limit: Option<i64>) -> Result<i64> {
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if (1..=PAGE_MAX).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::validation("the page size needs fixing").with_field("limit", format!("from 1 to {PAGE_MAX}")).into())
    }
}

/// A search term, filter or cursor as sent, or 422 naming `field`: bounded,
/// and without control characters (PostgreSQL refuses a NUL byte in text).
pub fn text(field: &str, value: Option<&str>) -> Result<()> {
    match value.map(shared::text::check_query) {
        Some(Err(why)) => Err(ApiError::validation("a search or cursor needs fixing").with_field(field, why).into()),
        _ => Ok(()),
    }
}

/// Rows fetched with one more than `limit`: the page, and whether another follows.
pub fn split<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    (rows, more)
}
