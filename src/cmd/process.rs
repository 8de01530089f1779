//! `crashkit process`: minidumps to processed crashes.
//!
//! Three modes: `crashkit process FILE.dmp…` for an engineer's local
//! analysis (a human report, or `--format json`);
//! `crashkit process --storage URL [IDS…]` for stored crashes: each is read,
//! processed and saved as `v1/processed_crash/<id>`, with one result line
//! per crash on stdout; and `crashkit process --queue URL --storage URL`,
//! the long-running worker (`process::worker`). The processor, worker pool
//! and queue worker are built from the configuration by the library
//! (`Pool::from_settings`, `QueueWorker::new`), as `collect-serve --process`
//! builds them.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use tracing::info;

use super::options::{ProcessingArgs, RulesetArg};
use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
use crate::metrics::Registry;
use crate::process::report;
use crate::process::supervisor::Pool;
use crate::process::worker::{process_stored_crash, QueueWorker, WorkerMetrics};
use crate::storage::{CrashStorage, Dumps, RawCrash};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Minidump files to process; with --storage: crash ids (default: read from stdin, one per line).
    #[arg(value_name = "FILE|ID")]
    pub inputs: Vec<String>,

    /// Process stored crashes from this storage (directory, file:// or s3:// URL) and save the results there.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// Annotations for a local minidump: a JSON object, as the raw crash.
    #[arg(long, value_name = "FILE", conflicts_with = "storage")]
    pub annotations: Option<PathBuf>,

    /// Output: a human report (text) or processed crashes as JSON Lines
    /// (json) [default: text]. Not with --queue, which writes one line per message.
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Run as a long-running worker: pull crash ids from this queue (queue.url;
    /// a spool directory or redis://host:port/db), process, save, then ack.
    /// Needs --storage (or storage.url). SIGTERM finishes the batch in hand.
    #[arg(long, value_name = "URL", conflicts_with = "inputs")]
    pub queue: Option<String>,

    /// With --queue: serve Prometheus metrics (messages by outcome, latency,
    /// queue backlog) on this address.
    #[arg(long, value_name = "ADDR", requires = "queue")]
    pub metrics_addr: Option<String>,

    /// With --queue: index each crash into this search index (index.url)
    /// after saving it and before acking it.
    #[arg(long, value_name = "URL", requires = "queue")]
    pub index: Option<String>,

    /// What to do with stored crashes: process them fully, or only recompute
    /// the signature of their stored processed crash.
    /// [default: default]
    #[arg(long, value_enum, requires = "storage")]
    pub ruleset: Option<RulesetArg>,

    #[command(flatten)]
    pub processing: ProcessingArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A human report per crash (local files) or `<id>\t<status>\t<signature>` lines (storage).
    Text,
    /// Processed crashes as JSON Lines.
    Json,
}

/// Puts the flags given into the configuration; a flag that does not
/// apply to the mode asked for is a usage error.
pub fn apply_flags(args: &Args, config: &mut Config) -> Result<(), UsageError> {
    if args.queue.is_some() {
        let ignored = [
            (args.format.is_some(), "--format"),
            (args.ruleset.is_some(), "--ruleset"),
            (args.annotations.is_some(), "--annotations"),
        ];
        if let Some((_, flag)) = ignored.iter().find(|(given, _)| *given) {
            return Err(UsageError(format!(
                "{flag} does not apply to `process --queue`: the worker processes \
                 what the queue names (the message's ruleset) and writes one \
                 `<id>\t<outcome>\t<signature>` line per message"
            )));
        }
    }
    args.processing.apply(config);
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
    config.set_flag_opt(keys::queue::url, "--queue", args.queue.clone().map(Some));
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    // A worker on the default ./crashdata would find no crash and ack every
    // message as missing: it would drain a production queue into nothing.
    if args.queue.is_some() && config.source("storage.url") == crate::config::Source::Default {
        return Err(UsageError(
            "process --queue needs the storage its crashes are in: --storage URL, \
             CRASHKIT_STORAGE_URL or storage.url in the configuration file"
                .into(),
        ));
    }
    Ok(())
}

