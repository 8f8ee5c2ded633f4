//! Settings from flags and `GATEHOUSE_*` environment variables (flags win);
//! secrets also from files (`secrets`), and what a start provisions
//! (`provisioning`).

pub mod provisioning;
pub mod secrets;

use clap::Args;
use gatehouse_core::delivery::webhook::WebhookUrl;
use gatehouse_core::smtp::token_url::TokenUrl;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// Where data lives; shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StorageSettings {
    /// Folder for the SQLite database and the secret key file.
    #[arg(long, env = "GATEHOUSE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: SQLite file `gatehouse.db` in the data dir.
    /// (Its value, which may hold a password, is never shown in `--help`.)
    #[arg(long, env = "GATEHOUSE_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// A file holding the database URL (trailing newlines trimmed), instead of --database-url.
    #[arg(long, env = "GATEHOUSE_DATABASE_URL_FILE", global = true)]
    pub database_url_file: Option<PathBuf>,
    /// The 32-byte key that seals secrets at rest, from a file (a mounted secret) instead of
    /// <data dir>/secret.key: the raw 32 bytes (a copy of secret.key), or their base64.
    #[arg(long, env = "GATEHOUSE_SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
}

impl StorageSettings {
    pub fn database_url(&self) -> anyhow::Result<String> {
        let configured = secrets::secret("GATEHOUSE_DATABASE_URL", self.database_url.as_deref(), self.database_url_file.as_deref())?;
        Ok(match configured.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("gatehouse.db").display()),
        })
    }
}

/// Settings of `gatehouse serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "GATEHOUSE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// The URL people reach the console at; the only source of links in emails
    /// and setup links. Default: http://<bind address>.
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL")]
    pub public_url: Option<Url>,
    /// A built dashboard folder (trunk's dist/) served instead of the one
    /// built into the binary: for working on the dashboard.
    #[arg(long, env = "GATEHOUSE_DIST_DIR")]
    pub dist_dir: Option<PathBuf>,
    /// Extra PEM root certificates trusted for the SMTP relay's TLS.
    #[arg(long, env = "GATEHOUSE_SMTP_CA_FILE")]
    pub smtp_ca_file: Option<PathBuf>,
    /// The host's (organisation's) name, as invitation and reset emails say it.
    #[arg(long, env = "GATEHOUSE_ORGANISATION", default_value = "Gatehouse")]
    pub organisation: String,
    /// The domains an account's own sender may use (comma-separated, e.g. acme.example,beta.example;
    /// default: any). Only the first value: host admins change it in Host settings.
    #[arg(long, env = "GATEHOUSE_ACCOUNT_SENDER_DOMAINS", default_value = "", value_parser = parse_sender_domains)]
    pub account_sender_domains: shared::account::SenderDomains,
    /// The language of invitation and reset emails: en or it.
    #[arg(long, env = "GATEHOUSE_LANGUAGE", default_value = "en", value_parser = ["en", "it"])]
    pub language: String,
    /// How long an invitation link lives, in hours.
    #[arg(long, env = "GATEHOUSE_INVITE_TTL_HOURS", default_value_t = 168, value_parser = clap::value_parser!(u32).range(1..=2160))]
    pub invite_ttl_hours: u32,
    /// How long a password reset link lives, in minutes.
    #[arg(long, env = "GATEHOUSE_RESET_TTL_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u32).range(5..=10080))]
    pub reset_ttl_minutes: u32,
    /// Seconds before the first retry of a failed delivery; each next retry waits 4× longer (capped at 6 h).
    #[arg(long, env = "GATEHOUSE_RETRY_BASE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3600))]
    pub retry_base_secs: u32,
    /// Delivery attempts before an email is marked failed.
    #[arg(long, env = "GATEHOUSE_MAX_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub max_attempts: u32,
    /// Days a sent, failed or discarded email's delivery history (recipient, state, attempts, times) is kept.
    #[arg(long, env = "GATEHOUSE_EMAIL_RETENTION_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub email_retention_days: u32,
    /// Seconds a worker holds an email it is delivering; after a crash, the email is sent again once this passes.
    #[arg(long, env = "GATEHOUSE_OUTBOX_LEASE_SECS", default_value_t = 120, value_parser = clap::value_parser!(u32).range(2..=3600))]
    pub outbox_lease_secs: u32,
    /// SMTP sessions this instance's worker holds to the relay at once, each delivering its own
    /// emails. Relays limit concurrent sessions per client: raise it only as far as yours allows.
    #[arg(long, env = "GATEHOUSE_RELAY_SESSIONS", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub relay_sessions: u32,
    /// Seconds the fallback relay keeps the email after the primary failed one, before
    /// the primary is tried first again (only with a fallback relay saved).
    #[arg(long, env = "GATEHOUSE_FALLBACK_COOLDOWN_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub fallback_cooldown_secs: u64,
    /// A separate address for `GET /metrics` without credentials (e.g. 127.0.0.1:9100). Without
    /// it, `/metrics` on the main address answers host admins' bearer tokens only.
    #[arg(long, env = "GATEHOUSE_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Proxies whose X-Forwarded-For is believed (sign-in throttling counts by client address):
    /// comma-separated addresses or networks, e.g. 127.0.0.1,10.0.0.0/8. Default: none.
    #[arg(long, env = "GATEHOUSE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::api::client_ip::parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Minutes a signed-in session may go unused before it ends (besides its 12-hour lifetime).
    #[arg(long, env = "GATEHOUSE_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=720))]
    pub session_idle_minutes: u32,
    /// Microsoft's sign-in endpoint for Microsoft 365 relays (OAuth2); sovereign clouds set their own.
    /// https:// (plain http:// only to this machine), without a user name or password.
    #[arg(long, env = "GATEHOUSE_MICROSOFT_LOGIN_URL", default_value = gatehouse_core::smtp::DEFAULT_MICROSOFT_LOGIN, value_parser = TokenUrl::parse)]
    pub microsoft_login_url: TokenUrl,
    /// Microsoft Graph, where Microsoft 365 configurations with the `graph` transport post their
    /// email (sendMail); sovereign clouds set their own. Same rules as the login URL.
    #[arg(long, env = "GATEHOUSE_MICROSOFT_GRAPH_URL", default_value = gatehouse_core::smtp::DEFAULT_MICROSOFT_GRAPH, value_parser = TokenUrl::parse)]
    pub microsoft_graph_url: TokenUrl,
    /// Google's token endpoint for Google Workspace relays (OAuth2): the only one asked, whatever
    /// a service-account key's token_uri says (a key naming another is refused).
    #[arg(long, env = "GATEHOUSE_GOOGLE_TOKEN_URL", default_value = gatehouse_core::smtp::DEFAULT_GOOGLE_TOKEN_URL, value_parser = TokenUrl::parse)]
    pub google_token_url: TokenUrl,
    /// Anonymous "forgot password" emails the whole instance sends per hour at most (the rest are held back).
    #[arg(long, env = "GATEHOUSE_RESET_EMAILS_PER_HOUR", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub reset_emails_per_hour: u32,
    /// One log line per request (method, route, status, duration, request ID, client address).
    #[arg(long, env = "GATEHOUSE_ACCESS_LOG", default_value_t = true, action = clap::ArgAction::Set)]
    pub access_log: bool,
    /// SQLite: below this many MiB free on the data dir's file system, Gatehouse warns in the log.
    #[arg(long, env = "GATEHOUSE_MIN_FREE_MB", default_value_t = 100)]
    pub min_free_mb: u64,
    /// Where to POST a JSON message on each change of delivery state (Slack, Mattermost, Google
    /// Chat incoming webhooks show its `text`). https:// (plain http:// only to this machine).
    /// (Its value, a credential for most services, is never shown in `--help` nor logged.)
    #[arg(long, env = "GATEHOUSE_ALERT_WEBHOOK_URL", hide_env_values = true, value_parser = WebhookUrl::parse)]
    pub alert_webhook_url: Option<WebhookUrl>,
    /// Delivery health's thresholds, for the tests, which cannot wait five
    /// minutes: hidden, as their defaults are the documented behaviour.
    #[command(flatten)]
    pub health: HealthThresholds,
    /// Hard bound on a whole test send, in seconds (a silent relay never hangs a request).
    #[arg(long, env = "GATEHOUSE_SMTP_TEST_TIMEOUT", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub smtp_test_timeout: u64,
    /// The first host admin and the SMTP relay, from settings.
    #[command(flatten)]
    pub provisioning: provisioning::ProvisioningSettings,
    /// Automatic backups.
    #[command(flatten)]
    pub backups: BackupSettings,
}

