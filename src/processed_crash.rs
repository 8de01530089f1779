//! The processed crash's fields: one table that names every top-level
//! field of Socorro's processed crash (`processed_crash.schema.yaml`) with
//! its type, whether it is public or protected, the crash annotation it is
//! copied from (if any) and what it means.
//!
//! Everything that must agree on fields reads this table: the processor's
//! `CopyFromRawCrashRule` (which annotations to copy, how to coerce them),
//! the API's and pages' public allow list (a protected field never leaves
//! without `view_pii`), and `docs/processed-crash.md`, generated from it.
//! A test checks the table against Socorro's schema, field by field.
//!
//! crashkit adds one field of its own, [`SCHEMA_VERSION_FIELD`].

/// Version of crashkit's processed-crash format: 2 is Socorro's whole
/// processed crash (its 50 rules); 1 was crashkit's earlier subset
/// (`reprocess --ruleset default` brings those to this shape).
pub const SCHEMA_VERSION: u64 = 2;

/// A field's JSON type (the first non-null type of the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Integer,
    /// A float (JSON Schema's `number`).
    Number,
    Boolean,
    Object,
    Array,
}

impl Kind {
    /// The name JSON Schema gives it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Object => "object",
            Kind::Array => "array",
        }
    }
}

/// Who may see a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Everyone.
    Public,
    /// Only callers with `view_pii`.
    Protected,
}

/// A default written when the annotation a field is copied from is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    False,
}

/// One top-level field of the processed crash.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Whether `null` is a valid value.
    pub nullable: bool,
    pub permission: Permission,
    /// The crash annotation `CopyFromRawCrashRule` copies it from.
    pub annotation: Option<&'static str>,
    pub default: Option<Default>,
    pub description: &'static str,
}

const fn field(
    name: &'static str,
    kind: Kind,
    nullable: bool,
    permission: Permission,
    annotation: Option<&'static str>,
    default: Option<Default>,
    description: &'static str,
) -> Field {
    Field {
        name,
        kind,
        nullable,
        permission,
        annotation,
        default,
        description,
    }
}

/// crashkit's own field: the version of its processed-crash format.
pub const SCHEMA_VERSION_FIELD: Field = field(
    "schema_version",
    Kind::Integer,
    false,
    Permission::Public,
    None,
    None,
    "crashkit's processed-crash format version (crashkit's own field).",
);

use Permission::{Protected, Public};

