//! The function's routes by API Gateway's `routeKey` (the template's `RouteKey`s and its
//! schedules' keys): the one table. The handler dispatches by it, the local stack serves the
//! API's part of it, and a test holds the API's part to `template.yaml`.

use crate::ApiError;
use pair_adapters::http_api::Duty;

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Issue,
    Status,
    Renew,
    Erase,
    Review,
    Evidence,
    Queue,
    Claim,
    Continue,
    RetryErasures,
    WatchExpiries,
    GaugeQueue,
}

impl Endpoint {
    /// The duty a route belongs to; `None` for the person's continuation (its signed token is
    /// the credential) and the schedules' routes (no API route has their keys).
    pub fn duty(self) -> Option<Duty> {
        match self {
            Endpoint::Issue | Endpoint::Status | Endpoint::Renew => Some(Duty::Issuer),
            Endpoint::Review | Endpoint::Evidence | Endpoint::Queue | Endpoint::Claim => {
                Some(Duty::Reviewer)
            }
            Endpoint::Erase => Some(Duty::Eraser),
            Endpoint::Continue
            | Endpoint::RetryErasures
            | Endpoint::WatchExpiries
            | Endpoint::GaugeQueue => None,
        }
    }
}

/// The route key of the scheduled retry of iDenfy's deletions. The template's schedule sends
/// it; no API Gateway route has it, so no HTTP caller can.
pub const ERASURE_RETRY_ROUTE: &str = "POST /internal/erasure-retries";

/// The route key of the daily expiry run (the template's schedule; no API Gateway route).
pub const EXPIRY_WATCH_ROUTE: &str = "POST /internal/expiry-watch";

/// The route key of the review queue's gauges (the template's schedule; no API Gateway route).
pub const QUEUE_GAUGES_ROUTE: &str = "POST /internal/review-queue";

/// The HTTP API's routes this function serves.
pub const API_ROUTES: [(&str, Endpoint); 9] = [
    ("POST /verifications", Endpoint::Issue),
    ("GET /verifications", Endpoint::Queue),
    ("GET /verifications/{clientId}", Endpoint::Status),
    ("POST /verifications/{clientId}/renewal", Endpoint::Renew),
    ("DELETE /verifications/{clientId}", Endpoint::Erase),
    ("POST /verifications/{clientId}/review", Endpoint::Review),
    ("GET /verifications/{clientId}/evidence", Endpoint::Evidence),
    ("POST /verifications/{clientId}/claim", Endpoint::Claim),
    ("GET /verifications/{clientId}/continue", Endpoint::Continue),
];

/// The schedules' routes: sent by EventBridge Scheduler, never reachable over HTTP.
pub const SCHEDULED_ROUTES: [(&str, Endpoint); 3] = [
    (ERASURE_RETRY_ROUTE, Endpoint::RetryErasures),
    (EXPIRY_WATCH_ROUTE, Endpoint::WatchExpiries),
    (QUEUE_GAUGES_ROUTE, Endpoint::GaugeQueue),
];

/// The endpoint of `route_key`. A known path with another method (the local stack passes any)
/// is 405 with the path's methods; anything else 404.
pub fn endpoint(route_key: &str) -> Result<Endpoint, ApiError> {
    let mut routes = API_ROUTES.iter().chain(&SCHEDULED_ROUTES);
    if let Some((_, endpoint)) = routes.find(|(key, _)| *key == route_key) {
        return Ok(*endpoint);
    }
    let path = route_key.split_once(' ').map(|(_, path)| path);
    let allowed: Vec<&str> = API_ROUTES
        .iter()
        .filter_map(|(key, _)| key.split_once(' '))
        .filter(|(_, route_path)| Some(*route_path) == path)
        .map(|(method, _)| method)
        .collect();
    if allowed.is_empty() {
        Err(ApiError::RouteNotFound)
    } else {
        Err(ApiError::MethodNotAllowed(allowed.join(", ")))
    }
}

/// Each path of the API with its route keys, in the table's order: what the local stack
/// mounts (it passes every method on, so a wrong one gets this function's 405).
pub fn api_paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for path in API_ROUTES.iter().filter_map(|(key, _)| key.split_once(' ')) {
        if !paths.contains(&path.1) {
            paths.push(path.1);
        }
    }
    paths
}
