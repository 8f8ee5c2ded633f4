//! Every role has a console (issue 13): what each role may see and do, on
//! the server, for REST and server functions alike; the user lifecycle
//! (change role, disable, remove) and its one hard rule, the last host admin.

use crate::support;

use reqwest::Client;
use serde_json::{json, Value};
use support::{error_code, TestApp, TestDb, ADMIN_EMAIL};

on_both_databases!(
    every_role_sees_what_it_may_and_no_more,
    account_admins_manage_their_own_account_only,
    a_disabled_user_is_refused_at_once,
    the_last_active_host_admin_stays,
    everyone_changes_their_own_password_and_language,
    emails_speak_each_persons_language,
    lists_come_a_page_at_a_time_with_filters,
    two_admins_demoting_each_other_at_once_leave_one,
);

const PASSWORD: &str = "a long user password";

/// Two accounts, and one user of every role: host user `viewer`; account A's
/// admin `alice` and user `anna`; account B's admin `bert` and user `bob`.
struct World {
    app: TestApp,
    a: i64,
    b: i64,
}

impl World {
    async fn new(db: &TestDb) -> Self {
        let app = db.spawn().await;
        app.set_up_admin().await;
        let account = |name: &'static str| {
            let req = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": name}));
            async move { req.send().await.unwrap().json::<Value>().await.unwrap()["id"].as_i64().unwrap() }
        };
        let (a, b) = (account("Acme").await, account("Beta").await);
        for (email, role, account) in [
            ("viewer@example.com", "host_user", None),
            ("alice@a.example", "account_admin", Some(a)),
            ("anna@a.example", "account_user", Some(a)),
            ("bert@b.example", "account_admin", Some(b)),
            ("bob@b.example", "account_user", Some(b)),
        ] {
            let mut args = vec!["user", "create", "--email", email, "--role", role];
            let id = account.map(|id| id.to_string());
            if let Some(id) = &id {
                args.extend(["--account-id", id.as_str()]);
            }
            let (ok, _, err) = db.cli(&args, &format!("{PASSWORD}\n"));
            assert!(ok, "{err}");
        }
        Self { app, a, b }
    }

    async fn as_user(&self, email: &str) -> Client {
        self.app.signed_in_client(email, PASSWORD).await
    }

    async fn id_of(&self, email: &str) -> i64 {
        let users: Vec<Value> = self.app.client.get(self.app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
        users.iter().find(|u| u["email"] == email).unwrap_or_else(|| panic!("no {email}"))["id"].as_i64().unwrap()
    }
}

async fn emails_listed(client: &Client, app: &TestApp, path: &str) -> Vec<String> {
    let list: Vec<Value> = client.get(app.url(path)).send().await.unwrap().json().await.unwrap();
    let mut out: Vec<String> = list.iter().map(|v| v["email"].as_str().or(v["name"].as_str()).unwrap().to_owned()).collect();
    out.sort();
    out
}

