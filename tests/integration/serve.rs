//! `flywheel serve`: the classroom API. Each test starts the real binary on
//! a free loopback port with a scenario directory of its own and talks
//! HTTP to it with a small client over `TcpStream` (no HTTP library
//! needed): bad input gets a 4xx whose message names the problem and the
//! server keeps serving, runs beyond the bound wait in a queue and beyond
//! the queue are refused, a stop or a closed event stream stops a run,
//! and the streamed days are those of the same simulation `flywheel run`
//! does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::common::TempDir;

/// A `flywheel serve` process, killed when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Server {
    /// Starts `flywheel serve --port 0 --scenarios DIR ARGS…` and waits for
    /// the line that gives its address.
    pub fn start(scenarios: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .args(["serve", "--port", "0", "--scenarios"])
            .arg(scenarios)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("flywheel serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server prints its address");
        let url = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server {
            child,
            addr: url.parse().expect("an address"),
        }
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; returns the status and the body.
pub fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut reader = BufReader::new(s);
    let (status, chunked, length) = read_head(&mut reader);
    let mut out = Vec::new();
    if chunked {
        while let Some(chunk) = read_chunk(&mut reader) {
            out.extend(chunk);
        }
    } else if let Some(n) = length {
        out.resize(n, 0);
        reader.read_exact(&mut out).expect("body");
    } else {
        reader.read_to_end(&mut out).expect("body");
    }
    (status, String::from_utf8_lossy(&out).into_owned())
}

/// Reads a response's status line and headers: (status, chunked?,
/// content length).
fn read_head(reader: &mut impl BufRead) -> (u16, bool, Option<usize>) {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut chunked = false;
    let mut length = None;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).expect("header");
        if h.trim().is_empty() {
            break;
        }
        if h.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
        {
            chunked = true;
        }
        if let Some(n) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = n.trim().parse().ok();
        }
    }
    (status, chunked, length)
}

