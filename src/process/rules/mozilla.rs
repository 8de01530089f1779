//! Socorro's `mozilla` rules about the product and its annotations:
//! versions (ESR, Fenix nightly, beta), dates and times, process type,
//! add-ons, PHC, breadcrumbs, Mac fields, crash reasons, distribution.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

use super::{as_str, date_to_string, py_json_dumps, Crash, Outcome};
use crate::process::version_string::Answer;
use crate::signature::pyval::{self, repr, strip, to_str, truthy};

/// `ConvertModuleSignatureInfoRule`: a `ModuleSignatureInfo` sent as a
/// JSON object turned into JSON text, as the stackwalker reads it.
pub fn convert_module_signature_info(c: &mut Crash<'_>) -> Outcome {
    if let Some(info) = c.raw.get("ModuleSignatureInfo").filter(|v| !v.is_string()) {
        let text = py_json_dumps(info);
        c.raw
            .insert("ModuleSignatureInfo".into(), Value::from(text));
    }
    Ok(())
}

/// `FenixVersionRewriteRule`: Fenix's `Nightly YYMMDD HH:MM` versions become `0.0a1`.
pub fn fenix_version_rewrite(c: &mut Crash<'_>) -> Outcome {
    let version =
        c.pc.get("version")
            .filter(|v| truthy(v))
            .cloned()
            .unwrap_or(Value::from(""));
    let nightly = as_str(&version)?.starts_with("Nightly ");
    if c.pc.get("product_name").is_some_and(|p| p == "Fenix") && nightly {
        c.note(format!("Changed version from {} to 0.0a1", repr(&version)));
        c.pc.insert("version".into(), Value::from("0.0a1"));
    }
    Ok(())
}

/// `ESRVersionRewrite`: `esr` appended to the version on the esr channel.
pub fn esr_version_rewrite(c: &mut Crash<'_>) -> Outcome {
    if c.pc.get("release_channel").is_none_or(|ch| ch != "esr") {
        return Ok(());
    }
    match c.pc.get("version") {
        Some(Value::String(v)) => {
            let v = format!("{v}esr");
            c.pc.insert("version".into(), Value::from(v));
        }
        Some(_) => return Err("TypeError"),
        None => c.note("'version' missing from esr release processed_crash"),
    }
    Ok(())
}

/// `SubmittedFromRule`: where the report was submitted from.
pub fn submitted_from(c: &mut Crash<'_>) -> Outcome {
    let (from, infobar) = match c.raw.get("SubmittedFromInfobar") {
        Some(v) => {
            let infobar = v == "1" || v == "true" || v == &Value::Bool(true);
            (
                Value::from(if infobar { "Infobar" } else { "Unknown" }),
                infobar,
            )
        }
        None => {
            let from = c
                .raw
                .get("SubmittedFrom")
                .cloned()
                .unwrap_or(Value::from("Unknown"));
            let infobar = from == "Infobar";
            (from, infobar)
        }
    };
    c.pc.insert("submitted_from".into(), from);
    c.pc.insert("submitted_from_infobar".into(), Value::Bool(infobar));
    Ok(())
}

/// `MajorVersionRule`: the number before the first dot of `Version`, else 0.
pub fn major_version(c: &mut Crash<'_>) -> Outcome {
    let major = match c.raw.get("Version") {
        None => Some(0),
        Some(Value::String(v)) => {
            let first = v.split('.').next().unwrap_or("");
            pyval::parse_int(first, 10)
        }
        // `.split` of a non-string raises AttributeError, which Socorro
        // does not catch.
        Some(_) => return Err("AttributeError"),
    };
    let major = major
        .and_then(super::copy::big_int)
        .unwrap_or(Value::from(0));
    c.pc.insert("major_version".into(), major);
    Ok(())
}

/// `PluginRule`: plugin file, name and version for plugin processes.
pub fn plugin(c: &mut Crash<'_>) -> Outcome {
    if c.raw.get("ProcessType").is_some_and(|p| p == "plugin") {
        for (field, annotation) in [
            ("plugin_filename", "PluginFilename"),
            ("plugin_name", "PluginName"),
            ("plugin_version", "PluginVersion"),
        ] {
            let value = c.raw.get(annotation).cloned().unwrap_or(Value::from(""));
            c.pc.insert(field.into(), value);
        }
    }
    Ok(())
}

