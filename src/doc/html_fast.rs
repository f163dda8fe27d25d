//! The tree of a well-formed page built straight from the source scan, without html5ever.
//!
//! Most pages are written by tools: a doctype, explicit `<html>`, `<head>` and `<body>`, every
//! element closed by its own end tag, no tables or forms. For such a page the standard's tree
//! construction does nothing but append each element and text run to the element open above
//! it, so the tags [`html_scan`] already found give the tree directly. [`parse`] does that and
//! answers `None` at the first thing whose handling could differ from html5ever's (an implied
//! or misnested end tag, an element with its own tree rules, an entity it does not know, CR or
//! NUL in the source, ...): the caller then runs html5ever. The tokenizer's work is mirrored
//! exactly where it is kept: attribute names lower-cased and repeats dropped, character
//! references decoded, the newline after `<pre>` dropped, text runs merged.
use super::html_scan::{self, Scan, Tag};
use super::html_tree::{HtmlTree, NodeId, TreeWriter, ROOT};
use crate::span::Span;
use html5ever::tendril::StrTendril;
use html5ever::{ns, Attribute, LocalName, QualName};

/// Where the page is, as the standard's insertion modes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    BeforeHtml,
    BeforeHead,
    InHead,
    AfterHead,
    InBody,
    AfterBody,
    AfterAfterBody,
}

/// How a start tag in the body is handled; `None` from [`body_start`]: not by this fast path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Block that first closes an open `<p>` (none may be open here).
    ClosesP,
    Heading,
    /// `<pre>`/`<listing>`: closes `<p>`, and a newline right after the tag is dropped.
    Pre,
    /// `<li>`, `<dd>`, `<dt>`: would close an open one of its kind.
    Item,
    /// `<a>`: would close an open `<a>`.
    Anchor,
    /// Formatting and other phrasing elements: simply opened.
    Inline,
    /// Void element, not kept open.
    Void,
    /// Void element that first closes an open `<p>`.
    VoidClosesP,
    /// `<script>`, `<style>`, `<title>`: raw text up to its end tag.
    RawText,
}

fn body_start(name: &str) -> Option<Start> {
    Some(match name {
        "address" | "article" | "aside" | "blockquote" | "center" | "details" | "dialog"
        | "dir" | "div" | "dl" | "fieldset" | "figcaption" | "figure" | "footer" | "header"
        | "hgroup" | "main" | "nav" | "ol" | "p" | "search" | "section" | "summary" | "ul"
        | "menu" => Start::ClosesP,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Start::Heading,
        "pre" | "listing" => Start::Pre,
        "li" | "dd" | "dt" => Start::Item,
        "a" => Start::Anchor,
        "b" | "big" | "code" | "em" | "font" | "i" | "s" | "small" | "strike" | "strong" | "tt"
        | "u" | "span" | "sup" | "sub" | "abbr" | "cite" | "q" | "time" | "mark" | "dfn"
        | "kbd" | "samp" | "var" | "data" | "bdi" | "bdo" | "ins" | "del" | "picture" => {
            Start::Inline
        }
        "img" | "br" | "wbr" | "meta" | "link" | "source" | "track" | "area" | "embed" => {
            Start::Void
        }
        "hr" => Start::VoidClosesP,
        "script" | "style" | "title" => Start::RawText,
        // Custom elements have no rules of their own.
        _ if is_custom_element(name) => Start::Inline,
        _ => return None,
    })
}

