//! The Super Search fields: what a search document holds, how each field is
//! typed and matched, and how a processed crash becomes a [`Document`].
//!
//! The list, the names and the matching rules follow Socorro's
//! `super_search_fields.py`: `date` is `date_processed`, `platform` is
//! `os_name`, `build_id` is `build`, and so on. Three kinds of string field
//! differ in how a plain value matches (see [`FieldKind`]).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::crash_id::CrashId;

/// Longest string value kept in a document, in bytes; longer values are cut
/// at a character boundary (never rejected). Below Lucene's 32 KiB term limit.
pub const MAX_VALUE_BYTES: usize = 10_000;

/// How a field is stored and matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A value from a small set (product, version, platform, uuid): plain
    /// values match the whole value ignoring case; `!` and `__null__`; no
    /// string operators.
    Enum,
    /// A single-token string (cpu_arch, address, modules_in_stack): plain
    /// values match the whole value ignoring case; `=`, `~`, `^`, `$`, `@`
    /// are case-sensitive on the whole value.
    Keyword,
    /// Analysed text (signature, reason, abort_message): a plain value
    /// matches any of its words, ignoring case; `=`, `~`, `^`, `$`, `@` are
    /// case-sensitive on the whole value (Socorro's `.full` version).
    Text,
    /// A whole number: plain values are equality, `>`, `>=`, `<`, `<=`.
    Integer,
    /// A date and time (UTC): ranges.
    Date,
    /// A boolean: `__true__` and `!__true__` (which includes missing values).
    Bool,
}

impl FieldKind {
    /// Whether the field holds strings.
    pub fn is_string(self) -> bool {
        matches!(self, FieldKind::Enum | FieldKind::Keyword | FieldKind::Text)
    }
}

/// One Super Search field.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The name used in queries, results and documents.
    pub name: &'static str,
    pub kind: FieldKind,
    /// The processed-crash key it is read from.
    pub source: &'static str,
    /// Whether the value is a list (each item a value).
    pub multi: bool,
}

macro_rules! fields {
    ($($name:literal $kind:ident $source:literal $($multi:ident)?;)+) => {
        /// Every Super Search field crashkit indexes.
        pub static FIELDS: &[Field] = &[
            $(Field { name: $name, kind: FieldKind::$kind, source: $source, multi: fields!(@multi $($multi)?) },)+
        ];
    };
    (@multi multi) => { true };
    (@multi) => { false };
}

fields! {
    "uuid" Enum "uuid";
    "date" Date "date_processed";
    "signature" Text "signature";
    "proto_signature" Text "proto_signature";
    "product" Enum "product";
    "version" Enum "version";
    "release_channel" Enum "release_channel";
    "platform" Enum "os_name";
    "platform_version" Keyword "os_version";
    "cpu_arch" Keyword "cpu_arch";
    "cpu_info" Text "cpu_info";
    "cpu_count" Integer "cpu_count";
    "build_id" Integer "build";
    "reason" Text "reason";
    "address" Keyword "address";
    "uptime" Integer "uptime";
    "install_age" Integer "install_age";
    "process_type" Keyword "process_type";
    "crashing_thread" Integer "crashing_thread";
    "crashing_thread_name" Keyword "crashing_thread_name";
    "thread_count" Integer "thread_count";
    "moz_crash_reason" Text "moz_crash_reason";
    "abort_message" Text "abort_message";
    "oom_allocation_size" Integer "oom_allocation_size";
    "ipc_channel_error" Text "ipc_channel_error";
    "modules_in_stack" Keyword "modules_in_stack" multi;
    "topmost_filenames" Keyword "topmost_filenames" multi;
    "missing_symbols" Keyword "missing_symbols" multi;
    "mdsw_status_string" Keyword "mdsw_status_string";
    "processor_notes" Text "processor_notes";
    "stackwalk_version" Keyword "stackwalk_version";
    "success" Bool "success";
}

/// The field called `name`.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}

/// The columns a search returns when none are asked for (Socorro's default).
pub const DEFAULT_COLUMNS: &[&str] = &["uuid", "date", "signature", "product", "version"];

/// The words of `text` as a plain-value match sees them: Unicode word
/// boundaries (UAX #29, as Lucene's standard tokenizer), lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words().map(|w| w.to_lowercase()).collect()
}

/// How dates are written in documents and results: RFC 3339 with
/// microseconds and `+00:00`, as Socorro writes `date_processed`.
pub fn format_date(date: &DateTime<Utc>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Parses a date as users and processed crashes write it: RFC 3339, or a
/// bare `YYYY-MM-DD` (midnight UTC), or `YYYY-MM-DDTHH:MM:SS` (UTC).
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d.and_time(NaiveTime::MIN).and_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(text, format) {
            return Some(d.and_utc());
        }
    }
    None
}

