//! The core's services called directly, through an app started in process
//! (`TestApp::state`): who may call what (the checked handles), what each
//! call writes to the audit log, and the storage rule under concurrent
//! calls. The REST routes and the dashboard's server functions are doors to
//! these same functions; these tests say what the doors can rely on.

use crate::support;
use gatehouse_core::auth::{authenticate, Caller};
use gatehouse_core::state::AppState;
use shared::api::{ErrorCode, UserUpdate};
use shared::audit::AuditAction;
use shared::invite::InviteRequest;
use shared::Role;
use support::TestDb;

on_both_databases!(
    only_the_checked_handles_reach_privileged_operations,
    every_operation_writes_its_audit_entry,
    concurrent_service_calls_keep_the_storage_rule
);

const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The caller a bearer token authenticates as, as a REST request would make it.
async fn caller_with(state: &AppState, token: &str) -> Caller {
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::AUTHORIZATION, format!("Bearer {}", token.trim()).parse().unwrap());
    authenticate(&state.auth, &headers, LOCAL).await.expect("the token authenticates")
}

/// A user of `role` made by the operator's CLI, and a token acting as them.
fn user_with_token(db: &TestDb, email: &str, role: &str, account: Option<i64>) -> String {
    let account = account.map(|a| a.to_string());
    let mut args = vec!["user", "create", "--email", email, "--role", role];
    if let Some(a) = &account {
        args.extend(["--account-id", a]);
    }
    let (ok, _, err) = db.cli(&args, "a long enough password");
    assert!(ok, "user create: {err}");
    let (ok, token, err) = db.cli(&["token", "create", "--email", email, "--name", "services"], "");
    assert!(ok, "token create: {err}");
    token
}

async fn only_the_checked_handles_reach_privileged_operations(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let state = app.state();
    let admin = caller_with(state, &user_with_token(&db, "ops@example.com", "host_admin", None)).await;
    let account =
        gatehouse_core::users::service::create_account(&state.users, admin.host_admin().unwrap(), &shared::account::AccountRequest { name: "Acme".into() })
            .await
            .expect("a host admin creates an account");
    let viewer = caller_with(state, &user_with_token(&db, "viewer@example.com", "host_user", None)).await;
    let manager = caller_with(state, &user_with_token(&db, "boss@acme.example", "account_admin", Some(account.id))).await;
    let member = caller_with(state, &user_with_token(&db, "member@acme.example", "account_user", Some(account.id))).await;

    // Who gets which handle: everything else follows from the types.
    let refused = |r: Result<(), gatehouse_core::error::Failure>| r.err().map(|f| f.0.code);
    for (who, caller, host_admin, manages) in [
        ("host admin", &admin, true, true),
        ("host user", &viewer, false, false),
        ("account admin", &manager, false, true),
        ("account user", &member, false, false),
    ] {
        assert_eq!(refused(caller.host_admin().map(|_| ())), (!host_admin).then_some(ErrorCode::Forbidden), "{who}: host admin handle");
        assert_eq!(refused(caller.manager().map(|_| ())), (!manages).then_some(ErrorCode::Forbidden), "{who}: manager handle");
    }

    // An account admin's handle stops at their account's account roles.
    let users = &state.users;
    let everyone = gatehouse_core::users::service::list_users(users, &admin, &Default::default(), None, Some(100)).await.unwrap();
    let host_user = everyone.items.iter().find(|u| u.email.as_str() == "viewer@example.com").unwrap().id;
    let own = everyone.items.iter().find(|u| u.email.as_str() == "member@acme.example").unwrap().id;
    let disable = UserUpdate { role: None, account_id: None, disabled: Some(true) };
    let out_of_scope = gatehouse_core::users::service::update_user(users, manager.manager().unwrap(), host_user, &disable).await;
    assert_eq!(out_of_scope.err().map(|f| f.0.code), Some(ErrorCode::Forbidden), "an account admin cannot reach a host user");
    let promote = UserUpdate { role: Some(Role::HostUser), account_id: None, disabled: None };
    let upward = gatehouse_core::users::service::update_user(users, manager.manager().unwrap(), own, &promote).await;
    assert_eq!(upward.err().map(|f| f.0.code), Some(ErrorCode::Forbidden), "nor make anyone a host user");
    let theirs = gatehouse_core::users::service::update_user(users, manager.manager().unwrap(), own, &disable).await.expect("their own account's user");
    assert_eq!(theirs.status, shared::api::UserStatus::Disabled);
    // What each sees: everyone for host roles, one account for account roles.
    let seen = gatehouse_core::users::service::list_users(users, &manager, &Default::default(), None, Some(100)).await.unwrap();
    assert!(seen.items.iter().all(|u| u.account_id == Some(account.id)) && seen.items.len() == 2, "{:?}", seen.items);
}

