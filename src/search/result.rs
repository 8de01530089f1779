//! What a search answers, in the shape Crash Stats' `/api/SuperSearch/`
//! answers it: `{"hits", "total", "facets", "errors"}`, facets as
//! `[{"term", "count", "facets"?}]`, cardinalities as `{"value"}`.
//!
//! Backends produce [`Tally`] parts (mergeable across partitions); one
//! finishing step sorts and cuts them the same way for every backend:
//! terms by count then term, histograms by key with the empty buckets
//! between the first and the last filled in, as Elasticsearch does.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::fields::{self, Field, FieldKind};
use super::query::{Agg, BadArgument, Interval, Search};

/// The hasher of aggregation tallies: fast on the millions of values a
/// cardinality or a wide facet sees, and seeded per process, so values
/// from crash reports cannot be chosen to collide.
pub type FastHash = foldhash::fast::RandomState;

/// Tallies by bucket key.
pub type KeyMap<V> = HashMap<Key, V, FastHash>;

/// Distinct keys.
pub type KeySet = HashSet<Key, FastHash>;

/// A bucket key or a sort value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Key {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Microseconds since the epoch.
    Date(i64),
    Float(f64),
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        use Key::*;
        match (self, other) {
            (Str(a), Str(b)) => a.cmp(b),
            (Int(a), Int(b)) | (Date(a), Date(b)) => a.cmp(b),
            (Bool(a), Bool(b)) => a.cmp(b),
            (Float(a), Float(b)) => a.total_cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::Str(s) => s.hash(state),
            Key::Int(i) | Key::Date(i) => i.hash(state),
            Key::Bool(b) => b.hash(state),
            Key::Float(f) => f.to_bits().hash(state),
        }
    }
}

impl Key {
    fn rank(&self) -> u8 {
        match self {
            Key::Str(_) => 0,
            Key::Int(_) => 1,
            Key::Bool(_) => 2,
            Key::Date(_) => 3,
            Key::Float(_) => 4,
        }
    }

    /// The term as Socorro writes it: booleans as `"true"`/`"false"`,
    /// dates as RFC 3339 strings, numbers as numbers.
    pub fn to_json(&self) -> Value {
        match self {
            Key::Str(s) => Value::String(s.clone()),
            Key::Int(i) => json!(i),
            Key::Bool(b) => Value::String(b.to_string()),
            Key::Date(micros) => Value::String(
                DateTime::from_timestamp_micros(*micros)
                    .map(|d| d.format("%Y-%m-%dT%H:%M:%S+00:00").to_string())
                    .unwrap_or_default(),
            ),
            Key::Float(f) => json!(f),
        }
    }
}

/// One aggregation's partial result: counts per key (with the
/// sub-aggregations of each bucket), or the set of distinct values.
#[derive(Debug, Clone, PartialEq)]
pub enum Tally {
    Buckets(KeyMap<(u64, Vec<Tally>)>),
    Distinct(KeySet),
    /// A distinct count an engine computed itself.
    Count(u64),
}

impl Tally {
    /// An empty tally for `agg`.
    pub fn empty(agg: &Agg) -> Tally {
        match agg {
            Agg::Cardinality { .. } => Tally::Distinct(KeySet::default()),
            _ => Tally::Buckets(KeyMap::default()),
        }
    }

    /// Adds `other` (a tally of the same aggregation) into `self`.
    pub fn merge(&mut self, other: Tally) {
        match (self, other) {
            (Tally::Buckets(mine), Tally::Buckets(theirs)) => {
                for (key, (count, subs)) in theirs {
                    match mine.get_mut(&key) {
                        Some((c, my_subs)) => {
                            *c += count;
                            for (m, t) in my_subs.iter_mut().zip(subs) {
                                m.merge(t);
                            }
                        }
                        None => {
                            mine.insert(key, (count, subs));
                        }
                    }
                }
            }
            (Tally::Distinct(mine), Tally::Distinct(theirs)) => mine.extend(theirs),
            (Tally::Count(mine), Tally::Count(theirs)) => *mine += theirs,
            _ => {}
        }
    }
}

