//! `crashkit query`: Super Search from the command line, over the local
//! index, Elasticsearch/OpenSearch (`--index`), or a remote Crash Stats
//! (`--api`), with one query language: Socorro's.
//!
//! Filters are `FIELD=VALUE` arguments; the flags become Socorro's meta
//! parameters (`--columns` → `_columns`, `--facet` → `_facets`, `--aggs
//! signature=product` → `_aggs.signature=product`, `--histogram date` →
//! `_histogram.date`, `--cardinality F` → `_facets=_cardinality.F`), so
//! `--api` sends exactly what was checked here. `--limit all` pages under
//! the hood (cursors on an index, offsets on an API).
//!
//! Output: `table` (hits, then each facet with a `total` row), `markdown`
//! (the same), `csv`/`tsv` (the hits; with `--limit 0` the facets),
//! `json` (the object `/api/SuperSearch/` answers), `ids` (crash ids, one a
//! line). `--topcrashers --product P` ranks signatures instead.

use std::io::Write;

use anyhow::Context;
use chrono::Utc;
use serde_json::{json, Value};

use super::{ExitStatus, UsageError};
use crate::config::{keys, Config};
use crate::crashstats;
use crate::search::{self, emerging, query::MAX_RESULTS_NUMBER, topcrashers, Mode, Search};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Tsv,
    Csv,
    Markdown,
    Json,
    Ids,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Filters: FIELD=VALUE, e.g. 'signature=~OOM' 'date=>=2026-11-01' platform=Linux.
    #[arg(value_name = "FIELD=VALUE")]
    pub filters: Vec<String>,

    /// The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…
    #[arg(long, value_name = "URL", conflicts_with = "api")]
    pub index: Option<String>,

    /// Ask a Crash Stats instance instead (https://crash-stats.example.org),
    /// with the token of CRASHSTATS_API_TOKEN.
    #[arg(long, value_name = "URL")]
    pub api: Option<String>,

    /// Fields to show for each crash (repeatable or comma-separated)
    /// [default: uuid, date, signature, product, version].
    #[arg(long, value_name = "FIELDS")]
    pub columns: Vec<String>,

    /// Sort by these fields, '-' for descending [default: -date].
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true)]
    pub sort: Vec<String>,

    /// Crashes to show: a number or `all` (paged under the hood).
    #[arg(long, value_name = "N|all", default_value = "100")]
    pub limit: String,

    /// Skip this many crashes first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: usize,

    /// Count crashes per value of a field (repeatable) [default: signature].
    #[arg(long, value_name = "FIELD")]
    pub facet: Vec<String>,

    /// Values per facet (at most 10,000).
    #[arg(long, value_name = "N")]
    pub facets_size: Option<usize>,

    /// Nested facets: FIELD=SUB[,SUB…] (signature=product,platform), or
    /// FIELD.FIELD2=SUB for deeper nesting.
    #[arg(long, value_name = "FIELD=SUBS")]
    pub aggs: Vec<String>,

    /// A histogram of a date or number field, FIELD or FIELD=SUB[,SUB…] for
    /// facets within each bucket.
    #[arg(long, value_name = "FIELD[=SUBS]")]
    pub histogram: Vec<String>,

    /// The histograms' interval: day, week, hour, 6h, 2d (dates) or a number.
    #[arg(long, value_name = "INTERVAL")]
    pub interval: Option<String>,

    /// Count the distinct values of a field (repeatable).
    #[arg(long, value_name = "FIELD")]
    pub cardinality: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Rank the signatures of --product over --days, against the period before.
    #[arg(long, requires = "product", conflicts_with = "emerging")]
    pub topcrashers: bool,

    /// The signatures of --product that are new or growing in the last
    /// --days against the --baseline-days before (see `crashkit alert`).
    #[arg(long, requires = "product")]
    pub emerging: bool,

    /// With --topcrashers or --emerging: the product.
    #[arg(long, value_name = "NAME")]
    pub product: Option<String>,

    /// With --topcrashers: the version (140.0b: every 140.0 beta).
    #[arg(long, value_name = "VERSION", requires = "topcrashers")]
    pub version: Option<String>,

    /// With --topcrashers or --emerging: the length of the period in days.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub days: i64,

    /// With --topcrashers: how many signatures.
    #[arg(long, value_name = "N", default_value_t = 50, requires = "topcrashers")]
    pub top: usize,

    /// With --emerging: the days before the window that it is compared with.
    #[arg(long, value_name = "N", default_value_t = 28, requires = "emerging")]
    pub baseline_days: i64,

    /// With --emerging: the fewest crashes in the window a flagged signature has.
    #[arg(long, value_name = "N", default_value_t = 5, requires = "emerging")]
    pub min_count: u64,
}

