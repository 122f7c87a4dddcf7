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
/// Most consumer segments, and most merchant categories (each agent keeps
/// its index in one byte).
pub const MAX_GROUPS: usize = 256;

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
    /// Utility coefficients.
    pub choice: ChoiceSpec,
    /// Consumer traits.
    pub consumers: ConsumerSpec,
    /// Merchant traits.
    pub merchants: MerchantSpec,
    /// Competing platforms, in file order (their index is their identity).
    pub platforms: Vec<PlatformSpec>,
    /// Lenders to merchants, in file order.
    pub lenders: Vec<LenderSpec>,
    /// The common economic environment.
    pub economy: EconomySpec,
    /// Largest coupon allowed, if capped.
    pub max_coupon: Option<f64>,
    /// The resolved file (defaults filled, overrides applied), recorded in
    /// manifests so a run can be reproduced.
    pub resolved: RawScenario,
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

/// Consumer traits.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Segments (at least one; shares sum to 1).
    pub segments: Vec<SegmentSpec>,
    /// Days without an order before uninstalling, if set.
    pub dormancy_days: Option<u32>,
    /// Habit formation.
    pub loyalty: LoyaltySpec,
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

/// One platform's terms and policy.
#[derive(Debug, Clone)]
pub struct PlatformSpec {
    /// Display name (unique).
    pub name: String,
    /// Opening cash.
    pub cash: Money,
    /// Base value of each lever (index [`Lever::index`]; yuan for money
    /// levers, a share for commission) before schedules and rules.
    pub base_levers: [f64; Lever::ALL.len()],
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
    /// Spontaneous adoption probability (Bass p, per day).
    pub innovation: f64,
    /// Utility of the payment experience.
    pub payment_convenience: f64,
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
}

/// How consumers leave platforms they have installed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Churn {
    /// Nobody churns (except by dormancy, if set).
    None,
    /// Per-period churn probability θ ~ Beta(alpha, beta), drawn once per
    /// consumer: the shifted-beta-geometric model.
    Sbg {
        /// Beta α.
        alpha: f64,
        /// Beta β.
        beta: f64,
        /// Period length in days.
        period_days: f64,
    },
    /// The same per-period churn probability for everyone.
    Geometric {
        /// Churn probability per period.
        p: f64,
        /// Period length in days.
        period_days: f64,
    },
}

/// A consumer segment.
#[derive(Debug, Clone)]
pub struct SegmentSpec {
    /// Name.
    pub name: String,
    /// Share of consumers.
    pub share: f64,
    /// Purchase occasions per day.
    pub purchase_rate: Dist,
    /// Utility lost per yuan.
    pub price_sensitivity: Dist,
    /// Churn model.
    pub churn: Churn,
}

/// Habit formation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoyaltySpec {
    /// Gain from a good experience.
    pub gain: f64,
    /// Loss from a bad experience.
    pub loss: f64,
    /// Daily decay factor (`0.5^(1/half_life)`).
    pub daily_decay: f64,
    /// Longest good wait, in hours.
    pub wait_tolerance_hours: f64,
}

/// Utility coefficients of the consumer's choice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChoiceSpec {
    /// Per ln(1 + merchants listed in district).
    pub variety: f64,
    /// Per hour of expected waiting.
    pub wait_per_hour: f64,
    /// Per unit of loyalty.
    pub loyalty: f64,
    /// Lost when choosing a platform other than the last used.
    pub switching_cost: f64,
    /// Paying direct with a wallet rather than cash.
    pub wallet_convenience: f64,
}

/// Who holds the customer relationship of platform orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOwner {
    /// Merchants know only customers who buy direct.
    Platform,
    /// Merchants know every customer, including platform customers.
    Merchant,
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

/// A policy lever a platform can set by schedule or rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lever {
    /// Coupon per order (yuan).
    Coupon,
    /// One-off coupon on a first order (yuan).
    NewUserBonus,
    /// Extra payout to merchants per order (yuan).
    MerchantSubsidy,
    /// Red packet per wallet payment (yuan).
    RedPacket,
    /// Marketing spend per day (yuan).
    MarketingBudget,
    /// Commission rate (share of price).
    Commission,
    /// Consumer fee per order (yuan).
    ConsumerFee,
}

impl Lever {
    /// Every lever with its name in scenario files.
    pub const ALL: [(Lever, &'static str); 7] = [
        (Lever::Coupon, "coupon"),
        (Lever::NewUserBonus, "new_user_bonus"),
        (Lever::MerchantSubsidy, "merchant_subsidy"),
        (Lever::RedPacket, "red_packet"),
        (Lever::MarketingBudget, "marketing_budget"),
        (Lever::Commission, "commission"),
        (Lever::ConsumerFee, "consumer_fee"),
    ];

    /// The lever named `name`.
    pub fn from_name(name: &str) -> Option<Lever> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(l, _)| *l)
    }

    /// Index into lever arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// An observable a strategy rule can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Current day.
    Day,
    /// Own share of platform orders over the last 7 days.
    Share,
    /// Largest share among live rivals.
    RivalShare,
    /// Months of cash left at the last 30 days' burn (infinite if not
    /// burning).
    RunwayMonths,
    /// Cash in yuan.
    Cash,
    /// Own current coupon (yuan).
    Coupon,
    /// Largest current coupon among live rivals (yuan).
    RivalCoupon,
    /// Consumers active in the last 30 days.
    ActiveUsers,
    /// Own orders yesterday.
    Orders,
    /// Merchants listed.
    Merchants,
}

