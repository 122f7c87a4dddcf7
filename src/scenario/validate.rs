//! Stage 4 of loading: every rule, table by table, building the validated
//! [`Scenario`]. Each table's check lives beside its types, in the table's
//! module; this file checks the top-level keys and calls the tables in
//! file order, so problems are listed in the order a reader meets them.
//! Problems are collected, not thrown, so one pass reports everything
//! wrong with a file.
//!
//! The `[sweep]` table is kept as written: it is read and checked by
//! [`crate::sweep`], and a scenario does not need one.
//!
//! Validity never depends on the machine: whether a valid scenario fits in
//! this machine's memory is the runner's question
//! ([`crate::resources`]), asked before a run starts.

use super::Problem;
use super::checker::{Checker, Horizon};
use super::choice::{self, ChoiceSpec};
use super::consumers::{self, ConsumerSpec};
use super::economy::{self, EconomySpec};
use super::lenders::{self, LenderSpec};
use super::market::{self, Market};
use super::merchants::{self, MerchantSpec};
use super::platforms::{self, PlatformSpec};
use super::raw::RawScenario;
use super::regulation;

/// Longest run accepted, in days (a century).
pub const MAX_HORIZON_DAYS: u32 = 36_500;
/// Most replications of one scenario.
pub(crate) const MAX_REPLICATIONS: i64 = 1_000_000;

/// A validated scenario: everything a run needs, in model units.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, safe to use as a directory name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Number of replications.
    pub replications: u32,
    /// Run length in days.
    pub horizon_days: u32,
    /// Market sizes and outside options.
    pub market: Market,
    /// Utility coefficients.
    pub choice: ChoiceSpec,
    /// Consumer traits.
    pub consumers: ConsumerSpec,
    /// Merchant traits.
    pub merchants: MerchantSpec,
    /// Competing platforms, in file order (their index is their identity).
    pub platforms: Vec<PlatformSpec>,
    /// Lenders to merchants, in file order.
    pub lenders: Vec<LenderSpec>,
    /// The common economic environment.
    pub economy: EconomySpec,
    /// Largest coupon allowed, if capped.
    pub max_coupon: Option<f64>,
    /// The resolved file (defaults filled, overrides applied), recorded in
    /// manifests so a run can be reproduced.
    pub resolved: RawScenario,
}

/// Whether `name` may name a scenario (and so a results directory).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

/// Checks every rule and builds the validated scenario.
pub(super) fn check(raw: RawScenario, default_name: &str) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if !valid_name(&name) {
        c.fail(
            if raw.name.is_some() { "name" } else { "" },
            format!(
                "scenario name `{name}` must be 1-64 characters of letters, digits, '-', '_' or '.' \
                 (it names the output directory); set `name` in the file"
            ),
        );
    }
    let replications = c.count("replications", raw.replications, 1, MAX_REPLICATIONS);
    let problems_before = c.problems.len();
    let horizon_days = c.count(
        "horizon_days",
        raw.horizon_days,
        1,
        i64::from(MAX_HORIZON_DAYS),
    );
    let horizon = Horizon {
        days: horizon_days,
        ok: c.problems.len() == problems_before,
    };

    let market = market::check(&mut c, &raw.market);
    let choice = choice::check(&mut c, &raw.choice);
    let consumers = consumers::check(&mut c, &raw.consumers);
    let merchants = merchants::check(&mut c, &raw.merchants);
    let platforms = platforms::check(&mut c, &raw.platforms, horizon);
    let regulation = regulation::check(&mut c, &raw.regulation);
    let lenders = lenders::check(
        &mut c,
        &raw.lenders,
        &raw.platforms,
        regulation.max_interest_rate,
    );
    let economy = economy::check(&mut c, &raw.economy, horizon);

    check_memory(
        &mut c,
        MarketSize {
            consumers: u64::from(market.consumers),
            merchants: u64::from(market.merchants),
            platforms: platforms.len() as u64,
            lenders: lenders.len() as u64,
            segments: consumers.segments.len() as u64,
            horizon_days: u64::from(horizon_days),
        },
        replications,
    );

    if c.problems.is_empty() {
        Ok(Scenario {
            name,
            seed: raw.seed,
            replications,
            horizon_days,
            market,
            choice,
            consumers,
            merchants,
            platforms,
            lenders,
            economy,
            max_coupon: regulation.max_coupon,
            resolved: raw,
        })
    } else {
        Err(c.problems)
    }
}

