//! Users shows a pending user's invitation whose email has not gone out, with
//! the link to copy (issue 23): while the tests' relay refuses, the list
//! offers the very link the invitation made, to those who manage the user
//! only; the link works; once it is used, replaced or its email delivered,
//! nothing is offered.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::relay::{Relay, RelayOptions};
use support::{TestApp, TestDb};

on_both_databases!(users_offer_the_link_of_an_invitation_whose_email_has_not_gone_out, a_new_link_cancels_the_email_still_carrying_the_old_one);

const PASSWORD: &str = "a long user password";

async fn users(client: &reqwest::Client, app: &TestApp) -> Vec<Value> {
    let res = client.get(app.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// `email`'s row in `list`, if it is there.
fn row<'a>(list: &'a [Value], email: &str) -> Option<&'a Value> {
    list.iter().find(|u| u["email"] == email)
}

/// Polls the admin's list until `done` holds for `email`'s row, or panics after 20 s.
async fn wait_row(app: &TestApp, email: &str, why: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let list = users(&app.client, app).await;
        let found = row(&list, email).unwrap_or_else(|| panic!("{email} is not listed: {list:?}")).clone();
        if done(&found) {
            return found;
        }
        assert!(Instant::now() < deadline, "{email} never showed {why}: {found}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn users_offer_the_link_of_an_invitation_whose_email_has_not_gone_out(db: TestDb) {
    // The first two messages are refused for good (a 5xx fails an email at once); later ones are taken.
    let relay = Relay::start(RelayOptions { fail_data: Some((2, "550 5.7.1 Message rejected by policy")), ..Default::default() });
    let app = TestApp::spawn(&db, &[]).await;
    app.set_up_admin().await;
    let account: Value = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": "Acme"})).send().await.unwrap().json().await.unwrap();
    let a = account["id"].as_i64().unwrap().to_string();
    for (email, role, account) in [
        ("alice@a.example", "account_admin", Some(a.as_str())),
        ("anna@a.example", "account_user", Some(a.as_str())),
        ("viewer@example.com", "host_user", None),
    ] {
        let mut args = vec!["user", "create", "--email", email, "--role", role];
        args.extend(account.map(|a| ["--account-id", a]).into_iter().flatten());
        let (ok, _, err) = db.cli(&args, &format!("{PASSWORD}\n"));
        assert!(ok, "{err}");
    }
    app.smtp_on(relay.port).await;

    let bob = app.invite("bob@example.com").await;
    let carla_invite = json!({"email": "carla@a.example", "role": "account_user", "account_id": account["id"]});
    let res = app.client.post(app.url("/api/v1/invitations")).json(&carla_invite).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let carla: Value = res.json().await.unwrap();

    // Both refused: the list says the invitation email failed, with the link the invitation made.
    let failed = |u: &Value| u["invitation"]["email"] == "failed";
    let bob_row = wait_row(&app, "bob@example.com", "a failed invitation", failed).await;
    let carla_row = wait_row(&app, "carla@a.example", "a failed invitation", failed).await;
    assert_eq!(bob_row["invitation"], json!({"email": "failed", "held": false, "link": bob["invitation_link"]}), "{bob_row}");
    assert_eq!(carla_row["invitation"]["link"], carla["invitation_link"], "{carla_row}");
    let admins = users(&app.client, &app).await;
    assert!(row(&admins, "viewer@example.com").unwrap()["invitation"].is_null(), "an active user has no invitation: {admins:?}");

    // Only those who manage the user get the link: an account admin for her
    // account's users (she sees no one else); viewers see the state alone.
    let alice = app.signed_in_client("alice@a.example", PASSWORD).await;
    let hers = users(&alice, &app).await;
    assert!(row(&hers, "bob@example.com").is_none(), "{hers:?}");
    assert_eq!(row(&hers, "carla@a.example").unwrap()["invitation"]["link"], carla["invitation_link"], "{hers:?}");
    for (who, email) in [("viewer@example.com", "bob@example.com"), ("anna@a.example", "carla@a.example")] {
        let client = app.signed_in_client(who, PASSWORD).await;
        let seen = users(&client, &app).await;
        let invitation = &row(&seen, email).unwrap()["invitation"];
        assert_eq!((&invitation["email"], &invitation["link"]), (&json!("failed"), &Value::Null), "{who} sees no link: {seen:?}");
    }

    // The link offered works; once used, nothing is offered.
    let link = bob_row["invitation"]["link"].as_str().unwrap();
    assert!(link.starts_with(&format!("{}/invite/", app.base)), "{link}");
    let token = link.rsplit('/').next().unwrap();
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({"email": "bob@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "the offered link works");
    let after = users(&app.client, &app).await;
    let bob_now = row(&after, "bob@example.com").unwrap();
    assert_eq!((&bob_now["status"], &bob_now["invitation"]), (&json!("active"), &Value::Null), "{bob_now}");

    // Replaced by a new link (SMTP off: no email carries it): the failed email's dead link is not offered.
    app.smtp(relay.port, "none", false).await;
    let id = carla["user"]["id"].as_i64().unwrap();
    let res = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let listed = users(&app.client, &app).await;
    let replaced = row(&listed, "carla@a.example").unwrap();
    assert!(replaced["invitation"].is_null(), "a replaced link is never offered: {replaced}");

    // Emailed again, and delivered (the relay takes the third message): nothing to offer.
    app.smtp_on(relay.port).await;
    let again: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["email"], "queued");
    relay.wait_for_messages(1, Duration::from_secs(20));
    let delivered = wait_row(&app, "carla@a.example", "the email sent", |u| u["last_email"] == "sent").await;
    assert!(delivered["invitation"].is_null(), "a delivered invitation offers no link: {delivered}");
}

/// A new link cancels the email still carrying the old one: while the relay
/// defers the first invitation, "Generate invite link" makes a second; the
/// first is cancelled at once (Email activity says why), never retried, and
/// the relay gets the new link only.
async fn a_new_link_cancels_the_email_still_carrying_the_old_one(db: TestDb) {
    let relay = Relay::start(RelayOptions { fail_data: Some((1, "451 4.3.0 Try again later")), ..Default::default() });
    let app = TestApp::spawn(&db, &[]).await;
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;
    let first = app.invite("bob@example.com").await;
    let deferred = wait_row(&app, "bob@example.com", "a deferred invitation", |u| u["invitation"]["email"] == "retrying").await;
    assert_eq!(deferred["invitation"]["link"], first["invitation_link"]);

    let id = first["user"]["id"].as_i64().unwrap();
    let second: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(second["email"], "queued");
    let mail = relay.wait_for_messages(1, Duration::from_secs(20));
    let text = support::relay::text_part(&mail[0]);
    assert!(text.contains(second["invitation_link"].as_str().unwrap()), "the new link was delivered: {text}");
    let emails: Vec<Value> = app.client.get(app.url("/api/v1/emails?recipient=bob@example.com")).send().await.unwrap().json().await.unwrap();
    let states: Vec<(&str, &str)> = emails.iter().map(|e| (e["status"].as_str().unwrap(), e["last_error"].as_str().unwrap_or(""))).collect();
    assert_eq!(states.len(), 2, "{emails:?}");
    assert!(states.contains(&("cancelled", "a newer link replaced the one in this email")), "{states:?}");
    assert!(states.iter().any(|(s, _)| *s == "sent" || *s == "sending"), "{states:?}");
    assert_eq!(relay.messages().len(), 1, "the old link never went out");
}
