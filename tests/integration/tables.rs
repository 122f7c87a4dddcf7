//! Results people can trust at a glance, on the shipped lending scenarios:
//! the printed tables show small fractions with three significant digits
//! and undefined figures as `—`; a bank appears everywhere a platform
//! does (the `run` table, `summary_stats.csv`, `compare`, a sweep's
//! `runs.csv` and `aggregate.csv`); and `sweep --set` works like `run`'s.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{Rows, TempDir, flywheel, read_csv, text};

fn lending_scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lending_platform_vs_bank.toml")
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// A smaller market than the shipped one, so the tests stay quick.
const SMALL: [&str; 4] = [
    "--set",
    "market.consumers=8000",
    "--set",
    "market.merchants=300",
];

fn number(s: &str) -> f64 {
    match s.parse() {
        Ok(v) => v,
        Err(e) => panic!("`{s}` is not a number: {e}"),
    }
}

/// The cells of the printed table's row labelled `label`: the text after
/// the label, split on the runs of two or more spaces between columns.
fn table_row(stdout: &str, label: &str) -> Vec<String> {
    let Some(line) = stdout.lines().find(|l| l.starts_with(label)) else {
        panic!("no `{label}` row in\n{stdout}");
    };
    line[label.len()..]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Significant digits of a printed number (`0.0391` has 3, `0.00812` 3).
fn significant_digits(s: &str) -> usize {
    s.trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .len()
}

/// The printed mean of a cell `mean ± half-width`.
fn mean_of(cell: &str) -> &str {
    cell.split(" ± ").next().unwrap_or_default()
}

#[test]
fn run_prints_lending_figures_of_platform_and_bank_with_three_significant_digits() {
    let tmp = TempDir::new("tables-run");
    let scenario = lending_scenario();
    let mut args = vec!["run", arg(&scenario), "--replications", "3", "--out", "out"];
    args.extend(SMALL);
    let o = flywheel(tmp.path(), &args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");

    // One column per platform, one per lender of its own.
    let header = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("Alipay"))
        .unwrap_or_default();
    assert!(header.contains("CityBank"), "{stdout}");
    for label in ["loan default rate", "NPL ratio at end"] {
        let cells = table_row(&stdout, label);
        assert_eq!(cells.len(), 2, "{label}: {cells:?}");
        for cell in &cells {
            let mean = mean_of(cell);
            assert!(number(mean) > 0.0, "{label}: `{cell}` is not above zero");
            assert!(
                significant_digits(mean) >= 3,
                "{label}: `{cell}` shows fewer than three significant digits"
            );
        }
    }
    // No marketing: CAC is undefined, and a bank has no orders.
    assert_eq!(table_row(&stdout, "CAC (yuan)"), ["—", "—"], "{stdout}");
    assert_eq!(table_row(&stdout, "orders")[1], "—", "{stdout}");

    // summary_stats.csv holds what was printed; its means are those of
    // summary.csv (platforms) and lenders.csv (the bank).
    let dir = tmp.path().join("out");
    let stats = read_csv(&dir.join("summary_stats.csv"));
    let summary = read_csv(&dir.join("summary.csv"));
    let lenders = read_csv(&dir.join("lenders.csv"));
    let mean = |rows: &Rows, column: &str, key: &str, name: &str| -> Option<f64> {
        let values: Vec<f64> = rows
            .iter()
            .filter(|r| r[key] == name && !r[column].is_empty())
            .map(|r| number(&r[column]))
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    let mut checked = 0;
    for s in &stats {
        let expected = match (s["platform"].as_str(), s["lender"].as_str()) {
            ("", "") => continue, // the market's figures
            (platform, "") if summary[0].contains_key(&s["metric"]) => {
                mean(&summary, &s["metric"], "platform", platform)
            }
            ("", lender) => mean(&lenders, &s["metric"], "lender", lender),
            _ => continue, // `exited`, which summary.csv holds as exit_day
        };
        match expected {
            Some(e) => {
                let got = number(&s["mean"]);
                assert!(
                    (got - e).abs() <= 1e-6 * e.abs().max(1.0),
                    "{}/{}{}: {got} vs {e}",
                    s["metric"],
                    s["platform"],
                    s["lender"]
                );
                assert_eq!(s["n"], "3", "{s:?}");
            }
            None => {
                assert_eq!(s["n"], "0", "{s:?}");
                assert_eq!(s["mean"], "", "{s:?}");
            }
        }
        checked += 1;
    }
    let has = |metric: &str, platform: &str, lender: &str| {
        stats
            .iter()
            .any(|s| s["metric"] == metric && s["platform"] == platform && s["lender"] == lender)
    };
    assert!(has("default_rate", "Alipay", "") && has("default_rate", "", "CityBank"));
    assert!(has("npl_ratio", "", "CityBank") && !has("orders", "", "CityBank"));
    assert!(has("direct_share", "", ""));
    assert!(checked > 20, "{checked}");
    let manifest = fs::read_to_string(dir.join("manifest.json")).unwrap_or_default();
    assert!(manifest.contains("\"summary_stats.csv\""), "{manifest}");
}

#[test]
fn run_prints_the_shock_scenarios_lending_figures_with_three_significant_digits() {
    let tmp = TempDir::new("tables-shock");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lending_macro_shock.toml");
    let mut args = vec!["run", arg(&scenario), "--replications", "3", "--out", "out"];
    args.extend(SMALL);
    let o = flywheel(tmp.path(), &args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    for label in ["loan default rate", "NPL ratio at end"] {
        let cells = table_row(&stdout, label);
        assert_eq!(cells.len(), 2, "{label}: {cells:?}");
        for cell in &cells {
            let mean = mean_of(cell);
            assert!(number(mean) > 0.0, "{label}: `{cell}` is not above zero");
            assert!(
                significant_digits(mean) >= 3,
                "{label}: `{cell}` shows fewer than three significant digits"
            );
        }
    }
    assert_eq!(table_row(&stdout, "CAC (yuan)"), ["—", "—"], "{stdout}");
    assert_eq!(table_row(&stdout, "orders")[1], "—", "{stdout}");
}

#[test]
fn a_figure_undefined_in_every_replication_prints_as_a_dash() {
    // Under 90 days no cohort is old enough for 90-day retention.
    let tmp = TempDir::new("tables-undefined");
    let scenario = lending_scenario();
    let mut args = vec![
        "run",
        arg(&scenario),
        "--replications",
        "2",
        "--set",
        "horizon_days=60",
        "--out",
        "out",
    ];
    args.extend(SMALL);
    let o = flywheel(tmp.path(), &args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(
        table_row(&stdout, "90-day retention"),
        ["—", "—"],
        "{stdout}"
    );
    let stats = read_csv(&tmp.path().join("out/summary_stats.csv"));
    let retention = stats
        .iter()
        .find(|s| s["metric"] == "retention_90d" && s["platform"] == "Alipay");
    assert!(
        retention.is_some_and(|r| r["n"] == "0" && r["mean"].is_empty()),
        "{retention:?}"
    );
}

#[test]
fn compare_of_lending_variants_lists_the_bank() {
    let tmp = TempDir::new("tables-compare");
    let variant = tmp.path().join("bank_lends_more.toml");
    fs::write(
        &variant,
        format!(
            "name = \"bank_lends_more\"\nextends = {:?}\n[[lenders]]\n[[lenders]]\ncutoff = 6.5\n",
            lending_scenario().display().to_string()
        ),
    )
    .expect("variant");
    let scenario = lending_scenario();
    let mut args = vec![
        "compare",
        arg(&scenario),
        arg(&variant),
        "--replications",
        "2",
        "--out",
        "out",
    ];
    args.extend(SMALL);
    let o = flywheel(tmp.path(), &args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    // Undefined is not missing: CAC without marketing is `—`.
    assert!(!stdout.contains("(no such"), "{stdout}");
    let bank_lines = stdout.lines().filter(|l| l.contains("CityBank")).count();
    assert_eq!(
        bank_lines,
        5 * 2,
        "five lending figures × two variants:\n{stdout}"
    );

    let rows = read_csv(&tmp.path().join("out/comparison.csv"));
    let bank: Vec<_> = rows.iter().filter(|r| r["lender"] == "CityBank").collect();
    assert_eq!(bank.len(), 5 * 2);
    assert!(bank.iter().all(|r| r["platform"].is_empty()));
    let loans = bank
        .iter()
        .find(|r| r["metric"] == "loans_disbursed" && r["variant"] == "bank_lends_more");
    assert!(
        loans.is_some_and(|r| number(&r["mean"]) > 0.0 && number(&r["diff_vs_first"]) > 0.0),
        "{loans:?}"
    );
    // The platforms' rows are unchanged in shape: `lender` is empty there.
    assert!(
        rows.iter()
            .filter(|r| r["platform"] == "Alipay")
            .all(|r| r["lender"].is_empty())
    );
}

/// Writes a sweep over the bank's cut-off on top of the shipped scenario.
fn lending_sweep(dir: &Path) -> PathBuf {
    let path = dir.join("lending_sweep.toml");
    fs::write(
        &path,
        format!(
            "name = \"lending_sweep\"\nextends = {:?}\n\
             [sweep]\nreplications = 2\n\
             [sweep.parameters]\n\"lenders[1].cutoff\" = [6.5, 7.0]\n",
            lending_scenario().display().to_string()
        ),
    )
    .expect("sweep file");
    path
}

#[test]
fn a_sweep_reports_the_bank_in_runs_and_aggregate() {
    let tmp = TempDir::new("tables-sweep");
    let file = lending_sweep(tmp.path());
    let mut args = vec![
        "sweep",
        arg(&file),
        "--set",
        "horizon_days=200",
        "--out",
        "out",
        "--quiet",
    ];
    args.extend(SMALL);
    let o = flywheel(tmp.path(), &args);
    assert!(o.status.success(), "{:?}", text(&o));
    let runs = read_csv(&tmp.path().join("out/runs.csv"));
    let bank: Vec<_> = runs.iter().filter(|r| r["lender"] == "CityBank").collect();
    assert_eq!(bank.len(), 2 * 2, "a row per point × replication");
    for r in &bank {
        assert!(r["platform"].is_empty() && r["orders"].is_empty(), "{r:?}");
        assert!(!r["loans_disbursed"].is_empty(), "{r:?}");
    }
    assert_eq!(runs.len(), 2 * 2 * 2);
    let aggregate = read_csv(&tmp.path().join("out/aggregate.csv"));
    let bank: Vec<_> = aggregate
        .iter()
        .filter(|r| r["lender"] == "CityBank")
        .collect();
    assert_eq!(bank.len(), 2, "a row per point");
    for r in &bank {
        assert_eq!(r["n"], "2");
        assert!(r["orders_mean"].is_empty(), "{r:?}");
        assert!(!r["loans_disbursed_mean"].is_empty(), "{r:?}");
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(tmp.path().join("out/manifest.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(manifest["overrides"][0], "horizon_days=200");
    assert_eq!(manifest["scenario"]["horizon_days"], 200);
    assert_eq!(manifest["scenario"]["market"]["consumers"], 8000);
}

#[test]
fn sweep_set_changes_exactly_the_named_value_and_refuses_bad_keys() {
    let tmp = TempDir::new("tables-sweep-set");
    let grid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep_grid.toml");
    let sweep = |out: &str, extra: &[&str]| {
        let mut args = vec!["sweep", arg(&grid), "--out", out, "--quiet"];
        args.extend_from_slice(extra);
        flywheel(tmp.path(), &args)
    };
    let manifest = |out: &str| -> serde_json::Value {
        serde_json::from_str(
            &fs::read_to_string(tmp.path().join(out).join("manifest.json")).unwrap_or_default(),
        )
        .unwrap_or_default()
    };
    let o = sweep("plain", &[]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = sweep("set", &["--set", "market.consumers=400"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let mut expected = manifest("plain")["scenario"].clone();
    expected["market"]["consumers"] = 400.into();
    assert_eq!(manifest("set")["scenario"], expected);
    assert_eq!(manifest("set")["overrides"][0], "market.consumers=400");
    assert_ne!(
        fs::read(tmp.path().join("plain/runs.csv")).ok(),
        fs::read(tmp.path().join("set/runs.csv")).ok()
    );

    // A resume with other overrides is refused, naming them.
    let o = sweep("set", &["--set", "market.consumers=450", "--resume"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("market.consumers=400"), "{stderr}");

    // A bad key, a bad value and a swept parameter: exit 2, naming the key.
    for (set, named) in [
        ("market.consumerz=5", "market.consumerz"),
        ("market.consumers=-5", "market.consumers"),
        ("platforms[0].commission=0.3", "platforms[0].commission"),
    ] {
        let o = sweep("bad", &["--set", set]);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(named), "{set}: {stderr}");
        assert!(
            !tmp.path().join("bad").exists(),
            "{set}: nothing is written"
        );
    }
}
