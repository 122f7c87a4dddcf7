//! Column tables: every CSV file Flywheel writes declares its columns once,
//! as a static slice of [`Column`]s (name, unit, kind, meaning, and how
//! the value is read from a record). The CSV writers, the results
//! reference (`flywheel params --results`, `docs/results-reference.md`)
//! and the tests all read those tables, so a column's name, position and
//! value cannot drift apart.
//!
//! **One rule decides how a value is written**: a column's [`Kind`]. Its
//! accessor returns a [`Value`] of that kind, and [`Value`]'s `Display` is
//! the only place where numbers become CSV text: counts as integers, money
//! with exactly two decimals from integer fen, fractions and other reals
//! to six decimals, exact reals in the shortest form that reads back to
//! the same `f64`, and an undefined figure as an empty cell. The terminal
//! tables print through [`printed`], the one rule for figures on screen
//! (decimals by kind, three significant digits for small fractions, and
//! [`UNDEFINED`] for a figure with no values).

use std::borrow::Borrow;
use std::fmt;
use std::io::{self, Write};

use super::stats::Estimate;
use crate::ledger::Money;

/// What a column holds, which decides how its values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number (a count, an index, a day, a seed).
    Int,
    /// Money: yuan with exactly two decimals, printed from integer fen.
    Money,
    /// A share, ratio or rate, to six decimals.
    Fraction,
    /// Another real number in the column's unit, to six decimals.
    Decimal,
    /// A real number in the shortest form that reads back exactly.
    Exact,
    /// Text (a name, a status, an error).
    Text,
}

impl Kind {
    /// How values of this kind are written, in words (for the reference).
    pub fn format(self) -> &'static str {
        match self {
            Kind::Int => "integer",
            Kind::Money => "money, 2 decimals",
            Kind::Fraction => "fraction, 6 decimals",
            Kind::Decimal => "6 decimals",
            Kind::Exact => "exact",
            Kind::Text => "text",
        }
    }
}

/// One cell's value, as read from a record; [`fmt::Display`] writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// A whole number.
    Int(u64),
    /// An amount of money.
    Money(Money),
    /// A share, ratio or rate.
    Fraction(f64),
    /// Another real number.
    Decimal(f64),
    /// A real number written exactly.
    Exact(f64),
    /// Text.
    Text(&'a str),
    /// Undefined for this record (an empty cell).
    Missing,
}

impl Value<'_> {
    /// The kind of column this value belongs in (`None` for a missing
    /// value, which belongs in any).
    pub fn kind(&self) -> Option<Kind> {
        match self {
            Value::Int(_) => Some(Kind::Int),
            Value::Money(_) => Some(Kind::Money),
            Value::Fraction(_) => Some(Kind::Fraction),
            Value::Decimal(_) => Some(Kind::Decimal),
            Value::Exact(_) => Some(Kind::Exact),
            Value::Text(_) => Some(Kind::Text),
            Value::Missing => None,
        }
    }
}

impl fmt::Display for Value<'_> {
    /// The CSV text of the value: the one rule for decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Money(m) => write!(f, "{m}"),
            Value::Fraction(x) | Value::Decimal(x) => write!(f, "{x:.6}"),
            Value::Exact(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
            Value::Missing => Ok(()),
        }
    }
}

/// A count from any unsigned integer type.
pub(crate) fn int(n: impl Into<u64>) -> Value<'static> {
    Value::Int(n.into())
}

/// An index (`usize`) as a count.
pub(crate) fn index(i: usize) -> Value<'static> {
    Value::Int(i as u64)
}

/// A value that may be undefined: `Missing` when it is.
pub(crate) fn maybe<'a, T>(v: Option<T>, f: impl FnOnce(T) -> Value<'a>) -> Value<'a> {
    v.map_or(Value::Missing, f)
}

/// One column of a CSV file, reading its value from a record `R`.
pub struct Column<R: ?Sized> {
    /// Header name (a contract: scripts and notebooks read it).
    pub name: &'static str,
    /// Unit, or empty where there is none.
    pub unit: &'static str,
    /// What the column holds, which decides how it is written.
    pub kind: Kind,
    /// What the value means, in one sentence.
    pub doc: &'static str,
    /// Reads the value from a record.
    pub read: for<'r> fn(&'r R) -> Value<'r>,
}

