//! `--format json`: a JSON array of findings, sorted by file then position.
//!
//! Stable schema (one object per finding): `file`, `code`, `severity`, `message`, `line`,
//! `column`, `end_line`, `end_column` (one-based, columns in characters, end exclusive),
//! `span` (`{start, end}` byte offsets), `help` (string or null), `fix` (null or
//! `{message, applicability, edits: [{span, replacement, line, column, end_line, end_column}]}`),
//! and, only on findings that carry one (the fact check's), `evidence`
//! (`{quote, source, span, score}`: the passage of the cited source the claim was judged on).
use super::location::Locator;
use super::ReportInput;
use crate::finding::{Applicability, Severity};
use crate::span::Span;
use serde::Serialize;

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    code: &'a str,
    severity: Severity,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    span: Span,
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a crate::finding::Evidence>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    span: Span,
    replacement: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

fn json_finding<'a>(
    file: &'a crate::finding::FileReport,
    locator: &Locator,
    f: &'a crate::finding::Finding,
) -> JsonFinding<'a> {
    let region = locator.region(f.span);
    JsonFinding {
        file: &file.path,
        code: &f.code,
        severity: f.severity,
        message: &f.message,
        line: region.start.line,
        column: region.start.column,
        end_line: region.end.line,
        end_column: region.end.column,
        span: f.span,
        help: f.help.as_deref(),
        fix: f.fix.as_ref().map(|fix| JsonFix {
            message: &fix.message,
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|e| {
                    let r = locator.region(e.span);
                    JsonEdit {
                        span: e.span,
                        replacement: &e.replacement,
                        line: r.start.line,
                        column: r.start.column,
                        end_line: r.end.line,
                        end_column: r.end.column,
                    }
                })
                .collect(),
        }),
        evidence: f.evidence.as_ref(),
    }
}

/// Every finding of every file as one JSON array, built one finding at a time so a large run
/// never holds the whole array in memory.
struct AllFindings<'a>(&'a [crate::finding::FileReport]);

impl Serialize for AllFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        for file in self.0 {
            let locator = Locator::new(&file.source);
            for f in &file.findings {
                seq.serialize_element(&json_finding(file, &locator, f))?;
            }
        }
        seq.end()
    }
}

/// Write the JSON output to `out` as it is produced (same text as [`render`]).
pub fn write(input: &ReportInput, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &AllFindings(input.files)).map_err(|e| {
        // The values are plain strings and numbers: only the writer can fail.
        std::io::Error::other(e)
    })?;
    out.write_all(b"\n")
}

pub fn render(input: &ReportInput) -> String {
    let mut out = Vec::new();
    if write(input, &mut out).is_err() {
        return "[]\n".into();
    }
    String::from_utf8(out).unwrap_or_else(|_| "[]\n".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn json_has_the_stable_fields() {
        let files = sample();
        let out = render(&ReportInput {
            files: &files,
            rules: &[],
        });
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let first = &value[0];
        assert_eq!(first["file"], "docs/a b.md");
        assert_eq!(first["code"], "SEO001");
        assert_eq!(first["severity"], "warning");
        assert_eq!(
            (first["line"].as_u64(), first["column"].as_u64()),
            (Some(1), Some(3))
        );
        assert_eq!(first["end_column"], 8);
        assert_eq!(first["span"]["start"], 2);
        assert!(first["fix"].is_null());
        let second = &value[1];
        assert_eq!(second["line"], 3);
        assert_eq!(second["fix"]["applicability"], "safe");
        assert_eq!(second["fix"]["edits"][0]["replacement"], "use");
        assert_eq!(value.as_array().map(Vec::len), Some(2));
    }
}
