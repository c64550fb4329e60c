//! The reqwest adapter of the token and files ports: Basic auth, timeouts sized for a Lambda
//! budget, and retries with jittered backoff for the failures that may pass (429, 5xx,
//! timeouts, connection errors) — never for another 4xx.

use super::files::{file_links, session_client_id};
use super::token::redirect_url;
use super::{IssuedToken, TokenRequest};
use crate::outbound::{LazyHttp, http_on_first_use};
use crate::secret::Secret;
use crate::secret::runtime::{API_KEY, API_SECRET, SecretDocument, SecretProblem, Secrets};
use async_trait::async_trait;
use pair_core::ports::idenfy::FileLinks;
use pair_core::ports::idenfy::{
    IdenfyError, OpenedSession, SessionEraser, SessionFiles, SessionIssuer, SessionOrder,
    SessionUse, Upstream,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct IdenfyClientConfig {
    /// e.g. `https://ivs.idenfy.com`, without a trailing slash.
    pub base_url: String,
    /// The API key and secret: fixed, or read from Secrets Manager while running.
    pub credentials: Secrets<IdenfyCredentials>,
    pub connect_timeout: Duration,
    /// For one attempt, connect to last byte.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    /// First backoff ceiling; doubles per attempt, capped by `max_backoff`. Full jitter.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

/// An attempt with less time than this left before the caller's deadline is not started.
const SHORTEST_ATTEMPT: Duration = Duration::from_millis(500);

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// Basic auth for the token API.
#[derive(Debug, Clone)]
pub struct IdenfyCredentials {
    pub api_key: String,
    pub api_secret: Secret,
}

impl IdenfyCredentials {
    /// From the stack's secret: `apiKey` and `apiSecret`.
    pub fn read(document: &SecretDocument) -> Result<Self, SecretProblem> {
        Ok(Self {
            api_key: document.required(API_KEY)?.to_owned(),
            api_secret: Secret::new(document.required(API_SECRET)?),
        })
    }
}

impl IdenfyClientConfig {
    /// Fixed credentials (local runs, tests).
    pub fn new(base_url: &str, api_key: &str, api_secret: &str) -> Self {
        Self::with_credentials(
            base_url,
            Secrets::fixed(IdenfyCredentials {
                api_key: api_key.to_owned(),
                api_secret: Secret::new(api_secret),
            }),
        )
    }

    pub fn with_credentials(base_url: &str, credentials: Secrets<IdenfyCredentials>) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            credentials,
            connect_timeout: Duration::from_secs(2),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Clone)]
pub struct IdenfyClient {
    http: LazyHttp,
    config: IdenfyClientConfig,
    token_url: String,
    files_url: String,
    status_url: String,
    delete_url: String,
}

impl std::fmt::Debug for IdenfyClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdenfyClient")
            .field("base_url", &self.config.base_url)
            .finish_non_exhaustive()
    }
}

/// iDenfy's error body; both fields may be missing.
#[derive(Deserialize, Default)]
struct ErrorBody {
    identifier: Option<String>,
    message: Option<String>,
}

/// Longest piece of a non-JSON error body kept as the message.
const RAW_MESSAGE_MAX: usize = 200;

impl IdenfyClient {
    /// The client of `config`; its HTTP client is built at the first call.
    pub fn new(config: IdenfyClientConfig) -> Self {
        let (connect, request) = (config.connect_timeout, config.request_timeout);
        let http =
            http_on_first_use(move |builder| builder.connect_timeout(connect).timeout(request));
        let token_url = format!("{}/api/v2/token", config.base_url);
        let files_url = format!("{}/api/v2/files", config.base_url);
        let status_url = format!("{}/api/v2/status", config.base_url);
        let delete_url = format!("{}/api/v2/delete", config.base_url);
        Self {
            http,
            config,
            token_url,
            files_url,
            status_url,
            delete_url,
        }
    }

    async fn http(&self) -> Result<&reqwest::Client, IdenfyError> {
        self.http.get().await.as_ref().map_err(|error| {
            IdenfyError::Connection(format!("the HTTP client could not be built: {error}"))
        })
    }

