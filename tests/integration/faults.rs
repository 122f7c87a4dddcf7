//! Faults while `flywheel run` writes or runs: an output directory that
//! cannot be created, a disk that fills up mid-write (a file-size limit in
//! the child process), SIGKILL and SIGINT during the simulation and during
//! the write. Whatever happens, no directory appears under the final name
//! unless it is complete (every CSV parses, the manifest lists what is
//! there), a previous complete results directory stays intact, and no
//! staging directory is left behind once the next run has cleaned up.

use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::Duration;

use crate::common::{TempDir, data, flywheel, text};

/// `flywheel run tiny.toml` with `extra` arguments, into `out`, quietly.
fn run_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<String> {
    let mut args = vec![
        "run".to_string(),
        data("tiny.toml").to_string_lossy().into_owned(),
        "--out".to_string(),
        out.to_string(),
        "--quiet".to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// A run of a few seconds with one thread: 200,000 consumers, 8
/// replications.
const SLOW: &[&str] = &[
    "--threads",
    "1",
    "--replications",
    "8",
    "--set",
    "market.consumers=200000",
];

/// A run that simulates quickly but writes a large `timeseries.csv`
/// (about 20 MB), so its write phase can be caught.
const BIG_OUTPUT: &[&str] = &[
    "--threads",
    "1",
    "--replications",
    "400",
    "--set",
    "market.consumers=50",
    "--set",
    "horizon_days=365",
];

fn spawn(dir: &Path, args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_flywheel"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the flywheel binary starts")
}

fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(pid, sig);
    }
}

