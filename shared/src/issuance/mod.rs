//! Issuing a person's verification: the two-session chain of IDENFY.md, or one session with
//! the permit as an additional upload step — recorded so that a clientId gets at most one live
//! pair however many requests arrive at once.

pub mod request;

use crate::clock::{Clock, Timestamp};
use crate::idenfy::{IdenfyError, IssuedToken, TokenIssuer, TokenRequest, TokenType};
use crate::pair::machine::{self, IssuanceDecision};
use crate::pair::verdict::VerdictPolicy;
use crate::pair::{
    Claim, ClientId, Mode, Outcome, Pair, PreviousPair, Role, Session, external_ref, new_id,
};
use crate::store::{PairStore, StoreError};
use std::sync::Arc;
use std::time::Duration;

pub use request::{AllowedOrigins, FieldError, IssueRequest, SiteUrls};

/// How long the document token outlives the identity token's start deadline beyond the
/// identity session itself: the redirect between the two sessions takes a moment.
const CHAIN_SLACK: Duration = Duration::from_secs(300);

/// How late a result may arrive after its session ended: iDenfy's retries and manual review
/// of the automatic result.
const RESULTS_MARGIN: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone)]
pub struct IssuancePolicy {
    /// Defaults for the document session's final redirects.
    pub default_site_urls: SiteUrls,
    pub allowed_origins: AllowedOrigins,
    /// Sent as `callbackUrl` on both tokens when set.
    pub callback_url: Option<String>,
    /// `documents` of the DOCUMENT token: what the second session accepts.
    pub documents: Vec<String>,
    /// The identity token's `expiryTime`: how long the link works before it is opened.
    pub token_expiry: Duration,
    /// `sessionLength` of both tokens: how long a session may take once opened.
    pub session_length: Duration,
    /// How long a pair record is kept (the table's TTL).
    pub retention: Duration,
    /// How long a minting request holds the clientId; longer than minting can take.
    pub claim_ttl: Duration,
    /// The permit's upload step in additional-step mode.
    pub permit_step: PermitStepPolicy,
    /// How a pair is decided, for one found final and undecided on read.
    pub verdict: VerdictPolicy,
}

/// The additional UPLOAD step that carries the permit in additional-step mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitStepPolicy {
    /// The step's name (`IDENFY_PERMIT_STEP`, default `RESIDENCE_PERMIT`): its key in the token
    /// request and in the callback's `additionalSteps`, `fileUrls`, `additionalStepPdfUrls`.
    pub name: String,
    /// Send the step with the token (default); false when iDenfy support configured it as the
    /// account's default step, so the token must not carry it.
    pub on_token: bool,
}

impl Default for PermitStepPolicy {
    fn default() -> Self {
        Self {
            name: "RESIDENCE_PERMIT".to_owned(),
            on_token: true,
        }
    }
}

impl PermitStepPolicy {
    /// `additionalSteps` of the token request, as IDENFY.md shows it: for every country and
    /// document, one UPLOAD step under the step's name.
    pub fn token_steps(&self) -> serde_json::Value {
        serde_json::json!({"ALL": {"ALL": {self.name.clone(): {
            "type": "UPLOAD",
            "texts": {"en": {"name": "Residence permit"}},
        }}}})
    }
}

impl IssuancePolicy {
    /// The DOCUMENT token's `expiryTime`: it must still be valid when the person arrives from
    /// an identity session opened at the last moment and run to its full length.
    pub fn document_expiry(&self) -> Duration {
        self.token_expiry + self.session_length + CHAIN_SLACK
    }

    /// From issuance, how long results may still come for a pair whose link is opened at its
    /// last moment: every session run to its full length, plus iDenfy's delivery delays.
    pub fn results_due_within(&self, mode: Mode) -> Duration {
        let last_session_ends = match mode {
            Mode::TwoSessions => self.document_expiry() + self.session_length,
            Mode::AdditionalStep => self.token_expiry + self.session_length,
        };
        last_session_ends + RESULTS_MARGIN
    }
}

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
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct IssuanceService {
    store: Arc<dyn PairStore>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
    policy: Arc<IssuancePolicy>,
}

impl IssuanceService {
    pub fn new(
        store: Arc<dyn PairStore>,
        tokens: Arc<dyn TokenIssuer>,
        clock: Arc<dyn Clock>,
        policy: IssuancePolicy,
    ) -> Self {
        Self {
            store,
            tokens,
            clock,
            policy: Arc::new(policy),
        }
    }

    pub fn policy(&self) -> &IssuancePolicy {
        &self.policy
    }

