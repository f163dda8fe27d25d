//! Format-independent assembly of the Document body: the Markdown and HTML walkers report
//! structure (blocks, headings, lists, links, text) and this turns it into blocks with offset
//! maps, headings, links, images and references, then sentences and citations.
use super::collector::Collector;
use super::words::is_whitespace_byte;
use super::{
    citations, references, sentences, Block, BlockKind, Citation, CitationKind, Heading, Image,
    Link, Reference, Sentence,
};
use crate::span::Span;

#[cfg(test)]
thread_local! {
    /// Set by tests to give every element a new collector: the plain definition that the
    /// reuse of spare buffers must not change.
    pub(crate) static FRESH_COLLECTORS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A citation whose sentence is only known once the blocks are split.
struct PendingCitation {
    label: String,
    kind: CitationKind,
    span: Span,
    /// Block index and byte offset in its text.
    at: Option<(usize, usize)>,
}

struct OpenBlock {
    kind: BlockKind,
    col: Collector,
    /// Footnote references inside the block: (text offset, label, span).
    footnotes: Vec<(usize, String, Span)>,
}

struct OpenLink {
    href: String,
    rel: Vec<String>,
    start: usize,
    text: String,
}

struct OpenRef {
    label: Option<String>,
    col: Collector,
    /// List depth at which the entry was opened; `None` for footnote definitions.
    list_depth: Option<usize>,
}

struct OpenList {
    ordered: bool,
    next: u64,
}

/// The body parts of a Document, as produced by [`Builder::finish`].
#[derive(Default)]
pub(crate) struct Body {
    pub headings: Vec<Heading>,
    pub blocks: Vec<Block>,
    pub sentences: Vec<Sentence>,
    pub links: Vec<Link>,
    pub images: Vec<Image>,
    pub citations: Vec<Citation>,
    pub references: Vec<Reference>,
}

pub(crate) struct Builder<'s> {
    source: &'s str,
    headings: Vec<Heading>,
    blocks: Vec<Block>,
    /// Per block: text ranges where bracket markers are not citations.
    no_cite: Vec<Vec<(usize, usize)>>,
    links: Vec<Link>,
    images: Vec<Image>,
    references: Vec<Reference>,
    pending: Vec<PendingCitation>,
    block: Option<OpenBlock>,
    heading: Option<(u8, Collector)>,
    open_links: Vec<OpenLink>,
    alt: Option<String>,
    containers: Vec<BlockKind>,
    lists: Vec<OpenList>,
    /// Level of the heading that opened the references section.
    refs_section: Option<u8>,
    ref_item: Option<OpenRef>,
    /// Buffers of the last heading or reference entry collector, whose text is copied out and
    /// not kept: the next one reuses them instead of growing new ones.
    spare: Collector,
}

impl<'s> Builder<'s> {
    pub fn new(source: &'s str) -> Self {
        Builder {
            source,
            headings: Vec::new(),
            blocks: Vec::new(),
            no_cite: Vec::new(),
            links: Vec::new(),
            images: Vec::new(),
            references: Vec::new(),
            pending: Vec::new(),
            block: None,
            heading: None,
            open_links: Vec::new(),
            alt: None,
            containers: Vec::new(),
            lists: Vec::new(),
            refs_section: None,
            ref_item: None,
            spare: Collector::default(),
        }
    }

    /// The kind a paragraph gets from its innermost container (list item, blockquote).
    fn context_kind(&self) -> BlockKind {
        self.containers
            .last()
            .copied()
            .unwrap_or(BlockKind::Paragraph)
    }

    pub fn in_heading(&self) -> bool {
        self.heading.is_some()
    }

    // ----- containers and blocks -------------------------------------------------------------

    pub fn begin_container(&mut self, kind: BlockKind) {
        self.flush();
        self.containers.push(kind);
    }

    pub fn end_container(&mut self) {
        self.flush();
        self.containers.pop();
    }

    /// A paragraph: its kind comes from the enclosing container.
    pub fn begin_paragraph(&mut self, start: usize) {
        let kind = self.context_kind();
        self.begin_block(kind, start);
    }

    pub fn begin_block(&mut self, kind: BlockKind, start: usize) {
        if self.ref_item.is_some() || self.heading.is_some() {
            // Text of a reference entry or heading is collected there, not as a block.
            return;
        }
        self.flush();
        self.block = Some(OpenBlock {
            kind,
            col: Collector::new(start),
            footnotes: Vec::new(),
        });
    }

    /// End the open block at `end` (the end of its markup in the source).
    pub fn end_block(&mut self, end: usize) {
        if let Some(open) = self.block.take() {
            self.finish_block(open, Some(end));
        }
    }