fn finish(child: Child) -> (ExitStatus, String) {
    let out = child.wait_with_output().expect("wait");
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Entries of `dir` whose names start with `.` (staging and old copies).
fn hidden(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|e| {
            e.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until a staging directory appears in `dir` or `child` exits;
/// true if it appeared. Polls; no wall-clock limit beyond the run's own
/// length.
fn wait_for_staging(dir: &Path, child: &mut Child) -> bool {
    loop {
        if hidden(dir).iter().any(|n| n.contains(".partial-")) {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        sleep(Duration::from_millis(1));
    }
}

/// Checks that `dir` is a complete results directory: the manifest parses
/// and lists exactly the files present, and every CSV parses with rows as
/// wide as its header. Returns the manifest's bytes.
fn assert_complete(dir: &Path) -> Vec<u8> {
    let manifest = fs::read(dir.join("manifest.json")).expect("manifest.json is present");
    let json: serde_json::Value = serde_json::from_slice(&manifest).expect("manifest parses");
    let mut listed: Vec<String> = json["files"]
        .as_array()
        .expect("manifest lists files")
        .iter()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    listed.sort();
    let mut present: Vec<String> = fs::read_dir(dir)
        .expect("results directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    assert_eq!(listed, present, "files in {}", dir.display());
    for file in present.iter().filter(|f| f.ends_with(".csv")) {
        let mut reader = csv::Reader::from_path(dir.join(file)).expect("csv opens");
        let width = reader.headers().expect("csv header").len();
        let mut rows = 0;
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(record.len(), width, "{file} row {rows}");
            rows += 1;
        }
        assert!(rows > 0 || file == "cohorts.csv", "{file} has no rows");
    }
    manifest
}

/// A complete results directory at `tmp/out`, from a quick run; returns
/// its manifest.
fn previous_results(tmp: &Path) -> Vec<u8> {
    let o = flywheel(
        tmp,
        &[
            "run",
            data("tiny.toml").to_str().unwrap_or_default(),
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert_complete(&tmp.join("out"))
}

/// After a fault: either the previous results are intact (`previous`) or,
/// without previous results, nothing is under the final name; and the
/// next run to the same place removes any staging directory left behind.
fn assert_untouched(tmp: &Path, previous: Option<&[u8]>) {
    let out = tmp.join("out");
    match previous {
        Some(manifest) => assert_eq!(assert_complete(&out), manifest, "previous results changed"),
        None => assert!(!out.exists(), "a results directory appeared"),
    }
    let o = flywheel(
        tmp,
        &[
            "run",
            data("tiny.toml").to_str().unwrap_or_default(),
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert_complete(&out);
    assert_eq!(
        hidden(tmp),
        Vec::<String>::new(),
        "left behind after the next run"
    );
}

#[test]
fn an_output_directory_that_cannot_be_created_is_an_error_naming_it() {
    let tmp = TempDir::new("fault-unwritable");
    fs::write(tmp.path().join("blocker"), "").expect("file");
    // (output, the name the message must give)
    let mut outs = vec![("blocker/out", "blocker")];
    // Not even root may create directories in /proc.
    if Path::new("/proc/self").exists() {
        outs.push(("/proc/self/flywheel-results", "flywheel-results"));
    }
    for (out, name) in outs {
        let o = Command::new(env!("CARGO_BIN_EXE_flywheel"))
            .args(run_args(out, &[]))
            .current_dir(tmp.path())
            .output()
            .expect("runs");
        let (_, stderr) = text(&o);
        // Found before the simulation runs, as bad input.
        assert_eq!(o.status.code(), Some(2), "{out}: {stderr}");
        assert!(stderr.contains("cannot write results"), "{stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(hidden(tmp.path()), Vec::<String>::new());
}

/// Runs `flywheel run` into `tmp/out` with the size of any file it writes
/// limited to `bytes` (as on a full disk, writes fail with EFBIG).
fn run_with_file_size_limit(tmp: &Path, bytes: u64) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flywheel"));
    command.args(run_args("out", &[])).current_dir(tmp);
    // SAFETY: the hook runs in the child between fork and exec and only
    // calls async-signal-safe functions (signal, setrlimit).
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.output().expect("runs")
}

#[test]
fn a_full_disk_mid_write_leaves_no_partial_results() {
    let tmp = TempDir::new("fault-full-disk");
    // summary.csv fits in 4 KiB; timeseries.csv does not.
    let o = run_with_file_size_limit(tmp.path(), 4096);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("timeseries.csv"),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("too large"), "says why: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!tmp.path().join("out").exists());
    assert_eq!(hidden(tmp.path()), Vec::<String>::new(), "staging removed");

    // With previous results in place, they survive the failed write.
    let previous = previous_results(tmp.path());
    let o = run_with_file_size_limit(tmp.path(), 4096);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert_untouched(tmp.path(), Some(&previous));
}

#[test]
fn sigkill_during_the_simulation_leaves_nothing() {
    let tmp = TempDir::new("fault-kill-sim");
    for with_previous in [false, true] {
        let previous = with_previous.then(|| previous_results(tmp.path()));
        let mut child = spawn(tmp.path(), &run_args("out", SLOW));
        sleep(Duration::from_millis(200));
        signal(&child, libc::SIGKILL);
        let _ = child.wait();
        assert_untouched(tmp.path(), previous.as_deref());
        fs::remove_dir_all(tmp.path().join("out")).expect("clean");
    }
}

#[test]
fn sigkill_during_the_write_never_leaves_partial_results() {
    let tmp = TempDir::new("fault-kill-write");
    for with_previous in [false, true] {
        let previous = with_previous.then(|| previous_results(tmp.path()));
        let mut child = spawn(tmp.path(), &run_args("out", BIG_OUTPUT));
        let caught = wait_for_staging(tmp.path(), &mut child);
        signal(&child, libc::SIGKILL);
        let (status, _) = finish(child);
        if caught && status.signal() == Some(libc::SIGKILL) {
            assert_untouched(tmp.path(), previous.as_deref());
        } else {
            // It finished first: its results are complete.
            assert_complete(&tmp.path().join("out"));
        }
        fs::remove_dir_all(tmp.path().join("out")).ok();
    }
}

#[test]
fn sigint_during_the_simulation_stops_cleanly_with_exit_130() {
    let tmp = TempDir::new("fault-int-sim");
    for with_previous in [false, true] {
        let previous = with_previous.then(|| previous_results(tmp.path()));
        let child = spawn(tmp.path(), &run_args("out", SLOW));
        sleep(Duration::from_millis(200));
        signal(&child, libc::SIGINT);
        let (status, stderr) = finish(child);
        assert_eq!(status.code(), Some(130), "{stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(hidden(tmp.path()), Vec::<String>::new());
        assert_untouched(tmp.path(), previous.as_deref());
        fs::remove_dir_all(tmp.path().join("out")).expect("clean");
    }
}

#[test]
fn sigint_during_the_write_lets_it_finish() {
    let tmp = TempDir::new("fault-int-write");
    let mut child = spawn(tmp.path(), &run_args("out", BIG_OUTPUT));
    wait_for_staging(tmp.path(), &mut child);
    signal(&child, libc::SIGINT);
    let (status, stderr) = finish(child);
    assert!(!stderr.contains("panicked"), "{stderr}");
    match status.code() {
        // The write had started: it finished.
        Some(0) => {
            assert_complete(&tmp.path().join("out"));
        }
        // Stopped just before it began: nothing was written.
        Some(130) => assert!(!tmp.path().join("out").exists()),
        other => panic!("exit {other:?}: {stderr}"),
    }
    assert_eq!(hidden(tmp.path()), Vec::<String>::new(), "no staging left");
}
