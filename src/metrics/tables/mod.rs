//! The column tables of a run directory's CSV files: `summary.csv`,
//! `timeseries.csv`, `business_lines.csv`, `cohorts.csv`, `market.csv`, `lending.csv`,
//! `lenders.csv`, `loans.csv` and `summary_stats.csv`. Each column is
//! declared here once; the writers in [`super::output`], the comparison and sweep files that
//! repeat the summary columns, and the results reference all read these
//! tables.
//!
//! The lending figures of a summary row are the lender table's own
//! columns ([`LENDER_METRICS`]), read from the platform's lending arm, so
//! the two files cannot disagree on them.

mod lending;
mod merchants;
mod stats;

use super::columns::{Column, Kind, Value, int, maybe};
use super::credit::CreditSummary;
use super::lines::Line;
use super::{CohortRecord, DayRecord, PlatformSummary, RunOutput};
use crate::scenario::Scenario;

pub use lending::{LENDER_FIGURES, LENDER_METRICS, lender_keys, lending, loans};
pub use merchants::{MerchantLine, merchants};
pub(crate) use stats::STATS;
pub use stats::{StatRow, stat_keys};

use Kind::{Decimal, Fraction, Int, Money as Yuan, Text};
use Value::{Fraction as Frac, Money as Cash};

/// A record in its run: what a row of a run file is read from.
#[derive(Debug)]
pub struct Row<'a, T> {
    /// The scenario (for platform, lender and segment names).
    pub scenario: &'a Scenario,
    /// The replication the record belongs to.
    pub run: &'a RunOutput,
    /// Position of the record in its list.
    pub index: usize,
    /// The record.
    pub record: &'a T,
}

// Not derived: a derive would require `T: Copy`.
impl<T> Clone for Row<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Row<'_, T> {}

impl<'a, T> Row<'a, T> {
    /// Every record of `records` in its run, in order.
    pub fn all(
        scenario: &'a Scenario,
        run: &'a RunOutput,
        records: &'a [T],
    ) -> impl Iterator<Item = Row<'a, T>> {
        records.iter().enumerate().map(move |(index, record)| Row {
            scenario,
            run,
            index,
            record,
        })
    }

    pub(crate) fn platform_name(&self, p: usize) -> Value<'a> {
        Value::Text(&self.scenario.platforms[p].name)
    }

    pub(crate) fn lender_name(&self, l: usize) -> Value<'a> {
        Value::Text(&self.scenario.lenders[l].name)
    }
}

pub(crate) const fn col<R>(
    name: &'static str,
    unit: &'static str,
    kind: Kind,
    doc: &'static str,
    read: for<'r> fn(&'r R) -> Value<'r>,
) -> Column<R> {
    Column {
        name,
        unit,
        kind,
        doc,
        read,
    }
}

pub(crate) const REPLICATION_DOC: &str = "Replication index, from 0.";
pub(crate) const SEED_DOC: &str = "The replication's seed, derived from the scenario's seed.";

/// Identifying columns that open every `summary.csv` row, before
/// [`SUMMARY_METRICS`]: a function, as its accessors borrow
/// names from the scenario of each row.
pub fn summary_keys<'a>() -> [Column<Row<'a, PlatformSummary>>; 3] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("seed", "", Int, SEED_DOC, |r| int(r.run.seed)),
        col("platform", "", Text, "Platform name.", |r| {
            r.platform_name(r.record.platform)
        }),
    ]
}

/// Column `I` of [`LENDER_METRICS`], read from a platform's lending arm
/// (empty for a platform without one).
const fn arm<const I: usize>() -> Column<PlatformSummary> {
    fn read<const I: usize>(s: &PlatformSummary) -> Value<'_> {
        match &s.lending {
            Some(l) => (LENDER_METRICS[I].read)(l),
            None => Value::Missing,
        }
    }
    let c = &LENDER_METRICS[I];
    Column {
        name: c.name,
        unit: c.unit,
        kind: c.kind,
        doc: c.doc,
        read: read::<I>,
    }
}

