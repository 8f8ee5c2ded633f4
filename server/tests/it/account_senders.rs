//! Issue 25, item 1: an account's own sender. Emails to an account's users
//! say the account's From (and Reply-To) and go through the host's relay,
//! whose address stays the envelope's MAIL FROM; a host user's say the
//! host's. Addresses outside the allowed domains get 422; account admins set
//! their own account's sender only when the host allows it. On both
//! databases, against the tests' real SMTP relay (aiosmtpd).

use crate::support;
use reqwest::Client;
use serde_json::{json, Value};
use std::time::Duration;
use support::relay::{envelope_from, header, Relay, RelayOptions};
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL};

on_both_databases!(an_accounts_emails_say_its_sender_while_mail_from_stays_the_relays, account_admins_set_their_sender_only_when_the_host_allows_it,);

/// The host relay's address in the tests (`TestApp::smtp`).
const RELAY_FROM: &str = "noreply@acme.example";

fn mail_to<'m>(mail: &'m [String], to: &str) -> &'m str {
    mail.iter().find(|m| m.contains(&format!("X-Envelope-To: {to}\r\n"))).unwrap_or_else(|| panic!("no email to {to} in {mail:?}"))
}

fn patch_account(app: &TestApp, client: &Client, id: i64, body: Value) -> reqwest::RequestBuilder {
    client.patch(app.url(&format!("/api/v1/accounts/{id}"))).json(&body)
}

async fn field_error(res: reqwest::Response, field: &str) -> String {
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    body["error"]["fields"][field].as_str().unwrap_or_else(|| panic!("no {field} in {body}")).to_owned()
}

async fn accounts(app: &TestApp, client: &Client) -> Vec<Value> {
    client.get(app.url("/api/v1/accounts")).send().await.unwrap().json().await.unwrap()
}

async fn an_accounts_emails_say_its_sender_while_mail_from_stays_the_relays(db: TestDb) {
    let relay = Relay::start(RelayOptions::default());
    let app = TestApp::spawn(&db, &[("GATEHOUSE_ACCOUNT_SENDER_DOMAINS", "client.example, mail.client.example")]).await;
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;
    let acme = app.account("Acme").await;

    let host: Value = app.client.get(app.url("/api/v1/host")).send().await.unwrap().json().await.unwrap();
    assert_eq!(host["account_senders"], json!({"account_admins_may_set": false, "domains": ["client.example", "mail.client.example"]}), "the setting's list");

    // Outside the allowed domains: 422 naming the field, and nothing changes.
    let outside =
        patch_account(&app, &app.client, acme, json!({"sender": {"from_name": "Acme", "from_email": "news@elsewhere.example"}})).send().await.unwrap();
    assert!(field_error(outside, "sender.from_email").await.contains("client.example"));
    let reply_outside = json!({"sender": {"from_name": "Acme", "from_email": "hello@client.example", "reply_to": "help@elsewhere.example"}});
    assert!(field_error(patch_account(&app, &app.client, acme, reply_outside).send().await.unwrap(), "sender.reply_to").await.contains("client.example"));
    let bad_name = json!({"sender": {"from_name": "Acme\r\nBcc: x@y.example", "from_email": "hello@client.example"}});
    field_error(patch_account(&app, &app.client, acme, bad_name).send().await.unwrap(), "sender.from_name").await;
    assert_eq!(accounts(&app, &app.client).await[0]["sender"], Value::Null, "nothing refused was saved");

    // A host admin sets it; the list shows it.
    let sender = json!({"from_name": "Acme Support", "from_email": "Hello@Client.example", "reply_to": "help@mail.client.example"});
    let res = patch_account(&app, &app.client, acme, json!({"sender": sender})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let saved = json!({"from_name": "Acme Support", "from_email": "hello@client.example", "reply_to": "help@mail.client.example"});
    assert_eq!(res.json::<Value>().await.unwrap()["sender"], saved);
    assert_eq!(accounts(&app, &app.client).await[0], json!({"id": acme, "name": "Acme", "sender": saved}));

    // An account user's invitation speaks for the account; a host user's for the host.
    app.client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({"email": "bob@acme.example", "role": "account_user", "account_id": acme}))
        .send()
        .await
        .unwrap();
    app.invite("dan@host.example").await;
    let mail = relay.wait_for_messages(2, Duration::from_secs(20));
    let bob = mail_to(&mail, "bob@acme.example");
    assert_eq!(header(bob, "From").as_deref(), Some("\"Acme Support\" <hello@client.example>"), "{bob}");
    assert_eq!(header(bob, "Reply-To").as_deref(), Some("help@mail.client.example"));
    assert_eq!(envelope_from(bob), RELAY_FROM, "the relay's own address stays the envelope sender");
    let dan = mail_to(&mail, "dan@host.example");
    assert_eq!(header(dan, "From").as_deref(), Some("Acme <noreply@acme.example>"), "{dan}");
    assert_eq!(header(dan, "Reply-To"), None);
    assert_eq!(envelope_from(dan), RELAY_FROM);

    // A regenerated link goes out from the account too.
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users?q=bob")).send().await.unwrap().json().await.unwrap();
    let bob_id = users[0]["id"].as_i64().unwrap();
    assert_eq!(app.client.post(app.url(&format!("/api/v1/users/{bob_id}/invitation"))).send().await.unwrap().status(), 200);
    let mail = relay.wait_for_messages(3, Duration::from_secs(20));
    assert_eq!(header(&mail[2], "From").as_deref(), Some("\"Acme Support\" <hello@client.example>"));
    assert_eq!(envelope_from(&mail[2]), RELAY_FROM);

    // "Send a test email from this account's sender": to the admin, from the account.
    let res = app.client.post(app.url(&format!("/api/v1/accounts/{acme}/sender/test"))).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report["ok"], true, "{report}");
    let mail = relay.wait_for_messages(4, Duration::from_secs(20));
    let test = mail_to(&mail, ADMIN_EMAIL);
    assert_eq!(header(test, "From").as_deref(), Some("\"Acme Support\" <hello@client.example>"));
    assert_eq!(envelope_from(test), RELAY_FROM);

    // Removed: the account's emails say the host's From again.
    let res = patch_account(&app, &app.client, acme, json!({"sender": null})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["sender"], Value::Null);
    let no_sender = app.client.post(app.url(&format!("/api/v1/accounts/{acme}/sender/test"))).json(&json!({})).send().await.unwrap();
    assert_eq!(error_code(no_sender, 409).await, "conflict");
    assert_eq!(app.client.post(app.url(&format!("/api/v1/users/{bob_id}/invitation"))).send().await.unwrap().status(), 200);
    let mail = relay.wait_for_messages(5, Duration::from_secs(20));
    assert_eq!(header(&mail[4], "From").as_deref(), Some("Acme <noreply@acme.example>"));

    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=account_sender_changed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.len(), 2, "set, then removed: {audit:?}");
    assert_eq!(audit[0]["target"], "Acme");
    assert!(audit[0]["detail"].as_str().unwrap().contains("removed"), "{audit:?}");
    assert!(audit[1]["detail"].as_str().unwrap().contains("hello@client.example"), "{audit:?}");
    assert_eq!(error_code(patch_account(&app, &app.client, 9999, json!({"sender": null})).send().await.unwrap(), 404).await, "not_found");
}

