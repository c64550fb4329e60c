//! Logging for the functions: Lambda's defaults (level from `AWS_LAMBDA_LOG_LEVEL` or
//! `RUST_LOG`, JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`), with an allow-list: only our own crates
//! log below INFO. Every other crate stays at INFO at most, whatever an operator asks for: at
//! DEBUG and TRACE the Lambda runtime prints the raw event, and the HTTP and AWS crates print
//! request bodies — names, dates of birth, document numbers, file URLs, signatures.

use lambda_http::tracing::subscriber::filter::{LevelFilter, Targets};
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;

/// The crates that may log at the level asked for: ours, which never log personal data.
pub const OWN_CRATES: [&str; 5] = [
    "pair_app",
    "issue_tokens",
    "idenfy_callback",
    "notify_decisions",
    "local",
];

/// The most any other crate may log.
const OTHERS_AT_MOST: LevelFilter = LevelFilter::INFO;

/// The filter the functions log through: our crates at `level`, the rest at `level` but never
/// below INFO. Targets, not an EnvFilter: nothing to parse at a cold start.
pub fn filter(level: LevelFilter) -> Targets {
    Targets::new()
        .with_default(level.min(OTHERS_AT_MOST))
        .with_targets(OWN_CRATES.map(|own| (own, level)))
}

/// Installs the functions' subscriber (to stdout, where Lambda collects it); call once,
/// first thing in `main`.
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// The same subscriber writing elsewhere (the local stack keeps stdout for its URL line).
pub fn init_with_writer<W>(writer: W)
where
    W: for<'w> lambda_http::tracing::subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let requested = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| level.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    // The builder's own filter lets all through: `filter` decides.
    let builder = lambda_http::tracing::subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_target(false)
        .without_time()
        .with_writer(writer);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().finish().with(filter(requested)).init();
    } else {
        builder.finish().with(filter(requested)).init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// What gets through `filter(level)` of one event per (target, level).
    fn passed(level: LevelFilter) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = lambda_http::tracing::subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_writer(move || WriterTo(writer.clone()))
            .finish()
            .with(filter(level));
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "lambda_runtime", "lambda_runtime-trace");
            tracing::debug!(target: "aws_smithy_runtime", "aws_smithy_runtime-debug");
            tracing::info!(target: "hyper", "hyper-info");
            tracing::trace!(target: "pair_app::callback", "pair_app-trace");
            tracing::debug!(target: "idenfy_callback", "idenfy_callback-debug");
            tracing::info!(target: "pair_app", "pair_app-info");
        });
        let bytes = buffer.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct WriterTo(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for WriterTo {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut buffer) = self.0.lock() {
                buffer.extend_from_slice(bytes);
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn only_our_crates_log_below_info() {
        let at_trace = passed(LevelFilter::TRACE);
        for shown in [
            "pair_app-trace",
            "idenfy_callback-debug",
            "pair_app-info",
            "hyper-info",
        ] {
            assert!(at_trace.contains(shown), "{shown} missing: {at_trace}");
        }
        for hidden in ["lambda_runtime-trace", "aws_smithy_runtime-debug"] {
            assert!(!at_trace.contains(hidden), "{hidden} logged: {at_trace}");
        }
        let at_warn = passed(LevelFilter::WARN);
        assert!(!at_warn.contains("-info"), "{at_warn}");
        assert!(!at_warn.contains("-trace"), "{at_warn}");
    }
}
