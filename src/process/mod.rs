//! Processing: minidumps in, processed crashes (Socorro's shape) out.
//!
//! A [`Processor`] runs Socorro's default ruleset ([`rules`]) over a crash:
//! the rules before the stackwalk clean and copy the annotations, then
//! every minidump is stackwalked with rust-minidump (in-process, one
//! shared [`symbolizer`] for the whole run, a dump first checked by
//! [`guard`], each `json_dump` written once, [`json_dump`]), then the rest
//! of the rules derive the processed crash of SPEC 2.4 and sign it. A
//! crash whose dump cannot be walked (none, empty, corrupt, truncated, a
//! worker killed at its limits) still yields a processed crash, with
//! Socorro's stackwalk status fields and notes saying why.
//! The processed-crash format is documented in `docs/processed-crash.md`
//! and versioned by [`SCHEMA_VERSION`].

pub mod guard;
pub mod json_dump;
pub mod report;
pub mod rules;
pub mod supervisor;
pub mod symbolizer;
pub mod symbols;
pub mod version_string;
pub mod worker;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use serde_json::{json, Map, Value};

use rules::{Context, Crash, Stackwalk};

use crate::config::ProcessSettings;
use crate::crash_id::CrashId;
use crate::signature::{Generator, ListError};
use crate::storage::layout::MAIN_DUMP;
use crate::storage::{Dumps, RawCrash};

pub use crate::processed_crash::SCHEMA_VERSION;

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
pub fn stackwalk_version() -> &'static str {
    concat!(
        "crashkit ",
        env!("CARGO_PKG_VERSION"),
        " (rust-minidump minidump-processor 0.27)"
    )
}

/// The symbol files of a run, from its directories and servers.
pub type Symbolizer = symbolizer::Symbolizer<symbols::SymbolSource>;

/// Processes crashes with one symbolizer and one signature generator.
pub struct Processor {
    symbolizer: Arc<Symbolizer>,
    generator: Signer,
    /// `process.version_string_api`, for `BetaVersionRule`.
    version_strings: Option<Arc<version_string::VersionStrings>>,
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

/// Processing could not be set up from its settings.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The signature lists directory is unreadable or malformed (a usage error).
    #[error("signature lists: {0}")]
    SignatureLists(#[from] crate::signature::ListError),
    /// The symbol servers' HTTP client could not be built.
    #[error(transparent)]
    SymbolClient(#[from] symbols::ClientError),
    /// A `process.symbols_headers` entry cannot be used (a usage error).
    #[error("process.symbols_headers: {0}")]
    SymbolHeaders(String),
    /// The VersionString API's HTTP client could not be built.
    #[error("the VersionString API client: {0}")]
    VersionStringClient(reqwest::Error),
    /// Crashkit's own executable, which runs the workers, cannot be found.
    #[error("finding crashkit's own executable for its workers: {0}")]
    Executable(std::io::Error),
}

impl SetupError {
    /// Whether the settings themselves are wrong (exit status 2).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SetupError::SignatureLists(_) | SetupError::SymbolHeaders(_)
        )
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

/// The `VersionString` lookup the settings name, if any.
fn version_strings(
    p: &ProcessSettings,
) -> Result<Option<Arc<version_string::VersionStrings>>, SetupError> {
    use std::time::Duration;
    p.version_string_api
        .as_deref()
        .map(|url| {
            version_string::VersionStrings::new(
                url,
                Duration::from_secs(p.symbols_timeout_secs.max(1)),
            )
            .map(Arc::new)
            .map_err(SetupError::VersionStringClient)
        })
        .transpose()
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
    let headers =
        symbols::ServerHeader::parse_all(&p.symbols_headers, |name| std::env::var(name).ok())
            .map_err(SetupError::SymbolHeaders)?;
    let source = symbols::SymbolSource::new(
        p.symbols_paths.iter().map(PathBuf::from).collect(),
        p.symbols_urls.clone(),
        headers,
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
            version_strings: version_strings(p)?,
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
            version_strings: version_strings(p)?,
        })
    }

