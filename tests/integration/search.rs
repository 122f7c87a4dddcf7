//! `flywheel optimize` and `flywheel equilibrium` against closed forms,
//! and their determinism, resume and input checks.
//!
//! Closed forms. Consumers are identical (price sensitivity b), prices
//! are one value, there are no dynamics, and every consumer has every
//! app, so an occasion is a multinomial logit over the platforms, buying
//! direct and not buying: platform i's probability is
//! s_i = e^{u_i} / (Σ_j e^{u_j} + e^{u_direct} + e^{u_none}) with
//! u_i = brand − b·(price + fee_i − coupon_i). A platform earning margin
//! m − x per order on the lever x that enters the price (a fee x = f, or
//! minus a coupon) maximises (margin)·N·s_i; since ∂s_i/∂f_i =
//! −b·s_i·(1 − s_i), the first-order condition is
//! margin = 1/(b(1 − s_i)), with s_i the share of *all* occasions (the
//! outside options count), which is the Bertrand–Nash condition
//! p = c + 1/(b(1 − s)) of the issue.

use std::sync::atomic::AtomicBool;

use flywheel::search::{Search, SearchOptions, run_equilibrium, run_optimize};

use crate::common::{TempDir, data, flywheel, text};

const B: f64 = 0.5;
const PRICE: f64 = 20.0;

