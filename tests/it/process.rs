//! `crashkit process`: real minidumps from testdata/ (made by the
//! crashhelper program) and hostile ones built here.

use std::path::{Path, PathBuf};

use minidump_synth::{Memory, Module, SynthMinidump, SystemInfo, Thread};
use serde_json::Value;
use test_assembler::{Endian, Section};

use crate::{crashkit, repo, run, stderr, stdout};

fn process(dir: &Path, args: &[&str]) -> std::process::Output {
    run(crashkit(dir).arg("process").args(args))
}

pub(crate) fn symbols() -> String {
    repo().join("testdata/symbols").display().to_string()
}

pub(crate) fn dump(name: &str) -> String {
    repo()
        .join("testdata/minidumps")
        .join(name)
        .display()
        .to_string()
}

/// Annotations with fixed times, so a processed crash is the same on
/// every run (a local dump is otherwise stamped with the time it is read).
fn fixed_annotations(dir: &Path) -> String {
    let path = dir.join("fixed-annotations.json");
    std::fs::write(
        &path,
        r#"{"uuid": "de1bb258-cbbf-4589-a673-34f800261126",
            "submitted_timestamp": "2026-11-26T18:06:14.123456+00:00",
            "CrashTime": "1795716300", "StartupTime": "1795716000", "InstallTime": "1790000000",
            "ProductName": "CrashHelper", "Version": "1.0", "ReleaseChannel": "nightly"}"#,
    )
    .unwrap();
    path.display().to_string()
}

/// The first processor note names the time and host of the run.
fn without_start_note(text: &str) -> String {
    let start = regex::Regex::new(r">>> Start processing: [^\n(]*\([^)\\]*\)").unwrap();
    start
        .replace_all(text, ">>> Start processing: [TIME] ([HOST])")
        .into_owned()
}

fn json_of(out: &std::process::Output) -> serde_json::Map<String, Value> {
    match serde_json::from_slice::<Value>(&out.stdout) {
        Ok(Value::Object(map)) => map,
        other => panic!("not a processed crash: {other:?}\nstderr: {}", stderr(out)),
    }
}

