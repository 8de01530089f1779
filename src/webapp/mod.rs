//! A self-hosted Crash Stats: Socorro's API and the pages people read,
//! over a crash storage, a search index and (for reprocessing) a queue.
//!
//! The API ([`api`]) is Socorro's contract, so crashstats-tools and
//! `crashkit query --api` work against it unchanged: `/api/SuperSearch/`
//! (run by the same [`crate::search`] code as `crashkit query`),
//! `/api/RawCrash/`, `/api/ProcessedCrash/`, `/api/Reprocessing/`. Callers
//! are who their `Auth-Token` says ([`crate::access`]); without a token
//! only public fields leave the server ([`public`]).
//!
//! The pages ([`pages`]) are server-rendered HTML with inline CSS and SVG,
//! no JavaScript and no external assets: a crash report, Super Search with
//! facets, top crashers and a signature summary. They show public data
//! only (a browser sends no token).

pub mod api;
pub mod api_docs;
mod chart;
mod emerging;
mod html;
pub mod pages;
pub mod public;

use std::future::Future;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::access::{Permission, Token, Tokens};
use crate::config::Config;
use crate::queue::Queue;
use crate::search::SearchIndex;
use crate::storage::CrashStorage;

/// What the server serves from.
#[derive(Debug)]
pub struct Webapp {
    pub storage: CrashStorage,
    pub index: Arc<dyn SearchIndex>,
    /// Where `POST /api/Reprocessing/` publishes (`None`: refused).
    pub queue: Option<Arc<dyn Queue>>,
    pub tokens: Tokens,
    /// Most crashes one `ids` or `csv` download lists.
    pub max_download_rows: usize,
    /// Longest a request may take.
    pub request_timeout: std::time::Duration,
    /// Signature generation for `POST /api/CrashSignature/`, with the
    /// lists processing uses (`process.siglists`).
    pub signatures: crate::signature::Generator,
}

impl Webapp {
    pub fn new(
        config: &Config,
        storage: CrashStorage,
        index: Arc<dyn SearchIndex>,
        queue: Option<Arc<dyn Queue>>,
        signatures: crate::signature::Generator,
    ) -> Webapp {
        Webapp {
            signatures,
            storage,
            index,
            queue,
            tokens: config.tokens.clone(),
            max_download_rows: usize::try_from(config.settings.serve.max_download_rows)
                .unwrap_or(usize::MAX)
                .max(1),
            request_timeout: std::time::Duration::from_secs(
                config.settings.serve.request_timeout_secs.max(1),
            ),
        }
    }

    /// How long one search may run: a little under the request's time
    /// limit, so the search gives up (and frees its thread) before the
    /// request is answered 503.
    pub fn search_time_limit(&self) -> std::time::Duration {
        self.request_timeout.mul_f64(0.9)
    }

    /// Who is calling: the token of the `Auth-Token` header, none without
    /// one, or a 403 for a token that is not configured.
    pub fn caller(&self, headers: &HeaderMap) -> Result<Caller<'_>, api::ApiError> {
        let Some(value) = headers.get("auth-token") else {
            return Ok(Caller(None));
        };
        let presented = value.to_str().unwrap_or_default().trim();
        match self.tokens.find(presented) {
            Some(token) => Ok(Caller(Some(token))),
            None => Err(api::error(
                StatusCode::FORBIDDEN,
                "Invalid or unknown API token (Auth-Token header)",
            )),
        }
    }
}

/// The token a request came with.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a>(pub Option<&'a Token>);

impl Caller<'_> {
    pub fn has(&self, permission: Permission) -> bool {
        self.0.is_some_and(|t| t.has(permission))
    }

    /// The token's name, for logs ("-" without one).
    pub fn name(&self) -> &str {
        self.0.map_or("-", |t| t.name.as_str())
    }
}

