//! Many people's pairs, numbered, with the verdict each should get: for the load, race and model
//! tests.

use super::*;

pub fn at(offset_seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(T0.unix_seconds() + offset_seconds)
}

/// Four kinds of person, cycling with `i`, with the verdict each must get: verified (MÜLLER-style
/// transliteration), a date of birth that differs, a denied identity, the same passport twice.
pub fn person(i: usize) -> (DocFields, DocFields, Outcome, Vec<Reason>) {
    let id_card = DocFields::new(
        "APPROVED",
        "ANNA",
        "ŠIMKUTĖ",
        "1988-02-29",
        "ID_CARD",
        &format!("ID{i:06}"),
    );
    let permit = DocFields::new(
        "APPROVED",
        "ANNA",
        "SIMKUTE",
        "1988-02-29",
        "RESIDENCE_PERMIT",
        &format!("RP{i:06}"),
    );
    match i % 4 {
        0 => (id_card, permit, Outcome::Verified, vec![]),
        1 => {
            let mut other_dob = permit;
            other_dob.date_of_birth = Some("1988-03-01".into());
            (
                id_card,
                other_dob,
                Outcome::RequiresReview,
                vec![Reason::DobMismatch],
            )
        }
        2 => {
            let mut denied = id_card;
            denied.overall = "DENIED";
            (
                denied,
                permit,
                Outcome::Rejected,
                vec![Reason::IdentityDenied],
            )
        }
        _ => {
            let passport = DocFields::new(
                "APPROVED",
                "ANNA",
                "ŠIMKUTĖ",
                "1988-02-29",
                "PASSPORT",
                &format!("P{i:06}"),
            );
            (
                passport.clone(),
                passport,
                Outcome::RequiresReview,
                vec![Reason::DocumentNotAPermit, Reason::SameDocumentTwice],
            )
        }
    }
}

/// What a preliminary says: something else, so a verdict taken from it would be wrong.
pub fn preliminary() -> DocFields {
    DocFields::new(
        "REVIEWING",
        "ANA",
        "SIMKUTE",
        "1988-02-28",
        "RESIDENCE_PERMIT",
        "X",
    )
}

/// clientId, pairId, identity scanRef, document scanRef of the `i`th generated pair.
pub fn numbered_pair(prefix: &str, i: usize) -> (String, String, String, String) {
    (
        format!("{prefix}_{i:05}"),
        format!("{i:024x}"),
        format!("00000000-0000-4000-8000-{i:012}"),
        format!("00000000-0000-4000-9000-{i:012}"),
    )
}

/// Checks every verdict a pair recorded, oldest first: versions counting up, each decided on
/// its own set of final results (found in `halves` by digest; none twice, so no double
/// verdict), the first by the policy and each later one by the policy made fail-safe against
/// the verdict it replaced; the current one on the current finals. Returns how many verdicts
/// are recorded, or what is wrong.
pub fn check_verdict_history(
    pair: &Pair,
    halves: &std::collections::HashMap<String, pair_core::pair::HalfResult>,
) -> Result<usize, String> {
    use pair_core::pair::rules::Context;
    use pair_core::pair::verdict::{decide, decide_additional_step, fail_safe};
    let verdicts: Vec<&pair_core::pair::Verdict> = pair
        .earlier_verdicts
        .iter()
        .chain(pair.verdict.as_ref())
        .collect();
    let mut previous: Option<&pair_core::pair::Verdict> = None;
    for (n, verdict) in verdicts.iter().enumerate() {
        if verdict.version as usize != n + 1 {
            return Err(format!("verdict {n} has version {}", verdict.version));
        }
        if verdicts[..n].iter().any(|v| v.basis == verdict.basis) {
            return Err(format!("two verdicts on one set of finals: {verdicts:?}"));
        }
        let half = |scan_ref: &str| {
            verdict
                .basis
                .get(scan_ref)
                .and_then(|digest| halves.get(digest))
                .filter(|half| half.is_final())
        };
        if verdict.basis.len() != pair.sessions().count() {
            return Err(format!("verdict {n} is not decided on every session"));
        }
        let identity = half(&pair.identity.scan_ref)
            .ok_or_else(|| format!("verdict {n} names no known identity final"))?;
        let policy = VerdictPolicy::default();
        let context = Context::new(&policy, &pair.permit_policy, verdict.decided_at);
        let (outcome, reasons) = match &pair.document {
            // Any of the pair's document sessions (one the continuation replaced included).
            Some(_) => {
                let document = pair
                    .document_scan_refs()
                    .find_map(half)
                    .ok_or_else(|| format!("verdict {n} names no known document final"))?;
                decide(identity, document, &context)
            }
            None => decide_additional_step(identity, &context),
        };
        let expected = match previous {
            Some(previous) => fail_safe(previous.outcome, outcome, reasons),
            None => (outcome, reasons),
        };
        if (verdict.outcome, verdict.reasons.clone()) != expected {
            return Err(format!("verdict {n} is {verdict:?}, expected {expected:?}"));
        }
        previous = Some(verdict);
    }
    if pair.verdict.as_ref().map(|v| &v.basis) != pair.final_basis().as_ref() {
        return Err("the current verdict is not decided on the current finals".into());
    }
    Ok(verdicts.len())
}
