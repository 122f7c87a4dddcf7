//! Stages 3 and 4 of loading: reading the parsed table into the serde
//! mirror, then checking every rule. Problems are collected, not thrown, so
//! one pass reports everything wrong with a file.

use super::Problem;
use super::dist::{Dist, RawDist, Support};
use super::raw::{
    RawCategory, RawChoice, RawChurn, RawConsumers, RawCredit, RawDefaultModel, RawEconomy,
    RawFunding, RawLender, RawLimit, RawLoyalty, RawMarket, RawMembership, RawMerchants,
    RawPayments, RawPlatform, RawRate, RawRegulation, RawRepayment, RawRule, RawScenario,
    RawScheduleEntry, RawScore, RawSegment, RawShock, RawSubsidy,
};
use super::spec::{
    CategorySpec, ChoiceSpec, Churn, Condition, ConsumerSpec, DataAccess, DataOwner, DefaultModel,
    EconomySpec, FundingRound, LenderSpec, Lever, LeverChange, LoyaltySpec, MAX_GROUPS,
    MAX_HORIZON_DAYS, MAX_PLATFORMS, Market, MembershipSpec, MerchantSpec, Metric, Op, Operand,
    PaymentsSpec, PlatformSpec, RatePolicy, Repayment, Rule, Scenario, ScheduleEntry, SegmentSpec,
    Shock,
};
use crate::ledger::Money;

/// Most consumers in one market.
pub(crate) const MAX_CONSUMERS: i64 = 200_000_000;
/// Most merchants in one market.
pub(crate) const MAX_MERCHANTS: i64 = 20_000_000;
/// Most replications of one scenario.
pub(crate) const MAX_REPLICATIONS: i64 = 1_000_000;
/// Largest money amount accepted anywhere, in yuan (a trillion).
pub(crate) const MAX_YUAN: f64 = 1e12;
/// Largest magnitude of a utility constant.
pub(crate) const MAX_UTILITY: f64 = 1e3;

fn problem(path: impl Into<String>, rule: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        rule: rule.into(),
        line: None,
        origin: None,
    }
}

fn ignored_path(path: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        P::Map { parent, key } => {
            let p = ignored_path(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            ignored_path(parent)
        }
    }
}

/// A scenario with every optional part present, used to list the keys each
/// table accepts (for "did you mean" hints and the parameter reference)
/// without a hand-kept list. Every new key must appear here.
pub(crate) fn sample() -> RawScenario {
    let dist = || RawDist::Fixed(0.0);
    let churn = || {
        Some(RawChurn::Sbg {
            alpha: 1.0,
            beta: 1.0,
            period_days: 30.0,
        })
    };
    let mut set = toml::Table::new();
    set.insert("coupon".into(), toml::Value::Float(0.0));
    RawScenario {
        name: Some(String::new()),
        description: Some(String::new()),
        seed: 0,
        replications: 1,
        horizon_days: 1,
        market: RawMarket {
            consumers: 1,
            merchants: 1,
            no_purchase_utility: 0.0,
            direct_utility: 0.0,
            districts: 1,
            cross_district_share: 0.0,
            repeat_merchant: 0.0,
            customer_data: String::new(),
        },
        choice: RawChoice::default(),
        consumers: RawConsumers {
            purchase_rate: dist(),
            price_sensitivity: dist(),
            churn: churn(),
            dormancy_days: 0,
            loyalty: RawLoyalty::default(),
            segments: vec![RawSegment {
                name: String::new(),
                share: 1.0,
                purchase_rate: Some(dist()),
                price_sensitivity: Some(dist()),
                churn: churn(),
            }],
        },
        merchants: RawMerchants {
            price: dist(),
            unit_cost_share: dist(),
            cash: 0.0,
            fixed_daily_cost: dist(),
            service_rate: Some(dist()),
            listing_cost: 0.0,
            review_days: 1,
            switch_probability: 0.0,
            accepts_wallet: 1.0,
            categories: vec![RawCategory {
                name: String::new(),
                share: 1.0,
                price: Some(dist()),
            }],
            membership: RawMembership::default(),
            credit: RawCredit::default(),
        },
        platforms: vec![RawPlatform {
            name: String::new(),
            cash: 0.0,
            commission: 0.0,
            consumer_fee: 0.0,
            brand_utility: 0.0,
            merchant_reach: 0.0,
            variable_cost: 0.0,
            fixed_daily_cost: 0.0,
            subsidy: vec![RawSubsidy {
                from_day: 0,
                to_day: 0,
                per_order: 0.0,
            }],
            initial_users: 1.0,
            marketing_budget: 0.0,
            cpa: 1.0,
            cpa_elasticity: 1.0,
            word_of_mouth: 0.0,
            innovation: 0.0,
            new_user_bonus: 0.0,
            merchant_subsidy: 0.0,
            red_packet: 0.0,
            payment_convenience: 0.0,
            review_days: 1,
            payments: RawPayments::default(),
            funding: vec![RawFunding {
                amount: 0.0,
                day: Some(0),
                when: vec![String::new()],
            }],
            schedule: vec![RawScheduleEntry {
                from_day: 0,
                to_day: 1,
                set: set.clone(),
            }],
            rules: vec![RawRule {
                when: vec![String::new()],
                then: set,
            }],
        }],
        lenders: vec![RawLender {
            name: String::new(),
            platform: Some(String::new()),
            data: Some(String::new()),
            capital: 0.0,
            funding_cost: 0.0,
            score: RawScore::default(),
            cutoff: 0.0,
            noise: 0.0,
            limit: RawLimit::default(),
            rate: RawRate::Flat(0.0),
            term_days: 1,
            repayment: RawRepayment::Instalments(1),
            lgd: 0.0,
            workout_days: 0,
            loss_budget: Some(0.0),
            expected_pd: 0.0,
            default_model: Some(RawDefaultModel::Vasicek { pd: 0.0, rho: 0.0 }),
        }],
        economy: RawEconomy {
            shocks: vec![RawShock {
                from_day: 0,
                to_day: 1,
                demand: 1.0,
            }],
            ..RawEconomy::default()
        },
        regulation: RawRegulation {
            max_coupon: Some(0.0),
            max_interest_rate: Some(0.0),
        },
        sweep: Some(toml::Table::new()),
    }
}

