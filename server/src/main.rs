//! `gatehouse`: the host console of a gateway instance.

use clap::Parser;
use server::cli::{Cli, Command};

/// The dashboard, packed into one tar file by `make` (scripts/pack-dashboard).
/// `.cargo/config.toml` points the variable at an empty file for a build
/// without one (a plain `cargo build`). Only this small crate root includes
/// it, so a new dashboard relinks the binary without recompiling the server.
static DASHBOARD: &[u8] = include_bytes!(env!("GATEHOUSE_DASHBOARD_BUNDLE"));

/// musl's allocator is slow under threads: the static build uses mimalloc,
/// for Rust's allocations here and, through its `override` feature, for C's
/// `malloc` (SQLite's) too.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Err(e) = server::telemetry::init() {
        eprintln!("gatehouse: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Serve(args) => server::startup::serve(&cli.storage, &args, DASHBOARD).await,
        Command::Admin(cmd) => server::cli::admin(&cli.storage, cmd).await,
        Command::User(cmd) => server::cli::user(&cli.storage, cmd).await,
        Command::Token(cmd) => server::cli::token(&cli.storage, cmd).await,
        Command::SetupLink(settings) => server::cli::setup_link(&cli.storage, settings).await,
        Command::Backup { output } => server::cli::backup(&cli.storage, &output).await,
        Command::BackupKey(cmd) => server::cli::backup_key(&cli.storage, cmd).await,
        Command::Restore { input, key_file } => server::cli::restore(&cli.storage, &input, &key_file).await,
        Command::Healthcheck(settings) => server::healthcheck::run(settings).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatehouse: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
