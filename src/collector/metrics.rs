//! The collector's metrics, registered in the process's [`Registry`].

use std::time::Duration;

use crate::metrics::{
    latency_histogram, observe, Counter, EncodeLabelSet, Family, Histogram, Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CrashLabels {
    outcome: String,
    reason: String,
}

/// Counters and histograms of one collector.
#[derive(Debug, Clone)]
pub struct Metrics {
    crashes: Family<CrashLabels, Counter>,
    bytes_received: Counter,
    publish_failures: Counter,
    save_failures: Counter,
    save: Histogram,
    publish: Histogram,
}

impl Metrics {
    /// The collector's metrics, registered in `registry`.
    pub fn new(registry: &Registry) -> Metrics {
        let m = Metrics {
            crashes: Family::default(),
            bytes_received: Counter::default(),
            publish_failures: Counter::default(),
            save_failures: Counter::default(),
            save: latency_histogram(),
            publish: latency_histogram(),
        };
        let c = "collector";
        registry.register(
            c,
            "crashes",
            "Crash submissions by outcome and reason.",
            m.crashes.clone(),
        );
        for (name, help, counter) in [
            (
                "bytes_received",
                "Request body bytes received on the wire.",
                &m.bytes_received,
            ),
            (
                "save_failures",
                "Crashes that could not be saved (in time, or at all).",
                &m.save_failures,
            ),
            (
                "publish_failures",
                "Saved crashes whose publication to the queue failed.",
                &m.publish_failures,
            ),
        ] {
            registry.register(c, name, help, counter.clone());
        }
        for (name, help, histogram) in [
            ("save", "Time to save a crash to storage.", &m.save),
            ("publish", "Time to publish a crash id.", &m.publish),
        ] {
            registry.register_seconds(c, name, help, histogram.clone());
        }
        m
    }

    /// Counts a crash by outcome (`accepted`, `deferred`, `rejected`,
    /// `fake_accepted`, `discarded`, `failed`) and reason.
    pub fn crash(&self, outcome: &str, reason: &str) {
        self.crashes
            .get_or_create(&CrashLabels {
                outcome: outcome.to_owned(),
                reason: reason.to_owned(),
            })
            .inc();
    }

    pub fn bytes(&self, n: u64) {
        self.bytes_received.inc_by(n);
    }

    pub fn save_time(&self, d: Duration) {
        observe(&self.save, d);
    }

    pub fn publish_time(&self, d: Duration) {
        observe(&self.publish, d);
    }

    pub fn publish_failed(&self) {
        self.publish_failures.inc();
    }

    pub fn save_failed(&self) {
        self.save_failures.inc();
    }
}
