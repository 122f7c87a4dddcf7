//! The parameter reference: one entry per scenario key, with its type,
//! unit, accepted range, default and a one-line meaning.
//!
//! This table is the single source of the reference that `flywheel params`
//! prints and that `docs/scenario-reference.md` is generated from. Ranges
//! are built from the same constants the rules check, and unit tests hold
//! the table to the schema: every key the loader accepts must be
//! documented here, every entry must name an accepted key, and every
//! documented default must be the value the loader fills in. Adding a key
//! to the scenario without a line here fails the build's tests.
//!
//! The table also tells the `extends` merge which keys are single values
//! even though they are written as tables (distributions, the sweep
//! table): a variant replaces those whole instead of merging into them.

use std::fmt;
use std::fmt::Write as _;

use super::checker::{MAX_UTILITY, MAX_YUAN};
use super::market::{MAX_CONSUMERS, MAX_MERCHANTS};
use super::validate::MAX_REPLICATIONS;
use super::{MAX_HORIZON_DAYS, MAX_PLATFORMS};

/// What kind of value a key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number.
    Integer,
    /// A real number.
    Number,
    /// Text.
    Text,
    /// A number, or a named distribution table such as
    /// `{ gamma = { shape = 2.0, mean = 0.3 } }`; one value, replaced whole
    /// by a variant.
    Distribution,
    /// A table read by another command, replaced whole by a variant.
    Table,
    /// A path to another file.
    Path,
    /// `true` or `false`.
    Boolean,
    /// A list of strings.
    List,
    /// A one-key table choosing a variant with its parameters, such as
    /// `{ sbg = { alpha = 1, beta = 3, period_days = 30 } }`; one value,
    /// replaced whole by a variant.
    Variant,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Integer => "integer",
            Kind::Number => "number",
            Kind::Text => "string",
            Kind::Distribution => "number or distribution",
            Kind::Table => "table",
            Kind::Path => "file path",
            Kind::Boolean => "boolean",
            Kind::List => "list of strings",
            Kind::Variant => "variant table",
        })
    }
}

/// One documented scenario key.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Key path pattern: `[]` stands for any array index, as in
    /// `platforms[].subsidy[].per_order`.
    pub key: &'static str,
    /// The kind of value.
    pub kind: Kind,
    /// Unit of the value (empty when it has none).
    pub unit: &'static str,
    /// Values accepted.
    pub range: String,
    /// The default, as a TOML value; `required` when the key must be
    /// given, or a phrase when the default is not a constant.
    pub default: &'static str,
    /// What the key means, in one line.
    pub doc: &'static str,
}

/// Default of a key that must be given.
pub const REQUIRED: &str = "required";

fn param(
    key: &'static str,
    kind: Kind,
    unit: &'static str,
    range: impl Into<String>,
    default: &'static str,
    doc: &'static str,
) -> Param {
    Param {
        key,
        kind,
        unit,
        range: range.into(),
        default,
        doc,
    }
}

