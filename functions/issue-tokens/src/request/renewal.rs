//! The `POST /verifications/{clientId}/renewal` body (optional) → a [`RenewalRequest`]: the
//! person's language, the site's final pages, and a permit policy as on issuance.

use super::{FieldError, Fields, object_of};
use serde_json::Value;
use shared::idenfy::is_locale;
use shared::issuance::RenewalRequest;
use shared::pair::FinishPages;
use shared::urls::AllowedOrigins;

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
    let locale = fields.string("locale").map(|l| l.to_ascii_lowercase());
    if let Some(locale) = &locale
        && !is_locale(locale)
    {
        fields.error(
            "locale",
            "INVALID_FORMAT",
            "must be a two-letter language code, e.g. en or lt",
        );
    }
    let site_urls = FinishPages {
        success: fields.site_url("successUrl", origins),
        error: fields.site_url("errorUrl", origins),
        unverified: fields.site_url("unverifiedUrl", origins),
    };
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
