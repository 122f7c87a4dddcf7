//! Stages 3 and 4 of loading: reading the parsed table into the serde
//! mirror, then checking every rule. Problems are collected, not thrown, so
//! one pass reports everything wrong with a file.

use super::dist::{Dist, RawDist, Support};
use super::raw::{RawConsumers, RawMarket, RawMerchants, RawPlatform, RawScenario, RawSubsidy};
use super::{
    ConsumerSpec, MAX_HORIZON_DAYS, MAX_PLATFORMS, Market, MerchantSpec, PlatformSpec, Problem,
    Scenario,
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
        },
        consumers: RawConsumers {
            purchase_rate: RawDist::Fixed(0.0),
            price_sensitivity: RawDist::Fixed(0.0),
        },
        merchants: RawMerchants {
            price: RawDist::Fixed(0.0),
            unit_cost_share: RawDist::Fixed(0.0),
            cash: 0.0,
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
        }],
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
    // Windows are checked against the horizon only when it is itself valid,
    // so one bad horizon does not cascade into a problem per window.
    let horizon_ok = c.problems.len() == problems_before;

    let m = &raw.market;
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
    };

    let consumers = ConsumerSpec {
        purchase_rate: c.dist(
            "consumers.purchase_rate",
            &raw.consumers.purchase_rate,
            Support::NON_NEGATIVE,
        ),
        price_sensitivity: c.dist(
            "consumers.price_sensitivity",
            &raw.consumers.price_sensitivity,
            Support::NON_NEGATIVE,
        ),
    };
    if consumers.purchase_rate.mean() > 1000.0 {
        c.fail(
            "consumers.purchase_rate",
            format!(
                "mean of {} purchases per day per consumer is implausible (at most 1000)",
                consumers.purchase_rate.mean()
            ),
        );
    }
    let merchants = MerchantSpec {
        price: c.dist(
            "merchants.price",
            &raw.merchants.price,
            Support::NON_NEGATIVE,
        ),
        unit_cost_share: c.dist(
            "merchants.unit_cost_share",
            &raw.merchants.unit_cost_share,
            Support::UNIT,
        ),
        cash: c.money("merchants.cash", raw.merchants.cash),
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

    check_memory(&mut c, &market, platforms.len(), replications);

    if c.problems.is_empty() {
        Ok(Scenario {
            name,
            seed: raw.seed,
            replications,
            horizon_days,
            market,
            consumers,
            merchants,
            platforms,
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
    let mut coupon_by_day = vec![Money::ZERO; horizon_days as usize];
    let mut windows: Vec<(i64, i64, usize)> = Vec::new();
    for (j, s) in p.subsidy.iter().enumerate() {
        let sat = |key: &str| format!("platforms[{i}].subsidy[{j}].{key}");
        let per_order = c.money(&sat("per_order"), s.per_order);
        let mut ok = true;
        if s.from_day < 0 || (horizon_ok && s.from_day >= i64::from(horizon_days)) {
            c.fail(
                sat("from_day"),
                format!(
                    "must be a day within the horizon (0 to {}), got {}",
                    horizon_days.saturating_sub(1),
                    s.from_day
                ),
            );
            ok = false;
        }
        if s.to_day <= s.from_day {
            c.fail(
                sat("to_day"),
                format!("must be after from_day ({}), got {}", s.from_day, s.to_day),
            );
            ok = false;
        } else if horizon_ok && s.to_day > i64::from(horizon_days) {
            c.fail(
                sat("to_day"),
                format!(
                    "must be at most horizon_days ({horizon_days}), got {}",
                    s.to_day
                ),
            );
            ok = false;
        }
        if let Some(&(_, _, k)) = windows
            .iter()
            .find(|&&(from, to, _)| s.from_day < to && from < s.to_day)
        {
            c.fail(
                sat("from_day"),
                format!(
                    "window [{}, {}) overlaps platforms[{i}].subsidy[{k}]",
                    s.from_day, s.to_day
                ),
            );
            ok = false;
        }
        windows.push((s.from_day, s.to_day, j));
        if ok && horizon_ok {
            for day in s.from_day..s.to_day {
                coupon_by_day[day as usize] = per_order;
            }
        }
    }
    PlatformSpec {
        name,
        cash: c.money(&at("cash"), p.cash),
        commission: c.share(&at("commission"), p.commission),
        consumer_fee: c.money(&at("consumer_fee"), p.consumer_fee),
        brand_utility: c.real(
            &at("brand_utility"),
            p.brand_utility,
            -MAX_UTILITY,
            MAX_UTILITY,
        ),
        merchant_reach: c.share(&at("merchant_reach"), p.merchant_reach),
        variable_cost: c.money(&at("variable_cost"), p.variable_cost),
        fixed_daily_cost: c.money(&at("fixed_daily_cost"), p.fixed_daily_cost),
        coupon_by_day,
    }
}

/// Estimated bytes of state of one replication of a market of this size:
/// per consumer, two traits, a 32-byte random stream, a last-order day per
/// platform and a pending event; per merchant, price, cost and listings.
pub fn estimated_bytes(consumers: u64, merchants: u64, platforms: u64) -> u64 {
    let per_consumer = 8 + 8 + 32 + 2 * platforms + 32;
    consumers * per_consumer + merchants * (48 + platforms)
}

/// Refuses markets whose state would not fit in memory, with the estimate.
/// Replications run in parallel, up to one per core.
fn check_memory(c: &mut Checker, market: &Market, platforms: usize, replications: u32) {
    let in_flight = std::thread::available_parallelism()
        .map_or(1, |n| n.get() as u64)
        .min(u64::from(replications).max(1));
    let one = estimated_bytes(
        u64::from(market.consumers),
        u64::from(market.merchants),
        platforms as u64,
    );
    let need = one.saturating_mul(in_flight);
    let total = available_memory().unwrap_or(16 << 30);
    // Leave a fifth of the machine for the system and result buffers.
    let limit = total / 5 * 4;
    if need > limit {
        let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
        c.fail(
            "market.consumers",
            format!(
                "a market of {} consumers and {} merchants needs about {:.1} GiB per replication \
                 ({:.1} GiB for {in_flight} in parallel); this machine allows {:.1} GiB of its {:.1} GiB",
                market.consumers,
                market.merchants,
                gib(one),
                gib(need),
                gib(limit),
                gib(total)
            ),
        );
    }
}

/// Total physical memory, from /proc/meminfo where available.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
