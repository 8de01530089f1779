//! The scale-out search index: Elasticsearch or OpenSearch over HTTP,
//! written against the Elasticsearch REST API (index templates, `_bulk`,
//! `_search` with `search_after`, terms, `date_histogram`, `histogram` and
//! `cardinality` aggregations).
//!
//! Weekly indices are named `<prefix>%Y%W` by the crash id's date (Socorro's
//! scheme; prefix `crashkit` unless the URL has a path: `es+http://h:9200/socorro`).
//! An index template holds the mappings and records the schema version
//! in `_meta`. Requests are retried on connection errors, 429 and 5xx
//! (one [`retry::Policy`], `index.retry_timeout_secs`); bulk items refused
//! with 429 are sent again, other refused items are reported per crash id.

mod facts;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use serde_json::{json, Map, Value};

use super::fields::{self, Document, Field, FieldKind, FIELDS};
use super::query::{Agg, Cmp, Cond, Interval, Op, Scalar, Search};
use super::result::{self, Key, Page, Tally};
use super::{Rejected, Result, SearchError, SearchIndex, SCHEMA_VERSION};
use crate::config::IndexSettings;
use crate::crash_id::CrashId;
use crate::retry::{self, Verdict};

/// Elasticsearch's default `index.max_result_window`.
const MAX_WINDOW: usize = 10_000;

#[derive(Debug, Clone)]
enum Auth {
    Basic(String, Option<String>),
    ApiKey(String),
}

/// An Elasticsearch or OpenSearch cluster.
#[derive(Debug)]
pub struct Elastic {
    url: String,
    base: String,
    prefix: String,
    client: reqwest::Client,
    auth: Option<Auth>,
    policy: retry::Policy,
    bulk_docs: usize,
    template_checked: tokio::sync::OnceCell<()>,
    sightings: std::sync::Arc<super::facts::Sightings>,
    /// Set once `firstseen-<prefix>` is known to exist, so commits do not
    /// ask again.
    first_seen_ready: tokio::sync::OnceCell<()>,
}

