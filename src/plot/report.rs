//! `flywheel report DIR`: one self-contained HTML page of a results
//! directory — the summary table (means ± 95% intervals, printed as the
//! terminal prints them), the lenders when there are any, the comparison
//! or sweep tables, every figure `flywheel plot` draws (inline SVG), the
//! scenario as TOML and the manifest — that a strategy team can mail
//! around. The page makes no request of any kind: styles are inline, the
//! figures are inline SVG, and text uses the reader's own sans-serif
//! font, so it opens offline. It is written under a hidden temporary
//! name and renamed, so a report under its final name is complete.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::table::Table;
use super::{PlotError, compare, contents, manifest, scenario_name, sweep};
use crate::metrics::HEADLINES;
use crate::metrics::columns::{Kind, printed};
use crate::metrics::stats::{Estimate, estimate};

/// Default file name of the report, inside the results directory.
pub const REPORT_HTML: &str = "report.html";

/// Writes the report of `dir` to `out` (default `DIR/report.html`) and
/// returns where it went, with the notes of figures skipped.
pub fn report(dir: &Path, out: Option<&Path>) -> Result<(PathBuf, Vec<String>), PlotError> {
    let (page, notes) = html(dir)?;
    let out = out.map_or_else(|| dir.join(REPORT_HTML), Path::to_path_buf);
    let (parent, file) = match (out.parent(), out.file_name()) {
        (Some(p), Some(f)) => (
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            },
            f.to_string_lossy().into_owned(),
        ),
        _ => {
            return Err(PlotError::Input(format!(
                "`{}` is not a file name for the report",
                out.display()
            )));
        }
    };
    std::fs::create_dir_all(parent)
        .map_err(|e| PlotError::Output(format!("cannot create `{}`: {e}", parent.display())))?;
    crate::metrics::write::write_file_atomically(parent, &file, |w| w.write_all(page.as_bytes()))
        .map_err(|e| PlotError::Output(format!("cannot write `{}`: {e}", out.display())))?;
    Ok((out, notes))
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;\
color:#222;line-height:1.4}h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;\
border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:1em 0;font-size:.92em}\
th,td{padding:.25em .7em;border-bottom:1px solid #e4e4e4;text-align:right;white-space:nowrap}\
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #999}\
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}\
.muted{color:#666}nav a{margin-right:1em}";

/// The whole page, with the notes of figures skipped.
pub fn html(dir: &Path) -> Result<(String, Vec<String>), PlotError> {
    let kind = contents(dir)?;
    let name = scenario_name(dir);
    let manifest = manifest(dir);
    let (figures, notes) = super::figures(dir)?;
    let mut body = String::new();
    let what = if kind.compare {
        "comparison"
    } else if kind.sweep {
        "parameter sweep"
    } else {
        "run"
    };
    let _ = write!(body, "<h1>{}</h1>", escape(&name));
    let version = manifest
        .as_ref()
        .and_then(|m| m["flywheel_version"].as_str())
        .map(|v| format!(", Flywheel {}", escape(v)))
        .unwrap_or_default();
    let reps = manifest
        .as_ref()
        .and_then(|m| m["replications"].as_u64())
        .map(|r| format!(", {r} replications"))
        .unwrap_or_default();
    let _ = write!(
        body,
        "<p class=\"muted\">Results of a {what}{reps}{version}, from <code>{}</code>.</p>",
        escape(&dir.display().to_string())
    );
    body.push_str(
        "<nav><a href=\"#tables\">Tables</a><a href=\"#figures\">Figures</a>\
         <a href=\"#scenario\">Scenario</a><a href=\"#manifest\">Manifest</a></nav>",
    );

    body.push_str("<h2 id=\"tables\">Tables</h2>");
    if kind.run {
        if let Some(t) = read(dir, "summary.csv")? {
            body.push_str(&summary_table(&t));
        }
        if let Some(t) = read(dir, "market.csv")? {
            body.push_str(&market_line(&t));
        }
        if let Some(t) = read(dir, "lenders.csv")? {
            body.push_str(&lender_table(&t));
        }
    }
    if kind.compare
        && let Some(t) = read(dir, compare::COMPARISON_CSV)?
    {
        body.push_str(&comparison_table(&t));
    }
    if kind.sweep
        && let Some(t) = read(dir, sweep::AGGREGATE_CSV)?
    {
        body.push_str(&sweep_table(&t));
    }

    body.push_str("<h2 id=\"figures\">Figures</h2>");
    for f in &figures {
        let svg = super::draw::svg(f)
            .map_err(|why| PlotError::Output(format!("cannot draw `{}`: {why}", f.name)))?;
        let _ = write!(
            body,
            "<figure id=\"figure-{}\">{}</figure>",
            escape(&f.name),
            inline_svg(&svg)
        );
    }
    if !notes.is_empty() {
        body.push_str("<p class=\"muted\">Not drawn:</p><ul class=\"muted\">");
        for n in &notes {
            let _ = write!(body, "<li>{}</li>", escape(n));
        }
        body.push_str("</ul>");
    }

    body.push_str("<h2 id=\"scenario\">Scenario</h2>");
    match &manifest {
        Some(m) if m["variants"].is_array() => {
            for v in m["variants"].as_array().into_iter().flatten() {
                let label = v["label"].as_str().unwrap_or("variant");
                let _ = write!(
                    body,
                    "<h3>{}</h3><pre>{}</pre>",
                    escape(label),
                    escape(&scenario_toml(&v["scenario"]))
                );
            }
        }
        Some(m) if !m["scenario"].is_null() => {
            let _ = write!(
                body,
                "<pre>{}</pre>",
                escape(&scenario_toml(&m["scenario"]))
            );
        }
        _ => body.push_str("<p class=\"muted\">The directory has no manifest.</p>"),
    }
    body.push_str("<h2 id=\"manifest\">Manifest</h2>");
    if let Some(m) = &manifest {
        let text = serde_json::to_string_pretty(m).unwrap_or_default();
        let _ = write!(body, "<pre>{}</pre>", escape(&text));
    }
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — Flywheel report</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        escape(&name)
    );
    Ok((page, notes))
}

