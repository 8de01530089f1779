//! Socorro's `verifyprocessed` and `updatemissing` jobs: the raw crashes
//! of a day that have no processed crash, or no search document, are
//! recorded beside the index (what `/api/MissingProcessedCrash/` lists) for
//! the caller to send to processing; crashes recorded earlier that have
//! both since are marked processed.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use futures::{StreamExt, TryStreamExt};

use crate::crash_id::CrashId;
use crate::search::{Search, SearchError, SearchIndex};
use crate::storage::{CrashStorage, StorageError};

/// Storage lookups in flight at once.
const CONCURRENCY: usize = 16;
/// Crash ids per index lookup.
const BATCH: usize = 100;

/// Why a sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Index(#[from] SearchError),
}

/// What a sweep found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Raw crashes of the day.
    pub checked: usize,
    /// Without a processed crash.
    pub unprocessed: usize,
    /// Processed, but not in the index.
    pub unindexed: usize,
    /// Both kinds, in crash id order: what needs processing.
    pub missing: Vec<CrashId>,
    /// Recorded missing before, processed and indexed now.
    pub resolved: usize,
}

/// Sweeps the raw crashes of `day`.
pub async fn verify(
    storage: &CrashStorage,
    index: &dyn SearchIndex,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Report, VerifyError> {
    let ids = storage.list_day(day).await?;
    let processed: Vec<(CrashId, bool)> = futures::stream::iter(ids.iter().cloned())
        .map(|id| async move {
            let has = storage.has_processed_crash(&id).await?;
            Ok::<_, StorageError>((id, has))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await?;
    let done: Vec<CrashId> = processed
        .iter()
        .filter(|(_, has)| *has)
        .map(|(id, _)| id.clone())
        .collect();
    let found = indexed(index, &done).await?;
    let mut report = Report {
        checked: ids.len(),
        ..Report::default()
    };
    for (id, has) in processed {
        if !has {
            report.unprocessed += 1;
            report.missing.push(id);
        } else if !found.contains(id.as_str()) {
            report.unindexed += 1;
            report.missing.push(id);
        }
    }
    let facts = index.facts();
    let missing: Vec<String> = report.missing.iter().map(|id| id.to_string()).collect();
    if !missing.is_empty() {
        facts.record_missing(&missing, now).await?;
    }
    report.resolved = resolve(storage, index).await?;
    Ok(report)
}

/// Marks the recorded crashes that have been processed and indexed since;
/// returns how many.
async fn resolve(storage: &CrashStorage, index: &dyn SearchIndex) -> Result<usize, VerifyError> {
    let open: Vec<CrashId> = index
        .facts()
        .missing()
        .await?
        .into_iter()
        .filter(|r| !r.is_processed)
        .filter_map(|r| CrashId::parse(&r.crash_id).ok())
        .collect();
    let processed: Vec<CrashId> = futures::stream::iter(open)
        .map(|id| async move {
            let has = storage.has_processed_crash(&id).await?;
            Ok::<_, StorageError>(has.then_some(id))
        })
        .buffered(CONCURRENCY)
        .try_filter_map(|id| async move { Ok(id) })
        .try_collect()
        .await?;
    let found = indexed(index, &processed).await?;
    let resolved: Vec<String> = processed
        .iter()
        .filter(|id| found.contains(id.as_str()))
        .map(|id| id.to_string())
        .collect();
    if !resolved.is_empty() {
        index.facts().mark_processed(&resolved).await?;
    }
    Ok(resolved.len())
}

/// Which of `ids` have a search document.
async fn indexed(index: &dyn SearchIndex, ids: &[CrashId]) -> Result<HashSet<String>, VerifyError> {
    let mut found = HashSet::new();
    for batch in ids.chunks(BATCH) {
        // A crash is processed around its id's day; a year covers
        // reprocessing late, within Super Search's longest range.
        let earliest = batch.iter().filter_map(CrashId::date).min();
        let Some(earliest) = earliest else { continue };
        let from = earliest - Days::new(1);
        let to = from + Days::new(365);
        let mut params: Vec<(String, String)> = batch
            .iter()
            .map(|id| ("uuid".to_owned(), id.to_string()))
            .collect();
        for (k, v) in [
            ("_columns", "uuid".to_owned()),
            ("_facets", String::new()),
            ("_results_number", BATCH.to_string()),
            (
                "date",
                format!(">={}", from.and_time(NaiveTime::MIN).and_utc().to_rfc3339()),
            ),
            (
                "date",
                format!("<{}", to.and_time(NaiveTime::MIN).and_utc().to_rfc3339()),
            ),
        ] {
            params.push((k.to_owned(), v));
        }
        let search = Search::parse(&params, Utc::now()).map_err(SearchError::BadArgument)?;
        let page = index.search(&search, None).await?;
        let answer = page.to_super_search(&search);
        for hit in answer["hits"].as_array().into_iter().flatten() {
            if let Some(uuid) = hit["uuid"].as_str() {
                found.insert(uuid.to_owned());
            }
        }
    }
    Ok(found)
}
