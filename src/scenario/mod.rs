//! Scenario files: from TOML text to a validated [`Scenario`].
//!
//! Loading runs in stages, each with its own kind of message:
//!
//! 1. **Syntax**: the text is parsed as TOML; errors carry the line. A
//!    file that says `extends = "base.toml"` is merged over its base (and
//!    the base over its own base): see *Variants* below.
//! 2. **Overrides**: values given on the command line are written into the
//!    parsed table by key path.
//! 3. **Shape**: the table is read into the serde mirror ([`RawScenario`]);
//!    wrong types and missing keys are reported with their key path, and
//!    every unknown key is reported (with the closest known key).
//! 4. **Rules**: every value is range-checked and cross-field rules are
//!    applied, collecting all problems rather than stopping at the first.
//!
//! The engine only ever sees a [`Scenario`], so it never re-checks input.
//! [`load`] and [`parse`] return it alone; [`load_resolved`] and
//! [`parse_resolved`] also return the resolved file it came from
//! ([`Resolved`]), which manifests record and `validate --print` shows.
//!
//! # Variants
//!
//! A variant file names its base with `extends` (a path relative to the
//! variant) and writes only what differs. Tables merge key by key, the
//! variant winning; arrays of tables (`[[platforms]]`,
//! `[[platforms.subsidy]]`) merge element by element by index, and
//! elements beyond the base's are appended; a value written as a table
//! but meaning one thing (a distribution, the sweep table) is replaced
//! whole; `name` is never inherited. A problem is reported at the line of
//! the file that wrote the key.

mod balances;
mod checker;
mod choice;
mod consumers;
mod credit;
mod dist;
mod economy;
mod error;
mod extends;
mod lenders;
mod levers;
mod locate;
mod market;
mod merchants;
mod merger;
mod payments;
mod platforms;
mod policy;
mod print;
mod products;
mod raw;
pub mod reference;
mod regulation;
mod shape;
mod validate;

use std::path::{Path, PathBuf};

pub use balances::{BalancesSpec, FundSpec, RawBalances, RawFund, RawMerchantFund};
pub use checker::MAX_GROUPS;
pub use choice::ChoiceSpec;
pub use consumers::{Churn, ConsumerSpec, LoyaltySpec, RawConsumers, SegmentSpec};
pub use credit::{
    ConsumerCreditSpec, DataKind, DataSpec, FraudSpec, RawConsumerCredit, RawCreditLimit, RawData,
    RawFraud, RawInformation,
};
pub use dist::{Dist, RawDist, Support};
pub use economy::{EconomySpec, Shock};
pub use error::{Problem, ScenarioError};
pub use lenders::{DataAccess, DefaultModel, LenderSpec, Penalty, RatePolicy, Repayment};
pub use levers::Levers;
pub use locate::{Segment, line_of_path, parse_path};
pub use market::{DataOwner, Market, RawMarket};
pub use merchants::{CategorySpec, MembershipSpec, MerchantSpec, RawMerchants};
pub use merger::{Acquisition, AcquisitionPrice};
pub use payments::{Adoption, PaymentsSpec, RawAdoption, RawPayments};
pub use platforms::{
    AdoptionBase, FundingRound, MAX_PLATFORMS, PlatformSpec, RawPlatform, RawSubsidy,
};
pub use policy::{
    Condition, Lever, LeverChange, LeverValue, Metric, Op, Operand, Rule, ScheduleEntry,
};
pub use print::{raw_toml, resolved_toml};
pub use products::{MAX_PRODUCTS, ProductKind, ProductSpec, RawProduct};
pub use raw::RawScenario;
pub use regulation::SubsidyCaps;
pub(crate) use validate::valid_name;
pub use validate::{MAX_HORIZON_DAYS, Scenario};

/// A value set from outside the file, by key path (`--seed`, `--set`).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Key path, e.g. `platforms[0].subsidy[0].per_order`.
    pub path: String,
    /// The new value.
    pub value: toml::Value,
    /// Where it came from, for messages (e.g. `--seed`).
    pub origin: String,
}

