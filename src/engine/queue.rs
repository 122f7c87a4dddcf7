//! The pending-event queue.
//!
//! Events are ordered by time, then by the order in which they were
//! scheduled: each push takes the next value of a sequence counter, and ties
//! in time are broken first-in-first-out by that counter. The order of a run
//! therefore depends only on what was scheduled, never on the queue's
//! internals.
//!
//! The queue is a calendar. Events of the current day sit in buckets of
//! 128 ticks; events of the next 512 days in one list
//! per day, appended in push order; anything later in a binary heap. When
//! a day begins its list is dealt into the buckets, and when the reading
//! reaches a bucket it is sorted once by (tick, sequence) and then read in
//! order; an event pushed into the bucket being read is inserted in its
//! place. So a push is an append and a pop a read of the next element of a
//! small sorted array, whatever the number of events pending: the costs
//! are one sort of a few hundred keys per bucket and one pass of dealing
//! per day, and memory is touched in order. Simulated time never goes
//! backwards: an event scheduled before the current time (a caller's
//! mistake) fires at the current time instead.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::{TICKS_PER_DAY, Tick};

/// Days ahead held as lists; later events wait in a heap.
const WINDOW: u64 = 512;

/// Ticks per bucket of the current day, as a power of two (128 seconds:
/// 675 buckets a day, a few hundred events each at a million consumers).
const BUCKET_BITS: u32 = 7;
/// Ticks per bucket of the current day.
const BUCKET_TICKS: u64 = 1 << BUCKET_BITS;
/// Buckets per day.
const BUCKETS: usize = TICKS_PER_DAY.div_ceil(BUCKET_TICKS) as usize;

/// Buckets with at least this many events are sorted by counting (see
/// `EventQueue::sort_bucket`); smaller ones by comparison.
const COUNTING_SORT_FROM: usize = 16;

/// Bits of a packed key that hold the sequence number.
const SEQ_BITS: u32 = 47;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// One scheduled event with its ordering key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled<E> {
    /// When the event fires.
    pub time: Tick,
    /// Scheduling order; breaks ties in `time` first-in-first-out.
    pub seq: u64,
    /// The event itself.
    pub event: E,
}

impl<E: Eq> PartialOrd for Scheduled<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E: Eq> Ord for Scheduled<E> {
    // Reversed so that `BinaryHeap` (a max-heap) yields the earliest.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// An event in a day list or a bucket, with the tick within its day and
/// its sequence number packed in one word whose order is (tick, sequence):
/// 16 bytes per pending event with the engine's 8-byte events. Sequence
/// numbers up to 2^47 fit, far more events than any run handles.
#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    key: u64,
    event: E,
}

impl<E> Entry<E> {
    fn new(seq: u64, tick_in_day: u64, event: E) -> Self {
        debug_assert!(seq <= SEQ_MASK && tick_in_day < TICKS_PER_DAY);
        Entry {
            key: (tick_in_day << SEQ_BITS) | seq,
            event,
        }
    }

    fn tick_in_day(&self) -> u64 {
        self.key >> SEQ_BITS
    }

    fn bucket(&self) -> usize {
        (self.tick_in_day() >> BUCKET_BITS) as usize
    }

    fn seq(&self) -> u64 {
        self.key & SEQ_MASK
    }

    /// The tick within its bucket.
    fn offset_in_bucket(&self) -> usize {
        (self.tick_in_day() & (BUCKET_TICKS - 1)) as usize
    }
}

/// A priority queue of events ordered by (time, sequence).
pub struct EventQueue<E> {
    /// The day whose events the buckets hold.
    day: u64,
    /// The current day's events by bucket; the bucket being read is
    /// sorted from `read` on.
    buckets: Vec<Vec<Entry<E>>>,
    /// The bucket being read, and whether it has been sorted for reading.
    cursor: usize,
    reading: bool,
    /// Events of `buckets[cursor]` already popped.
    read: usize,
    /// Events in the buckets not yet popped.
    today_len: usize,
    /// Scratch space for sorting a bucket, as large as the largest yet.
    sorting: Vec<Entry<E>>,
    /// Events of days `day + 1 .. day + WINDOW`, by `day % WINDOW`, each
    /// in push order.
    coming: Vec<Vec<Entry<E>>>,
    /// Events in `coming`.
    coming_len: usize,
    /// Events `WINDOW` days or more ahead of `day` when pushed.
    later: BinaryHeap<Scheduled<E>>,
    next_seq: u64,
    now: u64,
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field(
                "pending",
                &(self.today_len + self.coming_len + self.later.len()),
            )
            .field("next_seq", &self.next_seq)
            .field("now", &self.now)
            .finish()
    }
}

