#!/usr/bin/env python3
"""Writes the processor-rules corpus: raw crashes that exercise every
annotation Socorro's default ruleset reads, with realistic and odd values,
each with the dumps it comes with. Run from the repository root:

    python3 testdata/processor/make-corpus.py

Outputs testdata/processor/corpus.jsonl (one {"name", "raw_crash", "dumps"}
object a line, dump paths relative to the repository root) and the memory
reports and empty dump it names. The test `rules::differential` runs every
line through crashkit and through Socorro's processor and compares them.
"""
import gzip
import json
import os

HERE = "testdata/processor"
DUMPS = "testdata/minidumps"

def uuid(n):
    return f"de1bb258-cbbf-4589-a673-{n:06x}261126"

def base(n, **annotations):
    raw = {
        "uuid": uuid(n),
        "submitted_timestamp": "2026-11-26T18:06:14.123456+00:00",
        "ProductName": "Firefox",
        "Version": "146.0",
        "ReleaseChannel": "release",
        "BuildID": "20261120101010",
        "CrashTime": "1795716300",
        "StartupTime": "1795716000",
        "InstallTime": "1790000000",
        "metadata": {
            "payload": "multipart", "payload_compressed": "0", "payload_size": 412345,
            "collector_notes": [], "user_agent": "crashkit-corpus",
            "dump_checksums": {"upload_file_minidump": "ab" * 32},
            "throttle_rule": "accept_everything",
        },
        "version": 2,
    }
    raw.update(annotations)
    return {k: v for k, v in raw.items() if v is not DROP}

DROP = object()

def mdump(name):
    return {"upload_file_minidump": f"{DUMPS}/{name}.dmp"}

TELEMETRY = json.dumps({
    "build": {"applicationId": "{ec8030f7-c20a-464f-9b0e-13a3a9e97384}", "architecture": "x86-64",
              "buildId": "20261120101010", "version": "146.0"},
    "partner": {"distributionId": "canonical", "distributor": None},
    "settings": {"e10sEnabled": True, "locale": "en-US"},
    "system": {"memoryMB": 16000, "cpu": {"count": 8, "cores": 4}},
})

MEMORY_REPORT = {
    "version": 1, "hasMozMallocUsableSize": True,
    "reports": [
        {"process": "Main Process (pid 30763)", "path": "explicit/heap-unclassified", "kind": 1, "units": 0, "amount": 1000},
        {"process": "Main Process (pid 30763)", "path": "explicit/images/a", "kind": 1, "units": 0, "amount": 300},
        {"process": "Main Process (pid 30763)", "path": "explicit/x/top(none)/detached/y", "kind": 0, "units": 0, "amount": 40},
        {"process": "Main Process (pid 30763)", "path": "explicit/heap-overhead/bin", "kind": 1, "units": 0, "amount": 7},
        {"process": "Main Process (pid 30763)", "path": "js-main-runtime/gc", "kind": 2, "units": 0, "amount": 55},
        {"process": "Main Process (pid 30763)", "path": "heap-allocated", "kind": 2, "units": 0, "amount": 5000},
        {"process": "Main Process (pid 30763)", "path": "resident", "kind": 2, "units": 0, "amount": 90000},
        {"process": "Main Process (pid 30763)", "path": "vsize", "kind": 2, "units": 0, "amount": 800000},
        {"process": "Web Content (pid 999)", "path": "resident", "kind": 2, "units": 0, "amount": 1},
    ],
}

