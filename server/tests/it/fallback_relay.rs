//! The fallback relay (issue 24): saved, tested, removed and audited like
//! the primary; it takes an email at once when the primary cannot be
//! reached or defers it, keeps the email while the primary rests, and hands
//! back to a recovered primary; a recipient the primary refuses for good is
//! not passed on. Against real SMTP servers (aiosmtpd) on 127.0.0.1.

use crate::support;

use gatehouse_core::test_support::RawStorage;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::relay::{envelope_from, Certs, Relay, RelayOptions};
use support::{error_code, TestApp, TestDb};

on_both_databases!(
    the_fallback_takes_over_at_once_and_hands_back_after_the_cool_down,
    a_recipient_the_primary_refuses_is_not_passed_to_the_fallback,
    the_fallback_relay_is_saved_tested_removed_and_audited,
    the_fallback_relay_is_provisioned_as_code_and_locked,
    saves_and_removals_at_once_leave_one_whole_fallback_or_none,
    four_sessions_move_to_the_fallback_together_and_send_each_email_once,
);

/// The primary rests this long after failing (GATEHOUSE_FALLBACK_COOLDOWN_SECS).
const COOL_DOWN: Duration = Duration::from_secs(3);

/// In process; `ca`: a CA file trusted for the relays' TLS.
async fn app_for(db: &TestDb, ca: Option<&str>) -> TestApp {
    let rest = COOL_DOWN.as_secs().to_string();
    let mut env = vec![("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_FALLBACK_COOLDOWN_SECS", rest.as_str())];
    env.extend(ca.map(|ca| ("GATEHOUSE_SMTP_CA_FILE", ca)));
    let app = TestApp::spawn(db, &env).await;
    app.set_up_admin().await;
    app
}

/// A plain relay on 127.0.0.1 at `port`, sending as `from`.
fn relay_draft(port: u16, from: &str) -> Value {
    json!({"host": "127.0.0.1", "port": port, "from_name": "Acme", "from_email": from, "security": "none", "auth": false})
}

async fn put_fallback(app: &TestApp, draft: &Value) -> reqwest::Response {
    app.client.put(app.url("/api/v1/smtp/fallback")).json(draft).send().await.unwrap()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

/// A port on 127.0.0.1 where nothing listens (until a relay is started on it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The fallback's stored secret, as the database holds it.
async fn sealed_secret(app: &TestApp) -> Option<String> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT password_sealed FROM smtp_fallback WHERE id = 1").fetch_optional(app.state().db.read_pool()).await.unwrap();
    row.flatten()
}

async fn metrics(app: &TestApp) -> String {
    app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap()
}

async fn the_fallback_takes_over_at_once_and_hands_back_after_the_cool_down(db: TestDb) {
    // The real binary: its `/metrics` counts this test's emails alone.
    let rest = COOL_DOWN.as_secs().to_string();
    let app = TestApp::process(&db, &[("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_FALLBACK_COOLDOWN_SECS", &rest)]).await;
    app.set_up_admin().await;
    let fallback = Relay::start(RelayOptions::default());
    let primary_port = free_port();
    assert_eq!(app.put_smtp(&relay_draft(primary_port, "noreply@acme.example")).await.status(), 200);
    let saved: Value = put_fallback(&app, &relay_draft(fallback.port, "backup@acme.example")).await.json().await.unwrap();
    assert_eq!((saved["saved"].as_bool(), saved["enabled"].as_bool()), (Some(true), Some(false)), "not in use while SMTP is off: {saved}");
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    assert_eq!(get_json(&app, "/api/v1/smtp/fallback").await["enabled"], true, "in use once SMTP is on");

    // The primary refuses connections: the first attempt's email goes through the fallback.
    app.invite("bob@example.com").await;
    let bob = app.email_until("bob@example.com", "the invitation never went out", |e| e["status"] == "sent").await;
    let fell_back_at = Instant::now();
    assert_eq!((&bob["via"], &bob["attempts"]), (&json!("fallback"), &json!(1)), "delivered within one attempt: {bob}");
    let got = fallback.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(envelope_from(&got[0]), "backup@acme.example", "the fallback sends as itself");
    assert_eq!(support::relay::header(&got[0], "To").as_deref(), Some("bob@example.com"));

    let health = get_json(&app, "/api/v1/delivery").await;
    assert_eq!(health["state"], "degraded", "delivered, but the primary is failing: {health}");
    let m = metrics(&app).await;
    for line in [
        "gatehouse_email_deliveries_total{outcome=\"deferred\",relay=\"primary\"} 1",
        "gatehouse_email_deliveries_total{outcome=\"sent\",relay=\"fallback\"} 1",
    ] {
        assert!(m.lines().any(|l| l == line), "{line} in:\n{m}");
    }

    // The primary comes back, but rests: while it does, the fallback keeps the email.
    let primary = Relay::start(RelayOptions { port: primary_port, ..RelayOptions::default() });
    app.invite("carol@example.com").await;
    let carol = app.email_until("carol@example.com", "the second invitation never went out", |e| e["status"] == "sent").await;
    assert!(fell_back_at.elapsed() < COOL_DOWN, "too slow to observe the rest ({:?}); raise COOL_DOWN", fell_back_at.elapsed());
    assert_eq!(carol["via"], "fallback", "the primary rests for the cool-down: {carol}");
    fallback.wait_for_messages(2, Duration::from_secs(10));
    assert_eq!(primary.message_count(), 0, "the resting primary was not tried");

    // After the cool-down the primary is tried first again, and takes the email.
    // (Waiting out the cool-down is the behaviour under test.)
    tokio::time::sleep(COOL_DOWN.saturating_sub(fell_back_at.elapsed()) + Duration::from_millis(200)).await;
    app.invite("dave@example.com").await;
    let dave = app.email_until("dave@example.com", "the third invitation never went out", |e| e["status"] == "sent").await;
    assert_eq!(dave["via"], "primary", "{dave}");
    let got = primary.wait_for_messages(1, Duration::from_secs(10));
    assert_eq!(envelope_from(&got[0]), "noreply@acme.example");
    assert_eq!(fallback.message_count(), 2, "nothing more went to the fallback");
}