fn is_custom_element(name: &str) -> bool {
    name.contains('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// html5ever's "special" elements other than `address`, `div` and `p`: an open one stops the
/// search for an `<li>` (`<dd>`, `<dt>`) that a new one would close.
fn stops_item_search(name: &str) -> bool {
    matches!(
        name,
        "applet"
            | "area"
            | "article"
            | "aside"
            | "base"
            | "basefont"
            | "bgsound"
            | "blockquote"
            | "body"
            | "br"
            | "button"
            | "caption"
            | "center"
            | "col"
            | "colgroup"
            | "dd"
            | "details"
            | "dir"
            | "dl"
            | "dt"
            | "embed"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "frame"
            | "frameset"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "iframe"
            | "img"
            | "input"
            | "isindex"
            | "li"
            | "link"
            | "listing"
            | "main"
            | "marquee"
            | "menu"
            | "meta"
            | "nav"
            | "noembed"
            | "noframes"
            | "noscript"
            | "object"
            | "ol"
            | "param"
            | "plaintext"
            | "pre"
            | "script"
            | "section"
            | "select"
            | "source"
            | "style"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "template"
            | "textarea"
            | "tfoot"
            | "th"
            | "thead"
            | "title"
            | "tr"
            | "track"
            | "ul"
            | "wbr"
            | "xmp"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "img"
            | "br"
            | "wbr"
            | "meta"
            | "link"
            | "source"
            | "track"
            | "area"
            | "embed"
            | "hr"
            | "base"
    )
}

/// The tokenizer's whitespace (CR never reaches here).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c')
}

fn is_blank(text: &[u8]) -> bool {
    text.iter().all(|&b| is_space(b))
}

/// The tree of `source` (scanned as `scan`) when it is simple enough to build without
/// html5ever, exactly as html5ever would build it; `None` otherwise.
pub(crate) fn parse(source: &str, scan: &Scan) -> Option<HtmlTree> {
    let bytes = source.as_bytes();
    // CR is normalised and NUL replaced by the tokenizer, a BOM dropped: left to html5ever.
    if u32::try_from(source.len()).is_err()
        || memchr::memchr2(b'\r', 0, bytes).is_some()
        || source.starts_with('\u{feff}')
    {
        return None;
    }
    let mut fast = Fast {
        source,
        shared: StrTendril::from_slice(source),
        tree: TreeWriter::new(scan.tags.len().saturating_mul(3).saturating_add(16)),
        stack: Vec::with_capacity(32),
        mode: Mode::BeforeHtml,
        open_p: 0,
        open_a: 0,
        drop_newline: false,
    };
    let mut pos = fast.doctype()?;
    let (tags, comments) = (&scan.tags, &scan.comments);
    let (mut ti, mut ci, mut ri) = (0, 0, 0);
    loop {
        let tag_at = tags.get(ti).map_or(usize::MAX, |t| t.span.start);
        let comment_at = comments.get(ci).map_or(usize::MAX, |c| c.start);
        let next = tag_at.min(comment_at).min(source.len());
        if next < pos {
            return None;
        }
        fast.gap(pos, next)?;
        if next == source.len() {
            break;
        }
        if comment_at < tag_at {
            let comment = comments[ci];
            ci += 1;
            fast.comment(comment)?;
            pos = comment.end;
            continue;
        }
        let tag = &tags[ti];
        let index = ti;
        ti += 1;
        let terminated = fast.tag_end(tag)?;
        pos = terminated;
        if tag.is_end {
            fast.end_tag(&tag.name)?;
            continue;
        }
        let raw = match scan.raw_texts.get(ri) {
            Some(&(at, content)) if at == index => {
                ri += 1;
                Some(content)
            }
            _ => None,
        };
        match fast.start_tag(tag, raw.is_some())? {
            Some(element) => {
                // Raw text: its content and then its own end tag, nothing else.
                let content = raw?;
                let end_tag = tags.get(ti).filter(|t| t.is_end && t.name == tag.name)?;
                if end_tag.span.start != content.end {
                    return None;
                }
                fast.raw_text(element, &tag.name, content)?;
                pos = fast.tag_end(end_tag)?;
                ti += 1;
            }
            None if raw.is_some() => return None,
            None => {}
        }
    }
    // Ending in the head would imply a body.
    if !matches!(
        fast.mode,
        Mode::InBody | Mode::AfterBody | Mode::AfterAfterBody
    ) {
        return None;
    }
    Some(fast.tree.finish())
}

/// An open element: its node and name.
struct Open<'a> {
    node: NodeId,
    name: &'a str,
}

struct Fast<'a> {
    source: &'a str,
    /// The whole source as one tendril: verbatim text and values are slices of it (no copy).
    shared: StrTendril,
    tree: TreeWriter,
    stack: Vec<Open<'a>>,
    mode: Mode,
    /// How many `<p>` and `<a>` elements are open.
    open_p: usize,
    open_a: usize,
    /// Just after `<pre>`: a newline starting the next text is dropped.
    drop_newline: bool,
}

impl<'a> Fast<'a> {
    fn current(&self) -> NodeId {
        self.stack.last().map_or(ROOT, |open| open.node)
    }

