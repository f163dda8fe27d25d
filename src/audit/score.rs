//! Per-category scores (0–100) from an audit's findings.
//!
//! The formula, per category:
//!
//! 1. Every finding has a weight by severity: error 1.0, warning 0.35, info 0.05.
//! 2. Findings are charged to the pages they are about: a page finding to its page, a site
//!    finding to its `url` and to each of its `related` URLs (a duplicate pair charges both
//!    pages); a site finding with no URL at all counts as one page of its own.
//! 3. A page's penalty is the sum of its weights, capped at 1: one error makes a page fully
//!    "failed" for that category, three warnings nearly so, and twenty more errors on the same
//!    page change nothing.
//! 4. `score = 100 × (1 − Σ penalties ÷ N)`, rounded, where `N` is the number of HTML pages
//!    (2xx with an HTML or unknown content type), or the number of charged pages when that is
//!    larger (a crawl of broken links has few HTML pages), and at least 1.
//!
//! So the score reads as "the share of pages that are clean in this category": one error on 1
//! of 1,000 pages costs 0.1 points, the same error on every page costs 100. A category with any
//! error or warning never shows 100, so a single problem is never rounded away.
use super::model::{AuditFinding, AuditReport, AuditSummary, Category, CategoryScore, PageRecord};
use crate::finding::Severity;
use rayon::prelude::*;
use std::collections::HashMap;

/// How much one finding of a severity costs its page, before the per-page cap of 1.
pub fn severity_weight(severity: Severity) -> f64 {
    match severity {
        Severity::Error => 1.0,
        Severity::Warning => 0.35,
        Severity::Info => 0.05,
    }
}

/// Whether a crawled page counts as an HTML page: a 2xx response whose content type is HTML
/// or was not given.
pub fn is_html_page(page: &PageRecord) -> bool {
    let ok = matches!(page.status, Some(200..=299));
    let html = page
        .content_type
        .as_deref()
        // "html" in any ASCII case, without a lower-cased copy per page.
        .is_none_or(|ct| {
            ct.as_bytes()
                .windows(4)
                .any(|w| w.eq_ignore_ascii_case(b"html"))
        });
    ok && html
}

/// Counts and one [`CategoryScore`] per [`Category::ALL`] entry, in that order.
pub fn summarize(pages: &[PageRecord], site: &[AuditFinding]) -> AuditSummary {
    // Each page's own tally on the rayon pool (reading millions of findings is most of the
    // work), then merged in page order.
    let (html_pages, tallies): (usize, Vec<Option<PageTally>>) = rayon::join(
        || pages.par_iter().filter(|p| is_html_page(p)).count(),
        || pages.par_iter().map(PageTally::of).collect(),
    );
    let mut counts = [Counts::default(); CATEGORIES];
    let mut charges = Charges::default();

    for (page, tally) in pages.iter().zip(&tallies) {
        let Some(tally) = tally else {
            continue;
        };
        for (total, page_counts) in counts.iter_mut().zip(&tally.counts) {
            total.add(page_counts);
        }
        // A page's findings all charge its URL: its row is looked up once, not per finding.
        let (row, new) = charges.row(PageKey::Url(&page.url));
        if new {
            // The page's sums started from 0 as the row's would have: the same bits.
            charges.set(row, tally);
        } else {
            // Two records of one URL: add finding by finding, in order, as one row.
            for finding in &page.findings {
                charges.charge(row, finding.category, finding.severity);
            }
        }
    }
    for (i, finding) in site.iter().enumerate() {
        counts[finding.category as usize].count(finding.severity);
        let mut charged = false;
        let urls = finding.url.as_deref().into_iter();
        for url in urls.chain(finding.related.iter().map(String::as_str)) {
            let (row, _) = charges.row(PageKey::Url(url));
            charges.charge(row, finding.category, finding.severity);
            charged = true;
        }
        if !charged {
            let (row, _) = charges.row(PageKey::SiteFinding(i));
            charges.charge(row, finding.category, finding.severity);
        }
    }

    let mut summary = AuditSummary {
        pages: saturating_u32(pages.len()),
        html_pages: saturating_u32(html_pages),
        ..AuditSummary::default()
    };
    for category in Category::ALL {
        let tally = &counts[category as usize];
        summary.errors = summary.errors.saturating_add(tally.errors);
        summary.warnings = summary.warnings.saturating_add(tally.warnings);
        summary.infos = summary.infos.saturating_add(tally.infos);
        summary.categories.push(CategoryScore {
            category,
            score: score(tally, &charges, category, html_pages),
            errors: tally.errors,
            warnings: tally.warnings,
            infos: tally.infos,
        });
    }
    summary
}

