//! Faults: a worker that cannot work refuses to start, and the pipeline
//! waits out real outages of its servers without failing, losing or
//! dead-lettering a crash.

use crate::{crashkit, have, run, stderr};

/// A worker never starts on storage that cannot be the collector's: not
/// given, missing, foreign, or with its queue unreachable. Exit 2, the
/// reason on stderr, and not one message taken.
#[test]
fn a_worker_refuses_to_start_without_its_dependencies() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let foreign = tmp.path().join("photos");
    std::fs::create_dir_all(foreign.join("2026")).unwrap();
    std::fs::write(foreign.join("cat.jpg"), b"jpeg").unwrap();
    let spool_arg = spool.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--queue".into(), spool_arg.into()],
            "process --queue needs the storage",
        ),
        (
            vec![
                "--queue".into(),
                spool_arg.into(),
                "--storage".into(),
                tmp.path().join("nowhere").display().to_string(),
            ],
            "does not exist",
        ),
        (
            vec![
                "--queue".into(),
                spool_arg.into(),
                "--storage".into(),
                foreign.display().to_string(),
            ],
            "holds no crash data in Socorro's v1 layout",
        ),
        (
            vec![
                "--queue".into(),
                "redis://127.0.0.1:1/0".into(),
                "--storage".into(),
                tmp.path().display().to_string(),
            ],
            "queue redis://127.0.0.1:1/0",
        ),
    ];
    for (args, message) in cases {
        let out = run(crashkit(tmp.path()).arg("process").args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crashkit::config::StorageSettings;
use crashkit::crash_id::CrashId;
use crashkit::queue::{self, QueueName};
use crashkit::storage::CrashStorage;

use crate::collector::{form, multipart, Part, Server};
use crate::repo;

const CRASHES: usize = 500;
pub(crate) const BUCKET: &str = "crashkit.fault.test";
pub(crate) const ACCESS_KEY: &str = "crashkit-test";
pub(crate) const SECRET_KEY: &str = "crashkit-test-secret";

/// The testdata dumps the crashes carry, with the signature each gets.
pub(crate) const KINDS: [(&str, &str); 4] = [
    ("null-write.dmp", "crashhelper::crash_null_write"),
    ("abort.dmp", "crashhelper::crash_abort"),
    ("panic.dmp", "crashhelper::crash_panic"),
    ("divide-by-zero.dmp", "crashhelper::crash_divide_by_zero"),
];

pub(crate) fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    held.iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

pub(crate) fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(crate) fn kill_group(child: &mut Child, signal: i32) {
    unsafe { libc::kill(-(child.id() as i32), signal) };
    let _ = child.wait();
}

/// A SeaweedFS of this test's own, on free ports, that can be stopped and
/// started again on the same data directory.
pub(crate) struct Weed {
    dir: tempfile::TempDir,
    ports: Vec<u16>,
    child: Option<Child>,
}

impl Weed {
    pub(crate) fn start() -> Weed {
        let mut weed = Weed {
            dir: tempfile::tempdir().unwrap(),
            ports: free_ports(15),
            child: None,
        };
        weed.spawn();
        let status = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT"])
            .args(["--aws-sigv4", "aws:amz:us-east-1:s3", "--user"])
            .arg(format!("{ACCESS_KEY}:{SECRET_KEY}"))
            .arg(format!("{}/{BUCKET}", weed.endpoint()))
            .output()
            .expect("curl creates the bucket");
        assert_eq!(String::from_utf8_lossy(&status.stdout), "200");
        weed
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.ports[6])
    }

    fn spawn(&mut self) {
        let p = &self.ports;
        let flags = [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
            "admin.port",
            "admin.port.grpc",
            "debug.port",
            "s3.debug.port",
            "webdav.port",
            "s3.port.iceberg",
            "s3.port.lance",
        ];
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("weed.log"))
            .unwrap();
        let child = Command::new("weed")
            .arg("mini")
            .arg(format!("-dir={}", self.dir.path().display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .args(flags.iter().zip(p).map(|(f, port)| format!("-{f}={port}")))
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("weed starts");
        self.child = Some(child);
        let endpoint = self.endpoint();
        wait_for("SeaweedFS to answer", Duration::from_secs(60), || {
            http_status(&endpoint, "GET / HTTP/1.1").is_some()
        });
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child, libc::SIGKILL);
        }
    }
}

