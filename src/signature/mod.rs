//! Crash signatures, exactly as Socorro generates them.
//!
//! Socorro's signature generation (`socorro/signature/` in
//! mozilla-services/socorro, packaged as `siggen`) is the reference:
//! existing installations have years of bug reports keyed on its
//! signatures, so crashkit must produce the same signature for the same
//! stack. [`Generator::generate`] takes either siggen's crash-data shape
//! or a processed crash (with `json_dump`), normalises the crashing
//! thread's frames ([`normalize`]), applies the signature lists
//! ([`lists`]) and then the post rules ([`rules`]) in Socorro's order.
//! Loosely typed input is read the way Python reads it ([`pyval`]).

pub mod lists;
pub mod normalize;
pub mod pyre;
pub mod pyval;
pub mod rules;

use serde::Serialize;
use serde_json::{Map, Value};

pub use lists::{ListError, SignatureLists};

/// What signature generation produced for one crash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// The signature, at most 255 characters.
    pub signature: String,
    /// All normalised frames of the stack joined by ` | `; `None` where
    /// Socorro sets none (Java signatures, no frames).
    pub proto_signature: Option<String>,
    /// The normalised frames of the C signature (Socorro's
    /// `extra["normalized_frames"]`), empty when there were none.
    #[serde(skip)]
    pub normalized_frames: Vec<String>,
    /// What the rules did, as Socorro words it (`Rule: message`).
    pub notes: Vec<String>,
    /// How the signature came about, step by step (Socorro's `debug_log`,
    /// the processed crash's `signature_debug`).
    #[serde(skip)]
    pub debug_log: Vec<String>,
}

/// Signature generation with one set of lists.
#[derive(Debug, Clone)]
pub struct Generator {
    lists: SignatureLists,
}

impl Generator {
    /// A generator using `lists`.
    pub fn new(lists: SignatureLists) -> Generator {
        Generator { lists }
    }

    /// A generator using crashkit's built-in lists.
    pub fn builtin() -> Generator {
        Generator::new(SignatureLists::builtin())
    }

    /// A generator using the lists in `dir` (Socorro's format), or the
    /// built-in ones when there is none.
    pub fn from_dir(dir: Option<&std::path::Path>) -> Result<Generator, ListError> {
        match dir {
            None => Ok(Generator::builtin()),
            Some(dir) => SignatureLists::from_dir(dir).map(Generator::new),
        }
    }

    /// The signature of a processed crash being built: like
    /// [`Generator::generate`], but its threads (most of its size) are
    /// lent to the rules and put back, not copied.
    pub fn generate_processed(&self, processed: &mut Map<String, Value>) -> Signature {
        let Some(Value::Object(json_dump)) = processed.get_mut("json_dump") else {
            return self.generate(processed);
        };
        let threads = json_dump.remove("threads");
        let mut data = crash_data_without_threads(processed);
        let had_threads = threads.is_some();
        data.insert("threads".into(), threads.unwrap_or(Value::Null));
        let state = rules::run(&self.lists, &data);
        if let (true, Some(Value::Object(json_dump)), Some(threads)) = (
            had_threads,
            processed.get_mut("json_dump"),
            data.remove("threads"),
        ) {
            json_dump.insert("threads".into(), threads);
        }
        Signature::from(state)
    }

    /// The signature of `crash`: a processed crash (recognised by its
    /// `json_dump`) or siggen's crash-data shape.
    pub fn generate(&self, crash: &Map<String, Value>) -> Signature {
        let state = if crash.contains_key("json_dump") {
            rules::run(&self.lists, &crash_data_from_processed(crash))
        } else {
            rules::run(&self.lists, crash)
        };
        Signature::from(state)
    }
}

impl From<rules::State> for Signature {
    fn from(state: rules::State) -> Signature {
        Signature {
            signature: state.signature,
            proto_signature: state.proto_signature,
            normalized_frames: state.normalized_frames,
            notes: state.notes,
            debug_log: state.debug,
        }
    }
}

