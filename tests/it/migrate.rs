//! `crashkit migrate`: 10,000 small crashes over 30 days between
//! directories and SeaweedFS (a bucket whose name has periods): killed
//! with SIGKILL half way and run again, a damaged destination object found
//! and copied again, a source object that cannot be read failing its crash
//! only, date ranges, dry runs and deleting the source.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use crate::{crashkit, run, stderr, stdout};

/// Writes `n` crashes over the 30 days of November 2026 in the v1 layout;
/// returns their ids.
fn generate(root: &Path, n: usize) -> Vec<String> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let day = 1 + (i % 30) as u32;
        let hex: String = (0..32)
            .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap())
            .collect();
        let id = format!(
            "{}-{}-4{}-a{}-{}0261{:03}",
            &hex[..8],
            &hex[8..12],
            &hex[13..16],
            &hex[17..20],
            &hex[20..25],
            100 + day
        );
        let raw = format!(
            r#"{{"ProductName":"Firefox","Version":"140.0","metadata":{{"dump_checksums":{{"upload_file_minidump":"-"}}}},"uuid":"{id}"}}"#
        );
        let mut dump = vec![0u8; 600 + rng.random_range(0..800)];
        rng.fill(&mut dump[..]);
        let files: [(String, Vec<u8>); 4] = [
            (
                format!("v1/dump_names/{id}"),
                br#"["upload_file_minidump"]"#.to_vec(),
            ),
            (format!("v1/dump/{id}"), dump),
            (
                format!("v1/processed_crash/{id}"),
                format!(r#"{{"signature":"sig {}","uuid":"{id}"}}"#, i % 97).into_bytes(),
            ),
            (
                format!("v1/raw_crash/202611{day:02}/{id}"),
                raw.into_bytes(),
            ),
        ];
        for (key, data) in files {
            let path = root.join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        ids.push(id);
    }
    ids
}

/// Whether a file name is a write staged by a process that was killed
/// before it finished (hidden, never listed, never read as an object).
fn staged(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
}

/// Every file under `root` with the sha256 of its content.
fn tree(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if !staged(&path) {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let digest = hex::encode(Sha256::digest(std::fs::read(&path).unwrap()));
                out.insert(rel, digest);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The numbers of a migrate report: (crashes copied, already there, failed, objects copied).
fn report(out: &Output) -> (u64, u64, u64, u64) {
    let text = stdout(out);
    let numbers = regex::Regex::new(
        r"crashes: (\d+) (?:copied|would copy), (\d+) already there, (\d+) failed; objects: (\d+)",
    )
    .unwrap();
    let c = numbers
        .captures(&text)
        .unwrap_or_else(|| panic!("no report in {text:?}; stderr: {}", stderr(out)));
    let n = |i: usize| c[i].parse().unwrap();
    (n(1), n(2), n(3), n(4))
}

fn migrate(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = crashkit(dir);
    cmd.arg("migrate").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                count_files(&path)
            } else {
                usize::from(!staged(&path))
            }
        })
        .sum()
}

