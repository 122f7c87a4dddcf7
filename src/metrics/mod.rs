//! What a run records: daily rows per platform, a summary per platform,
//! cohort retention and market totals. The market reports each order and
//! each day's close to a [`Recorder`]; writers in [`output`] turn finished
//! runs into files.
//!
//! | module | owns |
//! |---|---|
//! | [`columns`] | the column type, the one rule that turns values into text, the CSV writer |
//! | [`tables`] | the column tables of a run directory's CSV files |
//! | [`output`] | a run directory: its files and manifest |
//! | [`write`](mod@write) | staging, atomic replacement, and every manifest's provenance fields |
//! | [`reference`](mod@reference) | the results reference, rendered from the column tables |
//! | [`stats`] | means and confidence intervals across replications |
//! | [`merchants`] | each merchant's profit and loss and survival, and their summary per platform |
//! | [`lines`] | which business line each kind of posting through a platform's cash belongs to |

pub mod cohorts;
pub mod columns;
pub mod credit;
pub mod lending;
pub mod lines;
pub mod merchants;
pub mod output;
pub mod products;
pub mod reference;
pub mod stats;
pub mod tables;
pub mod write;

use crate::engine::NEVER;
use crate::ledger::Money;

/// Consumers count as active on a platform for this many days after an
/// order there.
pub const ACTIVE_WINDOW_DAYS: u32 = 30;
/// Shares reported as "final" or used by strategy rules are over this many
/// days (fewer if the run is shorter).
pub const SHARE_WINDOW_DAYS: u32 = 7;
/// Days in a cohort month.
pub const COHORT_MONTH_DAYS: u32 = 30;
/// `retention_90d` looks this many days after acquisition.
pub const RETENTION_DAYS: u32 = 90;

/// Flows of one platform over some period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flows {
    /// Orders placed through the platform.
    pub orders: u64,
    /// Gross merchandise value at list price.
    pub gmv: Money,
    /// Subsidies paid: coupons, new-user bonuses, merchant subsidies and
    /// red packets.
    pub subsidy_spend: Money,
    /// Marketing spent on acquisitions.
    pub marketing_spend: Money,
    /// Commission, consumer fees, payment fees and float income.
    pub revenue: Money,
    /// Variable cost of orders.
    pub variable_cost: Money,
    /// Direct purchases paid with the platform's wallet.
    pub wallet_payments: u64,
    /// Amount paid with the platform's wallet.
    pub wallet_volume: Money,
    /// Bounties paid to merchants for taking wallet payments (also counted
    /// in `subsidy_spend`).
    pub bounty_spend: Money,
    /// Wallet payments paid out of consumers' fund balances.
    pub balance_spend: Money,
    /// Yield the wallet's funds paid their holders (consumers and
    /// merchants).
    pub fund_yield: Money,
    /// The platform's spread on its funds (also counted in `revenue`).
    pub fund_spread: Money,
    /// Exclusivity payments to merchants listed on the platform only (also
    /// counted in `subsidy_spend`).
    pub exclusivity_spend: Money,
    /// Consumers enrolled in a merchant's own membership after an order
    /// through the platform (possible when the platform shares its
    /// customer data).
    pub members_enrolled: u64,
    /// Fees the wallet charged on payments (merchants' fee rate and
    /// payers' fees; also counted in `revenue`).
    pub payment_fees: Money,
    /// Interest the platform earned on takings it held for merchants (also
    /// counted in `revenue`).
    pub float_income: Money,
}