impl Drop for Weed {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A redis-server of this test's own, with append-only persistence as
/// production runs it, that can be stopped and started on the same data.
pub(crate) struct Redis {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl Redis {
    pub(crate) fn start() -> Redis {
        let mut redis = Redis {
            dir: tempfile::tempdir().unwrap(),
            port: free_ports(1)[0],
            child: None,
        };
        redis.spawn();
        redis
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let port = self.port;
        wait_for("redis-server to answer", Duration::from_secs(30), || {
            TcpStream::connect(("127.0.0.1", port))
                .and_then(|mut s| {
                    s.write_all(b"PING\r\n")?;
                    let mut buf = [0u8; 7];
                    s.read_exact(&mut buf)?;
                    Ok(&buf == b"+PONG\r\n")
                })
                .unwrap_or(false)
        });
    }

    /// A clean stop (SIGTERM): the append-only file is complete.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child, libc::SIGTERM);
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child, libc::SIGKILL);
        }
    }
}

/// The status of one request, `None` when nothing answered.
pub(crate) fn http_status(base: &str, request_line: &str) -> Option<u16> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "{request_line}\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = String::new();
    BufReader::new(s).read_line(&mut head).ok()?;
    head.split_whitespace().nth(1)?.parse().ok()
}

/// Posts one crash; `Ok(Some(id))` for a CrashID, `Ok(None)` for an
/// answer that asks to come back later (503), `Err` when nothing answered.
pub(crate) fn try_post(addr: &str, body: &[u8]) -> std::io::Result<(u16, Option<String>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        s,
        "POST /submit HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        form(),
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status line"))?;
    let id = text
        .split("CrashID=bp-")
        .nth(1)
        .map(|rest| rest.trim().to_owned());
    Ok((status, id))
}

/// What the posting clients saw: every id answered, and every answer.
#[derive(Default)]
pub(crate) struct Posted {
    /// Crash id → the index of its dump kind.
    pub(crate) ids: Mutex<HashMap<String, usize>>,
    pub(crate) answered: AtomicUsize,
    /// Status codes other than 200 seen on the way (503s during outages).
    pub(crate) refusals: Mutex<HashMap<u16, usize>>,
    pub(crate) duplicates: AtomicUsize,
}

impl Posted {
    /// Records one attempt at posting a crash of `kind`; whether it was
    /// answered with a CrashID.
    pub(crate) fn record(
        &self,
        attempt: std::io::Result<(u16, Option<String>)>,
        kind: usize,
    ) -> bool {
        match attempt {
            Ok((200, Some(id))) => {
                if self.ids.lock().unwrap().insert(id, kind).is_some() {
                    self.duplicates.fetch_add(1, Ordering::SeqCst);
                }
                self.answered.fetch_add(1, Ordering::SeqCst);
                true
            }
            Ok((status, _)) => {
                assert_ne!(status, 200, "a 200 without a CrashID");
                *self.refusals.lock().unwrap().entry(status).or_default() += 1;
                false
            }
            Err(_) => {
                *self.refusals.lock().unwrap().entry(0).or_default() += 1;
                false
            }
        }
    }
}

/// The collectors' addresses, as clients know them (a restarted collector
/// comes back on another port).
pub(crate) type Addrs = Arc<Mutex<Vec<String>>>;

/// The products the posted crashes name, round robin.
pub(crate) const PRODUCTS: [&str; 3] = ["Alpha", "Beta", "Gamma"];