impl<E: Copy + Eq> Default for EventQueue<E> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<E: Copy + Eq> EventQueue<E> {
    /// An empty queue. (Buckets and lists grow as needed; the capacity
    /// hint is accepted for symmetry with other queues.)
    pub fn with_capacity(_capacity: usize) -> Self {
        EventQueue {
            day: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            cursor: 0,
            reading: false,
            read: 0,
            today_len: 0,
            sorting: Vec::new(),
            coming: (0..WINDOW).map(|_| Vec::new()).collect(),
            coming_len: 0,
            later: BinaryHeap::new(),
            next_seq: 0,
            now: 0,
        }
    }

    /// Schedules `event` at `time`; among events at the same time it fires
    /// after every event scheduled before it. A time before the current
    /// time is treated as the current time.
    pub fn push(&mut self, time: Tick, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let time = time.0.max(self.now);
        let (day, tick) = (time / TICKS_PER_DAY, time % TICKS_PER_DAY);
        if day == self.day {
            self.put_today(Entry::new(seq, tick, event));
        } else if day - self.day < WINDOW {
            self.coming[(day % WINDOW) as usize].push(Entry::new(seq, tick, event));
            self.coming_len += 1;
        } else {
            self.later.push(Scheduled {
                time: Tick(time),
                seq,
                event,
            });
        }
    }

    /// Adds an event of the current day (at or after the current time).
    fn put_today(&mut self, entry: Entry<E>) {
        let b = entry.bucket();
        let bucket = &mut self.buckets[b];
        if self.reading && b == self.cursor {
            // Into the sorted part: its sequence number is the largest yet,
            // so it goes after every unread event at or before its tick.
            let at = self.read + bucket[self.read..].partition_point(|e| e.key < entry.key);
            bucket.insert(at, entry);
        } else {
            bucket.push(entry);
        }
        self.today_len += 1;
    }

    /// The next day with pending events after the current one, if any.
    fn next_day(&self) -> Option<u64> {
        if self.coming_len > 0 {
            (1..WINDOW)
                .map(|k| self.day + k)
                .find(|d| !self.coming[(d % WINDOW) as usize].is_empty())
        } else {
            self.later.peek().map(|s| s.time.0 / TICKS_PER_DAY)
        }
    }

    /// Makes `day` (later than the current day, with nothing left today)
    /// the current day: deals its list into the buckets and takes into the
    /// lists the heap's events that now fall within the window.
    fn enter(&mut self, day: u64) {
        debug_assert!(self.today_len == 0 && day > self.day);
        self.day = day;
        self.cursor = 0;
        self.reading = false;
        self.read = 0;
        let list = std::mem::take(&mut self.coming[(day % WINDOW) as usize]);
        self.coming_len -= list.len();
        self.today_len += list.len();
        for entry in list {
            self.buckets[entry.bucket()].push(entry);
        }
        // Heap events pop in (time, sequence) order, and nothing was
        // pushed to the lists they join, whose days were outside the
        // window until now.
        while let Some(s) = self.later.peek() {
            let d = s.time.0 / TICKS_PER_DAY;
            if d >= day + WINDOW {
                break;
            }
            let Some(s) = self.later.pop() else { break };
            let entry = Entry::new(s.seq, s.time.0 % TICKS_PER_DAY, s.event);
            if d == day {
                self.put_today(entry);
            } else {
                self.coming[(d % WINDOW) as usize].push(entry);
                self.coming_len += 1;
            }
        }
    }

    /// Makes the bucket being read one with an unread event, sorting a
    /// newly reached bucket; false if the current day has none left.
    fn settle(&mut self) -> bool {
        if self.reading {
            if self.has_unread() {
                return true;
            }
            // Keep the allocation for the next day's events in this bucket.
            self.buckets[self.cursor].clear();
            self.reading = false;
            self.read = 0;
        }
        if self.today_len == 0 {
            return false;
        }
        // Every unread event of the day is in this bucket or a later one.
        while self.buckets[self.cursor].is_empty() {
            self.cursor += 1;
        }
        self.sort_bucket();
        self.reading = true;
        true
    }