    /// End the open block where its text ended (implicit blocks: tight list items, bare text).
    pub fn flush(&mut self) {
        if let Some(open) = self.block.take() {
            self.finish_block(open, None);
        }
    }

    fn finish_block(&mut self, mut open: OpenBlock, end: Option<usize>) {
        let keep_whitespace = open.kind == BlockKind::Code;
        if !keep_whitespace {
            open.col.trim_end();
        }
        let (start, end) = self.trimmed(
            open.col.start,
            end.unwrap_or(open.col.end).max(open.col.end),
        );
        if open.col.is_blank() {
            for (_, label, span) in open.footnotes {
                self.pending.push(PendingCitation {
                    label,
                    kind: CitationKind::Footnote,
                    span,
                    at: None,
                });
            }
            return;
        }
        if self.refs_section.is_some()
            && open.kind != BlockKind::Code
            && self.add_paragraph_references(&open.col)
        {
            return;
        }
        let index = self.blocks.len();
        for (at, label, span) in open.footnotes {
            self.pending.push(PendingCitation {
                label,
                kind: CitationKind::Footnote,
                span,
                at: Some((index, at)),
            });
        }
        self.no_cite.push(open.col.no_cite);
        self.blocks.push(Block {
            kind: open.kind,
            text: open.col.text,
            span: Span::new(start, end),
            map: open.col.map,
            heading: self.headings.len().checked_sub(1),
        });
    }

    /// `start..end` without surrounding whitespace (table cells start after the pipe).
    fn trimmed(&self, start: usize, end: usize) -> (usize, usize) {
        let end = end.max(start);
        match self.source.get(start..end) {
            Some(raw) => {
                let lead = raw.len() - raw.trim_start().len();
                (start + lead, start + lead + raw.trim().len())
            }
            None => (start, end),
        }
    }

    /// A paragraph inside the references section: one reference per line that starts with a
    /// label, or the whole paragraph when it has a label or a URL. Returns whether it was taken.
    fn add_paragraph_references(&mut self, col: &Collector) -> bool {
        let text = &col.text;
        let mut starts: Vec<usize> = Vec::new();
        let mut line_start = 0;
        for line in text.split_inclusive('\n') {
            if references::leading_label(line).is_some() {
                starts.push(line_start);
            }
            line_start += line.len();
        }
        if starts.is_empty() {
            let has_url = text.contains("http://") || text.contains("https://");
            let span = col.map.span(0, text.len());
            let has_link = self.links_in(span).next().is_some();
            if !has_url && !has_link {
                return false;
            }
            starts.push(0);
        } else if starts[0] != 0 {
            starts[0] = 0;
        }
        for (i, &s) in starts.iter().enumerate() {
            let e = starts.get(i + 1).copied().unwrap_or(text.len());
            let part = &text[s..e];
            let trimmed_end = s + part.trim_end().len();
            let span = col.map.span(s, trimmed_end);
            let links: Vec<&Link> = self.links_in(span).collect();
            let reference = references::build(None, &text[s..trimmed_end], span, &links);
            self.references.push(reference);
        }
        true
    }

    /// Links that start inside `span`, in source order. Links of an entry are the most recent
    /// ones, so this scans backwards and stops at the first link before the span.
    fn links_in(&self, span: Span) -> impl Iterator<Item = &Link> {
        let first = self.links.len()
            - self
                .links
                .iter()
                .rev()
                .take_while(|l| l.span.start >= span.start)
                .count();
        self.links[first..]
            .iter()
            .filter(move |l| l.span.start < span.end.max(span.start + 1))
    }

    // ----- headings --------------------------------------------------------------------------

    pub fn begin_heading(&mut self, start: usize) {
        self.flush();
        let col = self.reused_collector(start);
        self.heading = Some((0, col));
    }

    pub fn end_heading(&mut self, level: u8, end: usize) {
        let Some((_, mut col)) = self.heading.take() else {
            return;
        };
        col.trim_end();
        let (start, end) = self.trimmed(col.start, end.max(col.end));
        let text = col.text.trim().to_owned();
        self.spare = col;
        let level = level.clamp(1, 6);
        if references::is_references_heading(&text) {
            self.refs_section = Some(level);
        } else if self.refs_section.is_some_and(|l| level <= l) {
            self.refs_section = None;
        }
        self.headings.push(Heading {
            level,
            text,
            span: Span::new(start, end),
        });
    }

    // ----- lists and references --------------------------------------------------------------

