//! Issuing a person's verification: two chained sessions, or one session with the permit as
//! an additional upload step — recorded so that a clientId gets at most one live pair however
//! many requests arrive at once.

pub mod policy;
pub mod request;

use crate::clock::{Clock, Timestamp};
use crate::idenfy::{FinishPages, IdenfyError, OpenedSession, SessionIssuer, SessionOrder};
use crate::pair::machine::{self, IssuanceDecision};
use crate::pair::{
    Claim, ClientId, Mode, Outcome, Pair, PermitPolicy, PreviousPair, Role, Session, new_id,
};
use crate::store::{IssuanceStore, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use policy::{IssuancePolicy, PermitStepPolicy};
pub use request::{IssueRequest, PermitRequest};

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
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A clientId's live pair, with the pairs restarts replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairView {
    pub pair: Pair,
    pub previous_pairs: Vec<PreviousPair>,
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
    store: Arc<dyn IssuanceStore>,
    sessions: Arc<dyn SessionIssuer>,
    clock: Arc<dyn Clock>,
    policy: Arc<IssuancePolicy>,
}

impl IssuanceService {
    pub fn new(
        store: Arc<dyn IssuanceStore>,
        sessions: Arc<dyn SessionIssuer>,
        clock: Arc<dyn Clock>,
        policy: IssuancePolicy,
    ) -> Self {
        Self {
            store,
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
        // Every pair spends two of iDenfy's tokens: a clientId gets a bounded number a day.
        if let Err(next_allowed) =
            machine::pair_allowed(stored.as_ref(), self.policy.max_pairs_per_day, now)
        {
            tracing::warn!(client_id = %client_id, "pairs per day reached: no tokens minted");
            let wait = (next_allowed.unix_seconds() - now.unix_seconds()).max(1);
            return Err(IssueError::TooManyPairs {
                retry_after: Duration::from_secs(wait.unsigned_abs()),
            });
        }

        let claim = Claim {
            id: new_id(),
            until: now.plus(self.policy.claim_ttl),
        };
        let claim_id = claim.id.clone();
        let claim_until = claim.until;
        let write = machine::claim_write(stored.as_ref(), claim, condition, now);
        match self.store.claim(client_id, &write).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(in_progress(claim_until, now)),
            Err(other) => return Err(other.into()),
        }

        let minted = match request.mode {
            Mode::TwoSessions => self.mint_chain(request, now, answer_by).await,
            Mode::AdditionalStep => self.mint_with_permit_step(request, now, answer_by).await,
        };
        let pair = match minted {
            Ok(pair) => pair,
            Err(error) => {
                // Give the clientId back at once so the caller may retry; if this write fails
                // too, the claim lapses by itself.
                if let Err(release_error) = self.store.release(client_id, &claim_id).await {
                    tracing::warn!(client_id = %client_id, error = %release_error, "claim not released; it will lapse");
                }
                tracing::warn!(
                    client_id = %client_id,
                    kind = error.kind(),
                    status = error.upstream().map(|u| u.status),
                    identifier = error.upstream().and_then(|u| u.identifier.as_deref()),
                    "token chain not issued"
                );
                return Err(error.into());
            }
        };
        let install = machine::install(
            stored.as_ref(),
            &claim_id,
            pair.clone(),
            now.plus(self.policy.retention),
            now,
        );
        // Conditioned on the claim alone: callbacks for the old pair may have landed meanwhile.
        self.store
            .install(client_id, &install)
            .await
            .map_err(|error| match error {
                // Only possible if minting outlived the claim, which claim_ttl rules out.
                StoreError::Conflict => in_progress(now, now),
                other => other.into(),
            })?;
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
            .record_verdict(client_id, pair.decision(&verdict))
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
            pair,
            previous_pairs: record.previous_pairs,
        })
    }

    /// The document session first, then the identity session that ends in it.
    async fn mint_chain(
        &self,
        request: &IssueRequest,
        now: Timestamp,
        answer_by: Instant,
    ) -> Result<Pair, IdenfyError> {
        let pair_id = new_id();
        let policy = &self.policy;
        let permit = request.permit.over(&policy.default_permit);
        let mut document = self.order(request, &pair_id, Role::Document, answer_by);
        document.finish = self.site_urls(request);
        document.start_within = policy.document_expiry();
        document.documents = Some(policy.documents.clone());
        // One accepted country: the permit's session preselects it. Whether iDenfy then
        // refuses other countries is unconfirmed; the verdict checks the issuer either way.
        document.country = permit.single_country().map(str::to_owned);
        let document = self.sessions.open_session(&document).await?;

        let mut identity = self.order(request, &pair_id, Role::Identity, answer_by);
        identity.finish = FinishPages::all(&document.url);
        let identity = self.sessions.open_session(&identity).await?;
        let opened = Opened {
            identity,
            document: Some(document),
        };
        Ok(self.pending_pair(pair_id, Mode::TwoSessions, opened, permit, now))
    }

    /// One identity session that ends with the permit's upload step.
    async fn mint_with_permit_step(
        &self,
        request: &IssueRequest,
        now: Timestamp,
        answer_by: Instant,
    ) -> Result<Pair, IdenfyError> {
        let pair_id = new_id();
        let step = &self.policy.permit_step;
        let mut identity = self.order(request, &pair_id, Role::Identity, answer_by);
        identity.finish = self.site_urls(request);
        identity.permit_upload_step = step.on_token.then(|| step.name.clone());
        let identity = self.sessions.open_session(&identity).await?;
        // Nothing is extracted from an upload: the policy is kept for the reviewer.
        let permit = request.permit.over(&self.policy.default_permit);
        let opened = Opened {
            identity,
            document: None,
        };
        Ok(self.pending_pair(pair_id, Mode::AdditionalStep, opened, permit, now))
    }

    /// The new pair, pending: the person starts at the identity session.
    fn pending_pair(
        &self,
        pair_id: String,
        mode: Mode,
        opened: Opened,
        permit_policy: PermitPolicy,
        now: Timestamp,
    ) -> Pair {
        let Opened { identity, document } = opened;
        let session = |opened: OpenedSession| Session {
            scan_ref: opened.scan_ref,
            external_ref: opened.external_ref,
        };
        Pair {
            pair_id,
            mode,
            verification_url: identity.url.clone(),
            identity: session(identity),
            document: document.map(session),
            permit_policy,
            url_expires_at: now.plus(self.policy.token_expiry),
            results_due_by: Some(now.plus(self.policy.results_due_within(mode))),
            created_at: now,
            updated_at: now,
            results: Default::default(),
            finals: vec![],
            final_digests: vec![],
            verdict: None,
            earlier_verdicts: vec![],
        }
    }

    /// The site's final pages: the request's, else the configured defaults.
    fn site_urls(&self, request: &IssueRequest) -> FinishPages {
        let site = &request.site_urls;
        let defaults = &self.policy.default_site_urls;
        let pick = |mine: &Option<String>, default: &Option<String>| {
            mine.clone().or_else(|| default.clone())
        };
        FinishPages {
            success: pick(&site.success, &defaults.success),
            error: pick(&site.error, &defaults.error),
            unverified: pick(&site.unverified, &defaults.unverified),
        }
    }

    /// A session of the pair for the person in `request`: an identity session by default
    /// (valid for the token expiry), with the configured callback and session length.
    fn order(
        &self,
        request: &IssueRequest,
        pair_id: &str,
        role: Role,
        answer_by: Instant,
    ) -> SessionOrder {
        SessionOrder {
            client_id: request.client_id.clone(),
            pair_id: pair_id.to_owned(),
            role,
            person: request.person.clone(),
            locale: request.locale.clone(),
            finish: FinishPages::default(),
            callback_url: self.policy.callback_url.clone(),
            start_within: self.policy.token_expiry,
            session_length: self.policy.session_length,
            documents: None,
            country: None,
            permit_upload_step: None,
            answer_by,
        }
    }
}

/// The sessions iDenfy opened for a new pair.
struct Opened {
    identity: OpenedSession,
    document: Option<OpenedSession>,
}

fn in_progress(claim_until: Timestamp, now: Timestamp) -> IssueError {
    let wait = (claim_until.unix_seconds() - now.unix_seconds()).clamp(1, 5);
    IssueError::InProgress {
        retry_after: Duration::from_secs(wait.unsigned_abs()),
    }
}
