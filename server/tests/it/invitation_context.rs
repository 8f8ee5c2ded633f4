//! Issue 25: emails and the invitation page say who invites you, to what and
//! as what; a dead link's page says what ended it and whom to ask; the
//! host's name is set in the console and the next email says it. On both
//! databases, against the tests' real SMTP relay (aiosmtpd).

use crate::on_both_databases;
use crate::support::relay::{text_part, Relay, RelayOptions};
use crate::support::{error_code, TestApp, TestDb, ADMIN_EMAIL};
use serde_json::{json, Value};
use std::time::Duration;

on_both_databases!(
    an_account_users_emails_name_the_account_the_inviter_and_the_role,
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
    mail.iter().find(|m| m.contains(&format!("X-Envelope-To: {to}\n")) || m.contains(&format!("X-Envelope-To: {to}\r\n"))).unwrap_or_else(|| panic!("no email to {to}"))
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
    let (ok, _, err) = db.cli(&["user", "create", "--email", "erin@acme.example", "--role", "account_user", "--account-id", &acme.to_string()], &format!("{PASSWORD}\n"));
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