async fn every_role_sees_what_it_may_and_no_more(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let everyone = ["admin@example.com", "alice@a.example", "anna@a.example", "bert@b.example", "bob@b.example", "viewer@example.com"];
    let account_a = ["alice@a.example", "anna@a.example"];

    let viewer = w.as_user("viewer@example.com").await;
    assert_eq!(emails_listed(&viewer, app, "/api/v1/users").await, everyone, "host users see every user");
    assert_eq!(emails_listed(&viewer, app, "/api/v1/accounts").await, ["Acme", "Beta"]);
    assert_eq!(viewer.get(app.url("/api/v1/emails")).send().await.unwrap().status(), 200, "and email activity");
    for path in ["/api/v1/host", "/api/v1/smtp", "/api/v1/tokens", "/api/v1/audit"] {
        assert_eq!(error_code(viewer.get(app.url(path)).send().await.unwrap(), 403).await, "forbidden", "host user: {path}");
    }

    for email in account_a {
        let member = w.as_user(email).await;
        assert_eq!(emails_listed(&member, app, "/api/v1/users").await, account_a, "{email} sees their account only");
        assert_eq!(emails_listed(&member, app, "/api/v1/accounts").await, ["Acme"]);
        for path in ["/api/v1/host", "/api/v1/smtp", "/api/v1/tokens", "/api/v1/audit"] {
            assert_eq!(member.get(app.url(path)).send().await.unwrap().status(), 403, "{email}: {path}");
        }
        // Email activity: the account admin sees their account's; an account user none.
        let emails = member.get(app.url("/api/v1/emails")).send().await.unwrap().status();
        assert_eq!(emails, if email.starts_with("alice") { 200 } else { 403 }, "{email}: /api/v1/emails");
        // The dashboard's doors answer the same.
        let res = member.post(app.url("/api/fn/list_users")).json(&json!({"filter": {}, "cursor": null})).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let via_fn: Value = res.json().await.unwrap();
        assert_eq!(via_fn["items"].as_array().unwrap().len(), 2, "{email} via the server function");
    }

    // Read-only roles change nothing.
    let anna = w.as_user("anna@a.example").await;
    let bob_id = w.id_of("bob@b.example").await;
    for client in [&viewer, &anna] {
        let invite = client.post(app.url("/api/v1/invitations")).json(&json!({"email": "x@a.example", "role": "account_user", "account_id": w.a})).send();
        assert_eq!(invite.await.unwrap().status(), 403);
        assert_eq!(client.patch(app.url(&format!("/api/v1/users/{bob_id}"))).json(&json!({"disabled": true})).send().await.unwrap().status(), 403);
        assert_eq!(client.delete(app.url(&format!("/api/v1/users/{bob_id}"))).send().await.unwrap().status(), 403);
    }
}

async fn account_admins_manage_their_own_account_only(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let alice = w.as_user("alice@a.example").await;
    let invite = |role: &str, account: Option<i64>, email: &str| {
        alice.post(app.url("/api/v1/invitations")).json(&json!({"email": email, "role": role, "account_id": account})).send()
    };

    // Into her own account, either account role: the link comes back (SMTP is off).
    let res = invite("account_user", Some(w.a), "new@a.example").await.unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["email"], "smtp_disabled");
    let link = created["invitation_link"].as_str().unwrap().to_owned();
    assert_eq!(invite("account_admin", Some(w.a), "second-admin@a.example").await.unwrap().status(), 201);
    // Not into another account, nor as a host role.
    assert_eq!(error_code(invite("account_user", Some(w.b), "x@b.example").await.unwrap(), 403).await, "forbidden");
    assert_eq!(error_code(invite("host_user", None, "x@example.com").await.unwrap(), 403).await, "forbidden");
    assert_eq!(error_code(invite("host_admin", None, "x@example.com").await.unwrap(), 403).await, "forbidden");

    let (new_id, anna, bob, viewer) =
        (created["user"]["id"].as_i64().unwrap(), w.id_of("anna@a.example").await, w.id_of("bob@b.example").await, w.id_of("viewer@example.com").await);
    let post = |path: String| alice.post(app.url(&path)).send();
    assert_eq!(post(format!("/api/v1/users/{new_id}/invitation")).await.unwrap().status(), 200, "a new link for her invitee");
    assert_eq!(post(format!("/api/v1/users/{anna}/password-reset")).await.unwrap().status(), 200, "a reset for her user");
    assert_eq!(post(format!("/api/v1/users/{bob}/password-reset")).await.unwrap().status(), 403, "not for another account's");
    assert_eq!(post(format!("/api/v1/users/{viewer}/password-reset")).await.unwrap().status(), 403, "nor for a host user");

    let patch = |id: i64, body: Value| alice.patch(app.url(&format!("/api/v1/users/{id}"))).json(&body).send();
    let promoted: Value = patch(anna, json!({"role": "account_admin", "account_id": w.a})).await.unwrap().json().await.unwrap();
    assert_eq!((promoted["role"].as_str(), promoted["account_id"].as_i64()), (Some("account_admin"), Some(w.a)));
    assert_eq!(patch(anna, json!({"role": "account_user", "account_id": w.a})).await.unwrap().status(), 200);
    assert_eq!(patch(anna, json!({"role": "host_user"})).await.unwrap().status(), 403, "no host roles");
    assert_eq!(patch(anna, json!({"role": "account_user", "account_id": w.b})).await.unwrap().status(), 403, "no moving to another account");
    assert_eq!(patch(anna, json!({"account_id": w.a})).await.unwrap().status(), 422, "an account comes with its role");
    assert_eq!(patch(bob, json!({"disabled": true})).await.unwrap().status(), 403, "no reaching into another account");
    assert_eq!(patch(viewer, json!({"disabled": true})).await.unwrap().status(), 403, "nor a host user");
    let disabled: Value = patch(anna, json!({"disabled": true})).await.unwrap().json().await.unwrap();
    assert_eq!(disabled["status"], "disabled");

    // Removing a pending user kills their invitation.
    assert_eq!(alice.delete(app.url(&format!("/api/v1/users/{new_id}"))).send().await.unwrap().status(), 204);
    let token = link.rsplit('/').next().unwrap();
    let status = reqwest::get(app.url(&format!("/api/v1/invitations/{token}"))).await.unwrap();
    assert_eq!(status.status(), 404, "the link went with its user");
    assert_eq!(alice.delete(app.url(&format!("/api/v1/users/{bob}"))).send().await.unwrap().status(), 403);

    // Host admins can do all of it, and the audit log says who did what.
    let moved = app.client.patch(app.url(&format!("/api/v1/users/{bob}"))).json(&json!({"role": "account_user", "account_id": w.a})).send();
    assert_eq!(moved.await.unwrap().status(), 200);
    let audit = app.client.get(app.url("/api/v1/audit?actor=alice")).send().await.unwrap().text().await.unwrap();
    for action in ["user_invited", "user_updated", "user_disabled", "user_deleted", "password_reset_issued"] {
        assert!(audit.contains(action), "{action} missing from {audit}");
    }
}

