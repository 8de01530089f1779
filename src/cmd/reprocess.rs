//! `crashkit reprocess`: send crashes back through processing.
//!
//! Crash ids (arguments, stdin, or `--missing --date D`: every raw crash of
//! day D that has no processed crash, the self-healing sweep after a lost
//! publish) go to the reprocessing queue (`--priority`: the priority
//! queue), or with `--api URL` to a Crash Stats `/api/Reprocessing/`
//! endpoint in groups of 50. Queued ids are written to stdout.

use std::io::{BufRead, IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;

use super::options::RulesetArg;
use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
use crate::crash_id::CrashId;
use crate::queue::{self, Message, QueueName};
use crate::storage::CrashStorage;

/// Above this many ids, `--allow-many` is required.
pub const MANY: usize = 10_000;

/// Crash Stats accepts this many ids per Reprocessing request.
const API_GROUP: usize = 50;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Crash ids (default: read from stdin, one per line).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// The queue to publish to (queue.url): a spool directory or redis://host:port/db.
    #[arg(long, value_name = "URL", conflicts_with = "api")]
    pub queue: Option<String>,

    /// Publish to the priority queue instead of the reprocessing queue.
    #[arg(long)]
    pub priority: bool,

    /// What the workers do with these crashes.
    #[arg(long, value_enum, default_value_t = RulesetArg::Default)]
    pub ruleset: RulesetArg,

    /// Print the ids that would be sent, send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// At most this many ids per second (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rate: u32,

    /// Allow more than 10,000 ids in one run.
    #[arg(long)]
    pub allow_many: bool,

    /// Find the crashes of --date that have a raw crash but no processed crash.
    #[arg(long, requires = "date", conflicts_with = "ids")]
    pub missing: bool,

    /// The day for --missing (YYYY-MM-DD, the date in the crash ids).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "missing")]
    pub date: Option<String>,

    /// Storage for --missing (storage.url).
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// Post to a Crash Stats instance instead (e.g. https://crash-stats.example.org),
    /// with the token from CRASHSTATS_API_TOKEN in the Auth-Token header.
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::queue::url, "--queue", args.queue.clone().map(Some));
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
}

pub fn run(
    args: Args,
    config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let mut failed = false;
    let ids: Vec<CrashId> = if args.missing {
        let day = args.date.as_deref().unwrap_or_default();
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| UsageError(format!("--date {day:?}: expected YYYY-MM-DD")))?;
        let storage = CrashStorage::open(&config.settings.storage)?;
        runtime.block_on(async {
            let mut missing = Vec::new();
            for id in storage.list_day(date).await? {
                if !storage.has_processed_crash(&id).await? {
                    missing.push(id);
                }
            }
            anyhow::Ok(missing)
        })?
    } else {
        let (ids, bad) = super::collect_ids(&args.ids, input);
        failed = bad;
        ids
    };
    if ids.len() > MANY && !args.allow_many {
        return Err(UsageError(format!(
            "{} crashes: more than {MANY} needs --allow-many",
            ids.len()
        ))
        .into());
    }
    if args.dry_run {
        for id in &ids {
            writeln!(out, "{id}")?;
        }
        eprintln!(
            "crashkit reprocess: dry run, {} crashes not sent",
            ids.len()
        );
        return Ok(if failed {
            ExitStatus::SomeFailed
        } else {
            ExitStatus::Success
        });
    }
    let progress = (std::io::stderr().is_terminal() && ids.len() > 1)
        .then(|| indicatif::ProgressBar::new(ids.len() as u64));
    let pace = (args.rate > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(args.rate)));
    let sent = if let Some(api) = &args.api {
        runtime.block_on(post_to_api(api, &ids, pace, progress.as_ref(), out))?
    } else {
        let url =
            config.settings.queue.url.clone().ok_or_else(|| {
                UsageError("give --queue URL (or queue.url), or --api URL".into())
            })?;
        let name = if args.priority {
            QueueName::Priority
        } else {
            QueueName::Reprocessing
        };
        let ruleset = crate::process::worker::Ruleset::from(args.ruleset);
        let ruleset = (args.ruleset != RulesetArg::Default).then(|| ruleset.as_str().to_owned());
        runtime.block_on(async {
            let queue = queue::open(&url).await.context("opening the queue")?;
            let started = Instant::now();
            for (i, id) in ids.iter().enumerate() {
                if let Some(pace) = pace {
                    let due = started + pace * i as u32;
                    tokio::time::sleep_until(due.into()).await;
                }
                queue::publish(
                    queue.as_ref(),
                    name,
                    &Message::new(id.clone(), ruleset.clone()),
                )
                .await
                .with_context(|| format!("publishing {id}"))?;
                writeln!(out, "{id}")?;
                if let Some(p) = &progress {
                    p.inc(1);
                }
            }
            anyhow::Ok(ids.len())
        })?
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    eprintln!("crashkit reprocess: {sent} crashes sent");
    Ok(if failed {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

/// Posts ids to Crash Stats' Reprocessing API, 50 at a time.
async fn post_to_api(
    api: &str,
    ids: &[CrashId],
    pace: Option<Duration>,
    progress: Option<&indicatif::ProgressBar>,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let client = crate::crashstats::Client::new(api)?;
    if !client.has_token() {
        return Err(UsageError("--api needs the token in CRASHSTATS_API_TOKEN".into()).into());
    }
    let mut sent = 0;
    for group in ids.chunks(API_GROUP) {
        client.reprocess(group).await?;
        for id in group {
            writeln!(out, "{id}")?;
        }
        sent += group.len();
        if let Some(p) = progress {
            p.inc(group.len() as u64);
        }
        if let Some(pace) = pace {
            tokio::time::sleep(pace * group.len() as u32).await;
        }
    }
    Ok(sent)
}
