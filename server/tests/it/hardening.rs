//! Security hardening of requests, cookies and sessions (issue 11): each
//! scenario fails if its guard is taken out.

use crate::support;

use serde_json::json;
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

on_both_databases!(
    a_cookie_alone_does_not_authorise_a_change,
    requests_for_another_host_name_get_421,
    api_answers_are_never_cached,
    an_idle_session_ends,
    metrics_need_a_host_admin_or_the_private_listener,
    over_https_the_cookie_is_host_bound_and_hsts_is_sent,
    a_password_reset_clears_failures_and_revokes_tokens,
    quiet_throttle_counters_are_swept,
    a_queued_email_holds_no_link_in_clear_and_a_sent_one_no_body,
    delivery_history_is_kept_for_its_retention,
    without_its_key_sealed_data_stops_the_start,
    api_tokens_are_listed_expire_and_are_revoked_at_once,
    keeping_the_password_is_decided_in_the_saving_transaction,
    a_burst_of_parallel_guesses_is_counted_in_full,
);

/// A signed-in browser session without a same-origin signal is refused a
/// change (CSRF by a form or a non-browser client replaying a cookie);
/// `Sec-Fetch-Site: same-origin` or the console's `Origin` prove it; bearer
/// tokens need neither.
async fn a_cookie_alone_does_not_authorise_a_change(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (_, cookie) = sign_in_raw(&app).await;
    let plain = reqwest::Client::new();
    let create = |name: &str| plain.post(app.url("/api/v1/accounts")).header("cookie", &cookie).json(&json!({"name": name}));

    let refused = create("Acme").send().await.unwrap();
    assert_eq!(error_code(refused, 403).await, "forbidden");
    let accounts: Vec<serde_json::Value> = app.client.get(app.url("/api/v1/accounts")).send().await.unwrap().json().await.unwrap();
    assert!(accounts.is_empty(), "the refused request changed nothing");

    assert_eq!(create("Acme").header("sec-fetch-site", "same-origin").send().await.unwrap().status(), 201);
    assert_eq!(create("Beta").header("origin", &app.base).send().await.unwrap().status(), 201);
    let cross = create("Gamma").header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(error_code(cross, 403).await, "forbidden");
    // Reads need no proof.
    assert_eq!(plain.get(app.url("/api/v1/me")).header("cookie", &cookie).send().await.unwrap().status(), 200);

    let (ok, token, err) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "backend"], "");
    assert!(ok, "{err}");
    let res = plain.post(app.url("/api/v1/accounts")).bearer_auth(token.trim()).json(&json!({"name": "Delta"})).send().await.unwrap();
    assert_eq!(res.status(), 201, "bearer requests are not browser requests");
}

