//! The bad-input catalogue: each malformed scenario is refused with exit
//! code 2, a message naming the file, the key path and the rule, no panic,
//! and no results directory.

use std::fs;

use crate::common::{TempDir, data, flywheel, text};

/// (case name, text replaced, replacement, substrings the message must hold)
type Case = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const CASES: &[Case] = &[
    (
        "syntax error",
        "horizon_days = 20",
        "horizon_days = ",
        &["horizon_days", "syntax", ":5:"],
    ),
    (
        "unclosed table header",
        "[market]",
        "[market",
        &["syntax", "market"],
    ),
    (
        "duplicate key",
        "seed = 7",
        "seed = 7\nseed = 8",
        &["syntax", "seed"],
    ),
    (
        "unknown top-level key",
        "seed = 7",
        "seed = 7\nhorizon = 3",
        &["horizon", "unknown key", "horizon_days"],
    ),
    (
        "unknown market key",
        "merchants = 20",
        "merchants = 20\nmerchant = 3",
        &["market.merchant", "unknown key"],
    ),
    (
        "unknown platform key",
        "commission = 0.1\n",
        "commission = 0.1\ncomission = 0.2\n",
        &["platforms[1].comission", "did you mean `commission`"],
    ),
    (
        "unknown subsidy key",
        "per_order = 6.0",
        "per_order = 6.0\nper_user = 1.0",
        &["platforms[1].subsidy[0].per_user", "unknown key"],
    ),
    (
        "unknown distribution",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ gamam = { shape = 2.0, mean = 0.5 } }",
        &["consumers.purchase_rate", "gamam"],
    ),
    (
        "unknown distribution field",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ gamma = { shape = 2.0, mu = 0.5 } }",
        &["consumers.purchase_rate", "mu"],
    ),
    (
        "wrong type: string for number",
        "consumers = 500",
        "consumers = \"many\"",
        &["market.consumers", "invalid type"],
    ),
    (
        "wrong type: float for count",
        "consumers = 500",
        "consumers = 500.5",
        &["market.consumers", "invalid type"],
    ),
    (
        "wrong type: table for number",
        "cash = 20000.0",
        "cash = { yuan = 1 }",
        &["platforms[0].cash", "invalid type"],
    ),
    (
        "wrong type: platforms not an array",
        "[[platforms]]\nname = \"Alpha\"",
        "[platforms_x]\nname = \"Alpha\"",
        &["unknown key"],
    ),
    (
        "missing required key",
        "seed = 7\n",
        "",
        &["seed", "required key is missing"],
    ),
    (
        "missing platform name",
        "name = \"Alpha\"\n",
        "",
        &["platforms[0].name", "required key is missing"],
    ),
    (
        "out of range: commission above one",
        "commission = 0.15",
        "commission = 1.5",
        &["platforms[0].commission", "between 0 and 1", ":25:"],
    ),
    (
        "out of range: negative cash",
        "cash = 20000.0",
        "cash = -5.0",
        &["platforms[0].cash", "between 0"],
    ),
    (
        "out of range: negative coupon",
        "per_order = 6.0",
        "per_order = -6.0",
        &["platforms[1].subsidy[0].per_order", "between 0"],
    ),
    (
        "out of range: reach above one",
        "merchant_reach = 0.9",
        "merchant_reach = 1.1",
        &["platforms[0].merchant_reach"],
    ),
    (
        "out of range: zero consumers",
        "consumers = 500",
        "consumers = 0",
        &["market.consumers", "between 1"],
    ),
    (
        "out of range: negative merchants",
        "merchants = 20",
        "merchants = -3",
        &["market.merchants", "between 1"],
    ),
    (
        "out of range: zero replications",
        "replications = 3",
        "replications = 0",
        &["replications", "between 1"],
    ),
    (
        "horizon zero",
        "horizon_days = 20",
        "horizon_days = 0",
        &["horizon_days", "between 1"],
    ),
    (
        "horizon negative",
        "horizon_days = 20",
        "horizon_days = -20",
        &["horizon_days", "between 1"],
    ),
    (
        "horizon too long",
        "horizon_days = 20",
        "horizon_days = 100000",
        &["horizon_days", "between 1"],
    ),
    (
        "not a number",
        "brand_utility = 1.0",
        "brand_utility = nan",
        &["platforms[0].brand_utility", "finite"],
    ),
    (
        "infinite cash",
        "cash = 20000.0",
        "cash = inf",
        &["platforms[0].cash"],
    ),
    (
        "gamma with zero shape",
        "shape = 2.0",
        "shape = 0.0",
        &["consumers.purchase_rate", "shape"],
    ),
    (
        "normal for a rate",
        "{ gamma = { shape = 2.0, mean = 0.5 } }",
        "{ normal = { mean = 0.5, sd = 1.0 } }",
        &["consumers.purchase_rate", "normal"],
    ),
    (
        "share outside unit interval",
        "{ uniform = { min = 0.5, max = 0.7 } }",
        "{ uniform = { min = 0.5, max = 1.7 } }",
        &["merchants.unit_cost_share", "within [0, 1]"],
    ),
    (
        "subsidy beyond the horizon",
        "to_day = 15",
        "to_day = 25",
        &["platforms[1].subsidy[0].to_day", "horizon_days"],
    ),
    (
        "subsidy ends before it starts",
        "from_day = 0\nto_day = 15",
        "from_day = 10\nto_day = 5",
        &["platforms[1].subsidy[0].to_day", "after from_day"],
    ),
    (
        "overlapping subsidies",
        "per_order = 6.0",
        "per_order = 6.0\n[[platforms.subsidy]]\nfrom_day = 10\nto_day = 18\nper_order = 2.0",
        &["platforms[1].subsidy[1].from_day", "overlaps"],
    ),
    (
        "duplicate platform names",
        "name = \"Beta\"",
        "name = \"Alpha\"",
        &["platforms[1].name", "used twice"],
    ),
    (
        "reserved platform name",
        "name = \"Beta\"",
        "name = \"direct\"",
        &["platforms[1].name", "reserved"],
    ),
    (
        "bad scenario name",
        "name = \"tiny\"",
        "name = \"../escape\"",
        &["name", "output directory"],
    ),
    (
        "absurd market size",
        "consumers = 500\nmerchants = 20",
        "consumers = 190000000\nmerchants = 20000000",
        &["market.consumers"],
    ),
];

