//! The `[optimize]` and `[equilibrium]` tables as written, read into a
//! [`OptimizeSpec`] or an [`EquilibriumSpec`]: which scenario values are
//! decision variables (by key path, with bounds), which platform's summary
//! metrics make the objective, which constraints a candidate must meet,
//! and how many evaluations and replications the search may spend.
//!
//! Reading is strict like the rest of a scenario: unknown keys, wrong
//! types, empty ranges, unknown metrics and platforms are refused, each
//! problem named by its key path and line, before anything runs. Whether
//! a variable's path names a real numeric parameter is decided by the
//! scenario loader itself (see [`super::Search::parse`]).

use serde::Serialize;

use crate::metrics::HEADLINES;
use crate::scenario::{Problem, line_of_path};

/// Most evaluations one search (or one best response) may spend.
pub const MAX_BUDGET: i64 = 10_000;
/// Most replications per evaluation.
pub const MAX_REPLICATIONS: i64 = 10_000;
/// Most rounds of best responses.
pub const MAX_ROUNDS: i64 = 1_000;

/// Metrics an objective or constraint may name, beyond the headline
/// figures of `summary.csv` (see [`metric_names`]).
pub const CONTRIBUTION: &str = "contribution";

/// Every metric name an objective or constraint may use: the headline
/// figures (`final_share`, `cumulative_burn`, `exited`, …) and
/// `contribution` (revenue − subsidies − variable cost over the run).
pub fn metric_names() -> Vec<&'static str> {
    HEADLINES
        .iter()
        .map(|h| h.name)
        .chain(std::iter::once(CONTRIBUTION))
        .collect()
}

/// One decision variable: a scenario value by key path, searched between
/// bounds. Integer bounds make an integer variable (days, counts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variable {
    /// Key path into the scenario, e.g. `platforms[0].subsidy[0].per_order`.
    pub path: String,
    /// Lower bound (inclusive).
    pub min: f64,
    /// Upper bound (inclusive).
    pub max: f64,
    /// Whether the value is a whole number.
    pub integer: bool,
    /// Whether the range is searched on a log scale (positive bounds):
    /// equal steps multiply the value by equal factors.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
}

impl Variable {
    /// The value at `u` in `[0, 1]` of the range (rounded for an integer
    /// variable), as a TOML value to write into the scenario.
    pub fn at(&self, u: f64) -> toml::Value {
        let x = self.natural(u);
        if self.integer {
            toml::Value::Integer(x.round() as i64)
        } else {
            // Six significant digits of the range (of the value itself on
            // a log scale): finer steps than any simulated objective can
            // tell apart, and values that read well in files.
            let span = if self.log { x } else { self.max - self.min };
            let decimals = (6 - span.log10().floor() as i32).clamp(0, 15);
            let rounded = format!("{x:.*}", decimals as usize)
                .parse::<f64>()
                .unwrap_or(x);
            toml::Value::Float(rounded.clamp(self.min, self.max))
        }
    }

    /// The unrounded value at `u` in `[0, 1]` of the range.
    pub fn natural(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        if self.log {
            (self.min.ln() + u * (self.max.ln() - self.min.ln())).exp()
        } else {
            self.min + u * (self.max - self.min)
        }
    }

    /// Where `value` lies in the range, in `[0, 1]`.
    pub fn position(&self, value: f64) -> f64 {
        if self.log {
            if value <= 0.0 {
                return 0.0;
            }
            ((value.ln() - self.min.ln()) / (self.max.ln() - self.min.ln())).clamp(0.0, 1.0)
        } else {
            ((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0)
        }
    }
}

/// A constraint on the mean over replications of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    /// The constraint as written, e.g. `cumulative_burn <= 20e6`.
    pub(crate) text: String,
    /// The metric.
    pub metric: String,
    /// Whether the metric must stay at or below `bound` (else at or above).
    pub at_most: bool,
    /// The bound.
    pub bound: f64,
}

impl Constraint {
    /// How far `value` is outside the bound (0 when met).
    pub fn violation(&self, value: f64) -> f64 {
        if value.is_nan() {
            return f64::INFINITY;
        }
        if self.at_most {
            (value - self.bound).max(0.0)
        } else {
            (self.bound - value).max(0.0)
        }
    }
}