/// Every route of the server.
pub fn router(app: Arc<Webapp>) -> Router {
    let limit = app.request_timeout;
    Router::new()
        .route("/api/", get(pages::api_documentation))
        .route("/api/SuperSearch/", get(api::super_search))
        .route(
            "/api/SuperSearchUnredacted/",
            get(api::super_search_unredacted),
        )
        .route("/api/SuperSearchFields/", get(api::super_search_fields))
        .route(
            "/api/CrashSignature/",
            axum::routing::post(api::crash_signature).options(api::cors_preflight),
        )
        .route("/api/VersionString/", get(api::version_string))
        .route("/api/Bugs/", get(api::bugs).post(api::bugs))
        .route("/api/SignaturesByBugs/", get(api::signatures_by_bugs))
        .route("/api/SignatureFirstDate/", get(api::signature_first_date))
        .route(
            "/api/MissingProcessedCrash/",
            get(api::missing_processed_crash),
        )
        .route("/api/RawCrash/", get(api::raw_crash))
        .route("/api/ProcessedCrash/", get(api::processed_crash))
        .route("/api/Reprocessing/", axum::routing::post(api::reprocessing))
        .route("/", get(pages::home))
        .route("/report/index/{id}", get(pages::report))
        .route("/search/", get(pages::search))
        .route("/search/ids", get(pages::search_ids))
        .route("/search/csv", get(pages::search_csv))
        .route("/topcrashers/", get(pages::topcrashers))
        .route("/emerging/", get(pages::emerging))
        .route("/signature/", get(pages::signature))
        .route("/__lbheartbeat__", get(|| async { StatusCode::OK }))
        .route("/__heartbeat__", get(heartbeat))
        .route("/__version__", get(version))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(limit, time_limit))
        .with_state(app)
}

/// Answers 503 (with `Retry-After`) a request that takes longer than
/// `serve.request_timeout_secs`, so no request holds a client or the
/// server's connection for ever.
async fn time_limit(
    axum::extract::State(limit): axum::extract::State<std::time::Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let message = format!("the request took longer than {}s", limit.as_secs());
            let mut response = if api {
                api::error(StatusCode::SERVICE_UNAVAILABLE, &message).into_response()
            } else {
                (StatusCode::SERVICE_UNAVAILABLE, message).into_response()
            };
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
            response
        }
    }
}

/// How long each heartbeat check may take.
const PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Dockerflow's `/__heartbeat__`: storage readable, index readable,
/// queue reachable (when there is one), each within 5 s; 200 with
/// `{"errors": []}`, or 500 naming what failed. (A directory storage
/// whose root is gone reads as empty, not as failed.)
async fn heartbeat(axum::extract::State(app): axum::extract::State<Arc<Webapp>>) -> Response {
    let mut errors = Vec::new();
    let within = |what: &str, secs: u64| format!("{what} is unavailable: no answer in {secs}s");
    let secs = PROBE_LIMIT.as_secs();
    // A key that never exists: "not found" is the healthy answer.
    match tokio::time::timeout(PROBE_LIMIT, app.storage.objects().get("heartbeat/probe")).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) if e.is_not_found() => {}
        Ok(Err(e)) => errors.push(format!("storage is not readable: {e}")),
        Err(_) => errors.push(within("storage", secs)),
    }
    match tokio::time::timeout(PROBE_LIMIT, app.index.schema_version()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => errors.push(format!("index is not readable: {e}")),
        Err(_) => errors.push(within("index", secs)),
    }
    if let Some(queue) = &app.queue {
        match tokio::time::timeout(
            PROBE_LIMIT,
            queue.backlog(crate::queue::QueueName::Reprocessing),
        )
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => errors.push(format!("queue is not reachable: {e}")),
            Err(_) => errors.push(within("queue", secs)),
        }
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    (status, axum::Json(serde_json::json!({ "errors": errors }))).into_response()
}

/// Dockerflow's `/__version__`.
async fn version() -> Response {
    axum::Json(serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": env!("CRASHKIT_COMMIT"),
        "source": "crashkit",
    }))
    .into_response()
}

async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        let name = uri.path().trim_start_matches("/api/").trim_end_matches('/');
        return api::error(
            StatusCode::NOT_FOUND,
            &format!("No service called '{name}'"),
        )
        .into_response();
    }
    (
        StatusCode::NOT_FOUND,
        html::page("Not found", "", &html::notice("Nothing here.")),
    )
        .into_response()
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<Webapp>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}

/// The query string's parameters, in order.
pub fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod time_limit_tests {
    use super::*;

    /// A handler slower than the limit is answered 503 with Retry-After
    /// when the limit passes, not when the handler ends.
    #[tokio::test]
    async fn a_request_over_the_time_limit_gets_503() {
        let limit = std::time::Duration::from_millis(200);
        let slow = || async {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            "late"
        };
        let router = Router::new()
            .route("/api/slow", get(slow))
            .route("/fast", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(limit, time_limit));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let client = reqwest::Client::new();
        let started = std::time::Instant::now();
        let response = client
            .get(format!("http://{addr}/api/slow"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "5");
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        let body = response.text().await.unwrap();
        assert!(body.contains("longer than"), "{body}");
        let fast = client
            .get(format!("http://{addr}/fast"))
            .send()
            .await
            .unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }
}
