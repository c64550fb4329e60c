//! The iDenfy of the two-session model: it mints a token per session and lets the
//! deliveries queued for a restart land while it mints.

use super::*;

/// Mints tokens for restarts: `scan-<n>`, one per token. The callbacks handed to it land
/// while it mints (iDenfy delivering during a restart), their receipts kept.
#[derive(Default)]
pub(super) struct Minting {
    pub(super) minted: std::sync::atomic::AtomicUsize,
    pub(super) service: std::sync::OnceLock<CallbackService>,
    pub(super) landing: std::sync::Mutex<Vec<(Delivery, Callback)>>,
    pub(super) landed: std::sync::Mutex<Vec<Landed>>,
    /// The latest identity session's continuation token, and what iDenfy says of a document
    /// session asked about.
    pub(super) continuation: std::sync::Mutex<Option<String>>,
    pub(super) in_use: std::sync::atomic::AtomicBool,
    /// The store, to read the replaced pair's verdict once the landings are in.
    pub(super) memory: std::sync::OnceLock<Arc<MemoryStore>>,
    /// That verdict's outcome, when deliveries landed during the minting.
    pub(super) outcome_after_landing: std::sync::Mutex<Option<Option<pair_core::pair::Outcome>>>,
}

/// A delivery that landed during a restart's minting, and what it got.
pub(super) type Landed = (Delivery, Callback, Result<Receipt, String>);

#[async_trait::async_trait]
impl SessionIssuer for Minting {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        let landing = std::mem::take(&mut *self.landing.lock().unwrap());
        if let (Some(service), Some(memory), false) =
            (self.service.get(), self.memory.get(), landing.is_empty())
        {
            for (delivery, callback) in landing {
                let receipt = service.receive(&callback).await.map_err(|e| e.to_string());
                self.landed
                    .lock()
                    .unwrap()
                    .push((delivery, callback, receipt));
            }
            let record = memory
                .load(&ClientId::parse(EVENTS_CLIENT_ID).unwrap())
                .await;
            let outcome = record
                .ok()
                .flatten()
                .and_then(|r| r.pair)
                .and_then(|p| p.verdict)
                .map(|v| v.outcome);
            *self.outcome_after_landing.lock().unwrap() = Some(outcome);
        }
        let n = self
            .minted
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if let Some((_, token)) = order
            .finish
            .success
            .as_deref()
            .and_then(|url| url.split_once("?c="))
        {
            *self.continuation.lock().unwrap() = Some(token.to_owned());
        }
        Ok(OpenedSession {
            scan_ref: format!("scan-{n}"),
            external_ref: format!("idp-{}-{}", order.pair_id, order.role.as_str()),
            url: format!("https://ivs.idenfy.com/api/v2/redirect?authToken=tok-{n}"),
        })
    }

    async fn session_use(
        &self,
        _: &str,
        _: std::time::Instant,
    ) -> Result<pair_core::ports::idenfy::SessionUse, IdenfyError> {
        Ok(if self.in_use.load(std::sync::atomic::Ordering::SeqCst) {
            pair_core::ports::idenfy::SessionUse::Open
        } else {
            pair_core::ports::idenfy::SessionUse::Unused
        })
    }
}
