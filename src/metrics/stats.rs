//! Statistics across replications: mean, standard deviation and a
//! Student-t confidence interval, and the Welch interval of a difference
//! between two independent samples. Inputs are reduced serially in
//! replication order, so results never depend on thread scheduling.
//!
//! A paired difference (the same replication of two variants) is
//! estimated by [`estimate`] of the per-replication differences; the
//! unpaired [`welch`] interval of the same two samples is what the
//! comparison would cost without common random numbers.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, spread and a confidence interval of a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Number of observations.
    pub n: usize,
    /// Sample mean (0 for an empty sample).
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator; 0 when n < 2).
    pub sd: f64,
    /// Half-width of the confidence interval (`None` when n < 2).
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Lower end of the interval, when defined.
    pub fn low(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean - h)
    }

    /// Upper end of the interval, when defined.
    pub fn high(&self) -> Option<f64> {
        self.half_width.map(|h| self.mean + h)
    }
}

/// Estimates the mean of `values` with a two-sided `level` (e.g. 0.95)
/// Student-t interval.
pub fn estimate(values: &[f64], level: f64) -> Estimate {
    let n = values.len();
    if n == 0 {
        return Estimate {
            n,
            mean: 0.0,
            sd: 0.0,
            half_width: None,
        };
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate {
            n,
            mean,
            sd: 0.0,
            half_width: None,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half_width = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()
        .map(|t| t.inverse_cdf(0.5 + level / 2.0) * sd / (n as f64).sqrt());
    Estimate {
        n,
        mean,
        sd,
        half_width,
    }
}

/// A difference of means and its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Mean of the second sample minus mean of the first.
    pub mean: f64,
    /// Half-width of the interval (`None` when either sample has fewer
    /// than two observations).
    pub half_width: Option<f64>,
}

/// Welch's interval for `mean(other) − mean(first)` treating the two
/// samples as independent, with a two-sided `level`: standard error
/// `sqrt(s₁²/n₁ + s₂²/n₂)`, Welch–Satterthwaite degrees of freedom.
pub fn welch(first: &[f64], other: &[f64], level: f64) -> Difference {
    let a = estimate(first, level);
    let b = estimate(other, level);
    let mean = b.mean - a.mean;
    if a.n < 2 || b.n < 2 {
        return Difference {
            mean,
            half_width: None,
        };
    }
    let va = a.sd * a.sd / a.n as f64;
    let vb = b.sd * b.sd / b.n as f64;
    let se2 = va + vb;
    if se2 == 0.0 {
        return Difference {
            mean,
            half_width: Some(0.0),
        };
    }
    let df = se2 * se2 / (va * va / (a.n - 1) as f64 + vb * vb / (b.n - 1) as f64);
    let half_width = StudentsT::new(0.0, 1.0, df)
        .ok()
        .map(|t| t.inverse_cdf(0.5 + level / 2.0) * se2.sqrt());
    Difference { mean, half_width }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_interval() {
        // mean 3, sd sqrt(2.5), t(0.975, 4) = 2.776445105
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert_eq!(e.mean, 3.0);
        assert!((e.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let h = e.half_width.unwrap();
        assert!(
            (h - 2.776445105 * 2.5f64.sqrt() / 5f64.sqrt()).abs() < 1e-6,
            "{h}"
        );
    }

    #[test]
    fn small_samples_have_no_interval() {
        assert_eq!(estimate(&[], 0.95).half_width, None);
        let one = estimate(&[7.0], 0.95);
        assert_eq!((one.mean, one.half_width), (7.0, None));
    }

    #[test]
    fn welch_matches_hand_computed_interval() {
        // Equal sizes and variances: df = 2(n − 1) = 8, se = sqrt(2 · 2.5 / 5) = 1,
        // t(0.975, 8) = 2.306004135.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let b = [4.0, 5.0, 6.0, 7.0, 8.0];
        let d = welch(&a, &b, 0.95);
        assert_eq!(d.mean, 3.0);
        let h = d.half_width.unwrap();
        assert!((h - 2.306004135).abs() < 1e-6, "{h}");
        // Identical constant samples: no spread, a zero-width interval.
        assert_eq!(welch(&[2.0, 2.0], &[2.0, 2.0], 0.95).half_width, Some(0.0));
        assert_eq!(welch(&[2.0], &[2.0, 3.0], 0.95).half_width, None);
    }
}
