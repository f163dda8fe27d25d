//! Markdown body (CommonMark + GFM tables, footnotes, strikethrough) into the Document body,
//! walking pulldown-cmark's events with their source ranges.
use super::builder::{self, Body, Builder};
use super::{html_scan, BlockKind, Image, Link, Reference};
use crate::span::Span;
use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};
use regex::Regex;
use std::sync::LazyLock;

/// A shortcut reference link whose whole source is a citation marker (`[1]` with a `[1]: url`
/// definition): it stays a citation in the text.
static CITATION_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[\d{1,4}(?:\s*[-–—,]\s*\d{1,4})*\]$").expect("valid regex"));

/// What the walk found besides the body.
pub(crate) struct MarkdownParse {
    pub body: Body,
    /// Spans of code (blocks and inline) so comment scanning can skip them.
    pub code_spans: Vec<Span>,
    /// Spans of raw HTML (blocks and inline tags) for JSON-LD, images and comments.
    pub html_spans: Vec<Span>,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Parse the Markdown body `source[body_start..]`; all spans are offsets into `source`.
pub(crate) fn parse(source: &str, body_start: usize) -> MarkdownParse {
    let body_start = body_start.min(source.len());
    let body = &source[body_start..];
    let mut b = Builder::new(source);
    let mut code_spans = Vec::new();
    let mut html_spans = Vec::new();
    // Depth of links whose inner text is replaced by their source (citation links).
    let mut verbatim_link_depth = 0usize;
    let mut link_is_verbatim: Vec<bool> = Vec::new();
    let mut image_starts: Vec<(String, usize)> = Vec::new();
    let mut heading_levels: Vec<u8> = Vec::new();
    let mut in_code_block = false;
    let mut in_html_block: Option<usize> = None;

    let mut events = Parser::new_ext(body, options()).into_offset_iter();
    for (event, range) in events.by_ref() {
        let start = body_start + range.start;
        let end = body_start + range.end;
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => b.begin_paragraph(start),
                Tag::Heading { level, .. } => {
                    heading_levels.push(level as u8);
                    b.begin_heading(start);
                }
                Tag::BlockQuote(_) => b.begin_container(BlockKind::BlockQuote),
                Tag::CodeBlock(_) => {
                    in_code_block = true;
                    code_spans.push(Span::new(start, end));
                    b.begin_block(BlockKind::Code, start);
                }
                Tag::HtmlBlock => in_html_block = Some(start),
                Tag::List(first) => b.begin_list(first),
                Tag::Item => b.begin_item(start, None),
                Tag::FootnoteDefinition(label) => b.begin_footnote_definition(&label, start),
                Tag::TableCell => b.begin_block(BlockKind::TableCell, start),
                Tag::Link {
                    link_type,
                    dest_url,
                    ..
                } => {
                    let raw = source.get(start..end).unwrap_or("");
                    let verbatim = matches!(
                        link_type,
                        LinkType::Shortcut | LinkType::Collapsed | LinkType::Reference
                    ) && CITATION_LINK.is_match(raw);
                    b.begin_link(&dest_url, Vec::new(), start);
                    if verbatim {
                        b.text(raw, start);
                        verbatim_link_depth += 1;
                    }
                    link_is_verbatim.push(verbatim);
                }
                Tag::Image { dest_url, .. } => {
                    image_starts.push((dest_url.to_string(), start));
                    b.begin_alt();
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph => b.end_block(end),
                TagEnd::Heading(_) => {
                    let level = heading_levels.pop().unwrap_or(1);
                    b.end_heading(level, end);
                }
                TagEnd::BlockQuote(_) => b.end_container(),
                TagEnd::CodeBlock => {
                    in_code_block = false;
                    b.end_block(end);
                }
                TagEnd::HtmlBlock => {
                    if let Some(s) = in_html_block.take() {
                        html_spans.push(Span::new(s, end));
                        html_block_media(&mut b, source, Span::new(s, end));
                    }
                }
                TagEnd::List(_) => b.end_list(),
                TagEnd::Item => b.end_item(end),
                TagEnd::FootnoteDefinition => b.end_footnote_definition(end),
                TagEnd::TableCell => b.end_block(end),
                TagEnd::TableHead | TagEnd::TableRow | TagEnd::Table => b.flush(),
                TagEnd::Link => {
                    if link_is_verbatim.pop().unwrap_or(false) {
                        verbatim_link_depth = verbatim_link_depth.saturating_sub(1);
                    }
                    b.end_link(end);
                }
                TagEnd::Image => {
                    let alt = b.end_alt();
                    if let Some((src, s)) = image_starts.pop() {
                        b.image(Image {
                            src,
                            alt: Some(alt.trim().to_owned()),
                            span: Span::new(s, end),
                        });
                    }
                }
                _ => {}
            },
            Event::Text(text) => {
                if verbatim_link_depth > 0 {
                    continue;
                }
                if in_code_block {
                    b.raw_text(&text, start);
                } else {
                    push_text(&mut b, source, &text, start, end);
                }
            }
            Event::Code(text) => {
                code_spans.push(Span::new(start, end));
                if verbatim_link_depth > 0 {
                    continue;
                }
                let raw = source.get(start..end).unwrap_or("");
                match raw.find(&*text) {
                    Some(i) => b.inline_code(&text, start + i),
                    None => b.inline_code(&text, start),
                }
            }
            Event::InlineHtml(html) => {
                html_spans.push(Span::new(start, end));
                inline_html(&mut b, source, &html, start);
            }
            Event::Html(_) => {}
            Event::FootnoteReference(label) => b.footnote_reference(&label, Span::new(start, end)),
            Event::SoftBreak | Event::HardBreak => b.line_break(start),
            Event::Rule => b.flush(),
            Event::InlineMath(text) | Event::DisplayMath(text) => {
                push_text(&mut b, source, &text, start, end)
            }
            Event::TaskListMarker(_) => {}
        }
    }
    if let Some(s) = in_html_block {
        html_spans.push(Span::new(s, source.len()));
    }
    let mut body_parts = b.finish();
    let definitions: Vec<Definition> = events
        .reference_definitions()
        .iter()
        .filter(|(label, _)| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
        .map(|(label, def)| Definition {
            label: label.to_owned(),
            span: Span::new(body_start + def.span.start, body_start + def.span.end),
            url: def.dest.to_string(),
            title: def.title.as_ref().map(|t| t.to_string()),
        })
        .collect();
    add_numbered_definitions(&mut body_parts.references, source, definitions);
    MarkdownParse {
        body: body_parts,
        code_spans,
        html_spans,
    }
}

/// A numbered link reference definition (`[1]: https://...`).
struct Definition {
    label: String,
    span: Span,
    url: String,
    title: Option<String>,
}

/// Numbered link reference definitions are references too, unless the references section
/// already has that number.
fn add_numbered_definitions(
    references: &mut Vec<Reference>,
    source: &str,
    definitions: Vec<Definition>,
) {
    let before = references.len();
    for def in definitions {
        if references[..before].iter().any(|r| r.label == def.label) {
            continue;
        }
        let raw = source.get(def.span.start..def.span.end).unwrap_or("");
        let text = raw.trim();
        let start = def.span.start + (raw.len() - raw.trim_start().len());
        references.push(Reference {
            label: def.label,
            text: text.to_owned(),
            url: Some(def.url),
            title: def.title,
            span: Span::new(start, start + text.len()),
        });
    }
    if references.len() > before {
        references.sort_by_key(|r| r.span.start);
    }
}

/// Text whose event text may differ from the source slice (escapes, entities).
fn push_text(b: &mut Builder<'_>, source: &str, text: &str, start: usize, end: usize) {
    let raw = source.get(start..end).unwrap_or("");
    if raw == text {
        b.text(text, start);
    } else if let Some(i) = raw.find(text) {
        // `\*` gives text `*` with the backslash in the range.
        b.text(text, start + i);
    } else {
        b.text_at(text, start);
    }
}

/// Raw inline HTML in a paragraph: `<a href>` and `<img>` become links and images, `<br>` a
/// line break; comments are collected separately.
fn inline_html(b: &mut Builder<'_>, source: &str, html: &str, start: usize) {
    let Some(tag) = html_scan::parse_tag(source, start) else {
        return;
    };
    if tag.span.end > start + html.len() {
        return;
    }
    match (&*tag.name, tag.is_end) {
        ("a", false) => {
            let href = html_scan::attr(source, tag.span, "href").map(|a| a.value);
            let rel = html_scan::attr(source, tag.span, "rel")
                .map(|a| html_scan::rel_tokens(&a.value))
                .unwrap_or_default();
            b.begin_link(href.as_deref().unwrap_or(""), rel, start);
        }
        ("a", true) => {
            b.end_link(tag.span.end);
        }
        ("img", false) => {
            let src = html_scan::attr(source, tag.span, "src").map(|a| a.value);
            let alt = html_scan::attr(source, tag.span, "alt").map(|a| a.value);
            b.image(Image {
                src: src.unwrap_or_default(),
                alt,
                span: tag.span,
            });
        }
        ("br", _) => b.line_break(start),
        _ => {}
    }
}

/// Images and links inside a raw HTML block (`<figure><img ...></figure>`).
fn html_block_media(b: &mut Builder<'_>, source: &str, span: Span) {
    let scan = html_scan::scan(source, span.start, span.end);
    for (i, tag) in scan.tags.iter().enumerate() {
        if tag.is_end {
            continue;
        }
        match &*tag.name {
            "img" => b.image(Image {
                src: html_scan::attr(source, tag.span, "src")
                    .map(|a| a.value)
                    .unwrap_or_default(),
                alt: html_scan::attr(source, tag.span, "alt").map(|a| a.value),
                span: tag.span,
            }),
            "a" => {
                let Some(href) = html_scan::attr(source, tag.span, "href") else {
                    continue;
                };
                let inner = &scan.tags[i + 1..];
                let close = inner
                    .iter()
                    .take(64)
                    .position(|t| t.is_end && t.name == "a");
                let (text, end) = match close {
                    Some(c) => {
                        // Visible text: the source between the tags inside the link.
                        let mut text = String::new();
                        let mut from = tag.span.end;
                        for t in &inner[..=c] {
                            text.push_str(source.get(from..t.span.start).unwrap_or(""));
                            text.push(' ');
                            from = t.span.end;
                        }
                        (html_scan::decode_entities(&text), inner[c].span.end)
                    }
                    None => (String::new(), tag.span.end),
                };
                let rel = html_scan::attr(source, tag.span, "rel")
                    .map(|a| html_scan::rel_tokens(&a.value))
                    .unwrap_or_default();
                b.link(Link {
                    href: href.value,
                    text: builder::collapse_whitespace(text),
                    rel,
                    span: Span::new(tag.span.start, end),
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    #[test]
    fn headings_and_paragraph_blocks_with_spans() {
        let src = "# Title\n\nSome *emphasised* text and `code`.\n\n## Part two\n\nMore.\n";
        let body = parse(src, 0).body;
        assert_eq!(body.headings.len(), 2);
        assert_eq!(body.headings[0].level, 1);
        assert_eq!(body.headings[0].text, "Title");
        assert_eq!(slice(src, body.headings[0].span), "# Title");
        assert_eq!(body.headings[1].level, 2);
        assert_eq!(body.blocks.len(), 2);
        let block = &body.blocks[0];
        assert_eq!(block.text, "Some emphasised text and code.");
        assert_eq!(slice(src, block.span), "Some *emphasised* text and `code`.");
        assert_eq!(block.heading, Some(0));
        let w = block.text.find("emphasised").unwrap_or(0);
        assert_eq!(slice(src, block.map.span(w, w + 10)), "emphasised");
        assert_eq!(body.blocks[1].heading, Some(1));
    }

    #[test]
    fn lists_tables_quotes_and_code_become_blocks() {
        let src = "- one\n- two\n  - nested\n\n> quoted\n\n| a | b |\n|---|---|\n| c | d |\n\n```\nlet x = 1;\n```\n";
        let body = parse(src, 0).body;
        let kinds: Vec<(BlockKind, &str)> = body
            .blocks
            .iter()
            .map(|b| (b.kind, b.text.as_str()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (BlockKind::ListItem, "one"),
                (BlockKind::ListItem, "two"),
                (BlockKind::ListItem, "nested"),
                (BlockKind::BlockQuote, "quoted"),
                (BlockKind::TableCell, "a"),
                (BlockKind::TableCell, "b"),
                (BlockKind::TableCell, "c"),
                (BlockKind::TableCell, "d"),
                (BlockKind::Code, "let x = 1;\n"),
            ]
        );
        for block in &body.blocks {
            if block.kind != BlockKind::Code {
                assert_eq!(slice(src, block.map.span(0, block.text.len())), block.text);
            }
        }
    }

    #[test]
    fn links_images_and_escapes() {
        let src = "See [the docs](https://x.org \"t\") and ![a cat](cat.png) \\*now\\* &amp; <https://y.org>.\n";
        let body = parse(src, 0).body;
        assert_eq!(
            body.blocks[0].text,
            "See the docs and *now* & https://y.org."
        );
        assert_eq!(body.links.len(), 2);
        assert_eq!(body.links[0].href, "https://x.org");
        assert_eq!(body.links[0].text, "the docs");
        assert_eq!(
            slice(src, body.links[0].span),
            "[the docs](https://x.org \"t\")"
        );
        assert_eq!(body.images.len(), 1);
        assert_eq!(body.images[0].alt.as_deref(), Some("a cat"));
        assert_eq!(slice(src, body.images[0].span), "![a cat](cat.png)");
        let text = &body.blocks[0].text;
        let star = text.find("*now").unwrap_or(0);
        assert_eq!(slice(src, body.blocks[0].map.span(star, star + 1)), "*");
    }

    #[test]
    fn citations_sentences_and_footnotes() {
        let src = "Rust is fast.[1] It is safe [2, 3] and fun.[^fn]\n\nNot a [citation](https://x.org) or `[4]`.\n\n[^fn]: A footnote with https://z.org/page.\n";
        let body = parse(src, 0).body;
        let labels: Vec<&str> = body.citations.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, vec!["1", "2", "3", "fn"]);
        assert_eq!(slice(src, body.citations[0].span), "[1]");
        assert_eq!(slice(src, body.citations[1].span), "[2, 3]");
        assert_eq!(slice(src, body.citations[3].span), "[^fn]");
        assert_eq!(body.citations[0].sentence, Some(0));
        assert_eq!(body.citations[1].sentence, Some(1));
        assert_eq!(body.citations[3].sentence, Some(1));
        let first = &body.sentences[0];
        let (start, end) = first.text_range;
        assert_eq!(
            &body.blocks[first.block].text[start..end],
            "Rust is fast.[1]"
        );
        assert_eq!(
            slice(src, body.sentences[1].span),
            "It is safe [2, 3] and fun.[^fn]"
        );
        assert_eq!(body.references.len(), 1);
        assert_eq!(body.references[0].label, "fn");
        assert_eq!(
            body.references[0].url.as_deref(),
            Some("https://z.org/page")
        );
        // The footnote definition is not body text.
        assert!(body.blocks.iter().all(|b| !b.text.contains("footnote")));
    }

    #[test]
    fn references_section_is_not_body_text() {
        let src = "# T\n\nA claim.[1]\n\n## References\n\n1. Smith, [A study](https://a.org/s), 2020.\n2. Doe, \"Other work\", https://b.org/o.\n\n## After\n\nBack to text.\n";
        let body = parse(src, 0).body;
        assert_eq!(body.references.len(), 2);
        assert_eq!(body.references[0].label, "1");
        assert_eq!(body.references[0].url.as_deref(), Some("https://a.org/s"));
        assert_eq!(body.references[0].title.as_deref(), Some("A study"));
        assert_eq!(body.references[1].label, "2");
        assert_eq!(body.references[1].url.as_deref(), Some("https://b.org/o"));
        assert_eq!(body.references[1].title.as_deref(), Some("Other work"));
        assert!(slice(src, body.references[0].span).starts_with("1. Smith"));
        let texts: Vec<&str> = body.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["A claim.[1]", "Back to text."]);
        assert_eq!(body.links.len(), 1, "links in references stay links");
    }

    #[test]
    fn bracketed_reference_paragraphs() {
        let src = "## Sources\n\n[1] One, https://one.org\n[2] Two, https://two.org\n";
        let body = parse(src, 0).body;
        let labels: Vec<&str> = body.references.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["1", "2"]);
        assert_eq!(body.references[1].url.as_deref(), Some("https://two.org"));
        assert_eq!(
            slice(src, body.references[1].span),
            "[2] Two, https://two.org"
        );
        assert!(body.blocks.is_empty());
    }

    #[test]
    fn citation_shortcut_links_stay_citations() {
        let src = "Claim [1].\n\n[1]: https://x.org \"X\"\n";
        let body = parse(src, 0).body;
        assert_eq!(body.citations.len(), 1);
        assert_eq!(body.references.len(), 1);
        assert_eq!(body.references[0].label, "1");
        assert_eq!(body.references[0].url.as_deref(), Some("https://x.org"));
        assert_eq!(body.references[0].title.as_deref(), Some("X"));
        assert_eq!(
            slice(src, body.references[0].span),
            "[1]: https://x.org \"X\""
        );
        assert_eq!(slice(src, body.citations[0].span), "[1]");
        assert_eq!(body.links.len(), 1);
        assert_eq!(body.blocks[0].text, "Claim [1].");
    }

    #[test]
    fn inline_html_links_and_images() {
        let src = "Hi <a href=\"/x\" rel=\"nofollow ugc\">there</a> <img src=\"a.png\"> end\n";
        let body = parse(src, 0).body;
        assert_eq!(body.links[0].href, "/x");
        assert_eq!(body.links[0].text, "there");
        assert_eq!(body.links[0].rel, vec!["nofollow", "ugc"]);
        assert_eq!(body.images[0].alt, None);
        assert_eq!(body.blocks[0].text, "Hi there end");
    }

    #[test]
    fn html_blocks_give_images_links_and_json_ld_spans() {
        let src = "Intro.\n\n<figure>\n<a href=\"/big.png\"><img src=\"small.png\" alt=\"Chart\"> <b>Full</b> size</a>\n</figure>\n\n[![Logo](logo.png)](https://x.org)\n";
        let parsed = parse(src, 0);
        let body = parsed.body;
        assert_eq!(body.images.len(), 2);
        assert_eq!(body.images[0].alt.as_deref(), Some("Chart"));
        assert_eq!(
            slice(src, body.images[0].span),
            "<img src=\"small.png\" alt=\"Chart\">"
        );
        assert_eq!(body.links[0].href, "/big.png");
        assert_eq!(body.links[0].text, "Full size");
        assert!(slice(src, body.links[0].span).ends_with("size</a>"));
        assert_eq!(body.links[1].text, "Logo", "alt text names a linked image");
        assert_eq!(parsed.html_spans.len(), 1);
    }

    #[test]
    fn body_offset_is_applied() {
        let src = "---\nx: 1\n---\n# Head\n\nText here.\n";
        let body = parse(src, 13).body;
        assert_eq!(slice(src, body.headings[0].span), "# Head");
        assert_eq!(slice(src, body.sentences[0].span), "Text here.");
    }
}