/// The keys accepted in the table at `parent` (array indices ignored).
fn known_keys(parent: &str) -> Vec<String> {
    let Ok(toml::Value::Table(root)) = toml::Value::try_from(sample()) else {
        return Vec::new();
    };
    let mut node = toml::Value::Table(root);
    if !parent.is_empty() {
        let Some(segments) = super::parse_path(parent) else {
            return Vec::new();
        };
        for seg in segments {
            let next = match (seg, &node) {
                (super::Segment::Key(k), toml::Value::Table(t)) => t.get(&k).cloned(),
                (super::Segment::Index(_), toml::Value::Array(a)) => a.first().cloned(),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return Vec::new(),
            }
        }
    }
    match node {
        toml::Value::Table(t) => {
            let mut keys: Vec<String> = t.keys().cloned().collect();
            if parent.is_empty() {
                // Read by the loader (see `extends`), never by the shape check.
                keys.push("extends".to_string());
            }
            keys
        }
        _ => Vec::new(),
    }
}

fn unknown_key_problem(path: String) -> Problem {
    let (parent, key) = match path.rfind('.') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path.as_str()),
    };
    let known = known_keys(parent);
    let best = known
        .iter()
        .map(|k| (strsim::levenshtein(k, key), k))
        .filter(|(d, k)| *d <= 3 && *d < k.len())
        .min();
    let rule = match best {
        Some((_, k)) => format!("unknown key (did you mean `{k}`?)"),
        None if !known.is_empty() => format!("unknown key; expected one of: {}", known.join(", ")),
        None => "unknown key".to_string(),
    };
    problem(path, rule)
}

/// Reads the parsed table into the serde mirror, reporting every unknown
/// key and the first type or missing-key error with its path.
pub(super) fn read_shape(table: toml::Table) -> Result<RawScenario, Vec<Problem>> {
    let mut unknown = Vec::new();
    let result: Result<RawScenario, _> = {
        let mut record = |p: serde_ignored::Path| unknown.push(ignored_path(&p));
        let de = serde_ignored::Deserializer::new(toml::Value::Table(table), &mut record);
        serde_path_to_error::deserialize(de)
    };
    let mut problems: Vec<Problem> = unknown.into_iter().map(unknown_key_problem).collect();
    match result {
        Ok(raw) if problems.is_empty() => Ok(raw),
        Ok(_) => Err(problems),
        Err(e) => {
            let mut path = e.path().to_string();
            if path == "." {
                path.clear();
            }
            let message = e.inner().message().trim().to_string();
            // Serde reports a missing key at its parent; name the key itself.
            if let Some(field) = message
                .strip_prefix("missing field `")
                .and_then(|m| m.strip_suffix('`'))
            {
                path = if path.is_empty() {
                    field.to_string()
                } else {
                    format!("{path}.{field}")
                };
                problems.push(problem(path, "required key is missing"));
            } else {
                problems.push(problem(path, message));
            }
            Err(problems)
        }
    }
}