#[test]
fn null_write_report_names_function_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let annotations = fixed_annotations(tmp.path());
    let out = process(
        tmp.path(),
        &[
            &dump("null-write.dmp"),
            "--symbols-path",
            &symbols(),
            "--annotations",
            &annotations,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = without_start_note(&stdout(&out).replace(&repo().display().to_string(), "[REPO]"));
    assert!(
        report.contains("crashhelper!crashhelper::crash_null_write"),
        "{report}"
    );
    assert!(report.contains("src/main.rs:31"), "{report}");
    insta::assert_snapshot!("null_write_report", report);
}

#[test]
fn every_real_crash_is_signed_in_its_own_function() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, signature, reason) in [
        ("null-write.dmp", "crashhelper::crash_null_write", "SIGSEGV"),
        ("abort.dmp", "crashhelper::crash_abort", "SIGABRT"),
        ("panic.dmp", "crashhelper::crash_panic", "SIGABRT"),
        (
            "stack-overflow.dmp",
            "crashhelper::crash_stack_overflow",
            "SIGSEGV",
        ),
        (
            "illegal-instruction.dmp",
            "crashhelper::crash_illegal_instruction",
            "SIGILL",
        ),
        (
            "divide-by-zero.dmp",
            "crashhelper::crash_divide_by_zero",
            "SIGFPE",
        ),
        (
            "thread-null-write.dmp",
            "crashhelper::crash_null_write",
            "SIGSEGV",
        ),
        (
            "many-threads.dmp",
            "crashhelper::crash_null_write",
            "SIGSEGV",
        ),
    ] {
        let out = process(
            tmp.path(),
            &[
                &dump(file),
                "--symbols-path",
                &symbols(),
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let pc = json_of(&out);
        assert_eq!(pc["signature"], signature, "{file}");
        assert!(
            pc["reason"].as_str().unwrap().starts_with(reason),
            "{file}: {}",
            pc["reason"]
        );
        assert_eq!(pc["success"], true, "{file}");
    }
}

#[test]
fn the_secondary_thread_crash_names_its_thread() {
    let tmp = tempfile::tempdir().unwrap();
    let out = process(
        tmp.path(),
        &[
            &dump("thread-null-write.dmp"),
            "--symbols-path",
            &symbols(),
            "--format",
            "json",
        ],
    );
    let pc = json_of(&out);
    assert_eq!(pc["crashing_thread_name"], "worker-7");
    assert!(
        pc["thread_count"].as_u64().unwrap() >= 13,
        "{}",
        pc["thread_count"]
    );
    assert!(pc["proto_signature"]
        .as_str()
        .unwrap()
        .contains("crashhelper::worker_crash"));
}

#[test]
fn json_has_socorros_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let annotations = tmp.path().join("extra.json");
    std::fs::write(
        &annotations,
        r#"{"ProductName": "CrashHelper", "Version": "1.0", "ReleaseChannel": "nightly", "BuildID": "20261126000000",
            "ProcessType": "parent", "CrashTime": "1764180000", "StartupTime": "1764179000", "InstallTime": "1764000000"}"#,
    )
    .unwrap();
    let out = process(
        tmp.path(),
        &[
            &dump("null-write.dmp"),
            "--symbols-path",
            &symbols(),
            "--format",
            "json",
            "--annotations",
            annotations.to_str().unwrap(),
        ],
    );
    let pc = json_of(&out);
    for field in [
        "uuid",
        "crash_id",
        "signature",
        "proto_signature",
        "product",
        "version",
        "release_channel",
        "build",
        "process_type",
        "os_name",
        "os_version",
        "cpu_arch",
        "cpu_info",
        "cpu_count",
        "reason",
        "address",
        "crashing_thread",
        "crashing_thread_name",
        "json_dump",
        "additional_minidumps",
        "submitted_timestamp",
        "date_processed",
        "crash_time",
        "uptime",
        "install_age",
        "modules_in_stack",
        "topmost_filenames",
        "thread_count",
        "minidump_sha256_hash",
        "mdsw_status_string",
        "success",
        "stackwalk_version",
        "processor_notes",
        "processor_history",
        "started_datetime",
        "completed_datetime",
        "schema_version",
    ] {
        assert!(pc.contains_key(field), "missing {field}");
    }
    assert_eq!(pc["product"], "CrashHelper");
    assert_eq!(pc["uptime"], 1000);
    assert_eq!(pc["install_age"], 180000);
    assert_eq!(pc["os_name"], "Linux");
    assert_eq!(pc["cpu_arch"], "amd64");
    assert_eq!(pc["address"], "0x0000000000000000");
    assert_eq!(pc["schema_version"], 2);
    assert_eq!(pc["process_type"], "parent");
    assert_eq!(pc["report_type"], "crash");
    assert!(!pc["os_pretty_version"].as_str().unwrap().is_empty());
    assert_eq!(pc["minidump_sha256_hash"].as_str().unwrap().len(), 64);
    // Socorro's shapes: `;`-joined strings, one top-most file.
    assert!(pc["modules_in_stack"]
        .as_str()
        .unwrap()
        .split(';')
        .any(|m| m.starts_with("crashhelper/")));
    assert!(pc["topmost_filenames"]
        .as_str()
        .unwrap()
        .ends_with("src/main.rs"));
    assert!(pc["json_dump"]["threads"].is_array());
}

