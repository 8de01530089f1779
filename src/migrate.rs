//! Copying crash data between storages, verified and resumable: the
//! `migrate` and `fetch --from <storage>` work.
//!
//! A crash is copied object by object into Socorro's `v1` layout, from the
//! source's layout ([`Layout`]): dump names, dumps, the processed crash,
//! and the raw crash **last**, so a crash appears at the destination only
//! once everything it has is there. An object already at the destination
//! with the same content is skipped (compared by the MD5 both stores
//! report where they do, by the bytes otherwise), so a run that was killed
//! is finished by running it again, and a destination object that was
//! damaged is found and copied again. Every object written is checked
//! after writing: by the MD5 the store reports (S3's ETag), or by reading
//! it back. A crash that cannot be read or written fails alone; the others
//! go on.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use futures::StreamExt;
use md5::{Digest, Md5};

use crate::crash_id::CrashId;
use crate::storage::layout::{self, Layout};
use crate::storage::{ObjectInfo, ObjectStore, ServerCopy, StorageError};

/// Why one crash could not be copied.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Reading from the source failed.
    #[error("reading {key}: {source}")]
    Read { key: String, source: StorageError },
    /// Writing to the destination failed.
    #[error("writing {key}: {source}")]
    Write { key: String, source: StorageError },
    /// What the destination holds after writing is not what was written.
    #[error("{key}: the copy differs from the source after writing")]
    Verify { key: String },
    /// The source object is not what its layout promises.
    #[error("{key}: {message}")]
    Malformed { key: String, message: String },
}

impl MigrateError {
    /// Whether the failure may pass by itself (a store that is down).
    pub fn is_transient(&self) -> bool {
        match self {
            MigrateError::Read { source, .. } | MigrateError::Write { source, .. } => {
                source.is_transient()
            }
            _ => false,
        }
    }
}

/// What copying one crash (or many) did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Objects written (or, in a dry run, that would be).
    pub objects_copied: u64,
    /// Objects already at the destination, identical.
    pub objects_skipped: u64,
    /// Bytes written (or that would be).
    pub bytes: u64,
    /// Of the objects copied, those the S3 server copied itself.
    pub objects_server_copied: u64,
    /// Source objects deleted after verification.
    pub objects_deleted: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.objects_copied += other.objects_copied;
        self.objects_skipped += other.objects_skipped;
        self.bytes += other.bytes;
        self.objects_server_copied += other.objects_server_copied;
        self.objects_deleted += other.objects_deleted;
    }
}

/// The final account of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Crashes with at least one object copied.
    pub crashes_copied: u64,
    /// Crashes that were whole at the destination already.
    pub crashes_skipped: u64,
    pub crashes_failed: u64,
    pub objects: Tally,
}

/// A copy from one storage to another.
#[derive(Debug, Clone)]
pub struct Migration {
    pub source: Arc<dyn ObjectStore>,
    /// The layout the source is in; the destination is always `v1`.
    pub layout: Layout,
    pub dest: Arc<dyn ObjectStore>,
    /// Only count what would be copied.
    pub dry_run: bool,
    /// Delete each crash from the source once its copy is verified.
    pub delete_source: bool,
}

