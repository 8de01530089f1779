//! The signatures' facts on Elasticsearch/OpenSearch: two indices of their
//! own, outside the crash indices' name pattern (`<prefix>*`, which the
//! index template and `--rebuild` own): `bugs-<prefix>` (one document per
//! bug association, id `<bug>-<signature hash>`, plus the jobs' state
//! documents) and `firstseen-<prefix>` (one document per signature, id the
//! signature's hash). A sighting is merged by reading the documents (`_mget`,
//! real time) and writing back those that moved earlier; two writers at
//! once may each keep their own, the earlier one winning at the next crash.

use async_trait::async_trait;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Elastic;
use crate::search::facts::{BugAssociation, Facts, FirstSeen, MissingCrash, MAX_MISSING};
use crate::search::{fields, Result, SearchError};

/// Most associations one lookup returns (Elasticsearch's result window).
const MAX_ASSOCIATIONS: usize = 10_000;

fn hash(signature: &str) -> String {
    hex::encode(&Sha256::digest(signature.as_bytes())[..16])
}

fn bug_doc_id(a: &BugAssociation) -> String {
    format!("{}-{}", a.bug_id, hash(&a.signature))
}

impl Elastic {
    fn bugs_index(&self) -> String {
        format!("bugs-{}", self.prefix)
    }

    fn first_seen_index(&self) -> String {
        format!("firstseen-{}", self.prefix)
    }

    fn missing_index(&self) -> String {
        format!("missing-{}", self.prefix)
    }

    /// Creates `index` with `properties` unless it exists.
    async fn ensure_facts_index(&self, index: &str, properties: Value) -> Result<()> {
        let body = json!({"mappings": {"dynamic": "strict", "properties": properties}});
        let (status, value) = self
            .send(
                reqwest::Method::PUT,
                index,
                Some((body.to_string(), "application/json")),
            )
            .await?;
        let exists = value.to_string().contains("resource_already_exists");
        if (200..300).contains(&status) || exists {
            return Ok(());
        }
        Err(SearchError::Refused {
            location: self.url.clone(),
            message: format!("creating {index}: HTTP {status}: {value}"),
        })
    }

    async fn ensure_bugs_index(&self) -> Result<()> {
        self.ensure_facts_index(
            &self.bugs_index(),
            json!({
                "bug_id": {"type": "long"},
                "signature": {"type": "keyword"},
                "state_key": {"type": "keyword"},
                "state_value": {"type": "keyword", "index": false},
            }),
        )
        .await
    }

    /// Sends `_bulk` lines, refreshing so searches see them; any item
    /// refused is an error.
    async fn facts_bulk(&self, lines: Vec<Value>) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut body = String::new();
        for line in lines {
            body.push_str(&line.to_string());
            body.push('\n');
        }
        let answer = self
            .send_ok(
                reqwest::Method::POST,
                "_bulk?refresh=true",
                Some((body, "application/x-ndjson")),
            )
            .await?;
        if answer["errors"].as_bool() == Some(true) {
            let failed = answer["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i.as_object()?.values().next().cloned())
                .find(|r| r["status"].as_u64().is_some_and(|s| s >= 300 && s != 404));
            if let Some(failed) = failed {
                return Err(SearchError::Refused {
                    location: self.url.clone(),
                    message: format!("writing facts: {}", failed["error"]),
                });
            }
        }
        Ok(())
    }

