//! The embedded search index: Tantivy in a directory, one Tantivy index per
//! week of the crash id's date (`2026-W48/`), so pruning removes whole
//! directories.
//!
//! One writer at a time: it holds an exclusive lock on `.writer.lock` (a
//! second writer gets [`SearchError::Locked`]); any number of readers open
//! the weekly indices and see every commit. The writer keeps at most
//! [`MAX_OPEN_WEEKS`] weekly writers open, sharing `index.writer_memory_mb`.
//! `crashkit-index.json` records the schema version.
//!
//! Each Super Search field is a fast column (facets, sorting, ranges,
//! existence). String values are also terms of three shared indexed fields,
//! packed as `<name>\0<value>`: whole values (`=`, and `~`, `^`, `$`, `@` as
//! automata over the term dictionary), lower-cased whole values (enum and
//! keyword plain values) and lower-cased words (text plain values). `_source`
//! keeps the document's JSON for hits.

use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::ops::Bound;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, ExistsQuery, Occur, Query, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{
    DateOptions, DateTimePrecision, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, Value as _,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Score, SegmentReader, TantivyDocument, Term,
};

use super::facts::{Facts, FileFacts, Sightings};
use super::fields::{self, Document, Field, FieldKind, FieldValue, FIELDS};
use super::lucene;
use super::query::{Agg, Cmp, Cond, Op, Scalar, Search};
use super::result::{self, FastHash, Key, KeyMap, Page, SortKey, Tally};
use super::{Mode, Rejected, Result, SearchError, SearchIndex, SCHEMA_VERSION};
use crate::config::IndexSettings;
use crate::crash_id::CrashId;

/// Weekly writers open at once; the next week commits and closes the
/// oldest. Enough for a backfill of a couple of months in random order.
pub const MAX_OPEN_WEEKS: usize = 10;

/// Tantivy's smallest writer budget.
const MIN_WRITER_BYTES: usize = 15_000_000;

const META_FILE: &str = "crashkit-index.json";
const LOCK_FILE: &str = ".writer.lock";

/// The on-disk layout of the embedded index, recorded beside the schema
/// version in `crashkit-index.json`: a crashkit that writes another layout
/// asks for `index --rebuild`. 1: one indexed Tantivy field per Super Search
/// field; 2: the three packed term fields below.
pub const LAYOUT_VERSION: u32 = 2;

/// Separates a field's name from its value in a packed term.
const NAME_END: char = '\0';

/// The Tantivy columns of one Super Search field.
#[derive(Debug, Clone, Copy)]
struct Handles {
    /// The fast column (facets, sorting, ranges, existence).
    raw: tantivy::schema::Field,
}

/// The term fields every string field shares. Tantivy builds a term
/// dictionary per indexed field and segment, and that cost, not the terms,
/// dominated indexing with 240 indexed fields; packed, a segment has three.
/// Each term is `<field name>\0<value>`; a true boolean is the term
/// `<field name>\0true`.
#[derive(Debug, Clone, Copy)]
struct Terms {
    /// Whole values as sent (`=`, `~`, `^`, `$`, `@`).
    raw: tantivy::schema::Field,
    /// Lower-cased whole values (enum and keyword plain values, `^` on enums).
    lower: tantivy::schema::Field,
    /// Lower-cased words (text plain values).
    words: tantivy::schema::Field,
}

/// `value` of the field `name` as a packed term.
fn packed(name: &str, value: &str) -> String {
    let mut term = String::with_capacity(name.len() + 1 + value.len());
    term.push_str(name);
    term.push(NAME_END);
    term.push_str(value);
    term
}

/// A `regex`-crate pattern over whole values of the field `name`, made to
/// match its packed terms only.
fn packed_pattern(name: &str, pattern: &str) -> String {
    format!("{}\\x00(?:{pattern})", regex::escape(name))
}

/// A string indexed whole (the caller splits words), without field norms:
/// nothing is scored.
fn untokenized() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_fieldnorms(false)
            .set_index_option(IndexRecordOption::Basic),
    )
}

#[derive(Debug)]
struct Layout {
    schema: Schema,
    fields: HashMap<&'static str, Handles>,
    terms: Terms,
    source: tantivy::schema::Field,
}

impl Layout {
    fn new() -> Layout {
        let mut builder = Schema::builder();
        let mut handles = HashMap::new();
        for field in FIELDS {
            let raw = match field.kind {
                FieldKind::Enum | FieldKind::Keyword | FieldKind::Text => {
                    builder.add_text_field(field.name, TextOptions::default().set_fast(None))
                }
                FieldKind::Integer => {
                    builder.add_i64_field(field.name, NumericOptions::default().set_fast())
                }
                FieldKind::Float => {
                    builder.add_f64_field(field.name, NumericOptions::default().set_fast())
                }
                FieldKind::Bool => {
                    builder.add_bool_field(field.name, NumericOptions::default().set_fast())
                }
                FieldKind::Date => builder.add_date_field(
                    field.name,
                    DateOptions::default()
                        .set_fast()
                        .set_precision(DateTimePrecision::Microseconds),
                ),
            };
            handles.insert(field.name, Handles { raw });
        }
        let terms = Terms {
            raw: builder.add_text_field("_terms", untokenized()),
            lower: builder.add_text_field("_lower", untokenized()),
            words: builder.add_text_field("_words", untokenized()),
        };
        let source = builder.add_text_field("_source", TextOptions::default().set_stored());
        Layout {
            schema: builder.build(),
            fields: handles,
            terms,
            source,
        }
    }