    pub fn begin_list(&mut self, ordered_start: Option<u64>) {
        self.flush();
        self.lists.push(OpenList {
            ordered: ordered_start.is_some(),
            next: ordered_start.unwrap_or(1),
        });
    }

    pub fn end_list(&mut self) {
        self.flush();
        self.lists.pop();
    }

    /// A list item; `value` overrides its number (HTML `<li value>`).
    pub fn begin_item(&mut self, start: usize, value: Option<u64>) {
        self.flush();
        let position = match self.lists.last_mut() {
            Some(list) => {
                let n = value.unwrap_or(list.next);
                list.next = n.saturating_add(1);
                Some((n, list.ordered))
            }
            None => None,
        };
        self.containers.push(BlockKind::ListItem);
        if self.refs_section.is_some() && self.ref_item.is_none() && self.heading.is_none() {
            let col = self.reused_collector(start);
            self.ref_item = Some(OpenRef {
                label: position.map(|(n, _)| n.to_string()),
                col,
                list_depth: Some(self.lists.len()),
            });
        }
    }

    pub fn end_item(&mut self, end: usize) {
        self.flush();
        self.containers.pop();
        let closes_ref = self
            .ref_item
            .as_ref()
            .is_some_and(|r| r.list_depth == Some(self.lists.len()));
        if closes_ref {
            self.close_ref(end);
        }
    }

    /// A Markdown footnote definition `[^label]: ...`: a reference with that label.
    pub fn begin_footnote_definition(&mut self, label: &str, start: usize) {
        self.flush();
        if let Some(open) = self.ref_item.take() {
            self.push_ref(open, None);
        }
        let col = self.reused_collector(start);
        self.ref_item = Some(OpenRef {
            label: Some(label.to_owned()),
            col,
            list_depth: None,
        });
    }

    pub fn end_footnote_definition(&mut self, end: usize) {
        self.flush();
        if self
            .ref_item
            .as_ref()
            .is_some_and(|r| r.list_depth.is_none())
        {
            self.close_ref(end);
        }
    }

    fn close_ref(&mut self, end: usize) {
        if let Some(open) = self.ref_item.take() {
            self.push_ref(open, Some(end));
        }
    }

    fn push_ref(&mut self, mut open: OpenRef, end: Option<usize>) {
        open.col.trim_end();
        let (start, end) = self.trimmed(open.col.start, end.unwrap_or(open.col.end));
        let span = Span::new(start, end);
        let links: Vec<&Link> = self.links_in(span).collect();
        let reference = references::build(open.label, &open.col.text, span, &links);
        self.references.push(reference);
        self.spare = open.col;
    }

    /// An empty collector for a heading or reference entry, on the spare buffers.
    fn reused_collector(&mut self, start: usize) -> Collector {
        #[cfg(test)]
        if FRESH_COLLECTORS.get() {
            return Collector::new(start);
        }
        let mut col = std::mem::take(&mut self.spare);
        col.reset(start);
        col
    }

    // ----- inline content --------------------------------------------------------------------

    /// Text that sits verbatim at `src`; whitespace runs collapse to one space.
    pub fn text(&mut self, text: &str, src: usize) {
        self.route(text, src, TextMode::Collapse);
    }

    /// Text of a code block, kept exactly.
    pub fn raw_text(&mut self, text: &str, src: usize) {
        self.route(text, src, TextMode::Raw);
    }

    /// Text that is not verbatim in the source (decoded entity): every char maps to `src`.
    pub fn text_at(&mut self, text: &str, src: usize) {
        self.route(text, src, TextMode::At);
    }

    /// Inline code: part of the text, but bracket markers in it are not citations.
    pub fn inline_code(&mut self, text: &str, src: usize) {
        if self.alt.is_some() {
            self.route(text, src, TextMode::Collapse);
            return;
        }
        self.ensure_block(src);
        let col = self.current();
        let from = col.text.len();
        col.push_text(text, src);
        let to = col.text.len();
        col.no_cite.push((from, to));
        for link in &mut self.open_links {
            link.text.push_str(text);
        }
    }

    /// A soft or hard line break.
    pub fn line_break(&mut self, src: usize) {
        if let Some(alt) = self.alt.as_mut() {
            alt.push(' ');
            return;
        }
        if self.block.is_none() && self.heading.is_none() && self.ref_item.is_none() {
            return;
        }
        self.current().line_break(src);
        for link in &mut self.open_links {
            link.text.push(' ');
        }
    }

