//! The command-line interface: argument types (parsed by clap) and the
//! commands they run. `main` only parses arguments, calls [`run`] and maps
//! the result to an exit code: 0 on success, 2 on bad input, 1 on an
//! internal error, 130 when interrupted.
//!
//! **Interruption.** While `run` or `compare` simulates, the first Ctrl-C
//! (SIGINT), SIGTERM or SIGHUP asks every replication to stop at its next
//! day's end; the command then exits with code 130 without writing, so the
//! output directory is left as it was. Once results are being written the
//! write finishes (it is short, and atomic: see
//! [`write`](crate::metrics::write)). A second signal exits at once.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::compare;
use crate::metrics::output::{Manifest, OnRequest, headline_table, write_run_dir};
use crate::metrics::reference::FileDoc;
use crate::metrics::write::replaceable;
use crate::resources::{self, Machine, TooLarge};
use crate::runner::{RunError, RunOptions, run_all_until};
use crate::scenario::{self, Override, Resolved, Scenario, reference};

mod new;
mod search_commands;
mod sweep_commands;

use new::new_scenario;
pub use new::{Template, template_for};

/// Flywheel: simulate platform competition — subsidies, payments and
/// embedded lending — and report cash burn, retention and defaults.
#[derive(Debug, Parser)]
#[command(name = "flywheel", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every replication of a scenario and write its results.
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output directory [default: results/NAME, NAME being the scenario's name].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, replacing the file's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of replications, replacing the file's `replications`.
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Print nothing but errors (no progress bar, no table).
        #[arg(long, short)]
        quiet: bool,
        /// Also write loans.csv, one row per loan (can be large).
        #[arg(long)]
        loans: bool,
        /// Also write merchants.csv, one row per merchant: its profit and
        /// loss and survival (can be large).
        #[arg(long)]
        merchants: bool,
        /// Set a scenario key, e.g. `--set 'platforms[0].subsidy[0].per_order=3'`
        /// (repeatable; checked like the file; see `flywheel params`).
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
    },
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Set a scenario key (repeatable), as for `run`.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print the fully resolved scenario (bases merged, defaults filled,
        /// overrides applied) as TOML.
        #[arg(long)]
        print: bool,
    },
    /// Run variants of a scenario with common random numbers and compare
    /// them with paired confidence intervals; writes comparison.csv.
    Compare {
        /// The scenario files; the first is the reference, and its seed and
        /// replication count are used for every variant.
        #[arg(required = true, num_args = 2..)]
        scenarios: Vec<PathBuf>,
        /// Replications of every variant [default: the first file's].
        #[arg(long)]
        replications: Option<u32>,
        /// Set a key in every variant (repeatable), as for `run`.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Output directory [default: results/compare-NAME, NAME the first scenario's name].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Print nothing but errors (no progress bar, no table).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the reference of every scenario key (type, unit, range,
    /// default, meaning), or with --results of every result file's columns.
    Params {
        /// Print Markdown (the text of docs/scenario-reference.md, or with
        /// --results of docs/results-reference.md).
        #[arg(long)]
        markdown: bool,
        /// Describe the result files and their columns instead.
        #[arg(long)]
        results: bool,
    },
    /// Write a commented starting scenario, NAME.toml, that validates.
    New {
        /// Scenario name (letters, digits, '-', '_', '.').
        name: String,
        /// The kind of question the scenario starts from.
        #[arg(long, value_enum, default_value_t = Template::SubsidyWar)]
        template: Template,
        /// Directory to write into.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Draw the standard figures of a run, compare or sweep directory into
    /// DIR/figures/.
    Plot {
        /// A results directory written by `flywheel run`, `flywheel compare`
        /// or `flywheel sweep`.
        dir: PathBuf,
        /// Image format.
        #[arg(long, value_enum, default_value_t = crate::plot::Format::Png)]
        format: crate::plot::Format,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write one self-contained HTML page of a results directory: tables,
    /// figures, the scenario and its manifest; opens offline.
    Report {
        /// A results directory written by `flywheel run`, `flywheel compare`
        /// or `flywheel sweep`.
        dir: PathBuf,
        /// Where to write the page [default: DIR/report.html].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run a parameter sweep (the scenario's `[sweep]` table): every point ×
    /// replication, in parallel, journalled as each run finishes.
    Sweep {
        /// The scenario file (TOML) with a `[sweep]` table.
        scenario: PathBuf,
        /// Output directory [default: results/NAME-sweep, or
        /// results/NAME-sweep-shard-K-of-N with --shard; NAME is the
        /// scenario's name].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Run only slice K of N of the sweep (e.g. 2/8); combine the
        /// slices with `flywheel merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::sweep::Shard>,
        /// Continue the sweep journalled in the output directory, skipping
        /// the runs it finished (starts afresh if there is none).
        #[arg(long)]
        resume: bool,
        /// Set a scenario key before the sweep's points (repeatable), as
        /// for `run`; not a swept parameter.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print nothing but errors (no progress bar, no summary).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Serve the classroom: a local web page to pick a scenario, move its
    /// levers, run it and watch share, orders, burn, cash and NPL day by
    /// day, and compare with the previous run.
    Serve {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Address to listen on; the default serves this machine only.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Directory of the scenarios offered.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Runs simulating at once [default: one per core].
        #[arg(long, default_value_t = 0)]
        max_runs: usize,
        /// Runs that may wait for a turn; more are refused.
        #[arg(long, default_value_t = 16)]
        queue: usize,
        /// Largest run, as consumers × days × replications.
        #[arg(long, default_value_t = 100_000_000)]
        max_size: u64,
    },
    /// Search one platform's levers for the best objective (the
    /// scenario's `[optimize]` table): Nelder–Mead over the decision
    /// variables, every candidate run with the same replication seeds.
    Optimize {
        /// The scenario file (TOML) with an `[optimize]` table.
        scenario: PathBuf,
        /// Output directory [default: results/NAME-optimize].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Continue the search journalled in the output directory,
        /// replaying the evaluations it finished.
        #[arg(long)]
        resume: bool,
        /// Set a scenario key before the search (repeatable), as for `run`;
        /// not a decision variable.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print nothing but errors (no progress bar, no summary).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Find an equilibrium of several platforms' levers (the scenario's
    /// `[equilibrium]` table) by damped iterated best response, with each
    /// player's regret as the certificate.
    Equilibrium {
        /// The scenario file (TOML) with an `[equilibrium]` table.
        scenario: PathBuf,
        /// Output directory [default: results/NAME-equilibrium].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Continue the search journalled in the output directory,
        /// replaying the evaluations it finished.
        #[arg(long)]
        resume: bool,
        /// Set a scenario key before the search (repeatable), as for `run`;
        /// not a decision variable.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print nothing but errors (no progress bar, no summary).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Fit a scenario's parameters to observed figures (the scenario's
    /// `[calibrate]` table): method of simulated moments, a Halton start
    /// then Nelder–Mead, every candidate run with the same replication
    /// seeds; each estimate with an interval and diagnostics.
    Calibrate {
        /// The scenario file (TOML) with a `[calibrate]` table.
        scenario: PathBuf,
        /// Output directory [default: results/NAME-calibrate].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0, value_parser = threads_arg)]
        threads: usize,
        /// Continue the calibration journalled in the output directory,
        /// replaying the evaluations it finished.
        #[arg(long)]
        resume: bool,
        /// Set a scenario key before the calibration (repeatable), as for
        /// `run`; not a calibrated parameter.
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        set: Vec<String>,
        /// Print nothing but errors (no progress bar, no summary).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Combine the directories of a sharded sweep into the files an
    /// unsharded sweep writes.
    Merge {
        /// The shard directories: every shard of one sweep, once each.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory [default: results/NAME-sweep, NAME being the
        /// sweep's scenario name].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// A command's failure, carrying its exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: the user can fix it (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Something went wrong inside Flywheel or its environment (exit 1).
    #[error("{0}")]
    Internal(String),
    /// The user stopped the command (Ctrl-C) before it wrote anything
    /// (exit 130, as for a shell job stopped by SIGINT).
    #[error("{0}")]
    Interrupted(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Internal(_) => 1,
            CliError::Interrupted(_) => 130,
        }
    }
}

/// Set by the first Ctrl-C (or SIGTERM, SIGHUP) once a simulation starts.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C stop simulations cleanly (see the module docs): the first
/// signal sets [`INTERRUPTED`], a second exits at once with code 130.
fn catch_interrupts() {
    // An error means a handler is already installed (a second command in
    // the same process): it is this one.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

/// The error for a command interrupted before writing to `out`.
fn interrupted(out: &Path) -> CliError {
    CliError::Interrupted(format!(
        "interrupted: stopped before writing results; `{}` was not changed",
        out.display()
    ))
}

/// Maps a failed simulation to the command's error.
fn run_failed(e: RunError, out: &Path) -> CliError {
    match e {
        RunError::Interrupted { .. } => interrupted(out),
        other => CliError::Internal(other.to_string()),
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            seed,
            replications,
            threads,
            quiet,
            loans,
            merchants,
            set,
        } => run_command(
            &scenario,
            out,
            RunFlags {
                seed,
                replications,
                threads,
                quiet,
                extra: OnRequest { loans, merchants },
            },
            &set,
        ),
        Command::Validate {
            scenario,
            set,
            print,
        } => {
            let resolved = load(&scenario, &set_overrides(&set)?)?;
            if print {
                print!(
                    "{}",
                    scenario::resolved_toml(&resolved).map_err(CliError::Internal)?
                );
                return Ok(());
            }
            let s = &resolved.scenario;
            println!(
                "{}: ok ({} platforms, {} consumers, {} merchants, {} days, {} replications)",
                scenario.display(),
                s.platforms.len(),
                s.market.consumers,
                s.market.merchants,
                s.horizon_days,
                s.replications
            );
            Ok(())
        }
        Command::Compare {
            scenarios,
            replications,
            set,
            out,
            threads,
            quiet,
        } => compare_command(&scenarios, replications, &set, out, threads, quiet),
        Command::Params { markdown, results } => {
            let text = match (results, markdown) {
                (true, true) => crate::metrics::reference::markdown(&result_files()),
                (true, false) => crate::metrics::reference::text(&result_files()),
                (false, true) => reference::markdown(),
                (false, false) => reference::text(),
            };
            print!("{text}");
            Ok(())
        }
        Command::New {
            name,
            template,
            dir,
        } => {
            let path = new_scenario(&name, template, &dir)?;
            println!(
                "wrote {} (template {}); try: flywheel validate {}",
                path.display(),
                template.name(),
                path.display()
            );
            Ok(())
        }
        Command::Plot { dir, format, quiet } => plot_command(&dir, format, quiet),
        Command::Report { dir, out, quiet } => report_command(&dir, out.as_deref(), quiet),
        Command::Sweep {
            scenario,
            out,
            threads,
            shard,
            resume,
            set,
            quiet,
        } => sweep_commands::sweep(&scenario, &set, out, threads, shard, resume, quiet),
        Command::Merge { dirs, out, quiet } => sweep_commands::merge(&dirs, out, quiet),
        Command::Serve {
            port,
            bind,
            scenarios,
            max_runs,
            queue,
            max_size,
        } => serve_command(crate::serve::Config {
            bind,
            port,
            scenarios,
            limits: crate::serve::Limits {
                concurrent: worker_threads(max_runs),
                queue,
                max_size,
                ..crate::serve::Limits::default()
            },
        }),
        Command::Optimize {
            scenario,
            out,
            threads,
            resume,
            set,
            quiet,
        } => search_commands::search(&scenario, false, &set, out, threads, resume, quiet),
        Command::Equilibrium {
            scenario,
            out,
            threads,
            resume,
            set,
            quiet,
        } => search_commands::search(&scenario, true, &set, out, threads, resume, quiet),
        Command::Calibrate {
            scenario,
            out,
            threads,
            resume,
            set,
            quiet,
        } => search_commands::calibrate(&scenario, &set, out, threads, resume, quiet),
    }
}

fn serve_command(config: crate::serve::Config) -> Result<(), CliError> {
    use crate::serve::ServeError;
    use std::io::Write as _;
    let dir = config.scenarios.display().to_string();
    let loopback = config.bind.is_loopback();
    crate::serve::serve(config, |addr| {
        println!("classroom: open http://{addr}/ (scenarios from {dir}; Ctrl-C to stop)");
        if !loopback {
            println!(
                "note: listening beyond this machine; anyone who can reach {addr} can start runs"
            );
        }
        let _ = std::io::stdout().flush();
    })
    .map_err(|e| match e {
        ServeError::Scenarios { .. } | ServeError::Bind { .. } => CliError::Input(e.to_string()),
        ServeError::Runtime(_) => CliError::Internal(e.to_string()),
    })
}

fn plot_command(dir: &Path, format: crate::plot::Format, quiet: bool) -> Result<(), CliError> {
    use crate::plot::PlotError;
    let plotted = crate::plot::plot(dir, format).map_err(|e| match e {
        PlotError::Input(m) => CliError::Input(m),
        PlotError::Output(m) => CliError::Internal(m),
    })?;
    if !quiet {
        for note in &plotted.notes {
            println!("note: {note}");
        }
        for path in &plotted.written {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

fn report_command(dir: &Path, out: Option<&Path>, quiet: bool) -> Result<(), CliError> {
    use crate::plot::PlotError;
    let (path, notes) = crate::plot::report::report(dir, out).map_err(|e| match e {
        PlotError::Input(m) => CliError::Input(m),
        PlotError::Output(m) => CliError::Internal(m),
    })?;
    if !quiet {
        for note in &notes {
            println!("note: {note}");
        }
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Builds the overrides of repeated `--set KEY.PATH=VALUE` arguments, in
/// order (a later one wins), each tagged `--set KEY.PATH=VALUE` for
/// messages. Every command that loads a scenario calls this.
pub fn set_overrides(sets: &[String]) -> Result<Vec<Override>, CliError> {
    sets.iter()
        .map(|spec| {
            let origin = format!("--set {spec}");
            Override::parse(spec, &origin).map_err(|e| CliError::Input(format!("{origin}: {e}")))
        })
        .collect()
}

fn load(path: &Path, overrides: &[Override]) -> Result<Resolved, CliError> {
    scenario::load_resolved(path, overrides).map_err(|e| CliError::Input(e.to_string()))
}

/// The flags of `flywheel run` besides the scenario, output and `--set`.
#[derive(Debug, Clone, Copy)]
struct RunFlags {
    seed: Option<u64>,
    replications: Option<u32>,
    threads: usize,
    quiet: bool,
    extra: OnRequest,
}

fn run_command(
    path: &Path,
    out: Option<PathBuf>,
    flags: RunFlags,
    sets: &[String],
) -> Result<(), CliError> {
    let RunFlags {
        seed,
        replications,
        threads,
        quiet,
        extra,
    } = flags;
    // `--seed` and `--replications` come after `--set`, so they win.
    let mut overrides = set_overrides(sets)?;
    if let Some(seed) = seed {
        let seed = i64::try_from(seed).map_err(|_| {
            CliError::Input(format!("--seed must be at most {}, got {seed}", i64::MAX))
        })?;
        overrides.push(Override {
            path: "seed".into(),
            value: toml::Value::Integer(seed),
            origin: "--seed".into(),
        });
    }
    if let Some(r) = replications {
        overrides.push(Override {
            path: "replications".into(),
            value: toml::Value::Integer(i64::from(r)),
            origin: "--replications".into(),
        });
    }
    let resolved = load(path, &overrides)?;
    let scenario = &resolved.scenario;
    let out = tidy_out(out.unwrap_or_else(|| Path::new("results").join(&scenario.name)));
    check_out(&out)?;
    let threads = worker_threads(threads);
    resources::check_runs(&[scenario], threads, Machine::this())
        .map_err(|e| too_large(path, &e))?;
    let total_days = u64::from(scenario.replications) * u64::from(scenario.horizon_days);
    let bar = progress_bar(quiet, total_days, &scenario.name);
    let started = Instant::now();
    let options = RunOptions {
        threads,
        journal: false,
    };
    catch_interrupts();
    let result = run_all_until(scenario, &options, &|| bar.inc(1), &INTERRUPTED);
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let runs = result.map_err(|e| run_failed(e, &out))?;
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(interrupted(&out));
    }

    let manifest = Manifest::new(&resolved, path, &overrides, threads, &runs, wall, extra);
    let dir = write_run_dir(&out, scenario, &runs, &manifest, extra)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    if !quiet {
        print!("{}", headline_table(scenario, &runs, wall));
        println!("results: {}", dir.display());
    }
    Ok(())
}

/// Parses `--threads`: a whole number of worker threads, 0 for one per
/// core, at most [`crate::runner::MAX_THREADS`].
fn threads_arg(text: &str) -> Result<usize, String> {
    let max = crate::runner::MAX_THREADS;
    match text.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(_) => Err(format!("at most {max} worker threads (0: one per core)")),
        Err(_) => Err("must be a whole number of threads (0: one per core)".into()),
    }
}

/// Whether `scenarios`, run one after another with up to `threads`
/// replications at once (0: one per core), fit this machine's memory, as
/// `run` and `compare` check before they start: for callers other than
/// the command line (the Python package). A refusal gives the index of
/// the largest scenario and, in words, the key that makes it large and
/// the estimate.
pub fn check_fits(scenarios: &[&Scenario], threads: usize) -> Result<(), (usize, String)> {
    let threads = worker_threads(threads);
    resources::check_runs(scenarios, threads, Machine::this())
        .map_err(|e| (e.scenario, e.to_string()))
}

/// The refusal of a valid scenario too large for this machine (exit 2, as
/// for bad input: the user can make it smaller).
fn too_large(path: &Path, e: &TooLarge) -> CliError {
    CliError::Input(format!(
        "`{}` is valid but too large for this machine: {e}",
        path.display()
    ))
}

/// `out` with `.` and `name/..` steps taken out: results are staged next
/// to the directory and swapped in by name, which `results/.` or
/// `results/x/..` do not give.
fn tidy_out(out: PathBuf) -> PathBuf {
    use std::path::Component;
    let mut tidy = PathBuf::new();
    for c in out.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(tidy.components().next_back(), Some(Component::Normal(_))) =>
            {
                tidy.pop();
            }
            other => tidy.push(other),
        }
    }
    if tidy.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        tidy
    }
}

/// Refuses an output directory that `run` or `compare` must not replace:
/// one that is not a results directory, or holds a sweep's or a search's
/// results, whose journal of evaluations the new files would discard.
fn check_out(out: &Path) -> Result<(), CliError> {
    if !replaceable(out) {
        return Err(CliError::Input(format!(
            "output directory `{}` exists and is not a Flywheel results directory (no manifest.json); \
             choose another --out",
            out.display()
        )));
    }
    // Where the results will be staged must exist and take a directory;
    // finding out after the simulation would waste it.
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = parent.join(format!(".flywheel-probe-{}", std::process::id()));
    let writable = std::fs::create_dir_all(parent).and_then(|()| std::fs::create_dir(&probe));
    let _ = std::fs::remove_dir(&probe);
    if let Err(e) = writable {
        return Err(CliError::Input(format!(
            "cannot write results to `{}`: `{}` cannot take a directory ({e}); choose another --out",
            out.display(),
            parent.display()
        )));
    }
    if out.join(crate::sweep::JOURNAL).exists() {
        return Err(CliError::Input(format!(
            "output directory `{}` holds a sweep's or a search's results (journal.jsonl), which \
             these results would replace; choose another --out",
            out.display()
        )));
    }
    Ok(())
}

fn worker_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

fn progress_bar(quiet: bool, total_days: u64, message: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total_days), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {pos}/{len} replication-days, {elapsed} elapsed, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// Every result file, grouped by the commands that write it: what
/// `flywheel params --results` prints and `docs/results-reference.md` holds.
pub fn result_files() -> Vec<(&'static str, Vec<FileDoc>)> {
    vec![
        (
            "Files of `run` and `compare`",
            [crate::metrics::output::reference(), compare::reference()].concat(),
        ),
        ("Files of `sweep` and `merge`", crate::sweep::reference()),
        (
            "Files of `optimize` and `equilibrium`",
            crate::search::reference(),
        ),
        ("Files of `calibrate`", crate::calibrate::reference()),
    ]
}

fn compare_command(
    paths: &[PathBuf],
    replications: Option<u32>,
    sets: &[String],
    out: Option<PathBuf>,
    threads: usize,
    quiet: bool,
) -> Result<(), CliError> {
    let mut overrides = set_overrides(sets)?;
    if let Some(r) = replications {
        overrides.push(Override {
            path: "replications".into(),
            value: toml::Value::Integer(i64::from(r)),
            origin: "--replications".into(),
        });
    }
    let loaded =
        compare::load_variants(paths, &overrides).map_err(|e| CliError::Input(e.to_string()))?;
    let variants = &loaded.variants;
    let Some(first) = variants.first() else {
        return Err(CliError::Input(
            "compare needs at least two scenario files".into(),
        ));
    };
    let out =
        tidy_out(out.unwrap_or_else(|| {
            Path::new("results").join(format!("compare-{}", first.scenario.name))
        }));
    check_out(&out)?;
    let threads = worker_threads(threads);
    let scenarios: Vec<&Scenario> = variants.iter().map(|v| &v.scenario).collect();
    resources::check_runs(&scenarios, threads, Machine::this())
        .map_err(|e| too_large(&variants[e.scenario].path, &e))?;
    let total_days: u64 = variants
        .iter()
        .map(|v| u64::from(v.scenario.replications) * u64::from(v.scenario.horizon_days))
        .sum();
    let bar = progress_bar(
        quiet,
        total_days,
        &format!("compare-{}", first.scenario.name),
    );
    let options = RunOptions {
        threads,
        journal: false,
    };
    let started = Instant::now();
    let mut all_runs = Vec::with_capacity(variants.len());
    catch_interrupts();
    for v in variants {
        let runs =
            run_all_until(&v.scenario, &options, &|| bar.inc(1), &INTERRUPTED).map_err(|e| {
                match run_failed(e, &out) {
                    CliError::Internal(m) => CliError::Internal(format!("{}: {m}", v.label)),
                    other => other,
                }
            });
        match runs {
            Ok(runs) => all_runs.push(runs),
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(interrupted(&out));
    }

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
    let dir = compare::write_compare_dir(&out, &comparison, &results, &manifest)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    if !quiet {
        for n in &loaded.notes {
            println!("note: {n}");
        }
        print!("{}", compare::table(&comparison));
        println!("results: {}", dir.join(compare::COMPARISON_CSV).display());
    }
    Ok(())
}
