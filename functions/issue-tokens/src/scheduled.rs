//! The schedules' routes: the retry of iDenfy's deletions and the daily expiry watch, each with its
//! counts.

use super::*;

impl IssueTokens {
    pub(super) async fn retry_erasures(
        &self,
        request: &Request,
    ) -> Result<Response<Body>, ApiError> {
        let pass = self
            .erasures
            .retry_pending(RETRIES_PER_RUN, self.answer_by(request))
            .await?;
        self.count_deletions(pass.refused, pass.overdue);
        tracing::info!(
            records = pass.records,
            refused = pass.refused,
            overdue = pass.overdue,
            "iDenfy deletions retried"
        );
        Ok(json_response(StatusCode::OK, &RetriedBody::from(pass)))
    }

    pub(super) async fn watch_expiries(
        &self,
        request: &Request,
    ) -> Result<Response<Body>, ApiError> {
        let pass = self
            .expiries
            .run(WATCHED_PER_RUN, self.answer_by(request))
            .await?;
        for threshold in Threshold::ALL {
            let days = threshold.days().to_string();
            for _ in 0..pass.alerts_at(threshold) {
                self.metrics
                    .count_by(metrics::EXPIRY_ALERTS, "Threshold", &days);
            }
        }
        if pass.more {
            self.metrics.count(metrics::EXPIRY_RUNS_UNFINISHED);
        }
        tracing::info!(
            records = pass.records,
            alerts = pass.alerts.iter().sum::<usize>(),
            unwatched = pass.unwatched,
            more = pass.more,
            "expiry watch run"
        );
        Ok(json_response(StatusCode::OK, &WatchedBody::from(pass)))
    }

    /// Refused deletions, and sessions a day past their erasure (the alarm's metric).
    pub(super) fn count_deletions(&self, refused: usize, overdue: usize) {
        for _ in 0..refused {
            self.metrics.count(metrics::IDENFY_DELETIONS_REFUSED);
        }
        for _ in 0..overdue {
            self.metrics.count(metrics::IDENFY_DELETIONS_OVERDUE);
        }
    }
}
