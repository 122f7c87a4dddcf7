//! The native half of the `flywheel` Python package (`flywheel._flywheel`):
//! loading scenarios, running them, comparing and sweeping them, through
//! the same library functions as the command line, and holding each
//! result as the files the command would write, rendered in memory by the
//! same writers. The Python half (`python/flywheel/`) turns those files
//! into pandas DataFrames with Arrow and gives the functions their
//! keyword arguments.
//!
//! **The GIL and Ctrl-C.** Every simulation runs on a worker thread while
//! the calling thread releases the GIL and waits; every 50 ms (or when the
//! worker finishes) it takes the GIL back briefly to run Python's signal
//! handlers and the progress callback. A Ctrl-C there raises
//! `KeyboardInterrupt` in the caller and raises the library's stop flag,
//! which every replication reads at the end of each simulated day; the
//! worker is joined before the exception propagates, so nothing keeps
//! running behind the interpreter's back.

use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use flywheel::cli::result_files;
use flywheel::compare;
use flywheel::metrics::output::{Manifest, OnRequest, run_files, write_run_file};
use flywheel::metrics::write::{MANIFEST, Staging, replaceable};
use flywheel::runner::{RunError, RunOptions, run_all_until};
use flywheel::scenario::{self, Override, Resolved, ScenarioError, reference};
use flywheel::sweep::{self, Event, Outcome, Sweep, SweepError, SweepOptions, run_sweep};

/// Where a scenario came from: a file, or TOML text given directly.
#[derive(Debug, Clone)]
enum Source {
    /// A scenario file (its `extends` are relative to it).
    Path(PathBuf),
    /// TOML text; `label` names it in messages and manifests.
    Text { text: String, label: String },
}

/// Label of a scenario given as text, in messages and manifests.
const TEXT_LABEL: &str = "<text>";

/// Name of a scenario given as text that sets no `name`.
const TEXT_NAME: &str = "scenario";

impl Source {
    fn resolve(&self, overrides: &[Override]) -> Result<Resolved, ScenarioError> {
        match self {
            Source::Path(p) => scenario::load_resolved(p, overrides),
            Source::Text { text, label } => {
                scenario::parse_resolved(text, label, TEXT_NAME, overrides)
            }
        }
    }

    fn sweep(&self, overrides: &[Override]) -> Result<Sweep, ScenarioError> {
        match self {
            Source::Path(p) => Sweep::load_with(p, overrides),
            Source::Text { text, label } => Sweep::parse_with(text, label, TEXT_NAME, overrides),
        }
    }

    /// The path recorded in manifests.
    fn path(&self) -> PathBuf {
        match self {
            Source::Path(p) => p.clone(),
            Source::Text { label, .. } => PathBuf::from(label),
        }
    }
}

/// One problem as Python's `flywheel.Problem` takes it: file, key path,
/// rule, line, origin.
type ProblemFields = (String, String, String, Option<usize>, Option<String>);

/// The Python exception for a scenario's problems: `flywheel.ScenarioError`
/// (defined in Python, in `flywheel._errors`), carrying each problem's
/// file, key path, rule, line and origin.
fn scenario_error(py: Python<'_>, e: &ScenarioError) -> PyErr {
    let problems: Vec<ProblemFields> = e
        .problems
        .iter()
        .map(|p| {
            (
                e.file.clone(),
                p.path.clone(),
                p.rule.clone(),
                p.line,
                p.origin.clone(),
            )
        })
        .collect();
    let made = py.import("flywheel._errors").and_then(|m| {
        m.getattr("ScenarioError")?
            .call1((e.to_string(), e.file.clone(), problems))
    });
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(import_failed) => import_failed,
    }
}

/// Builds the overrides of `set` entries (key path, value as TOML text)
/// as the command line builds `--set KEY.PATH=VALUE`.
fn overrides_of(sets: &[(String, String)]) -> PyResult<Vec<Override>> {
    sets.iter()
        .map(|(key, value)| {
            let spec = format!("{key}={value}");
            let origin = format!("set {spec}");
            Override::parse(&spec, &origin)
                .map_err(|e| PyValueError::new_err(format!("{origin}: {e}")))
        })
        .collect()
}

