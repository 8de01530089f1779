//! Synthetic processed crashes for tests and benchmarks, deterministic from
//! a seed: Zipf-distributed signatures (a few crash a lot, most rarely),
//! several products with their versions and channels, platforms in
//! realistic shares, dates spread over a number of weeks (ids dated the
//! same day), uptimes from seconds to days, some over-long values, and a
//! `json_dump` of realistic shape (threads of frames with modules,
//! functions, files and offsets).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::crash_id::{CrashId, Throttle};

pub mod emerging;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    /// Crash dates spread over this many weeks before `end`.
    pub weeks: u32,
    pub end: DateTime<Utc>,
    /// Distinct signatures.
    pub signatures: usize,
    /// Threads in each `json_dump`, and frames in each thread.
    pub threads: usize,
    pub frames: usize,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            seed: 1,
            weeks: 8,
            end: Utc::now(),
            signatures: 5000,
            threads: 8,
            frames: 16,
        }
    }
}

const PRODUCTS: &[(&str, u32, &[&str], &[&str])] = &[
    (
        "Firefox",
        70,
        &["140.0", "140.0.1", "141.0b3", "141.0b5", "142.0a1"],
        &["release", "release", "beta", "beta", "nightly"],
    ),
    (
        "Fenix",
        20,
        &["140.1.0", "141.0b2", "142.0a1"],
        &["release", "beta", "nightly"],
    ),
    (
        "Thunderbird",
        10,
        &["128.5.0esr", "140.0"],
        &["esr", "release"],
    ),
];

const PLATFORMS: &[(&str, u32, &str, &str)] = &[
    ("Windows NT", 60, "10.0.19045", "amd64"),
    ("Mac OS X", 15, "14.6.1 23G93", "arm64"),
    ("Linux", 15, "6.8.0-45-generic", "amd64"),
    ("Android", 10, "14", "arm64"),
];

const FUNCTIONS: &[&str] = &[
    "mozilla::dom::Element::SetAttribute",
    "js::gc::GCRuntime::collect",
    "nsThread::ProcessNextEvent",
    "mozilla::ipc::MessageChannel::Send",
    "RtlUserThreadStart",
    "mozalloc_abort",
    "core::panicking::panic_fmt",
    "std::sys::backtrace::__rust_begin_short_backtrace",
    "gfx::DrawTargetD2D1::Flush",
    "webrender::renderer::Renderer::render",
];

/// A generator of processed crashes.
pub struct Generator {
    spec: Spec,
    rng: StdRng,
    /// Cumulative Zipf weights of the signatures.
    zipf: Vec<f64>,
}

