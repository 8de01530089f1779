//! Processing stored crashes: one at a time ([`process_stored_crash`]) and
//! as a long-running queue worker ([`QueueWorker`]).
//!
//! The worker keeps `jobs` crashes in flight at all times: as one finishes,
//! the next is pulled (priority, standard, reprocessing), so one slow crash
//! never idles the other job slots. Each crash is processed, its processed
//! crash saved (and indexed), and only then acked. A message delivered more
//! than `queue.max_deliveries` times is dead-lettered, never processed
//! again; the literal `test` message is acked and dropped; a crash with no
//! raw crash is acked and logged (retrying cannot help).
//!
//! Failures are told apart by what they say about the crash. A transient
//! one (storage or index unreachable, a timeout, a 5xx, a full disk) says
//! nothing: the message is given back with a delay that grows while the
//! outage lasts, without counting the delivery, and the worker waits before
//! pulling more; the outage is logged when it starts and when it ends, not
//! once per crash. Any other failure gives the message back at once and
//! counts towards dead-lettering. On shutdown the crashes in hand are
//! finished and acked before the worker returns.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::{debug, error, info, warn};

use super::supervisor::{Pool, ProcessedJson};
use super::PreviousRun;
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

/// Why a stored crash could not be processed.
#[derive(Debug, thiserror::Error)]
pub enum CrashError {
    /// Reading or saving failed.
    #[error("{what}: {source}")]
    Storage {
        what: &'static str,
        source: StorageError,
    },
    /// The processing task itself failed (a bug, reported as such).
    #[error("a processing task failed: {0}")]
    Task(String),
}

impl CrashError {
    /// The crash (its raw crash) is not in storage.
    pub fn is_missing(&self) -> bool {
        matches!(self, CrashError::Storage { source, .. } if source.is_not_found())
    }

    /// The failure may pass by itself and says nothing about the crash.
    pub fn is_transient(&self) -> bool {
        matches!(self, CrashError::Storage { source, .. } if source.is_transient())
    }
}

fn storage_error(what: &'static str) -> impl FnOnce(StorageError) -> CrashError {
    move |source| CrashError::Storage { what, source }
}

/// One stored crash: read, process (or re-sign), save. The processed
/// crash comes back as the JSON saved, with its summary.
pub async fn process_stored_crash(
    id: CrashId,
    ruleset: Ruleset,
    pool: Arc<Pool>,
    storage: &CrashStorage,
) -> Result<ProcessedJson, CrashError> {
    let processed = match ruleset {
        Ruleset::Default => {
            let raw = storage
                .get_raw_crash(&id)
                .await
                .map_err(storage_error("reading the raw crash"))?;
            // Dumps that are missing or unreadable as stored are processed
            // without (the processed crash says so); a storage fault is not
            // a fact about the crash, and is passed on to be retried.
            let dumps = match storage.get_dumps(&id).await {
                Ok(d) => d,
                Err(e) if e.is_not_found() || matches!(e, StorageError::Malformed { .. }) => {
                    error!(crash_id = %id, "reading dumps: {e}; processing without them");
                    Dumps::new()
                }
                Err(e) => return Err(storage_error("reading the dumps")(e)),
            };
            // Reprocessing keeps the history of earlier runs, read (only
            // those fields of the previous crash) before the new run.
            let history = match storage.get_processed_as::<PreviousRun>(&id).await {
                Ok(previous) => previous.history(),
                Err(e) if e.is_transient() => {
                    return Err(storage_error("reading the previous processed crash")(e))
                }
                Err(_) => Vec::new(),
            };
            let worker_id = id.clone();
            let worker_pool = pool.clone();
            tokio::task::spawn_blocking(move || {
                worker_pool.process_json(Some(&worker_id), &raw, &dumps, &history)
            })
            .await
            .map_err(|e| CrashError::Task(e.to_string()))?
        }
        Ruleset::RegenerateSignature => {
            let previous = storage
                .get_processed_crash(&id)
                .await
                .map_err(storage_error("reading the processed crash"))?;
            ProcessedJson::of_map(&pool.local().regenerate_signature(&previous))
        }
    };
    storage
        .save_processed_json(&id, processed.json.clone())
        .await
        .map_err(storage_error("saving the processed crash"))?;
    Ok(processed)
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
    outage: Mutex<Outage>,
}

