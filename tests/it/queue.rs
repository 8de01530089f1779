//! The queue end to end: collector, workers and queue as real processes,
//! on the spool directory and on Redis Streams.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crashkit::queue::{self, Message, QueueName};
use serde_json::Value;

use crate::collector::{crash_id, form, multipart, post, Part, Server};
use crate::crashkit;

/// The queue URLs to test: a spool directory always, Redis when configured
/// (required in CI).
fn queue_urls(dir: &Path) -> Vec<String> {
    let mut urls = vec![dir.join("spool").display().to_string()];
    match std::env::var("CRASHKIT_TEST_REDIS_URL") {
        Ok(url) => urls.push(format!("{url}?prefix=it-{}", uuid::Uuid::new_v4().simple())),
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but CRASHKIT_TEST_REDIS_URL is not"
        ),
    }
    urls
}

/// A `crashkit process --queue` worker whose output lines are collected.
struct Worker {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Worker {
    fn start(dir: &Path, queue: &str, storage: &Path, env: &[(&str, &str)]) -> Worker {
        Worker::start_with(dir, queue, storage, env, &[])
    }

    fn start_with(
        dir: &Path,
        queue: &str,
        storage: &Path,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> Worker {
        let mut cmd = crashkit(dir);
        cmd.args(["process", "--queue", queue, "--storage"])
            .arg(storage)
            .args(["--jobs", "2"])
            .args(extra)
            .env("CRASHKIT_QUEUE_POLL_INTERVAL_MS", "50")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Worker { child, lines }
    }

    fn handled(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    fn sigterm(&mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Posts `n` null-write crashes numbered by a `Seq` annotation, with the
/// `extra` parts; their crash ids in order.
fn post_null_writes(addr: &str, n: usize, extra: &[Part]) -> Vec<String> {
    let dump = std::fs::read(crate::repo().join("testdata/minidumps/null-write.dmp")).unwrap();
    (0..n)
        .map(|i| {
            let seq = i.to_string();
            let mut parts: Vec<Part> = extra.to_vec();
            parts.push(Part::Text("Seq", &seq));
            parts.push(Part::File("upload_file_minidump", &dump));
            crash_id(&post(addr, &multipart(&parts), Some(&form()), &[]))
        })
        .collect()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn backlog(url: &str) -> u64 {
    runtime().block_on(async {
        let q = queue::open(url).await.unwrap();
        let mut total = 0;
        for name in QueueName::ALL {
            total += q.backlog(name).await.unwrap();
        }
        total
    })
}

fn dead_letters(url: &str) -> Vec<String> {
    runtime().block_on(async {
        queue::open(url)
            .await
            .unwrap()
            .dead_letters()
            .await
            .unwrap()
    })
}

fn processed(storage: &Path, id: &str) -> Option<Value> {
    std::fs::read(storage.join(format!("v1/processed_crash/{id}")))
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap())
}

/// Regression guard for the weekend lost to a publisher that exited before
/// its acks: crashes come back only if they were not finished, never forever.
#[test]
fn collector_and_two_workers_survive_kill_9_without_loops() {
    let base = tempfile::tempdir().unwrap();
    for url in queue_urls(base.path()) {
        let tmp = tempfile::tempdir().unwrap();
        let server = Server::start(tmp.path(), &[], &["--queue", &url]);
        let storage = server.storage.clone();
        let dump = std::fs::read(crate::repo().join("testdata/minidumps/null-write.dmp")).unwrap();
        // A lease short enough to see the killed worker's crashes come
        // back soon, long enough that a loaded machine does not lose
        // leases of crashes still being processed (each loss is a delivery).
        let env = [
            ("CRASHKIT_QUEUE_LEASE_SECS", "10"),
            ("CRASHKIT_PROCESS_TIMEOUT_SECS", "8"),
        ];
        let mut first = Worker::start(tmp.path(), &url, &storage, &env);
        let second = Worker::start(tmp.path(), &url, &storage, &env);
        let mut ids = Vec::new();
        for i in 0..500 {
            let body = multipart(&[
                Part::Text("Seq", &i.to_string()),
                Part::File("upload_file_minidump", &dump),
            ]);
            ids.push(crash_id(&post(&server.addr, &body, Some(&form()), &[])));
            if i == 150 {
                // Kill one worker mid-load, then start it again.
                wait_until("the first worker to work", Duration::from_secs(60), || {
                    first.handled() > 10
                });
                first.child.kill().unwrap();
                first.child.wait().unwrap();
                first = Worker::start(tmp.path(), &url, &storage, &env);
            }
        }
        wait_until(
            "every crash to be processed",
            Duration::from_secs(300),
            || ids.iter().all(|id| processed(&storage, id).is_some()) && backlog(&url) == 0,
        );
        drop(first);
        drop(second);
        let mut runs = 0;
        for id in &ids {
            let pc = processed(&storage, id).unwrap();
            assert_eq!(pc["uuid"], id.as_str());
            runs += 1 + pc["processor_history"].as_array().unwrap().len();
        }
        assert_eq!(backlog(&url), 0, "{url}: queue not empty");
        assert!(dead_letters(&url).is_empty(), "{url}: dead letters");
        // At most the killed worker's batch in flight (2) is processed twice.
        assert!(
            runs <= 500 + 2,
            "{url}: {runs} processing runs for 500 crashes"
        );
    }
}

#[test]
fn sigterm_acks_what_was_finished_and_nothing_runs_twice() {
    let base = tempfile::tempdir().unwrap();
    for url in queue_urls(base.path()) {
        let tmp = tempfile::tempdir().unwrap();
        let storage = tmp.path().join("crashes");
        let server = Server::start_with(
            tmp.path(),
            storage.to_str().unwrap(),
            &[],
            &["--queue", &url],
        );
        let ids = post_null_writes(&server.addr, 30, &[]);
        let mut worker = Worker::start(tmp.path(), &url, &storage, &[]);
        wait_until("some crashes processed", Duration::from_secs(60), || {
            worker.handled() >= 3
        });
        assert_eq!(worker.sigterm().code(), Some(0));
        let finished: Vec<String> = worker
            .lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| l[..36].to_owned())
            .collect();
        assert!(
            !finished.is_empty() && finished.len() < 30,
            "{}",
            finished.len()
        );
        let again = Worker::start(tmp.path(), &url, &storage, &[]);
        wait_until("the rest processed", Duration::from_secs(120), || {
            backlog(&url) == 0 && again.handled() + finished.len() >= 30
        });
        let second: Vec<String> = again
            .lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| l[..36].to_owned())
            .collect();
        for id in &finished {
            assert!(
                !second.contains(id),
                "{id} was processed again after SIGTERM"
            );
        }
        for id in &ids {
            let pc = processed(&storage, id).unwrap_or_else(|| panic!("{id} not processed"));
            assert_eq!(
                pc["processor_history"].as_array().unwrap().len(),
                0,
                "{id} processed twice"
            );
        }
    }
}

#[test]
fn missing_crashes_are_acked_and_poison_is_dead_lettered() {
    let base = tempfile::tempdir().unwrap();
    for url in queue_urls(base.path()) {
        let tmp = tempfile::tempdir().unwrap();
        let storage = tmp.path().join("crashes");
        std::fs::create_dir_all(&storage).unwrap();
        let missing = "aaaaaaaa-0000-4000-8000-000000261126";
        let poison = "bbbbbbbb-0000-4000-8000-000000261126";
        runtime().block_on(async {
            let q = queue::open(&url).await.unwrap();
            q.publish_raw(QueueName::Standard, "test").await.unwrap();
            queue::publish(
                q.as_ref(),
                QueueName::Standard,
                &Message::new(missing.parse().unwrap(), None),
            )
            .await
            .unwrap();
            queue::publish(
                q.as_ref(),
                QueueName::Priority,
                &Message::new(poison.parse().unwrap(), None),
            )
            .await
            .unwrap();
            // The poison message has already been delivered 5 times to
            // workers that died on it: each lease ran out without an ack.
            for _ in 0..5 {
                let got = q.pull(1, Duration::from_millis(100)).await.unwrap();
                assert_eq!(got[0].message().unwrap().crash_id.as_str(), poison);
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        });
        let worker = Worker::start(
            tmp.path(),
            &url,
            &storage,
            &[
                ("CRASHKIT_QUEUE_LEASE_SECS", "2"),
                ("CRASHKIT_PROCESS_TIMEOUT_SECS", "1"),
            ],
        );
        wait_until("three messages handled", Duration::from_secs(60), || {
            worker.handled() >= 3
        });
        let lines = worker.lines.lock().unwrap().clone();
        assert!(
            lines.contains(&format!("{poison}\tdead_letter\t")),
            "{lines:?}"
        );
        assert!(
            lines.contains(&format!("{missing}\tmissing\t")),
            "{lines:?}"
        );
        assert!(lines.contains(&"-\ttest\t".to_string()), "{lines:?}");
        drop(worker);
        assert_eq!(backlog(&url), 0);
        assert_eq!(
            dead_letters(&url),
            vec![Message::new(poison.parse().unwrap(), None).encode()]
        );
    }
}

#[test]
fn collect_serve_process_is_a_single_node_pipeline() {
    let tmp = tempfile::tempdir().unwrap();
    let symbols = crate::repo().join("testdata/symbols");
    let spool = tmp.path().join("spool");
    let index = tmp.path().join("idx");
    let mut server = Server::start(
        tmp.path(),
        &[("CRASHKIT_QUEUE_POLL_INTERVAL_MS", "50")],
        &[
            "--log-format",
            "json",
            "--symbols-path",
            symbols.to_str().unwrap(),
            "--process",
            "--queue",
            spool.to_str().unwrap(),
            "--jobs",
            "2",
            "--index",
            index.to_str().unwrap(),
        ],
    );
    let dump = std::fs::read(crate::repo().join("testdata/minidumps/null-write.dmp")).unwrap();
    let id = crash_id(&post(
        &server.addr,
        &multipart(&[
            Part::Text("ProductName", "One"),
            Part::File("upload_file_minidump", &dump),
        ]),
        Some(&form()),
        &[],
    ));
    let storage = server.storage.clone();
    wait_until("the crash to be processed", Duration::from_secs(60), || {
        processed(&storage, &id).is_some()
    });
    assert_eq!(
        processed(&storage, &id).unwrap()["signature"],
        "crashhelper::crash_null_write"
    );
    // Acked only after it was indexed: once the queue is empty, a reader finds it.
    wait_until("the crash to be acked", Duration::from_secs(60), || {
        backlog(spool.to_str().unwrap()) == 0
    });
    let out = crate::run(crate::crashkit(tmp.path()).args([
        "query",
        "--index",
        index.to_str().unwrap(),
        "--format",
        "ids",
    ]));
    assert_eq!(crate::stdout(&out).trim(), id, "{}", crate::stderr(&out));
    assert_eq!(crate::collector::terminate(&mut server).code(), Some(0));
    // Every log field is a plain value: crash ids are crash ids, not `Some("…")`.
    let log = server.log.lock().unwrap().clone();
    let mut ids_logged = 0;
    for line in &log {
        let entry: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        if let Some(logged) = entry["fields"].get("crash_id") {
            let logged = logged.as_str().unwrap_or_else(|| panic!("{line}"));
            assert_eq!(
                logged
                    .parse::<crashkit::crash_id::CrashId>()
                    .map(|c| c.to_string())
                    .ok()
                    .as_deref(),
                Some(logged),
                "{line}"
            );
            ids_logged += 1;
        }
    }
    assert!(
        ids_logged >= 2,
        "the crash is logged when saved and handled:\n{log:?}"
    );
}

#[test]
fn a_queue_worker_indexes_each_crash_before_its_ack() {
    let base = tempfile::tempdir().unwrap();
    let url = queue_urls(base.path()).pop().expect("a queue");
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashes");
    // Elasticsearch/OpenSearch when the suite has one, the embedded index otherwise.
    let index = match std::env::var("CRASHKIT_TEST_ES_URL") {
        Ok(es) => format!(
            "{}/worker{}",
            es.trim_end_matches('/'),
            uuid::Uuid::new_v4().simple()
        ),
        Err(_) => tmp.path().join("idx").display().to_string(),
    };
    let server = Server::start_with(
        tmp.path(),
        storage.to_str().unwrap(),
        &[],
        &["--queue", &url],
    );
    let ids = post_null_writes(&server.addr, 5, &[Part::Text("ProductName", "Indexed")]);
    let mut worker = Worker::start_with(tmp.path(), &url, &storage, &[], &["--index", &index]);
    wait_until("every crash acked", Duration::from_secs(60), || {
        worker.handled() >= 5 && backlog(&url) == 0
    });
    let out = crate::run(crate::crashkit(tmp.path()).args([
        "query",
        "--index",
        &index,
        "product=Indexed",
        "--format",
        "ids",
        "--sort",
        "uuid",
    ]));
    let mut want = ids.clone();
    want.sort();
    let printed = crate::stdout(&out);
    let got: Vec<&str> = printed.lines().collect();
    assert_eq!(
        got,
        want.iter().map(String::as_str).collect::<Vec<_>>(),
        "{}",
        crate::stderr(&out)
    );
    assert_eq!(worker.sigterm().code(), Some(0));
}
