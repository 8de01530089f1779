//! The pages people read: a crash report, Super Search with facets, top
//! crashers, a signature summary, and a home page that leads to them.
//! Server-rendered from public data only; the URL of every page carries
//! its whole query, so any page can be shared by its address.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::api::{self, ApiError};
use super::html::{self, attr, esc, url_value};
use super::{chart, public, query_params, Webapp};
use crate::crash_id::CrashId;
use crate::search::fields::{self, FIELDS};
use crate::search::query::MAX_RESULTS_NUMBER;
use crate::search::{self, emerging, topcrashers, Search};

type Params = Vec<(String, String)>;

fn ok_page(title: &str, query: &str, body: &str) -> Result<Response, PageError> {
    Ok(html_response(
        StatusCode::OK,
        html::page(title, query, body),
    ))
}

/// A page that says what went wrong, with its status.
#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        html_response(
            self.status,
            html::page(&self.title, "", &html::error_notice(&self.message)),
        )
    }
}

fn error_page(status: StatusCode, title: &str, message: &str) -> PageError {
    PageError {
        status,
        title: title.to_owned(),
        message: message.to_owned(),
    }
}

fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A string form of a JSON value for a cell ("" for null).
fn text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| text(Some(v)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

fn report_link(id: &str) -> String {
    format!(
        "<a class=\"mono\" href=\"/report/index/{}\">{}</a>",
        url_value(id),
        esc(id)
    )
}

fn signature_link(signature: &str) -> String {
    format!(
        "<a href=\"/signature/?signature={}\">{}</a>",
        url_value(signature),
        esc(signature)
    )
}

/// `GET /`: products with crashes in the last week and the latest crashes.
pub async fn home(State(app): State<Arc<Webapp>>) -> Result<Response, PageError> {
    let params: Params = vec![
        ("_facets".into(), "product".into()),
        ("_results_number".into(), "20".into()),
        ("_columns".into(), "uuid".into()),
        ("_columns".into(), "date".into()),
        ("_columns".into(), "signature".into()),
        ("_columns".into(), "product".into()),
        ("_columns".into(), "version".into()),
    ];
    let (search, answer) = match run_search(&app, &params).await {
        Ok(found) => found,
        Err(e) => return Err(e),
    };
    let mut body = String::from("<h1>Crash Stats</h1>");
    let products = buckets(&answer["facets"]["product"]);
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Products (last 7 days)</h2>{}</div>",
        if products.is_empty() {
            "<p class=\"muted\">No crashes in the last 7 days.</p>".to_owned()
        } else {
            let rows: Vec<Vec<String>> = products
                .iter()
                .map(|(term, count)| {
                    vec![
                        format!(
                            "<a href=\"/topcrashers/?product={}&amp;days=7\">{}</a>",
                            url_value(term),
                            esc(term)
                        ),
                        count.to_string(),
                    ]
                })
                .collect();
            html::table("products", &["Product", "num:Crashes"], &rows)
        }
    );
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Latest crashes</h2>{}</div>",
        hits_table(&search, &answer)
    );
    ok_page("Crash Stats", "", &body)
}

/// `GET /api/`: every endpoint, its parameters and permissions.
pub async fn api_documentation(headers: axum::http::HeaderMap) -> Result<Response, PageError> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let body = super::api_docs::render(&format!("http://{host}")).map_err(|e| {
        error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Page failed",
            &e.to_string(),
        )
    })?;
    ok_page("API", "", &body)
}

/// Runs a search from page parameters: the answer's JSON, or an error page.
async fn run_search(
    app: &Webapp,
    params: &[(String, String)],
) -> Result<(Search, Value), PageError> {
    // Pages have no signed-in users yet: they search public fields only.
    let params = search::query::without_protected(params);
    let mut search = Search::parse(&params, Utc::now())
        .map_err(|bad| error_page(StatusCode::BAD_REQUEST, "Bad search", &bad.to_string()))?;
    search.time_limit = Some(app.search_time_limit());
    let page = app.index.search(&search, None).await.map_err(search_page)?;
    let answer = page.to_super_search(&search);
    Ok((search, answer))
}

/// The page for a search that failed: the user's mistake, or the index's.
fn search_page(e: search::SearchError) -> PageError {
    match e {
        search::SearchError::BadArgument(bad) => {
            error_page(StatusCode::BAD_REQUEST, "Bad search", &bad.to_string())
        }
        search::SearchError::TimedOut { limit_secs, .. } => error_page(
            StatusCode::SERVICE_UNAVAILABLE,
            "Search too long",
            &format!("The search took longer than {limit_secs} s: narrow its dates or filters."),
        ),
        e => {
            tracing::warn!(error = %e, "search failed");
            error_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Search failed",
                "The search index is not answering; try again.",
            )
        }
    }
}

