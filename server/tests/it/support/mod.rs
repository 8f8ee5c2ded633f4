//! Starts Gatehouse on a free port with its own data dir and database (a
//! temp SQLite file, or a fresh PostgreSQL database when
//! `GATEHOUSE_TEST_POSTGRES_URL` is set), and talks to it over HTTP: in this
//! process (`TestApp::spawn`, `server::startup::Application` on the test's
//! runtime), or as the real binary (`TestApp::process`) for what only a
//! process shows: its output and logs, signals, a kill -9, and the figures
//! that are global to a process (`/metrics`, storage fault episodes).

pub mod graph;
pub mod oauth;
pub mod relay;
pub mod script;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");
/// The dashboard the binary carries, for the apps started in process.
static DASHBOARD: &[u8] = include_bytes!(env!("GATEHOUSE_DASHBOARD_BUNDLE"));
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "a long admin password";
/// The password of users made with [`TestApp::cli_user`].
pub const USER_PASSWORD: &str = "a long user password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server to test against, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("GATEHOUSE_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())
}

/// A fresh PostgreSQL database for a scenario that exists only there (several
/// instances, LISTEN/NOTIFY); `None`, said on stderr, when
/// GATEHOUSE_TEST_POSTGRES_URL is unset. CI always sets it.
pub async fn postgres_only(scenario: &str) -> Option<TestDb> {
    if postgres_url().is_none() {
        eprintln!("GATEHOUSE_TEST_POSTGRES_URL unset: {scenario} needs PostgreSQL (CI sets it)");
        return None;
    }
    Some(TestDb::new(Backend::Postgres).await)
}

/// Runs a scenario on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::support::TestDb::new(super::support::Backend::Sqlite).await).await }
            )*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                // CI always sets the URL (.ci/run fails when PostgreSQL is unreachable);
                // without it these run on SQLite's twin above only.
                if super::support::postgres_url().is_none() {
                    eprintln!("GATEHOUSE_TEST_POSTGRES_URL unset: PostgreSQL variant not run");
                    return;
                }
                super::$name(super::support::TestDb::new(super::support::Backend::Postgres).await).await
            }
            )*
        }
    };
}

/// A data dir plus a database URL, which outlive server restarts.
pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub url: String,
    pub backend: Backend,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("gatehouse.db").display());
                Self { dir, url, backend, pg_name: None }
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("GATEHOUSE_TEST_POSTGRES_URL");
                let name = format!("gatehouse_test_{}", random_suffix());
                sqlx::any::install_default_drivers();
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await.expect("connect to PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
                let url = replace_database(&admin_url, &name);
                Self { dir, url, backend, pg_name: Some(name) }
            }
        }
    }

    pub async fn spawn(&self) -> TestApp {
        TestApp::spawn(self, &[]).await
    }

    pub async fn process(&self) -> TestApp {
        TestApp::process(self, &[]).await
    }

    /// Runs a CLI subcommand against this database; returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        let mut child = Command::new(BIN)
            .args(args)
            .env("GATEHOUSE_DATA_DIR", self.dir.path())
            .env("GATEHOUSE_DATABASE_URL", &self.url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let (Some(name), Some(admin_url)) = (&self.pg_name, postgres_url()) {
            // Best effort, on a fresh runtime: Drop cannot await.
            let name = name.clone();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                    }
                });
            })
            .join();
        }
    }
}

fn random_suffix() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{}_{}", std::process::id(), nanos)
}