    fn handles(&self, field: &Field) -> Handles {
        self.fields[field.name]
    }

    /// The term that deletes the crash `id`.
    fn id_term(&self, id: &str) -> Term {
        Term::from_field_text(self.terms.raw, &packed("uuid", id))
    }

    fn document(&self, doc: &Document) -> TantivyDocument {
        let mut out = TantivyDocument::new();
        for (name, values) in &doc.values {
            let Some(field) = fields::field(name) else {
                continue;
            };
            let h = self.handles(field);
            for value in values {
                match value {
                    FieldValue::Str(s) => {
                        out.add_text(h.raw, s);
                        out.add_text(self.terms.raw, packed(field.name, s));
                        match field.kind {
                            FieldKind::Enum | FieldKind::Keyword => out
                                .add_text(self.terms.lower, packed(field.name, &s.to_lowercase())),
                            FieldKind::Text => {
                                for word in fields::words(s) {
                                    out.add_text(self.terms.words, packed(field.name, &word));
                                }
                            }
                            _ => {}
                        }
                    }
                    FieldValue::Int(i) => out.add_i64(h.raw, *i),
                    FieldValue::Float(f) => out.add_f64(h.raw, *f),
                    FieldValue::Bool(b) => {
                        // Tantivy ranges cannot take booleans: `true` is a term.
                        out.add_bool(h.raw, *b);
                        if *b {
                            out.add_text(self.terms.raw, packed(field.name, "true"));
                        }
                    }
                    FieldValue::Date(d) => out.add_date(
                        h.raw,
                        tantivy::DateTime::from_timestamp_micros(d.timestamp_micros()),
                    ),
                }
            }
        }
        out.add_text(self.source, doc.to_json_string());
        out
    }
}

/// The embedded index. Tantivy's calls block, so they run on the blocking pool.
#[derive(Clone)]
pub struct Embedded(Arc<Inner>);

struct Inner {
    root: PathBuf,
    facts: Arc<FileFacts>,
    sightings: Sightings,
    layout: Arc<Layout>,
    writer: Option<Mutex<Writer>>,
    readers: Mutex<HashMap<String, IndexReader>>,
}

impl std::fmt::Debug for Embedded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedded")
            .field("root", &self.0.root)
            .finish()
    }
}

struct Writer {
    _lock: File,
    per_week_bytes: usize,
    open: HashMap<String, IndexWriter>,
    /// Least recently used first.
    order: VecDeque<String>,
}

/// The partition (directory) name of the week starting on Monday `week`.
fn partition_name(week: NaiveDate) -> String {
    let iso = week.iso_week();
    format!("{}-W{:02}", iso.year(), iso.week())
}

use chrono::Datelike;

fn partition_of(id: &CrashId) -> Option<String> {
    id.date().map(|d| partition_name(super::week_start(d)))
}

/// The Monday of a partition name.
fn partition_week(name: &str) -> Option<NaiveDate> {
    let (year, week) = name.split_once("-W")?;
    NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, chrono::Weekday::Mon)
}

impl Embedded {
    /// Opens (creating when writing) the index in `root`.
    pub fn open(root: &str, settings: &IndexSettings, mode: Mode) -> Result<Embedded> {
        Inner::open(root, settings, mode).map(|inner| Embedded(Arc::new(inner)))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| inner_local(&self.0, format!("index task failed: {e}")))?
    }
}

fn inner_local(inner: &Inner, message: String) -> SearchError {
    SearchError::Local {
        location: inner.root.display().to_string(),
        message,
    }
}