/// Collects problems while converting raw values into model types.
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(problem(path, rule));
    }

    fn count(&mut self, path: &str, v: i64, min: i64, max: i64) -> u32 {
        if v < min || v > max {
            self.fail(path, format!("must be between {min} and {max}, got {v}"));
            return min.max(0) as u32;
        }
        u32::try_from(v).unwrap_or(u32::MAX)
    }

    fn real(&mut self, path: &str, v: f64, min: f64, max: f64) -> f64 {
        if !v.is_finite() {
            self.fail(path, format!("must be a finite number, got {v}"));
            return min.max(0.0);
        }
        if v < min || v > max {
            self.fail(path, format!("must be between {min} and {max}, got {v}"));
            return min.max(0.0);
        }
        v
    }

    fn share(&mut self, path: &str, v: f64) -> f64 {
        if !v.is_finite() || !(0.0..=1.0).contains(&v) {
            self.fail(path, format!("must be a share between 0 and 1, got {v}"));
            return 0.0;
        }
        v
    }

    fn money(&mut self, path: &str, yuan: f64) -> Money {
        if !yuan.is_finite() || !(0.0..=MAX_YUAN).contains(&yuan) {
            self.fail(
                path,
                format!("must be an amount in yuan between 0 and {MAX_YUAN:e}, got {yuan}"),
            );
            return Money::ZERO;
        }
        Money::from_major(yuan).unwrap_or(Money::ZERO)
    }

    fn dist(&mut self, path: &str, raw: &RawDist, support: Support) -> Dist {
        match Dist::new(raw, support) {
            Ok(d) => d,
            Err(rule) => {
                self.fail(path, rule);
                Dist::fixed(support.min.max(0.0))
            }
        }
    }
}

/// Whether `name` may name a scenario (and so a results directory).
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.')
}