impl Elastic {
    /// `url` is the whole index URL (for messages); `rest` the part after `es+`.
    pub fn open(url: &str, rest: &str, settings: &IndexSettings) -> Result<Elastic> {
        let invalid = |message: &str| SearchError::InvalidUrl {
            url: url.to_owned(),
            message: message.to_owned(),
        };
        let parsed = reqwest::Url::parse(rest).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(
                "expected es+http://host:port or es+https://host:port",
            ));
        }
        let prefix = parsed.path().trim_matches('/').to_owned();
        let prefix = if prefix.is_empty() {
            "crashkit".to_owned()
        } else {
            prefix
        };
        if !prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(invalid(
                "the index prefix takes lower-case letters, digits, - and _",
            ));
        }
        let mut base = parsed.clone();
        base.set_path("");
        let auth = if let Some(key) = &settings.api_key {
            Some(Auth::ApiKey(key.clone()))
        } else if !parsed.username().is_empty() {
            Some(Auth::Basic(
                parsed.username().to_owned(),
                parsed
                    .password()
                    .map(str::to_owned)
                    .or(settings.password.clone()),
            ))
        } else {
            settings
                .username
                .clone()
                .map(|u| Auth::Basic(u, settings.password.clone()))
        };
        base.set_username("").ok();
        base.set_password(None).ok();
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| invalid(&format!("cannot set up the HTTP client: {e}")))?;
        Ok(Elastic {
            url: url.to_owned(),
            base: base.as_str().trim_end_matches('/').to_owned(),
            prefix,
            client,
            auth,
            policy: retry::Policy::with_deadline(Duration::from_secs(settings.retry_timeout_secs)),
            bulk_docs: usize::try_from(settings.bulk_docs).unwrap_or(1000).max(1),
            template_checked: tokio::sync::OnceCell::new(),
            sightings: Default::default(),
            first_seen_ready: tokio::sync::OnceCell::new(),
        })
    }

    /// The index of crashes of `day`: `<prefix>%Y%W`.
    fn index_name(&self, day: NaiveDate) -> String {
        format!("{}{}", self.prefix, day.format("%Y%W"))
    }

    /// Sends one request, retrying passing faults; returns status and body.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(String, &'static str)>,
    ) -> Result<(u16, Value)> {
        let url = format!("{}/{}", self.base, path.trim_start_matches('/'));
        retry::run(self.policy, || {
            let method = method.clone();
            let mut request = self.client.request(method.clone(), &url);
            if let Some((body, content_type)) = &body {
                request = request
                    .header("content-type", *content_type)
                    .body(body.clone());
            }
            request = match &self.auth {
                Some(Auth::Basic(user, password)) => request.basic_auth(user, password.as_ref()),
                Some(Auth::ApiKey(key)) => request.header("authorization", format!("ApiKey {key}")),
                None => request,
            };
            async move {
                let response = request.send().await.map_err(|e| {
                    Verdict::Retry(self.unavailable(format!("{method} {path}: {e}")), None)
                })?;
                let status = response.status().as_u16();
                let retry_after = retry::retry_after(response.headers());
                let text = response.text().await.map_err(|e| {
                    Verdict::Retry(self.unavailable(format!("{method} {path}: {e}")), None)
                })?;
                if status == 429 || status >= 500 {
                    return Err(Verdict::Retry(
                        self.unavailable(format!(
                            "{method} {path}: HTTP {status}: {}",
                            brief(&text)
                        )),
                        retry_after,
                    ));
                }
                let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                Ok((status, value))
            }
        })
        .await
    }

    async fn send_ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(String, &'static str)>,
    ) -> Result<Value> {
        let (status, value) = self.send(method.clone(), path, body).await?;
        if !(200..300).contains(&status) {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!(
                    "{method} {path}: HTTP {status}: {}",
                    brief(&value.to_string())
                ),
            });
        }
        Ok(value)
    }

    fn unavailable(&self, message: String) -> SearchError {
        SearchError::Unavailable {
            location: self.url.clone(),
            message,
        }
    }

    fn template(&self) -> Value {
        let mut properties = Map::new();
        for field in FIELDS {
            let mapping = match field.kind {
                FieldKind::Enum | FieldKind::Keyword => json!({
                    "type": "keyword",
                    "fields": {"lower": {"type": "keyword", "normalizer": "crashkit_lower"}},
                }),
                FieldKind::Text => json!({
                    "type": "text",
                    "fields": {"full": {"type": "keyword"}},
                }),
                FieldKind::Integer => json!({"type": "long"}),
                FieldKind::Float => json!({"type": "double"}),
                FieldKind::Date => json!({"type": "date"}),
                FieldKind::Bool => json!({"type": "boolean"}),
            };
            properties.insert(field.name.to_owned(), mapping);
        }
        json!({
            "index_patterns": [format!("{}*", self.prefix)],
            "priority": 100,
            "template": {
                "settings": {
                    "analysis": {"normalizer": {"crashkit_lower": {"type": "custom", "filter": ["lowercase"]}}},
                },
                "mappings": {
                    "dynamic": "strict",
                    "_meta": {"schema_version": SCHEMA_VERSION},
                    "properties": properties,
                },
            },
            "_meta": {"schema_version": SCHEMA_VERSION},
        })
    }

    async fn put_template(&self) -> Result<()> {
        self.send_ok(
            reqwest::Method::PUT,
            &format!("_index_template/{}", self.prefix),
            Some((self.template().to_string(), "application/json")),
        )
        .await
        .map(|_| ())
    }

    /// Creates the template, or checks the one there has our schema version.
    async fn ensure_template(&self) -> Result<()> {
        self.template_checked
            .get_or_try_init(|| async {
                match self.read_version().await? {
                    Some(found) if found != SCHEMA_VERSION => Err(SearchError::SchemaMismatch {
                        location: self.url.clone(),
                        found,
                        expected: SCHEMA_VERSION,
                    }),
                    Some(_) => Ok(()),
                    None => self.put_template().await,
                }
            })
            .await
            .map(|_| ())
    }

    async fn read_version(&self) -> Result<Option<u32>> {
        let (status, value) = self
            .send(
                reqwest::Method::GET,
                &format!("_index_template/{}", self.prefix),
                None,
            )
            .await?;
        if status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&status) {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!("reading the index template: HTTP {status}"),
            });
        }
        let template = &value["index_templates"][0]["index_template"];
        Ok(template["_meta"]["schema_version"]
            .as_u64()
            .or_else(|| template["template"]["mappings"]["_meta"]["schema_version"].as_u64())
            .map(|v| v as u32)
            .or(Some(0)))
    }

    /// Sends bulk `actions` (pairs of action and optional document),
    /// resending items refused with 429; returns the other refusals.
    async fn bulk(
        &self,
        mut actions: Vec<(CrashId, Value, Option<Value>)>,
    ) -> Result<Vec<Rejected>> {
        let mut rejected = Vec::new();
        let started = std::time::Instant::now();
        let mut delay = self.policy.base_delay;
        while !actions.is_empty() {
            let mut body = String::new();
            for (_, action, doc) in &actions {
                body.push_str(&action.to_string());
                body.push('\n');
                if let Some(doc) = doc {
                    body.push_str(&doc.to_string());
                    body.push('\n');
                }
            }
            let response = self
                .send_ok(
                    reqwest::Method::POST,
                    "_bulk",
                    Some((body, "application/x-ndjson")),
                )
                .await?;
            let items = response["items"].as_array().cloned().unwrap_or_default();
            if items.len() != actions.len() {
                return Err(SearchError::Refused {
                    location: self.url.clone(),
                    message: format!(
                        "_bulk answered {} items for {} actions",
                        items.len(),
                        actions.len()
                    ),
                });
            }
            let mut again = Vec::new();
            for (item, action) in items.iter().zip(actions) {
                let result = item
                    .as_object()
                    .and_then(|o| o.values().next())
                    .cloned()
                    .unwrap_or_default();
                let status = result["status"].as_u64().unwrap_or(0);
                match status {
                    200..=299 => {}
                    404 if action.2.is_none() => {}
                    429 => again.push(action),
                    _ => rejected.push(Rejected {
                        id: action.0,
                        reason: format!(
                            "HTTP {status}: {}",
                            result["error"]["reason"].as_str().unwrap_or("refused")
                        ),
                    }),
                }
            }
            if !again.is_empty() {
                if started.elapsed() > self.policy.deadline {
                    rejected.extend(again.into_iter().map(|a| Rejected {
                        id: a.0,
                        reason: "HTTP 429: the cluster stayed too busy".into(),
                    }));
                    break;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(self.policy.max_delay);
            }
            actions = again;
        }
        Ok(rejected)
    }

    fn body(&self, search: &Search, size: usize, from: usize, after: Option<&Value>) -> Value {
        let mut sort: Vec<Value> = search
            .sort
            .iter()
            .map(|s| {
                json!({ raw_name(s.field): {
                    "order": if s.descending { "desc" } else { "asc" },
                    "missing": "_last",
                }})
            })
            .collect();
        sort.push(json!({"uuid": {"order": "asc"}}));
        let mut body = json!({
            "query": query(search),
            "size": size,
            "sort": sort,
            "track_total_hits": true,
        });
        match after {
            Some(after) => body["search_after"] = after.clone(),
            None => body["from"] = json!(from),
        }
        if !search.aggs.is_empty() {
            body["aggs"] = aggs_json(&search.aggs, search.facets_size);
        }
        body
    }

    async fn search_once(
        &self,
        search: &Search,
        size: usize,
        from: usize,
        after: Option<&Value>,
    ) -> Result<Value> {
        let mut names: Vec<String> = Vec::new();
        let mut day = search.from.date_naive() - chrono::Duration::days(1);
        while day <= search.to.date_naive() + chrono::Duration::days(1) {
            let name = self.index_name(day);
            if !names.contains(&name) {
                names.push(name);
            }
            day += chrono::Duration::days(1);
        }
        let path = format!(
            "{}/_search?ignore_unavailable=true&allow_no_indices=true",
            names.join(",")
        );
        let mut body = self.body(search, size, from, after);
        if let Some(limit) = search.time_limit {
            // The engine stops collecting at the limit and says so.
            body["timeout"] = json!(format!("{}ms", limit.as_millis().max(1)));
        }
        let (status, value) = self
            .send(
                reqwest::Method::POST,
                &path,
                Some((body.to_string(), "application/json")),
            )
            .await?;
        if status == 400 {
            return Err(SearchError::BadArgument(super::BadArgument {
                param: "query".into(),
                message: format!(
                    "the search engine refused it: {}",
                    brief(&value.to_string())
                ),
            }));
        }
        if status == 404 {
            return Ok(json!({"hits": {"hits": [], "total": {"value": 0}}}));
        }
        if !(200..300).contains(&status) {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!("search: HTTP {status}: {}", brief(&value.to_string())),
            });
        }
        if let (Some(limit), Some(true)) = (search.time_limit, value["timed_out"].as_bool()) {
            // Partial counts would be wrong counts: give up, as the embedded index does.
            return Err(SearchError::TimedOut {
                location: self.url.clone(),
                limit_secs: limit.as_secs(),
            });
        }
        Ok(value)
    }
}

