//! The signature pipeline: Socorro's rules, in Socorro's order.
//!
//! 1. `SignatureGenerationRule`: Java stack trace, Java exception, or the
//!    C/C++/Rust frames of the crashing thread through the lists.
//! 2. Post rules: `StackwalkerErrorSignatureRule`, `BadHardware`,
//!    `OOMSignature`, `AbortSignature`, `SignatureShutdownTimeout`,
//!    `SignatureRunWatchDog`, `SignatureIPCChannelError`,
//!    `SignatureIPCMessageName`, `StackOverflowSignature`, `HungProcess`,
//!    then always `SigPrintableCharsOnly`, `SigFixWhitespace` and `SigTruncate`.
//!
//! A rule that meets input of the wrong type fails the way Python would:
//! its note says `Rule failed: …` and the signature so far is kept.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::lists::SignatureLists;
use super::normalize::frame_list;
use super::pyval::{self, contains, get, glom, to_int, to_str, truthy, IntError, PyErr, PyResult};

/// Longest signature; longer ones are cut to 252 characters plus `...`.
pub const MAX_LENGTH: usize = 255;

/// The signature being built, and what the rules said about it.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub signature: String,
    pub proto_signature: Option<String>,
    /// The normalised frames the C signature was built from (Socorro's
    /// `extra["normalized_frames"]`); empty when none were.
    pub normalized_frames: Vec<String>,
    pub notes: Vec<String>,
    /// Socorro's `debug_log`: how the signature came about, step by step.
    pub debug: Vec<String>,
}

impl State {
    fn debug(&mut self, rule: &str, msg: impl AsRef<str>) {
        self.debug.push(format!("{rule}: {}", msg.as_ref()));
    }

    fn note(&mut self, rule: &str, msg: impl AsRef<str>) {
        self.notes.push(format!("{rule}: {}", msg.as_ref()));
    }
}

type Rule = fn(&SignatureLists, &Map<String, Value>, &mut State) -> PyResult<()>;

/// The pipeline, in order.
pub const RULES: [(&str, Rule); 14] = [
    ("SignatureGenerationRule", signature_generation),
    ("StackwalkerErrorSignatureRule", stackwalker_error),
    ("BadHardware", bad_hardware),
    ("OOMSignature", oom),
    ("AbortSignature", abort),
    ("SignatureShutdownTimeout", shutdown_timeout),
    ("SignatureRunWatchDog", run_watchdog),
    ("SignatureIPCChannelError", ipc_channel_error),
    ("SignatureIPCMessageName", ipc_message_name),
    ("StackOverflowSignature", stack_overflow),
    ("HungProcess", hung_process),
    ("SigPrintableCharsOnly", printable_chars_only),
    ("SigFixWhitespace", fix_whitespace),
    ("SigTruncate", truncate),
];

/// Runs every rule over `crash_data` (siggen's crash-data shape).
pub fn run(lists: &SignatureLists, crash_data: &Map<String, Value>) -> State {
    let mut state = State::default();
    for (name, rule) in RULES {
        let before = state.signature.clone();
        let result = rule(lists, crash_data, &mut state);
        // Every rule that changes the signature says so in the debug log.
        if state.signature != before {
            let change = format!("change signature: \"{before}\" -> \"{}\"", state.signature);
            state.debug(name, change);
        }
        if let Err(e) = result {
            state.note(name, format!("Rule failed: {}", e.message));
        }
    }
    state
}

/// `int(crash_data.get("crashing_thread", 0))`, 0 when that fails.
fn crashing_thread(crash_data: &Map<String, Value>) -> i128 {
    to_int(crash_data.get("crashing_thread").unwrap_or(&Value::from(0))).unwrap_or(0)
}

/// `glom(crash_data, "threads.N", default={})`.
fn thread(crash_data: &Map<String, Value>, index: i128) -> Value {
    // Looked up from the map, not a copy of it: the threads are most of a crash.
    crash_data
        .get("threads")
        .and_then(|threads| glom(threads, &index.to_string()))
        .cloned()
        .unwrap_or_else(|| Value::Object(Map::new()))
}

