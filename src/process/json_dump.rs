//! `json_dump`, the stackwalker's part of a processed crash, written once
//! from minidump-processor's [`ProcessState`].
//!
//! minidump-processor's own `print_json` builds the whole document as
//! `serde_json::Value` maps and writes it out; read back and amended, a
//! thread-heavy crash spent most of its processing time building, copying
//! and dropping those maps. Here the threads and modules (nearly all of a
//! crash) are serialized straight from the stackwalk, borrowed, with
//! crashkit's amendments applied on the way: stacks over
//! [`super::MAX_FRAMES`] cut around a marker, a Linux process's limits in
//! name order. The small remainder (system and crash info, Linux and Mac
//! streams, handles) is still printed by `print_json`, from a copy of the
//! state without threads and modules, so its format stays minidump-
//! processor's. The output is byte for byte what printing everything,
//! parsing it and amending it gave (keys sorted, compact), which a test
//! checks on every testdata dump.
//!
//! Beside the bytes comes a skeleton: the same document as a `Value`
//! with only what deriving the processed crash's fields and signing read
//! (system and crash info, the crashing thread, module names).

use breakpad_symbols::SymbolStats;
use minidump::system_info::PointerWidth;
use minidump::{MinidumpContext, MinidumpContextValidity, MinidumpModule, Module};
use minidump_processor::ProcessState;
use minidump_unwind::{CallStack, StackFrame};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value};

use super::MAX_FRAMES;

/// Frames kept before a truncation marker, and after it.
const HEAD_FRAMES: usize = 250;
const TAIL_FRAMES: usize = MAX_FRAMES - HEAD_FRAMES - 1;

/// A `json_dump` written, with what processing reads of it.
pub struct JsonDump {
    /// The compact JSON of the whole `json_dump`.
    pub bytes: Vec<u8>,
    /// The fields deriving and signing read, as a `json_dump`-shaped value.
    pub skeleton: Value,
    /// Each stack that was cut, as `TruncateStacksRule` notes it: the
    /// crashing thread's copy first (`crashing_thread`), then the threads
    /// (`threads[i]`), with the number of frames before and after.
    pub cuts: Vec<(String, usize, usize)>,
}

