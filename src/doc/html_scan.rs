//! A light, linear scan of HTML source for tags, attributes and comments with byte spans.
//!
//! The tree parser (html5ever) has no source positions; this scan supplies them. It never panics
//! and touches each byte a bounded number of times.
use crate::span::Span;
use std::borrow::Cow;
use std::cell::Cell;

/// Elements whose content is raw text (no tags inside).
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tag {
    /// Lower-cased element name.
    pub name: Cow<'static, str>,
    /// From `<` to just past `>` (or the end of input for an unterminated tag).
    pub span: Span,
    pub is_end: bool,
    pub self_closing: bool,
}

/// Element names a page is made of, sorted: a tag named one of these (in any case) shares the
/// static string instead of allocating its own (a page has hundreds of tags).
const KNOWN_NAMES: &[&str] = &[
    "a",
    "abbr",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "math",
    "menu",
    "meta",
    "meter",
    "nav",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// A name of up to 16 bytes as one number: big-endian and zero-padded, so numbers sort as
/// the names do and a lookup compares integers, not strings.
const fn name_key(name: &[u8]) -> u128 {
    let mut padded = [0u8; 16];
    let mut i = 0;
    while i < name.len() && i < 16 {
        padded[i] = name[i];
        i += 1;
    }
    u128::from_be_bytes(padded)
}

/// [`name_key`] of each of [`KNOWN_NAMES`], in the same (sorted) order.
const KNOWN_KEYS: [u128; KNOWN_NAMES.len()] = {
    let mut keys = [0u128; KNOWN_NAMES.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = name_key(KNOWN_NAMES[i].as_bytes());
        i += 1;
    }
    keys
};

/// Slots of [`SHORT_NAMES`]: a power of two, about twice the names it holds.
const SHORT_SLOTS: usize = 256;

/// A name of up to 8 bytes as one number, little-endian and zero-padded (distinct names of
/// distinct lengths differ in the padding, as a name's bytes are never zero).
const fn short_key(name: &[u8]) -> u64 {
    let mut key = 0u64;
    let mut i = 0;
    while i < name.len() && i < 8 {
        key |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

/// The first slot tried for `key` (Fibonacci hashing: the top byte of a multiplication).
const fn short_slot(key: u64) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as usize
}

/// The known names of up to 8 bytes (nearly every tag) in an open-addressing table: per slot
/// the name's [`short_key`] and its index in [`KNOWN_NAMES`] plus one (0: empty). A lookup
/// is one multiplication and usually one probe, where a binary search over all names takes
/// seven dependent compares.
const SHORT_NAMES: ([u64; SHORT_SLOTS], [u8; SHORT_SLOTS]) = {
    let mut keys = [0u64; SHORT_SLOTS];
    let mut indices = [0u8; SHORT_SLOTS];
    let mut i = 0;
    while i < KNOWN_NAMES.len() {
        let name = KNOWN_NAMES[i].as_bytes();
        if name.len() <= 8 {
            let key = short_key(name);
            let mut slot = short_slot(key);
            while indices[slot] != 0 {
                slot = (slot + 1) % SHORT_SLOTS;
            }
            keys[slot] = key;
            indices[slot] = (i + 1) as u8;
        }
        i += 1;
    }
    (keys, indices)
};

/// The known name `raw` (1 to 8 bytes) is, in any case; `None` for other names.
fn known_short_name(raw: &[u8]) -> Option<&'static str> {
    // Setting 0x20 in every byte lower-cases letters (digits have it already); what else it
    // changes, the check of the found name rejects.
    let lower_bits = u64::MAX >> (8 * (8 - raw.len()));
    let key = short_key(raw) | (0x2020_2020_2020_2020 & lower_bits);
    let (keys, indices) = &SHORT_NAMES;
    let mut slot = short_slot(key);
    loop {
        let index = usize::from(indices[slot]);
        if index == 0 {
            return None;
        }
        if keys[slot] == key {
            let name = KNOWN_NAMES[index - 1];
            return name.as_bytes().eq_ignore_ascii_case(raw).then_some(name);
        }
        slot = (slot + 1) % SHORT_SLOTS;
    }
}

/// `raw` lower-cased (ASCII letters only, as HTML does); a known name costs no allocation.
fn tag_name(raw: &str) -> Cow<'static, str> {
    if (1..=8).contains(&raw.len()) {
        if let Some(name) = known_short_name(raw.as_bytes()) {
            return Cow::Borrowed(name);
        }
    } else if (9..=16).contains(&raw.len()) {
        let lower_bits = name_key(&[0x20; 16]) << (8 * (16 - raw.len()));
        // Setting 0x20 lower-cases letters (digits have it already); what else it changes,
        // the check of the found name rejects.
        let key = name_key(raw.as_bytes()) | lower_bits;
        if let Ok(i) = KNOWN_KEYS.binary_search(&key) {
            if KNOWN_NAMES[i].eq_ignore_ascii_case(raw) {
                return Cow::Borrowed(KNOWN_NAMES[i]);
            }
        }
    }
    Cow::Owned(raw.to_ascii_lowercase())
}

