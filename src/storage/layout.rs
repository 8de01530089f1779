//! Socorro's `v1` bucket layout: where each part of a crash lives.
//!
//! ```text
//! v1/raw_crash/<YYYYMMDD>/<crash id>   raw crash JSON, keys sorted
//! v1/dump_names/<crash id>             JSON list of dump names (written even when empty)
//! v1/<dump name>/<crash id>            dump bytes; upload_file_minidump is stored as "dump"
//! v1/processed_crash/<crash id>        processed crash JSON
//! ```
//! The day in the raw crash key comes from the crash id, never from a
//! timestamp, so every tool agrees on a crash's partition.

use crate::crash_id::CrashId;

/// The name clients give the main minidump.
pub const MAIN_DUMP: &str = "upload_file_minidump";

/// Names that would collide with the layout's own directories.
pub const RESERVED_DUMP_NAMES: [&str; 3] = ["dump_names", "raw_crash", "processed_crash"];

/// Longest dump name the collector keeps.
pub const MAX_DUMP_NAME_LEN: usize = 30;

/// `v1/raw_crash/<YYYYMMDD>/<id>`.
pub fn raw_crash(id: &CrashId) -> String {
    format!("v1/raw_crash/{}/{id}", id.date_key())
}

/// The prefix under which the raw crashes of one day (`YYYYMMDD`) are listed.
pub fn raw_crash_day(date_key: &str) -> String {
    format!("v1/raw_crash/{date_key}/")
}

/// `v1/dump_names/<id>`.
pub fn dump_names(id: &CrashId) -> String {
    format!("v1/dump_names/{id}")
}

/// `v1/<dump name>/<id>`, with `upload_file_minidump` stored as `dump`.
pub fn dump(id: &CrashId, name: &str) -> String {
    let dir = if name == MAIN_DUMP { "dump" } else { name };
    format!("v1/{dir}/{id}")
}

/// `v1/processed_crash/<id>`.
pub fn processed_crash(id: &CrashId) -> String {
    format!("v1/processed_crash/{id}")
}

/// Checks that a dump name can be stored: `[A-Za-z0-9_]`, 1 to 30
/// characters, not one of the reserved names. Storage refuses anything
/// else, so a name can never reach outside its own key.
pub fn check_dump_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_DUMP_NAME_LEN {
        return Err(format!(
            "dump name {name:?} must be 1 to {MAX_DUMP_NAME_LEN} characters"
        ));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "dump name {name:?} may only contain letters, digits and _"
        ));
    }
    if RESERVED_DUMP_NAMES.contains(&name) {
        return Err(format!("dump name {name:?} is reserved"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_socorro_v1() {
        let id = CrashId::parse("de1bb258-cbbf-4589-a673-34f800160918").unwrap();
        assert_eq!(
            raw_crash(&id),
            "v1/raw_crash/20160918/de1bb258-cbbf-4589-a673-34f800160918"
        );
        assert_eq!(
            dump_names(&id),
            "v1/dump_names/de1bb258-cbbf-4589-a673-34f800160918"
        );
        assert_eq!(
            dump(&id, MAIN_DUMP),
            "v1/dump/de1bb258-cbbf-4589-a673-34f800160918"
        );
        assert_eq!(
            dump(&id, "upload_file_minidump_browser"),
            "v1/upload_file_minidump_browser/de1bb258-cbbf-4589-a673-34f800160918"
        );
        assert_eq!(
            processed_crash(&id),
            "v1/processed_crash/de1bb258-cbbf-4589-a673-34f800160918"
        );
        assert_eq!(raw_crash_day("20160918"), "v1/raw_crash/20160918/");
    }

    #[test]
    fn dump_names_are_checked() {
        assert!(check_dump_name(MAIN_DUMP).is_ok());
        assert!(check_dump_name("memory_report").is_ok());
        for bad in [
            "",
            "../etc",
            "a/b",
            "raw_crash",
            "dump_names",
            "processed_crash",
            "x y",
            &"a".repeat(31),
        ] {
            assert!(check_dump_name(bad).is_err(), "{bad:?} accepted");
        }
    }
}
