//! `crashkit collect-serve`: the crash collector.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use tracing::{info, warn};

use super::options::ProcessingArgs;
use super::{ExitStatus, UsageError};
use crate::collector::{
    ChannelPublisher, Collector, NoPublisher, Publisher, Publishers, QueuePublisher,
};
use crate::config::{keys, Config};
use crate::metrics::Registry;
use crate::process::supervisor::Pool;
use crate::process::worker::{QueueWorker, WorkerMetrics};
use crate::storage::CrashStorage;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (collector.bind); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,

    /// Where crashes are saved (storage.url): a directory, file:// or s3:// URL.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// Also write each accepted crash id to stdout, one a line, once it is saved.
    #[arg(long)]
    pub print_ids: bool,

    /// Publish accepted crashes to this queue (queue.url): a spool directory or redis://host:port/db.
    #[arg(long, value_name = "URL")]
    pub queue: Option<String>,

    /// Also process the crashes in this process: the single-node pipeline.
    /// Workers pull from the queue (default: a spool directory ./spool).
    #[arg(long)]
    pub process: bool,

    /// With --process: index each crash into this search index (index.url)
    /// after saving it and before acking it.
    #[arg(long, value_name = "URL", requires = "process")]
    pub index: Option<String>,

    #[command(flatten)]
    pub processing: ProcessingArgs,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) -> Result<(), UsageError> {
    if !args.process {
        if let Some(flag) = args.processing.first_given() {
            return Err(UsageError(format!(
                "{flag} shapes processing: it needs --process"
            )));
        }
    }
    args.processing.apply(config);
    config.set_flag_opt(keys::collector::bind, "--bind", args.bind.clone());
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
    config.set_flag_opt(keys::queue::url, "--queue", args.queue.clone().map(Some));
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    if args.process && config.settings.queue.url.is_none() {
        config.set_flag(keys::queue::url, "--process", Some("./spool".into()));
    }
    Ok(())
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let storage = CrashStorage::open(&config.settings.storage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    // Write once before listening: a new directory storage exists from
    // now on (workers check for it), and an unwritable one is said at once.
    // Storage that is down only for now is not a reason not to start.
    if let Err(e) = runtime.block_on(crate::collector::probe_storage(&storage)) {
        warn!("storage is not writable yet ({e}); crashes are answered 503 until it is");
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let mut publishers: Vec<Arc<dyn Publisher>> = Vec::new();
    let mut queue: Option<Arc<dyn crate::queue::Queue>> = None;
    if let Some(url) = &config.settings.queue.url {
        let opened: Arc<dyn crate::queue::Queue> = Arc::from(
            runtime
                .block_on(crate::queue::open(url))
                .context("opening the queue")?,
        );
        publishers.push(Arc::new(QueuePublisher(opened.clone())));
        queue = Some(opened);
    }
    if args.print_ids {
        publishers.push(Arc::new(ChannelPublisher(tx)));
    } else {
        drop(tx);
    }
    let publisher: Arc<dyn Publisher> = match publishers.len() {
        0 => Arc::new(NoPublisher),
        _ => Arc::new(Publishers(publishers)),
    };
    let worker_storage = storage.clone();
    let registry = Arc::new(Registry::default());
    let collector = Arc::new(Collector::new(
        &config,
        storage,
        publisher,
        queue.clone(),
        registry.clone(),
    ));
    let bind = config.settings.collector.bind.clone();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&bind))
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    // Scripts and tests read this line to find the port.
    eprintln!("crashkit collect-serve: listening on http://{addr}");
    info!(%addr, storage = %collector.storage.objects().location(), rules = collector.rules.len(), "collector started");
    // One signal stops both the server and, with --process, the workers.
    let stop = Arc::new(AtomicBool::new(false));
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let stopper = stop.clone();
    runtime.spawn(async move {
        super::shutdown_signal().await;
        stopper.store(true, Ordering::SeqCst);
        let _ = stop_tx.send(true);
    });
    let shutdown = async move {
        let _ = stop_rx.wait_for(|stopped| *stopped).await;
    };
    let server = runtime.spawn(crate::collector::serve(listener, collector, shutdown));
    let workers = match (args.process, queue) {
        (true, Some(queue)) => {
            let pool = Arc::new(Pool::from_settings(&config.settings.process)?);
            let metrics = WorkerMetrics::new(&registry);
            let index = super::process::open_index(&config, args.index.is_some())?;
            let worker = QueueWorker::new(
                &config.settings,
                queue,
                pool,
                worker_storage,
                metrics,
                index,
            );
            info!(jobs = worker.jobs, "processing in this process");
            Some(runtime.spawn(async move {
                worker
                    .run(stop, |h| {
                        let crash_id = h.crash_id.as_ref().map_or("-", |c| c.as_str());
                        info!(
                            crash_id,
                            outcome = h.outcome,
                            signature = h.signature.as_deref().unwrap_or(""),
                            "handled"
                        );
                    })
                    .await
            }))
        }
        _ => None,
    };
    // Accepted ids are written here, on this thread, as they come.
    for id in rx {
        writeln!(out, "{id}")?;
        out.flush()?;
    }
    runtime
        .block_on(server)
        .context("the server task failed")?
        .context("serving")?;
    if let Some(workers) = workers {
        runtime
            .block_on(workers)
            .context("the worker task failed")??;
    }
    Ok(ExitStatus::Success)
}
