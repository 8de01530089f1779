//! `crashkit process`: minidumps to processed crashes.
//!
//! Three modes: `crashkit process FILE.dmp…` for an engineer's local
//! analysis (a human report, or `--format json`);
//! `crashkit process --storage URL [IDS…]` for stored crashes: each is read,
//! processed and saved as `v1/processed_crash/<id>`, with one result line
//! per crash on stdout; and `crashkit process --queue URL --storage URL`,
//! the long-running worker (`process::worker`). The helpers that build
//! processors, worker pools and queue workers from the configuration are
//! shared with `collect-serve --process` and `process-worker`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use breakpad_symbols::Symbolizer;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::Value;
use tracing::info;

use super::{ExitStatus, UsageError};
use crate::config::{Config, ProcessSettings};
use crate::process::supervisor::Pool;
use crate::process::symbols::{CacheSettings, SymbolSource};
use crate::process::worker::{process_stored_crash, Ruleset};
use crate::process::{report, Processor};
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

    /// Output: a human report (text) or processed crashes as JSON Lines (json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths).
    #[arg(long = "symbols-path", value_name = "DIR")]
    pub symbols_paths: Vec<String>,

    /// Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls).
    #[arg(long = "symbols-url", value_name = "URL")]
    pub symbols_urls: Vec<String>,

    /// Download cache for symbol servers (process.symbols_cache_dir).
    #[arg(long, value_name = "DIR")]
    pub symbols_cache: Option<String>,

    /// Signature lists directory in Socorro's format (process.siglists); default: built-in lists.
    #[arg(long, value_name = "DIR")]
    pub siglists: Option<String>,

    /// Crashes processed in parallel (process.jobs); default: CPU cores.
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<String>,

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
    #[arg(long, value_enum, default_value_t = Ruleset::Default, requires = "storage")]
    pub ruleset: Ruleset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A human report per crash (local files) or `<id>\t<status>\t<signature>` lines (storage).
    Text,
    /// Processed crashes as JSON Lines.
    Json,
}

fn apply_flags(args: &Args, config: &mut Config) -> Result<(), crate::config::ConfigError> {
    if !args.symbols_paths.is_empty() {
        config.set_flag(
            "process.symbols_paths",
            "--symbols-path",
            &args.symbols_paths.join(","),
        )?;
    }
    if !args.symbols_urls.is_empty() {
        config.set_flag(
            "process.symbols_urls",
            "--symbols-url",
            &args.symbols_urls.join(","),
        )?;
    }
    if let Some(dir) = &args.symbols_cache {
        config.set_flag("process.symbols_cache_dir", "--symbols-cache", dir)?;
    }
    if let Some(dir) = &args.siglists {
        config.set_flag("process.siglists", "--siglists", dir)?;
    }
    if let Some(jobs) = &args.jobs {
        config.set_flag("process.jobs", "--jobs", jobs)?;
    }
    if let Some(url) = &args.storage {
        config.set_flag("storage.url", "--storage", url)?;
    }
    if let Some(url) = &args.queue {
        config.set_flag("queue.url", "--queue", url)?;
    }
    Ok(())
}

fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("crashkit").join("symbols")
}

/// Builds the in-process processor the settings describe.
pub fn processor(p: &ProcessSettings) -> anyhow::Result<Processor> {
    let cache = (!p.symbols_urls.is_empty()).then(|| CacheSettings {
        dir: p
            .symbols_cache_dir
            .as_ref()
            .map_or_else(default_cache_dir, PathBuf::from),
        max_bytes: p.symbols_cache_max_mb.saturating_mul(1 << 20),
        negative_ttl: Duration::from_secs(p.symbols_negative_ttl_secs),
    });
    let source = SymbolSource::new(
        p.symbols_paths.iter().map(PathBuf::from).collect(),
        p.symbols_urls.clone(),
        cache,
    );
    let generator = super::signature::generator(p.siglists.as_deref().map(Path::new))?;
    Ok(Processor::new(
        Arc::new(Symbolizer::new(source)),
        generator,
        p,
    ))
}

