//! The files of a sweep directory, rendered from journal records by one
//! function so that an uninterrupted sweep, a resumed one and a merge of
//! shards write the same bytes.
//!
//! | file | one row per | sorted by |
//! |---|---|---|
//! | `points.csv` | point | point |
//! | `runs.csv` | point × replication × platform or lender of its own (finished runs) | point, replication, platform then lender (scenario order) |
//! | `aggregate.csv` | point × platform or lender of its own | point, platform then lender (scenario order) |
//! | `failures.csv` | failed run | point, replication |
//!
//! Numbers sort numerically. Each file is written under a hidden temporary
//! name, synced and renamed, so no file under its final name is ever
//! partial; `manifest.json` is written last and marks the directory as a
//! finished sweep. Timing appears only in the manifest.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::journal::{Header, PlatformRow, Record};
use super::{Shard, SweepError};
use crate::metrics::HEADLINES;
use crate::metrics::columns::{
    self, Column, ColumnDoc, CsvOut, Kind, Value, docs, index, int, names,
};
use crate::metrics::reference::FileDoc;
use crate::metrics::stats::{Estimate, estimate};
use crate::metrics::tables::{STATS, SUMMARY_METRICS, summary_keys};
use crate::metrics::write::{Build, Cost, MANIFEST, write_file_atomically, write_json};

/// Points and their parameter values.
pub const POINTS_CSV: &str = "points.csv";
/// Per-run, per-platform summaries.
pub const RUNS_CSV: &str = "runs.csv";
/// Per-point, per-platform statistics of the headline figures.
pub const AGGREGATE_CSV: &str = "aggregate.csv";
/// Runs that failed, with their errors.
pub const FAILURES_CSV: &str = "failures.csv";
/// The append-only record of finished runs.
pub const JOURNAL: &str = "journal.jsonl";
/// Confidence level of the intervals in `aggregate.csv`.
pub(crate) const CONFIDENCE: f64 = 0.95;

/// The column that opens every sweep file: the point's id.
pub(crate) const POINT: [Column<u32>; 1] = [Column {
    name: "point",
    unit: "",
    kind: Kind::Int,
    doc: "Point id, from 0: a row of `points.csv`.",
    read: |p| int(*p),
}];

/// Columns of `failures.csv`, read from a failed run's journal record.
pub(crate) const FAILURE_COLUMNS: [Column<Record>; 4] = [
    POINT_OF_RECORD,
    Column {
        name: "replication",
        unit: "",
        kind: Kind::Int,
        doc: "Replication index, from 0.",
        read: |r| int(r.key().1),
    },
    Column {
        name: "seed",
        unit: "",
        kind: Kind::Int,
        doc: "The replication's seed.",
        read: |r| int(r.seed()),
    },
    Column {
        name: "error",
        unit: "",
        kind: Kind::Text,
        doc: "Why the run failed.",
        read: |r| match r {
            Record::Failed { error, .. } => Value::Text(error),
            Record::Run { .. } => Value::Missing,
        },
    },
];

const POINT_OF_RECORD: Column<Record> = Column {
    name: POINT[0].name,
    unit: POINT[0].unit,
    kind: POINT[0].kind,
    doc: POINT[0].doc,
    read: |r| int(r.key().0),
};

/// The last column of `runs.csv` and `aggregate.csv`: the lender a row
/// is about, for the lenders that are not a platform's lending arm. It
/// comes last so that every other column keeps its place.
pub(crate) const LENDER: &str = "lender";

fn lender_doc() -> ColumnDoc {
    ColumnDoc {
        name: LENDER.into(),
        unit: String::new(),
        format: Kind::Text.format().into(),
        doc: "A lender that is not a platform's lending arm (a bank), on its own rows (after \
              the platforms' rows, `platform` empty, only the lending figures filled); empty \
              on a platform's row, whose lending figures are its arm's."
            .into(),
    }
}

/// Columns of `runs.csv`: `point`, then the columns of `summary.csv`,
/// then `lender`.
pub fn runs_columns() -> Vec<String> {
    names(&POINT)
        .chain(names(&summary_keys()))
        .chain(names(&SUMMARY_METRICS))
        .chain([LENDER])
        .map(str::to_string)
        .collect()
}

