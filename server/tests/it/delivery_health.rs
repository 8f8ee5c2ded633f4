//! Delivery health (issue 23): `GET /api/v1/delivery` follows the tests'
//! relay as it refuses and then accepts, `/metrics` says the same, and the
//! alert webhook (a tiny HTTP listener here) gets one message per change,
//! from one instance when two share PostgreSQL. The thresholds are made
//! short through the hidden settings (GATEHOUSE_DELIVERY_*), so nothing
//! waits five minutes; every wait below polls, with its bound and reason.

use crate::support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::oauth::{Answers, TokenEndpoint, CLIENT_ID, CLIENT_SECRET, SECRET, TENANT};
use support::relay::{Certs, Relay, RelayOptions};
use support::{error_code, postgres_only, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

on_both_databases!(
    the_state_follows_the_relay_and_each_change_is_posted_once,
    account_admins_see_their_accounts_part,
    an_expired_secret_shows_failing_before_any_email_is_queued,
);

/// Retries within a second or so; a failure degrades for 1 s only; the
/// watch looks every 200 ms; the webhook's retries wait 50 ms, then 100.
fn quick(webhook: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GATEHOUSE_RETRY_BASE_SECS", "1".into()),
        ("GATEHOUSE_OUTBOX_LEASE_SECS", "3".into()),
        ("GATEHOUSE_DELIVERY_RECENT_FAILURE_SECS", "1".into()),
        ("GATEHOUSE_DELIVERY_WATCH_MS", "200".into()),
        ("GATEHOUSE_ALERT_WEBHOOK_RETRY_MS", "50".into()),
        ("GATEHOUSE_ALERT_WEBHOOK_URL", webhook.into()),
    ]
}

