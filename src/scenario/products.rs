//! `[[platforms.products]]`: products a platform sells to the users it
//! already has (cross-selling on a super-app): a mutual-aid plan
//! (`mutual_aid`), an insurance policy (`insurance`) or sign-ups to the
//! wallet's balance fund (`fund`), each with a launch day, its economics
//! and how consumers take it up.
//!
//! A platform marked `standalone = true` is a provider with no
//! marketplace (a stand-alone insurer): nobody installs it and no merchant
//! lists on it, so it reaches consumers only through its products'
//! `marketing_budget`, at the platform's rising cost per acquisition
//! (`cpa`, `cpa_elasticity`: the same model as app marketing).
//!
//! Products are off unless some platform declares one; a scenario without
//! them runs exactly as before.

use serde::{Deserialize, Serialize};

use super::checker::{Checker, Horizon, MAX_UTILITY};
use super::dist::{Dist, RawDist, Support};
use crate::ledger::Money;

/// Most products in one market (their members are kept in one bit set
/// per consumer).
pub const MAX_PRODUCTS: usize = 32;

/// `[[platforms.products]]`: one product a platform offers its users.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawProduct {
    /// Unique name (across all platforms).
    pub name: String,
    /// `mutual_aid`, `insurance` or `fund`.
    pub kind: String,
    /// Day the product is offered from.
    #[serde(default)]
    pub launch_day: i64,
    /// Days in a period: claims are shared (mutual aid) or premiums paid
    /// (insurance) at the end of each.
    #[serde(default = "default_period")]
    pub period_days: i64,
    /// Yuan paid to a member who claims (mutual aid, insurance).
    #[serde(default)]
    pub payout: f64,
    /// Probability that a member claims in a period (mutual aid).
    #[serde(default)]
    pub incidence: f64,
    /// Management fee as a share of the claims shared (mutual aid).
    #[serde(default)]
    pub fee_share: f64,
    /// Premium per member per period, in yuan (insurance).
    #[serde(default)]
    pub premium: f64,
    /// Expected claims as a share of premiums at the population's average
    /// risk (insurance).
    #[serde(default)]
    pub loss_ratio: f64,
    /// Yuan per period a consumer is willing to pay for the product
    /// (mutual aid, insurance): drawn once per consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub willingness: Option<RawDist>,
    /// Whether members' risks differ and each knows its own: willingness
    /// to pay scales with own risk, so the healthy leave first as the cost
    /// rises.
    #[serde(default)]
    pub adverse_selection: bool,
    /// Coefficient of variation of members' risk (with adverse
    /// selection).
    #[serde(default = "super::raw::one_f")]
    pub risk_spread: f64,
    /// Days since a consumer last ordered on the platform within which
    /// the product reaches it.
    #[serde(default = "default_reach_days")]
    pub reach_days: i64,
    /// Daily hazard of joining for a reached consumer with no habit, no
    /// tenure, at zero price and appeal.
    #[serde(default)]
    pub take_up: f64,
    /// Utility per unit of habit (loyalty) on the platform.
    #[serde(default)]
    pub trust: f64,
    /// Utility per year of tenure on the platform (current install spell).
    #[serde(default)]
    pub tenure: f64,
    /// Utility constant of the product.
    #[serde(default)]
    pub appeal: f64,
    /// Utility per 10,000 yuan of payout.
    #[serde(default)]
    pub payout_weight: f64,
    /// Utility lost per yuan of the current price per period.
    #[serde(default)]
    pub price_weight: f64,
    /// Marketing for the product, in yuan per day: buys reach among
    /// consumers it has not reached at the platform's rising cost per
    /// acquisition.
    #[serde(default)]
    pub marketing_budget: f64,
    /// Cost per member joining through the platform's own reach (in-app
    /// promotion), in yuan.
    #[serde(default)]
    pub reach_cost: f64,
    /// People each simulated consumer stands for in the product: its
    /// members, claims and money (contributions, premiums, fees,
    /// acquisition costs) are those of all of them, so a small simulated
    /// market can stand for a population of hundreds of millions.
    #[serde(default = "super::raw::one_f")]
    pub represents: f64,
    /// Probability that a member whose churn clock on the platform runs
    /// out stays, a new clock starting as if it had just installed.
    #[serde(default)]
    pub retention: f64,
}

fn default_period() -> i64 {
    30
}

fn default_reach_days() -> i64 {
    30
}

/// What a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductKind {
    /// Members share the claims of a pool, plus a management fee.
    MutualAid,
    /// The platform takes premiums and pays claims.
    Insurance,
    /// Sign-ups to the platform wallet's balance fund.
    Fund,
}

impl ProductKind {
    /// Name as written in a scenario and in `products.csv`.
    pub fn name(self) -> &'static str {
        match self {
            ProductKind::MutualAid => "mutual_aid",
            ProductKind::Insurance => "insurance",
            ProductKind::Fund => "fund",
        }
    }
}

