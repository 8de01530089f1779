//! The command line as a whole: help, exit statuses, pipes.

use crate::{crashkit, run, stderr, stdout};

#[test]
fn help_lists_working_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path()).arg("--help"));
    assert!(out.status.success());
    insta::assert_snapshot!("help", stdout(&out));
}

#[test]
fn hidden_generator_is_not_in_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path()).arg("--help"));
    assert!(!stdout(&out).contains("generate-assets"));
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path()).arg("no-such-command"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(crashkit(dir.path()).args(["config", "show", "--format", "yaml"]));
    assert_eq!(out.status.code(), Some(2));
    let out = run(crashkit(dir.path()).args(["-v", "-q", "config", "docs"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // Regression guard: `crashkit ... | head` must not panic or complain
    // when the reader goes away; Rust ignores SIGPIPE, so writes get EPIPE.
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = crashkit(dir.path())
        .args(["config", "docs"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn json_logs_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path())
        .args(["--log-format", "json", "-vv", "config", "show"])
        .env("CRASHKIT_STORAGE_URL", "/nonexistent"));
    assert!(out.status.success());
    // No log lines are required here; any that appear must be JSON.
    for line in stderr(&out).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a JSON log line");
    }
}
