//! Microsoft 365 and Google Workspace relays (OAuth2, AUTH XOAUTH2), end to
//! end against real peers: the local token endpoint (`support::oauth`,
//! client credentials for Microsoft; JWT bearer with its RS256 signature
//! verified for Google) and aiosmtpd taking XOAUTH2 over StartTLS and checking
//! each token. No real Microsoft or Google endpoint is reachable from here.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::oauth::{Answers, TokenEndpoint, CLIENT_ID, CLIENT_SECRET, SECRET, SERVICE_ACCOUNT, TENANT};
use support::relay::{Certs, Relay, RelayOptions};
use support::{error_code, wait_until, TestApp, TestDb};

const MAILBOX: &str = "noreply@contoso.example";

on_both_databases!(
    microsoft_365_sends_the_test_email_and_invitations_with_one_token,
    google_workspace_signs_its_assertion_and_sends,
    oauth_input_is_checked,
    a_key_file_cannot_choose_where_tokens_are_asked_for,
    an_endless_token_lifetime_stops_neither_the_test_send_nor_delivery,
    an_oversized_token_answer_is_refused,
);

/// A StartTLS relay taking XOAUTH2 for MAILBOX, and the token endpoint.
struct Peers {
    certs: Certs,
    relay: Relay,
    tokens: TokenEndpoint,
}

fn peers(answers: Answers, reject_tokens: bool) -> Peers {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), xoauth2: Some((MAILBOX, SECRET)), reject_tokens, ..Default::default() });
    let tokens = TokenEndpoint::start(MAILBOX, answers);
    Peers { certs, relay, tokens }
}

/// The server, taking both providers' tokens from the local endpoint.
async fn app_for(db: &TestDb, peers: &Peers) -> TestApp {
    start_for(db, peers, false).await
}

/// The same as the real binary, for the tests that read its log.
async fn process_for(db: &TestDb, peers: &Peers) -> TestApp {
    start_for(db, peers, true).await
}

async fn start_for(db: &TestDb, peers: &Peers, process: bool) -> TestApp {
    let ca = peers.certs.ca.to_string_lossy().to_string();
    let (login, google) = (peers.tokens.login_url(), peers.tokens.google_token_url());
    let env = [
        ("GATEHOUSE_SMTP_CA_FILE", ca.as_str()),
        ("GATEHOUSE_MICROSOFT_LOGIN_URL", &login),
        ("GATEHOUSE_GOOGLE_TOKEN_URL", &google),
        ("GATEHOUSE_RETRY_BASE_SECS", "1"),
    ];
    let app = if process { TestApp::process(db, &env).await } else { TestApp::spawn(db, &env).await };
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

async fn microsoft_365_sends_the_test_email_and_invitations_with_one_token(db: TestDb) {
    let peers = peers(Answers::default(), false);
    let app = process_for(&db, &peers).await;
    let saved = app.put_smtp(&draft(&peers, microsoft(Some(CLIENT_SECRET)))).await;
    assert_eq!(saved.status(), 200);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["oauth"], json!({"provider": "microsoft365", "tenant_id": TENANT, "client_id": CLIENT_ID, "secret_set": true, "transport": "smtp"}));

    let report = app.smtp_test(None).await;
    assert_eq!(report["stage"], "sent", "{report}");
    let report = app.smtp_test(None).await;
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
    assert_eq!(app.put_smtp(&draft(&peers, microsoft(None))).await.status(), 200);
    assert_eq!(app.smtp_test(None).await["stage"], "sent");
    let mut other_app = microsoft(None);
    other_app["client_id"] = json!("99999999-0000-0000-0000-000000000000");
    let res = app.put_smtp(&draft(&peers, other_app)).await;
    assert_eq!(res.status(), 409, "a stored secret never goes to another app");

    // The secret is in no answer, log or audit entry.
    let audit = app.client.get(app.url("/api/v1/audit")).send().await.unwrap().text().await.unwrap();
    let smtp = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().text().await.unwrap();
    for (what, text) in [("audit log", audit), ("GET /api/v1/smtp", smtp), ("server log", app.output())] {
        assert!(!text.contains(CLIENT_SECRET), "the client secret is in the {what}");
    }
}