/// A validated scenario, with where it came from and the values set when
/// it was loaded (so that `run`, `compare` and `sweep` can load it again
/// with their own overrides after those, as the command line does).
#[pyclass(module = "flywheel._flywheel", frozen)]
struct Scenario {
    source: Source,
    overrides: Vec<Override>,
    resolved: Resolved,
}

#[pymethods]
impl Scenario {
    /// The scenario's name (names result directories).
    #[getter]
    fn name(&self) -> String {
        self.resolved.scenario.name.clone()
    }

    /// The master seed.
    #[getter]
    fn seed(&self) -> u64 {
        self.resolved.scenario.seed
    }

    /// Replications a run makes by default.
    #[getter]
    fn replications(&self) -> u32 {
        self.resolved.scenario.replications
    }

    /// Simulated days.
    #[getter]
    fn horizon_days(&self) -> u32 {
        self.resolved.scenario.horizon_days
    }

    /// Platform names, in scenario order.
    #[getter]
    fn platforms(&self) -> Vec<String> {
        let s = &self.resolved.scenario;
        s.platforms.iter().map(|p| p.name.clone()).collect()
    }

    /// Lender names, in scenario order.
    #[getter]
    fn lenders(&self) -> Vec<String> {
        let s = &self.resolved.scenario;
        s.lenders.iter().map(|l| l.name.clone()).collect()
    }

    /// The file it was loaded from, or `None` for text.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        match &self.source {
            Source::Path(p) => Some(p.clone()),
            Source::Text { .. } => None,
        }
    }

    /// The values set when loading, as `KEY.PATH=VALUE`.
    #[getter]
    fn overrides(&self) -> Vec<String> {
        self.overrides
            .iter()
            .map(|o| o.origin.trim_start_matches("set ").to_string())
            .collect()
    }

    /// The fully resolved scenario as TOML (`flywheel validate --print`).
    fn to_toml(&self) -> PyResult<String> {
        scenario::resolved_toml(&self.resolved).map_err(PyRuntimeError::new_err)
    }

    fn __repr__(&self) -> String {
        let s = &self.resolved.scenario;
        format!(
            "<flywheel.Scenario {:?}: {} platforms, {} consumers, {} merchants, {} days, {} replications>",
            s.name,
            s.platforms.len(),
            s.market.consumers,
            s.market.merchants,
            s.horizon_days,
            s.replications
        )
    }
}

/// Loads and validates a scenario from a file (`is_path`) or TOML text,
/// with `sets` (key path, TOML value) applied as `--set` would.
#[pyfunction]
fn load(
    py: Python<'_>,
    source: String,
    is_path: bool,
    sets: Vec<(String, String)>,
) -> PyResult<Scenario> {
    let source = if is_path {
        Source::Path(PathBuf::from(source))
    } else {
        Source::Text {
            text: source,
            label: TEXT_LABEL.to_string(),
        }
    };
    let overrides = overrides_of(&sets)?;
    let resolved = source
        .resolve(&overrides)
        .map_err(|e| scenario_error(py, &e))?;
    Ok(Scenario {
        source,
        overrides,
        resolved,
    })
}

/// What a simulation running on a worker thread shares with the caller.
#[derive(Default)]
struct Watch {
    /// Raised by Ctrl-C in the caller: stop at the next day's end.
    stop: AtomicBool,
    /// Simulated days closed so far.
    done: AtomicU64,
    /// Simulated days planned.
    total: AtomicU64,
}

