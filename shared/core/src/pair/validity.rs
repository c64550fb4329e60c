//! How long a decided pair holds. A residence permit is time-limited permission, and the
//! identity document that goes with it expires too: the pair is valid until the earlier of
//! the two ([`Pair::valid_until`]). iDenfy may say more later (its document-expiration
//! webhook, [`ExpirationNotice`]); the stricter of its word and our own date wins.
//!
//! A verified pair is watched: at 30, 7 and 1 days left and once expired ([`Threshold`]),
//! one alert is recorded on the pair ([`ExpiryAlert`]) for the notifier to tell the site. The
//! record carries the next threshold and the day it is due ([`ExpiryWatch`]), the key of a
//! sparse index that the daily run reads instead of scanning the table.

use super::dates;
use super::{Mode, Outcome, Pair, Role};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::{Date, Duration};

/// A verified pair's record is kept this many days past its end, so that the expired alert
/// (due the day after) goes out even after a week of missed runs.
pub const KEEP_AFTER_END_DAYS: i64 = 8;
/// Keeping a record for the watch stops here, whatever date a document states.
pub const KEEP_AT_MOST_DAYS: i64 = 3650;

/// What a pair's validity is on a given day, from the laxest to the strictest: an unknown
/// end is stricter than a known far one, never as strict as a near one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Validity {
    Valid,
    Unknown,
    /// Within the warning window (`EXPIRY_WARNING_DAYS`) of its end, still valid.
    Expiring,
    /// Past its end: a document is valid through its expiry day.
    Expired,
}

impl Validity {
    pub fn as_str(self) -> &'static str {
        match self {
            Validity::Valid => "VALID",
            Validity::Unknown => "UNKNOWN",
            Validity::Expiring => "EXPIRING",
            Validity::Expired => "EXPIRED",
        }
    }

    /// The validity of something that ends on `end`, seen on `today`.
    pub fn of_end(end: Date, today: Date, warning_days: u32) -> Self {
        let left = dates::days_between(today, end);
        if left < 0 {
            Validity::Expired
        } else if left <= i64::from(warning_days) {
            Validity::Expiring
        } else {
            Validity::Valid
        }
    }
}

/// Days left at which the site is told, from the first to the last; iDenfy's
/// document-expiration webhook uses the same four. Stored as the number of days (0: expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u32", try_from = "u32")]
pub enum Threshold {
    Days30,
    Days7,
    Days1,
    /// The day after the end.
    Expired,
}

impl Threshold {
    /// In the order they are crossed.
    pub const ALL: [Threshold; 4] = [
        Threshold::Days30,
        Threshold::Days7,
        Threshold::Days1,
        Threshold::Expired,
    ];

    pub fn days(self) -> u32 {
        match self {
            Threshold::Days30 => 30,
            Threshold::Days7 => 7,
            Threshold::Days1 => 1,
            Threshold::Expired => 0,
        }
    }

    /// The first day on which a pair ending on `end` has crossed this threshold.
    pub fn due_day(self, end: Date) -> Date {
        let due = match self {
            Threshold::Expired => end.checked_add(Duration::days(1)),
            other => end.checked_sub(Duration::days(i64::from(other.days()))),
        };
        due.unwrap_or(end)
    }

    /// The last threshold crossed with `days_left` (negative: past the end), if any.
    pub fn crossed(days_left: i64) -> Option<Self> {
        Self::ALL
            .into_iter()
            .rev()
            .find(|threshold| match threshold {
                Threshold::Expired => days_left < 0,
                other => days_left <= i64::from(other.days()),
            })
    }

    /// The threshold after this one, if any.
    pub fn next(self) -> Option<Self> {
        Self::ALL.into_iter().find(|t| *t > self)
    }
}

impl From<Threshold> for u32 {
    fn from(threshold: Threshold) -> Self {
        threshold.days()
    }
}

impl TryFrom<u32> for Threshold {
    type Error = String;
    fn try_from(days: u32) -> Result<Self, Self::Error> {
        Threshold::ALL
            .into_iter()
            .find(|t| t.days() == days)
            .ok_or_else(|| format!("no expiry threshold at {days} days"))
    }
}

/// iDenfy's word on one session's document (its DOCUMENT_EXPIRATION webhook).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpirationNotice {
    pub threshold: Threshold,
    /// `documentExpiration` as sent: a date when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_expiration: Option<String>,
    pub received_at: Timestamp,
}

