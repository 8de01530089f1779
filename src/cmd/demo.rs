//! `crashkit demo`: the whole pipeline on this machine, in seconds.
//!
//! Starts the collector on a free loopback port with a spool queue and
//! processing workers in this process, posts crashes made from the testdata
//! dumps over real HTTP (several products, versions, channels and
//! signatures, so top crashers has a ranking), waits until every one is
//! processed with the bundled symbols and indexed, then prints the
//! top-crashers table and one symbolicated stack, and leaves everything in
//! `--dir` with the commands to run next. Exit 1 if any stage failed.
//!
//! With `--serve` it then serves the demo's data as `crashkit serve` would
//! (on `--bind`, a free loopback port by default) until interrupted, so the
//! report, signature, top-crashers and emerging pages are a click away.
//! The collector's and workers' INFO lines stay quiet unless `-v` (or
//! `log.level`) asks for them.
//!
//! With `--collector URL --storage URL --index URL` it is a smoke test of a
//! running installation instead: one crash posted, and checked to come out
//! processed in storage and found in the index.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::Utc;

use super::query::{print_topcrashers, Format};
use super::{ExitStatus, UsageError};
use crate::collector::{Collector, QueuePublisher};
use crate::config::{keys, Config};
use crate::crash_id::CrashId;
use crate::metrics::Registry;
use crate::process::supervisor::Pool;
use crate::process::worker::{QueueWorker, WorkerMetrics};
use crate::queue::QueueName;
use crate::search::{self, topcrashers, Mode, Search};
use crate::storage::CrashStorage;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the demo keeps its storage, queue and index (made if missing;
    /// a second run adds its crashes to what is there).
    #[arg(long, value_name = "DIR", default_value = "crashkit-demo")]
    pub dir: PathBuf,

    /// The testdata directory (minidumps/ and symbols/) [default: ./testdata,
    /// else the one of the source tree this binary was built in].
    #[arg(long, value_name = "DIR")]
    pub testdata: Option<PathBuf>,

    /// Smoke test: post one crash to this running collector (with --storage
    /// and --index) and check it comes out processed and indexed.
    #[arg(long, value_name = "URL", requires_all = ["storage", "index"])]
    pub collector: Option<String>,

    /// With --collector: the installation's storage.
    #[arg(long, value_name = "URL", requires = "collector")]
    pub storage: Option<String>,

    /// With --collector: the installation's search index.
    #[arg(long, value_name = "URL", requires = "collector")]
    pub index: Option<String>,

    /// Then serve the demo's data as `crashkit serve` (pages and API) until
    /// interrupted (Ctrl-C).
    #[arg(long, conflicts_with = "collector")]
    pub serve: bool,

    /// With --serve: the address to listen on [default: a free loopback port].
    #[arg(long, value_name = "ADDR", requires = "serve")]
    pub bind: Option<String>,
}

/// Which dump, how many times, under which product: a ranking with a clear top.
const MIX: [(&str, usize); 6] = [
    ("null-write.dmp", 14),
    ("abort.dmp", 10),
    ("panic.dmp", 8),
    ("divide-by-zero.dmp", 5),
    ("illegal-instruction.dmp", 3),
    ("thread-null-write.dmp", 2),
];
const PRODUCTS: [(&str, &str, &str); 4] = [
    ("Firefox", "140.0", "release"),
    ("Firefox", "141.0b3", "beta"),
    ("Firefox", "142.0a1", "nightly"),
    ("Thunderbird", "140.0", "release"),
];

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::storage::url, "--storage", args.storage.clone());
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
    config.set_flag(
        keys::serve::bind,
        "demo",
        args.bind.clone().unwrap_or_else(|| "127.0.0.1:0".into()),
    );
    // The demo tells its story on stdout; the components' INFO lines
    // (one per crash) are for -v.
    if config.source("log.level") == crate::config::Source::Default {
        config.set_flag(keys::log::level, "demo", "warn".to_owned());
    }
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let testdata = testdata(args.testdata.as_deref())?;
    match &args.collector {
        Some(collector) => runtime.block_on(smoke(collector, &config, &testdata, out)),
        None => runtime.block_on(demo(&args.dir, config, &testdata, args.serve, out)),
    }
}

