//! A run directory: `summary.csv`, `timeseries.csv`, `cohorts.csv`,
//! `market.csv`, with lenders `lending.csv`, `lenders.csv` and on request
//! `loans.csv`, and `manifest.json`. Each CSV file is its column table in
//! [`super::tables`] applied to the run's records; the directory is staged
//! and moved into place by [`super::write`], so it is never half-written.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::RunOutput;
use super::columns::{write_keyed, write_table};
use super::tables::{
    LENDER_FIGURES, MARKET, Row, SUMMARY_METRICS, cohorts, lender_keys, lending, loans,
    summary_keys, timeseries,
};
use super::write::{Build, Cost, MANIFEST, OutputError, Staging, override_texts, write_json};
use crate::scenario::{Override, RawScenario, Scenario};

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
    /// Builds the manifest of a finished set of replications.
    pub fn new(
        scenario: &'a Scenario,
        scenario_path: &Path,
        overrides: &[Override],
        threads: usize,
        runs: &[RunOutput],
        wall_seconds: f64,
        loans: bool,
    ) -> Manifest<'a> {
        let events: u64 = runs.iter().map(|r| r.events).sum();
        Manifest {
            build: Build::current(),
            scenario_path: scenario_path.display().to_string(),
            scenario_name: &scenario.name,
            overrides: override_texts(overrides),
            scenario: &scenario.resolved,
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