#[test]
fn every_bad_input_is_refused_cleanly() {
    let base = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let tmp = TempDir::new("bad-input");
    let mut failures = Vec::new();
    for (i, (name, from, to, expected)) in CASES.iter().enumerate() {
        assert!(
            base.contains(from),
            "case `{name}`: base text lacks {from:?}"
        );
        let text_in = base.replacen(from, to, 1);
        let file = tmp.path().join(format!("case{i}.toml"));
        fs::write(&file, &text_in).expect("write case");
        let out = tmp.path().join(format!("out{i}"));
        let o = flywheel(
            tmp.path(),
            &[
                "run",
                file.to_str().unwrap_or_default(),
                "--out",
                out.to_str().unwrap_or_default(),
                "--quiet",
            ],
        );
        let (_, stderr) = text(&o);
        let mut problems = Vec::new();
        if o.status.code() != Some(2) {
            problems.push(format!("exit code {:?}", o.status.code()));
        }
        if stderr.contains("panicked") {
            problems.push("panic text".to_string());
        }
        if !stderr.contains(&format!("case{i}.toml")) {
            problems.push("file not named".to_string());
        }
        for want in *expected {
            if !stderr.contains(want) {
                problems.push(format!("message lacks {want:?}"));
            }
        }
        if out.exists() {
            problems.push("results directory created".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}\n{stderr}", problems.join(", ")));
        }
        // `validate` agrees with `run`.
        let v = flywheel(tmp.path(), &["validate", file.to_str().unwrap_or_default()]);
        if v.status.code() != Some(2) {
            failures.push(format!("{name}: validate exit code {:?}", v.status.code()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn empty_platform_list_is_refused() {
    let base = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let cut = base.find("[[platforms]]").unwrap_or(base.len());
    let tmp = TempDir::new("no-platforms");
    let file = tmp.path().join("none.toml");
    fs::write(&file, &base[..cut]).expect("write");
    let o = flywheel(
        tmp.path(),
        &["run", file.to_str().unwrap_or_default(), "--out", "out"],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("platforms: at least one platform"),
        "{stderr}"
    );
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn several_problems_are_reported_together() {
    let base = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    let text_in = base
        .replacen("commission = 0.15", "commission = 2.0", 1)
        .replacen("horizon_days = 20", "horizon_days = -1", 1)
        .replacen("merchant_reach = 0.8", "merchant_reach = -0.8", 1);
    let tmp = TempDir::new("several");
    let file = tmp.path().join("several.toml");
    fs::write(&file, text_in).expect("write");
    let o = flywheel(tmp.path(), &["validate", file.to_str().unwrap_or_default()]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr.contains("3 problems"), "{stderr}");
    for key in [
        "platforms[0].commission",
        "horizon_days",
        "platforms[1].merchant_reach",
    ] {
        assert!(stderr.contains(key), "{key} missing from {stderr}");
    }
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    let tmp = TempDir::new("missing");
    let o = flywheel(tmp.path(), &["run", "no-such-file.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no-such-file.toml") && stderr.contains("cannot read"),
        "{stderr}"
    );
    let o = flywheel(tmp.path(), &["run", "x.toml", "--threads", "many"]);
    assert_eq!(o.status.code(), Some(2));
    let o = flywheel(tmp.path(), &["run", "x.toml", "--seed", "-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("results").exists());
}
