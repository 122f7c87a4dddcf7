//! Running replications: one function runs one replication, and the
//! parallel path calls the same function for every replication on a rayon
//! pool, then sorts results by replication index. No result depends on the
//! number of threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rayon::prelude::*;

use crate::engine::{self, EventQueue};
use crate::ledger::LedgerError;
use crate::market::{DayObserver, Market};
use crate::metrics::RunOutput;
use crate::rng::replication_seed;
use crate::scenario::Scenario;

/// A run that failed its own consistency checks (an internal error, not
/// bad input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The ledger's accounting identities did not hold.
    #[error("replication {replication}: ledger check failed: {source}")]
    Ledger {
        /// Replication index.
        replication: u32,
        /// The broken identity.
        source: LedgerError,
    },
    /// The run was stopped from outside (Ctrl-C) before it finished.
    #[error("replication {replication}: interrupted")]
    Interrupted {
        /// Replication index.
        replication: u32,
    },
    /// The worker pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads requested.
        threads: usize,
        /// Why it failed.
        message: String,
    },
}

/// How to run a scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Keep every ledger posting and replay them in the final check
    /// (slower; for audits and tests). Each platform order then posts at
    /// once, rather than summed with the day's others when the day
    /// closes; balances and results are the same either way.
    pub journal: bool,
}

/// Runs replication `replication` of `scenario`; `on_day_closed` is called
/// after each simulated day. The ledger is checked before returning.
pub fn run_one(
    scenario: &Scenario,
    replication: u32,
    options: &RunOptions,
    on_day_closed: &(dyn Fn() + Sync),
) -> Result<RunOutput, RunError> {
    run_one_until(
        scenario,
        replication,
        options,
        on_day_closed,
        &AtomicBool::new(false),
    )
}

/// Like [`run_one`], but gives up with [`RunError::Interrupted`] at the
/// first day's end at which `stop` is set.
pub fn run_one_until(
    scenario: &Scenario,
    replication: u32,
    options: &RunOptions,
    on_day_closed: &(dyn Fn() + Sync),
    stop: &AtomicBool,
) -> Result<RunOutput, RunError> {
    run_one_inner(scenario, replication, options, on_day_closed, None, stop)
}

/// Like [`run_one_until`], but also hands each closed day's platform and
/// lender records to `observe` as the run goes (for watching a run live);
/// the result is the same as without an observer.
pub fn run_one_observed(
    scenario: &Scenario,
    replication: u32,
    options: &RunOptions,
    observe: &DayObserver<'_>,
    stop: &AtomicBool,
) -> Result<RunOutput, RunError> {
    run_one_inner(scenario, replication, options, &|| {}, Some(observe), stop)
}

fn run_one_inner(
    scenario: &Scenario,
    replication: u32,
    options: &RunOptions,
    on_day_closed: &(dyn Fn() + Sync),
    observe: Option<&DayObserver<'_>>,
    stop: &AtomicBool,
) -> Result<RunOutput, RunError> {
    let started = Instant::now();
    let seed = replication_seed(scenario.seed, replication);
    let mut queue = EventQueue::with_capacity(
        scenario.market.consumers as usize + scenario.horizon_days as usize + 1,
    );
    let mut market = Market::new(scenario, seed, options.journal, on_day_closed, &mut queue);
    if let Some(observe) = observe {
        market.set_day_observer(observe);
    }
    let events = match engine::run_until(&mut market, &mut queue, &|| stop.load(Ordering::Relaxed))
    {
        engine::Ended::Horizon(events) => events,
        engine::Ended::Stopped(_) => return Err(RunError::Interrupted { replication }),
    };
    market.ledger.check().map_err(|source| RunError::Ledger {
        replication,
        source,
    })?;
    let postings = market.ledger.postings();
    let finished = market.finish();
    Ok(RunOutput {
        replication,
        seed,
        events,
        postings,
        days: finished.days,
        summary: finished.summary,
        cohorts: finished.cohorts,
        totals: finished.totals,
        lender_days: finished.lender_days,
        lenders: finished.lenders,
        loans: finished.loans,
        merchants: finished.merchants,
        products: finished.products,
        wall_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Runs every replication of `scenario` in parallel and returns them in
/// replication order.
pub fn run_all(
    scenario: &Scenario,
    options: &RunOptions,
    on_day_closed: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, RunError> {
    run_all_until(scenario, options, on_day_closed, &AtomicBool::new(false))
}

/// Most worker threads a run, sweep or search starts. Runs are bound by
/// the processor, so threads beyond the machine's cores only add stacks
/// and scheduling; the bound keeps a mistyped thread count (a few zeros
/// too many) from starting thousands, and the command line refuses such
/// a count outright.
pub const MAX_THREADS: usize = 1024;

/// Like [`run_all`], but every replication gives up at its next day's end
/// once `stop` is set (the command line sets it on Ctrl-C), and the whole
/// run returns [`RunError::Interrupted`]; replications not yet started do
/// not start.
pub fn run_all_until(
    scenario: &Scenario,
    options: &RunOptions,
    on_day_closed: &(dyn Fn() + Sync),
    stop: &AtomicBool,
) -> Result<Vec<RunOutput>, RunError> {
    // No more threads than replications: the rest would have nothing to
    // do but start.
    let jobs = usize::try_from(scenario.replications).unwrap_or(usize::MAX);
    let threads = match options.threads {
        0 => 0,
        n => n.min(jobs.max(1)),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.min(MAX_THREADS))
        .build()
        .map_err(|e| RunError::Threads {
            threads: options.threads,
            message: e.to_string(),
        })?;
    let mut outputs = pool.install(|| {
        (0..scenario.replications)
            .into_par_iter()
            .map(|r| {
                if stop.load(Ordering::Relaxed) {
                    return Err(RunError::Interrupted { replication: r });
                }
                run_one_until(scenario, r, options, on_day_closed, stop)
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    outputs.sort_by_key(|o| o.replication);
    Ok(outputs)
}
