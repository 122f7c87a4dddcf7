//! The discrete-event engine: typed time, the event queue and the one run
//! loop.
//!
//! # Ordering contract
//!
//! Events fire in increasing time; events at the same tick fire in the order
//! they were scheduled (first in, first out). Day boundaries and the horizon
//! are scheduled before any agent event, so at a tie a day closes before any
//! order of the next day is handled and the run stops before any event at
//! the horizon tick that comes after it.

mod queue;
mod time;

pub use queue::{EventQueue, Scheduled};
pub use time::{NEVER, TICKS_PER_DAY, Tick};

/// Everything that can happen in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A consumer has a purchase occasion (a need to buy).
    Purchase {
        /// Index of the consumer.
        consumer: u32,
    },
    /// A consumer's churn clock runs out for one install spell.
    Churn {
        /// Index of the consumer.
        consumer: u32,
        /// Platform index.
        platform: u8,
        /// Start day of the install spell the clock belongs to (a later
        /// spell ignores it).
        spell: u16,
    },
    /// The end of a day: daily costs, exits and the day's record.
    DayEnd {
        /// The day that ends.
        day: u32,
    },
    /// The end of the run.
    Horizon,
}

/// The model side of a simulation: reacts to each event, possibly
/// scheduling more.
pub trait Model {
    /// Handles one event at `time`, scheduling follow-ups on `queue`.
    fn handle(&mut self, time: Tick, event: Event, queue: &mut EventQueue<Event>);

    /// Hints that `event` will be handled soon, so its data can be fetched
    /// into cache while earlier events are handled. Must not change state.
    fn prefetch(&self, _event: &Event) {}

    /// A second hint for `event`, [`MID`] places ahead: what
    /// [`Model::prefetch`] fetched for it [`AHEAD`] places ahead is expected
    /// in cache by now, so the model may read it to fetch what the third
    /// hint will read (which merchant list entry a consumer will draw).
    /// Must not change state.
    fn prefetch_mid(&self, _event: &Event) {}

    /// The last hint for `event`, [`NEAR`] places ahead, given the time of
    /// the event being handled: the earlier hints' data is expected in
    /// cache by now, so the model may read it to fetch what depends on it
    /// (the records of the merchant a consumer will visit). Must not change
    /// state.
    fn prefetch_near(&self, _now: Tick, _event: &Event) {}
}

/// How many events ahead of the one being handled the engine prefetches.
const AHEAD: usize = 8;

/// How many events ahead the engine gives the second hint.
const MID: usize = 5;

/// How many events ahead the engine gives the last hint: late enough
/// that the earlier hints' data has arrived, early enough for the last's
/// to arrive in turn.
const NEAR: usize = 3;

/// Runs events from `queue` through `model` until the `Horizon` event or an
/// empty queue, and returns the number of events processed (the horizon
/// event included).
///
/// Before each event is handled, the event [`AHEAD`] places later in the
/// queue is announced to [`Model::prefetch`], so its data is on its way
/// into cache by the time it is handled. This changes nothing in the
/// (time, sequence) order: prefetching is only a hint.
pub fn run<M: Model>(model: &mut M, queue: &mut EventQueue<Event>) -> u64 {
    match run_until(model, queue, &|| false) {
        Ended::Horizon(events) | Ended::Stopped(events) => events,
    }
}

/// How [`run_until`] ended, with the number of events processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The run reached its horizon (or ran out of events).
    Horizon(u64),
    /// `stop` returned true at a day's end; that day was not closed.
    Stopped(u64),
}

/// Like [`run`], but asks `stop` before each day's end and stops there when
/// it returns true: a run can be abandoned (on Ctrl-C) within one
/// simulated day, at the cost of one call per day.
pub fn run_until<M: Model>(
    model: &mut M,
    queue: &mut EventQueue<Event>,
    stop: &dyn Fn() -> bool,
) -> Ended {
    let mut events = 0u64;
    while let Some(Scheduled { time, event, .. }) = queue.pop() {
        if let Some(next) = queue.upcoming(AHEAD) {
            model.prefetch(next);
        }
        if let Some(next) = queue.upcoming(MID) {
            model.prefetch_mid(next);
        }
        if let Some(next) = queue.upcoming(NEAR) {
            model.prefetch_near(time, next);
        }
        events += 1;
        match event {
            Event::Horizon => return Ended::Horizon(events),
            Event::DayEnd { .. } if stop() => return Ended::Stopped(events),
            _ => model.handle(time, event, queue),
        }
    }
    Ended::Horizon(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Recorder {
        seen: Vec<(Tick, Event)>,
    }

    impl Model for Recorder {
        fn handle(&mut self, time: Tick, event: Event, queue: &mut EventQueue<Event>) {
            self.seen.push((time, event));
            if let Event::Purchase { consumer } = event {
                queue.push(
                    Tick(time.0 + TICKS_PER_DAY / 2),
                    Event::Purchase { consumer },
                );
            }
        }
    }

    #[test]
    fn a_pending_event_takes_sixteen_bytes() {
        // Memory estimates (src/resources.rs) count this per consumer.
        assert_eq!(EventQueue::<Event>::ENTRY_BYTES, 16);
    }

    #[test]
    fn day_end_precedes_orders_at_the_same_tick_and_horizon_stops() {
        let mut queue = EventQueue::default();
        for day in 0..2 {
            queue.push(Tick::start_of_day(day + 1), Event::DayEnd { day });
        }
        queue.push(Tick::start_of_day(2), Event::Horizon);
        queue.push(Tick(0), Event::Purchase { consumer: 0 });
        let mut model = Recorder { seen: Vec::new() };
        let events = run(&mut model, &mut queue);
        let kinds: Vec<Event> = model.seen.iter().map(|(_, e)| *e).collect();
        let p = Event::Purchase { consumer: 0 };
        assert_eq!(
            kinds,
            vec![
                p,
                p,
                Event::DayEnd { day: 0 },
                p,
                p,
                Event::DayEnd { day: 1 }
            ]
        );
        // Six handled plus the horizon itself.
        assert_eq!(events, 7);
    }

    #[test]
    fn run_until_stops_before_the_day_end_it_is_asked_at() {
        let mut queue = EventQueue::default();
        for day in 0..3 {
            queue.push(Tick::start_of_day(day + 1), Event::DayEnd { day });
        }
        queue.push(Tick::start_of_day(3), Event::Horizon);
        queue.push(Tick(0), Event::Purchase { consumer: 0 });
        let mut model = Recorder { seen: Vec::new() };
        let days = std::cell::Cell::new(0);
        let ended = run_until(&mut model, &mut queue, &|| {
            days.set(days.get() + 1);
            days.get() > 1
        });
        // Day 0 closes; the run stops at day 1's end, after its orders.
        assert_eq!(ended, Ended::Stopped(6));
        assert!(
            model
                .seen
                .contains(&(Tick::start_of_day(1), Event::DayEnd { day: 0 }))
        );
        assert!(
            !model
                .seen
                .iter()
                .any(|(_, e)| *e == Event::DayEnd { day: 1 })
        );
    }
}
