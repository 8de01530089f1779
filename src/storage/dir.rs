//! The directory backend, crashkit's embedded default.
//!
//! Each object is a file at `<root>/<key>`, staged beside it, fsynced and
//! renamed into place ([`crate::fsutil::StagedFile`]), so an object is
//! either wholly there or not at all, and is on disk when `put` returns (the
//! collector relies on this to answer a CrashID only for a durable crash).
//! The directory fsyncs of concurrent writes are shared
//! ([`crate::fsutil::DirSyncs`]): under load one fsync of `v1/dump/` covers
//! every dump renamed into it meanwhile.
//!
//! A staged object ([`ObjectStore::stage`]) keeps its first
//! [`SPILL_BYTES`] in memory and streams the rest into a staged file in the
//! directory of its future key, renamed at commit; a small dump thus costs
//! one file write, a 24 MiB one no more memory than a small one.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use super::staged::{Chunks, StagedObject};
use super::{Content, ObjectStore, Result, StorageError};
use crate::fsutil::{write_all_vectored, DirSyncs, StagedFile, STAGING_PREFIX};

/// What a staged object holds in memory before it goes to a file.
pub const SPILL_BYTES: usize = 1 << 20;

/// Objects as files under a root directory.
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
    syncs: Arc<DirSyncs>,
}

impl DirStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> DirStore {
        DirStore {
            root: root.into(),
            syncs: Arc::default(),
        }
    }

    /// The file that holds `key`; refuses keys that could leave the root.
    fn path(&self, key: &str) -> Result<PathBuf> {
        let rel = Path::new(key);
        let safe = !key.is_empty()
            && rel.components().all(|c| matches!(c, Component::Normal(_)))
            && !key.split('/').any(|seg| seg.starts_with(STAGING_PREFIX));
        if !safe {
            return Err(StorageError::Malformed {
                key: key.to_owned(),
                message: "not a valid storage key".into(),
            });
        }
        Ok(self.root.join(rel))
    }
}

