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
    /// Utility coefficients of the consumer's choice.
    #[serde(default)]
    pub choice: RawChoice,
    /// The competing platforms.
    #[serde(default)]
    pub platforms: Vec<RawPlatform>,
    /// Lenders to merchants: platforms' lending arms and banks.
    #[serde(default)]
    pub lenders: Vec<RawLender>,
    /// The common economic environment.
    #[serde(default)]
    pub economy: RawEconomy,
    /// Regulatory caps.
    #[serde(default)]
    pub regulation: RawRegulation,
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

/// `[choice]`: utility coefficients of the consumer's logit choice.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawChoice {
    /// Utility per unit of ln(1 + merchants a platform lists in the
    /// consumer's district): the cross-side network effect.
    #[serde(default)]
    pub variety: f64,
    /// Utility lost per hour of expected waiting time at the merchant.
    #[serde(default)]
    pub wait_per_hour: f64,
    /// Utility per unit of loyalty (habit) towards a platform.
    #[serde(default)]
    pub loyalty: f64,
    /// Utility lost when choosing a platform other than the one used last.
    #[serde(default)]
    pub switching_cost: f64,
    /// Utility of paying a merchant directly with a mobile wallet rather
    /// than cash (for merchants that accept wallets).
    #[serde(default)]
    pub wallet_convenience: f64,
}

/// `[consumers.loyalty]`: how habit builds and fades.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawLoyalty {
    /// Loyalty gained from an order served within the tolerance.
    #[serde(default)]
    pub gain: f64,
    /// Loyalty lost from an order that waited longer than the tolerance.
    #[serde(default)]
    pub loss: f64,
    /// Days for loyalty to halve without orders.
    #[serde(default = "default_half_life")]
    pub half_life_days: f64,
    /// Longest time in system (hours) that still counts as a good
    /// experience.
    #[serde(default = "default_tolerance")]
    pub wait_tolerance_hours: f64,
}

fn default_half_life() -> f64 {
    30.0
}

fn default_tolerance() -> f64 {
    1.0
}

impl Default for RawLoyalty {
    fn default() -> Self {
        RawLoyalty {
            gain: 0.0,
            loss: 0.0,
            half_life_days: default_half_life(),
            wait_tolerance_hours: default_tolerance(),
        }
    }
}

/// How consumers leave platforms they have installed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawChurn {
    /// Shifted-beta-geometric: each consumer has a churn probability per
    /// period drawn from Beta(alpha, beta).
    Sbg {
        /// Beta α > 0.
        alpha: f64,
        /// Beta β > 0.
        beta: f64,
        /// Length of a period in days.
        period_days: f64,
    },
    /// The same churn probability per period for everyone.
    Geometric {
        /// Probability of churning in each period.
        p: f64,
        /// Length of a period in days.
        period_days: f64,
    },
}

/// `[[consumers.segments]]`: a share of consumers with its own traits.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawSegment {
    /// Segment name (for reports).
    pub name: String,
    /// Share of consumers in the segment; shares must sum to 1.
    pub share: f64,
    /// Purchase occasions per day (default: `consumers.purchase_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_rate: Option<RawDist>,
    /// Utility lost per yuan (default: `consumers.price_sensitivity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_sensitivity: Option<RawDist>,
    /// Churn (default: `consumers.churn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<RawChurn>,
}

/// `[consumers]`: distributions of consumer traits.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawConsumers {
    /// Purchase occasions per day (the rate of a Poisson process).
    pub purchase_rate: RawDist,
    /// Utility lost per yuan of effective price.
    pub price_sensitivity: RawDist,
    /// How consumers leave installed platforms (none if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<RawChurn>,
    /// Days without an order after which a consumer uninstalls a platform
    /// (0: never).
    #[serde(default)]
    pub dormancy_days: i64,
    /// Habit formation.
    #[serde(default)]
    pub loyalty: RawLoyalty,
    /// Consumer segments (one segment of everyone if absent).
    #[serde(default)]
    pub segments: Vec<RawSegment>,
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

