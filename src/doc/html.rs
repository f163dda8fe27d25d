//! HTML documents: html5ever builds the tree ([`html_tree`]), [`html_scan`] supplies source
//! positions.
//!
//! Elements are matched to start tags of the scan in document order (with a bounded look-ahead,
//! so elements the parser invented, like an implied `<tbody>`, simply get no tag), and text nodes
//! are aligned with the source from a cursor that only moves forward. The tree is walked
//! iteratively, so nesting depth costs no stack.
use super::builder::{self, Builder};
use super::collector::Collector;
use super::html_fast;
use super::html_scan::{self, Scan};
use super::html_tree::{self, Edge, Element, HtmlTree, NodeData, NodeId};
use super::{byline, comment, json_ld, BlockKind, Byline, Document, Image, Text};
use crate::span::Span;
use std::borrow::Cow;

/// How many source tags ahead an element may be matched (elements the parser invented find none).
const TAG_LOOKAHEAD: usize = 24;
/// Deeper nesting is flattened before parsing: html5ever's scope checks are linear in the depth
/// of the open-element stack, so 100k nested `<div>`s would take minutes.
const MAX_DEPTH: usize = 256;
/// How far a text node may skip unmatched source (dropped tags, whitespace) before giving up.
const ALIGN_SKIP_BUDGET: usize = 64;

/// What an element means for the Document body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Never visible text (scripts, styles, forms controls, media).
    Hidden,
    /// Site furniture: links count, text does not become blocks.
    Chrome,
    /// Article or page header: headings count, other text does not become blocks.
    Header,
    Heading(u8),
    Paragraph,
    Item,
    List {
        ordered: bool,
    },
    Cell,
    Quote,
    Pre,
    Break,
    /// Block-level element without its own text block: ends the current implicit block.
    Boundary,
    Other,
}

fn role(name: &str) -> Role {
    match name {
        "script" | "style" | "noscript" | "template" | "title" | "svg" | "math" | "iframe"
        | "object" | "select" | "textarea" | "button" | "canvas" | "video" | "audio" | "map"
        | "head" => Role::Hidden,
        "nav" | "aside" | "footer" | "form" | "menu" | "dialog" => Role::Chrome,
        "header" => Role::Header,
        "h1" => Role::Heading(1),
        "h2" => Role::Heading(2),
        "h3" => Role::Heading(3),
        "h4" => Role::Heading(4),
        "h5" => Role::Heading(5),
        "h6" => Role::Heading(6),
        "p" | "dt" | "dd" | "figcaption" | "caption" | "summary" | "address" | "legend" => {
            Role::Paragraph
        }
        "li" => Role::Item,
        "ul" => Role::List { ordered: false },
        "ol" => Role::List { ordered: true },
        "td" | "th" => Role::Cell,
        "blockquote" => Role::Quote,
        "pre" | "listing" => Role::Pre,
        "br" => Role::Break,
        "div" | "section" | "article" | "main" | "table" | "tr" | "thead" | "tbody" | "tfoot"
        | "figure" | "hr" | "details" | "fieldset" | "body" | "html" | "center" | "dl"
        | "hgroup" | "search" => Role::Boundary,
        _ => Role::Other,
    }
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "frame", "basefont", "bgsound",
];

/// Fill `doc` from its HTML source.
pub(crate) fn fill(doc: &mut Document) {
    let owned_source = std::mem::take(&mut doc.source);
    let source = owned_source.as_str();
    let scan = html_scan::scan(source, 0, source.len());
    doc.comments = scan
        .comments
        .iter()
        .map(|&span| comment(source, span))
        .collect();
    // `parsed` has the same byte offsets as `source`; it differs only where over-deep tags were
    // blanked out, so all alignment happens against it.
    let (parsed, scan) = match flatten_deep_nesting(source, &scan) {
        Some(flat) => {
            let rescan = html_scan::scan(&flat, 0, flat.len());
            (Cow::Owned(flat), rescan)
        }
        None => (Cow::Borrowed(source), scan),
    };
    let mut walker = Walker::new(&parsed, &scan);
    // Well-formed pages get their tree straight from the scan; the rest from html5ever.
    let tree = html_fast::parse(&parsed, &scan)
        .unwrap_or_else(|| html_tree::parse_document(&parsed, walker.start_tags.len()));
    walker.walk(&tree);
    walker.finish_into(doc);
    drop(scan);
    doc.source = owned_source;
}

/// Blank out (with spaces, keeping all offsets) start and end tags nested deeper than
/// [`MAX_DEPTH`]. Returns `None` when nothing is that deep.
fn flatten_deep_nesting(source: &str, scan: &Scan) -> Option<String> {
    struct Open<'a> {
        name: &'a str,
        blanked: bool,
    }
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut blank: Vec<Span> = Vec::new();
    for tag in &scan.tags {
        let name = &*tag.name;
        if tag.is_end {
            let found = stack
                .iter()
                .rev()
                .take(32)
                .position(|o| o.name == name)
                .map(|from_top| stack.len() - 1 - from_top);
            if let Some(index) = found {
                if stack[index].blanked {
                    blank.push(tag.span);
                }
                stack.truncate(index);
            }
            continue;
        }
        if VOID.contains(&name) || tag.self_closing {
            continue;
        }
        // Implied end tags, so that unclosed `<p>`/`<li>` runs do not look deep.
        let closes_top = stack.last().is_some_and(|top| {
            top.name == name
                && matches!(
                    name,
                    "p" | "li" | "dt" | "dd" | "option" | "tr" | "td" | "th"
                )
                || (top.name == "p"
                    && matches!(
                        role(name),
                        Role::Boundary
                            | Role::Paragraph
                            | Role::List { .. }
                            | Role::Heading(_)
                            | Role::Quote
                            | Role::Pre
                    ))
                || (matches!(top.name, "td" | "th") && matches!(name, "td" | "th" | "tr"))
                || (matches!(top.name, "dt" | "dd") && matches!(name, "dt" | "dd"))
        });
        if closes_top {
            if let Some(top) = stack.pop() {
                if top.blanked {
                    // Its implied end has no tag to blank.
                }
            }
        }
        let blanked = stack.len() >= MAX_DEPTH;
        if blanked {
            blank.push(tag.span);
        }
        stack.push(Open { name, blanked });
    }
    if blank.is_empty() {
        return None;
    }
    let mut bytes = source.as_bytes().to_vec();
    for span in blank {
        let end = span.end.min(bytes.len());
        for byte in &mut bytes[span.start.min(end)..end] {
            *byte = b' ';
        }
    }
    // Whole tags (ASCII delimiters) were replaced, so the bytes stay valid UTF-8.
    String::from_utf8(bytes).ok()
}

