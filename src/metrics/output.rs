//! Result files. A run directory holds `summary.csv`, `timeseries.csv` and
//! `manifest.json`. Files are written into a hidden staging directory next
//! to the destination (`.NAME.partial-PID`), each flushed and synced, and
//! the directory is renamed into place only when every file is complete,
//! so a results directory under its final name is never partial. A
//! previous results directory is swapped out in one atomic step where the
//! system allows it (Linux `renameat2` with `RENAME_EXCHANGE`), so even a
//! process killed at that instant leaves either the old complete results
//! or the new ones. A staging directory left by a killed process is
//! removed by the next write to the same destination. Timing appears only
//! in the manifest, so the CSV files of a scenario and seed are identical
//! byte for byte on every machine and thread count.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{PlatformSummary, RunOutput};
use crate::metrics::lending::LenderSummary;
use crate::scenario::{Override, RawScenario, Resolved, Scenario};

/// Identifying columns that open every `summary.csv` row, before
/// [`SUMMARY_METRIC_COLUMNS`].
pub const SUMMARY_ID_COLUMNS: [&str; 3] = ["replication", "seed", "platform"];

/// The per-platform figures of a summary row, after its identifying
/// columns; shared by every file that reports per-run summaries.
pub const SUMMARY_METRIC_COLUMNS: [&str; 25] = [
    "orders",
    "gmv",
    "subsidy_spend",
    "revenue",
    "cumulative_burn",
    "final_cash",
    "final_share",
    "exit_day",
    "marketing_spend",
    "retention_90d",
    "active_users_end",
    "peak_share",
    "merchants_end",
    "ltv_per_user",
    "cac",
    "wallet_payments",
    "wallet_volume",
    "loans_disbursed",
    "outstanding_end",
    "defaults",
    "default_rate",
    "npl_ratio",
    "credit_loss",
    "interest_income",
    "lending_profit",
];

/// Columns of `timeseries.csv`, in order.
pub const TIMESERIES_COLUMNS: [&str; 18] = [
    "replication",
    "day",
    "platform",
    "orders",
    "gmv",
    "subsidy_spend",
    "revenue",
    "cash",
    "cumulative_burn",
    "share",
    "active_consumers",
    "marketing_spend",
    "runway_months",
    "new_consumers",
    "churned_consumers",
    "installed_consumers",
    "merchants",
    "wallet_payments",
];

/// Columns of `market.csv`, in order.
pub const MARKET_COLUMNS: [&str; 10] = [
    "replication",
    "seed",
    "occasions",
    "platform_orders",
    "direct_orders",
    "member_orders",
    "no_purchase",
    "direct_share",
    "mean_time_in_system_hours",
    "merchants_closed",
];

/// Columns of `cohorts.csv`, in order.
pub const COHORT_COLUMNS: [&str; 8] = [
    "replication",
    "platform",
    "segment",
    "cohort_month",
    "age_months",
    "observed",
    "retained",
    "retention",
];

/// Name of the marker file that makes a directory a results directory.
pub const MANIFEST: &str = "manifest.json";

/// A failure to write results, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("cannot write results to `{path}`: {source}")]
pub struct OutputError {
    /// The file or directory.
    pub path: PathBuf,
    /// The I/O error.
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError {
        path: path.to_path_buf(),
        source,
    }
}

/// A hidden directory next to the destination that becomes the
/// destination on [`Staging::commit`], and is removed if dropped before.
#[derive(Debug)]
pub struct Staging {
    destination: PathBuf,
    dir: PathBuf,
    committed: bool,
}

fn sibling(destination: &Path, tag: &str) -> PathBuf {
    let name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".to_string());
    let parent = destination.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Whether `dir` may be replaced by new results: it does not exist, is
/// empty, or is a previous results directory (holds a manifest).
pub fn replaceable(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Err(_) => !dir.exists(),
        Ok(mut entries) => entries.next().is_none() || dir.join(MANIFEST).is_file(),
    }
}

