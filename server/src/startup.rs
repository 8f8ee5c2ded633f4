//! `gatehouse serve`: open storage, print the setup link if needed, listen.

use crate::configuration::provisioning::{FirstAdmin, ProvisionedSmtp, ProvisioningSettings};
use crate::configuration::{ServeSettings, StorageSettings};
use anyhow::Context;
use gatehouse_core::delivery::HealthSettings;
use gatehouse_core::operator::Operator;
use gatehouse_core::outbox::EmailSettings;
use gatehouse_core::public_url::PublicUrl;
use gatehouse_core::secret_key::SecretKey;
use gatehouse_core::smtp::SmtpRuntime;
use gatehouse_core::state::AppState;
use gatehouse_core::storage::Db;
use gatehouse_core::tls_roots::ExtraRoots;
use shared::smtp::RelayRole;
use std::time::Duration;
use tokio::net::TcpListener;

/// Opens the data dir and database (running migrations) and loads the secret key.
///
/// What Gatehouse keeps there is its own user's alone: the data dir 0700,
/// the SQLite database 0600 (SQLite gives its -wal and -shm files the
/// database file's mode), the key 0600. Created so, and on every start (of
/// the server and of each command) narrowed back to that before the database
/// opens, when something has widened them (`gatehouse_core::owner_only`).
pub async fn open_storage(storage: &StorageSettings) -> anyhow::Result<(Db, SecretKey)> {
    let dir = &storage.data_dir;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, gatehouse_core::owner_only::DIR_MODE);
    builder.create(dir).with_context(|| format!("creating the data dir {}", dir.display()))?;
    let url = storage.database_url()?;
    let database_file = gatehouse_core::storage::sqlite_file(&url);
    if let Some(file) = &database_file {
        create_owner_only(file).with_context(|| format!("creating the database file {}", file.display()))?;
    }
    gatehouse_core::owner_only::tighten(dir, database_file.as_deref());
    let db = Db::connect(&url).await?;
    let key = match &storage.secret_key_file {
        // A mounted key is the operator's to keep: never made, never written.
        Some(file) => SecretKey::from_file(file).context("GATEHOUSE_SECRET_KEY_FILE")?,
        None => {
            let sealed = db.holds_sealed_data().await.context("looking for sealed data")?;
            SecretKey::load_or_create_for(dir, sealed)?
        }
    };
    Ok((db, key))
}

/// Creates `file` empty and owner-only if it does not exist; leaves an existing one alone.
fn create_owner_only(file: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, gatehouse_core::owner_only::FILE_MODE);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A Gatehouse ready to serve (zero2prod's `Application`): storage open and
/// migrated, the listeners bound, the setup link minted if there is no host
/// admin yet, nothing served until `run_until_stopped`. `serve` builds one
/// for the binary; the tests build one in their own process.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    state: AppState,
    router: axum::Router,
    public_url: PublicUrl,
    setup_link: Option<String>,
    dashboard: Option<crate::dashboard::Origin>,
    operator: Operator,
    email_retention_secs: i64,
    min_free_bytes: u64,
}

