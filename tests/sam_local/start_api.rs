//! The three routes through `sam local start-api`, each answer checked like the invokes'.

use super::*;

/// `sam local start-api`, stopped on drop: SIGINT first, on which SAM removes the containers
/// it started; SIGKILL if it has not ended 20 s later.
struct StartApi(Child);

impl Drop for StartApi {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.0.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn start_api_routes(sam: &Sam, report: &mut Report) {
    let port = integration_tests::free_port();
    let log = repo().join(".tmp/sam-local-start-api.log");
    let mut command = sam.command("start-api");
    command
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--disable-authorizer")
        .stdout(Stdio::from(
            std::fs::File::create(&log).expect("a log file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(log.with_extension("err.log")).expect("a log file"),
        ));
    let _api = StartApi(command.spawn().expect("sam local start-api starts"));
    let base = format!("http://127.0.0.1:{port}");
    let http = pair_adapters::outbound::http_client()
        .redirect(reqwest::redirect::Policy::default())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    let deadline = Instant::now() + Duration::from_secs(120);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "sam local start-api did not listen within 120 s; see {}",
            log.display()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let issue = event_request("issue-tokens", "issue-valid");
    let answer = http
        .post(format!("{base}/verifications"))
        .header("content-type", "application/json")
        .body(issue.body)
        .send()
        .await;
    let client_id = EVENTS_CLIENT_ID;
    route_line(report, "start-api POST /verifications", 201, answer).await;
    let answer = http
        .get(format!("{base}/verifications/{client_id}"))
        .send()
        .await;
    route_line(
        report,
        &format!("start-api GET /verifications/{client_id}"),
        200,
        answer,
    )
    .await;
    put_for_callback().await;
    let webhook = event_request("idenfy-callback", "identity-final");
    let mut request = http
        .post(format!("{base}/webhooks/idenfy"))
        .body(webhook.body);
    for (name, value) in webhook.headers {
        request = request.header(name, value);
    }
    route_line(
        report,
        "start-api POST /webhooks/idenfy",
        200,
        request.send().await,
    )
    .await;
}

/// The identity-final event's pair in place of the one start-api just issued.
async fn put_for_callback() {
    let store = DynamoStore::from_env(env_value("Parameters", "TABLE_NAME"), Default::default());
    put(&store, &sample_pairs()).await;
}

async fn route_line(
    report: &mut Report,
    what: &str,
    expected: u16,
    answer: Result<reqwest::Response, reqwest::Error>,
) {
    match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|b| {
                    b["code"]
                        .as_str()
                        .or(b["result"].as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            report.line(
                what,
                &expected.to_string(),
                &format!("{status} {code}"),
                status == expected,
            );
        }
        Err(error) => report.line(what, &expected.to_string(), &error.to_string(), false),
    }
}
