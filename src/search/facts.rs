//! What the index keeps about signatures beside the crashes: bug
//! associations (Socorro's `BugAssociation` table, filled by `crashkit bugs`)
//! and when each signature was first seen (Socorro's `Signature` table,
//! which its `updatesignatures` job fills; crashkit maintains it as crashes
//! are indexed, so no request recomputes it).
//!
//! Both backends keep them: the embedded index in two files of its
//! directory ([`FileFacts`]), Elasticsearch/OpenSearch in two indices of
//! their own (see `elastic.rs`). Neither is emptied by `index --rebuild`:
//! bug associations cannot be rebuilt from crashes, and a first sighting
//! only ever moves earlier.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{Document, FieldValue};
use super::{Result, SearchError};

/// A bug filed for a signature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BugAssociation {
    pub bug_id: u64,
    pub signature: String,
}

/// When and in which build a signature was first seen: the earliest crash
/// date and the lowest build id among its crashes that have a build id
/// (each on its own, as Socorro's `updatesignatures`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstSeen {
    pub signature: String,
    pub first_date: DateTime<Utc>,
    pub first_build: i64,
}

impl FirstSeen {
    /// `self` with `other`'s earlier date and lower build; whether it changed.
    pub fn merge(&mut self, other: &FirstSeen) -> bool {
        let mut changed = false;
        if other.first_date < self.first_date {
            self.first_date = other.first_date;
            changed = true;
        }
        if other.first_build < self.first_build {
            self.first_build = other.first_build;
            changed = true;
        }
        changed
    }
}

/// A crash `crashkit verify` found without a processed crash or a search
/// document (Socorro's `MissingProcessedCrash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingCrash {
    pub crash_id: String,
    /// Whether it has been processed and indexed since.
    pub is_processed: bool,
    /// When it was first found missing.
    pub created: DateTime<Utc>,
}

/// Most missing-crash records kept; the oldest go first.
pub const MAX_MISSING: usize = 10_000;

/// The signatures' facts an index keeps.
#[async_trait]
pub trait Facts: Send + Sync {
    /// Adds the associations of `add` (already there: kept once) and
    /// removes those of `remove` (absent: not an error).
    async fn change_bugs(&self, add: &[BugAssociation], remove: &[BugAssociation]) -> Result<()>;
    /// The associations of these signatures, sorted.
    async fn bugs_of_signatures(&self, signatures: &[String]) -> Result<Vec<BugAssociation>>;
    /// The associations of these bugs, sorted.
    async fn signatures_of_bugs(&self, bugs: &[u64]) -> Result<Vec<BugAssociation>>;
    /// Records sightings: a signature's date and build only move earlier.
    async fn see(&self, seen: Vec<FirstSeen>) -> Result<()>;
    /// The first sightings of these signatures (unknown ones left out).
    async fn first_seen(&self, signatures: &[String]) -> Result<Vec<FirstSeen>>;
    /// Records crashes found missing at `now` (again unprocessed when known).
    async fn record_missing(&self, crash_ids: &[String], now: DateTime<Utc>) -> Result<()>;
    /// Marks recorded crashes as processed since.
    async fn mark_processed(&self, crash_ids: &[String]) -> Result<()>;
    /// Every missing-crash record, oldest first (at most [`MAX_MISSING`]).
    async fn missing(&self) -> Result<Vec<MissingCrash>>;
    /// A value a job keeps between runs (`bugs import`'s last run).
    async fn state(&self, key: &str) -> Result<Option<String>>;
    async fn set_state(&self, key: &str, value: &str) -> Result<()>;
}

/// Socorro's `Bugs` answer: the bugs of `signatures`, then every signature
/// those bugs are filed for, sorted by bug and signature.
pub async fn bugs_and_related(
    facts: &dyn Facts,
    signatures: &[String],
) -> Result<Vec<BugAssociation>> {
    let direct = facts.bugs_of_signatures(signatures).await?;
    let bugs: BTreeSet<u64> = direct.iter().map(|a| a.bug_id).collect();
    if bugs.is_empty() {
        return Ok(Vec::new());
    }
    let bugs: Vec<u64> = bugs.into_iter().collect();
    facts.signatures_of_bugs(&bugs).await
}

/// Sightings accumulated between commits: per signature, the earliest
/// date and lowest build of the crashes upserted. Crashes without a build
/// id or a signature do not count.
#[derive(Debug, Default)]
pub struct Sightings(Mutex<HashMap<String, FirstSeen>>);

