//! Microsoft 365 and Google Workspace relays (OAuth2, AUTH XOAUTH2), end to
//! end against real peers: the local token endpoint (`support::oauth`,
//! client credentials for Microsoft; JWT bearer with its RS256 signature
//! verified for Google) and aiosmtpd taking XOAUTH2 over StartTLS and checking
//! each token. No real Microsoft or Google endpoint is reachable from here.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::oauth::{TokenEndpoint, CLIENT_ID, CLIENT_SECRET, SECRET, SERVICE_ACCOUNT, TENANT};
use support::relay::{Certs, Relay, RelayOptions};
use support::{error_code, TestApp, TestDb};

const MAILBOX: &str = "noreply@contoso.example";

on_both_databases!(microsoft_365_sends_the_test_email_and_invitations_with_one_token, google_workspace_signs_its_assertion_and_sends, oauth_input_is_checked,);

/// A StartTLS relay taking XOAUTH2 for MAILBOX, and the token endpoint.
struct Peers {
    certs: Certs,
    relay: Relay,
    tokens: TokenEndpoint,
}

fn peers(expires_in: u64, reject_tokens: bool, endpoint_down: bool) -> Peers {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), xoauth2: Some((MAILBOX, SECRET)), reject_tokens, ..Default::default() });
    let tokens = TokenEndpoint::start(MAILBOX, expires_in, endpoint_down);
    Peers { certs, relay, tokens }
}

async fn app_for(db: &TestDb, peers: &Peers) -> TestApp {
    let ca = peers.certs.ca.to_string_lossy().to_string();
    let login = peers.tokens.login_url();
    let app = TestApp::spawn(db, &[("GATEHOUSE_SMTP_CA_FILE", &ca), ("GATEHOUSE_MICROSOFT_LOGIN_URL", &login), ("GATEHOUSE_RETRY_BASE_SECS", "1")]).await;
    app.set_up_admin().await;
    app
}

fn draft(peers: &Peers, oauth: Value) -> Value {
    json!({"host": "127.0.0.1", "port": peers.relay.port, "from_name": "Contoso", "from_email": MAILBOX,
        "security": "starttls", "auth": true, "username": MAILBOX, "oauth": oauth})
}

fn microsoft(secret: Option<&str>) -> Value {
    let mut oauth = json!({"provider": "microsoft365", "tenant_id": TENANT, "client_id": CLIENT_ID});
    if let Some(s) = secret {
        oauth["client_secret"] = json!(s);
    }
    oauth
}

async fn put(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client.put(app.url("/api/v1/smtp")).json(body).send().await.unwrap()
}

