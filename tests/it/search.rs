//! `crashkit index` and `crashkit query`: the pipelines operators run, the
//! output formats, errors, the writer lock, Elasticsearch/OpenSearch
//! through the CLI (osmem-server from scripts/test.sh), and `--api`
//! against a Crash Stats-shaped HTTP server on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::process::{dump, store_crash, symbols};
use crate::{crashkit, run, stderr, stdout, with_stdin};

/// Synthetic processed crashes ending today, as JSON Lines.
fn generated(dir: &Path, count: u32, seed: u32) -> String {
    generated_over(dir, count, seed, 2)
}

/// `count` synthetic crashes spread over the `weeks` before now.
fn generated_over(dir: &Path, count: u32, seed: u32, weeks: u32) -> String {
    let out = run(crashkit(dir).args([
        "generate-crashes",
        "--count",
        &count.to_string(),
        "--seed",
        &seed.to_string(),
        "--weeks",
        &weeks.to_string(),
        "--threads",
        "2",
        "--frames",
        "4",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn index(dir: &Path, url: &str, input: &str, extra: &[&str]) -> std::process::Output {
    with_stdin(
        crashkit(dir).args(["index", "--index", url]).args(extra),
        input,
    )
}

fn query(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    run(crashkit(dir).args(["query", "--index", url]).args(args))
}

fn json_query(dir: &Path, url: &str, args: &[&str]) -> Value {
    let out = query(dir, url, &[args, &["--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

#[test]
fn process_json_lines_pipe_into_index() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashes");
    let today = chrono::Utc::now().format("%y%m%d").to_string();
    let a = format!("aaaaaaaa-1111-4222-8333-444444{today}");
    let b = format!("bbbbbbbb-1111-4222-8333-444444{today}");
    let null_write = std::fs::read(dump("null-write.dmp")).unwrap();
    store_crash(&storage, &a, &[("upload_file_minidump", &null_write)]);
    store_crash(&storage, &b, &[("upload_file_minidump", b"not a minidump")]);
    let idx = tmp.path().join("idx");
    // crashkit process --storage S --format json | crashkit index --index I
    let mut process = crashkit(tmp.path())
        .args([
            "process",
            "--storage",
            storage.to_str().unwrap(),
            "--symbols-path",
            &symbols(),
            "--format",
            "json",
            &a,
            &b,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let index = crashkit(tmp.path())
        .args(["index", "--index", idx.to_str().unwrap()])
        .stdin(process.stdout.take().unwrap())
        .output()
        .unwrap();
    process.wait().unwrap();
    assert_eq!(index.status.code(), Some(0), "{}", stderr(&index));
    assert!(
        stderr(&index).contains("2 indexed, 0 failed"),
        "{}",
        stderr(&index)
    );
    let r = json_query(
        tmp.path(),
        idx.to_str().unwrap(),
        &[
            "--columns",
            "uuid,signature,success,mdsw_status_string,product",
            "--sort",
            "uuid",
        ],
    );
    assert_eq!(r["total"], 2);
    assert_eq!(r["hits"][0]["uuid"], a.as_str());
    assert_eq!(r["hits"][0]["success"], true);
    assert_eq!(r["hits"][0]["product"], "CrashHelper");
    // Socorro's `success` (every rule ran); the unreadable dump shows in
    // its stackwalk status.
    assert_eq!(r["hits"][1]["success"], true);
    assert_eq!(r["hits"][0]["mdsw_status_string"], "OK");
    assert_ne!(r["hits"][1]["mdsw_status_string"], "OK");
    // Indexing from storage by id, again: replaces, does not add.
    let out = with_stdin(
        crashkit(tmp.path()).args([
            "index",
            "--index",
            idx.to_str().unwrap(),
            "--storage",
            storage.to_str().unwrap(),
        ]),
        &format!("{a}\nnot-an-id\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a bad id fails the batch: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("not-an-id: not a valid crash id"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        json_query(tmp.path(), idx.to_str().unwrap(), &[])["total"],
        2
    );
    // The --date sweep of storage.
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let out = run(crashkit(tmp.path()).args([
        "index",
        "--index",
        idx.to_str().unwrap(),
        "--storage",
        storage.to_str().unwrap(),
        "--date",
        &day,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("2 indexed"), "{}", stderr(&out));
}

#[test]
fn query_ids_pipe_into_reprocess() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let idx = idx.to_str().unwrap();
    let out = index(tmp.path(), idx, &generated(tmp.path(), 500, 7), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let since = (chrono::Utc::now() - chrono::Duration::days(14))
        .format("%Y-%m-%d")
        .to_string();
    let date = format!("date=>={since}");
    let r = json_query(tmp.path(), idx, &["signature=~OOM", &date, "--limit", "0"]);
    let expected = r["total"].as_u64().unwrap();
    assert!(expected > 10, "the generator makes OOM crashes: {r}");
    // crashkit query --index I 'signature=~OOM' 'date=>=…' --format ids | crashkit reprocess --queue Q
    let spool = tmp.path().join("spool");
    let mut q = crashkit(tmp.path())
        .args([
            "query",
            "--index",
            idx,
            "signature=~OOM",
            &date,
            "--limit",
            "all",
            "--format",
            "ids",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let reprocess = crashkit(tmp.path())
        .args(["reprocess", "--queue", spool.to_str().unwrap()])
        .stdin(q.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(q.wait().unwrap().success());
    assert_eq!(reprocess.status.code(), Some(0), "{}", stderr(&reprocess));
    let queued: Vec<String> = stdout(&reprocess).lines().map(str::to_owned).collect();
    assert_eq!(queued.len() as u64, expected);
    let spooled = std::fs::read_dir(spool.join("reprocessing"))
        .map(|d| d.count())
        .unwrap_or(0)
        + walk_count(&spool);
    assert!(spooled > 0);
}

fn walk_count(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                walk_count(&e.path())
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn output_formats_and_facet_totals() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let idx = idx.to_str().unwrap();
    let now = chrono::Utc::now() - chrono::Duration::hours(1);
    let day = now.format("%y%m%d").to_string();
    let lines: String = [
        ("A | b", "Linux"),
        ("A | b", "Windows NT"),
        ("C, \"quoted\"", "Linux"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (sig, os))| {
        json!({
            "uuid": format!("{i:08x}-1111-4222-8333-444444{day}"),
            "signature": sig, "os_name": os, "product": "WaterWolf",
            "date_processed": now.to_rfc3339(),
            "json_dump": {"threads": [{"frames": [{"function": "f"}]}]},
        })
        .to_string()
            + "\n"
    })
    .collect();
    let out = index(
        tmp.path(),
        idx,
        &format!("{lines}not json\n{{\"uuid\": \"x\"}}\n"),
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "bad lines fail the batch, the rest are indexed"
    );
    let err = stderr(&out);
    assert!(err.contains("line 4: invalid JSON"), "{err}");
    assert!(err.contains("line 5: no valid crash id"), "{err}");
    assert!(err.contains("3 indexed, 2 failed"), "{err}");

    let out = query(
        tmp.path(),
        idx,
        &[
            "--columns",
            "signature,platform",
            "--sort",
            "signature,platform",
            "--facet",
            "platform",
        ],
    );
    insta::assert_snapshot!("query_table", stdout(&out));
    let out = query(
        tmp.path(),
        idx,
        &[
            "--columns",
            "signature,platform",
            "--sort",
            "signature,platform",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        stdout(&out),
        "signature,platform\nA | b,Linux\nA | b,Windows NT\n\"C, \"\"quoted\"\"\",Linux\n"
    );
    let out = query(
        tmp.path(),
        idx,
        &["--limit", "0", "--facet", "platform", "--format", "tsv"],
    );
    assert_eq!(
        stdout(&out),
        "facet\tterm\tcount\nplatform\tLinux\t2\nplatform\tWindows NT\t1\nplatform\ttotal\t3\n"
    );
    let out = query(
        tmp.path(),
        idx,
        &[
            "--columns",
            "signature",
            "--sort",
            "signature",
            "--format",
            "markdown",
            "--limit",
            "1",
            "--facet",
            "product",
        ],
    );
    insta::assert_snapshot!("query_markdown", stdout(&out));
    let r = json_query(
        tmp.path(),
        idx,
        &[
            "--columns",
            "signature,platform",
            "--sort",
            "-signature",
            "--aggs",
            "signature=platform",
            "--cardinality",
            "platform",
        ],
    );
    insta::assert_snapshot!("query_json", serde_json::to_string_pretty(&r).unwrap());
    let out = query(
        tmp.path(),
        idx,
        &[
            "--format",
            "ids",
            "--sort",
            "signature",
            "--columns",
            "signature",
        ],
    );
    assert_eq!(stdout(&out).lines().count(), 3);
    assert!(stdout(&out).lines().all(|l| l.len() == 36));
}

#[test]
fn mistakes_exit_2_naming_the_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let idx = idx.to_str().unwrap();
    for (args, needle) in [
        (vec!["nosuchfield=1"], "nosuchfield: unknown field"),
        (
            vec!["signature=@(oops"],
            "signature: invalid regular expression",
        ),
        (vec!["--facet", "nosuch"], "_facets: unknown field"),
        (vec!["--facets-size", "10001"], "_facets_size"),
        (
            vec!["--histogram", "date", "--interval", "fortnight"],
            "_histogram_interval.date",
        ),
        (
            vec!["date=>=2024-01-01", "date=<2026-01-01"],
            "date: the date range cannot be longer than 365 days",
        ),
        (vec!["product=~Fire"], "product takes plain values"),
        (vec!["signature"], "a filter is FIELD=VALUE"),
        (vec!["--limit", "lots"], "--limit"),
    ] {
        let out = query(tmp.path(), idx, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn a_second_writer_is_refused_while_readers_go_on() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let idx = idx.to_str().unwrap();
    let out = index(tmp.path(), idx, &generated(tmp.path(), 50, 3), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A writer waiting on its stdin holds the lock. A second writer started
    // before it took the lock wins instead; then the first is started again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let (mut writer, second) = 'attempt: loop {
        assert!(
            std::time::Instant::now() < deadline,
            "the lock was never taken"
        );
        let mut writer = crashkit(tmp.path())
            .args(["index", "--index", idx])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        loop {
            let out = index(tmp.path(), idx, "", &[]);
            if out.status.code() == Some(2) {
                break 'attempt (writer, out);
            }
            if writer.try_wait().unwrap().is_some() {
                continue 'attempt;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the lock was never taken"
            );
        }
    };
    let mut stdin = writer.stdin.take().unwrap();
    assert!(
        stderr(&second).contains("another crashkit is writing to this index"),
        "{}",
        stderr(&second)
    );
    // Readers are not blocked, and see the writer's commit once it is done.
    let before = json_query(
        tmp.path(),
        idx,
        &["--limit", "0", "date=>=2000-01-01", "date=<2000-06-01"],
    );
    assert_eq!(before["total"], 0);
    let all = json_query(tmp.path(), idx, &["--limit", "0", "uuid=!__null__"]);
    assert!(all["total"].as_u64().unwrap() > 0);
    stdin
        .write_all(generated(tmp.path(), 20, 4).as_bytes())
        .unwrap();
    drop(stdin);
    let done = writer.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", stderr(&done));
}

#[test]
fn rebuild_and_prune() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let idx_s = idx.to_str().unwrap();
    let out = index(tmp.path(), idx_s, &generated(tmp.path(), 200, 5), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // An index of an older on-disk layout (one recording none) or of
    // another schema version is refused until rebuilt.
    std::fs::write(
        idx.join("crashkit-index.json"),
        r#"{"schema_version": 2, "backend": "tantivy"}"#,
    )
    .unwrap();
    let out = index(tmp.path(), idx_s, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has layout 1") && stderr(&out).contains("--rebuild"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        idx.join("crashkit-index.json"),
        r#"{"schema_version": 999}"#,
    )
    .unwrap();
    let out = index(tmp.path(), idx_s, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("schema version 999") && stderr(&out).contains("--rebuild"),
        "{}",
        stderr(&out)
    );
    // Three weeks: whatever the day and hour, a whole Monday-to-Sunday
    // week lies before the pruning cutoff (two weeks left that to the clock).
    let out = index(
        tmp.path(),
        idx_s,
        &generated_over(tmp.path(), 30, 6, 3),
        &["--rebuild"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let since = (chrono::Utc::now() - chrono::Duration::days(300)).format("%Y-%m-%d");
    let r = json_query(
        tmp.path(),
        idx_s,
        &["--limit", "0", &format!("date=>={since}")],
    );
    assert_eq!(
        r["total"], 30,
        "the rebuilt index holds only the new crashes"
    );
    // Pruning drops whole weeks; alone it reads nothing.
    let out =
        run(crashkit(tmp.path()).args(["index", "--index", idx_s, "--prune-older-than", "1w"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pruned = stdout(&out).lines().count();
    assert!(
        pruned >= 1,
        "three weeks of crashes leave at least one older week: {}",
        stdout(&out)
    );
    let left = std::fs::read_dir(&idx)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("-W"))
        .count();
    assert!((1..=2).contains(&left), "{left}");
}

#[test]
fn elasticsearch_through_the_cli() {
    let Ok(url) = std::env::var("CRASHKIT_TEST_ES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but CRASHKIT_TEST_ES_URL is not (scripts/test.sh starts osmem-server)"
        );
        eprintln!("skipped: CRASHKIT_TEST_ES_URL is not set");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let es = format!(
        "{}/cli{}",
        url.trim_end_matches('/'),
        uuid::Uuid::new_v4().simple()
    );
    let local = tmp.path().join("idx");
    let local = local.to_str().unwrap();
    let input = generated(tmp.path(), 400, 11);
    for target in [es.as_str(), local] {
        let out = index(tmp.path(), target, &input, &[]);
        assert_eq!(out.status.code(), Some(0), "{target}: {}", stderr(&out));
    }
    // Explicit dates: the default window moves with the clock between the two runs.
    let from = format!(
        "date=>={}",
        (chrono::Utc::now() - chrono::Duration::days(10)).format("%Y-%m-%d")
    );
    let to = format!(
        "date=<{}",
        (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d")
    );
    let args = [
        from.as_str(),
        to.as_str(),
        "platform=Linux",
        "--aggs",
        "signature=product",
        "--histogram",
        "date",
        "--cardinality",
        "version",
        "--sort",
        "-uptime",
        "--columns",
        "uuid,uptime,signature",
        "--limit",
        "all",
    ];
    let remote = json_query(tmp.path(), &es, &args);
    let embedded = json_query(tmp.path(), local, &args);
    assert!(remote["total"].as_u64().unwrap() > 10);
    assert_eq!(remote, embedded, "both backends answer the same");
    let top = |target: &str| {
        stdout(&query(
            tmp.path(),
            target,
            &["--topcrashers", "--product", "Firefox", "--format", "json"],
        ))
    };
    let strip = |s: String| -> Value {
        let mut v: Value = serde_json::from_str(&s).unwrap();
        v.as_object_mut().unwrap().remove("from");
        v.as_object_mut().unwrap().remove("to");
        v
    };
    assert_eq!(strip(top(&es)), strip(top(local)));
}

#[test]
fn api_queries_page_through_crash_stats() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let target = head
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let param = |name: &str| -> usize {
                target
                    .split(['?', '&'])
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let (offset, number) = (param("_results_offset"), param("_results_number"));
            let hits: Vec<Value> = (offset..(offset + number).min(2500))
                .map(|i| json!({"uuid": format!("{i:08x}-1111-4222-8333-444444261126"), "signature": "S"}))
                .collect();
            let body = json!({"hits": hits, "total": 2500, "facets": {"signature": [{"term": "S", "count": 2500}]}, "errors": []}).to_string();
            seen.lock().unwrap().push(head);
            let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = run(crashkit(tmp.path())
        .args([
            "query",
            "--api",
            &format!("http://{addr}"),
            "signature=~S",
            "--facet",
            "signature",
            "--limit",
            "all",
            "--format",
            "ids",
        ])
        .env("CRASHSTATS_API_TOKEN", "tok-9"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2500);
    let sent = requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 3, "pages of 1,000");
    for (i, head) in sent.iter().enumerate() {
        let target = head.split_whitespace().nth(1).unwrap();
        assert!(target.starts_with("/api/SuperSearch/?"), "{target}");
        assert!(target.contains("signature=%7ES"), "{target}");
        assert!(target.contains("_facets=signature"), "{target}");
        assert!(target.contains("_results_number=1000"), "{target}");
        assert!(
            target.contains(&format!("_results_offset={}", i * 1000)),
            "{target}"
        );
        assert!(
            head.to_ascii_lowercase().contains("auth-token: tok-9"),
            "{head}"
        );
    }
    // A mistake is caught before anything is sent.
    let out =
        run(crashkit(tmp.path()).args(["query", "--api", &format!("http://{addr}"), "nosuch=1"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(requests.lock().unwrap().len(), 3);
}
