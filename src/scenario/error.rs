//! Errors in scenario input: each problem names the file, the key path, the
//! rule broken and, where the file gives it, the line.

use std::fmt;

/// One problem found in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Key path, e.g. `platforms[1].subsidy[0].per_order`; empty for
    /// problems with the file as a whole.
    pub path: String,
    /// The rule broken, in words.
    pub rule: String,
    /// 1-based line in the file, where known.
    pub line: Option<usize>,
    /// Where the value came from when not from the file (e.g. `--set`).
    pub origin: Option<String>,
}

/// Everything wrong with one scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file, as the user named it.
    pub file: String,
    /// The problems, in the order found.
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// An error with a single problem.
    pub fn single(file: &str, path: &str, rule: impl Into<String>, line: Option<usize>) -> Self {
        ScenarioError {
            file: file.to_string(),
            problems: vec![Problem {
                path: path.to_string(),
                rule: rule.into(),
                line,
                origin: None,
            }],
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(origin) = &self.origin {
            write!(f, "({origin}) ")?;
        }
        if self.path.is_empty() {
            write!(f, "{}", self.rule)
        } else {
            write!(f, "{}: {}", self.path, self.rule)
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "scenario file `{}` has {n} problem{}:",
            self.file,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            match p.line {
                Some(line) => write!(f, "\n  {}:{line}: {p}", self.file)?,
                None => write!(f, "\n  {}: {p}", self.file)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
