//! The search index: Super Search over processed crashes.
//!
//! [`SearchIndex`] is the contract (bulk upsert by crash id, delete,
//! search with filters, sort, paging and aggregations, schema version,
//! weekly partitions and pruning). Two backends implement it and pass the
//! one conformance suite in `conformance.rs`: [`Embedded`] (Tantivy in a
//! directory, the default) and [`Elastic`] (Elasticsearch or OpenSearch
//! over HTTP). Queries are parsed once ([`query::Search`]) and mean the
//! same on both; results are finished by the same code ([`result`]).
//!
//! Partitions are weeks (Monday to Sunday) of the crash id's date, so
//! pruning drops whole weeks. A search reads the weeks its date range
//! touches, one day wider on each side.

mod elastic;
mod embedded;
pub mod emerging;
pub mod facts;
pub mod fields;
pub mod lucene;
pub mod query;
pub mod result;
pub mod topcrashers;

#[cfg(test)]
mod conformance;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::config::IndexSettings;
use crate::crash_id::CrashId;

pub use elastic::Elastic;
pub use embedded::Embedded;
pub use fields::Document;
pub use query::{BadArgument, Search};
pub use result::Page;

/// Version of the search document's shape. An index records it; a
/// writer refuses to add documents to an index of another version. 2 is
/// Socorro's whole Super Search field list; 1 was 32 of its fields.
pub const SCHEMA_VERSION: u32 = 2;

/// A search-index failure, classified so callers can branch on it.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search itself is wrong (a parameter, a regex); exit status 2.
    #[error(transparent)]
    BadArgument(#[from] BadArgument),
    /// The index URL cannot be used.
    #[error("index {url:?}: {message}")]
    InvalidUrl { url: String, message: String },
    /// Another process is writing to the embedded index.
    #[error("{location}: another crashkit is writing to this index (lock {lock}); wait for it or stop it")]
    Locked { location: String, lock: String },
    /// The index holds documents of another schema version.
    #[error("{location}: the index has schema version {found}, this crashkit writes version {expected}: run `crashkit index --rebuild` to rebuild it from storage")]
    SchemaMismatch {
        location: String,
        found: u32,
        expected: u32,
    },
    /// The embedded index was written in another on-disk layout.
    #[error("{location}: the embedded index has layout {found}, this crashkit writes layout {expected}: run `crashkit index --rebuild` to rebuild it from storage")]
    LayoutMismatch {
        location: String,
        found: u32,
        expected: u32,
    },
    /// The search engine failed for a while (timeouts, 429, 5xx) and the
    /// retries ran out.
    #[error("{location}: {message}")]
    Unavailable { location: String, message: String },
    /// The search ran past its time limit and was given up.
    #[error("{location}: the search took longer than its time limit of {limit_secs} s; narrow its dates or filters")]
    TimedOut { location: String, limit_secs: u64 },
    /// The search engine refused the request.
    #[error("{location}: {message}")]
    Refused { location: String, message: String },
    /// A local file or index operation failed.
    #[error("{location}: {message}")]
    Local { location: String, message: String },
}

impl SearchError {
    /// Whether the error is the user's (bad parameters or URL): exit status 2.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SearchError::BadArgument(_)
                | SearchError::InvalidUrl { .. }
                | SearchError::SchemaMismatch { .. }
                | SearchError::LayoutMismatch { .. }
                | SearchError::Locked { .. }
        )
    }
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// One document that could not be indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: CrashId,
    pub reason: String,
}

/// Whether an index is opened to read only or to write too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
    /// Write, whatever schema version the index has (to clear it next).
    Rebuild,
}

/// A search index.
#[async_trait]
pub trait SearchIndex: Send + Sync + std::fmt::Debug {
    /// Adds or replaces (by crash id) `docs`; returns those refused, each
    /// with why. Visible to searches after [`SearchIndex::commit`].
    async fn upsert(&self, docs: Vec<Document>) -> Result<Vec<Rejected>>;
    /// Makes everything upserted so far durable and visible to readers.
    async fn commit(&self) -> Result<()>;
    /// Removes the documents of `ids` (missing ones are not an error).
    async fn delete(&self, ids: &[CrashId]) -> Result<()>;
    /// Runs `search`; `cursor` is a previous page's [`Page::cursor`], which
    /// continues after that page (and ignores `search.offset`).
    async fn search(&self, search: &Search, cursor: Option<&serde_json::Value>) -> Result<Page>;
    /// The schema version the index records (`None`: an empty index).
    async fn schema_version(&self) -> Result<Option<u32>>;
    /// The names of the weekly partitions, oldest first.
    async fn partitions(&self) -> Result<Vec<String>>;
    /// Drops the partitions of weeks that ended before `before`; returns their names.
    async fn prune(&self, before: NaiveDate) -> Result<Vec<String>>;
    /// Drops every partition and the recorded schema version.
    async fn clear(&self) -> Result<()>;
    /// Where the index is, for messages.
    fn location(&self) -> String;
    /// The signatures' facts kept beside the crashes (bug associations,
    /// first sightings, which upserted crashes update on commit).
    fn facts(&self) -> &dyn facts::Facts;
}