/// Everything the scan found, in source order.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub tags: Vec<Tag>,
    pub comments: Vec<Span>,
    /// Content of raw-text elements: (index of the start tag in `tags`, content span).
    pub raw_texts: Vec<(usize, Span)>,
}

thread_local! {
    /// The emptied tag list of a finished scan on this thread: the next scan fills it instead
    /// of allocating (and the allocator merging) a page-sized list every time.
    static SPARE_TAGS: Cell<Vec<Tag>> = const { Cell::new(Vec::new()) };
}

/// Tag lists up to this capacity are kept for the next scan; bigger ones are freed.
const MAX_SPARE_TAGS: usize = 1 << 14;

impl Drop for Scan {
    fn drop(&mut self) {
        let mut tags = std::mem::take(&mut self.tags);
        if tags.capacity() <= MAX_SPARE_TAGS {
            tags.clear();
            // During thread exit the slot may be gone: then the list is simply freed.
            let _ = SPARE_TAGS.try_with(|spare| spare.set(tags));
        }
    }
}

/// Scan `source[from..to]`.
pub(crate) fn scan(source: &str, from: usize, to: usize) -> Scan {
    let to = to.min(source.len());
    // About one tag per 64 bytes of a typical page: the tag list grows rarely after this.
    let mut tags = SPARE_TAGS.try_with(Cell::take).unwrap_or_default();
    tags.clear();
    tags.reserve((to.saturating_sub(from) / 64).min(MAX_SPARE_TAGS));
    let mut out = Scan {
        tags,
        comments: Vec::new(),
        raw_texts: Vec::new(),
    };
    let mut i = from.min(to);
    while i < to {
        let Some(off) = memchr::memchr(b'<', &source.as_bytes()[i..to]) else {
            break;
        };
        let lt = i + off;
        let rest = &source.as_bytes()[lt..to];
        if rest.starts_with(b"<!--") {
            let end = comment_end(source, lt, to);
            out.comments.push(Span::new(lt, end));
            i = end;
            continue;
        }
        if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            // Doctype, CDATA or bogus comment: up to the next `>`.
            i = find_byte(source, lt + 2, to, b'>').map_or(to, |p| p + 1);
            continue;
        }
        let Some(tag) = parse_tag_bounded(source, lt, to) else {
            i = lt + 1;
            continue;
        };
        i = tag.span.end.max(lt + 1);
        let is_raw = !tag.is_end && !tag.self_closing && RAW_TEXT.contains(&&*tag.name);
        let content_end = is_raw.then(|| find_end_tag(source, i, to, &tag.name).unwrap_or(to));
        out.tags.push(tag);
        if let Some(content_end) = content_end {
            out.raw_texts
                .push((out.tags.len() - 1, Span::new(i, content_end)));
            i = content_end;
        }
    }
    out
}