/// `(term, count)` of a facet's JSON.
fn buckets(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|b| (text(b.get("term")), b["count"].as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

/// The hits of a search answer as a table: crash ids link to reports,
/// signatures to signature pages.
fn hits_table(search: &Search, answer: &Value) -> String {
    let hits = answer["hits"].as_array().map_or(&[][..], Vec::as_slice);
    if hits.is_empty() {
        return "<p class=\"muted\">No crashes match.</p>".to_owned();
    }
    let head: Vec<&str> = search.columns.iter().map(|f| f.name).collect();
    let rows: Vec<Vec<String>> = hits
        .iter()
        .map(|hit| {
            search
                .columns
                .iter()
                .map(|f| {
                    let value = text(hit.get(f.name));
                    match f.name {
                        "uuid" => report_link(&value),
                        "signature" => signature_link(&value),
                        _ => esc(&value),
                    }
                })
                .collect()
        })
        .collect();
    html::table("hits", &head, &rows)
}

/// `GET /report/index/<crash id>`: one crash, from its processed crash.
pub async fn report(
    State(app): State<Arc<Webapp>>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Ok(id) = CrashId::parse(id.trim()) else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "Bad crash id",
            &format!("{id:?} is not a valid crash id"),
        ));
    };
    let (raw, processed) = futures::join!(
        app.storage.get_raw_crash(&id),
        app.storage.get_processed_crash(&id)
    );
    let raw = match raw {
        Ok(raw) => Some(public::raw_crash(&raw)),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(storage_page(&id, e)),
    };
    let processed = match processed {
        Ok(crash) => Some(public::processed_crash(&crash)),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(storage_page(&id, e)),
    };
    let (raw, processed) = match (raw, processed) {
        (None, None) => {
            return Err(error_page(
                StatusCode::NOT_FOUND,
                "Crash not found",
                &format!("No crash {id} here."),
            ))
        }
        (raw, Some(processed)) => (raw.unwrap_or_default(), processed),
        (Some(raw), None) => {
            let mut body = format!("<h1 class=\"mono\">{}</h1>", esc(id.as_str()));
            body.push_str(&html::notice(
                "This crash has not been processed yet: its report appears once a worker has processed it.",
            ));
            body.push_str(&annotations(&raw));
            return ok_page(&format!("Crash {id}"), "", &body);
        }
    };
    ok_page(
        &format!("{} – {id}", text(processed.get("signature"))),
        "",
        &report_body(&id, &raw, &processed),
    )
}

fn storage_page(id: &CrashId, e: crate::storage::StorageError) -> PageError {
    tracing::warn!(crash_id = %id, error = %e, "storage read failed");
    error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Storage unavailable",
        "The crash storage is not answering; try again.",
    )
}

