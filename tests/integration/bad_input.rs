//! The bad-input catalogue: each malformed scenario is refused by both
//! `run` and `validate` with exit code 2, a message naming the file, the
//! key path and the rule, no panic, and no results directory (nor a
//! staging directory) left behind.
//!
//! Cases are edits of a valid file: `tiny.toml` (a two-platform market) and
//! `full.toml` (every table of the format once), each breaking one thing.

use std::fs;
use std::path::Path;

use crate::common::{TempDir, data, flywheel, text};

/// (case name, text replaced, replacement, substrings the message must hold)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// Cases on `tiny.toml`.
const TINY_CASES: &[Case] = &[
    (
        "product of an unknown kind",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"loan\"\ntake_up = 0.1",
        &["platforms[1].products[0].kind", "mutual_aid"],
    ),
    (
        "mutual aid without a payout",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\nincidence = 0.01\nwillingness = 5.0",
        &["platforms[1].products[0].payout", "above 0"],
    ),
    (
        "mutual aid without a willingness to pay",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nincidence = 0.01",
        &["platforms[1].products[0].willingness", "required"],
    ),
    (
        "insurance premium on a mutual-aid plan",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nwillingness = 5.0\npremium = 3.0",
        &["platforms[1].products[0].premium", "insurance"],
    ),
    (
        "insurance whose loss ratio implies a claim probability above 1",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Cover\"\nkind = \"insurance\"\npayout = 10.0\npremium = 20.0\nloss_ratio = 0.8\nwillingness = 30.0",
        &["platforms[1].products[0].loss_ratio", "at most 1"],
    ),
    (
        "fund product without a wallet fund",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Save\"\nkind = \"fund\"\ntake_up = 0.1",
        &["platforms[1].products[0].kind", "[platforms.payments.fund]"],
    ),
    (
        "negative take-up",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nwillingness = 5.0\ntake_up = -0.1",
        &["platforms[1].products[0].take_up", "between"],
    ),
    (
        "unknown product key",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nwillingness = 5.0\ntakeup = 0.1",
        &["platforms[1].products[0].takeup", "take_up"],
    ),
    (
        "stand-alone provider with app users",
        "name = \"Beta\"",
        "name = \"Beta\"\nstandalone = true",
        &["platforms[1].initial_users", "stand-alone"],
    ),
    (
        "product name used twice",
        "per_order = 6.0",
        "per_order = 6.0\n\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nwillingness = 5.0\n[[platforms.products]]\nname = \"Aid\"\nkind = \"mutual_aid\"\npayout = 1000.0\nwillingness = 5.0",
        &["platforms[1].products[1].name", "used twice"],
    ),
    (
        "balances without a wallet fund",
        "per_order = 6.0",
        "per_order = 6.0\n\n[balances]\nincome = 1.0",
        &["balances", "[platforms.payments.fund]"],
    ),
    (
        "syntax error",
        "horizon_days = 20",
        "horizon_days = ",
        &["horizon_days", "syntax", ":5:"],
    ),
    (
        "unclosed table header",
        "[market]",
        "[market",
        &["syntax", "market"],
    ),
    (
        "duplicate key",
        "seed = 7",
        "seed = 7\nseed = 8",
        &["syntax", "seed"],
    ),
    (
        "unknown top-level key",
        "seed = 7",
        "seed = 7\nhorizon = 3",
        &["horizon", "unknown key", "horizon_days"],
    ),
    (
        "unknown market key",
        "merchants = 20",
        "merchants = 20\nmerchant = 3",
        &["market.merchant", "unknown key"],
    ),
    (
        "unknown platform key",
        "commission = 0.1\n",
        "commission = 0.1\ncomission = 0.2\n",
        &["platforms[1].comission", "did you mean `commission`"],
    ),
    (
        "unknown subsidy key",
        "per_order = 6.0",
        "per_order = 6.0\nper_user = 1.0",
        &["platforms[1].subsidy[0].per_user", "unknown key"],
    ),
    (
        "unknown distribution",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ gamam = { shape = 2.0, mean = 0.5 } }",
        &["consumers.purchase_rate", "gamam"],
    ),
    (
        "unknown distribution field",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ gamma = { shape = 2.0, mu = 0.5 } }",
        &["consumers.purchase_rate", "mu"],
    ),
    (
        "wrong type: string for number",
        "consumers = 500",
        "consumers = \"many\"",
        &["market.consumers", "invalid type"],
    ),
    (
        "wrong type: float for count",
        "consumers = 500",
        "consumers = 500.5",
        &["market.consumers", "invalid type"],
    ),
    (
        "wrong type: table for number",
        "cash = 20000.0",
        "cash = { yuan = 1 }",
        &["platforms[0].cash", "invalid type"],
    ),
    (
        "wrong type: platforms not an array",
        "[[platforms]]\nname = \"Alpha\"",
        "[platforms_x]\nname = \"Alpha\"",
        &["unknown key"],
    ),
    (
        "missing required key",
        "seed = 7\n",
        "",
        &["seed", "required key is missing"],
    ),
    (
        "missing platform name",
        "name = \"Alpha\"\n",
        "",
        &["platforms[0].name", "required key is missing"],
    ),
    (
        "out of range: commission above one",
        "commission = 0.15",
        "commission = 1.5",
        &["platforms[0].commission", "between 0 and 1", ":25:"],
    ),
    (
        "out of range: negative cash",
        "cash = 20000.0",
        "cash = -5.0",
        &["platforms[0].cash", "between 0"],
    ),
    (
        "out of range: negative coupon",
        "per_order = 6.0",
        "per_order = -6.0",
        &["platforms[1].subsidy[0].per_order", "between 0"],
    ),
    (
        "out of range: reach above one",
        "merchant_reach = 0.9",
        "merchant_reach = 1.1",
        &["platforms[0].merchant_reach"],
    ),
    (
        "out of range: zero consumers",
        "consumers = 500",
        "consumers = 0",
        &["market.consumers", "between 1"],
    ),
    (
        "out of range: negative merchants",
        "merchants = 20",
        "merchants = -3",
        &["market.merchants", "between 1"],
    ),
    (
        "out of range: zero replications",
        "replications = 3",
        "replications = 0",
        &["replications", "between 1"],
    ),
    (
        "horizon zero",
        "horizon_days = 20",
        "horizon_days = 0",
        &["horizon_days", "between 1"],
    ),
    (
        "horizon negative",
        "horizon_days = 20",
        "horizon_days = -20",
        &["horizon_days", "between 1"],
    ),
    (
        "horizon too long",
        "horizon_days = 20",
        "horizon_days = 100000",
        &["horizon_days", "between 1"],
    ),
    (
        "not a number",
        "brand_utility = 1.0",
        "brand_utility = nan",
        &["platforms[0].brand_utility", "finite"],
    ),
    (
        "infinite cash",
        "cash = 20000.0",
        "cash = inf",
        &["platforms[0].cash"],
    ),
    (
        "gamma with zero shape",
        "shape = 2.0",
        "shape = 0.0",
        &["consumers.purchase_rate", "shape"],
    ),
    (
        "normal for a rate",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ normal = { mean = 0.5, sd = 1.0 } }",
        &["consumers.purchase_rate", "normal"],
    ),
    (
        "share outside unit interval",
        "{ uniform = { min = 0.5, max = 0.7 } }",
        "{ uniform = { min = 0.5, max = 1.7 } }",
        &["merchants.unit_cost_share", "within [0, 1]"],
    ),
    (
        "subsidy beyond the horizon",
        "to_day = 15",
        "to_day = 25",
        &["platforms[1].subsidy[0].to_day", "horizon_days"],
    ),
    (
        "subsidy ends before it starts",
        "from_day = 0\nto_day = 15",
        "from_day = 10\nto_day = 5",
        &["platforms[1].subsidy[0].to_day", "after from_day"],
    ),
    (
        "overlapping subsidies",
        "per_order = 6.0",
        "per_order = 6.0\n[[platforms.subsidy]]\nfrom_day = 10\nto_day = 18\nper_order = 2.0",
        &["platforms[1].subsidy[1].from_day", "overlaps"],
    ),
    (
        "duplicate platform names",
        "name = \"Beta\"",
        "name = \"Alpha\"",
        &["platforms[1].name", "used twice"],
    ),
    (
        "reserved platform name",
        "name = \"Beta\"",
        "name = \"direct\"",
        &["platforms[1].name", "reserved"],
    ),
    (
        "bad scenario name",
        "name = \"tiny\"",
        "name = \"../escape\"",
        &["name", "output directory"],
    ),
];

