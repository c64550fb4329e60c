//! A metric sink that keeps what the handlers counted, for the tests to read.

use shared::metrics::{MetricSink, Metrics};
use std::sync::{Arc, Mutex};

/// (function, metric, dimension) of each count, in order.
#[derive(Default)]
pub struct Recorded(Mutex<Vec<(String, String, Option<(String, String)>)>>);

impl MetricSink for Recorded {
    fn count(&self, function: &'static str, name: &'static str, dimension: Option<(&str, &str)>) {
        if let Ok(mut counts) = self.0.lock() {
            counts.push((
                function.to_owned(),
                name.to_owned(),
                dimension.map(|(k, v)| (k.to_owned(), v.to_owned())),
            ));
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

    /// `metric` or `metric:dimension value` for each count.
    pub fn names(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|counts| {
                counts
                    .iter()
                    .map(|(_, name, dimension)| match dimension {
                        Some((key, value)) => format!("{name}:{key}={value}"),
                        None => name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
