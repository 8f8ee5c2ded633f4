//! SMTP configuration against the real binary and a real SMTP server
//! (aiosmtpd): save, enable/disable, and test sends that name the stage
//! that failed. Storage behaviour runs on both databases; relay behaviour
//! does not depend on storage and runs on SQLite.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::relay::{Certs, Relay, RelayOptions};
use support::{error_code, Backend, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

const RELAY_USER: &str = "relay@example.com";
const RELAY_PASSWORD: &str = "S3cret-relay-pass!";

fn draft(port: u16, security: &str, auth: Option<(&str, &str)>) -> Value {
    json!({
        "host": "127.0.0.1",
        "port": port,
        "from_name": "Acme Gateway",
        "from_email": "noreply@acme.example",
        "security": security,
        "auth": auth.is_some(),
        "username": auth.map(|a| a.0),
        "password": auth.map(|a| a.1),
    })
}

async fn admin_app(db: &TestDb, env: &[(&str, &str)]) -> TestApp {
    let app = TestApp::spawn(db, env).await;
    app.set_up_admin().await;
    app
}

/// The real binary, for the tests that read its log.
async fn admin_process(db: &TestDb, env: &[(&str, &str)]) -> TestApp {
    let app = TestApp::process(db, env).await;
    app.set_up_admin().await;
    app
}

async fn put(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client.put(app.url("/api/v1/smtp")).json(body).send().await.unwrap()
}

async fn test_send(app: &TestApp, body: Option<&Value>) -> Value {
    let req = app.client.post(app.url("/api/v1/smtp/test"));
    let req = match body {
        Some(b) => req.json(b),
        None => req,
    };
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

on_both_databases!(
    save_read_back_enable_and_disable,
    bad_saves_get_4xx_and_change_nothing,
    only_host_admins_reach_smtp,
    the_test_send_limit_holds_across_instances,
    a_relays_long_reply_is_quoted_cut_to_length,
    a_stored_row_that_does_not_decode_is_named_and_a_save_replaces_it,
);

async fn save_read_back_enable_and_disable(db: TestDb) {
    let app = admin_process(&db, &[]).await;
    let before: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["saved"], false);
    assert_eq!(before["enabled"], false);

    let res = app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap();
    assert_eq!(error_code(res, 409).await, "conflict", "enable needs a saved configuration");
    let res = app.client.post(app.url("/api/v1/smtp/disable")).send().await.unwrap();
    assert_eq!(res.status(), 200, "nothing saved is already off");
    assert_eq!(res.json::<Value>().await.unwrap()["enabled"], false);

    let saved: Value = put(&app, &draft(2525, "starttls", Some((RELAY_USER, RELAY_PASSWORD)))).await.json().await.unwrap();
    assert_eq!(saved["saved"], true);
    assert_eq!(saved["password_set"], true);
    assert_eq!(saved["host"], "127.0.0.1");
    assert_eq!(saved["updated_by"], ADMIN_EMAIL);
    assert!(saved.get("password").is_none(), "the password is write-only");

    let on: Value = app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().json().await.unwrap();
    assert_eq!(on, json!({"enabled": true}));

    // A save without a password keeps the stored one, and keeps SMTP on.
    let mut no_password = draft(2525, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    no_password["password"] = Value::Null;
    no_password["from_name"] = json!("Acme Notifications");
    let kept: Value = put(&app, &no_password).await.json().await.unwrap();
    assert_eq!((kept["from_name"].as_str(), kept["password_set"].as_bool(), kept["enabled"].as_bool()), (Some("Acme Notifications"), Some(true), Some(true)));

    let off: Value = app.client.post(app.url("/api/v1/smtp/disable")).send().await.unwrap().json().await.unwrap();
    assert_eq!(off, json!({"enabled": false}));
    let after: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!((after["saved"].as_bool(), after["from_name"].as_str()), (Some(true), Some("Acme Notifications")), "disabling keeps the config");

    // The audit log, newest first: who did what, field names but never values.
    let log: Value = app.client.get(app.url("/api/v1/smtp/audit")).send().await.unwrap().json().await.unwrap();
    let actions: Vec<&str> = log.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["disabled", "saved", "enabled", "created"], "{log}");
    assert_eq!(log[1]["changed"], json!(["from_name"]), "{log}");
    assert!(log.as_array().unwrap().iter().all(|e| e["actor_email"] == ADMIN_EMAIL && e["at"].as_i64().unwrap() > 0));
    assert!(!log.to_string().contains(RELAY_PASSWORD) && !log.to_string().contains("Acme Notifications"), "values in the log: {log}");

    // Secrets stay secret: not in any body above, not in the log, not in the SQLite file.
    for body in [&saved, &kept, &after] {
        assert!(!body.to_string().contains(RELAY_PASSWORD));
    }
    assert!(!app.output().contains(RELAY_PASSWORD), "password in the server log");
    if db.backend == Backend::Sqlite {
        let mut raw = Vec::new();
        for entry in std::fs::read_dir(db.dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains("gatehouse.db") {
                raw.extend(std::fs::read(path).unwrap());
            }
        }
        assert!(!String::from_utf8_lossy(&raw).contains(RELAY_PASSWORD), "password in clear in the database");
    }
}

async fn bad_saves_get_4xx_and_change_nothing(db: TestDb) {
    let app = admin_app(&db, &[]).await;
    let good = draft(587, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    assert_eq!(put(&app, &good).await.status(), 200);
    let stored: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();

    let mut cases: Vec<(Value, &str)> = Vec::new();
    for (field, value) in [
        ("host", json!("smtp://mail.example.com")),
        ("host", json!("mail.example.com:587")),
        ("host", json!("bad host")),
        ("host", json!("x".repeat(300))),
        ("port", json!(0)),
        ("port", json!(65536)),
        ("from_name", json!("Acme\r\nBcc: victim@example.com")),
        ("from_name", json!("n".repeat(101))),
        ("from_email", json!("not-an-address")),
        ("from_email", json!("a@b.example\r\nBcc: x@y.example")),
        ("username", json!("")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        cases.push((body, field));
    }
    for (body, field) in cases {
        let res = put(&app, &body).await;
        assert_eq!(res.status(), 422, "{field}");
        let err: Value = res.json().await.unwrap();
        assert!(err["error"]["fields"][field].is_string(), "{field}: {err}");
    }
    for (raw, status) in [("{", 400), ("[]", 422), (r#"{"host":"x"}"#, 422), (r#"{"port":"587"}"#, 422)] {
        let res = app.client.put(app.url("/api/v1/smtp")).header("content-type", "application/json").body(raw).send().await.unwrap();
        assert_eq!(res.status(), status, "{raw}");
    }
    let res = app.client.put(app.url("/api/v1/smtp")).body("host=x").send().await.unwrap();
    assert_eq!(res.status(), 415);

    let unchanged: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(unchanged, stored, "a refused save changes nothing");
}

/// A row no save would write (edited by hand, say) is never read as a
/// default: reading it fails, and the log names the column and its value.
/// A save replaces it whole, keeping nothing of it, not even the password.
async fn a_stored_row_that_does_not_decode_is_named_and_a_save_replaces_it(db: TestDb) {
    let app = admin_process(&db, &[]).await;
    let good = draft(2525, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    assert_eq!(put(&app, &good).await.status(), 200);
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    sqlx::any::install_default_drivers();
    let mut other = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE smtp_config SET port = 70000 WHERE id = 1").execute(&mut other).await.unwrap();

    assert_eq!(error_code(app.client.get(app.url("/api/v1/smtp")).send().await.unwrap(), 500).await, "internal");
    assert_eq!(error_code(app.client.post(app.url("/api/v1/smtp/test")).send().await.unwrap(), 500).await, "internal");
    assert!(app.output().contains("smtp_config.port = 70000"), "the column is not named:\n{}", app.output());

    let mut no_password = good.clone();
    no_password["password"] = Value::Null;
    assert_eq!(error_code(put(&app, &no_password).await, 409).await, "conflict", "the password of a row that does not decode was kept");
    let repaired: Value = put(&app, &good).await.json().await.unwrap();
    assert_eq!((repaired["port"].as_u64(), repaired["enabled"].as_bool()), (Some(2525), Some(true)), "{repaired}");
    let read: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(read, repaired);
    let log: Value = app.client.get(app.url("/api/v1/smtp/audit")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log[0]["changed"], json!(["port", "password"]), "{log}");
}

async fn only_host_admins_reach_smtp(db: TestDb) {
    let app = admin_app(&db, &[]).await;
    let (ok, _, err) = db.cli(&["user", "create", "--email", "helper@example.com", "--role", "host_user"], "helper password 1\n");
    assert!(ok, "{err}");
    let helper = app.signed_in_client("helper@example.com", "helper password 1").await;
    let anonymous = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/api/v1/smtp"),
        ("PUT", "/api/v1/smtp"),
        ("POST", "/api/v1/smtp/enable"),
        ("POST", "/api/v1/smtp/disable"),
        ("POST", "/api/v1/smtp/test"),
        ("GET", "/api/v1/smtp/audit"),
    ] {
        let m: reqwest::Method = method.parse().unwrap();
        let body = draft(587, "starttls", None);
        let res = helper.request(m.clone(), app.url(path)).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 403, "host user {method} {path}");
        let res = anonymous.request(m, app.url(path)).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 401, "no credentials {method} {path}");
    }
    for f in ["smtp_settings", "set_smtp_enabled", "smtp_audit"] {
        let res = helper.post(app.url(&format!("/api/fn/{f}"))).form(&[("enabled", "true")]).send().await.unwrap();
        assert_eq!(res.status(), 403, "server function {f}");
    }
    // These take their arguments as JSON (numbers keep their type).
    for (f, args) in [("test_smtp", json!({"draft": null})), ("save_smtp", json!({"draft": draft(587, "starttls", None)}))] {
        let res = helper.post(app.url(&format!("/api/fn/{f}"))).json(&args).send().await.unwrap();
        assert_eq!(res.status(), 403, "server function {f}");
    }
}

async fn sqlite() -> TestDb {
    TestDb::new(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_relay_receives_the_test_email_at_the_admins_address() {
    let relay = Relay::start(RelayOptions::default());
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await;
    let report = test_send(&app, Some(&draft(relay.port, "none", None))).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["stage"], "sent");
    assert_eq!(report["recipient"], ADMIN_EMAIL);
    assert!(report["server_reply"].as_str().unwrap().contains("queued as TEST1"), "{report}");
    let mail = relay.wait_for_messages(1, Duration::from_secs(5));
    assert!(mail[0].contains(&format!("X-Envelope-To: {ADMIN_EMAIL}")), "{}", mail[0]);
    assert!(mail[0].contains("Subject: Gatehouse test email"));
    assert!(mail[0].contains("From: \"Acme Gateway\" <noreply@acme.example>") || mail[0].contains("From: Acme Gateway <noreply@acme.example>"), "{}", mail[0]);
    assert!(mail[0].contains("Message-ID: <"));

    // Nothing was saved by testing.
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_auth_sends_and_a_wrong_password_fails_at_auth() {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let db = sqlite().await;
    let ca = certs.ca.to_string_lossy().to_string();
    let app = admin_process(&db, &[("GATEHOUSE_SMTP_CA_FILE", &ca)]).await;

    let ok = test_send(&app, Some(&draft(relay.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD))))).await;
    assert_eq!((ok["ok"].as_bool(), ok["stage"].as_str()), (Some(true), Some("sent")), "{ok}");
    assert_eq!(relay.wait_for_messages(1, Duration::from_secs(5)).len(), 1);

    let bad = test_send(&app, Some(&draft(relay.port, "starttls", Some((RELAY_USER, "wrong password"))))).await;
    assert_eq!((bad["ok"].as_bool(), bad["stage"].as_str()), (Some(false), Some("auth")), "{bad}");
    assert!(bad["server_reply"].as_str().unwrap_or_default().contains("535"), "{bad}");

    // Saved with the right password, a test with a blank password uses the stored one.
    assert_eq!(put(&app, &draft(relay.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD)))).await.status(), 200);
    let mut blank = draft(relay.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    blank["password"] = json!("");
    let stored = test_send(&app, Some(&blank)).await;
    assert_eq!(stored["stage"], "sent", "{stored}");
    let saved_only = test_send(&app, None).await;
    assert_eq!(saved_only["stage"], "sent", "{saved_only}");
    assert!(!app.output().contains(RELAY_PASSWORD), "password in the server log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_password_goes_only_to_the_relay_it_was_saved_for() {
    let certs = Certs::generate();
    let relay = |certs| Relay::start(RelayOptions { mode: "starttls", certs: Some(certs), auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let (saved_for, other) = (relay(&certs), relay(&certs));
    let db = sqlite().await;
    let ca = certs.ca.to_string_lossy().to_string();
    let app = admin_app(&db, &[("GATEHOUSE_SMTP_CA_FILE", &ca)]).await;
    assert_eq!(put(&app, &draft(saved_for.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD)))).await.status(), 200);

    let mut elsewhere = draft(other.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    elsewhere["password"] = Value::Null;
    // Well-formed, but the stored state has no password for this relay: 409.
    let res = app.client.post(app.url("/api/v1/smtp/test")).json(&elsewhere).send().await.unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["fields"]["password"].is_string(), "{body}");
    assert_eq!(put(&app, &elsewhere).await.status(), 409, "nor can it be saved pointing elsewhere");
    assert!(!other.events().iter().any(|e| e.starts_with("EVENT AUTH")), "the password went to another relay");

    // Same relay, blank password: the stored one is used.
    let mut same = draft(saved_for.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD)));
    same["password"] = Value::Null;
    assert_eq!(test_send(&app, Some(&same)).await["stage"], "sent");
}

