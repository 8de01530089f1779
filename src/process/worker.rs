//! Processing stored crashes: one at a time ([`process_stored_crash`]) and
//! as a long-running queue worker ([`QueueWorker`]).
//!
//! The worker pulls a batch (priority, standard, reprocessing), processes
//! each crash, saves its processed crash and only then acks. A message
//! delivered more than `queue.max_deliveries` times is dead-lettered, never
//! processed again; the literal `test` message is acked and dropped; a
//! crash with no raw crash is acked and logged (retrying cannot help); a
//! storage failure gives the message back for a later try. On shutdown the
//! batch in hand is finished and acked before the worker returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use tracing::{error, info, warn};

use super::supervisor::Pool;
use super::ProcessedCrash;
use crate::crash_id::CrashId;
use crate::metrics::{
    latency_histogram, observe, Counter, EncodeLabelSet, Family, Gauge, Histogram, Registry,
};
use crate::queue::{Delivery, Queue, QueueName};
use crate::retry::{Backoff, Policy};
use crate::storage::{CrashStorage, Dumps, StorageError};

/// What processing a stored crash does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ruleset {
    /// Stackwalk, derive every field, sign.
    Default,
    /// Recompute only the signature from the stored processed crash.
    RegenerateSignature,
}

impl Ruleset {
    /// The ruleset a queue message names (unknown names: the default).
    pub fn from_message(name: Option<&str>) -> Ruleset {
        match name {
            Some("regenerate_signature") => Ruleset::RegenerateSignature,
            _ => Ruleset::Default,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ruleset::Default => "default",
            Ruleset::RegenerateSignature => "regenerate_signature",
        }
    }
}

/// One stored crash: read, process (or re-sign), save.
pub async fn process_stored_crash(
    id: CrashId,
    ruleset: Ruleset,
    pool: Arc<Pool>,
    storage: &CrashStorage,
) -> anyhow::Result<ProcessedCrash> {
    let pc = match ruleset {
        Ruleset::Default => {
            let raw = storage
                .get_raw_crash(&id)
                .await
                .context("reading the raw crash")?;
            // A crash whose dumps cannot be read is still processed: without them.
            let dumps = match storage.get_dumps(&id).await {
                Ok(d) => d,
                Err(e) => {
                    error!(crash_id = %id, "reading dumps: {e}");
                    Dumps::new()
                }
            };
            let worker_id = id.clone();
            let worker_pool = pool.clone();
            let mut pc = tokio::task::spawn_blocking(move || {
                worker_pool.process(Some(&worker_id), &raw, &dumps)
            })
            .await
            .context("a processing task failed")?;
            // Reprocessing keeps the history of earlier runs.
            if let Ok(previous) = storage.get_processed_crash(&id).await {
                super::archive_history(&mut pc, &previous);
            }
            pc
        }
        Ruleset::RegenerateSignature => {
            let previous = storage
                .get_processed_crash(&id)
                .await
                .context("reading the processed crash")?;
            pool.local().regenerate_signature(&previous)
        }
    };
    storage
        .save_processed_crash(&id, &pc)
        .await
        .context("saving the processed crash")?;
    Ok(pc)
}

fn is_missing(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<StorageError>()
            .is_some_and(StorageError::is_not_found)
    })
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: &'static str,
}

/// Counters of a queue worker, registered in the process's registry.
#[derive(Debug, Clone)]
pub struct WorkerMetrics {
    outcomes: Family<OutcomeLabel, Counter>,
    latency: Histogram,
    backlog: Family<QueueLabel, Gauge>,
}

impl WorkerMetrics {
    /// The worker's metrics, registered in `registry`.
    pub fn new(registry: &Registry) -> WorkerMetrics {
        let m = WorkerMetrics {
            outcomes: Family::default(),
            latency: latency_histogram(),
            backlog: Family::default(),
        };
        registry.register(
            "worker",
            "messages",
            "Queue messages handled, by outcome.",
            m.outcomes.clone(),
        );
        registry.register_seconds(
            "worker",
            "process",
            "Time to process and save one crash.",
            m.latency.clone(),
        );
        registry.register(
            "queue",
            "backlog",
            "Messages waiting or leased, by queue (read when scraped).",
            m.backlog.clone(),
        );
        m
    }

    fn count(&self, outcome: &'static str) {
        self.outcomes.get_or_create(&OutcomeLabel { outcome }).inc();
    }

