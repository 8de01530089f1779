//! Where symbols come from: local Breakpad directories, then symbol servers
//! through an on-disk download cache.
//!
//! [`SymbolSource`] implements rust-minidump's `SymbolSupplier`. One
//! [`super::symbolizer::Symbolizer`] wraps it for a whole run, and keeps
//! every parsed symbol file in memory, so a worker that processes many
//! crashes from one build parses each symbol file once.
//!
//! Local directories are breakpad-symbols' own `SimpleSymbolSupplier`.
//! Symbol servers are not its `HttpSymbolSupplier`, which fits less well
//! here: it panics when its HTTP client cannot be built, reads a 5xx or a
//! timeout as "not found", and has no size cap. Crashkit's server client
//! asks by debug file and id, then (for modules without them, as Tecken
//! allows) by code file and code id; streams each download into a staged
//! file of the cache, so a symbol file is held once, parsed from disk; and
//! retries passing faults through [`crate::retry`] within one deadline.
//!
//! A body the server sends gzipped (`Content-Encoding: gzip`, or gzip's
//! magic bytes) is gunzipped on the way in, so the cache holds text. A
//! cached file that does not parse is dropped and fetched again.
//!
//! The download cache keeps files in the Breakpad layout under its root,
//! written atomically; a server's 404 is remembered for a time-to-live in a
//! `.notfound` marker beside where the file would be, and a server that
//! failed (timeout, 5xx, refused connection) for a shorter one in an
//! `.unavailable` marker, so a server that is down costs one timeout per
//! module per window, not one per crash. When the cache grows past its cap
//! the least recently used files are removed.
//!
//! The supplier runs in the processing workers (`process-worker`), on a
//! runtime of their own that does nothing else; the cache's small file
//! operations are done there directly.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use breakpad_symbols::{
    FileError, FileKind, LocateSymbolsResult, Module, SimpleSymbolSupplier, SymbolError,
    SymbolFile, SymbolSupplier,
};
use tracing::{debug, warn};

use crate::fsutil::{write_atomically, StagedFile};
use crate::retry::{self, Policy, Verdict};

/// Settings of the download cache.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    pub dir: PathBuf,
    pub max_bytes: u64,
    /// How long a server's "not found" is believed.
    pub negative_ttl: Duration,
    /// How long a server's failure (timeout, 5xx, no connection) is believed.
    pub error_ttl: Duration,
}

/// The HTTP client of the symbol servers could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("symbol server client: {0}")]
pub struct ClientError(#[from] reqwest::Error);

/// What one symbol server said about one file.
enum Fetched {
    /// Downloaded into the cache at this path.
    File(PathBuf),
    /// A clean 404 (or 403, which S3-backed servers send for missing keys).
    Missing,
    /// A fault: worth asking again later, not now.
    Failed,
}

/// A header sent to the symbol servers under one URL prefix.
#[derive(Clone)]
pub struct ServerHeader {
    prefix: String,
    name: reqwest::header::HeaderName,
    value: reqwest::header::HeaderValue,
}

impl std::fmt::Debug for ServerHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The value is a secret.
        write!(f, "{} {}: …", self.prefix, self.name)
    }
}

impl ServerHeader {
    /// Parses `URL-PREFIX Name: value` entries, `${NAME}` in values read
    /// with `var`; an error names the entry by its prefix, never its value.
    pub fn parse_all(
        entries: &[String],
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<ServerHeader>, String> {
        entries
            .iter()
            .map(|entry| {
                let (prefix, header) = entry
                    .trim()
                    .split_once(char::is_whitespace)
                    .ok_or_else(|| "each entry is \"URL-PREFIX Name: value\"".to_owned())?;
                if !(prefix.starts_with("http://") || prefix.starts_with("https://")) {
                    return Err(format!("{prefix:?} is not an http(s) URL prefix"));
                }
                let (name, value) = header
                    .split_once(':')
                    .ok_or_else(|| format!("{prefix}: the header is \"Name: value\""))?;
                let value = crate::alert_rules::expand(value.trim(), &var)
                    .map_err(|e| format!("{prefix}: {e}"))?;
                let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| format!("{prefix}: {:?} is not a header name", name.trim()))?;
                let mut value = reqwest::header::HeaderValue::from_str(&value)
                    .map_err(|_| format!("{prefix}: the value of {name} is not a header value"))?;
                value.set_sensitive(true);
                Ok(ServerHeader {
                    prefix: prefix.to_owned(),
                    name,
                    value,
                })
            })
            .collect()
    }
}