impl Flows {
    #[inline]
    fn add(&mut self, other: &Flows) {
        self.orders += other.orders;
        self.gmv += other.gmv;
        self.subsidy_spend += other.subsidy_spend;
        self.marketing_spend += other.marketing_spend;
        self.revenue += other.revenue;
        self.variable_cost += other.variable_cost;
        self.wallet_payments += other.wallet_payments;
        self.wallet_volume += other.wallet_volume;
        self.bounty_spend += other.bounty_spend;
        self.balance_spend += other.balance_spend;
        self.fund_yield += other.fund_yield;
        self.fund_spread += other.fund_spread;
        self.exclusivity_spend += other.exclusivity_spend;
        self.members_enrolled += other.members_enrolled;
        self.payment_fees += other.payment_fees;
        self.float_income += other.float_income;
    }
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
    /// Funding received minus cash and the consolidated loan book: money
    /// spent so far (negative when the platform has made money).
    pub cumulative_burn: Money,
    /// Months of spendable cash left at the last 30 days' burn rate (`None`
    /// when not burning).
    pub runway_months: Option<f64>,
    /// Share of the day's platform orders (0 for every platform on a day
    /// with no platform orders).
    pub share: f64,
    /// Consumers who ordered on the platform in the last 30 days.
    pub active_consumers: u64,
    /// Consumers acquired for the first time this day.
    pub new_consumers: u64,
    /// Consumers who uninstalled this day.
    pub churned_consumers: u64,
    /// Consumers with the app installed at the end of the day.
    pub installed_consumers: u64,
    /// Open merchants listed on the platform at the end of the day.
    pub merchants: u64,
    /// Open merchants accepting the platform's wallet at the end of the day.
    pub merchants_accepting: u64,
    /// Share of the day's wallet payments made with this platform's wallet
    /// (0 for everyone on a day without wallet payments).
    pub wallet_share: f64,
    /// Direct purchases that day, market-wide (the same for every
    /// platform).
    pub direct_orders: u64,
    /// Of those, purchases by members of the merchant's programme.
    pub member_orders: u64,
    /// Consumers' balances in the wallet's fund at the day's end.
    pub consumer_balances: Money,
    /// Merchants' cash swept into the wallet's merchant fund at the day's
    /// end.
    pub merchant_balances: Money,
    /// Open merchants listed on this platform alone under an exclusivity
    /// deal at the end of the day.
    pub exclusive_merchants: u64,
    /// The day's profit by business line, in [`lines::Line::ALL`] order.
    pub lines: [Money; lines::Line::COUNT],
    /// Principal outstanding of the platform's consolidated lending arms
    /// at the day's end.
    pub loan_book: Money,
    /// Consumer credit balances the platform's programme has outstanding
    /// at the day's end.
    pub credit_book: Money,
}

/// One platform over a whole run.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformSummary {
    /// Platform index.
    pub platform: usize,
    /// Flows over the run.
    pub flows: Flows,
    /// Funding received minus final cash and loan book.
    pub cumulative_burn: Money,
    /// Cash at the end of the run.
    pub final_cash: Money,
    /// Share of platform orders over the final days.
    pub final_share: f64,
    /// Day the platform ran out of cash and exited.
    pub exit_day: Option<u32>,
    /// Day another platform bought it.
    pub acquired_day: Option<u32>,
    /// Name of the platform that bought it.
    pub acquired_by: Option<String>,
    /// Of consumers acquired at least 90 days before the end, the share
    /// still installed 90 days after acquisition (`None` if none were).
    pub retention_90d: Option<f64>,
    /// 30-day active consumers on the last day.
    pub active_users_end: u64,
    /// Highest 7-day share of platform orders.
    pub peak_share: f64,
    /// Merchants listed on the last day.
    pub merchants_end: u64,
    /// Consumers' balances in the wallet's fund on the last day.
    pub consumer_balances_end: Money,
    /// Merchants' swept cash in the wallet's merchant fund on the last day.
    pub merchant_balances_end: Money,
    /// Merchants under an exclusivity deal on the last day.
    pub exclusive_merchants_end: u64,
    /// Contribution (revenue − subsidies − variable cost) per consumer
    /// ever acquired, in yuan (`None` if none were).
    pub ltv_per_user: Option<f64>,
    /// Marketing spend per consumer acquired by marketing, in yuan (`None`
    /// if marketing acquired nobody).
    pub cac: Option<f64>,
    /// The platform's lending arm over the run, if it has one.
    pub lending: Option<lending::LenderSummary>,
    /// The platform's consumer credit programme, if it runs one.
    pub credit: Option<credit::CreditSummary>,
    /// Merchants listed on the platform at any time during the run.
    pub merchants_listed_ever: u64,
    /// Of those, the share still open at the end (`None` if none).
    pub merchant_survival: Option<f64>,
    /// Their mean profit over the run, in yuan (`None` if none).
    pub merchant_profit_mean: Option<f64>,
    /// Profit by business line over the run, in [`lines::Line::ALL`]
    /// order.
    pub contributions: [Money; lines::Line::COUNT],
    /// Principal outstanding of the consolidated lending arms and consumer
    /// credit balances at the end.
    pub loan_book_end: Money,
    /// Customers' money held for merchants at the end (settlement).
    pub held_for_merchants_end: Money,
    /// Funding received, acquisitions paid and cash taken over in
    /// mergers, net, over the run.
    pub financing: Money,
    /// What its products came to (none for a platform without products).
    pub products: Option<products::ProductSummary>,
}

