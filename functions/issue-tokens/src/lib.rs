//! The issue-tokens function: `POST /verifications`, `GET /verifications/{clientId}`,
//! `POST /verifications/{clientId}/renewal` (a permit renewed), the reviewer's
//! `POST /verifications/{clientId}/review`, `GET /verifications/{clientId}/evidence`, the
//! queue `GET /verifications?status=REQUIRES_REVIEW` and `POST /verifications/{clientId}/claim`,
//! the eraser's `DELETE /verifications/{clientId}`, the person's
//! `GET /verifications/{clientId}/continue` between the two sessions, the session ledger's
//! scheduled run ([`ERASURE_RETRY_ROUTE`]), the daily expiry watch ([`EXPIRY_WATCH_ROUTE`])
//! and the queue's gauges ([`QUEUE_GAUGES_ROUTE`]). Dispatched by API
//! Gateway's routeKey; parse the event ([`request`]), call one issuance, review or erasure
//! operation, map the result ([`body`]); every error becomes a response in one place
//! ([`ApiError::into_response`]).

pub mod body;
pub mod error;
pub mod request;
pub mod routes;

use body::{
    ClaimedBody, ErasedBody, ErasureRunBody, EvidenceBody, IssuedBody, QueueBody, QueueGaugesBody,
    ReviewedBody, StatusBody, WatchedBody,
};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use pair_adapters::http_api::{self, DutyRefusal, DutyScopes, json_response};
use pair_adapters::metrics::{self, Metrics};
use pair_app::config::VerificationsApiConfig;
use pair_app::erasure::{ErasureError, ErasureService};
use pair_app::expiry::ExpiryWatchService;
use pair_app::issuance::continuation;
use pair_app::issuance::{FollowError, IssuanceService, IssueError, RenewalError};
use pair_app::review::{
    ClaimError, EvidenceError, QueueError, QueueService, ReviewError, ReviewService,
};
use pair_core::clock::Clock;
use pair_core::pair::queue::Queue;
use pair_core::pair::{ClientId, Principal, Threshold};
use pair_core::ports::idenfy::{IdenfyError, IdenfyPorts};
use pair_core::ports::ledger::SessionLedger;
use pair_core::ports::store::VerificationsStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::ApiError;
pub use request::{FieldError, parse_issue_request, parse_review_request};
use routes::Endpoint;
mod follow;
mod renewal;
mod reviewer;
mod scheduled;
pub use routes::{ERASURE_RETRY_ROUTE, EXPIRY_WATCH_ROUTE, QUEUE_GAUGES_ROUTE};

/// The evidence and erasure routes' iDenfy calls end this long before the invocation's
/// deadline, so the answer still goes out.
const ANSWER_RESERVE: Duration = Duration::from_secs(1);

/// Larger issuance bodies are refused unread (a valid one is well under 8 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The `Function` dimension of this function's metrics.
pub const FUNCTION: &str = "issue-tokens";

/// Sessions one scheduled erasure run handles at most (deletions due first, then retention
/// checks); the rest wait in the ledger's index for the next run.
const SESSIONS_PER_RUN: usize = 200;

/// Due records one expiry run handles at most (the rest, and any its time did not allow, the
/// next run finds in the index).
const WATCHED_PER_RUN: usize = 2000;

#[derive(Clone)]
pub struct VerificationsApi {
    /// In JWT mode, each duty's scopes: every route checks its own again.
    duties: Option<DutyScopes>,
    service: IssuanceService,
    reviews: ReviewService,
    queue: QueueService,
    erasures: ErasureService,
    expiries: ExpiryWatchService,
    metrics: Metrics,
}

/// What the verifications API reaches outside itself: `main` builds each once (each client
/// at its first use); the local stack and the tests pass their own.
pub struct ApiPorts {
    pub store: Arc<dyn VerificationsStore>,
    pub ledger: Arc<dyn SessionLedger>,
    pub idenfy: IdenfyPorts,
    pub clock: Arc<dyn Clock>,
    pub metrics: Metrics,
}

impl VerificationsApi {
    /// The function: `config`'s policies over `ports`, and in JWT mode its duties.
    pub fn build(config: VerificationsApiConfig, ports: ApiPorts) -> Self {
        let ApiPorts {
            store,
            ledger,
            idenfy,
            clock,
            metrics,
        } = ports;
        Self {
            duties: config.duties,
            reviews: ReviewService::new(
                store.clone(),
                idenfy.files,
                clock.clone(),
                config.policy.verdict.clone(),
            ),
            erasures: ErasureService::new(
                store.clone(),
                ledger.clone(),
                idenfy.eraser,
                clock.clone(),
                config.policy.ledger.audit,
            ),
            expiries: ExpiryWatchService::new(store.clone(), clock.clone()),
            queue: QueueService::new(
                store.clone(),
                clock.clone(),
                config.policy.continuation_keys.clone(),
                config.queue,
            ),
            service: IssuanceService::new(store, ledger, idenfy.sessions, clock, config.policy),
            metrics,
        }
    }

    pub async fn handle(&self, request: Request) -> Response<Body> {
        match self.dispatch(&request).await {
            Ok(response) => {
                if response.status() == StatusCode::CREATED {
                    self.metrics.count(metrics::PAIRS_ISSUED);
                }
                response
            }
            Err(error) => {
                self.count(&error);
                error.into_response(&http_api::request_id(&request))
            }
        }
    }

