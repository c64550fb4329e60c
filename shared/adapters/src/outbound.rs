//! Every outgoing connection's client setup, with one trust store: the Mozilla root set
//! compiled into the binary (`webpki-root-certs`).
//!
//! Why not the operating system's store: loading it reads every file of `/etc/ssl/certs`
//! (146 on Debian, about 8 ms of a 12 ms cold start), and the AWS SDK and reqwest each load it
//! again. The hosts we call (AWS endpoints, iDenfy, the site's webhook) use public CAs, which
//! that set holds; Amazon Linux's store is derived from the same Mozilla list. Local plain-HTTP
//! endpoints (moto_server, the simulator) need no roots at all.

pub mod first_use;
pub use first_use::OnFirstUse;

use crate::env::{Env, std_env};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use base64::Engine;
use rustls::RootCertStore;
use std::sync::{Arc, LazyLock, OnceLock};
use webpki_root_certs::TLS_SERVER_ROOT_CERTS;

/// The roots as rustls takes them (reqwest's clients).
static ROOT_STORE: LazyLock<Arc<RootCertStore>> = LazyLock::new(|| {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(TLS_SERVER_ROOT_CERTS.iter().cloned());
    Arc::new(store)
});

/// The roots as one PEM bundle: the AWS SDK's connector takes only PEM (and panics on a
/// certificate rustls refuses, which a test rules out for every compiled-in root).
static ROOT_PEM: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut pem = Vec::with_capacity(TLS_SERVER_ROOT_CERTS.len() * 2048);
    for certificate in TLS_SERVER_ROOT_CERTS {
        let body = base64::engine::general_purpose::STANDARD.encode(certificate.as_ref());
        pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        for line in body.as_bytes().chunks(64) {
            pem.extend_from_slice(line);
            pem.push(b'\n');
        }
        pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    pem
});

/// rustls settings for reqwest: the compiled-in roots, ring (the SDK's provider too). Not
/// aws-lc-rs: linking it runs its CPU-feature setup before `main` in every cold start, and
/// ring builds without cmake.
fn rustls_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder,
        // ring supports TLS 1.2 and 1.3, so this is unreachable; rustls' own fallback.
        Err(_) => rustls::ClientConfig::builder(),
    }
    .with_root_certificates(Arc::clone(&ROOT_STORE))
    .with_no_client_auth()
}

/// A reqwest client builder that trusts the compiled-in roots and follows no redirect: every
/// URL we call is configured and checked at cold start (https, or http on this machine), and a
/// 3xx is an answer, never a new destination — a site answering 307 must not get a signed
/// decision re-posted wherever it points, nor iDenfy's credentials follow one. The only way
/// to a reqwest client: reqwest has no TLS provider of its own here.
pub fn http_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls_config())
        .redirect(reqwest::redirect::Policy::none())
}

/// A reqwest client built at its first request. A build error (none is known: a test builds
/// one) is kept as its text.
pub type LazyHttp = OnFirstUse<Result<reqwest::Client, String>>;

/// A client of [`http_client`] with `configure`'s settings, built at its first request.
pub fn http_on_first_use(
    configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
) -> LazyHttp {
    OnFirstUse::new(move || {
        let built = configure(http_client())
            .build()
            .map_err(|error| error.to_string());
        std::future::ready(built)
    })
}

/// `aws_config::defaults` with an HTTP client trusting the compiled-in roots: every SDK
/// client starts here.
pub fn aws_config() -> aws_config::ConfigLoader {
    aws_config_from(&std_env())
}

/// The AWS SDK's HTTP client, built at the first request.
///
/// Smithy's own client builds a connector when an SDK client is constructed and throws it
/// away, to load the operating system's roots early; with ours, that is a second read of
/// the PEM bundle (about 2 ms) for nothing. The request's connector is built here once per
/// set of timeouts, as smithy's client does, and kept.
#[derive(Debug, Default)]
struct SdkHttpClient(OnceLock<SharedHttpClient>);

