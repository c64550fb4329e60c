//! The stack's secrets while the functions run. In AWS they are one JSON document in Secrets
//! Manager, read at runtime and kept for a bounded time, so a rotation takes effect without a
//! deploy and nobody reads them from the function's configuration. A webhook signature that
//! fails under the kept keys may trigger one early re-read, at most once per
//! [`MIN_REFRESH_INTERVAL`]: a flood of forged requests cannot become a flood of Secrets
//! Manager calls. Local runs give the same values as plain environment variables instead.

use super::Secret;
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The least time between two reads of the secret outside its lifetime.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// A key of the secret document and the environment variable that stands for it locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretKey {
    pub json: &'static str,
    pub env: &'static str,
}

pub const API_KEY: SecretKey = SecretKey {
    json: "apiKey",
    env: "IDENFY_API_KEY",
};
pub const API_SECRET: SecretKey = SecretKey {
    json: "apiSecret",
    env: "IDENFY_API_SECRET",
};
pub const SIGNING_KEYS: SecretKey = SecretKey {
    json: "signingKeys",
    env: "IDENFY_SIGNING_KEYS",
};
pub const DOCUMENT_HASH_KEY: SecretKey = SecretKey {
    json: "documentHashKey",
    env: "DOCUMENT_HASH_KEY",
};
pub const SITE_WEBHOOK_SECRETS: SecretKey = SecretKey {
    json: "siteWebhookSecrets",
    env: "SITE_WEBHOOK_SECRETS",
};
pub const CONTINUATION_KEYS: SecretKey = SecretKey {
    json: "continuationKeys",
    env: "CONTINUATION_KEYS",
};

const ALL_KEYS: [SecretKey; 6] = [
    API_KEY,
    API_SECRET,
    CONTINUATION_KEYS,
    SIGNING_KEYS,
    DOCUMENT_HASH_KEY,
    SITE_WEBHOOK_SECRETS,
];

/// Each function's secret holds its own keys and no other's, so no function can read what
/// another needs: issue-tokens iDenfy's API credentials and the continuation keys, the public
/// callback the webhook signing and document-hash keys, the notifier the site's webhook secrets.
pub const ISSUANCE_KEYS: &[SecretKey] = &[API_KEY, API_SECRET, CONTINUATION_KEYS];
pub const CALLBACK_KEYS: &[SecretKey] = &[SIGNING_KEYS, DOCUMENT_HASH_KEY];
pub const NOTIFIER_KEYS: &[SecretKey] = &[SITE_WEBHOOK_SECRETS];

/// The secret's values by key (a JSON object of strings; keys a function does not use are
/// ignored, and empty values count as absent).
#[derive(Clone, Default)]
pub struct SecretDocument(Vec<(SecretKey, Secret)>);

impl fmt::Debug for SecretDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.0.iter().map(|(k, _)| k.json).collect();
        write!(f, "SecretDocument({keys:?})")
    }
}

impl SecretDocument {
    /// The document Secrets Manager holds for a function whose secret has the keys `own`:
    /// another function's key in it is refused (the secrets are split by role). Keys this
    /// service does not know are ignored. serde's words are not kept: they may quote a value.
    pub fn from_json(text: &str, own: &[SecretKey]) -> Result<Self, SecretError> {
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
            .map_err(|_| SecretError::Unusable("the secret is not a JSON object".into()))?;
        let mut values = Vec::new();
        for key in ALL_KEYS {
            match object.get(key.json) {
                None | Some(serde_json::Value::Null) => {}
                Some(_) if !own.contains(&key) => {
                    let own: Vec<&str> = own.iter().map(|k| k.json).collect();
                    return Err(SecretError::Unusable(format!(
                        "the secret holds {}, another function's key: this function's secret \
                         holds only {} (one secret per role)",
                        key.json,
                        own.join(", ")
                    )));
                }
                Some(serde_json::Value::String(value)) => values.push((key, Secret::new(value))),
                Some(_) => {
                    return Err(SecretError::Unusable(format!(
                        "the secret's {} is not a string",
                        key.json
                    )));
                }
            }
        }
        Ok(Self(values))
    }

    /// The keys `own` from environment variables (local runs).
    pub fn from_variables(
        own: &[SecretKey],
        lookup: impl Fn(&'static str) -> Option<String>,
    ) -> Self {
        Self(
            own.iter()
                .filter_map(|&key| lookup(key.env).map(|value| (key, Secret::new(value))))
                .collect(),
        )
    }

    /// The value, trimmed, if present and not empty.
    pub fn get(&self, key: SecretKey) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value.expose().trim())
            .filter(|value| !value.is_empty())
    }

    /// The value, or a problem naming the key.
    pub fn required(&self, key: SecretKey) -> Result<&str, SecretProblem> {
        self.get(key).ok_or(SecretProblem {
            key,
            missing: true,
            reason: "is required".into(),
        })
    }
}

/// Why a function cannot use the secret document: which key, and why (never the value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}) {reason}", key.json, key.env)]
pub struct SecretProblem {
    pub key: SecretKey,
    pub missing: bool,
    pub reason: String,
}

