//! Writers of an [`AuditReport`]: text summary, CSV, JSON and SARIF. (The HTML report has its
//! own module.)
mod csv;
mod json;
mod json_page;
mod sarif;
mod text;

use super::model::AuditReport;
use crate::rules::RuleMeta;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// Category scores, the most frequent findings, and each page's findings.
    Text,
    /// The whole report as JSON (pages, findings, site findings, scores).
    Json,
    /// One row per page × finding (pages without findings get one row with empty finding columns).
    Csv,
    /// SARIF 2.1.0: one result per finding, located by URL and line.
    Sarif,
    /// One self-contained HTML page (scores, charts, a sortable, filterable page table).
    Html,
}

/// Write `report` as `format`. `rules` gives SARIF its rule descriptions.
pub fn write(
    report: &AuditReport,
    format: AuditFormat,
    rules: &[RuleMeta],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        AuditFormat::Text => text::write(report, out),
        AuditFormat::Json => json::write(report, out),
        AuditFormat::Csv => csv::write(report, out),
        AuditFormat::Sarif => sarif::write(report, rules, out),
        AuditFormat::Html => out.write_all(super::html::render(report).as_bytes()),
    }
}