async fn account_admins_set_their_sender_only_when_the_host_allows_it(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (acme, beta) = (app.account("Acme").await, app.account("Beta").await);
    let ann = app.cli_user(&db, "ann@acme.example", "account_admin", Some(acme)).await;
    let amy = app.cli_user(&db, "amy@acme.example", "account_user", Some(acme)).await;
    let sender = json!({"sender": {"from_name": "Acme", "from_email": "hello@acme.example"}});

    // Off by default: even their own account's, 403.
    let refused = patch_account(&app, &ann, acme, sender.clone()).send().await.unwrap();
    assert_eq!(error_code(refused, 403).await, "forbidden");
    assert_eq!(accounts(&app, &ann).await, [json!({"id": acme, "name": "Acme", "sender": null})], "an account admin sees their own account");
    assert_eq!(
        error_code(patch_account(&app, &ann, acme, json!({"name": "Acme Srl"})).send().await.unwrap(), 403).await,
        "forbidden",
        "renaming is the host's"
    );
    let host = ann.patch(app.url("/api/v1/host")).json(&json!({"account_admins_may_set_sender": true})).send().await.unwrap();
    assert_eq!(error_code(host, 403).await, "forbidden", "the rule is the host admins'");

    // A host admin allows it, for one domain; audited.
    let bad = app.client.patch(app.url("/api/v1/host")).json(&json!({"account_sender_domains": ["acme.example", "not a domain"]})).send().await.unwrap();
    field_error(bad, "account_sender_domains").await;
    let res = app
        .client
        .patch(app.url("/api/v1/host"))
        .json(&json!({"account_admins_may_set_sender": true, "account_sender_domains": ["ACME.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let host: Value = res.json().await.unwrap();
    assert_eq!(host["account_senders"], json!({"account_admins_may_set": true, "domains": ["acme.example"]}));
    assert_eq!(host["name"], "Gatehouse", "the name stays when left out");
    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=sender_policy_changed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");

    // Now their own account's, on the allowed domain only; never another account's.
    let res = patch_account(&app, &ann, acme, sender.clone()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["sender"]["from_email"], "hello@acme.example");
    let outside = patch_account(&app, &ann, acme, json!({"sender": {"from_name": "Acme", "from_email": "hello@beta.example"}})).send().await.unwrap();
    assert!(field_error(outside, "sender.from_email").await.contains("acme.example"));
    assert_eq!(error_code(patch_account(&app, &ann, beta, sender.clone()).send().await.unwrap(), 403).await, "forbidden", "another account");
    assert_eq!(error_code(patch_account(&app, &amy, acme, sender.clone()).send().await.unwrap(), 403).await, "forbidden", "an account user");
    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=account_sender_changed")).send().await.unwrap().json().await.unwrap();
    assert_eq!((audit.len(), audit[0]["actor"].as_str()), (1, Some("ann@acme.example")));

    // Their test email asks for a relay the host has not saved.
    let test = ann.post(app.url(&format!("/api/v1/accounts/{acme}/sender/test"))).json(&json!({})).send().await.unwrap();
    assert_eq!(error_code(test, 409).await, "conflict");
    let other = ann.post(app.url(&format!("/api/v1/accounts/{beta}/sender/test"))).json(&json!({})).send().await.unwrap();
    assert_eq!(error_code(other, 403).await, "forbidden");

    // Switched off again: their next change is refused, the saved sender stays.
    let res = app.client.patch(app.url("/api/v1/host")).json(&json!({"account_admins_may_set_sender": false})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["account_senders"]["domains"], json!(["acme.example"]), "the domains stay when left out");
    assert_eq!(error_code(patch_account(&app, &ann, acme, json!({"sender": null})).send().await.unwrap(), 403).await, "forbidden");
    assert_eq!(accounts(&app, &app.client).await[0]["sender"]["from_email"], "hello@acme.example");
    let unsaved = ann.post(app.url(&format!("/api/v1/accounts/{acme}/sender/test"))).json(&sender).send().await.unwrap();
    assert_eq!(error_code(unsaved, 403).await, "forbidden", "trying an unsaved sender is for whoever may save one");
}