    /// Reads the queue backlog now, for the next scrape.
    pub async fn refresh(&self, queue: &dyn Queue) {
        for q in QueueName::ALL {
            if let Ok(n) = queue.backlog(q).await {
                let gauge = self
                    .backlog
                    .get_or_create(&QueueLabel { queue: q.as_str() });
                gauge.set(i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }
}

/// A long-running queue worker.
pub struct QueueWorker {
    pub queue: Arc<dyn Queue>,
    pub pool: Arc<Pool>,
    pub storage: CrashStorage,
    pub jobs: usize,
    pub lease: Duration,
    pub max_deliveries: u32,
    pub poll: Duration,
    pub metrics: WorkerMetrics,
    /// Where processed crashes are indexed after they are saved and before
    /// they are acked (`--index`), if anywhere.
    pub index: Option<Arc<dyn crate::search::SearchIndex>>,
}

/// What happened to one message, for the worker's output line.
#[derive(Debug, Clone)]
pub struct Handled {
    pub crash_id: Option<CrashId>,
    pub outcome: &'static str,
    pub signature: Option<String>,
}

impl QueueWorker {
    /// A worker with the queue and processing settings of `settings`.
    pub fn new(
        settings: &crate::config::Settings,
        queue: Arc<dyn Queue>,
        pool: Arc<Pool>,
        storage: CrashStorage,
        metrics: WorkerMetrics,
        index: Option<Arc<dyn crate::search::SearchIndex>>,
    ) -> QueueWorker {
        let q = &settings.queue;
        QueueWorker {
            queue,
            pool,
            storage,
            jobs: super::jobs(&settings.process),
            lease: Duration::from_secs(q.lease_secs.max(1)),
            max_deliveries: q.max_deliveries,
            poll: Duration::from_millis(q.poll_interval_ms.max(10)),
            metrics,
            index,
        }
    }

    /// Works until `stop` is set, then finishes the batch in hand. Each
    /// handled message is passed to `report`.
    pub async fn run(&self, stop: Arc<AtomicBool>, report: impl Fn(Handled)) -> anyhow::Result<()> {
        let mut backoff = Backoff::new(Policy {
            attempts: u32::MAX,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::MAX,
        });
        while !stop.load(Ordering::SeqCst) {
            let batch = match self.queue.pull(self.jobs, self.lease).await {
                Ok(batch) => {
                    backoff.reset();
                    batch
                }
                Err(e) => {
                    let wait = backoff.next_delay();
                    warn!("pulling from the queue failed (retrying in {wait:?}): {e}");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            };
            if batch.is_empty() {
                tokio::time::sleep(self.poll).await;
                continue;
            }
            let handled = futures::future::join_all(batch.iter().map(|d| self.handle(d))).await;
            let mut saved = Vec::new();
            for (d, (h, pc)) in batch.iter().zip(handled) {
                if let Some(pc) = pc {
                    saved.push((d, pc));
                }
                report(h);
            }
            self.index_then_ack(saved).await;
        }
        Ok(())
    }

    /// Indexes the saved crashes of a batch (one bulk request and one
    /// commit), then acks them; if indexing fails they are given back, to
    /// be processed and indexed again.
    async fn index_then_ack(&self, saved: Vec<(&Delivery, ProcessedCrash)>) {
        let indexed = match &self.index {
            None => true,
            Some(index) if !saved.is_empty() => {
                let docs: Vec<crate::search::Document> = saved
                    .iter()
                    .filter_map(|(_, pc)| crate::search::Document::from_processed(pc).ok())
                    .collect();
                let result = match index.upsert(docs).await {
                    Ok(rejected) => index.commit().await.map(|()| rejected),
                    Err(e) => Err(e),
                };
                match result {
                    Ok(rejected) => {
                        for r in rejected {
                            // A document the index refuses will never fit: acked, logged.
                            error!(crash_id = %r.id, "the index refused the crash: {}", r.reason);
                        }
                        true
                    }
                    Err(e) => {
                        warn!("indexing failed, the crashes will be processed again: {e}");
                        false
                    }
                }
            }
            Some(_) => true,
        };
        for (d, _) in saved {
            let result = if indexed {
                self.queue.ack(d).await
            } else {
                self.queue.nack(d).await
            };
            if let Err(e) = result {
                // The crash is saved; a redelivery only processes it again.
                warn!(body = %d.body, "ack failed: {e}");
            }
        }
    }

    /// Handles one message; a crash saved and waiting for its ack comes
    /// back with its processed crash.
    async fn handle(&self, d: &Delivery) -> (Handled, Option<ProcessedCrash>) {
        let done = |outcome: &'static str, crash_id: Option<CrashId>, signature: Option<String>| {
            self.metrics.count(outcome);
            let h = Handled {
                crash_id,
                outcome,
                signature,
            };
            (h, None)
        };
        if d.is_test() {
            let _ = self.queue.ack(d).await;
            info!("test message acked and dropped");
            return done("test", None, None);
        }
        let Some(message) = d.message() else {
            warn!(body = %d.body, "not a crash message: dead-lettered");
            let _ = self.queue.dead_letter(d, "not a crash id message").await;
            return done("dead_letter", None, None);
        };
        let id = message.crash_id.clone();
        if d.deliveries > self.max_deliveries {
            warn!(crash_id = %id, deliveries = d.deliveries, "delivered too often: dead-lettered");
            let reason = format!("delivered {} times", d.deliveries);
            if let Err(e) = self.queue.dead_letter(d, &reason).await {
                error!(crash_id = %id, "dead-lettering failed: {e}");
            }
            return done("dead_letter", Some(id), None);
        }
        let started = Instant::now();
        let ruleset = Ruleset::from_message(message.ruleset.as_deref());
        match process_stored_crash(id.clone(), ruleset, self.pool.clone(), &self.storage).await {
            Ok(pc) => {
                observe(&self.metrics.latency, started.elapsed());
                let ok = pc.get("success") == Some(&Value::Bool(true));
                let signature = pc
                    .get("signature")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                info!(crash_id = %id, signature = signature.as_deref().unwrap_or(""), "processed");
                let (h, _) = done(if ok { "processed" } else { "failed" }, Some(id), signature);
                (h, Some(pc))
            }
            Err(e) if is_missing(&e) => {
                warn!(crash_id = %id, "no such crash in storage ({e:#}); acked, not retried");
                let _ = self.queue.ack(d).await;
                done("missing", Some(id), None)
            }
            Err(e) => {
                error!(crash_id = %id, "processing failed, will be retried: {e:#}");
                let _ = self.queue.nack(d).await;
                done("retry", Some(id), None)
            }
        }
    }
}
