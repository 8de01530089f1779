//! The memory report rules: `OutOfMemoryBinaryRule` reads the gzipped
//! JSON dump named `memory_report`, `MemoryReportExtraction` sums the
//! crashing process's key measurements out of it.

use std::io::Read;

use serde_json::{Map, Value};

use super::{Crash, Outcome};
use crate::signature::pyval::{repr, truthy};

/// Largest memory report read, uncompressed.
const MAX_SIZE_UNCOMPRESSED: u64 = 20 * 1024 * 1024;

/// Reads a gzipped memory report, or says why not.
fn read_report(bytes: &[u8]) -> Result<Value, String> {
    let mut text = Vec::new();
    let mut decoder = flate2::read::GzDecoder::new(bytes).take(MAX_SIZE_UNCOMPRESSED + 1);
    if let Err(e) = decoder.read_to_end(&mut text) {
        return Err(format!("error in gzip for memory_report: {e}"));
    }
    if text.len() as u64 > MAX_SIZE_UNCOMPRESSED {
        return Err(format!(
            "Uncompressed memory info too large {} (max: {MAX_SIZE_UNCOMPRESSED})",
            text.len()
        ));
    }
    serde_json::from_slice(&text).map_err(|e| format!("error in json for memory_report: {e}"))
}

/// `OutOfMemoryBinaryRule`: the memory report, or `memory_report_error`.
pub fn out_of_memory_binary(c: &mut Crash<'_>) -> Outcome {
    let Some(bytes) = c.dumps.get("memory_report") else {
        return Ok(());
    };
    match read_report(bytes) {
        Ok(report) => {
            c.pc.insert("memory_report".into(), report);
        }
        Err(message) => {
            c.note(message.clone());
            c.pc.insert("memory_report_error".into(), Value::from(message));
        }
    }
    Ok(())
}

/// The measures Socorro extracts, named as in the report.
const MEASURED: [&str; 10] = [
    "gfx-textures",
    "ghost-windows",
    "heap-allocated",
    "host-object-urls",
    "private",
    "resident",
    "resident-unique",
    "system-heap-allocated",
    "vsize",
    "vsize-max-contiguous",
];

const DERIVED: [&str; 6] = [
    "explicit",
    "heap-overhead",
    "heap-unclassified",
    "images",
    "js-main-runtime",
    "top-none-detached",
];

/// The crashing process's measures, or why not (Socorro logs and skips).
fn measures(report: &Value, pid: &Value) -> Option<Map<String, Value>> {
    let pid_str = format!("(pid {})", repr(pid));
    let mut all: std::collections::BTreeMap<&str, i64> =
        MEASURED.iter().chain(&DERIVED).map(|k| (*k, 0)).collect();
    let (mut explicit_heap, mut explicit_nonheap) = (0i64, 0i64);
    let mut found = false;
    for item in report.get("reports")?.as_array()? {
        let process = item.get("process")?.as_str()?;
        if !process.contains(&pid_str) {
            continue;
        }
        found = true;
        let path = item.get("path")?.as_str()?;
        let kind = item.get("kind")?;
        let units = item.get("units")?;
        let amount = item.get("amount")?.as_i64()?;
        if path.starts_with("explicit/") {
            if units != 0 {
                return None;
            }
            if kind == 0 {
                explicit_nonheap += amount;
            } else if kind == 1 {
                explicit_heap += amount;
            } else {
                return None;
            }
            if path.starts_with("explicit/images/") {
                *all.get_mut("images")? += amount;
            } else if path.contains("top(none)/detached") {
                *all.get_mut("top-none-detached")? += amount;
            } else if path.starts_with("explicit/heap-overhead/") {
                *all.get_mut("heap-overhead")? += amount;
            }
        } else if path.starts_with("js-main-runtime/") {
            *all.get_mut("js-main-runtime")? += amount;
        } else if let Some(m) = MEASURED.iter().find(|m| **m == path) {
            *all.get_mut(m)? += amount;
        }
    }
    if !found {
        return None;
    }
    let heap = all["heap-allocated"];
    all.insert("heap-unclassified", heap - explicit_heap);
    all.insert("explicit", heap + explicit_nonheap);
    Some(
        all.into_iter()
            .map(|(k, v)| (k.replace('-', "_"), Value::from(v)))
            .collect(),
    )
}

/// `MemoryReportExtraction`: `memory_measures` for the crashing process
/// (its pid from the minidump) when the memory report is recognisable.
pub fn memory_report_extraction(c: &mut Crash<'_>) -> Outcome {
    let (Some(pid), Some(report)) = (c.json_dump("pid").cloned(), c.pc.get("memory_report")) else {
        return Ok(());
    };
    let recognisable = truthy(report)
        && ["version", "reports", "hasMozMallocUsableSize"]
            .iter()
            .all(|k| report.get(k).is_some());
    if !recognisable {
        return Ok(());
    }
    if let Some(measures) = measures(report, &pid) {
        c.pc.insert("memory_measures".into(), Value::Object(measures));
    }
    Ok(())
}
