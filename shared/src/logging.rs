//! Logging for the functions: Lambda's defaults (level from `AWS_LAMBDA_LOG_LEVEL` or
//! `RUST_LOG`, JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`), except that the HTTP and AWS SDK
//! crates never log below DEBUG: at TRACE they print request bodies, and ours hold names and
//! dates of birth.

use lambda_http::tracing::subscriber::EnvFilter;
use lambda_http::tracing::subscriber::filter::LevelFilter;

/// Crates whose TRACE output includes request or response bodies.
pub const BODY_LOGGING_TARGETS: [&str; 7] = [
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sdk_dynamodb",
    "hyper",
    "hyper_util",
    "reqwest",
];

/// The filter the functions log through, at `level` for everything else.
pub fn filter(level: LevelFilter) -> EnvFilter {
    BODY_LOGGING_TARGETS.iter().fold(
        EnvFilter::builder()
            .with_default_directive(level.into())
            .parse_lossy(""),
        |filter, target| match format!("{target}=debug").parse() {
            Ok(directive) if level > LevelFilter::DEBUG => filter.add_directive(directive),
            _ => filter,
        },
    )
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
    let builder = lambda_http::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(requested))
        .with_writer(writer);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
