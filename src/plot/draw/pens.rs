//! Pens and markers: how each series looks, greyscale-safe, and the glyphs drawn at its points.

use super::*;

/// How one series is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pen {
    pub(super) color: RGBColor,
    /// Dash and gap lengths in pixels; `None` for a solid line.
    pub(super) dash: Option<(i32, i32)>,
    pub(super) marker: Marker,
    /// An outlined rather than filled marker (the second round of looks,
    /// past the first six).
    pub(super) hollow: bool,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Marker {
    Circle,
    Triangle,
    Square,
    Diamond,
    Cross,
}

/// Distinct looks, ordered so that neighbours differ in lightness as well
/// as hue, dash and marker.
pub(super) const CATEGORICAL: [Pen; 6] = [
    Pen {
        color: RGBColor(20, 55, 130),
        dash: None,
        marker: Marker::Circle,
        hollow: false,
    },
    Pen {
        color: RGBColor(230, 150, 0),
        dash: Some((12, 6)),
        marker: Marker::Triangle,
        hollow: false,
    },
    Pen {
        color: RGBColor(0, 150, 115),
        dash: Some((4, 4)),
        marker: Marker::Square,
        hollow: false,
    },
    Pen {
        color: RGBColor(150, 30, 60),
        dash: Some((18, 6)),
        marker: Marker::Diamond,
        hollow: false,
    },
    Pen {
        color: RGBColor(115, 115, 115),
        dash: None,
        marker: Marker::Cross,
        hollow: false,
    },
    Pen {
        color: RGBColor(175, 140, 215),
        dash: Some((8, 4)),
        marker: Marker::Circle,
        hollow: false,
    },
];

/// Platforms named after a colour get that colour (keeping their slot's
/// dash and marker), so a legend never says "Red" beside a blue line.
pub(super) fn named_colour(label: &str) -> Option<RGBColor> {
    match label.trim().to_ascii_lowercase().as_str() {
        "blue" => Some(RGBColor(20, 55, 130)),
        "red" => Some(RGBColor(215, 55, 45)),
        "green" => Some(RGBColor(0, 140, 80)),
        "orange" => Some(RGBColor(235, 140, 0)),
        _ => None,
    }
}

/// A viridis-like ramp from dark to light, stopped short of yellow so the
/// lightest line still shows on white.
pub(super) fn ramp(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round().clamp(0.0, 255.0) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub(super) fn pen(look: Look, label: &str) -> Pen {
    const MARKERS: [Marker; 5] = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Diamond,
        Marker::Cross,
    ];
    match look {
        Look::Categorical(i) => {
            // Past six series the colours repeat, but each repeat gets
            // another slot's dash, another marker, outlined: twelve looks
            // that differ in more than hue.
            let n = CATEGORICAL.len();
            let slot = CATEGORICAL[i % n];
            let round = i / n;
            let (dash, marker) = if round == 0 {
                (slot.dash, slot.marker)
            } else {
                (
                    CATEGORICAL[(i + 3 * round) % n].dash,
                    MARKERS[(i + 2 * round) % MARKERS.len()],
                )
            };
            Pen {
                color: named_colour(label).unwrap_or(slot.color),
                dash,
                marker,
                hollow: round > 0,
            }
        }
        Look::Sequential(i, n) => {
            let t = if n > 1 {
                0.85 * i as f64 / (n - 1) as f64
            } else {
                0.0
            };
            Pen {
                color: ramp(t),
                dash: None,
                marker: MARKERS[i % MARKERS.len()],
                hollow: false,
            }
        }
    }
}

/// A marker at a data point, or (for the legend) a short stretch of line
/// with the marker in its middle.
pub(super) struct Glyph<C> {
    pub(super) at: C,
    pub(super) pen: Pen,
    pub(super) legend: bool,
}

impl<'a, C> PointCollection<'a, C> for &'a Glyph<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Glyph<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        let color = self.pen.color.to_rgba();
        let stroke = ShapeStyle {
            color,
            filled: false,
            stroke_width: 2,
        };
        let fill = ShapeStyle {
            color,
            filled: !self.pen.hollow,
            stroke_width: 2,
        };
        let (x, y) = if self.legend {
            const LENGTH: i32 = 30;
            match self.pen.dash {
                None => backend.draw_line((x, y), (x + LENGTH, y), &stroke)?,
                Some((on, off)) => {
                    let (on, off) = (on.min(10), off.min(5));
                    let mut from = x;
                    while from < x + LENGTH {
                        backend.draw_line((from, y), ((from + on).min(x + LENGTH), y), &stroke)?;
                        from += on + off;
                    }
                }
            }
            (x + LENGTH / 2, y)
        } else {
            (x, y)
        };
        match self.pen.marker {
            Marker::Circle => backend.draw_circle((x, y), 4, &fill, fill.filled),
            Marker::Square => backend.draw_rect((x - 4, y - 4), (x + 4, y + 4), &fill, fill.filled),
            Marker::Triangle => polygon(
                backend,
                vec![(x, y - 6), (x - 5, y + 4), (x + 5, y + 4)],
                &fill,
            ),
            Marker::Diamond => polygon(
                backend,
                vec![(x, y - 6), (x + 5, y), (x, y + 6), (x - 5, y)],
                &fill,
            ),
            Marker::Cross => {
                backend.draw_line((x - 5, y - 5), (x + 5, y + 5), &stroke)?;
                backend.draw_line((x - 5, y + 5), (x + 5, y - 5), &stroke)
            }
        }
    }
}

/// A filled polygon, or its outline when the style is not filled.
pub(super) fn polygon<DB: DrawingBackend>(
    backend: &mut DB,
    mut corners: Vec<BackendCoord>,
    style: &ShapeStyle,
) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
    if style.filled {
        backend.fill_polygon(corners, style)
    } else {
        if let Some(&first) = corners.first() {
            corners.push(first);
        }
        backend.draw_path(corners, style)
    }
}
