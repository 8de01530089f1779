//! The Super Search fields: what a search document holds, how each field is
//! typed and matched, and how a processed crash becomes a [`Document`].
//!
//! The list, the names and the matching rules follow Socorro's
//! `super_search_fields.py`: `date` is `date_processed`, `platform` is
//! `os_name`, `build_id` is `build`, and so on. Three kinds of string field
//! differ in how a plain value matches (see [`FieldKind`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use unicode_segmentation::UnicodeSegmentation;

use crate::crash_id::CrashId;
use crate::processed_crash;

/// Longest string value kept in a document, in bytes; longer values are cut
/// at a character boundary (never rejected). Below Lucene's 32 KiB term limit.
pub const MAX_VALUE_BYTES: usize = 10_000;

/// How a field is stored and matched: Socorro's `query_type` and storage
/// mapping, folded into the kinds that behave differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A value from a small set (product, version, platform, uuid): plain
    /// values match the whole value ignoring case; `!` and `__null__`; no
    /// string operators (Socorro's `enum` query type).
    Enum,
    /// A single-token string (cpu_arch, address, modules_in_stack): plain
    /// values match the whole value ignoring case; `=`, `~`, `^`, `$`, `@`
    /// are case-sensitive on the whole value (Socorro's `keyword` and
    /// `semicolon_keywords` analyzers).
    Keyword,
    /// Analysed text (signature, reason, abort_message): a plain value
    /// matches any of its words, ignoring case; `=`, `~`, `^`, `$`, `@` are
    /// case-sensitive on the whole value (Socorro's `.full` version).
    Text,
    /// A whole number: plain values are equality, `>`, `>=`, `<`, `<=`.
    Integer,
    /// A floating-point number (Socorro's `float`, stored as `double`).
    Float,
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

    /// Whether the field holds numbers (ranges and histograms apply).
    pub fn is_number(self) -> bool {
        matches!(self, FieldKind::Integer | FieldKind::Float)
    }

    /// Socorro's `query_type` for fields of this kind.
    pub fn query_type(self) -> &'static str {
        match self {
            FieldKind::Enum => "enum",
            FieldKind::Keyword | FieldKind::Text => "string",
            FieldKind::Integer => "integer",
            FieldKind::Float => "float",
            FieldKind::Date => "date",
            FieldKind::Bool => "bool",
        }
    }
}

/// One Super Search field.
#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The name used in queries, results and documents.
    pub name: &'static str,
    pub kind: FieldKind,
    /// Where it is read from in the processed crash: a key, or a dotted
    /// path into an object (`memory_measures.explicit`).
    pub source: &'static str,
    /// Whether the value is a list (each item a value): JSON arrays, and
    /// Socorro's `;`-separated lists (its `semicolon_keywords` analyzer).
    pub multi: bool,
}

impl Field {
    /// The top-level processed-crash key the field is read from.
    pub fn source_key(&self) -> &'static str {
        self.source.split('.').next().unwrap_or(self.source)
    }

    /// Whether only callers with `view_pii` may see, filter, facet or sort
    /// on it: the permission of its processed-crash field (as Socorro
    /// takes it from the processed crash schema). A field missing from the
    /// table counts as protected.
    pub fn is_protected(&self) -> bool {
        processed_crash::get(self.source_key())
            .is_none_or(|f| f.permission == processed_crash::Permission::Protected)
    }

    /// What the field means: the processed crash's description, or the
    /// measure's for the memory report's fields.
    pub fn description(&self) -> String {
        if let Some(measure) = self.source.strip_prefix("memory_measures.") {
            return format!(
                "The \"{}\" measure of the memory report for the crashing process \
                 (see about:memory).",
                measure.replace('_', "-")
            );
        }
        processed_crash::get(self.source_key())
            .map(|f| f.description.to_owned())
            .unwrap_or_default()
    }
}

