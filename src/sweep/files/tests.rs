//! Unit tests of the sweep's files.

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
