use super::*;
use serde_json::json;

fn hasher() -> DocumentHasher {
    DocumentHasher::new(b"test-document-key").unwrap()
}

/// `body` read by [`read`], as a session's result.
fn parse(
    body: &[u8],
    event_type: Option<&str>,
    now: Timestamp,
    hasher: &DocumentHasher,
    permit_step: &str,
) -> Result<Callback, PayloadError> {
    read(body, event_type, now, hasher, permit_step).map(|webhook| {
        webhook
            .into_result()
            .expect("a result, not an expiration notice")
    })
}

fn parse_json(value: Value) -> Result<Callback, PayloadError> {
    parse(
        value.to_string().as_bytes(),
        None,
        Timestamp::from_unix_seconds(7),
        &hasher(),
        "RESIDENCE_PERMIT",
    )
}

#[test]
fn reads_a_full_payload_and_keeps_only_what_the_decision_needs() {
    let callback = parse(
        json!({
            "final": false, "platform": "PC", "clientId": "USER_1", "scanRef": "scan-1",
            "externalRef": "idp-abc-identity",
            "status": {"overall": "SUSPECTED", "fraudTags": ["FACE_MISMATCH"], "mismatchTags": null,
                       "suspicionReasons": ["FACE_SUSPECTED"], "autoFace": "FACE_MATCH"},
            "data": {"docFirstName": "JOHN", "docLastName": "SMITH", "docDob": "1990-05-15",
                     "docNumber": "ab 123-456", "docType": "PASSPORT", "docSex": "MALE", "newField": 1},
            "fileUrls": {"FRONT": "https://s3.example.com/front.jpg"}, "AML": [], "LID": []
        })
        .to_string()
        .as_bytes(),
        Some("IDENTIFICATION_AUTO_FINISHED"),
        Timestamp::from_unix_seconds(7),
        &hasher(),
        "RESIDENCE_PERMIT",
    )
    .unwrap();
    assert_eq!(callback.client_id.as_str(), "USER_1");
    assert_eq!(callback.external_ref.as_deref(), Some("idp-abc-identity"));
    let half = callback.half;
    assert_eq!(half.rank, Rank::Preliminary);
    assert_eq!(half.overall, OverallStatus::Suspected);
    assert_eq!(
        half.event_type.as_deref(),
        Some("IDENTIFICATION_AUTO_FINISHED")
    );
    assert_eq!(half.first_name.as_deref(), Some("JOHN"));
    assert_eq!(half.tags, vec!["FACE_MISMATCH", "FACE_SUSPECTED"]);
    assert_eq!(half.mismatch_tags, Vec::<String>::new());
    assert_eq!(half.facts.sex.as_deref(), Some("MALE"));
    assert_eq!(
        half.doc_number_hash,
        Some(hasher().hash(Some("PASSPORT"), "AB123456"))
    );
    assert_ne!(
        half.doc_number_hash,
        Some(hasher().hash(Some("ID_CARD"), "AB123456"))
    );
    assert!(!format!("{half:?}").contains("123"));
}

