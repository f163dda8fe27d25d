//! Per-category scores: the share of pages free of problems in that category, where a page
//! with an error counts fully against the score and a page with only warnings counts half.
//! Infos do not lower scores.
use super::model::{AuditFinding, AuditReport, AuditSummary, Category, CategoryScore, PageRecord};
use crate::finding::Severity;
use std::collections::HashMap;

pub fn summarise(pages: &[PageRecord], site_findings: &[AuditFinding]) -> AuditSummary {
    let mut summary = AuditSummary {
        pages: pages.len().min(u32::MAX as usize) as u32,
        html_pages: pages
            .iter()
            .filter(|p| {
                p.status.is_some_and(|s| (200..300).contains(&s))
                    && p.content_type
                        .as_deref()
                        .is_none_or(|ct| ct == "text/html" || ct == "application/xhtml+xml")
            })
            .count() as u32,
        ..AuditSummary::default()
    };
    let mut counts: HashMap<Category, (u32, u32, u32)> = HashMap::new();
    // Worst severity per (page, category).
    let mut worst: HashMap<Category, (u32, u32)> = HashMap::new();
    let mut tally = |findings: &[AuditFinding], summary: &mut AuditSummary| {
        let mut page_worst: HashMap<Category, Severity> = HashMap::new();
        for f in findings {
            let c = counts.entry(f.category).or_default();
            match f.severity {
                Severity::Error => {
                    c.0 += 1;
                    summary.errors += 1;
                }
                Severity::Warning => {
                    c.1 += 1;
                    summary.warnings += 1;
                }
                Severity::Info => {
                    c.2 += 1;
                    summary.infos += 1;
                }
            }
            let w = page_worst.entry(f.category).or_insert(f.severity);
            *w = (*w).max(f.severity);
        }
        for (category, severity) in page_worst {
            let entry = worst.entry(category).or_default();
            match severity {
                Severity::Error => entry.0 += 1,
                Severity::Warning => entry.1 += 1,
                Severity::Info => {}
            }
        }
    };
    for page in pages {
        tally(&page.findings, &mut summary);
    }
    for finding in site_findings {
        tally(std::slice::from_ref(finding), &mut summary);
    }
    let units = (pages.len() + site_findings.len()).max(1) as f64;
    summary.categories = Category::ALL
        .iter()
        .map(|&category| {
            let (errors, warnings, infos) = counts.get(&category).copied().unwrap_or_default();
            let (error_pages, warning_pages) = worst.get(&category).copied().unwrap_or_default();
            let penalty = (error_pages as f64 + 0.5 * warning_pages as f64) / units;
            CategoryScore {
                category,
                score: (100.0 * (1.0 - penalty)).clamp(0.0, 100.0).round() as u8,
                errors,
                warnings,
                infos,
            }
        })
        .collect();
    summary
}

/// Recompute `report.summary` from its pages and site findings (after a baseline filter).
pub fn refresh(report: &mut AuditReport) {
    report.summary = summarise(&report.pages, &report.site_findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(category: Category, severity: Severity) -> AuditFinding {
        AuditFinding {
            code: "X001".into(),
            severity,
            category,
            message: String::new(),
            url: None,
            line: None,
            column: None,
            help: None,
            related: Vec::new(),
            evidence: None,
        }
    }

    #[test]
    fn errors_count_fully_warnings_half() {
        let mut pages = vec![PageRecord::default(); 4];
        pages[0].findings = vec![
            finding(Category::Seo, Severity::Error),
            finding(Category::Seo, Severity::Warning),
        ];
        pages[1].findings = vec![finding(Category::Seo, Severity::Warning)];
        pages[2].findings = vec![finding(Category::Links, Severity::Info)];
        let summary = summarise(&pages, &[]);
        let seo = summary
            .categories
            .iter()
            .find(|c| c.category == Category::Seo)
            .expect("seo");
        // (1 + 0.5) / 4 pages lost.
        assert_eq!(seo.score, 63);
        assert_eq!((seo.errors, seo.warnings), (1, 2));
        let links = summary
            .categories
            .iter()
            .find(|c| c.category == Category::Links)
            .expect("links");
        assert_eq!(links.score, 100);
        assert_eq!(summary.errors, 1);
        assert_eq!(summary.infos, 1);
    }
}