impl Sightings {
    pub fn add(&self, docs: &[Document]) {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for doc in docs {
            let (Some(FieldValue::Str(signature)), Some(FieldValue::Int(build)), Some(date)) =
                (doc.first("signature"), doc.first("build_id"), doc.date())
            else {
                continue;
            };
            let seen = FirstSeen {
                signature: signature.clone(),
                first_date: date,
                first_build: *build,
            };
            match pending.get_mut(signature) {
                Some(known) => {
                    known.merge(&seen);
                }
                None => {
                    pending.insert(signature.clone(), seen);
                }
            }
        }
    }

    /// Everything accumulated, leaving none.
    pub fn take(&self) -> Vec<FirstSeen> {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        pending.drain().map(|(_, s)| s).collect()
    }
}

/// Bug associations file of the embedded index.
const BUGS_FILE: &str = "bugs.json";
/// First sightings of the embedded index: JSON Lines, one improvement a
/// line, folded by taking the minimum; compacted when mostly stale.
const FIRST_SEEN_FILE: &str = "first-seen.jsonl";
/// Held while either file is changed, by any process.
const LOCK_FILE: &str = ".facts.lock";

/// The embedded index's facts: files in its directory, changed under a
/// lock of their own (so `crashkit bugs` runs beside the index's writer),
/// read by any number of processes. A reader picks up what was appended to
/// the sightings since its last read.
#[derive(Debug)]
pub struct FileFacts {
    dir: PathBuf,
    seen: Mutex<SeenCache>,
}

#[derive(Debug, Default)]
struct SeenCache {
    /// Bytes of the file folded in so far.
    offset: u64,
    lines: usize,
    map: HashMap<String, FirstSeen>,
}

/// Missing-crash records of the embedded index.
const MISSING_FILE: &str = "missing.json";

