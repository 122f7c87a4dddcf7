//! `[[consumer_credit]]`: consumer credit lines (花呗, 借呗, 58消费贷)
//! offered through a platform, and the credit data and anti-fraud
//! screening that consumer credit and lenders to merchants share: which
//! kinds of data a lender sees (`data`), what each kind is worth
//! (`[information]`) and how many applicants are fraudulent (`[fraud]`).
//!
//! A data kind is a noisy measurement of a borrower's latent risk; its
//! information value is the share of the latent risk's variance the
//! measurement reveals (its squared correlation with the risk), so a
//! value of 0.3 means the kind alone predicts 30% of what there is to
//! know. The kinds a lender sees are combined (see
//! [`crate::market::signals`]).

use serde::{Deserialize, Serialize};

use super::checker::{Checker, MAX_UTILITY};
use super::lenders::RawDefaultModel;
use super::platforms::RawPlatform;
use crate::ledger::Money;

/// A kind of data a lender can see about a borrower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DataKind {
    /// The platform's transaction data: volume, volatility, tenure.
    Transactions,
    /// Behaviour on the platform: ordering regularity, membership, wallet
    /// balances.
    Behaviour,
    /// Consumption scenes: which categories a borrower buys in.
    Scenes,
    /// What the borrower declares.
    SelfReported,
}

impl DataKind {
    /// Every kind with its name in scenario files.
    pub const ALL: [(DataKind, &'static str); 4] = [
        (DataKind::Transactions, "transactions"),
        (DataKind::Behaviour, "behaviour"),
        (DataKind::Scenes, "scenes"),
        (DataKind::SelfReported, "self_reported"),
    ];

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<DataKind> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(k, _)| *k)
    }

    /// Index into per-kind arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether only a platform holds this kind of data (everything but
    /// what the borrower reports).
    pub fn platform_data(self) -> bool {
        self != DataKind::SelfReported
    }
}

/// `data`: one kind (`"transactions"`) or a list of kinds
/// (`["transactions", "behaviour", "scenes"]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RawData {
    /// One kind, as lenders have always written it.
    One(String),
    /// The kinds a lender sees, each adding its information.
    Many(Vec<String>),
}

/// `[information]`: the information value of each data kind: the share
/// of the latent risk's variance that kind reveals, in [0, 0.99].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawInformation {
    /// Transactions (volume, volatility, tenure).
    #[serde(default = "default_transactions")]
    pub transactions: f64,
    /// Behaviour (ordering regularity, membership, wallet balances).
    #[serde(default = "default_behaviour")]
    pub behaviour: f64,
    /// Consumption scenes (categories).
    #[serde(default = "default_scenes")]
    pub scenes: f64,
    /// Self-reported income or revenue.
    #[serde(default = "default_self_reported")]
    pub self_reported: f64,
}

fn default_transactions() -> f64 {
    0.3
}

fn default_behaviour() -> f64 {
    0.2
}

fn default_scenes() -> f64 {
    0.15
}

fn default_self_reported() -> f64 {
    0.05
}

impl Default for RawInformation {
    fn default() -> Self {
        RawInformation {
            transactions: default_transactions(),
            behaviour: default_behaviour(),
            scenes: default_scenes(),
            self_reported: default_self_reported(),
        }
    }
}

/// `[fraud]`: fraudulent applicants and the anti-fraud screening that
/// looks for them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawFraud {
    /// Share of applications that are fraudulent (fabricated or stolen
    /// identities that never repay).
    pub share: f64,
    /// Cost of screening one application, in yuan.
    #[serde(default)]
    pub cost_per_check: f64,
    /// Share of a fraudulent loan's exposure recovered after default.
    #[serde(default)]
    pub recovery: f64,
}

/// Anti-fraud policy, validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FraudSpec {
    /// Share of applications that are fraudulent.
    pub share: f64,
    /// Cost per application screened.
    pub cost_per_check: Money,
    /// Share of a fraudulent exposure recovered.
    pub recovery: f64,
}

/// The data a lender sees: the kinds and each kind's information value.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    /// Kinds seen, in the order of [`DataKind::ALL`], each once.
    pub kinds: Vec<DataKind>,
    /// Information value of every kind, by [`DataKind::index`].
    pub information: [f64; 4],
}

