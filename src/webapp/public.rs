//! What leaves the server without the `view_pii` permission: the fields
//! that Socorro's schemas (`socorro/schemas/raw_crash.schema.yaml`,
//! `processed_crash.schema.yaml`) mark public, as a fixed allow list.
//!
//! Anything not on the list is dropped, so an annotation or field that the
//! list does not know (a new one, a client's own) is protected by default.
//! Within `json_dump` the list follows the schema's tree: frames lose their
//! `registers`, and keys the schema does not describe (rust-minidump's
//! `handles`, `proc_limits`, `thread_id`, …) are dropped; `java_exception`
//! loses each exception's message, which Socorro marks protected. The processed crash's top-level fields are
//! public exactly when the processor's field table says so
//! ([`crate::processed_crash`]); crashkit's own `schema_version` is public.

use serde_json::{Map, Value};

use crate::storage::layout::MAIN_DUMP;

/// The public part of a JSON value.
#[derive(Debug)]
pub enum Allow {
    /// The whole value.
    All,
    /// These keys of an object, each with its own rule.
    Object(&'static [(&'static str, Allow)]),
    /// Each item of a list by this rule.
    List(&'static Allow),
}

use Allow::{All, List, Object};

/// Public annotations of a raw crash, and what the collector adds that is
/// public (`metadata` is not).
pub const RAW_CRASH: &[&str] = &[
    "AbortMessage",
    "Accessibility",
    "AccessibilityClient",
    "AccessibilityInProcClient",
    "AdapterDeviceID",
    "AdapterDriverVersion",
    "AdapterSubsysID",
    "AdapterVendorID",
    "Add-ons",
    "Android_Board",
    "Android_Brand",
    "Android_CPU_ABI",
    "Android_CPU_ABI2",
    "Android_Device",
    "Android_Display",
    "Android_Fingerprint",
    "Android_Hardware",
    "Android_Manufacturer",
    "Android_Model",
    "Android_Version",
    "AppInitDLLs",
    "ApplicationBuildID",
    "AsyncShutdownTimeout",
    "AvailablePageFile",
    "AvailablePhysicalMemory",
    "AvailableVirtualMemory",
    "BackgroundTaskName",
    "BuildID",
    "CoMarshalInterfaceFailure",
    "CoUnmarshalInterfaceResult",
    "ContentSandboxCapabilities",
    "ContentSandboxCapable",
    "ContentSandboxEnabled",
    "ContentSandboxLevel",
    "CPUMicrocodeVersion",
    "CrashTime",
    "DistributionID",
    "DOMFissionEnabled",
    "DOMIPCEnabled",
    "EMCheckCompatibility",
    "GMPPlugin",
    "GraphicsCriticalError",
    "GraphicsStartupTest",
    "HasDeviceTouchScreen",
    "InstallTime",
    "ipc_channel_error",
    "IPCFatalErrorMsg",
    "IPCFatalErrorProtocol",
    "IPCMessageName",
    "IPCMessageSize",
    "IPCShutdownState",
    "IPCSystemError",
    "IsGarbageCollecting",
    "MacAvailableMemorySysctl",
    "MacMemoryPressure",
    "MacMemoryPressureCriticalTime",
    "MacMemoryPressureNormalTime",
    "MacMemoryPressureSysctl",
    "MacMemoryPressureWarningTime",
    "Notes",
    "OOMAllocationSize",
    "PluginFilename",
    "PluginName",
    "PluginVersion",
    "ProcessType",
    "ProductID",
    "ProductName",
    "ReleaseChannel",
    "SafeMode",
    "SecondsSinceLastCrash",
    "ShutdownProgress",
    "StartupCrash",
    "StartupTime",
    "SubmittedFrom",
    "SubmittedFromInfobar",
    "SystemMemoryUsePercentage",
    "TelemetryEnvironment",
    "Throttleable",
    "TotalPageFile",
    "TotalPhysicalMemory",
    "TotalVirtualMemory",
    "UptimeTS",
    "useragent_locale",
    "UtilityActorsName",
    "UtilityProcessSandboxingKind",
    "Vendor",
    "Version",
    "WindowsErrorReporting",
    "Winsock_LSP",
    "XPCOMSpinEventLoopStack",
    "submitted_timestamp",
    "uuid",
    "version",
];