/// `[[lenders]]`: a lender to merchants and its credit policy.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawLender {
    /// Unique name.
    pub name: String,
    /// The platform whose lending arm this is (absent for a bank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// What the lender sees: `transactions` (the platform's own sales data:
    /// volume, volatility, tenure) or `self_reported` (revenue the merchant
    /// declares, with noise). Default: `transactions` for a platform's arm,
    /// `self_reported` for a bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Lending capital, in yuan.
    pub capital: f64,
    /// Annual cost of the lender's funds, on outstanding loans.
    #[serde(default)]
    pub funding_cost: f64,
    /// Score weights.
    #[serde(default)]
    pub score: RawScore,
    /// Lowest score approved.
    #[serde(default = "default_cutoff")]
    pub cutoff: f64,
    /// Standard deviation of the log error in self-reported revenue.
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// Credit limit rule.
    #[serde(default)]
    pub limit: RawLimit,
    /// Annual interest rate.
    #[serde(default = "default_rate")]
    pub rate: RawRate,
    /// Term in days.
    #[serde(default = "default_term")]
    pub term_days: i64,
    /// How loans are repaid.
    #[serde(default = "default_repayment")]
    pub repayment: RawRepayment,
    /// Loss given default: the share of the exposure not recovered.
    #[serde(default = "default_lgd")]
    pub lgd: f64,
    /// Days from default to recovery and write-off.
    #[serde(default = "default_workout")]
    pub workout_days: i64,
    /// Credit losses (yuan) after which the lender stops new lending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_budget: Option<f64>,
    /// Probability of default the lender prices in (for expected loss).
    #[serde(default = "default_expected_pd")]
    pub expected_pd: f64,
    /// Replaces cash-flow defaults by a one-factor Vasicek model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model: Option<RawDefaultModel>,
}

fn default_cutoff() -> f64 {
    5.0
}
fn default_noise() -> f64 {
    0.5
}
fn default_rate() -> RawRate {
    RawRate::Flat(0.18)
}
fn default_term() -> i64 {
    180
}
fn default_repayment() -> RawRepayment {
    RawRepayment::Instalments(30)
}
fn default_lgd() -> f64 {
    0.6
}
fn default_workout() -> i64 {
    90
}
fn default_expected_pd() -> f64 {
    0.02
}

/// `[lenders.score]`: weights of the credit score. The score is
/// `volume × ln(1 + daily sales seen) − volatility × coefficient of
/// variation of daily sales + tenure × min(years listed, 1) + cash_flow ×
/// slog(30-day change in cash per day)`, where `slog(x) = sign(x)·ln(1 + |x|)`;
/// a bank sees only the first term.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawScore {
    /// Weight of log daily sales.
    #[serde(default = "one_f")]
    pub volume: f64,
    /// Weight of sales volatility (penalty).
    #[serde(default = "one_f")]
    pub volatility: f64,
    /// Weight of tenure on the platform.
    #[serde(default = "half")]
    pub tenure: f64,
    /// Weight of the merchant's net cash flow seen through its settlement
    /// account.
    #[serde(default = "one_f")]
    pub cash_flow: f64,
}

fn half() -> f64 {
    0.5
}

impl Default for RawScore {
    fn default() -> Self {
        RawScore {
            volume: 1.0,
            volatility: 1.0,
            tenure: 0.5,
            cash_flow: 1.0,
        }
    }
}

/// `[lenders.limit]`: the credit limit, a multiple of the 30-day sales the
/// lender sees, between a floor and a cap.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawLimit {
    /// Multiple of 30-day sales seen.
    #[serde(default = "one_f")]
    pub sales_multiple: f64,
    /// Smallest loan made, in yuan (smaller limits are declined).
    #[serde(default = "default_min_loan")]
    pub min: f64,
    /// Largest loan, in yuan.
    #[serde(default = "default_max_loan")]
    pub max: f64,
}