/// One platform's search problem: its variables, objective and
/// constraints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Player {
    /// Index of the platform whose metrics are read.
    pub platform: usize,
    /// Its name.
    pub name: String,
    /// The decision variables, in file order.
    pub variables: Vec<Variable>,
    /// The objective as a weighted sum of metrics, already signed so that
    /// larger is better (a `minimize` objective has its weights negated).
    pub objective: Vec<(String, f64)>,
    /// The objective as written, for files and messages.
    pub objective_text: String,
    /// Constraints every accepted candidate meets.
    pub constraints: Vec<Constraint>,
}

/// A validated `[optimize]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizeSpec {
    /// The platform's problem.
    pub player: Player,
    /// Evaluations the optimiser may spend (distinct candidates).
    pub budget: u32,
    /// Replications of every evaluation (the same seeds for each).
    pub replications: u32,
    /// Two-sided level of the confidence intervals.
    pub confidence: f64,
}

/// A validated `[equilibrium]` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EquilibriumSpec {
    /// The players, in file order.
    pub players: Vec<Player>,
    /// Evaluations each best response may spend.
    pub budget: u32,
    /// Replications of every evaluation.
    pub replications: u32,
    /// Share of the step towards the best response taken each round
    /// (1 = jump to it).
    pub damping: f64,
    /// Improvement (in objective units) below which a player is taken not
    /// to be able to improve.
    pub epsilon: f64,
    /// Two-sided level of the intervals; a player cannot improve when the
    /// upper end of its gain's interval is below `epsilon`.
    pub confidence: f64,
    /// Most rounds before the iteration gives up.
    pub max_rounds: u32,
}

pub(crate) struct Reader<'a> {
    pub(crate) text: &'a str,
    pub(crate) platforms: &'a [String],
    pub(crate) problems: Vec<Problem>,
}

