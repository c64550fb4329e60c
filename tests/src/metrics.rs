//! A metric sink that keeps what the handlers counted, for the tests to read.

use pair_adapters::metrics::{MetricSink, Metrics};
use std::sync::{Arc, Mutex};

/// Each count, as `metric` or `metric:dimension=value`, and each gauge as `metric=value`,
/// in order.
#[derive(Default)]
pub struct Recorded(Mutex<Vec<String>>);

impl MetricSink for Recorded {
    fn count(&self, _function: &'static str, name: &'static str, dimension: Option<(&str, &str)>) {
        if let Ok(mut counts) = self.0.lock() {
            counts.push(match dimension {
                Some((key, value)) => format!("{name}:{key}={value}"),
                None => name.to_owned(),
            });
        }
    }

    fn gauge(&self, _function: &'static str, name: &'static str, value: u64, _unit: &'static str) {
        if let Ok(mut counts) = self.0.lock() {
            counts.push(format!("{name}={value}"));
        }
    }
}

impl Recorded {
    /// A recorder, and the `Metrics` of `function` that count into it.
    pub fn start(function: &'static str) -> (Arc<Self>, Metrics) {
        let recorded = Arc::new(Self::default());
        let metrics = Metrics::with_sink(function, recorded.clone());
        (recorded, metrics)
    }

    pub fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|counts| counts.clone())
            .unwrap_or_default()
    }
}
