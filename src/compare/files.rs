//! The files of a comparison directory: `comparison.csv` and
//! `summaries.csv`, declared as column tables, and `manifest.json`; staged
//! and moved into place like a run directory.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{COMPARISON_CSV, Comparison, Results, Row, SUMMARIES_CSV, Variant};
use crate::metrics::HEADLINES;
use crate::metrics::columns::{self, Column, CsvOut, Kind, Value, docs, maybe, names, write_table};
use crate::metrics::reference::FileDoc;
use crate::metrics::stats::Estimate;
use crate::metrics::tables::{Row as RunRow, SUMMARY_METRICS, summary_keys};
use crate::metrics::write::{
    Build, Cost, MANIFEST, OutputError, Staging, override_texts, write_json,
};
use crate::scenario::RawScenario;

const fn col(
    name: &'static str,
    kind: Kind,
    doc: &'static str,
    read: for<'r> fn(&'r Row) -> Value<'r>,
) -> Column<Row> {
    Column {
        name,
        unit: if matches!(kind, Kind::Text) {
            ""
        } else {
            "the metric's"
        },
        kind,
        doc,
        read,
    }
}

fn unpaired_end(r: &Row, sign: f64) -> Value<'_> {
    let end = r
        .unpaired
        .and_then(|d| d.half_width.map(|h| d.mean + sign * h));
    maybe(end, Value::Decimal)
}

/// The estimate when it has values (an estimate of none is empty).
fn defined(e: Option<Estimate>) -> Option<Estimate> {
    e.filter(|e| e.n > 0)
}

/// Columns of `comparison.csv`: one row per metric × platform (or lender
/// of its own) × variant, empty where a value does not exist. `lender`
/// comes last so the platform columns keep their places.
pub const COMPARISON_COLUMNS: [Column<Row>; 12] = [
    col(
        "metric",
        Kind::Text,
        "A headline figure: a `summary.csv` column name, or `exited` (the fraction of replications in which the platform ran out of cash).",
        |r| Value::Text(r.metric),
    ),
    col(
        "platform",
        Kind::Text,
        "Platform name; empty on a lender's row.",
        |r| maybe(r.platform.as_deref(), Value::Text),
    ),
    col(
        "variant",
        Kind::Text,
        "Variant label (its file name).",
        |r| Value::Text(&r.variant),
    ),
    col(
        "mean",
        Kind::Decimal,
        "Mean across the replications where the metric is defined; empty when it is defined in none, or the variant has no such platform or lender.",
        |r| maybe(defined(r.mean).map(|e| e.mean), Value::Decimal),
    ),
    col(
        "mean_ci_low",
        Kind::Decimal,
        "Low end of the mean's 95% interval.",
        |r| maybe(r.mean.and_then(|e| e.low()), Value::Decimal),
    ),
    col(
        "mean_ci_high",
        Kind::Decimal,
        "High end of the mean's 95% interval.",
        |r| maybe(r.mean.and_then(|e| e.high()), Value::Decimal),
    ),
    col(
        "diff_vs_first",
        Kind::Decimal,
        "The variant's mean minus the first variant's; empty for the first variant.",
        |r| maybe(defined(r.paired).map(|e| e.mean), Value::Decimal),
    ),
    col(
        "diff_ci_low",
        Kind::Decimal,
        "Low end of the paired 95% interval of the difference.",
        |r| maybe(r.paired.and_then(|e| e.low()), Value::Decimal),
    ),
    col(
        "diff_ci_high",
        Kind::Decimal,
        "High end of the paired 95% interval of the difference.",
        |r| maybe(r.paired.and_then(|e| e.high()), Value::Decimal),
    ),
    col(
        "unpaired_diff_ci_low",
        Kind::Decimal,
        "Low end of the unpaired (Welch) 95% interval of the same difference.",
        |r| unpaired_end(r, -1.0),
    ),
    col(
        "unpaired_diff_ci_high",
        Kind::Decimal,
        "High end of the unpaired (Welch) 95% interval of the same difference.",
        |r| unpaired_end(r, 1.0),
    ),
    col(
        "lender",
        Kind::Text,
        "A lender that is not a platform's lending arm (a bank), on the rows of its lending figures; empty on a platform's row (whose lending figures are its arm's).",
        |r| maybe(r.lender.as_deref(), Value::Text),
    ),
];

