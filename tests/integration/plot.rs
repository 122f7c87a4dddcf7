//! `flywheel plot`: figures of run, comparison and sweep directories are
//! written, decode as PNG or parse as SVG, are not blank, and carry the
//! labels a reader needs (dated events, the swept key and its unit);
//! directories that are not results directories are refused with exit
//! code 2.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{TempDir, data, flywheel, text, tiny_run};

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

/// The text of every `<text>` element of an SVG figure, joined by spaces.
fn svg_text(path: &Path) -> String {
    let svg = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ")
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

const RUN_FIGURES: [&str; 9] = [
    "overview",
    "orders",
    "market_share",
    "cash_burn",
    "active_users",
    "merchants",
    "purchases",
    "retention",
    "business_lines",
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

/// Runs a shipped scenario, made small, into `dir/NAME` and returns that
/// directory.
fn shipped_run(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    let mut args = vec![
        "run",
        scenario.to_str().unwrap_or_default(),
        "--out",
        name,
        "--replications",
        "2",
        "--quiet",
        "--set",
        "market.consumers=3000",
    ];
    args.extend(extra);
    let o = flywheel(dir, &args);
    assert!(o.status.success(), "{name}: {:?}", text(&o));
    dir.join(name)
}

fn plot_svg(dir: &Path, results: &Path) -> String {
    let o = flywheel(
        dir,
        &[
            "plot",
            results.to_str().unwrap_or_default(),
            "--format",
            "svg",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    stdout
}

#[test]
fn plot_marks_coupon_windows_shocks_and_warm_ups_on_shipped_scenarios() {
    let tmp = TempDir::new("plot-shipped");
    // A subsidy war: coupon windows on every time-axis figure.
    let war = shipped_run(tmp.path(), "subsidy_war", &[]);
    plot_svg(tmp.path(), &war);
    let figures = war.join("figures");
    for name in RUN_FIGURES {
        assert_svg_figure(&figures.join(format!("{name}.svg")), "subsidy_war");
    }
    for name in [
        "overview",
        "orders",
        "market_share",
        "cash_burn",
        "merchants",
    ] {
        let texts = svg_text(&figures.join(format!("{name}.svg")));
        assert!(
            texts.contains("Blue: coupon 8 yuan, days 0–120"),
            "{name}: {texts}"
        );
        assert!(
            texts.contains("Red: coupon 2 yuan, days 60–240"),
            "{name}: {texts}"
        );
    }
    // The first 30 days of a 30-day window are marked as a warm-up.
    let active = svg_text(&figures.join("active_users.svg"));
    assert!(
        active.contains("window not") && active.contains("30-day window"),
        "{active}"
    );
    // Retention has no time axis and no event labels.
    assert!(!svg_text(&figures.join("retention.svg")).contains("coupon"));

    // A macro shock and a lending book: the shock is marked, and the
    // lending figures are drawn.
    let shock = shipped_run(
        tmp.path(),
        "lending_macro_shock",
        &["--set", "market.merchants=200"],
    );
    plot_svg(tmp.path(), &shock);
    for name in ["lending", "lending_losses", "orders"] {
        let texts = svg_text(&shock.join("figures").join(format!("{name}.svg")));
        assert!(texts.contains("shock: demand ×0.75"), "{name}: {texts}");
    }
    assert!(svg_text(&shock.join("figures/lending_losses.svg")).contains("expected loss"));

    // Wallets: payments and wallet share.
    let wallet = shipped_run(tmp.path(), "wallet_red_packets", &[]);
    let stdout = plot_svg(tmp.path(), &wallet);
    assert!(stdout.contains("wallet.svg"), "{stdout}");
    let texts = svg_text(&wallet.join("figures/wallet.svg"));
    assert!(texts.contains("wallet share (%)"), "{texts}");

    // A schedule of coupons shared by two platforms is one labelled mark.
    let ride = shipped_run(
        tmp.path(),
        "ride_hailing_2014",
        &["--set", "market.merchants=200"],
    );
    plot_svg(tmp.path(), &ride);
    let texts = svg_text(&ride.join("figures/orders.svg"));
    assert!(
        texts.contains("Didi, Kuaidi: coupon 12 yuan, days 60–95"),
        "{texts}"
    );
    assert!(texts.contains("direct purchases"), "{texts}");
}

#[test]
fn plot_marks_the_exits_of_a_war_that_ends() {
    let tmp = TempDir::new("plot-exits");
    // Red with a tenth of its cash runs out during the war.
    let war = shipped_run(
        tmp.path(),
        "subsidy_war",
        &["--set", "platforms[1].cash=100000"],
    );
    plot_svg(tmp.path(), &war);
    let texts = svg_text(&war.join("figures/cash_burn.svg"));
    assert!(texts.contains("Red exits"), "{texts}");
}

#[test]
fn plot_draws_paired_differences_of_a_compare_directory() {
    let tmp = TempDir::new("plot-compare");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let (a, b) = (
        root.join("subsidy_war.toml"),
        root.join("subsidy_war_blue7.toml"),
    );
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            a.to_str().unwrap_or_default(),
            b.to_str().unwrap_or_default(),
            "--replications",
            "3",
            "--set",
            "market.consumers=3000",
            "--out",
            "cmp",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let cmp = tmp.path().join("cmp");
    let o = flywheel(tmp.path(), &["plot", "cmp"]);
    assert!(o.status.success(), "{:?}", text(&o));
    for name in ["compare_market", "compare_money"] {
        assert_png_figure(&cmp.join("figures").join(format!("{name}.png")));
    }
    // No lending in either variant: no lending differences.
    assert!(!cmp.join("figures/compare_lending.png").exists());
    plot_svg(tmp.path(), &cmp);
    let texts = svg_text(&cmp.join("figures/compare_market.svg"));
    for must in [
        "subsidy_war_blue7 minus subsidy_war",
        "paired 95% interval",
        "unpaired (Welch)",
        "Blue",
        "Red",
        "final share",
    ] {
        assert!(texts.contains(must), "`{must}` not in {texts}");
    }
}

#[test]
fn plot_labels_a_sweep_axis_with_its_key_and_unit() {
    let tmp = TempDir::new("plot-sweep-run");
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
    let sw = tmp.path().join("sw");
    plot_svg(tmp.path(), &sw);
    let texts = svg_text(&sw.join("figures/sweep_final_share.svg"));
    for must in [
        "platforms[1].subsidy[0].per_order (yuan per order)",
        "platforms[1] is Beta",
        "commission = 0.1",
        "commission = 0.2",
        "Alpha",
        "Beta",
    ] {
        assert!(texts.contains(must), "`{must}` not in {texts}");
    }
}

#[test]
fn plot_tells_apart_more_than_six_sweep_lines() {
    let tmp = TempDir::new("plot-sweep-many");
    let dir = tmp.path().join("many");
    fs::create_dir_all(&dir).expect("dir");
    // Nine values of a categorical second parameter: nine lines in one
    // panel (one platform).
    let mut points = String::from("point,platforms[0].commission,market.customer_data\n");
    let mut agg = String::from("point,platform,n,orders_mean,orders_ci_low,orders_ci_high\n");
    let mut id = 0;
    for c in [0.1, 0.2] {
        for k in 0..9 {
            points.push_str(&format!("{id},{c},kind{k}\n"));
            let y = 100.0 + 10.0 * f64::from(k) + 50.0 * c;
            agg.push_str(&format!("{id},Solo,3,{y},{},{}\n", y - 3.0, y + 3.0));
            id += 1;
        }
    }
    fs::write(dir.join("points.csv"), points).expect("points.csv");
    fs::write(dir.join("aggregate.csv"), agg).expect("aggregate.csv");
    let o = flywheel(tmp.path(), &["plot", "many", "--format", "svg"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let path = dir.join("figures/sweep_orders.svg");
    let texts = svg_text(&path);
    for k in 0..9 {
        assert!(
            texts.contains(&format!("customer_data = kind{k}")),
            "{texts}"
        );
    }
    // Past six lines the looks repeat colours but not dash and marker
    // fill: some markers are outlined.
    let svg = fs::read_to_string(&path).expect("svg");
    let outlined = svg.match_indices("<circle").any(|(i, _)| {
        svg[i..]
            .split('>')
            .next()
            .is_some_and(|e| e.contains("fill=\"none\""))
    });
    assert!(outlined, "no outlined markers");
}
