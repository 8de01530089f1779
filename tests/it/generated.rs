//! The committed completions/, man/ and docs/configuration.md are exactly
//! what the current CLI generates. To update them after changing the CLI or
//! a config key: `cargo run -- generate-assets`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::{crashkit, repo, run, stderr};

fn files_under(root: &Path, sub: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(root.join(sub)) {
        for e in entries.flatten() {
            out.insert(format!("{sub}/{}", e.file_name().to_string_lossy()));
        }
    }
    out
}

#[test]
fn generated_files_match_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(crashkit(tmp.path())
        .args(["generate-assets", "--out"])
        .arg(tmp.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let mut stale = Vec::new();
    for sub in ["completions", "man"] {
        let fresh = files_under(tmp.path(), sub);
        let committed = files_under(&repo(), sub);
        for extra in committed.difference(&fresh) {
            stale.push(format!("{extra} is committed but no longer generated"));
        }
        assert!(!fresh.is_empty());
        for rel in &fresh {
            if std::fs::read(repo().join(rel)).ok() != std::fs::read(tmp.path().join(rel)).ok() {
                stale.push(format!("{rel} differs"));
            }
        }
    }
    let rel = "docs/configuration.md";
    if std::fs::read(repo().join(rel)).ok() != std::fs::read(tmp.path().join(rel)).ok() {
        stale.push(format!("{rel} differs"));
    }
    assert!(
        stale.is_empty(),
        "generated files drifted from the CLI; run `cargo run -- generate-assets`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_subcommand_has_a_man_page() {
    for page in [
        "crashkit.1",
        "crashkit-config.1",
        "crashkit-config-show.1",
        "crashkit-config-check.1",
        "crashkit-config-docs.1",
    ] {
        assert!(
            repo().join("man").join(page).is_file(),
            "man/{page} missing"
        );
    }
    assert!(!repo().join("man/crashkit-generate-assets.1").exists());
}