/// What happened to one message, for the worker's output line.
#[derive(Debug, Clone)]
pub struct Handled {
    pub crash_id: Option<CrashId>,
    pub outcome: &'static str,
    pub signature: Option<String>,
}

/// A dependency (storage, index, queue) failing in a way that can pass.
#[derive(Debug)]
struct Outage {
    since: Option<Instant>,
    /// Messages given back during this outage.
    given_back: u64,
    backoff: Backoff,
    /// No pulls before this.
    paused_until: Option<Instant>,
}

/// How long the first give-back waits; doubling up to [`MAX_RETRY_DELAY`].
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// Saved crashes wait at most this long for their batch to be indexed and acked.
const MAX_ACK_WAIT: Duration = Duration::from_secs(1);

type InFlight<'a> = futures::stream::FuturesUnordered<
    std::pin::Pin<
        Box<
            dyn std::future::Future<Output = (Delivery, Handled, Option<ProcessedJson>)>
                + Send
                + 'a,
        >,
    >,
>;

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
        let lease = Duration::from_secs(q.lease_secs.max(1));
        QueueWorker {
            queue,
            pool,
            storage,
            jobs: super::jobs(&settings.process),
            lease,
            max_deliveries: q.max_deliveries,
            poll: Duration::from_millis(q.poll_interval_ms.max(10)),
            metrics,
            index,
            outage: Mutex::new(Outage {
                since: None,
                given_back: 0,
                backoff: Backoff::new(Policy {
                    attempts: u32::MAX,
                    base_delay: FIRST_RETRY_DELAY,
                    // A give-back must come back within the lease (Redis).
                    max_delay: MAX_RETRY_DELAY.min(lease / 2),
                    deadline: Duration::MAX,
                }),
                paused_until: None,
            }),
        }
    }

    /// Records a transient failure: the first of an outage is logged, and
    /// the delay before the message (and the next pull) comes back grows.
    fn transient(&self, what: &str, e: &dyn std::fmt::Display) -> Duration {
        let Ok(mut o) = self.outage.lock() else {
            return FIRST_RETRY_DELAY;
        };
        if o.since.is_none() {
            warn!("{what} is unavailable ({e}); crashes are given back and retried, not failed");
            o.since = Some(Instant::now());
        }
        o.given_back += 1;
        // At least a second: the bound doubles, the delay is jittered under it.
        let delay = o.backoff.next_delay().max(FIRST_RETRY_DELAY);
        o.paused_until = Some(Instant::now() + delay);
        delay
    }

    /// Records a success: an outage in progress is over.
    fn healthy(&self) {
        let Ok(mut o) = self.outage.lock() else {
            return;
        };
        if let Some(since) = o.since.take() {
            info!(
                outage_secs = since.elapsed().as_secs(),
                given_back = o.given_back,
                "dependencies are available again"
            );
            o.given_back = 0;
            o.backoff.reset();
            o.paused_until = None;
        }
    }

    fn paused_for(&self) -> Option<Duration> {
        let o = self.outage.lock().ok()?;
        o.paused_until
            .and_then(|t| t.checked_duration_since(Instant::now()))
    }

    /// Works until `stop` is set, then finishes the crashes in hand. Each
    /// handled message is passed to `report`.
    pub async fn run(&self, stop: Arc<AtomicBool>, report: impl Fn(Handled)) -> anyhow::Result<()> {
        let mut in_flight: InFlight<'_> = futures::stream::FuturesUnordered::new();
        // Saved crashes waiting to be indexed and acked together.
        let mut saved: Vec<(Delivery, ProcessedJson)> = Vec::new();
        let mut oldest_saved: Option<Instant> = None;
        let mut pull_backoff = Backoff::new(Policy {
            attempts: u32::MAX,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Duration::MAX,
        });
        let mut pull_failing = false;
        loop {
            // Without an index there is nothing to batch: ack at once, so a
            // worker killed now leaves only its crashes in flight to redo.
            let flush_due = !saved.is_empty()
                && (self.index.is_none()
                    || saved.len() >= self.jobs
                    || in_flight.is_empty()
                    || oldest_saved.is_some_and(|t| t.elapsed() >= MAX_ACK_WAIT));
            if flush_due {
                self.index_then_ack(std::mem::take(&mut saved)).await;
                oldest_saved = None;
            }
            let stopping = stop.load(Ordering::SeqCst);
            let mut wait = self.poll;
            if !stopping && in_flight.len() < self.jobs {
                match self.paused_for() {
                    Some(pause) => wait = pause,
                    None => {
                        match self
                            .queue
                            .pull(self.jobs - in_flight.len(), self.lease)
                            .await
                        {
                            Ok(batch) => {
                                if pull_failing {
                                    info!("the queue is reachable again");
                                    pull_failing = false;
                                }
                                pull_backoff.reset();
                                for d in batch {
                                    in_flight.push(Box::pin(async move {
                                        let (h, pc) = self.handle(&d).await;
                                        (d, h, pc)
                                    }));
                                }
                            }
                            Err(e) => {
                                wait = pull_backoff.next_delay();
                                if !pull_failing {
                                    warn!("pulling from the queue failed, retrying until it answers: {e}");
                                    pull_failing = true;
                                }
                            }
                        }
                    }
                }
            }
            if in_flight.is_empty() {
                if stopping {
                    break;
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            // Wait for a crash to finish, or for the time to pull again.
            let next = if in_flight.len() < self.jobs && !stopping {
                match tokio::time::timeout(wait, futures::StreamExt::next(&mut in_flight)).await {
                    Ok(next) => next,
                    Err(_) => continue,
                }
            } else {
                futures::StreamExt::next(&mut in_flight).await
            };
            if let Some((d, h, pc)) = next {
                report(h);
                if let Some(pc) = pc {
                    saved.push((d, pc));
                    oldest_saved.get_or_insert_with(Instant::now);
                }
            }
        }
        Ok(())
    }

    /// Indexes saved crashes (one bulk request and one commit), then acks
    /// them; if the index is unavailable they are given back, to be
    /// processed and indexed again.
    async fn index_then_ack(&self, saved: Vec<(Delivery, ProcessedJson)>) {
        let mut give_back = None;
        if let (Some(index), false) = (&self.index, saved.is_empty()) {
            let docs: Vec<crate::search::Document> = saved
                .iter()
                .filter_map(|(_, pc)| crate::search::Document::from_json(&pc.json).ok())
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
                }
                Err(e) => give_back = Some(self.transient("the search index", &e)),
            }
        }
        for (d, _) in &saved {
            let result = match give_back {
                None => self.queue.ack(d).await,
                Some(delay) => self.queue.retry_later(d, delay, self.lease).await,
            };
            if let Err(e) = result {
                // The crash is saved; a redelivery only processes it again.
                warn!(body = %d.body, "ack failed: {e}");
            }
        }
    }

    /// Handles one message; a crash saved and waiting for its ack comes
    /// back with its processed crash.
    async fn handle(&self, d: &Delivery) -> (Handled, Option<ProcessedJson>) {
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
                self.healthy();
                observe(&self.metrics.latency, started.elapsed());
                let ok = pc.summary.stackwalked();
                let signature = pc.summary.signature().map(str::to_owned);
                info!(crash_id = %id, signature = signature.as_deref().unwrap_or(""), "processed");
                let (h, _) = done(if ok { "processed" } else { "failed" }, Some(id), signature);
                (h, Some(pc))
            }
            Err(e) if e.is_missing() => {
                self.healthy();
                warn!(crash_id = %id, "no such crash in storage ({e}); acked, not retried");
                let _ = self.queue.ack(d).await;
                done("missing", Some(id), None)
            }
            Err(e) if e.is_transient() => {
                let delay = self.transient("storage", &e);
                debug!(crash_id = %id, delay_ms = delay.as_millis() as u64, "given back: {e}");
                if let Err(qe) = self.queue.retry_later(d, delay, self.lease).await {
                    warn!(crash_id = %id, "giving the message back failed (its lease will): {qe}");
                }
                done("retry", Some(id), None)
            }
            Err(e) => {
                error!(crash_id = %id, "processing failed, will be retried: {e}");
                let _ = self.queue.nack(d).await;
                done("retry", Some(id), None)
            }
        }
    }
}
