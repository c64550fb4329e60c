//! iDenfy's own judgement of each session, read in full: one table of every value iDenfy's
//! webhook schema gives its status words, per-check statuses, tags, upload steps and document
//! types, each with what it means for the pair ([`Meaning`]), and the checks that apply it.
//!
//! iDenfy judges each session alone and leaves part of its judgement to its client ("iDenfy
//! surfaces these tags but does not decide whether they're disqualifying"): a fraud tag, a
//! per-check status other than a match or a duplicate can sit on an APPROVED session. Read as
//! a KYC reviewer would, each of them is a reason to look. A value the table does not list
//! (iDenfy adds values) is a doubt of its own, `IDENFY_VALUE_UNKNOWN`, never ignored.

use super::Reason;

mod checks;

pub use checks::{Sessions, checks, unknown_fields_of, unknown_values_of};

/// What one of iDenfy's values means for the pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// No doubt.
    Clean,
    /// iDenfy rejected the session: REJECTED (`IDENTITY_DENIED`, `DOCUMENT_DENIED`).
    Rejected,
    /// The session ended without a result: INCOMPLETE (`*_ABANDONED`).
    Abandoned,
    /// iDenfy flagged the session for its client to decide: `*_SUSPECTED`.
    Suspected,
    /// The session holds no final judgement: `*_NOT_APPROVED`.
    NotApproved,
    /// A face check that did not run: expected on the permit's DOCUMENT session (it takes no
    /// selfie), `IDENFY_FACE_CHECK` on the identity session.
    FaceNotChecked,
    /// A document type, judged by the configured lists: the identity session's must be one of
    /// `IDENTITY_DOCUMENT_TYPES` (`IDENTITY_NOT_AN_ID_DOCUMENT`), the permit's one of
    /// `IDENFY_DOCUMENT_TYPES` (`DOCUMENT_NOT_A_PERMIT`).
    ByConfiguredTypes,
    /// This reason, on either session.
    Doubt(Reason),
}

/// One field of iDenfy's webhook and the meaning of each value it may carry.
#[derive(Debug)]
pub struct Table {
    /// The field, as iDenfy names it (`status.autoFace` stands for `manualFace` too).
    pub field: &'static str,
    pub values: &'static [(&'static str, Meaning)],
    /// What a value the table does not list means for the field's own rule (besides
    /// `IDENFY_VALUE_UNKNOWN`).
    pub unknown: Meaning,
}

impl Table {
    /// The value's meaning; `None` when the table does not list it.
    pub fn known(&self, value: &str) -> Option<Meaning> {
        self.values
            .iter()
            .find(|(known, _)| *known == value)
            .map(|(_, meaning)| *meaning)
    }

    /// The value's meaning for the field's rule: listed, or the field's `unknown`.
    pub fn meaning(&self, value: &str) -> Meaning {
        self.known(value).unwrap_or(self.unknown)
    }
}

use Meaning::{
    Abandoned, ByConfiguredTypes, Clean, Doubt, FaceNotChecked, NotApproved, Rejected, Suspected,
};

/// `status.overall`. EXPIRED-DELETED is on iDenfy's status pages, not in its enum.
pub const OVERALL: Table = Table {
    field: "status.overall",
    values: &[
        ("APPROVED", Clean),
        ("DENIED", Rejected),
        ("SUSPECTED", Suspected),
        ("REVIEWING", NotApproved),
        ("EXPIRED", Abandoned),
        ("EXPIRED-DELETED", Abandoned),
        ("ACTIVE", NotApproved),
        ("DELETED", NotApproved),
        ("ARCHIVED", NotApproved),
    ],
    unknown: NotApproved,
};

const FACE_CHECK: Meaning = Doubt(Reason::IdenfyFaceCheck);

