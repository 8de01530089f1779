//! The crash collector: an HTTP server that Breakpad, Crashpad and Firefox
//! crash reporters post to, answering exactly as Mozilla's Antenna does.
//!
//! `POST /submit` parses the body as it arrives ([`submission`]), applies
//! the throttle rules ([`throttle`]), checks a client-supplied crash id,
//! builds the raw crash, saves it (retrying) and only then answers
//! `CrashID=bp-<id>`; accepted crashes are then published ([`Publisher`]).
//! Health, version and Prometheus endpoints sit beside it ([`metrics`]).

pub mod metrics;
pub mod submission;

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use futures::{Stream, StreamExt};
use serde_json::{json, Map, Value};
use tracing::{error, info, warn};

use crate::config::CollectorSettings;
use crate::crash_id::{CrashId, Throttle};
use crate::storage::CrashStorage;
use crate::throttle::{Outcome, Rules};
use metrics::Metrics;
use submission::{Headers, Limits, Rejection};

/// Where accepted crash ids go after they are saved: the processing queue,
/// stdout, or nowhere.
#[async_trait]
pub trait Publisher: Send + Sync {
    async fn publish(&self, id: &CrashId) -> Result<(), String>;
}

/// Publishes nowhere (crashes are found later by `reprocess --missing`).
pub struct NoPublisher;

#[async_trait]
impl Publisher for NoPublisher {
    async fn publish(&self, _: &CrashId) -> Result<(), String> {
        Ok(())
    }
}

/// Publishes accepted crashes to the standard processing queue.
pub struct QueuePublisher(pub Arc<dyn crate::queue::Queue>);

