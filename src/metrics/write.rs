//! Writing result directories safely, for `run`, `compare`, `sweep` and
//! `merge` alike: every file is written, flushed and synced before it
//! takes its final name, and a whole directory is staged next to its
//! destination and moved into place only when complete.
//!
//! A run or comparison directory is written into a hidden staging
//! directory (`.NAME.partial-PID`) that is renamed into place at the end.
//! A previous results directory is swapped out in one atomic step where
//! the system allows it (Linux `renameat2` with `RENAME_EXCHANGE`), so even
//! a process killed at that instant leaves either the old complete results
//! or the new ones. A staging directory left by a killed process is
//! removed by the next write to the same destination. A sweep, whose
//! directory also holds its journal, writes each file under a hidden
//! temporary name and renames it.
//!
//! This module also owns what every manifest says about where its results
//! came from ([`Build`], [`Cost`], [`override_texts`]); timing and memory
//! appear only in manifests, so the CSV files of a scenario and seed are
//! identical byte for byte on every machine and thread count.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::scenario::Override;

/// Name of the marker file that makes a directory a results directory.
pub const MANIFEST: &str = "manifest.json";

/// A failure to write results, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("cannot write results to `{path}`: {source}")]
pub struct OutputError {
    /// The file or directory.
    pub path: PathBuf,
    /// The I/O error.
    pub source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `path` with `write`, then flushes and syncs it to disk.
fn write_synced(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let f = fs::File::create(path).map_err(at(path))?;
    let mut w = BufWriter::new(f);
    write(&mut w).map_err(at(path))?;
    let f = w.into_inner().map_err(|e| OutputError {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    f.sync_all().map_err(at(path))
}

/// Writes `file` in `dir` under a hidden temporary name (`.FILE.partial`),
/// synced, then renamed into place: a file under its final name is always
/// complete.
pub(crate) fn write_file_atomically(
    dir: &Path,
    file: &str,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let tmp = dir.join(format!(".{file}.partial"));
    let target = dir.join(file);
    let written =
        write_synced(&tmp, write).and_then(|()| fs::rename(&tmp, &target).map_err(at(&target)));
    if written.is_err() {
        // A failed write (a full disk, a directory in the way) leaves
        // nothing behind under the temporary name.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Writes `value` as pretty JSON and a final newline (every manifest).
pub(crate) fn write_json(w: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value).map_err(io::Error::other)?;
    w.write_all(b"\n")
}

/// A hidden directory next to the destination that becomes the
/// destination on [`Staging::commit`], and is removed if dropped before.
#[derive(Debug)]
pub struct Staging {
    destination: PathBuf,
    dir: PathBuf,
    committed: bool,
}

fn sibling(destination: &Path, tag: &str) -> PathBuf {
    let name = destination
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".to_string());
    let parent = destination.parent().unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Whether `dir` may be replaced by new results: it does not exist, is
/// empty, or is a previous results directory (holds a manifest).
pub fn replaceable(dir: &Path) -> bool {
    match fs::read_dir(dir) {
        Err(_) => !dir.exists(),
        Ok(mut entries) => entries.next().is_none() || dir.join(MANIFEST).is_file(),
    }
}

/// Whether process `pid` is running, or `None` where this cannot be told
/// (no `/proc`).
fn process_running(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// Cleans up after a process killed while writing to `destination`: its
/// staging directory (`.NAME.partial-PID`) is removed, and the previous
/// results it had moved aside (`.NAME.old-PID`, only where the swap is not
/// atomic) are put back if nothing took their place, else removed. Only
/// directories of processes that no longer run are touched.
fn remove_stale(destination: &Path) {
    let Some(name) = destination.file_name().map(|n| n.to_string_lossy()) else {
        return;
    };
    let parent = match destination.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let dead = |rest: &str| {
        rest.parse::<u32>()
            .is_ok_and(|pid| pid != std::process::id() && process_running(pid) == Some(false))
    };
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if file
            .strip_prefix(&format!(".{name}.partial-"))
            .is_some_and(dead)
        {
            let _ = fs::remove_dir_all(&path);
        } else if file
            .strip_prefix(&format!(".{name}.old-"))
            .is_some_and(dead)
        {
            if destination.exists() {
                let _ = fs::remove_dir_all(&path);
            } else {
                // Killed between moving the old results aside and moving the
                // new ones in: the old ones are the latest complete results.
                let _ = fs::rename(&path, destination);
            }
        }
    }
}

/// Swaps two directories in one atomic step (Linux `renameat2` with
/// `RENAME_EXCHANGE`); an error where the system or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are NUL-terminated paths that outlive the call,
    // and `renameat2` neither keeps nor writes through them.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

impl Staging {
    /// Creates the staging directory for `destination`, first removing
    /// what killed writers left there.
    pub fn create(destination: &Path) -> Result<Staging, OutputError> {
        let dir = sibling(destination, "partial");
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent).map_err(at(parent))?;
        }
        remove_stale(destination);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(at(&dir))?;
        }
        fs::create_dir(&dir).map_err(at(&dir))?;
        Ok(Staging {
            destination: destination.to_path_buf(),
            dir,
            committed: false,
        })
    }

    /// Path of `file` inside the staging directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Writes a file into the staging directory with `write`, flushing and
    /// syncing it.
    pub fn write_file(
        &self,
        file: &str,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        write_synced(&self.path(file), write)
    }

    /// Moves the staging directory to the destination, replacing a previous
    /// results directory there: atomically where the system can swap two
    /// directories, else by moving the old one aside first.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let had_old = self.destination.exists();
        if had_old && exchange(&self.dir, &self.destination).is_ok() {
            self.committed = true;
            // The staging path now holds the previous results.
            let _ = fs::remove_dir_all(&self.dir);
            return Ok(self.destination.clone());
        }
        let old = sibling(&self.destination, "old");
        if had_old {
            fs::rename(&self.destination, &old).map_err(at(&self.destination))?;
        }
        fs::rename(&self.dir, &self.destination).map_err(at(&self.destination))?;
        self.committed = true;
        if had_old {
            // The new results are in place; a leftover old copy is harmless.
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.destination.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The build that wrote a results directory: the first keys of every
/// manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Build {
    /// Flywheel's version.
    pub flywheel_version: String,
    /// Source revision the binary was built from, if known.
    pub git_revision: Option<String>,
}

impl Build {
    /// This binary.
    pub fn current() -> Build {
        Build {
            flywheel_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision: option_env!("FLYWHEEL_GIT_REVISION").map(str::to_string),
        }
    }
}

/// What producing a results directory cost: events, wall-clock time and
/// memory. Every manifest records it; no CSV file does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Engine events processed.
    pub events: u64,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Events per wall-clock second (a run's manifest only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_per_second: Option<f64>,
    /// Peak resident memory of the process, in bytes, where known.
    pub peak_rss_bytes: Option<u64>,
}

impl Cost {
    /// `events` done in `wall_seconds`, with this process's peak memory so
    /// far.
    pub fn measure(events: u64, wall_seconds: f64) -> Cost {
        Cost {
            events,
            wall_seconds,
            events_per_second: None,
            peak_rss_bytes: peak_rss_bytes(),
        }
    }

    /// The same, with the event rate recorded too.
    pub fn with_rate(self) -> Cost {
        let rate = if self.wall_seconds > 0.0 {
            self.events as f64 / self.wall_seconds
        } else {
            0.0
        };
        Cost {
            events_per_second: Some(rate),
            ..self
        }
    }
}

/// Peak resident set size of this process (Linux `VmHWM`).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Overrides as a manifest lists them: `KEY.PATH=VALUE`, in order.
pub fn override_texts(overrides: &[Override]) -> Vec<String> {
    overrides
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("flywheel-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(dir)
            .map(|e| {
                e.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        n.sort();
        n
    }

    #[test]
    fn replacing_results_leaves_only_the_new_ones() {
        let dir = scratch("replace");
        let dest = dir.join("run");
        fs::create_dir_all(&dest).expect("dest");
        fs::write(dest.join(MANIFEST), "old").expect("old manifest");
        fs::write(dest.join("stale.csv"), "old").expect("old file");
        let staging = Staging::create(&dest).expect("staging");
        staging
            .write_file(MANIFEST, |w| w.write_all(b"new"))
            .expect("write");
        staging.commit().expect("commit");
        assert_eq!(names(&dir), vec!["run".to_string()]);
        assert_eq!(names(&dest), vec![MANIFEST.to_string()]);
        assert_eq!(
            fs::read_to_string(dest.join(MANIFEST)).ok().as_deref(),
            Some("new")
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn what_a_killed_writer_left_is_cleaned_up() {
        // Regression: a process killed while writing left its hidden staging
        // directory behind for good; and one killed between moving old
        // results aside and moving new ones in left no results at all.
        let dir = scratch("stale");
        let dest = dir.join("run");
        // No process has this id.
        let dead = u32::MAX;
        let partial = dir.join(format!(".run.partial-{dead}"));
        let old = dir.join(format!(".run.old-{dead}"));
        let other = dir.join(".other.partial-1");
        for d in [&partial, &old, &other] {
            fs::create_dir_all(d).expect("dir");
        }
        fs::write(old.join(MANIFEST), "previous").expect("manifest");
        if process_running(dead).is_none() {
            return; // no /proc: stale directories cannot be recognised
        }
        remove_stale(&dest);
        assert_eq!(
            names(&dir),
            vec![".other.partial-1".to_string(), "run".to_string()]
        );
        assert_eq!(
            fs::read_to_string(dest.join(MANIFEST)).ok().as_deref(),
            Some("previous")
        );
        // Our own staging directory is never taken for a stale one.
        let staging = Staging::create(&dest).expect("staging");
        remove_stale(&dest);
        assert!(staging.path("").exists());
        drop(staging);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_written_atomically_leaves_no_temporary_behind() {
        let dir = scratch("atomic");
        write_file_atomically(&dir, "a.csv", |w| w.write_all(b"x\n")).expect("write");
        assert_eq!(names(&dir), vec!["a.csv".to_string()]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_event_rate_is_recorded_only_when_asked_for() {
        // Only a run's manifest has `events_per_second`; compare and sweep
        // manifests must not gain the key.
        let plain = serde_json::to_value(Cost::measure(10, 2.0)).expect("json");
        assert!(plain.get("events_per_second").is_none());
        let rated = serde_json::to_value(Cost::measure(10, 2.0).with_rate()).expect("json");
        assert_eq!(rated["events_per_second"], 5.0);
    }
}