/// A headline figure of a platform's run: what the summary table, sweep
/// aggregates and paired comparisons report with confidence intervals.
/// The lending figures are also reported for a lender that is not a
/// platform's lending arm (a bank), through [`Headline::lender`].
#[derive(Debug, Clone, Copy)]
pub struct Headline {
    /// Column name, as in `summary.csv`.
    pub name: &'static str,
    /// Label with unit, for tables.
    pub label: &'static str,
    /// What the figure is, which decides how it is printed
    /// ([`columns::printed`]): the kind of its `summary.csv` column,
    /// taken from the column table when the table is built.
    pub kind: columns::Kind,
    /// The value in reporting units (yuan for money, a fraction for
    /// shares); `None` where undefined for this run.
    pub value: fn(&PlatformSummary) -> Option<f64>,
    /// For a lending figure, its value for any lender (a platform's
    /// `value` reads it from the platform's lending arm); `None` for a
    /// figure that only platforms have.
    pub lender: Option<fn(&lending::LenderSummary) -> Option<f64>>,
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The kind of `summary.csv` column `name`: the one table that decides
/// decimals. Evaluated at compile time, so a headline that names no
/// column does not build.
const fn column_kind(name: &str) -> columns::Kind {
    let mut i = 0;
    while i < tables::SUMMARY_METRICS.len() {
        if same(tables::SUMMARY_METRICS[i].name, name) {
            return tables::SUMMARY_METRICS[i].kind;
        }
        i += 1;
    }
    panic!("a headline names a column that summary.csv does not have")
}

/// A headline that is a `summary.csv` column of platforms only.
const fn platform(
    name: &'static str,
    label: &'static str,
    value: fn(&PlatformSummary) -> Option<f64>,
) -> Headline {
    Headline {
        name,
        label,
        kind: column_kind(name),
        value,
        lender: None,
    }
}

/// A lending headline: `lender` reads it from any lender, `arm` from a
/// platform's lending arm (the same function, applied to the arm).
const fn lending_figure(
    name: &'static str,
    label: &'static str,
    arm: fn(&PlatformSummary) -> Option<f64>,
    lender: fn(&lending::LenderSummary) -> Option<f64>,
) -> Headline {
    Headline {
        name,
        label,
        kind: column_kind(name),
        value: arm,
        lender: Some(lender),
    }
}

type LenderFigure = fn(&lending::LenderSummary) -> Option<f64>;
const LOANS_DISBURSED: LenderFigure = |l| Some(l.flows.loans_disbursed as f64);
const DEFAULT_RATE: LenderFigure = |l| l.default_rate;
const NPL_RATIO: LenderFigure = |l| Some(l.npl_ratio);
const CREDIT_LOSS: LenderFigure = |l| Some(l.flows.credit_loss.as_major());
const LENDING_PROFIT: LenderFigure = |l| Some(l.lending_profit.as_major());

/// The headline figures, in reporting order.
pub const HEADLINES: &[Headline] = &[
    platform("orders", "orders", |s| Some(s.flows.orders as f64)),
    platform("gmv", "GMV (yuan)", |s| Some(s.flows.gmv.as_major())),
    platform("subsidy_spend", "subsidy spend (yuan)", |s| {
        Some(s.flows.subsidy_spend.as_major())
    }),
    platform("marketing_spend", "marketing spend (yuan)", |s| {
        Some(s.flows.marketing_spend.as_major())
    }),
    platform("revenue", "revenue (yuan)", |s| {
        Some(s.flows.revenue.as_major())
    }),
    platform("cumulative_burn", "cumulative burn (yuan)", |s| {
        Some(s.cumulative_burn.as_major())
    }),
    platform("final_cash", "final cash (yuan)", |s| {
        Some(s.final_cash.as_major())
    }),
    platform("final_share", "final share", |s| Some(s.final_share)),
    platform("peak_share", "peak share", |s| Some(s.peak_share)),
    platform("retention_90d", "90-day retention", |s| s.retention_90d),
    platform("active_users_end", "active users at end", |s| {
        Some(s.active_users_end as f64)
    }),
    platform("merchants_end", "merchants at end", |s| {
        Some(s.merchants_end as f64)
    }),
    platform("ltv_per_user", "LTV per user (yuan)", |s| s.ltv_per_user),
    platform("cac", "CAC (yuan)", |s| s.cac),
    lending_figure(
        "loans_disbursed",
        "loans disbursed",
        |s| s.lending.as_ref().and_then(LOANS_DISBURSED),
        LOANS_DISBURSED,
    ),
    lending_figure(
        "default_rate",
        "loan default rate",
        |s| s.lending.as_ref().and_then(DEFAULT_RATE),
        DEFAULT_RATE,
    ),
    lending_figure(
        "npl_ratio",
        "NPL ratio at end",
        |s| s.lending.as_ref().and_then(NPL_RATIO),
        NPL_RATIO,
    ),
    lending_figure(
        "credit_loss",
        "credit losses (yuan)",
        |s| s.lending.as_ref().and_then(CREDIT_LOSS),
        CREDIT_LOSS,
    ),
    lending_figure(
        "lending_profit",
        "lending profit (yuan)",
        |s| s.lending.as_ref().and_then(LENDING_PROFIT),
        LENDING_PROFIT,
    ),
    // Not a summary.csv column: whether `exit_day` is set.
    Headline {
        name: "exited",
        label: "exited (fraction of runs)",
        kind: columns::Kind::Fraction,
        value: |s| Some(if s.exit_day.is_some() { 1.0 } else { 0.0 }),
        lender: None,
    },
];

/// Lenders reported in rows of their own (in the `run` table, `compare`,
/// `summary_stats.csv` and a sweep's `runs.csv` and `aggregate.csv`), in
/// scenario order: every lender that is not a platform's lending arm. A
/// platform's arm is the first lender naming that platform; its figures
/// are the lending columns of the platform's own row.
pub fn own_row_lenders(scenario: &crate::scenario::Scenario) -> Vec<usize> {
    let lenders = &scenario.lenders;
    (0..lenders.len())
        .filter(|&l| match lenders[l].platform {
            Some(p) => lenders[..l].iter().any(|o| o.platform == Some(p)),
            None => true,
        })
        .collect()
}

/// Market-wide counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MarketTotals {
    /// Purchase occasions (every consumer arrival).
    pub occasions: u64,
    /// Orders through any platform.
    pub platform_orders: u64,
    /// Purchases made direct from merchants.
    pub direct_orders: u64,
    /// Direct purchases by members of the merchant's own programme.
    pub member_orders: u64,
    /// Occasions on which the consumer did not buy.
    pub no_purchase: u64,
    /// Orders served through a merchant queue.
    pub queued_orders: u64,
    /// Total time in system of queued orders, in ticks (seconds).
    pub time_in_system: u64,
    /// Total time queued orders waited before service began, in ticks.
    pub queue_wait: u64,
    /// The part of `time_in_system` that fell within the horizon: the
    /// integral over the run of the number of orders in merchants'
    /// systems, in order-ticks.
    pub in_system_area: u64,
    /// The part of `queue_wait` that fell within the horizon: the integral
    /// of the number of orders waiting, in order-ticks.
    pub in_queue_area: u64,
    /// Merchants with a service rate (each one server).
    pub servers: u64,
    /// Length of the run, in ticks.
    pub horizon_ticks: u64,
    /// Merchants that closed for lack of cash.
    pub merchants_closed: u64,
}