impl Override {
    /// Parses `KEY.PATH=VALUE`, reading VALUE as a TOML value and falling
    /// back to a string when it is not one.
    pub fn parse(spec: &str, origin: &str) -> Result<Override, String> {
        let (path, text) = spec
            .split_once('=')
            .ok_or_else(|| format!("`{spec}` is not KEY.PATH=VALUE"))?;
        let path = path.trim();
        if parse_path(path).is_none() {
            return Err(format!(
                "`{path}` is not a key path like platforms[0].cash (keys and [indices], \
                 at most {} of them)",
                locate::MAX_PATH_SEGMENTS
            ));
        }
        let text = text.trim();
        let value = format!("v = {text}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(text.to_string()));
        Ok(Override {
            path: path.to_string(),
            value,
            origin: origin.to_string(),
        })
    }
}

/// Largest scenario or series file read, in bytes: scenarios are a few
/// kilobytes and observed series a few hundred, and a cap keeps a wrong
/// path (a device, a data dump) from exhausting memory.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads a scenario or series file's text, refusing what is not a
/// regular file (a directory, a device such as `/dev/zero` that never
/// ends, a pipe that may never close) or is larger than
/// [`MAX_FILE_BYTES`].
pub(crate) fn read_text(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let too_big = || {
        std::io::Error::other(format!(
            "larger than {} MiB, the most read from one input file",
            MAX_FILE_BYTES >> 20
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    // The file may grow between the check and the read: read one byte past
    // the cap at most.
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    Ok(text)
}

/// A validated scenario with the file it was validated from, as resolved:
/// bases merged, defaults filled, overrides applied. The file is what
/// manifests record and `validate --print` shows; the engine reads only
/// the scenario.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The resolved file, in the serde mirror.
    pub raw: RawScenario,
}

/// A scenario file's text, read through the guard of [`read_text`], with
/// the names it goes by.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// The text.
    pub text: String,
    /// The path as shown in messages (`a/b/../c.toml` as `a/c.toml`).
    pub label: String,
    /// The name used when the file sets none: the file name without its
    /// extension.
    pub default_name: String,
}

impl Source {
    /// Reads the scenario file at `path`, refusing what is not a regular
    /// file or is larger than [`MAX_FILE_BYTES`], with a message naming it.
    pub(crate) fn read(path: &Path) -> Result<Source, ScenarioError> {
        let label = display_path(path);
        let text = read_text(path).map_err(|e| {
            ScenarioError::single(&label, "", format!("cannot read the file: {e}"), None)
        })?;
        let default_name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".to_string());
        Ok(Source {
            text,
            label,
            default_name,
        })
    }
}

/// Reads and validates a scenario file, resolving its `extends` chain.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    load_resolved(path, overrides).map(|r| r.scenario)
}

/// Like [`load`], keeping the resolved file beside the scenario.
pub fn load_resolved(path: &Path, overrides: &[Override]) -> Result<Resolved, ScenarioError> {
    let source = Source::read(path)?;
    resolve(
        &source.text,
        &source.label,
        path,
        &source.default_name,
        overrides,
    )
}

/// Validates scenario `text`; `label` names it in messages and is taken
/// as its path when it `extends` a base, and `default_name` is used when
/// the text sets no `name`.
pub fn parse(
    text: &str,
    label: &str,
    default_name: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    parse_resolved(text, label, default_name, overrides).map(|r| r.scenario)
}

/// Like [`parse`], keeping the resolved file beside the scenario.
pub fn parse_resolved(
    text: &str,
    label: &str,
    default_name: &str,
    overrides: &[Override],
) -> Result<Resolved, ScenarioError> {
    resolve(text, label, Path::new(label), default_name, overrides)
}

/// The pipeline: the `extends` chain (syntax of each file, then the
/// merge), overrides, shape, rules.
fn resolve(
    text: &str,
    label: &str,
    path: &Path,
    default_name: &str,
    overrides: &[Override],
) -> Result<Resolved, ScenarioError> {
    let layers = extends::read_chain(text, label, path)?;
    let mut table = extends::merge_layers(&layers);
    let from_files = table.clone();
    for o in overrides {
        set_path(&mut table, &o.path, o.value.clone()).map_err(|rule| ScenarioError {
            file: label.to_string(),
            problems: vec![Problem {
                path: o.path.clone(),
                rule,
                line: None,
                origin: Some(o.origin.clone()),
            }],
        })?;
    }
    let attach = |mut problems: Vec<Problem>| {
        for p in &mut problems {
            if let Some(o) = overrides
                .iter()
                .rev()
                .find(|o| override_covers(o, &p.path, &from_files))
            {
                p.origin = Some(o.origin.clone());
            } else if p.line.is_none() && !p.path.is_empty() {
                let (line, origin) = extends::place(&layers, &p.path);
                p.line = line;
                // A value the file writes and an override changes part of
                // (one parameter of a distribution): both had a hand in it.
                let changed_inside = overrides
                    .iter()
                    .rev()
                    .find(|o| is_inside(&p.path, &o.path))
                    .map(|o| o.origin.clone());
                if let Some(origin) = changed_inside.or(origin) {
                    p.origin = Some(origin);
                }
            }
        }
        ScenarioError {
            file: label.to_string(),
            problems,
        }
    };
    let raw = shape::read_shape(table).map_err(attach)?;
    let scenario = validate::check(&raw, default_name).map_err(attach)?;
    Ok(Resolved { scenario, raw })
}

/// Whether a problem at `path` is due to override `o`: it is at or inside
/// the overridden value, or at an ancestor that only the override created
/// (an unknown key given on the command line is reported at its top).
fn override_covers(o: &Override, path: &str, from_files: &toml::Table) -> bool {
    path == o.path
        || is_inside(&o.path, path)
        || (!path.is_empty() && is_inside(path, &o.path) && get_path(from_files, path).is_none())
}

/// Whether key path `inner` lies strictly inside key path `outer`.
fn is_inside(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// A path as shown in messages: `a/b/../c.toml` is shown as `a/c.toml`.
fn display_path(path: &Path) -> String {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for c in path.components() {
        match (c, parts.last()) {
            (Component::CurDir, Some(_)) => {}
            (Component::ParentDir, Some(Component::Normal(_))) => {
                parts.pop();
            }
            _ => parts.push(c),
        }
    }
    let tidy: PathBuf = parts.iter().collect();
    if tidy.as_os_str().is_empty() {
        path.display().to_string()
    } else {
        tidy.display().to_string()
    }
}

fn parse_syntax(text: &str, label: &str) -> Result<toml::Table, ScenarioError> {
    text.parse::<toml::Table>().map_err(|e| {
        let line = e.span().map(|s| locate::line_of_offset(text, s.start));
        let path = line.map(|l| key_at_line(text, l)).unwrap_or_default();
        let rule = format!("TOML syntax error: {}", e.message().trim());
        ScenarioError::single(label, &path, rule, line)
    })
}

/// Best guess at the key being written on a line with a syntax error: the
/// table header in force plus the key before `=`.
fn key_at_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut header = String::new();
    for l in lines.iter().take(line) {
        let t = l.trim();
        if t.starts_with('[') {
            header = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        }
    }
    let key = lines
        .get(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .unwrap_or_default();
    match (header.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => header,
        (false, false) => format!("{header}.{key}"),
    }
}

/// Writes `value` at `path` in `table`, creating intermediate tables. The
/// path must reach an existing array element where it indexes one.
pub fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let segments = parse_path(path).ok_or_else(|| format!("`{path}` is not a key path"))?;
    let (first, rest) = match segments.split_first() {
        Some((Segment::Key(k), rest)) => (k.clone(), rest),
        _ => return Err(format!("`{path}` must start with a key")),
    };
    if rest.is_empty() {
        table.insert(first, value);
        return Ok(());
    }
    let slot = entry(table, first, rest)?;
    set_in(slot, rest, value)
}

/// The value at `key` in `table`, creating an empty table when it is
/// missing and the path goes on by key (an array is never created: its
/// elements would have nothing in them).
fn entry<'a>(
    table: &'a mut toml::Table,
    key: String,
    rest: &[Segment],
) -> Result<&'a mut toml::Value, String> {
    if matches!(rest.first(), Some(Segment::Index(_))) && !table.contains_key(&key) {
        return Err(format!(
            "there is no `{key}` array to index: add the element in the file"
        ));
    }
    Ok(table
        .entry(key)
        .or_insert_with(|| toml::Value::Table(toml::Table::new())))
}