#[test]
fn ten_thousand_crashes_between_directories_killed_resumed_and_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, dst) = (tmp.path().join("src"), tmp.path().join("dst"));
    let ids = generate(&src, 10_000);
    let (s, d) = (src.to_str().unwrap(), dst.to_str().unwrap());

    // SIGKILL once a fifth of the crashes are there, then run again.
    let mut child = crashkit(tmp.path())
        .args(["migrate", s, d, "--workers", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count_files(&dst.join("v1/raw_crash")) < 2_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "migrate ended before it was killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "migrate made no progress"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = count_files(&dst.join("v1/raw_crash"));
    assert!(killed_at < ids.len(), "killed too late to tell");
    let out = migrate(tmp.path(), &[s, d, "--workers", "8"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (copied, there, failed, _) = report(&out);
    assert_eq!(copied + there, 10_000);
    assert!(
        there >= killed_at as u64,
        "{there} skipped, {killed_at} were there"
    );
    assert_eq!(failed, 0);
    assert_eq!(tree(&src), tree(&dst), "the copy is identical");

    // Damage at the destination is found and repaired; nothing else moves.
    let victim = &ids[1234];
    std::fs::write(dst.join(format!("v1/dump/{victim}")), b"not the dump").unwrap();
    std::fs::write(dst.join(format!("v1/processed_crash/{}", ids[42])), b"").unwrap();
    let out = migrate(tmp.path(), &[s, d], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out), (2, 9_998, 0, 2));
    assert_eq!(tree(&src), tree(&dst));

    // A source object that cannot be read fails its crash only.
    let unreadable = &ids[777];
    let dump = src.join(format!("v1/dump/{unreadable}"));
    std::fs::remove_file(&dump).unwrap();
    std::fs::create_dir(&dump).unwrap();
    std::fs::remove_file(dst.join(format!("v1/dump/{unreadable}"))).unwrap();
    let out = migrate(tmp.path(), &[s, d], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(report(&out).2, 1);
    assert!(
        stderr(&out).contains(unreadable.as_str()),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir(&dump).unwrap();

    // A dry run of two days writes nothing and counts those days only.
    let fresh = tmp.path().join("fresh");
    let out = migrate(
        tmp.path(),
        &[
            s,
            fresh.to_str().unwrap(),
            "--date-range",
            "2026-11-03..2026-11-04",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let two_days = ids
        .iter()
        .filter(|id| id.ends_with("261103") || id.ends_with("261104"))
        .count();
    assert_eq!(report(&out), (two_days as u64, 0, 0, 4 * two_days as u64));
    assert_eq!(count_files(&fresh), 0);

    // --delete-source: one day moves, verified, and leaves the source.
    let out = migrate(
        tmp.path(),
        &[
            d,
            fresh.to_str().unwrap(),
            "--date-range",
            "2026-11-05",
            "--delete-source",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let one_day = ids.iter().filter(|id| id.ends_with("261105")).count();
    assert_eq!(count_files(&fresh), 4 * one_day);
    assert_eq!(count_files(&dst.join("v1/raw_crash/20261105")), 0);
    assert!(stdout(&out).contains(&format!("{} deleted from the source", 4 * one_day)));
}

#[test]
fn ten_thousand_crashes_to_seaweedfs_and_back() {
    let Some((endpoint, bucket)) = crate::s3_target() else {
        return;
    };
    assert!(bucket.contains('.'), "the test bucket's name has periods");
    let prefix = format!("migrate-{}", uuid::Uuid::new_v4().simple());
    let s3 = format!("s3://{bucket}/{prefix}");
    let env = [("CRASHKIT_STORAGE_S3_ENDPOINT", endpoint.clone())];
    let tmp = tempfile::tempdir().unwrap();
    let (src, back) = (tmp.path().join("src"), tmp.path().join("back"));
    let ids = generate(&src, 10_000);
    let s = src.to_str().unwrap();

    // Ten days first, as a run that stopped would leave them; then all.
    let out = migrate(
        tmp.path(),
        &[s, &s3, "--date-range", "2026-11-01..2026-11-10"],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = report(&out).0;
    let out = migrate(tmp.path(), &[s, &s3, "--workers", "16"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        report(&out),
        (10_000 - first, first, 0, 4 * (10_000 - first))
    );

    // A damaged object in the bucket is found by its ETag and copied again.
    // The damage is written by migrating a copy of one crash whose dump
    // differs (the rest of it is identical, so only the dump is written).
    let victim = &ids[4321];
    let damaged = tmp.path().join("damaged");
    for part in [
        format!("v1/raw_crash/20{}/{victim}", &victim[30..]),
        format!("v1/dump_names/{victim}"),
        format!("v1/processed_crash/{victim}"),
    ] {
        std::fs::create_dir_all(damaged.join(&part).parent().unwrap()).unwrap();
        std::fs::copy(src.join(&part), damaged.join(&part)).unwrap();
    }
    std::fs::create_dir_all(damaged.join("v1/dump")).unwrap();
    std::fs::write(damaged.join(format!("v1/dump/{victim}")), b"damaged").unwrap();
    let out = migrate(tmp.path(), &[damaged.to_str().unwrap(), &s3], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out), (1, 0, 0, 1));
    let out = migrate(tmp.path(), &[s, &s3, "--workers", "16"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out), (1, 9_999, 0, 1));

    // To another place on the same endpoint: the server copies the dumps
    // and processed crashes (the raw crashes and dump names are read).
    let again = format!("s3://{bucket}/{prefix}-copy");
    let out = migrate(tmp.path(), &[&s3, &again, "--workers", "16"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out), (10_000, 0, 0, 40_000));
    assert!(
        stdout(&out).contains("(20000 by the server)"),
        "{}",
        stdout(&out)
    );

    // And back: byte for byte what was generated.
    let out = migrate(
        tmp.path(),
        &[&again, back.to_str().unwrap(), "--workers", "16"],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(report(&out), (10_000, 0, 0, 40_000));
    assert_eq!(tree(&src), tree(&back));
}