impl Application {
    /// `built_in_dashboard`: the dashboard bundle the binary carries (empty
    /// when it was built without one).
    pub async fn build(storage: &StorageSettings, settings: &ServeSettings, built_in_dashboard: &'static [u8]) -> anyhow::Result<Self> {
        let dashboard = crate::dashboard::Dashboard::load(settings.dist_dir.as_deref(), built_in_dashboard)?.map(std::sync::Arc::new);
        // Read before anything is opened: a bad setting stops the start with nothing stored.
        let first_admin = settings.provisioning.first_admin()?;
        let relay = settings.provisioning.smtp()?;
        let fallback = settings.provisioning.fallback_smtp()?;
        let (db, key) = open_storage(storage).await?;
        let listener = TcpListener::bind(settings.bind).await.with_context(|| format!("binding {}", settings.bind))?;
        let bound = listener.local_addr()?;
        let public_url = public_url_for(settings.public_url.as_ref(), bound)?;
        let extra_roots = ExtraRoots::load(settings.smtp_ca_file.as_deref())?;
        let smtp = SmtpRuntime {
            extra_roots,
            test_bound: Duration::from_secs(settings.smtp_test_timeout),
            microsoft_login: settings.microsoft_login_url.clone(),
            microsoft_graph: settings.microsoft_graph_url.clone(),
            google_token: settings.google_token_url.clone(),
            managed: relay.is_some(),
            managed_fallback: fallback.is_some(),
            primary_rest: Duration::from_secs(settings.fallback_cooldown_secs),
        };
        let emails = EmailSettings {
            organisation: settings.organisation.trim().to_owned(),
            account_sender_domains: settings.account_sender_domains.clone(),
            language: shared::Language::from_code(&settings.language).unwrap_or(shared::Language::En),
            invite_ttl_secs: settings.invite_ttl_hours as i64 * 3600,
            reset_ttl_secs: settings.reset_ttl_minutes as i64 * 60,
            retry_base_secs: settings.retry_base_secs as i64,
            max_attempts: settings.max_attempts as i64,
            lease_secs: settings.outbox_lease_secs as i64,
            relay_sessions: settings.relay_sessions as usize,
            retention_secs: settings.email_retention_days as i64 * 24 * 3600,
            reset_emails_per_hour: settings.reset_emails_per_hour as i64,
        };
        let health = HealthSettings {
            waiting_secs: settings.health.delivery_waiting_secs as i64,
            recent_failure_secs: settings.health.delivery_recent_failure_secs as i64,
            watch_every: Duration::from_millis(settings.health.delivery_watch_ms),
            webhook_retry_base: Duration::from_millis(settings.health.alert_webhook_retry_ms),
            webhook: settings.alert_webhook_url.clone(),
            ..HealthSettings::default()
        };
        let health = match settings.health.token_check_ms.map(Duration::from_millis) {
            Some(every) => HealthSettings { token_check_every: every, token_retry_every: every, ..health },
            None => health,
        };
        let state = AppState::new(db, public_url.clone(), key, smtp, emails, health, settings.session_idle_minutes as i64 * 60, settings.backups.automatic());
        let trusted = crate::api::client_ip::TrustedProxies::new(settings.trusted_proxies.clone());
        let router = crate::api::router(state.clone(), dashboard.clone(), bound, trusted, crate::api::observe::AccessLog(settings.access_log));
        gatehouse_core::metrics::METRICS.build_info(state.db.engine.label());
        let operator = Operator::at_start_up();
        if let Some(relay) = &relay {
            provision_relay(&state, &operator, &settings.provisioning, RelayRole::Primary, relay).await?;
        }
        if let Some(fallback) = &fallback {
            provision_relay(&state, &operator, &settings.provisioning, RelayRole::Fallback, fallback).await?;
        }
        if let Some(admin) = &first_admin {
            provision_first_admin(&state, &operator, admin).await?;
        }
        let setup_link = gatehouse_core::auth::service::issue_setup_link(&state.auth, &operator).await.map_err(|f| anyhow::anyhow!("{}", f.0))?;
        let metrics_listener = match settings.metrics_bind {
            Some(addr) => Some(TcpListener::bind(addr).await.with_context(|| format!("binding the metrics listener {addr}"))?),
            None => None,
        };
        Ok(Self {
            listener,
            metrics_listener,
            state,
            router,
            public_url,
            setup_link,
            dashboard: dashboard.map(|d| d.origin.clone()),
            operator,
            email_retention_secs: settings.email_retention_days as i64 * 24 * 3600,
            min_free_bytes: settings.min_free_mb * 1024 * 1024,
        })
    }

    /// The capabilities' contexts, as the transports get them.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Where it listens (the port the OS chose, for a bind address with port 0).
    pub fn address(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The URL links are made from.
    pub fn public_url(&self) -> &PublicUrl {
        &self.public_url
    }

    /// The first-run setup link, while there is no host admin.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// Where the private metrics listener listens, when there is one.
    pub fn metrics_address(&self) -> Option<std::net::SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Where the dashboard comes from (`None`: this build has none).
    pub fn dashboard(&self) -> Option<&crate::dashboard::Origin> {
        self.dashboard.as_ref()
    }

    /// Serves, with the outbox worker, the maintenance sweeps and the storage
    /// watch beside it, until `shutdown` completes; then stops claiming
    /// emails and lets the one being sent finish (or its lease lets another
    /// instance retry it).
    pub async fn run_until_stopped(self, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, metrics_listener, state, router, operator, email_retention_secs, min_free_bytes, .. } = self;
        let (stop, stopping) = tokio::sync::watch::channel(false);
        if let Some(metrics) = metrics_listener {
            let private = crate::api::metrics::private_router(state.clone(), Operator::at_start_up());
            let mut stopping = stopping.clone();
            tokio::spawn(async move { axum::serve(metrics, private).with_graceful_shutdown(async move { while stopping.changed().await.is_ok() {} }).await });
        }
        let worker = gatehouse_core::outbox::worker::spawn(&operator, state.outbox.clone(), stopping.clone());
        let _delivery_watch = gatehouse_core::delivery::watch::spawn(&operator, state.delivery.clone(), stopping.clone());
        let _storage_watch = gatehouse_core::storage::faults::spawn_watch(state.db.clone(), min_free_bytes, stopping.clone());
        let _backups = gatehouse_core::backup::automatic::spawn(&operator, state.backups.clone(), stopping.clone());
        let _maintenance = gatehouse_core::maintenance::spawn(&operator, state.db.clone(), email_retention_secs, stopping);
        let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown).await;
        let _ = stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(35), worker).await;
        served?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// `gatehouse serve`: builds, says where it listens (and the setup link),
