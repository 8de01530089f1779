//! A synthetic product history with planted truths, for testing and
//! measuring the emerging-crash detector: `baseline_days` then
//! `window_days` days ending at `end`, Firefox only.
//!
//! - Stable signatures, Zipf-distributed, with day-of-week swings
//!   (weekends at 60 %).
//! - A release on the first day of the window (141.0 beside 140.0) that
//!   doubles the volume: every signature crashes twice as often.
//! - Planted: a new signature that crashes only in the new version
//!   ([`NEW_SIGNATURE`]); one whose share of the product triples in the
//!   window (the signature of [`TRIPLED_RANK`]); and a crash loop of one
//!   install ([`LOOP_SIGNATURE`]), many crashes and one `install_time`,
//!   which must not be flagged.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{Generator, Spec};

/// The signature that appears with the new version.
pub const NEW_SIGNATURE: &str = "mozilla::dom::NewFeature::Start";
/// The signature of one install crashing in a loop.
pub const LOOP_SIGNATURE: &str = "CrashLoop::OnStartup";
/// The Zipf rank of the signature whose share triples.
pub const TRIPLED_RANK: usize = 12;

const OLD_VERSION: (&str, &str) = ("140.0", "20261020093000");
const NEW_VERSION: (&str, &str) = ("141.0", "20261130093000");

/// What to generate.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    pub end: DateTime<Utc>,
    pub baseline_days: u32,
    pub window_days: u32,
    /// About how many crashes in all.
    pub count: u64,
    /// Distinct stable signatures.
    pub signatures: usize,
}

/// What the detector should find, and what it must not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    pub new: Vec<String>,
    pub growing: Vec<String>,
    /// Planted but not emerging (the single-install crash loop).
    pub not_emerging: Vec<String>,
}

impl Scenario {
    pub fn truth(&self) -> Truth {
        Truth {
            new: vec![NEW_SIGNATURE.to_owned()],
            growing: vec![Generator::signature(TRIPLED_RANK)],
            not_emerging: vec![LOOP_SIGNATURE.to_owned()],
        }
    }

    fn days(&self) -> u32 {
        self.baseline_days + self.window_days
    }

    /// The start of day `day` (0: the first of the baseline).
    fn day_start(&self, day: u32) -> DateTime<Utc> {
        self.end - Duration::days(i64::from(self.days() - day))
    }

    /// The volume of `day` relative to a weekday before the release.
    fn factor(&self, day: u32) -> f64 {
        let weekend = matches!(self.day_start(day).weekday(), Weekday::Sat | Weekday::Sun);
        let release = if day >= self.baseline_days { 2.0 } else { 1.0 };
        release * if weekend { 0.6 } else { 1.0 }
    }

    /// Every crash, day by day, to `emit`.
    pub fn generate(
        &self,
        mut emit: impl FnMut(Map<String, Value>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut generator = Generator::new(Spec {
            seed: self.seed,
            weeks: 1,
            end: self.end,
            signatures: self.signatures.max(TRIPLED_RANK + 1),
            threads: 1,
            frames: 4,
        });
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0xe4e6_91c3);
        let weights: f64 = (0..self.days()).map(|d| self.factor(d)).sum();
        let per_day = self.count as f64 / weights;
        let tripled_share = generator.share(TRIPLED_RANK);
        let loop_install = self.end.timestamp() - 86_400 * 90;
        for day in 0..self.days() {
            let start = self.day_start(day);
            let in_window = day >= self.baseline_days;
            let n = (per_day * self.factor(day)).round() as u64;
            let mut crashes: Vec<(Option<usize>, Option<&str>)> = vec![(None, None); n as usize];
            if in_window {
                // Twice the expected crashes again: three times the share.
                let extra = (2.0 * tripled_share * n as f64).round() as usize;
                crashes.extend(std::iter::repeat_n((Some(TRIPLED_RANK), None), extra));
                let new = (per_day / 100.0).round().max(3.0) as usize;
                crashes.extend(std::iter::repeat_n((None, Some(NEW_SIGNATURE)), new));
                let looping = (per_day / 20.0).round().max(10.0) as usize;
                crashes.extend(std::iter::repeat_n((None, Some(LOOP_SIGNATURE)), looping));
            }
            for (rank, planted) in crashes {
                let when = start + Duration::seconds(rng.random_range(0..86_400));
                let rank = rank.or(planted.map(|_| 0));
                let mut crash = generator.crash_at(when, rank);
                let new_version = match planted {
                    Some(NEW_SIGNATURE) => true,
                    _ => in_window && rng.random_bool(0.5),
                };
                let (version, build) = if new_version {
                    NEW_VERSION
                } else {
                    OLD_VERSION
                };
                crash.insert("product".into(), json!("Firefox"));
                crash.insert("version".into(), json!(version));
                crash.insert("release_channel".into(), json!("release"));
                crash.insert("build".into(), json!(build));
                crash.insert(
                    "major_version".into(),
                    json!(version[..3].parse::<i64>().unwrap_or(0)),
                );
                if let Some(signature) = planted {
                    crash.insert("signature".into(), json!(signature));
                }
                if planted == Some(LOOP_SIGNATURE) {
                    crash.insert("install_time".into(), json!(loop_install));
                }
                emit(crash)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planted_signatures_are_where_the_scenario_says() {
        let scenario = Scenario {
            seed: 3,
            end: "2026-12-06T12:00:00Z".parse().unwrap(),
            baseline_days: 28,
            window_days: 7,
            count: 4000,
            signatures: 300,
        };
        let window_start = scenario.end - Duration::days(7);
        let (mut total, mut loop_installs, mut new_before) =
            (0, std::collections::BTreeSet::new(), 0);
        let mut tripled = [0u64; 2];
        scenario
            .generate(|crash| {
                total += 1;
                let when: DateTime<Utc> =
                    crash["date_processed"].as_str().unwrap().parse().unwrap();
                let signature = crash["signature"].as_str().unwrap();
                let in_window = when >= window_start;
                if signature == LOOP_SIGNATURE {
                    loop_installs.insert(crash["install_time"].to_string());
                }
                if signature == NEW_SIGNATURE && !in_window {
                    new_before += 1;
                }
                if signature == Generator::signature(TRIPLED_RANK) {
                    tripled[usize::from(in_window)] += 1;
                }
                Ok(())
            })
            .unwrap();
        assert!((3900..4400).contains(&total), "{total}");
        assert_eq!(loop_installs.len(), 1);
        assert_eq!(new_before, 0);
        // The window is a third of the volume: a tripled share gives more
        // crashes in 7 days than in the 28 before.
        assert!(tripled[1] > tripled[0], "{tripled:?}");
    }
}