def main():
    # mtime 0: the same bytes on every run.
    for name, report in [
        ("memory-report.json.gz", MEMORY_REPORT),
        ("memory-report-other-pid.json.gz", {**MEMORY_REPORT, "reports": MEMORY_REPORT["reports"][-1:]}),
    ]:
        with open(f"{HERE}/{name}", "wb") as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fp:
                fp.write(json.dumps(report).encode())
    open(f"{HERE}/empty.dmp", "wb").close()

    items = []
    def add(name, raw, dumps=None):
        items.append({"name": name, "raw_crash": raw, "dumps": dumps or {}})

    # Real minidumps, each with a product shape.
    add("esr-parent-java", base(1, Version="128.5.0", ReleaseChannel="esr", ProcessType="main",
        JavaStackTrace="java.lang.IllegalStateException: secret user@example.com\n\tat org.mozilla.Foo.bar(Foo.java:12)\n\tat org.mozilla.Foo.baz(Foo.java:40)\nCaused by: java.io.IOException: more secret\n\tat org.mozilla.Io.read(Io.java:7)"),
        mdump("null-write"))
    add("beta-b0", base(2, ReleaseChannel="beta", Version="147.0", ProcessType="content"), mdump("abort"))
    add("aurora-devedition", base(3, ReleaseChannel="aurora", Version="147.0", BuildID="20261101000000"), mdump("panic"))
    add("beta-without-build", base(4, ReleaseChannel="Beta", BuildID=" ", ProductName="Thunderbird"), mdump("divide-by-zero"))
    add("fenix-nightly", base(5, ProductName="Fenix", Version="Nightly 261126 06:00", ReleaseChannel="nightly",
        Android_CPU_ABI="arm64-v8a", Android_Version="34 (REL)", Android_Manufacturer="Google ",
        Android_Model="Pixel 8", Android_Board="husky", Android_Brand="google", Android_CPU_ABI2="x86 "), {})
    add("thunderbird-addons", base(6, ProductName="Thunderbird", **{
        "Add-ons": "%7B972ce4c6-7e08-4474-a285-3208198ce6fd%7D:146.0,uBlock0%40raymondhill.net:1.60.0,noversion,a+b%20c:1",
        "EMCheckCompatibility": "TRUE"}), mdump("illegal-instruction"))
    add("default-theme-no-version", base(7, **{"Add-ons": "{972ce4c6-7e08-4474-a285-3208198ce6fd}", "EMCheckCompatibility": "false"}),
        mdump("stack-overflow"))
    add("odd-types", base(8, StartupCrash="maybe", AvailablePageFile="12x", UptimeTS="1.5e3", SafeMode="TRUE",
        Throttleable="0", TotalPhysicalMemory=" 17179869184 ", ContentSandboxLevel="1_0", SystemMemoryUsePercentage="4.5",
        Marionette="1", GraphicsStartupTest="2", OOMAllocationSize="262144"), mdump("thread-null-write"))
    add("odd-float", base(9, UptimeTS="abc", AvailablePhysicalMemory="-5", IPCMessageSize="+7",
        AdapterVendorID="0x10de\t \n", AbortMessage="assertion failed: x   "), mdump("many-threads"))
    add("telemetry-valid", base(10, TelemetryEnvironment=TELEMETRY), mdump("null-write"))
    add("telemetry-malformed-json", base(11, TelemetryEnvironment="{not json"), mdump("abort"))
    add("telemetry-wrong-type", base(12, TelemetryEnvironment=json.dumps({"build": {"applicationId": 5}, "partner": {"distributionId": ""}})), {})
    add("telemetry-not-object", base(13, TelemetryEnvironment="[1, 2]"), {})
    add("java-exception-valid", base(14, ProductName="Fenix", JavaException=json.dumps({"exception": {"values": [{
        "stacktrace": {"frames": [{"filename": "A.java", "function": "run", "in_app": True, "lineno": 10, "module": "org.A"}],
                       "module": "java.lang", "type": "NullPointerException", "value": "secret"}}]}})), {})
    add("java-exception-invalid", base(15, JavaException=json.dumps({"exception": {"values": [{
        "stacktrace": {"frames": [{"lineno": "ten"}]}}]}})), {})
    add("breadcrumbs", base(16, Breadcrumbs=json.dumps([{"timestamp": "2026-11-26T18:00:00", "category": "nav",
        "message": "went to https://secret.example/", "level": "info", "type": "navigation", "data": {"from": "a", "to": "b"}}])), mdump("panic"))
    add("breadcrumbs-sentry", base(17, Breadcrumbs=json.dumps({"values": [{"message": "m", "level": "debug"}]})), {})
    add("breadcrumbs-malformed", base(18, Breadcrumbs="[{"), {})
    add("breadcrumbs-wrong-type", base(19, Breadcrumbs=json.dumps([{"message": 5}])), {})
    add("breadcrumbs-not-list", base(20, Breadcrumbs=json.dumps({"a": 1})), {})
    add("moz-crash-reason", base(21, MozCrashReason="MOZ_RELEASE_ASSERT(x)"), mdump("abort"))
    add("moz-crash-reason-sanitized", base(22, MozCrashReason="byte index 5 is out of range of `secret`"), {})
    add("phc", base(23, PHCKind="FreedPage", PHCBaseAddress="140737488355328", PHCUsableSize="32",
        PHCAllocStack="1,2,3", PHCFreeStack="4,5"), mdump("null-write"))
    add("phc-odd", base(24, PHCKind="GuardPage", PHCBaseAddress="0x10", PHCUsableSize="x"), {})
    add("utility-actors", base(25, ProcessType="utility", UtilityActorsName="audio-decoder-generic, mf-media-engine,,  windows-utils "), {})
    add("submitted-from-infobar", base(26, SubmittedFromInfobar="true", SubmittedFrom="Client"), {})
    add("submitted-from-client", base(27, SubmittedFrom="CrashedTab"), {})
    add("crash-time-missing", base(28, CrashTime=DROP, InstallTime="abc", SecondsSinceLastCrash="86400"), mdump("abort"))
    add("crash-time-odd", base(29, CrashTime="17957163001234", StartupTime="1795716400", SecondsSinceLastCrash="x"), {})
    add("crash-time-not-int", base(30, CrashTime="abc", SecondsSinceLastCrash="99999999999999999999"), {})
    add("distribution-blank", base(31, DistributionID=""), {})
    add("distribution-annotation", base(32, DistributionID="acme", TelemetryEnvironment=TELEMETRY), {})
    add("android-no-dump", base(33, ProductName="Fenix", Android_CPU_ABI="armeabi-v7a", Android_Version="23 (REL)",
        ProcessType="main", Android_PackageName="org.mozilla.firefox"), {})
    add("android-bad-sdk", base(34, ProductName="Focus", Android_CPU_ABI="mips", Android_Version="Baklava (preview)"), {})
    add("invalid-keys", base(35, **{"bad key": "x", "k" * 120: "long", "Notes": "note   "}), {})
    add("nul-characters", base(36, **{"Vendor": "Moz\u0000illa", "Wei\u0000rd": "plain", "Ke\u0000y2": "va\u0000l"}), {})
    add("null-values", base(37, URL=None, Comments="I was typing my password"), {})
    add("module-signature-info-object", base(38, ModuleSignatureInfo={"Microsoft Corporation": ["ntdll.dll"]}), mdump("null-write"))
    add("ipc-channel-error", base(39, ipc_channel_error="ShutDownKill", ProcessType="content"), mdump("abort"))
    add("async-shutdown", base(40, AsyncShutdownTimeout=json.dumps({"phase": "profile-before-change", "conditions": [{"name": "A"}]})), mdump("panic"))
    add("plugin", base(41, ProcessType="plugin", PluginFilename="libflash.so", PluginName="Flash", PluginVersion="32"), {})
    add("gpu-process", base(42, ProcessType="gpu", AdapterDeviceID="0x1234", AdapterDriverVersion="31.0.15.3623",
        AdapterSubsysID="00000000", Accessibility="Active", AccessibilityClient="NVDA"), mdump("divide-by-zero"))
    add("linux-no-dump", base(43, OS="Linux", OSVersion="6.8.0 ", LinuxLSBDescription=" Ubuntu 24.04 LTS", CPUArchitecture="amd64", CPUInfo="GenuineIntel family 6"), {})
    add("windows-annotations", base(44, OS="Windows NT", OSVersion="10.0.22631", CPUArchitecture="x86"), {})
    add("windows-10", base(45, OS="Windows NT", OSVersion="10.0.19045.1"), {})
    add("mac-annotations", base(46, OS="Mac OS X", OSVersion="14.2.1 23C71"), {})
    add("mac-old", base(47, OS="Mac OS X", OSVersion="10.15.7"), {})
    add("memory-report", base(48), {**mdump("null-write"), "memory_report": f"{HERE}/memory-report.json.gz"})
    add("memory-report-other-pid", base(49), {**mdump("null-write"), "memory_report": f"{HERE}/memory-report-other-pid.json.gz"})
    add("empty-minidump", base(50), {"upload_file_minidump": f"{HERE}/empty.dmp"})
    add("browser-minidump", base(51, ProcessType="content"), {**mdump("abort"), "upload_file_minidump_browser": f"{DUMPS}/null-write.dmp"})
    add("json-types", base(52, StartupCrash=True, SafeMode=1, AvailablePageFile=4096, UptimeTS=12, Throttleable=False), mdump("abort"))
    add("json-string-field-number", base(53, Version=146), {})
    add("json-int-field-list", base(54, AvailablePageFile=[1]), {})
    add("no-submitted-timestamp", base(55, submitted_timestamp=DROP), mdump("abort"))
    add("no-uuid", base(56, uuid=DROP), mdump("abort"))
    add("oom", base(57, OOMAllocationSize="1048576", JSLargeAllocationFailure="Reporting"), mdump("abort"))
    add("hang-annotation", base(58, Hang="1", ProcessType="content"), mdump("panic"))
    add("shutdown-progress", base(59, ShutdownProgress="quit-application", IPCShutdownState="RecvShutdown",
        QuotaManagerShutdownTimeout="x   ", BackgroundTaskName="backgroundupdate"), mdump("thread-null-write"))
    add("minimal", {"uuid": uuid(60), "submitted_timestamp": "2026-11-26T18:06:14+00:00"}, {})
    add("metadata-not-dict", base(61, metadata="oops"), {})
    add("version-bad", base(62, Version="abc.1"), {})
    # Sent as a JSON object: Socorro checks the last object it decoded from
    # text, or fails the rule when there was none.
    add("telemetry-object", base(63, TelemetryEnvironment={"partner": {"distributionId": "x"}}), {})
    add("java-text-then-telemetry-object", base(64, JavaException=json.dumps({"exception": {"values": []}}),
        TelemetryEnvironment={"build": 1}), {})
    add("stack-overflow-parent", base(65, ProcessType="parent"), mdump("stack-overflow"))

    with open(f"{HERE}/corpus.jsonl", "w") as fp:
        for item in items:
            fp.write(json.dumps(item, sort_keys=True) + "\n")
    print(f"{len(items)} crashes")

main()
