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
use crate::search::fields::{Field, FieldKind, FIELDS};
use crate::search::{query, Search, SearchError};
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
    cors: bool,
}

impl ApiError {
    /// The error with `Access-Control-Allow-Origin: *`, for endpoints open
    /// to every origin.
    fn with_cors(self) -> ApiError {
        ApiError { cors: true, ..self }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if self.cors {
            response = with_cors(response);
        }
        response
    }
}

pub fn error(status: StatusCode, message: &str) -> ApiError {
    ApiError {
        status,
        body: json!({ "error": message }),
        retry_after: false,
        cors: false,
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
        cors: false,
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
        SearchError::TimedOut { limit_secs, .. } => {
            warn!(error = %e, "search gave up");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("the search took longer than {limit_secs} s: narrow its dates or filters"),
            )
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
/// code `crashkit query` uses. Without `view_pii`, protected fields are
/// out of reach as in Socorro's public Super Search: filters on them are
/// ignored and they are removed from columns, sorts and aggregations
/// ([`query::without_protected`]). With `view_pii`, everything.
pub async fn super_search(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = app.caller(&headers)?;
    let mut params = query_params(query.as_deref());
    if !caller.has(Permission::ViewPii) {
        params = query::without_protected(&params);
    }
    run_super_search(&app, &params).await
}

/// `GET /api/SuperSearchUnredacted/`: Super Search over every field,
/// protected ones included; needs `view_pii`.
pub async fn super_search_unredacted(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let caller = app.caller(&headers)?;
    if !caller.has(Permission::ViewPii) {
        return Err(forbidden(Permission::ViewPii, false));
    }
    run_super_search(&app, &query_params(query.as_deref())).await
}

async fn run_super_search(app: &Webapp, params: &[(String, String)]) -> Result<Response, ApiError> {
    let mut search =
        Search::parse(params, Utc::now()).map_err(|bad| bad_request(&bad.param, &bad.message))?;
    search.time_limit = Some(app.search_time_limit());
    let page = app
        .index
        .search(&search, None)
        .await
        .map_err(search_error)?;
    Ok(Json(page.to_super_search(&search)).into_response())
}

/// `GET /api/SuperSearchFields/`: every field, in Socorro's shape (name to
/// `name`, `description`, `query_type`, `data_validation_type`,
/// `permissions_needed`, `storage_mapping`, …). Public.
pub async fn super_search_fields() -> Response {
    let fields: Map<String, Value> = FIELDS
        .iter()
        .map(|f| (f.name.to_owned(), field_json(f)))
        .collect();
    Json(Value::Object(fields)).into_response()
}

fn field_json(f: &Field) -> Value {
    let (namespace, in_database_name) = match f.source.rsplit_once('.') {
        Some((path, last)) => (format!("processed_crash.{path}"), last),
        None => ("processed_crash".to_owned(), f.source),
    };
    let validation = match f.kind {
        FieldKind::Enum => "enum",
        FieldKind::Keyword | FieldKind::Text => "str",
        FieldKind::Integer => "int",
        FieldKind::Float => "float",
        FieldKind::Date => "datetime",
        FieldKind::Bool => "bool",
    };
    let storage = match f.kind {
        FieldKind::Enum | FieldKind::Keyword => json!({"type": "string", "analyzer": "keyword"}),
        FieldKind::Text => json!({
            "type": "string",
            "index": "analyzed",
            "fields": {"full": {"type": "string", "index": "not_analyzed"}},
        }),
        FieldKind::Integer => json!({"type": "long"}),
        FieldKind::Float => json!({"type": "double"}),
        FieldKind::Date => json!({"type": "date"}),
        FieldKind::Bool => json!({"type": "boolean"}),
    };
    let permissions: Vec<&str> = if f.is_protected() {
        vec!["crashstats.view_pii"]
    } else {
        Vec::new()
    };
    json!({
        "name": f.name,
        "namespace": namespace,
        "in_database_name": in_database_name,
        "description": f.description(),
        "query_type": f.kind.query_type(),
        "data_validation_type": validation,
        "form_field_choices": [],
        "has_full_version": f.kind == FieldKind::Text,
        "is_exposed": true,
        "is_returned": true,
        "permissions_needed": permissions,
        "webapp_permissions_needed": permissions,
        "storage_mapping": storage,
    })
}

/// Most jobs one `POST /api/CrashSignature/` takes.
pub const MAX_SIGNATURE_JOBS: usize = 1000;

/// `POST /api/CrashSignature/` with `{"jobs": [CRASH_DATA, …]}` (siggen's
/// crash-data shape): `{"results": [{"signature", "notes", "extra"}, …]}`
/// from the signature lists processing uses; `debug_log` too when the
/// request has the header `Debug: 1`. Open to every origin (CORS), as in
/// Socorro.
pub async fn crash_signature(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    app.caller(&headers).map_err(|e| e.with_cors())?;
    let payload: Value = serde_json::from_slice(&body)
        .map_err(|e| bad_request("jobs", &format!("the body is not JSON: {e}")).with_cors())?;
    let jobs = match payload.get("jobs") {
        Some(Value::Array(jobs)) if !jobs.is_empty() => jobs,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            return Err(error(StatusCode::BAD_REQUEST, "no jobs specified").with_cors())
        }
        Some(_) => {
            return Err(bad_request("jobs", "must be a list of crash data objects").with_cors())
        }
    };
    if jobs.len() > MAX_SIGNATURE_JOBS {
        return Err(bad_request(
            "jobs",
            &format!(
                "{} jobs: at most {MAX_SIGNATURE_JOBS} per request",
                jobs.len()
            ),
        )
        .with_cors());
    }
    let debug = headers
        .get("debug")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() == "1");
    let mut results = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let Value::Object(crash) = job else {
            return Err(bad_request("jobs", &format!("job {i} is not an object")).with_cors());
        };
        results.push(app.signatures.generate(crash).to_result(debug));
    }
    Ok(with_cors(
        Json(json!({ "results": results })).into_response(),
    ))
}