macro_rules! fields {
    ($($name:literal $kind:ident $source:literal $($multi:ident)?;)+) => {
        /// Every Super Search field crashkit indexes: Socorro's list
        /// (`super_search_fields.py`), its names and query types, plus
        /// `mdsw_status_string`, `success` and `thread_count`.
        pub static FIELDS: &[Field] = &[
            $(Field { name: $name, kind: FieldKind::$kind, source: $source, multi: fields!(@multi $($multi)?) },)+
        ];
    };
    (@multi multi) => { true };
    (@multi) => { false };
}

fields! {
    "abort_message" Text "abort_message";
    "accessibility" Bool "accessibility";
    "accessibility_client" Keyword "accessibility_client";
    "accessibility_in_proc_client" Keyword "accessibility_in_proc_client";
    "adapter_device_id" Keyword "adapter_device_id";
    "adapter_driver_version" Text "adapter_driver_version";
    "adapter_subsys_id" Text "adapter_subsys_id";
    "adapter_vendor_id" Keyword "adapter_vendor_id";
    "addons" Keyword "addons" multi;
    "addons_checked" Bool "addons_checked";
    "address" Keyword "address";
    "android_board" Enum "android_board";
    "android_brand" Enum "android_brand";
    "android_cpu_abi" Enum "android_cpu_abi";
    "android_cpu_abi2" Enum "android_cpu_abi2";
    "android_device" Enum "android_device";
    "android_display" Enum "android_display";
    "android_fingerprint" Enum "android_fingerprint";
    "android_hardware" Enum "android_hardware";
    "android_manufacturer" Enum "android_manufacturer";
    "android_model" Text "android_model";
    "android_packagename" Keyword "android_packagename";
    "android_version" Keyword "android_version";
    "app_init_dlls" Keyword "app_init_dlls" multi;
    "app_notes" Text "app_notes";
    "application_build_id" Integer "application_build_id";
    "async_shutdown_timeout" Text "async_shutdown_timeout";
    "available_page_file" Integer "available_page_file";
    "available_physical_memory" Integer "available_physical_memory";
    "available_virtual_memory" Integer "available_virtual_memory";
    "background_task_name" Keyword "background_task_name";
    "build_id" Integer "build";
    "co_marshal_interface_failure" Enum "co_marshal_interface_failure";
    "collector_notes" Text "collector_metadata.collector_notes" multi;
    "content_sandbox_capabilities" Integer "content_sandbox_capabilities";
    "content_sandbox_capable" Bool "content_sandbox_capable";
    "content_sandbox_enabled" Bool "content_sandbox_enabled";
    "content_sandbox_level" Integer "content_sandbox_level";
    "cpu_arch" Enum "cpu_arch";
    "cpu_count" Integer "cpu_count";
    "cpu_info" Text "cpu_info";
    "cpu_microcode_version" Enum "cpu_microcode_version";
    "crash_report_keys" Keyword "crash_report_keys" multi;
    "crashing_thread" Integer "crashing_thread";
    "crashing_thread_name" Keyword "crashing_thread_name";
    "date" Date "date_processed";
    "distribution_id" Keyword "distribution_id";
    "dom_fission_enabled" Bool "dom_fission_enabled";
    "dom_ipc_enabled" Bool "dom_ipc_enabled";
    "dumper_error" Text "dumper_error";
    "em_check_compatibility" Bool "em_check_compatibility";
    "gmp_library_path" Keyword "gmp_library_path";
    "gmp_plugin" Bool "gmp_plugin";
    "graphics_critical_error" Text "graphics_critical_error";
    "graphics_startup_test" Bool "graphics_startup_test";
    "hang" Keyword "hang";
    "has_device_touch_screen" Bool "has_device_touch_screen";
    "has_guard_page_access" Bool "has_guard_page_access";
    "has_mac_boot_args" Bool "has_mac_boot_args";
    "install_age" Integer "install_age";
    "install_time" Integer "install_time";
    "ipc_channel_error" Text "ipc_channel_error";
    "ipc_fatal_error_msg" Text "ipc_fatal_error_msg";
    "ipc_fatal_error_protocol" Text "ipc_fatal_error_protocol";
    "ipc_message_name" Text "ipc_message_name";
    "ipc_message_size" Integer "ipc_message_size";
    "ipc_shutdown_state" Enum "ipc_shutdown_state";
    "ipc_system_error" Integer "ipc_system_error";
    "is_garbage_collecting" Bool "is_garbage_collecting";
    "java_stack_trace" Text "java_stack_trace";
    "java_stack_trace_raw" Text "java_stack_trace_raw";
    "js_large_allocation_failure" Keyword "js_large_allocation_failure";
    "last_crash" Integer "last_crash";
    "mac_available_memory_sysctl" Integer "mac_available_memory_sysctl";
    "mac_boot_args" Text "mac_boot_args";
    "mac_crash_info" Text "mac_crash_info";
    "mac_memory_pressure" Keyword "mac_memory_pressure";
    "mac_memory_pressure_sysctl" Integer "mac_memory_pressure_sysctl";
    "major_version" Integer "major_version";
    "mdsw_status_string" Keyword "mdsw_status_string";
    "memory_explicit" Integer "memory_measures.explicit";
    "memory_gfx_textures" Integer "memory_measures.gfx_textures";
    "memory_ghost_windows" Integer "memory_measures.ghost_windows";
    "memory_heap_allocated" Integer "memory_measures.heap_allocated";
    "memory_heap_overhead" Integer "memory_measures.heap_overhead";
    "memory_heap_unclassified" Integer "memory_measures.heap_unclassified";
    "memory_host_object_urls" Integer "memory_measures.host_object_urls";
    "memory_images" Integer "memory_measures.images";
    "memory_js_main_runtime" Integer "memory_measures.js_main_runtime";
    "memory_private" Integer "memory_measures.private";
    "memory_resident" Integer "memory_measures.resident";
    "memory_resident_unique" Integer "memory_measures.resident_unique";
    "memory_system_heap_allocated" Integer "memory_measures.system_heap_allocated";
    "memory_top_none_detached" Integer "memory_measures.top_none_detached";
    "memory_vsize" Integer "memory_measures.vsize";
    "memory_vsize_max_contiguous" Integer "memory_measures.vsize_max_contiguous";
    "minidump_sha256_hash" Text "minidump_sha256_hash";
    "missing_symbols" Keyword "missing_symbols" multi;
    "modules_in_stack" Keyword "modules_in_stack" multi;
    "moz_crash_reason" Text "moz_crash_reason";
    "moz_crash_reason_raw" Text "moz_crash_reason_raw";
    "oom_allocation_size" Integer "oom_allocation_size";
    "phc_alloc_stack" Text "phc_alloc_stack";
    "phc_base_address" Text "phc_base_address";
    "phc_free_stack" Text "phc_free_stack";
    "phc_kind" Keyword "phc_kind";
    "phc_usable_size" Integer "phc_usable_size";
    "platform" Enum "os_name";
    "platform_pretty_version" Text "os_pretty_version";
    "platform_version" Text "os_version";
    "plugin_filename" Enum "plugin_filename";
    "plugin_name" Enum "plugin_name";
    "plugin_version" Enum "plugin_version";
    "possible_bit_flips_max_confidence" Integer "possible_bit_flips_max_confidence";
    "process_type" Text "process_type";
    "processor_notes" Text "processor_notes";
    "product" Enum "product";
    "productid" Enum "productid";
    "proto_signature" Text "proto_signature";
    "quota_manager_shutdown_timeout" Text "quota_manager_shutdown_timeout";
    "reason" Text "reason";
    "release_channel" Enum "release_channel";
    "remote_type" Enum "remote_type";
    "report_type" Keyword "report_type";
    "safe_mode" Bool "safe_mode";
    "shutdown_progress" Text "shutdown_progress";
    "shutdown_reason" Keyword "shutdown_reason";
    "signature" Text "signature";
    "stackwalk_version" Keyword "stackwalk_version";
    "startup_crash" Bool "startup_crash";
    "startup_time" Integer "startup_time";
    "submitted_from" Keyword "submitted_from";
    "success" Bool "success";
    "system_memory_use_percentage" Integer "system_memory_use_percentage";
    "thread_count" Integer "thread_count";
    "throttleable" Bool "throttleable";
    "topmost_filenames" Keyword "topmost_filenames" multi;
    "total_page_file" Integer "total_page_file";
    "total_physical_memory" Integer "total_physical_memory";
    "total_virtual_memory" Integer "total_virtual_memory";
    "uptime" Integer "uptime";
    "uptime_ts" Float "uptime_ts";
    "url" Keyword "url";
    "user_comments" Text "user_comments";
    "useragent_locale" Enum "useragent_locale" multi;
    "utility_actors_name" Keyword "utility_actors_name" multi;
    "utility_process_sandboxing_kind" Integer "utility_process_sandboxing_kind";
    "uuid" Enum "uuid";
    "vendor" Enum "vendor";
    "version" Enum "version";
    "windows_error_reporting" Bool "windows_error_reporting";
    "xpcom_spin_event_loop_stack" Keyword "xpcom_spin_event_loop_stack";
}

