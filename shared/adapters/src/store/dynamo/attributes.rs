//! The stored record's attribute names, defined once: the condition and update expressions
//! refer to each one as `#` + its name ([`named`]), and a test holds every name to what serde
//! writes for a full record — so a renamed field cannot silently break a condition.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;

/// The partition key.
pub const CLIENT_ID: &str = "clientId";
/// The record's version, and a verdict's (`pair.verdict.version`).
pub const VERSION: &str = "version";
/// The table's TTL attribute.
pub const EXPIRES_AT: &str = "expiresAt";
pub const CLAIM: &str = "claim";
/// `claim.id`.
pub const ID: &str = "id";
/// `claim.until`.
pub const UNTIL: &str = "until";
pub const PAIR: &str = "pair";
pub const PREVIOUS_PAIRS: &str = "previousPairs";
/// A watched pair's next expiry threshold (days, N) and the day it is due (`YYYY-MM-DD`):
/// the hash and range keys of the sparse [`EXPIRY_INDEX`].
pub const EXPIRY_WATCH: &str = "expiryWatch";
pub const EXPIRY_DUE: &str = "expiryDue";
/// The table's index of the watched pairs by threshold and due day (keys only).
pub const EXPIRY_INDEX: &str = "expiry-watch";
/// The review queue a pair waits in (S) and since when (N): the hash and range keys of the
/// sparse [`REVIEW_INDEX`]; `waiting` (what the queue shows) and `reviewClaim` are projected
/// into it. The ledger's table names its own queue [`QUEUE`] too.
pub const WAITING_SINCE: &str = "waitingSince";
pub const WAITING: &str = "waiting";
pub const REVIEW_CLAIM: &str = "reviewClaim";
/// `reviewClaim.by`.
pub const BY: &str = "by";
/// The table's index of the pairs waiting for review, oldest first.
pub const REVIEW_INDEX: &str = "review-queue";
/// `pair.reviewClaims`: every claim, the review's audit.
pub const REVIEW_CLAIMS: &str = "reviewClaims";
/// `pair.expiry`: iDenfy's notices and the alerts told.
pub const EXPIRY: &str = "expiry";
pub const PAIR_ID: &str = "pairId";
pub const IDENTITY: &str = "identity";
pub const DOCUMENT: &str = "document";
/// `pair.earlierDocuments`: the scanRefs of document sessions the continuation replaced.
pub const EARLIER_DOCUMENTS: &str = "earlierDocuments";
pub const SCAN_REF: &str = "scanRef";
pub const UPDATED_AT: &str = "updatedAt";
/// `pair.results`, keyed by scanRef.
pub const RESULTS: &str = "results";
/// `pair.results.<scanRef>.rank`.
pub const RANK: &str = "rank";
/// `pair.results.<scanRef>.digest`.
pub const DIGEST: &str = "digest";
pub const FINALS: &str = "finals";
pub const FINAL_DIGESTS: &str = "finalDigests";
pub const VERDICT: &str = "verdict";
pub const EARLIER_VERDICTS: &str = "earlierVerdicts";

/// The session ledger's sort key is [`SCAN_REF`]; its partition key [`CLIENT_ID`].
/// When a session was minted: the range key of the ledger's [`MINTED_INDEX`] (N).
pub const MINTED_AT: &str = "mintedAt";
/// The ledger's local index of a clientId's sessions by when they were minted (the pair cap).
pub const MINTED_INDEX: &str = "minted-at";
/// The queue an entry waits in (S) and when it is due (N): the keys of the ledger's sparse
/// [`DUE_INDEX`]. In the pairs table, the review queue a pair waits in.
pub const QUEUE: &str = "queue";
pub const DUE_AT: &str = "dueAt";
/// The ledger's index of the entries waiting for a deletion or a retention check.
pub const DUE_INDEX: &str = "ledger-due";

