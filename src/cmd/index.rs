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
                Chunking::STDIN,
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

/// Chunks parsed at once, on the blocking pool, while the next is read.
const PARSERS: usize = 2;

/// How stdin is cut into chunks for the parsers.
#[derive(Debug, Clone, Copy)]
struct Chunking {
    /// Input handed to a parser at once: whole lines, about this many
    /// bytes (a line longer than that makes its chunk longer).
    chunk: usize,
    /// The longest line taken; a longer one is reported and skipped.
    max_line: usize,
}

impl Chunking {
    /// 4 MiB chunks; lines up to 256 MiB (a processed crash is a few MB).
    const STDIN: Chunking = Chunking {
        chunk: 4 << 20,
        max_line: 256 << 20,
    };
}

/// What a parser made of one chunk.
#[derive(Debug, Default)]
struct Parsed {
    docs: Vec<Document>,
    /// Line number within the chunk (from 1) and message, per bad line.
    errors: Vec<(u64, String)>,
    /// Lines in the chunk.
    lines: u64,
    /// The chunk's buffer, emptied, for the next read.
    spare: Vec<u8>,
}

/// Parses a chunk of whole JSON Lines (the last may lack its newline).
/// Splitting and UTF-8 checks happen here, off the reading thread.
fn parse_chunk(bytes: Vec<u8>) -> Parsed {
    let mut parsed = Parsed::default();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', &bytes)
        .chain((bytes.last().is_some_and(|b| *b != b'\n')).then_some(bytes.len()));
    for end in ends {
        let line = &bytes[start..end];
        start = end + 1;
        parsed.lines += 1;
        let blank = line.first().is_none_or(u8::is_ascii_whitespace)
            && line.iter().all(u8::is_ascii_whitespace);
        if blank {
            continue;
        }
        match Document::from_json(line) {
            Ok(doc) => parsed.docs.push(doc),
            Err(e) => parsed.errors.push((parsed.lines, e.to_string())),
        }
    }
    parsed.spare = bytes;
    parsed.spare.clear();
    parsed
}