async fn a_disabled_user_is_refused_at_once(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let anna = w.as_user("anna@a.example").await;
    let (ok, token, err) = db.cli(&["token", "create", "--email", "anna@a.example", "--name", "scripts"], "");
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let plain = Client::new();
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 200);

    let id = w.id_of("anna@a.example").await;
    let res = app.client.patch(app.url(&format!("/api/v1/users/{id}"))).json(&json!({"disabled": true})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(anna.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "her session stopped at once");
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401, "and her token");
    let sign_in = |password: &str| plain.post(app.url("/api/v1/session")).json(&json!({"email": "anna@a.example", "password": password})).send();
    assert_eq!(error_code(sign_in(PASSWORD).await.unwrap(), 403).await, "disabled");
    assert_eq!(error_code(sign_in("not her password").await.unwrap(), 401).await, "unauthorized", "a wrong password learns nothing more");

    let res = app.client.patch(app.url(&format!("/api/v1/users/{id}"))).json(&json!({"disabled": false})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "active");
    assert_eq!(sign_in(PASSWORD).await.unwrap().status(), 200);
    assert_eq!(plain.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().status(), 401, "disabling revoked the token for good");
}

async fn the_last_active_host_admin_stays(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let me = w.id_of(ADMIN_EMAIL).await;
    let patch = |client: &Client, id: i64, body: Value| client.patch(app.url(&format!("/api/v1/users/{id}"))).json(&body).send();
    for body in [json!({"role": "host_user"}), json!({"disabled": true}), json!({"role": "account_admin", "account_id": w.a})] {
        assert_eq!(error_code(patch(&app.client, me, body.clone()).await.unwrap(), 409).await, "conflict", "{body}");
    }
    assert_eq!(error_code(app.client.delete(app.url(&format!("/api/v1/users/{me}"))).send().await.unwrap(), 409).await, "conflict");

    // With a second host admin, the first may go; then the second is the last.
    let (ok, _, err) = db.cli(&["admin", "create", "--email", "second@example.com"], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    let second = w.as_user("second@example.com").await;
    assert_eq!(patch(&app.client, me, json!({"role": "host_user"})).await.unwrap().status(), 200);
    let second_id = w.id_of("second@example.com").await;
    assert_eq!(error_code(second.delete(app.url(&format!("/api/v1/users/{second_id}"))).send().await.unwrap(), 409).await, "conflict");
    assert_eq!(second.delete(app.url(&format!("/api/v1/users/{me}"))).send().await.unwrap().status(), 204);
}

async fn everyone_changes_their_own_password_and_language(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let here = w.as_user("anna@a.example").await;
    let elsewhere = w.as_user("anna@a.example").await;
    let change = |current: &str, new: &str| here.post(app.url("/api/v1/me/password")).json(&json!({"current_password": current, "new_password": new})).send();

    let res = change("not my password", "a brand new password").await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.json::<Value>().await.unwrap()["error"]["fields"]["current_password"].is_string());
    let res = change(PASSWORD, "short").await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["error"]["fields"]["new_password"].is_string());
    assert_eq!(change(PASSWORD, "a brand new password").await.unwrap().status(), 204);
    assert_eq!(here.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "this session stays");
    assert_eq!(elsewhere.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401, "the other one ended");
    app.signed_in_client("anna@a.example", "a brand new password").await;

    let me: Value = here.patch(app.url("/api/v1/me")).json(&json!({"language": "it"})).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["language"], "it");
    let me: Value = here.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["language"], "it", "kept on the server");
    assert_eq!(here.patch(app.url("/api/v1/me")).json(&json!({"language": "de"})).send().await.unwrap().status(), 422);
}

