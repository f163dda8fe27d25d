//! Assembling an article from its parts. The pipeline owns the structure (front matter, title,
//! byline, headings, references, JSON-LD, AI-assistance disclosure); the model only supplies
//! the prose of each section. Citation markers are renumbered in order of first use.
use super::brief::{ArticleFormat, Brief};
use super::evidence::NumberedSource;
use super::postprocess::without_markers;
use crate::doc::sentences;
use crate::span::Span;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::sync::LazyLock;

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]").expect("marker regex"));

/// Longest meta description written (search engines cut near 160 characters).
const DESCRIPTION_MAX: usize = 155;

/// One section of a draft: the introduction has no heading.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: Option<String>,
    /// Prose paragraphs separated by blank lines, with `[n]` markers numbered as the brief's
    /// sources ([`NumberedSource::number`]).
    pub text: String,
}

/// What the article says about itself besides the brief.
#[derive(Debug, Clone)]
pub struct ArticleMeta {
    /// `YYYY-MM-DD`, used as published and modified date.
    pub date: String,
    pub publisher: String,
    pub publisher_url: Option<String>,
    /// With it, the canonical URL is `site_url/slug`.
    pub site_url: Option<String>,
    /// The model that drafted the text, named in the disclosure.
    pub model: String,
    pub lang: String,
}

impl ArticleMeta {
    /// The meta for one brief: without a configured publisher, the author's site (host of
    /// `author_url`) is named as publisher.
    pub fn for_brief(&self, brief: &Brief) -> ArticleMeta {
        let mut meta = self.clone();
        if meta.publisher.trim().is_empty() {
            if let Ok(url) = url::Url::parse(&brief.author_url) {
                if let Some(host) = url.host_str() {
                    meta.publisher = host.trim_start_matches("www.").to_string();
                    meta.publisher_url
                        .get_or_insert_with(|| format!("{}://{host}", url.scheme()));
                }
            }
        }
        meta
    }
}

/// An assembled article and where each section lies in it (to map findings back to sections).
#[derive(Debug, Clone)]
pub struct Article {
    pub text: String,
    /// Byte span of each section (heading and prose) in `text`, in draft order.
    pub section_spans: Vec<Span>,
    pub description: String,
    /// The references list in the article's order: `references[i]` is cited as `[i+1]`.
    pub references: Vec<NumberedSource>,
}

/// The visible AI-assistance disclosure.
pub fn disclosure(model: &str) -> String {
    format!(
        "AI-assistance disclosure: this article was drafted with the help of an AI language model ({model}) from the sources listed below, and checked by pressgate against citation, fact and quality rules before publication."
    )
}

/// Renumber markers by first use: returns the rewritten sections and the cited sources in
/// their new order (all sources, in brief order, when nothing is cited).
fn renumber(
    sections: &[Section],
    sources: &[NumberedSource],
) -> (Vec<String>, Vec<NumberedSource>) {
    let mut order: Vec<usize> = Vec::new();
    for section in sections {
        for caps in MARKER.captures_iter(&section.text) {
            for n in caps[1]
                .split(',')
                .filter_map(|n| n.trim().parse::<usize>().ok())
            {
                if !order.contains(&n) && sources.iter().any(|s| s.number == n) {
                    order.push(n);
                }
            }
        }
    }
    let texts = sections
        .iter()
        .map(|section| {
            MARKER
                .replace_all(&section.text, |caps: &regex::Captures<'_>| {
                    let numbers: Vec<String> = caps[1]
                        .split(',')
                        .filter_map(|n| n.trim().parse::<usize>().ok())
                        .filter_map(|n| order.iter().position(|&o| o == n))
                        .map(|i| (i + 1).to_string())
                        .collect();
                    format!("[{}]", numbers.join(", "))
                })
                .replace(" []", "")
        })
        .collect();
    let cited = if order.is_empty() {
        sources.to_vec()
    } else {
        order
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let mut s = sources.iter().find(|s| s.number == *n)?.clone();
                s.number = i + 1;
                Some(s)
            })
            .collect()
    };
    (texts, cited)
}

