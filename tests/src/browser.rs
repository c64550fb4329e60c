//! Headless Chromium through chromedriver's W3C WebDriver API (a few JSON calls over HTTP:
//! lighter on a 2-core build than a WebDriver client crate). Debian's `chromium` and
//! `chromium-driver` packages; `.ci/run` installs them.

use crate::journeys::{Journey, Ran, SessionInput, client_id};
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod journeys;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(candidates: &[&str]) -> Option<PathBuf> {
    candidates.iter().find_map(|name| {
        let path = Path::new(name);
        if path.is_absolute() {
            return path.exists().then(|| path.to_path_buf());
        }
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|candidate| candidate.exists())
        })
    })
}

pub struct Browser {
    http: reqwest::Client,
    endpoint: String,
    driver: Child,
    profile: PathBuf,
}

/// The session page's fields chosen from a list (the rest are typed in).
const SELECTS: [&str; 5] = [
    "sex",
    "autoFace",
    "manualFace",
    "autoDocument",
    "manualDocument",
];

impl Browser {
    /// Starts chromedriver on a free 127.0.0.1 port and a headless Chromium session.
    pub async fn start() -> Browser {
        let chromium = find_program(&["/usr/bin/chromium", "chromium", "chromium-browser"]);
        let driver = find_program(&["/usr/bin/chromedriver", "chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            panic!(
                "headless Chromium is needed for the browser tests: install Debian's packages with \
                 `apt-get install chromium chromium-driver` (.ci/run does)"
            );
        };
        let port = crate::free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", driver.display()));
        let profile =
            std::env::temp_dir().join(format!("idenfy-pair-chromium-{}", fastrand::u64(..)));
        let mut browser = Browser {
            http: crate::http(),
            endpoint: format!("http://127.0.0.1:{port}"),
            driver: child,
            profile,
        };
        browser.wait_until_ready().await;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1000,900",
                    format!("--user-data-dir={}", browser.profile.display()),
                ]
            }
        }}});
        let session = browser
            .call("POST", "/session", Some(capabilities))
            .await
            .expect("a Chromium session");
        let id = session["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        browser.endpoint = format!("{}/session/{id}", browser.endpoint);
        browser
    }

    async fn wait_until_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(status) = self.call("GET", "/status", None).await
                && status["ready"] == true
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.endpoint);
        let request = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self
                .http
                .post(&url)
                .json(&body.unwrap_or_else(|| json!({}))),
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let value: Value = response.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(value["value"].clone())
        } else {
            Err(format!(
                "{method} {path}: {status} {}",
                value["value"]["message"]
            ))
        }
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.call("POST", "/url", Some(json!({"url": url})))
            .await
            .map(|_| ())
    }

    pub async fn url(&self) -> Result<String, String> {
        self.call("GET", "/url", None)
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    async fn element(&self, css: &str) -> Result<String, String> {
        let found = self
            .call(
                "POST",
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .map_err(|e| format!("{css}: {e}"))?;
        found[ELEMENT]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{css}: no element"))
    }

    pub async fn click(&self, css: &str) -> Result<(), String> {
        let id = self.element(css).await?;
        self.call("POST", &format!("/element/{id}/click"), None)
            .await
            .map(|_| ())
    }

    pub async fn fill(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.element(css).await?;
        self.call("POST", &format!("/element/{id}/clear"), None)
            .await?;
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await
        .map(|_| ())
    }

    pub async fn text(&self, css: &str) -> Result<String, String> {
        let id = self.element(css).await?;
        self.call("GET", &format!("/element/{id}/text"), None)
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Result<String, String> {
        let id = self.element(css).await?;
        self.call("GET", &format!("/element/{id}/attribute/{name}"), None)
            .await
            .map(|v| v.as_str().unwrap_or_default().to_owned())
    }

    /// A DOM property of the element (e.g. an image's `naturalWidth`, 0 until it loaded).
    pub async fn property(&self, css: &str, name: &str) -> Result<Value, String> {
        let id = self.element(css).await?;
        self.call("GET", &format!("/element/{id}/property/{name}"), None)
            .await
    }

    /// Saves a PNG of the page to `target/e2e-screenshots/NAME.png`; returns where.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let encoded = self.call("GET", "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-screenshots");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| e.to_string())?;
        Ok(path)
    }

    /// Ends the session and chromedriver.
    pub async fn quit(mut self) {
        let _ = self.call("DELETE", "", None).await;
        self.stop_driver();
    }

    fn stop_driver(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }

    /// Waits up to 10 s for an element to appear (after a click that loads a page).
    pub async fn wait_for(&self, css: &str) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.element(css).await {
                Ok(_) => return Ok(()),
                Err(error) if Instant::now() > deadline => {
                    return Err(format!("{css} never appeared: {error}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop_driver();
    }
}