/// The Super Search parameters of the command line.
fn params(args: &Args, page: usize) -> Result<Vec<(String, String)>, UsageError> {
    let mut p: Vec<(String, String)> = Vec::new();
    for filter in &args.filters {
        let (field, value) = filter.split_once('=').ok_or_else(|| {
            UsageError(format!(
                "{filter:?}: a filter is FIELD=VALUE (signature=~OOM)"
            ))
        })?;
        p.push((field.trim().to_owned(), value.to_owned()));
    }
    let mut push = |k: String, v: &str| p.push((k, v.to_owned()));
    for c in &args.columns {
        push("_columns".into(), c);
    }
    if args.format == Format::Ids && !args.columns.is_empty() {
        push("_columns".into(), "uuid");
    }
    for s in &args.sort {
        push("_sort".into(), s);
    }
    for f in &args.facet {
        push("_facets".into(), f);
    }
    for f in &args.cardinality {
        push("_facets".into(), &format!("_cardinality.{f}"));
    }
    for a in &args.aggs {
        let (field, subs) = a
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--aggs {a:?}: expected FIELD=SUB[,SUB…]")))?;
        push(format!("_aggs.{field}"), subs);
    }
    for h in &args.histogram {
        match h.split_once('=') {
            Some((field, subs)) => push(format!("_histogram.{field}"), subs),
            None => push("_facets".into(), &format!("_histogram.{h}")),
        }
        if let Some(interval) = &args.interval {
            let field = h.split_once('=').map_or(h.as_str(), |(f, _)| f);
            push(format!("_histogram_interval.{field}"), interval);
        }
    }
    if let Some(n) = args.facets_size {
        push("_facets_size".into(), &n.to_string());
    }
    push("_results_number".into(), &page.to_string());
    if args.offset > 0 {
        push("_results_offset".into(), &args.offset.to_string());
    }
    Ok(p)
}

/// `FIELD=VALUE` arguments as pairs.
fn filter_pairs(filters: &[String]) -> Result<Vec<(String, String)>, UsageError> {
    filters
        .iter()
        .map(|filter| {
            filter
                .split_once('=')
                .map(|(f, v)| (f.trim().to_owned(), v.to_owned()))
                .ok_or_else(|| UsageError(format!("{filter:?}: a filter is FIELD=VALUE")))
        })
        .collect()
}

fn limit(text: &str) -> Result<Option<usize>, UsageError> {
    if text == "all" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| UsageError(format!("--limit {text:?}: a number or `all`")))
}

/// Puts the flags given into the configuration.
pub fn apply_flags(args: &Args, config: &mut Config) {
    config.set_flag_opt(keys::index::url, "--index", args.index.clone());
}

