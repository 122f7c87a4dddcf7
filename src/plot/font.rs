//! The one typeface every figure uses, compiled into the binary. Plotters
//! is built without font-kit, so it never looks for system fonts or
//! fontconfig: text is laid out and rasterised by `ab_glyph` from these
//! bytes, and a figure looks the same on every machine. The font is
//! Liberation Sans (SIL Open Font License 1.1; the licence is in
//! `assets/fonts/`).

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

/// Liberation Sans Regular, as shipped by Debian's `fonts-liberation2`.
static LIBERATION_SANS: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");

/// The family name figures ask for (also written into SVG files, where a
/// viewer substitutes its own sans-serif face).
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters, once per process. Every
/// family name plotters may ask for maps to it.
pub fn register() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"].iter().all(|family| {
            [FontStyle::Normal, FontStyle::Bold]
                .into_iter()
                .all(|style| register_font(family, style, LIBERATION_SANS).is_ok())
        })
    });
    if ok {
        Ok(())
    } else {
        Err("the embedded font could not be loaded".to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_font_loads() {
        assert!(super::register().is_ok());
        assert!(super::LIBERATION_SANS.len() > 100_000);
    }
}