const CATEGORIES: usize = Category::ALL.len();

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What a finding is charged to: a page by URL, or (for a site finding with no URL) itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PageKey<'a> {
    Url(&'a str),
    SiteFinding(usize),
}

#[derive(Default, Clone, Copy)]
struct Counts {
    errors: u32,
    warnings: u32,
    infos: u32,
}

impl Counts {
    fn count(&mut self, severity: Severity) {
        let n = match severity {
            Severity::Error => &mut self.errors,
            Severity::Warning => &mut self.warnings,
            Severity::Info => &mut self.infos,
        };
        *n = n.saturating_add(1);
    }

    fn add(&mut self, other: &Counts) {
        self.errors = self.errors.saturating_add(other.errors);
        self.warnings = self.warnings.saturating_add(other.warnings);
        self.infos = self.infos.saturating_add(other.infos);
    }
}

/// One page's findings: counts, and the weight charged to the page, per category.
struct PageTally {
    counts: [Counts; CATEGORIES],
    weights: [f64; CATEGORIES],
    charged: [bool; CATEGORIES],
}

impl PageTally {
    /// `None` for a page without findings (it is not charged).
    fn of(page: &PageRecord) -> Option<PageTally> {
        if page.findings.is_empty() {
            return None;
        }
        let mut tally = PageTally {
            counts: [Counts::default(); CATEGORIES],
            weights: [0.0; CATEGORIES],
            charged: [false; CATEGORIES],
        };
        for finding in &page.findings {
            let c = finding.category as usize;
            tally.counts[c].count(finding.severity);
            tally.weights[c] += severity_weight(finding.severity);
            tally.charged[c] = true;
        }
        Some(tally)
    }
}

/// The uncapped weight charged to each page, per category: one row per charged page (in the
/// order first charged), and which categories charged it.
#[derive(Default)]
struct Charges<'a> {
    /// foldhash: one lookup per page with findings and per site-finding URL.
    rows: HashMap<PageKey<'a>, usize, foldhash::fast::RandomState>,
    weights: Vec<[f64; CATEGORIES]>,
    charged: Vec<[bool; CATEGORIES]>,
}

impl<'a> Charges<'a> {
    /// The row of `key`, and whether it was made now.
    fn row(&mut self, key: PageKey<'a>) -> (usize, bool) {
        let next = self.weights.len();
        let row = *self.rows.entry(key).or_insert(next);
        let new = row == next;
        if new {
            self.weights.push([0.0; CATEGORIES]);
            self.charged.push([false; CATEGORIES]);
        }
        (row, new)
    }

    /// A new row takes a page's tally as it is.
    fn set(&mut self, row: usize, tally: &PageTally) {
        if let (Some(weights), Some(charged)) =
            (self.weights.get_mut(row), self.charged.get_mut(row))
        {
            *weights = tally.weights;
            *charged = tally.charged;
        }
    }

    fn charge(&mut self, row: usize, category: Category, severity: Severity) {
        let c = category as usize;
        if let (Some(weights), Some(charged)) =
            (self.weights.get_mut(row), self.charged.get_mut(row))
        {
            weights[c] += severity_weight(severity);
            charged[c] = true;
        }
    }
}

fn score(counts: &Counts, charges: &Charges, category: Category, html_pages: usize) -> u8 {
    let c = category as usize;
    let mut charged_pages = 0usize;
    let mut penalty = 0.0f64;
    for (weights, charged) in charges.weights.iter().zip(&charges.charged) {
        if charged[c] {
            charged_pages += 1;
            penalty += weights[c].min(1.0);
        }
    }
    let pages = html_pages.max(charged_pages).max(1) as f64;
    let score = (100.0 * (1.0 - penalty / pages)).round().clamp(0.0, 100.0);
    let score = score as u8;
    if counts.errors + counts.warnings > 0 {
        score.min(99)
    } else {
        score
    }
}