fn read(dir: &Path, file: &str) -> Result<Option<Table>, PlotError> {
    let path = dir.join(file);
    if path.is_file() {
        Table::read(&path).map(Some)
    } else {
        Ok(None)
    }
}

/// An SVG document as an element of the HTML page: without the XML
/// declaration and the namespace declaration, which HTML does not need
/// (its parser puts `<svg>` in the SVG namespace itself).
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..]
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replace(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "")
}

/// The resolved scenario as TOML, as `flywheel validate --print` writes
/// it; pretty JSON if this version cannot read it back.
fn scenario_toml(scenario: &Value) -> String {
    serde_json::from_value::<crate::scenario::RawScenario>(scenario.clone())
        .ok()
        .and_then(|raw| crate::scenario::raw_toml(&raw).ok())
        .unwrap_or_else(|| serde_json::to_string_pretty(scenario).unwrap_or_default())
}

/// Values of `column` per group (in order of first appearance).
fn by_group(
    t: &Table,
    group: usize,
    value: impl Fn(&super::table::Row<'_>) -> Option<f64>,
) -> Vec<(String, Vec<f64>)> {
    let mut out: Vec<(String, Vec<f64>)> = Vec::new();
    for row in t.rows() {
        let name = row.text(group);
        let i = match out.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                out.push((name.to_string(), Vec::new()));
                out.len() - 1
            }
        };
        if let Some(v) = value(&row) {
            out[i].1.push(v);
        }
    }
    out
}