fn metric_names() -> String {
    Metric::ALL
        .iter()
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn lever_names() -> String {
    Lever::ALL
        .iter()
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `"metric op number"` or `"metric op metric"`.
fn parse_condition(text: &str) -> Result<Condition, String> {
    const OPS: [(&str, Op); 6] = [
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        (">", Op::Gt),
        ("<", Op::Lt),
    ];
    let Some((pos, sym, op)) = OPS
        .iter()
        .filter_map(|(sym, op)| text.find(sym).map(|p| (p, *sym, *op)))
        .min_by_key(|(p, sym, _)| (*p, std::cmp::Reverse(sym.len())))
    else {
        return Err(format!(
            "condition `{text}` must be `metric op value` with op one of >=, <=, >, <, ==, !="
        ));
    };
    let left = text[..pos].trim();
    let right = text[pos + sym.len()..].trim();
    let metric = Metric::from_name(left).ok_or_else(|| {
        format!(
            "unknown metric `{left}` in `{text}`; metrics are: {}",
            metric_names()
        )
    })?;
    let rhs = parse_operand(right).map_err(|e| format!("{e} in `{text}`"))?;
    Ok(Condition { metric, op, rhs })
}

fn parse_operand(text: &str) -> Result<Operand, String> {
    if let Ok(v) = text.parse::<f64>() {
        if v.is_finite() {
            return Ok(Operand::Number(v));
        }
        return Err(format!("`{text}` is not a finite number"));
    }
    Metric::from_name(text).map(Operand::Metric).ok_or_else(|| {
        format!(
            "`{text}` is neither a number nor a metric ({})",
            metric_names()
        )
    })
}

/// Reads `{ lever = value, ... }`: value a number, a metric name, or
/// `{ scale = factor }`.
fn parse_levers(c: &mut Checker, path: &str, table: &toml::Table) -> Vec<(Lever, LeverChange)> {
    let mut out = Vec::new();
    if table.is_empty() {
        c.fail(
            path,
            format!("must set at least one lever ({})", lever_names()),
        );
    }
    for (key, value) in table {
        let at = format!("{path}.{key}");
        let Some(lever) = Lever::from_name(key) else {
            c.fail(&at, format!("unknown lever; levers are: {}", lever_names()));
            continue;
        };
        let change = match value {
            toml::Value::Integer(i) => Ok(LeverChange::Set(Operand::Number(*i as f64))),
            toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => {
                Ok(LeverChange::Set(Operand::Number(*f)))
            }
            toml::Value::Float(f) => Err(format!("must be a finite number ≥ 0, got {f}")),
            toml::Value::String(s) => parse_operand(s).map(LeverChange::Set),
            toml::Value::Table(t) => match (t.get("scale"), t.len()) {
                (Some(toml::Value::Float(f)), 1) if f.is_finite() && *f >= 0.0 => {
                    Ok(LeverChange::Scale(*f))
                }
                (Some(toml::Value::Integer(i)), 1) if *i >= 0 => Ok(LeverChange::Scale(*i as f64)),
                _ => Err("a table value must be `{ scale = factor }` with factor ≥ 0".to_string()),
            },
            other => Err(format!(
                "must be a number, a metric name or {{ scale = factor }}, got {}",
                other.type_str()
            )),
        };
        match change {
            Ok(LeverChange::Set(Operand::Number(v))) if v < 0.0 => {
                c.fail(&at, format!("must be ≥ 0, got {v}"))
            }
            Ok(LeverChange::Set(Operand::Number(v))) if lever == Lever::Commission && v > 1.0 => c
                .fail(
                    &at,
                    format!("commission is a share between 0 and 1, got {v}"),
                ),
            Ok(change) => out.push((lever, change)),
            Err(rule) => c.fail(&at, rule),
        }
    }
    out
}

fn check_churn(c: &mut Checker, path: &str, churn: &Option<RawChurn>) -> Churn {
    match churn {
        None => Churn::None,
        Some(RawChurn::Sbg {
            alpha,
            beta,
            period_days,
        }) => Churn::Sbg {
            alpha: c.real(&format!("{path}.sbg.alpha"), *alpha, 1e-6, 1e6),
            beta: c.real(&format!("{path}.sbg.beta"), *beta, 1e-6, 1e6),
            period_days: c.real(
                &format!("{path}.sbg.period_days"),
                *period_days,
                1.0 / 24.0,
                3650.0,
            ),
        },
        Some(RawChurn::Geometric { p, period_days }) => Churn::Geometric {
            p: c.share(&format!("{path}.geometric.p"), *p),
            period_days: c.real(
                &format!("{path}.geometric.period_days"),
                *period_days,
                1.0 / 24.0,
                3650.0,
            ),
        },
    }
}

fn check_shares(c: &mut Checker, path: &str, shares: &[f64]) {
    if shares.len() > MAX_GROUPS {
        c.fail(
            path,
            format!("at most {MAX_GROUPS} are supported, got {}", shares.len()),
        );
    }
    let total: f64 = shares.iter().sum();
    if !shares.is_empty() && (total - 1.0).abs() > 1e-6 {
        c.fail(path, format!("shares must sum to 1, got {total}"));
    }
}

fn day_in(c: &mut Checker, path: &str, day: i64, horizon: u32, horizon_ok: bool) -> u32 {
    if day < 0 || (horizon_ok && day >= i64::from(horizon)) {
        c.fail(
            path,
            format!(
                "must be a day within the horizon (0 to {}), got {day}",
                horizon.saturating_sub(1)
            ),
        );
        return 0;
    }
    u32::try_from(day).unwrap_or(0)
}

/// Checks every rule and builds the validated scenario.
pub(super) fn check(raw: RawScenario, default_name: &str) -> Result<Scenario, Vec<Problem>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if !valid_name(&name) {
        c.fail(
            if raw.name.is_some() { "name" } else { "" },
            format!(
                "scenario name `{name}` must be 1-64 characters of letters, digits, '-', '_' or '.' \
                 (it names the output directory); set `name` in the file"
            ),
        );
    }
    let replications = c.count("replications", raw.replications, 1, MAX_REPLICATIONS);
    let problems_before = c.problems.len();
    let horizon_days = c.count(
        "horizon_days",
        raw.horizon_days,
        1,
        i64::from(MAX_HORIZON_DAYS),
    );
    // Days are checked against the horizon only when it is itself valid, so
    // one bad horizon does not cascade into a problem per window.
    let horizon_ok = c.problems.len() == problems_before;

    let m = &raw.market;
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

    let ch = &raw.choice;
    let choice = ChoiceSpec {
        variety: c.real("choice.variety", ch.variety, -MAX_UTILITY, MAX_UTILITY),
        wait_per_hour: c.real("choice.wait_per_hour", ch.wait_per_hour, 0.0, MAX_UTILITY),
        loyalty: c.real("choice.loyalty", ch.loyalty, -MAX_UTILITY, MAX_UTILITY),
        switching_cost: c.real("choice.switching_cost", ch.switching_cost, 0.0, MAX_UTILITY),
        wallet_convenience: c.real(
            "choice.wallet_convenience",
            ch.wallet_convenience,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
    };

    let rc = &raw.consumers;
    let purchase_rate = c.dist(
        "consumers.purchase_rate",
        &rc.purchase_rate,
        Support::NON_NEGATIVE,
    );
    let price_sensitivity = c.dist(
        "consumers.price_sensitivity",
        &rc.price_sensitivity,
        Support::NON_NEGATIVE,
    );
    let churn = check_churn(&mut c, "consumers.churn", &rc.churn);
    let mut segments = Vec::new();
    if rc.segments.is_empty() {
        segments.push(SegmentSpec {
            name: "all".to_string(),
            share: 1.0,
            purchase_rate: purchase_rate.clone(),
            price_sensitivity: price_sensitivity.clone(),
            churn,
        });
    }
    for (i, seg) in rc.segments.iter().enumerate() {
        let at = |k: &str| format!("consumers.segments[{i}].{k}");
        if seg.name.trim().is_empty() || rc.segments[..i].iter().any(|o| o.name == seg.name) {
            c.fail(at("name"), "must be a non-empty name used once");
        }
        segments.push(SegmentSpec {
            name: seg.name.clone(),
            share: c.share(&at("share"), seg.share),
            purchase_rate: match &seg.purchase_rate {
                Some(d) => c.dist(&at("purchase_rate"), d, Support::NON_NEGATIVE),
                None => purchase_rate.clone(),
            },
            price_sensitivity: match &seg.price_sensitivity {
                Some(d) => c.dist(&at("price_sensitivity"), d, Support::NON_NEGATIVE),
                None => price_sensitivity.clone(),
            },
            churn: match &seg.churn {
                Some(_) => check_churn(&mut c, &at("churn"), &seg.churn),
                None => churn,
            },
        });
    }
    check_shares(
        &mut c,
        "consumers.segments",
        &rc.segments.iter().map(|s| s.share).collect::<Vec<_>>(),
    );
    for seg in &segments {
        if seg.purchase_rate.mean() > 1000.0 {
            c.fail(
                "consumers.purchase_rate",
                format!(
                    "mean of {} purchases per day per consumer is implausible (at most 1000)",
                    seg.purchase_rate.mean()
                ),
            );
        }
    }
    let dormancy = c.count(
        "consumers.dormancy_days",
        rc.dormancy_days,
        0,
        i64::from(MAX_HORIZON_DAYS),
    );
    let l = &rc.loyalty;
    let half_life = c.real(
        "consumers.loyalty.half_life_days",
        l.half_life_days,
        0.01,
        1e6,
    );
    let consumers = ConsumerSpec {
        segments,
        dormancy_days: (dormancy > 0).then_some(dormancy),
        loyalty: LoyaltySpec {
            gain: c.real("consumers.loyalty.gain", l.gain, 0.0, 1e3),
            loss: c.real("consumers.loyalty.loss", l.loss, 0.0, 1e3),
            daily_decay: 0.5f64.powf(1.0 / half_life),
            wait_tolerance_hours: c.real(
                "consumers.loyalty.wait_tolerance_hours",
                l.wait_tolerance_hours,
                0.0,
                1e4,
            ),
        },
    };

    let rm = &raw.merchants;
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
    check_shares(
        &mut c,
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
    let merchants = MerchantSpec {
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
    };

    if raw.platforms.is_empty() {
        c.fail(
            "platforms",
            "at least one platform is required ([[platforms]])",
        );
    }
    if raw.platforms.len() > MAX_PLATFORMS {
        c.fail(
            "platforms",
            format!(
                "at most {MAX_PLATFORMS} platforms are supported, got {}",
                raw.platforms.len()
            ),
        );
    }
    let mut platforms = Vec::with_capacity(raw.platforms.len());
    for (i, p) in raw.platforms.iter().enumerate() {
        platforms.push(check_platform(
            &mut c,
            i,
            p,
            &raw.platforms,
            horizon_days,
            horizon_ok,
        ));
    }

    let max_rate = raw
        .regulation
        .max_interest_rate
        .map(|r| c.real("regulation.max_interest_rate", r, 0.0, 10.0));
    let max_coupon = raw
        .regulation
        .max_coupon
        .map(|v| c.money("regulation.max_coupon", v).as_major());
    let mut lenders = Vec::new();
    for (i, l) in raw.lenders.iter().enumerate() {
        lenders.push(check_lender(&mut c, i, l, &raw, max_rate));
    }
    let e = &raw.economy;
    let mut shocks = Vec::new();
    for (j, sh) in e.shocks.iter().enumerate() {
        let at = |k: &str| format!("economy.shocks[{j}].{k}");
        let from_day = day_in(
            &mut c,
            &at("from_day"),
            sh.from_day,
            horizon_days,
            horizon_ok,
        );
        if sh.to_day <= sh.from_day {
            c.fail(
                at("to_day"),
                format!(
                    "must be after from_day ({}), got {}",
                    sh.from_day, sh.to_day
                ),
            );
        } else if horizon_ok && sh.to_day > i64::from(horizon_days) {
            c.fail(
                at("to_day"),
                format!(
                    "must be at most horizon_days ({horizon_days}), got {}",
                    sh.to_day
                ),
            );
        }
        shocks.push(Shock {
            from_day,
            to_day: u32::try_from(sh.to_day.max(0)).unwrap_or(0),
            demand: c.real(&at("demand"), sh.demand, 0.0, 10.0),
        });
    }
    let economy = EconomySpec {
        seasonality: c.real("economy.seasonality", e.seasonality, 0.0, 0.99),
        peak_day: c.count("economy.peak_day", e.peak_day, 0, 365),
        factor_persistence: c.real(
            "economy.factor_persistence",
            e.factor_persistence,
            0.0,
            0.9999,
        ),
        factor_volatility: c.real("economy.factor_volatility", e.factor_volatility, 0.0, 1.0),
        shocks,
    };

    check_memory(
        &mut c,
        MarketSize {
            consumers: u64::from(market.consumers),
            merchants: u64::from(market.merchants),
            platforms: platforms.len() as u64,
            lenders: lenders.len() as u64,
            segments: consumers.segments.len() as u64,
            horizon_days: u64::from(horizon_days),
        },
        replications,
    );

    if c.problems.is_empty() {
        Ok(Scenario {
            name,
            seed: raw.seed,
            replications,
            horizon_days,
            market,
            choice,
            consumers,
            merchants,
            platforms,
            lenders,
            economy,
            max_coupon,
            resolved: raw,
        })
    } else {
        Err(c.problems)
    }
}

fn check_platform(
    c: &mut Checker,
    i: usize,
    p: &RawPlatform,
    all: &[RawPlatform],
    horizon_days: u32,
    horizon_ok: bool,
) -> PlatformSpec {
    let at = |key: &str| format!("platforms[{i}].{key}");
    let name = p.name.trim().to_string();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        c.fail(at("name"), "must be 1-64 printable characters");
    } else if all[..i].iter().any(|q| q.name.trim() == name) {
        c.fail(at("name"), format!("platform name `{name}` is used twice"));
    } else if name.eq_ignore_ascii_case("direct") || name.eq_ignore_ascii_case("none") {
        c.fail(
            at("name"),
            format!("`{name}` is reserved for the options outside platforms"),
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
                    LeverChange::Set(Operand::Number(per_order.as_major())),
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
        let then = parse_levers(c, &format!("{path}.then"), &r.then);
        rules.push(Rule { when, then });
    }

    let mut funding = Vec::new();
    for (j, f) in p.funding.iter().enumerate() {
        let path = format!("platforms[{i}].funding[{j}]");
        let amount = c.money(&format!("{path}.amount"), f.amount);
        let day = f
            .day
            .map(|d| day_in(c, &format!("{path}.day"), d, horizon_days, horizon_ok));
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

    let mut base_levers = [0.0; Lever::ALL.len()];
    base_levers[Lever::Commission.index()] = c.share(&at("commission"), p.commission);
    base_levers[Lever::ConsumerFee.index()] =
        c.money(&at("consumer_fee"), p.consumer_fee).as_major();
    base_levers[Lever::NewUserBonus.index()] =
        c.money(&at("new_user_bonus"), p.new_user_bonus).as_major();
    base_levers[Lever::MerchantSubsidy.index()] = c
        .money(&at("merchant_subsidy"), p.merchant_subsidy)
        .as_major();
    base_levers[Lever::RedPacket.index()] = c.money(&at("red_packet"), p.red_packet).as_major();
    base_levers[Lever::MarketingBudget.index()] = c
        .money(&at("marketing_budget"), p.marketing_budget)
        .as_major();
    let pay = &p.payments;
    let payments = PaymentsSpec {
        wallet: pay.wallet,
        fee_rate: c.share(&at("payments.fee_rate"), pay.fee_rate),
        settlement_days: c.count(&at("payments.settlement_days"), pay.settlement_days, 0, 90),
        float_rate: c.real(&at("payments.float_rate"), pay.float_rate, 0.0, 1.0),
    };
    if p.red_packet > 0.0 && !pay.wallet {
        c.fail(
            at("red_packet"),
            "red packets are paid on wallet payments: set payments.wallet = true",
        );
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
        innovation: c.share(&at("innovation"), p.innovation),
        payment_convenience: c.real(
            &at("payment_convenience"),
            p.payment_convenience,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        review_days: c.count(&at("review_days"), p.review_days, 1, 3650),
        payments,
        funding,
        schedule,
        rules,
    }
}

fn check_lender(
    c: &mut Checker,
    i: usize,
    l: &RawLender,
    raw: &RawScenario,
    max_rate: Option<f64>,
) -> LenderSpec {
    let at = |k: &str| format!("lenders[{i}].{k}");
    if l.name.trim().is_empty() || raw.lenders[..i].iter().any(|o| o.name == l.name) {
        c.fail(at("name"), "must be a non-empty name used once");
    }
    let platform = l.platform.as_ref().and_then(|name| {
        let found = raw
            .platforms
            .iter()
            .position(|p| p.name.trim() == name.trim());
        if found.is_none() {
            c.fail(at("platform"), format!("no platform is named `{name}`"));
        }
        found
    });
    let data = match (l.data.as_deref(), l.platform.is_some()) {
        (Some("transactions"), true) | (None, true) => DataAccess::Transactions,
        (Some("transactions"), false) => {
            c.fail(
                at("data"),
                "transaction data needs a `platform` whose data the lender sees",
            );
            DataAccess::SelfReported
        }
        (Some("self_reported"), _) | (None, false) => DataAccess::SelfReported,
        (Some(other), _) => {
            c.fail(
                at("data"),
                format!("must be \"transactions\" or \"self_reported\", got \"{other}\""),
            );
            DataAccess::SelfReported
        }
    };
    let rate = match &l.rate {
        RawRate::Flat(r) => RatePolicy::Flat(c.real(&at("rate.flat"), *r, 0.0, 10.0)),
        RawRate::RiskBased { base, slope, max } => {
            let base = c.real(&at("rate.risk_based.base"), *base, 0.0, 10.0);
            let max = c.real(&at("rate.risk_based.max"), *max, 0.0, 10.0);
            if max < base {
                c.fail(
                    at("rate.risk_based.max"),
                    format!("must be at least base ({base}), got {max}"),
                );
            }
            RatePolicy::RiskBased {
                base,
                slope: c.real(&at("rate.risk_based.slope"), *slope, 0.0, 10.0),
                max,
            }
        }
    };
    let term_days = c.count(&at("term_days"), l.term_days, 1, 3650);
    let repayment = match l.repayment {
        RawRepayment::Instalments(every) => {
            let every = c.count(&at("repayment.instalments"), every, 1, 3650);
            if every > term_days {
                c.fail(
                    at("repayment.instalments"),
                    format!("must be at most term_days ({term_days}), got {every}"),
                );
            }
            Repayment::Instalments(every)
        }
        RawRepayment::SalesShare(share) => {
            if platform.is_none() {
                c.fail(
                    at("repayment.sales_share"),
                    "repayment from sales needs a `platform` that settles the sales",
                );
            }
            let share = c.share(&at("repayment.sales_share"), share);
            if share <= 0.0 {
                c.fail(at("repayment.sales_share"), "must be above 0");
            }
            Repayment::SalesShare(share)
        }
    };
    let default_model = match &l.default_model {
        None => DefaultModel::CashFlow,
        Some(RawDefaultModel::Vasicek { pd, rho }) => {
            if !pd.is_finite() || *pd <= 0.0 || *pd >= 1.0 {
                c.fail(
                    at("default_model.vasicek.pd"),
                    format!("must be strictly between 0 and 1, got {pd}"),
                );
            }
            if !rho.is_finite() || *rho < 0.0 || *rho >= 1.0 {
                c.fail(
                    at("default_model.vasicek.rho"),
                    format!("must be in [0, 1), got {rho}"),
                );
            }
            DefaultModel::Vasicek { pd: *pd, rho: *rho }
        }
    };
    let min_loan = c.money(&at("limit.min"), l.limit.min);
    let max_loan = c.money(&at("limit.max"), l.limit.max);
    if max_loan < min_loan {
        c.fail(
            at("limit.max"),
            format!("must be at least limit.min ({min_loan}), got {max_loan}"),
        );
    }
    LenderSpec {
        name: l.name.clone(),
        platform,
        data,
        capital: c.money(&at("capital"), l.capital),
        funding_cost: c.real(&at("funding_cost"), l.funding_cost, 0.0, 1.0),
        score_weights: [
            c.real(&at("score.volume"), l.score.volume, -1e3, 1e3),
            c.real(&at("score.volatility"), l.score.volatility, -1e3, 1e3),
            c.real(&at("score.tenure"), l.score.tenure, -1e3, 1e3),
            c.real(&at("score.cash_flow"), l.score.cash_flow, -1e3, 1e3),
        ],
        cutoff: c.real(&at("cutoff"), l.cutoff, -1e6, 1e6),
        noise: c.real(&at("noise"), l.noise, 0.0, 10.0),
        sales_multiple: c.real(
            &at("limit.sales_multiple"),
            l.limit.sales_multiple,
            0.0,
            1e3,
        ),
        min_loan,
        max_loan,
        rate,
        term_days,
        repayment,
        lgd: c.share(&at("lgd"), l.lgd),
        workout_days: c.count(&at("workout_days"), l.workout_days, 0, 3650),
        loss_budget: l.loss_budget.map(|b| c.money(&at("loss_budget"), b)),
        expected_pd: c.share(&at("expected_pd"), l.expected_pd),
        default_model,
        max_rate,
    }
}

/// What a run of a scenario holds in memory, for the size check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemoryEstimate {
    /// Agent state and pending events of one replication while it runs.
    pub state: u64,
    /// Cohort counters of one replication, built when it finishes.
    pub cohorts: u64,
    /// Daily records one finished replication keeps until every
    /// replication is done and the files are written.
    pub records: u64,
}

/// Sizes of a market, for [`MemoryEstimate::of`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct MarketSize {
    pub consumers: u64,
    pub merchants: u64,
    pub platforms: u64,
    pub lenders: u64,
    pub segments: u64,
    pub horizon_days: u64,
}

impl MemoryEstimate {
    /// The estimate for a market of `size`, from the sizes of the types
    /// that hold it (saturating: an absurd size gives `u64::MAX`, never an
    /// overflow).
    pub fn of(size: MarketSize) -> MemoryEstimate {
        use std::mem::size_of;
        let b = |n: usize| n as u64;
        let MarketSize {
            consumers,
            merchants,
            platforms,
            lenders,
            segments,
            horizon_days,
        } = size;
        // The consumer's record (traits, indices, random stream), a pending
        // event and one relation per platform.
        let per_consumer = (b(size_of::<crate::agents::Consumer>())
            + b(size_of::<crate::engine::Scheduled<crate::engine::Event>>()))
        .saturating_add(platforms.saturating_mul(b(size_of::<crate::agents::Relation>())));
        // Price, costs, queue and listing state, a random stream, per-platform
        // counters and, with lenders, 30 days of sales per channel and cash.
        let window = crate::market::lending::SALES_WINDOW as u64;
        let per_merchant = (b(3 * size_of::<crate::ledger::Money>() + 4 * size_of::<u64>() + 16)
            + b(size_of::<crate::rng::StreamRng>()))
        .saturating_add(platforms.saturating_mul(8))
        .saturating_add(if lenders > 0 {
            window.saturating_mul(4 * (platforms + 1) + 8)
        } else {
            0
        });
        let state = consumers
            .saturating_mul(per_consumer)
            .saturating_add(merchants.saturating_mul(per_merchant));
        let months = horizon_days.div_ceil(u64::from(crate::metrics::COHORT_MONTH_DAYS));
        let cohorts = platforms
            .saturating_mul(segments)
            .saturating_mul(months)
            .saturating_mul(months + 1)
            .saturating_mul(2 * 8);
        let records = horizon_days.saturating_mul(
            platforms
                .saturating_mul(b(size_of::<crate::metrics::DayRecord>()))
                .saturating_add(
                    lenders.saturating_mul(b(size_of::<crate::market::lending::LenderDay>())),
                ),
        );
        MemoryEstimate {
            state,
            cohorts,
            records,
        }
    }

    /// Bytes needed to run `replications` replications, `in_flight` at a
    /// time: the state and cohort counters of those running, and the
    /// daily records of all.
    pub fn total(&self, replications: u64, in_flight: u64) -> u64 {
        self.state
            .saturating_add(self.cohorts)
            .saturating_mul(in_flight)
            .saturating_add(self.records.saturating_mul(replications))
    }
}

/// Refuses scenarios whose run would not fit in memory, with the estimate,
/// naming the key that makes it large: the market size, the horizon (with
/// many platforms and segments, cohort counters grow with its square) or
/// the replications (every replication's daily records are kept until the
/// files are written). Replications run in parallel, up to one per core.
fn check_memory(c: &mut Checker, size: MarketSize, replications: u32) {
    let in_flight = std::thread::available_parallelism()
        .map_or(1, |n| n.get() as u64)
        .min(u64::from(replications).max(1));
    let estimate = MemoryEstimate::of(size);
    let need = estimate.total(u64::from(replications), in_flight);
    let total = available_memory().unwrap_or(16 << 30);
    // Leave a fifth of the machine for the system and result buffers.
    let limit = total / 5 * 4;
    if need <= limit {
        return;
    }
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let state = estimate.state.saturating_mul(in_flight);
    let cohorts = estimate.cohorts.saturating_mul(in_flight);
    let records = estimate.records.saturating_mul(u64::from(replications));
    let key = if state >= cohorts && state >= records {
        "market.consumers"
    } else if cohorts >= records {
        "horizon_days"
    } else {
        "replications"
    };
    c.fail(
        key,
        format!(
            "this run needs about {:.1} GiB but this machine allows {:.1} GiB of its {:.1} GiB: \
             a market of {} consumers and {} merchants needs {:.1} GiB per replication \
             ({in_flight} in parallel), cohort counters {:.1} GiB per replication, and the \
             daily records of {replications} replication(s) × {} days {:.1} GiB",
            gib(need),
            gib(limit),
            gib(total),
            size.consumers,
            size.merchants,
            gib(estimate.state),
            gib(estimate.cohorts),
            size.horizon_days,
            gib(records),
        ),
    );
}

/// Total physical memory, from /proc/meminfo where available.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(consumers: u64, horizon_days: u64) -> MarketSize {
        MarketSize {
            consumers,
            merchants: 100,
            platforms: 2,
            lenders: 1,
            segments: 1,
            horizon_days,
        }
    }

    #[test]
    fn memory_estimate_saturates_instead_of_overflowing() {
        let huge = MemoryEstimate::of(MarketSize {
            consumers: u64::MAX,
            merchants: u64::MAX,
            platforms: u64::MAX,
            lenders: u64::MAX,
            segments: u64::MAX,
            horizon_days: u64::MAX,
        });
        assert_eq!(huge.state, u64::MAX);
        assert_eq!(huge.total(u64::MAX, u64::MAX), u64::MAX);
    }

    #[test]
    fn memory_estimate_counts_the_records_of_every_replication() {
        // Regression: only the state of replications in flight was counted,
        // so a million replications passed the check and exhausted memory
        // with their daily records.
        let e = MemoryEstimate::of(size(1000, 365));
        assert!(e.records > 0);
        assert_eq!(e.total(1_000_000, 2) - e.total(1, 2), e.records * 999_999);
        // Larger markets and longer runs need more.
        assert!(MemoryEstimate::of(size(2000, 365)).state > e.state);
        assert!(MemoryEstimate::of(size(1000, 730)).cohorts > e.cohorts);
    }
}