/// Columns of `aggregate.csv` for a sweep over `parameters`: `point`, the
/// parameter values, `platform`, the number of finished replications `n`,
/// then mean, standard deviation and 95% interval of each headline figure,
/// then `lender`.
pub fn aggregate_columns(parameters: &[String]) -> Vec<String> {
    let names: Vec<String> = HEADLINES.iter().map(|h| h.name.to_string()).collect();
    aggregate_columns_for(parameters, &names)
}

fn aggregate_columns_for(parameters: &[String], headlines: &[String]) -> Vec<String> {
    let mut cols = vec!["point".to_string()];
    cols.extend(parameters.iter().cloned());
    cols.push("platform".into());
    cols.push("n".into());
    for h in headlines {
        for stat in names(&STATS) {
            cols.push(format!("{h}_{stat}"));
        }
    }
    cols.push(LENDER.into());
    cols
}

/// The points of a sweep as text: parameter paths and, per point, its id
/// and values as written in `points.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PointTable {
    /// Parameter paths, in order.
    pub parameters: Vec<String>,
    /// Per point, in id order: the values.
    pub rows: Vec<Vec<String>>,
}

impl PointTable {
    /// Reads `points.csv`.
    pub(crate) fn read(path: &Path) -> Result<PointTable, SweepError> {
        let bad = |why: String| {
            SweepError::Refused(format!(
                "`{}` is not a sweep points file: {why}",
                path.display()
            ))
        };
        let mut r = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
        let header = r.headers().map_err(|e| bad(e.to_string()))?.clone();
        if header.get(0) != Some("point") {
            return Err(bad("its first column is not `point`".into()));
        }
        let parameters: Vec<String> = header.iter().skip(1).map(str::to_string).collect();
        let mut rows = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| bad(e.to_string()))?;
            if rec.get(0) != Some(i.to_string().as_str()) {
                return Err(bad(format!("row {} is not point {i}", i + 1)));
            }
            rows.push(rec.iter().skip(1).map(str::to_string).collect());
        }
        Ok(PointTable { parameters, rows })
    }
}

/// The latest record of each run, in (point, replication) order: a run
/// retried after a failure counts once, with its last outcome.
pub(crate) fn latest(records: impl IntoIterator<Item = Record>) -> BTreeMap<(u32, u32), Record> {
    records.into_iter().map(|r| (r.key(), r)).collect()
}

fn write_points(w: &mut dyn Write, points: &PointTable) -> io::Result<()> {
    let header = names(&POINT).chain(points.parameters.iter().map(String::as_str));
    let mut out = CsvOut::new(w, header)?;
    for (id, values) in (0u32..).zip(&points.rows) {
        out.row(std::iter::once(int(id)).chain(values.iter().map(|v| Value::Text(v))))?;
    }
    out.finish()
}

fn write_runs(
    w: &mut dyn Write,
    header: &Header,
    runs: &BTreeMap<(u32, u32), Record>,
) -> io::Result<()> {
    let mut out = CsvOut::new(w, runs_columns().iter().map(String::as_str))?;
    for r in runs.values() {
        let Record::Run {
            point,
            replication,
            seed,
            platforms,
            lenders,
        } = r
        else {
            continue;
        };
        // The point, then the summary's keys in their table's order
        // (pinned by a test), then its figures as journalled, then the
        // lender of a lender's row.
        let keys = [int(*point), int(*replication), int(*seed)];
        for (name, row) in header.platforms.iter().zip(platforms) {
            out.row(
                keys.into_iter()
                    .chain([Value::Text(name)])
                    .chain(row.fields.iter().map(|f| Value::Text(f)))
                    .chain([Value::Missing]),
            )?;
        }
        for (name, row) in header.lenders.iter().zip(lenders) {
            out.row(
                keys.into_iter()
                    .chain([Value::Missing])
                    .chain(row.fields.iter().map(|f| Value::Text(f)))
                    .chain([Value::Text(name)]),
            )?;
        }
    }
    out.finish()
}

fn write_failures(w: &mut dyn Write, runs: &BTreeMap<(u32, u32), Record>) -> io::Result<()> {
    let failed = runs.values().filter(|r| !r.succeeded());
    columns::write_table(w, &FAILURE_COLUMNS, failed)
}

/// The estimate of one headline over `values` (in replication order),
/// read by [`STATS`]; `None` without values.
fn summarise(values: &[f64]) -> Option<Estimate> {
    (!values.is_empty()).then(|| estimate(values, CONFIDENCE))
}

