//! The pending-event queue.
//!
//! Events are ordered by time, then by the order in which they were
//! scheduled: each push takes the next value of a sequence counter, and ties
//! in time are broken first-in-first-out by that counter. The order of a run
//! therefore depends only on what was scheduled, never on heap internals.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::Tick;

/// One scheduled event with its ordering key.
#[derive(Debug, Clone)]
pub struct Scheduled<E> {
    /// When the event fires.
    pub time: Tick,
    /// Scheduling order; breaks ties in `time` first-in-first-out.
    pub seq: u64,
    /// The event itself.
    pub event: E,
}

impl<E> PartialEq for Scheduled<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Scheduled<E> {}

impl<E> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Scheduled<E> {
    // Reversed so that `BinaryHeap` (a max-heap) pops the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A priority queue of events ordered by (time, sequence).
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; among events at the same time it fires
    /// after every event scheduled before it.
    pub fn push(&mut self, time: Tick, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Scheduled { time, seq, event });
    }

    /// Removes and returns the earliest event (lowest time, then lowest
    /// sequence number).
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        self.heap.pop()
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<Tick> {
        self.heap.peek().map(|s| s.time)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::default();
        for (t, e) in [(5, 'a'), (1, 'b'), (3, 'c'), (2, 'd')] {
            q.push(Tick(t), e);
        }
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(order, vec!['b', 'd', 'c', 'a']);
    }

    #[test]
    fn ties_break_first_in_first_out() {
        let mut q = EventQueue::default();
        q.push(Tick(7), 0);
        q.push(Tick(3), 1);
        for i in 2..50 {
            q.push(Tick(7), i);
        }
        assert_eq!(q.pop().map(|s| s.event), Some(1));
        let rest: Vec<i32> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        let expected: Vec<i32> = std::iter::once(0).chain(2..50).collect();
        assert_eq!(rest, expected);
    }

    #[test]
    fn interleaved_pushes_keep_contract() {
        // Random pushes and pops: every pop is the minimum by (time, seq).
        let mut q = EventQueue::default();
        let mut state = 12345u64;
        let mut popped = Vec::new();
        let mut now = 0u64;
        for _ in 0..5000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if state >> 62 == 0 && !q.is_empty() {
                let s = q.pop().map(|s| (s.time, s.seq));
                if let Some((t, seq)) = s {
                    assert!(t.0 >= now);
                    now = t.0;
                    popped.push((t, seq));
                }
            } else {
                q.push(Tick(now + (state >> 58)), ());
            }
        }
        for w in popped.windows(2) {
            assert!(w[0] < w[1], "out of order: {:?}", w);
        }
    }
}