    pub async fn issue(&self, request: &IssueRequest) -> Result<Issued, IssueError> {
        let now = self.clock.now();
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

        let claim = Claim {
            id: new_id(),
            until: now.plus(self.policy.claim_ttl),
        };
        let claim_id = claim.id.clone();
        let claim_until = claim.until;
        let write = machine::claim_write(stored.as_ref(), claim, condition, now);
        match self.store.claim(client_id, &write, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(in_progress(claim_until, now)),
            Err(other) => return Err(other.into()),
        }

        let minted = match request.mode {
            Mode::TwoSessions => self.mint_chain(request, now).await,
            Mode::AdditionalStep => self.mint_with_permit_step(request, now).await,
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
            .record_verdict(client_id, &pair.pair_id, &verdict, pair.verdict.as_ref())
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
        let pair = record
            .live_pair(now)
            .cloned()
            .ok_or(StatusError::NotFound)?;
        Ok(PairView {
            pair,
            previous_pairs: record.previous_pairs,
        })
    }

    /// DOCUMENT token first, then the IDENTIFICATION token that redirects into it.
    async fn mint_chain(
        &self,
        request: &IssueRequest,
        now: Timestamp,
    ) -> Result<Pair, IdenfyError> {
        let pair_id = new_id();
        let policy = &self.policy;

        let mut document =
            self.token_request(request, TokenType::Document, &pair_id, Role::Document);
        self.with_site_urls(&mut document, request);
        document.expiry_time = Some(seconds(policy.document_expiry()));
        document.documents = Some(policy.documents.clone());
        let document_token = self.tokens.create_token(&document).await?;
        let into_document = self.tokens.redirect_url(&document_token.auth_token);

        let mut identity =
            self.token_request(request, TokenType::Identification, &pair_id, Role::Identity);
        identity.success_url = Some(into_document.clone());
        identity.error_url = Some(into_document.clone());
        identity.unverified_url = Some(into_document);
        identity.expiry_time = Some(seconds(policy.token_expiry));
        let identity_token = self.tokens.create_token(&identity).await?;

        let document = Session {
            scan_ref: document_token.scan_ref,
            external_ref: document.external_ref.unwrap_or_default(),
        };
        Ok(self.pending_pair(
            pair_id,
            Mode::TwoSessions,
            identity,
            identity_token,
            Some(document),
            now,
        ))
    }

    /// One IDENTIFICATION token whose session ends with the permit's upload step.
    async fn mint_with_permit_step(
        &self,
        request: &IssueRequest,
        now: Timestamp,
    ) -> Result<Pair, IdenfyError> {
        let pair_id = new_id();
        let policy = &self.policy;
        let mut identity =
            self.token_request(request, TokenType::Identification, &pair_id, Role::Identity);
        self.with_site_urls(&mut identity, request);
        identity.expiry_time = Some(seconds(policy.token_expiry));
        if policy.permit_step.on_token {
            identity.additional_steps = Some(policy.permit_step.token_steps());
        }
        let identity_token = self.tokens.create_token(&identity).await?;
        Ok(self.pending_pair(
            pair_id,
            Mode::AdditionalStep,
            identity,
            identity_token,
            None,
            now,
        ))
    }

    /// The new pair, pending: the person starts at the identity token's session.
    fn pending_pair(
        &self,
        pair_id: String,
        mode: Mode,
        identity: TokenRequest,
        identity_token: IssuedToken,
        document: Option<Session>,
        now: Timestamp,
    ) -> Pair {
        Pair {
            pair_id,
            mode,
            verification_url: self.tokens.redirect_url(&identity_token.auth_token),
            identity: Session {
                scan_ref: identity_token.scan_ref,
                external_ref: identity.external_ref.unwrap_or_default(),
            },
            document,
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

    /// The site's final pages (the request's, else the configured defaults) on the token the
    /// person finishes with.
    fn with_site_urls(&self, token: &mut TokenRequest, request: &IssueRequest) {
        let site = &request.site_urls;
        let defaults = &self.policy.default_site_urls;
        token.success_url = site.success.clone().or_else(|| defaults.success.clone());
        token.error_url = site.error.clone().or_else(|| defaults.error.clone());
        token.unverified_url = site
            .unverified
            .clone()
            .or_else(|| defaults.unverified.clone());
    }

    fn token_request(
        &self,
        request: &IssueRequest,
        token_type: TokenType,
        pair_id: &str,
        role: Role,
    ) -> TokenRequest {
        let mut token = TokenRequest::new(request.client_id.as_str(), token_type);
        token.first_name = request.first_name.clone();
        token.last_name = request.last_name.clone();
        token.date_of_birth = request.date_of_birth.clone();
        token.locale = request.locale.clone();
        token.callback_url = self.policy.callback_url.clone();
        token.session_length = Some(seconds(self.policy.session_length));
        token.external_ref = Some(external_ref(pair_id, role));
        token
    }
}

fn in_progress(claim_until: Timestamp, now: Timestamp) -> IssueError {
    let wait = (claim_until.unix_seconds() - now.unix_seconds()).clamp(1, 5);
    IssueError::InProgress {
        retry_after: Duration::from_secs(wait.unsigned_abs()),
    }
}

fn seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}