fn report_body(id: &CrashId, raw: &Map<String, Value>, crash: &Map<String, Value>) -> String {
    let get = |k: &str| text(crash.get(k));
    let signature = get("signature");
    let mut body = format!(
        "<h1 id=\"signature\">{}</h1><p class=\"muted mono\" id=\"crash-id\">{}</p>",
        esc(&signature),
        esc(id.as_str())
    );
    let os = format!("{} {}", get("os_name"), get("os_version"));
    let cpu = format!("{} {}", get("cpu_arch"), get("cpu_info"));
    let uptime = crash
        .get("uptime")
        .and_then(Value::as_i64)
        .map_or_else(String::new, |s| format!("{s} s"));
    let status = match crash.get("mdsw_status_string").and_then(Value::as_str) {
        Some("OK") => get("mdsw_status_string"),
        _ => format!("failed ({})", get("mdsw_status_string")),
    };
    let fields_list: [(&str, String); 14] = [
        ("Signature", signature_link(&signature)),
        ("Product", esc(&get("product"))),
        ("Version", esc(&get("version"))),
        ("Release channel", esc(&get("release_channel"))),
        ("Build ID", esc(&get("build"))),
        ("Process type", esc(&get("process_type"))),
        ("OS", esc(os.trim())),
        ("CPU", esc(cpu.trim())),
        ("Reason", esc(&get("reason"))),
        (
            "Address",
            format!("<span class=\"mono\">{}</span>", esc(&get("address"))),
        ),
        ("Uptime", esc(&uptime)),
        ("Date", esc(&get("date_processed"))),
        (
            "Crashing thread",
            esc(format!("{} {}", get("crashing_thread"), get("crashing_thread_name")).trim()),
        ),
        ("Processing", esc(&status)),
    ];
    body.push_str("<div class=\"card\"><dl class=\"fields\" id=\"details\">");
    for (name, value) in fields_list {
        let _ = write!(body, "<dt>{name}</dt><dd>{value}</dd>");
    }
    let quoted = url_value(id.as_str());
    let _ = write!(
        body,
        "</dl><p><a href=\"/api/ProcessedCrash/?crash_id={quoted}\">processed crash JSON</a> · \
         <a href=\"/api/RawCrash/?crash_id={quoted}&amp;format=meta\">raw crash JSON</a> · \
         <a href=\"/search/?signature={}\">more crashes with this signature</a></p></div>",
        url_value(&format!("={signature}"))
    );
    let dump = crash.get("json_dump").cloned().unwrap_or(Value::Null);
    let threads = dump["threads"].as_array().cloned().unwrap_or_default();
    let crashing = crash.get("crashing_thread").and_then(Value::as_u64);
    let crashing_frames = dump["crashing_thread"]["frames"]
        .as_array()
        .cloned()
        .or_else(|| crashing.and_then(|i| threads.get(i as usize)?["frames"].as_array().cloned()));
    body.push_str("<div class=\"card\"><h2>Crashing thread</h2>");
    match crashing_frames {
        Some(frames) if !frames.is_empty() => {
            body.push_str(&frames_table("crashing-frames", &frames))
        }
        _ => body.push_str("<p class=\"muted\">No stack: the stackwalk found no frames.</p>"),
    }
    body.push_str("</div>");
    if threads.len() > 1 {
        let _ = write!(
            body,
            "<div class=\"card\"><h2>Other threads ({})</h2>",
            threads.len() - 1
        );
        for (i, thread) in threads.iter().enumerate() {
            if Some(i as u64) == crashing {
                continue;
            }
            let frames = thread["frames"].as_array().cloned().unwrap_or_default();
            let name = text(thread.get("thread_name"));
            let _ = write!(
                body,
                "<details><summary>Thread {i}{} · {} frames</summary>{}</details>",
                if name.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", esc(&name))
                },
                frames.len(),
                frames_table(&format!("thread-{i}"), &frames)
            );
        }
        body.push_str("</div>");
    }
    let missing: Vec<Vec<String>> = dump["modules"]
        .as_array()
        .map(|modules| {
            modules
                .iter()
                .filter(|m| m["missing_symbols"] == Value::Bool(true))
                .map(|m| {
                    vec![
                        esc(&text(m.get("filename"))),
                        esc(&text(m.get("debug_file"))),
                        format!(
                            "<span class=\"mono\">{}</span>",
                            esc(&text(m.get("debug_id")))
                        ),
                        esc(&text(m.get("version"))),
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    body.push_str("<div class=\"card\"><h2>Modules without symbols</h2>");
    if missing.is_empty() {
        body.push_str("<p class=\"muted\">Every module in the stacks had symbols.</p>");
    } else {
        body.push_str(&html::table(
            "missing-symbols",
            &["Module", "Debug file", "Debug id", "Version"],
            &missing,
        ));
    }
    body.push_str("</div>");
    body.push_str(&annotations(raw));
    let notes = get("processor_notes");
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Processor notes</h2><pre id=\"processor-notes\" style=\"white-space:pre-wrap\">{}</pre></div>",
        esc(&notes)
    );
    body
}

fn frames_table(id: &str, frames: &[Value]) -> String {
    let rows: Vec<Vec<String>> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if let Some(msg) = f["truncated"]["msg"].as_str() {
                return vec![String::new(), String::new(), esc(msg), String::new()];
            }
            let function = text(f.get("function"));
            let function = if function.is_empty() {
                text(f.get("offset"))
            } else {
                function
            };
            let line = text(f.get("line"));
            let file = text(f.get("file"));
            let source = match (file.is_empty(), line.is_empty()) {
                (true, _) => String::new(),
                (false, true) => file,
                (false, false) => format!("{file}:{line}"),
            };
            vec![
                f["frame"].as_u64().unwrap_or(i as u64).to_string(),
                esc(&text(f.get("module"))),
                format!("<span class=\"mono function\">{}</span>", esc(&function)),
                format!("<span class=\"mono\">{}</span>", esc(&source)),
            ]
        })
        .collect();
    html::table(id, &["num:#", "Module", "Function", "Source"], &rows)
}

fn annotations(raw: &Map<String, Value>) -> String {
    let rows: Vec<Vec<String>> = raw
        .iter()
        .map(|(k, v)| vec![esc(k), esc(&text(Some(v)))])
        .collect();
    format!(
        "<div class=\"card\"><h2>Public annotations</h2>{}</div>",
        if rows.is_empty() {
            "<p class=\"muted\">None.</p>".to_owned()
        } else {
            html::table("annotations", &["Annotation", "Value"], &rows)
        }
    )
}

/// Operators of the search form: (Super Search prefix, words). The value
/// of a row is its prefix then its text (`__null__`-like ones have none).
const OPERATORS: &[(&str, &str)] = &[
    ("", "is"),
    ("!", "is not"),
    ("~", "contains"),
    ("!~", "does not contain"),
    ("^", "starts with"),
    ("$", "ends with"),
    ("=", "is exactly"),
    ("@", "matches regex"),
    (">", ">"),
    (">=", ">="),
    ("<", "<"),
    ("<=", "<="),
    ("__null__", "is missing"),
    ("!__null__", "exists"),
    ("__true__", "is true"),
];

/// Splits a Super Search value into the form's operator and text.
fn split_operator(value: &str) -> (&'static str, &str) {
    for whole in ["!__null__", "__null__", "__true__"] {
        if value == whole {
            return (
                OPERATORS
                    .iter()
                    .find(|(p, _)| *p == whole)
                    .map_or("", |(p, _)| p),
                "",
            );
        }
    }
    let mut best: (&'static str, &str) = ("", value);
    for (prefix, _) in OPERATORS {
        if !prefix.is_empty()
            && !prefix.contains("__")
            && value.starts_with(prefix)
            && prefix.len() > best.0.len()
        {
            best = (prefix, &value[prefix.len()..]);
        }
    }
    best
}

/// `GET /search/`: the Super Search form and its results. Submitted form
/// rows (`f`, `op`, `v`) are turned into Super Search parameters and
/// redirected to, so the address of the results is the query.
pub async fn search(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = query_params(query.as_deref());
    if params.iter().any(|(k, _)| k == "f") {
        return Ok(Redirect::to(&format!(
            "/search/?{}",
            html::query_string(&from_form(&params))
        ))
        .into_response());
    }
    let mut params: Params = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    if !params.iter().any(|(k, _)| k == "_facets") {
        params.push(("_facets".into(), "signature".into()));
    }
    let shown = params
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let form = search_form(&params);
    let (search, answer) = match run_search(&app, &params).await {
        Ok(found) => found,
        Err(e) => return Err(e),
    };
    let total = answer["total"].as_u64().unwrap_or(0);
    let shared = html::query_string(&params);
    let mut body = format!("<h1>Super Search</h1>{form}");
    let _ = write!(
        body,
        "<div class=\"card\"><h2 id=\"total\">{total} crashes</h2>\
         <p>Download: <a href=\"/search/ids?{q}\">crash ids</a> · <a href=\"/search/csv?{q}\">CSV</a> · \
         <a href=\"/api/SuperSearch/?{q}\">JSON</a></p>{}",
        hits_table(&search, &answer),
        q = attr(&shared)
    );
    let shown_to = search.offset + answer["hits"].as_array().map_or(0, Vec::len);
    if search.offset > 0 || (shown_to as u64) < total {
        body.push_str("<p>");
        let page_link = |offset: usize, label: &str| {
            let mut p: Params = params
                .iter()
                .filter(|(k, _)| k != "_results_offset")
                .cloned()
                .collect();
            p.push(("_results_offset".into(), offset.to_string()));
            format!(
                "<a href=\"/search/?{}\">{label}</a> ",
                attr(&html::query_string(&p))
            )
        };
        if search.offset > 0 {
            body.push_str(&page_link(
                search.offset.saturating_sub(search.size),
                "← previous",
            ));
        }
        let _ = write!(
            body,
            "<span class=\"muted\">{}–{shown_to} of {total}</span> ",
            search.offset + 1
        );
        if (shown_to as u64) < total {
            body.push_str(&page_link(shown_to, "next →"));
        }
        body.push_str("</p>");
    }
    body.push_str("</div>");
    body.push_str(&facet_tables(&params, &answer["facets"], total));
    ok_page("Super Search", &shown, &body)
}

/// Super Search parameters from the form's rows and its other fields.
fn from_form(params: &[(String, String)]) -> Params {
    let mut out = Params::new();
    let (mut f, mut op) = (None::<String>, String::new());
    for (k, v) in params {
        match k.as_str() {
            "f" => f = Some(v.clone()),
            "op" => op = v.clone(),
            "v" => {
                if let Some(field) = f.take().filter(|f| !f.is_empty()) {
                    let value = if op.contains("__") {
                        op.clone()
                    } else if v.trim().is_empty() {
                        String::new()
                    } else {
                        format!("{op}{}", v.trim())
                    };
                    if !value.is_empty() {
                        out.push((field, value));
                    }
                }
                op.clear();
            }
            "_facets" | "_columns" | "_sort" => {
                for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    out.push((k.clone(), item.to_owned()));
                }
            }
            _ if k.starts_with('_') && !v.is_empty() => out.push((k.clone(), v.clone())),
            _ => {}
        }
    }
    out
}

fn search_form(params: &[(String, String)]) -> String {
    let mut rows: Vec<(String, &'static str, String)> = params
        .iter()
        .filter(|(k, _)| !k.starts_with('_'))
        .map(|(k, v)| {
            let (op, value) = split_operator(v);
            (k.clone(), op, value.to_owned())
        })
        .collect();
    rows.push((String::new(), "", String::new()));
    rows.push((String::new(), "", String::new()));
    let mut out = String::from(
        "<form class=\"search card\" action=\"/search/\" method=\"get\" id=\"search-form\">",
    );
    for (field, op, value) in &rows {
        out.push_str("<div class=\"row\"><select name=\"f\" aria-label=\"field\"><option value=\"\">field…</option>");
        for f in FIELDS {
            let _ = write!(
                out,
                "<option{}>{}</option>",
                if f.name == field { " selected" } else { "" },
                f.name
            );
        }
        out.push_str("</select><select name=\"op\" aria-label=\"operator\">");
        for (prefix, words) in OPERATORS {
            let _ = write!(
                out,
                "<option value=\"{}\"{}>{}</option>",
                attr(prefix),
                if prefix == op { " selected" } else { "" },
                esc(words)
            );
        }
        let _ = write!(
            out,
            "</select><input type=\"text\" name=\"v\" value=\"{}\" aria-label=\"value\"></div>",
            attr(value)
        );
    }
    let joined = |key: &str| {
        params
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        out,
        "<div class=\"row\"><label>Facets <input type=\"text\" name=\"_facets\" value=\"{}\"></label>\
         <label>Columns <input type=\"text\" name=\"_columns\" value=\"{}\"></label>\
         <label>Sort <input type=\"text\" name=\"_sort\" value=\"{}\"></label></div>\
         <button type=\"submit\">Search</button> <span class=\"muted\">Dates default to the last 7 days.</span></form>",
        attr(&joined("_facets")),
        attr(&joined("_columns")),
        attr(&joined("_sort")),
    );
    out
}

/// One table per terms facet: each term links to the search narrowed to it.
fn facet_tables(params: &[(String, String)], facets: &Value, total: u64) -> String {
    let Some(facets) = facets.as_object() else {
        return String::new();
    };
    let mut out = String::from("<div class=\"facets\">");
    for (name, facet) in facets {
        if let Some(count) = facet["value"].as_u64() {
            let _ = write!(
                out,
                "<div class=\"card\"><h2>{}</h2><p>{count} distinct values</p></div>",
                esc(name)
            );
            continue;
        }
        let narrowable = fields::field(name).is_some();
        let rows: Vec<Vec<String>> = buckets(facet)
            .into_iter()
            .map(|(term, count)| {
                let label = if narrowable {
                    let mut p: Params = params
                        .iter()
                        .filter(|(k, _)| k != "_results_offset")
                        .cloned()
                        .collect();
                    p.push((name.clone(), format!("={term}")));
                    format!(
                        "<a href=\"/search/?{}\">{}</a>",
                        attr(&html::query_string(&p)),
                        esc(&term)
                    )
                } else {
                    esc(&term)
                };
                let percent = if total > 0 {
                    format!("{:.2}%", count as f64 * 100.0 / total as f64)
                } else {
                    String::new()
                };
                vec![label, count.to_string(), percent]
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"card\"><h2>{}</h2>{}</div>",
            esc(name),
            html::table(
                &format!("facet-{name}"),
                &[name.as_str(), "num:Count", "num:%"],
                &rows
            )
        );
    }
    out.push_str("</div>");
    out
}

/// The parameters of a download: the search's, without paging.
async fn download(
    app: &Webapp,
    query: Option<&str>,
    ids_only: bool,
) -> Result<(Search, Vec<Value>), ApiError> {
    let mut params: Params = query_params(query)
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && !k.starts_with("_results") && k != "_facets")
        .collect();
    params.push(("_facets_size".into(), "0".into()));
    params.push(("_results_number".into(), MAX_RESULTS_NUMBER.to_string()));
    if ids_only {
        params.retain(|(k, _)| k != "_columns");
        params.push(("_columns".into(), "uuid".into()));
    }
    let params = search::query::without_protected(&params);
    let mut search = Search::parse(&params, Utc::now())
        .map_err(|bad| api::error(StatusCode::BAD_REQUEST, &format!("Bad request: {bad}")))?;
    search.time_limit = Some(app.search_time_limit());
    let mut hits = Vec::new();
    search::search_all(&*app.index, &search, Some(app.max_download_rows), |page| {
        if let Some(found) = page.to_super_search(&search)["hits"].as_array() {
            hits.extend(found.iter().cloned());
        }
        Ok(())
    })
    .await
    .map_err(api::search_error)?;
    Ok((search, hits))
}

/// `GET /search/ids?…`: the crash ids of a search, one a line (at most
/// `serve.max_download_rows`).
pub async fn search_ids(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (_, hits) = match download(&app, query.as_deref(), true).await {
        Ok(found) => found,
        Err(e) => return Err(e),
    };
    let mut out = String::with_capacity(hits.len() * 37);
    for hit in &hits {
        out.push_str(&text(hit.get("uuid")));
        out.push('\n');
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response())
}

/// `GET /search/csv?…`: the search's columns as CSV (at most
/// `serve.max_download_rows` rows).
pub async fn search_csv(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (search, hits) = match download(&app, query.as_deref(), false).await {
        Ok(found) => found,
        Err(e) => return Err(e),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let head: Vec<&str> = search.columns.iter().map(|f| f.name).collect();
    let mut failed = writer.write_record(&head).is_err();
    for hit in &hits {
        let row: Vec<String> = search
            .columns
            .iter()
            .map(|f| text(hit.get(f.name)))
            .collect();
        failed |= writer.write_record(&row).is_err();
    }
    match writer.into_inner() {
        Ok(bytes) if !failed => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"crashes.csv\"",
                ),
            ],
            bytes,
        )
            .into_response()),
        _ => Err(api::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "writing the CSV failed",
        )),
    }
}

