//! Socorro's `breakpad` rules: what the stackwalk of each minidump says
//! (status, crashing thread, address, bit flips, guard pages, thread
//! count, soft errors), stacks cut to 500 frames, symbol URLs tidied.

use serde_json::{Map, Value};

use super::{dict_get, py_json_dumps, Crash, Outcome, Stackwalk};
use crate::signature::pyval::truthy;
use crate::storage::layout::MAIN_DUMP;

/// Frames kept in one stack; longer ones keep the first 250 and the last
/// 249 around a marker.
pub const MAX_FRAMES: usize = 500;
const HALF_MAX_FRAMES: usize = MAX_FRAMES / 2;

/// `MinidumpSha256HashRule`: the collector's checksum of the minidump.
pub fn minidump_sha256_hash(c: &mut Crash<'_>) -> Outcome {
    let empty = Value::Object(Map::new());
    let metadata = c.raw.get("metadata").unwrap_or(&empty);
    let checksums = dict_get(metadata, "dump_checksums")?.unwrap_or(&empty);
    let hash = dict_get(checksums, MAIN_DUMP)?
        .cloned()
        .unwrap_or(Value::from(""));
    c.pc.insert("minidump_sha256_hash".into(), hash);
    Ok(())
}

/// The last 10 lines of a long stackwalker log, as Socorro keeps them.
fn tail_of_log(log: &str) -> String {
    if log.matches('\n').count() > 10 {
        let lines: Vec<&str> = crate::signature::pyval::splitlines(log);
        let mut kept = vec!["..."];
        kept.extend(&lines[lines.len().saturating_sub(10)..]);
        kept.join("\n")
    } else {
        log.to_owned()
    }
}

/// `MinidumpStackwalkRule`: each dump named `upload_file_minidump*` gets
/// its stackwalk's output and status; the main one at the top level, the
/// others under their own names (listed in `additional_minidumps`).
pub fn minidump_stackwalk(c: &mut Crash<'_>) -> Outcome {
    if !c.raw.contains_key("uuid") {
        return Err("KeyError");
    }
    c.pc.entry("additional_minidumps")
        .or_insert_with(|| Value::Array(Vec::new()));
    let names: Vec<String> = c
        .dumps
        .keys()
        .filter(|n| n.starts_with(MAIN_DUMP))
        .cloned()
        .collect();
    for name in names {
        let data = if c.dumps[&name].is_empty() {
            c.note(format!(
                "MinidumpStackwalkRule: {name} is empty--skipping minidump processing"
            ));
            let mut data = Map::new();
            data.insert("mdsw_status_string".into(), Value::from("EmptyMinidump"));
            data.insert(
                "mdsw_stderr".into(),
                Value::from("Shortcut for 0-bytes minidump."),
            );
            data
        } else {
            stackwalker_data(c, &name)?
        };
        if name == MAIN_DUMP {
            c.pc.extend(data);
            continue;
        }
        if let Some(Value::Array(list)) = c.pc.get_mut("additional_minidumps") {
            if !list.iter().any(|n| n == name.as_str()) {
                list.push(Value::from(name.clone()));
            }
        }
        match c
            .pc
            .entry(name)
            .or_insert_with(|| Value::Object(Map::new()))
        {
            Value::Object(map) => map.extend(data),
            _ => return Err("AttributeError"),
        }
    }
    Ok(())
}