/// Fields the field table marks public whose values are trees with
/// protected parts, cut by their own trees below.
const TREES: &[&str] = &["json_dump", "java_exception"];

/// The public part of `java_exception`: everything but each exception's
/// `value` (its message, which Socorro marks protected).
const JAVA_EXCEPTION: Allow = Object(&[(
    "exception",
    Object(&[(
        "values",
        List(&Object(&[(
            "stacktrace",
            Object(&[("frames", All), ("module", All), ("type", All)]),
        )])),
    )]),
)]);

/// Whether a top-level field of a processed crash is public as a whole:
/// the [field table](crate::processed_crash) says so (crashkit's
/// `schema_version` included), and it is not a tree with protected parts.
/// `json_dump`, `java_exception` and the additional minidumps are cut by
/// their own trees.
pub fn is_public_field(key: &str) -> bool {
    crate::processed_crash::is_public(key) && !TREES.contains(&key)
}

const FRAME: Allow = Object(&[
    ("file", All),
    ("frame", All),
    ("function", All),
    ("function_offset", All),
    (
        "inlines",
        List(&Object(&[("function", All), ("file", All), ("line", All)])),
    ),
    ("line", All),
    ("missing_symbols", All),
    ("module", All),
    ("module_offset", All),
    ("offset", All),
    ("truncated", Object(&[("msg", All)])),
    ("trust", All),
    (
        "unloaded_modules",
        List(&Object(&[("module", All), ("offsets", All)])),
    ),
]);

/// The public tree of `json_dump` (the stackwalker's output).
pub const JSON_DUMP: Allow = Object(&[
    (
        "crash_info",
        Object(&[
            ("address", All),
            ("assertion", All),
            ("crashing_thread", All),
            ("instruction", All),
            (
                "memory_accesses",
                List(&Object(&[("address", All), ("size", All)])),
            ),
            (
                "possible_bit_flips",
                List(&Object(&[
                    ("address", All),
                    ("confidence", All),
                    ("details", All),
                    ("source_register", All),
                ])),
            ),
            ("type", All),
        ]),
    ),
    (
        "crashing_thread",
        Object(&[
            ("frame_count", All),
            ("frames", List(&FRAME)),
            ("last_error_value", All),
            ("thread_name", All),
            ("threads_index", All),
            ("truncated", All),
        ]),
    ),
    (
        "lsb_release",
        Object(&[
            ("codename", All),
            ("description", All),
            ("id", All),
            ("release", All),
        ]),
    ),
    (
        "mac_crash_info",
        Object(&[
            ("num_records", All),
            (
                "records",
                List(&Object(&[
                    ("abort_cause", All),
                    ("backtrace", All),
                    ("dialog_mode", All),
                    ("message", All),
                    ("message2", All),
                    ("module", All),
                    ("signature_string", All),
                    ("thread", All),
                ])),
            ),
        ]),
    ),
    ("main_module", All),
    (
        "modules",
        List(&Object(&[
            ("base_addr", All),
            ("cert_subject", All),
            ("code_id", All),
            ("corrupt_symbols", All),
            ("debug_file", All),
            ("debug_id", All),
            ("end_addr", All),
            ("filename", All),
            ("loaded_symbols", All),
            ("missing_symbols", All),
            ("symbol_url", All),
            ("version", All),
        ])),
    ),
    ("modules_contains_cert_info", All),
    ("pid", All),
    ("status", All),
    (
        "system_info",
        Object(&[
            ("cpu_arch", All),
            ("cpu_count", All),
            ("cpu_info", All),
            ("cpu_microcode_version", All),
            ("os", All),
            ("os_ver", All),
        ]),
    ),
    ("thread_count", All),
    (
        "threads",
        List(&Object(&[
            ("frame_count", All),
            ("frames", List(&FRAME)),
            ("last_error_value", All),
            ("thread_name", All),
            ("truncated", All),
        ])),
    ),
    (
        "unloaded_modules",
        List(&Object(&[
            ("base_addr", All),
            ("end_addr", All),
            ("code_id", All),
            ("filename", All),
            ("cert_subject", All),
        ])),
    ),
]);

