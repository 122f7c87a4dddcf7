//! Stage 3 of loading: reading the parsed table into the serde mirror
//! ([`RawScenario`]), reporting every unknown key (with the closest known
//! key) and the first wrong type or missing key, each with its key path.

use super::Problem;
use super::checker::problem;
use super::choice::RawChoice;
use super::consumers::{RawChurn, RawConsumers, RawLoyalty, RawSegment};
use super::dist::RawDist;
use super::economy::{RawEconomy, RawShock};
use super::lenders::{
    RawDefaultModel, RawLender, RawLimit, RawPenalty, RawRate, RawRepayment, RawScore,
};
use super::market::RawMarket;
use super::merchants::{RawCategory, RawCredit, RawMembership, RawMerchants};
use super::payments::RawPayments;
use super::platforms::{RawFunding, RawPlatform, RawSubsidy};
use super::policy::{RawRule, RawScheduleEntry};
use super::raw::RawScenario;
use super::regulation::RawRegulation;

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
        choice: RawChoice {
            cash_utility: Some(0.0),
            ..RawChoice::default()
        },
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
            data_sharing_value: 0.0,
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
            word_of_mouth_base: String::new(),
            adoption_period_days: 1,
            new_user_bonus: 0.0,
            merchant_subsidy: 0.0,
            red_packet: 0.0,
            merchant_bounty: 0.0,
            new_payer_bounty: 0.0,
            payment_convenience: 0.0,
            exclusivity: 0.0,
            customer_data: Some(String::new()),
            review_days: 1,
            payments: RawPayments {
                acceptance: Some(0.0),
                fund: Some(super::balances::RawFund::default()),
                merchant_fund: Some(super::balances::RawMerchantFund::default()),
                ..RawPayments::default()
            },
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
            standalone: true,
            products: vec![super::products::RawProduct {
                name: String::new(),
                kind: String::new(),
                launch_day: 0,
                period_days: 1,
                payout: 0.0,
                incidence: 0.0,
                fee_share: 0.0,
                premium: 0.0,
                loss_ratio: 0.0,
                willingness: Some(dist()),
                adverse_selection: false,
                risk_spread: 0.0,
                reach_days: 1,
                take_up: 0.0,
                trust: 0.0,
                tenure: 0.0,
                appeal: 0.0,
                payout_weight: 0.0,
                price_weight: 0.0,
                marketing_budget: 0.0,
                reach_cost: 0.0,
                represents: 1.0,
                retention: 0.0,
            }],
        }],
        lenders: vec![RawLender {
            name: String::new(),
            platform: Some(String::new()),
            data: Some(super::credit::RawData::One(String::new())),
            information: Some(super::credit::RawInformation::default()),
            fraud: Some(super::credit::RawFraud {
                share: 0.0,
                cost_per_check: 0.0,
                recovery: 0.0,
            }),
            capital: 0.0,
            funding_cost: 0.0,
            score: RawScore {
                latent: Some(0.0),
                ..RawScore::default()
            },
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
            consolidated: Some(false),
            delist_penalty: Some(RawPenalty::Yuan(0.0)),
        }],
        consumer_credit: vec![super::credit::RawConsumerCredit {
            name: String::new(),
            platform: String::new(),
            data: super::credit::RawData::One(String::new()),
            information: super::credit::RawInformation::default(),
            capital: 0.0,
            funding_cost: 0.0,
            min_orders: 0,
            review_days: 1,
            cutoff: 0.0,
            limit: super::credit::RawCreditLimit::default(),
            credit_utility: 0.0,
            statement_days: 1,
            interest_free_days: 0,
            rate: 0.0,
            revolving_share: 0.0,
            min_payment: 0.0,
            pd: 0.0,
            rho: 0.0,
            latent_share: 0.0,
            lgd: 0.0,
            workout_days: 0,
            term_days: 1,
            default_model: Some(RawDefaultModel::Vasicek { pd: 0.0, rho: 0.0 }),
            fraud: Some(super::credit::RawFraud {
                share: 0.0,
                cost_per_check: 0.0,
                recovery: 0.0,
            }),
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
            max_merchant_subsidy: Some(0.0),
            max_interest_rate: Some(0.0),
        },
        sweep: Some(toml::Table::new()),
        optimize: Some(toml::Table::new()),
        equilibrium: Some(toml::Table::new()),
        calibrate: Some(toml::Table::new()),
        balances: Some(super::balances::RawBalances {
            target: Some(0.0),
            ..super::balances::RawBalances::default()
        }),
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
