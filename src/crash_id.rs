//! Crash ids in Socorro's format, and reading them the way operators paste them.
//!
//! A crash id is a random UUIDv4 whose last seven characters are replaced by a
//! throttle digit and the UTC collection date `YYMMDD`, for example
//! `de1bb258-cbbf-4589-a673-34f800160918`. The date in the id is the one
//! partition key of the whole pipeline: storage keys, queue messages and index
//! partitions all derive the day from it, never from a timestamp field.

use std::fmt;
use std::io::BufRead;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of a crash id in characters.
pub const LEN: usize = 36;

/// What the collector decided about a crash, encoded as the throttle digit of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Throttle {
    /// `0`: stored and queued for processing.
    Accept,
    /// `1`: stored but not queued.
    Defer,
    /// `3`: answered as accepted, but neither stored nor queued.
    FakeAccept,
}

impl Throttle {
    /// The digit written into the crash id.
    pub fn digit(self) -> char {
        match self {
            Throttle::Accept => '0',
            Throttle::Defer => '1',
            Throttle::FakeAccept => '3',
        }
    }
}

/// A valid crash id: 36 characters of lower-case hex and dashes, ending in
/// the throttle digit and six date digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrashId(String);

/// An input that is not a crash id; displays as `<input>: not a valid crash id`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: not a valid crash id")]
pub struct InvalidCrashId {
    /// The input as the user gave it (trimmed).
    pub input: String,
}

impl CrashId {
    /// A new random crash id for a crash collected on `date`.
    pub fn generate(throttle: Throttle, date: NaiveDate) -> CrashId {
        CrashId::from_uuid(uuid::Uuid::new_v4(), throttle, date)
    }

    /// The crash id made from `uuid`, `throttle` and `date`: the UUID's last
    /// seven characters are replaced by the throttle digit and `YYMMDD`.
    pub fn from_uuid(uuid: uuid::Uuid, throttle: Throttle, date: NaiveDate) -> CrashId {
        let mut id = uuid.hyphenated().to_string();
        id.truncate(LEN - 7);
        id.push(throttle.digit());
        id.push_str(&format!(
            "{:02}{:02}{:02}",
            date.year().rem_euclid(100),
            date.month(),
            date.day()
        ));
        CrashId(id)
    }

    /// Parses an exact crash id (no prefix, no whitespace, lower case).
    pub fn parse(s: &str) -> Result<CrashId, InvalidCrashId> {
        if is_valid(s) {
            Ok(CrashId(s.to_owned()))
        } else {
            Err(InvalidCrashId {
                input: s.to_owned(),
            })
        }
    }

    /// Parses a crash id the way an operator pastes it: surrounding
    /// whitespace, a `bp-` prefix (as the collector answers), a Crash Stats
    /// report URL ending in `/report/index/<id>` (with or without a query,
    /// fragment or trailing slash), and upper-case hex are all accepted.
    pub fn from_operator_input(input: &str) -> Result<CrashId, InvalidCrashId> {
        let trimmed = input.trim();
        let mut s = trimmed;
        if s.contains("://") || s.contains('/') {
            s = s.split(['?', '#']).next().unwrap_or(s);
            s = s.trim_end_matches('/');
            s = s.rsplit('/').next().unwrap_or(s);
        }
        let s = s
            .strip_prefix("bp-")
            .or_else(|| s.strip_prefix("BP-"))
            .unwrap_or(s);
        CrashId::parse(&s.to_ascii_lowercase()).map_err(|_| InvalidCrashId {
            input: trimmed.to_owned(),
        })
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The throttle digit (the seventh character from the end).
    pub fn throttle_digit(&self) -> char {
        self.0.as_bytes()[LEN - 7] as char
    }

    /// The partition day as Socorro writes it in keys: `20YYMMDD`.
    ///
    /// This is taken from the id's characters and never fails, even for an
    /// id whose digits are not a calendar date (Socorro does the same).
    pub fn date_key(&self) -> String {
        format!("20{}", &self.0[LEN - 6..])
    }

    /// The calendar date of the id, if its digits are a real date.
    pub fn date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.date_key(), "%Y%m%d").ok()
    }
}

/// Whether `s` is exactly a crash id:
/// `^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{6}[0-9]{6}$`.
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == LEN
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            30.. => c.is_ascii_digit(),
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

impl fmt::Display for CrashId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CrashId {
    type Err = InvalidCrashId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CrashId::parse(s)
    }
}

