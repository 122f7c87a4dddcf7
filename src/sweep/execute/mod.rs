//! Running a sweep (or one shard of it) into a directory: decide what is
//! left to do, run it on a rayon pool, journal each run as it finishes,
//! then render the result files from the journal.
//!
//! Every run calls the same [`crate::runner::run_one`] as `flywheel run`;
//! a failing (or panicking) run is journalled as a failure and the sweep
//! goes on. Raising the `stop` flag (Ctrl-C) stops new runs from starting;
//! the runs in flight finish and are journalled, and the sweep reports
//! itself interrupted without writing result files, to be finished with
//! `--resume`.

use std::collections::BTreeSet;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::files::{
    self, AGGREGATE_CSV, FAILURES_CSV, JOURNAL, POINTS_CSV, PointTable, RUNS_CSV, SweepManifest,
};
use super::journal::{self, FORMAT, Header, Journal, PlatformRow, Record};
use super::{Shard, Sweep, SweepError, SweepSpec};
use crate::metrics::columns::{cells, names};
use crate::metrics::tables::{SUMMARY_METRICS, lender_summary_cells};
use crate::metrics::write::{Build, Cost, MANIFEST, override_texts};
use crate::metrics::{HEADLINES, RunOutput, own_row_lenders};
use crate::rng::replication_seed;
use crate::runner::{RunOptions, run_one};
use crate::scenario::{RawScenario, Scenario};

/// How to run a sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// The slice of the sweep to run.
    pub shard: Shard,
    /// Continue the sweep journalled in the output directory, if any.
    pub resume: bool,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            threads: 0,
            shard: Shard::ALL,
            resume: false,
        }
    }
}

/// Progress of a sweep, reported to the caller as it happens (from worker
/// threads).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Work is about to start.
    Planned {
        /// Runs to do now.
        runs: u64,
        /// Runs of this shard already finished (found in the journal).
        already_done: u64,
        /// Simulated days over the runs to do (one [`Event::DayClosed`]
        /// each).
        days: u64,
    },
    /// A run closed a simulated day.
    DayClosed,
    /// A run finished and was journalled.
    RunFinished {
        /// Point id.
        point: u32,
        /// Replication.
        replication: u32,
        /// Why it failed, if it did.
        error: Option<String>,
    },
}

/// A finished sweep or shard.
#[derive(Debug, Clone)]
pub struct SweepReport {
    /// The output directory.
    pub dir: PathBuf,
    /// The slice that was run.
    pub shard: Shard,
    /// Points in the sweep.
    pub points: u32,
    /// Replications per point.
    pub replications: u32,
    /// Runs this directory is responsible for.
    pub runs_in_shard: u64,
    /// Runs that finished.
    pub succeeded: u64,
    /// Runs that failed (in `failures.csv`).
    pub failed: u64,
    /// Runs found finished and skipped (`--resume`).
    pub resumed: u64,
    /// Wall-clock seconds of this invocation.
    pub wall_seconds: f64,
    /// Files written.
    pub files: Vec<&'static str>,
}

/// How a sweep ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every run of the shard is journalled and the files are written.
    Complete(SweepReport),
    /// Stopped early on request; the journal holds what finished.
    Interrupted {
        /// Runs of the shard journalled as finished (now and before).
        finished: u64,
        /// Runs in the shard.
        runs_in_shard: u64,
    },
}

/// A function that runs replication `r` of a scenario, calling the
/// callback after each simulated day.
pub(crate) type RunFn<'a> =
    dyn Fn(&Scenario, u32, &(dyn Fn() + Sync)) -> Result<RunOutput, String> + Sync + 'a;

/// Runs the sweep's runs of `options.shard` into `out` with
/// [`run_one`]; see [`super`] for the files written.
pub fn run_sweep(
    sweep: &Sweep,
    out: &Path,
    options: &SweepOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
) -> Result<Outcome, SweepError> {
    let run = |s: &Scenario, r: u32, day: &(dyn Fn() + Sync)| {
        let opts = RunOptions {
            threads: 1,
            journal: false,
        };
        run_one(s, r, &opts, day).map_err(|e| e.to_string())
    };
    run_sweep_with(sweep, out, options, stop, on_event, &run)
}

/// Files a sweep directory may hold, and their temporary names.
fn owned_files() -> Vec<String> {
    let names = [
        POINTS_CSV,
        RUNS_CSV,
        AGGREGATE_CSV,
        FAILURES_CSV,
        JOURNAL,
        MANIFEST,
    ];
    names
        .iter()
        .flat_map(|n| [n.to_string(), format!(".{n}.partial")])
        .collect()
}

