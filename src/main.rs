//! The `circulars` binary: parses the command line, starts logging, runs the command.

use std::io::IsTerminal;
use std::process::ExitCode;

use circulars::cli::{self, Cli};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Sending allocates and frees a few buffers per message from several threads: mimalloc
/// spends less time on it than glibc's allocator (`cargo bench --bench send`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(cli::exit::USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if !matches!(cli.command, cli::Command::Serve) {
        restore_sigpipe();
    }
    let default_level = match cli.command {
        cli::Command::Serve => "info",
        _ => "warn",
    };
    let filter = EnvFilter::try_from_env("CIRCULARS_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("{default_level},sqlx=warn")))
        // async-imap traces every command it sends, LOGIN with its password included.
        .add_directive("async_imap=info".parse().expect("a valid directive"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::from(cli::exit::OTHER);
        }
    };
    let code = match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => cli::report(&err),
    };
    // Tasks still running (a connection held open by a client) are dropped, not awaited.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

/// Gives SIGPIPE back its default action, as in every Unix tool: when the reader of our
/// output goes away (`circulars members list | head`), the command ends there, silently,
/// instead of panicking in `println!`. The shell shows status 141 (128 + SIGPIPE).
/// `serve` keeps Rust's default (ignored): a client closing its socket must not kill the
/// daemon.
fn restore_sigpipe() {
    // SAFETY: called once at start, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
