#!/usr/bin/env python3
"""Gatehouse benchmarks (run by hand, never in CI). See BENCHMARKS.md.

  bench/bench.py drain [--count 20000] [--size 4096] [--sessions 1] [--postgres URL]
                                                       outbox drain rate vs postfix smtp-source
  bench/bench.py decoupling [--requests 300]           invite API latency, fast relay vs one that stalls 2 s
  bench/bench.py footprint [--queued 10000]            server RSS idle and with queued emails
  bench/bench.py load [--seconds 10] [--postgres URL]  invitations/s and latency at 1, 4, 16, 32 concurrent clients
  bench/bench.py lists [--users 100000] [--emails 1000000] [--requests 200] [--browser] [--postgres URL]
                                                       Users and Email activity pages at scale: latency and RSS

Needs: the release binary (make server), postfix's smtp-sink and smtp-source
(apt-get install postfix), wrk for `load` (apt-get install wrk), and psql
for its PostgreSQL half; SQLite via Python's standard library. Only
loopback addresses are used; every loop is bounded.
"""
import argparse
import json
import os
import resource
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("GATEHOUSE_BIN", os.path.join(ROOT, "target", "release", "gatehouse"))
ADMIN = "bench@example.com"
PASSWORD = "bench password 123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def sink(port, stall=0):
    args = ["smtp-sink", "-u", "nobody"] + (["-w", str(stall)] if stall else []) + [f"127.0.0.1:{port}", "1000"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc


class Instance:
    """A data dir with a migrated database (SQLite, or a fresh PostgreSQL
    database when `postgres` names a server) and a host admin."""

    def __init__(self, postgres=None):
        self.dir = tempfile.mkdtemp(prefix="gatehouse-bench-")
        self.env = {**os.environ, "GATEHOUSE_DATA_DIR": self.dir, "GATEHOUSE_LOG": "warn"}
        self.env.pop("GATEHOUSE_DATABASE_URL", None)
        if postgres:
            name = f"gatehouse_bench_{os.getpid()}_{int(time.time() * 1000)}"
            subprocess.run(["psql", postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
            self.drop_on_stop = (postgres, name)
            self.env["GATEHOUSE_DATABASE_URL"] = postgres.rsplit("/", 1)[0] + "/" + name
        subprocess.run([BIN, "admin", "create", "--email", ADMIN], input=PASSWORD.encode(), env=self.env, check=True, capture_output=True)
        self.db = os.path.join(self.dir, "gatehouse.db")
        self.proc = None

    def sql(self, statement, rows=None):
        con = sqlite3.connect(self.db, timeout=30)
        with con:
            if rows is None:
                con.execute(statement)
            else:
                con.executemany(statement, rows)
        con.close()

    def postgres_url(self):
        return getattr(self, "drop_on_stop", None) and self.env["GATEHOUSE_DATABASE_URL"]

    def count(self, where):
        statement = f"SELECT COUNT(*) FROM outbox WHERE {where}"
        if self.postgres_url():
            return int(subprocess.run(["psql", self.postgres_url(), "-Atc", statement], check=True, capture_output=True, text=True).stdout)
        con = sqlite3.connect(self.db, timeout=30)
        n = con.execute(statement).fetchone()[0]
        con.close()
        return n

    def smtp(self, port, enabled):
        self.sql(
            "INSERT INTO smtp_config (id, host, port, from_name, from_email, security, auth, username, password_sealed, enabled, updated_at, updated_by) "
            f"VALUES (1, '127.0.0.1', {port}, 'Bench', 'noreply@bench.example', 'none', 0, NULL, NULL, {int(enabled)}, 0, 'bench') "
            f"ON CONFLICT (id) DO UPDATE SET port = {port}, enabled = {int(enabled)}"
        )

    def queue(self, n, size):
        """n emails waiting, each with a text part of `size` bytes (in clear:
        queued as by a version before sealed bodies, which the worker still sends)."""
        line = "x" * 75
        lines = size // 76
        if self.postgres_url():
            statement = (
                "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, message_id, status, attempts, next_attempt_at, created_at) "
                f"SELECT 'invitation', NULL, 'user' || i || '@bench.example', 'Bench', repeat('{line}' || chr(10), {lines}), '', "
                "'<bench' || i || '@bench.example>', 'queued', 0, extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint "
                f"FROM generate_series(0, {n - 1}) i"
            )
            subprocess.run(["psql", self.postgres_url(), "-qc", statement], check=True)
            return
        body = (line + "\n") * lines
        now = int(time.time())
        rows = [("invitation", f"user{i}@bench.example", "Bench", body, "", f"<bench{i}@bench.example>", now, now) for i in range(n)]
        self.sql(
            "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, message_id, status, attempts, next_attempt_at, created_at) "
            "VALUES (?, NULL, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
            rows,
        )

    def start(self):
        self.port = free_port()
        # The server's warnings and errors stay in its data dir, to explain any refusal.
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen([BIN, "serve", "--bind", f"127.0.0.1:{self.port}"], env=self.env, stdout=subprocess.DEVNULL, stderr=self.log)
        wait_port(self.port)
        self.base = f"http://127.0.0.1:{self.port}"

    def cpu_secs(self):
        """The server's CPU time so far (user + sys)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))

    def token(self):
        out = subprocess.run([BIN, "token", "create", "--email", ADMIN, "--name", "bench"], env=self.env, check=True, capture_output=True)
        return out.stdout.decode().strip()

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=40)
        if getattr(self, "drop_on_stop", None):
            server, name = self.drop_on_stop
            subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def drain(args):
    """--count queued emails of --size bytes, delivered into smtp-sink over
    --sessions sessions (GATEHOUSE_RELAY_SESSIONS), against postfix's own
    client sending as many over as many sessions, in the same run. The clock
    starts when SMTP is switched on (the server already running, the queue
    full) and stops when the last email is marked sent."""
    port = free_port()
    s = sink(port)
    try:
        # postfix's own client: same message size, each session reused for every message (-d).
        started = time.time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["smtp-source", "-s", str(args.sessions), "-d", "-l", str(args.size), "-m", str(args.count), "-f", "noreply@bench.example", "-t", "user@bench.example", f"127.0.0.1:{port}"], check=True)
        source_secs = time.time() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        source_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        g = Instance(args.postgres)
        g.env["GATEHOUSE_RELAY_SESSIONS"] = str(args.sessions)
        g.queue(args.count, args.size)
        g.start()
        token = g.token()
        started = time.time()
        smtp_on(g.base, token, port)
        deadline = started + 1800
        while g.count("status = 'sent'") < args.count and time.time() < deadline:
            time.sleep(0.05)
        gate_secs = time.time() - started
        sent = g.count("status = 'sent'")
        gate_cpu = g.cpu_secs()
        g.stop()
    finally:
        s.terminate()
    result = {
        # CPU time per email (user + sys) says what the work costs whatever else the machine runs;
        # gatehouse's includes its start-up and the SQL of the bench's polling is not in it.
        "smtp_source_cpu_us_per_email": round(source_cpu / args.count * 1e6, 1),
        "gatehouse_cpu_us_per_email": round(gate_cpu / max(sent, 1) * 1e6, 1),
        "engine": "postgres" if args.postgres else "sqlite",
        "sessions": args.sessions,
        "emails": args.count,
        "size_bytes": args.size,
        "smtp_source_per_sec": round(args.count / source_secs, 1),
        "gatehouse_per_sec": round(sent / gate_secs, 1),
        "gatehouse_sent": sent,
    }
    result["ratio"] = round(result["gatehouse_per_sec"] / result["smtp_source_per_sec"], 3)
    print(json.dumps(result))


def percentiles(samples):
    q = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(q[49], 2), "p95_ms": round(q[94], 2), "p99_ms": round(q[98], 2)}


def decoupling(args):
    out = {}
    for label, stall in [("fast_relay", 0), ("relay_stalls_2s", 2)]:
        port = free_port()
        s = sink(port, stall)
        g = Instance()
        g.smtp(port, True)
        g.start()
        token = g.token()
        samples = []
        for i in range(args.requests):
            body = json.dumps({"email": f"u{i}@bench.example", "role": "host_user"}).encode()
            req = urllib.request.Request(f"{g.base}/api/v1/invitations", data=body, method="POST", headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=30) as res:
                assert res.status == 201
            samples.append((time.perf_counter() - t) * 1000)
        out[label] = {**percentiles(samples), "requests": args.requests, "emails_sent_meanwhile": g.count("status = 'sent'")}
        g.stop()
        s.terminate()
    print(json.dumps(out))


def footprint(args):
    g = Instance()
    g.smtp(free_port(), False)
    g.start()
    time.sleep(2)
    idle = g.rss_kib()
    g.stop()
    g.queue(args.queued, 4096)
    g.start()
    token = g.token()
    # Touch the queue the way an admin would: the Email activity list and /metrics.
    for path in ["/api/v1/emails", "/metrics"]:
        req = urllib.request.Request(f"{g.base}{path}", headers={"authorization": f"Bearer {token}"})
        urllib.request.urlopen(req, timeout=30).read()
    time.sleep(2)
    queued = g.rss_kib()
    held = g.count("status = 'queued'")
    g.stop()
    print(json.dumps({"idle_rss_mib": round(idle / 1024, 1), "queued_rss_mib": round(queued / 1024, 1), "queued_emails": held}))


def smtp_on(base, token, port):
    """Points SMTP at the sink and switches it on, through the API (either database)."""
    draft = {"host": "127.0.0.1", "port": port, "from_name": "Bench", "from_email": "noreply@bench.example", "security": "none", "auth": False}
    for method, path, body in [("PUT", "/api/v1/smtp", draft), ("POST", "/api/v1/smtp/enable", None)]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{base}{path}", data=data, method=method, headers={"content-type": "application/json", "authorization": f"Bearer {token}"})
        urllib.request.urlopen(req, timeout=30).read()


def load(args):
    """Invitation throughput and latency under concurrency, SMTP on and the
    worker draining into smtp-sink, on SQLite and (with --postgres) PostgreSQL."""
    out = {}
    port = free_port()
    s = sink(port)
    script = os.path.join(ROOT, "bench", "invite.lua")
    try:
        for engine, url in [("sqlite", None), ("postgres", args.postgres)]:
            if engine == "postgres" and not url:
                continue
            g = Instance(url)
            g.start()
            token = g.token()
            smtp_on(g.base, token, port)
            for clients in [1, 4, 16, 32]:
                threads = min(clients, 2)
                run = subprocess.run(
                    ["wrk", f"-t{threads}", f"-c{clients}", f"-d{args.seconds}s", "--timeout", "10s", "-s", script, g.base, "--", token, f"{engine}{clients}"],
                    check=True, capture_output=True, text=True,
                )
                result = json.loads(run.stdout.strip().splitlines()[-1])
                result["per_sec"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
                out[f"{engine}_c{clients}"] = result
                print(json.dumps({f"{engine}_c{clients}": result}), run.stderr.strip(), file=sys.stderr)
                if result["non_2xx"] or result["socket_errors"]:
                    print(f"refusals: see {g.dir}/server.log", file=sys.stderr)
            g.stop()
    finally:
        s.terminate()
    print(json.dumps(out))


SEED_USERS = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {users}) "
    "INSERT INTO users (email, password_hash, role, account_id, created_at) "
    "SELECT 'user' || i || '@bench.example', CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' END, 'host_user', NULL, 0 FROM n",
    "postgres": "INSERT INTO users (email, password_hash, role, account_id, created_at) "
    "SELECT 'user' || i || '@bench.example', CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' END, 'host_user', NULL, 0 FROM generate_series(1, {users}) i",
}
# Created now: the retention sweep at start would delete older finished emails.
SEED_EMAILS = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {emails}) "
    "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, body, message_id, status, attempts, next_attempt_at, created_at) "
    "SELECT 'invitation', (i % {users}) + 2, 'user' || ((i % {users}) + 1) || '@bench.example', 'Bench', '', '', 'dropped', "
    "'<b' || i || '@bench.example>', CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END, 1, 0, CAST(strftime('%s', 'now') AS INTEGER) FROM n",
    "postgres": "INSERT INTO outbox (kind, user_id, to_email, subject, text_body, html_body, body, message_id, status, attempts, next_attempt_at, created_at) "
    "SELECT 'invitation', (i % {users}) + 2, 'user' || ((i % {users}) + 1) || '@bench.example', 'Bench', '', '', 'dropped', "
    "'<b' || i || '@bench.example>', CASE WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END, 1, 0, extract(epoch FROM now())::bigint FROM generate_series(1, {emails}) i",
}


def lists(args):
    """The Users and Email activity lists with --users users and --emails
    emails: latency of the pages people open (first page, a search, a deep
    page, a filter) over --requests requests each, and the server's RSS."""
    out = {}
    cases = {
        "users_first_page": "/api/v1/users",
        "users_search": "/api/v1/users?q=user4242",
        "users_deep_page": f"/api/v1/users?cursor=user{args.users // 2}@bench.example",
        "users_pending": "/api/v1/users?status=pending",
        "emails_first_page": "/api/v1/emails",
        "emails_failed": "/api/v1/emails?status=failed",
        "emails_recipient": "/api/v1/emails?recipient=user4242@",
        # A part in every address: the newest 100 of a million matches.
        "emails_recipient_common": "/api/v1/emails?recipient=bench.example",
        "emails_recipient_failed": "/api/v1/emails?recipient=user4242@&status=failed",
    }
    for engine, url in [("sqlite", None), ("postgres", args.postgres)]:
        if engine == "postgres" and not url:
            continue
        g = Instance(url)
        t = time.perf_counter()
        sql = [SEED_USERS[engine].format(users=args.users), SEED_EMAILS[engine].format(users=args.users, emails=args.emails)]
        if engine == "sqlite":
            for statement in sql + ["ANALYZE"]:
                g.sql(statement)
        else:
            target = g.env["GATEHOUSE_DATABASE_URL"]
            for statement in sql + ["ANALYZE"]:
                subprocess.run(["psql", target, "-qc", statement], check=True)
        seeded_s = round(time.perf_counter() - t, 1)
        token = g.token()
        g.start()
        for name, path in cases.items():
            samples = []
            for _ in range(args.requests):
                req = urllib.request.Request(f"{g.base}{path}", headers={"authorization": f"Bearer {token}"})
                t = time.perf_counter()
                with urllib.request.urlopen(req, timeout=30) as res:
                    assert res.status == 200, path
                    rows = len(json.loads(res.read()))
                samples.append((time.perf_counter() - t) * 1000)
            out[f"{engine}_{name}"] = {**percentiles(samples), "rows": rows}
            print(json.dumps({f"{engine}_{name}": out[f"{engine}_{name}"]}), file=sys.stderr)
        out[f"{engine}_rss_mib"] = round(g.rss_kib() / 1024, 1)
        out[f"{engine}_seeded_s"] = seeded_s
        if engine == "sqlite":
            out["sqlite_db_mib"] = round(os.path.getsize(g.db) / 2**20, 1)
        else:
            size = "SELECT pg_database_size(current_database()) / 1048576.0"
            out["postgres_db_mib"] = round(float(subprocess.run(["psql", g.env["GATEHOUSE_DATABASE_URL"], "-Atc", size], check=True, capture_output=True, text=True).stdout), 1)
        if args.browser and engine == "sqlite":  # (a restart would drop a PostgreSQL bench database)
            # The dashboard itself (the one inside the binary): the Users page in Chromium.
            g.stop()
            g.start()
            run = subprocess.run(["node", os.path.join(ROOT, "bench", "users_page.js"), g.base, ADMIN, PASSWORD, "10"], check=True, capture_output=True, text=True)
            out[f"{engine}_browser"] = json.loads(run.stdout.strip().splitlines()[-1])
        g.stop()
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("drain")
    d.add_argument("--count", type=int, default=20000)
    d.add_argument("--size", type=int, default=4096)
    d.add_argument("--sessions", type=int, default=1, help="SMTP sessions, for both (GATEHOUSE_RELAY_SESSIONS, smtp-source -s)")
    d.add_argument("--postgres", help="drain from PostgreSQL (a server URL) instead of SQLite")
    c = sub.add_parser("decoupling")
    c.add_argument("--requests", type=int, default=300)
    f = sub.add_parser("footprint")
    f.add_argument("--queued", type=int, default=10000)
    ld = sub.add_parser("load")
    ld.add_argument("--seconds", type=int, default=10)
    ld.add_argument("--postgres", help="a PostgreSQL server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    ls = sub.add_parser("lists")
    ls.add_argument("--users", type=int, default=100000)
    ls.add_argument("--emails", type=int, default=1000000)
    ls.add_argument("--requests", type=int, default=200)
    ls.add_argument("--browser", action="store_true", help="also time the Users page in Chromium (needs make dashboard and the end2end npm packages)")
    ls.add_argument("--postgres", help="a PostgreSQL server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    {"drain": drain, "decoupling": decoupling, "footprint": footprint, "load": load, "lists": lists}[args.cmd](args)


if __name__ == "__main__":
    main()