impl Reader<'_> {
    pub(crate) fn fail(&mut self, path: &str, rule: impl Into<String>) {
        let line = line_of_path(self.text, path).or_else(|| {
            // Quoted variable keys and array entries: fall back to the
            // nearest table that can be found.
            let mut p = path.to_string();
            loop {
                let cut = p.rfind(['.', '['])?;
                p.truncate(cut);
                if let Some(l) = line_of_path(self.text, &p) {
                    return Some(l);
                }
            }
        });
        self.problems.push(Problem {
            path: path.to_string(),
            rule: rule.into(),
            line,
            origin: None,
        });
    }

    pub(crate) fn unknown_keys(&mut self, table: &toml::Table, at: &str, keys: &[&str]) {
        for key in table.keys().filter(|k| !keys.contains(&k.as_str())) {
            let hint = keys
                .iter()
                .map(|k| (strsim::levenshtein(k, key), k))
                .filter(|(d, k)| *d <= 3 && *d < k.len())
                .min()
                .map(|(_, k)| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| format!("expected one of: {}", keys.join(", ")));
            self.fail(&format!("{at}.{key}"), format!("unknown key ({hint})"));
        }
    }

    pub(crate) fn count(
        &mut self,
        table: &toml::Table,
        at: &str,
        key: &str,
        max: i64,
        default: u32,
    ) -> u32 {
        match table.get(key) {
            None => default,
            Some(toml::Value::Integer(n)) if (1..=max).contains(n) => *n as u32,
            Some(v) => {
                self.fail(
                    &format!("{at}.{key}"),
                    format!("must be a whole number between 1 and {max}, got {v}"),
                );
                default
            }
        }
    }

    pub(crate) fn real(
        &mut self,
        table: &toml::Table,
        at: &str,
        key: &str,
        range: (f64, f64),
        default: f64,
    ) -> f64 {
        let v = match table.get(key) {
            None => return default,
            Some(toml::Value::Float(x)) => *x,
            Some(toml::Value::Integer(i)) => *i as f64,
            Some(v) => {
                self.fail(
                    &format!("{at}.{key}"),
                    format!("must be a number, got {}", v.type_str()),
                );
                return default;
            }
        };
        if !(range.0..=range.1).contains(&v) {
            self.fail(
                &format!("{at}.{key}"),
                format!("must be between {} and {}, got {v}", range.0, range.1),
            );
            return default;
        }
        v
    }

    fn metric(&mut self, at: &str, name: &str) -> bool {
        let names = metric_names();
        if names.contains(&name) {
            return true;
        }
        let hint = names
            .iter()
            .map(|k| (strsim::levenshtein(k, name), k))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, k)| format!("did you mean `{k}`?"))
            .unwrap_or_else(|| format!("expected one of: {}", names.join(", ")));
        self.fail(at, format!("unknown metric `{name}` ({hint})"));
        false
    }

    pub(crate) fn platform(&mut self, table: &toml::Table, at: &str) -> Option<usize> {
        let path = format!("{at}.platform");
        match table.get("platform") {
            None => {
                self.fail(
                    &path,
                    "required: the name of the platform whose metrics are the objective",
                );
                None
            }
            Some(toml::Value::String(s)) => match self.platforms.iter().position(|p| p == s) {
                Some(i) => Some(i),
                None => {
                    let names = self.platforms.join(", ");
                    self.fail(
                        &path,
                        format!("no platform is named `{s}` (the scenario has: {names})"),
                    );
                    None
                }
            },
            Some(toml::Value::Integer(i)) if *i >= 0 && (*i as usize) < self.platforms.len() => {
                Some(*i as usize)
            }
            Some(v) => {
                self.fail(&path, format!("must be a platform's name, got {v}"));
                None
            }
        }
    }

    fn objective(&mut self, table: &toml::Table, at: &str) -> Option<(Vec<(String, f64)>, String)> {
        let (key, sign) = match (table.get("maximize"), table.get("minimize")) {
            (Some(_), Some(_)) => {
                self.fail(
                    &format!("{at}.minimize"),
                    "give either maximize or minimize, not both",
                );
                return None;
            }
            (Some(_), None) => ("maximize", 1.0),
            (None, Some(_)) => ("minimize", -1.0),
            (None, None) => {
                self.fail(
                    &format!("{at}.maximize"),
                    "required: the objective, e.g. maximize = \"contribution\", or a weighted \
                     sum maximize = { contribution = 1.0, final_share = 1e6 } (or minimize = …)",
                );
                return None;
            }
        };
        let path = format!("{at}.{key}");
        match table.get(key) {
            Some(toml::Value::String(m)) => self
                .metric(&path, m)
                .then(|| (vec![(m.clone(), sign)], format!("{key} {m}"))),
            Some(toml::Value::Table(t)) if !t.is_empty() => {
                let mut terms = Vec::new();
                for (m, w) in t {
                    let w = match w {
                        toml::Value::Float(x) if x.is_finite() => *x,
                        toml::Value::Integer(i) => *i as f64,
                        other => {
                            self.fail(
                                &format!("{path}.{m}"),
                                format!("a weight must be a finite number, got {other}"),
                            );
                            continue;
                        }
                    };
                    if self.metric(&format!("{path}.{m}"), m) {
                        terms.push((m.clone(), sign * w));
                    }
                }
                let shown: Vec<String> = t.iter().map(|(m, w)| format!("{w}·{m}")).collect();
                (terms.len() == t.len()).then(|| (terms, format!("{key} {}", shown.join(" + "))))
            }
            Some(other) => {
                self.fail(
                    &path,
                    format!("must be a metric name or a table of weights, got {other}"),
                );
                None
            }
            None => None,
        }
    }

    fn constraints(&mut self, table: &toml::Table, at: &str) -> Vec<Constraint> {
        let path = format!("{at}.constraints");
        let items = match table.get("constraints") {
            None => return Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(other) => {
                self.fail(
                    &path,
                    format!(
                        "must be a list of strings like \"cumulative_burn <= 20e6\", got {}",
                        other.type_str()
                    ),
                );
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            let Some(s) = item.as_str() else {
                self.fail(
                    &here,
                    format!(
                        "must be a string like \"exited <= 0.05\", got {}",
                        item.type_str()
                    ),
                );
                continue;
            };
            let parsed = if let Some((m, b)) = s.split_once("<=") {
                Some((m, b, true))
            } else {
                s.split_once(">=").map(|(m, b)| (m, b, false))
            };
            let Some((m, b, at_most)) = parsed else {
                self.fail(
                    &here,
                    format!("`{s}` is not METRIC <= NUMBER or METRIC >= NUMBER"),
                );
                continue;
            };
            let m = m.trim();
            let bound = b
                .trim()
                .replace('_', "")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite());
            let Some(bound) = bound else {
                self.fail(&here, format!("`{}` is not a finite number", b.trim()));
                continue;
            };
            if self.metric(&here, m) {
                out.push(Constraint {
                    text: s.trim().to_string(),
                    metric: m.to_string(),
                    at_most,
                    bound,
                });
            }
        }
        out
    }

    fn variables(&mut self, table: &toml::Table, at: &str) -> Vec<Variable> {
        self.ranges(table, at, "variables", false)
    }

    /// The ranges of table `at.key` (`"path" = { min, max }`, and `log`
    /// when `log_scale` is allowed), in file order.
    pub(crate) fn ranges(
        &mut self,
        table: &toml::Table,
        at: &str,
        name: &str,
        log_scale: bool,
    ) -> Vec<Variable> {
        let path = format!("{at}.{name}");
        let t = match table.get(name) {
            Some(toml::Value::Table(t)) if !t.is_empty() => t,
            Some(toml::Value::Table(_)) | None => {
                let what = if log_scale {
                    "parameter"
                } else {
                    "decision variable"
                };
                self.fail(
                    &path,
                    format!(
                        "required: at least one {what}, e.g. \
                         \"platforms[0].subsidy[0].per_order\" = {{ min = 0.0, max = 12.0 }}"
                    ),
                );
                return Vec::new();
            }
            Some(other) => {
                self.fail(&path, format!("must be a table, got {}", other.type_str()));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for key in key_order(self.text, &path, t) {
            let Some(v) = t.get(&key) else { continue };
            let here = format!("{path}.\"{key}\"");
            if crate::scenario::parse_path(&key).is_none() {
                self.fail(&here, "is not a key path like platforms[0].consumer_fee");
                continue;
            }
            if [
                "optimize",
                "equilibrium",
                "calibrate",
                "sweep",
                "seed",
                "replications",
            ]
            .iter()
            .any(|k| key == *k || key.starts_with(&format!("{k}.")))
            {
                let what = if log_scale {
                    "a calibrated parameter"
                } else {
                    "a decision variable"
                };
                self.fail(&here, format!("cannot be {what}"));
                continue;
            }
            let Some(range) = v.as_table() else {
                self.fail(&here, "must be a range { min = …, max = … }");
                continue;
            };
            let unknown: Vec<&String> = range
                .keys()
                .filter(|k| *k != "min" && *k != "max" && !(log_scale && *k == "log"))
                .collect();
            if !unknown.is_empty() {
                let expected = if log_scale {
                    "min, max and log"
                } else {
                    "min and max"
                };
                self.fail(
                    &here,
                    format!(
                        "unknown key `{}` in a range; expected {expected}",
                        unknown[0]
                    ),
                );
                continue;
            }
            let log = match range.get("log") {
                None => false,
                Some(toml::Value::Boolean(b)) => *b,
                Some(other) => {
                    self.fail(
                        &here,
                        format!("log must be true or false, got {}", other.type_str()),
                    );
                    continue;
                }
            };
            let num = |v: Option<&toml::Value>| match v {
                Some(toml::Value::Integer(i)) => Some((*i as f64, true)),
                Some(toml::Value::Float(x)) if x.is_finite() => Some((*x, false)),
                _ => None,
            };
            let (Some((lo, li)), Some((hi, hi_int))) =
                (num(range.get("min")), num(range.get("max")))
            else {
                self.fail(&here, "a range needs finite numbers min and max");
                continue;
            };
            if lo >= hi {
                self.fail(
                    &here,
                    format!("the range is empty: min ({lo}) must be less than max ({hi})"),
                );
                continue;
            }
            if log && lo <= 0.0 {
                self.fail(
                    &here,
                    format!("a log-scale range needs a positive min, got {lo}"),
                );
                continue;
            }
            out.push(Variable {
                path: key.clone(),
                min: lo,
                max: hi,
                integer: li && hi_int && !log,
                log,
            });
        }
        out
    }

    /// A player's problem from `table` at key path `at`.
    pub(crate) fn player(
        &mut self,
        table: &toml::Table,
        at: &str,
        keys: &[&str],
    ) -> Option<Player> {
        self.unknown_keys(table, at, keys);
        let platform = self.platform(table, at);
        let objective = self.objective(table, at);
        let constraints = self.constraints(table, at);
        let variables = self.variables(table, at);
        let (objective, objective_text) = objective?;
        let platform = platform?;
        Some(Player {
            platform,
            name: self.platforms.get(platform).cloned().unwrap_or_default(),
            variables,
            objective,
            objective_text,
            constraints,
        })
    }
}

/// The keys of table `path` in the order they are written (the parsed
/// table sorts them).
pub(crate) fn key_order(text: &str, path: &str, t: &toml::Table) -> Vec<String> {
    use toml::de::DeTable;
    let mut found: Vec<(usize, String)> = Vec::new();
    if let Ok(root) = DeTable::parse(text) {
        let mut node = Some(root.get_ref());
        let mut segs = path.split('.').peekable();
        // Paths here are `optimize.variables`,
        // `equilibrium.players[i].variables` or `calibrate.parameters`.
        while let (Some(seg), Some(table)) = (segs.next(), node) {
            let (key, index) = match seg.split_once('[') {
                Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (seg, None),
            };
            let v = table.get(key).map(|v| v.get_ref());
            node = match (v, index) {
                (Some(v), None) => v.as_table(),
                (Some(v), Some(i)) => v
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|x| x.get_ref().as_table()),
                _ => None,
            };
        }
        if let Some(table) = node {
            found = table
                .iter()
                .map(|(k, _)| (k.span().start, k.get_ref().to_string()))
                .collect();
        }
    }
    found.sort();
    let mut order: Vec<String> = found
        .into_iter()
        .map(|(_, k)| k)
        .filter(|k| t.contains_key(k))
        .collect();
    for k in t.keys() {
        if !order.contains(k) {
            order.push(k.clone());
        }
    }
    order
}

