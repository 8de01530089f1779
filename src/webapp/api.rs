//! Socorro's API: the endpoints crashstats-tools and `crashkit query --api`
//! call, with Crash Stats' parameters, permissions, JSON shapes and errors
//! (`{"error": "..."}`; 400 for a bad parameter, naming it; 403 for a
//! missing permission, naming it; 404 for an unknown crash).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Map, Value};
use tracing::{info, warn};

use super::{public, query_params, Caller, Webapp};
use crate::access::Permission;
use crate::crash_id::CrashId;
use crate::queue::{self, Message, QueueName};
use crate::search::{Search, SearchError};
use crate::storage::{layout, StorageError};

/// Most crash ids one `POST /api/Reprocessing/` takes.
pub const MAX_REPROCESS_IDS: usize = 1000;

/// Rulesets a reprocessing request may name (`<crash id>:<ruleset>`).
const RULESETS: &[&str] = &["default", "regenerate_signature"];

/// A JSON error answer, as Crash Stats writes them: `{"error": "..."}`
/// (or Django's `{"errors": {field: [...]}}` for a missing field), with a
/// `Retry-After` for faults that pass.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
    retry_after: bool,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

pub fn error(status: StatusCode, message: &str) -> ApiError {
    ApiError {
        status,
        body: json!({ "error": message }),
        retry_after: false,
    }
}

fn bad_request(param: &str, message: &str) -> ApiError {
    error(
        StatusCode::BAD_REQUEST,
        &format!("Bad request: {param}: {message}"),
    )
}

fn required(field: &str) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        body: json!({"errors": {field: ["This field is required."]}}),
        retry_after: false,
    }
}

fn forbidden(permission: Permission, binary: bool) -> ApiError {
    let message = if binary {
        format!(
            "Binary response requires permissions: {}",
            permission.title()
        )
    } else {
        format!(
            "Use of this endpoint requires the '{}' permission",
            permission.title()
        )
    };
    error(StatusCode::FORBIDDEN, &message)
}