/// The per-platform figures of a summary row, after its identifying
/// columns; shared by every file that reports per-run summaries. Nine
/// are [`LENDER_METRICS`] of the platform's lending arm; three describe
/// the merchants it listed; ten break the platform's result down by
/// business line and reconcile it to its cash; the last ten describe its
/// consumer credit programme.
pub const SUMMARY_METRICS: [Column<PlatformSummary>; 62] = [
    col(
        "orders",
        "orders",
        Int,
        "Orders placed through the platform.",
        |s| int(s.flows.orders),
    ),
    col(
        "gmv",
        "yuan",
        Yuan,
        "Gross merchandise value of those orders at list price.",
        |s| Cash(s.flows.gmv),
    ),
    col(
        "subsidy_spend",
        "yuan",
        Yuan,
        "Coupons, first-order bonuses, merchant subsidies, red packets, wallet bounties and exclusivity payments paid.",
        |s| Cash(s.flows.subsidy_spend),
    ),
    col(
        "revenue",
        "yuan",
        Yuan,
        "Commission, consumer fees, wallet payment fees, float interest and the spread on wallet funds.",
        |s| Cash(s.flows.revenue),
    ),
    col(
        "cumulative_burn",
        "yuan",
        Yuan,
        "Funding received minus final cash: what the platform has spent of its investors' money (negative once it has made money).",
        |s| Cash(s.cumulative_burn),
    ),
    col(
        "final_cash",
        "yuan",
        Yuan,
        "Cash at the end of the run.",
        |s| Cash(s.final_cash),
    ),
    col(
        "final_share",
        "",
        Fraction,
        "Share of platform orders over the last 7 days (direct purchases excluded).",
        |s| Frac(s.final_share),
    ),
    col(
        "exit_day",
        "day",
        Int,
        "Day the platform ran out of cash and exited; empty if it did not.",
        |s| maybe(s.exit_day, int),
    ),
    col(
        "acquired_day",
        "day",
        Int,
        "Day another platform bought this one (it stopped trading then, without failing); empty if none did.",
        |s| maybe(s.acquired_day, int),
    ),
    col(
        "acquired_by",
        "",
        Text,
        "Name of the platform that bought this one; empty if none did.",
        |s| maybe(s.acquired_by.as_deref(), Value::Text),
    ),
    col("marketing_spend", "yuan", Yuan, "Paid acquisitions.", |s| {
        Cash(s.flows.marketing_spend)
    }),
    col(
        "retention_90d",
        "",
        Fraction,
        "Of consumers first acquired at least 90 days before the end, the share still in their first install spell 90 days later; empty if there were none.",
        |s| maybe(s.retention_90d, Frac),
    ),
    col(
        "active_users_end",
        "consumers",
        Int,
        "Consumers who ordered on the platform in the 30 days to the last day.",
        |s| int(s.active_users_end),
    ),
    col(
        "peak_share",
        "",
        Fraction,
        "Highest 7-day share of platform orders.",
        |s| Frac(s.peak_share),
    ),
    col(
        "merchants_end",
        "merchants",
        Int,
        "Merchants listed on the last day.",
        |s| int(s.merchants_end),
    ),
    col(
        "ltv_per_user",
        "yuan",
        Decimal,
        "Contribution (revenue − subsidies − variable cost) per consumer ever acquired; empty if none were.",
        |s| maybe(s.ltv_per_user, Value::Decimal),
    ),
    col(
        "cac",
        "yuan",
        Decimal,
        "Marketing spend per consumer acquired by marketing; empty without marketing.",
        |s| maybe(s.cac, Value::Decimal),
    ),
    col(
        "wallet_payments",
        "payments",
        Int,
        "Direct purchases paid with the platform's wallet.",
        |s| int(s.flows.wallet_payments),
    ),
    col(
        "wallet_volume",
        "yuan",
        Yuan,
        "Amount paid with the platform's wallet.",
        |s| Cash(s.flows.wallet_volume),
    ),
    col(
        "consumer_balances_end",
        "yuan",
        Yuan,
        "Consumers' balances in the wallet's fund on the last day.",
        |s| Cash(s.consumer_balances_end),
    ),
    col(
        "merchant_balances_end",
        "yuan",
        Yuan,
        "Merchants' idle cash swept into the wallet's merchant fund, on the last day.",
        |s| Cash(s.merchant_balances_end),
    ),
    col(
        "fund_yield",
        "yuan",
        Yuan,
        "Yield the wallet's funds paid consumers and merchants over the run.",
        |s| Cash(s.flows.fund_yield),
    ),
    col(
        "fund_spread",
        "yuan",
        Yuan,
        "The platform's spread on its funds over the run (included in revenue).",
        |s| Cash(s.flows.fund_spread),
    ),
    col(
        "exclusivity_spend",
        "yuan",
        Yuan,
        "Exclusivity payments to merchants listed on the platform only (included in subsidy_spend).",
        |s| Cash(s.flows.exclusivity_spend),
    ),
    col(
        "exclusive_merchants_end",
        "merchants",
        Int,
        "Merchants under an exclusivity deal with the platform on the last day.",
        |s| int(s.exclusive_merchants_end),
    ),
    arm::<0>(),
    arm::<1>(),
    arm::<2>(),
    arm::<3>(),
    arm::<4>(),
    arm::<5>(),
    arm::<6>(),
    arm::<7>(),
    col(
        "merchants_listed_ever",
        "merchants",
        Int,
        "Merchants listed on the platform at any time during the run (at the start included).",
        |s| int(s.merchants_listed_ever),
    ),
    col(
        "merchant_survival",
        "",
        Fraction,
        "Of those merchants, the share still open at the end; empty if the platform listed none.",
        |s| maybe(s.merchant_survival, Frac),
    ),
    col(
        "merchant_profit_mean",
        "yuan",
        Decimal,
        "Those merchants' mean profit over the run, from all their sales (on any platform and direct) less all their costs, as in merchants.csv; empty if the platform listed none.",
        |s| maybe(s.merchant_profit_mean, Value::Decimal),
    ),
    col(
        "payment_fees",
        "yuan",
        Yuan,
        "Fees the wallet charged on payments over the run: the merchant fee rate and payers' fees (included in revenue).",
        |s| Cash(s.flows.payment_fees),
    ),
    col(
        "float_income",
        "yuan",
        Yuan,
        "Interest earned over the run on takings held for merchants before settlement (included in revenue).",
        |s| Cash(s.flows.float_income),
    ),
    arm::<8>(),
    contribution(
        Line::Listings,
        "contribution_listings",
        "Commission and consumer fees over the run.",
    ),
    contribution(
        Line::Payments,
        "contribution_payments",
        "Wallet payment fees, float income and the spread on wallet funds over the run.",
    ),
    contribution(
        Line::Lending,
        "contribution_lending",
        "What the consolidated lending arm added to the platform's result: interest and delisting penalties less funding cost, screening and principal written off, fraud included (0 without a consolidated arm).",
    ),
    contribution(
        Line::ConsumerCredit,
        "contribution_consumer_credit",
        "What credit to consumers added to the platform's result: interest less funding cost, screening and balances written off (credit and fraud); 0 without a programme.",
    ),
    contribution(
        Line::Subsidies,
        "contribution_subsidies",
        "Coupons, new-user bonuses, red packets, merchant subsidies, wallet bounties and exclusivity payments over the run (negative).",
    ),
    contribution(
        Line::Costs,
        "contribution_costs",
        "Variable and fixed operating costs and marketing over the run (negative).",
    ),
    col(
        "loan_book_end",
        "yuan",
        Yuan,
        "Principal the platform's consolidated lending arms and its consumer credit have outstanding at the end (an asset of the group, counted out of cumulative_burn).",
        |s| Cash(s.loan_book_end),
    ),
    col(
        "held_for_merchants_end",
        "yuan",
        Yuan,
        "Customers' money held for merchants until settlement, at the end.",
        |s| Cash(s.held_for_merchants_end),
    ),
    col(
        "financing",
        "yuan",
        Yuan,
        "Funding received, less acquisitions paid, plus cash taken over in mergers (net) over the run. final_cash = financing + the seven contribution_* columns + held_for_merchants_end − loan_book_end, to the fen.",
        |s| Cash(s.financing),
    ),
    credit::<0>(),
    credit::<1>(),
    credit::<2>(),
    credit::<3>(),
    credit::<4>(),
    credit::<5>(),
    credit::<6>(),
    credit::<7>(),
    credit::<8>(),
    credit::<9>(),
    col(
        "product_members_end",
        "people",
        Decimal,
        "Members of the platform's products at the end, in people represented (members × each product's represents); empty for a platform without products.",
        |s| maybe(s.products.map(|p| p.members_end), Value::Decimal),
    ),
    col(
        "product_days_to_million",
        "days",
        Int,
        "Days from launch until one of the platform's products first had a million members (represented), counting the launch day; empty if none did or without products.",
        |s| maybe(s.products.and_then(|p| p.days_to_million), int),
    ),
    contribution(
        Line::Products,
        "contribution_products",
        "What the products sold to users added to the platform's result: management fees and premiums less claims an insurer paid and the products' marketing and reach costs (0 without products; members' contributions to a mutual-aid pool are the pool's, not the platform's).",
    ),
    col(
        "product_churn_averted",
        "consumers",
        Int,
        "Churns of the platform's app that its products' retention averted over the run (simulated consumers; a member may be kept more than once); empty for a platform without products.",
        |s| maybe(s.products.map(|p| p.churn_averted), int),
    ),
];