async fn google_workspace_signs_its_assertion_and_sends(db: TestDb) {
    let peers = peers(Answers::default(), false);
    let app = process_for(&db, &peers).await;
    let oauth = json!({"provider": "google", "service_account_key": peers.tokens.google_key});
    assert_eq!(app.put_smtp(&draft(&peers, oauth)).await.status(), 200);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["oauth"], json!({"provider": "google", "client_email": SERVICE_ACCOUNT, "secret_set": true}));

    let report = app.smtp_test(None).await;
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
    let peers = peers(Answers::default(), false);
    let app = app_for(&db, &peers).await;
    let field_of = |body: Value| body["error"]["fields"].as_object().map(|f| f.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let cases = [
        (json!({"provider": "yahoo", "client_secret": "x"}), "oauth"),
        (json!({"provider": "google", "service_account_key": "{\"type\": \"authorized_user\"}"}), "oauth.service_account_key"),
        (json!({"provider": "microsoft365", "tenant_id": "con toso", "client_id": CLIENT_ID, "client_secret": "x"}), "oauth.tenant_id"),
    ];
    for (oauth, field) in cases {
        let res = app.put_smtp(&draft(&peers, oauth.clone())).await;
        assert_eq!(res.status(), 422, "{oauth}");
        let body: Value = res.json().await.unwrap();
        assert!(field_of(body.clone()).iter().any(|f| f == field) || body["error"]["message"].as_str().unwrap_or("").contains(field), "{oauth}: {body}");
    }
    let mut plain = draft(&peers, microsoft(Some(CLIENT_SECRET)));
    plain["security"] = json!("none");
    let res = app.put_smtp(&plain).await;
    assert_eq!(res.status(), 422);
    assert!(field_of(res.json().await.unwrap()).contains(&"security".to_owned()), "OAuth over plain SMTP");
    let mut no_auth = draft(&peers, microsoft(Some(CLIENT_SECRET)));
    no_auth["auth"] = json!(false);
    assert_eq!(error_code(app.put_smtp(&no_auth).await, 422).await, "validation");
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false, "nothing was stored");
}

/// A service-account key names its own `token_uri`, and whoever edits the
/// form chooses the key: so a key is taken only when that is the operator's
/// Google token endpoint (`GATEHOUSE_GOOGLE_TOKEN_URL`). Any other is 422
/// naming the field, for a save and a test send alike, and nothing is asked
/// of any endpoint.
async fn a_key_file_cannot_choose_where_tokens_are_asked_for(db: TestDb) {
    let peers = peers(Answers::default(), false);
    // Another endpoint on this machine, where a key could try to send its assertion.
    let elsewhere = TokenEndpoint::start(MAILBOX, Answers::default());
    let app = app_for(&db, &peers).await;
    let own = peers.tokens.google_token_url();
    for token_uri in [
        // A string test reads loopback; a URL parser reads host evil.example (userinfo before the @).
        "http://127.0.0.1:x@evil.example/token".to_owned(),
        "https://evil.example/token".to_owned(),
        elsewhere.google_token_url(),
        // Google's own, but this instance was told to use another.
        "https://oauth2.googleapis.com/token".to_owned(),
    ] {
        let key = peers.tokens.google_key.replace(&own, &token_uri);
        let body = draft(&peers, json!({"provider": "google", "service_account_key": key}));
        let tested = app.client.post(app.url("/api/v1/smtp/test")).json(&body).send().await.unwrap();
        for (what, res) in [("save", app.put_smtp(&body).await), ("test send", tested)] {
            assert_eq!(res.status(), 422, "{what} with token_uri {token_uri}");
            let answer: Value = res.json().await.unwrap();
            let why = answer["error"]["fields"]["oauth.service_account_key"].as_str().unwrap_or_default();
            assert!(why.contains("GATEHOUSE_GOOGLE_TOKEN_URL"), "{what} with token_uri {token_uri}: {answer}");
        }
    }
    assert!(elsewhere.requests().is_empty() && peers.tokens.requests().is_empty(), "no token was asked for");
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false, "nothing was stored");
    let own_key = json!({"provider": "google", "service_account_key": peers.tokens.google_key});
    assert_eq!(app.put_smtp(&draft(&peers, own_key)).await.status(), 200, "the key naming this instance's endpoint is taken");
}

