//! Socorro's `android` rules: CPU and OS from `Android_*` annotations
//! when the minidump says nothing (Android crashes often come without one).

use serde_json::Value;

use super::{as_str, Crash, Outcome};

/// `AndroidCPUInfoRule`: `cpu_arch` from `Android_CPU_ABI` when unknown.
pub fn android_cpu_info(c: &mut Crash<'_>) -> Outcome {
    let unknown = c.pc.get("cpu_arch").is_none_or(|a| a == "unknown");
    let Some(abi) = c.raw.get("Android_CPU_ABI").filter(|_| unknown).cloned() else {
        return Ok(());
    };
    let arch = match abi.as_str() {
        Some("armeabi-v7a") => Value::from("arm"),
        Some("arm64-v8a") => Value::from("arm64"),
        Some("x86_64") => Value::from("amd64"),
        _ => abi,
    };
    c.pc.insert("cpu_arch".into(), arch);
    Ok(())
}

/// `AndroidOSInfoRule`: `Android` and its SDK version from `Android_Version`
/// (`"34 (REL)"` gives `34`) when the OS is unknown or Android.
pub fn android_os_info(c: &mut Crash<'_>) -> Outcome {
    let os_name = match c.pc.get("os_name") {
        None => "unknown".to_owned(),
        Some(v) => as_str(v)?.to_lowercase(),
    };
    let Some(version) = c.raw.get("Android_Version").cloned() else {
        return Ok(());
    };
    if os_name != "unknown" && os_name != "android" {
        return Ok(());
    }
    c.pc.insert("os_name".into(), Value::from("Android"));
    let sdk = as_str(&version)?.split(' ').next().unwrap_or("").to_owned();
    if crate::signature::pyval::parse_int(&sdk, 10).is_some() {
        c.pc.insert("os_version".into(), Value::from(sdk));
    }
    Ok(())
}