/// Gets `out` ready; returns whether an existing journal is to be resumed.
fn prepare(out: &Path, resume: bool) -> Result<bool, SweepError> {
    let shown = out.display();
    if !out.exists() {
        fs::create_dir_all(out).map_err(SweepError::io("create", out))?;
        return Ok(false);
    }
    if !out.is_dir() {
        return Err(SweepError::Refused(format!(
            "`{shown}` exists and is not a directory; choose another --out"
        )));
    }
    let empty = fs::read_dir(out)
        .map_err(SweepError::io("read", out))?
        .next()
        .is_none();
    if empty {
        return Ok(false);
    }
    let has_journal = out.join(JOURNAL).is_file();
    let has_manifest = out.join(MANIFEST).is_file();
    let sweep_manifest = SweepManifest::read(out).is_some();
    match (resume, has_journal, has_manifest) {
        (true, true, _) => Ok(true),
        (false, true, false) => Err(SweepError::Refused(format!(
            "`{shown}` holds an unfinished sweep (a journal without a manifest): add --resume \
             to finish it, or remove the directory to start again"
        ))),
        (_, _, true) if !sweep_manifest => Err(SweepError::Refused(format!(
            "`{shown}` holds results that are not a sweep's; choose another --out"
        ))),
        (true, false, true) => Err(SweepError::Refused(format!(
            "`{shown}` holds merged sweep results, which have no journal to resume; \
             run without --resume to replace them, or choose another --out"
        ))),
        (false, _, true) => {
            // A finished sweep: replace it, leaving files that are not ours.
            for name in owned_files() {
                let p = out.join(name);
                if p.exists() {
                    fs::remove_file(&p).map_err(SweepError::io("remove", &p))?;
                }
            }
            Ok(false)
        }
        (_, false, false) => Err(SweepError::Refused(format!(
            "output directory `{shown}` exists and is not a Flywheel sweep directory \
             (no journal.jsonl or manifest.json); choose another --out"
        ))),
    }
}

/// What determines a sweep's results, hashed into its fingerprint.
#[derive(Serialize)]
struct FingerprintInput<'a> {
    flywheel_version: &'a str,
    scenario: &'a RawScenario,
    sweep: &'a SweepSpec,
    metric_columns: Vec<&'a str>,
    headlines: Vec<&'a str>,
}

pub(crate) fn fingerprint(sweep: &Sweep) -> String {
    let input = FingerprintInput {
        flywheel_version: env!("CARGO_PKG_VERSION"),
        scenario: &sweep.raw,
        sweep: &sweep.spec,
        metric_columns: names(&SUMMARY_METRICS).collect(),
        headlines: HEADLINES.iter().map(|h| h.name).collect(),
    };
    let bytes = serde_json::to_vec(&input).unwrap_or_default();
    files::fnv1a(&bytes)
}

pub(crate) fn header(sweep: &Sweep, shard: Shard) -> Header {
    Header {
        format: FORMAT.into(),
        flywheel_version: env!("CARGO_PKG_VERSION").into(),
        scenario: sweep.base.name.clone(),
        fingerprint: fingerprint(sweep),
        shard,
        points: sweep.points.len() as u32,
        replications: sweep.spec.replications,
        platforms: sweep
            .base
            .platforms
            .iter()
            .map(|p| p.name.clone())
            .collect(),
        lenders: own_row_lenders(&sweep.base)
            .into_iter()
            .map(|l| sweep.base.lenders[l].name.clone())
            .collect(),
        overrides: override_texts(sweep.user_overrides()),
        parameters: sweep
            .spec
            .parameters
            .iter()
            .map(|p| p.path.clone())
            .collect(),
        metric_columns: names(&SUMMARY_METRICS).map(str::to_string).collect(),
        headlines: HEADLINES.iter().map(|h| h.name.to_string()).collect(),
    }
}

pub(crate) fn point_table(sweep: &Sweep) -> PointTable {
    PointTable {
        parameters: sweep
            .spec
            .parameters
            .iter()
            .map(|p| p.path.clone())
            .collect(),
        rows: sweep
            .points
            .iter()
            .map(|p| p.values.iter().map(|v| v.to_string()).collect())
            .collect(),
    }
}