/// Retention of one acquisition cohort at one age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortRecord {
    /// Platform index.
    pub platform: usize,
    /// Consumer segment index.
    pub segment: usize,
    /// Month of first acquisition (30-day months from day 0).
    pub cohort_month: u32,
    /// Months since acquisition.
    pub age_months: u32,
    /// Members observed to this age (acquired early enough).
    pub observed: u64,
    /// Of those, still in their first install spell at this age.
    pub retained: u64,
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
    /// Cohort retention.
    pub cohorts: Vec<CohortRecord>,
    /// Market totals.
    pub totals: MarketTotals,
    /// Daily records per lender.
    pub lender_days: Vec<lending::LenderDay>,
    /// One summary per lender.
    pub lenders: Vec<lending::LenderSummary>,
    /// Every loan made (written to `loans.csv` on request).
    pub loans: Vec<lending::Loan>,
    /// Every merchant's economics (written to `merchants.csv` on request).
    pub merchants: Vec<merchants::MerchantRecord>,
    /// Each product's days from its launch (empty without products).
    pub products: Vec<products::ProductDay>,
    /// Wall-clock seconds of the replication (reported only in manifests).
    pub wall_seconds: f64,
}

/// A platform's state at a day's close, as the recorder needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlatformClose {
    /// Cash.
    pub cash: Money,
    /// Funding received so far.
    pub funding: Money,
    /// Runway in months, if burning.
    pub runway_months: Option<f64>,
    /// Consumers with the app installed.
    pub installed: u64,
    /// Open merchants listed.
    pub merchants: u64,
    /// Whether the platform still trades (an exited platform has no active
    /// users).
    pub alive: bool,
    /// Open merchants accepting the platform's wallet.
    pub merchants_accepting: u64,
    /// Consumers' balances and merchants' swept cash in the wallet's funds.
    pub balances: (Money, Money),
    /// Open merchants under an exclusivity deal with the platform.
    pub exclusive_merchants: u64,
    /// The day's profit by business line.
    pub lines: [Money; lines::Line::COUNT],
    /// Principal outstanding of the consolidated lending arms.
    pub loan_book: Money,
    /// Consumer credit balances outstanding.
    pub credit_book: Money,
}