/// Cases on `full.toml`, by category.
const FULL_CASES: &[Case] = &[
    // Syntax.
    (
        "unterminated string",
        "name = \"food\"",
        "name = \"food",
        &["syntax", "merchants.categories.name", ":75:"],
    ),
    (
        "table defined twice",
        "[merchants.credit]",
        "[merchants.membership]",
        &["syntax", "merchants.membership"],
    ),
    // Unknown keys, one per table of the format.
    (
        "unknown key: top level",
        "description = \"every table once\"",
        "description = \"every table once\"\nseeds = 3",
        &["seeds", "unknown key"],
    ),
    (
        "unknown key: market",
        "customer_data = \"platform\"",
        "customer_data = \"platform\"\ndistrict = 2",
        &["market.district", "did you mean `districts`"],
    ),
    (
        "unknown key: choice",
        "wallet_convenience = 0.1",
        "wallet_convenience = 0.1\nvarity = 0.1",
        &["choice.varity", "did you mean `variety`"],
    ),
    (
        "unknown key: consumers",
        "dormancy_days = 25",
        "dormancy_days = 25\ndormancy = 3",
        &["consumers.dormancy", "unknown key"],
    ),
    (
        "unknown key: consumers.loyalty",
        "half_life_days = 20.0",
        "half_life_days = 20.0\nhalf_life = 3.0",
        &["consumers.loyalty.half_life", "unknown key"],
    ),
    (
        "unknown key: consumers.segments[]",
        "name = \"thrifty\"",
        "name = \"thrifty\"\nshares = 0.4",
        &["consumers.segments[0].shares", "did you mean `share`"],
    ),
    (
        "unknown key: churn model field",
        "{ geometric = { p = 0.05, period_days = 30.0 } }",
        "{ geometric = { p = 0.05, period = 30.0 } }",
        &["consumers.churn", "period"],
    ),
    (
        "unknown key: merchants",
        "listing_cost = 2.0",
        "listing_cost = 2.0\nlisting_fee = 1.0",
        &["merchants.listing_fee", "unknown key"],
    ),
    (
        "unknown key: merchants.membership",
        "join_probability = 0.1",
        "join_probability = 0.1\njoin_rate = 0.1",
        &["merchants.membership.join_rate", "unknown key"],
    ),
    (
        "unknown key: merchants.credit",
        "lender_choice = \"first\"",
        "lender_choice = \"first\"\nlender = \"Bank\"",
        &["merchants.credit.lender", "unknown key"],
    ),
    (
        "unknown key: merchants.categories[]",
        "name = \"repairs\"",
        "name = \"repairs\"\nmargin = 0.2",
        &["merchants.categories[1].margin", "unknown key"],
    ),
    (
        "unknown key: platforms[]",
        "initial_users = 0.5",
        "initial_users = 0.5\ninitial_user = 0.5",
        &["platforms[0].initial_user", "did you mean `initial_users`"],
    ),
    (
        "unknown key: platforms[].payments",
        "float_rate = 0.02",
        "float_rate = 0.02\nfloat = 0.01",
        &["platforms[0].payments.float", "unknown key"],
    ),
    (
        "unknown key: platforms[].schedule[]",
        "set = { marketing_budget = 800.0 }",
        "set = { marketing_budget = 800.0 }\nuntil_day = 30",
        &["platforms[0].schedule[0].until_day", "unknown key"],
    ),
    (
        "unknown key: platforms[].rules[]",
        "then = { coupon = { scale = 0.5 } }",
        "then = { coupon = { scale = 0.5 } }\nelse = { coupon = 1.0 }",
        &["platforms[0].rules[0].else", "unknown key"],
    ),
    (
        "unknown key: platforms[].funding[]",
        "day = 15",
        "day = 15\nround = \"A\"",
        &["platforms[0].funding[0].round", "unknown key"],
    ),
    (
        "unknown key: lenders[]",
        "expected_pd = 0.03",
        "expected_pd = 0.03\nexpected_lgd = 0.5",
        &["lenders[0].expected_lgd", "unknown key"],
    ),
    (
        "unknown kind of credit data",
        "expected_pd = 0.03",
        "expected_pd = 0.03\ndata = [\"transactions\", \"gossip\"]",
        &["lenders[0].data", "gossip"],
    ),
    (
        "platform data for a bank",
        "name = \"Bank\"",
        "name = \"Bank\"\ndata = [\"behaviour\"]",
        &["lenders[1].data", "platform"],
    ),
    (
        "fraud share above 1",
        "expected_pd = 0.03",
        "expected_pd = 0.03\nfraud = { share = 1.5 }",
        &["lenders[0].fraud.share", "between 0 and 1"],
    ),
    (
        "consumer credit on an unknown platform",
        "[economy]",
        "[[consumer_credit]]\nname = \"C\"\nplatform = \"Gamma\"\ncapital = 1000.0\n\n[economy]",
        &["consumer_credit[0].platform", "Gamma"],
    ),
    (
        "interest-free period as long as the statement",
        "[economy]",
        "[[consumer_credit]]\nname = \"C\"\nplatform = \"Alpha\"\ncapital = 1000.0\ninterest_free_days = 30\n\n[economy]",
        &["consumer_credit[0].interest_free_days", "statement_days"],
    ),
    (
        "unknown key: consumer_credit[]",
        "[economy]",
        "[[consumer_credit]]\nname = \"C\"\nplatform = \"Alpha\"\ncapital = 1000.0\nlimit_yuan = 5.0\n\n[economy]",
        &["consumer_credit[0].limit_yuan", "unknown key"],
    ),
    (
        "unknown key: lenders[].score",
        "cash_flow = 0.5",
        "cash_flow = 0.5\nincome = 1.0",
        &["lenders[0].score.income", "unknown key"],
    ),
    (
        "unknown key: lenders[].limit",
        "sales_multiple = 1.0",
        "sales_multiple = 1.0\nmultiple = 2.0",
        &["lenders[0].limit.multiple", "unknown key"],
    ),
    (
        "unknown key: lenders[].rate",
        "rate = { flat = 0.12 }",
        "rate = { fixed = 0.12 }",
        &["lenders[1].rate", "fixed"],
    ),
    (
        "unknown key: lenders[].repayment",
        "repayment = { instalments = 30 }",
        "repayment = { installments = 30 }",
        &["lenders[1].repayment", "installments"],
    ),
    (
        "unknown key: lenders[].default_model",
        "{ pd = 0.05, rho = 0.2 }",
        "{ pd = 0.05, correlation = 0.2 }",
        &["lenders[1].default_model", "correlation"],
    ),
    (
        "a bank cannot be consolidated",
        "default_model = { vasicek = { pd = 0.05, rho = 0.2 } }",
        "default_model = { vasicek = { pd = 0.05, rho = 0.2 } }\nconsolidated = true",
        &["lenders[1].consolidated", "platform"],
    ),
    (
        "a delisting penalty needs repayment from sales",
        "default_model = { vasicek = { pd = 0.05, rho = 0.2 } }",
        "default_model = { vasicek = { pd = 0.05, rho = 0.2 } }\ndelist_penalty = { yuan = 100.0 }",
        &["lenders[1].delist_penalty", "sales_share"],
    ),
    (
        "negative delisting penalty",
        "expected_pd = 0.03",
        "expected_pd = 0.03\ndelist_penalty = { share = -1.0 }",
        &["lenders[0].delist_penalty.share"],
    ),
    (
        "unknown delisting penalty form",
        "expected_pd = 0.03",
        "expected_pd = 0.03\ndelist_penalty = { percent = 5.0 }",
        &["lenders[0].delist_penalty", "percent"],
    ),
    (
        "unknown key: economy",
        "factor_volatility = 0.02",
        "factor_volatility = 0.02\nvolatility = 0.1",
        &["economy.volatility", "unknown key"],
    ),
    (
        "unknown key: economy.shocks[]",
        "demand = 0.7",
        "demand = 0.7\nsupply = 0.9",
        &["economy.shocks[0].supply", "unknown key"],
    ),
    (
        "unknown key: regulation",
        "max_interest_rate = 0.36",
        "max_interest_rate = 0.36\nmax_fee = 1.0",
        &["regulation.max_fee", "unknown key"],
    ),
    // Wrong types.
    (
        "wrong type: string for seed",
        "seed = 11",
        "seed = \"eleven\"",
        &["seed", "invalid type"],
    ),
    (
        "wrong type: negative seed",
        "seed = 11",
        "seed = -1",
        &["seed", "invalid value"],
    ),
    (
        "wrong type: string for a flag",
        "wallet = true",
        "wallet = \"yes\"",
        &["platforms[0].payments.wallet", "invalid type"],
    ),
    (
        "wrong type: string for a list of conditions",
        "when = [\"share >= 0.6\"]",
        "when = \"share >= 0.6\"",
        &["platforms[0].rules[0].when", "invalid type"],
    ),
    (
        "wrong type: number for a lever table",
        "set = { marketing_budget = 800.0 }",
        "set = 800.0",
        &["platforms[0].schedule[0].set", "invalid type"],
    ),
    (
        "wrong type: number for a name",
        "customer_data = \"platform\"",
        "customer_data = 1",
        &["market.customer_data", "invalid type"],
    ),
    (
        "wrong type: array for a lever value",
        "then = { coupon = { scale = 0.5 } }",
        "then = { coupon = [1, 2] }",
        &["platforms[0].rules[0].then.coupon", "array"],
    ),
    // Not a number, infinities.
    (
        "nan: economy volatility",
        "factor_volatility = 0.02",
        "factor_volatility = nan",
        &["economy.factor_volatility", "finite"],
    ),
    (
        "inf: loss given default",
        "lgd = 0.6",
        "lgd = inf",
        &["lenders[0].lgd", "between 0 and 1"],
    ),
    (
        "nan: distribution parameter",
        "{ uniform = { min = 50.0, max = 90.0 } }",
        "{ uniform = { min = nan, max = 90.0 } }",
        &["merchants.categories[1].price", "finite"],
    ),
    (
        "-inf: shock demand",
        "demand = 0.7",
        "demand = -inf",
        &["economy.shocks[0].demand", "finite"],
    ),
    (
        "nan: Vasicek pd",
        "{ pd = 0.05, rho = 0.2 }",
        "{ pd = nan, rho = 0.2 }",
        &["lenders[1].default_model.vasicek.pd", "between 0 and 1"],
    ),
    (
        "inf: coupon cap",
        "max_coupon = 10.0",
        "max_coupon = inf",
        &["regulation.max_coupon", "between 0"],
    ),
    (
        "nan: scheduled lever",
        "set = { marketing_budget = 800.0 }",
        "set = { marketing_budget = nan }",
        &["platforms[0].schedule[0].set.marketing_budget", "finite"],
    ),
    (
        "inf: condition threshold",
        "when = [\"runway_months < 2\"]",
        "when = [\"runway_months < inf\"]",
        &["platforms[1].funding[0].when[0]", "finite"],
    ),
    // Zero and negative sizes.
    (
        "zero districts",
        "districts = 2",
        "districts = 0",
        &["market.districts", "between 1"],
    ),
    (
        "fewer merchants than districts",
        "merchants = 24",
        "merchants = 1",
        &["market.districts", "at least as many merchants"],
    ),
    (
        "zero review period",
        "review_days = 10",
        "review_days = 0",
        &["merchants.review_days", "between 1"],
    ),
    (
        "negative settlement delay",
        "settlement_days = 2",
        "settlement_days = -2",
        &["platforms[0].payments.settlement_days", "between 0"],
    ),
    (
        "negative workout",
        "workout_days = 20",
        "workout_days = -1",
        &["lenders[0].workout_days", "between 0"],
    ),
    (
        "zero service rate",
        "service_rate = 6.0",
        "service_rate = 0.0",
        &["merchants.service_rate", "positive"],
    ),
    (
        "zero churn period",
        "p = 0.05, period_days = 30.0",
        "p = 0.05, period_days = 0.0",
        &["consumers.churn.geometric.period_days", "between"],
    ),
    (
        "zero loyalty half-life",
        "half_life_days = 20.0",
        "half_life_days = 0.0",
        &["consumers.loyalty.half_life_days", "between"],
    ),
    (
        "negative dormancy",
        "dormancy_days = 25",
        "dormancy_days = -25",
        &["consumers.dormancy_days", "between 0"],
    ),
    (
        "zero acquisition cost",
        "cpa = 20.0",
        "cpa = 0.0",
        &["platforms[0].cpa", "between"],
    ),
    (
        "zero instalment period",
        "repayment = { instalments = 30 }",
        "repayment = { instalments = 0 }",
        &["lenders[1].repayment.instalments", "between 1"],
    ),
    (
        "instalment period longer than the term",
        "repayment = { instalments = 30 }",
        "repayment = { instalments = 90 }",
        &["lenders[1].repayment.instalments", "term_days"],
    ),
    (
        "negative lender capital",
        "capital = 500000.0\nrate = { flat",
        "capital = -1.0\nrate = { flat",
        &["lenders[1].capital", "between 0"],
    ),
    (
        "negative funding round",
        "amount = 50000.0",
        "amount = -50000.0",
        &["platforms[0].funding[0].amount", "between 0"],
    ),
    // Probabilities and shares outside [0, 1].
    (
        "probability above one: cross-district share",
        "cross_district_share = 0.1",
        "cross_district_share = 1.1",
        &["market.cross_district_share", "between 0 and 1"],
    ),
    (
        "probability below zero: repeat merchant",
        "repeat_merchant = 0.3",
        "repeat_merchant = -0.3",
        &["market.repeat_merchant", "between 0 and 1"],
    ),
    (
        "probability above one: switch probability",
        "switch_probability = 0.2",
        "switch_probability = 2.0",
        &["merchants.switch_probability", "between 0 and 1"],
    ),
    (
        "probability above one: membership share",
        "share = 0.3\ndiscount",
        "share = 1.3\ndiscount",
        &["merchants.membership.share", "between 0 and 1"],
    ),
    (
        "probability below zero: join probability",
        "join_probability = 0.1",
        "join_probability = -0.1",
        &["merchants.membership.join_probability", "between 0 and 1"],
    ),
    (
        "probability above one: growth probability",
        "growth_probability = 0.05",
        "growth_probability = 5.0",
        &["merchants.credit.growth_probability", "between 0 and 1"],
    ),
    (
        "probability above one: payment fee",
        "fee_rate = 0.006",
        "fee_rate = 1.006",
        &["platforms[0].payments.fee_rate", "between 0 and 1"],
    ),
    (
        "probability above one: churn",
        "p = 0.05, period_days",
        "p = 1.05, period_days",
        &["consumers.churn.geometric.p", "between 0 and 1"],
    ),
    (
        "probability above one: expected pd",
        "expected_pd = 0.03",
        "expected_pd = 1.03",
        &["lenders[0].expected_pd", "between 0 and 1"],
    ),
    (
        "share above one: repayment from sales",
        "repayment = { sales_share = 0.1 }",
        "repayment = { sales_share = 1.5 }",
        &["lenders[0].repayment.sales_share", "between 0 and 1"],
    ),
    (
        "segment shares do not sum to one",
        "share = 0.6\nchurn",
        "share = 0.7\nchurn",
        &["consumers.segments", "sum to 1"],
    ),
    (
        "category shares do not sum to one",
        "share = 0.3\nprice",
        "share = 0.5\nprice",
        &["merchants.categories", "sum to 1"],
    ),
    (
        "rule sets commission above one",
        "then = { coupon = { scale = 0.5 } }",
        "then = { commission = 1.5 }",
        &["platforms[0].rules[0].then.commission", "between 0 and 1"],
    ),
    (
        "seasonality of 100%",
        "seasonality = 0.1",
        "seasonality = 1.0",
        &["economy.seasonality", "between 0 and 0.99"],
    ),
    // Days beyond the horizon.
    (
        "funding day at the horizon",
        "day = 15",
        "day = 40",
        &["platforms[0].funding[0].day", "within the horizon"],
    ),
    (
        "schedule beyond the horizon",
        "to_day = 30\nset",
        "to_day = 45\nset",
        &["platforms[0].schedule[0].to_day", "horizon_days (40)"],
    ),
    (
        "shock starts beyond the horizon",
        "from_day = 20\nto_day = 25",
        "from_day = 50\nto_day = 55",
        &["economy.shocks[0].from_day", "within the horizon"],
    ),
    (
        "shock ends when it starts",
        "from_day = 20\nto_day = 25",
        "from_day = 20\nto_day = 20",
        &["economy.shocks[0].to_day", "after from_day"],
    ),
    (
        "schedule starts before day 0",
        "from_day = 10\nto_day = 30",
        "from_day = -10\nto_day = 30",
        &["platforms[0].schedule[0].from_day", "within the horizon"],
    ),
    (
        "peak day past the year",
        "peak_day = 30",
        "peak_day = 400",
        &["economy.peak_day", "between 0 and 365"],
    ),
    // Overlapping schedules.
    (
        "schedule overlaps a coupon window",
        "set = { marketing_budget = 800.0 }",
        "set = { coupon = 2.0 }",
        &[
            "platforms[0].schedule[0].from_day",
            "overlaps platforms[0].subsidy[0]",
        ],
    ),
    (
        "two schedules set the same lever",
        "set = { marketing_budget = 800.0 }",
        "set = { marketing_budget = 800.0 }\n[[platforms.schedule]]\nfrom_day = 25\nto_day = 35\nset = { marketing_budget = 100.0 }",
        &[
            "platforms[0].schedule[1].from_day",
            "overlaps platforms[0].schedule[0]",
        ],
    ),
    // Rules and conditions.
    (
        "rule names an unknown metric",
        "when = [\"share >= 0.6\"]",
        "when = [\"market_share >= 0.6\"]",
        &[
            "platforms[0].rules[0].when[0]",
            "unknown metric `market_share`",
        ],
    ),
    (
        "rule compares with an unknown metric",
        "when = [\"share >= 0.6\"]",
        "when = [\"share >= rival\"]",
        &[
            "platforms[0].rules[0].when[0]",
            "neither a number nor a metric",
        ],
    ),
    (
        "condition without an operator",
        "when = [\"share >= 0.6\"]",
        "when = [\"share 0.6\"]",
        &["platforms[0].rules[0].when[0]", "metric op value"],
    ),
    (
        "rule without conditions",
        "when = [\"share >= 0.6\"]",
        "when = []",
        &["platforms[0].rules[0].when", "at least one condition"],
    ),
    (
        "rule sets an unknown lever",
        "then = { coupon = { scale = 0.5 } }",
        "then = { discount = 1.0 }",
        &["platforms[0].rules[0].then.discount", "unknown lever"],
    ),
    (
        "acquisition of an unknown platform",
        "target = \"Beta\"",
        "target = \"Gamma\"",
        &[
            "platforms[0].rules[1].then.acquire.target",
            "unknown platform `Gamma`",
        ],
    ),
    (
        "platform acquires itself",
        "target = \"Beta\"",
        "target = \"Alpha\"",
        &[
            "platforms[0].rules[1].then.acquire.target",
            "cannot acquire itself",
        ],
    ),
    (
        "negative acquisition price",
        "price = { cash_multiple = 1.0, premium = 5000.0 }",
        "price = -5000.0",
        &["platforms[0].rules[1].then.acquire.price", "between 0"],
    ),
    (
        "negative acquisition premium",
        "premium = 5000.0",
        "premium = -1.0",
        &[
            "platforms[0].rules[1].then.acquire.price.premium",
            "between 0",
        ],
    ),
    (
        "acquisition without a price",
        ", price = { cash_multiple = 1.0, premium = 5000.0 }",
        "",
        &["platforms[0].rules[1].then.acquire.price", "missing"],
    ),
    (
        "unknown key in an acquisition",
        "target = \"Beta\",",
        "target = \"Beta\", at_price = 3.0,",
        &["platforms[0].rules[1].then.acquire.at_price", "unknown key"],
    ),
    (
        "acquisition names no platform",
        "acquire = { target = \"Beta\"",
        "acquire = { target = 2",
        &[
            "platforms[0].rules[1].then.acquire.target",
            "platform's name",
        ],
    ),
    (
        "rule watches an unknown rival metric",
        "\"rival_runway_months < 1\"",
        "\"rival_runway < 1\"",
        &[
            "platforms[0].rules[1].when[0]",
            "unknown metric `rival_runway`",
        ],
    ),
    (
        "schedule sets an unknown lever",
        "set = { marketing_budget = 800.0 }",
        "set = { budget = 800.0 }",
        &["platforms[0].schedule[0].set.budget", "unknown lever"],
    ),
    (
        "schedule sets nothing",
        "set = { marketing_budget = 800.0 }",
        "set = {}",
        &["platforms[0].schedule[0].set", "at least one lever"],
    ),
    (
        "funding condition names an unknown metric",
        "when = [\"runway_months < 2\"]",
        "when = [\"runway < 2\"]",
        &["platforms[1].funding[0].when[0]", "unknown metric `runway`"],
    ),
    (
        "funding round with neither day nor conditions",
        "amount = 50000.0\nday = 15",
        "amount = 50000.0",
        &["platforms[0].funding[0]", "needs a `day` or `when`"],
    ),
    (
        "funding round with both day and conditions",
        "amount = 20000.0\nwhen",
        "amount = 20000.0\nday = 3\nwhen",
        &["platforms[1].funding[0]", "not both"],
    ),
    // Names and cross-references.
    (
        "bank with transaction data",
        "name = \"Bank\"",
        "name = \"Bank\"\ndata = \"transactions\"",
        &["lenders[1].data", "needs a `platform`"],
    ),
    (
        "unknown data access",
        "name = \"Bank\"",
        "name = \"Bank\"\ndata = \"magic\"",
        &["lenders[1].data", "\"self_reported\""],
    ),
    (
        "lender named twice",
        "name = \"Bank\"",
        "name = \"AlphaCredit\"",
        &["lenders[1].name", "used once"],
    ),
    (
        "unknown lender choice",
        "lender_choice = \"first\"",
        "lender_choice = \"cheapest\"",
        &["merchants.credit.lender_choice", "\"random\""],
    ),
    (
        "unknown word-of-mouth base",
        "word_of_mouth_base = \"active\"",
        "word_of_mouth_base = \"everyone\"",
        &["platforms[0].word_of_mouth_base", "\"adopters\""],
    ),
    (
        "adoption period of zero days",
        "adoption_period_days = 1",
        "adoption_period_days = 0",
        &["platforms[0].adoption_period_days", "between 1"],
    ),
    (
        "innovation above ten",
        "innovation = 0.01",
        "innovation = 11.0",
        &["platforms[0].innovation", "between 0 and 10"],
    ),
    (
        "unknown customer data owner",
        "customer_data = \"platform\"",
        "customer_data = \"nobody\"",
        &["market.customer_data", "\"merchant\""],
    ),
    (
        "adoption hazard above one",
        "base = 0.01",
        "base = 1.5",
        &[
            "platforms[0].payments.adoption.base",
            "share between 0 and 1",
        ],
    ),
    (
        "unknown data owner of a platform",
        "customer_data = \"shared\"",
        "customer_data = \"everyone\"",
        &["platforms[0].customer_data", "\"shared\""],
    ),
    (
        "customer data owner of a platform that is not text",
        "customer_data = \"shared\"",
        "customer_data = true",
        &["platforms[0].customer_data", "invalid type"],
    ),
    (
        "negative exclusivity payment",
        "exclusivity = 1.5",
        "exclusivity = -2.0",
        &["platforms[0].exclusivity", "amount in yuan"],
    ),
    (
        "exclusivity lever set below zero",
        "set = { marketing_budget = 800.0 }",
        "set = { marketing_budget = 800.0, exclusivity = -1.0 }",
        &["platforms[0].schedule[0].set.exclusivity", "≥ 0"],
    ),
    (
        "negative data sharing value",
        "data_sharing_value = 3.0",
        "data_sharing_value = -3.0",
        &["merchants.data_sharing_value", "amount in yuan"],
    ),
    (
        "negative merchant bounty",
        "merchant_bounty = 0.2",
        "merchant_bounty = -1.0",
        &["platforms[0].merchant_bounty", "amount in yuan"],
    ),
    (
        "wallet logit scale of zero",
        "wallet_scale = 0.5",
        "wallet_scale = 0.0",
        &["choice.wallet_scale", "0.01"],
    ),
    (
        "fund yield above one",
        "gross_yield = 0.045",
        "gross_yield = 4.5",
        &["platforms[0].payments.fund.gross_yield", "between 0 and 1"],
    ),
    (
        "fund spread above its yield",
        "spread = 0.01",
        "spread = 0.05",
        &["platforms[0].payments.fund.spread", "gross_yield"],
    ),
    (
        "negative merchant fund buffer",
        "buffer = 800.0",
        "buffer = -5.0",
        &[
            "platforms[0].payments.merchant_fund.buffer",
            "amount in yuan",
        ],
    ),
    (
        "misspelt merchant fund key",
        "spread = 0.005",
        "spred = 0.005",
        &[
            "platforms[0].payments.merchant_fund.spred",
            "did you mean `spread`",
        ],
    ),
    (
        "negative balance income",
        "income = 15.0",
        "income = -1.0",
        &["balances.income", "amount in yuan"],
    ),
    (
        "deposit rate above one",
        "deposit_rate = 0.0035",
        "deposit_rate = 3.5",
        &["balances.deposit_rate", "between 0 and 1"],
    ),
    (
        "balance review above one",
        "review = 0.02",
        "review = 2.0",
        &["balances.review", "share between 0 and 1"],
    ),
    (
        "negative balance target",
        "target = 3000.0",
        "target = -3.0",
        &["balances.target", "amount in yuan"],
    ),
    (
        "misspelt balances key",
        "pay_utility = 0.4",
        "pay_utilty = 0.4",
        &["balances.pay_utilty", "did you mean `pay_utility`"],
    ),
    (
        "misspelt adoption key",
        "fee = 0.5",
        "fees = 0.5",
        &["platforms[0].payments.adoption.fees"],
    ),
    (
        "acceptance share above one",
        "acceptance = 0.7",
        "acceptance = 7.0",
        &["platforms[0].payments.acceptance", "share between 0 and 1"],
    ),
    (
        "a fund without a wallet",
        "wallet = true",
        "wallet = false",
        &["platforms[0].payments.fund", "payments.wallet = true"],
    ),
    (
        "red packets without a wallet",
        "wallet = true",
        "wallet = false",
        &["platforms[0].red_packet", "payments.wallet = true"],
    ),
    (
        "loan cap below the floor",
        "max = 20000.0",
        "max = 100.0",
        &["lenders[0].limit.max", "at least limit.min"],
    ),
    (
        "risk-based rate cap below the base",
        "max = 0.3 }",
        "max = 0.05 }",
        &["lenders[0].rate.risk_based.max", "at least base"],
    ),
    (
        "segment named twice",
        "name = \"busy\"",
        "name = \"thrifty\"",
        &["consumers.segments[1].name", "used once"],
    ),
    (
        "category named twice",
        "name = \"repairs\"",
        "name = \"food\"",
        &["merchants.categories[1].name", "used once"],
    ),
];

