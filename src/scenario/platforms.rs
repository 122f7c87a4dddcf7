//! `[[platforms]]`: the competing platforms — their cash, terms to
//! merchants and consumers, costs, growth, payments arm
//! (`[platforms.payments]`), funding rounds (`[[platforms.funding]]`) and
//! policy: coupon windows (`[[platforms.subsidy]]`), schedules and rules
//! (see [`policy`](super::policy)).

use serde::{Deserialize, Serialize};

use super::checker::{Checker, Horizon, MAX_UTILITY, MAX_YUAN};
use super::levers::Levers;
use super::market::{DataOwner, data_owner};
use super::merger;
use super::payments::{self, PaymentsSpec, RawPayments};
use super::policy::{
    Condition, Lever, LeverChange, LeverValue, RawRule, RawScheduleEntry, Rule, ScheduleEntry,
    parse_condition, parse_levers,
};
use super::products::{self, ProductSpec, RawProduct};
use super::raw::one_f;
use crate::ledger::Money;

/// Most platforms in one market (they are tracked in a bit set).
pub const MAX_PLATFORMS: usize = 32;

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
    /// Share of consumers who have the app installed at the start.
    #[serde(default = "one_f")]
    pub initial_users: f64,
    /// Marketing spend per day, in yuan.
    #[serde(default)]
    pub marketing_budget: f64,
    /// Cost per acquisition when no consumer has the app yet, in yuan.
    #[serde(default = "default_cpa")]
    pub cpa: f64,
    /// How fast acquisition cost rises as the unreached pool shrinks:
    /// cost = cpa / (unreached share)^cpa_elasticity.
    #[serde(default = "one_f")]
    pub cpa_elasticity: f64,
    /// Daily adoption probability of an unreached consumer per unit of the
    /// platform's active-user share (word of mouth; Bass q).
    #[serde(default)]
    pub word_of_mouth: f64,
    /// Daily adoption probability of an unreached consumer without any
    /// contact (Bass p).
    #[serde(default)]
    pub innovation: f64,
    /// What word of mouth counts: `active` (consumers who ordered in the
    /// last 30 days) or `adopters` (every consumer with the app: Bass's
    /// cumulative adopters).
    #[serde(default = "default_wom_base")]
    pub word_of_mouth_base: String,
    /// Days of the period in which `innovation` and `word_of_mouth` are
    /// stated.
    #[serde(default = "default_adoption_period")]
    pub adoption_period_days: i64,
    /// One-off coupon on a consumer's first order, in yuan.
    #[serde(default)]
    pub new_user_bonus: f64,
    /// Extra payout to the merchant per order, in yuan.
    #[serde(default)]
    pub merchant_subsidy: f64,
    /// Red packet to the consumer per wallet payment at a merchant, in yuan.
    #[serde(default)]
    pub red_packet: f64,
    /// Bounty to the merchant per wallet payment it takes, in yuan.
    #[serde(default)]
    pub merchant_bounty: f64,
    /// Bounty to the merchant per payment by a consumer paying with the
    /// wallet for the first time, in yuan.
    #[serde(default)]
    pub new_payer_bounty: f64,
    /// Utility of the platform's payment experience.
    #[serde(default)]
    pub payment_convenience: f64,
    /// Payment per day to each merchant that lists on this platform only
    /// (exclusivity, "二选一"), in yuan.
    #[serde(default)]
    pub exclusivity: f64,
    /// Who holds the customer relationship of this platform's orders
    /// (`platform`, `shared` or `merchant`); absent: `market.customer_data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_data: Option<String>,
    /// Days between reviews of the strategy rules.
    #[serde(default = "default_review")]
    pub review_days: i64,
    /// The payments arm.
    #[serde(default)]
    pub payments: RawPayments,
    /// Funding rounds.
    #[serde(default)]
    pub funding: Vec<RawFunding>,
    /// Dated policy entries.
    #[serde(default)]
    pub schedule: Vec<RawScheduleEntry>,
    /// Conditional policy rules, evaluated at each review.
    #[serde(default)]
    pub rules: Vec<RawRule>,
    /// A provider with no marketplace (a stand-alone insurer): nobody
    /// installs it and no merchant lists on it; it reaches consumers only
    /// through its products' marketing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standalone: bool,
    /// Products offered to the platform's users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub products: Vec<RawProduct>,
}

fn default_reach() -> f64 {
    1.0
}

fn default_cpa() -> f64 {
    20.0
}