fn signature_generation(
    lists: &SignatureLists,
    crash_data: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    const NAME: &str = "SignatureGenerationRule";
    let java_stack_trace = get(crash_data, "java_stack_trace");
    if truthy(java_stack_trace) {
        state.debug(NAME, "using JavaSignatureTool");
        let (signature, notes) = java_signature(java_stack_trace);
        notes.iter().for_each(|n| state.note(NAME, n));
        state.signature = signature;
        return Ok(());
    }
    let java_exception = get(crash_data, "java_exception");
    if truthy(java_exception) {
        state.debug(NAME, "using JavaExceptionSignatureTool");
        let (signature, notes) = java_exception_signature(java_exception)?;
        notes.iter().for_each(|n| state.note(NAME, n));
        state.signature = signature;
        return Ok(());
    }
    state.debug(NAME, "using CSignatureTool");
    let crashing = crashing_thread(crash_data);
    let windows = get(crash_data, "os").as_str() == Some("Windows NT");
    let frames = match frame_list(&thread(crash_data, crashing), windows, lists) {
        Ok(frames) => frames,
        // Socorro catches these two and reports them through a method its
        // result object does not have, so the note is that AttributeError.
        Err(e) if e.lookup => {
            return Err(PyErr::new("'Result' object has no attribute 'note'"));
        }
        Err(e) => return Err(e),
    };
    let (signature, notes, debug) = c_signature(lists, &frames, crashing);
    if !frames.is_empty() {
        state.proto_signature = Some(frames.join(" | "));
        state.normalized_frames.clone_from(&frames);
    }
    notes.iter().for_each(|n| state.note(NAME, n));
    debug.iter().for_each(|n| state.debug(NAME, n));
    if !signature.is_empty() {
        state.signature = signature;
    }
    Ok(())
}

/// Socorro's `CSignatureTool.generate`: start at the first sentinel, skip
/// irrelevant frames, fold repeated library frames, and take frames while
/// they match the prefix list, plus the first one that does not.
pub fn c_signature(
    lists: &SignatureLists,
    frames: &[String],
    crashing: i128,
) -> (String, Vec<String>, Vec<String>) {
    let mut debug = vec![if lists.source == "built-in" {
        "using included signature lists".to_owned()
    } else {
        format!("using signature lists from {}", lists.source)
    }];
    let start = lists
        .sentinels
        .iter()
        .filter_map(|s| frames.iter().position(|f| f == s))
        .min();
    if let Some(start) = start {
        debug.push(format!(
            "sentinel; starting at \"{}\" index {start}",
            frames[start]
        ));
    }
    let source = &frames[start.unwrap_or(0)..];
    let mut picked: Vec<&str> = Vec::new();
    for frame in source {
        if frame.is_empty() {
            debug.push(format!("empty string; ignoring: \"{frame}\""));
            continue;
        }
        if lists.irrelevant.is_match(frame) {
            debug.push(format!("irrelevant; ignoring: \"{frame}\""));
            continue;
        }
        let lower = frame.to_lowercase();
        let foldable = !frame.starts_with("(unloaded")
            && (lower.ends_with(".dll")
                || lower.ends_with(".so")
                || frame == "XUL"
                || frame == "<name omitted>"
                || frame.starts_with("<unknown in"));
        if foldable && picked.last() == Some(&frame.as_str()) {
            continue;
        }
        picked.push(frame);
        if !lists.prefix.is_match(frame) {
            debug.push(format!("not a prefix; stop: \"{frame}\""));
            break;
        }
        debug.push(format!("prefix; continue iterating: \"{frame}\""));
    }
    let signature = picked.join(" | ");
    if !signature.is_empty() {
        return (signature, Vec::new(), debug);
    }
    let note = format!("CSignatureTool: no frame data for crashing thread ({crashing})");
    let signature = match source.first() {
        Some(first) => first.clone(),
        None => "EMPTY: no frame data available".to_owned(),
    };
    (signature, vec![note], debug)
}

