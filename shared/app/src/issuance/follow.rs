//! Following a continuation into the document session: the token renewed under a claim when it has
//! lapsed and iDenfy says the session ended unused (never when it may be in use).

use super::*;
use pair_core::pair::machine::{
    LinkStep, RefreshedLink, continued, link_refresh_claimed, link_refresh_released,
    link_refreshed, link_step,
};

impl IssuanceService {
    /// Follows a continuation `token` of `client_id` into its pair's document session: the
    /// link as issued while it has [`DOCUMENT_LINK_MARGIN`] left (or once the session has
    /// results), else a fresh document token — minted by one request under a claim, the
    /// others waiting for it, so two tabs get one token. The first follow is recorded.
    pub async fn follow(
        &self,
        client_id: &ClientId,
        token: &str,
        answer_by: Instant,
    ) -> Result<Followed, FollowError> {
        let continuation = self.verified(client_id, token).await?;
        let default_error_page = self.policy.default_site_urls.error.clone();
        // Set once iDenfy says the stale link's session may be in use: it is kept.
        let mut kept = false;
        loop {
            if Instant::now() >= answer_by {
                return Err(FollowError::Busy);
            }
            let now = self.clock.now();
            let record = self.store.load(client_id).await?;
            let live = record.as_ref().and_then(|record| {
                let pair = record
                    .live_pair(now)
                    .filter(|p| p.pair_id == continuation.pair_id)?;
                Some((
                    record,
                    pair,
                    link_step(pair, now, DOCUMENT_LINK_MARGIN, kept)?,
                ))
            });
            let Some((record, pair, step)) = live else {
                return Err(FollowError::Refused {
                    reason: "PAIR_REPLACED",
                    error_page: default_error_page,
                });
            };
            match step {
                LinkStep::Hand { url, first: false } => {
                    return Ok(Followed {
                        url,
                        first: false,
                        refreshed: false,
                    });
                }
                LinkStep::Hand { url, first: true } => {
                    match self.first_arrival(record, url, now).await? {
                        Some(followed) => return Ok(followed),
                        None => continue,
                    }
                }
                LinkStep::Wait => {
                    tokio::time::sleep(REFRESH_POLL).await;
                    continue;
                }
                LinkStep::Renew => {}
            }
            let Some(claim_id) = self.claim_link_refresh(record, now).await? else {
                continue;
            };
            if self.may_be_in_use(client_id, pair, answer_by).await {
                self.release_refresh(client_id, &claim_id).await;
                kept = true;
                continue;
            }
            return self
                .refresh_link(client_id, pair, &claim_id, answer_by)
                .await;
        }
    }

