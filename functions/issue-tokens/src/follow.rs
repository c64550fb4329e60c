//! The person's `GET /verifications/{clientId}/continue` between the two sessions: into the
//! document session, or to the site's error page — never to iDenfy — when refused.

use super::*;

impl VerificationsApi {
    /// The person's browser between the two sessions (no authorizer: the signed token is the
    /// credential). Any refusal goes to the site's error page, never to iDenfy.
    pub(super) async fn follow(
        &self,
        request: &Request,
        raw_client_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let token = request
            .query_string_parameters_ref()
            .and_then(|q| q.first(continuation::QUERY_PARAMETER).map(str::to_owned))
            .unwrap_or_default();
        let followed = match ClientId::parse(raw_client_id) {
            Ok(client_id) => {
                self.service
                    .follow(&client_id, &token, self.answer_by(request))
                    .await
            }
            Err(_) => Err(FollowError::Refused {
                reason: "UNKNOWN_CLIENT_ID",
                error_page: self.service.policy().default_site_urls.error.clone(),
            }),
        };
        match followed {
            Ok(followed) => {
                if followed.first {
                    self.metrics.count(metrics::CONTINUATIONS);
                }
                if followed.refreshed {
                    self.metrics.count(metrics::DOCUMENT_LINKS_RENEWED);
                }
                Ok(http_api::redirect(&followed.url))
            }
            Err(FollowError::Refused { reason, error_page }) => {
                tracing::warn!(reason, "continuation refused");
                self.metrics
                    .count_by(metrics::CONTINUATIONS_REFUSED, "Reason", reason);
                Ok(match error_page {
                    Some(page) => http_api::redirect(&page),
                    None => link_no_longer_valid(),
                })
            }
            Err(other) => Err(ApiError::Follow(other)),
        }
    }
}

/// A continuation refused with no site error page to send the person to.
fn link_no_longer_valid() -> Response<Body> {
    let mut response = Response::new(Body::Text(
        "This verification link is no longer valid. Go back to the site and start again.".into(),
    ));
    *response.status_mut() = StatusCode::GONE;
    response.headers_mut().insert(
        lambda_http::http::header::CONTENT_TYPE,
        lambda_http::http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
