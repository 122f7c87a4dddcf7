//! A run directory: `summary.csv`, `summary_stats.csv`, `timeseries.csv`,
//! `cohorts.csv`, `market.csv`, `business_lines.csv`, with lenders `lending.csv`, `lenders.csv` and on request
//! `loans.csv`, on request `merchants.csv`, and `manifest.json`. Each CSV file is its column table in
//! [`super::tables`] applied to the run's records; the directory is staged
//! and moved into place by [`super::write`], so it is never half-written.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::columns::{CsvOut, names, values};
use super::columns::{Kind, UNDEFINED, docs, printed, write_keyed, write_table};
use super::lines::Line;
use super::reference::FileDoc;
use super::stats::estimate;
use super::tables::{
    LENDER_FIGURES, LineDay, MARKET, MerchantLine, Row, STATS, SUMMARY_METRICS, StatRow,
    business_lines, cohorts, lender_keys, lending, loans, merchants, stat_keys, summary_keys,
    timeseries,
};
use super::write::{Build, Cost, MANIFEST, OutputError, Staging, override_texts, write_json};
use super::{HEADLINES, Headline, RunOutput, own_row_lenders};
use crate::scenario::{Override, RawScenario, Resolved, Scenario};

/// Writes `summary.csv`: one row per (replication, platform).
pub fn write_summary(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.summary).map(|row| (row, row.record)));
    write_keyed(w, &summary_keys(), &SUMMARY_METRICS, rows)
}

/// Writes `timeseries.csv`: one row per (replication, day, platform).
pub fn write_timeseries(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.days));
    write_table(w, &timeseries(), rows)
}

/// Writes `cohorts.csv`: retention by platform, segment, acquisition
/// month and age in months.
pub fn write_cohorts(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.cohorts));
    write_table(w, &cohorts(), rows)
}

/// Writes `market.csv`: market-wide totals, one row per replication.
pub fn write_market(w: &mut dyn Write, runs: &[RunOutput]) -> io::Result<()> {
    write_table(w, &MARKET, runs)
}

/// Writes `business_lines.csv`: one row per (replication, day, platform,
/// business line).
pub fn write_business_lines(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    // The products line appears only where some platform sells products,
    // so files of scenarios without them are as they were.
    let products = scenario.platforms.iter().any(|p| !p.products.is_empty());
    let lines: Vec<Line> = Line::ALL
        .into_iter()
        .filter(|&l| products || l != Line::Products)
        .collect();
    let rows = runs.iter().flat_map(|run| {
        let lines = &lines;
        Row::all(scenario, run, &run.days)
            .flat_map(move |day| lines.iter().map(move |&line| LineDay { day, line }))
    });
    write_table(w, &business_lines(), rows)
}

/// Writes `products.csv`: one row per (replication, day, product) from
/// the product's launch.
pub fn write_products(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.products));
    write_table(w, &crate::metrics::products::products(), rows)
}

/// Writes `lending.csv`: one row per (replication, day, lender).
pub fn write_lending(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.lender_days));
    write_table(w, &lending(), rows)
}

/// Writes `lenders.csv`: one row per (replication, lender) with the
/// lender's figures over the run.
pub fn write_lenders(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.lenders).map(|row| (row, row.record)));
    write_keyed(w, &lender_keys(), &LENDER_FIGURES, rows)
}

/// Writes `loans.csv`: one row per loan (written on request: it can be
/// large).
pub fn write_loans(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let rows = runs
        .iter()
        .flat_map(|run| Row::all(scenario, run, &run.loans));
    write_table(w, &loans(), rows)
}

/// Writes `merchants.csv`: one row per (replication, merchant) with its
/// profit and loss and survival (written on request: a row per merchant).
pub fn write_merchants(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    let columns = merchants();
    let mut out = CsvOut::new(w, names(&columns))?;
    for run in runs {
        for record in &run.merchants {
            let line = MerchantLine::new(scenario, run, record);
            out.row(values(&columns, &line))?;
        }
    }
    out.finish()
}