/// The public part of an additional minidump's entry
/// (`upload_file_minidump_browser` and the like).
const ADDITIONAL_DUMP: Allow = Object(&[
    ("json_dump", JSON_DUMP),
    ("mdsw_status_string", All),
    ("stackwalk_version", All),
    ("success", All),
]);

/// `value` cut to what `allow` lets through.
pub fn clean(value: &Value, allow: &Allow) -> Value {
    match (allow, value) {
        (All, v) => v.clone(),
        (Object(keys), Value::Object(map)) => Value::Object(
            keys.iter()
                .filter_map(|(k, a)| map.get(*k).map(|v| ((*k).to_owned(), clean(v, a))))
                .collect(),
        ),
        (List(item), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| clean(v, item)).collect())
        }
        // A shape the schema does not expect (a string where an object
        // should be): nothing of it is known to be public.
        (Object(_), _) | (List(_), _) => Value::Null,
    }
}

/// The public fields of a raw crash.
pub fn raw_crash(raw: &Map<String, Value>) -> Map<String, Value> {
    raw.iter()
        .filter(|(k, _)| RAW_CRASH.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The public fields of a processed crash.
pub fn processed_crash(crash: &Map<String, Value>) -> Map<String, Value> {
    let additional: Vec<&str> = crash
        .get("additional_minidumps")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    for (key, value) in crash {
        // An additional minidump's entry (`upload_file_minidump_browser`)
        // holds its stackwalk's log and exit status, which are protected.
        let cleaned = if key.starts_with(MAIN_DUMP) || additional.contains(&key.as_str()) {
            clean(value, &ADDITIONAL_DUMP)
        } else if key == "json_dump" {
            clean(value, &JSON_DUMP)
        } else if key == "java_exception" {
            clean(value, &JAVA_EXCEPTION)
        } else if is_public_field(key) {
            value.clone()
        } else {
            continue;
        };
        out.insert(key.clone(), cleaned);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protected_annotations_and_metadata_are_dropped() {
        let raw = json!({
            "ProductName": "Firefox", "Version": "140.0", "URL": "https://secret.example/",
            "Comments": "my email is x@y", "Email": "x@y", "MyOwnAnnotation": "?",
            "metadata": {"user_agent": "UA"}, "uuid": "u", "submitted_timestamp": "t",
        });
        let public = raw_crash(raw.as_object().unwrap());
        let keys: Vec<&str> = public.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["ProductName", "Version", "submitted_timestamp", "uuid"]
        );
    }

    #[test]
    fn registers_and_unknown_stackwalker_keys_are_dropped() {
        let frame = json!({"function": "f", "module": "m", "registers": {"rip": "0x1"}, "trust": "context"});
        let crash = json!({
            "signature": "f", "user_comments": "secret", "url": "https://x/",
            "json_dump": {
                "crashing_thread": {"frames": [frame], "thread_name": "main", "thread_id": 7},
                "threads": [{"frames": [frame], "thread_id": 7}],
                "handles": [{"name": "/home/me"}], "status": "OK",
                "crash_info": "not an object",
            },
            "additional_minidumps": ["browser"],
            "browser": {"json_dump": {"threads": [{"frames": [frame]}]}, "mdsw_stderr": "/srv/x"},
        });
        let public = processed_crash(crash.as_object().unwrap());
        let text = serde_json::to_string(&public).unwrap();
        for secret in [
            "registers",
            "rip",
            "thread_id",
            "handles",
            "/home/me",
            "secret",
            "https://x/",
            "mdsw_stderr",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(
            public["json_dump"]["crashing_thread"]["frames"][0]["function"],
            "f"
        );
        assert_eq!(public["json_dump"]["crash_info"], Value::Null);
        assert_eq!(
            public["browser"]["json_dump"]["threads"][0]["frames"][0]["module"],
            "m"
        );
    }

    #[test]
    fn search_fields_are_protected_exactly_when_their_source_is() {
        // Public Super Search drops protected fields; the rest of the
        // processed crash it mirrors must agree on which those are.
        let mut protected = 0;
        for field in crate::search::fields::FIELDS {
            assert_eq!(
                field.is_protected(),
                !is_public_field(field.source_key()),
                "{} (from {})",
                field.name,
                field.source
            );
            protected += usize::from(field.is_protected());
        }
        assert_eq!(protected, 15);
    }
}