async fn a_recipient_the_primary_refuses_is_not_passed_to_the_fallback(db: TestDb) {
    let app = app_for(&db, None).await;
    let primary =
        Relay::start(RelayOptions { reject_rcpt: &["nobody@example.com"], fail_data: Some((1, "451 4.3.0 Try again later")), ..RelayOptions::default() });
    let fallback = Relay::start(RelayOptions::default());
    app.smtp_on(primary.port).await;
    assert_eq!(put_fallback(&app, &relay_draft(fallback.port, "backup@acme.example")).await.status(), 200);

    // 550 for the recipient: any relay would refuse it, so it fails here, once.
    app.invite("nobody@example.com").await;
    let refused = app.email_until("nobody@example.com", "the refused invitation never failed", |e| e["status"] == "failed").await;
    assert_eq!(refused["attempts"], 1, "{refused}");
    assert!(refused["last_error"].as_str().unwrap().contains("550"), "{refused}");
    assert!(refused["via"].is_null(), "{refused}");
    assert_eq!(fallback.message_count(), 0, "a recipient refused for good is not tried elsewhere");

    // A 4xx for the message (the primary's first DATA): the fallback takes that one at once.
    app.invite("erin@example.com").await;
    let erin = app.email_until("erin@example.com", "the deferred invitation never went out", |e| e["status"] == "sent").await;
    assert_eq!((&erin["via"], &erin["attempts"]), (&json!("fallback"), &json!(1)), "{erin}");
    fallback.wait_for_messages(1, Duration::from_secs(10));
}

