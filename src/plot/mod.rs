//! Charts of a results directory: `flywheel plot DIR` reads the CSV files a
//! run or a sweep wrote and draws the standard figures into `DIR/figures/`.
//!
//! ```text
//!  DIR/*.csv ──► table::Table (columns by name) ──► run::figures / sweep::figures
//!                                                        │  Figure: panels of series
//!                                                        ▼  (numbers only, testable)
//!                                   draw::png / draw::svg ──► DIR/figures/<name>.<ext>
//! ```
//!
//! A directory holding `timeseries.csv` is a run directory; one holding
//! `points.csv` and `aggregate.csv` is a sweep directory; one holding
//! `comparison.csv` is a comparison directory; one holding `trials.csv`
//! is a search directory (`optimize`: a convergence figure; with
//! `path.csv`, `equilibrium`: also the best-response path; with
//! `fit.csv`, `calibrate`: observed against simulated for every target
//! and the loss landscape instead). Anything else is refused
//! as bad input. Figures whose files or columns are missing (for
//! example the lending figure of a run without lenders) are skipped with a
//! note, so new columns and files can arrive without breaking old results.
//! Each figure is rendered in memory, written under a hidden temporary
//! name and renamed, so no figure under its final name is ever partial.
//! Text uses a font compiled into the binary ([`font`]), never the
//! system's.

pub mod calibrate;
pub mod compare;
pub mod draw;
pub mod events;
pub mod figure;
pub mod font;
pub mod report;
pub mod run;
pub mod search;
pub mod sweep;
pub mod table;

use std::fs;
use std::path::{Path, PathBuf};

use figure::Figure;
use table::Table;

/// Name of the directory, inside the results directory, that figures are
/// written to.
pub const FIGURES_DIR: &str = "figures";

/// Image file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Portable Network Graphics (a bitmap).
    Png,
    /// Scalable Vector Graphics.
    Svg,
}

impl Format {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Why figures could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The directory or a file in it is not what a run or sweep writes:
    /// the user can fix it.
    #[error("{0}")]
    Input(String),
    /// Rendering or writing a figure failed.
    #[error("{0}")]
    Output(String),
}

/// What kind of results a directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    /// It holds a run's `timeseries.csv`.
    pub run: bool,
    /// It holds a sweep's `points.csv` and `aggregate.csv`.
    pub sweep: bool,
    /// It holds a comparison's `comparison.csv`.
    pub compare: bool,
    /// It holds a search's `trials.csv` (`optimize`, `equilibrium`).
    pub search: bool,
    /// It holds an equilibrium's `path.csv`.
    pub equilibrium: bool,
    /// It holds a calibration's `fit.csv` (with `trials.csv` and
    /// `estimates.csv`).
    pub calibrate: bool,
}

/// Looks at a directory and says what results it holds; refuses one that
/// holds neither a run nor a sweep.
pub fn contents(dir: &Path) -> Result<Contents, PlotError> {
    if !dir.is_dir() {
        return Err(PlotError::Input(format!(
            "`{}` is not a directory; give the results directory written by `flywheel run`, \
             `flywheel compare` or `flywheel sweep`",
            dir.display()
        )));
    }
    let c = Contents {
        run: dir.join("timeseries.csv").is_file(),
        sweep: dir.join(sweep::POINTS_CSV).is_file() && dir.join(sweep::AGGREGATE_CSV).is_file(),
        compare: dir.join(compare::COMPARISON_CSV).is_file(),
        search: dir.join(search::TRIALS_CSV).is_file(),
        equilibrium: dir.join(search::PATH_CSV).is_file(),
        calibrate: dir.join(calibrate::FIT_CSV).is_file(),
    };
    if !c.run && !c.sweep && !c.compare && !c.search {
        return Err(PlotError::Input(format!(
            "`{}` is not a Flywheel results directory: it has neither `timeseries.csv` (written \
             by `flywheel run`), `{}` (written by `flywheel compare`) nor `{}` and `{}` \
             (written by `flywheel sweep`), nor `{}` (written by `flywheel optimize`, \
             `flywheel equilibrium` and `flywheel calibrate`)",
            dir.display(),
            compare::COMPARISON_CSV,
            sweep::POINTS_CSV,
            sweep::AGGREGATE_CSV,
            search::TRIALS_CSV
        )));
    }
    Ok(c)
}

/// The directory's `manifest.json` as JSON, if it has a readable one.
pub fn manifest(dir: &Path) -> Option<serde_json::Value> {
    fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
}

/// The scenario name recorded in the directory's manifest, or else the
/// directory's own name.
pub fn scenario_name(dir: &Path) -> String {
    let from_manifest = manifest(dir).and_then(|m| {
        [
            &m["scenario_name"],
            &m["scenario"]["name"],
            &m["name"],
            &m["variants"][0]["scenario"]["name"],
        ]
        .into_iter()
        .find_map(|v| v.as_str().map(str::to_string))
    });
    from_manifest.unwrap_or_else(|| {
        dir.canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "results".to_string())
    })
}