pub fn run(args: Args, config: Config, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let limit = limit(&args.limit)?;
    let page = limit.map_or(MAX_RESULTS_NUMBER, |l| l.min(MAX_RESULTS_NUMBER));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    if args.product.is_some() && !args.topcrashers && !args.emerging {
        return Err(UsageError("--product goes with --topcrashers or --emerging".into()).into());
    }
    if args.emerging {
        if args.api.is_some() {
            return Err(UsageError("--emerging reads an index; it cannot use --api".into()).into());
        }
        if matches!(args.format, Format::Ids | Format::Tsv) {
            return Err(UsageError(
                "--emerging prints table, markdown, csv or json: choose one of those".into(),
            )
            .into());
        }
        let request = emerging::Request {
            product: args.product.clone().unwrap_or_default(),
            days: args.days.clamp(1, 90),
            baseline_days: args.baseline_days.clamp(1, 365),
            min_count: args.min_count,
            filters: filter_pairs(&args.filters)?,
            now: Utc::now(),
            time_limit: None,
        };
        let index = search::open(&config.settings.index, Mode::Read)?;
        let report = runtime.block_on(emerging::report(&*index, &request))?;
        print_emerging(&report, args.format, out)?;
        return Ok(ExitStatus::Success);
    }
    if args.topcrashers {
        if args.api.is_some() {
            return Err(
                UsageError("--topcrashers reads an index; it cannot use --api".into()).into(),
            );
        }
        if args.format == Format::Ids {
            return Err(UsageError(
                "--topcrashers prints signatures, not crash ids: choose another --format".into(),
            )
            .into());
        }
        let request = topcrashers::Request {
            product: args.product.clone().unwrap_or_default(),
            version: args.version.clone(),
            days: args.days.clamp(1, 182),
            limit: args.top.clamp(1, 10_000),
            filters: filter_pairs(&args.filters)?,
            now: Utc::now(),
        };
        let index = search::open(&config.settings.index, Mode::Read)?;
        let report = runtime.block_on(topcrashers::report(&*index, &request))?;
        print_topcrashers(&report, args.format, out)?;
        return Ok(ExitStatus::Success);
    }
    let params = params(&args, page)?;
    let search = Search::parse(&params, Utc::now()).map_err(|e| UsageError(e.to_string()))?;
    let mut printer = Printer::new(args.format, &search, out);
    printer.begin()?;
    let (total, facets) = match &args.api {
        Some(api) => runtime.block_on(from_api(api, &params, limit, page, &mut printer))?,
        None => {
            let index = search::open(&config.settings.index, Mode::Read)?;
            runtime.block_on(async {
                let (first, _) = search::search_all(&*index, &search, limit, |p| {
                    let json = p.to_super_search(&search);
                    printer.hits(json["hits"].as_array().map_or(&[][..], Vec::as_slice))
                })
                .await?;
                let json = first.to_super_search(&search);
                anyhow::Ok((first.total, json["facets"].clone()))
            })?
        }
    };
    printer.end(total, &facets)?;
    Ok(ExitStatus::Success)
}

async fn from_api(
    api: &str,
    params: &[(String, String)],
    limit: Option<usize>,
    page: usize,
    printer: &mut Printer<'_>,
) -> anyhow::Result<(u64, Value)> {
    let client = crashstats::Client::new(api)?;
    let offset0: usize = params
        .iter()
        .find(|(k, _)| k == "_results_offset")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let base: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "_results_offset" && k != "_results_number")
        .cloned()
        .collect();
    let mut seen = 0usize;
    let mut first: Option<(u64, Value)> = None;
    loop {
        let want = limit.map_or(page, |l| (l - seen).min(page));
        let mut p = base.clone();
        p.push(("_results_number".into(), want.to_string()));
        p.push(("_results_offset".into(), (offset0 + seen).to_string()));
        if first.is_some() {
            p.push(("_facets_size".into(), "0".into()));
        }
        let answer = client.super_search(&p).await?;
        let hits = answer["hits"].as_array().cloned().unwrap_or_default();
        printer.hits(&hits)?;
        seen += hits.len();
        let total = answer["total"].as_u64().unwrap_or(0);
        if first.is_none() {
            first = Some((total, answer["facets"].clone()));
        }
        if hits.is_empty()
            || want == 0
            || hits.len() < want
            || (offset0 + seen) as u64 >= total
            || limit.is_some_and(|l| seen >= l)
        {
            break;
        }
    }
    Ok(first.unwrap_or((0, json!({}))))
}

/// A cell of a table: strings as they are, lists joined with ", ".
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Flattens facets into (facet, term, count) rows; nested facets get
/// `parent.child` names and `parent term / child term` terms.
fn facet_rows(facets: &Value, prefix: &str, term_prefix: &str, rows: &mut Vec<[String; 3]>) {
    let Some(map) = facets.as_object() else {
        return;
    };
    for (name, facet) in map {
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match facet {
            Value::Array(buckets) => {
                for b in buckets {
                    let term = cell(&b["term"]);
                    let term = if term_prefix.is_empty() {
                        term
                    } else {
                        format!("{term_prefix} / {term}")
                    };
                    rows.push([full.clone(), term.clone(), cell(&b["count"])]);
                    if let Some(sub) = b.get("facets") {
                        facet_rows(sub, &full, &term, rows);
                    }
                }
            }
            other => rows.push([full, "value".into(), cell(&other["value"])]),
        }
    }
}

struct Printer<'a> {
    format: Format,
    columns: Vec<&'static str>,
    out: &'a mut dyn Write,
    first_hit: bool,
    header_done: bool,
    show_hits: bool,
}