async fn emails_speak_each_persons_language(db: TestDb) {
    let relay = support::relay::Relay::start(support::relay::RelayOptions::default());
    let w = World::new(&db).await;
    let app = &w.app;
    app.smtp_on(relay.port).await;
    // The inviter speaks Italian: invitations default to it, unless told otherwise.
    assert_eq!(app.client.patch(app.url("/api/v1/me")).json(&json!({"language": "it"})).send().await.unwrap().status(), 200);
    let invite = |email: &str, language: Option<&str>| {
        app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": email, "role": "host_user", "language": language})).send()
    };
    assert_eq!(invite("paolo@example.com", None).await.unwrap().status(), 201);
    assert_eq!(invite("peter@example.com", Some("en")).await.unwrap().status(), 201);
    let mail = relay.wait_for_messages(2, std::time::Duration::from_secs(30));
    let to = |who: &str| mail.iter().find(|m| m.contains(&format!("X-Envelope-To: {who}"))).unwrap_or_else(|| panic!("no mail to {who}")).clone();
    let text = |who: &str| support::relay::text_part(&to(who));
    assert!(text("paolo@example.com").contains("ti invita a entrare"), "Italian by default from an Italian inviter");
    assert!(text("peter@example.com").contains("invites you to join"), "English when asked");

    // A reset speaks the user's own language.
    let users: Vec<Value> = app.client.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let anna = users.iter().find(|u| u["email"] == "anna@a.example").unwrap()["id"].as_i64().unwrap();
    let anna_client = w.as_user("anna@a.example").await;
    anna_client.patch(app.url("/api/v1/me")).json(&json!({"language": "it"})).send().await.unwrap();
    assert_eq!(app.client.post(app.url(&format!("/api/v1/users/{anna}/password-reset"))).send().await.unwrap().status(), 200);
    let mail = relay.wait_for_messages(3, std::time::Duration::from_secs(30));
    let reset = mail.iter().find(|m| m.contains("X-Envelope-To: anna@a.example")).unwrap();
    assert!(support::relay::text_part(reset).contains("reimpostare la password"), "the reset is in her language, Italian");
}