/// `ProcessTypeRule`: `ProcessType`, `parent` when absent or `main`.
pub fn process_type(c: &mut Crash<'_>) -> Outcome {
    let value = match c.raw.get("ProcessType") {
        None => Value::from("parent"),
        Some(v) if v == "main" => Value::from("parent"),
        Some(v) => v.clone(),
    };
    c.pc.insert("process_type".into(), value);
    Ok(())
}

/// `AccessibilityRule`: whether `Accessibility` is `Active`.
pub fn accessibility(c: &mut Crash<'_>) -> Outcome {
    let active = c.raw.get("Accessibility").is_some_and(|v| v == "Active");
    c.pc.insert("accessibility".into(), Value::Bool(active));
    Ok(())
}

/// Python's `urllib.parse.unquote_plus`: `+` is a space, `%XX` a byte,
/// the bytes read as UTF-8 with replacement characters.
fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `AddonsRule`: `addons_checked` from `EMCheckCompatibility`, `addons`
/// from `Add-ons` (`id:version`, `:NO_VERSION` added where none).
pub fn addons(c: &mut Crash<'_>) -> Outcome {
    c.pc.insert("addons_checked".into(), Value::Null);
    if let Some(checked) = c.raw.get("EMCheckCompatibility") {
        let checked = as_str(checked)?.to_lowercase() == "true";
        c.pc.insert("addons_checked".into(), Value::Bool(checked));
    }
    let addons = match c.raw.get("Add-ons") {
        Some(v) if truthy(v) => as_str(v)?
            .split(',')
            .map(|a| {
                let formatted = if a.contains(':') {
                    a.to_owned()
                } else {
                    format!("{a}:NO_VERSION")
                };
                Value::from(unquote_plus(&formatted))
            })
            .collect(),
        _ => Vec::new(),
    };
    c.pc.insert("addons".into(), Value::Array(addons));
    Ok(())
}

/// Python's `datetime.fromisoformat(text).timestamp()`, 0 when the text
/// is not a date (a time without zone is taken as UTC, the processor's zone).
fn isoformat_to_time(text: &str) -> i64 {
    let t = text.trim_end_matches('Z');
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return d.timestamp();
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(text, format) {
            return d.timestamp();
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return d.and_utc().timestamp();
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map_or(0, |d| d.and_utc().timestamp());
    }
    0
}

