//! Configuration as code (issue 22, items 1 to 3): secrets from `_FILE`
//! settings, the first host admin and the SMTP relay provisioned at a start,
//! the relay locked in the console while provisioned, and handed back when
//! the settings go. Against the real binary, on both databases, with a real
//! SMTP server (aiosmtpd) over StartTLS with authentication.

use crate::support;

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::relay::{Certs, Relay, RelayOptions};
use support::{error_code, TestApp, TestDb, BIN};

const ADMIN: &str = "ops@example.com";
const ADMIN_PASSWORD: &str = "a long provisioned password";
const RELAY_USER: &str = "relay@example.com";
const RELAY_PASSWORD: &str = "S3cret-relay-pass!";

on_both_databases!(
    a_provisioned_admin_signs_in_and_a_later_start_changes_nothing,
    a_provisioned_relay_is_locked_tested_and_handed_back,
    a_bad_provisioned_value_stops_the_start_and_stores_nothing,
    a_setting_and_its_file_together_are_refused_naming_both,
    the_sealing_key_and_the_database_url_come_from_files,
);

/// A file in `dir` holding `content`, as a mounted secret would.
fn secret_file(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs `gatehouse <args>` on `db` with `env`, expecting it to exit within a
/// minute (a refused start exits at once); its success and stderr.
fn run(db: &TestDb, args: &[&str], env: &[(&str, &str)], remove: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("GATEHOUSE_DATA_DIR", db.dir.path())
        .env("GATEHOUSE_DATABASE_URL", &db.url)
        .env("GATEHOUSE_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in remove {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("gatehouse {args:?} still running after a minute: a start that should have been refused was not");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A refused `serve`: its message (stderr), after checking it failed.
fn refused_start(db: &TestDb, env: &[(&str, &str)]) -> String {
    let (ok, stderr) = run(db, &["serve", "--bind", "127.0.0.1:0"], env, &[]);
    assert!(!ok, "the start was not refused:\n{stderr}");
    stderr
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_provisioned_admin_signs_in_and_a_later_start_changes_nothing(db: TestDb) {
    let secrets = tempfile::tempdir().unwrap();
    // Written as `echo … > file` writes it: the newline is not part of the password.
    let password_file = secret_file(secrets.path(), "admin_password", &format!("{ADMIN_PASSWORD}\n"));
    let env = [("GATEHOUSE_ADMIN_EMAIL", ADMIN), ("GATEHOUSE_ADMIN_PASSWORD_FILE", password_file.as_str())];
    let app = TestApp::process(&db, &env).await;
    assert_eq!(app.setup_link, None, "no setup link once the settings made the admin:\n{}", app.output());
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let me = get(&admin, app.url("/api/v1/me")).await;
    assert_eq!(me["role"], "host_admin", "{me}");
    let with_newline =
        app.client.post(app.url("/api/v1/session")).json(&json!({"email": ADMIN, "password": format!("{ADMIN_PASSWORD}\n")})).send().await.unwrap();
    assert_eq!(with_newline.status(), 401, "the trailing newline was trimmed, not kept");
    let created = get(&admin, app.url("/api/v1/audit?action=user_created")).await;
    assert_eq!((created[0]["actor"].as_str(), created[0]["target"].as_str()), (Some("provisioning"), Some(ADMIN)), "{created}");
    assert_eq!(created[0]["via"], "provisioning", "{created}");
    assert!(!app.output().contains(ADMIN_PASSWORD), "the password in the log");
    drop(app);

    // A later start with other settings changes nobody, and says so.
    let other = secret_file(secrets.path(), "other", "another long password\n");
    let app = TestApp::process(&db, &[("GATEHOUSE_ADMIN_EMAIL", "someone@example.com"), ("GATEHOUSE_ADMIN_PASSWORD_FILE", other.as_str())]).await;
    assert_eq!(app.setup_link, None);
    assert!(app.output().contains("host admins exist already: nothing changed"), "{}", app.output());
    app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let nobody =
        app.client.post(app.url("/api/v1/session")).json(&json!({"email": "someone@example.com", "password": "another long password"})).send().await.unwrap();
    assert_eq!(nobody.status(), 401);
}

/// The relay over StartTLS with authentication, its password from a file, and the admin to sign in with.
fn relay_env(relay: &Relay, certs: &Certs, password_file: &str, from_name: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("GATEHOUSE_ADMIN_EMAIL", ADMIN.into()),
        ("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("GATEHOUSE_SMTP_CA_FILE", certs.ca.to_string_lossy().into_owned()),
        ("GATEHOUSE_SMTP_HOST", "127.0.0.1".into()),
        ("GATEHOUSE_SMTP_PORT", relay.port.to_string()),
        ("GATEHOUSE_SMTP_SECURITY", "starttls".into()),
        ("GATEHOUSE_SMTP_FROM_NAME", from_name.into()),
        ("GATEHOUSE_SMTP_FROM_EMAIL", "noreply@acme.example".into()),
        ("GATEHOUSE_SMTP_USERNAME", RELAY_USER.into()),
        ("GATEHOUSE_SMTP_PASSWORD_FILE", password_file.into()),
    ]
}

fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn test_send(app: &TestApp, client: &reqwest::Client) -> Value {
    let res = client.post(app.url("/api/v1/smtp/test")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn stored_secret(db: &TestDb) -> Option<String> {
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    sqlx::query_scalar("SELECT password_sealed FROM smtp_config WHERE id = 1").fetch_one(&mut conn).await.unwrap()
}

async fn a_provisioned_relay_is_locked_tested_and_handed_back(db: TestDb) {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let secrets = tempfile::tempdir().unwrap();
    let password_file = secret_file(secrets.path(), "smtp_password", &format!("{RELAY_PASSWORD}\r\n"));
    let env = relay_env(&relay, &certs, &password_file, "Acme");
    let app = TestApp::process(&db, &borrowed(&env)).await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;

    let settings = get(&admin, app.url("/api/v1/smtp")).await;
    assert_eq!(
        (settings["managed"].as_bool(), settings["enabled"].as_bool(), settings["password_set"].as_bool()),
        (Some(true), Some(true), Some(true)),
        "{settings}"
    );
    assert_eq!((settings["host"].as_str(), settings["port"].as_u64()), (Some("127.0.0.1"), Some(u64::from(relay.port))));
    assert!(!settings.to_string().contains(RELAY_PASSWORD), "GET returned the password");
    let sealed = stored_secret(&db).await.expect("the password is stored");
    assert!(sealed.starts_with("v1:") && !sealed.contains(RELAY_PASSWORD), "sealed at rest like a console-saved one");

    // Locked: saving and switching are refused, on every door the REST API has.
    let draft =
        json!({"host": "127.0.0.1", "port": relay.port, "from_email": "other@acme.example", "security": "starttls", "auth": true, "username": RELAY_USER});
    assert_eq!(error_code(admin.put(app.url("/api/v1/smtp")).json(&draft).send().await.unwrap(), 409).await, "managed");
    for switch in ["enable", "disable"] {
        assert_eq!(error_code(admin.post(app.url(&format!("/api/v1/smtp/{switch}"))).send().await.unwrap(), 409).await, "managed", "{switch}");
    }
    // Testing still works, and reaches the relay through the sealed password.
    let report = test_send(&app, &admin).await;
    assert_eq!((report["ok"].as_bool(), report["stage"].as_str()), (Some(true), Some("sent")), "{report}");
    assert_eq!(relay.wait_for_messages(1, Duration::from_secs(10)).len(), 1);
    let history = get(&admin, app.url("/api/v1/smtp/audit")).await;
    let provisioned: Vec<&Value> = history.as_array().unwrap().iter().filter(|e| e["action"] == "provisioned").collect();
    assert_eq!(provisioned.len(), 1, "{history}");
    assert_eq!((provisioned[0]["actor_email"].as_str(), &provisioned[0]["changed"]), (Some("provisioning"), &json!(["created"])));
    let audited = get(&admin, app.url("/api/v1/audit?action=smtp_provisioned")).await;
    assert_eq!(audited[0]["actor"], "provisioning", "{audited}");
    assert!(!app.output().contains(RELAY_PASSWORD), "the password in the log");
    drop(app);

    // The same settings again change nothing (the password is not sealed anew);
    // one value changed is recorded by its field name only.
    let app = TestApp::process(&db, &borrowed(&env)).await;
    assert!(app.output().contains("the stored configuration is already it"), "{}", app.output());
    drop(app);
    assert_eq!(stored_secret(&db).await.as_deref(), Some(sealed.as_str()));
    let app = TestApp::process(&db, &borrowed(&relay_env(&relay, &certs, &password_file, "Acme Gateway"))).await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let history = get(&admin, app.url("/api/v1/smtp/audit")).await;
    assert_eq!((history[0]["action"].as_str(), &history[0]["changed"]), (Some("provisioned"), &json!(["from_name"])), "{history}");
    drop(app);

    // Without GATEHOUSE_SMTP_HOST the console has it back, as last provisioned, password included.
    let ca = certs.ca.to_string_lossy().into_owned();
    let app = TestApp::process(&db, &[("GATEHOUSE_SMTP_CA_FILE", ca.as_str())]).await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let settings = get(&admin, app.url("/api/v1/smtp")).await;
    assert_eq!((settings["managed"].as_bool(), settings["from_name"].as_str(), settings["enabled"].as_bool()), (Some(false), Some("Acme Gateway"), Some(true)));
    let keep_password = json!({"host": "127.0.0.1", "port": relay.port, "from_name": "Console", "from_email": "noreply@acme.example", "security": "starttls", "auth": true, "username": RELAY_USER});
    let saved = admin.put(app.url("/api/v1/smtp")).json(&keep_password).send().await.unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    assert_eq!(admin.post(app.url("/api/v1/smtp/disable")).send().await.unwrap().status(), 200);
    let report = test_send(&app, &admin).await;
    assert_eq!(report["stage"], "sent", "the provisioned password stays usable: {report}");
}

async fn a_bad_provisioned_value_stops_the_start_and_stores_nothing(db: TestDb) {
    let relay = [
        ("GATEHOUSE_SMTP_HOST", "127.0.0.1"),
        ("GATEHOUSE_SMTP_SECURITY", "none"),
        ("GATEHOUSE_ADMIN_EMAIL", ADMIN),
        ("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD),
    ];
    let with = |more: &[(&'static str, &'static str)]| relay.iter().chain(more).copied().collect::<Vec<_>>();
    // Judged by the form's parser: every bad field named by its variable at once.
    let said = refused_start(&db, &with(&[("GATEHOUSE_SMTP_PORT", "70000"), ("GATEHOUSE_SMTP_FROM_EMAIL", "not an address")]));
    assert!(said.contains("nothing was stored"), "{said}");
    assert!(said.contains("GATEHOUSE_SMTP_PORT: use a port from 1 to 65535"), "{said}");
    assert!(said.contains("GATEHOUSE_SMTP_FROM_EMAIL: "), "{said}");
    // Authentication over a plain connection is refused as in the console.
    let said =
        refused_start(&db, &with(&[("GATEHOUSE_SMTP_FROM_EMAIL", "noreply@acme.example"), ("GATEHOUSE_SMTP_USERNAME", "u"), ("GATEHOUSE_SMTP_PASSWORD", "p")]));
    assert!(said.contains("GATEHOUSE_SMTP_SECURITY: choose SSL or StartTLS"), "{said}");
    // What the form has no field for is named too.
    for (variable, value) in [("GATEHOUSE_SMTP_PORT", "587x"), ("GATEHOUSE_SMTP_SECURITY", "tls"), ("GATEHOUSE_SMTP_ENABLED", "maybe")] {
        let said = refused_start(&db, &with(&[("GATEHOUSE_SMTP_FROM_EMAIL", "noreply@acme.example"), (variable, value)]));
        assert!(said.contains(&format!("{variable}: \"{value}\"")), "{said}");
    }
    // A first admin's weak password is refused the way the setup page refuses it.
    let said = refused_start(&db, &[("GATEHOUSE_ADMIN_EMAIL", ADMIN), ("GATEHOUSE_ADMIN_PASSWORD", "short")]);
    assert!(said.contains("GATEHOUSE_ADMIN_PASSWORD(_FILE): "), "{said}");

    // Nothing was stored: no relay, no admin (a setup link is printed).
    let app = db.spawn().await;
    assert!(app.setup_link.is_some(), "no admin was made");
    app.set_up_admin().await;
    let settings = get(&app.client, app.url("/api/v1/smtp")).await;
    assert_eq!((settings["saved"].as_bool(), settings["managed"].as_bool()), (Some(false), Some(false)), "{settings}");
}

async fn a_setting_and_its_file_together_are_refused_naming_both(db: TestDb) {
    let secrets = tempfile::tempdir().unwrap();
    let file = secret_file(secrets.path(), "secret", "whatever\n");
    for (variable, also) in [
        ("GATEHOUSE_SMTP_PASSWORD", [("GATEHOUSE_SMTP_HOST", "127.0.0.1"), ("GATEHOUSE_SMTP_FROM_EMAIL", "noreply@acme.example")]),
        ("GATEHOUSE_SMTP_OAUTH_CLIENT_SECRET", [("GATEHOUSE_SMTP_HOST", "127.0.0.1"), ("GATEHOUSE_SMTP_OAUTH_PROVIDER", "microsoft365")]),
        ("GATEHOUSE_ADMIN_PASSWORD", [("GATEHOUSE_ADMIN_EMAIL", ADMIN), ("GATEHOUSE_LOG", "info")]),
    ] {
        let file_variable = format!("{variable}_FILE");
        let mut env = vec![(variable, "a value"), (file_variable.as_str(), file.as_str())];
        env.extend(also);
        let said = refused_start(&db, &env);
        assert!(said.contains(&format!("{variable} and {variable}_FILE are both set")), "{said}");
    }
    // The database URL, for every command.
    let (ok, said) = run(&db, &["setup-link"], &[("GATEHOUSE_DATABASE_URL_FILE", &file)], &[]);
    assert!(!ok && said.contains("GATEHOUSE_DATABASE_URL and GATEHOUSE_DATABASE_URL_FILE are both set"), "{said}");
}

async fn the_sealing_key_and_the_database_url_come_from_files(db: TestDb) {
    let certs = Certs::generate();
    let relay = Relay::start(RelayOptions { mode: "starttls", certs: Some(&certs), auth: Some((RELAY_USER, RELAY_PASSWORD)), ..Default::default() });
    let secrets = tempfile::tempdir().unwrap();
    // As `openssl rand -base64 32 > file` makes one; and the URL as an editor saves it.
    let key = secret_file(secrets.path(), "secret.key", "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng=\n");
    let url = secret_file(secrets.path(), "database_url", &format!("{}\n", db.url));
    let password_file = secret_file(secrets.path(), "smtp_password", RELAY_PASSWORD);
    let mut env = relay_env(&relay, &certs, &password_file, "Acme");
    env.push(("GATEHOUSE_SECRET_KEY_FILE", key.clone()));
    let app = TestApp::spawn(&db, &borrowed(&env)).await;
    let admin = app.signed_in_client(ADMIN, ADMIN_PASSWORD).await;
    let report = test_send(&app, &admin).await;
    assert_eq!(report["stage"], "sent", "sealed and opened with the mounted key: {report}");
    assert!(!db.dir.path().join("secret.key").exists(), "a mounted key is never written to the data dir");
    drop(app);
    // Any command reads the URL from its file (and needs the mounted key, the database holding sealed data).
    let (ok, said) = run(&db, &["token", "list"], &[("GATEHOUSE_DATABASE_URL_FILE", &url), ("GATEHOUSE_SECRET_KEY_FILE", &key)], &["GATEHOUSE_DATABASE_URL"]);
    assert!(ok, "{said}");
    // The sealed password needs that key: without it the start is refused, naming the missing file.
    let (ok, said) = run(&db, &["serve", "--bind", "127.0.0.1:0"], &[], &[]);
    assert!(!ok && said.contains("secret.key is missing"), "{said}");
}