fn default_min_loan() -> f64 {
    1_000.0
}
fn default_max_loan() -> f64 {
    100_000.0
}

impl Default for RawLimit {
    fn default() -> Self {
        RawLimit {
            sales_multiple: 1.0,
            min: default_min_loan(),
            max: default_max_loan(),
        }
    }
}

/// Interest rate: `{ flat = 0.18 }` or `{ risk_based = { base, slope, max } }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawRate {
    /// The same annual rate for every loan.
    Flat(f64),
    /// `base + slope × (cutoff + 1 − score)`, at least `base`, at most `max`.
    RiskBased {
        /// Rate for the best scores.
        base: f64,
        /// Extra rate per score point below cutoff + 1.
        slope: f64,
        /// Highest rate charged.
        max: f64,
    },
}

/// Repayment: `{ instalments = 30 }` (equal principal every N days, with
/// interest) or `{ sales_share = 0.1 }` (a share of each day's sales
/// through the lender's platform).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawRepayment {
    /// Equal principal instalments every this many days, plus interest.
    Instalments(i64),
    /// This share of the day's platform sales.
    SalesShare(f64),
}

/// `default_model = { vasicek = { pd, rho } }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDefaultModel {
    /// Each loan defaults over its term when √ρ·Z + √(1−ρ)·ε < Φ⁻¹(pd), with
    /// Z common to the replication.
    Vasicek {
        /// Probability of default over the term, in (0, 1).
        pd: f64,
        /// Correlation with the common factor, in [0, 1).
        rho: f64,
    },
}

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

/// `[regulation]`: caps a regulator may impose.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawRegulation {
    /// Largest per-order coupon allowed, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_coupon: Option<f64>,
    /// Largest annual interest rate allowed on loans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interest_rate: Option<f64>,
}

fn zero_dist() -> RawDist {
    RawDist::Fixed(0.0)
}

fn one_f() -> f64 {
    1.0
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
    /// One-off coupon on a consumer's first order, in yuan.
    #[serde(default)]
    pub new_user_bonus: f64,
    /// Extra payout to the merchant per order, in yuan.
    #[serde(default)]
    pub merchant_subsidy: f64,
    /// Red packet to the consumer per wallet payment at a merchant, in yuan.
    #[serde(default)]
    pub red_packet: f64,
    /// Utility of the platform's payment experience.
    #[serde(default)]
    pub payment_convenience: f64,
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
}

fn default_cpa() -> f64 {
    20.0
}

fn default_review() -> i64 {
    7
}

/// `[platforms.payments]`: the payments arm.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct RawPayments {
    /// Whether consumers can pay merchants directly with the platform's
    /// wallet.
    #[serde(default)]
    pub wallet: bool,
    /// Fee on each wallet payment, as a share of the amount, paid by the
    /// merchant.
    #[serde(default)]
    pub fee_rate: f64,
    /// Days the platform holds money before paying merchants.
    #[serde(default)]
    pub settlement_days: i64,
    /// Annual interest earned on money held (the float).
    #[serde(default)]
    pub float_rate: f64,
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

/// `[[platforms.schedule]]`: policy levers set during a window of days.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawScheduleEntry {
    /// First day (inclusive).
    pub from_day: i64,
    /// Last day (exclusive).
    pub to_day: i64,
    /// Levers and values, e.g. `{ coupon = 5.0, marketing_budget = 20000 }`.
    pub set: toml::Table,
}

/// `[[platforms.rules]]`: when every condition holds at a review, apply
/// the levers until the next review.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawRule {
    /// Conditions, each `"metric op number"` or `"metric op metric"`.
    pub when: Vec<String>,
    /// Levers and values: a number, a metric name (e.g. `"rival_coupon"`)
    /// or `{ scale = 0.5 }`.
    pub then: toml::Table,
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