impl<'a> Printer<'a> {
    fn new(format: Format, search: &Search, out: &'a mut dyn Write) -> Printer<'a> {
        let columns = search.columns.iter().map(|f| f.name).collect();
        Printer::with_columns(format, columns, search.size > 0, out)
    }

    fn with_columns(
        format: Format,
        columns: Vec<&'static str>,
        show_hits: bool,
        out: &'a mut dyn Write,
    ) -> Printer<'a> {
        Printer {
            format,
            columns,
            out,
            first_hit: true,
            header_done: false,
            show_hits,
        }
    }

    fn begin(&mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out.write_all(b"{\"hits\":[")?;
        }
        Ok(())
    }

    fn rows(
        &mut self,
        header: &[&str],
        rows: &[Vec<String>],
        with_header: bool,
    ) -> std::io::Result<()> {
        match self.format {
            Format::Csv | Format::Tsv => {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(if self.format == Format::Tsv {
                        b'\t'
                    } else {
                        b','
                    })
                    .quote_style(if self.format == Format::Tsv {
                        csv::QuoteStyle::Never
                    } else {
                        csv::QuoteStyle::Necessary
                    })
                    .from_writer(&mut *self.out);
                let clean = |s: &str| -> String {
                    if self.format == Format::Tsv {
                        s.replace(['\t', '\n', '\r'], " ")
                    } else {
                        s.to_owned()
                    }
                };
                if with_header {
                    w.write_record(header.iter().map(|h| clean(h)))?;
                }
                for row in rows {
                    w.write_record(row.iter().map(|c| clean(c)))?;
                }
                w.flush()?;
            }
            Format::Markdown => {
                let esc = |s: &str| s.replace('|', "\\|").replace('\n', " ");
                if with_header {
                    writeln!(self.out, "| {} |", header.join(" | "))?;
                    writeln!(
                        self.out,
                        "|{}",
                        header.iter().map(|_| "---|").collect::<String>()
                    )?;
                }
                for row in rows {
                    writeln!(
                        self.out,
                        "| {} |",
                        row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
                    )?;
                }
            }
            _ => {
                let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
                for row in rows {
                    for (w, c) in widths.iter_mut().zip(row) {
                        *w = (*w).max(c.chars().count());
                    }
                }
                let line = |cells: Vec<&str>| -> String {
                    let last = cells.len().saturating_sub(1);
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            if i == last {
                                (*c).to_owned()
                            } else {
                                format!("{c:<w$}", w = widths[i])
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("  ")
                };
                if with_header {
                    writeln!(self.out, "{}", line(header.to_vec()))?;
                }
                for row in rows {
                    writeln!(
                        self.out,
                        "{}",
                        line(row.iter().map(String::as_str).collect()).replace('\n', " ")
                    )?;
                }
            }
        }
        Ok(())
    }

    fn hits(&mut self, hits: &[Value]) -> std::io::Result<()> {
        match self.format {
            Format::Json => {
                for hit in hits {
                    if !self.first_hit {
                        self.out.write_all(b",")?;
                    }
                    self.first_hit = false;
                    serde_json::to_writer(&mut *self.out, hit)?;
                }
            }
            Format::Ids => {
                for hit in hits {
                    if let Some(id) = hit["uuid"].as_str() {
                        writeln!(self.out, "{id}")?;
                    }
                }
            }
            _ => {
                if !self.show_hits || (hits.is_empty() && self.header_done) {
                    return Ok(());
                }
                let columns = self.columns.clone();
                let rows: Vec<Vec<String>> = hits
                    .iter()
                    .map(|h| columns.iter().map(|c| cell(&h[*c])).collect())
                    .collect();
                let with_header = !self.header_done;
                self.header_done = true;
                self.rows(&columns, &rows, with_header)?;
            }
        }
        Ok(())
    }

    fn end(&mut self, total: u64, facets: &Value) -> std::io::Result<()> {
        match self.format {
            Format::Json => {
                write!(self.out, "],\"total\":{total},\"facets\":")?;
                serde_json::to_writer(&mut *self.out, facets)?;
                self.out.write_all(b",\"errors\":[]}\n")?;
            }
            Format::Ids => {}
            Format::Csv | Format::Tsv if self.show_hits => {}
            _ => {
                let mut rows = Vec::new();
                facet_rows(facets, "", "", &mut rows);
                let mut out_rows: Vec<Vec<String>> = Vec::new();
                let mut last_top: Option<String> = None;
                let total_row =
                    |name: &str| vec![name.to_owned(), "total".to_owned(), total.to_string()];
                for [facet, term, count] in rows {
                    let top = facet.split('.').next().unwrap_or_default().to_owned();
                    if last_top.as_deref().is_some_and(|t| t != top) {
                        out_rows.push(total_row(last_top.as_deref().unwrap_or_default()));
                    }
                    last_top = Some(top);
                    out_rows.push(vec![facet, term, count]);
                }
                if let Some(t) = last_top {
                    out_rows.push(total_row(&t));
                }
                let human = matches!(self.format, Format::Table | Format::Markdown);
                if human {
                    if self.show_hits {
                        writeln!(self.out)?;
                    }
                    writeln!(self.out, "{total} crashes")?;
                }
                if !out_rows.is_empty() {
                    if human {
                        writeln!(self.out)?;
                    }
                    self.rows(&["facet", "term", "count"], &out_rows, true)?;
                }
            }
        }
        Ok(())
    }
}

