//! Sweep designs: the list of points a [`SweepSpec`] describes.
//!
//! A point is one value per swept parameter, in parameter order; its id is
//! its index in the list. Grids enumerate combinations with the first
//! parameter varying slowest. Random and Latin-hypercube designs draw from
//! one Xoshiro256++ stream seeded from `[sweep] seed`, in a fixed order
//! (random: point by point, parameter by parameter; LHS: for each
//! parameter, a shuffle of the strata then one jitter per point), using
//! only the generator's raw 64-bit outputs, so the same seed gives the same
//! points on every machine and version of the `rand` crates.

use rand::{Rng, SeedableRng};

use super::spec::{Domain, Method, Number, SweepSpec};
use crate::rng::{StreamRng, mix64};

/// Mixed into the sweep seed so design draws never share a stream with a
/// run's draws.
const DESIGN_STREAM: u64 = 0x5357_4545_505F_4458; // "SWEEP_DX"

/// One point of a sweep: a value for each swept parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Index of the point in the design (0-based); names it in every file.
    pub id: u32,
    /// One value per parameter, in the spec's parameter order.
    pub values: Vec<Number>,
}

/// A uniform draw in `[0, 1)` from the top 53 bits of one output.
fn unit(rng: &mut StreamRng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Every point of `spec`, in id order.
pub fn points(spec: &SweepSpec) -> Vec<Point> {
    let rows = match spec.method {
        Method::Grid => grid(spec),
        Method::Random => random(spec),
        Method::Lhs => latin_hypercube(spec),
    };
    rows.into_iter()
        .enumerate()
        .map(|(i, values)| Point {
            id: i as u32,
            values,
        })
        .collect()
}

fn design_rng(seed: u64) -> StreamRng {
    StreamRng::seed_from_u64(mix64(seed ^ DESIGN_STREAM))
}

fn grid(spec: &SweepSpec) -> Vec<Vec<Number>> {
    let lists: Vec<&[Number]> = spec
        .parameters
        .iter()
        .filter_map(|p| match &p.domain {
            Domain::Values(v) => Some(v.as_slice()),
            Domain::Range { .. } => None,
        })
        .collect();
    let mut rows: Vec<Vec<Number>> = vec![Vec::new()];
    for list in lists {
        rows = rows
            .into_iter()
            .flat_map(|row| {
                list.iter().map(move |v| {
                    let mut next = row.clone();
                    next.push(*v);
                    next
                })
            })
            .collect();
    }
    rows
}

fn random(spec: &SweepSpec) -> Vec<Vec<Number>> {
    let n = spec.samples.unwrap_or(0) as usize;
    let mut rng = design_rng(spec.seed);
    (0..n)
        .map(|_| {
            spec.parameters
                .iter()
                .filter_map(|p| p.domain.at(unit(&mut rng)))
                .collect()
        })
        .collect()
}

fn latin_hypercube(spec: &SweepSpec) -> Vec<Vec<Number>> {
    let n = spec.samples.unwrap_or(0) as usize;
    let mut rng = design_rng(spec.seed);
    let mut rows: Vec<Vec<Number>> = vec![Vec::with_capacity(spec.parameters.len()); n];
    for p in &spec.parameters {
        // Fisher–Yates: stratum[i] is the stratum point i falls in.
        let mut stratum: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = ((unit(&mut rng) * (i + 1) as f64) as usize).min(i);
            stratum.swap(i, j);
        }
        for (row, s) in rows.iter_mut().zip(&stratum) {
            let u = (*s as f64 + unit(&mut rng)) / n as f64;
            if let Some(v) = p.domain.at(u.min(1.0 - f64::EPSILON)) {
                row.push(v);
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::spec::Parameter;

    fn range(path: &str, min: Number, max: Number) -> Parameter {
        Parameter {
            path: path.into(),
            domain: Domain::Range { min, max },
        }
    }

    fn sampled(method: Method, samples: u32, seed: u64, parameters: Vec<Parameter>) -> SweepSpec {
        SweepSpec {
            method,
            samples: Some(samples),
            seed,
            replications: 1,
            parameters,
        }
    }

    #[test]
    fn grid_enumerates_every_combination_first_parameter_slowest() {
        let values = |v: &[i64]| Domain::Values(v.iter().map(|&i| Number::Integer(i)).collect());
        let spec = SweepSpec {
            method: Method::Grid,
            samples: None,
            seed: 0,
            replications: 1,
            parameters: vec![
                Parameter {
                    path: "a".into(),
                    domain: values(&[1, 2, 3]),
                },
                Parameter {
                    path: "b".into(),
                    domain: values(&[10, 20]),
                },
            ],
        };
        let pts = points(&spec);
        assert_eq!(pts.len(), 6);
        assert_eq!(pts.len() as u64, spec.point_count());
        let as_ints: Vec<(i64, i64)> = pts
            .iter()
            .map(|p| match (p.values[0], p.values[1]) {
                (Number::Integer(a), Number::Integer(b)) => (a, b),
                _ => panic!("not integers"),
            })
            .collect();
        assert_eq!(
            as_ints,
            [(1, 10), (1, 20), (2, 10), (2, 20), (3, 10), (3, 20)]
        );
        assert_eq!(
            pts.iter().map(|p| p.id).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn random_points_are_seeded_and_within_their_ranges() {
        let params = || {
            vec![
                range("x", Number::Real(2.0), Number::Real(5.0)),
                range("k", Number::Integer(-3), Number::Integer(3)),
            ]
        };
        let spec = sampled(Method::Random, 500, 42, params());
        let pts = points(&spec);
        assert_eq!(pts.len(), 500);
        let mut seen_k = std::collections::BTreeSet::new();
        for p in &pts {
            let Number::Real(x) = p.values[0] else {
                panic!("x must be real")
            };
            assert!((2.0..5.0).contains(&x), "{x}");
            let Number::Integer(k) = p.values[1] else {
                panic!("k must be an integer")
            };
            assert!((-3..=3).contains(&k), "{k}");
            seen_k.insert(k);
        }
        // Both ends of the integer range are reachable.
        assert_eq!(seen_k.len(), 7);
        // Same seed, same points; another seed, other points.
        assert_eq!(points(&sampled(Method::Random, 500, 42, params())), pts);
        assert_ne!(points(&sampled(Method::Random, 500, 43, params())), pts);
    }

    #[test]
    fn latin_hypercube_uses_every_stratum_once() {
        let n = 37u32;
        let spec = sampled(
            Method::Lhs,
            n,
            7,
            vec![
                range("a", Number::Real(0.0), Number::Real(1.0)),
                range("b", Number::Real(-10.0), Number::Real(30.0)),
                range("c", Number::Real(100.0), Number::Real(100.5)),
            ],
        );
        let pts = points(&spec);
        assert_eq!(pts.len(), n as usize);
        for (j, (lo, hi)) in [(0.0, 1.0), (-10.0, 30.0), (100.0, 100.5)]
            .into_iter()
            .enumerate()
        {
            let mut hits = vec![0u32; n as usize];
            for p in &pts {
                let v = p.values[j].as_f64();
                assert!(v >= lo && v < hi, "{v} outside [{lo}, {hi})");
                let s = ((v - lo) / (hi - lo) * f64::from(n)) as usize;
                hits[s] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "parameter {j}: {hits:?}");
        }
        // The columns are not all sorted the same way (they are shuffled
        // independently).
        let order = |j: usize| {
            let mut idx: Vec<usize> = (0..pts.len()).collect();
            idx.sort_by(|&a, &b| {
                pts[a].values[j]
                    .as_f64()
                    .total_cmp(&pts[b].values[j].as_f64())
            });
            idx
        };
        assert_ne!(order(0), order(1));
    }

    #[test]
    fn design_draws_are_value_stable() {
        // Pinned: a change here moves every random and LHS sweep's points.
        let spec = sampled(
            Method::Random,
            2,
            1,
            vec![range("x", Number::Real(0.0), Number::Real(1.0))],
        );
        let got: Vec<String> = points(&spec)
            .iter()
            .map(|p| p.values[0].to_string())
            .collect();
        assert_eq!(got, ["0.2772911391045555", "0.8019296810524296"]);
        let spec = sampled(
            Method::Lhs,
            3,
            1,
            vec![range("k", Number::Integer(0), Number::Integer(99))],
        );
        let got: Vec<String> = points(&spec)
            .iter()
            .map(|p| p.values[0].to_string())
            .collect();
        assert_eq!(got, ["85", "59", "28"]);
    }
}