/// What a worker needs before it takes its first message: the storage
/// reachable and in the v1 layout, the queue and the index reachable.
/// Any of them failing is a usage error (exit 2) naming it.
async fn check_dependencies(
    storage: &CrashStorage,
    index: Option<&Arc<dyn crate::search::SearchIndex>>,
) -> Result<(), UsageError> {
    let limit = Duration::from_secs(30);
    let location = storage.objects().location();
    match tokio::time::timeout(limit, storage.check_layout()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(UsageError(format!("storage {location}: {e}"))),
        Err(_) => {
            return Err(UsageError(format!(
                "storage {location}: no answer in {limit:?}"
            )))
        }
    }
    if let Some(index) = index {
        match tokio::time::timeout(limit, index.schema_version()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(UsageError(format!("search index: {e}"))),
            Err(_) => return Err(UsageError(format!("search index: no answer in {limit:?}"))),
        }
    }
    Ok(())
}

pub fn run(
    args: Args,
    config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let jobs = crate::process::jobs(&config.settings.process);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let pool = Arc::new(Pool::from_settings(&config.settings.process)?);
    if args.queue.is_some() {
        let storage = CrashStorage::open(&config.settings.storage)?;
        runtime.block_on(process_queue(&args, &config, pool, storage, out))
    } else if args.storage.is_some() {
        let storage = CrashStorage::open(&config.settings.storage)?;
        runtime.block_on(process_stored(&args, pool, storage, jobs, input, out))
    } else {
        if args.inputs.is_empty() {
            return Err(UsageError(
                "give minidump files to process, or --storage URL to process stored crashes".into(),
            )
            .into());
        }
        runtime.block_on(process_files(&args, pool, out))
    }
}

