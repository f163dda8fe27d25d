//! One HTML page through the audit: parse it into a Document, run every page rule (the same
//! engine as `pressgate check`), and keep only what the report and the site checks need —
//! findings with line/column, links as 64-bit keys, fingerprints. The HTML is dropped after.
use super::citations::CitationCheck;
use super::codes;
use super::model::{shared_cow, shared_message, shared_text, AuditFinding, Category};
use super::page_scan;
use super::simhash::{self, TextPrint};
use super::urlnorm;
use crate::doc::{self, Document, Format};
use crate::finding::{Finding, Severity};
use crate::rules::{DocumentCheck, Engine};
use crate::span::Span;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;
use url::Url;

/// A position in a page's HTML, 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A link from one page to another, kept as the target's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkRef {
    pub target: u64,
    pub pos: Pos,
}

/// An hreflang annotation of a page.
#[derive(Debug, Clone)]
pub struct HreflangRef {
    pub lang: String,
    pub target: u64,
    pub url: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct BylineRef {
    pub name: String,
    /// The byline's link, resolved and normalised.
    pub url: Option<String>,
    pub pos: Pos,
}

/// What the site checks keep of one HTML page.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    /// Same-site links (unique targets, first position).
    pub internal: Vec<LinkRef>,
    /// Links to other sites: the URL and where it is.
    pub external: Vec<(String, Pos)>,
    /// Normalised canonical URL when it differs from the page's own URL.
    pub canonical_elsewhere: Option<(String, Pos)>,
    pub hreflangs: Vec<HreflangRef>,
    pub byline: Option<BylineRef>,
    pub print: Option<TextPrint>,
    /// Where set-level findings may point (title, description, file start): byte offset to
    /// position, so findings added after the HTML is gone still get a line.
    pub anchors: Vec<(usize, Pos)>,
}

/// The analysis of one page.
pub struct Analysed {
    pub title: Option<String>,
    pub canonical: Option<String>,
    pub words: u32,
    pub noindex_meta: bool,
    pub findings: Vec<AuditFinding>,
    pub facts: PageFacts,
    /// Kept for the set-level rules (duplicate titles and descriptions); its findings are
    /// already moved into `findings`.
    pub check: DocumentCheck,
    /// Same-site URLs to crawl next (links and the canonical).
    pub discovered: Vec<Url>,
}

fn pos_of(doc: &Document, offset: usize) -> Pos {
    let lc = doc.lines.line_col(&doc.source, offset);
    Pos {
        line: lc.line.min(u32::MAX as usize) as u32,
        column: lc.column.min(u32::MAX as usize) as u32,
    }
}

/// An audit finding from a page rule's finding, placed on the page at `url`.
pub fn from_rule_finding(
    engine: &Engine,
    url: &Arc<str>,
    finding: Finding,
    pos: Option<Pos>,
) -> AuditFinding {
    let meta = engine.rule(&finding.code).map(|r| r.meta());
    AuditFinding {
        category: codes::category_of(&finding.code, meta.map(|m| m.pack)),
        code: match meta {
            Some(m) => Cow::Borrowed(m.code),
            None => finding.code,
        },
        severity: finding.severity,
        message: shared_cow(finding.message, shared_message),
        url: Some(url.clone()),
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.column),
        help: finding.help.map(|h| shared_cow(h, shared_text)),
        related: Vec::new(),
        evidence: finding.evidence.map(Box::new),
    }
}

/// An audit-code finding at the severity configured for `url`; `None` when the code is off.
pub fn audit_finding(
    engine: &Engine,
    code: &str,
    url: Option<&str>,
    message: impl Into<String>,
    pos: Option<Pos>,
    related: Vec<String>,
) -> Option<AuditFinding> {
    let severity = match url {
        Some(u) => engine.severity_for(code, u)?,
        None => engine
            .rule(code)
            .map(|r| r.meta().default_severity)
            .unwrap_or(Severity::Warning),
    };
    let meta = codes::meta(code);
    Some(AuditFinding {
        code: match meta {
            Some(m) => Cow::Borrowed(m.code),
            None => Cow::Owned(code.to_string()),
        },
        severity,
        category: codes::category_of(code, Some("audit")),
        message: shared_message(&message.into()),
        url: url.map(Arc::from),
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.column),
        help: meta.map(|m| shared_text(m.summary)),
        related,
        evidence: None,
    })
}

