//! `--format junit`: JUnit XML. One `<testsuite>` per checked file, one failing `<testcase>` per
//! finding; a file without findings gets one passing testcase so CI dashboards list it.
use super::location::Locator;
use super::ReportInput;
use std::fmt::Write;

/// Escape text for XML attributes and content; drops characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(input: &ReportInput) -> String {
    let total: usize = input.files.iter().map(|f| f.findings.len().max(1)).sum();
    let failures: usize = input.files.iter().map(|f| f.findings.len()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"pressgate\" tests=\"{total}\" failures=\"{failures}\" errors=\"0\">"
    );
    for file in input.files {
        let path = xml_escape(&file.path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            file.findings.len().max(1),
            file.findings.len()
        );
        if file.findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase name=\"no findings\" classname=\"{path}\" file=\"{path}\"/>"
            );
        }
        let locator = Locator::new(&file.source);
        for f in &file.findings {
            let r = locator.region(f.span);
            let (line, col) = (r.start.line, r.start.column);
            let code = xml_escape(&f.code);
            let message = xml_escape(&f.message);
            let _ = writeln!(
                out,
                "    <testcase name=\"{code} at {line}:{col}\" classname=\"{path}\" file=\"{path}\" line=\"{line}\">"
            );
            let mut body = format!(
                "{}:{line}:{col}: {} [{}] {}",
                file.path, f.severity, f.code, f.message
            );
            if let Some(help) = &f.help {
                body.push_str("\nhelp: ");
                body.push_str(help);
            }
            let _ = writeln!(
                out,
                "      <failure type=\"{code}\" message=\"{message}\">{}</failure>",
                xml_escape(&body)
            );
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn one_suite_per_file_and_a_passing_case_for_clean_files() {
        let files = sample();
        let out = render(&ReportInput {
            files: &files,
            rules: &[],
        });
        assert_eq!(out.matches("<testsuite ").count(), 2);
        assert!(out.contains("<testsuites name=\"pressgate\" tests=\"3\" failures=\"2\""));
        assert!(out.contains("<testcase name=\"SEO001 at 1:3\" classname=\"docs/a b.md\""));
        assert!(out.contains("message=\"Title is short: 5 characters, &lt;min 30&gt;, a,b\""));
        assert!(out.contains("<testcase name=\"no findings\" classname=\"docs/clean.md\""));
        assert_eq!(out.matches("<failure ").count(), 2);
    }

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(xml_escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