/// The field called `name`.
pub fn field(name: &str) -> Option<&'static Field> {
    static BY_NAME: OnceLock<HashMap<&'static str, &'static Field>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| FIELDS.iter().map(|f| (f.name, f)).collect())
        .get(name)
        .copied()
}

/// Writes `docs/search-fields.md`: every Super Search field, its kind,
/// where it comes from and who may use it.
pub fn docs(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(
        out,
        "# Super Search fields (index schema version {})",
        super::SCHEMA_VERSION
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Generated by `crashkit generate-assets` from `src/search/fields.rs`; \
         how each kind matches is in [search-index.md](search-index.md). \
         {} fields: Socorro's list (`super_search_fields.py`) under its names, \
         plus `mdsw_status_string`, `success` and `thread_count`. A protected \
         field is searched, faceted, sorted and returned only for a caller \
         with `view_pii` (see [api.md](api.md)).",
        FIELDS.len()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| field | kind | list | from the processed crash | access | description |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for f in FIELDS {
        let kind = match f.kind {
            FieldKind::Enum => "enum",
            FieldKind::Keyword => "keyword",
            FieldKind::Text => "text",
            FieldKind::Integer => "integer",
            FieldKind::Float => "float",
            FieldKind::Date => "date",
            FieldKind::Bool => "boolean",
        };
        let description = f.description().replace('|', "\\|").replace('\n', " ");
        writeln!(
            out,
            "| `{}` | {kind} | {} | `{}` | {} | {description} |",
            f.name,
            if f.multi { "yes" } else { "" },
            f.source,
            if f.is_protected() {
                "protected"
            } else {
                "public"
            },
        )?;
    }
    Ok(())
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

/// The earliest and latest dates an index holds: what nanoseconds since
/// the epoch in an `i64` can count (Tantivy's dates), a day inside.
pub const FIRST_DATE: &str = "1678-01-01";
pub const LAST_DATE: &str = "2261-12-31";

/// Parses a date as users and processed crashes write it: RFC 3339, or a
/// bare `YYYY-MM-DD` (midnight UTC), or `YYYY-MM-DDTHH:MM:SS` (UTC).
/// Dates outside [`FIRST_DATE`]..=[`LAST_DATE`] are not dates an index can
/// hold: `None`.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    parse_any_date(text).filter(|d| {
        let day = d.date_naive().to_string();
        (FIRST_DATE..=LAST_DATE).contains(&day.as_str())
    })
}