const OPTIMIZE_KEYS: [&str; 8] = [
    "platform",
    "maximize",
    "minimize",
    "constraints",
    "variables",
    "budget",
    "replications",
    "confidence",
];
const PLAYER_KEYS: [&str; 5] = [
    "platform",
    "maximize",
    "minimize",
    "constraints",
    "variables",
];
const EQUILIBRIUM_KEYS: [&str; 7] = [
    "players",
    "budget",
    "replications",
    "damping",
    "epsilon",
    "confidence",
    "max_rounds",
];

/// Reads the `[optimize]` table; `replications` is the scenario's own.
pub(crate) fn read_optimize(
    table: &toml::Table,
    text: &str,
    platforms: &[String],
    replications: u32,
) -> Result<OptimizeSpec, Vec<Problem>> {
    let mut r = Reader {
        text,
        platforms,
        problems: Vec::new(),
    };
    let player = r.player(table, "optimize", &OPTIMIZE_KEYS);
    let budget = r.count(table, "optimize", "budget", MAX_BUDGET, 40);
    let replications = r.count(
        table,
        "optimize",
        "replications",
        MAX_REPLICATIONS,
        replications,
    );
    let confidence = r.real(table, "optimize", "confidence", (0.5, 0.999), 0.95);
    match player {
        Some(player) if r.problems.is_empty() => Ok(OptimizeSpec {
            player,
            budget,
            replications,
            confidence,
        }),
        _ => Err(r.problems),
    }
}