/// Writes `comparison.csv` (columns [`COMPARISON_COLUMNS`]): one row per
/// metric × platform (or lender of its own) × variant.
pub fn write_comparison(w: &mut dyn Write, c: &Comparison) -> io::Result<()> {
    write_table(w, &COMPARISON_COLUMNS, &c.rows)
}

/// The column that opens `summaries.csv`, before the columns of
/// `summary.csv`.
pub const VARIANT_COLUMN: [Column<str>; 1] = [Column {
    name: "variant",
    unit: "",
    kind: Kind::Text,
    doc: "Variant label (its file name).",
    read: |label| Value::Text(label),
}];

/// Writes `summaries.csv`: every variant's per-replication summary rows
/// (the variant, then the columns of `summary.csv`), so the pairing can be
/// checked by hand.
pub fn write_summaries(w: &mut dyn Write, results: &[Results]) -> io::Result<()> {
    let keys = summary_keys();
    let header = names(&VARIANT_COLUMN)
        .chain(names(&keys))
        .chain(names(&SUMMARY_METRICS));
    let mut out = CsvOut::new(w, header)?;
    for r in results {
        for run in r.runs {
            for row in RunRow::all(r.scenario, run, &run.summary) {
                out.row(
                    columns::values(&VARIANT_COLUMN, r.label)
                        .chain(columns::values(&keys, &row))
                        .chain(columns::values(&SUMMARY_METRICS, row.record)),
                )?;
            }
        }
    }
    out.finish()
}

/// What a comparison directory's manifest records about one variant.
#[derive(Debug, Serialize)]
pub struct VariantRecord<'a> {
    /// Label used in the tables.
    pub label: &'a str,
    /// The file as given.
    pub path: String,
    /// Overrides applied, as `KEY.PATH=VALUE`.
    pub overrides: Vec<String>,
    /// The fully resolved scenario.
    pub scenario: &'a RawScenario,
}

/// The manifest of a comparison directory: enough to reproduce it.
#[derive(Debug, Serialize)]
pub struct CompareManifest<'a> {
    /// Version and source revision of the binary.
    #[serde(flatten)]
    pub build: Build,
    /// Common seed.
    pub seed: u64,
    /// Replications per variant.
    pub replications: u32,
    /// The variants, first one first.
    pub variants: Vec<VariantRecord<'a>>,
    /// Worker threads used.
    pub threads: usize,
    /// Events over every run, wall-clock seconds of the simulations and
    /// peak memory.
    #[serde(flatten)]
    pub cost: Cost,
    /// Files in the directory.
    pub files: Vec<&'static str>,
}

impl<'a> CompareManifest<'a> {
    /// Builds the manifest of a finished comparison.
    pub fn new(
        variants: &'a [Variant],
        results: &[Results],
        threads: usize,
        wall_seconds: f64,
    ) -> CompareManifest<'a> {
        let events = results
            .iter()
            .flat_map(|r| r.runs.iter().map(|run| run.events))
            .sum();
        CompareManifest {
            build: Build::current(),
            seed: variants.first().map_or(0, |v| v.scenario.seed),
            replications: variants.first().map_or(0, |v| v.scenario.replications),
            variants: variants
                .iter()
                .map(|v| VariantRecord {
                    label: &v.label,
                    path: v.path.display().to_string(),
                    overrides: override_texts(&v.overrides),
                    scenario: &v.raw,
                })
                .collect(),
            threads,
            cost: Cost::measure(events, wall_seconds),
            files: vec![COMPARISON_CSV, SUMMARIES_CSV, MANIFEST],
        }
    }
}

fn headline_names() -> String {
    let names: Vec<String> = HEADLINES.iter().map(|h| format!("`{}`", h.name)).collect();
    names.join(", ")
}

