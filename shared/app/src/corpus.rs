//! The labelled corpus the verdict is measured on (`shared/app/corpus/verdicts.json`): pairs of an
//! identity session and a permit session in iDenfy's own field names, each with the pair's
//! permit policy, whether it is genuine (the same person, with a valid permit the policy
//! accepts) and the verdict and reasons a KYC expert expects.
//!
//! [`Case::bodies`] makes the two webhook bodies iDenfy would send; the fast tier reads them
//! through the webhook parser and the verdict ([`Case::decide`]), the integration tier sends a
//! sample through the real functions. [`Figures`] sums a run up beside the seed guide's exact
//! `===` comparison of first name, last name and date of birth.

use pair_adapters::idenfy::webhook;
use pair_core::clock::Timestamp;
use pair_core::pair::permit::VerdictPolicy;
use pair_core::pair::rules::Context;
use pair_core::pair::verdict;
use pair_core::pair::{DocumentHasher, Outcome, PermitPolicy, Reason, dates};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The corpus as committed.
pub const VERDICTS: &str = include_str!("../corpus/verdicts.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Corpus {
    /// What the corpus is, for its reader.
    #[serde(default)]
    pub about: Vec<String>,
    /// The decision day every case is judged on (`YYYY-MM-DD`, noon UTC).
    pub decided_on: String,
    /// iDenfy fields every identity session, and every permit session, has unless a case says
    /// otherwise.
    pub identity_defaults: Map<String, Value>,
    pub permit_defaults: Map<String, Value>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// The language the names are a Latin rendering of.
    pub language: String,
    /// Same person, and a permit valid and acceptable under the policy: the truth, whatever
    /// any rule says.
    pub genuine: bool,
    /// What the person's documents both say unless a side overrides it: `docFirstName`,
    /// `docLastName`, `docDob`, `docSex`, `docNationality`.
    pub person: Map<String, Value>,
    /// iDenfy's `data` fields of each session that differ from the person and the defaults;
    /// `overall` and `mismatchTags` go to `status`.
    #[serde(default)]
    pub identity: Map<String, Value>,
    #[serde(default)]
    pub permit: Map<String, Value>,
    /// The pair's permit policy (none: any country, valid on the day).
    #[serde(default)]
    pub policy: Option<PermitPolicy>,
    pub expect: Expected,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub status: Outcome,
    pub reasons: Vec<Reason>,
}

/// Keys of a side (or of the defaults) that belong to `status`, not `data`.
const STATUS_KEYS: [&str; 8] = [
    "overall",
    "mismatchTags",
    "fraudTags",
    "suspicionReasons",
    "autoFace",
    "manualFace",
    "autoDocument",
    "manualDocument",
];
/// `status.additionalSteps`, written so to tell it from the top-level `additionalSteps`.
const STEP_STATUS_KEY: &str = "status.additionalSteps";
/// Keys of a side that belong at the top level of the body.
const TOP_KEYS: [&str; 1] = ["additionalSteps"];

impl Corpus {
    pub fn load() -> Result<Self, String> {
        let corpus: Self =
            serde_json::from_str(VERDICTS).map_err(|e| format!("verdicts.json: {e}"))?;
        corpus.decision_time()?;
        Ok(corpus)
    }

    /// Noon UTC of the decision day.
    pub fn decision_time(&self) -> Result<Timestamp, String> {
        let day = dates::parse(&self.decided_on)
            .ok_or_else(|| format!("decidedOn {:?} is not a day", self.decided_on))?;
        let noon = day.midnight().assume_utc().unix_timestamp() + 12 * 3600;
        Ok(Timestamp::from_unix_seconds(noon))
    }
}

impl Case {
    /// iDenfy's two webhook bodies for this pair (final results), for `client_id` and the two
    /// sessions' scanRefs.
    pub fn bodies(
        &self,
        corpus: &Corpus,
        client_id: &str,
        identity_scan_ref: &str,
        permit_scan_ref: &str,
    ) -> (Value, Value) {
        let body = |defaults: &Map<String, Value>, side: &Map<String, Value>, scan_ref: &str| {
            let mut data = Map::new();
            let mut status = json!({"overall": "APPROVED", "mismatchTags": []});
            let mut body = json!({
                "final": true, "platform": "PC", "fileUrls": {}, "scanRef": scan_ref,
                "clientId": client_id
            });
            let person = self.person.iter();
            for (key, value) in defaults.iter().chain(person).chain(side) {
                if STATUS_KEYS.contains(&key.as_str()) {
                    status[key] = value.clone();
                } else if key == STEP_STATUS_KEY {
                    status["additionalSteps"] = value.clone();
                } else if TOP_KEYS.contains(&key.as_str()) {
                    body[key] = value.clone();
                } else {
                    data.insert(key.clone(), value.clone());
                }
            }
            body["status"] = status;
            body["data"] = Value::Object(data);
            body
        };
        (
            body(&corpus.identity_defaults, &self.identity, identity_scan_ref),
            body(&corpus.permit_defaults, &self.permit, permit_scan_ref),
        )
    }

