//! One Document model for Markdown and HTML, with byte spans into the original source.
//!
//! Rules see only this model, never the raw syntax tree, so every rule works on both formats.
//!
//! [`parse`] is the entry point. `markdown` (pulldown-cmark events) and `html` (the lean
//! `html_tree`, built by `html_fast` straight from the `html_scan` tags for well-formed pages
//! and by html5ever for the rest; the scan also gives positions) report structure to
//! `builder`, which collects text through `collector` into blocks with offset maps; `sentences`
//! and `citations` split and mark that text; `front_matter`, `byline`, `references` and
//! `json_ld` read the rest.
use crate::finding::Finding;
use crate::span::{LineIndex, Span};
use serde_json::Value;
use std::sync::OnceLock;
use words::{TextCounts, Word};

mod builder;
mod byline;
pub mod citations;
mod collector;
mod front_matter;
mod html;
mod html_fast;
mod html_scan;
mod html_tree;
mod json_ld;
mod markdown;
mod references;
pub mod sentences;
pub mod words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    /// Guess from a file name: `.html`/`.htm`/`.xhtml` are HTML, everything else Markdown.
    pub fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".html") || lower.ends_with(".htm") || lower.ends_with(".xhtml") {
            Format::Html
        } else {
            Format::Markdown
        }
    }
}

/// A piece of text with the span it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub text: String,
    pub span: Span,
}

/// Front matter (YAML `---` or TOML `+++`) converted to JSON values.
#[derive(Debug, Clone)]
pub struct FrontMatter {
    pub values: serde_json::Map<String, Value>,
    /// The whole front matter block including its fences.
    pub span: Span,
}

impl FrontMatter {
    /// A string field, e.g. `title` or `description`.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.values.get(key).and_then(Value::as_str)
    }
}

#[derive(Debug, Clone)]
pub struct Heading {
    /// 1..=6
    pub level: u8,
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Paragraph,
    ListItem,
    TableCell,
    BlockQuote,
    /// Fenced/indented code or `<pre>`: kept so rules can skip it.
    Code,
}

/// Maps byte offsets in a block's plain `text` back to the original source.
///
/// `segments` holds `(text_offset, source_offset)` at the start of each run of text that was copied
/// verbatim from the source; sorted by `text_offset`.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    pub segments: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// Source offset of `text_offset`: the segment start plus the distance into the segment.
    pub fn to_source(&self, text_offset: usize) -> usize {
        match self
            .segments
            .binary_search_by_key(&text_offset, |&(t, _)| t)
        {
            Ok(i) => self.segments[i].1,
            Err(0) => self.segments.first().map(|&(_, s)| s).unwrap_or(0),
            Err(i) => {
                let (t, s) = self.segments[i - 1];
                s + (text_offset - t)
            }
        }
    }
    /// Source span of `text[start..end]`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.to_source(start);
        let e = if end > start {
            self.to_source(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e.max(s))
    }
}

/// A paragraph-like unit of visible text (inline markup removed).
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub text: String,
    pub span: Span,
    pub map: OffsetMap,
    /// Index into `Document::headings` of the nearest heading above, if any.
    pub heading: Option<usize>,
}

/// A sentence of a block. Its text is not a copy: it is `text_range` of the block's text
/// ([`Sentence::text`]), which saves an allocation per sentence.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub span: Span,
    /// Index into `Document::blocks`.
    pub block: usize,
    /// Byte range of the sentence inside its block's `text`.
    pub text_range: (usize, usize),
}

