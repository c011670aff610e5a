//! The command line: one module per command, and the mapping of errors to exit codes.

pub(crate) mod circulars;
mod inbound;
mod ingest;
mod members;
mod questions;
mod recipients;
mod registrations;
mod render;
mod replies;
mod review;
mod sending;
mod serve;
mod suppressions;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Config, ConfigError, Secrets};
use crate::members::recipients::Faults;
use crate::store::{Store, StoreError};

/// Exit statuses (sysexits): what scripts rely on.
pub mod exit {
    pub const USAGE: u8 = 64;
    pub const DATA: u8 = 65;
    pub const UNAVAILABLE: u8 = 69;
    /// Try again later (EX_TEMPFAIL): `ingest` when the database is unavailable.
    pub const TEMPFAIL: u8 = 75;
    pub const OTHER: u8 = 1;
}

/// Multilingual circulars for the committees of a city network.
#[derive(Debug, Parser)]
#[command(name = "circulars", version, about)]
pub struct Cli {
    /// Configuration file [default: config/circulars.toml, else the embedded defaults].
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: migrations, list sync, HTTP server, until SIGTERM or Ctrl-C.
    Serve,
    /// The recipients files: sync them into the database, or export the database to them.
    #[command(subcommand)]
    Recipients(recipients::RecipientsCommand),
    /// Members: list, add, update, remove (each edit is audited).
    #[command(subcommand)]
    Members(members::MembersCommand),
    /// Circulars: list them.
    #[command(subcommand)]
    Circulars(circulars::CircularsCommand),
    /// Preview a circular exactly as a member would receive it.
    Render(render::RenderArgs),
    /// Check every circular and template; name file and line of each fault.
    Check,
    /// Schedule a circular: at `--at TIME`, or now.
    Schedule(sending::ScheduleArgs),
    /// Send a circular now; `--wait` sends from here and shows progress.
    Send(sending::SendArgs),
    /// Cancel a circular: what is queued is not sent, what was sent stays sent.
    Cancel(sending::NumberArg),
    /// A circular's deliveries: counts per state and per language.
    Status(sending::StatusArgs),
    /// Mail that came back: list it, or show one message and what was decided.
    #[command(subcommand)]
    Inbound(inbound::InboundCommand),
    /// Addresses that get no more mail: list, add, remove (each change is logged).
    #[command(subcommand)]
    Suppressions(suppressions::SuppressionsCommand),
    /// Store raw messages from files or standard input (`-`), for an MTA pipe.
    Ingest(ingest::IngestArgs),
    /// A circular's registrations (confirmed, waitlisted, cancelled, refused); or cancel
    /// one (`--cancel EMAIL`), or set a member's attendees (`--member EMAIL --attendee …`).
    Registrations(registrations::RegistrationsArgs),
    /// The members' questions, oldest first.
    Questions(questions::QuestionsArgs),
    /// Answer a question: the Markdown file goes to the member in their thread.
    Answer(questions::AnswerArgs),
    /// The replies the reader was not sure of; `review resolve ID --kind …` decides one.
    Review(review::ReviewArgs),
}

/// Output formats of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

/// A command line that is malformed: an unknown flag, a bad address or language (64).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A well-formed command about something that does not exist or does not fit (65).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadData(pub String);

/// Runs the command.
///
/// # Errors
/// Whatever the command fails with; [`exit_code`] says which status it means.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    // Every command refuses a secret that could not sign, or a data folder that cannot keep
    // it, so a broken deployment is found by the first command run, not by the daemon.
    Secrets::load(&config.data.dir)?;
    match cli.command {
        Command::Serve => serve::run(config).await,
        Command::Recipients(command) => recipients::run(command, &config).await,
        Command::Members(command) => members::run(command, &config).await,
        Command::Circulars(command) => circulars::run(command, &config).await,
        Command::Render(args) => render::render(args, &config).await,
        Command::Check => circulars::check(&config).await,
        Command::Schedule(args) => sending::schedule(args, &config).await,
        Command::Send(args) => sending::send(args, &config).await,
        Command::Cancel(args) => sending::cancel(args, &config).await,
        Command::Status(args) => sending::status(args, &config).await,
        Command::Inbound(command) => inbound::run(command, &config).await,
        Command::Suppressions(command) => suppressions::run(command, &config).await,
        Command::Ingest(args) => ingest::run(args, &config).await,
        Command::Registrations(args) => registrations::run(args, &config).await,
        Command::Questions(args) => questions::questions(args, &config).await,
        Command::Answer(args) => questions::answer(args, &config).await,
        Command::Review(args) => review::run(args, &config).await,
    }
}

/// Opens the configured database.
async fn open_store(config: &Config) -> Result<Store, StoreError> {
    Store::open(&config.database.url, config.database.max_connections).await
}

/// Who is editing, for the audit log.
fn actor() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// Reports a failed command on standard error and gives its exit status.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        // The reader (`| head`) has what it wanted.
        return ExitCode::SUCCESS;
    }
    if let Some(faults) = err.downcast_ref::<Faults>() {
        for fault in &faults.0 {
            eprintln!("{fault}");
        }
        eprintln!(
            "error: refused: {} fault(s); nothing was changed",
            faults.0.len()
        );
    } else {
        eprintln!("error: {}", causes(err.as_ref()));
    }
    ExitCode::from(exit_code(err))
}

/// The error and its causes, `: `-separated, each once: many errors (sqlx's, io's wrappers)
/// repeat their source in their own message, and a cause already said is not said again.
pub fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let chain = std::iter::successors(Some(err), |cause| cause.source());
    for cause in chain {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// The exit status for an error, from the first cause that says.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<ingest::NotStored>() {
            return exit::TEMPFAIL;
        }
        if cause.is::<UsageError>() {
            return exit::USAGE;
        }
        if cause.is::<Faults>() || cause.is::<BadData>() || cause.is::<crate::mail::MailError>() {
            return exit::DATA;
        }
        if let Some(crate::outbox::rounds::RoundError::NoFolder(..)) = cause.downcast_ref() {
            return exit::DATA;
        }
        // A DKIM key, CA file or password that cannot be used: the configuration's fault.
        if let Some(crate::outbox::worker::SetupError::Mail(_)) = cause.downcast_ref() {
            return exit::DATA;
        }
        if let Some(config) = cause.downcast_ref::<ConfigError>() {
            return match config {
                ConfigError::Read { .. } => exit::USAGE,
                _ => exit::DATA,
            };
        }
        if let Some(store) = cause.downcast_ref::<StoreError>() {
            return match store {
                StoreError::Unavailable { .. } => exit::UNAVAILABLE,
                StoreError::UnknownCommittee(_)
                | StoreError::UnknownMember(_)
                | StoreError::NotListed(_)
                | StoreError::MemberExists(_)
                | StoreError::MemberDiffers { .. }
                | StoreError::CaseTwin { .. }
                | StoreError::Invalid(_) => exit::DATA,
                _ => exit::OTHER,
            };
        }
    }
    exit::OTHER
}