#[async_trait]
impl Publisher for QueuePublisher {
    async fn publish(&self, id: &CrashId) -> Result<(), String> {
        let message = crate::queue::Message::new(id.clone(), None);
        crate::queue::publish(self.0.as_ref(), crate::queue::QueueName::Standard, &message)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Publishes to several publishers (the queue and `--print-ids`).
pub struct Publishers(pub Vec<Arc<dyn Publisher>>);

#[async_trait]
impl Publisher for Publishers {
    async fn publish(&self, id: &CrashId) -> Result<(), String> {
        let mut errors = Vec::new();
        for p in &self.0 {
            if let Err(e) = p.publish(id).await {
                errors.push(e);
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// Sends each id to a channel (`--print-ids` writes them to stdout).
pub struct ChannelPublisher(pub std::sync::mpsc::Sender<CrashId>);

#[async_trait]
impl Publisher for ChannelPublisher {
    async fn publish(&self, id: &CrashId) -> Result<(), String> {
        self.0.send(id.clone()).map_err(|e| e.to_string())
    }
}

/// One collector's state.
pub struct Collector {
    /// Bounds the submissions read at once (`collector.max_in_flight`), and
    /// with them the memory that bodies can hold.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    pub storage: CrashStorage,
    pub rules: Rules,
    pub settings: CollectorSettings,
    pub publisher: Arc<dyn Publisher>,
    /// The processing queue, when there is one, for the heartbeat.
    pub queue: Option<Arc<dyn crate::queue::Queue>>,
    pub metrics: Metrics,
    /// Every metric of the process, served on `/metrics`.
    pub registry: Arc<crate::metrics::Registry>,
}

impl Collector {
    /// A collector with the settings and throttle rules of `config`, saving
    /// to `storage`, publishing to `publisher`, its metrics in `registry`.
    pub fn new(
        config: &crate::config::Config,
        storage: CrashStorage,
        publisher: Arc<dyn Publisher>,
        queue: Option<Arc<dyn crate::queue::Queue>>,
        registry: Arc<crate::metrics::Registry>,
    ) -> Collector {
        let settings = config.settings.collector.clone();
        Collector {
            in_flight: Arc::new(tokio::sync::Semaphore::new(
                settings.max_in_flight.max(1) as usize
            )),
            storage,
            rules: config.throttle.clone(),
            settings,
            publisher,
            queue,
            metrics: Metrics::new(&registry),
            registry,
        }
    }
}

/// The collector's routes.
pub fn router(collector: Arc<Collector>) -> Router {
    Router::new()
        .route("/submit", post(submit))
        .route("/__lbheartbeat__", get(|| async { StatusCode::OK }))
        .route("/__heartbeat__", get(heartbeat))
        .route("/__version__", get(version))
        .route("/metrics", get(metrics_text))
        .with_state(collector)
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    collector: Arc<Collector>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    axum::serve(listener, router(collector))
        .with_graceful_shutdown(shutdown)
        .await
}

fn text(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Bytes a request may read before it needs an in-flight place.
const UNCOUNTED_PREFIX: u64 = 64 << 10;

/// How a body is read: the pace a client must keep, and the in-flight
/// places it takes once it has sent more than [`UNCOUNTED_PREFIX`].
struct Pace {
    idle: Duration,
    min_bytes_per_sec: u64,
    window: Duration,
    places: Arc<tokio::sync::Semaphore>,
    /// The place this request holds, once it has one; kept until the
    /// request is answered.
    place: Arc<std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>>,
}

struct Reading {
    inner: axum::body::BodyDataStream,
    pace: Pace,
    read: u64,
    window_start: Instant,
    window_bytes: u64,
}

fn too_slow() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "client too slow")
}

/// Takes the request's in-flight place, unless it holds one already.
async fn take_place(pace: &Pace) -> io::Result<()> {
    let held = pace.place.lock().map(|p| p.is_some()).unwrap_or(true);
    if !held {
        let permit = pace
            .places
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| io::Error::other("shutting down"))?;
        if let Ok(mut place) = pace.place.lock() {
            *place = Some(permit);
        }
    }
    Ok(())
}

/// The body as a stream that fails when the client goes quiet for
/// `idle`, or sends slower than `min_bytes_per_sec` over a window; a
/// request takes an in-flight place only past its first 64 KiB (or at its
/// end), so slow clients cannot hold the places normal ones need.
fn body_stream(body: Body, pace: Pace) -> impl Stream<Item = io::Result<Bytes>> + Send {
    let state = Reading {
        inner: body.into_data_stream(),
        pace,
        read: 0,
        window_start: Instant::now(),
        window_bytes: 0,
    };
    futures::stream::unfold(state, move |mut st| async move {
        match tokio::time::timeout(st.pace.idle, st.inner.next()).await {
            Ok(Some(Ok(bytes))) => {
                st.read += bytes.len() as u64;
                st.window_bytes += bytes.len() as u64;
                let elapsed = st.window_start.elapsed();
                if elapsed >= st.pace.window {
                    let floor = st.pace.min_bytes_per_sec.saturating_mul(elapsed.as_secs());
                    if st.window_bytes < floor {
                        return Some((Err(too_slow()), st));
                    }
                    st.window_start = Instant::now();
                    st.window_bytes = 0;
                }
                if st.read > UNCOUNTED_PREFIX {
                    if let Err(e) = take_place(&st.pace).await {
                        return Some((Err(e), st));
                    }
                }
                Some((Ok(bytes), st))
            }
            // The connection failed under the body: the client went away.
            Ok(Some(Err(e))) => {
                Some((Err(io::Error::new(io::ErrorKind::ConnectionAborted, e)), st))
            }
            Ok(None) => match take_place(&st.pace).await {
                Ok(()) => None,
                Err(e) => Some((Err(e), st)),
            },
            Err(_) => Some((Err(too_slow()), st)),
        }
    })
}

async fn submit(State(c): State<Arc<Collector>>, headers: HeaderMap, body: Body) -> Response {
    if c.in_flight.is_closed() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "Discarded=shutting_down".into(),
        );
    }
    let s = &c.settings;
    // Held (once taken by the body reader) until this function returns.
    let place = Arc::new(std::sync::Mutex::new(None));
    let window = Duration::from_secs(s.rate_window_secs.max(1));
    let mut idle = Duration::from_secs(s.idle_timeout_secs.max(1));
    if s.min_bytes_per_sec > 0 {
        // A whole window of silence is below any minimum rate.
        idle = idle.min(window);
    }
    let pace = Pace {
        idle,
        min_bytes_per_sec: s.min_bytes_per_sec,
        window,
        places: c.in_flight.clone(),
        place: place.clone(),
    };
    let limits = Limits {
        wire: s.max_body_mb.saturating_mul(1 << 20),
        decompressed: s.max_decompressed_mb.saturating_mul(1 << 20),
        part: s.max_part_mb.saturating_mul(1 << 20),
        write_timeout: Duration::from_secs(s.save_timeout_secs.max(1)),
    };
    let content_length =
        header_str(&headers, header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok());
    let parsed = submission::parse(
        Headers {
            content_type: header_str(&headers, header::CONTENT_TYPE),
            content_encoding: header_str(&headers, header::CONTENT_ENCODING),
            content_length,
        },
        Box::pin(body_stream(body, pace)),
        limits,
        &c.storage,
    )
    .await;
    let sub = match parsed {
        Ok(sub) => sub,
        Err(Rejection::Malformed(reason)) => {
            c.metrics.crash("discarded", &format!("malformed_{reason}"));
            info!("discarded: malformed_{reason}");
            return text(
                StatusCode::BAD_REQUEST,
                format!("Discarded=malformed_{reason}"),
            );
        }
        Err(Rejection::ClientAborted) => {
            c.metrics.crash("discarded", "client_aborted");
            info!("discarded: the client disconnected mid-upload");
            return text(StatusCode::BAD_REQUEST, "Discarded=client_aborted".into());
        }
        Err(Rejection::Timeout) => {
            c.metrics.crash("discarded", "timeout");
            info!("discarded: the client went quiet mid-body");
            return text(StatusCode::REQUEST_TIMEOUT, "Discarded=timeout".into());
        }
        Err(Rejection::TooLarge(which)) => {
            c.metrics.crash("discarded", &format!("too_large_{which}"));
            info!("discarded: {which} size limit");
            return text(StatusCode::PAYLOAD_TOO_LARGE, "Discarded=too_large".into());
        }
    };
    c.metrics.bytes(sub.wire_size);

    // The clock is read once: the id's date and submitted_timestamp agree.
    let now = Utc::now();
    let (outcome, rule) = c.rules.decide(&sub.annotations);
    if outcome == Outcome::Reject {
        c.metrics.crash("rejected", &rule);
        return text(StatusCode::OK, format!("Discarded=rule_{rule}"));
    }

    // A client-supplied crash id needs the bearer token; checked after throttling.
    let id = match sub.annotations.get("uuid") {
        Some(supplied) => {
            let token = header_str(&headers, header::AUTHORIZATION)
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let allowed = match (&s.api_token, token) {
                (Some(expected), Some(given)) => bool::from(subtle::ConstantTimeEq::ct_eq(
                    expected.as_bytes(),
                    given.as_bytes(),
                )),
                _ => false,
            };
            if !allowed {
                c.metrics.crash("discarded", "unauthorized_uuid");
                return text(
                    StatusCode::UNAUTHORIZED,
                    "Discarded=unauthorized_uuid".into(),
                );
            }
            // Antenna's strict check: the exact lower-case shape, and a
            // throttle digit of 0 (accept) or 1 (defer).
            let strict = |s: &str| {
                CrashId::parse(s)
                    .ok()
                    .filter(|id| id.as_str() == s && matches!(id.throttle_digit(), '0' | '1'))
            };
            match supplied.as_str().and_then(strict) {
                Some(id) => id,
                _ => {
                    c.metrics.crash("discarded", "malformed_invalid_uuid");
                    return text(
                        StatusCode::BAD_REQUEST,
                        "Discarded=malformed_invalid_uuid".into(),
                    );
                }
            }
        }
        None => {
            let throttle = match outcome {
                Outcome::Defer => Throttle::Defer,
                Outcome::FakeAccept => Throttle::FakeAccept,
                _ => Throttle::Accept,
            };
            CrashId::generate(throttle, now.date_naive())
        }
    };
    let answer = format!("CrashID=bp-{id}\n");
    if outcome == Outcome::FakeAccept {
        c.metrics.crash("fake_accepted", &rule);
        return text(StatusCode::OK, answer);
    }
    if let Some(failed) = sub.staging_failed {
        error!(crash_id = %id, "a dump could not be staged in storage: {}", failed.message);
        return save_failed(&c, failed.transient);
    }

    let checksums = sub
        .dumps
        .iter()
        .map(|(name, dump)| (name.clone(), Value::from(hex::encode(dump.sha256))))
        .collect();
    let raw = raw_crash(
        &c,
        sub.annotations,
        checksums,
        sub.notes,
        &id,
        now,
        &rule,
        sub.payload,
        sub.compressed,
        sub.wire_size,
        header_str(&headers, header::USER_AGENT),
    );
    // Storage retries passing faults itself (one layer); here is the one
    // deadline. Raw crash last: a save cut short leaves no crash behind.
    let started = Instant::now();
    let limit = limits.write_timeout;
    let dumps = sub
        .dumps
        .into_iter()
        .map(|(name, dump)| (name, dump.staged))
        .collect();
    let saved = tokio::time::timeout(limit, c.storage.save_staged_crash(&id, &raw, dumps)).await;
    c.metrics.save_time(started.elapsed());
    let unavailable = match saved {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            error!(crash_id = %id, "crash could not be saved: {e}");
            Some(e.is_transient())
        }
        Err(_) => {
            error!(crash_id = %id, timeout_secs = limit.as_secs(), "crash could not be saved in time");
            Some(true)
        }
    };
    if let Some(transient) = unavailable {
        return save_failed(&c, transient);
    }
    match outcome {
        Outcome::Defer => c.metrics.crash("deferred", &rule),
        _ => {
            c.metrics.crash("accepted", &rule);
            let started = Instant::now();
            // The crash is saved: a publish that fails or hangs is logged
            // and healed later by `reprocess --missing`, not waited out.
            let limit = Duration::from_secs(5);
            match tokio::time::timeout(limit, c.publisher.publish(&id)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    c.metrics.publish_failed();
                    warn!(crash_id = %id, "publishing failed (reprocess --missing will find it): {e}");
                }
                Err(_) => {
                    c.metrics.publish_failed();
                    warn!(crash_id = %id, "publishing took over 5 s, given up (reprocess --missing will find it)");
                }
            }
            c.metrics.publish_time(started.elapsed());
        }
    }
    info!(crash_id = %id, rule = %rule, "saved");
    text(StatusCode::OK, answer)
}

