//! The one conformance suite every storage backend must pass.
//!
//! Each case is written once against [`CrashStorage`] and run for the
//! directory backend and for S3. The S3 cases talk to a real S3-compatible
//! server named by `CRASHKIT_TEST_S3_ENDPOINT` (scripts/test.sh starts
//! SeaweedFS and sets it) in the bucket `CRASHKIT_TEST_S3_BUCKET`, whose
//! name has periods on purpose. With `CI` set, a missing server fails the
//! run; elsewhere the S3 cases say they are skipped.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::NaiveDate;
use futures::{stream, StreamExt, TryStreamExt};
use serde_json::json;

use super::*;
use crate::config::StorageSettings;
use crate::crash_id::{CrashId, Throttle};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn new_id(date: NaiveDate) -> CrashId {
    CrashId::generate(Throttle::Accept, date)
}

fn raw_crash(id: &CrashId) -> RawCrash {
    let value = json!({
        "ProductName": "Firefox",
        "Version": "150.0",
        "uuid": id.as_str(),
        "submitted_timestamp": "2026-11-26T18:06:14.123456+00:00",
        "version": 2,
        "metadata": {"payload": "multipart", "payload_size": 1234},
    });
    value.as_object().unwrap().clone()
}

fn dumps(pairs: &[(&str, &[u8])]) -> Dumps {
    pairs
        .iter()
        .map(|(n, d)| (n.to_string(), Bytes::copy_from_slice(d)))
        .collect()
}

pub(super) async fn round_trip(s: &CrashStorage) {
    let id = new_id(day(26));
    let raw = raw_crash(&id);
    let d = dumps(&[
        ("upload_file_minidump", b"MDMP main"),
        ("upload_file_minidump_browser", b"MDMP browser"),
    ]);
    assert!(!s.exists(&id).await.unwrap());
    s.save_raw_crash(&id, &raw, &d).await.unwrap();
    assert!(s.exists(&id).await.unwrap());
    assert_eq!(s.get_raw_crash(&id).await.unwrap(), raw);
    assert_eq!(
        s.get_dump_names(&id).await.unwrap(),
        vec!["upload_file_minidump", "upload_file_minidump_browser"]
    );
    assert_eq!(s.get_dumps(&id).await.unwrap(), d);
    // Socorro's layout, byte for byte where other tools read it.
    let objects = s.objects();
    assert_eq!(
        objects.get(&format!("v1/dump/{id}")).await.unwrap(),
        Bytes::from_static(b"MDMP main")
    );
    let raw_key = format!("v1/raw_crash/{}/{id}", id.date_key());
    let stored: serde_json::Value =
        serde_json::from_slice(&objects.get(&raw_key).await.unwrap()).unwrap();
    let keys: Vec<_> = stored.as_object().unwrap().keys().cloned().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "raw crash keys are written sorted");
    assert!(!s.has_processed_crash(&id).await.unwrap());
}

pub(super) async fn head_tells_size_and_any_md5_without_reading(s: &CrashStorage) {
    let objects = s.objects();
    let key = "v1/dump/head-test";
    assert_eq!(objects.head(key).await.unwrap(), None);
    objects
        .put(
            key,
            Bytes::from_static(b"The quick brown fox jumps over the lazy dog"),
        )
        .await
        .unwrap();
    let info = objects.head(key).await.unwrap().unwrap();
    assert_eq!(info.size, 43);
    // Where a store reports an MD5 (S3's ETag), it is the content's.
    if let Some(md5) = info.md5 {
        assert_eq!(hex::encode(md5), "9e107d9d372bb6826bd81d3542a419d6");
    }
}

pub(super) async fn dump_names_written_even_without_dumps(s: &CrashStorage) {
    let id = new_id(day(26));
    s.save_raw_crash(&id, &raw_crash(&id), &Dumps::new())
        .await
        .unwrap();
    let names = s
        .objects()
        .get(&format!("v1/dump_names/{id}"))
        .await
        .unwrap();
    assert_eq!(&names[..], b"[]");
    assert!(s.get_dumps(&id).await.unwrap().is_empty());
}

pub(super) async fn missing_objects_are_not_found(s: &CrashStorage) {
    let id = new_id(day(26));
    assert!(!s.exists(&id).await.unwrap());
    assert!(s.get_raw_crash(&id).await.unwrap_err().is_not_found());
    assert!(s.get_dump_names(&id).await.unwrap_err().is_not_found());
    assert!(s
        .get_dump(&id, "upload_file_minidump")
        .await
        .unwrap_err()
        .is_not_found());
    assert!(s.get_processed_crash(&id).await.unwrap_err().is_not_found());
    assert!(s.list_day(day(3)).await.unwrap().is_empty());
    s.objects().delete(&format!("v1/dump/{id}")).await.unwrap();
}

