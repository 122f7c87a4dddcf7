//! One purchase occasion's decision path — merchant pick, logit choice,
//! settlement postings, queueing and habit — on a quickstart-sized market,
//! and a whole small scenario end to end.
//!
//! `cargo bench --bench decision`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use flywheel::engine::{Event, EventQueue, Model, TICKS_PER_DAY, Tick};
use flywheel::market::Market;
use flywheel::runner::{RunOptions, run_one};
use flywheel::scenario;

fn load(name: &str) -> scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    match scenario::load(&path, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn bench(c: &mut Criterion) {
    let s = load("quickstart.toml");
    let mut group = c.benchmark_group("decision");
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_occasion", |b| {
        let mut queue = EventQueue::default();
        let mut market = Market::new(&s, 1, false, &|| {}, &mut queue);
        let consumers = s.market.consumers;
        let mut c = 0u32;
        let time = Tick(TICKS_PER_DAY + 3600);
        b.iter(|| {
            market.handle(time, Event::Purchase { consumer: c }, &mut queue);
            c = (c + 7919) % consumers;
            black_box(&market.recorder);
        });
    });
    group.finish();

    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    group.bench_function("quickstart_one_replication", |b| {
        b.iter(|| black_box(run_one(&s, 0, &RunOptions::default(), &|| {}).map(|r| r.events)));
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Figures are printed; criterion's own HTML plots are not needed.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
