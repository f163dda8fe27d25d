//! `--format csv`: a header row, then one row per finding.
use super::location::Locator;
use super::ReportInput;

pub const HEADER: [&str; 10] = [
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "severity",
    "message",
    "help",
    "fix",
];

pub fn render(input: &ReportInput) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; errors would only come from the sink.
    let _ = writer.write_record(HEADER);
    for file in input.files {
        let locator = Locator::new(&file.source);
        for f in &file.findings {
            let r = locator.region(f.span);
            let _ = writer.write_record([
                file.path.as_str(),
                &r.start.line.to_string(),
                &r.start.column.to_string(),
                &r.end.line.to_string(),
                &r.end.column.to_string(),
                &f.code,
                f.severity.as_str(),
                &f.message,
                f.help.as_deref().unwrap_or(""),
                f.fix.as_ref().map(|x| x.message.as_str()).unwrap_or(""),
            ]);
        }
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn rows_are_quoted_where_needed() {
        let files = sample();
        let out = render(&ReportInput {
            files: &files,
            rules: &[],
        });
        let mut reader = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][0], "docs/a b.md");
        assert_eq!(&rows[0][7], "Title is short: 5 characters, <min 30>, a,b");
        assert_eq!(&rows[1][5], "STYLE002");
        assert_eq!(&rows[1][9], "Replace `utilize` with `use`");
    }
}