#[test]
fn without_symbols_the_modules_are_listed_as_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = process(tmp.path(), &[&dump("null-write.dmp")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("Modules without symbols: crashhelper"),
        "{}",
        stdout(&out)
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// An amd64 CONTEXT record with `rip`, `rsp` and `rbp` set (layout of
/// Windows' CONTEXT_AMD64, which minidumps use on every platform).
fn amd64_context(rip: u64, rsp: u64, rbp: u64) -> Section {
    Section::with_endian(Endian::Little)
        .append_repeated(0, 8 * 6) // parameter home addresses
        .D32(0x10001f) // context flags: all
        .D32(0) // mx_csr
        .append_repeated(0, 2 * 6) // segment registers
        .D32(0) // eflags
        .append_repeated(0, 8 * 6) // debug registers
        .append_repeated(0, 8 * 4) // rax, rcx, rdx, rbx
        .D64(rsp)
        .D64(rbp)
        .append_repeated(0, 8 * 10) // rsi .. r15
        .D64(rip)
        .append_repeated(0, 512) // float save area
        .append_repeated(0, 16 * 26) // vector registers
        .append_repeated(0, 8 * 6)
}

/// A minimal amd64 Linux dump with `threads` threads, optionally an
/// exception on the first, whose stack is a frame-pointer chain `depth`
/// frames deep into one module.
fn synth_dump(threads: u32, exception: bool, depth: u64) -> Vec<u8> {
    synth(threads, exception, depth, false)
}

/// Like [`synth_dump`]; with `all_deep`, every thread walks the deep stack.
fn synth(threads: u32, exception: bool, depth: u64, all_deep: bool) -> Vec<u8> {
    let e = Endian::Little;
    let code_base = 0x4000_0000u64;
    let stack_base = 0x7000_0000u64;
    let mut stack = Section::with_endian(e);
    for i in 0..depth {
        let (rbp, ret) = if i + 1 == depth {
            (0, 0)
        } else {
            (stack_base + 16 * (i + 1), code_base + 0x100 + i)
        };
        stack = stack.D64(rbp).D64(ret);
    }
    let stack = Memory::with_section(stack.append_repeated(0, 64), stack_base);
    let context = amd64_context(code_base + 0x50, stack_base, stack_base);
    let name = minidump_synth::DumpString::new("/usr/lib/libdeep.so", e);
    let module = Module::new(e, code_base, 0x10_0000, &name, 0, 0, None);
    let system_info = SystemInfo::new(e)
        .set_processor_architecture(
            minidump_common::format::ProcessorArchitecture::PROCESSOR_ARCHITECTURE_AMD64 as u16,
        )
        .set_platform_id(minidump_common::format::PlatformId::Linux as u32);
    let other_stack = Memory::with_section(Section::with_endian(e).append_repeated(0, 16), 0x1000);
    let mut dump = SynthMinidump::with_endian(e)
        .add_system_info(system_info)
        .add_module(module);
    dump = dump.add_thread(Thread::new(e, 1, &stack, &context));
    for id in 1..threads {
        let stack_of = if all_deep { &stack } else { &other_stack };
        dump = dump.add_thread(Thread::new(e, id + 1, stack_of, &context));
    }
    if exception {
        let mut ex = minidump_synth::Exception::new(e);
        ex.thread_id = 1;
        ex.exception_record.exception_code = 11; // SIGSEGV
        dump = dump.add_exception(ex);
    }
    dump.add(context)
        .add(name)
        .add_memory(stack)
        .add_memory(other_stack)
        .finish()
        .unwrap()
}

#[test]
fn broken_dumps_give_a_failed_processed_crash_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let real = std::fs::read(dump("null-write.dmp")).unwrap();
    // Each with the status Socorro writes: its stackwalker's error name.
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.dmp", Vec::new(), "EmptyMinidump"),
        ("truncated.dmp", real[..real.len() / 3].to_vec(), ""),
        ("header-only.dmp", real[..32].to_vec(), ""),
        (
            "garbage.dmp",
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
            "HeaderMismatch",
        ),
    ];
    for (name, bytes, status) in cases {
        let path = write(tmp.path(), name, &bytes);
        let out = process(tmp.path(), &[path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let pc = json_of(&out);
        // Socorro's `success`: every rule ran, which they do.
        assert_eq!(pc["success"], true, "{name}");
        let got = pc["mdsw_status_string"].as_str().unwrap();
        assert!(got != "OK" && got.starts_with(status), "{name}: {got}");
        let notes = pc["processor_notes"].as_str().unwrap();
        assert!(
            notes.contains("MinidumpStackwalkRule: "),
            "{name}: no reason given: {notes}"
        );
        assert!(
            pc["signature"].as_str().unwrap().starts_with("EMPTY"),
            "{name}: {}",
            pc["signature"]
        );
        // The human report says it too, without panicking.
        let out = process(tmp.path(), &[path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stdout(&out).contains("(processing failed)"), "{name}");
    }
    // A dump without an exception stream is walked (minidump-stackwalk
    // reads it): no crashing thread, which a note says.
    let path = write(tmp.path(), "no-exception.dmp", &synth_dump(2, false, 3));
    let out = process(tmp.path(), &[path.to_str().unwrap(), "--format", "json"]);
    let pc = json_of(&out);
    assert_eq!(pc["mdsw_status_string"], "OK");
    assert!(pc["processor_notes"]
        .as_str()
        .unwrap()
        .contains("mdsw did not identify the crashing thread"));
}

#[test]
fn an_empty_dump_is_signed_like_socorro() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "empty.dmp", b"");
    let pc = json_of(&process(
        tmp.path(),
        &[path.to_str().unwrap(), "--format", "json"],
    ));
    assert_eq!(
        pc["signature"],
        "EMPTY: no frame data available; EmptyMinidump"
    );
}

#[test]
fn thousands_of_threads_are_processed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "threads.dmp", &synth_dump(3000, true, 3));
    let out = process(tmp.path(), &[path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pc = json_of(&out);
    assert_eq!(pc["thread_count"], 3000);
    assert_eq!(pc["success"], true);
}

#[test]
fn a_stack_deeper_than_500_frames_is_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "deep.dmp", &synth_dump(1, true, 900));
    let out = process(tmp.path(), &[path.to_str().unwrap(), "--format", "json"]);
    let pc = json_of(&out);
    let frames = pc["json_dump"]["threads"][0]["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 500, "{}", pc["processor_notes"]);
    assert!(frames[250]["truncated"]["msg"]
        .as_str()
        .unwrap()
        .ends_with("frames truncated"));
    assert!(pc["processor_notes"]
        .as_str()
        .unwrap()
        .contains("TruncateStacksRule: truncated json_dump.threads[0].frames: 900 > 500"));
}