    /// The verdict on this pair: both bodies through the webhook parser, then the policy.
    pub fn decide(&self, corpus: &Corpus, hasher: &DocumentHasher) -> Result<Expected, String> {
        let now = corpus.decision_time()?;
        let policy = VerdictPolicy::default();
        let (identity, permit) = self.bodies(corpus, "CORPUS", "scan-identity", "scan-permit");
        let parse = |body: &Value| {
            webhook::read(
                body.to_string().as_bytes(),
                None,
                now,
                hasher,
                &policy.permit_step,
            )
            .map_err(|e| format!("{}: {e}", self.id))?
            .into_result()
            .map(|callback| callback.half)
            .ok_or_else(|| format!("{}: an expiration notice, not a result", self.id))
        };
        let permit_policy = self.policy.clone().unwrap_or_default();
        let context = Context::new(&policy, &permit_policy, now);
        let (status, reasons) = verdict::decide(&parse(&identity)?, &parse(&permit)?, &context);
        Ok(Expected { status, reasons })
    }

    /// The seed guide's handler: VERIFIED when `docFirstName`, `docLastName` and `docDob` are
    /// `===` between the two bodies (JavaScript: `null === null` holds), else REQUIRES_REVIEW.
    /// It reads nothing else, not even the status.
    pub fn seed_outcome(&self, corpus: &Corpus) -> Outcome {
        let (identity, permit) = self.bodies(corpus, "CORPUS", "a", "b");
        let same = ["docFirstName", "docLastName", "docDob"]
            .iter()
            .all(|field| {
                let value = |body: &Value| body["data"].get(*field).cloned().unwrap_or(Value::Null);
                value(&identity) == value(&permit)
            });
        if same {
            Outcome::Verified
        } else {
            Outcome::RequiresReview
        }
    }
}

/// One case's run: what the policy and the seed said, against the label.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: String,
    pub genuine: bool,
    pub expected: Expected,
    pub got: Expected,
    pub seed: Outcome,
}

/// A run of the corpus summed up.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub cases: usize,
    pub genuine: usize,
    pub languages: usize,
    /// Genuine pairs VERIFIED, of the genuine pairs.
    pub automated: usize,
    /// Pairs VERIFIED that are not genuine: must be 0.
    pub wrong_verified: usize,
    /// Verdicts equal to the label, and verdicts with exactly the labelled reasons too.
    pub outcomes_correct: usize,
    pub reasons_correct: usize,
    pub seed_automated: usize,
    pub seed_wrong_verified: usize,
    pub seed_outcomes_correct: usize,
}

impl Figures {
    pub fn of(corpus: &Corpus, runs: &[Run]) -> Self {
        let count = |keep: &dyn Fn(&Run) -> bool| runs.iter().filter(|r| keep(r)).count();
        let verified = |o: Outcome| o == Outcome::Verified;
        let mut languages: Vec<&str> = corpus.cases.iter().map(|c| c.language.as_str()).collect();
        languages.sort_unstable();
        languages.dedup();
        Self {
            cases: runs.len(),
            genuine: count(&|r| r.genuine),
            languages: languages.len(),
            automated: count(&|r| r.genuine && verified(r.got.status)),
            wrong_verified: count(&|r| !r.genuine && verified(r.got.status)),
            outcomes_correct: count(&|r| r.got.status == r.expected.status),
            reasons_correct: count(&|r| r.got == r.expected),
            seed_automated: count(&|r| r.genuine && verified(r.seed)),
            seed_wrong_verified: count(&|r| !r.genuine && verified(r.seed)),
            seed_outcomes_correct: count(&|r| r.seed == r.expected.status),
        }
    }

    /// The automation rate in percent.
    pub fn automation(&self) -> f64 {
        percent(self.automated, self.genuine)
    }

    /// The figures as a Markdown table, idenfy-pair beside the seed's `===`.
    pub fn table(&self) -> String {
        let impostors = self.cases - self.genuine;
        let row =
            |name: &str, ours: String, seed: String| format!("| {name} | {ours} | {seed} |\n");
        let share = |n: usize, of: usize| format!("{n} / {of} ({:.1} %)", percent(n, of));
        let mut out = format!(
            "{} labelled pairs ({} genuine, {impostors} not), names from {} languages.\n\n",
            self.cases, self.genuine, self.languages
        );
        out.push_str("| figure | idenfy-pair | seed guide's `===` |\n|---|---|---|\n");
        out.push_str(&row(
            "automation: genuine pairs VERIFIED",
            share(self.automated, self.genuine),
            share(self.seed_automated, self.genuine),
        ));
        out.push_str(&row(
            "wrong VERIFIED: pairs VERIFIED that are not genuine",
            share(self.wrong_verified, impostors),
            share(self.seed_wrong_verified, impostors),
        ));
        out.push_str(&row(
            "verdict as labelled",
            share(self.outcomes_correct, self.cases),
            share(self.seed_outcomes_correct, self.cases),
        ));
        out.push_str(&row(
            "verdict and every reason as labelled",
            share(self.reasons_correct, self.cases),
            "— (no reasons)".to_owned(),
        ));
        out
    }
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        return 0.0;
    }
    // Counts are small: the conversion is exact.
    100.0 * n as f64 / of as f64
}

/// Every case through the parser and the verdict, beside the seed's comparison.
pub fn run(corpus: &Corpus, hasher: &DocumentHasher) -> Result<Vec<Run>, String> {
    corpus
        .cases
        .iter()
        .map(|case| {
            Ok(Run {
                id: case.id.clone(),
                genuine: case.genuine,
                expected: case.expect.clone(),
                got: case.decide(corpus, hasher)?,
                seed: case.seed_outcome(corpus),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
