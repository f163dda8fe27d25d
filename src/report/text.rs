//! `--format text`: rustc/ruff-style code frames (rule code, message, `file:line:col`, the
//! source line(s) with a caret underline, help and fix hints) and a summary line.
use super::location::Locator;
use super::{totals, RenderOptions, ReportInput, Totals};
use crate::finding::{Applicability, FileReport, Finding, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use std::fmt::Write;

/// Most source lines shown for one finding; longer spans are cut (the position says where).
const MAX_FRAME_LINES: usize = 6;

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "N errors, M warnings in K files" (infos added only when there are some).
pub fn summary_line(t: Totals) -> String {
    let mut line = format!(
        "{}, {}",
        plural(t.errors, "error"),
        plural(t.warnings, "warning")
    );
    if t.infos > 0 {
        let _ = write!(line, ", {}", plural(t.infos, "info"));
    }
    let _ = write!(line, " in {}", plural(t.files, "file"));
    line
}

/// The lines of `file` that `finding` covers (at most [`MAX_FRAME_LINES`]), with the span
/// rebased into that excerpt and the excerpt's first line number.
fn excerpt<'a>(
    file: &'a FileReport,
    locator: &Locator,
    finding: &Finding,
) -> (&'a str, std::ops::Range<usize>, usize) {
    let source = file.source.as_str();
    let region = locator.region(finding.span);
    let first = region.start.line;
    let last = region.end.line.min(first + MAX_FRAME_LINES - 1);
    let start = locator.index().line_start(first).unwrap_or(0);
    let end = locator
        .index()
        .line_start(last + 1)
        .map(|next| next.saturating_sub(1))
        .unwrap_or(source.len())
        .max(start);
    // Without the `\r` of a CRLF line end, which would render as a visible symbol.
    let excerpt = source.get(start..end).unwrap_or("").trim_end_matches('\r');
    let end = start + excerpt.len();
    let clamp = |offset: usize| {
        let mut o = offset.clamp(start, end) - start;
        while !excerpt.is_char_boundary(o) {
            o -= 1;
        }
        o
    };
    let span = clamp(finding.span.start)..clamp(finding.span.end.max(finding.span.start));
    (excerpt, span, first)
}

fn render_finding(
    renderer: &Renderer,
    file: &FileReport,
    locator: &Locator,
    f: &Finding,
) -> String {
    let title = level(f.severity).primary_title(&*f.message).id(&*f.code);
    // Document-level findings (empty span at the start) and empty sources get the position only:
    // a caret under the first character would point at nothing in particular.
    let document_level = f.span.is_empty() && f.span.start == 0;
    let mut group: Group = if file.source.is_empty() || document_level {
        let region = locator.region(f.span);
        title.element(
            Origin::path(file.path.as_str())
                .line(region.start.line)
                .char_column(region.start.column),
        )
    } else {
        let (excerpt, span, first_line) = excerpt(file, locator, f);
        title.element(
            Snippet::source(excerpt)
                .line_start(first_line)
                .path(file.path.as_str())
                .annotation(AnnotationKind::Primary.span(span)),
        )
    };
    if let Some(help) = &f.help {
        group = group.element(Level::HELP.message(&**help));
    }
    if let Some(fix) = &f.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "fix (safe, applied by --fix)",
            Applicability::Unsafe => "suggestion (unsafe, not applied automatically)",
        };
        group = group.element(Level::HELP.message(format!("{kind}: {}", fix.message)));
    }
    renderer.render(&[group])
}