/// Runs `work` on a worker thread with the GIL released, taking it back
/// every 50 ms (or as soon as the worker finishes) to run signal handlers
/// and call `progress(done_days, total_days)`. A Ctrl-C (or an exception
/// from `progress`) stops the work at its next day's end and is raised
/// once the worker has returned.
fn simulate<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Watch) -> T + Send,
) -> PyResult<T> {
    let watch = Watch::default();
    let caller = std::thread::current();
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let result = work(&watch);
            caller.unpark();
            result
        });
        let mut reported = None;
        let mut failure = None;
        while !worker.is_finished() {
            py.detach(|| std::thread::park_timeout(Duration::from_millis(50)));
            let checked = py.check_signals().and_then(|()| {
                let now = (
                    watch.done.load(Ordering::Relaxed),
                    watch.total.load(Ordering::Relaxed),
                );
                match progress {
                    Some(f) if reported != Some(now) => {
                        reported = Some(now);
                        f.call1(now).map(|_| ())
                    }
                    _ => Ok(()),
                }
            });
            if let Err(e) = checked {
                watch.stop.store(true, Ordering::SeqCst);
                failure = Some(e);
                break;
            }
        }
        let joined = py.detach(|| worker.join());
        if let Some(e) = failure {
            return Err(e);
        }
        let result = joined.map_err(|_| PyRuntimeError::new_err("the simulation panicked"))?;
        if let Some(f) = progress {
            let total = watch.total.load(Ordering::Relaxed);
            f.call1((watch.done.load(Ordering::Relaxed), total))?;
        }
        Ok(result)
    })
}

/// Worker threads for `threads` (0: one per core), as the command line
/// counts them.
fn worker_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Refuses, as the command line does, a valid run too large for this
/// machine's memory before it starts; `path(i)` names scenario `i`.
fn check_fits(
    scenarios: &[&flywheel::scenario::Scenario],
    threads: usize,
    path: impl Fn(usize) -> PathBuf,
) -> PyResult<()> {
    flywheel::cli::check_fits(scenarios, threads).map_err(|(i, e)| {
        PyValueError::new_err(format!(
            "`{}` is valid but too large for this machine: {e}",
            path(i).display()
        ))
    })
}

fn run_error(e: RunError) -> PyErr {
    match e {
        RunError::Interrupted { .. } => PyKeyboardInterrupt::new_err("interrupted"),
        other => PyRuntimeError::new_err(other.to_string()),
    }
}

fn io_error(e: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(e.to_string())
}

/// A finished command's files, rendered in memory by the command's own
/// writers, in the order the command writes them; `save` writes them as
/// the command would (staged, then moved into place).
#[pyclass(module = "flywheel._flywheel", frozen)]
struct Output {
    /// (file name, contents), the manifest last.
    files: Vec<(String, Vec<u8>)>,
    /// Notes for the user (a comparison's replaced seeds).
    notes: Vec<String>,
}

#[pymethods]
impl Output {
    /// The file names, in the order written.
    fn names(&self) -> Vec<String> {
        self.files.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The contents of file `name` (a `ValueError` if the result has no
    /// such file).
    fn file<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyBytes>> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, bytes)| PyBytes::new(py, bytes))
            .ok_or_else(|| PyValueError::new_err(format!("the result has no file `{name}`")))
    }

    /// Notes about what loading changed.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// Writes every file into `dir`, replacing a previous results
    /// directory there (refused for a directory that is not one); returns
    /// the directory.
    fn save(&self, py: Python<'_>, dir: PathBuf) -> PyResult<PathBuf> {
        if !replaceable(&dir) {
            return Err(PyValueError::new_err(format!(
                "`{}` exists and is not a Flywheel results directory (no manifest.json); \
                 choose another directory",
                dir.display()
            )));
        }
        py.detach(|| {
            let staging = Staging::create(&dir)?;
            for (name, bytes) in &self.files {
                staging.write_file(name, |w| w.write_all(bytes))?;
            }
            staging.commit()
        })
        .map_err(io_error)
    }
}

/// Loads `scenario` again with `extra` overrides after its own.
fn reload(
    py: Python<'_>,
    scenario: &Scenario,
    extra: Vec<Override>,
) -> PyResult<(Vec<Override>, Resolved)> {
    let overrides: Vec<Override> = scenario.overrides.iter().cloned().chain(extra).collect();
    let resolved = scenario
        .source
        .resolve(&overrides)
        .map_err(|e| scenario_error(py, &e))?;
    Ok((overrides, resolved))
}