/// `status.autoFace` and `status.manualFace`.
pub const FACE: Table = Table {
    field: "status.autoFace",
    values: &[
        ("FACE_MATCH", Clean),
        ("FACE_NOT_CHECKED", FaceNotChecked),
        ("FACE_NOT_ANALYSED", FaceNotChecked),
        ("FACE_MISMATCH", FACE_CHECK),
        ("NO_FACE_FOUND", FACE_CHECK),
        ("TOO_MANY_FACES", FACE_CHECK),
        ("FACE_TOO_BLURRY", FACE_CHECK),
        ("FACE_GLARED", FACE_CHECK),
        ("FACE_UNCERTAIN", FACE_CHECK),
        ("FACE_ERROR", FACE_CHECK),
        ("AUTO_UNVERIFIABLE", FACE_CHECK),
        ("FAKE_FACE", FACE_CHECK),
    ],
    unknown: FACE_CHECK,
};

const DOCUMENT_CHECK: Meaning = Doubt(Reason::IdenfyDocumentCheck);

/// `status.autoDocument` and `status.manualDocument`.
pub const DOCUMENT: Table = Table {
    field: "status.autoDocument",
    values: &[
        ("DOC_VALIDATED", Clean),
        ("DOC_INFO_MISMATCH", DOCUMENT_CHECK),
        ("DOC_NOT_FOUND", DOCUMENT_CHECK),
        ("DOC_NOT_FULLY_VISIBLE", DOCUMENT_CHECK),
        ("DOC_FACE_NOT_FOUND", DOCUMENT_CHECK),
        ("DOC_TOO_BLURRY", DOCUMENT_CHECK),
        ("DOC_GLARED", DOCUMENT_CHECK),
        ("DOC_FACE_GLARED", DOCUMENT_CHECK),
        ("MRZ_NOT_FOUND", DOCUMENT_CHECK),
        ("MRZ_OCR_READING_ERROR", DOCUMENT_CHECK),
        ("BARCODE_NOT_FOUND", DOCUMENT_CHECK),
        ("DOC_EXPIRED", DOCUMENT_CHECK),
        ("DOC_NOT_SUPPORTED", DOCUMENT_CHECK),
        ("COUNTRY_NOT_SUPPORTED", DOCUMENT_CHECK),
        ("COUNTRY_MISMATCH", DOCUMENT_CHECK),
        ("DOC_TYPE_MISMATCH", DOCUMENT_CHECK),
        ("DOC_SUBTYPE_MISMATCH", DOCUMENT_CHECK),
        ("DOC_SIDE_MISMATCH", DOCUMENT_CHECK),
        ("DOC_DAMAGED", DOCUMENT_CHECK),
        ("DOC_FAKE", DOCUMENT_CHECK),
        ("DOC_PERSONAL_CODE_INVALID", DOCUMENT_CHECK),
        ("DOC_NOT_ALLOWED", DOCUMENT_CHECK),
        ("DOC_NAME_ERROR", DOCUMENT_CHECK),
        ("DOC_SURNAME_ERROR", DOCUMENT_CHECK),
        ("DOC_EXPIRY_ERROR", DOCUMENT_CHECK),
        ("DOC_DOB_ERROR", DOCUMENT_CHECK),
        ("DOC_PERSONAL_NUMBER_ERROR", DOCUMENT_CHECK),
        ("DOC_NUMBER_ERROR", DOCUMENT_CHECK),
        ("DOC_DATE_OF_ISSUE_ERROR", DOCUMENT_CHECK),
        ("DOC_SEX_ERROR", DOCUMENT_CHECK),
        ("DOC_NATIONALITY_ERROR", DOCUMENT_CHECK),
        ("DOC_NOT_ANALYSED", DOCUMENT_CHECK),
        ("DOC_ERROR", DOCUMENT_CHECK),
        ("AUTO_UNVERIFIABLE", DOCUMENT_CHECK),
        ("DOC_SPOOF_DETECTED", DOCUMENT_CHECK),
        ("MRZ_INVALID", DOCUMENT_CHECK),
        ("EID_FAILED", DOCUMENT_CHECK),
        ("NFC_INIT_FAILED", DOCUMENT_CHECK),
        ("NFC_FAILED", DOCUMENT_CHECK),
        ("NFC_TIMEOUT", DOCUMENT_CHECK),
    ],
    unknown: DOCUMENT_CHECK,
};