/// A meta description from the opening sentences, without markers, cut at a word boundary.
fn description(brief: &Brief, intro: &str) -> String {
    let plain = without_markers(intro);
    let mut out = String::new();
    for (start, end) in sentences::split(&plain) {
        let sentence = plain[start..end].trim();
        if out.len() + sentence.len() + 1 > DESCRIPTION_MAX {
            if out.is_empty() {
                let mut cut = String::new();
                for word in sentence.split_whitespace() {
                    if cut.len() + word.len() + 1 > DESCRIPTION_MAX - 1 {
                        break;
                    }
                    if !cut.is_empty() {
                        cut.push(' ');
                    }
                    cut.push_str(word);
                }
                out = format!("{}…", cut.trim_end_matches([',', ';', ':']));
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(sentence);
    }
    if out.is_empty() {
        out = format!(
            "{}: {} explained, with sources.",
            brief.title, brief.primary_keyword
        );
    }
    out
}

fn canonical(brief: &Brief, meta: &ArticleMeta) -> Option<String> {
    meta.site_url
        .as_ref()
        .map(|site| format!("{}/{}", site.trim_end_matches('/'), brief.slug))
}

/// The JSON-LD Article node.
pub fn json_ld(
    brief: &Brief,
    meta: &ArticleMeta,
    description: &str,
    cited: &[NumberedSource],
) -> Value {
    let mut publisher = Map::new();
    publisher.insert("@type".into(), json!("Organization"));
    publisher.insert("name".into(), json!(meta.publisher));
    if let Some(url) = &meta.publisher_url {
        publisher.insert("url".into(), json!(url));
    }
    let mut keywords = vec![brief.primary_keyword.clone()];
    keywords.extend(brief.secondary_keywords.iter().cloned());
    let mut node = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": brief.title,
        "description": description,
        "datePublished": meta.date,
        "dateModified": meta.date,
        "inLanguage": meta.lang,
        "author": {"@type": "Person", "name": brief.author_name, "url": brief.author_url},
        "publisher": Value::Object(publisher),
        "keywords": keywords.join(", "),
        "citation": cited.iter().map(|s| s.url.clone()).collect::<Vec<_>>(),
    });
    if let Some(url) = canonical(brief, meta) {
        node["mainEntityOfPage"] = json!(url);
    }
    node
}

fn front_matter(
    brief: &Brief,
    meta: &ArticleMeta,
    description: &str,
    cited: &[NumberedSource],
) -> String {
    let mut fm = Map::new();
    fm.insert("title".into(), json!(brief.title));
    fm.insert("description".into(), json!(description));
    fm.insert("slug".into(), json!(brief.slug));
    if let Some(url) = canonical(brief, meta) {
        fm.insert("canonical".into(), json!(url));
    }
    fm.insert("lang".into(), json!(meta.lang));
    fm.insert("date".into(), json!(meta.date));
    fm.insert("updated".into(), json!(meta.date));
    fm.insert(
        "author".into(),
        json!({"name": brief.author_name, "url": brief.author_url}),
    );
    fm.insert("publisher".into(), json!(meta.publisher));
    fm.insert("primary_keyword".into(), json!(brief.primary_keyword));
    let mut keywords = vec![brief.primary_keyword.clone()];
    keywords.extend(brief.secondary_keywords.iter().cloned());
    fm.insert("keywords".into(), json!(keywords));
    fm.insert(
        "sources".into(),
        json!(cited.iter().map(|s| s.url.clone()).collect::<Vec<_>>()),
    );
    fm.insert("ymyl".into(), json!(brief.ymyl));
    fm.insert("ai_assisted".into(), json!(true));
    fm.insert("ai_model".into(), json!(meta.model));
    fm.insert(
        "generator".into(),
        json!(format!("pressgate {}", env!("CARGO_PKG_VERSION"))),
    );
    let yaml = serde_yaml::to_string(&Value::Object(fm)).unwrap_or_default();
    format!("---\n{yaml}---\n")
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Markdown text is escaped where a model could open markup by accident.
fn escape_markdown_line(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['#', '>', '<', '|', '=']) {
        format!("\\{trimmed}")
    } else {
        trimmed.replace('<', "&lt;")
    }
}