fn default_review() -> i64 {
    7
}

fn default_wom_base() -> String {
    "active".to_string()
}

fn default_adoption_period() -> i64 {
    1
}

/// `[[platforms.funding]]`: a funding round, on a day or when conditions
/// first hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawFunding {
    /// Amount raised, in yuan.
    pub amount: f64,
    /// Day the money arrives (if no conditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<i64>,
    /// Conditions that must all hold at a review (e.g. `"share >= 0.3"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<String>,
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

/// One platform's terms and policy.
#[derive(Debug, Clone)]
pub struct PlatformSpec {
    /// Display name (unique).
    pub name: String,
    /// Opening cash.
    pub cash: Money,
    /// Each lever's value before schedules and rules.
    pub base_levers: Levers,
    /// Utility constant of ordering through this platform.
    pub brand_utility: f64,
    /// Share of merchants listed at the start.
    pub merchant_reach: f64,
    /// Variable cost per order.
    pub variable_cost: Money,
    /// Fixed operating cost per day.
    pub fixed_daily_cost: Money,
    /// Share of consumers with the app at the start.
    pub initial_users: f64,
    /// Base cost per acquisition, in yuan.
    pub cpa: f64,
    /// Rise of acquisition cost as the unreached pool shrinks.
    pub cpa_elasticity: f64,
    /// Word-of-mouth adoption coefficient (Bass q, per day).
    pub word_of_mouth: f64,
    /// Spontaneous adoption probability (Bass p, per adoption period).
    pub innovation: f64,
    /// What word of mouth counts.
    pub word_of_mouth_base: AdoptionBase,
    /// Days in the period `innovation` and `word_of_mouth` are stated in.
    pub adoption_period_days: u32,
    /// Utility of the payment experience.
    pub payment_convenience: f64,
    /// Who holds the customer relationship of its orders.
    pub customer_data: DataOwner,
    /// Days between rule reviews.
    pub review_days: u32,
    /// Payments arm.
    pub payments: PaymentsSpec,
    /// Funding rounds.
    pub funding: Vec<FundingRound>,
    /// Dated policy (coupon windows from `subsidy` included).
    pub schedule: Vec<ScheduleEntry>,
    /// Conditional rules.
    pub rules: Vec<Rule>,
    /// Whether it is a provider with no marketplace.
    pub standalone: bool,
    /// Products offered to its users.
    pub products: Vec<ProductSpec>,
}

/// What the word-of-mouth term of adoption counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptionBase {
    /// Consumers who ordered on the platform in the last 30 days (as of
    /// the last closed day); the day's adoption probability is
    /// `(innovation + word_of_mouth × active share) / period`, capped at 1.
    Active,
    /// Every consumer with the app installed (Bass's cumulative adopters
    /// F); the day's adoptions follow the exact solution of the Bass
    /// equation dF/dt = (p + qF)(1 − F) over one day.
    Adopters,
}

/// A funding round.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingRound {
    /// Amount raised.
    pub amount: Money,
    /// Day it arrives, if dated.
    pub day: Option<u32>,
    /// Conditions that trigger it at a review, if conditional.
    pub when: Vec<Condition>,
}

/// Checks `[[platforms]]`: at least one, at most [`MAX_PLATFORMS`], each
/// by [`check_platform`]; `customer_data` is the market's data owner, the
/// default of each platform's.
pub(super) fn check(
    c: &mut Checker,
    all: &[RawPlatform],
    horizon: Horizon,
    customer_data: DataOwner,
) -> Vec<PlatformSpec> {
    if all.is_empty() {
        c.fail(
            "platforms",
            "at least one platform is required ([[platforms]])",
        );
    }
    if all.len() > MAX_PLATFORMS {
        c.fail(
            "platforms",
            format!(
                "at most {MAX_PLATFORMS} platforms are supported, got {}",
                all.len()
            ),
        );
    }
    products::check_all(c, all);
    let mut platforms = Vec::with_capacity(all.len());
    for (i, p) in all.iter().enumerate() {
        let mut spec = check_platform(c, i, p, all, horizon);
        if let Some(owner) = &p.customer_data {
            spec.customer_data = data_owner(c, &format!("platforms[{i}].customer_data"), owner);
        } else {
            spec.customer_data = customer_data;
        }
        platforms.push(spec);
    }
    platforms
}

