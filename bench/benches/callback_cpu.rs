//! The callback's CPU path with criterion: verify the signature, parse the payload, decide
//! (store the half into the pair and check whether a verdict is due) — on the sample identity
//! callback, no I/O. `make bench` copies criterion's median into bench/results.json.

use criterion::{Criterion, criterion_group, criterion_main};
use integration_tests::callbacks::{at, events_record, hasher, signing_keys};
use serde_json::Value;
use shared::callback::payload::parse;
use shared::pair::machine::{accept_half, verdict_due};
use shared::pair::verdict::VerdictPolicy;
use std::hint::black_box;

fn callback_cpu_path(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/idenfy-callback/identity-final.json"
    );
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the sample event"))
            .expect("JSON");
    let body = event["body"].as_str().expect("a body").as_bytes().to_vec();
    let signature = event["headers"]["idenfy-signature"]
        .as_str()
        .expect("signed")
        .to_owned();
    let (keys, hasher, policy, record, now) = (
        signing_keys(),
        hasher(),
        VerdictPolicy::default(),
        events_record(),
        at(3600),
    );
    c.bench_function("callback_cpu_path", |b| {
        b.iter(|| {
            keys.verify(black_box(&body), Some(&signature))
                .expect("valid");
            let callback = parse(
                &body,
                Some("IDENTIFICATION_MANUAL_FINISHED"),
                now,
                &hasher,
                &policy.permit_step,
            )
            .expect("parses");
            let next =
                accept_half(&record, &callback.scan_ref, &callback.half, now).expect("accepted");
            black_box(
                next.live_pair(now)
                    .and_then(|pair| verdict_due(pair, &policy, now)),
            )
        })
    });
}

criterion_group!(benches, callback_cpu_path);
criterion_main!(benches);
