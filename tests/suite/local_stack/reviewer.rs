//! A reviewer on the local stack, over HTTP and in a real browser, and what the site is told.

use super::*;

async fn review_again_over_http_on(store: StoreChoice) {
    let running = local::start(config(store.clone()))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &matching())
        .await
        .expect("VERIFIED first");
    let page = review_again_over_http(&ran, "identity", "DENIED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REJECTED"));
    assert_eq!(reasons_of(&page.html), vec!["IDENTITY_DENIED"]);
    assert_eq!(earlier_of(&page.html), vec!["VERIFIED"]);
    // Back to APPROVED with the very data sent first: a body seen before changes nothing.
    let page = review_again_over_http(&ran, "identity", "APPROVED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REJECTED"));
    assert_eq!(earlier_of(&page.html), vec!["VERIFIED"]);
    // SUSPECTED: more lenient than REJECTED, so a person decides.
    let page = review_again_over_http(&ran, "identity", "SUSPECTED")
        .await
        .expect("reviewed again");
    assert_eq!(status_of(&page.html).as_deref(), Ok("REQUIRES_REVIEW"));
    assert_eq!(
        reasons_of(&page.html),
        vec!["IDENTITY_SUSPECTED", "RESULT_REVISED"]
    );
    assert_eq!(earlier_of(&page.html), vec!["REJECTED", "VERIFIED"]);
    // The notifier runs beside the callbacks, fed by the embedded store's change feed or by
    // the table's stream (DynamoDB Streams API): the site received each decision once, signed,
    // and its final page lists them.
    let notified = notifications_received(&running.site_url, &ran.client_id, 3).await;
    let seen: Vec<(&str, &str, u64)> = notified
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap_or_default(),
                n["status"].as_str().unwrap_or_default(),
                n["version"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("verification.decided", "VERIFIED", 1),
            ("verification.revised", "REJECTED", 2),
            ("verification.revised", "REQUIRES_REVIEW", 3),
        ]
    );
    let page = integration_tests::http()
        .get(&ran.final_url)
        .send()
        .await
        .expect("the final page")
        .text()
        .await
        .expect("its text");
    assert!(
        page.contains(r#"id="notifications" data-count="3""#),
        "{page}"
    );
    running.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_over_http_with_the_embedded_store() {
    review_again_over_http_on(StoreChoice::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_over_http_with_dynamodb() {
    review_again_over_http_on(fresh_dynamodb().await).await;
}

/// In Chromium, on the DynamoDB API: a review at iDenfy's dashboard, then — while the person
/// only looks at the final page — another one; the page shows it when the notification (read
/// from the table's stream) reaches the site, without a navigation by the test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_again_in_a_real_browser() {
    let running = local::start(config(fresh_dynamodb().await))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let result = async {
        let ran = browser.run_journey(&running.site_url, &matching()).await?;
        if ran.statuses.last().map(String::as_str) != Some("VERIFIED") {
            return Err(format!("not VERIFIED first: {:?}", ran.statuses));
        }
        browser.review_again(&ran, "identity", "DENIED").await?;
        let status = browser.text("#status").await?;
        let earlier = browser.text("#earlier").await?;
        if status != "REJECTED" || !earlier.starts_with("VERIFIED") {
            return Err(format!("final page shows {status}, earlier {earlier:?}"));
        }
        review_again_over_http(&ran, "identity", "SUSPECTED").await?;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            // Errors while the page reloads itself count as "not yet".
            let count = browser.attribute("#notifications", "data-count").await;
            let status = browser.text("#status").await;
            if count.as_deref() == Ok("3") && status.as_deref() == Ok("REQUIRES_REVIEW") {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "the final page did not update: {count:?} notifications, status {status:?}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("review-again").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}

/// A person's additional-step pair ends REQUIRES_REVIEW; on the site's review queue a reviewer
/// finds it and claims it; another reviewer's claim is then refused, naming the holder; the
/// claimant sees the permit the simulator serves, and approves; the person's final page then
/// shows VERIFIED, the earlier verdict kept, and the queue no longer lists the pair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_claims_from_the_queue_and_approves_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let result = async {
        let ran = browser
            .run_journey(&running.site_url, &additional_step_uploaded())
            .await?;
        let item = format!(r#"#awaiting li[data-client-id="{}"]"#, ran.client_id);
        let queue_as = |who: &str| format!("{}review?reviewer={who}", running.site_url);
        // The verdict that puts the pair in the queue is written as the journey ends.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            browser.goto(&queue_as("reviewer-8")).await?;
            if browser.text(&item).await.is_ok() {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err("the pair never appeared in the review queue".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let listed = browser.text(&item).await?;
        if !listed.contains("PERMIT_NEEDS_MANUAL_REVIEW") || !listed.contains("waiting since") {
            return Err(format!("the queue shows {listed:?}"));
        }
        browser.click(&format!("{item} form.claim button")).await?;
        browser.wait_for("#claim").await?;
        let claim = browser.text("#claim").await?;
        if !claim.starts_with("Claimed by reviewer-8 until") {
            return Err(format!("the evidence page says {claim:?}"));
        }
        // Another reviewer sees who holds it, and is refused.
        browser.goto(&queue_as("reviewer-7")).await?;
        let holder = browser.attribute(&item, "data-claimed-by").await?;
        if holder != "reviewer-8" {
            return Err(format!("the queue shows the claim held by {holder:?}"));
        }
        browser.click(&format!("{item} form.claim button")).await?;
        browser.wait_for("#error").await?;
        let refused = browser.text("#error").await?;
        if !refused.starts_with("CLAIMED: reviewer-8 holds") {
            return Err(format!("a second claim says {refused:?}"));
        }
        // The claimant decides.
        browser
            .goto(&format!(
                "{}review/{}?reviewer=reviewer-8",
                running.site_url, ran.client_id
            ))
            .await?;
        browser.wait_for("#decide").await?;
        let permit = r#"img.file[data-name="RESIDENCE_PERMIT"]"#;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while browser.property(permit, "naturalWidth").await? == serde_json::json!(0) {
            if std::time::Instant::now() > deadline {
                return Err("the permit image never loaded".to_owned());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let reviewer = browser.property("#reviewer", "value").await?;
        if reviewer != serde_json::json!("reviewer-8") {
            return Err(format!("the decision form names {reviewer}"));
        }
        browser
            .fill("#note", "permit checked against the ID")
            .await?;
        browser.click("#approve").await?;
        browser.wait_for("#decided").await?;
        let decided = browser.text("#decided").await?;
        if decided != "Decided: VERIFIED" {
            return Err(format!("the reviewer's page says {decided:?}"));
        }
        browser.goto(&ran.final_url).await?;
        let status = browser.text("#status").await?;
        let earlier = browser.text("#earlier").await?;
        if status != "VERIFIED" || !earlier.starts_with("REQUIRES_REVIEW") {
            return Err(format!("final page shows {status}, earlier {earlier:?}"));
        }
        // The site was told: the first verdict, then the reviewer's.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let count = browser.attribute("#notifications", "data-count").await;
            let last = browser
                .attribute("#notifications li:last-child", "data-status")
                .await;
            if count.as_deref() == Ok("2") && last.as_deref() == Ok("VERIFIED") {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("notifications: {count:?}, last {last:?}"));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Decided: the queue no longer lists it.
        browser.goto(&queue_as("reviewer-8")).await?;
        match browser.text(&item).await {
            Ok(_) => Err("a decided pair is still listed".to_owned()),
            Err(_) => Ok(()),
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("reviewer-approves").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}

/// A two-session pair the rules send to review: the reviewer's page shows each rule with both
/// documents' values side by side and the pair's permit policy, and the reviewer rejects it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_sees_the_compared_fields_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let journey = journeys()
        .into_iter()
        .find(|j| j.name == "permit-expired-and-idenfy-mismatch")
        .expect("the journey");
    let result = async {
        let ran = browser.run_journey(&running.site_url, &journey).await?;
        browser
            .goto(&format!("{}review/{}", running.site_url, ran.client_id))
            .await?;
        browser.wait_for("#checks").await?;
        let row = |rule: &str, cell: &str| format!(r#"#checks tr[data-rule="{rule}"] {cell}"#);
        let shown = [
            (row("FIRST_NAME", "td.identity"), "JOHN"),
            (row("LAST_NAME", "td.identity"), "MÜLLER"),
            (row("LAST_NAME", "td.permit"), "MUELLER"),
            (row("DATE_OF_BIRTH", "td.permit"), "1990-05-15"),
            (row("PERMIT_EXPIRY", "td.permit"), "2025-01-31"),
            (row("PERMIT_EXPIRY", "td.reason"), "PERMIT_EXPIRED"),
            (row("IDENFY_MISMATCH_TAGS", "td.identity"), "NAME"),
            (row("PERMIT_ISSUER_NOT_NATIONALITY", "td.permit"), "LT"),
        ];
        for (css, expected) in shown {
            let text = browser.text(&css).await?;
            if text != expected {
                return Err(format!("{css} shows {text:?}, expected {expected:?}"));
            }
        }
        let finding = browser
            .attribute(r#"#checks tr[data-rule="LAST_NAME"]"#, "data-finding")
            .await?;
        let policy = browser.text("#permit-policy").await?;
        if finding != "PASS" || !policy.contains("any country") {
            return Err(format!("LAST_NAME {finding}, policy {policy:?}"));
        }
        browser.fill("#reviewer", "reviewer-9").await?;
        browser.click("#reject").await?;
        browser.wait_for("#decided").await?;
        let decided = browser.text("#decided").await?;
        if decided == "Decided: REJECTED" {
            Ok(())
        } else {
            Err(format!("the reviewer's page says {decided:?}"))
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("reviewer-sees-checks").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}

/// One person, two accounts, on the local stack in Chromium: a verified pair, then a second
/// clientId whose APPROVED selfie the simulator tags DUPLICATE_FACE, naming the first pair's
/// identity session (as the tester chooses on the session page). The second pair goes to
/// review, and its reviewer page names the first account and links to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_names_the_other_account_in_a_real_browser() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let browser = Browser::start().await;
    let result = async {
        let first = browser.run_journey(&running.site_url, &matching()).await?;
        browser
            .goto(&format!("{}review/{}", running.site_url, first.client_id))
            .await?;
        let scan_ref = browser
            .text(r#"section.session[data-role="identity"] code"#)
            .await?;
        // A journey's fields are static: this one lives until the test ends.
        let scan_ref: &'static str = Box::leak(scan_ref.into_boxed_str());
        let facts: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
            ("fraudTags", "DUPLICATE_FACE"),
            ("duplicateFaces", scan_ref),
        ]));
        let mut journey = matching();
        journey.name = "duplicate-of-another-account";
        journey.identity.facts = facts;
        journey.expected_status = "REQUIRES_REVIEW";
        journey.expected_reasons = &["DUPLICATE_OF_ANOTHER_CLIENT"];
        let second = browser.run_journey(&running.site_url, &journey).await?;
        browser
            .goto(&format!("{}review/{}", running.site_url, second.client_id))
            .await?;
        browser.wait_for("#duplicates").await?;
        let owner = browser
            .text(&format!(
                r#"#duplicates li[data-scan-ref="{scan_ref}"] a.owner"#
            ))
            .await?;
        let rule = browser
            .text(r#"#checks tr[data-rule="DUPLICATES"] td.identity"#)
            .await?;
        if owner != first.client_id || rule != format!("DUPLICATE_FACE,{scan_ref}") {
            return Err(format!(
                "the duplicate shows owner {owner:?} and rule {rule:?}, expected {}",
                first.client_id
            ));
        }
        browser
            .click(&format!(
                r#"#duplicates li[data-scan-ref="{scan_ref}"] a.owner"#
            ))
            .await?;
        browser.wait_for("#decided").await?;
        let decided = browser.text("#decided").await?;
        if decided == "Decided: VERIFIED" {
            Ok(())
        } else {
            Err(format!("the first account's page says {decided:?}"))
        }
    }
    .await;
    if result.is_err() {
        let shot = browser.screenshot("duplicate-of-another-account").await;
        eprintln!("screenshot: {shot:?}");
    }
    browser.quit().await;
    running.stop();
    result.unwrap();
}