    /// The renewal claim on `record`'s stale link, or `None` when the record changed meanwhile.
    async fn claim_link_refresh(
        &self,
        record: &pair_core::pair::PairRecord,
        now: Timestamp,
    ) -> Result<Option<String>, FollowError> {
        let claim = Claim {
            id: new_id(),
            until: now.plus(REFRESH_CLAIM_TTL),
        };
        let Some(claimed) = link_refresh_claimed(record, claim.clone()) else {
            return Ok(None);
        };
        match self.store.replace(&claimed, record.version).await {
            Ok(()) => Ok(Some(claim.id)),
            Err(StoreError::Conflict) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Whether `pair`'s document session may be in use. Never replace such a session: the
    /// person may have opened it at the link's last moment and be uploading, or waiting for
    /// iDenfy's result. Only one iDenfy says ended unused is replaced; in doubt, it is kept.
    async fn may_be_in_use(&self, client_id: &ClientId, pair: &Pair, answer_by: Instant) -> bool {
        let Some(scan_ref) = pair.document.as_ref().map(|d| d.scan_ref.as_str()) else {
            return false;
        };
        let state = self.sessions.session_use(scan_ref, answer_by).await;
        if matches!(state, Ok(SessionUse::Unused)) {
            return false;
        }
        tracing::info!(
            client_id = %client_id,
            document_scan_ref = %scan_ref,
            state = ?state.as_ref().ok(),
            "document link past its time kept: the session may be in use"
        );
        true
    }

    /// The pair `token` names, if one of our keys made it for `client_id` and it has not
    /// expired; else a refusal to the site's error page.
    async fn verified(
        &self,
        client_id: &ClientId,
        token: &str,
    ) -> Result<continuation::Continuation, FollowError> {
        let keys = self
            .policy
            .continuation_keys
            .current()
            .await
            .map_err(|e| FollowError::ContinuationKeys(e.to_string()))?;
        keys.verify(token, client_id, self.clock.now())
            .map_err(|refused| FollowError::Refused {
                reason: match refused {
                    continuation::ContinuationRefused::Malformed => "MALFORMED",
                    continuation::ContinuationRefused::Forged => "FORGED",
                    continuation::ContinuationRefused::Expired => "EXPIRED",
                },
                error_page: self.policy.default_site_urls.error.clone(),
            })
    }

    /// The person's first arrival recorded, and the link handed out; `None` when the record
    /// changed meanwhile (read it again).
    async fn first_arrival(
        &self,
        record: &pair_core::pair::PairRecord,
        url: String,
        now: Timestamp,
    ) -> Result<Option<Followed>, FollowError> {
        let Some(next) = continued(record, now) else {
            return Ok(None);
        };
        match self.store.replace(&next, record.version).await {
            Ok(()) => Ok(Some(Followed {
                url,
                first: true,
                refreshed: false,
            })),
            Err(StoreError::Conflict) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// A fresh document token for `pair`'s stale link, minted under the renewal claim
    /// `claim_id` and put in place; given back (and the token discarded) when it cannot be.
    async fn refresh_link(
        &self,
        client_id: &ClientId,
        pair: &Pair,
        claim_id: &str,
        answer_by: Instant,
    ) -> Result<Followed, FollowError> {
        let Some(link) = pair.document_link.as_ref() else {
            self.release_refresh(client_id, claim_id).await;
            return Err(FollowError::Busy);
        };
        let order = self.document_order(
            client_id,
            &pair.pair_id,
            DocumentOrder {
                finish: link.finish.clone(),
                locale: link.locale.clone(),
                // What the site declared of the person is not kept: the fresh session
                // goes without it.
                person: Default::default(),
                permit: &pair.permit_policy,
                start_within: self.policy.token_expiry,
            },
            answer_by,
        );
        let opened = match self.open_recorded(&order, true).await {
            Ok(opened) => opened,
            Err(error) => {
                self.release_refresh(client_id, claim_id).await;
                return Err(error.into());
            }
        };
        let scan_ref = opened.scan_ref.clone();
        let installed = self.install_refreshed(client_id, claim_id, opened).await;
        // Lost to another renewal or to a replaced pair (a store failure may have written it:
        // then the retention check decides).
        if matches!(installed, Err(FollowError::Busy)) {
            self.discard(client_id, &[&scan_ref]).await;
        }
        installed
    }

    /// The fresh document session in place of the stale one, under the renewal claim `claim_id`.
    pub(super) async fn install_refreshed(
        &self,
        client_id: &ClientId,
        claim_id: &str,
        opened: OpenedSession,
    ) -> Result<Followed, FollowError> {
        for _ in 0..INSTALL_ATTEMPTS {
            let now = self.clock.now();
            let Some(record) = self.store.load(client_id).await? else {
                break;
            };
            let refreshed = RefreshedLink {
                claim_id: claim_id.to_owned(),
                session: Session {
                    scan_ref: opened.scan_ref.clone(),
                    external_ref: opened.external_ref.clone(),
                },
                url: opened.url.clone(),
                link_expires_at: now.plus(self.policy.token_expiry),
                results_due_by: self.policy.results_due_after_refresh(now),
                now,
            };
            let Some((next, first)) = link_refreshed(&record, &refreshed) else {
                break;
            };
            match self.store.replace(&next, record.version).await {
                Ok(()) => {
                    tracing::info!(
                        client_id = %client_id,
                        document_scan_ref = %opened.scan_ref,
                        "document session renewed at the continuation"
                    );
                    return Ok(Followed {
                        url: opened.url,
                        first,
                        refreshed: true,
                    });
                }
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        // The claim lapsed and another request renewed (or the pair was replaced): the fresh
        // token is not used.
        Err(FollowError::Busy)
    }

    /// Gives the renewal claim back after iDenfy refused (best effort: it lapses anyway).
    pub(super) async fn release_refresh(&self, client_id: &ClientId, claim_id: &str) {
        let Ok(Some(record)) = self.store.load(client_id).await else {
            return;
        };
        let Some(next) = link_refresh_released(&record, claim_id) else {
            return;
        };
        if let Err(error) = self.store.replace(&next, record.version).await {
            tracing::warn!(client_id = %client_id, %error, "renewal claim not released; it will lapse");
        }
    }
}
