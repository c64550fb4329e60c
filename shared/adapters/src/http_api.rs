//! The HTTP boundary pieces both functions share: JSON content type, JSON responses, error
//! bodies, `Retry-After`, the request id, and the one mapping of a store failure to a
//! response. (Adapters only: the domain never sees these types.)

use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerIamDescription,
    ApiGatewayRequestAuthorizerJwtDescription, ApiGatewayV2httpRequestContext,
};
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use pair_core::pair::Principal;
use pair_core::ports::store::StoreError;
use serde::Serialize;
use std::time::Duration;

mod duties;
pub use duties::{Duty, DutyRefusal, DutyScopes, jwt_scopes};

/// `application/json` or `application/*+json`, any parameters.
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == "application/json"
                || (media.starts_with("application/") && media.ends_with("+json"))
        })
        .unwrap_or(false)
}

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    // Serialising plain structs cannot fail; the fallback keeps the promise of no panic.
    let text = serde_json::to_string(body).unwrap_or_else(|_| r#"{"code":"INTERNAL"}"#.to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `{"code", "message", ...extra}`.
pub fn error_response(
    status: StatusCode,
    code: &str,
    message: &str,
    extra: serde_json::Value,
) -> Response<Body> {
    let mut body = serde_json::json!({ "code": code, "message": message });
    if let (Some(body), serde_json::Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    json_response(status, &body)
}

pub fn with_retry_after(mut response: Response<Body>, wait: Duration) -> Response<Body> {
    let seconds = wait.as_secs().max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

pub fn with_allow(mut response: Response<Body>, allow: &str) -> Response<Body> {
    if let Ok(allow) = HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// The id of the Lambda invocation serving `request` (the local bridge sets one too): a 5xx
/// body carries it so a caller can quote it and an operator can find the log lines.
pub fn request_id(request: &Request) -> String {
    request
        .lambda_context_ref()
        .map(|context| context.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The route API Gateway matched (`POST /verifications/{clientId}/review`): the template's
/// routes are the only ones, so a handler dispatches on this, never on the raw path. `None`
/// outside an HTTP API v2 event, or on the `$default` route.
pub fn route_key(request: &Request) -> Option<&str> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .route_key
            .as_deref()
            .filter(|key| *key != "$default"),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Who is calling, as API Gateway's authorizer established it: the JWT's `sub` claim, or in
/// IAM mode the caller's `userArn`. `None` when no authorizer ran or it gave neither.
pub fn principal(request: &Request) -> Option<Principal> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    let authorizer = context.authorizer.as_ref()?;
    let jwt_subject = authorizer
        .jwt
        .as_ref()
        .and_then(|jwt| jwt.claims.get("sub"))
        .map(String::as_str);
    let iam_caller = authorizer
        .iam
        .as_ref()
        .and_then(|iam| iam.user_arn.as_deref());
    jwt_subject.or(iam_caller).and_then(Principal::parse)
}

/// The API's base URL as the request reached it: `https://{domainName}/{stage}` (no stage
/// segment on `$default`). `None` outside an HTTP API event or without a domain.
pub fn public_base(request: &Request) -> Option<String> {
    let RequestContext::ApiGatewayV2(context) = request.request_context_ref()? else {
        return None;
    };
    let domain = context.domain_name.as_deref().filter(|d| !d.is_empty())?;
    match context.stage.as_deref() {
        None | Some("") | Some("$default") => Some(format!("https://{domain}")),
        Some(stage) => Some(format!("https://{domain}/{stage}")),
    }
}

/// A 302 to `location`, never cached, and not telling the next site where the person came
/// from (the URL carries a continuation token).
pub fn redirect(location: &str) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// How a caller was authenticated, for [`routed`].
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// No authorizer ran.
    Anonymous,
    /// A JWT authorizer with these claims' `sub` and scopes.
    Jwt {
        subject: &'a str,
        scopes: &'a [&'a str],
    },
    /// IAM authorization by this caller.
    Iam { user_arn: &'a str },
}

/// `request` as API Gateway hands it to the function when `route_key` matched and `caller`
/// was authorized: the local stack and the tests build their requests through this.
pub fn routed(request: Request, route_key: &str, caller: Caller<'_>) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.to_owned());
    context.domain_name = request.uri().host().map(str::to_owned);
    context.stage = Some("$default".to_owned());
    context.http.method = request.method().clone();
    context.http.path = Some(request.uri().path().to_owned());
    context.authorizer = match caller {
        Caller::Anonymous => None,
        Caller::Jwt { subject, scopes } => {
            let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
            jwt.claims.insert("sub".to_owned(), subject.to_owned());
            jwt.scopes = Some(scopes.iter().map(|s| (*s).to_owned()).collect());
            let mut authorizer = ApiGatewayRequestAuthorizer::default();
            authorizer.jwt = Some(jwt);
            Some(authorizer)
        }
        Caller::Iam { user_arn } => {
            let mut iam = ApiGatewayRequestAuthorizerIamDescription::default();
            iam.user_arn = Some(user_arn.to_owned());
            let mut authorizer = ApiGatewayRequestAuthorizer::default();
            authorizer.iam = Some(iam);
            Some(authorizer)
        }
    };
    // API Gateway hands the query over parsed, as lambda_http reads it.
    let query: std::collections::HashMap<String, Vec<String>> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes()).fold(
                std::collections::HashMap::new(),
                |mut map: std::collections::HashMap<String, Vec<String>>, (k, v)| {
                    map.entry(k.into_owned()).or_default().push(v.into_owned());
                    map
                },
            )
        })
        .unwrap_or_default();
    request
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(context))
}