async fn test_send(app: &TestApp, body: Option<&Value>) -> Value {
    let req = app.client.post(app.url("/api/v1/smtp/test"));
    let res = match body {
        Some(b) => req.json(b),
        None => req,
    }
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn wait_until(within: Duration, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn microsoft_365_sends_the_test_email_and_invitations_with_one_token(db: TestDb) {
    let peers = peers(3600, false, false);
    let app = app_for(&db, &peers).await;
    let saved = put(&app, &draft(&peers, microsoft(Some(CLIENT_SECRET)))).await;
    assert_eq!(saved.status(), 200);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["oauth"], json!({"provider": "microsoft365", "tenant_id": TENANT, "client_id": CLIENT_ID, "secret_set": true}));

    let report = test_send(&app, None).await;
    assert_eq!(report["stage"], "sent", "{report}");
    let report = test_send(&app, None).await;
    assert_eq!(report["stage"], "sent", "{report}");
    assert_eq!(peers.tokens.requests(), [("microsoft".to_owned(), "ok".to_owned())], "two test sends, one token (cached)");

    // Invitations go out through the same relay, with the same cached token.
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    wait_until(Duration::from_secs(30), "the invitation was never delivered", || peers.relay.message_count() == 3);
    assert!(peers.relay.messages().iter().any(|m| m.contains("X-Envelope-To: bob@example.com")));
    assert_eq!(peers.tokens.requests().len(), 1, "the worker used the cached token");
    assert!(peers.relay.events().iter().filter(|e| e.starts_with("EVENT AUTH")).all(|e| e.starts_with("EVENT AUTH ok XOAUTH2")));

    // A blank secret keeps the stored one for the same app; another app must give its own.
    assert_eq!(put(&app, &draft(&peers, microsoft(None))).await.status(), 200);
    assert_eq!(test_send(&app, None).await["stage"], "sent");
    let mut other_app = microsoft(None);
    other_app["client_id"] = json!("99999999-0000-0000-0000-000000000000");
    let res = put(&app, &draft(&peers, other_app)).await;
    assert_eq!(res.status(), 409, "a stored secret never goes to another app");

    // The secret is in no answer, log or audit entry.
    let audit = app.client.get(app.url("/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    let smtp = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().text().await.unwrap();
    for (what, text) in [("audit log", audit), ("GET /api/v1/smtp", smtp), ("server log", app.output())] {
        assert!(!text.contains(CLIENT_SECRET), "the client secret is in the {what}");
    }
}

async fn google_workspace_signs_its_assertion_and_sends(db: TestDb) {
    let peers = peers(3600, false, false);
    let app = app_for(&db, &peers).await;
    let oauth = json!({"provider": "google", "service_account_key": peers.tokens.google_key});
    assert_eq!(put(&app, &draft(&peers, oauth)).await.status(), 200);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["oauth"], json!({"provider": "google", "client_email": SERVICE_ACCOUNT, "secret_set": true}));

    let report = test_send(&app, None).await;
    assert_eq!(report["stage"], "sent", "{report}");
    assert_eq!(peers.tokens.requests(), [("google".to_owned(), "ok".to_owned())], "the endpoint verified the RS256 assertion");
    assert_eq!(peers.relay.message_count(), 1);

    // Invitations go out through the same relay, with the cached token.
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    wait_until(Duration::from_secs(30), "the invitation was never delivered", || peers.relay.message_count() == 2);
    assert_eq!(peers.tokens.requests().len(), 1, "the worker used the cached token");

    let key: Value = serde_json::from_str(&peers.tokens.google_key).unwrap();
    let private_key = key["private_key"].as_str().unwrap().lines().nth(1).unwrap().to_owned();
    let audit = app.client.get(app.url("/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    let smtp = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().text().await.unwrap();
    for (what, text) in [("audit log", audit), ("GET /api/v1/smtp", smtp), ("server log", app.output())] {
        assert!(!text.contains(&private_key), "the private key is in the {what}");
    }
}

/// Bad input gets 422 naming the field, and nothing is stored.
async fn oauth_input_is_checked(db: TestDb) {
    let peers = peers(3600, false, false);
    let app = app_for(&db, &peers).await;
    let field_of = |body: Value| body["error"]["fields"].as_object().map(|f| f.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let cases = [
        (json!({"provider": "yahoo", "client_secret": "x"}), "oauth"),
        (json!({"provider": "google", "service_account_key": "{\"type\": \"authorized_user\"}"}), "oauth.service_account_key"),
        (json!({"provider": "microsoft365", "tenant_id": "con toso", "client_id": CLIENT_ID, "client_secret": "x"}), "oauth.tenant_id"),
    ];
    for (oauth, field) in cases {
        let res = put(&app, &draft(&peers, oauth.clone())).await;
        assert_eq!(res.status(), 422, "{oauth}");
        let body: Value = res.json().await.unwrap();
        assert!(field_of(body.clone()).iter().any(|f| f == field) || body["error"]["message"].as_str().unwrap_or("").contains(field), "{oauth}: {body}");
    }
    let mut plain = draft(&peers, microsoft(Some(CLIENT_SECRET)));
    plain["security"] = json!("none");
    let res = put(&app, &plain).await;
    assert_eq!(res.status(), 422);
    assert!(field_of(res.json().await.unwrap()).contains(&"security".to_owned()), "OAuth over plain SMTP");
    let mut no_auth = draft(&peers, microsoft(Some(CLIENT_SECRET)));
    no_auth["auth"] = json!(false);
    assert_eq!(error_code(put(&app, &no_auth).await, 422).await, "validation");
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false, "nothing was stored");
}

/// A wrong client secret: the test names the `token` stage with Entra's own words and the likely cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_at_the_token_stage_with_the_providers_words() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(3600, false, false);
    let app = app_for(&db, &peers).await;
    let report = test_send(&app, Some(&draft(&peers, microsoft(Some("not the secret"))))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("token")), "{report}");
    let message = report["message"].as_str().unwrap();
    assert!(message.contains("AADSTS7000215") && message.contains("wrong client secret"), "{message}");
    assert!(peers.relay.events().iter().all(|e| !e.starts_with("EVENT AUTH")), "no AUTH without a token");
}

/// A relay refusing the token: one fresh token and one retry, then `auth`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_the_token_fails_at_auth_after_one_fresh_token() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(3600, true, false);
    let app = app_for(&db, &peers).await;
    let report = test_send(&app, Some(&draft(&peers, microsoft(Some(CLIENT_SECRET))))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("auth")), "{report}");
    assert!(report["message"].as_str().unwrap().contains("refused the token"), "{report}");
    assert_eq!(peers.tokens.requests().len(), 2, "one fresh token after the refusal, and no more");
    assert_eq!(peers.relay.events().iter().filter(|e| e.starts_with("EVENT AUTH fail XOAUTH2")).count(), 2);
}

/// A token about to expire is not used: a fresh one is asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_near_its_expiry_is_renewed() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    // Tokens living 60 s are always within the renewal margin (2 minutes).
    let peers = peers(60, false, false);
    let app = app_for(&db, &peers).await;
    assert_eq!(put(&app, &draft(&peers, microsoft(Some(CLIENT_SECRET)))).await.status(), 200);
    assert_eq!(test_send(&app, None).await["stage"], "sent");
    assert_eq!(test_send(&app, None).await["stage"], "sent");
    assert_eq!(peers.tokens.requests().len(), 2);
}

/// With the identity provider down, an invitation waits and is retried; nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_identity_provider_down_delivery_is_retried() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(3600, false, true);
    let app = app_for(&db, &peers).await;
    assert_eq!(put(&app, &draft(&peers, microsoft(Some(CLIENT_SECRET)))).await.status(), 200);
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let email = loop {
        let emails: Vec<Value> = app.client.get(app.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap();
        if emails[0]["status"] == "retrying" || Instant::now() > deadline {
            break emails[0].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(email["status"], "retrying", "{email}");
    assert!(email["last_error"].as_str().unwrap().contains("identity provider"), "{email}");
    assert_eq!(peers.relay.message_count(), 0);
}
