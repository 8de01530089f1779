//! Socorro's rules that read the crashing stack: the report type, the
//! top-most source file, the modules in the stack and those without
//! symbols, the signature, and the crashing thread of a shutdown hang.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{dict_get, Crash, Outcome, Raised};
use crate::signature::pyval::{self, truthy};

/// `json_dump["threads"][index]["frames"]` as Python indexes it (a
/// negative index counts from the end); `None` where Python raises a
/// KeyError, IndexError or TypeError.
fn frames_of<'v>(json_dump: &'v Value, index: &Value) -> Option<&'v Vec<Value>> {
    let threads = json_dump.get("threads")?.as_array()?;
    let i = match index {
        Value::Number(n) if !n.is_f64() => n.as_i64()?,
        Value::Bool(b) => i64::from(*b),
        _ => return None,
    };
    let i = if i < 0 { threads.len() as i64 + i } else { i };
    threads
        .get(usize::try_from(i).ok()?)?
        .get("frames")?
        .as_array()
}

/// `ReportTypeRule`: `hang` for IPC channel errors, shutdown timeouts and
/// stacks with `RunWatchdog`, else `crash`.
pub fn report_type(c: &mut Crash<'_>) -> Outcome {
    let kind = report_kind(c)?;
    c.pc.insert("report_type".into(), Value::from(kind));
    Ok(())
}

fn report_kind(c: &Crash<'_>) -> Result<&'static str, Raised> {
    if c.pc.contains_key("ipc_channel_error") || c.pc.contains_key("async_shutdown_timeout") {
        return Ok("hang");
    }
    let Some(json_dump) = c.pc.get("json_dump") else {
        return Ok("crash");
    };
    let crash_info = match json_dump.get("crash_info") {
        Some(v) if truthy(v) => v.clone(),
        _ => Value::Object(Default::default()),
    };
    let index = match dict_get(&crash_info, "crashing_thread")? {
        None => 0,
        Some(v) => pyval::to_int(v).unwrap_or(0),
    };
    let stack = pyval::glom(json_dump, &format!("threads.{index}.frames"));
    if let Some(Value::Array(frames)) = stack {
        for frame in frames {
            let function = dict_get(frame, "function")?.filter(|f| truthy(f));
            let watchdog = match function {
                None => false,
                Some(Value::String(f)) => f.contains("RunWatchdog"),
                Some(other) => pyval::contains(other, "RunWatchdog").map_err(|_| "TypeError")?,
            };
            if watchdog {
                return Ok("hang");
            }
        }
    }
    Ok("crash")
}

/// `TopMostFilesRule`: the source file of the top-most frame, or inline
/// frame, that names one.
pub fn topmost_files(c: &mut Crash<'_>) -> Outcome {
    let (Some(json_dump), Some(index)) = (c.pc.get("json_dump"), c.pc.get("crashing_thread"))
    else {
        return Ok(());
    };
    let Some(frames) = frames_of(json_dump, index) else {
        return Ok(());
    };
    let mut found = None;
    'frames: for frame in frames {
        if let Some(Value::Array(inlines)) = dict_get(frame, "inlines")?.filter(|i| truthy(i)) {
            for inline in inlines {
                if let Some(file) = dict_get(inline, "file")?.filter(|f| truthy(f)) {
                    found = Some(file.clone());
                    break 'frames;
                }
            }
        }
        if let Some(file) = dict_get(frame, "file")?.filter(|f| truthy(f)) {
            found = Some(file.clone());
            break;
        }
    }
    if let Some(file) = found {
        c.pc.insert("topmost_filenames".into(), file);
    }
    Ok(())
}

/// `s` with every character outside `keep` removed (Socorro's re.sub).
fn only(s: &Value, keep: fn(char) -> bool) -> Result<String, Raised> {
    let s = s.as_str().ok_or("TypeError")?;
    Ok(s.chars().filter(|c| keep(*c)).collect())
}

fn filename_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn hex_char(c: char) -> bool {
    c.is_ascii_hexdigit()
}