async fn the_fallback_relay_is_saved_tested_removed_and_audited(db: TestDb) {
    let certs = Certs::generate();
    let app = app_for(&db, Some(certs.ca.to_str().unwrap())).await;
    let fallback =
        Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), auth: Some(("backup-user", "backup-secret-7")), ..RelayOptions::default() });
    let none = get_json(&app, "/api/v1/smtp/fallback").await;
    assert_eq!(none["saved"], false, "{none}");
    let res = app.client.post(app.url("/api/v1/smtp/fallback/test")).send().await.unwrap();
    assert_eq!(error_code(res, 409).await, "conflict", "nothing saved to test");

    // Bad input: a clear 422 naming the fields, and nothing stored.
    let bad = json!({"host": "not a host!", "port": 0, "from_name": "Acme", "from_email": "nope", "security": "none", "auth": false});
    let res = put_fallback(&app, &bad).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    for field in ["host", "port", "from_email"] {
        assert!(body["error"]["fields"][field].is_string(), "{field} named: {body}");
    }
    assert_eq!(get_json(&app, "/api/v1/smtp/fallback").await["saved"], false);

    // Saved with a password: never returned, sealed at rest.
    let mut draft = relay_draft(fallback.port, "backup@acme.example");
    draft["security"] = json!("starttls");
    draft["auth"] = json!(true);
    draft["username"] = json!("backup-user");
    draft["password"] = json!("backup-secret-7");
    let saved: Value = put_fallback(&app, &draft).await.json().await.unwrap();
    assert_eq!((saved["saved"].as_bool(), saved["password_set"].as_bool(), saved["host"].as_str()), (Some(true), Some(true), Some("127.0.0.1")), "{saved}");
    let everything =
        format!("{}{}", get_json(&app, "/api/v1/smtp/fallback").await, app.client.get(app.url("/api/v1/audit")).send().await.unwrap().text().await.unwrap());
    assert!(!everything.contains("backup-secret-7"), "the password is never returned");
    let stored = sealed_secret(&app).await.expect("a sealed secret is stored");
    assert!(!stored.contains("backup-secret-7"), "sealed at rest: {stored}");
    assert_eq!(get_json(&app, "/api/v1/smtp").await["saved"], false, "the primary is another row");

    // Its test email goes through the fallback relay, signed in with the kept password.
    let res = app.client.post(app.url("/api/v1/smtp/fallback/test")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(true), Some("sent")), "{report}");
    assert_eq!(envelope_from(&fallback.wait_for_messages(1, Duration::from_secs(10))[0]), "backup@acme.example");

    // Removed: gone, and an unchanged second removal is no change.
    let left: Value = app.client.delete(app.url("/api/v1/smtp/fallback")).send().await.unwrap().json().await.unwrap();
    assert_eq!(left["saved"], false, "{left}");
    assert_eq!(app.client.delete(app.url("/api/v1/smtp/fallback")).send().await.unwrap().status(), 200);
    assert!(sealed_secret(&app).await.is_none(), "its sealed secret went with it");

    // The SMTP history and the audit log name each step, for the fallback relay.
    let history = get_json(&app, "/api/v1/smtp/audit").await;
    let events: Vec<(&str, &str)> =
        history.as_array().unwrap().iter().map(|e| (e["relay"].as_str().unwrap_or("?"), e["action"].as_str().unwrap_or("?"))).collect();
    assert_eq!(events, [("fallback", "removed"), ("fallback", "tested"), ("fallback", "created")], "{history}");
    let audit = get_json(&app, "/api/v1/audit").await;
    let actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["smtp_fallback_saved", "smtp_fallback_removed", "smtp_test"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| **a == "smtp_fallback_removed").count(), 1, "removing nothing is not audited");

    // Host admins only, like the primary.
    let account = app.account("Beta").await;
    let user = app.cli_user(&db, "ann@beta.example", "account_admin", Some(account)).await;
    for res in [
        user.get(app.url("/api/v1/smtp/fallback")).send().await.unwrap(),
        user.put(app.url("/api/v1/smtp/fallback")).json(&draft).send().await.unwrap(),
        user.delete(app.url("/api/v1/smtp/fallback")).send().await.unwrap(),
        user.post(app.url("/api/v1/smtp/fallback/test")).send().await.unwrap(),
    ] {
        assert_eq!(res.status(), 403);
    }
}

/// `GATEHOUSE_SMTP_FALLBACK_*`: the fallback relay from the server's
/// settings, as the primary's; the console may test it but not change it.
async fn the_fallback_relay_is_provisioned_as_code_and_locked(db: TestDb) {
    let fallback = Relay::start(RelayOptions::default());
    let port = fallback.port.to_string();
    let env = [
        ("GATEHOUSE_SMTP_FALLBACK_HOST", "127.0.0.1"),
        ("GATEHOUSE_SMTP_FALLBACK_PORT", port.as_str()),
        ("GATEHOUSE_SMTP_FALLBACK_SECURITY", "none"),
        ("GATEHOUSE_SMTP_FALLBACK_FROM_EMAIL", "backup@acme.example"),
    ];
    let app = TestApp::spawn(&db, &env).await;
    app.set_up_admin().await;
    let settings = get_json(&app, "/api/v1/smtp/fallback").await;
    assert_eq!(
        (settings["saved"].as_bool(), settings["managed"].as_bool(), settings["port"].as_u64()),
        (Some(true), Some(true), Some(fallback.port.into())),
        "{settings}"
    );
    assert_eq!(get_json(&app, "/api/v1/smtp").await["managed"], false, "the primary is the console's");
    assert_eq!(error_code(put_fallback(&app, &relay_draft(fallback.port, "other@acme.example")).await, 409).await, "managed");
    assert_eq!(error_code(app.client.delete(app.url("/api/v1/smtp/fallback")).send().await.unwrap(), 409).await, "managed");
    let report: Value = app.client.post(app.url("/api/v1/smtp/fallback/test")).send().await.unwrap().json().await.unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let history = get_json(&app, "/api/v1/smtp/audit").await;
    assert!(history.as_array().unwrap().iter().any(|e| e["relay"] == "fallback" && e["action"] == "provisioned"), "{history}");
}

