//! Findings to output formats, one file per format. Renderers only format: they never decide
//! pass/fail and never print; each returns the whole output as a `String`.
pub mod csv;
pub mod github;
pub mod json;
pub mod junit;
pub mod location;
pub mod rdjsonl;
pub mod sarif;
pub mod statistics;
pub mod text;

#[cfg(test)]
mod snapshot_tests;

use crate::finding::{FileReport, Severity};
use crate::rules::RuleMeta;

/// Code of the finding reported for an input that could not be linted (unreadable, binary,
/// invalid UTF-8, over the size limit, missing).
pub const IO_CODE: &str = "IO001";

/// Metadata for [`IO_CODE`], so SARIF and `--statistics` can describe it like any rule.
pub static IO_RULE: RuleMeta = RuleMeta {
    code: IO_CODE,
    name: "unreadable-input",
    pack: "io",
    default_severity: Severity::Error,
    summary: "An input could not be read or is not a text document, so it was not checked.",
    doc: "## What it does\nReports inputs that could not be linted: missing paths, unreadable \
files or directories, binary files (NUL bytes), files that are not valid UTF-8, and files over \
`--max-file-size`.\n\n## Why is this bad?\nA file that is not checked could hide any problem.\n\n\
## Use instead\nFix the path or permissions, convert the file to UTF-8, raise `--max-file-size`, \
or exclude the file with an `ignore` glob in `pressgate.toml`.\n",
    options: &[],
    fixable: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Code frames with the source line and a caret underline, plus a summary.
    Text,
    /// A JSON array of findings with positions, spans and fixes.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, Azure DevOps, ...).
    Sarif,
    /// JUnit XML: one testsuite per file, one testcase per finding.
    Junit,
    /// GitHub Actions workflow commands (`::error file=...::message`).
    Github,
    /// reviewdog diagnostic format, one JSON object per line.
    Rdjsonl,
    /// One CSV row per finding.
    Csv,
}

/// Settings that only the human-readable output uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// ANSI colours in text output.
    pub color: bool,
    /// Text output: findings only, no summary line.
    pub quiet: bool,
}

/// Everything a renderer reads.
pub struct ReportInput<'a> {
    /// Sorted by path; each report's findings sorted by span then code.
    pub files: &'a [FileReport],
    /// Metadata of the rules that were run (SARIF `tool.driver.rules`).
    pub rules: &'a [RuleMeta],
}

impl ReportInput<'_> {
    /// Metadata for `code`: a registered rule, [`IO_RULE`], or `None` for unknown codes.
    pub fn rule(&self, code: &str) -> Option<&RuleMeta> {
        if code == IO_CODE {
            return Some(&IO_RULE);
        }
        self.rules.iter().find(|r| r.code == code)
    }
}

/// Counts by severity over all findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub files: usize,
}

pub fn totals(files: &[FileReport]) -> Totals {
    let mut t = Totals {
        files: files.len(),
        ..Totals::default()
    };
    for f in files.iter().flat_map(|r| &r.findings) {
        match f.severity {
            Severity::Error => t.errors += 1,
            Severity::Warning => t.warnings += 1,
            Severity::Info => t.infos += 1,
        }
    }
    t
}

/// Write `input` as `format` to `out`. JSON and text go out as they are produced, so a large
/// run never holds its whole output in memory; the other formats are rendered, then written.
pub fn write(
    format: OutputFormat,
    input: &ReportInput,
    options: RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Json => json::write(input, out),
        OutputFormat::Text => text::write(input, options, out),
        other => out.write_all(render(other, input, options).as_bytes()),
    }
}

/// Render `input` as `format`.
pub fn render(format: OutputFormat, input: &ReportInput, options: RenderOptions) -> String {
    match format {
        OutputFormat::Text => text::render(input, options),
        OutputFormat::Json => json::render(input),
        OutputFormat::Sarif => sarif::render(input),
        OutputFormat::Junit => junit::render(input),
        OutputFormat::Github => github::render(input),
        OutputFormat::Rdjsonl => rdjsonl::render(input),
        OutputFormat::Csv => csv::render(input),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::finding::{Applicability, Edit, FileReport, Finding, Fix, Severity};
    use crate::span::Span;

    /// Two files: one with an error (with a safe fix) and a warning, one clean.
    pub fn sample() -> Vec<FileReport> {
        let source = "# Title\n\nWe utilize tools, 100% \"sure\".\nSecond line.\n".to_owned();
        let start = source.find("utilize").unwrap();
        let error = Finding::new(
            "STYLE002",
            Severity::Error,
            "Use `use` instead of `utilize`",
            Span::new(start, start + 7),
        )
        .with_help("Plain words read faster")
        .with_fix(Fix {
            message: "Replace `utilize` with `use`".into(),
            applicability: Applicability::Safe,
            edits: vec![Edit {
                span: Span::new(start, start + 7),
                replacement: "use".into(),
            }],
        });
        let warning = Finding::new(
            "SEO001",
            Severity::Warning,
            "Title is short: 5 characters, <min 30>, a,b",
            Span::new(2, 7),
        );
        vec![
            FileReport {
                path: "docs/a b.md".into(),
                source,
                findings: vec![warning, error],
            },
            FileReport {
                path: "docs/clean.md".into(),
                source: "# Fine\n".into(),
                findings: Vec::new(),
            },
        ]
    }
}
