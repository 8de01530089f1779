//! Emerging crashes: the signatures of a product that are new or growing
//! in a recent window against a longer baseline before it.
//!
//! # What is counted
//!
//! The unit is the install when the product's crashes carry `install_time`
//! in both periods (distinct `install_time` values, Socorro's stand-in for
//! an installation), else the crash. Counting installs keeps one install
//! crashing in a loop from looking like an epidemic; crashes without
//! `install_time` then do not count.
//!
//! # The test
//!
//! For each signature, `x` is its count in the window and `y` in the
//! baseline; `W` and `B` are the product's counts in each period. If the
//! signature's share of the product did not change, then given
//! `n = x + y`, `x` follows a binomial distribution with `n` trials and
//! probability `p0 = W / (W + B)`: the exact conditional test for two
//! Poisson rates. The p-value is `P(X >= x)`. Normalising by the product's
//! volume makes a release that doubles every signature's crashes change
//! nothing, and cancels day-of-week swings that touch every signature
//! alike.
//!
//! Every signature of the window is tested, so the p-value is multiplied
//! by their number `m` (Bonferroni). The score is `-log10(p * m)`: above
//! [`SCORE_THRESHOLD`] (2, a 1 % chance that any of the tested signatures
//! is flagged by chance) a signature is flagged when it also has at least
//! `min_count` crashes in the window and, for a growing one, its share
//! grew at least [`MIN_RATIO`] times (with many crashes, a small change is
//! significant but not news).
//!
//! A signature with no crash in the baseline is `new`; one that was
//! there is `growing`. `first_seen` (from the index's first sightings)
//! tells whether a new one was ever seen before the baseline.
//!
//! # Queries
//!
//! Two Super Search facets (signature, with the distinct installs of each,
//! and the product's distinct installs) over the window and the baseline;
//! then, for the flagged signatures only, their versions and first
//! sightings; and, when the baseline facet was cut at its 10,000 buckets,
//! the baseline counts of the new candidates looked up by name. No crash
//! is read one by one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::fields::format_date;
use super::query::{Search, MAX_FACETS_SIZE};
use super::result::{Facet, Facets, Key, Page};
use super::{Result, SearchIndex};

/// The least (Bonferroni-adjusted) score a flagged signature has.
pub const SCORE_THRESHOLD: f64 = 2.0;

/// The least growth of a signature's share for it to be `growing`.
pub const MIN_RATIO: f64 = 1.5;

/// The highest score reported (a p-value below 1e-300 is not computed).
const MAX_SCORE: f64 = 300.0;

/// Signatures looked up by name in one search.
const NAMES_PER_SEARCH: usize = 100;

/// What to look for.
#[derive(Debug, Clone)]
pub struct Request {
    pub product: String,
    /// The window: the last `days` days before `now`.
    pub days: i64,
    /// The baseline: the `baseline_days` days before the window.
    pub baseline_days: i64,
    /// The fewest crashes in the window a flagged signature has.
    pub min_count: u64,
    /// More Super Search filters (`process_type=parent`, …).
    pub filters: Vec<(String, String)>,
    pub now: DateTime<Utc>,
    /// The time limit of each search ([`Search::time_limit`]).
    pub time_limit: Option<std::time::Duration>,
}

/// Why a signature is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// No crash in the baseline.
    New,
    /// Its share of the product grew significantly.
    Growing,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Growing => "growing",
        }
    }
}

/// One flagged signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub signature: String,
    pub kind: Kind,
    /// Crashes in the window.
    pub count: u64,
    /// Crashes in the baseline.
    pub baseline_count: u64,
    /// How many times its share of the product grew (in the unit counted);
    /// `None` for a new signature.
    pub ratio: Option<f64>,
    /// Distinct installs in the window (0 without `install_time`).
    pub installs: u64,
    /// Its first sighting in the index, if recorded.
    pub first_seen: Option<String>,
    /// Its versions in the window, most crashes first.
    pub versions: Vec<String>,
    /// `-log10` of the Bonferroni-adjusted p-value.
    pub score: f64,
}

/// A period, as RFC 3339 dates (`from` included, `to` excluded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
    /// Crashes of the product in the period.
    pub crashes: u64,
    /// Distinct installs of the product in the period.
    pub installs: u64,
}

