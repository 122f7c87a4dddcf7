//! The `sweep` and `merge` commands: load, pick the output directory, show
//! one progress bar for the whole sweep, stop cleanly on Ctrl-C (or
//! SIGTERM, as a batch scheduler sends), and print what was written. The
//! work itself is [`crate::sweep`]'s.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{CliError, set_overrides, too_large, worker_threads};
use crate::resources::{Machine, MarketSize, check_sweep};
use crate::sweep::{
    Event, Outcome, Shard, Sweep, SweepError, SweepManifest, SweepOptions, merge as merge_dirs,
    run_sweep,
};

/// Raised by the first Ctrl-C or SIGTERM: no new run starts.
pub(super) static STOP: AtomicBool = AtomicBool::new(false);

fn cli_error(e: SweepError) -> CliError {
    if e.is_input() {
        CliError::Input(e.to_string())
    } else {
        CliError::Internal(e.to_string())
    }
}

/// The first signal stops scheduling; a second one exits at once (the
/// journal is already on disk, so `--resume` still works).
pub(super) fn install_stop_handler() {
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!(
            "\nstopping: finishing the runs in flight (press Ctrl-C again to stop at once; \
             --resume continues)"
        );
    });
}

fn default_out(name: &str, shard: Shard) -> PathBuf {
    let dir = if shard.is_all() {
        format!("{name}-sweep")
    } else {
        format!("{name}-sweep-shard-{}-of-{}", shard.index, shard.count)
    };
    Path::new("results").join(dir)
}

fn bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {percent}% of run-days, {elapsed} elapsed, ETA {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// `flywheel sweep`.
pub(super) fn sweep(
    path: &Path,
    sets: &[String],
    out: Option<PathBuf>,
    threads: usize,
    shard: Option<Shard>,
    resume: bool,
    quiet: bool,
) -> Result<(), CliError> {
    let overrides = set_overrides(sets)?;
    let sweep = Sweep::load_with(path, &overrides).map_err(|e| CliError::Input(e.to_string()))?;
    let sizes = (0..sweep.points.len() as u32)
        .map(|p| sweep.scenario(p).map(|s| MarketSize::of(&s)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Input(e.to_string()))?;
    check_sweep(
        &sizes,
        sweep.runs(),
        worker_threads(threads),
        Machine::this(),
    )
    .map_err(|e| too_large(path, &e))?;
    let shard = shard.unwrap_or(Shard::ALL);
    let out = out.unwrap_or_else(|| default_out(&sweep.base.name, shard));
    install_stop_handler();

    let bar = bar(quiet);
    let name = sweep.base.name.clone();
    let done = AtomicU64::new(0);
    let todo = AtomicU64::new(0);
    let on_event = |e: Event| match e {
        Event::Planned {
            runs,
            already_done,
            days,
        } => {
            todo.store(runs, Ordering::SeqCst);
            bar.set_length(days);
            bar.set_message(format!("{name}: 0/{runs} runs"));
            if already_done > 0 {
                bar.println(format!(
                    "resuming: {already_done} run(s) already finished, {runs} to go"
                ));
            }
        }
        Event::DayClosed => bar.inc(1),
        Event::RunFinished {
            point,
            replication,
            error,
        } => {
            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
            bar.set_message(format!("{name}: {n}/{} runs", todo.load(Ordering::SeqCst)));
            if let Some(error) = error
                && !quiet
            {
                bar.println(format!(
                    "run failed (point {point}, replication {replication}): {error}"
                ));
            }
        }
    };
    let options = SweepOptions {
        threads,
        shard,
        resume,
    };
    let outcome = run_sweep(&sweep, &out, &options, &STOP, &on_event).map_err(cli_error);
    bar.finish_and_clear();
    match outcome? {
        Outcome::Interrupted {
            finished,
            runs_in_shard,
        } => Err(CliError::Internal(format!(
            "interrupted: {finished} of {runs_in_shard} runs are journalled in `{}`; \
             rerun with --resume to finish",
            out.display()
        ))),
        Outcome::Complete(r) => {
            if !quiet {
                let shard_note = if r.shard.is_all() {
                    String::new()
                } else {
                    format!(", shard {}", r.shard)
                };
                println!(
                    "{name}: {} points × {} replications{shard_note}: {} runs finished, {} failed, \
                     {} resumed, in {:.2} s",
                    r.points, r.replications, r.succeeded, r.failed, r.resumed, r.wall_seconds
                );
                println!("results: {} ({})", r.dir.display(), r.files.join(", "));
            }
            if r.failed > 0 {
                eprintln!(
                    "warning: {} run(s) failed; see {}",
                    r.failed,
                    r.dir.join(crate::sweep::FAILURES_CSV).display()
                );
            }
            Ok(())
        }
    }
}

/// `flywheel merge`.
pub(super) fn merge(dirs: &[PathBuf], out: Option<PathBuf>, quiet: bool) -> Result<(), CliError> {
    let out = match out {
        Some(o) => o,
        None => {
            let m = dirs.first().and_then(|d| SweepManifest::read(d)).ok_or_else(|| {
                CliError::Input(format!(
                    "`{}` is not a finished sweep directory; give shard directories (and --out)",
                    dirs.first().map(|d| d.display().to_string()).unwrap_or_default()
                ))
            })?;
            default_out(&m.scenario_name, Shard::ALL)
        }
    };
    let r = merge_dirs(dirs, &out).map_err(cli_error)?;
    if !quiet {
        println!(
            "merged {} shard(s): {} points × {} replications, {} runs finished, {} failed",
            r.shards, r.points, r.replications, r.succeeded, r.failed
        );
        println!("results: {} ({})", r.dir.display(), r.files.join(", "));
    }
    Ok(())
}
