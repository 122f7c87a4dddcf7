//! The scale benchmark: `scenarios/bench_1m.toml` (a million consumers,
//! 20,000 merchants, three platforms, lending on, one year) run once on one
//! thread. Prints events, wall seconds, events per second, nanoseconds per
//! event, peak resident memory and bytes per consumer.
//!
//! `cargo bench --bench scale`

use std::path::Path;
use std::time::Instant;

use flywheel::agents::{Consumer, Relation};
use flywheel::metrics::write::peak_rss_bytes;
use flywheel::runner::{RunOptions, run_one};
use flywheel::scenario;

fn main() {
    // `cargo bench` passes `--bench`; a name filter that does not match
    // "scale" skips this (slow) benchmark.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|f| "scale".contains(f.as_str())) {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/bench_1m.toml");
    let s = match scenario::load(&path, &[]) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let options = RunOptions {
        threads: 1,
        journal: false,
    };
    let started = Instant::now();
    let run = match run_one(&s, 0, &options, &|| {}) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let wall = started.elapsed().as_secs_f64();
    let per_consumer = std::mem::size_of::<Consumer>()
        + s.platforms.len() * std::mem::size_of::<Relation>()
        // One pending occasion per consumer in the queue: key and event.
        + 24;
    println!(
        "bench_1m: {} consumers, {} merchants, {} platforms, {} days, lending on",
        s.market.consumers,
        s.market.merchants,
        s.platforms.len(),
        s.horizon_days
    );
    println!("events            {}", run.events);
    println!("wall seconds      {wall:.2}");
    println!("events per second {:.0}", run.events as f64 / wall);
    println!("ns per event      {:.0}", wall * 1e9 / run.events as f64);
    match peak_rss_bytes() {
        Some(b) => println!("peak memory       {:.0} MiB", b as f64 / (1 << 20) as f64),
        None => println!("peak memory       unknown"),
    }
    println!(
        "state per consumer {per_consumer} bytes (record {} + relations + queue entry)",
        std::mem::size_of::<Consumer>()
    );
}
