//! The schedules' routes: the session ledger's run (iDenfy's deletions asked again, retention
//! ends), the daily expiry watch and the review queue's gauges, each with its counts.

use super::*;

impl VerificationsApi {
    pub(super) async fn retry_erasures(
        &self,
        request: &Request,
    ) -> Result<Response<Body>, ApiError> {
        let run = self
            .erasures
            .run(SESSIONS_PER_RUN, self.answer_by(request))
            .await?;
        self.count_refusals(run.refused);
        self.metrics.gauge(
            metrics::IDENFY_DELETIONS_PENDING,
            run.pending.count as u64,
            "Count",
        );
        self.metrics.gauge(
            metrics::IDENFY_DELETIONS_OVERDUE,
            run.pending.overdue as u64,
            "Count",
        );
        self.metrics.gauge(
            metrics::IDENFY_DELETIONS_OLDEST_AGE,
            run.oldest_pending_age.as_secs(),
            "Seconds",
        );
        tracing::info!(
            asked = run.asked,
            deleted = run.deleted,
            refused = run.refused,
            retention_checked = run.retention_checked,
            retention_ended = run.retention_ended,
            pending = run.pending.count,
            overdue = run.pending.overdue,
            "session ledger run"
        );
        Ok(json_response(StatusCode::OK, &ErasureRunBody::from(&run)))
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

    /// How long the oldest pair has waited for review, how many wait, how many are overdue.
    pub(super) async fn gauge_queue(&self) -> Result<Response<Body>, ApiError> {
        let gauges = self
            .queue
            .gauges(Queue::RequiresReview)
            .await
            .map_err(QueueError::Store)?;
        self.metrics
            .gauge(metrics::REVIEWS_WAITING, gauges.waiting as u64, "Count");
        self.metrics.gauge(
            metrics::REVIEW_OLDEST_WAIT,
            gauges.oldest_wait.map_or(0, |w| w.as_secs()),
            "Seconds",
        );
        self.metrics
            .gauge(metrics::REVIEWS_OVERDUE, gauges.overdue as u64, "Count");
        tracing::info!(
            waiting = gauges.waiting,
            overdue = gauges.overdue,
            oldest_wait_seconds = gauges.oldest_wait.map_or(0, |w| w.as_secs()),
            "review queue gauged"
        );
        Ok(json_response(
            StatusCode::OK,
            &QueueGaugesBody::from(gauges),
        ))
    }

    /// Deletions iDenfy refused (asked again later).
    pub(super) fn count_refusals(&self, refused: usize) {
        for _ in 0..refused {
            self.metrics.count(metrics::IDENFY_DELETIONS_REFUSED);
        }
    }
}
