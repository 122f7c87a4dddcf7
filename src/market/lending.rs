//! Lending to merchants: applications, scoring, disbursement, repayment,
//! delinquency, default, recovery and write-off, all through the ledger.
//!
//! A merchant without a loan applies when its cash falls below its buffer,
//! when it wants to grow, or when its cash runs out (then a refusal closes
//! it). The lender scores what it can see: a platform's lending arm sees
//! the merchant's sales through the platform over the last 30 days (volume
//! and volatility) and its tenure; a bank sees only revenue the merchant
//! reports, with a log-normal error. A platform also sees the merchant's
//! cash through its settlement account. The score is
//!
//! ```text
//! w_volume·ln(1 + daily sales) − w_volatility·CV + w_tenure·min(years, 1)
//!   + w_cash_flow·slog(30-day change in cash per day)
//! ```
//!
//! and loans go to scores at or above the cut-off, for a multiple of
//! 30-day sales between a floor and a cap.
//!
//! When `data` lists kinds of data, the score adds `score.latent` times
//! the lender's standardised estimate of the merchant's latent risk (the
//! orders a day it needs to break even, `ln(fixed cost / unit margin)`
//! standardised across merchants) from the kinds it sees, each a noisy
//! measurement (see [`super::signals`]). With `[lenders.fraud]` each
//! application is screened at a cost; a fraudulent one that screening
//! misses and that passes the score is paid to the fraudster
//! (`FraudDisbursement`), never repaid, and written off apart from credit
//! losses after default and workout.
//!
//! Interest accrues daily on outstanding principal. Instalment loans fall
//! due every N days (equal principal plus accrued interest); sales-share
//! loans take a share of each day's sales through the lender's platform
//! and fall due in full at maturity. A merchant pays what its cash allows;
//! days past due count from the oldest unpaid due date; at 90 days past
//! due the loan defaults and becomes non-performing; after the workout
//! period, `1 − LGD` of the exposure is recovered from the owner's
//! guarantee and the rest written off. A merchant that closes with a loan
//! defaults at once.
//!
//! With `default_model = { vasicek = { pd, rho } }` defaults are exogenous:
//! each loan defaults over its term when √ρ·Z + √(1−ρ)·ε < Φ⁻¹(pd), with Z
//! drawn once per lender and replication; such a borrower stops paying at
//! a uniformly drawn day of the term, and the others always pay (the owner
//! tops up the business's cash if needed).
//!
//! **Group accounts.** A platform's lending arm is consolidated into its
//! group by default (`consolidated = true`): it has no cash of its own.
//! It lends from the platform's cash, and repayments, interest,
//! recoveries, delisting penalties and funding costs are postings to and
//! from that cash, so the arm's profit reaches the platform's runway and
//! a group whose cash runs out exits. Its `capital` is then a limit on
//! the principal it may have outstanding, and a loan is made only if the
//! platform's spendable cash covers it; a consolidated arm of a platform
//! that has exited (or been bought) makes no new loans. Principal lent
//! out is an asset of the group, not money spent: the platform's
//! cumulative burn counts cash plus its consolidated loan book, and its
//! runway measures burn on the same basis (so a growing book is not
//! burn, but lending profit shortens it). A bank, a stand-alone lender
//! and an arm with `consolidated = false` keep their own account, funded
//! with `capital` at the start, as separate companies.
//!
//! **Lock-in.** A merchant repaying a sales-share loan through a platform
//! cannot delist from it while the loan is on the books, unless the
//! lender sets a `delist_penalty`: then it delists if the penalty costs
//! less than it expects to lose on the platform until the loan's
//! maturity, paying the penalty to the lender.
//!
//! **Default rates.** A loan's default is known only once its term and
//! the 90 days past due after it have run; the reported default rate is
//! over those matured loans, and the rate over every loan (biased low by
//! loans too young to have defaulted) is kept under its own name.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

use super::{Market, signals};
use crate::agents::{Accounts, NONE};
use crate::ledger::{Money, PostingKind};
use crate::metrics::lending::{LenderDay, LenderFlows, LenderSummary, Loan, LoanStatus};
use crate::rng::{Purpose, StreamRng, stream};
use crate::scenario::{DataAccess, DataKind, DefaultModel, RatePolicy, Repayment, Scenario};

/// Days of sales history kept per merchant.
pub(crate) const SALES_WINDOW: usize = 30;
/// Days past due at which a loan defaults.
pub(crate) const DEFAULT_DPD: u32 = 90;

