//! `events/sam-local-env.json` covers every variable each function reads at cold start (read
//! through the function's own config parser, which records what it asks for), and the values
//! it gives make a valid configuration. The template tests check that the template declares
//! each of them, so `sam local --env-vars` can set them all.

use pair_adapters::env::Env;
use pair_app::config::{CallbackConfig, INSECURE_FLAG, NotifyConfig, VerificationsApiConfig};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The env file's variables for the function: its own section over `Parameters`.
fn variables(function: &str) -> Vec<(String, String)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/sam-local-env.json");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the env file")).expect("JSON");
    let mut found = Vec::new();
    for section in ["Parameters", function] {
        for (name, value) in file[section].as_object().expect("a section") {
            found.push((name.clone(), value.as_str().expect("a string").to_owned()));
        }
    }
    found
}

/// The names the function's config parser asks for, and the env file's names for it; the
/// parser must accept the env file's values.
macro_rules! read_by {
    ($function:literal, $parse:path) => {{
        let given = variables($function);
        let asked = RefCell::new(BTreeSet::new());
        let env = Env::new(|name: &str| {
            asked.borrow_mut().insert(name.to_owned());
            given
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        });
        if let Err(error) = $parse(&env) {
            panic!("{}: the env file's values are refused: {error}", $function);
        }
        let in_file: BTreeSet<String> = given.iter().map(|(n, _)| n.clone()).collect();
        let asked = asked.borrow().clone();
        (asked, in_file)
    }};
}

fn assert_covered(function: &str, asked: BTreeSet<String>, in_file: BTreeSet<String>) {
    // The unsigned-callbacks switch is for `cargo run` only: no template declares it, so no
    // env file can turn it on under sam local either.
    let missing: Vec<&String> = asked
        .iter()
        .filter(|name| !in_file.contains(*name) && name.as_str() != INSECURE_FLAG)
        .collect();
    assert!(
        missing.is_empty(),
        "{function} reads {missing:?}, which events/sam-local-env.json does not set"
    );
    assert!(
        asked.len() >= 3,
        "{function}: the parser was observed: {asked:?}"
    );
}

#[test]
fn the_sam_local_env_file_sets_everything_each_function_reads() {
    let (asked, in_file) = read_by!("IssueTokensFunction", VerificationsApiConfig::from_env);
    assert_covered("IssueTokensFunction", asked, in_file);
    let (asked, in_file) = read_by!("IdenfyCallbackFunction", CallbackConfig::from_env);
    assert_covered("IdenfyCallbackFunction", asked, in_file);
    let (asked, in_file) = read_by!("NotifyDecisionsFunction", NotifyConfig::from_env);
    assert_covered("NotifyDecisionsFunction", asked, in_file);
}

/// Each function's SECRET_ID names its own secret in `events/sam-local-secrets.json`, holding
/// its role's keys and no other's (the functions refuse another role's key).
#[test]
fn each_function_s_local_secret_is_its_own() {
    use pair_adapters::secret::runtime::{
        CALLBACK_KEYS, ISSUANCE_KEYS, NOTIFIER_KEYS, SecretDocument,
    };
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/sam-local-secrets.json");
    let secrets: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("the secrets file"))
            .expect("JSON");
    let mut names = BTreeSet::new();
    for (function, own) in [
        ("IssueTokensFunction", ISSUANCE_KEYS),
        ("IdenfyCallbackFunction", CALLBACK_KEYS),
        ("NotifyDecisionsFunction", NOTIFIER_KEYS),
    ] {
        let (_, name) = variables(function)
            .into_iter()
            .find(|(n, _)| n == "SECRET_ID")
            .unwrap_or_else(|| panic!("{function} has a SECRET_ID"));
        let document = SecretDocument::from_json(&secrets[&name].to_string(), own)
            .unwrap_or_else(|e| panic!("{function}'s secret {name}: {e}"));
        for key in own {
            assert!(document.get(*key).is_some(), "{name} holds {}", key.json);
        }
        names.insert(name);
    }
    assert_eq!(names.len(), 3, "three secrets, one per role");
}
