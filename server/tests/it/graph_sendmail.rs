//! Microsoft 365 through Microsoft Graph's sendMail (no SMTP AUTH), end to
//! end against local stand-ins: the token endpoint (`support::oauth`, client
//! credentials for Graph's scope) and the Graph endpoint
//! (`support::graph`), which checks the bearer token, the path's mailbox and
//! the MIME body, and answers 202, 403 `ErrorAccessDenied`, 404
//! `MailboxNotEnabledForRESTAPI` or `ErrorInvalidUser`, or 429 with `Retry-After`.

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::graph::GraphEndpoint;
use support::oauth::{Answers, TokenEndpoint, CLIENT_ID, CLIENT_SECRET, TENANT};
use support::{wait_until, TestApp, TestDb};

const MAILBOX: &str = "noreply@contoso.example";

on_both_databases!(
    graph_sends_the_test_email_and_invitations_with_one_token,
    graph_failures_are_named_at_their_stage,
    the_worker_honours_retry_after_and_fails_a_refused_mailbox_at_once,
    graph_is_provisioned_as_code_without_a_host,
);

struct Peers {
    tokens: TokenEndpoint,
    graph: GraphEndpoint,
}

fn peers(retry_after: u64) -> Peers {
    Peers { tokens: TokenEndpoint::start(MAILBOX, Answers::default()), graph: GraphEndpoint::start(MAILBOX, retry_after) }
}

async fn app_for(db: &TestDb, peers: &Peers) -> TestApp {
    let (login, graph) = (peers.tokens.login_url(), peers.graph.url());
    let env = [("GATEHOUSE_MICROSOFT_LOGIN_URL", login.as_str()), ("GATEHOUSE_MICROSOFT_GRAPH_URL", &graph), ("GATEHOUSE_RETRY_BASE_SECS", "1")];
    let app = TestApp::spawn(db, &env).await;
    app.set_up_admin().await;
    app
}

/// A Graph configuration sending as `mailbox`: no host, port, security or username.
fn graph_draft(mailbox: &str, secret: Option<&str>) -> Value {
    let mut oauth = json!({"provider": "microsoft365", "transport": "graph", "tenant_id": TENANT, "client_id": CLIENT_ID});
    if let Some(s) = secret {
        oauth["client_secret"] = json!(s);
    }
    json!({"from_name": "Contoso", "from_email": mailbox, "oauth": oauth})
}

async fn graph_sends_the_test_email_and_invitations_with_one_token(db: TestDb) {
    let peers = peers(120);
    let app = app_for(&db, &peers).await;
    assert_eq!(app.put_smtp(&graph_draft(MAILBOX, Some(CLIENT_SECRET))).await.status(), 200);
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["oauth"], json!({"provider": "microsoft365", "tenant_id": TENANT, "client_id": CLIENT_ID, "secret_set": true, "transport": "graph"}));
    assert_eq!(
        (&settings["host"], &settings["port"], &settings["username"]),
        (&json!("smtp.office365.com"), &json!(587), &json!(MAILBOX)),
        "the relay fields are Microsoft's, signed in as the From mailbox: {settings}"
    );

    let report = app.smtp_test(None).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(true), Some("sent")), "{report}");
    assert_eq!(report["server_reply"], "202 Accepted");

    // An invitation goes out through Graph with the same cached token.
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    wait_until(Duration::from_secs(30), "the invitation was never delivered", || peers.graph.messages().len() == 2);
    app.email_until("bob@example.com", "the invitation is marked sent", |e| e["status"] == "sent").await;
    // The stand-ins' lines are read by a thread of this process: waited for, then counted exactly.
    wait_until(Duration::from_secs(10), "no token request was seen", || !peers.tokens.requests().is_empty());
    assert_eq!(peers.tokens.requests(), [("graph".to_owned(), "ok".to_owned())], "one token (Graph's scope) for two emails");
    let messages = peers.graph.messages();
    // (The body is quoted-printable: a line may be cut anywhere.)
    assert!(messages[0].contains("Subject: Gatehouse test email") && messages[0].contains("Graph as noreply@contoso.example"), "{}", messages[0]);
    let invitation = &messages[1];
    assert!(invitation.contains("To: bob@example.com") && invitation.contains("From: Contoso <noreply@contoso.example>"), "{invitation}");
    assert!(invitation.contains("multipart/alternative"), "the same multipart message a relay gets: {invitation}");
    wait_until(Duration::from_secs(10), "Graph's two answers were not seen", || peers.graph.requests().len() == 2);
    assert!(peers.graph.requests().iter().all(|(mailbox, status, _)| mailbox == MAILBOX && *status == 202));

    // Back to SMTP keeps the secret (same tenant and app); the audit log names the change.
    let audit = app.client.get(app.url("/api/v1/smtp/audit")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("\"tested\""), "{audit}");
    let mut smtp = graph_draft(MAILBOX, None);
    smtp["oauth"]["transport"] = json!("smtp");
    for (k, v) in
        [("host", json!("smtp.office365.com")), ("port", json!(587)), ("security", json!("starttls")), ("auth", json!(true)), ("username", json!(MAILBOX))]
    {
        smtp[k] = v;
    }
    assert_eq!(app.put_smtp(&smtp).await.status(), 200);
    let audit: Value = app.client.get(app.url("/api/v1/smtp/audit")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit[0]["changed"], json!(["oauth.transport"]), "{audit}");
}

