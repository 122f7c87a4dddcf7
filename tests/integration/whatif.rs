//! The what-if workflow: `--set` overrides, variants with `extends`,
//! `validate --print`, paired comparison with common random numbers, the
//! parameter reference and `flywheel new` templates.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::common::{Rows, TempDir, data, flywheel, read_csv, text};
use flywheel::cli::Template;
use flywheel::scenario::{self, DataOwner};

fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// `flywheel validate FILE --print [ARGS…]` parsed as TOML.
fn printed(file: &Path, extra: &[&str]) -> toml::Table {
    let mut args = vec!["validate", arg(file), "--print"];
    args.extend_from_slice(extra);
    let o = flywheel(Path::new(env!("CARGO_MANIFEST_DIR")), &args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    match stdout.parse() {
        Ok(t) => t,
        Err(e) => panic!("--print output is not TOML: {e}\n{stdout}"),
    }
}

#[test]
fn set_changes_exactly_the_named_value() {
    let tiny = data("tiny.toml");
    let before = printed(&tiny, &[]);
    let after = printed(&tiny, &["--set", "platforms[1].subsidy[0].per_order=3"]);
    let mut expected = before.clone();
    if let Err(e) = scenario::set_path(
        &mut expected,
        "platforms[1].subsidy[0].per_order",
        toml::Value::Float(3.0),
    ) {
        panic!("{e}");
    }
    assert_ne!(before, after);
    assert_eq!(after, expected, "only the named value may change");

    // Several --set, a string value, and a distribution written inline.
    let after = printed(
        &tiny,
        &[
            "--set",
            "market.consumers=300",
            "--set",
            "platforms[0].name=Alef",
            "--set",
            "consumers.purchase_rate={ exponential = { mean = 0.4 } }",
        ],
    );
    let get = |p: &str| scenario::get_path(&after, p).cloned();
    assert_eq!(get("market.consumers"), Some(toml::Value::Integer(300)));
    assert_eq!(get("platforms[0].name"), Some("Alef".into()));
    assert_eq!(
        get("consumers.purchase_rate.exponential.mean"),
        Some(toml::Value::Float(0.4))
    );

    // `run` records the override in its manifest.
    let tmp = TempDir::new("whatif-set-run");
    let o = flywheel(
        tmp.path(),
        &[
            "run",
            arg(&tiny),
            "--set",
            "platforms[1].subsidy[0].per_order=3",
            "--replications",
            "1",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(tmp.path().join("out/manifest.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    let overrides: Vec<&str> = manifest["overrides"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        overrides,
        ["platforms[1].subsidy[0].per_order=3", "replications=1"]
    );
    assert_eq!(
        manifest["scenario"]["platforms"][1]["subsidy"][0]["per_order"],
        3.0
    );
}

#[test]
fn set_rejects_unknown_paths_and_bad_values_with_exit_2() {
    // (--set argument, substrings the message must hold)
    let cases: &[(&str, &[&str])] = &[
        (
            "platforms[0].cashh=3",
            &["platforms[0].cashh", "unknown key", "did you mean `cash`"],
        ),
        ("wibble=3", &["wibble", "unknown key"]),
        ("market.wibble.deep=3", &["market.wibble", "unknown key"]),
        (
            "platforms[5].cash=1",
            &["platforms[5].cash", "out of range", "2 element"],
        ),
        (
            "platforms[0].subsidy[0].per_order=1",
            &["platforms[0].subsidy[0].per_order", "no `subsidy` array"],
        ),
        (
            "market.consumers=many",
            &["market.consumers", "invalid type"],
        ),
        (
            "platforms[0].commission=1.5",
            &["platforms[0].commission", "between 0 and 1"],
        ),
        ("seed=-1", &["seed"]),
        ("no-equals-sign", &["no-equals-sign", "KEY.PATH=VALUE"]),
        ("a..b=1", &["a..b", "key path"]),
    ];
    let tiny = data("tiny.toml");
    let tmp = TempDir::new("whatif-set-bad");
    let mut failures = Vec::new();
    for (i, (set, wants)) in cases.iter().enumerate() {
        let out = format!("out{i}");
        for command in ["validate", "run"] {
            let mut args = vec![command, arg(&tiny), "--set", set];
            if command == "run" {
                args.extend_from_slice(&["--out", &out, "--quiet"]);
            }
            let o = flywheel(tmp.path(), &args);
            let (_, stderr) = text(&o);
            let mut problems = Vec::new();
            if o.status.code() != Some(2) {
                problems.push(format!("exit code {:?}", o.status.code()));
            }
            if stderr.contains("panicked") {
                problems.push("panic".to_string());
            }
            if !stderr.contains("--set") {
                problems.push("the --set origin is not named".to_string());
            }
            for want in *wants {
                if !stderr.contains(want) {
                    problems.push(format!("message lacks {want:?}"));
                }
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{command} --set {set}: {}\n{stderr}",
                    problems.join(", ")
                ));
            }
        }
        if tmp.path().join(&out).exists() {
            failures.push(format!("--set {set}: results written"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn validate_print_shows_the_resolved_scenario_and_loads_back() {
    let variant = data("variants/coupon.toml");
    let resolved = printed(&variant, &[]);
    assert!(resolved.get("extends").is_none(), "{resolved:?}");
    let get = |p: &str| scenario::get_path(&resolved, p).cloned();
    assert_eq!(get("name"), Some("tiny_coupon".into()));
    assert_eq!(get("seed"), Some(toml::Value::Integer(7)));
    assert_eq!(
        get("platforms[1].subsidy[0].per_order"),
        Some(toml::Value::Float(5.5))
    );
    assert_eq!(get("platforms[1].subsidy[0].to_day"), Some(15.into()));
    // Defaults are filled in.
    assert_eq!(
        get("platforms[0].subsidy"),
        Some(toml::Value::Array(vec![]))
    );

    // The printed text is a scenario that resolves to the same thing.
    let tmp = TempDir::new("whatif-print");
    let file = tmp.path().join("resolved.toml");
    let o = flywheel(tmp.path(), &["validate", arg(&variant), "--print"]);
    fs::write(&file, &o.stdout).unwrap_or_default();
    assert_eq!(printed(&file, &[]), resolved);
    let a = scenario::load_resolved(&variant, &[]).map_err(|e| e.to_string());
    let b = scenario::load_resolved(&file, &[]).map_err(|e| e.to_string());
    assert_eq!(
        a.map(|s| s.raw),
        b.map(|s| s.raw),
        "reloaded scenario differs"
    );
}

#[test]
fn extends_chain_merges_each_file_over_its_base() {
    let (s, raw) = match scenario::load_resolved(&data("variants/chain_top.toml"), &[]) {
        Ok(r) => (r.scenario, r.raw),
        Err(e) => panic!("{e}"),
    };
    // From chain_top.toml itself.
    assert_eq!(s.market.consumers, 400);
    // `name` is not inherited: the file name is used.
    assert_eq!(s.name, "chain_top");
    // From coupon.toml (the middle of the chain).
    assert_eq!(raw.platforms[1].subsidy[0].per_order, 5.5);
    // From tiny.toml (the root), including the rest of the edited element.
    assert_eq!(s.seed, 7);
    assert_eq!(s.market.merchants, 20);
    assert_eq!(s.platforms[1].name, "Beta");
    assert_eq!(raw.platforms[1].subsidy[0].to_day, 15);
    assert_eq!(s.platforms.len(), 2);

    // A variant can append an array element.
    let e = match scenario::load(&data("variants/entrant.toml"), &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let names: Vec<&str> = e.platforms.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Alpha", "Beta", "Gamma"]);

    // Overrides apply after the merge.
    let seed = scenario::Override::parse("market.consumers=250", "--set market.consumers=250");
    let o = match seed {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    };
    match scenario::load(&data("variants/chain_top.toml"), &[o]) {
        Ok(s) => assert_eq!(s.market.consumers, 250),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn extends_cycle_is_an_error_naming_the_chain() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = flywheel(root, &["validate", "tests/data/variants/cycle_a.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cycle"), "{stderr}");
    assert!(
        stderr.contains(
            "tests/data/variants/cycle_a.toml → tests/data/variants/cycle_b.toml → \
             tests/data/variants/cycle_c.toml → tests/data/variants/cycle_a.toml"
        ),
        "{stderr}"
    );
    // The `extends` that closes the cycle is located.
    assert!(stderr.contains("cycle_c.toml:1"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // A file that extends itself.
    let tmp = TempDir::new("whatif-self");
    fs::write(tmp.path().join("me.toml"), "extends = \"me.toml\"\n").unwrap_or_default();
    let o = flywheel(tmp.path(), &["validate", "me.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("me.toml → me.toml"), "{stderr}");
}

#[test]
fn extends_missing_base_is_an_error_naming_the_chain() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = TempDir::new("whatif-missing");
    let o = flywheel(
        root,
        &[
            "run",
            "tests/data/variants/missing_base.toml",
            "--out",
            arg(&tmp.path().join("out")),
        ],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    for want in [
        "tests/data/variants/missing_base.toml:3: extends",
        "cannot read base scenario `tests/data/variants/no_such_base.toml`",
        "chain: tests/data/variants/missing_base.toml → tests/data/variants/no_such_base.toml",
    ] {
        assert!(stderr.contains(want), "{want:?} missing from {stderr}");
    }
    assert!(!tmp.path().join("out").exists());

    // A missing base deeper in the chain names the whole chain.
    fs::write(tmp.path().join("top.toml"), "extends = \"mid.toml\"\n").unwrap_or_default();
    fs::write(
        tmp.path().join("mid.toml"),
        "seed = 1\nextends = \"gone.toml\"\n",
    )
    .unwrap_or_default();
    let o = flywheel(tmp.path(), &["validate", "top.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("top.toml → mid.toml → gone.toml"),
        "{stderr}"
    );
    assert!(stderr.contains("from mid.toml:2"), "{stderr}");

    // `extends` must be a path.
    fs::write(tmp.path().join("num.toml"), "extends = 3\n").unwrap_or_default();
    let o = flywheel(tmp.path(), &["validate", "num.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("num.toml:1: extends: must be the path"),
        "{stderr}"
    );
}

#[test]
fn problems_are_reported_in_the_file_that_wrote_the_key() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = flywheel(root, &["validate", "tests/data/variants/bad_child.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("tests/data/variants/bad_child.toml:4: horizon_days"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(from tests/data/variants/bad_base.toml:5) platforms[0].commission"),
        "{stderr}"
    );

    // A syntax error in a base names the base and its line.
    let tmp = TempDir::new("whatif-base-syntax");
    fs::write(tmp.path().join("top.toml"), "extends = \"base.toml\"\n").unwrap_or_default();
    fs::write(tmp.path().join("base.toml"), "seed = 1\nhorizon_days = \n").unwrap_or_default();
    let o = flywheel(tmp.path(), &["validate", "top.toml"]);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("base.toml:2:"), "{stderr}");
    assert!(stderr.contains("base of top.toml"), "{stderr}");
    assert!(stderr.contains("syntax"), "{stderr}");
}

fn row<'a>(
    rows: &'a Rows,
    metric: &str,
    platform: &str,
    variant: &str,
) -> &'a HashMap<String, String> {
    match rows
        .iter()
        .find(|r| r["metric"] == metric && r["platform"] == platform && r["variant"] == variant)
    {
        Some(r) => r,
        None => panic!("no row {metric}/{platform}/{variant}"),
    }
}

fn number(r: &HashMap<String, String>, column: &str) -> f64 {
    match r[column].parse() {
        Ok(v) => v,
        Err(e) => panic!("{column} = {:?}: {e}", r[column]),
    }
}

#[test]
fn identical_variants_give_identical_results_and_zero_difference() {
    let tmp = TempDir::new("whatif-identical");
    // same.toml is tiny.toml with its own seed and replication count;
    // compare replaces both with tiny.toml's, so the runs are identical.
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            arg(&data("tiny.toml")),
            arg(&data("variants/same.toml")),
            "--replications",
            "5",
            "--out",
            "out",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("seed 7 (the first variant's)"), "{stdout}");
    assert!(stdout.contains("its seed 99 is replaced by 7"), "{stdout}");

    let rows = read_csv(&tmp.path().join("out/comparison.csv"));
    let header = fs::read_to_string(tmp.path().join("out/comparison.csv")).unwrap_or_default();
    assert_eq!(
        header.lines().next().unwrap_or_default(),
        flywheel::metrics::columns::names(&flywheel::compare::COMPARISON_COLUMNS)
            .collect::<Vec<_>>()
            .join(",")
    );
    // Every headline × platform × variant.
    assert_eq!(rows.len(), flywheel::metrics::HEADLINES.len() * 2 * 2);
    for h in flywheel::metrics::HEADLINES {
        for platform in ["Alpha", "Beta"] {
            let first = row(&rows, h.name, platform, "tiny");
            let same = row(&rows, h.name, platform, "same");
            assert_eq!(first["mean"], same["mean"], "{}/{platform}", h.name);
            assert_eq!(first["diff_vs_first"], "", "the first has no difference");
            if same["mean"].is_empty() {
                // Undefined in this market (e.g. lending figures without a
                // lender): no difference to report either.
                assert_eq!(same["diff_vs_first"], "", "{}/{platform}", h.name);
                continue;
            }
            for column in ["diff_vs_first", "diff_ci_low", "diff_ci_high"] {
                assert_eq!(number(same, column), 0.0, "{}/{platform} {column}", h.name);
            }
        }
    }
    // Without pairing the same two samples leave a wide interval.
    let orders = row(&rows, "orders", "Alpha", "same");
    assert!(number(orders, "unpaired_diff_ci_high") > 0.0);
    assert!(number(orders, "unpaired_diff_ci_low") < 0.0);

    // The per-replication summaries match line for line.
    let summaries = read_csv(&tmp.path().join("out/summaries.csv"));
    let by = |v: &str| -> Vec<Vec<String>> {
        summaries
            .iter()
            .filter(|r| r["variant"] == v)
            .map(|r| {
                let mut r = r.clone();
                r.remove("variant");
                let mut kv: Vec<_> = r.into_iter().collect();
                kv.sort();
                kv.into_iter().map(|(k, v)| format!("{k}={v}")).collect()
            })
            .collect()
    };
    assert_eq!(by("tiny").len(), 5 * 2);
    assert_eq!(by("tiny"), by("same"));

    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(tmp.path().join("out/manifest.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(manifest["variants"][1]["scenario"]["seed"], 7);
    assert_eq!(manifest["variants"][1]["scenario"]["replications"], 5);
}

#[test]
fn paired_interval_of_a_small_change_is_much_narrower_than_the_unpaired_one() {
    let tmp = TempDir::new("whatif-paired");
    // Beta's coupon 6.0 → 5.5 yuan; Beta is given enough cash in both
    // variants (--set applies to every variant) that it never exits.
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            arg(&data("tiny.toml")),
            arg(&data("variants/coupon.toml")),
            "--replications",
            "20",
            "--set",
            "platforms[1].cash=50000",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    let rows = read_csv(&tmp.path().join("out/comparison.csv"));
    let r = row(&rows, "orders", "Beta", "coupon");
    let paired = (number(r, "diff_ci_high") - number(r, "diff_ci_low")) / 2.0;
    let unpaired = (number(r, "unpaired_diff_ci_high") - number(r, "unpaired_diff_ci_low")) / 2.0;
    assert!(paired > 0.0, "a real change has a spread");
    assert!(
        paired < 0.25 * unpaired,
        "paired half-width {paired} is not well below the unpaired {unpaired}"
    );
    // Both intervals centre on the same difference; only pairing resolves it.
    let diff = number(r, "diff_vs_first");
    assert!(
        number(r, "diff_ci_high") < 0.0,
        "a smaller coupon loses orders: {diff}"
    );
    let centre = (number(r, "unpaired_diff_ci_high") + number(r, "unpaired_diff_ci_low")) / 2.0;
    assert!((centre - diff).abs() < 1e-3, "{centre} vs {diff}");
}

#[test]
fn a_platform_missing_from_a_variant_is_reported() {
    let tmp = TempDir::new("whatif-missing-platform");
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            arg(&data("tiny.toml")),
            arg(&data("variants/entrant.toml")),
            "--replications",
            "2",
            "--out",
            "out",
        ],
    );
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stdout.contains("platform `Gamma` is not in the first variant `tiny`"),
        "{stdout}"
    );
    let rows = read_csv(&tmp.path().join("out/comparison.csv"));
    let absent = row(&rows, "orders", "Gamma", "tiny");
    assert_eq!(absent["mean"], "");
    let present = row(&rows, "orders", "Gamma", "entrant");
    assert!(number(present, "mean") > 0.0);
    assert_eq!(present["diff_vs_first"], "");
    // Alpha and Beta are still paired.
    assert_ne!(
        row(&rows, "orders", "Alpha", "entrant")["diff_vs_first"],
        ""
    );
}

#[test]
fn compare_needs_two_valid_files() {
    let tmp = TempDir::new("whatif-compare-bad");
    let o = flywheel(tmp.path(), &["compare", arg(&data("tiny.toml"))]);
    assert_eq!(o.status.code(), Some(2));
    let o = flywheel(
        tmp.path(),
        &[
            "compare",
            arg(&data("tiny.toml")),
            arg(&data("variants/cycle_a.toml")),
            "--out",
            "out",
        ],
    );
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cycle"), "{stderr}");
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn reference_doc_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = flywheel(root, &["params", "--markdown"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let generated = String::from_utf8_lossy(&o.stdout);
    let committed = fs::read_to_string(root.join("docs/scenario-reference.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/scenario-reference.md is out of date; regenerate it with\n  \
         cargo run --release -- params --markdown > docs/scenario-reference.md"
    );
    // The plain reference names every key too.
    let o = flywheel(root, &["params"]);
    let (plain, _) = text(&o);
    for p in scenario::reference::params() {
        assert!(
            plain.contains(p.key),
            "{} missing from `flywheel params`",
            p.key
        );
        assert!(
            committed.contains(&format!("`{}`", p.key)),
            "{} missing from the doc",
            p.key
        );
    }
}

#[test]
fn every_template_validates_and_runs() {
    let tmp = TempDir::new("whatif-new");
    for template in flywheel::cli::Template::ALL {
        let name = format!("my-{}", template.name());
        let o = flywheel(
            tmp.path(),
            &[
                "new",
                &name,
                "--template",
                template.name(),
                "--dir",
                "plans",
            ],
        );
        assert!(o.status.success(), "{}: {:?}", template.name(), text(&o));
        let file = tmp.path().join("plans").join(format!("{name}.toml"));
        let written = fs::read_to_string(&file).unwrap_or_default();
        assert!(
            written.starts_with("# "),
            "{}: no opening comment",
            template.name()
        );
        for word in ["Question:", "Mechanism:", "Change:", "Expect:"] {
            assert!(
                written.contains(word),
                "{}: comment lacks {word}",
                template.name()
            );
        }
        assert!(written.contains(&format!("name = \"{name}\"")), "{written}");
        assert!(
            !written.contains("being built"),
            "{}: still says its model is being built",
            template.name()
        );

        let o = flywheel(tmp.path(), &["validate", arg(&file)]);
        assert!(o.status.success(), "{}: {:?}", template.name(), text(&o));
        // Each template uses the keys of the model it starts from.
        let s = match scenario::load(&file, &[]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let uses_its_model = match template {
            Template::SubsidyWar => s.platforms.iter().any(|p| !p.schedule.is_empty()),
            Template::Lending => {
                written.contains("[merchants.credit]")
                    && s.lenders.iter().any(|l| l.platform.is_some())
                    && s.lenders.iter().any(|l| l.platform.is_none())
            }
            Template::Membership => {
                s.merchants.membership.share > 0.0
                    && s.merchants.membership.join_probability > 0.0
                    && s.market.customer_data == DataOwner::Merchant
            }
        };
        assert!(
            uses_its_model,
            "{}: lacks its model's keys",
            template.name()
        );
        let out = tmp.path().join(format!("out-{name}"));
        let o = flywheel(
            tmp.path(),
            &[
                "run",
                arg(&file),
                "--set",
                "market.consumers=300",
                "--set",
                "market.merchants=30",
                "--replications",
                "1",
                "--out",
                arg(&out),
                "--quiet",
            ],
        );
        assert!(o.status.success(), "{}: {:?}", template.name(), text(&o));
        let summary = fs::read_to_string(out.join("summary.csv")).unwrap_or_default();
        assert!(
            summary.lines().count() > 1,
            "{}: empty summary",
            template.name()
        );
        assert_eq!(
            out.join("lenders.csv").is_file(),
            template == Template::Lending,
            "{}: lenders.csv",
            template.name()
        );

        // A second `new` refuses to replace the file.
        fs::write(&file, "# edited by hand\n").unwrap_or_default();
        let o = flywheel(
            tmp.path(),
            &[
                "new",
                &name,
                "--template",
                template.name(),
                "--dir",
                "plans",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("already exists"));
        assert_eq!(
            fs::read_to_string(&file).unwrap_or_default(),
            "# edited by hand\n"
        );
    }
    // The default template, and a name that cannot name a file.
    let o = flywheel(tmp.path(), &["new", "plain"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(tmp.path().join("plain.toml").is_file());
    let o = flywheel(tmp.path(), &["new", "../escape"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("../escape.toml").exists());
}

#[test]
fn shipped_templates_are_the_embedded_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for template in flywheel::cli::Template::ALL {
        let path = root.join(format!("scenarios/templates/{}.toml", template.name()));
        let on_disk = fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(on_disk, template.text(), "{}", path.display());
        // The template file itself validates as it stands.
        if let Err(e) = scenario::load(&path, &[]) {
            panic!("{e}");
        }
    }
}

#[test]
fn variants_loaded_by_a_caller_match_variants_loaded_from_their_files() {
    // The Python package holds scenarios as text and loads them itself;
    // the common seed and replications must reach them just the same.
    let paths = [
        Path::new("scenarios/subsidy_war.toml").to_path_buf(),
        Path::new("scenarios/subsidy_war_blue7.toml").to_path_buf(),
    ];
    let from_files = flywheel::compare::load_variants(&paths, &[]).unwrap();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    let from_caller = flywheel::compare::load_variants_with(&paths, &[], &|i, own| {
        let label = paths[i].display().to_string();
        let name = paths[i].file_stem().unwrap().to_string_lossy();
        scenario::parse_resolved(&texts[i], &label, &name, own)
    })
    .unwrap();
    assert_eq!(from_files.notes, from_caller.notes);
    for (a, b) in from_files.variants.iter().zip(&from_caller.variants) {
        assert_eq!(a.label, b.label);
        assert_eq!(a.scenario.seed, b.scenario.seed);
        assert_eq!(a.scenario.replications, b.scenario.replications);
        assert_eq!(
            scenario::raw_toml(&a.raw).unwrap(),
            scenario::raw_toml(&b.raw).unwrap()
        );
    }
    assert_eq!(
        from_caller.variants[1].scenario.seed,
        from_caller.variants[0].scenario.seed
    );
}