    /// The `_source` of each hit of `body` in `index` (none when the
    /// index does not exist yet); `what` names the search in errors.
    async fn facts_search(&self, index: &str, body: Value, what: &str) -> Result<Vec<Value>> {
        let (status, value) = self
            .send(
                reqwest::Method::POST,
                &format!("{index}/_search"),
                Some((body.to_string(), "application/json")),
            )
            .await?;
        if status == 404 {
            return Ok(Vec::new());
        }
        if !(200..300).contains(&status) {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!("{what}: HTTP {status}: {value}"),
            });
        }
        Ok(value["hits"]["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["_source"].clone())
            .collect())
    }

    async fn search_bugs(&self, query: Value) -> Result<Vec<BugAssociation>> {
        let body = json!({"size": MAX_ASSOCIATIONS, "query": query});
        let sources = self
            .facts_search(&self.bugs_index(), body, "searching bug associations")
            .await?;
        let mut out: Vec<BugAssociation> = sources
            .iter()
            .filter_map(|source| {
                Some(BugAssociation {
                    bug_id: source["bug_id"].as_u64()?,
                    signature: source["signature"].as_str()?.to_owned(),
                })
            })
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// The documents of `ids` in `index` that exist (`_mget`).
    async fn get_many(&self, index: &str, ids: &[String]) -> Result<Vec<Value>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (status, value) = self
            .send(
                reqwest::Method::POST,
                &format!("{index}/_mget"),
                Some((json!({ "ids": ids }).to_string(), "application/json")),
            )
            .await?;
        if status == 404 {
            return Ok(Vec::new());
        }
        if !(200..300).contains(&status) {
            return Err(SearchError::Refused {
                location: self.url.clone(),
                message: format!("reading {index}: HTTP {status}: {value}"),
            });
        }
        Ok(value["docs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["found"].as_bool() == Some(true))
            .map(|d| d["_source"].clone())
            .collect())
    }
}

fn first_seen_of(source: &Value) -> Option<FirstSeen> {
    Some(FirstSeen {
        signature: source["signature"].as_str()?.to_owned(),
        first_date: fields::parse_date(source["first_date"].as_str()?)?,
        first_build: source["first_build"].as_i64()?,
    })
}

#[async_trait]
impl Facts for Elastic {
    async fn change_bugs(&self, add: &[BugAssociation], remove: &[BugAssociation]) -> Result<()> {
        self.ensure_bugs_index().await?;
        let index = self.bugs_index();
        let mut lines = Vec::new();
        for a in remove {
            lines.push(json!({"delete": {"_index": index, "_id": bug_doc_id(a)}}));
        }
        for a in add {
            lines.push(json!({"index": {"_index": index, "_id": bug_doc_id(a)}}));
            lines.push(json!({"bug_id": a.bug_id, "signature": a.signature}));
        }
        self.facts_bulk(lines).await
    }

    async fn bugs_of_signatures(&self, signatures: &[String]) -> Result<Vec<BugAssociation>> {
        if signatures.is_empty() {
            return Ok(Vec::new());
        }
        self.search_bugs(json!({"terms": {"signature": signatures}}))
            .await
    }

    async fn signatures_of_bugs(&self, bugs: &[u64]) -> Result<Vec<BugAssociation>> {
        if bugs.is_empty() {
            return Ok(Vec::new());
        }
        self.search_bugs(json!({"terms": {"bug_id": bugs}})).await
    }

    async fn see(&self, seen: Vec<FirstSeen>) -> Result<()> {
        if seen.is_empty() {
            return Ok(());
        }
        let index = self.first_seen_index();
        self.first_seen_ready
            .get_or_try_init(|| {
                self.ensure_facts_index(
                    &index,
                    json!({
                        "signature": {"type": "keyword"},
                        "first_date": {"type": "date"},
                        "first_build": {"type": "long"},
                    }),
                )
            })
            .await?;
        let ids: Vec<String> = seen.iter().map(|s| hash(&s.signature)).collect();
        let known: std::collections::HashMap<String, FirstSeen> = self
            .get_many(&index, &ids)
            .await?
            .iter()
            .filter_map(first_seen_of)
            .map(|s| (s.signature.clone(), s))
            .collect();
        let mut lines = Vec::new();
        for s in seen {
            let merged = match known.get(&s.signature) {
                Some(k) => {
                    let mut k = k.clone();
                    if !k.merge(&s) {
                        continue;
                    }
                    k
                }
                None => s,
            };
            lines.push(json!({"index": {"_index": index, "_id": hash(&merged.signature)}}));
            lines.push(json!({
                "signature": merged.signature,
                "first_date": fields::format_date(&merged.first_date),
                "first_build": merged.first_build,
            }));
        }
        self.facts_bulk(lines).await
    }

