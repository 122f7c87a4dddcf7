//! `[merchants]`: the merchant population — prices by category
//! (`[[merchants.categories]]`), costs, queues, which platforms they list
//! on, their own membership programmes (`[merchants.membership]`) and when
//! they ask for credit (`[merchants.credit]`).

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::dist::{Dist, RawDist, Support};
use super::raw::one_f;
use crate::ledger::Money;

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
    /// Fixed cost per day (rent, staff), in yuan.
    #[serde(default = "zero_dist")]
    pub fixed_daily_cost: RawDist,
    /// Orders served per hour by the merchant's single server; absent
    /// means no queue (orders are served at once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_rate: Option<RawDist>,
    /// Cost per day of being listed on one platform (devices, staff time),
    /// in yuan.
    #[serde(default)]
    pub listing_cost: f64,
    /// Days between a merchant's reviews of which platforms to be on.
    #[serde(default = "default_merchant_review")]
    pub review_days: i64,
    /// Probability that a merchant acts on its review (0: listings never
    /// change).
    #[serde(default)]
    pub switch_probability: f64,
    /// What a platform that shares its customer data is worth to a
    /// merchant, in yuan per day, in its listing reviews.
    #[serde(default)]
    pub data_sharing_value: f64,
    /// Share of merchants that accept wallet payments.
    #[serde(default = "one_f")]
    pub accepts_wallet: f64,
    /// Merchant categories (one category if absent).
    #[serde(default)]
    pub categories: Vec<RawCategory>,
    /// The merchants' own membership programmes.
    #[serde(default)]
    pub membership: RawMembership,
    /// When merchants ask for credit.
    #[serde(default)]
    pub credit: RawCredit,
}

fn default_merchant_cash() -> f64 {
    10_000.0
}

fn default_unit_cost_share() -> RawDist {
    RawDist::Fixed(0.6)
}

fn zero_dist() -> RawDist {
    RawDist::Fixed(0.0)
}

fn default_merchant_review() -> i64 {
    30
}

/// `[[merchants.categories]]`: a kind of merchant.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawCategory {
    /// Category name.
    pub name: String,
    /// Share of merchants in the category; shares must sum to 1.
    pub share: f64,
    /// List price in yuan (default: `merchants.price`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<RawDist>,
}

/// `[merchants.membership]`: merchants' own membership ("会员") programmes.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawMembership {
    /// Share of merchants that run a programme.
    #[serde(default)]
    pub share: f64,
    /// Member discount per direct order, in yuan.
    #[serde(default)]
    pub discount: f64,
    /// Probability that a known customer joins on a purchase.
    #[serde(default)]
    pub join_probability: f64,
}

/// `[merchants.credit]`: when and where merchants apply for loans.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawCredit {
    /// A merchant without a loan applies when its cash falls below this
    /// buffer, in yuan (it always applies when its cash runs out).
    #[serde(default)]
    pub apply_below: f64,
    /// Probability per 30 days that a merchant without a loan applies to
    /// grow.
    #[serde(default)]
    pub growth_probability: f64,
    /// Which lender an application goes to: `first` (lenders in file order
    /// until one approves) or `random` (one lender at random).
    #[serde(default = "default_lender_choice")]
    pub lender_choice: String,
}

fn default_lender_choice() -> String {
    "first".to_string()
}

impl Default for RawCredit {
    fn default() -> Self {
        RawCredit {
            apply_below: 0.0,
            growth_probability: 0.0,
            lender_choice: default_lender_choice(),
        }
    }
}

/// Merchant traits.
#[derive(Debug, Clone)]
pub struct MerchantSpec {
    /// Categories (at least one; shares sum to 1).
    pub categories: Vec<CategorySpec>,
    /// Cost of goods as a share of price.
    pub unit_cost_share: Dist,
    /// Opening cash.
    pub cash: Money,
    /// Fixed cost per day, in yuan.
    pub fixed_daily_cost: Dist,
    /// Orders served per hour, if merchants queue.
    pub service_rate: Option<Dist>,
    /// Cost per day per platform listed.
    pub listing_cost: Money,
    /// Days between listing reviews.
    pub review_days: u32,
    /// Probability of acting on a review.
    pub switch_probability: f64,
    /// Daily worth to a merchant of listing on a platform that shares its
    /// customer data.
    pub data_sharing_value: Money,
    /// Share accepting wallet payments.
    pub accepts_wallet: f64,
    /// Own membership programmes.
    pub membership: MembershipSpec,
    /// Cash buffer below which a merchant without a loan applies.
    pub apply_below: Money,
    /// Daily probability of applying to grow.
    pub growth_probability: f64,
    /// Applications go to a random lender rather than down the list.
    pub random_lender: bool,
}