impl Metric {
    /// Every metric with its name in scenario files.
    pub const ALL: [(Metric, &'static str); 10] = [
        (Metric::Day, "day"),
        (Metric::Share, "share"),
        (Metric::RivalShare, "rival_share"),
        (Metric::RunwayMonths, "runway_months"),
        (Metric::Cash, "cash"),
        (Metric::Coupon, "coupon"),
        (Metric::RivalCoupon, "rival_coupon"),
        (Metric::ActiveUsers, "active_users"),
        (Metric::Orders, "orders"),
        (Metric::Merchants, "merchants"),
    ];

    /// The metric named `name`.
    pub fn from_name(name: &str) -> Option<Metric> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(m, _)| *m)
    }

    /// Index into metric arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// Applies the comparison.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

/// The right-hand side of a condition or a lever's new value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Operand {
    /// A constant.
    Number(f64),
    /// The current value of a metric.
    Metric(Metric),
}

/// `metric op operand`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// Left-hand metric.
    pub metric: Metric,
    /// Comparison.
    pub op: Op,
    /// Right-hand side.
    pub rhs: Operand,
}

/// How a rule or schedule entry changes a lever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LeverChange {
    /// Set to a value (yuan for money levers, share for commission) or to a
    /// metric's value.
    Set(Operand),
    /// Multiply the lever's current value.
    Scale(f64),
}

/// A dated policy entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleEntry {
    /// First day (inclusive).
    pub from_day: u32,
    /// Last day (exclusive).
    pub to_day: u32,
    /// Changes applied during the window.
    pub set: Vec<(Lever, LeverChange)>,
}

/// A conditional policy rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// All must hold at a review.
    pub when: Vec<Condition>,
    /// Changes applied until the next review.
    pub then: Vec<(Lever, LeverChange)>,
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

/// A platform's payments arm.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PaymentsSpec {
    /// Consumers can pay merchants with this wallet.
    pub wallet: bool,
    /// Fee on wallet payments, as a share of the amount.
    pub fee_rate: f64,
    /// Days money is held before merchants are paid.
    pub settlement_days: u32,
    /// Annual interest on money held.
    pub float_rate: f64,
}

/// What a lender sees of a merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataAccess {
    /// The platform's own transaction data: sales through the platform,
    /// their volatility and the merchant's tenure.
    Transactions,
    /// Revenue the merchant reports, with a multiplicative error.
    SelfReported,
}

/// How a loan's rate is set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RatePolicy {
    /// One annual rate.
    Flat(f64),
    /// `base + slope × (cutoff + 1 − score)`, clamped to `[base, max]`.
    RiskBased {
        /// Best rate.
        base: f64,
        /// Extra rate per score point.
        slope: f64,
        /// Highest rate.
        max: f64,
    },
}

/// How a loan is repaid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repayment {
    /// Equal principal every this many days, plus accrued interest.
    Instalments(u32),
    /// This share of each day's sales through the lender's platform.
    SalesShare(f64),
}

/// Where defaults come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultModel {
    /// A borrower defaults when it cannot pay: 90 days past due.
    CashFlow,
    /// One-factor Vasicek: default over the term when
    /// √ρ·Z + √(1−ρ)·ε < Φ⁻¹(pd).
    Vasicek {
        /// Probability of default over the term.
        pd: f64,
        /// Correlation with the common factor.
        rho: f64,
    },
}

/// A lender and its credit policy.
#[derive(Debug, Clone)]
pub struct LenderSpec {
    /// Name.
    pub name: String,
    /// Index of the platform whose arm it is.
    pub platform: Option<usize>,
    /// What it sees.
    pub data: DataAccess,
    /// Lending capital.
    pub capital: Money,
    /// Annual funding cost.
    pub funding_cost: f64,
    /// Score weights: volume, volatility, tenure, cash flow.
    pub score_weights: [f64; 4],
    /// Lowest score approved.
    pub cutoff: f64,
    /// Log error of self-reported revenue.
    pub noise: f64,
    /// Multiple of 30-day sales seen.
    pub sales_multiple: f64,
    /// Smallest loan.
    pub min_loan: Money,
    /// Largest loan.
    pub max_loan: Money,
    /// Rate policy.
    pub rate: RatePolicy,
    /// Term in days.
    pub term_days: u32,
    /// Repayment.
    pub repayment: Repayment,
    /// Loss given default.
    pub lgd: f64,
    /// Days from default to recovery and write-off.
    pub workout_days: u32,
    /// Loss budget.
    pub loss_budget: Option<Money>,
    /// Probability of default priced in.
    pub expected_pd: f64,
    /// Default model.
    pub default_model: DefaultModel,
    /// Highest rate allowed by regulation, if capped.
    pub max_rate: Option<f64>,
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
