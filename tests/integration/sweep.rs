//! Sweeps end to end: the files and columns `flywheel sweep` writes; the
//! same bytes whatever the thread count, however the sweep is sharded and
//! merged, and after a kill or a Ctrl-C followed by `--resume`; bad
//! `[sweep]` tables refused before anything runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{TempDir, data, flywheel, text};

const RESULT_FILES: [&str; 4] = ["points.csv", "runs.csv", "aggregate.csv", "failures.csv"];

fn arg(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// `flywheel sweep` with `args`; asserts success.
fn sweep_ok(dir: &Path, args: &[&str]) {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    all.push("--quiet");
    let o = flywheel(dir, &all);
    assert!(o.status.success(), "sweep {args:?}: {:?}", text(&o));
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    RESULT_FILES
        .iter()
        .map(|f| {
            let bytes =
                fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(f).display()));
            (f.to_string(), bytes)
        })
        .collect()
}

fn assert_same_files(a: &Path, b: &Path) {
    for ((name, x), (_, y)) in files(a).into_iter().zip(files(b)) {
        assert!(
            x == y,
            "{name} differs between {} and {}:\n{}\n---\n{}",
            a.display(),
            b.display(),
            String::from_utf8_lossy(&x),
            String::from_utf8_lossy(&y)
        );
    }
}

/// The tiny scenario with `sweep` (a `[sweep]` table) appended, written to
/// `dir/name`.
fn scenario_with(dir: &Path, name: &str, edit: &[(&str, &str)], sweep: &str) -> PathBuf {
    let mut t = fs::read_to_string(data("tiny.toml")).expect("tiny.toml");
    for (from, to) in edit {
        assert!(t.contains(from), "{from}");
        t = t.replacen(from, to, 1);
    }
    t.push('\n');
    t.push_str(sweep);
    let path = dir.join(name);
    fs::write(&path, t).expect("write scenario");
    path
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    serde_json::from_str(&text).expect("manifest is JSON")
}