/// A validated product.
#[derive(Debug, Clone)]
pub struct ProductSpec {
    /// Unique name.
    pub name: String,
    /// What it is.
    pub kind: ProductKind,
    /// First day offered.
    pub launch_day: u32,
    /// Days in a period.
    pub period_days: u32,
    /// Payout per claim.
    pub payout: Money,
    /// Claim probability per member per period at average risk (mutual
    /// aid as given; insurance from the loss ratio).
    pub incidence: f64,
    /// Management fee as a share of claims (mutual aid).
    pub fee_share: f64,
    /// Premium per member per period (insurance).
    pub premium: Money,
    /// Willingness to pay per period.
    pub willingness: Dist,
    /// Whether risks differ and willingness follows own risk.
    pub adverse_selection: bool,
    /// Coefficient of variation of risk.
    pub risk_spread: f64,
    /// Days of reach after an order.
    pub reach_days: u32,
    /// Base daily hazard of joining.
    pub take_up: f64,
    /// Utility per unit of habit.
    pub trust: f64,
    /// Utility per year of tenure.
    pub tenure: f64,
    /// Utility constant.
    pub appeal: f64,
    /// Utility per 10,000 yuan of payout.
    pub payout_weight: f64,
    /// Utility per yuan of price.
    pub price_weight: f64,
    /// Marketing per day.
    pub marketing_budget: Money,
    /// Cost per member joining through reach.
    pub reach_cost: Money,
    /// People per simulated consumer.
    pub represents: f64,
    /// Probability that a member stays when its churn clock runs out.
    pub retention: f64,
}

impl ProductSpec {
    /// Expected cost per member per period of a pool at average risk:
    /// `incidence × payout × (1 + fee_share)` for mutual aid, the premium
    /// for insurance, nothing for a fund.
    pub fn expected_price(&self) -> f64 {
        match self.kind {
            ProductKind::MutualAid => {
                self.incidence * self.payout.as_major() * (1.0 + self.fee_share)
            }
            ProductKind::Insurance => self.premium.as_major(),
            ProductKind::Fund => 0.0,
        }
    }
}

