//! `crashkit alert`: the `[[alert]]` rules of the configuration, run once
//! (from cron); one line per rule on stdout saying what it did.

use std::io::Write;

use anyhow::Context;
use chrono::Utc;

use super::{ExitStatus, UsageError};
use crate::alert::{self, Delivery, Outcome};
use crate::config::{keys, Config};
use crate::search::{self, Mode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…
    #[arg(long, value_name = "URL")]
    pub index: Option<String>,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
}

pub fn run(_args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if config.alerts.0.is_empty() {
        return Err(UsageError(
            "no [[alert]] rules: give a configuration file that has them (crashkit --config FILE alert); `crashkit config docs` describes them".into(),
        )
        .into());
    }
    let index = search::open(&config.settings.index, Mode::Read)?;
    let delivery = Delivery::new()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let env = |name: &str| std::env::var(name).ok();
    let now = Utc::now();
    let (mut fired, mut failed) = (false, false);
    for rule in &config.alerts.0 {
        match runtime.block_on(alert::run_rule(&*index, rule, &delivery, &env, now)) {
            Outcome::Quiet => writeln!(out, "{}: nothing new", rule.name)?,
            Outcome::Fired(rows) => {
                fired = true;
                let new = rows
                    .iter()
                    .filter(|r| r.kind == search::emerging::Kind::New)
                    .count();
                writeln!(
                    out,
                    "{}: sent {} signature{} ({new} new, {} growing)",
                    rule.name,
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" },
                    rows.len() - new
                )?;
            }
            Outcome::Failed(e) => {
                failed = true;
                writeln!(out, "{}: failed", rule.name)?;
                eprintln!("crashkit alert: {}: {e}", rule.name);
            }
        }
    }
    Ok(if failed {
        ExitStatus::AlertFailed
    } else if fired {
        ExitStatus::Fired
    } else {
        ExitStatus::Success
    })
}
