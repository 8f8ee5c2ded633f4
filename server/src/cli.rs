//! The command line: `serve`, and operator tasks that work on the database directly.

use crate::configuration::{ServeSettings, StorageSettings};
use crate::startup::open_storage;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use gatehouse_core::operator::Operator;
use gatehouse_core::passwords::PasswordHasher;
use gatehouse_core::{auth, backup, users};
use shared::token::NewApiToken;
use shared::Role;
use std::path::{Path, PathBuf};
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
    Serve(Box<ServeSettings>),
    /// Manage host admins.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage users of any role.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage bearer tokens for the gateway backend.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Print a fresh first-run setup link (the previous one stops working); only while there is no host admin.
    SetupLink(SetupLinkSettings),
    /// Write an encrypted backup of everything the instance holds to FILE (owner-only). It can be
    /// taken while the server runs; keep the backup key (`backup-key show`) somewhere else.
    Backup {
        #[arg(long)]
        output: PathBuf,
    },
    /// Show or replace the backup key that backup files are encrypted with.
    #[command(subcommand)]
    BackupKey(BackupKeyCommand),
    /// Load a backup into the configured database (SQLite or PostgreSQL). Into an empty instance
    /// it restores exactly; into one with data it only adds what is missing and says what it kept.
    Restore {
        #[arg(long)]
        input: PathBuf,
        /// A file holding the backup key the backup was made with (as `backup-key show` prints it).
        #[arg(long)]
        key_file: PathBuf,
    },
    /// Exit 0 when the server at GATEHOUSE_BIND is ready (answers /readyz), non-zero otherwise.
    Healthcheck(crate::healthcheck::HealthcheckSettings),
}

/// Where the setup link points: the same settings `serve` makes links from.
#[derive(Debug, Args)]
pub struct SetupLinkSettings {
    /// The URL people reach the console at. Default: http://<bind address>.
    #[arg(long, env = "GATEHOUSE_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// The address the server listens on, for the default public URL.
    #[arg(long, env = "GATEHOUSE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: std::net::SocketAddr,
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
        /// Days until it stops working (1 to 365; default 90).
        #[arg(long, conflicts_with = "never_expires")]
        expires_in_days: Option<i64>,
        /// It works until revoked (say so outright: tokens expire by default).
        #[arg(long)]
        never_expires: bool,
    },
    /// List every token: id, name, owner, created, last used, expiry.
    List,
    /// Revoke a token by its id (from `token list`); it gets 401 from then on.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum BackupKeyCommand {
    /// Print the current backup key (and its fingerprint, on standard error).
    Show,
    /// Replace the key: backups made from now on need the new one; older files keep needing theirs.
    Reset,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "expected host_admin, host_user, account_admin or account_user".to_owned())
}

/// Unix seconds as an HTTP date (as emails write expiries); "-" for none.
fn utc(at: Option<i64>) -> String {
    at.map_or_else(|| "-".to_owned(), gatehouse_core::outbox::templates::expiry)
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
            let (db, _key) = open_storage(storage).await?;
            let password = read_password().await?;
            let user =
                users::service::create_active_user(&db, &PasswordHasher::default(), &Operator::at_the_command_line(), &email, role, account_id, &password)
                    .await
                    .map_err(explain)?;
            println!("created {} {} (id {})", user.role, user.email, user.id);
            Ok(())
        }
    }
}

pub async fn setup_link(storage: &StorageSettings, settings: SetupLinkSettings) -> anyhow::Result<()> {
    let (db, _key) = open_storage(storage).await?;
    let public_url = crate::startup::public_url_for(settings.public_url.as_ref(), settings.bind)?;
    let auth = auth::Auth::new(db, PasswordHasher::default(), public_url, auth::DEFAULT_IDLE_SECS);
    match auth::service::issue_setup_link(&auth, &Operator::at_the_command_line()).await.map_err(explain)? {
        Some(link) => {
            crate::startup::print_setup_link(&link);
            Ok(())
        }
        None => anyhow::bail!("this instance already has a host admin: sign in, or ask a host admin for a password reset link"),
    }
}

