//! Issue 25: emails and the invitation page say who invites you, to what and
//! as what; a dead link's page says what ended it and whom to ask; the
//! host's name is set in the console and the next email says it. On both
//! databases, against the tests' real SMTP relay (aiosmtpd).

use crate::support;
use serde_json::{json, Value};
use std::time::Duration;
use support::relay::{text_part, Relay, RelayOptions};
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL};

on_both_databases!(
    an_account_users_emails_name_the_account_the_inviter_and_the_role,
    the_invitation_link_says_what_it_is_for_or_what_ended_it,
    a_renamed_host_is_named_in_the_next_email,
    only_host_admins_rename_the_host_and_bad_names_are_refused,
);

const PASSWORD: &str = "a long user password";

async fn account(app: &TestApp, name: &str) -> i64 {
    let res = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": name})).send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Invites as the signed-in host admin; the 201's body.
async fn invite(app: &TestApp, body: Value) -> Value {
    let res = app.client.post(app.url("/api/v1/invitations")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201, "inviting {body}");
    res.json().await.unwrap()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

/// The raw email the relay took for `to`.
fn mail_to<'m>(mail: &'m [String], to: &str) -> &'m str {
    mail.iter()
        .find(|m| m.contains(&format!("X-Envelope-To: {to}\n")) || m.contains(&format!("X-Envelope-To: {to}\r\n")))
        .unwrap_or_else(|| panic!("no email to {to}"))
}