/// Accumulates a run's records as the market reports them.
#[derive(Debug, Clone)]
pub struct Recorder {
    platforms: usize,
    horizon: u32,
    today: Vec<Flows>,
    new_today: Vec<u64>,
    churned_today: Vec<u64>,
    totals: Vec<Flows>,
    /// Profit by business line over the run so far, per platform.
    line_totals: Vec<[Money; lines::Line::COUNT]>,
    acquired: Vec<u64>,
    /// Consumers whose last order on a platform was on a given day:
    /// `[platform * horizon + day]`.
    last_order_hist: Vec<u32>,
    days: Vec<DayRecord>,
    market: MarketTotals,
    /// Direct purchases of the day so far, market-wide.
    direct_today: u64,
    /// Of those, purchases by members.
    member_today: u64,
}

impl Recorder {
    /// A recorder for `platforms` platforms over `horizon` days.
    pub fn new(platforms: usize, horizon: u32) -> Recorder {
        Recorder {
            direct_today: 0,
            member_today: 0,
            platforms,
            horizon,
            today: vec![Flows::default(); platforms],
            new_today: vec![0; platforms],
            churned_today: vec![0; platforms],
            totals: vec![Flows::default(); platforms],
            line_totals: vec![[Money::ZERO; lines::Line::COUNT]; platforms],
            acquired: vec![0; platforms],
            last_order_hist: vec![0; platforms * horizon as usize],
            days: Vec::with_capacity(platforms * horizon as usize),
            market: MarketTotals {
                horizon_ticks: u64::from(horizon) * crate::engine::TICKS_PER_DAY,
                ..MarketTotals::default()
            },
        }
    }

    /// A purchase occasion happened.
    pub fn occasion(&mut self) {
        self.market.occasions += 1;
    }

    /// A direct purchase happened (`member`: by a member of the merchant's
    /// programme).
    pub fn direct(&mut self, member: bool) {
        self.market.direct_orders += 1;
        if member {
            self.market.member_orders += 1;
            self.member_today += 1;
        }
        self.direct_today += 1;
    }