async fn every_operation_writes_its_audit_entry(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let state = app.state();
    let admin = caller_with(state, &user_with_token(&db, "ops@example.com", "host_admin", None)).await;
    let admin = admin.host_admin().unwrap();
    let draft: shared::smtp::SmtpDraft = serde_json::from_value(serde_json::json!({
        "host": "127.0.0.1", "port": 2525, "from_name": "Acme", "from_email": "noreply@acme.example", "security": "none", "auth": false
    }))
    .unwrap();
    gatehouse_core::smtp::service::save(&state.smtp, admin, &draft).await.expect("saved");
    gatehouse_core::smtp::service::set_enabled(&state.smtp, admin, true).await.expect("switched on");
    let account = gatehouse_core::users::service::create_account(&state.users, admin, &shared::account::AccountRequest { name: "Acme".into() }).await.unwrap();
    let query = |action| gatehouse_core::audit::Query { actor: Some("ops@".into()), action: Some(action), cursor: None, limit: None };
    for (action, target) in [(AuditAction::SmtpSaved, None), (AuditAction::SmtpEnabled, None), (AuditAction::AccountCreated, Some(account.name.as_str()))] {
        let page = gatehouse_core::host::audit_log(&state.db, admin, &query(action)).await.unwrap();
        assert_eq!(page.entries.len(), 1, "one {action:?} entry: {:?}", page.entries);
        let entry = &page.entries[0];
        assert_eq!((entry.actor.as_str(), entry.target.as_deref()), ("ops@example.com", target), "{entry:?}");
    }
    // The token the CLI made is the operator's doing, not the admin's.
    let cli = gatehouse_core::audit::Query { actor: Some("cli".into()), action: Some(AuditAction::TokenCreated), cursor: None, limit: None };
    assert_eq!(gatehouse_core::host::audit_log(&state.db, admin, &cli).await.unwrap().entries.len(), 1);
}

/// Many invitations at once, straight through the service, each inside the
/// storage rule's check as a request is: none may take a second connection
/// while holding its transaction, and every one is stored once.
async fn concurrent_service_calls_keep_the_storage_rule(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let state = app.state().clone();
    let token = user_with_token(&db, "ops@example.com", "host_admin", None);
    let admin = caller_with(&state, &token).await;
    let calls: Vec<_> = (0..24)
        .map(|i| {
            let (state, admin) = (state.clone(), admin.clone());
            tokio::spawn(gatehouse_core::storage::rule::scope(async move {
                let req = InviteRequest { email: format!("person{i}@example.com"), role: Role::HostUser, account_id: None, language: None };
                gatehouse_core::users::invitations::invite(&state.users, admin.manager().unwrap(), &req).await.map(|_| ()).map_err(|f| f.0)
            }))
        })
        .collect();
    for call in calls {
        call.await.expect("no call panicked (the rule panics on a second connection)").expect("every invitation is made");
    }
    let all = gatehouse_core::users::service::list_users(&state.users, &admin, &Default::default(), None, Some(100)).await.unwrap();
    let invited = all.items.iter().filter(|u| u.email.as_str().starts_with("person")).count();
    assert_eq!(invited, 24, "each invitation stored once");
}