#[test]
fn a_result_digest_is_its_content_and_nothing_else() {
    let digest = |value: Value, event_type: Option<&str>| {
        parse(
            value.to_string().as_bytes(),
            event_type,
            Timestamp::from_unix_seconds(7),
            &hasher(),
            "RESIDENCE_PERMIT",
        )
        .unwrap()
        .half
        .digest
    };
    let body = |overall: &str, tags: Value, is_final: bool| {
        json!({"final": is_final, "clientId": "U", "scanRef": "s",
               "status": {"overall": overall, "fraudTags": tags},
               "data": {"docFirstName": "JOHN", "docNumber": "X1", "docType": "ID_CARD"},
               "fileUrls": {"FRONT": "https://s3.example.com/a"}, "finishTime": 5})
    };
    let first = digest(body("APPROVED", json!(["A", "B"]), true), None);
    assert_eq!(first.len(), 32);
    // Not the rank, the event type, the order of tags, the file URLs or the times.
    assert_eq!(
        digest(
            body("APPROVED", json!(["B", "A"]), false),
            Some("IDENTIFICATION_EXPIRED")
        ),
        first
    );
    let mut other_urls = body("APPROVED", json!(["A", "B"]), true);
    other_urls["fileUrls"]["FRONT"] = json!("https://s3.example.com/b");
    other_urls["finishTime"] = json!(6);
    assert_eq!(digest(other_urls, None), first);
    // The status, a tag, a compared field, the session: each a different result.
    assert_ne!(digest(body("DENIED", json!(["A", "B"]), true), None), first);
    assert_ne!(digest(body("APPROVED", json!(["A"]), true), None), first);
    let mut renamed = body("APPROVED", json!(["A", "B"]), true);
    renamed["data"]["docFirstName"] = json!("JON");
    assert_ne!(digest(renamed, None), first);
    let mut other_session = body("APPROVED", json!(["A", "B"]), true);
    other_session["scanRef"] = json!("t");
    assert_ne!(digest(other_session, None), first);
    // A keyed digest: another key, another digest.
    let half = parse_json(body("APPROVED", json!([]), true)).unwrap().half;
    let other_key = DocumentHasher::new(b"another-document-key").unwrap();
    assert_ne!(other_key.result_digest("s", &half), half.digest);
}

#[test]
fn reads_the_document_facts_and_mismatch_tags_apart() {
    let half = parse_json(json!({
        "clientId": "U", "scanRef": "s",
        "status": {"overall": "APPROVED", "fraudTags": ["DUPLICATE_FACE"],
                   "mismatchTags": ["NAME", " ", 7]},
        "data": {"docExpiry": " 2031-04-30 ", "docIssuingCountry": "de", "docNationality": "Ua",
                 "docSex": "female", "orgFirstName": "ОЛЕНА", "orgLastName": null}
    }))
    .unwrap()
    .half;
    assert_eq!(half.tags, vec!["DUPLICATE_FACE"]);
    assert_eq!(half.mismatch_tags, vec!["NAME", "7"]);
    // Tags in a shape the docs do not describe are never read as no tags.
    let mismatch = |tags: Value| {
        parse_json(json!({"clientId": "U", "scanRef": "s",
                          "status": {"overall": "APPROVED", "mismatchTags": tags}}))
        .unwrap()
        .half
        .mismatch_tags
    };
    assert_eq!(mismatch(json!("NAME")), vec!["NAME"]);
    assert_eq!(mismatch(json!({"NAME": true})), vec![UNREADABLE_TAG]);
    assert_eq!(
        mismatch(json!([{"tag": "NAME"}, null])),
        vec![UNREADABLE_TAG]
    );
    assert_eq!(mismatch(json!(true)), vec![UNREADABLE_TAG]);
    assert_eq!(mismatch(json!([])), Vec::<String>::new());
    assert_eq!(mismatch(Value::Null), Vec::<String>::new());
    assert_eq!(
        half.facts,
        DocumentFacts {
            expiry: Some("2031-04-30".into()),
            issuing_country: Some("DE".into()),
            nationality: Some("UA".into()),
            sex: Some("FEMALE".into()),
            issued: None,
            original_first_name: Some("ОЛЕНА".into()),
            original_last_name: None,
        }
    );
    // Each fact is part of the result: a re-review changing only the expiry is a revision.
    let mut later = half.clone();
    later.facts.expiry = Some("2032-04-30".into());
    assert_ne!(
        hasher().result_digest("s", &later),
        hasher().result_digest("s", &half)
    );
    let mut tagged = half.clone();
    tagged.mismatch_tags.clear();
    assert_ne!(
        hasher().result_digest("s", &tagged),
        hasher().result_digest("s", &half)
    );
}

