//! PostgreSQL stopped and started under load (issue 27): no request is ever
//! answered 500, `/readyz` turns 503 while the database is away and 200 once
//! it is back, and every invitation that was acknowledged is delivered.
//!
//! It stops this machine's PostgreSQL cluster (`pg_ctlcluster`), so it is a
//! test binary of its own: cargo runs test binaries one after another, so no
//! other test that uses PostgreSQL runs beside it, and a guard starts the
//! cluster again however the test ends.

// It shares the `it` binary's support module and uses only a part of it.
#![allow(dead_code)]

#[path = "it/support/mod.rs"]
#[macro_use]
mod support;

use serde_json::json;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::relay::{Relay, RelayOptions};
use support::TestApp;

/// How long PostgreSQL stays down.
const DOWN_FOR: Duration = Duration::from_secs(10);

/// This machine's PostgreSQL cluster, stopped until the guard is dropped.
struct Stopped {
    version: String,
}

fn pg_ctlcluster(version: &str, action: &str) -> bool {
    let mut cmd = Command::new("pg_ctlcluster");
    cmd.args(["--skip-systemctl-redirect", version, "main", action]);
    if action == "stop" {
        cmd.args(["-m", "fast"]);
    }
    cmd.status().is_ok_and(|s| s.success())
}

impl Stopped {
    fn stop() -> Self {
        let version = std::fs::read_dir("/etc/postgresql")
            .expect("/etc/postgresql lists the clusters")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .next()
            .expect("one PostgreSQL version");
        assert!(pg_ctlcluster(&version, "stop"), "pg_ctlcluster {version} main stop");
        Self { version }
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if !pg_ctlcluster(&self.version, "start") {
            eprintln!("!!! could not start PostgreSQL {} again: run `pg_ctlcluster {} main start`", self.version, self.version);
        }
        // Until it accepts connections, so that whatever runs next finds it up.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !Command::new("pg_isready").args(["-h", "127.0.0.1", "-q"]).status().is_ok_and(|s| s.success()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    refused: usize,
    wrong: Vec<String>,
    readyz: Vec<u16>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_started_under_load_never_answers_500() {
    let Some(db) = support::postgres_only("stopping PostgreSQL under load").await else { return };
    let relay = Relay::start(RelayOptions::default());
    let app = Arc::new(TestApp::spawn(&db, &[("GATEHOUSE_RETRY_BASE_SECS", "1"), ("GATEHOUSE_OUTBOX_LEASE_SECS", "3")]).await);
    app.set_up_admin().await;
    app.smtp_on(relay.port).await;

    let seen = Arc::new(Mutex::new(Seen::default()));
    let done = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (app, seen, done) = (app.clone(), seen.clone(), done.clone());
            tokio::spawn(async move {
                for n in 0..100_000 {
                    if done.load(Ordering::SeqCst) {
                        break;
                    }
                    let email = format!("user{c}-{n}@example.com");
                    let sent = app.client.post(app.url("/api/v1/invitations")).json(&json!({"email": email, "role": "host_user"})).send().await;
                    let res = sent.expect("Gatehouse itself stays up");
                    let status = res.status().as_u16();
                    let retry_after = res.headers().contains_key("retry-after");
                    let body: serde_json::Value = res.json().await.unwrap_or_default();
                    let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
                    let refused = matches!((status, code.as_str()), (503, "storage_unavailable" | "unavailable")) && retry_after;
                    {
                        let mut seen = seen.lock().unwrap();
                        match status {
                            201 => seen.acknowledged.push(email),
                            _ if refused => seen.refused += 1,
                            _ => seen.wrong.push(format!("{email}: {status} {body}")),
                        }
                    }
                    if refused {
                        // As a client told Retry-After would, a little.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            })
        })
        .collect();
    let probe = {
        let (app, seen, done) = (app.clone(), seen.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::SeqCst) {
                let status = reqwest::get(app.url("/readyz")).await.map(|r| r.status().as_u16()).unwrap_or(0);
                seen.lock().unwrap().readyz.push(status);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = seen.lock().unwrap().acknowledged.len();
    assert!(before > 0, "the load is under way before PostgreSQL stops");
    let stopped = Stopped::stop();
    tokio::time::sleep(DOWN_FOR).await;
    drop(stopped); // started again, and accepting connections
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().readyz.last() != Some(&200) {
        assert!(Instant::now() < deadline, "/readyz not 200 a minute after PostgreSQL came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = seen.lock().unwrap().acknowledged.len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    done.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    probe.await.unwrap();

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(seen.wrong.is_empty(), "{} answer(s) other than 201 or 503 with Retry-After, e.g. {:?}", seen.wrong.len(), seen.wrong.first());
    assert!(seen.refused > 0, "no request was refused while PostgreSQL was down");
    assert!(seen.readyz.contains(&503), "/readyz never said the database was away");
    assert!(seen.acknowledged.len() > recovered, "invitations are acknowledged again after the restart");

    let deadline = Instant::now() + Duration::from_secs(120);
    let missing = loop {
        let got = relay.recipient_counts();
        let missing = seen.acknowledged.iter().filter(|e| !got.contains_key(*e)).count();
        if missing == 0 || Instant::now() > deadline {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(missing, 0, "acknowledged invitations never delivered");
    let twice: usize = relay.recipient_counts().values().map(|n| n - 1).sum();
    eprintln!(
        "PostgreSQL down {} s under load: {} acknowledged (all delivered, {twice} twice), {} refused with 503",
        DOWN_FOR.as_secs(),
        seen.acknowledged.len(),
        seen.refused
    );
}