/// The report: flagged signatures, highest score first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub product: String,
    pub window: Period,
    pub baseline: Period,
    /// What was counted: `installs` or `crashes`.
    pub unit: &'static str,
    /// Signatures tested.
    pub tested: usize,
    pub signatures: Vec<Row>,
}

/// One signature's counts in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Counts {
    crashes: u64,
    installs: u64,
}

/// A period's facet: per signature, and in all.
#[derive(Debug, Default)]
struct Tally {
    signatures: HashMap<String, Counts>,
    total: Counts,
    /// Whether the facet was cut at its bucket limit.
    cut: bool,
}

fn base_params(req: &Request, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(String, String)> {
    let mut p = vec![
        ("product".to_owned(), req.product.clone()),
        ("date".to_owned(), format!(">={}", format_date(&from))),
        ("date".to_owned(), format!("<{}", format_date(&to))),
        ("_results_number".to_owned(), "0".to_owned()),
    ];
    p.extend(req.filters.iter().cloned());
    p
}

fn parse(req: &Request, params: &[(String, String)]) -> Result<Search> {
    let mut search = Search::parse(params, req.now)?;
    search.time_limit = req.time_limit;
    Ok(search)
}

fn string_key(key: &Key) -> String {
    match key {
        Key::Str(s) => s.clone(),
        other => other.to_json().to_string(),
    }
}

fn cardinality(facets: &Facets, field: &str) -> u64 {
    match facets.get(&format!("cardinality_{field}")) {
        Some(Facet::Cardinality(n)) => *n,
        _ => 0,
    }
}

fn tally(page: &Page) -> Tally {
    let mut out = Tally {
        total: Counts {
            crashes: page.total,
            installs: cardinality(&page.facets, "install_time"),
        },
        ..Tally::default()
    };
    if let Some(Facet::Buckets(buckets)) = page.facets.get("signature") {
        out.cut = buckets.len() >= MAX_FACETS_SIZE;
        for b in buckets {
            out.signatures.insert(
                string_key(&b.term),
                Counts {
                    crashes: b.count,
                    installs: cardinality(&b.facets, "install_time"),
                },
            );
        }
    }
    out
}

/// The signature facet of a period, with installs.
async fn period(
    index: &dyn SearchIndex,
    req: &Request,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    names: &[String],
) -> Result<Tally> {
    let mut p = base_params(req, from, to);
    p.extend([
        ("_facets".to_owned(), "signature".to_owned()),
        ("_facets".to_owned(), "_cardinality.install_time".to_owned()),
        ("_facets_size".to_owned(), MAX_FACETS_SIZE.to_string()),
        (
            "_aggs.signature".to_owned(),
            "_cardinality.install_time".to_owned(),
        ),
    ]);
    p.extend(
        names
            .iter()
            .map(|n| ("signature".to_owned(), format!("={n}"))),
    );
    let page = index.search(&parse(req, &p)?, None).await?;
    Ok(tally(&page))
}

/// The versions of `names` in the window, most crashes first.
async fn versions(
    index: &dyn SearchIndex,
    req: &Request,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    names: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let mut out = HashMap::new();
    for chunk in names.chunks(NAMES_PER_SEARCH) {
        let mut p = base_params(req, from, to);
        p.extend([
            ("_facets".to_owned(), "signature".to_owned()),
            ("_facets_size".to_owned(), chunk.len().to_string()),
            ("_aggs.signature".to_owned(), "version".to_owned()),
        ]);
        p.extend(
            chunk
                .iter()
                .map(|n| ("signature".to_owned(), format!("={n}"))),
        );
        let page = index.search(&parse(req, &p)?, None).await?;
        if let Some(Facet::Buckets(buckets)) = page.facets.get("signature") {
            for b in buckets {
                let versions = match b.facets.get("version") {
                    Some(Facet::Buckets(v)) => v.iter().map(|v| string_key(&v.term)).collect(),
                    _ => Vec::new(),
                };
                out.insert(string_key(&b.term), versions);
            }
        }
    }
    Ok(out)
}

/// Finds the new and growing signatures of `req.product`.
pub async fn report(index: &dyn SearchIndex, req: &Request) -> Result<Report> {
    let to = req.now;
    let from = to - Duration::days(req.days.max(1));
    let base_from = from - Duration::days(req.baseline_days.max(1));
    let window = period(index, req, from, to, &[]).await?;
    let mut baseline = period(index, req, base_from, from, &[]).await?;
    let by_installs = window.total.installs > 0 && baseline.total.installs > 0;
    let unit = |c: &Counts| if by_installs { c.installs } else { c.crashes };
    if baseline.cut {
        // Signatures missing from a cut baseline facet may still have
        // crashes there: count those by name.
        // Only those that could be flagged are worth the lookups.
        let missing: Vec<String> = window
            .signatures
            .iter()
            .filter(|(s, c)| c.crashes >= req.min_count && !baseline.signatures.contains_key(*s))
            .map(|(s, _)| s.clone())
            .collect();
        for chunk in missing.chunks(NAMES_PER_SEARCH) {
            let found = period(index, req, base_from, from, chunk).await?;
            baseline.signatures.extend(found.signatures);
        }
    }
    let tested = window.signatures.len();
    let p0 = share(unit(&window.total), unit(&baseline.total));
    let mut rows: Vec<Row> = Vec::new();
    for (signature, now) in &window.signatures {
        let before = baseline
            .signatures
            .get(signature)
            .copied()
            .unwrap_or_default();
        let (x, y) = (unit(now), unit(&before));
        if now.crashes < req.min_count.max(1) {
            continue;
        }
        let score = score(x, y, p0, tested);
        if score < SCORE_THRESHOLD {
            continue;
        }
        let kind = if before.crashes == 0 {
            Kind::New
        } else {
            Kind::Growing
        };
        let ratio = (kind == Kind::Growing).then(|| {
            (x as f64 / unit(&window.total).max(1) as f64)
                / (y.max(1) as f64 / unit(&baseline.total).max(1) as f64)
        });
        if ratio.is_some_and(|r| r < MIN_RATIO) {
            continue;
        }
        rows.push(Row {
            signature: signature.clone(),
            kind,
            count: now.crashes,
            baseline_count: before.crashes,
            ratio: ratio.map(|r| (r * 100.0).round() / 100.0),
            installs: now.installs,
            first_seen: None,
            versions: Vec::new(),
            score: (score * 100.0).round() / 100.0,
        });
    }
    rows.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.count.cmp(&a.count))
            .then(a.signature.cmp(&b.signature))
    });
    let names: Vec<String> = rows.iter().map(|r| r.signature.clone()).collect();
    if !names.is_empty() {
        let versions = versions(index, req, from, to, &names).await?;
        let first: HashMap<String, DateTime<Utc>> = index
            .facts()
            .first_seen(&names)
            .await?
            .into_iter()
            .map(|f| (f.signature, f.first_date))
            .collect();
        for row in &mut rows {
            row.versions = versions.get(&row.signature).cloned().unwrap_or_default();
            row.first_seen = first.get(&row.signature).map(format_date);
        }
    }
    Ok(Report {
        product: req.product.clone(),
        window: Period {
            from: format_date(&from),
            to: format_date(&to),
            crashes: window.total.crashes,
            installs: window.total.installs,
        },
        baseline: Period {
            from: format_date(&base_from),
            to: format_date(&from),
            crashes: baseline.total.crashes,
            installs: baseline.total.installs,
        },
        unit: if by_installs { "installs" } else { "crashes" },
        tested,
        signatures: rows,
    })
}