#[test]
fn tolerates_nulls_odd_types_and_unknown_statuses() {
    let half = parse_json(json!({
        "clientId": "USER_1", "scanRef": "scan-1", "status": {"overall": "EXPIRED-DELETED"},
        "data": {"docFirstName": null, "docLastName": 42, "docDob": {"x": 1}}
    }))
    .unwrap()
    .half;
    assert_eq!(half.rank, Rank::Final);
    assert_eq!(half.overall, OverallStatus::ExpiredDeleted);
    assert_eq!(half.first_name, None);
    assert_eq!(half.last_name.as_deref(), Some("42"));
    assert_eq!(half.date_of_birth, None);
    let half = parse_json(json!({"clientId": "USER_1", "scanRef": "s", "status": "x", "data": []}))
        .unwrap()
        .half;
    assert_eq!(half.overall, OverallStatus::Missing);
}

#[test]
fn refuses_what_cannot_be_placed_without_echoing_it() {
    assert_eq!(
        parse_json(json!({"scanRef": "s"})),
        Err(PayloadError::MissingClientId)
    );
    assert_eq!(
        parse_json(json!({"clientId": "U", "scanRef": " "})),
        Err(PayloadError::MissingScanRef)
    );
    assert_eq!(
        parse_json(json!({"clientId": "JOHN SMITH", "scanRef": "s"})),
        Err(PayloadError::InvalidClientId)
    );
    assert_eq!(parse_json(json!(["JOHN"])), Err(PayloadError::NotAnObject));
    let error = parse(
        br#"{"clientId": "JOHN SMITH"#,
        None,
        Timestamp::from_unix_seconds(0),
        &hasher(),
        "RESIDENCE_PERMIT",
    )
    .unwrap_err();
    assert!(!error.to_string().contains("JOHN"), "{error}");
}

#[test]
fn reads_the_permit_step_by_presence_and_never_keeps_its_url() {
    let permit = |extra: Value| {
        let mut payload =
            json!({"clientId": "U", "scanRef": "s", "status": {"overall": "APPROVED"}});
        if let (Some(payload), Value::Object(extra)) = (payload.as_object_mut(), extra) {
            for (key, value) in extra {
                if key == "stepStatus" {
                    payload["status"]["additionalSteps"] = value;
                } else {
                    payload.insert(key, value);
                }
            }
        }
        parse_json(payload).unwrap().half.permit_step
    };
    let url = "https://s3.example.com/permit.jpg?X-Amz-Signature=abc";
    let image = permit(json!({
        "additionalSteps": {"RESIDENCE_PERMIT": "UPLOAD"}, "stepStatus": "VALID",
        "fileUrls": {"FRONT": "https://s3.example.com/f.jpg", "RESIDENCE_PERMIT": url}
    }))
    .unwrap();
    assert_eq!(
        image,
        PermitStep {
            listed: true,
            kind: Some("UPLOAD".into()),
            status: Some("VALID".into()),
            in_file_urls: true,
            in_pdf_urls: false
        }
    );
    assert!(image.is_uploaded());
    assert!(!format!("{image:?}").contains("s3.example.com"));
    let pdf = permit(json!({"additionalStepPdfUrls": {"RESIDENCE_PERMIT": url}})).unwrap();
    assert!(pdf.in_pdf_urls && !pdf.in_file_urls && pdf.is_uploaded());
    let per_step =
        permit(json!({"stepStatus": {"RESIDENCE_PERMIT": "INVALID", "OTHER": "VALID"}})).unwrap();
    assert!(per_step.is_invalid() && !per_step.is_uploaded());
    let not_found = permit(json!({
        "additionalSteps": {"RESIDENCE_PERMIT": "UPLOAD"}, "stepStatus": "NOT_FOUND",
        "fileUrls": {"RESIDENCE_PERMIT": null}
    }))
    .unwrap();
    assert!(not_found.listed && !not_found.is_uploaded());
    // A step type iDenfy's schema does not list is kept, for the verdict to doubt.
    let new_kind = permit(json!({"additionalSteps": {"RESIDENCE_PERMIT": "scan"}})).unwrap();
    assert_eq!(new_kind.kind.as_deref(), Some("SCAN"));
    // Another step's file, or nothing at all, is no trace of the permit's step.
    assert_eq!(permit(json!({"fileUrls": {"UTILITY_BILL": url}})), None);
    assert_eq!(permit(json!({})), None);
}

