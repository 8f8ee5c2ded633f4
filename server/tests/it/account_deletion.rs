//! Issue 25, item 6: deleting an account. Its users go with it: their
//! sessions stop at once, their links die, their queued emails are
//! cancelled; the audit log keeps the record. Host admins delete any
//! account, an account's admins their own; nobody else. On both databases.

use crate::support;
use reqwest::Client;
use serde_json::{json, Value};
use support::{error_code, TestDb};

on_both_databases!(deleting_an_account_removes_its_users_at_once_and_only_its_admins_may);

const PASSWORD: &str = support::USER_PASSWORD;

async fn deleting_an_account_removes_its_users_at_once_and_only_its_admins_may(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    // SMTP on, towards a relay that is not there: the invitation email stays queued.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(closed).await;
    let (acme, beta) = (app.account("Acme").await, app.account("Beta").await);
    let ann = app.cli_user(&db, "ann@acme.example", "account_admin", Some(acme)).await;
    let amy = app.cli_user(&db, "amy@acme.example", "account_user", Some(acme)).await;
    let bea = app.cli_user(&db, "bea@beta.example", "account_admin", Some(beta)).await;
    let viewer = app.cli_user(&db, "viewer@host.example", "host_user", None).await;
    let invited =
        ann.post(app.url("/api/v1/invitations")).json(&json!({"email": "pia@acme.example", "role": "account_user", "account_id": acme})).send().await.unwrap();
    assert_eq!(invited.status(), 201);
    let link = invited.json::<Value>().await.unwrap()["invitation_link"].as_str().unwrap().to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();

    let delete = |client: &Client, id: i64| client.delete(app.url(&format!("/api/v1/accounts/{id}"))).send();
    assert_eq!(error_code(delete(&bea, acme).await.unwrap(), 403).await, "forbidden", "another account's admin");
    assert_eq!(error_code(delete(&amy, acme).await.unwrap(), 403).await, "forbidden", "an account user, even of that account");
    assert_eq!(error_code(delete(&viewer, acme).await.unwrap(), 403).await, "forbidden", "a host user");
    assert_eq!(delete(&Client::new(), acme).await.unwrap().status(), 401);
    assert_eq!(amy.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "nothing refused changed anything");

    // A host admin deletes it.
    assert_eq!(delete(&app.client, acme).await.unwrap().status(), 204);
    for (who, client) in [("ann", &ann), ("amy", &amy)] {
        assert_eq!(error_code(client.get(app.url("/api/v1/me")).send().await.unwrap(), 401).await, "unauthorized", "{who}'s session ended");
    }
    let accept = Client::new().post(app.url(&format!("/api/v1/invitations/{token}/accept"))).json(&json!({"email": "pia@acme.example", "password": PASSWORD}));
    assert_eq!(error_code(accept.send().await.unwrap(), 410).await, "gone", "the invitation died with its user");
    assert_eq!(Client::new().get(app.url(&format!("/api/v1/invitations/{token}"))).send().await.unwrap().status(), 404);
    let emails: Vec<Value> = app.client.get(app.url("/api/v1/emails?recipient=pia")).send().await.unwrap().json().await.unwrap();
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0]["status"], "cancelled", "the queued invitation is never sent: {emails:?}");
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users?q=acme.example")).send().await.unwrap().json().await.unwrap();
    assert!(users.is_empty(), "{users:?}");
    let accounts: Vec<Value> = app.client.get(app.url("/api/v1/accounts")).send().await.unwrap().json().await.unwrap();
    assert_eq!(accounts.iter().map(|a| a["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Beta"]);
    let audit: Vec<Value> = app.client.get(app.url("/api/v1/audit?action=account_deleted")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["target"], "Acme");
    assert!(audit[0]["detail"].as_str().unwrap().contains("3 user(s)"), "ann, amy and the invited pia: {audit:?}");
    assert_eq!(error_code(delete(&app.client, acme).await.unwrap(), 404).await, "not_found");

    // An account's admin deletes their own account, and themselves with it.
    assert_eq!(delete(&bea, beta).await.unwrap().status(), 204);
    assert_eq!(bea.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);
    assert_eq!(viewer.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "host users stay");
}