fn table_html(head: &[String], rows: &[Vec<String>]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", escape(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for c in r {
            let _ = write!(s, "<td>{}</td>", escape(c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
    s
}

/// The headline figures per platform, mean ± 95% half-width across
/// replications, as `flywheel run` prints them.
fn summary_table(t: &Table) -> String {
    let Some(platform) = t.find("platform") else {
        return String::new();
    };
    let names: Vec<String> = by_group(t, platform, |_| None)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut head = vec![String::new()];
    head.extend(names.iter().cloned());
    let mut rows = Vec::new();
    for h in HEADLINES {
        let values = if h.name == "exited" {
            t.find("exit_day").map(|c| {
                by_group(t, platform, |r| {
                    Some(if r.number(c).is_some() { 1.0 } else { 0.0 })
                })
            })
        } else {
            t.find(h.name)
                .map(|c| by_group(t, platform, |r| r.number(c)))
        };
        let Some(values) = values else { continue };
        let mut row = vec![h.label.to_string()];
        row.extend(
            values
                .iter()
                .map(|(_, v)| printed(h.kind, &estimate(v, 0.95))),
        );
        rows.push(row);
    }
    format!(
        "<h3>Summary</h3><p class=\"muted\">Mean ± 95% confidence half-width across \
         replications.</p>{}",
        table_html(&head, &rows)
    )
}

fn market_line(t: &Table) -> String {
    let column = |name: &str| -> Vec<f64> {
        t.find(name)
            .map(|c| t.rows().filter_map(|r| r.number(c)).collect())
            .unwrap_or_default()
    };
    let direct = column("direct_share");
    let members = column("member_orders");
    if direct.is_empty() {
        return String::new();
    }
    format!(
        "<p>Market: direct share of purchases {}, member orders {}.</p>",
        escape(&printed(Kind::Fraction, &estimate(&direct, 0.95))),
        escape(&printed(Kind::Int, &estimate(&members, 0.95)))
    )
}

/// Every lender's book, mean ± 95% half-width across replications.
fn lender_table(t: &Table) -> String {
    let Some(lender) = t.find("lender") else {
        return String::new();
    };
    const ROWS: [(&str, &str, Kind); 10] = [
        ("approval_rate", "approval rate", Kind::Fraction),
        ("loans_disbursed", "loans disbursed", Kind::Int),
        ("disbursed_amount", "disbursed (yuan)", Kind::Money),
        ("outstanding_end", "outstanding at end (yuan)", Kind::Money),
        ("default_rate", "default rate", Kind::Fraction),
        ("npl_ratio", "NPL ratio at end", Kind::Fraction),
        ("credit_loss", "credit losses (yuan)", Kind::Money),
        ("expected_loss", "expected loss (yuan)", Kind::Money),
        ("interest_income", "interest income (yuan)", Kind::Money),
        ("lending_profit", "lending profit (yuan)", Kind::Money),
    ];
    let names: Vec<String> = by_group(t, lender, |_| None)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut head = vec![String::new()];
    head.extend(names.iter().cloned());
    let rows: Vec<Vec<String>> = ROWS
        .iter()
        .filter_map(|&(column, label, kind)| {
            let c = t.find(column)?;
            let mut row = vec![label.to_string()];
            row.extend(
                by_group(t, lender, |r| r.number(c))
                    .iter()
                    .map(|(_, v)| printed(kind, &estimate(v, 0.95))),
            );
            Some(row)
        })
        .collect();
    format!(
        "<h3>Lenders</h3><p class=\"muted\">Mean ± 95% confidence half-width across \
         replications.</p>{}",
        table_html(&head, &rows)
    )
}

fn kind_of(metric: &str) -> Kind {
    HEADLINES
        .iter()
        .find(|h| h.name == metric)
        .map_or(Kind::Decimal, |h| h.kind)
}

/// An interval read back from its ends, printed as the terminal prints
/// an estimate.
fn interval(kind: Kind, mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> String {
    let Some(mean) = mean else {
        return String::new();
    };
    let half_width = low.zip(high).map(|(l, h)| (h - l) / 2.0);
    printed(
        kind,
        &Estimate {
            n: 2,
            mean,
            sd: 0.0,
            half_width,
        },
    )
}

fn comparison_table(t: &Table) -> String {
    let col = |n: &str| t.find(n);
    let (Some(metric), Some(platform), Some(variant)) =
        (col("metric"), col("platform"), col("variant"))
    else {
        return String::new();
    };
    let num = |r: &super::table::Row<'_>, n: &str| col(n).and_then(|c| r.number(c));
    let rows: Vec<Vec<String>> = t
        .rows()
        .map(|r| {
            let m = r.text(metric);
            let kind = kind_of(m);
            let unpaired = match (
                num(&r, "unpaired_diff_ci_low"),
                num(&r, "unpaired_diff_ci_high"),
            ) {
                (Some(l), Some(h)) => printed(
                    kind,
                    &Estimate {
                        n: 2,
                        mean: 0.0,
                        sd: 0.0,
                        half_width: Some((h - l) / 2.0),
                    },
                )
                .trim_start_matches(|c: char| c != '±')
                .to_string(),
                _ => String::new(),
            };
            vec![
                m.to_string(),
                r.text(platform).to_string(),
                r.text(variant).to_string(),
                interval(
                    kind,
                    num(&r, "mean"),
                    num(&r, "mean_ci_low"),
                    num(&r, "mean_ci_high"),
                ),
                interval(
                    kind,
                    num(&r, "diff_vs_first"),
                    num(&r, "diff_ci_low"),
                    num(&r, "diff_ci_high"),
                ),
                unpaired,
            ]
        })
        .collect();
    let head = [
        "metric",
        "platform",
        "variant",
        "mean ± 95%",
        "difference from first ± paired 95%",
        "unpaired 95%",
    ]
    .map(String::from);
    format!(
        "<h3>Comparison</h3><p class=\"muted\">Each variant's mean, and its difference from \
         the first variant with the paired (common random numbers) and unpaired (Welch) 95% \
         half-widths.</p>{}",
        table_html(&head, &rows)
    )
}

/// A few headline metrics at every sweep point and platform.
fn sweep_table(t: &Table) -> String {
    const METRICS: [&str; 5] = [
        "orders",
        "final_share",
        "cumulative_burn",
        "retention_90d",
        "exited",
    ];
    let point = t.find("point");
    let platform = t.find("platform");
    // Parameter columns: between `point` and `platform`.
    let params: Vec<usize> = match (point, platform) {
        (Some(p), Some(q)) if q > p + 1 => (p + 1..q).collect(),
        _ => Vec::new(),
    };
    let metrics: Vec<(&str, usize, Option<usize>, Option<usize>)> = METRICS
        .iter()
        .filter_map(|&m| {
            Some((
                m,
                t.find(&format!("{m}_mean"))?,
                t.find(&format!("{m}_ci_low")),
                t.find(&format!("{m}_ci_high")),
            ))
        })
        .collect();
    if metrics.is_empty() {
        return String::new();
    }
    let mut head: Vec<String> = point.map(|_| "point".to_string()).into_iter().collect();
    head.extend(params.iter().map(|&c| t.header()[c].clone()));
    head.extend(platform.map(|_| "platform".to_string()));
    head.extend(metrics.iter().map(|(m, ..)| format!("{m} ± 95%")));
    let rows: Vec<Vec<String>> = t
        .rows()
        .map(|r| {
            let mut row: Vec<String> = point.map(|c| r.text(c).to_string()).into_iter().collect();
            row.extend(params.iter().map(|&c| r.text(c).to_string()));
            row.extend(platform.map(|c| r.text(c).to_string()));
            row.extend(metrics.iter().map(|&(m, mean, low, high)| {
                interval(
                    kind_of(m),
                    r.number(mean),
                    low.and_then(|c| r.number(c)),
                    high.and_then(|c| r.number(c)),
                )
            }));
            row
        })
        .collect();
    format!(
        "<h3>Sweep points</h3><p class=\"muted\">Mean ± 95% confidence half-width over each \
         point's replications; every figure is in <code>aggregate.csv</code>.</p>{}",
        table_html(&head, &rows)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_svg_loses_its_namespace_urls() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" xmlns=\"http://www.w3.org/2000/svg\"><text>x</text></svg>";
        let inline = inline_svg(svg);
        assert!(inline.starts_with("<svg width=\"10\">"), "{inline}");
        assert!(!inline.contains("http"));
    }

    #[test]
    fn the_summary_table_prints_like_the_terminal() {
        let t = Table::from_text(
            "summary.csv",
            "replication,platform,orders,final_share,exit_day\n\
             0,A,100,0.5,\n0,B,50,0.5,30\n1,A,110,0.6,\n1,B,40,0.4,\n",
        )
        .unwrap();
        let html = summary_table(&t);
        assert!(html.contains("<th>A</th><th>B</th>"), "{html}");
        assert!(html.contains(&escape(&printed(
            Kind::Int,
            &estimate(&[100.0, 110.0], 0.95)
        ))));
        assert!(html.contains("exited"), "{html}");
    }
}
