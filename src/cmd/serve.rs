//! `crashkit serve`: a self-hosted Crash Stats over a storage, an index and
//! (for reprocessing) a queue.

use std::sync::Arc;

use anyhow::Context;
use tracing::info;

use super::ExitStatus;
use crate::config::{keys, Config};
use crate::search::{self, Mode};
use crate::storage::CrashStorage;
use crate::webapp::Webapp;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on (serve.bind); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,

    /// Where the crashes are (storage.url): a directory, file:// or s3:// URL.
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,

    /// The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…
    #[arg(long, value_name = "URL")]
    pub index: Option<String>,

    /// The queue POST /api/Reprocessing/ publishes to (queue.url): a spool
    /// directory or redis://host:port/db. Without one, reprocessing is refused.
    #[arg(long, value_name = "URL")]
    pub queue: Option<String>,
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::serve::bind, "--bind", args.bind.clone());
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    config.set_flag_opt(keys::queue::url, "--queue", args.queue.clone().map(Some));
}

pub fn run(_args: Args, config: Config) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let app = runtime.block_on(webapp(&config))?;
    let bind = config.settings.serve.bind.clone();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&bind))
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    // Scripts and tests read this line to find the port.
    eprintln!("crashkit serve: listening on http://{addr}");
    info!(
        %addr,
        storage = %app.storage.objects().location(),
        index = %app.index.location(),
        tokens = app.tokens.len(),
        reprocessing = app.queue.is_some(),
        "Crash Stats started"
    );
    runtime
        .block_on(crate::webapp::serve(
            listener,
            app,
            super::shutdown_signal(),
        ))
        .context("serving")?;
    Ok(ExitStatus::Success)
}

/// The Crash Stats of `config`: its storage, index (read only), queue (for
/// reprocessing) and signature lists.
pub async fn webapp(config: &Config) -> anyhow::Result<Arc<Webapp>> {
    let storage = CrashStorage::open(&config.settings.storage)?;
    let index = search::open(&config.settings.index, Mode::Read)?;
    let queue: Option<Arc<dyn crate::queue::Queue>> = match &config.settings.queue.url {
        Some(url) => Some(Arc::from(
            crate::queue::open(url).await.context("opening the queue")?,
        )),
        None => None,
    };
    let siglists = config
        .settings
        .process
        .siglists
        .as_deref()
        .map(std::path::Path::new);
    let signatures = crate::signature::Generator::from_dir(siglists)
        .map_err(|e| super::UsageError(format!("signature lists (process.siglists): {e}")))?;
    Ok(Arc::new(Webapp::new(
        config, storage, index, queue, signatures,
    )))
}