/// Every field of Socorro's processed crash, in the schema's order (the
/// order `CopyFromRawCrashRule` copies in, which its notes follow).
pub static FIELDS: &[Field] = &[
    field("adapter_device_id", Kind::String, false, Public, Some("AdapterDeviceID"), None, "The AdapterDeviceID crash annotation."),
    field("adapter_driver_version", Kind::String, false, Public, Some("AdapterDriverVersion"), None, "The AdapterDriverVersion crash annotation."),
    field("adapter_subsys_id", Kind::String, false, Public, Some("AdapterSubsysID"), None, "The AdapterSubsysID crash annotation."),
    field("adapter_vendor_id", Kind::String, false, Public, Some("AdapterVendorID"), None, "The AdapterVendorID crash annotation."),
    field("abort_message", Kind::String, false, Public, Some("AbortMessage"), None, "The AbortMessage crash annotation."),
    field("accessibility", Kind::Boolean, false, Public, None, None, "Whether an accessibility service was active (the Accessibility annotation is \"Active\")."),
    field("accessibility_client", Kind::String, false, Public, Some("AccessibilityClient"), None, "The AccessibilityClient crash annotation."),
    field("accessibility_in_proc_client", Kind::String, false, Public, Some("AccessibilityInProcClient"), None, "The AccessibilityInProcClient crash annotation."),
    field("additional_minidumps", Kind::Array, false, Public, None, None, "Names of the crash's other minidumps (those named upload_file_minidump_*), each walked into a field of its own."),
    field("addons", Kind::Array, false, Public, None, None, "Extensions from the Add-ons annotation, each `id:version` (`:NO_VERSION` when none), the default theme named."),
    field("addons_checked", Kind::Boolean, true, Public, None, None, "Whether add-on compatibility was checked (EMCheckCompatibility); null when unknown."),
    field("address", Kind::String, true, Public, None, None, "The crashing address; zero for a null-pointer access, the adjusted address for a non-canonical one."),
    field("android_board", Kind::String, false, Public, Some("Android_Board"), None, "The Android_Board crash annotation."),
    field("android_brand", Kind::String, false, Public, Some("Android_Brand"), None, "The Android_Brand crash annotation."),
    field("android_cpu_abi", Kind::String, false, Public, Some("Android_CPU_ABI"), None, "The Android_CPU_ABI crash annotation."),
    field("android_cpu_abi2", Kind::String, false, Public, Some("Android_CPU_ABI2"), None, "The Android_CPU_ABI2 crash annotation."),
    field("android_device", Kind::String, false, Public, Some("Android_Device"), None, "The Android_Device crash annotation."),
    field("android_display", Kind::String, false, Public, Some("Android_Display"), None, "The Android_Display crash annotation."),
    field("android_fingerprint", Kind::String, false, Public, Some("Android_Fingerprint"), None, "The Android_Fingerprint crash annotation."),
    field("android_hardware", Kind::String, false, Public, Some("Android_Hardware"), None, "The Android_Hardware crash annotation."),
    field("android_manufacturer", Kind::String, false, Public, Some("Android_Manufacturer"), None, "The Android_Manufacturer crash annotation."),
    field("android_model", Kind::String, false, Public, Some("Android_Model"), None, "The Android_Model crash annotation."),
    field("android_packagename", Kind::String, false, Public, Some("Android_PackageName"), None, "The Android_PackageName crash annotation."),
    field("android_version", Kind::String, false, Public, Some("Android_Version"), None, "The Android_Version crash annotation."),
    field("app_init_dlls", Kind::String, false, Public, Some("AppInitDLLs"), None, "The AppInitDLLs crash annotation."),
    field("app_notes", Kind::String, false, Public, Some("Notes"), None, "The Notes crash annotation."),
    field("application_build_id", Kind::String, false, Public, Some("ApplicationBuildID"), None, "The ApplicationBuildID crash annotation."),
    field("async_shutdown_timeout", Kind::String, false, Public, Some("AsyncShutdownTimeout"), None, "The AsyncShutdownTimeout crash annotation."),
    field("available_page_file", Kind::Integer, false, Public, Some("AvailablePageFile"), None, "The AvailablePageFile crash annotation."),
    field("available_physical_memory", Kind::Integer, false, Public, Some("AvailablePhysicalMemory"), None, "The AvailablePhysicalMemory crash annotation."),
    field("available_virtual_memory", Kind::Integer, false, Public, Some("AvailableVirtualMemory"), None, "The AvailableVirtualMemory crash annotation."),
    field("background_task_name", Kind::String, false, Public, Some("BackgroundTaskName"), None, "The BackgroundTaskName crash annotation."),
    field("breadcrumbs", Kind::Array, false, Protected, None, None, "Events logged before the crash (the Breadcrumbs annotation, checked against its schema)."),
    field("build", Kind::String, false, Public, Some("BuildID"), None, "The BuildID crash annotation."),
    field("client_crash_date", Kind::String, false, Public, None, None, "When the client crashed (CrashTime, else the submission time), as an ISO date and time."),
    field("collector_metadata", Kind::Object, false, Protected, None, None, "What the collector recorded about the submission (payload, sizes, checksums, throttle rule)."),
    field("completed_datetime", Kind::String, false, Public, None, None, "When processing finished."),
    field("co_marshal_interface_failure", Kind::String, false, Public, Some("CoMarshalInterfaceFailure"), None, "The CoMarshalInterfaceFailure crash annotation."),
    field("co_unmarshal_interface_result", Kind::String, false, Public, Some("CoUnmarshalInterfaceResult"), None, "The CoUnmarshalInterfaceResult crash annotation."),
    field("content_sandbox_capabilities", Kind::Integer, false, Public, Some("ContentSandboxCapabilities"), None, "The ContentSandboxCapabilities crash annotation."),
    field("content_sandbox_capable", Kind::Boolean, false, Public, Some("ContentSandboxCapable"), None, "The ContentSandboxCapable crash annotation."),
    field("content_sandbox_enabled", Kind::Boolean, false, Public, Some("ContentSandboxEnabled"), None, "The ContentSandboxEnabled crash annotation."),
    field("content_sandbox_level", Kind::Integer, false, Public, Some("ContentSandboxLevel"), None, "The ContentSandboxLevel crash annotation."),
    field("cpu_arch", Kind::String, false, Public, None, None, "CPU architecture the product was built for (minidump, else annotations)."),
    field("cpu_count", Kind::Integer, false, Public, None, None, "Number of CPUs of the machine (from the minidump)."),
    field("cpu_info", Kind::String, true, Public, None, None, "CPU family, model and stepping of the machine."),
    field("cpu_microcode_version", Kind::String, false, Public, None, None, "CPU microcode version, as a hex string."),
    field("crash_id", Kind::String, false, Public, None, None, "The crash id."),
    field("crash_inconsistencies", Kind::Array, true, Public, None, None, "Inconsistencies the stackwalker found between the crash reason, address and instruction."),
    field("crash_report_keys", Kind::Array, false, Public, None, None, "Every annotation key and dump name of the report, sorted (invalid ones left out)."),
    field("crash_time", Kind::Integer, false, Public, None, None, "When the client crashed, in seconds since the epoch."),
    field("crashing_thread", Kind::Integer, true, Public, None, None, "Index of the crashing thread (0 for a shutdown hang)."),
    field("crashing_thread_name", Kind::String, true, Public, None, None, "Name of the crashing thread."),
    field("date_processed", Kind::String, false, Public, None, None, "When the crash was collected (the submission time); Super Search's `date`."),
    field("distribution_id", Kind::String, false, Public, None, None, "Who built the product (DistributionID annotation or Telemetry partner id; `mozilla` when blank, `unknown` when absent)."),
    field("dom_fission_enabled", Kind::Boolean, false, Public, Some("DOMFissionEnabled"), None, "The DOMFissionEnabled crash annotation."),
    field("dom_ipc_enabled", Kind::Boolean, false, Public, Some("DOMIPCEnabled"), None, "The DOMIPCEnabled crash annotation."),
    field("dumper_error", Kind::String, false, Protected, Some("DumperError"), None, "The DumperError crash annotation."),
    field("em_check_compatibility", Kind::Boolean, false, Public, Some("EMCheckCompatibility"), None, "The EMCheckCompatibility crash annotation."),
    field("glean_client_id", Kind::String, false, Protected, Some("GleanClientId"), None, "The GleanClientId crash annotation."),
    field("gmp_library_path", Kind::String, false, Protected, Some("GMPLibraryPath"), None, "The GMPLibraryPath crash annotation."),
    field("gmp_plugin", Kind::Boolean, false, Public, Some("GMPPlugin"), None, "The GMPPlugin crash annotation."),
    field("graphics_critical_error", Kind::String, false, Public, Some("GraphicsCriticalError"), None, "The GraphicsCriticalError crash annotation."),
    field("graphics_startup_test", Kind::Boolean, false, Public, Some("GraphicsStartupTest"), None, "The GraphicsStartupTest crash annotation."),
    field("hang", Kind::String, false, Public, Some("Hang"), None, "The Hang crash annotation."),
    field("has_device_touch_screen", Kind::Boolean, false, Public, Some("HasDeviceTouchScreen"), None, "The HasDeviceTouchScreen crash annotation."),
    field("has_mac_boot_args", Kind::Boolean, false, Public, None, None, "Whether the Mac had boot arguments set."),
    field("install_age", Kind::Integer, false, Public, None, None, "Seconds between installation and the crash."),
    field("install_time", Kind::Integer, false, Public, Some("InstallTime"), None, "The InstallTime crash annotation."),
    field("ipc_channel_error", Kind::String, false, Public, Some("ipc_channel_error"), None, "The ipc_channel_error crash annotation."),
    field("ipc_fatal_error_msg", Kind::String, false, Public, Some("IPCFatalErrorMsg"), None, "The IPCFatalErrorMsg crash annotation."),
    field("ipc_fatal_error_protocol", Kind::String, false, Public, Some("IPCFatalErrorProtocol"), None, "The IPCFatalErrorProtocol crash annotation."),
    field("ipc_message_name", Kind::String, false, Public, Some("IPCMessageName"), None, "The IPCMessageName crash annotation."),
    field("ipc_message_size", Kind::Integer, false, Public, Some("IPCMessageSize"), None, "The IPCMessageSize crash annotation."),
    field("ipc_shutdown_state", Kind::String, false, Public, Some("IPCShutdownState"), None, "The IPCShutdownState crash annotation."),
    field("ipc_system_error", Kind::Integer, false, Public, Some("IPCSystemError"), None, "The IPCSystemError crash annotation."),
    field("is_garbage_collecting", Kind::Boolean, false, Public, Some("IsGarbageCollecting"), None, "The IsGarbageCollecting crash annotation."),
    field("has_guard_page_access", Kind::Boolean, true, Protected, None, None, "Whether a memory access in the crash likely hit a guard page."),
    field("java_exception", Kind::Object, false, Public, Some("JavaException"), None, "The JavaException crash annotation."),
    field("java_stack_trace", Kind::String, false, Public, None, None, "The Java stack trace without the exception message (which can carry personal data)."),
    field("java_stack_trace_raw", Kind::String, false, Protected, None, None, "The Java stack trace as the client sent it, exception message included."),
    field("js_large_allocation_failure", Kind::String, false, Public, Some("JSLargeAllocationFailure"), None, "The JSLargeAllocationFailure crash annotation."),
    field("json_dump", Kind::Object, true, Public, None, None, "The stackwalker's output for upload_file_minidump (threads, frames, modules, system and crash info)."),
    field("last_crash", Kind::Integer, true, Public, None, None, "Seconds since the previous crash of this installation."),
    field("last_error_value", Kind::String, true, Public, None, None, "The crashing thread's last error value (Windows)."),
    field("mac_available_memory_sysctl", Kind::Integer, false, Public, Some("MacAvailableMemorySysctl"), None, "The MacAvailableMemorySysctl crash annotation."),
    field("mac_boot_args", Kind::String, false, Protected, None, None, "The Mac's boot arguments."),
    field("mac_crash_info", Kind::String, false, Public, None, None, "The macOS crash info records, as sorted JSON text."),
    field("mac_memory_pressure", Kind::String, false, Public, Some("MacMemoryPressure"), None, "The MacMemoryPressure crash annotation."),
    field("mac_memory_pressure_critical_time", Kind::String, false, Public, Some("MacMemoryPressureCriticalTime"), None, "The MacMemoryPressureCriticalTime crash annotation."),
    field("mac_memory_pressure_normal_time", Kind::String, false, Public, Some("MacMemoryPressureNormalTime"), None, "The MacMemoryPressureNormalTime crash annotation."),
    field("mac_memory_pressure_sysctl", Kind::Integer, false, Public, Some("MacMemoryPressureSysctl"), None, "The MacMemoryPressureSysctl crash annotation."),
    field("mac_memory_pressure_warning_time", Kind::String, false, Public, Some("MacMemoryPressureWarningTime"), None, "The MacMemoryPressureWarningTime crash annotation."),
    field("major_version", Kind::Integer, false, Public, None, None, "The major version number of the product (0 when unknown)."),
    field("marionette", Kind::Boolean, false, Public, Some("Marionette"), Some(Default::False), "The Marionette crash annotation."),
    field("mdsw_return_code", Kind::Integer, false, Protected, None, None, "Exit status of the stackwalk (0 when the minidump could be read)."),
    field("mdsw_status_string", Kind::String, false, Public, None, None, "The stackwalker's status for upload_file_minidump (OK, or why not)."),
    field("mdsw_stderr", Kind::String, false, Protected, None, None, "What the stackwalker logged, last 10 lines."),
    field("memory_measures", Kind::Object, true, Public, None, None, "Key measurements extracted from the memory report for the crashing process."),
    field("memory_report", Kind::Object, false, Protected, None, None, "The memory report sent with the crash (gzipped JSON dump named memory_report)."),
    field("memory_report_error", Kind::String, false, Protected, None, None, "Why the memory report could not be read."),
    field("minidump_sha256_hash", Kind::String, true, Public, None, None, "SHA-256 of upload_file_minidump, as recorded by the collector."),
    field("missing_symbols", Kind::String, false, Public, None, None, "Modules without symbols, `file/version/debugid[/codeid]`, sorted and joined with `;`."),
    field("modules_in_stack", Kind::String, false, Public, None, None, "Modules in the crashing thread's stack, `file/debugid`, sorted and joined with `;`."),
    field("moz_crash_reason", Kind::String, false, Public, None, None, "MozCrashReason, with values that can carry personal data replaced."),
    field("moz_crash_reason_raw", Kind::String, false, Protected, None, None, "MozCrashReason as the client sent it."),
    field("oom_allocation_size", Kind::Integer, false, Public, Some("OOMAllocationSize"), None, "The OOMAllocationSize crash annotation."),
    field("os_name", Kind::String, false, Public, None, None, "Operating system name."),
    field("os_pretty_version", Kind::String, false, Public, None, None, "Operating system name and version as people say it (Windows 11, macOS 14, the Linux distribution)."),
    field("os_version", Kind::String, false, Public, None, None, "Operating system version."),
    field("phc_alloc_stack", Kind::String, false, Protected, None, None, "PHC: the allocation stack (addresses)."),
    field("phc_base_address", Kind::String, false, Protected, None, None, "PHC: base address of the allocation, in hex."),
    field("phc_free_stack", Kind::String, false, Protected, None, None, "PHC: the free stack (addresses)."),
    field("phc_kind", Kind::String, false, Protected, None, None, "PHC (probabilistic heap checker): the kind of memory error."),
    field("phc_usable_size", Kind::Integer, false, Protected, None, None, "PHC: usable size of the allocation."),
    field("plugin_filename", Kind::String, false, Public, None, None, "Plugin file name, for plugin processes."),
    field("plugin_name", Kind::String, false, Public, None, None, "Plugin name, for plugin processes."),
    field("plugin_version", Kind::String, false, Public, None, None, "Plugin version, for plugin processes."),
    field("possible_bit_flips_max_confidence", Kind::Integer, false, Public, None, None, "Highest confidence (0-100) that the crash comes from a flipped bit."),
    field("process_type", Kind::String, false, Public, None, None, "Type of the crashing process (`parent` for the main process)."),
    field("processor_history", Kind::Array, false, Public, None, None, "Processor notes of earlier processing runs, newest first."),
    field("processor_notes", Kind::String, false, Public, None, None, "What processing noticed, one note a line."),
    field("product", Kind::String, false, Public, Some("ProductName"), None, "The ProductName crash annotation."),
    field("productid", Kind::String, false, Public, Some("ProductID"), None, "The ProductID crash annotation."),
    field("proto_signature", Kind::String, false, Public, None, None, "Every normalised frame of the crashing thread joined with ` | `."),
    field("quota_manager_shutdown_timeout", Kind::String, false, Public, Some("QuotaManagerShutdownTimeout"), None, "The QuotaManagerShutdownTimeout crash annotation."),
    field("reason", Kind::String, true, Public, None, None, "The crash reason (exception or signal)."),
    field("release_channel", Kind::String, false, Public, Some("ReleaseChannel"), None, "The ReleaseChannel crash annotation."),
    field("remote_agent", Kind::Boolean, false, Public, Some("RemoteAgent"), Some(Default::False), "The RemoteAgent crash annotation."),
    field("remote_type", Kind::String, false, Protected, Some("RemoteType"), None, "The RemoteType crash annotation."),
    field("report_type", Kind::String, false, Public, None, None, "`crash`, or `hang` for hangs and shutdown timeouts."),
    field("safe_mode", Kind::Boolean, false, Public, Some("SafeMode"), None, "The SafeMode crash annotation."),
    field("shutdown_progress", Kind::String, false, Public, Some("ShutdownProgress"), None, "The ShutdownProgress crash annotation."),
    field("shutdown_reason", Kind::String, false, Public, Some("ShutdownReason"), None, "The ShutdownReason crash annotation."),
    field("signature", Kind::String, false, Public, None, None, "The crash signature."),
    field("signature_debug", Kind::String, false, Protected, None, None, "How the signature was generated, step by step."),
    field("soft_errors", Kind::String, true, Protected, None, None, "Non-fatal errors of the stackwalk, as JSON text (at most 4 KiB)."),
    field("stackwalk_version", Kind::String, false, Public, None, None, "The stackwalker that walked the minidump."),
    field("started_datetime", Kind::String, false, Public, None, None, "When processing started."),
    field("startup_crash", Kind::Boolean, false, Public, Some("StartupCrash"), None, "The StartupCrash crash annotation."),
    field("startup_time", Kind::Integer, false, Public, Some("StartupTime"), None, "The StartupTime crash annotation."),
    field("success", Kind::Boolean, false, Public, None, None, "Whether processing went through every rule."),
    field("submitted_from", Kind::String, false, Public, None, None, "Where the report was submitted from (Auto, Client, CrashedTab, Infobar, AboutCrashes, Unknown)."),
    field("submitted_from_infobar", Kind::Boolean, false, Protected, None, None, "Whether the report was submitted from the infobar."),
    field("submitted_timestamp", Kind::String, false, Public, None, None, "When the collector received the crash."),
    field("system_memory_use_percentage", Kind::Integer, false, Public, Some("SystemMemoryUsePercentage"), None, "The SystemMemoryUsePercentage crash annotation."),
    field("telemetry_environment", Kind::Object, false, Public, Some("TelemetryEnvironment"), None, "The TelemetryEnvironment crash annotation."),
    field("thread_count", Kind::Integer, true, Public, None, None, "Number of threads in the minidump."),
    field("throttleable", Kind::Boolean, false, Public, Some("Throttleable"), None, "The Throttleable crash annotation."),
    field("topmost_filenames", Kind::String, true, Public, None, None, "Source file of the top-most frame (or inline frame) with one."),
    field("total_page_file", Kind::Integer, false, Public, Some("TotalPageFile"), None, "The TotalPageFile crash annotation."),
    field("total_physical_memory", Kind::Integer, false, Public, Some("TotalPhysicalMemory"), None, "The TotalPhysicalMemory crash annotation."),
    field("total_virtual_memory", Kind::Integer, false, Public, Some("TotalVirtualMemory"), None, "The TotalVirtualMemory crash annotation."),
    field("upload_file_minidump_browser", Kind::Object, true, Public, None, None, "The stackwalk of the browser process's minidump sent with a hang report."),
    field("uptime", Kind::Integer, false, Public, None, None, "Seconds between the start of the process and the crash."),
    field("uptime_ts", Kind::Number, false, Public, Some("UptimeTS"), None, "The UptimeTS crash annotation."),
    field("url", Kind::String, false, Protected, Some("URL"), None, "The URL crash annotation."),
    field("user_comments", Kind::String, false, Protected, Some("Comments"), None, "The Comments crash annotation."),
    field("useragent_locale", Kind::String, false, Public, Some("useragent_locale"), None, "The useragent_locale crash annotation."),
    field("utility_actors_name", Kind::Array, false, Public, None, None, "The actors running in a utility process."),
    field("utility_process_sandboxing_kind", Kind::Integer, false, Public, Some("UtilityProcessSandboxingKind"), None, "The UtilityProcessSandboxingKind crash annotation."),
    field("uuid", Kind::String, false, Public, None, None, "The crash id."),
    field("vendor", Kind::String, false, Public, Some("Vendor"), None, "The Vendor crash annotation."),
    field("version", Kind::String, false, Public, Some("Version"), None, "The Version crash annotation."),
    field("windows_error_reporting", Kind::Boolean, false, Public, Some("WindowsErrorReporting"), None, "The WindowsErrorReporting crash annotation."),
    field("xpcom_spin_event_loop_stack", Kind::String, false, Public, Some("XPCOMSpinEventLoopStack"), None, "The XPCOMSpinEventLoopStack crash annotation."),
];

