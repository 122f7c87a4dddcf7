//! Products sold to a platform's users: the daily record of each product
//! (a row of `products.csv`) and its column table, and what a platform's
//! summary row says of its products.
//!
//! Members are counted as simulated consumers (`members`) and as the
//! people they stand for (`members_represented`, times the product's
//! `represents`); money is always the simulated market's, to the fen, as
//! posted in the ledger.

use super::columns::{Column, Kind, Value, int, maybe};
use super::tables::{REPLICATION_DOC, Row, col};
use crate::ledger::Money;

use Kind::{Decimal, Int, Money as Yuan, Text};
use Value::Money as Cash;

/// A product's day: a row of `products.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductDay {
    /// Day.
    pub day: u32,
    /// Index of the platform offering it.
    pub platform: usize,
    /// Index of the product among all products (platform order, then
    /// product order).
    pub product: usize,
    /// Members at the day's end.
    pub members: u64,
    /// People they stand for.
    pub members_represented: f64,
    /// Consumers who joined that day.
    pub joins: u64,
    /// Of them, through the platform's own reach.
    pub joins_reach: u64,
    /// Of them, through the product's marketing.
    pub joins_marketing: u64,
    /// Members who left that day (price above their willingness, a claim
    /// used, the platform gone).
    pub leaves: u64,
    /// Claims paid that day.
    pub claims: u64,
    /// Amount of those claims.
    pub claims_paid: Money,
    /// Mutual-aid members' contributions or insurance premiums that day.
    pub contributions: Money,
    /// The price per member per period as it stands (the last shared
    /// cost of a mutual-aid plan, the premium; none before a plan's first
    /// sharing and for a fund).
    pub cost_per_member: Option<f64>,
    /// The platform's income from the product that day: management fees
    /// (mutual aid) or premiums (insurance).
    pub fee_income: Money,
    /// Marketing spend that day.
    pub marketing_spend: Money,
    /// Reach cost that day.
    pub reach_spend: Money,
    /// Reach cost per member joined through reach, since launch.
    pub acquisition_cost_per_member_reach: Option<f64>,
    /// Marketing spend per member joined through marketing, since launch.
    pub acquisition_cost_per_member_marketing: Option<f64>,
    /// Consumers the product's marketing has reached so far.
    pub reached_marketing: u64,
    /// Money held in a mutual-aid plan's pool at the day's end.
    pub pool_balance: Option<Money>,
    /// Members' mean risk (1 at the population's average).
    pub risk_mean: Option<f64>,
    /// Members whose churn clock ran out that day and who stayed on the
    /// platform because of the product's `retention`.
    pub churn_averted: u64,
}

/// What a platform's summary row says of its products.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProductSummary {
    /// Members of its products at the end, in people represented.
    pub members_end: f64,
    /// Days from launch until one of its products first had a million
    /// members (represented), if any did.
    pub days_to_million: Option<u32>,
    /// Churns its products averted over the run (simulated consumers).
    pub churn_averted: u64,
}

