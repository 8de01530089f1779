//! The processor rules: Socorro's default ruleset
//! (`socorro/mozilla_rulesets.py`, `DEFAULT_RULESET`), one small function a
//! rule, run in Socorro's order over a [`Crash`]: its raw crash, its dumps,
//! the stackwalk of each minidump and the processed crash being built.
//!
//! The families follow Socorro's modules: [`general`] (clean-up, ids, CPU
//! and OS), [`copy`] (annotations copied with the schema's types),
//! [`breakpad`] (what the stackwalk says), [`mozilla`] (versions, dates,
//! Firefox's annotations), [`stack`] (fields read off the crashing stack,
//! the signature), [`android`], [`java`] and [`memory_report`].
//!
//! As in Socorro's pipeline ([`run`]), a rule that fails (Socorro: raises)
//! adds the note `ruleset 'default' rule '<name>' failed: <exception>` and
//! the others go on; `success` is true once every rule has run. A failure
//! is named by the Python exception Socorro's rule would raise on the same
//! input, so the notes agree.

pub mod android;
pub mod breakpad;
pub mod copy;
pub mod general;
pub mod java;
pub mod memory_report;
pub mod mozilla;
pub mod shape;
pub mod stack;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use crate::signature::Generator;
use crate::storage::{Dumps, RawCrash};

/// The processed crash being built.
pub type ProcessedCrash = Map<String, Value>;

/// A rule failed: the name of the Python exception Socorro's rule raises
/// on the same input (`KeyError`, `TypeError`, `AttributeError`, …).
pub type Raised = &'static str;

/// What a rule returns.
pub type Outcome = Result<(), Raised>;

/// One rule: its Socorro name (module and class) and what it does.
#[derive(Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub act: fn(&mut Crash<'_>) -> Outcome,
}

const fn rule(name: &'static str, act: fn(&mut Crash<'_>) -> Outcome) -> Rule {
    Rule { name, act }
}

/// The default ruleset up to the stackwalk: these rules clean the raw
/// crash that the stackwalker is then given.
pub const BEFORE_STACKWALK: &[Rule] = &[
    rule(
        "socorro.processor.rules.general.DeNullRule",
        general::de_null,
    ),
    rule(
        "socorro.processor.rules.general.DeNoneRule",
        general::de_none,
    ),
    rule(
        "socorro.processor.rules.general.CrashReportKeysRule",
        general::crash_report_keys,
    ),
    rule(
        "socorro.processor.rules.general.CollectorMetadataRule",
        general::collector_metadata,
    ),
    rule(
        "socorro.processor.rules.mozilla.ConvertModuleSignatureInfoRule",
        mozilla::convert_module_signature_info,
    ),
    rule(
        "socorro.processor.rules.mozilla.CopyFromRawCrashRule",
        copy::copy_from_raw_crash,
    ),
    rule(
        "socorro.processor.rules.mozilla.FenixVersionRewriteRule",
        mozilla::fenix_version_rewrite,
    ),
    rule(
        "socorro.processor.rules.mozilla.ESRVersionRewrite",
        mozilla::esr_version_rewrite,
    ),
    rule(
        "socorro.processor.rules.mozilla.SubmittedFromRule",
        mozilla::submitted_from,
    ),
    rule(
        "socorro.processor.rules.general.IdentifierRule",
        general::identifier,
    ),
    rule(
        "socorro.processor.rules.breakpad.MinidumpSha256HashRule",
        breakpad::minidump_sha256_hash,
    ),
];

