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
    format!("{}{id}", dump_dir(name))
}

/// `v1/<dump name>/`, the directory of a dump's keys ([`dump`]).
pub fn dump_dir(name: &str) -> String {
    let dir = if name == MAIN_DUMP { "dump" } else { name };
    format!("v1/{dir}/")
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

/// A layout crash data can be read in (SPEC 2.3): Socorro's `v1` (what
/// crashkit writes) and three older ones that `migrate` converts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `v1/raw_crash/<YYYYMMDD>/<id>`, `v1/dump_names/<id>`, `v1/<dump>/<id>`, `v1/processed_crash/<id>`.
    V1,
    /// Socorro's older entropy layout: `v2/raw_crash/<first 3 chars of id>/<YYYYMMDD>/<id>`;
    /// dump names, dumps and processed crashes where `v1` has them.
    V2Entropy,
    /// Antenna's filesystem layout: `<YYYYMMDD>/raw_crash/<id>.json`,
    /// `<YYYYMMDD>/dump_names/<id>.json`, `<YYYYMMDD>/<dump name>/<id>`; no processed crashes.
    AntennaFs,
    /// crashstats-tools' `fetch-data` layout: `raw_crash/<YYYYMMDD>/<id>`,
    /// `dump_names/<id>`, `<dump name>/<id>`, `processed_crash/<id>`.
    CrashstatsTools,
}

impl Layout {
    /// Where the raw crash of `id` is.
    pub fn raw_crash(self, id: &CrashId) -> String {
        match self {
            Layout::V1 => raw_crash(id),
            Layout::V2Entropy => {
                format!("v2/raw_crash/{}/{}/{id}", &id.as_str()[..3], id.date_key())
            }
            Layout::AntennaFs => format!("{}/raw_crash/{id}.json", id.date_key()),
            Layout::CrashstatsTools => format!("raw_crash/{}/{id}", id.date_key()),
        }
    }

    /// Where the dump names of `id` are.
    pub fn dump_names(self, id: &CrashId) -> String {
        match self {
            Layout::V1 | Layout::V2Entropy => dump_names(id),
            Layout::AntennaFs => format!("{}/dump_names/{id}.json", id.date_key()),
            Layout::CrashstatsTools => format!("dump_names/{id}"),
        }
    }

    /// Where the dump `name` of `id` is.
    pub fn dump(self, id: &CrashId, name: &str) -> String {
        match self {
            Layout::V1 | Layout::V2Entropy => dump(id, name),
            Layout::AntennaFs => format!("{}/{name}/{id}", id.date_key()),
            Layout::CrashstatsTools => format!("{name}/{id}"),
        }
    }

    /// Where the processed crash of `id` is, if the layout has them.
    pub fn processed_crash(self, id: &CrashId) -> Option<String> {
        match self {
            Layout::V1 | Layout::V2Entropy => Some(processed_crash(id)),
            Layout::AntennaFs => None,
            Layout::CrashstatsTools => Some(format!("processed_crash/{id}")),
        }
    }

    /// The prefix to list for the raw crashes of one day (`YYYYMMDD`), or
    /// of every day (`None`). The entropy layout spreads a day over 4,096
    /// directories, so it is always listed whole and filtered.
    pub fn raw_crash_prefix(self, date_key: Option<&str>) -> String {
        match (self, date_key) {
            (Layout::V1, Some(day)) => raw_crash_day(day),
            (Layout::V1, None) => "v1/raw_crash/".into(),
            (Layout::V2Entropy, _) => "v2/raw_crash/".into(),
            (Layout::AntennaFs, Some(day)) => format!("{day}/raw_crash/"),
            (Layout::AntennaFs, None) => String::new(),
            (Layout::CrashstatsTools, Some(day)) => format!("raw_crash/{day}/"),
            (Layout::CrashstatsTools, None) => "raw_crash/".into(),
        }
    }

    /// The crash id a listed key is the raw crash of (`None`: the key is
    /// something else, or not where this layout puts that crash).
    pub fn raw_crash_id(self, key: &str) -> Option<CrashId> {
        let name = key.rsplit('/').next()?;
        let name = match self {
            Layout::AntennaFs => name.strip_suffix(".json")?,
            _ => name,
        };
        let id = CrashId::parse(name).ok()?;
        (self.raw_crash(&id) == key).then_some(id)
    }
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
    fn older_layouts_name_their_keys_and_list_back_to_ids() {
        let id = CrashId::parse("de1bb258-cbbf-4589-a673-34f800160918").unwrap();
        for (layout, raw, names, dump, processed) in [
            (
                Layout::V2Entropy,
                "v2/raw_crash/de1/20160918/de1bb258-cbbf-4589-a673-34f800160918",
                "v1/dump_names/de1bb258-cbbf-4589-a673-34f800160918",
                "v1/dump/de1bb258-cbbf-4589-a673-34f800160918",
                Some("v1/processed_crash/de1bb258-cbbf-4589-a673-34f800160918"),
            ),
            (
                Layout::AntennaFs,
                "20160918/raw_crash/de1bb258-cbbf-4589-a673-34f800160918.json",
                "20160918/dump_names/de1bb258-cbbf-4589-a673-34f800160918.json",
                "20160918/upload_file_minidump/de1bb258-cbbf-4589-a673-34f800160918",
                None,
            ),
            (
                Layout::CrashstatsTools,
                "raw_crash/20160918/de1bb258-cbbf-4589-a673-34f800160918",
                "dump_names/de1bb258-cbbf-4589-a673-34f800160918",
                "upload_file_minidump/de1bb258-cbbf-4589-a673-34f800160918",
                Some("processed_crash/de1bb258-cbbf-4589-a673-34f800160918"),
            ),
        ] {
            assert_eq!(layout.raw_crash(&id), raw);
            assert_eq!(layout.dump_names(&id), names);
            assert_eq!(layout.dump(&id, MAIN_DUMP), dump);
            assert_eq!(layout.processed_crash(&id).as_deref(), processed);
            assert_eq!(layout.raw_crash_id(raw), Some(id.clone()));
            assert!(layout.raw_crash_prefix(Some("20160918")).len() <= raw.len());
            assert!(raw.starts_with(&layout.raw_crash_prefix(Some("20160918"))));
        }
        // A crash filed under the wrong day is not this layout's.
        assert_eq!(
            Layout::V1.raw_crash_id("v1/raw_crash/20160917/de1bb258-cbbf-4589-a673-34f800160918"),
            None
        );
        assert_eq!(
            Layout::AntennaFs.raw_crash_id("20160918/dump_names/x.json"),
            None
        );
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
