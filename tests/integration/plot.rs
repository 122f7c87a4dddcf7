//! `flywheel plot`: figures of run and sweep directories are written,
//! decode as PNG or parse as SVG, and are not blank; directories that are
//! not results directories are refused with exit code 2.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{TempDir, data, flywheel, text};

/// Runs the tiny scenario into `dir/run` and returns that directory.
fn tiny_run(dir: &Path) -> PathBuf {
    let scenario = data("tiny.toml");
    let o = flywheel(
        dir,
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            "run",
            "--replications",
            "3",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    dir.join("run")
}

/// Decodes a PNG file; returns its size and the share of pixels that are
/// not white.
fn decode_png(path: &Path) -> (u32, u32, f64) {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = &buf[..info.buffer_size()];
    let channels = info.color_type.samples();
    let pixels = bytes.len() / channels;
    let inked = bytes
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&v| v < 250))
        .count();
    (info.width, info.height, inked as f64 / pixels.max(1) as f64)
}

fn assert_png_figure(path: &Path) {
    let (w, h, inked) = decode_png(path);
    assert!(w >= 800 && h >= 400, "{}: {w}×{h}", path.display());
    // Axes, text and lines, but not a solid block.
    assert!(
        inked > 0.01 && inked < 0.6,
        "{}: {:.3} of pixels inked",
        path.display(),
        inked
    );
}

fn assert_svg_figure(path: &Path, must_mention: &str) {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let width: f64 = root
        .attribute("width")
        .and_then(|w| w.parse().ok())
        .unwrap_or(0.0);
    assert!(width >= 800.0, "{}: width {width}", path.display());
    let count = |tag: &str| {
        doc.descendants()
            .filter(|n| n.tag_name().name() == tag)
            .count()
    };
    assert!(count("text") > 5, "{}: too little text", path.display());
    assert!(
        count("polyline") + count("path") + count("line") > 5,
        "{}: no lines",
        path.display()
    );
    let texts: String = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        texts.contains(must_mention),
        "{}: `{must_mention}` not in {texts}",
        path.display()
    );
}

const RUN_FIGURES: [&str; 5] = [
    "overview",
    "cash_burn",
    "market_share",
    "active_users",
    "retention",
];