/// A password is never offered over an unencrypted connection: 422 naming
/// `security`, for a save and a test send alike, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_without_encryption_is_refused() {
    let relay = Relay::start(RelayOptions { auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await;
    let plain = draft(relay.port, "none", Some((RELAY_USER, RELAY_PASSWORD)));
    let res = put(&app, &plain).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["fields"]["security"].as_str().unwrap().contains("in clear"), "{body}");
    let res = app.client.post(app.url("/api/v1/smtp/test")).json(&plain).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false, "nothing was saved");
    assert!(relay.events().iter().all(|e| !e.starts_with("EVENT")), "the relay never heard from us: {:?}", relay.events());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_sends() {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "ssl", certs: Some(&certs), ..Default::default() });
    let db = sqlite().await;
    let ca = certs.ca.to_string_lossy().to_string();
    let app = admin_app(&db, &[("GATEHOUSE_SMTP_CA_FILE", &ca)]).await;
    let report = test_send(&app, Some(&draft(relay.port, "ssl", None))).await;
    assert_eq!(report["stage"], "sent", "{report}");
    assert_eq!(relay.wait_for_messages(1, Duration::from_secs(5)).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_required_but_not_offered_fails_at_tls_with_nothing_sent() {
    let relay = Relay::start(RelayOptions { auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await;
    let report = test_send(&app, Some(&draft(relay.port, "starttls", Some((RELAY_USER, RELAY_PASSWORD))))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("tls")), "{report}");
    assert!(report["message"].as_str().unwrap().contains("STARTTLS"));
    let events = relay.events();
    assert!(!events.iter().any(|e| e.starts_with("EVENT AUTH") || e.starts_with("EVENT MAIL")), "sent in clear: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_from_an_untrusted_ca_fails_at_tls() {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), ..Default::default() });
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await; // no GATEHOUSE_SMTP_CA_FILE: the test CA is not trusted
    let report = test_send(&app, Some(&draft(relay.port, "starttls", None))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("tls")), "{report}");
    let implicit = Relay::start(RelayOptions { mode: "ssl", certs: Some(&certs), ..Default::default() });
    let report = test_send(&app, Some(&draft(implicit.port, "ssl", None))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("tls")), "{report}");
    assert!(relay.messages().is_empty() && implicit.messages().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_never_speaks_fails_at_connect_within_the_bound() {
    // Accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _held = std::thread::spawn(move || listener.incoming().map_while(Result::ok).collect::<Vec<_>>());
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await; // the default bound: 15 s
    let started = std::time::Instant::now();
    let report = test_send(&app, Some(&draft(port, "starttls", None))).await;
    let took = started.elapsed();
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("connect")), "{report}");
    assert!(took < Duration::from_secs(20), "the request took {took:?}");
    eprintln!("black-holed relay: verdict after {} ms", report["elapsed_ms"]);
}

/// A relay that greets, offers STARTTLS, then goes silent once asked for it:
/// the verdict names the step that hung (tls), within the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_hangs_in_starttls_fails_at_tls_within_the_bound() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            let mut out = stream.try_clone().unwrap();
            let mut lines = BufReader::new(stream);
            let mut line = String::new();
            out.write_all(b"220 hangs.example ESMTP\r\n").unwrap();
            lines.read_line(&mut line).unwrap(); // EHLO
            out.write_all(b"250-hangs.example\r\n250 STARTTLS\r\n").unwrap();
            line.clear();
            lines.read_line(&mut line).unwrap(); // STARTTLS, never answered
            held.push(lines);
        }
    });
    let db = sqlite().await;
    let app = admin_app(&db, &[("GATEHOUSE_SMTP_TEST_TIMEOUT", "2")]).await;
    let report = test_send(&app, Some(&draft(port, "starttls", None))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("tls")), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_recipient_fails_at_recipient_with_the_reply() {
    let relay = Relay::start(RelayOptions { reject_rcpt: &[ADMIN_EMAIL], ..Default::default() });
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await;
    let report = test_send(&app, Some(&draft(relay.port, "none", None))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("recipient")), "{report}");
    assert!(report["server_reply"].as_str().unwrap().contains("User unknown"), "{report}");
}

