//! The iDenfy simulator as the local stack runs it: redirects, token API answers, file links,
//! deletions.

use super::*;

/// The simulator's redirects follow iDenfy's docs: successUrl when approved, errorUrl when the
/// verification failed, unverifiedUrl when the session was not analysed.
#[tokio::test]
async fn the_simulator_redirects_as_idenfy_documents() {
    use pair_adapters::idenfy::{IdenfyClient, IdenfyClientConfig, TokenRequest, TokenType};
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let simulator = running.simulator_url.clone().expect("simulator on");
    let defaults = LocalConfig::default();
    let client = IdenfyClient::new(IdenfyClientConfig::new(
        &simulator,
        &defaults.api_key,
        defaults.api_secret.expose(),
    ));
    let http = pair_adapters::outbound::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (outcome, ending, expected) in [
        ("APPROVED", "finished", "https://shop.example.com/success"),
        ("DENIED", "finished", "https://shop.example.com/error"),
        ("SUSPECTED", "finished", "https://shop.example.com/error"),
        ("EXPIRED", "finished", "https://shop.example.com/unverified"),
        ("APPROVED", "expired", "https://shop.example.com/unverified"),
        (
            "APPROVED",
            "cancelled",
            "https://shop.example.com/unverified",
        ),
    ] {
        let mut request = TokenRequest::new("USER_REDIRECTS", TokenType::Document);
        request.success_url = Some("https://shop.example.com/success".into());
        request.error_url = Some("https://shop.example.com/error".into());
        request.unverified_url = Some("https://shop.example.com/unverified".into());
        // No webhook receiver for this clientId matters here: it is ignored as unknown.
        let token = client
            .create_token(&request, integration_tests::soon())
            .await
            .unwrap();
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("authToken", &token.auth_token)
            .append_pair("outcome", outcome)
            .append_pair("ending", ending)
            .append_pair("docType", "RESIDENCE_PERMIT")
            .finish();
        let response = http
            .post(format!("{simulator}/api/v2/redirect"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok()),
            Some(expected),
            "{outcome} {ending}"
        );
    }
    running.stop();
}

#[tokio::test]
async fn the_simulator_answers_like_idenfys_token_api() {
    use pair_adapters::idenfy::{IdenfyClient, IdenfyClientConfig, TokenRequest, TokenType};
    use pair_core::ports::idenfy::IdenfyError;
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let simulator = running.simulator_url.clone().expect("simulator on");
    let defaults = LocalConfig::default();

    let client = IdenfyClient::new(IdenfyClientConfig::new(
        &simulator,
        &defaults.api_key,
        defaults.api_secret.expose(),
    ));
    let token = client
        .create_token(
            &TokenRequest::new("USER_1", TokenType::Document),
            integration_tests::soon(),
        )
        .await
        .expect("201 with a token");
    assert_eq!(token.auth_token.len(), 40);
    let page = integration_tests::http()
        .get(client.redirect_url(&token.auth_token))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"data-kind="document""#), "{page}");

    let wrong = IdenfyClient::new(IdenfyClientConfig::new(&simulator, "key", "wrong"));
    match wrong
        .create_token(
            &TokenRequest::new("USER_1", TokenType::Document),
            integration_tests::soon(),
        )
        .await
    {
        Err(IdenfyError::Unauthorized(upstream)) => {
            assert_eq!(upstream.identifier, None);
            assert_eq!(upstream.message, "Invalid authorization credentials");
        }
        other => panic!("expected 401, got {other:?}"),
    }

    let http = integration_tests::http();
    let raw = |body: &'static str| {
        http.post(format!("{simulator}/api/v2/token"))
            .basic_auth(&defaults.api_key, Some(defaults.api_secret.expose()))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, identifier) in [
        (
            r#"{"clientId": "USER_1", "expiryTime": 9999999}"#,
            "BAD_VALUE",
        ),
        (r#"{"clientId": "USER_1", "sessionLength": 5}"#, "BAD_VALUE"),
        (r#"{"tokenType": "DOCUMENT"}"#, "MISSING_VALUE"),
        (r#"{"clientId": "#, "JSON_ERROR"),
    ] {
        let response = raw(body).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let error: serde_json::Value = response.json().await.unwrap();
        assert_eq!(error["identifier"], identifier, "{body}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    running.stop();
}

/// The evidence route through the local stack: links the simulator made for this session,
/// each serving its file for an hour and refused once expired.
#[tokio::test]
async fn the_simulators_file_links_serve_the_files_until_they_expire() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &additional_step_uploaded())
        .await
        .expect("the journey runs");
    let http = integration_tests::http();
    let evidence_url = format!(
        "{}verifications/{}/evidence",
        running.site_url, ran.client_id
    );
    // No caller named: as deployed without an authorizer's principal, refused.
    let anonymous = http.get(&evidence_url).send().await.expect("an answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    let evidence: Value = http
        .get(&evidence_url)
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "reviewer-7")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let files = evidence["sessions"][0]["files"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["BACK", "FACE", "FRONT", "RESIDENCE_PERMIT"],
        "{evidence}"
    );
    let simulator = running.simulator_url.clone().expect("simulator on");
    for link in files.values().filter_map(Value::as_str) {
        assert!(link.starts_with(&simulator), "{link}");
        let answer = http.get(link).send().await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 200, "{link}");
        assert_eq!(
            answer
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/svg+xml")
        );
        let mut expired = url::Url::parse(link).expect("a URL");
        let kept: Vec<(String, String)> = expired
            .query_pairs()
            .filter(|(k, _)| k != "expires")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        expired
            .query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("expires", "1");
        let answer = http.get(expired.as_str()).send().await.expect("an answer");
        assert_eq!(answer.status().as_u16(), 403, "{expired}");
    }
    running.stop();
}

/// Erasure through the local stack, as a curl would do it: the caller named, the simulator's
/// session deleted (its files gone), the status gone.
#[tokio::test]
async fn an_erasure_through_the_local_stack_deletes_the_simulators_session_too() {
    let running = local::start(config(StoreChoice::Memory))
        .await
        .expect("the local stack starts");
    let ran = run_over_http(&running.site_url, &additional_step_uploaded())
        .await
        .expect("the journey runs");
    let http = integration_tests::http();
    let url = format!("{}verifications/{}", running.site_url, ran.client_id);
    let evidence: Value = http
        .get(format!("{url}/evidence"))
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "reviewer-7")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    let link = evidence["sessions"][0]["files"]["FACE"]
        .as_str()
        .expect("a file link")
        .to_owned();
    assert_eq!(
        http.get(&link).send().await.expect("an answer").status(),
        200
    );
    let anonymous = http.delete(&url).send().await.expect("an answer");
    assert_eq!(anonymous.status().as_u16(), 401);
    let erased = http
        .delete(&url)
        .header(local::bridge::LOCAL_PRINCIPAL_HEADER, "dpo-1")
        .send()
        .await
        .expect("an answer");
    assert_eq!(erased.status().as_u16(), 200);
    let erased: Value = erased.json().await.expect("JSON");
    assert_eq!(erased["sessions"][0]["idenfy"], "DELETED", "{erased}");
    assert_eq!(erased["erasedBy"], "dpo-1");
    let gone = http.get(&url).send().await.expect("an answer");
    assert_eq!(gone.status().as_u16(), 410);
    // The simulator no longer has the session: its files are gone too.
    assert_eq!(
        http.get(&link).send().await.expect("an answer").status(),
        404
    );
    running.stop();
}
