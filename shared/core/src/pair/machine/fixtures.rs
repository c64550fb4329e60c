//! Records the machine's tests start from.

use crate::clock::Timestamp;
use crate::pair::{
    Claim, ClientId, HalfResult, Mode, Outcome, Pair, PairRecord, Reason, Session, Verdict,
};

pub const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

pub fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix_seconds(NOW.unix_seconds() + offset)
}

pub fn pair(url_expires_in: i64, verdict: Option<Outcome>) -> Pair {
    Pair {
        pair_id: "p1".into(),
        identity: Session {
            scan_ref: "scan-identity".into(),
            external_ref: "idp-p1-identity".into(),
        },
        mode: Mode::TwoSessions,
        document: Some(Session {
            scan_ref: "scan-document".into(),
            external_ref: "idp-p1-document".into(),
        }),
        earlier_documents: vec![],
        renewal: None,
        permit_policy: Default::default(),
        verification_url: "https://ivs.idenfy.com/api/v2/redirect?authToken=A".into(),
        url_expires_at: at(url_expires_in),
        results_due_by: None,
        created_at: at(-10),
        updated_at: at(-10),
        results: Default::default(),
        finals: vec![],
        final_digests: vec![],
        verdict: verdict.map(|outcome| Verdict {
            outcome,
            reasons: vec![Reason::NameMismatch],
            decided_at: at(-1),
            version: 1,
            basis: Default::default(),
            review: None,
        }),
        earlier_verdicts: vec![],
        document_link: None,
        continued_at: None,
        review_claims: vec![],
        expiry: Default::default(),
    }
}

pub fn record(pair: Option<Pair>, claim_until: Option<i64>, expires_in: i64) -> PairRecord {
    PairRecord {
        client_id: ClientId::parse("c1").unwrap(),
        version: 7,
        expires_at: at(expires_in),
        claim: claim_until.map(|until| Claim {
            id: "claim".into(),
            until: at(until),
        }),
        pair,
        previous_pairs: vec![],
        erasure: None,
        expiry_watch: None,
        expiry_due: None,
        queue: None,
        waiting_since: None,
        waiting: None,
        review_claim: None,
    }
}

pub fn single_session_pair() -> Pair {
    Pair {
        mode: Mode::AdditionalStep,
        document: None,
        ..pair(60, None)
    }
}

pub fn final_half(permit_step: Option<crate::pair::PermitStep>) -> HalfResult {
    HalfResult {
        rank: crate::pair::Rank::Final,
        overall: crate::pair::OverallStatus::Approved,
        event_type: None,
        first_name: None,
        last_name: None,
        date_of_birth: None,
        doc_type: Some("ID_CARD".into()),
        doc_number_hash: None,
        doc_number_earlier_hashes: vec![],
        tags: vec![],
        mismatch_tags: vec![],
        checks: crate::pair::CheckStatuses::passed(),
        duplicates: Default::default(),
        facts: Default::default(),
        permit_step,
        digest: "d-final".into(),
        earlier_digests: vec![],
        received_at: NOW,
    }
}

/// What both documents of a German holding a Lithuanian permit say beyond names and birth.
pub fn german_with_lithuanian_permit() -> crate::pair::DocumentFacts {
    crate::pair::DocumentFacts {
        expiry: Some("2031-04-30".into()),
        issuing_country: Some("LT".into()),
        nationality: Some("DE".into()),
        sex: Some("FEMALE".into()),
        ..Default::default()
    }
}
