//! The command line: `serve`, and operator tasks that work on the database directly.

use crate::configuration::{ServeSettings, StorageSettings};
use crate::startup::open_storage;
use anyhow::Context;
use clap::{Parser, Subcommand};
use gatehouse_core::state::AppState;
use gatehouse_core::{auth, users};
use shared::Role;
use tokio::io::AsyncReadExt;

#[derive(Debug, Parser)]
#[command(name = "gatehouse", version, about = "The host console of a gateway instance")]
pub struct Cli {
    #[command(flatten)]
    pub storage: StorageSettings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the console (dashboard, REST API, server functions).
    Serve(ServeSettings),
    /// Manage host admins.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage users of any role.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage bearer tokens for the gateway backend.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a host admin; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an active user; the password is read from standard input.
    Create {
        #[arg(long)]
        email: String,
        /// host_admin, host_user, account_admin or account_user.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The account, for account roles.
        #[arg(long)]
        account_id: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print a new bearer token that acts as the user with this email. Shown once; stored hashed.
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for (e.g. "gateway backend").
        #[arg(long)]
        name: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected host_admin, host_user, account_admin or account_user".to_owned())
}

async fn state_for_cli(storage: &StorageSettings) -> anyhow::Result<AppState> {
    let (db, key) = open_storage(storage).await?;
    // Links are not made from the CLI, so no public URL is needed.
    let url = gatehouse_core::public_url::PublicUrl::for_bound(([127, 0, 0, 1], 0).into());
    let smtp = gatehouse_core::state::SmtpRuntime::new(Default::default(), gatehouse_core::smtp::probe::DEFAULT_BOUND);
    Ok(AppState::new(db, url, key, smtp, Default::default()))
}

async fn read_password() -> anyhow::Result<String> {
    let mut input = String::new();
    tokio::io::stdin().read_to_string(&mut input).await.context("reading the password from standard input")?;
    Ok(input.trim_end_matches(['\r', '\n']).to_owned())
}

fn explain(f: gatehouse_core::error::Failure) -> anyhow::Error {
    let fields: Vec<String> = f.0.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    if fields.is_empty() {
        anyhow::anyhow!("{}", f.0.message)
    } else {
        anyhow::anyhow!("{} ({})", f.0.message, fields.join("; "))
    }
}

pub async fn admin(storage: &StorageSettings, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Create { email } => user(storage, UserCommand::Create { email, role: Role::HostAdmin, account_id: None }).await,
    }
}

pub async fn user(storage: &StorageSettings, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create { email, role, account_id } => {
            let state = state_for_cli(storage).await?;
            let password = read_password().await?;
            let user = users::service::create_active_user(&state, &email, role, account_id, &password).await.map_err(explain)?;
            println!("created {} {} (id {})", user.role, user.email, user.id);
            Ok(())
        }
    }
}

pub async fn token(storage: &StorageSettings, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { email, name } => {
            let state = state_for_cli(storage).await?;
            let token = auth::service::create_api_token(&state, &email, &name).await.map_err(explain)?;
            println!("{token}");
            Ok(())
        }
    }
}
