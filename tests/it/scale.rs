//! The whole pipeline at scale, in one test per set of engines: 2,000
//! crashes posted concurrently by crash-reporter-like clients, a collector
//! and a worker killed with SIGKILL mid-run and started again; at the end
//! every crash answered with a CrashID is stored, processed (once, or once
//! more when its worker died with it in hand), indexed once and found by
//! `query`, the top crashers count what storage holds, and `reprocess
//! --missing` finds nothing to do.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crashkit::crash_id::CrashId;
use crashkit::queue::{self, QueueName};
use crashkit::storage::CrashStorage;

use crate::collector::Server;
use crate::faults::{
    pipeline_env, post_crashes, runtime, storage_of, wait_for, Addrs, Posted, Redis, Weed, Worker,
    BUCKET, KINDS, PRODUCTS,
};
use crate::{crashkit, have, repo, run, stderr, stdout};

const CRASHES: usize = 2000;

/// A `process --queue … --index …` worker, its log in the test's
/// directory; killed when dropped.
fn worker(dir: &Path, env: &[(String, String)], args: [&str; 6], n: usize) -> Worker {
    let log = std::fs::File::create(dir.join(format!("worker{n}.log"))).unwrap();
    let child = crashkit(dir)
        .arg("process")
        .args(args)
        .args(["--jobs", "2"])
        .arg("--symbols-path")
        .arg(repo().join("testdata/symbols"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Worker(child)
}

/// Waits until `share` of the crashes are answered.
fn answered(posted: &Posted, share: usize) {
    wait_for("crashes to be answered", Duration::from_secs(240), || {
        posted.answered.load(Ordering::SeqCst) >= CRASHES / share
    });
}

/// The ids the index returns for everything of the last week.
fn indexed(dir: &Path, env: &[(String, String)], index: &str) -> Vec<String> {
    let out = run(crashkit(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args([
            "query", "--index", index, "--format", "ids", "--limit", "all",
        ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_owned).collect()
}

/// Checks the end state: see the module doc.
fn assert_whole(
    dir: &Path,
    env: &[(String, String)],
    storage: &CrashStorage,
    storage_url: &str,
    queue_url: &str,
    index: &str,
    posted: &Posted,
) {
    assert_eq!(posted.answered.load(Ordering::SeqCst), CRASHES);
    assert_eq!(
        posted.duplicates.load(Ordering::SeqCst),
        0,
        "an id answered twice"
    );
    let ids = posted.ids.lock().unwrap().clone();
    let answered: HashSet<&String> = ids.keys().collect();
    // Every answered crash ends up processed and indexed (the index is
    // written before each ack, so once everything is indexed it stays).
    wait_for("every crash indexed", Duration::from_secs(300), || {
        let found = indexed(dir, env, index);
        let found: HashSet<&String> = found.iter().collect();
        answered.iter().all(|id| found.contains(id))
    });
    // The queue drains: what a killed worker held comes back when its lease
    // ends and is processed once more.
    wait_for("the queue to drain", Duration::from_secs(120), || {
        runtime().block_on(async {
            let q = queue::open(queue_url).await.unwrap();
            let mut backlog = 0;
            for name in QueueName::ALL {
                backlog += q.backlog(name).await.unwrap();
            }
            backlog == 0
        })
    });
    let found = indexed(dir, env, index);
    let unique: HashSet<&String> = found.iter().collect();
    assert_eq!(unique.len(), found.len(), "a crash indexed twice");
    // Beside them, at most the requests in flight when the collector was
    // killed: saved and queued, never answered (their clients sent them
    // again, and got other ids).
    let unanswered: Vec<&String> = unique.difference(&answered).copied().collect();
    assert!(
        unanswered.len() <= 6,
        "{} indexed crashes were never answered",
        unanswered.len()
    );

    // Storage: every indexed crash stored whole and processed as without
    // the faults; at most one earlier run (a crash in hand when its worker
    // was killed).
    let mut by_signature: BTreeMap<String, usize> = BTreeMap::new();
    let mut alpha_by_signature: BTreeMap<String, usize> = BTreeMap::new();
    let mut reprocessed = 0;
    runtime().block_on(async {
        for id in &unique {
            let parsed: CrashId = id.parse().unwrap();
            let raw = storage.get_raw_crash(&parsed).await.unwrap();
            assert!(raw.contains_key("ProductName"), "{id}: stored whole");
            let pc = storage.get_processed_crash(&parsed).await.unwrap();
            assert_eq!(pc["success"], true, "{id}: {:?}", pc.get("processor_notes"));
            let signature = pc["signature"].as_str().unwrap_or("").to_owned();
            if let Some(kind) = ids.get(*id) {
                assert_eq!(signature, KINDS[*kind].1, "{id}");
            }
            let runs = pc["processor_history"].as_array().map_or(0, Vec::len);
            assert!(runs <= 1, "{id}: processed {} times", runs + 1);
            reprocessed += runs;
            if raw["ProductName"] == PRODUCTS[0] {
                *alpha_by_signature.entry(signature.clone()).or_default() += 1;
            }
            *by_signature.entry(signature).or_default() += 1;
        }
        let q = queue::open(queue_url).await.unwrap();
        assert_eq!(q.dead_letters().await.unwrap(), Vec::<String>::new());
    });
    // Only crashes in the killed worker's hands, or saved and not yet
    // acked, run twice: a handful, not a batch.
    assert!(reprocessed <= 16, "{reprocessed} crashes processed twice");

    // The signature facet (top crashers) counts what storage holds.
    let out = run(crashkit(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args([
            "query",
            "--index",
            index,
            "--limit",
            "0",
            "--facet",
            "signature",
        ])
        .args(["--format", "tsv"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let facet: BTreeMap<String, usize> = stdout(&out)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 3 && f[1] != "total").then(|| (f[1].to_owned(), f[2].parse().unwrap()))
        })
        .collect();
    assert_eq!(facet, by_signature);
    // Top crashers of one product: its counts per signature, from storage.
    let out = run(crashkit(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .args([
            "query",
            "--index",
            index,
            "--topcrashers",
            "--product",
            PRODUCTS[0],
        ])
        .args(["--format", "tsv"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ranked: BTreeMap<String, usize> = stdout(&out)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 7).then(|| (f[6].to_owned(), f[2].parse().unwrap()))
        })
        .collect();
    assert_eq!(ranked, alpha_by_signature, "{}", stdout(&out));

    // The sweep: only crashes stored but never answered (a collector
    // killed between its save and its answer; the client sent them again)
    // are missing a processed crash. Sent once, they are processed, and
    // then there is nothing left.
    let days: HashSet<String> = ids
        .keys()
        .map(|id| {
            id.parse::<CrashId>()
                .unwrap()
                .date()
                .unwrap()
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    let sweep = |dry_run: bool| -> Vec<String> {
        let mut sent = Vec::new();
        for day in &days {
            let mut cmd = crashkit(dir);
            cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .args(["reprocess", "--missing", "--date", day])
                .args(["--storage", storage_url, "--queue", queue_url]);
            if dry_run {
                cmd.arg("--dry-run");
            }
            let out = run(&mut cmd);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            sent.extend(stdout(&out).lines().map(str::to_owned));
        }
        sent
    };
    let orphans = sweep(false);
    assert!(
        orphans.len() <= 6,
        "{} stored and never answered",
        orphans.len()
    );
    for id in &orphans {
        assert!(!ids.contains_key(id), "{id}: answered, yet not processed");
        assert!(!unique.contains(id), "{id}: indexed, yet not processed");
    }
    wait_for("the orphans processed", Duration::from_secs(120), || {
        runtime().block_on(async {
            for id in &orphans {
                let parsed: CrashId = id.parse().unwrap();
                if !storage.has_processed_crash(&parsed).await.unwrap_or(false) {
                    return false;
                }
            }
            true
        })
    });
    assert_eq!(
        sweep(true),
        Vec::<String>::new(),
        "reprocess --missing found work"
    );
    eprintln!(
        "{CRASHES} crashes answered; {reprocessed} processed twice; {} stored and queued but never answered; {} stored but never answered, swept; refusals on the way: {:?}",
        unanswered.len(),
        orphans.len(),
        posted.refusals.lock().unwrap()
    );
}

/// SeaweedFS, Redis and an OpenSearch-API server: two collectors, three
/// workers; one of each killed mid-run.
#[test]
fn two_thousand_crashes_on_seaweedfs_redis_and_osmem_with_a_collector_and_a_worker_killed() {
    let Ok(es) = std::env::var("CRASHKIT_TEST_ES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but CRASHKIT_TEST_ES_URL is not (scripts/test.sh starts osmem-server)"
        );
        eprintln!("skipped: CRASHKIT_TEST_ES_URL is not set");
        return;
    };
    if !have("weed") || !have("redis-server") || !have("curl") {
        return;
    }
    let _heavy = crate::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let weed = Weed::start();
    let redis = Redis::start();
    let storage_url = format!("s3://{BUCKET}/scale");
    let index = format!(
        "{}/scale{}",
        es.trim_end_matches('/'),
        uuid::Uuid::new_v4().simple()
    );
    // A short lease (above the processing limit): a dead worker's crashes come back soon.
    let env = pipeline_env(
        Some(&weed),
        &[
            ("CRASHKIT_QUEUE_LEASE_SECS", "12"),
            ("CRASHKIT_PROCESS_TIMEOUT_SECS", "8"),
        ],
    );
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let queue_url = redis.url();
    let collector = || Server::start_with(dir, &storage_url, &env_refs, &["--queue", &queue_url]);
    let mut collectors = vec![collector(), collector()];
    let addrs: Addrs = Arc::new(Mutex::new(
        collectors.iter().map(|c| c.addr.clone()).collect(),
    ));
    let args = [
        "--queue",
        &queue_url,
        "--storage",
        &storage_url,
        "--index",
        &index,
    ];
    let mut workers: Vec<Worker> = (0..3).map(|n| worker(dir, &env, args, n)).collect();

    let posted = Arc::new(Posted::default());
    let poster = post_crashes(
        addrs.clone(),
        6,
        Duration::from_millis(100),
        CRASHES,
        posted.clone(),
    );
    answered(&posted, 4);
    // SIGKILL: a worker with crashes in hand, a collector mid-request.
    workers[0].0.kill().unwrap();
    workers[0].0.wait().unwrap();
    let dead = collectors.remove(0);
    addrs.lock().unwrap().retain(|a| *a != dead.addr);
    drop(dead); // SIGKILL
    answered(&posted, 2);
    workers[0] = worker(dir, &env, args, 3);
    let again = collector();
    addrs.lock().unwrap().push(again.addr.clone());
    collectors.push(again);
    poster.join().unwrap();

    let storage: CrashStorage = storage_of(&storage_url, Some(&weed));
    assert_whole(
        dir,
        &env,
        &storage,
        &storage_url,
        &queue_url,
        &index,
        &posted,
    );
    drop(workers);
}

/// The embedded defaults: a directory, a spool and the Tantivy index, one
/// `collect-serve --process --index` node killed mid-run and started again.
#[test]
fn two_thousand_crashes_on_the_embedded_defaults_with_the_node_killed() {
    let _heavy = crate::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let storage_url = dir.join("crashes").display().to_string();
    let queue_url = dir.join("spool").display().to_string();
    let index = dir.join("index").display().to_string();
    let env: Vec<(String, String)> = vec![
        ("CRASHKIT_QUEUE_LEASE_SECS".into(), "12".into()),
        ("CRASHKIT_QUEUE_POLL_INTERVAL_MS".into(), "50".into()),
        ("CRASHKIT_PROCESS_TIMEOUT_SECS".into(), "8".into()),
    ];
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let symbols = repo().join("testdata/symbols").display().to_string();
    let node = || {
        Server::start_with(
            dir,
            &storage_url,
            &env_refs,
            &[
                "--queue",
                &queue_url,
                "--process",
                "--index",
                &index,
                "--symbols-path",
                &symbols,
            ],
        )
    };
    let first = node();
    let addrs: Addrs = Arc::new(Mutex::new(vec![first.addr.clone()]));
    let posted = Arc::new(Posted::default());
    let poster = post_crashes(
        addrs.clone(),
        6,
        Duration::from_millis(100),
        CRASHES,
        posted.clone(),
    );
    answered(&posted, 3);
    drop(first); // SIGKILL, mid-request and mid-processing
    let second = node();
    *addrs.lock().unwrap() = vec![second.addr.clone()];
    poster.join().unwrap();
    let storage = storage_of(&storage_url, None);
    // The index is the node's while it runs; the checks read it beside it.
    assert_whole(
        dir,
        &env,
        &storage,
        &storage_url,
        &queue_url,
        &index,
        &posted,
    );
    drop(second);
}
