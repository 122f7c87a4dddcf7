//! Classroom runs: a request is checked like `--set` and against the size
//! cap, then either starts at once (fewer than [`Limits::concurrent`] runs
//! simulating), waits in a first-come queue (at most [`Limits::queue`]), or
//! is refused. Each run simulates on its own thread, one replication after
//! another, and appends every closed day to its event log; readers of the
//! log (the page's event stream) are woken by a version counter.
//!
//! A run's events, in order: `status` (queued with its place, then
//! running), `day` (one per simulated day of every replication), and one
//! closing event: `done` (with the results), `stopped` or `failed`.
//!
//! The stop flag is checked by the simulation at each day's end, so a stop
//! takes effect within one simulated day; a queued run that is stopped
//! leaves the queue at once.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::metrics::DayRecord;
use crate::metrics::RunOutput;
use crate::metrics::lending::LenderDay;
use crate::resources::{self, Machine};
use crate::runner::{RunError, RunOptions, run_one_observed};
use crate::scenario::{self, Override, Scenario};

use super::levers;

/// Caps on classroom runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Runs simulating at once (each on one core).
    pub concurrent: usize,
    /// Runs waiting for a turn; more are refused.
    pub queue: usize,
    /// Largest run: consumers × days × replications.
    pub max_size: u64,
    /// Largest number of simulated days streamed by one run: days ×
    /// replications.
    pub max_days: u64,
    /// Finished runs kept for `GET /api/runs/{id}` (oldest dropped first).
    pub keep: usize,
}

impl Default for Limits {
    /// One run per core, 16 waiting, 100 million consumer-days (the
    /// largest shipped classroom scenarios fit), 20 000 streamed days.
    fn default() -> Limits {
        Limits {
            concurrent: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 16,
            max_size: 100_000_000,
            max_days: 20_000,
            keep: 64,
        }
    }
}

/// A request to start a run (the body of `POST /api/runs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Scenario id (file name without `.toml`).
    pub scenario: String,
    /// Scenario keys to set, key path → value, checked like `--set`.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// Milliseconds to wait after each simulated day of the first
    /// replication (0 to [`MAX_DAY_MS`]), so a class can watch a fast run
    /// unfold; the other replications run at full speed.
    #[serde(default)]
    pub day_ms: u64,
}

/// Longest wait after a simulated day that a request may ask for.
pub const MAX_DAY_MS: u64 = 1000;

/// A refused request, by kind (the API maps each to an HTTP status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The request is malformed or a key or value is invalid (400).
    #[error("{0}")]
    Invalid(String),
    /// No such scenario or run (404).
    #[error("{0}")]
    NotFound(String),
    /// The run is larger than a classroom run may be (422).
    #[error("{0}")]
    TooLarge(String),
    /// Every slot and queue place is taken (429).
    #[error("{0}")]
    Busy(String),
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for a free slot.
    Queued,
    /// Simulating.
    Running,
    /// Finished; results available.
    Done,
    /// Stopped before finishing (stop request or closed page).
    Stopped,
    /// Failed its own consistency checks (an internal error).
    Failed,
}

impl Status {
    fn finished(self) -> bool {
        matches!(self, Status::Done | Status::Stopped | Status::Failed)
    }
}

/// One event of a run's log: its kind (`status`, `day`, `done`, `stopped`,
/// `failed`) and JSON data.
#[derive(Debug, Clone)]
pub struct RunEvent {
    /// Event kind.
    pub kind: &'static str,
    /// JSON text.
    pub data: String,
}

#[derive(Debug)]
struct Log {
    status: Status,
    events: Vec<RunEvent>,
    result: Option<Value>,
    error: Option<String>,
    /// Milliseconds from the request to the first simulated day.
    first_day_ms: Option<f64>,
}

/// One run: what was asked, and its log.
#[derive(Debug)]
pub struct Run {
    /// Run id.
    pub id: u64,
    /// Scenario id.
    pub scenario: String,
    /// The keys set, key path → value as given.
    pub set: BTreeMap<String, Value>,
    /// Platform names.
    pub platforms: Vec<String>,
    /// Lender names.
    pub lenders: Vec<String>,
    /// Days per replication.
    pub days: u32,
    /// Replications.
    pub replications: u32,
    /// Master seed.
    pub seed: u64,
    day_ms: u64,
    stop: AtomicBool,
    watchers: AtomicUsize,
    created: Instant,
    log: Mutex<Log>,
    version: tokio::sync::watch::Sender<u64>,
}

