//! The toolkit every table's check uses: a [`Checker`] that collects
//! problems while it converts raw values into model units (counts, reals,
//! shares, money, distributions, days), so one pass reports everything
//! wrong with a file. A value that breaks its rule is replaced by a
//! harmless stand-in, and checking goes on.

use super::Problem;
use super::dist::{Dist, RawDist, Support};
use crate::ledger::Money;

/// Largest money amount accepted anywhere, in yuan (a trillion).
pub(crate) const MAX_YUAN: f64 = 1e12;
/// Largest magnitude of a utility constant.
pub(crate) const MAX_UTILITY: f64 = 1e3;
/// Most consumer segments, and most merchant categories (each agent keeps
/// its index in one byte).
pub const MAX_GROUPS: usize = 256;

/// A problem at `path` (not yet placed at a line).
pub(super) fn problem(path: impl Into<String>, rule: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        rule: rule.into(),
        line: None,
        origin: None,
    }
}

/// The run length, for checking days against it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Horizon {
    /// Run length in days.
    pub days: u32,
    /// Whether `horizon_days` itself was valid. Days are checked against
    /// the horizon only when it is, so one bad horizon does not cascade
    /// into a problem per window.
    pub ok: bool,
}

/// A number as messages show it: as written for everyday sizes, in
/// exponent form beyond them (`1e300`, not three hundred digits).
pub(crate) fn shown(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Collects problems while converting raw values into model types.
pub(super) struct Checker {
    /// The problems found so far, in the order found.
    pub problems: Vec<Problem>,
}

impl Checker {
    /// Records that the value at `path` breaks `rule`.
    pub(crate) fn fail(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(problem(path, rule));
    }

    /// A whole number in `[min, max]`.
    pub(crate) fn count(&mut self, path: &str, v: i64, min: i64, max: i64) -> u32 {
        if v < min || v > max {
            self.fail(path, format!("must be between {min} and {max}, got {v}"));
            return min.max(0) as u32;
        }
        u32::try_from(v).unwrap_or(u32::MAX)
    }

    /// A finite number in `[min, max]`.
    pub(crate) fn real(&mut self, path: &str, v: f64, min: f64, max: f64) -> f64 {
        if !v.is_finite() {
            self.fail(path, format!("must be a finite number, got {v}"));
            return min.max(0.0);
        }
        if v < min || v > max {
            self.fail(
                path,
                format!(
                    "must be between {} and {}, got {}",
                    shown(min),
                    shown(max),
                    shown(v)
                ),
            );
            return min.max(0.0);
        }
        v
    }

    /// A share in `[0, 1]`.
    pub(crate) fn share(&mut self, path: &str, v: f64) -> f64 {
        if !v.is_finite() || !(0.0..=1.0).contains(&v) {
            self.fail(
                path,
                format!("must be a share between 0 and 1, got {}", shown(v)),
            );
            return 0.0;
        }
        v
    }

    /// An amount in yuan in `[0, MAX_YUAN]`, as money (fen).
    pub(crate) fn money(&mut self, path: &str, yuan: f64) -> Money {
        if !yuan.is_finite() || !(0.0..=MAX_YUAN).contains(&yuan) {
            self.fail(
                path,
                format!(
                    "must be an amount in yuan between 0 and {MAX_YUAN:e}, got {}",
                    shown(yuan)
                ),
            );
            return Money::ZERO;
        }
        Money::from_major(yuan).unwrap_or(Money::ZERO)
    }

    /// A distribution built with its parameters checked against `support`.
    pub(crate) fn dist(&mut self, path: &str, raw: &RawDist, support: Support) -> Dist {
        match Dist::new(raw, support) {
            Ok(d) => d,
            Err(rule) => {
                self.fail(path, rule);
                Dist::fixed(support.min.max(0.0))
            }
        }
    }

    /// Shares of segments or categories: at most [`MAX_GROUPS`] of them,
    /// summing to 1.
    pub(crate) fn shares(&mut self, path: &str, shares: &[f64]) {
        if shares.len() > MAX_GROUPS {
            self.fail(
                path,
                format!("at most {MAX_GROUPS} are supported, got {}", shares.len()),
            );
        }
        let total: f64 = shares.iter().sum();
        if !shares.is_empty() && (total - 1.0).abs() > 1e-6 {
            self.fail(path, format!("shares must sum to 1, got {total}"));
        }
    }

    /// A day within the horizon (any day ≥ 0 when the horizon is invalid).
    pub(crate) fn day(&mut self, path: &str, day: i64, horizon: Horizon) -> u32 {
        if day < 0 || (horizon.ok && day >= i64::from(horizon.days)) {
            self.fail(
                path,
                format!(
                    "must be a day within the horizon (0 to {}), got {day}",
                    horizon.days.saturating_sub(1)
                ),
            );
            return 0;
        }
        u32::try_from(day).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn numbers_beyond_everyday_sizes_are_shown_with_an_exponent() {
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(-2.5e20), "-2.5e20");
        assert_eq!(shown(3e-9), "3e-9");
        assert_eq!(shown(35.5), "35.5");
        assert_eq!(shown(0.0), "0");
        assert_eq!(shown(1e12), "1000000000000");
    }
}