/// Redirects followed per download (Tecken sends code-id lookups and
/// downloads on to their storage).
const MAX_REDIRECTS: usize = 5;

/// Local directories, then symbol servers through the cache.
pub struct SymbolSource {
    local: SimpleSymbolSupplier,
    paths: Vec<PathBuf>,
    servers: Option<Servers>,
}

struct Servers {
    urls: Vec<String>,
    headers: Vec<ServerHeader>,
    cache: DiskCache,
    client: reqwest::Client,
    timeout: Duration,
}

impl std::fmt::Debug for SymbolSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymbolSource")
            .field("paths", &self.paths)
            .field("urls", &self.servers.as_ref().map(|s| &s.urls))
            .finish()
    }
}

impl SymbolSource {
    /// A source over `paths` and `urls`; `cache` is required when there are
    /// URLs, and `timeout` bounds each file's download, retries included.
    pub fn new(
        paths: Vec<PathBuf>,
        urls: Vec<String>,
        headers: Vec<ServerHeader>,
        cache: Option<CacheSettings>,
        timeout: Duration,
    ) -> Result<SymbolSource, ClientError> {
        let servers = match cache {
            Some(cache) if !urls.is_empty() => Some(Servers {
                urls: urls
                    .into_iter()
                    .map(|u| u.trim_end_matches('/').to_owned())
                    .collect(),
                headers,
                cache: DiskCache::new(cache),
                // Redirects are followed by hand, so a server's headers
                // never go to another host.
                client: reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(timeout.min(Duration::from_secs(10)))
                    .read_timeout(timeout)
                    .user_agent(concat!("crashkit/", env!("CARGO_PKG_VERSION")))
                    .build()?,
                timeout,
            }),
            _ => None,
        };
        Ok(SymbolSource {
            local: SimpleSymbolSupplier::new(paths.clone()),
            paths,
            servers,
        })
    }
}

impl Servers {
    /// The cached or downloaded file for `rel`, asking each server in
    /// turn, and whether it came from the cache.
    async fn fetch(&self, rel: &str) -> Option<(PathBuf, bool)> {
        let cache = &self.cache;
        if let Some(path) = cache.get(rel) {
            return Some((path, true));
        }
        if let Some(why) = cache.known_unavailable(rel) {
            debug!(
                file = rel,
                "symbol server {why} recently; not asking again yet"
            );
            return None;
        }
        let mut all_missing = true;
        for base in &self.urls {
            let url = format!("{base}/{rel}");
            let attempt = tokio::time::timeout(self.timeout, self.download(&url, rel)).await;
            match attempt.unwrap_or_else(|_| {
                warn!(%url, timeout_secs = self.timeout.as_secs(), "symbol server did not answer in time");
                Fetched::Failed
            }) {
                Fetched::File(path) => return Some((path, false)),
                Fetched::Missing => debug!(%url, "symbol file not on server"),
                Fetched::Failed => all_missing = false,
            }
        }
        cache.mark(rel, if all_missing { MISSING } else { UNAVAILABLE });
        None
    }

