//! `make corpus`: the labelled corpus (shared/app/corpus/verdicts.json) through the webhook parser
//! and the verdict, beside the seed guide's exact `===` comparison; the figures as Markdown,
//! then every case the policy decided otherwise than labelled. Fails when a pair that is not
//! genuine ends VERIFIED.

use pair_app::corpus::{self, Corpus, Figures};
use pair_core::pair::DocumentHasher;
use std::process::ExitCode;

fn main() -> ExitCode {
    let corpus = match Corpus::load() {
        Ok(corpus) => corpus,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(hasher) = DocumentHasher::new(b"corpus-report-document-hash-key") else {
        eprintln!("no document hasher");
        return ExitCode::FAILURE;
    };
    let runs = match corpus::run(&corpus, &hasher) {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let figures = Figures::of(&corpus, &runs);
    println!("{}", figures.table());
    for run in runs.iter().filter(|r| r.got != r.expected) {
        println!(
            "- {}: labelled {:?} {:?}, decided {:?} {:?}",
            run.id, run.expected.status, run.expected.reasons, run.got.status, run.got.reasons
        );
    }
    if figures.wrong_verified > 0 {
        eprintln!(
            "{} pairs VERIFIED that are not genuine",
            figures.wrong_verified
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
