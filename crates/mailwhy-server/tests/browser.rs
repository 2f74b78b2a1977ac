//! The page in a real browser: Debian's `chromium`, driven headless through `chromedriver`'s
//! WebDriver HTTP API (W3C WebDriver, plain JSON calls). Type an address from the demo
//! fixtures, press Diagnose, read the cause shown; press "Copy as Markdown" and read the
//! Markdown; paste a bounce from the fixtures and read its finding; then outside text holding
//! HTML (an address, a TXT record, a bounce's header field) is shown as text with nothing run.
//!
//! The test needs Debian's `chromium` and `chromium-driver`, so it is ignored by a plain
//! `cargo test` (listed as ignored, with that reason); `.ci/run` installs both from
//! `.ci/apt-packages` and runs it with `--ignored`. Run without them, it fails and names the
//! packages.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use mailwhy::{DiagnoseRequest, TicketMessage};
use serde_json::{json, Value};
use support::{client, demo_diagnoser, start};

/// The W3C key of an element reference in WebDriver responses.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A chromedriver we started; killed (by its own handle) when dropped.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("webdriver call");
        let status = resp.status();
        let v: Value = resp.json().await.expect("webdriver JSON");
        assert!(status.is_success(), "webdriver {path}: {status} {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn script(&self, js: &str) -> Value {
        self.script_with(js, json!([])).await
    }

    async fn script_with(&self, js: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": js, "args": args })),
        )
        .await
    }

    /// Pastes `text` into a field (as a paste does: the whole value at once).
    async fn paste(&self, css: &str, text: &str) {
        self.script_with(
            "var e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input')); return true;",
            json!([css, text]),
        )
        .await;
    }

    async fn clear(&self, css: &str) {
        let e = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{e}/clear"),
            Some(json!({})),
        )
        .await;
    }

    /// Diagnoses `email` (with a pasted message when given) and waits for the new report.
    async fn diagnose(&self, email: &str, message: Option<&str>) {
        self.script("document.getElementById('result').hidden = true; return true;")
            .await;
        self.clear("#email").await;
        self.type_into("#email", email).await;
        self.paste("#message", message.unwrap_or("")).await;
        self.click("#diagnose").await;
        self.wait_for_text(
            "var r = document.getElementById('result'); return r.hidden ? '' : document.getElementById('result-title').textContent;",
            "the report",
        )
        .await;
    }

    /// Polls `js` until it returns a non-empty string (the page's fetch is asynchronous).
    async fn wait_for_text(&self, js: &str, what: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.script(js).await.as_str() {
                if !s.is_empty() {
                    return s.to_string();
                }
            }
            if Instant::now() >= deadline {
                let status = self
                    .script("return document.getElementById('status').textContent + ' | ' + document.getElementById('result-title').textContent + ' | ' + document.getElementById('email').value;")
                    .await;
                panic!("timed out waiting for {what}; the page says {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, to: &Path) {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64"))
            .expect("PNG");
        std::fs::write(to, png).expect("write screenshot");
        eprintln!("screenshot: {}", to.display());
    }

    async fn close(&self) {
        let _ = self.http.delete(&self.url).send().await;
    }
}

