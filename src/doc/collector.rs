//! Accumulates the plain text of one block (or heading, link, reference) together with the
//! [`OffsetMap`] that maps each text byte back to the source.
use super::OffsetMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Collector {
    pub text: String,
    pub map: OffsetMap,
    /// Source offset where the element starts (its markup included).
    pub start: usize,
    /// Source offset just past the last text copied in.
    pub end: usize,
    /// Text ranges that are not running prose (inline code): no citation markers there.
    pub no_cite: Vec<(usize, usize)>,
}

impl Collector {
    pub fn new(start: usize) -> Self {
        Collector {
            start,
            end: start,
            ..Collector::default()
        }
    }

    /// Empty it for an element starting at `start`, keeping the buffers' capacity.
    pub fn reset(&mut self, start: usize) {
        self.text.clear();
        self.map.segments.clear();
        self.no_cite.clear();
        self.start = start;
        self.end = start;
    }

    /// Record that the next text byte comes from `src`, unless it continues the previous run.
    fn mark(&mut self, src: usize) {
        let t = self.text.len();
        if let Some(&(last_t, last_s)) = self.map.segments.last() {
            if last_s + (t - last_t) == src {
                return;
            }
        }
        self.map.segments.push((t, src));
    }

    /// Append `text`, which sits verbatim at `src` in the source, without changing it (code).
    pub fn push_raw(&mut self, text: &str, src: usize) {
        if text.is_empty() {
            return;
        }
        self.mark(src);
        self.text.push_str(text);
        self.end = self.end.max(src + text.len());
    }

    /// Append `text`, which sits verbatim at `src`, collapsing each whitespace run to one space and
    /// dropping whitespace at the start of the block.
    pub fn push_text(&mut self, text: &str, src: usize) {
        // Common case, prose on one line: single ASCII spaces only, so nothing collapses and
        // the text goes in as one verbatim piece (minus a leading space the block does not
        // need).
        if is_single_spaced_ascii(text) {
            let skip = usize::from(
                text.starts_with(' ') && (self.text.is_empty() || self.ends_with_space()),
            );
            self.push_raw(&text[skip..], src + skip);
            self.end = self.end.max(src + text.len());
            return;
        }
        let mut run_start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !c.is_whitespace() {
                continue;
            }
            // Whitespace run [i, ws_end).
            let mut ws_end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() {
                    ws_end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            self.push_raw(&text[run_start..i], src + run_start);
            let single_space = ws_end - i == 1 && c == ' ';
            if !self.text.is_empty() && !self.ends_with_space() {
                if single_space {
                    self.push_raw(" ", src + i);
                } else {
                    self.push_at(" ", src + i);
                }
            }
            run_start = ws_end;
        }
        self.push_raw(&text[run_start..], src + run_start);
        self.end = self.end.max(src + text.len());
    }

    /// Append `text` that is not verbatim in the source (a decoded entity, an inserted space):
    /// every character of it maps to `src`.
    pub fn push_at(&mut self, text: &str, src: usize) {
        for c in text.chars() {
            // A segment per character so that no offset runs past `src`.
            self.map.segments.push((self.text.len(), src));
            self.text.push(c);
        }
        self.end = self.end.max(src);
    }

    /// A line break between inline runs: one `\n` unless the text already ends in whitespace.
    pub fn line_break(&mut self, src: usize) {
        if !self.text.is_empty() && !self.ends_with_space() {
            self.push_at("\n", src);
        }
    }

    pub fn ends_with_space(&self) -> bool {
        self.text.ends_with(char::is_whitespace)
    }