fn brief(text: &str) -> String {
    let mut t: String = text.chars().take(300).collect();
    if t.len() < text.len() {
        t.push('…');
    }
    t
}

/// The keyword (not analysed) field of `field`.
fn raw_name(field: &Field) -> String {
    match field.kind {
        FieldKind::Text => format!("{}.full", field.name),
        _ => field.name.to_owned(),
    }
}

fn query(search: &Search) -> Value {
    let clauses: Vec<Value> = search
        .filters
        .iter()
        .map(|f| {
            let mut must: Vec<Value> = f.ranges.iter().map(|c| condition(f.field, c)).collect();
            if !f.any.is_empty() {
                let any: Vec<Value> = f.any.iter().map(|c| condition(f.field, c)).collect();
                must.push(json!({"bool": {"should": any, "minimum_should_match": 1}}));
            }
            json!({"bool": {"filter": must}})
        })
        .collect();
    json!({"bool": {"filter": clauses}})
}

fn scalar_json(s: &Scalar) -> Value {
    match s {
        Scalar::Int(i) => json!(i),
        Scalar::Float(f) => json!(f),
        Scalar::Date(d) => json!(fields::format_date(d)),
    }
}

fn condition(field: &Field, cond: &Cond) -> Value {
    let raw = raw_name(field);
    let lower = format!("{}.lower", field.name);
    let q = match &cond.op {
        Op::Match(v) if field.kind == FieldKind::Text => json!({"match": {field.name: v}}),
        Op::Match(v) => json!({"term": {lower: v.to_lowercase()}}),
        Op::PrefixIgnoringCase(v) => json!({"prefix": {lower: v.to_lowercase()}}),
        Op::Exact(v) => json!({"term": {raw: v}}),
        Op::Contains(v) => {
            json!({"wildcard": {raw: {"value": format!("*{}*", super::lucene::escape_wildcard(v))}}})
        }
        Op::StartsWith(v) => {
            json!({"wildcard": {raw: {"value": format!("{}*", super::lucene::escape_wildcard(v))}}})
        }
        Op::EndsWith(v) => {
            json!({"wildcard": {raw: {"value": format!("*{}", super::lucene::escape_wildcard(v))}}})
        }
        Op::Regex(v) => json!({"regexp": {raw: {"value": v, "flags": "ALL"}}}),
        Op::Equal(s) => json!({"term": {field.name: scalar_json(s)}}),
        Op::Range(cmp, s) => {
            let op = match cmp {
                Cmp::Gt => "gt",
                Cmp::Ge => "gte",
                Cmp::Lt => "lt",
                Cmp::Le => "lte",
            };
            json!({"range": {field.name: {op: scalar_json(s)}}})
        }
        Op::Null => json!({"bool": {"must_not": [{"exists": {"field": raw}}]}}),
        Op::True => json!({"term": {field.name: true}}),
    };
    if cond.negate {
        json!({"bool": {"must_not": [q]}})
    } else {
        q
    }
}

