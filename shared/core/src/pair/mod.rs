//! The pair: one person's identity and residence permit, verified with iDenfy and recorded per
//! `clientId` — as two chained sessions, or as one session with the permit uploaded as an
//! additional step (see [`Mode`]).
//!
//! Every state rule of the pair is in [`machine`]; what a pair's results mean together in
//! [`verdict`] (iDenfy's own judgement of each session read by [`judgement`], the rules two
//! documents add in [`rules`], names compared by [`names`]). The types, by responsibility: [`ids`] (clientId,
//! pair and claim ids), [`mode`] (modes and roles), [`record`] (what is stored), [`half`] (one
//! session's result), [`validity`] (how long a decided pair holds, and its watch), [`outcome`]
//! (verdicts and statuses), [`digest`] (keyed digests that let results be compared without
//! keeping document numbers), [`erasure`] (what an erasure leaves), [`queue`] (the reviewers' queue and their claims) and [`ledger`] (every iDenfy
//! session minted, and when each is deleted at iDenfy), and a request's values, each parsed once: [`person`] (names, a
//! date of birth), [`permit::CountryCode`], [`machine::review::ReviewNote`]. Nothing here knows iDenfy's wire
//! format, a store or HTTP.

pub mod dates;
pub mod digest;
pub mod erasure;
pub mod half;
pub mod ids;
pub mod judgement;
pub mod ledger;
pub mod machine;
pub mod mode;
pub mod names;
pub mod outcome;
pub mod permit;
pub mod person;
pub mod queue;
pub mod record;
pub mod renewal;
pub mod rules;
pub mod validity;
pub mod verdict;

pub use digest::DocumentHasher;
pub use half::{
    CheckStatus, CheckStatuses, DocumentFacts, Duplicates, FinalEntry, HalfResult, OverallStatus,
    PermitStep, Rank,
};
pub use ids::{CLIENT_ID_MAX_LEN, ClientId, ClientIdError, PRINCIPAL_MAX_CHARS, Principal, new_id};
pub use mode::{Mode, Role};
pub use outcome::{ManualReview, Outcome, PairStatus, Reason, Verdict};
pub use permit::{CountryCode, PermitPolicy};
pub use person::{DateOfBirth, Person, PersonName, ValueProblem};
pub use record::{
    Claim, DocumentLink, FinishPages, LateResult, Pair, PairRecord, PreviousPair, Session,
};
pub use validity::{ExpiryState, ExpiryWatch, Threshold, Validity};
