//! The collector's Prometheus metrics, in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histograms, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram in Prometheus' cumulative-bucket form.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (bound, count) in BUCKETS.iter().zip(self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", self.sum, self.count);
    }
}

/// Counters and histograms of one collector.
#[derive(Debug, Default)]
pub struct Metrics {
    crashes: Mutex<BTreeMap<(String, String), u64>>,
    bytes_received: AtomicU64,
    publish_failures: AtomicU64,
    save_failures: AtomicU64,
    save: Mutex<Histogram>,
    publish: Mutex<Histogram>,
}

impl Metrics {
    /// Counts a crash by outcome (`accepted`, `deferred`, `rejected`,
    /// `fake_accepted`, `discarded`, `failed`) and reason.
    pub fn crash(&self, outcome: &str, reason: &str) {
        if let Ok(mut m) = self.crashes.lock() {
            *m.entry((outcome.to_owned(), reason.to_owned()))
                .or_default() += 1;
        }
    }

    pub fn bytes(&self, n: u64) {
        self.bytes_received.fetch_add(n, Ordering::Relaxed);
    }

    pub fn save_time(&self, d: Duration) {
        if let Ok(mut h) = self.save.lock() {
            h.observe(d.as_secs_f64());
        }
    }

    pub fn publish_time(&self, d: Duration) {
        if let Ok(mut h) = self.publish.lock() {
            h.observe(d.as_secs_f64());
        }
    }

    pub fn publish_failed(&self) {
        self.publish_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn save_failed(&self) {
        self.save_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP crashkit_collector_crashes_total Crash submissions by outcome and reason.\n",
        );
        out.push_str("# TYPE crashkit_collector_crashes_total counter\n");
        if let Ok(m) = self.crashes.lock() {
            for ((outcome, reason), n) in m.iter() {
                let _ = writeln!(out, "crashkit_collector_crashes_total{{outcome=\"{outcome}\",reason=\"{reason}\"}} {n}");
            }
        }
        for (name, help, value) in [
            (
                "crashkit_collector_bytes_received_total",
                "Request body bytes received on the wire.",
                &self.bytes_received,
            ),
            (
                "crashkit_collector_save_failures_total",
                "Crashes that could not be saved after all tries.",
                &self.save_failures,
            ),
            (
                "crashkit_collector_publish_failures_total",
                "Saved crashes whose publication to the queue failed.",
                &self.publish_failures,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        if let Ok(h) = self.save.lock() {
            h.render(
                &mut out,
                "crashkit_collector_save_seconds",
                "Time to save a crash to storage.",
            );
        }
        if let Ok(h) = self.publish.lock() {
            h.render(
                &mut out,
                "crashkit_collector_publish_seconds",
                "Time to publish a crash id.",
            );
        }
        out
    }
}
