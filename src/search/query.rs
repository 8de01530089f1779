//! Super Search parameters, parsed and checked once into a [`Search`] that
//! every backend runs the same way.
//!
//! Parameters are Socorro's: `field=value` filters with its operators, and
//! `_columns`, `_sort`, `_facets`, `_facets_size`, `_aggs.F[.G…]`,
//! `_histogram.F`, `_histogram_interval.F`, `_results_number`,
//! `_results_offset`. Operators (after an optional `!` that negates): `=`
//! exact, `~` contains, `^` starts with, `$` ends with, `@` Lucene regexp,
//! `>`, `>=`, `<`, `<=`, `__null__`, `__true__`. Conditions on one field are
//! OR-ed, negated ones too, except ranges, which are AND-ed; different
//! fields are AND-ed. `date` defaults to the 7 days before now; a range of
//! more than 365 days is refused. Every mistake is a [`BadArgument`] naming
//! the parameter.

use chrono::{DateTime, Duration, Utc};

use super::fields::{self, Field, FieldKind};
use super::lucene;

/// Socorro's limits.
pub const MAX_RESULTS_NUMBER: usize = 1000;
pub const MAX_FACETS_SIZE: usize = 10_000;

/// Deepest result a search may page to: `_results_offset + _results_number`.
pub const MAX_RESULT_WINDOW: usize = 10_000;
pub const DEFAULT_FACETS_SIZE: usize = 50;
pub const DEFAULT_RESULTS_NUMBER: usize = 100;
pub const DEFAULT_DAYS: i64 = 7;
pub const MAX_RANGE_DAYS: i64 = 365;

/// A parameter that cannot be used; names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {message}")]
pub struct BadArgument {
    pub param: String,
    pub message: String,
}

fn bad(param: &str, message: impl Into<String>) -> BadArgument {
    BadArgument {
        param: param.to_owned(),
        message: message.into(),
    }
}

/// A number or date operand of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Int(i64),
    Float(f64),
    Date(DateTime<Utc>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

/// What one condition asks of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A plain string value: the whole value ignoring case (enum, keyword)
    /// or any of its words ignoring case (text).
    Match(String),
    /// Starts with, ignoring case (a plain `version` value ending in `b`, as
    /// Crash Stats reads `140.0b`: every beta of 140.0).
    PrefixIgnoringCase(String),
    /// `=`: exactly this value, case-sensitive.
    Exact(String),
    /// `~`, `^`, `$`: contains, starts with, ends with; case-sensitive.
    Contains(String),
    StartsWith(String),
    EndsWith(String),
    /// `@`: a Lucene regexp matching the whole value (checked).
    Regex(String),
    /// A plain number or date: equality.
    Equal(Scalar),
    Range(Cmp, Scalar),
    /// `__null__`: the field is missing.
    Null,
    /// `__true__`: the boolean is true.
    True,
}

/// One condition, maybe negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    pub op: Op,
    pub negate: bool,
}

/// The conditions on one field: `ranges` AND-ed, then AND the OR of `any`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    pub field: &'static Field,
    pub ranges: Vec<Cond>,
    pub any: Vec<Cond>,
}

/// A histogram interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Interval {
    /// Fixed-length buckets of dates, `offset` shifting their start from
    /// the epoch (weeks start on Monday).
    Time { micros: i64, offset_micros: i64 },
    /// Buckets of numbers.
    Number(f64),
}

impl Interval {
    /// Elasticsearch's `fixed_interval` and `offset` for a time interval.
    pub fn es_time(&self) -> Option<(String, String)> {
        match *self {
            Interval::Time {
                micros,
                offset_micros,
            } => Some((
                format!("{}ms", micros / 1000),
                format!("{}ms", offset_micros / 1000),
            )),
            Interval::Number(_) => None,
        }
    }
}

/// An aggregation.
#[derive(Debug, Clone, PartialEq)]
pub enum Agg {
    /// Counts per value, top `facets_size`, by count then value.
    Terms {
        field: &'static Field,
        subs: Vec<Agg>,
    },
    Histogram {
        field: &'static Field,
        interval: Interval,
        subs: Vec<Agg>,
    },
    /// The number of distinct values.
    Cardinality { field: &'static Field },
}

impl Agg {
    /// The key of its result in `facets`: Socorro's names.
    pub fn name(&self) -> String {
        match self {
            Agg::Terms { field, .. } => field.name.to_owned(),
            Agg::Histogram { field, .. } => format!("histogram_{}", field.name),
            Agg::Cardinality { field } => format!("cardinality_{}", field.name),
        }
    }

