//! Concurrent load against the real server, on both databases: the gateway
//! backend inviting in bulk while someone reads the lists and a burst of
//! "Forgot your password?" arrives for one address, with SMTP on and the
//! outbox worker draining to a real SMTP server the whole time.
//!
//! Correctness only (no 5xx, nothing stored twice, one reset email, all of it
//! delivered); how fast is measured by `bench/bench.py load` (BENCHMARKS.md).

use crate::support;

use gatehouse_core::storage::Db;
use gatehouse_core::test_support::RawStorage;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::relay::{Relay, RelayOptions};
use support::{TestDb, ADMIN_EMAIL};

const INVITATIONS: usize = 2_000;
const CONCURRENT_INVITERS: usize = 32;
const RESET_BURST: usize = 50;
const KNOWN: &str = "known@example.com";

on_both_databases!(a_mixed_burst_gets_no_5xx_and_stores_and_delivers_everything_once);

async fn a_mixed_burst_gets_no_5xx_and_stores_and_delivers_everything_once(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = db.process().await;
    app.set_up_admin().await;
    let (ok, token, err) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "gateway backend"], "");
    assert!(ok, "{err}");
    let token = Arc::new(token.trim().to_owned());
    let (ok, _, err) = db.cli(&["user", "create", "--email", KNOWN, "--role", "host_user"], "known user's password\n");
    assert!(ok, "{err}");
    app.smtp_on(relay.port).await;

    let api = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let statuses = Statuses::default();
    let started = Instant::now();
    let inviting = Arc::new(AtomicBool::new(true));

    // The gateway backend: 32 clients inviting 2,000 people in all.
    let next = Arc::new(AtomicUsize::new(0));
    let inviters: Vec<_> = (0..CONCURRENT_INVITERS)
        .map(|_| {
            let (api, url, token, next, statuses) = (api.clone(), app.url("/api/v1/invitations"), token.clone(), next.clone(), statuses.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= INVITATIONS {
                        break;
                    }
                    let body = json!({"email": format!("load-{i}@example.com"), "role": "host_user"});
                    let res = api.post(&url).bearer_auth(token.as_str()).json(&body).send().await.expect("the server answers");
                    statuses.record("invite", res.status().as_u16(), 201, &res.text().await.unwrap_or_default());
                }
            })
        })
        .collect();

    // Someone on the dashboard's lists, reading in a loop while the invitations run.
    let reader = {
        let (api, app_base, token, statuses, inviting) = (api.clone(), app.base.clone(), token.clone(), statuses.clone(), inviting.clone());
        tokio::spawn(async move {
            let mut reads = 0;
            while inviting.load(Ordering::Relaxed) {
                // The lists, and the searches that read the trigram indexes the inserts are writing.
                for path in ["/api/v1/users", "/api/v1/emails", "/api/v1/users?q=load-1", "/api/v1/emails?recipient=load-1"] {
                    let res = api.get(format!("{app_base}{path}")).bearer_auth(token.as_str()).send().await.expect("the server answers");
                    statuses.record("read", res.status().as_u16(), 200, "");
                    reads += 1;
                }
            }
            reads
        })
    };

    // "Forgot your password?" for one known address, 50 times at once.
    let resets: Vec<_> = (0..RESET_BURST)
        .map(|_| {
            let (api, url, statuses) = (api.clone(), app.url("/api/v1/password-reset"), statuses.clone());
            tokio::spawn(async move {
                let res = api.post(&url).json(&json!({"email": KNOWN})).send().await.expect("the server answers");
                statuses.record("reset", res.status().as_u16(), 202, &res.text().await.unwrap_or_default());
            })
        })
        .collect();

    for task in inviters.into_iter().chain(resets) {
        task.await.unwrap();
    }
    inviting.store(false, Ordering::Relaxed);
    let reads = reader.await.unwrap();
    eprintln!(
        "{INVITATIONS} invitations by {CONCURRENT_INVITERS} clients, {reads} list reads and {RESET_BURST} resets in {} ms",
        started.elapsed().as_millis()
    );
    statuses.assert_all_as_expected();

    // Stored exactly once each, with exactly one email each; one reset email.
    let check = Db::connect(&db.url).await.unwrap();
    let count = |sql: &'static str| {
        let check = check.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(check.read_pool()).await.unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM users WHERE email LIKE 'load-%'").await, INVITATIONS as i64);
    assert_eq!(count("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'").await, INVITATIONS as i64);
    assert_eq!(
        count(
            "SELECT COUNT(DISTINCT outbox.user_id) FROM outbox JOIN users ON users.id = outbox.user_id WHERE kind = 'invitation' AND users.email LIKE 'load-%'"
        )
        .await,
        INVITATIONS as i64,
        "every invited user has its own invitation email"
    );
    assert_eq!(count("SELECT COUNT(*) FROM user_links WHERE purpose = 'invite'").await, INVITATIONS as i64, "one live link per invited user");
    assert_eq!(count("SELECT COUNT(*) FROM outbox WHERE kind = 'reset'").await, 1, "50 requests at once queue one reset email");

    // The worker delivered everything, each once.
    let expected = INVITATIONS + 1;
    let deadline = Instant::now() + Duration::from_secs(180);
    while count("SELECT COUNT(*) FROM outbox WHERE status <> 'sent'").await > 0 || relay.message_count() < expected {
        assert!(Instant::now() < deadline, "not everything was delivered: {} of {expected} arrived", relay.message_count());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("all {expected} emails delivered {} ms after the burst began", started.elapsed().as_millis());
    let mut ids = relay.offered_ids();
    let offered = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((offered, ids.len()), (expected, expected), "each email offered to the relay exactly once");
    assert!(!app.output().contains("storage rule broken"), "{}", app.output());

    // The recipient search's index (migration 0014), written by 32 clients at
    // once, finds each invitation email exactly once.
    for i in (0..INVITATIONS).step_by(97) {
        let url = app.url(&format!("/api/v1/emails?recipient=load-{i}@&kind=invitation"));
        let found: Vec<serde_json::Value> = api.get(url).bearer_auth(token.as_str()).send().await.unwrap().json().await.unwrap();
        assert_eq!(found.len(), 1, "load-{i}@: {found:?}");
        assert_eq!(found[0]["to"], format!("load-{i}@example.com"));
    }
}

/// One answer the load got, and what it should have been.
struct Answer {
    what: &'static str,
    got: u16,
    expected: u16,
    /// The body, kept only when the status was not the expected one.
    body: String,
}

/// Every answer the load got.
#[derive(Clone, Default)]
struct Statuses(Arc<Mutex<Vec<Answer>>>);

impl Statuses {
    fn record(&self, what: &'static str, got: u16, expected: u16, body: &str) {
        let body = if got == expected { String::new() } else { body.chars().take(300).collect() };
        self.0.lock().unwrap().push(Answer { what, got, expected, body });
    }

    fn assert_all_as_expected(&self) {
        let all = self.0.lock().unwrap();
        let describe = |a: &Answer| format!("{} answered {} (expected {}): {}", a.what, a.got, a.expected, a.body);
        let server_errors: Vec<_> = all.iter().filter(|a| a.got >= 500).map(describe).collect();
        assert!(server_errors.is_empty(), "{} of {} requests got a 5xx, e.g. {:?}", server_errors.len(), all.len(), server_errors.first());
        let unexpected: Vec<_> = all.iter().filter(|a| a.got != a.expected).map(describe).collect();
        assert!(unexpected.is_empty(), "{} of {} requests got another status than expected, e.g. {:?}", unexpected.len(), all.len(), unexpected.first());
    }
}