/// Every scenario key, in the order of a scenario file.
pub fn params() -> Vec<Param> {
    use Kind::*;
    let count = |max: i64| format!("1 to {max}");
    let money = format!("0 to {MAX_YUAN:e}");
    let utility = format!("-{MAX_UTILITY} to {MAX_UTILITY}");
    let share = "0 to 1";
    vec![
        param(
            "extends",
            Path,
            "",
            "an existing scenario file; no cycles",
            "none",
            "Base scenario this file modifies, relative to this file; see Variants in the README.",
        ),
        param(
            "name",
            Text,
            "",
            "1-64 of letters, digits, - _ . (not starting with .)",
            "the file name",
            "Short name; names the default results directory. Not inherited through `extends`.",
        ),
        param(
            "description",
            Text,
            "",
            "any text",
            "none",
            "Free text, kept in each run's manifest.",
        ),
        param(
            "seed",
            Integer,
            "",
            format!("0 to {}", i64::MAX),
            REQUIRED,
            "Master seed: every random stream derives from it.",
        ),
        param(
            "replications",
            Integer,
            "runs",
            count(MAX_REPLICATIONS),
            "1",
            "Independent replications, each with its own seed derived from `seed`.",
        ),
        param(
            "horizon_days",
            Integer,
            "days",
            count(i64::from(MAX_HORIZON_DAYS)),
            REQUIRED,
            "Length of each run.",
        ),
        param(
            "sweep",
            Table,
            "",
            "see `flywheel sweep`",
            "none",
            "Parameter sweep read by `flywheel sweep`; ignored by `run`.",
        ),
        param(
            "optimize",
            Table,
            "",
            "see `flywheel optimize`",
            "none",
            "Strategy optimisation read by `flywheel optimize`; ignored by `run`.",
        ),
        param(
            "equilibrium",
            Table,
            "",
            "see `flywheel equilibrium`",
            "none",
            "Strategy equilibrium read by `flywheel equilibrium`; ignored by `run`.",
        ),
        param(
            "calibrate",
            Table,
            "",
            "see `flywheel calibrate`",
            "none",
            "Calibration to observed figures read by `flywheel calibrate`; ignored by `run`.",
        ),
        param(
            "market.consumers",
            Integer,
            "consumers",
            count(MAX_CONSUMERS),
            REQUIRED,
            "Number of consumers in the market.",
        ),
        param(
            "market.merchants",
            Integer,
            "merchants",
            count(MAX_MERCHANTS),
            REQUIRED,
            "Number of merchants in the market.",
        ),
        param(
            "market.no_purchase_utility",
            Number,
            "utils",
            utility.clone(),
            "0.0",
            "Utility of not buying on a purchase occasion.",
        ),
        param(
            "market.direct_utility",
            Number,
            "utils",
            utility.clone(),
            "0.0",
            "Utility constant of buying direct from the merchant (offline or its own channel), before price.",
        ),
        param(
            "consumers.purchase_rate",
            Distribution,
            "occasions per day",
            "≥ 0; mean at most 1000",
            REQUIRED,
            "Each consumer's rate of purchase occasions (a Poisson process).",
        ),
        param(
            "consumers.price_sensitivity",
            Distribution,
            "utils per yuan",
            "≥ 0",
            REQUIRED,
            "Utility a consumer loses per yuan of effective price (price + fee − coupon).",
        ),
        param(
            "merchants.price",
            Distribution,
            "yuan",
            "≥ 0",
            REQUIRED,
            "List price of an order at each merchant.",
        ),
        param(
            "merchants.unit_cost_share",
            Distribution,
            "share of price",
            share,
            "0.6",
            "Cost of the goods in an order, as a share of its price.",
        ),
        param(
            "merchants.cash",
            Number,
            "yuan",
            money.clone(),
            "10000.0",
            "Opening cash of each merchant.",
        ),
        param(
            "platforms[].name",
            Text,
            "",
            "1-64 printable characters, unique; not `direct`, `none` or `all`",
            REQUIRED,
            "Display name; matches platforms across variants in `compare`.",
        ),
        param(
            "platforms[].cash",
            Number,
            "yuan",
            money.clone(),
            REQUIRED,
            "Opening cash (funding already raised); a platform that runs out exits.",
        ),
        param(
            "platforms[].commission",
            Number,
            "share of price",
            share,
            REQUIRED,
            "Take rate: share of each order's price kept from the merchant.",
        ),
        param(
            "platforms[].consumer_fee",
            Number,
            "yuan per order",
            money.clone(),
            "0.0",
            "Fee charged to the consumer on each order.",
        ),
        param(
            "platforms[].brand_utility",
            Number,
            "utils",
            utility.clone(),
            "0.0",
            "Utility constant of ordering through the platform (convenience, brand), before price.",
        ),
        param(
            "platforms[].merchant_reach",
            Number,
            "share of merchants",
            share,
            "1.0",
            "Share of merchants listed on the platform.",
        ),
        param(
            "platforms[].variable_cost",
            Number,
            "yuan per order",
            money.clone(),
            "0.0",
            "Platform's own cost of each order (delivery, support).",
        ),
        param(
            "platforms[].fixed_daily_cost",
            Number,
            "yuan per day",
            money.clone(),
            "0.0",
            "Platform's fixed operating cost, paid at each day's end.",
        ),
        param(
            "platforms[].subsidy[].from_day",
            Integer,
            "day",
            "0 to horizon_days − 1",
            REQUIRED,
            "First day of a coupon window (inclusive); windows of a platform must not overlap.",
        ),
        param(
            "platforms[].subsidy[].to_day",
            Integer,
            "day",
            "from_day + 1 to horizon_days",
            REQUIRED,
            "Day the coupon window ends (exclusive).",
        ),
        param(
            "platforms[].subsidy[].per_order",
            Number,
            "yuan per order",
            money.clone(),
            REQUIRED,
            "Coupon paid to the consumer on each order in the window (capped at price + fee).",
        ),
        param(
            "market.districts",
            Integer,
            "",
            "1 to 100000 (at most market.merchants)",
            "1",
            "Number of districts; consumers and merchants each have a home district.",
        ),
        param(
            "market.cross_district_share",
            Number,
            "share",
            "0 to 1",
            "0.0",
            "Share of purchase occasions spent at a merchant outside the consumer's home district.",
        ),
        param(
            "market.repeat_merchant",
            Number,
            "probability",
            "0 to 1",
            "0.0",
            "Probability that an occasion goes back to the consumer's last merchant.",
        ),
        param(
            "market.customer_data",
            Text,
            "",
            "\"platform\", \"shared\" or \"merchant\"",
            "\"platform\"",
            "Who holds the customer relationship of platform orders, for every platform without its own customer_data: \"shared\" lets merchants enrol platform customers in their membership; \"merchant\" also keeps the transactions from the platform's lending arm.",
        ),
        param(
            "choice.variety",
            Number,
            "utility per ln(1 + merchants)",
            utility.clone(),
            "0.0",
            "Cross-side network effect: utility per unit of ln(1 + merchants the platform lists in the district).",
        ),
        param(
            "choice.wait_per_hour",
            Number,
            "utility per hour",
            format!("0 to {MAX_UTILITY}"),
            "0.0",
            "Utility lost per hour of the merchant's expected time in system.",
        ),
        param(
            "choice.loyalty",
            Number,
            "utility per unit of loyalty",
            utility.clone(),
            "0.0",
            "Utility per unit of habit built with a platform.",
        ),
        param(
            "choice.switching_cost",
            Number,
            "utility",
            format!("0 to {MAX_UTILITY}"),
            "0.0",
            "Utility lost choosing a platform other than the one used last.",
        ),
        param(
            "choice.wallet_convenience",
            Number,
            "utility",
            utility.clone(),
            "0.0",
            "Utility of paying a merchant directly with a mobile wallet rather than cash.",
        ),
        param(
            "choice.wallet_scale",
            Number,
            "utility",
            format!("0.01 to {MAX_UTILITY}"),
            "1.0",
            "Logit scale of the choice between cash and the wallets a consumer could pay with: smaller means the best wallet takes more of the payments.",
        ),
        param(
            "choice.cash_utility",
            Number,
            "utility",
            utility.clone(),
            "none",
            "Utility of paying cash at a merchant where a wallet could be used; unset, a consumer who can pay with a wallet always does.",
        ),
        param(
            "choice.wallet_habit",
            Number,
            "utility per unit of habit",
            utility.clone(),
            "0.0",
            "Utility per unit of habit of paying with a wallet (grows by consumers.loyalty.gain per payment, decays at consumers.loyalty.daily_decay).",
        ),
        param(
            "consumers.churn",
            Variant,
            "",
            "{ sbg = { alpha > 0, beta > 0, period_days } } or { geometric = { p, period_days } }",
            "none",
            "How consumers leave installed platforms: shifted-beta-geometric or a constant probability per period.",
        ),
        param(
            "consumers.dormancy_days",
            Integer,
            "days",
            "0 (never) to 36500",
            "0",
            "Days without an order after which a consumer uninstalls a platform.",
        ),
        param(
            "consumers.loyalty.gain",
            Number,
            "loyalty units",
            "0 to 1000",
            "0.0",
            "Habit gained from an order served within the wait tolerance.",
        ),
        param(
            "consumers.loyalty.loss",
            Number,
            "loyalty units",
            "0 to 1000",
            "0.0",
            "Habit lost from an order that waited longer than the tolerance.",
        ),
        param(
            "consumers.loyalty.half_life_days",
            Number,
            "days",
            "0.01 to 1e6",
            "30.0",
            "Days for habit to halve without orders.",
        ),
        param(
            "consumers.loyalty.wait_tolerance_hours",
            Number,
            "hours",
            "0 to 10000",
            "1.0",
            "Longest time in system that still counts as a good experience.",
        ),
        param(
            "consumers.segments[].name",
            Text,
            "",
            "a name used once",
            REQUIRED,
            "Segment name, used in cohorts.csv.",
        ),
        param(
            "consumers.segments[].share",
            Number,
            "share",
            "0 to 1; shares sum to 1",
            REQUIRED,
            "Share of consumers in the segment.",
        ),
        param(
            "consumers.segments[].purchase_rate",
            Distribution,
            "occasions per day",
            "≥ 0",
            "consumers.purchase_rate",
            "The segment's purchase occasions per day.",
        ),
        param(
            "consumers.segments[].price_sensitivity",
            Distribution,
            "utility per yuan",
            "≥ 0",
            "consumers.price_sensitivity",
            "The segment's utility lost per yuan.",
        ),
        param(
            "consumers.segments[].churn",
            Variant,
            "",
            "as consumers.churn",
            "consumers.churn",
            "The segment's churn model.",
        ),
        param(
            "merchants.fixed_daily_cost",
            Distribution,
            "yuan per day",
            "≥ 0",
            "0.0",
            "Merchant's fixed cost per day (rent, staff).",
        ),
        param(
            "merchants.service_rate",
            Distribution,
            "orders per hour",
            "≥ 0, mean > 0",
            "none (no queue)",
            "Orders a merchant's single server completes per hour; waiting time grows with load.",
        ),
        param(
            "merchants.listing_cost",
            Number,
            "yuan per day per platform",
            money.clone(),
            "0.0",
            "Merchant's cost per day of being listed on one platform.",
        ),
        param(
            "merchants.review_days",
            Integer,
            "days",
            "1 to 3650",
            "30",
            "Days between a merchant's reviews of which platforms to be on.",
        ),
        param(
            "merchants.switch_probability",
            Number,
            "probability",
            "0 to 1",
            "0.0",
            "Probability that a merchant acts on its listing review (0: listings never change).",
        ),
        param(
            "merchants.data_sharing_value",
            Number,
            "yuan per day",
            "money",
            "0.0",
            "What listing on a platform that shares its customer data (customer_data \"shared\" or \"merchant\") is worth to a merchant in its listing reviews.",
        ),
        param(
            "merchants.accepts_wallet",
            Number,
            "share",
            "0 to 1",
            "1.0",
            "Share of merchants that accept wallet payments.",
        ),
        param(
            "merchants.categories[].name",
            Text,
            "",
            "a name used once",
            REQUIRED,
            "Merchant category name.",
        ),
        param(
            "merchants.categories[].share",
            Number,
            "share",
            "0 to 1; shares sum to 1",
            REQUIRED,
            "Share of merchants in the category.",
        ),
        param(
            "merchants.categories[].price",
            Distribution,
            "yuan per order",
            "≥ 0",
            "merchants.price",
            "List price in the category.",
        ),
        param(
            "merchants.membership.share",
            Number,
            "share",
            "0 to 1",
            "0.0",
            "Share of merchants running their own membership programme.",
        ),
        param(
            "merchants.membership.discount",
            Number,
            "yuan per order",
            money.clone(),
            "0.0",
            "Member discount on each direct order.",
        ),
        param(
            "merchants.membership.join_probability",
            Number,
            "probability",
            "0 to 1",
            "0.0",
            "Probability that a known customer joins the programme on a purchase.",
        ),
        param(
            "merchants.credit.apply_below",
            Number,
            "yuan",
            money.clone(),
            "0.0",
            "A merchant without a loan applies when its cash falls below this buffer (always when it runs out).",
        ),
        param(
            "merchants.credit.growth_probability",
            Number,
            "probability per 30 days",
            "0 to 1",
            "0.0",
            "Chance per 30 days that a merchant without a loan applies to grow.",
        ),
        param(
            "merchants.credit.lender_choice",
            Text,
            "",
            "\"first\" or \"random\"",
            "\"first\"",
            "Where applications go: down the lender list until one approves, or to one lender at random.",
        ),
        param(
            "platforms[].initial_users",
            Number,
            "share",
            "0 to 1",
            "1.0",
            "Share of consumers with the app installed at the start.",
        ),
        param(
            "platforms[].marketing_budget",
            Number,
            "yuan per day",
            money.clone(),
            "0.0",
            "Marketing spend per day on acquisitions.",
        ),
        param(
            "platforms[].cpa",
            Number,
            "yuan per acquisition",
            "0.01 to 1e12",
            "20.0",
            "Cost per acquisition while nobody has the app; it rises as the unreached pool shrinks.",
        ),
        param(
            "platforms[].cpa_elasticity",
            Number,
            "",
            "0 to 10",
            "1.0",
            "Cost per acquisition = cpa / (unreached share)^cpa_elasticity.",
        ),
        param(
            "platforms[].word_of_mouth",
            Number,
            "per adoption period",
            "0 to 10",
            "0.0",
            "Bass q: adoption rate of an unreached consumer per unit of the share counted by word_of_mouth_base.",
        ),
        param(
            "platforms[].innovation",
            Number,
            "per adoption period",
            "0 to 10",
            "0.0",
            "Bass p: adoption rate of an unreached consumer without contact.",
        ),
        param(
            "platforms[].word_of_mouth_base",
            Text,
            "",
            "\"active\" or \"adopters\"",
            "\"active\"",
            "What word of mouth counts. \"active\": consumers who ordered in the last 30 days; the day's adoption probability is (innovation + word_of_mouth × active share) / adoption_period_days, capped at 1. \"adopters\": every consumer with the app (Bass's F); adoptions follow the exact Bass solution, so with marketing and churn off the expected installed share is F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t}), t in periods.",
        ),
        param(
            "platforms[].adoption_period_days",
            Integer,
            "days",
            "1 to 3650",
            "1",
            "The period innovation and word_of_mouth are stated in (1: per day, 30: per month, 365: per year).",
        ),
        param(
            "platforms[].new_user_bonus",
            Number,
            "yuan",
            money.clone(),
            "0.0",
            "One-off coupon on a consumer's first order.",
        ),
        param(
            "platforms[].merchant_subsidy",
            Number,
            "yuan per order",
            money.clone(),
            "0.0",
            "Extra payout to the merchant on each order.",
        ),
        param(
            "platforms[].red_packet",
            Number,
            "yuan per payment",
            "money; needs payments.wallet",
            "0.0",
            "Red packet to the consumer on each wallet payment at a merchant.",
        ),
        param(
            "platforms[].merchant_bounty",
            Number,
            "yuan per payment",
            "money; needs payments.wallet",
            "0.0",
            "Bounty to the merchant on each wallet payment it takes (scan-to-pay reward).",
        ),
        param(
            "platforms[].new_payer_bounty",
            Number,
            "yuan per payment",
            "money; needs payments.wallet",
            "0.0",
            "Bounty to the merchant when a consumer pays with the wallet for the first time.",
        ),
        param(
            "platforms[].payment_convenience",
            Number,
            "utility",
            utility.clone(),
            "0.0",
            "Utility of the platform's payment experience.",
        ),
        param(
            "platforms[].exclusivity",
            Number,
            "yuan per merchant per day",
            "money",
            "0.0",
            "Exclusivity (二选一): paid each day to each merchant that accepted to list on this platform only; a merchant listed on rivals accepts at a listing review when it exceeds the margin it earns through them.",
        ),
        param(
            "platforms[].customer_data",
            Text,
            "",
            "\"platform\", \"shared\" or \"merchant\"",
            "market.customer_data",
            "Who holds the customer relationship of this platform's orders: \"shared\" lets merchants enrol its customers in their membership; \"merchant\" also keeps the transactions from its lending arm.",
        ),
        param(
            "platforms[].review_days",
            Integer,
            "days",
            "1 to 3650",
            "7",
            "Days between reviews of the strategy rules (and conditional funding).",
        ),
        param(
            "platforms[].payments.wallet",
            Boolean,
            "",
            "true or false",
            "false",
            "Whether consumers can pay merchants directly with the platform's wallet.",
        ),
        param(
            "platforms[].payments.fee_rate",
            Number,
            "share of amount",
            "0 to 1",
            "0.0",
            "Fee on each wallet payment, paid by the merchant.",
        ),
        param(
            "platforms[].payments.settlement_days",
            Integer,
            "days",
            "0 to 90",
            "0",
            "Days the platform holds merchants' takings before paying them.",
        ),
        param(
            "platforms[].payments.float_rate",
            Number,
            "per year",
            "0 to 1",
            "0.0",
            "Annual interest earned on takings held (the float).",
        ),
        param(
            "platforms[].payments.convenience",
            Number,
            "utility",
            format!("{}; needs payments.wallet", utility),
            "0.0",
            "Utility of paying with this wallet, on top of choice.wallet_convenience.",
        ),
        param(
            "platforms[].payments.consumer_fee",
            Number,
            "yuan per payment",
            "money; needs payments.wallet",
            "0.0",
            "Fee the payer pays the wallet on each payment.",
        ),
        param(
            "platforms[].payments.acceptance",
            Number,
            "share of merchants",
            "0 to 1; needs payments.wallet",
            "merchants.accepts_wallet",
            "Share of merchants accepting this wallet at the start.",
        ),
        param(
            "platforms[].payments.adoption.base",
            Number,
            "per day",
            "0 to 1; needs payments.wallet",
            "0.0",
            "Daily probability that a merchant not accepting the wallet starts to, before demand and bounties.",
        ),
        param(
            "platforms[].payments.adoption.demand",
            Number,
            "per day per share",
            "0 to 10; needs payments.wallet",
            "0.0",
            "Adoption probability per day per unit share of the merchant's district's consumers who have the wallet.",
        ),
        param(
            "platforms[].payments.adoption.bounty",
            Number,
            "per day per yuan",
            "0 to 10; needs payments.wallet",
            "0.0",
            "Adoption probability per day per yuan of the wallet's current merchant_bounty.",
        ),
        param(
            "platforms[].payments.adoption.fee",
            Number,
            "per day per unit fee rate",
            "0 to 1000",
            "0.0",
            "Adoption probability lost per day per unit of the wallet's fee_rate (the cost of accepting).",
        ),
        param(
            "platforms[].payments.fund.gross_yield",
            Number,
            "per year",
            "0 to 1; needs payments.wallet",
            "0.0 in a given table",
            "Annual yield the assets of the wallet's money-market fund earn (the table gives the wallet a fund consumers hold balances in; see [balances]).",
        ),
        param(
            "platforms[].payments.fund.spread",
            Number,
            "per year",
            "0 to gross_yield",
            "0.0 in a given table",
            "Annual share of the fund's assets the platform keeps (its revenue); holders earn gross_yield − spread.",
        ),
        param(
            "platforms[].payments.merchant_fund.gross_yield",
            Number,
            "per year",
            "0 to 1; needs payments.wallet",
            "0.0 in a given table",
            "Annual yield of the wallet's cash-management fund: merchants accepting the wallet sweep idle cash into it.",
        ),
        param(
            "platforms[].payments.merchant_fund.spread",
            Number,
            "per year",
            "0 to gross_yield",
            "0.0 in a given table",
            "Annual share of the merchant fund's assets the platform keeps.",
        ),
        param(
            "platforms[].payments.merchant_fund.buffer",
            Number,
            "yuan",
            money.clone(),
            "0.0 in a given table",
            "Cash a merchant keeps on hand: more is swept into the fund at each day's end; less is paid back from the fund before the merchant borrows or closes.",
        ),
        param(
            "platforms[].funding[].amount",
            Number,
            "yuan",
            money.clone(),
            REQUIRED,
            "Amount of a funding round.",
        ),
        param(
            "platforms[].funding[].day",
            Integer,
            "day",
            "within the horizon",
            "none (give day or when)",
            "Day the round arrives.",
        ),
        param(
            "platforms[].funding[].when",
            List,
            "",
            "conditions \"metric op value\"",
            "none (give day or when)",
            "Conditions that trigger the round at a review, e.g. [\"share >= 0.3\"].",
        ),
        param(
            "platforms[].schedule[].from_day",
            Integer,
            "day",
            "0 to horizon_days - 1",
            REQUIRED,
            "First day of a policy window (inclusive).",
        ),
        param(
            "platforms[].schedule[].to_day",
            Integer,
            "day",
            "from_day + 1 to horizon_days",
            REQUIRED,
            "Day the policy window ends (exclusive).",
        ),
        param(
            "platforms[].schedule[].set",
            Table,
            "",
            "{ lever = number, metric name or { scale = f } }",
            REQUIRED,
            "Levers set during the window: coupon, new_user_bonus, merchant_subsidy, red_packet, merchant_bounty, new_payer_bounty, marketing_budget, commission, consumer_fee, exclusivity.",
        ),
        param(
            "platforms[].rules[].when",
            List,
            "",
            "conditions \"metric op value\"",
            REQUIRED,
            "Conditions over day, share, rival_share, runway_months, cash, coupon, rival_coupon, active_users, orders, merchants, rival_runway_months (shortest among live rivals), rivals (live rivals).",
        ),
        param(
            "platforms[].rules[].then",
            Table,
            "",
            "{ lever = number, metric name or { scale = f } }; and/or acquire = { target = \"name\", price = yuan or { cash_multiple = k (0-100, default 1), premium = yuan (default 0) } }",
            REQUIRED,
            "Levers applied while the conditions held at the latest review; `acquire` buys the named rival at the first review the conditions hold and the price (yuan, or k × its spendable cash + premium) is affordable: its cash, users, merchants and wallet acceptance pass to the buyer.",
        ),
        param(
            "platforms[].standalone",
            Boolean,
            "",
            "true or false; then initial_users, merchant_reach, marketing_budget, word_of_mouth, innovation = 0, no wallet, at least one product",
            "false",
            "A provider with no marketplace (a stand-alone insurer): nobody installs it, no merchant lists on it; it reaches consumers only through its products' marketing_budget at its cpa and cpa_elasticity.",
        ),
        param(
            "platforms[].products[].name",
            Text,
            "",
            "a name used once across platforms",
            "required in a product",
            "Product name, as in products.csv.",
        ),
        param(
            "platforms[].products[].kind",
            Text,
            "",
            "\"mutual_aid\", \"insurance\" or \"fund\" (fund needs payments.fund)",
            "required in a product",
            "mutual_aid: members share the pool's claims plus a management fee; insurance: the platform takes premiums and pays claims; fund: sign-ups to the wallet's balance fund (only members may hold in it).",
        ),
        param(
            "platforms[].products[].launch_day",
            Integer,
            "day",
            "a day within the horizon",
            "0 in a given table",
            "Day the product is first offered (joins are drawn from that day's end).",
        ),
        param(
            "platforms[].products[].period_days",
            Integer,
            "days",
            "1 to 3650",
            "30 in a given table",
            "Days in a period: claims are shared (mutual aid) or premiums paid (insurance) at the end of each period since launch.",
        ),
        param(
            "platforms[].products[].payout",
            Number,
            "yuan",
            "money; above 0 for mutual_aid and insurance",
            "0.0 in a given table",
            "Paid to a member who claims; a claimant leaves (the cover is used).",
        ),
        param(
            "platforms[].products[].incidence",
            Number,
            "per period",
            "share; mutual_aid only",
            "0.0 in a given table",
            "Probability that a member of average risk claims in a period (prorated for a member who joined during it).",
        ),
        param(
            "platforms[].products[].fee_share",
            Number,
            "",
            "0 to 10; mutual_aid only",
            "0.0 in a given table",
            "Management fee the platform keeps, as a share of the claims shared: members pay claims × (1 + fee_share) between them.",
        ),
        param(
            "platforms[].products[].premium",
            Number,
            "yuan per period",
            "money; above 0 for insurance",
            "0.0 in a given table",
            "Premium each member pays the platform per period (insurance).",
        ),
        param(
            "platforms[].products[].loss_ratio",
            Number,
            "",
            "0 to 10; insurance only",
            "0.0 in a given table",
            "Expected claims over premiums at average risk: a member's claim probability per period is premium × loss_ratio / payout.",
        ),
        param(
            "platforms[].products[].willingness",
            Distribution,
            "yuan per period",
            "≥ 0; required for mutual_aid and insurance",
            "none in a given table",
            "What a consumer will pay per period (drawn once per consumer; with adverse selection times its own risk): it joins only at a price within it, and a mutual-aid member leaves when the shared cost exceeds it.",
        ),
        param(
            "platforms[].products[].adverse_selection",
            Boolean,
            "",
            "true or false; mutual_aid or insurance",
            "false in a given table",
            "Members' risks differ (mean 1, risk_spread) and each knows its own, so willingness to pay scales with risk: as a pool's cost rises the healthy leave first.",
        ),
        param(
            "platforms[].products[].risk_spread",
            Number,
            "",
            "0 to 10",
            "1.0 in a given table",
            "Coefficient of variation of members' risk (a gamma with mean 1) under adverse selection.",
        ),
        param(
            "platforms[].products[].reach_days",
            Integer,
            "days",
            "1 to 3650",
            "30 in a given table",
            "The product reaches a consumer who has the platform's app and ordered on it in the last reach_days days (or whom its marketing reached).",
        ),
        param(
            "platforms[].products[].take_up",
            Number,
            "per day",
            "0 to 10",
            "0.0 in a given table",
            "Daily hazard of joining of a reached consumer with no habit or tenure at zero price and appeal: it joins on a day with probability 1 − exp(−h), h = take_up × exp(trust × habit + tenure × years + appeal + payout_weight × payout/10000 − price_weight × price).",
        ),
        param(
            "platforms[].products[].trust",
            Number,
            "utility per unit of habit",
            "utility",
            "0.0 in a given table",
            "How the consumer's habit (loyalty) on the platform raises its hazard of joining.",
        ),
        param(
            "platforms[].products[].tenure",
            Number,
            "utility per year",
            "utility",
            "0.0 in a given table",
            "How the years since the consumer installed the app raise its hazard of joining.",
        ),
        param(
            "platforms[].products[].appeal",
            Number,
            "utility",
            "utility",
            "0.0 in a given table",
            "Utility constant of the product in the hazard of joining.",
        ),
        param(
            "platforms[].products[].payout_weight",
            Number,
            "utility per 10,000 yuan",
            "utility",
            "0.0 in a given table",
            "How the payout raises the hazard of joining.",
        ),
        param(
            "platforms[].products[].price_weight",
            Number,
            "utility per yuan",
            "0 to 1000",
            "0.0 in a given table",
            "How the current price per period (the last shared cost per member, or the premium) lowers the hazard of joining.",
        ),
        param(
            "platforms[].products[].marketing_budget",
            Number,
            "yuan per day",
            "money; above 0 for a stand-alone provider",
            "0.0 in a given table",
            "Marketing that reaches consumers the product has not reached, at cost cpa / (unreached share)^cpa_elasticity each (the platform's acquisition-cost model).",
        ),
        param(
            "platforms[].products[].reach_cost",
            Number,
            "yuan per member",
            "money; 0 for a stand-alone provider",
            "0.0 in a given table",
            "Cost of each member who joins through the platform's own reach (in-app promotion).",
        ),
        param(
            "platforms[].products[].represents",
            Number,
            "people per consumer",
            "1 to 1e6",
            "1.0 in a given table",
            "People each simulated consumer stands for in the product: members (members_represented, product_members_end, product_days_to_million), claims (a Poisson draw per member with mean represents × incidence × risk), contributions, premiums, fees and acquisition costs are the population's; the marketplace and a fund's balances stay the simulated market's.",
        ),
        param(
            "platforms[].products[].retention",
            Number,
            "share",
            "0 to 1",
            "0.0 in a given table",
            "Probability that a member whose churn clock on the platform runs out stays on the platform: a new clock is drawn as if it had just installed (churn_averted, product_churn_averted). Dormancy is not resisted.",
        ),
        param(
            "lenders[].name",
            Text,
            "",
            "a name used once, not a platform's",
            REQUIRED,
            "Lender name.",
        ),
        param(
            "lenders[].platform",
            Text,
            "",
            "a platform's name",
            "none (a bank)",
            "The platform whose lending arm this is; its transaction data is what the lender sees.",
        ),
        param(
            "lenders[].data",
            List,
            "",
            "\"transactions\", \"self_reported\", or a list of transactions, behaviour, scenes, self_reported (platform kinds need a platform)",
            "transactions with a platform, else self_reported",
            "What the lender sees of a merchant; a list adds the estimate of the merchant's latent risk (break-even orders a day) from those kinds to the score.",
        ),
        param(
            "lenders[].information.transactions",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.3 (with a list of data kinds)",
            "Information value of transaction data (volume, volatility, tenure): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "lenders[].information.behaviour",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.2 (with a list of data kinds)",
            "Information value of behaviour data (ordering regularity, membership, wallet balances): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "lenders[].information.scenes",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.15 (with a list of data kinds)",
            "Information value of consumption-scene data (categories bought): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "lenders[].information.self_reported",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.05 (with a list of data kinds)",
            "Information value of what a borrower reports: the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "lenders[].fraud.share",
            Number,
            "share",
            share,
            REQUIRED,
            "Share of applications that are fraudulent: an undetected one is paid out (FraudDisbursement) and never repays; its loss counts in fraud_losses, not credit_loss.",
        ),
        param(
            "lenders[].fraud.cost_per_check",
            Number,
            "yuan",
            money.clone(),
            "0.0",
            "Cost of anti-fraud screening per application (ScreeningCost).",
        ),
        param(
            "lenders[].fraud.recovery",
            Number,
            "share",
            share,
            "0.0",
            "Share of a fraudulent exposure recovered after default.",
        ),
        param(
            "lenders[].capital",
            Number,
            "yuan",
            money.clone(),
            REQUIRED,
            "Lending capital.",
        ),
        param(
            "lenders[].funding_cost",
            Number,
            "per year",
            "0 to 1",
            "0.0",
            "Annual cost of the lender's funds on outstanding loans.",
        ),
        param(
            "lenders[].score.volume",
            Number,
            "score per ln(yuan per day)",
            "-1000 to 1000",
            "1.0",
            "Score weight of ln(1 + daily sales seen).",
        ),
        param(
            "lenders[].score.volatility",
            Number,
            "score per unit CV",
            "-1000 to 1000",
            "1.0",
            "Score penalty per unit of coefficient of variation of daily sales.",
        ),
        param(
            "lenders[].score.tenure",
            Number,
            "score per year",
            "-1000 to 1000",
            "0.5",
            "Score weight of years listed on the platform (capped at 1).",
        ),
        param(
            "lenders[].score.cash_flow",
            Number,
            "score per slog(yuan per day)",
            "-1000 to 1000",
            "1.0",
            "Score weight of the 30-day change in the merchant's cash per day, seen through its settlement account.",
        ),
        param(
            "lenders[].score.latent",
            Number,
            "score per standard deviation",
            "-1000 to 1000",
            "1 (with a list of data kinds)",
            "Score weight of the standardised estimate of the merchant's latent risk (only with data as a list).",
        ),
        param(
            "lenders[].cutoff",
            Number,
            "score",
            "-1e6 to 1e6",
            "5.0",
            "Lowest score approved.",
        ),
        param(
            "lenders[].noise",
            Number,
            "log-sd",
            "0 to 10",
            "0.5",
            "Standard deviation of the log error in self-reported revenue.",
        ),
        param(
            "lenders[].limit.sales_multiple",
            Number,
            "× 30-day sales",
            "0 to 1000",
            "1.0",
            "Credit limit as a multiple of the 30-day sales the lender sees.",
        ),
        param(
            "lenders[].limit.min",
            Number,
            "yuan",
            money.clone(),
            "1000.0",
            "Smallest loan made (smaller limits are declined).",
        ),
        param(
            "lenders[].limit.max",
            Number,
            "yuan",
            "money, ≥ limit.min",
            "100000.0",
            "Largest loan.",
        ),
        param(
            "lenders[].rate",
            Variant,
            "per year",
            "{ flat = r } or { risk_based = { base, slope, max } }",
            "{ flat = 0.18 }",
            "Annual interest rate; risk-based: base + slope × (cutoff + 1 − score), at most max.",
        ),
        param(
            "lenders[].term_days",
            Integer,
            "days",
            "1 to 3650",
            "180",
            "Loan term.",
        ),
        param(
            "lenders[].repayment",
            Variant,
            "",
            "{ instalments = days } or { sales_share = s }",
            "{ instalments = 30 }",
            "Equal principal every N days with interest, or a share of each day's platform sales.",
        ),
        param(
            "lenders[].lgd",
            Number,
            "share",
            "0 to 1",
            "0.6",
            "Loss given default: share of the exposure not recovered.",
        ),
        param(
            "lenders[].workout_days",
            Integer,
            "days",
            "0 to 3650",
            "90",
            "Days from default to recovery and write-off.",
        ),
        param(
            "lenders[].loss_budget",
            Number,
            "yuan",
            money.clone(),
            "none",
            "Credit losses after which the lender stops new lending.",
        ),
        param(
            "lenders[].expected_pd",
            Number,
            "probability",
            "0 to 1",
            "0.02",
            "Probability of default priced in (expected loss).",
        ),
        param(
            "lenders[].default_model",
            Variant,
            "",
            "{ vasicek = { pd in (0, 1), rho in [0, 1) } }",
            "none (defaults from cash flow)",
            "One-factor Vasicek defaults instead of cash-flow defaults.",
        ),
        param(
            "consumer_credit[].name",
            Text,
            "",
            "a name used once",
            REQUIRED,
            "Name of the consumer credit programme (花呗, 58消费贷, ...).",
        ),
        param(
            "consumer_credit[].platform",
            Text,
            "",
            "a platform's name, one programme per platform",
            REQUIRED,
            "The platform that offers the credit, funds it from its cash and scores its own customers.",
        ),
        param(
            "consumer_credit[].data",
            List,
            "",
            "a kind or a list of transactions, behaviour, scenes, self_reported",
            "transactions",
            "Kinds of data the programme scores consumers on, each a noisy measurement of their latent risk; platform kinds are lost when the platform's customer_data is merchant.",
        ),
        param(
            "consumer_credit[].information.transactions",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.3",
            "Information value of transaction data (volume, volatility, tenure): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "consumer_credit[].information.behaviour",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.2",
            "Information value of behaviour data (ordering regularity, membership, wallet balances): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "consumer_credit[].information.scenes",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.15",
            "Information value of consumption-scene data (categories bought): the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "consumer_credit[].information.self_reported",
            Number,
            "share of variance",
            "0 to 0.99",
            "0.05",
            "Information value of what a borrower reports: the share of a borrower's latent risk it reveals (its squared correlation with the risk), and the chance it exposes a fraud.",
        ),
        param(
            "consumer_credit[].capital",
            Number,
            "yuan",
            money.clone(),
            REQUIRED,
            "Most consumer credit outstanding at once.",
        ),
        param(
            "consumer_credit[].funding_cost",
            Number,
            "per year",
            "0 to 1",
            "0.0",
            "Annual cost of the money lent, on outstanding balances (CreditFundingCost).",
        ),
        param(
            "consumer_credit[].min_orders",
            Integer,
            "orders",
            "0 to 1000000",
            "1",
            "Orders on the platform before a consumer is scored.",
        ),
        param(
            "consumer_credit[].review_days",
            Integer,
            "days",
            "1 to 3650",
            "30",
            "Days between reviews that score consumers without a line (each consumer is scored once).",
        ),
        param(
            "consumer_credit[].cutoff",
            Number,
            "standard deviations",
            "-10 to 10",
            "0.0",
            "Lowest standardised score approved: the score is minus the estimated latent risk in standard deviations, so a cut-off approves the same share whatever the data.",
        ),
        param(
            "consumer_credit[].limit.spend_multiple",
            Number,
            "× monthly spend",
            "0 to 1000",
            "2.0",
            "Credit line as a multiple of the consumer's monthly spend on the platform.",
        ),
        param(
            "consumer_credit[].limit.min",
            Number,
            "yuan",
            money.clone(),
            "500.0",
            "Smallest credit line.",
        ),
        param(
            "consumer_credit[].limit.max",
            Number,
            "yuan",
            money.clone(),
            "20000.0",
            "Largest credit line.",
        ),
        param(
            "consumer_credit[].credit_utility",
            Number,
            "utility",
            utility.clone(),
            "0.3",
            "Utility of being able to pay for a platform order on credit (the line is open, current and covers the order).",
        ),
        param(
            "consumer_credit[].statement_days",
            Integer,
            "days",
            "1 to 365",
            "30",
            "Days between statements.",
        ),
        param(
            "consumer_credit[].interest_free_days",
            Integer,
            "days",
            "0 to statement_days − 1",
            "20",
            "Days from a statement to its due date, free of interest.",
        ),
        param(
            "consumer_credit[].rate",
            Number,
            "per year",
            "0 to 10",
            "0.15",
            "Annual interest on balances a revolver carries past the due date.",
        ),
        param(
            "consumer_credit[].revolving_share",
            Number,
            "share",
            share,
            "0.3",
            "Share of borrowers who pay only the minimum each statement.",
        ),
        param(
            "consumer_credit[].min_payment",
            Number,
            "share",
            share,
            "0.1",
            "Share of the statement balance a revolver pays (at least 1 yuan).",
        ),
        param(
            "consumer_credit[].pd",
            Number,
            "per year",
            "0 to 1 (below 1)",
            "0.05",
            "Annual probability that a consumer drawn at random stops paying, in an average economy.",
        ),
        param(
            "consumer_credit[].rho",
            Number,
            "",
            "0 to 1 (below 1)",
            "0.1",
            "Loading of defaults on the economy's common factor (economy.factor_*).",
        ),
        param(
            "consumer_credit[].latent_share",
            Number,
            "share",
            share,
            "0.5",
            "Share of a borrower's own default risk that is its latent risk, the part data can reveal.",
        ),
        param(
            "consumer_credit[].lgd",
            Number,
            "share",
            share,
            "0.8",
            "Loss given default: share of a defaulted balance not recovered.",
        ),
        param(
            "consumer_credit[].workout_days",
            Integer,
            "days",
            "0 to 3650",
            "90",
            "Days from default (90 days past due) to recovery and write-off.",
        ),
        param(
            "consumer_credit[].term_days",
            Integer,
            "days",
            "1 to 3650",
            "365",
            "With the Vasicek model, the days from a line's opening its pd covers.",
        ),
        param(
            "consumer_credit[].default_model",
            Variant,
            "",
            "{ vasicek = { pd in (0, 1), rho in [0, 1) } }",
            "none (defaults driven by the economy factor)",
            "One-factor Vasicek defaults drawn once at opening against a factor common to the replication.",
        ),
        param(
            "consumer_credit[].fraud.share",
            Number,
            "share",
            share,
            REQUIRED,
            "Share of applications that are fraudulent: an undetected fraudster draws the whole line at once (CreditFraudDisbursement) and never repays.",
        ),
        param(
            "consumer_credit[].fraud.cost_per_check",
            Number,
            "yuan",
            money.clone(),
            "0.0",
            "Cost of anti-fraud screening per application (CreditScreeningCost).",
        ),
        param(
            "consumer_credit[].fraud.recovery",
            Number,
            "share",
            share,
            "0.0",
            "Share of a fraudulent exposure recovered after default.",
        ),
        param(
            "lenders[].consolidated",
            Boolean,
            "",
            "true or false (true needs `platform`)",
            "true for a platform's arm, false for a bank",
            "Group accounts: the arm lends from its platform's cash and its interest, funding cost, losses and recoveries flow through that cash, so its profit reaches the platform's runway and exit; `capital` is then a limit on principal outstanding. false keeps the arm's own account funded with `capital`.",
        ),
        param(
            "lenders[].delist_penalty",
            Variant,
            "",
            "{ yuan = amount } or { share = 0 to 10 } of principal outstanding",
            "none (cannot delist)",
            "For sales-share loans: a borrower cannot delist from the lender's platform while its loan is on the books, unless it pays this penalty to the lender.",
        ),
        param(
            "economy.seasonality",
            Number,
            "share",
            "0 to 0.99",
            "0.0",
            "Amplitude of yearly seasonality in demand.",
        ),
        param(
            "economy.peak_day",
            Integer,
            "day of year",
            "0 to 365",
            "0",
            "Day of the year demand peaks.",
        ),
        param(
            "economy.factor_persistence",
            Number,
            "",
            "0 to 0.9999",
            "0.0",
            "Daily persistence of the common demand factor (AR(1) on log demand).",
        ),
        param(
            "economy.factor_volatility",
            Number,
            "per day",
            "0 to 1",
            "0.0",
            "Daily standard deviation of the common demand factor's shocks.",
        ),
        param(
            "economy.shocks[].from_day",
            Integer,
            "day",
            "within the horizon",
            REQUIRED,
            "First day of a demand shock.",
        ),
        param(
            "economy.shocks[].to_day",
            Integer,
            "day",
            "from_day + 1 to horizon_days",
            REQUIRED,
            "Day the demand shock ends (exclusive).",
        ),
        param(
            "economy.shocks[].demand",
            Number,
            "multiplier",
            "0 to 10",
            REQUIRED,
            "Demand multiplier during the shock (0.7 = a 30% fall).",
        ),
        param(
            "regulation.max_coupon",
            Number,
            "yuan per order",
            money.clone(),
            "none",
            "Largest consumer subsidy per order or payment: caps coupons, first-order bonuses and red packets.",
        ),
        param(
            "regulation.max_merchant_subsidy",
            Number,
            "yuan per order",
            money.clone(),
            "none",
            "Largest merchant subsidy per order or payment: caps merchant subsidies and wallet bounties.",
        ),
        param(
            "regulation.max_interest_rate",
            Number,
            "per year",
            "0 to 10",
            "none",
            "Largest annual interest rate on loans.",
        ),
        param(
            "balances.income",
            Number,
            "yuan per day",
            format!("{money}; needs a platforms[].payments.fund"),
            "0.0 in a given table",
            "What a consumer holding a wallet balance adds to it each day (the part of income kept in the wallet).",
        ),
        param(
            "balances.target",
            Number,
            "yuan",
            money.clone(),
            "none",
            "Balance at which daily income stops being added; none: no limit.",
        ),
        param(
            "balances.opening",
            Number,
            "yuan",
            money.clone(),
            "0.0 in a given table",
            "Deposit a consumer makes when it starts holding a balance in a fund.",
        ),
        param(
            "balances.deposit_rate",
            Number,
            "per year",
            share,
            "0.0 in a given table",
            "Annual rate of a bank deposit, the alternative to a wallet's fund.",
        ),
        param(
            "balances.yield_weight",
            Number,
            "utility per percentage point",
            format!("0 to {MAX_UTILITY}"),
            "1.0 in a given table",
            "Utility of holding in a fund per percentage point of its net yield above deposit_rate (logit against the bank at 0).",
        ),
        param(
            "balances.hold_utility",
            Number,
            "utility",
            utility.clone(),
            "0.0 in a given table",
            "Utility of holding a balance in any wallet's fund rather than the bank (convenience of a balance that pays).",
        ),
        param(
            "balances.review",
            Number,
            "per day",
            share,
            "0.0 in a given table",
            "Daily probability that a consumer reconsiders where it holds (it always chooses once, and again when it loses the wallet).",
        ),
        param(
            "balances.pay_utility",
            Number,
            "utility",
            utility.clone(),
            "0.0 in a given table",
            "Utility added to paying with the wallet that holds the consumer's balance while the balance is positive.",
        ),
    ]
}

