//! The common economic environment: seasonality, the common demand factor
//! (an AR(1) process in logs, the factor that also correlates loan
//! defaults) and dated shocks, combined into one demand multiplier per day.
//!
//! Occasions arrive at `ceiling` times each consumer's rate and are thinned
//! to today's demand, which keeps arrivals an exact Poisson process
//! whatever the path of demand (including a shock to zero).

use rand_distr::Distribution;

use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::EconomySpec;

/// Today's demand and the state of the common factor.
#[derive(Debug, Clone)]
pub(crate) struct Economy {
    /// Today's demand multiplier (seasonality × common factor × shocks).
    demand: f64,
    /// Log of the common demand factor.
    factor: f64,
    /// Upper bound of the demand multiplier.
    ceiling: f64,
    /// Bound on the log demand factor (four stationary standard deviations).
    factor_bound: f64,
    rng: StreamRng,
}

impl Economy {
    /// The economy of replication `run_seed` on day 0.
    pub(crate) fn new(spec: &EconomySpec, run_seed: u64) -> Economy {
        let factor_bound = if spec.factor_volatility > 0.0 {
            4.0 * spec.factor_volatility / (1.0 - spec.factor_persistence.powi(2)).sqrt()
        } else {
            0.0
        };
        let max_shock = spec.shocks.iter().map(|s| s.demand).fold(1.0, f64::max);
        let mut economy = Economy {
            demand: 1.0,
            factor: 0.0,
            ceiling: (1.0 + spec.seasonality) * max_shock * factor_bound.exp(),
            factor_bound,
            rng: stream(run_seed, Purpose::Economy, 0),
        };
        economy.demand = economy.demand_on(spec, 0);
        economy
    }

    /// Today's demand multiplier.
    pub(crate) fn demand(&self) -> f64 {
        self.demand
    }

    /// The largest demand multiplier the run can reach: the rate at which
    /// occasions arrive before thinning.
    pub(crate) fn ceiling(&self) -> f64 {
        self.ceiling
    }

    /// The common factor in standard deviations of its stationary
    /// distribution (0 without a factor): what correlates consumer credit
    /// defaults.
    pub(crate) fn standard_factor(&self) -> f64 {
        if self.factor_bound > 0.0 {
            4.0 * self.factor / self.factor_bound
        } else {
            0.0
        }
    }

    /// Moves the common factor one day on and sets the demand of `day + 1`.
    pub(crate) fn advance(&mut self, spec: &EconomySpec, day: u32) {
        if spec.factor_volatility > 0.0 {
            let shock: f64 = rand_distr::StandardNormal.sample(&mut self.rng);
            self.factor = (spec.factor_persistence * self.factor + spec.factor_volatility * shock)
                .clamp(-self.factor_bound, self.factor_bound);
        }
        self.demand = self.demand_on(spec, day + 1);
    }

    /// Demand multiplier on `day`: seasonality × the common factor × any
    /// shocks in force.
    fn demand_on(&self, spec: &EconomySpec, day: u32) -> f64 {
        let season = if spec.seasonality > 0.0 {
            let phase =
                2.0 * std::f64::consts::PI * (f64::from(day) - f64::from(spec.peak_day)) / 365.0;
            1.0 + spec.seasonality * phase.cos()
        } else {
            1.0
        };
        let shocks: f64 = spec
            .shocks
            .iter()
            .filter(|s| s.from_day <= day && day < s.to_day)
            .map(|s| s.demand)
            .product();
        season * self.factor.exp() * shocks
    }
}