/// The field called `name` (crashkit's own `schema_version` included).
pub fn get(name: &str) -> Option<&'static Field> {
    FIELDS
        .iter()
        .find(|f| f.name == name)
        .or((name == SCHEMA_VERSION_FIELD.name).then_some(&SCHEMA_VERSION_FIELD))
}

/// Whether `name` is a field everyone may see.
pub fn is_public(name: &str) -> bool {
    get(name).is_some_and(|f| f.permission == Permission::Public)
}

/// What `docs/processed-crash.md` says before and after the field table.
const DOCS_INTRO: &str = "\
# The processed crash (schema version {version})

<!-- Generated from src/processed_crash.rs by `crashkit generate-assets`; do not edit. -->

`crashkit process` writes one JSON object per crash: to
`v1/processed_crash/<crash id>` in storage, and to stdout with
`--format json` (one object per line). It is Socorro's processed crash,
field for field: the rules of Socorro's default processing ruleset
(`socorro/mozilla_rulesets.py`, 50 rules, `src/process/rules/`) run in
Socorro's order, and a test compares crashkit's output with Socorro's own
processor on a corpus of crashes (`testdata/processor/`). A field is
absent when Socorro leaves it out (its annotation was not sent, its rule
did not apply).

`json_dump` is the stackwalker's output in rust-minidump's
`minidump-stackwalk --json` schema; stacks of more than 500 frames keep the
first 250 and the last 249 around a `{\"truncated\": {\"msg\": \"N frames
truncated\"}}` frame and get `\"truncated\": true` (`TruncateStacksRule`),
and Linux `proc_limits.limits` are sorted by name so one dump always gives
the same bytes. Each additional minidump (`upload_file_minidump_*`) gets
an object of its own under its name with the same stackwalk fields.

