//! The foundation, end to end against the real binary: first-run setup,
//! sign-in and sessions, roles, bearer tokens, and bad input.

use crate::support;

use serde_json::{json, Value};
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

on_both_databases!(
    setup_link_works_exactly_once,
    setup_link_dies_when_an_admin_is_made_from_the_cli,
    only_the_newest_setup_link_works_for_an_hour,
    sign_in_sign_out_and_wrong_password,
    failed_sign_ins_are_rate_limited,
    host_user_is_refused_host_admin_routes,
    bearer_token_acts_as_its_user,
    garbage_gets_a_clear_4xx_and_changes_nothing,
    foreign_origin_is_refused,
    sessions_survive_a_restart,
    probes_answer,
);

async fn setup_link_works_exactly_once(db: TestDb) {
    let app = db.process().await;
    let token = app.setup_token();
    assert!(app.setup_link.as_deref().unwrap().starts_with(&app.base), "link uses the public URL");

    let status: Value = app.client.get(app.url(&format!("/api/v1/setup/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"valid": true, "host_name": "Gatehouse"}), "while it works, the host's name for the page's title");

    // Invalid fields: 422 naming both, and the link still works afterwards.
    let res = app.client.post(app.url(&format!("/api/v1/setup/{token}"))).json(&json!({"email": "not-an-address", "password": "short"})).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["fields"]["email"].is_string() && body["error"]["fields"]["password"].is_string(), "{body}");

    app.set_up_admin().await;
    let me: Value = app.client.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "host_admin");

    let again = app
        .client
        .post(app.url(&format!("/api/v1/setup/{token}")))
        .json(&json!({"email": "second@example.com", "password": "another long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(again, 410).await, "gone");
    let status: Value = app.client.get(app.url(&format!("/api/v1/setup/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"valid": false}));

    // With an admin in place, a restart prints no new setup link.
    app.stop();
    let app = db.process().await;
    assert!(app.setup_link.is_none(), "no setup link once an admin exists");
}

async fn setup_link_dies_when_an_admin_is_made_from_the_cli(db: TestDb) {
    let app = db.spawn().await;
    let token = app.setup_token();
    let (ok, _, err) = db.cli(&["admin", "create", "--email", "ops@example.com"], "ops password 123\n");
    assert!(ok, "{err}");
    let status: Value = app.client.get(app.url(&format!("/api/v1/setup/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"valid": false}));
    let res =
        app.client.post(app.url(&format!("/api/v1/setup/{token}"))).json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(error_code(res, 410).await, "gone", "no second admin through an old link");
}

async fn only_the_newest_setup_link_works_for_an_hour(db: TestDb) {
    let app = db.process().await;
    let first = app.setup_token();
    let live = |token: String| {
        let (client, url) = (app.client.clone(), app.url(&format!("/api/v1/setup/{token}")));
        async move { client.get(url).send().await.unwrap().json::<Value>().await.unwrap()["valid"] == json!(true) }
    };
    assert!(live(first.clone()).await);

    // `gatehouse setup-link` prints a fresh link (to stderr, with the server's
    // public URL) and the one printed at start stops working.
    let (ok, _, err) = db.cli(&["setup-link", "--public-url", &app.base], "");
    assert!(ok, "{err}");
    let link = err.lines().find_map(|l| l.strip_prefix("Setup link: ")).unwrap_or_else(|| panic!("no setup link in: {err}")).trim().to_owned();
    assert!(link.starts_with(&format!("{}/setup/", app.base)), "{link}");
    let second = link.rsplit('/').next().unwrap().to_owned();
    assert!(!live(first).await, "the older link died");
    assert!(live(second.clone()).await);

    // A restart (still no admin) prints a new link, and the CLI's dies.
    app.stop();
    let app = db.process().await;
    let third = app.setup_token();
    let status = |token: &str| app.client.get(app.url(&format!("/api/v1/setup/{token}"))).send();
    assert_eq!(status(&second).await.unwrap().json::<Value>().await.unwrap(), json!({"valid": false}));
    assert_eq!(status(&third).await.unwrap().json::<Value>().await.unwrap(), json!({"valid": true, "host_name": "Gatehouse"}));

    // One live link, living one hour.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let lifetimes: Vec<i64> = sqlx::query_scalar("SELECT expires_at - created_at FROM setup_tokens").fetch_all(&mut conn).await.unwrap();
    assert_eq!(lifetimes, [3600]);

    // With an admin, the command refuses and says why.
    app.set_up_admin().await;
    let (ok, _, err) = db.cli(&["setup-link"], "");
    assert!(!ok && err.contains("already has a host admin"), "{err}");
}

async fn sign_in_sign_out_and_wrong_password(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;

    let fresh = app.browser();
    let wrong = fresh.post(app.url("/api/v1/session")).json(&json!({"email": ADMIN_EMAIL, "password": "not the password"})).send().await.unwrap();
    assert_eq!(error_code(wrong, 401).await, "unauthorized");
    let unknown = fresh.post(app.url("/api/v1/session")).json(&json!({"email": "nobody@example.com", "password": "whatever it is"})).send().await.unwrap();
    assert_eq!(error_code(unknown, 401).await, "unauthorized");
    assert_eq!(fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);

    let ok = fresh.post(app.url("/api/v1/session")).json(&json!({"email": "ADMIN@example.com", "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain-http public URL: no Secure flag");
    assert_eq!(fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);

    // The dashboard's server functions see the same session.
    let me: Value = fresh.post(app.url("/api/fn/whoami")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);

    let out = fresh.delete(app.url("/api/v1/session")).send().await.unwrap();
    assert_eq!(out.status(), 204);
    assert_eq!(fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    let res = fresh.post(app.url("/api/fn/whoami")).send().await.unwrap();
    assert_eq!(res.status(), 401, "server functions answer 401, not 500, without a session");
}

/// A stranger's failures slow the stranger down, not the account's owner;
/// `X-Forwarded-For` tells them apart only from a trusted proxy; the
/// bookkeeping is a few counters, not a row per attempt.
async fn failed_sign_ins_are_rate_limited(db: TestDb) {
    const STRANGER: &str = "203.0.113.9";
    const OWNER: &str = "198.51.100.7";
    // This test's requests come from 127.0.0.1: trusted as a proxy here.
    let app = TestApp::process(&db, &[("GATEHOUSE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    app.set_up_admin().await;
    let client = reqwest::Client::new();
    let attempt = |from: &'static str, password: &'static str| {
        client.post(app.url("/api/v1/session")).header("x-forwarded-for", from).json(&json!({"email": ADMIN_EMAIL, "password": password})).send()
    };
    // Five failures are free; the sixth starts a 10-second wait for that pair.
    for _ in 0..6 {
        assert_eq!(attempt(STRANGER, "wrong password!").await.unwrap().status(), 401);
    }
    let waiting = attempt(STRANGER, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(waiting.status(), 429);
    let body: Value = waiting.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("seconds"), "{body}");
    assert_eq!(attempt(OWNER, ADMIN_PASSWORD).await.unwrap().status(), 200, "the owner, from their own address, is not slowed down");

    // Counters: the stranger's pair and source, the owner's source (its pair
    // went with the success), and the account's own, across sources.
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_throttle").fetch_one(&mut conn).await.unwrap();
    assert_eq!(rows, 4, "9 attempts, 4 counters");
    app.stop();

    // Without a trusted proxy, X-Forwarded-For is anyone's to write: ignored.
    let app = db.process().await;
    let attempt = |from: &'static str, password: &'static str| {
        client.post(app.url("/api/v1/session")).header("x-forwarded-for", from).json(&json!({"email": "bob@example.com", "password": password})).send()
    };
    for _ in 0..6 {
        assert_eq!(attempt(STRANGER, "wrong password!").await.unwrap().status(), 401);
    }
    let res = attempt(OWNER, "wrong password!").await.unwrap();
    assert_eq!(error_code(res, 429).await, "rate_limited", "all of it came from 127.0.0.1");
}

async fn host_user_is_refused_host_admin_routes(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (ok, _, err) = db.cli(&["user", "create", "--email", "helper@example.com", "--role", "host_user"], "helper password 1\n");
    assert!(ok, "{err}");
    let helper = app.signed_in_client("helper@example.com", "helper password 1").await;

    let me: Value = helper.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "host_user");
    // Host users read users and accounts (roles.rs), but host settings are for host admins.
    for path in ["/api/v1/host", "/api/v1/smtp", "/api/v1/tokens"] {
        let res = helper.get(app.url(path)).send().await.unwrap();
        assert_eq!(error_code(res, 403).await, "forbidden", "{path}");
    }
    for f in ["host_info", "smtp_settings", "list_api_tokens"] {
        let res = helper.post(app.url(&format!("/api/fn/{f}"))).send().await.unwrap();
        assert_eq!(res.status(), 403, "server function {f}");
    }
    // The admin sees both users.
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    assert_eq!(users.len(), 2);
}

async fn bearer_token_acts_as_its_user(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (ok, token, err) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "gateway backend"], "");
    assert!(ok, "{err}");
    let token = token.trim();
    assert!(token.starts_with("ght_"), "{token}");

    let api = reqwest::Client::new();
    let users: Vec<Value> = api.get(app.url("/api/v1/users")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
    assert_eq!(users[0]["email"], ADMIN_EMAIL);

    let forged = format!("ght_{}", "A".repeat(43));
    let res = api.get(app.url("/api/v1/users")).bearer_auth(&forged).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
    let res = api.get(app.url("/api/v1/users")).header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
    let res = api.get(app.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");

    // Unknown user for a token: the CLI says so and fails.
    let (ok, _, err) = db.cli(&["token", "create", "--email", "ghost@example.com", "--name", "x"], "");
    assert!(!ok && err.contains("no user"), "{err}");
}

async fn garbage_gets_a_clear_4xx_and_changes_nothing(db: TestDb) {
    let app = db.spawn().await;
    let token = app.setup_token();
    let c = reqwest::Client::new();
    let setup = app.url(&format!("/api/v1/setup/{token}"));

    let not_json = c.post(&setup).header("content-type", "application/json").body("{nope").send().await.unwrap();
    assert_eq!(error_code(not_json, 400).await, "bad_request");
    let wrong_type = c.post(&setup).header("content-type", "text/plain").body("hello").send().await.unwrap();
    assert_eq!(error_code(wrong_type, 415).await, "unsupported_media_type");
    let wrong_shape = c.post(&setup).json(&json!({"email": 5})).send().await.unwrap();
    assert_eq!(error_code(wrong_shape, 422).await, "validation");
    // Its own client: the server answers 413 without reading the body, then drops that connection.
    let huge = reqwest::Client::new().post(&setup).json(&json!({"email": "a@b.co", "password": "x".repeat(3 << 20)})).send().await.unwrap();
    assert_eq!(error_code(huge, 413).await, "payload_too_large");
    let long_password = c.post(&setup).json(&json!({"email": "a@b.co", "password": "x".repeat(5000)})).send().await.unwrap();
    assert_eq!(error_code(long_password, 422).await, "validation");
    let bad_token = c.post(app.url("/api/v1/setup/%00%ff")).json(&json!({"email": "a@b.co", "password": "long enough pw"})).send().await.unwrap();
    assert_eq!(bad_token.status().as_u16() / 100, 4);
    let session_garbage = c.post(app.url("/api/v1/session")).json(&json!(["not", "an", "object"])).send().await.unwrap();
    // Well-formed JSON of the wrong shape: every body is an object (serde alone would read a struct from an array).
    assert_eq!(error_code(session_garbage, 422).await, "validation");
    // PostgreSQL refuses NUL in text: the address is parsed before any query, so this is a plain 401.
    let nul = c.post(app.url("/api/v1/session")).json(&json!({"email": "a\u{0}b@example.com", "password": "whatever it is"})).send().await.unwrap();
    assert_eq!(error_code(nul, 401).await, "unauthorized");
    let fn_garbage = c.post(app.url("/api/fn/whoami")).header("content-type", "application/x-www-form-urlencoded").body(vec![0xff, 0xfe]).send().await.unwrap();
    assert_eq!(fn_garbage.status().as_u16() / 100, 4, "server functions answer 4xx to unreadable arguments");
    let huge_sign_in = c.post(app.url("/api/v1/session")).json(&json!({"email": "a@b.co", "password": "p".repeat(100_000)})).send().await.unwrap();
    assert_eq!(error_code(huge_sign_in, 401).await, "unauthorized");
    let no_route = c.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(error_code(no_route, 404).await, "not_found");
    let wrong_method = c.put(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(error_code(wrong_method, 405).await, "method_not_allowed");
    let bad_fn = c.post(app.url("/api/fn/does_not_exist")).send().await.unwrap();
    assert_eq!(bad_fn.status().as_u16() / 100, 4);
    let cookie_garbage = c.get(app.url("/api/v1/me")).header("cookie", "gh_session=%%%; other=1").send().await.unwrap();
    assert_eq!(error_code(cookie_garbage, 401).await, "unauthorized");

    // None of it used up or damaged the setup link.
    let status: Value = c.get(&setup).send().await.unwrap().json().await.unwrap();
    assert_eq!(status, json!({"valid": true, "host_name": "Gatehouse"}));
    app.set_up_admin().await;
}

async fn foreign_origin_is_refused(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let c = reqwest::Client::new();
    let body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});
    let evil = c.post(app.url("/api/v1/session")).header("origin", "https://evil.example").json(&body).send().await.unwrap();
    assert_eq!(error_code(evil, 403).await, "forbidden");
    let own = c.post(app.url("/api/v1/session")).header("origin", app.base.clone()).json(&body).send().await.unwrap();
    assert_eq!(own.status(), 200);
}

async fn sessions_survive_a_restart(db: TestDb) {
    let app = db.process().await;
    app.set_up_admin().await;
    let client = app.client.clone();
    app.stop();
    let app = db.process().await;
    // The cookie jar holds a cookie for the old port's host; same host, so it is sent.
    let me = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);
}

async fn probes_answer(db: TestDb) {
    let app = db.process().await;
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(app.url("/readyz")).await.unwrap().status(), 200);
    // No password or token ever reaches the log.
    app.set_up_admin().await;
    assert!(!app.output().contains(ADMIN_PASSWORD));
}