fn integer(path: &str, value: i64, origin: &str) -> Override {
    Override {
        path: path.into(),
        value: toml::Value::Integer(value),
        origin: origin.into(),
    }
}

/// Runs every replication of `scenario` (`flywheel run`).
#[pyfunction]
#[pyo3(signature = (scenario, replications=None, seed=None, threads=0, progress=None, loans=false, merchants=false))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    scenario: &Scenario,
    replications: Option<u32>,
    seed: Option<u64>,
    threads: usize,
    progress: Option<Bound<'_, PyAny>>,
    loans: bool,
    merchants: bool,
) -> PyResult<Output> {
    // As on the command line, seed and replications come after `set`.
    let mut extra = Vec::new();
    if let Some(seed) = seed {
        let seed = i64::try_from(seed)
            .map_err(|_| PyValueError::new_err(format!("seed must be at most {}", i64::MAX)))?;
        extra.push(integer("seed", seed, "seed="));
    }
    if let Some(r) = replications {
        extra.push(integer("replications", i64::from(r), "replications="));
    }
    let (overrides, resolved) = reload(py, scenario, extra)?;
    let s = &resolved.scenario;
    let threads = worker_threads(threads);
    check_fits(&[s], threads, |_| scenario.source.path())?;
    let options = RunOptions {
        threads,
        journal: false,
    };
    let extra = OnRequest { loans, merchants };
    let started = Instant::now();
    let runs = simulate(py, progress.as_ref(), |watch| {
        watch.total.store(
            u64::from(s.replications) * u64::from(s.horizon_days),
            Ordering::Relaxed,
        );
        let on_day = || {
            watch.done.fetch_add(1, Ordering::Relaxed);
        };
        run_all_until(s, &options, &on_day, &watch.stop)
    })?
    .map_err(run_error)?;
    let wall = started.elapsed().as_secs_f64();
    let path = scenario.source.path();
    let manifest = Manifest::new(&resolved, &path, &overrides, threads, &runs, wall, extra);
    let files = py
        .detach(|| {
            run_files(s, extra)
                .into_iter()
                .map(|name| {
                    let mut bytes = Vec::new();
                    write_run_file(&mut bytes, name, s, &runs, &manifest)
                        .map(|()| (name.to_string(), bytes))
                })
                .collect::<std::io::Result<Vec<_>>>()
        })
        .map_err(io_error)?;
    Ok(Output {
        files,
        notes: Vec::new(),
    })
}

