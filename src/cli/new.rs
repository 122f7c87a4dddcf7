//! `flywheel new`: a scenario file to start from, written from one of the
//! embedded templates.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::CliError;
use crate::scenario;

/// The starting points of `flywheel new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// Two platforms fight with per-order coupons.
    SubsidyWar,
    /// A payments platform that lends to the merchants it settles for,
    /// against a bank that sees only what merchants report.
    Lending,
    /// Merchants' own membership programmes, and who holds the customer
    /// data, against a platform's coupons.
    Membership,
}

impl Template {
    /// Every template.
    pub const ALL: [Template; 3] = [
        Template::SubsidyWar,
        Template::Lending,
        Template::Membership,
    ];

    /// The template's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Template::SubsidyWar => "subsidy-war",
            Template::Lending => "lending",
            Template::Membership => "membership",
        }
    }

    /// The template's text (from `scenarios/templates/`).
    pub fn text(self) -> &'static str {
        match self {
            Template::SubsidyWar => include_str!("../../scenarios/templates/subsidy-war.toml"),
            Template::Lending => include_str!("../../scenarios/templates/lending.toml"),
            Template::Membership => include_str!("../../scenarios/templates/membership.toml"),
        }
    }
}

/// The template's text with its `name = ...` line set to `name`.
pub fn template_for(template: Template, name: &str) -> String {
    let mut done = false;
    let mut out = String::with_capacity(template.text().len());
    for line in template.text().lines() {
        if !done && line.trim_start().starts_with("name = ") {
            out.push_str(&format!("name = \"{name}\""));
            done = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Writes `dir/NAME.toml` from `template`, refusing to replace a file.
pub(super) fn new_scenario(
    name: &str,
    template: Template,
    dir: &Path,
) -> Result<PathBuf, CliError> {
    if !scenario::valid_name(name) {
        return Err(CliError::Input(format!(
            "scenario name `{name}` must be 1-64 characters of letters, digits, '-', '_' or '.', \
             not starting with '.'"
        )));
    }
    let text = template_for(template, name);
    // The templates are ours: one that does not load is a bug, not bad input.
    scenario::parse(&text, &format!("template {}", template.name()), name, &[])
        .map_err(|e| CliError::Internal(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::Input(format!("cannot create directory `{}`: {e}", dir.display()))
    })?;
    let path = dir.join(format!("{name}.toml"));
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CliError::Input(format!(
                "`{}` already exists; choose another name or --dir",
                path.display()
            )));
        }
        Err(e) => {
            return Err(CliError::Input(format!(
                "cannot create `{}`: {e}",
                path.display()
            )));
        }
    };
    if let Err(e) = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
    {
        // Never leave a half-written scenario behind.
        let _ = std::fs::remove_file(&path);
        return Err(CliError::Internal(format!(
            "cannot write `{}`: {e}",
            path.display()
        )));
    }
    Ok(path)
}
