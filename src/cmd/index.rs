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
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::{Duration, NaiveDate, Utc};
use futures::StreamExt;

use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
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

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
}

pub fn run(
    args: Args,
    config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
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
                Arc::clone(&index),
                &storage,
                ids,
                commit_every,
                &mut tally,
                progress.as_ref(),
            )
            .await?;
        } else if !prune_only {
            from_lines(
                Arc::clone(&index),
                input,
                commit_every,
                &mut tally,
                progress.as_ref(),
            )
            .await?;
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

/// How many documents a batch had, and those the index refused.
type Outcome = (u64, Vec<search::Rejected>);

/// Hands batches to the index, one in flight while the next is read, and
/// commits every `commit_every` documents.
struct Sender {
    index: Arc<dyn SearchIndex>,
    in_flight: Option<tokio::task::JoinHandle<search::Result<Outcome>>>,
    since_commit: u64,
    commit_every: u64,
}

impl Sender {
    fn new(index: Arc<dyn SearchIndex>, commit_every: u64) -> Sender {
        Sender {
            index,
            in_flight: None,
            since_commit: 0,
            commit_every,
        }
    }

    /// Waits for the batch in flight and counts its outcome.
    async fn settle(&mut self, tally: &mut Tally) -> anyhow::Result<()> {
        if let Some(task) = self.in_flight.take() {
            let (n, rejected) = task.await.context("indexing task")??;
            for r in &rejected {
                eprintln!("crashkit index: {}: {}", r.id, r.reason);
            }
            tally.failed += rejected.len() as u64;
            tally.indexed += n - rejected.len() as u64;
        }
        Ok(())
    }

    async fn send(&mut self, batch: &mut Vec<Document>, tally: &mut Tally) -> anyhow::Result<()> {
        self.settle(tally).await?;
        if batch.is_empty() {
            return Ok(());
        }
        let docs = std::mem::replace(batch, Vec::with_capacity(BATCH));
        let n = docs.len() as u64;
        self.since_commit += n;
        let commit = self.since_commit >= self.commit_every;
        if commit {
            self.since_commit = 0;
        }
        let index = Arc::clone(&self.index);
        self.in_flight = Some(tokio::spawn(async move {
            let rejected = index.upsert(docs).await?;
            if commit {
                index.commit().await?;
            }
            Ok((n, rejected))
        }));
        Ok(())
    }

    async fn finish(mut self, batch: &mut Vec<Document>, tally: &mut Tally) -> anyhow::Result<()> {
        self.send(batch, tally).await?;
        self.settle(tally).await
    }
}

/// Batches parsed at once, on the blocking pool, while the next is read.
const PARSERS: usize = 2;

type Parsed = (Vec<Document>, Vec<String>);

/// Parses numbered lines: the documents, and a message per bad line.
fn parse_lines(lines: Vec<(u64, String)>) -> Parsed {
    let mut docs = Vec::with_capacity(lines.len());
    let mut errors = Vec::new();
    for (number, line) in lines {
        match Document::from_json(&line) {
            Ok(doc) => docs.push(doc),
            Err(e) => errors.push(format!("line {number}: {e}")),
        }
    }
    (docs, errors)
}

async fn from_lines(
    index: Arc<dyn SearchIndex>,
    input: &mut dyn BufRead,
    commit_every: u64,
    tally: &mut Tally,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<()> {
    super::note_reading_stdin("processed crashes (JSON Lines)");
    let mut sender = Sender::new(index, commit_every);
    let mut parsing: std::collections::VecDeque<tokio::task::JoinHandle<Parsed>> =
        Default::default();
    let mut lines = Vec::with_capacity(BATCH);
    let mut number = 0u64;
    let mut done = false;
    while !done {
        let mut line = String::new();
        if input.read_line(&mut line).context("reading stdin")? == 0 {
            done = true;
        } else {
            number += 1;
            if !line.trim().is_empty() {
                lines.push((number, line));
            }
        }
        if lines.len() >= BATCH || (done && !lines.is_empty()) {
            let chunk = std::mem::replace(&mut lines, Vec::with_capacity(BATCH));
            parsing.push_back(tokio::task::spawn_blocking(move || parse_lines(chunk)));
        }
        // Hand parsed batches to the index in input order, so a crash given
        // twice ends as its later line.
        while parsing.len() > PARSERS || (done && !parsing.is_empty()) {
            let task = parsing.pop_front().expect("not empty");
            let (mut docs, errors) = task.await.context("parsing task")?;
            for e in errors {
                eprintln!("crashkit index: {e}");
                tally.failed += 1;
            }
            sender.send(&mut docs, tally).await?;
            if let Some(p) = progress {
                p.set_position(tally.indexed);
            }
        }
    }
    sender.finish(&mut Vec::new(), tally).await
}

async fn from_storage(
    index: Arc<dyn SearchIndex>,
    storage: &CrashStorage,
    ids: Vec<CrashId>,
    commit_every: u64,
    tally: &mut Tally,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<()> {
    let mut sender = Sender::new(index, commit_every);
    let mut batch = Vec::with_capacity(BATCH);
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
            sender.send(&mut batch, tally).await?;
        }
    }
    sender.finish(&mut batch, tally).await
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