/// An open element during the walk.
struct Frame {
    role: Role,
    name_is_a: bool,
    /// Its start tag in the source, when matched.
    tag: Option<Span>,
    /// Whether this element opened the byline capture.
    byline: bool,
    /// A citation `<sup>` whose number is wrapped in brackets in the text.
    citation_sup: bool,
}

struct BylineCapture {
    col: Collector,
    url: Option<String>,
}

/// Candidates for a metadata field, best (lowest) priority wins.
#[derive(Default)]
struct Best {
    value: Option<(u8, Text)>,
}

impl Best {
    fn offer(&mut self, priority: u8, text: Text) {
        if text.text.trim().is_empty() {
            return;
        }
        if self.value.as_ref().is_none_or(|(p, _)| priority < *p) {
            self.value = Some((priority, text));
        }
    }
    fn take(self) -> Option<Text> {
        self.value.map(|(_, t)| t)
    }
}

struct Walker<'s> {
    source: &'s str,
    scan: &'s Scan,
    b: Builder<'s>,
    /// Indices of start tags in `scan.tags`, and the next one to match.
    start_tags: Vec<usize>,
    next_tag: usize,
    /// Source position up to which text has been aligned.
    pos: usize,
    /// A stretch of source known to hold only markup and whitespace.
    markup_only: std::cell::Cell<(usize, usize)>,
    /// Where [`Self::close_end`] last found its first tag: the next search starts there.
    close_hint: std::cell::Cell<usize>,
    /// Where [`Self::walk_markup`] last found its first tag: the next search starts there.
    markup_hint: std::cell::Cell<usize>,
    stack: Vec<Frame>,
    hidden: usize,
    chrome: usize,
    header: usize,
    pre: usize,
    /// Depth inside `<svg>`/`<math>`, whose `<title>` is not the page title.
    foreign: usize,
    title: Best,
    description: Best,
    canonical: Best,
    lang: Best,
    robots: Best,
    published: Best,
    modified: Best,
    json_ld: Vec<super::JsonLd>,
    byline: Option<Byline>,
    meta_author: Option<Byline>,
    capture: Option<BylineCapture>,
    /// [`align`]'s output, one buffer for all text nodes.
    pieces: Vec<Piece>,
}

