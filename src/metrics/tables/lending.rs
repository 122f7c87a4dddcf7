//! The lending files' column tables: `lending.csv` (per lender and day),
//! `lenders.csv` (per lender over a run) and `loans.csv` (per loan), and
//! the lender figures a platform's summary row repeats for its own
//! lending arm.

use super::super::columns::{Column, Kind, Value, index, int, maybe};
use super::{REPLICATION_DOC, Row, SEED_DOC, col};
use crate::metrics::lending::{LenderDay, LenderSummary, Loan};

use Kind::{Decimal, Fraction, Int, Money as Yuan, Text};
use Value::{Fraction as Frac, Money as Cash};

/// The figures of a lender over a run that `summary.csv` (for a
/// platform's own lending arm) and `lenders.csv` (for every lender) share.
pub const LENDER_METRICS: [Column<LenderSummary>; 9] = [
    col(
        "loans_disbursed",
        "loans",
        Int,
        "Loans approved and disbursed.",
        |l| int(l.flows.loans_disbursed),
    ),
    col(
        "outstanding_end",
        "yuan",
        Yuan,
        "Principal outstanding at the end.",
        |l| Cash(l.outstanding_end),
    ),
    col("defaults", "loans", Int, "Loans that defaulted.", |l| {
        int(l.flows.new_defaults)
    }),
    col(
        "default_rate",
        "",
        Fraction,
        "Defaults over matured loans: loans whose term and 90 days more ended before the run's end, so every default they will have has happened; empty without such loans.",
        |l| maybe(l.default_rate, Frac),
    ),
    col(
        "npl_ratio",
        "",
        Fraction,
        "Principal of defaulted loans still in workout over all outstanding principal, at the end (0 when nothing is outstanding).",
        |l| Frac(l.npl_ratio),
    ),
    col("credit_loss", "yuan", Yuan, "Principal written off.", |l| {
        Cash(l.flows.credit_loss)
    }),
    col("interest_income", "yuan", Yuan, "Interest received.", |l| {
        Cash(l.flows.interest_income)
    }),
    col(
        "lending_profit",
        "yuan",
        Yuan,
        "Interest income + delisting penalties − funding cost − credit losses − fraud losses − screening cost.",
        |l| Cash(l.lending_profit),
    ),
    col(
        "default_rate_all_loans",
        "",
        Fraction,
        "Defaults over every loan disbursed, young loans included (biased low: a young loan has had no time to default); empty without loans.",
        |l| maybe(l.default_rate_all_loans, Frac),
    ),
];

/// Columns of `lending.csv`: one row per (replication, day, lender) (a
/// function: see [`summary_keys`](super::summary_keys)(super::summary_keys)).
pub fn lending<'a>() -> [Column<Row<'a, LenderDay>>; 16] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("day", "day", Int, "Day, from 0.", |r| int(r.record.day)),
        col("lender", "", Text, "Lender name.", |r| {
            r.lender_name(r.record.lender)
        }),
        col(
            "applications",
            "applications",
            Int,
            "Loan applications received that day.",
            |r| int(r.record.flows.applications),
        ),
        col(
            "loans_disbursed",
            "loans",
            Int,
            "Loans approved and disbursed that day.",
            |r| int(r.record.flows.loans_disbursed),
        ),
        col(
            "disbursed_amount",
            "yuan",
            Yuan,
            "Amount disbursed that day.",
            |r| Cash(r.record.flows.disbursed_amount),
        ),
        col(
            "outstanding",
            "yuan",
            Yuan,
            "Principal outstanding (performing and non-performing) at the day's end.",
            |r| Cash(r.record.outstanding),
        ),
        col(
            "non_performing",
            "yuan",
            Yuan,
            "Principal outstanding on defaulted loans in workout.",
            |r| Cash(r.record.non_performing),
        ),
        col(
            "npl_ratio",
            "",
            Fraction,
            "non_performing / outstanding (0 when nothing is outstanding).",
            |r| Frac(r.record.npl_ratio()),
        ),
        col(
            "interest_income",
            "yuan",
            Yuan,
            "Interest received that day.",
            |r| Cash(r.record.flows.interest_income),
        ),
        col(
            "principal_repaid",
            "yuan",
            Yuan,
            "Principal repaid that day.",
            |r| Cash(r.record.flows.principal_repaid),
        ),
        col(
            "new_defaults",
            "loans",
            Int,
            "Loans that defaulted that day.",
            |r| int(r.record.flows.new_defaults),
        ),
        col(
            "credit_loss",
            "yuan",
            Yuan,
            "Principal written off that day.",
            |r| Cash(r.record.flows.credit_loss),
        ),
        col(
            "recoveries",
            "yuan",
            Yuan,
            "Principal recovered after default that day.",
            |r| Cash(r.record.flows.recoveries),
        ),
        col(
            "expected_loss",
            "yuan",
            Yuan,
            "Expected loss of the loans disbursed that day.",
            |r| Cash(r.record.flows.expected_loss),
        ),
        col(
            "funding_cost",
            "yuan",
            Yuan,
            "Interest paid on the lender's funding that day.",
            |r| Cash(r.record.flows.funding_cost),
        ),
    ]
}

