//! The column table of `summary_stats.csv`, and the four statistics of an
//! estimate that it shares with a sweep's `aggregate.csv`: one row per
//! headline figure and platform (or lender of its own, or the market),
//! with the mean, standard deviation, 95% interval and the number of
//! replications in which the figure is defined.

use super::super::columns::{Column, Kind, Value, index, maybe};
use super::super::stats::Estimate;

/// The statistics of an estimate, as column name suffixes in
/// `aggregate.csv` (`orders_mean`) and as columns of their own in
/// `summary_stats.csv`. Reals are written exactly; every statistic is
/// empty without values (`None`, or an estimate of none), and `sd` and
/// the interval below two values.
pub(crate) const STATS: [Column<Option<Estimate>>; 4] = [
    Column {
        name: "mean",
        unit: "the figure's",
        kind: Kind::Exact,
        doc: "Mean over the replications in which the figure is defined.",
        read: |e| maybe(defined(e).map(|e| e.mean), Value::Exact),
    },
    Column {
        name: "sd",
        unit: "the figure's",
        kind: Kind::Exact,
        doc: "Sample standard deviation; empty when n < 2.",
        read: |e| maybe(e.filter(|e| e.n >= 2).map(|e| e.sd), Value::Exact),
    },
    Column {
        name: "ci_low",
        unit: "the figure's",
        kind: Kind::Exact,
        doc: "Low end of the two-sided 95% Student-t interval of the mean; empty when n < 2.",
        read: |e| maybe(e.and_then(|e| e.low()), Value::Exact),
    },
    Column {
        name: "ci_high",
        unit: "the figure's",
        kind: Kind::Exact,
        doc: "High end of that interval; empty when n < 2.",
        read: |e| maybe(e.and_then(|e| e.high()), Value::Exact),
    },
];

fn defined(e: &Option<Estimate>) -> Option<&Estimate> {
    e.as_ref().filter(|e| e.n > 0)
}

/// One row of `summary_stats.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatRow<'a> {
    /// Figure name: a headline (a `summary.csv` column, or `exited`), or a
    /// market figure (`direct_share`, `member_orders`).
    pub metric: &'static str,
    /// The platform it is about (`None` for a lender's or the market's).
    pub platform: Option<&'a str>,
    /// The lender of its own it is about (`None` otherwise).
    pub lender: Option<&'a str>,
    /// The estimate over the replications in which it is defined.
    pub estimate: Option<Estimate>,
}

/// Identifying columns of `summary_stats.csv`, before its statistics (a
/// function, as its accessors borrow names from the scenario).
pub fn stat_keys<'a>() -> [Column<StatRow<'a>>; 4] {
    [
        Column {
            name: "metric",
            unit: "",
            kind: Kind::Text,
            doc: "A headline figure of the `run` table (a `summary.csv` column name, or `exited`: the fraction of replications in which the platform ran out of cash), or a market figure (`direct_share`, `member_orders`, as in `market.csv`).",
            read: |r| Value::Text(r.metric),
        },
        Column {
            name: "platform",
            unit: "",
            kind: Kind::Text,
            doc: "Platform name; empty for a lender of its own and for the market.",
            read: |r| maybe(r.platform, Value::Text),
        },
        Column {
            name: "lender",
            unit: "",
            kind: Kind::Text,
            doc: "A lender that is not a platform's lending arm (a bank); empty otherwise. A platform's arm is reported in the platform's rows.",
            read: |r| maybe(r.lender, Value::Text),
        },
        Column {
            name: "n",
            unit: "runs",
            kind: Kind::Int,
            doc: "Replications in which the figure is defined; the statistics are empty when 0.",
            read: |r| index(r.estimate.map_or(0, |e| e.n)),
        },
    ]
}