    /// An occasion ended without a purchase.
    pub fn no_purchase(&mut self) {
        self.market.no_purchase += 1;
    }

    /// An order spent `in_system` ticks in a merchant's queue and service,
    /// `wait` of them before service began; `in_system_within` and
    /// `wait_within` are the parts before the horizon.
    pub fn queued(&mut self, in_system: u64, wait: u64, in_system_within: u64, wait_within: u64) {
        self.market.queued_orders += 1;
        self.market.time_in_system += in_system;
        self.market.queue_wait += wait;
        self.market.in_system_area += in_system_within;
        self.market.in_queue_area += wait_within;
    }

    /// A merchant closed.
    pub fn merchant_closed(&mut self) {
        self.market.merchants_closed += 1;
    }

    /// Money flowed for platform `platform` outside an order (payment fees,
    /// float income, red packets, marketing).
    pub fn platform_flows(&mut self, platform: usize, flows: Flows) {
        self.today[platform].add(&flows);
    }

    /// A consumer was acquired by `platform` for the first time
    /// (`by_marketing`: through paid marketing).
    pub fn acquired(&mut self, platform: usize) {
        self.new_today[platform] += 1;
        self.acquired[platform] += 1;
    }

    /// A consumer uninstalled `platform`.
    pub fn churned(&mut self, platform: usize) {
        self.churned_today[platform] += 1;
    }

    /// A platform order happened on `day`; `previous_day` is the consumer's
    /// previous order day on that platform (`NEVER` if none).
    // Inlined where an order is settled, so the fields an order leaves at
    // zero cost nothing.
    #[inline]
    pub fn platform_order(&mut self, platform: usize, day: u32, previous_day: u16, flows: Flows) {
        self.market.platform_orders += 1;
        self.today[platform].add(&flows);
        if u32::from(previous_day) != day {
            let base = platform * self.horizon as usize;
            if previous_day != NEVER && u32::from(previous_day) < self.horizon {
                self.last_order_hist[base + previous_day as usize] -= 1;
            }
            self.last_order_hist[base + day as usize] += 1;
        }
    }

    /// Orders of `platform` over the last `window` closed days.
    pub fn recent_orders(&self, platform: usize, window: u32) -> u64 {
        self.days
            .iter()
            .rev()
            .take(self.platforms * window as usize)
            .filter(|r| r.platform == platform)
            .map(|r| r.flows.orders)
            .sum()
    }

    /// Shares of platform orders over the last `window` closed days (all 0
    /// when there were none).
    pub fn recent_shares(&self, window: u32) -> Vec<f64> {
        let orders: Vec<u64> = (0..self.platforms)
            .map(|p| self.recent_orders(p, window))
            .collect();
        let total: u64 = orders.iter().sum();
        orders
            .iter()
            .map(|&o| {
                if total == 0 {
                    0.0
                } else {
                    o as f64 / total as f64
                }
            })
            .collect()
    }

    /// The last closed day's record of `platform`.
    pub fn last_day(&self, platform: usize) -> Option<&DayRecord> {
        self.days
            .iter()
            .rev()
            .take(self.platforms)
            .find(|r| r.platform == platform)
    }

    /// The records of the last closed day, one per platform in platform
    /// order (empty before the first day closes).
    pub fn closed_day(&self) -> &[DayRecord] {
        &self.days[self.days.len().saturating_sub(self.platforms)..]
    }

