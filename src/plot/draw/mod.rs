//! Rendering a [`Figure`] to PNG or SVG with plotters. Lines are told
//! apart by three things at once — lightness, dash pattern and marker
//! shape — so a figure still reads when printed in greyscale; ordered
//! groups (cohorts) use a ramp whose lightness changes steadily. The
//! legend goes in whichever corner of the axes holds the least data.

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendCoord, DrawingErrorKind};

use super::figure::{Event, EventKind, Figure, Interval, Look, Panel, Series};
use super::font::{self, FAMILY};

mod pens;
#[cfg(test)]
mod tests;

use pens::*;

/// Height of the title block with a one-line subtitle, in pixels.
const HEADER: u32 = 84;

/// Height of each further line of subtitle, in pixels.
const SUBTITLE_LINE: u32 = 21;

/// The subtitle broken into lines that fit a figure `width` pixels wide
/// (Liberation Sans at 16 px averages about 7 px a character).
fn subtitle_lines(subtitle: &str, width: u32) -> Vec<String> {
    let fits = (width.saturating_sub(48) * 10 / 72).max(20) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in subtitle.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn header_height(fig: &Figure, width: u32) -> u32 {
    let extra = subtitle_lines(&fig.subtitle, width).len().saturating_sub(1) as u32;
    HEADER + SUBTITLE_LINE * extra
}

/// Pixel size of a figure.
pub fn size(fig: &Figure) -> (u32, u32) {
    let (rows, cols) = grid(fig);
    let width = if cols == 1 { 1100 } else { 520 * cols as u32 };
    let panel_height = match (rows, cols) {
        (1, 1) => 560,
        (r, _) if r >= 3 => 340,
        _ => 420,
    };
    let width = width.max(1100);
    (
        width,
        header_height(fig, width) + rows as u32 * panel_height,
    )
}

fn grid(fig: &Figure) -> (usize, usize) {
    let n = fig.panels.len().max(1);
    let cols = fig.columns.clamp(1, n);
    (n.div_ceil(cols), cols)
}

/// Renders a figure as a PNG file's bytes.
pub fn png(fig: &Figure) -> Result<Vec<u8>, String> {
    font::register()?;
    let (w, h) = size(fig);
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        draw(&root, fig)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// Renders a figure as SVG text.
pub fn svg(fig: &Figure) -> Result<String, String> {
    font::register()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size(fig)).into_drawing_area();
        draw(&root, fig)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn failed<E: std::fmt::Display>(e: E) -> String {
    format!("drawing failed: {e}")
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<(), String> {
    root.fill(&WHITE).map_err(failed)?;
    let (width, _) = root.dim_in_pixel();
    let (header, body) = root.split_vertically(header_height(fig, width));
    let title = (FAMILY, 26).into_font().color(&BLACK);
    let subtitle = (FAMILY, 16).into_font().color(&RGBColor(70, 70, 70));
    header
        .draw_text(&fig.title, &title, (24, 14))
        .map_err(failed)?;
    for (i, line) in subtitle_lines(&fig.subtitle, width).iter().enumerate() {
        header
            .draw_text(line, &subtitle, (24, 52 + SUBTITLE_LINE as i32 * i as i32))
            .map_err(failed)?;
    }
    let (rows, cols) = grid(fig);
    let areas = body.split_evenly((rows, cols));
    for (panel, area) in fig.panels.iter().zip(&areas) {
        draw_panel(area, panel)?;
    }
    Ok(())
}

/// Horizontal extent of a panel.
fn x_range(panel: &Panel) -> (f64, f64) {
    if let Some(c) = &panel.x_categories {
        return (-0.5, c.len().max(1) as f64 - 0.5);
    }
    let xs = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 1.0, hi + 1.0);
    }
    let bars = panel.series.iter().any(|s| s.interval == Interval::Bars);
    let pad = if bars { 0.05 * (hi - lo) } else { 0.0 };
    (lo - pad, hi + pad)
}

/// Vertical extent of a panel: the fixed range if any, else the data with
/// a margin, starting at zero when the data are positive and not far
/// from it.
fn y_range(panel: &Panel) -> (f64, f64) {
    if let Some((lo, hi)) = panel.y_range {
        let pad = 0.02 * (hi - lo);
        return (lo - pad, hi + pad);
    }
    let (mut lo, mut hi) = panel
        .y_values()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if panel.zero_line {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    // Positive data start at zero unless they sit far from it; a flat
    // positive line (installed users, say) sits well above the axis.
    if lo >= 0.0 && (lo <= 0.35 * hi || hi - lo <= 0.02 * hi) {
        lo = 0.0;
    }
    if hi - lo < 1e-12 {
        let d = if hi.abs() > 1e-12 {
            0.1 * hi.abs()
        } else {
            1.0
        };
        return (lo - d, hi + d);
    }
    let pad = 0.06 * (hi - lo);
    hi += pad;
    if lo != 0.0 {
        lo -= pad;
    }
    (lo, hi)
}

/// A tick label: integers with thousands separators, fractions with at
/// most three decimals.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    if a < 1e-9 {
        return "0".into();
    }
    if (v - v.round()).abs() < 1e-9 * a.max(1.0) && a < 1e15 {
        let n = v.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        return if n < 0 {
            format!("−{grouped}")
        } else {
            grouped
        };
    }
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.replacen('-', "−", 1)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> Result<(), String> {
    let (x0, x1) = x_range(panel);
    let (y0, y1) = y_range(panel);
    // Event labels sit in rows above the axes, each where its event
    // starts; the rows are laid out before the axes exist, on the
    // horizontal scale the axes will have.
    let (area_w, _) = area.dim_in_pixel();
    let (left, right) = (10.0 + 88.0, f64::from(area_w) - 30.0);
    let to_px = |x: f64| left + (x - x0) / (x1 - x0) * (right - left);
    let labels = if panel.event_labels {
        label_rows(&panel.events, to_px, right)
    } else {
        Vec::new()
    };
    let rows = labels.iter().map(|l| l.row + 1).max().unwrap_or(0) as u32;
    // The caption is drawn here rather than by plotters, so that the rows
    // of event labels go between it and the axes.
    let caption = if panel.title.is_empty() {
        0
    } else {
        let style = (FAMILY, 19).into_font().color(&BLACK);
        let (w, _) = area
            .estimate_text_size(&panel.title, &style)
            .map_err(failed)?;
        let x = (i64::from(area_w) - i64::from(w)).max(0) / 2;
        area.draw_text(&panel.title, &style, (x as i32, 8))
            .map_err(failed)?;
        CAPTION
    };
    let mut builder = ChartBuilder::on(area);
    let mut chart = builder
        .margin(10)
        .margin_top(10 + caption + LABEL_ROW * rows)
        .margin_right(30)
        .x_label_area_size(52)
        .y_label_area_size(88)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(failed)?;
    let categories = panel.x_categories.clone();
    let x_format = move |v: &f64| match &categories {
        Some(c) => {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < c.len() {
                c[i as usize].clone()
            } else {
                String::new()
            }
        }
        None => tick(*v),
    };
    let y_format = |v: &f64| tick(*v);
    let x_labels = panel
        .x_categories
        .as_ref()
        .map_or(10, |c| c.len().clamp(2, 12));
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .x_labels(x_labels)
        .y_labels(8)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 14))
        .max_light_lines(4)
        .light_line_style(RGBColor(244, 244, 244))
        .bold_line_style(RGBColor(214, 214, 214))
        .axis_style(RGBColor(90, 90, 90))
        .draw()
        .map_err(failed)?;

    draw_events(&mut chart, panel, (y0, y1))?;
    if let Some(w) = panel.warm_up.filter(|&w| w > x0) {
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (w.min(x1), y1)],
                grey.mix(0.10).filled(),
            )))
            .map_err(failed)?;
        let at = chart.plotting_area().map_coordinate(&(x0, y1));
        let base = area.get_base_pixel();
        let style = (FAMILY, 13).into_font().color(&RGBColor(80, 80, 80));
        for (i, line) in ["window not", "yet full"].iter().enumerate() {
            area.draw_text(
                line,
                &style,
                (at.0 - base.0 + 4, at.1 - base.1 + 4 + 16 * i as i32),
            )
            .map_err(failed)?;
        }
    }
    if panel.zero_line {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(failed)?;
    }
    if !labels.is_empty() {
        let base = area.get_base_pixel();
        let top = chart.plotting_area().map_coordinate(&(x0, y1)).1 - base.1;
        let style = (FAMILY, 13).into_font().color(&RGBColor(50, 50, 50));
        for l in &labels {
            let y = top - LABEL_ROW as i32 * (rows as i32 - l.row as i32) + 2;
            area.draw_text(&l.text, &style, (l.x as i32 - base.0 + 3, y))
                .map_err(failed)?;
        }
    }
    let n = panel.series.len();
    // Bands first, so every line is drawn on top of every band.
    for s in &panel.series {
        if s.interval == Interval::Band {
            let pen = pen(s.look, &s.label);
            let edge: Vec<(f64, f64, f64)> = s
                .points
                .iter()
                .filter_map(|p| Some((p.x, p.low?, p.high?)))
                .collect();
            if edge.len() >= 2 {
                let polygon: Vec<(f64, f64)> = edge
                    .iter()
                    .map(|&(x, _, h)| (x, h))
                    .chain(edge.iter().rev().map(|&(x, l, _)| (x, l)))
                    .collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        polygon,
                        pen.color.mix(0.16).filled(),
                    )))
                    .map_err(failed)?;
            }
        }
    }
    for (i, s) in panel.series.iter().enumerate() {
        draw_series(&mut chart, s, i, n, panel.warm_up)?;
    }
    if panel.legend && n > 0 {
        let (w, h) = chart.plotting_area().dim_in_pixel();
        chart
            .configure_series_labels()
            .position(legend_corner(panel, (x0, x1), (y0, y1), (w, h)))
            .margin(12)
            .legend_area_size(34)
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.88))
            .border_style(RGBColor(150, 150, 150))
            .draw()
            .map_err(failed)?;
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

