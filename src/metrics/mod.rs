//! What a run records: daily rows per platform, a summary per platform and
//! market totals. The market reports each order and each day's close to a
//! [`Recorder`]; writers in [`output`] turn finished runs into files.

pub mod output;
pub mod stats;

use crate::agents::NEVER;
use crate::ledger::Money;

/// Consumers count as active on a platform for this many days after an
/// order there.
pub const ACTIVE_WINDOW_DAYS: u32 = 30;
/// `final_share` is the platform's share of platform orders over this many
/// final days (fewer if the horizon is shorter).
pub const FINAL_SHARE_DAYS: u32 = 7;

/// Flows of one platform over some period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    /// Orders placed through the platform.
    pub orders: u64,
    /// Gross merchandise value at list price.
    pub gmv: Money,
    /// Coupons paid to consumers.
    pub subsidy_spend: Money,
    /// Commission plus consumer fees.
    pub revenue: Money,
}

/// One platform on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRecord {
    /// Day index (0-based).
    pub day: u32,
    /// Platform index.
    pub platform: usize,
    /// The day's flows.
    pub flows: Flows,
    /// Cash at the end of the day.
    pub cash: Money,
    /// Funding received minus cash: money spent so far (negative when the
    /// platform has made money).
    pub cumulative_burn: Money,
    /// Share of the day's platform orders (0 for every platform on a day
    /// with no platform orders).
    pub share: f64,
    /// Consumers who ordered on the platform in the last 30 days.
    pub active_consumers: u64,
}

/// One platform over a whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSummary {
    /// Platform index.
    pub platform: usize,
    /// Flows over the run.
    pub flows: Flows,
    /// Funding received minus final cash.
    pub cumulative_burn: Money,
    /// Cash at the end of the run.
    pub final_cash: Money,
    /// Share of platform orders over the final days.
    pub final_share: f64,
    /// Day the platform ran out of cash and exited.
    pub exit_day: Option<u32>,
}

/// A headline figure of a platform's run: what the summary table, sweep
/// aggregates and paired comparisons report with confidence intervals.
#[derive(Debug, Clone, Copy)]
pub struct Headline {
    /// Column name, as in `summary.csv`.
    pub name: &'static str,
    /// Label with unit, for tables.
    pub label: &'static str,
    /// The value in reporting units (yuan for money, a fraction for shares).
    pub value: fn(&PlatformSummary) -> f64,
}

/// The headline figures, in reporting order.
pub const HEADLINES: &[Headline] = &[
    Headline {
        name: "orders",
        label: "orders",
        value: |s| s.flows.orders as f64,
    },
    Headline {
        name: "gmv",
        label: "GMV (yuan)",
        value: |s| s.flows.gmv.as_major(),
    },
    Headline {
        name: "subsidy_spend",
        label: "subsidy spend (yuan)",
        value: |s| s.flows.subsidy_spend.as_major(),
    },
    Headline {
        name: "revenue",
        label: "revenue (yuan)",
        value: |s| s.flows.revenue.as_major(),
    },
    Headline {
        name: "cumulative_burn",
        label: "cumulative burn (yuan)",
        value: |s| s.cumulative_burn.as_major(),
    },
    Headline {
        name: "final_cash",
        label: "final cash (yuan)",
        value: |s| s.final_cash.as_major(),
    },
    Headline {
        name: "final_share",
        label: "final share",
        value: |s| s.final_share,
    },
    Headline {
        name: "exited",
        label: "exited (fraction of runs)",
        value: |s| if s.exit_day.is_some() { 1.0 } else { 0.0 },
    },
];

/// Market-wide counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarketTotals {
    /// Purchase occasions (every consumer arrival).
    pub occasions: u64,
    /// Orders through any platform.
    pub platform_orders: u64,
    /// Purchases made direct from merchants.
    pub direct_orders: u64,
    /// Occasions on which the consumer did not buy.
    pub no_purchase: u64,
}

/// Everything one replication produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// Replication index.
    pub replication: u32,
    /// The replication's seed.
    pub seed: u64,
    /// Events processed by the engine.
    pub events: u64,
    /// Ledger postings made.
    pub postings: u64,
    /// Daily records, day-major then platform.
    pub days: Vec<DayRecord>,
    /// One summary per platform.
    pub summary: Vec<PlatformSummary>,
    /// Market totals.
    pub totals: MarketTotals,
    /// Wall-clock seconds of the replication (reported only in manifests).
    pub wall_seconds: f64,
}

