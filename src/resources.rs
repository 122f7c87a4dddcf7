//! Whether a run fits this machine, asked before it starts.
//!
//! A scenario file is valid or not whatever machine reads it; but a valid
//! file may describe a market too large for this machine's memory (two
//! hundred million consumers, or a million replications whose daily
//! records are all kept until the files are written). Commands that
//! simulate (`run`, `compare`, `sweep`) ask this module first, so such a
//! run is refused with an estimate instead of exhausting memory partway.
//!
//! The estimate comes from the sizes of the types that hold a run: the
//! agents and their relations, pending events, the merchants' sales
//! windows, cohort counters and daily records. It is a lower bound of the
//! real footprint, and a run is refused when it needs more than four
//! fifths of the machine's memory.

use std::cmp::Reverse;
use std::mem::size_of;

use crate::scenario::Scenario;

/// What one replication of a scenario holds in memory, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryEstimate {
    /// Agent state and pending events of one replication while it runs.
    pub state: u64,
    /// Cohort counters of one replication, built when it finishes.
    pub cohorts: u64,
    /// Daily records one finished replication keeps until its results are
    /// written.
    pub records: u64,
}

/// The sizes of a market that decide its memory, for
/// [`MemoryEstimate::of`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MarketSize {
    /// Consumers.
    pub consumers: u64,
    /// Merchants.
    pub merchants: u64,
    /// Platforms.
    pub platforms: u64,
    /// Lenders.
    pub lenders: u64,
    /// Consumer segments.
    pub segments: u64,
    /// Run length in days.
    pub horizon_days: u64,
}

impl MarketSize {
    /// The sizes of `scenario`'s market.
    pub(crate) fn of(scenario: &Scenario) -> MarketSize {
        MarketSize {
            consumers: u64::from(scenario.market.consumers),
            merchants: u64::from(scenario.market.merchants),
            platforms: scenario.platforms.len() as u64,
            lenders: scenario.lenders.len() as u64,
            segments: scenario.consumers.segments.len() as u64,
            horizon_days: u64::from(scenario.horizon_days),
        }
    }
}

impl MemoryEstimate {
    /// The estimate for a market of `size`, from the sizes of the types
    /// that hold it (saturating: an absurd size gives `u64::MAX`, never an
    /// overflow).
    pub(crate) fn of(size: MarketSize) -> MemoryEstimate {
        let b = |n: usize| n as u64;
        let MarketSize {
            consumers,
            merchants,
            platforms,
            lenders,
            segments,
            horizon_days,
        } = size;
        // The consumer's record (traits, indices, random stream), a pending
        // event and one relation per platform.
        let per_consumer = (b(size_of::<crate::agents::Consumer>())
            + b(crate::engine::EventQueue::<crate::engine::Event>::ENTRY_BYTES))
        .saturating_add(b(crate::agents::Relations::bytes_per_consumer(
            usize::try_from(platforms).unwrap_or(usize::MAX),
        )));
        // Price, costs, queue and listing state, a random stream, the
        // ledger's tally of its profit and loss and its record at the end,
        // per-platform counters and the day's order sums and, with
        // lenders, 30 days of sales per channel and cash.
        let window = crate::market::lending::SALES_WINDOW as u64;
        // The tally keeps each merchant's row in whole 64-byte lines of
        // eight amounts.
        let profit_and_loss = crate::metrics::merchants::PROFIT_KINDS.len().div_ceil(8) * 64
            + size_of::<crate::metrics::merchants::MerchantRecord>()
            + 8;
        let per_merchant =
            (b(size_of::<crate::agents::MerchantHot>() + size_of::<crate::ledger::Money>() + 16)
                + b(size_of::<crate::rng::StreamRng>())
                + b(profit_and_loss))
            .saturating_add(platforms.saturating_mul(
                8 + crate::market::day_postings::BYTES_PER_MERCHANT_PLATFORM as u64,
            ))
            .saturating_add(if lenders > 0 {
                window.saturating_mul(4 * (platforms + 1) + 8)
            } else {
                0
            });
        let state = consumers
            .saturating_mul(per_consumer)
            .saturating_add(merchants.saturating_mul(per_merchant));
        let months = horizon_days.div_ceil(u64::from(crate::metrics::COHORT_MONTH_DAYS));
        let cohorts = platforms
            .saturating_mul(segments)
            .saturating_mul(months)
            .saturating_mul(months + 1)
            .saturating_mul(2 * 8);
        let records = horizon_days.saturating_mul(
            platforms
                .saturating_mul(b(size_of::<crate::metrics::DayRecord>()))
                .saturating_add(
                    lenders.saturating_mul(b(size_of::<crate::metrics::lending::LenderDay>())),
                ),
        );
        MemoryEstimate {
            state,
            cohorts,
            records,
        }
    }

    /// Bytes needed to run `replications` replications, `in_flight` at a
    /// time: the state and cohort counters of those running, and the
    /// daily records of all.
    pub(crate) fn total(&self, replications: u64, in_flight: u64) -> u64 {
        self.state
            .saturating_add(self.cohorts)
            .saturating_mul(in_flight)
            .saturating_add(self.records.saturating_mul(replications))
    }
}