fn parse_any_date(text: &str) -> Option<DateTime<Utc>> {
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
    Float(f64),
    Date(DateTime<Utc>),
    Bool(bool),
}

impl FieldValue {
    /// The value as it appears in a document's JSON.
    pub fn to_json(&self) -> Value {
        match self {
            FieldValue::Str(s) => Value::String(s.clone()),
            FieldValue::Int(i) => Value::from(*i),
            FieldValue::Float(f) => Value::from(*f),
            FieldValue::Date(d) => Value::String(format_date(d)),
            FieldValue::Bool(b) => Value::Bool(*b),
        }
    }
}

/// Serializes as [`FieldValue::to_json`] (a float that is not finite as
/// null), without building the value first.
impl serde::Serialize for FieldValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Str(v) => s.serialize_str(v),
            FieldValue::Int(i) => s.serialize_i64(*i),
            FieldValue::Float(f) if f.is_finite() => s.serialize_f64(*f),
            FieldValue::Float(_) => s.serialize_unit(),
            FieldValue::Date(d) => s.serialize_str(&format_date(d)),
            FieldValue::Bool(b) => s.serialize_bool(*b),
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
                match lookup(crash, field.source) {
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
    pub fn from_json(text: &[u8]) -> Result<Document, ParseError> {
        let mut de = serde_json::Deserializer::from_slice(text);
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

    /// The document as JSON text, as [`Document::to_json`] gives it.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string(&DocumentJson(self)).expect("documents serialize")
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

/// A document serialized as its JSON object, field by field.
struct DocumentJson<'a>(&'a Document);

impl serde::Serialize for DocumentJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.values.len()))?;
        for (name, values) in &self.0.values {
            if field(name).is_some_and(|f| f.multi) {
                map.serialize_entry(name, values)?;
            } else {
                map.serialize_entry(name, &values[0])?;
            }
        }
        map.end()
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
            let wanted = key == "crash_id" || source_keys().contains(key.as_ref());
            if wanted {
                out.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// The top-level keys documents are read from.
fn source_keys() -> &'static std::collections::HashSet<&'static str> {
    static KEYS: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    KEYS.get_or_init(|| FIELDS.iter().map(Field::source_key).collect())
}

/// The value at a dotted `path` of `crash`.
fn lookup<'a>(crash: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut value = crash.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
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
        FieldKind::Float => match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|f: &f64| f.is_finite())
        .map(FieldValue::Float),
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
    fn the_json_text_is_the_json_value() {
        let crash = json!({
            "uuid": "de1bb258-cbbf-4589-a673-34f800261126",
            "signature": "a\"b\u{1}",
            "modules_in_stack": "libxul.so/ABC0;libc.so.6/DEF0",
            "uptime": 12,
            "date_processed": "2026-12-01T10:00:00.123456+00:00",
            "accessibility": true,
        });
        let mut doc = Document::from_processed(crash.as_object().unwrap()).unwrap();
        doc.values
            .insert("x_float", vec![FieldValue::Float(f64::NAN)]);
        doc.values.insert("y_float", vec![FieldValue::Float(0.25)]);
        let text: Value = serde_json::from_str(&doc.to_json_string()).unwrap();
        assert_eq!(text, Value::Object(doc.to_json()));
        assert_eq!(text["x_float"], Value::Null);
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
        let doc = Document::from_json(text.as_bytes()).unwrap();
        assert_eq!(doc.to_json()["signature"], "a\"b");
        assert!(matches!(
            Document::from_json(b"{"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            Document::from_json(b"[1]"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            Document::from_json(b"{} x"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            Document::from_json(b"{}"),
            Err(ParseError::Document(_))
        ));
    }

    /// Found by the `api` fuzz target: year 0 reached Tantivy, whose
    /// nanosecond dates overflowed (a panic in debug builds, a wrong date
    /// in release ones).
    #[test]
    fn dates_an_index_cannot_hold_are_not_dates() {
        assert!(parse_date("0000-03-19").is_none());
        assert!(parse_date("1677-12-31T23:59:59Z").is_none());
        assert!(parse_date("2262-01-01").is_none());
        assert!(parse_date("1678-01-01").is_some());
        assert!(parse_date("2261-12-31T23:59:59+00:00").is_some());
        let crash = json!({"uuid": "de1bb258-cbbf-4589-a673-34f800160918", "date_processed": "0001-01-01T00:00:00+00:00"});
        let doc = Document::from_processed(crash.as_object().unwrap()).unwrap();
        assert_eq!(doc.to_json()["date"], "2016-09-18T00:00:00.000000+00:00");
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        let text = "é".repeat(MAX_VALUE_BYTES);
        let cut = truncate(text);
        assert!(cut.len() <= MAX_VALUE_BYTES && cut.chars().all(|c| c == 'é'));
    }
}
