//! Inline suppressions from HTML comments in the document.
//!
//! - `<!-- pressgate-disable-next-line CODE ... -->`: the next non-blank line after the comment.
//! - `<!-- pressgate-disable-line CODE ... -->`: the line the comment is on.
//! - `<!-- pressgate-disable CODE ... -->` up to `<!-- pressgate-enable CODE ... -->` (or the end).
//! - `<!-- pressgate-disable-file CODE ... -->` anywhere, or front matter
//!   `pressgate-disable: [CODE, ...]`: the whole file.
//!
//! Without codes a directive covers every rule. A code may be a prefix (`STYLE`) or a list
//! separated by spaces or commas.
use crate::doc::{Comment, Document};
use crate::finding::Finding;

/// Which codes a directive names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codes {
    All,
    Some(Vec<String>),
}

impl Codes {
    fn parse(args: &str) -> Codes {
        let list: Vec<String> = args
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if list.is_empty() {
            Codes::All
        } else {
            Codes::Some(list)
        }
    }

    pub fn covers(&self, code: &str) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(list) => list.iter().any(|c| code.starts_with(c.as_str())),
        }
    }
}

/// The suppressions of one document, collected once and then asked per finding.
#[derive(Debug, Default)]
pub struct Suppressions {
    file: Vec<Codes>,
    /// One-based line and the codes suppressed on it.
    lines: Vec<(usize, Codes)>,
    /// Byte ranges `[start, end)` and the codes suppressed in them.
    ranges: Vec<(usize, usize, Codes)>,
}