    /// Skip leading whitespace and `<!doctype html>` (a doctype node); where the rest starts.
    fn doctype(&mut self) -> Option<usize> {
        let bytes = self.source.as_bytes();
        let start = bytes.iter().position(|&b| !is_space(b))?;
        let rest = &bytes[start..];
        if rest.len() < 9 || !rest[..9].eq_ignore_ascii_case(b"<!doctype") {
            // No doctype: quirks mode, which this path does not model.
            return None;
        }
        let close = memchr::memchr(b'>', rest)?;
        let inner = &rest[9..close];
        let name = inner.trim_ascii();
        if !name.eq_ignore_ascii_case(b"html") || !inner.first().is_some_and(|&b| is_space(b)) {
            return None;
        }
        self.tree.other(ROOT);
        Some(start + close + 1)
    }

    /// The end of a tag, when a `>` closes it (else the tokenizer would drop it at the end).
    fn tag_end(&self, tag: &Tag) -> Option<usize> {
        let name_start = tag.span.start + if tag.is_end { 2 } else { 1 };
        let name_end = name_start + tag.name.len();
        let (end, _, terminated) =
            html_scan::walk_attributes(self.source, name_end, tag.span.end, |_, _| {});
        (terminated && end == tag.span.end).then_some(end)
    }

    /// Source text between two tags or comments.
    fn gap(&mut self, from: usize, to: usize) -> Option<()> {
        if from >= to {
            return Some(());
        }
        let raw = self.source.get(from..to)?;
        // `<` that the scan did not take as a tag: a bogus comment, doctype or stray `<`.
        if memchr::memchr(b'<', raw.as_bytes()).is_some() {
            return None;
        }
        let blank = is_blank(raw.as_bytes());
        match self.mode {
            Mode::BeforeHtml | Mode::BeforeHead if blank => Some(()),
            Mode::InHead | Mode::AfterHead if blank => {
                let parent = self.current();
                self.append_text(parent, from, to)
            }
            Mode::AfterBody | Mode::AfterAfterBody if blank => {
                // Processed as in the body: into the body, still the current node.
                let parent = self.current();
                self.append_text(parent, from, to)
            }
            Mode::InBody => {
                let mut from = from;
                if std::mem::take(&mut self.drop_newline) {
                    match raw.as_bytes()[0] {
                        b'\n' => from += 1,
                        b'&' => return None,
                        _ => {}
                    }
                }
                let parent = self.current();
                self.append_text(parent, from, to)
            }
            _ => None,
        }
    }

    fn append_text(&mut self, parent: NodeId, from: usize, to: usize) -> Option<()> {
        if from < to {
            let text = self.decoded(from, to)?;
            self.tree.text(parent, text);
        }
        Some(())
    }

    /// `source[from..to]` with character references decoded, as the tokenizer decodes text
    /// and attribute values; `None` for a reference this path does not decode.
    fn decoded(&self, from: usize, to: usize) -> Option<StrTendril> {
        let raw = self.source.get(from..to)?;
        let Some(first_amp) = memchr::memchr(b'&', raw.as_bytes()) else {
            return self
                .shared
                .try_subtendril(from as u32, (to - from) as u32)
                .ok();
        };
        let mut out = StrTendril::with_capacity((to - from) as u32);
        let mut rest = raw;
        let mut amp = first_amp;
        loop {
            out.push_slice(&rest[..amp]);
            let after = &rest[amp..];
            let used = match char_ref(after.as_bytes())? {
                Some((c, second, len)) => {
                    out.push_char(c);
                    if let Some(second) = second {
                        out.push_char(second);
                    }
                    len
                }
                None => {
                    out.push_char('&');
                    1
                }
            };
            rest = &after[used..];
            match memchr::memchr(b'&', rest.as_bytes()) {
                Some(next) => amp = next,
                None => break,
            }
        }
        out.push_slice(rest);
        Some(out)
    }

    fn comment(&mut self, span: Span) -> Option<()> {
        let raw = self.source.get(span.start..span.end)?;
        let closed = raw == "<!-->" || raw == "<!--->" || (raw.len() >= 7 && raw.ends_with("-->"));
        // `--!>` also ends a comment in the tokenizer, earlier than the scan ends it.
        if !closed || raw.contains("--!>") {
            return None;
        }
        let parent = match self.mode {
            Mode::BeforeHtml | Mode::AfterAfterBody => ROOT,
            // The html element.
            Mode::AfterBody => self.stack.first()?.node,
            _ => self.current(),
        };
        self.tree.other(parent);
        self.drop_newline = false;
        Some(())
    }