/// The testdata directory: given, in the working directory, or in the
/// source tree the binary was built from.
fn testdata(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let candidates: Vec<PathBuf> = match given {
        Some(dir) => vec![dir.to_owned()],
        None => vec![
            PathBuf::from("testdata"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        ],
    };
    candidates
        .into_iter()
        .find(|d| d.join("minidumps").is_dir() && d.join("symbols").is_dir())
        .ok_or_else(|| {
            UsageError(
                "no testdata directory (with minidumps/ and symbols/): run from the crashkit \
                 source tree or give --testdata DIR"
                    .into(),
            )
            .into()
        })
}

/// A multipart/form-data body of annotations and one minidump.
fn submission(annotations: &[(&str, &str)], dump: &[u8]) -> (String, Vec<u8>) {
    let boundary = format!("crashkitdemo{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::with_capacity(dump.len() + 1024);
    for (name, value) in annotations {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upload_file_minidump\"; \
             filename=\"crash.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(dump);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Posts a crash; its id from the `CrashID=bp-…` answer.
async fn post(
    client: &reqwest::Client,
    url: &str,
    annotations: &[(&str, &str)],
    dump: &[u8],
) -> anyhow::Result<CrashId> {
    let (content_type, body) = submission(annotations, dump);
    let response = client
        .post(format!("{}/submit", url.trim_end_matches('/')))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .with_context(|| format!("posting a crash to {url}"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let id = text
        .trim()
        .strip_prefix("CrashID=bp-")
        .and_then(|id| CrashId::parse(id).ok());
    match id {
        Some(id) if status.is_success() => Ok(id),
        _ => bail!("the collector answered {status}: {}", text.trim()),
    }
}

async fn wait_for<F, Fut>(what: &str, limit: Duration, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        if started.elapsed() > limit {
            bail!("{what}: not done after {} s", limit.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn demo(
    dir: &Path,
    mut config: Config,
    testdata: &Path,
    serve: bool,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = |name: &str| dir.join(name).display().to_string();
    let symbols = testdata.join("symbols").display().to_string();
    config.set_flag(keys::storage::url, "demo", path("crashdata"));
    config.set_flag(keys::queue::url, "demo", Some(path("spool")));
    config.set_flag(keys::index::url, "demo", path("index"));
    config.set_flag(keys::process::symbols_paths, "demo", vec![symbols.clone()]);
    config.set_flag(keys::process::symbols_urls, "demo", Vec::new());
    config.set_flag(keys::queue::poll_interval_ms, "demo", 50);

    let storage = CrashStorage::open(&config.settings.storage)?;
    let queue: Arc<dyn crate::queue::Queue> = Arc::from(crate::queue::open(&path("spool")).await?);
    let registry = Arc::new(Registry::default());
    let collector = Arc::new(Collector::new(
        &config,
        storage.clone(),
        Arc::new(QueuePublisher(queue.clone())),
        Some(queue.clone()),
        registry.clone(),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("listening on loopback")?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::collector::serve(listener, collector, async {
        let _ = stopped.await;
    }));
    let pool = Arc::new(Pool::from_settings(&config.settings.process)?);
    let index = search::open(&config.settings.index, Mode::Write)?;
    let worker = QueueWorker::new(
        &config.settings,
        queue.clone(),
        pool,
        storage.clone(),
        WorkerMetrics::new(&registry),
        Some(index),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    let working = tokio::spawn(async move { worker.run(stopper, |_| {}).await });
    writeln!(
        out,
        "crashkit demo: collector on {url}, data in {}",
        dir.display()
    )?;

    // Post the crashes over HTTP, as crash reporters do.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .context("the HTTP client")?;
    let mut posted = Vec::new();
    let mut n = 0;
    for (file, count) in MIX {
        let dump = std::fs::read(testdata.join("minidumps").join(file))
            .with_context(|| format!("reading testdata/minidumps/{file}"))?;
        for _ in 0..count {
            let (product, version, channel) = PRODUCTS[n % PRODUCTS.len()];
            n += 1;
            // Times as Firefox reports them (seconds since the epoch):
            // the crash now, the process started minutes before, the
            // install days before, so uptime and install age mean something.
            let now = chrono::Utc::now().timestamp();
            let crash_time = now.to_string();
            let startup_time = (now - 120 - (n as i64 * 97) % 3600).to_string();
            let install_time = (now - 86_400 * (1 + n as i64 % 60)).to_string();
            let mut annotations = vec![
                ("ProductName", product),
                ("Version", version),
                ("ReleaseChannel", channel),
                ("BuildID", "20261130120000"),
                ("ProcessType", if n % 5 == 0 { "content" } else { "parent" }),
                ("CrashTime", crash_time.as_str()),
                ("StartupTime", startup_time.as_str()),
                ("InstallTime", install_time.as_str()),
            ];
            // Some reporters send what only view_pii may read, as Firefox
            // does when the user agrees: `serve` shows it to tokens only.
            if n % 3 == 0 {
                annotations.push(("URL", "https://private.example/account?session=demo"));
                annotations.push(("Comments", "It crashed while I was typing my password."));
            }
            posted.push(post(&client, &url, &annotations, &dump).await?);
        }
    }
    writeln!(out, "posted {} crashes over HTTP", posted.len())?;

    let processed = wait_for("processing", Duration::from_secs(180), || {
        let (storage, queue, posted) = (&storage, &queue, &posted);
        async move {
            for q in QueueName::ALL {
                if queue.backlog(q).await.unwrap_or(1) > 0 {
                    return false;
                }
            }
            for id in posted {
                if !storage.has_processed_crash(id).await.unwrap_or(false) {
                    return false;
                }
            }
            true
        }
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    working.await.context("the worker task")??;
    let _ = stop_server.send(());
    server.await.context("the collector task")??;
    processed?;
    writeln!(out, "processed and indexed {} crashes", posted.len())?;
    writeln!(out)?;

    // What an engineer looks at first: the top crashers, then one stack.
    let index = search::open(&config.settings.index, Mode::Read)?;
    let request = topcrashers::Request {
        product: "Firefox".into(),
        version: None,
        days: 7,
        limit: 10,
        filters: Vec::new(),
        now: Utc::now(),
    };
    let report = topcrashers::report(&*index, &request).await?;
    print_topcrashers(&report, Format::Table, out)?;
    if report.total == 0 {
        bail!("the index found none of the crashes posted");
    }
    let first = &posted[0];
    let pc = storage.get_processed_crash(first).await?;
    writeln!(out)?;
    crate::process::report::write(out, first.as_str(), &pc)?;
    writeln!(out)?;
    let index_dir = path("index");
    let storage_dir = path("crashdata");
    writeln!(out, "Next:")?;
    writeln!(
        out,
        "  crashkit query --index {index_dir} --facet signature --facet product"
    )?;
    writeln!(
        out,
        "  crashkit query --index {index_dir} --topcrashers --product Thunderbird"
    )?;
    writeln!(
        out,
        "  crashkit query --index {index_dir} 'signature=~abort' --format ids | crashkit reprocess --queue {} --ruleset regenerate_signature",
        path("spool")
    )?;
    writeln!(
        out,
        "  crashkit process --storage {storage_dir} --format json {first} | less"
    )?;
    writeln!(
        out,
        "  crashkit collect-serve --storage {storage_dir} --queue {} --process --index {index_dir} --symbols-path {symbols}",
        path("spool")
    )?;
    if !serve {
        writeln!(
            out,
            "  crashkit demo --dir {} --serve    # the same crashes in Crash Stats' pages, in a browser",
            dir.display()
        )?;
        return Ok(ExitStatus::Success);
    }
    let app = super::serve::webapp(&config).await?;
    let bind = config.settings.serve.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let site = format!("http://{}", listener.local_addr()?);
    writeln!(out)?;
    writeln!(out, "Crash Stats on {site}/ (Ctrl-C to stop):")?;
    writeln!(out, "  {site}/topcrashers/?product=Firefox&days=7")?;
    writeln!(out, "  {site}/report/index/{first}")?;
    writeln!(
        out,
        "  {site}/signature/?signature={}",
        form_urlencoded::byte_serialize(
            pc.get("signature")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .as_bytes()
        )
        .collect::<String>()
    )?;
    writeln!(out, "  {site}/search/?product=Firefox")?;
    out.flush()?;
    crate::webapp::serve(listener, app, super::shutdown_signal())
        .await
        .context("serving")?;
    Ok(ExitStatus::Success)
}

/// The round trip against a running installation.
async fn smoke(
    collector: &str,
    config: &Config,
    testdata: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let storage = CrashStorage::open(&config.settings.storage)?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .context("the HTTP client")?;
    let dump = std::fs::read(testdata.join("minidumps/null-write.dmp"))
        .context("reading testdata/minidumps/null-write.dmp")?;
    let annotations = [
        ("ProductName", "CrashkitSmokeTest"),
        ("Version", env!("CARGO_PKG_VERSION")),
        ("ReleaseChannel", "smoke"),
    ];
    let id = post(&client, collector, &annotations, &dump).await?;
    writeln!(out, "posted {id}")?;
    wait_for(
        "the crash to be processed",
        Duration::from_secs(120),
        || {
            let (storage, id) = (&storage, &id);
            async move { storage.has_processed_crash(id).await.unwrap_or(false) }
        },
    )
    .await?;
    let pc = storage.get_processed_crash(&id).await?;
    let signature = pc
        .get("signature")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    writeln!(out, "processed: {signature}")?;
    let params = vec![("uuid".to_owned(), id.to_string())];
    let search = Search::parse(&params, Utc::now()).map_err(|e| UsageError(e.to_string()))?;
    // Opened only now: a new installation's index exists once its first
    // crash is indexed.
    let settings = &config.settings.index;
    wait_for("the crash to be indexed", Duration::from_secs(120), || {
        let search = &search;
        async move {
            let Ok(index) = search::open(settings, Mode::Read) else {
                return false;
            };
            index
                .search(search, None)
                .await
                .is_ok_and(|page| page.total > 0)
        }
    })
    .await?;
    writeln!(out, "indexed: found by uuid={id}")?;
    Ok(ExitStatus::Success)
}
