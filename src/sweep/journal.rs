//! The sweep journal (`journal.jsonl`): one JSON line per finished run,
//! appended, flushed and synced to disk as each run completes, after a
//! header line that identifies the sweep and shard.
//!
//! The journal is what makes a sweep resumable: a sweep restarted with
//! `--resume` reads it, keeps every complete line, cuts off a line torn by
//! a kill in mid-write, and runs only what is missing. A journal written for
//! another sweep (the scenario or its `[sweep]` table changed, another
//! shard, other `--set` overrides, another Flywheel version or set of
//! summary columns) is refused.
//! It holds exactly what the result files need, so the same records always
//! render the same files.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{Shard, SweepError};

/// Format tag written in every journal header.
pub(crate) const FORMAT: &str = "flywheel-sweep-journal/2";

/// The first line: which sweep and shard the records belong to, and the
/// columns they hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// Version of Flywheel that wrote it.
    pub flywheel_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Hash of everything that determines the results (see
    /// `files::fingerprint`).
    pub fingerprint: String,
    /// The slice of the sweep this journal records.
    pub shard: Shard,
    /// Points in the whole sweep.
    pub points: u32,
    /// Replications per point.
    pub replications: u32,
    /// Platform names, in scenario order.
    pub platforms: Vec<String>,
    /// Names of the lenders reported in rows of their own (those that are
    /// not a platform's lending arm), in scenario order.
    pub lenders: Vec<String>,
    /// Overrides given on the command line (`--set`), as `KEY.PATH=VALUE`.
    pub overrides: Vec<String>,
    /// Swept parameter paths, in order.
    pub parameters: Vec<String>,
    /// Summary metric columns of each platform row.
    pub metric_columns: Vec<String>,
    /// Headline figures of each platform row.
    pub headlines: Vec<String>,
}

/// One platform's (or lender's) row of a finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlatformRow {
    /// Values of the summary metric columns, as written in `runs.csv`.
    pub fields: Vec<String>,
    /// Headline values in reporting units, in shortest round-trip form.
    pub headlines: Vec<String>,
}

/// One finished run: its summaries, or why it failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Record {
    /// The run completed.
    Run {
        /// Point id.
        point: u32,
        /// Replication index.
        replication: u32,
        /// The replication's seed.
        seed: u64,
        /// One row per platform, in scenario order.
        platforms: Vec<PlatformRow>,
        /// One row per lender of its own, in the header's order.
        lenders: Vec<PlatformRow>,
    },
    /// The run failed; the sweep went on.
    Failed {
        /// Point id.
        point: u32,
        /// Replication index.
        replication: u32,
        /// The replication's seed.
        seed: u64,
        /// The error, in words.
        error: String,
    },
}

impl Record {
    /// (point, replication): the run this record is about.
    pub(crate) fn key(&self) -> (u32, u32) {
        match self {
            Record::Run {
                point, replication, ..
            }
            | Record::Failed {
                point, replication, ..
            } => (*point, *replication),
        }
    }

    /// The replication's seed.
    pub(crate) fn seed(&self) -> u64 {
        match self {
            Record::Run { seed, .. } | Record::Failed { seed, .. } => *seed,
        }
    }

    /// Whether the run completed.
    pub(crate) fn succeeded(&self) -> bool {
        matches!(self, Record::Run { .. })
    }
}

/// What a journal file holds.
#[derive(Debug)]
pub(crate) struct Contents {
    /// The header, if a complete header line was written.
    pub header: Option<Header>,
    /// Every complete record, in the order written.
    pub records: Vec<Record>,
    /// Length of the file up to the end of the last complete line.
    pub valid_len: u64,
}

/// Reads a journal, keeping complete lines and ignoring a final line torn
/// by an interruption. A damaged line in the middle is an error.
pub(crate) fn read(path: &Path) -> Result<Contents, SweepError> {
    let file = File::open(path).map_err(SweepError::io("read", path))?;
    let mut reader = BufReader::new(file);
    let mut contents = Contents {
        header: None,
        records: Vec::new(),
        valid_len: 0,
    };
    let mut line = Vec::new();
    let mut line_no = 0usize;
    // A line that does not parse is tolerated only if nothing follows it.
    let mut pending_damage: Option<(usize, String)> = None;
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(SweepError::io("read", path))?;
        if n == 0 || line.last() != Some(&b'\n') {
            // End of file, or a last line cut short by a kill: ignore it.
            break;
        }
        line_no += 1;
        if let Some((at, why)) = pending_damage.take() {
            return Err(damaged(path, at, &why));
        }
        let body = &line[..line.len() - 1];
        if contents.header.is_none() {
            match serde_json::from_slice::<Header>(body) {
                Ok(h) if h.format == FORMAT => contents.header = Some(h),
                Ok(h) => {
                    return Err(SweepError::Refused(format!(
                        "journal `{}` has format `{}`; this Flywheel reads `{FORMAT}`",
                        path.display(),
                        h.format
                    )));
                }
                Err(e) => return Err(damaged(path, line_no, &e.to_string())),
            }
        } else {
            match serde_json::from_slice::<Record>(body) {
                Ok(r) => contents.records.push(r),
                // A line whose newline reached the disk but whose bytes did
                // not (a crash between the two) can only be the last one.
                Err(e) => {
                    pending_damage = Some((line_no, e.to_string()));
                    continue;
                }
            }
        }
        contents.valid_len += n as u64;
    }
    Ok(contents)
}

