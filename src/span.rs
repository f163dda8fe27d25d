//! Byte spans in an original source file and their line:column mapping.
use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into the original source text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// An empty span at the start of the file, for document-level findings.
    pub const fn file_start() -> Self {
        Span { start: 0, end: 0 }
    }
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
    pub fn contains(&self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }
}

/// One-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Maps byte offsets of one source text to line:column.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    /// Length of the source's leading run of ASCII bytes: a column before its end is the
    /// byte distance from the line start, with no characters to count (an audit places
    /// dozens of findings per page).
    ascii_prefix: usize,
}

impl LineIndex {
    pub fn new(source: &str) -> Self {
        let newlines = memchr::memchr_iter(b'\n', source.as_bytes());
        let mut line_starts = Vec::with_capacity(newlines.count() + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
        LineIndex {
            line_starts,
            ascii_prefix: ascii_prefix(source.as_bytes()),
        }
    }

    /// Line:column of `offset`; offsets past the end or inside a UTF-8 sequence are clamped.
    pub fn line_col(&self, source: &str, offset: usize) -> LineCol {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let column = if offset <= self.ascii_prefix {
            offset - start + 1
        } else {
            source[start..offset].chars().count() + 1
        };
        LineCol {
            line: line + 1,
            column,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset of the start of one-based `line`.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }
}

/// Length of the leading run of ASCII bytes, checked 64 bytes at a time.
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut done = 0;
    for chunk in bytes.chunks(64) {
        if !chunk.is_ascii() {
            return done + chunk.iter().take_while(|b| b.is_ascii()).count();
        }
        done += chunk.len();
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines_and_char_columns() {
        let src = "ab\ncdé\n\nx";
        let idx = LineIndex::new(src);
        assert_eq!(idx.line_col(src, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(src, 3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes: the offset after it is column 4.
        assert_eq!(idx.line_col(src, 7), LineCol { line: 2, column: 4 });
        assert_eq!(idx.line_col(src, 8), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_col(src, 9), LineCol { line: 4, column: 1 });
        assert_eq!(idx.line_col(src, 999), LineCol { line: 4, column: 2 });
        // Inside a multi-byte character: clamped back to its start.
        assert_eq!(idx.line_col(src, 6), LineCol { line: 2, column: 3 });
    }

    #[test]
    fn columns_before_and_after_the_first_non_ascii_char_count_chars() {
        let mut stream = crate::test_fixtures::Stream(0xc01_0a5c);
        let pieces =
            ["a", "bc ", "\n", "é", "—", "\r\n", "x".repeat(70).as_str()].map(String::from);
        for _ in 0..200 {
            let mut src = String::new();
            // Mostly ASCII up front, so both ways of counting are taken.
            for k in 0..30 {
                let piece = stream.below(if k < 15 { 3 } else { pieces.len() });
                src.push_str(&pieces[piece]);
            }
            let idx = LineIndex::new(&src);
            for offset in 0..=src.len() + 1 {
                let clamped = (0..=offset.min(src.len()))
                    .rev()
                    .find(|&o| src.is_char_boundary(o))
                    .unwrap_or(0);
                let before = &src[..clamped];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let want = LineCol {
                    line: before.matches('\n').count() + 1,
                    column: src[line_start..clamped].chars().count() + 1,
                };
                assert_eq!(idx.line_col(&src, offset), want, "{src:?} @{offset}");
            }
        }
        assert_eq!(ascii_prefix("x".repeat(130).as_bytes()), 130);
        assert_eq!(
            ascii_prefix(format!("{}é", "x".repeat(100)).as_bytes()),
            100
        );
    }
}