impl Run {
    fn log(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock leaves a log that is still
        // well-formed (appends are single pushes): keep serving it.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, kind: &'static str, data: Value) {
        let mut log = self.log();
        if kind == "day" && log.first_day_ms.is_none() {
            log.first_day_ms = Some(self.created.elapsed().as_secs_f64() * 1000.0);
        }
        log.events.push(RunEvent {
            kind,
            data: data.to_string(),
        });
        drop(log);
        self.version.send_modify(|v| *v += 1);
    }

    fn set_status(&self, status: Status, extra: Value) {
        self.log().status = status;
        let mut data = json!({"id": self.id, "status": status});
        if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
            d.extend(e);
        }
        let kind = match status {
            Status::Queued | Status::Running => "status",
            Status::Done => "done",
            Status::Stopped => "stopped",
            Status::Failed => "failed",
        };
        self.push(kind, data);
    }

    /// The run's status.
    pub fn status(&self) -> Status {
        self.log().status
    }

    /// Event `i` of the log if there is one yet, and whether the log is
    /// complete.
    pub fn event(&self, i: usize) -> (Option<RunEvent>, bool) {
        let log = self.log();
        (log.events.get(i).cloned(), log.status.finished())
    }

    /// A receiver woken whenever the log grows.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// The run as JSON: what was asked, where it is, and its results once
    /// done.
    pub fn to_json(&self, position: Option<usize>) -> Value {
        let log = self.log();
        json!({
            "id": self.id,
            "scenario": self.scenario,
            "set": self.set,
            "status": log.status,
            "position": position,
            "platforms": self.platforms,
            "lenders": self.lenders,
            "days": self.days,
            "replications": self.replications,
            "seed": self.seed,
            "first_day_ms": log.first_day_ms,
            "error": log.error,
            "result": log.result,
        })
    }
}

/// A page watching a run; when the last one goes (a closed tab), an
/// unfinished run is stopped.
#[derive(Debug)]
pub struct Watcher {
    run: Arc<Run>,
    registry: Arc<Registry>,
}

impl Watcher {
    /// The run watched.
    pub fn run(&self) -> &Arc<Run> {
        &self.run
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if self.run.watchers.fetch_sub(1, Ordering::SeqCst) == 1 && !self.run.status().finished() {
            self.registry.stop(self.run.id);
        }
    }
}

/// The slots in use and the queue; a waiting run keeps the scenario it
/// was checked with, so it starts exactly as it was accepted.
#[derive(Debug, Default)]
struct Slots {
    running: usize,
    waiting: VecDeque<(Arc<Run>, Scenario)>,
}

/// Every run of the server, the queue, and the slots.
#[derive(Debug)]
pub struct Registry {
    dir: PathBuf,
    limits: Limits,
    next_id: AtomicU64,
    runs: Mutex<BTreeMap<u64, Arc<Run>>>,
    slots: Mutex<Slots>,
}

impl Registry {
    /// A registry serving the scenarios of `dir` under `limits`.
    pub fn new(dir: PathBuf, limits: Limits) -> Arc<Registry> {
        Arc::new(Registry {
            dir,
            limits,
            next_id: AtomicU64::new(1),
            runs: Mutex::new(BTreeMap::new()),
            slots: Mutex::new(Slots::default()),
        })
    }

    /// The scenario directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The caps.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn runs(&self) -> MutexGuard<'_, BTreeMap<u64, Arc<Run>>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn slots(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Run `id`.
    pub fn get(&self, id: u64) -> Result<Arc<Run>, Refusal> {
        self.runs().get(&id).cloned().ok_or_else(|| {
            Refusal::NotFound(format!(
                "no run {id} (finished runs are kept for a while, then dropped)"
            ))
        })
    }

    /// Place of run `id` in the queue (1 = next), if it waits.
    pub fn position(&self, id: u64) -> Option<usize> {
        self.slots()
            .waiting
            .iter()
            .position(|(r, _)| r.id == id)
            .map(|i| i + 1)
    }

    /// Registers a page watching run `id` (see [`Watcher`]).
    pub fn watch(self: &Arc<Self>, id: u64) -> Result<Watcher, Refusal> {
        let run = self.get(id)?;
        run.watchers.fetch_add(1, Ordering::SeqCst);
        Ok(Watcher {
            run,
            registry: Arc::clone(self),
        })
    }

