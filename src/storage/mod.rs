//! Crash storage: Socorro's bucket layout over a small object-store core.
//!
//! [`ObjectStore`] is the whole contract a backend implements (put, get,
//! exists, list, delete of whole objects, and staged objects for content
//! that streams in before its key is known); [`CrashStorage`] builds the crash
//! operations on top of it, so every backend gets the same layout and the
//! same write order for free. Backends: [`DirStore`] (a directory, the
//! embedded default) and [`S3Store`] (S3 and S3-compatible stores). Both
//! pass the one conformance suite in `conformance.rs`.

mod dir;
pub mod layout;
mod memory;
mod s3;
mod staged;

#[cfg(test)]
mod conformance;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::NaiveDate;
use futures::future::try_join_all;

use crate::config::StorageSettings;
use crate::crash_id::CrashId;

pub use dir::DirStore;
pub use memory::MemoryStore;
pub use s3::{S3Store, ServerCopy};
pub use staged::{Buffered, StagedObject};

/// A raw crash: annotations plus what the collector adds (SPEC 2.2).
pub type RawCrash = serde_json::Map<String, serde_json::Value>;

/// Dumps of one crash by name (`upload_file_minidump`, ...).
pub type Dumps = BTreeMap<String, Bytes>;

/// A storage failure, classified so callers can branch on it.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The object does not exist.
    #[error("{key}: not found")]
    NotFound { key: String },
    /// The object exists but its content is not what the layout promises,
    /// or a name given to store is not allowed.
    #[error("{key}: {message}")]
    Malformed { key: String, message: String },
    /// The storage URL or its options cannot be used.
    #[error("storage {url:?}: {message}")]
    InvalidUrl { url: String, message: String },
    /// A local file operation failed.
    #[error("{op} {key}: {source}")]
    Io {
        op: &'static str,
        key: String,
        source: std::io::Error,
    },
    /// A remote store failed (after its retries).
    #[error("{op} {key}: {source}")]
    Remote {
        op: &'static str,
        key: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StorageError {
    /// Whether the error means the object is missing.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound { .. })
    }

    /// Whether the failure may pass by itself: a remote store that failed
    /// after its client's retries (timeouts, 5xx, refused connections), a
    /// full disk, an interrupted or timed-out file operation. Asking again
    /// later can succeed; the failure says nothing about the crash.
    pub fn is_transient(&self) -> bool {
        use std::io::ErrorKind::*;
        match self {
            StorageError::Remote { source, .. } => !source
                .downcast_ref::<object_store::Error>()
                .is_some_and(|e| {
                    matches!(
                        e,
                        object_store::Error::PermissionDenied { .. }
                            | object_store::Error::Unauthenticated { .. }
                    )
                }),
            StorageError::Io { source, .. } => matches!(
                source.kind(),
                TimedOut | Interrupted | WouldBlock | StorageFull | QuotaExceeded | ResourceBusy
            ),
            _ => false,
        }
    }
}

/// Result of storage operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// The content of one object of [`ObjectStore::put_in_order`].
#[derive(Debug)]
pub enum Content {
    Bytes(Bytes),
    /// Staged by the same store.
    Staged(Box<dyn StagedObject>),
}

/// What a store tells of an object without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectInfo {
    pub size: u64,
    /// The MD5 of the content, when the store reports one (the ETag of an
    /// object S3 stored in one part).
    pub md5: Option<[u8; 16]>,
}