/// What one dump's stackwalk puts in the processed crash (Socorro's
/// `stackwalker_data`), with its notes: the output only when the walk
/// succeeded, its status, and the error name from the log stomped on an
/// unknown status.
fn stackwalker_data(c: &mut Crash<'_>, name: &str) -> Result<Map<String, Value>, super::Raised> {
    let walk = c.walks.remove(name).unwrap_or_else(|| Stackwalk {
        json_dump: Value::Object(Map::new()),
        written: None,
        cut: Vec::new(),
        return_code: 1,
        log: "ERROR NoStackwalk - the dump was not stackwalked\n".into(),
        notes: Vec::new(),
    });
    walk.notes.iter().for_each(|n| c.note(n.clone()));
    let log = tail_of_log(&walk.log);
    let json_dump = match walk.json_dump {
        json_dump @ Value::Object(_) if walk.return_code == 0 => json_dump,
        _ => Value::Object(Map::new()),
    };
    let mut status = json_dump
        .get("status")
        .cloned()
        .unwrap_or(Value::from("unknown error"));
    let success = status == "OK";
    if walk.return_code != 0 || !success {
        c.note(match walk.return_code {
            -6 => "MinidumpStackwalkRule: minidump-stackwalk: timeout (SIGABRT)".to_owned(),
            -9 => "MinidumpStackwalkRule: minidump-stackwalk: timeout (SIGKILL)".to_owned(),
            code => format!(
                "MinidumpStackwalkRule: minidump-stackwalk: failed: {code}: {}",
                crate::signature::pyval::to_str(&status)
            ),
        });
    }
    if let Some(bytes) = walk.written.filter(|_| walk.return_code == 0) {
        let path = if name == MAIN_DUMP {
            "json_dump".to_owned()
        } else {
            format!("{name}.json_dump")
        };
        c.written.insert(path.clone(), bytes);
        c.cuts.insert(path, walk.cut);
    }
    let stderr = crate::signature::pyval::strip(&log);
    if stderr.starts_with("ERROR") {
        // Socorro takes the log's second word, and fails on a bare "ERROR".
        let indicator = stderr.split(' ').nth(1).ok_or("IndexError")?;
        if !indicator.is_empty() && (status == "OK" || status == "unknown error") {
            status = Value::from(indicator);
            c.note(format!(
                "MinidumpStackwalkRule: processing {name} had error; stomped on mdsw_status_string"
            ));
        }
    }
    let mut data = Map::new();
    data.insert("json_dump".into(), json_dump);
    data.insert("mdsw_return_code".into(), Value::from(walk.return_code));
    data.insert("mdsw_status_string".into(), status);
    data.insert("success".into(), Value::Bool(success));
    data.insert(
        "stackwalk_version".into(),
        Value::from(c.ctx.stackwalk_version),
    );
    data.insert("mdsw_stderr".into(), Value::from(log));
    Ok(data)
}

/// What `ModuleURLRewriteRule` does to a module's `symbol_url`: `None`
/// to remove it (a localhost URL), else the URL to keep (the query cut
/// from a symbols.mozilla.org URL).
pub fn rewrite_symbol_url(url: &str) -> Option<String> {
    let (netloc, rest_at) = match url.split_once("//") {
        Some((scheme, rest)) if !scheme.contains(['/', '?', '#']) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            (&rest[..end], url.len() - rest.len() + end)
        }
        _ => ("", 0),
    };
    if netloc.contains("localhost") {
        return None;
    }
    if netloc.contains("symbols.mozilla.org") {
        let rest = &url[rest_at..];
        let (before_fragment, fragment) = match rest.find('#') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let path = before_fragment.split('?').next().unwrap_or("");
        return Some(format!("{}{path}{fragment}", &url[..rest_at]));
    }
    Some(url.to_owned())
}

/// `ModuleURLRewriteRule`: localhost symbol URLs removed (with a note),
/// symbols.mozilla.org ones without their query.
pub fn module_url_rewrite(c: &mut Crash<'_>) -> Outcome {
    let Some(Value::Array(modules)) = c.pc.get_mut("json_dump").and_then(|j| j.get_mut("modules"))
    else {
        return Ok(());
    };
    let mut notes = Vec::new();
    for module in modules.iter_mut() {
        let Some(url) = module.get("symbol_url").filter(|u| truthy(u)) else {
            continue;
        };
        let url = url.as_str().ok_or("TypeError")?.to_owned();
        match rewrite_symbol_url(&url) {
            None => {
                module["symbol_url"] = Value::Null;
                let name = module
                    .get("filename")
                    .or_else(|| module.get("debug_file"))
                    .map(crate::signature::pyval::to_str)
                    .unwrap_or_else(|| "unknown".into());
                notes.push(format!("Redacting symbol url for module {name}"));
            }
            Some(new) => module["symbol_url"] = Value::from(new),
        }
    }
    notes.into_iter().for_each(|n| c.note(n));
    Ok(())
}

/// `json_dump.crash_info` (`{}` when absent) for the rules that run only
/// when there is a `json_dump`; `None` when there is none.
fn crash_info(c: &Crash<'_>) -> Option<Value> {
    if c.pc.get("json_dump").is_none_or(Value::is_null) {
        return None;
    }
    Some(
        c.json_dump("crash_info")
            .cloned()
            .unwrap_or(Value::Object(Map::new())),
    )
}

