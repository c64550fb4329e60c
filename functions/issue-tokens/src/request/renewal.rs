//! The `POST /verifications/{clientId}/renewal` body (optional) → a [`RenewalRequest`]: the
//! person's language, the site's final pages, and a permit policy as on issuance.

use super::{FieldError, Fields, object_of};
use pair_app::issuance::RenewalRequest;
use pair_app::urls::AllowedOrigins;
use serde_json::Value;

const FIELDS: [&str; 5] = [
    "locale",
    "successUrl",
    "errorUrl",
    "unverifiedUrl",
    "permit",
];

/// Reads and checks a renewal's body (an empty one asks for nothing: the pair's own policy and
/// the configured pages); every problem found, or the request.
pub fn parse_renewal_request(
    body: &Value,
    origins: &AllowedOrigins,
) -> Result<RenewalRequest, Vec<FieldError>> {
    let (object, mut errors) = object_of(body, &FIELDS)?;
    let mut fields = Fields {
        object,
        errors: &mut errors,
    };
    let locale = fields.locale();
    let site_urls = fields.finish_pages(origins);
    let permit = fields.permit();
    if errors.is_empty() {
        Ok(RenewalRequest {
            locale,
            site_urls,
            permit,
        })
    } else {
        Err(errors)
    }
}