/// `DatesAndTimesRule`: submission and processing dates, `crash_time`,
/// `client_crash_date`, `install_age`, `uptime`, `last_crash`, with
/// Socorro's warnings about missing or odd values.
pub fn dates_and_times(c: &mut Crash<'_>) -> Outcome {
    let submitted = c
        .raw
        .get("submitted_timestamp")
        .cloned()
        .ok_or("KeyError")?;
    c.pc.insert("submitted_timestamp".into(), submitted.clone());
    c.pc.insert("date_processed".into(), submitted.clone());
    let epoch = isoformat_to_time(submitted.as_str().ok_or("TypeError")?);

    // int(raw["CrashTime"][:10]), with Socorro's fallbacks.
    let crash_time = match c.raw.get("CrashTime").cloned() {
        None => {
            c.note("WARNING: raw_crash missing CrashTime");
            Some(epoch as i128)
        }
        Some(Value::String(s)) => {
            let cut: String = s.chars().take(10).collect();
            pyval::parse_int(&cut, 10)
        }
        Some(Value::Array(items)) => {
            let cut = Value::Array(items.into_iter().take(10).collect());
            pyval::to_int(&cut).map_err(|_| "TypeError")?;
            None
        }
        Some(other) => {
            let message = match &other {
                Value::Object(_) => "unhashable type: 'slice'".to_owned(),
                v => format!("'{}' object is not subscriptable", pyval::type_name(v)),
            };
            c.note(format!(
                "WARNING: raw_crash[CrashTime] contains unexpected value: {}; {message}",
                to_str(&other)
            ));
            Some(epoch as i128)
        }
    };
    let crash_time = match crash_time {
        Some(t) => t,
        None => {
            c.note("non-integer value of \"CrashTime\"");
            0
        }
    };
    c.pc.insert("crash_time".into(), int_value(crash_time)?);
    if crash_time == epoch as i128 {
        c.note("client_crash_date is unknown");
    }
    let startup_time = match c.pc.get("startup_time") {
        Some(v) => pyval::to_int(v).map_err(|_| "TypeError")?,
        None => crash_time,
    };
    let install_time = match c.raw.get("InstallTime") {
        None => startup_time,
        Some(v) => match pyval::to_int(v) {
            Ok(t) => t,
            Err(pyval::IntError::Type(_)) => return Err("TypeError"),
            Err(_) => {
                c.note("non-integer value of \"InstallTime\"");
                0
            }
        },
    };
    let seconds = i64::try_from(crash_time).map_err(|_| "OverflowError")?;
    let date = DateTime::<Utc>::from_timestamp(seconds, 0)
        .filter(|d| (1..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or("ValueError")?;
    c.pc.insert(
        "client_crash_date".into(),
        Value::from(date_to_string(date)),
    );
    c.pc.insert(
        "install_age".into(),
        int_value(crash_time.saturating_sub(install_time))?,
    );
    c.pc.insert(
        "uptime".into(),
        int_value(crash_time.saturating_sub(startup_time).max(0))?,
    );
    let last_crash = match c.raw.get("SecondsSinceLastCrash") {
        None => Value::Null,
        Some(v) => match pyval::to_int(v) {
            Ok(n) if n > i128::from(i64::MAX) => {
                c.note("\"SecondsSinceLastCrash\" larger than MAXINT - set to NULL");
                Value::Null
            }
            Ok(n) => int_value(n)?,
            Err(_) => {
                c.note("non-integer value of \"SecondsSinceLastCrash\"");
                Value::Null
            }
        },
    };
    c.pc.insert("last_crash".into(), last_crash);
    Ok(())
}

fn int_value(n: i128) -> Result<Value, super::Raised> {
    super::copy::big_int(n).ok_or("OverflowError")
}

/// `PHCRule`: the probabilistic heap checker's annotations.
pub fn phc(c: &mut Crash<'_>) -> Outcome {
    let Some(kind) = c.raw.get("PHCKind").cloned() else {
        return Ok(());
    };
    c.pc.insert("phc_kind".into(), kind);
    if let Some(base) = c.raw.get("PHCBaseAddress") {
        match pyval::to_int(base) {
            Ok(n) => {
                let hex = if n < 0 {
                    format!("-0x{:x}", n.unsigned_abs())
                } else {
                    format!("0x{n:x}")
                };
                c.pc.insert("phc_base_address".into(), Value::from(hex));
            }
            Err(pyval::IntError::Type(_)) => return Err("TypeError"),
            Err(_) => {}
        }
    }
    if let Some(size) = c.raw.get("PHCUsableSize") {
        match pyval::to_int(size) {
            Ok(n) => {
                c.pc.insert("phc_usable_size".into(), int_value(n)?);
            }
            Err(pyval::IntError::Type(_)) => return Err("TypeError"),
            Err(_) => {}
        }
    }
    for (field, annotation) in [
        ("phc_alloc_stack", "PHCAllocStack"),
        ("phc_free_stack", "PHCFreeStack"),
    ] {
        if let Some(v) = c.raw.get(annotation).cloned() {
            c.pc.insert(field.into(), v);
        }
    }
    Ok(())
}

/// The type names jsonschema uses in its messages.
fn schema_type_ok(value: &Value, kind: &str) -> bool {
    match kind {
        "array" => value.is_array(),
        "object" => value.is_object(),
        "string" => value.is_string(),
        _ => true,
    }
}

/// The first breadcrumbs error as jsonschema reports it (Draft 7: the
/// list, each crumb an object whose named properties are strings, `data`
/// an object).
fn breadcrumbs_error(crumbs: &Value) -> Option<String> {
    let not_of_type = |v: &Value, kind: &str| format!("{} is not of type '{kind}'", repr(v));
    let Value::Array(items) = crumbs else {
        return Some(not_of_type(crumbs, "array"));
    };
    for item in items {
        if !item.is_object() {
            return Some(not_of_type(item, "object"));
        }
        for (key, kind) in [
            ("category", "string"),
            ("data", "object"),
            ("level", "string"),
            ("message", "string"),
            ("timestamp", "string"),
            ("type", "string"),
        ] {
            if let Some(v) = item.get(key) {
                if !schema_type_ok(v, kind) {
                    return Some(not_of_type(v, kind));
                }
            }
        }
    }
    None
}

/// `BreadcrumbsRule`: `Breadcrumbs` decoded (a Sentry `{"values": […]}`
/// unwrapped) and checked, else a note saying why not.
pub fn breadcrumbs(c: &mut Crash<'_>) -> Outcome {
    let Some(text) = c.raw.get("Breadcrumbs").filter(|v| truthy(v)).cloned() else {
        return Ok(());
    };
    let text = text.as_str().ok_or("TypeError")?;
    let mut crumbs: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            c.note("Breadcrumbs: malformed: not valid json");
            return Ok(());
        }
    };
    if let Some(values) = crumbs.get("values").filter(|_| crumbs.is_object()) {
        crumbs = values.clone();
    }
    match breadcrumbs_error(&crumbs) {
        None => {
            c.pc.insert("breadcrumbs".into(), crumbs);
        }
        Some(message) => c.note(format!("Breadcrumbs: malformed: {message}")),
    }
    Ok(())
}

