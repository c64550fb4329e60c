//! The continuation between a pair's two sessions, as record changes: which step a follow
//! takes ([`link_step`]), the first arrival ([`continued`]), the claim one request holds while
//! it mints a fresh document token ([`link_refresh_claimed`], [`link_refresh_released`]), and
//! the fresh session in place of the stale one ([`link_refreshed`]) — the replaced session
//! staying the pair's, so a result of it still counts ([`super::super::Pair::deciding_document`]).
//!
//! The use case writes each record these return whole, under the version it read.

use super::super::{Claim, Pair, PairRecord, Session};
use crate::clock::Timestamp;
use std::time::Duration;

/// What a follow of the continuation does with the pair as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStep {
    /// Hand out the document link as it is (`first`: the person's first arrival, to record).
    Hand { url: String, first: bool },
    /// Another request is renewing the link: wait for it.
    Wait,
    /// The link is past its time: renew it (after asking iDenfy whether the session is in use).
    Renew,
}

/// The step for `pair`'s continuation at `now`: the link is handed out while it has `margin`
/// left, once its session has a result, or when iDenfy said the session may be in use
/// (`kept`); else renewed by one request, the others waiting. `None` without a document link.
pub fn link_step(pair: &Pair, now: Timestamp, margin: Duration, kept: bool) -> Option<LinkStep> {
    let link = pair.document_link.as_ref()?;
    let started = pair
        .document
        .as_ref()
        .is_some_and(|d| pair.results.contains_key(&d.scan_ref));
    Some(if kept || started || link.expires_at > now.plus(margin) {
        LinkStep::Hand {
            url: link.url.clone(),
            first: pair.continued_at.is_none(),
        }
    } else if link.refreshing.as_ref().is_some_and(|c| c.until > now) {
        LinkStep::Wait
    } else {
        LinkStep::Renew
    })
}

/// The record with the person's first arrival at the document session at `now`.
pub fn continued(record: &PairRecord, now: Timestamp) -> Option<PairRecord> {
    let mut next = record.clone();
    next.version += 1;
    next.pair.as_mut()?.continued_at.get_or_insert(now);
    Some(next)
}

/// The record with the document link's renewal held by `claim`.
pub fn link_refresh_claimed(record: &PairRecord, claim: Claim) -> Option<PairRecord> {
    let mut next = record.clone();
    next.version += 1;
    next.pair.as_mut()?.document_link.as_mut()?.refreshing = Some(claim);
    Some(next)
}

/// The record with the renewal claim `claim_id` given back, if it still holds it.
pub fn link_refresh_released(record: &PairRecord, claim_id: &str) -> Option<PairRecord> {
    let mut next = record.clone();
    next.version += 1;
    let link = held_link(&mut next, claim_id)?;
    link.refreshing = None;
    Some(next)
}

/// A fresh document session, minted under the renewal claim `claim_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshedLink {
    pub claim_id: String,
    pub session: Session,
    pub url: String,
    pub link_expires_at: Timestamp,
    /// When its results are due at the latest.
    pub results_due_by: Timestamp,
    pub now: Timestamp,
}

/// The record with `refreshed` in place of the stale document session, if the claim still
/// holds; and whether it was the person's first arrival.
pub fn link_refreshed(
    record: &PairRecord,
    refreshed: &RefreshedLink,
) -> Option<(PairRecord, bool)> {
    let mut next = record.clone();
    next.version += 1;
    let link = held_link(&mut next, &refreshed.claim_id)?;
    link.url = refreshed.url.clone();
    link.expires_at = refreshed.link_expires_at;
    link.refreshing = None;
    let pair = next.pair.as_mut()?;
    let first = pair.continued_at.is_none();
    pair.continued_at.get_or_insert(refreshed.now);
    // The replaced session stays the pair's: a result of it still counts.
    let replaced = pair.document.replace(refreshed.session.clone());
    pair.earlier_documents
        .extend(replaced.map(|session| session.scan_ref));
    let due = refreshed.results_due_by;
    pair.results_due_by = Some(pair.results_due_by.map_or(due, |d| d.max(due)));
    pair.updated_at = refreshed.now;
    Some((next, first))
}