impl Sentence {
    /// The sentence's text in `doc`, the document it belongs to. Empty when `block` or
    /// `text_range` do not fit the document, which only a document built by hand can do.
    pub fn text<'d>(&self, doc: &'d Document) -> &'d str {
        let (start, end) = self.text_range;
        doc.blocks
            .get(self.block)
            .and_then(|b| b.text.get(start..end))
            .unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    /// Visible anchor text.
    pub text: String,
    /// `rel` tokens, lower-cased (`nofollow`, `author`, ...).
    pub rel: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Image {
    pub src: String,
    /// `None` when the attribute is missing; `Some("")` when empty (decorative).
    pub alt: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationKind {
    /// `[1]`, `[12]` in running text (not a Markdown link).
    Bracket,
    /// `[^label]` footnote reference.
    Footnote,
}

#[derive(Debug, Clone)]
pub struct Citation {
    /// `1` for `[1]`, `label` for `[^label]`.
    pub label: String,
    pub kind: CitationKind,
    pub span: Span,
    /// Index into `Document::sentences` of the sentence the marker belongs to.
    pub sentence: Option<usize>,
}

/// One entry of the references list (a "References"/"Sources" section or footnote definitions).
#[derive(Debug, Clone)]
pub struct Reference {
    /// The label citations use to point at it: `1`, or a footnote label.
    pub label: String,
    pub text: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub span: Span,
}

/// A `<script type="application/ld+json">` block (or front matter `jsonld`).
#[derive(Debug, Clone)]
pub struct JsonLd {
    /// Parsed value, `None` when it failed to parse.
    pub value: Option<Value>,
    pub error: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Byline {
    pub name: String,
    /// Link of the author name, when it has one.
    pub url: Option<String>,
    pub span: Span,
}

/// An HTML comment (also in Markdown): carries inline suppressions.
#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// A parsed Markdown or HTML file. Built by [`parse`]; rules only read it.
#[derive(Debug, Clone)]
pub struct Document {
    /// Display path, `/`-separated.
    pub path: String,
    pub format: Format,
    pub source: String,
    pub lines: LineIndex,
    pub front_matter: Option<FrontMatter>,
    /// `<title>` or front matter `title` (the SEO title).
    pub title: Option<Text>,
    pub meta_description: Option<Text>,
    pub canonical: Option<Text>,
    pub lang: Option<Text>,
    /// Content of `<meta name="robots">` or front matter `robots`.
    pub robots: Option<Text>,
    pub headings: Vec<Heading>,
    pub blocks: Vec<Block>,
    pub sentences: Vec<Sentence>,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    pub citations: Vec<Citation>,
    pub references: Vec<Reference>,
    pub json_ld: Vec<JsonLd>,
    pub byline: Option<Byline>,
    pub published: Option<Text>,
    pub modified: Option<Text>,
    pub comments: Vec<Comment>,
    /// Problems found while parsing (broken front matter, ...), reported as `PARSE…` findings.
    pub diagnostics: Vec<Finding>,
    /// Counts per block and per sentence, made on first use: several rules and the audit read
    /// them, and counting is a pass over the whole text.
    block_counts: OnceLock<Vec<TextCounts>>,
    sentence_counts: OnceLock<Vec<TextCounts>>,
}

impl Document {
    /// Visible words of the body (blocks other than code), for thin-content and density rules:
    /// whitespace-separated tokens.
    pub fn word_count(&self) -> usize {
        self.blocks
            .iter()
            .zip(self.block_counts())
            .filter(|(b, _)| b.kind != BlockKind::Code)
            .map(|(_, c)| c.tokens as usize)
            .sum()
    }

    /// Word and syllable counts of each block (same index as `blocks`).
    pub fn block_counts(&self) -> &[TextCounts] {
        self.block_counts.get_or_init(|| {
            // A prose block's sentences tile its text with only whitespace between them
            // (`sentences::split`), so its counts are the sum of theirs: the text is not
            // scanned a second time. Code blocks have no sentences and are counted directly.
            let sentence_counts = self.sentence_counts();
            let mut counts: Vec<TextCounts> = self
                .blocks
                .iter()
                .map(|b| match b.kind {
                    BlockKind::Code => TextCounts::of(&b.text),
                    _ => TextCounts::default(),
                })
                .collect();
            for (sentence, c) in self.sentences.iter().zip(sentence_counts) {
                if let Some(total) = counts.get_mut(sentence.block) {
                    *total += *c;
                }
            }
            counts
        })
    }

    /// Word and syllable counts of each sentence (same index as `sentences`).
    pub fn sentence_counts(&self) -> &[TextCounts] {
        self.sentence_counts.get_or_init(|| {
            self.sentences
                .iter()
                .map(|s| TextCounts::of(s.text(self)))
                .collect()
        })
    }

    /// Hand every word of the prose (the sentences, in order; code has none) to `visit`,
    /// counting the sentences on the same walk when they are not counted yet, so a caller
    /// that reads each word too (the audit's fingerprint) does not walk the text again.
    /// Sentences tile their blocks with only whitespace between them, so these are exactly
    /// the words of the non-code blocks.
    pub fn visit_words<'d>(&'d self, mut visit: impl FnMut(Word<'d>)) {
        if self.sentence_counts.get().is_some() {
            for sentence in &self.sentences {
                TextCounts::of_visiting(sentence.text(self), &mut visit);
            }
            return;
        }
        let counts = self
            .sentences
            .iter()
            .map(|s| TextCounts::of_visiting(s.text(self), &mut visit))
            .collect();
        // Set meanwhile by another reader only with the same counts.
        let _ = self.sentence_counts.set(counts);
    }

    /// Front matter string field.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.front_matter.as_ref().and_then(|fm| fm.str(key))
    }
}

/// Parse `source` as `format`. Never panics; problems become `diagnostics`.
pub fn parse(path: &str, source: &str, format: Format) -> Document {
    parse_owned(path, source.to_owned(), format)
}

/// [`parse`] of a text the caller is done with: the document keeps it without a copy.
pub fn parse_owned(path: &str, source: String, format: Format) -> Document {
    let mut doc = Document::empty(path, source, format);
    match format {
        Format::Markdown => fill_markdown(&mut doc),
        Format::Html => html::fill(&mut doc),
    }
    clamp_spans(&mut doc);
    doc
}

impl Document {
    fn empty(path: &str, source: String, format: Format) -> Document {
        let lines = LineIndex::new(&source);
        Document {
            path: path.replace('\\', "/"),
            format,
            source,
            lines,
            front_matter: None,
            title: None,
            meta_description: None,
            canonical: None,
            lang: None,
            robots: None,
            headings: Vec::new(),
            blocks: Vec::new(),
            sentences: Vec::new(),
            links: Vec::new(),
            images: Vec::new(),
            citations: Vec::new(),
            references: Vec::new(),
            json_ld: Vec::new(),
            byline: None,
            published: None,
            modified: None,
            comments: Vec::new(),
            diagnostics: Vec::new(),
            block_counts: OnceLock::new(),
            sentence_counts: OnceLock::new(),
        }
    }

    fn set_body(&mut self, body: builder::Body) {
        self.headings = body.headings;
        self.blocks = body.blocks;
        self.sentences = body.sentences;
        self.links = body.links;
        self.images = body.images;
        self.citations = body.citations;
        self.references = body.references;
    }
}

/// Front matter keys for each metadata field, first match wins.
const PUBLISHED_KEYS: &[&str] = &[
    "date",
    "published",
    "datePublished",
    "published_at",
    "pubDate",
];
const MODIFIED_KEYS: &[&str] = &[
    "updated",
    "modified",
    "lastmod",
    "dateModified",
    "updated_at",
];

fn fill_markdown(doc: &mut Document) {
    let source = doc.source.as_str();
    let fm = front_matter::parse(source, &doc.lines);
    let parsed = markdown::parse(source, fm.body_start);
    let comments = markdown_comments(source, fm.body_start, &parsed.code_spans);
    let mut json_ld = Vec::new();
    for span in &parsed.html_spans {
        json_ld.extend(json_ld::in_html(source, *span));
    }
    if let Some(front) = &fm.front_matter {
        doc.title = front_matter::text_field(source, front, &["title"]);
        doc.meta_description = front_matter::text_field(
            source,
            front,
            &["description", "meta_description", "summary"],
        );
        doc.canonical = front_matter::text_field(
            source,
            front,
            &["canonical", "canonical_url", "canonicalURL"],
        );
        doc.lang = front_matter::text_field(source, front, &["lang", "language", "locale"]);
        doc.robots = front_matter::text_field(source, front, &["robots"]);
        doc.published = front_matter::text_field(source, front, PUBLISHED_KEYS);
        doc.modified = front_matter::text_field(source, front, MODIFIED_KEYS);
        json_ld.extend(json_ld::from_front_matter(source, front));
        doc.byline = byline::from_front_matter(source, front);
    }
    let byline = doc.byline.take().or_else(|| {
        byline::from_text(
            &parsed.body.blocks,
            &parsed.body.headings,
            &parsed.body.links,
        )
    });
    doc.byline = byline;
    doc.comments = comments;
    doc.json_ld = json_ld;
    doc.front_matter = fm.front_matter;
    doc.diagnostics.extend(fm.diagnostic);
    doc.set_body(parsed.body);
}

/// `<!-- ... -->` comments in a Markdown body, except inside code.
fn markdown_comments(source: &str, body_start: usize, code_spans: &[Span]) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut from = body_start.min(source.len());
    while let Some(p) = source.get(from..).and_then(|s| s.find("<!--")) {
        let start = from + p;
        // Code spans arrive in document order and do not overlap.
        let before = code_spans.partition_point(|c| c.start <= start);
        let in_code = before > 0 && code_spans[before - 1].contains(start);
        if in_code {
            from = start + 4;
            continue;
        }
        let end = html_scan::comment_end(source, start, source.len());
        comments.push(comment(source, Span::new(start, end)));
        from = end.max(start + 4);
    }
    comments
}

