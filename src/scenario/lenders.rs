//! `[[lenders]]`: lenders to merchants — a platform's lending arm, which
//! scores the transactions it settles, or a bank, which sees only what
//! merchants report — with their credit policy: score (`[lenders.score]`),
//! limit (`[lenders.limit]`), rate, term, repayment, losses and the
//! default model.

use serde::{Deserialize, Serialize};

use super::checker::Checker;
use super::credit::{self, DataKind, DataSpec, FraudSpec, RawData, RawFraud, RawInformation};
use super::platforms::RawPlatform;
use super::raw::one_f;
use crate::ledger::Money;

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
    /// declares, with noise), or a list of kinds (adding `behaviour` and
    /// `scenes`), each a measurement of the merchant's latent risk. Default:
    /// `transactions` for a platform's arm, `self_reported` for a bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<RawData>,
    /// Information value of each data kind (with a list of kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub information: Option<RawInformation>,
    /// Fraudulent applicants and anti-fraud screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraud: Option<RawFraud>,
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
    /// Whether a platform's lending arm is consolidated into its group:
    /// funded from the platform's cash and returning its profit there.
    /// Default: `true` for a platform's arm; a bank cannot be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consolidated: Option<bool>,
    /// What a merchant repaying a sales-share loan pays to delist from the
    /// platform it repays through: `{ yuan = 2000 }` or `{ share = 0.05 }`
    /// of the principal outstanding. Without it such a merchant cannot
    /// delist while the loan is on the books.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delist_penalty: Option<RawPenalty>,
}

/// `delist_penalty = { yuan = 2000 }` or `{ share = 0.05 }`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawPenalty {
    /// A fixed amount, in yuan.
    Yuan(f64),
    /// A share of the principal outstanding.
    Share(f64),
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
    /// Weight of the standardised estimate of the merchant's latent risk
    /// from the data kinds seen (with a list of kinds; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent: Option<f64>,
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
            latent: None,
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
    /// The data kinds seen and their information values (for one kind,
    /// the kind its `data` names): what anti-fraud screening uses.
    pub signals: DataSpec,
    /// Whether `data` is a list of kinds: the score then adds the
    /// estimate of the merchant's latent risk from those kinds.
    pub latent_signals: bool,
    /// Weight of the latent-risk estimate in the score.
    pub latent_weight: f64,
    /// Anti-fraud policy.
    pub fraud: Option<FraudSpec>,
    /// Whether the arm is consolidated into its platform's group (see
    /// the lending module): only ever true for a platform's arm.
    pub consolidated: bool,
    /// What a merchant repaying a sales-share loan pays to delist from the
    /// lender's platform; `None`: it cannot delist while the loan is on the
    /// books.
    pub delist_penalty: Option<Penalty>,
}

/// A penalty for leaving a platform while repaying a loan through it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Penalty {
    /// A fixed amount.
    Fixed(Money),
    /// A share of the principal outstanding.
    Share(f64),
}

