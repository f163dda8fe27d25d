//! One Document model for Markdown and HTML, with byte spans into the original source.
//!
//! Rules see only this model, never the raw syntax tree, so every rule works on both formats.
use crate::finding::Finding;
use crate::span::{LineIndex, Span};
use serde_json::Value;

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

#[derive(Debug, Clone)]
pub struct Sentence {
    pub text: String,
    pub span: Span,
    /// Index into `Document::blocks`.
    pub block: usize,
    /// Byte range of the sentence inside its block's `text`.
    pub text_range: (usize, usize),
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
}

impl Document {
    /// Visible words of the body (blocks other than code), for thin-content and density rules.
    pub fn word_count(&self) -> usize {
        self.blocks
            .iter()
            .filter(|b| b.kind != BlockKind::Code)
            .map(|b| b.text.split_whitespace().count())
            .sum()
    }
    /// Front matter string field.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.front_matter.as_ref().and_then(|fm| fm.str(key))
    }
}

/// Parse `source` as `format`. Never panics; problems become `diagnostics`.
pub fn parse(path: &str, source: &str, format: Format) -> Document {
    Document {
        path: path.to_owned(),
        format,
        source: source.to_owned(),
        lines: LineIndex::new(source),
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
    }
}
