//! The scenario file as written: a serde mirror of the TOML, as close to
//! the input as possible. Defaults are filled here so the mirror, once
//! read, is the fully resolved scenario recorded in each manifest. Ranges
//! and cross-field rules are checked later, in validation.
//!
//! This file holds the top level; each table's mirror sits beside its
//! rules and validated types, in the table's own module (`market`,
//! `consumers`, `platforms`, ...).
//!
//! Counts are read as signed integers so that a negative value gets a
//! range message naming the key rather than a type error.

use serde::{Deserialize, Serialize};

use super::choice::RawChoice;
use super::consumers::RawConsumers;
use super::economy::RawEconomy;
use super::lenders::RawLender;
use super::market::RawMarket;
use super::merchants::RawMerchants;
use super::platforms::RawPlatform;
use super::regulation::RawRegulation;

/// Serde default: 1.
pub(super) fn one() -> i64 {
    1
}

/// Serde default: 1.0.
pub(super) fn one_f() -> f64 {
    1.0
}

/// A whole scenario file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawScenario {
    /// Short name, used for the default output directory; defaults to the
    /// file name without extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Free text shown nowhere but kept in the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Master seed from which every random stream is derived.
    pub seed: u64,
    /// Number of independent replications.
    #[serde(default = "one")]
    pub replications: i64,
    /// Length of the run in days.
    pub horizon_days: i64,
    /// Market size and outside options.
    pub market: RawMarket,
    /// Consumer population.
    pub consumers: RawConsumers,
    /// Merchant population.
    pub merchants: RawMerchants,
    /// Utility coefficients of the consumer's choice.
    #[serde(default)]
    pub choice: RawChoice,
    /// The competing platforms.
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
    /// Lenders to merchants: platforms' lending arms and banks.
    #[serde(default)]
    pub lenders: Vec<RawLender>,
    /// Consumer credit programmes run by platforms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumer_credit: Vec<super::credit::RawConsumerCredit>,
    /// The common economic environment.
    #[serde(default)]
    pub economy: RawEconomy,
    /// Regulatory caps.
    #[serde(default)]
    pub regulation: RawRegulation,
    /// Consumers' wallet balances (only with a wallet fund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balances: Option<super::balances::RawBalances>,
    /// Parameter sweep: read by `flywheel sweep`, ignored by `flywheel run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<toml::Table>,
    /// Strategy optimisation: read by `flywheel optimize`, ignored by
    /// `flywheel run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimize: Option<toml::Table>,
    /// Strategy equilibrium: read by `flywheel equilibrium`, ignored by
    /// `flywheel run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equilibrium: Option<toml::Table>,
    /// Calibration to observed figures: read by `flywheel calibrate`,
    /// ignored by `flywheel run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrate: Option<toml::Table>,
}
