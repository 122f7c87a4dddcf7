//! Parallel speed-up of a sweep: 1,000 runs of `scenarios/quickstart.toml`
//! (its coupon at 0, 2, 5 and 8 yuan × 250 replications; 20,000 consumers ×
//! 90 days each) at 1 and 2 worker threads, each timed once or more
//! (median and fastest reported; the fastest is the least disturbed by
//! other work on a shared machine), journal syncs included. Also checks
//! that both thread counts write identical files.
//!
//! `cargo bench --bench sweep_speedup`. Environment: `SWEEP_BENCH_RUNS`
//! sets the number of runs (rounded up to a multiple of the four coupon
//! levels; default 1000), `SWEEP_BENCH_REPEATS` the timings per thread
//! count (default 1). A run takes about 0.2 s of CPU, so the default takes
//! about 5 minutes on two idle cores.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use flywheel::sweep::{Outcome, Sweep, SweepOptions, run_sweep};

/// The quickstart scenario, as shipped.
const QUICKSTART: &str = include_str!("../scenarios/quickstart.toml");

/// Coupon levels swept (the quickstart's suggested values).
const COUPONS: [u32; 4] = [0, 2, 5, 8];

/// The quickstart with a `[sweep]` table giving `runs` runs (at least one
/// replication of each coupon level).
fn sweep_text(runs: u64) -> String {
    let replications = runs.div_ceil(COUPONS.len() as u64).max(1);
    format!(
        "{QUICKSTART}\n[sweep]\nreplications = {replications}\n\n[sweep.parameters]\n\"platforms[1].subsidy[0].per_order\" = {COUPONS:?}\n"
    )
}

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
        Outcome::Complete(r) => assert_eq!(r.succeeded, sweep.runs()),
        Outcome::Interrupted { .. } => panic!("interrupted"),
    }
    (seconds, busy)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
        .max(1)
}

fn main() {
    let runs = env_number("SWEEP_BENCH_RUNS", 1000);
    let repeats = env_number("SWEEP_BENCH_REPEATS", 1) as usize;
    let sweep =
        Sweep::parse(&sweep_text(runs), "quickstart.toml", "quickstart").expect("valid scenario");
    let root = std::env::temp_dir().join(format!("flywheel-sweep-bench-{}", std::process::id()));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "sweep of {} runs of quickstart ({} coupon levels × {} replications, 20000 consumers × 90 days), {repeats} timing(s) per thread count, {cores} cores",
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
            sweep.runs() as f64 / m,
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