/// `GET /api/v1/users` and `/emails`: arrays, a page at a time, the next
/// page in `Link: rel="next"`, filters, and an account admin's scope.
async fn lists_come_a_page_at_a_time_with_filters(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    // Seven users in all (World's six and one pending invitee).
    let invited = app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": "zed@a.example", "role": "account_user", "account_id": w.a}));
    assert_eq!(invited.send().await.unwrap().status(), 201);

    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/users?limit=3");
    let mut pages = 0;
    loop {
        let res = app.client.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let next = res.headers().get("link").map(|l| l.to_str().unwrap().to_owned());
        let page: Vec<Value> = res.json().await.unwrap();
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|u| u["email"].as_str().unwrap().to_owned()));
        pages += 1;
        let Some(link) = next else { break };
        assert!(link.ends_with("rel=\"next\"") && link.starts_with(&format!("<{}/api/v1/users?", app.base)), "{link}");
        url = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
        assert!(pages < 10, "paging never ended");
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "by address");
    assert_eq!(seen.len(), 7, "every user once: {seen:?}");

    let list = |query: &str| {
        let url = app.url(&format!("/api/v1/users?{query}"));
        let client = app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            let status = res.status().as_u16();
            let emails: Vec<String> =
                if status == 200 { res.json::<Vec<Value>>().await.unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect() } else { vec![] };
            (status, emails)
        }
    };
    assert_eq!(list("q=A.EXAMPLE").await.1, ["alice@a.example", "anna@a.example", "zed@a.example"], "a part of the address, any case");
    assert_eq!(list("status=pending").await.1, ["zed@a.example"]);
    assert_eq!(list("role=account_admin").await.1, ["alice@a.example", "bert@b.example"]);
    assert_eq!(list(&format!("account_id={}", w.b)).await.1, ["bert@b.example", "bob@b.example"]);
    assert_eq!(list("q=%25").await.1, Vec::<String>::new(), "a % means itself");
    for bad in ["role=root", "status=gone", "limit=0", "limit=501"] {
        assert_eq!(list(bad).await.0, 422, "{bad}");
    }

    // Emails: newest first, a page at a time; an account admin sees their account's only.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    app.smtp_on(port).await;
    for who in ["a1@a.example", "a2@a.example"] {
        let req = app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": who, "role": "account_user", "account_id": w.a}));
        assert_eq!(req.send().await.unwrap().status(), 201);
    }
    let req = app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": "b1@b.example", "role": "account_user", "account_id": w.b}));
    assert_eq!(req.send().await.unwrap().status(), 201);
    let res = app.client.get(app.url("/api/v1/emails?limit=2")).send().await.unwrap();
    assert!(res.headers().contains_key("link"));
    let first: Vec<Value> = res.json().await.unwrap();
    assert_eq!(first.iter().map(|e| e["to"].as_str().unwrap()).collect::<Vec<_>>(), ["b1@b.example", "a2@a.example"]);
    let recipients = |list: Vec<Value>| list.iter().map(|e| e["to"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let by_recipient: Vec<Value> = app.client.get(app.url("/api/v1/emails?recipient=A1@")).send().await.unwrap().json().await.unwrap();
    assert_eq!(recipients(by_recipient), ["a1@a.example"]);
    let alice = w.as_user("alice@a.example").await;
    let hers: Vec<Value> = alice.get(app.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap();
    assert_eq!(recipients(hers), ["a2@a.example", "a1@a.example"], "her account's emails only");
    assert_eq!(app.client.get(app.url("/api/v1/emails?cursor=abc")).send().await.unwrap().status(), 400, "a cursor is an email's id");
    assert_eq!(app.client.get(app.url("/api/v1/emails?kind=fax")).send().await.unwrap().status(), 422);
}

/// Two host admins demote each other at the same moment, ten times over:
/// each time exactly one wins and an active host admin remains (the check
/// and the change are one transaction, the admins' rows locked on PostgreSQL).
async fn two_admins_demoting_each_other_at_once_leave_one(db: TestDb) {
    let w = World::new(&db).await;
    let app = &w.app;
    let (ok, _, err) = db.cli(&["admin", "create", "--email", "second@example.com"], &format!("{PASSWORD}\n"));
    assert!(ok, "{err}");
    let second = w.as_user("second@example.com").await;
    let (first_id, second_id) = (w.id_of(ADMIN_EMAIL).await, w.id_of("second@example.com").await);
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    for round in 0..10 {
        let demote = |client: &Client, id: i64| client.patch(app.url(&format!("/api/v1/users/{id}"))).json(&json!({"role": "host_user"})).send();
        let (a, b) = tokio::join!(demote(&app.client, second_id), demote(&second, first_id));
        let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
        statuses.sort();
        // The loser is refused as the last admin (409), or, if its request was
        // authenticated after it lost the role, as no admin at all (403).
        assert!(statuses[0] == 200 && [403, 409].contains(&statuses[1]), "round {round}: {statuses:?}");
        let admins: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'host_admin' AND disabled_at IS NULL").fetch_one(&mut conn).await.unwrap();
        assert_eq!(admins, 1, "round {round}");
        // Put things back for the next round.
        sqlx::query("UPDATE users SET role = 'host_admin' WHERE id IN ($1, $2)").bind(first_id).bind(second_id).execute(&mut conn).await.unwrap();
    }
}