/// Posts `count` crashes from `clients` clients that behave like crash
/// reporters, round robin over the collectors: a crash not answered with a
/// CrashID (503, no answer) is sent again after `pause`, to the next
/// collector, until one answers.
pub(crate) fn post_crashes(
    addrs: Addrs,
    clients: usize,
    pause: Duration,
    count: usize,
    posted: Arc<Posted>,
) -> std::thread::JoinHandle<()> {
    let dumps: Arc<Vec<Vec<u8>>> = Arc::new(
        KINDS
            .iter()
            .map(|(file, _)| std::fs::read(repo().join("testdata/minidumps").join(file)).unwrap())
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        let clients: Vec<_> = (0..clients)
            .map(|_| {
                let (addrs, posted, dumps, next) =
                    (addrs.clone(), posted.clone(), dumps.clone(), next.clone());
                std::thread::spawn(move || loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= count {
                        return;
                    }
                    let kind = n % KINDS.len();
                    let body = multipart(&[
                        Part::Text("ProductName", PRODUCTS[n % PRODUCTS.len()]),
                        Part::Text("Version", ["1.0", "2.0"][n % 2]),
                        Part::File("upload_file_minidump", &dumps[kind]),
                    ]);
                    let started = Instant::now();
                    for attempt in n.. {
                        assert!(
                            started.elapsed() < Duration::from_secs(240),
                            "crash {n} was never answered"
                        );
                        let addr = {
                            let a = addrs.lock().unwrap();
                            a[attempt % a.len()].clone()
                        };
                        if posted.record(try_post(&addr, &body), kind) {
                            break;
                        }
                        std::thread::sleep(pause);
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
    })
}

/// A `process --queue` worker; its log goes to a file of the test's.
pub(crate) struct Worker(pub(crate) Child);

impl Worker {
    pub(crate) fn start(
        dir: &Path,
        env: &[(String, String)],
        queue: &str,
        storage: &str,
        n: usize,
    ) -> Worker {
        let log = std::fs::File::create(dir.join(format!("worker{n}.log"))).unwrap();
        let child = crashkit(dir)
            .args([
                "process",
                "--queue",
                queue,
                "--storage",
                storage,
                "--jobs",
                "2",
            ])
            .arg("--symbols-path")
            .arg(repo().join("testdata/symbols"))
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        Worker(child)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The environment of every crashkit process of a fault test: S3 on the
/// test's SeaweedFS, short deadlines so outages show in seconds.
pub(crate) fn pipeline_env(weed: Option<&Weed>, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = vec![
        ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
        ("CRASHKIT_STORAGE_S3_REGION".into(), "us-east-1".into()),
        ("CRASHKIT_STORAGE_RETRIES".into(), "2".into()),
        ("CRASHKIT_STORAGE_RETRY_TIMEOUT_SECS".into(), "3".into()),
        ("CRASHKIT_COLLECTOR_SAVE_TIMEOUT_SECS".into(), "5".into()),
        ("CRASHKIT_QUEUE_POLL_INTERVAL_MS".into(), "50".into()),
        ("CRASHKIT_QUEUE_LEASE_SECS".into(), "60".into()),
        ("CRASHKIT_PROCESS_TIMEOUT_SECS".into(), "30".into()),
    ];
    if let Some(weed) = weed {
        env.push(("CRASHKIT_STORAGE_S3_ENDPOINT".into(), weed.endpoint()));
    }
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

pub(crate) fn storage_of(url: &str, weed: Option<&Weed>) -> CrashStorage {
    CrashStorage::open(&StorageSettings {
        url: url.to_owned(),
        s3_endpoint: weed.map(Weed::endpoint),
        s3_region: Some("us-east-1".into()),
        s3_access_key_id: Some(ACCESS_KEY.into()),
        s3_secret_access_key: Some(SECRET_KEY.into()),
        ..StorageSettings::default()
    })
    .unwrap()
}

/// Crashes answered with a CrashID but not yet processed.
fn unprocessed(storage: &CrashStorage, posted: &Posted) -> Vec<String> {
    let ids: Vec<String> = posted.ids.lock().unwrap().keys().cloned().collect();
    runtime().block_on(async {
        let mut out = Vec::new();
        for id in ids {
            let parsed: CrashId = id.parse().unwrap();
            if !storage.has_processed_crash(&parsed).await.unwrap_or(false) {
                out.push(id);
            }
        }
        out
    })
}

/// The end state every fault test requires: every crash answered with a
/// CrashID is stored and processed as it would have been without the
/// fault (`success: true`, its real signature), once; nothing
/// dead-lettered; the queue empty.
fn assert_healed(storage: &CrashStorage, queue_url: &str, posted: &Posted) {
    assert_eq!(posted.answered.load(Ordering::SeqCst), CRASHES);
    assert_eq!(
        posted.duplicates.load(Ordering::SeqCst),
        0,
        "a crash id answered twice"
    );
    wait_for(
        "every crash to be processed",
        Duration::from_secs(240),
        || unprocessed(storage, posted).is_empty(),
    );
    let ids = posted.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), CRASHES);
    runtime().block_on(async {
        for (id, kind) in &ids {
            let parsed: CrashId = id.parse().unwrap();
            let raw = storage.get_raw_crash(&parsed).await.unwrap();
            assert!(raw.contains_key("ProductName"), "{id}: stored whole");
            let pc = storage.get_processed_crash(&parsed).await.unwrap();
            assert_eq!(pc["success"], true, "{id}: {:?}", pc.get("processor_notes"));
            assert_eq!(pc["signature"], KINDS[*kind].1, "{id}");
        }
        let q = queue::open(queue_url).await.unwrap();
        let start = Instant::now();
        loop {
            let mut backlog = 0;
            for name in QueueName::ALL {
                backlog += q.backlog(name).await.unwrap();
            }
            if backlog == 0 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{backlog} messages left"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(q.dead_letters().await.unwrap(), Vec::<String>::new());
    });
}

/// A collector and two workers on `storage_url` and `queue_url`.
fn collector_and_workers(
    dir: &Path,
    env: &[(String, String)],
    storage_url: &str,
    queue_url: &str,
) -> (Server, Vec<Worker>) {
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let collector = Server::start_with(dir, storage_url, &env_refs, &["--queue", queue_url]);
    let workers = (0..2)
        .map(|n| Worker::start(dir, env, queue_url, storage_url, n))
        .collect();
    (collector, workers)
}

/// SeaweedFS + Redis, one collector, two workers.
struct Pipeline {
    _heavy: std::sync::MutexGuard<'static, ()>,
    tmp: tempfile::TempDir,
    weed: Weed,
    redis: Redis,
    storage_url: String,
    env: Vec<(String, String)>,
    collector: Server,
    workers: Vec<Worker>,
}

impl Pipeline {
    fn start(extra_env: &[(&str, &str)]) -> Option<Pipeline> {
        if !have("weed") || !have("redis-server") || !have("curl") {
            return None;
        }
        let heavy = crate::heavy();
        let tmp = tempfile::tempdir().unwrap();
        let weed = Weed::start();
        let redis = Redis::start();
        let storage_url = format!("s3://{BUCKET}/faults");
        let env = pipeline_env(Some(&weed), extra_env);
        let (collector, workers) =
            collector_and_workers(tmp.path(), &env, &storage_url, &redis.url());
        Some(Pipeline {
            _heavy: heavy,
            tmp,
            weed,
            redis,
            storage_url,
            env,
            collector,
            workers,
        })
    }

    fn storage(&self) -> CrashStorage {
        storage_of(&self.storage_url, Some(&self.weed))
    }
}

/// The workers' logs, whole.
fn logs(dir: &Path) -> String {
    (0..2)
        .map(|n| {
            let path: PathBuf = dir.join(format!("worker{n}.log"));
            std::fs::read_to_string(path).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Starts posting the crashes and returns once `share` of them are answered.
fn post_until(addr: &str, share: usize, what: &str) -> (Arc<Posted>, std::thread::JoinHandle<()>) {
    let posted = Arc::new(Posted::default());
    let addrs = Arc::new(Mutex::new(vec![addr.to_owned()]));
    let poster = post_crashes(
        addrs,
        4,
        Duration::from_millis(300),
        CRASHES,
        posted.clone(),
    );
    wait_for(what, Duration::from_secs(180), || {
        posted.answered.load(Ordering::SeqCst) >= CRASHES / share
    });
    (posted, poster)
}

#[test]
fn seaweedfs_stopped_for_20_s_mid_run_loses_and_fails_nothing() {
    let Some(mut p) = Pipeline::start(&[]) else {
        return;
    };
    let (posted, poster) = post_until(&p.collector.addr, 3, "a third of the crashes");
    p.weed.stop();
    std::thread::sleep(Duration::from_secs(20));
    p.weed.spawn();
    poster.join().unwrap();
    let refused = posted
        .refusals
        .lock()
        .unwrap()
        .get(&503)
        .copied()
        .unwrap_or(0);
    assert!(
        refused > 0,
        "the outage was seen: {:?}",
        posted.refusals.lock().unwrap()
    );
    let storage = p.storage();
    assert_healed(&storage, &p.redis.url(), &posted);
    // The outage is logged when it starts and ends, not once per crash.
    let log = logs(p.tmp.path());
    let started = log.matches("storage is unavailable").count();
    assert!((1..10).contains(&started), "{started} outage starts logged");
    assert!(log.contains("dependencies are available again"));
    drop(p.workers.drain(..));
}

#[test]
fn redis_stopped_for_10_s_while_publishing_and_pulling_heals_with_reprocess_missing() {
    let Some(mut p) = Pipeline::start(&[]) else {
        return;
    };
    let (posted, poster) = post_until(&p.collector.addr, 3, "a third of the crashes");
    p.redis.stop();
    let during = posted.answered.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(10));
    assert!(
        posted.answered.load(Ordering::SeqCst) > during,
        "the collector kept answering while the queue was down"
    );
    p.redis.spawn();
    poster.join().unwrap();
    let storage = p.storage();
    // Whatever was queued is processed; what could not be published is
    // waiting for the sweep.
    let redis_url = p.redis.url();
    let drained = || {
        runtime().block_on(async {
            let q = queue::open(&redis_url).await.unwrap();
            let mut n = 0;
            for name in QueueName::ALL {
                n += q.backlog(name).await.unwrap();
            }
            n == 0
        })
    };
    wait_for("the queue to drain", Duration::from_secs(240), drained);
    let lost = unprocessed(&storage, &posted);
    assert!(
        !lost.is_empty(),
        "some publishes failed while Redis was down"
    );
    let days: HashSet<String> = lost
        .iter()
        .map(|id| {
            let date = id.parse::<CrashId>().unwrap().date().unwrap();
            date.format("%Y-%m-%d").to_string()
        })
        .collect();
    let mut sent = HashSet::new();
    for day in days {
        let out = run(crashkit(p.tmp.path())
            .envs(p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(["reprocess", "--missing", "--date", &day])
            .args(["--storage", &p.storage_url, "--queue", &redis_url]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        sent.extend(crate::stdout(&out).lines().map(str::to_owned));
    }
    let lost: HashSet<String> = lost.into_iter().collect();
    assert_eq!(
        sent, lost,
        "the sweep sends exactly the crashes whose publish failed"
    );
    assert_healed(&storage, &redis_url, &posted);
}

/// A symbol server that accepts and never answers, until `answer` is set;
/// then it answers every request with 404.
fn flaky_symbol_server(answer: Arc<std::sync::atomic::AtomicBool>) -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().map_while(Result::ok) {
            counter.fetch_add(1, Ordering::SeqCst);
            if answer.load(Ordering::SeqCst) {
                let mut conn = conn;
                let _ = conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            } else {
                held.push(conn);
            }
        }
    });
    (url, connections)
}

#[test]
fn a_symbol_server_that_hangs_for_half_the_run_changes_no_crash() {
    let answer = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (url, connections) = flaky_symbol_server(answer.clone());
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().display().to_string();
    let extra = [
        ("CRASHKIT_PROCESS_SYMBOLS_URLS", url.as_str()),
        ("CRASHKIT_PROCESS_SYMBOLS_CACHE_DIR", cache_dir.as_str()),
        ("CRASHKIT_PROCESS_SYMBOLS_TIMEOUT_SECS", "2"),
        ("CRASHKIT_PROCESS_SYMBOLS_ERROR_TTL_SECS", "5"),
    ];
    let Some(p) = Pipeline::start(&extra) else {
        return;
    };
    let (posted, poster) = post_until(&p.collector.addr, 2, "half of the crashes");
    answer.store(true, Ordering::SeqCst);
    poster.join().unwrap();
    assert_healed(&p.storage(), &p.redis.url(), &posted);
    // A down server costs one timeout per module per window, not one per crash.
    let asked = connections.load(Ordering::SeqCst);
    assert!(asked > 0, "the symbol server was asked");
    assert!(asked < CRASHES, "{asked} requests for {CRASHES} crashes");
}

#[test]
fn slow_drip_clients_do_not_keep_normal_ones_waiting() {
    if !have("redis-server") {
        return;
    }
    let _heavy = crate::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let redis = Redis::start();
    let storage_dir = tmp.path().join("crashes");
    let storage_url = storage_dir.display().to_string();
    let env = pipeline_env(None, &[]);
    let (collector, _workers) = collector_and_workers(tmp.path(), &env, &storage_url, &redis.url());
    // 64 clients that send their body at one byte a second, all at once.
    let dropped = Arc::new(AtomicUsize::new(0));
    let drips: Vec<_> = (0..64)
        .map(|_| {
            let (addr, dropped) = (collector.addr.clone(), dropped.clone());
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap();
                let head = format!(
                    "POST /submit HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {}\r\nContent-Length: 100000\r\n\r\n",
                    form()
                );
                s.write_all(head.as_bytes()).unwrap();
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(90) {
                    if s.write_all(b"x").is_err() {
                        dropped.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    // Normal load beside them: every crash answered at once, first try.
    let dump = std::fs::read(repo().join("testdata/minidumps/null-write.dmp")).unwrap();
    let body = multipart(&[
        Part::Text("ProductName", "Alpha"),
        Part::File("upload_file_minidump", &dump),
    ]);
    let posted = Arc::new(Posted::default());
    let mut slowest = Duration::ZERO;
    for _ in 0..CRASHES {
        let started = Instant::now();
        let (status, id) = try_post(&collector.addr, &body).unwrap();
        slowest = slowest.max(started.elapsed());
        assert_eq!(status, 200);
        posted.ids.lock().unwrap().insert(id.unwrap(), 0);
        posted.answered.fetch_add(1, Ordering::SeqCst);
    }
    assert!(
        slowest < Duration::from_secs(5),
        "a normal crash waited {slowest:?}"
    );
    for d in drips {
        d.join().unwrap();
    }
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        64,
        "every slow client was dropped"
    );
    assert_healed(&storage_of(&storage_url, None), &redis.url(), &posted);
}

/// The directory backend on a small tmpfs that fills up: the collector
/// answers 503 while it is full, never 200 for a crash it did not store,
/// and takes crashes again when space returns.
#[test]
fn a_full_disk_is_503_never_a_lost_crash_and_heals() {
    if !have("redis-server") {
        return;
    }
    let _heavy = crate::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("small");
    std::fs::create_dir_all(&mount).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&mount)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root and mounts a tmpfs"
        );
        eprintln!("skipping: cannot mount a tmpfs (not root)");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mount.clone());
    let redis = Redis::start();
    let storage_url = mount.join("crashes").display().to_string();
    let env = pipeline_env(None, &[]);
    let (collector, _workers) = collector_and_workers(tmp.path(), &env, &storage_url, &redis.url());
    let (posted, poster) = post_until(&collector.addr, 5, "a fifth of the crashes");
    // Fill what is left of the disk.
    let filler = mount.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 1 << 20];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    let full_at = posted.answered.load(Ordering::SeqCst);
    wait_for(
        "503s while the disk is full",
        Duration::from_secs(60),
        || {
            posted
                .refusals
                .lock()
                .unwrap()
                .get(&503)
                .copied()
                .unwrap_or(0)
                >= 20
        },
    );
    let during = posted.answered.load(Ordering::SeqCst) - full_at;
    std::fs::remove_file(&filler).unwrap();
    poster.join().unwrap();
    assert!(during < 20, "{during} crashes answered on a full disk");
    assert_healed(&storage_of(&storage_url, None), &redis.url(), &posted);
}
