//! Mergers as a rule's action: `then = { acquire = { target, price } }` in
//! `[[platforms.rules]]`. When the rule's conditions hold at a review, the
//! platform buys the named rival: it pays the price to the rival's
//! shareholders and takes over its cash, users, merchants and wallet
//! acceptance (see the market's `merger` module for the effects).
//!
//! The price is a number of yuan, or `{ cash_multiple = k, premium = x }`:
//! k times the target's spendable cash at the merger plus x yuan, the form
//! for "pay what is left in its bank account plus a premium".

use super::checker::Checker;
use crate::ledger::Money;

/// How much an acquirer pays for its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcquisitionPrice {
    /// Multiple of the target's spendable cash (cash minus takings it
    /// holds for merchants) at the merger; 0 for a fixed price.
    pub cash_multiple: f64,
    /// Fixed amount added to the multiple (the whole price when the
    /// multiple is 0).
    pub premium: Money,
}

impl AcquisitionPrice {
    /// The price for a target with `spendable` cash (a negative balance
    /// counts as none).
    pub fn for_target(&self, spendable: Money) -> Money {
        spendable.max(Money::ZERO).times(self.cash_multiple) + self.premium
    }
}

/// A rule's acquisition of a rival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acquisition {
    /// Index of the platform bought.
    pub target: usize,
    /// What the acquirer pays.
    pub price: AcquisitionPrice,
}

/// Largest multiple of the target's cash a price may be.
const MAX_CASH_MULTIPLE: f64 = 100.0;

/// Checks `then.acquire` of a rule of platform `own` (at `path`), where
/// `names` are every platform's names in file order.
pub(super) fn check(
    c: &mut Checker,
    path: &str,
    value: &toml::Value,
    own: usize,
    names: &[&str],
) -> Option<Acquisition> {
    let Some(table) = value.as_table() else {
        c.fail(
            path,
            format!(
                "must be a table {{ target = \"name\", price = yuan }}, got {}",
                value.type_str()
            ),
        );
        return None;
    };
    for key in table.keys() {
        if key != "target" && key != "price" {
            c.fail(
                format!("{path}.{key}"),
                "unknown key; an acquisition has `target` and `price`",
            );
        }
    }
    let target = match table.get("target") {
        None => {
            c.fail(
                format!("{path}.target"),
                "missing: name the platform to acquire",
            );
            None
        }
        Some(toml::Value::String(name)) => {
            let name = name.trim();
            match names.iter().position(|n| n.trim() == name) {
                Some(t) if t == own => {
                    c.fail(format!("{path}.target"), "a platform cannot acquire itself");
                    None
                }
                Some(t) => Some(t),
                None => {
                    c.fail(
                        format!("{path}.target"),
                        format!(
                            "unknown platform `{name}`; platforms are: {}",
                            names.join(", ")
                        ),
                    );
                    None
                }
            }
        }
        Some(other) => {
            c.fail(
                format!("{path}.target"),
                format!("must be a platform's name, got {}", other.type_str()),
            );
            None
        }
    };
    let price = price(c, &format!("{path}.price"), table.get("price"));
    Some(Acquisition {
        target: target?,
        price: price?,
    })
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn price(c: &mut Checker, path: &str, value: Option<&toml::Value>) -> Option<AcquisitionPrice> {
    let Some(value) = value else {
        c.fail(
            path,
            "missing: give a price in yuan or { cash_multiple = k, premium = yuan }",
        );
        return None;
    };
    if let Some(yuan) = number(value) {
        let before = c.problems.len();
        let premium = c.money(path, yuan);
        return (c.problems.len() == before).then_some(AcquisitionPrice {
            cash_multiple: 0.0,
            premium,
        });
    }
    let Some(table) = value.as_table() else {
        c.fail(
            path,
            format!(
                "must be an amount in yuan or {{ cash_multiple = k, premium = yuan }}, got {}",
                value.type_str()
            ),
        );
        return None;
    };
    let before = c.problems.len();
    for key in table.keys() {
        if key != "cash_multiple" && key != "premium" {
            c.fail(
                format!("{path}.{key}"),
                "unknown key; a price table has `cash_multiple` and `premium`",
            );
        }
    }
    let read = |c: &mut Checker, key: &str, default: f64| match table.get(key) {
        None => Some(default),
        Some(v) => match number(v) {
            Some(x) => Some(x),
            None => {
                c.fail(
                    format!("{path}.{key}"),
                    format!("must be a number, got {}", v.type_str()),
                );
                None
            }
        },
    };
    let multiple = read(c, "cash_multiple", 1.0)
        .map(|k| c.real(&format!("{path}.cash_multiple"), k, 0.0, MAX_CASH_MULTIPLE));
    let premium = read(c, "premium", 0.0).map(|x| c.money(&format!("{path}.premium"), x));
    let (Some(cash_multiple), Some(premium)) = (multiple, premium) else {
        return None;
    };
    (c.problems.len() == before).then_some(AcquisitionPrice {
        cash_multiple,
        premium,
    })
}
