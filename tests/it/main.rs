//! Integration tests: every test runs the real `crashkit` binary.

mod cli;
mod collector;
mod config;
mod demo;
mod emerging;
mod faults;
mod fetch;
mod generated;
mod migrate;
mod process;
mod queue;
mod reprocess;
mod rules;
mod scale;
mod search;
mod serve;
mod signature;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Held by the tests that load the whole machine (the scale runs, the
/// fault runs): they wait for each other instead of running side by side,
/// whose timeouts are sized for a machine of their own.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Takes [`HEAVY`] for as long as the guard lives (a test that failed
/// holding it does not keep it).
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A `crashkit` command with a clean environment (no CRASHKIT_* or RUST_LOG
/// from the developer's shell) and the given working directory.
pub fn crashkit(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crashkit"));
    cmd.current_dir(dir).stdin(Stdio::null());
    for (key, _) in std::env::vars() {
        if key.starts_with("CRASHKIT_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Runs `cmd`, returning its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("crashkit runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cmd` with `input` written to its stdin (from a thread, so a large
/// input cannot deadlock against its output).
pub fn with_stdin(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("crashkit runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Whether a server tool is installed; in CI a missing one fails the test.
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs {tool} (scripts/test.sh installs it)"
        );
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

/// The S3-compatible server and bucket of the S3 tests (scripts/test.sh
/// starts SeaweedFS and sets them), or `None` (skipped) outside CI.
pub fn s3_target() -> Option<(String, String)> {
    let Ok(endpoint) = std::env::var("CRASHKIT_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but CRASHKIT_TEST_S3_ENDPOINT is not"
        );
        eprintln!("skipping: CRASHKIT_TEST_S3_ENDPOINT is not set (scripts/test.sh sets it)");
        return None;
    };
    let bucket = std::env::var("CRASHKIT_TEST_S3_BUCKET")
        .unwrap_or_else(|_| "crashkit.conformance.test".into());
    Some((endpoint, bucket))
}

/// Runs `crashkit demo` into `dir` with the repository's testdata.
pub fn demo(cwd: &Path, dir: &Path) -> Output {
    run(crashkit(cwd)
        .arg("demo")
        .arg("--dir")
        .arg(dir)
        .arg("--testdata")
        .arg(repo().join("testdata")))
}
