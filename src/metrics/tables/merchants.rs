//! Columns of `merchants.csv`: one row per (replication, merchant) with
//! the merchant's profit and loss over the run and whether it survived.

use super::{REPLICATION_DOC, col};
use crate::metrics::RunOutput;
use crate::metrics::columns::{Column, Kind, Value, int, maybe};
use crate::metrics::merchants::MerchantRecord;
use crate::scenario::Scenario;

use Kind::{Int, Money as Yuan, Text};
use Value::Money as Cash;

/// A merchant's record in its run, with the names of the platforms it was
/// listed on at the end.
#[derive(Debug)]
pub struct MerchantLine<'a> {
    /// The replication.
    pub run: &'a RunOutput,
    /// The merchant's record.
    pub record: &'a MerchantRecord,
    /// Names of the platforms it was listed on at the end, joined by `;`.
    pub listed_end: String,
}

impl<'a> MerchantLine<'a> {
    /// The line of `record` in `run` of `scenario`.
    pub fn new(scenario: &Scenario, run: &'a RunOutput, record: &'a MerchantRecord) -> Self {
        let names: Vec<&str> = scenario
            .platforms
            .iter()
            .enumerate()
            .filter(|(p, _)| record.listed_end & (1 << p) != 0)
            .map(|(_, s)| s.name.as_str())
            .collect();
        MerchantLine {
            run,
            record,
            listed_end: names.join(";"),
        }
    }
}

/// Columns of `merchants.csv` (a function: see [`super::summary_keys`]).
pub fn merchants<'a>() -> [Column<MerchantLine<'a>>; 12] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("merchant", "", Int, "Merchant index, from 0.", |r| {
            int(r.record.merchant)
        }),
        col(
            "district",
            "",
            Int,
            "The merchant's district, from 0.",
            |r| int(r.record.district),
        ),
        col(
            "platforms_end",
            "",
            Text,
            "Platforms the merchant was listed on at the end, separated by `;` (empty if none).",
            |r| Value::Text(&r.listed_end),
        ),
        col(
            "revenue",
            "yuan",
            Yuan,
            "Sales: platforms' payouts of list prices, direct sales and wallet payments received.",
            |r| Cash(r.record.revenue),
        ),
        col("unit_costs", "yuan", Yuan, "Cost of the goods sold.", |r| {
            Cash(r.record.unit_costs)
        }),
        col(
            "commissions_fees",
            "yuan",
            Yuan,
            "Commissions and wallet payment fees paid to platforms.",
            |r| Cash(r.record.commissions_fees),
        ),
        col(
            "subsidies_bounties",
            "yuan",
            Yuan,
            "Merchant subsidies, wallet bounties and exclusivity payments received from platforms (a merchant fund's yield stays in the fund and is not counted).",
            |r| Cash(r.record.subsidies_bounties),
        ),
        col(
            "fixed_costs",
            "yuan",
            Yuan,
            "Fixed daily costs and listing costs paid.",
            |r| Cash(r.record.fixed_costs),
        ),
        col(
            "loan_interest",
            "yuan",
            Yuan,
            "Interest paid on loans, and any penalty paid to delist from a lender's platform.",
            |r| Cash(r.record.loan_interest),
        ),
        col(
            "profit",
            "yuan",
            Yuan,
            "revenue + subsidies_bounties − unit_costs − commissions_fees − fixed_costs − loan_interest (financing, settlement holds and debts written off at closure are not profit).",
            |r| Cash(r.record.profit()),
        ),
        col(
            "closed_day",
            "day",
            Int,
            "Day the merchant closed for lack of cash; empty if it survived.",
            |r| maybe(r.record.closed_day, int),
        ),
    ]
}