/// Converts a concrete key path (`platforms[1].subsidy[0].per_order`) to
/// its pattern (`platforms[].subsidy[].per_order`).
pub fn pattern_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// The kind of the documented key `pattern`, if it is documented.
pub fn kind_of(pattern: &str) -> Option<Kind> {
    params().iter().find(|p| p.key == pattern).map(|p| p.kind)
}

/// Whether the key at pattern `pattern` holds one value written as a
/// table (a distribution, the sweep table), which a variant replaces whole.
pub fn replaced_whole(pattern: &str) -> bool {
    matches!(
        kind_of(pattern),
        Some(Kind::Distribution | Kind::Table | Kind::Variant)
    )
}

const DISTRIBUTIONS: &str = "\
A key of type \"number or distribution\" takes a plain number (every agent gets it) \
or a one-key table naming a distribution:

- `{ gamma = { shape = K, mean = M } }` (shape > 0, mean > 0)
- `{ lognormal = { mean = M, sd = S } }` (of the value itself; mean > 0, sd ≥ 0)
- `{ uniform = { min = A, max = B } }` (A ≤ B)
- `{ exponential = { mean = M } }` (mean > 0)
- `{ normal = { mean = M, sd = S } }` (only where negative values are allowed)
- `{ beta = { alpha = A, beta = B } }` (shares; α, β > 0)

