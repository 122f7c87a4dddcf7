//! Unit tests of the sweep's runner.

use super::*;

const TEXT: &str = r#"
    name = "unit"
    seed = 3
    horizon_days = 4
    [market]
    consumers = 60
    merchants = 5
    [consumers]
    purchase_rate = 1.0
    price_sensitivity = 0.1
    [merchants]
    price = 20.0
    [[platforms]]
    name = "A"
    cash = 5000.0
    commission = 0.1
    [[platforms]]
    name = "B"
    cash = 5000.0
    commission = 0.2
    [sweep]
    replications = 2
    [sweep.parameters]
    "platforms[0].commission" = [0.05, 0.1, 0.3]
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flywheel-sweep-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

fn real_run(s: &Scenario, r: u32, day: &(dyn Fn() + Sync)) -> Result<RunOutput, String> {
    run_one(s, r, &RunOptions::default(), day).map_err(|e| e.to_string())
}

#[test]
fn a_failing_run_is_recorded_and_the_sweep_goes_on() {
    let sweep = Sweep::parse(TEXT, "unit.toml", "unit").expect("valid");
    let out = dir("failing");
    let run = |s: &Scenario, r: u32, day: &(dyn Fn() + Sync)| {
        if s.platforms[0].base_levers.commission > 0.2 && r == 1 {
            return Err("ledger check failed: injected".to_string());
        }
        if s.platforms[0].base_levers.commission < 0.06 && r == 0 {
            panic!("injected panic");
        }
        real_run(s, r, day)
    };
    let stop = AtomicBool::new(false);
    let outcome = run_sweep_with(&sweep, &out, &SweepOptions::default(), &stop, &|_| {}, &run)
        .expect("sweep");
    let Outcome::Complete(report) = outcome else {
        panic!("interrupted")
    };
    assert_eq!((report.succeeded, report.failed), (4, 2));
    let failures = fs::read_to_string(out.join(FAILURES_CSV)).expect("failures.csv");
    let lines: Vec<&str> = failures.lines().collect();
    assert_eq!(lines.len(), 3, "{failures}");
    assert!(lines[1].starts_with("0,0,") && lines[1].contains("the run panicked: injected panic"));
    assert!(lines[2].starts_with("2,1,") && lines[2].contains("injected"));
    let runs = fs::read_to_string(out.join(RUNS_CSV)).expect("runs.csv");
    assert_eq!(runs.lines().count(), 1 + 4 * 2);
    // Point 0 aggregates its one finished replication.
    let agg = fs::read_to_string(out.join(AGGREGATE_CSV)).expect("aggregate.csv");
    assert!(
        agg.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("0,0.05,A,1,")),
        "{agg}"
    );

    // Resuming retries the failed runs: with a run that now succeeds,
    // the failures are gone and the files equal a clean sweep's.
    let outcome = run_sweep_with(
        &sweep,
        &out,
        &SweepOptions {
            resume: true,
            ..SweepOptions::default()
        },
        &stop,
        &|_| {},
        &real_run,
    )
    .expect("resume");
    let Outcome::Complete(report) = outcome else {
        panic!("interrupted")
    };
    assert_eq!((report.succeeded, report.failed, report.resumed), (6, 0, 4));
    let clean = dir("clean");
    run_sweep(&sweep, &clean, &SweepOptions::default(), &stop, &|_| {}).expect("clean");
    for f in [POINTS_CSV, RUNS_CSV, AGGREGATE_CSV, FAILURES_CSV] {
        assert_eq!(
            fs::read(out.join(f)).ok(),
            fs::read(clean.join(f)).ok(),
            "{f} differs"
        );
    }
    let _ = fs::remove_dir_all(&out);
    let _ = fs::remove_dir_all(&clean);
}

#[test]
fn a_raised_stop_flag_leaves_a_resumable_journal_and_no_results() {
    let sweep = Sweep::parse(TEXT, "unit.toml", "unit").expect("valid");
    let out = dir("stopped");
    let stop = AtomicBool::new(false);
    // Stop after the first run finishes; single thread, so nothing else
    // is in flight.
    let on_event = |e: Event| {
        if matches!(e, Event::RunFinished { .. }) {
            stop.store(true, Ordering::SeqCst);
        }
    };
    let options = SweepOptions {
        threads: 1,
        ..SweepOptions::default()
    };
    let outcome = run_sweep(&sweep, &out, &options, &stop, &on_event).expect("sweep");
    assert!(matches!(
        outcome,
        Outcome::Interrupted {
            finished: 1,
            runs_in_shard: 6
        }
    ));
    assert!(!out.join(RUNS_CSV).exists() && !out.join(MANIFEST).exists());
    // Without --resume the unfinished sweep is not overwritten.
    let fresh = AtomicBool::new(false);
    let e = run_sweep(&sweep, &out, &options, &fresh, &|_| {});
    assert!(matches!(e, Err(SweepError::Refused(m)) if m.contains("--resume")));
    let resumed = SweepOptions {
        resume: true,
        ..options
    };
    let outcome = run_sweep(&sweep, &out, &resumed, &fresh, &|_| {}).expect("resume");
    assert!(matches!(outcome, Outcome::Complete(r) if r.resumed == 1 && r.succeeded == 6));
    let _ = fs::remove_dir_all(&out);
}
