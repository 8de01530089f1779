//! Where symbols come from: local Breakpad directories, then symbol servers
//! through an on-disk download cache.
//!
//! [`SymbolSource`] implements rust-minidump's `SymbolSupplier`. One
//! `breakpad_symbols::Symbolizer` wraps it for a whole run, and that
//! symbolizer keeps every parsed symbol file in memory, so a worker that
//! processes many crashes from one build parses each symbol file once.
//!
//! The download cache keeps files in the Breakpad layout under its root,
//! written atomically; a server's 404 is remembered for a time-to-live in a
//! `.notfound` marker beside where the file would be; and when the cache
//! grows past its cap the least recently used files are removed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use breakpad_symbols::{
    FileError, FileKind, LocateSymbolsResult, Module, SymbolError, SymbolFile, SymbolSupplier,
};
use tracing::{debug, warn};

use crate::storage::dir::write_atomically;

/// Settings of the download cache.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    pub dir: PathBuf,
    pub max_bytes: u64,
    pub negative_ttl: Duration,
}

/// Local directories, then symbol servers through the cache.
#[derive(Debug)]
pub struct SymbolSource {
    paths: Vec<PathBuf>,
    urls: Vec<String>,
    cache: Option<DiskCache>,
    client: reqwest::Client,
}

impl SymbolSource {
    /// A source over `paths` and `urls`; `cache` is required when there are URLs.
    pub fn new(
        paths: Vec<PathBuf>,
        urls: Vec<String>,
        cache: Option<CacheSettings>,
    ) -> SymbolSource {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("crashkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        SymbolSource {
            paths,
            urls: urls
                .into_iter()
                .map(|u| u.trim_end_matches('/').to_owned())
                .collect(),
            cache: cache.map(DiskCache::new),
            client,
        }
    }

    async fn fetch(&self, rel: &str) -> Option<Vec<u8>> {
        let cache = self.cache.as_ref()?;
        if let Some(bytes) = cache.get(rel) {
            return Some(bytes);
        }
        if cache.known_missing(rel) {
            debug!(
                file = rel,
                "symbol server said not found recently; not asking again"
            );
            return None;
        }
        let mut all_missing = true;
        for base in &self.urls {
            let url = format!("{base}/{rel}");
            match self.client.get(&url).send().await {
                Ok(resp) if resp.status().is_success() => match resp.bytes().await {
                    Ok(bytes) => {
                        cache.put(rel, &bytes);
                        return Some(bytes.to_vec());
                    }
                    Err(e) => {
                        all_missing = false;
                        warn!(%url, "reading symbol file failed: {e}");
                    }
                },
                Ok(resp) if resp.status() == reqwest::StatusCode::NOT_FOUND => {
                    debug!(%url, "symbol file not on server");
                }
                Ok(resp) => {
                    all_missing = false;
                    warn!(%url, status = %resp.status(), "symbol server error");
                }
                Err(e) => {
                    all_missing = false;
                    warn!(%url, "symbol server unreachable: {e}");
                }
            }
        }
        // Only a clean "not found" from every server is remembered; errors are retried.
        if all_missing && !self.urls.is_empty() {
            cache.mark_missing(rel);
        }
        None
    }
}

#[async_trait]
impl SymbolSupplier for SymbolSource {
    async fn locate_symbols(
        &self,
        module: &(dyn Module + Sync),
    ) -> Result<LocateSymbolsResult, SymbolError> {
        let lookup = breakpad_symbols::breakpad_sym_lookup(module)
            .ok_or(SymbolError::MissingDebugFileOrId)?;
        for dir in &self.paths {
            let path = dir.join(&lookup.cache_rel);
            if path.is_file() {
                let symbols = SymbolFile::from_file(&path)?;
                return Ok(LocateSymbolsResult {
                    symbols,
                    extra_debug_info: None,
                });
            }
        }
        match self.fetch(&lookup.server_rel).await {
            Some(bytes) => Ok(LocateSymbolsResult {
                symbols: SymbolFile::from_bytes(&bytes)?,
                extra_debug_info: None,
            }),
            None => Err(SymbolError::NotFound),
        }
    }

    async fn locate_file(
        &self,
        module: &(dyn Module + Sync),
        file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        if file_kind != FileKind::BreakpadSym {
            return Err(FileError::NotFound);
        }
        let lookup = breakpad_symbols::breakpad_sym_lookup(module).ok_or(FileError::NotFound)?;
        self.paths
            .iter()
            .map(|dir| dir.join(&lookup.cache_rel))
            .find(|p| p.is_file())
            .ok_or(FileError::NotFound)
    }
}

