//! Socorro's `general` rules (the raw crash cleaned, keys, ids, CPU and
//! OS) and the two mozilla rules that finish the CPU and OS fields
//! (`PlatformInfoRule`, `OSPrettyVersionRule`).

use serde_json::Value;

use super::{as_str, Crash, Outcome};
use crate::signature::pyval::{strip, truthy};

/// `DeNullRule`: NUL characters removed from annotation names and values.
/// As in Socorro, a name with NULs whose value has none is dropped (the
/// old key is deleted and the cleaned one is only written with a changed
/// value).
pub fn de_null(c: &mut Crash<'_>) -> Outcome {
    let keys: Vec<String> = c.raw.keys().cloned().collect();
    for key in keys {
        let new_key = key.replace('\0', "");
        let value = if new_key != key {
            c.raw.remove(&key)
        } else {
            c.raw.get(&key).cloned()
        };
        if let Some(Value::String(s)) = value {
            if s.contains('\0') {
                c.raw.insert(new_key, Value::from(s.replace('\0', "")));
            }
        }
    }
    Ok(())
}

/// `DeNoneRule`: annotations whose value is null removed.
pub fn de_none(c: &mut Crash<'_>) -> Outcome {
    c.raw.retain(|_, v| !v.is_null());
    Ok(())
}