/// End of a comment starting at `lt` (`<!--`): just past `-->`, or `to` when unclosed.
pub(crate) fn comment_end(source: &str, lt: usize, to: usize) -> usize {
    let body = lt + 4;
    let bytes = source.as_bytes();
    // `<!-->` and `<!--->` are complete (empty) comments.
    if bytes.get(body) == Some(&b'>') {
        return body + 1;
    }
    if bytes.get(body) == Some(&b'-') && bytes.get(body + 1) == Some(&b'>') {
        return body + 2;
    }
    match source.get(body..to).and_then(|s| s.find("-->")) {
        Some(p) => body + p + 3,
        None => to,
    }
}

fn find_byte(source: &str, from: usize, to: usize, byte: u8) -> Option<usize> {
    let from = from.min(to);
    memchr::memchr(byte, &source.as_bytes()[from..to]).map(|p| from + p)
}

/// Position of `</name` (case-insensitive) at or after `from`.
fn find_end_tag(source: &str, from: usize, to: usize, name: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    while let Some(p) = find_byte(source, i, to, b'<') {
        let after = p + 2;
        if bytes.get(p + 1) == Some(&b'/')
            && bytes
                .get(after..after + name.len())
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            let next = bytes.get(after + name.len()).copied();
            if matches!(
                next,
                None | Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
            ) {
                return Some(p);
            }
        }
        i = p + 1;
    }
    None
}

/// Parse a start or end tag at `lt` (which must be `<`), up to the end of the source.
pub(crate) fn parse_tag(source: &str, lt: usize) -> Option<Tag> {
    parse_tag_bounded(source, lt, source.len())
}

fn parse_tag_bounded(source: &str, lt: usize, to: usize) -> Option<Tag> {
    let bytes = source.as_bytes();
    if bytes.get(lt) != Some(&b'<') {
        return None;
    }
    let is_end = bytes.get(lt + 1) == Some(&b'/');
    let name_start = if is_end { lt + 2 } else { lt + 1 };
    if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut name_end = name_start;
    while name_end < to
        && !is_space(bytes[name_end])
        && bytes[name_end] != b'/'
        && bytes[name_end] != b'>'
    {
        name_end += 1;
    }
    let name = tag_name(source.get(name_start..name_end)?);
    let (end, self_closing, _) = walk_attributes(source, name_end, to, |_, _| {});
    Some(Tag {
        name,
        span: Span::new(lt, end),
        is_end,
        self_closing,
    })
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Walk the attributes from `pos` (just after the tag name), calling `f(name, value)` with their
/// spans (value without quotes). Returns the end of the tag (past `>`), whether it is `/>`, and
/// whether a `>` ended it (`false`: it ran to `to`).
pub(crate) fn walk_attributes(
    source: &str,
    mut pos: usize,
    to: usize,
    mut f: impl FnMut(Span, Option<Span>),
) -> (usize, bool, bool) {
    let bytes = source.as_bytes();
    let mut self_closing = false;
    loop {
        while pos < to && (is_space(bytes[pos]) || bytes[pos] == b'/') {
            self_closing = bytes[pos] == b'/';
            pos += 1;
        }
        if pos >= to {
            return (to, false, false);
        }
        if bytes[pos] == b'>' {
            return (pos + 1, self_closing, true);
        }
        self_closing = false;
        let name_start = pos;
        // An attribute name may start with `=` (HTML tokenizer quirk), then runs to a delimiter.
        pos += 1;
        while pos < to && !is_space(bytes[pos]) && !matches!(bytes[pos], b'/' | b'>' | b'=') {
            pos += 1;
        }
        let name = Span::new(name_start, pos);
        let mut after_name = pos;
        while after_name < to && is_space(bytes[after_name]) {
            after_name += 1;
        }
        if after_name < to && bytes[after_name] == b'=' {
            pos = after_name + 1;
            while pos < to && is_space(bytes[pos]) {
                pos += 1;
            }
            if pos >= to {
                f(name, Some(Span::new(to, to)));
                return (to, false, false);
            }
            let quote = bytes[pos];
            if quote == b'"' || quote == b'\'' {
                let value_start = pos + 1;
                let value_end = find_byte(source, value_start, to, quote).unwrap_or(to);
                f(name, Some(Span::new(value_start, value_end)));
                pos = (value_end + 1).min(to);
            } else {
                let value_start = pos;
                while pos < to && !is_space(bytes[pos]) && bytes[pos] != b'>' {
                    pos += 1;
                }
                f(name, Some(Span::new(value_start, pos)));
            }
        } else {
            f(name, None);
        }
    }
}

/// One attribute of a tag: its decoded value and the span of the raw value in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr {
    pub value: String,
    pub span: Span,
}