/// The default ruleset from the stackwalk on.
pub const FROM_STACKWALK: &[Rule] = &[
    rule(
        "socorro.processor.rules.breakpad.MinidumpStackwalkRule",
        breakpad::minidump_stackwalk,
    ),
    rule(
        "socorro.processor.rules.mozilla.ModuleURLRewriteRule",
        breakpad::module_url_rewrite,
    ),
    rule(
        "socorro.processor.rules.breakpad.CrashingThreadInfoRule",
        breakpad::crashing_thread_info,
    ),
    rule(
        "socorro.processor.rules.breakpad.TruncateStacksRule",
        breakpad::truncate_stacks,
    ),
    rule(
        "socorro.processor.rules.breakpad.PossibleBitFlipsRule",
        breakpad::possible_bit_flips,
    ),
    rule(
        "socorro.processor.rules.breakpad.CrashInconsistenciesRule",
        breakpad::crash_inconsistencies,
    ),
    rule(
        "socorro.processor.rules.breakpad.HasGuardPageAccessRule",
        breakpad::has_guard_page_access,
    ),
    rule(
        "socorro.processor.rules.mozilla.MajorVersionRule",
        mozilla::major_version,
    ),
    rule(
        "socorro.processor.rules.mozilla.PluginRule",
        mozilla::plugin,
    ),
    rule(
        "socorro.processor.rules.mozilla.ProcessTypeRule",
        mozilla::process_type,
    ),
    rule(
        "socorro.processor.rules.mozilla.AccessibilityRule",
        mozilla::accessibility,
    ),
    rule(
        "socorro.processor.rules.mozilla.AddonsRule",
        mozilla::addons,
    ),
    rule(
        "socorro.processor.rules.mozilla.DatesAndTimesRule",
        mozilla::dates_and_times,
    ),
    rule(
        "socorro.processor.rules.mozilla.OutOfMemoryBinaryRule",
        memory_report::out_of_memory_binary,
    ),
    rule("socorro.processor.rules.mozilla.PHCRule", mozilla::phc),
    rule(
        "socorro.processor.rules.mozilla.BreadcrumbsRule",
        mozilla::breadcrumbs,
    ),
    rule(
        "socorro.processor.rules.java.JavaStackTraceRule",
        java::java_stack_trace,
    ),
    rule(
        "socorro.processor.rules.mozilla.MacBootArgsRule",
        mozilla::mac_boot_args,
    ),
    rule(
        "socorro.processor.rules.mozilla.MacCrashInfoRule",
        mozilla::mac_crash_info,
    ),
    rule(
        "socorro.processor.rules.mozilla.MozCrashReasonRule",
        mozilla::moz_crash_reason,
    ),
    rule(
        "socorro.processor.rules.mozilla.UtilityActorsNameRule",
        mozilla::utility_actors_name,
    ),
    rule(
        "socorro.processor.rules.mozilla.ReportTypeRule",
        stack::report_type,
    ),
    rule(
        "socorro.processor.rules.general.CPUInfoRule",
        general::cpu_info,
    ),
    rule(
        "socorro.processor.rules.android.AndroidCPUInfoRule",
        android::android_cpu_info,
    ),
    rule(
        "socorro.processor.rules.mozilla.DistributionIdRule",
        mozilla::distribution_id,
    ),
    rule(
        "socorro.processor.rules.general.OSInfoRule",
        general::os_info,
    ),
    rule(
        "socorro.processor.rules.android.AndroidOSInfoRule",
        android::android_os_info,
    ),
    rule(
        "socorro.processor.rules.mozilla.PlatformInfoRule",
        general::platform_info,
    ),
    rule(
        "socorro.processor.rules.mozilla.BetaVersionRule",
        mozilla::beta_version,
    ),
    rule(
        "socorro.processor.rules.mozilla.OSPrettyVersionRule",
        general::os_pretty_version,
    ),
    rule(
        "socorro.processor.rules.mozilla.TopMostFilesRule",
        stack::topmost_files,
    ),
    rule(
        "socorro.processor.rules.mozilla.ModulesInStackRule",
        stack::modules_in_stack,
    ),
    rule(
        "socorro.processor.rules.mozilla.MissingSymbolsRule",
        stack::missing_symbols,
    ),
    rule(
        "socorro.processor.rules.mozilla.ThemePrettyNameRule",
        mozilla::theme_pretty_name,
    ),
    rule(
        "socorro.processor.rules.memory_report_extraction.MemoryReportExtraction",
        memory_report::memory_report_extraction,
    ),
    rule(
        "socorro.processor.rules.mozilla.SoftErrorsRule",
        breakpad::soft_errors,
    ),
    rule(
        "socorro.processor.rules.breakpad.ThreadCountRule",
        breakpad::thread_count,
    ),
    rule(
        "socorro.processor.rules.mozilla.SignatureGeneratorRule",
        stack::signature_generator,
    ),
    rule(
        "socorro.processor.rules.mozilla.ShutDownHangCrashingThreadRule",
        stack::shutdown_hang_crashing_thread,
    ),
];

