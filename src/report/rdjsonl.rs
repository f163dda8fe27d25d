//! `--format rdjsonl`: reviewdog diagnostic format, one JSON object per line. Columns are UTF-8
//! byte offsets (reviewdog's unit); fixes become `suggestions`.
use super::location::{Locator, Region};
use super::ReportInput;
use crate::finding::Severity;
use serde_json::{json, Value};

fn range_json(r: Region) -> Value {
    json!({
        "start": { "line": r.start.line, "column": r.start.column },
        "end": { "line": r.end.line, "column": r.end.column },
    })
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

pub fn render(input: &ReportInput) -> String {
    let mut out = String::new();
    for file in input.files {
        let locator = Locator::new(&file.source);
        for f in &file.findings {
            let mut diagnostic = json!({
                "message": f.message,
                "location": {
                    "path": file.path,
                    "range": range_json(locator.byte_region(f.span)),
                },
                "severity": severity(f.severity),
                "source": { "name": "pressgate" },
                "code": { "value": f.code },
            });
            if let Some(fix) = &f.fix {
                diagnostic["suggestions"] = fix
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "range": range_json(locator.byte_region(e.span)),
                            "text": e.replacement,
                        })
                    })
                    .collect();
            }
            out.push_str(&diagnostic.to_string());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn one_json_object_per_line_with_suggestions() {
        let files = sample();
        let out = render(&ReportInput {
            files: &files,
            rules: &[],
        });
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["severity"], "WARNING");
        assert_eq!(lines[0]["location"]["path"], "docs/a b.md");
        assert!(lines[0].get("suggestions").is_none());
        assert_eq!(lines[1]["code"]["value"], "STYLE002");
        assert_eq!(lines[1]["suggestions"][0]["text"], "use");
        assert_eq!(lines[1]["suggestions"][0]["range"]["start"]["line"], 3);
        assert_eq!(lines[1]["suggestions"][0]["range"]["start"]["column"], 4);
    }
}