/// Accumulates a run's records as the market reports them.
#[derive(Debug, Clone)]
pub struct Recorder {
    platforms: usize,
    horizon: u32,
    today: Vec<Flows>,
    totals: Vec<Flows>,
    /// Consumers whose last order on a platform was on a given day:
    /// `[platform * horizon + day]`.
    last_order_hist: Vec<u32>,
    days: Vec<DayRecord>,
    market: MarketTotals,
}

impl Recorder {
    /// A recorder for `platforms` platforms over `horizon` days.
    pub fn new(platforms: usize, horizon: u32) -> Recorder {
        Recorder {
            platforms,
            horizon,
            today: vec![Flows::default(); platforms],
            totals: vec![Flows::default(); platforms],
            last_order_hist: vec![0; platforms * horizon as usize],
            days: Vec::with_capacity(platforms * horizon as usize),
            market: MarketTotals::default(),
        }
    }

    /// A purchase occasion happened.
    pub fn occasion(&mut self) {
        self.market.occasions += 1;
    }

    /// A direct purchase happened.
    pub fn direct(&mut self) {
        self.market.direct_orders += 1;
    }

    /// An occasion ended without a purchase.
    pub fn no_purchase(&mut self) {
        self.market.no_purchase += 1;
    }

    /// A platform order happened on `day`; `previous_day` is the consumer's
    /// previous order day on that platform (`NEVER` if none).
    pub fn platform_order(&mut self, platform: usize, day: u32, previous_day: u16, flows: Flows) {
        self.market.platform_orders += 1;
        let t = &mut self.today[platform];
        t.orders += flows.orders;
        t.gmv += flows.gmv;
        t.subsidy_spend += flows.subsidy_spend;
        t.revenue += flows.revenue;
        if u32::from(previous_day) != day {
            let base = platform * self.horizon as usize;
            if previous_day != NEVER {
                self.last_order_hist[base + previous_day as usize] -= 1;
            }
            self.last_order_hist[base + day as usize] += 1;
        }
    }

    /// Closes `day`, given each platform's cash and funding at its end.
    pub fn close_day(&mut self, day: u32, cash: &[Money], funding: &[Money]) {
        let platform_orders: u64 = self.today.iter().map(|f| f.orders).sum();
        let from = day.saturating_sub(ACTIVE_WINDOW_DAYS - 1) as usize;
        for p in 0..self.platforms {
            let base = p * self.horizon as usize;
            let active = self.last_order_hist[base + from..=base + day as usize]
                .iter()
                .map(|&n| u64::from(n))
                .sum();
            let flows = self.today[p];
            let share = if platform_orders == 0 {
                0.0
            } else {
                flows.orders as f64 / platform_orders as f64
            };
            self.days.push(DayRecord {
                day,
                platform: p,
                flows,
                cash: cash[p],
                cumulative_burn: funding[p] - cash[p],
                share,
                active_consumers: active,
            });
            let total = &mut self.totals[p];
            total.orders += flows.orders;
            total.gmv += flows.gmv;
            total.subsidy_spend += flows.subsidy_spend;
            total.revenue += flows.revenue;
            self.today[p] = Flows::default();
        }
    }

    /// Finishes the run: per-platform summaries from the daily records.
    pub fn finish(
        self,
        exit_days: &[Option<u32>],
    ) -> (Vec<DayRecord>, Vec<PlatformSummary>, MarketTotals) {
        let last_day = self.days.last().map_or(0, |r| r.day);
        let from = last_day.saturating_sub(FINAL_SHARE_DAYS - 1);
        let mut recent = vec![0u64; self.platforms];
        for r in self.days.iter().filter(|r| r.day >= from) {
            recent[r.platform] += r.flows.orders;
        }
        let recent_total: u64 = recent.iter().sum();
        let summary = (0..self.platforms)
            .map(|p| {
                let last = self.days.iter().rev().find(|r| r.platform == p);
                PlatformSummary {
                    platform: p,
                    flows: self.totals[p],
                    cumulative_burn: last.map_or(Money::ZERO, |r| r.cumulative_burn),
                    final_cash: last.map_or(Money::ZERO, |r| r.cash),
                    final_share: if recent_total == 0 {
                        0.0
                    } else {
                        recent[p] as f64 / recent_total as f64
                    },
                    exit_day: exit_days[p],
                }
            })
            .collect();
        (self.days, summary, self.market)
    }
}
