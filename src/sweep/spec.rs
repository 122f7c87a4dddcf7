//! The `[sweep]` table as written, read into a [`SweepSpec`]: which
//! parameters vary (by key path), over which values or ranges, how points
//! are drawn (grid, random, Latin hypercube) and how many replications each
//! point gets.
//!
//! Reading is strict in the same way as the rest of a scenario: unknown
//! keys, wrong types, empty lists and empty ranges are refused, and every
//! problem is collected with its key path (`sweep.parameters."…"`) and line
//! before anything runs. Whether a path names a real numeric parameter is
//! decided by the scenario loader itself: each value is written into the
//! scenario by key path and the normal validation runs (see
//! [`super::Sweep::parse`]).

use serde::Serialize;

use crate::scenario::{Problem, line_of_path};

/// Most points one sweep may have.
pub const MAX_POINTS: u64 = 100_000;
/// Most replications per point.
pub const MAX_REPLICATIONS: i64 = 100_000;
/// Most runs (points × replications) one sweep may have (the result files
/// are rendered from the journal in memory).
pub const MAX_RUNS: u64 = 1_000_000;

/// The keys accepted in `[sweep]`.
const KEYS: [&str; 5] = ["method", "samples", "seed", "replications", "parameters"];

/// How sweep points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Every combination of the listed values (the first parameter varies
    /// slowest).
    Grid,
    /// `samples` points drawn independently and uniformly over the ranges.
    Random,
    /// A Latin hypercube of `samples` points: each range is cut into
    /// `samples` equal strata and each stratum is used exactly once.
    Lhs,
}

impl Method {
    /// The name used in the file (`grid`, `random`, `lhs`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Grid => "grid",
            Method::Random => "random",
            Method::Lhs => "lhs",
        }
    }
}

/// A parameter value: an integer stays an integer (for counts and days),
/// anything else is a real number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Number {
    /// A whole number, written into the scenario as a TOML integer.
    Integer(i64),
    /// A real number, written as a TOML float.
    Real(f64),
}

impl Number {
    /// The value as a TOML value, to write into the scenario.
    pub fn to_toml(self) -> toml::Value {
        match self {
            Number::Integer(i) => toml::Value::Integer(i),
            Number::Real(x) => toml::Value::Float(x),
        }
    }

    /// The value as a real number.
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Integer(i) => i as f64,
            Number::Real(x) => x,
        }
    }
}

impl std::fmt::Display for Number {
    /// Integers as written; reals in the shortest form that reads back to
    /// the same value, always with a decimal point or exponent (`5.0`,
    /// `0.1`, `1e-7`) so a CSV cell reproduces the run exactly and shows
    /// its type.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Integer(i) => write!(f, "{i}"),
            Number::Real(x) => write!(f, "{x:?}"),
        }
    }
}

/// The values one parameter takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// Listed values (grid sweeps).
    Values(Vec<Number>),
    /// A range `[min, max)` for reals, `[min, max]` for integers (random
    /// and Latin-hypercube sweeps).
    Range {
        /// Lower end.
        min: Number,
        /// Upper end.
        max: Number,
    },
}

impl Domain {
    /// The value at quantile `u` in `[0, 1)` of a range (uniform over it);
    /// `None` for a list of values.
    pub fn at(&self, u: f64) -> Option<Number> {
        match *self {
            Domain::Values(_) => None,
            Domain::Range {
                min: Number::Integer(lo),
                max: Number::Integer(hi),
            } => {
                // hi - lo + 1 integers, each with probability 1 / width.
                let width = hi as f64 - lo as f64 + 1.0;
                let offset = (u * width).floor() as i64;
                Some(Number::Integer(lo.saturating_add(offset).clamp(lo, hi)))
            }
            Domain::Range { min, max } => {
                let (lo, hi) = (min.as_f64(), max.as_f64());
                Some(Number::Real((lo + u * (hi - lo)).clamp(lo, hi)))
            }
        }
    }

    /// The values a parameter must accept for every point to be valid:
    /// each listed value, or both ends of a range.
    pub fn probes(&self) -> Vec<Number> {
        match self {
            Domain::Values(v) => v.clone(),
            Domain::Range { min, max } => vec![*min, *max],
        }
    }
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    /// Key path into the scenario, e.g. `platforms[0].subsidy[0].per_order`.
    pub path: String,
    /// Its values or range.
    pub domain: Domain,
}

