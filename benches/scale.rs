//! The scale benchmark: `scenarios/bench_1m.toml` (a million consumers,
//! 20,000 merchants, three platforms, lending on, one year) run once on one
//! thread, and the scaling curve around it.
//!
//! The curve runs the same market at other sizes, one replication on one
//! thread each: consumers from 10^4 up with merchants scaled with them (one
//! per 50 consumers) and districts too (one per 400 merchants, as in
//! `bench_1m`), so every size is the same market, only larger; then the
//! days of a 10^5-consumer market from four months to a year. Cost
//! is linear when events per second stay level along both. For each point
//! it prints events, wall seconds, events per second, nanoseconds per event
//! and the ratio of its events per second to the first point's; at the end
//! the process's peak resident memory and bytes of state per consumer.
//! A point shorter than ten seconds is run three times and the fastest
//! run printed (shared machines disturb short runs the most). Last, a
//! probe of the machine: nanoseconds per read of a random cache line in
//! tables of 1 MiB to 512 MiB (2 GiB with `--full`), one read at a time
//! and eight at once, which is where a large market's time goes once its
//! records outgrow the caches.
//!
//! ```sh
//! cargo bench --bench scale            # 10^4, 10^5 and bench_1m; days at 10^5
//! cargo bench --bench scale -- --full  # also 3·10^6 and 10^7 (bench_10m.toml)
//! cargo bench --bench scale -- --probe # the memory probe alone (with --full: 2 GiB too)
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use flywheel::agents::{Consumer, Relations};
use flywheel::engine::Event;
use flywheel::metrics::write::peak_rss_bytes;
use flywheel::runner::{RunOptions, run_one};
use flywheel::scenario::{self, Override, Scenario};

/// One point of the curve.
struct Point {
    consumers: u32,
    merchants: u32,
    days: u32,
    events: u64,
    wall: f64,
}

impl Point {
    fn rate(&self) -> f64 {
        self.events as f64 / self.wall
    }
}

fn set(path: &str, value: i64) -> Override {
    Override {
        path: path.into(),
        value: toml::Value::Integer(value),
        origin: "scale bench".into(),
    }
}