fn write_aggregate(
    w: &mut dyn Write,
    header: &Header,
    points: &PointTable,
    runs: &BTreeMap<(u32, u32), Record>,
) -> io::Result<()> {
    let columns = aggregate_columns_for(&points.parameters, &header.headlines);
    let mut out = CsvOut::new(w, columns.iter().map(String::as_str))?;
    // Finished runs of each point, in replication order: each run's
    // platform rows, then its lender rows.
    type Rows<'r> = (&'r [PlatformRow], &'r [PlatformRow]);
    let mut by_point: BTreeMap<u32, Vec<Rows>> = BTreeMap::new();
    for r in runs.values() {
        if let Record::Run {
            point,
            platforms,
            lenders,
            ..
        } = r
        {
            by_point
                .entry(*point)
                .or_default()
                .push((platforms, lenders));
        }
    }
    let entities = header
        .platforms
        .iter()
        .map(|name| (Value::Text(name), Value::Missing))
        .chain(
            header
                .lenders
                .iter()
                .map(|name| (Value::Missing, Value::Text(name))),
        );
    let entities: Vec<(Value, Value)> = entities.collect();
    let np = header.platforms.len();
    for (id, values) in points.rows.iter().enumerate() {
        let reps = by_point.get(&(id as u32)).map_or(&[][..], Vec::as_slice);
        for (e, (platform, lender)) in entities.iter().enumerate() {
            fn row_of<'r>(rows: &Rows<'r>, e: usize, np: usize) -> Option<&'r PlatformRow> {
                if e < np {
                    rows.0.get(e)
                } else {
                    rows.1.get(e - np)
                }
            }
            let estimates: Vec<Option<Estimate>> = (0..header.headlines.len())
                .map(|h| {
                    let sample: Vec<f64> = reps
                        .iter()
                        .filter_map(|rows| row_of(rows, e, np)?.headlines.get(h)?.parse().ok())
                        .collect();
                    summarise(&sample)
                })
                .collect();
            let keys = [index(id)]
                .into_iter()
                .chain(values.iter().map(|v| Value::Text(v)))
                .chain([*platform, index(reps.len())]);
            out.row(
                keys.chain(estimates.iter().flat_map(|e| columns::values(&STATS, e)))
                    .chain([*lender]),
            )?;
        }
    }
    out.finish()
}

/// Writes `file` in `dir` through a hidden temporary file, synced, then
/// renamed into place.
pub(crate) fn write_atomically(
    dir: &Path,
    file: &str,
    write: &dyn Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<(), SweepError> {
    write_file_atomically(dir, file, write).map_err(|e| SweepError::Io {
        action: "write",
        path: e.path,
        source: e.source,
    })
}

/// Checks that every record has one row per platform (and lender of its
/// own) with the header's
/// columns, so the files cannot be ragged.
pub(crate) fn check_records(
    header: &Header,
    runs: &BTreeMap<(u32, u32), Record>,
    source: &Path,
) -> Result<(), SweepError> {
    for r in runs.values() {
        let (point, replication) = r.key();
        let ok = match r {
            Record::Run {
                platforms, lenders, ..
            } => {
                platforms.len() == header.platforms.len()
                    && lenders.len() == header.lenders.len()
                    && platforms.iter().chain(lenders).all(|p| {
                        p.fields.len() == header.metric_columns.len()
                            && p.headlines.len() == header.headlines.len()
                            && p.headlines
                                .iter()
                                .all(|h| h.is_empty() || h.parse::<f64>().is_ok())
                    })
            }
            Record::Failed { .. } => true,
        };
        if !ok || point >= header.points || replication >= header.replications {
            return Err(SweepError::Refused(format!(
                "journal `{}` has a malformed record for point {point}, replication {replication}",
                source.display()
            )));
        }
    }
    Ok(())
}

/// Where result files go: a callback that writes one named file with the
/// given writer, completely or not at all.
pub(crate) type Put<'a> =
    dyn FnMut(&str, &dyn Fn(&mut dyn Write) -> io::Result<()>) -> Result<(), SweepError> + 'a;

/// Writes the result CSV files of `runs` through `put`. `aggregate.csv` is
/// written only when `with_aggregate` (a whole sweep, not one shard of it).
pub(crate) fn write_results(
    put: &mut Put,
    header: &Header,
    points: &PointTable,
    runs: &BTreeMap<(u32, u32), Record>,
    with_aggregate: bool,
) -> Result<Vec<&'static str>, SweepError> {
    let mut files = vec![POINTS_CSV, RUNS_CSV, FAILURES_CSV];
    put(POINTS_CSV, &|w| write_points(w, points))?;
    put(RUNS_CSV, &|w| write_runs(w, header, runs))?;
    put(FAILURES_CSV, &|w| write_failures(w, runs))?;
    if with_aggregate {
        put(AGGREGATE_CSV, &|w| write_aggregate(w, header, points, runs))?;
        files.push(AGGREGATE_CSV);
    }
    Ok(files)
}

