//! `crashkit reprocess`: ids to the reprocessing queue, the --missing sweep,
//! and the Crash Stats API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crashkit::queue::{self, QueueName};

use crate::{crashkit, stderr, stdout, with_stdin};

/// Everything waiting in the spool, as (queue, body).
fn drain(url: &str) -> Vec<(QueueName, String)> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let q = queue::open(url).await.unwrap();
            let got = q.pull(100_000, Duration::from_secs(60)).await.unwrap();
            got.into_iter().map(|d| (d.queue, d.body)).collect()
        })
}

const A: &str = "aaaaaaaa-1111-4222-8333-444444261126";
const B: &str = "bbbbbbbb-1111-4222-8333-444444261126";

#[test]
fn ids_go_to_the_reprocessing_queue_with_their_ruleset() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let out = with_stdin(
        crashkit(tmp.path()).args([
            "reprocess",
            "--queue",
            spool.to_str().unwrap(),
            "--ruleset",
            "regenerate_signature",
        ]),
        &format!("{A}\nnot-an-id\nbp-{B}\n"),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{A}\n{B}\n"));
    assert!(stderr(&out).contains("not-an-id: not a valid crash id"));
    let queued = drain(spool.to_str().unwrap());
    assert_eq!(queued.len(), 2);
    for (name, body) in &queued {
        assert_eq!(*name, QueueName::Reprocessing);
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["ruleset"], "regenerate_signature");
    }

    let out = crate::run(crashkit(tmp.path()).args([
        "reprocess",
        "--queue",
        spool.to_str().unwrap(),
        "--priority",
        A,
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(drain(spool.to_str().unwrap())[0].0, QueueName::Priority);

    let out = crate::run(crashkit(tmp.path()).args([
        "reprocess",
        "--queue",
        spool.to_str().unwrap(),
        "--dry-run",
        A,
        B,
    ]));
    assert_eq!(stdout(&out), format!("{A}\n{B}\n"));
    assert!(
        drain(spool.to_str().unwrap()).is_empty(),
        "a dry run sends nothing"
    );
}

#[test]
fn more_than_ten_thousand_need_allow_many() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let ids: String = (0..10_001u32)
        .map(|i| format!("{:08x}-1111-4222-8333-444444261126\n", i))
        .collect();
    let out = with_stdin(
        crashkit(tmp.path()).args(["reprocess", "--queue", spool.to_str().unwrap()]),
        &ids,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--allow-many"), "{}", stderr(&out));
    assert!(drain(spool.to_str().unwrap()).is_empty());
    let out = with_stdin(
        crashkit(tmp.path()).args([
            "reprocess",
            "--queue",
            spool.to_str().unwrap(),
            "--allow-many",
        ]),
        &ids,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(drain(spool.to_str().unwrap()).len(), 10_001);
}

#[test]
fn missing_finds_raw_crashes_without_a_processed_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashes");
    let day = storage.join("v1/raw_crash/20261126");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::create_dir_all(storage.join("v1/processed_crash")).unwrap();
    for id in [A, B] {
        std::fs::write(day.join(id), "{}").unwrap();
    }
    std::fs::write(storage.join(format!("v1/processed_crash/{A}")), "{}").unwrap();
    let spool = tmp.path().join("spool");
    let out = crate::run(crashkit(tmp.path()).args([
        "reprocess",
        "--missing",
        "--date",
        "2026-11-26",
        "--storage",
        storage.to_str().unwrap(),
        "--queue",
        spool.to_str().unwrap(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{B}\n"));
    let out = crate::run(crashkit(tmp.path()).args([
        "reprocess",
        "--missing",
        "--date",
        "26/11/2026",
        "--queue",
        "x",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_crash_stats_api_gets_groups_of_50_with_the_token() {
    // A real HTTP server on loopback that records what it is sent.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock()
                .unwrap()
                .push((head, String::from_utf8(body).unwrap()));
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ntrue",
            );
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let ids: String = (0..120u32)
        .map(|i| format!("{:08x}-1111-4222-8333-444444261126\n", i))
        .collect();
    let out = with_stdin(
        crashkit(tmp.path())
            .args(["reprocess", "--api", &format!("http://{addr}")])
            .env("CRASHSTATS_API_TOKEN", "tok-123"),
        &ids,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let sizes: Vec<usize> = requests
        .iter()
        .map(|(_, body)| body.matches("crash_ids=").count())
        .collect();
    assert_eq!(sizes, [50, 50, 20]);
    for (head, _) in &requests {
        assert!(
            head.starts_with("POST /api/Reprocessing/ HTTP/1.1"),
            "{head}"
        );
        assert!(
            head.to_ascii_lowercase().contains("auth-token: tok-123"),
            "{head}"
        );
    }
    assert_eq!(stdout(&out).lines().count(), 120);
}