impl<'s> Walker<'s> {
    fn new(source: &'s str, scan: &'s Scan) -> Self {
        let mut start_tags = Vec::with_capacity(scan.tags.len());
        start_tags.extend(
            scan.tags
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.is_end)
                .map(|(i, _)| i),
        );
        Walker {
            source,
            scan,
            b: Builder::new(source),
            start_tags,
            next_tag: 0,
            pos: 0,
            markup_only: std::cell::Cell::new((0, 0)),
            close_hint: std::cell::Cell::new(0),
            markup_hint: std::cell::Cell::new(0),
            stack: Vec::new(),
            hidden: 0,
            chrome: 0,
            header: 0,
            pre: 0,
            foreign: 0,
            title: Best::default(),
            description: Best::default(),
            canonical: Best::default(),
            lang: Best::default(),
            robots: Best::default(),
            published: Best::default(),
            modified: Best::default(),
            json_ld: Vec::new(),
            byline: None,
            meta_author: None,
            capture: None,
            pieces: Vec::new(),
        }
    }

    fn walk(&mut self, tree: &HtmlTree) {
        for edge in tree.traverse() {
            match edge {
                Edge::Open(node) => match tree.data(node) {
                    NodeData::Element(el) => self.open_element(tree, node, el),
                    NodeData::Text(text) => {
                        let parent_tag_end =
                            self.stack.last().and_then(|f| f.tag).map_or(0, |t| t.end);
                        self.text(&text[..], parent_tag_end);
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    if let NodeData::Element(el) = tree.data(node) {
                        self.close_element(el.name());
                    }
                }
            }
        }
    }

    /// Match an element to the next start tag with its name, within the look-ahead. A tag counts
    /// only when nothing but markup and whitespace separates it from the text cursor: an
    /// element the parser invented (implied `<tbody>`, a reopened `<b>`) must not claim a tag
    /// that belongs further down the page.
    fn match_tag(&mut self, name: &str) -> Option<(usize, Span)> {
        // Start tags behind the text cursor belong to elements the parser dropped.
        while let Some(&i) = self.start_tags.get(self.next_tag) {
            if self.scan.tags[i].span.start >= self.pos {
                break;
            }
            self.next_tag += 1;
        }
        let window = self
            .start_tags
            .get(self.next_tag..)?
            .iter()
            .take(TAG_LOOKAHEAD)
            .position(|&i| self.scan.tags[i].name.eq_ignore_ascii_case(name))?;
        let index = self.start_tags[self.next_tag + window];
        let span = self.scan.tags[index].span;
        if !self.only_markup_between(self.pos, span.start) {
            return None;
        }
        self.next_tag += window + 1;
        Some((index, span))
    }

    /// Whether `source[from..to]` holds only tags, comments and whitespace.
    ///
    /// Remembers the markup-only stretch it last walked, so that the many queries from a
    /// cursor that only moves forward cost linear time in total.
    fn only_markup_between(&self, from: usize, to: usize) -> bool {
        let (known_start, known_end) = self.markup_only.get();
        let (start, p) = if known_start <= from && from <= known_end {
            (known_start, known_end)
        } else {
            (from, from)
        };
        if p >= to {
            return true;
        }
        let clean = self.walk_markup(p, to);
        self.markup_only.set((start, clean));
        clean >= to
    }

    /// Walk markup and whitespace from `from` towards `to`; returns where it stopped.
    fn walk_markup(&self, from: usize, to: usize) -> usize {
        let bytes = self.source.as_bytes();
        let tags = &self.scan.tags;
        let comments = &self.scan.comments;
        // The cursor moves forward, so the first tag is near the one the last walk found.
        let mut ti = partition_from(tags, self.markup_hint.get(), from);
        self.markup_hint.set(ti);
        let mut ci = comments.partition_point(|c| c.start < from);
        let mut p = from;
        while p < to {
            while ti < tags.len() && tags[ti].span.start < p {
                ti += 1;
            }
            while ci < comments.len() && comments[ci].start < p {
                ci += 1;
            }
            if ti < tags.len() && tags[ti].span.start == p {
                p = tags[ti].span.end.max(p + 1);
            } else if ci < comments.len() && comments[ci].start == p {
                p = comments[ci].end.max(p + 1);
            } else if bytes[p].is_ascii_whitespace() {
                p += 1;
            } else if bytes[p..].starts_with("\u{feff}".as_bytes()) {
                p += 3;
            } else if bytes[p] == b'<' && matches!(bytes.get(p + 1), Some(b'!' | b'?')) {
                // Doctype or bogus comment.
                p = bytes[p..to]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(to, |q| p + q + 1);
            } else {
                return p;
            }
        }
        p
    }

    /// The end of the element closing now: just past its end tag when only markup separates it
    /// from the element's last text, else the end of that text.
    fn close_end(&self, name: &str, after: usize) -> usize {
        // Elements close in source order, so the answer is near the last one: searched from
        // there instead of bisecting all tags at every end.
        let from = partition_from(&self.scan.tags, self.close_hint.get(), after);
        self.close_hint.set(from);
        self.scan.tags[from..]
            .iter()
            .take(TAG_LOOKAHEAD)
            .find(|t| t.is_end && t.name.eq_ignore_ascii_case(name))
            .filter(|t| self.only_markup_between(after, t.span.start))
            .map_or(after, |t| t.span.end)
    }

    fn open_element(&mut self, tree: &HtmlTree, node: NodeId, el: &Element) {
        let name = el.name();
        let matched = self.match_tag(name);
        let tag = matched.map(|(_, span)| span);
        let start = tag.map_or(self.pos, |t| t.start);
        let role = role(name);
        if matches!(name, "svg" | "math") {
            self.foreign += 1;
        }

        // Metadata lives in <head> (and sometimes <body>): read it whatever the context.
        match name {
            "html" => {
                if let (Some(lang), Some(tag)) = (el.attr("lang"), tag) {
                    self.lang.offer(0, self.attr_text(tag, "lang", lang));
                }
            }
            "title" if self.title.value.is_none() && self.foreign == 0 => {
                if let Some((index, _)) = matched {
                    self.title_from_raw_text(index, tree, node);
                }
            }
            "meta" => self.meta(el, tag),
            "link" => self.link_element(el, tag),
            "script" if el.attr("type").is_some_and(json_ld::is_json_ld_type) => {
                let content = matched.and_then(|(index, _)| self.raw_text_span(index));
                match content {
                    Some(span) => self.json_ld.push(json_ld::parse_block(self.source, span)),
                    None => {
                        let text: String = node_text(tree, node);
                        let mut block = json_ld::parse_text(&text);
                        block.span = Span::new(start, start);
                        self.json_ld.push(block);
                    }
                }
            }
            "time" => self.time(el, tag),
            _ => {}
        }

        let visible = self.hidden == 0;
        let in_body = visible && self.chrome == 0;
        let mut frame = Frame {
            role,
            name_is_a: name == "a",
            tag,
            byline: false,
            citation_sup: false,
        };

        if visible && self.byline.is_none() && self.capture.is_none() && is_author_element(el) {
            self.capture = Some(BylineCapture {
                col: Collector::new(start),
                url: el.attr("href").filter(|_| name == "a").map(str::to_owned),
            });
            frame.byline = true;
        }

        match role {
            Role::Hidden => self.hidden += 1,
            Role::Chrome => {
                self.b.flush();
                self.chrome += 1;
            }
            Role::Header => {
                self.b.flush();
                self.header += 1;
            }
            Role::Heading(_) if in_body => self.b.begin_heading(start),
            Role::Paragraph if in_body && self.header == 0 => self.b.begin_paragraph(start),
            Role::Item if in_body && self.header == 0 => {
                let value = el.attr("value").and_then(|v| v.trim().parse::<u64>().ok());
                self.b.begin_item(start, value);
            }
            Role::List { ordered } if in_body => {
                let first = ordered.then(|| {
                    el.attr("start")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .unwrap_or(1)
                });
                self.b.begin_list(first);
            }
            Role::Cell if in_body && self.header == 0 => {
                // A container too, so text after a `<div>` inside the cell is still a cell.
                self.b.begin_container(BlockKind::TableCell);
                self.b.begin_block(BlockKind::TableCell, start);
            }
            Role::Quote if in_body => self.b.begin_container(BlockKind::BlockQuote),
            Role::Pre if in_body && self.header == 0 => {
                self.pre += 1;
                self.b.begin_block(BlockKind::Code, start);
            }
            Role::Break if visible => {
                self.b.line_break(start);
                if let Some(c) = self.capture.as_mut() {
                    c.col.line_break(start);
                }
            }
            Role::Boundary if visible => self.b.flush(),
            _ => {}
        }

        if visible && name == "a" {
            let href = el.attr("href").unwrap_or("");
            let rel = el
                .attr("rel")
                .map(html_scan::rel_tokens)
                .unwrap_or_default();
            self.b.begin_link(href, rel, start);
            if let Some(c) = self.capture.as_mut() {
                if c.url.is_none() && !href.is_empty() {
                    c.url = Some(href.to_owned());
                }
            }
        }
        if visible && name == "img" {
            // The alt text is the accessible text of a link around the image.
            if let Some(alt) = el.attr("alt") {
                self.b.link_text(alt);
            }
            self.b.image(Image {
                src: el.attr("src").unwrap_or("").to_owned(),
                alt: el.attr("alt").map(str::to_owned),
                span: tag.unwrap_or(Span::new(start, start)),
            });
        }
        if visible && name == "sup" && is_citation_sup(tree, node) {
            frame.citation_sup = true;
            self.route_at("[", start);
        }
        self.stack.push(frame);
    }

    fn close_element(&mut self, name: &str) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        if matches!(name, "svg" | "math") {
            self.foreign = self.foreign.saturating_sub(1);
        }
        let end = self.close_end(name, self.pos.max(frame.tag.map_or(0, |t| t.end)));
        let visible = self.hidden == 0;
        let in_body = visible && self.chrome == 0;
        if frame.citation_sup {
            self.route_at("]", end.saturating_sub(1));
        }
        if frame.name_is_a && visible {
            self.b.end_link(end);
        }
        match frame.role {
            Role::Hidden => self.hidden = self.hidden.saturating_sub(1),
            Role::Chrome => {
                self.b.flush();
                self.chrome = self.chrome.saturating_sub(1);
            }
            Role::Header => {
                self.b.flush();
                self.header = self.header.saturating_sub(1);
            }
            Role::Heading(level) if in_body => self.b.end_heading(level, end),
            Role::Paragraph if in_body && self.header == 0 => self.b.end_block(end),
            Role::Cell if in_body && self.header == 0 => {
                self.b.end_block(end);
                self.b.end_container();
            }
            Role::Item if in_body && self.header == 0 => self.b.end_item(end),
            Role::List { .. } if in_body => self.b.end_list(),
            Role::Quote if in_body => self.b.end_container(),
            Role::Pre if in_body && self.header == 0 => {
                self.pre = self.pre.saturating_sub(1);
                self.b.end_block(end);
            }
            Role::Boundary if visible => self.b.flush(),
            _ => {}
        }
        if frame.byline {
            if let Some(capture) = self.capture.take() {
                self.finish_byline(capture);
            }
        }
    }

    fn finish_byline(&mut self, mut capture: BylineCapture) {
        capture.col.trim_end();
        let text = &capture.col.text;
        let Some((s, e)) = byline::clean_name(text) else {
            return;
        };
        let name = &text[s..e];
        // An author element holding a paragraph of bio text is not a byline.
        if name.split_whitespace().count() > 8 {
            return;
        }
        self.byline = Some(Byline {
            name: name.to_owned(),
            url: capture.url.take(),
            span: capture.col.map.span(s, e),
        });
    }

    /// Text inserted by the walker (citation brackets): mapped to `src`.
    fn route_at(&mut self, text: &str, src: usize) {
        if self.chrome == 0 && (self.header == 0 || self.b.in_heading()) {
            self.b.text_at(text, src);
        }
    }

    fn text(&mut self, text: &str, parent_tag_end: usize) {
        if text.is_empty() {
            return;
        }
        // Hidden text (scripts, styles) is aligned too, so the cursor moves past it.
        let from = self.pos.max(parent_tag_end);
        let mut pieces = std::mem::take(&mut self.pieces);
        self.pos = align(self.source, text, from, &mut pieces);
        if self.hidden == 0 {
            self.route_pieces(text, &pieces);
        }
        self.pieces = pieces;
    }

    /// A visible text node's aligned pieces to the body (or only to link anchors) and to the
    /// byline capture.
    fn route_pieces(&mut self, text: &str, pieces: &[Piece]) {
        let to_body = self.chrome == 0 && (self.header == 0 || self.b.in_heading());
        for piece in pieces {
            let part = &text[piece.text.0..piece.text.1];
            if to_body {
                match (piece.verbatim, self.pre > 0) {
                    (true, true) => self.b.raw_text(part, piece.src),
                    (true, false) => self.b.text(part, piece.src),
                    (false, _) => self.b.text_at(part, piece.src),
                }
            } else {
                self.b.link_text(part);
            }
            if let Some(c) = self.capture.as_mut() {
                if piece.verbatim {
                    c.col.push_text(part, piece.src);
                } else {
                    c.col.push_at(part, piece.src);
                }
            }
        }
    }

    /// A metadata field from an attribute of the tag at `tag`: the decoded value from the tree,
    /// the span of the raw value in the source.
    fn attr_text(&self, tag: Span, attr: &str, value: &str) -> Text {
        let span = html_scan::attr(self.source, tag, attr).map_or(tag, |a| a.span);
        Text {
            text: value.trim().to_owned(),
            span: trim_span(self.source, span),
        }
    }

    fn raw_text_span(&self, tag_index: usize) -> Option<Span> {
        let i = self
            .scan
            .raw_texts
            .binary_search_by_key(&tag_index, |&(t, _)| t)
            .ok()?;
        Some(self.scan.raw_texts[i].1)
    }

    fn title_from_raw_text(&mut self, tag_index: usize, tree: &HtmlTree, node: NodeId) {
        let text = node_text(tree, node);
        let span = self
            .raw_text_span(tag_index)
            .map_or(Span::new(0, 0), |s| trim_span(self.source, s));
        self.title.offer(
            0,
            Text {
                text: builder::collapse_whitespace(text),
                span,
            },
        );
    }

    fn meta(&mut self, el: &Element, tag: Option<Span>) {
        let Some(content) = el.attr("content") else {
            return;
        };
        let key = el
            .attr("name")
            .or_else(|| el.attr("property"))
            .or_else(|| el.attr("itemprop"))
            .unwrap_or("")
            .to_ascii_lowercase();
        let tag = tag.unwrap_or(Span::new(self.pos, self.pos));
        let text = self.attr_text(tag, "content", content);
        match key.as_str() {
            "description" => self.description.offer(0, text),
            "robots" => self.robots.offer(0, text),
            "author" | "article:author"
                if self.meta_author.is_none() && !text.text.starts_with("http") =>
            {
                self.meta_author = Some(Byline {
                    name: text.text,
                    url: None,
                    span: text.span,
                });
            }
            "article:published_time" => self.published.offer(0, text),
            "datepublished" | "date" | "dc.date" | "pubdate" => self.published.offer(1, text),
            "article:modified_time" => self.modified.offer(0, text),
            "datemodified" | "og:updated_time" | "last-modified" => self.modified.offer(1, text),
            _ => {}
        }
    }

    fn link_element(&mut self, el: &Element, tag: Option<Span>) {
        let (Some(rel), Some(href)) = (el.attr("rel"), el.attr("href")) else {
            return;
        };
        let rel = html_scan::rel_tokens(rel);
        let tag = tag.unwrap_or(Span::new(self.pos, self.pos));
        if rel.iter().any(|r| r == "canonical") {
            self.canonical.offer(0, self.attr_text(tag, "href", href));
        }
    }

    fn time(&mut self, el: &Element, tag: Option<Span>) {
        let Some(datetime) = el.attr("datetime") else {
            return;
        };
        let tag = tag.unwrap_or(Span::new(self.pos, self.pos));
        let text = self.attr_text(tag, "datetime", datetime);
        let itemprop = el.attr("itemprop").unwrap_or("").to_ascii_lowercase();
        let class = el.attr("class").unwrap_or("").to_ascii_lowercase();
        if itemprop == "datemodified" || class.contains("updated") || class.contains("modified") {
            self.modified.offer(2, text);
        } else if itemprop == "datepublished" || el.attr("pubdate").is_some() {
            self.published.offer(2, text);
        } else {
            self.published.offer(3, text);
        }
    }

    fn finish_into(mut self, doc: &mut Document) {
        if let Some(capture) = self.capture.take() {
            self.finish_byline(capture);
        }
        let body = self.b.finish();
        // JSON-LD dates when the markup has none.
        for block in &self.json_ld {
            let Some(value) = &block.value else { continue };
            for item in json_ld_items(value) {
                for (key, best) in [
                    ("datePublished", &mut self.published),
                    ("dateModified", &mut self.modified),
                ] {
                    if let Some(date) = item.get(key).and_then(|v| v.as_str()) {
                        best.offer(
                            9,
                            Text {
                                text: date.to_owned(),
                                span: json_string_span(self.source, block.span, date),
                            },
                        );
                    }
                }
            }
        }
        doc.title = self.title.take();
        doc.meta_description = self.description.take();
        doc.canonical = self.canonical.take();
        doc.lang = self.lang.take();
        doc.robots = self.robots.take();
        doc.published = self.published.take();
        doc.modified = self.modified.take();
        doc.json_ld = self.json_ld;
        doc.byline = self
            .byline
            .or(self.meta_author)
            .or_else(|| byline::from_text(&body.blocks, &body.headings, &body.links));
        doc.set_body(body);
    }
}