    /// Closes `day`, given each platform's state at its end.
    pub fn close_day(&mut self, day: u32, close: &[PlatformClose]) {
        let platform_orders: u64 = self.today.iter().map(|f| f.orders).sum();
        let wallet_payments: u64 = self.today.iter().map(|f| f.wallet_payments).sum();
        let from = day.saturating_sub(ACTIVE_WINDOW_DAYS - 1) as usize;
        for (p, c) in close.iter().enumerate() {
            let base = p * self.horizon as usize;
            let active = if c.alive {
                self.last_order_hist[base + from..=base + day as usize]
                    .iter()
                    .map(|&n| u64::from(n))
                    .sum()
            } else {
                0
            };
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
                cash: c.cash,
                cumulative_burn: c.funding - c.cash - c.loan_book - c.credit_book,
                runway_months: c.runway_months,
                share,
                active_consumers: active,
                new_consumers: self.new_today[p],
                churned_consumers: self.churned_today[p],
                installed_consumers: c.installed,
                merchants: c.merchants,
                merchants_accepting: c.merchants_accepting,
                exclusive_merchants: c.exclusive_merchants,
                wallet_share: if wallet_payments == 0 {
                    0.0
                } else {
                    flows.wallet_payments as f64 / wallet_payments as f64
                },
                direct_orders: self.direct_today,
                member_orders: self.member_today,
                consumer_balances: c.balances.0,
                merchant_balances: c.balances.1,
                lines: c.lines,
                loan_book: c.loan_book,
                credit_book: c.credit_book,
            });
            for (t, &l) in self.line_totals[p].iter_mut().zip(&c.lines) {
                *t += l;
            }
            self.totals[p].add(&flows);
            self.today[p] = Flows::default();
            self.new_today[p] = 0;
            self.churned_today[p] = 0;
        }
        self.direct_today = 0;
        self.member_today = 0;
    }

    /// Finishes the run: per-platform summaries from the daily records;
    /// `retention_90d` and `cac` come from the market.
    pub fn finish(
        self,
        exit_days: &[Option<u32>],
        retention_90d: &[Option<f64>],
        cac: &[Option<f64>],
    ) -> (Vec<DayRecord>, Vec<PlatformSummary>, MarketTotals) {
        let final_shares = self.recent_shares(SHARE_WINDOW_DAYS);
        // Peak of the 7-day rolling share.
        let mut peak = vec![0.0f64; self.platforms];
        let days = self.days.len() / self.platforms.max(1);
        let mut window = vec![0u64; self.platforms];
        let lag = SHARE_WINDOW_DAYS as usize;
        for d in 0..days {
            for (p, w) in window.iter_mut().enumerate() {
                *w += self.days[d * self.platforms + p].flows.orders;
                if d >= lag {
                    *w -= self.days[(d - lag) * self.platforms + p].flows.orders;
                }
            }
            let total: u64 = window.iter().sum();
            if total > 0 {
                for (pk, w) in peak.iter_mut().zip(&window) {
                    *pk = pk.max(*w as f64 / total as f64);
                }
            }
        }
        let summary = (0..self.platforms)
            .map(|p| {
                let last = self.last_day(p);
                let t = self.totals[p];
                let contribution = t.revenue - t.subsidy_spend - t.variable_cost;
                PlatformSummary {
                    platform: p,
                    flows: t,
                    cumulative_burn: last.map_or(Money::ZERO, |r| r.cumulative_burn),
                    final_cash: last.map_or(Money::ZERO, |r| r.cash),
                    final_share: final_shares[p],
                    exit_day: exit_days[p],
                    acquired_day: None,
                    acquired_by: None,
                    retention_90d: retention_90d[p],
                    active_users_end: last.map_or(0, |r| r.active_consumers),
                    peak_share: peak[p],
                    merchants_end: last.map_or(0, |r| r.merchants),
                    consumer_balances_end: last.map_or(Money::ZERO, |r| r.consumer_balances),
                    merchant_balances_end: last.map_or(Money::ZERO, |r| r.merchant_balances),
                    exclusive_merchants_end: last.map_or(0, |r| r.exclusive_merchants),
                    ltv_per_user: (self.acquired[p] > 0)
                        .then(|| contribution.as_major() / self.acquired[p] as f64),
                    cac: cac[p],
                    lending: None,
                    credit: None,
                    merchants_listed_ever: 0,
                    merchant_survival: None,
                    merchant_profit_mean: None,
                    contributions: self.line_totals[p],
                    loan_book_end: last.map_or(Money::ZERO, |r| r.loan_book + r.credit_book),
                    held_for_merchants_end: Money::ZERO,
                    financing: Money::ZERO,
                    products: None,
                }
            })
            .collect();
        (self.days, summary, self.market)
    }
}