impl Inner {
    /// Opens (creating when writing) the index in `root`.
    fn open(root: &str, settings: &IndexSettings, mode: Mode) -> Result<Inner> {
        let root = PathBuf::from(root);
        let location = root.display().to_string();
        let local = |message: String| SearchError::Local {
            location: location.clone(),
            message,
        };
        let writer = match mode {
            Mode::Read if !root.join(META_FILE).exists() => {
                return Err(SearchError::InvalidUrl {
                    url: location,
                    message: "no crashkit index here (`crashkit index --index PATH` makes one)"
                        .into(),
                })
            }
            Mode::Read => None,
            Mode::Write | Mode::Rebuild => {
                fs::create_dir_all(&root).map_err(|e| local(format!("cannot create: {e}")))?;
                let lock_path = root.join(LOCK_FILE);
                let lock = File::options()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)
                    .map_err(|e| local(format!("cannot open {}: {e}", lock_path.display())))?;
                // SAFETY: flock on a file descriptor we own; no memory is involved.
                let locked =
                    unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
                if locked != 0 {
                    return Err(SearchError::Locked {
                        location,
                        lock: lock_path.display().to_string(),
                    });
                }
                let total = usize::try_from(settings.writer_memory_mb)
                    .unwrap_or(usize::MAX / 2)
                    .saturating_mul(1 << 20);
                Some(Mutex::new(Writer {
                    _lock: lock,
                    per_week_bytes: (total / MAX_OPEN_WEEKS).max(MIN_WRITER_BYTES),
                    open: HashMap::new(),
                    order: VecDeque::new(),
                }))
            }
        };
        let index = Inner {
            facts: Arc::new(FileFacts::new(&root)),
            sightings: Sightings::default(),
            root,
            layout: Arc::new(Layout::new()),
            writer,
            readers: Mutex::new(HashMap::new()),
        };
        // Checked once: only a rebuild changes it, and that needs the writer lock.
        if mode != Mode::Rebuild {
            match index.read_meta()? {
                Some((found, _)) if found != SCHEMA_VERSION => {
                    return Err(SearchError::SchemaMismatch {
                        location: index.location(),
                        found,
                        expected: SCHEMA_VERSION,
                    })
                }
                Some((_, found)) if found != LAYOUT_VERSION => {
                    return Err(SearchError::LayoutMismatch {
                        location: index.location(),
                        found,
                        expected: LAYOUT_VERSION,
                    })
                }
                Some(_) => {}
                None if mode == Mode::Write => index.write_version()?,
                None => {}
            }
        }
        Ok(index)
    }

    fn location(&self) -> String {
        self.root.display().to_string()
    }

    fn local(&self, message: impl std::fmt::Display) -> SearchError {
        SearchError::Local {
            location: self.location(),
            message: message.to_string(),
        }
    }

    fn read_version(&self) -> Result<Option<u32>> {
        Ok(self.read_meta()?.map(|(schema, _)| schema))
    }

    /// The schema and layout versions the index records (layout 1 wrote none).
    fn read_meta(&self) -> Result<Option<(u32, u32)>> {
        let path = self.root.join(META_FILE);
        match fs::read(&path) {
            Ok(bytes) => {
                let meta: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| self.local(format!("{}: {e}", path.display())))?;
                let version = |key: &str| meta[key].as_u64().and_then(|v| u32::try_from(v).ok());
                Ok(
                    version("schema_version")
                        .map(|schema| (schema, version("layout").unwrap_or(1))),
                )
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.local(format!("{}: {e}", path.display()))),
        }
    }

    fn write_version(&self) -> Result<()> {
        let meta = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "backend": "tantivy",
            "layout": LAYOUT_VERSION,
        });
        let path = self.root.join(META_FILE);
        crate::fsutil::write_atomically(&path, meta.to_string().as_bytes())
            .map_err(|e| self.local(format!("{}: {e}", path.display())))
    }

    fn partition_names(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(self.local(e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| self.local(e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if partition_week(&name).is_some() && entry.path().join("meta.json").exists() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Runs `f` on the writer of `week`, opening it (and closing the least
    /// recently used one beyond [`MAX_OPEN_WEEKS`]).
    fn with_writer<T>(
        &self,
        writer: &mut Writer,
        week: &str,
        f: impl FnOnce(&mut IndexWriter) -> T,
    ) -> Result<T> {
        if !writer.open.contains_key(week) {
            if writer.open.len() >= MAX_OPEN_WEEKS {
                if let Some(oldest) = writer.order.pop_front() {
                    if let Some(mut w) = writer.open.remove(&oldest) {
                        w.commit()
                            .map_err(|e| self.local(format!("{oldest}: {e}")))?;
                        w.wait_merging_threads()
                            .map_err(|e| self.local(format!("{oldest}: {e}")))?;
                    }
                }
            }
            let dir = self.root.join(week);
            let index = if dir.join("meta.json").exists() {
                Index::open_in_dir(&dir)
            } else {
                fs::create_dir_all(&dir).map_err(|e| self.local(format!("{week}: {e}")))?;
                Index::create_in_dir(&dir, self.layout.schema.clone())
            }
            .map_err(|e| self.local(format!("{week}: {e}")))?;
            let w = index
                .writer_with_num_threads(1, writer.per_week_bytes)
                .map_err(|e| self.local(format!("{week}: {e}")))?;
            writer.open.insert(week.to_owned(), w);
        }
        writer.order.retain(|w| w != week);
        writer.order.push_back(week.to_owned());
        Ok(f(writer.open.get_mut(week).expect("opened above")))
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, Writer>> {
        let writer = self
            .writer
            .as_ref()
            .ok_or_else(|| self.local("opened to read only"))?;
        Ok(writer.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn upsert_blocking(&self, docs: Vec<Document>) -> Result<Vec<Rejected>> {
        let mut writer = self.writer()?;
        let mut rejected = Vec::new();
        let mut by_week: std::collections::BTreeMap<String, Vec<Document>> = Default::default();
        for doc in docs {
            match partition_of(&doc.id) {
                Some(week) => by_week.entry(week).or_default().push(doc),
                None => rejected.push(Rejected {
                    id: doc.id.clone(),
                    reason: "the crash id's date is not a real date".into(),
                }),
            }
        }
        for (week, docs) in by_week {
            let layout = &self.layout;
            let failures = self.with_writer(&mut writer, &week, |w| {
                let mut failures = Vec::new();
                for doc in docs {
                    w.delete_term(layout.id_term(doc.id.as_str()));
                    if let Err(e) = w.add_document(layout.document(&doc)) {
                        failures.push(Rejected {
                            id: doc.id.clone(),
                            reason: e.to_string(),
                        });
                    }
                }
                failures
            })?;
            rejected.extend(failures);
        }
        Ok(rejected)
    }

    fn commit_blocking(&self) -> Result<()> {
        let mut writer = self.writer()?;
        for (week, w) in writer.open.iter_mut() {
            w.commit().map_err(|e| self.local(format!("{week}: {e}")))?;
        }
        Ok(())
    }

    fn delete_blocking(&self, ids: &[CrashId]) -> Result<()> {
        let mut writer = self.writer()?;
        for id in ids {
            let Some(week) = partition_of(id) else {
                continue;
            };
            if !self.root.join(&week).exists() {
                continue;
            }
            self.with_writer(&mut writer, &week, |w| {
                w.delete_term(self.layout.id_term(id.as_str()));
            })?;
        }
        drop(writer);
        self.commit_blocking()
    }

    fn reader(&self, week: &str) -> Result<Option<IndexReader>> {
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(reader) = readers.get(week) {
            reader
                .reload()
                .map_err(|e| self.local(format!("{week}: {e}")))?;
            return Ok(Some(reader.clone()));
        }
        let dir = self.root.join(week);
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let index = Index::open_in_dir(&dir).map_err(|e| self.local(format!("{week}: {e}")))?;
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| self.local(format!("{week}: {e}")))?;
        readers.insert(week.to_owned(), reader.clone());
        Ok(Some(reader))
    }

    fn search_blocking(&self, search: Arc<Search>, cursor: Option<&Value>) -> Result<Page> {
        let after: Option<SortKey> = match cursor {
            Some(c) => Some(
                serde_json::from_value(c.clone())
                    .map_err(|_| self.local("a page cursor from another backend or version"))?,
            ),
            None => None,
        };
        let offset = if after.is_some() { 0 } else { search.offset };
        let keep = offset + search.size;
        let deadline = search
            .time_limit
            .map(|limit| (std::time::Instant::now() + limit, limit));
        let timed_out = |limit: std::time::Duration| SearchError::TimedOut {
            location: self.location(),
            limit_secs: limit.as_secs(),
        };
        let query = self.query(&search)?;
        let after = after.map(Arc::new);
        let mut searchers = Vec::new();
        let mut total = 0u64;
        let mut heap: BinaryHeap<Candidate> = BinaryHeap::new();
        let mut tallies: Vec<Tally> = search.aggs.iter().map(Tally::empty).collect();
        for week in super::weeks_between(search.from, search.to) {
            if let Some((at, limit)) = deadline {
                if std::time::Instant::now() > at {
                    return Err(timed_out(limit));
                }
            }
            let Some(reader) = self.reader(&partition_name(week))? else {
                continue;
            };
            let searcher = reader.searcher();
            let collector = CrashCollector {
                search: Arc::clone(&search),
                keep,
                after: after.clone(),
                searcher_ord: searchers.len(),
                deadline: deadline.map(|(at, _)| at),
            };
            let fruit = searcher.search(&*query, &collector).map_err(|e| match e {
                tantivy::TantivyError::InternalError(m) if m == TIMED_OUT => {
                    timed_out(deadline.map(|(_, l)| l).unwrap_or_default())
                }
                e => self.local(e),
            })?;
            total += fruit.total;
            for c in fruit.hits {
                push_bounded(&mut heap, c, keep);
            }
            for (mine, theirs) in tallies.iter_mut().zip(fruit.tallies) {
                mine.merge(theirs);
            }
            searchers.push(searcher);
        }
        let mut ranked = heap.into_sorted_vec();
        let full = ranked.len() == keep && search.size > 0;
        let page: Vec<Candidate> = ranked.drain(..).skip(offset).collect();
        let cursor = if full {
            page.last()
                .map(|c| serde_json::to_value(&c.key).expect("sort keys serialize"))
        } else {
            None
        };
        let mut hits = Vec::with_capacity(page.len());
        for c in &page {
            let doc: TantivyDocument = searchers[c.searcher]
                .doc(c.address)
                .map_err(|e| self.local(e))?;
            let source = doc
                .get_first(self.layout.source)
                .and_then(|v| v.as_str())
                .unwrap_or("{}");
            let map: Map<String, Value> = serde_json::from_str(source).unwrap_or_default();
            hits.push(map);
        }
        Ok(Page {
            hits,
            total,
            facets: result::finish(&search.aggs, tallies, search.facets_size)?,
            cursor,
        })
    }

    /// The Tantivy query of `search`'s filters.
    fn query(&self, search: &Search) -> Result<Box<dyn Query>> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for filter in &search.filters {
            let h = self.layout.handles(filter.field);
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for cond in &filter.ranges {
                clauses.push((Occur::Must, self.condition(filter.field, h, cond)?));
            }
            if !filter.any.is_empty() {
                let any: Vec<(Occur, Box<dyn Query>)> = filter
                    .any
                    .iter()
                    .map(|c| Ok((Occur::Should, self.condition(filter.field, h, c)?)))
                    .collect::<Result<_>>()?;
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
            }
            must.push((Occur::Must, Box::new(BooleanQuery::new(clauses))));
        }
        if must.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        Ok(Box::new(BooleanQuery::new(must)))
    }

    fn condition(&self, field: &Field, h: Handles, cond: &Cond) -> Result<Box<dyn Query>> {
        let raw = h.raw;
        let terms = self.layout.terms;
        let text_term = |f: tantivy::schema::Field, s: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f, &packed(field.name, s)),
                IndexRecordOption::Basic,
            ))
        };
        let regex = |pattern: String, f: tantivy::schema::Field| -> Result<Box<dyn Query>> {
            RegexQuery::from_pattern(&packed_pattern(field.name, &pattern), f)
                .map(|q| Box::new(q) as Box<dyn Query>)
                .map_err(|e| {
                    SearchError::BadArgument(super::BadArgument {
                        param: field.name.to_owned(),
                        message: format!("invalid regular expression: {e}"),
                    })
                })
        };
        // Numbers, dates and booleans are fast columns only: every
        // comparison is a range over the column (dates to the microsecond).
        let scalar_term = |s: &Scalar| match *s {
            Scalar::Int(i) => Term::from_field_i64(raw, i),
            Scalar::Float(f) => Term::from_field_f64(raw, f),
            Scalar::Date(d) => Term::from_field_date(
                raw,
                tantivy::DateTime::from_timestamp_micros(d.timestamp_micros()),
            ),
        };
        let q: Box<dyn Query> = match &cond.op {
            Op::Match(value) => match field.kind {
                FieldKind::Text => {
                    let words = fields::words(value);
                    if words.is_empty() {
                        Box::new(EmptyQuery)
                    } else {
                        Box::new(BooleanQuery::new(
                            words
                                .iter()
                                .map(|w| (Occur::Should, text_term(terms.words, w)))
                                .collect(),
                        ))
                    }
                }
                _ => text_term(terms.lower, &value.to_lowercase()),
            },
            Op::PrefixIgnoringCase(prefix) => {
                regex(lucene::wildcard(prefix, false, true), terms.lower)?
            }
            Op::Exact(value) => text_term(terms.raw, value),
            Op::Contains(v) => regex(lucene::wildcard(v, true, true), terms.raw)?,
            Op::StartsWith(v) => regex(lucene::wildcard(v, false, true), terms.raw)?,
            Op::EndsWith(v) => regex(lucene::wildcard(v, true, false), terms.raw)?,
            Op::Regex(v) => regex(
                lucene::to_rust(v).map_err(|e| super::BadArgument {
                    param: field.name.to_owned(),
                    message: e.to_string(),
                })?,
                terms.raw,
            )?,
            Op::Equal(s) => {
                let t = scalar_term(s);
                Box::new(RangeQuery::new(
                    Bound::Included(t.clone()),
                    Bound::Included(t),
                ))
            }
            Op::Range(cmp, s) => {
                let t = scalar_term(s);
                let (lower, upper) = match cmp {
                    Cmp::Gt => (Bound::Excluded(t), Bound::Unbounded),
                    Cmp::Ge => (Bound::Included(t), Bound::Unbounded),
                    Cmp::Lt => (Bound::Unbounded, Bound::Excluded(t)),
                    Cmp::Le => (Bound::Unbounded, Bound::Included(t)),
                };
                Box::new(RangeQuery::new(lower, upper))
            }
            Op::Null => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (
                    Occur::MustNot,
                    Box::new(ExistsQuery::new(field.name.to_owned(), false)),
                ),
            ])),
            Op::True => text_term(terms.raw, "true"),
        };
        if cond.negate {
            return Ok(Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (Occur::MustNot, q),
            ])));
        }
        Ok(q)
    }
}

