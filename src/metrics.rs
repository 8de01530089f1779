//! Prometheus metrics of the long-running subcommands, on the
//! `prometheus-client` crate.
//!
//! One [`Registry`] per process: each component registers its metrics
//! under its own name, and the process serves them all on `/metrics`
//! (`collect-serve` on its own port, `process --queue --metrics-addr` on
//! the address given). Names follow `crashkit_<component>_<what>_<unit>`;
//! counters end in `_total`. The list is in docs/metrics.md.

use std::sync::Mutex;
use std::time::Duration;

pub use prometheus_client::encoding::EncodeLabelSet;
pub use prometheus_client::metrics::counter::Counter;
pub use prometheus_client::metrics::family::Family;
pub use prometheus_client::metrics::gauge::Gauge;
pub use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Unit};

/// The `Content-Type` of [`Registry::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of latency histograms, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram with crashkit's buckets (1 ms to 10 s).
pub fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Observes `elapsed` in a latency histogram, in seconds.
pub fn observe(histogram: &Histogram, elapsed: Duration) {
    histogram.observe(elapsed.as_secs_f64());
}

/// Every metric of one process.
#[derive(Debug)]
pub struct Registry {
    inner: Mutex<prometheus_client::registry::Registry>,
}

impl Default for Registry {
    fn default() -> Registry {
        Registry {
            inner: Mutex::new(prometheus_client::registry::Registry::with_prefix(
                "crashkit",
            )),
        }
    }
}

impl Registry {
    /// Registers `metric` as `crashkit_<component>_<name>` (counters get
    /// `_total` appended by the encoder).
    pub fn register(&self, component: &str, name: &str, help: &str, metric: impl Metric) {
        if let Ok(mut r) = self.inner.lock() {
            r.register(format!("{component}_{name}"), help, metric);
        }
    }

    /// Registers a metric measured in seconds: `crashkit_<component>_<name>_seconds`.
    pub fn register_seconds(&self, component: &str, name: &str, help: &str, metric: impl Metric) {
        if let Ok(mut r) = self.inner.lock() {
            r.register_with_unit(format!("{component}_{name}"), help, Unit::Seconds, metric);
        }
    }

    /// The OpenMetrics text of every registered metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(r) = self.inner.lock() {
            // Writing into a String cannot fail.
            let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct Outcome {
        outcome: String,
    }

    #[test]
    fn names_follow_the_scheme() {
        let registry = Registry::default();
        let crashes = Family::<Outcome, Counter>::default();
        let save = latency_histogram();
        registry.register("collector", "crashes", "Crashes.", crashes.clone());
        registry.register_seconds("collector", "save", "Save time.", save.clone());
        crashes
            .get_or_create(&Outcome {
                outcome: "accepted".into(),
            })
            .inc();
        observe(&save, Duration::from_millis(3));
        let text = registry.render();
        assert!(
            text.contains("crashkit_collector_crashes_total{outcome=\"accepted\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("crashkit_collector_save_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains("crashkit_collector_save_seconds_bucket{le=\"0.005\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
