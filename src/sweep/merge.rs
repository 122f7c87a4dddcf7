//! Merging shard directories back into the files of one sweep.
//!
//! Each shard directory must be a finished shard (`manifest.json` written)
//! of the same sweep (same fingerprint and shard count), every shard `1/N`
//! … `N/N` must be given exactly once, and together they must hold every
//! run exactly once. The shards' journals are combined and rendered by the
//! same code as a sweep's own files, so the merged files are byte-identical
//! to those of the same sweep run unsharded. The output is written into a
//! hidden staging directory and moved into place when complete.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::files::{self, JOURNAL, POINTS_CSV, PointTable, SweepManifest};
use super::journal::{self, Header, Record};
use super::{Shard, SweepError};
use crate::metrics::HEADLINES;
use crate::metrics::columns::names;
use crate::metrics::tables::SUMMARY_METRICS;
use crate::metrics::write::{Cost, MANIFEST, OutputError, Staging, replaceable};

/// A finished merge.
#[derive(Debug, Clone)]
pub struct MergeReport {
    /// The merged directory.
    pub dir: PathBuf,
    /// Shards combined.
    pub shards: u32,
    /// Points in the sweep.
    pub points: u32,
    /// Replications per point.
    pub replications: u32,
    /// Runs that finished.
    pub succeeded: u64,
    /// Runs that failed.
    pub failed: u64,
    /// Files written.
    pub files: Vec<&'static str>,
}

struct ShardDir {
    dir: PathBuf,
    manifest: SweepManifest,
    header: Header,
    records: Vec<Record>,
}

fn refused(msg: String) -> SweepError {
    SweepError::Refused(msg)
}

fn output_error(e: OutputError) -> SweepError {
    SweepError::Io {
        action: "write",
        path: e.path,
        source: e.source,
    }
}

fn read_shard(dir: &Path) -> Result<ShardDir, SweepError> {
    let shown = dir.display();
    let journal_path = dir.join(JOURNAL);
    let manifest = match SweepManifest::read(dir) {
        Some(m) => m,
        None if journal_path.is_file() => {
            return Err(refused(format!(
                "`{shown}` is an unfinished sweep shard; finish it with `flywheel sweep … --resume`"
            )));
        }
        None => {
            return Err(refused(format!(
                "`{shown}` is not a sweep directory (no journal.jsonl and sweep manifest.json)"
            )));
        }
    };
    if !journal_path.is_file() {
        return Err(refused(format!(
            "`{shown}` holds merged results, not a shard (it has no journal.jsonl)"
        )));
    }
    let contents = journal::read(&journal_path)?;
    let header = contents
        .header
        .ok_or_else(|| refused(format!("journal `{}` is empty", journal_path.display())))?;
    if header.fingerprint != manifest.fingerprint || header.shard != manifest.shard {
        return Err(refused(format!(
            "`{shown}`: its journal and manifest describe different sweeps; rerun this shard"
        )));
    }
    Ok(ShardDir {
        dir: dir.to_path_buf(),
        manifest,
        header,
        records: contents.records,
    })
}

/// Header fields that must agree between shards: all but the shard's
/// index.
fn same_sweep(a: &Header, b: &Header) -> bool {
    let mut b = b.clone();
    b.shard.index = a.shard.index;
    *a == b
}

