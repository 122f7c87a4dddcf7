//! Platforms: their levers for the day (base values, schedule, rules and
//! regulation caps, see [`super::strategy`]), funding rounds (dated or
//! conditional), fixed costs, marketing (acquisitions at a cost per
//! acquisition that rises as the unreached pool shrinks), word of mouth,
//! runway, and exit when spendable cash runs out.

use rand::RngExt;
use rand_distr::{Binomial, Distribution, Poisson};

use super::{Market, strategy};
use crate::agents::Accounts;
use crate::engine::{Event, EventQueue, Tick};
use crate::ledger::{Money, PostingKind};
use crate::metrics::{Flows, SHARE_WINDOW_DAYS};
use crate::scenario::{AdoptionBase, Metric};

/// The probability that a consumer without the app adopts it over a step
/// of `dt` periods, when a share `f` of consumers has it: the exact
/// transition of the Bass equation dF/dt = (p + qF)(1 − F) from F = f,
/// so that repeated steps follow the continuous F(t) whatever the step,
/// even where an Euler step `(p + qf)·dt` would overshoot.
///
/// From F(0) = f the solution is F(dt) = (1 − pB·e) / (1 + qB·e), with
/// B = (1 − f)/(p + qf) and e = e^{−(p+q)dt}; the hazard is
/// (F(dt) − f)/(1 − f). With p = q = 0, or f = 0 and p = 0, nobody adopts.
fn bass_day_hazard(p: f64, q: f64, f: f64, dt: f64) -> f64 {
    let f = f.clamp(0.0, 1.0);
    let drive = p + q * f;
    if drive <= 0.0 || f >= 1.0 {
        return 0.0;
    }
    let b = (1.0 - f) / drive;
    let e = (-(p + q) * dt).exp();
    let next = (1.0 - p * b * e) / (1.0 + q * b * e);
    ((next - f) / (1.0 - f)).clamp(0.0, 1.0)
}