fn io_err<'a>(op: &'static str, key: &'a str) -> impl FnOnce(std::io::Error) -> StorageError + 'a {
    move |source| StorageError::Io {
        op,
        key: key.to_owned(),
        source,
    }
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

fn list_into(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(STAGING_PREFIX) {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_into(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let key: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(key.join("/"));
        }
    }
    Ok(())
}

#[async_trait]
impl ObjectStore for DirStore {
    async fn put(&self, key: &str, data: Bytes) -> Result<()> {
        let path = self.path(key)?;
        let key = key.to_owned();
        let syncs = self.syncs.clone();
        blocking(move || write_file(&path, &data, &syncs).map_err(io_err("write", &key))).await
    }

    /// All of it in one blocking task, one thread hand-off per crash:
    /// every file written (`last`'s content too) and fsynced; the files of
    /// `first` renamed and each of their directories synced once (the
    /// fsync shared with concurrent writers); then `last` renamed and its
    /// directory synced.
    async fn put_in_order(
        &self,
        first: Vec<(String, Content)>,
        last: (String, Bytes),
    ) -> Result<()> {
        let mut pending = Vec::with_capacity(first.len());
        for (key, content) in first {
            let (target, chunks, file) = match content {
                Content::Bytes(data) => (self.path(&key)?, vec![data], None),
                Content::Staged(staged) => match staged.into_any().downcast::<DirStaged>() {
                    Ok(mut staged) => {
                        let (target, _) = staged.target(&key)?;
                        (target, staged.chunks.take(), staged.file.take())
                    }
                    Err(_) => {
                        return Err(StorageError::Malformed {
                            key,
                            message: "staged by another store".into(),
                        })
                    }
                },
            };
            pending.push(Pending {
                key,
                target,
                chunks,
                file,
            });
        }
        let last_path = self.path(&last.0)?;
        let syncs = self.syncs.clone();
        blocking(move || {
            let mut files = Vec::with_capacity(pending.len());
            for p in pending {
                let dir = p.target.parent().unwrap_or(Path::new(".")).to_owned();
                let file = append(p.file, &dir, &p.chunks).map_err(io_err("write", &p.key))?;
                files.push((file, p.key, p.target, dir));
            }
            let mut last_file = StagedFile::create(&last_path)
                .and_then(|mut file| file.write_all(&last.1).map(|()| file))
                .map_err(io_err("write", &last.0))?;
            for (file, key, ..) in &mut files {
                file.sync().map_err(io_err("sync", key))?;
            }
            last_file.sync().map_err(io_err("sync", &last.0))?;
            let mut dirs: Vec<PathBuf> = Vec::new();
            for (file, key, target, dir) in files {
                file.rename_durably(&target)
                    .map_err(io_err("write", &key))?;
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
            for dir in &dirs {
                syncs
                    .sync(dir)
                    .map_err(io_err("sync", &dir.display().to_string()))?;
            }
            last_file
                .commit_as(&last_path, &syncs)
                .map_err(io_err("write", &last.0))
        })
        .await
    }

    async fn get(&self, key: &str) -> Result<Bytes> {
        let path = self.path(key)?;
        let key = key.to_owned();
        blocking(move || match fs::read(&path) {
            Ok(data) => Ok(Bytes::from(data)),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                Err(StorageError::NotFound { key })
            }
            Err(e) => Err(io_err("read", &key)(e)),
        })
        .await
    }

    async fn exists(&self, key: &str) -> Result<bool> {
        let path = self.path(key)?;
        let key = key.to_owned();
        blocking(move || match fs::metadata(&path) {
            Ok(meta) => Ok(meta.is_file()),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                Ok(false)
            }
            Err(e) => Err(io_err("stat", &key)(e)),
        })
        .await
    }

    async fn head(&self, key: &str) -> Result<Option<super::ObjectInfo>> {
        let path = self.path(key)?;
        let key = key.to_owned();
        blocking(move || match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Some(super::ObjectInfo {
                size: meta.len(),
                md5: None,
            })),
            Ok(_) => Ok(None),
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                Ok(None)
            }
            Err(e) => Err(io_err("stat", &key)(e)),
        })
        .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        blocking(move || {
            // Walk the deepest directory the prefix names, then filter.
            let dir_part = prefix.rfind('/').map_or("", |i| &prefix[..i]);
            let start = if dir_part.is_empty() {
                root.clone()
            } else {
                root.join(dir_part)
            };
            let mut keys = Vec::new();
            list_into(&root, &start, &mut keys).map_err(io_err("list", &prefix))?;
            keys.retain(|k| k.starts_with(&prefix));
            keys.sort();
            Ok(keys)
        })
        .await
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        let key = key.to_owned();
        blocking(move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("delete", &key)(e)),
        })
        .await
    }

    async fn top_level(&self) -> Result<Vec<String>> {
        let root = self.root.clone();
        let location = self.location();
        blocking(move || {
            let entries = match fs::read_dir(&root) {
                Ok(entries) => entries,
                Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                    return Err(StorageError::NotFound { key: location })
                }
                Err(e) => return Err(io_err("list", &location)(e)),
            };
            let mut names = Vec::new();
            for entry in entries {
                let entry = entry.map_err(io_err("list", &location))?;
                let mut name = entry.file_name().to_string_lossy().into_owned();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    name.push('/');
                }
                names.push(name);
            }
            names.sort();
            Ok(names)
        })
        .await
    }

    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn stage(self: Arc<Self>, dir: &str) -> Box<dyn StagedObject> {
        Box::new(DirStaged {
            dir: dir.trim_end_matches('/').to_owned(),
            store: self,
            chunks: Chunks::default(),
            file: None,
        })
    }
}

/// Writes `data` to `path` durably, the directory's fsync shared.
fn write_file(path: &Path, data: &[u8], syncs: &DirSyncs) -> std::io::Result<()> {
    let mut staged = StagedFile::create(path)?;
    staged.write_all(data)?;
    staged.commit_as(path, syncs)
}

