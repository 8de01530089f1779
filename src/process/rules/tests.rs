//! One small case (or a few) per rule, on hand-made inputs: what each
//! rule writes, what it notes, and where it fails as Socorro's does. The
//! differential test (tests/it/rules.rs) compares whole crashes with
//! Socorro's own processor.

use serde_json::{json, Map, Value};

use super::*;
use crate::signature::Generator;

fn context(generator: &Generator) -> Context<'_> {
    Context {
        generator,
        hostname: "test",
        stackwalk_version: "test",
    }
}

/// Runs `act` on a crash made of `raw` and `pc`; the processed crash and
/// the notes it added come back, or the exception it raised.
fn run_rule(
    act: fn(&mut Crash<'_>) -> Outcome,
    raw: Value,
    pc: Value,
) -> Result<(Map<String, Value>, Vec<String>), Raised> {
    run_with_dumps(act, raw, pc, &Dumps::new())
}

fn run_with_dumps(
    act: fn(&mut Crash<'_>) -> Outcome,
    raw: Value,
    pc: Value,
    dumps: &Dumps,
) -> Result<(Map<String, Value>, Vec<String>), Raised> {
    let generator = Generator::builtin();
    let ctx = context(&generator);
    let Value::Object(raw) = raw else {
        panic!("raw")
    };
    let mut crash = Crash::start(raw, dumps, &ctx, chrono::Utc::now());
    crash.pc = match pc {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    crash.notes.clear();
    act(&mut crash)?;
    Ok((crash.pc, crash.notes))
}

fn field(result: &Result<(Map<String, Value>, Vec<String>), Raised>, key: &str) -> Value {
    result
        .as_ref()
        .unwrap()
        .0
        .get(key)
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn de_null_and_de_none_clean_the_raw_crash() {
    let generator = Generator::builtin();
    let ctx = context(&generator);
    let dumps = Dumps::new();
    let raw = json!({"A\u{0}": "plain", "B\u{0}": "x\u{0}y", "C": "z\u{0}", "D": null});
    let mut crash = Crash::start(
        raw.as_object().unwrap().clone(),
        &dumps,
        &ctx,
        chrono::Utc::now(),
    );
    general::de_null(&mut crash).unwrap();
    general::de_none(&mut crash).unwrap();
    // A name with NULs and a clean value is dropped, as in Socorro.
    assert_eq!(Value::Object(crash.raw), json!({"B": "xy", "C": "z"}));
}

#[test]
fn process_type_accessibility_and_plugins() {
    let r = run_rule(
        mozilla::process_type,
        json!({"ProcessType": "main"}),
        json!({}),
    );
    assert_eq!(field(&r, "process_type"), "parent");
    let r = run_rule(mozilla::process_type, json!({}), json!({}));
    assert_eq!(field(&r, "process_type"), "parent");
    let r = run_rule(
        mozilla::accessibility,
        json!({"Accessibility": "Active"}),
        json!({}),
    );
    assert_eq!(field(&r, "accessibility"), true);
    let r = run_rule(
        mozilla::plugin,
        json!({"ProcessType": "plugin", "PluginName": "P"}),
        json!({}),
    );
    assert_eq!(field(&r, "plugin_name"), "P");
    assert_eq!(field(&r, "plugin_filename"), "");
}

#[test]
fn versions_are_rewritten_as_socorro_rewrites_them() {
    let r = run_rule(
        mozilla::esr_version_rewrite,
        json!({}),
        json!({"release_channel": "esr", "version": "128.5.0"}),
    );
    assert_eq!(field(&r, "version"), "128.5.0esr");
    let r = run_rule(
        mozilla::esr_version_rewrite,
        json!({}),
        json!({"release_channel": "esr"}),
    );
    assert_eq!(
        r.unwrap().1,
        ["'version' missing from esr release processed_crash"]
    );
    let pc = json!({"product_name": "Fenix", "version": "Nightly 200101 06:01"});
    let r = run_rule(mozilla::fenix_version_rewrite, json!({}), pc);
    assert_eq!(field(&r, "version"), "0.0a1");
    let r = run_rule(
        mozilla::major_version,
        json!({"Version": "147.0b3"}),
        json!({}),
    );
    assert_eq!(field(&r, "major_version"), 147);
    let r = run_rule(mozilla::major_version, json!({"Version": "x"}), json!({}));
    assert_eq!(field(&r, "major_version"), 0);
    let beta = json!({"product": "Firefox", "release_channel": "Beta", "version": "147.0", "build": "20261120"});
    let r = run_rule(mozilla::beta_version, json!({}), beta.clone());
    assert_eq!(field(&r, "version"), "147.0b0");
    assert!(r.unwrap().1[0].starts_with("release channel is beta but no version data"));
    assert_eq!(
        mozilla::beta_lookup(beta.as_object().unwrap()),
        Some(("Firefox".into(), "beta".into(), "20261120".into()))
    );
    let aurora = json!({"product": "Firefox", "release_channel": "aurora", "build": "20180101"});
    assert_eq!(
        mozilla::beta_lookup(aurora.as_object().unwrap()).unwrap().0,
        "DevEdition"
    );
}

#[test]
fn dates_and_times_follow_socorros_fallbacks() {
    let raw = json!({"submitted_timestamp": "2026-11-26T18:06:14.123456+00:00",
        "CrashTime": "1795716300", "InstallTime": "x", "SecondsSinceLastCrash": "60"});
    let r = run_rule(
        mozilla::dates_and_times,
        raw,
        json!({"startup_time": 1795716000}),
    );
    assert_eq!(field(&r, "uptime"), 300);
    assert_eq!(field(&r, "install_age"), 1795716300i64);
    assert_eq!(field(&r, "last_crash"), 60);
    assert_eq!(field(&r, "client_crash_date"), "2026-11-26T18:05:00+00:00");
    assert_eq!(r.unwrap().1, ["non-integer value of \"InstallTime\""]);
    let r = run_rule(mozilla::dates_and_times, json!({}), json!({}));
    assert_eq!(r.unwrap_err(), "KeyError");
}

#[test]
fn addons_phc_breadcrumbs_and_reasons() {
    let r = run_rule(
        mozilla::addons,
        json!({"Add-ons": "a%40b:1,c", "EMCheckCompatibility": "True"}),
        json!({}),
    );
    assert_eq!(field(&r, "addons"), json!(["a@b:1", "c:NO_VERSION"]));
    assert_eq!(field(&r, "addons_checked"), true);
    let r = run_rule(
        mozilla::phc,
        json!({"PHCKind": "FreedPage", "PHCBaseAddress": "255", "PHCUsableSize": "x"}),
        json!({}),
    );
    assert_eq!(field(&r, "phc_base_address"), "0xff");
    assert_eq!(field(&r, "phc_usable_size"), Value::Null);
    let r = run_rule(
        mozilla::breadcrumbs,
        json!({"Breadcrumbs": "[{\"message\": 5}]"}),
        json!({}),
    );
    assert_eq!(
        r.unwrap().1,
        ["Breadcrumbs: malformed: 5 is not of type 'string'"]
    );
    let r = run_rule(
        mozilla::moz_crash_reason,
        json!({"MozCrashReason": "Failed to load module x"}),
        json!({}),
    );
    assert_eq!(
        field(&r, "moz_crash_reason"),
        "sanitized--see moz_crash_reason_raw"
    );
    assert_eq!(field(&r, "moz_crash_reason_raw"), "Failed to load module x");
    let r = run_rule(
        mozilla::utility_actors_name,
        json!({"UtilityActorsName": "a, ,b"}),
        json!({}),
    );
    assert_eq!(field(&r, "utility_actors_name"), json!(["a", "b"]));
    let r = run_rule(
        mozilla::submitted_from,
        json!({"SubmittedFromInfobar": "true"}),
        json!({}),
    );
    assert_eq!(
        (
            field(&r, "submitted_from"),
            field(&r, "submitted_from_infobar")
        ),
        (json!("Infobar"), json!(true))
    );
}

#[test]
fn distribution_id_and_theme_name() {
    let r = run_rule(mozilla::distribution_id, json!({}), json!({}));
    assert_eq!(field(&r, "distribution_id"), "unknown");
    let telemetry = json!({"TelemetryEnvironment": "{\"partner\": {\"distributionId\": null}}"});
    let r = run_rule(mozilla::distribution_id, telemetry, json!({}));
    assert_eq!(field(&r, "distribution_id"), "mozilla");
    let pc = json!({"addons": ["{972ce4c6-7e08-4474-a285-3208198ce6fd}:1.0"]});
    let r = run_rule(mozilla::theme_pretty_name, json!({}), pc);
    assert_eq!(
        field(&r, "addons")[0],
        "{972ce4c6-7e08-4474-a285-3208198ce6fd} (default theme):1.0"
    );
}

#[test]
fn mac_fields_come_from_the_stackwalk() {
    let pc = json!({"json_dump": {"mac_boot_args": " -v ", "mac_crash_info": {"num_records": 1, "records": [{"b": 1, "a": "é"}]}}});
    let r = run_rule(mozilla::mac_boot_args, json!({}), pc.clone());
    assert_eq!(
        (field(&r, "mac_boot_args"), field(&r, "has_mac_boot_args")),
        (json!("-v"), json!(true))
    );
    let r = run_rule(mozilla::mac_crash_info, json!({}), pc);
    assert_eq!(
        field(&r, "mac_crash_info"),
        "{\"num_records\": 1, \"records\": [{\"a\": \"\\u00e9\", \"b\": 1}]}"
    );
}

#[test]
fn android_fills_cpu_and_os_when_the_dump_does_not() {
    let raw = json!({"Android_CPU_ABI": "armeabi-v7a", "Android_Version": "34 (REL)"});
    let r = run_rule(
        android::android_cpu_info,
        raw.clone(),
        json!({"cpu_arch": "unknown"}),
    );
    assert_eq!(field(&r, "cpu_arch"), "arm");
    let r = run_rule(android::android_os_info, raw, json!({"os_name": "Unknown"}));
    assert_eq!(
        (field(&r, "os_name"), field(&r, "os_version")),
        (json!("Android"), json!("34"))
    );
    let r = run_rule(
        general::os_pretty_version,
        json!({}),
        json!({"os_name": "Android", "os_version": "34"}),
    );
    assert_eq!(field(&r, "os_pretty_version"), "Android 34");
}

#[test]
fn cpu_and_os_come_from_the_stackwalk_then_annotations() {
    let pc =
        json!({"json_dump": {"system_info": {"os": " Linux ", "os_ver": "6.8", "cpu_count": 4}}});
    let r = run_rule(general::os_info, json!({}), pc.clone());
    assert_eq!(field(&r, "os_name"), "Linux");
    let r = run_rule(general::cpu_info, json!({}), pc);
    assert_eq!(
        (field(&r, "cpu_arch"), field(&r, "cpu_count")),
        (json!("unknown"), json!(4))
    );
    let raw = json!({"CPUArchitecture": " x86 ", "OS": "Windows NT"});
    let r = run_rule(
        general::platform_info,
        raw,
        json!({"cpu_arch": "unknown", "os_name": "Unknown"}),
    );
    assert_eq!(
        (field(&r, "cpu_arch"), field(&r, "os_name")),
        (json!("x86"), json!("Windows NT"))
    );
}

fn stack_crash() -> Value {
    json!({
        "crashing_thread": 0,
        "json_dump": {
            "crash_info": {"crashing_thread": 0, "type": "SIGSEGV", "address": "0x0000000000000010",
                "adjusted_address": {"kind": "null-pointer", "offset": "0x10"},
                "possible_bit_flips": [{"confidence": 0.29}, {"confidence": 0.5}],
                "memory_accesses": [{"is_likely_guard_page": true}]},
            "crashing_thread": {"thread_name": "Main", "last_error_value": "ERROR_X"},
            "thread_count": 2,
            "soft_errors": [{"x": "é"}],
            "threads": [{"frames": [
                {"module": "xul.dll", "function": "mozilla::RunWatchdog", "inlines": [{"file": "a.h"}]},
                {"module": "ntdll.dll", "file": "b.cpp"}
            ]}],
            "modules": [
                {"filename": "xul.dll", "debug_id": "ABC-0", "code_id": "C0", "version": "1/2", "missing_symbols": true},
                {"filename": "ntdll.dll", "debug_id": "DEF0", "missing_symbols": false}
            ]
        }
    })
}

#[test]
fn the_crashing_stack_gives_its_fields() {
    let r = run_rule(breakpad::crashing_thread_info, json!({}), stack_crash());
    assert_eq!(field(&r, "address"), "0x0000000000000000");
    assert_eq!(field(&r, "crashing_thread_name"), "Main");
    assert_eq!(field(&r, "last_error_value"), "ERROR_X");
    let r = run_rule(breakpad::possible_bit_flips, json!({}), stack_crash());
    assert_eq!(field(&r, "possible_bit_flips_max_confidence"), 50);
    let r = run_rule(breakpad::has_guard_page_access, json!({}), stack_crash());
    assert_eq!(field(&r, "has_guard_page_access"), true);
    let r = run_rule(breakpad::thread_count, json!({}), stack_crash());
    assert_eq!(field(&r, "thread_count"), 2);
    let r = run_rule(breakpad::soft_errors, json!({}), stack_crash());
    assert_eq!(field(&r, "soft_errors"), "[{\"x\": \"\\u00e9\"}]");
    let r = run_rule(stack::report_type, json!({}), stack_crash());
    assert_eq!(field(&r, "report_type"), "hang");
    let r = run_rule(stack::topmost_files, json!({}), stack_crash());
    assert_eq!(field(&r, "topmost_filenames"), "a.h");
    let r = run_rule(stack::modules_in_stack, json!({}), stack_crash());
    assert_eq!(field(&r, "modules_in_stack"), "ntdll.dll/DEF0;xul.dll/ABC0");
    let r = run_rule(stack::missing_symbols, json!({}), stack_crash());
    assert_eq!(field(&r, "missing_symbols"), "xul.dll/1\\/2/ABC0/C0");
    let r = run_rule(
        stack::shutdown_hang_crashing_thread,
        json!({}),
        json!({"signature": "shutdownhang | x", "crashing_thread": 5}),
    );
    assert_eq!(field(&r, "crashing_thread"), 0);
}

#[test]
fn the_signature_rule_writes_signature_proto_signature_and_debug() {
    let pc = json!({"json_dump": {"crash_info": {"crashing_thread": 0},
        "threads": [{"frames": [{"function": "f", "module": "m"}, {"function": "g", "module": "m"}]}]}});
    let r = run_rule(stack::signature_generator, json!({}), pc);
    assert_eq!(field(&r, "signature"), "f");
    assert_eq!(field(&r, "proto_signature"), "f | g");
    let debug = field(&r, "signature_debug");
    assert!(
        debug
            .as_str()
            .unwrap()
            .starts_with("SignatureGenerationRule: using CSignatureTool\n"),
        "{debug}"
    );
    assert!(
        debug
            .as_str()
            .unwrap()
            .contains("change signature: \"\" -> \"f\""),
        "{debug}"
    );
}

#[test]
fn a_failing_rule_is_noted_and_the_next_runs() {
    let generator = Generator::builtin();
    let ctx = context(&generator);
    let dumps = Dumps::new();
    let mut crash = Crash::start(Map::new(), &dumps, &ctx, chrono::Utc::now());
    crash.run(
        "default",
        &[
            rule(
                "socorro.processor.rules.mozilla.DatesAndTimesRule",
                mozilla::dates_and_times,
            ),
            rule(
                "socorro.processor.rules.mozilla.ProcessTypeRule",
                mozilla::process_type,
            ),
        ],
    );
    let (pc, _) = crash.finish(Vec::new(), chrono::Utc::now());
    let notes = pc["processor_notes"].as_str().unwrap();
    assert!(notes.ends_with("ruleset 'default' rule 'socorro.processor.rules.mozilla.DatesAndTimesRule' failed: KeyError"), "{notes}");
    assert_eq!(pc["process_type"], "parent");
    assert_eq!(pc["success"], true);
}

#[test]
fn memory_reports_are_read_and_measured_for_the_crashing_process() {
    use std::io::Write;
    let report = json!({"version": 1, "hasMozMallocUsableSize": true, "reports": [
        {"process": "Main (pid 7)", "path": "heap-allocated", "kind": 2, "units": 0, "amount": 100},
        {"process": "Main (pid 7)", "path": "explicit/a", "kind": 1, "units": 0, "amount": 30},
        {"process": "Main (pid 7)", "path": "explicit/images/b", "kind": 0, "units": 0, "amount": 5},
        {"process": "Other (pid 8)", "path": "resident", "kind": 2, "units": 0, "amount": 1}]});
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(report.to_string().as_bytes()).unwrap();
    let mut dumps = Dumps::new();
    dumps.insert("memory_report".into(), gz.finish().unwrap().into());
    let r = run_with_dumps(
        memory_report::out_of_memory_binary,
        json!({}),
        json!({}),
        &dumps,
    );
    assert_eq!(field(&r, "memory_report"), report);
    let pc = json!({"memory_report": report, "json_dump": {"pid": 7}});
    let r = run_rule(memory_report::memory_report_extraction, json!({}), pc);
    let measures = field(&r, "memory_measures");
    assert_eq!(measures["heap_unclassified"], 70);
    assert_eq!(measures["explicit"], 105);
    assert_eq!(measures["images"], 5);
    dumps.insert("memory_report".into(), b"not gzip".to_vec().into());
    let r = run_with_dumps(
        memory_report::out_of_memory_binary,
        json!({}),
        json!({}),
        &dumps,
    );
    assert!(field(&r, "memory_report_error")
        .as_str()
        .unwrap()
        .starts_with("error in gzip"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Any JSON value a client's annotation may hold, odd ones first.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            ".{0,40}".prop_map(Value::from),
            "[0-9 ._+-]{0,25}".prop_map(Value::from),
            Just(Value::from("99999999999999999999999999")),
            Just(Value::from("\tat \n\u{0}Caused by:")),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z_]{0,12}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Every annotation some rule reads, and a few it does not.
    const ANNOTATIONS: &[&str] = &[
        "uuid",
        "submitted_timestamp",
        "metadata",
        "ProductName",
        "Version",
        "ReleaseChannel",
        "BuildID",
        "ProcessType",
        "CrashTime",
        "StartupTime",
        "InstallTime",
        "SecondsSinceLastCrash",
        "Add-ons",
        "EMCheckCompatibility",
        "PHCKind",
        "PHCBaseAddress",
        "PHCUsableSize",
        "Breadcrumbs",
        "JavaStackTrace",
        "JavaException",
        "TelemetryEnvironment",
        "MozCrashReason",
        "UtilityActorsName",
        "DistributionID",
        "Android_CPU_ABI",
        "Android_Version",
        "OS",
        "OSVersion",
        "CPUArchitecture",
        "CPUInfo",
        "LinuxLSBDescription",
        "ModuleSignatureInfo",
        "SubmittedFrom",
        "SubmittedFromInfobar",
        "Accessibility",
        "PluginName",
        "StartupCrash",
        "UptimeTS",
        "AvailablePageFile",
        "ipc_channel_error",
        "AsyncShutdownTimeout",
        "OOMAllocationSize",
        "Hang",
        "bad key\u{0}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// A raw crash of any values (a client controls them all) goes
        /// through the whole ruleset: rules fail with notes, never panic.
        #[test]
        fn any_raw_crash_goes_through_every_rule(
            values in prop::collection::vec((0..ANNOTATIONS.len(), any_value()), 0..20),
            json_dump in any_value(),
        ) {
            let generator = Generator::builtin();
            let ctx = context(&generator);
            let raw: Map<String, Value> = values
                .into_iter()
                .map(|(i, v)| (ANNOTATIONS[i].to_owned(), v))
                .collect();
            let mut dumps = Dumps::new();
            dumps.insert("upload_file_minidump".into(), b"MDMP".to_vec().into());
            let mut crash = Crash::start(raw, &dumps, &ctx, chrono::Utc::now());
            crash.run("default", BEFORE_STACKWALK);
            crash.walks.insert("upload_file_minidump".into(), Stackwalk::of_json(json_dump));
            crash.run("default", FROM_STACKWALK);
            let (pc, _) = crash.finish(Vec::new(), chrono::Utc::now());
            prop_assert_eq!(&pc["success"], &Value::Bool(true));
        }
    }
}