/// A 503 that tells clients when to come back: for faults that pass.
fn unavailable(message: &str) -> ApiError {
    ApiError {
        retry_after: true,
        ..error(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

fn storage_error(id: &CrashId, e: StorageError) -> ApiError {
    if e.is_not_found() {
        return error(
            StatusCode::NOT_FOUND,
            &format!("Not found: CrashIDNotFound {id}"),
        );
    }
    warn!(crash_id = %id, error = %e, "storage read failed");
    if e.is_transient() {
        unavailable("storage is unavailable; try again")
    } else {
        error(StatusCode::INTERNAL_SERVER_ERROR, "storage read failed")
    }
}

pub fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::BadArgument(bad) => bad_request(&bad.param, &bad.message),
        SearchError::Unavailable { .. } => {
            warn!(error = %e, "search failed");
            unavailable("the search index is unavailable; try again")
        }
        e => {
            warn!(error = %e, "search failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "search failed")
        }
    }
}

/// One value of a parameter, `None` when absent.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The crash id of `crash_id=`: a 400 when missing or not a crash id (never
/// a path built from an unchecked id).
fn crash_id_param(params: &[(String, String)]) -> Result<CrashId, ApiError> {
    let Some(text) = param(params, "crash_id") else {
        return Err(required("crash_id"));
    };
    CrashId::parse(text.trim()).map_err(|_| bad_request("crash_id", "not a valid crash id"))
}

/// `crash` as JSON: whole for a `view_pii` caller, cut to its public
/// fields by `public` otherwise.
fn for_caller(
    caller: Caller<'_>,
    crash: Map<String, Value>,
    public: fn(&Map<String, Value>) -> Map<String, Value>,
) -> Response {
    let crash = if caller.has(Permission::ViewPii) {
        crash
    } else {
        public(&crash)
    };
    Json(Value::Object(crash)).into_response()
}

/// `GET /api/SuperSearch/`: every Super Search parameter, checked by the
/// code `crashkit query` uses. Every indexed field is public, so the
/// answer does not depend on the token.
pub async fn super_search(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let search =
        Search::parse(&params, Utc::now()).map_err(|bad| bad_request(&bad.param, &bad.message))?;
    let page = app
        .index
        .search(&search, None)
        .await
        .map_err(search_error)?;
    Ok(Json(page.to_super_search(&search)).into_response())
}

/// `GET /api/RawCrash/?crash_id=…[&format=meta|raw][&name=…]`: the
/// annotations (`meta`, public ones without `view_pii`) or one dump's bytes
/// (`raw`, needs `view_rawdump`; `name=dump` is `upload_file_minidump`).
pub async fn raw_crash(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let id = crash_id_param(&params)?;
    match param(&params, "format").unwrap_or("meta") {
        "meta" => {
            let raw = app
                .storage
                .get_raw_crash(&id)
                .await
                .map_err(|e| storage_error(&id, e))?;
            Ok(for_caller(caller, raw, public::raw_crash))
        }
        "raw" => {
            if !caller.has(Permission::ViewRawdump) {
                return Err(forbidden(Permission::ViewRawdump, true));
            }
            let name = match param(&params, "name").unwrap_or("dump") {
                "dump" => layout::MAIN_DUMP,
                other => other,
            };
            layout::check_dump_name(name).map_err(|message| bad_request("name", &message))?;
            let bytes = app
                .storage
                .get_dump(&id, name)
                .await
                .map_err(|e| storage_error(&id, e))?;
            info!(crash_id = %id, dump = name, token = caller.name(), "dump downloaded");
            let file = if name == layout::MAIN_DUMP {
                format!("{id}.dmp")
            } else {
                format!("{id}.{name}")
            };
            Ok((
                [
                    (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file}\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        _ => Err(bad_request("format", "must be meta or raw")),
    }
}

/// `GET /api/ProcessedCrash/?crash_id=…`: the processed crash, public
/// fields only without `view_pii`.
pub async fn processed_crash(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let id = crash_id_param(&params)?;
    let crash = app
        .storage
        .get_processed_crash(&id)
        .await
        .map_err(|e| storage_error(&id, e))?;
    Ok(for_caller(caller, crash, public::processed_crash))
}

/// The crash ids of a reprocessing request: form fields `crash_ids`
/// (repeated), or a JSON object whose `crash_ids` is a list or one id.
fn reprocess_ids(headers: &HeaderMap, body: &[u8]) -> Result<Vec<String>, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if is_json {
        let value: Map<String, Value> = serde_json::from_slice(body).map_err(|e| {
            bad_request("crash_ids", &format!("the body is not a JSON object: {e}"))
        })?;
        return match value.get("crash_ids") {
            Some(Value::String(one)) => Ok(vec![one.clone()]),
            Some(Value::Array(many)) => many
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad_request("crash_ids", "must be strings"))
                })
                .collect(),
            _ => Err(required("crash_ids")),
        };
    }
    Ok(form_urlencoded::parse(body)
        .filter(|(k, _)| k == "crash_ids")
        .map(|(_, v)| v.into_owned())
        .collect())
}

/// `POST /api/Reprocessing/` with `crash_ids` (each `<id>` or
/// `<id>:<ruleset>`): onto the reprocessing queue. Needs
/// `reprocess_crashes`. Answers `true`, as Crash Stats does.
pub async fn reprocessing(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = app.caller(&headers)?;
    if !caller.has(Permission::ReprocessCrashes) {
        return Err(forbidden(Permission::ReprocessCrashes, false));
    }
    let texts = reprocess_ids(&headers, &body)?;
    if texts.is_empty() {
        return Err(required("crash_ids"));
    }
    if texts.len() > MAX_REPROCESS_IDS {
        return Err(bad_request(
            "crash_ids",
            &format!(
                "{} crash ids: at most {MAX_REPROCESS_IDS} per request",
                texts.len()
            ),
        ));
    }
    let mut messages = Vec::with_capacity(texts.len());
    for text in &texts {
        let (id, ruleset) = match text.trim().split_once(':') {
            Some((id, ruleset)) => (id, Some(ruleset)),
            None => (text.trim(), None),
        };
        let id = CrashId::parse(id)
            .map_err(|_| bad_request("crash_ids", &format!("{text:?} is not a valid crash id")))?;
        if let Some(r) = ruleset.filter(|r| !RULESETS.contains(r)) {
            return Err(bad_request(
                "crash_ids",
                &format!(
                    "{text:?}: unknown ruleset {r:?} (known: {})",
                    RULESETS.join(", ")
                ),
            ));
        }
        let ruleset = ruleset.filter(|r| *r != "default").map(str::to_owned);
        messages.push(Message::new(id, ruleset));
    }
    let Some(queue) = &app.queue else {
        return Err(error(
            StatusCode::NOT_IMPLEMENTED,
            "this server has no queue to reprocess with: start crashkit serve with --queue",
        ));
    };
    for message in &messages {
        if let Err(e) = queue::publish(queue.as_ref(), QueueName::Reprocessing, message).await {
            warn!(crash_id = %message.crash_id, error = %e, "publishing for reprocessing failed");
            return Err(if e.is_transient() {
                unavailable("the queue is unavailable; try again")
            } else {
                error(StatusCode::INTERNAL_SERVER_ERROR, "publishing failed")
            });
        }
    }
    info!(
        crashes = messages.len(),
        token = caller.name(),
        "queued for reprocessing"
    );
    Ok(Json(json!(true)).into_response())
}
