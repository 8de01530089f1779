//! Top crashers: the signatures with the most crashes of a product over a
//! period, as Crash Stats' Top Crashers page reports them: count, share of
//! all crashes, counts per platform, share of startup crashes (uptime under
//! 60 seconds) and the change of rank against the period before, of the
//! same length (`new` when the signature was not ranked then).
//!
//! Three searches: the period with a signature facet and a platform
//! sub-facet, its startup crashes, and the previous period.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::fields::format_date;
use super::query::{Search, MAX_FACETS_SIZE};
use super::result::{Facet, Facets, Key};
use super::{Result, SearchIndex};

/// What to rank.
#[derive(Debug, Clone)]
pub struct Request {
    pub product: String,
    pub version: Option<String>,
    pub days: i64,
    /// Signatures to report.
    pub limit: usize,
    /// More Super Search filters (`platform=Windows NT`, …).
    pub filters: Vec<(String, String)>,
    pub now: DateTime<Utc>,
}

/// One ranked signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub rank: usize,
    pub signature: String,
    pub count: u64,
    /// Percent of all crashes of the period.
    pub percent: f64,
    /// Crashes per platform, most first.
    pub platforms: Vec<(String, u64)>,
    /// Percent of this signature's crashes with uptime under 60 s.
    pub startup_percent: f64,
    /// Rank in the previous period, if it was ranked.
    pub previous_rank: Option<usize>,
    /// `previous_rank - rank` (positive: climbed), or `new`.
    pub rank_change: String,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub product: String,
    pub version: Option<String>,
    pub from: String,
    pub to: String,
    /// Crashes of the period.
    pub total: u64,
    pub rows: Vec<Row>,
}

fn params(
    req: &Request,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    extra: &[(&str, String)],
) -> Vec<(String, String)> {
    let mut p = vec![
        ("product".to_owned(), req.product.clone()),
        ("date".to_owned(), format!(">={}", format_date(&from))),
        ("date".to_owned(), format!("<{}", format_date(&to))),
        ("_results_number".to_owned(), "0".to_owned()),
    ];
    if let Some(v) = &req.version {
        p.push(("version".to_owned(), v.clone()));
    }
    p.extend(req.filters.iter().cloned());
    p.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    p
}

fn signature_counts(facets: &Facets) -> Vec<(String, u64, Facets)> {
    match facets.get("signature") {
        Some(Facet::Buckets(buckets)) => buckets
            .iter()
            .map(|b| {
                let term = match &b.term {
                    Key::Str(s) => s.clone(),
                    other => other.to_json().to_string(),
                };
                (term, b.count, b.facets.clone())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Builds the report from `index`.
pub async fn report(index: &dyn SearchIndex, req: &Request) -> Result<Report> {
    let to = req.now;
    let from = to - Duration::days(req.days);
    let before = from - Duration::days(req.days);
    let wide = MAX_FACETS_SIZE.to_string();
    let current = Search::parse(
        &params(
            req,
            from,
            to,
            &[
                ("_facets", "signature".into()),
                ("_facets_size", req.limit.max(1).to_string()),
                ("_aggs.signature", "platform".into()),
            ],
        ),
        req.now,
    )?;
    let startup = Search::parse(
        &params(
            req,
            from,
            to,
            &[
                ("_facets", "signature".into()),
                ("_facets_size", wide.clone()),
                ("uptime", "<60".into()),
            ],
        ),
        req.now,
    )?;
    let previous = Search::parse(
        &params(
            req,
            before,
            from,
            &[("_facets", "signature".into()), ("_facets_size", wide)],
        ),
        req.now,
    )?;
    let now_page = index.search(&current, None).await?;
    let startup_counts = signature_counts(&index.search(&startup, None).await?.facets);
    let previous_ranks = signature_counts(&index.search(&previous, None).await?.facets);
    let rows = signature_counts(&now_page.facets)
        .into_iter()
        .take(req.limit)
        .enumerate()
        .map(|(i, (signature, count, sub))| {
            let rank = i + 1;
            let platforms = match sub.get("platform") {
                Some(Facet::Buckets(b)) => b
                    .iter()
                    .map(|b| {
                        (
                            b.term.to_json().as_str().unwrap_or_default().to_owned(),
                            b.count,
                        )
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let startup = startup_counts
                .iter()
                .find(|(s, _, _)| *s == signature)
                .map_or(0, |(_, c, _)| *c);
            let previous_rank = previous_ranks
                .iter()
                .position(|(s, _, _)| *s == signature)
                .map(|p| p + 1);
            Row {
                rank,
                percent: percent(count, now_page.total),
                startup_percent: percent(startup, count),
                platforms,
                previous_rank,
                rank_change: match previous_rank {
                    Some(p) => format!("{:+}", p as i64 - rank as i64),
                    None => "new".to_owned(),
                },
                signature,
                count,
            }
        })
        .collect();
    Ok(Report {
        product: req.product.clone(),
        version: req.version.clone(),
        from: format_date(&from),
        to: format_date(&to),
        total: now_page.total,
        rows,
    })
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 10_000.0 / whole as f64).round() / 100.0
    }
}