/// A report of signatures: its JSON as it is, or a heading (table and
/// markdown) then a row per signature.
fn print_signature_report(
    json: &impl serde::Serialize,
    heading: String,
    header: &[&'static str],
    rows: &[Vec<String>],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, json)?;
        writeln!(out)?;
        return Ok(());
    }
    if matches!(format, Format::Table | Format::Markdown) {
        writeln!(out, "{heading}")?;
        writeln!(out)?;
    }
    let mut printer = Printer::with_columns(format, header.to_vec(), true, out);
    printer.rows(header, rows, true)?;
    Ok(())
}

pub(crate) fn print_topcrashers(
    report: &topcrashers::Report,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let heading = format!(
        "Top crashers of {}{} from {} to {}: {} crashes",
        report.product,
        report
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default(),
        report.from,
        report.to,
        report.total
    );
    let header = [
        "rank",
        "change",
        "count",
        "percent",
        "startup",
        "platforms",
        "signature",
    ];
    let rows: Vec<Vec<String>> = report
        .rows
        .iter()
        .map(|r| {
            vec![
                r.rank.to_string(),
                r.rank_change.clone(),
                r.count.to_string(),
                format!("{:.2}%", r.percent),
                format!("{:.2}%", r.startup_percent),
                r.platforms
                    .iter()
                    .map(|(p, c)| format!("{p} {c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                r.signature.clone(),
            ]
        })
        .collect();
    print_signature_report(report, heading, &header, &rows, format, out)
}

pub(crate) fn print_emerging(
    report: &emerging::Report,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let heading = format!(
        "Emerging signatures of {} from {} to {} ({} crashes, {} installs) against {} to {} ({} crashes, {} installs), counted in {}, {} signatures tested",
        report.product,
        report.window.from,
        report.window.to,
        report.window.crashes,
        report.window.installs,
        report.baseline.from,
        report.baseline.to,
        report.baseline.crashes,
        report.baseline.installs,
        report.unit,
        report.tested,
    );
    let header = [
        "kind",
        "score",
        "count",
        "baseline",
        "ratio",
        "installs",
        "first seen",
        "versions",
        "signature",
    ];
    let rows: Vec<Vec<String>> = report
        .signatures
        .iter()
        .map(|r| {
            vec![
                r.kind.as_str().to_owned(),
                format!("{:.1}", r.score),
                r.count.to_string(),
                r.baseline_count.to_string(),
                r.ratio.map(|x| format!("{x:.2}")).unwrap_or_default(),
                r.installs.to_string(),
                r.first_seen
                    .as_deref()
                    .map(|d| d.get(..10).unwrap_or(d).to_owned())
                    .unwrap_or_default(),
                r.versions.join(", "),
                r.signature.clone(),
            ]
        })
        .collect();
    print_signature_report(report, heading, &header, &rows, format, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_flatten_with_nested_names_and_terms() {
        let facets = json!({"signature": [{"term": "A", "count": 2, "facets": {"product": [{"term": "P", "count": 2}]}}],
                            "cardinality_platform": {"value": 3}});
        let mut rows = Vec::new();
        facet_rows(&facets, "", "", &mut rows);
        assert_eq!(
            rows,
            [
                [
                    "cardinality_platform".to_owned(),
                    "value".into(),
                    "3".into()
                ],
                ["signature".into(), "A".into(), "2".into()],
                ["signature.product".into(), "A / P".into(), "2".into()],
            ]
        );
        assert_eq!(limit("all").unwrap(), None);
        assert!(limit("many").is_err());
    }
}
