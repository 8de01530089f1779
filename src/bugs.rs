//! Bug associations from Bugzilla: Socorro's hourly `bugassociations` job.
//! Bugs whose `cf_crash_signature` changed since the last run are read
//! from Bugzilla's REST API (`GET <base>/bug`, paged with `limit` and
//! `offset`, each page retried on timeouts, 429 and 5xx); each bug's
//! signatures (`[@ sig1] [@ sig2]`) replace what the index had for it. The
//! run's start is recorded beside the index, so the next run asks only for
//! what changed since (with an hour of overlap for clocks that differ).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::retry::{self, Verdict};
use crate::search::facts::{BugAssociation, Facts};
use crate::search::SearchError;

/// Where the last run's start is kept (see [`Facts::state`]).
pub const LAST_RUN_KEY: &str = "bugs.import.last_run";

/// Bugs asked for per page.
pub const PAGE_SIZE: usize = 500;

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Bugzilla failed for longer than the retries last, or refused.
    #[error("Bugzilla {url}: {message}")]
    Bugzilla { url: String, message: String },
    #[error(transparent)]
    Index(#[from] SearchError),
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub bugs: usize,
    pub added: usize,
    pub removed: usize,
}

/// The signatures of a `cf_crash_signature` value: each `[@ …]`, the text
/// up to the part's last `]`, trimmed (so signatures holding brackets
/// survive); parts without a closing bracket are skipped.
pub fn signatures_of(field: &str) -> BTreeSet<String> {
    field
        .split("[@")
        .skip(1)
        .filter_map(|part| part.rfind(']').map(|end| part[..end].trim()))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A Bugzilla REST client for the one query the import needs.
pub struct Bugzilla {
    base: String,
    client: reqwest::Client,
    api_key: Option<String>,
    policy: retry::Policy,
}

impl Bugzilla {
    /// `base` is the REST root (`https://bugzilla.mozilla.org/rest`);
    /// `api_key` goes in `X-BUGZILLA-API-KEY`.
    pub fn new(base: &str, api_key: Option<String>, timeout: Duration) -> Bugzilla {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("a client without custom TLS settings builds");
        Bugzilla {
            base: base.trim_end_matches('/').to_owned(),
            client,
            api_key,
            policy: retry::Policy::with_deadline(timeout),
        }
    }

    fn failed(&self, message: String) -> ImportError {
        ImportError::Bugzilla {
            url: self.base.clone(),
            message,
        }
    }

    /// One page of bugs whose signatures changed since `since`: `(id,
    /// cf_crash_signature)` pairs.
    async fn page(&self, since: &str, offset: usize) -> Result<Vec<(u64, String)>, ImportError> {
        let url = format!("{}/bug", self.base);
        let query = [
            ("chfield", "cf_crash_signature".to_owned()),
            ("chfieldfrom", since.to_owned()),
            ("chfieldto", "Now".to_owned()),
            ("include_fields", "id,cf_crash_signature".to_owned()),
            ("order", "bug_id".to_owned()),
            ("limit", PAGE_SIZE.to_string()),
            ("offset", offset.to_string()),
        ];
        let body: Value = retry::run(self.policy, || {
            let mut request = self.client.get(&url).query(&query);
            if let Some(key) = &self.api_key {
                request = request.header("X-BUGZILLA-API-KEY", key);
            }
            async move {
                let response = request
                    .send()
                    .await
                    .map_err(|e| Verdict::Retry(self.failed(e.to_string()), None))?;
                let status = response.status().as_u16();
                let wait = retry::retry_after(response.headers());
                let text = response
                    .text()
                    .await
                    .map_err(|e| Verdict::Retry(self.failed(e.to_string()), None))?;
                let failure = || self.failed(format!("HTTP {status}: {}", text.trim()));
                match status {
                    200..=299 => serde_json::from_str(&text)
                        .map_err(|e| Verdict::Fail(self.failed(format!("not JSON: {e}")))),
                    429 | 500..=599 => Err(Verdict::Retry(failure(), wait)),
                    _ => Err(Verdict::Fail(failure())),
                }
            }
        })
        .await?;
        let Some(bugs) = body["bugs"].as_array() else {
            return Err(self.failed("the answer has no \"bugs\" list".into()));
        };
        Ok(bugs
            .iter()
            .filter_map(|b| {
                let id = b["id"].as_u64()?;
                let field = b["cf_crash_signature"].as_str().unwrap_or_default();
                Some((id, field.to_owned()))
            })
            .collect())
    }
}

/// Imports the bugs changed since `since` (default: the last run, an hour
/// earlier; everything the first time) into `facts`.
pub async fn import(
    bugzilla: &Bugzilla,
    facts: &dyn Facts,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Imported, ImportError> {
    let since = match since {
        Some(since) => since,
        None => match facts.state(LAST_RUN_KEY).await? {
            Some(last) => DateTime::parse_from_rfc3339(&last)
                .map(|d| d.with_timezone(&Utc) - chrono::Duration::hours(1))
                .unwrap_or(DateTime::UNIX_EPOCH),
            None => DateTime::UNIX_EPOCH,
        },
    };
    let since_text = since.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut done = Imported::default();
    let mut offset = 0;
    loop {
        let page = bugzilla.page(&since_text, offset).await?;
        let count = page.len();
        for (bug_id, field) in page {
            let wanted = signatures_of(&field);
            let have: BTreeSet<String> = facts
                .signatures_of_bugs(&[bug_id])
                .await?
                .into_iter()
                .map(|a| a.signature)
                .collect();
            let pair = |signature: &String| BugAssociation {
                bug_id,
                signature: signature.clone(),
            };
            let add: Vec<BugAssociation> = wanted.difference(&have).map(pair).collect();
            let remove: Vec<BugAssociation> = have.difference(&wanted).map(pair).collect();
            if !add.is_empty() || !remove.is_empty() {
                facts.change_bugs(&add, &remove).await?;
            }
            done.bugs += 1;
            done.added += add.len();
            done.removed += remove.len();
        }
        if count < PAGE_SIZE {
            break;
        }
        offset += count;
    }
    facts
        .set_state(
            LAST_RUN_KEY,
            &now.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
        .await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_come_from_each_bracket_and_keep_inner_brackets() {
        let got = signatures_of(
            "[@ OOM | small]\r\n [@ js::foo<T>[0]::bar ]  [@ nothing closed\n[@]  junk [@ shutdownhang | x ]",
        );
        let want: BTreeSet<String> = ["OOM | small", "js::foo<T>[0]::bar", "shutdownhang | x"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(got, want);
        assert!(signatures_of("").is_empty());
        assert!(signatures_of("no brackets").is_empty());
    }
}