    /// One POST of `body` to `url`, cut at `answer_by` (or the configured request timeout, if
    /// sooner): the body of a 2xx answer, else iDenfy's refusal as an error. The answer's
    /// text never reaches an error unless it is an error body.
    async fn attempt(
        &self,
        url: &str,
        body: &(impl Serialize + Sync),
        answer_by: Instant,
    ) -> Result<Vec<u8>, IdenfyError> {
        let time_left = answer_by.saturating_duration_since(Instant::now());
        if time_left < SHORTEST_ATTEMPT {
            return Err(IdenfyError::Timeout);
        }
        let credentials = self
            .config
            .credentials
            .current()
            .await
            .map_err(|e| IdenfyError::Credentials(e.to_string()))?;
        let response = self
            .http()
            .await?
            .post(url)
            .basic_auth(&credentials.api_key, Some(credentials.api_secret.expose()))
            .timeout(time_left.min(self.config.request_timeout))
            .json(body)
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport_error)?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let parsed: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        let message = parsed.message.unwrap_or_else(|| {
            let raw = String::from_utf8_lossy(&body);
            let raw = raw.trim();
            match raw.char_indices().nth(RAW_MESSAGE_MAX) {
                Some((cut, _)) => raw[..cut].to_owned(),
                None if raw.is_empty() => status.canonical_reason().unwrap_or("").to_owned(),
                None => raw.to_owned(),
            }
        });
        Err(super::error::classify(
            Upstream {
                status: status.as_u16(),
                identifier: parsed.identifier,
                message,
            },
            retry_after,
        ))
    }

    /// `attempt` again while the failure may pass, with backoff; nothing runs past `answer_by`.
    async fn with_retries<T, F, Fut>(
        &self,
        what: &'static str,
        answer_by: Instant,
        mut attempt: F,
    ) -> Result<T, IdenfyError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, IdenfyError>>,
    {
        let policy = self.config.retry;
        let mut attempt_number = 1;
        loop {
            let error = match attempt().await {
                Ok(answer) => return Ok(answer),
                Err(error) => error,
            };
            if !error.is_transient() || attempt_number >= policy.max_attempts {
                return Err(error);
            }
            let delay = error
                .retry_after()
                .unwrap_or_else(|| self.backoff(attempt_number));
            if Instant::now() + delay + SHORTEST_ATTEMPT > answer_by {
                return Err(error);
            }
            tracing::warn!(
                attempt = attempt_number,
                kind = error.kind(),
                status = error.upstream().map(|u| u.status),
                ?delay,
                "iDenfy {what} request will be retried"
            );
            tokio::time::sleep(delay).await;
            attempt_number += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let policy = &self.config.retry;
        let ceiling = policy
            .base_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(policy.max_backoff);
        let ceiling_ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=ceiling_ms))
    }
}

fn transport_error(error: reqwest::Error) -> IdenfyError {
    if error.is_timeout() {
        IdenfyError::Timeout
    } else if error.is_connect() {
        IdenfyError::Connection(error.to_string())
    } else {
        IdenfyError::InvalidResponse(error.to_string())
    }
}

impl IdenfyClient {
    /// `POST /api/v2/token`, checked against iDenfy's limits first, retried while the cause
    /// may pass; nothing runs past `answer_by`.
    pub async fn create_token(
        &self,
        request: &TokenRequest,
        answer_by: Instant,
    ) -> Result<IssuedToken, IdenfyError> {
        request
            .check_limits()
            .map_err(IdenfyError::InvalidRequest)?;
        self.with_retries("token", answer_by, || async {
            let body = self.attempt(&self.token_url, request, answer_by).await?;
            let token = serde_json::from_slice::<IssuedToken>(&body)
                .map_err(|e| IdenfyError::InvalidResponse(e.to_string()))?;
            if token.auth_token.is_empty() || token.scan_ref.is_empty() {
                return Err(IdenfyError::InvalidResponse(
                    "empty authToken or scanRef".into(),
                ));
            }
            Ok(token)
        })
        .await
    }

    /// The URL a person opens to run the session of `auth_token`.
    pub fn redirect_url(&self, auth_token: &str) -> String {
        redirect_url(&self.config.base_url, auth_token)
    }
}

#[async_trait]
impl SessionIssuer for IdenfyClient {
    async fn open_session(&self, order: &SessionOrder) -> Result<OpenedSession, IdenfyError> {
        let request = TokenRequest::for_session(order);
        let token = self.create_token(&request, order.answer_by).await?;
        Ok(OpenedSession {
            url: self.redirect_url(&token.auth_token),
            scan_ref: token.scan_ref,
            external_ref: request.external_ref.unwrap_or_default(),
        })
    }

    async fn session_use(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<SessionUse, IdenfyError> {
        let request = serde_json::json!({ "scanRef": scan_ref });
        self.with_retries("status", answer_by, || async {
            let body = self.attempt(&self.status_url, &request, answer_by).await?;
            super::files::session_use(&body)
        })
        .await
    }
}

#[async_trait]
impl SessionFiles for IdenfyClient {
    async fn file_links(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<FileLinks, IdenfyError> {
        let request = serde_json::json!({ "scanRef": scan_ref });
        self.with_retries("files", answer_by, || async {
            let body = self.attempt(&self.files_url, &request, answer_by).await?;
            file_links(&body)
        })
        .await
    }

    /// `POST /api/v2/status`: the session's `clientId`, nothing else of the answer is read.
    async fn client_id_of(
        &self,
        scan_ref: &str,
        answer_by: Instant,
    ) -> Result<Option<String>, IdenfyError> {
        let request = serde_json::json!({ "scanRef": scan_ref });
        self.with_retries("status", answer_by, || async {
            let body = self.attempt(&self.status_url, &request, answer_by).await?;
            session_client_id(&body)
        })
        .await
    }
}

#[async_trait]
impl SessionEraser for IdenfyClient {
    /// `POST /api/v2/delete`: 200 with an empty body once deleted; the body is not read.
    async fn delete_session(&self, scan_ref: &str, answer_by: Instant) -> Result<(), IdenfyError> {
        let request = serde_json::json!({ "scanRef": scan_ref });
        self.with_retries("delete", answer_by, || async {
            self.attempt(&self.delete_url, &request, answer_by)
                .await
                .map(drop)
        })
        .await
    }
}
