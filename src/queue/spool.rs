//! The spool directory: crashkit's embedded queue.
//!
//! ```text
//! <root>/<queue>/ready/<stamp>-<random>~<deliveries>            waiting
//! <root>/<queue>/claimed/<stamp>-<random>~<deliveries>~<expiry>  leased until expiry (ms since the epoch)
//! <root>/dead/<stamp>-<random>                                  dead letters (JSON)
//! ```
//! Publishing writes a file atomically; pulling claims it by renaming it
//! into `claimed/` (a rename succeeds for one process only, so several
//! workers on one machine share a spool safely); acking deletes it; a claim
//! whose lease expired is renamed back to `ready/` by the next pull.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use super::{Delivery, Queue, QueueName, Result};
use crate::fsutil::write_atomically;

/// A queue in a directory.
#[derive(Debug, Clone)]
pub struct Spool {
    root: PathBuf,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn names(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    match fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries {
                let name = entry?.file_name().to_string_lossy().into_owned();
                if !name.starts_with(".tmp-") {
                    out.push(name);
                }
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    out.sort();
    Ok(out)
}

/// `<base>~<deliveries>[~<expiry>]` split into its parts.
fn parse(name: &str) -> Option<(&str, u32, Option<u128>)> {
    let mut parts = name.split('~');
    let base = parts.next()?;
    let deliveries = parts.next()?.parse().ok()?;
    let expiry = parts.next().and_then(|e| e.parse().ok());
    Some((base, deliveries, expiry))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

impl Spool {
    /// A spool at `root` (created on first use).
    pub fn open(root: impl Into<PathBuf>) -> Result<Spool> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Spool { root })
    }

    fn dir(&self, queue: QueueName, state: &str) -> PathBuf {
        self.root.join(queue.as_str()).join(state)
    }

    /// Renames claims whose lease ran out back to `ready/`.
    fn return_expired(&self) -> Result<()> {
        let now = now_ms();
        for q in QueueName::ALL {
            let claimed = self.dir(q, "claimed");
            for name in names(&claimed)? {
                if let Some((base, n, Some(expiry))) = parse(&name) {
                    if expiry <= now {
                        fs::create_dir_all(self.dir(q, "ready"))?;
                        match fs::rename(
                            claimed.join(&name),
                            self.dir(q, "ready").join(format!("{base}~{n}")),
                        ) {
                            Ok(()) => {}
                            Err(e) if e.kind() == ErrorKind::NotFound => {} // another consumer did it
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn pull_now(&self, max: usize, lease: Duration) -> Result<Vec<Delivery>> {
        self.return_expired()?;
        let mut out = Vec::new();
        let expiry = now_ms() + lease.as_millis();
        for q in QueueName::ALL {
            let ready = self.dir(q, "ready");
            let claimed = self.dir(q, "claimed");
            for name in names(&ready)? {
                if out.len() >= max {
                    return Ok(out);
                }
                let Some((base, n, _)) = parse(&name) else {
                    continue;
                };
                fs::create_dir_all(&claimed)?;
                let target = claimed.join(format!("{base}~{}~{expiry}", n + 1));
                match fs::rename(ready.join(&name), &target) {
                    Ok(()) => {
                        let body = fs::read_to_string(&target)?;
                        out.push(Delivery {
                            queue: q,
                            body,
                            deliveries: n + 1,
                            receipt: target.to_string_lossy().into_owned(),
                        });
                    }
                    Err(e) if e.kind() == ErrorKind::NotFound => {} // claimed by someone else
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl Queue for Spool {
    async fn publish_raw(&self, queue: QueueName, body: &str) -> Result<()> {
        let dir = self.dir(queue, "ready");
        let name = format!(
            "{:020}-{}~0",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            uuid::Uuid::new_v4().simple()
        );
        let body = body.to_owned();
        blocking(move || Ok(write_atomically(&dir.join(name), body.as_bytes())?)).await
    }

    async fn pull(&self, max: usize, lease: Duration) -> Result<Vec<Delivery>> {
        let spool = self.clone();
        blocking(move || spool.pull_now(max, lease)).await
    }

    async fn ack(&self, delivery: &Delivery) -> Result<()> {
        match fs::remove_file(&delivery.receipt) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn nack(&self, delivery: &Delivery) -> Result<()> {
        let path = Path::new(&delivery.receipt);
        let Some((base, n, _)) = path.file_name().and_then(|n| n.to_str()).and_then(parse) else {
            return Ok(());
        };
        let target = self
            .dir(delivery.queue, "ready")
            .join(format!("{base}~{n}"));
        match fs::rename(path, target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn retry_later(
        &self,
        delivery: &Delivery,
        delay: Duration,
        _lease: Duration,
    ) -> Result<()> {
        // Back to `claimed/` with this delivery uncounted and a lease that
        // ends after `delay`: the next pull after that returns it to ready/.
        let path = Path::new(&delivery.receipt);
        let Some((base, n, _)) = path.file_name().and_then(|n| n.to_str()).and_then(parse) else {
            return Ok(());
        };
        let expiry = now_ms() + delay.as_millis();
        let target = self
            .dir(delivery.queue, "claimed")
            .join(format!("{base}~{}~{expiry}", n.saturating_sub(1)));
        match fs::rename(path, target) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn dead_letter(&self, delivery: &Delivery, reason: &str) -> Result<()> {
        let dead = self.root.join("dead");
        let base = Path::new(&delivery.receipt)
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(parse)
            .map_or_else(
                || uuid::Uuid::new_v4().simple().to_string(),
                |(b, _, _)| b.to_owned(),
            );
        let record = serde_json::json!({
            "body": delivery.body,
            "queue": delivery.queue.as_str(),
            "deliveries": delivery.deliveries,
            "reason": reason,
        });
        write_atomically(&dead.join(base), record.to_string().as_bytes())?;
        self.ack(delivery).await
    }

    async fn backlog(&self, queue: QueueName) -> Result<u64> {
        Ok(
            (names(&self.dir(queue, "ready"))?.len() + names(&self.dir(queue, "claimed"))?.len())
                as u64,
        )
    }

    async fn dead_letters(&self) -> Result<Vec<String>> {
        let dead = self.root.join("dead");
        let mut out = Vec::new();
        for name in names(&dead)? {
            let text = fs::read_to_string(dead.join(name))?;
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            out.push(v["body"].as_str().unwrap_or("").to_owned());
        }
        Ok(out)
    }

    fn location(&self) -> String {
        self.root.display().to_string()
    }
}
