//! `crashkit config show|check|docs` and configuration errors at start-up.

use crate::{crashkit, run, stderr, stdout};

#[test]
fn check_names_a_misspelt_key_and_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(&file, "[storage]\nurl = \"/srv/crashes\"\n\nretires = 3\n").unwrap();
    let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("crashkit.toml:4:1: unknown key `storage.retires`"),
        "{err}"
    );
    assert!(err.contains("did you mean `retries`"), "{err}");
}

#[test]
fn check_accepts_a_good_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(
        &file,
        "[storage]\nurl = \"s3://crash.data/v\"\ns3_endpoint = \"http://127.0.0.1:8333\"\n",
    )
    .unwrap();
    let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).ends_with(": ok\n"));
}

#[test]
fn a_bad_config_file_stops_every_command_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(&file, "[log]\nformat = \"xml\"\n").unwrap();
    let out = run(crashkit(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["config", "show"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("crashkit.toml:2: invalid value for `log.format`"),
        "{}",
        stderr(&out)
    );
    let out = run(crashkit(dir.path())
        .args(["config", "show"])
        .env("CRASHKIT_CONFIG", dir.path().join("missing.toml")));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read config file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn show_reports_sources_and_never_prints_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(&file, "[storage]\nurl = \"s3://crash.data/prod\"\n").unwrap();
    let out = run(crashkit(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .env("CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY", "sup3r-s3cret")
        .env("CRASHKIT_STORAGE_RETRIES", "9"));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("sup3r-s3cret"), "{text}");
    assert!(
        text.contains(
            "s3_secret_access_key = \"<redacted>\"  # env CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY"
        ),
        "{text}"
    );
    assert!(
        text.contains("retries = 9  # env CRASHKIT_STORAGE_RETRIES"),
        "{text}"
    );
    assert!(
        text.contains("url = \"s3://crash.data/prod\"  # "),
        "{text}"
    );
    assert!(text.contains("crashkit.toml:2"), "{text}");

    let out = run(crashkit(dir.path())
        .args(["config", "show", "--format", "json"])
        .env("CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY", "sup3r-s3cret"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["storage.s3_secret_access_key"]["value"], "<redacted>");
    assert_eq!(json["storage.retries"]["value"], 5);
    assert!(!stdout(&out).contains("sup3r-s3cret"));
}

#[test]
fn a_secret_in_the_file_is_refused_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(
        &file,
        "[storage]\ns3_secret_access_key = \"sup3r-s3cret\"\n",
    )
    .unwrap();
    let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("CRASHKIT_STORAGE_S3_SECRET_ACCESS_KEY"));
    assert!(!stderr(&out).contains("sup3r-s3cret"));
}

#[test]
fn docs_list_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(crashkit(dir.path()).args(["config", "docs"]));
    assert!(out.status.success());
    let docs = stdout(&out);
    for key in [
        "storage.url",
        "storage.s3_endpoint",
        "storage.s3_path_style",
        "storage.retries",
        "log.format",
        "log.level",
    ] {
        assert!(docs.contains(&format!("`{key}`")), "{key} missing");
    }
}

#[test]
fn the_shipped_throttle_example_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    for example in ["throttle-mozilla.toml", "throttle-antenna.toml"] {
        let file = crate::repo().join("examples").join(example);
        let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
        assert_eq!(out.status.code(), Some(0), "{example}: {}", stderr(&out));
    }
}

#[test]
fn a_bad_throttle_rule_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    std::fs::write(&file, "[[throttle]]\nname = \"ok\"\nannotation = \"*\"\nresult = \"accept\"\n\n[[throttle]]\nname = \"two\"\nannotation = \"Version\"\nversion_below = \"1\"\nresult = \"perhaps\"\n").unwrap();
    let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("crashkit.toml:10: throttle rule 2: rule two: unknown result \"perhaps\""),
        "{err}"
    );
}

#[test]
fn serve_tokens_are_checked_and_shown_by_name_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crashkit.toml");
    let hash = crashkit::access::hash_hex("the-token");
    std::fs::write(
        &file,
        format!(
            "[serve]\nbind = \"127.0.0.1:9000\"\n\n[[serve.tokens]]\nname = \"triage-bot\"\nsha256 = \"{hash}\"\npermissions = [\"view_pii\"]\n"
        ),
    )
    .unwrap();
    let out = run(crashkit(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["config", "show"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("# serve.tokens: 1 tokens (triage-bot)"),
        "{text}"
    );
    assert!(!text.contains(&hash), "{text}");
    // A mistake names the table and its line.
    std::fs::write(
        &file,
        "[serve]\nbind = \"127.0.0.1:9000\"\n\n[[serve.tokens]]\nname = \"a\"\nsha256 = \"not hex\"\n",
    )
    .unwrap();
    let out = run(crashkit(dir.path()).args(["config", "check"]).arg(&file));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("crashkit.toml:6: [[serve.tokens]] table 1: `sha256` must be 64 hex digits"),
        "{err}"
    );
}
