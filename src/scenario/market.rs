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
    /// Who holds the customer relationship of platform orders, for every
    /// platform that does not set its own `customer_data`: `platform`
    /// (merchants learn only of customers who buy direct), `shared`
    /// (merchants can also enrol platform customers in their own
    /// membership) or `merchant` (as `shared`, and the platform's lending
    /// arm may not score the transactions).
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
    /// Who holds the customer relationship of platform orders (each
    /// platform's default).
    pub customer_data: DataOwner,
}

/// Who holds the customer relationship of a platform's orders: who may
/// enrol its customers in merchants' memberships and who may use its
/// transactions as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOwner {
    /// The platform: merchants know only customers who buy direct; the
    /// platform's lending arm scores the transactions.
    Platform,
    /// Both: merchants know every customer, including the platform's, and
    /// the platform's lending arm still scores the transactions.
    Shared,
    /// Merchants: they know every customer, and the platform may not use
    /// the transactions as data (its lending arm scores what merchants
    /// report, as a bank does).
    Merchant,
}

impl DataOwner {
    /// Whether merchants may enrol the platform's customers in their own
    /// membership (the platform shares its customer data).
    pub fn merchants_enrol(self) -> bool {
        self != DataOwner::Platform
    }

    /// Whether the platform (its lending arm) may use the transactions as
    /// data.
    pub fn platform_uses_data(self) -> bool {
        self != DataOwner::Merchant
    }
}

/// Reads a data owner at `path`: `platform`, `shared` or `merchant`.
pub(super) fn data_owner(c: &mut Checker, path: &str, text: &str) -> DataOwner {
    match text {
        "platform" => DataOwner::Platform,
        "shared" => DataOwner::Shared,
        "merchant" => DataOwner::Merchant,
        other => {
            c.fail(
                path,
                format!("must be \"platform\", \"shared\" or \"merchant\", got \"{other}\""),
            );
            DataOwner::Platform
        }
    }
}

/// Checks `[market]`.
pub(super) fn check(c: &mut Checker, m: &RawMarket) -> Market {
    let customer_data = data_owner(c, "market.customer_data", &m.customer_data);
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