/// The memory of the machine a command runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Machine {
    /// Total physical memory, in bytes.
    pub memory: u64,
}

impl Machine {
    /// This machine: its total memory from `/proc/meminfo`, or 16 GiB
    /// where that cannot be read.
    pub(crate) fn this() -> Machine {
        Machine {
            memory: total_memory().unwrap_or(16 << 30),
        }
    }

    /// The most a command may use: four fifths of the memory, leaving the
    /// rest for the system and the result buffers.
    pub(crate) fn allowance(&self) -> u64 {
        self.memory / 5 * 4
    }
}

/// Total physical memory, from /proc/meminfo where available.
fn total_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A run that would not fit in memory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {rule}")]
pub(crate) struct TooLarge {
    /// Which of the scenarios checked is the largest (its index; for a
    /// sweep, the point id).
    pub scenario: usize,
    /// The key that makes the run large: `market.consumers`,
    /// `horizon_days` or `replications`.
    pub key: &'static str,
    /// The estimate, in words.
    pub rule: String,
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

/// The key to blame: the market size, the horizon (with many platforms and
/// segments, cohort counters grow with its square) or the number of
/// records kept (`records_key`).
fn blame(state: u64, cohorts: u64, records: u64, records_key: &'static str) -> &'static str {
    if state >= cohorts && state >= records {
        "market.consumers"
    } else if cohorts >= records {
        "horizon_days"
    } else {
        records_key
    }
}

/// Checks that `scenarios` fit `machine` when run one after another, each
/// with up to `threads` replications at once, and every replication's
/// daily records kept until all are done: `run` (one scenario) and
/// `compare` (its variants). The refusal names the key that makes the
/// largest scenario large and gives the estimate.
pub(crate) fn check_runs(
    scenarios: &[&Scenario],
    threads: usize,
    machine: Machine,
) -> Result<(), TooLarge> {
    let threads = threads.max(1) as u64;
    let plans: Vec<(MemoryEstimate, u64, u64)> = scenarios
        .iter()
        .map(|s| {
            let replications = u64::from(s.replications);
            let in_flight = threads.min(replications.max(1));
            (
                MemoryEstimate::of(MarketSize::of(s)),
                replications,
                in_flight,
            )
        })
        .collect();
    let running = |(e, _, in_flight): &(MemoryEstimate, u64, u64)| {
        e.state.saturating_add(e.cohorts).saturating_mul(*in_flight)
    };
    let kept =
        |(e, replications, _): &(MemoryEstimate, u64, u64)| e.records.saturating_mul(*replications);
    let all_kept = plans.iter().map(kept).fold(0u64, u64::saturating_add);
    let need = plans
        .iter()
        .map(running)
        .max()
        .unwrap_or(0)
        .saturating_add(all_kept);
    let limit = machine.allowance();
    if need <= limit {
        return Ok(());
    }
    let Some((index, &(estimate, replications, in_flight))) = plans
        .iter()
        .enumerate()
        .min_by_key(|(_, p)| Reverse(running(p).saturating_add(kept(p))))
    else {
        return Ok(());
    };
    let s = scenarios[index];
    let state = estimate.state.saturating_mul(in_flight);
    let cohorts = estimate.cohorts.saturating_mul(in_flight);
    let records = estimate.records.saturating_mul(replications);
    let others = all_kept.saturating_sub(records);
    let mut rule = format!(
        "this run needs about {:.1} GiB but this machine allows {:.1} GiB of its {:.1} GiB: \
         a market of {} consumers and {} merchants needs {:.1} GiB per replication \
         ({in_flight} in parallel), cohort counters {:.1} GiB per replication, and the \
         daily records of {replications} replication(s) × {} days {:.1} GiB",
        gib(need),
        gib(limit),
        gib(machine.memory),
        s.market.consumers,
        s.market.merchants,
        gib(estimate.state),
        gib(estimate.cohorts),
        s.horizon_days,
        gib(records),
    );
    if gib(others) >= 0.05 {
        rule.push_str(&format!(
            ", and those of the other variants {:.1} GiB",
            gib(others)
        ));
    }
    Err(TooLarge {
        scenario: index,
        key: blame(state, cohorts, records, "replications"),
        rule,
    })
}

/// Checks that a sweep fits `machine`: up to `threads` runs at once, each
/// holding one replication of its point (`points`, by point id) until it is
/// journalled. The refusal names the largest point, the key that makes it
/// large and the estimate.
pub(crate) fn check_sweep(
    points: &[MarketSize],
    runs: u64,
    threads: usize,
    machine: Machine,
) -> Result<(), TooLarge> {
    let in_flight = (threads.max(1) as u64).min(runs.max(1));
    let Some((index, estimate, size)) = points
        .iter()
        .enumerate()
        .map(|(i, size)| (i, MemoryEstimate::of(*size), size))
        .min_by_key(|(_, e, _)| Reverse(e.total(1, 1)))
    else {
        return Ok(());
    };
    let need = estimate.total(in_flight, in_flight);
    let limit = machine.allowance();
    if need <= limit {
        return Ok(());
    }
    let point = if points.len() > 1 {
        format!(" (point {index})")
    } else {
        String::new()
    };
    Err(TooLarge {
        scenario: index,
        key: blame(
            estimate.state,
            estimate.cohorts,
            estimate.records,
            "horizon_days",
        ),
        rule: format!(
            "its runs need about {:.1} GiB but this machine allows {:.1} GiB of its {:.1} GiB: \
             {in_flight} run(s) at once, each of a market of {} consumers and {} merchants{point} \
             needing {:.1} GiB, cohort counters {:.1} GiB and the daily records of {} days \
             {:.1} GiB",
            gib(need),
            gib(limit),
            gib(machine.memory),
            size.consumers,
            size.merchants,
            gib(estimate.state),
            gib(estimate.cohorts),
            size.horizon_days,
            gib(estimate.records),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(consumers: u64, horizon_days: u64) -> MarketSize {
        MarketSize {
            consumers,
            merchants: 100,
            platforms: 2,
            lenders: 1,
            segments: 1,
            horizon_days,
        }
    }

    #[test]
    fn memory_estimate_saturates_instead_of_overflowing() {
        let huge = MemoryEstimate::of(MarketSize {
            consumers: u64::MAX,
            merchants: u64::MAX,
            platforms: u64::MAX,
            lenders: u64::MAX,
            segments: u64::MAX,
            horizon_days: u64::MAX,
        });
        assert_eq!(huge.state, u64::MAX);
        assert_eq!(huge.total(u64::MAX, u64::MAX), u64::MAX);
    }

    #[test]
    fn memory_estimate_counts_the_records_of_every_replication() {
        // Regression: only the state of replications in flight was counted,
        // so a million replications passed the check and exhausted memory
        // with their daily records.
        let e = MemoryEstimate::of(size(1000, 365));
        assert!(e.records > 0);
        assert_eq!(e.total(1_000_000, 2) - e.total(1, 2), e.records * 999_999);
        // Larger markets and longer runs need more.
        assert!(MemoryEstimate::of(size(2000, 365)).state > e.state);
        assert!(MemoryEstimate::of(size(1000, 730)).cohorts > e.cohorts);
    }

    fn scenario(consumers: u32, replications: u32, horizon_days: u32) -> Scenario {
        let text = format!(
            "seed = 1\nreplications = {replications}\nhorizon_days = {horizon_days}\n\
             [market]\nconsumers = {consumers}\nmerchants = 10\n\
             [consumers]\npurchase_rate = 0.1\nprice_sensitivity = 0.1\n\
             [merchants]\nprice = 10.0\n\
             [[platforms]]\nname = \"A\"\ncash = 1.0\ncommission = 0.1\n"
        );
        match crate::scenario::parse(&text, "t.toml", "t", &[]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    const GIB: u64 = 1 << 30;

    #[test]
    fn the_machine_decides_and_the_message_names_the_key() {
        let small = Machine { memory: GIB };
        let large = Machine {
            memory: 1 << 50, // a petabyte
        };
        let crowd = scenario(200_000_000, 1, 10);
        assert_eq!(check_runs(&[&crowd], 2, large), Ok(()));
        let e = check_runs(&[&crowd], 2, small).expect_err("too large");
        assert_eq!(e.key, "market.consumers");
        assert!(e.rule.contains("GiB"), "{e}");
        assert!(e.rule.contains("200000000 consumers"), "{e}");

        let many = scenario(100, 1_000_000, 36_500);
        let e = check_runs(&[&many], 2, small).expect_err("too large");
        assert_eq!(e.key, "replications");
        assert!(e.rule.contains("daily records"), "{e}");
    }

    #[test]
    fn compare_counts_every_variant_s_records_and_names_the_largest() {
        let one = scenario(100, 1000, 365);
        let need = MemoryEstimate::of(MarketSize::of(&one)).total(1000, 1);
        // Just room for one variant.
        let machine = Machine {
            memory: need / 4 * 5 + 5,
        };
        assert!(machine.allowance() >= need);
        assert_eq!(check_runs(&[&one], 1, machine), Ok(()));
        let small = scenario(100, 1, 10);
        let e = check_runs(&[&small, &one, &one], 1, machine).expect_err("too large");
        assert_eq!(e.scenario, 1);
        assert!(e.rule.contains("other variants"), "{e}");
    }

    #[test]
    fn a_sweep_holds_one_replication_per_run_in_flight() {
        let machine = Machine { memory: GIB };
        // A million replications are journalled one by one, not kept.
        let long = MarketSize::of(&scenario(100, 1_000_000, 36_500));
        assert_eq!(check_sweep(&[long], 1_000_000, 2, machine), Ok(()));
        let crowd = MarketSize::of(&scenario(200_000_000, 1, 10));
        let e = check_sweep(&[long, crowd], 2, 2, machine).expect_err("too large");
        assert_eq!((e.scenario, e.key), (1, "market.consumers"));
        assert!(e.rule.contains("(point 1)"), "{e}");
    }
}
