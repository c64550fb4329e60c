//! Telling the site about each decision and each expiry. A change of a pair record — the
//! table's stream gives the record before and after — is a decision when a verdict appeared
//! or changed on the live pair ([`decision_change`]), and an expiry when an alert was added to
//! it ([`expiry_changes`]); each becomes a [`Notification`] that the sinks deliver at least
//! once through the [`DecisionSink`]s of the notify-decisions function: a webhook to the site
//! signed the [`standard_webhooks`] way, and an event on an EventBridge bus. The notification
//! carries the outcome, the reasons and the pair's end date, never a name, a date of birth or
//! a document number.

pub mod standard_webhooks;

use async_trait::async_trait;
use pair_adapters::secret::runtime::Secrets;
use pair_core::clock::Timestamp;
use pair_core::pair::validity::{AlertSource, ExpiryAlert};
use pair_core::pair::{ClientId, Mode, PairRecord, PairStatus, Reason, Threshold, Verdict, dates};
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

/// What the site is told: the pair's first verdict, or a later one a revised result brought
/// — or, with `expiry`, that the verified pair's end is near or past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Stable per pair and verdict version (per pair and threshold for an expiry): a
    /// redelivered record yields the same id, so the receiver de-duplicates (Standard
    /// Webhooks' `webhook-id`).
    pub id: String,
    pub client_id: ClientId,
    pub mode: Mode,
    /// The pair's verdict (for an expiry, the one in force).
    pub verdict: Verdict,
    /// The verdict this one replaced, when a revision brought it.
    pub previous: Option<Verdict>,
    /// The pair's end as the verdict saw it (`YYYY-MM-DD`), when known.
    pub valid_until: Option<String>,
    /// The threshold crossed, for an expiry notification.
    pub expiry: Option<ExpiryAlert>,
}

impl Notification {
    pub fn kind(&self) -> &'static str {
        match &self.expiry {
            Some(alert) if alert.threshold == Threshold::Expired => "verification.expired",
            Some(_) => "verification.expiring",
            None if self.previous.is_some() => "verification.revised",
            None => "verification.decided",
        }
    }

    /// The JSON body: `{"type", "timestamp", "data": {clientId, status, reasons, mode,
    /// decidedAt, version, validUntil, previous}}` for a decision; `{"type", "timestamp",
    /// "data": {clientId, status, mode, validUntil, daysLeft, threshold, source}}` for an
    /// expiry.
    pub fn body(&self) -> String {
        let status = self.verdict.outcome.into();
        let body = match &self.expiry {
            Some(alert) => serde_json::to_string(&Body {
                kind: self.kind(),
                timestamp: alert.at.to_rfc3339(),
                data: ExpiryData {
                    client_id: self.client_id.as_str(),
                    status,
                    mode: self.mode.as_str(),
                    valid_until: &alert.ends_on,
                    days_left: alert.days_left,
                    threshold: alert.threshold.days(),
                    source: alert.source,
                },
            }),
            None => serde_json::to_string(&Body {
                kind: self.kind(),
                timestamp: self.verdict.decided_at.to_rfc3339(),
                data: Data {
                    client_id: self.client_id.as_str(),
                    status,
                    reasons: &self.verdict.reasons,
                    mode: self.mode.as_str(),
                    decided_at: self.verdict.decided_at.to_rfc3339(),
                    version: self.verdict.version,
                    valid_until: self.valid_until.as_deref(),
                    previous: self.previous.as_ref().map(|v| Earlier {
                        status: v.outcome.into(),
                        reasons: &v.reasons,
                        decided_at: v.decided_at.to_rfc3339(),
                        version: v.version,
                    }),
                },
            }),
        };
        // Plain structs of strings and numbers always serialise.
        body.unwrap_or_default()
    }

    /// When the decision was made (for an expiry, when the threshold was found crossed).
    pub fn decided_at(&self) -> Timestamp {
        self.expiry
            .as_ref()
            .map_or(self.verdict.decided_at, |a| a.at)
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
struct Body<D> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: D,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExpiryData<'a> {
    client_id: &'a str,
    status: PairStatus,
    mode: &'static str,
    valid_until: &'a str,
    days_left: i64,
    threshold: u32,
    source: AlertSource,
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
    valid_until: Option<&'a str>,
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
        valid_until: pair.valid_until().map(dates::format),
        expiry: None,
    })
}

/// The expiry notifications a change of the record from `old` to `new` calls for: one per
/// alert the live pair has that it did not have before.
pub fn expiry_changes(old: Option<&PairRecord>, new: Option<&PairRecord>) -> Vec<Notification> {
    let Some((new, pair)) = new.and_then(|r| Some((r, r.pair.as_ref()?))) else {
        return vec![];
    };
    let Some(verdict) = pair.verdict.as_ref() else {
        return vec![];
    };
    let told_before = old
        .and_then(|record| record.pair.as_ref())
        .filter(|old_pair| old_pair.pair_id == pair.pair_id)
        .map_or(&[][..], |old_pair| old_pair.expiry.alerts.as_slice());
    pair.expiry
        .alerts
        .iter()
        .filter(|alert| !told_before.iter().any(|t| t.threshold == alert.threshold))
        .map(|alert| Notification {
            id: match alert.threshold {
                Threshold::Expired => format!("msg_{}_expired", pair.pair_id),
                other => format!("msg_{}_expiring_{}", pair.pair_id, other.days()),
            },
            client_id: new.client_id.clone(),
            mode: pair.mode,
            verdict: verdict.clone(),
            previous: None,
            valid_until: Some(alert.ends_on.clone()),
            expiry: Some(alert.clone()),
        })
        .collect()
}

/// Everything a change of the record calls for, in order: the decision, then the expiries.
pub fn changes(old: Option<&PairRecord>, new: Option<&PairRecord>) -> Vec<Notification> {
    decision_change(old, new)
        .into_iter()
        .chain(expiry_changes(old, new))
        .collect()
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
