//! Gating a deploy on an audit like `pressgate check` gates a commit: baselines of known
//! findings and the fail level. Findings are keyed by page URL, code and message.
use super::model::{AuditFinding, AuditReport};
use crate::baseline::Baseline;
use crate::finding::{FileReport, Finding, Severity};
use crate::span::Span;

/// The file name site-wide findings are recorded under in a baseline.
pub const SITE_PATH: &str = "<site>";

fn as_finding(f: &AuditFinding) -> Finding {
    Finding::new(
        f.code.clone(),
        f.severity,
        f.message.to_string(),
        Span::file_start(),
    )
}

/// The report as per-page file reports (path = page URL), for the baseline.
pub fn file_reports(report: &AuditReport) -> Vec<FileReport> {
    let mut out: Vec<FileReport> = report
        .pages
        .iter()
        .map(|p| FileReport {
            path: p.url.clone(),
            source: String::new(),
            findings: p.findings.iter().map(as_finding).collect(),
        })
        .collect();
    out.push(FileReport {
        path: SITE_PATH.into(),
        source: String::new(),
        findings: report.site_findings.iter().map(as_finding).collect(),
    });
    out
}

/// A baseline holding every finding of `report`.
pub fn baseline_of(report: &AuditReport) -> Baseline {
    Baseline::from_reports(&file_reports(report))
}

/// Drop the findings `baseline` records; returns how many were dropped. Scores are not
/// recomputed here (see `score::refresh`).
pub fn apply_baseline(report: &mut AuditReport, baseline: &Baseline) -> usize {
    let mut reports = file_reports(report);
    let dropped = baseline.filter(&mut reports);
    let lists = report
        .pages
        .iter_mut()
        .map(|p| &mut p.findings)
        .chain(std::iter::once(&mut report.site_findings));
    for (findings, kept) in lists.zip(&reports) {
        // `filter` keeps order, so the kept findings are a subsequence of the originals.
        let mut next = 0;
        findings.retain(|f| {
            let keep = kept.findings.get(next).is_some_and(|k| {
                k.code == f.code && *k.message == *f.message && k.severity == f.severity
            });
            if keep {
                next += 1;
            }
            keep
        });
    }
    dropped
}

/// Whether any finding is at or above `fail_at`.
pub fn fails(report: &AuditReport, fail_at: Severity) -> bool {
    report
        .pages
        .iter()
        .flat_map(|p| &p.findings)
        .chain(&report.site_findings)
        .any(|f| f.severity >= fail_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::{Category, PageRecord};

    fn finding(code: &str, message: &str) -> AuditFinding {
        AuditFinding {
            code: code.to_string().into(),
            severity: Severity::Warning,
            category: Category::Links,
            message: message.into(),
            url: None,
            line: Some(3),
            column: Some(1),
            help: None,
            related: Vec::new(),
            evidence: None,
        }
    }

    #[test]
    fn baseline_drops_known_findings_only() {
        let mut old = AuditReport::default();
        old.pages.push(PageRecord {
            url: "https://a.test/".into(),
            findings: vec![finding("LINK001", "link to x is broken")],
            ..PageRecord::default()
        });
        let baseline = baseline_of(&old);
        let mut new = old.clone();
        new.pages[0]
            .findings
            .push(finding("LINK001", "link to y is broken"));
        new.site_findings.push(finding("SITE007", "capped"));
        assert!(fails(&new, Severity::Warning));
        assert_eq!(apply_baseline(&mut new, &baseline), 1);
        let left: Vec<&str> = new.pages[0].findings.iter().map(|f| &*f.message).collect();
        assert_eq!(left, vec!["link to y is broken"]);
        assert_eq!(new.site_findings.len(), 1);
        assert!(!fails(&new, Severity::Error));
    }
}