/// Each failure is named at its stage, with Graph's code and words and what to do.
async fn graph_failures_are_named_at_their_stage(db: TestDb) {
    let peers = peers(120);
    let app = app_for(&db, &peers).await;
    let domain = MAILBOX.split('@').nth(1).unwrap();
    let report = app.smtp_test(Some(&graph_draft(MAILBOX, Some("not the secret")))).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("token")), "{report}");
    assert!(report["message"].as_str().unwrap().contains("AADSTS7000215"), "{report}");
    wait_until(Duration::from_secs(10), "the refused token request was not seen", || !peers.tokens.requests().is_empty());
    assert!(peers.graph.requests().is_empty(), "nothing is posted without a token");

    let cases = [
        ("denied", "403 ErrorAccessDenied", "Mail.Send"),
        ("onprem", "404 MailboxNotEnabledForRESTAPI", "Exchange Online"),
        ("nobody", "404 ErrorInvalidUser", "no such mailbox"),
        ("throttled", "429 ApplicationThrottled", "retry after 120 s"),
    ];
    for (local, reply, hint) in cases {
        let report = app.smtp_test(Some(&graph_draft(&format!("{local}@{domain}"), Some(CLIENT_SECRET)))).await;
        assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(false), Some("send")), "{local}: {report}");
        assert!(report["server_reply"].as_str().unwrap_or_default().starts_with(reply), "{local}: {report}");
        assert!(report["message"].as_str().unwrap().contains(hint), "{local}: {report}");
    }
    wait_until(Duration::from_secs(10), "Graph's four answers were not seen", || peers.graph.requests().len() == 4);
    assert_eq!(peers.tokens.requests().iter().filter(|(k, ok)| k == "graph" && ok == "ok").count(), 1, "the token is cached across mailboxes");
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["saved"], false, "a test send saves nothing");
}

/// A 429's `Retry-After` holds the email back that long (the backoff here
/// is 1 s), then it goes out; a 403 for the mailbox fails the email at once.
async fn the_worker_honours_retry_after_and_fails_a_refused_mailbox_at_once(db: TestDb) {
    let peers = peers(3);
    let app = app_for(&db, &peers).await;
    let domain = MAILBOX.split('@').nth(1).unwrap();
    let busy = format!("busy@{domain}");
    assert_eq!(app.put_smtp(&graph_draft(&busy, Some(CLIENT_SECRET))).await.status(), 200);
    assert_eq!(app.client.post(app.url("/api/v1/smtp/enable")).send().await.unwrap().status(), 200);
    app.invite("bob@example.com").await;
    let retrying = app.email_until("bob@example.com", "the 429 was never recorded", |e| e["status"] == "retrying").await;
    let throttled_at = Instant::now();
    assert!(retrying["last_error"].as_str().unwrap().contains("429 ApplicationThrottled"), "{retrying}");
    let wait = retrying["next_attempt_at"].as_i64().unwrap() - chrono_now();
    assert!(wait >= 1, "the next attempt waits for Retry-After (3 s), not the 1 s backoff: {retrying}");
    app.email_until("bob@example.com", "the email was never delivered after the wait", |e| e["status"] == "sent").await;
    assert!(throttled_at.elapsed() >= Duration::from_millis(1500), "delivered {:?} after the 429", throttled_at.elapsed());
    wait_until(Duration::from_secs(10), "Graph's two answers were not seen", || peers.graph.requests().len() == 2);
    let statuses: Vec<u16> = peers.graph.requests().iter().filter(|r| r.0 == busy).map(|r| r.1).collect();
    assert_eq!(statuses, [429, 202]);

    // 403 for the mailbox: the same email would be refused again, so it fails at the first attempt.
    assert_eq!(app.put_smtp(&graph_draft(&format!("denied@{domain}"), None)).await.status(), 200, "the stored secret is kept for the same app");
    app.invite("carol@example.com").await;
    let failed = app.email_until("carol@example.com", "the refused email never failed", |e| e["status"] == "failed").await;
    assert_eq!(failed["attempts"], 1, "{failed}");
    assert!(failed["last_error"].as_str().unwrap().contains("403 ErrorAccessDenied"), "{failed}");
    assert_eq!(peers.tokens.requests().len(), 1, "one token for every email");
}

/// Configuration as code: `GATEHOUSE_SMTP_OAUTH_TRANSPORT=graph` with no
/// `GATEHOUSE_SMTP_HOST`; the console shows it managed and its test email goes through Graph.
async fn graph_is_provisioned_as_code_without_a_host(db: TestDb) {
    let peers = peers(120);
    let (login, graph) = (peers.tokens.login_url(), peers.graph.url());
    let env = [
        ("GATEHOUSE_MICROSOFT_LOGIN_URL", login.as_str()),
        ("GATEHOUSE_MICROSOFT_GRAPH_URL", &graph),
        ("GATEHOUSE_SMTP_FROM_EMAIL", MAILBOX),
        ("GATEHOUSE_SMTP_OAUTH_PROVIDER", "microsoft365"),
        ("GATEHOUSE_SMTP_OAUTH_TRANSPORT", "graph"),
        ("GATEHOUSE_SMTP_OAUTH_TENANT_ID", TENANT),
        ("GATEHOUSE_SMTP_OAUTH_CLIENT_ID", CLIENT_ID),
        ("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET", CLIENT_SECRET),
    ];
    let app = TestApp::spawn(&db, &env).await;
    app.set_up_admin().await;
    let settings: Value = app.client.get(app.url("/api/v1/smtp")).send().await.unwrap().json().await.unwrap();
    assert_eq!((&settings["managed"], &settings["enabled"]), (&json!(true), &json!(true)), "{settings}");
    assert_eq!(settings["oauth"]["transport"], "graph", "{settings}");
    let report = app.smtp_test(None).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(true), Some("sent")), "{report}");
    wait_until(Duration::from_secs(10), "Graph's answer was not seen", || peers.graph.requests().len() == 1);
    assert_eq!(peers.graph.requests()[0].1, 202);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