static JAVA_LINE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\.java:\d+\)\z").expect("valid regex"));
static JAVA_HEX_ADDR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"@[0-9a-f]{8}").expect("valid regex"));

fn join_non_empty(sep: &str, parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(sep)
}

/// Socorro's `JavaSignatureTool`: exception class, description and the
/// first method of a Java stack trace.
pub fn java_signature(source: &Value) -> (String, Vec<String>) {
    let not_expected = || {
        (
            "EMPTY: Java stack trace not in expected format".to_owned(),
            vec!["JavaSignatureTool: stack trace not in expected format".to_owned()],
        )
    };
    let Some(source) = source.as_str() else {
        return not_expected();
    };
    let lines: Vec<&str> = pyval::splitlines(source)
        .into_iter()
        .map(pyval::strip)
        .collect();
    let Some(first) = lines.first() else {
        return not_expected();
    };
    let mut notes = Vec::new();
    let (class, description) = match first.split_once(':') {
        Some((class, description)) => {
            let description = JAVA_HEX_ADDR.replace_all(description, "@<addr>");
            (
                pyval::strip(class).to_owned(),
                pyval::strip(&description).to_owned(),
            )
        }
        None => {
            notes.push(
                "JavaSignatureTool: stack trace line 1 is not in the expected format".to_owned(),
            );
            ((*first).to_owned(), String::new())
        }
    };
    let method = match lines.get(1) {
        Some(line) => {
            let method = JAVA_LINE_NUMBER.replace(line, ".java)").into_owned();
            if method.is_empty() {
                notes.push("JavaSignatureTool: stack trace line 2 is empty".to_owned());
            }
            method
        }
        None => {
            notes.push("JavaSignatureTool: stack trace line 2 is missing".to_owned());
            String::new()
        }
    };
    // Socorro keeps an old quirk: the colon between description and method
    // appears only when the description ends in an address (bug 865142).
    let mut signature = if description.ends_with("<addr>") {
        join_non_empty(": ", &[&class, &description, &method])
    } else {
        let phrase = join_non_empty(" ", &[&description, &method]);
        join_non_empty(": ", &[&class, &phrase])
    };
    if signature.chars().count() > MAX_LENGTH {
        signature = format!("{class}: {method}");
        notes
            .push("JavaSignatureTool: dropped Java exception description due to length".to_owned());
    }
    (signature, notes)
}

/// Socorro's `JavaExceptionSignatureTool`: `<module>.<type>: at <first frame>`
/// from a structured `java_exception`.
pub fn java_exception_signature(source: &Value) -> PyResult<(String, Vec<String>)> {
    let not_expected = || {
        Ok((
            "EMPTY: Java exception not in expected format".to_owned(),
            vec!["JavaExceptionSignatureTool: value not in expected format".to_owned()],
        ))
    };
    if !source.is_object() {
        return not_expected();
    }
    let stacktrace = glom(source, "exception.values.0.stacktrace").unwrap_or(&Value::Null);
    if !truthy(stacktrace) {
        return not_expected();
    }
    let st = stacktrace
        .as_object()
        .ok_or_else(|| pyval::no_attribute(stacktrace, "get"))?;
    let module = st.get("module").cloned().unwrap_or(Value::from(""));
    let kind = st.get("type").cloned().unwrap_or(Value::from("Unknown"));
    let class = if truthy(&module) && truthy(&kind) {
        format!("{}.{}", to_str(&module), to_str(&kind))
    } else {
        to_str(&kind)
    };
    let frames = get(st, "frames");
    let frames: Vec<Value> = if truthy(frames) {
        match frames {
            Value::Array(items) => items.clone(),
            other => return Err(pyval::not_iterable(other)),
        }
    } else {
        Vec::new()
    };
    let normalized: Vec<String> = frames.iter().map(java_frame).collect::<PyResult<_>>()?;
    let signature = match normalized.first() {
        Some(first) => format!("{class}: at {first}"),
        None => class,
    };
    Ok((signature, Vec::new()))
}