/// The small core every backend implements: whole-object operations on
/// `/`-separated keys. A `put` is atomic: readers see the old object, the
/// new one, or nothing, never a partial one.
#[async_trait]
pub trait ObjectStore: Send + Sync + fmt::Debug {
    /// Writes `data` under `key`, replacing any object there; durable when it returns.
    async fn put(&self, key: &str, data: Bytes) -> Result<()>;
    /// [`ObjectStore::put`], returning the MD5 of what the store holds
    /// now when it reports one (S3's ETag), for checking the write without
    /// reading it back.
    async fn put_md5(&self, key: &str, data: Bytes) -> Result<Option<[u8; 16]>> {
        self.put(key, data).await.map(|_| None)
    }
    /// Writes every object of `first` and then, once they are all durable,
    /// `last`: whoever sees `last` finds all of `first`. By default the
    /// objects of `first` are written concurrently.
    async fn put_in_order(
        &self,
        first: Vec<(String, Content)>,
        last: (String, Bytes),
    ) -> Result<()> {
        try_join_all(first.into_iter().map(|(key, content)| async move {
            match content {
                Content::Bytes(data) => self.put(&key, data).await,
                Content::Staged(staged) => staged.commit(&key).await,
            }
        }))
        .await?;
        self.put(&last.0, last.1).await
    }
    /// Reads the object under `key`; [`StorageError::NotFound`] when missing.
    async fn get(&self, key: &str) -> Result<Bytes>;
    /// Whether an object exists under `key`.
    async fn exists(&self, key: &str) -> Result<bool>;
    /// The size (and MD5 where the store has it) of `key`; `None` when
    /// missing. One request where the backend can; by default the object
    /// is read.
    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        match self.get(key).await {
            Ok(data) => Ok(Some(ObjectInfo {
                size: data.len() as u64,
                md5: None,
            })),
            Err(StorageError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
    /// Every key that starts with `prefix` (a `/`-terminated directory), sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>>;
    /// Deletes `key`; deleting a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<()>;
    /// The names directly under the store's root (a directory name ends in
    /// `/`), for checking that a store is what it should be; one request.
    /// [`StorageError::NotFound`] when the root itself (directory, bucket)
    /// does not exist.
    async fn top_level(&self) -> Result<Vec<String>>;
    /// Where this store points, for messages.
    fn location(&self) -> String;
    /// This store as S3, for copies the server makes between two buckets.
    fn as_s3(&self) -> Option<&S3Store> {
        None
    }
    /// Starts an object whose content streams in before its key is known;
    /// it is committed under a key in `dir` (`v1/dump/`), and leaves
    /// nothing if dropped before. Holds a bounded amount in memory where
    /// the backend can stream ([`Buffered`] holds it all).
    fn stage(self: Arc<Self>, dir: &str) -> Box<dyn StagedObject>;
}

/// Crash data in Socorro's `v1` layout over any [`ObjectStore`].
#[derive(Debug, Clone)]
pub struct CrashStorage {
    store: Arc<dyn ObjectStore>,
}

impl CrashStorage {
    /// Crash storage over `store`.
    pub fn new(store: Arc<dyn ObjectStore>) -> CrashStorage {
        CrashStorage { store }
    }

    /// Opens the storage that `settings.url` names: `s3://bucket/prefix`,
    /// `file:///path`, or a plain directory path.
    pub fn open(settings: &StorageSettings) -> Result<CrashStorage> {
        let url = settings.url.trim();
        let store: Arc<dyn ObjectStore> = if url.starts_with("s3://") {
            Arc::new(S3Store::open(url, settings)?)
        } else if let Some(path) = url.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(StorageError::InvalidUrl {
                    url: url.into(),
                    message: "file:// URLs need an absolute path (file:///var/crashes)".into(),
                });
            }
            Arc::new(DirStore::new(path))
        } else if url.contains("://") {
            return Err(StorageError::InvalidUrl {
                url: url.into(),
                message:
                    "unsupported scheme: use a directory path, file:///path or s3://bucket/prefix"
                        .into(),
            });
        } else if url.is_empty() {
            return Err(StorageError::InvalidUrl {
                url: url.into(),
                message: "empty storage location".into(),
            });
        } else {
            Arc::new(DirStore::new(url))
        };
        Ok(CrashStorage { store })
    }

