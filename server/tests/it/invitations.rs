//! Invitations and password resets, against the real binary and a real SMTP
//! server: with SMTP on the link is emailed (and returned); with it off the
//! link is only returned and no SMTP connection is made.

use crate::support;

use serde_json::{json, Value};
use std::time::Duration;
use support::relay::{Relay, RelayOptions};
use support::{error_code, Backend, TestApp, TestDb, ADMIN_EMAIL};

const BOB: &str = "bob@example.com";
const BOB_PASSWORD: &str = "bob's long password";

/// Posts an invitation body as it is (well-formed or not).
async fn invite(app: &TestApp, body: Value) -> reqwest::Response {
    app.client.post(app.url("/api/v1/invitations")).json(&body).send().await.unwrap()
}

/// The first `{base}/{kind}/<token>` link in a raw email.
fn link_in(mail: &str, base: &str, kind: &str) -> String {
    let prefix = format!("{base}/{kind}/");
    let start = mail.find(&prefix).unwrap_or_else(|| panic!("no {prefix} link in:\n{mail}"));
    mail[start..start + prefix.len() + 43].to_owned()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

async fn users(app: &TestApp) -> Vec<Value> {
    app.client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap()
}

async fn sqlite_app() -> (TestDb, TestApp) {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = db.spawn().await;
    app.set_up_admin().await;
    (db, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_smtp_on_the_invitation_is_emailed_and_the_link_works_once() {
    let relay = Relay::start(RelayOptions::default());
    let (_db, app) = sqlite_app().await;
    app.smtp_on(relay.port).await;

    let res = invite(&app, json!({"email": BOB, "role": "host_user"})).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["email"], "queued");
    assert_eq!(created["user"]["status"], "pending");
    let link = created["invitation_link"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/invite/", app.base)), "{link}");

    let mail = relay.wait_for_messages(1, Duration::from_secs(15));
    assert_eq!(mail.len(), 1, "the invitation email arrives");
    assert!(mail[0].contains(&format!("X-Envelope-To: {BOB}")));
    assert!(mail[0].contains("multipart/alternative"), "text and HTML");
    assert!(mail[0].contains("Message-ID: <"));
    assert_eq!(link_in(&mail[0], &app.base, "invite"), link, "the email carries the link the API returned");
    assert!(mail[0].contains(ADMIN_EMAIL), "says who invited");

    let bob = users(&app).await.into_iter().find(|u| u["email"] == BOB).unwrap();
    assert_eq!(bob["last_email"], "sent");

    let token = token_of(&link);
    let status: Value = reqwest::get(app.url(&format!("/api/v1/invitations/{token}"))).await.unwrap().json().await.unwrap();
    assert_eq!(status["email"], BOB, "{status}");

    let visitor = app.browser();
    let accept = |email: &'static str| {
        visitor.post(app.url(&format!("/api/v1/invitations/{token}/accept"))).json(&json!({"email": email, "password": BOB_PASSWORD})).send()
    };
    let wrong = accept("mallory@example.com").await.unwrap();
    assert_eq!(wrong.status(), 422);
    let body: Value = wrong.json().await.unwrap();
    assert!(body["error"]["fields"]["email"].is_string(), "{body}");

    let ok = accept(BOB).await.unwrap();
    assert_eq!(ok.status(), 201);
    let me: Value = visitor.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!((me["email"].as_str(), me["role"].as_str()), (Some(BOB), Some("host_user")));

    assert_eq!(error_code(accept(BOB).await.unwrap(), 410).await, "gone", "the link works exactly once");
    let bob = users(&app).await.into_iter().find(|u| u["email"] == BOB).unwrap();
    assert_eq!(bob["status"], "active");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regenerating_mails_a_new_link_and_kills_the_old_one() {
    let relay = Relay::start(RelayOptions::default());
    let (_db, app) = sqlite_app().await;
    app.smtp_on(relay.port).await;
    let created: Value = invite(&app, json!({"email": BOB, "role": "host_admin"})).await.json().await.unwrap();
    let old = created["invitation_link"].as_str().unwrap().to_owned();
    let id = created["user"]["id"].as_i64().unwrap();
    assert_eq!(relay.wait_for_messages(1, Duration::from_secs(15)).len(), 1);

    let again: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["email"], "queued");
    let new = again["invitation_link"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let mail = relay.wait_for_messages(2, Duration::from_secs(15));
    assert_eq!(link_in(&mail[1], &app.base, "invite"), new);

    let visitor = reqwest::Client::new();
    let body = json!({"email": BOB, "password": BOB_PASSWORD});
    let res = visitor.post(app.url(&format!("/api/v1/invitations/{}/accept", token_of(&old)))).json(&body).send().await.unwrap();
    assert_eq!(error_code(res, 410).await, "gone", "the replaced link is dead at once");
    let res = visitor.post(app.url(&format!("/api/v1/invitations/{}/accept", token_of(&new)))).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let res = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap();
    assert_eq!(error_code(res, 409).await, "conflict", "no invitation for an active user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_answers_alike_mails_only_real_users_and_resets_once() {
    let relay = Relay::start(RelayOptions::default());
    let (db, app) = sqlite_app().await;
    let (ok, _, err) = db.cli(&["user", "create", "--email", BOB, "--role", "host_user"], &format!("{BOB_PASSWORD}\n"));
    assert!(ok, "{err}");
    app.smtp_on(relay.port).await;
    let bobs_other_session = app.signed_in_client(BOB, BOB_PASSWORD).await;

    let anon = reqwest::Client::new();
    let ask = |email: &'static str| anon.post(app.url("/api/v1/password-reset")).json(&json!({"email": email})).send();
    let known = ask(BOB).await.unwrap();
    let unknown = ask("nobody@example.com").await.unwrap();
    assert_eq!((known.status().as_u16(), unknown.status().as_u16()), (202, 202));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap(), "identical answers");

    let mail = relay.wait_for_messages(1, Duration::from_secs(15));
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains(&format!("X-Envelope-To: {BOB}")));
    let link = link_in(&mail[0], &app.base, "reset");
    let token = token_of(&link).to_owned();

    let short = anon.post(app.url(&format!("/api/v1/password-reset/{token}"))).json(&json!({"password": "short"})).send().await.unwrap();
    assert_eq!(error_code(short, 422).await, "validation");
    let done = anon.post(app.url(&format!("/api/v1/password-reset/{token}"))).json(&json!({"password": "bob's brand new password"})).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let again = anon.post(app.url(&format!("/api/v1/password-reset/{token}"))).json(&json!({"password": "and yet another one"})).send().await.unwrap();
    assert_eq!(error_code(again, 410).await, "gone");

    let old = anon.post(app.url("/api/v1/session")).json(&json!({"email": BOB, "password": BOB_PASSWORD})).send().await.unwrap();
    assert_eq!(old.status(), 401, "the old password is dead");
    app.signed_in_client(BOB, "bob's brand new password").await;
    assert_eq!(bobs_other_session.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "other sessions ended");
    assert_eq!(relay.messages().len(), 1, "no email for the unknown address");
}

on_both_databases!(with_smtp_off_the_link_is_returned_and_nothing_is_sent, links_come_only_from_the_public_url, invitations_refuse_bad_input_and_other_roles);

async fn with_smtp_off_the_link_is_returned_and_nothing_is_sent(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = db.spawn().await;
    app.set_up_admin().await;
    // Configured but switched off.
    app.smtp_on(relay.port).await;
    assert_eq!(app.client.post(app.url("/api/v1/smtp/disable")).send().await.unwrap().status(), 200);

    let created: Value = invite(&app, json!({"email": BOB, "role": "host_user"})).await.json().await.unwrap();
    assert_eq!(created["email"], "smtp_disabled");
    let link = created["invitation_link"].as_str().unwrap();
    let id = created["user"]["id"].as_i64().unwrap();
    let again: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["email"], "smtp_disabled");
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/invitations/{}/accept", token_of(again["invitation_link"].as_str().unwrap()))))
        .json(&json!({"email": BOB, "password": BOB_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "the shared link works");
    assert_ne!(link, again["invitation_link"].as_str().unwrap());

    let reset: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/password-reset"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(reset["email"], "smtp_disabled");
    assert!(reset["reset_link"].as_str().unwrap().starts_with(&format!("{}/reset/", app.base)));
    let forgot = reqwest::Client::new().post(app.url("/api/v1/password-reset")).json(&json!({"email": BOB})).send().await.unwrap();
    assert_eq!(forgot.status(), 202);

    // Nothing was queued (no user has an email state) and the relay never heard from us.
    assert!(users(&app).await.iter().all(|u| u["last_email"].is_null()));
    assert!(!relay.events().iter().any(|e| e.starts_with("EVENT")), "SMTP connection while off: {:?}", relay.events());
}

async fn links_come_only_from_the_public_url(db: TestDb) {
    let app = TestApp::spawn(&db, &[("GATEHOUSE_PUBLIC_URL", "https://console.example.test/gh")]).await;
    assert!(app.setup_link.as_deref().unwrap().starts_with("https://console.example.test/gh/setup/"));
    // The https public URL makes the session cookie Secure, which this plain-http client
    // would not send back; the gateway backend's way in is a bearer token anyway.
    let (ok, _, err) = db.cli(&["admin", "create", "--email", ADMIN_EMAIL], "a long admin password\n");
    assert!(ok, "{err}");
    let (_, token, _) = db.cli(&["token", "create", "--email", ADMIN_EMAIL, "--name", "test"], "");
    // A foreign Host does not even get an answer (421, the DNS-rebinding
    // guard); forwarding headers are not believed either.
    let foreign = reqwest::Client::new()
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(token.trim())
        .header("host", "evil.example")
        .json(&json!({"email": BOB, "role": "host_user"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 421);
    let created: Value = reqwest::Client::new()
        .post(app.url("/api/v1/invitations"))
        .bearer_auth(token.trim())
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "http")
        .json(&json!({"email": BOB, "role": "host_user"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = created["invitation_link"].as_str().unwrap();
    assert!(link.starts_with("https://console.example.test/gh/invite/"), "{link}");
}

async fn invitations_refuse_bad_input_and_other_roles(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let account: Value = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": "Acme"})).send().await.unwrap().json().await.unwrap();
    let account_id = account["id"].as_i64().unwrap();

    for (body, field, status) in [
        (json!({"email": "not an address", "role": "host_user"}), "email", 422),
        (json!({"email": BOB, "role": "account_user"}), "account_id", 422),
        (json!({"email": BOB, "role": "host_user", "account_id": account_id}), "account_id", 422),
        // Well-formed, but what it refers to is missing.
        (json!({"email": BOB, "role": "account_admin", "account_id": 999_999}), "account_id", 404),
    ] {
        let res = invite(&app, body.clone()).await;
        assert_eq!(res.status(), status, "{body}");
        let err: Value = res.json().await.unwrap();
        assert!(err["error"]["fields"][field].is_string(), "{body}: {err}");
    }
    assert_eq!(invite(&app, json!({"email": BOB, "role": "emperor"})).await.status(), 422);
    assert_eq!(invite(&app, json!({"email": ADMIN_EMAIL, "role": "host_user"})).await.status(), 409);
    let created = invite(&app, json!({"email": BOB, "role": "account_user", "account_id": account_id})).await;
    assert_eq!(created.status(), 201);
    let bob: Value = created.json().await.unwrap();
    assert_eq!(bob["user"]["account_id"], account_id);
    let bob_id = bob["user"]["id"].as_i64().unwrap();
    let res = app.client.post(app.url(&format!("/api/v1/users/{bob_id}/password-reset"))).send().await.unwrap();
    assert_eq!(error_code(res, 409).await, "conflict", "a pending user gets an invitation, not a reset");
    let res = app.client.post(app.url("/api/v1/users/999999/invitation")).send().await.unwrap();
    assert_eq!(error_code(res, 404).await, "not_found");
    for path in ["/api/v1/invitations/nonsense/accept", "/api/v1/password-reset/nonsense"] {
        let res = reqwest::Client::new().post(app.url(path)).json(&json!({"email": BOB, "password": BOB_PASSWORD})).send().await.unwrap();
        assert_eq!(error_code(res, 410).await, "gone", "{path}");
    }

    let (ok, _, err) = db.cli(&["user", "create", "--email", "helper@example.com", "--role", "host_user"], "helper password 1\n");
    assert!(ok, "{err}");
    let helper = app.signed_in_client("helper@example.com", "helper password 1").await;
    let res = helper.post(app.url("/api/v1/invitations")).json(&json!({"email": "carol@example.com", "role": "host_user"})).send().await.unwrap();
    assert_eq!(error_code(res, 403).await, "forbidden");
    let res = helper.post(app.url(&format!("/api/v1/users/{bob_id}/invitation"))).send().await.unwrap();
    assert_eq!(error_code(res, 403).await, "forbidden");
    let res = helper.post(app.url("/api/fn/invite_user")).json(&json!({"invite": {"email": "carol@example.com", "role": "host_user"}})).send().await.unwrap();
    assert_eq!(res.status().as_u16() / 100, 4);
    assert_eq!(users(&app).await.len(), 3, "nothing else was created");
}