fn push_bounded(heap: &mut BinaryHeap<Candidate>, c: Candidate, keep: usize) {
    if keep == 0 {
        return;
    }
    if heap.len() < keep {
        heap.push(c);
    } else if heap.peek().is_some_and(|worst| c.key < worst.key) {
        heap.pop();
        heap.push(c);
    }
}

/// A hit in the running: its sort key and where it is.
#[derive(Debug)]
struct Candidate {
    key: SortKey,
    searcher: usize,
    address: DocAddress,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Candidate) -> bool {
        self.key == other.key
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Candidate) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Candidate) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// A fast-field column of one segment.
enum Col {
    Str(StrColumn),
    Int(Column<i64>),
    /// Codes are [`ordered_code`]s.
    Float(Column<f64>),
    Date(Column<tantivy::DateTime>),
    Bool(Column<bool>),
    Missing,
}

impl Col {
    fn open(segment: &SegmentReader, field: &Field) -> tantivy::Result<Col> {
        let ff = segment.fast_fields();
        Ok(match field.kind {
            FieldKind::Enum | FieldKind::Keyword | FieldKind::Text => {
                ff.str(field.name)?.map_or(Col::Missing, Col::Str)
            }
            FieldKind::Integer => ff
                .column_opt::<i64>(field.name)?
                .map_or(Col::Missing, Col::Int),
            FieldKind::Float => ff
                .column_opt::<f64>(field.name)?
                .map_or(Col::Missing, Col::Float),
            FieldKind::Date => ff
                .column_opt::<tantivy::DateTime>(field.name)?
                .map_or(Col::Missing, Col::Date),
            FieldKind::Bool => ff
                .column_opt::<bool>(field.name)?
                .map_or(Col::Missing, Col::Bool),
        })
    }

