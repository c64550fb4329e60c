//! Issuing a person's verification: two chained sessions, or one session with the permit as
//! an additional upload step — recorded so that a clientId gets at most one live pair however
//! many requests arrive at once.

pub mod continuation;
pub mod policy;
pub mod request;

use continuation::ContinuationKeys;
use pair_core::clock::{Clock, Timestamp};
use pair_core::pair::FinishPages;
use pair_core::pair::machine::{self, IssuanceDecision};
use pair_core::pair::{
    Claim, ClientId, DocumentLink, Mode, Outcome, Pair, PermitPolicy, PreviousPair, Role, Session,
    new_id,
};
use pair_core::pair::{Validity, dates};
use pair_core::ports::idenfy::{
    IdenfyError, OpenedSession, SessionIssuer, SessionOrder, SessionUse,
};
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::{StoreError, VerificationsStore};
use std::sync::Arc;
use std::time::{Duration, Instant};
mod follow;
mod mint;
mod recorded;
mod renewal;

use recorded::MintError;

pub use policy::{IssuancePolicy, PermitStepPolicy};
pub use renewal::{RenewalError, Renewed};
pub use request::{IssueRequest, PermitRequest, RenewalRequest};

/// The outcome of a successful issuance request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub client_id: ClientId,
    pub pair: Pair,
    /// False when a live pending pair was handed out again.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the pair for this clientId is already decided ({0:?}); send restart to start again")]
    AlreadyDecided(Outcome),
    #[error(
        "this clientId has a pending verification in {} mode; send restart to replace it",
        .0.as_str()
    )]
    OtherMode(Mode),
    #[error("another request is issuing tokens for this clientId")]
    InProgress { retry_after: Duration },
    #[error("this clientId had its most pairs for 24 hours; try again later")]
    TooManyPairs { retry_after: Duration },
    /// The continuation between the sessions cannot be made: its keys are unreadable.
    #[error("the continuation keys could not be read: {0}")]
    ContinuationKeys(String),
    /// Neither `PUBLIC_API_URL` nor the request says where the API is.
    #[error("the API's public URL is unknown: set PUBLIC_API_URL")]
    NoPublicApiUrl,
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a continuation is not followed into the document session.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Forged, tampered, expired, or of a pair that is no longer the clientId's live
    /// two-session pair: never sent on to iDenfy. `error_page` is the site's, when known.
    #[error("the continuation is not valid: {reason}")]
    Refused {
        reason: &'static str,
        error_page: Option<String>,
    },
    /// Another request is minting the fresh document token and did not finish in time.
    #[error("the document session is being renewed; try again")]
    Busy,
    #[error("the continuation keys could not be read: {0}")]
    ContinuationKeys(String),
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where a continuation leads: the document session's link, and what this follow did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub url: String,
    /// The person's first arrival (recorded as the pair's `continued_at`).
    pub first: bool,
    /// A fresh document token was minted for this follow.
    pub refreshed: bool,
}

/// A document link is renewed when it has less than this left: the person needs time to
/// start the session.
const DOCUMENT_LINK_MARGIN: Duration = Duration::from_secs(120);
/// How long a request may hold the renewal of a document link.
const REFRESH_CLAIM_TTL: Duration = Duration::from_secs(30);
/// How long a follow waiting for another's renewal sleeps between reads.
const REFRESH_POLL: Duration = Duration::from_millis(200);

/// A clientId's live pair, with the pairs restarts replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairView {
    pub pair: Pair,
    pub previous_pairs: Vec<PreviousPair>,
    /// The record's expiry (TTL) as read.
    pub expires_at: Timestamp,
    /// The decided pair's validity on the day it was read (`None` while pending).
    pub validity: Option<Validity>,
    /// Where the pair's permit renewal stands, if one was opened.
    pub renewal: Option<pair_core::pair::renewal::RenewalStatus>,
}