/// The summary column of business line `line`'s profit over the run.
const fn contribution(
    line: Line,
    name: &'static str,
    doc: &'static str,
) -> Column<PlatformSummary> {
    // One reader per line: a `fn` pointer cannot capture `line`.
    fn read<const I: usize>(s: &PlatformSummary) -> Value<'_> {
        Cash(s.contributions[I])
    }
    let read: for<'r> fn(&'r PlatformSummary) -> Value<'r> = match line {
        Line::Listings => read::<0>,
        Line::Payments => read::<1>,
        Line::Lending => read::<2>,
        Line::ConsumerCredit => read::<3>,
        Line::Subsidies => read::<4>,
        Line::Costs => read::<5>,
        Line::Products => read::<6>,
    };
    col(name, "yuan", Yuan, doc, read)
}

/// A platform's day on one business line: a row of `business_lines.csv`.
#[derive(Debug, Clone, Copy)]
pub struct LineDay<'a> {
    /// The platform's day.
    pub day: Row<'a, DayRecord>,
    /// The line.
    pub line: Line,
}

/// Columns of `business_lines.csv`: one row per (replication, day,
/// platform, business line), the lines in [`Line::ALL`] order.
pub fn business_lines<'a>() -> [Column<LineDay<'a>>; 6] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.day.run.replication)
        }),
        col("day", "day", Int, "Day, from 0.", |r| int(r.day.record.day)),
        col("platform", "", Text, "Platform name.", |r| {
            r.day.platform_name(r.day.record.platform)
        }),
        col(
            "line",
            "",
            Text,
            "Business line: listings, payments, lending, consumer_credit, subsidies, costs or products (products only in a scenario with products).",
            |r| Value::Text(r.line.name()),
        ),
        col(
            "profit",
            "yuan",
            Yuan,
            "The line's profit that day, as it reaches the platform's cash (subsidies and costs negative; lending: interest and penalties less funding cost and write-offs of a consolidated arm). Summed over days, the summary's contribution_* column.",
            |r| Cash(r.day.record.lines[r.line.index()]),
        ),
        col(
            "balance",
            "yuan",
            Yuan,
            "Principal outstanding at the day's end: for the lending line of a platform with a consolidated lending arm, its book; for the consumer credit line of a platform with a programme, its balances; empty for other lines and platforms.",
            |r| {
                let p = r.day.record.platform;
                let lends = r
                    .day
                    .scenario
                    .lenders
                    .iter()
                    .any(|l| l.consolidated && l.platform == Some(p));
                let credits = r
                    .day
                    .scenario
                    .consumer_credit
                    .iter()
                    .any(|c| c.platform == p);
                match r.line {
                    Line::Lending if lends => Cash(r.day.record.loan_book),
                    Line::ConsumerCredit if credits => Cash(r.day.record.credit_book),
                    _ => Value::Missing,
                }
            },
        ),
    ]
}

