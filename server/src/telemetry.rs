//! Logging. `GATEHOUSE_LOG` takes tracing's target syntax (`info`, `server=debug,sqlx=warn`).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

pub fn init() {
    let filter: Targets =
        std::env::var("GATEHOUSE_LOG").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| "info,sqlx=warn".parse().expect("static filter parses"));
    tracing_subscriber::registry().with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)).with(filter).init();
}