const FRAUD: Meaning = Doubt(Reason::IdenfyFraudTag);
const DUPLICATE: Meaning = Doubt(Reason::DuplicateOfAnotherClient);

/// `status.fraudTags` (and an older payload's `suspicionReasons`, read the same way).
pub const FRAUD_TAGS: Table = Table {
    field: "status.fraudTags",
    values: &[
        ("FACE_IN_BLACKLIST", FRAUD),
        ("DOC_FACE_IN_BLACKLIST", FRAUD),
        ("DATA_BLACKLISTED", FRAUD),
        ("DATA_IN_BLACKLIST", FRAUD),
        ("DUPLICATE_FACE", DUPLICATE),
        ("DUPLICATE_DOC_FACE", DUPLICATE),
        ("DUPLICATE_PERSONAL_DATA", DUPLICATE),
        ("VIRTUAL_CAMERA", FRAUD),
        ("ADDRESS_UNVERIFIED", FRAUD),
        ("PORTRAIT_SUBSTITUTION", FRAUD),
        ("FACE_SUSPECTED", FRAUD),
        ("FACE_BLACKLISTED", FRAUD),
        ("DOC_FACE_BLACKLISTED", FRAUD),
        ("DOC_MOBILE_PHOTO", FRAUD),
        ("DEV_TOOLS_OPENED", FRAUD),
        ("DOC_PRINT_SPOOFED", FRAUD),
        ("FAKE_PHOTO", FRAUD),
        ("AML_SUSPECTION", FRAUD),
        ("AML_FAILED", FRAUD),
        ("LID_SUSPECTION", FRAUD),
        ("LID_FAILED", FRAUD),
        ("SANCTIONS_SUSPECTION", FRAUD),
        ("SANCTIONS_FAILED", FRAUD),
        ("CRIMINAL_SUSPECTED", FRAUD),
        ("CRIMINAL_CHECK_FAILED", FRAUD),
        ("RC_FAILED", FRAUD),
        ("DL_FAILED", FRAUD),
        ("AUTO_UNVERIFIABLE", FRAUD),
    ],
    unknown: FRAUD,
};

const MISMATCH: Meaning = Doubt(Reason::IdenfyMismatch);

/// `status.mismatchTags`: the data declared on the token, or an additional step's, differs
/// from the document. iDenfy leaves each to its client.
pub const MISMATCH_TAGS: Table = Table {
    field: "status.mismatchTags",
    values: &[
        ("NAME", MISMATCH),
        ("SURNAME", MISMATCH),
        ("DOCUMENT_NUMBER", MISMATCH),
        ("PERSONAL_CODE", MISMATCH),
        ("EXPIRY_DATE", MISMATCH),
        ("DATE_OF_BIRTH", MISMATCH),
        ("DATE_OF_ISSUE", MISMATCH),
        ("NATIONALITY", MISMATCH),
        ("SEX", MISMATCH),
        ("FULL_NAME", MISMATCH),
        ("DOC_INFO_MISMATCH", MISMATCH),
        ("UNDER_AGE", MISMATCH),
        ("OVER_AGE", MISMATCH),
        ("UNKNOWN_AGE", MISMATCH),
        ("UTILITY_ADDRESS", MISMATCH),
        ("UTILITY_NAME", MISMATCH),
        ("EXPIRED_UTILITY_BILL", MISMATCH),
        ("INVALID_ADDITIONAL_STEP", MISMATCH),
        ("ADDITIONAL_STEP_NOT_FOUND", MISMATCH),
        ("ADDITIONAL_STEP_INFORMATION_MISMATCH", MISMATCH),
        ("EXPIRED_ADDITIONAL_STEP_INFORMATION", MISMATCH),
        ("REGISTRY_CENTER_INFO_MISMATCH", MISMATCH),
        ("DRIVER_LICENSE_INFO_MISMATCH", MISMATCH),
        ("NOT_SUPPORTED_POA_DOCUMENT_TYPE", MISMATCH),
        ("NOT_SUPPORTED_POA_DOCUMENT_COUNTRY", MISMATCH),
        ("POA_COUNTRIES_MISMATCH", MISMATCH),
        ("POA_SCREENSHOT_DETECTED", MISMATCH),
    ],
    unknown: MISMATCH,
};