/// Runs variants with common random numbers and compares them
/// (`flywheel compare`): the first's seed and replications are used for
/// every variant.
#[pyfunction]
#[pyo3(signature = (scenarios, sets, replications=None, threads=0, progress=None))]
fn compare_variants(
    py: Python<'_>,
    scenarios: Vec<PyRef<'_, Scenario>>,
    sets: Vec<(String, String)>,
    replications: Option<u32>,
    threads: usize,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Output> {
    if scenarios.len() < 2 {
        return Err(PyValueError::new_err(
            "compare needs at least two scenarios",
        ));
    }
    let mut common = overrides_of(&sets)?;
    if let Some(r) = replications {
        common.push(integer("replications", i64::from(r), "replications="));
    }
    // Scenarios given as text are named by their name, as files are by
    // their file name.
    let paths: Vec<PathBuf> = scenarios
        .iter()
        .map(|s| match &s.source {
            Source::Path(p) => p.clone(),
            Source::Text { .. } => PathBuf::from(format!("{}.toml", s.resolved.scenario.name)),
        })
        .collect();
    let load_one = |i: usize, own: &[Override]| {
        let s = &scenarios[i];
        let overrides: Vec<Override> = s.overrides.iter().chain(own).cloned().collect();
        s.source.resolve(&overrides)
    };
    let loaded = compare::load_variants_with(&paths, &common, &load_one)
        .map_err(|e| scenario_error(py, &e))?;
    let variants = &loaded.variants;
    let threads = worker_threads(threads);
    let all: Vec<&flywheel::scenario::Scenario> = variants.iter().map(|v| &v.scenario).collect();
    check_fits(&all, threads, |i| variants[i].path.clone())?;
    let options = RunOptions {
        threads,
        journal: false,
    };
    let started = Instant::now();
    let all_runs = simulate(py, progress.as_ref(), |watch| {
        let total: u64 = variants
            .iter()
            .map(|v| u64::from(v.scenario.replications) * u64::from(v.scenario.horizon_days))
            .sum();
        watch.total.store(total, Ordering::Relaxed);
        let on_day = || {
            watch.done.fetch_add(1, Ordering::Relaxed);
        };
        variants
            .iter()
            .map(|v| {
                run_all_until(&v.scenario, &options, &on_day, &watch.stop)
                    .map_err(|e| (v.label.clone(), e))
            })
            .collect::<Result<Vec<_>, _>>()
    })?
    .map_err(|(label, e)| match e {
        RunError::Interrupted { .. } => run_error(e),
        other => PyRuntimeError::new_err(format!("{label}: {other}")),
    })?;
    let wall = started.elapsed().as_secs_f64();
    let results: Vec<compare::Results> = variants
        .iter()
        .zip(&all_runs)
        .map(|(v, runs)| compare::Results {
            label: &v.label,
            scenario: &v.scenario,
            runs,
        })
        .collect();
    let comparison = compare::compare(&results);
    let manifest = compare::CompareManifest::new(variants, &results, threads, wall);
    let mut files = Vec::new();
    let render = |write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        write(&mut bytes).map(|()| bytes).map_err(io_error)
    };
    files.push((
        compare::COMPARISON_CSV.to_string(),
        render(&|w| compare::write_comparison(w, &comparison))?,
    ));
    files.push((
        compare::SUMMARIES_CSV.to_string(),
        render(&|w| compare::write_summaries(w, &results))?,
    ));
    files.push((
        MANIFEST.to_string(),
        render(&|w| {
            serde_json::to_writer_pretty(&mut *w, &manifest).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })?,
    ));
    Ok(Output {
        files,
        notes: loaded.notes.clone(),
    })
}

fn sweep_error(py: Python<'_>, e: SweepError) -> PyErr {
    match e {
        SweepError::Scenario(s) => scenario_error(py, &s),
        e if e.is_input() => PyValueError::new_err(e.to_string()),
        e => PyOSError::new_err(e.to_string()),
    }
}

/// A directory of its own under the system's temporary directory.
fn temporary_dir() -> PyResult<PathBuf> {
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "flywheel-sweep-{}-{stamp}-{attempt}",
            std::process::id()
        ));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_error(e)),
        }
    }
    Err(PyOSError::new_err(
        "cannot create a temporary directory for the sweep",
    ))
}

/// Runs the scenario's `[sweep]` (`flywheel sweep`) into `out`, or into a
/// temporary directory removed afterwards, and returns its files.
#[pyfunction]
#[pyo3(signature = (scenario, out=None, threads=0, progress=None, resume=false))]
fn sweep_scenario(
    py: Python<'_>,
    scenario: &Scenario,
    out: Option<PathBuf>,
    threads: usize,
    progress: Option<Bound<'_, PyAny>>,
    resume: bool,
) -> PyResult<Output> {
    let sweep = scenario
        .source
        .sweep(&scenario.overrides)
        .map_err(|e| scenario_error(py, &e))?;
    sweep.check_fits(threads).map_err(|e| {
        PyValueError::new_err(format!(
            "`{}` is valid but too large for this machine: {e}",
            scenario.source.path().display()
        ))
    })?;
    let (dir, temporary) = match out {
        Some(dir) => (dir, false),
        None => (temporary_dir()?, true),
    };
    let options = SweepOptions {
        threads,
        shard: sweep::Shard::ALL,
        resume,
    };
    let outcome = simulate(py, progress.as_ref(), |watch| {
        let on_event = |e: Event| match e {
            Event::Planned { days, .. } => watch.total.store(days, Ordering::Relaxed),
            Event::DayClosed => {
                watch.done.fetch_add(1, Ordering::Relaxed);
            }
            Event::RunFinished { .. } => {}
        };
        run_sweep(&sweep, &dir, &options, &watch.stop, &on_event)
    });
    let read = |outcome: PyResult<Result<Outcome, SweepError>>| -> PyResult<Output> {
        match outcome?.map_err(|e| sweep_error(py, e))? {
            Outcome::Interrupted { .. } => Err(PyKeyboardInterrupt::new_err("interrupted")),
            Outcome::Complete(report) => {
                let mut names: Vec<String> = report.files.iter().map(|f| f.to_string()).collect();
                if !names.iter().any(|n| n == sweep::JOURNAL) && dir.join(sweep::JOURNAL).is_file()
                {
                    names.push(sweep::JOURNAL.to_string());
                }
                let files = names
                    .into_iter()
                    .map(|n| fs::read(dir.join(&n)).map(|bytes| (n, bytes)))
                    .collect::<std::io::Result<Vec<_>>>()
                    .map_err(io_error)?;
                Ok(Output {
                    files,
                    notes: Vec::new(),
                })
            }
        }
    };
    let result = read(outcome);
    if temporary {
        let _ = fs::remove_dir_all(&dir);
    }
    result
}

