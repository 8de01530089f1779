//! `crashkit config`: show the effective configuration, check a file, list every key.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::ExitStatus;
use crate::config::{self as settings, Config};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Print the effective configuration and where each value came from
    /// (default, file:line, environment variable or flag). Secrets are
    /// always shown as "<redacted>".
    Show {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Toml)]
        format: ShowFormat,
    },
    /// Validate a configuration file on its own: unknown keys, values of the
    /// wrong type and secrets written into the file are reported with their
    /// line, and the exit status is 2.
    Check {
        /// The file to check.
        file: PathBuf,
    },
    /// List every configuration key with its type, default, environment
    /// variable and meaning, as Markdown.
    Docs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    /// TOML, annotated with where each value came from.
    Toml,
    /// One JSON object: {"section.key": {"value", "source"}}.
    Json,
}

pub fn run(args: Args, config: &Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args.action {
        Action::Show {
            format: ShowFormat::Toml,
        } => config.show(out)?,
        Action::Show {
            format: ShowFormat::Json,
        } => {
            serde_json::to_writer_pretty(&mut *out, &config.show_json())?;
            writeln!(out)?;
        }
        Action::Check { file } => {
            Config::check_file(&file)?;
            writeln!(out, "{}: ok", file.display())?;
        }
        Action::Docs => settings::docs(out)?,
    }
    Ok(ExitStatus::Success)
}