/// Automatic backups (`gatehouse_core::backup::automatic`): off unless a
/// directory is given.
#[derive(Debug, Clone, Args)]
pub struct BackupSettings {
    /// Write an encrypted backup into this directory every interval (created if missing, files owner-only).
    #[arg(long, env = "GATEHOUSE_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Hours between two automatic backups.
    #[arg(long, env = "GATEHOUSE_BACKUP_INTERVAL_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=8760))]
    pub backup_interval_hours: u64,
    /// How many automatic backups to keep (the oldest beyond this are deleted).
    #[arg(long, env = "GATEHOUSE_BACKUP_KEEP", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub backup_keep: u32,
}

impl BackupSettings {
    pub fn automatic(&self) -> Option<gatehouse_core::backup::automatic::AutomaticSettings> {
        let dir = self.backup_dir.clone()?;
        Some(gatehouse_core::backup::automatic::AutomaticSettings {
            dir,
            every: std::time::Duration::from_secs(self.backup_interval_hours * 3600),
            keep: self.backup_keep as usize,
        })
    }
}

/// Delivery health's thresholds (`gatehouse_core::delivery::HealthSettings`),
/// settable for the tests and hidden from `--help`: the defaults are what
/// the README and the alert rules describe.
#[derive(Debug, Clone, Args)]
pub struct HealthThresholds {
    /// Seconds an email may wait before delivery counts as degraded.
    #[arg(long, env = "GATEHOUSE_DELIVERY_WAITING_SECS", default_value_t = 300, hide = true)]
    pub delivery_waiting_secs: u32,
    /// Seconds a failed attempt keeps delivery degraded.
    #[arg(long, env = "GATEHOUSE_DELIVERY_RECENT_FAILURE_SECS", default_value_t = 600, hide = true)]
    pub delivery_recent_failure_secs: u32,
    /// Milliseconds between two looks of the delivery watch.
    #[arg(long, env = "GATEHOUSE_DELIVERY_WATCH_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=600_000), hide = true)]
    pub delivery_watch_ms: u64,
    /// Milliseconds between two checks of an OAuth2 relay's token (while it works and while it fails).
    #[arg(long, env = "GATEHOUSE_TOKEN_CHECK_MS", value_parser = clap::value_parser!(u64).range(100..=86_400_000), hide = true)]
    pub token_check_ms: Option<u64>,
    /// Milliseconds before the alert webhook's first retry (doubling after).
    #[arg(long, env = "GATEHOUSE_ALERT_WEBHOOK_RETRY_MS", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(10..=60_000), hide = true)]
    pub alert_webhook_retry_ms: u64,
}

fn parse_sender_domains(list: &str) -> Result<shared::account::SenderDomains, String> {
    shared::account::SenderDomains::from_list(list).map_err(|e| e.to_string())
}
