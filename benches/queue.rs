//! The event queue alone: the cost of one "hold" (pop the earliest event,
//! push a successor a random exponential time later) with 10^4 to 10^7
//! events pending, for the std binary heap, a 4-ary heap and the radix
//! heap the engine uses. Event times never decrease, which is what makes
//! the radix heap valid.
//!
//! `cargo bench --bench queue`

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dary_heap::QuaternaryHeap;
use flywheel::engine::{Event, EventQueue, Tick};
use radix_heap::RadixHeapMap;

/// Exponential inter-event times with mean one day, from a fixed LCG so
/// every queue sees the same sequence.
struct Times(u64);

impl Times {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        (-u.ln() * 86_400.0) as u64 + 1
    }
}

const HOLDS: u64 = 100_000;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.sample_size(10);
    group.throughput(Throughput::Elements(HOLDS));
    for pending in [10_000u64, 100_000, 1_000_000, 10_000_000] {
        group.bench_with_input(
            BenchmarkId::new("std_binary_heap", pending),
            &pending,
            |b, &n| {
                let mut t = Times(1);
                let mut heap: BinaryHeap<Reverse<(u64, u64, u32)>> =
                    (0..n).map(|i| Reverse((t.next(), i, i as u32))).collect();
                let mut seq = n;
                b.iter(|| {
                    for _ in 0..HOLDS {
                        let Reverse((time, _, c)) = heap.pop().unwrap_or(Reverse((0, 0, 0)));
                        heap.push(Reverse((time + t.next(), seq, c)));
                        seq += 1;
                    }
                    black_box(heap.len())
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("quaternary_heap", pending),
            &pending,
            |b, &n| {
                let mut t = Times(1);
                let mut heap: QuaternaryHeap<Reverse<(u64, u64, u32)>> =
                    (0..n).map(|i| Reverse((t.next(), i, i as u32))).collect();
                let mut seq = n;
                b.iter(|| {
                    for _ in 0..HOLDS {
                        let Reverse((time, _, c)) = heap.pop().unwrap_or(Reverse((0, 0, 0)));
                        heap.push(Reverse((time + t.next(), seq, c)));
                        seq += 1;
                    }
                    black_box(heap.len())
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("radix_heap", pending),
            &pending,
            |b, &n| {
                let mut t = Times(1);
                let mut heap: RadixHeapMap<Reverse<(u64, u64)>, u32> =
                    RadixHeapMap::new_at(Reverse((0, 0)));
                for i in 0..n {
                    heap.push(Reverse((t.next(), i)), i as u32);
                }
                let mut seq = n;
                b.iter(|| {
                    for _ in 0..HOLDS {
                        let (Reverse((time, _)), c) = heap.pop().unwrap_or((Reverse((0, 0)), 0));
                        heap.push(Reverse((time + t.next(), seq)), c);
                        seq += 1;
                    }
                    black_box(heap.len())
                });
            },
        );
        group.bench_with_input(
            BenchmarkId::new("engine_queue", pending),
            &pending,
            |b, &n| {
                let mut t = Times(1);
                let mut queue = EventQueue::with_capacity(n as usize);
                for i in 0..n {
                    queue.push(Tick(t.next()), Event::Purchase { consumer: i as u32 });
                }
                b.iter(|| {
                    for _ in 0..HOLDS {
                        if let Some(s) = queue.pop() {
                            queue.push(Tick(s.time.0 + t.next()), s.event);
                        }
                    }
                    black_box(queue.len())
                });
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Figures are printed; criterion's own HTML plots are not needed.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
