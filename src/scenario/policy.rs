//! A platform's policy language: the levers it sets (coupon, fees,
//! commission, marketing), the metrics its rules watch, conditions
//! `metric op value`, and the dated schedule entries
//! (`[[platforms.schedule]]`) and conditional rules (`[[platforms.rules]]`)
//! built from them, with the parsing of their text forms.

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use crate::ledger::Money;

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
    /// or `{ scale = 0.5 }`; and/or `acquire = { target, price }` (see
    /// [`merger`](super::merger)).
    pub then: toml::Table,
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
    /// Bounty to the merchant per wallet payment (yuan).
    MerchantBounty,
    /// Bounty to the merchant per first payment of a new payer (yuan).
    NewPayerBounty,
    /// Marketing spend per day (yuan).
    MarketingBudget,
    /// Commission rate (share of price).
    Commission,
    /// Consumer fee per order (yuan).
    ConsumerFee,
    /// Payment per day to each merchant listed on this platform only
    /// (yuan).
    Exclusivity,
}

impl Lever {
    /// Every lever with its name in scenario files.
    pub const ALL: [(Lever, &'static str); 10] = [
        (Lever::Coupon, "coupon"),
        (Lever::NewUserBonus, "new_user_bonus"),
        (Lever::MerchantSubsidy, "merchant_subsidy"),
        (Lever::RedPacket, "red_packet"),
        (Lever::MerchantBounty, "merchant_bounty"),
        (Lever::NewPayerBounty, "new_payer_bounty"),
        (Lever::MarketingBudget, "marketing_budget"),
        (Lever::Commission, "commission"),
        (Lever::ConsumerFee, "consumer_fee"),
        (Lever::Exclusivity, "exclusivity"),
    ];

    /// The lever named `name`.
    pub fn from_name(name: &str) -> Option<Lever> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(l, _)| *l)
    }

    /// Whether the lever is an amount of money (every lever but
    /// commission).
    pub fn is_money(self) -> bool {
        self != Lever::Commission
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
    /// Shortest runway among live rivals, in months (infinite when none
    /// is burning or none is left).
    RivalRunwayMonths,
    /// Live rivals.
    Rivals,
}

impl Metric {
    /// Every metric with its name in scenario files.
    pub const ALL: [(Metric, &'static str); 12] = [
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
        (Metric::RivalRunwayMonths, "rival_runway_months"),
        (Metric::Rivals, "rivals"),
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
    /// Set to a fixed value.
    Set(LeverValue),
    /// Set to a metric's current value (read as yuan for a money lever), as
    /// in "match the rival's coupon".
    Copy(Metric),
    /// Multiply the lever's current value.
    Scale(f64),
}

/// A fixed lever value, typed by the lever it is for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LeverValue {
    /// An amount, for a money lever.
    Money(Money),
    /// A share in [0, 1], for commission.
    Share(f64),
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
    /// A rival bought when the conditions hold (`then.acquire`), once.
    pub acquire: Option<super::merger::Acquisition>,
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
pub(super) fn parse_condition(text: &str) -> Result<Condition, String> {
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
pub(super) fn parse_levers(
    c: &mut Checker,
    path: &str,
    table: &toml::Table,
) -> Vec<(Lever, LeverChange)> {
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
            toml::Value::Integer(i) => Ok(LeverChange::Set(LeverValue::Share(*i as f64))),
            toml::Value::Float(f) if f.is_finite() && *f >= 0.0 => {
                Ok(LeverChange::Set(LeverValue::Share(*f)))
            }
            toml::Value::Float(f) => Err(format!("must be a finite number ≥ 0, got {f}")),
            toml::Value::String(s) => parse_operand(s).map(|operand| match operand {
                Operand::Number(v) => LeverChange::Set(LeverValue::Share(v)),
                Operand::Metric(m) => LeverChange::Copy(m),
            }),
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
        // A number read above is typed here, by the lever it sets: money
        // levers hold fen from now on.
        match change {
            Ok(LeverChange::Set(LeverValue::Share(v))) if v < 0.0 => {
                c.fail(&at, format!("must be ≥ 0, got {v}"))
            }
            Ok(LeverChange::Set(LeverValue::Share(v))) if lever == Lever::Commission && v > 1.0 => {
                c.fail(
                    &at,
                    format!("commission is a share between 0 and 1, got {v}"),
                )
            }
            Ok(LeverChange::Set(LeverValue::Share(v))) if lever.is_money() => {
                let amount = c.money(&at, v);
                out.push((lever, LeverChange::Set(LeverValue::Money(amount))));
            }
            Ok(change) => out.push((lever, change)),
            Err(rule) => c.fail(&at, rule),
        }
    }
    out
}