/// `CrashingThreadInfoRule`: `crashing_thread`, its name, `reason`,
/// `address` (zero at the pointer's width for a null-pointer access, the
/// adjusted address for a non-canonical one) and `last_error_value`.
pub fn crashing_thread_info(c: &mut Crash<'_>) -> Outcome {
    let Some(crash_info) = crash_info(c) else {
        return Ok(());
    };
    let crashing = dict_get(&crash_info, "crashing_thread")?
        .cloned()
        .unwrap_or(Value::Null);
    c.pc.insert("crashing_thread".into(), crashing.clone());
    if crashing.is_null() {
        c.note("mdsw did not identify the crashing thread");
    }
    let name = c
        .json_dump("crashing_thread.thread_name")
        .cloned()
        .unwrap_or(Value::Null);
    c.pc.insert("crashing_thread_name".into(), name);
    let reason = dict_get(&crash_info, "type")?
        .cloned()
        .unwrap_or(Value::from(""));
    c.pc.insert("reason".into(), reason);
    let mut address = dict_get(&crash_info, "address")?
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(adjusted) = dict_get(&crash_info, "adjusted_address")?.filter(|a| !a.is_null()) {
        let kind = dict_get(adjusted, "kind")?;
        if kind.is_some_and(|k| k == "null-pointer") {
            let wide = truthy(&address) && address.as_str().map(|a| a.chars().count()) == Some(18);
            address = Value::from(if wide {
                "0x0000000000000000"
            } else {
                "0x00000000"
            });
        } else if kind.is_some_and(|k| k == "non-canonical") {
            if let Some(a) = dict_get(adjusted, "address")?.filter(|a| truthy(a)) {
                address = a.clone();
            }
        }
    }
    c.pc.insert("address".into(), address);
    if let Some(Value::String(last_error)) = c.json_dump("crashing_thread.last_error_value") {
        let last_error = last_error.clone();
        c.pc.insert("last_error_value".into(), Value::from(last_error));
    }
    Ok(())
}

/// A stack cut as Socorro cuts it: the first 250 frames, a marker naming
/// how many were dropped (counted as Socorro counts them), the last 249.
pub fn truncate_frames(frames: &mut Vec<Value>) {
    let total = frames.len();
    let tail = frames.split_off(total - (HALF_MAX_FRAMES - 1));
    frames.truncate(HALF_MAX_FRAMES);
    let mut marker = Map::new();
    marker.insert(
        "truncated".into(),
        serde_json::json!({"msg": format!("{} frames truncated", thousands(total - MAX_FRAMES))}),
    );
    frames.push(Value::Object(marker));
    frames.extend(tail);
}

/// `1234567` → `1,234,567`, as Python's `{:,}`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The note for one cut stack (Socorro writes `->` for the crashing
/// thread's copy and `>` for the threads list).
pub fn cut_note(path: &str, what: &str, before: usize, after: usize) -> String {
    let arrow = if what == "crashing_thread" { "->" } else { ">" };
    format!("TruncateStacksRule: truncated {path}.{what}.frames: {before} {arrow} {after}")
}

fn truncate_json_dump(json_dump: &mut Value, path: &str, notes: &mut Vec<String>) {
    if let Some(thread) = json_dump.get_mut("crashing_thread").filter(|t| truthy(t)) {
        if let Some(Value::Array(frames)) = thread.get_mut("frames") {
            if frames.len() > MAX_FRAMES {
                let before = frames.len();
                truncate_frames(frames);
                let after = frames.len();
                thread["truncated"] = Value::Bool(true);
                notes.push(cut_note(path, "crashing_thread", before, after));
            }
        }
    }
    if let Some(Value::Array(threads)) = json_dump.get_mut("threads") {
        for (i, thread) in threads.iter_mut().enumerate() {
            if let Some(Value::Array(frames)) = thread.get_mut("frames") {
                if frames.len() > MAX_FRAMES {
                    let before = frames.len();
                    truncate_frames(frames);
                    let after = frames.len();
                    thread["truncated"] = Value::Bool(true);
                    notes.push(cut_note(path, &format!("threads[{i}]"), before, after));
                }
            }
        }
    }
}

/// `TruncateStacksRule`: stacks over 500 frames cut in the middle, in
/// every `json_dump` of the crash. A `json_dump` crashkit's writer wrote
/// was cut as it was written; its notes are the ones it recorded.
pub fn truncate_stacks(c: &mut Crash<'_>) -> Outcome {
    let keys: Vec<String> = c.pc.keys().cloned().collect();
    let mut notes = Vec::new();
    for key in keys {
        let path = if key == "json_dump" {
            key.clone()
        } else if c.pc[&key].get("json_dump").is_some() {
            format!("{key}.json_dump")
        } else {
            continue;
        };
        if let Some(cuts) = c.cuts.get(&path) {
            for (what, before, after) in cuts {
                notes.push(cut_note(&path, what, *before, *after));
            }
            continue;
        }
        let json_dump = if key == "json_dump" {
            c.pc.get_mut(&key)
        } else {
            c.pc.get_mut(&key).and_then(|v| v.get_mut("json_dump"))
        };
        if let Some(json_dump) = json_dump {
            truncate_json_dump(json_dump, &path, &mut notes);
        }
    }
    notes.into_iter().for_each(|n| c.note(n));
    Ok(())
}