async fn process_files(
    args: &Args,
    pool: Arc<Pool>,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let raw: RawCrash = match &args.annotations {
        None => RawCrash::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    return Err(UsageError(format!(
                        "{}: annotations must be a JSON object",
                        path.display()
                    ))
                    .into())
                }
                Err(e) => {
                    return Err(UsageError(format!("{}: invalid JSON: {e}", path.display())).into())
                }
            }
        }
    };
    // A local dump is received now, as the collector would stamp it, so
    // the date rules have a submission time to work from.
    let mut raw = raw;
    raw.entry("submitted_timestamp").or_insert_with(|| {
        Value::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
    });
    let mut failed = false;
    for (i, file) in args.inputs.iter().enumerate() {
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("crashkit: {file}: {e}");
                failed = true;
                continue;
            }
        };
        // The collector's record of the dump, as it would have written it.
        let mut raw = raw.clone();
        if !raw.contains_key("metadata") {
            use sha2::Digest;
            let sha = hex::encode(sha2::Sha256::digest(&bytes));
            raw.insert(
                "metadata".into(),
                serde_json::json!({"dump_checksums": {crate::storage::layout::MAIN_DUMP: sha}}),
            );
        }
        let mut dumps = Dumps::new();
        dumps.insert(
            crate::storage::layout::MAIN_DUMP.to_owned(),
            Bytes::from(bytes),
        );
        let pool = pool.clone();
        let pc = tokio::task::spawn_blocking(move || pool.process(None, &raw, &dumps))
            .await
            .context("a processing task failed")?;
        // Every rule runs, so `success` is always true; a dump that
        // could not be stackwalked is what makes a local analysis fail.
        failed |= pc.get("mdsw_status_string").and_then(Value::as_str) != Some("OK");
        match args.format.unwrap_or(Format::Text) {
            Format::Json => {
                serde_json::to_writer(&mut *out, &pc)?;
                writeln!(out)?;
            }
            Format::Text => {
                if i > 0 {
                    writeln!(out)?;
                }
                report::write(out, file, &pc)?;
            }
        }
        out.flush()?;
    }
    Ok(if failed {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

async fn process_stored(
    args: &Args,
    pool: Arc<Pool>,
    storage: CrashStorage,
    jobs: usize,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let (ids, mut failed) = super::collect_ids(&args.inputs, input);
    let progress = progress_bar(ids.len() as u64);
    let ruleset = args.ruleset.unwrap_or(RulesetArg::Default).into();
    let mut results = futures::stream::iter(ids)
        .map(|id| {
            let pool = pool.clone();
            let storage = storage.clone();
            tokio::spawn(async move {
                let result = process_stored_crash(id.clone(), ruleset, pool, &storage).await;
                (id, result)
            })
        })
        .buffer_unordered(jobs);
    while let Some(joined) = results.next().await {
        let (id, result) = joined.context("a processing task failed")?;
        if let Some(p) = &progress {
            p.inc(1);
        }
        match result {
            Ok(pc) => {
                let summary = &pc.summary;
                failed |= !summary.stackwalked();
                let signature = summary.signature().unwrap_or("");
                info!(crash_id = %id, signature, "processed");
                match args.format.unwrap_or(Format::Text) {
                    // The bytes saved, as they are.
                    Format::Json => {
                        out.write_all(&pc.json)?;
                        writeln!(out)?;
                    }
                    Format::Text => writeln!(
                        out,
                        "{id}\t{}\t{signature}",
                        summary.status().unwrap_or("-")
                    )?,
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("crashkit: {id}: {e:#}");
            }
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    Ok(if failed {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Success
    })
}

/// The search index a worker feeds, when `--index` asked for one.
pub fn open_index(
    config: &Config,
    wanted: bool,
) -> anyhow::Result<Option<Arc<dyn crate::search::SearchIndex>>> {
    if !wanted {
        return Ok(None);
    }
    let settings = &config.settings.index;
    Ok(Some(crate::search::open(
        settings,
        crate::search::Mode::Write,
    )?))
}

async fn process_queue(
    args: &Args,
    config: &Config,
    pool: Arc<Pool>,
    storage: CrashStorage,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let url = config.settings.queue.url.clone().unwrap_or_default();
    let queue: Arc<dyn crate::queue::Queue> = Arc::from(
        crate::queue::open(&url)
            .await
            .map_err(|e| UsageError(format!("queue {url}: {e}")))?,
    );
    let index = open_index(config, args.index.is_some())?;
    check_dependencies(&storage, index.as_ref()).await?;
    let registry = Arc::new(Registry::default());
    let metrics = WorkerMetrics::new(&registry);
    if let Some(addr) = &args.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("metrics address {addr}"))?;
        eprintln!(
            "crashkit process: metrics on http://{}/metrics",
            listener.local_addr()?
        );
        let (queue, metrics) = (queue.clone(), metrics.clone());
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let (queue, metrics, registry) = (queue.clone(), metrics.clone(), registry.clone());
                async move {
                    metrics.refresh(queue.as_ref()).await;
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            crate::metrics::CONTENT_TYPE,
                        )],
                        registry.render(),
                    )
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    let worker = QueueWorker::new(&config.settings, queue, pool, storage, metrics, index);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopper = stop.clone();
    tokio::spawn(async move {
        super::shutdown_signal().await;
        stopper.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    info!(queue = %url, "worker started");
    eprintln!("crashkit process: worker pulling from {url}");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let run = worker.run(stop, move |h| {
        let line = format!(
            "{}\t{}\t{}",
            h.crash_id.as_ref().map_or("-", |c| c.as_str()),
            h.outcome,
            h.signature.unwrap_or_default()
        );
        let _ = tx.send(line);
    });
    // One line per handled message, written as it happens; the stream ends
    // when the worker (which holds the sender) stops.
    let writer = async {
        while let Some(line) = rx.recv().await {
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        Ok::<(), std::io::Error>(())
    };
    let (ran, wrote) = tokio::join!(run, writer);
    ran?;
    wrote?;
    info!("worker stopped");
    Ok(ExitStatus::Success)
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || len < 2 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} crashes  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