    /// The segment-local codes of `doc`'s values (string ordinals, numbers, micros).
    fn codes(&self, doc: DocId, out: &mut Vec<i64>) {
        out.clear();
        match self {
            Col::Str(c) => out.extend(c.term_ords(doc).map(|o| o as i64)),
            Col::Int(c) => out.extend(c.values_for_doc(doc)),
            Col::Float(c) => out.extend(c.values_for_doc(doc).map(ordered_code)),
            Col::Date(c) => out.extend(c.values_for_doc(doc).map(|d| d.into_timestamp_micros())),
            Col::Bool(c) => out.extend(c.values_for_doc(doc).map(i64::from)),
            Col::Missing => {}
        }
        if out.len() > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// The strings of many codes at once, read in one pass over the
    /// dictionary (empty for columns that are not strings).
    fn keys(&self, codes: impl Iterator<Item = i64>) -> HashMap<i64, Key> {
        let Col::Str(c) = self else {
            return HashMap::new();
        };
        let mut ords: Vec<u64> = codes.map(|c| c as u64).collect();
        ords.sort_unstable();
        let mut out = HashMap::with_capacity(ords.len());
        let mut next = ords.iter();
        let _ = c
            .dictionary()
            .sorted_ords_to_term_cb(ords.iter().copied(), |bytes| {
                if let Some(ord) = next.next() {
                    out.insert(
                        *ord as i64,
                        Key::Str(String::from_utf8_lossy(bytes).into_owned()),
                    );
                }
                Ok(())
            });
        out
    }

    /// The value of a code as a [`Key`].
    fn key(&self, code: i64) -> Key {
        match self {
            Col::Str(c) => {
                let mut s = String::new();
                let _ = c.ord_to_str(code as u64, &mut s);
                Key::Str(s)
            }
            Col::Int(_) | Col::Missing => Key::Int(code),
            Col::Float(_) => Key::Float(float_of_code(code)),
            Col::Date(_) => Key::Date(code),
            Col::Bool(_) => Key::Bool(code != 0),
        }
    }

    /// The number a code stands for, for numeric histograms.
    fn number(&self, code: i64) -> f64 {
        match self {
            Col::Float(_) => float_of_code(code),
            _ => code as f64,
        }
    }
}

/// A float as an `i64` that sorts as the float does (`f64::total_cmp`).
fn ordered_code(f: f64) -> i64 {
    let bits = f.to_bits() as i64;
    if bits < 0 {
        bits ^ i64::MAX
    } else {
        bits
    }
}

/// The float of an [`ordered_code`].
fn float_of_code(code: i64) -> f64 {
    let bits = if code < 0 { code ^ i64::MAX } else { code };
    f64::from_bits(bits as u64)
}

/// An aggregation bound to a segment's columns.
struct SegAgg {
    agg: Agg,
    col: Col,
    subs: Vec<SegAgg>,
    /// This level's values of the current document.
    scratch: Vec<i64>,
    /// Whether counts go to [`SegTally::dense`]: a string terms facet
    /// without sub-aggregations, counted by ordinal.
    dense: bool,
}

/// Counts of one aggregation in one segment, by value code.
#[derive(Default)]
struct SegTally {
    buckets: HashMap<i64, (u64, Vec<SegTally>), FastHash>,
    dense: Vec<u64>,
    distinct: HashSet<i64, FastHash>,
}

impl SegAgg {
    fn bind(agg: &Agg, segment: &SegmentReader) -> tantivy::Result<SegAgg> {
        let field = match agg {
            Agg::Terms { field, .. }
            | Agg::Histogram { field, .. }
            | Agg::Cardinality { field } => field,
        };
        let col = Col::open(segment, field)?;
        let dense =
            matches!(agg, Agg::Terms { subs, .. } if subs.is_empty()) && matches!(col, Col::Str(_));
        Ok(SegAgg {
            agg: agg.clone(),
            col,
            subs: agg
                .subs()
                .iter()
                .map(|s| SegAgg::bind(s, segment))
                .collect::<tantivy::Result<_>>()?,
            scratch: Vec::new(),
            dense,
        })
    }