pub(super) async fn processed_crash_round_trips_and_replaces(s: &CrashStorage) {
    let id = new_id(day(26));
    let first = json!({"uuid": id.as_str(), "signature": "A", "success": true});
    let second = json!({"uuid": id.as_str(), "signature": "B", "success": false});
    s.save_processed_crash(&id, first.as_object().unwrap())
        .await
        .unwrap();
    assert_eq!(
        s.get_processed_crash(&id).await.unwrap(),
        *first.as_object().unwrap()
    );
    s.save_processed_crash(&id, second.as_object().unwrap())
        .await
        .unwrap();
    assert_eq!(
        s.get_processed_crash(&id).await.unwrap(),
        *second.as_object().unwrap()
    );
    assert!(s.has_processed_crash(&id).await.unwrap());
}

pub(super) async fn listing_a_day_with_thousands_of_crashes(s: &CrashStorage) {
    // More than S3's 1,000-key page, so listing must follow continuation.
    let target = day(20);
    let mut expected: Vec<CrashId> = (0..2_500).map(|_| new_id(target)).collect();
    let others: Vec<CrashId> = (0..20).map(|_| new_id(day(21))).collect();
    let objects = s.objects().clone();
    stream::iter(expected.iter().chain(&others))
        .map(|id| {
            let objects = objects.clone();
            async move {
                let key = layout::raw_crash(id);
                let body = serde_json::to_vec(&raw_crash(id)).unwrap();
                objects.put(&key, Bytes::from(body)).await
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    // A stray object that is not a crash id is ignored.
    objects
        .put("v1/raw_crash/20261120/README", Bytes::from_static(b"x"))
        .await
        .unwrap();
    expected.sort();
    assert_eq!(s.list_day(target).await.unwrap(), expected);
    assert_eq!(s.list_day(day(21)).await.unwrap().len(), 20);
}

pub(super) async fn concurrent_writers(s: &CrashStorage) {
    // Many crashes saved at once, each complete afterwards.
    let ids: Vec<CrashId> = (0..64).map(|_| new_id(day(25))).collect();
    stream::iter(&ids)
        .map(|id| async move {
            let d = dumps(&[("upload_file_minidump", id.as_str().as_bytes())]);
            s.save_raw_crash(id, &raw_crash(id), &d).await
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    for id in &ids {
        let d = s.get_dump(id, "upload_file_minidump").await.unwrap();
        assert_eq!(&d[..], id.as_str().as_bytes());
    }
    // Writers racing on one key: the winner's object is whole, never mixed.
    let id = new_id(day(25));
    let bodies: Vec<Bytes> = (0..16u8)
        .map(|i| Bytes::from(vec![i; 256 * 1024]))
        .collect();
    stream::iter(bodies.clone())
        .map(|body| {
            let key = layout::dump(&id, "upload_file_minidump");
            async move { s.objects().put(&key, body).await }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let got = s.get_dump(&id, "upload_file_minidump").await.unwrap();
    assert!(bodies.contains(&got), "a racing write left a torn object");
}

/// Fails every `put` after the first `allowed` ones, like a store that goes
/// away mid-save: a fault that cannot be caused on demand in a real server.
#[derive(Debug)]
struct FailAfter {
    inner: Arc<dyn ObjectStore>,
    allowed: usize,
    puts: AtomicUsize,
}

#[async_trait]
impl ObjectStore for FailAfter {
    async fn put(&self, key: &str, data: Bytes) -> Result<()> {
        if self.puts.fetch_add(1, Ordering::SeqCst) >= self.allowed {
            return Err(StorageError::Io {
                op: "write",
                key: key.into(),
                source: std::io::Error::other("injected failure"),
            });
        }
        self.inner.put(key, data).await
    }
    async fn get(&self, key: &str) -> Result<Bytes> {
        self.inner.get(key).await
    }
    async fn exists(&self, key: &str) -> Result<bool> {
        self.inner.exists(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.inner.list(prefix).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.inner.delete(key).await
    }
    async fn top_level(&self) -> Result<Vec<String>> {
        self.inner.top_level().await
    }

    fn location(&self) -> String {
        self.inner.location()
    }
    fn stage(self: Arc<Self>, _dir: &str) -> Box<dyn StagedObject> {
        Box::new(Buffered::new(self))
    }
}

pub(super) async fn staged_dumps_commit_whole_or_leave_nothing(s: &CrashStorage) {
    let id = new_id(day(3));
    // Over the backends' in-memory sizes (1 MiB on disk, 5 MiB on S3), in
    // uneven chunks, and one small dump that stays in memory.
    let big: Vec<u8> = (0..11_000_000u32).map(|i| (i % 253) as u8).collect();
    let mut staged = s.stage_dump("upload_file_minidump").unwrap();
    for chunk in big.chunks(700_001) {
        staged.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    assert_eq!(staged.len(), big.len() as u64);
    let mut small = s.stage_dump("upload_file_minidump_browser").unwrap();
    small.write(Bytes::from_static(b"MD")).await.unwrap();
    small.write(Bytes::from_static(b"MP")).await.unwrap();
    // Started and dropped: nothing of it is ever visible.
    let mut dropped = s.stage_dump("upload_file_minidump").unwrap();
    for chunk in big.chunks(3_000_000) {
        dropped.write(Bytes::copy_from_slice(chunk)).await.unwrap();
    }
    drop(dropped);
    let dumps = vec![
        ("upload_file_minidump".to_owned(), staged),
        ("upload_file_minidump_browser".to_owned(), small),
    ];
    s.save_staged_crash(&id, &raw_crash(&id), dumps)
        .await
        .unwrap();
    assert_eq!(s.get_dump(&id, "upload_file_minidump").await.unwrap(), big);
    assert_eq!(
        s.get_dump(&id, "upload_file_minidump_browser")
            .await
            .unwrap(),
        Bytes::from_static(b"MDMP")
    );
    assert_eq!(
        s.get_dump_names(&id).await.unwrap(),
        ["upload_file_minidump", "upload_file_minidump_browser"]
    );
    assert_eq!(s.get_raw_crash(&id).await.unwrap(), raw_crash(&id));
    assert_eq!(s.objects().list("v1/dump/").await.unwrap().len(), 1);
    // Nothing left in staging (S3 deletes its copy source in the background).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !s.objects().list(".tmp-uploads/").await.unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "staged uploads left");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A name that is not allowed is refused before anything is staged.
    assert!(matches!(
        s.stage_dump("raw_crash"),
        Err(StorageError::Malformed { .. })
    ));
}

pub(super) async fn raw_crash_is_written_last(s: &CrashStorage) {
    let d = dumps(&[
        ("upload_file_minidump", b"a"),
        ("upload_file_minidump_content", b"b"),
    ]);
    // dump_names + 2 dumps + raw crash = 4 puts; fail at each point before the last.
    for allowed in 0..3 {
        let failing = CrashStorage::new(Arc::new(FailAfter {
            inner: s.objects().clone(),
            allowed,
            puts: AtomicUsize::new(0),
        }));
        let id = new_id(day(24));
        assert!(failing
            .save_raw_crash(&id, &raw_crash(&id), &d)
            .await
            .is_err());
        assert!(
            !s.exists(&id).await.unwrap(),
            "raw crash written before its dumps"
        );
        assert!(!s.list_day(day(24)).await.unwrap().contains(&id));
    }
}

pub(super) async fn refused_names_write_nothing(s: &CrashStorage) {
    let id = new_id(day(23));
    for bad in ["../../etc/passwd", "raw_crash", "a/b", ""] {
        let d = dumps(&[("upload_file_minidump", b"x"), (bad, b"y")]);
        let err = s
            .save_raw_crash(&id, &raw_crash(&id), &d)
            .await
            .unwrap_err();
        assert!(
            matches!(err, StorageError::Malformed { .. }),
            "{bad:?}: {err}"
        );
    }
    let d = dumps(&[("upload_file_minidump", b"x"), ("dump", b"y")]);
    assert!(s.save_raw_crash(&id, &raw_crash(&id), &d).await.is_err());
    assert!(s
        .objects()
        .list("v1/")
        .await
        .unwrap()
        .iter()
        .all(|k| !k.contains(id.as_str())));
}

pub(super) async fn malformed_objects_are_reported(s: &CrashStorage) {
    let id = new_id(day(22));
    s.objects()
        .put(&layout::raw_crash(&id), Bytes::from_static(b"{not json"))
        .await
        .unwrap();
    s.objects()
        .put(&layout::dump_names(&id), Bytes::from_static(b"{\"a\":1}"))
        .await
        .unwrap();
    let err = s.get_raw_crash(&id).await.unwrap_err();
    assert!(matches!(err, StorageError::Malformed { .. }), "{err}");
    assert!(matches!(
        s.get_dump_names(&id).await.unwrap_err(),
        StorageError::Malformed { .. }
    ));
}

pub(super) async fn the_layout_check_knows_crash_storage_from_something_else(s: &CrashStorage) {
    s.check_layout()
        .await
        .expect("an empty storage is a new one");
    let id = new_id(day(26));
    s.save_raw_crash(&id, &raw_crash(&id), &dumps(&[]))
        .await
        .unwrap();
    s.check_layout().await.expect("crash data in the v1 layout");
    s.objects()
        .put("photos/cat.jpg", Bytes::from_static(b"jpeg"))
        .await
        .unwrap();
    s.check_layout()
        .await
        .expect("v1 beside other things is fine");
    let only_foreign = CrashStorage::new(std::sync::Arc::new(Prefixed(s.objects().clone())));
    let err = only_foreign.check_layout().await.unwrap_err();
    assert!(matches!(err, StorageError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("photos/"), "{err}");
}

/// A store that shows only what is not under `v1/`.
#[derive(Debug)]
struct Prefixed(std::sync::Arc<dyn ObjectStore>);

#[async_trait::async_trait]
impl ObjectStore for Prefixed {
    async fn put(&self, key: &str, data: Bytes) -> Result<()> {
        self.0.put(key, data).await
    }
    async fn get(&self, key: &str) -> Result<Bytes> {
        self.0.get(key).await
    }
    async fn exists(&self, key: &str) -> Result<bool> {
        self.0.exists(key).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        self.0.list(prefix).await
    }
    async fn delete(&self, key: &str) -> Result<()> {
        self.0.delete(key).await
    }
    async fn top_level(&self) -> Result<Vec<String>> {
        let names = self.0.top_level().await?;
        Ok(names.into_iter().filter(|n| n != "v1/").collect())
    }
    fn location(&self) -> String {
        self.0.location()
    }
    fn stage(self: std::sync::Arc<Self>, _dir: &str) -> Box<dyn StagedObject> {
        Box::new(Buffered::new(self))
    }
}

macro_rules! conformance {
    ($($case:ident),+ $(,)?) => {
        mod dir {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let tmp = tempfile::tempdir().unwrap();
                    let storage = super::dir_storage(tmp.path());
                    super::$case(&storage).await;
                }
            )+
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(storage) = super::s3_storage() else { return };
                    super::$case(&storage).await;
                }
            )+
        }
    };
}

conformance!(
    round_trip,
    staged_dumps_commit_whole_or_leave_nothing,
    head_tells_size_and_any_md5_without_reading,
    dump_names_written_even_without_dumps,
    missing_objects_are_not_found,
    processed_crash_round_trips_and_replaces,
    listing_a_day_with_thousands_of_crashes,
    concurrent_writers,
    raw_crash_is_written_last,
    refused_names_write_nothing,
    malformed_objects_are_reported,
    the_layout_check_knows_crash_storage_from_something_else,
);

fn dir_storage(root: &std::path::Path) -> CrashStorage {
    let settings = StorageSettings {
        url: root.display().to_string(),
        ..StorageSettings::default()
    };
    CrashStorage::open(&settings).unwrap()
}

/// A fresh prefix in the test bucket, or `None` (skipped) outside CI when no
/// server is configured.
fn s3_storage() -> Option<CrashStorage> {
    let Ok(endpoint) = std::env::var("CRASHKIT_TEST_S3_ENDPOINT") else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but CRASHKIT_TEST_S3_ENDPOINT is not: the S3 suite needs its server (scripts/test.sh starts SeaweedFS)");
        }
        eprintln!("skipping S3 conformance case: CRASHKIT_TEST_S3_ENDPOINT is not set (scripts/test.sh sets it)");
        return None;
    };
    let bucket = std::env::var("CRASHKIT_TEST_S3_BUCKET")
        .unwrap_or_else(|_| "crashkit.conformance.test".into());
    let settings = StorageSettings {
        url: format!("s3://{bucket}/run-{}", uuid::Uuid::new_v4().simple()),
        s3_endpoint: Some(endpoint),
        s3_region: Some("us-east-1".into()),
        retries: 2,
        retry_timeout_secs: 20,
        ..StorageSettings::default()
    };
    Some(CrashStorage::open(&settings).expect("S3 test storage opens"))
}