impl ExpirationNotice {
    /// The date it states, when it states a readable one.
    pub fn date(&self) -> Option<Date> {
        self.document_expiration.as_deref().and_then(dates::parse)
    }

    /// The latest the document can end by this notice alone: "within N days" of its
    /// arrival, or the day before it for "expired".
    pub fn bound(&self) -> Date {
        let day = dates::day_of(self.received_at);
        let bound = match self.threshold {
            Threshold::Expired => day.checked_sub(Duration::days(1)),
            other => day.checked_add(Duration::days(i64::from(other.days()))),
        };
        bound.unwrap_or(day)
    }
}

/// Where an alert's news came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertSource {
    /// The daily run, from the documents' dates.
    Schedule,
    /// iDenfy's document-expiration webhook.
    Idenfy,
}

/// A threshold crossed, for the site: recorded once per threshold and pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryAlert {
    pub threshold: Threshold,
    /// Days from the alert's day to the pair's end (negative once expired).
    pub days_left: i64,
    /// The pair's end as the alert saw it (`YYYY-MM-DD`).
    pub ends_on: String,
    pub source: AlertSource,
    pub at: Timestamp,
}

/// What a pair knows of its end beyond its documents: iDenfy's notices (by scanRef), and the
/// alerts already recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpiryState {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notices: BTreeMap<String, ExpirationNotice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<ExpiryAlert>,
}

impl ExpiryState {
    pub fn is_empty(&self) -> bool {
        self.notices.is_empty() && self.alerts.is_empty()
    }

    /// The last threshold the site was told of.
    pub fn alerted(&self) -> Option<Threshold> {
        self.alerts.iter().map(|a| a.threshold).max()
    }
}

/// The next threshold a watched pair crosses, and the day it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryWatch {
    pub threshold: Threshold,
    pub due: Date,
}

impl ExpiryWatch {
    /// The due day as the index keys it (`YYYY-MM-DD`, which sorts as the days do).
    pub fn due_key(&self) -> String {
        dates::format(self.due)
    }
}

impl Pair {
    /// One session's document end: the earlier of its own expiry date and a date iDenfy
    /// stated later. `Ok(None)`: the document states none (an identity document that does
    /// not expire); `Err(())`: one is stated but unreadable, or a permit states none.
    fn document_end(&self, role: Role) -> Result<Option<Date>, ()> {
        // The document decided on: for the permit, the deciding document session (a renewal's
        // once its result decided, the earlier one until then).
        let scan_ref = match role {
            Role::Identity => self.identity.scan_ref.as_str(),
            Role::Document => self.deciding_document().ok_or(())?,
        };
        let noticed = self
            .expiry
            .notices
            .get(scan_ref)
            .and_then(ExpirationNotice::date);
        let stated = self
            .half(role)
            .and_then(|half| half.facts.expiry.as_deref());
        let own = match stated.map(dates::parse) {
            Some(Some(date)) => Some(date),
            // Written, but not a date we can read: never taken as a valid one.
            Some(None) => return noticed.map(Some).ok_or(()),
            None => None,
        };
        match (own, noticed) {
            (Some(a), Some(b)) => Ok(Some(a.min(b))),
            (one, other) => Ok(one.or(other)),
        }
    }

    /// The earlier of the two documents' expiry dates: `None` when unknown — the permit's
    /// date missing or unreadable (always so in additional-step mode, where the permit is a
    /// stored upload), or the identity document's unreadable. An identity document without
    /// an expiry (some never expire, and the verdict's rule accepts that) does not bound it.
    /// iDenfy's notices for the documents the pair is decided on (a replaced permit's no
    /// longer count once a renewal decided).
    fn deciding_notices(&self) -> impl Iterator<Item = &ExpirationNotice> {
        let deciding = [
            Some(self.identity.scan_ref.as_str()),
            self.deciding_document(),
        ];
        self.expiry
            .notices
            .iter()
            .filter(move |(scan_ref, _)| deciding.contains(&Some(scan_ref.as_str())))
            .map(|(_, notice)| notice)
    }

