//! `GET /emerging/?product=P[&days=7][&baseline_days=28]`: the signatures
//! `crashkit query --emerging` finds, beside Top Crashers. Rendered from
//! `templates/emerging.html` (askama, autoescaped).

use askama::Template;

use super::html::url_value;
use crate::search::emerging::{Report, Row};

/// A row with its signature ready for a link's query string.
pub struct ViewRow<'a> {
    pub row: &'a Row,
    pub query: String,
}

#[derive(Template)]
#[template(path = "emerging.html")]
struct Page<'a> {
    report: &'a Report,
    rows: Vec<ViewRow<'a>>,
    product_query: String,
    days: i64,
    baseline_days: i64,
}

/// The body of the page (without the site's frame).
pub fn render(report: &Report, days: i64, baseline_days: i64) -> Result<String, askama::Error> {
    Page {
        report,
        rows: report
            .signatures
            .iter()
            .map(|row| ViewRow {
                row,
                query: url_value(&row.signature),
            })
            .collect(),
        product_query: url_value(&report.product),
        days,
        baseline_days,
    }
    .render()
}
