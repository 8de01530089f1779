//! Processing: minidumps in, processed crashes (Socorro's shape) out.
//!
//! A [`Processor`] stackwalks every dump of a crash with rust-minidump
//! (in-process, one shared [`symbolizer`] for the whole run, a dump first
//! checked by [`guard`]), writes each `json_dump` once from the stackwalk
//! ([`json_dump`]), derives the processed crash of SPEC 2.4 from it and
//! the annotations, and signs it with Socorro's algorithm. A crash that cannot
//! be processed (no dump, empty, corrupt, truncated) still yields a
//! processed crash, with `success: false` and notes saying why.
//! The processed-crash format is documented in `docs/processed-crash.md`
//! and versioned by [`SCHEMA_VERSION`].

pub mod guard;
pub mod json_dump;
pub mod report;
pub mod supervisor;
pub mod symbolizer;
pub mod symbols;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::config::ProcessSettings;
use crate::crash_id::CrashId;
use crate::signature::{Generator, ListError};
use crate::storage::layout::MAIN_DUMP;
use crate::storage::{Dumps, RawCrash};

/// Version of crashkit's processed-crash format.
pub const SCHEMA_VERSION: u64 = 1;

/// Threads with more frames than this are cut to the first 250 and the last
/// 249 around a `truncated` marker.
pub const MAX_FRAMES: usize = 500;

/// A processed crash: a JSON object with Socorro's field names.
pub type ProcessedCrash = Map<String, Value>;

/// A processed crash just built: its fields, and the `json_dump`s as the
/// JSON they were written as, which is most of a crash and is never built
/// as maps ([`json_dump`]).
#[derive(Debug, Clone, Default)]
pub struct Processed {
    fields: ProcessedCrash,
    /// Top-level fields written as JSON: `json_dump`, and each additional
    /// dump's object (`{"json_dump": …, "mdsw_status_string": …, "success": …}`).
    written: BTreeMap<String, Vec<u8>>,
}

impl Processed {
    /// A top-level field, unless it is one of the written `json_dump`s.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.get(key)
    }

    /// Replaces `processor_history` (the earlier runs of a reprocessed crash).
    pub fn set_history(&mut self, history: Vec<Value>) {
        self.fields
            .insert("processor_history".into(), Value::Array(history));
    }

    /// The processed crash as storage keeps it: compact JSON, keys sorted.
    pub fn to_json(&self) -> Vec<u8> {
        let size: usize = self.written.values().map(Vec::len).sum();
        let mut out = Vec::with_capacity(size + 8192);
        out.push(b'{');
        let mut fields = self.fields.iter().peekable();
        let mut written = self.written.iter().peekable();
        loop {
            let from_fields = match (fields.peek(), written.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some((a, _)), Some((b, _))) => a < b,
            };
            if out.len() > 1 {
                out.push(b',');
            }
            // Strings and values always serialize, and a Vec always grows.
            if let (true, Some((key, value))) = (from_fields, fields.peek()) {
                let _ = serde_json::to_writer(&mut out, key);
                out.push(b':');
                let _ = serde_json::to_writer(&mut out, value);
                fields.next();
            } else if let Some((key, json)) = written.next() {
                let _ = serde_json::to_writer(&mut out, key);
                out.push(b':');
                out.extend_from_slice(json);
            }
        }
        out.push(b'}');
        out
    }

    /// The processed crash as one map (the written parts parsed).
    pub fn into_map(self) -> ProcessedCrash {
        let mut pc = self.fields;
        for (key, json) in self.written {
            let value = serde_json::from_slice(&json).unwrap_or(Value::Null);
            pc.insert(key, value);
        }
        pc
    }

    fn insert_written(&mut self, key: &str, json: Vec<u8>) {
        self.fields.remove(key);
        self.written.insert(key.into(), json);
    }
}