/// Behind a load balancer an admin's test sends land on several instances;
/// the limit is kept in the shared database, not per process.
async fn the_test_send_limit_holds_across_instances(db: TestDb) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let a = admin_app(&db, &[]).await;
    let b = TestApp::spawn(&db, &[]).await;
    let b_client = b.signed_in_client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for i in 0..5 {
        let (app, client) = if i % 2 == 0 { (&a, &a.client) } else { (&b, &b_client) };
        let res = client.post(app.url("/api/v1/smtp/test")).json(&draft(port, "none", None)).send().await.unwrap();
        assert_eq!(res.status(), 200, "test {i}");
    }
    for (app, client) in [(&a, &a.client), (&b, &b_client)] {
        let res = client.post(app.url("/api/v1/smtp/test")).json(&draft(port, "none", None)).send().await.unwrap();
        assert_eq!(error_code(res, 429).await, "rate_limited");
    }
    // Each test is in the audit log with the stage it reached.
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let stages: Vec<String> = sqlx::query_scalar("SELECT detail FROM smtp_audit WHERE action = 'test' ORDER BY id").fetch_all(&mut conn).await.unwrap();
    assert_eq!(stages, vec!["connect"; 5]);
    let log: Value = a.client.get(a.url("/api/v1/smtp/audit")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log[0], json!({"at": log[0]["at"], "actor_email": ADMIN_EMAIL, "relay": "primary", "action": "tested", "stage": "connect"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_fails_at_connect_and_test_sends_are_rate_limited() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let db = sqlite().await;
    let app = admin_app(&db, &[]).await;
    for _ in 0..5 {
        let report = test_send(&app, Some(&draft(port, "none", None))).await;
        assert_eq!(report["stage"], "connect", "{report}");
    }
    let res = app.client.post(app.url("/api/v1/smtp/test")).json(&draft(port, "none", None)).send().await.unwrap();
    assert_eq!(error_code(res, 429).await, "rate_limited");
}

/// A relay chooses how long its replies are (lettre takes up to 100 KB, in
/// lines of up to 1,000 bytes). What Gatehouse quotes back of one (the test
/// report, an email's last error, stored and listed) keeps at most 1 KiB.
async fn a_relays_long_reply_is_quoted_cut_to_length(db: TestDb) {
    let line = format!("5.7.1 {}", "and the relay goes on ".repeat(10));
    let long_reply = format!("{}554 {line}", format!("554-{line}\r\n").repeat(50));
    let relay = Relay::start(RelayOptions { fail_data: Some((2, &long_reply)), ..Default::default() });
    let app = admin_app(&db, &[]).await;
    let report = test_send(&app, Some(&draft(relay.port, "none", None))).await;
    assert_eq!(report["stage"], "data", "{report}");
    let (reply, message) = (report["server_reply"].as_str().unwrap_or_else(|| panic!("no reply quoted: {report}")), report["message"].as_str().unwrap());
    assert!(reply.contains("the relay goes on") && reply.len() <= 1024, "server_reply: {} bytes", reply.len());
    assert!(message.contains("the relay goes on") && message.len() <= 1024 + 64, "message: {} bytes", message.len());

    app.smtp_on(relay.port).await;
    app.invite("bob@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let failed = loop {
        let emails: Vec<Value> = app.client.get(app.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap();
        if let Some(failed) = emails.into_iter().find(|e| e["status"] == "failed") {
            break failed;
        }
        assert!(Instant::now() < deadline, "the invitation never failed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let last_error = failed["last_error"].as_str().unwrap();
    assert!(last_error.contains("the relay goes on") && last_error.len() <= 1024, "last_error: {} bytes", last_error.len());
}