    fn count(&self, error: &ApiError) {
        match error {
            ApiError::Issue(IssueError::Upstream(IdenfyError::Credentials(_)))
            | ApiError::Renewal(RenewalError::Upstream(IdenfyError::Credentials(_)))
            | ApiError::Evidence(EvidenceError::Upstream(IdenfyError::Credentials(_))) => {
                self.metrics.count(metrics::SECRET_ERRORS);
            }
            ApiError::Issue(IssueError::Upstream(upstream))
            | ApiError::Renewal(RenewalError::Upstream(upstream))
            | ApiError::Evidence(EvidenceError::Upstream(upstream)) => {
                let identifier = upstream
                    .upstream()
                    .and_then(|u| u.identifier.as_deref())
                    .unwrap_or(upstream.kind());
                self.metrics
                    .count_by(metrics::IDENFY_ERRORS, "Identifier", identifier);
            }
            ApiError::Store(_)
            | ApiError::Issue(IssueError::Store(_))
            | ApiError::Renewal(RenewalError::Store(_))
            | ApiError::Review(ReviewError::Store(_))
            | ApiError::Evidence(EvidenceError::Store(_))
            | ApiError::Queue(QueueError::Store(_))
            | ApiError::Claim(ClaimError::Store(_))
            | ApiError::Erasure(ErasureError::Store(_)) => {
                self.metrics.count(metrics::STORE_ERRORS);
            }
            _ => {}
        }
    }

    /// Routes by API Gateway's `routeKey` — the template's route that matched — never by the
    /// raw path ([`routes`]); checks the route's duty in JWT mode first.
    async fn dispatch(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let key = http_api::route_key(request).ok_or(ApiError::RouteNotFound)?;
        let endpoint = routes::endpoint(key)?;
        if let (Some(duties), Some(duty)) = (&self.duties, endpoint.duty()) {
            duties
                .check(request, duty)
                .map_err(|refusal| match refusal {
                    DutyRefusal::NoToken => ApiError::Unauthenticated,
                    DutyRefusal::Forbidden(duty) => ApiError::Forbidden(duty),
                })?;
        }
        match endpoint {
            Endpoint::Issue => self.issue(request).await,
            Endpoint::Status => self.status(&client_id(request)?).await,
            Endpoint::Renew => self.renew(request, &client_id(request)?).await,
            Endpoint::Review => {
                let reviewer = caller(request)?;
                self.review(request, &client_id(request)?, reviewer).await
            }
            Endpoint::Evidence => {
                let reader = caller(request)?;
                self.evidence(request, &client_id(request)?, &reader).await
            }
            Endpoint::Queue => self.list_queue(request).await,
            Endpoint::Claim => {
                let reviewer = caller(request)?;
                self.claim(&client_id(request)?, &reviewer).await
            }
            Endpoint::Erase => {
                let eraser = caller(request)?;
                self.erase(request, &client_id(request)?, &eraser).await
            }
            Endpoint::Continue => self.follow(request, &client_id(request)?).await,
            Endpoint::RetryErasures => self.retry_erasures(request).await,
            Endpoint::WatchExpiries => self.watch_expiries(request).await,
            Endpoint::GaugeQueue => self.gauge_queue().await,
        }
    }

    async fn erase(
        &self,
        request: &Request,
        raw_client_id: &str,
        eraser: &Principal,
    ) -> Result<Response<Body>, ApiError> {
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let erased = self
            .erasures
            .erase(&client_id, eraser, self.answer_by(request))
            .await?;
        self.count_refusals(erased.refused_now);
        // Everything deleted at iDenfy too: done (200); else accepted, iDenfy asked again later.
        let status = if erased.is_complete() {
            StatusCode::OK
        } else {
            StatusCode::ACCEPTED
        };
        Ok(json_response(status, &ErasedBody::new(&client_id, &erased)))
    }

    /// When iDenfy calls must end: the invocation's deadline less a reserve for the answer.
    fn answer_by(&self, request: &Request) -> Instant {
        http_api::deadline(request)
            .unwrap_or_else(|| Instant::now() + self.service.policy().request_budget)
            .checked_sub(ANSWER_RESERVE)
            .unwrap_or_else(Instant::now)
    }

    async fn issue(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let body = json_body(request)?;
        let mut issue_request = parse_issue_request(&body, &self.service.policy().allowed_origins)
            .map_err(ApiError::Validation)?;
        issue_request.api_base = http_api::public_base(request);
        // The whole issuance fits in the invocation's time (the policy's budget without one).
        let issued = match http_api::deadline(request) {
            Some(deadline) => self.service.issue_by(&issue_request, deadline).await?,
            None => self.service.issue(&issue_request).await?,
        };
        let status = if issued.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(json_response(status, &IssuedBody::from(&issued)))
    }

    async fn status(&self, raw_client_id: &str) -> Result<Response<Body>, ApiError> {
        // An id that could never have been issued is simply unknown.
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let status = self.service.status(&client_id).await?;
        Ok(json_response(
            StatusCode::OK,
            &StatusBody::new(&client_id, &status),
        ))
    }
}

/// The authenticated caller a reviewer's or an eraser's route needs.
fn caller(request: &Request) -> Result<Principal, ApiError> {
    http_api::principal(request).ok_or(ApiError::Unauthenticated)
}

fn client_id(request: &Request) -> Result<String, ApiError> {
    request
        .path_parameters_ref()
        .and_then(|p| p.first("clientId"))
        .map(str::to_owned)
        .ok_or(ApiError::RouteNotFound)
}

/// Content type, then size, then JSON syntax: each refused with its own status.
fn json_body(request: &Request) -> Result<serde_json::Value, ApiError> {
    if !http_api::is_json(request.headers()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = request.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
}
