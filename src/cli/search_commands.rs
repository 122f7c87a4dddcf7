//! The `optimize` and `equilibrium` commands: load the search, pick the
//! output directory, show a progress bar with the current best, stop
//! cleanly on Ctrl-C (the journal keeps what finished; `--resume` goes
//! on), and print what was found. The work itself is [`crate::search`]'s.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::sweep_commands::{STOP, install_stop_handler};
use super::{CliError, set_overrides, too_large, worker_threads};
use crate::calibrate::run_calibrate;
use crate::metrics::stats::Estimate;
use crate::resources::{Machine, MarketSize, check_sweep};
use crate::search::{
    Event, Goal, Kind, Search, SearchError, SearchOptions, run_equilibrium, run_optimize,
};

fn cli_error(e: SearchError) -> CliError {
    match e {
        SearchError::Interrupted { .. } => CliError::Interrupted(e.to_string()),
        e if e.is_input() => CliError::Input(e.to_string()),
        e => CliError::Internal(e.to_string()),
    }
}

fn shown(e: &Estimate) -> String {
    match e.half_width {
        Some(h) => format!("{:.2} ± {:.2}", e.mean, h),
        None => format!("{:.2}", e.mean),
    }
}

/// The largest market a candidate of `search` can be: its base with every
/// variable that sizes the market (consumers, merchants, days) at the top
/// of its range.
fn largest_market(search: &Search) -> MarketSize {
    let mut size = MarketSize::of(&search.base);
    for v in search.variables() {
        // Float to integer `as` saturates: an absurd bound stays absurd.
        let top = v.max as u64;
        let field = match v.path.as_str() {
            "market.consumers" => &mut size.consumers,
            "market.merchants" => &mut size.merchants,
            "horizon_days" => &mut size.horizon_days,
            _ => continue,
        };
        *field = (*field).max(top);
    }
    size
}

/// Refuses a search whose largest candidate would not fit this machine's
/// memory, before anything runs: one candidate's replications run at once,
/// like a sweep point's.
fn check_fits(path: &Path, search: &Search, threads: usize) -> Result<(), CliError> {
    let largest = largest_market(search);
    check_sweep(
        &[largest],
        u64::from(search.replications()),
        worker_threads(threads),
        Machine::this(),
    )
    .map_err(|e| {
        if largest == MarketSize::of(&search.base) {
            too_large(path, &e)
        } else {
            CliError::Input(format!(
                "`{}` is valid, but its largest candidate (every variable that sizes the \
                 market at the top of its range) is too large for this machine: {e}",
                path.display()
            ))
        }
    })
}

/// `flywheel optimize` (`equilibrium` false) or `flywheel equilibrium`.
pub(super) fn search(
    path: &Path,
    equilibrium: bool,
    sets: &[String],
    out: Option<PathBuf>,
    threads: usize,
    resume: bool,
    quiet: bool,
) -> Result<(), CliError> {
    let overrides = set_overrides(sets)?;
    let search =
        Search::load(path, equilibrium, &overrides).map_err(|e| CliError::Input(e.to_string()))?;
    let kind = if equilibrium {
        "equilibrium"
    } else {
        "optimize"
    };
    check_fits(path, &search, threads)?;
    let out =
        out.unwrap_or_else(|| Path::new("results").join(format!("{}-{kind}", search.base.name)));
    install_stop_handler();
    let planned = match &search.goal {
        Goal::Optimize(o) => u64::from(o.budget),
        Goal::Equilibrium(e) => {
            u64::from(e.budget) * e.players.len() as u64 * u64::from(e.max_rounds)
        }
        Goal::Calibrate(c) => u64::from(c.budget),
    };
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(Some(planned), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} evaluations at most, {elapsed} elapsed",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let on_event = |e: Event| match e {
        Event::Evaluated {
            stage,
            evaluations,
            best,
        } => {
            bar.set_position(evaluations);
            let best = best.map_or("none feasible yet".to_string(), |b| format!("{b:.2}"));
            bar.set_message(format!("{stage}: best {best}"));
        }
    };
    let options = SearchOptions { threads, resume };
    if equilibrium {
        let r = run_equilibrium(&search, &out, &options, &STOP, &on_event);
        bar.finish_and_clear();
        let r = r.map_err(cli_error)?;
        if !quiet {
            let status = if r.converged {
                "converged: an ε-Nash equilibrium"
            } else if r.cycled {
                "did NOT converge: the iteration cycled"
            } else {
                "did NOT converge within max_rounds"
            };
            println!(
                "{}: {status} after {} round(s); {} evaluations ({} from the journal), {} runs, in {:.2} s",
                search.base.name, r.rounds, r.evaluations, r.resumed, r.runs, r.wall_seconds
            );
            for p in &r.players {
                let strategy: Vec<String> = p
                    .strategy
                    .iter()
                    .map(|(k, v)| format!("{k} = {v}"))
                    .collect();
                println!(
                    "  {}: {}; payoff {}; regret {}{}",
                    p.name,
                    strategy.join(", "),
                    shown(&p.payoff),
                    shown(&p.regret),
                    if p.can_improve { " (can improve)" } else { "" }
                );
            }
            println!("results: {} ({})", r.dir.display(), r.files.join(", "));
        }
        if r.cycled {
            eprintln!(
                "warning: the best-response iteration cycled; lower `damping` or widen `epsilon`"
            );
        } else if !r.converged {
            eprintln!("warning: no equilibrium within max_rounds; see path.csv and regrets.csv");
        }
    } else {
        let r = run_optimize(&search, &out, &options, &STOP, &on_event);
        bar.finish_and_clear();
        let r = r.map_err(cli_error)?;
        if !quiet {
            let best: Vec<String> = r.best.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            println!(
                "{}: best {} with objective {} (start {}); {} evaluations ({} from the journal), {} runs, in {:.2} s",
                search.base.name,
                best.join(", "),
                shown(&r.objective),
                shown(&r.start_objective),
                r.evaluations,
                r.resumed,
                r.runs,
                r.wall_seconds
            );
            println!("results: {} ({})", r.dir.display(), r.files.join(", "));
        }
        if let Some(why) = &r.failure {
            eprintln!(
                "warning: no candidate could be scored ({why}); best.toml holds the starting point"
            );
        } else if !r.feasible {
            eprintln!(
                "warning: no candidate met every constraint; best.toml holds the one that broke them least"
            );
        }
    }
    Ok(())
}