/// A token endpoint stating a lifetime of 2^64-1 seconds. Adding that to the
/// clock used to panic while the token cache's lock was held: the test send
/// answered 500, the lock was poisoned, and the delivery worker died at its
/// next token. Now the lifetime is held to a day: both go on working.
async fn an_endless_token_lifetime_stops_neither_the_test_send_nor_delivery(db: TestDb) {
    let peers = peers(Answers { expires_in: u64::MAX, ..Answers::default() }, false);
    let app = app_for(&db, &peers).await;
    assert_eq!(app.put_smtp(&draft(&peers, microsoft(Some(CLIENT_SECRET)))).await.status(), 200);
    assert_eq!(app.smtp_test(None).await["stage"], "sent");
    assert_eq!(app.smtp_test(None).await["stage"], "sent");
    assert_eq!(peers.tokens.requests().len(), 1, "the token was kept, and the cache still answers");

    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    wait_until(Duration::from_secs(30), "the invitation was never delivered", || peers.relay.message_count() == 3);
    assert!(peers.relay.messages().iter().any(|m| m.contains("X-Envelope-To: bob@example.com")));
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.lines().any(|l| l == r#"gatehouse_task_restarts_total{task="outbox_worker"} 0"#), "the worker is supervised and never died:\n{metrics}");
}

/// A token endpoint that answers without end: the answer is read up to
/// 64 KiB and then refused, at the `token` stage.
async fn an_oversized_token_answer_is_refused(db: TestDb) {
    let peers = peers(Answers { padding: 1 << 20, ..Answers::default() }, false);
    let app = app_for(&db, &peers).await;
    let report = app.smtp_test(Some(&draft(&peers, microsoft(Some(CLIENT_SECRET))))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("token")), "{report}");
    assert!(report["message"].as_str().unwrap().contains("larger than 64 KiB"), "{report}");
    assert!(peers.relay.events().iter().all(|e| !e.starts_with("EVENT AUTH")), "no AUTH without a token");
}

/// A wrong client secret: the test names the `token` stage with Entra's own words and the likely cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fails_at_the_token_stage_with_the_providers_words() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(Answers::default(), false);
    let app = app_for(&db, &peers).await;
    let report = app.smtp_test(Some(&draft(&peers, microsoft(Some("not the secret"))))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("token")), "{report}");
    let message = report["message"].as_str().unwrap();
    assert!(message.contains("AADSTS7000215") && message.contains("wrong client secret"), "{message}");
    assert!(peers.relay.events().iter().all(|e| !e.starts_with("EVENT AUTH")), "no AUTH without a token");
}

/// A relay refusing the token: one fresh token and one retry, then `auth`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_refusing_the_token_fails_at_auth_after_one_fresh_token() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(Answers::default(), true);
    let app = app_for(&db, &peers).await;
    let report = app.smtp_test(Some(&draft(&peers, microsoft(Some(CLIENT_SECRET))))).await;
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
    let peers = peers(Answers { expires_in: 60, ..Answers::default() }, false);
    let app = app_for(&db, &peers).await;
    assert_eq!(app.put_smtp(&draft(&peers, microsoft(Some(CLIENT_SECRET)))).await.status(), 200);
    assert_eq!(app.smtp_test(None).await["stage"], "sent");
    assert_eq!(app.smtp_test(None).await["stage"], "sent");
    assert_eq!(peers.tokens.requests().len(), 2);
}

/// With the identity provider down, an invitation waits and is retried; nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_identity_provider_down_delivery_is_retried() {
    let db = TestDb::new(support::Backend::Sqlite).await;
    let peers = peers(Answers { down: true, ..Answers::default() }, false);
    let app = app_for(&db, &peers).await;
    assert_eq!(app.put_smtp(&draft(&peers, microsoft(Some(CLIENT_SECRET)))).await.status(), 200);
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

/// The token endpoints are the operator's settings, read at start with a URL
/// parser: a value that would send token requests somewhere else than it
/// seems to, or in clear across a network, stops the start and says why.
#[test]
fn a_token_endpoint_setting_that_is_not_safe_stops_the_start() {
    for (setting, flag, value) in [
        ("GATEHOUSE_GOOGLE_TOKEN_URL", "--google-token-url", "http://127.0.0.1:x@evil.example/token"),
        ("GATEHOUSE_GOOGLE_TOKEN_URL", "--google-token-url", "http://oauth2.example/token"),
        ("GATEHOUSE_MICROSOFT_LOGIN_URL", "--microsoft-login-url", "http://127.0.0.1:x@evil.example"),
        ("GATEHOUSE_MICROSOFT_GRAPH_URL", "--microsoft-graph-url", "http://graph.example"),
    ] {
        let data = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(support::BIN)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("GATEHOUSE_DATA_DIR", data.path())
            .env_remove("GATEHOUSE_DATABASE_URL")
            .env(setting, value)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{setting}={value}: the server started");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{setting}={value}");
        assert!(stderr.contains(flag) && (stderr.contains("user name or password") || stderr.contains("https://")), "{setting}={value}: {stderr}");
    }
}