/// The figures of a platform's consumer credit programme that close a
/// summary row.
pub const CREDIT_METRICS: [Column<CreditSummary>; 10] = [
    col(
        "credit_lines",
        "lines",
        Int,
        "Consumer credit lines the platform's programme opened; empty without one.",
        |c| int(c.lines),
    ),
    col(
        "credit_purchases",
        "orders",
        Int,
        "Platform orders paid on consumer credit; empty without a programme.",
        |c| int(c.purchases),
    ),
    col(
        "credit_spend",
        "yuan",
        Yuan,
        "Amount of those orders; empty without a programme.",
        |c| Cash(c.purchase_amount),
    ),
    col(
        "credit_outstanding_end",
        "yuan",
        Yuan,
        "Consumer credit principal owed at the end (fraudulent lines included); empty without a programme.",
        |c| Cash(c.outstanding_end),
    ),
    col(
        "credit_interest",
        "yuan",
        Yuan,
        "Interest consumers paid on revolving balances; empty without a programme.",
        |c| Cash(c.interest),
    ),
    col(
        "credit_defaults",
        "lines",
        Int,
        "Consumer credit lines that defaulted (90 days past due; fraudulent lines excluded); empty without a programme.",
        |c| int(c.defaults),
    ),
    col(
        "credit_default_rate",
        "",
        Fraction,
        "credit_defaults over credit_lines; empty without lines.",
        |c| maybe(c.default_rate(), Frac),
    ),
    col(
        "credit_write_offs",
        "yuan",
        Yuan,
        "Consumer credit principal written off after workout (fraud excluded); empty without a programme.",
        |c| Cash(c.credit_loss),
    ),
    col(
        "credit_fraud_losses",
        "yuan",
        Yuan,
        "Consumer credit paid out to undetected fraudsters and written off; empty without a programme.",
        |c| Cash(c.fraud_losses),
    ),
    col(
        "credit_profit",
        "yuan",
        Yuan,
        "Consumer credit interest − funding cost − credit and fraud losses − screening cost; empty without a programme.",
        |c| Cash(c.profit()),
    ),
];