/// DNS rebinding: a page on another name that resolves to this machine gets
/// 421, whatever the path; the bind address, `localhost` on loopback, and the
/// health probes are answered.
async fn requests_for_another_host_name_get_421(db: TestDb) {
    let app = db.process().await;
    let plain = reqwest::Client::new();
    for path in ["/api/v1/setup/x", "/", "/metrics"] {
        let res = plain.get(app.url(path)).header("host", "attacker.example").send().await.unwrap();
        assert_eq!(error_code(res, 421).await, "misdirected_request", "{path}");
    }
    let port = app.base.rsplit(':').next().unwrap();
    let res = plain.get(app.url("/api/v1/setup/x")).header("host", format!("localhost:{port}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = plain.get(app.url("/healthz")).header("host", "10.0.0.7:8080").send().await.unwrap();
    assert_eq!(res.status(), 200, "probes answer whatever name they use");
}

async fn api_answers_are_never_cached(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/nowhere", "/api/v1/openapi.json"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let res = app.client.post(app.url("/api/fn/whoami")).header("content-type", "application/x-www-form-urlencoded").send().await.unwrap();
    assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "server functions too");
}

/// A session unused for longer than the idle timeout ends; one in use lives on.
async fn an_idle_session_ends(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;

    // Used 29 minutes ago (default timeout 30): still live, and using it counts.
    sqlx::query("UPDATE sessions SET last_seen_at = $1").bind(now - 29 * 60).execute(&mut conn).await.unwrap();
    assert_eq!(app.client.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let seen: i64 = sqlx::query_scalar("SELECT last_seen_at FROM sessions").fetch_one(&mut conn).await.unwrap();
    assert!(seen >= now, "the request was recorded as activity ({seen} < {now})");

    // Unused for 31 minutes: over.
    sqlx::query("UPDATE sessions SET last_seen_at = $1").bind(now - 31 * 60).execute(&mut conn).await.unwrap();
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
}

async fn metrics_need_a_host_admin_or_the_private_listener(db: TestDb) {
    let app = TestApp::process(&db, &[("GATEHOUSE_METRICS_BIND", "127.0.0.1:0")]).await;
    app.set_up_admin().await;
    let plain = reqwest::Client::new();
    assert_eq!(error_code(plain.get(app.url("/metrics")).send().await.unwrap(), 401).await, "unauthorized");

    let (ok, token, err) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "prometheus"], "");
    assert!(ok, "{err}");
    let res = plain.get(app.url("/metrics")).bearer_auth(token.trim()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("gatehouse_outbox_queue_depth"));

    let (ok, _, err) = db.cli(&["user", "create", "--email", "viewer@example.com", "--role", "host_user"], "viewer password 1\n");
    assert!(ok, "{err}");
    let (ok, viewer, err) = db.cli(&["token", "create", "--email", "viewer@example.com", "--name", "x"], "");
    assert!(ok, "{err}");
    assert_eq!(error_code(plain.get(app.url("/metrics")).bearer_auth(viewer.trim()).send().await.unwrap(), 403).await, "forbidden");

    // The operator's own listener answers without credentials, and serves nothing else.
    let output = app.output();
    let private = output.lines().find_map(|l| l.strip_prefix("Metrics on ")).unwrap_or_else(|| panic!("no metrics listener in:\n{output}")).trim();
    let res = plain.get(private).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("gatehouse_outbox_queue_depth"));
    let other = private.replace("/metrics", "/api/v1/users");
    assert_eq!(plain.get(other).send().await.unwrap().status(), 404);
}

async fn over_https_the_cookie_is_host_bound_and_hsts_is_sent(db: TestDb) {
    let app = TestApp::spawn(&db, &[("GATEHOUSE_PUBLIC_URL", "https://console.example.test/gh")]).await;
    app.set_up_admin().await;
    let (res, cookie) = sign_in_raw(&app).await;
    assert!(cookie.starts_with("__Host-gh_session="), "{cookie}");
    let set_cookie = res;
    assert!(set_cookie.contains("; Secure") && set_cookie.contains("Path=/") && !set_cookie.contains("Domain"), "{set_cookie}");
    let home = reqwest::get(app.url("/api/v1/setup/x")).await.unwrap();
    assert_eq!(home.headers().get("strict-transport-security").map(|v| v.to_str().unwrap()), Some("max-age=31536000"));

    // Over plain http there is neither.
    let plain_db = TestDb::new(db.backend).await;
    let plain = plain_db.spawn().await;
    plain.set_up_admin().await;
    let (set_cookie, cookie) = sign_in_raw(&plain).await;
    assert!(cookie.starts_with("gh_session=") && !set_cookie.contains("Secure"), "{set_cookie}");
    assert!(reqwest::get(plain.url("/healthz")).await.unwrap().headers().get("strict-transport-security").is_none());
}

/// After a reset, the account's counted failures are gone (the new
/// password works at once, from anywhere) and so are its API tokens.
async fn a_password_reset_clears_failures_and_revokes_tokens(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (ok, _, err) = db.cli(&["user", "create", "--email", "bob@example.com", "--role", "host_admin"], "bob's old password\n");
    assert!(ok, "{err}");
    let (ok, token, err) = db.cli(&["token", "create", "--email", "bob@example.com", "--name", "backend"], "");
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let plain = reqwest::Client::new();
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);

    let sign_in = |password: &'static str| plain.post(app.url("/api/v1/session")).json(&json!({"email": "bob@example.com", "password": password})).send();
    for _ in 0..6 {
        assert_eq!(sign_in("a wrong guess!").await.unwrap().status(), 401);
    }
    assert_eq!(sign_in("bob's old password").await.unwrap().status(), 429);

    let users: Vec<serde_json::Value> = app.client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let bob = users.iter().find(|u| u["email"] == "bob@example.com").unwrap()["id"].as_i64().unwrap();
    let link: serde_json::Value = app.client.post(app.url(&format!("/api/v1/users/{bob}/password-reset"))).send().await.unwrap().json().await.unwrap();
    let secret = link["reset_link"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let done = plain.post(app.url(&format!("/api/v1/password-reset/{secret}"))).json(&json!({"password": "bob's new password"})).send().await.unwrap();
    assert_eq!(done.status(), 200);

    assert_eq!(sign_in("bob's new password").await.unwrap().status(), 200, "the reset cleared the failures");
    let res = plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized", "the reset revoked bob's token");
}

