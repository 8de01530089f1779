//! `crashkit collect-serve`: the real binary on a free loopback port, posted
//! to by curl and by a raw HTTP client written here (which can also send
//! what well-behaved clients never would).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{crashkit, repo};

/// A running collector; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub storage: PathBuf,
    /// Every stderr line after the address line (the log).
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(dir: &Path, env: &[(&str, &str)], extra: &[&str]) -> Server {
        let storage = dir.join("crashes");
        Server::start_with(dir, storage.to_str().unwrap(), env, extra)
    }

    /// A collector saving to `storage_url` (a directory or an s3:// URL).
    pub fn start_with(
        dir: &Path,
        storage_url: &str,
        env: &[(&str, &str)],
        extra: &[&str],
    ) -> Server {
        let storage = PathBuf::from(storage_url);
        let mut cmd = crashkit(dir);
        cmd.args([
            "collect-serve",
            "--bind",
            "127.0.0.1:0",
            "--storage",
            storage_url,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("collector printed its address")
                .unwrap();
            if let Some(rest) = line.strip_prefix("crashkit collect-serve: listening on http://") {
                break rest.to_owned();
            }
        };
        // Keep draining stderr so the collector never blocks on it.
        let log = std::sync::Arc::<std::sync::Mutex<Vec<String>>>::default();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            addr,
            storage,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response: status, headers (lower-case names), body.
pub struct Response {
    pub status: u16,
    /// The status line and headers, as sent.
    pub head: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends raw request bytes and reads the whole response (Connection: close).
pub fn raw_request(addr: &str, request: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    // The server may answer (413) before reading everything; ignore write errors.
    let _ = stream.write_all(request);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Response { status, head, body }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

/// One multipart part.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    Text(&'a str, &'a str),
    TextTyped(&'a str, &'a str, &'a [u8]),
    Json(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

pub const BOUNDARY: &str = "crashkitboundary7MA4YWxkTrZu0gW";

pub fn multipart(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
            Part::TextTyped(name, ctype, value) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n").as_bytes());
                body.extend_from_slice(value);
            }
            Part::Json(name, json) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{json}").as_bytes());
            }
            Part::File(name, bytes) => {
                body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.dmp\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends a form post whose connection closes after `sent` bytes of `body`.
fn post_cut_off(addr: &str, body: &[u8], sent: usize) {
    let head = format!(
        "POST /submit HTTP/1.1\r\nHost: x\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        form(),
        body.len()
    );
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..sent]).unwrap();
}

/// A POST /submit with `body` and the given extra header lines.
pub fn post(
    addr: &str,
    body: &[u8],
    content_type: Option<&str>,
    extra_headers: &[&str],
) -> Response {
    let mut head = format!(
        "POST /submit HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    for h in extra_headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    raw_request(addr, &request)
}

pub fn form() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// The crash id of a `CrashID=bp-<id>\n` answer.
pub fn crash_id(r: &Response) -> String {
    let text = r.text();
    assert_eq!(r.status, 200, "{text}");
    text.strip_prefix("CrashID=bp-")
        .and_then(|t| t.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("not a CrashID answer: {text:?}"))
        .to_owned()
}

/// Waits (a dropped upload's staged file is removed in the background)
/// until storage holds no file at all: what every refusal must leave.
pub fn assert_nothing_stored(storage: &Path) {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut left = Vec::new();
        files(storage, &mut left);
        if left.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left in storage: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn raw_crash(storage: &Path, id: &str) -> Value {
    let path = storage.join(format!("v1/raw_crash/20{}/{id}", &id[30..]));
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

fn dump_bytes() -> Vec<u8> {
    std::fs::read(repo().join("testdata/minidumps/null-write.dmp")).unwrap()
}

#[test]
fn curl_posts_a_crash_that_is_stored_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let dump = repo().join("testdata/minidumps/null-write.dmp");
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-F",
            "ProductName=Firefox",
            "-F",
            "Version=150.0",
            "-F",
            "Email=someone@example.com",
        ])
        .arg("-F")
        .arg(format!("upload_file_minidump=@{}", dump.display()))
        .arg(server.url("/submit"))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let id = text
        .strip_prefix("CrashID=bp-")
        .and_then(|t| t.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{text:?}"))
        .to_owned();
    let raw = raw_crash(&server.storage, &id);
    assert_eq!(raw["ProductName"], "Firefox");
    assert!(raw.get("Email").is_none(), "Email is on the remove list");
    assert_eq!(raw["uuid"], id.as_str());
    assert_eq!(raw["version"], 2);
    let ts = raw["submitted_timestamp"].as_str().unwrap();
    assert!(
        ts.ends_with("+00:00") && ts.len() == "2026-11-26T18:06:14.123456+00:00".len(),
        "{ts}"
    );
    assert_eq!(
        &ts[2..4],
        &id[30..32],
        "the id's date is the submission date"
    );
    let md = &raw["metadata"];
    assert_eq!(md["payload"], "multipart");
    assert_eq!(md["payload_compressed"], "0");
    assert!(md["payload_size"].as_u64().unwrap() > 20_000);
    assert!(md["user_agent"].as_str().unwrap().starts_with("curl/"));
    assert_eq!(md["throttle_rule"], "accept_everything");
    assert!(md["collector_notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("Email")));
    let stored = std::fs::read(server.storage.join(format!("v1/dump/{id}"))).unwrap();
    assert_eq!(stored, std::fs::read(&dump).unwrap());
    let sha: String = Sha256::digest(&stored)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(md["dump_checksums"]["upload_file_minidump"], sha.as_str());
    let names: Value = serde_json::from_slice(
        &std::fs::read(server.storage.join(format!("v1/dump_names/{id}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(names, serde_json::json!(["upload_file_minidump"]));
}

#[test]
fn every_discard_reason_is_antennas() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let a = &server.addr;
    let good = multipart(&[Part::Text("ProductName", "Firefox")]);
    let chunked = {
        let body = b"irrelevant";
        let req = format!(
            "POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            form(),
            body.len()
        );
        let mut req = req.into_bytes();
        req.extend_from_slice(body);
        req.extend_from_slice(b"\r\n0\r\n\r\n");
        raw_request(a, &req)
    };
    let cases: Vec<(Response, u16, &str)> = vec![
        (
            post(a, &good, None, &[]),
            400,
            "Discarded=malformed_no_content_type",
        ),
        (
            post(a, &good, Some("text/plain"), &[]),
            400,
            "Discarded=malformed_wrong_content_type",
        ),
        (
            post(a, &good, Some("multipart/form-data"), &[]),
            400,
            "Discarded=malformed_no_boundary",
        ),
        (chunked, 400, "Discarded=malformed_no_content_length"),
        (
            post(a, &good, Some(&form()), &["Content-Encoding: gzip"]),
            400,
            "Discarded=malformed_bad_gzip",
        ),
        (
            post(
                a,
                &gzip(&good)[..20],
                Some(&form()),
                &["Content-Encoding: gzip"],
            ),
            400,
            "Discarded=malformed_bad_gzip",
        ),
        (
            post(a, b"--nope\r\ngarbage", Some(&form()), &[]),
            400,
            "Discarded=malformed_invalid_payload_structure",
        ),
        (
            post(
                a,
                &multipart(&[Part::Json("extra", "{oops")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_invalid_json",
        ),
        (
            post(
                a,
                &multipart(&[Part::Json("extra", "[1, 2]")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_invalid_json_value",
        ),
        (
            post(
                a,
                &multipart(&[Part::Text("A", "b"), Part::File("raw_crash", b"x")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_invalid_dump_name",
        ),
        (
            post(
                a,
                &multipart(&[Part::Text("A", "b"), Part::File("!!!", b"x")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_invalid_dump_name",
        ),
        (
            post(
                a,
                &multipart(&[Part::File("upload_file_minidump", b"x")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_no_annotations",
        ),
        (
            post(
                a,
                &multipart(&[Part::Json("extra", "{}")]),
                Some(&form()),
                &[],
            ),
            400,
            "Discarded=malformed_no_annotations",
        ),
    ];
    for (i, (resp, status, body)) in cases.iter().enumerate() {
        assert_eq!(
            (resp.status, resp.text().as_str()),
            (*status, *body),
            "case {i}"
        );
    }
    // Nothing was stored by any of them, not even a staged dump.
    assert_nothing_stored(&server.storage);
}

#[test]
fn gzip_json_extra_and_four_dumps() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let dump = dump_bytes();
    let body = multipart(&[
        Part::Json(
            "extra",
            r#"{"ProductName": "Firefox", "Version": "150.0", "StartupCrash": 1, "Nested": {"a": [1, 2]}, "metadata": "client lies"}"#,
        ),
        Part::Text("Comments", "Комментарий ✓ 日本語"),
        Part::File("upload_file_minidump", &dump),
        Part::File("upload_file_minidump_browser", b"browser dump"),
        Part::File("upload_file_minidump_content", b"content dump"),
        Part::File("memory report", b"{}"),
    ]);
    let compressed = gzip(&body);
    let resp = post(
        &server.addr,
        &compressed,
        Some(&form()),
        &["Content-Encoding: gzip", "User-Agent: Crashpad/1.0"],
    );
    let id = crash_id(&resp);
    let raw = raw_crash(&server.storage, &id);
    assert_eq!(raw["StartupCrash"], 1, "JSON value types are kept");
    assert_eq!(raw["Nested"]["a"][1], 2);
    assert_eq!(raw["Comments"], "Комментарий ✓ 日本語");
    let md = &raw["metadata"];
    assert_eq!(md["payload"], "json");
    assert_eq!(md["payload_compressed"], "1");
    assert_eq!(md["payload_size"], compressed.len() as u64);
    assert_eq!(md["user_agent"], "Crashpad/1.0");
    let names: Vec<String> = serde_json::from_slice(
        &std::fs::read(server.storage.join(format!("v1/dump_names/{id}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        names,
        [
            "memoryreport",
            "upload_file_minidump",
            "upload_file_minidump_browser",
            "upload_file_minidump_content"
        ]
    );
    assert_eq!(
        std::fs::read(
            server
                .storage
                .join(format!("v1/upload_file_minidump_browser/{id}"))
        )
        .unwrap(),
        b"browser dump"
    );
    assert_eq!(md["dump_checksums"].as_object().unwrap().len(), 4);
    assert!(md["collector_notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "includes annotations in both json-encoded extra and formdata parts"));
}

#[test]
fn size_limits_at_the_limit_and_one_byte_over() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(
        tmp.path(),
        &[
            ("CRASHKIT_COLLECTOR_MAX_PART_MB", "1"),
            ("CRASHKIT_COLLECTOR_MAX_BODY_MB", "2"),
            ("CRASHKIT_COLLECTOR_MAX_DECOMPRESSED_MB", "3"),
        ],
        &[],
    );
    let mib = 1 << 20;
    let at = vec![7u8; mib];
    let over = vec![7u8; mib + 1];
    let ok = post(
        &server.addr,
        &multipart(&[
            Part::Text("A", "b"),
            Part::File("upload_file_minidump", &at),
        ]),
        Some(&form()),
        &[],
    );
    crash_id(&ok);
    // The part limit is for annotations: a dump over it is only held to
    // the body limits (Antenna's rule), an annotation over it is refused.
    crash_id(&post(
        &server.addr,
        &multipart(&[
            Part::Text("A", "b"),
            Part::File("upload_file_minidump", &over),
        ]),
        Some(&form()),
        &[],
    ));
    let long_text = "x".repeat(mib + 1);
    let part = post(
        &server.addr,
        &multipart(&[Part::Text("A", "b"), Part::Text("Long", &long_text)]),
        Some(&form()),
        &[],
    );
    assert_eq!(part.status, 413, "{}", part.text());

    // The wire limit, exactly: a body of 2 MiB passes, 2 MiB + 1 does not.
    let body_of = |len: usize| {
        let mut parts = multipart(&[Part::Text("A", "b"), Part::File("d1", &at)]);
        let filler = len - parts.len() - 200;
        parts = multipart(&[
            Part::Text("A", "b"),
            Part::File("d1", &at),
            Part::File("d2", &vec![1u8; filler]),
        ]);
        let pad = len - parts.len();
        multipart(&[
            Part::Text("A", "b"),
            Part::File("d1", &at),
            Part::File("d2", &vec![1u8; filler + pad]),
        ])
    };
    let exact = body_of(2 * mib);
    assert_eq!(exact.len(), 2 * mib);
    crash_id(&post(&server.addr, &exact, Some(&form()), &[]));
    let one_over = body_of(2 * mib + 1);
    assert_eq!(
        post(&server.addr, &one_over, Some(&form()), &[]).status,
        413
    );

    // A gzip bomb stops at the decompressed limit.
    let bomb = gzip(&multipart(&[
        Part::Text("A", "b"),
        Part::File("d", &vec![0u8; 64 * mib]),
    ]));
    assert!(bomb.len() < mib);
    let resp = post(
        &server.addr,
        &bomb,
        Some(&form()),
        &["Content-Encoding: gzip"],
    );
    assert_eq!(resp.status, 413, "{}", resp.text());
}

#[test]
fn a_20_mib_dump_is_accepted_with_default_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let big: Vec<u8> = (0..20 * (1 << 20))
        .map(|i: usize| (i % 251) as u8)
        .collect();
    let id = crash_id(&post(
        &server.addr,
        &multipart(&[
            Part::Text("ProductName", "Big"),
            Part::File("upload_file_minidump", &big),
        ]),
        Some(&form()),
        &[],
    ));
    assert_eq!(
        std::fs::read(server.storage.join(format!("v1/dump/{id}")))
            .unwrap()
            .len(),
        big.len()
    );
}

#[test]
fn client_supplied_crash_ids_need_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_COLLECTOR_API_TOKEN", "s3cret-token")],
        &[],
    );
    let id = "de1bb258-cbbf-4589-a673-34f800160918";
    let body = multipart(&[Part::Text("ProductName", "Firefox"), Part::Text("uuid", id)]);
    let r = post(&server.addr, &body, Some(&form()), &[]);
    assert_eq!(
        (r.status, r.text().as_str()),
        (401, "Discarded=unauthorized_uuid")
    );
    let r = post(
        &server.addr,
        &body,
        Some(&form()),
        &["Authorization: Bearer wrong-token!"],
    );
    assert_eq!(r.status, 401);
    let r = post(
        &server.addr,
        &body,
        Some(&form()),
        &["Authorization: Bearer s3cret-token"],
    );
    assert_eq!(crash_id(&r), id);
    // Stored under the id's own date (2016-09-18), not today's.
    assert_eq!(raw_crash(&server.storage, id)["uuid"], id);
    let bad = multipart(&[
        Part::Text("ProductName", "Firefox"),
        Part::Text("uuid", "not-an-id"),
    ]);
    let r = post(
        &server.addr,
        &bad,
        Some(&form()),
        &["Authorization: Bearer s3cret-token"],
    );
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, "Discarded=malformed_invalid_uuid")
    );
}

/// A config file in `dir` with one throttle rule of each result: Version
/// below 100 rejected (`no_old`), ProductName Fake fake-accepted (`fake`),
/// ReleaseChannel release deferred (`later`), the rest accepted.
fn throttle_config(dir: &Path) -> PathBuf {
    let config = dir.join("crashkit.toml");
    std::fs::write(
        &config,
        r#"
[[throttle]]
name = "no_old"
annotation = "Version"
version_below = "100"
result = "reject"

[[throttle]]
name = "fake"
annotation = "ProductName"
equals = "Fake"
result = "fake_accept"

[[throttle]]
name = "later"
annotation = "ReleaseChannel"
equals = "release"
result = "defer"

[[throttle]]
name = "everything_else"
annotation = "*"
result = "accept"
"#,
    )
    .unwrap();
    config
}

#[test]
fn throttle_rules_reject_defer_and_fake_accept() {
    let tmp = tempfile::tempdir().unwrap();
    let config = throttle_config(tmp.path());
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_CONFIG", config.to_str().unwrap())],
        &["--print-ids"],
    );
    let send = |parts: &[Part]| post(&server.addr, &multipart(parts), Some(&form()), &[]);
    let r = send(&[Part::Text("Version", "99.0")]);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "Discarded=rule_no_old")
    );
    let fake = crash_id(&send(&[
        Part::Text("Version", "120.0"),
        Part::Text("ProductName", "Fake"),
    ]));
    assert_eq!(
        &fake[29..30],
        "3",
        "fake-accepted ids carry throttle digit 3"
    );
    let deferred = crash_id(&send(&[
        Part::Text("Version", "120.0"),
        Part::Text("ReleaseChannel", "release"),
    ]));
    assert_eq!(&deferred[29..30], "1");
    let accepted = crash_id(&send(&[Part::Text("Version", "120.0")]));
    assert_eq!(&accepted[29..30], "0");
    assert_eq!(
        raw_crash(&server.storage, &deferred)["metadata"]["throttle_rule"],
        "later"
    );
    assert_eq!(
        raw_crash(&server.storage, &accepted)["metadata"]["throttle_rule"],
        "everything_else"
    );
    assert!(!server
        .storage
        .join(format!("v1/raw_crash/20{}/{fake}", &fake[30..]))
        .exists());
    // Only the accepted crash is published (--print-ids).
    let metrics = raw_request(
        &server.addr,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .text();
    assert!(
        metrics
            .contains("crashkit_collector_crashes_total{outcome=\"rejected\",reason=\"no_old\"} 1"),
        "{metrics}"
    );
    assert!(metrics
        .contains("crashkit_collector_crashes_total{outcome=\"deferred\",reason=\"later\"} 1"));
    let mut server = server;
    terminate(&mut server);
    let mut printed = String::new();
    server
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert_eq!(printed, format!("{accepted}\n"));
}

pub fn terminate(server: &mut Server) -> std::process::ExitStatus {
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    for _ in 0..200 {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("collector did not stop on SIGTERM");
}

#[test]
fn health_version_metrics_and_a_clean_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path(), &[], &[]);
    let get = |path: &str| {
        raw_request(
            &server.addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    };
    let lb = get("/__lbheartbeat__");
    assert_eq!((lb.status, lb.body.len()), (200, 0));
    let hb = get("/__heartbeat__");
    assert_eq!(hb.status, 200);
    assert_eq!(
        serde_json::from_slice::<Value>(&hb.body).unwrap()["errors"],
        serde_json::json!([])
    );
    let v: Value = serde_json::from_slice(&get("/__version__").body).unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    crash_id(&post(
        &server.addr,
        &multipart(&[Part::Text("A", "b")]),
        Some(&form()),
        &[],
    ));
    let m = get("/metrics").text();
    assert!(
        m.contains(
            "crashkit_collector_crashes_total{outcome=\"accepted\",reason=\"accept_everything\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("crashkit_collector_save_seconds_count 1"));
    assert!(m.contains("crashkit_collector_bytes_received_total "));
    assert_eq!(terminate(&mut server).code(), Some(0));
}

/// Puts a file where the collector's storage directory under `dir` goes.
fn make_storage_unwritable(dir: &Path) {
    std::fs::write(dir.join("crashes"), b"a file where the directory should be").unwrap();
}

#[test]
fn an_unwritable_storage_fails_the_heartbeat_and_the_save() {
    let tmp = tempfile::tempdir().unwrap();
    make_storage_unwritable(tmp.path());
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_COLLECTOR_SAVE_TIMEOUT_SECS", "5")],
        &[],
    );
    let get = raw_request(
        &server.addr,
        b"GET /__heartbeat__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(get.status, 503);
    assert!(get.text().contains("storage is not writable"));
    let r = post(
        &server.addr,
        &multipart(&[Part::Text("A", "b")]),
        Some(&form()),
        &[],
    );
    assert_eq!(r.status, 500);
}

/// A dump past the in-memory threshold is staged in storage as it arrives;
/// when that fails, the throttle still answers as Antenna does with storage
/// down: a rejected or fake-accepted crash gets its answer, only a crash
/// to be saved gets the failure.
#[test]
fn a_crash_the_throttle_turns_away_is_answered_as_such_while_storage_fails() {
    let tmp = tempfile::tempdir().unwrap();
    make_storage_unwritable(tmp.path());
    let config = throttle_config(tmp.path());
    let server = Server::start(
        tmp.path(),
        &[
            ("CRASHKIT_CONFIG", config.to_str().unwrap()),
            ("CRASHKIT_COLLECTOR_SAVE_TIMEOUT_SECS", "5"),
        ],
        &[],
    );
    let dump = vec![0x4d; 3 << 20];
    let send = |parts: &[Part]| {
        let mut parts = parts.to_vec();
        parts.push(Part::File("upload_file_minidump", &dump));
        post(&server.addr, &multipart(&parts), Some(&form()), &[])
    };
    let r = send(&[Part::Text("Version", "99.0")]);
    assert_eq!(
        (r.status, r.text().as_str()),
        (200, "Discarded=rule_no_old")
    );
    let r = send(&[
        Part::Text("Version", "120.0"),
        Part::Text("ProductName", "Fake"),
    ]);
    assert_eq!(&crash_id(&r)[29..30], "3", "fake-accepted");
    let r = send(&[Part::Text("Version", "120.0")]);
    assert_eq!(r.status, 500, "{}", r.text());
    crate::faults::wait_for(
        "the failure to be logged",
        std::time::Duration::from_secs(10),
        || {
            server
                .log
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("a dump could not be staged in storage"))
        },
    );
}

#[test]
fn declared_charsets_are_honoured_and_undecodable_text_is_dropped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let body = multipart(&[
        Part::Text("ProductName", "Firefox"),
        Part::TextTyped("Latin", "text/plain; charset=iso-8859-1", b"caf\xe9"),
        Part::TextTyped("Klingon", "text/plain; charset=x-klingon", b"\xff\xfe"),
        Part::TextTyped("BadUtf8", "text/plain", b"\xff"),
    ]);
    let id = crash_id(&post(&server.addr, &body, Some(&form()), &[]));
    let raw = raw_crash(&server.storage, &id);
    assert_eq!(raw["Latin"], "café");
    assert!(raw.get("Klingon").is_none() && raw.get("BadUtf8").is_none());
    let notes = raw["metadata"]["collector_notes"].to_string();
    assert!(
        notes.contains("extract payload text part exception: invalid text or charset: x-klingon")
            && notes
                .contains("extract payload text part exception: invalid text or charset: utf-8"),
        "{notes}"
    );
}

/// Regression guard for the collector's promise: a crash answered with a
/// CrashID survives `kill -9` right after the answer, and a crash cut off
/// mid-save never leaves a raw crash behind.
#[test]
fn every_answered_crash_survives_kill_9_mid_load() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let _heavy = crate::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path(), &[], &[]);
    let answered: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (addr, answered, stop) = (server.addr.clone(), answered.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seq = 0u32;
                while !stop.load(Ordering::SeqCst) {
                    seq += 1;
                    let dump: Vec<u8> = (0..64 * 1024u32).map(|i| (i.wrapping_mul(w + 7).wrapping_add(seq)) as u8).collect();
                    let sha: String = Sha256::digest(&dump).iter().map(|b| format!("{b:02x}")).collect();
                    let body = multipart(&[Part::Text("Seq", &format!("{w}-{seq}")), Part::File("upload_file_minidump", &dump)]);
                    let Ok(mut stream) = TcpStream::connect(&addr) else { break };
                    let head = format!("POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n", form(), body.len());
                    if stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body)).is_err() {
                        break;
                    }
                    let mut raw = Vec::new();
                    let _ = stream.read_to_end(&mut raw);
                    let text = String::from_utf8_lossy(&raw);
                    if let Some(pos) = text.find("CrashID=bp-") {
                        let id = text[pos + 11..pos + 47].to_owned();
                        answered.lock().unwrap().push((id, sha));
                    } else if raw.is_empty() {
                        break; // the collector is gone
                    }
                }
            })
        })
        .collect();
    while answered.lock().unwrap().len() < 60 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.child.kill().unwrap(); // SIGKILL, mid-load
    server.child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 60);
    for (id, sha) in &answered {
        let raw = raw_crash(&server.storage, id);
        assert_eq!(
            raw["metadata"]["dump_checksums"]["upload_file_minidump"],
            sha.as_str(),
            "{id}"
        );
        let dump = std::fs::read(server.storage.join(format!("v1/dump/{id}"))).unwrap();
        let stored: String = Sha256::digest(&dump)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&stored, sha, "{id}: dump damaged");
        assert!(server.storage.join(format!("v1/dump_names/{id}")).is_file());
    }
    // Every raw crash in storage, answered or not, is complete.
    for day in std::fs::read_dir(server.storage.join("v1/raw_crash")).unwrap() {
        for entry in std::fs::read_dir(day.unwrap().path()).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                continue; // a staged write the kill interrupted: never renamed, never visible
            }
            let raw: Value = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
            let dump = std::fs::read(server.storage.join(format!("v1/dump/{name}")))
                .unwrap_or_else(|_| panic!("{name}: raw crash without its dump"));
            let stored: String = Sha256::digest(&dump)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(
                raw["metadata"]["dump_checksums"]["upload_file_minidump"],
                stored.as_str()
            );
        }
    }
}

#[test]
fn a_client_that_goes_quiet_is_dropped_with_408() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_COLLECTOR_IDLE_TIMEOUT_SECS", "1")],
        &[],
    );
    let body = multipart(&[
        Part::Text("ProductName", "Slow"),
        Part::File("upload_file_minidump", &[5u8; 4096]),
    ]);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    let head = format!("POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n", form(), body.len());
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..body.len() / 2]).unwrap();
    let mut raw = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.ends_with("Discarded=timeout"), "{text}");
}

#[test]
fn sigterm_finishes_the_request_in_flight_before_exiting() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = Server::start(tmp.path(), &[], &[]);
    let body = multipart(&[
        Part::Text("ProductName", "InFlight"),
        Part::File("upload_file_minidump", &[9u8; 200_000]),
    ]);
    let mut stream = TcpStream::connect(&server.addr).unwrap();
    let head = format!("POST /submit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n", form(), body.len());
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..1000]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );
    stream.write_all(&body[1000..]).unwrap();
    let mut raw = Vec::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let id = text
        .split("CrashID=bp-")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"))
        .trim()
        .to_owned();
    assert_eq!(raw_crash(&server.storage, &id)["ProductName"], "InFlight");
    assert_eq!(terminate(&mut server).code(), Some(0));
    // And it no longer accepts connections.
    assert!(TcpStream::connect(&server.addr).is_err());
}

#[test]
fn crashes_go_to_s3_and_process_from_there() {
    let Some((endpoint, bucket)) = crate::s3_target() else {
        return;
    };
    let url = format!("s3://{bucket}/collector-{}", std::process::id());
    let tmp = tempfile::tempdir().unwrap();
    let env = [("CRASHKIT_STORAGE_S3_ENDPOINT", endpoint.as_str())];
    let server = Server::start_with(tmp.path(), &url, &env, &[]);
    let dump = dump_bytes();
    let id = crash_id(&post(
        &server.addr,
        &multipart(&[
            Part::Text("ProductName", "S3"),
            Part::File("upload_file_minidump", &dump),
        ]),
        Some(&form()),
        &[],
    ));
    let symbols = repo().join("testdata/symbols");
    let out = crate::run(
        crashkit(tmp.path())
            .args([
                "process",
                "--storage",
                &url,
                "--symbols-path",
                symbols.to_str().unwrap(),
                &id,
            ])
            .env("CRASHKIT_STORAGE_S3_ENDPOINT", &endpoint),
    );
    assert_eq!(out.status.code(), Some(0), "{}", crate::stderr(&out));
    assert_eq!(
        crate::stdout(&out),
        format!("{id}\tOK\tcrashhelper::crash_null_write\n")
    );
}

/// Dumps past 5 MiB stream to S3 as multipart uploads: stored whole, and
/// an upload cut off mid-dump leaves no object and no open upload.
#[test]
fn large_dumps_stream_to_s3_and_an_abandoned_upload_leaves_nothing() {
    let Some((endpoint, bucket)) = crate::s3_target() else {
        return;
    };
    let prefix = format!("collector-large-{}", uuid::Uuid::new_v4().simple());
    let url = format!("s3://{bucket}/{prefix}");
    let tmp = tempfile::tempdir().unwrap();
    let env = [("CRASHKIT_STORAGE_S3_ENDPOINT", endpoint.as_str())];
    let server = Server::start_with(tmp.path(), &url, &env, &[]);
    let big: Vec<u8> = (0..12 << 20).map(|i: u32| (i % 241) as u8).collect();
    let body = multipart(&[
        Part::Text("ProductName", "Big"),
        Part::File("upload_file_minidump", &big),
        Part::File("upload_file_minidump_browser", b"MDMP small"),
    ]);
    let id = crash_id(&post(&server.addr, &body, Some(&form()), &[]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let storage = crashkit::storage::CrashStorage::open(&crashkit::config::StorageSettings {
        url: url.clone(),
        s3_endpoint: Some(endpoint.clone()),
        ..Default::default()
    })
    .unwrap();
    let id = crashkit::crash_id::CrashId::parse(&id).unwrap();
    let stored = runtime
        .block_on(storage.get_dump(&id, "upload_file_minidump"))
        .unwrap();
    assert!(stored == big, "the 12 MiB dump came back different");
    let small = runtime
        .block_on(storage.get_dump(&id, "upload_file_minidump_browser"))
        .unwrap();
    assert_eq!(&small[..], b"MDMP small");

    // Cut off 9 MiB into the dump: past the first part, so an upload was open.
    post_cut_off(&server.addr, &body, 9 << 20);
    let objects = || runtime.block_on(storage.objects().list("")).unwrap();
    let open_uploads = || {
        let out = std::process::Command::new("curl")
            .args(["-s", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user"])
            .arg(format!(
                "{}:{}",
                std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
                std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default()
            ))
            // Parameters sorted and `uploads=` spelled out, as SigV4's
            // canonical query has them.
            .arg(format!("{endpoint}/{bucket}?prefix={prefix}&uploads="))
            .output()
            .expect("curl lists multipart uploads");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(text.contains("ListMultipartUploadsResult"), "{text}");
        text.matches("<Upload>").count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (left, open) = (objects(), open_uploads());
        // The one crash's three objects and its dump names.
        if left.len() == 4 && open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {left:?}, {open} open uploads"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Antenna validates a client's crash id strictly: its exact shape, and a
/// throttle digit (the 7th character from the end) of 0 or 1.
#[test]
fn a_client_crash_id_with_a_throttle_digit_other_than_0_or_1_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(
        tmp.path(),
        &[("CRASHKIT_COLLECTOR_API_TOKEN", "s3cret-token")],
        &[],
    );
    let auth = ["Authorization: Bearer s3cret-token"];
    for (supplied, accepted) in [
        ("de1bb258-cbbf-4589-a673-34f800160918", true),
        ("de1bb258-cbbf-4589-a673-34f801160918", true),
        ("de1bb258-cbbf-4589-a673-34f802160918", false),
        ("de1bb258-cbbf-4589-a673-34f803160918", false),
        ("de1bb258-cbbf-4589-a673-34f809160918", false),
        ("bp-de1bb258-cbbf-4589-a673-34f800160918", false),
        ("DE1BB258-CBBF-4589-A673-34F800160918", false),
    ] {
        let body = multipart(&[
            Part::Text("ProductName", "Firefox"),
            Part::Text("uuid", supplied),
        ]);
        let r = post(&server.addr, &body, Some(&form()), &auth);
        if accepted {
            assert_eq!(crash_id(&r), supplied);
        } else {
            assert_eq!(
                (r.status, r.text().as_str()),
                (400, "Discarded=malformed_invalid_uuid"),
                "{supplied}"
            );
        }
    }
}

/// A client that closes its connection mid-upload is counted and logged as
/// a client abort, not as a malformed payload; nothing is stored.
#[test]
fn a_client_that_disconnects_mid_upload_is_a_client_abort() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(tmp.path(), &[], &[]);
    let body = multipart(&[
        Part::Text("ProductName", "Firefox"),
        Part::File("upload_file_minidump", &vec![7u8; 3_000_000]),
    ]);
    // Past the first MiB, which is held in memory: a staged file exists.
    post_cut_off(&server.addr, &body, 2_500_000);
    let metrics = || {
        raw_request(
            &server.addr,
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .text()
    };
    let counted =
        "crashkit_collector_crashes_total{outcome=\"discarded\",reason=\"client_aborted\"} 1";
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut m = metrics();
    while !m.contains(counted) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        m = metrics();
    }
    assert!(m.contains(counted), "{m}");
    assert!(!m.contains("invalid_payload_structure"), "{m}");
    assert_nothing_stored(&server.storage);
}