/// The scenario reference (`flywheel params`), one tuple per key: key,
/// type, unit, range, default, meaning.
#[pyfunction]
fn scenario_params() -> Vec<(String, String, String, String, String, String)> {
    reference::params()
        .into_iter()
        .map(|p| {
            (
                p.key.to_string(),
                p.kind.to_string(),
                p.unit.to_string(),
                p.range,
                p.default.to_string(),
                p.doc.to_string(),
            )
        })
        .collect()
}

/// The results reference (`flywheel params --results`), one tuple per
/// column of every result file: file, written by, column, unit, format,
/// meaning.
#[pyfunction]
fn result_params() -> Vec<(String, String, String, String, String, String)> {
    let mut rows = Vec::new();
    for (_, files) in result_files() {
        for f in files {
            for c in f.columns.iter().chain(&f.after) {
                rows.push((
                    f.name.to_string(),
                    f.written_by.replace('`', ""),
                    c.name.clone(),
                    c.unit.clone(),
                    c.format.clone(),
                    c.doc.clone(),
                ));
            }
        }
    }
    rows
}

fn plot_error(e: flywheel::plot::PlotError) -> PyErr {
    match e {
        flywheel::plot::PlotError::Input(m) => PyValueError::new_err(m),
        flywheel::plot::PlotError::Output(m) => PyOSError::new_err(m),
    }
}

/// Draws the standard figures of a run, compare or sweep directory into
/// `DIR/figures/` (`flywheel plot`); returns the files written and notes
/// on figures skipped.
#[pyfunction]
fn plot(py: Python<'_>, dir: PathBuf, svg: bool) -> PyResult<(Vec<PathBuf>, Vec<String>)> {
    let format = if svg {
        flywheel::plot::Format::Svg
    } else {
        flywheel::plot::Format::Png
    };
    let plotted = py
        .detach(|| flywheel::plot::plot(&dir, format))
        .map_err(plot_error)?;
    Ok((plotted.written, plotted.notes))
}

/// Writes the self-contained HTML page of a results directory
/// (`flywheel report`); returns its path and notes.
#[pyfunction]
#[pyo3(signature = (dir, out=None))]
fn report(py: Python<'_>, dir: PathBuf, out: Option<PathBuf>) -> PyResult<(PathBuf, Vec<String>)> {
    py.detach(|| flywheel::plot::report::report(&dir, out.as_deref()))
        .map_err(plot_error)
}

/// The version of the library the package was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _flywheel(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scenario>()?;
    m.add_class::<Output>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare_variants, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_scenario, m)?)?;
    m.add_function(wrap_pyfunction!(scenario_params, m)?)?;
    m.add_function(wrap_pyfunction!(result_params, m)?)?;
    m.add_function(wrap_pyfunction!(plot, m)?)?;
    m.add_function(wrap_pyfunction!(report, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