async fn start_driver(driver: &Path) -> Driver {
    // A free port from the kernel, handed to chromedriver (it cannot report one itself).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let d = Driver {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(format!("{}/status", d.base)).send().await {
            if let Ok(v) = r.json::<Value>().await {
                if v["value"]["ready"] == true {
                    return d;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn new_session(driver: &Driver, chromium: &Path, profile: &Path) -> Session {
    let http = client();
    let caps = json!({ "capabilities": { "alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--window-size=1100,1400",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }}});
    let resp = http
        .post(format!("{}/session", driver.base))
        .json(&caps)
        .send()
        .await
        .expect("new session");
    let status = resp.status();
    let v: Value = resp.json().await.expect("session JSON");
    assert!(status.is_success(), "new session: {status} {v}");
    let id = v["value"]["sessionId"].as_str().expect("session id");
    Session {
        http,
        url: format!("{}/session/{id}", driver.base),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and chromium-driver (apt)"]
async fn an_agent_diagnoses_an_address_in_chromium() {
    let chromium = find_program(&["chromium", "chromium-browser"]).expect(
        "this test needs a browser, and chromium is not on PATH: install the Debian packages \
         chromium and chromium-driver (`apt-get install chromium chromium-driver`; \
         .ci/apt-packages lists them)",
    );
    let driver = find_program(&["chromedriver"]).expect(
        "this test needs chromedriver, which is not on PATH: install the Debian package \
         chromium-driver (`apt-get install chromium-driver`; .ci/apt-packages lists it)",
    );

    let server = start(demo_diagnoser().await, Default::default()).await;
    let driver = start_driver(&driver).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let s = new_session(&driver, &chromium, profile.path()).await;

    s.goto(&server.url("/")).await;
    s.type_into("#email", "jane.doe@acme-builders.com").await;
    s.click("#diagnose").await;
    let cause = s
        .wait_for_text(
            "var e = document.querySelector('#result:not([hidden]) .cause-id'); return e ? e.textContent : '';",
            "the cause",
        )
        .await;
    // The same cause the library ranks first for this demo user.
    let expected = server
        .diagnoser
        .diagnose(&DiagnoseRequest::new("jane.doe@acme-builders.com"))
        .await;
    assert_eq!(cause, expected.findings[0].id.as_str());
    assert_eq!(cause, "user.messaging-disabled");
    let first = s
        .script("return document.querySelector('#findings .finding-id').textContent;")
        .await;
    assert_eq!(first, cause);
    let shown = s
        .script("return document.querySelectorAll('#findings > li.finding').length;")
        .await;
    assert_eq!(shown.as_u64(), Some(expected.findings.len() as u64));

    // Copy as Markdown: the CLI's Markdown rendering appears (and goes to the clipboard when
    // the browser allows it).
    s.click("#copy-md").await;
    let md = s
        .wait_for_text(
            "var b = document.getElementById('markdown-box'); return b.hidden ? '' : document.getElementById('markdown').value;",
            "the Markdown",
        )
        .await;
    assert!(
        md.starts_with("### mailwhy: jane.doe@acme-builders.com"),
        "{md}"
    );
    assert!(md.contains("user.messaging-disabled"));

    // The README shows this screenshot.
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/serve.png");
    s.screenshot(&shot).await;

    // A bounce pasted with the address: its reading joins the report.
    let bounce = std::fs::read_to_string(mailwhy_tests::fixture("message/bounce.user-unknown.eml"))
        .expect("bounce fixture");
    s.diagnose("jane@acme-corp.com", Some(&bounce)).await;
    let expected = server
        .diagnoser
        .diagnose(&DiagnoseRequest {
            messages: vec![TicketMessage::new(
                "pasted message",
                bounce.clone().into_bytes(),
            )],
            ..DiagnoseRequest::new("jane@acme-corp.com")
        })
        .await;
    let shown = s
        .script("return Array.prototype.map.call(document.querySelectorAll('#findings .finding-id'), function (e) { return e.textContent; });")
        .await;
    let expected_ids: Vec<&str> = expected.findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(shown, json!(expected_ids));
    assert!(
        expected_ids.contains(&"bounce.user-unknown"),
        "{expected_ids:?}"
    );
    let checks = s
        .script("return document.getElementById('checks').textContent;")
        .await;
    assert!(
        checks.as_str().unwrap().contains("message bounce"),
        "{checks}"
    );

    // Outside text holding HTML is shown as text and runs nothing.
    // (It starts with a letter: the diagnoser strips a leading `<` as from `<addr>`.)
    let hostile =
        "agent<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>@acme-builders.com";
    s.clear("#email").await;
    s.paste("#message", "").await;
    s.type_into("#email", hostile).await;
    s.click("#diagnose").await;
    let title = s
        .wait_for_text(
            "var t = document.getElementById('result-title').textContent; return t.indexOf('<img') >= 0 ? t : '';",
            "the hostile subject",
        )
        .await;
    assert!(title.contains("<script>window.pwned=2</script>"), "{title}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pwned = s.script("return typeof window.pwned;").await;
    assert_eq!(pwned, "undefined");
    let injected = s
        .script("return document.querySelectorAll('main img, main script').length;")
        .await;
    assert_eq!(injected.as_u64(), Some(0));
    // A TXT record and a bounce's header field holding HTML (fixtures/serve/injection): a
    // vendor whose SPF record has a `<script>` and an `<img onerror>` term, and a bounce whose
    // Diagnostic-Code holds both. The report quotes them; the page shows them as text.
    let inj = mailwhy_tests::fixture("serve/injection");
    let hostile_d = std::sync::Arc::new(
        mailwhy::Diagnoser::builder()
            .dns_zones(Some(inj.join("zones")))
            .sender_file(&inj.join("vendor.toml"))
            .expect("vendor profile")
            .build()
            .await
            .expect("diagnoser"),
    );
    let hostile_server = start(hostile_d, Default::default()).await;
    s.goto(&hostile_server.url("/")).await;
    let bounce = std::fs::read_to_string(inj.join("bounce.hostile.eml")).expect("bounce");
    s.diagnose("someone@hostile-vendor.com", Some(&bounce))
        .await;
    // Open every fold, so the evidence is laid out too.
    s.script("document.querySelectorAll('details').forEach(function (d) { d.open = true; }); return true;")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = s
        .script("return document.getElementById('result').textContent;")
        .await;
    let text = text.as_str().unwrap_or_default();
    for payload in [
        "<script>window.pwned=3</script>", // the TXT record
        "<script>window.pwned=5</script><img src=x onerror=\"window.pwned=6\">", // the header
    ] {
        assert!(text.contains(payload), "{payload} shown as text in: {text}");
    }
    let pwned = s.script("return typeof window.pwned;").await;
    assert_eq!(pwned, "undefined", "nothing ran");
    let injected = s
        .script("return document.querySelectorAll('main img, main script, main [onerror]').length;")
        .await;
    assert_eq!(injected.as_u64(), Some(0));
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-page-injection.png");
    s.screenshot(&shot).await;

    s.close().await;
}