pub fn render(input: &ReportInput, options: RenderOptions) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every piece written is a `String`, so it is UTF-8.
    let _ = write(input, options, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Write the text output to `out` one code frame at a time (same text as [`render`]), so a
/// large run never holds the whole output in memory.
pub fn write(
    input: &ReportInput,
    options: RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    for file in input.files {
        let locator = Locator::new(&file.source);
        for f in &file.findings {
            out.write_all(render_finding(&renderer, file, &locator, f).as_bytes())?;
            out.write_all(b"\n\n")?;
        }
    }
    if options.quiet {
        return Ok(());
    }
    let t = totals(input.files);
    if t.errors + t.warnings + t.infos == 0 {
        return writeln!(
            out,
            "All checks passed ({} checked)",
            plural(t.files, "file")
        );
    }
    let fixable = input
        .files
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| {
            f.fix
                .as_ref()
                .is_some_and(|x| x.applicability == Applicability::Safe)
        })
        .count();
    writeln!(out, "{}", summary_line(t))?;
    if fixable > 0 {
        writeln!(
            out,
            "{} fixable with `pressgate check --fix`",
            plural(fixable, "finding")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn frames_show_code_position_caret_help_and_summary() {
        let files = sample();
        let out = render(
            &ReportInput {
                files: &files,
                rules: &[],
            },
            RenderOptions::default(),
        );
        assert!(out.contains("warning[SEO001]: Title is short"), "{out}");
        assert!(out.contains("--> docs/a b.md:1:3"), "{out}");
        assert!(
            out.contains("error[STYLE002]: Use `use` instead of `utilize`"),
            "{out}"
        );
        assert!(out.contains("--> docs/a b.md:3:4"), "{out}");
        assert!(out.contains("3 | We utilize tools"), "{out}");
        assert!(out.contains("^^^^^^^"), "{out}");
        assert!(out.contains("help: Plain words read faster"), "{out}");
        assert!(
            out.contains("fix (safe, applied by --fix): Replace `utilize` with `use`"),
            "{out}"
        );
        assert!(out.contains("1 error, 1 warning in 2 files"), "{out}");
        assert!(!out.contains('\u{1b}'), "no colour unless asked");
    }

    #[test]
    fn colour_and_quiet_options() {
        let files = sample();
        let input = ReportInput {
            files: &files,
            rules: &[],
        };
        let coloured = render(
            &input,
            RenderOptions {
                color: true,
                quiet: false,
            },
        );
        assert!(coloured.contains('\u{1b}'));
        let quiet = render(
            &input,
            RenderOptions {
                color: false,
                quiet: true,
            },
        );
        assert!(!quiet.contains("in 2 files"));
        assert!(quiet.contains("STYLE002"));
    }

    #[test]
    fn crlf_line_ends_are_not_shown() {
        let file = FileReport {
            path: "w.md".into(),
            source: "a\r\nWe utilize it.\r\nb\r\n".into(),
            findings: vec![Finding::new(
                "S1",
                Severity::Warning,
                "wordy",
                crate::Span::new(6, 13),
            )],
        };
        let files = [file];
        let out = render(
            &ReportInput {
                files: &files,
                rules: &[],
            },
            RenderOptions::default(),
        );
        assert!(out.contains("2 | We utilize it.\n"), "{out}");
        assert!(!out.contains('\u{240d}'), "{out}");
    }

    #[test]
    fn empty_sources_and_spans_past_the_end_render() {
        let file = FileReport {
            path: "x.md".into(),
            source: String::new(),
            findings: vec![Finding::new(
                "IO001",
                Severity::Error,
                "binary file",
                crate::Span::new(0, 0),
            )],
        };
        let odd = FileReport {
            path: "y.md".into(),
            source: "é\nab".into(),
            findings: vec![Finding::new(
                "X1",
                Severity::Info,
                "odd",
                crate::Span::new(1, 99),
            )],
        };
        let files = [file, odd];
        let out = render(
            &ReportInput {
                files: &files,
                rules: &[],
            },
            RenderOptions::default(),
        );
        assert!(out.contains("--> x.md:1:1"), "{out}");
        assert!(out.contains("info[X1]: odd"), "{out}");
        assert!(
            out.contains("1 error, 0 warnings, 1 info in 2 files"),
            "{out}"
        );
    }
}