/// `flywheel calibrate`.
pub(super) fn calibrate(
    path: &Path,
    sets: &[String],
    out: Option<PathBuf>,
    threads: usize,
    resume: bool,
    quiet: bool,
) -> Result<(), CliError> {
    let overrides = set_overrides(sets)?;
    let search = Search::load_kind(path, Kind::Calibrate, &overrides)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let Goal::Calibrate(spec) = &search.goal else {
        return Err(CliError::Internal("not a calibration".into()));
    };
    check_fits(path, &search, threads)?;
    let out =
        out.unwrap_or_else(|| Path::new("results").join(format!("{}-calibrate", search.base.name)));
    install_stop_handler();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(
            Some(u64::from(spec.budget)),
            ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} evaluations, {elapsed} elapsed",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar
    };
    let on_event = |e: Event| match e {
        Event::Evaluated {
            stage,
            evaluations,
            best,
        } => {
            bar.set_position(evaluations);
            let best = best.map_or("none defined yet".to_string(), |b| format!("{:.3}", -b));
            bar.set_message(format!("{stage}: loss {best}"));
        }
    };
    let options = SearchOptions { threads, resume };
    let r = run_calibrate(&search, &out, &options, &STOP, &on_event);
    bar.finish_and_clear();
    let r = r.map_err(cli_error)?;
    if !quiet {
        let start = r
            .start_loss
            .map_or("undefined".to_string(), |l| format!("{l:.3}"));
        println!(
            "{}: loss {:.3} over {} moment(s) (start {start}); {} evaluations + {} for the intervals ({} from the journal), {} runs, in {:.2} s",
            search.base.name,
            r.loss,
            r.moments,
            r.evaluations,
            r.jacobian_evaluations,
            r.resumed,
            r.runs,
            r.wall_seconds
        );
        for e in &r.estimates {
            let mut notes = Vec::new();
            if !e.identified {
                notes.push("NOT identified");
            }
            if e.bound_hit {
                notes.push("on a bound");
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            };
            println!(
                "  {} = {} [{}, {}]{notes}",
                e.path,
                crate::calibrate::short(e.estimate),
                crate::calibrate::short(e.low),
                crate::calibrate::short(e.high),
            );
        }
        println!("results: {} ({})", r.dir.display(), r.files.join(", "));
    }
    for e in &r.estimates {
        if !e.identified {
            let why = if e.sensitivity.is_finite()
                && e.sensitivity >= crate::calibrate::MIN_SENSITIVITY
            {
                format!(
                    "its interval would be wider than its range (sensitivity {:.2})",
                    e.sensitivity
                )
            } else {
                format!(
                    "the loss is flat along it (sensitivity {:.2}, below {})",
                    e.sensitivity,
                    crate::calibrate::MIN_SENSITIVITY
                )
            };
            eprintln!(
                "warning: `{}` is not identified by these targets: {why}; its interval is its whole range",
                e.path
            );
        }
        if e.bound_hit {
            eprintln!(
                "warning: the estimate of `{}` ({}) sits on a bound of its range [{}, {}]",
                e.path,
                crate::calibrate::short(e.estimate),
                e.min,
                e.max
            );
        }
    }
    Ok(())
}