/// The window's share of the product's count over both periods.
fn share(window: u64, baseline: u64) -> f64 {
    if window + baseline == 0 {
        return 0.5;
    }
    window as f64 / (window + baseline) as f64
}

/// `-log10(P(X >= x) * tested)` for `X ~ Binomial(x + y, p0)`, capped.
fn score(x: u64, y: u64, p0: f64, tested: usize) -> f64 {
    let log_p = log10_upper_tail(x, x + y, p0);
    (-(log_p + (tested.max(1) as f64).log10())).min(MAX_SCORE)
}

/// `log10(P(X >= k))` for `X ~ Binomial(n, p)`. At or below the mean it
/// is taken as 0 (p = 1): only an excess is evidence here.
pub fn log10_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 || p >= 1.0 {
        return 0.0;
    }
    if p <= 0.0 {
        return -MAX_SCORE;
    }
    let (kf, nf) = (k as f64, n as f64);
    if kf <= nf * p {
        return 0.0;
    }
    // The first term, in logs, then the others as running ratios: they
    // fall at least geometrically above the mean.
    let ln_first = ln_choose(n, k)
        + kf * p.ln()
        + if k < n {
            (nf - kf) * (1.0 - p).ln()
        } else {
            0.0
        };
    let odds = p / (1.0 - p);
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    let mut i = k;
    while i < n {
        term *= (n - i) as f64 / (i + 1) as f64 * odds;
        sum += term;
        if term < sum * 1e-15 {
            break;
        }
        i += 1;
    }
    ((ln_first + sum.ln()) / std::f64::consts::LN_10).min(0.0)
}