/// Reads the `[equilibrium]` table; `replications` is the scenario's own.
pub(crate) fn read_equilibrium(
    table: &toml::Table,
    text: &str,
    platforms: &[String],
    replications: u32,
) -> Result<EquilibriumSpec, Vec<Problem>> {
    let mut r = Reader {
        text,
        platforms,
        problems: Vec::new(),
    };
    r.unknown_keys(table, "equilibrium", &EQUILIBRIUM_KEYS);
    let mut players = Vec::new();
    match table.get("players") {
        Some(toml::Value::Array(items)) if items.len() >= 2 => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("equilibrium.players[{i}]");
                match item.as_table() {
                    Some(t) => {
                        if let Some(p) = r.player(t, &at, &PLAYER_KEYS) {
                            players.push(p);
                        }
                    }
                    None => r.fail(&at, "must be a table ([[equilibrium.players]])"),
                }
            }
        }
        _ => r.fail(
            "equilibrium.players",
            "required: at least two [[equilibrium.players]], each with platform, maximize \
             (or minimize) and variables",
        ),
    }
    for (i, p) in players.iter().enumerate() {
        if players[..i].iter().any(|q| q.platform == p.platform) {
            r.fail(
                &format!("equilibrium.players[{i}].platform"),
                format!("platform `{}` is already a player", p.name),
            );
        }
        for v in &p.variables {
            if players[..i]
                .iter()
                .any(|q| q.variables.iter().any(|w| w.path == v.path))
            {
                r.fail(
                    &format!("equilibrium.players[{i}].variables.\"{}\"", v.path),
                    "is already another player's variable; each value belongs to one player",
                );
            }
        }
    }
    let budget = r.count(table, "equilibrium", "budget", MAX_BUDGET, 20);
    let replications = r.count(
        table,
        "equilibrium",
        "replications",
        MAX_REPLICATIONS,
        replications,
    );
    let damping = r.real(table, "equilibrium", "damping", (0.01, 1.0), 0.5);
    let epsilon = r.real(table, "equilibrium", "epsilon", (0.0, 1e300), 0.0);
    let confidence = r.real(table, "equilibrium", "confidence", (0.5, 0.999), 0.95);
    let max_rounds = r.count(table, "equilibrium", "max_rounds", MAX_ROUNDS, 10);
    if !table.contains_key("epsilon") {
        r.fail("equilibrium.epsilon", "required: the improvement, in objective units, below which a player counts as unable to improve");
    }
    if r.problems.is_empty() {
        Ok(EquilibriumSpec {
            players,
            budget,
            replications,
            damping,
            epsilon,
            confidence,
            max_rounds,
        })
    } else {
        Err(r.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn optimize(text: &str) -> Result<OptimizeSpec, Vec<Problem>> {
        let table: toml::Table = text.parse().expect("toml");
        let t = table
            .get("optimize")
            .and_then(|s| s.as_table())
            .cloned()
            .unwrap_or_default();
        read_optimize(&t, text, &["Blue".to_string(), "Red".to_string()], 3)
    }

    #[test]
    fn objectives_constraints_and_variables_are_read_in_file_order() {
        let s = optimize(
            "[optimize]\nplatform = \"Red\"\nminimize = { cumulative_burn = 1.0, final_share = -1e6 }\n\
             constraints = [\"exited <= 0.05\", \"final_share >= 0.3\"]\n[optimize.variables]\n\
             \"z.b\" = { min = 1, max = 9 }\n\"a.c\" = { min = 0, max = 2.5 }\n",
        )
        .expect("valid");
        assert_eq!(s.player.platform, 1);
        assert_eq!((s.budget, s.replications), (40, 3));
        // minimize: weights negated, so larger is better.
        assert!(
            s.player
                .objective
                .contains(&("cumulative_burn".to_string(), -1.0))
        );
        assert!(
            s.player
                .objective
                .contains(&("final_share".to_string(), 1e6))
        );
        let c = &s.player.constraints;
        assert_eq!(
            (c[0].metric.as_str(), c[0].at_most, c[0].bound),
            ("exited", true, 0.05)
        );
        assert!((c[1].violation(0.25) - 0.05).abs() < 1e-12);
        assert_eq!(c[0].violation(0.01), 0.0);
        let v = &s.player.variables;
        assert_eq!((v[0].path.as_str(), v[0].integer), ("z.b", true));
        assert_eq!((v[1].path.as_str(), v[1].integer), ("a.c", false));
        assert_eq!(v[0].at(0.5), toml::Value::Integer(5));
        assert_eq!(v[1].at(0.4), toml::Value::Float(1.0));
        assert_eq!(v[1].position(5.0), 1.0);
    }

    #[test]
    fn bad_tables_name_every_key() {
        let e = optimize(
            "[optimize]\nplatform = \"Green\"\nmaximize = \"profit\"\nbudget = 0\n\
             constraints = [\"exited = 0\"]\n[optimize.variables]\n\"a\" = { min = 2, max = 1 }\n",
        )
        .expect_err("invalid");
        let text: Vec<String> = e
            .iter()
            .map(|p| format!("{}: {}", p.path, p.rule))
            .collect();
        let all = text.join("\n");
        for needle in [
            "optimize.platform: no platform is named `Green`",
            "optimize.maximize: unknown metric `profit`",
            "optimize.budget: must be a whole number",
            "optimize.constraints[0]",
            "optimize.variables.\"a\": the range is empty",
        ] {
            assert!(all.contains(needle), "{needle} not in\n{all}");
        }
    }
}