impl Generator {
    pub fn new(spec: Spec) -> Generator {
        let mut total = 0.0;
        let zipf = (1..=spec.signatures.max(1))
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(1.1);
                total
            })
            .collect();
        Generator {
            rng: StdRng::seed_from_u64(spec.seed),
            spec,
            zipf,
        }
    }

    fn weighted<'a, T>(&mut self, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
        let total: u32 = items.iter().map(&weight).sum();
        let mut pick = self.rng.random_range(0..total);
        for item in items {
            let w = weight(item);
            if pick < w {
                return item;
            }
            pick -= w;
        }
        &items[items.len() - 1]
    }

    /// The expected share of the crashes of the signature of `rank`.
    pub fn share(&self, rank: usize) -> f64 {
        let last = *self.zipf.last().expect("at least one signature");
        let before = if rank == 0 { 0.0 } else { self.zipf[rank - 1] };
        self.zipf.get(rank).map_or(0.0, |c| (c - before) / last)
    }

    /// A signature rank drawn from the Zipf distribution (0 is the commonest).
    pub fn signature_rank(&mut self) -> usize {
        let last = *self.zipf.last().expect("at least one signature");
        let x = self.rng.random_range(0.0..last);
        self.zipf.partition_point(|c| *c < x)
    }

    /// The signature of Zipf rank `rank`.
    pub fn signature(rank: usize) -> String {
        let f = FUNCTIONS[rank % FUNCTIONS.len()];
        match rank % 7 {
            0 => format!("OOM | small | {f}"),
            1 => format!("{f} | mozilla::detail::Run{rank}"),
            2 => format!("shutdownhang | {f}"),
            3 => format!("IPCError-browser | ShutDownKill | {f}<T>::Method{rank}"),
            _ => format!("{f}{rank}"),
        }
    }

    /// The next processed crash.
    pub fn crash(&mut self) -> Map<String, Value> {
        let span = i64::from(self.spec.weeks.max(1)) * 7 * 86_400;
        let when = self.spec.end - Duration::seconds(self.rng.random_range(0..span));
        self.crash_at(when, None)
    }

    /// A processed crash of `when`, of the signature of Zipf rank `rank`
    /// (`None`: drawn).
    pub fn crash_at(&mut self, when: DateTime<Utc>, rank: Option<usize>) -> Map<String, Value> {
        let uuid = uuid::Uuid::from_u128(self.rng.random());
        let id = CrashId::from_uuid(uuid, Throttle::Accept, when.date_naive());
        let (product, _, versions, channels) = *self.weighted(PRODUCTS, |p| p.1);
        let v = self.rng.random_range(0..versions.len());
        let (os, _, os_version, arch) = *self.weighted(PLATFORMS, |p| p.1);
        let rank = match rank {
            Some(rank) => rank,
            None => self.signature_rank(),
        };
        let mut signature = Self::signature(rank);
        if self.rng.random_ratio(1, 1000) {
            // A few very long values, as real C++ templates give.
            signature.push_str(&format!(
                " | {}",
                "mozilla::Variant<A, B, C>::match".repeat(40)
            ));
        }
        let uptime: i64 = if self.rng.random_ratio(1, 5) {
            self.rng.random_range(0..60)
        } else {
            (self.rng.random_range(4.0f64..13.0)).exp() as i64
        };
        let date = when.to_rfc3339_opts(SecondsFormat::Micros, false);
        let crashing_thread = 0usize;
        let threads: Vec<Value> = (0..self.spec.threads)
            .map(|t| self.thread(t, rank))
            .collect();
        let modules_in_stack: Vec<String> = (0..3)
            .map(|m| {
                format!(
                    "{}/{:032X}0",
                    ["xul.dll", "ntdll.dll", "libc.so.6"][m],
                    rank * 31 + m
                )
            })
            .collect();
        let mut pc = Map::new();
        let mut put = |k: &str, v: Value| {
            pc.insert(k.to_owned(), v);
        };
        put("uuid", json!(id.as_str()));
        put("crash_id", json!(id.as_str()));
        put("signature", json!(signature));
        put(
            "proto_signature",
            json!(format!("{signature} | RtlUserThreadStart")),
        );
        put("product", json!(product));
        put("version", json!(versions[v]));
        put("release_channel", json!(channels[v]));
        put(
            "build",
            json!(format!(
                "2026{:02}{:02}0{}",
                (rank % 12) + 1,
                (rank % 28) + 1,
                "93000"
            )),
        );
        put("os_name", json!(os));
        put("os_version", json!(os_version));
        put("cpu_arch", json!(arch));
        put("cpu_info", json!("family 6 model 158 stepping 10"));
        put("cpu_count", json!(self.rng.random_range(1..=16)));
        put(
            "reason",
            json!(if rank % 3 == 0 {
                "EXCEPTION_ACCESS_VIOLATION_READ"
            } else {
                "SIGSEGV /SEGV_MAPERR"
            }),
        );
        put(
            "address",
            json!(format!("0x{:016x}", self.rng.random::<u32>())),
        );
        put("uptime", json!(uptime));
        put(
            "install_age",
            json!(uptime + self.rng.random_range(0..5_000_000)),
        );
        put(
            "process_type",
            json!(["parent", "content", "gpu", "rdd"][rank % 4]),
        );
        put("crashing_thread", json!(crashing_thread));
        put("crashing_thread_name", json!("MainThread"));
        put("thread_count", json!(self.spec.threads));
        put("modules_in_stack", json!(modules_in_stack.join(";")));
        put(
            "topmost_filenames",
            json!(format!(
                "hg:hg.mozilla.org/mozilla-central:dom/base/Element{rank}.cpp:abc"
            )),
        );
        put("date_processed", json!(date));
        put("submitted_timestamp", json!(date));
        put("started_datetime", json!(date));
        put("completed_datetime", json!(date));
        put("success", json!(true));
        let walked = !self.rng.random_ratio(1, 50);
        put(
            "mdsw_status_string",
            json!(if walked { "OK" } else { "MissingThreadList" }),
        );
        put("processor_notes", json!("synthetic crash"));
        put(
            "schema_version",
            json!(crate::processed_crash::SCHEMA_VERSION),
        );
        // The annotations a real Firefox crash carries, from an RNG of
        // their own so the fields above stay what earlier versions made.
        let mut extra = StdRng::seed_from_u64(uuid.as_u128() as u64 ^ 0x5eed_5eed);
        annotations(&mut extra, &mut put, product, versions[v], os, uptime, when);
        put(
            "json_dump",
            json!({
                "status": "OK",
                "system_info": {"os": os, "os_ver": os_version, "cpu_arch": arch, "cpu_count": 8},
                "crash_info": {"type": "EXCEPTION_ACCESS_VIOLATION_READ", "address": "0x0", "crashing_thread": 0},
                "thread_count": self.spec.threads,
                "threads": threads,
            }),
        );
        pc
    }

    fn thread(&mut self, index: usize, rank: usize) -> Value {
        let frames: Vec<Value> = (0..self.spec.frames)
            .map(|f| {
                let function = FUNCTIONS[(rank + f + index) % FUNCTIONS.len()];
                json!({
                    "frame": f,
                    "module": "xul.dll",
                    "function": function,
                    "file": format!("hg:hg.mozilla.org/mozilla-central:dom/base/File{}.cpp:4b1d5e8f", (rank + f) % 97),
                    "line": self.rng.random_range(1..5000),
                    "offset": format!("0x{:08x}", self.rng.random::<u32>()),
                    "module_offset": format!("0x{:06x}", self.rng.random::<u32>() >> 8),
                    "function_offset": format!("0x{:x}", self.rng.random::<u16>()),
                    "trust": if f == 0 { "context" } else { "cfi" },
                })
            })
            .collect();
        json!({"thread_name": format!("Thread {index}"), "frame_count": frames.len(), "frames": frames})
    }
}

