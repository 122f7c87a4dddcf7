//! Same scenario and seed ⇒ byte-identical result files, whatever the
//! thread count; and a golden summary pins the numbers of a tiny scenario.

use std::fs;
use std::path::Path;

use crate::common::{TempDir, data, flywheel, text};

fn run_into(dir: &Path, out: &str, threads: &str) -> (Vec<u8>, Vec<u8>) {
    let scenario = data("tiny.toml");
    let o = flywheel(
        dir,
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            out,
            "--threads",
            threads,
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    (
        fs::read(dir.join(out).join("summary.csv")).expect("summary.csv"),
        fs::read(dir.join(out).join("timeseries.csv")).expect("timeseries.csv"),
    )
}

#[test]
fn thread_count_does_not_change_result_files() {
    let tmp = TempDir::new("threads");
    let one = run_into(tmp.path(), "one", "1");
    let two = run_into(tmp.path(), "two", "2");
    let again = run_into(tmp.path(), "again", "2");
    assert!(
        one.0 == two.0,
        "summary.csv differs between 1 and 2 threads"
    );
    assert!(
        one.1 == two.1,
        "timeseries.csv differs between 1 and 2 threads"
    );
    assert!(two == again, "a rerun differs");
}

#[test]
fn golden_summary_of_tiny_scenario() {
    let tmp = TempDir::new("golden");
    let (summary, _) = run_into(tmp.path(), "out", "2");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tiny_summary.csv");
    if std::env::var_os("FLYWHEEL_BLESS").is_some() {
        fs::write(&golden, &summary).expect("write golden");
    }
    let expected = fs::read_to_string(&golden).expect("golden file (FLYWHEEL_BLESS=1 writes it)");
    assert_eq!(
        String::from_utf8_lossy(&summary),
        expected,
        "summary.csv of tests/data/tiny.toml changed; if intended, rerun with FLYWHEEL_BLESS=1"
    );
}
