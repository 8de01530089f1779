//! The human report of `crashkit process FILE.dmp`: where it crashed, at a
//! glance. Built from the processed crash alone, so it shows exactly what
//! `--format json` would.

use std::io::{self, Write};

use serde_json::Value;

use super::ProcessedCrash;

/// Frames shown before the rest is summarised.
const SHOWN_FRAMES: usize = 40;

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes the report of `pc`, titled `title` (the file or crash id).
pub fn write(w: &mut dyn Write, title: &str, pc: &ProcessedCrash) -> io::Result<()> {
    let get = |k: &str| pc.get(k).unwrap_or(&Value::Null);
    writeln!(w, "Crash:      {title}")?;
    writeln!(w, "Signature:  {}", text(get("signature")))?;
    writeln!(w, "Reason:     {}", text(get("reason")))?;
    writeln!(w, "Address:    {}", text(get("address")))?;
    let os = [get("os_name"), get("os_version"), get("cpu_arch")]
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| text(v))
        .collect::<Vec<_>>()
        .join(" ");
    if !os.is_empty() {
        writeln!(w, "System:     {os}")?;
    }
    let status = text(get("mdsw_status_string"));
    let ok = status == "OK";
    writeln!(
        w,
        "Status:     {status}{}",
        if ok { "" } else { " (processing failed)" }
    )?;

    let thread = get("crashing_thread");
    let name = get("crashing_thread_name");
    if !thread.is_null() {
        let label = if name.is_null() {
            String::new()
        } else {
            format!(" ({})", text(name))
        };
        writeln!(w)?;
        writeln!(w, "Crashing thread {}{label}:", text(thread))?;
        let frames = thread
            .as_u64()
            .and_then(|i| get("json_dump")["threads"].get(i as usize))
            .and_then(|t| t["frames"].as_array())
            .cloned()
            .unwrap_or_default();
        let mut shown = 0;
        for (i, frame) in frames.iter().enumerate() {
            if shown >= SHOWN_FRAMES {
                writeln!(w, "  ... {} more frames", frames.len() - i)?;
                break;
            }
            if let Some(msg) = frame["truncated"]["msg"].as_str() {
                writeln!(w, "  ... {msg}")?;
                continue;
            }
            for inline in frame["inlines"].as_array().into_iter().flatten() {
                write_frame(
                    w,
                    None,
                    &frame["module"],
                    &inline["function"],
                    &inline["file"],
                    &inline["line"],
                    &Value::Null,
                )?;
            }
            let offset = if frame["module_offset"].is_null() {
                &frame["offset"]
            } else {
                &frame["module_offset"]
            };
            write_frame(
                w,
                Some(i),
                &frame["module"],
                &frame["function"],
                &frame["file"],
                &frame["line"],
                offset,
            )?;
            shown += 1;
        }
    }
    // Socorro's `file/version/debugid[/codeid]` entries, `;`-separated.
    if let Some(missing) = get("missing_symbols").as_str().filter(|m| !m.is_empty()) {
        writeln!(w)?;
        let names: Vec<&str> = missing
            .split(';')
            .map(|m| m.split('/').next().unwrap_or(m))
            .collect();
        writeln!(w, "Modules without symbols: {}", names.join(", "))?;
    }
    let notes = text(get("processor_notes"));
    if !notes.is_empty() && notes != "-" {
        writeln!(w)?;
        writeln!(w, "Notes:")?;
        for line in notes.lines() {
            writeln!(w, "  {line}")?;
        }
    }
    Ok(())
}

fn write_frame(
    w: &mut dyn Write,
    index: Option<usize>,
    module: &Value,
    function: &Value,
    file: &Value,
    line: &Value,
    offset: &Value,
) -> io::Result<()> {
    let index = index.map_or_else(|| "  ".to_owned(), |i| format!("{i:2}"));
    let inlined = if offset.is_null() && function.is_string() {
        " (inlined)"
    } else {
        ""
    };
    let what = match (module.as_str(), function.as_str()) {
        (Some(m), Some(f)) => format!("{m}!{f}{inlined}"),
        (None, Some(f)) => format!("{f}{inlined}"),
        (Some(m), None) => format!("{m}+{}", text(offset)),
        (None, None) => text(offset),
    };
    let source = match (file.as_str(), line) {
        (Some(f), Value::Number(n)) => format!("  {f}:{n}"),
        (Some(f), _) => format!("  {f}"),
        _ => String::new(),
    };
    writeln!(w, "  {index}  {what}{source}")
}