    /// Processes one crash (its raw crash and dumps) through Socorro's
    /// default ruleset. `id` is the crash id when the crash comes from
    /// storage; a raw crash without `uuid` (a local analysis) gets the id,
    /// or the nil id, as Socorro's rules need one.
    pub async fn process(&self, id: Option<&CrashId>, raw: &RawCrash, dumps: &Dumps) -> Processed {
        let ctx = self.context(hostname(), stackwalk_version());
        let mut crash = Crash::start(with_uuid(id, raw), dumps, &ctx, Utc::now());
        crash.run("default", rules::BEFORE_STACKWALK);
        self.look_up_beta_version(&mut crash).await;
        for (name, bytes) in dumps
            .iter()
            .filter(|(n, b)| n.starts_with(MAIN_DUMP) && !b.is_empty())
        {
            let walk = self.walk(bytes, &crash.raw).await;
            crash.walks.insert(name.clone(), walk);
        }
        finish_rules(crash, raw)
    }

    /// BetaVersionRule's lookup, made before the rules that need it run,
    /// where waiting is allowed.
    async fn look_up_beta_version(&self, crash: &mut Crash<'_>) {
        if let (Some(api), Some((product, channel, build))) = (
            &self.version_strings,
            rules::mozilla::beta_lookup(&crash.pc),
        ) {
            crash.beta_version = Some(api.lookup(&product, &channel, &build).await);
        }
    }

    /// Processes one crash with the stackwalks given (as Socorro's
    /// processor is given minidump-stackwalk's output): the rules alone,
    /// for comparing them with another processor on the same stackwalk.
    pub async fn process_walked(
        &self,
        raw: &RawCrash,
        dumps: &Dumps,
        walks: std::collections::BTreeMap<String, Stackwalk>,
        hostname: &str,
        stackwalk_version: &str,
    ) -> Processed {
        let ctx = self.context(hostname, stackwalk_version);
        let mut crash = Crash::start(with_uuid(None, raw), dumps, &ctx, Utc::now());
        crash.run("default", rules::BEFORE_STACKWALK);
        self.look_up_beta_version(&mut crash).await;
        crash.walks = walks;
        finish_rules(crash, raw)
    }

    /// The processed crash of a crash that could not be stackwalked at all
    /// (its worker timed out or died): every minidump gets `status` and `note`
    /// as the stackwalker's failure (a timeout as minidump-stackwalk killed).
    pub fn failed(
        &self,
        id: Option<&CrashId>,
        raw: &RawCrash,
        dumps: &Dumps,
        status: &str,
        note: &str,
    ) -> Processed {
        let ctx = self.context(hostname(), stackwalk_version());
        let mut crash = Crash::start(with_uuid(id, raw), dumps, &ctx, Utc::now());
        crash.run("default", rules::BEFORE_STACKWALK);
        let return_code = if status == supervisor::TIMEOUT_STATUS {
            -9
        } else {
            1
        };
        for name in dumps.keys().filter(|n| n.starts_with(MAIN_DUMP)) {
            crash.walks.insert(
                name.clone(),
                Stackwalk {
                    json_dump: json!({}),
                    written: None,
                    cut: Vec::new(),
                    return_code,
                    log: format!("ERROR {status} - {note}\n"),
                    notes: Vec::new(),
                },
            );
        }
        finish_rules(crash, raw)
    }