    /// Checks `request` and starts its run or queues it.
    pub fn start(self: &Arc<Self>, request: RunRequest) -> Result<Arc<Run>, Refusal> {
        if request.day_ms > MAX_DAY_MS {
            return Err(Refusal::Invalid(format!(
                "day_ms: must be 0 to {MAX_DAY_MS} milliseconds, got {}",
                request.day_ms
            )));
        }
        let path = levers::path_of(&self.dir, &request.scenario)
            .ok_or_else(|| Refusal::NotFound(levers::unknown(&self.dir, &request.scenario)))?;
        let overrides = overrides(&request.set)?;
        let scenario =
            scenario::load(&path, &overrides).map_err(|e| Refusal::Invalid(e.to_string()))?;
        self.check_size(&scenario)?;
        let run = Arc::new(Run {
            id: self.next_id.fetch_add(1, Ordering::SeqCst),
            scenario: request.scenario,
            set: request.set,
            platforms: scenario.platforms.iter().map(|p| p.name.clone()).collect(),
            lenders: scenario.lenders.iter().map(|l| l.name.clone()).collect(),
            days: scenario.horizon_days,
            replications: scenario.replications,
            seed: scenario.seed,
            day_ms: request.day_ms,
            stop: AtomicBool::new(false),
            watchers: AtomicUsize::new(0),
            created: Instant::now(),
            log: Mutex::new(Log {
                status: Status::Queued,
                events: Vec::new(),
                result: None,
                error: None,
                first_day_ms: None,
            }),
            version: tokio::sync::watch::Sender::new(0),
        });
        let mut slots = self.slots();
        if slots.running < self.limits.concurrent {
            slots.running += 1;
            drop(slots);
            self.insert(&run);
            self.launch(Arc::clone(&run), scenario);
        } else if slots.waiting.len() < self.limits.queue {
            slots.waiting.push_back((Arc::clone(&run), scenario));
            let position = slots.waiting.len();
            drop(slots);
            self.insert(&run);
            run.set_status(Status::Queued, json!({"position": position}));
        } else {
            return Err(Refusal::Busy(format!(
                "the classroom is busy: {} runs simulating and {} waiting (the most allowed); try again in a moment",
                slots.running,
                slots.waiting.len()
            )));
        }
        Ok(run)
    }

    fn check_size(&self, s: &Scenario) -> Result<(), Refusal> {
        let size =
            u64::from(s.market.consumers) * u64::from(s.horizon_days) * u64::from(s.replications);
        if size > self.limits.max_size {
            return Err(Refusal::TooLarge(format!(
                "run too large for the classroom: market.consumers × horizon_days × replications = {} × {} × {} = {size}, over the cap of {}; lower replications or market.consumers",
                s.market.consumers, s.horizon_days, s.replications, self.limits.max_size
            )));
        }
        let days = u64::from(s.horizon_days) * u64::from(s.replications);
        if days > self.limits.max_days {
            return Err(Refusal::TooLarge(format!(
                "run too long for the classroom: horizon_days × replications = {} × {} = {days} simulated days, over the cap of {}; lower replications",
                s.horizon_days, s.replications, self.limits.max_days
            )));
        }
        resources::check_runs(&[s], 1, Machine::this())
            .map_err(|e| Refusal::TooLarge(format!("run too large for this machine's memory: {e}")))
    }

    fn insert(&self, run: &Arc<Run>) {
        let mut runs = self.runs();
        runs.insert(run.id, Arc::clone(run));
        // Drop the oldest finished runs beyond the number kept.
        let finished: Vec<u64> = runs
            .values()
            .filter(|r| r.status().finished())
            .map(|r| r.id)
            .collect();
        let excess = finished.len().saturating_sub(self.limits.keep);
        for id in finished.into_iter().take(excess) {
            runs.remove(&id);
        }
    }

    /// Asks run `id` to stop: a queued run leaves the queue at once, a
    /// running one stops at its next day's end. Stopping a finished run
    /// changes nothing.
    pub fn stop(&self, id: u64) -> Option<Arc<Run>> {
        let run = self.runs().get(&id).cloned()?;
        run.stop.store(true, Ordering::SeqCst);
        let mut slots = self.slots();
        if let Some(i) = slots.waiting.iter().position(|(r, _)| r.id == id) {
            slots.waiting.remove(i);
            let rest = waiting_runs(&slots);
            drop(slots);
            run.set_status(Status::Stopped, json!({"reason": "stopped while queued"}));
            announce_positions(&rest);
        }
        Some(run)
    }

