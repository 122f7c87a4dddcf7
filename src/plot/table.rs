//! CSV result files read by column name. Result files gain columns as the
//! model grows, so nothing here depends on a column's position: a figure
//! asks for the columns it needs by name, extra columns are ignored, and a
//! missing column is reported by name (the caller decides whether that
//! skips a figure or refuses the directory).

use std::path::{Path, PathBuf};

use super::PlotError;

/// A whole CSV file held as text, with its header.
#[derive(Debug, Clone)]
pub struct Table {
    /// Where it was read from (for messages).
    pub path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Reads a CSV file with a header row. A file that cannot be parsed is
    /// bad input: the error names the file and the line.
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let bad =
            |why: String| PlotError::Input(format!("cannot read `{}`: {why}", path.display()));
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| bad(e.to_string()))?;
        let header = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(|e| bad(e.to_string()))?);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Builds a table from text (used by tests and by callers that already
    /// hold the file).
    pub fn from_text(name: &str, text: &str) -> Result<Table, PlotError> {
        let bad = |why: String| PlotError::Input(format!("cannot read `{name}`: {why}"));
        let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| bad(e.to_string()))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            rows.push(record.map_err(|e| bad(e.to_string()))?);
        }
        Ok(Table {
            path: PathBuf::from(name),
            header,
            rows,
        })
    }

    /// The column names, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the file has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Index of a column, if present.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Index of a column, or a message naming the file and the column.
    pub fn column(&self, name: &str) -> Result<usize, String> {
        self.find(name).ok_or_else(|| {
            format!(
                "`{}` has no `{name}` column",
                self.path.file_name().map_or_else(
                    || self.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            )
        })
    }

    /// Indices of several columns, or a message naming the first missing.
    pub fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N], String> {
        let mut out = [0; N];
        for (slot, name) in out.iter_mut().zip(names) {
            *slot = self.column(name)?;
        }
        Ok(out)
    }

    /// The rows, each as text fields.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(Row)
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a>(&'a csv::StringRecord);

impl<'a> Row<'a> {
    /// The text of a field (empty if the row is short).
    pub fn text(&self, column: usize) -> &'a str {
        self.0.get(column).unwrap_or("").trim()
    }

    /// A field as a finite number; `None` when empty (undefined) or not
    /// a number.
    pub fn number(&self, column: usize) -> Option<f64> {
        self.text(column)
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_whatever_their_position() {
        let t = Table::from_text("t.csv", "b,a,extra\n1,2,x\n,3.5,y\n").unwrap();
        let [a, b] = t.columns(["a", "b"]).unwrap();
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows[0].number(a), Some(2.0));
        assert_eq!(rows[1].number(a), Some(3.5));
        // An empty field is undefined, not zero.
        assert_eq!(rows[1].number(b), None);
        let missing = t.column("nope").unwrap_err();
        assert!(
            missing.contains("`nope`") && missing.contains("t.csv"),
            "{missing}"
        );
    }
}