    /// Checks that the store can be reached and holds crash data in the
    /// v1 layout, or nothing yet: a worker pointed at the wrong place must
    /// not drain a queue into "no such crash". One request.
    pub async fn check_layout(&self) -> Result<()> {
        let location = self.store.location();
        let names = self.store.top_level().await.map_err(|e| match e {
            StorageError::NotFound { .. } => StorageError::Malformed {
                key: location.clone(),
                message: "does not exist".into(),
            },
            other => other,
        })?;
        let foreign: Vec<&String> = names
            .iter()
            .filter(|n| !matches!(n.as_str(), "v1/" | "heartbeat/") && !n.starts_with('.'))
            .collect();
        if !names.iter().any(|n| n == "v1/") && !foreign.is_empty() {
            return Err(StorageError::Malformed {
                key: location,
                message: format!(
                    "holds no crash data in Socorro's v1 layout (found {}); is this the right storage?",
                    foreign.iter().take(3).map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
        Ok(())
    }

    /// The object store underneath.
    pub fn objects(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Starts a dump named `name` streaming into storage, for
    /// [`CrashStorage::save_staged_crash`] once the crash has an id.
    pub fn stage_dump(&self, name: &str) -> Result<Box<dyn StagedObject>> {
        let dir = layout::dump_dir(name);
        layout::check_dump_name(name).map_err(|message| StorageError::Malformed {
            key: dir.clone(),
            message,
        })?;
        Ok(self.store.clone().stage(&dir))
    }

    /// [`CrashStorage::save_raw_crash`] for dumps that streamed in.
    pub async fn save_staged_crash(
        &self,
        id: &CrashId,
        raw: &RawCrash,
        dumps: Vec<(String, Box<dyn StagedObject>)>,
    ) -> Result<()> {
        let dumps = dumps
            .into_iter()
            .map(|(name, staged)| (name, Content::Staged(staged)))
            .collect();
        self.save(id, raw, dumps).await
    }

    /// Saves a new crash in the layout's write order: dump names and dumps,
    /// then the raw crash **last**, once they are durable, so a raw crash
    /// key exists only for a complete crash. Dump names are checked first;
    /// nothing is written when one is not allowed.
    pub async fn save_raw_crash(&self, id: &CrashId, raw: &RawCrash, dumps: &Dumps) -> Result<()> {
        let dumps = dumps
            .iter()
            .map(|(name, data)| (name.clone(), Content::Bytes(data.clone())))
            .collect();
        self.save(id, raw, dumps).await
    }

    async fn save(
        &self,
        id: &CrashId,
        raw: &RawCrash,
        dumps: Vec<(String, Content)>,
    ) -> Result<()> {
        for (name, _) in &dumps {
            layout::check_dump_name(name).map_err(|message| StorageError::Malformed {
                key: layout::dump_names(id),
                message,
            })?;
        }
        let has = |n: &str| dumps.iter().any(|(name, _)| name == n);
        if has("dump") && has(layout::MAIN_DUMP) {
            return Err(StorageError::Malformed {
                key: layout::dump_names(id),
                message: format!(
                    "dumps \"dump\" and \"{}\" would share one key",
                    layout::MAIN_DUMP
                ),
            });
        }
        let names: Vec<&String> = dumps.iter().map(|(name, _)| name).collect();
        let mut first = vec![(
            layout::dump_names(id),
            Content::Bytes(Bytes::from(to_json(&names))),
        )];
        first.extend(
            dumps
                .into_iter()
                .map(|(name, content)| (layout::dump(id, &name), content)),
        );
        let last = (layout::raw_crash(id), Bytes::from(to_json(raw)));
        self.store.put_in_order(first, last).await
    }

    /// The raw crash of `id`.
    pub async fn get_raw_crash(&self, id: &CrashId) -> Result<RawCrash> {
        self.get_json(&layout::raw_crash(id)).await
    }

    /// The names of the dumps of `id`, sorted.
    pub async fn get_dump_names(&self, id: &CrashId) -> Result<Vec<String>> {
        let mut names: Vec<String> = self.get_json(&layout::dump_names(id)).await?;
        names.sort();
        Ok(names)
    }

    /// One dump of `id`.
    pub async fn get_dump(&self, id: &CrashId, name: &str) -> Result<Bytes> {
        layout::check_dump_name(name).map_err(|message| StorageError::Malformed {
            key: layout::dump_names(id),
            message,
        })?;
        self.store.get(&layout::dump(id, name)).await
    }

    /// Every dump of `id` listed in its dump names.
    pub async fn get_dumps(&self, id: &CrashId) -> Result<Dumps> {
        let names = self.get_dump_names(id).await?;
        let dumps = try_join_all(names.iter().map(|n| self.get_dump(id, n))).await?;
        Ok(names.into_iter().zip(dumps).collect())
    }

    /// Saves (or replaces) the processed crash of `id`.
    /// Saves a processed crash that is already JSON (as workers write it).
    pub async fn save_processed_json(&self, id: &CrashId, json: Bytes) -> Result<()> {
        self.store.put(&layout::processed_crash(id), json).await
    }

    pub async fn save_processed_crash(
        &self,
        id: &CrashId,
        processed: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        self.store
            .put(
                &layout::processed_crash(id),
                Bytes::from(to_json(processed)),
            )
            .await
    }

    /// The processed crash of `id`.
    pub async fn get_processed_crash(
        &self,
        id: &CrashId,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        self.get_json(&layout::processed_crash(id)).await
    }

    /// The processed crash of `id`, read as `T`: only the fields `T` has
    /// are built, the rest is skipped as it is read.
    pub async fn get_processed_as<T: serde::de::DeserializeOwned>(
        &self,
        id: &CrashId,
    ) -> Result<T> {
        self.get_json(&layout::processed_crash(id)).await
    }

    /// Whether `id` has a (complete) raw crash.
    pub async fn exists(&self, id: &CrashId) -> Result<bool> {
        self.store.exists(&layout::raw_crash(id)).await
    }

    /// Whether `id` has a processed crash.
    pub async fn has_processed_crash(&self, id: &CrashId) -> Result<bool> {
        self.store.exists(&layout::processed_crash(id)).await
    }

    /// The ids of every complete crash of `date` (by the date in the id), sorted.
    /// Keys under the day that are not crash ids are skipped.
    pub async fn list_day(&self, date: NaiveDate) -> Result<Vec<CrashId>> {
        let prefix = layout::raw_crash_day(&date.format("%Y%m%d").to_string());
        let keys = self.store.list(&prefix).await?;
        let mut ids: Vec<CrashId> = keys
            .iter()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter_map(|name| CrashId::parse(name).ok())
            .collect();
        ids.sort();
        Ok(ids)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T> {
        let bytes = self.store.get(key).await?;
        serde_json::from_slice(&bytes).map_err(|e| StorageError::Malformed {
            key: key.to_owned(),
            message: format!("not the expected JSON: {e}"),
        })
    }
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // Maps are BTreeMaps, so keys come out sorted, as Socorro writes them.
    serde_json::to_vec(value).expect("JSON values always serialize")
}