    /// Sorts the bucket at the cursor by (tick, sequence). In a bucket not
    /// yet read, events of the same tick already stand in ascending
    /// sequence: day lists are dealt in push order and later pushes are
    /// appended, and heap events, which join a day's list in (time,
    /// sequence) order, do so before anything is pushed to it. So a stable
    /// counting sort on the tick within the bucket is enough, one pass to
    /// count and one to place, instead of a comparison sort of the whole
    /// key. Small buckets keep the comparison sort.
    fn sort_bucket(&mut self) {
        let bucket = &mut self.buckets[self.cursor];
        if bucket.len() < COUNTING_SORT_FROM {
            bucket.sort_unstable_by_key(|e| e.key);
            return;
        }
        let mut starts = [0u32; BUCKET_TICKS as usize];
        for e in bucket.iter() {
            starts[e.offset_in_bucket()] += 1;
        }
        let mut at = 0;
        for start in starts.iter_mut() {
            let count = *start;
            *start = at;
            at += count;
        }
        let sorted = &mut self.sorting;
        sorted.clear();
        sorted.resize(bucket.len(), bucket[0]);
        for e in bucket.iter() {
            let slot = &mut starts[e.offset_in_bucket()];
            sorted[*slot as usize] = *e;
            *slot += 1;
        }
        debug_assert!(sorted.windows(2).all(|w| w[0].key < w[1].key));
        // Copied back rather than swapped: swapping would hand each
        // bucket's allocation on to the next, and every allocation would
        // grow towards the largest bucket's size.
        bucket.copy_from_slice(sorted);
    }

    /// Time of the earliest pending event.
    pub fn peek_time(&self) -> Option<Tick> {
        let today = if self.reading && self.has_unread() {
            Some(self.buckets[self.cursor][self.read].tick_in_day())
        } else {
            let from = self.cursor + usize::from(self.reading);
            self.buckets[from.min(BUCKETS)..]
                .iter()
                .find(|b| !b.is_empty())
                .and_then(|b| b.iter().map(Entry::tick_in_day).min())
        };
        if let Some(t) = today {
            return Some(Tick(self.day * TICKS_PER_DAY + t));
        }
        let day = self.next_day()?;
        let from_list = self.coming[(day % WINDOW) as usize]
            .iter()
            .map(|e| day * TICKS_PER_DAY + e.tick_in_day())
            .min();
        let from_heap = self.later.peek().map(|s| s.time.0);
        match (from_list, from_heap) {
            (Some(a), Some(b)) => Some(Tick(a.min(b))),
            (a, b) => a.or(b).map(Tick),
        }
    }

    /// Removes and returns the earliest event (lowest time, then lowest
    /// sequence number), which becomes the current time.
    pub fn pop(&mut self) -> Option<Scheduled<E>> {
        // Most pops read on in a sorted bucket; reaching the next bucket
        // or day is kept out of line.
        let unread = self.reading && self.has_unread();
        if !unread && !self.reach_next() {
            return None;
        }
        Some(self.take())
    }

    /// Whether the bucket at the cursor has events past the reading
    /// position (meaningful while it is being read).
    #[inline]
    fn has_unread(&self) -> bool {
        self.read < self.buckets[self.cursor].len()
    }

    /// Makes an unread event the next to read, entering the next day with
    /// events if today has none left; false if no event is pending.
    #[inline(never)]
    fn reach_next(&mut self) -> bool {
        if self.settle() {
            return true;
        }
        let Some(day) = self.next_day() else {
            return false;
        };
        self.enter(day);
        self.settle()
    }

    /// Pops the next unread event of the bucket being read, which must
    /// have one.
    fn take(&mut self) -> Scheduled<E> {
        let entry = self.buckets[self.cursor][self.read];
        self.read += 1;
        self.today_len -= 1;
        self.now = self.day * TICKS_PER_DAY + entry.tick_in_day();
        Scheduled {
            time: Tick(self.now),
            seq: entry.seq(),
            event: entry.event,
        }
    }

    /// Removes and returns the earliest event if it fires at `time`,
    /// leaving the queue unchanged otherwise.
    pub fn pop_at(&mut self, time: Tick) -> Option<Scheduled<E>> {
        if time.0 == self.now && self.reading {
            // Events at the current time are in the bucket being read
            // unless that bucket is used up.
            if let Some(e) = self.buckets[self.cursor].get(self.read) {
                return if self.day * TICKS_PER_DAY + e.tick_in_day() == time.0 {
                    Some(self.take())
                } else {
                    None
                };
            }
        }
        if self.peek_time() == Some(time) {
            self.pop()
        } else {
            None
        }
    }