/// Recompute `report.summary` from its pages and site findings (after a baseline filter).
pub fn refresh(report: &mut AuditReport) {
    report.summary = summarize(&report.pages, &report.site_findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, findings: Vec<AuditFinding>) -> PageRecord {
        PageRecord {
            url: url.into(),
            final_url: url.into(),
            status: Some(200),
            content_type: Some("text/html; charset=utf-8".into()),
            indexable: true,
            findings,
            ..PageRecord::default()
        }
    }

    fn finding(category: Category, severity: Severity, url: Option<&str>) -> AuditFinding {
        AuditFinding {
            code: "SEO001".into(),
            severity,
            category,
            message: "m".into(),
            url: url.map(Into::into),
            line: None,
            column: None,
            help: None,
            related: Vec::new(),
            evidence: None,
        }
    }

    fn score_of(summary: &AuditSummary, category: Category) -> u8 {
        summary
            .categories
            .iter()
            .find(|c| c.category == category)
            .map(|c| c.score)
            .unwrap_or(255)
    }

    #[test]
    fn html_content_types_match_in_any_ascii_case() {
        let mut p = page("https://e.test/", vec![]);
        for (ct, html) in [
            ("text/html", true),
            ("TEXT/HTML; charset=utf-8", true),
            ("application/xhtml+xml", true),
            ("text/HtMl", true),
            ("text/htm", false),
            ("application/pdf", false),
            ("", false),
            ("text/\u{e9}html", true),
        ] {
            p.content_type = Some(ct.into());
            assert_eq!(is_html_page(&p), html, "{ct}");
            assert_eq!(html, ct.to_ascii_lowercase().contains("html"), "{ct}");
        }
    }

    #[test]
    fn categories_index_rows_in_the_order_of_all() {
        for (i, category) in Category::ALL.iter().enumerate() {
            assert_eq!(*category as usize, i);
        }
    }

    /// The definition the summary implements: per category, each charged page's uncapped
    /// weight summed per finding, capped, summed over the pages (in the order each page was
    /// first charged, so float sums match to the bit).
    fn reference_scores(pages: &[PageRecord], site: &[AuditFinding]) -> Vec<(u8, u32, u32, u32)> {
        let html_pages = pages.iter().filter(|p| is_html_page(p)).count();
        // (charged page, category, severity) in finding order.
        let mut charges: Vec<(String, Category, Severity)> = Vec::new();
        for page in pages {
            for f in &page.findings {
                charges.push((format!("u{}", page.url), f.category, f.severity));
            }
        }
        for (i, f) in site.iter().enumerate() {
            let urls: Vec<&str> = f
                .url
                .as_deref()
                .into_iter()
                .chain(f.related.iter().map(String::as_str))
                .collect();
            for url in &urls {
                charges.push((format!("u{url}"), f.category, f.severity));
            }
            if urls.is_empty() {
                charges.push((format!("s{i}"), f.category, f.severity));
            }
        }
        let mut order: Vec<&str> = Vec::new();
        for (key, _, _) in &charges {
            if !order.contains(&key.as_str()) {
                order.push(key);
            }
        }
        Category::ALL
            .iter()
            .map(|&category| {
                let mut counts = Counts::default();
                for f in pages.iter().flat_map(|p| &p.findings).chain(site) {
                    if f.category == category {
                        counts.count(f.severity);
                    }
                }
                let mut charged = 0;
                let mut penalty = 0.0;
                for key in &order {
                    let mine: Vec<Severity> = charges
                        .iter()
                        .filter(|(k, c, _)| k == key && *c == category)
                        .map(|(_, _, s)| *s)
                        .collect();
                    if mine.is_empty() {
                        continue;
                    }
                    charged += 1;
                    let weight = mine.iter().fold(0.0, |w, s| w + severity_weight(*s));
                    penalty += f64::min(weight, 1.0);
                }
                let pages = html_pages.max(charged).max(1) as f64;
                let score = (100.0 * (1.0 - penalty / pages)).round().clamp(0.0, 100.0) as u8;
                let score = if counts.errors + counts.warnings > 0 {
                    score.min(99)
                } else {
                    score
                };
                (score, counts.errors, counts.warnings, counts.infos)
            })
            .collect()
    }

    #[test]
    fn generated_audits_score_as_the_per_category_definition() {
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1d);
        let severities = [Severity::Info, Severity::Warning, Severity::Error];
        let random_finding = |stream: &mut crate::test_fixtures::Stream| {
            let mut f = finding(
                Category::ALL[stream.below(Category::ALL.len())],
                severities[stream.below(3)],
                None,
            );
            if stream.below(3) == 0 {
                f.url = Some(format!("https://e.test/{}", stream.below(40)).into());
            }
            for _ in 0..stream.below(3) {
                f.related
                    .push(format!("https://e.test/{}", stream.below(40)));
            }
            f
        };
        for round in 0..200 {
            let pages: Vec<PageRecord> = (0..stream.below(30))
                .map(|_| {
                    // Repeated URLs too: two records of one URL charge one page.
                    let url = format!("https://e.test/{}", stream.below(40));
                    let findings = (0..stream.below(8))
                        .map(|_| random_finding(&mut stream))
                        .collect();
                    let mut p = page(&url, findings);
                    if stream.below(5) == 0 {
                        p.status = Some(404);
                    }
                    p
                })
                .collect();
            let site: Vec<AuditFinding> = (0..stream.below(5))
                .map(|_| random_finding(&mut stream))
                .collect();
            let summary = summarize(&pages, &site);
            let got: Vec<(u8, u32, u32, u32)> = summary
                .categories
                .iter()
                .map(|c| (c.score, c.errors, c.warnings, c.infos))
                .collect();
            assert_eq!(got, reference_scores(&pages, &site), "round {round}");
        }
    }

    #[test]
    fn empty_audit_scores_every_category_100() {
        let summary = summarize(&[], &[]);
        assert_eq!(summary.pages, 0);
        assert_eq!(summary.html_pages, 0);
        assert_eq!(summary.categories.len(), Category::ALL.len());
        assert!(summary.categories.iter().all(|c| c.score == 100));
    }

    #[test]
    fn one_error_on_one_of_a_thousand_pages_barely_moves_the_score() {
        let mut pages: Vec<PageRecord> = (0..1000)
            .map(|i| page(&format!("https://e.test/{i}"), vec![]))
            .collect();
        pages[7]
            .findings
            .push(finding(Category::Seo, Severity::Error, None));
        let summary = summarize(&pages, &[]);
        assert_eq!(score_of(&summary, Category::Seo), 99);
        assert_eq!(score_of(&summary, Category::Technical), 100);
        assert_eq!(summary.errors, 1);
        assert_eq!(summary.html_pages, 1000);
    }

    #[test]
    fn an_error_on_every_page_scores_zero_and_extra_errors_do_not_go_below() {
        let pages: Vec<PageRecord> = (0..10)
            .map(|i| {
                page(
                    &format!("https://e.test/{i}"),
                    vec![
                        finding(Category::Eeat, Severity::Error, None),
                        finding(Category::Eeat, Severity::Error, None),
                    ],
                )
            })
            .collect();
        let summary = summarize(&pages, &[]);
        assert_eq!(score_of(&summary, Category::Eeat), 0);
        assert_eq!(summary.errors, 20);
    }

    #[test]
    fn warnings_cost_less_than_errors_and_infos_least() {
        let build = |severity| {
            let pages: Vec<PageRecord> = (0..4)
                .map(|i| {
                    let f = if i < 2 {
                        vec![finding(Category::Style, severity, None)]
                    } else {
                        vec![]
                    };
                    page(&format!("https://e.test/{i}"), f)
                })
                .collect();
            score_of(&summarize(&pages, &[]), Category::Style)
        };
        let (error, warning, info) = (
            build(Severity::Error),
            build(Severity::Warning),
            build(Severity::Info),
        );
        assert_eq!(error, 50);
        assert!(
            error < warning && warning < info,
            "{error} {warning} {info}"
        );
        assert_eq!(info, 98);
    }

    #[test]
    fn a_single_warning_is_never_rounded_up_to_a_perfect_score() {
        let pages: Vec<PageRecord> = (0..5000)
            .map(|i| page(&format!("https://e.test/{i}"), vec![]))
            .collect();
        let site = [finding(Category::Links, Severity::Warning, None)];
        assert_eq!(score_of(&summarize(&pages, &site), Category::Links), 99);
    }

    #[test]
    fn site_findings_charge_their_page_and_each_related_page() {
        let pages: Vec<PageRecord> = (0..4)
            .map(|i| page(&format!("https://e.test/{i}"), vec![]))
            .collect();
        let mut duplicate = finding(Category::Content, Severity::Error, Some("https://e.test/0"));
        duplicate.related = vec!["https://e.test/1".into()];
        let summary = summarize(&pages, &[duplicate]);
        // Two of four pages fully charged.
        assert_eq!(score_of(&summary, Category::Content), 50);
        assert_eq!(summary.errors, 1);
    }

    #[test]
    fn non_html_and_failed_pages_are_not_html_pages() {
        let mut pdf = page("https://e.test/a.pdf", vec![]);
        pdf.content_type = Some("application/pdf".into());
        let mut missing = page("https://e.test/gone", vec![]);
        missing.status = Some(404);
        let mut failed = page("https://e.test/down", vec![]);
        failed.status = None;
        let mut untyped = page("https://e.test/plain", vec![]);
        untyped.content_type = None;
        let summary = summarize(&[pdf, missing, failed, untyped], &[]);
        assert_eq!(summary.pages, 4);
        assert_eq!(summary.html_pages, 1);
    }

    #[test]
    fn charged_pages_outnumbering_html_pages_keep_the_score_in_range() {
        let mut broken = page("https://e.test/gone", vec![]);
        broken.status = Some(404);
        broken
            .findings
            .push(finding(Category::Technical, Severity::Error, None));
        let summary = summarize(&[broken], &[]);
        assert_eq!(summary.html_pages, 0);
        assert_eq!(score_of(&summary, Category::Technical), 0);
    }
}