/// Who a figure is about: a platform, a lender of its own (see
/// [`own_row_lenders`]) or the whole market.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    Platform(usize),
    Lender(usize),
}

/// Per replication where it is defined, the value of headline `h` for
/// `who`; empty when undefined everywhere (a platform figure of a
/// lender, lending without a lender arm, no marketing).
fn headline_values(runs: &[RunOutput], h: &Headline, who: Entity) -> Vec<f64> {
    match who {
        Entity::Platform(p) => runs
            .iter()
            .filter_map(|r| r.summary.get(p).and_then(h.value))
            .collect(),
        Entity::Lender(l) => match h.lender {
            Some(f) => runs
                .iter()
                .filter_map(|r| r.lenders.iter().find(|x| x.lender == l).and_then(f))
                .collect(),
            None => Vec::new(),
        },
    }
}

fn direct_shares(runs: &[RunOutput]) -> Vec<f64> {
    runs.iter()
        .map(|r| {
            let t = &r.totals;
            t.direct_orders as f64 / (t.direct_orders + t.platform_orders).max(1) as f64
        })
        .collect()
}

fn member_orders(runs: &[RunOutput]) -> Vec<f64> {
    runs.iter().map(|r| r.totals.member_orders as f64).collect()
}

/// The statistics `flywheel run` prints, one row per headline figure and
/// platform, then per lending figure and lender of its own, then the
/// market's figures: the rows of `summary_stats.csv`.
pub fn summary_stats<'a>(scenario: &'a Scenario, runs: &[RunOutput]) -> Vec<StatRow<'a>> {
    let lenders = own_row_lenders(scenario);
    let mut rows = Vec::new();
    for h in HEADLINES {
        for (p, spec) in scenario.platforms.iter().enumerate() {
            let values = headline_values(runs, h, Entity::Platform(p));
            rows.push(StatRow {
                metric: h.name,
                platform: Some(&spec.name),
                lender: None,
                estimate: Some(estimate(&values, LEVEL)),
            });
        }
        if h.lender.is_some() {
            for &l in &lenders {
                let values = headline_values(runs, h, Entity::Lender(l));
                rows.push(StatRow {
                    metric: h.name,
                    platform: None,
                    lender: Some(&scenario.lenders[l].name),
                    estimate: Some(estimate(&values, LEVEL)),
                });
            }
        }
    }
    for (metric, values) in [
        ("direct_share", direct_shares(runs)),
        ("member_orders", member_orders(runs)),
    ] {
        rows.push(StatRow {
            metric,
            platform: None,
            lender: None,
            estimate: Some(estimate(&values, LEVEL)),
        });
    }
    rows
}

/// Writes `summary_stats.csv`: the statistics `run` prints
/// ([`summary_stats`]), so nobody copies figures from the terminal.
pub fn write_summary_stats(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    let rows = summary_stats(scenario, runs);
    write_keyed(
        w,
        &stat_keys(),
        &STATS,
        rows.iter().map(|r| (r.clone(), r.estimate)),
    )
}

/// Confidence level of the intervals `run` prints and writes.
const LEVEL: f64 = 0.95;

fn with_interval(values: &[f64], kind: Kind) -> String {
    printed(kind, &estimate(values, LEVEL))
}