    fn element(&mut self, parent: NodeId, tag: &Tag) -> Option<NodeId> {
        let attrs = self.attributes(tag)?;
        let name = QualName::new(None, ns!(html), LocalName::from(&*tag.name));
        Some(self.tree.element(parent, name, attrs))
    }

    fn push(&mut self, node: NodeId, name: &'a str) {
        self.open_p += usize::from(name == "p");
        self.open_a += usize::from(name == "a");
        self.stack.push(Open { node, name });
    }

    /// A start tag; the element when it holds raw text (`has_raw`) that the caller adds.
    fn start_tag(&mut self, tag: &'a Tag, has_raw: bool) -> Option<Option<NodeId>> {
        self.drop_newline = false;
        let name: &'a str = &tag.name;
        if tag.self_closing && !is_void(name) {
            return None;
        }
        match (self.mode, name) {
            (Mode::BeforeHtml, "html") => {
                let node = self.element(ROOT, tag)?;
                self.push(node, name);
                self.mode = Mode::BeforeHead;
            }
            (Mode::BeforeHead, "head") => {
                let node = self.element(self.current(), tag)?;
                self.push(node, name);
                self.mode = Mode::InHead;
            }
            (Mode::InHead, "meta" | "link" | "base") => {
                self.element(self.current(), tag)?;
            }
            (Mode::InHead, "title" | "style" | "script") if has_raw => {
                return self.element(self.current(), tag).map(Some);
            }
            (Mode::InHead | Mode::AfterHead, "body") => {
                if self.mode == Mode::InHead {
                    // `<body>` implies `</head>`.
                    self.stack.pop();
                }
                let node = self.element(self.current(), tag)?;
                self.push(node, name);
                self.mode = Mode::InBody;
            }
            (Mode::InBody, _) => return self.body_start_tag(tag, has_raw),
            _ => return None,
        }
        Some(None)
    }

    fn body_start_tag(&mut self, tag: &'a Tag, has_raw: bool) -> Option<Option<NodeId>> {
        let name: &'a str = &tag.name;
        let kind = body_start(name)?;
        let closes_p = matches!(
            kind,
            Start::ClosesP | Start::Heading | Start::Pre | Start::Item | Start::VoidClosesP
        );
        if closes_p && self.open_p > 0 {
            return None;
        }
        match kind {
            Start::Heading
                if self
                    .stack
                    .last()
                    .is_some_and(|open| body_start(open.name) == Some(Start::Heading)) =>
            {
                return None;
            }
            Start::Item => {
                let closes: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                for open in self.stack.iter().rev() {
                    if closes.contains(&open.name) {
                        return None;
                    }
                    if stops_item_search(open.name) {
                        break;
                    }
                }
            }
            Start::Anchor if self.open_a > 0 => return None,
            Start::RawText => {
                return if has_raw {
                    self.element(self.current(), tag).map(Some)
                } else {
                    None
                };
            }
            _ => {}
        }
        let node = self.element(self.current(), tag)?;
        if !matches!(kind, Start::Void | Start::VoidClosesP) {
            self.push(node, name);
        }
        self.drop_newline = kind == Start::Pre;
        Some(None)
    }

    fn end_tag(&mut self, name: &str) -> Option<()> {
        self.drop_newline = false;
        match (self.mode, name) {
            (Mode::InHead, "head") => {
                self.stack.pop();
                self.mode = Mode::AfterHead;
            }
            (Mode::InBody, "body") if self.stack.last()?.name == "body" => {
                self.mode = Mode::AfterBody;
            }
            (Mode::InBody, "html") if self.stack.last()?.name == "body" => {
                self.mode = Mode::AfterAfterBody;
            }
            (Mode::AfterBody, "html") => self.mode = Mode::AfterAfterBody,
            (Mode::InBody, _) => {
                let open = self.stack.last()?;
                // Only the element open last, closed by its own end tag: no implied ends, no
                // adoption agency, no ignored tags. `body`/`html` are handled above.
                if open.name != name || matches!(name, "body" | "html") {
                    return None;
                }
                self.open_p -= usize::from(name == "p");
                self.open_a -= usize::from(name == "a");
                self.stack.pop();
            }
            _ => return None,
        }
        Some(())
    }

