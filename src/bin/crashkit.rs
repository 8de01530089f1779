//! The `crashkit` binary: parse the command line, load the configuration,
//! run the subcommand, map the outcome to an exit status.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use crashkit::cli::Cli;
use crashkit::cmd::{self, ExitStatus};

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    // clap prints help and exits 0, or prints a usage error and exits 2.
    let cli = Cli::parse();
    let mut config = match cmd::load_config(&cli.global) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("crashkit: {err}");
            return ExitCode::from(ExitStatus::Usage.code());
        }
    };
    if let Err(err) = cmd::configure(&cli, &mut config) {
        eprintln!("crashkit: {err:#}");
        return ExitCode::from(ExitStatus::Usage.code());
    }
    let log = &config.settings.log;
    crashkit::logging::init(
        cli.global.log_format.map_or(log.format, Into::into),
        &log.level,
        cli.global.verbose,
        cli.global.quiet,
    );
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut input = io::stdin().lock();
    let result = cmd::run(cli, config, &mut input, &mut out).and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    let status = match result {
        Ok(status) => status,
        // Output piped into `head` and closed: the reader has what it wanted.
        Err(err) if is_broken_pipe(&err) => ExitStatus::Success,
        Err(err) => {
            eprintln!("crashkit: {err:#}");
            if cmd::is_usage_error(&err) {
                ExitStatus::Usage
            } else {
                ExitStatus::SomeFailed
            }
        }
    };
    ExitCode::from(status.code())
}