/// Why `found` cannot be resumed as `expected`, in words.
fn mismatch(found: &Header, expected: &Header) -> Option<String> {
    if found.shard != expected.shard {
        return Some(format!(
            "it records shard {}, not {}",
            found.shard, expected.shard
        ));
    }
    if found.flywheel_version != expected.flywheel_version {
        return Some(format!(
            "it was written by Flywheel {}, this is {}",
            found.flywheel_version, expected.flywheel_version
        ));
    }
    if found.metric_columns != expected.metric_columns || found.headlines != expected.headlines {
        return Some("it has other summary columns than this Flywheel writes".into());
    }
    if found.overrides != expected.overrides {
        let shown = |o: &[String]| {
            if o.is_empty() {
                "no --set".to_string()
            } else {
                o.iter()
                    .map(|o| format!("--set {o}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        return Some(format!(
            "it was run with {}, this with {}; give the same --set to resume",
            shown(&found.overrides),
            shown(&expected.overrides)
        ));
    }
    if found != expected {
        return Some("the scenario or its [sweep] table has changed since".into());
    }
    None
}

fn record_of(
    point: u32,
    replication: u32,
    seed: u64,
    lenders: &[usize],
    outcome: Result<RunOutput, String>,
) -> Record {
    // Undefined figures (e.g. lending without a lender) are recorded
    // empty and left out of the aggregate.
    let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    match outcome {
        Ok(out) => Record::Run {
            point,
            replication,
            seed: out.seed,
            platforms: out
                .summary
                .iter()
                .map(|s| PlatformRow {
                    fields: cells(&SUMMARY_METRICS, s),
                    headlines: HEADLINES.iter().map(|h| text((h.value)(s))).collect(),
                })
                .collect(),
            lenders: lenders
                .iter()
                .filter_map(|&l| out.lenders.iter().find(|x| x.lender == l))
                .map(|l| PlatformRow {
                    fields: lender_summary_cells(l),
                    headlines: HEADLINES
                        .iter()
                        .map(|h| text(h.lender.and_then(|f| f(l))))
                        .collect(),
                })
                .collect(),
        },
        Err(error) => Record::Failed {
            point,
            replication,
            seed,
            error,
        },
    }
}

/// Runs one (point, replication); never panics. Returns the record and the
/// engine events processed.
fn run_pair(
    sweep: &Sweep,
    point: u32,
    replication: u32,
    run: &RunFn,
    day: &(dyn Fn() + Sync),
) -> (Record, u64) {
    let scenario = match sweep.scenario(point) {
        Ok(s) => s,
        Err(e) => {
            let seed = replication_seed(sweep.base.seed, replication);
            return (
                record_of(point, replication, seed, &[], Err(e.to_string())),
                0,
            );
        }
    };
    let seed = replication_seed(scenario.seed, replication);
    let outcome = match catch_unwind(AssertUnwindSafe(|| run(&scenario, replication, day))) {
        Ok(o) => o,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(format!("the run panicked: {msg}"))
        }
    };
    let events = outcome.as_ref().map_or(0, |o| o.events);
    let lenders = own_row_lenders(&scenario);
    (
        record_of(point, replication, seed, &lenders, outcome),
        events,
    )
}

/// [`run_sweep`] with the run function supplied (tests inject failures).
pub(crate) fn run_sweep_with(
    sweep: &Sweep,
    out: &Path,
    options: &SweepOptions,
    stop: &AtomicBool,
    on_event: &(dyn Fn(Event) + Sync),
    run: &RunFn,
) -> Result<Outcome, SweepError> {
    let started = Instant::now();
    let shard = options.shard;
    let expected = header(sweep, shard);
    let journal_path = out.join(JOURNAL);

    let resuming = prepare(out, options.resume)?;
    let (previous, valid_len) = if resuming {
        let c = journal::read(&journal_path)?;
        match &c.header {
            Some(found) => {
                if let Some(why) = mismatch(found, &expected) {
                    return Err(SweepError::Refused(format!(
                        "cannot resume from `{}`: {why}; remove the directory or choose another --out",
                        journal_path.display()
                    )));
                }
                (c.records, c.valid_len)
            }
            None => (Vec::new(), 0),
        }
    } else {
        (Vec::new(), 0)
    };
    let journal = Journal::open(&journal_path, &expected, valid_len)?;

    let done: BTreeSet<(u32, u32)> = files::latest(previous)
        .into_values()
        .filter(Record::succeeded)
        .map(|r| r.key())
        .collect();
    let reps = sweep.spec.replications;
    let total = sweep.runs();
    let in_shard: Vec<(u32, u32)> = (0..total)
        .filter(|&i| shard.contains(i))
        .map(|i| ((i / u64::from(reps)) as u32, (i % u64::from(reps)) as u32))
        .collect();
    let pending: Vec<(u32, u32)> = in_shard
        .iter()
        .copied()
        .filter(|k| !done.contains(k))
        .collect();
    let resumed = (in_shard.len() - pending.len()) as u64;
    let days = pending
        .iter()
        .map(|&(p, _)| u64::from(sweep.horizons.get(p as usize).copied().unwrap_or(0)))
        .sum();
    on_event(Event::Planned {
        runs: pending.len() as u64,
        already_done: resumed,
        days,
    });

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.min(crate::runner::MAX_THREADS))
        .build()
        .map_err(|e| SweepError::Threads {
            threads: options.threads,
            message: e.to_string(),
        })?;
    let threads = pool.current_num_threads();
    let halt = AtomicBool::new(false);
    let failure: Mutex<Option<SweepError>> = Mutex::new(None);
    let finished_now = AtomicU64::new(0);
    let events = AtomicU64::new(0);
    let day = || on_event(Event::DayClosed);
    pool.install(|| {
        pending
            .par_iter()
            .with_max_len(1)
            .for_each(|&(point, rep)| {
                if stop.load(Ordering::SeqCst) || halt.load(Ordering::SeqCst) {
                    return;
                }
                let (record, n) = run_pair(sweep, point, rep, run, &day);
                events.fetch_add(n, Ordering::Relaxed);
                match journal.append(&record) {
                    Ok(()) => {
                        finished_now.fetch_add(1, Ordering::SeqCst);
                        let error = match record {
                            Record::Failed { error, .. } => Some(error),
                            Record::Run { .. } => None,
                        };
                        on_event(Event::RunFinished {
                            point,
                            replication: rep,
                            error,
                        });
                    }
                    Err(e) => {
                        halt.store(true, Ordering::SeqCst);
                        if let Ok(mut slot) = failure.lock() {
                            slot.get_or_insert(e);
                        }
                    }
                }
            });
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    let finished_now = finished_now.into_inner();
    if finished_now < pending.len() as u64 {
        // Runs were left unstarted: only a stop request does that. Failed
        // runs count as finished here (they are journalled).
        return Ok(Outcome::Interrupted {
            finished: resumed + finished_now,
            runs_in_shard: in_shard.len() as u64,
        });
    }

    // Render from the journal, the one source of every result file.
    let contents = journal::read(&journal_path)?;
    let runs = files::latest(contents.records);
    files::check_records(&expected, &runs, &journal_path)?;
    let points = point_table(sweep);
    let mut put = |name: &str, write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
        files::write_atomically(out, name, write)
    };
    let mut written = files::write_results(&mut put, &expected, &points, &runs, shard.is_all())?;
    written.push(JOURNAL);
    written.push(MANIFEST);
    let succeeded = runs.values().filter(|r| r.succeeded()).count() as u64;
    let failed = runs.len() as u64 - succeeded;
    let wall_seconds = started.elapsed().as_secs_f64();
    let manifest = SweepManifest {
        kind: "sweep".into(),
        build: Build::current(),
        scenario_path: sweep.label().to_string(),
        scenario_name: sweep.base.name.clone(),
        fingerprint: expected.fingerprint.clone(),
        scenario: serde_json::to_value(&sweep.raw).unwrap_or_default(),
        sweep: serde_json::to_value(&sweep.spec).unwrap_or_default(),
        overrides: expected.overrides.clone(),
        scenario_seed: sweep.base.seed,
        design_seed: sweep.spec.seed,
        replication_seeds: (0..reps)
            .map(|r| replication_seed(sweep.base.seed, r))
            .collect(),
        shard,
        merged_from: Vec::new(),
        points: expected.points,
        replications: reps,
        runs_total: total,
        runs_in_shard: in_shard.len() as u64,
        runs_succeeded: succeeded,
        runs_failed: failed,
        runs_resumed: resumed,
        threads,
        cost: Cost::measure(events.into_inner(), wall_seconds),
        files: written.iter().map(|f| f.to_string()).collect(),
    };
    manifest.write(out)?;
    drop(journal);
    Ok(Outcome::Complete(SweepReport {
        dir: out.to_path_buf(),
        shard,
        points: expected.points,
        replications: reps,
        runs_in_shard: in_shard.len() as u64,
        succeeded,
        failed,
        resumed,
        wall_seconds,
        files: written,
    }))
}

#[cfg(test)]
mod tests;
