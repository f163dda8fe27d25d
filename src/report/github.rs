//! `--format github`: GitHub Actions workflow commands, one line per finding:
//! `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`.
use super::location::Locator;
use super::ReportInput;
use crate::finding::Severity;
use std::fmt::Write;

/// Escape the message part: `%`, `\r`, `\n` (GitHub's `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: as [`escape_data`] plus `:` and `,` (GitHub's `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

pub fn render(input: &ReportInput) -> String {
    let mut out = String::new();
    for file in input.files {
        let locator = Locator::new(&file.source);
        let path = escape_property(&file.path);
        for f in &file.findings {
            let r = locator.region(f.span);
            let _ = writeln!(
                out,
                "::{} file={path},line={},col={},endLine={},endColumn={},title={}::{}",
                command(f.severity),
                r.start.line,
                r.start.column,
                r.end.line,
                r.end.column,
                escape_property(&f.code),
                escape_data(&f.message),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn one_annotation_per_finding_with_escaping() {
        let mut files = sample();
        files[0].findings[0].message = "50% done\r\nnext: a,b".into();
        files[0].path = "docs/a:b,c.md".into();
        let out = render(&ReportInput {
            files: &files,
            rules: &[],
        });
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "::warning file=docs/a%3Ab%2Cc.md,line=1,col=3,endLine=1,endColumn=8,title=SEO001::50%25 done%0D%0Anext: a,b"
        );
        assert!(lines[1].starts_with("::error file=docs/a%3Ab%2Cc.md,line=3,col=4,"));
    }
}
