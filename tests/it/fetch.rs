//! `crashkit fetch`: from `crashkit serve` (the real Crash Stats API
//! shapes, tokens and permissions) behind a proxy of this test's own that
//! answers each URL first with a 429 (Retry-After: 1), then with a 500,
//! and only then passes it on; and from a storage.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::serve::{secret, Site};
use crate::{crashkit, run, stderr, stdout};

/// What the proxy answered: per path and query, how many times.
type Seen = Arc<Mutex<HashMap<String, u32>>>;

/// A proxy to `upstream` on a free port that fails each URL twice before
/// passing it on: 429 with Retry-After, then 500.
fn flaky_proxy(upstream: String) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen: Seen = Arc::default();
    let counts = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (upstream, counts) = (upstream.clone(), counts.clone());
            std::thread::spawn(move || {
                let _ = handle(stream, &upstream, &counts);
            });
        }
    });
    (addr, seen)
}

fn handle(mut client: TcpStream, upstream: &str, counts: &Seen) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let target = text.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let n = {
        let mut counts = counts.lock().unwrap();
        let n = counts.entry(target).or_default();
        *n += 1;
        *n
    };
    match n {
        1 => client.write_all(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        2 => client.write_all(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
        _ => {
            // Pass it on, one request a connection.
            let mut request = String::new();
            for line in text.lines().filter(|l| !l.is_empty()) {
                let lower = line.to_ascii_lowercase();
                if !lower.starts_with("connection:") && !lower.starts_with("keep-alive") {
                    request.push_str(line);
                    request.push_str("\r\n");
                }
            }
            request.push_str("Connection: close\r\n\r\n");
            let mut server = TcpStream::connect(upstream)?;
            server.write_all(request.as_bytes())?;
            let mut answer = Vec::new();
            server.read_to_end(&mut answer)?;
            client.write_all(&answer)
        }
    }
}

fn fetch(dir: &Path, token: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut cmd = crashkit(dir);
    cmd.arg("fetch").args(args);
    match token {
        Some(t) => cmd.env("CRASHSTATS_API_TOKEN", secret(t)),
        None => cmd.env_remove("CRASHSTATS_API_TOKEN"),
    };
    run(&mut cmd)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

#[test]
fn fetch_from_a_crash_stats_through_429s_and_500s() {
    let site = Site::start();
    let (proxy, seen) = flaky_proxy(site.addr.clone());
    let from = format!("http://{proxy}");
    let ids: Vec<String> = site.crash_ids().into_iter().take(3).collect();
    let into = site.dir.join("fetched");
    let to = into.to_str().unwrap();
    let mut args = vec!["--from", &from, "--to", to, "--processed", "--workers", "3"];
    args.extend(ids.iter().map(String::as_str));

    let out = fetch(&site.dir, Some("all"), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(printed.len(), 3);
    for id in &ids {
        assert!(printed.contains(id), "{id} not printed");
        let raw = read_json(&into.join(format!("v1/raw_crash/20{}/{id}", &id[30..])));
        assert_eq!(
            raw,
            site.raw_crash(id),
            "the whole raw crash, with view_pii"
        );
        let dump = std::fs::read(into.join(format!("v1/dump/{id}"))).unwrap();
        assert!(dump == std::fs::read(site.storage().join(format!("v1/dump/{id}"))).unwrap());
        assert_eq!(
            std::fs::read(into.join(format!("v1/dump_names/{id}"))).unwrap(),
            br#"["upload_file_minidump"]"#
        );
        assert_eq!(
            read_json(&into.join(format!("v1/processed_crash/{id}"))),
            site.processed_crash(id)
        );
    }
    // Every URL was refused twice (429, then 500) before it was answered.
    let seen_handle = seen.clone();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 9, "{seen:?}");
    assert!(seen.values().all(|n| *n == 3), "{seen:?}");

    // The next run finds everything there and asks for nothing.
    let before: u32 = seen.values().sum();
    let out = fetch(&site.dir, Some("all"), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 fetched, 3 already there"),
        "{}",
        stderr(&out)
    );
    let after: u32 = seen_now(&seen_handle);
    assert_eq!(after, before, "nothing asked for again");

    // What is fetched can be processed next.
    let out = run(crashkit(&site.dir)
        .args(["process", "--storage", to])
        .arg("--symbols-path")
        .arg(crate::repo().join("testdata/symbols"))
        .args(&ids));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.contains("\tOK\t"))
            .count(),
        3
    );
}

fn seen_now(seen: &Seen) -> u32 {
    seen.lock().unwrap().values().sum()
}

