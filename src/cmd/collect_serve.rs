//! `crashkit collect-serve`: the crash collector.

use std::io::Write;
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
    let storage = CrashStorage::open(&config.settings.storage)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut publishers: Vec<Arc<dyn Publisher>> = Vec::new();
    if let Some(url) = &config.settings.queue.url {
        let queue = runtime
            .block_on(crate::queue::open(url))
            .context("opening the queue")?;
        publishers.push(Arc::new(QueuePublisher(Arc::from(queue))));
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
    let collector = Arc::new(Collector {
        in_flight: tokio::sync::Semaphore::new(
            config.settings.collector.max_in_flight.max(1) as usize
        ),
        storage,
        rules: config.throttle.clone(),
        settings: config.settings.collector.clone(),
        publisher,
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
    let server = runtime.spawn(crate::collector::serve(
        listener,
        collector,
        super::shutdown_signal(),
    ));
    // Accepted ids are written here, on this thread, as they come.
    for id in rx {
        writeln!(out, "{id}")?;
        out.flush()?;
    }
    runtime
        .block_on(server)
        .context("the server task failed")?
        .context("serving")?;
    Ok(ExitStatus::Success)
}
