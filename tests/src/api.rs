//! The issue-tokens routes as API Gateway hands them to the function: requests built once,
//! answers read as status and JSON.

use lambda_http::{Body, RequestExt};
use serde_json::Value;
use std::collections::HashMap;

/// `POST /verifications` with `body`.
pub fn issue(body: &Value) -> lambda_http::Request {
    lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://api.example.com/verifications")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request")
}

/// `GET /verifications/{clientId}{suffix}` (`""` for the status, `"/evidence"`), routed as
/// API Gateway routes it.
pub fn get(client_id: &str, suffix: &str) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("GET")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}{suffix}"
        ))
        .body(Body::Empty)
        .expect("a request");
    routed(request, client_id)
}

/// `POST /verifications/{clientId}/review` with `body`, routed.
pub fn review(client_id: &str, body: &Value) -> lambda_http::Request {
    let request = lambda_http::http::Request::builder()
        .method("POST")
        .uri(format!(
            "https://api.example.com/verifications/{client_id}/review"
        ))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    routed(request, client_id)
}

/// The request with `{clientId}` set, as API Gateway hands it over.
fn routed(request: lambda_http::Request, client_id: &str) -> lambda_http::Request {
    request.with_path_parameters(HashMap::from([(
        "clientId".to_owned(),
        client_id.to_owned(),
    )]))
}

/// The handler's answer: status and JSON body (null when not JSON).
pub async fn answer(
    handler: &issue_tokens::IssueTokens,
    request: lambda_http::Request,
) -> (u16, Value) {
    let response = handler.handle(request).await;
    let body = serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}