/// A validated `[sweep]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepSpec {
    /// How points are chosen.
    pub method: Method,
    /// Number of points for random and Latin-hypercube sweeps.
    pub samples: Option<u32>,
    /// Seed of the random draws that place the points (random and LHS);
    /// the scenario's seed unless `[sweep] seed` is given. It does not
    /// affect the runs' own random streams.
    pub seed: u64,
    /// Replications of every point.
    pub replications: u32,
    /// The swept parameters, in file order.
    pub parameters: Vec<Parameter>,
}

impl SweepSpec {
    /// Number of points the spec describes.
    pub fn point_count(&self) -> u64 {
        match self.method {
            Method::Grid => self
                .parameters
                .iter()
                .map(|p| match &p.domain {
                    Domain::Values(v) => v.len() as u64,
                    Domain::Range { .. } => 1,
                })
                .fold(1u64, u64::saturating_mul),
            Method::Random | Method::Lhs => u64::from(self.samples.unwrap_or(0)),
        }
    }
}

/// The key path of a parameter in messages: `sweep.parameters."PATH"`.
pub fn parameter_key(path: &str) -> String {
    format!("sweep.parameters.\"{path}\"")
}

/// 1-based line of the parameter `path` in `[sweep.parameters]` (its key
/// is quoted, so [`line_of_path`] cannot reach it), falling back to the
/// table's own line.
pub(crate) fn line_of_parameter(text: &str, path: &str) -> Option<usize> {
    use toml::de::DeTable;
    let found = DeTable::parse(text).ok().and_then(|root| {
        let sweep = root.get_ref().get("sweep")?.get_ref().as_table()?;
        let params = sweep.get("parameters")?.get_ref().as_table()?;
        params
            .iter()
            .find(|(k, _)| k.get_ref() == path)
            .map(|(k, _)| line_of_offset(text, k.span().start))
    });
    found.or_else(|| line_of_path(text, "sweep.parameters"))
}