    /// Its sub-aggregations.
    pub fn subs(&self) -> &[Agg] {
        match self {
            Agg::Terms { subs, .. } | Agg::Histogram { subs, .. } => subs,
            Agg::Cardinality { .. } => &[],
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct Sort {
    pub field: &'static Field,
    pub descending: bool,
}

/// A parsed, checked Super Search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Per field, in the order first seen; `date` always present.
    pub filters: Vec<FieldFilter>,
    /// The date window the filters allow (for choosing partitions).
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub columns: Vec<&'static Field>,
    /// Sort keys; the crash id breaks ties (ascending).
    pub sort: Vec<Sort>,
    pub offset: usize,
    pub size: usize,
    pub facets_size: usize,
    pub aggs: Vec<Agg>,
    /// The parameters as given (for sending to a remote Crash Stats).
    pub params: Vec<(String, String)>,
    /// The longest the search may run before it is given up
    /// ([`super::SearchError::TimedOut`]); `None`: as long as it takes.
    /// Not a parameter: the caller sets it (`serve` from
    /// `serve.request_timeout_secs`).
    pub time_limit: Option<std::time::Duration>,
}

impl Search {
    /// Parses Super Search parameters; `now` anchors the default dates.
    pub fn parse(params: &[(String, String)], now: DateTime<Utc>) -> Result<Search, BadArgument> {
        let mut search = Search {
            filters: Vec::new(),
            from: now - Duration::days(DEFAULT_DAYS),
            to: now,
            columns: Vec::new(),
            sort: Vec::new(),
            offset: 0,
            size: DEFAULT_RESULTS_NUMBER,
            facets_size: DEFAULT_FACETS_SIZE,
            aggs: Vec::new(),
            params: params.to_vec(),
            time_limit: None,
        };
        let mut facets: Option<Vec<String>> = None;
        let mut nested: Vec<(String, Vec<String>)> = Vec::new();
        let mut histograms: Vec<(String, Vec<String>)> = Vec::new();
        let mut intervals: Vec<(String, String)> = Vec::new();
        for (key, value) in params {
            let values = || {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            match key.as_str() {
                "_columns" => {
                    for v in values() {
                        search.columns.push(known_field(key, &v)?);
                    }
                }
                "_sort" => {
                    for v in values() {
                        let (name, descending) = match v.strip_prefix('-') {
                            Some(rest) => (rest.to_owned(), true),
                            None => (v.clone(), false),
                        };
                        let field = known_field(key, &name)?;
                        search.sort.push(Sort { field, descending });
                    }
                }
                "_facets" => facets.get_or_insert_with(Vec::new).extend(values()),
                "_facets_size" => {
                    search.facets_size = number(key, value)?;
                    if search.facets_size > MAX_FACETS_SIZE {
                        return Err(bad(key, "_facets_size greater than 10,000"));
                    }
                }
                "_results_number" => {
                    search.size = number(key, value)?;
                    if search.size > MAX_RESULTS_NUMBER {
                        return Err(bad(key, "_results_number cannot be greater than 1,000"));
                    }
                }
                "_results_offset" => search.offset = number(key, value)?,
                k if k.starts_with("_aggs.") => {
                    let path = &k["_aggs.".len()..];
                    match nested.iter_mut().find(|(p, _)| p == path) {
                        Some((_, subs)) => subs.extend(values()),
                        None => nested.push((path.to_owned(), values().collect())),
                    }
                }
                k if k.starts_with("_histogram_interval.") => {
                    intervals.push((k["_histogram_interval.".len()..].to_owned(), value.clone()))
                }
                k if k.starts_with("_histogram.") => {
                    let name = &k["_histogram.".len()..];
                    match histograms.iter_mut().find(|(n, _)| n == name) {
                        Some((_, subs)) => subs.extend(values()),
                        None => histograms.push((name.to_owned(), values().collect())),
                    }
                }
                "_return_query" => {
                    return Err(bad(
                        key,
                        "not supported: crashkit's searches are not Elasticsearch queries on every backend, so there is no query to return; leave _return_query out",
                    ))
                }
                k if k.starts_with('_') => return Err(bad(k, "unknown parameter")),
                name => {
                    let field = fields::field(name)
                        .ok_or_else(|| bad(name, format!("unknown field {name:?}")))?;
                    search.add_condition(field, value)?;
                }
            }
        }
        search.default_dates(now)?;
        if search.columns.is_empty() {
            search.columns = fields::DEFAULT_COLUMNS
                .iter()
                .map(|n| fields::field(n).expect("default columns are fields"))
                .collect();
        }
        // Elasticsearch's result window (`index.max_result_window`), which
        // Socorro's Super Search inherits; deeper pages are a bad request.
        if search.offset.saturating_add(search.size) > MAX_RESULT_WINDOW {
            return Err(bad(
                "_results_offset",
                "_results_offset + _results_number cannot be greater than 10,000",
            ));
        }
        if search.sort.is_empty() {
            search.sort.push(Sort {
                field: fields::field("date").expect("date is a field"),
                descending: true,
            });
        }
        let interval_of = |field: &'static Field| -> Result<Interval, BadArgument> {
            let param = format!("_histogram_interval.{}", field.name);
            match intervals.iter().rev().find(|(f, _)| f == field.name) {
                Some((_, text)) => parse_interval(&param, field, text),
                None if field.kind == FieldKind::Date => parse_interval(&param, field, "day"),
                None => Ok(Interval::Number(1.0)),
            }
        };
        for (name, text) in &intervals {
            let param = format!("_histogram_interval.{name}");
            parse_interval(&param, histogram_field(&param, name)?, text)?;
        }
        let facets = facets.unwrap_or_else(|| vec!["signature".to_owned()]);
        for name in &facets {
            search
                .aggs
                .push(second_level("_facets", name, &interval_of)?);
        }
        for (path, subs) in &nested {
            let param = format!("_aggs.{path}");
            let names: Vec<&str> = path.split('.').collect();
            let mut subs_aggs = subs
                .iter()
                .map(|s| second_level(&param, s, &interval_of))
                .collect::<Result<Vec<_>, _>>()?;
            for name in names.iter().rev() {
                let field = known_field(&param, name)?;
                subs_aggs = vec![Agg::Terms {
                    field,
                    subs: subs_aggs,
                }];
            }
            search.aggs.extend(subs_aggs);
        }
        for (name, subs) in &histograms {
            let param = format!("_histogram.{name}");
            let field = histogram_field(&param, name)?;
            let subs = subs
                .iter()
                .map(|s| second_level(&param, s, &interval_of))
                .collect::<Result<Vec<_>, _>>()?;
            search.aggs.push(Agg::Histogram {
                field,
                interval: interval_of(field)?,
                subs,
            });
        }
        // A later aggregation of the same name replaces an earlier one.
        let mut seen = std::collections::HashSet::new();
        let mut aggs: Vec<Agg> = search
            .aggs
            .drain(..)
            .rev()
            .filter(|a| seen.insert(a.name()))
            .collect();
        aggs.reverse();
        search.aggs = aggs;
        if search.facets_size == 0 {
            search.aggs.clear();
        }
        Ok(search)
    }

    fn add_condition(&mut self, field: &'static Field, value: &str) -> Result<(), BadArgument> {
        let param = field.name;
        let (negate, rest) = match value.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let range = [
            (">=", Cmp::Ge),
            ("<=", Cmp::Le),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ]
        .into_iter()
        .find(|(p, _)| rest.starts_with(p));
        let string_op = ["=", "~", "^", "$", "@"]
            .into_iter()
            .find(|p| rest.starts_with(p));
        let op = if rest == "__null__" {
            Op::Null
        } else if rest == "__true__" {
            if field.kind != FieldKind::Bool {
                return Err(bad(param, "__true__ applies to boolean fields only"));
            }
            Op::True
        } else if field.kind == FieldKind::Bool {
            return Err(bad(
                param,
                format!("a boolean field takes __true__, !__true__ or __null__, not {value:?}"),
            ));
        } else if field.kind.is_number() || field.kind == FieldKind::Date {
            match range {
                Some((p, cmp)) => Op::Range(cmp, scalar(field, &rest[p.len()..])?),
                None => Op::Equal(scalar(field, rest)?),
            }
        } else if let Some(p) = string_op {
            let text = rest[p.len()..].to_owned();
            if field.kind == FieldKind::Enum {
                return Err(bad(
                    param,
                    format!("{param} takes plain values and __null__, not the string operator {p}"),
                ));
            }
            match p {
                "=" => Op::Exact(text),
                "~" => Op::Contains(text),
                "^" => Op::StartsWith(text),
                "$" => Op::EndsWith(text),
                _ => {
                    lucene::to_rust(&text).map_err(|e| bad(param, e.to_string()))?;
                    Op::Regex(text)
                }
            }
        } else if let Some((p, _)) = range {
            return Err(bad(
                param,
                format!("{param} is a string field: {p} compares numbers and dates only"),
            ));
        } else if field.name == "version" && is_beta_family(rest) {
            Op::PrefixIgnoringCase(rest.to_lowercase())
        } else {
            Op::Match(rest.to_owned())
        };
        let cond = Cond { op, negate };
        let filter = match self.filters.iter_mut().find(|f| f.field == field) {
            Some(f) => f,
            None => {
                self.filters.push(FieldFilter {
                    field,
                    ranges: Vec::new(),
                    any: Vec::new(),
                });
                self.filters.last_mut().expect("just pushed")
            }
        };
        if matches!(cond.op, Op::Range(..)) {
            filter.ranges.push(cond);
        } else {
            filter.any.push(cond);
        }
        Ok(())
    }

    /// Bounds the date: the last 7 days by default; a lower bound alone
    /// runs to now, an upper bound alone starts 7 days before it.
    fn default_dates(&mut self, now: DateTime<Utc>) -> Result<(), BadArgument> {
        let date = fields::field("date").expect("date is a field");
        let mut lower = None;
        let mut upper = None;
        if let Some(f) = self.filters.iter().find(|f| f.field == date) {
            for cond in f.ranges.iter().filter(|c| !c.negate) {
                if let Op::Range(cmp, Scalar::Date(d)) = cond.op {
                    match cmp {
                        Cmp::Gt | Cmp::Ge => {
                            lower = Some(lower.map_or(d, |l: DateTime<Utc>| l.max(d)))
                        }
                        Cmp::Lt | Cmp::Le => {
                            upper = Some(upper.map_or(d, |u: DateTime<Utc>| u.min(d)))
                        }
                    }
                }
            }
        }
        let (from, to) = match (lower, upper) {
            (Some(l), Some(u)) => (l, u),
            (Some(l), None) => (l, now.max(l)),
            (None, Some(u)) => (u - Duration::days(DEFAULT_DAYS), u),
            (None, None) => (now - Duration::days(DEFAULT_DAYS), now),
        };
        if to - from > Duration::days(MAX_RANGE_DAYS) {
            return Err(bad("date", "the date range cannot be longer than 365 days"));
        }
        let mut added = Vec::new();
        if lower.is_none() {
            added.push(Cond {
                op: Op::Range(Cmp::Ge, Scalar::Date(from)),
                negate: false,
            });
        }
        if upper.is_none() {
            added.push(Cond {
                op: Op::Range(Cmp::Lt, Scalar::Date(to)),
                negate: false,
            });
        }
        match self.filters.iter_mut().find(|f| f.field == date) {
            Some(f) => f.ranges.extend(added),
            None => self.filters.push(FieldFilter {
                field: date,
                ranges: added,
                any: Vec::new(),
            }),
        }
        self.from = from;
        self.to = to;
        Ok(())
    }
}

/// `140.0b`, `3b`: a version naming a whole beta family.
fn is_beta_family(value: &str) -> bool {
    value.len() > 1
        && value.ends_with(['b', 'B'])
        && value[..value.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
}

/// `params` as Socorro's public Super Search takes them from a caller
/// without `view_pii`: filters on protected fields are not parameters (left
/// out), and protected fields named in `_columns`, `_sort`, `_facets`,
/// `_aggs.*` and `_histogram.*` are removed from those lists. Unknown names
/// stay, to be refused by [`Search::parse`].
pub fn without_protected(params: &[(String, String)]) -> Vec<(String, String)> {
    let protected = |name: &str| {
        let name = name.trim();
        let name = name.strip_prefix('-').unwrap_or(name);
        let name = name
            .strip_prefix("_histogram.")
            .or_else(|| name.strip_prefix("_cardinality."))
            .unwrap_or(name);
        fields::field(name).is_some_and(Field::is_protected)
    };
    let mut out = Vec::with_capacity(params.len());
    for (key, value) in params {
        let named = key
            .strip_prefix("_aggs.")
            .or_else(|| key.strip_prefix("_histogram_interval."))
            .or_else(|| key.strip_prefix("_histogram."));
        let key_protected = match named {
            Some(path) => path.split('.').any(protected),
            None => !key.starts_with('_') && protected(key),
        };
        if key_protected {
            continue;
        }
        let lists = matches!(key.as_str(), "_columns" | "_sort" | "_facets")
            || key.starts_with("_aggs.")
            || key.starts_with("_histogram.");
        if !lists {
            out.push((key.clone(), value.clone()));
            continue;
        }
        let kept: Vec<&str> = value.split(',').filter(|v| !protected(v)).collect();
        let value = match (kept.is_empty(), key.as_str()) {
            // Nothing left to return: the crash id only, not the defaults.
            (true, "_columns") => "uuid".to_owned(),
            _ => kept.join(","),
        };
        out.push((key.clone(), value));
    }
    out
}

fn known_field(param: &str, name: &str) -> Result<&'static Field, BadArgument> {
    fields::field(name).ok_or_else(|| bad(param, format!("unknown field {name:?}")))
}

fn histogram_field(param: &str, name: &str) -> Result<&'static Field, BadArgument> {
    let field = known_field(param, name)?;
    if !(field.kind.is_number() || field.kind == FieldKind::Date) {
        return Err(bad(param, format!("{name} is not a date or number field")));
    }
    Ok(field)
}

/// A facet or second-level aggregation: a field name, `_histogram.F` or `_cardinality.F`.
fn second_level(
    param: &str,
    value: &str,
    interval_of: &dyn Fn(&'static Field) -> Result<Interval, BadArgument>,
) -> Result<Agg, BadArgument> {
    if let Some(name) = value.strip_prefix("_histogram.") {
        let field = histogram_field(param, name)?;
        Ok(Agg::Histogram {
            field,
            interval: interval_of(field)?,
            subs: Vec::new(),
        })
    } else if let Some(name) = value.strip_prefix("_cardinality.") {
        Ok(Agg::Cardinality {
            field: known_field(param, name)?,
        })
    } else {
        Ok(Agg::Terms {
            field: known_field(param, value)?,
            subs: Vec::new(),
        })
    }
}

fn number(param: &str, value: &str) -> Result<usize, BadArgument> {
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| bad(param, format!("{value:?} is not a whole number")))?;
    usize::try_from(n).map_err(|_| bad(param, format!("{param} cannot be negative")))
}

fn scalar(field: &Field, text: &str) -> Result<Scalar, BadArgument> {
    match field.kind {
        FieldKind::Date => fields::parse_date(text).map(Scalar::Date).ok_or_else(|| {
            bad(
                field.name,
                format!(
                    "{text:?} is not a date (YYYY-MM-DD or RFC 3339, from {} to {})",
                    fields::FIRST_DATE,
                    fields::LAST_DATE
                ),
            )
        }),
        FieldKind::Float => text
            .trim()
            .parse()
            .ok()
            .filter(|f: &f64| f.is_finite())
            .map(Scalar::Float)
            .ok_or_else(|| bad(field.name, format!("{text:?} is not a number"))),
        _ => text
            .trim()
            .parse()
            .map(Scalar::Int)
            .map_err(|_| bad(field.name, format!("{text:?} is not a whole number"))),
    }
}

/// Parses `day`, `week`, `hour`, `1h`, `6h`, `2d`, `30m` (dates) or a
/// positive number (numbers).
pub fn parse_interval(param: &str, field: &Field, text: &str) -> Result<Interval, BadArgument> {
    let text = text.trim();
    if field.kind != FieldKind::Date {
        return match text.parse::<f64>() {
            Ok(n) if n > 0.0 && n.is_finite() => Ok(Interval::Number(n)),
            _ => Err(bad(param, format!("{text:?} is not a positive number"))),
        };
    }
    const MINUTE: i64 = 60_000_000;
    const DAY: i64 = 24 * 60 * MINUTE;
    let (micros, offset) = match text {
        "day" | "1d" => (DAY, 0),
        "hour" | "1h" => (60 * MINUTE, 0),
        "minute" | "1m" => (MINUTE, 0),
        // The epoch was a Thursday: weeks start three days earlier, on Monday.
        "week" | "1w" | "7d" => (7 * DAY, -3 * DAY),
        _ => {
            let unit = text.chars().last().unwrap_or(' ');
            // Cut at a character boundary: the unit may be any character.
            let n: i64 = text[..text.len() - unit.len_utf8().min(text.len())]
                .parse()
                .ok()
                .filter(|n| *n > 0 && *n <= 10_000)
                .ok_or_else(|| bad(param, bad_interval(text)))?;
            match unit {
                'm' => (n * MINUTE, 0),
                'h' => (n * 60 * MINUTE, 0),
                'd' => (n * DAY, 0),
                _ => return Err(bad(param, bad_interval(text))),
            }
        }
    };
    Ok(Interval::Time {
        micros,
        offset_micros: offset,
    })
}

fn bad_interval(text: &str) -> String {
    format!("{text:?} is not an interval: use day, week, hour or a count of m, h or d (6h, 2d)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        fields::parse_date("2026-11-30T12:00:00+00:00").unwrap()
    }

    fn parse(params: &[(&str, &str)]) -> Result<Search, BadArgument> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Search::parse(&params, now())
    }

