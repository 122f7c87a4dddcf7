//! A run directory: `summary.csv`, `timeseries.csv`, `cohorts.csv`,
//! `market.csv`, with lenders `lending.csv`, `lenders.csv` and on request
//! `loans.csv`, and `manifest.json`. Each CSV file is its column table in
//! [`super::tables`] applied to the run's records; the directory is staged
//! and moved into place by [`super::write`], so it is never half-written.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::columns::{Kind, docs, printed, write_keyed, write_table};
use super::reference::FileDoc;
use super::stats::estimate;
use super::tables::{
    LENDER_FIGURES, MARKET, Row, SUMMARY_METRICS, cohorts, lender_keys, lending, loans,
    summary_keys, timeseries,
};
use super::write::{Build, Cost, MANIFEST, OutputError, Staging, override_texts, write_json};
use super::{HEADLINES, RunOutput};
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

fn with_interval(values: &[f64], kind: Kind) -> String {
    printed(kind, &estimate(values, 0.95))
}

/// The summary `flywheel run` prints: mean and 95% interval across
/// replications of each headline figure, one column per platform.
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
    let _ = writeln!(s, "mean ± 95% confidence half-width across replications");
    let width = 24;
    let _ = write!(s, "{:<26}", "");
    for p in &scenario.platforms {
        let _ = write!(s, "{:>width$}", p.name);
    }
    s.push('\n');
    for h in HEADLINES {
        let _ = write!(s, "{:<26}", h.label);
        for p in 0..scenario.platforms.len() {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| (h.value)(&r.summary[p]))
                .collect();
            let _ = write!(s, "{:>width$}", with_interval(&values, h.kind));
        }
        s.push('\n');
    }
    let direct: Vec<f64> = runs
        .iter()
        .map(|r| {
            let t = &r.totals;
            t.direct_orders as f64 / (t.direct_orders + t.platform_orders).max(1) as f64
        })
        .collect();
    let members: Vec<f64> = runs.iter().map(|r| r.totals.member_orders as f64).collect();
    let _ = writeln!(
        s,
        "market: direct share of purchases {}, member orders {}",
        with_interval(&direct, Kind::Fraction),
        with_interval(&members, Kind::Int)
    );
    s
}

/// The files of a run directory, in the order they are written; the
/// lending files only with lenders, `loans.csv` only on request.
pub fn run_files(scenario: &Scenario, loans: bool) -> Vec<&'static str> {
    let mut files = vec!["summary.csv", "timeseries.csv", "cohorts.csv", "market.csv"];
    if !scenario.lenders.is_empty() {
        files.extend(["lending.csv", "lenders.csv"]);
        if loans {
            files.push("loans.csv");
        }
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
    /// Ledger postings.
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
        loans: bool,
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
            files: run_files(scenario, loans),
        }
    }
}

/// Writes a complete run directory at `destination`.
pub fn write_run_dir(
    destination: &Path,
    scenario: &Scenario,
    runs: &[RunOutput],
    manifest: &Manifest,
    loans: bool,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::create(destination)?;
    for file in run_files(scenario, loans) {
        staging.write_file(file, |w| match file {
            "summary.csv" => write_summary(w, scenario, runs),
            "timeseries.csv" => write_timeseries(w, scenario, runs),
            "cohorts.csv" => write_cohorts(w, scenario, runs),
            "market.csv" => write_market(w, runs),
            "lending.csv" => write_lending(w, scenario, runs),
            "lenders.csv" => write_lenders(w, scenario, runs),
            "loans.csv" => write_loans(w, scenario, runs),
            MANIFEST => write_json(w, manifest),
            other => Err(io::Error::other(format!("no writer for `{other}`"))),
        })?;
    }
    staging.commit()
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
        FileDoc::other(
            MANIFEST,
            "`run`",
            "run",
            "scenario path, resolved parameters, overrides, seeds, version, git revision, \
             events, wall seconds, events per second, peak memory",
        ),
    ]
}