/// Lending state of a run.
#[derive(Debug, Clone)]
pub(crate) struct Lending {
    /// Every loan made, in order.
    pub(crate) loans: Vec<Loan>,
    /// Indices of loans still active or in workout.
    open: Vec<u32>,
    /// Each merchant's loan on the books (`NONE` if none).
    merchant_loan: Vec<u32>,
    /// Daily sales per merchant and channel (platforms, then all sales),
    /// in yuan, day-major so one day's sales are contiguous:
    /// `[((day % SALES_WINDOW) * merchants + merchant) * channels + channel]`.
    sales: Vec<f32>,
    channels: usize,
    /// Day each merchant was first served by each platform (listed on it,
    /// or accepting its wallet): the tenure a platform lender sees.
    pub(crate) listed_since: Vec<u32>,
    rng: Vec<StreamRng>,
    /// Each merchant's cash at the end of each of the last 30 days, in fen:
    /// `[merchant * SALES_WINDOW + day % SALES_WINDOW]`.
    cash_history: Vec<i64>,
    /// Common factor Z of each lender's Vasicek model.
    z: Vec<f64>,
    today: Vec<LenderFlows>,
    totals: Vec<LenderFlows>,
    /// Principal outstanding per lender, kept as loans are made, repaid
    /// and written off (the exposure a consolidated arm's capital limits).
    outstanding: Vec<Money>,
    /// Days in the run (which loans have matured by its end).
    horizon: u32,
    /// Daily records.
    pub(crate) days: Vec<LenderDay>,
    stopped: Vec<bool>,
    /// Each merchant's latent risk (see `Market::merchant_signal`);
    /// filled when a lender first needs it.
    latent: Vec<f32>,
    /// Each lender's standardised latent-risk score of each merchant,
    /// measured once (`NaN`: not yet): `[lender * merchants + merchant]`.
    signal_scores: Vec<f32>,
    /// Each lender's stream of fraudulent applications and screening.
    fraud_rng: Vec<StreamRng>,
}

impl Lending {
    /// Lending state for `scenario`, with every merchant served since day 0
    /// by the platforms in its `served` bits (listed on, or accepting the
    /// wallet of).
    pub(crate) fn new(scenario: &Scenario, run_seed: u64, served: &[u32]) -> Lending {
        let np = scenario.platforms.len();
        let nl = scenario.lenders.len();
        let channels = np + 1;
        let mut rng: Vec<StreamRng> = (0..nl)
            .map(|l| stream(run_seed, Purpose::Lender, l as u64))
            .collect();
        let z = rng.iter_mut().map(|r| StandardNormal.sample(r)).collect();
        let nm = served.len();
        let mut listed_since = vec![u32::MAX; nm * np];
        for (m, mask) in served.iter().enumerate() {
            for p in 0..np {
                if mask & (1 << p) != 0 {
                    listed_since[m * np + p] = 0;
                }
            }
        }
        let any = nl > 0;
        Lending {
            loans: Vec::new(),
            open: Vec::new(),
            merchant_loan: vec![NONE; nm],
            sales: if any {
                vec![0.0; nm * channels * SALES_WINDOW]
            } else {
                Vec::new()
            },
            channels,
            listed_since,
            rng,
            cash_history: if any {
                vec![i64::MIN; nm * SALES_WINDOW]
            } else {
                Vec::new()
            },
            z,
            today: vec![LenderFlows::default(); nl],
            totals: vec![LenderFlows::default(); nl],
            outstanding: vec![Money::ZERO; nl],
            horizon: scenario.horizon_days,
            days: Vec::new(),
            stopped: vec![false; nl],
            latent: Vec::new(),
            signal_scores: Vec::new(),
            fraud_rng: (0..nl)
                .map(|l| stream(run_seed, Purpose::Fraud, l as u64))
                .collect(),
        }
    }

    /// Records a sale of `amount` at merchant `m` through platform channel
    /// `platform` (`None`: not through a platform) on `day`.
    pub(crate) fn record_sale(
        &mut self,
        m: usize,
        platform: Option<usize>,
        amount: Money,
        day: u32,
    ) {
        if self.sales.is_empty() {
            return;
        }
        let base = self.sales_index(m, 0, day);
        let yuan = amount.as_major() as f32;
        if let Some(p) = platform {
            self.sales[base + p] += yuan;
        }
        self.sales[base + self.channels - 1] += yuan;
    }

    /// Hints that merchant `m`'s sales on `day` will be recorded soon.
    /// Changes nothing.
    #[inline]
    pub(crate) fn prefetch_sales(&self, m: usize, day: u32) {
        if self.sales.is_empty() {
            return;
        }
        let base = self.sales_index(m, 0, day);
        if let Some(row) = self.sales.get(base..base + self.channels) {
            crate::memory::prefetch_all(row);
        }
    }