/// Why `json_dump` could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing json_dump: {0}")]
pub struct WriteError(#[from] serde_json::Error);

/// Writes the `json_dump` of `state`. The state is lent back unchanged
/// (threads and modules are moved out while the rest is printed).
pub fn write(state: &mut ProcessState) -> Result<JsonDump, WriteError> {
    let threads = std::mem::take(&mut state.threads);
    let modules = std::mem::take(&mut state.modules);
    let requesting = state.requesting_thread.take();
    let mut printed = Vec::new();
    let small = state.print_json(&mut printed, false);
    state.threads = threads;
    state.modules = modules;
    state.requesting_thread = requesting;
    small?;
    let Value::Object(mut rest) = serde_json::from_slice::<Value>(&printed)? else {
        return Err(WriteError(serde::ser::Error::custom(
            "print_json wrote no object",
        )));
    };
    // What the state without threads printed about them is put right.
    if let Some(Value::Object(crash_info)) = rest.get_mut("crash_info") {
        crash_info.insert("crashing_thread".into(), requesting.into());
    }
    rest.insert("thread_count".into(), state.threads.len().into());
    // Placeholders for the typed parts, which keep their places in key order.
    rest.insert("modules".into(), Value::Null);
    rest.insert("threads".into(), Value::Null);
    let has_copy = requesting
        .and_then(|i| state.threads.get(i))
        .is_some_and(|t| !t.frames.is_empty());
    if has_copy {
        rest.insert("crashing_thread".into(), Value::Null);
    }
    sort_proc_limits(&mut rest);

    let doc = Document {
        state,
        width: state.system_info.cpu.pointer_width(),
        rest: &rest,
    };
    // About 300 bytes a frame and 500 a module, so the buffer rarely grows.
    let frames: usize = state.threads.iter().map(|t| t.frames.len()).sum();
    let estimate = printed.len() + 300 * frames + 500 * state.modules.iter().count();
    let mut bytes = Vec::with_capacity(estimate);
    serde_json::to_writer(&mut bytes, &doc)?;
    let mut cuts = Vec::new();
    if has_copy {
        let frames = requesting
            .and_then(|i| state.threads.get(i))
            .map_or(0, |t| t.frames.len());
        if frames > MAX_FRAMES {
            cuts.push(("crashing_thread".to_owned(), frames, MAX_FRAMES));
        }
    }
    for (i, thread) in state.threads.iter().enumerate() {
        if thread.frames.len() > MAX_FRAMES {
            cuts.push((format!("threads[{i}]"), thread.frames.len(), MAX_FRAMES));
        }
    }
    let mut outline = rest.clone();
    outline.remove("crashing_thread");
    let skeleton = skeleton(&doc, outline, has_copy)?;
    Ok(JsonDump {
        bytes,
        skeleton,
        cuts,
    })
}

/// The `json_dump` as a `Value` with the crashing thread (thread 0 when
/// none is known, as signing reads it) and the module fields deriving
/// reads; other threads are `null`.
fn skeleton(
    doc: &Document<'_>,
    mut rest: Map<String, Value>,
    has_copy: bool,
) -> Result<Value, serde_json::Error> {
    let state = doc.state;
    let index = state.requesting_thread.unwrap_or(0);
    let mut threads = vec![Value::Null; state.threads.len()];
    if let Some(thread) = state.threads.get(index) {
        let walked = doc.thread(thread, None);
        if has_copy {
            let mut copy = Map::new();
            copy.insert("thread_name".into(), walked.thread_name.into());
            copy.insert(
                "last_error_value".into(),
                walked.last_error_value.clone().into(),
            );
            rest.insert("crashing_thread".into(), Value::Object(copy));
        }
        threads[index] = serde_json::to_value(walked)?;
    }
    rest.insert("threads".into(), Value::Array(threads));
    let modules = state
        .modules
        .iter()
        .map(|m| {
            let module = doc.module(m);
            let mut fields = Map::new();
            fields.insert("filename".into(), module.filename.into());
            fields.insert("debug_file".into(), module.debug_file.into());
            fields.insert("debug_id".into(), module.debug_id.into());
            fields.insert("missing_symbols".into(), module.missing_symbols.into());
            fields.insert("code_id".into(), module.code_id.into());
            fields.insert("version".into(), module.version.into());
            fields.insert("symbol_url".into(), module.symbol_url.into());
            Value::Object(fields)
        })
        .collect();
    rest.insert("modules".into(), Value::Array(modules));
    Ok(Value::Object(rest))
}

/// The stackwalker lists a Linux process's limits in hash-map order, which
/// changes from run to run; sorted by name, the same dump always gives the
/// same processed crash.
fn sort_proc_limits(json_dump: &mut Map<String, Value>) {
    if let Some(limits) = json_dump
        .get_mut("proc_limits")
        .and_then(|l| l.get_mut("limits"))
        .and_then(Value::as_array_mut)
    {
        fn name(limit: &Value) -> &str {
            limit.get("name").and_then(Value::as_str).unwrap_or("")
        }
        limits.sort_by(|a, b| name(a).cmp(name(b)));
    }
}

/// `module/path` → `path`, on either separator.
fn basename(path: &str) -> &str {
    path.rfind(['/', '\\']).map_or(path, |i| &path[i + 1..])
}

/// An address as the stackwalker prints it: `0x` and 8 or 16 digits.
#[derive(Clone, Copy)]
struct Hex(u64, PointerWidth);

impl std::fmt::Display for Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            PointerWidth::Bits32 => write!(f, "{:#010x}", self.0),
            _ => write!(f, "{:#018x}", self.0),
        }
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Written by hand: there are two or three per frame, and the
        // formatting machinery costs more than the rest of the frame.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let digits = match self.1 {
            PointerWidth::Bits32 if self.0 <= u64::from(u32::MAX) => 8,
            PointerWidth::Bits32 => 16 - (self.0.leading_zeros() as usize / 4),
            _ => 16,
        };
        let mut buf = [b'0'; 18];
        buf[1] = b'x';
        let mut value = self.0;
        for slot in buf[2..2 + digits].iter_mut().rev() {
            *slot = DIGITS[(value & 0xf) as usize];
            value >>= 4;
        }
        match std::str::from_utf8(&buf[..2 + digits]) {
            Ok(text) => s.serialize_str(text),
            Err(_) => s.collect_str(self),
        }
    }
}

/// The whole `json_dump`: `rest`'s entries and the typed ones, in key order.
struct Document<'a> {
    state: &'a ProcessState,
    width: PointerWidth,
    rest: &'a Map<String, Value>,
}

