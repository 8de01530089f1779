//! `crashkit collect-serve`: the crash collector.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use tracing::info;

use super::ExitStatus;
use crate::collector::metrics::Metrics;
use crate::collector::{
    ChannelPublisher, Collector, NoPublisher, Publisher, Publishers, QueuePublisher,
};
use crate::config::Config;
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

    /// With --process: crashes processed at once (process.jobs; default: cores).
    #[arg(long, short = 'j', value_name = "N", requires = "process")]
    pub jobs: Option<String>,
}

pub fn run(args: Args, mut config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if let Some(bind) = &args.bind {
        config.set_flag("collector.bind", "--bind", bind)?;
    }
    if let Some(url) = &args.storage {
        config.set_flag("storage.url", "--storage", url)?;
    }
    if let Some(url) = &args.queue {
        config.set_flag("queue.url", "--queue", url)?;
    }
    if args.process && config.settings.queue.url.is_none() {
        config.set_flag("queue.url", "--process", "./spool")?;
    }
    if let Some(jobs) = &args.jobs {
        config.set_flag("process.jobs", "--jobs", jobs)?;
    }
    let storage = CrashStorage::open(&config.settings.storage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
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
    let collector = Arc::new(Collector {
        in_flight: tokio::sync::Semaphore::new(
            config.settings.collector.max_in_flight.max(1) as usize
        ),
        storage,
        rules: config.throttle.clone(),
        settings: config.settings.collector.clone(),
        publisher,
        queue: queue.clone(),
        metrics: Metrics::default(),
    });
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
            let pool = super::process::worker_pool(&config)?;
            let metrics = Arc::new(crate::process::worker::WorkerMetrics::default());
            let jobs = super::process::jobs(&config);
            let worker = super::process::queue_worker(
                &config,
                queue,
                pool,
                worker_storage,
                jobs,
                metrics,
                args.index.as_deref(),
            )?;
            info!(jobs, "processing in this process");
            Some(runtime.spawn(async move {
                worker
                    .run(stop, |h| {
                        info!(crash_id = ?h.crash_id.as_ref().map(|c| c.to_string()), outcome = h.outcome, signature = h.signature.as_deref().unwrap_or(""), "handled");
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