/// The files of a sweep directory, for the results reference.
pub fn reference() -> Vec<FileDoc> {
    let parameter = ColumnDoc {
        name: "<parameter>".into(),
        unit: "the parameter's".into(),
        format: "as in the scenario".into(),
        doc: "One column per swept parameter, named by its key path, in the order of `[sweep.parameters]`.".into(),
    };
    let by_name = |name: &str, unit: &str, format: Kind, doc: &str| ColumnDoc {
        name: name.into(),
        unit: unit.into(),
        format: format.format().into(),
        doc: doc.into(),
    };
    let mut aggregate = docs(&POINT);
    aggregate.push(parameter.clone());
    aggregate.push(by_name("platform", "", Kind::Text, "Platform name."));
    aggregate.push(by_name(
        "n",
        "runs",
        Kind::Int,
        "Replications of the point that finished.",
    ));
    aggregate.extend(docs(&STATS).into_iter().map(|c| ColumnDoc {
        name: format!("<figure>_{}", c.name),
        ..c
    }));
    aggregate.push(lender_doc());
    let figures: Vec<String> = HEADLINES.iter().map(|h| format!("`{}`", h.name)).collect();
    vec![
        FileDoc::table(
            POINTS_CSV,
            "`sweep`, `merge`",
            "point",
            "",
            docs(&POINT).into_iter().chain([parameter]).collect(),
        ),
        FileDoc::table(
            RUNS_CSV,
            "`sweep`, `merge`",
            "point × replication × platform (or lender of its own)",
            "Finished runs only. A lender that is not a platform's lending arm (a bank) has \
             a row of its own per run, after the platforms' rows, with `platform` empty, its \
             name in `lender` and only the lending columns filled.",
            docs(&POINT),
        )
        .then("summary.csv")
        .followed_by(vec![lender_doc()]),
        FileDoc::table(
            AGGREGATE_CSV,
            "`sweep`, `merge`",
            "point × platform (or lender of its own)",
            format!(
                "Not written for one shard of a sweep. A lender that is not a platform's \
                 lending arm (a bank) has a row of its own per point, after the platforms' \
                 rows, with `platform` empty, its name in `lender` and only the lending \
                 figures filled. For each headline figure, in reporting units (yuan for \
                 money, fractions for shares), four columns: {}.",
                figures.join(", ")
            ),
            aggregate,
        ),
        FileDoc::table(
            FAILURES_CSV,
            "`sweep`, `merge`",
            "failed run",
            "",
            docs(&FAILURE_COLUMNS),
        ),
        FileDoc::other(
            JOURNAL,
            "`sweep`",
            "finished run",
            "a header line, then one JSON record per run, in completion order",
        ),
        FileDoc::other(
            MANIFEST,
            "`sweep`, `merge`",
            "sweep",
            "scenario and `[sweep]` as resolved, overrides (`--set`), fingerprint, seeds \
             (scenario, design, per replication), version, shard, counts (points, runs, \
             finished, failed, resumed), threads, events, wall seconds, peak memory",
        ),
    ]
}

