//! What the shipped calibrations state, checked: each is calibrated as
//! shipped (a few seconds of simulation) and its estimates, intervals and
//! diagnostics are held to the header's figures.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use flywheel::calibrate::{CalibrateReport, ParameterEstimate, run_calibrate};
use flywheel::search::{Kind, Search, SearchOptions};

use crate::common::{TempDir, read_csv};

fn calibrate(name: &str, tmp: &TempDir) -> CalibrateReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let search = Search::load_kind(&path, Kind::Calibrate, &[]).unwrap_or_else(|e| panic!("{e}"));
    let options = SearchOptions {
        threads: 2,
        resume: false,
    };
    run_calibrate(
        &search,
        &tmp.path().join("out"),
        &options,
        &AtomicBool::new(false),
        &|_| {},
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn estimate<'a>(r: &'a CalibrateReport, path: &str) -> &'a ParameterEstimate {
    r.estimates
        .iter()
        .find(|e| e.path == path)
        .unwrap_or_else(|| panic!("no estimate of {path}"))
}

fn near(what: &str, value: f64, expected: f64, tolerance: f64) {
    assert!(
        (value - expected).abs() <= tolerance,
        "{what}: {value} not within {tolerance} of {expected}"
    );
}

#[test]
fn calibrate_platform_lender_fits_the_average_loan_and_npl_ratio() {
    let tmp = TempDir::new("claims-calibrate-lender");
    let r = calibrate("calibrate_platform_lender.toml", &tmp);
    assert_eq!((r.evaluations, r.jacobian_evaluations), (20, 12));
    let m = estimate(&r, "lenders[0].limit.sales_multiple");
    near("sales multiple", m.estimate, 1.71, 0.05);
    near("its interval's low end", m.low, 1.52, 0.05);
    near("its interval's high end", m.high, 1.89, 0.05);
    let c = estimate(&r, "lenders[0].cutoff");
    near("cut-off", c.estimate, 4.14, 0.1);
    near("its interval's low end", c.low, 3.64, 0.1);
    near("its interval's high end", c.high, 4.65, 0.1);
    assert!(m.identified && c.identified && !m.bound_hit && !c.bound_hit);
    near("their correlation", r.correlations[0][1], -0.41, 0.1);
    near("loss", r.loss, 1.3, 0.2);
    assert!(r.start_loss.is_some_and(|s| (s - 15.3).abs() < 0.2));
    let fit = read_csv(&tmp.path().join("out/fit.csv"));
    let sim = |m: &str| -> f64 {
        fit.iter()
            .find(|r| r["moment"] == m)
            .map(|r| r["simulated"].parse().expect("number"))
            .expect("row")
    };
    near("average loan (yuan)", sim("average loan"), 30350.0, 300.0);
    near("NPL ratio", sim("NPL ratio"), 0.013, 0.001);
}

#[test]
fn calibrate_ride_hailing_pins_habit_but_not_switching_cost() {
    let tmp = TempDir::new("claims-calibrate-ride");
    let r = calibrate("calibrate_ride_hailing.toml", &tmp);
    assert_eq!(r.evaluations, 16);
    let g = estimate(&r, "consumers.loyalty.gain");
    near("loyalty gain", g.estimate, 0.053, 0.004);
    near("its interval's low end", g.low, 0.034, 0.004);
    near("its interval's high end", g.high, 0.073, 0.004);
    assert!(g.identified);
    let s = estimate(&r, "choice.switching_cost");
    assert!(!s.identified, "{s:?}");
    assert!(s.sensitivity < 1.0, "{s:?}");
    assert_eq!((s.low, s.high), (0.0, 1.0));
    let fit = read_csv(&tmp.path().join("out/fit.csv"));
    let kept: f64 = fit[0]["simulated"].parse().expect("number");
    near("orders kept over the peak", kept, 0.57, 0.01);
}