/// Assemble the article in the brief's format.
pub fn assemble(
    brief: &Brief,
    sections: &[Section],
    sources: &[NumberedSource],
    meta: &ArticleMeta,
) -> Article {
    let (texts, cited) = renumber(sections, sources);
    let intro = texts.first().map(String::as_str).unwrap_or("");
    let description = description(brief, intro);
    let ld = serde_json::to_string_pretty(&json_ld(brief, meta, &description, &cited))
        .unwrap_or_default();
    let mut spans = Vec::new();
    let text = match brief.format {
        ArticleFormat::Md => {
            let mut out = front_matter(brief, meta, &description, &cited);
            out.push_str(&format!(
                "\n# {}\n\nBy [{}]({})\n\n",
                brief.title, brief.author_name, brief.author_url
            ));
            for (section, text) in sections.iter().zip(&texts) {
                let start = out.len();
                if let Some(heading) = &section.heading {
                    out.push_str(&format!("## {heading}\n\n"));
                }
                for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
                    out.push_str(&escape_markdown_line(paragraph));
                    out.push_str("\n\n");
                }
                spans.push(Span::new(start, out.len()));
            }
            out.push_str(&format!(
                "*{}*\n\n## References\n\n",
                disclosure(&meta.model)
            ));
            for source in &cited {
                out.push_str(&format!(
                    "{}. [{}]({})\n",
                    source.number,
                    source.title.replace(['[', ']'], ""),
                    source.url
                ));
            }
            out.push_str(&format!(
                "\n<script type=\"application/ld+json\">\n{ld}\n</script>\n"
            ));
            out
        }
        ArticleFormat::Html => {
            let mut out = format!(
                "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<meta name=\"description\" content=\"{}\">\n<meta name=\"author\" content=\"{}\">\n<meta name=\"keywords\" content=\"{}\">\n<meta name=\"generator\" content=\"pressgate {}\">\n",
                escape_html(&meta.lang),
                escape_html(&brief.title),
                escape_html(&description),
                escape_html(&brief.author_name),
                escape_html(&std::iter::once(brief.primary_keyword.clone()).chain(brief.secondary_keywords.iter().cloned()).collect::<Vec<_>>().join(", ")),
                env!("CARGO_PKG_VERSION"),
            );
            if let Some(url) = canonical(brief, meta) {
                out.push_str(&format!(
                    "<link rel=\"canonical\" href=\"{}\">\n",
                    escape_html(&url)
                ));
            }
            out.push_str(&format!(
                "<script type=\"application/ld+json\">\n{}\n</script>\n</head>\n<body>\n<article>\n<h1>{}</h1>\n<p class=\"byline\">By <a rel=\"author\" href=\"{}\">{}</a>, <time datetime=\"{}\">{}</time></p>\n",
                ld.replace("</", "<\\/"),
                escape_html(&brief.title),
                escape_html(&brief.author_url),
                escape_html(&brief.author_name),
                meta.date,
                meta.date
            ));
            for (section, text) in sections.iter().zip(&texts) {
                let start = out.len();
                if let Some(heading) = &section.heading {
                    out.push_str(&format!("<h2>{}</h2>\n", escape_html(heading)));
                }
                for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
                    out.push_str(&format!("<p>{}</p>\n", escape_html(paragraph.trim())));
                }
                spans.push(Span::new(start, out.len()));
            }
            out.push_str(&format!(
                "<p><em>{}</em></p>\n<h2>References</h2>\n<ol>\n",
                escape_html(&disclosure(&meta.model))
            ));
            for source in &cited {
                out.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>\n",
                    escape_html(&source.url),
                    escape_html(&source.title)
                ));
            }
            out.push_str("</ol>\n</article>\n</body>\n</html>\n");
            out
        }
    };
    Article {
        text,
        section_spans: spans,
        description,
        references: cited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{self, Format};

    fn sources() -> Vec<NumberedSource> {
        (1..=3)
            .map(|n| NumberedSource {
                number: n,
                source_id: format!("src-{n}"),
                url: format!("https://s{n}.example/page"),
                title: format!("Source {n}"),
            })
            .collect()
    }

    fn meta() -> ArticleMeta {
        ArticleMeta {
            date: "2026-01-02".into(),
            publisher: "Example Press".into(),
            publisher_url: Some("https://example.org".into()),
            site_url: Some("https://example.org/articles/".into()),
            model: "onnx:tiny".into(),
            lang: "en".into(),
        }
    }

    fn sections() -> Vec<Section> {
        vec![
            Section {
                heading: None,
                text: "Home composting turns scraps into soil [3].".into(),
            },
            Section {
                heading: Some("Greens and browns".into()),
                text: "Mix three parts browns to one part greens [2, 3].\n\nKeep meat out.".into(),
            },
        ]
    }

    #[test]
    fn markdown_article_parses_with_front_matter_references_and_json_ld() {
        let mut brief = crate::generate::prompt::tests::brief();
        brief.title = "Home composting basics: a guide for new gardeners".into();
        let article = assemble(&brief, &sections(), &sources(), &meta());
        let parsed = doc::parse("a.md", &article.text, Format::Markdown);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        assert_eq!(parsed.meta("slug"), Some("s"));
        assert_eq!(parsed.references.len(), 2);
        assert_eq!(
            parsed.references[0].url.as_deref(),
            Some("https://s3.example/page")
        );
        let labels: Vec<&str> = parsed.citations.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "1"]);
        let ld = parsed.json_ld[0].value.as_ref().expect("json-ld");
        assert_eq!(ld["author"]["url"], "https://a.example/ann");
        assert_eq!(ld["publisher"]["name"], "Example Press");
        assert_eq!(ld["mainEntityOfPage"], "https://example.org/articles/s");
        assert_eq!(article.section_spans.len(), 2);
        assert!(article.text[article.section_spans[1].start..].starts_with("## Greens and browns"));
        assert_eq!(
            article.description,
            "Home composting turns scraps into soil."
        );
    }

    #[test]
    fn html_article_parses_the_same() {
        let mut brief = crate::generate::prompt::tests::brief();
        brief.format = ArticleFormat::Html;
        let article = assemble(&brief, &sections(), &sources(), &meta());
        let parsed = doc::parse("a.html", &article.text, Format::Html);
        assert_eq!(parsed.references.len(), 2);
        assert_eq!(parsed.citations.len(), 3);
        assert!(parsed.json_ld[0].value.is_some());
        assert_eq!(
            parsed.title.as_ref().map(|t| t.text.as_str()),
            Some("Home composting basics")
        );
    }
}
