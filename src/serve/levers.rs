//! The scenarios a classroom offers and the levers its page shows for each.
//!
//! Scenarios are the `*.toml` files directly in the server's scenario
//! directory, read afresh on every request so that a teacher can drop a
//! file in while the server runs; a file that does not validate is left
//! out of the list (and named in `skipped`). A scenario is addressed by
//! its file name without `.toml`, and only names of files found in the
//! directory are accepted, so a request cannot reach any other path.
//!
//! The levers are the ones a lesson on subsidy wars moves: each
//! platform's coupon (size and window), commission, consumer fee, red
//! packet (when it has a wallet) and cash, the replications, and lending
//! on or off (when the scenario has lenders). Each carries its key path
//! (what the run request sets, checked like `--set`), its unit, range and
//! meaning from the parameter reference, and the slider bounds of a
//! classroom: wide enough to explore, narrow enough to aim.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::scenario::{self, reference};

/// One offered scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    /// Its address: the file name without `.toml`.
    pub id: String,
    /// The scenario's `name`.
    pub name: String,
    /// The file's opening comment (its question and what to expect), or
    /// its `description`.
    pub about: String,
    /// Platform names, in order.
    pub platforms: Vec<String>,
    /// Lender names, in order (empty without lending).
    pub lenders: Vec<String>,
    /// Simulated consumers.
    pub consumers: u32,
    /// Days simulated.
    pub days: u32,
    /// Replications.
    pub replications: u32,
    /// Master seed (every run of the scenario uses it unless a request
    /// sets `seed`, so two runs share their random draws).
    pub seed: u64,
}

/// The scenarios of `dir` that validate, sorted by id; an error only when
/// the directory cannot be read.
pub fn list(dir: &Path) -> Result<Vec<ScenarioInfo>, String> {
    let mut out = Vec::new();
    for (id, path) in files(dir)? {
        if let Ok(info) = info(&id, &path) {
            out.push(info);
        }
    }
    Ok(out)
}