    /// The last threshold the site was told of for the end `end`: once a renewal decided, the
    /// old permit's alerts do not count for the new end.
    fn alerted_for_end(&self, end: Date) -> Option<Threshold> {
        if !self.decided_on_renewal() {
            return self.expiry.alerted();
        }
        let ends_on = dates::format(end);
        self.expiry
            .alerts
            .iter()
            .filter(|a| a.ends_on == ends_on)
            .map(|a| a.threshold)
            .max()
    }

    /// The identity document's own end, as its result (or an iDenfy notice) says; `None` when
    /// unknown or unreadable.
    pub fn identity_document_end(&self) -> Option<Date> {
        self.document_end(Role::Identity).ok().flatten()
    }

    pub fn valid_until(&self) -> Option<Date> {
        if self.mode == Mode::AdditionalStep {
            return None;
        }
        let permit = self.document_end(Role::Document).ok()??;
        match self.document_end(Role::Identity).ok()? {
            Some(identity) => Some(identity.min(permit)),
            None => Some(permit),
        }
    }

    /// The end the watch counts down to: [`Pair::valid_until`], or earlier where iDenfy's
    /// notices bound it ("within 7 days" of a notice); `None` with neither.
    pub fn watched_end(&self) -> Option<Date> {
        let bounds = self.deciding_notices().map(ExpirationNotice::bound);
        self.valid_until().into_iter().chain(bounds).min()
    }

    /// The pair's validity on `today`: from its end date, or `UNKNOWN`; made stricter by
    /// iDenfy's notices (iDenfy says expired: `EXPIRED`). `None` while undecided.
    pub fn validity(&self, today: Date, warning_days: u32) -> Option<Validity> {
        self.verdict.as_ref()?;
        let own = self.valid_until().map_or(Validity::Unknown, |end| {
            Validity::of_end(end, today, warning_days)
        });
        let noticed = self
            .deciding_notices()
            .map(|notice| match notice.threshold {
                Threshold::Expired => Validity::Expired,
                _ => Validity::of_end(notice.bound(), today, warning_days),
            });
        Some(std::iter::once(own).chain(noticed).max().unwrap_or(own))
    }

    /// The watch a pair calls for: a VERIFIED pair with a known end, until its expiry was
    /// told. The next threshold is the one after the last alert; its due day may have passed
    /// (a pair verified with ten days left is told at the next run).
    pub fn expiry_watch(&self) -> Option<ExpiryWatch> {
        if self.verdict.as_ref()?.outcome != Outcome::Verified {
            return None;
        }
        let end = self.watched_end()?;
        let threshold = match self.alerted_for_end(end) {
            None => Threshold::Days30,
            Some(last) => last.next()?,
        };
        Some(ExpiryWatch {
            threshold,
            due: threshold.due_day(end),
        })
    }

    /// The alert due on `today`, if a threshold not told yet has been crossed: only the last
    /// one crossed (a pair found at 5 days left is told of 7, not of 30 as well).
    pub fn expiry_alert_due(&self, now: Timestamp, source: AlertSource) -> Option<ExpiryAlert> {
        let watch = self.expiry_watch()?;
        let end = self.watched_end()?;
        let today = dates::day_of(now);
        let days_left = dates::days_between(today, end);
        let crossed = Threshold::crossed(days_left)?;
        (crossed >= watch.threshold).then(|| ExpiryAlert {
            threshold: crossed,
            days_left,
            ends_on: dates::format(end),
            source,
            at: now,
        })
    }

    /// How long a record must be kept for the watch of this pair (none when unwatched).
    pub fn kept_for_watch_until(&self, decided_at: Timestamp) -> Option<Timestamp> {
        self.expiry_watch()?;
        let end = self.watched_end()?;
        let keep = end.checked_add(Duration::days(KEEP_AFTER_END_DAYS))?;
        let latest = decided_at.plus(std::time::Duration::from_secs(
            u64::try_from(KEEP_AT_MOST_DAYS * 86_400).unwrap_or(u64::MAX),
        ));
        Some(dates::start_of(keep).min(latest))
    }
}

/// What an expiry write changes: the pair's notices and alerts, and the watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryUpdate {
    pub pair_id: String,
    /// The record's version as read: the write is refused if it changed since.
    pub expected_version: u64,
    pub expiry: ExpiryState,
    pub watch: Option<ExpiryWatch>,
    /// The alert this write records, if any (for the logs and the metrics).
    pub alert: Option<ExpiryAlert>,
}

#[cfg(test)]
mod tests;