/// The files of a comparison directory, for the results reference.
pub fn reference() -> Vec<FileDoc> {
    vec![
        FileDoc::table(
            COMPARISON_CSV,
            "`compare`",
            "metric × platform (or lender of its own) × variant",
            format!(
                "Platforms are matched by name; the first variant's difference cells are \
                 empty, as are the cells of a platform a variant does not have. A lender that \
                 is not a platform's lending arm (a bank) has rows of its own for the lending \
                 metrics, after the platforms' rows of each metric, with `platform` empty and \
                 its name in `lender`. The metrics, in reporting units (yuan for money, \
                 fractions for shares), are {}.",
                headline_names()
            ),
            docs(&COMPARISON_COLUMNS),
        ),
        FileDoc::table(
            SUMMARIES_CSV,
            "`compare`",
            "variant × replication × platform",
            "Every variant's `summary.csv` rows, so the pairing can be checked by hand.",
            docs(&VARIANT_COLUMN),
        )
        .then("summary.csv"),
        FileDoc::other(
            MANIFEST,
            "`compare`",
            "comparison",
            "version, git revision, common seed and replications, each variant's label, path, \
             overrides and resolved scenario, threads, events, wall seconds, peak memory",
        ),
    ]
}

/// Writes a complete comparison directory at `destination` (staged, then
/// moved into place).
pub fn write_compare_dir(
    destination: &Path,
    comparison: &Comparison,
    results: &[Results],
    manifest: &CompareManifest,
) -> Result<PathBuf, OutputError> {
    let staging = Staging::create(destination)?;
    staging.write_file(COMPARISON_CSV, |w| write_comparison(w, comparison))?;
    staging.write_file(SUMMARIES_CSV, |w| write_summaries(w, results))?;
    staging.write_file(MANIFEST, |w| write_json(w, manifest))?;
    staging.commit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::stats::Difference;

    #[test]
    fn comparison_columns_read_their_own_fields() {
        // Every figure differs, so two swapped columns cannot go unnoticed.
        let estimate = |mean: f64, half: f64| Estimate {
            n: 4,
            mean,
            sd: 9.0,
            half_width: Some(half),
        };
        let row = Row {
            metric: "gmv",
            platform: Some("Blue".into()),
            lender: None,
            variant: "b7".into(),
            first: false,
            mean: Some(estimate(10.0, 1.0)),
            paired: Some(estimate(-2.0, 0.5)),
            unpaired: Some(Difference {
                mean: -2.0,
                half_width: Some(3.0),
            }),
        };
        let got: Vec<String> = names(&COMPARISON_COLUMNS)
            .zip(columns::cells(&COMPARISON_COLUMNS, &row))
            .map(|(n, c)| format!("{n}={c}"))
            .collect();
        let expected = [
            "metric=gmv",
            "platform=Blue",
            "variant=b7",
            "mean=10.000000",
            "mean_ci_low=9.000000",
            "mean_ci_high=11.000000",
            "diff_vs_first=-2.000000",
            "diff_ci_low=-2.500000",
            "diff_ci_high=-1.500000",
            "unpaired_diff_ci_low=-5.000000",
            "unpaired_diff_ci_high=1.000000",
            "lender=",
        ];
        assert_eq!(got, expected);
        // A platform the variant lacks: every figure empty.
        let missing = Row {
            mean: None,
            paired: None,
            unpaired: None,
            ..row.clone()
        };
        let cells = columns::cells(&COMPARISON_COLUMNS, &missing);
        assert!(cells[3..].iter().all(String::is_empty), "{cells:?}");
        // A metric the variant defines in no replication: empty, not 0.
        let none = Estimate {
            n: 0,
            mean: 0.0,
            sd: 0.0,
            half_width: None,
        };
        let undefined = Row {
            mean: Some(none),
            paired: Some(none),
            unpaired: None,
            ..row
        };
        let cells = columns::cells(&COMPARISON_COLUMNS, &undefined);
        assert!(cells[3..].iter().all(String::is_empty), "{cells:?}");
    }
}