/// Columns of `products.csv`: one row per (replication, day, product)
/// from the product's launch.
pub fn products<'a>() -> [Column<Row<'a, ProductDay>>; 24] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("day", "day", Int, "Day, from 0.", |r| int(r.record.day)),
        col(
            "platform",
            "",
            Text,
            "Platform (or stand-alone provider) offering the product.",
            |r| r.platform_name(r.record.platform),
        ),
        col("product", "", Text, "Product name.", |r| {
            Value::Text(&product_spec(r).name)
        }),
        col("kind", "", Text, "mutual_aid, insurance or fund.", |r| {
            Value::Text(product_spec(r).kind.name())
        }),
        col(
            "members",
            "consumers",
            Int,
            "Simulated consumers who are members at the day's end.",
            |r| int(r.record.members),
        ),
        col(
            "members_represented",
            "people",
            Decimal,
            "Members times the product's `represents`: the people they stand for.",
            |r| Value::Decimal(r.record.members_represented),
        ),
        col(
            "joins",
            "consumers",
            Int,
            "Consumers who joined that day.",
            |r| int(r.record.joins),
        ),
        col(
            "joins_reach",
            "consumers",
            Int,
            "Of them, consumers the platform reached as its own active users.",
            |r| int(r.record.joins_reach),
        ),
        col(
            "joins_marketing",
            "consumers",
            Int,
            "Of them, consumers reached only by the product's marketing.",
            |r| int(r.record.joins_marketing),
        ),
        col(
            "leaves",
            "consumers",
            Int,
            "Members who left that day: a claim paid (the cover is used), a shared cost above their willingness to pay, or the platform gone.",
            |r| int(r.record.leaves),
        ),
        col(
            "claims",
            "claims",
            Int,
            "Claims paid that day (at a period's end).",
            |r| int(r.record.claims),
        ),
        col(
            "claims_paid",
            "yuan",
            Yuan,
            "Amount of those claims: from the pool for mutual aid, from the platform's cash for insurance.",
            |r| Cash(r.record.claims_paid),
        ),
        col(
            "contributions",
            "yuan",
            Yuan,
            "What members paid that day: their shares of a mutual-aid period's claims and fee (into the pool), or insurance premiums (to the platform).",
            |r| Cash(r.record.contributions),
        ),
        col(
            "cost_per_member",
            "yuan per period",
            Decimal,
            "Price per member per period as it stands: the last shared cost of a mutual-aid plan (claims × (1 + fee_share) / members), or the premium; empty before a plan's first sharing and for a fund.",
            |r| maybe(r.record.cost_per_member, Value::Decimal),
        ),
        col(
            "fee_income",
            "yuan",
            Yuan,
            "The platform's income from the product that day: the management fee (mutual aid) or premiums (insurance).",
            |r| Cash(r.record.fee_income),
        ),
        col(
            "marketing_spend",
            "yuan",
            Yuan,
            "Spent that day marketing the product.",
            |r| Cash(r.record.marketing_spend),
        ),
        col(
            "reach_spend",
            "yuan",
            Yuan,
            "Spent that day promoting the product to the platform's own users (reach_cost per member joined through reach).",
            |r| Cash(r.record.reach_spend),
        ),
        col(
            "acquisition_cost_per_member_reach",
            "yuan per member",
            Decimal,
            "Reach cost per member (person represented) joined through the platform's reach, since launch; empty before any such join.",
            |r| maybe(r.record.acquisition_cost_per_member_reach, Value::Decimal),
        ),
        col(
            "acquisition_cost_per_member_marketing",
            "yuan per member",
            Decimal,
            "Marketing spend per member (person represented) joined through marketing, since launch: what a member costs a provider that must buy its reach; empty before any such join.",
            |r| {
                maybe(
                    r.record.acquisition_cost_per_member_marketing,
                    Value::Decimal,
                )
            },
        ),
        col(
            "reached_marketing",
            "consumers",
            Int,
            "Consumers the product's marketing has reached so far.",
            |r| int(r.record.reached_marketing),
        ),
        col(
            "pool_balance",
            "yuan",
            Yuan,
            "Money in a mutual-aid plan's pool at the day's end: contributions less claims and fees, so 0 when every sharing has been paid; empty for other kinds.",
            |r| maybe(r.record.pool_balance, Cash),
        ),
        col(
            "risk_mean",
            "",
            Decimal,
            "Members' mean risk, 1 at the population's average (above 1: the pool is riskier than the population, as under adverse selection); empty without members.",
            |r| maybe(r.record.risk_mean, Value::Decimal),
        ),
        col(
            "churn_averted",
            "consumers",
            Int,
            "Members whose churn clock on the platform ran out that day and who stayed because of the product's retention (a new clock then runs); 0 without retention.",
            |r| int(r.record.churn_averted),
        ),
    ]
}

/// The spec of the product of a row.
fn product_spec<'a>(r: &Row<'a, ProductDay>) -> &'a crate::scenario::ProductSpec {
    let (p, j) = locate(r.scenario, r.record.product);
    &r.scenario.platforms[p].products[j]
}

/// The platform and position within it of product `k` (products are
/// numbered in platform order, then product order).
pub fn locate(scenario: &crate::scenario::Scenario, k: usize) -> (usize, usize) {
    let mut k = k;
    for (p, spec) in scenario.platforms.iter().enumerate() {
        if k < spec.products.len() {
            return (p, k);
        }
        k -= spec.products.len();
    }
    (0, 0)
}
