//! Bringing crashes in from a Crash Stats API (`fetch --from https://…`):
//! the raw crash, its dumps and the processed crash of each crash id, into
//! a storage in the `v1` layout (so `process --storage` runs next) or in
//! crashstats-tools' `fetch-data` layout.
//!
//! Requests are retried by the [`crashstats`] client (429 and 5xx, with
//! `Retry-After`). Dump names come from the raw crash's
//! `metadata.dump_checksums` (which needs `view_pii`; without it the main
//! dump is asked for). A 403 on a dump means the token lacks
//! `view_rawdump`: dumps are not asked for again in the run. What is
//! already at the destination is skipped unless `overwrite`. The raw crash
//! is written last.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::crash_id::CrashId;
use crate::crashstats::{self, CrashStatsError};
use crate::storage::layout::{self, Layout};
use crate::storage::{ObjectStore, StorageError};

/// Why one crash could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Remote(#[from] CrashStatsError),
    #[error("no such crash at the Crash Stats")]
    NotFound,
    #[error("writing {key}: {source}")]
    Write { key: String, source: StorageError },
    #[error("{0}")]
    Malformed(String),
}

/// Which parts of a crash to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub raw: bool,
    pub dumps: bool,
    pub processed: bool,
}

/// What fetching one crash did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub raw: bool,
    pub dumps: u32,
    pub processed: bool,
    /// Parts already at the destination, left alone.
    pub skipped: u32,
    pub bytes: u64,
    /// Things worth saying (a dump the server does not have, no processed crash yet).
    pub notes: Vec<String>,
}

/// A fetch from one Crash Stats into one storage.
#[derive(Debug)]
pub struct Fetch {
    pub client: crashstats::Client,
    pub dest: Arc<dyn ObjectStore>,
    /// `V1` or `CrashstatsTools`.
    pub layout: Layout,
    pub parts: Parts,
    pub overwrite: bool,
    dumps_refused: AtomicBool,
}

impl Fetch {
    pub fn new(
        client: crashstats::Client,
        dest: Arc<dyn ObjectStore>,
        layout: Layout,
        parts: Parts,
        overwrite: bool,
    ) -> Fetch {
        Fetch {
            client,
            dest,
            layout,
            parts,
            overwrite,
            dumps_refused: AtomicBool::new(false),
        }
    }

    /// Whether the server refused a dump (403): the token lacks `view_rawdump`.
    pub fn dumps_refused(&self) -> bool {
        self.dumps_refused.load(Ordering::Relaxed)
    }

    async fn wanted(&self, key: &str) -> Result<bool, FetchError> {
        if self.overwrite {
            return Ok(true);
        }
        let exists = self
            .dest
            .exists(key)
            .await
            .map_err(|source| FetchError::Write {
                key: key.to_owned(),
                source,
            })?;
        Ok(!exists)
    }

    async fn put(&self, key: &str, data: Bytes, fetched: &mut Fetched) -> Result<(), FetchError> {
        fetched.bytes += data.len() as u64;
        self.dest
            .put(key, data)
            .await
            .map_err(|source| FetchError::Write {
                key: key.to_owned(),
                source,
            })
    }

    /// The raw crash at the destination, if it is there and readable.
    async fn local_raw_crash(&self, key: &str) -> Option<serde_json::Map<String, Value>> {
        let data = self.dest.get(key).await.ok()?;
        match serde_json::from_slice(&data).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// Fetches the parts of `id` that are wanted and not there yet.
    pub async fn fetch(&self, id: &CrashId) -> Result<Fetched, FetchError> {
        let mut fetched = Fetched::default();
        let raw_key = self.layout.raw_crash(id);
        let need_raw = self.parts.raw && self.wanted(&raw_key).await?;
        let want_dumps = self.parts.dumps && !self.dumps_refused();
        // The raw crash names the dumps: the one already here, if any.
        let local = match (need_raw, want_dumps) {
            (false, true) => self.local_raw_crash(&raw_key).await,
            _ => None,
        };
        let raw = if local.is_some() {
            local
        } else if need_raw || want_dumps {
            match self.client.raw_crash(id).await {
                Ok(raw) => Some(raw),
                Err(e) if e.status() == Some(404) => return Err(FetchError::NotFound),
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        if self.parts.raw && !need_raw {
            fetched.skipped += 1;
        }
        if let (true, Some(raw)) = (want_dumps, &raw) {
            let names: Vec<String> = match raw.get("metadata").and_then(|m| m.get("dump_checksums"))
            {
                Some(Value::Object(sums)) => sums.keys().cloned().collect(),
                _ => vec![layout::MAIN_DUMP.to_owned()],
            };
            let mut got = Vec::new();
            for name in names {
                layout::check_dump_name(&name).map_err(|m| {
                    FetchError::Malformed(format!("the raw crash names a bad dump: {m}"))
                })?;
                let key = self.layout.dump(id, &name);
                if !self.wanted(&key).await? {
                    fetched.skipped += 1;
                    got.push(name);
                    continue;
                }
                match self.client.dump(id, &name).await {
                    Ok(bytes) => {
                        self.put(&key, bytes, &mut fetched).await?;
                        fetched.dumps += 1;
                        got.push(name);
                    }
                    Err(e) if e.status() == Some(403) => {
                        self.dumps_refused.store(true, Ordering::Relaxed);
                        break;
                    }
                    Err(e) if e.status() == Some(404) => {
                        fetched.notes.push(format!("the server has no dump {name}"));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            got.sort();
            let names_key = self.layout.dump_names(id);
            if fetched.dumps > 0 || self.wanted(&names_key).await? {
                let data = Bytes::from(serde_json::to_vec(&got).expect("a list of strings"));
                self.put(&names_key, data, &mut fetched).await?;
            }
        }
        if self.parts.processed {
            if let Some(key) = self.layout.processed_crash(id) {
                if self.wanted(&key).await? {
                    match self.client.processed_crash(id).await {
                        Ok(crash) => {
                            let data = Bytes::from(
                                serde_json::to_vec(&Value::Object(crash)).expect("JSON"),
                            );
                            self.put(&key, data, &mut fetched).await?;
                            fetched.processed = true;
                        }
                        Err(e) if e.status() == Some(404) => {
                            fetched.notes.push("not processed at the server".into());
                        }
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    fetched.skipped += 1;
                }
            }
        }
        if let (true, Some(raw)) = (need_raw, raw) {
            // Keys sorted, as crashkit writes raw crashes (serde_json's map is ordered).
            let data = Bytes::from(serde_json::to_vec(&Value::Object(raw)).expect("JSON"));
            self.put(&raw_key, data, &mut fetched).await?;
            fetched.raw = true;
        }
        Ok(fetched)
    }
}
