//! Parallel speed-up of a sweep: 32 small runs (8 grid points × 4
//! replications of a 20,000-consumer, 30-day market) at 1 and 2 worker
//! threads, each timed several times (median and fastest reported; the
//! fastest is the least disturbed by other work on a shared machine),
//! journal syncs included. Also checks that both thread counts write
//! identical files.
//!
//! `cargo bench --bench sweep_speedup` (set `SWEEP_BENCH_REPEATS` to change
//! the number of timings per thread count; default 3).

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use flywheel::sweep::{Outcome, Sweep, SweepOptions, run_sweep};

const SCENARIO: &str = r#"
name = "bench"
seed = 2015
horizon_days = 30

[market]
consumers = 20000
merchants = 200
no_purchase_utility = -4.0

[consumers]
purchase_rate = { gamma = { shape = 2.0, mean = 0.5 } }
price_sensitivity = { lognormal = { mean = 0.12, sd = 0.04 } }

[merchants]
price = { lognormal = { mean = 30.0, sd = 8.0 } }

[[platforms]]
name = "Incumbent"
cash = 2000000.0
commission = 0.15
consumer_fee = 2.0
brand_utility = 1.0
variable_cost = 3.0
fixed_daily_cost = 2000.0

[[platforms]]
name = "Challenger"
cash = 500000.0
commission = 0.1
consumer_fee = 2.0
brand_utility = 0.8
variable_cost = 3.0
fixed_daily_cost = 2000.0

[[platforms.subsidy]]
from_day = 0
to_day = 20
per_order = 5.0

[sweep]
replications = 4

[sweep.parameters]
"platforms[1].subsidy[0].per_order" = [0, 2, 5, 8]
"platforms[1].commission" = [0.08, 0.12]
"#;

/// CPU seconds used by this process so far (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Wall seconds of one sweep, and the cores it kept busy on average (CPU
/// time over wall time): near the thread count on an idle machine, lower
/// when other work takes the cores.
fn time_sweep(sweep: &Sweep, dir: &Path, threads: usize) -> (f64, f64) {
    let _ = std::fs::remove_dir_all(dir);
    let options = SweepOptions {
        threads,
        ..SweepOptions::default()
    };
    let stop = AtomicBool::new(false);
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let outcome = run_sweep(sweep, dir, &options, &stop, &|_| {}).expect("sweep runs");
    let seconds = started.elapsed().as_secs_f64();
    let busy = match (cpu_before, cpu_seconds()) {
        (Some(a), Some(b)) => (b - a) / seconds,
        _ => f64::NAN,
    };
    match outcome {
        Outcome::Complete(r) => assert_eq!(r.succeeded, 32),
        Outcome::Interrupted { .. } => panic!("interrupted"),
    }
    (seconds, busy)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let repeats: usize = std::env::var("SWEEP_BENCH_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    let sweep = Sweep::parse(SCENARIO, "bench.toml", "bench").expect("valid scenario");
    assert_eq!(sweep.runs(), 32);
    let root = std::env::temp_dir().join(format!("flywheel-sweep-bench-{}", std::process::id()));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "sweep of {} runs ({} points × {} replications, 20000 consumers × 30 days), {repeats} timing(s) per thread count, {cores} cores",
        sweep.runs(),
        sweep.points.len(),
        sweep.spec.replications
    );
    let mut medians = Vec::new();
    let mut fastest = Vec::new();
    for threads in [1usize, 2] {
        let timed: Vec<(f64, f64)> = (0..repeats)
            .map(|_| time_sweep(&sweep, &root.join(format!("t{threads}")), threads))
            .collect();
        let times: Vec<f64> = timed.iter().map(|t| t.0).collect();
        let m = median(times.clone());
        let f = times.iter().copied().fold(f64::INFINITY, f64::min);
        let shown: Vec<String> = timed
            .iter()
            .map(|(t, busy)| format!("{t:.3} s ({busy:.2} cores busy)"))
            .collect();
        println!(
            "threads = {threads}: median {m:.3} s, fastest {f:.3} s ({:.1} runs/s); timings {}",
            32.0 / m,
            shown.join(", ")
        );
        medians.push(m);
        fastest.push(f);
    }
    for f in ["points.csv", "runs.csv", "aggregate.csv", "failures.csv"] {
        let a = std::fs::read(root.join("t1").join(f)).expect("t1 file");
        let b = std::fs::read(root.join("t2").join(f)).expect("t2 file");
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    println!(
        "speed-up at 2 threads: {:.2}× by median, {:.2}× by fastest (files identical at 1 and 2 threads)",
        medians[0] / medians[1],
        fastest[0] / fastest[1]
    );
    let _ = std::fs::remove_dir_all(&root);
}
