//! Accounts: host admins create and rename them (REST and server functions).

use crate::support;

use serde_json::{json, Value};
use support::{error_code, TestDb};

on_both_databases!(create_list_and_rename_accounts, account_names_are_checked, only_host_admins_manage_accounts);

async fn create_list_and_rename_accounts(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let res = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": "  Acme Srl "})).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let acme: Value = res.json().await.unwrap();
    assert_eq!(acme["name"], "Acme Srl");

    let dup = app.client.post(app.url("/api/v1/accounts")).json(&json!({"name": "ACME SRL"})).send().await.unwrap();
    assert_eq!(error_code(dup, 409).await, "conflict", "names are unique regardless of case");

    // The dashboard's server function reaches the same service.
    let beta: Value = app.client.post(app.url("/api/fn/create_account")).form(&[("name", "Beta Media")]).send().await.unwrap().json().await.unwrap();
    assert_eq!(beta["name"], "Beta Media");

    let id = acme["id"].as_i64().unwrap();
    let renamed: Value =
        app.client.patch(app.url(&format!("/api/v1/accounts/{id}"))).json(&json!({"name": "Acme Group"})).send().await.unwrap().json().await.unwrap();
    assert_eq!(renamed, json!({"id": id, "name": "Acme Group", "sender": null}));
    let taken = app.client.patch(app.url(&format!("/api/v1/accounts/{id}"))).json(&json!({"name": "beta media"})).send().await.unwrap();
    assert_eq!(error_code(taken, 409).await, "conflict");
    let missing = app.client.patch(app.url("/api/v1/accounts/999999")).json(&json!({"name": "Nobody"})).send().await.unwrap();
    assert_eq!(error_code(missing, 404).await, "not_found");

    let all: Vec<Value> = app.client.get(app.url("/api/v1/accounts")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = all.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Acme Group", "Beta Media"]);
}

async fn account_names_are_checked(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    for bad in [json!({"name": ""}), json!({"name": "   "}), json!({"name": "a\nb"}), json!({"name": "x".repeat(101)})] {
        let res = app.client.post(app.url("/api/v1/accounts")).json(&bad).send().await.unwrap();
        assert_eq!(res.status(), 422, "{bad}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"]["fields"]["name"].is_string());
    }
    let res = app.client.post(app.url("/api/v1/accounts")).json(&json!({"nom": "x"})).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = app.client.patch(app.url("/api/v1/accounts/not-a-number")).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let all: Vec<Value> = app.client.get(app.url("/api/v1/accounts")).send().await.unwrap().json().await.unwrap();
    assert!(all.is_empty(), "nothing was created: {all:?}");
}

async fn only_host_admins_manage_accounts(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let (ok, _, err) = db.cli(&["user", "create", "--email", "helper@example.com", "--role", "host_user"], "helper password 1\n");
    assert!(ok, "{err}");
    let helper = app.signed_in_client("helper@example.com", "helper password 1").await;
    let res = helper.post(app.url("/api/v1/accounts")).json(&json!({"name": "Sneaky"})).send().await.unwrap();
    assert_eq!(error_code(res, 403).await, "forbidden");
    let res = helper.post(app.url("/api/fn/create_account")).form(&[("name", "Sneaky")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = reqwest::Client::new().post(app.url("/api/v1/accounts")).json(&json!({"name": "Anon"})).send().await.unwrap();
    assert_eq!(error_code(res, 401).await, "unauthorized");
}