impl Document<'_> {
    fn hex(&self, address: u64) -> Hex {
        Hex(address, self.width)
    }

    fn thread<'s>(&'s self, thread: &'s CallStack, crashing: Option<usize>) -> Thread<'s> {
        let registers = crashing
            .and_then(|_| thread.frames.first())
            .map(|f| registers(&f.context));
        Thread {
            frame_count: thread.frames.len(),
            frames: Frames {
                doc: self,
                frames: &thread.frames,
                registers,
            },
            last_error_value: thread.last_error_value.map(|e| e.to_string()),
            thread_id: thread.thread_id,
            thread_name: thread.thread_name.as_deref(),
            threads_index: crashing,
            truncated: (thread.frames.len() > MAX_FRAMES).then_some(true),
        }
    }

    fn module<'s>(&'s self, module: &'s MinidumpModule) -> ModuleOut<'s> {
        let state = self.state;
        let full_name = module.code_file();
        let name = basename(&full_name).to_owned();
        // Statistics exist only for modules the symbolizer looked up:
        // symbols are "missing" only where it tried and found none.
        let stats: Option<&SymbolStats> = state.symbol_stats.get(&name);
        let (debug_file, debug_id) = match stats.and_then(|s| s.extra_debug_info.as_ref()) {
            Some(info) => (
                basename(&info.debug_file).to_owned(),
                info.debug_identifier.breakpad().to_string(),
            ),
            None => (
                basename(&module.debug_file().unwrap_or_default()).to_owned(),
                module
                    .debug_identifier()
                    .unwrap_or_default()
                    .breakpad()
                    .to_string(),
            ),
        };
        let base = module.raw.base_of_image;
        ModuleOut {
            base_addr: self.hex(base),
            cert_subject: state.cert_info.get(&name).map(String::as_str),
            code_id: module
                .code_identifier()
                .unwrap_or_default()
                .as_str()
                .to_owned(),
            corrupt_symbols: stats.is_some_and(|s| s.corrupt_symbols),
            debug_file,
            debug_id,
            end_addr: self.hex(base.wrapping_add(u64::from(module.raw.size_of_image))),
            loaded_symbols: stats.is_some_and(|s| s.loaded_symbols),
            missing_symbols: stats.is_some_and(|s| !s.loaded_symbols),
            // As ModuleURLRewriteRule leaves it (localhost URLs removed).
            symbol_url: stats
                .and_then(|s| s.symbol_url.as_deref())
                .and_then(super::rules::breakpad::rewrite_symbol_url),
            version: module.version().map(|v| v.into_owned()),
            filename: name,
        }
    }
}

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let state = self.state;
        let mut map = s.serialize_map(Some(self.rest.len()))?;
        for (key, value) in self.rest {
            match key.as_str() {
                "modules" => map.serialize_entry(key, &Modules(self))?,
                "threads" => map.serialize_entry(key, &Threads(self))?,
                "crashing_thread" => {
                    // Present only when the requesting thread has frames.
                    let i = state.requesting_thread.unwrap_or(0);
                    match state.threads.get(i) {
                        Some(t) => map.serialize_entry(key, &self.thread(t, Some(i)))?,
                        None => map.serialize_entry(key, value)?,
                    }
                }
                _ => map.serialize_entry(key, value)?,
            }
        }
        map.end()
    }
}

struct Modules<'a>(&'a Document<'a>);

impl Serialize for Modules<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.state.modules.iter().map(|m| self.0.module(m)))
    }
}

struct Threads<'a>(&'a Document<'a>);

impl Serialize for Threads<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.state.threads.iter().map(|t| self.0.thread(t, None)))
    }
}

/// A module, fields in key order.
#[derive(serde::Serialize)]
struct ModuleOut<'a> {
    base_addr: Hex,
    cert_subject: Option<&'a str>,
    code_id: String,
    corrupt_symbols: bool,
    debug_file: String,
    debug_id: String,
    end_addr: Hex,
    filename: String,
    loaded_symbols: bool,
    missing_symbols: bool,
    symbol_url: Option<String>,
    version: Option<String>,
}

/// A thread, fields in key order.
#[derive(serde::Serialize)]
struct Thread<'a> {
    frame_count: usize,
    frames: Frames<'a>,
    last_error_value: Option<String>,
    thread_id: u32,
    thread_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threads_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    truncated: Option<bool>,
}

