//! `[consumers]`: the consumer population — purchase rates, price
//! sensitivity, churn, dormancy and habit (loyalty), for everyone or by
//! segment (`[[consumers.segments]]`).

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::dist::{Dist, RawDist, Support};
use super::validate::MAX_HORIZON_DAYS;

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

/// Checks `[consumers]`.
pub(super) fn check(c: &mut Checker, rc: &RawConsumers) -> ConsumerSpec {
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
    let churn = check_churn(c, "consumers.churn", &rc.churn);
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
                Some(_) => check_churn(c, &at("churn"), &seg.churn),
                None => churn,
            },
        });
    }
    c.shares(
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
    ConsumerSpec {
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
    }
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