/// Concurrent saves and removals of the fallback (the storage rule: each is
/// one transaction, reading its row on it): every request is answered (no
/// 5xx), and what is left is one whole relay, with its own secret, or none.
async fn saves_and_removals_at_once_leave_one_whole_fallback_or_none(db: TestDb) {
    let certs = Certs::generate();
    let app = app_for(&db, Some(certs.ca.to_str().unwrap())).await;
    let requests: Vec<_> = (0..12u16)
        .map(|i| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/smtp/fallback"));
            let mut draft = relay_draft(2000 + i, &format!("backup{i}@acme.example"));
            draft["security"] = json!("starttls");
            draft["auth"] = json!(true);
            draft["username"] = json!(format!("user{i}"));
            draft["password"] = json!(format!("secret-{i}"));
            tokio::spawn(async move {
                let res = if i % 3 == 2 { client.delete(url).send().await } else { client.put(url).json(&draft).send().await };
                res.unwrap().status().as_u16()
            })
        })
        .collect();
    for r in requests {
        assert_eq!(r.await.unwrap(), 200, "every save and removal is answered");
    }
    let left = get_json(&app, "/api/v1/smtp/fallback").await;
    if left["saved"] == true {
        // The username and From address of one save, with that save's secret.
        let i = left["username"].as_str().unwrap().trim_start_matches("user").to_owned();
        assert_eq!(
            (left["from_email"].as_str(), left["port"].as_u64()),
            (Some(format!("backup{i}@acme.example").as_str()), Some(2000 + i.parse::<u64>().unwrap())),
            "{left}"
        );
        assert!(sealed_secret(&app).await.is_some());
    } else {
        assert!(sealed_secret(&app).await.is_none(), "no secret without its relay");
    }
}

/// Four relay sessions (GATEHOUSE_RELAY_SESSIONS=4) and a primary that
/// cannot be reached: a burst of invitations all go through the fallback,
/// each exactly once, and the primary is tried at most once a session
/// (the rest its first failure began), not once an email.
async fn four_sessions_move_to_the_fallback_together_and_send_each_email_once(db: TestDb) {
    let rest = COOL_DOWN.as_secs().to_string();
    let env = [("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_FALLBACK_COOLDOWN_SECS", rest.as_str()), ("GATEHOUSE_RELAY_SESSIONS", "4")];
    let app = TestApp::process(&db, &env).await;
    app.set_up_admin().await;
    let fallback = Relay::start(RelayOptions::default());
    assert_eq!(app.put_smtp(&relay_draft(free_port(), "noreply@acme.example")).await.status(), 200);
    assert_eq!(put_fallback(&app, &relay_draft(fallback.port, "backup@acme.example")).await.status(), 200);
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    let invites: Vec<_> = (0..40)
        .map(|i| {
            let (client, url) = (app.client.clone(), app.url("/api/v1/invitations"));
            tokio::spawn(async move {
                let body = json!({"email": format!("user{i}@example.com"), "role": "host_user"});
                client.post(url).json(&body).send().await.unwrap().status().as_u16()
            })
        })
        .collect();
    for r in invites {
        assert_eq!(r.await.unwrap(), 201);
    }
    fallback.wait_for_messages(40, Duration::from_secs(30));
    let counts = fallback.recipient_counts();
    assert_eq!(counts.len(), 40, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "each email once: {counts:?}");
    let emails = app.emails().await;
    assert!(emails.iter().all(|e| e["status"] == "sent" && e["via"] == "fallback"), "{emails:?}");
    let m = metrics(&app).await;
    let tried: u64 = m
        .lines()
        .filter(|l| l.starts_with("gatehouse_email_deliveries_total{") && l.contains("relay=\"primary\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert!((1..=4).contains(&tried), "the primary was tried {tried} times for 40 emails:\n{m}");
}