/// `records` with `ids` recorded missing at `now`, sorted oldest first
/// and cut to [`MAX_MISSING`].
pub fn with_missing(
    mut records: Vec<MissingCrash>,
    ids: &[String],
    now: DateTime<Utc>,
) -> Vec<MissingCrash> {
    for id in ids {
        match records.iter_mut().find(|r| &r.crash_id == id) {
            Some(r) => r.is_processed = false,
            None => records.push(MissingCrash {
                crash_id: id.clone(),
                is_processed: false,
                created: now,
            }),
        }
    }
    records.sort_by(|a, b| (a.created, &a.crash_id).cmp(&(b.created, &b.crash_id)));
    let extra = records.len().saturating_sub(MAX_MISSING);
    records.drain(..extra);
    records
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct BugsFile {
    associations: BTreeSet<BugAssociation>,
    #[serde(default)]
    state: std::collections::BTreeMap<String, String>,
}

impl FileFacts {
    pub fn new(dir: &Path) -> FileFacts {
        FileFacts {
            dir: dir.to_owned(),
            seen: Mutex::new(SeenCache::default()),
        }
    }

    fn local(&self, message: impl std::fmt::Display) -> SearchError {
        SearchError::Local {
            location: self.dir.display().to_string(),
            message: message.to_string(),
        }
    }

    /// Runs `f` holding the facts lock (blocking until it is free).
    fn locked<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        std::fs::create_dir_all(&self.dir).map_err(|e| self.local(e))?;
        let path = self.dir.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
        // SAFETY: flock on a descriptor we own; released when `lock` closes.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(self.local(format!(
                "{}: {}",
                path.display(),
                std::io::Error::last_os_error()
            )));
        }
        f()
    }

    fn read_missing(&self) -> Result<Vec<MissingCrash>> {
        let path = self.dir.join(MISSING_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.local(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(self.local(format!("{}: {e}", path.display()))),
        }
    }

    fn write_missing(&self, records: &[MissingCrash]) -> Result<()> {
        let path = self.dir.join(MISSING_FILE);
        let text = serde_json::to_vec(records).expect("records serialize");
        crate::fsutil::write_atomically(&path, &text)
            .map_err(|e| self.local(format!("{}: {e}", path.display())))
    }

    fn read_bugs(&self) -> Result<BugsFile> {
        let path = self.dir.join(BUGS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| self.local(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BugsFile::default()),
            Err(e) => Err(self.local(format!("{}: {e}", path.display()))),
        }
    }

    fn write_bugs(&self, bugs: &BugsFile) -> Result<()> {
        let path = self.dir.join(BUGS_FILE);
        let text = serde_json::to_vec(bugs).expect("bug associations serialize");
        crate::fsutil::write_atomically(&path, &text)
            .map_err(|e| self.local(format!("{}: {e}", path.display())))
    }

    /// Folds what the sightings file gained since the last read (all of
    /// it when it was compacted meanwhile) into the cache.
    fn refresh_seen(&self, cache: &mut SeenCache) -> Result<()> {
        let path = self.dir.join(FIRST_SEEN_FILE);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                *cache = SeenCache::default();
                return Ok(());
            }
            Err(e) => return Err(self.local(format!("{}: {e}", path.display()))),
        };
        let len = file.metadata().map_err(|e| self.local(e))?.len();
        if len < cache.offset {
            *cache = SeenCache::default();
        }
        if len == cache.offset {
            return Ok(());
        }
        file.seek(SeekFrom::Start(cache.offset))
            .map_err(|e| self.local(e))?;
        let mut text = String::new();
        file.take(len - cache.offset)
            .read_to_string(&mut text)
            .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
        // Only whole lines: a writer may be half way through one.
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        for line in text[..whole].lines().filter(|l| !l.trim().is_empty()) {
            // A line that does not parse (a torn write before a crash) is skipped.
            let Ok(seen) = serde_json::from_str::<FirstSeen>(line) else {
                continue;
            };
            cache.lines += 1;
            match cache.map.get_mut(&seen.signature) {
                Some(known) => {
                    known.merge(&seen);
                }
                None => {
                    cache.map.insert(seen.signature.clone(), seen);
                }
            }
        }
        cache.offset += whole as u64;
        Ok(())
    }

    fn see_blocking(&self, seen: Vec<FirstSeen>) -> Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        self.locked(|| {
            let mut cache = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            self.refresh_seen(&mut cache)?;
            let mut out = Vec::new();
            for s in seen {
                let improved = match cache.map.get_mut(&s.signature) {
                    Some(known) => known.merge(&s).then(|| known.clone()),
                    None => {
                        cache.map.insert(s.signature.clone(), s.clone());
                        Some(s)
                    }
                };
                if let Some(line) = improved {
                    serde_json::to_writer(&mut out, &line).expect("sightings serialize");
                    out.push(b'\n');
                    cache.lines += 1;
                }
            }
            let path = self.dir.join(FIRST_SEEN_FILE);
            if cache.lines > 4 * cache.map.len() + 1000 {
                // Mostly stale lines: write the folded map instead.
                let mut all = Vec::new();
                for s in cache.map.values() {
                    serde_json::to_writer(&mut all, s).expect("sightings serialize");
                    all.push(b'\n');
                }
                crate::fsutil::write_atomically(&path, &all)
                    .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
                cache.lines = cache.map.len();
                cache.offset = all.len() as u64;
                return Ok(());
            }
            if out.is_empty() {
                return Ok(());
            }
            let mut file = File::options()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
            let len = file.metadata().map_err(|e| self.local(e))?.len();
            if len > cache.offset {
                // A torn line from a writer that died: end it, so ours
                // stay whole (readers skip it).
                out.insert(0, b'\n');
                cache.offset = len;
            }
            file.write_all(&out)
                .and_then(|()| file.sync_data())
                .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
            cache.offset += out.len() as u64;
            Ok(())
        })
    }
}

#[async_trait]
impl Facts for std::sync::Arc<FileFacts> {
    async fn change_bugs(&self, add: &[BugAssociation], remove: &[BugAssociation]) -> Result<()> {
        let (me, add, remove) = (self.clone(), add.to_vec(), remove.to_vec());
        blocking(move || {
            me.locked(|| {
                let mut bugs = me.read_bugs()?;
                for a in &remove {
                    bugs.associations.remove(a);
                }
                bugs.associations.extend(add);
                me.write_bugs(&bugs)
            })
        })
        .await
    }

    async fn bugs_of_signatures(&self, signatures: &[String]) -> Result<Vec<BugAssociation>> {
        let (me, wanted) = (self.clone(), signatures.to_vec());
        blocking(move || {
            let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
            Ok(me
                .read_bugs()?
                .associations
                .into_iter()
                .filter(|a| wanted.contains(a.signature.as_str()))
                .collect())
        })
        .await
    }

    async fn signatures_of_bugs(&self, bugs: &[u64]) -> Result<Vec<BugAssociation>> {
        let (me, wanted) = (self.clone(), bugs.to_vec());
        blocking(move || {
            Ok(me
                .read_bugs()?
                .associations
                .into_iter()
                .filter(|a| wanted.contains(&a.bug_id))
                .collect())
        })
        .await
    }