/// The `days` parameter, 1 to 365, or `default`.
fn days_param(params: &[(String, String)], default: i64) -> i64 {
    params
        .iter()
        .find(|(k, _)| k == "days")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .unwrap_or(default)
        .clamp(1, 365)
}

fn days_choices(base: &str, current: i64) -> String {
    let mut out = String::from("<p>Period: ");
    for days in [1, 3, 7, 14, 28, 90] {
        let label = if days == 1 {
            "1 day".to_owned()
        } else {
            format!("{days} days")
        };
        if days == current {
            let _ = write!(out, "<strong>{label}</strong> ");
        } else {
            let _ = write!(out, "<a href=\"{base}&amp;days={days}\">{label}</a> ");
        }
    }
    out.push_str("</p>");
    out
}

/// `GET /topcrashers/?product=P[&version=V][&days=7]`: signatures ranked
/// by crashes, against the period before.
pub async fn topcrashers(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = query_params(query.as_deref());
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let days = days_param(&params, 7);
    let Some(product) = get("product") else {
        // No product: offer those with crashes.
        return choose_product(&app, "/topcrashers/", "Top Crashers", days).await;
    };
    let version = get("version");
    let request = topcrashers::Request {
        product: product.clone(),
        version: version.clone(),
        days,
        limit: 50,
        filters: Vec::new(),
        now: Utc::now(),
    };
    let report = topcrashers::report(&*app.index, &request)
        .await
        .map_err(search_page)?;
    let flags = emerging_flags(&app, &product, days).await;
    let title = match &version {
        Some(v) => format!("Top Crashers: {product} {v}"),
        None => format!("Top Crashers: {product}"),
    };
    let base = format!(
        "/topcrashers/?product={}{}",
        url_value(&product),
        version
            .as_deref()
            .map_or(String::new(), |v| format!("&amp;version={}", url_value(v)))
    );
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{} to {} · {} crashes · <a href=\"/emerging/?product={}&amp;days={}\">Emerging</a></p>{}",
        esc(&title),
        esc(&report.from),
        esc(&report.to),
        report.total,
        url_value(&product),
        days.min(MAX_EMERGING_DAYS),
        days_choices(&base, days)
    );
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|row| {
            let change = match row.previous_rank {
                None => "<span class=\"up\">new</span>".to_owned(),
                Some(_) if row.rank_change.starts_with('-') => {
                    format!("<span class=\"down\">{}</span>", esc(&row.rank_change))
                }
                Some(_) if row.rank_change == "0" => "0".to_owned(),
                Some(_) => format!("<span class=\"up\">+{}</span>", esc(&row.rank_change)),
            };
            let platforms: Vec<String> = row
                .platforms
                .iter()
                .map(|(p, n)| format!("{} {n}", esc(p)))
                .collect();
            let trend = match flags.get(&row.signature) {
                Some(kind) => format!(
                    "<a class=\"{}\" href=\"/emerging/?product={}&amp;days={}\">{}</a>",
                    if *kind == emerging::Kind::New {
                        "up"
                    } else {
                        "down"
                    },
                    url_value(&product),
                    days.min(MAX_EMERGING_DAYS),
                    kind.as_str()
                ),
                None => String::new(),
            };
            vec![
                row.rank.to_string(),
                change,
                signature_link(&row.signature),
                trend,
                row.count.to_string(),
                format!("{:.2}%", row.percent),
                platforms.join(", "),
                format!("{:.2}%", row.startup_percent),
            ]
        })
        .collect();
    let _ = write!(
        body,
        "<div class=\"card\">{}</div>",
        if rows.is_empty() {
            "<p class=\"muted\">No crashes in this period.</p>".to_owned()
        } else {
            html::table(
                "topcrashers",
                &[
                    "num:Rank",
                    "Change",
                    "Signature",
                    "Emerging",
                    "num:Count",
                    "num:%",
                    "Platforms",
                    "num:Startup",
                ],
                &rows,
            )
        }
    );
    ok_page(&title, "", &body)
}