/// The summary `flywheel run` prints: mean and 95% interval across
/// replications of each headline figure, one column per platform and one
/// per lender of its own (a bank), whose column has the lending figures
/// only. A figure undefined in every replication prints as `—`.
pub fn headline_table(scenario: &Scenario, runs: &[RunOutput], wall_seconds: f64) -> String {
    let events: u64 = runs.iter().map(|r| r.events).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {} replication(s) × {} days, {} consumers, {} merchants; {} events in {:.2} s ({:.2} M events/s)",
        scenario.name,
        runs.len(),
        scenario.horizon_days,
        scenario.market.consumers,
        scenario.market.merchants,
        events,
        wall_seconds,
        events as f64 / wall_seconds.max(1e-9) / 1e6
    );
    let _ = writeln!(
        s,
        "mean ± 95% confidence half-width across replications ({UNDEFINED}: undefined)"
    );
    let lenders = own_row_lenders(scenario);
    let mut columns: Vec<(&str, Entity)> = scenario
        .platforms
        .iter()
        .enumerate()
        .map(|(p, spec)| (spec.name.as_str(), Entity::Platform(p)))
        .collect();
    columns.extend(
        lenders
            .iter()
            .map(|&l| (scenario.lenders[l].name.as_str(), Entity::Lender(l))),
    );
    let cells: Vec<Vec<String>> = HEADLINES
        .iter()
        .map(|h| {
            columns
                .iter()
                .map(|&(_, who)| with_interval(&headline_values(runs, h, who), h.kind))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(c, (name, _))| {
            cells
                .iter()
                .map(|row| row[c].chars().count())
                .chain([name.chars().count(), 22])
                .max()
                .unwrap_or(22)
                + 2
        })
        .collect();
    let _ = write!(s, "{:<26}", "");
    for ((name, _), width) in columns.iter().zip(&widths) {
        let _ = write!(s, "{name:>width$}");
    }
    s.push('\n');
    for (h, row) in HEADLINES.iter().zip(&cells) {
        let _ = write!(s, "{:<26}", h.label);
        for (cell, width) in row.iter().zip(&widths) {
            let _ = write!(s, "{cell:>width$}");
        }
        s.push('\n');
    }
    let arms: Vec<String> = scenario
        .platforms
        .iter()
        .enumerate()
        .filter_map(|(p, spec)| {
            let arm = scenario.lenders.iter().find(|l| l.platform == Some(p))?;
            Some(format!(
                "{}'s are its lending arm {}'s",
                spec.name, arm.name
            ))
        })
        .collect();
    if !arms.is_empty() || !lenders.is_empty() {
        let mut parts = arms;
        for &l in &lenders {
            parts.push(format!(
                "{} is a lender of its own",
                scenario.lenders[l].name
            ));
        }
        let _ = writeln!(s, "lending figures: {}", parts.join("; "));
    }
    let _ = writeln!(
        s,
        "market: direct share of purchases {}, member orders {}",
        with_interval(&direct_shares(runs), Kind::Fraction),
        with_interval(&member_orders(runs), Kind::Int)
    );
    s
}

/// Files a run directory holds only on request (they have a row per loan
/// or per merchant, so can be large).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OnRequest {
    /// `loans.csv` (with lenders).
    pub loans: bool,
    /// `merchants.csv`.
    pub merchants: bool,
}

/// The files of a run directory, in the order they are written; the
/// lending files only with lenders, `loans.csv` and `merchants.csv` only
/// on request.
pub fn run_files(scenario: &Scenario, extra: OnRequest) -> Vec<&'static str> {
    let mut files = vec![
        "summary.csv",
        "summary_stats.csv",
        "timeseries.csv",
        "cohorts.csv",
        "market.csv",
        "business_lines.csv",
    ];
    if !scenario.lenders.is_empty() {
        files.extend(["lending.csv", "lenders.csv"]);
        if extra.loans {
            files.push("loans.csv");
        }
    }
    if extra.merchants {
        files.push("merchants.csv");
    }
    if scenario.platforms.iter().any(|p| !p.products.is_empty()) {
        files.push("products.csv");
    }
    files.push(MANIFEST);
    files
}