#[test]
fn grid_sweep_writes_points_runs_aggregate_and_manifest() {
    let tmp = TempDir::new("sweep-grid");
    let scenario = data("sweep_grid.toml");
    let o = flywheel(tmp.path(), &["sweep", arg(&scenario), "--threads", "2"]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("6 points × 2 replications"), "{stdout}");
    let dir = tmp.path().join("results/sweep_grid-sweep");

    let points = fs::read_to_string(dir.join("points.csv")).expect("points.csv");
    assert_eq!(
        points,
        "point,platforms[1].subsidy[0].per_order,platforms[0].commission\n\
         0,0,0.1\n1,0,0.2\n2,3,0.1\n3,3,0.2\n4,6.5,0.1\n5,6.5,0.2\n"
    );

    let runs = fs::read_to_string(dir.join("runs.csv")).expect("runs.csv");
    let header = runs.lines().next().unwrap_or_default();
    assert_eq!(
        header,
        format!(
            "point,{},lender",
            fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tiny_summary.csv")
            )
            .expect("golden")
            .lines()
            .next()
            .unwrap_or_default()
        ),
        "runs.csv is summary.csv with a point column in front and a lender column last"
    );
    assert_eq!(runs.lines().count(), 1 + 6 * 2 * 2);
    let keys: Vec<String> = runs
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
        .collect();
    assert!(
        keys[0].starts_with("0,0,") && keys[0].ends_with(",Alpha"),
        "{keys:?}"
    );
    assert!(
        keys[1].starts_with("0,0,") && keys[1].ends_with(",Beta"),
        "{keys:?}"
    );
    assert!(keys[2].starts_with("0,1,"), "{keys:?}");
    assert!(
        keys[23].starts_with("5,1,") && keys[23].ends_with(",Beta"),
        "{keys:?}"
    );

    let aggregate = fs::read_to_string(dir.join("aggregate.csv")).expect("aggregate.csv");
    let cols: Vec<&str> = aggregate
        .lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .collect();
    assert_eq!(
        cols[..5],
        [
            "point",
            "platforms[1].subsidy[0].per_order",
            "platforms[0].commission",
            "platform",
            "n"
        ]
    );
    for h in flywheel::metrics::HEADLINES {
        for stat in ["mean", "sd", "ci_low", "ci_high"] {
            let c = format!("{}_{stat}", h.name);
            assert!(cols.contains(&c.as_str()), "{c} missing");
        }
    }
    assert_eq!(aggregate.lines().count(), 1 + 6 * 2);
    assert!(
        aggregate
            .lines()
            .nth(3)
            .is_some_and(|l| l.starts_with("1,0,0.2,Alpha,2,")),
        "{aggregate}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("failures.csv")).ok().as_deref(),
        Some("point,replication,seed,error\n")
    );

    let m = manifest(&dir);
    assert_eq!(m["kind"], "sweep");
    assert_eq!(m["points"], 6);
    assert_eq!(m["replications"], 2);
    assert_eq!(m["runs_total"], 12);
    assert_eq!(m["runs_succeeded"], 12);
    assert_eq!(m["runs_failed"], 0);
    assert_eq!(m["shard"]["index"], 1);
    assert_eq!(m["shard"]["count"], 1);
    assert_eq!(m["threads"], 2);
    assert_eq!(m["sweep"]["method"], "grid");
    assert_eq!(m["scenario_seed"], 7);
    assert_eq!(m["replication_seeds"].as_array().map(Vec::len), Some(2));
    assert!(m["wall_seconds"].as_f64().is_some());
    // No temporary files are left behind.
    let hidden: Vec<_> = fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn threads_and_shards_give_the_same_files_as_one_sweep() {
    let tmp = TempDir::new("sweep-shards");
    let t = tmp.path();
    let s = data("sweep_grid.toml");
    let s = arg(&s);
    sweep_ok(t, &[s, "--out", "one", "--threads", "1"]);
    sweep_ok(t, &[s, "--out", "two", "--threads", "2"]);
    assert_same_files(&t.join("one"), &t.join("two"));

    for (k, threads) in [("1/3", "2"), ("2/3", "1"), ("3/3", "2")] {
        let out = format!("shard-{}", &k[..1]);
        sweep_ok(t, &[s, "--out", &out, "--threads", threads, "--shard", k]);
    }
    // A shard holds only its own runs and no aggregate (it would be partial).
    let runs2 = fs::read_to_string(t.join("shard-2/runs.csv")).expect("runs.csv");
    assert_eq!(runs2.lines().count(), 1 + 4 * 2);
    assert!(!t.join("shard-2/aggregate.csv").exists());
    assert_eq!(manifest(&t.join("shard-2"))["shard"]["index"], 2);

    // Shards may be given in any order.
    let o = flywheel(
        t,
        &["merge", "shard-3", "shard-1", "shard-2", "--out", "merged"],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert_same_files(&t.join("one"), &t.join("merged"));
    let m = manifest(&t.join("merged"));
    assert_eq!(m["runs_succeeded"], 12);
    assert_eq!(m["merged_from"].as_array().map(Vec::len), Some(3));

    // Missing and repeated shards are refused.
    let o = flywheel(t, &["merge", "shard-1", "shard-2", "--out", "m2"]);
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    assert!(text(&o).1.contains("3/3"), "{:?}", text(&o));
    let o = flywheel(
        t,
        &[
            "merge", "shard-1", "shard-1", "shard-2", "shard-3", "--out", "m2",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("given twice"), "{:?}", text(&o));
    assert!(!t.join("m2").exists());

    // Nor do shards cut another way (1/2 with 2/3 and 3/3).
    sweep_ok(t, &[s, "--out", "half-1", "--shard", "1/2"]);
    let o = flywheel(t, &["merge", "half-1", "shard-2", "shard-3", "--out", "m2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("not shards of the same sweep"),
        "{:?}",
        text(&o)
    );
    assert!(!t.join("m2").exists());

    // A shard of another sweep (another seed) does not merge.
    let other = scenario_with(
        t,
        "other.toml",
        &[("seed = 7", "seed = 8")],
        "[sweep]\nreplications = 2\n[sweep.parameters]\n\
         \"platforms[1].subsidy[0].per_order\" = [0, 3, 6.5]\n\"platforms[0].commission\" = [0.1, 0.2]\n",
    );
    sweep_ok(t, &[arg(&other), "--out", "other-3", "--shard", "3/3"]);
    let o = flywheel(
        t,
        &["merge", "shard-1", "shard-2", "other-3", "--out", "m3"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).1.contains("not shards of the same sweep"),
        "{:?}",
        text(&o)
    );
}

/// Lines in the journal (header included).
fn journal_lines(dir: &Path) -> usize {
    fs::read_to_string(dir.join("journal.jsonl")).map_or(0, |t| t.lines().count())
}

/// Starts `flywheel sweep` in the background, waits until at least one run
/// is journalled, then runs `interrupt` on the child.
fn interrupt_mid_sweep(
    dir: &Path,
    scenario: &Path,
    out: &str,
    interrupt: impl FnOnce(&mut std::process::Child),
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args([
            "sweep",
            arg(scenario),
            "--out",
            out,
            "--threads",
            "1",
            "--quiet",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flywheel");
    let deadline = Instant::now() + Duration::from_secs(120);
    while journal_lines(&dir.join(out)) < 2 {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no run was journalled");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    interrupt(&mut child);
    child.wait_with_output().expect("wait for flywheel")
}

/// A sweep of 120 small runs: long enough at one thread for an interruption
/// to land in the middle.
fn long_sweep(dir: &Path) -> PathBuf {
    scenario_with(
        dir,
        "long.toml",
        &[("consumers = 500", "consumers = 3000")],
        "[sweep]\nreplications = 20\n[sweep.parameters]\n\
         \"platforms[1].subsidy[0].per_order\" = [0, 3, 6.5]\n\"platforms[0].commission\" = [0.1, 0.2]\n",
    )
}

#[test]
fn killed_sweep_resumes_to_the_same_files_as_an_uninterrupted_one() {
    let tmp = TempDir::new("sweep-kill");
    let t = tmp.path();
    let scenario = long_sweep(t);
    let o = interrupt_mid_sweep(t, &scenario, "killed", |child| {
        child.kill().expect("SIGKILL");
    });
    assert!(!o.status.success());
    let lines = journal_lines(&t.join("killed"));
    assert!(
        (2..121).contains(&lines),
        "the kill should land mid-sweep; the journal has {lines} lines"
    );
    // Nothing final exists yet, under its final name or otherwise.
    for f in RESULT_FILES.iter().chain(&["manifest.json"]) {
        assert!(
            !t.join("killed").join(f).exists(),
            "{f} exists after a kill"
        );
    }
    // Without --resume the unfinished sweep is refused, not overwritten.
    let o = flywheel(t, &["sweep", arg(&scenario), "--out", "killed", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--resume"), "{:?}", text(&o));

    sweep_ok(
        t,
        &[
            arg(&scenario),
            "--out",
            "killed",
            "--resume",
            "--threads",
            "2",
        ],
    );
    let m = manifest(&t.join("killed"));
    assert_eq!(m["runs_succeeded"], 120);
    let resumed = m["runs_resumed"].as_u64().unwrap_or(0);
    assert!(
        resumed >= 1 && (resumed as usize) <= lines,
        "{resumed} vs {lines}"
    );

    sweep_ok(t, &[arg(&scenario), "--out", "whole", "--threads", "2"]);
    assert_same_files(&t.join("killed"), &t.join("whole"));

    // Resuming a finished sweep runs nothing and rewrites the same files.
    sweep_ok(t, &[arg(&scenario), "--out", "whole", "--resume"]);
    assert_eq!(manifest(&t.join("whole"))["runs_resumed"], 120);
    assert_same_files(&t.join("killed"), &t.join("whole"));
}

#[test]
fn ctrl_c_stops_after_the_runs_in_flight_and_resume_finishes() {
    let tmp = TempDir::new("sweep-sigint");
    let t = tmp.path();
    let scenario = long_sweep(t);
    let o = interrupt_mid_sweep(t, &scenario, "stopped", |child| {
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill -INT");
        assert!(status.success());
    });
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("--resume"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Every journal line is complete: the run in flight finished and was
    // recorded before exit.
    let journal = fs::read_to_string(t.join("stopped/journal.jsonl")).expect("journal");
    assert!(journal.ends_with('\n'));
    let lines = journal.lines().count();
    assert!((2..121).contains(&lines), "{lines} lines");
    for line in journal.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a complete JSON line");
    }
    assert!(!t.join("stopped/runs.csv").exists());

    sweep_ok(t, &[arg(&scenario), "--out", "stopped", "--resume"]);
    sweep_ok(t, &[arg(&scenario), "--out", "whole"]);
    assert_same_files(&t.join("stopped"), &t.join("whole"));
}

#[test]
fn latin_hypercube_points_are_stratified_and_reproducible() {
    let tmp = TempDir::new("sweep-lhs");
    let t = tmp.path();
    let scenario = scenario_with(
        t,
        "lhs.toml",
        &[("horizon_days = 20", "horizon_days = 15")],
        "[sweep]\nmethod = \"lhs\"\nsamples = 8\nseed = 11\nreplications = 1\n\
         [sweep.parameters]\n\"platforms[0].commission\" = { min = 0.05, max = 0.25 }\n\
         \"market.consumers\" = { min = 100, max = 899 }\n",
    );
    sweep_ok(t, &[arg(&scenario), "--out", "a"]);
    sweep_ok(t, &[arg(&scenario), "--out", "b", "--threads", "1"]);
    assert_same_files(&t.join("a"), &t.join("b"));
    let points = fs::read_to_string(t.join("a/points.csv")).expect("points.csv");
    let rows: Vec<Vec<f64>> = points
        .lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .skip(1)
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 8);
    for (j, (lo, width)) in [(0.05, 0.2), (100.0, 800.0)].into_iter().enumerate() {
        let mut strata: Vec<usize> = rows
            .iter()
            .map(|r| ((r[j] - lo) / width * 8.0) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(
            strata,
            (0..8).collect::<Vec<_>>(),
            "parameter {j}: {points}"
        );
    }
    // Counts stay whole numbers.
    assert!(
        points
            .lines()
            .skip(1)
            .all(|l| !l.rsplit(',').next().unwrap_or(".").contains('.'))
    );
    let runs = fs::read_to_string(t.join("a/runs.csv")).expect("runs.csv");
    assert_eq!(runs.lines().count(), 1 + 8 * 2);
}

/// (case, [sweep] table, substrings the message must hold)
const BAD_SWEEPS: &[(&str, &str, &[&str])] = &[
    (
        "path past the end of a list",
        "[sweep]\n[sweep.parameters]\n\"platforms[9].cash\" = [1.0, 2.0]\n",
        &[
            "sweep.parameters.\"platforms[9].cash\"",
            "out of range",
            ":49:",
        ],
    ),
    (
        "misspelt key",
        "[sweep]\n[sweep.parameters]\n\"platforms[0].comission\" = [0.1]\n",
        &[
            "sweep.parameters.\"platforms[0].comission\"",
            "did you mean `commission`",
        ],
    ),
    (
        "unknown top-level key",
        "[sweep]\n[sweep.parameters]\n\"markt.consumers\" = [100]\n",
        &["sweep.parameters.\"markt.consumers\"", "unknown key"],
    ),
    (
        "not a number",
        "[sweep]\n[sweep.parameters]\n\"platforms[0].name\" = [1, 2]\n",
        &["platforms[0].name", "not a numeric parameter"],
    ),
    (
        "value out of range",
        "[sweep]\n[sweep.parameters]\n\"platforms[0].commission\" = [0.1, 1.5]\n",
        &[
            "sweep.parameters.\"platforms[0].commission\"",
            "with value 1.5",
            "share between 0 and 1",
        ],
    ),
    (
        "empty list",
        "[sweep]\n[sweep.parameters]\n\"platforms[0].cash\" = []\n",
        &["sweep.parameters.\"platforms[0].cash\"", "empty", ":49:"],
    ),
    (
        "empty range",
        "[sweep]\nmethod = \"random\"\nsamples = 4\n[sweep.parameters]\n\
         \"platforms[0].cash\" = { min = 500.0, max = 100.0 }\n",
        &[
            "sweep.parameters.\"platforms[0].cash\"",
            "range is empty",
            ":51:",
        ],
    ),
    (
        "unknown method",
        "[sweep]\nmethod = \"sobol\"\n[sweep.parameters]\n\"platforms[0].cash\" = [1.0]\n",
        &["sweep.method", "sobol", ":48:"],
    ),
    (
        "samples missing",
        "[sweep]\nmethod = \"lhs\"\n[sweep.parameters]\n\
         \"platforms[0].cash\" = { min = 1.0, max = 2.0 }\n",
        &["sweep.samples", "required"],
    ),
    (
        "no parameters",
        "[sweep]\nreplications = 2\n",
        &["sweep.parameters", "required"],
    ),
    (
        "conflicting values",
        "[sweep]\n[sweep.parameters]\n\"platforms[1].subsidy[0].to_day\" = [10, 20]\n\
         \"platforms[1].subsidy[0].from_day\" = [0, 12]\n",
        &[
            "to_day",
            "must be after from_day (12)",
            "1 of the sweep's 4 points",
        ],
    ),
];

#[test]
fn bad_sweep_tables_are_refused_before_anything_runs() {
    let tmp = TempDir::new("sweep-bad");
    let t = tmp.path();
    for (case, table, needles) in BAD_SWEEPS {
        let file = scenario_with(t, "bad.toml", &[], table);
        let o = flywheel(t, &["sweep", arg(&file), "--out", "out"]);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{case}: {stderr}");
        assert!(stderr.contains("bad.toml"), "{case}: {stderr}");
        for n in *needles {
            assert!(stderr.contains(n), "{case}: `{n}` missing from:\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        assert!(!t.join("out").exists(), "{case}: output written");
    }
    // A scenario without a [sweep] table.
    let o = flywheel(t, &["sweep", arg(&data("tiny.toml")), "--out", "out"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("no [sweep] table"), "{:?}", text(&o));
    // Bad --shard values.
    for shard in ["0/2", "3/2", "x"] {
        let o = flywheel(
            t,
            &[
                "sweep",
                arg(&data("sweep_grid.toml")),
                "--shard",
                shard,
                "--out",
                "out",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{shard}");
    }
    assert!(!t.join("out").exists());
}

#[test]
fn sweep_refuses_to_write_into_a_directory_that_is_not_a_sweep() {
    let tmp = TempDir::new("sweep-foreign");
    let t = tmp.path();
    fs::create_dir_all(t.join("precious")).expect("dir");
    fs::write(t.join("precious/notes.txt"), "keep me").expect("file");
    let s = data("sweep_grid.toml");
    for extra in [&[][..], &["--resume"][..]] {
        let mut args = vec!["sweep", arg(&s), "--out", "precious", "--quiet"];
        args.extend_from_slice(extra);
        let o = flywheel(t, &args);
        assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
        assert!(text(&o).1.contains("not a Flywheel sweep directory"));
    }
    assert_eq!(
        fs::read_to_string(t.join("precious/notes.txt"))
            .ok()
            .as_deref(),
        Some("keep me")
    );
    // A finished sweep is replaced by a new one.
    sweep_ok(t, &[arg(&s), "--out", "again"]);
    sweep_ok(t, &[arg(&s), "--out", "again"]);
    assert_eq!(manifest(&t.join("again"))["runs_resumed"], 0);
    // But not by a run's or a comparison's results, which would discard
    // its journal and tables.
    let before = files(&t.join("again"));
    for args in [
        vec!["run", arg(&s), "--out", "again", "--quiet"],
        vec!["compare", arg(&s), arg(&s), "--out", "again", "--quiet"],
    ] {
        let o = flywheel(t, &args);
        let (_, stderr) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("journal.jsonl"), "{args:?}: {stderr}");
    }
    assert_eq!(files(&t.join("again")), before);
}

#[test]
fn shipped_sweep_scenarios_are_valid_sweeps() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in fs::read_dir(root.join("scenarios")).expect("scenarios/") {
        let path = entry.expect("entry").path();
        let is_sweep = path.extension().is_some_and(|e| e == "toml")
            && fs::read_to_string(&path).is_ok_and(|t| t.contains("\n[sweep]"));
        if is_sweep {
            match flywheel::sweep::Sweep::load(&path) {
                Ok(s) => assert!(s.runs() > 0, "{}", path.display()),
                Err(e) => panic!("{e}"),
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 1,
        "expected at least scenarios/subsidy_sweep.toml"
    );
}