/// The next chunk of a chunked body (`None` at its end or on EOF).
fn read_chunk(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut size = String::new();
    if reader.read_line(&mut size).ok()? == 0 {
        return None;
    }
    let n = usize::from_str_radix(size.trim(), 16).ok()?;
    if n == 0 {
        return None;
    }
    let mut buf = vec![0; n + 2];
    reader.read_exact(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// JSON of a response body.
pub fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn post_run(addr: SocketAddr, request: &Value) -> (u16, Value) {
    let (status, body) = http(addr, "POST", "/api/runs", Some(&request.to_string()));
    (status, json_of(&body))
}

fn run_status(addr: SocketAddr, id: u64) -> Value {
    let (status, body) = http(addr, "GET", &format!("/api/runs/{id}"), None);
    assert_eq!(status, 200, "{body}");
    json_of(&body)
}

/// Polls run `id` until its status is `want`; the time limit only keeps a
/// broken server from hanging the suite.
fn wait_for(addr: SocketAddr, id: u64, want: &str) -> Value {
    let start = Instant::now();
    loop {
        let run = run_status(addr, id);
        if run["status"] == want {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "run {id} never reached {want}: {run}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// An event stream being read: (kind, data) per event.
struct Events {
    reader: BufReader<TcpStream>,
    pending: String,
}

impl Events {
    fn open(addr: SocketAddr, id: u64) -> Events {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(60))).ok();
        write!(
            s,
            "GET /api/runs/{id}/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("send");
        let mut reader = BufReader::new(s);
        let (status, chunked, _) = read_head(&mut reader);
        assert_eq!(status, 200);
        assert!(chunked, "an event stream is chunked");
        Events {
            reader,
            pending: String::new(),
        }
    }

    /// The next event that is not a keep-alive comment, or `None` when the
    /// stream ends.
    fn next(&mut self) -> Option<(String, Value)> {
        loop {
            if let Some(end) = self.pending.find("\n\n") {
                let block: String = self.pending.drain(..end + 2).collect();
                let mut kind = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event: ") {
                        kind = k.to_string();
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data.push_str(d);
                    }
                }
                if kind.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some((kind, json_of(&data)));
            }
            let chunk = read_chunk(&mut self.reader)?;
            self.pending.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// A scenario directory holding `tests/data/tiny.toml`.
fn tiny_dir(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny.toml");
    std::fs::copy(tiny, dir.path().join("tiny.toml")).expect("copy");
    dir
}

#[test]
fn serve_answers_bad_requests_with_4xx_naming_the_problem() {
    let dir = tiny_dir("serve-bad");
    let server = Server::start(dir.path(), &["--max-size", "40000"]);
    let a = server.addr;

    let (status, body) = http(a, "POST", "/api/runs", Some("{not json"));
    assert_eq!(status, 400, "{body}");
    assert!(
        json_of(&body)["error"].as_str().unwrap().contains("JSON"),
        "{body}"
    );

    let (status, body) = http(a, "POST", "/api/runs", Some(r#"{"scenario": 3}"#));
    assert_eq!(status, 400, "{body}");

    let (status, body) = post_run(a, &json!({"scenario": "tiny", "colour": "red"}));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("colour"), "{body}");

    let (status, body) = post_run(a, &json!({"scenario": "nope"}));
    assert_eq!(status, 404);
    let e = body["error"].as_str().unwrap();
    assert!(
        e.contains("unknown scenario `nope`") && e.contains("tiny"),
        "{e}"
    );

    let (status, body) = post_run(a, &json!({"scenario": "../tiny"}));
    assert_eq!(status, 404, "{body}");

    // An unknown key and a value out of range: the message names the key
    // path and the rule, as `--set` does.
    let (status, body) = post_run(
        a,
        &json!({"scenario": "tiny", "set": {"platforms[0].comission": 0.2}}),
    );
    assert_eq!(status, 400);
    let e = body["error"].as_str().unwrap();
    assert!(
        e.contains("platforms[0].comission") && e.contains("commission"),
        "{e}"
    );
    let (status, body) = post_run(
        a,
        &json!({"scenario": "tiny", "set": {"platforms[1].commission": 3}}),
    );
    assert_eq!(status, 400);
    let e = body["error"].as_str().unwrap();
    assert!(
        e.contains("platforms[1].commission") && e.contains("between 0 and 1"),
        "{e}"
    );
    let (status, body) = post_run(a, &json!({"scenario": "tiny", "set": {"seed": null}}));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("seed"), "{body}");
    let (status, body) = post_run(a, &json!({"scenario": "tiny", "set": {"a..b": 1}}));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("a..b"), "{body}");

    // tiny is 500 consumers × 20 days × 3 replications = 30 000; five
    // replications pass the cap of 40 000.
    let (status, body) = post_run(a, &json!({"scenario": "tiny", "set": {"replications": 5}}));
    assert_eq!(status, 422);
    let e = body["error"].as_str().unwrap();
    assert!(
        e.contains("50000") && e.contains("40000") && e.contains("replications"),
        "{e}"
    );

    let (status, body) = post_run(a, &json!({"scenario": "tiny", "day_ms": 5000}));
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("day_ms"), "{body}");

    for (method, path, want) in [
        ("GET", "/api/runs/999", 404),
        ("GET", "/api/runs/abc", 400),
        ("POST", "/api/runs/999/stop", 404),
        ("GET", "/api/scenarios/nope", 404),
        ("GET", "/api/nothing", 404),
        ("GET", "/api/runs/999/events", 404),
    ] {
        let (status, body) = http(a, method, path, None);
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(
            json_of(&body)["error"].is_string(),
            "{method} {path}: {body}"
        );
    }

    // Still serving after all that.
    let (status, body) = http(a, "GET", "/api/scenarios", None);
    assert_eq!(status, 200);
    let list = json_of(&body);
    assert_eq!(list["scenarios"][0]["id"], "tiny");
    assert_eq!(list["scenarios"][0]["platforms"], json!(["Alpha", "Beta"]));
    let (status, body) = http(a, "GET", "/api/scenarios/tiny", None);
    assert_eq!(status, 200);
    let levers = json_of(&body);
    let coupon = levers["levers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["key"] == "platforms[1].subsidy")
        .expect("a coupon lever for Beta");
    assert_eq!(coupon["unit"], "yuan per order");
    assert_eq!(coupon["value"]["per_order"], json!(6.0));
}

#[test]
fn serve_streams_the_days_of_the_same_simulation_as_run() {
    let dir = tiny_dir("serve-stream");
    let server = Server::start(dir.path(), &[]);
    let set = json!({"replications": 2, "platforms[1].subsidy": [{"from_day": 0, "to_day": 10, "per_order": 3.0}]});
    let (status, run) = post_run(server.addr, &json!({"scenario": "tiny", "set": set}));
    assert_eq!(status, 202, "{run}");
    let id = run["id"].as_u64().unwrap();
    let mut events = Events::open(server.addr, id);
    let mut days = Vec::new();
    let mut done = None;
    while let Some((kind, data)) = events.next() {
        match kind.as_str() {
            "day" => days.push(data),
            "done" => done = Some(data),
            "status" => assert_eq!(data["id"], id),
            other => panic!("unexpected {other}: {data}"),
        }
    }
    let done = done.expect("a done event closes the stream");
    assert_eq!(days.len(), 2 * 20, "every day of both replications");

    // The same scenario and overrides through the library.
    let overrides = [
        "replications=2",
        "platforms[1].subsidy=[{from_day=0, to_day=10, per_order=3.0}]",
    ]
    .map(|s| flywheel::scenario::Override::parse(s, "test").unwrap());
    let s = flywheel::scenario::load(&dir.path().join("tiny.toml"), &overrides).unwrap();
    let runs = flywheel::runner::run_all(&s, &Default::default(), &|| {}).unwrap();
    for d in &days {
        let rep = d["rep"].as_u64().unwrap() as usize;
        let day = d["day"].as_u64().unwrap() as usize;
        for p in 0..2 {
            let r = &runs[rep].days[day * 2 + p];
            // JSON numbers are read back to within an ulp or so.
            assert!((d["share"][p].as_f64().unwrap() - r.share).abs() < 1e-12);
            assert_eq!(d["orders"][p].as_u64().unwrap(), r.flows.orders);
            assert!((d["cash"][p].as_f64().unwrap() - r.cash.as_major()).abs() < 1e-6);
        }
    }
    let summary = &done["result"]["summary"];
    let mean_final = (runs[0].summary[1].final_share + runs[1].summary[1].final_share) / 2.0;
    assert!((summary[1]["final_share"].as_f64().unwrap() - mean_final).abs() < 1e-12);
    let fetched = run_status(server.addr, id);
    assert_eq!(fetched["status"], "done");
    assert_eq!(fetched["result"]["summary"], *summary);
    assert!(fetched["first_day_ms"].as_f64().is_some());
}

#[test]
fn serve_queues_runs_beyond_the_bound_and_refuses_beyond_the_queue() {
    let dir = tiny_dir("serve-queue");
    let server = Server::start(dir.path(), &["--max-runs", "1", "--queue", "1"]);
    let a = server.addr;
    // 20 days at 200 ms: long enough to be running while the others arrive.
    let slow = json!({"scenario": "tiny", "day_ms": 200});
    let (status, first) = post_run(a, &slow);
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["status"], "running");
    let (status, second) = post_run(a, &json!({"scenario": "tiny", "set": {"replications": 1}}));
    assert_eq!(status, 202, "{second}");
    assert_eq!(second["status"], "queued");
    assert_eq!(second["position"], 1);
    let (status, third) = post_run(a, &slow);
    assert_eq!(status, 429, "{third}");
    assert!(third["error"].as_str().unwrap().contains("busy"), "{third}");

    let first_id = first["id"].as_u64().unwrap();
    let second_id = second["id"].as_u64().unwrap();
    assert_eq!(run_status(a, second_id)["status"], "queued");
    let (status, body) = http(a, "POST", &format!("/api/runs/{first_id}/stop"), None);
    assert_eq!(status, 200, "{body}");
    let stopped = wait_for(a, first_id, "stopped");
    assert!(stopped["result"].is_null());
    // The slot passes to the queued run, which finishes.
    let done = wait_for(a, second_id, "done");
    assert_eq!(done["result"]["replications"], 1);
    // Room again.
    let (status, again) = post_run(a, &json!({"scenario": "tiny", "set": {"replications": 1}}));
    assert_eq!(status, 202, "{again}");
    wait_for(a, again["id"].as_u64().unwrap(), "done");
}

#[test]
fn serve_stops_a_run_whose_page_goes_away() {
    let dir = tiny_dir("serve-close");
    let server = Server::start(dir.path(), &["--max-runs", "1"]);
    let (status, run) = post_run(server.addr, &json!({"scenario": "tiny", "day_ms": 200}));
    assert_eq!(status, 202, "{run}");
    let id = run["id"].as_u64().unwrap();
    let mut events = Events::open(server.addr, id);
    loop {
        let (kind, _) = events.next().expect("events");
        if kind == "day" {
            break;
        }
    }
    drop(events); // the tab closes
    let stopped = wait_for(server.addr, id, "stopped");
    assert!(stopped["result"].is_null());
}

#[test]
fn serve_stops_a_queued_run_at_once() {
    let dir = tiny_dir("serve-stop-queued");
    let server = Server::start(dir.path(), &["--max-runs", "1"]);
    let a = server.addr;
    let (_, first) = post_run(a, &json!({"scenario": "tiny", "day_ms": 200}));
    let (_, second) = post_run(a, &json!({"scenario": "tiny"}));
    assert_eq!(second["status"], "queued");
    let second_id = second["id"].as_u64().unwrap();
    let (status, body) = http(a, "POST", &format!("/api/runs/{second_id}/stop"), None);
    assert_eq!(status, 200);
    assert_eq!(json_of(&body)["status"], "stopped");
    let first_id = first["id"].as_u64().unwrap();
    http(a, "POST", &format!("/api/runs/{first_id}/stop"), None);
    wait_for(a, first_id, "stopped");
    // The stopped queued run never ran.
    let s = run_status(a, second_id);
    assert_eq!(s["status"], "stopped");
    assert!(s["first_day_ms"].is_null());
}

#[test]
fn serve_refuses_an_unreadable_scenario_directory_with_exit_code_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args(["serve", "--port", "0", "--scenarios", "/nonexistent/dir"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/dir"), "{err}");
}