/// The answer to a crash storage did not take: 503 with Retry-After when
/// the failure may pass (the client keeps the crash and sends it again
/// later), 500 otherwise.
fn save_failed(c: &Collector, transient: bool) -> Response {
    c.metrics.save_failed();
    c.metrics.crash("failed", "save");
    if transient {
        let mut answer = text(
            StatusCode::SERVICE_UNAVAILABLE,
            "Discarded=storage_unavailable".into(),
        );
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
        return answer;
    }
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Discarded=save_failed".into(),
    )
}

/// The raw crash of SPEC 2.2: annotations, minus the remove list, plus what
/// the collector adds. A client-sent `metadata` annotation is overwritten.
#[allow(clippy::too_many_arguments)]
fn raw_crash(
    c: &Collector,
    mut annotations: Map<String, Value>,
    checksums: Map<String, Value>,
    mut notes: Vec<String>,
    id: &CrashId,
    now: chrono::DateTime<Utc>,
    rule: &str,
    payload: &str,
    compressed: bool,
    wire_size: u64,
    user_agent: Option<&str>,
) -> Map<String, Value> {
    for name in &c.settings.remove_annotations {
        if annotations.remove(name).is_some() {
            notes.push(format!("Removed {name} from raw crash."));
        }
    }
    annotations.insert(
        "submitted_timestamp".into(),
        Value::from(now.to_rfc3339_opts(SecondsFormat::Micros, false)),
    );
    annotations.insert("uuid".into(), Value::from(id.as_str()));
    annotations.insert("version".into(), Value::from(2));
    annotations.insert(
        "metadata".into(),
        json!({
            "payload": payload,
            "payload_compressed": if compressed { "1" } else { "0" },
            "payload_size": wire_size,
            "collector_notes": notes,
            "dump_checksums": checksums,
            "user_agent": user_agent.unwrap_or("None"),
            "throttle_rule": rule,
        }),
    );
    annotations
}