fn set_in(slot: &mut toml::Value, segments: &[Segment], value: toml::Value) -> Result<(), String> {
    let Some((seg, rest)) = segments.split_first() else {
        *slot = value;
        return Ok(());
    };
    match seg {
        Segment::Key(k) => {
            let toml::Value::Table(t) = slot else {
                return Err(format!(
                    "cannot set `{k}`: the value above it is not a table"
                ));
            };
            if rest.is_empty() {
                t.insert(k.clone(), value);
                return Ok(());
            }
            let next = entry(t, k.clone(), rest)?;
            set_in(next, rest, value)
        }
        Segment::Index(i) => {
            let toml::Value::Array(a) = slot else {
                return Err(format!(
                    "cannot index [{i}]: the value there is not an array"
                ));
            };
            let len = a.len();
            let next = a.get_mut(*i).ok_or_else(|| {
                format!("index [{i}] is out of range: the array has {len} element(s)")
            })?;
            set_in(next, rest, value)
        }
    }
}

/// The value at `path` in `table`, if the path exists.
pub fn get_path<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let segments = parse_path(path)?;
    let (depth, value) = walk_path(table, &segments);
    if depth == segments.len() { value } else { None }
}

/// Follows `segments` into `table` as far as they exist: the number of
/// segments found and the value reached.
fn walk_path<'a>(table: &'a toml::Table, segments: &[Segment]) -> (usize, Option<&'a toml::Value>) {
    let mut value: Option<&toml::Value> = None;
    for (depth, seg) in segments.iter().enumerate() {
        let next = match (seg, value) {
            (Segment::Key(k), None) if depth == 0 => table.get(k),
            (Segment::Key(k), Some(toml::Value::Table(t))) => t.get(k),
            (Segment::Index(i), Some(toml::Value::Array(a))) => a.get(*i),
            _ => None,
        };
        match next {
            Some(v) => value = Some(v),
            None => return (depth, value),
        }
    }
    (segments.len(), value)
}
