//! Minting: both sessions' orders, the chain (or one session with the permit step), the pending
//! pair installed under the claim over the record as it stands then.

use super::*;

impl IssuanceService {
    /// The clientId claimed for minting under `condition`, and counted by the daily cap (the
    /// claim given back when the cap is reached or the ledger fails): the claim's id.
    pub(super) async fn claim_for_minting(
        &self,
        client_id: &ClientId,
        stored: Option<&pair_core::pair::PairRecord>,
        condition: machine::ClaimCondition,
        now: Timestamp,
    ) -> Result<String, IssueError> {
        let claim = Claim {
            id: new_id(),
            until: now.plus(self.policy.claim_ttl),
        };
        let claim_id = claim.id.clone();
        let claim_until = claim.until;
        let write = machine::claim_write(stored, claim, condition, now);
        match self.store.claim(client_id, &write).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(in_progress(claim_until, now)),
            Err(other) => return Err(other.into()),
        }
        // Counted under the claim, so concurrent requests cannot both slip past the cap.
        let capped = self.cap_reached(client_id, now).await;
        if !matches!(capped, Ok(None)) {
            self.release_claim(client_id, &claim_id).await;
        }
        if let Some(retry_after) = capped? {
            return Err(IssueError::TooManyPairs { retry_after });
        }
        Ok(claim_id)
    }

    /// The minted pair in place under the claim `claim_id`. Lost (minting outlived the claim,
    /// an erasure took the record, or callbacks kept moving it on), the pair's sessions are
    /// never handed out and a claim still held is given back.
    pub(super) async fn install_minted(
        &self,
        client_id: &ClientId,
        claim_id: &str,
        pair: &Pair,
        now: Timestamp,
    ) -> Result<(), IssueError> {
        match self
            .install_under_claim(client_id, claim_id, pair, now)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => {
                self.release_claim(client_id, claim_id).await;
                let scan_refs: Vec<&str> = pair.sessions().map(|s| s.scan_ref.as_str()).collect();
                self.discard(client_id, &scan_refs).await;
                Err(in_progress(now, now))
            }
            // The write may have landed: the retention check decides on its sessions.
            Err(other) => Err(other.into()),
        }
    }

    /// Both sessions at once: the identity session ends on the API's continuation (signed,
    /// expiring with the document token), which leads into the document session — so neither
    /// token waits for the other.
    pub(super) async fn mint_chain(
        &self,
        request: &IssueRequest,
        via: &ContinueVia,
        now: Timestamp,
        answer_by: Instant,
    ) -> Result<Pair, MintError> {
        let pair_id = new_id();
        let policy = &self.policy;
        let permit = request.permit.over(&policy.default_permit);
        let site_urls = self.site_urls(request);
        let document = self.document_order(
            &request.client_id,
            &pair_id,
            DocumentOrder {
                finish: site_urls.clone(),
                locale: request.locale.clone(),
                person: request.person.clone(),
                permit: &permit,
                start_within: policy.document_expiry(),
            },
            answer_by,
        );
        let link_expires_at = now.plus(policy.document_expiry());
        // The continuation outlives the document token by a token's life: a person arriving
        // late still gets a fresh document session rather than an error page.
        let continue_until = link_expires_at.plus(policy.token_expiry);
        let token = via.keys.sign(&request.client_id, &pair_id, continue_until);
        let continue_url = format!(
            "{}/verifications/{}/continue?{}={token}",
            via.base.trim_end_matches('/'),
            request.client_id.as_str(),
            continuation::QUERY_PARAMETER
        );
        let mut identity = self.order(request, &pair_id, Role::Identity, answer_by);
        identity.finish = FinishPages::all(&continue_url);
        let (document, identity) = futures_util::future::join(
            self.open_recorded(&document, false),
            self.open_recorded(&identity, false),
        )
        .await;
        // One leg opened and the other failed: the opened one is never handed out.
        let (document, identity) = match (document, identity) {
            (Ok(document), Ok(identity)) => (document, identity),
            (Ok(opened), Err(error)) | (Err(error), Ok(opened)) => {
                self.discard(&request.client_id, &[&opened.scan_ref]).await;
                return Err(error);
            }
            (Err(error), Err(_)) => return Err(error),
        };
        let link = DocumentLink {
            url: document.url.clone(),
            expires_at: link_expires_at,
            finish: site_urls,
            locale: request.locale.clone(),
            refreshing: None,
        };
        let opened = Opened {
            identity,
            document: Some(document),
        };
        let mut pair = self.pending_pair(pair_id, Mode::TwoSessions, opened, permit, now);
        pair.document_link = Some(link);
        Ok(pair)
    }

    /// The permit's DOCUMENT session of a pair.
    pub(super) fn document_order(
        &self,
        client_id: &ClientId,
        pair_id: &str,
        order: DocumentOrder<'_>,
        answer_by: Instant,
    ) -> SessionOrder {
        SessionOrder {
            client_id: client_id.clone(),
            pair_id: pair_id.to_owned(),
            role: Role::Document,
            person: order.person,
            locale: order.locale,
            finish: order.finish,
            callback_url: self.policy.callback_url.clone(),
            start_within: order.start_within,
            session_length: self.policy.session_length,
            documents: Some(self.policy.documents.clone()),
            // One accepted country: the permit's session preselects it. Whether iDenfy then
            // refuses other countries is unconfirmed; the verdict checks the issuer either way.
            country: order.permit.single_country().map(str::to_owned),
            permit_upload_step: None,
            answer_by,
        }
    }

    /// One identity session that ends with the permit's upload step.
    pub(super) async fn mint_with_permit_step(
        &self,
        request: &IssueRequest,
        now: Timestamp,
        answer_by: Instant,
    ) -> Result<Pair, MintError> {
        let pair_id = new_id();
        let step = &self.policy.permit_step;
        let mut identity = self.order(request, &pair_id, Role::Identity, answer_by);
        identity.finish = self.site_urls(request);
        identity.permit_upload_step = step.on_token.then(|| step.name.clone());
        let identity = self.open_recorded(&identity, false).await?;
        // Nothing is extracted from an upload: the policy is kept for the reviewer.
        let permit = request.permit.over(&self.policy.default_permit);
        let opened = Opened {
            identity,
            document: None,
        };
        Ok(self.pending_pair(pair_id, Mode::AdditionalStep, opened, permit, now))
    }

    /// The new pair, pending: the person starts at the identity session.
    pub(super) fn pending_pair(
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
            earlier_documents: vec![],
            renewal: None,
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
            document_link: None,
            continued_at: None,
            review_claims: vec![],
            expiry: Default::default(),
        }
    }

    /// The site's final pages: the request's, else the configured defaults.
    pub(super) fn site_urls(&self, request: &IssueRequest) -> FinishPages {
        self.site_urls_of(&request.site_urls)
    }

    /// `site`'s pages, each absent one the configured default.
    pub(super) fn site_urls_of(&self, site: &FinishPages) -> FinishPages {
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
    pub(super) fn order(
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

    /// Installs `pair` under the claim `claim_id` over the record as it stands now: the pair it
    /// replaces joins the history with whatever landed while the tokens were minted (a verdict,
    /// a result). A callback landing between the read and the write moves the record on: read
    /// again. `Conflict` once the claim is no longer ours.
    pub(super) async fn install_under_claim(
        &self,
        client_id: &ClientId,
        claim_id: &str,
        pair: &Pair,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        for _ in 0..INSTALL_ATTEMPTS {
            let Some(record) = self
                .store
                .load(client_id)
                .await?
                .filter(|r| r.claim.as_ref().is_some_and(|c| c.id == claim_id))
            else {
                return Err(StoreError::Conflict);
            };
            let install = machine::install(
                &record,
                claim_id,
                pair.clone(),
                now.plus(self.policy.retention),
                now,
            );
            match self.store.install(client_id, &install).await {
                Err(StoreError::Conflict) => continue,
                other => return other,
            }
        }
        Err(StoreError::Conflict)
    }
}