#[test]
fn plot_writes_decodable_pngs_for_a_run_directory() {
    let tmp = TempDir::new("plot-run-png");
    let run = tiny_run(tmp.path());
    let o = flywheel(tmp.path(), &["plot", "run"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    for name in RUN_FIGURES {
        let path = run.join("figures").join(format!("{name}.png"));
        assert!(stdout.contains(&format!("{name}.png")), "{stdout}");
        assert_png_figure(&path);
    }
    // No lending file in this run: the figure is skipped with a note.
    assert!(stdout.contains("lending.csv"), "{stdout}");
    assert!(!run.join("figures/lending.png").exists());
    // Nothing but the figures is left in the figures directory.
    let names: Vec<String> = fs::read_dir(run.join("figures"))
        .expect("figures/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), RUN_FIGURES.len(), "{names:?}");
}

#[test]
fn plot_writes_parseable_svgs_for_a_run_directory() {
    let tmp = TempDir::new("plot-run-svg");
    let run = tiny_run(tmp.path());
    let o = flywheel(tmp.path(), &["plot", "run", "--format", "svg", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.is_empty(), "--quiet prints nothing");
    for name in RUN_FIGURES {
        assert_svg_figure(&run.join("figures").join(format!("{name}.svg")), "tiny");
    }
    assert_svg_figure(&run.join("figures/market_share.svg"), "Alpha");
}

#[test]
fn plot_draws_loans_and_npl_when_the_run_has_a_lending_file() {
    let tmp = TempDir::new("plot-lending");
    let run = tiny_run(tmp.path());
    let mut lending = String::from(
        "replication,day,lender,loans_disbursed,disbursed_amount,outstanding,interest_income,\
         new_defaults,npl_ratio,credit_loss\n",
    );
    for rep in 0..3 {
        for day in 0..20 {
            for (lender, base) in [("Alpha", 1000.0), ("Bank", 800.0)] {
                let outstanding = base * f64::from(day + 1) + f64::from(rep) * 50.0;
                let npl = 0.01 * f64::from(day) / 20.0 + 0.002 * f64::from(rep);
                lending.push_str(&format!(
                    "{rep},{day},{lender},3,300.00,{outstanding:.2},4.50,0,{npl:.6},0.00\n"
                ));
            }
        }
    }
    fs::write(run.join("lending.csv"), lending).expect("lending.csv");
    let o = flywheel(tmp.path(), &["plot", "run"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_png_figure(&run.join("figures/lending.png"));
    assert!(!stdout.contains("skipped loans"), "{stdout}");
}

#[test]
fn plot_reads_columns_by_name_and_ignores_extra_ones() {
    let tmp = TempDir::new("plot-columns");
    let dir = tmp.path().join("shuffled");
    fs::create_dir_all(&dir).expect("dir");
    let mut ts = String::from(
        "future_column,platform,day,replication,share,cash,cumulative_burn,active_consumers\n",
    );
    for day in 0..30 {
        for (p, share) in [("North", 0.6), ("South", 0.4)] {
            ts.push_str(&format!(
                "x,{p},{day},0,{share},{:.2},{:.2},{}\n",
                1e6 - f64::from(day) * 1e4,
                f64::from(day) * 1e4,
                100 + day
            ));
        }
    }
    fs::write(dir.join("timeseries.csv"), ts).expect("timeseries.csv");
    let o = flywheel(tmp.path(), &["plot", "shuffled", "--format", "svg"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    // Without a manifest, titles use the directory's name.
    assert_svg_figure(&dir.join("figures/market_share.svg"), "shuffled");
    assert_svg_figure(&dir.join("figures/cash_burn.svg"), "North");
    // No cohorts file: that figure is skipped, the others are drawn.
    assert!(stdout.contains("skipped retention"), "{stdout}");
}

/// Writes a small sweep directory: two platforms, one swept parameter
/// with three values, in the wide `aggregate.csv` layout.
fn wide_sweep(dir: &Path) {
    fs::create_dir_all(dir).expect("dir");
    let param = "platforms[1].subsidy[0].per_order";
    fs::write(
        dir.join("points.csv"),
        format!("point,{param}\n0,0\n1,3\n2,6.5\n"),
    )
    .expect("points.csv");
    let mut agg = format!("point,{param},platform,n");
    for m in ["final_share", "cumulative_burn", "retention_90d"] {
        for s in ["mean", "sd", "ci_low", "ci_high"] {
            agg.push_str(&format!(",{m}_{s}"));
        }
    }
    agg.push('\n');
    for (point, value) in [(0, 0.0), (1, 3.0), (2, 6.5)] {
        for (platform, sign) in [("Alpha", -1.0), ("Beta", 1.0)] {
            let share = 0.5 + sign * 0.04 * value;
            let burn = 10_000.0 + sign * 2_000.0 * value + 20_000.0;
            agg.push_str(&format!(
                "{point},{value},{platform},3,{share},0.02,{},{},{burn},500,{},{},,,,\n",
                share - 0.03,
                share + 0.03,
                burn - 900.0,
                burn + 900.0,
            ));
        }
    }
    fs::write(dir.join("aggregate.csv"), agg).expect("aggregate.csv");
    fs::write(
        dir.join("manifest.json"),
        r#"{"scenario_name": "sweep_fixture"}"#,
    )
    .expect("manifest.json");
}

#[test]
fn plot_writes_metric_against_parameter_for_a_sweep_directory() {
    let tmp = TempDir::new("plot-sweep");
    wide_sweep(&tmp.path().join("sweep"));
    let o = flywheel(tmp.path(), &["plot", "sweep"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let figures = tmp.path().join("sweep/figures");
    for name in ["sweep_final_share", "sweep_cumulative_burn"] {
        assert_png_figure(&figures.join(format!("{name}.png")));
    }
    // A metric with no values at any point is skipped, not drawn empty.
    assert!(!figures.join("sweep_retention_90d.png").exists());
    let o = flywheel(tmp.path(), &["plot", "sweep", "--format", "svg"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_svg_figure(
        &figures.join("sweep_final_share.svg"),
        "platforms[1].subsidy[0].per_order",
    );
    assert_svg_figure(&figures.join("sweep_final_share.svg"), "sweep_fixture");
}

#[test]
fn plot_reads_a_long_format_sweep_aggregate() {
    let tmp = TempDir::new("plot-sweep-long");
    let dir = tmp.path().join("long");
    fs::create_dir_all(&dir).expect("dir");
    fs::write(
        dir.join("points.csv"),
        "point,market.customer_data\n0,merchant\n1,platform\n",
    )
    .expect("points.csv");
    fs::write(
        dir.join("aggregate.csv"),
        "point,platform,metric,mean,ci_low,ci_high\n\
         0,Nuomi,orders,1000,900,1100\n1,Nuomi,orders,1500,1400,1600\n\
         0,Nuomi,final_share,0.4,0.35,0.45\n1,Nuomi,final_share,0.6,0.55,0.65\n",
    )
    .expect("aggregate.csv");
    let o = flywheel(tmp.path(), &["plot", "long", "--format", "svg"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_svg_figure(&dir.join("figures/sweep_orders.svg"), "merchant");
    assert_svg_figure(&dir.join("figures/sweep_final_share.svg"), "Nuomi");
}

#[test]
fn plot_refuses_a_directory_that_is_not_a_results_directory() {
    let tmp = TempDir::new("plot-refuse");
    fs::create_dir_all(tmp.path().join("notes")).expect("dir");
    fs::write(tmp.path().join("notes/todo.txt"), "nothing here").expect("file");
    let o = flywheel(tmp.path(), &["plot", "notes"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("not a Flywheel results directory") && stderr.contains("timeseries.csv"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!tmp.path().join("notes/figures").exists());

    let o = flywheel(tmp.path(), &["plot", "does-not-exist"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("does-not-exist"), "{stderr}");
}

#[test]
fn plot_reports_a_malformed_results_file_as_bad_input() {
    let tmp = TempDir::new("plot-malformed");
    let dir = tmp.path().join("broken");
    fs::create_dir_all(&dir).expect("dir");
    fs::write(
        dir.join("timeseries.csv"),
        "replication,day,platform,share\n0,0,A,0.5\n0,1,A\n",
    )
    .expect("timeseries.csv");
    let o = flywheel(tmp.path(), &["plot", "broken"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("timeseries.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // A sweep whose aggregate has no statistics at all.
    let sweep = tmp.path().join("sweep");
    fs::create_dir_all(&sweep).expect("dir");
    fs::write(sweep.join("points.csv"), "point,a\n0,1\n").expect("points.csv");
    fs::write(sweep.join("aggregate.csv"), "point,platform\n0,A\n").expect("aggregate.csv");
    let o = flywheel(tmp.path(), &["plot", "sweep"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("aggregate.csv"), "{stderr}");
}