fn load(name: &str, equilibrium: bool) -> Search {
    match Search::load(&data(name), equilibrium, &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Logit probability of platform 0 of `utilities`, with direct (0 − b·price)
/// and no purchase (−10) as outside options.
fn share(utilities: &[f64], i: usize) -> f64 {
    let outside = (-B * PRICE).exp() + (-10.0f64).exp();
    let inside: f64 = utilities.iter().map(|u| u.exp()).sum();
    utilities[i].exp() / (inside + outside)
}

#[test]
fn logit_duopoly_equilibrium_fee_matches_bertrand_closed_form() {
    // Brand 1, marginal cost 1: u = 1 − b(20 + f).
    let c = 1.0;
    let u = |f: f64| 1.0 - B * (PRICE + f);
    // Symmetric equilibrium: f = c + 1/(b(1 − s(f, f))), by fixed point
    // (a contraction here).
    let mut f_star = 3.0;
    for _ in 0..200 {
        let s = share(&[u(f_star), u(f_star)], 0);
        f_star = c + 1.0 / (B * (1.0 - s));
    }
    let s_star = share(&[u(f_star), u(f_star)], 0);
    assert!((f_star - 3.398).abs() < 0.01, "closed form {f_star}");

    let search = load("search_logit_duopoly.toml", true);
    let dir = TempDir::new("search-duopoly");
    let options = SearchOptions {
        threads: 2,
        resume: false,
    };
    let r = run_equilibrium(
        &search,
        dir.path(),
        &options,
        &AtomicBool::new(false),
        &|_| {},
    )
    .expect("equilibrium");
    assert!(r.converged, "did not converge: {r:?}");
    assert!(!r.cycled);
    let fees: Vec<f64> = r
        .players
        .iter()
        .map(|p| p.strategy[0].1.parse::<f64>().expect("fee"))
        .collect();
    for (p, f) in r.players.iter().zip(&fees) {
        // Within 5% of the closed form (the payoff is flat at the top:
        // a 0.15-yuan error costs under 0.3% of contribution).
        assert!(
            (f - f_star).abs() < 0.15,
            "{}: fee {f}, closed form {f_star} (s = {s_star})",
            p.name
        );
        // The certificate: the regret's interval lies below epsilon.
        assert!(!p.can_improve, "{}: regret {:?}", p.name, p.regret);
    }
    // The first-order condition holds at the profile found, shares taken
    // at that profile.
    let us: Vec<f64> = fees.iter().map(|&f| u(f)).collect();
    for (i, f) in fees.iter().enumerate() {
        let markup = 1.0 / (B * (1.0 - share(&us, i)));
        assert!(
            (f - c - markup).abs() < 0.2,
            "player {i}: {f} vs c + {markup}"
        );
    }
    for file in [
        "trials.csv",
        "path.csv",
        "regrets.csv",
        "equilibrium.toml",
        "manifest.json",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    // The equilibrium profile loads as a scenario with the fees written in.
    let eq = flywheel::scenario::load(&dir.path().join("equilibrium.toml"), &[]).expect("loads");
    assert_eq!(eq.platforms.len(), 2);
}

#[test]
fn one_player_coupon_optimum_matches_closed_form() {
    // Margin before the coupon 0.3 × 20 − 0.5 = 5.5; brand −1:
    // u = −1 − b(20 − k). Optimum: 5.5 − k = 1/(b(1 − s(k))), by bisection
    // (the left side falls and the right side rises in k).
    let s = |k: f64| share(&[-1.0 - B * (PRICE - k)], 0);
    let (mut lo, mut hi) = (0.0, 5.5);
    for _ in 0..100 {
        let k = (lo + hi) / 2.0;
        if 5.5 - k - 1.0 / (B * (1.0 - s(k))) > 0.0 {
            lo = k;
        } else {
            hi = k;
        }
    }
    let k_star = (lo + hi) / 2.0;
    assert!((k_star - 2.324).abs() < 0.01, "closed form {k_star}");

    let search = load("search_coupon_monopoly.toml", false);
    let dir = TempDir::new("search-coupon");
    let r = run_optimize(
        &search,
        dir.path(),
        &SearchOptions::default(),
        &AtomicBool::new(false),
        &|_| {},
    )
    .expect("optimize");
    let k: f64 = r.best[0].1.parse().expect("coupon");
    assert!((k - k_star).abs() < 0.25, "found {k}, closed form {k_star}");
    assert!(r.feasible);
    assert!(r.objective.mean > r.start_objective.mean);
    assert_eq!(r.evaluations, 16);
    // best.toml loads, with the coupon written in.
    let best = flywheel::scenario::load(&dir.path().join("best.toml"), &[]).expect("loads");
    assert_eq!(best.name, "coupon_monopoly-best");
}

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn optimize_is_the_same_at_any_thread_count_and_after_resume() {
    let scenario = data("search_coupon_monopoly.toml");
    let path = scenario.to_str().expect("utf-8 path");
    let tmp = TempDir::new("search-threads");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("t{threads}"));
        let o = flywheel(
            tmp.path(),
            &[
                "optimize",
                path,
                "--threads",
                threads,
                "-q",
                "--out",
                out.to_str().expect("utf-8"),
            ],
        );
        assert!(o.status.success(), "{:?}", text(&o));
        outputs.push((read(&out, "trials.csv"), read(&out, "best.toml")));
    }
    assert_eq!(outputs[0], outputs[1]);

    // Interrupt: keep the header and five evaluations of the journal, and
    // a torn sixth line, as a kill in mid-write leaves it.
    let out = tmp.path().join("t1");
    let journal = read(&out, "journal.jsonl");
    let lines: Vec<&str> = journal.lines().collect();
    let mut cut = lines[..6].join("\n");
    cut.push('\n');
    cut.push_str(&lines[6][..lines[6].len() / 2]);
    std::fs::write(out.join("journal.jsonl"), cut).expect("write");
    for f in ["trials.csv", "best.toml", "manifest.json"] {
        std::fs::remove_file(out.join(f)).expect("remove");
    }
    let o = flywheel(
        tmp.path(),
        &[
            "optimize",
            path,
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "refuses without --resume: {:?}",
        text(&o)
    );
    assert!(text(&o).1.contains("--resume"), "{:?}", text(&o));
    let o = flywheel(
        tmp.path(),
        &[
            "optimize",
            path,
            "--resume",
            "-q",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(
        (read(&out, "trials.csv"), read(&out, "best.toml")),
        outputs[0]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&out, "manifest.json")).expect("json");
    assert_eq!(manifest["evaluations_resumed"], 5);
    assert_eq!(manifest["evaluations"], 16);
}

/// A budget smaller than the starting simplex (the start and one vertex
/// per variable) spends itself on the simplex's first vertices and ends
/// the search with the best of them, for one player and for each player
/// of an equilibrium; Ctrl-C there ends it as at any other time.
#[test]
fn a_budget_smaller_than_the_starting_simplex_ends_the_search_cleanly() {
    let tmp = TempDir::new("search-small-budget");
    let cases = [
        ("optimize", "search_coupon_monopoly.toml", "budget = 16"),
        ("equilibrium", "search_logit_duopoly.toml", "budget = 14"),
    ];
    for (command, file, budget) in cases {
        let body = std::fs::read_to_string(data(file)).expect("read");
        assert!(body.contains(budget), "{file}");
        let path = tmp.path().join(file);
        std::fs::write(&path, body.replace(budget, "budget = 1")).expect("write");
        let out = tmp.path().join(command);
        let o = flywheel(
            tmp.path(),
            &[
                command,
                path.to_str().expect("utf-8"),
                "-q",
                "--out",
                out.to_str().expect("utf-8"),
            ],
        );
        assert!(o.status.success(), "{command}: {:?}", text(&o));
        let trials = read(&out, "trials.csv");
        let evaluated = trials.lines().count() - 1;
        if command == "optimize" {
            assert_eq!(evaluated, 1, "{trials}");
            assert!(out.join("best.toml").is_file());
        } else {
            // One evaluation per player per round.
            assert!(evaluated >= 2, "{trials}");
        }
    }
}

/// A search whose files cannot all be written does not leave the previous
/// search's manifest passing old and new files off as one result, nor a
/// temporary file; `--resume` then finishes it.
#[test]
fn a_failed_write_leaves_an_unfinished_search_not_a_mixed_one() {
    let tmp = TempDir::new("search-failed-write");
    let body = std::fs::read_to_string(data("search_coupon_monopoly.toml")).expect("read");
    let path = tmp.path().join("small.toml");
    std::fs::write(&path, body.replace("budget = 16", "budget = 3")).expect("write");
    let out = tmp.path().join("out");
    let args = |extra: &'static [&'static str]| {
        let mut a = vec![
            "optimize",
            path.to_str().unwrap_or_default(),
            "-q",
            "--out",
            out.to_str().unwrap_or_default(),
        ];
        a.extend_from_slice(extra);
        a
    };
    let o = flywheel(tmp.path(), &args(&[]));
    assert!(o.status.success(), "{:?}", text(&o));
    // A directory where best.toml goes makes the last files fail.
    std::fs::remove_file(out.join("best.toml")).expect("remove");
    std::fs::create_dir_all(out.join("best.toml/in-the-way")).expect("mkdir");
    let o = flywheel(tmp.path(), &args(&[]));
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        !out.join("manifest.json").exists(),
        "the old manifest stayed"
    );
    assert!(
        !out.join(".best.toml.partial").exists(),
        "a temporary file stayed"
    );
    // Without --resume the directory is refused as unfinished.
    let o = flywheel(tmp.path(), &args(&[]));
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    std::fs::remove_dir_all(out.join("best.toml")).expect("rmdir");
    let o = flywheel(tmp.path(), &args(&["--resume"]));
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(out.join("manifest.json").is_file() && out.join("best.toml").is_file());
}

/// An objective no run defines (a 90-day retention of a 20-day run) is
/// reported as such, in the warning and in every trial's failure, rather
/// than as broken constraints the search does not have.
#[test]
fn an_objective_no_run_defines_is_reported_as_undefined() {
    let tmp = TempDir::new("search-undefined");
    let body = std::fs::read_to_string(data("search_coupon_monopoly.toml")).expect("read");
    let from = "maximize = \"contribution\"\nbudget = 16";
    assert!(body.contains(from), "{body}");
    let path = tmp.path().join("undefined.toml");
    std::fs::write(
        &path,
        body.replace(from, "maximize = \"retention_90d\"\nbudget = 3"),
    )
    .expect("write");
    let out = tmp.path().join("out");
    let o = flywheel(
        tmp.path(),
        &[
            "optimize",
            path.to_str().unwrap_or_default(),
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
    let (_, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("no candidate could be scored") && stderr.contains("retention_90d"),
        "{stderr}"
    );
    assert!(!stderr.contains("constraint"), "{stderr}");
    let trials = read(&out, "trials.csv");
    for row in trials.lines().skip(1) {
        assert!(row.contains("undefined or not finite"), "{row}");
    }
}

#[test]
fn bad_search_tables_exit_2_naming_keys() {
    let tmp = TempDir::new("search-bad");
    let base = std::fs::read_to_string(data("search_coupon_monopoly.toml")).expect("read");
    let cases = [
        (
            "[optimize]\nplatform = \"Solo\"\nmaximize = \"contributon\"\nbudgt = 3\n\
             [optimize.variables]\n\"platforms[0].subsidy[0].per_order\" = { min = 0.0, max = 5.0 }\n",
            vec![
                "optimize.maximize",
                "did you mean `contribution`?",
                "optimize.budgt",
                "did you mean `budget`?",
            ],
        ),
        (
            "[optimize]\nplatform = \"Nobody\"\nmaximize = \"contribution\"\n\
             constraints = [\"exited < 0.05\"]\n[optimize.variables]\n\
             \"platforms[0].subsidy[0].per_ordr\" = { min = 0.0, max = 5.0 }\n\
             \"platforms[0].commission\" = { min = 0.5, max = 0.2 }\n",
            vec![
                "optimize.platform",
                "no platform is named `Nobody`",
                "optimize.constraints[0]",
                "optimize.variables.\"platforms[0].commission\"",
                "the range is empty",
            ],
        ),
        (
            "[optimize]\nplatform = \"Solo\"\nmaximize = \"contribution\"\n[optimize.variables]\n\
             \"platforms[0].subsidy[0].per_ordr\" = { min = 0.0, max = 5.0 }\n",
            vec![
                "optimize.variables.\"platforms[0].subsidy[0].per_ordr\"",
                "unknown key",
            ],
        ),
        (
            "[equilibrium]\n[[equilibrium.players]]\nplatform = \"Solo\"\nmaximize = \"contribution\"\n\
             [equilibrium.players.variables]\n\"platforms[0].commission\" = { min = 0.1, max = 0.3 }\n",
            vec!["equilibrium.players", "at least two", "equilibrium.epsilon"],
        ),
    ];
    for (i, (table, expected)) in cases.iter().enumerate() {
        let text_of = base.split("[optimize]").next().expect("base").to_string() + table;
        let file = tmp.path().join(format!("bad{i}.toml"));
        std::fs::write(&file, &text_of).expect("write");
        let command = if table.starts_with("[equilibrium]") {
            "equilibrium"
        } else {
            "optimize"
        };
        let o = flywheel(tmp.path(), &[command, file.to_str().expect("utf-8"), "-q"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        for e in expected {
            assert!(err.contains(e), "case {i}: `{e}` not in:\n{err}");
        }
    }
    // The tables are ignored by `validate` and `run`, as [sweep] is.
    let o = flywheel(
        tmp.path(),
        &[
            "validate",
            data("search_logit_duopoly.toml").to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
}