    fn tally(&self) -> SegTally {
        let mut t = SegTally::default();
        if let (true, Col::Str(c)) = (self.dense, &self.col) {
            t.dense = vec![0; c.num_terms()];
        }
        t
    }

    fn collect(&mut self, doc: DocId, tally: &mut SegTally) {
        let SegAgg {
            agg,
            col,
            subs,
            scratch,
            dense,
        } = self;
        col.codes(doc, scratch);
        if scratch.is_empty() {
            return;
        }
        if *dense {
            for code in scratch.iter() {
                if let Some(c) = tally.dense.get_mut(*code as usize) {
                    *c += 1;
                }
            }
            return;
        }
        match agg {
            Agg::Cardinality { .. } => tally.distinct.extend(scratch.iter().copied()),
            Agg::Terms { .. } | Agg::Histogram { .. } => {
                if let Agg::Histogram { interval, .. } = agg {
                    for v in scratch.iter_mut() {
                        *v = bucket_code(*v, col, interval);
                    }
                    scratch.dedup();
                }
                for code in scratch.iter() {
                    let entry = tally
                        .buckets
                        .entry(*code)
                        .or_insert_with(|| (0, subs.iter().map(SegAgg::tally).collect()));
                    entry.0 += 1;
                    for (sub, sub_tally) in subs.iter_mut().zip(entry.1.iter_mut()) {
                        sub.collect(doc, sub_tally);
                    }
                }
            }
        }
    }

