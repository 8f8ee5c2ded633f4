//! Backup and restore (issue 22, items 4 and 5): a backup taken while eight
//! clients invite restores into the *other* engine with every committed
//! invitation once, sign-ins, tokens, audit history and the sealed relay
//! password carried over (the restored instance delivers the pending
//! invitations through a relay that demands that password); the file holds
//! nothing in clear and the wrong key is refused with nothing changed; a
//! restore into an instance with data adds only what is missing; automatic
//! backups keep the newest and say when they fail.

use crate::support;

use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use support::relay::{Certs, Relay, RelayOptions};
use support::{Backend, TestApp, TestDb, ADMIN_EMAIL, ADMIN_PASSWORD};

const RELAY_USER: &str = "relay-user";
const RELAY_PASSWORD: &str = "the relay's sealed password";

on_both_databases!(
    a_backup_under_load_restores_into_the_other_engine_and_delivers,
    restoring_into_an_instance_with_data_adds_only_what_is_missing,
    automatic_backups_keep_the_newest_and_say_when_they_fail,
    backups_and_the_key_need_a_host_admin_at_the_keyboard,
);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let code = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(code, status, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// The backup key, from `gatehouse backup-key show`, in a file.
fn key_file(db: &TestDb, dir: &std::path::Path) -> std::path::PathBuf {
    let (ok, key, err) = db.cli(&["backup-key", "show"], "");
    assert!(ok, "{err}");
    assert_eq!(key.trim().len(), 44, "{key}");
    let path = dir.join("backup.key");
    std::fs::write(&path, key).unwrap();
    path
}

async fn users_of(client: &reqwest::Client, app: &TestApp) -> Vec<Value> {
    let page = json_of(client.get(app.url("/api/v1/users?limit=500")).send().await.unwrap(), 200).await;
    page.as_array().cloned().unwrap_or_default()
}

async fn a_backup_under_load_restores_into_the_other_engine_and_delivers(source_db: TestDb) {
    let other = match source_db.backend {
        Backend::Sqlite if support::postgres_url().is_some() => Backend::Postgres,
        Backend::Sqlite => {
            eprintln!("GATEHOUSE_TEST_POSTGRES_URL unset: restoring into SQLite instead of the other engine");
            Backend::Sqlite
        }
        Backend::Postgres => Backend::Sqlite,
    };
    let certs = Certs::generate();
    let ca = certs.ca.to_string_lossy().into_owned();
    let relay_port = free_port();
    // The relay is down while the source runs: invitations wait in the outbox.
    let source = TestApp::spawn(&source_db, &[("GATEHOUSE_SMTP_CA_FILE", &ca), ("GATEHOUSE_RETRY_BASE_SECS", "1")]).await;
    source.set_up_admin().await;
    let relay = json!({"host": "127.0.0.1", "port": relay_port, "from_name": "Acme", "from_email": "noreply@acme.example",
        "security": "starttls", "auth": true, "username": RELAY_USER, "password": RELAY_PASSWORD});
    json_of(source.client.put(source.url("/api/v1/smtp")).json(&relay).send().await.unwrap(), 200).await;
    json_of(source.client.post(source.url("/api/v1/smtp/enable")).send().await.unwrap(), 200).await;
    let token = json_of(source.client.post(source.url("/api/v1/tokens")).json(&json!({"name": "gateway backend"})).send().await.unwrap(), 201).await;
    let token = token["token"].as_str().unwrap().to_owned();

    // An account with its own sender, and the host's rules for senders: carried too.
    let acme = json_of(source.client.post(source.url("/api/v1/accounts")).json(&json!({"name": "Acme"})).send().await.unwrap(), 201).await;
    let policy = json!({"account_admins_may_set_sender": true, "account_sender_domains": ["client.example"]});
    json_of(source.client.patch(source.url("/api/v1/host")).json(&policy).send().await.unwrap(), 200).await;
    let sender = json!({"sender": {"from_name": "Acme", "from_email": "hello@client.example", "reply_to": "help@client.example"}});
    json_of(source.client.patch(source.url(&format!("/api/v1/accounts/{}", acme["id"]))).json(&sender).send().await.unwrap(), 200).await;

    // Eight clients invite at full speed; the backup is taken in the middle.
    let before: Vec<String> = (0..8).map(|i| format!("early{i}@example.com")).collect();
    for email in &before {
        source.invite(email).await;
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|c| {
            let (client, url, stop) = (source.client.clone(), source.url("/api/v1/invitations"), stop.clone());
            tokio::spawn(async move {
                let mut committed = Vec::new();
                for n in 0..60 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let email = format!("load{c}-{n}@example.com");
                    let res = client.post(&url).json(&json!({"email": email, "role": "host_user"})).send().await.unwrap();
                    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
                    committed.push(email);
                }
                committed
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = source.client.post(source.url("/api/v1/backups")).json(&json!({"password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"gatehouse-backup-"), "{disposition}");
    let file = res.bytes().await.unwrap().to_vec();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut committed = HashSet::new();
    for c in clients {
        committed.extend(c.await.unwrap());
    }
    let during = committed.len();
    assert!(during > 8, "the backup was taken while the clients were inviting ({during} invitations)");

    // Nothing in clear: no address, no password, no link.
    let text = String::from_utf8_lossy(&file);
    for secret in [ADMIN_EMAIL, RELAY_PASSWORD, RELAY_USER, "early0@example.com", "example.com", "/invite/"] {
        assert!(!text.contains(secret), "{secret} in clear in the backup");
    }
    let keys = tempfile::tempdir().unwrap();
    let key = key_file(&source_db, keys.path());
    let backup = keys.path().join("source.ghbk");
    std::fs::write(&backup, &file).unwrap();
    let before_stop = users_of(&source.client, &source).await.len();
    drop(source);

    // Into a new instance on the other engine: the wrong key first, refused, nothing changed.
    let target_db = TestDb::new(other).await;
    let wrong = keys.path().join("wrong.key");
    std::fs::write(&wrong, "qTSnOYbyQGGJnh9tSxqBUZJ7gnIlyJyu3/0GyI+s9u8=\n").unwrap();
    let (ok, _, err) = target_db.cli(&["restore", "--input", backup.to_str().unwrap(), "--key-file", wrong.to_str().unwrap()], "");
    assert!(!ok && err.contains("another backup key") && err.contains("nothing was changed"), "{err}");
    let mut damaged = file.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let damaged_path = keys.path().join("damaged.ghbk");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let (ok, _, err) = target_db.cli(&["restore", "--input", damaged_path.to_str().unwrap(), "--key-file", key.to_str().unwrap()], "");
    assert!(!ok && err.contains("damaged or was altered"), "{err}");

    let (ok, out, err) = target_db.cli(&["restore", "--input", backup.to_str().unwrap(), "--key-file", key.to_str().unwrap()], "");
    assert!(ok, "{out}\n{err}");
    assert!(out.starts_with("restored exactly"), "the refused attempts changed nothing, so the instance was still empty:\n{out}");

    // Started against the relay, which now answers and demands the carried-over password.
    let relay =
        Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), auth: Some((RELAY_USER, RELAY_PASSWORD)), port: relay_port, ..Default::default() });
    let target = TestApp::spawn(&target_db, &[("GATEHOUSE_SMTP_CA_FILE", &ca)]).await;
    assert_eq!(target.setup_link, None, "the restored instance has its host admin");
    let admin = target.signed_in_client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let bearer = reqwest::Client::new().get(target.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(bearer.status(), 200, "the gateway backend's token works on the restored instance");
    let accounts = json_of(admin.get(target.url("/api/v1/accounts")).send().await.unwrap(), 200).await;
    assert_eq!(accounts[0]["sender"], sender["sender"], "the account's sender came along");
    let host = json_of(admin.get(target.url("/api/v1/host")).send().await.unwrap(), 200).await;
    assert_eq!(host["account_senders"], json!({"account_admins_may_set": true, "domains": ["client.example"]}), "and the rules for senders");

    let users = users_of(&admin, &target).await;
    let emails: Vec<&str> = users.iter().filter_map(|u| u["email"].as_str()).collect();
    let unique: HashSet<&str> = emails.iter().copied().collect();
    assert_eq!(unique.len(), emails.len(), "every user once");
    for email in &before {
        assert!(unique.contains(email.as_str()), "{email}, invited before the backup, was restored");
    }
    for email in &unique {
        assert!(*email == ADMIN_EMAIL || before.contains(&email.to_string()) || committed.contains(*email), "{email} was never invited");
    }
    assert!(users.len() <= before_stop, "no more users than the source had");

    // Every pending user's invitation, exactly once, through the relay and its password.
    let pending = users.len() - 1;
    eprintln!(
        "backup under load: {} invitations committed by the 8 clients in all, {} restored (with the 8 before), file {} bytes",
        committed.len(),
        pending,
        file.len()
    );
    let messages = relay.wait_for_messages(pending, Duration::from_secs(90));
    assert_eq!(messages.len(), pending, "one invitation per restored pending user");
    let counts: HashMap<String, usize> = relay.recipient_counts();
    for email in unique.iter().filter(|e| **e != ADMIN_EMAIL) {
        assert_eq!(counts.get(*email).copied(), Some(1), "{email}'s invitation delivered once: {counts:?}");
    }
    let invited = json_of(admin.get(target.url("/api/v1/audit?action=user_invited&limit=200")).send().await.unwrap(), 200).await;
    assert_eq!(invited.as_array().unwrap().len(), pending.min(200), "the audit history came along");
    let restored = json_of(admin.get(target.url("/api/v1/audit?action=backup_restored")).send().await.unwrap(), 200).await;
    assert_eq!(restored[0]["actor"], "cli", "{restored}");
}

async fn restoring_into_an_instance_with_data_adds_only_what_is_missing(db: TestDb) {
    let source = db.spawn().await;
    source.set_up_admin().await;
    let account = json_of(source.client.post(source.url("/api/v1/accounts")).json(&json!({"name": "Acme"})).send().await.unwrap(), 201).await;
    for (email, role) in [("ada@example.com", "account_admin"), ("bob@example.com", "account_user")] {
        let res = source
            .client
            .post(source.url("/api/v1/invitations"))
            .json(&json!({"email": email, "role": role, "account_id": account["id"]}))
            .send()
            .await
            .unwrap();
        json_of(res, 201).await;
    }
    let keys = tempfile::tempdir().unwrap();
    let key = key_file(&db, keys.path());
    let backup = keys.path().join("b.ghbk");
    let (ok, _, err) = db.cli(&["backup", "--output", backup.to_str().unwrap()], "");
    assert!(ok, "{err}");
    drop(source);

    // Another instance, same engine: its own admin (same address, another password), its own
    // Acme, its own ada, and carol.
    let target_db = TestDb::new(db.backend).await;
    let target = target_db.spawn().await;
    let res = target
        .client
        .post(target.url(&format!("/api/v1/setup/{}", target.setup_token())))
        .json(&json!({"email": ADMIN_EMAIL, "password": "the target's own password"}))
        .send()
        .await
        .unwrap();
    json_of(res, 201).await;
    let acme = json_of(target.client.post(target.url("/api/v1/accounts")).json(&json!({"name": "acme"})).send().await.unwrap(), 201).await;
    for (email, role) in [("ada@example.com", "account_user"), ("carol@example.com", "account_user")] {
        let res =
            target.client.post(target.url("/api/v1/invitations")).json(&json!({"email": email, "role": role, "account_id": acme["id"]})).send().await.unwrap();
        json_of(res, 201).await;
    }

    let restore = || target_db.cli(&["restore", "--input", backup.to_str().unwrap(), "--key-file", key.to_str().unwrap()], "");
    let (ok, out, err) = restore();
    assert!(ok, "{out}\n{err}");
    assert!(out.starts_with("added what was missing"), "{out}");
    assert!(out.contains("user admin@example.com: already here") && out.contains("user ada@example.com: already here"), "{out}");
    assert!(out.contains("account \"Acme\": already here"), "{out}");

    let users = users_of(&target.client, &target).await;
    let by_email: HashMap<&str, &Value> = users.iter().map(|u| (u["email"].as_str().unwrap(), u)).collect();
    assert_eq!(by_email.len(), 4, "admin, ada, carol and the added bob: {users:?}");
    assert_eq!(by_email["ada@example.com"]["role"], "account_user", "ada kept as she was here");
    assert_eq!(by_email["bob@example.com"]["account_id"], acme["id"], "bob joined this instance's Acme");
    target.signed_in_client(ADMIN_EMAIL, "the target's own password").await;
    let old = target.client.post(target.url("/api/v1/session")).json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).send().await.unwrap();
    assert_eq!(old.status(), 401, "the backup's admin password did not replace the one here");
    let accounts = json_of(target.client.get(target.url("/api/v1/accounts")).send().await.unwrap(), 200).await;
    assert_eq!(accounts.as_array().unwrap().len(), 1, "one Acme: {accounts}");

    // Again: nothing left to add.
    let (ok, out, err) = restore();
    assert!(ok, "{err}");
    let added: Vec<&str> = out.lines().filter(|l| l.trim_start().split_once(' ').is_some_and(|(n, _)| n.parse::<u64>().is_ok_and(|n| n > 0))).collect();
    assert!(added.is_empty(), "a second restore added nothing:\n{out}");
    assert_eq!(users_of(&target.client, &target).await.len(), 4);

    // A key reset: new backups need the new key; this one still needs the old.
    let (ok, new_key, _) = target_db.cli(&["backup-key", "reset"], "");
    assert!(ok);
    std::fs::write(keys.path().join("new.key"), &new_key).unwrap();
    let (ok, _, err) = target_db.cli(&["restore", "--input", backup.to_str().unwrap(), "--key-file", keys.path().join("new.key").to_str().unwrap()], "");
    assert!(!ok && err.contains("another backup key"), "{err}");
}

async fn automatic_backups_keep_the_newest_and_say_when_they_fail(db: TestDb) {
    let dir = tempfile::tempdir().unwrap();
    // Three older backups (their names say when): with KEEP=2 only the newest of them stays.
    for stamp in ["20250101T000000Z", "20250102T000000Z", "20250103T000000Z"] {
        std::fs::write(dir.path().join(format!("gatehouse-backup-{stamp}.ghbk")), b"older").unwrap();
    }
    std::fs::write(dir.path().join("notes.txt"), b"not ours").unwrap();
    let dir_setting = dir.path().to_string_lossy().into_owned();
    let app = TestApp::process(&db, &[("GATEHOUSE_BACKUP_DIR", &dir_setting), ("GATEHOUSE_BACKUP_KEEP", "2")]).await;
    app.set_up_admin().await;
    let listed = loop {
        let overview = json_of(app.client.get(app.url("/api/v1/backups")).send().await.unwrap(), 200).await;
        let files = overview["automatic"]["files"].as_array().cloned().unwrap_or_default();
        if files.len() == 2 && files[0]["name"] != "gatehouse-backup-20250103T000000Z.ghbk" {
            assert_eq!(overview["automatic"]["interval_hours"], 24);
            break files;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(listed[1]["name"], "gatehouse-backup-20250103T000000Z.ghbk", "{listed:?}");
    assert!(dir.path().join("notes.txt").exists(), "other files are left alone");
    assert!(!dir.path().join("gatehouse-backup-20250101T000000Z.ghbk").exists());
    let newest = dir.path().join(listed[0]["name"].as_str().unwrap());
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&newest).unwrap().permissions()) & 0o777, 0o600);
    let keys = tempfile::tempdir().unwrap();
    let key = key_file(&db, keys.path());
    let check = TestDb::new(db.backend).await;
    let (ok, out, err) = check.cli(&["restore", "--input", newest.to_str().unwrap(), "--key-file", key.to_str().unwrap()], "");
    assert!(ok && out.starts_with("restored exactly"), "{out}\n{err}");
    drop(app);

    // A directory that cannot be made: the page and /metrics say so.
    let blocked = dir.path().join("notes.txt").join("backups");
    let blocked = blocked.to_string_lossy().into_owned();
    let app = TestApp::process(&db, &[("GATEHOUSE_BACKUP_DIR", &blocked)]).await;
    let admin = app.signed_in_client(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let failure = loop {
        let overview = json_of(admin.get(app.url("/api/v1/backups")).send().await.unwrap(), 200).await;
        if !overview["automatic"]["last_failure"].is_null() {
            break overview["automatic"]["last_failure"].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(failure["message"].as_str().unwrap().contains("notes.txt"), "{failure}");
    let metrics = admin.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("gatehouse_backup_failing 1"), "{metrics}");
    assert!(metrics.contains("gatehouse_backup_failures_total 1"), "{metrics}");
}

async fn backups_and_the_key_need_a_host_admin_at_the_keyboard(db: TestDb) {
    let app = db.spawn().await;
    app.set_up_admin().await;
    let wrong = app.client.post(app.url("/api/v1/backups")).json(&json!({"password": "not the password"})).send().await.unwrap();
    let body = json_of(wrong, 403).await;
    assert!(body["error"]["fields"]["password"].is_string(), "{body}");
    let token = json_of(app.client.post(app.url("/api/v1/tokens")).json(&json!({"name": "backend"})).send().await.unwrap(), 201).await;
    let bearer = reqwest::Client::new();
    for path in ["/api/v1/backups", "/api/v1/backup-key", "/api/v1/backup-key/reset"] {
        let res = bearer.post(app.url(path)).bearer_auth(token["token"].as_str().unwrap()).json(&json!({"password": ADMIN_PASSWORD})).send().await.unwrap();
        let body = json_of(res, 403).await;
        assert!(body["error"]["message"].as_str().unwrap().contains("signed-in session"), "{path}: {body}");
    }
    let overview = bearer.get(app.url("/api/v1/backups")).bearer_auth(token["token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(json_of(overview, 200).await["automatic"], Value::Null, "listing works with a token; no directory set");

    let res = app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": "hu@example.com", "role": "host_user"})).send().await.unwrap();
    let link = json_of(res, 201).await["invitation_link"].as_str().unwrap().to_owned();
    let invite_token = link.rsplit('/').next().unwrap();
    let accepted = app
        .browser()
        .post(app.url(&format!("/api/v1/invitations/{invite_token}/accept")))
        .json(&json!({"email": "hu@example.com", "password": "host user password"}))
        .send()
        .await
        .unwrap();
    assert!(accepted.status().is_success(), "{}", accepted.text().await.unwrap());
    let host_user = app.signed_in_client("hu@example.com", "host user password").await;
    for path in ["/api/v1/backups", "/api/v1/backup-key"] {
        let res = host_user.post(app.url(path)).json(&json!({"password": "host user password"})).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    assert_eq!(host_user.get(app.url("/api/v1/backups")).send().await.unwrap().status(), 403);

    let shown = json_of(app.client.post(app.url("/api/v1/backup-key")).json(&json!({"password": ADMIN_PASSWORD})).send().await.unwrap(), 200).await;
    let reset = json_of(app.client.post(app.url("/api/v1/backup-key/reset")).json(&json!({"password": ADMIN_PASSWORD})).send().await.unwrap(), 200).await;
    assert_ne!(shown["key"], reset["key"]);
    assert_ne!(shown["fingerprint"], reset["fingerprint"]);
    let audit = json_of(app.client.get(app.url("/api/v1/audit?action=backup_key_shown")).send().await.unwrap(), 200).await;
    assert_eq!(audit[0]["actor"], ADMIN_EMAIL, "{audit}");
    assert!(!audit.to_string().contains(shown["key"].as_str().unwrap()), "the key is never in the audit log");
}
