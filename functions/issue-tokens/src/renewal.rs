//! The issuer's `POST /verifications/{clientId}/renewal`: renew a verified pair's permit.

use super::*;
use body::RenewedBody;
use request::parse_renewal_request;

impl VerificationsApi {
    pub(super) async fn renew(
        &self,
        request: &Request,
        raw_client_id: &str,
    ) -> Result<Response<Body>, ApiError> {
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        // No body asks for nothing beyond the pair's own policy.
        let body = if request.body().as_ref().is_empty() {
            serde_json::json!({})
        } else {
            json_body(request)?
        };
        let renewal = parse_renewal_request(&body, &self.service.policy().allowed_origins)
            .map_err(ApiError::Validation)?;
        let renewed = self
            .service
            .renew(&client_id, &renewal, self.answer_by(request))
            .await?;
        let status = if renewed.created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok(json_response(status, &RenewedBody::from(&renewed)))
    }
}