#[test]
fn permissions_missing_crashes_and_dumps_are_said_clearly() {
    let site = Site::start();
    let ids: Vec<String> = site.crash_ids().into_iter().take(3).collect();
    let from = site.url("");

    // A token without view_rawdump: raw crashes come, dumps are refused,
    // and it is said once, not per crash.
    let into = site.dir.join("no-dumps");
    let mut args = vec![
        "--from",
        from.as_str(),
        "--to",
        into.to_str().unwrap(),
        "--workers",
        "1",
    ];
    args.extend(ids.iter().map(String::as_str));
    let out = fetch(&site.dir, Some("pii"), &args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out)
            .matches("lacks the view_rawdump permission")
            .count(),
        1,
        "{}",
        stderr(&out)
    );
    for id in &ids {
        assert!(into
            .join(format!("v1/raw_crash/20{}/{id}", &id[30..]))
            .exists());
        assert!(!into.join(format!("v1/dump/{id}")).exists());
    }

    // An unknown crash fails alone; a dump the server lacks is a note.
    let id = &ids[0];
    let raw_path = site
        .storage()
        .join(format!("v1/raw_crash/20{}/{id}", &id[30..]));
    let mut raw = read_json(&raw_path);
    raw["metadata"]["dump_checksums"]["upload_file_minidump_browser"] = "0".into();
    std::fs::write(&raw_path, serde_json::to_vec(&raw).unwrap()).unwrap();
    let into = site.dir.join("partial");
    let missing = "00000000-0000-4000-8000-000000261201";
    let out = fetch(
        &site.dir,
        Some("all"),
        &["--from", &from, "--to", into.to_str().unwrap(), id, missing],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{missing}: no such crash")), "{err}");
    assert!(
        err.contains("has no dump upload_file_minidump_browser"),
        "{err}"
    );
    assert_eq!(stdout(&out).trim(), id.as_str());
    assert!(into.join(format!("v1/dump/{id}")).exists());

    // fetch-data's layout, then migrate from it: the v1 tree again.
    let cst = site.dir.join("cst");
    let mut args = vec![
        "--from",
        from.as_str(),
        "--to",
        cst.to_str().unwrap(),
        "--layout",
        "crashstats-tools",
        "--processed",
    ];
    args.extend(ids.iter().skip(1).map(String::as_str));
    let out = fetch(&site.dir, Some("all"), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(cst
        .join(format!("upload_file_minidump/{}", ids[1]))
        .exists());
    let v1 = site.dir.join("from-cst");
    let out = run(crashkit(&site.dir).args([
        "migrate",
        cst.to_str().unwrap(),
        v1.to_str().unwrap(),
        "--from-layout",
        "crashstats-tools",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for id in &ids[1..] {
        for key in [
            format!("v1/raw_crash/20{}/{id}", &id[30..]),
            format!("v1/dump/{id}"),
            format!("v1/processed_crash/{id}"),
        ] {
            let (a, b) = (v1.join(&key), site.storage().join(&key));
            let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            if key.contains("dump/") {
                assert!(a == b, "{key}");
            } else {
                let (a, b): (Value, Value) = (
                    serde_json::from_slice(&a).unwrap(),
                    serde_json::from_slice(&b).unwrap(),
                );
                assert_eq!(a, b, "{key}");
            }
        }
    }

    // From a storage: whole crashes, verified.
    let copy = site.dir.join("copy");
    let out = run(crashkit(&site.dir)
        .args(["fetch", "--from"])
        .arg(site.storage())
        .arg("--to")
        .arg(&copy)
        .args(&ids));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3);
    assert!(copy.join(format!("v1/processed_crash/{}", ids[2])).exists());
}

/// A token the server does not know is refused for every crash: the run
/// stops at the first 403 with one message naming the token, instead of
/// one failed request per crash.
#[test]
fn a_refused_token_stops_the_run_at_the_first_403() {
    let site = Site::start();
    let from = format!("http://{}", site.addr);
    let ids = site.crash_ids();
    let into = site.dir.join("fetched");
    let mut args = vec![
        "--from",
        &from,
        "--to",
        into.to_str().unwrap(),
        "--workers",
        "1",
    ];
    args.extend(ids.iter().map(String::as_str));
    let mut cmd = crashkit(&site.dir);
    cmd.arg("fetch")
        .args(&args)
        .env("CRASHSTATS_API_TOKEN", "not-a-token");
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("HTTP 403").count(), 1, "{err}");
    assert!(err.contains("stopping: the token is unknown"), "{err}");
    assert!(stdout(&out).is_empty());
}
