//! `[market]`: how many consumers and merchants there are, in how many
//! districts, what the options outside platforms are worth, and who holds
//! the customer relationship of platform orders.

use serde::{Deserialize, Serialize};

use super::checker::{Checker, MAX_UTILITY};
use super::raw::one;

/// Most consumers in one market.
pub(crate) const MAX_CONSUMERS: i64 = 200_000_000;
/// Most merchants in one market.
pub(crate) const MAX_MERCHANTS: i64 = 20_000_000;

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
    /// Number of districts; consumers and merchants each have a home
    /// district.
    #[serde(default = "one")]
    pub districts: i64,
    /// Share of purchase occasions spent at a merchant outside the
    /// consumer's home district.
    #[serde(default)]
    pub cross_district_share: f64,
    /// Probability that an occasion goes back to the consumer's last
    /// merchant rather than a random one.
    #[serde(default)]
    pub repeat_merchant: f64,
    /// Who holds the customer relationship of platform orders: `platform`
    /// (merchants learn only of customers who buy direct) or `merchant`
    /// (merchants can enrol platform customers in their own membership).
    #[serde(default = "default_data_owner")]
    pub customer_data: String,
}

fn default_data_owner() -> String {
    "platform".to_string()
}

/// Market sizes and the options outside platforms.
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
    /// Number of districts.
    pub districts: u32,
    /// Share of occasions spent outside the home district.
    pub cross_district_share: f64,
    /// Probability of returning to the last merchant.
    pub repeat_merchant: f64,
    /// Who holds the customer relationship of platform orders.
    pub customer_data: DataOwner,
}

/// Who holds the customer relationship of platform orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOwner {
    /// Merchants know only customers who buy direct.
    Platform,
    /// Merchants know every customer, including platform customers.
    Merchant,
}

/// Checks `[market]`.
pub(super) fn check(c: &mut Checker, m: &RawMarket) -> Market {
    let customer_data = match m.customer_data.as_str() {
        "platform" => DataOwner::Platform,
        "merchant" => DataOwner::Merchant,
        other => {
            c.fail(
                "market.customer_data",
                format!("must be \"platform\" or \"merchant\", got \"{other}\""),
            );
            DataOwner::Platform
        }
    };
    let market = Market {
        consumers: c.count("market.consumers", m.consumers, 1, MAX_CONSUMERS),
        merchants: c.count("market.merchants", m.merchants, 1, MAX_MERCHANTS),
        no_purchase_utility: c.real(
            "market.no_purchase_utility",
            m.no_purchase_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        direct_utility: c.real(
            "market.direct_utility",
            m.direct_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        districts: c.count("market.districts", m.districts, 1, 100_000),
        cross_district_share: c.share("market.cross_district_share", m.cross_district_share),
        repeat_merchant: c.share("market.repeat_merchant", m.repeat_merchant),
        customer_data,
    };
    if market.merchants < market.districts {
        c.fail(
            "market.districts",
            format!(
                "{} districts need at least as many merchants, got {}",
                market.districts, market.merchants
            ),
        );
    }
    market
}
