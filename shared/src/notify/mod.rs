//! Telling the site about each decision. A change of a pair record — the table's stream gives
//! the record before and after — is a decision when a verdict appeared or changed on the live
//! pair ([`decision_change`]); it becomes a [`Notification`] that the sinks deliver at least
//! once through the [`DecisionSink`]s of the notify-decisions function: a webhook to the site
//! signed the [`standard_webhooks`] way, and an event on an EventBridge bus. The notification
//! carries the outcome and the reasons, never a name, a date of birth or a document number.

pub mod standard_webhooks;

use crate::clock::Timestamp;
use crate::pair::{ClientId, Mode, PairRecord, PairStatus, Reason, Verdict};
use crate::secret::runtime::Secrets;
use async_trait::async_trait;
use serde::Serialize;
use standard_webhooks::WebhookSecrets;
use std::time::Duration;

/// The site's webhook endpoint.
#[derive(Debug, Clone)]
pub struct SiteWebhookConfig {
    /// https, or http on this machine (see [`crate::urls`]).
    pub url: String,
    /// Fixed, or read from Secrets Manager while running (`siteWebhookSecrets`).
    pub secrets: Secrets<WebhookSecrets>,
    /// For one delivery, connect to last byte: a slow site holds its record up this long.
    pub timeout: Duration,
}

/// What the site is told: the pair's first verdict, or a later one a revised result brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable per pair and verdict version: a redelivered record yields the same id, so the
    /// receiver de-duplicates (Standard Webhooks' `webhook-id`).
    pub id: String,
    pub client_id: ClientId,
    pub mode: Mode,
    pub verdict: Verdict,
    /// The verdict this one replaced, when a revision brought it.
    pub previous: Option<Verdict>,
}

impl Notification {
    pub fn kind(&self) -> &'static str {
        if self.previous.is_some() {
            "verification.revised"
        } else {
            "verification.decided"
        }
    }

    /// The JSON body: `{"type", "timestamp", "data": {clientId, status, reasons, mode,
    /// decidedAt, version, previous}}`.
    pub fn body(&self) -> String {
        let body = Body {
            kind: self.kind(),
            timestamp: self.verdict.decided_at.to_rfc3339(),
            data: Data {
                client_id: self.client_id.as_str(),
                status: self.verdict.outcome.into(),
                reasons: &self.verdict.reasons,
                mode: self.mode.as_str(),
                decided_at: self.verdict.decided_at.to_rfc3339(),
                version: self.verdict.version,
                previous: self.previous.as_ref().map(|v| Earlier {
                    status: v.outcome.into(),
                    reasons: &v.reasons,
                    decided_at: v.decided_at.to_rfc3339(),
                    version: v.version,
                }),
            },
        };
        // Plain structs of strings and numbers always serialise.
        serde_json::to_string(&body).unwrap_or_default()
    }

    /// When the decision was made.
    pub fn decided_at(&self) -> Timestamp {
        self.verdict.decided_at
    }

    /// The EventBridge event's detail: the webhook's body with its id, so a consumer
    /// de-duplicates the same way a webhook receiver does.
    pub fn event_detail(&self) -> String {
        let mut detail: serde_json::Value = serde_json::from_str(&self.body()).unwrap_or_default();
        if let Some(object) = detail.as_object_mut() {
            object.insert("webhookId".into(), self.id.clone().into());
        }
        detail.to_string()
    }
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Data<'a> {
    client_id: &'a str,
    status: PairStatus,
    reasons: &'a [Reason],
    mode: &'static str,
    decided_at: String,
    version: u32,
    previous: Option<Earlier<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Earlier<'a> {
    status: PairStatus,
    reasons: &'a [Reason],
    decided_at: String,
    version: u32,
}

/// The notification a change of the record from `old` to `new` calls for: `None` unless the
/// record's pair has a verdict it did not have before (a first verdict, a revision's, or the
/// first of a pair that replaced another).
pub fn decision_change(old: Option<&PairRecord>, new: Option<&PairRecord>) -> Option<Notification> {
    let new = new?;
    let pair = new.pair.as_ref()?;
    let verdict = pair.verdict.as_ref()?;
    let before = old
        .and_then(|record| record.pair.as_ref())
        .filter(|old_pair| old_pair.pair_id == pair.pair_id)
        .and_then(|old_pair| old_pair.verdict.as_ref());
    if before.is_some_and(|before| before.version == verdict.version) {
        return None;
    }
    let previous = (verdict.version > 1)
        .then(|| pair.earlier_verdicts.last().cloned())
        .flatten();
    Some(Notification {
        id: format!("msg_{}_v{}", pair.pair_id, verdict.version),
        client_id: new.client_id.clone(),
        mode: pair.mode,
        verdict: verdict.clone(),
        previous,
    })
}

/// Where notifications go. Each sink delivers one notification or says why it could not.
#[async_trait]
pub trait DecisionSink: Send + Sync {
    /// A short name for logs and metrics (`site`, `event-bus`).
    fn name(&self) -> &'static str;

    async fn deliver(&self, notification: &Notification) -> Result<(), DeliveryError>;
}

/// A delivery that did not happen; the record is retried. The text carries no payload data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the site answered {0}")]
    Refused(u16),
    #[error("the site did not answer in time")]
    Timeout,
    #[error("could not reach the site: {0}")]
    Unreachable(String),
    #[error("the event bus did not take the event: {0}")]
    EventBus(String),
    #[error("the site's signing secrets could not be read: {0}")]
    Secrets(String),
}

#[cfg(test)]
mod tests;