/// One facet in the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Facet {
    Buckets(Vec<Bucket>),
    Cardinality(u64),
}

/// A bucket of a terms facet or a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub term: Key,
    pub count: u64,
    pub facets: BTreeMap<String, Facet>,
}

/// Facets by name (Socorro's names: `signature`, `histogram_date`, `cardinality_platform`).
pub type Facets = BTreeMap<String, Facet>;

/// Most buckets one histogram may answer, the empty ones between its
/// first and last included (Elasticsearch's default `search.max_buckets`):
/// a histogram of build ids by 1 would otherwise be billions of buckets.
pub const MAX_HISTOGRAM_BUCKETS: u64 = 65_536;

/// Finishes merged tallies: sorts, cuts to `size`, fills histogram gaps;
/// a histogram that would have more than [`MAX_HISTOGRAM_BUCKETS`] is a
/// bad argument (its interval is too small for its values).
pub fn finish(aggs: &[Agg], tallies: Vec<Tally>, size: usize) -> Result<Facets, BadArgument> {
    let mut facets = Facets::new();
    for (agg, tally) in aggs.iter().zip(tallies) {
        facets.insert(agg.name(), finish_one(agg, tally, size)?);
    }
    Ok(facets)
}

fn finish_one(agg: &Agg, tally: Tally, size: usize) -> Result<Facet, BadArgument> {
    Ok(match (agg, tally) {
        (Agg::Cardinality { .. }, Tally::Distinct(set)) => Facet::Cardinality(set.len() as u64),
        (Agg::Cardinality { .. }, Tally::Count(n)) => Facet::Cardinality(n),
        (Agg::Terms { subs, .. }, Tally::Buckets(map)) => {
            let mut buckets: Vec<(Key, (u64, Vec<Tally>))> = map.into_iter().collect();
            buckets.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
            buckets.truncate(size);
            let mut out = Vec::with_capacity(buckets.len());
            for (term, (count, tallies)) in buckets {
                let facets = finish(subs, tallies, size)?;
                out.push(Bucket {
                    term,
                    count,
                    facets,
                });
            }
            Facet::Buckets(out)
        }
        (
            Agg::Histogram {
                field,
                interval,
                subs,
            },
            Tally::Buckets(map),
        ) => {
            let mut map: Vec<(Key, (u64, Vec<Tally>))> = map.into_iter().collect();
            map.sort_by(|a, b| a.0.cmp(&b.0));
            if let (Some((first, _)), Some((last, _))) = (map.first(), map.last()) {
                let span = buckets_between(first, last, interval);
                if span > MAX_HISTOGRAM_BUCKETS {
                    return Err(BadArgument {
                        param: format!("_histogram.{}", field.name),
                        message: format!(
                            "{span} buckets, more than {MAX_HISTOGRAM_BUCKETS}: use a larger _histogram_interval.{}",
                            field.name
                        ),
                    });
                }
            }
            let mut out = Vec::new();
            let mut next: Option<Key> = None;
            for (term, (count, tallies)) in map {
                while let Some(gap) = next.take().filter(|g| *g < term) {
                    next = Some(step(&gap, interval));
                    out.push(empty_bucket(gap, subs, size)?);
                }
                next = Some(step(&term, interval));
                let facets = finish(subs, tallies, size)?;
                out.push(Bucket {
                    term,
                    count,
                    facets,
                });
            }
            Facet::Buckets(out)
        }
        (agg, _) => finish_one(agg, Tally::empty(agg), size)?,
    })
}

/// How many buckets a histogram from `first` to `last` has, both included.
fn buckets_between(first: &Key, last: &Key, interval: &Interval) -> u64 {
    let steps = match (first, last, interval) {
        (Key::Date(a), Key::Date(b), Interval::Time { micros, .. }) => {
            (b.saturating_sub(*a) / (*micros).max(1)) as f64
        }
        (Key::Float(a), Key::Float(b), Interval::Number(n)) => ((b - a) / n).round(),
        _ => 0.0,
    };
    if steps.is_finite() && steps >= 0.0 {
        (steps as u64).saturating_add(1)
    } else {
        u64::MAX
    }
}