#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error("no verification for this clientId")]
    NotFound,
    /// No live pair, and the clientId's data was erased (at the latest request's time).
    #[error("this clientId's verification data was erased")]
    Erased(Timestamp),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct IssuanceService {
    store: Arc<dyn VerificationsStore>,
    ledger: Arc<dyn SessionLedger>,
    /// Used only through [`Self::open_recorded`], so that every session is in the ledger.
    sessions: Arc<dyn SessionIssuer>,
    clock: Arc<dyn Clock>,
    policy: Arc<IssuancePolicy>,
}

impl IssuanceService {
    pub fn new(
        store: Arc<dyn VerificationsStore>,
        ledger: Arc<dyn SessionLedger>,
        sessions: Arc<dyn SessionIssuer>,
        clock: Arc<dyn Clock>,
        policy: IssuancePolicy,
    ) -> Self {
        Self {
            store,
            ledger,
            sessions,
            clock,
            policy: Arc::new(policy),
        }
    }

    pub fn policy(&self) -> &IssuancePolicy {
        &self.policy
    }

    /// [`Self::issue_by`] with the policy's request budget from now.
    pub async fn issue(&self, request: &IssueRequest) -> Result<Issued, IssueError> {
        self.issue_by(request, Instant::now() + self.policy.request_budget)
            .await
    }

    /// Issues (or returns) the clientId's pair, all of it done by `deadline`: the token calls
    /// stop [`IssuancePolicy::final_write_reserve`] before it, so the final write (or the
    /// claim's release) still fits.
    pub async fn issue_by(
        &self,
        request: &IssueRequest,
        deadline: Instant,
    ) -> Result<Issued, IssueError> {
        let now = self.clock.now();
        let answer_by = deadline
            .checked_sub(self.policy.final_write_reserve)
            .unwrap_or(deadline);
        let client_id = &request.client_id;
        let stored = self.store.load(client_id).await?;
        let decision =
            machine::decide_issuance(stored.as_ref(), request.mode, request.restart, now);
        let condition = match decision {
            IssuanceDecision::ReturnExisting(pair) => {
                return Ok(Issued {
                    client_id: client_id.clone(),
                    pair: *pair,
                    created: false,
                });
            }
            IssuanceDecision::AlreadyDecided(outcome) => {
                return Err(IssueError::AlreadyDecided(outcome));
            }
            IssuanceDecision::OtherMode(mode) => return Err(IssueError::OtherMode(mode)),
            IssuanceDecision::InProgress { claim_until } => {
                return Err(in_progress(claim_until, now));
            }
            IssuanceDecision::Mint(condition) => condition,
        };
        // Where the identity session will lead, known before anything is claimed or minted.
        let continue_via = match request.mode {
            Mode::TwoSessions => Some(self.continue_via(request).await?),
            Mode::AdditionalStep => None,
        };

        let claim_id = self
            .claim_for_minting(client_id, stored.as_ref(), condition, now)
            .await?;
        let minted = match continue_via {
            Some(via) => self.mint_chain(request, &via, now, answer_by).await,
            None => self.mint_with_permit_step(request, now, answer_by).await,
        };
        let pair = match minted {
            Ok(pair) => pair,
            Err(error) => {
                // Give the clientId back at once so the caller may retry.
                self.release_claim(client_id, &claim_id).await;
                if let MintError::Upstream(error) = &error {
                    tracing::warn!(
                        client_id = %client_id,
                        kind = error.kind(),
                        status = error.upstream().map(|u| u.status),
                        identifier = error.upstream().and_then(|u| u.identifier.as_deref()),
                        "token chain not issued"
                    );
                }
                return Err(error.into());
            }
        };
        self.install_minted(client_id, &claim_id, &pair, now)
            .await?;
        tracing::info!(
            client_id = %client_id,
            pair_id = %pair.pair_id,
            mode = pair.mode.as_str(),
            identity_scan_ref = %pair.identity.scan_ref,
            document_scan_ref = pair.document.as_ref().map(|d| d.scan_ref.as_str()),
            "pair issued"
        );
        Ok(Issued {
            client_id: client_id.clone(),
            pair,
            created: true,
        })
    }

