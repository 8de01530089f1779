//! `crashkit demo`: the whole pipeline in one command, and as a smoke test
//! of a running installation.

use crate::collector::Server;
use crate::{crashkit, repo, run, stderr, stdout};

#[test]
fn the_demo_runs_the_pipeline_and_prints_top_crashers_and_a_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    let out = crate::demo(tmp.path(), &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("posted 42 crashes over HTTP"), "{text}");
    assert!(text.contains("processed and indexed 42 crashes"), "{text}");
    // The ranking, as a person reads it.
    let table: String = text
        .lines()
        .skip_while(|l| !l.starts_with("rank"))
        .take_while(|l| !l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!("demo_topcrashers", table);
    // One symbolicated stack: the program's own functions with file and line.
    assert!(
        text.contains(
            "crashhelper!crashhelper::crash_null_write  testdata/crashhelper/src/main.rs:31"
        ),
        "{text}"
    );
    assert!(text.contains("Next:\n  crashkit query --index"), "{text}");
    assert!(
        text.contains("--serve    # the same crashes in Crash Stats' pages"),
        "{text}"
    );
    // The components' INFO lines (one per crash) stay out of the story.
    let err = stderr(&out);
    assert!(!err.contains(" INFO "), "{err}");
    for part in ["crashdata/v1/raw_crash", "spool", "index"] {
        assert!(dir.join(part).exists(), "{part} left in the demo directory");
    }
}

#[test]
fn the_demo_is_a_smoke_test_of_a_running_installation() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let symbols = repo().join("testdata/symbols");
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_QUEUE_POLL_INTERVAL_MS", "50")],
        &[
            "--queue",
            tmp.path().join("spool").to_str().unwrap(),
            "--process",
            "--index",
            index.to_str().unwrap(),
            "--symbols-path",
            symbols.to_str().unwrap(),
        ],
    );
    let out = run(crashkit(tmp.path())
        .arg("demo")
        .args(["--collector", &server.url("")])
        .arg("--storage")
        .arg(&server.storage)
        .arg("--index")
        .arg(&index)
        .arg("--testdata")
        .arg(repo().join("testdata")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("processed: crashhelper::crash_null_write"),
        "{text}"
    );
    assert!(text.contains("indexed: found by uuid="), "{text}");
    // Against nothing, it fails and says why.
    let out = run(crashkit(tmp.path())
        .args(["demo", "--collector", "http://127.0.0.1:1"])
        .arg("--storage")
        .arg(&server.storage)
        .arg("--index")
        .arg(&index));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("posting a crash to http://127.0.0.1:1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_demo_serves_its_pages_when_asked() {
    use std::io::{BufRead, BufReader};
    let tmp = tempfile::tempdir().unwrap();
    let mut child = crashkit(tmp.path())
        .arg("demo")
        .arg("--dir")
        .arg(tmp.path().join("demo"))
        .arg("--testdata")
        .arg(repo().join("testdata"))
        .arg("--serve")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut child = Stop(child);
    let site = loop {
        let line = lines.next().expect("the demo printed its site").unwrap();
        if let Some(rest) = line.strip_prefix("Crash Stats on ") {
            break rest.trim_end_matches(" (Ctrl-C to stop):").to_owned();
        }
    };
    let urls: Vec<String> = lines
        .by_ref()
        .take(4)
        .map(|l| l.unwrap().trim().to_owned())
        .collect();
    assert!(
        urls[0].ends_with("/topcrashers/?product=Firefox&days=7"),
        "{urls:?}"
    );
    assert!(urls[1].contains("/report/index/"), "{urls:?}");
    let addr = site
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    for url in &urls {
        let path = &url[url.find(&addr).unwrap() + addr.len()..];
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let answer = crate::collector::raw_request(&addr, request.as_bytes());
        assert_eq!(answer.status, 200, "{path}");
    }
    // Ctrl-C ends it cleanly.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
