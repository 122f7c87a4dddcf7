//! `[economy]`: demand conditions common to every merchant — yearly
//! seasonality, a persistent common demand factor and dated shocks
//! (`[[economy.shocks]]`).

use serde::{Deserialize, Serialize};

use super::checker::{Checker, Horizon};

/// `[economy]`: demand conditions common to every merchant.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawEconomy {
    /// Amplitude of yearly seasonality in demand (0.1 = ±10%).
    #[serde(default)]
    pub seasonality: f64,
    /// Day of the year demand peaks.
    #[serde(default)]
    pub peak_day: i64,
    /// Daily persistence of the common demand factor (AR(1) on log demand).
    #[serde(default)]
    pub factor_persistence: f64,
    /// Daily standard deviation of the common demand factor's shocks.
    #[serde(default)]
    pub factor_volatility: f64,
    /// Dated demand shocks.
    #[serde(default)]
    pub shocks: Vec<RawShock>,
}

/// `[[economy.shocks]]`: demand multiplied by `demand` during a window.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawShock {
    /// First day (inclusive).
    pub from_day: i64,
    /// Last day (exclusive).
    pub to_day: i64,
    /// Demand multiplier (0.7 = a 30% fall).
    pub demand: f64,
}

/// The common economic environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EconomySpec {
    /// Seasonal amplitude.
    pub seasonality: f64,
    /// Peak day of the year.
    pub peak_day: u32,
    /// AR(1) persistence of log demand.
    pub factor_persistence: f64,
    /// Daily shock standard deviation of log demand.
    pub factor_volatility: f64,
    /// Dated shocks.
    pub shocks: Vec<Shock>,
}

/// A dated demand shock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shock {
    /// First day.
    pub from_day: u32,
    /// Last day (exclusive).
    pub to_day: u32,
    /// Demand multiplier.
    pub demand: f64,
}

/// Checks `[economy]`, its shocks within the horizon.
pub(super) fn check(c: &mut Checker, e: &RawEconomy, horizon: Horizon) -> EconomySpec {
    let Horizon {
        days: horizon_days,
        ok: horizon_ok,
    } = horizon;
    let mut shocks = Vec::new();
    for (j, sh) in e.shocks.iter().enumerate() {
        let at = |k: &str| format!("economy.shocks[{j}].{k}");
        let from_day = c.day(&at("from_day"), sh.from_day, horizon);
        if sh.to_day <= sh.from_day {
            c.fail(
                at("to_day"),
                format!(
                    "must be after from_day ({}), got {}",
                    sh.from_day, sh.to_day
                ),
            );
        } else if horizon_ok && sh.to_day > i64::from(horizon_days) {
            c.fail(
                at("to_day"),
                format!(
                    "must be at most horizon_days ({horizon_days}), got {}",
                    sh.to_day
                ),
            );
        }
        shocks.push(Shock {
            from_day,
            to_day: u32::try_from(sh.to_day.max(0)).unwrap_or(0),
            demand: c.real(&at("demand"), sh.demand, 0.0, 10.0),
        });
    }
    EconomySpec {
        seasonality: c.real("economy.seasonality", e.seasonality, 0.0, 0.99),
        peak_day: c.count("economy.peak_day", e.peak_day, 0, 365),
        factor_persistence: c.real(
            "economy.factor_persistence",
            e.factor_persistence,
            0.0,
            0.9999,
        ),
        factor_volatility: c.real("economy.factor_volatility", e.factor_volatility, 0.0, 1.0),
        shocks,
    }
}