/// A thread's frames, cut around a marker when there are too many; the
/// first carries the registers in the crashing thread's copy.
struct Frames<'a> {
    doc: &'a Document<'a>,
    frames: &'a [StackFrame],
    registers: Option<Map<String, Value>>,
}

impl Serialize for Frames<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let all = self.frames.len();
        let mut seq = s.serialize_seq(None)?;
        let frame = |idx: usize| Frame {
            doc: self.doc,
            idx,
            frame: &self.frames[idx],
            registers: if idx == 0 {
                self.registers.as_ref()
            } else {
                None
            },
        };
        if all <= MAX_FRAMES {
            for idx in 0..all {
                seq.serialize_element(&frame(idx))?;
            }
        } else {
            for idx in 0..HEAD_FRAMES {
                seq.serialize_element(&frame(idx))?;
            }
            // Counted as Socorro counts them (one fewer than dropped).
            let msg = format!(
                "{} frames truncated",
                super::rules::breakpad::thousands(all - MAX_FRAMES)
            );
            seq.serialize_element(&Marker {
                truncated: MarkerMsg { msg: &msg },
            })?;
            for idx in all - TAIL_FRAMES..all {
                seq.serialize_element(&frame(idx))?;
            }
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct Marker<'a> {
    truncated: MarkerMsg<'a>,
}

#[derive(serde::Serialize)]
struct MarkerMsg<'a> {
    msg: &'a str,
}

/// One frame, fields in key order.
struct Frame<'a> {
    doc: &'a Document<'a>,
    idx: usize,
    frame: &'a StackFrame,
    registers: Option<&'a Map<String, Value>>,
}

impl Serialize for Frame<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.frame;
        let hex = |a: u64| self.doc.hex(a);
        let base = f.module.as_ref().map(|m| m.raw.base_of_image);
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("file", &f.source_file_name)?;
        map.serialize_entry("frame", &self.idx)?;
        map.serialize_entry("function", &f.function_name)?;
        map.serialize_entry(
            "function_offset",
            &f.function_base.map(|b| hex(f.instruction.wrapping_sub(b))),
        )?;
        if f.inlines.is_empty() {
            map.serialize_entry("inlines", &None::<()>)?;
        } else {
            map.serialize_entry("inlines", &Inlines(&f.inlines))?;
        }
        map.serialize_entry("line", &f.source_line)?;
        map.serialize_entry("missing_symbols", &f.function_name.is_none())?;
        map.serialize_entry("module", &f.module.as_ref().map(|m| basename(&m.name)))?;
        map.serialize_entry(
            "module_offset",
            &base.map(|b| hex(f.instruction.wrapping_sub(b))),
        )?;
        map.serialize_entry("offset", &hex(f.instruction))?;
        if let Some(registers) = self.registers {
            map.serialize_entry("registers", registers)?;
        }
        map.serialize_entry("trust", &f.trust.as_str())?;
        if f.unloaded_modules.is_empty() {
            map.serialize_entry("unloaded_modules", &None::<()>)?;
        } else {
            map.serialize_entry("unloaded_modules", &UnloadedModules(self))?;
        }
        map.end()
    }
}

struct Inlines<'a>(&'a [minidump_unwind::InlineFrame]);

impl Serialize for Inlines<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Inline<'a> {
            file: Option<&'a str>,
            function: &'a str,
            line: Option<u32>,
        }
        s.collect_seq(self.0.iter().map(|i| Inline {
            file: i.source_file_name.as_deref(),
            function: &i.function_name,
            line: i.source_line,
        }))
    }
}

struct UnloadedModules<'a>(&'a Frame<'a>);

impl Serialize for UnloadedModules<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let doc = self.0.doc;
        let mut seq = s.serialize_seq(None)?;
        for (module, offsets) in &self.0.frame.unloaded_modules {
            let offsets: Vec<Hex> = offsets.iter().map(|&o| doc.hex(o)).collect();
            #[derive(serde::Serialize)]
            struct Unloaded<'a> {
                module: &'a str,
                offsets: Vec<Hex>,
            }
            seq.serialize_element(&Unloaded { module, offsets })?;
        }
        seq.end()
    }
}