/// What is wrong with how `flywheel run` and `flywheel validate` treat the
/// scenario `text`, written as `file` in `dir`; empty when both refuse it
/// cleanly: exit code 2, a message naming the file and holding every
/// `expected` substring, no panic text, and nothing written.
fn refusal_problems(dir: &Path, file: &str, text_in: &str, expected: &[&str]) -> Vec<String> {
    let path = dir.join(file);
    let mut problems = Vec::new();
    if let Err(e) = fs::write(&path, text_in) {
        return vec![format!("cannot write the case: {e}")];
    }
    let out_name = format!("out-{file}");
    let out = dir.join(&out_name);
    let path_arg = path.to_str().unwrap_or_default();
    let runs = [
        (
            "run",
            flywheel(
                dir,
                &[
                    "run",
                    path_arg,
                    "--out",
                    out.to_str().unwrap_or_default(),
                    "--quiet",
                ],
            ),
        ),
        ("validate", flywheel(dir, &["validate", path_arg])),
    ];
    for (command, o) in &runs {
        let (_, stderr) = text(o);
        let mut wrong = Vec::new();
        if o.status.code() != Some(2) {
            wrong.push(format!("exit code {:?}", o.status.code()));
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            wrong.push("panic text".to_string());
        }
        if !stderr.contains(file) {
            wrong.push("file not named".to_string());
        }
        for want in expected {
            if !stderr.contains(want) {
                wrong.push(format!("message lacks {want:?}"));
            }
        }
        if !wrong.is_empty() {
            problems.push(format!("{command}: {}\n{stderr}", wrong.join(", ")));
        }
    }
    let leftovers: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(&out_name) || n == "results")
                .collect()
        })
        .unwrap_or_default();
    if !leftovers.is_empty() {
        problems.push(format!("left behind: {leftovers:?}"));
    }
    problems
}