fn draw_series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    s: &Series,
    index: usize,
    count: usize,
    warm_up: Option<f64>,
) -> Result<(), String> {
    let pen = pen(s.look, &s.label);
    let line = pen
        .color
        .stroke_width(if s.mark_every_point { 2 } else { 3 });
    if s.interval == Interval::Bars {
        let bar = pen.color.stroke_width(2);
        for p in &s.points {
            let (Some(lo), Some(hi)) = (p.low, p.high) else {
                continue;
            };
            chart
                .draw_series([PathElement::new(vec![(p.x, lo), (p.x, hi)], bar)])
                .map_err(failed)?;
            for end in [lo, hi] {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((p.x, end)) + PathElement::new(vec![(-6, 0), (6, 0)], bar),
                    ))
                    .map_err(failed)?;
            }
        }
    }
    let mut points: Vec<(f64, f64)> = s.points.iter().map(|p| (p.x, p.y)).collect();
    // A rolling window's warm-up: thin, light and dotted, so a window
    // still filling up does not read as a real low value.
    if let Some(w) = warm_up {
        let warm: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0 <= w).collect();
        if warm.len() >= 2 {
            chart
                .draw_series(DashedLineSeries::new(
                    warm,
                    2,
                    4,
                    pen.color.mix(0.55).stroke_width(2),
                ))
                .map_err(failed)?;
        }
        points.retain(|p| p.0 >= w);
    }
    let joined: Vec<(f64, f64)> = if s.join { points.clone() } else { Vec::new() };
    let anno = match pen.dash {
        None => chart.draw_series(LineSeries::new(joined, line)),
        Some((on, off)) => chart.draw_series(DashedLineSeries::new(joined, on, off, line)),
    }
    .map_err(failed)?;
    anno.label(s.label.as_str())
        .legend(move |at: BackendCoord| Glyph {
            at,
            pen,
            legend: true,
        });
    // Markers: on every point for short series; otherwise a handful per
    // line, staggered so that lines which coincide still show each marker.
    let marked: Vec<(f64, f64)> = if s.mark_every_point || points.len() <= 12 {
        points
    } else {
        let step = (points.len() / 8).max(1);
        let offset = index * step / count.max(1);
        points.into_iter().skip(offset).step_by(step).collect()
    };
    chart
        .draw_series(marked.into_iter().map(|at| Glyph {
            at,
            pen,
            legend: false,
        }))
        .map_err(failed)?;
    Ok(())
}

