//! A person's journeys through the pages: both iDenfy sessions, a review again, a renewal.

use super::*;

impl Browser {
    /// Clicks through a journey like a person: the site's start page, both simulated iDenfy
    /// sessions, then the final page until it shows a verdict. Returns the statuses seen.
    pub async fn run_journey(&self, site_url: &str, journey: &Journey) -> Result<Ran, String> {
        let client_id = client_id(journey);
        self.goto(site_url).await?;
        self.fill("#clientId", &client_id).await?;
        self.click(&format!("#mode-{}", journey.mode)).await?;
        self.click("#start").await?;
        self.session(journey, "identity", &client_id, &journey.identity)
            .await?;
        if let Some(document) = &journey.document {
            self.session(journey, "document", &client_id, document)
                .await?;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen: Vec<String> = Vec::new();
        loop {
            // The page refreshes itself while pending; a refresh can catch us mid-lookup.
            if let Ok(status) = self.text("#status").await
                && seen.last() != Some(&status)
            {
                seen.push(status);
            }
            if seen.last().is_some_and(|s| s != "PENDING") {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "still {seen:?} after 20 s at {}",
                    self.url().await?
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let last = seen.last().cloned().unwrap_or_default();
        if last != journey.expected_status {
            return Err(format!(
                "ended on {last}, expected {}",
                journey.expected_status
            ));
        }
        let reasons = self.text("#reasons").await?;
        let reasons: Vec<&str> = reasons
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if reasons != journey.expected_reasons {
            return Err(format!(
                "reasons {reasons:?}, expected {:?}",
                journey.expected_reasons
            ));
        }
        Ok(Ran {
            client_id,
            final_url: self.url().await?,
            statuses: seen,
        })
    }

    /// On the site's final page: follows the link to iDenfy's (simulated) dashboard, reviews
    /// the `kind` session again to `outcome`, and comes back to the final page.
    pub async fn review_again(&self, ran: &Ran, kind: &str, outcome: &str) -> Result<(), String> {
        self.goto(&ran.final_url).await?;
        self.click("#idenfy-dashboard").await?;
        let row = format!(
            r#"tr[data-kind="{kind}"][data-client-id="{}"]"#,
            ran.client_id
        );
        self.wait_for(&row).await?;
        self.click(&format!(
            r#"{row} .review-outcome option[value="{outcome}"]"#
        ))
        .await?;
        self.click(&format!("{row} .review-again")).await?;
        self.wait_for("#reviewed").await?;
        self.goto(&ran.final_url).await
    }

    /// On the site's final page of a verified pair: renews the permit (the page's offer), goes
    /// through the renewal's DOCUMENT session with `permit`, and waits on the final page until
    /// the renewal decided.
    pub async fn renew_permit(
        &self,
        ran: &Ran,
        journey: &Journey,
        permit: &SessionInput,
    ) -> Result<(), String> {
        self.goto(&ran.final_url).await?;
        self.click("#renew").await?;
        self.session(journey, "document", &ran.client_id, permit)
            .await?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // The page refreshes itself while the renewal is open.
            if let Ok(status) = self.attribute("#renewal", "data-status").await
                && status != "OPEN"
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the renewal never decided at {}",
                    self.url().await?
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn session(
        &self,
        journey: &Journey,
        kind: &str,
        client_id: &str,
        input: &SessionInput,
    ) -> Result<(), String> {
        // A click that submits a form returns before the next page has loaded: wait for it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let shown = self.attribute("#session-kind", "data-kind").await;
            let client = self.text("#client-id").await;
            match (shown, client) {
                (Ok(shown), Ok(client)) if shown == kind && client == client_id => break,
                seen if Instant::now() > deadline => {
                    return Err(format!(
                        "{}: expected the {kind} session of {client_id}, saw {seen:?}",
                        journey.name
                    ));
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        self.click(&format!(r#"#outcome option[value="{}"]"#, input.outcome))
            .await?;
        self.click(&format!(r#"#docType option[value="{}"]"#, input.doc_type))
            .await?;
        self.fill("#firstName", input.first_name).await?;
        self.fill("#lastName", input.last_name).await?;
        self.fill("#dateOfBirth", input.date_of_birth).await?;
        self.fill("#documentNumber", input.document_number).await?;
        if input.preliminary_first {
            self.click("#preliminary").await?;
        }
        if let Some(upload) = input.permit_upload {
            self.click(&format!(r#"#permitUpload option[value="{upload}"]"#))
                .await?;
        }
        self.click(&format!(r#"#ending option[value="{}"]"#, input.ending))
            .await?;
        for (field, value) in input.facts {
            if SELECTS.contains(field) {
                self.click(&format!(r#"#{field} option[value="{value}"]"#))
                    .await?;
            } else {
                self.fill(&format!("#{field}"), value).await?;
            }
        }
        self.click("#submit").await
    }
}