fn check_platform(
    c: &mut Checker,
    i: usize,
    p: &RawPlatform,
    all: &[RawPlatform],
    horizon: Horizon,
) -> PlatformSpec {
    let Horizon {
        days: horizon_days,
        ok: horizon_ok,
    } = horizon;
    let at = |key: &str| format!("platforms[{i}].{key}");
    let name = p.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        c.fail(at("name"), "must be 1-64 printable characters");
    } else if all[..i].iter().any(|q| q.name.trim() == name) {
        c.fail(at("name"), format!("platform name `{name}` is used twice"));
    } else if name.eq_ignore_ascii_case("direct") || name.eq_ignore_ascii_case("none") {
        c.fail(
            at("name"),
            format!("`{name}` is reserved for the options outside platforms"),
        );
    } else if name.eq_ignore_ascii_case("all") {
        c.fail(
            at("name"),
            format!("`{name}` is reserved for the sum over platforms (in calibration series)"),
        );
    }

    // Coupon windows (`subsidy`) and schedule entries become one schedule;
    // two windows may not set the same lever on the same day.
    let mut schedule = Vec::new();
    let mut windows: Vec<(i64, i64, String, Vec<Lever>)> = Vec::new();
    let mut add_window =
        |c: &mut Checker, path: String, from: i64, to: i64, levers: Vec<Lever>| -> bool {
            let mut ok = true;
            if from < 0 || (horizon_ok && from >= i64::from(horizon_days)) {
                c.fail(
                    format!("{path}.from_day"),
                    format!(
                        "must be a day within the horizon (0 to {}), got {from}",
                        horizon_days.saturating_sub(1)
                    ),
                );
                ok = false;
            }
            if to <= from {
                c.fail(
                    format!("{path}.to_day"),
                    format!("must be after from_day ({from}), got {to}"),
                );
                ok = false;
            } else if horizon_ok && to > i64::from(horizon_days) {
                c.fail(
                    format!("{path}.to_day"),
                    format!("must be at most horizon_days ({horizon_days}), got {to}"),
                );
                ok = false;
            }
            if let Some((_, _, other, _)) = windows
                .iter()
                .find(|(f, t, _, ls)| from < *t && *f < to && ls.iter().any(|l| levers.contains(l)))
            {
                c.fail(
                    format!("{path}.from_day"),
                    format!("window [{from}, {to}) overlaps {other}, which sets the same lever"),
                );
                ok = false;
            }
            windows.push((from, to, path, levers));
            ok
        };
    for (j, s) in p.subsidy.iter().enumerate() {
        let path = format!("platforms[{i}].subsidy[{j}]");
        let per_order = c.money(&format!("{path}.per_order"), s.per_order);
        if add_window(c, path, s.from_day, s.to_day, vec![Lever::Coupon]) && horizon_ok {
            schedule.push(ScheduleEntry {
                from_day: s.from_day as u32,
                to_day: s.to_day as u32,
                set: vec![(
                    Lever::Coupon,
                    LeverChange::Set(LeverValue::Money(per_order)),
                )],
            });
        }
    }
    for (j, s) in p.schedule.iter().enumerate() {
        let path = format!("platforms[{i}].schedule[{j}]");
        let set = parse_levers(c, &format!("{path}.set"), &s.set);
        let levers = set.iter().map(|(l, _)| *l).collect();
        if add_window(c, path, s.from_day, s.to_day, levers) && horizon_ok {
            schedule.push(ScheduleEntry {
                from_day: s.from_day as u32,
                to_day: s.to_day as u32,
                set,
            });
        }
    }
    schedule.sort_by_key(|e| e.from_day);

    let mut rules = Vec::new();
    for (j, r) in p.rules.iter().enumerate() {
        let path = format!("platforms[{i}].rules[{j}]");
        if r.when.is_empty() {
            c.fail(format!("{path}.when"), "must list at least one condition");
        }
        let mut when = Vec::new();
        for (k, text) in r.when.iter().enumerate() {
            match parse_condition(text) {
                Ok(cond) => when.push(cond),
                Err(rule) => c.fail(format!("{path}.when[{k}]"), rule),
            }
        }
        // An acquisition is a rule's action beside its levers; a rule may
        // do either or both.
        let mut levers = r.then.clone();
        let acquire = levers.remove("acquire").and_then(|value| {
            let names: Vec<&str> = all.iter().map(|q| q.name.as_str()).collect();
            merger::check(c, &format!("{path}.then.acquire"), &value, i, &names)
        });
        let then = if levers.is_empty() && r.then.contains_key("acquire") {
            Vec::new()
        } else {
            parse_levers(c, &format!("{path}.then"), &levers)
        };
        rules.push(Rule {
            when,
            then,
            acquire,
        });
    }

    let mut funding = Vec::new();
    for (j, f) in p.funding.iter().enumerate() {
        let path = format!("platforms[{i}].funding[{j}]");
        let amount = c.money(&format!("{path}.amount"), f.amount);
        let day = f.day.map(|d| c.day(&format!("{path}.day"), d, horizon));
        let mut when = Vec::new();
        for (k, text) in f.when.iter().enumerate() {
            match parse_condition(text) {
                Ok(cond) => when.push(cond),
                Err(rule) => c.fail(format!("{path}.when[{k}]"), rule),
            }
        }
        match (day.is_some(), f.when.is_empty()) {
            (false, true) => c.fail(
                path.clone(),
                "a funding round needs a `day` or `when` conditions",
            ),
            (true, false) => c.fail(path.clone(), "give either `day` or `when`, not both"),
            _ => {}
        }
        funding.push(FundingRound { amount, day, when });
    }

    let base_levers = Levers {
        commission: c.share(&at("commission"), p.commission),
        consumer_fee: c.money(&at("consumer_fee"), p.consumer_fee),
        new_user_bonus: c.money(&at("new_user_bonus"), p.new_user_bonus),
        merchant_subsidy: c.money(&at("merchant_subsidy"), p.merchant_subsidy),
        red_packet: c.money(&at("red_packet"), p.red_packet),
        merchant_bounty: c.money(&at("merchant_bounty"), p.merchant_bounty),
        new_payer_bounty: c.money(&at("new_payer_bounty"), p.new_payer_bounty),
        marketing_budget: c.money(&at("marketing_budget"), p.marketing_budget),
        exclusivity: c.money(&at("exclusivity"), p.exclusivity),
        coupon: Money::ZERO,
    };
    let payments = payments::check(c, &at, &p.payments);
    if p.standalone {
        products::check_standalone(c, i, p);
    }
    let products = products::check(
        c,
        i,
        &p.products,
        p.standalone,
        payments.wallet && payments.fund.is_some(),
        horizon,
    );
    let wallet_levers = [
        ("red_packet", p.red_packet, "red packets"),
        ("merchant_bounty", p.merchant_bounty, "bounties"),
        ("new_payer_bounty", p.new_payer_bounty, "bounties"),
    ];
    for (key, value, what) in wallet_levers {
        if value > 0.0 && !payments.wallet {
            c.fail(
                at(key),
                format!("{what} are paid on wallet payments: set payments.wallet = true"),
            );
        }
    }
    PlatformSpec {
        name,
        cash: c.money(&at("cash"), p.cash),
        base_levers,
        brand_utility: c.real(
            &at("brand_utility"),
            p.brand_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        merchant_reach: c.share(&at("merchant_reach"), p.merchant_reach),
        variable_cost: c.money(&at("variable_cost"), p.variable_cost),
        fixed_daily_cost: c.money(&at("fixed_daily_cost"), p.fixed_daily_cost),
        initial_users: c.share(&at("initial_users"), p.initial_users),
        cpa: c.real(&at("cpa"), p.cpa, 0.01, MAX_YUAN),
        cpa_elasticity: c.real(&at("cpa_elasticity"), p.cpa_elasticity, 0.0, 10.0),
        word_of_mouth: c.real(&at("word_of_mouth"), p.word_of_mouth, 0.0, 10.0),
        innovation: c.real(&at("innovation"), p.innovation, 0.0, 10.0),
        word_of_mouth_base: match p.word_of_mouth_base.as_str() {
            "active" => AdoptionBase::Active,
            "adopters" => AdoptionBase::Adopters,
            other => {
                c.fail(
                    at("word_of_mouth_base"),
                    format!("must be \"active\" or \"adopters\", got \"{other}\""),
                );
                AdoptionBase::Active
            }
        },
        adoption_period_days: c.count(&at("adoption_period_days"), p.adoption_period_days, 1, 3650),
        payment_convenience: c.real(
            &at("payment_convenience"),
            p.payment_convenience,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        customer_data: DataOwner::Platform,
        review_days: c.count(&at("review_days"), p.review_days, 1, 3650),
        payments,
        funding,
        schedule,
        rules,
        standalone: p.standalone,
        products,
    }
}