Every draw must lie in the key's range: a distribution that can leave it is refused.";

fn section_of(key: &str) -> &str {
    match key.find(['.', '[']) {
        Some(i) => &key[..i],
        None => "",
    }
}

fn default_text(p: &Param) -> String {
    if p.default == REQUIRED {
        p.default.to_string()
    } else {
        format!("default {}", p.default)
    }
}

/// The reference as plain text for a terminal, grouped by table.
pub fn text() -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Scenario keys ([] is any array index; set any of them with --set KEY.PATH=VALUE)"
    );
    let mut section = None;
    for p in params() {
        let here = section_of(p.key);
        if section != Some(here) {
            section = Some(here);
            let title = if here.is_empty() { "top level" } else { here };
            let _ = writeln!(s, "\n[{title}]");
        }
        let unit = if p.unit.is_empty() {
            String::new()
        } else {
            format!(", {}", p.unit)
        };
        let _ = writeln!(
            s,
            "  {}  ({}{unit}; {}; {})\n      {}",
            p.key,
            p.kind,
            p.range,
            default_text(&p),
            p.doc
        );
    }
    let _ = writeln!(s, "\nDistributions\n");
    for line in DISTRIBUTIONS.lines() {
        let _ = writeln!(s, "  {line}");
    }
    s
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The reference as Markdown: the text of `docs/scenario-reference.md`.
pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str(
        "# Scenario reference\n\n\
         <!-- Generated by `flywheel params --markdown`; do not edit by hand. \
         Regenerate with: cargo run --release -- params --markdown > docs/scenario-reference.md -->\n\n\
         Every key a scenario file accepts. `[]` stands for any array index: \
         `platforms[].cash` is written as `cash` under a `[[platforms]]` header, \
         and set from the command line as `--set platforms[0].cash=5000000`. \
         Money is written in yuan and held exactly in fen.\n",
    );
    let mut section = None;
    for p in params() {
        let here = section_of(p.key);
        if section != Some(here) {
            section = Some(here);
            let title = match here {
                "" => "Top level".to_string(),
                "platforms" => "`[[platforms]]`".to_string(),
                other => format!("`[{other}]`"),
            };
            let _ = write!(
                s,
                "\n## {title}\n\n| key | type | unit | range | default | meaning |\n|---|---|---|---|---|---|\n"
            );
        }
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            p.key,
            p.kind,
            cell(p.unit),
            cell(&p.range),
            cell(p.default),
            cell(p.doc)
        );
    }
    let _ = write!(s, "\n## Distributions\n\n{DISTRIBUTIONS}\n");
    let _ = write!(
        s,
        "\n## Limits\n\nAt most {MAX_PLATFORMS} platforms. A run must also fit the memory \
         of the machine that runs it: `run`, `compare` and `sweep` estimate it before \
         simulating and refuse one that does not, naming the key that makes it large \
         (`validate` does not: whether a file is valid never depends on the machine).\n"
    );
    s
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::scenario::shape::sample;

    /// Keys read by the loader itself rather than the schema.
    const LOADER_KEYS: &[&str] = &["extends"];

    fn walk(value: &toml::Value, prefix: &str, out: &mut BTreeSet<String>) {
        if !prefix.is_empty() && replaced_whole(prefix) {
            out.insert(prefix.to_string());
            return;
        }
        match value {
            toml::Value::Table(t) if !t.is_empty() => {
                for (k, v) in t {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(v, &key, out);
                }
            }
            toml::Value::Array(a) if matches!(a.first(), Some(toml::Value::Table(_))) => {
                if let Some(first) = a.first() {
                    walk(first, &format!("{prefix}[]"), out);
                }
            }
            _ => {
                out.insert(prefix.to_string());
            }
        }
    }

    /// Every key pattern the schema accepts, from the sample scenario that
    /// has every optional part present.
    fn schema_keys() -> BTreeSet<String> {
        let value = match toml::Value::try_from(sample()) {
            Ok(v) => v,
            Err(e) => panic!("the sample scenario does not serialise: {e}"),
        };
        let mut keys = BTreeSet::new();
        walk(&value, "", &mut keys);
        keys.extend(LOADER_KEYS.iter().map(|k| k.to_string()));
        keys
    }

    #[test]
    fn every_accepted_key_is_documented_and_every_entry_is_accepted() {
        let accepted = schema_keys();
        let documented: BTreeSet<String> = params().iter().map(|p| p.key.to_string()).collect();
        let undocumented: Vec<_> = accepted.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&accepted).collect();
        assert!(
            undocumented.is_empty() && stale.is_empty(),
            "the parameter reference (params() in src/scenario/reference.rs) is out of step \
             with the schema (shape::sample()).\n\
             undocumented keys (add an entry each): {undocumented:?}\n\
             stale entries (no such key; remove or rename): {stale:?}\n\
             then regenerate docs/scenario-reference.md"
        );
        assert_eq!(
            documented.len(),
            params().len(),
            "a key is documented twice"
        );
    }

    #[test]
    fn every_entry_has_a_one_line_doc_and_a_range() {
        for p in params() {
            assert!(
                !p.doc.is_empty() && !p.doc.contains('\n'),
                "{}: doc must be one line",
                p.key
            );
            assert!(!p.range.is_empty(), "{}: no range", p.key);
            assert!(!p.default.is_empty(), "{}: no default", p.key);
        }
    }

    /// A scenario with only the required keys, one platform and one window.
    const MINIMAL: &str = r#"
        seed = 1
        horizon_days = 10
        [market]
        consumers = 1
        merchants = 1
        [consumers]
        purchase_rate = 1.0
        price_sensitivity = 0.1
        [merchants]
        price = 10.0
        [[platforms]]
        name = "P"
        cash = 1.0
        commission = 0.1
        [[platforms.subsidy]]
        from_day = 0
        to_day = 1
        per_order = 1.0
        [[platforms.funding]]
        amount = 1.0
        day = 0
        [[platforms.schedule]]
        from_day = 0
        to_day = 1
        set = { marketing_budget = 1.0 }
        [[platforms.rules]]
        when = ["day >= 0"]
        then = { consumer_fee = 1.0 }
        [[consumers.segments]]
        name = "all"
        share = 1.0
        [[merchants.categories]]
        name = "all"
        share = 1.0
        [[lenders]]
        name = "L"
        capital = 1.0
        [lenders.fraud]
        share = 0.0
        [[consumer_credit]]
        name = "C"
        platform = "P"
        capital = 1.0
        [consumer_credit.fraud]
        share = 0.0
        [[economy.shocks]]
        from_day = 0
        to_day = 1
        demand = 1.0
    "#;

    #[test]
    fn documented_defaults_are_the_loaders_defaults() {
        let s = match crate::scenario::parse_resolved(MINIMAL, "minimal.toml", "minimal", &[]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let resolved = match toml::Value::try_from(&s.raw) {
            Ok(toml::Value::Table(t)) => t,
            other => panic!("resolved scenario is not a table: {other:?}"),
        };
        let minimal: toml::Table = match MINIMAL.parse() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let mut checked = 0;
        for p in params() {
            let path = p.key.replace("[]", "[0]");
            let written = crate::scenario::get_path(&minimal, &path).is_some();
            if p.default == REQUIRED {
                assert!(
                    written,
                    "{}: documented as required but MINIMAL omits it",
                    p.key
                );
                continue;
            }
            let Ok(expected) = format!("v = {}", p.default).parse::<toml::Table>() else {
                continue; // a phrase such as "the file name"
            };
            assert!(!written, "{}: has a default but MINIMAL sets it", p.key);
            let got = crate::scenario::get_path(&resolved, &path);
            let as_f64 = |v: Option<&toml::Value>| match v {
                Some(toml::Value::Float(f)) => Some(*f),
                Some(toml::Value::Integer(i)) => Some(*i as f64),
                _ => None,
            };
            assert_eq!(
                as_f64(got),
                as_f64(expected.get("v")),
                "{}: documented default {} but the loader fills {got:?}",
                p.key,
                p.default
            );
            checked += 1;
        }
        assert!(checked >= 8, "only {checked} defaults checked");
    }

    #[test]
    fn patterns_drop_indices() {
        assert_eq!(
            pattern_of("platforms[1].subsidy[0].per_order"),
            "platforms[].subsidy[].per_order"
        );
        assert!(replaced_whole("consumers.purchase_rate"));
        assert!(!replaced_whole("market"));
    }
}