fn empty_bucket(term: Key, subs: &[Agg], size: usize) -> Result<Bucket, BadArgument> {
    Ok(Bucket {
        term,
        count: 0,
        facets: finish(subs, subs.iter().map(Tally::empty).collect(), size)?,
    })
}

fn step(key: &Key, interval: &Interval) -> Key {
    match (key, interval) {
        (Key::Date(d), Interval::Time { micros, .. }) => Key::Date(d + micros),
        (Key::Float(f), Interval::Number(n)) => Key::Float(f + n),
        (other, _) => other.clone(),
    }
}

/// The histogram bucket of `value` (a date in microseconds or a number).
pub fn bucket_of(value: i64, interval: &Interval) -> Key {
    match *interval {
        Interval::Time {
            micros,
            offset_micros,
        } => Key::Date((value - offset_micros).div_euclid(micros) * micros + offset_micros),
        Interval::Number(n) => Key::Float((value as f64 / n).floor() * n),
    }
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The documents of this page, whole (as indexed).
    pub hits: Vec<Map<String, Value>>,
    /// How many crashes match.
    pub total: u64,
    pub facets: Facets,
    /// Pass to the next call to get the page after this one (`None`: no more).
    pub cursor: Option<Value>,
}

impl Page {
    /// The Super Search answer: the hits cut to `search.columns`.
    pub fn to_super_search(&self, search: &Search) -> Value {
        let hits: Vec<Value> = self
            .hits
            .iter()
            .map(|doc| Value::Object(columns(doc, &search.columns)))
            .collect();
        json!({
            "hits": hits,
            "total": self.total,
            "facets": facets_json(&self.facets),
            "errors": [],
        })
    }
}

/// `doc`'s values of `columns`, lists of one value as that value and empty
/// or missing ones as null, as Socorro returns them.
pub fn columns(doc: &Map<String, Value>, columns: &[&'static Field]) -> Map<String, Value> {
    columns
        .iter()
        .map(|f| {
            let value = match doc.get(f.name) {
                Some(Value::Array(items)) if items.is_empty() => Value::Null,
                Some(Value::Array(items)) if items.len() == 1 => items[0].clone(),
                Some(v) => v.clone(),
                None => Value::Null,
            };
            (f.name.to_owned(), value)
        })
        .collect()
}

/// Facets as Socorro writes them.
pub fn facets_json(facets: &Facets) -> Value {
    let mut out = Map::new();
    for (name, facet) in facets {
        out.insert(name.clone(), facet_json(facet));
    }
    Value::Object(out)
}

fn facet_json(facet: &Facet) -> Value {
    match facet {
        Facet::Cardinality(n) => json!({ "value": n }),
        Facet::Buckets(buckets) => Value::Array(
            buckets
                .iter()
                .map(|b| {
                    let mut o = Map::new();
                    o.insert("term".into(), b.term.to_json());
                    o.insert("count".into(), json!(b.count));
                    if !b.facets.is_empty() {
                        o.insert("facets".into(), facets_json(&b.facets));
                    }
                    Value::Object(o)
                })
                .collect(),
        ),
    }
}

/// A sort position: the sort fields' values (missing sorts last in either
/// direction, as in Elasticsearch), then the crash id ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    pub values: Vec<(Option<Key>, bool)>,
    pub uuid: String,
}

