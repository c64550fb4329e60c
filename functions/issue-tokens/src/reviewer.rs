//! The reviewer's routes: a decision recorded by the rules, the evidence with fresh links, the
//! queue of what waits and a claim on one of its pairs.

use super::*;

impl VerificationsApi {
    pub(super) async fn review(
        &self,
        request: &Request,
        raw_client_id: &str,
        reviewer: Principal,
    ) -> Result<Response<Body>, ApiError> {
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let body = json_body(request)?;
        let review = parse_review_request(&body, reviewer).map_err(ApiError::Validation)?;
        let reviewed = self.reviews.review(&client_id, &review).await?;
        if reviewed.recorded_now {
            self.metrics.count_by(
                metrics::VERDICTS,
                "Outcome",
                reviewed.verdict.outcome.as_str(),
            );
        }
        Ok(json_response(
            StatusCode::OK,
            &ReviewedBody::new(&client_id, &reviewed),
        ))
    }

    pub(super) async fn evidence(
        &self,
        request: &Request,
        raw_client_id: &str,
        reader: &Principal,
    ) -> Result<Response<Body>, ApiError> {
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let evidence = self
            .reviews
            .evidence(&client_id, self.answer_by(request))
            .await?;
        // Who looked at a person's documents, always on record (no personal data: ids only).
        tracing::info!(
            principal = %reader,
            client_id = %client_id,
            pair_id = %evidence.pair.pair_id,
            "evidence read"
        );
        let mut response = json_response(StatusCode::OK, &EvidenceBody::new(&client_id, &evidence));
        // Presigned links: no cache keeps them.
        response.headers_mut().insert(
            lambda_http::http::header::CACHE_CONTROL,
            lambda_http::http::HeaderValue::from_static("no-store"),
        );
        Ok(response)
    }

    /// A page of the queue: `?status=REQUIRES_REVIEW&limit=…&cursor=…`.
    pub(super) async fn list_queue(&self, request: &Request) -> Result<Response<Body>, ApiError> {
        let parameters = request.query_string_parameters_ref();
        let query = request::parse_queue_query(|name| {
            parameters.and_then(|p| p.all(name)).unwrap_or_default()
        })
        .map_err(ApiError::Validation)?;
        let listing = self
            .queue
            .list(query.queue, query.cursor.as_deref(), query.limit)
            .await?;
        Ok(json_response(StatusCode::OK, &QueueBody::from(&listing)))
    }

    pub(super) async fn claim(
        &self,
        raw_client_id: &str,
        reviewer: &Principal,
    ) -> Result<Response<Body>, ApiError> {
        let client_id = ClientId::parse(raw_client_id).map_err(|_| ApiError::UnknownClientId)?;
        let claimed = self.queue.claim(&client_id, reviewer).await?;
        Ok(json_response(
            StatusCode::OK,
            &ClaimedBody::new(&client_id, &claimed),
        ))
    }
}