/// `MacBootArgsRule`: the Mac's boot arguments, when there are any.
pub fn mac_boot_args(c: &mut Crash<'_>) -> Outcome {
    let Some(value) = c.json_dump("mac_boot_args").filter(|v| truthy(v)).cloned() else {
        return Ok(());
    };
    let Value::String(text) = &value else {
        let type_name = pyval::type_name(&value);
        c.note(format!(
            "MacBootArgsRule: mac_boot_args is {type_name} and not str"
        ));
        return Ok(());
    };
    let text = strip(text);
    if !text.is_empty() {
        c.pc.insert("mac_boot_args".into(), Value::from(text));
        c.pc.insert("has_mac_boot_args".into(), Value::Bool(true));
    }
    Ok(())
}

/// `MacCrashInfoRule`: the macOS crash info records as sorted JSON text.
pub fn mac_crash_info(c: &mut Crash<'_>) -> Outcome {
    c.pc.remove("mac_crash_info");
    let Some(info) = c.json_dump("mac_crash_info").filter(|v| truthy(v)).cloned() else {
        return Ok(());
    };
    let records = super::dict_get(&info, "num_records")?
        .cloned()
        .unwrap_or(Value::from(0));
    if records.as_f64().ok_or("TypeError")? > 0.0 {
        c.pc.insert("mac_crash_info".into(), Value::from(py_json_dumps(&info)));
    }
    Ok(())
}

/// `MozCrashReasonRule`: `MozCrashReason` kept raw (protected) and
/// sanitized (public: reasons that can carry data are replaced).
pub fn moz_crash_reason(c: &mut Crash<'_>) -> Outcome {
    let Some(reason) = c.raw.get("MozCrashReason").filter(|v| truthy(v)).cloned() else {
        return Ok(());
    };
    c.pc.insert("moz_crash_reason_raw".into(), reason.clone());
    let text = reason.as_str().ok_or("AttributeError")?;
    let sanitized = if [
        "Failed to load module",
        "byte index",
        "do not use eval with system privileges",
    ]
    .iter()
    .any(|p| text.starts_with(p))
    {
        Value::from("sanitized--see moz_crash_reason_raw")
    } else {
        reason
    };
    c.pc.insert("moz_crash_reason".into(), sanitized);
    Ok(())
}

/// `UtilityActorsNameRule`: `UtilityActorsName` split on commas.
pub fn utility_actors_name(c: &mut Crash<'_>) -> Outcome {
    let Some(value) = c.raw.get("UtilityActorsName") else {
        return Ok(());
    };
    let names: Vec<Value> = as_str(value)?
        .split(',')
        .map(strip)
        .filter(|n| !n.is_empty())
        .map(Value::from)
        .collect();
    c.pc.insert("utility_actors_name".into(), Value::Array(names));
    Ok(())
}

/// `DistributionIdRule`: `DistributionID`, else Telemetry's partner
/// distribution id; `mozilla` when blank, `unknown` when absent.
pub fn distribution_id(c: &mut Crash<'_>) -> Outcome {
    let mut id = c.raw.get("DistributionID").cloned().unwrap_or(Value::Null);
    if !truthy(&id) {
        let text = match c.raw.get("TelemetryEnvironment") {
            None => "{}".to_owned(),
            Some(v) => v.as_str().ok_or("TypeError")?.to_owned(),
        };
        let telemetry: Value = serde_json::from_str(&text).unwrap_or(Value::Object(Map::new()));
        id = pyval::glom(&telemetry, "partner.distributionId")
            .cloned()
            .unwrap_or(Value::from("unknown"));
    }
    if !truthy(&id) {
        id = Value::from("mozilla");
    }
    c.pc.insert("distribution_id".into(), id);
    Ok(())
}

