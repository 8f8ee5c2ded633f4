//! `GET /metrics` in Prometheus' text format: emails by kind and state and the
//! queue depth (read from the outbox, so every instance reports the same
//! totals), and this instance's delivery outcomes and send latency, storage
//! errors, held-back reset emails and background task restarts. Beneath every
//! capability: it imports none of them, so any of them may count here.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};
use shared::delivery::DeliveryState;
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
    /// `primary`, or `fallback` (the fallback relay).
    relay: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Kind {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Reason {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpRequest {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Build {
    version: &'static str,
    database: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Task {
    task: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct State {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Dir {
    dir: String,
}

pub struct Metrics {
    registry: Registry,
    emails: Family<KindStatus, Gauge>,
    queue_depth: Gauge,
    deliveries: Family<Outcome, Counter>,
    send_seconds: Histogram,
    storage_errors: Family<Kind, Counter>,
    free_bytes: Family<Dir, Gauge>,
    resets_held: Family<Reason, Counter>,
    http_requests: Family<HttpRequest, Counter>,
    http_seconds: Family<Route, Histogram>,
    build: Family<Build, Gauge>,
    task_restarts: Family<Task, Counter>,
    delivery_state: Family<State, Gauge>,
    oldest_waiting: Gauge,
    token_check_failures: Counter,
    backup_last_success: Gauge,
    backup_failures: Counter,
    backup_failing: Gauge,
}

pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("gatehouse");
    let emails = Family::<KindStatus, Gauge>::default();
    registry.register("emails", "Emails in the outbox, by kind and state", emails.clone());
    let queue_depth = Gauge::default();
    registry.register("outbox_queue_depth", "Emails waiting to be delivered (queued, retrying or being sent)", queue_depth.clone());
    let deliveries = Family::<Outcome, Counter>::default();
    registry.register("email_deliveries", "Delivery attempts by this instance, by outcome and relay", deliveries.clone());
    // 5 ms to about 40 s.
    let send_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
    registry.register_with_unit("email_send", "Time to hand one email to the relay", Unit::Seconds, send_seconds.clone());
    let storage_errors = Family::<Kind, Counter>::default();
    registry.register("storage_errors", "Storage errors met by requests and the worker, by kind (busy, unavailable, full)", storage_errors.clone());
    let free_bytes = Family::<Dir, Gauge>::default();
    registry.register_with_unit("data_dir_free", "Free space on the SQLite data dir's file system (SQLite only)", Unit::Bytes, free_bytes.clone());
    let resets_held = Family::<Reason, Counter>::default();
    registry.register(
        "password_reset_emails_held",
        "Anonymous \"forgot password\" emails held back, by reason (source, user, instance, busy)",
        resets_held.clone(),
    );
    let http_requests = Family::<HttpRequest, Counter>::default();
    registry.register("http_requests", "HTTP requests answered, by route template, method and status", http_requests.clone());
    // 1 ms to about 16 s.
    let http_seconds = Family::<Route, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.001, 2.0, 15)));
    registry.register_with_unit("http_request_duration", "Time to answer an HTTP request, by route template", Unit::Seconds, http_seconds.clone());
    let build = Family::<Build, Gauge>::default();
    registry.register("build_info", "This instance's version and database engine (always 1)", build.clone());
    let task_restarts = Family::<Task, Counter>::default();
    registry.register("task_restarts", "Background tasks started again after a panic, by task", task_restarts.clone());
    let delivery_state = Family::<State, Gauge>::default();
    registry.register(
        "delivery_state",
        "Delivery health, one gauge per state: 1 for the state in force (off, idle, ok, degraded, failing)",
        delivery_state.clone(),
    );
    let oldest_waiting = Gauge::default();
    registry.register_with_unit("oldest_waiting_email", "How long the oldest email waiting to be delivered has waited", Unit::Seconds, oldest_waiting.clone());
    let token_check_failures = Counter::default();
    registry.register("token_check_failures", "Checks of the OAuth2 relay's token that failed, by this instance", token_check_failures.clone());
    let backup_last_success = Gauge::default();
    registry.register_with_unit(
        "backup_last_success_timestamp",
        "When this instance's last automatic backup was written (Unix time; 0 before the first)",
        Unit::Seconds,
        backup_last_success.clone(),
    );
    let backup_failures = Counter::default();
    registry.register("backup_failures", "Automatic backups by this instance that failed", backup_failures.clone());
    let backup_failing = Gauge::default();
    registry.register("backup_failing", "1 while this instance's last automatic backup failed, else 0", backup_failing.clone());
    Metrics {
        registry,
        emails,
        queue_depth,
        deliveries,
        send_seconds,
        storage_errors,
        free_bytes,
        resets_held,
        http_requests,
        http_seconds,
        build,
        task_restarts,
        delivery_state,
        oldest_waiting,
        token_check_failures,
        backup_last_success,
        backup_failures,
        backup_failing,
    }
});

impl Metrics {
    /// One attempt on `relay`. `Err(true)`: the relay refused for good; `Err(false)`: to be retried.
    pub fn observe_send(&self, relay: shared::smtp::RelayRole, took: Duration, outcome: Result<(), bool>) {
        self.send_seconds.observe(took.as_secs_f64());
        let outcome = match outcome {
            Ok(()) => "sent",
            Err(true) => "failed",
            Err(false) => "deferred",
        };
        self.deliveries.get_or_create(&Outcome { outcome, relay: relay.as_str() }).inc();
    }

    /// An HTTP request answered: `route` is its template (`/api/v1/users/{id}`),
    /// never the path itself, so that the labels stay few.
    pub fn http_request(&self, route: &str, method: &http::Method, status: u16, took: Duration) {
        let method = match *method {
            http::Method::GET => "GET",
            http::Method::POST => "POST",
            http::Method::PUT => "PUT",
            http::Method::PATCH => "PATCH",
            http::Method::DELETE => "DELETE",
            http::Method::HEAD => "HEAD",
            http::Method::OPTIONS => "OPTIONS",
            _ => "other",
        };
        self.http_requests.get_or_create(&HttpRequest { route: route.to_owned(), method, status }).inc();
        self.http_seconds.get_or_create(&Route { route: route.to_owned() }).observe(took.as_secs_f64());
    }

    /// `gatehouse_build_info{version, database} 1`.
    pub fn build_info(&self, database: &'static str) {
        self.build.get_or_create(&Build { version: env!("CARGO_PKG_VERSION"), database }).set(1);
    }

    /// A "forgot password" email held back, and why.
    pub fn reset_held(&self, reason: &'static str) {
        self.resets_held.get_or_create(&Reason { reason }).inc();
    }

    /// A storage error of this kind (`storage::faults`).
    pub fn storage_error(&self, kind: &'static str) {
        self.storage_errors.get_or_create(&Kind { kind }).inc();
    }

    /// A task is under supervision: listed at 0 until it first restarts, so
    /// that a rate over the counter starts from a known value.
    pub fn task_supervised(&self, task: &'static str) {
        self.task_restarts.get_or_create(&Task { task }).inc_by(0);
    }

    /// A background task panicked and is started again (the `supervise` module).
    pub fn task_restarted(&self, task: &'static str) {
        self.task_restarts.get_or_create(&Task { task }).inc();
    }

    /// A check of the OAuth2 relay's token failed.
    pub fn token_check_failed(&self) {
        self.token_check_failures.inc();
    }

    /// An automatic backup was written at `at` (Unix time).
    pub fn backup_written(&self, at: i64) {
        self.backup_last_success.set(at);
        self.backup_failing.set(0);
    }

    /// An automatic backup failed.
    pub fn backup_failed(&self) {
        self.backup_failures.inc();
        self.backup_failing.set(1);
    }

    /// How often `task` was started again so far.
    pub fn task_restarts(&self, task: &'static str) -> u64 {
        self.task_restarts.get_or_create(&Task { task }).get()
    }
}

/// The metrics in the OpenMetrics text format, with the outbox's `counts`
/// (emails by kind and state, counted by the caller just now; empty when the
/// database could not be read, so that the storage figures still get out),
/// the delivery state and the oldest email's wait in seconds (`None` then
/// too) and the SQLite data dir's free space (`(dir, bytes)`), all read by the caller.
pub fn render(
    counts: &[(EmailKind, EmailStatus, i64)],
    delivery: Option<(DeliveryState, i64)>,
    free_space: Option<(&std::path::Path, u64)>,
) -> Result<String, std::fmt::Error> {
    let m = &*METRICS;
    m.delivery_state.clear();
    if let Some((state, oldest)) = delivery {
        // Every state listed, the one in force at 1: an alert can say `== 1` without `absent()`.
        for s in DeliveryState::ALL {
            m.delivery_state.get_or_create(&State { state: s.as_str() }).set(i64::from(s == state));
        }
        m.oldest_waiting.set(oldest);
    }
    m.free_bytes.clear();
    if let Some((dir, free)) = free_space {
        m.free_bytes.get_or_create(&Dir { dir: dir.display().to_string() }).set(i64::try_from(free).unwrap_or(i64::MAX));
    }
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
    encode(&mut body, &m.registry)?;
    Ok(body)
}
