//! `crashkit verify --date D`: Socorro's `verifyprocessed` sweep. The raw
//! crashes of day D without a processed crash or without a search document
//! are recorded beside the index (`/api/MissingProcessedCrash/`), printed
//! one id a line, and with `--queue` sent to the standard processing queue;
//! crashes recorded before that are processed and indexed now are marked.

use std::io::Write;

use anyhow::Context;
use chrono::{NaiveDate, Utc};

use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
use crate::queue::{self, Message, QueueName};
use crate::search::{self, Mode};
use crate::storage::CrashStorage;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The day to sweep (the date in the crash ids), YYYY-MM-DD.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: String,

    /// Where the crashes are (storage.url).
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// The search index to check and record in (index.url).
    #[arg(long, value_name = "URL")]
    pub index: Option<String>,

    /// Send the missing crashes to this queue's standard processing queue
    /// (queue.url); without it they are only recorded and printed.
    #[arg(long, value_name = "URL")]
    pub queue: Option<String>,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    config.set_flag_opt(keys::queue::url, "--queue", args.queue.clone().map(Some));
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let day = NaiveDate::parse_from_str(args.date.trim(), "%Y-%m-%d")
        .map_err(|_| UsageError(format!("--date {:?}: expected YYYY-MM-DD", args.date)))?;
    let storage = CrashStorage::open(&config.settings.storage)?;
    let index = search::open(&config.settings.index, Mode::Read)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let report = crate::verify::verify(&storage, index.as_ref(), day, Utc::now()).await?;
        for id in &report.missing {
            writeln!(out, "{id}")?;
        }
        let mut sent = 0;
        if let (Some(url), false) = (&config.settings.queue.url, report.missing.is_empty()) {
            let queue = queue::open(url).await.context("opening the queue")?;
            for id in &report.missing {
                queue::publish(queue.as_ref(), QueueName::Standard, &Message::new(id.clone(), None))
                    .await
                    .with_context(|| format!("publishing {id}"))?;
                sent += 1;
            }
        }
        eprintln!(
            "crashkit verify: {day}: {} crashes, {} without a processed crash, {} not indexed, {} sent to processing; {} found missing before are done now",
            report.checked, report.unprocessed, report.unindexed, sent, report.resolved
        );
        Ok(ExitStatus::Success)
    })
}