/// What the stackwalker and crashkit are, for `stackwalk_version`.
pub fn stackwalk_version() -> String {
    format!(
        "crashkit {} (rust-minidump minidump-processor 0.27)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The symbol files of a run, from its directories and servers.
pub type Symbolizer = symbolizer::Symbolizer<symbols::SymbolSource>;

/// Processes crashes with one symbolizer and one signature generator.
pub struct Processor {
    symbolizer: Arc<Symbolizer>,
    generator: Signer,
    annotations: ProcessSettings,
}

/// The signature generator: ready, or being built (its lists parsed and
/// regular expressions compiled, some 10 ms) on a thread of its own while
/// the first crash is stackwalked.
struct Signer {
    ready: std::sync::OnceLock<Generator>,
    building: std::sync::Mutex<Option<std::thread::JoinHandle<Result<Generator, ListError>>>>,
}

impl Signer {
    fn ready(generator: Generator) -> Signer {
        Signer {
            ready: std::sync::OnceLock::from(generator),
            building: std::sync::Mutex::new(None),
        }
    }

    fn building(siglists: Option<std::path::PathBuf>) -> Signer {
        let handle = std::thread::spawn(move || Generator::from_dir(siglists.as_deref()));
        Signer {
            ready: std::sync::OnceLock::new(),
            building: std::sync::Mutex::new(Some(handle)),
        }
    }

    /// The generator, waiting for it if it is being built. Lists that
    /// fail to build here were readable when the supervisor checked them
    /// at its start: the worker stops rather than sign with other lists,
    /// and the supervisor marks the crash failed.
    fn get(&self) -> &Generator {
        self.ready.get_or_init(|| {
            let handle = self.building.lock().ok().and_then(|mut b| b.take());
            match handle.map(std::thread::JoinHandle::join) {
                Some(Ok(Ok(generator))) => generator,
                Some(Ok(Err(e))) => {
                    tracing::error!("signature lists: {e}");
                    std::process::exit(2)
                }
                _ => {
                    tracing::error!("building the signature generator failed");
                    std::process::exit(2)
                }
            }
        })
    }
}

/// The result of walking one dump.
struct Walk {
    /// The `json_dump` as written.
    json_dump: Vec<u8>,
    /// What deriving fields and signing read of it ([`json_dump::JsonDump::skeleton`]).
    skeleton: Value,
    status: String,
    success: bool,
    notes: Vec<String>,
}

impl Walk {
    fn failed(status: &str, note: String) -> Walk {
        Walk {
            json_dump: b"{}".to_vec(),
            skeleton: json!({}),
            status: status.to_owned(),
            success: false,
            notes: vec![note],
        }
    }
}

/// Processing could not be set up from its settings.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The signature lists directory is unreadable or malformed (a usage error).
    #[error("signature lists: {0}")]
    SignatureLists(#[from] crate::signature::ListError),
    /// The symbol servers' HTTP client could not be built.
    #[error(transparent)]
    SymbolClient(#[from] symbols::ClientError),
    /// Crashkit's own executable, which runs the workers, cannot be found.
    #[error("finding crashkit's own executable for its workers: {0}")]
    Executable(std::io::Error),
}

impl SetupError {
    /// Whether the settings themselves are wrong (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(self, SetupError::SignatureLists(_))
    }
}

/// Crashes processed at once: `process.jobs`, or the number of cores.
pub fn jobs(settings: &ProcessSettings) -> usize {
    settings
        .jobs
        .map(|j| j.max(1) as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
}

/// The symbol download cache when `process.symbols_cache_dir` is unset:
/// the user's cache directory (`$XDG_CACHE_HOME`, `~/.cache`), else the
/// temporary directory.
fn default_cache_dir() -> std::path::PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("crashkit")
        .join("symbols")
}

/// The symbolizer the settings describe: their symbol directories and
/// servers, through the download cache.
fn symbolizer(p: &ProcessSettings) -> Result<Arc<Symbolizer>, SetupError> {
    use std::path::PathBuf;
    use std::time::Duration;
    let cache = (!p.symbols_urls.is_empty()).then(|| symbols::CacheSettings {
        dir: p
            .symbols_cache_dir
            .as_ref()
            .map_or_else(default_cache_dir, PathBuf::from),
        max_bytes: p.symbols_cache_max_mb.saturating_mul(1 << 20),
        negative_ttl: Duration::from_secs(p.symbols_negative_ttl_secs),
        error_ttl: Duration::from_secs(p.symbols_error_ttl_secs),
    });
    let source = symbols::SymbolSource::new(
        p.symbols_paths.iter().map(PathBuf::from).collect(),
        p.symbols_urls.clone(),
        cache,
        Duration::from_secs(p.symbols_timeout_secs.max(1)),
    )?;
    Ok(Arc::new(Symbolizer::new(source)))
}

impl Processor {
    /// The processor the settings describe: their symbol directories and
    /// servers (through the download cache) and signature lists.
    pub fn from_settings(p: &ProcessSettings) -> Result<Processor, SetupError> {
        let generator = Generator::from_dir(p.siglists.as_deref().map(std::path::Path::new))?;
        Ok(Processor {
            symbolizer: symbolizer(p)?,
            generator: Signer::ready(generator),
            annotations: p.clone(),
        })
    }

    /// The same, for a processing worker: the signature lists (which its
    /// supervisor has checked) are compiled while the first crash is
    /// being stackwalked.
    pub fn for_worker(p: &ProcessSettings) -> Result<Processor, SetupError> {
        let siglists = p.siglists.as_ref().map(std::path::PathBuf::from);
        Ok(Processor {
            symbolizer: symbolizer(p)?,
            generator: Signer::building(siglists),
            annotations: p.clone(),
        })
    }

    pub fn new(
        symbolizer: Arc<Symbolizer>,
        generator: Generator,
        settings: &ProcessSettings,
    ) -> Processor {
        Processor {
            symbolizer,
            generator: Signer::ready(generator),
            annotations: settings.clone(),
        }
    }

    /// Processes one crash: its raw crash and dumps. `id` is the crash id
    /// when the crash comes from storage.
    pub async fn process(&self, id: Option<&CrashId>, raw: &RawCrash, dumps: &Dumps) -> Processed {
        let started = Utc::now();
        let mut walks = Vec::new();
        for (name, bytes) in dumps.iter().filter(|(n, _)| n.starts_with(MAIN_DUMP)) {
            walks.push((name.clone(), self.walk(bytes).await));
        }
        self.assemble(id, raw, dumps, walks, started)
    }

    /// The processed crash of a crash that could not be stackwalked at all
    /// (its worker timed out or died): every dump gets `status` and `note`.
    pub fn failed(
        &self,
        id: Option<&CrashId>,
        raw: &RawCrash,
        dumps: &Dumps,
        status: &str,
        note: &str,
    ) -> Processed {
        let walks = dumps
            .keys()
            .filter(|n| n.starts_with(MAIN_DUMP))
            .map(|n| (n.clone(), Walk::failed(status, note.to_owned())))
            .collect();
        self.assemble(id, raw, dumps, walks, Utc::now())
    }

    fn assemble(
        &self,
        id: Option<&CrashId>,
        raw: &RawCrash,
        dumps: &Dumps,
        walks: Vec<(String, Walk)>,
        started: DateTime<Utc>,
    ) -> Processed {
        let mut notes: Vec<String> = Vec::new();
        let mut pc = ProcessedCrash::new();

        let uuid = id
            .map(|i| Value::from(i.as_str()))
            .or_else(|| raw.get("uuid").cloned())
            .unwrap_or(Value::Null);
        pc.insert("uuid".into(), uuid.clone());
        pc.insert("crash_id".into(), uuid);
        self.copy_annotations(raw, &mut pc);
        times(raw, &mut pc, &mut notes, id);

        // Every dump named upload_file_minidump* is walked; the main one fills the top level.
        if let Some(bytes) = dumps.get(MAIN_DUMP) {
            pc.insert(
                "minidump_sha256_hash".into(),
                Value::from(hex_sha256(bytes)),
            );
        }
        let mut additional = Vec::new();
        let mut written = Vec::new();
        let mut main_json_dump = None;
        for (name, walk) in walks {
            if name == MAIN_DUMP {
                notes.extend(walk.notes.iter().cloned());
                pc.insert(
                    "mdsw_status_string".into(),
                    Value::from(walk.status.clone()),
                );
                pc.insert("success".into(), Value::from(walk.success));
                derive_from_json_dump(&walk.skeleton, raw, &mut pc);
                // Signing reads the skeleton in json_dump's place.
                pc.insert("json_dump".into(), walk.skeleton);
                main_json_dump = Some(walk.json_dump);
            } else {
                notes.extend(walk.notes.iter().map(|n| format!("{name}: {n}")));
                written.push((name.clone(), additional_dump(walk)));
                additional.push(Value::from(name));
            }
        }
        if main_json_dump.is_none() {
            notes.push("no minidump named upload_file_minidump: nothing to stackwalk".into());
            pc.insert("mdsw_status_string".into(), Value::from("EmptyMinidump"));
            pc.insert("success".into(), Value::from(false));
            derive_from_json_dump(&json!({}), raw, &mut pc);
            pc.insert("json_dump".into(), json!({}));
        }
        pc.insert("additional_minidumps".into(), Value::Array(additional));

        let signature = self.generator.get().generate_processed(&mut pc);
        pc.insert("signature".into(), Value::from(signature.signature));
        pc.insert(
            "proto_signature".into(),
            signature.proto_signature.map_or(Value::Null, Value::from),
        );
        notes.extend(signature.notes);

        pc.insert("processor_notes".into(), Value::from(notes.join("\n")));
        pc.insert("processor_history".into(), json!([]));
        pc.insert("stackwalk_version".into(), Value::from(stackwalk_version()));
        pc.insert("started_datetime".into(), Value::from(rfc3339(started)));
        pc.insert(
            "completed_datetime".into(),
            Value::from(rfc3339(Utc::now())),
        );
        pc.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
        let mut processed = Processed {
            fields: pc,
            written: BTreeMap::new(),
        };
        if let Some(json_dump) = main_json_dump {
            processed.insert_written("json_dump", json_dump);
        }
        for (name, object) in written {
            processed.insert_written(&name, object);
        }
        processed
    }

    /// Recomputes only the signature of a stored processed crash (the
    /// `regenerate_signature` ruleset), keeping the rest and noting the change.
    pub fn regenerate_signature(&self, previous: &ProcessedCrash) -> ProcessedCrash {
        let mut pc = previous.clone();
        let old = previous
            .get("signature")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let signature = self.generator.get().generate(previous);
        let mut notes: Vec<String> = vec![format!("signature regenerated; was: \"{old}\"")];
        notes.extend(signature.notes.iter().cloned());
        archive_history(&mut pc, previous);
        pc.insert("signature".into(), Value::from(signature.signature));
        pc.insert(
            "proto_signature".into(),
            signature.proto_signature.map_or(Value::Null, Value::from),
        );
        pc.insert("processor_notes".into(), Value::from(notes.join("\n")));
        pc.insert(
            "completed_datetime".into(),
            Value::from(rfc3339(Utc::now())),
        );
        pc
    }

    fn copy_annotations(&self, raw: &RawCrash, pc: &mut ProcessedCrash) {
        let a = &self.annotations;
        for (field, annotation) in [
            ("product", &a.product_annotation),
            ("version", &a.version_annotation),
            ("release_channel", &a.release_channel_annotation),
            ("build", &a.build_annotation),
            ("process_type", &a.process_type_annotation),
        ] {
            pc.insert(
                field.into(),
                raw.get(annotation.as_str()).cloned().unwrap_or(Value::Null),
            );
        }
        // Socorro's signature rules read these annotations.
        for (field, annotation) in [
            ("abort_message", "AbortMessage"),
            ("async_shutdown_timeout", "AsyncShutdownTimeout"),
            ("ipc_channel_error", "ipc_channel_error"),
            ("ipc_message_name", "IPCMessageName"),
            ("oom_allocation_size", "OOMAllocationSize"),
            ("js_large_allocation_failure", "JSLargeAllocationFailure"),
            ("java_stack_trace", "JavaStackTrace"),
        ] {
            if let Some(v) = raw.get(annotation) {
                pc.insert(field.into(), v.clone());
            }
        }
        if let Some(hang) = raw.get("Hang").or_else(|| raw.get("hang")) {
            pc.insert("hang".into(), hang.clone());
        }
    }

    async fn walk(&self, bytes: &[u8]) -> Walk {
        let (bytes, mut notes) = guard::check(bytes);
        let mut walk = self.walk_checked(&bytes).await;
        notes.append(&mut walk.notes);
        walk.notes = notes;
        walk
    }

    async fn walk_checked(&self, bytes: &[u8]) -> Walk {
        if bytes.is_empty() {
            return Walk::failed("EmptyMinidump", "the minidump is empty".into());
        }
        let dump = match minidump::Minidump::read(bytes) {
            Ok(dump) => dump,
            Err(e) => {
                return Walk::failed(
                    &format!("ERROR_{}", e.name()),
                    format!("the minidump cannot be read: {e}"),
                )
            }
        };
        let options = minidump_processor::ProcessorOptions::default();
        let mut state = match minidump_processor::process_minidump_with_options(
            &dump,
            self.symbolizer.as_ref(),
            options,
        )
        .await
        {
            Ok(state) => state,
            Err(e) => {
                return Walk::failed(
                    &format!("ERROR_{}", e.name()),
                    format!("the minidump cannot be stackwalked: {e}"),
                )
            }
        };
        let written = match json_dump::write(&mut state) {
            Ok(written) => written,
            Err(e) => {
                return Walk::failed(
                    "ERROR_JSON",
                    format!("the stackwalker's output is unusable: {e}"),
                )
            }
        };
        let mut notes = written.notes;
        let status = written.skeleton["status"]
            .as_str()
            .unwrap_or("OK")
            .to_owned();
        // A dump without an exception stream does not say what crashed.
        let has_exception = state.exception_info.is_some();
        if !has_exception {
            notes.push(
                "the minidump has no exception stream: no crash reason or crashing thread".into(),
            );
        }
        Walk {
            success: status == "OK" && has_exception,
            status,
            json_dump: written.bytes,
            skeleton: written.skeleton,
            notes,
        }
    }
}

/// An additional dump's object in the processed crash, as JSON:
/// `{"json_dump": …, "mdsw_status_string": …, "success": …}`, keys in order.
fn additional_dump(walk: Walk) -> Vec<u8> {
    let mut object = b"{\"json_dump\":".to_vec();
    object.extend_from_slice(&walk.json_dump);
    let rest = json!({"mdsw_status_string": walk.status, "success": walk.success});
    // `{"mdsw_status_string":…}` without its opening brace.
    let rest = serde_json::to_vec(&rest).unwrap_or_else(|_| b"{}".to_vec());
    object.push(b',');
    object.extend_from_slice(&rest[1..]);
    object
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a new run of a crash keeps of its previous processed crash.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PreviousRun {
    #[serde(default)]
    completed_datetime: Value,
    #[serde(default)]
    processor_notes: Value,
    #[serde(default)]
    signature: Value,
    #[serde(default)]
    processor_history: Value,
}

impl PreviousRun {
    fn of(previous: &ProcessedCrash) -> PreviousRun {
        let field = |k: &str| previous.get(k).cloned().unwrap_or(Value::Null);
        PreviousRun {
            completed_datetime: field("completed_datetime"),
            processor_notes: field("processor_notes"),
            signature: field("signature"),
            processor_history: field("processor_history"),
        }
    }

    /// The new run's `processor_history`: the previous one's, then the
    /// previous run itself (its time, notes and signature).
    pub fn history(self) -> Vec<Value> {
        let mut history = match self.processor_history {
            Value::Array(history) => history,
            _ => Vec::new(),
        };
        history.push(json!({
            "completed_datetime": self.completed_datetime,
            "processor_notes": self.processor_notes,
            "signature": self.signature,
        }));
        history
    }
}

/// Appends the previous run (its notes, signature and time) to
/// `processor_history`, when a crash is re-signed.
pub fn archive_history(pc: &mut ProcessedCrash, previous: &ProcessedCrash) {
    let history = PreviousRun::of(previous).history();
    pc.insert("processor_history".into(), Value::Array(history));
}

/// `submitted_timestamp`, `date_processed`, `crash_time`, `uptime`,
/// `install_age`; and a note when the crash id's date and the submission
/// time disagree (a replayed crash or a skewed clock: never an error).
fn times(raw: &RawCrash, pc: &mut ProcessedCrash, notes: &mut Vec<String>, id: Option<&CrashId>) {
    let submitted = raw.get("submitted_timestamp").and_then(Value::as_str);
    pc.insert(
        "submitted_timestamp".into(),
        submitted.map_or(Value::Null, Value::from),
    );
    pc.insert(
        "date_processed".into(),
        submitted.map_or(Value::Null, Value::from),
    );
    let submitted_at = submitted.and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    if let (Some(id), Some(at)) = (id, submitted_at) {
        let day = at.with_timezone(&Utc).format("%Y%m%d").to_string();
        if day != id.date_key() {
            notes.push(format!(
                "crash id date {} differs from submitted_timestamp {}; the crash id's date is used for partitioning",
                id.date_key(),
                submitted.unwrap_or("")
            ));
        }
    }
    let int = |key: &str| -> Option<i64> {
        match raw.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let crash_time = int("CrashTime").or_else(|| submitted_at.map(|t| t.timestamp()));
    pc.insert(
        "crash_time".into(),
        crash_time.map_or(Value::Null, Value::from),
    );
    let since = |key: &str| match (crash_time, int(key)) {
        (Some(crash), Some(start)) => Value::from((crash - start).max(0)),
        _ => Value::Null,
    };
    pc.insert("uptime".into(), since("StartupTime"));
    pc.insert("install_age".into(), since("InstallTime"));
}

/// The fields derived from the stackwalker's output, falling back to
/// annotations where the dump says nothing.
fn derive_from_json_dump(jd: &Value, raw: &RawCrash, pc: &mut ProcessedCrash) {
    let sys = &jd["system_info"];
    let from = |v: &Value, annotation: &str| -> Value {
        if v.is_null() {
            raw.get(annotation).cloned().unwrap_or(Value::Null)
        } else {
            v.clone()
        }
    };
    pc.insert("os_name".into(), from(&sys["os"], "OS"));
    pc.insert("os_version".into(), from(&sys["os_ver"], "OSVersion"));
    pc.insert("cpu_arch".into(), from(&sys["cpu_arch"], "CPUArch"));
    pc.insert("cpu_info".into(), from(&sys["cpu_info"], "CPUInfo"));
    pc.insert("cpu_count".into(), from(&sys["cpu_count"], "CPUCount"));

    let crash = &jd["crash_info"];
    pc.insert("reason".into(), crash["type"].clone());
    let mut address = crash["address"].clone();
    if crash["adjusted_address"]["kind"] == "null-pointer" {
        // A null-pointer access reads as address zero, at the same width.
        if let Some(a) = address.as_str() {
            let width = a.trim_start_matches("0x").len();
            address = Value::from(format!("0x{}", "0".repeat(width.max(1))));
        }
    }
    pc.insert("address".into(), address);
    let crashing = crash["crashing_thread"].clone();
    pc.insert("crashing_thread".into(), crashing.clone());
    let threads = jd["threads"].as_array();
    let crashing_thread = crashing
        .as_u64()
        .and_then(|i| threads.and_then(|t| t.get(i as usize)));
    pc.insert(
        "crashing_thread_name".into(),
        crashing_thread.map_or(Value::Null, |t| t["thread_name"].clone()),
    );
    pc.insert(
        "thread_count".into(),
        jd.get("thread_count")
            .cloned()
            .or_else(|| threads.map(|t| Value::from(t.len())))
            .unwrap_or(Value::Null),
    );

    // Modules in the crashing stack, and the topmost source files.
    let modules = jd["modules"].as_array().cloned().unwrap_or_default();
    let module_id = |name: &str| -> Option<String> {
        modules
            .iter()
            .find(|m| m["filename"].as_str() == Some(name))
            .map(|m| {
                format!(
                    "{}/{}",
                    m["debug_file"].as_str().unwrap_or(name),
                    m["debug_id"].as_str().unwrap_or("")
                )
            })
    };
    let frames = crashing_thread
        .and_then(|t| t["frames"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut in_stack: Vec<String> = Vec::new();
    for frame in &frames {
        if let Some(id) = frame["module"].as_str().and_then(module_id) {
            if !in_stack.contains(&id) {
                in_stack.push(id);
            }
        }
    }
    pc.insert("modules_in_stack".into(), json!(in_stack));
    let topmost: Vec<String> = frames
        .iter()
        .find(|f| f["file"].is_string())
        .map(|f| {
            let mut files: Vec<String> = f["inlines"]
                .as_array()
                .map(|inl| {
                    inl.iter()
                        .filter_map(|i| i["file"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(file) = f["file"].as_str() {
                files.push(file.to_owned());
            }
            files.dedup();
            files
        })
        .unwrap_or_default();
    pc.insert("topmost_filenames".into(), json!(topmost));
    let missing: BTreeSet<String> = modules
        .iter()
        .filter(|m| m["missing_symbols"] == true)
        .filter_map(|m| m["filename"].as_str().map(str::to_owned))
        .collect();
    pc.insert("missing_symbols".into(), json!(missing));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_pointer_addresses_keep_their_width() {
        let jd = json!({"crash_info": {"type": "SIGSEGV", "address": "0x0000000000000010",
            "adjusted_address": {"kind": "null-pointer", "offset": "0x10"}, "crashing_thread": 0},
            "threads": [{"thread_name": "main", "frames": []}]});
        let mut pc = ProcessedCrash::new();
        derive_from_json_dump(&jd, &RawCrash::new(), &mut pc);
        assert_eq!(pc["address"], "0x0000000000000000");
        assert_eq!(pc["crashing_thread_name"], "main");
        assert_eq!(pc["thread_count"], 1);
    }

    #[test]
    fn a_clock_disagreement_is_a_note_only() {
        let id = CrashId::parse("de1bb258-cbbf-4589-a673-34f800261126").unwrap();
        let raw: RawCrash = serde_json::from_value(json!({
            "submitted_timestamp": "2026-11-28T01:02:03.000000+00:00",
            "CrashTime": "1764291700", "StartupTime": 1764291600, "InstallTime": "x"
        }))
        .unwrap();
        let (mut pc, mut notes) = (ProcessedCrash::new(), Vec::new());
        times(&raw, &mut pc, &mut notes, Some(&id));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("differs from submitted_timestamp"));
        assert_eq!(pc["uptime"], 100);
        assert_eq!(pc["install_age"], Value::Null);
        assert_eq!(pc["date_processed"], "2026-11-28T01:02:03.000000+00:00");
    }
}
