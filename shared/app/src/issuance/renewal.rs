//! Renewing a verified pair's permit: one DOCUMENT session for the same clientId, opened under
//! a claim, and installed as the pair's document session beside the proven identity
//! ([`pair_core::pair::renewal`] holds the rules).

use super::*;
use pair_core::pair::machine::{RenewalInstall, renewal_claimed, renewal_installed};
use pair_core::pair::renewal::{Renewal, RenewalRefused, RenewalStatus, renewal_refused};

/// The renewal as it stands after this call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewed {
    pub client_id: ClientId,
    /// The pair: its standing verdict and end are unchanged until the renewal's result decides.
    pub pair: Pair,
    pub renewal: Renewal,
    /// False when an open renewal was handed out again.
    pub created: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenewalError {
    #[error("no verification for this clientId")]
    NotFound,
    #[error("this pair's permit cannot be renewed")]
    Refused(RenewalRefused),
    #[error("another request is issuing tokens for this clientId")]
    InProgress { retry_after: Duration },
    #[error("this clientId had its most pairs for 24 hours; try again later")]
    TooManyPairs { retry_after: Duration },
    #[error(transparent)]
    Upstream(#[from] IdenfyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<MintError> for RenewalError {
    fn from(error: MintError) -> Self {
        match error {
            MintError::Upstream(error) => RenewalError::Upstream(error),
            MintError::Store(error) => RenewalError::Store(error),
        }
    }
}

impl IssuanceService {
    /// Opens a renewal of `client_id`'s verified pair (or hands out the open one again): one
    /// DOCUMENT token, minted under a claim, counted by the daily cap; refused without an
    /// iDenfy call when the rules say so.
    pub async fn renew(
        &self,
        client_id: &ClientId,
        request: &RenewalRequest,
        answer_by: Instant,
    ) -> Result<Renewed, RenewalError> {
        let now = self.clock.now();
        let record = self
            .store
            .load(client_id)
            .await?
            .ok_or(RenewalError::NotFound)?;
        let pair = record.live_pair(now).ok_or(RenewalError::NotFound)?;
        if let Some(renewal) = pair
            .renewal
            .as_ref()
            .filter(|_| pair.renewal_status(now) == Some(RenewalStatus::Open))
        {
            return Ok(Renewed {
                client_id: client_id.clone(),
                pair: pair.clone(),
                renewal: renewal.clone(),
                created: false,
            });
        }
        if let Some(refused) =
            renewal_refused(pair, dates::day_of(now), self.policy.expiry_warning_days)
        {
            return Err(RenewalError::Refused(refused));
        }
        let claim = self.claim_for_renewal(client_id, &record, now).await?;
        let permit = request.permit.over(&pair.permit_policy);
        let order = self.document_order(
            client_id,
            &pair.pair_id,
            DocumentOrder {
                finish: self.site_urls_of(&request.site_urls),
                locale: request.locale.clone(),
                // What the site declared of the person is not kept: the session goes without.
                person: Default::default(),
                permit: &permit,
                start_within: self.policy.token_expiry,
            },
            answer_by,
        );
        let opened = match self.open_recorded(&order, false).await {
            Ok(opened) => opened,
            Err(error) => {
                self.release_claim(client_id, &claim.id).await;
                return Err(error.into());
            }
        };
        let install = RenewalInstall {
            claim_id: claim.id.clone(),
            pair_id: pair.pair_id.clone(),
            session: Session {
                scan_ref: opened.scan_ref.clone(),
                external_ref: opened.external_ref.clone(),
            },
            renewal: Renewal {
                scan_ref: opened.scan_ref.clone(),
                verification_url: opened.url.clone(),
                opened_at: now,
                results_due_by: self.policy.results_due_after_refresh(now),
            },
            permit,
            now,
        };
        if let Some(renewed) = self.install_renewal(client_id, &install).await? {
            return Ok(renewed);
        }
        // The claim was lost (an erasure, a restart): the token is never handed out.
        self.release_claim(client_id, &claim.id).await;
        self.discard(client_id, &[&opened.scan_ref]).await;
        Err(renewal_in_progress(now, now))
    }

    /// The minting claim for a renewal of `record`, counted by the daily cap (given back when
    /// the cap is reached or the store fails).
    async fn claim_for_renewal(
        &self,
        client_id: &ClientId,
        record: &pair_core::pair::PairRecord,
        now: Timestamp,
    ) -> Result<Claim, RenewalError> {
        if let Some(claim) = record.claim.as_ref().filter(|c| c.until > now) {
            return Err(renewal_in_progress(claim.until, now));
        }
        let claim = Claim {
            id: new_id(),
            until: now.plus(self.policy.claim_ttl),
        };
        let claimed = renewal_claimed(record, claim.clone());
        match self.store.replace(&claimed, record.version).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(renewal_in_progress(claim.until, now)),
            Err(other) => return Err(other.into()),
        }
        let capped = self.cap_reached(client_id, now).await;
        if !matches!(capped, Ok(None)) {
            self.release_claim(client_id, &claim.id).await;
        }
        if let Some(retry_after) = capped? {
            return Err(RenewalError::TooManyPairs { retry_after });
        }
        Ok(claim)
    }

    /// The renewal in place under its claim (the record re-read after a conflict); `None` when
    /// the claim or the pair is no longer the one it was minted under.
    async fn install_renewal(
        &self,
        client_id: &ClientId,
        install: &RenewalInstall,
    ) -> Result<Option<Renewed>, RenewalError> {
        for _ in 0..INSTALL_ATTEMPTS {
            let Some(read) = self.store.load(client_id).await? else {
                break;
            };
            let Some((next, installed)) = renewal_installed(&read, install) else {
                break;
            };
            match self.store.replace(&next, read.version).await {
                Ok(()) => {
                    tracing::info!(
                        client_id = %client_id,
                        pair_id = %installed.pair_id,
                        document_scan_ref = %install.renewal.scan_ref,
                        "permit renewal opened"
                    );
                    return Ok(Some(Renewed {
                        client_id: client_id.clone(),
                        pair: installed,
                        renewal: install.renewal.clone(),
                        created: true,
                    }));
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Ok(None)
    }
}

fn renewal_in_progress(claim_until: Timestamp, now: Timestamp) -> RenewalError {
    RenewalError::InProgress {
        retry_after: claim_wait(claim_until, now),
    }
}