/// Picks the corner of the axes where a legend of this panel's size
/// covers the fewest data points.
fn legend_corner(
    panel: &Panel,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (w, h): (u32, u32),
) -> SeriesLabelPosition {
    let longest = panel
        .series
        .iter()
        .map(|s| s.label.chars().count())
        .max()
        .unwrap_or(0);
    let legend_w = ((60 + 8 * longest) as f64 / f64::from(w.max(1))).min(0.95);
    let legend_h = ((panel.series.len() * 22 + 28) as f64 / f64::from(h.max(1))).min(0.95);
    let normal: Vec<(f64, f64)> = panel
        .series
        .iter()
        .flat_map(|s| {
            s.points.iter().flat_map(|p| {
                [Some(p.y), p.low, p.high]
                    .into_iter()
                    .flatten()
                    .map(|y| ((p.x - x0) / (x1 - x0), (y - y0) / (y1 - y0)))
            })
        })
        .collect();
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let covered = |right: bool, upper: bool| {
        normal
            .iter()
            .filter(|&&(x, y)| {
                let in_x = if right {
                    x >= 1.0 - legend_w
                } else {
                    x <= legend_w
                };
                let in_y = if upper {
                    y >= 1.0 - legend_h
                } else {
                    y <= legend_h
                };
                in_x && in_y
            })
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (pos, right, upper) in corners {
        // The warm-up band's caption sits in the upper left.
        if panel.warm_up.is_some() && !right && upper {
            continue;
        }
        let c = covered(right, upper);
        if c < best.0 {
            best = (c, pos);
        }
    }
    best.1
}

/// Height of one row of event labels above the axes, in pixels.
const LABEL_ROW: u32 = 16;

/// Height of a panel's caption, in pixels.
const CAPTION: u32 = 26;

/// An event label placed in a row above the axes.
#[derive(Debug, Clone, PartialEq)]
struct Label {
    text: String,
    /// Left edge, in pixels from the drawing area's left.
    x: f64,
    row: usize,
}

/// Lays event labels out in rows: each starts where its event starts,
/// in the first row where it does not overlap a label already there.
/// Labels that would need more than four rows are left out (their marks
/// are still drawn).
fn label_rows(events: &[Event], to_px: impl Fn(f64) -> f64, right: f64) -> Vec<Label> {
    const ROWS: usize = 4;
    // Liberation Sans at 13 px averages under 7 px a character.
    let width = |t: &str| 7.0 * t.chars().count() as f64 + 8.0;
    let mut ends = [f64::NEG_INFINITY; ROWS];
    let mut out = Vec::new();
    let mut order: Vec<&Event> = events.iter().collect();
    order.sort_by(|a, b| a.from.total_cmp(&b.from));
    for e in order {
        let w = width(&e.label);
        // A label that would run off the right starts further left.
        let x = to_px(e.from).min(right - w).max(0.0);
        if let Some(row) = (0..ROWS).find(|&r| ends[r] <= x) {
            ends[row] = x + w;
            out.push(Label {
                text: e.label.clone(),
                x,
                row,
            });
        }
    }
    out
}

/// Marks a panel's events: shocks as grey bands, policy windows by
/// dotted edges, one-day events as dashed lines.
fn draw_events<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    panel: &Panel,
    (y0, y1): (f64, f64),
) -> Result<(), String> {
    let edge = RGBColor(110, 110, 110);
    for e in &panel.events {
        let to = e.to.unwrap_or(e.from);
        match e.kind {
            EventKind::Shock => {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(e.from, y0), (to, y1)],
                        RGBColor(90, 90, 90).mix(0.16).filled(),
                    )))
                    .map_err(failed)?;
            }
            EventKind::Policy => {
                // Windows of several platforms overlap; a tint would
                // stack into a meaningless grey, so only the edges show.
                for x in [e.from, to] {
                    chart
                        .draw_series(DashedLineSeries::new(
                            [(x, y0), (x, y1)],
                            2,
                            4,
                            edge.mix(0.7).stroke_width(1),
                        ))
                        .map_err(failed)?;
                }
            }
            EventKind::Day => {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(e.from, y0), (e.from, y1)],
                        8,
                        4,
                        RGBColor(60, 60, 60).stroke_width(2),
                    ))
                    .map_err(failed)?;
            }
        }
    }
    Ok(())
}