/// and serves until SIGTERM or Ctrl-C.
pub async fn serve(storage: &StorageSettings, settings: &ServeSettings, built_in_dashboard: &'static [u8]) -> anyhow::Result<()> {
    let app = Application::build(storage, settings, built_in_dashboard).await?;
    // The banner goes to stderr, with the logs, and not only as a log line,
    // so that whoever started the server sees it; the setup link comes first
    // so the "listening" line ends the banner.
    if let Some(link) = app.setup_link() {
        print_setup_link(link);
    }
    match app.dashboard() {
        Some(crate::dashboard::Origin::BuiltIn) => {}
        Some(crate::dashboard::Origin::Folder(dir)) => eprintln!("Dashboard from {} (GATEHOUSE_DIST_DIR)", dir.display()),
        None => {
            tracing::warn!("no dashboard in this build");
            eprintln!("{}", crate::api::dashboard::NO_DASHBOARD);
        }
    }
    eprintln!("Gatehouse listening on http://{} (public URL {})", app.address(), app.public_url().as_str());
    if let Some(addr) = app.metrics_address() {
        eprintln!("Metrics on http://{addr}/metrics");
    }
    app.run_until_stopped(shutdown_signal()).await
}

/// The relay from `GATEHOUSE_SMTP_*` (or the fallback's from
/// `GATEHOUSE_SMTP_FALLBACK_*`) becomes the stored configuration; a refusal
/// stops the start naming the variables to fix (nothing is stored).
async fn provision_relay(state: &AppState, operator: &Operator, names: &ProvisioningSettings, role: RelayRole, relay: &ProvisionedSmtp) -> anyhow::Result<()> {
    let (what, host) = match role {
        RelayRole::Primary => ("SMTP relay", "GATEHOUSE_SMTP_HOST"),
        RelayRole::Fallback => ("fallback relay", "GATEHOUSE_SMTP_FALLBACK_HOST"),
    };
    match gatehouse_core::smtp::provision::provision(&state.smtp, operator, role, &relay.draft, relay.enabled).await {
        Ok(changed) if changed.is_empty() => tracing::info!("{what} from {host}: the stored configuration is already it"),
        Ok(_) => {}
        Err(f) => {
            let variable = |field: &str| match role {
                RelayRole::Primary => names.smtp_variable(field),
                RelayRole::Fallback => names.fallback_variable(field),
            };
            anyhow::bail!("the {what} in the server's settings is refused, and nothing was stored: {}", refusal(&f.0, variable))
        }
    }
    Ok(())
}

/// The first host admin from `GATEHOUSE_ADMIN_*`, when there is none yet.
async fn provision_first_admin(state: &AppState, operator: &Operator, admin: &FirstAdmin) -> anyhow::Result<()> {
    use gatehouse_core::auth::provision::{first_admin, FirstAdmin as Outcome};
    match first_admin(&state.auth, operator, &admin.email, &admin.password).await {
        Ok(Outcome::Created(_)) => {}
        Ok(Outcome::AlreadyThere) => tracing::info!("GATEHOUSE_ADMIN_EMAIL is set, but host admins exist already: nothing changed"),
        Err(f) => {
            let variable = |field: &str| match field {
                "email" => "GATEHOUSE_ADMIN_EMAIL".to_owned(),
                _ => "GATEHOUSE_ADMIN_PASSWORD(_FILE)".to_owned(),
            };
            anyhow::bail!("the first host admin in the server's settings is refused: {}", refusal(&f.0, variable))
        }
    }
    Ok(())
}

/// A service's refusal, its fields named by the variables they come from.
fn refusal(e: &shared::ApiError, variable: impl Fn(&str) -> String) -> String {
    if e.fields.is_empty() {
        return e.message.clone();
    }
    e.fields.iter().map(|(field, why)| format!("{}: {why}", variable(field))).collect::<Vec<_>>().join("; ")
}

pub fn print_setup_link(link: &str) {
    let hours = gatehouse_core::auth::service::SETUP_LINK_TTL_SECS / 3600;
    eprintln!(
        "No host admin yet. Open this one-time setup link to create the first one (valid {hours} hour{}; `gatehouse setup-link` makes a new one):",
        if hours == 1 { "" } else { "s" }
    );
    eprintln!("Setup link: {link}");
}

/// The public URL links are made from: the configured one, else the bind address.
pub fn public_url_for(configured: Option<&url::Url>, bound: std::net::SocketAddr) -> anyhow::Result<PublicUrl> {
    Ok(match configured {
        Some(url) => PublicUrl::new(url)?,
        None => PublicUrl::for_bound(bound),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