fn replace_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("GATEHOUSE_TEST_POSTGRES_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

fn browser_for(base: &str) -> reqwest::Client {
    let mut origin = reqwest::header::HeaderMap::new();
    origin.insert(reqwest::header::ORIGIN, base.parse().unwrap());
    reqwest::Client::builder().cookie_store(true).default_headers(origin).build().unwrap()
}

/// A running Gatehouse; stopped when dropped.
pub struct TestApp {
    pub base: String,
    pub setup_link: Option<String>,
    pub client: reqwest::Client,
    run: Run,
}

enum Run {
    /// `Application` on the test's runtime; stopped (gracefully) through `stop`.
    InProcess { stop: Option<tokio::sync::oneshot::Sender<()>>, state: gatehouse_core::state::AppState },
    /// The real binary, as an operator starts it; killed when dropped.
    Process { output: Arc<Mutex<Vec<String>>>, child: Child },
}

impl TestApp {
    /// In this process, listening on a free port of 127.0.0.1; requests go to that address.
    pub async fn spawn(db: &TestDb, settings: &[(&str, &str)]) -> Self {
        Self::in_process(db, settings).await
    }

    /// The real binary, listening on a free port of 127.0.0.1.
    pub async fn process(db: &TestDb, extra_env: &[(&str, &str)]) -> Self {
        Self::spawn_process(db, "127.0.0.1:0", false, extra_env).await
    }

    /// The real binary, listening on `bind`; requests go to the public URL the banner names.
    pub async fn process_at(db: &TestDb, bind: &str, extra_env: &[(&str, &str)]) -> Self {
        Self::spawn_process(db, bind, true, extra_env).await
    }

    /// Builds the settings as the binary's command line would from these
    /// variables (each `GATEHOUSE_X_Y` is the flag `--x-y`), builds the
    /// `Application` and serves it on this test's runtime.
    async fn in_process(db: &TestDb, settings: &[(&str, &str)]) -> Self {
        let mut args = vec!["gatehouse".to_owned(), format!("--data-dir={}", db.dir.path().display()), format!("--database-url={}", db.url), "serve".into()];
        args.push("--bind=127.0.0.1:0".into());
        for (name, value) in settings {
            let flag = name.strip_prefix("GATEHOUSE_").unwrap_or_else(|| panic!("{name} is not a Gatehouse setting"));
            args.push(format!("--{}={value}", flag.to_lowercase().replace('_', "-")));
        }
        let cli = <server::cli::Cli as clap::Parser>::try_parse_from(&args)
            .unwrap_or_else(|e| panic!("{args:?} (use TestApp::process for what is not a serve setting):\n{e}"));
        let server::cli::Command::Serve(serve) = cli.command else { unreachable!("serve was asked for") };
        let app = server::startup::Application::build(&cli.storage, &serve, DASHBOARD).await.expect("gatehouse builds");
        let base = format!("http://{}", app.address());
        let setup_link = app.setup_link().map(str::to_owned);
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let client = browser_for(&base);
        Self { base, setup_link, client, run: Run::InProcess { stop: Some(stop), state } }
    }

    async fn spawn_process(db: &TestDb, bind: &str, via_public_url: bool, extra_env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(BIN);
        // From `/`: the binary needs no folder beside it (its dashboard is inside).
        cmd.args(["serve", "--bind", bind])
            .current_dir("/")
            .env("GATEHOUSE_DATA_DIR", db.dir.path())
            .env("GATEHOUSE_DATABASE_URL", &db.url)
            .env_remove("GATEHOUSE_DIST_DIR")
            .env("GATEHOUSE_LOG", "info")
            .env_remove("GATEHOUSE_PUBLIC_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn gatehouse");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        for stream in [Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>, Box::new(child.stderr.take().unwrap())] {
            let (output, tx) = (output.clone(), tx.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    output.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut setup_link = None;
        let base = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).unwrap_or_else(|_| panic!("gatehouse did not start; output:\n{}", output.lock().unwrap().join("\n")));
            if let Some(link) = line.strip_prefix("Setup link: ") {
                setup_link = Some(link.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
                let public = rest.split_once("(public URL ").and_then(|(_, p)| p.strip_suffix(')')).unwrap();
                break if via_public_url { public.trim_end_matches('/') } else { rest.split_whitespace().next().unwrap() }.to_owned();
            }
        };
        let client = browser_for(&base);
        Self { base, setup_link, client, run: Run::Process { output, child } }
    }

    fn output_lines(&self) -> &Arc<Mutex<Vec<String>>> {
        match &self.run {
            Run::Process { output, .. } => output,
            Run::InProcess { .. } => panic!("started in process, with no output of its own: start it with TestApp::process"),
        }
    }

    /// The capabilities' contexts of an app started in process, to call the core's services directly.
    pub fn state(&self) -> &gatehouse_core::state::AppState {
        match &self.run {
            Run::InProcess { state, .. } => state,
            Run::Process { .. } => panic!("started as a process: its state is in that process"),
        }
    }

    fn child(&mut self) -> &mut Child {
        match &mut self.run {
            Run::Process { child, .. } => child,
            Run::InProcess { .. } => panic!("started in process, with no process to signal: start it with TestApp::process"),
        }
    }

    /// The process's stderr and stdout lines that parse as JSON objects (with `GATEHOUSE_LOG_FORMAT=json`).
    pub fn json_log(&self) -> Vec<serde_json::Value> {
        self.output_lines().lock().unwrap().iter().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).filter(|v| v.is_object()).collect()
    }

    /// A new cookie jar that behaves like the dashboard's pages in a browser:
    /// every request says it comes from the console's own origin.
    pub fn browser(&self) -> reqwest::Client {
        browser_for(&self.base)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The process's output, readable after it has gone.
    pub fn output_handle(&self) -> Arc<Mutex<Vec<String>>> {
        self.output_lines().clone()
    }

    /// Everything the process printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.output_lines().lock().unwrap().join("\n")
    }

    pub fn setup_token(&self) -> String {
        let link = self.setup_link.as_deref().expect("a setup link was printed");
        link.rsplit('/').next().unwrap().to_owned()
    }

    /// Creates the first host admin through the setup link; `self.client` is then signed in.
    pub async fn set_up_admin(&self) {
        let res = self
            .client
            .post(self.url(&format!("/api/v1/setup/{}", self.setup_token())))
            .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "setup failed: {}", res.text().await.unwrap());
    }

    /// A separate cookie jar signed in as `email`.
    pub async fn signed_in_client(&self, email: &str, password: &str) -> reqwest::Client {
        let client = self.browser();
        let res = client.post(self.url("/api/v1/session")).json(&serde_json::json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(res.status(), 200, "sign-in failed: {}", res.text().await.unwrap());
        client
    }

    /// An account named `name`, made by `self.client` (a host admin); its id.
    pub async fn account(&self, name: &str) -> i64 {
        let res = self.client.post(self.url("/api/v1/accounts")).json(&serde_json::json!({"name": name})).send().await.unwrap();
        res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A user made at the command line on `db` with [`USER_PASSWORD`], signed in.
    pub async fn cli_user(&self, db: &TestDb, email: &str, role: &str, account: Option<i64>) -> reqwest::Client {
        let mut args = vec!["user", "create", "--email", email, "--role", role];
        let id = account.map(|a| a.to_string());
        if let Some(id) = &id {
            args.extend(["--account-id", id.as_str()]);
        }
        let (ok, _, err) = db.cli(&args, &format!("{USER_PASSWORD}\n"));
        assert!(ok, "{err}");
        self.signed_in_client(email, USER_PASSWORD).await
    }

    /// Points SMTP at a relay on 127.0.0.1 (no authentication) and switches
    /// it on or off, as a host admin (`self.client` must be signed in as one).
    pub async fn smtp(&self, port: u16, security: &str, on: bool) {
        let draft = serde_json::json!({"host": "127.0.0.1", "port": port, "from_name": "Acme", "from_email": "noreply@acme.example", "security": security, "auth": false});
        assert_eq!(self.client.put(self.url("/api/v1/smtp")).json(&draft).send().await.unwrap().status(), 200);
        let switch = if on { "enable" } else { "disable" };
        assert_eq!(self.client.post(self.url(&format!("/api/v1/smtp/{switch}"))).send().await.unwrap().status(), 200);
    }

    /// SMTP on, through a plain relay on 127.0.0.1 at `port`.
    pub async fn smtp_on(&self, port: u16) {
        self.smtp(port, "none", true).await;
    }

    /// `PUT /api/v1/smtp` with `body` (a draft, as the SMTP page sends it).
    pub async fn put_smtp(&self, body: &serde_json::Value) -> reqwest::Response {
        self.client.put(self.url("/api/v1/smtp")).json(body).send().await.unwrap()
    }

    /// "Send test email", with the form's values (`body`) or the saved ones; the report, once it is a 200.
    pub async fn smtp_test(&self, body: Option<&serde_json::Value>) -> serde_json::Value {
        let req = self.client.post(self.url("/api/v1/smtp/test"));
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

    /// Email activity (`GET /api/v1/emails`), newest first.
    pub async fn emails(&self) -> Vec<serde_json::Value> {
        self.client.get(self.url("/api/v1/emails")).send().await.unwrap().json().await.unwrap()
    }

    /// Waits (30 s at most, else panics saying `what`) until the email to `to` satisfies `done`; the email.
    pub async fn email_until(&self, to: &str, what: &str, done: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let email = self.emails().await.into_iter().find(|e| e["to"] == to);
            match email {
                Some(e) if done(&e) => return e,
                other => assert!(Instant::now() < deadline, "{what}: {other:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Invites `email` as a host user; the answer, once it is a 201.
    pub async fn invite(&self, email: &str) -> serde_json::Value {
        let res = self.client.post(self.url("/api/v1/invitations")).json(&serde_json::json!({"email": email, "role": "host_user"})).send().await.unwrap();
        assert_eq!(res.status(), 201, "inviting {email}");
        res.json().await.unwrap()
    }

    /// Sends SIGTERM and waits up to `within` for the process to exit; the exit status.
    pub fn terminate(mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child().id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child().try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running {within:?} after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the process with SIGKILL: no graceful shutdown, as in a crash.
    pub fn stop(mut self) {
        let child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &mut self.run {
            // Graceful, as at SIGTERM: the worker stops claiming; the test's
            // runtime ends whatever is left when the test returns.
            Run::InProcess { stop, .. } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
            }
            Run::Process { child, .. } => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The `error.code` of a JSON error response, after checking its status.
/// Waits until `done` (a stand-in's lines, read by a thread of this
/// process), or panics saying `what` after `within`.
pub fn wait_until(within: Duration, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub async fn error_code(res: reqwest::Response, status: u16) -> String {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let body: serde_json::Value = res.json().await.expect("error bodies are JSON");
    body["error"]["code"].as_str().expect("error.code").to_owned()
}
