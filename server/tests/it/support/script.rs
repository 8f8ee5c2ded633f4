//! A Python helper from `scripts/` (the SMTP relay, the token endpoint):
//! started with the tests' Python, its output kept line by line, ready once
//! it prints `READY <port>`, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Script {
    pub port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    child: Child,
}

impl Script {
    /// `scripts/<name>` with `args`; `hint` says what to install when it does not start.
    pub fn start(name: &str, args: impl FnOnce(&mut Command), hint: &str) -> Self {
        let path = format!("{}/../scripts/{name}", env!("CARGO_MANIFEST_DIR"));
        // make test points this at .venv/bin/python, where scripts/install-tools put the packages.
        let python = std::env::var("GATEHOUSE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut cmd = Command::new(python);
        cmd.arg(path);
        args(&mut cmd);
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("python3 runs");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let ready = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("{name} did not start ({hint})"));
        let port = ready.strip_prefix("READY ").expect("READY line").trim().parse().unwrap();
        Self { port, lines, child }
    }

    /// Everything it printed so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