pub fn run(
    args: Args,
    mut config: Config,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    apply_flags(&args, &mut config)?;
    let jobs = jobs(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let pool = worker_pool(&config)?;
    if args.queue.is_some() {
        let storage = CrashStorage::open(&config.settings.storage)?;
        runtime.block_on(process_queue(&args, &config, pool, storage, jobs, out))
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
        let mut dumps = Dumps::new();
        dumps.insert(
            crate::storage::layout::MAIN_DUMP.to_owned(),
            Bytes::from(bytes),
        );
        let (pool, raw) = (pool.clone(), raw.clone());
        let pc = tokio::task::spawn_blocking(move || pool.process(None, &raw, &dumps))
            .await
            .context("a processing task failed")?;
        failed |= pc.get("success") != Some(&Value::Bool(true));
        match args.format {
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
    let ruleset = args.ruleset;
    let mut results = futures::stream::iter(ids)
        .map(|id| {
            let pool = pool.clone();
            let storage = storage.clone();
            tokio::spawn(async move {
                let result = process_stored_crash(id.clone(), ruleset, pool, &storage).await;
                (id, result)
            })
        })
        .buffered(jobs);
    while let Some(joined) = results.next().await {
        let (id, result) = joined.context("a processing task failed")?;
        if let Some(p) = &progress {
            p.inc(1);
        }
        match result {
            Ok(pc) => {
                let ok = pc.get("success") == Some(&Value::Bool(true));
                failed |= !ok;
                info!(crash_id = %id, signature = pc.get("signature").and_then(serde_json::Value::as_str).unwrap_or(""), "processed");
                match args.format {
                    Format::Json => {
                        serde_json::to_writer(&mut *out, &pc)?;
                        writeln!(out)?;
                    }
                    Format::Text => writeln!(
                        out,
                        "{id}\t{}\t{}",
                        pc.get("mdsw_status_string")
                            .and_then(Value::as_str)
                            .unwrap_or("-"),
                        pc.get("signature").and_then(Value::as_str).unwrap_or("")
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

/// The pool of processing workers the configuration describes.
pub fn worker_pool(config: &Config) -> anyhow::Result<Arc<Pool>> {
    let settings = &config.settings.process;
    let exe =
        std::env::current_exe().context("finding crashkit's own executable for its workers")?;
    Ok(Arc::new(Pool::new(exe, settings, processor(settings)?)?))
}

/// A queue worker with the queue settings of `config`, indexing into
/// `index_url` when given.
pub fn queue_worker(
    config: &Config,
    queue: Arc<dyn crate::queue::Queue>,
    pool: Arc<Pool>,
    storage: CrashStorage,
    jobs: usize,
    metrics: Arc<crate::process::worker::WorkerMetrics>,
    index_url: Option<&str>,
) -> anyhow::Result<crate::process::worker::QueueWorker> {
    let q = &config.settings.queue;
    let index = index_url
        .map(|url| crate::search::open_url(&config.settings.index, url, crate::search::Mode::Write))
        .transpose()?;
    Ok(crate::process::worker::QueueWorker {
        queue,
        pool,
        storage,
        jobs,
        lease: Duration::from_secs(q.lease_secs.max(1)),
        max_deliveries: q.max_deliveries,
        poll: Duration::from_millis(q.poll_interval_ms.max(10)),
        metrics,
        index,
    })
}

/// `process.jobs`, or the number of cores.
pub fn jobs(config: &Config) -> usize {
    config
        .settings
        .process
        .jobs
        .map(|j| j.max(1) as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

async fn process_queue(
    args: &Args,
    config: &Config,
    pool: Arc<Pool>,
    storage: CrashStorage,
    jobs: usize,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let url = config.settings.queue.url.clone().unwrap_or_default();
    let queue: Arc<dyn crate::queue::Queue> = Arc::from(
        crate::queue::open(&url)
            .await
            .context("opening the queue")?,
    );
    let metrics = Arc::new(crate::process::worker::WorkerMetrics::default());
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
                let (queue, metrics) = (queue.clone(), metrics.clone());
                async move { metrics.render(queue.as_ref()).await }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    let worker = queue_worker(
        config,
        queue,
        pool,
        storage,
        jobs,
        metrics,
        args.index.as_deref(),
    )?;
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