    /// The content of a `<script>`, `<style>` or `<title>` (whose character references are
    /// decoded), as the element's one text node.
    fn raw_text(&mut self, element: NodeId, name: &str, content: Span) -> Option<()> {
        if content.start >= content.end {
            return Some(());
        }
        let text = if name == "title" {
            self.decoded(content.start, content.end)?
        } else {
            let raw = self.source.get(content.start..content.end)?;
            // Inside `<!--` a script's end tag may not end it (escaped script states).
            if name == "script" && raw.contains("<!--") {
                return None;
            }
            self.shared
                .try_subtendril(content.start as u32, raw.len() as u32)
                .ok()?
        };
        self.tree.text(element, text);
        Some(())
    }

    /// A start tag's attributes as the tokenizer makes them: names lower-cased, values
    /// decoded, a repeated name dropped (the first one wins).
    fn attributes(&self, tag: &Tag) -> Option<Vec<Attribute>> {
        let name_end = tag.span.start + 1 + tag.name.len();
        // Each attribute goes in as the walk finds it (no list of spans first); any that
        // cannot be read makes the whole element `None`, so the walk stops adding at the
        // first.
        let mut attrs: Vec<Attribute> = Vec::new();
        let mut readable = true;
        html_scan::walk_attributes(self.source, name_end, tag.span.end, |name, value| {
            if readable && self.add_attribute(&mut attrs, name, value).is_none() {
                readable = false;
            }
        });
        if !readable {
            return None;
        }
        Some(attrs)
    }

    /// Append the attribute `name`=`value` unless `attrs` has that name already; `None` when its
    /// name or value cannot be read.
    fn add_attribute(
        &self,
        attrs: &mut Vec<Attribute>,
        name: Span,
        value: Option<Span>,
    ) -> Option<()> {
        let raw = self.source.get(name.start..name.end)?;
        let local = if raw.bytes().any(|b| b.is_ascii_uppercase()) {
            LocalName::from(raw.to_ascii_lowercase())
        } else {
            LocalName::from(raw)
        };
        if attrs.iter().any(|a| a.name.local == local) {
            return Some(());
        }
        let value = match value {
            Some(v) => self.decoded(v.start, v.end)?,
            None => StrTendril::new(),
        };
        attrs.push(Attribute {
            name: QualName::new(None, ns!(), local),
            value,
        });
        Some(())
    }
}

/// The character reference at the start of `s` (which starts with `&`), as the tokenizer
/// decodes it: `Some(Some((char, second char, length)))`, `Some(None)` when `&` is literal text,
/// `None` for the cases this path leaves to html5ever (no `;`, unknown names, numbers that
/// are replaced or out of range).
#[allow(clippy::type_complexity)]
fn char_ref(s: &[u8]) -> Option<Option<(char, Option<char>, usize)>> {
    match s.get(1) {
        Some(b'#') => {
            let hex = matches!(s.get(2), Some(b'x' | b'X'));
            let digits_start = if hex { 3 } else { 2 };
            let digits = s[digits_start.min(s.len())..]
                .iter()
                .take_while(|b| {
                    if hex {
                        b.is_ascii_hexdigit()
                    } else {
                        b.is_ascii_digit()
                    }
                })
                .count();
            let end = digits_start + digits;
            if digits == 0 || digits > 7 || s.get(end) != Some(&b';') {
                return None;
            }
            let text = std::str::from_utf8(&s[digits_start..end]).ok()?;
            let value = u32::from_str_radix(text, if hex { 16 } else { 10 }).ok()?;
            // Values the tokenizer keeps as they are (others are replaced or errors).
            let plain = matches!(value, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfdcf | 0xfdf0..=0x10ffff)
                && value & 0xfffe != 0xfffe;
            if !plain {
                return None;
            }
            Some(Some((char::from_u32(value)?, None, end + 1)))
        }
        Some(b) if b.is_ascii_alphanumeric() => {
            let name_len = s[1..]
                .iter()
                .take(40)
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let end = 1 + name_len;
            if s.get(end) != Some(&b';') {
                return None;
            }
            // The table's keys include the `;`.
            let key = std::str::from_utf8(&s[1..=end]).ok()?;
            let &(first, second) = html5ever::data::NAMED_ENTITIES.get(key)?;
            let second = match second {
                0 => None,
                c => Some(char::from_u32(c)?),
            };
            Some(Some((char::from_u32(first)?, second, end + 1)))
        }
        _ => Some(None),
    }
}

#[cfg(test)]
mod tests;