    fn harvest(&self, tally: SegTally) -> Tally {
        if let (true, Col::Str(column)) = (self.dense, &self.col) {
            // Terms in ordinal order, read in one pass over the dictionary.
            let counted: Vec<(u64, u64)> = tally
                .dense
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(ord, c)| (ord as u64, *c))
                .collect();
            let mut buckets = KeyMap::with_capacity_and_hasher(counted.len(), FastHash::default());
            let mut counts = counted.iter().map(|(_, c)| *c);
            let _ = column.dictionary().sorted_ords_to_term_cb(
                counted.iter().map(|(ord, _)| *ord),
                |bytes| {
                    let term = String::from_utf8_lossy(bytes).into_owned();
                    let count = counts.next().unwrap_or(0);
                    buckets.insert(Key::Str(term), (count, Vec::new()));
                    Ok(())
                },
            );
            return Tally::Buckets(buckets);
        }
        match &self.agg {
            Agg::Cardinality { .. } => Tally::Distinct(
                tally
                    .distinct
                    .into_iter()
                    .map(|c| self.col.key(c))
                    .collect(),
            ),
            Agg::Terms { .. } | Agg::Histogram { .. } => {
                let mut names = self.col.keys(tally.buckets.keys().copied());
                Tally::Buckets(
                    tally
                        .buckets
                        .into_iter()
                        .map(|(code, (count, subs))| {
                            let key = match &self.agg {
                                Agg::Histogram { interval, .. } => histogram_key(code, interval),
                                _ => names.remove(&code).unwrap_or_else(|| self.col.key(code)),
                            };
                            let subs = self
                                .subs
                                .iter()
                                .zip(subs)
                                .map(|(s, t)| s.harvest(t))
                                .collect();
                            (key, (count, subs))
                        })
                        .collect(),
                )
            }
        }
    }
}

/// Histogram buckets as integer codes: the bucket's index.
fn bucket_code(value: i64, col: &Col, interval: &super::query::Interval) -> i64 {
    match *interval {
        super::query::Interval::Time {
            micros,
            offset_micros,
        } => (value - offset_micros).div_euclid(micros),
        super::query::Interval::Number(n) => (col.number(value) / n).floor() as i64,
    }
}

fn histogram_key(code: i64, interval: &super::query::Interval) -> Key {
    match *interval {
        super::query::Interval::Time {
            micros,
            offset_micros,
        } => Key::Date(code * micros + offset_micros),
        super::query::Interval::Number(n) => Key::Float(code as f64 * n),
    }
}

/// Counts, the best `keep` hits and the aggregations, in one pass.
struct CrashCollector {
    search: Arc<Search>,
    keep: usize,
    after: Option<Arc<SortKey>>,
    searcher_ord: usize,
    /// When the search must give up (checked as each segment starts).
    deadline: Option<std::time::Instant>,
}

/// The message a collector gives up with when its deadline passed.
const TIMED_OUT: &str = "crashkit: search time limit";

struct Fruit {
    total: u64,
    hits: Vec<Candidate>,
    tallies: Vec<Tally>,
}

struct CrashSegment {
    search: Arc<Search>,
    keep: usize,
    after: Option<Arc<SortKey>>,
    segment_ord: u32,
    searcher_ord: usize,
    uuid: Col,
    sort_cols: Vec<Col>,
    aggs: Vec<SegAgg>,
    tallies: Vec<SegTally>,
    heap: BinaryHeap<Candidate>,
    total: u64,
    scratch: Vec<i64>,
}

impl Collector for CrashCollector {
    type Fruit = Fruit;
    type Child = CrashSegment;