/// The manifest of a sweep directory: what was swept, seeds, shard, counts
/// and timing. Its presence marks a finished sweep (or shard).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepManifest {
    /// Always `"sweep"`.
    pub kind: String,
    /// Version and source revision of the binary.
    #[serde(flatten)]
    pub build: Build,
    /// The scenario file as given (for a merge: as given to the shards).
    pub scenario_path: String,
    /// Scenario name.
    pub scenario_name: String,
    /// Hash of everything that determines the results; shards of one
    /// sweep share it.
    pub fingerprint: String,
    /// The resolved base scenario, including its `[sweep]` table.
    pub scenario: serde_json::Value,
    /// The validated sweep specification.
    pub sweep: serde_json::Value,
    /// Overrides given on the command line (`--set`), as `KEY.PATH=VALUE`,
    /// applied to the scenario before each point's values.
    #[serde(default)]
    pub overrides: Vec<String>,
    /// Master seed of the base scenario: replication `r` of every point
    /// (that does not sweep `seed`) is seeded from it.
    pub scenario_seed: u64,
    /// Seed of the design draws (random and LHS points).
    pub design_seed: u64,
    /// Seeds of replications 0, 1, … at points that keep the scenario's
    /// seed.
    pub replication_seeds: Vec<u64>,
    /// The slice this directory holds (`1/1` for a whole sweep or a merge).
    pub shard: Shard,
    /// Shard directories a merge combined (empty otherwise).
    pub merged_from: Vec<String>,
    /// Points in the sweep.
    pub points: u32,
    /// Replications per point.
    pub replications: u32,
    /// Runs in the whole sweep.
    pub runs_total: u64,
    /// Runs this directory is responsible for.
    pub runs_in_shard: u64,
    /// Runs that finished.
    pub runs_succeeded: u64,
    /// Runs that failed (listed in `failures.csv`).
    pub runs_failed: u64,
    /// Runs found finished in the journal and not run again (`--resume`).
    pub runs_resumed: u64,
    /// Worker threads used (0 for a merge).
    pub threads: usize,
    /// Engine events processed by the runs done in this invocation (for a
    /// merge: by the shards), wall-clock seconds of this invocation and
    /// peak memory.
    #[serde(flatten)]
    pub cost: Cost,
    /// Files in the directory.
    pub files: Vec<String>,
}

impl SweepManifest {
    /// The manifest as pretty JSON.
    pub(crate) fn render(&self, w: &mut dyn Write) -> io::Result<()> {
        write_json(w, self)
    }

    /// Writes the manifest into `dir` (last, atomically).
    pub(crate) fn write(&self, dir: &Path) -> Result<(), SweepError> {
        write_atomically(dir, MANIFEST, &|w| self.render(w))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(SweepError::io("sync", dir))
    }

    /// Reads the manifest in `dir`, if it is a sweep manifest.
    pub fn read(dir: &Path) -> Option<SweepManifest> {
        let text = fs::read_to_string(dir.join(MANIFEST)).ok()?;
        let m: SweepManifest = serde_json::from_str(&text).ok()?;
        (m.kind == "sweep").then_some(m)
    }
}

