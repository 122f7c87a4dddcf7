//! Helpers shared by the integration tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flywheel::scenario::{self, Scenario};

/// Path of a file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Loads a scenario from `tests/data`.
pub fn scenario(name: &str) -> Scenario {
    match scenario::load(&data(name), &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Loads a scenario from text.
pub fn scenario_from(text: &str) -> Scenario {
    match scenario::parse(text, "inline.toml", "inline", &[]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Runs the `flywheel` binary with `args` in `dir`.
pub fn flywheel(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the flywheel binary runs")
}

/// A fresh empty temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates `target/test-tmp/<name>-<pid>`.
    pub fn new(name: &str) -> TempDir {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Text of stdout and stderr.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs every replication of a scenario given as text, with overrides
/// written `KEY.PATH=VALUE`.
pub fn run_text(text: &str, sets: &[&str]) -> Vec<flywheel::metrics::RunOutput> {
    let overrides: Vec<scenario::Override> = sets
        .iter()
        .map(|s| scenario::Override::parse(s, "test").expect("override"))
        .collect();
    let s = match scenario::parse(text, "inline.toml", "inline", &overrides) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let options = flywheel::runner::RunOptions {
        threads: 2,
        journal: false,
    };
    flywheel::runner::run_all(&s, &options, &|| {}).expect("run")
}

/// Mean and standard error of the mean.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

/// Asserts that the mean of `high` exceeds the mean of `low` by more than
/// three standard errors of the difference (one-sided, α ≈ 0.0013).
pub fn assert_greater(what: &str, high: &[f64], low: &[f64]) {
    let (mh, sh) = mean_se(high);
    let (ml, sl) = mean_se(low);
    let se = (sh * sh + sl * sl).sqrt();
    assert!(
        mh - ml > 3.0 * se,
        "{what}: expected {mh:.4} (±{sh:.4}) to exceed {ml:.4} (±{sl:.4}) by 3 SE ({se:.4})"
    );
}

/// Rows of a CSV file, each a map from column name to text.
pub type Rows = Vec<HashMap<String, String>>;

/// Reads a CSV file with a header row.
pub fn read_csv(path: &Path) -> Rows {
    let mut reader = match csv::Reader::from_path(path) {
        Ok(r) => r,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let headers = reader.headers().cloned().unwrap_or_default();
    reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `tests/data/tiny.toml` (3 replications) into `dir/run` and returns
/// that directory.
pub fn tiny_run(dir: &Path) -> PathBuf {
    let scenario = data("tiny.toml");
    let o = flywheel(
        dir,
        &[
            "run",
            scenario.to_str().unwrap_or_default(),
            "--out",
            "run",
            "--replications",
            "3",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    dir.join("run")
}