/// Declares `#name` → `name` for each attribute an expression uses.
pub fn named(mut request: UpdateItemFluentBuilder, names: &[&str]) -> UpdateItemFluentBuilder {
    for name in names {
        request = request.expression_attribute_names(format!("#{name}"), *name);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;
    use pair_core::pair::machine::fixtures::{NOW, at, final_half, pair, record};
    use pair_core::pair::{FinalEntry, Outcome, PreviousPair, Rank};
    use std::collections::HashMap;

    fn path<'a>(item: &'a HashMap<String, AttributeValue>, path: &[&str]) -> &'a AttributeValue {
        let (first, rest) = path.split_first().expect("a path");
        let mut value = item.get(*first).unwrap_or_else(|| panic!("no {first}"));
        for name in rest {
            value = value
                .as_m()
                .ok()
                .and_then(|map| map.get(*name))
                .unwrap_or_else(|| panic!("no {name} in {path:?}"));
        }
        value
    }

    #[test]
    fn every_name_the_expressions_use_is_one_serde_writes() {
        let mut decided = pair(3600, Some(Outcome::Verified));
        let half = final_half(None);
        decided.finals.push(FinalEntry {
            scan_ref: "scan-identity".into(),
            overall: half.overall.clone(),
            received_at: NOW,
        });
        decided.final_digests.push(half.digest.clone());
        decided.results.insert("scan-identity".into(), half);
        decided.earlier_verdicts = vec![decided.verdict.clone().expect("a verdict")];
        decided.earlier_documents = vec!["scan-document-0".into()];
        let mut record = record(Some(decided.clone()), Some(60), 86_400);
        record.previous_pairs = vec![PreviousPair {
            pair_id: "p0".into(),
            mode: decided.mode,
            outcome: None,
            reasons: vec![],
            created_at: at(-100),
            decided_at: None,
            replaced_at: at(-10),
            scan_refs: vec![],
            late_results: vec![],
        }];
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&record).expect("serialisable");
        for top in [CLIENT_ID, VERSION, EXPIRES_AT, CLAIM, PAIR, PREVIOUS_PAIRS] {
            path(&item, &[top]);
        }
        path(&item, &[CLAIM, ID]);
        path(&item, &[CLAIM, UNTIL]);
        for field in [
            PAIR_ID,
            IDENTITY,
            DOCUMENT,
            UPDATED_AT,
            RESULTS,
            FINALS,
            FINAL_DIGESTS,
            VERDICT,
            EARLIER_VERDICTS,
        ] {
            path(&item, &[PAIR, field]);
        }
        path(&item, &[PAIR, IDENTITY, SCAN_REF]);
        path(&item, &[PAIR, DOCUMENT, SCAN_REF]);
        let earlier = path(&item, &[PAIR, EARLIER_DOCUMENTS]);
        assert_eq!(
            earlier.as_l().map(|l| l.len()).ok(),
            Some(1),
            "a list of scanRefs: {earlier:?}"
        );
        path(&item, &[PAIR, VERDICT, VERSION]);
        let rank = path(&item, &[PAIR, RESULTS, "scan-identity", RANK]);
        assert_eq!(rank.as_n().ok().map(String::as_str), Some("2"));
        assert_eq!(u8::from(Rank::Final), 2);
        path(&item, &[PAIR, RESULTS, "scan-identity", DIGEST]);

        // The expiry index's keys (a number and a day) and the pair's expiry state.
        let mut watched = record.clone();
        watched.set_watch(Some(pair_core::pair::ExpiryWatch {
            threshold: pair_core::pair::Threshold::Days7,
            due: pair_core::pair::dates::parse("2031-04-23").expect("a day"),
        }));
        if let Some(pair) = watched.pair.as_mut() {
            pair.expiry
                .alerts
                .push(pair_core::pair::validity::ExpiryAlert {
                    threshold: pair_core::pair::Threshold::Days30,
                    days_left: 30,
                    ends_on: "2031-04-30".into(),
                    source: pair_core::pair::validity::AlertSource::Schedule,
                    at: NOW,
                });
        }
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&watched).expect("serialisable");
        let threshold = path(&item, &[EXPIRY_WATCH]);
        assert_eq!(threshold.as_n().ok().map(String::as_str), Some("7"));
        let due = path(&item, &[EXPIRY_DUE]);
        assert_eq!(due.as_s().ok().map(String::as_str), Some("2031-04-23"));
        path(&item, &[PAIR, EXPIRY]);

        // The review queue's keys (a string and a number), its projection and the claims.
        let mut waiting = record.clone();
        let shown = waiting.pair.as_ref().and_then(|p| {
            let mut p = p.clone();
            if let Some(v) = p.verdict.as_mut() {
                v.outcome = Outcome::RequiresReview;
            }
            p.waiting()
        });
        assert!(shown.is_some(), "the fixture waits once REQUIRES_REVIEW");
        waiting.set_waiting(shown);
        waiting.review_claim = Some(pair_core::pair::queue::ReviewClaim {
            by: "alice".into(),
            until: NOW,
        });
        if let Some(pair) = waiting.pair.as_mut() {
            pair.review_claims.push(pair_core::pair::queue::ClaimEntry {
                by: "alice".into(),
                at: NOW,
                until: NOW,
            });
        }
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&waiting).expect("serialisable");
        assert_eq!(
            path(&item, &[QUEUE]).as_s().ok().map(String::as_str),
            Some(pair_core::pair::queue::Queue::RequiresReview.as_str())
        );
        assert!(path(&item, &[WAITING_SINCE]).as_n().is_ok());
        path(&item, &[WAITING]);
        path(&item, &[REVIEW_CLAIM, BY]);
        path(&item, &[REVIEW_CLAIM, UNTIL]);
        path(&item, &[PAIR, REVIEW_CLAIMS]);
    }

    #[test]
    fn the_ledger_keys_are_what_serde_writes() {
        use pair_core::pair::ledger::{DeletionCause, Entry, LedgerRetention, Minted};
        let entry = Entry::minted(
            Minted {
                client_id: pair_core::pair::ClientId::parse("c1").expect("a clientId"),
                scan_ref: "scan-1".into(),
                role: pair_core::pair::Role::Identity,
                pair_id: "p1".into(),
                renewal: false,
                usable_until: NOW,
            },
            NOW,
            LedgerRetention {
                audit: std::time::Duration::from_secs(86_400),
                delete_after: None,
            },
        )
        .ask_deletion(DeletionCause::Erasure, NOW)
        .expect("asked");
        let item: HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&entry).expect("serialisable");
        for (name, number) in [
            (CLIENT_ID, false),
            (SCAN_REF, false),
            (MINTED_AT, true),
            (EXPIRES_AT, true),
            (VERSION, true),
            (DUE_AT, true),
        ] {
            let value = path(&item, &[name]);
            assert_eq!(value.as_n().is_ok(), number, "{name}: {value:?}");
        }
        assert_eq!(
            path(&item, &[QUEUE]).as_s().ok().map(String::as_str),
            Some(pair_core::pair::ledger::Queue::Deletion.as_str())
        );
    }
}