fn damaged(path: &Path, line: usize, why: &str) -> SweepError {
    SweepError::Refused(format!(
        "journal `{}` is damaged at line {line} ({why}); move it away and rerun the sweep",
        path.display()
    ))
}

/// An open journal, appended to by every worker.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    /// Held while a line is written, so lines never interleave; syncing
    /// happens outside it, so one worker's sync does not hold up another's
    /// write (and the file system can commit several at once).
    writing: Mutex<()>,
}

fn sync_dir(dir: &Path) -> Result<(), SweepError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(SweepError::io("sync", dir))
}

impl Journal {
    /// Opens the journal at `path` for appending, cutting it to `valid_len`
    /// bytes (dropping a torn last line), or creates it with `header` when
    /// `valid_len` is 0. Holds an exclusive lock so that two sweeps never
    /// write the same journal.
    pub(crate) fn open(
        path: &Path,
        header: &Header,
        valid_len: u64,
    ) -> Result<Journal, SweepError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(SweepError::io("open", path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(SweepError::Refused(format!(
                    "another sweep is writing `{}`; wait for it or choose another --out",
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(SweepError::io("lock", path)(e));
            }
        }
        let mut f = file;
        f.set_len(valid_len)
            .and_then(|()| f.seek(SeekFrom::Start(valid_len)).map(|_| ()))
            .map_err(SweepError::io("truncate", path))?;
        if valid_len == 0 {
            let mut line = serde_json::to_vec(header).map_err(|e| SweepError::Io {
                action: "encode",
                path: path.to_path_buf(),
                source: std::io::Error::other(e),
            })?;
            line.push(b'\n');
            f.write_all(&line)
                .and_then(|()| f.sync_all())
                .map_err(SweepError::io("write", path))?;
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file: f,
            writing: Mutex::new(()),
        })
    }

    /// Appends one record as a line, flushed and synced before returning.
    pub(crate) fn append(&self, record: &Record) -> Result<(), SweepError> {
        let mut line = serde_json::to_vec(record).map_err(|e| SweepError::Io {
            action: "encode",
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        {
            // A poisoned lock only means another worker panicked while
            // holding it; the file itself is still consistent line by line.
            let _guard = self.writing.lock().unwrap_or_else(|p| p.into_inner());
            (&self.file)
                .write_all(&line)
                .map_err(SweepError::io("append to", &self.path))?;
        }
        self.file
            .sync_data()
            .map_err(SweepError::io("sync", &self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: FORMAT.into(),
            flywheel_version: "0".into(),
            scenario: "t".into(),
            fingerprint: "f".into(),
            shard: Shard::ALL,
            points: 2,
            replications: 1,
            platforms: vec!["A".into()],
            lenders: vec![],
            overrides: vec![],
            parameters: vec!["x".into()],
            metric_columns: vec!["orders".into()],
            headlines: vec!["orders".into()],
        }
    }

    fn run(point: u32) -> Record {
        Record::Run {
            point,
            replication: 0,
            seed: 5,
            platforms: vec![PlatformRow {
                fields: vec!["3".into()],
                headlines: vec!["3".into()],
            }],
            lenders: vec![],
        }
    }

    #[test]
    fn torn_last_line_is_dropped_and_overwritten() {
        let dir = std::env::temp_dir().join(format!("flywheel-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("journal.jsonl");
        {
            let j = Journal::open(&path, &header(), 0).expect("create");
            j.append(&run(0)).expect("append");
        }
        // A kill in mid-write leaves half a line.
        let mut f = OpenOptions::new().append(true).open(&path).expect("open");
        f.write_all(br#"{"kind":"run","point":1,"repl"#)
            .expect("torn");
        drop(f);
        let c = read(&path).expect("read");
        assert_eq!(c.header, Some(header()));
        assert_eq!(c.records, vec![run(0)]);
        {
            let j = Journal::open(&path, &header(), c.valid_len).expect("reopen");
            j.append(&run(1)).expect("append");
        }
        let c = read(&path).expect("read again");
        assert_eq!(c.records, vec![run(0), run(1)]);
        // Damage in the middle is refused, not skipped.
        let text = std::fs::read_to_string(&path).expect("text");
        std::fs::write(&path, text.replacen("\"point\":0", "\"point\":", 1)).expect("damage");
        assert!(matches!(read(&path), Err(SweepError::Refused(m)) if m.contains("line 2")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