/// What `BetaVersionRule` would ask the `VersionString` API about this
/// crash, as (product, channel, build id): Firefox and Thunderbird on the
/// beta and aurora channels, with a build id (an aurora Firefox after
/// 2017-06 is asked about as DevEdition).
pub fn beta_lookup(pc: &Map<String, Value>) -> Option<(String, String, String)> {
    let product = pc.get("product")?.as_str()?;
    let channel = pc.get("release_channel")?.as_str()?.to_lowercase();
    if !matches!(product, "Firefox" | "Thunderbird")
        || !matches!(channel.as_str(), "beta" | "aurora")
    {
        return None;
    }
    let build = strip(pc.get("build")?.as_str()?);
    if build.is_empty() {
        return None;
    }
    let product = if product == "Firefox" && channel == "aurora" && build > "20170601" {
        "DevEdition"
    } else {
        product
    };
    Some((product.to_owned(), channel, build.to_owned()))
}

/// `BetaVersionRule`: Firefox and Thunderbird beta and aurora crashes get
/// their real version from the `VersionString` lookup made for the crash,
/// or `b0` appended with Socorro's note when there is none (no API
/// configured, or the build is unknown). An API that kept failing fails
/// the rule, as Socorro's does, leaving the version as sent.
pub fn beta_version(c: &mut Crash<'_>) -> Outcome {
    let product = c.pc.get("product").cloned().unwrap_or(Value::from(""));
    let channel = match c.pc.get("release_channel") {
        None => String::new(),
        Some(v) => as_str(v)?.to_lowercase(),
    };
    let supported = product == "Firefox" || product == "Thunderbird";
    if !supported || !(channel == "beta" || channel == "aurora") {
        return Ok(());
    }
    if let Some(build) = c.pc.get("build") {
        as_str(build)?;
    }
    if beta_lookup(&c.pc).is_some() {
        match c.beta_version.clone() {
            Some(Answer::Found(version)) => {
                c.pc.insert("version".into(), Value::from(version));
                return Ok(());
            }
            Some(Answer::Failed) => return Err("ConnectionError"),
            Some(Answer::Unknown) | None => {}
        }
    }
    match c.pc.get("version") {
        Some(Value::String(v)) => {
            let v = format!("{v}b0");
            c.pc.insert("version".into(), Value::from(v));
        }
        Some(_) => return Err("TypeError"),
        None => return Err("KeyError"),
    }
    c.note(format!(
        "release channel is {channel} but no version data was found - added \"b0\" suffix to version number"
    ));
    Ok(())
}

const DEFAULT_THEME: &str = "{972ce4c6-7e08-4474-a285-3208198ce6fd}";

/// `ThemePrettyNameRule`: the default theme's id gets its name.
pub fn theme_pretty_name(c: &mut Crash<'_>) -> Outcome {
    let Some(Value::Array(addons)) = c.pc.get_mut("addons") else {
        return Ok(());
    };
    for addon in addons.iter_mut() {
        let Some(text) = addon.as_str() else {
            return Err("AttributeError");
        };
        let renamed = match text.split_once(':') {
            Some((id, version)) if id == DEFAULT_THEME => {
                Some(format!("{DEFAULT_THEME} (default theme):{version}"))
            }
            None if text == DEFAULT_THEME => Some(format!("{DEFAULT_THEME} (default theme)")),
            _ => None,
        };
        if let Some(renamed) = renamed {
            *addon = Value::from(renamed);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addons_are_unquoted_as_python_unquotes_them() {
        assert_eq!(unquote_plus("a%40b+c"), "a@b c");
        assert_eq!(unquote_plus("100%"), "100%");
        assert_eq!(unquote_plus("%zz"), "%zz");
    }

    #[test]
    fn iso_dates_read_as_python_reads_them() {
        assert_eq!(
            isoformat_to_time("2026-11-26T18:06:14.123456+00:00"),
            1795716374
        );
        assert_eq!(isoformat_to_time("2026-11-26T18:06:14"), 1795716374);
        assert_eq!(isoformat_to_time("garbage"), 0);
    }
}