    /// A `[^label]` footnote reference spanning `span`: kept in the text as written.
    pub fn footnote_reference(&mut self, label: &str, span: Span) {
        let marker = self.source.get(span.start..span.end).unwrap_or("");
        self.ensure_block(span.start);
        let col = self.current();
        let at = col.text.len();
        col.push_raw(marker, span.start);
        let label = label.to_owned();
        match self.block.as_mut() {
            Some(open) if self.heading.is_none() && self.ref_item.is_none() => {
                open.footnotes.push((at, label, span));
            }
            _ => self.pending.push(PendingCitation {
                label,
                kind: CitationKind::Footnote,
                span,
                at: None,
            }),
        }
    }

    /// Text that only link anchors see (links in site navigation, whose text is not body).
    pub fn link_text(&mut self, text: &str) {
        for link in &mut self.open_links {
            link.text.push_str(text);
        }
    }

    fn route(&mut self, text: &str, src: usize, mode: TextMode) {
        if text.is_empty() {
            return;
        }
        if let Some(alt) = self.alt.as_mut() {
            alt.push_str(text);
            return;
        }
        self.ensure_block(src);
        let col = self.current();
        match mode {
            TextMode::Collapse => col.push_text(text, src),
            TextMode::Raw => col.push_raw(text, src),
            TextMode::At => col.push_at(text, src),
        }
        for link in &mut self.open_links {
            link.text.push_str(text);
        }
    }

    /// Open an implicit block for text outside any explicit one (tight list items, bare text).
    fn ensure_block(&mut self, src: usize) {
        if self.heading.is_none() && self.ref_item.is_none() && self.block.is_none() {
            let kind = self.context_kind();
            self.block = Some(OpenBlock {
                kind,
                col: Collector::new(src),
                footnotes: Vec::new(),
            });
        }
    }

    /// The collector receiving text; call after [`Self::ensure_block`].
    fn current(&mut self) -> &mut Collector {
        let kind = self.context_kind();
        if self.heading.is_some() {
            if let Some((_, col)) = self.heading.as_mut() {
                return col;
            }
        }
        if self.ref_item.is_some() {
            if let Some(r) = self.ref_item.as_mut() {
                return &mut r.col;
            }
        }
        let open = self.block.get_or_insert_with(|| OpenBlock {
            kind,
            col: Collector::new(0),
            footnotes: Vec::new(),
        });
        &mut open.col
    }

    // ----- links and images ------------------------------------------------------------------

    pub fn begin_link(&mut self, href: &str, rel: Vec<String>, start: usize) {
        self.open_links.push(OpenLink {
            href: href.to_owned(),
            rel,
            start,
            text: String::new(),
        });
    }

    /// Close the innermost link; returns its index in the links list.
    pub fn end_link(&mut self, end: usize) -> Option<usize> {
        let open = self.open_links.pop()?;
        let text = collapse_whitespace(open.text);
        self.links.push(Link {
            href: open.href,
            text,
            rel: open.rel,
            span: Span::new(open.start, end.max(open.start)),
        });
        Some(self.links.len() - 1)
    }

    /// A link found outside the text flow (raw HTML block).
    pub fn link(&mut self, link: Link) {
        self.links.push(link);
    }

    /// Start collecting a Markdown image's alt text (its inner text is not body text).
    pub fn begin_alt(&mut self) {
        self.alt = Some(String::new());
    }

    /// End the alt text; it is also the accessible text of a link around the image.
    pub fn end_alt(&mut self) -> String {
        let alt = self.alt.take().unwrap_or_default();
        for link in &mut self.open_links {
            link.text.push_str(&alt);
        }
        alt
    }

    pub fn image(&mut self, image: Image) {
        self.images.push(image);
    }

    // ----- result ----------------------------------------------------------------------------

    pub fn finish(mut self) -> Body {
        self.flush();
        self.heading = None;
        if let Some(open) = self.ref_item.take() {
            self.push_ref(open, None);
        }
        while !self.open_links.is_empty() {
            let end = self.source.len();
            self.end_link(end);
        }

        // Sentence ranges of all blocks first, so that the sentences are allocated once.
        let mut ranges = Vec::new();
        // Per block: index of its first sentence and how many it has.
        let mut block_sentences = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let first = ranges.len();
            if block.kind != BlockKind::Code {
                sentences::split_into(&block.text, &mut ranges);
            }
            block_sentences.push((first, ranges.len() - first));
        }
        let mut sentences = Vec::with_capacity(ranges.len());
        for (index, (block, &(first, count))) in
            self.blocks.iter().zip(&block_sentences).enumerate()
        {
            for &(s, e) in &ranges[first..first + count] {
                sentences.push(Sentence {
                    span: block.map.span(s, e),
                    block: index,
                    text_range: (s, e),
                });
            }
        }