/// Stores a crash in the v1 layout under `root`, as the collector would,
/// submitted at midnight UTC of the day its id names: a crash dated today
/// is then never after now, the end of a query's default window, whatever
/// time the tests run at.
pub(crate) fn store_crash(root: &Path, id: &str, dumps: &[(&str, &[u8])]) {
    let date = format!("20{}", &id[30..]);
    let raw = serde_json::json!({
        "uuid": id, "ProductName": "CrashHelper", "Version": "1.0",
        "submitted_timestamp": format!("{}-{}-{}T00:00:00.000000+00:00", &date[..4], &date[4..6], &date[6..]),
    });
    let names: Vec<&str> = dumps.iter().map(|(n, _)| *n).collect();
    std::fs::create_dir_all(root.join("v1/dump_names")).unwrap();
    std::fs::write(
        root.join(format!("v1/dump_names/{id}")),
        serde_json::to_vec(&names).unwrap(),
    )
    .unwrap();
    for (name, bytes) in dumps {
        let dir = root.join("v1").join(if *name == "upload_file_minidump" {
            "dump"
        } else {
            name
        });
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(id), bytes).unwrap();
    }
    let dir = root.join("v1/raw_crash").join(&date);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(id), serde_json::to_vec(&raw).unwrap()).unwrap();
}