fn java_frame(frame: &Value) -> PyResult<String> {
    let map = frame
        .as_object()
        .ok_or_else(|| pyval::no_attribute(frame, "get"))?;
    let module = map.get("module").cloned().unwrap_or(Value::from(""));
    let function = map.get("function").cloned().unwrap_or(Value::from(""));
    let joined_str = |v: &Value| -> PyResult<String> {
        v.as_str().map(str::to_owned).ok_or_else(|| {
            PyErr::new(format!(
                "sequence item 0: expected str instance, {} found",
                pyval::type_name(v)
            ))
        })
    };
    let signature = if truthy(&module) && truthy(&function) {
        format!("{}.{}", joined_str(&module)?, joined_str(&function)?)
    } else if truthy(&module) {
        to_str(&module)
    } else if truthy(&function) {
        to_str(&function)
    } else {
        String::new()
    };
    let filename = map.get("filename").cloned().unwrap_or(Value::from(""));
    Ok(if !signature.is_empty() && truthy(&filename) {
        format!("{signature}({})", to_str(&filename))
    } else if !signature.is_empty() {
        signature
    } else {
        "unknown".to_owned()
    })
}

fn stackwalker_error(
    _: &SignatureLists,
    cd: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    let status = get(cd, "mdsw_status_string");
    if state.signature.starts_with("EMPTY") && truthy(status) {
        state.signature = format!("{}; {}", state.signature, to_str(status));
    }
    Ok(())
}

fn bad_hardware(_: &SignatureLists, cd: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    let reason = get(cd, "reason");
    if truthy(reason) && contains(reason, "STATUS_DEVICE_DATA_ERROR")? {
        state.signature = format!("bad hardware | {}", state.signature);
    }
    Ok(())
}

const OOM_FRAGMENTS: [&str; 5] = [
    "NS_ABORT_OOM",
    "mozalloc_handle_oom",
    "CrashAtUnhandlableOOM",
    "AutoEnterOOMUnsafeRegion",
    "alloc::oom::oom",
];

fn is_oom(cd: &Map<String, Value>, state: &State) -> PyResult<bool> {
    if truthy(get(cd, "oom_allocation_size")) {
        return Ok(true);
    }
    if state.signature.is_empty() {
        return Ok(false);
    }
    if OOM_FRAGMENTS.iter().any(|f| state.signature.contains(f)) {
        return Ok(true);
    }
    let thread = thread(cd, crashing_thread(cd));
    if truthy(&thread) {
        let map = thread
            .as_object()
            .ok_or_else(|| pyval::no_attribute(&thread, "get"))?;
        let last_error = map.get("last_error_value").and_then(Value::as_str);
        if matches!(
            last_error,
            Some("ERROR_COMMITMENT_LIMIT" | "ERROR_NOT_ENOUGH_MEMORY")
        ) {
            return Ok(true);
        }
    }
    if matches!(
        get(cd, "reason").as_str(),
        Some("STATUS_FATAL_MEMORY_EXHAUSTION" | "STATUS_NO_MEMORY")
    ) {
        return Ok(true);
    }
    Ok(get(cd, "js_large_allocation_failure").as_str() == Some("Reporting"))
}

fn oom(_: &SignatureLists, cd: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    if !is_oom(cd, state)? {
        return Ok(());
    }
    if get(cd, "js_large_allocation_failure").as_str() == Some("Reporting") {
        state.signature = format!("OOM | large | {}", state.signature);
        return Ok(());
    }
    match to_int(get(cd, "oom_allocation_size")) {
        Err(IntError::Type(_)) => state.signature = format!("OOM | unknown | {}", state.signature),
        Err(IntError::Value(msg)) => return Err(PyErr::new(msg)),
        Ok(size) if size <= 262_144 => state.signature = "OOM | small".to_owned(),
        Ok(_) => state.signature = format!("OOM | large | {}", state.signature),
    }
    Ok(())
}

/// Keeps printable ASCII only (Socorro's `drop_bad_characters`).
pub fn drop_bad_characters(text: &str) -> String {
    text.chars().filter(|c| (' '..='~').contains(c)).collect()
}