    fn for_segment(
        &self,
        segment_ord: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<CrashSegment> {
        // Checked between segments: one segment's work is bounded.
        if self
            .deadline
            .is_some_and(|at| std::time::Instant::now() > at)
        {
            return Err(tantivy::TantivyError::InternalError(TIMED_OUT.into()));
        }
        let uuid = Col::open(segment, fields::field("uuid").expect("uuid is a field"))?;
        let sort_cols = self
            .search
            .sort
            .iter()
            .map(|s| Col::open(segment, s.field))
            .collect::<tantivy::Result<_>>()?;
        let aggs: Vec<SegAgg> = self
            .search
            .aggs
            .iter()
            .map(|a| SegAgg::bind(a, segment))
            .collect::<tantivy::Result<_>>()?;
        let tallies = aggs.iter().map(SegAgg::tally).collect();
        Ok(CrashSegment {
            search: Arc::clone(&self.search),
            keep: self.keep,
            after: self.after.clone(),
            segment_ord,
            searcher_ord: self.searcher_ord,
            uuid,
            sort_cols,
            aggs,
            tallies,
            heap: BinaryHeap::new(),
            total: 0,
            scratch: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Fruit>) -> tantivy::Result<Fruit> {
        let mut total = 0;
        let mut heap = BinaryHeap::new();
        let mut tallies: Vec<Tally> = self.search.aggs.iter().map(Tally::empty).collect();
        for fruit in fruits {
            total += fruit.total;
            for c in fruit.hits {
                push_bounded(&mut heap, c, self.keep);
            }
            for (mine, theirs) in tallies.iter_mut().zip(fruit.tallies) {
                mine.merge(theirs);
            }
        }
        Ok(Fruit {
            total,
            hits: heap.into_vec(),
            tallies,
        })
    }
}

impl CrashSegment {
    fn first_key(&mut self, col_index: usize, doc: DocId) -> Option<Key> {
        let col = &self.sort_cols[col_index];
        col.codes(doc, &mut self.scratch);
        self.scratch.first().map(|c| col.key(*c))
    }

    fn uuid_of(&mut self, doc: DocId) -> String {
        self.uuid.codes(doc, &mut self.scratch);
        match self.scratch.first().map(|c| self.uuid.key(*c)) {
            Some(Key::Str(s)) => s,
            _ => String::new(),
        }
    }
}

impl SegmentCollector for CrashSegment {
    type Fruit = Fruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.total += 1;
        for (agg, tally) in self.aggs.iter_mut().zip(self.tallies.iter_mut()) {
            agg.collect(doc, tally);
        }
        if self.keep == 0 {
            return;
        }
        let values: Vec<(Option<Key>, bool)> = (0..self.search.sort.len())
            .map(|i| (self.first_key(i, doc), self.search.sort[i].descending))
            .collect();
        let mut key = SortKey {
            values,
            uuid: String::new(),
        };
        // Cheap rejections before the crash id is read.
        if self.heap.len() >= self.keep
            && self
                .heap
                .peek()
                .is_some_and(|worst| key.cmp_values(&worst.key) == std::cmp::Ordering::Greater)
        {
            return;
        }
        if self
            .after
            .as_ref()
            .is_some_and(|after| key.cmp_values(after) == std::cmp::Ordering::Less)
        {
            return;
        }
        key.uuid = self.uuid_of(doc);
        if self.after.as_ref().is_some_and(|after| key <= **after) {
            return;
        }
        let candidate = Candidate {
            key,
            searcher: self.searcher_ord,
            address: DocAddress::new(self.segment_ord, doc),
        };
        push_bounded(&mut self.heap, candidate, self.keep);
    }

    fn harvest(self) -> Fruit {
        let tallies = self
            .aggs
            .iter()
            .zip(self.tallies)
            .map(|(agg, tally)| agg.harvest(tally))
            .collect();
        Fruit {
            total: self.total,
            hits: self.heap.into_vec(),
            tallies,
        }
    }
}

#[async_trait]
impl SearchIndex for Embedded {
    async fn upsert(&self, docs: Vec<Document>) -> Result<Vec<Rejected>> {
        self.0.sightings.add(&docs);
        self.blocking(move |i| i.upsert_blocking(docs)).await
    }

    async fn commit(&self) -> Result<()> {
        self.blocking(|i| i.commit_blocking()).await?;
        self.0.facts.see(self.0.sightings.take()).await
    }

    async fn delete(&self, ids: &[CrashId]) -> Result<()> {
        let ids = ids.to_vec();
        self.blocking(move |i| i.delete_blocking(&ids)).await
    }

    async fn search(&self, search: &Search, cursor: Option<&Value>) -> Result<Page> {
        let search = Arc::new(search.clone());
        let cursor = cursor.cloned();
        self.blocking(move |i| i.search_blocking(search, cursor.as_ref()))
            .await
    }

    async fn schema_version(&self) -> Result<Option<u32>> {
        self.blocking(|i| i.read_version()).await
    }

    async fn partitions(&self) -> Result<Vec<String>> {
        self.blocking(|i| i.partition_names()).await
    }

    async fn prune(&self, before: NaiveDate) -> Result<Vec<String>> {
        self.blocking(move |i| i.prune_blocking(before)).await
    }

    async fn clear(&self) -> Result<()> {
        self.blocking(|i| i.clear_blocking()).await
    }

    fn location(&self) -> String {
        self.0.location()
    }

    fn facts(&self) -> &dyn Facts {
        &self.0.facts
    }
}

impl Inner {
    fn prune_blocking(&self, before: NaiveDate) -> Result<Vec<String>> {
        let mut writer = self.writer()?;
        let mut dropped = Vec::new();
        for name in self.partition_names()? {
            let Some(monday) = partition_week(&name) else {
                continue;
            };
            if monday + Duration::days(7) <= before {
                writer.open.remove(&name);
                writer.order.retain(|w| *w != name);
                self.readers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&name);
                fs::remove_dir_all(self.root.join(&name))
                    .map_err(|e| self.local(format!("{name}: {e}")))?;
                dropped.push(name);
            }
        }
        Ok(dropped)
    }

    fn clear_blocking(&self) -> Result<()> {
        let mut writer = self.writer()?;
        writer.open.clear();
        writer.order.clear();
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        for name in self.partition_names()? {
            fs::remove_dir_all(self.root.join(&name))
                .map_err(|e| self.local(format!("{name}: {e}")))?;
        }
        self.write_version()
    }
}
