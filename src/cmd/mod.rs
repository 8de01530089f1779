//! One module per subcommand, each with its `Args` and a `run` that returns
//! an [`ExitStatus`]. Shared here: loading the configuration and the exit
//! statuses.

pub mod alert;
pub mod bugs;
pub mod collect_serve;
pub mod config;
pub mod demo;
pub mod fetch;
pub mod generate_assets;
pub mod generate_crashes;
pub mod index;
pub mod migrate;
pub mod options;
pub mod process;
pub mod process_worker;
pub mod query;
pub mod reprocess;
pub mod serve;
pub mod signature;
pub mod verify;

use std::io::{BufRead, Write};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{Config, ConfigError};

/// How a command ended; mapped to the process exit status once, in `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything succeeded.
    Success,
    /// 1: some items failed (each was reported on stderr); the rest were done.
    SomeFailed,
    /// 2: the command could not start: bad usage or configuration.
    Usage,
    /// 1: `alert` sent an alert (a cron job's "something to look at").
    Fired,
    /// 2: `alert`: a rule failed (reported on stderr; the others ran).
    AlertFailed,
}

impl ExitStatus {
    /// The numeric exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::SomeFailed => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Fired => 1,
            ExitStatus::AlertFailed => 2,
        }
    }
}

/// A usage mistake found after argument parsing (exit status 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Whether `err` means bad usage or configuration (exit status 2) rather
/// than a failure while working (exit status 1).
pub fn is_usage_error(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.is::<ConfigError>()
            || e.is::<UsageError>()
            || e.downcast_ref::<crate::search::SearchError>()
                .is_some_and(crate::search::SearchError::is_usage)
            || e.downcast_ref::<crate::process::SetupError>()
                .is_some_and(crate::process::SetupError::is_usage)
    })
}

/// Loads the effective configuration: defaults, the file named by
/// `--config`/`CRASHKIT_CONFIG`, then `CRASHKIT_*` environment variables.
pub fn load_config(global: &GlobalArgs) -> Result<Config, ConfigError> {
    Config::load(global.config.as_deref(), std::env::vars())
}

/// Puts the subcommand's flags into `config`, then checks the rules
/// between keys: a command never starts on a configuration that cannot work.
pub fn configure(cli: &Cli, config: &mut Config) -> anyhow::Result<()> {
    match &cli.command {
        Command::CollectServe(args) => collect_serve::apply_flags(args, config)?,
        Command::Process(args) => process::apply_flags(args, config)?,
        Command::Reprocess(args) => reprocess::apply_flags(args, config),
        Command::Index(args) => index::apply_flags(args, config),
        Command::Query(args) => query::apply_flags(args, config),
        Command::Demo(args) => demo::apply_flags(args, config),
        Command::Serve(args) => serve::apply_flags(args, config),
        Command::Bugs(args) => bugs::apply_flags(args, config),
        Command::Verify(args) => verify::apply_flags(args, config),
        Command::Alert(args) => alert::apply_flags(args, config),
        Command::Fetch(args) => fetch::apply_flags(args, config),
        Command::Migrate(_) => {}
        // `config check FILE` reports on its file, whatever the rest says.
        Command::Config(_) => return Ok(()),
        Command::Signature(_)
        | Command::ProcessWorker(_)
        | Command::GenerateCrashes(_)
        | Command::GenerateAssets(_) => {}
    }
    config.check()?;
    Ok(())
}

/// Runs the subcommand of `cli` with the loaded `config`, writing its data to `out`.
pub fn run(
    cli: Cli,
    config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::CollectServe(args) => collect_serve::run(args, config, out),
        Command::Signature(args) => signature::run(args, input, out),
        Command::Process(args) => process::run(args, config, input, out),
        Command::ProcessWorker(args) => process_worker::run(args, input, out),
        Command::Reprocess(args) => reprocess::run(args, config, input, out),
        Command::Config(args) => config::run(args, &config, out),
        Command::Index(args) => index::run(args, config, input, out),
        Command::Query(args) => query::run(args, config, out),
        Command::Demo(args) => demo::run(args, config, out),
        Command::Serve(args) => serve::run(args, config),
        Command::Bugs(args) => bugs::run(args, config, out),
        Command::Verify(args) => verify::run(args, config, out),
        Command::Alert(args) => alert::run(args, config, out),
        Command::Fetch(args) => fetch::run(args, config, input, out),
        Command::Migrate(args) => migrate::run(args, config, out),
        Command::GenerateCrashes(args) => generate_crashes::run(args, out),
        Command::GenerateAssets(args) => generate_assets::run(args, out),
    }
}

/// Resolves on SIGTERM or SIGINT: the signal for long-running commands to
/// finish what they hold and exit.
pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutting down: finishing the work in hand");
}

/// A progress bar drawn with `template` on stderr, only when stderr is a
/// terminal (never into pipelines or logs).
pub(crate) fn progress_bar(len: usize, template: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar
    })
}

/// Says on stderr that `what` is being read from stdin, when stdin is a
/// terminal: a command waiting on it would otherwise look hung.
pub(crate) fn note_reading_stdin(what: &str) {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        eprintln!("crashkit: reading {what} from stdin, one per line (end with Ctrl-D)");
    }
}

/// The crash ids of `args` (or stdin when there are none): invalid ones are
/// reported on stderr and skipped, and the flag says some were.
pub(crate) fn collect_ids(
    args: &[String],
    input: &mut dyn BufRead,
) -> (Vec<crate::crash_id::CrashId>, bool) {
    if args.is_empty() {
        note_reading_stdin("crash ids");
    }
    let mut failed = false;
    let mut ids = Vec::new();
    for item in crate::crash_id::read_ids(args, input) {
        match item {
            Ok(id) => ids.push(id),
            Err(e) => {
                eprintln!("crashkit: {e}");
                failed = true;
            }
        }
    }
    (ids, failed)
}
