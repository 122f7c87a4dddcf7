//! The arithmetic of a calibration: the Halton points of the
//! space-filling start, the moment means and their spread across
//! replications, the loss, and the sandwich covariance of the estimates
//! with its identification diagnostics. Pure functions of numbers, so
//! each is tested against a hand-worked case.

/// The first primes: one Halton base per parameter.
const PRIMES: [u32; 20] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71,
];

/// Point `index` (from 1) of the Halton sequence in `dims` dimensions:
/// the radical inverse of `index` in the first `dims` prime bases (past
/// 20 dimensions the bases repeat, shifted by the point's index).
pub(crate) fn halton(index: u32, dims: usize) -> Vec<f64> {
    (0..dims)
        .map(|j| {
            let base = PRIMES[j % PRIMES.len()];
            let mut i = index + (j / PRIMES.len()) as u32 * 7;
            let (mut f, mut x) = (1.0, 0.0);
            while i > 0 {
                f /= f64::from(base);
                x += f * f64::from(i % base);
                i /= base;
            }
            x
        })
        .collect()
}

/// Per moment, the mean over replications (`None` if any replication
/// leaves it undefined).
pub(crate) fn means(runs: &[Vec<Option<f64>>], moments: usize) -> Vec<Option<f64>> {
    (0..moments)
        .map(|k| {
            let v: Option<Vec<f64>> = runs.iter().map(|r| r.get(k).copied().flatten()).collect();
            v.filter(|v| !v.is_empty())
                .map(|v| v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect()
}

/// The covariance matrix of the moments across replications (n − 1
/// denominator; zero with fewer than two).
pub(crate) fn covariance(runs: &[Vec<Option<f64>>], moments: usize) -> Vec<Vec<f64>> {
    let r = runs.len();
    let m = means(runs, moments);
    let mut c = vec![vec![0.0; moments]; moments];
    if r < 2 {
        return c;
    }
    let x = |i: usize, k: usize| runs[i].get(k).copied().flatten().unwrap_or(f64::NAN);
    for a in 0..moments {
        for b in a..moments {
            let (ma, mb) = (m[a].unwrap_or(f64::NAN), m[b].unwrap_or(f64::NAN));
            let s: f64 = (0..r).map(|i| (x(i, a) - ma) * (x(i, b) - mb)).sum();
            c[a][b] = s / (r - 1) as f64;
            c[b][a] = c[a][b];
        }
    }
    c
}

/// The linear-interpolated `q` quantile of `v` (NaN when empty).
pub(crate) fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (pos - lo as f64) * (s[hi] - s[lo])
}

/// The scale `s_k` of each moment: its stated standard error, else the
/// simulated standard deviation `sd_k`, floored at 0.1% of the observed
/// value (and at 1e-12).
pub(crate) fn scales(observed: &[f64], se: &[Option<f64>], sd: &[f64]) -> Vec<f64> {
    observed
        .iter()
        .zip(se)
        .zip(sd)
        .map(|((o, s), d)| {
            let floor = (1e-3 * o.abs()).max(1e-12);
            match s {
                Some(s) => *s,
                None if d.is_finite() => d.max(floor),
                None => floor,
            }
        })
        .collect()
}

/// The loss: Σ_k ((mean_k − observed_k) / s_k)²; `None` if a moment is
/// undefined.
pub(crate) fn loss(means: &[Option<f64>], observed: &[f64], scales: &[f64]) -> Option<f64> {
    let mut total = 0.0;
    for ((m, o), s) in means.iter().zip(observed).zip(scales) {
        let m = (*m)?;
        total += ((m - o) / s).powi(2);
    }
    total.is_finite().then_some(total)
}

/// Inverse of a symmetric positive definite matrix by Gauss–Jordan with
/// partial pivoting; `None` when it is (numerically) singular.
pub(crate) fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let scale = (0..n).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    if n == 0 || scale <= 0.0 || !scale.is_finite() {
        return (n == 0).then(Vec::new);
    }
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))?;
        if m[pivot][col].abs() <= 1e-12 * scale {
            return None;
        }
        m.swap(col, pivot);
        let p = m[col][col];
        for x in m[col].iter_mut() {
            *x /= p;
        }
        for row in 0..n {
            if row != col {
                let f = m[row][col];
                if f != 0.0 {
                    let pivot_row = m[col].clone();
                    for (x, y) in m[row].iter_mut().zip(pivot_row) {
                        *x -= f * y;
                    }
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// What the sandwich formula found, on the unit scale of the search.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Covariance {
    /// Covariance of the estimates (NaN rows and columns for parameters
    /// that are not identified).
    pub matrix: Vec<Vec<f64>>,
    /// Per parameter, ‖W^½ G_j‖: how many standard errors, in total, the
    /// moments move when the parameter crosses its whole range.
    pub sensitivity: Vec<f64>,
    /// Per parameter, whether the targets pin it down.
    pub identified: Vec<bool>,
}

/// Sensitivity below which a parameter counts as not identified.
pub(crate) const MIN_SENSITIVITY: f64 = 2.0;

/// The sandwich covariance `A⁻¹ Gᵀ W (Ω + Ω_sim / R) W G A⁻¹`, `A = Gᵀ W G`,
/// with `W = diag(1 / s_k²)`, `Ω = D ρ D` (`D` the scales, `ρ` the
/// correlation of the simulated moments) and `Ω_sim` the simulated
/// covariance. `jacobian[k][j]` is ∂ moment k / ∂ parameter j (unit scale).
/// Parameters with too little sensitivity are held fixed: their rows and
/// columns are NaN and the others' covariance is computed without them.
pub(crate) fn sandwich(
    jacobian: &[Vec<f64>],
    scales: &[f64],
    simulated: &[Vec<f64>],
    replications: u32,
) -> Covariance {
    let k = scales.len();
    let d = jacobian.first().map_or(0, Vec::len);
    let w: Vec<f64> = scales.iter().map(|s| 1.0 / (s * s)).collect();
    let sensitivity: Vec<f64> = (0..d)
        .map(|j| {
            (0..k)
                .map(|i| w[i] * jacobian[i][j].powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let mut identified: Vec<bool> = sensitivity
        .iter()
        .map(|s| s.is_finite() && *s >= MIN_SENSITIVITY)
        .collect();
    // Ω + Ω_sim / R.
    let sd: Vec<f64> = (0..k).map(|i| simulated[i][i].max(0.0).sqrt()).collect();
    let r = f64::from(replications.max(1));
    let omega = |a: usize, b: usize| -> f64 {
        let rho = if a == b {
            1.0
        } else if sd[a] > 0.0 && sd[b] > 0.0 {
            (simulated[a][b] / (sd[a] * sd[b])).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        rho * scales[a] * scales[b] + simulated[a][b] / r
    };
    let mut matrix = vec![vec![f64::NAN; d]; d];
    // Drop unidentified parameters until the rest has a proper interval.
    loop {
        let keep: Vec<usize> = (0..d).filter(|&j| identified[j]).collect();
        let n = keep.len();
        let wg: Vec<Vec<f64>> = (0..k)
            .map(|i| keep.iter().map(|&j| w[i] * jacobian[i][j]).collect())
            .collect();
        let mut a = vec![vec![0.0; n]; n];
        let mut b = vec![vec![0.0; n]; n];
        for p in 0..n {
            for q in 0..n {
                a[p][q] = (0..k).map(|i| jacobian[i][keep[p]] * wg[i][q]).sum();
                let mut s = 0.0;
                for x in 0..k {
                    if wg[x][p] == 0.0 {
                        continue;
                    }
                    for y in 0..k {
                        s += wg[x][p] * omega(x, y) * wg[y][q];
                    }
                }
                b[p][q] = s;
            }
        }
        let Some(ai) = invert(&a) else {
            // Singular: the least sensitive parameter goes first.
            match keep
                .iter()
                .min_by(|&&x, &&y| sensitivity[x].total_cmp(&sensitivity[y]))
            {
                Some(&j) => {
                    identified[j] = false;
                    continue;
                }
                None => break,
            }
        };
        let mult = |x: &[Vec<f64>], y: &[Vec<f64>]| -> Vec<Vec<f64>> {
            (0..n)
                .map(|p| {
                    (0..n)
                        .map(|q| (0..n).map(|t| x[p][t] * y[t][q]).sum())
                        .collect()
                })
                .collect()
        };
        let v = mult(&mult(&ai, &b), &ai);
        // An interval wider than the whole range says the targets do not
        // pin the parameter down.
        let wide: Vec<usize> = (0..n).filter(|&p| v[p][p].sqrt() > 0.5).collect();
        if let Some(&p) = wide.iter().max_by(|&&x, &&y| v[x][x].total_cmp(&v[y][y])) {
            identified[keep[p]] = false;
            continue;
        }
        for p in 0..n {
            for q in 0..n {
                matrix[keep[p]][keep[q]] = v[p][q];
            }
        }
        break;
    }
    Covariance {
        matrix,
        sensitivity,
        identified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halton_points_are_radical_inverses() {
        assert_eq!(halton(1, 2), vec![0.5, 1.0 / 3.0]);
        assert_eq!(halton(2, 2), vec![0.25, 2.0 / 3.0]);
        assert_eq!(halton(3, 1), vec![0.75]);
        // The first 16 points of base 2 are 16 distinct multiples of 1/32
        // spread over the interval: one in each half, quarter, eighth.
        let mut xs: Vec<f64> = (1..=16).map(|i| halton(i, 1)[0]).collect();
        xs.sort_by(f64::total_cmp);
        for (i, x) in xs.iter().enumerate().take(15) {
            assert!((i as f64 / 16.0..(i as f64 + 1.0) / 16.0 + 1e-12).contains(x));
        }
    }

    #[test]
    fn sandwich_of_one_linear_moment_is_the_delta_method() {
        // One parameter, one moment m = 2θ, data se 0.1, simulated sd 0.1
        // over R = 4: Var θ̂ = (0.01 + 0.01/4) / 4.
        let c = sandwich(&[vec![2.0]], &[0.1], &[vec![0.01]], 4);
        let want = (0.01 + 0.01 / 4.0) / 4.0;
        assert!((c.matrix[0][0] - want).abs() < 1e-12, "{:?}", c.matrix);
        assert!(c.identified[0]);
        assert!((c.sensitivity[0] - 20.0).abs() < 1e-9);
    }

    #[test]
    fn a_flat_parameter_is_not_identified_and_the_other_keeps_its_interval() {
        // Two moments; the second parameter moves nothing.
        let g = vec![vec![1.0, 0.0], vec![0.0, 1e-6]];
        let sim = vec![vec![0.0001, 0.0], vec![0.0, 0.0001]];
        let c = sandwich(&g, &[0.01, 0.01], &sim, 1_000_000);
        assert!(c.identified[0] && !c.identified[1]);
        assert!((c.matrix[0][0] - 0.0001).abs() < 1e-9);
        assert!(c.matrix[1][1].is_nan());
    }

    #[test]
    fn loss_weights_by_scales_and_refuses_undefined_moments() {
        let s = scales(&[10.0, 0.0], &[Some(2.0), None], &[f64::NAN, 0.5]);
        assert_eq!(s, vec![2.0, 0.5]);
        assert_eq!(loss(&[Some(12.0), Some(1.0)], &[10.0, 0.0], &s), Some(5.0));
        assert_eq!(loss(&[None, Some(1.0)], &[10.0, 0.0], &s), None);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.05), 1.2);
        let inv = invert(&[vec![4.0, 2.0], vec![2.0, 3.0]]).expect("invertible");
        assert!((inv[0][0] - 0.375).abs() < 1e-12 && (inv[0][1] + 0.25).abs() < 1e-12);
    }
}