    async fn first_seen(&self, signatures: &[String]) -> Result<Vec<FirstSeen>> {
        let mut unique: Vec<&String> = signatures.iter().collect();
        unique.sort();
        unique.dedup();
        let ids: Vec<String> = unique.iter().map(|s| hash(s)).collect();
        let mut out: Vec<FirstSeen> = self
            .get_many(&self.first_seen_index(), &ids)
            .await?
            .iter()
            .filter_map(first_seen_of)
            .collect();
        out.sort_by(|a, b| a.signature.cmp(&b.signature));
        Ok(out)
    }

    async fn record_missing(
        &self,
        crash_ids: &[String],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let index = self.missing_index();
        self.ensure_facts_index(
            &index,
            json!({
                "crash_id": {"type": "keyword"},
                "is_processed": {"type": "boolean"},
                "created": {"type": "date"},
            }),
        )
        .await?;
        let known: std::collections::HashMap<String, MissingCrash> = self
            .get_many(&index, crash_ids)
            .await?
            .into_iter()
            .filter_map(|d| serde_json::from_value::<MissingCrash>(d).ok())
            .map(|r| (r.crash_id.clone(), r))
            .collect();
        let mut lines = Vec::new();
        for id in crash_ids {
            let created = known.get(id).map_or(now, |r| r.created);
            lines.push(json!({"index": {"_index": index, "_id": id}}));
            lines.push(json!({
                "crash_id": id,
                "is_processed": false,
                "created": fields::format_date(&created),
            }));
        }
        self.facts_bulk(lines).await
    }

    async fn mark_processed(&self, crash_ids: &[String]) -> Result<()> {
        let index = self.missing_index();
        let mut lines = Vec::new();
        for doc in self.get_many(&index, crash_ids).await? {
            let Ok(mut record) = serde_json::from_value::<MissingCrash>(doc) else {
                continue;
            };
            record.is_processed = true;
            lines.push(json!({"index": {"_index": index, "_id": record.crash_id}}));
            lines.push(json!({
                "crash_id": record.crash_id,
                "is_processed": true,
                "created": fields::format_date(&record.created),
            }));
        }
        self.facts_bulk(lines).await
    }

    async fn missing(&self) -> Result<Vec<MissingCrash>> {
        let body = json!({
            "size": MAX_MISSING,
            "query": {"match_all": {}},
            "sort": [{"created": "desc"}, {"crash_id": "desc"}],
        });
        let sources = self
            .facts_search(&self.missing_index(), body, "reading missing crashes")
            .await?;
        let mut out: Vec<MissingCrash> = sources
            .into_iter()
            .filter_map(|source| serde_json::from_value(source).ok())
            .collect();
        out.sort_by(|a, b| (a.created, &a.crash_id).cmp(&(b.created, &b.crash_id)));
        Ok(out)
    }

    async fn state(&self, key: &str) -> Result<Option<String>> {
        let docs = self
            .get_many(&self.bugs_index(), &[format!("state-{}", hash(key))])
            .await?;
        Ok(docs
            .first()
            .and_then(|d| d["state_value"].as_str())
            .map(str::to_owned))
    }

    async fn set_state(&self, key: &str, value: &str) -> Result<()> {
        self.ensure_bugs_index().await?;
        self.facts_bulk(vec![
            json!({"index": {"_index": self.bugs_index(), "_id": format!("state-{}", hash(key))}}),
            json!({"state_key": key, "state_value": value}),
        ])
        .await
    }
}
