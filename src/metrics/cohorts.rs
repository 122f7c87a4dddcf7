//! Retention statistics from consumers' relations at the end of a run:
//! retention curves by acquisition cohort (30-day months) and age, and
//! the 90-day retention of each platform's summary.
//!
//! Both follow each consumer's *first* install spell on a platform (the
//! acquisition that made it part of a cohort), so a later reinstall does
//! not count as retained.

use super::{COHORT_MONTH_DAYS, CohortRecord, RETENTION_DAYS};
use crate::agents::Consumers;
use crate::engine::NEVER;

/// Retention by acquisition cohort (30-day months) and age, per
/// platform and consumer segment. A member counts at age `a` if the run
/// saw it reach that age; it is retained if its first install spell
/// had not ended by then.
pub fn cohorts(
    consumers: &Consumers,
    platforms: usize,
    segments: usize,
    horizon: u32,
) -> Vec<CohortRecord> {
    let (np, ns) = (platforms, segments);
    let months = horizon.div_ceil(COHORT_MONTH_DAYS) as usize;
    let ages = months + 1;
    let idx = |p: usize, s: usize, cm: usize, a: usize| ((p * ns + s) * months + cm) * ages + a;
    let mut observed = vec![0u64; np * ns * months * ages];
    let mut retained = vec![0u64; np * ns * months * ages];
    for c in 0..consumers.len() {
        let s = consumers.agents[c].segment as usize;
        for p in 0..np {
            let rel = consumers.relation.history(c, p);
            if rel.first_acquired == NEVER {
                continue;
            }
            let acq = u32::from(rel.first_acquired);
            let cm = (acq / COHORT_MONTH_DAYS) as usize;
            let mut a = 0;
            while a < ages && acq + COHORT_MONTH_DAYS * (a as u32) < horizon {
                let at_age = acq + COHORT_MONTH_DAYS * a as u32;
                observed[idx(p, s, cm, a)] += 1;
                if rel.first_churned == NEVER || u32::from(rel.first_churned) > at_age {
                    retained[idx(p, s, cm, a)] += 1;
                }
                a += 1;
            }
        }
    }
    let mut out = Vec::new();
    for p in 0..np {
        for s in 0..ns {
            for cm in 0..months {
                for a in 0..ages {
                    let i = idx(p, s, cm, a);
                    if observed[i] > 0 {
                        out.push(CohortRecord {
                            platform: p,
                            segment: s,
                            cohort_month: cm as u32,
                            age_months: a as u32,
                            observed: observed[i],
                            retained: retained[i],
                        });
                    }
                }
            }
        }
    }
    out
}

/// Per platform: of consumers acquired at least 90 days before the
/// end, the share whose first install spell lasted beyond 90 days.
pub fn retention_90d(consumers: &Consumers, platforms: usize, horizon: u32) -> Vec<Option<f64>> {
    let np = platforms;
    let mut eligible = vec![0u64; np];
    let mut kept = vec![0u64; np];
    for c in 0..consumers.len() {
        for p in 0..np {
            let rel = consumers.relation.history(c, p);
            if rel.first_acquired == NEVER {
                continue;
            }
            let until = u32::from(rel.first_acquired) + RETENTION_DAYS;
            if until < horizon {
                eligible[p] += 1;
                if rel.first_churned == NEVER || u32::from(rel.first_churned) > until {
                    kept[p] += 1;
                }
            }
        }
    }
    (0..np)
        .map(|p| (eligible[p] > 0).then(|| kept[p] as f64 / eligible[p] as f64))
        .collect()
}