/// The products with crashes in the last `days`, as links to `page`.
async fn choose_product(
    app: &Webapp,
    page: &str,
    title: &str,
    days: i64,
) -> Result<Response, PageError> {
    let choose: Params = vec![
        ("_facets".into(), "product".into()),
        ("_results_number".into(), "0".into()),
        (
            "date".into(),
            format!(
                ">={}",
                fields::format_date(&(Utc::now() - Duration::days(days)))
            ),
        ),
    ];
    let (_, answer) = run_search(app, &choose).await?;
    let mut body = format!(
        "<h1>{}</h1><div class=\"card\"><p>Choose a product:</p><ul>",
        esc(title)
    );
    for (term, count) in buckets(&answer["facets"]["product"]) {
        let _ = write!(
            body,
            "<li><a href=\"{page}?product={}&amp;days={days}\">{}</a> <span class=\"muted\">({count})</span></li>",
            url_value(&term),
            esc(&term)
        );
    }
    body.push_str("</ul></div>");
    ok_page(title, "", &body)
}

/// The emerging signatures of `product`, by signature; a failed search
/// leaves them out (the flag is a hint beside the page's own data).
async fn emerging_flags(
    app: &Webapp,
    product: &str,
    days: i64,
) -> std::collections::HashMap<String, emerging::Kind> {
    let request = emerging::Request {
        product: product.to_owned(),
        days: days.min(MAX_EMERGING_DAYS),
        baseline_days: 28,
        min_count: 5,
        filters: Vec::new(),
        now: Utc::now(),
        time_limit: Some(app.search_time_limit()),
    };
    match emerging::report(&*app.index, &request).await {
        Ok(report) => report
            .signatures
            .into_iter()
            .map(|r| (r.signature, r.kind))
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "emerging flags left out of top crashers");
            Default::default()
        }
    }
}