/// Column `I` of [`CREDIT_METRICS`], read from a platform's consumer
/// credit programme (empty for a platform without one).
const fn credit<const I: usize>() -> Column<PlatformSummary> {
    fn read<const I: usize>(s: &PlatformSummary) -> Value<'_> {
        match &s.credit {
            Some(c) => (CREDIT_METRICS[I].read)(c),
            None => Value::Missing,
        }
    }
    let c = &CREDIT_METRICS[I];
    Column {
        name: c.name,
        unit: c.unit,
        kind: c.kind,
        doc: c.doc,
        read: read::<I>,
    }
}

/// The cells of a summary row (after its keys) for a lender of its own:
/// its lending columns ([`LENDER_METRICS`]) in their places, every other
/// column empty.
pub(crate) fn lender_summary_cells(l: &super::lending::LenderSummary) -> Vec<String> {
    SUMMARY_METRICS
        .iter()
        .map(|c| {
            LENDER_METRICS
                .iter()
                .find(|m| m.name == c.name)
                .map(|m| (m.read)(l).to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// Columns of `timeseries.csv`: one row per (replication, day, platform)
/// (a function: see [`summary_keys`]).
pub fn timeseries<'a>() -> [Column<Row<'a, DayRecord>>; 33] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("day", "day", Int, "Day, from 0.", |r| int(r.record.day)),
        col("platform", "", Text, "Platform name.", |r| {
            r.platform_name(r.record.platform)
        }),
        col(
            "orders",
            "orders",
            Int,
            "Orders placed through the platform that day.",
            |r| int(r.record.flows.orders),
        ),
        col(
            "gmv",
            "yuan",
            Yuan,
            "Gross merchandise value of the day's orders.",
            |r| Cash(r.record.flows.gmv),
        ),
        col(
            "subsidy_spend",
            "yuan",
            Yuan,
            "Coupons, first-order bonuses, merchant subsidies, red packets, wallet bounties and exclusivity payments paid that day.",
            |r| Cash(r.record.flows.subsidy_spend),
        ),
        col(
            "revenue",
            "yuan",
            Yuan,
            "Commission, consumer fees, wallet payment fees, float interest and the spread on wallet funds that day.",
            |r| Cash(r.record.flows.revenue),
        ),
        col("cash", "yuan", Yuan, "Cash at the day's end.", |r| {
            Cash(r.record.cash)
        }),
        col(
            "cumulative_burn",
            "yuan",
            Yuan,
            "Funding received minus cash, at the day's end.",
            |r| Cash(r.record.cumulative_burn),
        ),
        col(
            "share",
            "",
            Fraction,
            "Share of the day's platform orders (direct purchases excluded; 0 for everyone on a day without platform orders).",
            |r| Frac(r.record.share),
        ),
        col(
            "active_consumers",
            "consumers",
            Int,
            "Consumers who ordered on the platform in the last 30 days.",
            |r| int(r.record.active_consumers),
        ),
        col(
            "marketing_spend",
            "yuan",
            Yuan,
            "Paid acquisitions that day.",
            |r| Cash(r.record.flows.marketing_spend),
        ),
        col(
            "runway_months",
            "months",
            Decimal,
            "Spendable cash over the last 30 days' average daily burn, in 30-day months; empty when the platform is not burning.",
            |r| maybe(r.record.runway_months, Value::Decimal),
        ),
        col(
            "new_consumers",
            "consumers",
            Int,
            "Consumers acquired for the first time that day.",
            |r| int(r.record.new_consumers),
        ),
        col(
            "churned_consumers",
            "consumers",
            Int,
            "Consumers who uninstalled that day.",
            |r| int(r.record.churned_consumers),
        ),
        col(
            "installed_consumers",
            "consumers",
            Int,
            "Consumers with the app installed at the day's end.",
            |r| int(r.record.installed_consumers),
        ),
        col(
            "merchants",
            "merchants",
            Int,
            "Open merchants listed at the day's end.",
            |r| int(r.record.merchants),
        ),
        col(
            "wallet_payments",
            "payments",
            Int,
            "Direct purchases paid with the platform's wallet that day.",
            |r| int(r.record.flows.wallet_payments),
        ),
        col(
            "wallet_share",
            "",
            Fraction,
            "Share of the day's wallet payments made with the platform's wallet (0 for everyone on a day without wallet payments).",
            |r| Frac(r.record.wallet_share),
        ),
        col(
            "merchants_accepting",
            "merchants",
            Int,
            "Open merchants accepting the platform's wallet at the day's end.",
            |r| int(r.record.merchants_accepting),
        ),
        col(
            "bounty_spend",
            "yuan",
            Yuan,
            "Bounties paid to merchants for taking wallet payments that day (included in subsidy_spend).",
            |r| Cash(r.record.flows.bounty_spend),
        ),
        col(
            "direct_orders",
            "orders",
            Int,
            "Purchases made direct from merchants that day, market-wide (the same on every platform's row).",
            |r| int(r.record.direct_orders),
        ),
        col(
            "member_orders",
            "orders",
            Int,
            "Of those, purchases by members of the merchant's own programme (market-wide).",
            |r| int(r.record.member_orders),
        ),
        col(
            "consumer_balances",
            "yuan",
            Yuan,
            "Consumers' balances in the wallet's money-market fund at the day's end.",
            |r| Cash(r.record.consumer_balances),
        ),
        col(
            "merchant_balances",
            "yuan",
            Yuan,
            "Merchants' idle cash swept into the wallet's merchant fund at the day's end.",
            |r| Cash(r.record.merchant_balances),
        ),
        col(
            "balance_spend",
            "yuan",
            Yuan,
            "Wallet payments paid out of consumers' fund balances that day.",
            |r| Cash(r.record.flows.balance_spend),
        ),
        col(
            "fund_yield",
            "yuan",
            Yuan,
            "Yield the wallet's funds paid consumers and merchants that day (added to their balances).",
            |r| Cash(r.record.flows.fund_yield),
        ),
        col(
            "fund_spread",
            "yuan",
            Yuan,
            "The platform's spread on its funds that day (included in revenue).",
            |r| Cash(r.record.flows.fund_spread),
        ),
        col(
            "exclusive_merchants",
            "merchants",
            Int,
            "Open merchants listed on the platform alone under an exclusivity deal at the day's end.",
            |r| int(r.record.exclusive_merchants),
        ),
        col(
            "exclusivity_spend",
            "yuan",
            Yuan,
            "Exclusivity payments to merchants that day (included in subsidy_spend).",
            |r| Cash(r.record.flows.exclusivity_spend),
        ),
        col(
            "members_enrolled",
            "consumers",
            Int,
            "Consumers enrolled in a merchant's own membership after an order through the platform that day (only where the platform shares its customer data).",
            |r| int(r.record.flows.members_enrolled),
        ),
        col(
            "payment_fees",
            "yuan",
            Yuan,
            "Fees the wallet charged on payments that day: the merchant fee rate and payers' fees (included in revenue).",
            |r| Cash(r.record.flows.payment_fees),
        ),
        col(
            "float_income",
            "yuan",
            Yuan,
            "Interest earned that day on takings held for merchants before settlement (included in revenue).",
            |r| Cash(r.record.flows.float_income),
        ),
    ]
}

/// Columns of `cohorts.csv`: retention by platform, segment, acquisition
/// month and age in months (a function: see [`summary_keys`]).
pub fn cohorts<'a>() -> [Column<Row<'a, CohortRecord>>; 8] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("platform", "", Text, "Platform name.", |r| {
            r.platform_name(r.record.platform)
        }),
        col("segment", "", Text, "Consumer segment name.", |r| {
            Value::Text(&r.scenario.consumers.segments[r.record.segment].name)
        }),
        col(
            "cohort_month",
            "month",
            Int,
            "Month of first acquisition (30-day months from day 0).",
            |r| int(r.record.cohort_month),
        ),
        col(
            "age_months",
            "months",
            Int,
            "Months since acquisition.",
            |r| int(r.record.age_months),
        ),
        col(
            "observed",
            "consumers",
            Int,
            "Consumers of the cohort the run followed to this age.",
            |r| int(r.record.observed),
        ),
        col(
            "retained",
            "consumers",
            Int,
            "Of those, the consumers still in their first install spell.",
            |r| int(r.record.retained),
        ),
        col(
            "retention",
            "",
            Fraction,
            "retained / observed (0 when none were observed).",
            |r| Frac(r.record.retained as f64 / r.record.observed.max(1) as f64),
        ),
    ]
}