/// `tags.partition_point(|t| t.span.start < offset)`, searched outwards from `hint` (any index)
/// in doubling steps: logarithmic in the distance from the hint, not in the number of tags.
fn partition_from(tags: &[html_scan::Tag], hint: usize, offset: usize) -> usize {
    let before = |i: usize| tags[i].span.start < offset;
    let hint = hint.min(tags.len());
    // The answer is the first index that is not before `offset`: find a range holding it.
    let (mut low, mut high) = if hint < tags.len() && before(hint) {
        let mut step = 1;
        let mut low = hint + 1;
        loop {
            let probe = hint + step;
            if probe >= tags.len() {
                break (low, tags.len());
            }
            if !before(probe) {
                break (low, probe);
            }
            low = probe + 1;
            step *= 2;
        }
    } else {
        let mut step = 1;
        let mut high = hint;
        loop {
            if step > high {
                break (0, high);
            }
            let probe = high - step;
            if before(probe) {
                break (probe + 1, high);
            }
            high = probe;
            step *= 2;
        }
    };
    while low < high {
        let mid = low + (high - low) / 2;
        if before(mid) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low
}

/// `@graph` members or the top-level object(s) of a JSON-LD value.
fn json_ld_items(value: &serde_json::Value) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    let mut out = Vec::new();
    let tops: Vec<&serde_json::Value> = match value {
        serde_json::Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for top in tops {
        if let Some(obj) = top.as_object() {
            out.push(obj);
            if let Some(graph) = obj.get("@graph").and_then(|g| g.as_array()) {
                out.extend(graph.iter().filter_map(|g| g.as_object()));
            }
        }
    }
    out
}

/// Span of a string value inside a JSON-LD block, or the block.
fn json_string_span(source: &str, block: Span, value: &str) -> Span {
    source
        .get(block.start..block.end)
        .and_then(|s| s.find(value))
        .map_or(block, |p| {
            Span::new(block.start + p, block.start + p + value.len())
        })
}

/// Concatenated text of a node's descendants (small elements only: title, sup, script).
fn node_text(tree: &HtmlTree, node: NodeId) -> String {
    let mut out = String::new();
    for d in tree.descendants(node) {
        if let NodeData::Text(t) = tree.data(d) {
            out.push_str(&t[..]);
        }
    }
    out
}

/// `<sup>` holding only a number (or list) inside an in-page link: a citation marker.
fn is_citation_sup(tree: &HtmlTree, node: NodeId) -> bool {
    let mut has_fragment_link = false;
    let mut text = String::new();
    for (seen, d) in tree.descendants(node).enumerate() {
        if seen > 32 {
            return false;
        }
        match tree.data(d) {
            NodeData::Text(t) => text.push_str(&t[..]),
            NodeData::Element(e) if e.name() == "a" => {
                has_fragment_link |= e.attr("href").is_some_and(|h| h.starts_with('#'));
            }
            _ => {}
        }
    }
    let t = text.trim();
    has_fragment_link
        && !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '-' | '–'))
}