/// The attribute `name` (ASCII case-insensitive) of the tag at `tag_span`; first one wins.
pub(crate) fn attr(source: &str, tag_span: Span, name: &str) -> Option<Attr> {
    let bytes = source.as_bytes();
    if bytes.get(tag_span.start) != Some(&b'<') {
        return None;
    }
    let to = tag_span.end.min(source.len());
    let mut name_end = tag_span.start + 1;
    while name_end < to
        && !is_space(bytes[name_end])
        && bytes[name_end] != b'/'
        && bytes[name_end] != b'>'
    {
        name_end += 1;
    }
    let mut found: Option<Attr> = None;
    walk_attributes(source, name_end, to, |n, v| {
        if found.is_some() {
            return;
        }
        let is_match = source
            .get(n.start..n.end)
            .is_some_and(|s| s.eq_ignore_ascii_case(name));
        if is_match {
            let span = v.unwrap_or(Span::new(n.end, n.end));
            let raw = source.get(span.start..span.end).unwrap_or("");
            found = Some(Attr {
                value: decode_entities(raw),
                span,
            });
        }
    });
    found
}

/// `rel="Nofollow  UGC"` → `["nofollow", "ugc"]`.
pub(crate) fn rel_tokens(value: &str) -> Vec<String> {
    value
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Decode the common character references (enough for attribute values in Markdown raw HTML).
pub(crate) fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_owned();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        match decode_one(after) {
            Some((c, len)) => {
                out.push(c);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Decode one reference at the start of `s` (`&amp;`, `&#39;`, `&#x27;`).
fn decode_one(s: &str) -> Option<(char, usize)> {
    let semi = s.get(..s.len().min(12))?.find(';')?;
    let body = &s[1..semi];
    let c = if let Some(num) = body.strip_prefix('#') {
        let code = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()?
        } else {
            num.parse::<u32>().ok()?
        };
        char::from_u32(code).unwrap_or('\u{fffd}')
    } else {
        match body {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "nbsp" => '\u{a0}',
            "mdash" => '—',
            "ndash" => '–',
            "hellip" => '…',
            "rsquo" => '’',
            "lsquo" => '‘',
            "rdquo" => '”',
            "ldquo" => '“',
            "copy" => '©',
            _ => return None,
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(src: &str, span: Span) -> &str {
        &src[span.start..span.end]
    }

    #[test]
    fn tag_names_are_lower_cased_known_or_not() {
        let long = "My-Very-Long-Custom-Element-Name";
        let src = format!("<DIV><{long} a=1></{long}><x-Ünï></X-Ünï><Blockquote>");
        let scan = scan(&src, 0, src.len());
        let names: Vec<&str> = scan.tags.iter().map(|t| &*t.name).collect();
        let lower = long.to_ascii_lowercase();
        assert_eq!(
            names,
            vec!["div", &lower, &lower, "x-Ünï", "x-Ünï", "blockquote"]
        );
        assert!(matches!(scan.tags[0].name, Cow::Borrowed(_)));
        assert!(matches!(scan.tags[1].name, Cow::Owned(_)));
        assert!(
            KNOWN_NAMES.windows(2).all(|w| w[0] < w[1]),
            "sorted, unique"
        );
        assert!(KNOWN_NAMES.iter().all(|n| n.len() <= 16));
        for name in KNOWN_NAMES {
            for raw in [name.to_string(), name.to_ascii_uppercase()] {
                assert_eq!(tag_name(&raw), Cow::Borrowed(*name), "{raw}");
                assert!(matches!(tag_name(&raw), Cow::Borrowed(_)));
            }
        }
        // Every slot of the short-name table holds its name's key, and every short name is
        // in it once.
        let (keys, indices) = &SHORT_NAMES;
        let held: Vec<usize> = indices
            .iter()
            .filter(|&&i| i != 0)
            .map(|&i| usize::from(i) - 1)
            .collect();
        let short = KNOWN_NAMES.iter().filter(|n| n.len() <= 8).count();
        assert_eq!(held.len(), short);
        for (slot, &i) in indices.iter().enumerate() {
            if i != 0 {
                assert_eq!(
                    keys[slot],
                    short_key(KNOWN_NAMES[usize::from(i) - 1].as_bytes())
                );
            }
        }
        // Bytes that only look like a known name once 0x20 is set, and near misses.
        for raw in [
            "h\u{11}", "\u{1}", "sp\u{1}n", "x-y", "Z", "p\u{0}", "\u{0}", "tablex", "tabl", "h7",
            "H1\u{0}", "@", "`", "brr", "STRONG1", "strongly",
        ] {
            let name = tag_name(raw);
            assert_eq!(name, raw.to_ascii_lowercase(), "{raw:?}");
            assert!(matches!(name, Cow::Owned(_)), "{raw:?}");
        }
    }

    #[test]
    fn scans_tags_comments_and_raw_text() {
        let src = "<!DOCTYPE html><html lang=en><!-- c1 --><script>if (a<b) {}</script><p class='x'>Hi<br/></p></html>";
        let scan = scan(src, 0, src.len());
        let names: Vec<(&str, bool)> = scan.tags.iter().map(|t| (&*t.name, t.is_end)).collect();
        assert_eq!(
            names,
            vec![
                ("html", false),
                ("script", false),
                ("script", true),
                ("p", false),
                ("br", false),
                ("p", true),
                ("html", true)
            ]
        );
        assert_eq!(slice(src, scan.comments[0]), "<!-- c1 -->");
        assert_eq!(slice(src, scan.raw_texts[0].1), "if (a<b) {}");
        assert!(scan.tags[4].self_closing);
        assert_eq!(slice(src, scan.tags[3].span), "<p class='x'>");
    }

    #[test]
    fn reads_attributes_with_spans() {
        let src = r#"<a HREF="/x?a=1&amp;b=2" rel='nofollow' data-x=y disabled>"#;
        let tag = parse_tag(src, 0).expect("tag");
        let href = attr(src, tag.span, "href").expect("href");
        assert_eq!(href.value, "/x?a=1&b=2");
        assert_eq!(slice(src, href.span), "/x?a=1&amp;b=2");
        assert_eq!(
            attr(src, tag.span, "rel").map(|a| a.value),
            Some("nofollow".to_owned())
        );
        assert_eq!(
            attr(src, tag.span, "data-x").map(|a| a.value),
            Some("y".to_owned())
        );
        assert_eq!(
            attr(src, tag.span, "disabled").map(|a| a.value),
            Some(String::new())
        );
        assert_eq!(attr(src, tag.span, "missing"), None);
    }

    #[test]
    fn quoted_gt_does_not_end_a_tag() {
        let src = r#"<img alt="a > b" src=x.png>after"#;
        let tag = parse_tag(src, 0).expect("tag");
        assert_eq!(slice(src, tag.span), r#"<img alt="a > b" src=x.png>"#);
    }

    #[test]
    fn unterminated_input_is_safe() {
        for src in [
            "<",
            "<a",
            "<a href=",
            "<a href=\"x",
            "<!--",
            "<!-",
            "</",
            "<script>x",
            "<a =>",
            "<é>",
        ] {
            let s = scan(src, 0, src.len());
            for t in &s.tags {
                assert!(t.span.end <= src.len());
                let _ = attr(src, t.span, "href");
            }
        }
    }

    #[test]
    fn decodes_entities() {
        assert_eq!(
            decode_entities("a &amp; b &#39;c&#x27; &bogus; &"),
            "a & b 'c' &bogus; &"
        );
    }
}