/// `glom(processed_crash, "json_dump.crash_info.<key>", default=None)`
/// as a list: `None` when absent or null, a TypeError when not a list.
fn crash_info_list<'c>(
    c: &'c Crash<'_>,
    key: &str,
) -> Result<Option<&'c Vec<Value>>, super::Raised> {
    match c.json_dump(&format!("crash_info.{key}")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(_) => Err("TypeError"),
    }
}

/// `PossibleBitFlipsRule`: the highest confidence (0-100) of a bit flip.
pub fn possible_bit_flips(c: &mut Crash<'_>) -> Outcome {
    let Some(flips) = crash_info_list(c, "possible_bit_flips")? else {
        return Ok(());
    };
    let mut best: Option<f64> = None;
    for flip in flips {
        let confidence = match dict_get(flip, "confidence")? {
            None => 0.0,
            Some(v) => v.as_f64().ok_or("TypeError")?,
        };
        best = Some(best.map_or(confidence, |b| b.max(confidence)));
    }
    if let Some(best) = best {
        c.pc.insert(
            "possible_bit_flips_max_confidence".into(),
            Value::from((best * 100.0) as i64),
        );
    }
    Ok(())
}

/// `CrashInconsistenciesRule`: the stackwalker's crash inconsistencies (null when none).
pub fn crash_inconsistencies(c: &mut Crash<'_>) -> Outcome {
    let Some(crash_info) = crash_info(c) else {
        return Ok(());
    };
    let value = dict_get(&crash_info, "crash_inconsistencies")?
        .cloned()
        .unwrap_or(Value::Null);
    c.pc.insert("crash_inconsistencies".into(), value);
    Ok(())
}

/// `HasGuardPageAccessRule`: true when a memory access likely hit a guard
/// page (left out otherwise).
pub fn has_guard_page_access(c: &mut Crash<'_>) -> Outcome {
    let Some(accesses) = crash_info_list(c, "memory_accesses")? else {
        return Ok(());
    };
    let mut any = false;
    for access in accesses {
        if dict_get(access, "is_likely_guard_page")?.is_some_and(truthy) {
            any = true;
            break;
        }
    }
    if any {
        c.pc.insert("has_guard_page_access".into(), Value::Bool(true));
    }
    Ok(())
}

/// `ThreadCountRule`: the number of threads (null when unknown).
pub fn thread_count(c: &mut Crash<'_>) -> Outcome {
    let count = c.json_dump("thread_count").cloned().unwrap_or(Value::Null);
    c.pc.insert("thread_count".into(), count);
    Ok(())
}

/// `SoftErrorsRule`: the stackwalk's soft errors as JSON text, at most 4 KiB.
pub fn soft_errors(c: &mut Crash<'_>) -> Outcome {
    let Some(errors) = c.pc.get("json_dump").and_then(|j| j.get("soft_errors")) else {
        return Ok(());
    };
    let text: String = py_json_dumps(errors).chars().take(4096).collect();
    c.pc.insert("soft_errors".into(), Value::from(text));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stacks_are_cut_as_socorro_cuts_them() {
        let mut frames: Vec<Value> = (0..1200).map(Value::from).collect();
        truncate_frames(&mut frames);
        assert_eq!(frames.len(), 500);
        assert_eq!(frames[249], Value::from(249));
        assert_eq!(frames[250]["truncated"]["msg"], "700 frames truncated");
        assert_eq!(frames[251], Value::from(951));
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn symbol_urls_are_redacted_or_tidied() {
        assert_eq!(rewrite_symbol_url("http://localhost:8000/a/b.sym"), None);
        assert_eq!(
            rewrite_symbol_url("https://symbols.mozilla.org/a/b.sym?try=1#x").as_deref(),
            Some("https://symbols.mozilla.org/a/b.sym#x")
        );
        assert_eq!(
            rewrite_symbol_url("https://example.org/a?b=1").as_deref(),
            Some("https://example.org/a?b=1")
        );
    }
}