/// `[rel=author]`, `[itemprop=author]`, `.byline`, `.author`.
fn is_author_element(el: &Element) -> bool {
    if matches!(
        el.name(),
        "meta" | "link" | "script" | "body" | "html" | "article"
    ) {
        return false;
    }
    let has_token = |attr: &str, token: &str| {
        el.attr(attr).is_some_and(|v| {
            v.split_ascii_whitespace()
                .any(|t| t.eq_ignore_ascii_case(token))
        })
    };
    has_token("rel", "author")
        || has_token("itemprop", "author")
        || has_token("class", "byline")
        || has_token("class", "author")
}

fn trim_span(source: &str, span: Span) -> Span {
    let Some(raw) = source.get(span.start..span.end) else {
        return span;
    };
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim().len();
    Span::new(span.start + lead, span.start + lead + trimmed)
}

/// A piece of a text node mapped to the source.
#[derive(Debug, PartialEq, Eq)]
struct Piece {
    /// Byte range in the node text.
    text: (usize, usize),
    /// Source offset of its first byte.
    src: usize,
    /// Whether the range is a verbatim copy of the source at `src`; otherwise one decoded
    /// character (entity, CRLF, NUL) that maps to `src`.
    verbatim: bool,
}

/// Align the decoded text of a node with the source from `from`. Returns the pieces and the
/// source position after the text. Linear in the text length plus the source skipped, and the
/// skipping is bounded.
/// The pieces replace what `pieces` held: the walker passes one buffer for every text node.
fn align(source: &str, text: &str, from: usize, pieces: &mut Vec<Piece>) -> usize {
    pieces.clear();
    let bytes = source.as_bytes();
    // Most text nodes are their source verbatim, often after markup the cursor has not passed
    // yet (the end tag of a link before the rest of a paragraph): the walk below skips to
    // where the first character matches, and from there, without `&` in the text, makes
    // exactly one verbatim piece. So: that skip, then one comparison.
    if memchr::memchr(b'&', text.as_bytes()).is_none() {
        if let Some(start) = first_char_source(source, text, from) {
            if bytes
                .get(start..)
                .is_some_and(|rest| rest.starts_with(text.as_bytes()))
            {
                pieces.push(Piece {
                    text: (0, text.len()),
                    src: start,
                    verbatim: true,
                });
                return start + text.len();
            }
        }
    }
    align_char_by_char(source, text, from, pieces)
}

/// Where [`align_char_by_char`] matches the first character of `text` verbatim, skipping
/// exactly what it skips (whitespace, markup, stray source); `None` when it would do anything
/// else first (decode an entity, map CRLF or NUL, give up), or `text` is empty.
fn first_char_source(source: &str, text: &str, from: usize) -> Option<usize> {
    let c = text.chars().next()?;
    let bytes = source.as_bytes();
    let mut s = from.min(source.len());
    let mut budget = ALIGN_SKIP_BUDGET;
    loop {
        let sc = source.get(s..).and_then(|r| r.chars().next())?;
        if sc == '&' && entity_len(&source[s..]).is_some() {
            return None;
        }
        if sc == c {
            return Some(s);
        }
        if (sc == '\r' && c == '\n') || (sc == '\0' && c == '\u{fffd}') {
            return None;
        }
        if sc.is_whitespace() && !c.is_whitespace() {
            s += sc.len_utf8();
            continue;
        }
        if budget == 0 {
            return None;
        }
        budget -= 1;
        if sc == '<' {
            let skip_to = if bytes[s..].starts_with(b"<!--") {
                html_scan::comment_end(source, s, source.len())
            } else {
                html_scan::parse_tag(source, s).map_or(s + 1, |tag| tag.span.end)
            };
            s = skip_to.max(s + 1);
            continue;
        }
        s += sc.len_utf8();
    }
}