/// `ln(n choose k)`.
fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `ln Γ(x)` for `x > 0`: the Lanczos approximation (g = 7, nine
/// coefficients), relative error about 1e-15.
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn ln_gamma_gives_factorials() {
        let mut factorial = 1.0f64;
        for n in 1..30u32 {
            factorial *= f64::from(n);
            let got = ln_gamma(f64::from(n) + 1.0);
            assert!(
                close(got, factorial.ln(), 1e-10 * got.abs().max(1.0)),
                "{n}"
            );
        }
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
    }

    /// The tail summed term by term, for small `n`.
    fn direct_tail(k: u64, n: u64, p: f64) -> f64 {
        (k..=n)
            .map(|i| (ln_choose(n, i) + i as f64 * p.ln() + (n - i) as f64 * (1.0 - p).ln()).exp())
            .sum::<f64>()
    }

    #[test]
    fn the_upper_tail_matches_the_sum_of_its_terms() {
        for (k, n, p) in [
            (3, 3, 0.2),
            (8, 10, 0.5),
            (30, 100, 0.2),
            (21, 60, 0.25),
            (45, 50, 0.6),
        ] {
            let want = direct_tail(k, n, p).log10();
            let got = log10_upper_tail(k, n, p);
            assert!(close(got, want, 1e-9), "{k} {n} {p}: {got} vs {want}");
        }
        // P(X >= 3) for Binomial(3, 0.2) is 0.008.
        assert!(close(log10_upper_tail(3, 3, 0.2), 0.008f64.log10(), 1e-12));
    }

    #[test]
    fn no_excess_is_no_evidence() {
        assert_eq!(log10_upper_tail(0, 10, 0.3), 0.0);
        assert_eq!(log10_upper_tail(2, 10, 0.3), 0.0);
        assert_eq!(log10_upper_tail(3, 10, 0.3), 0.0);
        assert!(log10_upper_tail(4, 10, 0.3) < 0.0);
    }

    #[test]
    fn large_counts_stay_finite_and_cap() {
        // A thousand crashes of a signature that had none: far below 1e-300.
        assert_eq!(score(1000, 0, 0.2, 1000), MAX_SCORE);
        // Tripled share over big counts.
        let s = score(3000, 4000, 0.2, 5000);
        assert!(s > 100.0 && s <= MAX_SCORE, "{s}");
        // The same share before and after: nothing.
        assert!(score(2000, 8000, 0.2, 5000) < 0.0);
    }

    #[test]
    fn without_a_baseline_nothing_is_evidence() {
        // An index whose crashes all fall in the window: p0 is 1.
        assert!(score(50, 0, share(500, 0), 10) < SCORE_THRESHOLD);
    }

    #[test]
    fn more_signatures_tested_need_more_evidence() {
        // 6 new crashes when the window is a fifth of the time: p = 0.2^6.
        let one = score(6, 0, 0.2, 1);
        assert!(close(one, -(0.2f64.powi(6)).log10(), 1e-9));
        assert!(score(6, 0, 0.2, 1000) < SCORE_THRESHOLD);
        assert!(score(12, 0, 0.2, 1000) > SCORE_THRESHOLD);
    }
}
