//! Unit tests of the figures.

use super::*;

#[test]
fn twelve_looks_differ_in_more_than_colour() {
    let looks: Vec<_> = (0..12)
        .map(|i| {
            let p = pen(Look::Categorical(i), "");
            (p.dash, p.hollow, p.marker as usize)
        })
        .collect();
    for i in 0..6 {
        // Same colour as look i + 6, but another dash or marker, and hollow.
        assert_ne!(looks[i], looks[i + 6], "look {i}");
        assert!(looks[i + 6].1);
    }
}

#[test]
fn event_labels_do_not_overlap() {
    let ev = |from: f64, label: &str| Event {
        from,
        to: None,
        label: label.into(),
        kind: EventKind::Day,
    };
    let events = [
        ev(0.0, "Blue coupon 8 yuan"),
        ev(1.0, "Red coupon 8 yuan"),
        ev(100.0, "Red exits"),
    ];
    let rows = label_rows(&events, |x| 100.0 + 5.0 * x, 1000.0);
    assert_eq!(rows.iter().map(|l| l.row).collect::<Vec<_>>(), [0, 1, 0]);
}

#[test]
fn ticks_read_like_numbers() {
    assert_eq!(tick(0.0), "0");
    assert_eq!(tick(12_000_000.0), "12,000,000");
    assert_eq!(tick(-2500.0), "−2,500");
    assert_eq!(tick(0.25), "0.25");
    assert_eq!(tick(-1.5), "−1.5");
}

#[test]
fn neighbouring_looks_differ_in_lightness() {
    let lum = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    for pair in CATEGORICAL.windows(2) {
        assert!((lum(pair[0].color) - lum(pair[1].color)).abs() > 25.0);
    }
    let ramp_lums: Vec<f64> = (0..6).map(|i| lum(ramp(0.85 * i as f64 / 5.0))).collect();
    assert!(ramp_lums.windows(2).all(|w| w[1] > w[0]), "{ramp_lums:?}");
}