/// [`align`]'s general case: entities, dropped markup and whitespace, CRLF, NUL.
fn align_char_by_char(source: &str, text: &str, from: usize, pieces: &mut Vec<Piece>) -> usize {
    align_walk(source, text, from, pieces, true)
}

/// [`align_char_by_char`]'s walk; with `whole_stretches` off it steps one character at a
/// time through text it shares with the source too (the definition the tests hold the
/// stretches to).
#[inline]
fn align_walk(
    source: &str,
    text: &str,
    from: usize,
    pieces: &mut Vec<Piece>,
    whole_stretches: bool,
) -> usize {
    let bytes = source.as_bytes();
    let mut s = from.min(source.len());
    let mut run: Option<(usize, usize)> = None; // (text start, src start) of the verbatim run
    let close_run = |run: &mut Option<(usize, usize)>, pieces: &mut Vec<Piece>, t_end: usize| {
        if let Some((t0, s0)) = run.take() {
            if t_end > t0 {
                pieces.push(Piece {
                    text: (t0, t_end),
                    src: s0,
                    verbatim: true,
                });
            }
        }
    };
    let mut lost = false;
    let mut t = 0;
    while let Some(c) = text.get(t..).and_then(|rest| rest.chars().next()) {
        if whole_stretches && !lost {
            // A stretch the text shares with the source, with no `&` in the source: every
            // character of it would match at once below, so it joins the run in one step
            // (paragraphs with one entity are otherwise walked char by char in full).
            let shared = verbatim_stretch(text, t, bytes, s);
            if shared > 0 {
                if run.is_none() {
                    run = Some((t, s));
                }
                t += shared;
                s += shared;
                continue;
            }
        }
        if lost {
            // Alignment gave up: everything left maps to where it stopped.
            pieces.push(Piece {
                text: (t, text.len()),
                src: s.min(source.len().saturating_sub(1)),
                verbatim: false,
            });
            break;
        }
        let mut budget = ALIGN_SKIP_BUDGET;
        let char_start = s;
        loop {
            let Some(sc) = source.get(s..).and_then(|r| r.chars().next()) else {
                lost = true;
                close_run(&mut run, pieces, t);
                pieces.push(Piece {
                    text: (t, t + c.len_utf8()),
                    src: source.len().saturating_sub(1),
                    verbatim: false,
                });
                break;
            };
            let entity_end = if sc == '&' {
                entity_len(&source[s..]).map(|l| s + l)
            } else {
                None
            };
            if let Some(end) = entity_end {
                close_run(&mut run, pieces, t);
                pieces.push(Piece {
                    text: (t, t + c.len_utf8()),
                    src: s,
                    verbatim: false,
                });
                s = end;
                break;
            }
            if sc == c {
                if run.is_none() {
                    run = Some((t, s));
                }
                s += sc.len_utf8();
                break;
            }
            close_run(&mut run, pieces, t);
            if sc == '\r' && c == '\n' {
                // CRLF became LF.
                pieces.push(Piece {
                    text: (t, t + 1),
                    src: s,
                    verbatim: false,
                });
                s += if bytes.get(s + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                break;
            }
            if sc == '\0' && c == '\u{fffd}' {
                pieces.push(Piece {
                    text: (t, t + c.len_utf8()),
                    src: s,
                    verbatim: false,
                });
                s += 1;
                break;
            }
            if sc.is_whitespace() && !c.is_whitespace() {
                // Source whitespace the parser dropped (newline after <pre>, between elements).
                s += sc.len_utf8();
                continue;
            }
            if budget == 0 {
                // This text is not where the cursor is: map the rest of it here and stop, so
                // one odd node does not drag the cursor through the page.
                lost = true;
                s = char_start;
                pieces.push(Piece {
                    text: (t, t + c.len_utf8()),
                    src: s,
                    verbatim: false,
                });
                break;
            }
            budget -= 1;
            if sc == '<' {
                // Markup the parser dropped from the text (stray end tag, comment).
                let skip_to = if bytes[s..].starts_with(b"<!--") {
                    html_scan::comment_end(source, s, source.len())
                } else {
                    html_scan::parse_tag(source, s).map_or(s + 1, |tag| tag.span.end)
                };
                s = skip_to.max(s + 1);
                continue;
            }
            // Source text that is not in this node: skip it.
            s += sc.len_utf8();
        }
        t += c.len_utf8();
    }
    close_run(&mut run, pieces, text.len());
    s.min(source.len())
}

/// How many bytes from `text[t..]` equal `source[s..]` before the source's next `&`, in
/// whole characters.
fn verbatim_stretch(text: &str, t: usize, source: &[u8], s: usize) -> usize {
    let (Some(ours), Some(theirs)) = (text.as_bytes().get(t..), source.get(s..)) else {
        return 0;
    };
    let limit = ours.len().min(theirs.len());
    let limit = memchr::memchr(b'&', &theirs[..limit]).unwrap_or(limit);
    let mut shared = ours[..limit]
        .iter()
        .zip(&theirs[..limit])
        .position(|(a, b)| a != b)
        .unwrap_or(limit);
    // Equal bytes up to a differing one may end inside a character: back to its start.
    while shared > 0 && !text.is_char_boundary(t + shared) {
        shared -= 1;
    }
    shared
}

/// Length of a character reference at the start of `s` (`&amp;`, `&#8212;`, `&copy`).
fn entity_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 1;
    if bytes.get(1) == Some(&b'#') {
        i = 2;
        if matches!(bytes.get(2), Some(b'x' | b'X')) {
            i = 3;
        }
        let digits_start = i;
        while i < bytes.len() && i < 12 && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        if i == digits_start {
            return None;
        }
    } else {
        while i < bytes.len() && i < 40 && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i == 1 {
            return None;
        }
    }
    // Named references need their `;` here: "AT&T" is literal text.
    if bytes.get(i) == Some(&b';') {
        Some(i + 1)
    } else if bytes.get(1) == Some(&b'#') {
        Some(i)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Format};

    fn slice(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    fn align(src: &str, text: &str, from: usize) -> (Vec<Piece>, usize) {
        let mut pieces = vec![Piece {
            text: (0, 0),
            src: 0,
            verbatim: false,
        }];
        let end = super::align(src, text, from, &mut pieces);
        (pieces, end)
    }

    fn align_char_by_char(src: &str, text: &str, from: usize) -> (Vec<Piece>, usize) {
        let mut pieces = Vec::new();
        let end = super::align_char_by_char(src, text, from, &mut pieces);
        (pieces, end)
    }

    #[test]
    fn aligns_verbatim_entities_and_dropped_tags() {
        let src = "<p>a &amp; b</span>c\r\nd</p>";
        let (pieces, end) = align(src, "a & bc\nd", 3);
        assert_eq!(
            pieces,
            vec![
                Piece {
                    text: (0, 2),
                    src: 3,
                    verbatim: true
                },
                Piece {
                    text: (2, 3),
                    src: 5,
                    verbatim: false
                },
                Piece {
                    text: (3, 5),
                    src: 10,
                    verbatim: true
                },
                Piece {
                    text: (5, 6),
                    src: 19,
                    verbatim: true
                },
                Piece {
                    text: (6, 7),
                    src: 20,
                    verbatim: false
                },
                Piece {
                    text: (7, 8),
                    src: 22,
                    verbatim: true
                },
            ]
        );
        assert_eq!(end, 23);
    }

    #[test]
    fn verbatim_text_takes_the_short_path_to_the_same_pieces() {
        let src = "<p>Plain words, é and ✓.</p><p>AT&T</p><script>a &amp; b</script>";
        for text in ["Plain words, é and ✓.", "words", "✓."] {
            let from = src.find(text).unwrap();
            assert_eq!(align(src, text, from), align_char_by_char(src, text, from));
            assert_eq!(align(src, text, from).0.len(), 1);
        }
        // With `&` in the text the walk decides (an entity in the source maps differently).
        let amp = src.find("AT&T").unwrap();
        assert_eq!(
            align(src, "AT&T", amp),
            align_char_by_char(src, "AT&T", amp)
        );
        let script = src.find("a &amp; b").unwrap();
        assert_eq!(
            align(src, "a &amp; b", script),
            align_char_by_char(src, "a &amp; b", script)
        );
        assert_eq!(align(src, "", 3), (Vec::new(), 3));
    }

    /// The walk as it was before verbatim stretches were taken whole: one character per step.
    fn align_one_char_at_a_time(
        source: &str,
        text: &str,
        from: usize,
        pieces: &mut Vec<Piece>,
    ) -> usize {
        super::align_walk(source, text, from, pieces, false)
    }

    #[test]
    fn verbatim_stretches_give_the_pieces_of_one_char_at_a_time() {
        const PARTS: &[&str] = &[
            "ab",
            " ",
            "\n",
            "\r\n",
            "</a>",
            "<b>",
            "<!-- c -->",
            "&amp;",
            "&",
            "é",
            "x y",
            "\0",
            "<",
            ">",
            "\t",
            "AT&T",
            "<br/>",
            "✓",
            "&#x27;",
            "&copy",
            "ée",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..600 {
            let src: String = (0..next(14)).map(|_| PARTS[next(PARTS.len())]).collect();
            let decoded = src
                .replace("&amp;", "&")
                .replace("&#x27;", "'")
                .replace("\r\n", "\n");
            for text_source in [&src, &decoded] {
                let boundaries: Vec<usize> = (0..=text_source.len())
                    .filter(|&i| text_source.is_char_boundary(i))
                    .collect();
                for _ in 0..8 {
                    let a = boundaries[next(boundaries.len())];
                    let b = boundaries[next(boundaries.len())];
                    let text = &text_source[a.min(b)..a.max(b)];
                    let from = next(src.len() + 1);
                    let from = (0..=from)
                        .rev()
                        .find(|&i| src.is_char_boundary(i))
                        .unwrap_or(0);
                    let mut reference = Vec::new();
                    let end = align_one_char_at_a_time(&src, text, from, &mut reference);
                    assert_eq!(
                        align_char_by_char(&src, text, from),
                        (reference, end),
                        "{src:?} {text:?} {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn short_path_after_skipped_markup_equals_the_walk() {
        // Sources built from markup, entities, line ends and text; every text a slice of the
        // source or of its decoded form, from every position: the short path may only ever
        // give the walk's own answer.
        const PARTS: &[&str] = &[
            "ab",
            " ",
            "\n",
            "\r\n",
            "</a>",
            "<b>",
            "<!-- c -->",
            "&amp;",
            "&",
            "é",
            "x y",
            "\0",
            "<",
            ">",
            "\t",
            "AT&T",
            "<br/>",
            "✓",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..400 {
            let src: String = (0..next(12)).map(|_| PARTS[next(PARTS.len())]).collect();
            let decoded = src.replace("&amp;", "&").replace("\r\n", "\n");
            for text_source in [&src, &decoded] {
                let boundaries: Vec<usize> = (0..=text_source.len())
                    .filter(|&i| text_source.is_char_boundary(i))
                    .collect();
                for _ in 0..8 {
                    let a = boundaries[next(boundaries.len())];
                    let b = boundaries[next(boundaries.len())];
                    let text = &text_source[a.min(b)..a.max(b)];
                    let from = boundaries[next(boundaries.len())].min(src.len());
                    let from = (0..=from)
                        .rev()
                        .find(|&i| src.is_char_boundary(i))
                        .unwrap_or(0);
                    assert_eq!(
                        align(&src, text, from),
                        align_char_by_char(&src, text, from),
                        "{src:?} {text:?} {from}"
                    );
                }
            }
        }
        let src = "<p>Read <a href=\"/x\">this</a> now.</p>";
        let after_link = src.find("this").unwrap() + 4;
        let (pieces, end) = align(src, " now.", after_link);
        assert_eq!(pieces.len(), 1);
        assert_eq!(&src[pieces[0].src..end], " now.");
    }

    #[test]
    fn alignment_never_leaves_the_source() {
        for (src, text) in [
            ("", "abc"),
            ("<p>", "zzz"),
            ("&", "&&"),
            ("é", "e"),
            ("<", "<"),
        ] {
            let (pieces, end) = align(src, text, 0);
            assert!(end <= src.len());
            for p in pieces {
                assert!(p.src <= src.len());
                assert!(p.text.1 <= text.len());
            }
        }
    }

    #[test]
    fn partition_from_any_hint_equals_partition_point() {
        let starts = [0usize, 3, 3, 7, 9, 9, 9, 20, 31, 40, 41, 58];
        let tags: Vec<html_scan::Tag> = starts
            .iter()
            .map(|&s| html_scan::Tag {
                name: "p".into(),
                span: Span::new(s, s + 1),
                is_end: false,
                self_closing: false,
            })
            .collect();
        for len in 0..=tags.len() {
            let tags = &tags[..len];
            for offset in 0..62 {
                let expected = tags.partition_point(|t| t.span.start < offset);
                for hint in 0..=len + 2 {
                    assert_eq!(
                        partition_from(tags, hint, offset),
                        expected,
                        "len {len} offset {offset} hint {hint}"
                    );
                }
            }
        }
    }

    #[test]
    fn deep_nesting_is_flattened_with_offsets_kept() {
        let depth = MAX_DEPTH + 10;
        let src = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let scan = html_scan::scan(&src, 0, src.len());
        let flat = flatten_deep_nesting(&src, &scan).expect("flattened");
        assert_eq!(flat.len(), src.len());
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        let shallow = "<div><p>a<p>b<p>c</div>".repeat(300);
        let scan = html_scan::scan(&shallow, 0, shallow.len());
        assert!(flatten_deep_nesting(&shallow, &scan).is_none());
    }

    #[test]
    fn metadata_from_head() {
        let src = r#"<!doctype html>
<html lang="en-GB"><head>
<title> My  Page </title>
<meta name="description" content="A &amp; B">
<meta name="robots" content="noindex">
<link rel="canonical" href="https://x.org/p">
<meta property="article:published_time" content="2024-05-01T10:00:00Z">
<meta name="author" content="Meta Author">
</head><body><p>Hi.</p></body></html>"#;
        let doc = parse("p.html", src, Format::Html);
        let title = doc.title.expect("title");
        assert_eq!(title.text, "My Page");
        assert_eq!(slice(src, title.span), "My  Page");
        let desc = doc.meta_description.expect("description");
        assert_eq!(desc.text, "A & B");
        assert_eq!(slice(src, desc.span), "A &amp; B");
        assert_eq!(doc.robots.map(|r| r.text), Some("noindex".to_owned()));
        let canonical = doc.canonical.expect("canonical");
        assert_eq!(slice(src, canonical.span), "https://x.org/p");
        let lang = doc.lang.expect("lang");
        assert_eq!(slice(src, lang.span), "en-GB");
        assert_eq!(
            doc.published.map(|p| p.text),
            Some("2024-05-01T10:00:00Z".to_owned())
        );
        assert_eq!(doc.byline.map(|b| b.name), Some("Meta Author".to_owned()));
    }

    #[test]
    fn body_blocks_headings_links_and_images() {
        let src = "<html><body><nav><a href=\"/\">Home</a> menu text</nav>\n<article><h1>Big &amp; <em>bold</em></h1>\n<p>First <a href=\"https://e.org\" rel=\"nofollow\">link</a> here. Second one.</p>\n<ul><li>One</li><li>Two <b>x</b></li></ul><img src=\"a.png\" alt=\"\"><img src=\"b.png\">\n<table><tr><td>Cell</td></tr></table><pre>  code\n  kept</pre><div>Loose text</div></article></body></html>";
        let doc = parse("a.html", src, Format::Html);
        assert_eq!(doc.headings.len(), 1);
        assert_eq!(doc.headings[0].text, "Big & bold");
        assert_eq!(
            slice(src, doc.headings[0].span),
            "<h1>Big &amp; <em>bold</em></h1>"
        );
        let texts: Vec<(BlockKind, &str)> = doc
            .blocks
            .iter()
            .map(|b| (b.kind, b.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (BlockKind::Paragraph, "First link here. Second one."),
                (BlockKind::ListItem, "One"),
                (BlockKind::ListItem, "Two x"),
                (BlockKind::TableCell, "Cell"),
                (BlockKind::Code, "  code\n  kept"),
                (BlockKind::Paragraph, "Loose text"),
            ]
        );
        assert_eq!(
            slice(src, doc.blocks[0].span),
            "<p>First <a href=\"https://e.org\" rel=\"nofollow\">link</a> here. Second one.</p>"
        );
        assert_eq!(doc.sentences[0].text(&doc), "First link here.");
        assert_eq!(slice(src, doc.sentences[1].span), "Second one.");
        assert_eq!(
            slice(src, doc.sentences[0].span),
            "First <a href=\"https://e.org\" rel=\"nofollow\">link</a> here."
        );
        assert_eq!(doc.links.len(), 2);
        assert_eq!(doc.links[0].text, "Home");
        assert_eq!(doc.links[1].rel, vec!["nofollow"]);
        assert_eq!(
            slice(src, doc.links[1].span),
            "<a href=\"https://e.org\" rel=\"nofollow\">link</a>"
        );
        assert_eq!(doc.images[0].alt.as_deref(), Some(""));
        assert_eq!(doc.images[1].alt, None);
        assert_eq!(slice(src, doc.images[1].span), "<img src=\"b.png\">");
    }

    #[test]
    fn html_citations_and_references() {
        let src = "<body><p>Claim one.<sup><a href=\"#ref-1\">1</a></sup> Claim two <a href=\"#ref-2\">[2]</a>.</p>\n<h2>References</h2>\n<ol><li id=\"ref-1\"><a href=\"https://a.org\">Paper A</a></li><li id=\"ref-2\">Doe, \"Paper B\", https://b.org</li></ol></body>";
        let doc = parse("c.html", src, Format::Html);
        let labels: Vec<&str> = doc.citations.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, vec!["1", "2"]);
        assert_eq!(slice(src, doc.citations[1].span), "[2]");
        assert!(slice(src, doc.citations[0].span).contains("1</a>"));
        assert_eq!(doc.citations[0].sentence, Some(0));
        assert_eq!(doc.citations[1].sentence, Some(1));
        assert_eq!(doc.references.len(), 2);
        assert_eq!(doc.references[0].url.as_deref(), Some("https://a.org"));
        assert_eq!(doc.references[0].title.as_deref(), Some("Paper A"));
        assert_eq!(doc.references[1].label, "2");
        assert_eq!(doc.references[1].title.as_deref(), Some("Paper B"));
        assert_eq!(doc.blocks.len(), 1);
    }

    #[test]
    fn bylines_dates_comments_and_json_ld() {
        let src = "<html><head><script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"dateModified\":\"2024-06-02\"}</script></head>\n<body><!-- pressgate-disable STYLE001 --><header><h1>T</h1><p class=\"byline\">By <a rel=\"author\" href=\"/jane\">Jane Doe</a>, <time datetime=\"2024-06-01\">June 1</time></p></header><p>Body.</p></body></html>";
        let doc = parse("n.html", src, Format::Html);
        let byline = doc.byline.expect("byline");
        assert_eq!(byline.name, "Jane Doe");
        assert_eq!(byline.url.as_deref(), Some("/jane"));
        assert_eq!(slice(src, byline.span), "Jane Doe");
        let published = doc.published.expect("published");
        assert_eq!(slice(src, published.span), "2024-06-01");
        assert_eq!(doc.modified.map(|m| m.text), Some("2024-06-02".to_owned()));
        assert_eq!(doc.comments.len(), 1);
        assert_eq!(doc.comments[0].text, "pressgate-disable STYLE001");
        assert_eq!(doc.json_ld.len(), 1);
        assert!(doc.json_ld[0].value.is_some());
        let texts: Vec<&str> = doc.blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, vec!["Body."], "header text is not body text");
    }
}
