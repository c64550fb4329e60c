//! Results as iDenfy really sends them: re-reviews, expiry and cancel events that carry a
//! result, and signed bodies that are no result of ours.

use super::*;
use crate::Requests;
mod decided_before_revisions;

pub(super) async fn a_re_review_tightens_a_verdict_by_itself_and_never_relaxes_it(
    store: Arc<dyn AnyStore>,
    requests: Requests,
) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let callbacks = handler(store.clone(), callback_clock());
    let status = status_handler(store.clone()).await;
    let body = |scan_ref: &str, is_final: bool, fields: &DocFields| {
        payload(EVENTS_CLIENT_ID, scan_ref, is_final, fields).to_string()
    };
    let identity_approved = body(EVENTS_IDENTITY_SCAN_REF, true, &sample_id_card());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let identity_denied = body(EVENTS_IDENTITY_SCAN_REF, true, &denied);
    // Approved again after another look: a new body (a reviewer's document status), not a
    // retry.
    let mut approved_again: Value = serde_json::from_str(&identity_approved).unwrap();
    approved_again["status"]["manualDocument"] = json!("DOC_VALIDATED");
    let identity_approved_again = approved_again.to_string();
    let mut permit_denied = sample_permit();
    permit_denied.overall = "DENIED";

    let stored = |decided: bool| json!({"result": "STORED", "decided": decided});
    let unchanged = json!({"result": "UNCHANGED", "decided": false});
    // (step, callback body, its answer, the status and verdict version GET shows after it)
    type Step<'a> = (&'a str, String, Value, Option<(&'a str, u64)>);
    let steps: Vec<Step> = vec![
        (
            "identity final",
            identity_approved.clone(),
            stored(false),
            None,
        ),
        (
            "document final",
            body(EVENTS_DOCUMENT_SCAN_REF, true, &sample_permit()),
            stored(true),
            Some(("VERIFIED", 1)),
        ),
        (
            "re-review: identity DENIED (stricter: stands)",
            identity_denied.clone(),
            stored(true),
            Some(("REJECTED", 2)),
        ),
        (
            "iDenfy's retry of the revision",
            identity_denied.clone(),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "a late retry of the older final",
            identity_approved.clone(),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "a preliminary after the finals",
            body(EVENTS_IDENTITY_SCAN_REF, false, &sample_id_card()),
            unchanged.clone(),
            Some(("REJECTED", 2)),
        ),
        (
            "re-review: identity APPROVED again (more lenient: a person decides)",
            identity_approved_again,
            stored(true),
            Some(("REQUIRES_REVIEW", 3)),
        ),
        (
            "re-review: document DENIED (stricter: stands)",
            body(EVENTS_DOCUMENT_SCAN_REF, true, &permit_denied),
            stored(true),
            Some(("REJECTED", 4)),
        ),
    ];
    for (step, callback, expected, verdict) in steps {
        let before = requests();
        let (code, answer) = call(
            &callbacks,
            signed(&callback, "IDENTIFICATION_MANUAL_FINISHED"),
        )
        .await;
        let spent = requests() - before;
        assert!(spent <= 2, "{step}: {spent} DynamoDB requests");
        assert_eq!(code, 200, "{step}: {answer}");
        assert_eq!(
            json!({"result": answer["result"], "decided": answer["decided"]}),
            expected,
            "{step}"
        );
        let (code, shown) = get_status(&status, EVENTS_CLIENT_ID).await;
        assert_eq!(code, 200, "{step}: {shown}");
        let (outcome, version) = verdict.unwrap_or(("PENDING", 0));
        assert_eq!(shown["status"], outcome, "{step}: {shown}");
        assert_eq!(
            shown["verdictVersion"].as_u64().unwrap_or(0),
            version,
            "{step}"
        );
        assert_no_personal_data(&shown);
    }

    let (_, shown) = get_status(&status, EVENTS_CLIENT_ID).await;
    assert_eq!(shown["reasons"], json!(["DOCUMENT_DENIED"]));
    let earlier: Vec<(Value, Value, Value)> = shown["earlierVerdicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["status"].clone(),
                v["reasons"].clone(),
                v["version"].clone(),
            )
        })
        .collect();
    assert_eq!(
        earlier,
        vec![
            (json!("VERIFIED"), json!([]), json!(1)),
            (json!("REJECTED"), json!(["IDENTITY_DENIED"]), json!(2)),
            (
                json!("REQUIRES_REVIEW"),
                json!(["RESULT_REVISED"]),
                json!(3)
            ),
        ]
    );
    assert!(
        shown["earlierVerdicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["decidedAt"].is_string())
    );
    let results: Vec<(Value, Value)> = shown["sessionResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["role"].clone(), r["status"].clone()))
        .collect();
    assert_eq!(
        results,
        vec![
            (json!("identity"), json!("APPROVED")),
            (json!("document"), json!("APPROVED")),
            (json!("identity"), json!("DENIED")),
            (json!("identity"), json!("APPROVED")),
            (json!("document"), json!("DENIED")),
        ],
        "every final kept, revisions included"
    );
    let pair = stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await;
    assert_eq!(
        pair.half(pair_core::pair::Role::Document)
            .map(|h| h.overall.as_str()),
        Some("DENIED"),
        "the revision is the current result"
    );
}

pub(super) async fn expiry_and_cancel_events_are_judged_on_the_result_they_carry(
    store: Arc<dyn AnyStore>,
    _requests: Requests,
) {
    let callbacks = handler(store.clone(), callback_clock());
    let mut denied = sample_id_card();
    denied.overall = "DENIED";
    let expired = DocFields::new("EXPIRED", "", "", "", "", "");
    let expired_deleted = DocFields::new("EXPIRED-DELETED", "", "", "", "", "");
    // (identity result, its event; document result or None for a body without a status,
    // its event; the verdict)
    type Case<'a> = (
        DocFields,
        &'a str,
        Option<DocFields>,
        &'a str,
        Outcome,
        Vec<Reason>,
    );
    let cases: Vec<Case> = vec![
        (
            sample_id_card(),
            "IDENTIFICATION_EXPIRED",
            Some(sample_permit()),
            "IDENTIFICATION_CANCELED",
            Outcome::Verified,
            vec![],
        ),
        (
            denied,
            "IDENTIFICATION_CANCELLED",
            Some(sample_permit()),
            "IDENTIFICATION",
            Outcome::Rejected,
            vec![Reason::IdentityDenied],
        ),
        (
            expired,
            "IDENTIFICATION_EXPIRED",
            Some(sample_permit()),
            "IDENTIFICATION_AUTO_FINISHED",
            Outcome::Incomplete,
            vec![Reason::IdentityAbandoned],
        ),
        (
            sample_id_card(),
            "IDENTIFICATION",
            None,
            "IDENTIFICATION_EXPIRED",
            Outcome::Incomplete,
            vec![Reason::DocumentAbandoned],
        ),
        (
            sample_id_card(),
            "IDENTIFICATION_MANUAL_FINISHED",
            Some(expired_deleted),
            "IDENTIFICATION_EXPIRED",
            Outcome::Incomplete,
            vec![Reason::DocumentAbandoned],
        ),
    ];
    for (n, (identity, identity_event, document, document_event, outcome, reasons)) in
        cases.into_iter().enumerate()
    {
        let client_id = format!("USER_EXP_{n}");
        let (identity_scan, document_scan) = (format!("id-{n}"), format!("doc-{n}"));
        store
            .save(
                &pending_record(
                    &client_id,
                    &format!("{n:024}"),
                    &identity_scan,
                    &document_scan,
                ),
                Expected::Absent,
            )
            .await
            .unwrap();
        let identity_body = payload(&client_id, &identity_scan, true, &identity).to_string();
        let mut document_body = payload(
            &client_id,
            &document_scan,
            true,
            document.as_ref().unwrap_or(&sample_permit()),
        );
        if document.is_none() {
            document_body.as_object_mut().unwrap().remove("status");
        }
        for (body, event) in [
            (identity_body, identity_event),
            (document_body.to_string(), document_event),
        ] {
            let (code, answer) = call(&callbacks, signed(&body, event)).await;
            assert_eq!(
                (code, answer["result"].as_str()),
                (200, Some("STORED")),
                "case {n}"
            );
        }
        let verdict = stored_pair(store.as_ref(), &client_id)
            .await
            .verdict
            .expect("decided");
        assert_eq!(
            (verdict.outcome, verdict.reasons),
            (outcome, reasons),
            "case {n}"
        );
    }
}