/// Checks the products of platform `i` (`standalone`: a provider with no
/// marketplace; `fund`: whether its wallet has a balance fund).
pub(super) fn check(
    c: &mut Checker,
    i: usize,
    raw: &[RawProduct],
    standalone: bool,
    fund: bool,
    horizon: Horizon,
) -> Vec<ProductSpec> {
    let mut out = Vec::with_capacity(raw.len());
    for (j, p) in raw.iter().enumerate() {
        let at = |key: &str| format!("platforms[{i}].products[{j}].{key}");
        let name = p.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            c.fail(at("name"), "must be 1-64 printable characters");
        }
        let kind = match p.kind.as_str() {
            "mutual_aid" => ProductKind::MutualAid,
            "insurance" => ProductKind::Insurance,
            "fund" => ProductKind::Fund,
            other => {
                c.fail(
                    at("kind"),
                    format!("must be \"mutual_aid\", \"insurance\" or \"fund\", got \"{other}\""),
                );
                ProductKind::Fund
            }
        };
        let launch_day = c.day(&at("launch_day"), p.launch_day, horizon);
        let period_days = c.count(&at("period_days"), p.period_days, 1, 3650);
        let payout = c.money(&at("payout"), p.payout);
        let incidence = c.share(&at("incidence"), p.incidence);
        let fee_share = c.real(&at("fee_share"), p.fee_share, 0.0, 10.0);
        let premium = c.money(&at("premium"), p.premium);
        let loss_ratio = c.real(&at("loss_ratio"), p.loss_ratio, 0.0, 10.0);
        let risk_spread = c.real(&at("risk_spread"), p.risk_spread, 0.0, 10.0);
        let willingness = match &p.willingness {
            Some(w) => c.dist(&at("willingness"), w, Support::NON_NEGATIVE),
            None => Dist::fixed(f64::MAX),
        };
        let insured = matches!(kind, ProductKind::MutualAid | ProductKind::Insurance);
        let mut incidence_used = incidence;
        match kind {
            ProductKind::MutualAid => {
                if payout.0 <= 0 {
                    c.fail(
                        at("payout"),
                        "a mutual-aid plan pays claims: must be above 0",
                    );
                }
                for (key, v) in [("premium", p.premium), ("loss_ratio", p.loss_ratio)] {
                    if v != 0.0 {
                        c.fail(
                            at(key),
                            "belongs to insurance; a mutual-aid plan shares its claims (incidence, fee_share)",
                        );
                    }
                }
            }
            ProductKind::Insurance => {
                if payout.0 <= 0 {
                    c.fail(
                        at("payout"),
                        "an insurance policy pays claims: must be above 0",
                    );
                }
                if premium.0 <= 0 {
                    c.fail(
                        at("premium"),
                        "an insurance policy charges a premium: must be above 0",
                    );
                }
                for (key, v) in [("incidence", p.incidence), ("fee_share", p.fee_share)] {
                    if v != 0.0 {
                        c.fail(
                            at(key),
                            "belongs to mutual_aid; insurance claims follow premium × loss_ratio / payout",
                        );
                    }
                }
                if payout.0 > 0 {
                    incidence_used = loss_ratio * premium.as_major() / payout.as_major();
                    if incidence_used > 1.0 {
                        c.fail(
                            at("loss_ratio"),
                            format!(
                                "implies a claim probability per period of {incidence_used:.3} (premium × loss_ratio / payout): must be at most 1"
                            ),
                        );
                        incidence_used = 1.0;
                    }
                }
            }
            ProductKind::Fund => {
                if !fund {
                    c.fail(
                        at("kind"),
                        "a fund product signs consumers up to the wallet's balance fund: give the platform a [platforms.payments.fund]",
                    );
                }
                let pooled = [
                    ("payout", p.payout),
                    ("incidence", p.incidence),
                    ("fee_share", p.fee_share),
                    ("premium", p.premium),
                    ("loss_ratio", p.loss_ratio),
                ];
                for (key, v) in pooled {
                    if v != 0.0 {
                        c.fail(at(key), "a fund product has no claims or premiums");
                    }
                }
                if p.willingness.is_some() {
                    c.fail(
                        at("willingness"),
                        "a fund product has no price to be willing to pay",
                    );
                }
            }
        }
        if insured && p.willingness.is_none() {
            c.fail(
                at("willingness"),
                "required for mutual_aid and insurance: what a consumer will pay per period",
            );
        }
        if p.adverse_selection && !insured {
            c.fail(
                at("adverse_selection"),
                "needs claims: mutual_aid or insurance",
            );
        }
        let marketing_budget = c.money(&at("marketing_budget"), p.marketing_budget);
        let reach_cost = c.money(&at("reach_cost"), p.reach_cost);
        if standalone && p.reach_cost != 0.0 {
            c.fail(
                at("reach_cost"),
                "a stand-alone provider has no users of its own to reach: it acquires members through marketing_budget",
            );
        }
        if standalone && marketing_budget.0 == 0 {
            c.fail(
                at("marketing_budget"),
                "a stand-alone provider reaches consumers only through marketing: must be above 0",
            );
        }
        out.push(ProductSpec {
            name,
            kind,
            launch_day,
            period_days,
            payout,
            incidence: incidence_used,
            fee_share,
            premium,
            willingness,
            adverse_selection: p.adverse_selection,
            risk_spread,
            reach_days: c.count(&at("reach_days"), p.reach_days, 1, 3650),
            take_up: c.real(&at("take_up"), p.take_up, 0.0, 10.0),
            trust: c.real(&at("trust"), p.trust, -MAX_UTILITY, MAX_UTILITY),
            tenure: c.real(&at("tenure"), p.tenure, -MAX_UTILITY, MAX_UTILITY),
            appeal: c.real(&at("appeal"), p.appeal, -MAX_UTILITY, MAX_UTILITY),
            payout_weight: c.real(
                &at("payout_weight"),
                p.payout_weight,
                -MAX_UTILITY,
                MAX_UTILITY,
            ),
            price_weight: c.real(&at("price_weight"), p.price_weight, 0.0, MAX_UTILITY),
            marketing_budget,
            reach_cost,
            represents: c.real(&at("represents"), p.represents, 1.0, 1e6),
            retention: c.share(&at("retention"), p.retention),
        });
    }
    out
}

/// Checks what a stand-alone provider (`platforms[i].standalone = true`)
/// may not have: app users, merchants, app marketing or a wallet, and it
/// must offer a product.
pub(super) fn check_standalone(c: &mut Checker, i: usize, p: &super::platforms::RawPlatform) {
    let at = |key: &str| format!("platforms[{i}].{key}");
    let rule = "a stand-alone provider has no app: must be 0";
    for (key, v) in [
        ("initial_users", p.initial_users),
        ("merchant_reach", p.merchant_reach),
        ("marketing_budget", p.marketing_budget),
        ("word_of_mouth", p.word_of_mouth),
        ("innovation", p.innovation),
    ] {
        if v != 0.0 {
            c.fail(at(key), rule);
        }
    }
    if p.payments.wallet {
        c.fail(
            at("payments.wallet"),
            "a stand-alone provider has no wallet",
        );
    }
    if p.products.is_empty() {
        c.fail(
            at("standalone"),
            "a stand-alone provider sells products: give it a [[platforms.products]]",
        );
    }
}

/// Checks that product names are unique across platforms and that there
/// are at most [`MAX_PRODUCTS`].
pub(super) fn check_all(c: &mut Checker, platforms: &[super::platforms::RawPlatform]) {
    let mut seen: Vec<&str> = Vec::new();
    let mut count = 0;
    for (i, p) in platforms.iter().enumerate() {
        for (j, q) in p.products.iter().enumerate() {
            count += 1;
            let name = q.name.trim();
            if seen.contains(&name) {
                c.fail(
                    format!("platforms[{i}].products[{j}].name"),
                    format!("product name `{name}` is used twice"),
                );
            }
            seen.push(name);
        }
    }
    if count > MAX_PRODUCTS {
        c.fail(
            "platforms",
            format!("at most {MAX_PRODUCTS} products are supported, got {count}"),
        );
    }
}