/// The crash annotations (and what the processor derives from them) of
/// a desktop or Android Firefox crash, in realistic shares.
fn annotations(
    rng: &mut StdRng,
    put: &mut impl FnMut(&str, Value),
    product: &str,
    version: &str,
    os: &str,
    uptime: i64,
    when: DateTime<Utc>,
) {
    let major: i64 = version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    put("major_version", json!(major));
    put("productid", json!("{ec8030f7-c20a-464f-9b0e-13a3a9e97384}"));
    put("vendor", json!("Mozilla"));
    put("report_type", json!("crash"));
    put(
        "submitted_from",
        json!(["Client", "Infobar", "Auto"][rng.random_range(0..3)]),
    );
    put(
        "useragent_locale",
        json!(["en-US", "de", "fr", "ja", "es-ES"][rng.random_range(0..5)]),
    );
    put("distribution_id", json!("default"));
    put("throttleable", json!(true));
    put("safe_mode", json!(rng.random_ratio(1, 200)));
    put("startup_crash", json!(uptime < 60));
    put("accessibility", json!(rng.random_ratio(1, 20)));
    put("dom_ipc_enabled", json!(true));
    put("dom_fission_enabled", json!(rng.random_ratio(9, 10)));
    put("em_check_compatibility", json!(true));
    put("addons_checked", json!(true));
    put("is_garbage_collecting", json!(rng.random_ratio(1, 30)));
    put("content_sandbox_level", json!(rng.random_range(0..=7)));
    put("content_sandbox_enabled", json!(true));
    put("content_sandbox_capable", json!(true));
    put("windows_error_reporting", json!(rng.random_ratio(1, 50)));
    put("has_device_touch_screen", json!(rng.random_ratio(1, 10)));
    let install_time = when.timestamp() - rng.random_range(3_600..40_000_000);
    put("install_time", json!(install_time));
    put("startup_time", json!(when.timestamp() - uptime));
    put("last_crash", json!(rng.random_range(10..10_000_000)));
    put(
        "uptime_ts",
        json!(uptime as f64 + f64::from(rng.random_range(0..1000u32)) / 1000.0),
    );
    put(
        "application_build_id",
        json!(20261101093000i64 + rng.random_range(0..30)),
    );
    let vendor = ["0x8086", "0x10de", "0x1002"][rng.random_range(0..3)];
    put("adapter_vendor_id", json!(vendor));
    put(
        "adapter_device_id",
        json!(format!("0x{:04x}", rng.random_range(0..0xffffu32))),
    );
    put(
        "adapter_subsys_id",
        json!(format!("{:08x}", rng.random::<u32>())),
    );
    put(
        "adapter_driver_version",
        json!(format!(
            "31.0.{}.{}",
            rng.random_range(100..200),
            rng.random_range(1000..9999)
        )),
    );
    put(
        "app_notes",
        json!(format!(
            "AdapterVendorID: {vendor}, AdapterDeviceID: 0x3e9b, AdapterSubsysID: 00000000, \
             AdapterDriverVersion: 31.0.101.{} D2D1.1+ D3D11 Layers+ WebGL? EGL? EGL+ GL Context? GL Context+ WebGL+ D3D11? D3D11+ ",
            rng.random_range(1000..9999)
        )),
    );
    let addons: Vec<String> = (0..rng.random_range(1..7))
        .map(|i| {
            format!(
                "addon{}@example.org:{}.{}",
                rng.random_range(0..400) + i,
                i + 1,
                rng.random_range(0..10)
            )
        })
        .collect();
    put("addons", json!(addons));
    let keys = [
        "AdapterDeviceID",
        "AdapterDriverVersion",
        "AdapterVendorID",
        "Add-ons",
        "AvailablePageFile",
        "BuildID",
        "CrashTime",
        "InstallTime",
        "ProductName",
        "ReleaseChannel",
        "StartupTime",
        "TotalPhysicalMemory",
        "UptimeTS",
        "Version",
        "upload_file_minidump",
    ];
    put("crash_report_keys", json!(keys));
    if os == "Windows NT" {
        let total: i64 = [4, 8, 16, 32][rng.random_range(0..4)] << 30;
        put("total_physical_memory", json!(total));
        put(
            "available_physical_memory",
            json!(rng.random_range(0..total)),
        );
        put("total_page_file", json!(total * 2));
        put("available_page_file", json!(rng.random_range(0..total * 2)));
        put("total_virtual_memory", json!(140_737_488_224_256i64));
        put(
            "available_virtual_memory",
            json!(rng.random_range(0..140_737_488_224_256i64)),
        );
        put(
            "system_memory_use_percentage",
            json!(rng.random_range(10..100)),
        );
        put("app_init_dlls", json!(""));
    }
    if product == "Fenix" {
        put(
            "android_board",
            json!(["msm8996", "taro", "kalama"][rng.random_range(0..3)]),
        );
        put(
            "android_brand",
            json!(["samsung", "google", "xiaomi"][rng.random_range(0..3)]),
        );
        put(
            "android_manufacturer",
            json!(["samsung", "Google", "Xiaomi"][rng.random_range(0..3)]),
        );
        put(
            "android_model",
            json!(format!("SM-G{}", rng.random_range(900..999))),
        );
        put(
            "android_version",
            json!(format!("{} (REL)", rng.random_range(28..35))),
        );
        put("android_cpu_abi", json!("arm64-v8a"));
        put("android_packagename", json!("org.mozilla.firefox"));
    }
    if rng.random_ratio(1, 4) {
        put(
            "moz_crash_reason",
            json!("MOZ_RELEASE_ASSERT(aIndex < mLength)"),
        );
        put(
            "moz_crash_reason_raw",
            json!("MOZ_RELEASE_ASSERT(aIndex < mLength) (index out of range)"),
        );
    }
    if rng.random_ratio(1, 10) {
        put(
            "url",
            json!(format!(
                "https://site{}.example.com/page",
                rng.random_range(0..1000)
            )),
        );
    }
    if rng.random_ratio(1, 20) {
        put(
            "user_comments",
            json!("It crashed when I opened a new tab."),
        );
    }
    if rng.random_ratio(1, 10) {
        put(
            "memory_measures",
            json!({
                "explicit": rng.random_range(100_000_000..4_000_000_000i64),
                "heap_allocated": rng.random_range(50_000_000..2_000_000_000i64),
                "resident": rng.random_range(100_000_000..6_000_000_000i64),
                "vsize": rng.random_range(1_000_000_000..80_000_000_000i64),
                "images": rng.random_range(0..100_000_000i64),
            }),
        );
    }
    put(
        "collector_metadata",
        json!({"collector_notes": [], "payload": "multipart", "throttle_rule": "accept_everything"}),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_from_the_seed_and_zipf_shaped() {
        let spec = Spec {
            end: crate::search::fields::parse_date("2026-11-30").unwrap(),
            ..Spec::default()
        };
        let a: Vec<_> = {
            let mut g = Generator::new(spec.clone());
            (0..50).map(|_| g.crash()).collect()
        };
        let mut g = Generator::new(spec);
        let b: Vec<_> = (0..50).map(|_| g.crash()).collect();
        assert_eq!(a, b);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..5000 {
            *counts.entry(g.signature_rank()).or_insert(0) += 1;
        }
        assert!(counts[&0] > 5 * counts.get(&50).copied().unwrap_or(1));
        let doc = crate::search::Document::from_processed(&a[0]).unwrap();
        assert!(doc.first("signature").is_some() && doc.date().is_some());
    }
}