/// Whether process `pid` is running, or `None` where this cannot be told
/// (no `/proc`).
fn process_running(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// Cleans up after a process killed while writing to `destination`: its
/// staging directory (`.NAME.partial-PID`) is removed, and the previous
/// results it had moved aside (`.NAME.old-PID`, only where the swap is not
/// atomic) are put back if nothing took their place, else removed. Only
/// directories of processes that no longer run are touched.
fn remove_stale(destination: &Path) {
    let Some(name) = destination.file_name().map(|n| n.to_string_lossy()) else {
        return;
    };
    let parent = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let dead = |rest: &str| {
        rest.parse::<u32>()
            .is_ok_and(|pid| pid != std::process::id() && process_running(pid) == Some(false))
    };
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if file
            .strip_prefix(&format!(".{name}.partial-"))
            .is_some_and(dead)
        {
            let _ = fs::remove_dir_all(&path);
        } else if file
            .strip_prefix(&format!(".{name}.old-"))
            .is_some_and(dead)
        {
            if destination.exists() {
                let _ = fs::remove_dir_all(&path);
            } else {
                // Killed between moving the old results aside and moving the
                // new ones in: the old ones are the latest complete results.
                let _ = fs::rename(&path, destination);
            }
        }
    }
}

/// Swaps two directories in one atomic step (Linux `renameat2` with
/// `RENAME_EXCHANGE`); an error where the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are NUL-terminated paths that outlive the call,
    // and `renameat2` neither keeps nor writes through them.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