fn aggs_json(aggs: &[Agg], size: usize) -> Value {
    let mut out = Map::new();
    for agg in aggs {
        let mut body = match agg {
            Agg::Terms { field, .. } => json!({"terms": {
                "field": raw_name(field),
                "size": size,
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }}),
            Agg::Histogram {
                field, interval, ..
            } => match interval {
                Interval::Time { .. } => {
                    let (fixed, offset) = interval.es_time().expect("a time interval");
                    json!({"date_histogram": {
                        "field": field.name, "fixed_interval": fixed, "offset": offset, "min_doc_count": 0,
                    }})
                }
                Interval::Number(n) => json!({"histogram": {
                    "field": field.name, "interval": n, "min_doc_count": 0,
                }}),
            },
            Agg::Cardinality { field } => json!({"cardinality": {
                "field": raw_name(field), "precision_threshold": 40000,
            }}),
        };
        if !agg.subs().is_empty() {
            body["aggs"] = aggs_json(agg.subs(), size);
        }
        out.insert(agg.name(), body);
    }
    Value::Object(out)
}

/// Reads an aggregation answer back into a tally, so results are finished
/// by the same code as the embedded index's.
fn tally_of(agg: &Agg, value: &Value) -> Tally {
    match agg {
        Agg::Cardinality { .. } => Tally::Count(value["value"].as_u64().unwrap_or(0)),
        Agg::Terms { field, subs } | Agg::Histogram { field, subs, .. } => {
            let histogram = matches!(agg, Agg::Histogram { .. });
            let mut buckets = super::result::KeyMap::default();
            for bucket in value["buckets"].as_array().into_iter().flatten() {
                let key = &bucket["key"];
                let key = match (field.kind, histogram) {
                    (FieldKind::Date, _) => Key::Date(key.as_i64().unwrap_or(0) * 1000),
                    (_, true) => Key::Float(key.as_f64().unwrap_or(0.0)),
                    (FieldKind::Integer, false) => Key::Int(key.as_i64().unwrap_or(0)),
                    (FieldKind::Float, false) => Key::Float(key.as_f64().unwrap_or(0.0)),
                    (FieldKind::Bool, false) => Key::Bool(
                        bucket["key_as_string"].as_str() == Some("true") || key.as_i64() == Some(1),
                    ),
                    _ => Key::Str(key.as_str().map_or_else(|| key.to_string(), str::to_owned)),
                };
                let count = bucket["doc_count"].as_u64().unwrap_or(0);
                let sub_tallies = subs
                    .iter()
                    .map(|s| tally_of(s, &bucket[s.name()]))
                    .collect();
                buckets.insert(key, (count, sub_tallies));
            }
            Tally::Buckets(buckets)
        }
    }
}