/// The valid general-purpose registers of a frame's context, by name.
fn registers(ctx: &MinidumpContext) -> Map<String, Value> {
    let valid = |reg: &str| match &ctx.valid {
        MinidumpContextValidity::All => true,
        MinidumpContextValidity::Some(which) => which.contains(reg),
    };
    ctx.general_purpose_registers()
        .iter()
        .filter(|reg| valid(reg))
        .map(|&reg| (reg.to_owned(), Value::from(ctx.format_register(reg))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `json_dump` was before it was written here: minidump-
    /// processor's own JSON, parsed, with the long stacks cut and the
    /// limits sorted, written out again.
    fn reference(state: &ProcessState) -> Vec<u8> {
        let mut printed = Vec::new();
        state.print_json(&mut printed, false).unwrap();
        let mut doc: Value = serde_json::from_slice(&printed).unwrap();
        let cut = |frames: &mut Vec<Value>| -> bool {
            if frames.len() <= MAX_FRAMES {
                return false;
            }
            crate::process::rules::breakpad::truncate_frames(frames);
            true
        };
        for thread in doc["threads"].as_array_mut().unwrap() {
            if cut(thread["frames"].as_array_mut().unwrap()) {
                thread["truncated"] = Value::from(true);
            }
        }
        if let Some(frames) = doc
            .pointer_mut("/crashing_thread/frames")
            .and_then(Value::as_array_mut)
        {
            if cut(frames) {
                doc["crashing_thread"]["truncated"] = Value::from(true);
            }
        }
        sort_proc_limits(doc.as_object_mut().unwrap());
        serde_json::to_vec(&doc).unwrap()
    }

    #[test]
    fn addresses_print_as_the_stackwalker_prints_them() {
        let text = |h: Hex| serde_json::to_value(h).unwrap();
        for v in [0, 1, 0xdead_beef, 0xffff_ffff, 0x1_0000_0000, u64::MAX] {
            assert_eq!(text(Hex(v, PointerWidth::Bits64)), format!("{v:#018x}"));
            assert_eq!(text(Hex(v, PointerWidth::Bits32)), format!("{v:#010x}"));
            assert_eq!(text(Hex(v, PointerWidth::Unknown)), format!("{v:#018x}"));
        }
    }

    /// Every testdata dump (and every dump in `CRASHKIT_TEST_MORE_DUMPS`,
    /// a directory, e.g. a fuzz corpus) gives the same bytes both ways.
    #[test]
    fn written_json_dump_equals_the_stackwalkers_amended() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let supplier =
            breakpad_symbols::SimpleSymbolSupplier::new(vec![root.join("testdata/symbols")]);
        let symbolizer = breakpad_symbols::Symbolizer::new(supplier);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut dirs = vec![root.join("testdata/minidumps")];
        dirs.extend(std::env::var_os("CRASHKIT_TEST_MORE_DUMPS").map(Into::into));
        let (mut compared, mut cut) = (0, 0);
        for dir in dirs {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                let Ok(dump) = minidump::Minidump::read(bytes.as_slice()) else {
                    continue;
                };
                let options = minidump_processor::ProcessorOptions::default();
                let Ok(mut state) = runtime.block_on(
                    minidump_processor::process_minidump_with_options(&dump, &symbolizer, options),
                ) else {
                    continue;
                };
                let expected = reference(&state);
                let written = write(&mut state).unwrap();
                assert!(
                    written.bytes == expected,
                    "{}: written json_dump differs",
                    path.display()
                );
                compared += 1;
                // The same crash with runaway stacks: the crashing thread's
                // frames repeated to 1,200, and another thread's to 501.
                let grow = |thread: &mut CallStack, to: usize| {
                    let frames = thread.frames.clone();
                    while !frames.is_empty() && thread.frames.len() < to {
                        thread.frames.extend(frames.iter().cloned());
                    }
                    thread.frames.truncate(to);
                };
                let crashing = state.requesting_thread.unwrap_or(0);
                for (i, thread) in state.threads.iter_mut().enumerate() {
                    grow(thread, if i == crashing { 1200 } else { 501 });
                }
                let expected = reference(&state);
                let written = write(&mut state).unwrap();
                assert!(
                    written.bytes == expected,
                    "{} with deep stacks: written json_dump differs",
                    path.display()
                );
                cut += written.cuts.len();
            }
        }
        assert!(compared >= 8, "{compared} dumps compared");
        assert!(cut > 0, "a stack over {MAX_FRAMES} frames was among them");
    }
}