/// One typed value of a document field.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Str(String),
    Int(i64),
    Date(DateTime<Utc>),
    Bool(bool),
}

impl FieldValue {
    /// The value as it appears in a document's JSON.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Str(s) => Value::String(s.clone()),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Date(d) => Value::String(format_date(d)),
            FieldValue::Bool(b) => Value::Bool(*b),
        }
    }
}

/// Why a processed crash cannot be indexed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("no valid crash id in uuid or crash_id")]
    NoCrashId,
}

/// A search document: the Super Search fields of one processed crash.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub id: CrashId,
    /// Field name to its values (one for single-valued fields).
    pub values: BTreeMap<&'static str, Vec<FieldValue>>,
}

impl Document {
    /// The document of `crash`. Values of the wrong type are left out;
    /// over-long strings are truncated. `date` falls back to midnight of
    /// the crash id's date when `date_processed` is missing or unreadable.
    pub fn from_processed(crash: &Map<String, Value>) -> Result<Document, DocumentError> {
        let id = ["uuid", "crash_id"]
            .iter()
            .filter_map(|k| crash.get(*k).and_then(Value::as_str))
            .find_map(|s| CrashId::parse(s).ok())
            .ok_or(DocumentError::NoCrashId)?;
        let mut values = BTreeMap::new();
        for field in FIELDS {
            let found: Vec<FieldValue> = if field.name == "uuid" {
                vec![FieldValue::Str(id.as_str().to_owned())]
            } else {
                match crash.get(field.source) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) if field.multi => items
                        .iter()
                        .filter_map(|v| convert(field.kind, v))
                        .collect(),
                    // Socorro writes list fields as `;`-separated text and
                    // indexes each part (its `semicoloned` analyzer).
                    Some(Value::String(text)) if field.multi => text
                        .split(';')
                        .filter(|part| !part.is_empty())
                        .filter_map(|part| convert(field.kind, &Value::from(part)))
                        .collect(),
                    Some(v) => convert(field.kind, v).into_iter().collect(),
                }
            };
            if !found.is_empty() {
                values.insert(field.name, found);
            }
        }
        if !values.contains_key("date") {
            if let Some(day) = id.date() {
                let midnight = day.and_time(NaiveTime::MIN).and_utc();
                values.insert("date", vec![FieldValue::Date(midnight)]);
            }
        }
        Ok(Document { id, values })
    }

    /// The document of one JSON text of a processed crash, reading only
    /// the keys a document needs: the rest (`json_dump` above all) is
    /// skipped without being built.
    pub fn from_json(text: &str) -> Result<Document, ParseError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let crash = serde::de::Deserializer::deserialize_map(&mut de, SourceKeys)
            .map_err(ParseError::Json)?;
        de.end().map_err(ParseError::Json)?;
        Document::from_processed(&crash).map_err(ParseError::Document)
    }

    /// The first value of `field`.
    pub fn first(&self, field: &str) -> Option<&FieldValue> {
        self.values.get(field).and_then(|v| v.first())
    }

    /// The crash's date (`date_processed`).
    pub fn date(&self) -> Option<DateTime<Utc>> {
        match self.first("date") {
            Some(FieldValue::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// The document as JSON: field names to values (lists for list fields).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, values) in &self.values {
            let multi = field(name).is_some_and(|f| f.multi);
            let value = if multi {
                Value::Array(values.iter().map(FieldValue::to_json).collect())
            } else {
                values[0].to_json()
            };
            out.insert((*name).to_owned(), value);
        }
        out
    }
}

/// Why a JSON text is not a processed crash that can be indexed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON: {0}")]
    Json(serde_json::Error),
    #[error(transparent)]
    Document(DocumentError),
}

/// Reads the top-level keys that documents are built from; skips the rest.
struct SourceKeys;

