//! Every rule about how a pair record may change, in one place: [`issuing`] (which request
//! mints, and the claim it mints under), [`results`] (which callback changes the pair, and
//! when a verdict is due), [`history`] (a replaced pair's late results), [`continuation`] (the
//! step between the two sessions: the first arrival, a stale document link renewed once),
//! [`renewing`] (a verified pair's permit renewal installed beside the proven identity),
//! [`review`] (when a reviewer's decision becomes the verdict), [`claim`] (a reviewer's hold on
//! a waiting pair) and [`expiry`] (iDenfy's expiration notices, and the watch that tells the
//! site). The use cases load a record, call one of these, and write what it returns.
//!
//! The DynamoDB adapter states each write's rule as a condition expression; the store
//! conformance suite holds both adapters to the same outcomes.
//!
//! Invariants (each has a test): role from issuance's scanRef, never from the payload; a
//! foreign scanRef changes nothing; preliminary < final; a final seen before changes nothing,
//! a different one is a revision; one verdict per distinct set of current finals, never more
//! lenient after a revision than fail-safe allows; any crash leaves the pair completable by a
//! retry; an expired pair is absent; a restart lands whatever callbacks do meanwhile.

pub mod claim;
pub mod continuation;
pub mod expiry;
pub mod history;
pub mod issuing;
pub mod renewing;
pub mod results;
pub mod review;

/// Records and halves for unit tests, here and in the crates above (feature `fixtures`).
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;

pub use claim::{ClaimRefused, ClaimReview, claim_review, claimed_review, held_by_other};
pub use continuation::{
    LinkStep, RefreshedLink, continued, link_refresh_claimed, link_refresh_released,
    link_refreshed, link_step,
};
pub use expiry::{NoticeUnchanged, note_expiration, watch_step, with_expiry};
pub use history::{MAX_LATE_RESULTS, accept_late, owned_by_history};
pub use issuing::{
    ClaimCondition, ClaimWrite, Install, IssuanceDecision, MAX_PREVIOUS_PAIRS, claim_write,
    claimed, decide_issuance, install, installed, released,
};
pub use renewing::{RenewalInstall, renewal_claimed, renewal_installed};
pub use results::{
    MAX_FINALS, accept_half, accept_verdict, revision_past_bound, verdict_due, verdict_past_bound,
    with_verdict,
};
pub use review::{ReviewDecision, ReviewRefused, ReviewRequest, decide_review};