    /// Found by the `query` fuzz target: an interval whose last character
    /// is not ASCII was cut inside that character, a panic.
    #[test]
    fn an_interval_ending_in_a_multibyte_character_is_refused_not_a_panic() {
        for interval in ["3€", "€", "1ñ", "ñ"] {
            let e = parse(&[
                ("_histogram.date", "product"),
                ("_histogram_interval.date", interval),
            ])
            .unwrap_err();
            assert!(e.to_string().contains("interval"), "{interval}: {e}");
        }
    }

    #[test]
    fn public_callers_lose_every_mention_of_a_protected_field() {
        let params: Vec<(String, String)> = [
            ("url", "~example"),
            ("signature", "foo"),
            ("_columns", "uuid,url,user_comments"),
            ("_sort", "-url,date"),
            ("_facets", "url"),
            ("_facets", "product,_cardinality.user_comments"),
            ("_aggs.url", "product"),
            ("_aggs.product", "url,version"),
            ("_histogram.date", "_histogram.phc_usable_size,platform"),
            ("_histogram.phc_usable_size", "product"),
            ("_histogram_interval.phc_usable_size", "10"),
            ("nonsense", "x"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let kept = without_protected(&params);
        let kept: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            kept,
            [
                ("signature", "foo"),
                ("_columns", "uuid"),
                ("_sort", "date"),
                ("_facets", ""),
                ("_facets", "product"),
                ("_aggs.product", "version"),
                ("_histogram.date", "platform"),
                ("nonsense", "x"),
            ]
        );
        let only_protected = [("_columns".to_owned(), "url".to_owned())];
        assert_eq!(without_protected(&only_protected)[0].1, "uuid");
    }

    #[test]
    fn float_fields_take_ranges_and_refuse_words() {
        let s = parse(&[("uptime_ts", ">=1.5")]).unwrap();
        assert!(matches!(
            s.filters.iter().find(|f| f.field.name == "uptime_ts").unwrap().ranges[0].op,
            Op::Range(Cmp::Ge, Scalar::Float(f)) if f == 1.5
        ));
        assert!(parse(&[("uptime_ts", "fast")]).is_err());
        assert!(parse(&[("uptime_ts", "NaN")]).is_err());
    }

    #[test]
    fn defaults_are_socorros() {
        let s = parse(&[]).unwrap();
        assert_eq!(s.size, 100);
        assert_eq!(s.facets_size, 50);
        assert_eq!(s.aggs.len(), 1);
        assert_eq!(s.aggs[0].name(), "signature");
        assert_eq!(s.sort[0].field.name, "date");
        assert!(s.sort[0].descending);
        assert_eq!(s.to - s.from, Duration::days(7));
        assert_eq!(s.columns.len(), 5);
    }

    #[test]
    fn operators_parse_by_field_type() {
        let s = parse(&[
            ("signature", "!~OOM"),
            ("signature", "@a.*"),
            ("uptime", ">=10"),
            ("uptime", "<60"),
            ("version", "140.0b"),
            ("success", "!__true__"),
            ("product", "__null__"),
        ])
        .unwrap();
        let sig = &s.filters[0];
        assert_eq!(sig.any.len(), 2);
        assert!(sig.any[0].negate);
        assert_eq!(sig.any[0].op, Op::Contains("OOM".into()));
        let uptime = &s.filters[1];
        assert_eq!(uptime.ranges.len(), 2);
        assert_eq!(
            s.filters[2].any[0].op,
            Op::PrefixIgnoringCase("140.0b".into())
        );
        assert_eq!(
            s.filters[3].any[0],
            Cond {
                op: Op::True,
                negate: true
            }
        );
        assert_eq!(s.filters[4].any[0].op, Op::Null);
    }

    #[test]
    fn mistakes_name_their_parameter() {
        let cases: &[(&str, &str, &str)] = &[
            ("nosuchfield", "x", "nosuchfield"),
            ("_facets", "nosuchfield", "_facets"),
            ("_sort", "-nosuch", "_sort"),
            ("_facets_size", "999999", "_facets_size"),
            ("_results_number", "1001", "_results_number"),
            ("_results_number", "-1", "_results_number"),
            ("signature", "@(", "signature"),
            ("product", "~Fire", "product"),
            ("uptime", "abc", "uptime"),
            ("date", ">=yesterday", "date"),
            (
                "_histogram_interval.date",
                "fortnight",
                "_histogram_interval.date",
            ),
            ("_histogram.signature", "", "_histogram.signature"),
            ("success", "yes", "success"),
            ("_cardinality", "x", "_cardinality"),
        ];
        for (key, value, param) in cases {
            let err = parse(&[(key, value)]).unwrap_err();
            assert_eq!(err.param, *param, "{key}={value}: {err}");
        }
        let err = parse(&[("date", ">=2025-01-01"), ("date", "<2026-11-01")]).unwrap_err();
        assert_eq!(err.param, "date");
        assert!(parse(&[("_facets_size", "10000")]).is_ok());
        // Paging stops at Elasticsearch's result window, as in Socorro.
        assert!(parse(&[("_results_offset", "9900"), ("_results_number", "100")]).is_ok());
        let err = parse(&[("_results_offset", "10000")]).unwrap_err();
        assert_eq!(err.param, "_results_offset");
    }

    #[test]
    fn dates_default_around_the_bounds_given() {
        let s = parse(&[("date", ">=2026-11-20")]).unwrap();
        assert_eq!(s.from, fields::parse_date("2026-11-20").unwrap());
        assert_eq!(s.to, now());
        let s = parse(&[("date", "<2026-11-20")]).unwrap();
        assert_eq!(s.from, fields::parse_date("2026-11-13").unwrap());
    }

    #[test]
    fn aggregations_nest_as_socorro_names_them() {
        let s = parse(&[
            (
                "_facets",
                "platform,_cardinality.signature,_histogram.uptime",
            ),
            ("_aggs.product.version", "platform"),
            ("_histogram.date", "product"),
            ("_histogram_interval.date", "week"),
            ("_histogram_interval.uptime", "60"),
        ])
        .unwrap();
        let names: Vec<String> = s.aggs.iter().map(Agg::name).collect();
        assert_eq!(
            names,
            [
                "platform",
                "cardinality_signature",
                "histogram_uptime",
                "product",
                "histogram_date"
            ]
        );
        assert_eq!(s.aggs[3].subs()[0].name(), "version");
        assert_eq!(s.aggs[3].subs()[0].subs()[0].name(), "platform");
        assert_eq!(
            s.aggs[2],
            Agg::Histogram {
                field: fields::field("uptime").unwrap(),
                interval: Interval::Number(60.0),
                subs: vec![],
            }
        );
        let s = parse(&[("_facets_size", "0"), ("_aggs.product", "version")]).unwrap();
        assert!(s.aggs.is_empty());
    }
}