/// The longest window the Emerging page offers.
const MAX_EMERGING_DAYS: i64 = 90;

/// `GET /emerging/?product=P[&days=7][&baseline_days=28]`: new and growing
/// signatures (see `search::emerging` for the test and the score).
pub async fn emerging(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = query_params(query.as_deref());
    let days = days_param(&params, 7).min(MAX_EMERGING_DAYS);
    let baseline_days = params
        .iter()
        .find(|(k, _)| k == "baseline_days")
        .and_then(|(_, v)| v.trim().parse::<i64>().ok())
        .unwrap_or(28)
        .clamp(1, 365);
    let Some(product) = params
        .iter()
        .find(|(k, _)| k == "product")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return choose_product(&app, "/emerging/", "Emerging", days).await;
    };
    let request = emerging::Request {
        product: product.clone(),
        days,
        baseline_days,
        min_count: 5,
        filters: Vec::new(),
        now: Utc::now(),
        time_limit: Some(app.search_time_limit()),
    };
    let report = emerging::report(&*app.index, &request)
        .await
        .map_err(search_page)?;
    let body = super::emerging::render(&report, days, baseline_days).map_err(|e| {
        tracing::warn!(error = %e, "emerging page");
        error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Emerging",
            "The page could not be rendered.",
        )
    })?;
    ok_page(&format!("Emerging: {product}"), "", &body)
}