/// The on-disk download cache.
#[derive(Debug)]
pub struct DiskCache {
    settings: CacheSettings,
    /// Bytes in the cache, counted on first write (`u64::MAX`: not yet).
    used: AtomicU64,
}

const MISSING_SUFFIX: &str = ".notfound";

impl DiskCache {
    pub fn new(settings: CacheSettings) -> DiskCache {
        DiskCache {
            settings,
            used: AtomicU64::new(u64::MAX),
        }
    }

    fn path(&self, rel: &str) -> Option<PathBuf> {
        let rel = Path::new(rel);
        rel.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
            .then(|| self.settings.dir.join(rel))
    }

    /// A cached file; a hit refreshes its last-used time.
    pub fn get(&self, rel: &str) -> Option<Vec<u8>> {
        let path = self.path(rel)?;
        let bytes = std::fs::read(&path).ok()?;
        if let Ok(file) = std::fs::File::options().append(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Whether a server said "not found" for `rel` within the time-to-live.
    pub fn known_missing(&self, rel: &str) -> bool {
        let Some(path) = self.path(&format!("{rel}{MISSING_SUFFIX}")) else {
            return false;
        };
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age < self.settings.negative_ttl)
    }

    pub fn mark_missing(&self, rel: &str) {
        if let Some(path) = self.path(&format!("{rel}{MISSING_SUFFIX}")) {
            if let Err(e) = write_atomically(&path, b"") {
                warn!(path = %path.display(), "cannot record a missing symbol file: {e}");
            }
        }
    }

    /// Stores a downloaded file, then trims the cache to its cap.
    pub fn put(&self, rel: &str, bytes: &[u8]) {
        let Some(path) = self.path(rel) else { return };
        if let Err(e) = write_atomically(&path, bytes) {
            warn!(path = %path.display(), "cannot cache a symbol file: {e}");
            return;
        }
        let _ = std::fs::remove_file(path.with_file_name(format!(
            "{}{MISSING_SUFFIX}",
            path.file_name().unwrap_or_default().to_string_lossy()
        )));
        let before = self.used.load(Ordering::SeqCst);
        let used = if before == u64::MAX {
            let total = cache_files(&self.settings.dir)
                .iter()
                .map(|(_, len, _)| len)
                .sum();
            self.used.store(total, Ordering::SeqCst);
            total
        } else {
            self.used.fetch_add(bytes.len() as u64, Ordering::SeqCst) + bytes.len() as u64
        };
        if used > self.settings.max_bytes {
            self.evict();
        }
    }

    /// Removes the least recently used files until the cache is at 90% of its cap.
    fn evict(&self) {
        let mut files = cache_files(&self.settings.dir);
        files.sort_by_key(|(_, _, modified)| *modified);
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        let target = self.settings.max_bytes / 10 * 9;
        for (path, len, _) in files {
            if total <= target {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
        self.used.store(total, Ordering::SeqCst);
    }
}

fn cache_files(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((entry.path(), meta.len(), modified));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, max_bytes: u64) -> DiskCache {
        DiskCache::new(CacheSettings {
            dir: dir.to_owned(),
            max_bytes,
            negative_ttl: Duration::from_secs(60),
        })
    }

    #[test]
    fn stores_and_finds_files_and_remembers_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path(), 1 << 20);
        assert!(c.get("a/ID/a.sym").is_none());
        c.mark_missing("a/ID/a.sym");
        assert!(c.known_missing("a/ID/a.sym"));
        c.put("a/ID/a.sym", b"MODULE");
        assert_eq!(c.get("a/ID/a.sym").unwrap(), b"MODULE");
        assert!(!c.known_missing("a/ID/a.sym"), "a download clears the miss");
        assert!(c.get("../escape").is_none());
    }

    #[test]
    fn a_miss_expires() {
        let tmp = tempfile::tempdir().unwrap();
        let c = DiskCache::new(CacheSettings {
            dir: tmp.path().to_owned(),
            max_bytes: 1 << 20,
            negative_ttl: Duration::ZERO,
        });
        c.mark_missing("b/ID/b.sym");
        assert!(!c.known_missing("b/ID/b.sym"));
    }

    #[test]
    fn the_cap_evicts_least_recently_used() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path(), 2500);
        c.put("old/1/old.sym", &[0; 1000]);
        let old = tmp.path().join("old/1/old.sym");
        std::fs::File::options()
            .append(true)
            .open(&old)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        c.put("mid/1/mid.sym", &[0; 1000]);
        c.put("new/1/new.sym", &[0; 1000]);
        assert!(!old.exists(), "the least recently used file goes first");
        assert!(tmp.path().join("new/1/new.sym").exists());
    }
}
