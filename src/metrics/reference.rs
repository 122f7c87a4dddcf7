//! The results reference: every file a command writes, what one row of it
//! is, and its columns, rendered from the column tables themselves as
//! plain text (`flywheel params --results`) or Markdown
//! (`docs/results-reference.md`, and the file tables of the README). The
//! modules that write the files describe them ([`super::output::reference`],
//! `compare::reference`, `sweep::reference`); this module only renders.

use std::fmt::Write as _;

use super::columns::{ColumnDoc, Kind};

/// One result file as the reference describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDoc {
    /// File name (a contract, like the column names).
    pub name: &'static str,
    /// The command that writes it, and when.
    pub written_by: &'static str,
    /// What one row is (for a file without rows: what the file is for).
    pub row: &'static str,
    /// What else to know about the file, or for a file that is not a
    /// table (a manifest, a journal), what it holds.
    pub about: String,
    /// Its own columns, in order.
    pub columns: Vec<ColumnDoc>,
    /// A file whose columns follow these (`summary.csv` for the files that
    /// repeat the summary after their own keys).
    pub then: Option<&'static str>,
    /// Columns after those of `then` (a sweep's `lender`, added last so
    /// the summary's columns keep their places).
    pub after: Vec<ColumnDoc>,
}

impl FileDoc {
    /// A CSV file with the given columns.
    pub fn table(
        name: &'static str,
        written_by: &'static str,
        row: &'static str,
        about: impl Into<String>,
        columns: Vec<ColumnDoc>,
    ) -> FileDoc {
        FileDoc {
            name,
            written_by,
            row,
            about: about.into(),
            columns,
            then: None,
            after: Vec::new(),
        }
    }

    /// A file that is not a table (a manifest or journal).
    pub fn other(
        name: &'static str,
        written_by: &'static str,
        row: &'static str,
        holds: impl Into<String>,
    ) -> FileDoc {
        FileDoc::table(name, written_by, row, holds, Vec::new())
    }

    /// The same file, its columns followed by those of `file`.
    pub fn then(self, file: &'static str) -> FileDoc {
        FileDoc {
            then: Some(file),
            ..self
        }
    }

    /// The same file, with `columns` after those of its `then` file.
    pub fn followed_by(self, columns: Vec<ColumnDoc>) -> FileDoc {
        FileDoc {
            after: columns,
            ..self
        }
    }

    /// The columns cell of the file tables: the names in order, or what
    /// the file holds when it is not a table.
    fn columns_cell(&self) -> String {
        if self.columns.is_empty() {
            return self.about.clone();
        }
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        let after: Vec<&str> = self.after.iter().map(|c| c.name.as_str()).collect();
        match self.then {
            Some(file) if after.is_empty() => {
                format!("`{}`, then the columns of `{file}`", names.join(", "))
            }
            Some(file) => format!(
                "`{}`, then the columns of `{file}`, then `{}`",
                names.join(", "),
                after.join(", ")
            ),
            None => format!("`{}`", names.join(", ")),
        }
    }
}

const KINDS: [(Kind, &str); 6] = [
    (Kind::Int, "a whole number"),
    (
        Kind::Money,
        "yuan with exactly two decimals, printed from integer fen, so exact (`-12.05`)",
    ),
    (
        Kind::Fraction,
        "a share, ratio or rate, to six decimals (`0.250000`)",
    ),
    (
        Kind::Decimal,
        "another real in the column's unit, to six decimals (`-4.092500`)",
    ),
    (
        Kind::Exact,
        "a real in the shortest form that reads back to the same number (`0.1`, `3`)",
    ),
    (Kind::Text, "a name, status or message"),
];

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The table of `files` for the README: file, what a row is, columns.
pub fn overview(files: &[FileDoc]) -> String {
    let mut s = String::from("| file | one row per | columns |\n|---|---|---|\n");
    for f in files {
        let _ = writeln!(
            s,
            "| `{}` ({}) | {} | {} |",
            f.name,
            cell(f.written_by),
            cell(f.row),
            cell(&f.columns_cell())
        );
    }
    s
}

/// A Markdown table of `columns`: name, unit, format, meaning.
fn column_table(s: &mut String, columns: &[ColumnDoc]) {
    s.push_str("| column | unit | format | meaning |\n|---|---|---|---|\n");
    for c in columns {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            c.name,
            cell(&c.unit),
            cell(&c.format),
            cell(&c.doc)
        );
    }
}

/// The reference as Markdown: the text of `docs/results-reference.md`.
/// `groups` are the files of each command family, each with a title.
pub fn markdown(groups: &[(&str, Vec<FileDoc>)]) -> String {
    let mut s = String::from(
        "# Results reference\n\n\
         <!-- Generated by `flywheel params --results --markdown`; do not edit by hand. \
         Regenerate with: cargo run --release -- params --results --markdown > docs/results-reference.md -->\n\n\
         Every file the commands write, and every column of every CSV file, from the \
         column tables the writers use. Column names, file names and manifest keys are \
         stable: scripts may rely on them. An empty cell is a figure that is undefined \
         for that row.\n\n\
         ## How values are written\n\n\
         One rule for every file: a column's format decides how its values are written.\n\n\
         | format | what it is |\n|---|---|\n",
    );
    for (kind, what) in KINDS {
        let _ = writeln!(s, "| {} | {} |", kind.format(), cell(what));
    }
    for (title, files) in groups {
        let _ = write!(s, "\n## {title}\n\n{}", overview(files));
    }
    for (_, files) in groups {
        for f in files.iter().filter(|f| !f.columns.is_empty()) {
            let _ = write!(
                s,
                "\n## `{}`\n\nWritten by {}; one row per {}.",
                f.name, f.written_by, f.row
            );
            if !f.about.is_empty() {
                let _ = write!(s, " {}", f.about);
            }
            s.push_str("\n\n");
            column_table(&mut s, &f.columns);
            if let Some(then) = f.then {
                let _ = writeln!(s, "\nthen every column of `{then}`, in its order.");
            }
            if !f.after.is_empty() {
                s.push_str("\nthen:\n\n");
                column_table(&mut s, &f.after);
            }
        }
    }
    s
}

/// The reference as plain text for the terminal.
pub fn text(groups: &[(&str, Vec<FileDoc>)]) -> String {
    let mut s = String::new();
    for (title, files) in groups {
        let _ = writeln!(s, "{title}");
        for f in files {
            let _ = writeln!(
                s,
                "\n  {} ({}): one row per {}",
                f.name, f.written_by, f.row
            );
            if f.columns.is_empty() {
                let _ = writeln!(s, "    holds: {}", f.about);
                continue;
            }
            let width = f
                .columns
                .iter()
                .chain(&f.after)
                .map(|c| c.name.len())
                .max()
                .unwrap_or(0);
            let line = |s: &mut String, c: &ColumnDoc| {
                let unit = if c.unit.is_empty() {
                    String::new()
                } else {
                    format!("{}; ", c.unit)
                };
                let _ = writeln!(s, "    {:<width$}  {} [{unit}{}]", c.name, c.doc, c.format);
            };
            for c in &f.columns {
                line(&mut s, c);
            }
            if let Some(then) = f.then {
                let _ = writeln!(s, "    then every column of {then}");
            }
            for c in &f.after {
                line(&mut s, c);
            }
        }
        s.push('\n');
    }
    s
}