/// Identifying columns of `lenders.csv`, before [`LENDER_FIGURES`]
/// (a function: see [`summary_keys`](super::summary_keys)(super::summary_keys)).
pub fn lender_keys<'a>() -> [Column<Row<'a, LenderSummary>>; 4] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col("seed", "", Int, SEED_DOC, |r| int(r.run.seed)),
        col("lender", "", Text, "Lender name.", |r| {
            r.lender_name(r.record.lender)
        }),
        col(
            "platform",
            "",
            Text,
            "Platform whose lending arm the lender is; empty for a bank.",
            |r| match r.scenario.lenders[r.record.lender].platform {
                Some(p) => r.platform_name(p),
                None => Value::Missing,
            },
        ),
    ]
}

/// The figures of `lenders.csv`: [`LENDER_METRICS`] between the lender's
/// applications and its costs.
pub const LENDER_FIGURES: [Column<LenderSummary>; 20] = {
    let m = LENDER_METRICS;
    [
        col(
            "applications",
            "applications",
            Int,
            "Loan applications received.",
            |l| int(l.flows.applications),
        ),
        col(
            "approval_rate",
            "",
            Fraction,
            "Approvals over applications; empty without applications.",
            |l| maybe(l.approval_rate, Frac),
        ),
        col("disbursed_amount", "yuan", Yuan, "Amount disbursed.", |l| {
            Cash(l.flows.disbursed_amount)
        }),
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5],
        m[6],
        m[7],
        col(
            "expected_loss",
            "yuan",
            Yuan,
            "Expected loss of the loans disbursed.",
            |l| Cash(l.flows.expected_loss),
        ),
        col(
            "funding_cost",
            "yuan",
            Yuan,
            "Interest paid on the lender's funding.",
            |l| Cash(l.flows.funding_cost),
        ),
        m[8],
        col(
            "loans_matured",
            "loans",
            Int,
            "Loans whose term and 90 days more ended before the run's end (the base of default_rate).",
            |l| int(l.loans_matured),
        ),
        col(
            "delist_penalties",
            "yuan",
            Yuan,
            "Penalties merchants paid to delist from the lender's platform while repaying a sales-share loan.",
            |l| Cash(l.flows.penalties),
        ),
        col(
            "fraud_caught",
            "applications",
            Int,
            "Fraudulent applications anti-fraud screening caught (0 without screening).",
            |l| int(l.flows.fraud_caught),
        ),
        col(
            "fraud_loans",
            "loans",
            Int,
            "Loans paid out to undetected fraudsters (not counted in loans_disbursed).",
            |l| int(l.flows.fraud_loans),
        ),
        col(
            "fraud_losses",
            "yuan",
            Yuan,
            "Fraudulent exposure written off after default (not counted in credit_loss): paid out to fraudsters less what was recovered.",
            |l| Cash(l.flows.fraud_losses),
        ),
        col(
            "screening_cost",
            "yuan",
            Yuan,
            "Cost of anti-fraud screening of applications.",
            |l| Cash(l.flows.screening_cost),
        ),
    ]
};

/// Columns of `loans.csv`: one row per loan (a function: see
/// [`summary_keys`](super::summary_keys)(super::summary_keys)).
pub fn loans<'a>() -> [Column<Row<'a, Loan>>; 16] {
    [
        col("replication", "", Int, REPLICATION_DOC, |r| {
            int(r.run.replication)
        }),
        col(
            "loan",
            "",
            Int,
            "Loan number within its replication, from 0.",
            |r| index(r.index),
        ),
        col("lender", "", Text, "Lender name.", |r| {
            r.lender_name(r.record.lender)
        }),
        col("merchant", "", Int, "Borrowing merchant's index.", |r| {
            index(r.record.merchant)
        }),
        col(
            "start_day",
            "day",
            Int,
            "Day the loan was disbursed.",
            |r| int(r.record.start_day),
        ),
        col("principal", "yuan", Yuan, "Amount disbursed.", |r| {
            Cash(r.record.principal)
        }),
        col("rate", "per year", Fraction, "Annual interest rate.", |r| {
            Frac(r.record.rate)
        }),
        col(
            "score",
            "",
            Decimal,
            "The lender's score of the merchant at approval.",
            |r| Value::Decimal(r.record.score),
        ),
        col(
            "status",
            "",
            Text,
            "At the end: active, repaid, defaulted (in workout) or written_off.",
            |r| Value::Text(r.record.status.name()),
        ),
        col(
            "default_day",
            "day",
            Int,
            "Day of default; empty if none.",
            |r| maybe(r.record.default_day, int),
        ),
        col("repaid_principal", "yuan", Yuan, "Principal repaid.", |r| {
            Cash(r.record.repaid_principal)
        }),
        col("interest_paid", "yuan", Yuan, "Interest paid.", |r| {
            Cash(r.record.interest_paid)
        }),
        col(
            "recovered",
            "yuan",
            Yuan,
            "Principal recovered after default.",
            |r| Cash(r.record.recovered),
        ),
        col("written_off", "yuan", Yuan, "Principal written off.", |r| {
            Cash(r.record.written_off)
        }),
        col(
            "outstanding",
            "yuan",
            Yuan,
            "Principal still owed at the end.",
            |r| Cash(r.record.outstanding),
        ),
        col(
            "expected_loss",
            "yuan",
            Yuan,
            "Expected loss priced in at approval.",
            |r| Cash(r.record.expected_loss),
        ),
    ]
}