fn comment(source: &str, span: Span) -> Comment {
    let raw = source.get(span.start..span.end).unwrap_or("");
    let inner = raw.strip_prefix("<!--").unwrap_or(raw);
    let inner = inner.strip_suffix("-->").unwrap_or(inner);
    Comment {
        text: inner.trim().to_owned(),
        span,
    }
}

/// Every span must slice the source: clamp to its length and to character boundaries.
fn clamp_spans(doc: &mut Document) {
    let source = doc.source.as_str();
    let fix = |span: &mut Span| {
        let mut start = span.start.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.min(source.len()).max(start);
        while !source.is_char_boundary(end) {
            end += 1;
        }
        *span = Span::new(start, end);
    };
    let texts = [
        &mut doc.title,
        &mut doc.meta_description,
        &mut doc.canonical,
        &mut doc.lang,
        &mut doc.robots,
        &mut doc.published,
        &mut doc.modified,
    ];
    for text in texts.into_iter().flatten() {
        fix(&mut text.span);
    }
    if let Some(fm) = doc.front_matter.as_mut() {
        fix(&mut fm.span);
    }
    doc.headings.iter_mut().for_each(|h| fix(&mut h.span));
    doc.blocks.iter_mut().for_each(|b| fix(&mut b.span));
    doc.sentences.iter_mut().for_each(|s| fix(&mut s.span));
    doc.links.iter_mut().for_each(|l| fix(&mut l.span));
    doc.images.iter_mut().for_each(|i| fix(&mut i.span));
    doc.citations.iter_mut().for_each(|c| fix(&mut c.span));
    doc.references.iter_mut().for_each(|r| fix(&mut r.span));
    doc.json_ld.iter_mut().for_each(|j| fix(&mut j.span));
    doc.comments.iter_mut().for_each(|c| fix(&mut c.span));
    doc.diagnostics.iter_mut().for_each(|d| fix(&mut d.span));
    if let Some(b) = doc.byline.as_mut() {
        fix(&mut b.span);
    }
}

#[cfg(test)]
mod tests;
