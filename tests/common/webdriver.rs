//! A real Chromium, headless, driven through ChromeDriver's W3C WebDriver
//! protocol (JSON over HTTP on loopback): start, open a page, find, read
//! and click elements, and take a screenshot when a test fails.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use super::binary::Proc;
use super::http;

/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A browser session; ChromeDriver (and its Chromium) die with it.
pub struct Browser {
    _driver: Proc,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts ChromeDriver on a free port and a headless Chromium session.
    pub async fn start() -> Self {
        let port = free_port();
        let mut command = Command::new(chromedriver());
        command.arg(format!("--port={port}"));
        let driver = Proc::spawn(command);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready(port).await {
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready:\n{}",
                driver.dump()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--window-size=1280,1000".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium(), "args": args},
        }}});
        let reply = call(port, "POST", "/session", Some(capabilities)).await;
        let session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply:#}\n{}", driver.dump()))
            .to_string();
        Self {
            _driver: driver,
            port,
            session,
            _profile: profile,
        }
    }

    async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        call(self.port, method, &path, body).await
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    /// The address the page is at now.
    pub async fn current_url(&self) -> String {
        let reply = self.command("GET", "/url", None).await;
        reply["value"].as_str().unwrap_or("").to_string()
    }

    /// The element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let body = json!({"using": "css selector", "value": css});
        let reply = self.command("POST", "/element", Some(body)).await;
        reply["value"][ELEMENT].as_str().map(str::to_string)
    }

    /// The visible text of the element matching `css` ("" when absent).
    pub async fn text(&self, css: &str) -> String {
        let Some(id) = self.find(css).await else {
            return String::new();
        };
        let reply = self
            .command("GET", &format!("/element/{id}/text"), None)
            .await;
        reply["value"].as_str().unwrap_or("").to_string()
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let id = match self.find(css).await {
            Some(id) => id,
            None => self.fail(&format!("no element {css} to click")).await,
        };
        let reply = self
            .command("POST", &format!("/element/{id}/click"), Some(json!({})))
            .await;
        if !reply["value"].is_null() {
            self.fail(&format!("clicking {css}: {reply:#}")).await;
        }
    }

    /// Waits until the text of `css` satisfies `check`; returns it.
    pub async fn wait_text(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let text = self.text(css).await;
            if check(&text) {
                return text;
            }
            if Instant::now() > deadline {
                self.fail(&format!("{what} within 60 s ({css} shows {text:?})"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Saves a screenshot of the page and panics with `message` and its path.
    pub async fn fail(&self, message: &str) -> ! {
        let shot = self.command("GET", "/screenshot", None).await;
        let path = screenshot_path();
        match shot["value"]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        {
            Some(png) => {
                std::fs::write(&path, png).unwrap();
                panic!("{message}; screenshot: {}", path.display());
            }
            None => panic!("{message}; no screenshot: {shot:#}"),
        }
    }
}

fn screenshot_path() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("dashboard-failure-{}.png", std::process::id()))
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string())
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

async fn ready(port: u16) -> bool {
    if tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        return false;
    }
    let reply = call(port, "GET", "/status", None).await;
    reply["value"]["ready"] == true
}

async fn call(port: u16, method: &str, path: &str, body: Option<Value>) -> Value {
    let body = body.map(|b| b.to_string());
    let reply = http::call(port, method, path, &[], body.as_deref()).await;
    serde_json::from_str(&reply.body).unwrap_or(Value::Null)
}