    /// `GET url` with the headers of its prefix, following redirects.
    async fn get(&self, url: &str) -> Result<reqwest::Response, Verdict<String>> {
        let mut url = reqwest::Url::parse(url).map_err(|e| Verdict::Fail(format!("{url}: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            let mut request = self.client.get(url.clone());
            for h in self
                .headers
                .iter()
                .filter(|h| url.as_str().starts_with(&h.prefix))
            {
                request = request.header(h.name.clone(), h.value.clone());
            }
            let resp = request
                .send()
                .await
                .map_err(|e| Verdict::Retry(format!("unreachable: {}", e.without_url()), None))?;
            if !resp.status().is_redirection() {
                return Ok(resp);
            }
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| Verdict::Fail("a redirect without a Location".to_owned()))?;
            url = url
                .join(location)
                .map_err(|e| Verdict::Fail(format!("a redirect to {location:?}: {e}")))?;
        }
        Err(Verdict::Fail(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// One server: retries passing faults, streams the body into the cache.
    async fn download(&self, url: &str, rel: &str) -> Fetched {
        let Some(target) = self.cache.path(rel) else {
            return Fetched::Missing;
        };
        let policy = Policy::with_deadline(self.timeout);
        let result = retry::run(policy, || async {
            let resp = self.get(url).await?;
            let status = resp.status();
            if matches!(status.as_u16(), 404 | 403) {
                return Ok(None);
            }
            if status.is_server_error() || status.as_u16() == 429 {
                let after = retry::retry_after(resp.headers());
                return Err(Verdict::Retry(format!("status {status}"), after));
            }
            if !status.is_success() {
                return Err(Verdict::Fail(format!("status {status}")));
            }
            let gzipped = resp
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| {
                    let v = v.trim();
                    v.eq_ignore_ascii_case("gzip") || v.eq_ignore_ascii_case("x-gzip")
                });
            let final_url = resp.url().to_string();
            let mut staged =
                StagedFile::create(&target).map_err(|e| Verdict::Fail(format!("cache: {e}")))?;
            let mut body = Body::new(gzipped);
            let mut resp = resp;
            let mut len = 0u64;
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| Verdict::Retry(format!("reading: {e}"), None))?
            {
                len += body
                    .write(&chunk, &mut staged)
                    .await
                    .map_err(|e| Verdict::Fail(format!("storing: {e}")))?;
            }
            len += body
                .finish(&mut staged)
                .await
                .map_err(|e| Verdict::Fail(format!("storing: {e}")))?;
            // Where the file came from, kept in the file as minidump-
            // stackwalk's cache keeps it (breakpad's parser reads `INFO
            // URL` into the module's `symbol_url`), so a cached file
            // still says it.
            let source = format!(
                "{}INFO URL {}\n",
                if body.ends_line() { "" } else { "\n" },
                final_url
            );
            staged
                .write_all(source.as_bytes())
                .map_err(|e| Verdict::Fail(format!("storing: {e}")))?;
            len += source.len() as u64;
            staged
                .commit()
                .map_err(|e| Verdict::Fail(format!("cache: {e}")))?;
            Ok(Some(len))
        })
        .await;
        match result {
            Ok(Some(len)) => {
                self.cache.added(rel, len);
                Fetched::File(target)
            }
            Ok(None) => Fetched::Missing,
            Err(e) => {
                warn!(%url, "symbol server failed: {e}");
                Fetched::Failed
            }
        }
    }
}

/// The most a gzipped symbol file may expand to (libxul's is under 1 GiB).
const MAX_SYMBOL_BYTES: u64 = 4 << 30;

/// A download's body on its way into the cache: as it comes, or gunzipped
/// when the server says `Content-Encoding: gzip` (as Tecken's storage and
/// S3 do for symbol files stored compressed) or the bytes start with
/// gzip's magic number (no Breakpad text file does).
struct Body {
    gzip: Option<bool>,
    decoder: async_compression::tokio::write::GzipDecoder<Vec<u8>>,
    written: u64,
    /// The last byte written out.
    last: Option<u8>,
}

impl Body {
    fn new(gzipped: bool) -> Body {
        Body {
            gzip: gzipped.then_some(true),
            decoder: async_compression::tokio::write::GzipDecoder::new(Vec::new()),
            written: 0,
            last: None,
        }
    }

    /// Whether what was written ends a line (or nothing was written).
    fn ends_line(&self) -> bool {
        self.last.is_none_or(|b| b == b'\n')
    }

    /// Writes `chunk` (decoded) to `out`; returns the bytes written.
    async fn write(&mut self, chunk: &[u8], out: &mut impl std::io::Write) -> std::io::Result<u64> {
        use tokio::io::AsyncWriteExt;
        let gzip = *self
            .gzip
            .get_or_insert_with(|| chunk.starts_with(&[0x1f, 0x8b]));
        if !gzip {
            out.write_all(chunk)?;
            self.last = chunk.last().copied().or(self.last);
            return Ok(chunk.len() as u64);
        }
        self.decoder.write_all(chunk).await?;
        self.drain(out)
    }

    /// Ends the stream: the decoder's last bytes, and a check that the
    /// gzip stream was whole.
    async fn finish(&mut self, out: &mut impl std::io::Write) -> std::io::Result<u64> {
        use tokio::io::AsyncWriteExt;
        if self.gzip != Some(true) {
            return Ok(0);
        }
        self.decoder.shutdown().await?;
        self.drain(out)
    }

    fn drain(&mut self, out: &mut impl std::io::Write) -> std::io::Result<u64> {
        let decoded = std::mem::take(self.decoder.get_mut());
        self.written += decoded.len() as u64;
        if self.written > MAX_SYMBOL_BYTES {
            return Err(std::io::Error::other(format!(
                "a gzipped symbol file expands past {} GiB",
                MAX_SYMBOL_BYTES >> 30
            )));
        }
        out.write_all(&decoded)?;
        self.last = decoded.last().copied().or(self.last);
        Ok(decoded.len() as u64)
    }
}

#[async_trait]
impl SymbolSupplier for SymbolSource {
    async fn locate_symbols(
        &self,
        module: &(dyn Module + Sync),
    ) -> Result<LocateSymbolsResult, SymbolError> {
        match self.local.locate_symbols(module).await {
            Err(SymbolError::NotFound | SymbolError::MissingDebugFileOrId) => {}
            found => return found,
        }
        let Some(servers) = &self.servers else {
            return Err(SymbolError::NotFound);
        };
        // By debug file and id; a module without them (some Windows
        // modules) by code file and code id, which Tecken redirects.
        let rel = breakpad_symbols::breakpad_sym_lookup(module)
            .map(|l| l.server_rel)
            .or_else(|| breakpad_symbols::code_info_breakpad_sym_lookup(module))
            .ok_or(SymbolError::MissingDebugFileOrId)?;
        // A cached file that does not parse (a torn or foreign file) is
        // dropped and asked for again; a downloaded one that does not
        // parse is dropped and the servers count as failing for a while.
        for attempt in 0..2 {
            let Some((path, cached)) = servers.fetch(&rel).await else {
                return Err(SymbolError::NotFound);
            };
            match SymbolFile::from_file(&path) {
                Ok(symbols) => {
                    return Ok(LocateSymbolsResult {
                        symbols,
                        extra_debug_info: None,
                    })
                }
                Err(e) => {
                    warn!(
                        file = rel,
                        "a symbol file that does not parse is dropped: {e}"
                    );
                    let _ = std::fs::remove_file(&path);
                    if !cached || attempt == 1 {
                        servers.cache.mark(&rel, UNAVAILABLE);
                        return Err(e);
                    }
                }
            }
        }
        Err(SymbolError::NotFound)
    }

    async fn locate_file(
        &self,
        module: &(dyn Module + Sync),
        file_kind: FileKind,
    ) -> Result<PathBuf, FileError> {
        self.local.locate_file(module, file_kind).await
    }
}

/// The on-disk download cache.
#[derive(Debug)]
pub struct DiskCache {
    settings: CacheSettings,
    /// Bytes in the cache, counted on first write (`u64::MAX`: not yet).
    used: AtomicU64,
}

const MISSING: &str = ".notfound";
const UNAVAILABLE: &str = ".unavailable";

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
    pub fn get(&self, rel: &str) -> Option<PathBuf> {
        let path = self.path(rel)?;
        if !path.is_file() {
            return None;
        }
        if let Ok(file) = std::fs::File::options().append(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(path)
    }

    /// Whether a server said "not found" or failed for `rel` within the
    /// time-to-live of that answer, and which.
    pub fn known_unavailable(&self, rel: &str) -> Option<&'static str> {
        [
            (MISSING, self.settings.negative_ttl, "said not found"),
            (UNAVAILABLE, self.settings.error_ttl, "failed"),
        ]
        .into_iter()
        .find(|(suffix, ttl, _)| {
            self.path(&format!("{rel}{suffix}"))
                .and_then(|p| std::fs::metadata(p).ok())
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age < *ttl)
        })
        .map(|(_, _, why)| why)
    }