/// Socorro's `^[a-zA-Z0-9_-]+$` as Python's `re.match` reads it (`$` also
/// matches before a final newline).
fn valid_key(key: &str) -> bool {
    let body = key.strip_suffix('\n').unwrap_or(key);
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `CrashReportKeysRule`: every annotation name and dump name, sorted,
/// invalid ones left out and long ones cut to 100 characters, with a note
/// when any was.
pub fn crash_report_keys(c: &mut Crash<'_>) -> Outcome {
    let all: std::collections::BTreeSet<&String> = c.raw.keys().chain(c.dumps.keys()).collect();
    let kept: std::collections::BTreeSet<String> = all
        .iter()
        .filter(|k| valid_key(k))
        .map(|k| k.chars().take(100).collect())
        .collect();
    let changed = all.len() != kept.len() || all.iter().any(|k| !kept.contains(*k));
    c.pc.insert(
        "crash_report_keys".into(),
        Value::Array(kept.into_iter().map(Value::from).collect()),
    );
    if changed {
        c.note("invalidkeys: Crash report contains invalid keys");
    }
    Ok(())
}

/// `CollectorMetadataRule`: the collector's `metadata`, `{}` when none.
pub fn collector_metadata(c: &mut Crash<'_>) -> Outcome {
    let metadata = c
        .raw
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    c.pc.insert("collector_metadata".into(), metadata);
    Ok(())
}

/// `IdentifierRule`: `crash_id` and `uuid` from the raw crash's `uuid`.
pub fn identifier(c: &mut Crash<'_>) -> Outcome {
    if let Some(uuid) = c.raw.get("uuid").cloned() {
        c.pc.insert("crash_id".into(), uuid.clone());
        c.pc.insert("uuid".into(), uuid);
    }
    Ok(())
}

/// `glom(processed_crash, "json_dump.<path>", default=…)`.
fn from_json_dump(c: &Crash<'_>, path: &str, default: Value) -> Value {
    c.json_dump(path).cloned().unwrap_or(default)
}

/// `CPUInfoRule`: `cpu_info`, `cpu_count`, `cpu_arch` and
/// `cpu_microcode_version` from the stackwalk's system info.
pub fn cpu_info(c: &mut Crash<'_>) -> Outcome {
    let info = from_json_dump(c, "system_info.cpu_info", Value::from("unknown"));
    let count = from_json_dump(c, "system_info.cpu_count", Value::from(0));
    let arch = from_json_dump(c, "system_info.cpu_arch", Value::from("unknown"));
    let microcode = from_json_dump(c, "system_info.cpu_microcode_version", Value::Null);
    c.pc.insert("cpu_info".into(), info);
    c.pc.insert("cpu_count".into(), count);
    c.pc.insert("cpu_arch".into(), arch);
    if !microcode.is_null() {
        c.pc.insert("cpu_microcode_version".into(), microcode);
    }
    Ok(())
}

/// `OSInfoRule`: `os_name` and `os_version` from the stackwalk, stripped.
pub fn os_info(c: &mut Crash<'_>) -> Outcome {
    let name = from_json_dump(c, "system_info.os", Value::from("Unknown"));
    let version = from_json_dump(c, "system_info.os_ver", Value::from(""));
    let name = strip(as_str(&name)?).to_owned();
    let version = strip(as_str(&version)?).to_owned();
    c.pc.insert("os_name".into(), Value::from(name));
    c.pc.insert("os_version".into(), Value::from(version));
    Ok(())
}

/// `PlatformInfoRule`: CPU and OS fields the minidump left unknown filled
/// from the `CPUArchitecture`, `CPUInfo`, `OS` and `OSVersion` annotations.
pub fn platform_info(c: &mut Crash<'_>) -> Outcome {
    for (key, annotation, sentinel) in [
        ("cpu_arch", "CPUArchitecture", "unknown"),
        ("cpu_info", "CPUInfo", "unknown"),
        ("os_name", "OS", "Unknown"),
        ("os_version", "OSVersion", ""),
    ] {
        let current = c.pc.get(key).cloned().unwrap_or(Value::from(""));
        if truthy(&current) && current.as_str() != Some(sentinel) {
            continue;
        }
        let value = match c.raw.get(annotation) {
            None => "",
            Some(v) => strip(as_str(v)?),
        };
        if !value.is_empty() {
            c.pc.insert(key.into(), Value::from(value));
        }
    }
    Ok(())
}

/// `^(\d+)\.(\d+)` of an OS version.
fn major_minor(version: &Value) -> Option<(u64, u64)> {
    let text = version.as_str()?;
    let digits = |s: &str| -> (usize, Option<u64>) {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (n, s[..n].parse().ok())
    };
    let (n, major) = digits(text);
    let rest = text[n..].strip_prefix('.')?;
    let (_, minor) = digits(rest);
    Some((major?, minor?))
}

fn windows_pretty(os_name: &str, os_version: &Value) -> String {
    let Some((major, minor)) = major_minor(os_version) else {
        return os_name.to_owned();
    };
    if (major, minor) == (10, 0) && os_version.as_str().is_some_and(|v| v >= "10.0.21996") {
        return "Windows 11".into();
    }
    let name = match (major, minor) {
        (3, 5) | (4, 0) => "Windows NT",
        (4, 1) => "Windows 98",
        (4, 9) => "Windows Me",
        (5, 0) => "Windows 2000",
        (5, 1) => "Windows XP",
        (5, 2) => "Windows Server 2003",
        (6, 0) => "Windows Vista",
        (6, 1) => "Windows 7",
        (6, 2) => "Windows 8",
        (6, 3) => "Windows 8.1",
        (10, 0) => "Windows 10",
        _ => "Windows Unknown",
    };
    name.into()
}

fn macos_pretty(os_name: &str, os_version: &Value) -> String {
    match major_minor(os_version) {
        None => os_name.to_owned(),
        Some((major, _)) if major >= 11 => format!("macOS {major}"),
        Some((major, minor)) if major >= 10 => format!("OS X {major}.{minor}"),
        Some(_) => "OS X Unknown".into(),
    }
}

/// `OSPrettyVersionRule`: the OS as people name it (Windows 11, macOS 14,
/// OS X 10.15, the Linux distribution, `Android 34`).
pub fn os_pretty_version(c: &mut Crash<'_>) -> Outcome {
    c.pc.insert("os_pretty_version".into(), Value::Null);
    let os_name = c.pc.get("os_name").cloned().unwrap_or(Value::Null);
    let os_version = c.pc.get("os_version").cloned().unwrap_or(Value::Null);
    let pretty = match &os_name {
        Value::String(name) if name.starts_with("Windows") => {
            Value::from(windows_pretty(name, &os_version))
        }
        Value::String(name) if name == "Mac OS X" => Value::from(macos_pretty(name, &os_version)),
        Value::String(name) if name == "Linux" => {
            let from_dump = c
                .json_dump("lsb_release.description")
                .cloned()
                .unwrap_or(Value::from(""));
            let pretty = if truthy(&from_dump) {
                from_dump
            } else {
                match c.raw.get("LinuxLSBDescription") {
                    Some(v) if truthy(v) => Value::from(strip(as_str(v)?)),
                    _ => Value::from(""),
                }
            };
            if truthy(&pretty) {
                pretty
            } else {
                Value::from("Linux")
            }
        }
        Value::String(name) if name == "Android" => {
            if truthy(&os_version) {
                Value::from(format!(
                    "{name} {}",
                    crate::signature::pyval::to_str(&os_version)
                ))
            } else {
                os_name.clone()
            }
        }
        // A truthy non-string name: `os_name.startswith` raises.
        other if truthy(other) && !other.is_string() => return Err("AttributeError"),
        other => other.clone(),
    };
    c.pc.insert("os_pretty_version".into(), pretty);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_as_python_matches_them() {
        assert!(valid_key("ProductName"));
        assert!(valid_key("Add-ons"));
        assert!(valid_key("trailing\n"));
        assert!(!valid_key("with space"));
        assert!(!valid_key(""));
    }

    #[test]
    fn windows_and_mac_versions_read_as_people_say_them() {
        assert_eq!(
            windows_pretty("Windows NT", &Value::from("10.0.22631")),
            "Windows 11"
        );
        assert_eq!(
            windows_pretty("Windows NT", &Value::from("10.0.19045")),
            "Windows 10"
        );
        assert_eq!(
            windows_pretty("Windows NT", &Value::from("6.1.7601 Service Pack 1")),
            "Windows 7"
        );
        assert_eq!(
            windows_pretty("Windows NT", &Value::from("7.7")),
            "Windows Unknown"
        );
        assert_eq!(
            windows_pretty("Windows NT", &Value::from("x")),
            "Windows NT"
        );
        assert_eq!(
            macos_pretty("Mac OS X", &Value::from("14.2.1 23C71")),
            "macOS 14"
        );
        assert_eq!(
            macos_pretty("Mac OS X", &Value::from("10.15.7")),
            "OS X 10.15"
        );
        assert_eq!(
            macos_pretty("Mac OS X", &Value::from("9.2")),
            "OS X Unknown"
        );
    }
}