impl Penalty {
    /// The penalty on a loan with `outstanding` principal.
    pub fn amount(self, outstanding: Money) -> Money {
        match self {
            Penalty::Fixed(m) => m,
            Penalty::Share(s) => outstanding.times(s),
        }
    }
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

/// Checks `[[lenders]]`, each against the platforms it may name;
/// `max_rate` is the regulator's cap on interest rates, if any.
pub(super) fn check(
    c: &mut Checker,
    lenders: &[RawLender],
    platforms: &[RawPlatform],
    max_rate: Option<f64>,
) -> Vec<LenderSpec> {
    let mut out = Vec::new();
    for (i, l) in lenders.iter().enumerate() {
        out.push(check_lender(c, i, l, lenders, platforms, max_rate));
    }
    out
}

fn check_lender(
    c: &mut Checker,
    i: usize,
    l: &RawLender,
    lenders: &[RawLender],
    platforms: &[RawPlatform],
    max_rate: Option<f64>,
) -> LenderSpec {
    let at = |k: &str| format!("lenders[{i}].{k}");
    if l.name.trim().is_empty() || lenders[..i].iter().any(|o| o.name == l.name) {
        c.fail(at("name"), "must be a non-empty name used once");
    } else if platforms.iter().any(|p| p.name.trim() == l.name.trim()) {
        c.fail(
            at("name"),
            format!(
                "`{}` names a platform; a lender needs a name of its own (tables and \
                 columns name platforms and lenders side by side)",
                l.name.trim()
            ),
        );
    }
    let platform = l.platform.as_ref().and_then(|name| {
        let found = platforms.iter().position(|p| p.name.trim() == name.trim());
        if found.is_none() {
            c.fail(at("platform"), format!("no platform is named `{name}`"));
        }
        found
    });
    let (data, signals) = match (&l.data, l.platform.is_some()) {
        (Some(RawData::One(one)), has_platform) => (
            match (one.as_str(), has_platform) {
                ("transactions", true) => DataAccess::Transactions,
                ("transactions", false) => {
                    c.fail(
                        at("data"),
                        "transaction data needs a `platform` whose data the lender sees",
                    );
                    DataAccess::SelfReported
                }
                ("self_reported", _) => DataAccess::SelfReported,
                (other, _) => {
                    c.fail(
                        at("data"),
                        format!("must be \"transactions\" or \"self_reported\", got \"{other}\""),
                    );
                    DataAccess::SelfReported
                }
            },
            None,
        ),
        (None, true) => (DataAccess::Transactions, None),
        (None, false) => (DataAccess::SelfReported, None),
        (Some(list), has_platform) => {
            let kinds = credit::data_kinds(c, &at("data"), list, has_platform);
            let information = credit::information(
                c,
                &at("information"),
                &l.information.clone().unwrap_or_default(),
            );
            let access = if kinds.contains(&DataKind::Transactions) {
                DataAccess::Transactions
            } else {
                DataAccess::SelfReported
            };
            (access, Some(DataSpec { kinds, information }))
        }
    };
    let latent_signals = signals.is_some();
    let signals = signals.unwrap_or_else(|| DataSpec {
        kinds: vec![match data {
            DataAccess::Transactions => DataKind::Transactions,
            DataAccess::SelfReported => DataKind::SelfReported,
        }],
        information: credit::information(c, &at("information"), &RawInformation::default()),
    });
    if l.information.is_some() && !latent_signals {
        c.fail(
            at("information"),
            "information values need `data` to be a list of kinds",
        );
    }
    if l.score.latent.is_some() && !latent_signals {
        c.fail(
            at("score.latent"),
            "the latent-risk weight needs `data` to be a list of kinds",
        );
    }
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
    let consolidated = match (l.consolidated, platform.is_some() || l.platform.is_some()) {
        (Some(true), false) => {
            c.fail(
                at("consolidated"),
                "only a platform's lending arm can be consolidated: set `platform`",
            );
            false
        }
        (Some(v), _) => v,
        (None, arm) => arm,
    };
    let delist_penalty = match &l.delist_penalty {
        None => None,
        Some(p) => {
            if !matches!(repayment, Repayment::SalesShare(_)) {
                c.fail(
                    at("delist_penalty"),
                    "applies only to loans repaid from sales (repayment = { sales_share = … })",
                );
            }
            Some(match p {
                RawPenalty::Yuan(y) => Penalty::Fixed(c.money(&at("delist_penalty.yuan"), *y)),
                RawPenalty::Share(s) => {
                    Penalty::Share(c.real(&at("delist_penalty.share"), *s, 0.0, 10.0))
                }
            })
        }
    };
    LenderSpec {
        consolidated,
        delist_penalty,
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
        signals,
        latent_signals,
        latent_weight: c.real(
            &at("score.latent"),
            l.score.latent.unwrap_or(1.0),
            -1e3,
            1e3,
        ),
        fraud: l.fraud.as_ref().map(|f| credit::fraud(c, &at("fraud"), f)),
    }
}
