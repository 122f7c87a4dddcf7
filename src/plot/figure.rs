//! What a figure is, before it is drawn: panels of labelled series of
//! points, each point with an optional interval. The builders in
//! [`super::run`] and [`super::sweep`] turn result files into these, and
//! [`super::draw`] renders them; keeping the two apart lets the numbers be
//! tested without pixels.

/// One chart file: a title, a line under it, and one or more panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// File stem, e.g. `market_share` (written as `market_share.png`).
    pub name: String,
    /// Title at the top.
    pub title: String,
    /// One line under the title: what the lines and bands are.
    pub subtitle: String,
    /// Panels, laid out row by row in `columns` columns.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
}

/// One set of axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Caption above the axes.
    pub title: String,
    /// Horizontal axis label, with its unit.
    pub x_label: String,
    /// Vertical axis label, with its unit.
    pub y_label: String,
    /// Names of the categories when the horizontal axis is categorical
    /// (point `x` is then the category's index).
    pub x_categories: Option<Vec<String>>,
    /// A fixed vertical range (e.g. 0–100 for percentages), or `None` to
    /// fit the data.
    pub y_range: Option<(f64, f64)>,
    /// Whether to draw a legend (panels that repeat another panel's
    /// labels leave it out).
    pub legend: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Dated events marked on a time axis (coupon windows, shocks,
    /// funding rounds, exits).
    pub events: Vec<Event>,
    /// Whether to write the events' labels (the first panel of a figure
    /// does; the panels below repeat only the marks).
    pub event_labels: bool,
    /// For a rolling-window series: the first `x` at which the window is
    /// full. Points before it are drawn as a warm-up (thin, light,
    /// dashed, on a grey band) rather than as a real low value.
    pub warm_up: Option<f64>,
    /// Draw a horizontal line at zero and keep zero in view (differences).
    pub zero_line: bool,
}

/// A dated event on a time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// First day.
    pub from: f64,
    /// Day the window ends (exclusive); `None` for an event on one day.
    pub to: Option<f64>,
    /// Short label, e.g. `Blue coupon 8 yuan`.
    pub label: String,
    /// What kind of event, which decides how it is drawn.
    pub kind: EventKind,
}

/// How an event is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A platform's policy window (coupon, schedule): thin edges, a faint
    /// tint.
    Policy,
    /// A market-wide shock: a grey band.
    Shock,
    /// Something on one day (funding round, exit, merger): a dashed line.
    Day,
}

/// How a series' intervals are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// No interval.
    None,
    /// A shaded band between `low` and `high` (time series).
    Band,
    /// Error bars at each point (sweep points).
    Bars,
}

/// Which look a series gets: distinct looks for unordered groups
/// (platforms), a light-to-dark ramp for ordered ones (cohorts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// The `i`-th distinct look (colour, dash and marker all differ).
    Categorical(usize),
    /// Position `i` of `n` on a ramp whose lightness changes steadily.
    Sequential(usize, usize),
}

/// One labelled line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Colour, dash and marker.
    pub look: Look,
    /// How intervals are drawn.
    pub interval: Interval,
    /// Put a marker on every point (few points) rather than a handful
    /// spread along the line (daily series).
    pub mark_every_point: bool,
    /// Join the points with a line (false for markers alone, e.g. the
    /// points of a random design or the intervals of a forest plot).
    pub join: bool,
    /// The points, in increasing `x`.
    pub points: Vec<Point>,
}

/// One point of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position.
    pub x: f64,
    /// The value drawn as the line (a mean).
    pub y: f64,
    /// Lower end of the interval, if any.
    pub low: Option<f64>,
    /// Upper end of the interval, if any.
    pub high: Option<f64>,
}

impl Panel {
    /// A panel with a legend, a fitted vertical range, no categories and
    /// no events.
    pub fn new(title: &str, x_label: &str, y_label: &str, series: Vec<Series>) -> Panel {
        Panel {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x_categories: None,
            y_range: None,
            legend: true,
            series,
            events: Vec::new(),
            event_labels: false,
            warm_up: None,
            zero_line: false,
        }
    }

    /// Every vertical value the panel shows (lines and intervals).
    pub fn y_values(&self) -> impl Iterator<Item = f64> + '_ {
        self.series.iter().flat_map(|s| {
            s.points
                .iter()
                .flat_map(|p| [Some(p.y), p.low, p.high].into_iter().flatten())
        })
    }

    /// Whether any series has a point.
    pub fn has_data(&self) -> bool {
        self.series.iter().any(|s| !s.points.is_empty())
    }

    /// Multiplies every vertical value by `factor`.
    pub fn scale(&mut self, factor: f64) {
        for s in &mut self.series {
            for p in &mut s.points {
                p.y *= factor;
                p.low = p.low.map(|v| v * factor);
                p.high = p.high.map(|v| v * factor);
            }
        }
    }

    /// Rescales a money panel (values in yuan) to a readable unit and
    /// returns the unit's name, e.g. `"million yuan"`.
    pub fn scale_money(&mut self) -> &'static str {
        let biggest = self.y_values().map(f64::abs).fold(0.0, f64::max);
        let (divisor, unit) = money_unit(biggest);
        self.scale(1.0 / divisor);
        unit
    }
}

/// The divisor and name of a readable unit for yuan amounts up to
/// `biggest`.
pub fn money_unit(biggest: f64) -> (f64, &'static str) {
    if biggest >= 1e9 {
        (1e9, "billion yuan")
    } else if biggest >= 1e6 {
        (1e6, "million yuan")
    } else if biggest >= 1e4 {
        (1e3, "thousand yuan")
    } else {
        (1.0, "yuan")
    }
}

/// Quantile `q` (0–1) of sorted values, interpolating linearly between
/// order statistics (the "type 7" definition used by R and NumPy).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = q.clamp(0.0, 1.0) * last as f64;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo.min(last)], sorted[hi.min(last)]);
    Some(a + (b - a) * (h - lo as f64))
}

/// The mean of `values` with the 5–95% range as its interval (no interval
/// from a single value).
pub fn mean_and_range(mut values: Vec<f64>) -> Option<Point> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let interval = values.len() > 1;
    Some(Point {
        x: 0.0,
        y: mean,
        low: interval.then(|| quantile(&values, 0.05)).flatten(),
        high: interval.then(|| quantile(&values, 0.95)).flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert_eq!(quantile(&v, 1.0), Some(5.0));
        // numpy.percentile([1,2,3,4,5], 5) == 1.2
        assert!((quantile(&v, 0.05).unwrap() - 1.2).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn one_replication_has_no_band() {
        let p = mean_and_range(vec![4.0]).unwrap();
        assert_eq!((p.y, p.low, p.high), (4.0, None, None));
        let p = mean_and_range(vec![3.0, 1.0, 2.0]).unwrap();
        assert_eq!(p.y, 2.0);
        assert!(p.low.unwrap() < 2.0 && p.high.unwrap() > 2.0);
    }

    #[test]
    fn money_picks_a_readable_unit() {
        assert_eq!(money_unit(12_000_000.0), (1e6, "million yuan"));
        assert_eq!(money_unit(25_000.0), (1e3, "thousand yuan"));
        assert_eq!(money_unit(900.0), (1.0, "yuan"));
    }
}