/// Resolve a link on a page. Local sites (file URLs) treat `/x` as relative to the audited
/// folder, and a folder URL as its `index.html`.
pub fn resolve_link(base: &Url, href: &str, local_root: Option<&Url>) -> Option<Url> {
    let href = href.trim();
    let mut url = match local_root {
        Some(root) if href.starts_with('/') && !href.starts_with("//") => {
            urlnorm::resolve(root, &href[1..])?
        }
        _ => urlnorm::resolve(base, href)?,
    };
    if url.scheme() == "file" && url.path().ends_with('/') {
        let path = format!("{}index.html", url.path());
        url.set_path(&path);
    }
    Some(url)
}

/// Analyse an HTML page served at `url` (final URL after redirects).
pub fn analyse(engine: &Engine, url: &Url, source: &str, local_root: Option<&Url>) -> Analysed {
    analyse_with(engine, url, source.to_owned(), local_root, None)
}

/// [`analyse`], plus the fact check of the page's claims against its cited sources when
/// `citations` is given.
pub fn analyse_with(
    engine: &Engine,
    url: &Url,
    source: String,
    local_root: Option<&Url>,
    citations: Option<&CitationCheck>,
) -> Analysed {
    let url_text = url.as_str();
    let page_url: Arc<str> = Arc::from(url_text);
    let doc = doc::parse_owned(url_text, source, Format::Html);
    // The fingerprint is built on the walk that counts the words for the rules.
    let mut printer = simhash::Fingerprinter::new();
    doc.visit_words(|word| printer.push_word(word));
    let mut check = engine.check_document(&doc);
    if let Some(citations) = citations {
        check.findings.extend(citations.findings(engine, &doc, url));
    }
    // Taken, not drained: the check is kept for the set rules, and a drained Vec would keep
    // its capacity (kilobytes per page, for the whole crawl).
    let mut findings: Vec<AuditFinding> = std::mem::take(&mut check.findings)
        .into_iter()
        .map(|f| {
            let pos = pos_of(&doc, f.span.start);
            from_rule_finding(engine, &page_url, f, Some(pos))
        })
        .collect();

    let mut facts = PageFacts::default();
    let mut discovered = Vec::new();
    // Per page, so the hasher's per-process seed is enough against crafted link lists.
    let mut seen_internal: HashSet<u64, foldhash::fast::RandomState> = HashSet::default();
    let mut seen_external: HashSet<String, foldhash::fast::RandomState> = HashSet::default();
    let own_key = urlnorm::key(url);
    for link in &doc.links {
        let Some(target) = resolve_link(url, &link.href, local_root) else {
            continue;
        };
        let pos = pos_of(&doc, link.span.start);
        if urlnorm::same_site(url, &target) {
            let key = urlnorm::key(&target);
            if key != own_key && seen_internal.insert(key) {
                facts.internal.push(LinkRef { target: key, pos });
                if !link.rel.iter().any(|r| r.eq_ignore_ascii_case("nofollow")) {
                    discovered.push(target);
                }
            }
        } else if matches!(target.scheme(), "http" | "https")
            && seen_external.insert(target.as_str().to_string())
        {
            facts.external.push((target.to_string(), pos));
        }
    }

    let canonical = doc
        .canonical
        .as_ref()
        .and_then(|c| resolve_link(url, &c.text, local_root).map(|u| (u, c.span)));
    if let Some((target, span)) = &canonical {
        if urlnorm::key(target) != own_key {
            facts.canonical_elsewhere = Some((target.to_string(), pos_of(&doc, span.start)));
            if urlnorm::same_site(url, target) {
                discovered.push(target.clone());
            }
        }
    }

    let scan = page_scan::scan(&doc.source);
    for alt in &scan.hreflangs {
        if let Some(target) = resolve_link(url, &alt.href, local_root) {
            facts.hreflangs.push(HreflangRef {
                lang: alt.lang.clone(),
                target: urlnorm::key(&target),
                url: target.to_string(),
                pos: pos_of(&doc, alt.offset),
            });
            if urlnorm::same_site(url, &target) {
                discovered.push(target);
            }
        }
    }
    if url.scheme() == "https" {
        for sub in &scan.subresources {
            let lower = sub.url.to_ascii_lowercase();
            if lower.starts_with("http://") {
                findings.extend(audit_finding(
                    engine,
                    codes::MIXED_CONTENT,
                    Some(url_text),
                    format!("<{}> loads `{}` over plain HTTP", sub.element, sub.url),
                    Some(pos_of(&doc, sub.offset)),
                    vec![sub.url.clone()],
                ));
            }
        }
    }

    facts.byline = doc.byline.as_ref().map(|b| BylineRef {
        name: b.name.split_whitespace().collect::<Vec<_>>().join(" "),
        url: b
            .url
            .as_deref()
            .and_then(|h| resolve_link(url, h, local_root))
            .map(|u| u.to_string()),
        pos: pos_of(&doc, b.span.start),
    });

    facts.print = Some(printer.finish());
    facts.anchors.push((0, Pos { line: 1, column: 1 }));
    for span in [doc.title.as_ref(), doc.meta_description.as_ref()]
        .into_iter()
        .flatten()
        .map(|t| t.span)
    {
        facts.anchors.push((span.start, pos_of(&doc, span.start)));
    }

    let noindex_meta = doc.robots.as_ref().is_some_and(|r| has_noindex(&r.text));
    Analysed {
        title: doc.title.as_ref().map(|t| t.text.clone()),
        canonical: canonical.map(|(u, _)| u.to_string()),
        words: doc.word_count().min(u32::MAX as usize) as u32,
        noindex_meta,
        findings,
        facts,
        check,
        discovered,
    }
}

