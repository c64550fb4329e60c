//! `POST /api/v2/files` (body `{"scanRef": …}`): fresh, presigned links to a session's files —
//! FRONT, BACK, FACE, videos, and each additional step's upload under its step name. They
//! expire after an hour and are never stored.
//!
//! The answer's shape is not documented (docs/idenfy.md). Both readings are taken: the
//! links at the top level (`{"FRONT": "https://…"}`), or under `fileUrls` and
//! `additionalStepPdfUrls` as in the webhook. Only values that are absolute http(s) URLs
//! count as links; anything else in the answer is left out.
//!
//! And `POST /api/v2/status` (same body), read for one thing only: the `clientId` a session
//! belongs to, when the reviewer looks at a duplicate iDenfy named ([`session_client_id`]).

use pair_core::ports::idenfy::{FileLinks, IdenfyError, SessionUse};
use serde_json::Value;

/// The links in a 2xx answer of the files endpoint. The answer's text never goes into the
/// error: it is full of presigned links.
pub fn file_links(body: &[u8]) -> Result<FileLinks, IdenfyError> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|_| IdenfyError::InvalidResponse("files: not JSON".into()))?;
    let Some(answer) = answer.as_object() else {
        return Err(IdenfyError::InvalidResponse(
            "files: not a JSON object".into(),
        ));
    };
    let mut links = FileLinks::new();
    for (name, value) in answer {
        match value {
            Value::Object(nested) if name == "fileUrls" || name == "additionalStepPdfUrls" => {
                links.extend(nested.iter().filter_map(|(n, v)| link(n, v)));
            }
            other => links.extend(link(name, other)),
        }
    }
    Ok(links)
}

/// The `clientId` in a 2xx answer of the status endpoint (`POST /api/v2/status`), when it
/// names one; the rest of the answer is not read.
pub fn session_client_id(body: &[u8]) -> Result<Option<String>, IdenfyError> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|_| IdenfyError::InvalidResponse("status: not JSON".into()))?;
    Ok(answer
        .get("clientId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned))
}

/// What the status endpoint's answer says the session is doing: its `status` (a word; an
/// object with `overall` is read too, since the answer's shape is documented only in prose).
pub fn session_use(body: &[u8]) -> Result<SessionUse, IdenfyError> {
    let answer: Value = serde_json::from_slice(body)
        .map_err(|_| IdenfyError::InvalidResponse("status: not JSON".into()))?;
    let status = match answer.get("status") {
        Some(Value::String(word)) => Some(word.as_str()),
        Some(Value::Object(status)) => status.get("overall").and_then(Value::as_str),
        _ => None,
    };
    Ok(match status.map(str::trim) {
        Some("EXPIRED") => SessionUse::Unused,
        Some("ACTIVE") => SessionUse::Open,
        Some("APPROVED" | "DENIED" | "SUSPECTED" | "REVIEWING") => SessionUse::Used,
        _ => SessionUse::Unknown,
    })
}

fn link(name: &str, value: &Value) -> Option<(String, String)> {
    let text = value.as_str()?;
    let url = url::Url::parse(text).ok()?;
    matches!(url.scheme(), "https" | "http").then(|| (name.to_owned(), text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn links(answer: Value) -> FileLinks {
        file_links(answer.to_string().as_bytes()).expect("links")
    }

    #[test]
    fn the_status_answer_gives_the_session_client_id() {
        let read = |answer: Value| session_client_id(answer.to_string().as_bytes());
        assert_eq!(
            read(json!({"status": "APPROVED", "clientId": "USER-1", "scanRef": "s"})),
            Ok(Some("USER-1".into()))
        );
        assert_eq!(
            read(json!({"status": "APPROVED", "clientId": null})),
            Ok(None)
        );
        assert_eq!(read(json!({"clientId": 7})), Ok(None));
        assert!(session_client_id(b"<html>").is_err());
    }

    #[test]
    fn top_level_links_are_read() {
        let got = links(json!({
            "FRONT": "https://s3.example.com/a/FRONT.png?X-Amz-Expires=3600",
            "FACE": "https://s3.example.com/a/FACE.png?X-Amz-Expires=3600",
            "RESIDENCE_PERMIT": "https://s3.example.com/a/RESIDENCE_PERMIT.png",
            "scanRef": "a",
            "BACK": null,
        }));
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            ["FACE", "FRONT", "RESIDENCE_PERMIT"]
        );
    }

    #[test]
    fn links_nested_as_in_the_webhook_are_read() {
        let got = links(json!({
            "fileUrls": {"FRONT": "https://s3.example.com/a/FRONT.png"},
            "additionalStepPdfUrls": {"RESIDENCE_PERMIT": "https://s3.example.com/a/RP.pdf"},
        }));
        assert_eq!(
            got,
            FileLinks::from([
                ("FRONT".into(), "https://s3.example.com/a/FRONT.png".into()),
                (
                    "RESIDENCE_PERMIT".into(),
                    "https://s3.example.com/a/RP.pdf".into()
                ),
            ])
        );
    }

    #[test]
    fn anything_but_a_json_object_is_an_invalid_answer_without_its_text() {
        for body in [
            &b"<html>https://s3.example.com/secret</html>"[..],
            b"[]",
            b"\"x\"",
        ] {
            let error = file_links(body).expect_err("not an object");
            assert!(matches!(error, IdenfyError::InvalidResponse(_)));
            assert!(!error.to_string().contains("s3.example.com"), "{error}");
        }
        assert_eq!(
            links(json!({"FRONT": "javascript:alert(1)"})),
            FileLinks::new()
        );
    }

    #[test]
    fn the_status_answer_says_whether_a_session_may_be_replaced() {
        for (answer, expected) in [
            (
                json!({"status": "EXPIRED", "scanRef": "s"}),
                SessionUse::Unused,
            ),
            (json!({"status": "ACTIVE"}), SessionUse::Open),
            (
                json!({"status": {"overall": "REVIEWING"}}),
                SessionUse::Used,
            ),
            (json!({"status": "APPROVED"}), SessionUse::Used),
            (json!({"status": "EXPIRED-DELETED"}), SessionUse::Unknown),
            (json!({"scanRef": "s"}), SessionUse::Unknown),
        ] {
            assert_eq!(
                session_use(answer.to_string().as_bytes()).expect("read"),
                expected,
                "{answer}"
            );
        }
        assert!(session_use(b"<html>").is_err());
    }
}