/// Reads into `buf` until it holds `want` more bytes or the input ends;
/// true at the end of input. Large reads bypass the reader's own
/// buffer, so the bytes are copied once, from the kernel into `buf`.
fn fill(input: &mut dyn BufRead, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut filled = start;
    let result = loop {
        if filled == buf.len() {
            break Ok(false);
        }
        match input.read(&mut buf[filled..]) {
            Ok(0) => break Ok(true),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(filled);
    result
}

async fn from_lines(
    index: Arc<dyn SearchIndex>,
    input: &mut dyn BufRead,
    chunking: Chunking,
    commit_every: u64,
    tally: &mut Tally,
    progress: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<()> {
    super::note_reading_stdin("processed crashes (JSON Lines)");
    let mut sender = Sender::new(index, commit_every);
    let mut parsing: std::collections::VecDeque<tokio::task::JoinHandle<Parsed>> =
        Default::default();
    let mut batch = Vec::with_capacity(BATCH);
    // Lines before the oldest chunk still being parsed.
    let mut number = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    // Buffers of parsed chunks, read into again (no fresh pages per chunk).
    let mut spares: Vec<Vec<u8>> = Vec::new();
    // Inside a line longer than chunking.max_line, dropping it.
    let mut skipping = false;
    let mut done = false;
    while !done {
        // A line longer than a chunk is read on in its own buffer, not copied.
        let mut buf = if carry.len() >= chunking.chunk {
            std::mem::take(&mut carry)
        } else {
            let mut buf = spares.pop().unwrap_or_default();
            buf.extend_from_slice(&carry);
            carry.clear();
            buf
        };
        done = fill(input, &mut buf, chunking.chunk).context("reading stdin")?;
        if skipping {
            match memchr::memchr(b'\n', &buf) {
                Some(end) => {
                    buf.drain(..=end);
                    skipping = false;
                }
                None => buf.clear(),
            }
        }
        if !done {
            match memchr::memrchr(b'\n', &buf) {
                Some(last) => {
                    carry.extend_from_slice(&buf[last + 1..]);
                    buf.truncate(last + 1);
                }
                None if buf.len() > chunking.max_line => {
                    let message = format!("longer than {} bytes, skipped", chunking.max_line);
                    parsing.push_back(tokio::task::spawn_blocking(move || Parsed {
                        errors: vec![(1, message)],
                        lines: 1,
                        ..Parsed::default()
                    }));
                    skipping = true;
                    buf.clear();
                }
                None => {
                    carry = buf;
                    continue;
                }
            }
        }
        if !buf.is_empty() {
            parsing.push_back(tokio::task::spawn_blocking(move || parse_chunk(buf)));
        }
        // Hand parsed chunks to the index in input order, so a crash given
        // twice ends as its later line.
        while parsing.len() > PARSERS || (done && !parsing.is_empty()) {
            let task = parsing.pop_front().expect("not empty");
            let mut parsed = task.await.context("parsing task")?;
            if (1..=2 * chunking.chunk).contains(&parsed.spare.capacity())
                && spares.len() <= PARSERS
            {
                spares.push(std::mem::take(&mut parsed.spare));
            }
            for (line, e) in parsed.errors {
                eprintln!("crashkit index: line {}: {e}", number + line);
                tally.failed += 1;
            }
            number += parsed.lines;
            for doc in parsed.docs {
                batch.push(doc);
                if batch.len() >= BATCH {
                    sender.send(&mut batch, tally).await?;
                }
            }
            if let Some(p) = progress {
                p.set_position(tally.indexed);
            }
        }
    }
    sender.finish(&mut batch, tally).await
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
    use crate::search::Search;

    /// A processed crash of `day` (2026-11-DD) whose JSON line is at least
    /// `size` bytes long, with `signature`.
    fn line(n: u32, day: u32, signature: &str, size: usize) -> String {
        let id = format!("de1bb258-cbbf-4589-a673-{n:05}0{}", 261100 + day);
        let text = serde_json::json!({
            "uuid": id,
            "signature": signature,
            "date_processed": format!("2026-11-{day:02}T10:00:00+00:00"),
            "json_dump": {"pad": "x".repeat(size)},
        })
        .to_string();
        format!("{text}\n")
    }

    async fn count(index: &Arc<dyn SearchIndex>, params: &[(&str, &str)]) -> u64 {
        let mut all: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.push(("date".into(), ">=2026-11-01".into()));
        let search = Search::parse(&all, Utc::now()).unwrap();
        index.search(&search, None).await.unwrap().total
    }

    /// Lines cut across chunk boundaries, a line longer than a chunk, one
    /// over the limit (skipped, the rest kept), bad JSON, blank lines, a
    /// crash given twice (the later line wins) and no final newline.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stdin_lines_are_cut_into_chunks_without_losing_any() {
        let dir = tempfile::tempdir().unwrap();
        let settings = crate::config::IndexSettings {
            url: dir.path().join("idx").display().to_string(),
            writer_memory_mb: 64,
            ..Default::default()
        };
        let index = search::open(&settings, Mode::Write).unwrap();
        let chunking = Chunking {
            chunk: 1000,
            max_line: 5000,
        };
        let mut input = String::new();
        for n in 0..40 {
            input.push_str(&line(
                n,
                1 + n % 20,
                "ordinary",
                50 + (n as usize * 37) % 400,
            ));
        }
        input.push_str(&line(100, 3, "longer than a chunk", 2500));
        input.push_str("{not json\n\n   \n");
        input.push_str(&line(101, 4, "over the limit", 12_000));
        input.push_str(&line(0, 1, "given again", 10));
        for n in 200..230 {
            input.push_str(&line(n, 5, "after", 300));
        }
        input.push_str(line(300, 6, "last", 10).trim_end());
        let mut tally = Tally::default();
        let mut reader = std::io::BufReader::new(input.as_bytes());
        from_lines(
            Arc::clone(&index),
            &mut reader,
            chunking,
            7,
            &mut tally,
            None,
        )
        .await
        .unwrap();
        index.commit().await.unwrap();
        assert_eq!((tally.indexed, tally.failed), (73, 2));
        assert_eq!(count(&index, &[]).await, 72);
        assert_eq!(count(&index, &[("signature", "=ordinary")]).await, 39);
        for signature in ["longer than a chunk", "given again", "last"] {
            let filter = format!("={signature}");
            assert_eq!(
                count(&index, &[("signature", &filter)]).await,
                1,
                "{signature}"
            );
        }
        assert_eq!(count(&index, &[("signature", "=after")]).await, 30);
        assert_eq!(count(&index, &[("signature", "=over the limit")]).await, 0);
    }

    #[test]
    fn ages_are_weeks_or_days() {
        assert_eq!(parse_age("26w").unwrap(), Duration::weeks(26));
        assert_eq!(parse_age("180d").unwrap(), Duration::days(180));
        for bad in ["", "w", "26", "0w", "-1d", "3m"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }
}
