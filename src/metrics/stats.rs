//! Statistics across replications: mean, standard deviation and a
//! Student-t confidence interval. Inputs are reduced serially in
//! replication order, so results never depend on thread scheduling.

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
}