/// Whether a robots directive list (meta or `X-Robots-Tag`) says `noindex` (or `none`).
pub fn has_noindex(directives: &str) -> bool {
    directives
        .to_ascii_lowercase()
        .split([',', ' ', ':'])
        .any(|d| matches!(d.trim(), "noindex" | "none"))
}

/// Position of a set-level finding from the anchors kept for its page.
pub fn anchor_pos(facts: &PageFacts, span: Span) -> Option<Pos> {
    facts
        .anchors
        .iter()
        .find(|(offset, _)| *offset == span.start)
        .map(|(_, p)| *p)
}

/// The category of a finding code as the report shows it.
pub fn category(engine: &Engine, code: &str) -> Category {
    codes::category_of(code, engine.rule(code).map(|r| r.meta().pack))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_fixtures::default_engine as engine;

    #[test]
    fn analyses_links_mixed_content_and_rules() {
        let html = "<!doctype html><html lang=\"en\"><head><title>Hi</title>\n\
            <link rel=\"canonical\" href=\"https://a.test/other\">\n\
            <link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\">\n</head><body>\n\
            <h1>Hi</h1><p>Text <a href=\"/b\">b</a> <a href=\"/b#x\">again</a> \
            <a href=\"https://elsewhere.test/x\">out</a></p>\n<img alt=\"a\" src=\"http://cdn.test/i.png\">\n\
            </body></html>";
        let url = Url::parse("https://a.test/").expect("url");
        let out = analyse(&engine(), &url, html, None);
        assert_eq!(out.facts.internal.len(), 1, "duplicate targets kept once");
        assert_eq!(out.facts.external.len(), 1);
        assert_eq!(out.facts.hreflangs.len(), 1);
        assert_eq!(out.canonical.as_deref(), Some("https://a.test/other"));
        assert!(out.facts.canonical_elsewhere.is_some());
        let mixed: Vec<&AuditFinding> = out
            .findings
            .iter()
            .filter(|f| f.code == codes::MIXED_CONTENT)
            .collect();
        assert_eq!(mixed.len(), 1);
        assert_eq!(mixed[0].line, Some(6));
        // Page rules ran too (the title is far too short).
        assert!(out.findings.iter().any(|f| f.code.starts_with("SEO")));
        let urls: Vec<String> = out.discovered.iter().map(|u| u.to_string()).collect();
        assert!(urls.contains(&"https://a.test/b".to_string()));
        assert!(urls.contains(&"https://a.test/other".to_string()));
    }

    #[test]
    fn local_root_relative_links() {
        let root = Url::parse("file:///site/").expect("url");
        let page = Url::parse("file:///site/blog/post.html").expect("url");
        assert_eq!(
            resolve_link(&page, "/about/", Some(&root)).map(|u| u.to_string()),
            Some("file:///site/about/index.html".into())
        );
        assert_eq!(
            resolve_link(&page, "../x.html", Some(&root)).map(|u| u.to_string()),
            Some("file:///site/x.html".into())
        );
    }

    #[test]
    fn noindex_directives() {
        assert!(has_noindex("noindex, follow"));
        assert!(has_noindex("googlebot: noindex"));
        assert!(has_noindex("NONE"));
        assert!(!has_noindex("index, follow"));
    }
}
