//! The classroom page, embedded in the binary: its HTML, script and
//! style, and the chart library it draws with, uPlot 1.6.32 (MIT; the
//! minified build and its licence are vendored in `assets/vendor/uplot/`),
//! so the page works offline and asks nothing of any other server.

/// The page.
pub(super) const INDEX: &str = include_str!("page/index.html");
/// Its script: picker, levers, runs, live charts, comparison.
pub(super) const APP_JS: &str = include_str!("page/app.js");
/// Its style.
pub(super) const STYLE: &str = include_str!("page/style.css");
/// uPlot, minified.
pub(super) const UPLOT_JS: &str = include_str!("../../assets/vendor/uplot/uPlot.iife.min.js");
/// uPlot's style.
pub(super) const UPLOT_CSS: &str = include_str!("../../assets/vendor/uplot/uPlot.min.css");
