//! `flywheel report`: one self-contained HTML page per results directory
//! (run, comparison, sweep) that embeds its figures and tables, the
//! scenario and the manifest, and asks for nothing over the network.

use std::fs;
use std::path::Path;

use crate::common::{TempDir, data, flywheel, text, tiny_run};

/// Checks what every report must hold, and returns its text.
fn assert_self_contained(path: &Path, scenario: &str) -> String {
    let html = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..80.min(html.len())]
    );
    // No external resource of any kind: no URL at all, no linked file.
    for forbidden in [
        "http://", "https://", "<link", "<script", "src=", "@import", "url(",
    ] {
        assert!(
            !html.contains(forbidden),
            "{}: contains `{forbidden}`",
            path.display()
        );
    }
    assert!(html.contains("<svg"), "figures are embedded");
    assert!(html.contains("<table"), "tables are included");
    assert!(html.contains(scenario), "names the scenario");
    assert!(html.contains("id=\"manifest\""), "has the manifest");
    assert!(html.trim_end().ends_with("</html>"));
    html
}

#[test]
fn report_of_a_run_embeds_figures_tables_and_scenario() {
    let tmp = TempDir::new("report-run");
    tiny_run(tmp.path());
    let o = flywheel(tmp.path(), &["report", "run"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("report.html"), "{stdout}");
    let html = assert_self_contained(&tmp.path().join("run/report.html"), "tiny");
    // The summary table, the figures and the scenario as TOML.
    for must in [
        "Summary",
        "final share",
        "id=\"figure-overview\"",
        "id=\"figure-retention\"",
        "[[platforms]]",
        "horizon_days",
    ] {
        assert!(html.contains(must), "`{must}` missing");
    }
    // Nothing but the report was added, and no temporary file is left.
    let names: Vec<String> = fs::read_dir(tmp.path().join("run"))
        .expect("run/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

    // --out puts it elsewhere, creating the directory.
    let o = flywheel(
        tmp.path(),
        &["report", "run", "--out", "mail/tiny.html", "-q"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.is_empty(), "--quiet prints nothing");
    assert_self_contained(&tmp.path().join("mail/tiny.html"), "tiny");
}

#[test]
fn report_of_a_lending_run_has_the_lender_table() {
    let tmp = TempDir::new("report-lending");
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lending_platform_vs_bank.toml");
    let o = flywheel(
        tmp.path(),
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            "lend",
            "--replications",
            "2",
            "--set",
            "market.consumers=3000",
            "--set",
            "market.merchants=200",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = flywheel(tmp.path(), &["report", "lend", "-q"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let html = assert_self_contained(
        &tmp.path().join("lend/report.html"),
        "lending_platform_vs_bank",
    );
    for must in [
        "Lenders",
        "approval rate",
        "NPL ratio at end",
        "CityBank",
        "id=\"figure-lending\"",
    ] {
        assert!(html.contains(must), "`{must}` missing");
    }
}

#[test]
fn report_of_a_comparison_and_of_a_sweep() {
    let tmp = TempDir::new("report-compare-sweep");
    let a = data("tiny.toml");
    let b = tmp.path().join("tiny_b.toml");
    fs::write(
        &b,
        format!(
            "name = \"tiny_b\"\nextends = {:?}\n",
            a.to_str().unwrap_or_default()
        ),
    )
    .expect("tiny_b.toml");
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            a.to_str().unwrap_or_default(),
            b.to_str().unwrap_or_default(),
            "--set",
            "replications=3",
            "--out",
            "cmp",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = flywheel(tmp.path(), &["report", "cmp", "-q"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let html = assert_self_contained(&tmp.path().join("cmp/report.html"), "tiny");
    for must in ["Comparison", "tiny_b", "id=\"figure-compare_market\""] {
        assert!(html.contains(must), "`{must}` missing");
    }

    let o = flywheel(
        tmp.path(),
        &[
            "sweep",
            data("sweep_grid.toml").to_str().unwrap_or_default(),
            "--out",
            "sw",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let o = flywheel(tmp.path(), &["report", "sw", "-q"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let html = assert_self_contained(&tmp.path().join("sw/report.html"), "sweep_grid");
    assert!(html.contains("Sweep points"), "sweep table");
    assert!(
        html.contains("platforms[1].subsidy[0].per_order"),
        "swept key"
    );
}

#[test]
fn report_refuses_a_directory_that_is_not_a_results_directory() {
    let tmp = TempDir::new("report-refuse");
    fs::create_dir_all(tmp.path().join("notes")).expect("dir");
    let o = flywheel(tmp.path(), &["report", "notes"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a Flywheel results directory"),
        "{stderr}"
    );
    assert!(!tmp.path().join("notes/report.html").exists());
}