fn load(path: &Path, overrides: &[Override]) -> Scenario {
    match scenario::load(path, overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}

/// `bench_1m` at `consumers` (merchants and districts scaled with them)
/// and `days`.
fn resized(base: &Path, consumers: u32, days: u32) -> Scenario {
    let merchants = (consumers / 50).max(1);
    let districts = (merchants / 400).max(1);
    load(
        base,
        &[
            set("market.consumers", i64::from(consumers)),
            set("market.merchants", i64::from(merchants)),
            set("market.districts", i64::from(districts)),
            set("horizon_days", i64::from(days)),
        ],
    )
}

/// Runs `s` once on one thread.
fn measure(s: &Scenario) -> Point {
    let options = RunOptions {
        threads: 1,
        journal: false,
    };
    let started = Instant::now();
    let run = match run_one(s, 0, &options, &|| {}) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    Point {
        consumers: s.market.consumers,
        merchants: s.market.merchants,
        days: s.horizon_days,
        events: run.events,
        wall: started.elapsed().as_secs_f64(),
    }
}

/// A point that takes under this many seconds is run [`REPEATS`] times
/// and the fastest run reported: on a shared machine the fastest run is
/// the one least disturbed, and short runs are disturbed the most.
const REPEAT_BELOW_SECONDS: f64 = 10.0;

/// Runs of a short point.
const REPEATS: usize = 3;

/// [`measure`], repeated for a short point; the fastest run.
fn measure_best(s: &Scenario) -> Point {
    let mut best = measure(s);
    if best.wall < REPEAT_BELOW_SECONDS {
        for _ in 1..REPEATS {
            let p = measure(s);
            // The same seed gives the same run: only the time may differ.
            assert_eq!(p.events, best.events, "a repeated run differs");
            if p.wall < best.wall {
                best = p;
            }
        }
    }
    best
}

fn print_header(title: &str) {
    println!("{title}");
    println!(
        "{:>10} {:>9} {:>5} {:>13} {:>9} {:>12} {:>9} {:>8}",
        "consumers", "merchants", "days", "events", "wall s", "events/s", "ns/event", "vs first"
    );
}

fn print_point(p: &Point, first: f64) {
    println!(
        "{:>10} {:>9} {:>5} {:>13} {:>9.2} {:>12.0} {:>9.0} {:>8.2}",
        p.consumers,
        p.merchants,
        p.days,
        p.events,
        p.wall,
        p.rate(),
        p.wall * 1e9 / p.events as f64,
        p.rate() / first
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter that does not match
    // "scale" skips this (slow) benchmark.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let full = args.iter().any(|a| a == "--full");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filter.is_empty() && !filter.iter().any(|f| "scale".contains(f.as_str())) {
        return;
    }
    if args.iter().any(|a| a == "--probe") {
        print_memory_probe(full);
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let base = dir.join("bench_1m.toml");

    print_header("consumers (merchants and districts scaled with them), 365 days:");
    let mut first = None;
    let mut bench_1m = None;
    let mut sizes = vec![10_000u32, 100_000, 1_000_000];
    if full {
        sizes.extend([3_000_000, 10_000_000]);
    }
    for &n in &sizes {
        let s = match n {
            1_000_000 => load(&base, &[]),
            10_000_000 => load(&dir.join("bench_10m.toml"), &[]),
            _ => resized(&base, n, 365),
        };
        let p = measure_best(&s);
        let f = *first.get_or_insert(p.rate());
        print_point(&p, f);
        if n == 1_000_000 {
            bench_1m = Some(p);
        }
    }

    println!();
    print_header("days, 100,000 consumers:");
    let mut first = None;
    // From four months: bench_1m's first coupon runs to day 120.
    for days in [121u32, 243, 365] {
        let p = measure_best(&resized(&base, 100_000, days));
        let f = *first.get_or_insert(p.rate());
        print_point(&p, f);
    }

    let s = load(&base, &[]);
    let per_consumer = std::mem::size_of::<Consumer>()
        + Relations::bytes_per_consumer(s.platforms.len())
        // One pending occasion per consumer in the queue: the event and
        // its packed (sequence, tick) key.
        + std::mem::size_of::<Event>()
        + 8;
    println!();
    if let Some(p) = bench_1m {
        println!(
            "bench_1m: {} consumers, {} merchants, {} platforms, {} days, lending on",
            s.market.consumers,
            s.market.merchants,
            s.platforms.len(),
            s.horizon_days
        );
        println!("events            {}", p.events);
        println!("wall seconds      {:.2}", p.wall);
        println!("events per second {:.0}", p.rate());
        println!("ns per event      {:.0}", p.wall * 1e9 / p.events as f64);
    }
    match peak_rss_bytes() {
        Some(b) => println!(
            "peak memory       {:.0} MiB (the largest run above)",
            b as f64 / (1 << 20) as f64
        ),
        None => println!("peak memory       unknown"),
    }
    println!(
        "state per consumer {per_consumer} bytes (record {} + relations + queue entry)",
        std::mem::size_of::<Consumer>()
    );

    // After the peak above, so the probe's own memory is not counted.
    println!();
    print_memory_probe(full);
}

/// Prints the memory probe: random reads in tables of 1 MiB to 512 MiB,
/// and 2 GiB if `full`.
fn print_memory_probe(full: bool) {
    println!("random 64-byte reads on this machine (huge pages requested), ns per read:");
    println!("{:>10} {:>12} {:>12}", "MiB", "one at once", "eight");
    let mut sets = vec![1usize, 64, 512];
    if full {
        sets.push(2048);
    }
    for mib in sets {
        let (alone, eight) = random_reads(mib << 20);
        println!("{mib:>10} {alone:>12.1} {eight:>12.1}");
    }
}

/// One cache line of the memory probe: the index of the next line to read.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line {
    next: usize,
}

/// Nanoseconds per read of a random cache line in a table of `bytes`,
/// one read at a time (each address depends on the last: the latency)
/// and eight independent chains at once (what prefetching can overlap).
/// A market's records are read this way once they outgrow the caches, so
/// the figures explain where the curve above bends on this machine.
fn random_reads(bytes: usize) -> (f64, f64) {
    let n = (bytes / std::mem::size_of::<Line>()).max(16);
    let mut lines: Vec<Line> = flywheel::memory::huge_vec(n);
    // One random cycle through every line (Sattolo's shuffle).
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = (state % i as u64) as usize;
        order.swap(i, j);
    }
    lines.resize(n, Line { next: 0 });
    for i in 0..n {
        lines[order[i]].next = order[(i + 1) % n];
    }
    drop(order);
    let reads = 4_000_000usize;
    let time = |chains: usize| {
        let mut at: Vec<usize> = (0..chains).map(|k| k * (n / chains)).collect();
        let start = Instant::now();
        for _ in 0..reads / chains {
            for a in at.iter_mut() {
                *a = lines[*a].next;
            }
        }
        let ns = start.elapsed().as_secs_f64() * 1e9 / reads as f64;
        std::hint::black_box(&at);
        ns
    };
    time(8); // warm the table and its page tables
    (time(1), time(8))
}