fn abort(_: &SignatureLists, cd: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    let message = get(cd, "abort_message");
    if !truthy(message) {
        return Ok(());
    }
    if contains(message, "###!!! ABORT: file ")? {
        state.signature = format!("Abort | {}", state.signature);
        return Ok(());
    }
    let msg = match message {
        Value::String(text) => {
            let mut msg = text.clone();
            if let Some((_, after)) = msg.split_once("###!!! ABORT:") {
                msg = after.to_owned();
            }
            if let Some((before, _)) = msg.split_once(": file ") {
                msg = before.to_owned();
            }
            if msg.contains("unable to find a usable font") {
                // Drop the localized message in parentheses (bug 1385966).
                let chars: Vec<char> = msg.chars().collect();
                let open = chars.iter().position(|&c| c == '(');
                let close = chars.iter().rposition(|&c| c == ')');
                if let (Some(open), Some(close)) = (open, close) {
                    let mut kept: String = chars[..open].iter().collect();
                    kept.extend(chars.get(close + 1..).unwrap_or(&[]));
                    msg = kept;
                }
            }
            msg
        }
        other => {
            // Python carries on with a list or dict: `in` tests its items,
            // and only items that are single printable characters survive.
            for needle in ["###!!! ABORT:", ": file "] {
                if contains(other, needle)? {
                    return Err(pyval::no_attribute(other, "split"));
                }
            }
            if contains(other, "unable to find a usable font")? {
                return Err(pyval::no_attribute(other, "find"));
            }
            let items: Vec<&str> = match other {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                Value::Object(map) => map.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            items
                .into_iter()
                .filter(|s| s.chars().count() == 1)
                .collect()
        }
    };
    let mut msg = drop_bad_characters(&msg)
        .trim_matches(pyval::is_space)
        .to_owned();
    if msg.len() > 80 {
        msg.truncate(77);
        msg.push_str("...");
    }
    state.signature = format!("Abort | {msg} | {}", state.signature);
    Ok(())
}

fn shutdown_timeout(
    _: &SignatureLists,
    cd: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    const NAME: &str = "SignatureShutdownTimeout";
    let raw = get(cd, "async_shutdown_timeout");
    if !truthy(raw) {
        return Ok(());
    }
    let mut parts = vec!["AsyncShutdownTimeout".to_owned()];
    let Some(text) = raw.as_str() else {
        return Err(PyErr::new(format!(
            "the JSON object must be str, bytes or bytearray, not {}",
            pyval::type_name(raw)
        )));
    };
    match serde_json::from_str::<Value>(text) {
        Err(e) => {
            parts.push("UNKNOWN".into());
            state.note(NAME, format!("Error parsing AsyncShutdownTimeout: {e}"));
        }
        Ok(data) => {
            let map = data
                .as_object()
                .ok_or_else(|| pyval::no_attribute(&data, "get"))?;
            match get(map, "phase") {
                Value::String(phase) => parts.push(phase.clone()),
                _ => parts.push("(unknown)".into()),
            }
            let conditions = get(map, "conditions");
            let items: Vec<Value> = if truthy(conditions) {
                match conditions {
                    Value::Array(items) => items.clone(),
                    Value::String(s) => s.chars().map(|c| Value::String(c.to_string())).collect(),
                    Value::Object(m) => m.keys().map(|k| Value::String(k.clone())).collect(),
                    other => return Err(pyval::not_iterable(other)),
                }
            } else {
                Vec::new()
            };
            let mut names = Vec::new();
            let mut missing_name = false;
            for c in &items {
                match c {
                    Value::Object(m) => match m.get("name") {
                        Some(name) => names.push(to_str(name)),
                        None => {
                            missing_name = true;
                            break;
                        }
                    },
                    other => names.push(to_str(other)),
                }
            }
            if missing_name {
                parts.push("UNKNOWN".into());
                state.note(NAME, "Error parsing AsyncShutdownTimeout: 'name'");
            } else if names.is_empty() {
                parts.push("(none)".into());
            } else {
                names.sort();
                parts.push(names.join(","));
            }
        }
    }
    let was = state.signature.clone();
    state.note(
        NAME,
        format!("Signature replaced with a Shutdown Timeout signature, was: \"{was}\""),
    );
    state.signature = parts.join(" | ");
    Ok(())
}

fn run_watchdog(
    lists: &SignatureLists,
    cd: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    if !state.signature.contains("RunWatchdog") {
        return Ok(());
    }
    // Shutdown hangs are reported from the watchdog thread; what matters is
    // where thread 0 was stuck, so regenerate from thread 0.
    let mut main_thread = cd.clone();
    main_thread.insert("crashing_thread".into(), Value::from(0));
    signature_generation(lists, &main_thread, state)?;
    state.signature = format!("shutdownhang | {}", state.signature);
    Ok(())
}

fn ipc_channel_error(
    _: &SignatureLists,
    cd: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    let error = get(cd, "ipc_channel_error");
    if !truthy(error) {
        return Ok(());
    }
    let minidumps = get(cd, "additional_minidumps");
    let browser = truthy(minidumps) && contains(minidumps, "upload_file_minidump_browser")?;
    let head: String = match error {
        Value::String(s) => s.chars().take(100).collect(),
        Value::Array(items) => to_str(&Value::Array(items.iter().take(100).cloned().collect())),
        Value::Object(_) => return Err(PyErr::new("unhashable type: 'slice'")),
        other => {
            return Err(PyErr::new(format!(
                "'{}' object is not subscriptable",
                pyval::type_name(other)
            )))
        }
    };
    let process = if browser { "browser" } else { "content" };
    state.note(
        "SignatureIPCChannelError",
        "IPC Channel Error stomped on signature",
    );
    state.signature = format!("IPCError-{process} | {head}");
    Ok(())
}

fn ipc_message_name(
    _: &SignatureLists,
    cd: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    let name = get(cd, "ipc_message_name");
    if truthy(name) {
        state.signature = format!("{} | IPC_Message_Name={}", state.signature, to_str(name));
    }
    Ok(())
}

fn stack_overflow(_: &SignatureLists, cd: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    if get(cd, "reason").as_str() == Some("EXCEPTION_STACK_OVERFLOW") {
        state.signature = format!("stackoverflow | {}", state.signature);
    }
    Ok(())
}

fn hung_process(_: &SignatureLists, cd: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    let hang = get(cd, "hang");
    if !hang.is_null() {
        state.signature = format!("hang: {} | {}", to_str(hang), state.signature);
    }
    Ok(())
}

/// Keeps printable ASCII only (after stripping surrounding whitespace):
/// tabs, newlines, control and non-ASCII characters go. Any change, even
/// only the stripping, gets the note.
fn printable_chars_only(
    _: &SignatureLists,
    _: &Map<String, Value>,
    state: &mut State,
) -> PyResult<()> {
    let kept: String = pyval::strip(&state.signature)
        .chars()
        .filter(|c| matches!(c, ' '..='~'))
        .collect();
    if kept != state.signature {
        state.signature = kept;
        state.note("SigPrintableCharsOnly", "unprintable characters removed");
    }
    Ok(())
}

fn fix_whitespace(_: &SignatureLists, _: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    let trimmed = state.signature.trim_matches(pyval::is_space);
    let mut out = String::with_capacity(trimmed.len());
    let mut in_space_run = false;
    for c in trimmed.chars() {
        if pyval::is_space(c) {
            if !in_space_run {
                out.push(' ');
            }
            in_space_run = true;
        } else {
            out.push(c);
            in_space_run = false;
        }
    }
    state.signature = out;
    Ok(())
}

fn truncate(_: &SignatureLists, _: &Map<String, Value>, state: &mut State) -> PyResult<()> {
    if state.signature.chars().count() > MAX_LENGTH {
        let mut cut: String = state.signature.chars().take(MAX_LENGTH - 3).collect();
        cut.push_str("...");
        state.signature = cut;
        state.note("SigTruncate", "SigTrunc: signature truncated due to length");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sig(data: Value) -> State {
        run(&SignatureLists::builtin(), data.as_object().unwrap())
    }

    fn stack(functions: &[&str]) -> Value {
        let frames: Vec<Value> = functions.iter().map(|f| json!({"function": f})).collect();
        json!([{"frames": frames}])
    }

    #[test]
    fn lists_drive_the_frames_taken() {
        let cases: &[(&[&str], &str)] = &[
            // Irrelevant frames are skipped, prefix frames continue.
            (
                &["raise", "abort", "malloc", "my::alloc_thing", "main"],
                "malloc | my::alloc_thing",
            ),
            // A sentinel starts the signature even below other frames.
            (
                &[
                    "foo",
                    "core::panicking::panic_fmt",
                    "core::panicking::panic",
                    "app::go",
                    "main",
                ],
                // The sentinel starts the signature; the panic machinery is
                // irrelevant, so the function that panicked signs it.
                "app::go",
            ),
            // Repeated library frames fold into one.
            (&["libc.so.6", "libc.so.6", "app::go"], "libc.so.6"),
            // All irrelevant: the first frame stands alone.
            (&["raise", "abort"], "raise"),
        ];
        for (functions, want) in cases {
            let s = sig(json!({"threads": stack(functions)}));
            assert_eq!(s.signature, *want, "{functions:?}");
            assert_eq!(
                s.proto_signature.as_deref(),
                Some(functions.join(" | ").as_str())
            );
        }
    }

    #[test]
    fn empty_stacks() {
        let s =
            sig(json!({"threads": [{"frames": []}], "mdsw_status_string": "ERROR_NO_THREAD_LIST"}));
        assert_eq!(
            s.signature,
            "EMPTY: no frame data available; ERROR_NO_THREAD_LIST"
        );
        assert_eq!(s.proto_signature, None);
        assert_eq!(
            s.notes,
            ["SignatureGenerationRule: CSignatureTool: no frame data for crashing thread (0)"]
        );
    }

    #[test]
    fn post_rules() {
        let base = |extra: Value| {
            let mut data = json!({"threads": stack(&["app::crash", "main"])});
            for (k, v) in extra.as_object().unwrap() {
                data[k] = v.clone();
            }
            sig(data).signature
        };
        let cases = [
            (
                json!({"reason": "EXCEPTION_IN_PAGE_ERROR / STATUS_DEVICE_DATA_ERROR"}),
                "bad hardware | app::crash",
            ),
            (json!({"oom_allocation_size": 1024}), "OOM | small"),
            (
                json!({"oom_allocation_size": "1048576"}),
                "OOM | large | app::crash",
            ),
            (
                json!({"reason": "STATUS_NO_MEMORY"}),
                "OOM | unknown | app::crash",
            ),
            (
                json!({"js_large_allocation_failure": "Reporting"}),
                "OOM | large | app::crash",
            ),
            (
                json!({"abort_message": "###!!! ABORT: file a.cpp:1"}),
                "Abort | app::crash",
            ),
            (
                json!({"abort_message": "[Parent] ###!!! ABORT: bad state: file a.cpp:1"}),
                "Abort | bad state | app::crash",
            ),
            (
                json!({"abort_message": "caf\u{e9} x"}),
                "Abort | caf x | app::crash",
            ),
            (
                json!({"async_shutdown_timeout": "{\"phase\": \"quit\", \"conditions\": [{\"name\": \"b\"}, \"a\"]}"}),
                "AsyncShutdownTimeout | quit | a,b",
            ),
            (
                json!({"async_shutdown_timeout": "{\"conditions\": []}"}),
                "AsyncShutdownTimeout | (unknown) | (none)",
            ),
            (
                json!({"async_shutdown_timeout": "{oops"}),
                "AsyncShutdownTimeout | UNKNOWN",
            ),
            (
                json!({"ipc_channel_error": "ShutDownKill", "additional_minidumps": ["upload_file_minidump_browser"]}),
                "IPCError-browser | ShutDownKill",
            ),
            (
                json!({"ipc_channel_error": "ShutDownKill"}),
                "IPCError-content | ShutDownKill",
            ),
            (
                json!({"ipc_message_name": "PFoo::Msg_Bar"}),
                "app::crash | IPC_Message_Name=PFoo::Msg_Bar",
            ),
            (
                json!({"reason": "EXCEPTION_STACK_OVERFLOW"}),
                "stackoverflow | app::crash",
            ),
            (json!({"hang": -1}), "hang: -1 | app::crash"),
            (json!({"hang": null}), "app::crash"),
        ];
        for (extra, want) in cases {
            assert_eq!(base(extra.clone()), want, "{extra}");
        }
    }

    #[test]
    fn a_bad_oom_size_fails_the_rule_and_keeps_the_signature() {
        let s = sig(json!({"threads": stack(&["app::crash"]), "oom_allocation_size": "lots"}));
        assert_eq!(s.signature, "app::crash");
        assert_eq!(
            s.notes,
            ["OOMSignature: Rule failed: invalid literal for int() with base 10: 'lots'"]
        );
    }

    #[test]
    fn shutdown_hangs_use_thread_zero() {
        let data = json!({
            "crashing_thread": 1,
            "threads": [
                {"frames": [{"function": "NtWaitForSingleObject"}, {"function": "app::wait"}]},
                {"frames": [{"function": "mozilla::(anonymous namespace)::RunWatchdog(void*)"}]}
            ]
        });
        let s = sig(data);
        assert_eq!(s.signature, "shutdownhang | NtWaitForSingleObject");
        assert_eq!(
            s.proto_signature.as_deref(),
            Some("NtWaitForSingleObject | app::wait")
        );
    }

    #[test]
    fn whitespace_and_truncation() {
        // Frames are split on spaces first, so whitespace survives only
        // where post rules add it; the abort message shows the folding.
        let s = sig(json!({"threads": stack(&["app::crash"]), "abort_message": " a \t\t b "}));
        assert_eq!(s.signature, "Abort | a b | app::crash");
        let long = "x".repeat(300);
        let s = sig(json!({"threads": stack(&[&long])}));
        assert_eq!(s.signature.len(), 255);
        assert!(s.signature.ends_with("..."));
        assert_eq!(
            s.notes,
            ["SigTruncate: SigTrunc: signature truncated due to length"]
        );
    }

    #[test]
    fn loose_types_are_read_like_python() {
        let threads =
            json!([{"frames": [{"function": "zero"}]}, {"frames": [{"function": "one"}]}]);
        for (ct, want) in [
            (json!("1"), "one"),
            (json!(1.9), "one"),
            (json!(true), "one"),
            (json!("x"), "zero"),
            (json!(null), "zero"),
            (json!(-1), "one"),
        ] {
            let s = sig(json!({"crashing_thread": ct, "threads": threads}));
            assert_eq!(s.signature, want, "crashing_thread {ct}");
        }
        let s = sig(json!({"threads": [{"frames": null}]}));
        assert_eq!(s.signature, "");
        assert_eq!(
            s.notes,
            ["SignatureGenerationRule: Rule failed: 'NoneType' object is not iterable"]
        );
    }

    #[test]
    fn java() {
        let cases = [
            (
                "java.lang.Boom: at Object@deadbeef\n\tat a.B.c(B.java:12)",
                "java.lang.Boom: at Object@<addr>: at a.B.c(B.java)",
            ),
            (
                "java.lang.Boom: desc\n\tat a.B.c(B.java:12)",
                "java.lang.Boom: desc at a.B.c(B.java)",
            ),
            ("NoColon\nat x", "NoColon: at x"),
            ("Cls: d", "Cls: d"),
        ];
        for (trace, want) in cases {
            assert_eq!(java_signature(&json!(trace)).0, want, "{trace}");
        }
        assert_eq!(
            java_signature(&json!(5)).0,
            "EMPTY: Java stack trace not in expected format"
        );
        let exc = json!({"exception": {"values": [{"stacktrace": {"module": "java.lang", "type": "NPE", "frames": [{"module": "a.B", "function": "c", "filename": "B.java"}]}}]}});
        assert_eq!(
            java_exception_signature(&exc).unwrap().0,
            "java.lang.NPE: at a.B.c(B.java)"
        );
    }
}
