//! The notifier's figures beside the other functions': a site on this machine that answers
//! every webhook at once, and the time per record of the handler itself (read the images,
//! decide it is a decision, sign, deliver to that site).

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use notify_decisions::{NotifyDecisions, NotifyPorts};
use pair_adapters::metrics::Metrics;
use pair_adapters::secret::runtime::Secrets;
use pair_app::config::NotifyConfig;
use pair_app::notify::SiteWebhookConfig;
use pair_app::notify::standard_webhooks::WebhookSecrets;
use pair_core::clock::SystemClock;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The bench's site secret: not a secret, the site never leaves this machine.
pub const SECRET: &str = "whsec_YmVuY2gtc2l0ZS13ZWJob29rLXNlY3JldC0wMTIzNDU=";

pub struct Site {
    pub url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Site {
    pub async fn start() -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let router = Router::new().route("/hooks", post(|| async { StatusCode::NO_CONTENT }));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self {
            url: format!("http://{address}/hooks"),
            server,
        })
    }

    pub fn stop(self) {
        self.server.abort();
    }
}

/// The sample decision's stream record through the handler `iterations` times: p50, p99.
pub async fn per_record(site_url: &str, iterations: usize) -> Result<Value, String> {
    let path = crate::workspace().join("events/notify-decisions/decided.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let event: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let config = SiteWebhookConfig {
        url: site_url.to_owned(),
        secrets: Secrets::fixed(WebhookSecrets::parse(SECRET).map_err(|e| e.to_string())?),
        timeout: Duration::from_secs(5),
    };
    let handler = NotifyDecisions::build(
        NotifyConfig {
            site: Some(config),
            event_bus: None,
        },
        NotifyPorts::from_env(Arc::new(SystemClock), Metrics::off()),
    );
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let response = handler.handle(event.clone()).await;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        if !response.batch_item_failures.is_empty() {
            return Err("the local site refused a notification".into());
        }
    }
    samples.sort_by(f64::total_cmp);
    Ok(json!({
        "iterations": iterations,
        "p50_ms": crate::round(crate::percentile(&samples, 50.0)),
        "p99_ms": crate::round(crate::percentile(&samples, 99.0)),
    }))
}