    async fn see(&self, seen: Vec<FirstSeen>) -> Result<()> {
        let me = self.clone();
        blocking(move || me.see_blocking(seen)).await
    }

    async fn first_seen(&self, signatures: &[String]) -> Result<Vec<FirstSeen>> {
        let (me, wanted) = (self.clone(), signatures.to_vec());
        blocking(move || {
            let mut cache = me.seen.lock().unwrap_or_else(|e| e.into_inner());
            me.refresh_seen(&mut cache)?;
            let unique: BTreeSet<&String> = wanted.iter().collect();
            Ok(unique
                .into_iter()
                .filter_map(|s| cache.map.get(s).cloned())
                .collect())
        })
        .await
    }

    async fn record_missing(&self, crash_ids: &[String], now: DateTime<Utc>) -> Result<()> {
        let (me, ids) = (self.clone(), crash_ids.to_vec());
        blocking(move || {
            me.locked(|| {
                let records = with_missing(me.read_missing()?, &ids, now);
                me.write_missing(&records)
            })
        })
        .await
    }

    async fn mark_processed(&self, crash_ids: &[String]) -> Result<()> {
        let (me, ids) = (self.clone(), crash_ids.to_vec());
        blocking(move || {
            me.locked(|| {
                let mut records = me.read_missing()?;
                for r in records.iter_mut().filter(|r| ids.contains(&r.crash_id)) {
                    r.is_processed = true;
                }
                me.write_missing(&records)
            })
        })
        .await
    }

    async fn missing(&self) -> Result<Vec<MissingCrash>> {
        let me = self.clone();
        blocking(move || me.read_missing()).await
    }

    async fn state(&self, key: &str) -> Result<Option<String>> {
        let (me, key) = (self.clone(), key.to_owned());
        blocking(move || Ok(me.read_bugs()?.state.get(&key).cloned())).await
    }

    async fn set_state(&self, key: &str, value: &str) -> Result<()> {
        let (me, key, value) = (self.clone(), key.to_owned(), value.to_owned());
        blocking(move || {
            me.locked(|| {
                let mut bugs = me.read_bugs()?;
                bugs.state.insert(key, value);
                me.write_bugs(&bugs)
            })
        })
        .await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SearchError::Local {
            location: "facts".into(),
            message: format!("task failed: {e}"),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(sig: &str, date: &str, build: i64) -> FirstSeen {
        FirstSeen {
            signature: sig.into(),
            first_date: super::super::fields::parse_date(date).unwrap(),
            first_build: build,
        }
    }

    #[tokio::test]
    async fn sightings_only_move_earlier_survive_reopening_and_compact() {
        let dir = tempfile::tempdir().unwrap();
        let facts = std::sync::Arc::new(FileFacts::new(dir.path()));
        facts
            .see(vec![
                seen("a", "2026-11-10", 20261101),
                seen("b", "2026-11-12", 5),
            ])
            .await
            .unwrap();
        facts
            .see(vec![
                seen("a", "2026-11-09", 20261105),
                seen("a", "2026-11-20", 1),
            ])
            .await
            .unwrap();
        let other = std::sync::Arc::new(FileFacts::new(dir.path()));
        let got = other.first_seen(&["a".into(), "zz".into()]).await.unwrap();
        assert_eq!(got, [seen("a", "2026-11-09", 1)]);
        // Many improvements: the file is folded, readers follow.
        for i in 0..1200 {
            facts
                .see(vec![seen("c", "2026-11-30", 10_000 - i)])
                .await
                .unwrap();
        }
        let lines = std::fs::read_to_string(dir.path().join(FIRST_SEEN_FILE))
            .unwrap()
            .lines()
            .count();
        assert!(lines < 1200, "{lines} lines: not compacted");
        let got = other.first_seen(&["c".into(), "b".into()]).await.unwrap();
        assert_eq!(
            got,
            [seen("b", "2026-11-12", 5), seen("c", "2026-11-30", 8801)]
        );
    }

    #[tokio::test]
    async fn a_torn_last_line_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let facts = std::sync::Arc::new(FileFacts::new(dir.path()));
        facts.see(vec![seen("a", "2026-11-10", 3)]).await.unwrap();
        let path = dir.path().join(FIRST_SEEN_FILE);
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(b"{\"signature\": \"b\", \"first_da").unwrap();
        let other = std::sync::Arc::new(FileFacts::new(dir.path()));
        assert_eq!(
            other.first_seen(&["a".into()]).await.unwrap(),
            [seen("a", "2026-11-10", 3)]
        );
    }
}