Protected fields never leave `crashkit serve` (API, Super Search, pages)
without the `view_pii` permission. `java_exception` and
`telemetry_environment` are public in Socorro's schema but hold protected
parts; crashkit withholds them whole without `view_pii`.

crashkit adds one field, `schema_version` (this document's version).
Version 1 was crashkit's earlier subset; `crashkit reprocess --ruleset
default` brings stored crashes to this shape.

| field | type | access | copied from | meaning |
|---|---|---|---|---|
";

const DOCS_DIFFERENCES: &str = "
## Where crashkit differs from Socorro

- `BetaVersionRule` asks a Crash Stats `VersionString` API for the real
  version of a beta or aurora build only when `process.version_string_api`
  names one; without it the rule takes Socorro's own fallback (`b0`
  appended, with Socorro's note).
- Reprocessing starts from an empty processed crash, not from the previous
  one: only `processor_history` (the previous run's notes first) is carried
  over, so no field of an older format lingers.
- `stackwalk_version` names crashkit and rust-minidump, which stackwalk
  in-process; `mdsw_return_code` is 0 for a readable minidump, 1 for one
  that cannot be read, -9 when the stackwalk was killed at its time or
  memory limit; `mdsw_stderr` holds what crashkit's stackwalk logged.
- The first processor note names the host as its kernel does.
- A crash whose id date and `submitted_timestamp` disagree (a replayed
  crash, a skewed clock) gets a last note saying so; the id's date is
  the one partition key.
- When a minidump's handle stream claims more handles than it could hold,
  crashkit blanks that stream before walking the dump (rust-minidump would
  try to reserve memory for every claimed handle) and says so in a note
  of its own.
- `signature_debug` names the signature lists in use (crashkit's built-in
  lists, or the `process.siglists` directory).
- `memory_report_error` (and its note) names the dump `memory_report`
  where Socorro names a temporary file, and says what went wrong in
  crashkit's words where Socorro writes a Python exception.
- An annotation whose number does not fit in 64 bits, which Python would
  keep, is treated as not a number (the same note as a malformed one).
";

/// Writes `docs/processed-crash.md`: every field of the table.
pub fn docs(w: &mut dyn std::io::Write) -> std::io::Result<()> {
    w.write_all(
        DOCS_INTRO
            .replace("{version}", &SCHEMA_VERSION.to_string())
            .as_bytes(),
    )?;
    for field in FIELDS.iter().chain([&SCHEMA_VERSION_FIELD]) {
        let kind = if field.nullable {
            format!("{} or null", field.kind.name())
        } else {
            field.kind.name().to_owned()
        };
        let access = match field.permission {
            Permission::Public => "public",
            Permission::Protected => "protected",
        };
        let from = field.annotation.map_or(String::new(), |a| format!("`{a}`"));
        let meaning = field.description.replace('|', "\\|");
        writeln!(
            w,
            "| `{}` | {kind} | {access} | {from} | {meaning} |",
            field.name
        )?;
    }
    w.write_all(DOCS_DIFFERENCES.as_bytes())
}
