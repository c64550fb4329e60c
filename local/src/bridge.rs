//! The Lambda handlers served over plain HTTP: an axum request becomes the `lambda_http`
//! request API Gateway would have produced — body, path parameters decoded as API Gateway
//! decodes them, and an invocation's request id — and the handler's response goes back as it
//! is. Nothing of the routes is re-implemented here.

use axum::body::{Body as AxumBody, to_bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use lambda_http::Body as LambdaBody;
use lambda_http::http::StatusCode;
use lambda_http::{Context, RequestExt};
use std::collections::HashMap;

/// API Gateway's own payload limit: the handlers enforce their smaller ones.
const MAX_BODY: usize = 10 * 1024 * 1024;

pub async fn to_lambda(
    request: Request,
    path_parameters: HashMap<String, String>,
) -> Result<lambda_http::Request, Response> {
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
        path_parameters,
    ))
}

/// `request` as a Lambda invocation delivers it: its path parameters, and a request id.
pub fn as_invoked(
    request: lambda_http::Request,
    path_parameters: HashMap<String, String>,
) -> lambda_http::Request {
    let mut context = Context::default();
    context.request_id = format!("local-{}", shared::pair::new_id());
    request
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