    /// The live pair of a clientId (an expired one counts as absent) and the pairs it
    /// replaced. A pair whose sessions are all final without a verdict on them (a crash
    /// between a callback's two writes, and no redelivery) is decided here, by the same rules,
    /// once.
    pub async fn status(&self, client_id: &ClientId) -> Result<PairView, StatusError> {
        let now = self.clock.now();
        let read = self.live_view(client_id, now).await?;
        let Some(verdict) = machine::verdict_due(&read.pair, &self.policy.verdict, now) else {
            return Ok(read);
        };
        let pair = &read.pair;
        let recorded = self
            .store
            .record_verdict(client_id, pair.decision(&verdict, read.expires_at))
            .await?;
        if !recorded {
            // Someone else decided (or revised) it meanwhile: show what they recorded.
            return self.live_view(client_id, now).await;
        }
        tracing::info!(
            client_id = %client_id,
            pair_id = %pair.pair_id,
            outcome = ?verdict.outcome,
            reasons = ?verdict.reasons,
            verdict_version = verdict.version,
            "pair decided on read"
        );
        let mut decided = read;
        machine::with_verdict(&mut decided.pair, verdict);
        decided.validity = decided
            .pair
            .validity(dates::day_of(now), self.policy.expiry_warning_days);
        Ok(decided)
    }

    async fn live_view(
        &self,
        client_id: &ClientId,
        now: Timestamp,
    ) -> Result<PairView, StatusError> {
        let record = self
            .store
            .load(client_id)
            .await?
            .ok_or(StatusError::NotFound)?;
        let Some(pair) = record.live_pair(now).cloned() else {
            let erased_at = record
                .erasure
                .as_ref()
                .and_then(|e| e.requests.last())
                .map(|r| r.at);
            return Err(erased_at.map_or(StatusError::NotFound, StatusError::Erased));
        };
        Ok(PairView {
            validity: pair.validity(dates::day_of(now), self.policy.expiry_warning_days),
            renewal: pair.renewal_status(now),
            pair,
            previous_pairs: record.previous_pairs,
            expires_at: record.expires_at,
        })
    }

    /// Gives the claim back (best effort: if this write fails, it lapses by itself).
    async fn release_claim(&self, client_id: &ClientId, claim_id: &str) {
        if let Err(error) = self.store.release(client_id, claim_id).await {
            tracing::warn!(client_id = %client_id, %error, "claim not released; it will lapse");
        }
    }

    /// The continuation's base URL and keys for a two-session pair.
    async fn continue_via(&self, request: &IssueRequest) -> Result<ContinueVia, IssueError> {
        let base = self
            .policy
            .public_api_url
            .clone()
            .or_else(|| request.api_base.clone())
            .ok_or(IssueError::NoPublicApiUrl)?;
        let keys = self
            .policy
            .continuation_keys
            .current()
            .await
            .map_err(|e| IssueError::ContinuationKeys(e.to_string()))?;
        Ok(ContinueVia { base, keys })
    }
}

/// Where the identity session of a new two-session pair leads.
struct ContinueVia {
    base: String,
    keys: Arc<ContinuationKeys>,
}

/// What a document session is opened with.
struct DocumentOrder<'a> {
    finish: FinishPages,
    locale: Option<String>,
    person: pair_core::pair::Person,
    permit: &'a PermitPolicy,
    start_within: Duration,
}

/// A renewed document link is written again on a fresh read at most this many times.
const INSTALL_ATTEMPTS: usize = 5;

/// The sessions iDenfy opened for a new pair.
struct Opened {
    identity: OpenedSession,
    document: Option<OpenedSession>,
}

fn in_progress(claim_until: Timestamp, now: Timestamp) -> IssueError {
    IssueError::InProgress {
        retry_after: claim_wait(claim_until, now),
    }
}

/// How long a request should wait for a claim held until `claim_until` (1–5 s).
fn claim_wait(claim_until: Timestamp, now: Timestamp) -> Duration {
    let wait = (claim_until.unix_seconds() - now.unix_seconds()).clamp(1, 5);
    Duration::from_secs(wait.unsigned_abs())
}