/// FNV-1a hash of `bytes`, as 16 hex digits: stable across platforms and
/// versions (unlike `std`'s hasher).
pub(crate) fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::journal::FORMAT;

    #[test]
    fn runs_columns_extend_the_summary_columns() {
        let cols = runs_columns();
        assert_eq!(cols[0], "point");
        // The row builder writes point, replication, seed, platform name,
        // then the metric fields: the id columns must still be these.
        assert!(names(&summary_keys()).eq(["replication", "seed", "platform"]));
        assert_eq!(
            cols.len(),
            1 + summary_keys().len() + SUMMARY_METRICS.len() + 1
        );
        assert_eq!(cols.last().map(String::as_str), Some(LENDER));
    }

    fn header(headlines: &[&str]) -> Header {
        Header {
            format: FORMAT.into(),
            flywheel_version: "0".into(),
            scenario: "t".into(),
            fingerprint: "f".into(),
            shard: Shard::ALL,
            points: 2,
            replications: 5,
            platforms: vec!["A".into(), "B".into()],
            lenders: vec![],
            overrides: vec![],
            parameters: vec!["x".into()],
            metric_columns: vec![],
            headlines: headlines.iter().map(|h| h.to_string()).collect(),
        }
    }

    fn run(point: u32, replication: u32, a: f64, b: f64) -> Record {
        let row = |v: f64| PlatformRow {
            fields: vec![],
            headlines: vec![v.to_string()],
        };
        Record::Run {
            point,
            replication,
            seed: 0,
            platforms: vec![row(a), row(b)],
            lenders: vec![],
        }
    }

    fn render(records: Vec<Record>) -> Vec<Vec<String>> {
        let h = header(&["orders"]);
        let points = PointTable {
            parameters: vec!["x".into()],
            rows: vec![vec!["1".into()], vec!["2".into()]],
        };
        let mut out = Vec::new();
        write_aggregate(&mut out, &h, &points, &latest(records)).expect("render");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_slice());
        r.records()
            .map(|r| r.expect("row").iter().map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn aggregate_matches_hand_computed_statistics() {
        // Point 0, platform A: 1..5 → mean 3, sd √2.5 = 1.5811388300841898,
        // t(0.975, 4) = 2.7764451051977987, half-width t·sd/√5 = 1.9632432...
        let mut records: Vec<Record> = (0..5).map(|r| run(0, r, f64::from(r + 1), 10.0)).collect();
        // Point 1: one failed replication and one finished.
        records.push(Record::Failed {
            point: 1,
            replication: 0,
            seed: 0,
            error: "x".into(),
        });
        records.push(run(1, 1, 4.0, 0.5));
        let rows = render(records);
        let header_names = &rows[0];
        assert_eq!(
            header_names[..8],
            [
                "point",
                "x",
                "platform",
                "n",
                "orders_mean",
                "orders_sd",
                "orders_ci_low",
                "orders_ci_high"
            ]
        );
        let a0 = &rows[1];
        assert_eq!(a0[..4], ["0", "1", "A", "5"]);
        let num = |s: &str| s.parse::<f64>().expect("number");
        assert_eq!(num(&a0[4]), 3.0);
        assert!((num(&a0[5]) - 2.5f64.sqrt()).abs() < 1e-12, "{}", a0[5]);
        let half = 2.776_445_105_197_799 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((num(&a0[6]) - (3.0 - half)).abs() < 1e-9, "{}", a0[6]);
        assert!((num(&a0[7]) - (3.0 + half)).abs() < 1e-9, "{}", a0[7]);
        // Platform B of point 0: constant, so sd 0 and a zero-width interval.
        assert_eq!(rows[2][2..8], ["B", "5", "10", "0", "10", "10"]);
        // Point 1: the failed replication is left out; one value has no
        // spread and no interval.
        assert_eq!(rows[3][..8], ["1", "2", "A", "1", "4", "", "", ""]);
        assert_eq!(rows[4][..8], ["1", "2", "B", "1", "0.5", "", "", ""]);
    }

    #[test]
    fn a_lender_of_its_own_gets_rows_after_the_platforms() {
        let mut h = header(&["orders", "default_rate"]);
        h.lenders = vec!["Bank".into()];
        let row = |v: &str, rate: &str| PlatformRow {
            fields: vec![],
            headlines: vec![v.into(), rate.into()],
        };
        let record = |point: u32, replication: u32, rate: &str| Record::Run {
            point,
            replication,
            seed: 0,
            platforms: vec![row("1", ""), row("2", "")],
            lenders: vec![row("", rate)],
        };
        let points = PointTable {
            parameters: vec!["x".into()],
            rows: vec![vec!["1".into()], vec!["2".into()]],
        };
        let runs = latest(vec![record(0, 0, "0.25"), record(0, 1, "0.75")]);
        let mut out = Vec::new();
        write_aggregate(&mut out, &h, &points, &runs).expect("render");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with(",lender"), "{text}");
        // Platforms first (lender empty), then the bank (platform empty):
        // its orders are undefined, its default rate the mean of 0.25, 0.75.
        assert!(
            lines[1].starts_with("0,1,A,2,1,0,1,1,") && lines[1].ends_with(","),
            "{text}"
        );
        assert!(lines[3].starts_with("0,1,,2,,,,,0.5,"), "{text}");
        assert!(lines[3].ends_with(",Bank"), "{text}");
        assert!(
            lines[6].starts_with("1,2,,0,") && lines[6].ends_with(",Bank"),
            "{text}"
        );
    }

    #[test]
    fn aggregate_of_a_point_without_finished_runs_is_empty() {
        let rows = render(vec![run(0, 0, 1.0, 2.0)]);
        assert_eq!(rows[3][..8], ["1", "2", "A", "0", "", "", "", ""]);
    }

    #[test]
    fn a_retried_run_counts_once_with_its_last_outcome() {
        let failed = Record::Failed {
            point: 0,
            replication: 0,
            seed: 0,
            error: "x".into(),
        };
        let m = latest(vec![failed.clone(), run(0, 0, 1.0, 1.0)]);
        assert_eq!(m.len(), 1);
        assert!(m[&(0, 0)].succeeded());
        let m = latest(vec![run(0, 0, 1.0, 1.0), failed]);
        assert!(!m[&(0, 0)].succeeded());
    }

    #[test]
    fn fingerprint_hash_is_value_stable() {
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