enum Directive<'a> {
    NextLine(&'a str),
    Line(&'a str),
    Disable(&'a str),
    Enable(&'a str),
    File(&'a str),
}

fn directive(comment: &Comment) -> Option<Directive<'_>> {
    let text = comment.text.trim();
    let text = text.strip_prefix("<!--").unwrap_or(text);
    let text = text.strip_suffix("-->").unwrap_or(text).trim();
    let rest = text.strip_prefix("pressgate-")?;
    // Longest names first: `disable` is a prefix of the others.
    for name in [
        "disable-next-line",
        "disable-line",
        "disable-file",
        "disable",
        "enable",
    ] {
        let Some(args) = rest.strip_prefix(name) else {
            continue;
        };
        if !(args.is_empty() || args.starts_with(char::is_whitespace)) {
            continue;
        }
        return Some(match name {
            "disable-next-line" => Directive::NextLine(args),
            "disable-line" => Directive::Line(args),
            "disable-file" => Directive::File(args),
            "disable" => Directive::Disable(args),
            _ => Directive::Enable(args),
        });
    }
    None
}

impl Suppressions {
    pub fn collect(doc: &Document) -> Suppressions {
        let mut s = Suppressions::default();
        // Open `disable` regions: start offset and codes.
        let mut open: Vec<(usize, Codes)> = Vec::new();
        for comment in &doc.comments {
            let Some(d) = directive(comment) else {
                continue;
            };
            match d {
                Directive::File(args) => s.file.push(Codes::parse(args)),
                Directive::Line(args) => {
                    let line = doc.lines.line_col(&doc.source, comment.span.start).line;
                    s.lines.push((line, Codes::parse(args)));
                }
                Directive::NextLine(args) => {
                    if let Some(line) = next_non_blank_line(doc, comment.span.end) {
                        s.lines.push((line, Codes::parse(args)));
                    }
                }
                Directive::Disable(args) => open.push((comment.span.end, Codes::parse(args))),
                Directive::Enable(args) => {
                    let closing = Codes::parse(args);
                    let mut still_open = Vec::new();
                    for (start, codes) in open.drain(..) {
                        let closes = match (&closing, &codes) {
                            (Codes::All, _) => true,
                            (Codes::Some(_), Codes::All) => false,
                            (Codes::Some(c), Codes::Some(o)) => o.iter().all(|x| c.contains(x)),
                        };
                        if closes {
                            s.ranges.push((start, comment.span.start, codes));
                        } else {
                            still_open.push((start, codes));
                        }
                    }
                    open = still_open;
                }
            }
        }
        for (start, codes) in open {
            s.ranges.push((start, usize::MAX, codes));
        }
        if let Some(fm) = &doc.front_matter {
            for key in ["pressgate-disable", "pressgate_disable"] {
                match fm.values.get(key) {
                    Some(serde_json::Value::String(s1)) => s.file.push(Codes::parse(s1)),
                    Some(serde_json::Value::Array(items)) => {
                        let list = items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect();
                        s.file.push(Codes::Some(list));
                    }
                    _ => {}
                }
            }
        }
        s
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty() && self.lines.is_empty() && self.ranges.is_empty()
    }

    pub fn suppresses(&self, doc: &Document, finding: &Finding) -> bool {
        let code: &str = &finding.code;
        if self.file.iter().any(|c| c.covers(code)) {
            return true;
        }
        let start = finding.span.start;
        if self
            .ranges
            .iter()
            .any(|(s, e, c)| *s <= start && start < *e && c.covers(code))
        {
            return true;
        }
        if self.lines.is_empty() {
            return false;
        }
        let line = doc.lines.line_col(&doc.source, start).line;
        self.lines.iter().any(|(l, c)| *l == line && c.covers(code))
    }

    /// Remove suppressed findings from `findings`.
    pub fn apply(&self, doc: &Document, findings: &mut Vec<Finding>) {
        if !self.is_empty() {
            findings.retain(|f| !self.suppresses(doc, f));
        }
    }
}

/// The first line after the one holding `offset` that has non-whitespace text.
fn next_non_blank_line(doc: &Document, offset: usize) -> Option<usize> {
    let mut line = doc.lines.line_col(&doc.source, offset).line + 1;
    while let Some(start) = doc.lines.line_start(line) {
        let end = doc.lines.line_start(line + 1).unwrap_or(doc.source.len());
        let text = doc.source.get(start..end).unwrap_or("");
        if !text.trim().is_empty() {
            return Some(line);
        }
        line += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Format};
    use crate::finding::Severity;
    use crate::Span;

    /// A document whose comments are found by a plain scan, so these tests do not depend on
    /// the Markdown parser.
    fn doc(source: &str) -> Document {
        let mut d = parse("t.md", source, Format::Markdown);
        d.comments.clear();
        let mut from = 0;
        while let Some(i) = source[from..].find("<!--") {
            let start = from + i;
            let end = source[start..]
                .find("-->")
                .map(|j| start + j + 3)
                .unwrap_or(source.len());
            d.comments.push(Comment {
                text: source[start..end].to_owned(),
                span: Span::new(start, end),
            });
            from = end;
        }
        d
    }

    fn at_line(d: &Document, code: &str, line: usize) -> Finding {
        let start = d.lines.line_start(line).unwrap();
        Finding::new(
            code.to_owned(),
            Severity::Warning,
            "m",
            Span::new(start, start + 1),
        )
    }

    #[test]
    fn next_line_skips_blank_lines_and_only_named_codes() {
        let d = doc("a\n<!-- pressgate-disable-next-line STYLE001, STYLE002 -->\n\nb\nc\n");
        let s = Suppressions::collect(&d);
        assert!(s.suppresses(&d, &at_line(&d, "STYLE001", 4)));
        assert!(s.suppresses(&d, &at_line(&d, "STYLE002", 4)));
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE003", 4)));
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE001", 5)));
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE001", 1)));
    }

    #[test]
    fn disable_enable_region_and_prefix_codes() {
        let d = doc("a\n<!-- pressgate-disable STYLE -->\nb\n<!-- pressgate-enable STYLE -->\nc\n");
        let s = Suppressions::collect(&d);
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE001", 1)));
        assert!(s.suppresses(&d, &at_line(&d, "STYLE001", 3)));
        assert!(!s.suppresses(&d, &at_line(&d, "SEO001", 3)));
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE001", 5)));
    }

    #[test]
    fn disable_without_enable_runs_to_end_and_without_codes_covers_all() {
        let d = doc("a\n<!-- pressgate-disable -->\nb\nc\n");
        let s = Suppressions::collect(&d);
        assert!(!s.suppresses(&d, &at_line(&d, "SEO001", 1)));
        assert!(s.suppresses(&d, &at_line(&d, "SEO001", 4)));
    }

    #[test]
    fn file_level_and_same_line() {
        let d = doc(
            "a <!-- pressgate-disable-line SEO001 -->\nb\n<!-- pressgate-disable-file CITE -->\n",
        );
        let s = Suppressions::collect(&d);
        assert!(s.suppresses(&d, &at_line(&d, "SEO001", 1)));
        assert!(!s.suppresses(&d, &at_line(&d, "SEO001", 2)));
        assert!(s.suppresses(&d, &at_line(&d, "CITE003", 2)));
        let doc_level = Finding::new("CITE001", Severity::Error, "m", Span::file_start());
        assert!(s.suppresses(&d, &doc_level));
    }

    #[test]
    fn ordinary_comments_and_lookalikes_are_ignored() {
        let d = doc("<!-- a note -->\n<!-- pressgate-disabled STYLE001 -->\nx\n");
        let s = Suppressions::collect(&d);
        assert!(s.is_empty());
        assert!(!s.suppresses(&d, &at_line(&d, "STYLE001", 3)));
    }
}