impl Staging {
    /// Creates the staging directory for `destination`, first removing
    /// what killed writers left there.
    pub fn create(destination: &Path) -> Result<Staging, OutputError> {
        let dir = sibling(destination, "partial");
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent).map_err(at(parent))?;
        }
        remove_stale(destination);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(at(&dir))?;
        }
        fs::create_dir(&dir).map_err(at(&dir))?;
        Ok(Staging {
            destination: destination.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Path of `file` inside the staging directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Writes a file into the staging directory with `write`, flushing and
    /// syncing it.
    pub fn write_file(
        &self,
        file: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let path = self.path(file);
        let f = fs::File::create(&path).map_err(at(&path))?;
        let mut w = BufWriter::new(f);
        write(&mut w).map_err(at(&path))?;
        let f = w.into_inner().map_err(|e| OutputError {
            path: path.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(at(&path))
    }

    /// Moves the staging directory to the destination, replacing a previous
    /// results directory there: atomically where the system can swap two
    /// directories, else by moving the old one aside first.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let had_old = self.destination.exists();
        if had_old && exchange(&self.dir, &self.destination).is_ok() {
            self.committed = true;
            // The staging path now holds the previous results.
            let _ = fs::remove_dir_all(&self.dir);
            return Ok(self.destination.clone());
        }
        let old = sibling(&self.destination, "old");
        if had_old {
            fs::rename(&self.destination, &old).map_err(at(&self.destination))?;
        }
        fs::rename(&self.dir, &self.destination).map_err(at(&self.destination))?;
        self.committed = true;
        if had_old {
            // The new results are in place; a leftover old copy is harmless.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.destination.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn exit_day(d: Option<u32>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// The values of [`SUMMARY_METRIC_COLUMNS`] for one platform's run, as
/// exact text (money from integer fen, shares to six decimals).
pub fn summary_metric_fields(s: &PlatformSummary) -> Vec<String> {
    let mut fields = vec![
        s.flows.orders.to_string(),
        s.flows.gmv.to_string(),
        s.flows.subsidy_spend.to_string(),
        s.flows.revenue.to_string(),
        s.cumulative_burn.to_string(),
        s.final_cash.to_string(),
        format!("{:.6}", s.final_share),
        exit_day(s.exit_day),
        s.flows.marketing_spend.to_string(),
        optional(s.retention_90d),
        s.active_users_end.to_string(),
        format!("{:.6}", s.peak_share),
        s.merchants_end.to_string(),
        optional(s.ltv_per_user),
        optional(s.cac),
        s.flows.wallet_payments.to_string(),
        s.flows.wallet_volume.to_string(),
    ];
    match &s.lending {
        Some(l) => fields.extend(lender_fields(l)),
        None => fields.extend(std::iter::repeat_n(String::new(), LENDER_COLUMNS.len())),
    }
    fields
}

/// Per-lender figures shared by `summary.csv` (a platform's arm) and
/// `lenders.csv`.
pub const LENDER_COLUMNS: [&str; 8] = [
    "loans_disbursed",
    "outstanding_end",
    "defaults",
    "default_rate",
    "npl_ratio",
    "credit_loss",
    "interest_income",
    "lending_profit",
];

/// The values of [`LENDER_COLUMNS`] for one lender.
pub fn lender_fields(l: &LenderSummary) -> Vec<String> {
    vec![
        l.flows.loans_disbursed.to_string(),
        l.outstanding_end.to_string(),
        l.flows.new_defaults.to_string(),
        optional(l.default_rate),
        format!("{:.6}", l.npl_ratio),
        l.flows.credit_loss.to_string(),
        l.flows.interest_income.to_string(),
        l.lending_profit.to_string(),
    ]
}

/// A figure that may be undefined, to six decimals; empty when undefined.
fn optional(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.6}")).unwrap_or_default()
}

/// Writes `summary.csv`: one row per (replication, platform).
pub fn write_summary(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(SUMMARY_ID_COLUMNS.iter().chain(&SUMMARY_METRIC_COLUMNS))?;
    for run in runs {
        for s in &run.summary {
            let mut row = vec![
                run.replication.to_string(),
                run.seed.to_string(),
                scenario.platforms[s.platform].name.clone(),
            ];
            row.extend(summary_metric_fields(s));
            csv.write_record(row)?;
        }
    }
    csv.flush()
}

/// Writes `timeseries.csv`: one row per (replication, day, platform).
pub fn write_timeseries(
    w: &mut dyn Write,
    scenario: &Scenario,
    runs: &[RunOutput],
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(TIMESERIES_COLUMNS)?;
    for run in runs {
        for d in &run.days {
            csv.write_record([
                run.replication.to_string(),
                d.day.to_string(),
                scenario.platforms[d.platform].name.clone(),
                d.flows.orders.to_string(),
                d.flows.gmv.to_string(),
                d.flows.subsidy_spend.to_string(),
                d.flows.revenue.to_string(),
                d.cash.to_string(),
                d.cumulative_burn.to_string(),
                format!("{:.6}", d.share),
                d.active_consumers.to_string(),
                d.flows.marketing_spend.to_string(),
                optional(d.runway_months),
                d.new_consumers.to_string(),
                d.churned_consumers.to_string(),
                d.installed_consumers.to_string(),
                d.merchants.to_string(),
                d.flows.wallet_payments.to_string(),
            ])?;
        }
    }
    csv.flush()
}

/// Writes `cohorts.csv`: retention by platform, segment, acquisition
/// month and age in months.
pub fn write_cohorts(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(COHORT_COLUMNS)?;
    for run in runs {
        for c in &run.cohorts {
            csv.write_record([
                run.replication.to_string(),
                scenario.platforms[c.platform].name.clone(),
                scenario.consumers.segments[c.segment].name.clone(),
                c.cohort_month.to_string(),
                c.age_months.to_string(),
                c.observed.to_string(),
                c.retained.to_string(),
                format!("{:.6}", c.retained as f64 / c.observed.max(1) as f64),
            ])?;
        }
    }
    csv.flush()
}

/// Writes `market.csv`: market-wide totals, one row per replication.
/// `direct_share` is direct purchases over all purchases (0 with none);
/// the mean time in system is empty when no merchant queues.
pub fn write_market(w: &mut dyn Write, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(MARKET_COLUMNS)?;
    for run in runs {
        let t = &run.totals;
        let bought = t.direct_orders + t.platform_orders;
        csv.write_record([
            run.replication.to_string(),
            run.seed.to_string(),
            t.occasions.to_string(),
            t.platform_orders.to_string(),
            t.direct_orders.to_string(),
            t.member_orders.to_string(),
            t.no_purchase.to_string(),
            format!("{:.6}", t.direct_orders as f64 / bought.max(1) as f64),
            optional(
                (t.queued_orders > 0)
                    .then(|| t.time_in_system as f64 / t.queued_orders as f64 / 3600.0),
            ),
            t.merchants_closed.to_string(),
        ])?;
    }
    csv.flush()
}

/// Columns of `lending.csv`, in order.
pub const LENDING_COLUMNS: [&str; 16] = [
    "replication",
    "day",
    "lender",
    "applications",
    "loans_disbursed",
    "disbursed_amount",
    "outstanding",
    "non_performing",
    "npl_ratio",
    "interest_income",
    "principal_repaid",
    "new_defaults",
    "credit_loss",
    "recoveries",
    "expected_loss",
    "funding_cost",
];

/// Writes `lending.csv`: one row per (replication, day, lender).
pub fn write_lending(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(LENDING_COLUMNS)?;
    for run in runs {
        for d in &run.lender_days {
            let f = &d.flows;
            csv.write_record([
                run.replication.to_string(),
                d.day.to_string(),
                scenario.lenders[d.lender].name.clone(),
                f.applications.to_string(),
                f.loans_disbursed.to_string(),
                f.disbursed_amount.to_string(),
                d.outstanding.to_string(),
                d.non_performing.to_string(),
                format!("{:.6}", d.npl_ratio()),
                f.interest_income.to_string(),
                f.principal_repaid.to_string(),
                f.new_defaults.to_string(),
                f.credit_loss.to_string(),
                f.recoveries.to_string(),
                f.expected_loss.to_string(),
                f.funding_cost.to_string(),
            ])?;
        }
    }
    csv.flush()
}

/// Writes `lenders.csv`: one row per (replication, lender) with the
/// lender's figures over the run.
pub fn write_lenders(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut header = vec![
        "replication",
        "seed",
        "lender",
        "platform",
        "applications",
        "approval_rate",
        "disbursed_amount",
    ];
    header.extend(LENDER_COLUMNS);
    header.extend(["expected_loss", "funding_cost"]);
    csv.write_record(&header)?;
    for run in runs {
        for l in &run.lenders {
            let spec = &scenario.lenders[l.lender];
            let mut row = vec![
                run.replication.to_string(),
                run.seed.to_string(),
                spec.name.clone(),
                spec.platform
                    .map(|p| scenario.platforms[p].name.clone())
                    .unwrap_or_default(),
                l.flows.applications.to_string(),
                optional(l.approval_rate),
                l.flows.disbursed_amount.to_string(),
            ];
            row.extend(lender_fields(l));
            row.push(l.flows.expected_loss.to_string());
            row.push(l.flows.funding_cost.to_string());
            csv.write_record(&row)?;
        }
    }
    csv.flush()
}

/// Columns of `loans.csv`, in order.
pub const LOAN_COLUMNS: [&str; 16] = [
    "replication",
    "loan",
    "lender",
    "merchant",
    "start_day",
    "principal",
    "rate",
    "score",
    "status",
    "default_day",
    "repaid_principal",
    "interest_paid",
    "recovered",
    "written_off",
    "outstanding",
    "expected_loss",
];

/// Writes `loans.csv`: one row per loan (written on request: it can be
/// large).
pub fn write_loans(w: &mut dyn Write, scenario: &Scenario, runs: &[RunOutput]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(LOAN_COLUMNS)?;
    for run in runs {
        for (i, loan) in run.loans.iter().enumerate() {
            csv.write_record([
                run.replication.to_string(),
                i.to_string(),
                scenario.lenders[loan.lender].name.clone(),
                loan.merchant.to_string(),
                loan.start_day.to_string(),
                loan.principal.to_string(),
                format!("{:.6}", loan.rate),
                format!("{:.6}", loan.score),
                loan.status.name().to_string(),
                loan.default_day.map(|d| d.to_string()).unwrap_or_default(),
                loan.repaid_principal.to_string(),
                loan.interest_paid.to_string(),
                loan.recovered.to_string(),
                loan.written_off.to_string(),
                loan.outstanding.to_string(),
                loan.expected_loss.to_string(),
            ])?;
        }
    }
    csv.flush()
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
    /// Flywheel's version.
    pub flywheel_version: &'static str,
    /// Source revision the binary was built from, if known.
    pub git_revision: Option<&'static str>,
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
    /// Total events over all replications.
    pub events: u64,
    /// Wall-clock seconds of the whole command's simulation phase.
    pub wall_seconds: f64,
    /// Events per wall-clock second.
    pub events_per_second: f64,
    /// Peak resident memory of the process, in bytes, where known.
    pub peak_rss_bytes: Option<u64>,
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
            flywheel_version: env!("CARGO_PKG_VERSION"),
            git_revision: option_env!("FLYWHEEL_GIT_REVISION"),
            scenario_path: scenario_path.display().to_string(),
            scenario_name: &scenario.name,
            overrides: overrides
                .iter()
                .map(|o| format!("{}={}", o.path, o.value))
                .collect(),
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
            events,
            wall_seconds,
            events_per_second: if wall_seconds > 0.0 {
                events as f64 / wall_seconds
            } else {
                0.0
            },
            peak_rss_bytes: peak_rss_bytes(),
            files: {
                let mut files = vec!["summary.csv", "timeseries.csv", "cohorts.csv", "market.csv"];
                if !scenario.lenders.is_empty() {
                    files.extend(["lending.csv", "lenders.csv"]);
                    if loans {
                        files.push("loans.csv");
                    }
                }
                files.push(MANIFEST);
                files
            },
        }
    }
}

/// Peak resident set size of this process (Linux `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
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
    staging.write_file("summary.csv", |w| write_summary(w, scenario, runs))?;
    staging.write_file("timeseries.csv", |w| write_timeseries(w, scenario, runs))?;
    staging.write_file("cohorts.csv", |w| write_cohorts(w, scenario, runs))?;
    staging.write_file("market.csv", |w| write_market(w, runs))?;
    if !scenario.lenders.is_empty() {
        staging.write_file("lending.csv", |w| write_lending(w, scenario, runs))?;
        staging.write_file("lenders.csv", |w| write_lenders(w, scenario, runs))?;
        if loans {
            staging.write_file("loans.csv", |w| write_loans(w, scenario, runs))?;
        }
    }
    staging.write_file(MANIFEST, |w| {
        serde_json::to_writer_pretty(&mut *w, manifest).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })?;
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Flows;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flywheel-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .map(|e| {
                e.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    }

    #[test]
    fn replacing_results_leaves_only_the_new_ones() {
        let dir = scratch("replace");
        let dest = dir.join("run");
        fs::create_dir_all(&dest).expect("dest");
        fs::write(dest.join(MANIFEST), "old").expect("old manifest");
        fs::write(dest.join("stale.csv"), "old").expect("old file");
        let staging = Staging::create(&dest).expect("staging");
        staging
            .write_file(MANIFEST, |w| w.write_all(b"new"))
            .expect("write");
        staging.commit().expect("commit");
        assert_eq!(names(&dir), vec!["run".to_string()]);
        assert_eq!(names(&dest), vec![MANIFEST.to_string()]);
        assert_eq!(
            fs::read_to_string(dest.join(MANIFEST)).ok().as_deref(),
            Some("new")
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn what_a_killed_writer_left_is_cleaned_up() {
        // Regression: a process killed while writing left its hidden staging
        // directory behind for good; and one killed between moving old
        // results aside and moving new ones in left no results at all.
        let dir = scratch("stale");
        let dest = dir.join("run");
        // No process has this id.
        let dead = u32::MAX;
        let partial = dir.join(format!(".run.partial-{dead}"));
        let old = dir.join(format!(".run.old-{dead}"));
        let other = dir.join(".other.partial-1");
        for d in [&partial, &old, &other] {
            fs::create_dir_all(d).expect("dir");
        }
        fs::write(old.join(MANIFEST), "previous").expect("manifest");
        if process_running(dead).is_none() {
            return; // no /proc: stale directories cannot be recognised
        }
        remove_stale(&dest);
        assert_eq!(
            names(&dir),
            vec![".other.partial-1".to_string(), "run".to_string()]
        );
        assert_eq!(
            fs::read_to_string(dest.join(MANIFEST)).ok().as_deref(),
            Some("previous")
        );
        // Our own staging directory is never taken for a stale one.
        let staging = Staging::create(&dest).expect("staging");
        remove_stale(&dest);
        assert!(staging.path("").exists());
        drop(staging);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn summary_columns_end_with_the_lender_columns() {
        // The summary's lending figures are the same list as lenders.csv's;
        // the two constants must not drift apart.
        let tail = &SUMMARY_METRIC_COLUMNS[SUMMARY_METRIC_COLUMNS.len() - LENDER_COLUMNS.len()..];
        assert_eq!(tail, &LENDER_COLUMNS[..]);
    }

    #[test]
    fn summary_fields_match_columns() {
        let s = PlatformSummary {
            platform: 0,
            flows: Flows::default(),
            cumulative_burn: crate::ledger::Money(-5),
            final_cash: crate::ledger::Money(12_345),
            final_share: 0.5,
            exit_day: None,
            retention_90d: None,
            active_users_end: 0,
            peak_share: 0.25,
            merchants_end: 3,
            ltv_per_user: Some(1.5),
            cac: None,
            lending: None,
        };
        let fields = summary_metric_fields(&s);
        assert_eq!(fields.len(), SUMMARY_METRIC_COLUMNS.len());
        assert_eq!(fields[4], "-0.05");
        assert_eq!(fields[5], "123.45");
        assert_eq!(fields[7], "");
        assert!(fields[SUMMARY_METRIC_COLUMNS.len() - 1].is_empty());
    }
}