impl AsRef<str> for CrashId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for CrashId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CrashId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        CrashId::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One item read by [`read_ids`].
#[derive(Debug, thiserror::Error)]
pub enum IdInputError {
    /// A line or argument that is not a crash id.
    #[error(transparent)]
    Invalid(#[from] InvalidCrashId),
    /// Reading stdin failed.
    #[error("reading crash ids from stdin: {0}")]
    Io(#[from] std::io::Error),
}

/// Crash ids from command-line arguments, or, when there are none or the only
/// one is `-`, from `stdin`, one per line. Blank lines and lines starting
/// with `#` are skipped; each other input yields a crash id or an error, in
/// order, so a caller reports bad ones and carries on.
pub fn read_ids<'a, R: BufRead + 'a>(
    args: &'a [String],
    stdin: R,
) -> Box<dyn Iterator<Item = Result<CrashId, IdInputError>> + 'a> {
    let from_stdin = args.is_empty() || (args.len() == 1 && args[0] == "-");
    let parse = |s: &str| {
        let t = s.trim();
        (!t.is_empty() && !t.starts_with('#'))
            .then(|| CrashId::from_operator_input(t).map_err(IdInputError::from))
    };
    if from_stdin {
        Box::new(stdin.lines().filter_map(move |line| match line {
            Ok(line) => parse(&line),
            Err(e) => Some(Err(IdInputError::Io(e))),
        }))
    } else {
        Box::new(args.iter().filter_map(move |a| parse(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ID: &str = "de1bb258-cbbf-4589-a673-34f800160918";

    #[test]
    fn parses_and_dates_a_socorro_id() {
        let id = CrashId::parse(ID).unwrap();
        assert_eq!(id.date_key(), "20160918");
        assert_eq!(id.date(), NaiveDate::from_ymd_opt(2016, 9, 18));
        assert_eq!(id.throttle_digit(), '0');
    }

    #[test]
    fn rejects_near_misses() {
        for bad in [
            "",
            "de1bb258-cbbf-4589-a673-34f80016091",   // short
            "de1bb258-cbbf-4589-a673-34f8001609188", // long
            "DE1BB258-cbbf-4589-a673-34f800160918",  // upper case in strict parse
            "de1bb258-cbbf-4589-a673-34f80016091a",  // hex in the date
            "de1bb258_cbbf-4589-a673-34f800160918",  // wrong separator
            "ge1bb258-cbbf-4589-a673-34f800160918",  // not hex
            "de1bb258-cbbf-4589-a673-34f80016091é",
        ] {
            assert!(CrashId::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn operator_input_forms() {
        for input in [
            ID,
            "  de1bb258-cbbf-4589-a673-34f800160918\n",
            "bp-de1bb258-cbbf-4589-a673-34f800160918",
            "BP-DE1BB258-CBBF-4589-A673-34F800160918",
            "https://crash-stats.mozilla.org/report/index/de1bb258-cbbf-4589-a673-34f800160918",
            "https://crash-stats.mozilla.org/report/index/bp-de1bb258-cbbf-4589-a673-34f800160918/",
            "https://crash-stats.example.org/report/index/de1bb258-cbbf-4589-a673-34f800160918?x=1#top",
        ] {
            assert_eq!(CrashId::from_operator_input(input).unwrap().as_str(), ID, "{input:?}");
        }
        let err = CrashId::from_operator_input("  nope ").unwrap_err();
        assert_eq!(err.to_string(), "nope: not a valid crash id");
    }

    #[test]
    fn reads_ids_from_args_or_stdin() {
        let stdin = format!("{ID}\n\n# comment\nbogus\nbp-{ID}\n");
        let from_stdin: Vec<_> = read_ids(&[], stdin.as_bytes()).collect();
        assert_eq!(from_stdin.len(), 3);
        assert!(from_stdin[0].is_ok() && from_stdin[2].is_ok());
        assert_eq!(
            from_stdin[1].as_ref().unwrap_err().to_string(),
            "bogus: not a valid crash id"
        );
        let args = vec![ID.to_string()];
        let from_args: Vec<_> = read_ids(&args, "ignored".as_bytes()).collect();
        assert_eq!(from_args.len(), 1);
        let dash = vec!["-".to_string()];
        assert_eq!(read_ids(&dash, stdin.as_bytes()).count(), 3);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (2000i32..2100, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn any_throttle() -> impl Strategy<Value = Throttle> {
        prop_oneof![
            Just(Throttle::Accept),
            Just(Throttle::Defer),
            Just(Throttle::FakeAccept)
        ]
    }

    proptest! {
        #[test]
        fn generated_ids_round_trip(bits in any::<u128>(), throttle in any_throttle(), date in any_date()) {
            let id = CrashId::from_uuid(uuid::Uuid::from_u128(bits), throttle, date);
            prop_assert!(is_valid(id.as_str()));
            prop_assert_eq!(CrashId::parse(id.as_str()).unwrap(), id.clone());
            prop_assert_eq!(id.date(), Some(date));
            prop_assert_eq!(id.throttle_digit(), throttle.digit());
            prop_assert_eq!(CrashId::from_operator_input(&format!(" bp-{} ", id.as_str().to_uppercase())).unwrap(), id.clone());
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<CrashId>(&json).unwrap(), id);
        }

        #[test]
        fn parsing_never_panics_and_accepts_only_valid_ids(s in "\\PC{0,40}") {
            if let Ok(id) = CrashId::from_operator_input(&s) {
                prop_assert!(is_valid(id.as_str()));
            }
        }
    }
}
