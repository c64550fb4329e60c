//! Fuzzing the callback's CPU path — verify, parse, decide — with generated and mutated
//! bodies and headers. `make fuzz` runs 1 000 000 cases (FUZZ_CASES); `make test` a few
//! thousand. No input may panic; a signature we did not make never verifies; whatever
//! parses yields a valid clientId and a non-empty scanRef.

use integration_tests::callbacks::{
    DocFields, EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, EVENTS_IDENTITY_SCAN_REF,
    TEST_SIGNING_KEY, events_record, hasher, payload, sample_id_card, signing_keys,
};
use pair_adapters::idenfy::signature::sign;
use pair_adapters::idenfy::webhook::{Webhook, read};
use pair_core::pair::machine::{accept_half, verdict_due};
use pair_core::pair::permit::VerdictPolicy;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use std::cell::Cell;

const KEYS: [&str; 12] = [
    "clientId",
    "scanRef",
    "final",
    "status",
    "overall",
    "data",
    "docFirstName",
    "docLastName",
    "docDob",
    "docNumber",
    "docType",
    "fraudTags",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        Just(Value::String(EVENTS_CLIENT_ID.into())),
        Just(Value::String(EVENTS_IDENTITY_SCAN_REF.into())),
        Just(Value::String("APPROVED".into())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        proptest::sample::select(&KEYS[..]).prop_map(str::to_owned),
                        ".{0,8}"
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn base_bodies() -> Vec<Vec<u8>> {
    let identity = sample_id_card();
    let document = DocFields::new(
        "SUSPECTED",
        "JOHN",
        "MUELLER",
        "1990-05-15",
        "RESIDENCE_PERMIT",
        "RP1",
    );
    vec![
        payload(EVENTS_CLIENT_ID, EVENTS_IDENTITY_SCAN_REF, true, &identity)
            .to_string()
            .into_bytes(),
        payload(EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, false, &document)
            .to_string()
            .into_bytes(),
        payload(EVENTS_CLIENT_ID, EVENTS_DOCUMENT_SCAN_REF, true, &document)
            .to_string()
            .into_bytes(),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let mutation = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ];
    prop_oneof![
        3 => (proptest::sample::select(base_bodies()), proptest::collection::vec(mutation, 0..4)).prop_map(|(mut body, mutations)| {
            for m in mutations {
                let len = body.len().max(1);
                match m {
                    Mutation::Flip(at, bits) => { if let Some(b) = body.get_mut(at % len) { *b ^= bits } }
                    Mutation::Insert(at, byte) => body.insert((at % len).min(body.len()), byte),
                    Mutation::Remove(at) => { if !body.is_empty() { body.remove(at % len); } }
                    Mutation::Truncate(at) => body.truncate(at % len),
                }
            }
            body
        }),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..256),
    ]
}

#[derive(Debug, Clone)]
enum SignatureHeader {
    Ours,
    OursUpperCase,
    Text(String),
    Absent,
}

fn signature_header() -> impl Strategy<Value = SignatureHeader> {
    prop_oneof![
        4 => Just(SignatureHeader::Ours),
        1 => Just(SignatureHeader::OursUpperCase),
        1 => "[0-9a-fA-F]{0,70}".prop_map(SignatureHeader::Text),
        1 => ".{0,80}".prop_map(SignatureHeader::Text),
        1 => Just(SignatureHeader::Absent),
    ]
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

#[test]
fn verify_parse_decide_never_panics_and_only_our_signatures_pass() {
    let keys = signing_keys();
    let hasher = hasher();
    let policy = VerdictPolicy::default();
    let record = events_record();
    let now = integration_tests::callbacks::at(3600);
    let strategy = (body(), signature_header(), proptest::option::of(".{0,40}"));
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let parsed = Cell::new(0u64);
    let stored = Cell::new(0u64);
    runner
        .run(&strategy, |(body, header, event_type)| {
            let ours = sign(TEST_SIGNING_KEY, &body);
            let (header, made_by_us) = match header {
                SignatureHeader::Ours => (Some(ours), true),
                SignatureHeader::OursUpperCase => (Some(ours.to_uppercase()), true),
                SignatureHeader::Text(text) => {
                    let same = text.trim().eq_ignore_ascii_case(&ours);
                    (Some(text), same)
                }
                SignatureHeader::Absent => (None, false),
            };
            let verified = keys.verify(&body, header.as_deref()).is_ok();
            prop_assert_eq!(verified, made_by_us);
            if !verified {
                return Ok(());
            }
            let Ok(Webhook::Result(callback)) = read(
                &body,
                event_type.as_deref(),
                now,
                &hasher,
                "RESIDENCE_PERMIT",
            ) else {
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            prop_assert!(!callback.scan_ref.is_empty());
            prop_assert!(!callback.client_id.as_str().is_empty());
            if let Some(next) = accept_half(&record, &callback.scan_ref, &callback.half, now) {
                stored.set(stored.get() + 1);
                prop_assert_eq!(next.version, record.version + 1);
                if let Some(pair) = next.live_pair(now) {
                    let _ = verdict_due(pair, &policy, now);
                }
            }
            Ok(())
        })
        .unwrap();
    let (parsed, stored) = (parsed.get(), stored.get());
    println!("fuzz: {} cases, {parsed} parsed, {stored} stored", cases());
    assert!(
        parsed > 0 && stored > 0,
        "the generator reaches the whole path"
    );
}