/// Opens the index at `url`, with the other settings of `settings`.
pub fn open_url(settings: &IndexSettings, url: &str, mode: Mode) -> Result<Arc<dyn SearchIndex>> {
    let mut settings = settings.clone();
    settings.url = url.to_owned();
    open(&settings, mode)
}

/// Opens the index that `settings.url` names.
pub fn open(settings: &IndexSettings, mode: Mode) -> Result<Arc<dyn SearchIndex>> {
    let url = settings.url.trim();
    for scheme in ["es+", "elasticsearch+", "opensearch+"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            return Ok(Arc::new(Elastic::open(url, rest, settings)?));
        }
    }
    let path = match url.strip_prefix("file://") {
        Some(path) if path.starts_with('/') => path,
        Some(_) => {
            return Err(SearchError::InvalidUrl {
                url: url.into(),
                message: "file:// URLs need an absolute path (file:///var/crashindex)".into(),
            })
        }
        None if url.contains("://") => {
            return Err(SearchError::InvalidUrl {
                url: url.into(),
                message: "unsupported scheme: use a directory path, es+http://host:9200 or opensearch+https://host:9200".into(),
            })
        }
        None if url.is_empty() => {
            return Err(SearchError::InvalidUrl {
                url: url.into(),
                message: "empty index location".into(),
            })
        }
        None => url,
    };
    Ok(Arc::new(Embedded::open(path, settings, mode)?))
}

/// The Monday that starts the week of `day`.
pub fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The Mondays of the weeks a search from `from` to `to` reads (one day
/// wider on each side, for crashes whose id date and processing date differ).
pub fn weeks_between(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let first = week_start(from.date_naive() - Duration::days(1));
    let last = week_start(to.date_naive() + Duration::days(1));
    let mut weeks = Vec::new();
    let mut week = first;
    while week <= last {
        weeks.push(week);
        week += Duration::days(7);
    }
    weeks
}

/// Every page of `search` from `index` (pages of `search.size`), `limit`
/// hits at most (`None`: all), calling `each` with each page's hits. Returns the first page (for
/// its total and facets) and how many hits were seen.
pub async fn search_all(
    index: &dyn SearchIndex,
    search: &Search,
    limit: Option<usize>,
    mut each: impl FnMut(&Page) -> std::io::Result<()>,
) -> Result<(Page, usize)> {
    let mut page_search = search.clone();
    let mut seen = 0usize;
    let mut cursor: Option<serde_json::Value> = None;
    let mut first: Option<Page> = None;
    let page_size = search.size.clamp(1, query::MAX_RESULTS_NUMBER);
    loop {
        let want = limit.map_or(page_size, |l| (l - seen).min(page_size));
        page_search.size = want;
        let mut page = index.search(&page_search, cursor.as_ref()).await?;
        page.hits.truncate(want);
        seen += page.hits.len();
        each(&page).map_err(|e| SearchError::Local {
            location: "output".into(),
            message: e.to_string(),
        })?;
        cursor = page.cursor.take();
        if first.is_none() {
            // Later pages need no aggregations.
            page_search.aggs.clear();
            first = Some(page);
        }
        if cursor.is_none() || want == 0 || limit.is_some_and(|l| seen >= l) {
            break;
        }
    }
    Ok((first.expect("at least one page"), seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday_and_widen_by_a_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(week_start(d("2026-11-29")), d("2026-11-23"));
        assert_eq!(week_start(d("2026-11-30")), d("2026-11-30"));
        let at = |s: &str| fields::parse_date(s).unwrap();
        let weeks = weeks_between(at("2026-11-23"), at("2026-11-29T12:00:00Z"));
        assert_eq!(weeks, [d("2026-11-16"), d("2026-11-23"), d("2026-11-30")]);
    }
}