impl<'de> serde::de::Visitor<'de> for SourceKeys {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a processed crash (a JSON object)")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let wanted = key == "crash_id" || FIELDS.iter().any(|f| f.source == key);
            if wanted {
                out.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

fn convert(kind: FieldKind, value: &Value) -> Option<FieldValue> {
    match kind {
        FieldKind::Enum | FieldKind::Keyword | FieldKind::Text => {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some(FieldValue::Str(truncate(text)))
        }
        FieldKind::Integer => match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
                .map(FieldValue::Int),
            Value::String(s) => s.trim().parse().ok().map(FieldValue::Int),
            Value::Bool(b) => Some(FieldValue::Int(i64::from(*b))),
            _ => None,
        },
        FieldKind::Date => value.as_str().and_then(parse_date).map(FieldValue::Date),
        FieldKind::Bool => match value {
            Value::Bool(b) => Some(FieldValue::Bool(*b)),
            Value::Number(n) => n.as_i64().map(|i| FieldValue::Bool(i != 0)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" => Some(FieldValue::Bool(true)),
                "0" | "false" => Some(FieldValue::Bool(false)),
                _ => None,
            },
            _ => None,
        },
    }
}

/// `text` cut to at most [`MAX_VALUE_BYTES`] at a character boundary.
pub fn truncate(mut text: String) -> String {
    if text.len() > MAX_VALUE_BYTES {
        let mut end = MAX_VALUE_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_split_like_the_standard_tokenizer() {
        assert_eq!(
            words("js::break_your_browser"),
            ["js", "break_your_browser"]
        );
        assert_eq!(words("foo(bar) Linux"), ["foo", "bar", "linux"]);
        assert_eq!(words("js<isKewl>"), ["js", "iskewl"]);
        assert!(words(":: | ").is_empty());
    }

    #[test]
    fn documents_rename_convert_and_truncate() {
        let crash = json!({
            "uuid": "de1bb258-cbbf-4589-a673-34f800160918",
            "date_processed": "2016-09-18T10:00:00.123456+00:00",
            "signature": "x".repeat(MAX_VALUE_BYTES + 10),
            "os_name": "Linux",
            "build": "20160918000000",
            "uptime": 12.0,
            "success": true,
            "modules_in_stack": ["a.so/1", 7, null],
            "cpu_count": {"nested": 1},
        });
        let doc = Document::from_processed(crash.as_object().unwrap()).unwrap();
        let json = doc.to_json();
        assert_eq!(json["platform"], "Linux");
        assert_eq!(json["build_id"], 20160918000000i64);
        assert_eq!(json["uptime"], 12);
        assert_eq!(json["date"], "2016-09-18T10:00:00.123456+00:00");
        assert_eq!(json["modules_in_stack"], json!(["a.so/1", "7"]));
        assert_eq!(json["signature"].as_str().unwrap().len(), MAX_VALUE_BYTES);
        assert!(!json.contains_key("cpu_count"));
    }

    #[test]
    fn semicolon_lists_are_indexed_part_by_part() {
        let crash = json!({
            "uuid": "de1bb258-cbbf-4589-a673-34f800261126",
            "modules_in_stack": "libxul.so/ABC0;libc.so.6/DEF0",
            "missing_symbols": "a.dll/1.0/AB;",
        });
        let json = Document::from_processed(crash.as_object().unwrap())
            .unwrap()
            .to_json();
        assert_eq!(
            json["modules_in_stack"],
            json!(["libxul.so/ABC0", "libc.so.6/DEF0"])
        );
        assert_eq!(json["missing_symbols"], json!(["a.dll/1.0/AB"]));
    }

    #[test]
    fn a_crash_without_an_id_is_refused_and_a_missing_date_comes_from_the_id() {
        let err = Document::from_processed(json!({"uuid": "nope"}).as_object().unwrap());
        assert!(matches!(err, Err(DocumentError::NoCrashId)));
        let crash = json!({"crash_id": "de1bb258-cbbf-4589-a673-34f800160918"});
        let doc = Document::from_processed(crash.as_object().unwrap()).unwrap();
        assert_eq!(doc.to_json()["date"], "2016-09-18T00:00:00.000000+00:00");
    }

    #[test]
    fn json_texts_skip_what_documents_do_not_need() {
        let text = r#"{"json_dump": {"threads": [1, 2, {"x": "y"}]}, "uuid": "de1bb258-cbbf-4589-a673-34f800160918", "signature": "a\"b", "os_name": "Linux"}"#;
        let doc = Document::from_json(text).unwrap();
        assert_eq!(doc.to_json()["signature"], "a\"b");
        assert!(matches!(Document::from_json("{"), Err(ParseError::Json(_))));
        assert!(matches!(
            Document::from_json("[1]"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            Document::from_json("{} x"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            Document::from_json("{}"),
            Err(ParseError::Document(_))
        ));
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        let text = "é".repeat(MAX_VALUE_BYTES);
        let cut = truncate(text);
        assert!(cut.len() <= MAX_VALUE_BYTES && cut.chars().all(|c| c == 'é'));
    }
}
