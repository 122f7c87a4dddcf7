//! The scenario file as written: a serde mirror of the TOML, as close to
//! the input as possible. Defaults are filled here so the mirror, once
//! read, is the fully resolved scenario recorded in each manifest. Ranges
//! and cross-field rules are checked later, in validation.
//!
//! Counts are read as signed integers so that a negative value gets a
//! range message naming the key rather than a type error.

use serde::{Deserialize, Serialize};

use super::dist::RawDist;

fn one() -> i64 {
    1
}

fn default_merchant_cash() -> f64 {
    10_000.0
}

fn default_unit_cost_share() -> RawDist {
    RawDist::Fixed(0.6)
}

fn default_reach() -> f64 {
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
    /// The competing platforms.
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
    /// Parameter sweep: read by `flywheel sweep`, ignored by `flywheel run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<toml::Table>,
}

/// `[market]`: sizes and the utilities of the options outside platforms.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawMarket {
    /// Number of consumers.
    pub consumers: i64,
    /// Number of merchants.
    pub merchants: i64,
    /// Utility of not buying on a purchase occasion.
    #[serde(default)]
    pub no_purchase_utility: f64,
    /// Utility constant of buying directly from the merchant (offline or
    /// through its own channel), before price.
    #[serde(default)]
    pub direct_utility: f64,
}

/// `[consumers]`: distributions of consumer traits.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawConsumers {
    /// Purchase occasions per day (the rate of a Poisson process).
    pub purchase_rate: RawDist,
    /// Utility lost per yuan of effective price.
    pub price_sensitivity: RawDist,
}

/// `[merchants]`: distributions of merchant traits.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawMerchants {
    /// List price of an order, in yuan.
    pub price: RawDist,
    /// Cost of goods as a share of the price.
    #[serde(default = "default_unit_cost_share")]
    pub unit_cost_share: RawDist,
    /// Opening cash of each merchant, in yuan.
    #[serde(default = "default_merchant_cash")]
    pub cash: f64,
}

/// `[[platforms]]`: one competing platform.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawPlatform {
    /// Unique display name.
    pub name: String,
    /// Opening cash (the funding already raised), in yuan.
    pub cash: f64,
    /// Share of each order's price the platform keeps from the merchant.
    pub commission: f64,
    /// Fee charged to the consumer per order, in yuan.
    #[serde(default)]
    pub consumer_fee: f64,
    /// Utility constant of ordering through this platform (convenience,
    /// brand), before price.
    #[serde(default)]
    pub brand_utility: f64,
    /// Share of merchants listed on this platform.
    #[serde(default = "default_reach")]
    pub merchant_reach: f64,
    /// Platform's own cost per order (delivery, support), in yuan.
    #[serde(default)]
    pub variable_cost: f64,
    /// Platform's fixed operating cost per day, in yuan.
    #[serde(default)]
    pub fixed_daily_cost: f64,
    /// Per-order coupons by date window.
    #[serde(default)]
    pub subsidy: Vec<RawSubsidy>,
}

/// `[[platforms.subsidy]]`: a per-order coupon paid during a window of days.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawSubsidy {
    /// First day of the window (inclusive).
    pub from_day: i64,
    /// Day the window ends (exclusive).
    pub to_day: i64,
    /// Coupon per order, in yuan.
    pub per_order: f64,
}