    /// Starts the simulation thread of `run`, which holds a slot.
    fn launch(self: &Arc<Self>, run: Arc<Run>, scenario: Scenario) {
        run.set_status(Status::Running, json!({}));
        let registry = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name(format!("run-{}", run.id))
            .spawn({
                let run = Arc::clone(&run);
                move || {
                    simulate(&run, &scenario);
                    registry.release();
                }
            });
        if let Err(e) = spawned {
            run.log().error = Some(e.to_string());
            run.set_status(
                Status::Failed,
                json!({"error": format!("cannot start a thread: {e}")}),
            );
            self.release();
        }
    }

    /// Frees a slot and starts the next waiting run that is still wanted.
    fn release(self: &Arc<Self>) {
        let mut slots = self.slots();
        slots.running = slots.running.saturating_sub(1);
        while let Some((next, scenario)) = slots.waiting.pop_front() {
            if next.stop.load(Ordering::SeqCst) {
                continue;
            }
            slots.running += 1;
            let rest = waiting_runs(&slots);
            drop(slots);
            self.launch(next, scenario);
            announce_positions(&rest);
            return;
        }
    }
}

/// Tells every waiting run its new place in the queue.
fn announce_positions(waiting: &[Arc<Run>]) {
    for (i, r) in waiting.iter().enumerate() {
        r.set_status(Status::Queued, json!({"position": i + 1}));
    }
}

fn waiting_runs(slots: &Slots) -> Vec<Arc<Run>> {
    slots.waiting.iter().map(|(r, _)| Arc::clone(r)).collect()
}

/// The overrides of a request's `set`, each checked as `--set KEY=VALUE`
/// would be; the message names the key.
pub fn overrides(set: &BTreeMap<String, Value>) -> Result<Vec<Override>, Refusal> {
    set.iter()
        .map(|(key, value)| {
            let origin = format!("set {key}");
            let value = toml_value(value)
                .map_err(|rule| Refusal::Invalid(format!("set `{key}`: {rule}")))?;
            // Through the same parser as `--set`, so a key path is
            // accepted here exactly when it is there.
            let mut o = Override::parse(&format!("{key}=0"), &origin)
                .map_err(|e| Refusal::Invalid(format!("set `{key}`: {e}")))?;
            o.value = value;
            Ok(o)
        })
        .collect()
}