#[test]
fn stored_crashes_are_processed_saved_and_reported_one_line_each() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashes");
    let good = "aaaaaaaa-1111-4222-8333-444444261126";
    let broken = "bbbbbbbb-1111-4222-8333-444444261126";
    let missing = "cccccccc-1111-4222-8333-444444261126";
    let null_write = std::fs::read(dump("null-write.dmp")).unwrap();
    let thread = std::fs::read(dump("thread-null-write.dmp")).unwrap();
    store_crash(
        &storage,
        good,
        &[
            ("upload_file_minidump", &null_write),
            ("upload_file_minidump_content", &thread),
        ],
    );
    store_crash(
        &storage,
        broken,
        &[("upload_file_minidump", b"not a minidump")],
    );
    let stdin = format!("{good}\nbp-{broken}\nnot-an-id\n{missing}\n");
    let mut child = crashkit(tmp.path())
        .args([
            "process",
            "--storage",
            storage.to_str().unwrap(),
            "--symbols-path",
            &symbols(),
            "--jobs",
            "2",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // One line per crash, as each finishes.
    let mut lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    lines.sort_by_key(|l| !l.starts_with(good));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        format!("{good}\tOK\tcrashhelper::crash_null_write")
    );
    // Socorro's status for a dump that cannot be read: the error's name.
    assert!(
        lines[1].starts_with(&format!("{broken}\tMissingHeader\t")),
        "{}",
        lines[1]
    );
    let err = stderr(&out);
    assert!(err.contains("not-an-id: not a valid crash id"), "{err}");
    assert!(err.contains(missing), "{err}");

    let saved: Value = serde_json::from_slice(
        &std::fs::read(storage.join(format!("v1/processed_crash/{good}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["uuid"], good);
    assert_eq!(
        saved["additional_minidumps"],
        serde_json::json!(["upload_file_minidump_content"])
    );
    assert_eq!(saved["upload_file_minidump_content"]["success"], true);
    assert_eq!(
        saved["upload_file_minidump_content"]["json_dump"]["crash_info"]["crashing_thread"],
        8
    );
    let failed: Value = serde_json::from_slice(
        &std::fs::read(storage.join(format!("v1/processed_crash/{broken}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(failed["success"], true);
    assert_eq!(failed["mdsw_status_string"], "MissingHeader");
    assert!(!storage
        .join(format!("v1/processed_crash/{missing}"))
        .exists());

    // Re-sign only, with lists that make crash_null_write a prefix frame.
    let lists = tmp.path().join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    for (name, text) in [
        // An empty regex list matches everything, as in Socorro; this one matches nothing.
        ("irrelevant_signature_re.txt", "never_matches_anything$\n"),
        ("prefix_signature_re.txt", "crashhelper::crash_null_write\n"),
        ("signature_sentinels.txt", ""),
        (
            "signatures_with_line_numbers_re.txt",
            "never_matches_anything$\n",
        ),
    ] {
        std::fs::write(lists.join(name), text).unwrap();
    }
    let out = run(crashkit(tmp.path()).args([
        "process",
        "--storage",
        storage.to_str().unwrap(),
        "--ruleset",
        "regenerate_signature",
        "--siglists",
        lists.to_str().unwrap(),
        "--format",
        "json",
        good,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let resigned: Value = serde_json::from_slice(
        &std::fs::read(storage.join(format!("v1/processed_crash/{good}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        resigned["signature"],
        "crashhelper::crash_null_write | crashhelper::main"
    );
    // Socorro's history: the previous run's notes, newest first.
    assert_eq!(resigned["processor_history"][0], saved["processor_notes"]);
    assert!(resigned["processor_notes"]
        .as_str()
        .unwrap()
        .starts_with(">>> Start processing: "));
    assert!(resigned["signature_debug"]
        .as_str()
        .unwrap()
        .contains("crashhelper::crash_null_write | crashhelper::main"));
    assert_eq!(
        resigned["json_dump"], saved["json_dump"],
        "only the signature changes"
    );
}

/// A real HTTP server (Python's http.server) serving `dir` on a free
/// loopback port; its request log goes to `log`.
struct SymbolServer {
    child: std::process::Child,
    url: String,
}

/// Python's http.server, but every `.sym` file is stored gzipped and
/// served with `Content-Encoding: gzip`, as Tecken's storage and S3 do;
/// with a third argument, `.sym` files need that `Auth-Token` (else 403),
/// and `/private/…` redirects to `/…`.
const GZIP_SERVER: &str = r#"
import functools, http.server, sys
class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/private/"):
            self.send_response(302)
            self.send_header("Location", self.path[len("/private"):])
            self.end_headers()
            return
        if len(sys.argv) > 3 and self.path.endswith(".sym") and self.headers.get("Auth-Token") != sys.argv[3]:
            self.send_error(403)
            return
        super().do_GET()
    def end_headers(self):
        if self.path.endswith(".sym"):
            self.send_header("Content-Encoding", "gzip")
        super().end_headers()
port, root = int(sys.argv[1]), sys.argv[2]
http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root)).serve_forever()
"#;

impl SymbolServer {
    fn start(dir: &Path, log: &Path) -> SymbolServer {
        SymbolServer::start_with(dir, log, false)
    }

    fn start_with(dir: &Path, log: &Path, gzip: bool) -> SymbolServer {
        SymbolServer::start_private(dir, log, gzip, None)
    }

    /// With `token`: the gzip server, whose `.sym` files need it.
    fn start_private(dir: &Path, log: &Path, gzip: bool, token: Option<&str>) -> SymbolServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new("python3");
        if gzip || token.is_some() {
            command
                .args(["-c", GZIP_SERVER, &port.to_string()])
                .arg(dir)
                .args(token);
        } else {
            command
                .args([
                    "-m",
                    "http.server",
                    "--bind",
                    "127.0.0.1",
                    &port.to_string(),
                    "--directory",
                ])
                .arg(dir);
        }
        let child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("python3 runs a symbol server for the test");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        SymbolServer {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        }
    }
}

impl Drop for SymbolServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn symbols_come_from_a_server_once_then_from_the_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    let module_dir = std::fs::read_dir(repo().join("testdata/symbols/crashhelper"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let id = module_dir.file_name().unwrap().to_str().unwrap().to_owned();
    std::fs::create_dir_all(served.join("crashhelper").join(&id)).unwrap();
    std::fs::copy(
        module_dir.join("crashhelper.sym"),
        served.join("crashhelper").join(&id).join("crashhelper.sym"),
    )
    .unwrap();
    let log = tmp.path().join("server.log");
    let cache = tmp.path().join("cache");
    let server = SymbolServer::start(&served, &log);
    let args = |url: &str| {
        vec![
            dump("null-write.dmp"),
            "--symbols-url".into(),
            url.to_owned(),
            "--symbols-cache".into(),
            cache.display().to_string(),
            "--format".into(),
            "json".into(),
        ]
    };
    for _ in 0..2 {
        let out = run(crashkit(tmp.path()).arg("process").args(args(&server.url)));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(json_of(&out)["signature"], "crashhelper::crash_null_write");
    }
    let requests = std::fs::read_to_string(&log).unwrap();
    let gets = |what: &str| {
        requests
            .lines()
            .filter(|l| l.contains("GET") && l.contains(what))
            .count()
    };
    assert_eq!(
        gets("crashhelper.sym"),
        1,
        "downloaded once, then cached:\n{requests}"
    );
    assert_eq!(gets("libc.so.6.sym"), 1, "a 404 is remembered:\n{requests}");
    assert!(cache
        .join("crashhelper")
        .join(&id)
        .join("crashhelper.sym")
        .is_file());
    drop(server);
    // With the server gone, the cache still answers.
    let out = run(crashkit(tmp.path())
        .arg("process")
        .args(args("http://127.0.0.1:9/")));
    assert_eq!(json_of(&out)["signature"], "crashhelper::crash_null_write");
}

/// crashhelper's symbol file stored gzipped under `served` in the Breakpad
/// layout: its debug id and its text.
fn serve_gzipped_crashhelper(served: &Path) -> (String, Vec<u8>) {
    let module_dir = std::fs::read_dir(repo().join("testdata/symbols/crashhelper"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let id = module_dir.file_name().unwrap().to_str().unwrap().to_owned();
    let text = std::fs::read(module_dir.join("crashhelper.sym")).unwrap();
    let dir = served.join("crashhelper").join(&id);
    std::fs::create_dir_all(&dir).unwrap();
    let gzip = std::process::Command::new("gzip")
        .arg("-c")
        .arg(module_dir.join("crashhelper.sym"))
        .output()
        .expect("gzip compresses the test's symbol file");
    assert!(gzip.status.success() && gzip.stdout.starts_with(&[0x1f, 0x8b]));
    std::fs::write(dir.join("crashhelper.sym"), &gzip.stdout).unwrap();
    (id, text)
}

/// A server that stores symbol files gzipped and says `Content-Encoding:
/// gzip`: the cache holds the text, the crash is symbolicated; a cached
/// file that does not parse is dropped and fetched again.
#[test]
fn gzipped_symbol_files_are_decoded_and_a_broken_cached_one_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    let (id, text) = serve_gzipped_crashhelper(&served);
    let log = tmp.path().join("server.log");
    let cache = tmp.path().join("cache");
    let server = SymbolServer::start_with(&served, &log, true);
    let process = || {
        run(crashkit(tmp.path())
            .arg("process")
            .arg(dump("null-write.dmp"))
            .args(["--symbols-url", &server.url, "--symbols-cache"])
            .arg(&cache)
            .args(["--format", "json"]))
    };
    let url = format!("{}crashhelper/{id}/crashhelper.sym", server.url);
    let symbol_url = |out: &std::process::Output| {
        json_of(out)["json_dump"]["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["filename"] == "crashhelper")
            .map(|m| m["symbol_url"].clone())
    };
    let out = process();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_of(&out)["signature"], "crashhelper::crash_null_write");
    assert_eq!(symbol_url(&out), Some(serde_json::json!(url)));
    // The cache holds the text, and where it came from as
    // minidump-stackwalk's cache writes it.
    let cached = cache.join("crashhelper").join(&id).join("crashhelper.sym");
    let mut want = text.clone();
    if !want.ends_with(b"\n") {
        want.push(b'\n');
    }
    want.extend_from_slice(format!("INFO URL {url}\n").as_bytes());
    assert!(
        std::fs::read(&cached).unwrap() == want,
        "the cache holds the text and its URL"
    );
    // A torn cached file is not trusted: dropped, fetched again, used.
    std::fs::write(&cached, b"\x00\x01 not a symbol file").unwrap();
    let out = process();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_of(&out)["signature"], "crashhelper::crash_null_write");
    assert!(std::fs::read(&cached).unwrap() == want, "fetched again");
    // From the cache, the crash still says where its symbols came from.
    let out = process();
    assert_eq!(symbol_url(&out), Some(serde_json::json!(url)));
    let requests = std::fs::read_to_string(&log).unwrap();
    let gets = requests
        .lines()
        .filter(|l| l.contains("GET") && l.contains("crashhelper.sym"))
        .count();
    assert_eq!(gets, 2, "{requests}");
}

/// A private symbol server: the `Auth-Token` of `process.symbols_headers`
/// (its value from the environment) opens it, through a redirect too; a
/// missing variable is a usage error naming it.
#[test]
fn private_symbol_servers_get_their_header_from_the_environment() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    serve_gzipped_crashhelper(&served);
    let log = tmp.path().join("server.log");
    let server = SymbolServer::start_private(&served, &log, true, Some("s3cr3t"));
    let config = tmp.path().join("crashkit.toml");
    std::fs::write(
        &config,
        format!(
            "[process]\nsymbols_headers = [\"{} Auth-Token: ${{SYM_TOKEN}}\"]\n",
            server.url
        ),
    )
    .unwrap();
    let process = |cache: &str, env: Option<&str>| {
        let mut cmd = crashkit(tmp.path());
        cmd.env_remove("SYM_TOKEN");
        if let Some(token) = env {
            cmd.env("SYM_TOKEN", token);
        }
        run(cmd
            .arg("--config")
            .arg(&config)
            .arg("process")
            .arg(dump("null-write.dmp"))
            .args(["--symbols-url", &format!("{}private/", server.url)])
            .arg("--symbols-cache")
            .arg(tmp.path().join(cache))
            .args(["--format", "json"]))
    };
    let out = process("cache-a", Some("s3cr3t"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_of(&out)["signature"], "crashhelper::crash_null_write");
    // A wrong token: the server refuses (403 counts as not found).
    let out = process("cache-b", Some("wrong"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(json_of(&out)["signature"], "crashhelper::crash_null_write");
    // No variable: refused before any work, naming it.
    let out = process("cache-c", None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SYM_TOKEN is not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_hostile_dump_is_bounded_in_time_and_memory_and_the_batch_goes_on() {
    // 1,500 threads that each unwind 900 frames: slow to walk and large to
    // describe. Limits small enough to trip on it, not on a real crash.
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashes");
    let hostile = "dddddddd-1111-4222-8333-444444261126";
    let good = "eeeeeeee-1111-4222-8333-444444261126";
    store_crash(
        &storage,
        hostile,
        &[("upload_file_minidump", &synth(1500, true, 900, true))],
    );
    store_crash(
        &storage,
        good,
        &[(
            "upload_file_minidump",
            &std::fs::read(dump("null-write.dmp")).unwrap(),
        )],
    );
    for (env, value, status, note) in [
        (
            "CRASHKIT_PROCESS_TIMEOUT_SECS",
            "1",
            "ERROR_TIMEOUT",
            "longer than 1 s",
        ),
        (
            "CRASHKIT_PROCESS_MEMORY_LIMIT_MB",
            "160",
            "ERROR_WORKER_DIED",
            "memory limit is 160 MiB",
        ),
    ] {
        let started = std::time::Instant::now();
        let out = run(crashkit(tmp.path())
            .args([
                "process",
                "--storage",
                storage.to_str().unwrap(),
                "--jobs",
                "1",
                hostile,
                good,
            ])
            .env(env, value));
        assert_eq!(out.status.code(), Some(1), "{env}: {}", stderr(&out));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "{env}: not bounded"
        );
        let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
        assert_eq!(lines.len(), 2, "{env}: {lines:?}");
        assert!(
            lines[0].starts_with(&format!("{hostile}\t{status}")),
            "{env}: {}",
            lines[0]
        );
        // The next crash gets a fresh worker and is processed normally
        // (without symbols here, so a loaded machine stays within the limit).
        assert!(
            lines[1].starts_with(&format!("{good}\tOK\t")),
            "{env}: {}",
            lines[1]
        );
        let saved: Value = serde_json::from_slice(
            &std::fs::read(storage.join(format!("v1/processed_crash/{hostile}"))).unwrap(),
        )
        .unwrap();
        // Socorro's words for a stackwalk that was stopped; the reason
        // is in the stackwalker's (protected) log.
        assert_eq!(saved["success"], true);
        let notes = saved["processor_notes"].as_str().unwrap();
        assert!(
            notes.contains("MinidumpStackwalkRule: minidump-stackwalk: "),
            "{env}: {notes}"
        );
        assert!(
            saved["mdsw_stderr"].as_str().unwrap().contains(note),
            "{env}: {}",
            saved["mdsw_stderr"]
        );
        assert!(
            saved["signature"]
                .as_str()
                .unwrap()
                .starts_with("EMPTY: no frame data available; ERROR_"),
            "{}",
            saved["signature"]
        );
    }
}

/// A symbol server that accepts connections and never answers: each
/// module costs one timeout, then the failure is remembered for
/// `process.symbols_error_ttl_secs`, so the next crash asks nothing.
#[test]
fn a_hanging_symbol_server_costs_one_timeout_per_module_per_window() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().map_while(Result::ok) {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(conn); // never read, never answered, never closed
        }
    });
    let cache = tmp.path().join("cache");
    let process = || {
        run(crashkit(tmp.path())
            .env("CRASHKIT_PROCESS_SYMBOLS_TIMEOUT_SECS", "1")
            .args(["process", "--format", "json", "--symbols-url", &url])
            .arg("--symbols-cache")
            .arg(&cache)
            .arg(dump("null-write.dmp")))
    };
    let first = process();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(json_of(&first)["success"], true);
    let asked = accepted.load(Ordering::SeqCst);
    assert!(asked > 0, "the server was asked");
    let second = process();
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        asked,
        "within the window nothing is asked again"
    );
}

/// The processed crash of every testdata dump, byte for byte (`json_dump`
/// included, with fixed annotations; only the two processing times and
/// the first note's time and host are blanked): a change to the
/// processed-crash format shows here, and is either undone or documented
/// with a new schema version. The whole outputs are written under
/// target/processed-crashes/ for a person to diff.
#[test]
fn the_processed_crash_of_every_dump_is_stable() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let keep = repo().join("target/processed-crashes");
    std::fs::create_dir_all(&keep).unwrap();
    let times = regex::Regex::new(r#""(started|completed)_datetime":"[^"]*""#).unwrap();
    let mut summary = String::new();
    let mut names: Vec<String> = std::fs::read_dir(repo().join("testdata/minidumps"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let annotations = fixed_annotations(tmp.path());
    for name in names {
        let out = process(
            tmp.path(),
            &[
                &dump(&name),
                "--symbols-path",
                &symbols(),
                "--annotations",
                &annotations,
                "--format",
                "json",
            ],
        );
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{name}: {}",
            stderr(&out)
        );
        let text = stdout(&out).replace(&repo().display().to_string(), "[REPO]");
        let text = times.replace_all(&text, r#""${1}_datetime":"[TIME]""#);
        let text = without_start_note(&text);
        std::fs::write(keep.join(format!("{name}.json")), text.as_bytes()).unwrap();
        let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
        summary.push_str(&format!("{name}: {} bytes, sha256 {digest}\n", text.len()));
    }
    insta::assert_snapshot!("processed_crashes", summary);
}

/// Found by the `process` fuzz target: a dump whose handle data stream
/// claims ~900 million descriptors (of 0 bytes each) made rust-minidump
/// reserve 230 GB and the capped worker die. The stream is now skipped with
/// a note and the rest of the dump processed; the next crash is processed
/// normally.
#[test]
fn a_dump_claiming_a_billion_handles_is_processed_without_its_handle_stream() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = repo().join("testdata/fuzz/handle-count-oom.dmp");
    let out = process(
        tmp.path(),
        &[
            bad.to_str().unwrap(),
            &dump("null-write.dmp"),
            "--symbols-path",
            &symbols(),
            "--format",
            "json",
        ],
    );
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        stderr(&out)
    );
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    // The worker lived: the dump was stackwalked, its handle stream skipped.
    assert_ne!(lines[0]["mdsw_status_string"], "ERROR_WORKER_DIED");
    assert!(
        lines[0]["processor_notes"]
            .as_str()
            .unwrap()
            .contains("the handle data stream claims"),
        "{}",
        lines[0]["processor_notes"]
    );
    assert_eq!(lines[1]["success"], true);
    assert_eq!(lines[1]["signature"], "crashhelper::crash_null_write");
}

/// The raw crash reaches the stackwalker as minidump-stackwalk's
/// `--evil-json` does: module signers fill `cert_subject`.
#[test]
fn module_signature_info_fills_cert_subject() {
    let tmp = tempfile::tempdir().unwrap();
    let annotations = tmp.path().join("extra.json");
    std::fs::write(
        &annotations,
        r#"{"ModuleSignatureInfo": {"Crashkit Test Signer": ["libc.so.6"]}}"#,
    )
    .unwrap();
    let out = process(
        tmp.path(),
        &[
            &dump("null-write.dmp"),
            "--annotations",
            annotations.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let pc = json_of(&out);
    let modules = pc["json_dump"]["modules"].as_array().unwrap();
    let subject = |name: &str| {
        modules
            .iter()
            .find(|m| m["filename"] == name)
            .map(|m| m["cert_subject"].clone())
    };
    assert_eq!(
        subject("libc.so.6"),
        Some(Value::from("Crashkit Test Signer"))
    );
    assert_eq!(subject("crashhelper"), Some(Value::Null));
}

/// `--ruleset default` brings a processed crash of crashkit's earlier
/// format (schema version 1: lists where Socorro writes strings, its own
/// history objects) to Socorro's shape; the old run's notes go first in
/// `processor_history`, and nothing of the old format lingers.
#[test]
fn reprocessing_brings_an_old_processed_crash_to_the_new_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let storage = tmp.path().join("crashdata");
    let id = "c0ffee00-1111-4222-8333-444444261126";
    let bytes = std::fs::read(dump("null-write.dmp")).unwrap();
    store_crash(&storage, id, &[("upload_file_minidump", &bytes)]);
    let old = serde_json::json!({
        "uuid": id, "schema_version": 1, "process_type": "main",
        "modules_in_stack": ["crashhelper/F4E8958ACBB65B9A150032090FD4427A0"],
        "topmost_filenames": ["main.rs"], "crashkit_only_field": 1,
        "processor_notes": "old notes",
        "processor_history": [{"completed_datetime": "2026-11-20T00:00:00+00:00", "processor_notes": "older", "signature": "x"}],
    });
    std::fs::create_dir_all(storage.join("v1/processed_crash")).unwrap();
    std::fs::write(
        storage.join(format!("v1/processed_crash/{id}")),
        old.to_string(),
    )
    .unwrap();
    let out = run(crashkit(tmp.path())
        .args(["process", "--storage"])
        .arg(&storage)
        .args(["--ruleset", "default", "--symbols-path", &symbols(), id]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let new: Value = serde_json::from_slice(
        &std::fs::read(storage.join(format!("v1/processed_crash/{id}"))).unwrap(),
    )
    .unwrap();
    assert_eq!(new["schema_version"], 2);
    assert_eq!(new["process_type"], "parent");
    assert!(new["modules_in_stack"].is_string());
    assert!(new["topmost_filenames"].is_string());
    assert!(new.get("crashkit_only_field").is_none());
    assert_eq!(new["processor_history"][0], "old notes");
    assert_eq!(new["processor_history"][1]["processor_notes"], "older");
}