/// Combines the shard directories `dirs` into `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergeReport, SweepError> {
    let started = Instant::now();
    if dirs.is_empty() {
        return Err(refused("give at least one shard directory to merge".into()));
    }
    let same_path = |a: &Path, b: &Path| match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if dirs.iter().any(|d| same_path(d, out)) {
        return Err(refused(format!(
            "the output `{}` is one of the shard directories; choose another --out",
            out.display()
        )));
    }
    if !replaceable(out) {
        return Err(refused(format!(
            "output directory `{}` exists and is not a Flywheel results directory (no manifest.json); \
             choose another --out",
            out.display()
        )));
    }
    let shards = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &shards[0];
    let h = &first.header;
    for s in &shards[1..] {
        if !same_sweep(h, &s.header) {
            return Err(refused(format!(
                "`{}` and `{}` are not shards of the same sweep (their scenarios, [sweep] tables, \
                 shard counts or Flywheel versions differ)",
                first.dir.display(),
                s.dir.display()
            )));
        }
    }
    let metric_columns: Vec<String> = names(&SUMMARY_METRICS).map(str::to_string).collect();
    let headlines: Vec<String> = HEADLINES.iter().map(|x| x.name.to_string()).collect();
    if h.metric_columns != metric_columns || h.headlines != headlines {
        return Err(refused(format!(
            "the shards were written by Flywheel {} with other summary columns; merge them with that version",
            h.flywheel_version
        )));
    }

    // Every shard 1..=N exactly once.
    let count = h.shard.count;
    let mut by_index: BTreeMap<u32, &ShardDir> = BTreeMap::new();
    for s in &shards {
        if let Some(other) = by_index.insert(s.header.shard.index, s) {
            return Err(refused(format!(
                "shard {} is given twice: `{}` and `{}`",
                s.header.shard,
                other.dir.display(),
                s.dir.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !by_index.contains_key(k))
        .map(|k| Shard { index: k, count }.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(refused(format!(
            "shard(s) {} of the sweep are missing; give every shard directory",
            missing.join(", ")
        )));
    }

    // The same points in every shard.
    let points_bytes = fs::read(first.dir.join(POINTS_CSV))
        .map_err(SweepError::io("read", &first.dir.join(POINTS_CSV)))?;
    for s in &shards[1..] {
        let p = s.dir.join(POINTS_CSV);
        if fs::read(&p).map_err(SweepError::io("read", &p))? != points_bytes {
            return Err(refused(format!(
                "`{}` and `{}` list different points",
                first.dir.join(POINTS_CSV).display(),
                p.display()
            )));
        }
    }
    let points = PointTable::read(&first.dir.join(POINTS_CSV))?;
    if points.rows.len() != h.points as usize || points.parameters != h.parameters {
        return Err(refused(format!(
            "`{}` does not match its journal",
            first.dir.join(POINTS_CSV).display()
        )));
    }

    // Every run exactly once, each from the shard that owns it.
    let reps = u64::from(h.replications);
    let mut runs: BTreeMap<(u32, u32), Record> = BTreeMap::new();
    for s in &shards {
        let journal_path = s.dir.join(JOURNAL);
        let latest = files::latest(s.records.iter().cloned());
        files::check_records(&s.header, &latest, &journal_path)?;
        for (key, record) in latest {
            let run = u64::from(key.0) * reps + u64::from(key.1);
            if !s.header.shard.contains(run) {
                return Err(refused(format!(
                    "journal `{}` holds point {} replication {}, which belongs to another shard",
                    journal_path.display(),
                    key.0,
                    key.1
                )));
            }
            runs.insert(key, record);
        }
    }
    let total = u64::from(h.points) * reps;
    if (runs.len() as u64) < total {
        let example = (0..total)
            .map(|i| ((i / reps) as u32, (i % reps) as u32))
            .find(|k| !runs.contains_key(k))
            .unwrap_or_default();
        return Err(refused(format!(
            "the shards hold {} of {total} runs (missing, e.g., point {} replication {}); \
             finish every shard with `flywheel sweep … --resume`",
            runs.len(),
            example.0,
            example.1
        )));
    }

    let staging = Staging::create(out).map_err(output_error)?;
    let mut put = |name: &str, write: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
        staging.write_file(name, |w| write(w)).map_err(output_error)
    };
    let mut written = files::write_results(&mut put, h, &points, &runs, true)?;
    written.push(MANIFEST);
    let succeeded = runs.values().filter(|r| r.succeeded()).count() as u64;
    let failed = runs.len() as u64 - succeeded;
    let mut manifest = first.manifest.clone();
    manifest.shard = Shard::ALL;
    manifest.merged_from = shards.iter().map(|s| s.dir.display().to_string()).collect();
    manifest.runs_in_shard = total;
    manifest.runs_succeeded = succeeded;
    manifest.runs_failed = failed;
    manifest.runs_resumed = 0;
    manifest.threads = 0;
    manifest.cost = Cost::measure(
        shards.iter().map(|s| s.manifest.cost.events).sum(),
        started.elapsed().as_secs_f64(),
    );
    manifest.files = written.iter().map(|f| f.to_string()).collect();
    staging
        .write_file(MANIFEST, |w| manifest.render(w))
        .map_err(output_error)?;
    let dir = staging.commit().map_err(output_error)?;
    Ok(MergeReport {
        dir,
        shards: count,
        points: h.points,
        replications: h.replications,
        succeeded,
        failed,
        files: written,
    })
}