/// The real binary: these tests read its log and its `/metrics`, whose
/// token-check counter is the process's own.
async fn spawn(db: &TestDb, env: &[(&'static str, String)]) -> TestApp {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::process(db, &env).await
}

/// A webhook receiver: answers 503 to the first `refuse` requests, then 200,
/// keeping the JSON bodies it took.
struct Sink {
    url: String,
    taken: Arc<Mutex<Vec<Value>>>,
    requests: Arc<Mutex<usize>>,
}

impl Sink {
    fn start(refuse: usize) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/T000/secret", listener.local_addr().unwrap());
        let (taken, requests) = (Arc::new(Mutex::new(Vec::new())), Arc::new(Mutex::new(0)));
        let (t, r) = (taken.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                    line.clear();
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let n = {
                    let mut n = r.lock().unwrap();
                    *n += 1;
                    *n
                };
                let status = if n <= refuse { "503 Service Unavailable" } else { "200 OK" };
                if n > refuse {
                    t.lock().unwrap().push(serde_json::from_slice(&body).expect("the webhook posts JSON"));
                }
                let _ = stream.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
            }
        });
        Self { url, taken, requests }
    }

    fn states(&self) -> Vec<String> {
        self.taken.lock().unwrap().iter().map(|m| m["state"].as_str().unwrap().to_owned()).collect()
    }

    /// Polls until the messages taken satisfy `done`, or panics after `within`.
    async fn wait_for(&self, within: Duration, why: &str, done: impl Fn(&[String]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + within;
        while !done(&self.states()) {
            assert!(Instant::now() < deadline, "the webhook never got {why}: {:?}", self.states());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.taken.lock().unwrap().clone()
    }
}

async fn health(client: &reqwest::Client, app: &TestApp) -> Value {
    let res = client.get(app.url("/api/v1/delivery")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Polls `GET /api/v1/delivery` until it says `state`, or panics after `within`.
async fn wait_state(app: &TestApp, state: &str, within: Duration, why: &str) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let h = health(&app.client, app).await;
        if h["state"] == state {
            return h;
        }
        assert!(Instant::now() < deadline, "delivery never became {state} ({why}): {h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the webhook got: one message per change (never the same state twice
/// in a row, each `since` its own), shaped as the issue says, with no link
/// but the console's.
fn assert_one_per_change(messages: &[Value], console: &str) {
    let states: Vec<&str> = messages.iter().map(|m| m["state"].as_str().unwrap()).collect();
    for pair in messages.windows(2) {
        assert_ne!(pair[0]["state"], pair[1]["state"], "a change posted twice: {states:?}");
        assert!(pair[0]["since"].as_i64() <= pair[1]["since"].as_i64(), "out of order: {messages:?}");
    }
    for m in messages {
        let mut keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["console_url", "message", "since", "stage", "state", "text"], "{m}");
        assert_eq!(m["console_url"], format!("{console}/"));
        let text = m["text"].as_str().unwrap();
        assert!(text.contains(&format!("email delivery is {}", m["state"].as_str().unwrap())), "{text}");
        let without_console = m.to_string().replace(console, "");
        assert!(!without_console.contains("http"), "a link in {m}");
    }
}

async fn the_state_follows_the_relay_and_each_change_is_posted_once(db: TestDb) {
    // The first post is refused (503): it must be retried, not lost.
    let sink = Sink::start(1);
    let relay = Relay::start(RelayOptions { fail_data: Some((3, "451 4.3.0 Mailbox busy, try later")), ..Default::default() });
    let app = spawn(&db, &quick(&sink.url)).await;
    app.set_up_admin().await;

    let off = health(&app.client, &app).await;
    assert_eq!(
        off,
        json!({"state": "off", "since": off["since"], "last_sent_at": null, "last_failure": null, "waiting": 0,
        "oldest_waiting_seconds": 0, "failed_last_24h": 0, "token": null})
    );

    app.smtp_on(relay.port).await;
    wait_state(&app, "idle", Duration::from_secs(10), "SMTP is on, nothing sent or waiting").await;
    // The watch records it within 200 ms and posts it; the invitation comes after.
    sink.wait_for(Duration::from_secs(20), "idle", |s| s.contains(&"idle".to_owned())).await;

    app.invite("bob@example.com").await;
    // Three refusals: at once, then after about 1 s and 4 s (GATEHOUSE_RETRY_BASE_SECS=1).
    let failing = wait_state(&app, "failing", Duration::from_secs(40), "the relay refused three times").await;
    assert!(failing["last_failure"]["message"].as_str().unwrap().contains("Mailbox busy"), "{failing}");
    assert_eq!(failing["waiting"], 1, "{failing}");
    assert!(failing["since"].as_i64() >= off["since"].as_i64());
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    for line in ["gatehouse_delivery_state{state=\"failing\"} 1", "gatehouse_delivery_state{state=\"ok\"} 0"] {
        assert!(metrics.lines().any(|l| l == line), "missing {line:?} in:\n{metrics}");
    }
    assert!(metrics.lines().any(|l| l.starts_with("gatehouse_oldest_waiting_email_seconds ")), "{metrics}");
    assert!(metrics.lines().any(|l| l == "gatehouse_token_check_failures_total 0"), "{metrics}");
    sink.wait_for(Duration::from_secs(20), "failing", |s| s.last().is_some_and(|l| l == "failing")).await;

    // The relay accepts now; Retry sends the email at once.
    let emails: Vec<Value> = app.client.get(app.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap();
    let id = emails[0]["id"].as_i64().unwrap();
    assert_eq!(app.client.post(app.url(&format!("/api/v1/emails/{id}/retry"))).send().await.unwrap().status(), 200);
    // Sent at once; the failures count for 1 s more (GATEHOUSE_DELIVERY_RECENT_FAILURE_SECS).
    let ok = wait_state(&app, "ok", Duration::from_secs(20), "the relay took the email").await;
    assert!(ok["last_sent_at"].as_i64().is_some() && ok["waiting"] == 0, "{ok}");
    assert!(ok["since"].as_i64() >= failing["since"].as_i64(), "{ok}");
    assert!(ok["last_failure"]["message"].as_str().unwrap().contains("Mailbox busy"), "the last failure stays on record: {ok}");
    // The watch records it within 200 ms, and posts it.
    sink.wait_for(Duration::from_secs(20), "ok", |s| s.last().is_some_and(|l| l == "ok")).await;

    app.smtp(relay.port, "none", false).await;
    wait_state(&app, "off", Duration::from_secs(10), "SMTP was switched off").await;
    let posted = sink.wait_for(Duration::from_secs(20), "off", |s| s.last().is_some_and(|l| l == "off")).await;
    let states: Vec<&str> = posted.iter().map(|m| m["state"].as_str().unwrap()).collect();
    assert_eq!(states.first(), Some(&"idle"), "{states:?}");
    assert!(states.ends_with(&["ok", "off"]), "{states:?}");
    assert!(states.contains(&"failing"), "{states:?}");
    assert_one_per_change(&posted, &app.base);
    let refusal = posted.iter().find(|m| m["state"] == "failing").unwrap();
    assert!(refusal["message"].as_str().unwrap().contains("Mailbox busy"), "{refusal}");
    assert_eq!(*sink.requests.lock().unwrap(), posted.len() + 1, "the refused post was retried once");
    assert!(!app.output().contains("T000/secret"), "the webhook's URL is a credential, never logged");
}

async fn account_admins_see_their_accounts_part(db: TestDb) {
    let sink = Sink::start(0);
    let mut env = quick(&sink.url);
    // Two attempts each, then the email is given up: counted in failed_last_24h.
    env.push(("GATEHOUSE_MAX_ATTEMPTS", "2".to_owned()));
    let app = spawn(&db, &env).await;
    app.set_up_admin().await;
    let account: Value = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": "Acme"})).send().await.unwrap().json().await.unwrap();
    let a = account["id"].as_i64().unwrap().to_string();
    const PASSWORD: &str = "a long user password";
    for (email, role) in [("alice@a.example", "account_admin"), ("anna@a.example", "account_user")] {
        let (ok, _, err) = db.cli(&["user", "create", "--email", email, "--role", role, "--account-id", &a], &format!("{PASSWORD}\n"));
        assert!(ok, "{err}");
    }
    let (ok, _, err) = db.cli(&["user", "create", "--email", "viewer@example.com", "--role", "host_user"], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");

    // SMTP on, towards a closed port: every attempt fails at connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(closed).await;
    app.invite("bob@example.com").await;
    let invite = json!({"email": "carla@a.example", "role": "account_user", "account_id": account["id"]});
    assert_eq!(app.client.post(app.url("/api/v1/invitations")).json(&invite).send().await.unwrap().status(), 201);
    // Two emails at once, then their retries about a second later: both given up.
    let deadline = Instant::now() + Duration::from_secs(40);
    let host = loop {
        let h = health(&app.client, &app).await;
        if h["failed_last_24h"] == 2 {
            break h;
        }
        assert!(Instant::now() < deadline, "the two emails were never given up: {h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((host["state"].as_str(), host["waiting"].as_i64()), (Some("failing"), Some(0)), "four connections refused: {host}");
    assert_eq!(host["last_failure"]["stage"], "connect", "{host}");

    let viewer = app.signed_in_client("viewer@example.com", PASSWORD).await;
    let seen = health(&viewer, &app).await;
    assert_eq!((seen["state"].as_str(), seen["failed_last_24h"].as_i64()), (Some("failing"), Some(2)), "host users see it all: {seen}");
    assert!(seen["last_failure"].is_object(), "{seen}");

    let alice = app.signed_in_client("alice@a.example", PASSWORD).await;
    let part = health(&alice, &app).await;
    assert_eq!(part["state"], "failing", "{part}");
    assert_eq!(part["failed_last_24h"], 1, "only her account's email: {part}");
    for host_only in ["last_failure", "last_sent_at", "token"] {
        assert!(part[host_only].is_null(), "{host_only} is the host's: {part}");
    }

    let anna = app.signed_in_client("anna@a.example", PASSWORD).await;
    assert_eq!(error_code(anna.get(app.url("/api/v1/delivery")).send().await.unwrap(), 403).await, "forbidden");
    assert_eq!(error_code(reqwest::get(app.url("/api/v1/delivery")).await.unwrap(), 401).await, "unauthorized");
}

/// Two instances on one PostgreSQL database: both say the same state and
/// `since`, and each change reaches the webhook once, though both watch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_post_each_change_once() {
    let Some(db) = postgres_only("two instances sharing the alerts").await else { return };
    let sink = Sink::start(0);
    let relay = Relay::start(RelayOptions { fail_data: Some((3, "451 4.3.0 Mailbox busy, try later")), ..Default::default() });
    let env = quick(&sink.url);
    let a = spawn(&db, &env).await;
    a.set_up_admin().await;
    let b = spawn(&db, &env).await;
    let b_client = b.signed_in_client(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    a.smtp_on(relay.port).await;
    sink.wait_for(Duration::from_secs(20), "idle", |s| s.contains(&"idle".to_owned())).await;
    a.invite("bob@example.com").await;
    wait_state(&a, "failing", Duration::from_secs(40), "the relay refused three times").await;
    // Recorded (by either watch) once posted; from then on `since` is the recorded change's.
    sink.wait_for(Duration::from_secs(20), "failing", |s| s.last().is_some_and(|l| l == "failing")).await;
    let failing = health(&a.client, &a).await;
    assert_eq!(failing["state"], "failing", "{failing}");
    // B computes from the same database: the same state, since the same moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let on_b = health(&b_client, &b).await;
        if on_b["state"] == "failing" && on_b["since"] == failing["since"] {
            break;
        }
        assert!(Instant::now() < deadline, "B says otherwise: {on_b} (A: {failing})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let emails: Vec<Value> = a.client.get(a.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap();
    let id = emails[0]["id"].as_i64().unwrap();
    assert_eq!(b_client.post(b.url(&format!("/api/v1/emails/{id}/retry"))).send().await.unwrap().status(), 200);
    wait_state(&a, "ok", Duration::from_secs(20), "the relay took the email").await;
    let posted = sink.wait_for(Duration::from_secs(20), "ok", |s| s.last().is_some_and(|l| l == "ok")).await;
    // Both watches look every 200 ms: anything either posted twice would be here by now.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let posted_later = sink.taken.lock().unwrap().clone();
    assert_eq!(posted_later.len(), posted.len(), "posted after the last change: {posted_later:?}");
    // Messages from either instance carry its own console URL; both name the same public URL only when set.
    let console = |m: &Value| m["console_url"].as_str().unwrap().trim_end_matches('/').to_owned();
    let consoles: std::collections::BTreeSet<String> = posted.iter().map(console).collect();
    assert!(consoles.iter().all(|c| *c == a.base || *c == b.base), "{consoles:?}");
    let states: Vec<&str> = posted.iter().map(|m| m["state"].as_str().unwrap()).collect();
    for pair in states.windows(2) {
        assert_ne!(pair[0], pair[1], "a change posted twice: {states:?}");
    }
    let sinces: std::collections::BTreeSet<i64> = posted.iter().map(|m| m["since"].as_i64().unwrap()).collect();
    assert!(states.contains(&"failing") && states.last() == Some(&"ok"), "{states:?}");
    assert!(sinces.len() >= 2, "{posted:?}");
}

/// The audit entries of `action`.
async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.client.get(app.url(&format!("/api/v1/audit?action={action}"))).send().await.unwrap().json().await.unwrap()
}

/// A Microsoft 365 relay whose client secret the provider refuses: the token
/// check (at the configuration's change, then every 300 ms here) makes
/// delivery `failing` with the provider's words while nothing is queued; the
/// change is audited once however many checks fail; the right secret ends it.
async fn an_expired_secret_shows_failing_before_any_email_is_queued(db: TestDb) {
    const MAILBOX: &str = "noreply@contoso.example";
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), xoauth2: Some((MAILBOX, SECRET)), ..Default::default() });
    let tokens = TokenEndpoint::start(MAILBOX, Answers::default());
    let sink = Sink::start(0);
    let mut env = quick(&sink.url);
    env.extend([
        ("GATEHOUSE_SMTP_CA_FILE", certs.ca.to_string_lossy().to_string()),
        ("GATEHOUSE_MICROSOFT_LOGIN_URL", tokens.login_url()),
        ("GATEHOUSE_TOKEN_CHECK_MS", "300".to_owned()),
    ]);
    let app = spawn(&db, &env).await;
    app.set_up_admin().await;
    let draft = |secret: &str| {
        json!({"host": "127.0.0.1", "port": relay.port, "from_name": "Contoso", "from_email": MAILBOX, "security": "starttls", "auth": true,
            "username": MAILBOX, "oauth": {"provider": "microsoft365", "tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": secret}})
    };
    assert_eq!(app.client.put(app.url("/api/v1/smtp")).json(&draft("an expired secret")).send().await.unwrap().status(), 200);
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);

    // The watch (every 200 ms) checks a changed configuration at once.
    let failing = wait_state(&app, "failing", Duration::from_secs(20), "the provider refused the secret").await;
    assert_eq!(failing["token"]["state"], "failing", "{failing}");
    assert!(failing["token"]["error"].as_str().unwrap().contains("AADSTS7000215"), "the provider's words: {failing}");
    assert_eq!((failing["waiting"].as_i64(), &failing["last_failure"]), (Some(0), &Value::Null), "before any email: {failing}");
    // Checks go on failing, every 300 ms: still one audit entry.
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokens.requests().iter().filter(|(p, outcome)| p == "microsoft" && outcome == "fail").count() < 3 {
        assert!(Instant::now() < deadline, "the token was not checked again: {:?}", tokens.requests());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entries = audited(&app, "smtp_token_failing").await;
    assert_eq!(entries.len(), 1, "audited once per change, not per check: {entries:?}");
    assert!(entries[0]["detail"].as_str().unwrap().contains("AADSTS7000215"), "{entries:?}");
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let failures: u64 = metrics.lines().find_map(|l| l.strip_prefix("gatehouse_token_check_failures_total ")).unwrap().parse().unwrap();
    assert!(failures >= 3, "{metrics}");
    let posted = sink.wait_for(Duration::from_secs(20), "failing", |s| s.contains(&"failing".to_owned())).await;
    let alert = posted.iter().find(|m| m["state"] == "failing").unwrap();
    assert_eq!(alert["stage"], "token", "{alert}");
    assert!(!alert.to_string().contains("an expired secret"), "no secret in {alert}");

    // The right secret: checked at once, and delivery is idle again.
    assert_eq!(app.client.put(app.url("/api/v1/smtp")).json(&draft(CLIENT_SECRET)).send().await.unwrap().status(), 200);
    let deadline = Instant::now() + Duration::from_secs(20);
    let idle = loop {
        let h = health(&app.client, &app).await;
        if h["state"] == "idle" && h["token"]["state"] == "ok" {
            break h;
        }
        assert!(Instant::now() < deadline, "the provider's taking the new secret never showed: {h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(idle["token"]["expires_at"].as_i64().unwrap() > idle["token"]["checked_at"].as_i64().unwrap(), "{idle}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while audited(&app, "smtp_token_restored").await.len() != 1 {
        assert!(Instant::now() < deadline, "the recovery was not audited");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(audited(&app, "smtp_token_failing").await.len(), 1);
    assert!(!app.output().contains("an expired secret"), "the secret is never logged");
}
