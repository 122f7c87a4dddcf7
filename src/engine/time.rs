//! Simulated time.
//!
//! Time is continuous in the model but held as an integer count of ticks
//! (seconds), so event ordering never depends on floating-point rounding.
//! Users see days; [`Tick::day`] converts.

use std::fmt;

/// Number of ticks in one simulated day (ticks are seconds).
pub const TICKS_PER_DAY: u64 = 86_400;

/// "No such day" in the two-byte day fields of per-agent records (last
/// order, install spell, first acquisition, first churn): an `Option<u16>`
/// would double their size, and these records are what a million-consumer
/// run keeps in cache.
pub const NEVER: u16 = u16::MAX;

/// A point in simulated time, in ticks (seconds) since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Tick(pub u64);

impl Tick {
    /// The first tick of day `day`.
    pub fn start_of_day(day: u32) -> Tick {
        Tick(u64::from(day) * TICKS_PER_DAY)
    }

    /// The day this tick falls in (day 0 is `[0, TICKS_PER_DAY)`).
    pub fn day(self) -> u32 {
        // Horizons are validated to at most `MAX_HORIZON_DAYS`, so this fits.
        u32::try_from(self.0 / TICKS_PER_DAY).unwrap_or(u32::MAX)
    }

    /// The tick `days` (fractional) after this one, rounded down and never
    /// earlier than one tick later, so an agent cannot schedule itself twice
    /// at the same instant. Saturates at the end of representable time.
    pub fn after_days(self, days: f64) -> Tick {
        let delta = (days * TICKS_PER_DAY as f64).floor();
        let delta = if delta.is_finite() && delta >= 1.0 {
            // f64 → u64 `as` saturates, which is the behaviour wanted here.
            delta as u64
        } else if delta.is_nan() || delta < 1.0 {
            1
        } else {
            u64::MAX
        };
        Tick(self.0.saturating_add(delta))
    }
}

impl fmt::Display for Tick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = self.0 / TICKS_PER_DAY;
        let secs = self.0 % TICKS_PER_DAY;
        write!(
            f,
            "day {day} {:02}:{:02}:{:02}",
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_boundaries() {
        assert_eq!(Tick(0).day(), 0);
        assert_eq!(Tick(TICKS_PER_DAY - 1).day(), 0);
        assert_eq!(Tick(TICKS_PER_DAY).day(), 1);
        assert_eq!(Tick::start_of_day(3), Tick(3 * TICKS_PER_DAY));
    }

    #[test]
    fn after_days_always_advances() {
        assert_eq!(Tick(10).after_days(0.0), Tick(11));
        assert_eq!(Tick(10).after_days(f64::NAN), Tick(11));
        assert_eq!(Tick(10).after_days(1.0), Tick(10 + TICKS_PER_DAY));
        assert_eq!(Tick(u64::MAX - 1).after_days(1e30), Tick(u64::MAX));
    }

    #[test]
    fn display_is_day_and_clock() {
        assert_eq!(Tick(TICKS_PER_DAY + 3661).to_string(), "day 1 01:01:01");
    }
}
