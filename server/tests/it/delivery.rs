//! Durable delivery: the outbox worker against a real SMTP server with
//! injected faults, a crash mid-burst, and two instances sharing PostgreSQL.
//! Retries are made fast with GATEHOUSE_RETRY_BASE_SECS=1 (the default is 30).

use crate::support;

use gatehouse_core::storage::Db;
use gatehouse_core::test_support::outbox::{enqueue, NewEmail};
use gatehouse_core::test_support::RawStorage;
use serde_json::{json, Value};
use shared::outbox::EmailKind;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::relay::{Certs, Relay, RelayOptions};
use support::{Backend, TestApp, TestDb};

const FAST: &[(&str, &str)] = &[("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_OUTBOX_LEASE_SECS", "3")];

async fn emails(app: &TestApp) -> Vec<Value> {
    app.client.get(app.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap()
}

/// Polls the outbox until `done` holds for one of its emails (returned), or panics after `within`.
async fn wait_for(app: &TestApp, within: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let all = emails(app).await;
        if let Some(e) = all.iter().find(|e| done(e)) {
            return e.clone();
        }
        assert!(Instant::now() < deadline, "outbox never got there: {all:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Retry (or Discard) on one email, as the Email activity page does; the response status.
async fn act(app: &TestApp, id: i64, action: &str) -> u16 {
    app.client.post(app.url(&format!("/api/v1/emails/{id}/{action}"))).send().await.unwrap().status().as_u16()
}

/// An invitation to bob that is failing: SMTP is on, but the relay's port is
/// closed. Returns the port (start a relay on it later) and the email, retrying.
async fn failing_invitation(app: &TestApp) -> (u16, Value) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(port).await;
    app.invite("bob@example.com").await;
    let retrying = wait_for(app, Duration::from_secs(20), |e| e["status"] == "retrying").await;
    (port, retrying)
}

/// Queues `n` invitations while SMTP points at a closed port (SMTP off would
/// queue nothing), then points it at `relay` and returns once delivery is under way.
async fn burst_under_way(app: &TestApp, relay: &Relay, n: usize) {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(closed).await;
    for i in 0..n {
        app.invite(&format!("user{i}@example.com")).await;
    }
    app.smtp_on(relay.port).await;
    let started = Instant::now();
    while relay.messages().len() < 10 {
        assert!(started.elapsed() < Duration::from_secs(60), "delivery never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn fast_app() -> (TestDb, TestApp) {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = TestApp::spawn(&db, FAST).await;
    app.set_up_admin().await;
    (db, app)
}

/// The real binary: its `/metrics` counts this test's emails alone.
async fn fast_process() -> (TestDb, TestApp) {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = TestApp::process(&db, FAST).await;
    app.set_up_admin().await;
    (db, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_421_twice_then_accepted_is_sent_on_the_third_attempt_with_one_message_id() {
    let relay = Relay::start(RelayOptions { fail_data: Some((2, "421 4.3.0 Try again later")), ..Default::default() });
    let (_db, app) = fast_process().await;
    app.smtp_on(relay.port).await;
    app.invite("bob@example.com").await;
    let email = wait_for(&app, Duration::from_secs(30), |e| e["status"] == "sent").await;
    assert_eq!(email["attempts"], 3);
    let ids = relay.offered_ids();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.iter().all(|id| id == &ids[0]) && ids[0].starts_with('<'), "each attempt carries the same Message-ID: {ids:?}");
    assert_eq!(relay.messages().len(), 1);

    assert_eq!(reqwest::get(app.url("/metrics")).await.unwrap().status(), 401, "no metrics for anonymous callers");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for line in [
        "gatehouse_emails{kind=\"invitation\",status=\"sent\"} 1",
        "gatehouse_outbox_queue_depth 0",
        "gatehouse_email_deliveries_total{outcome=\"deferred\",relay=\"primary\"} 2",
        "gatehouse_email_deliveries_total{outcome=\"sent\",relay=\"primary\"} 1",
        "gatehouse_email_send_seconds_count 3",
    ] {
        assert!(metrics.lines().any(|l| l == line), "missing {line:?} in:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_550_fails_at_once_keeping_the_reply_and_retry_sends_it() {
    let relay = Relay::start(RelayOptions { fail_data: Some((1, "550 5.7.1 Message rejected as spam")), ..Default::default() });
    let (_db, app) = fast_app().await;
    app.smtp_on(relay.port).await;
    app.invite("bob@example.com").await;
    let failed = wait_for(&app, Duration::from_secs(20), |e| e["status"] == "failed").await;
    assert_eq!(failed["attempts"], 1, "no retry after a permanent failure");
    assert!(failed["last_error"].as_str().unwrap().contains("rejected as spam"), "{failed}");
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(users.iter().find(|u| u["email"] == "bob@example.com").unwrap()["last_email"], "failed");

    // The relay now accepts: Retry sends it.
    let id = failed["id"].as_i64().unwrap();
    assert_eq!(act(&app, id, "retry").await, 200);
    wait_for(&app, Duration::from_secs(20), |e| e["status"] == "sent").await;
    assert_eq!(relay.messages().len(), 1);
    assert_eq!(act(&app, id, "discard").await, 409, "a sent email cannot be discarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_data_is_retried() {
    let relay = Relay::start(RelayOptions { drop_data: 1, ..Default::default() });
    let (_db, app) = fast_app().await;
    app.smtp_on(relay.port).await;
    app.invite("bob@example.com").await;
    let email = wait_for(&app, Duration::from_secs(30), |e| e["status"] == "sent").await;
    assert_eq!(email["attempts"], 2);
    assert_eq!(relay.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_is_down_gets_the_email_once_it_is_up() {
    let (_db, app) = fast_app().await;
    let (port, retrying) = failing_invitation(&app).await;
    assert!(retrying["last_error"].is_string(), "{retrying}");
    let relay = Relay::start(RelayOptions { port, ..Default::default() });
    wait_for(&app, Duration::from_secs(40), |e| e["status"] == "sent").await;
    assert_eq!(relay.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_queued_while_smtp_is_off_are_held_and_go_out_when_it_is_on() {
    let (_db, app) = fast_app().await;
    // On, with the relay down: the invitation is queued and failing.
    let (port, _) = failing_invitation(&app).await;
    // Off, and the relay comes up: nothing may be sent while SMTP is off.
    app.smtp(port, "none", false).await;
    let relay = Relay::start(RelayOptions { port, ..Default::default() });
    let held = emails(&app).await;
    assert_eq!(held[0]["held"], true, "{held:?}");
    // Retry while off makes the email due now and wakes the worker, which must still hold it.
    assert_eq!(act(&app, held[0]["id"].as_i64().unwrap(), "retry").await, 200);
    // Absence can only be shown by waiting: well past the wake-up.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(relay.events().iter().all(|e| !e.starts_with("EVENT")), "sent while SMTP was off: {:?}", relay.events());
    assert_eq!(emails(&app).await[0]["held"], true);
    // Switching SMTP on wakes the worker: well inside this bound, which is
    // shorter than the worker's longest sleep (60 s).
    app.smtp_on(port).await;
    wait_for(&app, Duration::from_secs(30), |e| e["status"] == "sent").await;
    assert_eq!(relay.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_email_is_never_sent_until_retried() {
    let (_db, app) = fast_app().await;
    let (port, retrying) = failing_invitation(&app).await;
    let id = retrying["id"].as_i64().unwrap();
    let discarded: Value = app.client.post(app.url(&format!("/api/v1/emails/{id}/discard"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(discarded["status"], "cancelled");
    // The relay comes up, and another invitation wakes the worker: it
    // delivers that one and must leave the discarded one alone.
    let relay = Relay::start(RelayOptions { port, ..Default::default() });
    app.invite("carol@example.com").await;
    wait_for(&app, Duration::from_secs(20), |e| e["to"] == "carol@example.com" && e["status"] == "sent").await;
    // Absence can only be shown by waiting: a moment longer, for anything still on its way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(relay.recipient_counts().keys().collect::<Vec<_>>(), ["carol@example.com"], "a discarded email was sent");
    assert_eq!(act(&app, id, "retry").await, 200);
    wait_for(&app, Duration::from_secs(20), |e| e["to"] == "bob@example.com" && e["status"] == "sent").await;
    assert_eq!(relay.messages().len(), 2);

    let bad = app.client.get(app.url("/api/v1/emails?status=lost")).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    assert_eq!(act(&app, 999, "discard").await, 404);
}

on_both_databases!(a_crash_mid_burst_loses_nothing, four_relay_sessions_deliver_each_email_once);

/// SIGKILL in the middle of a 150-email burst: after a restart every email is
/// delivered; only those in flight may arrive twice: the relay had taken
/// them, but their group's "sent" had not committed (at most two groups).
async fn a_crash_mid_burst_loses_nothing(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = TestApp::process(&db, FAST).await;
    app.set_up_admin().await;
    burst_under_way(&app, &relay, 150).await;
    app.stop();
    let delivered_before = relay.messages().len();
    assert!(delivered_before < 150, "the kill came too late to test anything");

    let _app = TestApp::process(&db, FAST).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen: HashMap<String, usize> = HashMap::new();
    while Instant::now() < deadline {
        seen = relay.recipient_counts();
        if seen.len() == 150 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(seen.len(), 150, "every email delivered after the restart");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    let bound = gatehouse_core::outbox::worker::IN_FLIGHT;
    assert!(duplicates <= bound, "only the emails in flight at the kill (at most {bound}) may be sent twice: {duplicates}");
    eprintln!("crash test: {delivered_before} delivered before SIGKILL, {duplicates} duplicate(s)");
}

/// GATEHOUSE_RELAY_SESSIONS=4: four sessions at once to the relay, sharing
/// the queue; each of 300 emails arrives once, and the relay saw more than
/// one session at a time. The relay takes 20 ms a message: the retries come
/// due spread over seconds, and a relay that answered at once could take
/// each second's few in one session before another loop connected (seen on
/// a loaded machine); a slow one leaves due emails for the other sessions.
async fn four_relay_sessions_deliver_each_email_once(db: TestDb) {
    let relay = Relay::start(RelayOptions { data_delay_ms: 20, ..RelayOptions::default() });
    let app = TestApp::spawn(&db, &[("GATEHOUSE_RELAY_SESSIONS", "4")]).await;
    app.set_up_admin().await;
    burst_under_way(&app, &relay, 300).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    while relay.messages().len() < 300 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let any duplicate that is on its way arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = relay.recipient_counts();
    assert_eq!(seen.len(), 300, "every email delivered");
    assert!(seen.values().all(|&n| n == 1), "an email was delivered twice");
    assert!(relay.most_sessions_at_once() > 1, "the emails went over one session at a time");
}

/// SIGTERM mid-burst: the server stops claiming, finishes the email in hand
/// and exits; nothing is left half-sent, and a restart delivers the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_burst_stops_cleanly_and_leaves_nothing_half_sent() {
    let relay = Relay::start(RelayOptions::default());
    let db = TestDb::new(Backend::Sqlite).await;
    // A long lease: after a clean stop, nothing may be waiting for one to run out.
    let slow_lease = [("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_OUTBOX_LEASE_SECS", "600")];
    let app = TestApp::process(&db, &slow_lease).await;
    app.set_up_admin().await;
    burst_under_way(&app, &relay, 150).await;
    let output = app.output_handle();
    let status = app.terminate(Duration::from_secs(40));
    assert!(status.success(), "{status:?}");
    let delivered_before = relay.messages().len();
    // Look at the outbox while no instance runs (a new one would be claiming emails again).
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let claimed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sending'").fetch_one(&pool).await.unwrap();
    pool.close().await;
    assert_eq!(claimed, 0, "an email was left claimed after a clean stop:\n{}", output.lock().unwrap().join("\n"));

    let _app = TestApp::process(&db, &slow_lease).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while relay.messages().len() < 150 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(relay.messages().len(), 150, "each email exactly once across the restart (delivered {delivered_before} before)");
}

/// Two instances on one PostgreSQL database share the queue: 2,000 emails,
/// each delivered exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deliver_each_email_exactly_once() {
    let Some(db) = support::postgres_only("the two-instance test").await else { return };
    let relay = Relay::start(RelayOptions::default());
    let a = TestApp::spawn(&db, FAST).await;
    a.set_up_admin().await;
    a.smtp_on(relay.port).await;
    // Both instances deliver while the emails are being queued.
    let b = TestApp::spawn(&db, FAST).await;
    let total = 2000;
    let mut pending = Vec::new();
    for chunk in 0..8 {
        let (client, url) = (a.client.clone(), a.url("/api/v1/invitations"));
        pending.push(tokio::spawn(async move {
            for i in (chunk..total).step_by(8) {
                let res = client.post(&url).json(&json!({"email": format!("u{i}@example.com"), "role": "host_user"})).send().await.unwrap();
                assert_eq!(res.status(), 201);
            }
        }));
    }
    for p in pending {
        p.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(240);
    while relay.messages().len() < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Let any duplicate that is on its way arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = relay.recipient_counts();
    assert_eq!(seen.len(), total, "every email delivered");
    assert!(seen.values().all(|&n| n == 1), "an email was delivered twice");
    drop(b);
}

/// An email queued by another instance wakes this one's worker at once
/// (PostgreSQL LISTEN/NOTIFY), instead of at its longest sleep (60 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_an_email_queued_by_another_instance_wakes_this_one() {
    let Some(db) = support::postgres_only("the LISTEN/NOTIFY test").await else { return };
    let relay = Relay::start(RelayOptions::default());
    let app = TestApp::spawn(&db, &[]).await;
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;
    // Not needed for correctness, only for strictness: let the worker find
    // nothing to do and go to sleep, so that only the NOTIFY can wake it.
    tokio::time::sleep(Duration::from_secs(1)).await;

    // "Another instance": this test process, queueing through the same code
    // path (insert + NOTIFY at commit), with no worker of its own.
    let other = Db::connect(&db.url).await.unwrap();
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users LIMIT 1").fetch_one(other.read_pool()).await.unwrap();
    let email = NewEmail {
        kind: EmailKind::Invitation,
        user_id,
        to: "far@example.com".into(),
        subject: "Hello".into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
        link_expires_at: i64::MAX,
        link_secret: "not a live link".into(),
        voice: None,
    };
    // Instances share the data dir's secret key, which seals queued bodies.
    let key = gatehouse_core::secret_key::SecretKey::load_or_create(db.dir.path()).unwrap();
    let mut tx = other.begin_tx().await.unwrap();
    enqueue(&mut tx, other.engine, &key, &email, "example.com").await.unwrap();
    tx.commit().await.unwrap();

    let queued = Instant::now();
    while relay.messages().is_empty() {
        assert!(queued.elapsed() < Duration::from_secs(20), "the other instance's email waited for the worker's longest sleep");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("woken by NOTIFY: delivered {} ms after commit", queued.elapsed().as_millis());
}

/// Delivery over implicit TLS (port 465 style), with the relay's CA trusted
/// through GATEHOUSE_SMTP_CA_FILE: a burst of invitations, each arriving once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_over_implicit_tls_is_delivered_once_each() {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "ssl", certs: Some(&certs), ..Default::default() });
    let db = TestDb::new(Backend::Sqlite).await;
    let ca = certs.ca.to_string_lossy().to_string();
    let app = TestApp::spawn(&db, &[("GATEHOUSE_SMTP_CA_FILE", &ca)]).await;
    app.set_up_admin().await;
    app.smtp(relay.port, "ssl", true).await;
    let total = 100;
    let started = Instant::now();
    for i in 0..total {
        app.invite(&format!("tls{i}@example.com")).await;
    }
    relay.wait_for_messages(total, Duration::from_secs(60));
    eprintln!("implicit TLS: {total} invitations queued and delivered in {} ms", started.elapsed().as_millis());
    let seen = relay.recipient_counts();
    assert_eq!(seen.len(), total, "every email delivered");
    assert!(seen.values().all(|&n| n == 1), "an email was delivered twice");
}