impl HttpClient for SdkHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0
            .get_or_init(|| {
                let trust = TrustStore::empty()
                    .with_native_roots(false)
                    .with_pem_certificate(ROOT_PEM.as_slice());
                let builder = aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(CryptoMode::Ring));
                match TlsContext::builder().with_trust_store(trust).build() {
                    Ok(context) => builder.tls_context(context),
                    // It cannot fail today; the SDK's default context still verifies servers.
                    Err(_) => builder,
                }
                .build_https()
            })
            .http_connector(settings, components)
    }
}

fn aws_config_from<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(SharedHttpClient::new(SdkHttpClient::default()));
    // Lambda sets the region and the role's keys in the environment. The default chains
    // would pick these first anyway, after building their other providers (profile files,
    // IMDS, ECS, SSO), each with a TLS connector of its own: a millisecond or two of every
    // cold start.
    if let Some(region) = env.optional("AWS_REGION") {
        loader = loader.region(aws_config::Region::new(region));
    }
    if let (Some(key), Some(secret)) = (
        env.optional("AWS_ACCESS_KEY_ID"),
        env.optional("AWS_SECRET_ACCESS_KEY"),
    ) {
        // As the chain's environment provider reads them; they last the sandbox's life.
        loader = loader.credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            key,
            secret,
            env.optional("AWS_SESSION_TOKEN"),
            None,
            "Environment",
        ));
    }
    loader
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    #[test]
    fn every_compiled_in_root_is_trusted_and_in_the_sdks_bundle() {
        let compiled_in = webpki_root_certs::TLS_SERVER_ROOT_CERTS.len();
        assert!(compiled_in > 100, "only {compiled_in} roots compiled in");
        // The SDK's connector panics on a root rustls refuses: none may be.
        let mut store = RootCertStore::empty();
        for certificate in TLS_SERVER_ROOT_CERTS {
            store
                .add(certificate.clone())
                .expect("rustls accepts every compiled-in root");
        }
        assert_eq!(ROOT_STORE.len(), compiled_in);
        let bundle: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&ROOT_PEM)
            .collect::<Result<_, _>>()
            .expect("the bundle is PEM");
        assert_eq!(bundle.as_slice(), TLS_SERVER_ROOT_CERTS);
    }

    #[test]
    fn reqwest_takes_the_rustls_settings() {
        // reqwest accepts a preconfigured backend only from its own rustls version: a
        // mismatch shows here as a builder error, not at the first webhook.
        http_client()
            .build()
            .expect("reqwest accepts the rustls settings");
    }

    #[tokio::test]
    async fn lambdas_region_and_keys_are_taken_from_the_environment() {
        use aws_sdk_dynamodb::config::ProvideCredentials;
        let env = Env::from_pairs([
            ("AWS_REGION", "eu-central-1"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session"),
        ]);
        let sdk = aws_config_from(&env).load().await;
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-central-1"));
        let credentials = sdk
            .credentials_provider()
            .expect("a provider")
            .provide_credentials()
            .await
            .expect("credentials");
        assert_eq!(credentials.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("session"));
    }

    /// A server on 127.0.0.1 that drops every connection: a TLS handshake with it fails.
    fn hang_up_server() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                drop(connection);
            }
        });
        format!("https://{address}")
    }

    #[tokio::test]
    async fn both_clients_speak_tls_with_these_roots() {
        let endpoint = hang_up_server();
        // The SDK builds its connector from the PEM bundle at the first request (it panics
        // on a bundle it cannot read); the request then fails in the handshake.
        let sdk = aws_config()
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("eu-west-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .load()
            .await;
        let answer = aws_sdk_dynamodb::Client::new(&sdk)
            .describe_table()
            .table_name("t")
            .send()
            .await;
        let error = answer.expect_err("no TLS server there");
        assert!(
            matches!(error, aws_sdk_dynamodb::error::SdkError::DispatchFailure(_)),
            "{error:?}"
        );
        let answer = http_client()
            .build()
            .expect("client")
            .get(&endpoint)
            .send()
            .await;
        assert!(answer.expect_err("no TLS server there").is_connect());
    }
}