fn md5_of(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

impl Migration {
    /// The crashes in the source, of `days` (`None`: every day), sorted.
    pub async fn list(&self, days: Option<&[NaiveDate]>) -> Result<Vec<CrashId>, StorageError> {
        let keys: Vec<String> = match (self.layout, days) {
            (Layout::V2Entropy, _) => {
                self.source
                    .list(&self.layout.raw_crash_prefix(None))
                    .await?
            }
            (_, Some(days)) => {
                let mut keys = Vec::new();
                for day in days {
                    let prefix = self
                        .layout
                        .raw_crash_prefix(Some(&day.format("%Y%m%d").to_string()));
                    keys.extend(self.source.list(&prefix).await?);
                }
                keys
            }
            (Layout::AntennaFs, None) => {
                // One directory a day at the root: list each day's raw crashes.
                let mut keys = Vec::new();
                for name in self.source.top_level().await? {
                    let day = name.trim_end_matches('/');
                    if name.ends_with('/')
                        && day.len() == 8
                        && day.bytes().all(|b| b.is_ascii_digit())
                    {
                        keys.extend(
                            self.source
                                .list(&self.layout.raw_crash_prefix(Some(day)))
                                .await?,
                        );
                    }
                }
                keys
            }
            (_, None) => {
                self.source
                    .list(&self.layout.raw_crash_prefix(None))
                    .await?
            }
        };
        let mut ids: Vec<CrashId> = keys
            .iter()
            .filter_map(|k| self.layout.raw_crash_id(k))
            .filter(|id| match (days, id.date()) {
                (Some(days), Some(date)) => days.contains(&date),
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    /// Copies every crash of `ids`, `workers` at a time, calling `done` as
    /// each finishes.
    pub async fn run(
        &self,
        ids: Vec<CrashId>,
        workers: usize,
        mut done: impl FnMut(&CrashId, &Result<Tally, MigrateError>),
    ) -> Report {
        let mut report = Report::default();
        let present = self.present(&ids).await;
        let mut results = futures::stream::iter(ids)
            .map(|id| {
                // A crash whose raw crash is not at the destination was never
                // finished there: its objects are written without asking
                // first (a part written by a run that was stopped is
                // written again, identical).
                let check = present.as_ref().is_none_or(|p| p.contains(&id));
                async move {
                    let result = self.copy_crash(&id, check).await;
                    (id, result)
                }
            })
            .buffer_unordered(workers.max(1));
        while let Some((id, result)) = results.next().await {
            done(&id, &result);
            match &result {
                Ok(tally) if tally.objects_copied > 0 => report.crashes_copied += 1,
                Ok(_) => report.crashes_skipped += 1,
                Err(_) => report.crashes_failed += 1,
            }
            if let Ok(tally) = result {
                report.objects.add(tally);
            }
        }
        report
    }

    /// Which of `ids` have a raw crash at the destination, from one listing
    /// a day (`None` when listing fails: then every object is checked).
    async fn present(&self, ids: &[CrashId]) -> Option<HashSet<CrashId>> {
        let days: BTreeSet<String> = ids.iter().map(CrashId::date_key).collect();
        let mut present = HashSet::new();
        for day in days {
            let keys = self.dest.list(&layout::raw_crash_day(&day)).await.ok()?;
            present.extend(keys.iter().filter_map(|k| Layout::V1.raw_crash_id(k)));
        }
        Some(present)
    }

    /// Copies one crash: dump names, dumps, processed crash, raw crash last.
    /// `check`: whether the destination may hold parts of the crash
    /// already (each is then compared first).
    async fn copy_crash(&self, id: &CrashId, check: bool) -> Result<Tally, MigrateError> {
        let mut tally = Tally::default();
        let raw_key = self.layout.raw_crash(id);
        let raw = self.read(&raw_key).await?;
        let names_key = self.layout.dump_names(id);
        let (names, names_data) = match self.source.get(&names_key).await {
            Ok(data) => {
                let names: Vec<String> =
                    serde_json::from_slice(&data).map_err(|e| MigrateError::Malformed {
                        key: names_key.clone(),
                        message: format!("not a JSON list of dump names: {e}"),
                    })?;
                (names, data)
            }
            // Layouts written before dump names existed: the raw crash's checksums name them.
            Err(e) if e.is_not_found() => {
                let names = names_from_raw_crash(&raw_key, &raw)?;
                let data = Bytes::from(serde_json::to_vec(&names).expect("a list of strings"));
                (names, data)
            }
            Err(source) => {
                return Err(MigrateError::Read {
                    key: names_key,
                    source,
                })
            }
        };
        for name in &names {
            layout::check_dump_name(name).map_err(|message| MigrateError::Malformed {
                key: names_key.clone(),
                message,
            })?;
        }
        let mut copied_keys = vec![raw_key.clone(), names_key.clone()];
        self.copy_object(
            &names_key,
            &layout::dump_names(id),
            Some(names_data),
            check,
            &mut tally,
        )
        .await?;
        for name in &names {
            let from = self.layout.dump(id, name);
            self.copy_object(&from, &layout::dump(id, name), None, check, &mut tally)
                .await?;
            copied_keys.push(from);
        }
        if let Some(from) = self.layout.processed_crash(id) {
            let exists = self
                .source
                .head(&from)
                .await
                .map_err(|source| MigrateError::Read {
                    key: from.clone(),
                    source,
                })?
                .is_some();
            if exists {
                self.copy_object(&from, &layout::processed_crash(id), None, check, &mut tally)
                    .await?;
                copied_keys.push(from);
            }
        }
        self.copy_object(
            &raw_key,
            &layout::raw_crash(id),
            Some(raw),
            check,
            &mut tally,
        )
        .await?;
        if self.delete_source && !self.dry_run {
            // The raw crash first: a crash half deleted is never a complete one.
            for key in copied_keys {
                self.source
                    .delete(&key)
                    .await
                    .map_err(|source| MigrateError::Write { key, source })?;
                tally.objects_deleted += 1;
            }
        }
        Ok(tally)
    }

    async fn read(&self, key: &str) -> Result<Bytes, MigrateError> {
        self.source
            .get(key)
            .await
            .map_err(|source| MigrateError::Read {
                key: key.to_owned(),
                source,
            })
    }

    /// Copies `from` (whose bytes are `data` when already read) to `to`,
    /// unless `to` holds the same content; checks what was written.
    async fn copy_object(
        &self,
        from: &str,
        to: &str,
        data: Option<Bytes>,
        check: bool,
        tally: &mut Tally,
    ) -> Result<(), MigrateError> {
        let write_err = |source| MigrateError::Write {
            key: to.to_owned(),
            source,
        };
        let existing = match check {
            true => self.dest.head(to).await.map_err(write_err)?,
            false => None,
        };
        // Two buckets of one S3 endpoint: the server copies, crashkit
        // compares MD5s (ETags) and never holds the bytes.
        let server_side = data.is_none()
            && matches!((self.source.as_s3(), self.dest.as_s3()), (Some(a), Some(b)) if a.same_endpoint(b));
        if data.is_none() && (existing.is_some() || server_side) {
            let source_info =
                self.source
                    .head(from)
                    .await
                    .map_err(|source| MigrateError::Read {
                        key: from.to_owned(),
                        source,
                    })?;
            if let Some(ObjectInfo {
                size,
                md5: Some(md5),
            }) = source_info
            {
                // Both stores know their MD5s: no need to read either object.
                if existing.is_some_and(|there| there.size == size && there.md5 == Some(md5)) {
                    tally.objects_skipped += 1;
                    return Ok(());
                }
                if server_side {
                    return self.copy_on_server(from, to, size, md5, tally).await;
                }
            }
        }
        let data = match data {
            Some(data) => data,
            None => self.read(from).await?,
        };
        if let Some(there) = existing {
            if there.size == data.len() as u64 && self.holds(to, there, &data).await? {
                tally.objects_skipped += 1;
                return Ok(());
            }
        }
        tally.objects_copied += 1;
        tally.bytes += data.len() as u64;
        if self.dry_run {
            return Ok(());
        }
        if let Some(md5) = self
            .dest
            .put_md5(to, data.clone())
            .await
            .map_err(write_err)?
        {
            return match md5 == md5_of(&data) {
                true => Ok(()),
                false => Err(MigrateError::Verify { key: to.to_owned() }),
            };
        }
        let written = self.dest.head(to).await.map_err(write_err)?;
        match written {
            Some(info) if info.size == data.len() as u64 && self.holds(to, info, &data).await? => {
                Ok(())
            }
            _ => Err(MigrateError::Verify { key: to.to_owned() }),
        }
    }

    /// Has the S3 server copy `from` (of `size` bytes, MD5 `md5`) to `to`,
    /// and checks the copy's MD5.
    async fn copy_on_server(
        &self,
        from: &str,
        to: &str,
        size: u64,
        md5: [u8; 16],
        tally: &mut Tally,
    ) -> Result<(), MigrateError> {
        let (Some(source), Some(dest)) = (self.source.as_s3(), self.dest.as_s3()) else {
            return Err(MigrateError::Malformed {
                key: to.to_owned(),
                message: "a server-side copy between stores that are not both S3".into(),
            });
        };
        tally.objects_copied += 1;
        tally.objects_server_copied += 1;
        tally.bytes += size;
        if self.dry_run {
            return Ok(());
        }
        let write_err = |source| MigrateError::Write {
            key: to.to_owned(),
            source,
        };
        let reported = match dest
            .copy_from(source, from, to)
            .await
            .map_err(|e| match e {
                StorageError::NotFound { .. } => MigrateError::Read {
                    key: from.to_owned(),
                    source: e,
                },
                e => write_err(e),
            })? {
            ServerCopy::Copied(Some(copied)) => Some(copied),
            ServerCopy::Copied(None) => self
                .dest
                .head(to)
                .await
                .map_err(write_err)?
                .and_then(|i| i.md5),
            ServerCopy::NotPossible => {
                return Err(MigrateError::Malformed {
                    key: to.to_owned(),
                    message: "the server cannot copy between these stores".into(),
                })
            }
        };
        match reported == Some(md5) {
            true => Ok(()),
            false => Err(MigrateError::Verify { key: to.to_owned() }),
        }
    }

    /// Whether the destination object `to` (described by `info`) is `data`.
    async fn holds(&self, to: &str, info: ObjectInfo, data: &[u8]) -> Result<bool, MigrateError> {
        if let Some(md5) = info.md5 {
            return Ok(md5 == md5_of(data));
        }
        let there = self
            .dest
            .get(to)
            .await
            .map_err(|source| MigrateError::Write {
                key: to.to_owned(),
                source,
            })?;
        Ok(there == data)
    }
}

/// Dump names from a raw crash's `metadata.dump_checksums` (sorted).
fn names_from_raw_crash(key: &str, raw: &[u8]) -> Result<Vec<String>, MigrateError> {
    let value: serde_json::Value =
        serde_json::from_slice(raw).map_err(|e| MigrateError::Malformed {
            key: key.to_owned(),
            message: format!("the raw crash is not JSON: {e}"),
        })?;
    let mut names: Vec<String> = value["metadata"]["dump_checksums"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    Ok(names)
}

/// Every day from `first` to `last`, both included.
pub fn days(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    first.iter_days().take_while(|d| *d <= last).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crash_id::Throttle;
    use crate::storage::DirStore;

    fn store(dir: &std::path::Path) -> Arc<dyn ObjectStore> {
        Arc::new(DirStore::new(dir))
    }

    async fn put(s: &Arc<dyn ObjectStore>, key: &str, data: &str) {
        s.put(key, Bytes::from(data.to_owned())).await.unwrap();
    }

    #[tokio::test]
    async fn an_antenna_tree_becomes_v1_and_a_second_run_copies_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let src = store(&tmp.path().join("src"));
        let dst = store(&tmp.path().join("dst"));
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let id = CrashId::generate(Throttle::Accept, day);
        let raw = format!(
            r#"{{"ProductName":"Firefox","uuid":"{id}","metadata":{{"dump_checksums":{{"upload_file_minidump":"x"}}}}}}"#
        );
        put(&src, &format!("20261120/raw_crash/{id}.json"), &raw).await;
        put(&src, &format!("20261120/upload_file_minidump/{id}"), "MDMP").await;
        // No dump_names file: the names come from the raw crash.
        let m = Migration {
            source: src.clone(),
            layout: Layout::AntennaFs,
            dest: dst.clone(),
            dry_run: false,
            delete_source: false,
        };
        assert_eq!(m.list(None).await.unwrap(), vec![id.clone()]);
        assert_eq!(
            m.list(Some(&[day.succ_opt().unwrap()])).await.unwrap(),
            vec![]
        );
        let report = m.run(m.list(None).await.unwrap(), 2, |_, _| {}).await;
        assert_eq!(
            (report.crashes_copied, report.objects.objects_copied),
            (1, 3)
        );
        assert_eq!(
            &dst.get(&layout::dump(&id, layout::MAIN_DUMP))
                .await
                .unwrap()[..],
            b"MDMP"
        );
        assert_eq!(
            &dst.get(&layout::dump_names(&id)).await.unwrap()[..],
            br#"["upload_file_minidump"]"#
        );
        assert_eq!(
            &dst.get(&layout::raw_crash(&id)).await.unwrap()[..],
            raw.as_bytes()
        );
        let again = m.run(vec![id.clone()], 1, |_, _| {}).await;
        assert_eq!(
            (again.crashes_skipped, again.objects.objects_copied),
            (1, 0)
        );
        // A damaged copy is found and copied again.
        put(&dst, &layout::dump(&id, layout::MAIN_DUMP), "MDMQ").await;
        let repaired = m.run(vec![id.clone()], 1, |_, _| {}).await;
        assert_eq!(repaired.objects.objects_copied, 1);
        assert_eq!(
            &dst.get(&layout::dump(&id, layout::MAIN_DUMP))
                .await
                .unwrap()[..],
            b"MDMP"
        );
    }

    #[tokio::test]
    async fn a_bad_dump_name_fails_its_crash_only() {
        let tmp = tempfile::tempdir().unwrap();
        let src = store(&tmp.path().join("src"));
        let dst = store(&tmp.path().join("dst"));
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let bad = CrashId::generate(Throttle::Accept, day);
        let good = CrashId::generate(Throttle::Accept, day);
        for id in [&bad, &good] {
            put(&src, &layout::raw_crash(id), "{}").await;
        }
        put(&src, &layout::dump_names(&bad), r#"["../../etc"]"#).await;
        put(&src, &layout::dump_names(&good), "[]").await;
        let m = Migration {
            source: src,
            layout: Layout::V1,
            dest: dst.clone(),
            dry_run: false,
            delete_source: true,
        };
        let mut failed = Vec::new();
        let report = m
            .run(m.list(Some(&[day])).await.unwrap(), 4, |id, r| {
                if r.is_err() {
                    failed.push(id.clone());
                }
            })
            .await;
        assert_eq!(failed, vec![bad.clone()]);
        assert_eq!((report.crashes_copied, report.crashes_failed), (1, 1));
        assert!(!dst.exists(&layout::raw_crash(&bad)).await.unwrap());
        assert!(dst.exists(&layout::raw_crash(&good)).await.unwrap());
        // Only the verified crash left the source.
        assert!(m.source.exists(&layout::raw_crash(&bad)).await.unwrap());
        assert!(!m.source.exists(&layout::raw_crash(&good)).await.unwrap());
    }
}
