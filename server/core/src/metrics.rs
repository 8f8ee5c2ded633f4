//! `GET /metrics` in Prometheus' text format: emails by kind and state and the
//! queue depth (read from the outbox, so every instance reports the same
//! totals), and this instance's delivery outcomes and send latency.

use crate::error::{Failure, Result};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use shared::outbox::{EmailKind, EmailStatus};
use std::sync::LazyLock;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindStatus {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    emails: Family<KindStatus, Gauge>,
    queue_depth: Gauge,
    deliveries: Family<Outcome, Counter>,
    send_seconds: Histogram,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("gatehouse");
    let emails = Family::<KindStatus, Gauge>::default();
    registry.register("emails", "Emails in the outbox, by kind and state", emails.clone());
    let queue_depth = Gauge::default();
    registry.register("outbox_queue_depth", "Emails waiting to be delivered (queued, retrying or being sent)", queue_depth.clone());
    let deliveries = Family::<Outcome, Counter>::default();
    registry.register("email_deliveries", "Delivery attempts by this instance, by outcome", deliveries.clone());
    // 5 ms to about 40 s.
    let send_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
    registry.register("email_send_seconds", "Time to hand one email to the relay", send_seconds.clone());
    Metrics { registry, emails, queue_depth, deliveries, send_seconds }
});

impl Metrics {
    /// `Err(true)`: the relay refused for good; `Err(false)`: to be retried.
    pub fn observe_send(&self, took: Duration, outcome: Result<(), bool>) {
        self.send_seconds.observe(took.as_secs_f64());
        let outcome = match outcome {
            Ok(()) => "sent",
            Err(true) => "failed",
            Err(false) => "deferred",
        };
        self.deliveries.get_or_create(&Outcome { outcome }).inc();
    }
}

/// The metrics in the OpenMetrics text format, with the outbox's `counts`
/// (emails by kind and state, counted by the caller just now).
pub fn render(counts: &[(EmailKind, EmailStatus, i64)]) -> Result<String> {
    let m = &*METRICS;
    m.emails.clear();
    let mut depth = 0;
    for &(kind, status, n) in counts {
        if matches!(status, EmailStatus::Queued | EmailStatus::Retrying | EmailStatus::Sending) {
            depth += n;
        }
        m.emails.get_or_create(&KindStatus { kind: kind.as_str().to_owned(), status: status.as_str().to_owned() }).set(n);
    }
    m.queue_depth.set(depth);
    let mut body = String::new();
    encode(&mut body, &m.registry).map_err(|e| Failure::internal("encoding metrics", e))?;
    Ok(body)
}
