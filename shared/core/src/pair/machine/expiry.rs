//! A decided pair's end: iDenfy's document-expiration notices are recorded once per session
//! and threshold, never less strict than one recorded before ([`note_expiration`]); the
//! watch tells the site once per threshold ([`watch_step`]); each write is taken only over
//! the record as read ([`with_expiry`]). What the dates mean is in [`crate::pair::validity`].

use super::super::validity::{AlertSource, ExpirationNotice, ExpiryUpdate};
use super::super::{Pair, PairRecord, Role};
use crate::clock::Timestamp;

/// Why a notice changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeUnchanged {
    /// No live pair, or the scanRef is none of its sessions.
    NotOurs,
    /// The session (of this role) has a notice as strict already (a duplicate, or a late,
    /// laxer one).
    AlreadyNoted(Role),
}

/// The update iDenfy's `notice` for session `scan_ref` (of the returned role) calls for,
/// with the alert it makes due at once when it crosses a threshold the site was not told of.
pub fn note_expiration(
    record: &PairRecord,
    scan_ref: &str,
    notice: &ExpirationNotice,
    now: Timestamp,
) -> Result<(Role, ExpiryUpdate), NoticeUnchanged> {
    let pair = record.live_pair(now).ok_or(NoticeUnchanged::NotOurs)?;
    let role = pair.role_of(scan_ref).ok_or(NoticeUnchanged::NotOurs)?;
    if pair
        .expiry
        .notices
        .get(scan_ref)
        .is_some_and(|noted| noted.threshold >= notice.threshold)
    {
        return Err(NoticeUnchanged::AlreadyNoted(role));
    }
    let mut next = pair.clone();
    next.expiry
        .notices
        .insert(scan_ref.to_owned(), notice.clone());
    Ok((role, update(record, next, now, AlertSource::Idenfy)))
}

/// What the daily run does with a record its index lists: the alert due (if any) and the
/// watch moved on; `None` when the record is as it should be (listed by a stale read, or
/// not due yet). A pair no longer watched (replaced, expired, no longer VERIFIED) leaves
/// the index.
pub fn watch_step(record: &PairRecord, now: Timestamp) -> Option<ExpiryUpdate> {
    let Some(pair) = record.live_pair(now) else {
        return (record.expiry_watch.is_some()).then(|| ExpiryUpdate {
            pair_id: record
                .pair
                .as_ref()
                .map_or_else(String::new, |p| p.pair_id.clone()),
            expected_version: record.version,
            expiry: record
                .pair
                .as_ref()
                .map(|p| p.expiry.clone())
                .unwrap_or_default(),
            watch: None,
            alert: None,
        });
    };
    let next = update(record, pair.clone(), now, AlertSource::Schedule);
    let unchanged = next.alert.is_none()
        && record.expiry_watch == next.watch.map(|w| w.threshold)
        && record.expiry_due == next.watch.map(|w| w.due_key());
    (!unchanged).then_some(next)
}

/// `pair` (as it will be) with the alert due now, and its watch after that.
fn update(
    record: &PairRecord,
    mut pair: Pair,
    now: Timestamp,
    source: AlertSource,
) -> ExpiryUpdate {
    let alert = pair.expiry_alert_due(now, source);
    pair.expiry.alerts.extend(alert.clone());
    ExpiryUpdate {
        pair_id: pair.pair_id.clone(),
        expected_version: record.version,
        watch: pair.expiry_watch(),
        expiry: pair.expiry,
        alert,
    }
}

/// The record with `update` applied, or `None` when it changed since it was read (another
/// version, or another pair).
pub fn with_expiry(record: &PairRecord, update: &ExpiryUpdate) -> Option<PairRecord> {
    if record.version != update.expected_version {
        return None;
    }
    let mut next = record.clone();
    next.version += 1;
    next.set_watch(update.watch);
    match next.pair.as_mut() {
        Some(pair) if pair.pair_id == update.pair_id => pair.expiry = update.expiry.clone(),
        Some(_) => return None,
        None if update.pair_id.is_empty() => {}
        None => return None,
    }
    Some(next)
}

#[cfg(test)]
mod tests;
