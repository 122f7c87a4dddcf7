//! Finding where a key path sits in a scenario file, so messages can give
//! its line.
//!
//! Paths look like `platforms[1].subsidy[0].per_order`. A path that does not
//! exist in the file (a missing required key, a default that failed a rule)
//! resolves to its deepest existing ancestor.

use toml::de::{DeTable, DeValue};

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Most segments a key path may have. The deepest keys of a scenario take
/// six (`consumers.segments[0].price_sensitivity.lognormal.mean`); a path
/// is built into nested tables one level per segment, so a bound keeps an
/// absurd path from exhausting the stack.
pub(crate) const MAX_PATH_SEGMENTS: usize = 16;

/// Splits `a.b[2].c` into segments; `None` if the path is malformed or has
/// more than [`MAX_PATH_SEGMENTS`] segments.
pub fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        if segments.len() > MAX_PATH_SEGMENTS {
            return None;
        }
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() && (segments.is_empty() || rest.is_empty()) {
            return None;
        }
        if !key.is_empty() {
            segments.push(Segment::Key(key.to_string()));
        }
        while !rest.is_empty() {
            let close = rest.find(']')?;
            if !rest.starts_with('[') {
                return None;
            }
            segments.push(Segment::Index(rest[1..close].parse().ok()?));
            rest = &rest[close + 1..];
        }
    }
    if segments.is_empty() || segments.len() > MAX_PATH_SEGMENTS {
        None
    } else {
        Some(segments)
    }
}

/// [`parse_path`] for the paths of messages, in which a key that holds
/// dots or brackets is quoted: `optimize.variables."platforms[0].cash"`
/// names the key `platforms[0].cash` of table `optimize.variables`.
fn parse_quoted_path(path: &str) -> Option<Vec<Segment>> {
    let mut segments = Vec::new();
    let mut rest = path;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let close = quoted.find('"')?;
            segments.push(Segment::Key(quoted[..close].to_string()));
            rest = &quoted[close + 1..];
        } else {
            let end = rest.find(".\"").unwrap_or(rest.len());
            segments.extend(parse_path(&rest[..end])?);
            rest = &rest[end..];
        }
        if rest.is_empty() {
            break;
        }
        rest = rest.strip_prefix('.')?;
    }
    (segments.len() <= MAX_PATH_SEGMENTS).then_some(segments)
}

/// 1-based line of byte offset `offset` in `text`.
pub(crate) fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// 1-based line where `path` (or its deepest existing ancestor) is written
/// in `text`; `None` if the text does not parse or nothing of the path is
/// in it.
pub fn line_of_path(text: &str, path: &str) -> Option<usize> {
    let segments = parse_quoted_path(path)?;
    let root = DeTable::parse(text).ok()?;
    let mut span = None;
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    for seg in &segments {
        let next = match (seg, table, value) {
            (Segment::Key(k), Some(t), _) => {
                t.iter()
                    .find(|(key, _)| key.get_ref() == k)
                    .map(|(key, v)| {
                        // Prefer the key's own position: it is where the reader looks.
                        let key_span = key.span();
                        (
                            if key_span.is_empty() {
                                v.span()
                            } else {
                                key_span
                            },
                            v,
                        )
                    })
            }
            (Segment::Index(i), _, Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        let Some((s, v)) = next else { break };
        span = Some(s);
        value = Some(v.get_ref());
        table = v.get_ref().as_table();
    }
    span.map(|s| line_of_offset(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "seed = 1\n\n[market]\nconsumers = 5\n\n[[platforms]]\nname = \"A\"\n\n[[platforms]]\nname = \"B\"\n[[platforms.subsidy]]\nfrom_day = 0\nper_order = 5.0\n";

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("platforms[1].subsidy[0].per_order"),
            Some(vec![
                Segment::Key("platforms".into()),
                Segment::Index(1),
                Segment::Key("subsidy".into()),
                Segment::Index(0),
                Segment::Key("per_order".into()),
            ])
        );
        assert_eq!(parse_path(""), None);
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path("a[1"), None);
        let deepest = vec!["a"; MAX_PATH_SEGMENTS].join(".");
        assert_eq!(
            parse_path(&deepest).map(|s| s.len()),
            Some(MAX_PATH_SEGMENTS)
        );
        assert_eq!(parse_path(&format!("{deepest}.a")), None);
        assert_eq!(parse_path(&format!("{deepest}[0]")), None);
        assert_eq!(parse_path(&vec!["a"; 100_000].join(".")), None);
        assert_eq!(
            parse_quoted_path("optimize.variables.\"platforms[0].cash\""),
            Some(vec![
                Segment::Key("optimize".into()),
                Segment::Key("variables".into()),
                Segment::Key("platforms[0].cash".into()),
            ])
        );
        assert_eq!(
            parse_quoted_path("platforms[1].cash"),
            parse_path("platforms[1].cash")
        );
    }

    #[test]
    fn finds_lines() {
        assert_eq!(line_of_path(DOC, "seed"), Some(1));
        assert_eq!(line_of_path(DOC, "market.consumers"), Some(4));
        assert_eq!(line_of_path(DOC, "platforms[1].name"), Some(10));
        assert_eq!(
            line_of_path(DOC, "platforms[1].subsidy[0].per_order"),
            Some(13)
        );
        // Missing key: falls back to the deepest existing ancestor.
        assert_eq!(
            line_of_path(DOC, "market.merchants"),
            line_of_path(DOC, "market")
        );
        assert_eq!(line_of_path(DOC, "nothing"), None);
    }
}