/// Appends `chunks` to `file`, or to a new staged file in `dir`.
fn append(file: Option<StagedFile>, dir: &Path, chunks: &[Bytes]) -> std::io::Result<StagedFile> {
    let mut file = match file {
        Some(file) => file,
        None => StagedFile::create_in(dir)?,
    };
    let bufs: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
    write_all_vectored(&mut file, &bufs)?;
    Ok(file)
}

/// One object of a `put_in_order`, on its way to the blocking thread.
struct Pending {
    key: String,
    target: PathBuf,
    chunks: Vec<Bytes>,
    file: Option<StagedFile>,
}

/// A file-to-be: chunks in memory up to [`SPILL_BYTES`], then a staged file.
#[derive(Debug)]
struct DirStaged {
    store: Arc<DirStore>,
    /// The key directory the object will be committed into.
    dir: String,
    chunks: Chunks,
    /// Removed when dropped uncommitted (on a blocking thread when it
    /// holds a file, see `Drop`).
    file: Option<StagedFile>,
}

impl DirStaged {
    /// The paths of `key` and of the directory the object was staged in,
    /// which must be `key`'s (a rename does not leave it).
    fn target(&self, key: &str) -> Result<(PathBuf, PathBuf)> {
        let target = self.store.path(key)?;
        let dir = self.store.path(&self.dir)?;
        if target.parent() != Some(dir.as_path()) {
            return Err(StorageError::Malformed {
                key: key.to_owned(),
                message: format!("staged in {}/, not in the key's directory", self.dir),
            });
        }
        Ok((target, dir))
    }

    /// Writes the buffered chunks into the staged file (started if need be),
    /// on a blocking thread.
    async fn spill(&mut self) -> Result<()> {
        let chunks = self.chunks.take();
        let file = self.file.take();
        let dir = self.store.path(&self.dir)?;
        let key = self.dir.clone();
        let file =
            blocking(move || append(file, &dir, &chunks).map_err(io_err("write", &key))).await?;
        self.file = Some(file);
        Ok(())
    }
}

#[async_trait]
impl StagedObject for DirStaged {
    async fn write(&mut self, data: Bytes) -> Result<()> {
        if self.chunks.push(data, SPILL_BYTES) {
            self.spill().await?;
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>, key: &str) -> Result<()> {
        let (target, dir) = self.target(key)?;
        let chunks = self.chunks.take();
        let file = self.file.take();
        let syncs = self.store.syncs.clone();
        let key = key.to_owned();
        blocking(move || {
            append(file, &dir, &chunks)
                .and_then(|file| file.commit_as(&target, &syncs))
                .map_err(io_err("write", &key))
        })
        .await
    }

    fn len(&self) -> u64 {
        self.chunks.written()
    }

    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
}

impl Drop for DirStaged {
    fn drop(&mut self) {
        // Removing the staged file is a file operation: off the async threads.
        if let Some(file) = self.file.take() {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => drop(runtime.spawn_blocking(move || drop(file))),
                Err(_) => drop(file),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_cannot_leave_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::new(dir.path());
        for key in ["../escape", "/etc/passwd", "a/../../b", "", "v1/.tmp-x"] {
            let err = store.put(key, Bytes::from_static(b"x")).await.unwrap_err();
            assert!(
                matches!(err, StorageError::Malformed { .. }),
                "{key:?}: {err}"
            );
        }
    }

    #[tokio::test]
    async fn staged_files_are_not_listed_and_not_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::new(dir.path());
        store
            .put("v1/a/1", Bytes::from_static(b"one"))
            .await
            .unwrap();
        store
            .put("v1/a/1", Bytes::from_static(b"two"))
            .await
            .unwrap();
        let entries: Vec<_> = fs::read_dir(dir.path().join("v1/a"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, vec!["1"]);
        fs::write(dir.path().join("v1/a/.tmp-2-abc"), b"partial").unwrap();
        assert_eq!(store.list("v1/a/").await.unwrap(), vec!["v1/a/1"]);
        assert_eq!(
            store.get("v1/a/1").await.unwrap(),
            Bytes::from_static(b"two")
        );
    }
}