/// The CORS preflight of `POST /api/CrashSignature/`.
pub async fn cors_preflight() -> Response {
    let mut response = with_cors(StatusCode::OK.into_response());
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, Auth-Token, Debug"),
    );
    response
}

fn with_cors(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// `GET /api/VersionString/?product=P&channel=C&build_id=B`: the versions
/// crashes of that product, channel and build were indexed with, most
/// common first (Socorro reads them from its archive scraper's table;
/// crashkit from the crashes themselves). On the beta and aurora channels,
/// as Socorro: only `b` versions when there are any, else only `rc` ones.
pub async fn version_string(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let mut wanted = Vec::new();
    for name in ["product", "channel", "build_id"] {
        match param(&params, name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(v) => wanted.push(v.to_owned()),
            None => return Err(required(name)),
        }
    }
    let (product, channel, build_id) = (&wanted[0], wanted[1].to_lowercase(), &wanted[2]);
    let built = build_id
        .get(..8)
        .filter(|_| build_id.parse::<i64>().is_ok())
        .and_then(|day| chrono::NaiveDate::parse_from_str(day, "%Y%m%d").ok())
        // Builds crash within the dates an index holds.
        .filter(|day| {
            let day = day.to_string();
            (crate::search::fields::FIRST_DATE..="2260-12-31").contains(&day.as_str())
        });
    let Some(built) = built else {
        return Err(bad_request(
            "build_id",
            "must be a build id (YYYYMMDDHHMMSS)",
        ));
    };
    let search_params: Vec<(String, String)> = [
        ("product", product.clone()),
        ("release_channel", channel.clone()),
        ("build_id", build_id.clone()),
        // A build crashes from the day it was built; a year of crashes
        // (Super Search's longest range) is plenty to see its versions.
        ("date", format!(">={}", built.format("%Y-%m-%d"))),
        (
            "date",
            format!("<{}", (built + chrono::Days::new(365)).format("%Y-%m-%d")),
        ),
        ("_facets", "version".to_owned()),
        ("_facets_size", "100".to_owned()),
        ("_results_number", "0".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut search = Search::parse(&search_params, Utc::now())
        .map_err(|bad| bad_request(&bad.param, &bad.message))?;
    search.time_limit = Some(app.search_time_limit());
    let page = app
        .index
        .search(&search, None)
        .await
        .map_err(search_error)?;
    let answer = page.to_super_search(&search);
    let mut versions: Vec<String> = answer["facets"]["version"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| b["term"].as_str().map(str::to_owned))
        .collect();
    if matches!(channel.as_str(), "beta" | "aurora") && !versions.is_empty() {
        let betas = versions[0].contains('b');
        versions.retain(|v| {
            if betas {
                !v.contains("rc")
            } else {
                v.contains("rc")
            }
        });
    }
    let hits: Vec<Value> = versions
        .iter()
        .map(|v| json!({ "version_string": v }))
        .collect();
    Ok(Json(json!({ "hits": hits, "total": hits.len() })).into_response())
}

/// Most signatures or bug ids one bugs or first-date request takes.
pub const MAX_LOOKUPS: usize = 1000;

/// The values of a repeated parameter (`signatures=a&signatures=b`), at
/// least one and at most [`MAX_LOOKUPS`].
fn list_param(params: &[(String, String)], name: &str) -> Result<Vec<String>, ApiError> {
    let values: Vec<String> = params
        .iter()
        .filter(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect();
    if values.is_empty() {
        return Err(required(name));
    }
    if values.len() > MAX_LOOKUPS {
        return Err(bad_request(
            name,
            &format!("{} values: at most {MAX_LOOKUPS}", values.len()),
        ));
    }
    Ok(values)
}

fn associations_json(hits: Vec<crate::search::facts::BugAssociation>) -> Response {
    let hits: Vec<Value> = hits
        .into_iter()
        .map(|a| json!({"id": a.bug_id, "signature": a.signature}))
        .collect();
    Json(json!({"total": hits.len(), "hits": hits})).into_response()
}

/// `GET` or `POST /api/Bugs/` with `signatures` (repeated; a form body for
/// POST): the bugs filed for them and every signature of those bugs,
/// `{"hits": [{"id", "signature"}], "total"}` sorted by bug, as Socorro.
pub async fn bugs(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    app.caller(&headers)?;
    let mut params = query_params(query.as_deref());
    params.extend(form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    let signatures = list_param(&params, "signatures")?;
    let hits = crate::search::facts::bugs_and_related(app.index.facts(), &signatures)
        .await
        .map_err(search_error)?;
    Ok(associations_json(hits))
}

/// `GET /api/SignaturesByBugs/?bug_ids=N&bug_ids=M`: the signatures those
/// bugs are filed for.
pub async fn signatures_by_bugs(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let bug_ids = list_param(&params, "bug_ids")?
        .iter()
        .map(|b| b.trim().parse::<u64>())
        .collect::<Result<Vec<u64>, _>>()
        .map_err(|_| bad_request("bug_ids", "bug ids are whole numbers"))?;
    let hits = app
        .index
        .facts()
        .signatures_of_bugs(&bug_ids)
        .await
        .map_err(search_error)?;
    Ok(associations_json(hits))
}

/// `GET /api/SignatureFirstDate/?signatures=S…`: when and in which build
/// each signature was first seen, `{"hits": [{"signature", "first_date",
/// "first_build"}], "total"}` (`first_build` a string, as Socorro).
pub async fn signature_first_date(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    app.caller(&headers)?;
    let params = query_params(query.as_deref());
    let signatures = list_param(&params, "signatures")?;
    let seen = app
        .index
        .facts()
        .first_seen(&signatures)
        .await
        .map_err(search_error)?;
    let hits: Vec<Value> = seen
        .into_iter()
        .map(|s| {
            json!({
                "signature": s.signature,
                "first_date": s.first_date.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
                "first_build": s.first_build.to_string(),
            })
        })
        .collect();
    Ok(Json(json!({"hits": hits, "total": hits.len()})).into_response())
}

/// Records one `/api/MissingProcessedCrash/` page holds.
pub const MISSING_PAGE_SIZE: usize = 1000;

/// `GET /api/MissingProcessedCrash/[?page=N]`: what `crashkit verify`
/// recorded, oldest first, in Django REST framework's page shape
/// (`{"results": [{"crash_id", "is_processed", "created"}], "count",
/// "next", "previous"}`, links absolute), open to every origin.
pub async fn missing_processed_crash(
    State(app): State<Arc<Webapp>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    app.caller(&headers).map_err(ApiError::with_cors)?;
    let params = query_params(query.as_deref());
    let page: usize = match param(&params, "page") {
        None => 1,
        Some(p) => p
            .trim()
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or_else(|| error(StatusCode::BAD_REQUEST, "invalid page number").with_cors())?,
    };
    let records = app
        .index
        .facts()
        .missing()
        .await
        .map_err(|e| search_error(e).with_cors())?;
    let pages = records.len().div_ceil(MISSING_PAGE_SIZE).max(1);
    // As Django's paginator: a page past the end is the last one.
    let page = page.min(pages);
    let link = |n: usize| -> Value {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        Value::from(format!(
            "{scheme}://{host}/api/MissingProcessedCrash/?page={n}"
        ))
    };
    let results: Vec<Value> = records
        .iter()
        .skip((page - 1) * MISSING_PAGE_SIZE)
        .take(MISSING_PAGE_SIZE)
        .map(|r| {
            json!({
                "crash_id": r.crash_id,
                "is_processed": r.is_processed,
                "created": r.created.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            })
        })
        .collect();
    let body = json!({
        "results": results,
        "count": records.len(),
        "next": if page < pages { link(page + 1) } else { Value::Null },
        "previous": if page > 1 { link(page - 1) } else { Value::Null },
    });
    Ok(with_cors(Json(body).into_response()))
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
