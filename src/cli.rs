//! The command-line interface: argument types (parsed by clap) and the
//! commands they run. `main` only parses arguments, calls [`run`] and maps
//! the result to an exit code: 0 on success, 2 on bad input, 1 on an
//! internal error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::metrics::output::{Manifest, replaceable, write_run_dir};
use crate::metrics::stats::estimate;
use crate::metrics::{HEADLINES, RunOutput};
use crate::runner::{RunOptions, run_all};
use crate::scenario::{self, Override, Scenario};

mod sweep_commands;

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
        /// Output directory [default: results/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Master seed, replacing the file's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of replications, replacing the file's `replications`.
        #[arg(long)]
        replications: Option<u32>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Print nothing but errors (no progress bar, no table).
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario file without running it.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Run a parameter sweep (the scenario's [sweep] table): every point ×
    /// replication, in parallel, journalled as each run finishes.
    Sweep {
        /// The scenario file (TOML) with a [sweep] table.
        scenario: PathBuf,
        /// Output directory [default: results/NAME-sweep, or
        /// results/NAME-sweep-shard-K-of-N with --shard; NAME is the
        /// scenario's name].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: one per core].
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Run only slice K of N of the sweep (e.g. 2/8); combine the
        /// slices with `flywheel merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<crate::sweep::Shard>,
        /// Continue the sweep journalled in the output directory, skipping
        /// the runs it finished (starts afresh if there is none).
        #[arg(long)]
        resume: bool,
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
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 2,
            CliError::Internal(_) => 1,
        }
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
        } => run_command(&scenario, out, seed, replications, threads, quiet),
        Command::Validate { scenario } => {
            let s = load(&scenario, &[])?;
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
        Command::Sweep {
            scenario,
            out,
            threads,
            shard,
            resume,
            quiet,
        } => sweep_commands::sweep(&scenario, out, threads, shard, resume, quiet),
        Command::Merge { dirs, out, quiet } => sweep_commands::merge(&dirs, out, quiet),
    }
}

fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, CliError> {
    scenario::load(path, overrides).map_err(|e| CliError::Input(e.to_string()))
}

fn run_command(
    path: &Path,
    out: Option<PathBuf>,
    seed: Option<u64>,
    replications: Option<u32>,
    threads: usize,
    quiet: bool,
) -> Result<(), CliError> {
    let mut overrides = Vec::new();
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
    let scenario = load(path, &overrides)?;
    let out = out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
    if !replaceable(&out) {
        return Err(CliError::Input(format!(
            "output directory `{}` exists and is not a Flywheel results directory (no manifest.json); \
             choose another --out",
            out.display()
        )));
    }
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };

    let total_days = u64::from(scenario.replications) * u64::from(scenario.horizon_days);
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(total_days), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} replication-days, {elapsed} elapsed, ETA {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(scenario.name.clone());
        bar
    };
    let started = Instant::now();
    let options = RunOptions {
        threads,
        journal: false,
    };
    let runs = run_all(&scenario, &options, &|| bar.inc(1))
        .map_err(|e| CliError::Internal(e.to_string()))?;
    let wall = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let manifest = Manifest::new(&scenario, path, &overrides, threads, &runs, wall);
    let dir = write_run_dir(&out, &scenario, &runs, &manifest)
        .map_err(|e| CliError::Internal(e.to_string()))?;
    if !quiet {
        print!("{}", headline_table(&scenario, &runs, wall));
        println!("results: {}", dir.display());
    }
    Ok(())
}

fn with_interval(values: &[f64], digits: usize) -> String {
    let e = estimate(values, 0.95);
    let mean = e.mean;
    match e.half_width {
        Some(h) => format!("{:.*} ± {:.*}", digits, mean, digits, h),
        None => format!("{:.*}", digits, mean),
    }
}

/// The human-readable summary: mean and 95% interval across replications
/// of each headline figure, one column per platform.
pub fn headline_table(scenario: &Scenario, runs: &[RunOutput], wall_seconds: f64) -> String {
    let events: u64 = runs.iter().map(|r| r.events).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} replication(s) × {} days, {} consumers, {} merchants; {} events in {:.2} s ({:.2} M events/s)",
        scenario.name,
        runs.len(),
        scenario.horizon_days,
        scenario.market.consumers,
        scenario.market.merchants,
        events,
        wall_seconds,
        events as f64 / wall_seconds.max(1e-9) / 1e6
    );
    let _ = writeln!(s, "mean ± 95% confidence half-width across replications");
    let width = 24;
    let _ = write!(s, "{:<26}", "");
    for p in &scenario.platforms {
        let _ = write!(s, "{:>width$}", p.name);
    }
    s.push('\n');
    for h in HEADLINES {
        let _ = write!(s, "{:<26}", h.label);
        for p in 0..scenario.platforms.len() {
            let values: Vec<f64> = runs.iter().map(|r| (h.value)(&r.summary[p])).collect();
            let digits = if h.name.contains("share") || h.name == "exited" {
                3
            } else {
                0
            };
            let _ = write!(s, "{:>width$}", with_interval(&values, digits));
        }
        s.push('\n');
    }
    s
}
