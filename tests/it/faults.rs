//! Faults: a worker that cannot work refuses to start, and the pipeline
//! waits out real outages of its servers without failing, losing or
//! dead-lettering a crash.

use crate::{crashkit, run, stderr};

/// A worker never starts on storage that cannot be the collector's: not
/// given, missing, foreign, or with its queue unreachable. Exit 2, the
/// reason on stderr, and not one message taken.
#[test]
fn a_worker_refuses_to_start_without_its_dependencies() {
    let tmp = tempfile::tempdir().unwrap();
    let spool = tmp.path().join("spool");
    let foreign = tmp.path().join("photos");
    std::fs::create_dir_all(foreign.join("2026")).unwrap();
    std::fs::write(foreign.join("cat.jpg"), b"jpeg").unwrap();
    let spool_arg = spool.to_str().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--queue".into(), spool_arg.into()],
            "process --queue needs the storage",
        ),
        (
            vec![
                "--queue".into(),
                spool_arg.into(),
                "--storage".into(),
                tmp.path().join("nowhere").display().to_string(),
            ],
            "does not exist",
        ),
        (
            vec![
                "--queue".into(),
                spool_arg.into(),
                "--storage".into(),
                foreign.display().to_string(),
            ],
            "holds no crash data in Socorro's v1 layout",
        ),
        (
            vec![
                "--queue".into(),
                "redis://127.0.0.1:1/0".into(),
                "--storage".into(),
                tmp.path().display().to_string(),
            ],
            "queue redis://127.0.0.1:1/0",
        ),
    ];
    for (args, message) in cases {
        let out = run(crashkit(tmp.path()).arg("process").args(&args));
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}
