//! Spans to line:column regions, in the column units each format expects.
use crate::span::{LineCol, LineIndex, Span};

/// One-based start and end position of a span; `end` is the position just after the last
/// character (exclusive), as SARIF and most editors expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: LineCol,
    pub end: LineCol,
}

/// Line index of one file plus its source, to turn spans into regions.
pub struct Locator<'a> {
    source: &'a str,
    index: LineIndex,
}

impl<'a> Locator<'a> {
    pub fn new(source: &'a str) -> Self {
        Locator {
            source,
            index: LineIndex::new(source),
        }
    }

    /// Columns counted in characters (Unicode scalar values).
    pub fn region(&self, span: Span) -> Region {
        Region {
            start: self.index.line_col(self.source, span.start),
            end: self.index.line_col(self.source, span.end.max(span.start)),
        }
    }

    /// Columns counted in UTF-8 bytes (reviewdog's unit).
    pub fn byte_region(&self, span: Span) -> Region {
        let to_bytes = |offset: usize| {
            let lc = self.index.line_col(self.source, offset);
            let line_start = self.index.line_start(lc.line).unwrap_or(0);
            let offset = offset.min(self.source.len());
            LineCol {
                line: lc.line,
                column: offset.saturating_sub(line_start) + 1,
            }
        };
        Region {
            start: to_bytes(span.start),
            end: to_bytes(span.end.max(span.start)),
        }
    }

    pub fn index(&self) -> &LineIndex {
        &self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_and_byte_columns_differ_after_multibyte_text() {
        let src = "é x\nnext";
        let loc = Locator::new(src);
        let span = Span::new(3, 4); // the `x`
        let chars = loc.region(span);
        assert_eq!((chars.start.line, chars.start.column), (1, 3));
        assert_eq!(chars.end.column, 4);
        let bytes = loc.byte_region(span);
        assert_eq!((bytes.start.column, bytes.end.column), (4, 5));
        let second = loc.region(Span::new(5, 9));
        assert_eq!((second.start.line, second.start.column), (2, 1));
    }
}
