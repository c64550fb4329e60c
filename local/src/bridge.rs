//! The Lambda handlers served over plain HTTP: an axum request becomes the `lambda_http`
//! request API Gateway would have produced — body, path parameters decoded as API Gateway
//! decodes them, and an invocation's request id — and the handler's response goes back as it
//! is. Nothing of the routes is re-implemented here.

use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use lambda_http::Body as LambdaBody;
use lambda_http::http::StatusCode;
use lambda_http::{Context, RequestExt};
use pair_adapters::http_api::{Caller, routed};
use std::collections::HashMap;

/// API Gateway's own payload limit: the handlers enforce their smaller ones.
const MAX_BODY: usize = 10 * 1024 * 1024;

/// Locally there is no authorizer: a request to the API names its caller in this header
/// (`curl -H 'x-local-principal: reviewer-7' …`), which becomes the JWT subject API Gateway
/// would pass. Without it the caller is anonymous, and the reviewer's and eraser's routes answer
/// 401 as deployed.
pub const LOCAL_PRINCIPAL_HEADER: &str = "x-local-principal";

pub async fn to_lambda(
    request: Request,
    path_parameters: HashMap<String, String>,
) -> Result<lambda_http::Request, Response> {
    // The route that matched, as API Gateway's routeKey names it (`GET /verifications/{clientId}`).
    let route_key = match request.extensions().get::<MatchedPath>() {
        Some(matched) => format!("{} {}", request.method(), matched.as_str()),
        None => "$default".to_owned(),
    };
    let principal = request
        .headers()
        .get(LOCAL_PRINCIPAL_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let caller = match principal.as_deref() {
        Some(subject) => Caller::Jwt {
            subject,
            scopes: &[],
        },
        None => Caller::Anonymous,
    };
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response())?;
    let body = if bytes.is_empty() {
        LambdaBody::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => LambdaBody::Text(text),
            Err(not_text) => LambdaBody::Binary(not_text.into_bytes()),
        }
    };
    Ok(as_invoked(
        lambda_http::Request::from_parts(parts, body),
        &route_key,
        caller,
        path_parameters,
    ))
}

/// `request` as a Lambda invocation delivers it: the route matched, the authorizer's caller,
/// its path parameters, and a request id.
pub fn as_invoked(
    request: lambda_http::Request,
    route_key: &str,
    caller: Caller<'_>,
    path_parameters: HashMap<String, String>,
) -> lambda_http::Request {
    let mut context = Context::default();
    context.request_id = format!("local-{}", pair_core::pair::new_id());
    routed(request, route_key, caller)
        .with_path_parameters(path_parameters)
        .with_lambda_context(context)
}

pub fn from_lambda(response: lambda_http::Response<LambdaBody>) -> Response {
    let (parts, body) = response.into_parts();
    let body = match body {
        LambdaBody::Empty => AxumBody::empty(),
        LambdaBody::Text(text) => AxumBody::from(text),
        LambdaBody::Binary(bytes) => AxumBody::from(bytes),
        _ => AxumBody::empty(),
    };
    Response::from_parts(parts, body)
}