/// `GET /api/v1/invitations/{token}` as a stranger holding the link: (status, body).
async fn link_page(app: &TestApp, token: &str) -> (u16, Value) {
    let res = reqwest::Client::new().get(app.url(&format!("/api/v1/invitations/{token}"))).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn an_account_users_emails_name_the_account_the_inviter_and_the_role(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = db.spawn().await;
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;
    let acme = account(&app, "Acme").await;
    invite(&app, json!({"email": "bob@acme.example", "role": "account_admin", "account_id": acme})).await;
    invite(&app, json!({"email": "carla@acme.example", "role": "account_user", "account_id": acme, "language": "it"})).await;
    invite(&app, json!({"email": "dan@host.example", "role": "host_user"})).await;
    // An active account user's reset, made by the admin.
    let (ok, _, err) =
        db.cli(&["user", "create", "--email", "erin@acme.example", "--role", "account_user", "--account-id", &acme.to_string()], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users?q=erin")).send().await.unwrap().json().await.unwrap();
    let erin = users[0]["id"].as_i64().unwrap();
    assert_eq!(app.client.post(app.url(&format!("/api/v1/users/{erin}/password-reset"))).send().await.unwrap().status(), 200);

    let mail = relay.wait_for_messages(4, Duration::from_secs(20));
    assert_eq!(mail.len(), 4);
    let bob = mail_to(&mail, "bob@acme.example");
    assert!(bob.contains("Subject: You are invited to join Acme"), "{bob}");
    let text = text_part(bob);
    assert!(text.contains(&format!("{ADMIN_EMAIL} invites you to join Acme as an account admin.")), "{text}");
    assert!(text.contains("Acme's console is run by Gatehouse."), "the host is named as who runs it: {text}");

    // In the language chosen for her.
    let carla = mail_to(&mail, "carla@acme.example");
    assert!(carla.contains("Subject: Sei stato invitato in Acme"), "{carla}");
    let text = text_part(carla);
    assert!(text.contains(&format!("{ADMIN_EMAIL} ti invita a entrare in Acme come utente account.")), "{text}");

    // A host user hears of the host, and of no account.
    let dan = mail_to(&mail, "dan@host.example");
    let text = text_part(dan);
    assert!(text.contains(&format!("{ADMIN_EMAIL} invites you to join Gatehouse as a host user.")), "{text}");
    assert!(!text.contains("Acme"), "{text}");

    let erin = mail_to(&mail, "erin@acme.example");
    assert!(erin.contains("Subject: Reset your Acme password"), "{erin}");
    assert!(text_part(erin).contains("your Acme account"), "{}", text_part(erin));
}

async fn the_invitation_link_says_what_it_is_for_or_what_ended_it(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let acme = account(&app, "Acme").await;

    // Live: what the email said, and nothing more.
    let created = invite(&app, json!({"email": "bob@acme.example", "role": "account_admin", "account_id": acme})).await;
    let first = created["invitation_link"].as_str().unwrap().to_owned();
    let (status, body) = link_page(&app, token_of(&first)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"email": "bob@acme.example", "role": "account_admin", "account": {"name": "Acme"}, "invited_by": {"email": ADMIN_EMAIL}, "expires_at": created["expires_at"]})
    );
    let host_user = invite(&app, json!({"email": "dan@host.example", "role": "host_user"})).await;
    let (status, body) = link_page(&app, token_of(host_user["invitation_link"].as_str().unwrap())).await;
    assert_eq!((status, &body["account"], &body["role"]), (200, &Value::Null, &json!("host_user")), "{body}");

    // Replaced: a new link for the same person.
    let id = created["user"]["id"].as_i64().unwrap();
    let again: Value = app.client.post(app.url(&format!("/api/v1/users/{id}/invitation"))).send().await.unwrap().json().await.unwrap();
    let second = again["invitation_link"].as_str().unwrap().to_owned();
    let (status, body) = link_page(&app, token_of(&first)).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["code"], "gone");
    assert_eq!(body["error"]["link"], json!({"reason": "replaced", "ask": ADMIN_EMAIL}), "{body}");
    // Accepting it says the same.
    let accept = |link: String| {
        let url = app.url(&format!("/api/v1/invitations/{}/accept", token_of(&link)));
        async move { reqwest::Client::new().post(url).json(&json!({"email": "bob@acme.example", "password": PASSWORD})).send().await.unwrap() }
    };
    let refused: Value = accept(first.clone()).await.json().await.unwrap();
    assert_eq!(refused["error"]["link"]["reason"], "replaced", "{refused}");
    assert_eq!(link_page(&app, token_of(&second)).await.0, 200, "the newest link works");

    // Used.
    assert_eq!(accept(second.clone()).await.status(), 201);
    let (status, body) = link_page(&app, token_of(&second)).await;
    assert_eq!((status, &body["error"]["link"]["reason"]), (410, &json!("used")), "{body}");

    // Expired: its time ran out (moved back in the database, as a week passing would).
    let late = invite(&app, json!({"email": "late@acme.example", "role": "account_user", "account_id": acme})).await;
    let late_id = late["user"]["id"].as_i64().unwrap();
    let (status, _) = link_page(&app, token_of(late["invitation_link"].as_str().unwrap())).await;
    assert_eq!(status, 200);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    sqlx::query("UPDATE user_links SET expires_at = $1 WHERE user_id = $2").bind(now - 60).bind(late_id).execute(&pool).await.unwrap();
    pool.close().await;
    let (status, body) = link_page(&app, token_of(late["invitation_link"].as_str().unwrap())).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"]["link"], json!({"reason": "expired", "ask": ADMIN_EMAIL}), "{body}");

    // Unknown: never made, or not a link at all.
    let (status, body) = link_page(&app, &"A".repeat(43)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{body}");
    assert_eq!(link_page(&app, "nonsense").await.0, 404);

    // The reset page's status names the address it resets.
    let (ok, _, err) =
        db.cli(&["user", "create", "--email", "erin@acme.example", "--role", "account_user", "--account-id", &acme.to_string()], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users?q=erin")).send().await.unwrap().json().await.unwrap();
    let erin = users[0]["id"].as_i64().unwrap();
    let reset: Value = app.client.post(app.url(&format!("/api/v1/users/{erin}/password-reset"))).send().await.unwrap().json().await.unwrap();
    let token = token_of(reset["reset_link"].as_str().unwrap()).to_owned();
    let status: Value = reqwest::get(app.url(&format!("/api/v1/password-reset/{token}"))).await.unwrap().json().await.unwrap();
    assert_eq!((&status["valid"], &status["email"]), (&json!(true), &json!("erin@acme.example")), "{status}");
}

async fn a_renamed_host_is_named_in_the_next_email(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = db.spawn().await;
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;
    let host: Value = app.client.get(app.url("/api/v1/host")).send().await.unwrap().json().await.unwrap();
    assert_eq!(host["name"], "Gatehouse", "GATEHOUSE_ORGANISATION's default, until renamed");
    invite(&app, json!({"email": "dan@host.example", "role": "host_user"})).await;
    let mail = relay.wait_for_messages(1, Duration::from_secs(15));
    assert!(text_part(mail_to(&mail, "dan@host.example")).contains("join Gatehouse as a host user"));

    let res = app.client.patch(app.url("/api/v1/host")).json(&json!({"name": "Agency Media"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "Agency Media");
    let host: Value = app.client.get(app.url("/api/v1/host")).send().await.unwrap().json().await.unwrap();
    assert_eq!(host["name"], "Agency Media");

    invite(&app, json!({"email": "erin@host.example", "role": "host_user"})).await;
    let acme = account(&app, "Acme").await;
    invite(&app, json!({"email": "bob@acme.example", "role": "account_user", "account_id": acme})).await;
    let mail = relay.wait_for_messages(3, Duration::from_secs(15));
    let erin = mail_to(&mail, "erin@host.example");
    assert!(erin.contains("Subject: You are invited to join Agency Media"), "{erin}");
    assert!(text_part(erin).contains(&format!("{ADMIN_EMAIL} invites you to join Agency Media as a host user.")), "{}", text_part(erin));
    assert!(text_part(mail_to(&mail, "bob@acme.example")).contains("Acme's console is run by Agency Media."));

    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=host_renamed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!((&audit[0]["actor"], &audit[0]["target"], &audit[0]["detail"]), (&json!(ADMIN_EMAIL), &json!("Agency Media"), &json!("was Gatehouse")));
}

async fn only_host_admins_rename_the_host_and_bad_names_are_refused(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let acme = account(&app, "Acme").await;
    let rename = |client: reqwest::Client, body: Value| {
        let url = app.url("/api/v1/host");
        async move { client.patch(url).json(&body).send().await.unwrap() }
    };
    for (email, role, account) in [("viewer@host.example", "host_user", None), ("boss@acme.example", "account_admin", Some(acme))] {
        let mut args = vec!["user", "create", "--email", email, "--role", role];
        let id = account.map(|a: i64| a.to_string());
        if let Some(id) = &id {
            args.extend(["--account-id", id.as_str()]);
        }
        let (ok, _, err) = db.cli(&args, &format!("{PASSWORD}\n"));
        assert!(ok, "{err}");
        let client = app.signed_in_client(email, PASSWORD).await;
        assert_eq!(error_code(rename(client, json!({"name": "Mine now"})).await, 403).await, "forbidden", "{role}");
    }
    assert_eq!(rename(reqwest::Client::new(), json!({"name": "Mine now"})).await.status(), 401);

    for bad in ["", "   ", "two\nlines", "hidden\u{202E}direction", &"x".repeat(101)] {
        let res = rename(app.client.clone(), json!({"name": bad})).await;
        assert_eq!(res.status(), 422, "{bad:?}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"]["fields"]["name"].is_string(), "{bad:?}: {body}");
    }
    let host: Value = app.client.get(app.url("/api/v1/host")).send().await.unwrap().json().await.unwrap();
    assert_eq!(host["name"], "Gatehouse", "nothing refused was stored");
    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=host_renamed")).send().await.unwrap().json().await.unwrap();
    assert!(audit.is_empty(), "{audit:?}");
}