impl DataSpec {
    /// Whether the lender sees `kind`.
    pub fn sees(&self, kind: DataKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Reads `data` at `path` into the kinds it lists; a bank (`platform`
/// false) may list only `self_reported`.
pub(super) fn data_kinds(
    c: &mut Checker,
    path: &str,
    raw: &RawData,
    platform: bool,
) -> Vec<DataKind> {
    let names: Vec<&str> = match raw {
        RawData::One(s) => vec![s.as_str()],
        RawData::Many(v) => v.iter().map(String::as_str).collect(),
    };
    if names.is_empty() {
        c.fail(path, "must list at least one kind of data");
    }
    let mut kinds = Vec::new();
    for name in names {
        match DataKind::from_name(name) {
            Some(k) if k.platform_data() && !platform => c.fail(
                path,
                format!("\"{name}\" data needs a `platform` whose data the lender sees"),
            ),
            Some(k) => kinds.push(k),
            None => c.fail(
                path,
                format!(
                    "unknown kind of data \"{name}\"; kinds are: transactions, behaviour, \
                     scenes, self_reported"
                ),
            ),
        }
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Checks `[information]` at `path`.
pub(super) fn information(c: &mut Checker, path: &str, raw: &RawInformation) -> [f64; 4] {
    let mut out = [0.0; 4];
    for (kind, name) in DataKind::ALL {
        let v = match kind {
            DataKind::Transactions => raw.transactions,
            DataKind::Behaviour => raw.behaviour,
            DataKind::Scenes => raw.scenes,
            DataKind::SelfReported => raw.self_reported,
        };
        out[kind.index()] = c.real(&format!("{path}.{name}"), v, 0.0, 0.99);
    }
    out
}

/// Checks `[fraud]` at `path`.
pub(super) fn fraud(c: &mut Checker, path: &str, raw: &RawFraud) -> FraudSpec {
    FraudSpec {
        share: c.share(&format!("{path}.share"), raw.share),
        cost_per_check: c.money(&format!("{path}.cost_per_check"), raw.cost_per_check),
        recovery: c.share(&format!("{path}.recovery"), raw.recovery),
    }
}

/// `[[consumer_credit]]`: a consumer credit programme run by a platform.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawConsumerCredit {
    /// Unique name (花呗, 58消费贷, ...).
    pub name: String,
    /// The platform that offers the credit and funds it from its cash.
    pub platform: String,
    /// The kinds of data the programme scores consumers on.
    #[serde(default = "default_data")]
    pub data: RawData,
    /// Information value of each kind.
    #[serde(default)]
    pub information: RawInformation,
    /// Most credit outstanding at once, in yuan.
    pub capital: f64,
    /// Annual cost of the money lent, on outstanding balances.
    #[serde(default)]
    pub funding_cost: f64,
    /// Orders on the platform before a consumer is scored.
    #[serde(default = "default_min_orders")]
    pub min_orders: i64,
    /// Days between reviews of consumers without a line.
    #[serde(default = "default_review_days")]
    pub review_days: i64,
    /// Lowest standardised score approved (the score is minus the
    /// estimated latent risk, in standard deviations of the estimate).
    #[serde(default)]
    pub cutoff: f64,
    /// The credit line.
    #[serde(default)]
    pub limit: RawCreditLimit,
    /// Utility of being able to pay for a platform order on credit.
    #[serde(default = "default_credit_utility")]
    pub credit_utility: f64,
    /// Days between statements.
    #[serde(default = "default_statement_days")]
    pub statement_days: i64,
    /// Days from a statement to its due date, free of interest.
    #[serde(default = "default_interest_free_days")]
    pub interest_free_days: i64,
    /// Annual interest on balances carried past their due date.
    #[serde(default = "default_credit_rate")]
    pub rate: f64,
    /// Share of borrowers who pay only the minimum (revolvers).
    #[serde(default = "default_revolving_share")]
    pub revolving_share: f64,
    /// Share of the statement balance a revolver pays.
    #[serde(default = "default_min_payment")]
    pub min_payment: f64,
    /// Annual probability that a consumer drawn at random stops paying.
    #[serde(default = "default_pd")]
    pub pd: f64,
    /// Loading of defaults on the economy's common factor.
    #[serde(default = "default_rho")]
    pub rho: f64,
    /// Share of a borrower's own default risk that is its latent risk
    /// (what data can reveal).
    #[serde(default = "default_latent_share")]
    pub latent_share: f64,
    /// Loss given default: share of a defaulted balance not recovered.
    #[serde(default = "default_credit_lgd")]
    pub lgd: f64,
    /// Days from default to recovery and write-off.
    #[serde(default = "default_workout")]
    pub workout_days: i64,
    /// Days the Vasicek model's probability of default covers, from a
    /// line's opening.
    #[serde(default = "default_term")]
    pub term_days: i64,
    /// Replaces factor-driven defaults by a one-factor Vasicek model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model: Option<RawDefaultModel>,
    /// Fraudulent applicants and anti-fraud screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraud: Option<RawFraud>,
}

fn default_data() -> RawData {
    RawData::One("transactions".to_string())
}

fn default_min_orders() -> i64 {
    1
}

fn default_review_days() -> i64 {
    30
}

fn default_credit_utility() -> f64 {
    0.3
}

fn default_statement_days() -> i64 {
    30
}

fn default_interest_free_days() -> i64 {
    20
}

fn default_credit_rate() -> f64 {
    0.15
}

fn default_revolving_share() -> f64 {
    0.3
}

fn default_min_payment() -> f64 {
    0.1
}

fn default_pd() -> f64 {
    0.05
}

fn default_rho() -> f64 {
    0.1
}

fn default_latent_share() -> f64 {
    0.5
}

fn default_credit_lgd() -> f64 {
    0.8
}

fn default_workout() -> i64 {
    90
}

fn default_term() -> i64 {
    365
}

/// `[consumer_credit.limit]`: a line is a multiple of the consumer's
/// monthly spend on the platform, between a floor and a cap.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawCreditLimit {
    /// Multiple of 30 days' spend on the platform.
    #[serde(default = "default_spend_multiple")]
    pub spend_multiple: f64,
    /// Smallest line, in yuan.
    #[serde(default = "default_min_line")]
    pub min: f64,
    /// Largest line, in yuan.
    #[serde(default = "default_max_line")]
    pub max: f64,
}

fn default_spend_multiple() -> f64 {
    2.0
}

fn default_min_line() -> f64 {
    500.0
}

fn default_max_line() -> f64 {
    20_000.0
}

impl Default for RawCreditLimit {
    fn default() -> Self {
        RawCreditLimit {
            spend_multiple: default_spend_multiple(),
            min: default_min_line(),
            max: default_max_line(),
        }
    }
}

/// A consumer credit programme, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerCreditSpec {
    /// Name.
    pub name: String,
    /// Index of the platform offering it.
    pub platform: usize,
    /// Data it scores on.
    pub data: DataSpec,
    /// Most credit outstanding.
    pub capital: Money,
    /// Annual funding cost on outstanding balances.
    pub funding_cost: f64,
    /// Orders on the platform before scoring.
    pub min_orders: u32,
    /// Days between reviews.
    pub review_days: u32,
    /// Lowest standardised score approved.
    pub cutoff: f64,
    /// Multiple of 30 days' spend.
    pub spend_multiple: f64,
    /// Smallest line.
    pub min_line: Money,
    /// Largest line.
    pub max_line: Money,
    /// Utility of paying on credit.
    pub credit_utility: f64,
    /// Days between statements.
    pub statement_days: u32,
    /// Days from statement to due date.
    pub interest_free_days: u32,
    /// Annual rate on revolving balances.
    pub rate: f64,
    /// Share of revolvers.
    pub revolving_share: f64,
    /// Minimum payment share.
    pub min_payment: f64,
    /// Annual probability of default of a random consumer.
    pub pd: f64,
    /// Loading on the economy factor.
    pub rho: f64,
    /// Latent share of own risk.
    pub latent_share: f64,
    /// Loss given default.
    pub lgd: f64,
    /// Workout days.
    pub workout_days: u32,
    /// Days the Vasicek pd covers.
    pub term_days: u32,
    /// Vasicek `(pd, rho)`, if defaults follow that model.
    pub vasicek: Option<(f64, f64)>,
    /// Anti-fraud policy.
    pub fraud: Option<FraudSpec>,
}

/// Checks `[[consumer_credit]]` against the platforms it may name.
pub(super) fn check(
    c: &mut Checker,
    all: &[RawConsumerCredit],
    platforms: &[RawPlatform],
) -> Vec<ConsumerCreditSpec> {
    let mut out = Vec::new();
    for (i, r) in all.iter().enumerate() {
        let at = |k: &str| format!("consumer_credit[{i}].{k}");
        if r.name.trim().is_empty() || all[..i].iter().any(|o| o.name == r.name) {
            c.fail(at("name"), "must be a non-empty name used once");
        }
        let platform = match platforms
            .iter()
            .position(|p| p.name.trim() == r.platform.trim())
        {
            Some(p) => p,
            None => {
                c.fail(
                    at("platform"),
                    format!("no platform is named `{}`", r.platform),
                );
                0
            }
        };
        if all[..i]
            .iter()
            .any(|o| o.platform.trim() == r.platform.trim())
        {
            c.fail(
                at("platform"),
                "a platform runs at most one consumer credit programme",
            );
        }
        let kinds = data_kinds(c, &at("data"), &r.data, true);
        let information = information(c, &at("information"), &r.information);
        let min_line = c.money(&at("limit.min"), r.limit.min);
        let max_line = c.money(&at("limit.max"), r.limit.max);
        if max_line < min_line {
            c.fail(
                at("limit.max"),
                format!("must be at least limit.min ({min_line}), got {max_line}"),
            );
        }
        let statement_days = c.count(&at("statement_days"), r.statement_days, 1, 365);
        if r.interest_free_days >= i64::from(statement_days) {
            c.fail(
                at("interest_free_days"),
                format!(
                    "must be below statement_days ({statement_days}): a bill falls due before the next, got {}",
                    r.interest_free_days
                ),
            );
        }
        let vasicek = match &r.default_model {
            None => None,
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
                Some((*pd, *rho))
            }
        };
        let pd = c.share(&at("pd"), r.pd);
        if pd >= 1.0 {
            c.fail(at("pd"), "must be below 1");
        }
        let rho = c.share(&at("rho"), r.rho);
        if rho >= 1.0 {
            c.fail(at("rho"), "must be below 1");
        }
        out.push(ConsumerCreditSpec {
            name: r.name.clone(),
            platform,
            data: DataSpec { kinds, information },
            capital: c.money(&at("capital"), r.capital),
            funding_cost: c.real(&at("funding_cost"), r.funding_cost, 0.0, 1.0),
            min_orders: c.count(&at("min_orders"), r.min_orders, 0, 1_000_000),
            review_days: c.count(&at("review_days"), r.review_days, 1, 3650),
            cutoff: c.real(&at("cutoff"), r.cutoff, -10.0, 10.0),
            spend_multiple: c.real(
                &at("limit.spend_multiple"),
                r.limit.spend_multiple,
                0.0,
                1e3,
            ),
            min_line,
            max_line,
            credit_utility: c.real(
                &at("credit_utility"),
                r.credit_utility,
                -MAX_UTILITY,
                MAX_UTILITY,
            ),
            statement_days,
            interest_free_days: c.count(&at("interest_free_days"), r.interest_free_days, 0, 365),
            rate: c.real(&at("rate"), r.rate, 0.0, 10.0),
            revolving_share: c.share(&at("revolving_share"), r.revolving_share),
            min_payment: c.share(&at("min_payment"), r.min_payment),
            pd,
            rho,
            latent_share: c.share(&at("latent_share"), r.latent_share),
            lgd: c.share(&at("lgd"), r.lgd),
            workout_days: c.count(&at("workout_days"), r.workout_days, 0, 3650),
            term_days: c.count(&at("term_days"), r.term_days, 1, 3650),
            vasicek,
            fraud: r.fraud.as_ref().map(|f| fraud(c, &at("fraud"), f)),
        });
    }
    out
}
