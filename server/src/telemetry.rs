//! Logging, to stderr.
//!
//! - `GATEHOUSE_LOG` takes tracing's target syntax (`info`, `server=debug,sqlx=warn`).
//! - `GATEHOUSE_LOG_FORMAT`: `text` (the default: one readable line per event,
//!   coloured only when stderr is a terminal, so a file or a pipe gets no
//!   escape codes) or `json` (one JSON object per line, with `timestamp`,
//!   `level`, `target`, the message and fields, and the request's span with
//!   its `request_id`: what Loki, Elasticsearch or Cloud Logging take).

use std::io::IsTerminal;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// `GATEHOUSE_LOG_FORMAT`'s value (unset: text).
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!("GATEHOUSE_LOG_FORMAT must be text or json, not {other:?}")),
        }
    }
}

pub fn init() -> Result<(), String> {
    let format = LogFormat::parse(std::env::var("GATEHOUSE_LOG_FORMAT").ok().as_deref())?;
    let filter: Targets =
        std::env::var("GATEHOUSE_LOG").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| "info,sqlx=warn".parse().expect("static filter parses"));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Text => registry.with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal())).init(),
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(true).with_span_list(false).with_writer(std::io::stderr))
            .init(),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("json")), Ok(LogFormat::Json));
        assert!(LogFormat::parse(Some("xml")).is_err());
    }
}
