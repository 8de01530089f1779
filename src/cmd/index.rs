//! `crashkit index`: processed crashes into the search index, in bulk.
//!
//! Input: JSON Lines of processed crashes on stdin (`crashkit process
//! --storage S --format json | crashkit index --index I`); or, with
//! `--storage`, crash ids (arguments or stdin) or the `--date`/`--since`
//! sweep of the raw crashes stored for those days. A crash that cannot be
//! indexed is reported on stderr with its crash id (or line number) and the
//! rest go on; the exit status is then 1. `--rebuild` empties the index
//! and records the current schema version first; `--prune-older-than`
//! drops the weeks older than that (alone, it only prunes).

use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};
use futures::StreamExt;

use super::{ExitStatus, UsageError};
use crate::config::Config;
use crate::crash_id::CrashId;
use crate::search::{self, Document, Mode, SearchIndex};
use crate::storage::CrashStorage;

/// Documents handed to the index at once.
const BATCH: usize = 1000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Crash ids to index from --storage (default with --storage: read from stdin).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,

    /// The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…
    #[arg(long, value_name = "URL")]
    pub index: Option<String>,

    /// Read processed crashes from this storage (storage.url) instead of stdin.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// With --storage: index the crashes of this day (the date in their ids).
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["since", "ids"], requires = "storage")]
    pub date: Option<String>,

    /// With --storage: index the crashes of this day and every day since, up to today.
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        conflicts_with = "ids",
        requires = "storage"
    )]
    pub since: Option<String>,

    /// Empty the index and record the current schema version before
    /// indexing (after a schema change).
    #[arg(long)]
    pub rebuild: bool,

    /// Drop the weekly partitions older than this: 26w, 180d.
    #[arg(long, value_name = "AGE")]
    pub prune_older_than: Option<String>,
}

#[derive(Default)]
struct Tally {
    indexed: u64,
    failed: u64,
}

pub fn run(
    args: Args,
    mut config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if let Some(url) = &args.index {
        config.set_flag("index.url", "--index", url)?;
    }
    if let Some(url) = &args.storage {
        config.set_flag("storage.url", "--storage", url)?;
    }
    let prune_before = args
        .prune_older_than
        .as_deref()
        .map(|age| parse_age(age).map(|d| Utc::now().date_naive() - d))
        .transpose()?;
    let days = days(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let mode = if args.rebuild {
            Mode::Rebuild
        } else {
            Mode::Write
        };
        let index = search::open(&config.settings.index, mode)?;
        if args.rebuild {
            index.clear().await?;
            eprintln!("crashkit index: emptied {} for a rebuild", index.location());
        }
        let started = Instant::now();
        let progress = (std::io::stderr().is_terminal()).then(indicatif::ProgressBar::new_spinner);
        let commit_every = config.settings.index.commit_docs.max(1);
        let prune_only = prune_before.is_some() && args.storage.is_none() && args.ids.is_empty();
        let mut tally = Tally::default();
        if args.storage.is_some() {
            let storage = CrashStorage::open(&config.settings.storage)?;
            let ids: Vec<CrashId> = match &days {
                Some(days) => {
                    let mut ids = Vec::new();
                    for day in days {
                        ids.extend(storage.list_day(*day).await?);
                    }
                    ids
                }
                None => {
                    let (ids, bad) = super::collect_ids(&args.ids, input);
                    if bad {
                        tally.failed += 1;
                    }
                    ids
                }
            };
            if let Some(p) = &progress {
                p.set_length(ids.len() as u64);
            }
            from_storage(
                &*index,
                &storage,
                ids,
                commit_every,
                &mut tally,
                progress.as_ref(),
            )
            .await?;
        } else if !prune_only {
            from_lines(&*index, input, commit_every, &mut tally, progress.as_ref()).await?;
        }
        index.commit().await?;
        if let Some(p) = progress {
            p.finish_and_clear();
        }
        let secs = started.elapsed().as_secs_f64();
        if !prune_only {
            eprintln!(
                "crashkit index: {} indexed, {} failed into {} in {:.1} s ({:.0}/s)",
                tally.indexed,
                tally.failed,
                index.location(),
                secs,
                tally.indexed as f64 / secs.max(1e-9)
            );
        }
        if let Some(before) = prune_before {
            for name in index.prune(before).await? {
                writeln!(out, "pruned {name}")?;
            }
        }
        anyhow::Ok(if tally.failed > 0 {
            ExitStatus::SomeFailed
        } else {
            ExitStatus::Success
        })
    })
}

