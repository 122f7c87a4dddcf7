//! The per-district listing indices: which merchants are open in each
//! district (so a consumer can pick one in constant time) and how many
//! each platform lists there (the variety term of the choice model).
//!
//! Which platforms list a given merchant is the merchant's own state
//! (`Merchants::listed_on`); these indices are kept in step with it by the
//! market's `list`, `delist` and `close_merchant`.

use rand::RngExt;

use crate::agents::Merchants;
use crate::rng::StreamRng;

/// Open merchants per district and listed merchants per platform and
/// district.
#[derive(Debug, Clone)]
pub(crate) struct Listings {
    districts: usize,
    /// Open merchants of each district.
    district_open: Vec<Vec<u32>>,
    /// Each merchant's position in its district's list.
    position: Vec<u32>,
    /// Open merchants listed, `[platform * districts + district]`.
    listed: Vec<u32>,
    /// Open merchants listed per platform.
    listed_total: Vec<u32>,
    /// ln(1 + `listed`), the variety term, kept up to date with `listed`
    /// so occasions do not take a logarithm per platform.
    variety_term: Vec<f64>,
}

impl Listings {
    /// The indices for a freshly drawn market: every merchant open, listed
    /// where its `listed_on` bits say.
    pub(crate) fn new(merchants: &Merchants, platforms: usize, districts: usize) -> Listings {
        let nm = merchants.len();
        let mut district_open = vec![Vec::new(); districts];
        let mut position = vec![0u32; nm];
        let mut listed = vec![0u32; platforms * districts];
        let mut listed_total = vec![0u32; platforms];
        for (m, pos) in position.iter_mut().enumerate() {
            let d = merchants.hot[m].district as usize;
            *pos = district_open[d].len() as u32;
            district_open[d].push(m as u32);
            for p in 0..platforms {
                if merchants.hot[m].listed_on & (1 << p) != 0 {
                    listed[p * districts + d] += 1;
                    listed_total[p] += 1;
                }
            }
        }
        Listings {
            districts,
            district_open,
            position,
            variety_term: listed.iter().map(|&n| (1.0 + f64::from(n)).ln()).collect(),
            listed,
            listed_total,
        }
    }

    /// ln(1 + merchants platform `p` lists in district `d`).
    pub(crate) fn variety(&self, p: usize, d: usize) -> f64 {
        self.variety_term[p * self.districts + d]
    }

    /// Open merchants platform `p` lists.
    pub(crate) fn listed_total(&self, p: usize) -> u32 {
        self.listed_total[p]
    }

    /// A uniformly drawn open merchant of district `d` (`None` if it has
    /// none).
    pub(crate) fn pick_in(&self, d: usize, rng: &mut StreamRng) -> Option<usize> {
        let i = self.draw_index(d, rng)?;
        self.entry(d, i)
    }

    /// Hints that [`Self::pick_in`] will soon draw from district `d` with
    /// a stream in `rng`'s state: fetches the list entry it will read and
    /// returns its place in the list (for [`Self::entry`]): the single
    /// draw both the pick and its hint make. Changes nothing but `rng`,
    /// which should be a copy.
    pub(crate) fn prefetch_pick(&self, d: usize, rng: &mut StreamRng) -> Option<usize> {
        let i = self.draw_index(d, rng)?;
        crate::memory::prefetch(self.slot(d, i)?);
        Some(i)
    }

    /// The merchant at place `i` of district `d`'s list of open merchants.
    pub(crate) fn entry(&self, d: usize, i: usize) -> Option<usize> {
        self.slot(d, i).map(|&m| m as usize)
    }

    /// Place `i` of district `d`'s list of open merchants.
    #[inline]
    fn slot(&self, d: usize, i: usize) -> Option<&u32> {
        self.district_open.get(d)?.get(i)
    }

    /// The place in district `d`'s list of open merchants that one draw
    /// lands on.
    #[inline]
    fn draw_index(&self, d: usize, rng: &mut StreamRng) -> Option<usize> {
        let len = self.district_open.get(d)?.len();
        if len == 0 {
            return None;
        }
        Some(rng.random_range(0..len))
    }

    /// A uniformly drawn district.
    pub(crate) fn pick_district(&self, rng: &mut StreamRng) -> usize {
        rng.random_range(0..self.districts)
    }

    /// Counts a merchant of district `d` newly listed on platform `p`.
    pub(crate) fn add(&mut self, p: usize, d: usize) {
        let i = p * self.districts + d;
        self.listed[i] += 1;
        self.variety_term[i] = (1.0 + f64::from(self.listed[i])).ln();
        self.listed_total[p] += 1;
    }

    /// Counts a merchant of district `d` delisted from platform `p`.
    pub(crate) fn remove(&mut self, p: usize, d: usize) {
        let i = p * self.districts + d;
        self.listed[i] -= 1;
        self.variety_term[i] = (1.0 + f64::from(self.listed[i])).ln();
        self.listed_total[p] -= 1;
    }

    /// Takes closed merchant `m` of district `d` out of its district's list.
    pub(crate) fn close(&mut self, m: usize, d: usize) {
        let pos = self.position[m] as usize;
        let list = &mut self.district_open[d];
        list.swap_remove(pos);
        if let Some(&moved) = list.get(pos) {
            self.position[moved as usize] = pos as u32;
        }
    }

    /// Platform `p` lists nothing any more (it exited).
    pub(crate) fn clear_platform(&mut self, p: usize) {
        let range = p * self.districts..(p + 1) * self.districts;
        self.listed[range.clone()].iter_mut().for_each(|n| *n = 0);
        self.variety_term[range].iter_mut().for_each(|v| *v = 0.0);
        self.listed_total[p] = 0;
    }
}