/// The last day of an index named `<prefix>YYYYWW`.
fn last_day_of(prefix: &str, name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix(prefix)?;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = digits[..4].parse().ok()?;
    let week: i64 = digits[4..].parse().ok()?;
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let first_monday =
        jan1 + chrono::Duration::days((7 - i64::from(jan1.weekday().num_days_from_monday())) % 7);
    Some(if week == 0 {
        first_monday - chrono::Duration::days(1)
    } else {
        first_monday + chrono::Duration::days(7 * week - 1)
    })
}

#[async_trait]
impl SearchIndex for Elastic {
    async fn upsert(&self, docs: Vec<Document>) -> Result<Vec<Rejected>> {
        self.ensure_template().await?;
        self.sightings.add(&docs);
        let mut rejected = Vec::new();
        let mut actions = Vec::new();
        for doc in docs {
            let Some(day) = doc.id.date() else {
                rejected.push(Rejected {
                    id: doc.id.clone(),
                    reason: "the crash id's date is not a real date".into(),
                });
                continue;
            };
            let action = json!({"index": {"_index": self.index_name(day), "_id": doc.id.as_str()}});
            actions.push((doc.id.clone(), action, Some(Value::Object(doc.to_json()))));
        }
        for chunk in actions.chunks(self.bulk_docs) {
            rejected.extend(self.bulk(chunk.to_vec()).await?);
        }
        Ok(rejected)
    }

    async fn commit(&self) -> Result<()> {
        self.send_ok(
            reqwest::Method::POST,
            &format!(
                "{}*/_refresh?allow_no_indices=true&ignore_unavailable=true",
                self.prefix
            ),
            None,
        )
        .await?;
        super::facts::Facts::see(self, self.sightings.take()).await
    }

    async fn delete(&self, ids: &[CrashId]) -> Result<()> {
        let actions: Vec<_> = ids
            .iter()
            .filter_map(|id| {
                let day = id.date()?;
                Some((
                    id.clone(),
                    json!({"delete": {"_index": self.index_name(day), "_id": id.as_str()}}),
                    None,
                ))
            })
            .collect();
        for chunk in actions.chunks(self.bulk_docs) {
            let refused = self.bulk(chunk.to_vec()).await?;
            // Deleting from an index that does not exist is not an error.
            if let Some(r) = refused.iter().find(|r| {
                !r.reason.contains("index_not_found") && !r.reason.contains("no such index")
            }) {
                return Err(SearchError::Refused {
                    location: self.url.clone(),
                    message: format!("deleting {}: {}", r.id, r.reason),
                });
            }
        }
        self.commit().await
    }