/// Counters that have gone quiet are swept (at start, then every few minutes).
async fn quiet_throttle_counters_are_swept(db: TestDb) {
    let app = db.process().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for (source, at, until) in [("192.0.2.1", now - 3600, 0), ("192.0.2.2", now - 3600, now + 600), ("192.0.2.3", now, 0)] {
        sqlx::query("INSERT INTO sign_in_throttle (source, account, failures, last_failure_at, blocked_until) VALUES ($1, '', 9, $2, $3)")
            .bind(source)
            .bind(at)
            .bind(until)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    app.stop();
    let _app = db.process().await;
    // The sweep runs as the server starts; wait for it, boundedly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let left = loop {
        let left: Vec<String> = sqlx::query_scalar("SELECT source FROM sign_in_throttle ORDER BY source").fetch_all(&mut conn).await.unwrap();
        if left == ["192.0.2.2", "192.0.2.3"] || std::time::Instant::now() > deadline {
            break left;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(left, ["192.0.2.2", "192.0.2.3"], "quiet and not waiting: swept; still waiting or recent: kept");
}

/// The outbox keeps an invitation's body sealed (the link in it is live),
/// nowhere in clear, not even in SQLite's files; once sent, the body goes.
async fn a_queued_email_holds_no_link_in_clear_and_a_sent_one_no_body(db: TestDb) {
    let app = TestApp::spawn(&db, &[("GATEHOUSE_RETRY_BASE_SECS", "1")]).await;
    app.set_up_admin().await;
    // SMTP on, but nothing listens yet: the email waits in the outbox.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(port).await;
    let invited = app.invite("bob@example.com").await;
    let secret = invited["invitation_link"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let (text, html, body): (String, String, String) = sqlx::query_as("SELECT text_body, html_body, body FROM outbox").fetch_one(&mut conn).await.unwrap();
    assert_eq!(body, "sealed");
    assert!(text.starts_with("v1:") && html.starts_with("v1:"), "{text}");
    assert!(!text.contains(&secret) && !html.contains(&secret));
    if db.backend == support::Backend::Sqlite {
        for file in ["gatehouse.db", "gatehouse.db-wal"] {
            let bytes = std::fs::read(db.dir.path().join(file)).unwrap_or_default();
            assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "the link is in {file} in clear");
        }
    }

    let relay = support::relay::Relay::start(support::relay::RelayOptions { port, ..Default::default() });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while relay.messages().is_empty() {
        assert!(std::time::Instant::now() < deadline, "never delivered");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(relay.messages()[0].contains(&secret), "the delivered email carries the link");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let row = loop {
        let row: (String, String, String, String) = sqlx::query_as("SELECT status, text_body, html_body, body FROM outbox").fetch_one(&mut conn).await.unwrap();
        if row.0 == "sent" || std::time::Instant::now() > deadline {
            break row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(row, ("sent".into(), String::new(), String::new(), "dropped".into()));
}

/// Finished emails' history is deleted after GATEHOUSE_EMAIL_RETENTION_DAYS;
/// an unsent one whose link has expired loses its body and is failed.
async fn delivery_history_is_kept_for_its_retention(db: TestDb) {
    let app = db.process().await;
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let day = 24 * 3600;
    for (to, status, created, link_expires) in [
        ("old-sent@example.com", "sent", now - 91 * day, now - 80 * day),
        ("recent-sent@example.com", "sent", now - 89 * day, now - 80 * day),
        ("old-waiting@example.com", "retrying", now - 91 * day, now + day),
        ("expired-link@example.com", "retrying", now - day, now - 1),
    ] {
        sqlx::query(
            "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, body, link_expires_at, message_id, status, attempts, next_attempt_at, created_at) \
             VALUES ('invitation', NULL, $1, 'Subject', 'v1:x', 'v1:y', 'sealed', $2, '<id@example.com>', $3, 1, $4, $5)",
        )
        .bind(to)
        .bind(link_expires)
        .bind(status)
        .bind(now + 3600)
        .bind(created)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    app.stop();
    let _app = db.process().await;
    let expect = |to: &str, status: &str, body: &str| (to.to_owned(), status.to_owned(), body.to_owned());
    let expected = [
        expect("expired-link@example.com", "failed", "dropped"),
        expect("old-waiting@example.com", "retrying", "sealed"),
        // Kept for its history, but its link has expired: no body.
        expect("recent-sent@example.com", "sent", "dropped"),
    ];
    // Until the sweep at start has run (bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let rows = loop {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT to_email, status, body FROM outbox ORDER BY to_email").fetch_all(&mut conn).await.unwrap();
        if rows == expected || std::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(rows, expected, "91 days old and finished: deleted; unfinished or younger: kept");
}

/// With sealed data in the database and no `secret.key`, the server refuses
/// to start (a new key could not open that data), saying what to do.
async fn without_its_key_sealed_data_stops_the_start(db: TestDb) {
    let app = db.process().await;
    app.set_up_admin().await;
    let draft = json!({"host": "127.0.0.1", "port": 2525, "from_name": "Acme", "from_email": "noreply@acme.example",
        "security": "starttls", "auth": true, "username": "relay-user", "password": "relay password"});
    assert_eq!(app.client.put(app.url("/api/v1/smtp")).json(&draft).send().await.unwrap().status(), 200);
    app.stop();
    std::fs::remove_file(db.dir.path().join("secret.key")).unwrap();

    let mut child = std::process::Command::new(support::BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("GATEHOUSE_DATA_DIR", db.dir.path())
        .env("GATEHOUSE_DATABASE_URL", &db.url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the server started without the key that opens its sealed data");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("secret.key is missing") && err.contains("backup"), "{err}");
    assert!(!db.dir.path().join("secret.key").exists(), "no new key was made in its place");
}

/// Host settings → API tokens over REST and the CLI: the secret is shown
/// once and never listed; a revoked or expired token gets 401 at once.
async fn api_tokens_are_listed_expire_and_are_revoked_at_once(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let created = app.client.post(app.url("/api/v1/tokens")).json(&json!({"name": "gateway backend", "expires_in_days": 30})).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ght_"));
    assert_eq!(created["owner"], ADMIN_EMAIL);
    let created_at = created["created_at"].as_i64().unwrap();
    assert_eq!(created["expires_at"].as_i64().unwrap(), created_at + 30 * 24 * 3600);

    let plain = reqwest::Client::new();
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);
    let listed = app.client.get(app.url("/api/v1/tokens")).send().await.unwrap().text().await.unwrap();
    assert!(!listed.contains(&token), "the secret is never listed");
    let listed: Vec<serde_json::Value> = serde_json::from_str(&listed).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0]["name"].as_str(), listed[0]["owner"].as_str()), (Some("gateway backend"), Some(ADMIN_EMAIL)));
    assert!(listed[0]["last_used_at"].as_i64().unwrap() >= created_at, "its use was recorded");

    // Bad input: 422 naming the fields, and nothing is created.
    let bad = app.client.post(app.url("/api/v1/tokens")).json(&json!({"name": " ", "expires_in_days": 0})).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert!(bad["error"]["fields"]["name"].is_string() && bad["error"]["fields"]["expires_in_days"].is_string(), "{bad}");

    // Revoked: 401 on the very next request; a second revoke is 404.
    let id = created["id"].as_i64().unwrap();
    assert_eq!(app.client.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.unwrap().status(), 204);
    assert_eq!(error_code(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap(), 401).await, "unauthorized");
    assert_eq!(app.client.delete(app.url(&format!("/api/v1/tokens/{id}"))).send().await.unwrap().status(), 404);

    // Expired: 401, though the row (and the list entry) remain until revoked.
    let (ok, cli_token, err) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "short-lived", "--expires-in-days", "1"], "");
    assert!(ok, "{err}");
    let cli_token = cli_token.trim().to_owned();
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&cli_token).send().await.unwrap().status(), 200);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = created_at - 1").execute(&mut conn).await.unwrap();
    assert_eq!(error_code(plain.get(app.url("/api/v1/me")).bearer_auth(&cli_token).send().await.unwrap(), 401).await, "unauthorized");

    // The CLI lists and revokes too.
    let (ok, out, err) = db.cli(&["token", "list"], "");
    assert!(ok && out.contains("short-lived") && !out.contains(&cli_token), "{out}{err}");
    let cli_id = out.lines().find(|l| l.contains("short-lived")).unwrap().split_whitespace().next().unwrap().to_owned();
    let (ok, out, err) = db.cli(&["token", "revoke", "--id", &cli_id], "");
    assert!(ok && out.contains("revoked"), "{out}{err}");
    let (ok, _, err) = db.cli(&["token", "revoke", "--id", &cli_id], "");
    assert!(!ok && err.contains("no such token"), "{err}");
    let listed: Vec<serde_json::Value> = app.client.get(app.url("/api/v1/tokens")).send().await.unwrap().json().await.unwrap();
    assert!(listed.is_empty(), "{listed:?}");

    // Host users may not manage tokens.
    let (ok, _, err) = db.cli(&["user", "create", "--email", "viewer@example.com", "--role", "host_user"], "viewer password 1\n");
    assert!(ok, "{err}");
    let viewer = app.signed_in_client("viewer@example.com", "viewer password 1").await;
    assert_eq!(error_code(viewer.get(app.url("/api/v1/tokens")).send().await.unwrap(), 403).await, "forbidden");
    assert_eq!(error_code(viewer.post(app.url("/api/v1/tokens")).json(&json!({"name": "x"})).send().await.unwrap(), 403).await, "forbidden");
}