/// The `regenerate_signature` ruleset.
pub const REGENERATE_SIGNATURE: &[Rule] = &[rule(
    "socorro.processor.rules.mozilla.SignatureGeneratorRule",
    stack::signature_generator,
)];

/// What the rules need besides the crash.
pub struct Context<'a> {
    pub generator: &'a Generator,
    /// The host named in the first processor note.
    pub hostname: &'a str,
    /// What `stackwalk_version` says.
    pub stackwalk_version: &'a str,
}

/// How one dump was stackwalked, as `MinidumpStackwalkRule` reads it.
#[derive(Debug, Clone)]
pub struct Stackwalk {
    /// The `json_dump`: the whole output (`written` is `None`), or, when
    /// `written` holds the output as JSON, a skeleton of what rules read.
    pub json_dump: Value,
    /// The `json_dump` as written by crashkit's writer, which has already
    /// cut long stacks and rewritten symbol URLs as the rules would.
    pub written: Option<Vec<u8>>,
    /// For a written `json_dump`: each stack the writer cut, as
    /// (path below `json_dump`, frames before, frames after).
    pub cut: Vec<(String, usize, usize)>,
    /// The stackwalker's exit status (0: the dump could be read).
    pub return_code: i64,
    /// What the stackwalker logged.
    pub log: String,
    /// What crashkit did to the dump before walking it (a hostile stream
    /// blanked, [`crate::process::guard`]), as processor notes.
    pub notes: Vec<String>,
}

impl Stackwalk {
    /// A walk that read the dump, given as the stackwalker's whole JSON
    /// (as minidump-stackwalk hands it to Socorro's processor).
    pub fn of_json(json_dump: Value) -> Stackwalk {
        Stackwalk {
            json_dump,
            written: None,
            cut: Vec::new(),
            return_code: 0,
            log: String::new(),
            notes: Vec::new(),
        }
    }
}

/// One crash going through the rules.
pub struct Crash<'a> {
    pub raw: RawCrash,
    pub dumps: &'a Dumps,
    pub pc: ProcessedCrash,
    notes: Vec<String>,
    /// Stackwalks by dump name, taken by `MinidumpStackwalkRule`.
    pub walks: BTreeMap<String, Stackwalk>,
    /// `json_dump`s written as JSON, by their path (`json_dump`,
    /// `upload_file_minidump_browser.json_dump`).
    pub written: BTreeMap<String, Vec<u8>>,
    /// What the `VersionString` API said about this crash's beta build,
    /// asked before the rules that need it run ([`mozilla::beta_lookup`]).
    pub beta_version: Option<crate::process::version_string::Answer>,
    /// The stacks the writer cut in each written `json_dump`.
    pub cuts: BTreeMap<String, Vec<(String, usize, usize)>>,
    pub ctx: &'a Context<'a>,
}

impl<'a> Crash<'a> {
    /// A crash about to be processed, as Socorro's pipeline starts one: no
    /// success yet, the start time, the first note, a placeholder signature.
    pub fn start(
        raw: RawCrash,
        dumps: &'a Dumps,
        ctx: &'a Context<'a>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut pc = ProcessedCrash::new();
        pc.insert("success".into(), Value::Bool(false));
        pc.insert("started_datetime".into(), Value::from(date_to_string(now)));
        pc.insert(
            "signature".into(),
            Value::from("EMPTY: crash failed to process"),
        );
        Crash {
            raw,
            dumps,
            pc,
            notes: vec![format!(
                ">>> Start processing: {} ({})",
                python_datetime(now),
                ctx.hostname
            )],
            walks: BTreeMap::new(),
            written: BTreeMap::new(),
            cuts: BTreeMap::new(),
            beta_version: None,
            ctx,
        }
    }

    /// Adds a processor note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Runs `rules` in order; a rule that fails is noted and the next runs.
    pub fn run(&mut self, ruleset: &str, rules: &[Rule]) {
        for rule in rules {
            if let Err(raised) = (rule.act)(self) {
                tracing::debug!("rule {} failed: {raised}", rule.name);
                self.note(format!(
                    "ruleset '{ruleset}' rule '{}' failed: {raised}",
                    rule.name
                ));
            }
        }
    }