    /// Mean and coefficient of variation of daily sales of merchant `m` on
    /// `channel` over the days observed up to `day`.
    fn sales_stats(&self, m: usize, channel: usize, day: u32) -> (f64, f64) {
        let n = (day as usize + 1).min(SALES_WINDOW);
        let values: Vec<f64> = (0..n as u32)
            .map(|k| {
                f64::from(self.sales[self.sales_index(m, channel, day + SALES_WINDOW as u32 - k)])
            })
            .collect();
        let mean = values.iter().sum::<f64>() / n as f64;
        if mean <= 0.0 {
            return (0.0, 0.0);
        }
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var.sqrt() / mean)
    }

    /// Records merchant `m`'s cash at the end of `day`.
    pub(crate) fn record_cash(&mut self, m: usize, day: u32, cash: Money) {
        if !self.cash_history.is_empty() {
            self.cash_history[m * SALES_WINDOW + day as usize % SALES_WINDOW] = cash.0;
        }
    }

    /// Change in merchant `m`'s cash per day over the last (up to) 30
    /// days before `day`, in yuan.
    fn cash_trend(&self, m: usize, day: u32) -> f64 {
        if day == 0 || self.cash_history.is_empty() {
            return 0.0;
        }
        let newest = self.cash_history[m * SALES_WINDOW + (day as usize - 1) % SALES_WINDOW];
        let span = (day as usize).min(SALES_WINDOW - 1);
        let oldest = self.cash_history[m * SALES_WINDOW + (day as usize - span) % SALES_WINDOW];
        if newest == i64::MIN || oldest == i64::MIN || span < 2 {
            return 0.0;
        }
        (newest - oldest) as f64 / 100.0 / (span - 1) as f64
    }

    /// Index of merchant `m`'s sales on `channel` on `day` (modulo the
    /// window).
    fn sales_index(&self, m: usize, channel: usize, day: u32) -> usize {
        let merchants = self.merchant_loan.len();
        ((day as usize % SALES_WINDOW) * merchants + m) * self.channels + channel
    }

    /// Merchant `m`'s sales on `channel` on `day`.
    pub(crate) fn sales_on(&self, m: usize, channel: usize, day: u32) -> f64 {
        if self.sales.is_empty() {
            return 0.0;
        }
        f64::from(self.sales[self.sales_index(m, channel, day)])
    }

    /// Clears the sales slot that `day` will use.
    fn start_day(&mut self, day: u32) {
        if self.sales.is_empty() {
            return;
        }
        let from = self.sales_index(0, 0, day);
        let len = self.merchant_loan.len() * self.channels;
        self.sales[from..from + len]
            .iter_mut()
            .for_each(|v| *v = 0.0);
    }

    /// Whether merchant `m` has a loan on the books.
    pub(crate) fn has_loan(&self, m: usize) -> bool {
        self.merchant_loan[m] != NONE
    }

    /// Per-lender summaries at the end of a run.
    pub(crate) fn summaries(&self, scenario: &Scenario) -> Vec<LenderSummary> {
        let nl = self.totals.len();
        // Matured loans: term and 90 days past due ended within the run.
        let mut matured = vec![(0u64, 0u64); nl];
        for loan in &self.loans {
            let term = scenario.lenders[loan.lender].term_days;
            if loan.start_day + term + DEFAULT_DPD <= self.horizon {
                let m = &mut matured[loan.lender];
                m.0 += 1;
                m.1 += u64::from(loan.default_day.is_some());
            }
        }
        (0..nl)
            .map(|l| {
                let t = self.totals[l];
                let last = self.days.iter().rev().find(|d| d.lender == l);
                let (n, defaulted) = matured[l];
                LenderSummary {
                    lender: l,
                    flows: t,
                    outstanding_end: last.map_or(Money::ZERO, |d| d.outstanding),
                    npl_ratio: last.map_or(0.0, LenderDay::npl_ratio),
                    default_rate: (n > 0).then(|| defaulted as f64 / n as f64),
                    default_rate_all_loans: (t.loans_disbursed > 0)
                        .then(|| t.new_defaults as f64 / t.loans_disbursed as f64),
                    loans_matured: n,
                    approval_rate: (t.applications > 0)
                        .then(|| t.loans_disbursed as f64 / t.applications as f64),
                    lending_profit: t.interest_income + t.penalties
                        - t.funding_cost
                        - t.credit_loss
                        - t.fraud_losses
                        - t.screening_cost,
                }
            })
            .collect()
    }

    /// The loan that ties merchant `m` to platform `p`: a sales-share loan
    /// on the books of `p`'s lending arm.
    pub(crate) fn tie(&self, scenario: &Scenario, m: usize, p: usize) -> Option<usize> {
        let id = *self.merchant_loan.get(m)?;
        if id == NONE {
            return None;
        }
        let loan = &self.loans[id as usize];
        let spec = &scenario.lenders[loan.lender];
        (spec.platform == Some(p) && matches!(spec.repayment, Repayment::SalesShare(_)))
            .then_some(id as usize)
    }
}

fn money_from_fen(fen: f64) -> Money {
    Money(fen.max(0.0).round() as i64)
}

