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

#[test]
fn each_subcommand_help_has_its_own_heading_for_global_options_and_examples() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        "alert",
        "bugs",
        "collect-serve",
        "config",
        "index",
        "process",
        "query",
        "reprocess",
        "serve",
        "signature",
        "verify",
    ] {
        let out = run(crashkit(dir.path()).args([sub, "--help"]));
        assert!(out.status.success(), "{sub}: {}", stderr(&out));
        let help = stdout(&out);
        insta::assert_snapshot!(format!("help_{sub}"), help);
        let global = help.find("Global options:").expect("a global heading");
        assert!(
            !help[..global].contains("--log-format") && !help[..global].contains("--config"),
            "{sub}: global options only under their heading"
        );
        assert!(help.contains("\nExamples:\n  crashkit "), "{sub}");
    }
}

#[test]
fn flags_that_do_not_apply_to_the_mode_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "process",
                "--queue",
                "./q",
                "--storage",
                "./s",
                "--format",
                "json",
            ],
            "--format does not apply to `process --queue`",
        ),
        (
            &[
                "process",
                "--queue",
                "./q",
                "--storage",
                "./s",
                "--ruleset",
                "default",
            ],
            "--ruleset does not apply to `process --queue`",
        ),
        (
            &["collect-serve", "--storage", "./s", "--jobs", "2"],
            "--jobs shapes processing: it needs --process",
        ),
        (
            &[
                "collect-serve",
                "--storage",
                "./s",
                "--symbols-path",
                "./syms",
            ],
            "--symbols-path shapes processing: it needs --process",
        ),
        (&["process", "--jobs", "0", "x.dmp"], "--jobs"),
        (&["process", "--jobs", "many", "x.dmp"], "--jobs"),
    ];
    for (args, message) in cases {
        let out = run(crashkit(dir.path()).args(*args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert!(
        !dir.path().join("q").exists() && !dir.path().join("s").exists(),
        "nothing was started"
    );
}

#[test]
fn a_bad_log_filter_or_lease_rule_stops_the_command_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path())
        .env("CRASHKIT_LOG_LEVEL", "crashkit=loud")
        .args(["process", "x.dmp"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("`log.level`"), "{}", stderr(&out));
    let out = run(crashkit(dir.path())
        .env("CRASHKIT_QUEUE_LEASE_SECS", "60")
        .args(["process", "--queue", "./q", "--storage", "./s"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("above process.timeout_secs"),
        "{}",
        stderr(&out)
    );
}

/// A command waiting for ids on a terminal says so, as ripgrep does.
#[test]
fn reading_ids_from_a_terminal_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut controller, mut device) = (0, 0);
    let opened = unsafe {
        libc::openpty(
            &mut controller,
            &mut device,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "a pseudo-terminal");
    let terminal = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(device) };
    let mut child = crashkit(dir.path())
        .args(["process", "--storage"])
        .arg(dir.path().join("crashes"))
        .stdin(terminal)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut err, &mut line).unwrap();
    assert!(line.contains("reading crash ids from stdin"), "{line:?}");
    // Closing the terminal ends the input: the command finishes, nothing read.
    let _ = child.kill();
    let _ = child.wait();
    unsafe { libc::close(controller) };
}