/// "Keep the stored password" keeps the one stored for the relay in the
/// request. Another writer (another instance, say) changes host and password
/// and holds its transaction open while the console saves the old host with
/// the password left blank: once it commits, the save must see the new row
/// and refuse (409), not pair the new password with the old host.
async fn keeping_the_password_is_decided_in_the_saving_transaction(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let mut draft = json!({"host": "127.0.0.1", "port": 2525, "from_name": "Acme", "from_email": "noreply@acme.example",
        "security": "starttls", "auth": true, "username": "relay-user", "password": "first password"});
    assert_eq!(app.client.put(app.url("/api/v1/smtp")).json(&draft).send().await.unwrap().status(), 200);

    let mut other = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let begin = if db.backend == support::Backend::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
    sqlx::query(begin).execute(&mut other).await.unwrap();
    sqlx::query("UPDATE smtp_config SET host = 'relay-b.example', password_sealed = 'v1:another relay''s password' WHERE id = 1")
        .execute(&mut other)
        .await
        .unwrap();

    draft["password"] = serde_json::Value::Null;
    let save = tokio::spawn(app.client.put(app.url("/api/v1/smtp")).json(&draft).send());
    if db.backend == support::Backend::Postgres {
        // Until the save is waiting for the row's lock (bounded).
        let mut watch = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                .fetch_one(&mut watch)
                .await
                .unwrap();
            if waiting > 0 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the save never waited for the row");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    } else {
        // SQLite shows no waiting writers. Half a second lets the save reach
        // its transaction; had it not, it would read the new row anyway and
        // the test would pass without testing the race: never fail wrongly.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();

    let res = save.await.unwrap().unwrap();
    assert_eq!(res.status(), 409, "the blank password was kept for another relay");
    let host: String = sqlx::query_scalar("SELECT host FROM smtp_config").fetch_one(&mut other).await.unwrap();
    assert_eq!(host, "relay-b.example");
}

/// Twenty wrong passwords at once from one address: every one is counted
/// (no update lost to a race), so the burst cannot slip past the delays, and
/// the right password then waits too.
async fn a_burst_of_parallel_guesses_is_counted_in_full(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let client = reqwest::Client::new();
    let attempt = |password: &'static str| client.post(app.url("/api/v1/session")).json(&json!({"email": ADMIN_EMAIL, "password": password})).send();
    // Each request in its own task, all started before any is awaited.
    let burst: Vec<_> = (0..20).map(|_| tokio::spawn(attempt("a wrong guess!"))).collect();
    for task in burst {
        let status = task.await.unwrap().unwrap().status().as_u16();
        assert!(status == 401 || status == 429, "{status}");
    }
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let counted: Vec<i64> = sqlx::query_scalar("SELECT failures FROM sign_in_throttle ORDER BY account DESC").fetch_all(&mut conn).await.unwrap();
    assert_eq!(counted, [20, 20, 20], "the (address, account) pair, the address and the account, each counted 20 times");
    assert_eq!(error_code(attempt(ADMIN_PASSWORD).await.unwrap(), 429).await, "rate_limited");
}

/// Signs in without a cookie jar: (the Set-Cookie header, the `name=value` pair to send back).
async fn sign_in_raw(app: &TestApp) -> (String, String) {
    let res = reqwest::Client::new().post(app.url("/api/v1/session")).json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    (set_cookie, pair)
}
