//! Consumers' relations with platforms: installing (which starts the churn
//! clock), uninstalling (churn, dormancy, a platform's exit) and the habit
//! that past orders build.
//!
//! Churn is a clock per install spell: whole periods survived are drawn
//! geometric with the consumer's churn probability θ (fixed per segment,
//! or drawn from a beta for the shifted-beta-geometric case); a product
//! with `retention` may keep a member whose clock runs out, drawing a new
//! clock (see [`products`](super::products)). Dormancy
//! uninstalls a platform the consumer has not ordered on for more than
//! `dormancy_days`, checked when the consumer next has an occasion.

use rand::RngExt;

use super::Market;
use crate::engine::{Event, EventQueue, NEVER, Tick};

impl Market<'_> {
    /// Consumer `c` installs platform `p` at `now`; its churn clock, if
    /// any, starts.
    pub(super) fn install(&mut self, c: usize, p: usize, now: Tick, queue: &mut EventQueue<Event>) {
        if self.consumers.agents[c].installed & (1 << p) != 0 {
            return;
        }
        let day = now.day() as u16;
        self.consumers.agents[c].installed |= 1 << p;
        self.platforms[p].installed += 1;
        let district = self.consumers.agents[c].district as usize;
        self.wallet_reach.count_install(p, district, true);
        self.consumers.relation.start_spell(c, p, day);
        let history = self.consumers.relation.history_mut(c, p);
        if history.first_acquired == NEVER {
            history.first_acquired = day;
            self.recorder.acquired(p);
        }
        self.start_churn_clock(c, p, day, now, queue, |m| {
            m.consumers.agents[c].rng.random()
        });
    }

    /// Starts the churn clock of consumer `c`'s install spell `spell` on
    /// platform `p` at `now`, `draw` giving its uniform (only when the
    /// consumer's segment churns at all); a clock past the horizon is not
    /// set.
    pub(super) fn start_churn_clock(
        &mut self,
        c: usize,
        p: usize,
        spell: u16,
        now: Tick,
        queue: &mut EventQueue<Event>,
        draw: impl FnOnce(&mut Self) -> f64,
    ) {
        let theta = f64::from(self.consumers.agents[c].churn_theta);
        let period = self.churn_period_ticks[self.consumers.agents[c].segment as usize];
        if theta > 0.0 && period > 0 {
            let u = draw(self);
            // Whole periods survived: geometric with success probability θ.
            let survived = if theta >= 1.0 {
                0.0
            } else {
                ((1.0 - u).ln() / (1.0 - theta).ln()).floor()
            };
            let periods = survived + 1.0;
            let ticks = periods * period as f64;
            if ticks < (self.horizon_tick() - now.0) as f64 {
                let at = Tick(now.0 + ticks as u64);
                queue.push(
                    at,
                    Event::Churn {
                        consumer: c as u32,
                        platform: p as u8,
                        spell,
                    },
                );
            }
        }
    }

    /// Consumer `c` uninstalls platform `p` on `day`.
    pub(super) fn uninstall(&mut self, c: usize, p: usize, day: u32) {
        if self.consumers.agents[c].installed & (1 << p) == 0 {
            return;
        }
        self.consumers.agents[c].installed &= !(1 << p);
        self.platforms[p].installed -= 1;
        let district = self.consumers.agents[c].district as usize;
        self.wallet_reach.count_install(p, district, false);
        let relations = &mut self.consumers.relation;
        let rel = relations.get_mut(c, p);
        let spell_start = std::mem::replace(&mut rel.spell_start, NEVER);
        rel.loyalty = 0.0;
        let history = relations.history_mut(c, p);
        if history.first_churned == NEVER && spell_start == history.first_acquired {
            history.first_churned = day as u16;
        }
        self.recorder.churned(p);
    }

    /// A churn clock set in install spell `spell` runs out at `now`: the
    /// consumer uninstalls unless that spell has already ended or a
    /// product it is a member of retains it (a new clock then runs).
    pub(super) fn churn_clock(
        &mut self,
        c: usize,
        p: usize,
        spell: u16,
        now: Tick,
        queue: &mut EventQueue<Event>,
    ) {
        if self.consumers.relation.get(c, p).spell_start == spell
            && !self.product_retains(c, p, spell, now, queue)
        {
            self.uninstall(c, p, now.day());
        }
    }

    /// Uninstalls every platform consumer `c` has not ordered on (or, if
    /// never in this spell, not installed) for more than `dormancy` days.
    pub(super) fn apply_dormancy(&mut self, c: usize, day: u32, dormancy: u32) {
        let mut installed = self.consumers.agents[c].installed;
        while installed != 0 {
            let p = installed.trailing_zeros() as usize;
            installed &= installed - 1;
            let rel = self.consumers.relation.get(c, p);
            let since = if rel.last_order_day == NEVER {
                rel.spell_start
            } else {
                rel.last_order_day
            };
            if day.saturating_sub(u32::from(since)) > dormancy {
                self.uninstall(c, p, day);
            }
        }
    }

    /// Consumer `c`'s habit on platform `p` after an order on `day`: it
    /// grows after a good experience and sours after a long wait; the
    /// platform becomes the one used last.
    pub(super) fn build_habit(&mut self, c: usize, p: usize, day: u32, good: bool) {
        let l = self.scenario.consumers.loyalty;
        let rel = self.consumers.relation.get_mut(c, p);
        let now = rel.loyalty_from(day, &self.decay_powers);
        let next = if good {
            now + l.gain
        } else {
            (now - l.loss).max(0.0)
        };
        rel.loyalty = next as f32;
        rel.loyalty_day = day as u16;
        self.consumers.agents[c].last_platform = p as u8;
    }
}