/// `ModulesInStackRule`: `file/debugid` of every module in the crashing
/// thread's stack, sorted, joined with `;`.
pub fn modules_in_stack(c: &mut Crash<'_>) -> Outcome {
    let Some(json_dump) = c.pc.get("json_dump") else {
        return Ok(());
    };
    let index = c.pc.get("crashing_thread").ok_or("KeyError")?;
    if index.is_null() {
        return Ok(());
    }
    let Some(frames) = frames_of(json_dump, index) else {
        return Ok(());
    };
    let mut names = std::collections::HashMap::new();
    if let Some(modules) = json_dump.get("modules") {
        for module in modules.as_array().ok_or("TypeError")? {
            let Some(filename) = dict_get(module, "filename")? else {
                continue;
            };
            let debug_id = dict_get(module, "debug_id")?
                .cloned()
                .unwrap_or(Value::from(""));
            let info = format!(
                "{}/{}",
                only(filename, filename_char)?,
                only(&debug_id, hex_char)?
            );
            names.insert(pyval::to_str(filename), info);
        }
    }
    let mut in_stack = BTreeSet::new();
    for frame in frames {
        let module = dict_get(frame, "module")?;
        if let Some(info) = module.and_then(Value::as_str).and_then(|m| names.get(m)) {
            if !info.is_empty() {
                in_stack.insert(info.clone());
            }
        }
    }
    if !in_stack.is_empty() {
        let joined: Vec<String> = in_stack.into_iter().collect();
        c.pc.insert("modules_in_stack".into(), Value::from(joined.join(";")));
    }
    Ok(())
}

/// `MissingSymbolsRule`: `file/version/debugid[/codeid]` of every module
/// the stackwalker found no symbols for, sorted, joined with `;`.
pub fn missing_symbols(c: &mut Crash<'_>) -> Outcome {
    let Some(modules) = c.json_dump("modules").filter(|m| truthy(m)) else {
        return Ok(());
    };
    let mut missing = Vec::new();
    for module in modules.as_array().ok_or("TypeError")? {
        let filename = dict_get(module, "filename")?;
        if !filename.is_some_and(truthy)
            || dict_get(module, "missing_symbols")? != Some(&Value::Bool(true))
        {
            continue;
        }
        let filename = only(filename.unwrap_or(&Value::Null), filename_char)?;
        let version = match dict_get(module, "version")?.filter(|v| truthy(v)) {
            None => "None".to_owned(),
            Some(v) => v.as_str().ok_or("AttributeError")?.replace('/', "\\/"),
        };
        let null_id = Value::from("0".repeat(33));
        let debug_id = only(dict_get(module, "debug_id")?.unwrap_or(&null_id), hex_char)?;
        let code_id = match dict_get(module, "code_id")?.filter(|v| truthy(v)) {
            Some(v) => only(v, hex_char)?,
            None => String::new(),
        };
        missing.push(if code_id.is_empty() {
            format!("{filename}/{version}/{debug_id}")
        } else {
            format!("{filename}/{version}/{debug_id}/{code_id}")
        });
    }
    if !missing.is_empty() {
        missing.sort();
        c.pc.insert("missing_symbols".into(), Value::from(missing.join(";")));
    }
    Ok(())
}

/// `SignatureGeneratorRule`: the signature, its notes, `proto_signature`
/// and `signature_debug`.
pub fn signature_generator(c: &mut Crash<'_>) -> Outcome {
    let signature = c.ctx.generator.generate_processed(&mut c.pc);
    c.pc.insert("signature".into(), Value::from(signature.signature));
    for note in signature.notes {
        c.note(note);
    }
    if let Some(proto) = signature.proto_signature {
        c.pc.insert("proto_signature".into(), Value::from(proto));
    }
    c.pc.insert(
        "signature_debug".into(),
        Value::from(signature.debug_log.join("\n")),
    );
    Ok(())
}

/// `ShutDownHangCrashingThreadRule`: a shutdown hang's crashing thread is
/// thread 0, whose stack says why (the watchdog thread is the one that
/// asked for the crash).
pub fn shutdown_hang_crashing_thread(c: &mut Crash<'_>) -> Outcome {
    let hang = match c.pc.get("signature") {
        Some(Value::String(s)) => s.starts_with("shutdownhang"),
        Some(v) if truthy(v) => return Err("AttributeError"),
        _ => false,
    };
    if hang {
        c.pc.insert("crashing_thread".into(), Value::from(0));
    }
    Ok(())
}