impl SortKey {
    /// Compares the sort fields only.
    pub fn cmp_values(&self, other: &SortKey) -> Ordering {
        for ((a, desc), (b, _)) in self.values.iter().zip(&other.values) {
            let ord = match (a, b) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) if *desc => b.cmp(a),
                (Some(a), Some(b)) => a.cmp(b),
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &SortKey) -> Ordering {
        self.cmp_values(other)
            .then_with(|| self.uuid.cmp(&other.uuid))
    }
}
impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &SortKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The sort key of a whole document (for backends that sort documents they hold).
pub fn sort_key_of(doc: &Map<String, Value>, search: &Search) -> SortKey {
    let values = search
        .sort
        .iter()
        .map(|s| {
            let v = doc.get(s.field.name).and_then(|v| match v {
                Value::Array(items) => items.first(),
                v => Some(v),
            });
            (v.and_then(|v| key_of_json(s.field, v)), s.descending)
        })
        .collect();
    SortKey {
        values,
        uuid: doc
            .get("uuid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    }
}

fn key_of_json(field: &Field, v: &Value) -> Option<Key> {
    match field.kind {
        FieldKind::Integer => v.as_i64().map(Key::Int),
        FieldKind::Float => v.as_f64().map(Key::Float),
        FieldKind::Bool => v.as_bool().map(Key::Bool),
        FieldKind::Date => v
            .as_str()
            .and_then(fields::parse_date)
            .map(|d| Key::Date(d.timestamp_micros())),
        _ => v.as_str().map(|s| Key::Str(s.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(counts: &[(&str, u64)]) -> Tally {
        Tally::Buckets(
            counts
                .iter()
                .map(|(k, c)| (Key::Str(k.to_string()), (*c, vec![])))
                .collect(),
        )
    }

    #[test]
    fn terms_sort_by_count_then_term_and_merge() {
        let agg = Agg::Terms {
            field: fields::field("signature").unwrap(),
            subs: vec![],
        };
        let mut t = terms(&[("b", 2), ("a", 1)]);
        t.merge(terms(&[("a", 1), ("c", 3)]));
        let facets = finish(std::slice::from_ref(&agg), vec![t], 10).unwrap();
        let json = facets_json(&facets);
        assert_eq!(
            json["signature"],
            json!([
                {"term": "c", "count": 3},
                {"term": "a", "count": 2},
                {"term": "b", "count": 2},
            ])
        );
    }

    /// A numeric histogram of `field` by `interval` over (value, count)
    /// pairs, finished.
    fn histogram(field: &str, interval: f64, values: &[(i64, u64)]) -> Result<Facets, BadArgument> {
        let interval = Interval::Number(interval);
        let agg = Agg::Histogram {
            field: fields::field(field).unwrap(),
            interval,
            subs: vec![],
        };
        let mut map = KeyMap::default();
        for (value, count) in values {
            map.insert(bucket_of(*value, &interval), (*count, vec![]));
        }
        finish(&[agg], vec![Tally::Buckets(map)], 10)
    }

    #[test]
    fn histograms_fill_gaps_between_buckets() {
        let facets = histogram("uptime", 10.0, &[(5, 1), (31, 2)]).unwrap();
        let json = facets_json(&facets);
        assert_eq!(
            json["histogram_uptime"],
            json!([
                {"term": 0.0, "count": 1},
                {"term": 10.0, "count": 0},
                {"term": 20.0, "count": 0},
                {"term": 30.0, "count": 2},
            ])
        );
    }

    /// A histogram of build ids by 1 spans billions of buckets: refused,
    /// not filled (it tied the server up).
    #[test]
    fn a_histogram_with_too_many_buckets_is_a_bad_argument() {
        let values = [(20_240_101_000_000, 1), (20_261_130_120_000, 1)];
        let err = histogram("build_id", 1.0, &values).unwrap_err();
        assert_eq!(err.param, "_histogram.build_id");
        assert!(err.message.contains("more than 65536"), "{}", err.message);
    }

    #[test]
    fn missing_values_sort_last_both_ways() {
        let key = |v: Option<i64>, desc: bool, id: &str| SortKey {
            values: vec![(v.map(Key::Int), desc)],
            uuid: id.into(),
        };
        assert!(key(Some(1), false, "a") < key(None, false, "a"));
        assert!(key(Some(1), true, "a") < key(None, true, "a"));
        assert!(key(Some(2), true, "a") < key(Some(1), true, "a"));
        assert!(key(Some(1), true, "a") < key(Some(1), true, "b"));
    }
}