/// What a manifest records about one replication.
#[derive(Debug, Serialize)]
pub struct ReplicationRecord {
    /// Replication index.
    pub replication: u32,
    /// Its seed.
    pub seed: u64,
    /// Events processed.
    pub events: u64,
    /// Ledger postings: a day's platform orders count once per kind,
    /// platform and merchant, or each one when the journal is kept.
    pub postings: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

/// The manifest of a run directory: enough to reproduce it exactly.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    /// Version and source revision of the binary.
    #[serde(flatten)]
    pub build: Build,
    /// The scenario file as given.
    pub scenario_path: String,
    /// Scenario name.
    pub scenario_name: &'a str,
    /// Values set from the command line.
    pub overrides: Vec<String>,
    /// The fully resolved scenario.
    pub scenario: &'a RawScenario,
    /// Master seed.
    pub seed: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Per-replication records.
    pub replications: Vec<ReplicationRecord>,
    /// Events over all replications, wall-clock seconds of the whole
    /// command's simulation phase, events per second and peak memory.
    #[serde(flatten)]
    pub cost: Cost,
    /// Files in the directory.
    pub files: Vec<&'static str>,
}

impl<'a> Manifest<'a> {
    /// Builds the manifest of a finished set of replications of
    /// `resolved`.
    pub fn new(
        resolved: &'a Resolved,
        scenario_path: &Path,
        overrides: &[Override],
        threads: usize,
        runs: &[RunOutput],
        wall_seconds: f64,
        extra: OnRequest,
    ) -> Manifest<'a> {
        let scenario = &resolved.scenario;
        let events: u64 = runs.iter().map(|r| r.events).sum();
        Manifest {
            build: Build::current(),
            scenario_path: scenario_path.display().to_string(),
            scenario_name: &scenario.name,
            overrides: override_texts(overrides),
            scenario: &resolved.raw,
            seed: scenario.seed,
            threads,
            replications: runs
                .iter()
                .map(|r| ReplicationRecord {
                    replication: r.replication,
                    seed: r.seed,
                    events: r.events,
                    postings: r.postings,
                    wall_seconds: r.wall_seconds,
                })
                .collect(),
            cost: Cost::measure(events, wall_seconds).with_rate(),
            files: run_files(scenario, extra),
        }
    }
}

/// Writes a complete run directory at `destination`.
pub fn write_run_dir(
    destination: &Path,
    scenario: &Scenario,
    runs: &[RunOutput],
    manifest: &Manifest,
    extra: OnRequest,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::create(destination)?;
    for file in run_files(scenario, extra) {
        staging.write_file(file, |w| write_run_file(w, file, scenario, runs, manifest))?;
    }
    staging.commit()
}

/// Writes one file of a run directory (a name from [`run_files`]) to `w`:
/// the one place that maps a file name to its writer, so a file rendered
/// in memory (the Python package's tables) is byte for byte the file
/// [`write_run_dir`] writes.
pub fn write_run_file(
    w: &mut dyn Write,
    file: &str,
    scenario: &Scenario,
    runs: &[RunOutput],
    manifest: &Manifest,
) -> io::Result<()> {
    match file {
        "summary.csv" => write_summary(w, scenario, runs),
        "summary_stats.csv" => write_summary_stats(w, scenario, runs),
        "timeseries.csv" => write_timeseries(w, scenario, runs),
        "cohorts.csv" => write_cohorts(w, scenario, runs),
        "market.csv" => write_market(w, runs),
        "business_lines.csv" => write_business_lines(w, scenario, runs),
        "lending.csv" => write_lending(w, scenario, runs),
        "lenders.csv" => write_lenders(w, scenario, runs),
        "loans.csv" => write_loans(w, scenario, runs),
        "merchants.csv" => write_merchants(w, scenario, runs),
        "products.csv" => write_products(w, scenario, runs),
        MANIFEST => write_json(w, manifest),
        other => Err(io::Error::other(format!("no writer for `{other}`"))),
    }
}