impl Signature {
    /// Socorro's `Result.to_dict()` as `POST /api/CrashSignature/` answers
    /// it: `signature`, `notes`, `extra` (`proto_signature` and
    /// `normalized_frames` when a stack gave them) and, when asked,
    /// `debug_log`.
    pub fn to_result(&self, with_debug_log: bool) -> Value {
        let mut extra = Map::new();
        if let Some(proto) = &self.proto_signature {
            extra.insert("proto_signature".into(), Value::from(proto.as_str()));
        }
        if !self.normalized_frames.is_empty() {
            extra.insert(
                "normalized_frames".into(),
                Value::from(self.normalized_frames.clone()),
            );
        }
        let mut out = Map::new();
        out.insert("signature".into(), Value::from(self.signature.as_str()));
        out.insert("notes".into(), Value::from(self.notes.clone()));
        if with_debug_log {
            out.insert("debug_log".into(), Value::from(self.debug_log.clone()));
        }
        out.insert("extra".into(), Value::Object(extra));
        Value::Object(out)
    }
}

/// Socorro's `convert_to_crash_data`: the fields of a processed crash that
/// signature generation reads, in siggen's crash-data shape.
pub fn crash_data_from_processed(processed: &Map<String, Value>) -> Map<String, Value> {
    let mut data = crash_data_without_threads(processed);
    if let Some(threads) = glom_map(processed, "json_dump.threads") {
        data.insert("threads".into(), threads.clone());
    }
    data
}

/// A glom path looked up from a map (the processed crash), not a value,
/// so the crash is never copied to be searched.
fn glom_map<'a>(map: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let (first, rest) = path
        .split_once('.')
        .map_or((path, None), |(f, r)| (f, Some(r)));
    let value = map.get(first)?;
    match rest {
        Some(rest) => pyval::glom(value, rest),
        None => Some(value),
    }
}

/// [`crash_data_from_processed`] but for `threads`, which the caller
/// supplies (`Null` when the processed crash has a `json_dump`).
fn crash_data_without_threads(processed: &Map<String, Value>) -> Map<String, Value> {
    let field = |path: &str| glom_map(processed, path).cloned().unwrap_or(Value::Null);
    let mut data = Map::new();
    data.insert("hang".into(), field("hang"));
    let oom = match pyval::to_int(&field("oom_allocation_size")) {
        Ok(n) => serde_json::Number::from_i128(n).map_or(Value::Null, Value::Number),
        Err(_) => Value::Null,
    };
    data.insert("oom_allocation_size".into(), oom);
    for key in [
        "js_large_allocation_failure",
        "abort_message",
        "mdsw_status_string",
        "async_shutdown_timeout",
        "ipc_channel_error",
        "ipc_message_name",
    ] {
        data.insert(key.into(), field(key));
    }
    data.insert(
        "additional_minidumps".into(),
        glom_map(processed, "additional_minidumps")
            .cloned()
            .unwrap_or(Value::Array(Vec::new())),
    );
    data.insert(
        "original_signature".into(),
        glom_map(processed, "signature")
            .cloned()
            .unwrap_or(Value::from("")),
    );
    if processed.contains_key("json_dump") {
        data.insert(
            "crashing_thread".into(),
            field("json_dump.crash_info.crashing_thread"),
        );
        data.insert("reason".into(), field("json_dump.crash_info.type"));
        data.insert("threads".into(), Value::Null);
        data.insert("os".into(), field("json_dump.system_info.os"));
    }
    for key in ["java_exception", "java_stack_trace"] {
        if let Some(v) = processed.get(key) {
            data.insert(key.into(), v.clone());
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Lending the threads gives the same signature as copying them, and
    /// leaves the processed crash as it was, on every processed crash of
    /// the agreement corpus.
    #[test]
    fn signing_in_place_equals_signing_a_copy() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/signature/corpus.jsonl.gz"
        );
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let generator = Generator::builtin();
        let mut checked = 0;
        for line in text.lines() {
            let Ok(Value::Object(pc)) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if !pc.contains_key("json_dump") {
                continue;
            }
            let copied = generator.generate(&pc);
            let mut lent = pc.clone();
            let in_place = generator.generate_processed(&mut lent);
            assert_eq!(lent, pc, "the crash is given back whole");
            assert_eq!(
                (in_place.signature, in_place.proto_signature, in_place.notes),
                (copied.signature, copied.proto_signature, copied.notes)
            );
            checked += 1;
        }
        assert!(checked > 500, "{checked} processed crashes");
    }
}
