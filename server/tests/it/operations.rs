//! What an operator reads (issue 28): `--help` that keeps secrets, logs a
//! shipper takes (JSON lines, no colour codes in a pipe), an access log and
//! request IDs, `Retry-After` on every 429, the right client behind a proxy
//! when listening on `[::]`, and HTTP and build metrics. (The API document
//! taken whole by a client generator is scripts/api-conformance's.)

use crate::support;

use serde_json::{json, Value};
use std::process::Command;
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD, BIN};

on_both_databases!(
    logs_are_json_lines_with_an_access_log_and_request_ids,
    every_429_says_how_long_in_its_header,
    metrics_name_the_build_and_every_route_by_its_template,
);

/// A setting that can hold a secret never shows its value in `--help`.
#[test]
fn help_never_shows_a_secret() {
    const SECRET: &str = "S3cretPw";
    for args in [&["--help"][..], &["serve", "--help"], &["token", "create", "--help"], &["setup-link", "--help"]] {
        let out = Command::new(BIN)
            .args(args)
            .env("GATEHOUSE_DATABASE_URL", format!("postgres://gh:{SECRET}@db/gh"))
            .env("GATEHOUSE_BIND", "127.0.0.1:4000")
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("GATEHOUSE_DATABASE_URL"), "{args:?}: {help}");
        assert!(!help.contains(SECRET), "{args:?} shows the database password:\n{help}");
    }
    // Settings that hold no secret still show theirs, which helps.
    let out = Command::new(BIN).args(["serve", "--help"]).env("GATEHOUSE_BIND", "127.0.0.1:4000").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("GATEHOUSE_BIND=127.0.0.1:4000"));
}

/// With `GATEHOUSE_LOG_FORMAT=json` every log line is one JSON object;
/// each request gets one access line (route template, never a link's token)
/// and an ID, the caller's when it sends a sane one, carried by every line
/// of the request and by the answer; in text to a pipe, no colour codes.
async fn logs_are_json_lines_with_an_access_log_and_request_ids(db: TestDb) {
    let app = TestApp::process(&db, &[("GATEHOUSE_LOG_FORMAT", "json")]).await;
    let token = app.setup_token();
    app.set_up_admin().await;
    let res = app.client.get(app.url("/api/v1/users")).header("x-request-id", "trace-me.42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me.42", "a sane ID is taken");
    let res = app.client.get(app.url("/api/v1/me")).header("x-request-id", "bad id\twith tab").send().await.unwrap();
    let fresh = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(fresh.len(), 32, "another is made: {fresh}");
    let res = app
        .client
        .post(app.url("/api/v1/invitations"))
        .header("x-request-id", "invite-1")
        .json(&json!({"email": "bob@example.com", "role": "host_user"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // The last lines come through a pipe: wait (5 s at most) until the invitation's is in.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !app.output().contains("user invited") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let lines = app.json_log();
    let output = app.output();
    for line in output.lines().filter(|l| l.starts_with('{')) {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "not a JSON line: {line}");
    }
    assert!(!output.contains('\u{1b}'), "no terminal colour codes in a pipe");
    let access: Vec<&Value> = lines.iter().filter(|l| l["target"] == "gatehouse::access").collect();
    let users = access.iter().find(|l| l["route"] == "/api/v1/users").unwrap_or_else(|| panic!("no access line for /api/v1/users: {access:?}"));
    assert_eq!((users["method"].as_str(), users["status"].as_u64()), (Some("GET"), Some(200)));
    assert_eq!(users["span"]["request_id"], "trace-me.42");
    assert_eq!(users["client"], "127.0.0.1");
    assert!(users["timestamp"].is_string() && users["level"] == "INFO" && users["duration_ms"].is_number(), "{users}");
    let setup = access.iter().find(|l| l["route"] == "/api/v1/setup/{token}").expect("the setup request, by its template");
    assert!(lines.iter().all(|l| !l.to_string().contains(&token)), "a link's token is never logged (only the banner prints the setup link)");
    assert_eq!(setup["status"], 201);
    // A line the service wrote while serving the request carries its ID too.
    let invited = lines.iter().find(|l| l["message"] == "user invited").unwrap_or_else(|| panic!("no 'user invited' line:\n{output}"));
    assert_eq!(invited["span"]["request_id"], "invite-1", "{invited}");
    drop(app);

    // Text, to a pipe: readable lines, no escape codes; the access log can be switched off.
    let app = TestApp::process(&db, &[("GATEHOUSE_ACCESS_LOG", "false")]).await;
    app.client.get(app.url("/healthz")).send().await.unwrap();
    let output = app.output();
    assert!(!output.contains('\u{1b}'), "{output}");
    assert!(!output.contains("gatehouse::access"), "switched off:\n{output}");
}

/// A 429 says in `Retry-After` the seconds its message names: sign-in
/// throttling, the current-password check, and the test-send limit.
async fn every_429_says_how_long_in_its_header(db: TestDb) {
    let app = db.process().await;
    app.set_up_admin().await;
    let client = reqwest::Client::new();
    let mut last = None;
    for _ in 0..7 {
        last = Some(client.post(app.url("/api/v1/session")).json(&json!({"email": ADMIN_EMAIL, "password": "wrong password!"})).send().await.unwrap());
    }
    let res = last.unwrap();
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["retry_after_secs"], retry_after);
    assert!(body["error"]["message"].as_str().unwrap().contains(&format!("try again in {retry_after} seconds")), "{body}");

    let draft = json!({"host": "127.0.0.1", "port": 9, "from_name": "Acme", "from_email": "noreply@acme.example", "security": "none", "auth": false});
    let mut last = None;
    for _ in 0..6 {
        last = Some(app.client.post(app.url("/api/v1/smtp/test")).json(&draft).send().await.unwrap());
    }
    let res = last.unwrap();
    assert_eq!(res.headers()["retry-after"], "60");
    assert_eq!(error_code(res, 429).await, "rate_limited");

    let change = |current: &'static str| {
        app.client.post(app.url("/api/v1/me/password")).json(&json!({"current_password": current, "new_password": "a new admin password"}))
    };
    for _ in 0..6 {
        assert_eq!(change("not the password").send().await.unwrap().status(), 403);
    }
    let res = change(ADMIN_PASSWORD).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
}