/// `GET /signature/?signature=S[&days=7]`: crashes per day, facets by
/// version, platform and process type, and the latest reports.
pub async fn signature(
    State(app): State<Arc<Webapp>>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params = query_params(query.as_deref());
    let Some(signature) = params
        .iter()
        .find(|(k, _)| k == "signature")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
    else {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "Signature",
            "Give a signature: /signature/?signature=…",
        ));
    };
    let days = days_param(&params, 7);
    let today = Utc::now().date_naive();
    let first = today - Duration::days(days - 1);
    let from = first
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or_else(Utc::now);
    let mut search_params: Params = vec![
        ("signature".into(), format!("={signature}")),
        ("date".into(), format!(">={}", fields::format_date(&from))),
        ("_histogram.date".into(), String::new()),
        ("_histogram_interval.date".into(), "day".into()),
        ("_facets".into(), "version".into()),
        ("_facets".into(), "platform".into()),
        ("_facets".into(), "process_type".into()),
        ("_results_number".into(), "50".into()),
        ("_sort".into(), "-date".into()),
    ];
    for column in [
        "uuid", "date", "product", "version", "platform", "build_id", "reason",
    ] {
        search_params.push(("_columns".into(), column.into()));
    }
    let (search, answer) = match run_search(&app, &search_params).await {
        Ok(found) => found,
        Err(e) => return Err(e),
    };
    let per_day: std::collections::HashMap<NaiveDate, u64> = answer["facets"]["histogram_date"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|b| {
                    let day = fields::parse_date(b["term"].as_str()?)?.date_naive();
                    Some((day, b["count"].as_u64().unwrap_or(0)))
                })
                .collect()
        })
        .unwrap_or_default();
    let series: Vec<(NaiveDate, u64)> = (0..days)
        .map(|i| {
            let day = first + Duration::days(i);
            (day, per_day.get(&day).copied().unwrap_or(0))
        })
        .collect();
    let total = answer["total"].as_u64().unwrap_or(0);
    let base = format!("/signature/?signature={}", url_value(&signature));
    let mut body = format!(
        "<h1 id=\"signature\">{}</h1><p class=\"muted\">{total} crashes from {first} to {today}</p>{}",
        esc(&signature),
        days_choices(&base, days)
    );
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Crashes per day</h2>{}</div>",
        chart::per_day(&series)
    );
    let mut facets = answer["facets"].clone();
    if let Some(map) = facets.as_object_mut() {
        map.remove("histogram_date");
    }
    let narrow: Params = vec![("signature".into(), format!("={signature}"))];
    body.push_str(&facet_tables(&narrow, &facets, total));
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Latest reports</h2>{}<p><a href=\"/search/?{}\">all crashes with this signature</a></p></div>",
        hits_table(&search, &answer),
        attr(&html::query_string(&narrow))
    );
    ok_page(&signature, "", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_rows_become_super_search_parameters_and_back() {
        let form: Params = [
            ("f", "signature"),
            ("op", "~"),
            ("v", " OOM "),
            ("f", "platform"),
            ("op", "!"),
            ("v", "Linux"),
            ("f", "uptime"),
            ("op", "__null__"),
            ("v", ""),
            ("f", ""),
            ("op", ""),
            ("v", "ignored"),
            ("f", "product"),
            ("op", ""),
            ("v", ""),
            ("_facets", "signature, platform"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let params = from_form(&form);
        let expect: Params = [
            ("signature", "~OOM"),
            ("platform", "!Linux"),
            ("uptime", "__null__"),
            ("_facets", "signature"),
            ("_facets", "platform"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(params, expect);
        assert_eq!(split_operator("~OOM"), ("~", "OOM"));
        assert_eq!(split_operator("!~x"), ("!~", "x"));
        assert_eq!(split_operator(">=2026-11-01"), (">=", "2026-11-01"));
        assert_eq!(split_operator("!__null__"), ("!__null__", ""));
        assert_eq!(split_operator("Firefox"), ("", "Firefox"));
        let html = search_form(&params);
        assert!(html.contains("value=\"OOM\""), "{html}");
    }
}