/// A JSON value as the TOML value a scenario file would hold.
fn toml_value(v: &Value) -> Result<toml::Value, String> {
    Ok(match v {
        Value::Null => return Err("null is not a value; leave the key out instead".into()),
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(
                n.as_f64()
                    .ok_or_else(|| format!("{n} is not a number TOML can hold"))?,
            ),
        },
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().map(toml_value).collect::<Result<_, _>>()?),
        Value::Object(o) => toml::Value::Table(
            o.iter()
                .map(|(k, v)| Ok((k.clone(), toml_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// One day of one replication as the page charts it: per platform share,
/// orders, cumulative burn and cash (yuan); per lender NPL ratio.
fn day_event(rep: u32, days: &[DayRecord], lenders: &[LenderDay]) -> Value {
    json!({
        "rep": rep,
        "day": days.first().map_or(0, |d| d.day),
        "share": days.iter().map(|d| d.share).collect::<Vec<_>>(),
        "orders": days.iter().map(|d| d.flows.orders).collect::<Vec<_>>(),
        "burn": days.iter().map(|d| d.cumulative_burn.as_major()).collect::<Vec<_>>(),
        "cash": days.iter().map(|d| d.cash.as_major()).collect::<Vec<_>>(),
        "npl": lenders.iter().map(LenderDay::npl_ratio).collect::<Vec<_>>(),
    })
}

/// Simulates every replication of `run` in turn, logging each day, then
/// logs the closing event.
fn simulate(run: &Run, scenario: &Scenario) {
    let started = Instant::now();
    let options = RunOptions {
        threads: 1,
        journal: false,
    };
    let mut outputs = Vec::with_capacity(scenario.replications as usize);
    for rep in 0..scenario.replications {
        let observe = |days: &[DayRecord], lenders: &[LenderDay]| {
            run.push("day", day_event(rep, days, lenders));
            // Only the first replication is drawn live, so only it is
            // slowed down for watching.
            if rep == 0 && run.day_ms > 0 && !run.stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(run.day_ms));
            }
        };
        match run_one_observed(scenario, rep, &options, &observe, &run.stop) {
            Ok(out) => outputs.push(out),
            Err(RunError::Interrupted { .. }) => {
                run.set_status(
                    Status::Stopped,
                    json!({"reason": "stopped", "replication": rep}),
                );
                return;
            }
            Err(e) => {
                run.log().error = Some(e.to_string());
                run.set_status(Status::Failed, json!({"error": e.to_string()}));
                return;
            }
        }
    }
    let result = results(run, &outputs, started.elapsed().as_secs_f64());
    run.log().result = Some(result.clone());
    run.set_status(Status::Done, json!({"result": result}));
}

/// The mean over replications of each daily series, and a summary per
/// platform.
fn results(run: &Run, outputs: &[RunOutput], wall_seconds: f64) -> Value {
    let n = outputs.len().max(1) as f64;
    let days = run.days as usize;
    let np = run.platforms.len();
    let nl = run.lenders.len();
    let mean_series = |count: usize, value: &dyn Fn(&RunOutput, usize, usize) -> Option<f64>| {
        (0..count)
            .map(|p| {
                (0..days)
                    .map(|d| outputs.iter().filter_map(|o| value(o, p, d)).sum::<f64>() / n)
                    .collect::<Vec<f64>>()
            })
            .collect::<Vec<_>>()
    };
    // Daily records are day-major: [day * platforms + platform].
    let rec = |o: &RunOutput, p: usize, d: usize| o.days.get(d * np + p).copied();
    let summary: Vec<Value> = (0..np)
        .map(|p| {
            let of = |f: &dyn Fn(&crate::metrics::PlatformSummary) -> f64| {
                outputs
                    .iter()
                    .filter_map(|o| o.summary.get(p))
                    .map(f)
                    .sum::<f64>()
                    / n
            };
            json!({
                "platform": run.platforms[p],
                "final_share": of(&|s| s.final_share),
                "cumulative_burn": of(&|s| s.cumulative_burn.as_major()),
                "final_cash": of(&|s| s.final_cash.as_major()),
                "orders": of(&|s| s.flows.orders as f64),
                "exited": outputs.iter().filter(|o| o.summary.get(p).is_some_and(|s| s.exit_day.is_some())).count(),
            })
        })
        .collect();
    json!({
        "replications": outputs.len(),
        "wall_seconds": wall_seconds,
        "summary": summary,
        "mean": {
            "share": mean_series(np, &|o, p, d| rec(o, p, d).map(|r| r.share)),
            "orders": mean_series(np, &|o, p, d| rec(o, p, d).map(|r| r.flows.orders as f64)),
            "burn": mean_series(np, &|o, p, d| rec(o, p, d).map(|r| r.cumulative_burn.as_major())),
            "cash": mean_series(np, &|o, p, d| rec(o, p, d).map(|r| r.cash.as_major())),
            "npl": mean_series(nl, &|o, l, d| o.lender_days.get(d * nl + l).map(LenderDay::npl_ratio)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_become_the_toml_a_file_would_hold() {
        let v = json!([{"from_day": 0, "to_day": 30, "per_order": 2.5}]);
        let t = toml_value(&v).unwrap();
        let window = &t.as_array().unwrap()[0];
        assert_eq!(window["from_day"].as_integer(), Some(0));
        assert_eq!(window["per_order"].as_float(), Some(2.5));
        assert_eq!(toml_value(&json!(true)).unwrap().as_bool(), Some(true));
        assert!(toml_value(&json!({"a": null})).is_err());
    }

    #[test]
    fn overrides_are_checked_like_set_and_name_the_key() {
        let mut set = BTreeMap::new();
        set.insert("platforms[0].commission".to_string(), json!(0.2));
        let o = overrides(&set).unwrap();
        assert_eq!(o[0].path, "platforms[0].commission");
        assert_eq!(o[0].value.as_float(), Some(0.2));
        assert_eq!(o[0].origin, "set platforms[0].commission");
        set.insert("platforms[".to_string(), json!(1));
        match overrides(&set) {
            Err(Refusal::Invalid(m)) => assert!(m.contains("`platforms[`"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lending_off_is_a_valid_scenario_without_lenders() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/lending_platform_vs_bank.toml");
        let mut set = BTreeMap::new();
        set.insert("lenders".to_string(), json!([]));
        let with = scenario::load(&path, &[]).unwrap();
        let without = scenario::load(&path, &overrides(&set).unwrap()).unwrap();
        assert!(!with.lenders.is_empty());
        assert!(without.lenders.is_empty());
        assert_eq!(without.platforms.len(), with.platforms.len());
    }
}
