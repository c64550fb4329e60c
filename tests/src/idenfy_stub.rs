//! A stand-in for iDenfy's API on wiremock: tokens minted, files listed, sessions deleted.

use super::*;

/// iDenfy's token endpoint, answering 201 with the request echoed plus a fresh
/// `authToken` (`tok-N`) and `scanRef` (`scan-N`), as iDenfy does.
pub struct IdenfyStub {
    pub server: MockServer,
}

/// Mints a token per request, answering after the delay (none for the tests).
struct MintTokens(AtomicUsize, Duration);

impl Respond for MintTokens {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let mut body: Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!({}));
        if let Some(object) = body.as_object_mut() {
            object.insert("authToken".into(), json!(format!("tok-{n}")));
            object.insert("scanRef".into(), json!(format!("scan-{n}")));
            object.insert("redirectUrl".into(), Value::Null);
            object.insert("message".into(), json!("Token created successfully"));
        }
        ResponseTemplate::new(201)
            .set_body_json(body)
            .set_delay(self.1)
    }
}

/// The files endpoint: fresh presigned-looking links for the body's scanRef, at the top level.
struct FileLinksFor;

/// A file link the stub hands out for a session: distinct per session and per call.
pub fn stub_file_link(scan_ref: &str, name: &str, call: usize) -> String {
    format!(
        "https://s3.example.com/{scan_ref}/{name}.png?X-Amz-Expires=3600&X-Amz-Signature=sig{call}"
    )
}

static FILE_CALLS: AtomicUsize = AtomicUsize::new(0);

impl Respond for FileLinksFor {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = FILE_CALLS.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_else(|_| json!({}));
        let Some(scan_ref) = body["scanRef"].as_str() else {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"identifier": "SCAN_REF_MISSING", "message": "scanRef"}));
        };
        let links: serde_json::Map<String, Value> = ["FRONT", "FACE", "RESIDENCE_PERMIT"]
            .into_iter()
            .map(|name| (name.to_owned(), json!(stub_file_link(scan_ref, name, call))))
            .collect();
        ResponseTemplate::new(200).set_body_json(links)
    }
}

impl IdenfyStub {
    /// A server with no routes mounted: each test mounts its own answers.
    pub async fn bare() -> Self {
        Self {
            server: MockServer::start().await,
        }
    }

    /// A server that mints tokens for every request.
    pub async fn minting() -> Self {
        let stub = Self::bare().await;
        stub.mount_minting().await;
        stub
    }

    pub async fn mount_minting(&self) {
        self.mount_minting_after(Duration::ZERO).await;
    }

    /// Tokens minted, each answered `delay` after its request (iDenfy's latency, for the
    /// benchmarks).
    pub async fn mount_minting_after(&self, delay: Duration) {
        Mock::given(method("POST"))
            .and(path("/api/v2/token"))
            .respond_with(MintTokens(AtomicUsize::new(0), delay))
            .mount(&self.server)
            .await;
    }

    /// `POST /api/v2/status` answering `status` for every session (what a renewal asks first).
    pub async fn mount_status(&self, status: &str) {
        Mock::given(method("POST"))
            .and(path("/api/v2/status"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "status": status })))
            .mount(&self.server)
            .await;
    }

    /// `POST /api/v2/files` answering with [`stub_file_link`]s.
    pub async fn mount_files(&self) {
        Mock::given(method("POST"))
            .and(path("/api/v2/files"))
            .respond_with(FileLinksFor)
            .mount(&self.server)
            .await;
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The real client pointed at the stub, with short timeouts and backoffs for tests.
    pub fn client(&self) -> IdenfyClient {
        let mut config = IdenfyClientConfig::new(&self.uri(), "test-key", "test-secret");
        config.connect_timeout = Duration::from_millis(500);
        config.request_timeout = Duration::from_millis(500);
        config.retry = RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
        };
        IdenfyClient::new(config)
    }

    /// The token requests received, in order.
    async fn token_calls(&self) -> Vec<wiremock::Request> {
        let mut received = self.server.received_requests().await.unwrap_or_default();
        received.retain(|r| r.url.path() == "/api/v2/token");
        received
    }

    /// The Authorization header of each token request received, in order.
    pub async fn authorizations(&self) -> Vec<String> {
        let header =
            |r: &wiremock::Request| Some(r.headers.get("authorization")?.to_str().ok()?.to_owned());
        self.token_calls().await.iter().filter_map(header).collect()
    }

    /// The scanRefs of the deletions asked for (`POST /api/v2/delete`), in order.
    pub async fn deletions_asked(&self) -> Vec<String> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == "/api/v2/delete")
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .filter_map(|body| body["scanRef"].as_str().map(str::to_owned))
            .collect()
    }

    /// Bodies of the token requests received, in order.
    pub async fn token_requests(&self) -> Vec<Value> {
        self.token_calls()
            .await
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }
}