fn optional_table(path: &Path) -> Result<Option<Table>, PlotError> {
    if path.is_file() {
        Table::read(path).map(Some)
    } else {
        Ok(None)
    }
}

/// Builds every figure the directory's files allow, with a note for each
/// figure skipped.
pub fn figures(dir: &Path) -> Result<(Vec<Figure>, Vec<String>), PlotError> {
    let kind = contents(dir)?;
    let scenario = scenario_name(dir);
    let mut notes = Vec::new();
    let mut figures = Vec::new();
    if kind.run {
        let files = run::RunFiles {
            scenario: scenario.clone(),
            timeseries: Table::read(&dir.join("timeseries.csv"))?,
            cohorts: optional_table(&dir.join("cohorts.csv"))?,
            lending: optional_table(&dir.join(run::LENDING_CSV))?,
            market: optional_table(&dir.join("market.csv"))?,
            summary: optional_table(&dir.join("summary.csv"))?,
            business_lines: optional_table(&dir.join(run::BUSINESS_LINES_CSV))?,
            products: optional_table(&dir.join(run::PRODUCTS_CSV))?,
            manifest: manifest(dir),
        };
        figures.extend(run::figures(&files, &mut notes));
    }
    if kind.compare {
        let table = Table::read(&dir.join(compare::COMPARISON_CSV))?;
        let replications = manifest(dir).and_then(|m| m["replications"].as_u64());
        figures.extend(
            compare::figures(&scenario, &table, replications, &mut notes)
                .map_err(|why| PlotError::Input(format!("`{}`: {why}", dir.display())))?,
        );
    }
    if kind.sweep {
        let files = sweep::SweepFiles {
            scenario: scenario.clone(),
            points: Table::read(&dir.join(sweep::POINTS_CSV))?,
            aggregate: Table::read(&dir.join(sweep::AGGREGATE_CSV))?,
            manifest: manifest(dir),
        };
        figures.extend(
            sweep::figures(&files, &mut notes)
                .map_err(|why| PlotError::Input(format!("`{}`: {why}", dir.display())))?,
        );
    }
    if kind.calibrate {
        let bad = |why: String| PlotError::Input(format!("`{}`: {why}", dir.display()));
        let fit = Table::read(&dir.join(calibrate::FIT_CSV))?;
        figures.push(calibrate::fit(&scenario, &fit).map_err(bad)?);
        let trials = Table::read(&dir.join(search::TRIALS_CSV))?;
        let estimates = Table::read(&dir.join(calibrate::ESTIMATES_CSV))?;
        figures.push(calibrate::landscape(&scenario, &trials, &estimates).map_err(bad)?);
    } else if kind.search {
        let bad = |why: String| PlotError::Input(format!("`{}`: {why}", dir.display()));
        let trials = Table::read(&dir.join(search::TRIALS_CSV))?;
        figures.push(search::convergence(&scenario, &trials).map_err(bad)?);
        if kind.equilibrium {
            let path = Table::read(&dir.join(search::PATH_CSV))?;
            figures.push(search::path(&scenario, &path).map_err(bad)?);
        }
    }
    if figures.is_empty() {
        return Err(PlotError::Input(format!(
            "no figure can be drawn from `{}`: {}",
            dir.display(),
            notes.join("; ")
        )));
    }
    Ok((figures, notes))
}

/// What [`plot`] wrote.
#[derive(Debug, Clone)]
pub struct Plotted {
    /// The figure files, in drawing order.
    pub written: Vec<PathBuf>,
    /// Figures skipped, and why.
    pub notes: Vec<String>,
}

/// Renders a figure in the given format.
pub fn render(figure: &Figure, format: Format) -> Result<Vec<u8>, PlotError> {
    let bytes = match format {
        Format::Png => draw::png(figure),
        Format::Svg => draw::svg(figure).map(String::into_bytes),
    };
    bytes.map_err(|why| PlotError::Output(format!("cannot draw `{}`: {why}", figure.name)))
}

/// Draws the standard figures of a run, comparison or sweep directory
/// into `DIR/figures/`.
pub fn plot(dir: &Path, format: Format) -> Result<Plotted, PlotError> {
    let (figures, notes) = figures(dir)?;
    let out = dir.join(FIGURES_DIR);
    let io = |path: &Path, e: std::io::Error| {
        PlotError::Output(format!("cannot write `{}`: {e}", path.display()))
    };
    fs::create_dir_all(&out).map_err(|e| io(&out, e))?;
    let mut written = Vec::new();
    for figure in &figures {
        let bytes = render(figure, format)?;
        let file = format!("{}.{}", figure.name, format.extension());
        let path = out.join(&file);
        let temporary = out.join(format!(".{file}.partial-{}", std::process::id()));
        if let Err(e) = fs::write(&temporary, &bytes).and_then(|()| fs::rename(&temporary, &path)) {
            let _ = fs::remove_file(&temporary);
            return Err(io(&path, e));
        }
        written.push(path);
    }
    Ok(Plotted { written, notes })
}