    /// Ends processing as Socorro's pipeline does: success, the notes,
    /// the earlier runs' notes in `processor_history` (newest first), the
    /// completion time.
    pub fn finish(
        mut self,
        history: Vec<Value>,
        now: DateTime<Utc>,
    ) -> (ProcessedCrash, BTreeMap<String, Vec<u8>>) {
        self.pc.insert("success".into(), Value::Bool(true));
        self.pc
            .insert("processor_history".into(), Value::Array(history));
        self.pc
            .insert("processor_notes".into(), Value::from(self.notes.join("\n")));
        self.pc.insert(
            "completed_datetime".into(),
            Value::from(date_to_string(now)),
        );
        (self.pc, self.written)
    }

    /// `glom(processed_crash, "json_dump.<path>")`.
    pub fn json_dump(&self, path: &str) -> Option<&Value> {
        crate::signature::pyval::glom(self.pc.get("json_dump")?, path)
    }
}

/// The `processor_history` of a new run: the previous run's history with
/// its notes put first, when it had any (Socorro keeps notes only).
pub fn history(previous_history: Value, previous_notes: &Value) -> Vec<Value> {
    let mut history = match previous_history {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    if crate::signature::pyval::truthy(previous_notes) {
        history.insert(0, previous_notes.clone());
    }
    history
}

/// Socorro's `date_to_string`: `2026-11-26T18:06:14+00:00`, no fraction.
pub fn date_to_string(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Python's `str(datetime)` of a UTC time: `2026-11-26 18:06:14.123456+00:00`,
/// the fraction left out when it is zero.
pub fn python_datetime(t: DateTime<Utc>) -> String {
    if t.timestamp_subsec_micros() == 0 {
        t.format("%Y-%m-%d %H:%M:%S+00:00").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
    }
}

/// Python's `json.dumps(value)`: `, ` and `: ` separators, non-ASCII
/// escaped, keys sorted (crashkit's maps keep them sorted, and the JSON
/// Socorro reads was written sorted, so its order is the same; with
/// `sort_keys=True` it is so by definition).
pub fn py_json_dumps(value: &Value) -> String {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::String(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                            let mut buf = [0u16; 2];
                            for unit in c.encode_utf16(&mut buf) {
                                out.push_str(&format!("\\u{unit:04x}"));
                            }
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(&Value::from(k.as_str()), out);
                    out.push_str(": ");
                    write(v, out);
                }
                out.push('}');
            }
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(_) => out.push_str(&crate::signature::pyval::repr(value)),
        }
    }
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// `value.get(key)` where `value` may not be a dict: `AttributeError`.
pub fn dict_get<'v>(value: &'v Value, key: &str) -> Result<Option<&'v Value>, Raised> {
    match value {
        Value::Object(map) => Ok(map.get(key)),
        _ => Err("AttributeError"),
    }
}

/// A Python `str` value, else the exception a string method raises on it.
pub fn as_str(value: &Value) -> Result<&str, Raised> {
    value.as_str().ok_or("AttributeError")
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;

    #[test]
    fn the_default_ruleset_has_socorros_fifty_rules() {
        assert_eq!(BEFORE_STACKWALK.len() + FROM_STACKWALK.len(), 50);
        let mut names: Vec<&str> = BEFORE_STACKWALK
            .iter()
            .chain(FROM_STACKWALK)
            .map(|r| r.name)
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 50, "no rule twice");
    }

    #[test]
    fn times_are_written_as_socorro_writes_them() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T18:06:14.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date_to_string(t), "2026-11-26T18:06:14+00:00");
        assert_eq!(python_datetime(t), "2026-11-26 18:06:14.123456+00:00");
    }

    #[test]
    fn history_puts_the_previous_notes_first() {
        let h = history(serde_json::json!(["older"]), &Value::from("newer"));
        assert_eq!(h, vec![Value::from("newer"), Value::from("older")]);
        assert_eq!(history(Value::Null, &Value::from("")), Vec::<Value>::new());
    }
}