// Not derived: a derive would require `R: Clone`.
impl<R: ?Sized> Clone for Column<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: ?Sized> Copy for Column<R> {}

impl<R: ?Sized> fmt::Debug for Column<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Column")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A column as the reference documents it, whatever its record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDoc {
    /// Header name.
    pub name: String,
    /// Unit, or empty.
    pub unit: String,
    /// How it is written ([`Kind::format`]).
    pub format: String,
    /// What it means.
    pub doc: String,
}

impl<R: ?Sized> From<&Column<R>> for ColumnDoc {
    fn from(c: &Column<R>) -> ColumnDoc {
        ColumnDoc {
            name: c.name.to_string(),
            unit: c.unit.to_string(),
            format: c.kind.format().to_string(),
            doc: c.doc.to_string(),
        }
    }
}

/// The documentation of each column of `parts`, in file order.
pub fn docs<R: ?Sized>(columns: &[Column<R>]) -> Vec<ColumnDoc> {
    columns.iter().map(ColumnDoc::from).collect()
}

/// The header names of `columns`.
pub fn names<'c, R: ?Sized>(columns: &'c [Column<R>]) -> impl Iterator<Item = &'c str> + 'c {
    columns.iter().map(|c| c.name)
}

/// The values of `columns` read from `record`, in column order.
pub fn values<'r, R: ?Sized>(
    columns: &'r [Column<R>],
    record: &'r R,
) -> impl Iterator<Item = Value<'r>> {
    columns.iter().map(move |c| (c.read)(record))
}

/// The CSV text of `columns` read from `record` (as a sweep journal keeps
/// them).
pub fn cells<R: ?Sized>(columns: &[Column<R>], record: &R) -> Vec<String> {
    values(columns, record).map(|v| v.to_string()).collect()
}

/// A CSV file being written: a header, then rows of cells.
pub(crate) struct CsvOut<'w> {
    csv: csv::Writer<&'w mut dyn Write>,
    fields: Vec<String>,
}

impl<'w> CsvOut<'w> {
    /// Starts a file with the given header names.
    pub(crate) fn new<'n>(
        w: &'w mut dyn Write,
        header: impl IntoIterator<Item = &'n str>,
    ) -> io::Result<CsvOut<'w>> {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(header)?;
        Ok(CsvOut {
            csv,
            fields: Vec::new(),
        })
    }

    /// Writes one row of cells.
    pub(crate) fn row<'v>(&mut self, cells: impl IntoIterator<Item = Value<'v>>) -> io::Result<()> {
        self.fields.clear();
        self.fields.extend(cells.into_iter().map(|v| v.to_string()));
        // csv's errors become I/O errors of the same kind (a full disk
        // stays a full disk).
        Ok(self.csv.write_record(&self.fields)?)
    }

    /// Flushes the file.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.csv.flush()
    }
}

/// Writes a CSV file with one column per entry of `columns` and one row
/// per record.
pub(crate) fn write_table<R>(
    w: &mut dyn Write,
    columns: &[Column<R>],
    records: impl IntoIterator<Item = impl Borrow<R>>,
) -> io::Result<()> {
    let mut out = CsvOut::new(w, names(columns))?;
    for r in records {
        out.row(values(columns, r.borrow()))?;
    }
    out.finish()
}

/// Writes a CSV file whose columns are `keys` (identifying columns read
/// from a key record `K`) followed by `figures` (read from a record `F`),
/// one row per (key, figures) pair.
pub(crate) fn write_keyed<K, F>(
    w: &mut dyn Write,
    keys: &[Column<K>],
    figures: &[Column<F>],
    rows: impl IntoIterator<Item = (K, impl Borrow<F>)>,
) -> io::Result<()> {
    let mut out = CsvOut::new(w, names(keys).chain(names(figures)))?;
    for (k, f) in rows {
        out.row(values(keys, &k).chain(values(figures, f.borrow())))?;
    }
    out.finish()
}

/// Most decimals a figure gets on screen: as many as its CSV column has.
const MAX_SCREEN_DECIMALS: usize = 6;

