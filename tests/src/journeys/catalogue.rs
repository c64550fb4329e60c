//! The journeys the local stack is driven through: iDenfy's guide's four two-session
//! journeys, sessions that expire or are cancelled, iDenfy's own doubts about a session, and
//! the additional-step mode's.

use super::{Journey, SessionInput};

pub fn id_card() -> SessionInput {
    SessionInput {
        outcome: "APPROVED",
        doc_type: "ID_CARD",
        first_name: "JOHN",
        last_name: "MÜLLER",
        date_of_birth: "1990-05-15",
        document_number: "L01X00T47",
        preliminary_first: false,
        permit_upload: None,
        ending: "finished",
        facts: &[],
    }
}

pub fn permit() -> SessionInput {
    SessionInput {
        outcome: "APPROVED",
        doc_type: "RESIDENCE_PERMIT",
        first_name: "JOHN",
        last_name: "MUELLER",
        date_of_birth: "1990-05-15",
        document_number: "RP4471932",
        preliminary_first: false,
        permit_upload: None,
        ending: "finished",
        facts: &[],
    }
}

pub fn two_sessions(
    name: &'static str,
    identity: SessionInput,
    document: SessionInput,
    expected_status: &'static str,
    expected_reasons: &'static [&'static str],
) -> Journey {
    Journey {
        name,
        mode: "twoSessions",
        identity,
        document: Some(document),
        expected_status,
        expected_reasons,
    }
}

/// The four two-session journeys of iDenfy's guide, sessions that expire or are cancelled with and
/// without a result, sessions iDenfy doubts although APPROVED, and the additional-step mode's.
pub fn journeys() -> Vec<Journey> {
    vec![
        two_sessions("matching", id_card(), permit(), "VERIFIED", &[]),
        two_sessions(
            "dob-mismatch",
            id_card(),
            SessionInput {
                date_of_birth: "1991-05-15",
                ..permit()
            },
            "REQUIRES_REVIEW",
            &["DOB_MISMATCH"],
        ),
        two_sessions(
            "identity-denied",
            SessionInput {
                outcome: "DENIED",
                ..id_card()
            },
            permit(),
            "REJECTED",
            &["IDENTITY_DENIED"],
        ),
        two_sessions(
            "preliminary-then-final",
            SessionInput {
                preliminary_first: true,
                ..id_card()
            },
            SessionInput {
                preliminary_first: true,
                ..permit()
            },
            "VERIFIED",
            &[],
        ),
        two_sessions(
            "expiry-and-cancel-carry-results",
            SessionInput {
                ending: "expired",
                ..id_card()
            },
            SessionInput {
                ending: "cancelled",
                ..permit()
            },
            "VERIFIED",
            &[],
        ),
        two_sessions(
            "cancelled-before-the-photos",
            SessionInput {
                outcome: "EXPIRED",
                ending: "cancelled",
                ..id_card()
            },
            permit(),
            "INCOMPLETE",
            &["IDENTITY_ABANDONED"],
        ),
        two_sessions(
            "permit-expired-and-idenfy-mismatch",
            SessionInput {
                facts: &[("mismatchTags", "NAME")],
                ..id_card()
            },
            SessionInput {
                facts: &[("docExpiry", "2025-01-31")],
                ..permit()
            },
            "REQUIRES_REVIEW",
            &["PERMIT_EXPIRED", "IDENFY_MISMATCH"],
        ),
        two_sessions(
            "permit-from-own-country-and-sex-differs",
            id_card(),
            SessionInput {
                facts: &[("issuingCountry", "DE"), ("sex", "FEMALE")],
                ..permit()
            },
            "REQUIRES_REVIEW",
            &["PERMIT_FROM_OWN_NATIONALITY", "SEX_MISMATCH"],
        ),
        two_sessions(
            "idenfy-doubts-an-approved-session",
            SessionInput {
                facts: &[
                    ("fraudTags", "PORTRAIT_SUBSTITUTION"),
                    ("manualDocument", "DOC_FAKE"),
                ],
                ..id_card()
            },
            SessionInput {
                facts: &[("docDateOfIssue", "2099-01-01")],
                ..permit()
            },
            "REQUIRES_REVIEW",
            &[
                "IDENFY_DOCUMENT_CHECK",
                "IDENFY_FRAUD_TAG",
                "DOCUMENT_DATES_INCONSISTENT",
            ],
        ),
        two_sessions(
            "a-permit-shown-as-the-identity-with-another-face",
            SessionInput {
                doc_type: "RESIDENCE_PERMIT",
                facts: &[("autoFace", "FACE_MISMATCH")],
                ..id_card()
            },
            SessionInput {
                facts: &[("autoFace", "FACE_NOT_CHECKED")],
                ..permit()
            },
            "REQUIRES_REVIEW",
            &["IDENFY_FACE_CHECK", "IDENTITY_NOT_AN_ID_DOCUMENT"],
        ),
        Journey {
            name: "additional-step-uploaded",
            mode: "additionalStep",
            identity: SessionInput {
                preliminary_first: true,
                permit_upload: Some("pdf"),
                ..id_card()
            },
            document: None,
            expected_status: "REQUIRES_REVIEW",
            expected_reasons: &["PERMIT_NEEDS_MANUAL_REVIEW"],
        },
        Journey {
            name: "additional-step-missing",
            mode: "additionalStep",
            identity: SessionInput {
                permit_upload: Some("none"),
                ..id_card()
            },
            document: None,
            expected_status: "INCOMPLETE",
            expected_reasons: &["PERMIT_MISSING"],
        },
    ]
}
