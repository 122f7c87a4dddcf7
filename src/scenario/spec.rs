//! The validated scenario: what the engine and the market read. Every value
//! here has passed its rules, is in model units (money in fen, time in
//! days or ticks) and has its distributions built.

use super::dist::Dist;
use super::raw::RawScenario;
use crate::ledger::Money;

/// Longest run accepted, in days (a century).
pub const MAX_HORIZON_DAYS: u32 = 36_500;
/// Most platforms in one market (they are tracked in a bit set).
pub const MAX_PLATFORMS: usize = 32;

/// A validated scenario: everything a run needs, in model units.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name, safe to use as a directory name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Number of replications.
    pub replications: u32,
    /// Run length in days.
    pub horizon_days: u32,
    /// Market sizes and outside options.
    pub market: Market,
    /// Consumer traits.
    pub consumers: ConsumerSpec,
    /// Merchant traits.
    pub merchants: MerchantSpec,
    /// Competing platforms, in file order (their index is their identity).
    pub platforms: Vec<PlatformSpec>,
    /// The resolved file (defaults filled, overrides applied), recorded in
    /// manifests so a run can be reproduced.
    pub resolved: RawScenario,
}

/// Market sizes and the utilities of the options outside platforms.
#[derive(Debug, Clone)]
pub struct Market {
    /// Number of consumers.
    pub consumers: u32,
    /// Number of merchants.
    pub merchants: u32,
    /// Utility of not buying.
    pub no_purchase_utility: f64,
    /// Utility constant of buying direct from the merchant.
    pub direct_utility: f64,
}

/// Distributions of consumer traits.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Purchase occasions per day.
    pub purchase_rate: Dist,
    /// Utility lost per yuan.
    pub price_sensitivity: Dist,
}

/// Distributions of merchant traits.
#[derive(Debug, Clone)]
pub struct MerchantSpec {
    /// List price per order, in yuan.
    pub price: Dist,
    /// Cost of goods as a share of price.
    pub unit_cost_share: Dist,
    /// Opening cash.
    pub cash: Money,
}

/// One platform's terms and policy.
#[derive(Debug, Clone)]
pub struct PlatformSpec {
    /// Display name (unique).
    pub name: String,
    /// Opening cash.
    pub cash: Money,
    /// Commission rate on order price, in `[0, 1]`.
    pub commission: f64,
    /// Consumer fee per order.
    pub consumer_fee: Money,
    /// Utility constant of ordering through this platform.
    pub brand_utility: f64,
    /// Share of merchants listed, in `[0, 1]`.
    pub merchant_reach: f64,
    /// Variable cost per order.
    pub variable_cost: Money,
    /// Fixed operating cost per day.
    pub fixed_daily_cost: Money,
    /// Coupon per order for each day of the horizon (index = day).
    pub coupon_by_day: Vec<Money>,
}