impl Market<'_> {
    /// Cash of platform `p`, with the day's orders not yet posted.
    pub fn platform_cash(&self, p: usize) -> Money {
        self.ledger.balance(self.accounts.platform(p)) + self.day_postings.platform_net(p)
    }

    /// Cash of platform `p` not owed to merchants.
    pub fn available_cash(&self, p: usize) -> Money {
        self.platform_cash(p) - self.platforms[p].payables
    }

    /// Platform `p` runs out of cash on `day` and exits: its users
    /// uninstall it and its merchants are delisted.
    pub(super) fn exit(&mut self, p: usize, day: u32) {
        if !self.platforms[p].alive {
            return;
        }
        self.platforms[p].alive = false;
        self.platforms[p].exit_day = Some(day);
        // Users uninstall a dead app; merchants are delisted.
        for c in 0..self.consumers.len() {
            self.uninstall(c, p, day);
        }
        for m in 0..self.merchants.len() {
            self.merchants.hot[m].listed_on &= !(1 << p);
        }
        self.listings.clear_platform(p);
    }

    /// Picks up to `n` consumers without platform `p` and installs it.
    pub(super) fn acquire(
        &mut self,
        p: usize,
        n: u64,
        at: Tick,
        queue: &mut EventQueue<Event>,
    ) -> u64 {
        let total = self.consumers.len();
        let mut done = 0;
        for _ in 0..n {
            if self.platforms[p].installed as usize >= total {
                break;
            }
            let rng = &mut self.growth_rng[p];
            let mut c = rng.random_range(0..total);
            let mut tries = 0;
            // Rejection sampling; once the unreached pool is small, scan
            // forward from the last draw instead.
            while self.consumers.agents[c].installed & (1 << p) != 0 {
                tries += 1;
                c = if tries < 64 {
                    self.growth_rng[p].random_range(0..total)
                } else if c + 1 == total {
                    0
                } else {
                    c + 1
                };
            }
            self.install(c, p, at, queue);
            done += 1;
        }
        done
    }

    /// A platform's day: fixed costs, dated funding, marketing, word of
    /// mouth, and exit if it has no spendable cash left.
    pub(super) fn platform_day(&mut self, p: usize, day: u32, queue: &mut EventQueue<Event>) {
        if !self.platforms[p].alive {
            return;
        }
        let spec = &self.scenario.platforms[p];
        let account = self.accounts.platform(p);
        for (i, round) in spec.funding.iter().enumerate() {
            if round.day == Some(day) && !self.platforms[p].funded[i] {
                self.fund(p, i);
            }
        }
        let fixed = spec
            .fixed_daily_cost
            .min(self.available_cash(p).max(Money::ZERO));
        self.ledger.post(
            account,
            Accounts::SUPPLIERS,
            fixed,
            PostingKind::PlatformFixedCost,
        );
        // Installs happen in the last second of the day.
        let at = Tick(Tick::start_of_day(day + 1).0 - 1);
        let n = self.consumers.len() as f64;
        let unreached = (n - f64::from(self.platforms[p].installed)) / n;
        let budget = self.platforms[p]
            .levers
            .marketing_budget
            .min(self.available_cash(p).max(Money::ZERO));
        if budget.0 > 0 && unreached > 0.0 {
            let cpa = spec.cpa / unreached.powf(spec.cpa_elasticity);
            let expected = budget.as_major() / cpa;
            let mut count = expected.floor();
            if self.growth_rng[p].random::<f64>() < expected - count {
                count += 1.0;
            }
            let acquired = self.acquire(p, count as u64, at, queue);
            let spend = Money::from_major(acquired as f64 * cpa)
                .unwrap_or(Money::ZERO)
                .min(budget);
            self.ledger
                .post(account, Accounts::SUPPLIERS, spend, PostingKind::Marketing);
            self.platforms[p].marketing_acquisitions += acquired;
            self.platforms[p].marketing_spend += spend;
            self.recorder.platform_flows(
                p,
                Flows {
                    marketing_spend: spend,
                    ..Flows::default()
                },
            );
        }
        if spec.word_of_mouth > 0.0 || spec.innovation > 0.0 {
            let installed = f64::from(self.platforms[p].installed);
            let unreached = n - installed;
            let period = f64::from(spec.adoption_period_days);
            match spec.word_of_mouth_base {
                AdoptionBase::Active => {
                    let active = self
                        .recorder
                        .last_day(p)
                        .map_or(installed, |r| r.active_consumers as f64);
                    let mut hazard = spec.innovation + spec.word_of_mouth * active / n;
                    // Dividing by 1 is exact, so a daily period keeps the
                    // draws it always made.
                    if spec.adoption_period_days != 1 {
                        hazard /= period;
                    }
                    let mean = unreached * hazard.min(1.0);
                    if mean > 0.0 {
                        let count =
                            Poisson::new(mean).map_or(0.0, |d| d.sample(&mut self.growth_rng[p]));
                        self.acquire(p, count as u64, at, queue);
                    }
                }
                AdoptionBase::Adopters => {
                    let hazard = bass_day_hazard(
                        spec.innovation,
                        spec.word_of_mouth,
                        installed / n,
                        1.0 / period,
                    );
                    if hazard > 0.0 && unreached > 0.0 {
                        let count = Binomial::new(unreached as u64, hazard)
                            .map_or(0, |d| d.sample(&mut self.growth_rng[p]));
                        self.acquire(p, count, at, queue);
                    }
                }
            }
        }
        if self.available_cash(p).0 <= 0 {
            self.exit(p, day);
        }
    }

    fn fund(&mut self, p: usize, round: usize) {
        let amount = self.scenario.platforms[p].funding[round].amount;
        self.ledger.post(
            Accounts::INVESTORS,
            self.accounts.platform(p),
            amount,
            PostingKind::Funding,
        );
        self.platforms[p].funding += amount;
        self.platforms[p].funded[round] = true;
    }

    pub(super) fn runway_months(&self, p: usize) -> Option<f64> {
        let recent = &self.platforms[p].recent_available;
        let (Some(oldest), Some(now)) = (recent.front(), recent.back()) else {
            return None;
        };
        let days = recent.len().saturating_sub(1) as f64;
        let burn = (*oldest - *now).as_major() / days.max(1.0);
        // The record holds cash plus the group's loan book (burn excludes
        // lending principal); what pays the burn is the cash alone.
        let cash = *now - self.group_book(p);
        (burn > 0.0 && days > 0.0).then(|| cash.as_major().max(0.0) / burn / 30.0)
    }

    /// Stores the metrics rules see, then (on review days) re-evaluates
    /// conditional funding and rules, and sets the levers for `day`.
    pub(super) fn review_platform(&mut self, p: usize, day: u32, review: bool) {
        let shares = self.recorder.recent_shares(SHARE_WINDOW_DAYS);
        let rivals = || (0..self.platforms.len()).filter(move |&q| q != p);
        let mut m = [0.0; Metric::ALL.len()];
        m[Metric::Day.index()] = f64::from(day);
        m[Metric::Share.index()] = shares[p];
        m[Metric::RivalShare.index()] = rivals()
            .filter(|&q| self.platforms[q].alive)
            .map(|q| shares[q])
            .fold(0.0, f64::max);
        m[Metric::RunwayMonths.index()] = self.runway_months(p).unwrap_or(f64::INFINITY);
        m[Metric::Cash.index()] = self.platform_cash(p).as_major();
        m[Metric::Coupon.index()] = self.platforms[p].levers.coupon.as_major();
        m[Metric::RivalCoupon.index()] = rivals()
            .filter(|&q| self.platforms[q].alive)
            .map(|q| self.platforms[q].levers.coupon.as_major())
            .fold(0.0, f64::max);
        let last = self.recorder.last_day(p);
        m[Metric::ActiveUsers.index()] = last.map_or(0.0, |r| r.active_consumers as f64);
        m[Metric::Orders.index()] = last.map_or(0.0, |r| r.flows.orders as f64);
        m[Metric::Merchants.index()] = f64::from(self.listings.listed_total(p));
        m[Metric::RivalRunwayMonths.index()] = rivals()
            .filter(|&q| self.platforms[q].alive)
            .map(|q| self.runway_months(q).unwrap_or(f64::INFINITY))
            .fold(f64::INFINITY, f64::min);
        m[Metric::Rivals.index()] = rivals().filter(|&q| self.platforms[q].alive).count() as f64;
        self.platforms[p].metrics = m;
        let spec = &self.scenario.platforms[p];
        if review {
            for i in 0..spec.funding.len() {
                if !self.platforms[p].funded[i]
                    && !spec.funding[i].when.is_empty()
                    && strategy::holds(&spec.funding[i].when, &m)
                {
                    self.fund(p, i);
                }
            }
            strategy::review(spec, &mut self.platforms[p]);
        }
        strategy::set_levers(
            spec,
            &mut self.platforms[p],
            day,
            &self.scenario.subsidy_caps,
        );
    }

    /// Per platform: marketing spend per consumer acquired by marketing.
    pub(super) fn cac(&self) -> Vec<Option<f64>> {
        self.platforms
            .iter()
            .map(|s| {
                (s.marketing_acquisitions > 0)
                    .then(|| s.marketing_spend.as_major() / s.marketing_acquisitions as f64)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::bass_day_hazard;

    /// Bass's cumulative adoption from F(0) = 0, t in periods.
    fn bass(p: f64, q: f64, t: f64) -> f64 {
        let e = (-(p + q) * t).exp();
        (1.0 - e) / (1.0 + q / p * e)
    }

    #[test]
    fn steps_of_the_exact_hazard_follow_the_bass_curve() {
        for (p, q, dt) in [(0.03, 0.4, 1.0), (0.03, 0.38, 1.0 / 30.0), (0.5, 3.0, 0.5)] {
            let mut f = 0.0;
            for k in 1..=200 {
                f += (1.0 - f) * bass_day_hazard(p, q, f, dt);
                let t = f64::from(k) * dt;
                assert!((f - bass(p, q, t)).abs() < 1e-9, "p {p} q {q} t {t}: {f}");
            }
        }
    }

    #[test]
    fn nobody_adopts_without_a_drive() {
        assert_eq!(bass_day_hazard(0.0, 0.0, 0.3, 1.0), 0.0);
        assert_eq!(bass_day_hazard(0.0, 0.5, 0.0, 1.0), 0.0);
        assert_eq!(bass_day_hazard(0.1, 0.5, 1.0, 1.0), 0.0);
        // Pure imitation from a seed is the logistic curve.
        let h = bass_day_hazard(0.0, 1.0, 0.5, 1.0);
        let next = 0.5 + 0.5 * h;
        let logistic = 0.5 / (0.5 + 0.5 * (-1.0f64).exp());
        assert!((next - logistic).abs() < 1e-12);
    }
}
