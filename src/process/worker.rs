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

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use tracing::{error, info, warn};

use super::supervisor::Pool;
use super::ProcessedCrash;
use crate::collector::metrics::Histogram;
use crate::crash_id::CrashId;
use crate::queue::{Delivery, Queue, QueueName};
use crate::storage::{CrashStorage, Dumps, StorageError};

/// What processing a stored crash does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ruleset {
    /// Stackwalk, derive every field, sign.
    Default,
    /// Recompute only the signature from the stored processed crash.
    #[value(name = "regenerate_signature")]
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

/// Counters of a queue worker, for `--metrics-addr`.
#[derive(Debug, Default)]
pub struct WorkerMetrics {
    outcomes: Mutex<BTreeMap<&'static str, u64>>,
    latency: Mutex<Histogram>,
}

impl WorkerMetrics {
    fn count(&self, outcome: &'static str) {
        if let Ok(mut m) = self.outcomes.lock() {
            *m.entry(outcome).or_default() += 1;
        }
    }

    /// Prometheus text, with the queue backlog read now.
    pub async fn render(&self, queue: &dyn Queue) -> String {
        let mut out = String::new();
        out.push_str("# HELP crashkit_worker_messages_total Queue messages handled, by outcome.\n");
        out.push_str("# TYPE crashkit_worker_messages_total counter\n");
        if let Ok(m) = self.outcomes.lock() {
            for (outcome, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "crashkit_worker_messages_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        if let Ok(h) = self.latency.lock() {
            h.render(
                &mut out,
                "crashkit_worker_process_seconds",
                "Time to process and save one crash.",
            );
        }
        out.push_str("# HELP crashkit_queue_backlog Messages waiting or leased, by queue.\n");
        out.push_str("# TYPE crashkit_queue_backlog gauge\n");
        for q in QueueName::ALL {
            if let Ok(n) = queue.backlog(q).await {
                let _ = writeln!(out, "crashkit_queue_backlog{{queue=\"{q}\"}} {n}");
            }
        }
        out
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
    pub metrics: Arc<WorkerMetrics>,
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
    /// Works until `stop` is set, then finishes the batch in hand. Each
    /// handled message is passed to `report`.
    pub async fn run(&self, stop: Arc<AtomicBool>, report: impl Fn(Handled)) -> anyhow::Result<()> {
        let mut failures = 0u32;
        while !stop.load(Ordering::SeqCst) {
            let batch = match self.queue.pull(self.jobs, self.lease).await {
                Ok(batch) => {
                    failures = 0;
                    batch
                }
                Err(e) => {
                    failures += 1;
                    let wait = Duration::from_millis(200u64 << failures.min(6));
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
                if let Ok(mut h) = self.metrics.latency.lock() {
                    h.observe(started.elapsed().as_secs_f64());
                }
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
