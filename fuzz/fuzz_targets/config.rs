//! The configuration loader never panics on any file: TOML syntax, unknown
//! keys, wrong types, secrets, `[[throttle]]` rules (their conditions,
//! regexes, percentages) and the cross-key checks all end in a `ConfigError`.
#![no_main]

use crashkit::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("crashkit-fuzz-config-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("crashkit.toml");
    if std::fs::write(&path, data).is_ok() {
        let _ = Config::check_file(&path);
    }
});