/// 1-based line of byte `offset` in `text`.
fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The parameter keys of `[sweep.parameters]` in the order they are
/// written (the parsed table sorts its keys).
fn file_order(text: &str) -> Vec<String> {
    use toml::de::DeTable;
    let Ok(root) = DeTable::parse(text) else {
        return Vec::new();
    };
    let params = root
        .get_ref()
        .get("sweep")
        .and_then(|s| s.get_ref().as_table())
        .and_then(|s| s.get("parameters"))
        .and_then(|p| p.get_ref().as_table());
    let mut keys: Vec<(usize, String)> = params
        .map(|t| {
            t.iter()
                .map(|(k, _)| (k.span().start, k.get_ref().to_string()))
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

struct Reader<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn fail(&mut self, path: &str, rule: impl Into<String>) {
        let line = line_of_path(self.text, path);
        self.problems.push(Problem {
            path: path.to_string(),
            rule: rule.into(),
            line,
            origin: None,
        });
    }

    fn fail_parameter(&mut self, path: &str, rule: impl Into<String>) {
        self.problems.push(Problem {
            path: parameter_key(path),
            rule: rule.into(),
            line: line_of_parameter(self.text, path),
            origin: None,
        });
    }

    fn number(&mut self, path: &str, v: &toml::Value) -> Option<Number> {
        match v {
            toml::Value::Integer(i) => Some(Number::Integer(*i)),
            toml::Value::Float(x) if x.is_finite() => Some(Number::Real(*x)),
            toml::Value::Float(x) => {
                self.fail_parameter(path, format!("must be a finite number, got {x}"));
                None
            }
            other => {
                self.fail_parameter(
                    path,
                    format!("values must be numbers, got {}", other.type_str()),
                );
                None
            }
        }
    }

    fn domain(&mut self, method: Method, path: &str, v: &toml::Value) -> Option<Domain> {
        match (method, v) {
            (Method::Grid, toml::Value::Array(items)) => {
                if items.is_empty() {
                    self.fail_parameter(path, "the list of values is empty; give at least one");
                    return None;
                }
                let values: Vec<Number> =
                    items.iter().filter_map(|i| self.number(path, i)).collect();
                (values.len() == items.len()).then_some(Domain::Values(values))
            }
            (Method::Grid, _) => {
                self.fail_parameter(
                    path,
                    "a grid sweep takes a list of values, e.g. [0, 2, 5]; ranges \
                     { min, max } are for method = \"random\" or \"lhs\"",
                );
                None
            }
            (_, toml::Value::Table(t)) => {
                let unknown: Vec<&String> =
                    t.keys().filter(|k| *k != "min" && *k != "max").collect();
                if !unknown.is_empty() {
                    let list: Vec<String> = unknown.iter().map(|k| format!("`{k}`")).collect();
                    self.fail_parameter(
                        path,
                        format!(
                            "unknown key {} in a range; expected min and max",
                            list.join(", ")
                        ),
                    );
                    return None;
                }
                let (Some(lo), Some(hi)) = (t.get("min"), t.get("max")) else {
                    self.fail_parameter(path, "a range needs both min and max");
                    return None;
                };
                let (lo, hi) = (self.number(path, lo)?, self.number(path, hi)?);
                let (lo, hi) = match (lo, hi) {
                    (Number::Integer(_), Number::Integer(_)) => (lo, hi),
                    _ => (Number::Real(lo.as_f64()), Number::Real(hi.as_f64())),
                };
                if lo.as_f64() >= hi.as_f64() {
                    self.fail_parameter(
                        path,
                        format!(
                            "the range is empty: min ({lo}) must be less than max ({hi}); \
                             a fixed value belongs in the scenario itself"
                        ),
                    );
                    return None;
                }
                Some(Domain::Range { min: lo, max: hi })
            }
            (_, _) => {
                self.fail_parameter(
                    path,
                    format!(
                        "a {} sweep takes a range, e.g. {{ min = 0.0, max = 8.0 }}; lists of \
                         values are for method = \"grid\"",
                        method.name()
                    ),
                );
                None
            }
        }
    }
}

/// Reads the `[sweep]` table. `default_seed` and `default_replications`
/// are the scenario's own. Problems name their key path and line in `text`.
pub(crate) fn read(
    table: &toml::Table,
    text: &str,
    default_seed: u64,
    default_replications: u32,
) -> Result<SweepSpec, Vec<Problem>> {
    let mut r = Reader {
        text,
        problems: Vec::new(),
    };
    for key in table.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        let hint = KEYS
            .iter()
            .map(|k| (strsim::levenshtein(k, key), k))
            .filter(|(d, k)| *d <= 3 && *d < k.len())
            .min()
            .map(|(_, k)| format!("did you mean `{k}`?"))
            .unwrap_or_else(|| format!("expected one of: {}", KEYS.join(", ")));
        r.fail(&format!("sweep.{key}"), format!("unknown key ({hint})"));
    }

    let method = match table.get("method") {
        None => Some(Method::Grid),
        Some(toml::Value::String(s)) => match s.as_str() {
            "grid" => Some(Method::Grid),
            "random" => Some(Method::Random),
            "lhs" | "latin-hypercube" => Some(Method::Lhs),
            other => {
                r.fail(
                    "sweep.method",
                    format!("unknown method `{other}`; expected \"grid\", \"random\" or \"lhs\""),
                );
                None
            }
        },
        Some(other) => {
            r.fail(
                "sweep.method",
                format!(
                    "must be \"grid\", \"random\" or \"lhs\", got {}",
                    other.type_str()
                ),
            );
            None
        }
    };

    let samples = match (method, table.get("samples")) {
        (_, None) => None,
        (Some(Method::Grid), Some(_)) => {
            r.fail(
                "sweep.samples",
                "applies only to method = \"random\" or \"lhs\"; a grid has one point per combination",
            );
            None
        }
        (_, Some(toml::Value::Integer(n))) if (1..=MAX_POINTS as i64).contains(n) => {
            Some(*n as u32)
        }
        (_, Some(v)) => {
            r.fail(
                "sweep.samples",
                format!("must be a whole number between 1 and {MAX_POINTS}, got {v}"),
            );
            None
        }
    };
    if matches!(method, Some(Method::Random | Method::Lhs)) && !table.contains_key("samples") {
        r.fail(
            "sweep.samples",
            "required for method = \"random\" or \"lhs\": the number of points to draw",
        );
    }

    let seed = match (method, table.get("seed")) {
        (_, None) => default_seed,
        (Some(Method::Grid), Some(_)) => {
            r.fail(
                "sweep.seed",
                "applies only to method = \"random\" or \"lhs\" (a grid draws nothing; \
                 the runs' seeds come from the scenario's `seed`)",
            );
            default_seed
        }
        (_, Some(toml::Value::Integer(n))) if *n >= 0 => *n as u64,
        (_, Some(v)) => {
            r.fail(
                "sweep.seed",
                format!("must be a whole number of at least 0, got {v}"),
            );
            default_seed
        }
    };

    let replications = match table.get("replications") {
        None => default_replications,
        Some(toml::Value::Integer(n)) if (1..=MAX_REPLICATIONS).contains(n) => *n as u32,
        Some(v) => {
            r.fail(
                "sweep.replications",
                format!("must be a whole number between 1 and {MAX_REPLICATIONS}, got {v}"),
            );
            1
        }
    };

    let mut parameters = Vec::new();
    match table.get("parameters") {
        None => r.fail(
            "sweep.parameters",
            "required: a table of \"key.path\" = values, e.g. \
             \"platforms[0].subsidy[0].per_order\" = [0, 2, 5, 8]",
        ),
        Some(toml::Value::Table(t)) if t.is_empty() => r.fail(
            "sweep.parameters",
            "lists no parameter; give at least one \"key.path\" = values",
        ),
        Some(toml::Value::Table(t)) => {
            let mut order = file_order(text);
            order.retain(|k| t.contains_key(k));
            for k in t.keys() {
                if !order.contains(k) {
                    order.push(k.clone());
                }
            }
            for path in &order {
                let Some(v) = t.get(path) else { continue };
                if path == "replications" {
                    r.fail_parameter(path, "set replications with `[sweep] replications`");
                    continue;
                }
                if path == "sweep" || path.starts_with("sweep.") || path.starts_with("sweep[") {
                    r.fail_parameter(path, "the [sweep] table itself cannot be swept");
                    continue;
                }
                if let Some(m) = method
                    && let Some(domain) = r.domain(m, path, v)
                {
                    parameters.push(Parameter {
                        path: path.clone(),
                        domain,
                    });
                }
            }
        }
        Some(other) => r.fail(
            "sweep.parameters",
            format!("must be a table, got {}", other.type_str()),
        ),
    }

    let Some(method) = method else {
        return Err(r.problems);
    };
    let spec = SweepSpec {
        method,
        samples,
        seed,
        replications,
        parameters,
    };
    if r.problems.is_empty() {
        let points = spec.point_count();
        if points > MAX_POINTS {
            let sizes: Vec<String> = spec
                .parameters
                .iter()
                .map(|p| match &p.domain {
                    Domain::Values(v) => v.len().to_string(),
                    Domain::Range { .. } => "1".into(),
                })
                .collect();
            r.fail(
                "sweep.parameters",
                format!(
                    "the grid has {points} points ({}); at most {MAX_POINTS}",
                    sizes.join(" × ")
                ),
            );
        } else if points.saturating_mul(u64::from(replications)) > MAX_RUNS {
            r.fail(
                "sweep.replications",
                format!(
                    "{points} points × {replications} replications is more than {MAX_RUNS} runs"
                ),
            );
        }
    }
    if r.problems.is_empty() {
        Ok(spec)
    } else {
        Err(r.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<SweepSpec, Vec<Problem>> {
        let table: toml::Table = text.parse().expect("toml");
        let sweep = table
            .get("sweep")
            .and_then(|s| s.as_table())
            .cloned()
            .unwrap_or_default();
        read(&sweep, text, 9, 2)
    }

    fn rules(text: &str) -> String {
        match spec(text) {
            Ok(s) => panic!("accepted: {s:?}"),
            Err(p) => p
                .iter()
                .map(|p| format!("{}:{:?}: {}", p.path, p.line, p.rule))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn parameters_keep_file_order_and_defaults_apply() {
        let s = spec("[sweep]\n[sweep.parameters]\n\"z.b\" = [1, 2]\n\"a.c\" = [0.5]\n")
            .expect("valid");
        let paths: Vec<&str> = s.parameters.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["z.b", "a.c"]);
        assert_eq!((s.method, s.seed, s.replications), (Method::Grid, 9, 2));
        assert_eq!(s.point_count(), 2);
        assert_eq!(
            s.parameters[0].domain,
            Domain::Values(vec![Number::Integer(1), Number::Integer(2)])
        );
    }

    #[test]
    fn ranges_keep_integers_and_widen_mixed_to_reals() {
        let s = spec(
            "[sweep]\nmethod = \"lhs\"\nsamples = 4\nseed = 3\nreplications = 5\n\
             [sweep.parameters]\n\"a\" = { min = 1, max = 9 }\n\"b\" = { min = 1, max = 2.5 }\n",
        )
        .expect("valid");
        assert_eq!(
            (s.method, s.samples, s.seed, s.replications),
            (Method::Lhs, Some(4), 3, 5)
        );
        assert_eq!(
            s.parameters[0].domain,
            Domain::Range {
                min: Number::Integer(1),
                max: Number::Integer(9)
            }
        );
        assert_eq!(
            s.parameters[1].domain,
            Domain::Range {
                min: Number::Real(1.0),
                max: Number::Real(2.5)
            }
        );
    }

    #[test]
    fn empty_lists_and_ranges_are_refused_with_their_line() {
        let r = rules("[sweep]\n[sweep.parameters]\n\"a.b\" = []\n");
        assert!(
            r.contains("sweep.parameters.\"a.b\":Some(3): the list of values is empty"),
            "{r}"
        );
        let r = rules(
            "[sweep]\nmethod = \"random\"\nsamples = 3\n[sweep.parameters]\n\
             \"x\" = { min = 5.0, max = 5.0 }\n\"y\" = { min = 9, max = 1 }\n",
        );
        assert!(
            r.contains("sweep.parameters.\"x\":Some(5): the range is empty: min (5.0)"),
            "{r}"
        );
        assert!(
            r.contains("sweep.parameters.\"y\":Some(6): the range is empty"),
            "{r}"
        );
    }

    #[test]
    fn method_mismatches_and_unknown_keys_are_refused() {
        let r = rules("[sweep]\nmethod = \"lhs\"\n[sweep.parameters]\n\"a\" = [1, 2]\n");
        assert!(r.contains("sweep.samples"), "{r}");
        assert!(r.contains("takes a range"), "{r}");
        let r =
            rules("[sweep]\nmetod = \"grid\"\n[sweep.parameters]\n\"a\" = { min = 1, max = 2 }\n");
        assert!(
            r.contains("sweep.metod:Some(2): unknown key (did you mean `method`?)"),
            "{r}"
        );
        assert!(r.contains("takes a list of values"), "{r}");
        let r = rules("[sweep]\nmethod = \"sobol\"\n[sweep.parameters]\n\"a\" = [1]\n");
        assert!(r.contains("unknown method `sobol`"), "{r}");
        let r = rules("[sweep]\nsamples = 4\n[sweep.parameters]\n\"a\" = [\"x\"]\n");
        assert!(r.contains("sweep.samples"), "{r}");
        assert!(r.contains("values must be numbers, got string"), "{r}");
        let r = rules("[sweep]\nreplications = 0\n");
        assert!(r.contains("sweep.replications"), "{r}");
        assert!(r.contains("sweep.parameters:"), "{r}");
    }

    #[test]
    fn oversized_grids_are_refused() {
        let many: Vec<String> = (0..400).map(|i| i.to_string()).collect();
        let list = many.join(", ");
        let r = rules(&format!(
            "[sweep]\n[sweep.parameters]\n\"a\" = [{list}]\n\"b\" = [{list}]\n"
        ));
        assert!(r.contains("the grid has 160000 points (400 × 400)"), "{r}");
    }

    #[test]
    fn range_quantiles_cover_the_range() {
        let ints = Domain::Range {
            min: Number::Integer(1),
            max: Number::Integer(3),
        };
        assert_eq!(ints.at(0.0), Some(Number::Integer(1)));
        assert_eq!(ints.at(0.34), Some(Number::Integer(2)));
        assert_eq!(ints.at(0.999_999), Some(Number::Integer(3)));
        let reals = Domain::Range {
            min: Number::Real(-1.0),
            max: Number::Real(1.0),
        };
        assert_eq!(reals.at(0.25), Some(Number::Real(-0.5)));
        assert_eq!(Number::Real(5.0).to_string(), "5.0");
        assert_eq!(Number::Real(0.1).to_string(), "0.1");
    }
}
