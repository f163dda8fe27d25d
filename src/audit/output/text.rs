//! `--format text`: scores per category, the most frequent findings, then each page's findings.
use crate::audit::model::AuditReport;
use std::collections::BTreeMap;

pub fn write(report: &AuditReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "Audited {} page(s) ({} HTML) from {} in {:.1} s",
        s.pages,
        s.html_pages,
        report.start.join(", "),
        report.seconds
    )?;
    writeln!(
        out,
        "{} error(s), {} warning(s), {} info(s)\n",
        s.errors, s.warnings, s.infos
    )?;
    writeln!(
        out,
        "{:<16} {:>5} {:>7} {:>9} {:>6}",
        "category", "score", "errors", "warnings", "infos"
    )?;
    for c in &s.categories {
        writeln!(
            out,
            "{:<16} {:>5} {:>7} {:>9} {:>6}",
            c.category.title(),
            c.score,
            c.errors,
            c.warnings,
            c.infos
        )?;
    }

    let mut by_code: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for f in report
        .pages
        .iter()
        .flat_map(|p| &p.findings)
        .chain(&report.site_findings)
    {
        by_code
            .entry(f.code.as_ref())
            .or_insert((0, f.severity.as_str()))
            .0 += 1;
    }
    if !by_code.is_empty() {
        let mut top: Vec<(&str, (usize, &str))> = by_code.into_iter().collect();
        top.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        writeln!(out, "\nmost frequent:")?;
        for (code, (count, severity)) in top.iter().take(15) {
            writeln!(out, "  {count:>6}  {code:<9} {severity}")?;
        }
    }

    for page in report.pages.iter().filter(|p| !p.findings.is_empty()) {
        let status = match (page.status, &page.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(_)) => "failed".into(),
            (None, None) => "-".into(),
        };
        writeln!(out, "\n{} [{status}]", page.url)?;
        for f in &page.findings {
            let at = match (f.line, f.column) {
                (Some(l), Some(c)) => format!("{l}:{c}"),
                _ => "-".into(),
            };
            writeln!(
                out,
                "  {at:>9}  {:<7} {:<9} {}",
                f.severity.as_str(),
                f.code,
                f.message
            )?;
        }
    }
    if !report.site_findings.is_empty() {
        writeln!(out, "\nsite:")?;
        for f in &report.site_findings {
            writeln!(
                out,
                "  {:<7} {:<9} {}",
                f.severity.as_str(),
                f.code,
                f.message
            )?;
        }
    }
    Ok(())
}