/// The files of a run directory, for the results reference.
pub fn reference() -> Vec<FileDoc> {
    vec![
        FileDoc::table(
            "summary.csv",
            "`run`",
            "replication × platform",
            "The lending columns describe the platform's own lending arm and are empty for a \
             platform without one; `lenders.csv` has every lender, banks included.",
            docs(&summary_keys())
                .into_iter()
                .chain(docs(&SUMMARY_METRICS))
                .collect(),
        ),
        FileDoc::table(
            "summary_stats.csv",
            "`run`",
            "headline figure × platform, lender of its own or market",
            "The figures `run` prints, with their statistics across replications: every \
             headline figure for each platform (its lending figures are those of its lending \
             arm), the lending figures for each lender that is not a platform's arm (a bank), \
             then the market's direct share and member orders. Money in yuan, shares as \
             fractions. A figure undefined in a replication (no lender, no marketing, no \
             cohort old enough) is left out of that replication's count `n`.",
            docs(&stat_keys()).into_iter().chain(docs(&STATS)).collect(),
        ),
        FileDoc::table(
            "timeseries.csv",
            "`run`",
            "replication × day × platform",
            "",
            docs(&timeseries()),
        ),
        FileDoc::table(
            "cohorts.csv",
            "`run`",
            "replication × platform × segment × cohort month × age",
            "For the consumers a platform first acquired in `cohort_month`, `observed` counts \
             those the run followed to `age_months`, and `retained` those still in their \
             first install spell then.",
            docs(&cohorts()),
        ),
        FileDoc::table("market.csv", "`run`", "replication", "", docs(&MARKET)),
        FileDoc::table(
            "business_lines.csv",
            "`run`",
            "replication × day × platform × business line",
            "What each business line of a platform group added to its cash that day, read \
             from the ledger's postings through the platform's cash by kind (one table, \
             `flywheel::metrics::lines::role`, maps each kind to a line). Money passing \
             through to merchants and financing are not any line's; principal a consolidated \
             lending arm lends is still the lending line's (its `balance`), so the line's \
             profit is what did not come back: interest and penalties less funding cost and \
             write-offs. Summed over days, each line gives the summary's `contribution_*` \
             column.",
            docs(&business_lines()),
        ),
        FileDoc::table(
            "lending.csv",
            "`run`, with lenders",
            "replication × day × lender",
            "",
            docs(&lending()),
        ),
        FileDoc::table(
            "lenders.csv",
            "`run`, with lenders",
            "replication × lender",
            "",
            docs(&lender_keys())
                .into_iter()
                .chain(docs(&LENDER_FIGURES))
                .collect(),
        ),
        FileDoc::table(
            "loans.csv",
            "`run --loans`, with lenders",
            "loan",
            "Written only on request: it can be large.",
            docs(&loans()),
        ),
        FileDoc::table(
            "merchants.csv",
            "`run --merchants`",
            "replication × merchant",
            "Written only on request: a row per merchant. Each amount is the sum of the \
             merchant's ledger postings of that kind over the run, so `profit` reconciles \
             with the ledger to the fen; `summary.csv` has each platform's \
             `merchants_listed_ever`, `merchant_survival` and `merchant_profit_mean`.",
            docs(&merchants()),
        ),
        FileDoc::table(
            "products.csv",
            "`run`, with products",
            "replication × day × product",
            "Products platforms sell to their users (`[[platforms.products]]`), from each \
             product's launch day. Every amount is a ledger posting: a mutual-aid plan's \
             pool is an account of its own, so over a run contributions − claims_paid − \
             fee_income = pool_balance to the fen; the platform's part (fees, premiums, \
             an insurer's claims, marketing and reach costs) is its `products` business \
             line.",
            docs(&crate::metrics::products::products()),
        ),
        FileDoc::other(
            MANIFEST,
            "`run`",
            "run",
            "scenario path, resolved parameters, overrides, seeds, version, git revision, \
             events, wall seconds, events per second, peak memory",
        ),
    ]
}