    /// Drop trailing whitespace (the map needs no change: it only has segment starts).
    pub fn trim_end(&mut self) {
        let len = self.text.trim_end().len();
        self.text.truncate(len);
        while self
            .map
            .segments
            .last()
            .is_some_and(|&(t, _)| t >= len && len > 0)
        {
            self.map.segments.pop();
        }
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Whether `text` is ASCII whose only whitespace is single spaces (every text node of a page
/// goes through here): word-at-a-time and SIMD searches instead of a loop over the bytes.
fn is_single_spaced_ascii(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.is_ascii()
        && memchr::memchr3(b'\n', b'\t', b'\r', bytes).is_none()
        && memchr::memchr2(0x0b, 0x0c, bytes).is_none()
        && DOUBLE_SPACE.find(bytes).is_none()
}

/// The searcher for two spaces, built once: `memmem::find` would build one per text node,
/// which costs more than the search.
static DOUBLE_SPACE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"  "));

#[cfg(test)]
mod tests {
    use super::*;

    /// ASCII whitespace other than the plain space (`char::is_whitespace` for these bytes).
    fn is_line_space(b: u8) -> bool {
        matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    }

    #[test]
    fn single_spaced_ascii_is_ascii_without_runs_or_line_breaks() {
        for text in [
            "",
            " ",
            "  ",
            "a b",
            "a  b",
            "a\tb",
            "a\nb",
            "a\x0bb",
            "a\x0cb",
            "a\rb",
            " a ",
            "caf\u{e9}",
            "a\u{a0}b",
            "end  ",
        ] {
            let expected =
                text.is_ascii() && !text.contains("  ") && !text.bytes().any(is_line_space);
            assert_eq!(is_single_spaced_ascii(text), expected, "{text:?}");
        }
    }

    #[test]
    fn verbatim_runs_map_back_exactly() {
        let src = "xx Hello  world\n  again";
        let mut c = Collector::new(0);
        c.push_text(&src[3..], 3);
        assert_eq!(c.text, "Hello world again");
        let w = c.text.find("world").unwrap_or(0);
        let span = c.map.span(w, w + 5);
        assert_eq!(&src[span.start..span.end], "world");
        let a = c.text.find("again").unwrap_or(0);
        let span = c.map.span(a, a + 5);
        assert_eq!(&src[span.start..span.end], "again");
    }

    #[test]
    fn contiguous_pushes_share_one_segment() {
        let mut c = Collector::new(0);
        c.push_raw("ab", 10);
        c.push_raw("cd", 12);
        assert_eq!(c.map.segments, vec![(0, 10)]);
        c.push_raw("ef", 20);
        assert_eq!(c.map.segments, vec![(0, 10), (4, 20)]);
    }

    #[test]
    fn decoded_characters_map_to_their_entity() {
        let mut c = Collector::new(0);
        c.push_raw("a", 0);
        c.push_at("&", 1);
        c.push_raw("b", 6);
        assert_eq!(c.text, "a&b");
        assert_eq!(c.map.to_source(1), 1);
        assert_eq!(c.map.to_source(2), 6);
    }

    #[test]
    fn leading_whitespace_is_dropped_and_trailing_trimmed() {
        let mut c = Collector::new(0);
        c.push_text("  a ", 0);
        c.trim_end();
        assert_eq!(c.text, "a");
        assert_eq!(c.map.span(0, 1), crate::span::Span::new(2, 3));
    }

    #[test]
    fn one_line_prose_gives_the_same_text_and_map_as_general_whitespace() {
        // The same words, once with single spaces (one verbatim piece) and once with a tab
        // that forces the collapsing path; the text and the source of every word agree.
        for (first, second) in [(" lead b", "\tlead b"), ("x y ", "x\ty ")] {
            for prefix in ["", "z", "z "] {
                let mut fast = Collector::new(0);
                let mut slow = Collector::new(0);
                if !prefix.is_empty() {
                    fast.push_raw(prefix, 0);
                    slow.push_raw(prefix, 0);
                }
                fast.push_text(first, 100);
                slow.push_text(second, 100);
                assert_eq!(fast.text, slow.text, "{first:?} after {prefix:?}");
                for (i, _) in fast.text.char_indices() {
                    assert_eq!(fast.map.to_source(i), slow.map.to_source(i), "{i}");
                }
            }
        }
    }
}