    async fn search(&self, search: &Search, cursor: Option<&Value>) -> Result<Page> {
        let size = search.size;
        let mut after = cursor.cloned();
        let mut offset = if after.is_some() { 0 } else { search.offset };
        // Past Elasticsearch's result window, walk there with search_after.
        if after.is_none() && offset + size > MAX_WINDOW {
            let mut walk = search.clone();
            walk.aggs.clear();
            while offset > 0 {
                let step = offset.min(1000);
                let value = self.search_once(&walk, step, 0, after.as_ref()).await?;
                let hits = value["hits"]["hits"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                match hits.last() {
                    Some(last) => after = Some(last["sort"].clone()),
                    None => break,
                }
                offset -= hits.len().min(step);
                if hits.len() < step {
                    offset = 0;
                    after = None;
                    break;
                }
            }
            if after.is_none() && search.offset > 0 {
                // Fewer hits than the offset: an empty page (with the real total and facets).
                let mut empty = search.clone();
                empty.size = 0;
                let value = self.search_once(&empty, 0, 0, None).await?;
                return page_of(search, &value, 0);
            }
        }
        let value = self
            .search_once(search, size, offset, after.as_ref())
            .await?;
        page_of(search, &value, size)
    }

    async fn schema_version(&self) -> Result<Option<u32>> {
        self.read_version().await
    }

    async fn partitions(&self) -> Result<Vec<String>> {
        let value = self
            .send_ok(
                reqwest::Method::GET,
                &format!("_cat/indices/{}*?format=json&h=index", self.prefix),
                None,
            )
            .await?;
        let mut names: Vec<String> = value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| i["index"].as_str())
            .filter(|n| last_day_of(&self.prefix, n).is_some())
            .map(str::to_owned)
            .collect();
        names.sort();
        Ok(names)
    }

    async fn prune(&self, before: NaiveDate) -> Result<Vec<String>> {
        let mut dropped = Vec::new();
        for name in self.partitions().await? {
            if last_day_of(&self.prefix, &name).is_some_and(|last| last < before) {
                self.send_ok(reqwest::Method::DELETE, &name, None).await?;
                dropped.push(name);
            }
        }
        Ok(dropped)
    }

    async fn clear(&self) -> Result<()> {
        for name in self.partitions().await? {
            self.send_ok(reqwest::Method::DELETE, &name, None).await?;
        }
        let (status, _) = self
            .send(
                reqwest::Method::DELETE,
                &format!("_index_template/{}", self.prefix),
                None,
            )
            .await?;
        if !(200..300).contains(&status) && status != 404 {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!("deleting the index template: HTTP {status}"),
            });
        }
        self.put_template().await
    }

    fn location(&self) -> String {
        self.url.clone()
    }

    fn facts(&self) -> &dyn super::facts::Facts {
        self
    }
}

fn page_of(search: &Search, value: &Value, size: usize) -> Result<Page> {
    let hits_json = value["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let total = value["hits"]["total"]["value"]
        .as_u64()
        .or_else(|| value["hits"]["total"].as_u64())
        .unwrap_or(0);
    let cursor = if size > 0 && hits_json.len() == size {
        hits_json.last().map(|h| h["sort"].clone())
    } else {
        None
    };
    let hits = hits_json
        .iter()
        .filter_map(|h| h["_source"].as_object().cloned())
        .collect();
    let aggregations = &value["aggregations"];
    let tallies = search
        .aggs
        .iter()
        .map(|a| tally_of(a, &aggregations[a.name()]))
        .collect();
    Ok(Page {
        hits,
        total,
        facets: result::finish(&search.aggs, tallies, search.facets_size)?,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_follow_socorros_weeks() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(d("2026-11-30").format("%Y%W").to_string(), "202648");
        assert_eq!(
            last_day_of("crashkit", "crashkit202648"),
            Some(d("2026-12-06"))
        );
        assert_eq!(
            last_day_of("crashkit", "crashkit202600"),
            Some(d("2026-01-04"))
        );
        assert_eq!(d("2026-01-04").format("%Y%W").to_string(), "202600");
        assert_eq!(last_day_of("crashkit", "crashkit-x"), None);
    }
}