/// Decimals of a figure of the given kind on screen, for a value of
/// magnitude `of`: the one rule for the terminal tables (the `run`
/// summary and the `compare` table). Fractions get three decimals, and
/// three significant digits below 0.1 (a default rate of 0.0039 shows as
/// `0.00390`, not `0.004`), up to six decimals.
pub(crate) fn screen_decimals(kind: Kind, of: f64) -> usize {
    match kind {
        Kind::Fraction => {
            let a = of.abs();
            if a >= 0.1 || a == 0.0 || !a.is_finite() {
                3
            } else {
                // 2 − ⌊log10 a⌋ decimals leave three significant digits.
                let d = 2 - a.log10().floor() as i64;
                (d.max(3) as usize).min(MAX_SCREEN_DECIMALS)
            }
        }
        Kind::Decimal | Kind::Exact => 2,
        Kind::Int | Kind::Money | Kind::Text => 0,
    }
}

/// How the terminal tables print a figure that is undefined (no lender,
/// no marketing, no cohort old enough): never as 0.
pub const UNDEFINED: &str = "—";

/// A figure of the given kind as the terminal tables print it: the mean
/// of its estimate, and `± half-width` (with as many decimals as the
/// mean) when the interval is defined. An estimate of no values (a
/// figure undefined in every replication) prints as [`UNDEFINED`].
pub fn printed(kind: Kind, e: &Estimate) -> String {
    if e.n == 0 {
        return UNDEFINED.to_string();
    }
    let d = screen_decimals(kind, e.mean);
    let mean = e.mean;
    match e.half_width {
        Some(h) => format!("{mean:.d$} {}", printed_half_width(kind, mean, h)),
        None => format!("{mean:.d$}"),
    }
}

/// A half-width alone as the terminal tables print it (`± 1.5`), with the
/// decimals of the figure `of` whose interval it is.
pub fn printed_half_width(kind: Kind, of: f64, half_width: f64) -> String {
    let d = screen_decimals(kind, of);
    format!("± {half_width:.d$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_one_text() {
        assert_eq!(Value::Int(42).to_string(), "42");
        assert_eq!(Value::Money(Money(-1205)).to_string(), "-12.05");
        assert_eq!(Value::Fraction(0.5).to_string(), "0.500000");
        assert_eq!(Value::Decimal(-4.0925).to_string(), "-4.092500");
        assert_eq!(Value::Exact(0.1).to_string(), "0.1");
        assert_eq!(Value::Exact(3.0).to_string(), "3");
        assert_eq!(Value::Text("Blue").to_string(), "Blue");
        assert_eq!(Value::Missing.to_string(), "");
    }

    fn est(n: usize, mean: f64, half_width: Option<f64>) -> Estimate {
        Estimate {
            n,
            mean,
            sd: 0.0,
            half_width,
        }
    }

    #[test]
    fn small_fractions_print_three_significant_digits() {
        // Regression: a default rate of 0.039 and an NPL ratio of 0.008
        // printed as `0 ± 0`.
        let f = Kind::Fraction;
        assert_eq!(printed(f, &est(4, 0.0391, Some(0.0052))), "0.0391 ± 0.0052");
        assert_eq!(
            printed(f, &est(4, 0.00812, Some(0.004))),
            "0.00812 ± 0.00400"
        );
        assert_eq!(printed(f, &est(4, 0.62, Some(0.0123))), "0.620 ± 0.012");
        assert_eq!(printed(f, &est(1, 0.0, None)), "0.000");
        assert_eq!(printed(f, &est(2, 1e-9, None)), "0.000000");
        assert_eq!(printed(f, &est(2, -0.0456, None)), "-0.0456");
        assert_eq!(
            printed(Kind::Money, &est(3, 1234.56, Some(7.8))),
            "1235 ± 8"
        );
        assert_eq!(printed(Kind::Decimal, &est(3, 12.345, None)), "12.35");
    }

    #[test]
    fn an_undefined_figure_prints_as_a_dash_never_zero() {
        for kind in [Kind::Fraction, Kind::Money, Kind::Int, Kind::Decimal] {
            assert_eq!(printed(kind, &est(0, 0.0, None)), UNDEFINED);
        }
    }
}
