//! The issue-tokens routes as API Gateway hands them to the function — the matched route's
//! key, the `{clientId}` parameter and the authorizer's caller — built once; answers read as
//! status and JSON.

use lambda_http::{Body, RequestExt};
use pair_adapters::http_api::{Caller, routed};
use serde_json::Value;
use std::collections::HashMap;

/// The reviewer the suite's JWTs name (their `sub`), with the reviewer's scope.
pub const REVIEWER_SUBJECT: &str = "reviewer-7";
pub const REVIEWER: Caller<'static> = Caller::Jwt {
    subject: REVIEWER_SUBJECT,
    scopes: &["idenfy-pair/review"],
};
/// The site's backend: the issuer's scope only.
pub const ISSUER: Caller<'static> = Caller::Jwt {
    subject: "shop-backend",
    scopes: &["idenfy-pair/issue"],
};

/// `POST /verifications` with `body`.
pub fn issue(body: &Value) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/verifications")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    routed(request, "POST /verifications", ISSUER)
}

/// `GET /verifications/{clientId}{suffix}` (`""` for the status, `"/evidence"`) by the
/// reviewer.
pub fn get(client_id: &str, suffix: &str) -> lambda_http::Request {
    get_as(client_id, suffix, REVIEWER)
}

/// The same by `caller`.
pub fn get_as(client_id: &str, suffix: &str, caller: Caller<'_>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("GET")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}{suffix}"
        ))
        .body(Body::Empty)
        .expect("a request");
    on_client(request, client_id, suffix, caller)
}

/// `POST /verifications/{clientId}/review` with `body`, by the reviewer.
pub fn review(client_id: &str, body: &Value) -> lambda_http::Request {
    review_as(client_id, body, REVIEWER)
}

/// The same by `caller`.
pub fn review_as(client_id: &str, body: &Value, caller: Caller<'_>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}/review"
        ))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    on_client(request, client_id, "/review", caller)
}

/// `GET /verifications?{query}` (the reviewers' queue) by `caller`.
pub fn queue_as(query: &str, caller: Caller<'_>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("GET")
        .uri(format!("https://api.example.com/verifications?{query}"))
        .body(Body::Empty)
        .expect("a request");
    routed(request, "GET /verifications", caller)
}

/// `POST /verifications/{clientId}/claim` by `caller`.
pub fn claim_as(client_id: &str, caller: Caller<'_>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}/claim"
        ))
        .body(Body::Empty)
        .expect("a request");
    on_client(request, client_id, "/claim", caller)
}

/// `DELETE /verifications/{clientId}` by `caller`.
pub fn erase_as(client_id: &str, caller: Caller<'_>) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("DELETE")
        .uri(format!("https://api.example.com/verifications/{client_id}"))
        .body(Body::Empty)
        .expect("a request");
    on_client(request, client_id, "", caller)
}

/// The request on route `/verifications/{clientId}{suffix}` with `{clientId}` set.
fn on_client(
    request: lambda_http::Request,
    client_id: &str,
    suffix: &str,
    caller: Caller<'_>,
) -> lambda_http::Request {
    let route_key = format!("{} /verifications/{{clientId}}{suffix}", request.method());
    routed(request, &route_key, caller).with_path_parameters(HashMap::from([(
        "clientId".to_owned(),
        client_id.to_owned(),
    )]))
}

/// The handler's answer: status and JSON body (null when not JSON).
pub async fn answer(
    handler: &issue_tokens::VerificationsApi,
    request: lambda_http::Request,
) -> (u16, Value) {
    let response = crate::contract::issue_tokens(handler, request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}