impl Market<'_> {
    /// The platform whose group platform `p` belongs to: itself, or the
    /// platform that bought it (and so on up the chain).
    pub(super) fn owner(&self, p: usize) -> usize {
        let mut p = p;
        // A chain of purchases has at most one link per platform.
        for _ in 0..self.platforms.len() {
            match self.platforms[p].acquired_by {
                Some(a) => p = a,
                None => break,
            }
        }
        p
    }

    /// Everything platform `p`'s group has lent out: its consolidated arms'
    /// book and its consumer credit balances. Burn and runway leave it
    /// out, since principal lent is an asset, not spending.
    pub(crate) fn group_book(&self, p: usize) -> Money {
        self.arm_book(p) + self.credit.book(p)
    }

    /// Principal outstanding of the arms consolidated into platform `p`'s
    /// group (its own, and those of platforms it bought).
    pub(crate) fn arm_book(&self, p: usize) -> Money {
        let mut book = Money::ZERO;
        for (spec, &o) in self.scenario.lenders.iter().zip(&self.lending.outstanding) {
            if let Some(q) = spec.platform
                && spec.consolidated
                && self.owner(q) == p
            {
                book += o;
            }
        }
        book
    }

    /// The account lender `l` lends from and is repaid into: its group's
    /// cash when consolidated (after a merger, the buyer's), else its own.
    fn arm_account(&self, l: usize) -> crate::ledger::AccountId {
        let spec = &self.scenario.lenders[l];
        match spec.platform {
            Some(p) if spec.consolidated => self.accounts.platform(self.owner(p)),
            _ => self.accounts.lender(l),
        }
    }

    /// What lender `l` can lend now: a consolidated arm up to its capital
    /// less its exposure and the group's spendable cash (nothing once its
    /// platform has stopped trading); any other lender its own cash.
    fn lendable(&self, l: usize) -> Money {
        let spec = &self.scenario.lenders[l];
        match spec.platform {
            Some(p) if spec.consolidated => {
                if !self.platforms[p].alive {
                    return Money::ZERO;
                }
                (spec.capital - self.lending.outstanding[l]).min(self.available_cash(p))
            }
            _ => self.ledger.balance(self.accounts.lender(l)),
        }
    }

    /// The score lender `l` gives merchant `m` on `day`, and the daily sales
    /// it sees; `None` if it cannot lend to the merchant at all.
    fn score(&mut self, l: usize, m: usize, day: u32) -> Option<(f64, f64)> {
        let (score, sales) = self.base_score(l, m, day)?;
        if self.scenario.lenders[l].latent_signals {
            let weight = self.scenario.lenders[l].latent_weight;
            return Some((score + weight * self.merchant_signal(l, m), sales));
        }
        Some((score, sales))
    }

    /// The data kinds of lender `l` that it sees of merchant `m`.
    fn seen_kinds(&self, l: usize, m: usize) -> impl Iterator<Item = DataKind> + '_ {
        let spec = &self.scenario.lenders[l];
        let (platform_data, served) = match spec.platform {
            Some(p) => (
                self.scenario.platforms[p]
                    .customer_data
                    .platform_uses_data(),
                (self.merchants.hot[m].listed_on | self.merchants.hot[m].accepts) & (1 << p) != 0,
            ),
            None => (false, false),
        };
        signals::visible(&spec.signals, platform_data, served)
    }

    /// Lender `l`'s standardised estimate of merchant `m`'s latent risk
    /// from the data kinds it sees (see [`signals`]), measured once per
    /// lender and merchant. A merchant's latent risk is how many orders a
    /// day it needs to break even, `ln(fixed cost / unit margin)`,
    /// standardised across the merchants: what decides whether it can
    /// repay, and what the lender cannot read off its books directly.
    fn merchant_signal(&mut self, l: usize, m: usize) -> f64 {
        let nm = self.merchants.len();
        if self.lending.latent.is_empty() {
            let raw: Vec<f64> = (0..nm)
                .map(|k| {
                    let margin = (self.merchants.hot[k].price - self.merchants.hot[k].unit_cost)
                        .max(Money(1))
                        .as_major();
                    ((self.merchants.fixed_cost[k].as_major() + 1.0) / margin).ln()
                })
                .collect();
            let n = raw.len().max(1) as f64;
            let mean = raw.iter().sum::<f64>() / n;
            let sd = (raw.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            self.lending.latent = raw
                .iter()
                .map(|x| {
                    if sd > 0.0 {
                        ((x - mean) / sd) as f32
                    } else {
                        0.0
                    }
                })
                .collect();
            self.lending.signal_scores = vec![f32::NAN; self.scenario.lenders.len() * nm];
        }
        let cached = self.lending.signal_scores[l * nm + m];
        if !cached.is_nan() {
            return f64::from(cached);
        }
        let latent = f64::from(self.lending.latent[m]);
        let kinds: Vec<DataKind> = self.seen_kinds(l, m).collect();
        let spec = &self.scenario.lenders[l];
        let score = signals::score(
            latent,
            &spec.signals,
            kinds.into_iter(),
            &mut self.lending.rng[l],
        );
        self.lending.signal_scores[l * nm + m] = score as f32;
        score
    }

    /// The score of lender `l`'s own data kind (transactions or what the
    /// merchant reports), before any latent-risk estimate.
    fn base_score(&mut self, l: usize, m: usize, day: u32) -> Option<(f64, f64)> {
        let spec = &self.scenario.lenders[l];
        let [w_volume, w_volatility, w_tenure, w_cash] = spec.score_weights;
        let np = self.platforms.len();
        match (spec.data, spec.platform) {
            // A platform whose merchants own the customer data may not
            // score its transactions: its arm falls back on what merchants
            // report, as a bank does.
            (DataAccess::Transactions, Some(p))
                if self.scenario.platforms[p]
                    .customer_data
                    .platform_uses_data() =>
            {
                // The platform sees the merchant's flow if it lists the
                // merchant or settles its wallet payments.
                let served = self.merchants.hot[m].listed_on | self.merchants.hot[m].accepts;
                if served & (1 << p) == 0 {
                    return None;
                }
                let (sales, cv) = self.lending.sales_stats(m, p, day);
                let since = self.lending.listed_since[m * np + p];
                let years = (f64::from(day.saturating_sub(since)) / 365.0).min(1.0);
                let trend = self.lending.cash_trend(m, day);
                let slog = trend.signum() * trend.abs().ln_1p();
                Some((
                    w_volume * (1.0 + sales).ln() - w_volatility * cv
                        + w_tenure * years
                        + w_cash * slog,
                    sales,
                ))
            }
            _ => {
                let (sales, _) = self.lending.sales_stats(m, np, day);
                let e: f64 = StandardNormal.sample(&mut self.lending.rng[l]);
                let reported = sales * (spec.noise * e).exp();
                Some((w_volume * (1.0 + reported).ln(), reported))
            }
        }
    }

    /// Lender `l` considers merchant `m`'s application; returns whether it
    /// lent.
    fn consider(&mut self, l: usize, m: usize, day: u32) -> bool {
        self.lending.today[l].applications += 1;
        if self.lending.stopped[l] {
            return false;
        }
        let fraudulent = self.screen(l, m);
        if fraudulent == Some(true) {
            return false;
        }
        let Some((score, sales)) = self.score(l, m, day) else {
            return false;
        };
        let spec = &self.scenario.lenders[l];
        if score < spec.cutoff {
            return false;
        }
        let limit = Money::from_major(spec.sales_multiple * sales * SALES_WINDOW as f64)
            .unwrap_or(Money::ZERO)
            .min(spec.max_loan);
        if limit < spec.min_loan || limit.0 <= 0 || self.lendable(l) < limit {
            return false;
        }
        if fraudulent == Some(false) {
            self.lend_to_fraudster(l, m, limit, day);
            return false;
        }
        let account = self.arm_account(l);
        let mut rate = match spec.rate {
            RatePolicy::Flat(r) => r,
            RatePolicy::RiskBased { base, slope, max } => {
                (base + slope * (spec.cutoff + 1.0 - score).max(0.0)).min(max)
            }
        };
        if let Some(cap) = spec.max_rate {
            rate = rate.min(cap);
        }
        let (pd, stop_day) = match spec.default_model {
            DefaultModel::CashFlow => (spec.expected_pd, None),
            DefaultModel::Vasicek { pd, rho } => {
                let threshold = Normal::standard().inverse_cdf(pd);
                let eps: f64 = StandardNormal.sample(&mut self.lending.rng[l]);
                let x = rho.sqrt() * self.lending.z[l] + (1.0 - rho).sqrt() * eps;
                let stop = (x < threshold)
                    .then(|| day + self.lending.rng[l].random_range(0..spec.term_days));
                (pd, stop)
            }
        };
        let merchant = self.accounts.merchant(m);
        self.ledger
            .post(account, merchant, limit, PostingKind::LoanDisbursement);
        let expected_loss = limit.times(pd * spec.lgd);
        let id = self.lending.loans.len() as u32;
        self.lending.loans.push(Loan {
            lender: l,
            merchant: m,
            start_day: day,
            principal: limit,
            outstanding: limit,
            rate,
            score,
            accrued: 0.0,
            arrears: Money::ZERO,
            late_since: None,
            stop_day,
            status: LoanStatus::Active,
            default_day: None,
            repaid_principal: Money::ZERO,
            interest_paid: Money::ZERO,
            recovered: Money::ZERO,
            written_off: Money::ZERO,
            expected_loss,
            fraud: false,
        });
        self.lending.open.push(id);
        self.lending.merchant_loan[m] = id;
        self.lending.outstanding[l] += limit;
        let t = &mut self.lending.today[l];
        t.loans_disbursed += 1;
        t.disbursed_amount += limit;
        t.expected_loss += expected_loss;
        true
    }

    /// Lender `l`'s anti-fraud screening of an application in merchant
    /// `m`'s name, at its cost per check: `None` if the application is
    /// genuine (or the lender does not screen), `Some(true)` if it is a
    /// fraud and was caught, `Some(false)` if a fraud got through.
    fn screen(&mut self, l: usize, m: usize) -> Option<bool> {
        let fraud = self.scenario.lenders[l].fraud?;
        let account = self.arm_account(l);
        let cost = fraud
            .cost_per_check
            .min(self.ledger.balance(account).max(Money::ZERO));
        self.ledger.post(
            account,
            Accounts::SUPPLIERS,
            cost,
            PostingKind::ScreeningCost,
        );
        self.lending.today[l].screening_cost += cost;
        if self.lending.fraud_rng[l].random::<f64>() >= fraud.share {
            return None;
        }
        let catch =
            signals::catch_probability(&self.scenario.lenders[l].signals, self.seen_kinds(l, m));
        let caught = self.lending.fraud_rng[l].random::<f64>() < catch;
        if caught {
            self.lending.today[l].fraud_caught += 1;
        }
        Some(caught)
    }

    /// Lender `l` pays `limit` to a fraudster posing as merchant `m`; the
    /// loan is never repaid.
    fn lend_to_fraudster(&mut self, l: usize, m: usize, limit: Money, day: u32) {
        let account = self.arm_account(l);
        self.ledger.post(
            account,
            Accounts::HOUSEHOLDS,
            limit,
            PostingKind::FraudDisbursement,
        );
        let spec = &self.scenario.lenders[l];
        let rate = match spec.rate {
            RatePolicy::Flat(r) | RatePolicy::RiskBased { max: r, .. } => r,
        };
        let id = self.lending.loans.len() as u32;
        self.lending.loans.push(Loan {
            lender: l,
            merchant: m,
            start_day: day,
            principal: limit,
            outstanding: limit,
            rate,
            score: f64::NAN,
            accrued: 0.0,
            arrears: Money::ZERO,
            late_since: None,
            stop_day: Some(day),
            status: LoanStatus::Active,
            default_day: None,
            repaid_principal: Money::ZERO,
            interest_paid: Money::ZERO,
            recovered: Money::ZERO,
            written_off: Money::ZERO,
            expected_loss: Money::ZERO,
            fraud: true,
        });
        self.lending.open.push(id);
        // Part of the lender's book (and, for a consolidated arm, of its
        // group's) until written off.
        self.lending.outstanding[l] += limit;
        let t = &mut self.lending.today[l];
        t.fraud_loans += 1;
        t.fraud_amount += limit;
    }

    /// Merchant `m` applies for a loan; returns whether it got one.
    pub(super) fn apply_for_loan(&mut self, m: usize, day: u32) -> bool {
        let n = self.scenario.lenders.len();
        if n == 0 || self.lending.has_loan(m) {
            return false;
        }
        if self.scenario.merchants.random_lender {
            let l = self.merchants.rng[m].random_range(0..n);
            self.consider(l, m, day)
        } else {
            (0..n).any(|l| self.consider(l, m, day))
        }
    }

    /// Whether merchant `m` applies today although its cash is above zero.
    pub(super) fn wants_loan(&mut self, m: usize) -> bool {
        if self.scenario.lenders.is_empty() || self.lending.has_loan(m) {
            return false;
        }
        let spec = &self.scenario.merchants;
        let cash = self.ledger.balance(self.accounts.merchant(m));
        cash < spec.apply_below
            || (spec.growth_probability > 0.0
                && self.merchants.rng[m].random::<f64>() < spec.growth_probability)
    }

    /// Merchant `m` pays up to `due` toward loan `i` from its cash
    /// (interest first); returns the amount paid.
    fn pay(&mut self, i: usize, due: Money, force: bool) -> Money {
        let loan = &self.lending.loans[i];
        let (l, m) = (loan.lender, loan.merchant);
        let merchant = self.accounts.merchant(m);
        let lender = self.arm_account(l);
        let mut cash = self.ledger.balance(merchant).max(Money::ZERO);
        if force && cash < due {
            self.ledger.post(
                Accounts::OWNERS,
                merchant,
                due - cash,
                PostingKind::OwnerInjection,
            );
            cash = due;
        }
        let paid = due.min(cash);
        let loan = &mut self.lending.loans[i];
        let interest = money_from_fen(loan.accrued).min(paid);
        let principal = (paid - interest).min(loan.outstanding);
        loan.accrued -= interest.0 as f64;
        loan.interest_paid += interest;
        loan.outstanding = loan.outstanding - principal;
        loan.repaid_principal += principal;
        loan.arrears = (loan.arrears - principal).max(Money::ZERO);
        self.ledger
            .post(merchant, lender, interest, PostingKind::LoanInterest);
        self.ledger
            .post(merchant, lender, principal, PostingKind::LoanPrincipal);
        self.lending.outstanding[l] = self.lending.outstanding[l] - principal;
        let t = &mut self.lending.today[l];
        t.interest_income += interest;
        t.principal_repaid += principal;
        interest + principal
    }

    /// Whether merchant `m` may leave platform `p` on `day`, expecting to
    /// lose `daily_loss` yuan a day by staying: yes without a loan tying
    /// it there; with one, only if its lender sets a delisting penalty
    /// that costs less than staying until the loan's maturity and the
    /// merchant can pay it now (it then pays).
    pub(super) fn may_delist(&mut self, m: usize, p: usize, daily_loss: f64, day: u32) -> bool {
        let Some(i) = self.lending.tie(self.scenario, m, p) else {
            return true;
        };
        let loan = &self.lending.loans[i];
        let l = loan.lender;
        let spec = &self.scenario.lenders[l];
        let Some(penalty) = spec.delist_penalty else {
            return false;
        };
        let amount = penalty.amount(loan.outstanding);
        let remaining = (loan.start_day + spec.term_days).saturating_sub(day);
        let merchant = self.accounts.merchant(m);
        if daily_loss * f64::from(remaining) <= amount.as_major()
            || self.ledger.balance(merchant) < amount
        {
            return false;
        }
        let account = self.arm_account(l);
        self.ledger
            .post(merchant, account, amount, PostingKind::DelistPenalty);
        self.lending.today[l].penalties += amount;
        true
    }

    /// Platforms other than `p` that merchant `m` is tied to by a loan
    /// (it may not give them up for an exclusivity deal with `p`).
    pub(super) fn tied_elsewhere(&self, m: usize, p: usize) -> bool {
        (0..self.platforms.len()).any(|q| q != p && self.lending.tie(self.scenario, m, q).is_some())
    }

    /// Puts loan `i` into default on `day`.
    pub(super) fn default_loan(&mut self, i: usize, day: u32) {
        let loan = &mut self.lending.loans[i];
        if loan.status != LoanStatus::Active {
            return;
        }
        loan.status = LoanStatus::Defaulted;
        loan.default_day = Some(day);
        if !loan.fraud {
            self.lending.today[loan.lender].new_defaults += 1;
        }
    }

    /// A merchant closing with a loan on the books defaults on it.
    pub(super) fn merchant_closed_with_loan(&mut self, m: usize, day: u32) {
        let id = self.lending.merchant_loan[m];
        if id != NONE {
            self.default_loan(id as usize, day);
        }
    }

    /// The day's lending: interest accrual, repayments, delinquency,
    /// defaults, workouts and funding costs.
    pub(super) fn lending_day(&mut self, day: u32) {
        if self.scenario.lenders.is_empty() {
            return;
        }
        let open = std::mem::take(&mut self.lending.open);
        let mut still_open = Vec::with_capacity(open.len());
        for id in open {
            let i = id as usize;
            let spec = &self.scenario.lenders[self.lending.loans[i].lender];
            let (term, repayment, lgd, workout) =
                (spec.term_days, spec.repayment, spec.lgd, spec.workout_days);
            let vasicek = matches!(spec.default_model, DefaultModel::Vasicek { .. });
            let fraud_recovery = spec.fraud.map_or(0.0, |f| f.recovery);
            let merchant = self.lending.loans[i].merchant;
            let sales_today = self
                .lending
                .sales_on(merchant, spec.platform.unwrap_or(0), day);
            let loan = &mut self.lending.loans[i];
            match loan.status {
                LoanStatus::Active => {
                    loan.accrued += loan.outstanding.0 as f64 * loan.rate / 365.0;
                    let age = day - loan.start_day;
                    let maturity = age + 1 >= term;
                    let stopped = loan.stop_day.is_some_and(|s| day >= s);
                    // Principal falling due today.
                    let due_principal = match repayment {
                        Repayment::Instalments(every) => {
                            if maturity {
                                loan.outstanding - loan.arrears
                            } else if (age + 1).is_multiple_of(every) {
                                let n = term.div_ceil(every);
                                loan.principal
                                    .times(1.0 / f64::from(n))
                                    .min(loan.outstanding - loan.arrears)
                            } else {
                                Money::ZERO
                            }
                        }
                        Repayment::SalesShare(_) => {
                            if maturity {
                                loan.outstanding - loan.arrears
                            } else {
                                Money::ZERO
                            }
                        }
                    };
                    let was_due = loan.arrears.0 > 0;
                    loan.arrears += due_principal.max(Money::ZERO);
                    let interest_due = if due_principal.0 > 0 || was_due {
                        money_from_fen(loan.accrued)
                    } else {
                        Money::ZERO
                    };
                    let mut due = loan.arrears + interest_due;
                    if let Repayment::SalesShare(share) = repayment {
                        // The platform withholds a share of today's sales.
                        let today = sales_today;
                        let withheld = Money::from_major(today * share).unwrap_or(Money::ZERO);
                        let owed = loan.outstanding + money_from_fen(loan.accrued);
                        due = due.max(withheld.min(owed));
                    }
                    let paid = if stopped || due.0 <= 0 {
                        Money::ZERO
                    } else {
                        self.pay(i, due, vasicek)
                    };
                    let loan = &mut self.lending.loans[i];
                    if loan.arrears.0 > 0 && paid < due {
                        loan.late_since.get_or_insert(day);
                    } else if loan.arrears.0 == 0 {
                        loan.late_since = None;
                    }
                    if loan.outstanding.0 == 0 {
                        // Any interest left accrued is forgiven at payoff.
                        loan.accrued = 0.0;
                        loan.status = LoanStatus::Repaid;
                        self.lending.merchant_loan[loan.merchant] = NONE;
                        continue;
                    }
                    if loan.days_past_due(day) >= DEFAULT_DPD {
                        self.default_loan(i, day);
                    }
                    still_open.push(id);
                }
                LoanStatus::Defaulted => {
                    let workout_done =
                        day.saturating_sub(loan.default_day.unwrap_or(day)) >= workout;
                    if loan.fraud && workout_done {
                        let share = fraud_recovery;
                        let exposure = loan.outstanding;
                        let recovered = exposure.times(share);
                        loan.recovered = recovered;
                        loan.written_off = exposure - recovered;
                        loan.outstanding = Money::ZERO;
                        loan.accrued = 0.0;
                        loan.status = LoanStatus::WrittenOff;
                        let l = loan.lender;
                        self.lending.outstanding[l] = self.lending.outstanding[l] - exposure;
                        let t = &mut self.lending.today[l];
                        t.fraud_recoveries += recovered;
                        t.fraud_losses += exposure - recovered;
                        self.ledger.post(
                            Accounts::HOUSEHOLDS,
                            self.arm_account(l),
                            recovered,
                            PostingKind::FraudRecovery,
                        );
                    } else if workout_done {
                        let exposure = loan.outstanding;
                        let recovered = exposure.times(1.0 - lgd);
                        let written = exposure - recovered;
                        loan.recovered = recovered;
                        loan.written_off = written;
                        loan.outstanding = Money::ZERO;
                        loan.accrued = 0.0;
                        loan.status = LoanStatus::WrittenOff;
                        let (l, m) = (loan.lender, loan.merchant);
                        self.lending.merchant_loan[m] = NONE;
                        self.lending.outstanding[l] = self.lending.outstanding[l] - exposure;
                        self.ledger.post(
                            Accounts::OWNERS,
                            self.arm_account(l),
                            recovered,
                            PostingKind::LoanRecovery,
                        );
                        let t = &mut self.lending.today[l];
                        t.recoveries += recovered;
                        t.credit_loss += written;
                    } else {
                        still_open.push(id);
                    }
                }
                LoanStatus::Repaid | LoanStatus::WrittenOff => {}
            }
        }
        self.lending.open = still_open;
    }

    /// Closes the lending day after the merchants' day (so loans made
    /// today count): funding cost on outstanding principal, loss budgets,
    /// the day's record.
    pub(super) fn lending_close(&mut self, day: u32) {
        if self.scenario.lenders.is_empty() {
            return;
        }
        let nl = self.scenario.lenders.len();
        let mut outstanding = vec![Money::ZERO; nl];
        let mut non_performing = vec![Money::ZERO; nl];
        for &id in &self.lending.open {
            let loan = &self.lending.loans[id as usize];
            outstanding[loan.lender] += loan.outstanding;
            if loan.status == LoanStatus::Defaulted {
                non_performing[loan.lender] += loan.outstanding;
            }
        }
        for l in 0..nl {
            let spec = &self.scenario.lenders[l];
            let account = self.arm_account(l);
            let payable = match spec.platform {
                Some(p) if spec.consolidated => self.available_cash(self.owner(p)),
                _ => self.ledger.balance(account),
            };
            let cost = outstanding[l]
                .times(spec.funding_cost / 365.0)
                .min(payable.max(Money::ZERO));
            self.ledger
                .post(account, Accounts::BANKS, cost, PostingKind::FundingCost);
            self.lending.today[l].funding_cost += cost;
            let flows = self.lending.today[l];
            self.lending.totals[l].add(&flows);
            if let Some(budget) = spec.loss_budget
                && self.lending.totals[l].credit_loss > budget
            {
                self.lending.stopped[l] = true;
            }
            self.lending.days.push(LenderDay {
                day,
                lender: l,
                flows,
                outstanding: outstanding[l],
                non_performing: non_performing[l],
                cash: self.ledger.balance(self.accounts.lender(l)),
            });
            self.lending.today[l] = LenderFlows::default();
        }
        self.lending.start_day(day + 1);
    }
}