/// A merchant category.
#[derive(Debug, Clone)]
pub struct CategorySpec {
    /// Name.
    pub name: String,
    /// Share of merchants.
    pub share: f64,
    /// List price per order, in yuan.
    pub price: Dist,
}

/// Merchants' own membership programmes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MembershipSpec {
    /// Share of merchants running one.
    pub share: f64,
    /// Member discount per direct order.
    pub discount: Money,
    /// Probability a known customer joins on a purchase.
    pub join_probability: f64,
}

/// Checks `[merchants]`.
pub(super) fn check(c: &mut Checker, rm: &RawMerchants) -> MerchantSpec {
    let price = c.dist("merchants.price", &rm.price, Support::NON_NEGATIVE);
    let mut categories = Vec::new();
    if rm.categories.is_empty() {
        categories.push(CategorySpec {
            name: "all".to_string(),
            share: 1.0,
            price: price.clone(),
        });
    }
    for (i, cat) in rm.categories.iter().enumerate() {
        let at = |k: &str| format!("merchants.categories[{i}].{k}");
        if cat.name.trim().is_empty() || rm.categories[..i].iter().any(|o| o.name == cat.name) {
            c.fail(at("name"), "must be a non-empty name used once");
        }
        categories.push(CategorySpec {
            name: cat.name.clone(),
            share: c.share(&at("share"), cat.share),
            price: match &cat.price {
                Some(d) => c.dist(&at("price"), d, Support::NON_NEGATIVE),
                None => price.clone(),
            },
        });
    }
    c.shares(
        "merchants.categories",
        &rm.categories.iter().map(|s| s.share).collect::<Vec<_>>(),
    );
    let service_rate = rm.service_rate.as_ref().map(|d| {
        let dist = c.dist("merchants.service_rate", d, Support::NON_NEGATIVE);
        if dist.mean() <= 0.0 {
            c.fail(
                "merchants.service_rate",
                "must have a positive mean (orders per hour)",
            );
        }
        dist
    });
    MerchantSpec {
        categories,
        unit_cost_share: c.dist(
            "merchants.unit_cost_share",
            &rm.unit_cost_share,
            Support::UNIT,
        ),
        cash: c.money("merchants.cash", rm.cash),
        fixed_daily_cost: c.dist(
            "merchants.fixed_daily_cost",
            &rm.fixed_daily_cost,
            Support::NON_NEGATIVE,
        ),
        service_rate,
        listing_cost: c.money("merchants.listing_cost", rm.listing_cost),
        review_days: c.count("merchants.review_days", rm.review_days, 1, 3650),
        switch_probability: c.share("merchants.switch_probability", rm.switch_probability),
        data_sharing_value: c.money("merchants.data_sharing_value", rm.data_sharing_value),
        accepts_wallet: c.share("merchants.accepts_wallet", rm.accepts_wallet),
        apply_below: c.money("merchants.credit.apply_below", rm.credit.apply_below),
        growth_probability: c.share(
            "merchants.credit.growth_probability",
            rm.credit.growth_probability,
        ) / 30.0,
        random_lender: match rm.credit.lender_choice.as_str() {
            "first" => false,
            "random" => true,
            other => {
                c.fail(
                    "merchants.credit.lender_choice",
                    format!("must be \"first\" or \"random\", got \"{other}\""),
                );
                false
            }
        },
        membership: MembershipSpec {
            share: c.share("merchants.membership.share", rm.membership.share),
            discount: c.money("merchants.membership.discount", rm.membership.discount),
            join_probability: c.share(
                "merchants.membership.join_probability",
                rm.membership.join_probability,
            ),
        },
    }
}