/// Kept back from Lambda's own deadline: the answer still has to be written and sent.
const ANSWER_MARGIN: std::time::Duration = std::time::Duration::from_millis(1000);

/// When the work for `request` must be done: the invocation's deadline (the function's timeout,
/// from the Lambda context) less a margin for the answer — now, if that has passed; `None`
/// without a usable deadline (no context, or not a time: some emulators send a duration).
pub fn deadline(request: &Request) -> Option<std::time::Instant> {
    let deadline_ms = u128::from(request.lambda_context_ref()?.deadline);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_millis())
        .unwrap_or_default();
    if deadline_ms + NOT_A_DEADLINE_MS < now_ms {
        return None;
    }
    let left_ms = deadline_ms.saturating_sub(now_ms);
    let left = std::time::Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX));
    Some(std::time::Instant::now() + left.saturating_sub(ANSWER_MARGIN))
}

/// A deadline further in the past than this is no deadline (an invocation that old was ended).
const NOT_A_DEADLINE_MS: u128 = 60_000;

/// A 5xx body: a stable code, a fixed message and the request id — never an SDK's or an
/// upstream's text, which goes to the log.
pub fn server_error(
    status: StatusCode,
    code: &str,
    message: &str,
    request_id: &str,
    extra: serde_json::Value,
) -> Response<Body> {
    let mut extra = extra;
    if let Some(object) = extra.as_object_mut() {
        object.insert("requestId".into(), request_id.into());
    }
    error_response(status, code, message, extra)
}

/// How long a caller should wait after a store hiccup.
const STORE_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A failed store call, for both functions: logged with its text, answered 503 with
/// Retry-After when trying again may help, 500 when a stored record cannot be read.
pub fn store_failure(error: &StoreError, request_id: &str) -> Response<Body> {
    tracing::error!(request_id, %error, "store call failed");
    match error {
        StoreError::Corrupt(_) => server_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "STORE_RECORD_UNREADABLE",
            "a stored record could not be read",
            request_id,
            serde_json::json!({}),
        ),
        StoreError::Conflict | StoreError::Unavailable(_) => with_retry_after(
            server_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "STORE_UNAVAILABLE",
                "the store is unavailable; try again shortly",
                request_id,
                serde_json::json!({}),
            ),
            STORE_RETRY_AFTER,
        ),
    }
}

/// The stack's secret could not be read (Secrets Manager): logged with its text, answered 503
/// with Retry-After — the caller's retry may find it readable.
pub fn secrets_failure(error: &dyn std::fmt::Display, request_id: &str) -> Response<Body> {
    tracing::error!(request_id, %error, "the secret could not be read");
    with_retry_after(
        server_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SECRETS_UNAVAILABLE",
            "a configuration secret is unavailable; try again shortly",
            request_id,
            serde_json::json!({}),
        ),
        STORE_RETRY_AFTER,
    )
}

#[cfg(test)]
mod deadline_tests {
    use super::*;
    use lambda_http::{Context, RequestExt};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    fn with_deadline(deadline_ms: u64) -> Request {
        let mut context = Context::default();
        context.deadline = deadline_ms;
        Request::new(Body::Empty).with_lambda_context(context)
    }

    fn now_ms() -> u64 {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    }

    #[test]
    fn the_invocations_deadline_less_the_answers_margin() {
        let soon = deadline(&with_deadline(now_ms() + 10_000)).expect("a deadline");
        let left = soon.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_millis(8_500) && left <= Duration::from_secs(9),
            "{left:?}"
        );
        // Passed a moment ago: nothing more may start.
        let passed = deadline(&with_deadline(now_ms() - 1_000)).expect("a deadline");
        assert!(passed <= Instant::now());
        // No context, zero, or a duration where a time belongs (cargo lambda sends 600000).
        assert!(deadline(&Request::new(Body::Empty)).is_none());
        assert!(deadline(&with_deadline(0)).is_none());
        assert!(deadline(&with_deadline(600_000)).is_none());
    }

    #[test]
    fn the_public_base_is_the_requests_domain_and_stage() {
        let on = |uri: &str, stage: Option<&str>| {
            let request = lambda_http::http::Request::builder()
                .uri(uri)
                .body(Body::Empty)
                .expect("a request");
            let mut request = routed(request, "POST /verifications", Caller::Anonymous);
            if let Some(RequestContext::ApiGatewayV2(context)) =
                request.extensions_mut().get_mut::<RequestContext>()
            {
                context.stage = stage.map(str::to_owned);
            }
            public_base(&request)
        };
        assert_eq!(
            on(
                "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/verifications",
                Some("prod")
            ),
            Some("https://abc123.execute-api.eu-west-1.amazonaws.com/prod".to_owned())
        );
        assert_eq!(
            on(
                "https://id.shop.example.com/verifications",
                Some("$default")
            ),
            Some("https://id.shop.example.com".to_owned())
        );
        // No domain (the local stack builds path-only requests): unknown.
        assert_eq!(on("/verifications", Some("prod")), None);
        assert_eq!(public_base(&Request::new(Body::Empty)), None);
    }

    #[test]
    fn a_redirect_is_never_cached_and_tells_no_referrer() {
        let response = redirect("https://ivs.idenfy.com/api/v2/redirect?authToken=t");
        assert_eq!(response.status(), StatusCode::FOUND);
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(
            header("location"),
            Some("https://ivs.idenfy.com/api/v2/redirect?authToken=t")
        );
        assert_eq!(header("cache-control"), Some("no-store"));
        assert_eq!(header("referrer-policy"), Some("no-referrer"));
    }
}
