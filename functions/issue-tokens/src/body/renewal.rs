//! A permit renewal's answers: the link for the person, and where the renewal stands.

use pair_app::issuance::Renewed;
use pair_core::pair::renewal::RenewalStatus;
use pair_core::pair::{Pair, PairStatus};
use serde::Serialize;

/// Where a pair's renewal stands, as the status shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewalBody {
    status: &'static str,
    opened_at: String,
}

impl RenewalBody {
    pub fn of(pair: &Pair, status: Option<RenewalStatus>) -> Option<Self> {
        let renewal = pair.renewal.as_ref()?;
        Some(Self {
            status: status?.as_str(),
            opened_at: renewal.opened_at.to_rfc3339(),
        })
    }
}

/// `POST /verifications/{clientId}/renewal`: the pair's standing verdict and end (unchanged
/// until the renewal's result decides), and where the person goes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenewedBody<'a> {
    client_id: &'a str,
    pair_id: &'a str,
    status: PairStatus,
    verification_url: &'a str,
    document_scan_ref: &'a str,
    renewal: RenewalBody,
}

impl<'a> From<&'a Renewed> for RenewedBody<'a> {
    fn from(renewed: &'a Renewed) -> Self {
        Self {
            client_id: renewed.client_id.as_str(),
            pair_id: &renewed.pair.pair_id,
            status: renewed.pair.status(),
            verification_url: &renewed.renewal.verification_url,
            document_scan_ref: &renewed.renewal.scan_ref,
            renewal: RenewalBody {
                status: RenewalStatus::Open.as_str(),
                opened_at: renewed.renewal.opened_at.to_rfc3339(),
            },
        }
    }
}
