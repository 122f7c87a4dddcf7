//! The binary end to end: run, validate, the files and columns it writes,
//! and refusing to overwrite a directory that is not a results directory.

use std::fs;

use crate::common::{TempDir, data, flywheel, text};

#[test]
fn run_writes_results_and_prints_a_table() {
    let tmp = TempDir::new("cli-run");
    let scenario = data("tiny.toml");
    let o = flywheel(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--replications",
            "2",
            "--seed",
            "99",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Alpha") && stdout.contains("Beta"),
        "{stdout}"
    );
    assert!(stdout.contains("final share"), "{stdout}");
    // Default output directory: results/<name>.
    let dir = tmp.path().join("results/tiny");
    let summary = fs::read_to_string(dir.join("summary.csv")).expect("summary.csv");
    let header = summary.lines().next().unwrap_or_default();
    // The contract columns come first, in this order.
    assert!(
        header.starts_with(
            "replication,seed,platform,orders,gmv,subsidy_spend,revenue,cumulative_burn,final_cash,final_share,exit_day,"
        ),
        "{header}"
    );
    for column in [
        "retention_90d",
        "active_users_end",
        "peak_share",
        "merchants_end",
        "ltv_per_user",
        "cac",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} missing from {header}"
        );
    }
    assert_eq!(summary.lines().count(), 1 + 2 * 2);
    let ts = fs::read_to_string(dir.join("timeseries.csv")).expect("timeseries.csv");
    assert!(ts.lines().next().unwrap_or_default().starts_with(
        "replication,day,platform,orders,gmv,subsidy_spend,revenue,cash,cumulative_burn,share,active_consumers"
    ));
    assert!(dir.join("cohorts.csv").is_file());
    assert_eq!(ts.lines().count(), 1 + 2 * 20 * 2);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["seed"], 99);
    assert_eq!(manifest["scenario"]["replications"], 2);
    assert!(manifest["events"].as_u64().unwrap_or(0) > 0);
    assert!(manifest["events_per_second"].as_f64().unwrap_or(0.0) > 0.0);
    assert_eq!(manifest["overrides"].as_array().map(Vec::len), Some(2));
    // No staging directories are left behind.
    let leftovers: Vec<_> = fs::read_dir(tmp.path().join("results"))
        .expect("results")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Running again replaces the previous results.
    let o = flywheel(
        tmp.path(),
        &["run", scenario.to_str().unwrap_or_default(), "--quiet"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let summary = fs::read_to_string(dir.join("summary.csv")).expect("summary.csv");
    assert_eq!(summary.lines().count(), 1 + 3 * 2);
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in fs::read_dir(root.join("scenarios")).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let o = flywheel(root, &["validate", path.to_str().unwrap_or_default()]);
            assert!(o.status.success(), "{}: {:?}", path.display(), text(&o));
            checked += 1;
        }
    }
    assert!(
        checked >= 2,
        "expected at least quickstart and a subsidy war"
    );
}

#[test]
fn refuses_to_replace_a_directory_that_is_not_results() {
    let tmp = TempDir::new("cli-refuse");
    fs::create_dir_all(tmp.path().join("precious")).expect("dir");
    fs::write(tmp.path().join("precious/notes.txt"), "keep me").expect("file");
    let scenario = data("tiny.toml");
    let o = flywheel(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            "precious",
            "--quiet",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("not a Flywheel results directory"));
    assert_eq!(
        fs::read_to_string(tmp.path().join("precious/notes.txt"))
            .ok()
            .as_deref(),
        Some("keep me")
    );
}

#[test]
fn unwritable_output_is_an_error_not_a_panic() {
    let tmp = TempDir::new("cli-unwritable");
    // A regular file where the output's parent directory should be.
    fs::write(tmp.path().join("blocker"), "").expect("file");
    let scenario = data("tiny.toml");
    let o = flywheel(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            "blocker/out",
            "--quiet",
        ],
    );
    let (_, stderr) = text(&o);
    // Found before the simulation runs, as bad input.
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("blocker"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
