//! The reviewer's use cases: record a decision on a pair that requires review
//! ([`ReviewService::review`], by the rules of [`pair_core::pair::machine::review`]), and gather
//! what a reviewer needs without iDenfy's dashboard ([`ReviewService::evidence`]): the
//! pair's sessions, their results, and fresh links to their files from iDenfy. The queue of
//! what waits, and the claims on it, are [`queue`]'s.

use futures_util::future::try_join_all;
use pair_core::clock::{Clock, Timestamp};
use pair_core::pair::machine::{self, ReviewDecision, ReviewRefused, ReviewRequest};
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::queue::ReviewClaim;
use pair_core::pair::rules::{Check, Context};
use pair_core::pair::verdict;
use pair_core::pair::{ClientId, Mode, Pair, Role, Verdict};
use pair_core::ports::idenfy::{FileLinks, IdenfyError, SessionFiles};
use pair_core::ports::store::{ReviewStore, StoreError};
use std::sync::Arc;
use std::time::Instant;

pub mod duplicates;
pub mod queue;
pub use duplicates::DuplicateSession;
pub use queue::{ClaimError, QueueError, QueueService};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Refused(#[from] ReviewRefused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no live verification for this clientId")]
    NotFound,
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A review as recorded: the pair's verdict it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub pair_id: String,
    pub verdict: Verdict,
    /// False when the same review had been recorded before (a retry).
    pub recorded_now: bool,
}

/// What a reviewer sees of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvidence {
    pub role: Role,
    pub scan_ref: String,
    /// The session's current result (iDenfy's overall status), if any arrived.
    pub status: Option<String>,
    pub is_final: bool,
    pub files: FileLinks,
}

/// What a reviewer sees of a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub pair: Pair,
    pub sessions: Vec<SessionEvidence>,
    /// Every check on the sessions' current results, as the verdict applied them (on the day
    /// of the latest verdict the rules decided, a reviewer's aside; today while pending):
    /// iDenfy's judgement of each session once the identity session has a result, and the
    /// rules two documents add once the permit's session has one too. Empty before any result.
    pub checks: Vec<Check>,
    /// The day the rules were applied on.
    pub judged_on: Timestamp,
    /// The sessions iDenfy's duplicate check points at ([`duplicates`]).
    pub duplicates: Vec<DuplicateSession>,
    /// A reviewer's claim on the pair, while it holds.
    pub claim: Option<ReviewClaim>,
}

#[derive(Clone)]
pub struct ReviewService {
    store: Arc<dyn ReviewStore>,
    files: Arc<dyn SessionFiles>,
    clock: Arc<dyn Clock>,
    policy: Arc<VerdictPolicy>,
}

impl ReviewService {
    /// `policy` is the configured one the verdicts are decided by, shown to the reviewer.
    pub fn new(
        store: Arc<dyn ReviewStore>,
        files: Arc<dyn SessionFiles>,
        clock: Arc<dyn Clock>,
        policy: VerdictPolicy,
    ) -> Self {
        Self {
            store,
            files,
            clock,
            policy: Arc::new(policy),
        }
    }

    /// Records `request` as the pair's verdict if the rules allow it. A write refused because
    /// the record changed is decided again on a fresh read, once, about the verdict the
    /// reviewer named (never one a revision brought meanwhile): it then finds this very review
    /// (a concurrent retry) or says why it is refused.
    pub async fn review(
        &self,
        client_id: &ClientId,
        request: &ReviewRequest,
    ) -> Result<Reviewed, ReviewError> {
        for _ in 0..2 {
            let now = self.clock.now();
            let record = self.store.load(client_id).await?;
            let verdict = match machine::decide_review(record.as_ref(), request, now)? {
                ReviewDecision::AlreadyRecorded(verdict) => {
                    return Ok(Reviewed {
                        pair_id: request.pair_id.clone(),
                        verdict,
                        recorded_now: false,
                    });
                }
                ReviewDecision::Record(verdict) => verdict,
            };
            let Some((pair, expires_at)) = record
                .as_ref()
                .and_then(|r| Some((r.pair.as_ref()?, r.expires_at)))
            else {
                return Err(ReviewRefused::NoPair.into());
            };
            if self
                .store
                .record_verdict(client_id, pair.decision(&verdict, expires_at))
                .await?
            {
                // The reviewer's id and note stay out of the log: the pair's history has them.
                tracing::info!(
                    client_id = %client_id,
                    pair_id = %pair.pair_id,
                    outcome = ?verdict.outcome,
                    verdict_version = verdict.version,
                    "pair decided by a reviewer"
                );
                return Ok(Reviewed {
                    pair_id: pair.pair_id.clone(),
                    verdict,
                    recorded_now: true,
                });
            }
        }
        // Changed twice under us: a revision or another review is landing now.
        let record = self.store.load(client_id).await?;
        let status = record
            .as_ref()
            .and_then(|r| r.live_pair(self.clock.now()))
            .map(Pair::status)
            .ok_or(ReviewRefused::NoPair)?;
        Err(ReviewRefused::VerdictChanged { status }.into())
    }

    /// The live pair with each session's current result and fresh links to its files, all
    /// read from iDenfy by `answer_by`. Nothing of it is stored or logged.
    pub async fn evidence(
        &self,
        client_id: &ClientId,
        answer_by: Instant,
    ) -> Result<Evidence, EvidenceError> {
        let now = self.clock.now();
        let record = self.store.load(client_id).await?;
        let pair = record
            .as_ref()
            .and_then(|r| r.live_pair(now))
            .ok_or(EvidenceError::NotFound)?
            .clone();
        let claim = record
            .as_ref()
            .and_then(|r| ReviewClaim::holding(r.review_claim.as_ref(), now))
            .cloned();
        // Both sessions' files and the duplicates' owners at once: the reviewer waits for one
        // round trip, not several.
        let files = try_join_all(roles(pair.mode).iter().filter_map(|&role| {
            let session = pair.session(role)?;
            let half = pair.half(role);
            Some(async move {
                Ok::<_, IdenfyError>(SessionEvidence {
                    role,
                    scan_ref: session.scan_ref.clone(),
                    status: half.map(|h| h.overall.as_str().to_owned()),
                    is_final: half.is_some_and(|h| h.is_final()),
                    files: self.files.file_links(&session.scan_ref, answer_by).await?,
                })
            })
        }));
        let owners = duplicates::of(&pair, self.files.as_ref(), self.store.as_ref(), answer_by);
        let (sessions, duplicates) = futures_util::join!(files, owners);
        let sessions = sessions?;
        // The day the rules last judged the pair: a reviewer's decision judges nothing by them.
        let judged_on = pair
            .verdict
            .iter()
            .chain(pair.earlier_verdicts.iter().rev())
            .find(|v| v.review.is_none())
            .map_or(now, |v| v.decided_at);
        let context = Context::new(&self.policy, &pair.permit_policy, judged_on);
        let checks = match pair.half(Role::Identity) {
            Some(identity) => verdict::checks(identity, pair.half(Role::Document), &context),
            None => vec![],
        };
        Ok(Evidence {
            pair,
            sessions,
            checks,
            judged_on,
            duplicates,
            claim,
        })
    }
}

fn roles(mode: Mode) -> &'static [Role] {
    match mode {
        Mode::TwoSessions => &[Role::Identity, Role::Document],
        Mode::AdditionalStep => &[Role::Identity],
    }
}
