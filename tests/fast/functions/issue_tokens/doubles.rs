//! The handler's doubles: an iDenfy that opens, deletes and serves sessions (or refuses
//! all), and a store that is down.

use super::*;

/// Opens sessions `scan-1`, `scan-2`… and remembers each order, deletes sessions and
/// remembers which; or refuses all with `refusal`.
#[derive(Default)]
pub(super) struct Sessions {
    pub(super) orders: Mutex<Vec<SessionOrder>>,
    pub(super) deleted: Mutex<Vec<String>>,
    pub(super) refusal: Option<IdenfyError>,
}

#[async_trait]
impl SessionEraser for Sessions {
    async fn delete_session(
        &self,
        scan_ref: &str,
        _: std::time::Instant,
    ) -> Result<(), IdenfyError> {
        if let Some(refusal) = &self.refusal {
            return Err(refusal.clone());
        }
        self.deleted
            .lock()
            .expect("not poisoned")
            .push(scan_ref.to_owned());
        Ok(())
    }
}

#[async_trait]
impl SessionIssuer for Sessions {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        if let Some(refusal) = &self.refusal {
            return Err(refusal.clone());
        }
        let mut orders = self.orders.lock().expect("not poisoned");
        orders.push(order.clone());
        Ok(OpenedSession {
            scan_ref: format!("scan-{}", orders.len()),
            external_ref: format!("ref-{}", orders.len()),
            url: format!(
                "https://ivs.example/redirect?authToken=tok-{}",
                orders.len()
            ),
        })
    }

    /// The double's sessions are never opened: each ends unused.
    async fn session_use(
        &self,
        _: &str,
        _: std::time::Instant,
    ) -> Result<pair_core::ports::idenfy::SessionUse, IdenfyError> {
        Ok(pair_core::ports::idenfy::SessionUse::Unused)
    }
}

/// A store whose every call fails as an outage would, with the SDK's words.
pub(super) struct Down;

pub(super) const SDK_WORDS: &str = "dispatch failure: io error: connection refused (os error 111)";

#[async_trait]
impl PairReader for Down {
    async fn load(&self, _: &ClientId) -> Result<Option<PairRecord>, StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl VerdictStore for Down {
    async fn record_verdict(&self, _: &ClientId, _: Decision<'_>) -> Written {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

impl ReviewStore for Down {}

#[async_trait]
impl ReplaceStore for Down {
    async fn replace(&self, _: &PairRecord, _: u64) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl ErasureStore for Down {
    async fn create(&self, _: &PairRecord) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl ExpiryStore for Down {
    async fn record_expiry(&self, _: &ClientId, _: &ExpiryUpdate) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl ExpiryWatchStore for Down {
    async fn watched_due(
        &self,
        _: Threshold,
        _: &str,
        _: usize,
    ) -> Result<Vec<ClientId>, StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl ReviewQueueStore for Down {
    async fn waiting(
        &self,
        _: Queue,
        _: Option<&QueuePosition>,
        _: usize,
        _: Timestamp,
    ) -> Result<QueuePage, StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
    async fn claim_review(&self, _: &ClientId, _: &ClaimReview) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

#[async_trait]
impl VerificationsStore for Down {
    async fn claim(&self, _: &ClientId, _: &ClaimWrite) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
    async fn release(&self, _: &ClientId, _: &str) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
    async fn install(&self, _: &ClientId, _: &Install) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(SDK_WORDS.into()))
    }
}

/// The files of session `scan_ref`: one face image, or the same refusal as tokens.
#[async_trait]
impl SessionFiles for Sessions {
    async fn file_links(
        &self,
        scan_ref: &str,
        _: std::time::Instant,
    ) -> Result<pair_core::ports::idenfy::FileLinks, IdenfyError> {
        if let Some(refusal) = &self.refusal {
            return Err(refusal.clone());
        }
        Ok([(
            "FACE".to_owned(),
            format!("https://files.example/{scan_ref}/FACE.png"),
        )]
        .into())
    }

    /// Whose session a scanRef is: the same refusal as tokens, else none of ours.
    async fn client_id_of(
        &self,
        _: &str,
        _: std::time::Instant,
    ) -> Result<Option<String>, IdenfyError> {
        match &self.refusal {
            Some(refusal) => Err(refusal.clone()),
            None => Ok(None),
        }
    }
}