    /// Remembers a server's answer for `rel` (`MISSING` or `UNAVAILABLE`).
    fn mark(&self, rel: &str, suffix: &str) {
        if let Some(path) = self.path(&format!("{rel}{suffix}")) {
            if let Err(e) = write_atomically(&path, b"") {
                warn!(path = %path.display(), "cannot record an unavailable symbol file: {e}");
            }
        }
    }

    /// Stores a file (tests; downloads are streamed and then [`Self::added`]).
    pub fn put(&self, rel: &str, bytes: &[u8]) {
        let Some(path) = self.path(rel) else { return };
        if let Err(e) = write_atomically(&path, bytes) {
            warn!(path = %path.display(), "cannot cache a symbol file: {e}");
            return;
        }
        self.added(rel, bytes.len() as u64);
    }

    /// Accounts for a file of `len` bytes now in the cache at `rel`:
    /// clears its markers, then trims the cache to its cap.
    fn added(&self, rel: &str, len: u64) {
        for suffix in [MISSING, UNAVAILABLE] {
            if let Some(marker) = self.path(&format!("{rel}{suffix}")) {
                let _ = std::fs::remove_file(marker);
            }
        }
        let before = self.used.load(Ordering::SeqCst);
        let used = if before == u64::MAX {
            let total = cache_files(&self.settings.dir)
                .iter()
                .map(|(_, len, _)| len)
                .sum();
            self.used.store(total, Ordering::SeqCst);
            total
        } else {
            self.used.fetch_add(len, Ordering::SeqCst) + len
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
            let staged = entry
                .file_name()
                .to_string_lossy()
                .starts_with(crate::fsutil::STAGING_PREFIX);
            if meta.is_dir() {
                stack.push(entry.path());
            } else if !staged {
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

    async fn gzip(bytes: &[u8]) -> Vec<u8> {
        use tokio::io::AsyncWriteExt;
        let mut encoder = async_compression::tokio::write::GzipEncoder::new(Vec::new());
        encoder.write_all(bytes).await.unwrap();
        encoder.shutdown().await.unwrap();
        encoder.into_inner()
    }

    /// `body` fed in chunks of 7 bytes, as a download comes.
    async fn decode(gzipped: bool, body: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut decoder = Body::new(gzipped);
        let mut len = 0;
        for chunk in body.chunks(7) {
            len += decoder.write(chunk, &mut out).await?;
        }
        len += decoder.finish(&mut out).await?;
        assert_eq!(len, out.len() as u64);
        assert_eq!(decoder.ends_line(), out.last().is_none_or(|b| *b == b'\n'));
        Ok(out)
    }

    #[test]
    fn server_headers_take_secrets_from_the_environment() {
        let env = |name: &str| (name == "TOKEN").then(|| "s3cr3t".to_owned());
        let parsed = ServerHeader::parse_all(
            &["https://symbols.example.org/ Auth-Token: ${TOKEN}".to_owned()],
            env,
        )
        .unwrap();
        assert_eq!(parsed[0].prefix, "https://symbols.example.org/");
        assert_eq!(parsed[0].name, "auth-token");
        assert_eq!(parsed[0].value, "s3cr3t");
        assert!(!format!("{parsed:?}").contains("s3cr3t"));
        for (entry, want) in [
            ("https://x/", "URL-PREFIX Name: value"),
            ("ftp://x/ A: b", "not an http(s) URL prefix"),
            ("https://x/ no-colon", "Name: value"),
            ("https://x/ A: ${MISSING}", "MISSING is not set"),
            ("https://x/ Bad Name: v", "not a header name"),
        ] {
            let err = ServerHeader::parse_all(&[entry.to_owned()], env).unwrap_err();
            assert!(err.contains(want), "{entry}: {err}");
        }
    }

    #[tokio::test]
    async fn downloads_are_gunzipped_when_the_server_or_the_bytes_say_so() {
        let text = b"MODULE Linux x86_64 ABCD0 app\nFILE 0 a.c\n".repeat(50);
        let packed = gzip(&text).await;
        assert_eq!(decode(false, &text).await.unwrap(), text);
        assert_eq!(decode(true, &packed).await.unwrap(), text);
        // S3 without the header: the magic number says it.
        assert_eq!(decode(false, &packed).await.unwrap(), text);
        // A cut gzip stream is an error, not a short file.
        assert!(decode(true, &packed[..packed.len() - 9]).await.is_err());
        assert!(decode(true, b"MODULE not gzip at all").await.is_err());
    }

    fn cache(dir: &Path, max_bytes: u64) -> DiskCache {
        DiskCache::new(CacheSettings {
            dir: dir.to_owned(),
            max_bytes,
            negative_ttl: Duration::from_secs(60),
            error_ttl: Duration::from_secs(60),
        })
    }

    #[test]
    fn stores_and_finds_files_and_remembers_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path(), 1 << 20);
        assert!(c.get("a/ID/a.sym").is_none());
        c.mark("a/ID/a.sym", MISSING);
        assert_eq!(c.known_unavailable("a/ID/a.sym"), Some("said not found"));
        c.put("a/ID/a.sym", b"MODULE");
        let path = c.get("a/ID/a.sym").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"MODULE");
        assert_eq!(
            c.known_unavailable("a/ID/a.sym"),
            None,
            "a download clears the miss"
        );
        assert!(c.get("../escape").is_none());
    }

    #[test]
    fn a_miss_and_a_failure_expire_each_after_its_own_time() {
        let tmp = tempfile::tempdir().unwrap();
        let c = DiskCache::new(CacheSettings {
            dir: tmp.path().to_owned(),
            max_bytes: 1 << 20,
            negative_ttl: Duration::ZERO,
            error_ttl: Duration::from_secs(60),
        });
        c.mark("b/ID/b.sym", MISSING);
        assert_eq!(c.known_unavailable("b/ID/b.sym"), None);
        c.mark("b/ID/b.sym", UNAVAILABLE);
        assert_eq!(c.known_unavailable("b/ID/b.sym"), Some("failed"));
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