/// The `*.toml` files directly in `dir`, as (id, path), sorted by id.
fn files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    let mut out: Vec<(String, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| {
            let id = p.file_stem()?.to_str()?.to_string();
            Some((id, p))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The file of scenario `id` in `dir`, if `dir` holds one by that name.
pub fn path_of(dir: &Path, id: &str) -> Option<PathBuf> {
    files(dir)
        .ok()?
        .into_iter()
        .find(|(name, _)| name == id)
        .map(|(_, p)| p)
}

fn info(id: &str, path: &Path) -> Result<ScenarioInfo, String> {
    let resolved = scenario::load_resolved(path, &[]).map_err(|e| e.to_string())?;
    let s = &resolved.scenario;
    let about = resolved
        .raw
        .description
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| header_comment(path));
    Ok(ScenarioInfo {
        id: id.to_string(),
        name: s.name.clone(),
        about,
        platforms: s.platforms.iter().map(|p| p.name.clone()).collect(),
        lenders: s.lenders.iter().map(|l| l.name.clone()).collect(),
        consumers: s.market.consumers,
        days: s.horizon_days,
        replications: s.replications,
        seed: s.seed,
    })
}

/// The comment block a scenario file opens with, without the `#`s.
fn header_comment(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text
        .lines()
        .take_while(|l| l.trim_start().starts_with('#'))
        .map(|l| l.trim_start().trim_start_matches('#'))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    lines.join("\n").trim().to_string()
}

/// One lever of a scenario, as the page draws it.
#[derive(Debug, Clone, Serialize)]
pub struct Lever {
    /// Key path the run request sets (for a coupon, the platform's whole
    /// `subsidy` list; see `widget`).
    pub key: String,
    /// Short label.
    pub label: String,
    /// Platform index, or `None` for a scenario-wide lever.
    pub platform: Option<usize>,
    /// `slider`, `field`, `toggle` or `coupon` (a size slider and a
    /// window, sent as `[{from_day, to_day, per_order}]`).
    pub widget: &'static str,
    /// Unit, from the parameter reference.
    pub unit: &'static str,
    /// Accepted values, from the parameter reference.
    pub range: String,
    /// Meaning, from the parameter reference.
    pub doc: &'static str,
    /// Lowest slider value.
    pub min: f64,
    /// Highest slider value.
    pub max: f64,
    /// Slider step.
    pub step: f64,
    /// The scenario's value (for a coupon, `{per_order, from_day,
    /// to_day, windows}`; `windows` counts the platform's coupon windows,
    /// of which the lever moves the first).
    pub value: Value,
}

/// A scenario and its levers.
#[derive(Debug, Clone, Serialize)]
pub struct Levers {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// Its levers, platform by platform, then the scenario-wide ones.
    pub levers: Vec<Lever>,
}

/// The levers of scenario `id` in `dir`; `Err` when there is no such
/// scenario or it does not validate (the message says which).
pub fn levers(dir: &Path, id: &str) -> Result<Levers, String> {
    let path = path_of(dir, id).ok_or_else(|| unknown(dir, id))?;
    let info = info(id, &path)?;
    let resolved = scenario::load_resolved(&path, &[]).map_err(|e| e.to_string())?;
    let table: toml::Table = scenario::resolved_toml(&resolved)?
        .parse()
        .map_err(|e: toml::de::Error| e.to_string())?;
    let num = |path: &str| {
        scenario::get_path(&table, path)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .unwrap_or(0.0)
    };
    let days = f64::from(info.days);
    let mut out = Vec::new();
    for (p, name) in info.platforms.iter().enumerate() {
        let at = |k: &str| format!("platforms[{p}].{k}");
        let windows = scenario::get_path(&table, &at("subsidy"))
            .and_then(|v| v.as_array())
            .map_or(0, |a| a.len());
        let coupon = num(&at("subsidy[0].per_order"));
        let (from, to) = if windows > 0 {
            (
                num(&at("subsidy[0].from_day")),
                num(&at("subsidy[0].to_day")),
            )
        } else {
            (0.0, days)
        };
        out.push(lever(
            at("subsidy"),
            format!("{name}: coupon"),
            Some(p),
            "coupon",
            "platforms[].subsidy[].per_order",
            (0.0, (2.0 * coupon).max(20.0).ceil(), 0.5),
            json!({"per_order": coupon, "from_day": from, "to_day": to, "windows": windows}),
        ));
        let commission = num(&at("commission"));
        out.push(lever(
            at("commission"),
            format!("{name}: commission"),
            Some(p),
            "slider",
            "platforms[].commission",
            (0.0, (2.0 * commission).clamp(0.4, 1.0), 0.01),
            json!(commission),
        ));
        let fee = num(&at("consumer_fee"));
        out.push(lever(
            at("consumer_fee"),
            format!("{name}: consumer fee"),
            Some(p),
            "slider",
            "platforms[].consumer_fee",
            (0.0, (2.0 * fee).max(10.0).ceil(), 0.5),
            json!(fee),
        ));
        let wallet = scenario::get_path(&table, &at("payments.wallet"))
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if wallet {
            let packet = num(&at("red_packet"));
            out.push(lever(
                at("red_packet"),
                format!("{name}: red packet"),
                Some(p),
                "slider",
                "platforms[].red_packet",
                (0.0, (2.0 * packet).max(10.0).ceil(), 0.5),
                json!(packet),
            ));
        }
        let cash = num(&at("cash"));
        out.push(lever(
            at("cash"),
            format!("{name}: cash"),
            Some(p),
            "field",
            "platforms[].cash",
            (
                0.0,
                (4.0 * cash).max(1e6),
                (cash / 20.0).max(1000.0).round(),
            ),
            json!(cash),
        ));
    }
    out.push(lever(
        "replications".into(),
        "replications".into(),
        None,
        "field",
        "replications",
        (1.0, f64::from(info.replications.max(10)), 1.0),
        json!(info.replications),
    ));
    if !info.lenders.is_empty() {
        let mut l = lever(
            "lenders".into(),
            "lending on".into(),
            None,
            "toggle",
            "lenders[].name",
            (0.0, 1.0, 1.0),
            json!(true),
        );
        l.unit = "";
        l.range = "on, or off (no lenders)".into();
        l.doc = "Whether the scenario's lenders lend; off runs the same market without them.";
        out.push(l);
    }
    Ok(Levers {
        scenario: info,
        levers: out,
    })
}

/// The message for a scenario `dir` does not hold.
pub fn unknown(dir: &Path, id: &str) -> String {
    let known: Vec<String> = files(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    format!(
        "unknown scenario `{id}`: `{}` holds {}",
        dir.display(),
        if known.is_empty() {
            "no scenarios".to_string()
        } else {
            known.join(", ")
        }
    )
}

fn lever(
    key: String,
    label: String,
    platform: Option<usize>,
    widget: &'static str,
    pattern: &str,
    (min, max, step): (f64, f64, f64),
    value: Value,
) -> Lever {
    let param = reference::params().into_iter().find(|p| p.key == pattern);
    Lever {
        key,
        label,
        platform,
        widget,
        unit: param.as_ref().map_or("", |p| p.unit),
        range: param.as_ref().map_or_else(String::new, |p| p.range.clone()),
        doc: param.as_ref().map_or("", |p| p.doc),
        min,
        max,
        step,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenarios() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
    }

    #[test]
    fn quickstart_offers_coupon_commission_fee_cash_levers() {
        let l = levers(&scenarios(), "quickstart").unwrap();
        let keys: Vec<&str> = l.levers.iter().map(|l| l.key.as_str()).collect();
        assert!(keys.contains(&"platforms[1].subsidy"));
        assert!(keys.contains(&"platforms[0].commission"));
        assert!(keys.contains(&"platforms[1].consumer_fee"));
        assert!(keys.contains(&"platforms[0].cash"));
        // No wallet and no lenders in quickstart: no red packet, no toggle.
        assert!(!keys.iter().any(|k| k.ends_with("red_packet")));
        assert!(!keys.contains(&"lenders"));
        let coupon = &l.levers[0];
        assert_eq!(coupon.unit, "yuan per order");
        let challenger = l
            .levers
            .iter()
            .find(|l| l.key == "platforms[1].subsidy")
            .unwrap();
        assert_eq!(challenger.value["per_order"], json!(5.0));
        assert_eq!(challenger.value["to_day"], json!(60.0));
    }

    #[test]
    fn lending_scenarios_have_a_lending_toggle_and_wallets_a_red_packet() {
        let l = levers(&scenarios(), "lending_platform_vs_bank").unwrap();
        assert!(l.levers.iter().any(|l| l.key == "lenders"));
        let w = levers(&scenarios(), "wallet_red_packets").unwrap();
        assert!(w.levers.iter().any(|l| l.key.ends_with("red_packet")));
    }

    #[test]
    fn names_outside_the_directory_are_unknown() {
        assert!(path_of(&scenarios(), "../Cargo").is_none());
        assert!(path_of(&scenarios(), "templates").is_none());
        let e = levers(&scenarios(), "nope").unwrap_err();
        assert!(e.contains("unknown scenario `nope`"), "{e}");
        assert!(e.contains("quickstart"), "{e}");
    }
}