#[test]
fn under_rotated_keys_a_result_also_carries_what_each_earlier_key_made_of_it() {
    let body = json!({"final": true, "clientId": "U", "scanRef": "s",
                      "status": {"overall": "APPROVED"},
                      "data": {"docFirstName": "JOHN", "docNumber": "X1", "docType": "ID_CARD"}});
    let under = |keys: &[&[u8]]| {
        let hasher = DocumentHasher::with_keys(keys.iter().copied()).unwrap();
        parse(
            body.to_string().as_bytes(),
            None,
            Timestamp::from_unix_seconds(7),
            &hasher,
            "RESIDENCE_PERMIT",
        )
        .unwrap()
        .half
    };
    let before = under(&[b"old-document-key"]);
    let after = under(&[b"new-document-key", b"old-document-key"]);
    assert_eq!(after.digest, under(&[b"new-document-key"]).digest);
    assert_ne!(after.digest, before.digest);
    // What the old key made of it, number hash included, is known after the rotation.
    assert_eq!(after.earlier_digests, vec![before.digest.clone()]);
    assert_eq!(
        after.doc_number_earlier_hashes,
        vec![before.doc_number_hash.clone().unwrap()]
    );
    assert!(after.seen_in(std::slice::from_ref(&before.digest)));
    assert!(before.earlier_digests.is_empty() && before.doc_number_earlier_hashes.is_empty());
}

/// iDenfy's own judgement is read in full: the per-check statuses (upper case, an unreadable
/// shape never a match), the duplicates (scanRefs), the issue date; each is part of the result.
#[test]
fn the_check_statuses_duplicates_and_issue_date_are_read() {
    let half = parse_json(json!({
        "clientId": "U", "scanRef": "s",
        "status": {"overall": "APPROVED", "autoFace": "face_match", "manualFace": null,
                   "autoDocument": "DOC_GLARED", "manualDocument": {"odd": true}},
        "data": {"docDateOfIssue": "2021-03-01", "duplicateFaces": ["scan-a"],
                 "duplicateDocFaces": "scan-b"}
    }))
    .unwrap()
    .half;
    assert_eq!(half.checks.auto_face.as_deref(), Some("FACE_MATCH"));
    assert_eq!(half.checks.manual_face, None);
    assert_eq!(half.checks.auto_document.as_deref(), Some("DOC_GLARED"));
    assert_eq!(half.checks.manual_document.as_deref(), Some(UNREADABLE_TAG));
    assert_eq!(
        half.checks.document().map(|s| s.to_string()),
        Some(format!("{UNREADABLE_TAG} (manual)"))
    );
    assert_eq!(half.duplicates.faces, vec!["scan-a"]);
    assert_eq!(half.duplicates.doc_faces, vec!["scan-b"]);
    assert_eq!(half.facts.issued.as_deref(), Some("2021-03-01"));
    let digest = |half: &HalfResult| hasher().result_digest("s", half);
    let mut reviewed = half.clone();
    reviewed.checks.manual_face = Some("FACE_MISMATCH".into());
    assert_ne!(digest(&reviewed), digest(&half));
    let mut more = half.clone();
    more.duplicates.faces.push("scan-c".into());
    assert_ne!(digest(&more), digest(&half));
    let mut reordered = more.clone();
    reordered.duplicates.faces.reverse();
    assert_eq!(digest(&reordered), digest(&more));
}