impl SecretProblem {
    pub fn invalid(key: SecretKey, reason: impl Into<String>) -> Self {
        Self {
            key,
            missing: false,
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager did not answer, or refused (its words go to the log, not to callers).
    #[error("the secret could not be read: {0}")]
    Unavailable(String),
    #[error("the secret is not usable: {0}")]
    Unusable(String),
}

impl From<SecretProblem> for SecretError {
    fn from(problem: SecretProblem) -> Self {
        SecretError::Unusable(problem.to_string())
    }
}

/// Where the secret document comes from (the port; Secrets Manager is the adapter).
#[async_trait]
pub trait SecretSource: Send + Sync {
    async fn fetch(&self) -> Result<SecretDocument, SecretError>;
}

/// What a function reads from the document, checked.
pub type ReadSecrets<T> = fn(&SecretDocument) -> Result<T, SecretProblem>;

/// A function's secrets: fixed (local runs, tests) or read from a source and kept for
/// `lifetime`.
pub struct Secrets<T>(Inner<T>);

enum Inner<T> {
    Fixed(Arc<T>),
    Kept(Arc<Kept<T>>),
}

struct Kept<T> {
    source: Arc<dyn SecretSource>,
    read: ReadSecrets<T>,
    lifetime: Duration,
    min_refresh: Duration,
    state: Mutex<State<T>>,
}

struct State<T> {
    value: Option<(Arc<T>, Instant)>,
    last_read: Option<Instant>,
}

impl<T> Clone for Secrets<T> {
    fn clone(&self) -> Self {
        Self(match &self.0 {
            Inner::Fixed(value) => Inner::Fixed(value.clone()),
            Inner::Kept(kept) => Inner::Kept(kept.clone()),
        })
    }
}

impl<T> fmt::Debug for Secrets<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Fixed(_) => f.write_str("Secrets(from the environment)"),
            Inner::Kept(kept) => write!(f, "Secrets(read at runtime, kept {:?})", kept.lifetime),
        }
    }
}

impl<T: Send + Sync> Secrets<T> {
    pub fn fixed(value: T) -> Self {
        Self(Inner::Fixed(Arc::new(value)))
    }

    /// Read from `source` on first use, again once `lifetime` has passed.
    pub fn kept(source: Arc<dyn SecretSource>, read: ReadSecrets<T>, lifetime: Duration) -> Self {
        Self::kept_with_refresh_interval(source, read, lifetime, MIN_REFRESH_INTERVAL)
    }

    /// The same, with another least time between early reads (tests).
    pub fn kept_with_refresh_interval(
        source: Arc<dyn SecretSource>,
        read: ReadSecrets<T>,
        lifetime: Duration,
        min_refresh: Duration,
    ) -> Self {
        Self(Inner::Kept(Arc::new(Kept {
            source,
            read,
            lifetime,
            min_refresh,
            state: Mutex::new(State {
                value: None,
                last_read: None,
            }),
        })))
    }

    /// The secrets to use now. A failed re-read keeps the last good values (logged): an outage
    /// of Secrets Manager must not refuse requests the kept keys can serve.
    pub async fn current(&self) -> Result<Arc<T>, SecretError> {
        let kept = match &self.0 {
            Inner::Fixed(value) => return Ok(value.clone()),
            Inner::Kept(kept) => kept,
        };
        let mut state = kept.state.lock().await;
        if let Some((value, read_at)) = &state.value {
            let recently_tried = state
                .last_read
                .is_some_and(|at| at.elapsed() < kept.min_refresh);
            if read_at.elapsed() < kept.lifetime || recently_tried {
                return Ok(value.clone());
            }
        }
        match kept.read_into(&mut state).await {
            Ok(value) => Ok(value),
            Err(error) => match &state.value {
                Some((value, _)) => {
                    tracing::warn!(%error, "the secret could not be read again: the kept values stay in use");
                    Ok(value.clone())
                }
                None => Err(error),
            },
        }
    }

    /// A re-read before the lifetime ends (a signature failed under the kept keys): the new
    /// values, or `None` when one was tried within the refresh interval, the secrets are
    /// fixed, or the read failed.
    pub async fn refresh(&self) -> Option<Arc<T>> {
        let Inner::Kept(kept) = &self.0 else {
            return None;
        };
        let mut state = kept.state.lock().await;
        if state
            .last_read
            .is_some_and(|at| at.elapsed() < kept.min_refresh)
        {
            return None;
        }
        match kept.read_into(&mut state).await {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(%error, "the secret could not be read again");
                None
            }
        }
    }
}

impl<T> Kept<T> {
    async fn read_into(&self, state: &mut State<T>) -> Result<Arc<T>, SecretError> {
        state.last_read = Some(Instant::now());
        let document = self.source.fetch().await?;
        let value = Arc::new((self.read)(&document)?);
        state.value = Some((value.clone(), Instant::now()));
        Ok(value)
    }
}

#[cfg(test)]
mod tests;