pub async fn token(storage: &StorageSettings, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { email, name, expires_in_days, never_expires } => {
            let (db, _key) = open_storage(storage).await?;
            let created = auth::service::create_api_token(&db, &Operator::at_the_command_line(), &email, &NewApiToken { name, expires_in_days, never_expires })
                .await
                .map_err(explain)?;
            println!("{}", created.token);
            Ok(())
        }
        TokenCommand::List => {
            let (db, _key) = open_storage(storage).await?;
            let tokens = auth::api_tokens::list_for_operator(&db, &Operator::at_the_command_line()).await.map_err(explain)?;
            println!("{:>6}  {:<24}  {:<32}  {:<29}  {:<29}  expires", "id", "name", "owner", "created", "last used");
            for t in tokens {
                println!(
                    "{:>6}  {:<24}  {:<32}  {:<29}  {:<29}  {}",
                    t.id,
                    t.name,
                    t.owner,
                    utc(Some(t.created_at)),
                    utc(t.last_used_at),
                    t.expires_at.map_or_else(|| "never".to_owned(), |at| utc(Some(at)))
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let (db, _key) = open_storage(storage).await?;
            auth::api_tokens::revoke_for_operator(&db, &Operator::at_the_command_line(), id).await.map_err(explain)?;
            println!("revoked token {id}");
            Ok(())
        }
    }
}

pub async fn backup(storage: &StorageSettings, output: &Path) -> anyhow::Result<()> {
    let (db, key) = open_storage(storage).await?;
    let backups = backup::Backups::new(db, key, None);
    let file = backup::make_for_operator(&backups, &Operator::at_the_command_line()).await.map_err(explain)?;
    let dir = output.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = output.file_name().with_context(|| format!("{} is not a file name", output.display()))?.to_string_lossy();
    backup::automatic::write_file(dir, &name, &file.bytes).with_context(|| format!("writing {}", output.display()))?;
    eprintln!("wrote {} ({} bytes), encrypted with the backup key; `gatehouse backup-key show` prints it", output.display(), file.bytes.len());
    Ok(())
}

pub async fn backup_key(storage: &StorageSettings, cmd: BackupKeyCommand) -> anyhow::Result<()> {
    let (db, key) = open_storage(storage).await?;
    let backups = backup::Backups::new(db, key, None);
    let operator = Operator::at_the_command_line();
    let shown = match cmd {
        BackupKeyCommand::Show => backup::key_for_operator(&backups, &operator).await,
        BackupKeyCommand::Reset => backup::reset_key_for_operator(&backups, &operator).await,
    }
    .map_err(explain)?;
    eprintln!("backup key {} (made {}); keep it apart from the backups", shown.fingerprint, utc(Some(shown.created_at)));
    println!("{}", shown.key);
    Ok(())
}

pub async fn restore(storage: &StorageSettings, input: &Path, key_file: &Path) -> anyhow::Result<()> {
    // Both files are read and the key parsed before the database is opened.
    let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    let text = std::fs::read_to_string(key_file).with_context(|| format!("reading {}", key_file.display()))?;
    let key = backup::BackupKey::parse(&text).map_err(|why| anyhow::anyhow!("{}: {why}", key_file.display()))?;
    let (db, secret) = open_storage(storage).await?;
    let backups = backup::Backups::new(db, secret, None);
    let report = match backup::restore(&backups, &Operator::at_the_command_line(), &bytes, &key).await {
        Ok(report) => report,
        Err(backup::RestoreRefused::Unreadable(why)) => anyhow::bail!("{}: {why}; nothing was changed", input.display()),
        Err(backup::RestoreRefused::NewerSchema { backup, here }) => {
            anyhow::bail!(
                "{} was made by a newer Gatehouse (schema {backup}; this one has {here}): restore it with that version or later; nothing was changed",
                input.display()
            )
        }
        Err(backup::RestoreRefused::Failed(f)) => return Err(explain(f).context("the restore was rolled back; nothing was changed")),
    };
    println!("{}", if report.exact { "restored exactly (the instance was empty):" } else { "added what was missing (the instance had data):" });
    for (table, n) in &report.added {
        println!("  {n:>7}  {table}");
    }
    if !report.kept.is_empty() {
        println!("kept what was already here instead of the backup's ({}):", report.kept.len());
        for line in &report.kept {
            println!("  {line}");
        }
    }
    Ok(())
}
