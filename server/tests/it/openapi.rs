//! The OpenAPI document is generated from the handlers: every route is in it.

use crate::support;

use serde_json::Value;
use support::{Backend, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_every_rest_route() {
    let db = TestDb::new(Backend::Sqlite).await;
    let app = db.spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/setup/{token}", "get"),
        ("/api/v1/setup/{token}", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/accounts", "get"),
        ("/api/v1/accounts", "post"),
        ("/api/v1/accounts/{id}", "patch"),
        ("/api/v1/accounts/{id}", "delete"),
        ("/api/v1/host", "get"),
        ("/api/v1/host", "patch"),
        ("/api/v1/invitations/{token}", "get"),
        ("/api/v1/audit", "get"),
        ("/api/v1/emails", "get"),
        ("/api/v1/emails/{id}/retry", "post"),
        ("/api/v1/emails/{id}/discard", "post"),
        ("/api/v1/delivery", "get"),
        ("/api/v1/invitations", "post"),
        ("/api/v1/invitations/{token}/accept", "post"),
        ("/api/v1/users/{id}/invitation", "post"),
        ("/api/v1/users/{id}/password-reset", "post"),
        ("/api/v1/password-reset", "post"),
        ("/api/v1/password-reset/{token}", "post"),
        ("/api/v1/smtp", "get"),
        ("/api/v1/smtp", "put"),
        ("/api/v1/smtp/enable", "post"),
        ("/api/v1/smtp/disable", "post"),
        ("/api/v1/smtp/test", "post"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} undocumented");
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["SmtpDraft", "SmtpSettings", "TestReport", "ErrorEnvelope"] {
        assert!(schemas.contains_key(name), "{name} missing");
    }
    assert!(schemas["SmtpSettings"]["properties"].get("password").is_none(), "the password is write-only");
    assert!(schemas["UserSummary"]["properties"].get("invitation").is_some(), "the unsent invitation is documented");
    assert!(schemas["UnsentInvitation"]["properties"].get("link").is_some(), "{}", schemas["UnsentInvitation"]);
    // An invitation link's page: what it is for, or why it is dead.
    let responses = &paths["/api/v1/invitations/{token}"]["get"]["responses"];
    for status in ["200", "404", "410"] {
        assert!(responses.get(status).is_some(), "GET /api/v1/invitations/{{token}} does not document {status}");
    }
    for field in ["email", "role", "account", "invited_by", "expires_at"] {
        assert!(schemas["InvitationInfo"]["properties"].get(field).is_some(), "InvitationInfo.{field}");
    }
    assert!(schemas["ApiError"]["properties"].get("link").is_some(), "a dead link's reason is documented");
    assert!(paths["/api/v1/host"]["patch"]["responses"].get("422").is_some());
}