/// What a run of a scenario holds in memory, for the size check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryEstimate {
    /// Agent state and pending events of one replication while it runs.
    pub state: u64,
    /// Cohort counters of one replication, built when it finishes.
    pub cohorts: u64,
    /// Daily records one finished replication keeps until every
    /// replication is done and the files are written.
    pub records: u64,
}

/// Sizes of a market, for [`MemoryEstimate::of`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarketSize {
    pub consumers: u64,
    pub merchants: u64,
    pub platforms: u64,
    pub lenders: u64,
    pub segments: u64,
    pub horizon_days: u64,
}

impl MemoryEstimate {
    /// The estimate for a market of `size`, from the sizes of the types
    /// that hold it (saturating: an absurd size gives `u64::MAX`, never an
    /// overflow).
    pub fn of(size: MarketSize) -> MemoryEstimate {
        use std::mem::size_of;
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
            + b(size_of::<crate::engine::Scheduled<crate::engine::Event>>()))
        .saturating_add(platforms.saturating_mul(b(size_of::<crate::agents::Relation>())));
        // Price, costs, queue and listing state, a random stream, per-platform
        // counters and, with lenders, 30 days of sales per channel and cash.
        let window = crate::market::lending::SALES_WINDOW as u64;
        let per_merchant = (b(3 * size_of::<crate::ledger::Money>() + 4 * size_of::<u64>() + 16)
            + b(size_of::<crate::rng::StreamRng>()))
        .saturating_add(platforms.saturating_mul(8))
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
                    lenders.saturating_mul(b(size_of::<crate::market::lending::LenderDay>())),
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
    pub fn total(&self, replications: u64, in_flight: u64) -> u64 {
        self.state
            .saturating_add(self.cohorts)
            .saturating_mul(in_flight)
            .saturating_add(self.records.saturating_mul(replications))
    }
}

/// Refuses scenarios whose run would not fit in memory, with the estimate,
/// naming the key that makes it large: the market size, the horizon (with
/// many platforms and segments, cohort counters grow with its square) or
/// the replications (every replication's daily records are kept until the
/// files are written). Replications run in parallel, up to one per core.
fn check_memory(c: &mut Checker, size: MarketSize, replications: u32) {
    let in_flight = std::thread::available_parallelism()
        .map_or(1, |n| n.get() as u64)
        .min(u64::from(replications).max(1));
    let estimate = MemoryEstimate::of(size);
    let need = estimate.total(u64::from(replications), in_flight);
    let total = available_memory().unwrap_or(16 << 30);
    // Leave a fifth of the machine for the system and result buffers.
    let limit = total / 5 * 4;
    if need <= limit {
        return;
    }
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let state = estimate.state.saturating_mul(in_flight);
    let cohorts = estimate.cohorts.saturating_mul(in_flight);
    let records = estimate.records.saturating_mul(u64::from(replications));
    let key = if state >= cohorts && state >= records {
        "market.consumers"
    } else if cohorts >= records {
        "horizon_days"
    } else {
        "replications"
    };
    c.fail(
        key,
        format!(
            "this run needs about {:.1} GiB but this machine allows {:.1} GiB of its {:.1} GiB: \
             a market of {} consumers and {} merchants needs {:.1} GiB per replication \
             ({in_flight} in parallel), cohort counters {:.1} GiB per replication, and the \
             daily records of {replications} replication(s) × {} days {:.1} GiB",
            gib(need),
            gib(limit),
            gib(total),
            size.consumers,
            size.merchants,
            gib(estimate.state),
            gib(estimate.cohorts),
            size.horizon_days,
            gib(records),
        ),
    );
}

/// Total physical memory, from /proc/meminfo where available.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
}