    fn context<'a>(&'a self, hostname: &'a str, stackwalk_version: &'a str) -> Context<'a> {
        Context {
            generator: self.generator.get(),
            hostname,
            stackwalk_version,
        }
    }

    /// Recomputes only the signature of a stored processed crash (Socorro's
    /// `regenerate_signature` ruleset), keeping the rest; the previous
    /// run's notes go to `processor_history`.
    pub fn regenerate_signature(&self, previous: &ProcessedCrash) -> ProcessedCrash {
        let ctx = self.context(hostname(), stackwalk_version());
        let dumps = Dumps::new();
        let uuid = previous.get("uuid").cloned().unwrap_or(Value::Null);
        let mut raw = RawCrash::new();
        raw.insert("uuid".into(), uuid);
        let mut crash = Crash::start(raw, &dumps, &ctx, Utc::now());
        let started = crash.pc.clone();
        crash.pc = previous.clone();
        crash.pc.extend(started);
        crash.run("regenerate_signature", rules::REGENERATE_SIGNATURE);
        let history = rules::history(
            previous
                .get("processor_history")
                .cloned()
                .unwrap_or(Value::Null),
            previous.get("processor_notes").unwrap_or(&Value::Null),
        );
        let (pc, _) = crash.finish(history, Utc::now());
        pc
    }

    async fn walk(&self, bytes: &[u8], raw: &RawCrash) -> Stackwalk {
        let (bytes, notes) = guard::check(bytes);
        let mut walk = self.walk_checked(&bytes, raw).await;
        // What the guard did is crashkit's own processor note.
        walk.notes = notes;
        walk
    }

    async fn walk_checked(&self, bytes: &[u8], raw: &RawCrash) -> Stackwalk {
        let failed = |name: &str, what: &str, e: &dyn std::fmt::Display| Stackwalk {
            json_dump: json!({}),
            written: None,
            cut: Vec::new(),
            return_code: 1,
            log: format!("ERROR {name} - {what}: {e}\n"),
            notes: Vec::new(),
        };
        let dump = match minidump::Minidump::read(bytes) {
            Ok(dump) => dump,
            Err(e) => return failed(e.name(), "Error reading dump", &e),
        };
        // The raw crash goes to the stackwalker as minidump-stackwalk's
        // --evil-json (module certificates, CPU microcode), when it says
        // anything the stackwalker reads.
        let evil = EvilJson::of(raw);
        let mut options = minidump_processor::ProcessorOptions::default();
        options.evil_json = evil.as_ref().map(EvilJson::path);
        let result = minidump_processor::process_minidump_with_options(
            &dump,
            self.symbolizer.as_ref(),
            options,
        )
        .await;
        drop(evil);
        let mut state = match result {
            Ok(state) => state,
            Err(e) => return failed(e.name(), "Error processing dump", &e),
        };
        match json_dump::write(&mut state) {
            Ok(written) => Stackwalk {
                json_dump: written.skeleton,
                written: Some(written.bytes),
                cut: written.cuts,
                return_code: 0,
                log: String::new(),
                notes: Vec::new(),
            },
            Err(e) => failed("JSON", "Error writing output", &e),
        }
    }
}

/// The raw crash written for the stackwalker to read (removed when dropped).
struct EvilJson(tempfile::NamedTempFile);

impl EvilJson {
    fn of(raw: &RawCrash) -> Option<EvilJson> {
        if !raw.contains_key("ModuleSignatureInfo") && !raw.contains_key("CPUMicrocodeVersion") {
            return None;
        }
        let mut file = tempfile::NamedTempFile::new().ok()?;
        serde_json::to_writer(&mut file, raw).ok()?;
        Some(EvilJson(file))
    }

    fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// The raw crash with a `uuid`: its own, else `id`, else the nil id.
fn with_uuid(id: Option<&CrashId>, raw: &RawCrash) -> RawCrash {
    let mut raw = raw.clone();
    if !raw.contains_key("uuid") {
        let uuid = id.map_or("00000000-0000-0000-0000-000000000000", CrashId::as_str);
        raw.insert("uuid".into(), Value::from(uuid));
    }
    raw
}

/// crashkit's own note (SPEC 2.1, not Socorro's) when a crash's id date
/// and its `submitted_timestamp` disagree (a replayed crash, a skewed
/// clock): the id's date partitions it; nothing else changes.
fn partition_note(raw: &RawCrash) -> Option<String> {
    let id = CrashId::parse(raw.get("uuid")?.as_str()?).ok()?;
    let submitted = raw.get("submitted_timestamp")?.as_str()?;
    let at = chrono::DateTime::parse_from_rfc3339(submitted).ok()?;
    let day = at.with_timezone(&Utc).format("%Y%m%d").to_string();
    (day != id.date_key()).then(|| {
        format!(
            "crash id date {} differs from submitted_timestamp {submitted}; the crash id's date is used for partitioning",
            id.date_key()
        )
    })
}

/// This machine's name, for the first processor note (read once).
fn hostname() -> &'static str {
    static HOSTNAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOSTNAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "localhost".into())
    })
}

/// The rules from the stackwalk on, crashkit's own note on a crash id's
/// date, and the end of processing.
fn finish_rules(mut crash: Crash<'_>, raw: &RawCrash) -> Processed {
    crash.run("default", rules::FROM_STACKWALK);
    if let Some(note) = partition_note(raw) {
        crash.note(note);
    }
    finish(crash)
}

/// Ends a crash's processing: the pipeline's last fields, crashkit's
/// `schema_version`, and the written `json_dump`s put in their places.
fn finish(crash: Crash<'_>) -> Processed {
    let (mut pc, written) = crash.finish(Vec::new(), Utc::now());
    pc.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
    let mut processed = Processed {
        fields: pc,
        written: BTreeMap::new(),
    };
    for (path, bytes) in written {
        match path.strip_suffix(".json_dump") {
            None => processed.insert_written("json_dump", bytes),
            Some(name) => {
                let Some(Value::Object(mut entry)) = processed.fields.remove(name) else {
                    continue;
                };
                entry.remove("json_dump");
                processed.insert_written(name, object_with_json_dump(&entry, &bytes));
            }
        }
    }
    processed
}

/// `entry` as JSON with `json_dump` (written bytes) in its key order.
fn object_with_json_dump(entry: &Map<String, Value>, json_dump: &[u8]) -> Vec<u8> {
    let mut out = vec![b'{'];
    let mut placed = false;
    let put_json_dump = |out: &mut Vec<u8>| {
        if out.len() > 1 {
            out.push(b',');
        }
        out.extend_from_slice(b"\"json_dump\":");
        out.extend_from_slice(json_dump);
    };
    for (key, value) in entry {
        if !placed && key.as_str() > "json_dump" {
            put_json_dump(&mut out);
            placed = true;
        }
        if out.len() > 1 {
            out.push(b',');
        }
        // Strings and values always serialize into a Vec.
        let _ = serde_json::to_writer(&mut out, key);
        out.push(b':');
        let _ = serde_json::to_writer(&mut out, value);
    }
    if !placed {
        put_json_dump(&mut out);
    }
    out.push(b'}');
    out
}

/// What a new run of a crash keeps of its previous processed crash: its
/// notes and history, which become the new run's `processor_history`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PreviousRun {
    #[serde(default)]
    processor_notes: Value,
    #[serde(default)]
    processor_history: Value,
}

impl PreviousRun {
    /// The new run's `processor_history` (Socorro's: the previous run's
    /// notes, then its history).
    pub fn history(self) -> Vec<Value> {
        rules::history(self.processor_history, &self.processor_notes)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_clock_disagreement_is_a_note_only() {
        let raw = |submitted: &str| -> super::RawCrash {
            serde_json::from_value(serde_json::json!({
                "uuid": "de1bb258-cbbf-4589-a673-34f800261126",
                "submitted_timestamp": submitted,
            }))
            .unwrap()
        };
        let note = super::partition_note(&raw("2026-11-28T01:02:03.000000+00:00")).unwrap();
        assert!(note.contains("differs from submitted_timestamp"), "{note}");
        assert_eq!(
            super::partition_note(&raw("2026-11-26T23:59:59.000000+00:00")),
            None
        );
    }
}
