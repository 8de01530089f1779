//! The Super Search query parser never panics: each input line is a
//! `name=value` parameter (Lucene regexes, ranges, facets, histograms,
//! `_results_number`, dates and all), given to `Search::parse`.
#![no_main]

use chrono::{TimeZone, Utc};
use crashkit::search::Search;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let params: Vec<(String, String)> = text
        .lines()
        .take(64)
        .map(|line| match line.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
    let _ = Search::parse(&params, now);
});