/// Columns of `market.csv`: market-wide totals, one row per replication.
pub const MARKET: [Column<RunOutput>; 16] = [
    col("replication", "", Int, REPLICATION_DOC, |r| {
        int(r.replication)
    }),
    col("seed", "", Int, SEED_DOC, |r| int(r.seed)),
    col("occasions", "occasions", Int, "Purchase occasions.", |r| {
        int(r.totals.occasions)
    }),
    col(
        "platform_orders",
        "orders",
        Int,
        "Orders through any platform.",
        |r| int(r.totals.platform_orders),
    ),
    col(
        "direct_orders",
        "orders",
        Int,
        "Purchases made direct from merchants.",
        |r| int(r.totals.direct_orders),
    ),
    col(
        "member_orders",
        "orders",
        Int,
        "Direct purchases by members of the merchant's own programme.",
        |r| int(r.totals.member_orders),
    ),
    col(
        "no_purchase",
        "occasions",
        Int,
        "Occasions without a purchase.",
        |r| int(r.totals.no_purchase),
    ),
    col(
        "direct_share",
        "",
        Fraction,
        "Direct purchases over all purchases (0 with none).",
        |r| {
            let t = &r.totals;
            Frac(t.direct_orders as f64 / (t.direct_orders + t.platform_orders).max(1) as f64)
        },
    ),
    col(
        "mean_time_in_system_hours",
        "hours",
        Decimal,
        "Mean time an order spent in a merchant's queue and service; empty when no merchant queues.",
        |r| {
            let t = &r.totals;
            maybe(
                (t.queued_orders > 0)
                    .then(|| t.time_in_system as f64 / t.queued_orders as f64 / 3600.0),
                Value::Decimal,
            )
        },
    ),
    col(
        "merchants_closed",
        "merchants",
        Int,
        "Merchants that closed for lack of cash.",
        |r| int(r.totals.merchants_closed),
    ),
    col(
        "queued_orders",
        "orders",
        Int,
        "Orders served through a merchant's queue (merchants with a service rate).",
        |r| int(r.totals.queued_orders),
    ),
    col(
        "queue_servers",
        "merchants",
        Int,
        "Merchants with a service rate: each is one server with a first-come, first-served queue.",
        |r| int(r.totals.servers),
    ),
    col(
        "arrival_rate_per_hour",
        "orders per hour",
        Decimal,
        "λ: queued orders per server per hour of the run; empty when no merchant queues.",
        |r| {
            let t = &r.totals;
            maybe(
                per_server_hour(t).map(|h| t.queued_orders as f64 / h),
                Value::Decimal,
            )
        },
    ),
    col(
        "mean_queue_wait_hours",
        "hours",
        Decimal,
        "Wq: mean time an order waited before its service began (time in system less service); empty when no merchant queues.",
        |r| {
            let t = &r.totals;
            maybe(
                (t.queued_orders > 0)
                    .then(|| t.queue_wait as f64 / t.queued_orders as f64 / 3600.0),
                Value::Decimal,
            )
        },
    ),
    col(
        "mean_in_system",
        "orders",
        Decimal,
        "L: time-average number of orders in a server's system (waiting or in service) over the run, per server; Little's law L = λW holds with W = mean_time_in_system_hours up to orders still in the system at the end. Empty when no merchant queues.",
        |r| {
            let t = &r.totals;
            maybe(
                per_server_hour(t).map(|h| t.in_system_area as f64 / 3600.0 / h),
                Value::Decimal,
            )
        },
    ),
    col(
        "mean_in_queue",
        "orders",
        Decimal,
        "Lq: time-average number of orders waiting for service, per server (Lq = λ·Wq). Empty when no merchant queues.",
        |r| {
            let t = &r.totals;
            maybe(
                per_server_hour(t).map(|h| t.in_queue_area as f64 / 3600.0 / h),
                Value::Decimal,
            )
        },
    ),
];

/// Server-hours of the run (servers × hours), when any merchant queues.
fn per_server_hour(t: &super::MarketTotals) -> Option<f64> {
    (t.servers > 0 && t.horizon_ticks > 0)
        .then(|| t.servers as f64 * t.horizon_ticks as f64 / 3600.0)
}

#[cfg(test)]
mod tests;
