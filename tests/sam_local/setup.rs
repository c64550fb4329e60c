//! What the run sets up: the env file SAM reads, the local secret, the sample pairs, the events'
//! requests.

use super::*;

/// The repository's env file with this run's addresses: the same keys and values, the ports
/// of the services this test started.
pub(crate) fn env_file_for(ports: &[(&str, u16)]) -> PathBuf {
    let path = repo().join("events/sam-local-env.json");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the env file"))
            .expect("the env file is JSON");
    let mut replaced = 0;
    for section in file.as_object_mut().expect("an object").values_mut() {
        for (name, value) in section.as_object_mut().expect("sections are objects") {
            let Some(port) = ports.iter().find(|(n, _)| n == name).map(|(_, p)| *p) else {
                continue;
            };
            let mut url = url::Url::parse(value.as_str().expect("a URL")).expect("a URL");
            assert_eq!(url.host_str(), Some("host.docker.internal"), "{name}");
            url.set_port(Some(port)).expect("a port");
            // Url adds a slash to a bare origin; the file's form is kept.
            let text = url.to_string();
            *value = json!(if value.as_str().is_some_and(|v| !v.ends_with('/')) {
                text.trim_end_matches('/').to_owned()
            } else {
                text
            });
            replaced += 1;
        }
    }
    assert_eq!(
        replaced,
        ports.len(),
        "every service's address is in the env file"
    );
    let out = repo().join(".tmp/sam-local-env.json");
    std::fs::write(&out, serde_json::to_string_pretty(&file).expect("JSON")).expect("written");
    out
}

/// The local secrets, `events/sam-local-secrets.json`: each function's by its name.
pub(crate) fn local_secrets() -> serde_json::Map<String, Value> {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("events/sam-local-secrets.json"))
            .expect("the secrets file"),
    )
    .expect("a JSON object of secrets")
}

/// A value of the local secrets, whichever function's secret holds it.
pub(crate) fn secret_value(key: &str) -> String {
    local_secrets()
        .values()
        .find_map(|secret| secret[key].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{key} in events/sam-local-secrets.json"))
}

/// Each function's secret on moto_server, where it reads it (its SECRET_ID): one per role.
pub(crate) async fn create_local_secret() {
    let secrets = local_secrets();
    let client = integration_tests::moto_secrets().await;
    for function in [
        "IssueTokensFunction",
        "IdenfyCallbackFunction",
        "NotifyDecisionsFunction",
    ] {
        let name = env_value(function, "SECRET_ID");
        let secret = secrets.get(&name).unwrap_or_else(|| {
            panic!("{name} ({function}'s SECRET_ID) in events/sam-local-secrets.json")
        });
        integration_tests::create_secret(&client, &name, &secret.to_string()).await;
    }
}

pub(crate) fn env_value(section: &str, name: &str) -> String {
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("events/sam-local-env.json")).expect("the env file"),
    )
    .expect("JSON");
    file[section][name]
        .as_str()
        .unwrap_or_else(|| panic!("{section}.{name} in events/sam-local-env.json"))
        .to_owned()
}

/// Writes the records as they are, over whatever was there (each event gets fresh pairs).
pub(crate) async fn put(store: &DynamoStore, records: &[PairRecord]) {
    for record in records {
        let item = serde_dynamo::to_item(record).expect("a record serialises");
        store
            .client()
            .await
            .put_item()
            .table_name(store.table())
            .set_item(Some(item))
            .send()
            .await
            .expect("moto stores the record");
    }
}

pub(crate) fn sample_pairs() -> Vec<PairRecord> {
    let now = SystemClock.now();
    vec![
        issued_at(events_record(), now),
        issued_at(step_events_record(), now),
    ]
}

pub(crate) fn event_request(function: &str, name: &str) -> EventRequest {
    let event: Value = serde_json::from_str(&events::text(function, name)).expect("JSON");
    let text = event["body"].as_str().unwrap_or_default();
    let body = if event["isBase64Encoded"].as_bool() == Some(true) {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64")
    } else {
        text.as_bytes().to_vec()
    };
    let headers = event["headers"]
        .as_object()
        .map(|headers| {
            headers
                .iter()
                .filter(|(name, _)| {
                    name.as_str() == "content-type"
                        || name.as_str() == pair_adapters::idenfy::webhook::SIGNATURE_HEADER
                        || name.as_str() == pair_adapters::idenfy::webhook::EVENT_TYPE_HEADER
                })
                .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    EventRequest { body, headers }
}

/// An HTTP API event's body and the headers worth sending again.
pub(crate) struct EventRequest {
    pub(crate) body: Vec<u8>,
    pub(crate) headers: Vec<(String, String)>,
}