/// `/metrics` names the build, and counts and times requests by route template.
async fn metrics_name_the_build_and_every_route_by_its_template(db: TestDb) {
    let app = db.process().await;
    app.set_up_admin().await;
    let made: Value = app.client.post(app.url("/api/v1/tokens")).json(&json!({"name": "prometheus"})).send().await.unwrap().json().await.unwrap();
    let token = made["token"].as_str().unwrap();
    for id in [1, 2, 3] {
        app.client.patch(app.url(&format!("/api/v1/users/{id}"))).json(&json!({"disabled": false})).send().await.unwrap();
    }
    let text = reqwest::Client::new().get(app.url("/metrics")).bearer_auth(token).send().await.unwrap().text().await.unwrap();
    let database = if db.backend == support::Backend::Sqlite { "sqlite" } else { "postgres" };
    let build = format!("gatehouse_build_info{{version=\"{}\",database=\"{database}\"}} 1", env!("CARGO_PKG_VERSION"));
    assert!(text.lines().any(|l| l == build), "{build} in:\n{text}");
    assert!(text.lines().any(|l| l.starts_with("gatehouse_http_requests_total{route=\"/api/v1/users/{id}\",method=\"PATCH\",status=")), "{text}");
    assert!(!text.contains("/api/v1/users/1\""), "no label holds an id: {text}");
    assert!(text.lines().any(|l| l.starts_with("gatehouse_http_request_duration_seconds_bucket{") && l.contains("route=\"/api/v1/setup/{token}\"")), "{text}");
    assert!(text.contains("# UNIT gatehouse_http_request_duration_seconds seconds"), "{text}");
}

/// Listening on `[::]`, an IPv4 proxy arrives as `::ffff:127.0.0.1`: it is
/// 127.0.0.1, trusted as such, and the client it forwards is the one
/// counted and audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_proxy_on_ipv6_any_the_forwarded_client_counts() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let public = format!("http://127.0.0.1:{port}");
    let app = TestApp::process_at(&db, &format!("[::]:{port}"), &[("GATEHOUSE_PUBLIC_URL", &public), ("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(app.base, public);
    app.set_up_admin().await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.77")
        .json(&json!({"email": ADMIN_EMAIL, "password": "wrong password!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let failed: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=sign_in_failed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(failed[0]["source"], "203.0.113.77", "the proxy (::ffff:127.0.0.1) was trusted: {failed:?}");
    let setup: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=setup_completed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(setup[0]["source"], "127.0.0.1", "and a direct client is its IPv4 address: {setup:?}");
    assert!(!app.output().contains("GATEHOUSE_TRUSTED_PROXIES is empty"), "no warning: a proxy is trusted");
}