/// Runs every case of `cases` as an edit of `base` and reports failures.
fn check_catalogue(base: &str, cases: &[Case]) {
    let base_text = fs::read_to_string(data(base)).expect("base scenario");
    let tmp = TempDir::new(&format!("bad-input-{base}"));
    let mut failures = Vec::new();
    for (i, (name, from, to, expected)) in cases.iter().enumerate() {
        assert!(
            base_text.contains(from),
            "case `{name}`: {base} lacks {from:?}"
        );
        let text_in = base_text.replacen(from, to, 1);
        let problems = refusal_problems(tmp.path(), &format!("case{i}.toml"), &text_in, expected);
        if !problems.is_empty() {
            failures.push(format!("{name}:\n{}", problems.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} case(s) on {base} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_bad_input_is_refused_cleanly() {
    check_catalogue("tiny.toml", TINY_CASES);
}

#[test]
fn every_bad_input_in_every_table_is_refused_cleanly() {
    check_catalogue("full.toml", FULL_CASES);
}

#[test]
fn more_segments_or_categories_than_a_byte_can_index_are_refused() {
    // Regression: agents keep their segment and category index in one
    // byte; 300 segments used to be accepted, and consumers drawn into
    // segment 256 and above were silently counted in segments 0, 1, ...
    let mut text_in = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let share = 1.0 / 300.0;
    for i in 0..300 {
        text_in.push_str(&format!(
            "\n[[consumers.segments]]\nname = \"s{i}\"\nshare = {share}\n\
             [[merchants.categories]]\nname = \"c{i}\"\nshare = {share}\n"
        ));
    }
    let tmp = TempDir::new("bad-input-groups");
    let problems = refusal_problems(
        tmp.path(),
        "groups.toml",
        &text_in,
        &[
            "consumers.segments: at most 256",
            "merchants.categories: at most 256",
        ],
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalogue_bases_are_valid() {
    for base in ["tiny.toml", "full.toml"] {
        let tmp = TempDir::new(&format!("bad-input-base-{base}"));
        let o = flywheel(
            tmp.path(),
            &["validate", data(base).to_str().unwrap_or_default()],
        );
        assert_eq!(o.status.code(), Some(0), "{base}: {:?}", text(&o));
    }
    assert!(
        TINY_CASES.len() + FULL_CASES.len() >= 40,
        "the catalogue has at least 40 cases"
    );
}

/// A valid file too large for any machine's memory, the flags that make
/// it so, and the key the refusal must name.
struct TooLarge {
    case: &'static str,
    base: &'static str,
    edits: &'static [(&'static str, &'static str)],
    threads: &'static str,
    key: &'static str,
}

const TOO_LARGE: &[TooLarge] = &[
    // 64 replications at once of 200 million consumers: terabytes of agents.
    TooLarge {
        case: "crowd",
        base: "full.toml",
        edits: &[
            ("consumers = 300", "consumers = 200000000"),
            ("replications = 2", "replications = 64"),
        ],
        threads: "64",
        key: "market.consumers",
    },
    // A century of daily records of each of a million replications, all
    // kept until the files are written: petabytes.
    TooLarge {
        case: "records",
        base: "full.toml",
        edits: &[(
            "replications = 2\nhorizon_days = 40",
            "replications = 1000000\nhorizon_days = 36500",
        )],
        threads: "2",
        key: "replications",
    },
];

#[test]
fn a_file_too_large_for_this_machine_is_valid_but_refused_before_running() {
    // Regression: validation estimated the memory of a run against the
    // machine it ran on, so whether a file was valid depended on where it
    // was checked. Now `validate` accepts it; `run`, `compare` and `sweep`
    // refuse it with exit 2 before simulating, naming the file, the key and
    // the estimate, and write nothing.
    let tmp = TempDir::new("too-large");
    for t in TOO_LARGE {
        let mut body = fs::read_to_string(data(t.base)).expect("base");
        for (from, to) in t.edits {
            assert!(
                body.contains(from),
                "{}: `{from}` not in {}",
                t.case,
                t.base
            );
            body = body.replacen(from, to, 1);
        }
        let file = tmp.path().join(format!("{}.toml", t.case));
        fs::write(&file, &body).expect("write");
        let f = file.to_str().unwrap_or_default();
        let o = flywheel(tmp.path(), &["validate", f]);
        assert_eq!(o.status.code(), Some(0), "{}: {:?}", t.case, text(&o));
        let out = tmp.path().join(format!("out-{}", t.case));
        let o_arg = out.to_str().unwrap_or_default();
        let commands: [&[&str]; 2] = [
            &["run", f, "--threads", t.threads, "--out", o_arg, "--quiet"],
            &[
                "compare",
                f,
                f,
                "--threads",
                t.threads,
                "--out",
                o_arg,
                "--quiet",
            ],
        ];
        for args in commands {
            let o = flywheel(tmp.path(), args);
            let (_, stderr) = text(&o);
            assert_eq!(o.status.code(), Some(2), "{} {args:?}: {stderr}", t.case);
            for needle in [f, t.key, "GiB", "too large for this machine"] {
                assert!(
                    stderr.contains(needle),
                    "{} {args:?}: no `{needle}` in {stderr}",
                    t.case
                );
            }
            assert!(!out.exists(), "{} {args:?} wrote {out:?}", t.case);
        }
    }

    // A sweep holds one replication per run in flight: 64 runs at once of
    // 200 million consumers.
    let mut body = fs::read_to_string(data("sweep_grid.toml")).expect("sweep_grid.toml");
    for (from, to) in [
        ("consumers = 500", "consumers = 200000000"),
        (
            "method = \"grid\"\nreplications = 2",
            "method = \"grid\"\nreplications = 64",
        ),
    ] {
        assert!(body.contains(from), "`{from}` not in sweep_grid.toml");
        body = body.replacen(from, to, 1);
    }
    assert_refused_for_memory(tmp.path(), "sweep", &body, "too large for this machine");

    // A search whose decision variable sizes the market: its base is small,
    // but the top of the range, 64 replications at once of 200 million
    // consumers, is not, and is refused before the first candidate runs.
    let body = fs::read_to_string(data("search_coupon_monopoly.toml")).expect("search");
    let from = "[optimize.variables]\n";
    assert!(
        body.contains(from),
        "`{from}` not in search_coupon_monopoly.toml"
    );
    let body = body.replacen(
        from,
        "[optimize.variables]\n\"market.consumers\" = { min = 1000, max = 200000000 }\n",
        1,
    );
    assert_refused_for_memory(tmp.path(), "optimize", &body, "largest candidate");
}

/// Runs `command` on scenario text `body` at 64 threads and asserts it is
/// refused for memory before anything runs: exit 2, a message naming the
/// file, `market.consumers`, the estimate and `says`, and no output.
fn assert_refused_for_memory(dir: &Path, command: &str, body: &str, says: &str) {
    let file = dir.join(format!("crowd-{command}.toml"));
    fs::write(&file, body).expect("write");
    let f = file.to_str().unwrap_or_default();
    let out = dir.join(format!("out-{command}"));
    let o = flywheel(
        dir,
        &[
            command,
            f,
            "--threads",
            "64",
            "--out",
            out.to_str().unwrap_or_default(),
            "--quiet",
        ],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{command}: {stderr}");
    for needle in [f, "market.consumers", "GiB", says] {
        assert!(
            stderr.contains(needle),
            "{command}: no `{needle}` in {stderr}"
        );
    }
    assert!(!out.exists(), "{command} wrote {out:?}");
}

#[test]
fn empty_platform_list_is_refused() {
    let base = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let cut = base.find("[[platforms]]").unwrap_or(base.len());
    let tmp = TempDir::new("no-platforms");
    let file = tmp.path().join("none.toml");
    fs::write(&file, &base[..cut]).expect("write");
    let o = flywheel(
        tmp.path(),
        &["run", file.to_str().unwrap_or_default(), "--out", "out"],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("platforms: at least one platform"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn several_problems_are_reported_together() {
    let base = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let text_in = base
        .replacen("commission = 0.15", "commission = 2.0", 1)
        .replacen("horizon_days = 20", "horizon_days = -1", 1)
        .replacen("merchant_reach = 0.8", "merchant_reach = -0.8", 1);
    let tmp = TempDir::new("several");
    let file = tmp.path().join("several.toml");
    fs::write(&file, text_in).expect("write");
    let o = flywheel(tmp.path(), &["validate", file.to_str().unwrap_or_default()]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr.contains("3 problems"), "{stderr}");
    for key in [
        "platforms[0].commission",
        "horizon_days",
        "platforms[1].merchant_reach",
    ] {
        assert!(stderr.contains(key), "{key} missing from {stderr}");
    }
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    let tmp = TempDir::new("missing");
    let o = flywheel(tmp.path(), &["run", "no-such-file.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no-such-file.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
    let o = flywheel(tmp.path(), &["run", "x.toml", "--threads", "many"]);
    assert_eq!(o.status.code(), Some(2));
    // A thread count beyond any machine is a typo, refused before anything
    // starts, by every command that takes one.
    for command in [
        "run",
        "compare",
        "sweep",
        "optimize",
        "equilibrium",
        "calibrate",
    ] {
        let mut args = vec![command, "x.toml"];
        if command == "compare" {
            args.push("y.toml");
        }
        args.extend(["--threads", "5000"]);
        let o = flywheel(tmp.path(), &args);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("--threads") && stderr.contains("at most 1024"),
            "{command}: {stderr}"
        );
    }
    let o = flywheel(tmp.path(), &["run", "x.toml", "--seed", "-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("results").exists());
}

#[test]
fn a_device_a_directory_or_a_huge_file_is_refused_without_reading_it() {
    // Regression: the loader read the whole file before looking at it, so
    // `flywheel run /dev/zero` (or `extends = "/dev/zero"`) read until
    // memory ran out; and `flywheel sweep` read its file without the guard
    // `run` uses.
    let tmp = TempDir::new("bad-input-devices");
    let huge = tmp.path().join("huge.toml");
    let file = fs::File::create(&huge).expect("create");
    file.set_len(flywheel::scenario::MAX_FILE_BYTES + 1)
        .expect("sparse file");
    fs::write(tmp.path().join("variant.toml"), "extends = \"/dev/zero\"\n").expect("write");
    let mut cases = vec![
        (tmp.path().to_path_buf(), "not a regular file"),
        (huge, "larger than 16 MiB"),
    ];
    if Path::new("/dev/zero").exists() {
        cases.push((Path::new("/dev/zero").to_path_buf(), "not a regular file"));
        cases.push((tmp.path().join("variant.toml"), "not a regular file"));
    }
    for (path, rule) in cases {
        for command in ["validate", "run", "sweep"] {
            let p = path.to_str().unwrap_or_default();
            let o = flywheel(tmp.path(), &[command, p]);
            let (_, stderr) = text(&o);
            assert_eq!(o.status.code(), Some(2), "{command} {path:?}: {stderr}");
            assert!(stderr.contains(rule), "{command} {path:?}: {stderr}");
            assert!(
                stderr.contains(p),
                "{command}: the message names {p}: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    assert!(!tmp.path().join("results").exists());
}

#[test]
fn a_platform_name_is_counted_in_characters_not_bytes() {
    // Regression: a 24-character Chinese name (72 bytes) was refused as
    // longer than 64 characters.
    let tmp = TempDir::new("name-length");
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let q = quickstart.to_str().unwrap_or_default();
    let name = |n: usize| format!("platforms[0].name=\"{}\"", "饿了么".repeat(n));
    let o = flywheel(tmp.path(), &["validate", q, "--set", &name(8)]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = flywheel(tmp.path(), &["validate", q, "--set", &name(22)]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("platforms[0].name") && stderr.contains("1-64 printable characters"),
        "{stderr}"
    );
}

#[test]
fn a_lender_named_like_a_platform_or_a_platform_named_all_is_refused() {
    // Regression: tables showed two columns headed `Alpha` for a platform
    // and a bank of that name, and `all` (the sum over platforms in
    // calibration series) could name one platform.
    let tmp = TempDir::new("ambiguous-names");
    let full = data("full.toml");
    let f = full.to_str().unwrap_or_default();
    for (set, key) in [
        ("lenders[1].name=\"Alpha\"", "lenders[1].name"),
        ("platforms[0].name=\"all\"", "platforms[0].name"),
    ] {
        let o = flywheel(tmp.path(), &["validate", f, "--set", set]);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{set}: {stderr}");
        assert!(stderr.contains(key), "{set}: {stderr}");
    }
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_with(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map_or(0, |i| i + 1)
}

#[test]
fn problems_give_the_line_of_their_key_and_every_hand_in_them() {
    let tmp = TempDir::new("problem-lines");
    // Regression: a search variable's problem gave the line of its table's
    // header, as its key (quoted, holding dots) was not found in the file.
    let body = fs::read_to_string(data("search_coupon_monopoly.toml")).expect("search");
    let variable = "\"platforms[0].subsidy[0].per_order\" = { min = 0.0, max = 5.0 }";
    assert!(body.contains(variable));
    let body = body.replace(
        variable,
        "\"platforms[0].subsidy[0].per_order\" = { min = 5.0, max = 1.0 }",
    );
    let file = tmp.path().join("range.toml");
    fs::write(&file, &body).expect("write");
    let o = flywheel(
        tmp.path(),
        &["optimize", file.to_str().unwrap_or_default(), "-q"],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let line = line_with(&body, "min = 5.0, max = 1.0");
    assert!(
        stderr.contains(&format!("range.toml:{line}: optimize.variables.")),
        "line {line}: {stderr}"
    );

    // Regression: a `--set` of one parameter of a distribution the file
    // writes was blamed on the file alone.
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    let text_of = fs::read_to_string(&quickstart).expect("quickstart");
    let set = "consumers.purchase_rate.gamma.shape=0";
    let o = flywheel(
        tmp.path(),
        &[
            "validate",
            quickstart.to_str().unwrap_or_default(),
            "--set",
            set,
        ],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    let line = line_with(&text_of, "purchase_rate");
    assert!(
        stderr.contains(&format!(
            "quickstart.toml:{line}: (--set {set}) consumers.purchase_rate"
        )),
        "line {line}: {stderr}"
    );
}

#[test]
fn an_output_path_with_dots_or_under_an_unwritable_place_is_settled_before_running() {
    // Regression: `--out out/q/.` simulated the whole run and then failed
    // to swap the results in ("Device or resource busy"), and `/proc/x`
    // was found unwritable only after simulating.
    let tmp = TempDir::new("out-paths");
    let tiny = data("tiny.toml");
    let f = tiny.to_str().unwrap_or_default();
    let o = flywheel(tmp.path(), &["run", f, "--out", "out/q", "--quiet"]);
    assert!(o.status.success(), "{:?}", text(&o));
    for dotted in ["out/q/.", "out/q/sub/.."] {
        let o = flywheel(tmp.path(), &["run", f, "--out", dotted, "--quiet"]);
        assert!(o.status.success(), "{dotted}: {:?}", text(&o));
        assert!(tmp.path().join("out/q/manifest.json").is_file(), "{dotted}");
        assert!(!tmp.path().join("out/q/sub").exists(), "{dotted}");
    }
    if Path::new("/proc/self").exists() {
        let o = flywheel(
            tmp.path(),
            &["run", f, "--out", "/proc/flywheel-x", "--quiet"],
        );
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("cannot write results to `/proc/flywheel-x`"),
            "{stderr}"
        );
    }
}