        extend_over_links(&mut sentences, &self.links);

        let sentence_at = |block: usize, at: usize| -> Option<usize> {
            let &(first, count) = block_sentences.get(block)?;
            if count == 0 {
                return None;
            }
            let in_block = &sentences[first..first + count];
            let i = in_block.partition_point(|s: &Sentence| s.text_range.0 <= at);
            Some(first + i.saturating_sub(1))
        };

        let mut citations = Vec::new();
        for (index, block) in self.blocks.iter().enumerate() {
            if block.kind == BlockKind::Code {
                continue;
            }
            let excluded = self.no_cite.get(index).map_or(&[][..], Vec::as_slice);
            // Labels of one marker come in a row: its span and sentence are looked up once.
            let mut marker: Option<(usize, Span, Option<usize>)> = None;
            citations::for_each_label(&block.text, excluded, |start, end, label| {
                let (span, sentence) = match marker {
                    Some((at, span, sentence)) if at == start => (span, sentence),
                    _ => {
                        let span = block.map.span(start, end);
                        let sentence = sentence_at(index, start);
                        marker = Some((start, span, sentence));
                        (span, sentence)
                    }
                };
                citations.push(Citation {
                    label,
                    kind: CitationKind::Bracket,
                    span,
                    sentence,
                });
            });
        }
        for p in self.pending {
            let sentence = p.at.and_then(|(b, at)| sentence_at(b, at));
            citations.push(Citation {
                label: p.label,
                kind: p.kind,
                span: p.span,
                sentence,
            });
        }
        citations.sort_by_key(|c| c.span.start);

        Body {
            headings: self.headings,
            blocks: self.blocks,
            sentences,
            links: self.links,
            images: self.images,
            citations,
            references: self.references,
        }
    }
}

/// `text`'s words joined by single spaces; moved, not copied, when it is that already (most
/// link texts are).
pub(crate) fn collapse_whitespace(text: String) -> String {
    if is_collapsed(text.as_bytes()) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `bytes` are ASCII words joined by single spaces, without spaces at either end: one
/// pass (most link texts are short, so a pass beats several searches).
fn is_collapsed(bytes: &[u8]) -> bool {
    // Start as if after a space: a leading space is a run too.
    let mut after_space = true;
    for &b in bytes {
        if b == b' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if b >= 0x80 || is_whitespace_byte(b) {
            return false;
        } else {
            after_space = false;
        }
    }
    bytes.is_empty() || !after_space
}

#[derive(Clone, Copy)]
enum TextMode {
    Collapse,
    Raw,
    At,
}

/// A sentence that starts or ends inside a link (`By [Sam Roe](/sam)`) covers the whole link
/// markup, so the span is a well-formed piece of source.
fn extend_over_links(sentences: &mut [Sentence], links: &[Link]) {
    if links.is_empty() {
        return;
    }
    let mut spans: Vec<Span> = links.iter().map(|l| l.span).collect();
    spans.sort_unstable();
    let containing = |offset: usize| -> Option<Span> {
        let i = spans.partition_point(|s| s.start < offset);
        // Only the closest links before `offset` can contain it (links rarely nest).
        spans[i.saturating_sub(2)..i]
            .iter()
            .rev()
            .find(|s| s.start < offset && offset < s.end)
            .copied()
    };
    for sentence in sentences {
        if let Some(link) = containing(sentence.span.start) {
            sentence.span.start = link.start;
        }
        if let Some(link) = containing(sentence.span.end) {
            sentence.span.end = link.end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::collapse_whitespace;

    #[test]
    fn collapsed_whitespace_equals_joining_the_words() {
        let joined = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        for text in [
            "",
            " ",
            "Home",
            "Home page",
            " Home  page ",
            "a\tb\nc\x0bd\x0ce\rf",
            "caf\u{e9}\u{a0}ol\u{e9}  x",
            "trailing ",
        ] {
            assert_eq!(
                collapse_whitespace(text.to_owned()),
                joined(text),
                "{text:?}"
            );
        }
        let pieces = [
            "a", "Bc", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{e9}", "\u{2003}",
            "\x1f", "!",
        ];
        let mut rng = crate::test_fixtures::Stream(0xc011_a95e);
        for _ in 0..20_000 {
            let text: String = (0..rng.below(7))
                .map(|_| pieces[rng.below(pieces.len())])
                .collect();
            assert_eq!(collapse_whitespace(text.clone()), joined(&text), "{text:?}");
        }
    }
}