/// The document link of `record` while its renewal is held by `claim_id`.
fn held_link<'a>(
    record: &'a mut PairRecord,
    claim_id: &str,
) -> Option<&'a mut super::super::DocumentLink> {
    record
        .pair
        .as_mut()?
        .document_link
        .as_mut()
        .filter(|l| l.refreshing.as_ref().is_some_and(|c| c.id == claim_id))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use crate::pair::DocumentLink;

    const MARGIN: Duration = Duration::from_secs(120);

    fn linked(expires_in: i64) -> PairRecord {
        let mut p = pair(3600, None);
        p.document_link = Some(DocumentLink {
            url: "https://ivs.idenfy.com/api/v2/redirect?authToken=D".into(),
            expires_at: at(expires_in),
            finish: Default::default(),
            locale: None,
            refreshing: None,
        });
        record(Some(p), None, 86_400)
    }

    fn claim(id: &str, until: i64) -> Claim {
        Claim {
            id: id.into(),
            until: at(until),
        }
    }

    #[test]
    fn a_fresh_link_is_handed_out_and_a_stale_one_renewed_by_one_request() {
        let fresh = linked(600);
        let step = link_step(fresh.pair.as_ref().unwrap(), NOW, MARGIN, false);
        assert!(matches!(step, Some(LinkStep::Hand { first: true, .. })));
        let arrived = continued(&fresh, NOW).unwrap();
        let step = link_step(arrived.pair.as_ref().unwrap(), NOW, MARGIN, false);
        assert!(matches!(step, Some(LinkStep::Hand { first: false, .. })));
        assert_eq!(arrived.version, fresh.version + 1);

        let stale = linked(60);
        assert_eq!(
            link_step(stale.pair.as_ref().unwrap(), NOW, MARGIN, false),
            Some(LinkStep::Renew)
        );
        assert!(
            matches!(
                link_step(stale.pair.as_ref().unwrap(), NOW, MARGIN, true),
                Some(LinkStep::Hand { .. })
            ),
            "a session that may be in use is kept"
        );
        let held = link_refresh_claimed(&stale, claim("c1", 30)).unwrap();
        assert_eq!(
            link_step(held.pair.as_ref().unwrap(), NOW, MARGIN, false),
            Some(LinkStep::Wait)
        );
        assert_eq!(
            link_step(held.pair.as_ref().unwrap(), at(30), MARGIN, false),
            Some(LinkStep::Renew),
            "a lapsed renewal claim is anyone's"
        );
        assert!(
            link_refresh_released(&held, "c2").is_none(),
            "not its claim"
        );
        let released = link_refresh_released(&held, "c1").unwrap();
        assert_eq!(
            released.pair.unwrap().document_link.unwrap().refreshing,
            None
        );
    }

    #[test]
    fn the_fresh_session_replaces_the_stale_one_which_stays_the_pairs() {
        let held = link_refresh_claimed(&linked(60), claim("c1", 30)).unwrap();
        let refreshed = RefreshedLink {
            claim_id: "c1".into(),
            session: Session {
                scan_ref: "scan-document-2".into(),
                external_ref: "idp-p1-document".into(),
            },
            url: "https://ivs.idenfy.com/api/v2/redirect?authToken=D2".into(),
            link_expires_at: at(3600),
            results_due_by: at(7200),
            now: NOW,
        };
        let mut other = refreshed.clone();
        other.claim_id = "c2".into();
        assert!(
            link_refreshed(&held, &other).is_none(),
            "the claim was lost"
        );
        let (next, first) = link_refreshed(&held, &refreshed).unwrap();
        let pair = next.pair.unwrap();
        assert!(first);
        assert_eq!(pair.document.unwrap().scan_ref, "scan-document-2");
        assert_eq!(pair.earlier_documents, ["scan-document"]);
        assert_eq!(pair.results_due_by, Some(at(7200)));
        let link = pair.document_link.unwrap();
        assert_eq!((link.expires_at, link.refreshing), (at(3600), None));
        assert_eq!(pair.continued_at, Some(NOW));
    }
}