/// Other kinds of webhook on the same URL, and signed bodies no retry could fix: 200 with the
/// reason, nothing read or written.
pub(super) async fn signed_bodies_we_cannot_place_get_200_and_cost_no_request(
    store: Arc<dyn AnyStore>,
    requests: Requests,
) {
    store
        .save(&events_record(), Expected::Absent)
        .await
        .unwrap();
    let callbacks = handler(store.clone(), callback_clock());
    let before = requests();
    for (body, reason) in [
        ("not json at all", "NOT_JSON"),
        (r#""a string""#, "NOT_JSON"),
        (
            r#"{"clientId": null, "ageEstimation": {"age": 31}}"#,
            "NO_CLIENT_ID",
        ),
        (
            r#"{"scanRef": "x", "status": {"overall": "APPROVED"}}"#,
            "NO_CLIENT_ID",
        ),
        (r#"{"clientId": 12345, "scanRef": "x"}"#, "NO_CLIENT_ID"),
        (
            r#"{"clientId": "USER 12345", "scanRef": "x"}"#,
            "CLIENT_ID_NOT_OURS",
        ),
        (
            r#"{"clientId": "ÜSER_1", "scanRef": "x"}"#,
            "CLIENT_ID_NOT_OURS",
        ),
        (
            r#"{"clientId": "USER_12345", "scanRef": null}"#,
            "NO_SCAN_REF",
        ),
    ] {
        let (code, answer) = call(&callbacks, signed(body, "AGE_ESTIMATION")).await;
        assert_eq!(code, 200, "{body}: {answer}");
        assert_eq!(
            answer,
            json!({"result": "IGNORED", "reason": reason}),
            "{body}"
        );
    }
    assert_eq!(
        requests(),
        before,
        "no store request for a body we cannot place"
    );
    assert_eq!(
        stored_pair(store.as_ref(), EVENTS_CLIENT_ID).await,
        events_record().pair.unwrap()
    );
}