    /// Bytes one pending event takes in the calendar (its packed time and
    /// sequence key and the event): for memory estimates.
    pub const ENTRY_BYTES: usize = std::mem::size_of::<Entry<E>>();

    /// The event `k` places after the next one, if the bucket being read
    /// holds it: what the engine prefetches while it handles the next
    /// (a hint only; an event pushed meanwhile may come before it).
    pub fn upcoming(&self, k: usize) -> Option<&E> {
        if !self.reading {
            return None;
        }
        self.buckets[self.cursor]
            .get(self.read + k)
            .map(|e| &e.event)
    }

    /// Time of the last event popped.
    pub fn now(&self) -> Tick {
        Tick(self.now)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.today_len + self.coming_len + self.later.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

#[cfg(test)]
mod batches {
    use super::*;

    #[test]
    fn pop_at_takes_only_events_due_now_and_keeps_order() {
        let mut q = EventQueue::default();
        for (t, e) in [(5, 'a'), (5, 'b'), (6, 'c'), (5, 'd')] {
            q.push(Tick(t), e);
        }
        let first = q.pop().map(|s| s.event);
        assert_eq!(first, Some('a'));
        assert_eq!(q.pop_at(Tick(5)).map(|s| s.event), Some('b'));
        assert_eq!(q.pop_at(Tick(5)).map(|s| s.event), Some('d'));
        assert_eq!(q.pop_at(Tick(5)).map(|s| s.event), None);
        // A push at the current time after the batch still comes next.
        q.push(Tick(5), 'e');
        let rest: Vec<char> = std::iter::from_fn(|| q.pop().map(|s| s.event)).collect();
        assert_eq!(rest, vec!['e', 'c']);
    }

    #[test]
    fn events_earlier_than_a_look_ahead_still_come_first() {
        // The regression behind this queue's layout: after peeking at an
        // event due later, scheduling one before it must work and keep
        // (time, sequence) order.
        let mut q = EventQueue::default();
        q.push(Tick(10), 'a');
        q.push(Tick(50), 'b');
        assert_eq!(q.pop().map(|s| s.event), Some('a'));
        assert_eq!(q.pop_at(Tick(10)).map(|s| s.event), None);
        q.push(Tick(20), 'c');
        q.push(Tick(50), 'd');
        q.push(Tick(30), 'e');
        let rest: Vec<(u64, char)> =
            std::iter::from_fn(|| q.pop().map(|s| (s.time.0, s.event))).collect();
        assert_eq!(rest, vec![(20, 'c'), (30, 'e'), (50, 'b'), (50, 'd')]);
    }

    #[test]
    fn random_schedules_with_look_ahead_keep_the_contract() {
        let mut q = EventQueue::default();
        let mut state = 99u64;
        let mut last = (0u64, 0u64);
        let mut seen = 0;
        for i in 0..20_000u64 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let now = q.now().0;
            q.push(Tick(now + (state >> 54)), i);
            if state >> 62 != 0
                && let Some(s) = q.pop()
            {
                assert!((s.time.0, s.seq) > last || seen == 0, "order broken");
                last = (s.time.0, s.seq);
                seen += 1;
                // Batch as the engine does.
                if let Some(t) = q.pop_at(s.time) {
                    assert!((t.time.0, t.seq) > last, "order broken in a batch");
                    last = (t.time.0, t.seq);
                }
                let _ = q.peek_time();
            }
        }
    }
}

#[cfg(test)]
mod past_events {
    use super::*;

    #[test]
    fn an_event_scheduled_in_the_past_fires_now() {
        let mut q = EventQueue::default();
        q.push(Tick(100), 'a');
        assert_eq!(q.pop().map(|s| s.time), Some(Tick(100)));
        q.push(Tick(50), 'b');
        q.push(Tick(100), 'c');
        let order: Vec<(Tick, char)> =
            std::iter::from_fn(|| q.pop().map(|s| (s.time, s.event))).collect();
        assert_eq!(order, vec![(Tick(100), 'b'), (Tick(100), 'c')]);
    }
}

#[cfg(test)]
mod calendar {
    use super::*;

    /// A reference queue: a binary heap on (time, sequence).
    struct Reference(BinaryHeap<Scheduled<u64>>, u64, u64);