fn days(args: &Args) -> anyhow::Result<Option<Vec<NaiveDate>>> {
    let parse = |flag: &str, text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| UsageError(format!("{flag} {text:?}: expected YYYY-MM-DD")))
    };
    if let Some(day) = &args.date {
        return Ok(Some(vec![parse("--date", day)?]));
    }
    if let Some(since) = &args.since {
        let first = parse("--since", since)?;
        let today = Utc::now().date_naive();
        if first > today {
            return Err(UsageError(format!("--since {since}: that is in the future")).into());
        }
        return Ok(Some(
            (0..=(today - first).num_days())
                .map(|d| first + Duration::days(d))
                .collect(),
        ));
    }
    Ok(None)
}

/// `26w`, `180d`: a duration in weeks or days.
fn parse_age(text: &str) -> Result<Duration, UsageError> {
    let bad = || {
        UsageError(format!(
            "--prune-older-than {text:?}: expected weeks or days, such as 26w or 180d"
        ))
    };
    let (number, unit) = text.trim().split_at(text.trim().len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    if !(1..=10_000).contains(&n) {
        return Err(bad());
    }
    match unit {
        "w" => Ok(Duration::weeks(n)),
        "d" => Ok(Duration::days(n)),
        _ => Err(bad()),
    }
}

async fn send(
    index: &dyn SearchIndex,
    batch: &mut Vec<Document>,
    since_commit: &mut u64,
    commit_every: u64,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let n = batch.len() as u64;
    let rejected = index.upsert(std::mem::take(batch)).await?;
    for r in &rejected {
        eprintln!("crashkit index: {}: {}", r.id, r.reason);
    }
    tally.failed += rejected.len() as u64;
    tally.indexed += n - rejected.len() as u64;
    *since_commit += n;
    if *since_commit >= commit_every {
        index.commit().await?;
        *since_commit = 0;
    }
    Ok(())
}

async fn from_lines(
    index: &dyn SearchIndex,
    input: &mut dyn BufRead,
    commit_every: u64,
    tally: &mut Tally,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut since_commit = 0;
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_line(&mut line).context("reading stdin")? == 0 {
            break;
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        match Document::from_json(&line) {
            Ok(doc) => batch.push(doc),
            Err(e) => {
                eprintln!("crashkit index: line {number}: {e}");
                tally.failed += 1;
            }
        }
        if batch.len() >= BATCH {
            send(index, &mut batch, &mut since_commit, commit_every, tally).await?;
            if let Some(p) = progress {
                p.set_position(tally.indexed);
            }
        }
    }
    send(index, &mut batch, &mut since_commit, commit_every, tally).await
}

async fn from_storage(
    index: &dyn SearchIndex,
    storage: &CrashStorage,
    ids: Vec<CrashId>,
    commit_every: u64,
    tally: &mut Tally,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut since_commit = 0;
    let mut fetches = futures::stream::iter(ids)
        .map(|id| async move {
            let got = storage.get_processed_crash(&id).await;
            (id, got)
        })
        .buffered(16);
    while let Some((id, got)) = fetches.next().await {
        match got
            .map_err(anyhow::Error::from)
            .and_then(|pc| Document::from_processed(&pc).map_err(anyhow::Error::from))
        {
            Ok(doc) => batch.push(doc),
            Err(e) => {
                eprintln!("crashkit index: {id}: {e}");
                tally.failed += 1;
            }
        }
        if let Some(p) = progress {
            p.inc(1);
        }
        if batch.len() >= BATCH {
            send(index, &mut batch, &mut since_commit, commit_every, tally).await?;
        }
    }
    send(index, &mut batch, &mut since_commit, commit_every, tally).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_weeks_or_days() {
        assert_eq!(parse_age("26w").unwrap(), Duration::weeks(26));
        assert_eq!(parse_age("180d").unwrap(), Duration::days(180));
        for bad in ["", "w", "26", "0w", "-1d", "3m"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
