//! `flywheel serve` in a real browser: headless Chromium, driven through
//! chromedriver's WebDriver protocol (plain HTTP and JSON, spoken with the
//! small client of the API tests), does what a student does — picks a
//! scenario, moves the coupon slider, presses Run, sees the charts fill
//! while the run goes, then moves the slider back, runs again and sees the
//! previous run drawn beside it. Screenshots go to `target/screenshots/`.
//!
//! `scripts/test.sh` installs `chromium` and `chromium-driver` when
//! `/usr/bin/chromedriver` is missing.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::TempDir;
use super::serve::{Server, http, json_of};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process and one browser session, both ended on drop.
struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    fn start(profile: &Path) -> Browser {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "the browser tests need Debian's chromium and chromium-driver: \
             `apt-get install -y chromium chromium-driver` (scripts/test.sh does this)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver never listened"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1400,1050",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
        };
        let v = browser.call("POST", "/session", Some(caps));
        browser.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        browser
    }

    /// One WebDriver command; returns its `value`.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string());
        let (status, text) = http(self.addr, method, path, body.as_deref());
        let v = json_of(&text);
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn session(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    fn go(&self, url: &str) {
        self.session("POST", "/url", Some(json!({"url": url})));
    }

    fn script(&self, js: &str) -> Value {
        self.session(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.session(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.session("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn keys(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.session(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.session("GET", &format!("/element/{e}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until `js` (an expression) is truthy; the time limit only
    /// keeps a broken page from hanging the suite.
    fn wait(&self, js: &str, what: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.script(&format!("return ({js});"));
            if !(v.is_null() || v == json!(false) || v == json!(0) || v == json!("")) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "page never showed {what}; status: {}",
                self.text("#status")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn screenshot(&self, path: &Path) {
        let b64 = self.session("GET", "/screenshot", None);
        let png = base64(b64.as_str().expect("base64 text"));
        assert_eq!(&png[1..4], b"PNG");
        std::fs::write(path, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(
                self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Decodes standard base64 (the screenshot's encoding).
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

const COUPON: &str = r#"input[data-key="platforms[1].subsidy"][data-part="per_order"]"#;

#[test]
fn serve_page_runs_a_scenario_live_and_compares_with_the_previous_run() {
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let server = Server::start(&scenarios, &[]);
    let profile = TempDir::new("serve-browser-profile");
    let browser = Browser::start(profile.path());
    let shots = screenshots();

    browser.go(&server.url());
    browser.wait(
        "document.querySelectorAll('#scenario option').length > 1",
        "the scenario list",
    );
    // Pick a scenario: another one first, then quickstart, as a student
    // browsing the list would.
    browser.click(r#"#scenario option[value="subsidy_war"]"#);
    browser.wait(
        "window.flywheel.scenario && window.flywheel.scenario.scenario.id === 'subsidy_war'",
        "subsidy_war's levers",
    );
    browser.click(r#"#scenario option[value="quickstart"]"#);
    browser.wait(
        "window.flywheel.scenario && window.flywheel.scenario.scenario.id === 'quickstart'",
        "quickstart's levers",
    );

    // Move the Challenger's coupon from 5 to 8 yuan with the keyboard
    // (six steps of 0.5).
    browser.keys(COUPON, &"\u{E014}".repeat(6));
    let shown = browser.script(&format!(
        "return document.querySelector('{}').value;",
        COUPON.replace('\'', "\\'")
    ));
    assert_eq!(shown, json!("8"), "the slider moved to 8");
    assert!(
        browser.text("#levers").contains("8.0 yuan/order"),
        "the slider shows its value"
    );

    // Run at 30 days a second: the charts fill while the run goes.
    browser.click("#run");
    browser.wait(
        "Number(document.getElementById('chart-share').dataset.points) >= 10",
        "the first chart points",
    );
    let mid: u64 = browser
        .script("return Number(document.getElementById('chart-share').dataset.points);")
        .as_u64()
        .unwrap();
    assert!(browser.text("#status").starts_with("Running"));
    browser.screenshot(&shots.join("serve-running.png"));
    browser.wait(
        "document.getElementById('status').textContent.startsWith('Done')",
        "the end of the first run",
    );
    let points: u64 = browser
        .script("return Number(document.getElementById('chart-share').dataset.points);")
        .as_u64()
        .unwrap();
    assert_eq!(points, 90, "every day is drawn");
    assert!(mid < points, "the chart was drawn before the run ended");
    let first_share = browser
        .script("return window.flywheel.last.result.summary[1].final_share;")
        .as_f64()
        .unwrap();
    let during = browser
        .script("const s = window.flywheel.last.series.share[1]; return s.slice(0, 60).reduce((a, b) => a + b) / 60;")
        .as_f64()
        .unwrap();

    // Now without a coupon, compared with the run before.
    browser.keys(COUPON, "\u{E011}"); // Home: the slider's minimum, 0
    browser.click("#run");
    browser.wait(
        "document.getElementById('status').textContent.startsWith('Done') && window.flywheel.previous",
        "the end of the second run",
    );
    let legend = browser.text("#chart-share");
    assert!(
        legend.contains("Challenger (previous)"),
        "the previous run is drawn: {legend}"
    );
    let during_without = browser
        .script("const s = window.flywheel.last.series.share[1]; return s.slice(0, 60).reduce((a, b) => a + b) / 60;")
        .as_f64()
        .unwrap();
    assert!(
        during_without < during,
        "the 8-yuan coupon bought share while it ran: {during_without} vs {during}"
    );
    let caption = browser.text("#caption-share");
    assert!(caption.contains("previous run"), "{caption}");
    assert!(caption.contains("platforms[1].subsidy"), "{caption}");
    assert!(first_share > 0.0);
    browser.screenshot(&shots.join("serve-compare.png"));

    // The page asked nothing of any other server.
    let foreign = browser.script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin));",
    );
    assert_eq!(foreign, json!([]), "requests outside the server");

    // A bad value shows the server's message, naming the key.
    browser.script(
        "const c = document.querySelector('input[data-key=\"replications\"]'); c.value = '0'; c.dispatchEvent(new Event('input'));",
    );
    browser.click("#run");
    let error = browser.wait(
        "!document.getElementById('error').hidden && document.getElementById('error').textContent",
        "the error message",
    );
    assert!(error.as_str().unwrap().contains("replications"), "{error}");
    let (status, _) = http(server.addr, "GET", "/api/scenarios", None);
    assert_eq!(status, 200);
}