    impl Reference {
        fn push(&mut self, time: u64, event: u64) {
            let time = time.max(self.2);
            self.0.push(Scheduled {
                time: Tick(time),
                seq: self.1,
                event,
            });
            self.1 += 1;
        }

        fn pop(&mut self) -> Option<(u64, u64, u64)> {
            let s = self.0.pop()?;
            self.2 = s.time.0;
            Some((s.time.0, s.seq, s.event))
        }
    }

    #[test]
    fn far_future_events_and_empty_days_keep_the_contract() {
        // Waits from a second to beyond the window of day lists, with
        // batches at the current tick and pushes into the past, checked
        // against a plain heap pop for pop.
        let mut q = EventQueue::default();
        let mut r = Reference(BinaryHeap::new(), 0, 0);
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        for i in 0..200 {
            let t = next() % (3 * WINDOW * TICKS_PER_DAY);
            q.push(Tick(t), i);
            r.push(t, i);
        }
        for i in 200..60_000u64 {
            let x = next();
            let now = q.now().0;
            let wait = match x >> 61 {
                0 => 0,
                1 => x % 3,
                2 => x % TICKS_PER_DAY,
                3 => x % (40 * TICKS_PER_DAY),
                4 => x % (2 * WINDOW * TICKS_PER_DAY),
                _ => u64::MAX,
            };
            let t = if x & 1 == 0 {
                now.saturating_add(wait)
            } else {
                now.saturating_sub(wait % 5)
            };
            q.push(Tick(t), i);
            r.push(t, i);
            if (x >> 40) % 3 != 0 {
                let got = q.pop().map(|s| (s.time.0, s.seq, s.event));
                assert_eq!(got, r.pop());
                if let Some((time, _, _)) = got
                    && x & 2 == 0
                {
                    let got = q.pop_at(Tick(time)).map(|s| (s.time.0, s.seq, s.event));
                    let want = match r.0.peek() {
                        Some(s) if s.time.0 == time => r.pop(),
                        _ => None,
                    };
                    assert_eq!(got, want);
                }
                assert_eq!(q.peek_time(), r.0.peek().map(|s| s.time));
            }
            assert_eq!(q.len(), r.0.len());
        }
        while let Some(want) = r.pop() {
            assert_eq!(q.pop().map(|s| (s.time.0, s.seq, s.event)), Some(want));
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }
}

#[cfg(test)]
mod dense_buckets {
    use super::*;

    /// Buckets of hundreds of events (sorted by counting) pop in (time,
    /// sequence) order: events dealt from day lists, pushed into today's
    /// buckets and into the bucket being read, with many ties.
    #[test]
    fn crowded_buckets_pop_in_time_and_sequence_order() {
        let mut q = EventQueue::default();
        let mut state = 31u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 11
        };
        // Three days of events packed into the first few buckets of each
        // day, so every bucket holds far more than `COUNTING_SORT_FROM`.
        for i in 0..30_000u64 {
            let day = next() % 3;
            let t = day * TICKS_PER_DAY + next() % (4 * BUCKET_TICKS);
            q.push(Tick(t), i);
        }
        // Events beyond the window wait in the heap and join their day's
        // list in (time, sequence) order when day 5 begins; events of day
        // 5 then push more into that day, with ties on the same ticks.
        let far = (WINDOW + 2) * TICKS_PER_DAY;
        for i in 0..3_000u64 {
            q.push(Tick(far + next() % (2 * BUCKET_TICKS)), i);
        }
        for i in 0..200u64 {
            q.push(Tick(5 * TICKS_PER_DAY + i), i);
        }
        let mut pushed = 33_200u64;
        let mut last = (0u64, 0u64);
        let mut popped = 0;
        while let Some(s) = q.pop() {
            assert!(popped == 0 || (s.time.0, s.seq) > last, "order broken");
            last = (s.time.0, s.seq);
            popped += 1;
            // Now and then schedule more into the current and next buckets.
            if popped % 7 == 0 && popped < 40_000 {
                let t = s.time.0 + next() % (2 * BUCKET_TICKS);
                q.push(Tick(t), popped);
                pushed += 1;
            }
            if s.time.0 / TICKS_PER_DAY == 5 {
                for _ in 0..10 {
                    q.push(Tick(far + next() % (2 * BUCKET_TICKS)), popped);
                    pushed += 1;
                }
            }
        }
        assert_eq!(popped, pushed);
        assert_eq!(q.now().0 / TICKS_PER_DAY, WINDOW + 2);
    }
}