/// How long a storage probe (the heartbeat's) may take.
const PROBE_LIMIT: Duration = Duration::from_secs(5);

/// Writes and deletes a `heartbeat/` object: whether storage takes writes now.
pub async fn probe_storage(storage: &CrashStorage) -> Result<(), String> {
    let key = format!("heartbeat/{}", uuid::Uuid::new_v4().simple());
    let objects = storage.objects();
    match tokio::time::timeout(PROBE_LIMIT, objects.put(&key, Bytes::from_static(b"ok"))).await {
        Ok(Ok(())) => {
            let _ = tokio::time::timeout(PROBE_LIMIT, objects.delete(&key)).await;
            Ok(())
        }
        Ok(Err(e)) => Err(format!("storage is not writable: {e}")),
        Err(_) => Err(format!(
            "storage is unavailable: no answer in {}s",
            PROBE_LIMIT.as_secs()
        )),
    }
}

async fn heartbeat(State(c): State<Arc<Collector>>) -> Response {
    let mut errors = Vec::new();
    // A load balancer asks often and waits little: each check has 5 s.
    let limit = PROBE_LIMIT;
    if let Err(e) = probe_storage(&c.storage).await {
        errors.push(e);
    }
    if let Some(queue) = &c.queue {
        match tokio::time::timeout(limit, queue.backlog(crate::queue::QueueName::Standard)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => errors.push(format!("queue is not reachable: {e}")),
            Err(_) => errors.push(format!(
                "queue is unavailable: no answer in {}s",
                limit.as_secs()
            )),
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(json!({ "errors": errors }))).into_response()
}

async fn version() -> Response {
    axum::Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": env!("CRASHKIT_COMMIT"),
        "source": "crashkit",
    }))
    .into_response()
}

async fn metrics_text(State(c): State<Arc<Collector>>) -> Response {
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        c.registry.render(),
    )
        .into_response()
}
