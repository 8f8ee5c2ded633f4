//! `gatehouse serve`: open storage, print the setup link if needed, listen.

use crate::configuration::{ServeSettings, StorageSettings};
use anyhow::Context;
use gatehouse_core::public_url::PublicUrl;
use gatehouse_core::secret_key::SecretKey;
use gatehouse_core::state::SmtpRuntime;
use gatehouse_core::state::{AppState, EmailSettings};
use gatehouse_core::storage::Db;
use gatehouse_core::tls_roots::ExtraRoots;
use std::time::Duration;
use tokio::net::TcpListener;

/// Opens the data dir and database (running migrations) and loads the secret key.
pub async fn open_storage(storage: &StorageSettings) -> anyhow::Result<(Db, SecretKey)> {
    std::fs::create_dir_all(&storage.data_dir).with_context(|| format!("creating the data dir {}", storage.data_dir.display()))?;
    let key = SecretKey::load_or_create(&storage.data_dir)?;
    let db = Db::connect(&storage.database_url()).await?;
    Ok((db, key))
}

pub async fn serve(storage: &StorageSettings, settings: &ServeSettings) -> anyhow::Result<()> {
    let (db, key) = open_storage(storage).await?;
    let listener = TcpListener::bind(settings.bind).await.with_context(|| format!("binding {}", settings.bind))?;
    let bound = listener.local_addr()?;
    let public_url = match &settings.public_url {
        Some(url) => PublicUrl::new(url)?,
        None => PublicUrl::for_bound(bound),
    };
    let extra_roots = ExtraRoots::load(settings.smtp_ca_file.as_deref())?;
    let smtp = SmtpRuntime::new(extra_roots, Duration::from_secs(settings.smtp_test_timeout));
    let emails = EmailSettings {
        organisation: settings.organisation.trim().to_owned(),
        language: shared::Language::from_code(&settings.language).unwrap_or(shared::Language::En),
        invite_ttl_secs: settings.invite_ttl_hours as i64 * 3600,
        reset_ttl_secs: settings.reset_ttl_minutes as i64 * 60,
        retry_base_secs: settings.retry_base_secs as i64,
        max_attempts: settings.max_attempts as i64,
        lease_secs: settings.outbox_lease_secs as i64,
    };
    let state = AppState::new(db, public_url.clone(), key, smtp, emails);
    if !settings.dist_dir.join("index.html").exists() {
        tracing::warn!(dist = %settings.dist_dir.display(), "no built dashboard found; only the API is served (run `make run`)");
    }
    let app = crate::api::router(state.clone(), &settings.dist_dir);

    // Printed on stdout (not only logged) so that whoever started the server
    // sees it; the setup link comes first so the "listening" line ends the banner.
    if let Some(link) = gatehouse_core::auth::service::issue_setup_link(&state).await.map_err(|f| anyhow::anyhow!("{}", f.0))? {
        println!("No host admin yet. Open this one-time setup link to create the first one (valid 24 hours):");
        println!("Setup link: {link}");
    }
    println!("Gatehouse listening on http://{bound} (public URL {})", public_url.as_str());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let worker = gatehouse_core::outbox::worker::spawn(state.clone(), stopping);
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    // Stop claiming; an email being sent finishes (or its lease lets another instance retry it).
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(35), worker).await;
    tracing::info!("stopped");
    Ok(())
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