/// `status.additionalSteps`: the permit's upload step in additional-step mode (a two-session
/// pair requests no step; there only an unlisted value counts).
pub const STEP_STATUS: Table = Table {
    field: "status.additionalSteps",
    values: &[
        ("VALID", Clean),
        ("INVALID", Doubt(Reason::PermitInvalid)),
        ("NOT_FOUND", Doubt(Reason::PermitMissing)),
    ],
    unknown: Doubt(Reason::IdenfyValueUnknown),
};

/// The values of the top-level `additionalSteps` map: a step's type, no judgement.
pub const STEP_TYPE: Table = Table {
    field: "additionalSteps",
    values: &[("UPLOAD", Clean), ("COMPARE", Clean), ("EXTRACT", Clean)],
    unknown: Doubt(Reason::IdenfyValueUnknown),
};

/// `data.docType`: every type iDenfy's schema lists, judged by the configured lists.
pub const DOC_TYPE: Table = Table {
    field: "data.docType",
    values: &[
        ("ID_CARD", ByConfiguredTypes),
        ("PASSPORT", ByConfiguredTypes),
        ("RESIDENCE_PERMIT", ByConfiguredTypes),
        ("DRIVER_LICENSE", ByConfiguredTypes),
        ("PAN_CARD", ByConfiguredTypes),
        ("AADHAAR", ByConfiguredTypes),
        ("VISA", ByConfiguredTypes),
        ("NATIONAL_PASSPORT", ByConfiguredTypes),
        ("PROVISIONAL_DRIVER_LICENSE", ByConfiguredTypes),
        ("OLD_ID_CARD", ByConfiguredTypes),
        ("MILITARY_CARD", ByConfiguredTypes),
        ("ADDRESS_CARD", ByConfiguredTypes),
        ("SMART_ID", ByConfiguredTypes),
        ("CLEAR", ByConfiguredTypes),
        ("ONE_ID", ByConfiguredTypes),
        ("BANK_ID_SE", ByConfiguredTypes),
        ("BANK_ID_NO", ByConfiguredTypes),
        ("BANK_ID_CZ", ByConfiguredTypes),
        ("FTN", ByConfiguredTypes),
        ("MIT_ID", ByConfiguredTypes),
        ("VERIMI", ByConfiguredTypes),
        ("LA_WALLET", ByConfiguredTypes),
        ("SAMSUNG_WALLET", ByConfiguredTypes),
        ("MOJE_ID_CZ", ByConfiguredTypes),
        ("YOTI_ID", ByConfiguredTypes),
        ("OTHER", ByConfiguredTypes),
        ("BORDER_CROSSING", ByConfiguredTypes),
        ("ASYLUM", ByConfiguredTypes),
        ("PHOTO_CARD", ByConfiguredTypes),
        ("PROOF_OF_AGE_CARD", ByConfiguredTypes),
        ("TRAVEL_CARD", ByConfiguredTypes),
        ("SOCIAL_SECURITY_CARD", ByConfiguredTypes),
        ("VOTER_CARD", ByConfiguredTypes),
        ("DIPLOMATIC_ID", ByConfiguredTypes),
        ("WORK_PERMIT", ByConfiguredTypes),
    ],
    unknown: ByConfiguredTypes,
};

/// The whole table, in the order docs/decisions.md lists it.
pub const TABLES: [&Table; 8] = [
    &OVERALL,
    &FACE,
    &DOCUMENT,
    &FRAUD_TAGS,
    &MISMATCH_TAGS,
    &STEP_STATUS,
    &STEP_TYPE,
    &DOC_TYPE,
];

#[cfg(test)]
mod tests;
