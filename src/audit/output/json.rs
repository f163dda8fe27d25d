//! The JSON report: `serde_json`'s pretty format, byte for byte, with the pages (nearly all of
//! a large report) rendered in parallel chunks by [`super::json_page`] while the chunks
//! rendered before are written. On a 10,000-page site the report is over 100 MB, and one
//! thread writing it after the crawl was a tenth of the run.

use std::io::{self, Write};
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;
use serde::Serialize;

use super::json_page::write_page;
use crate::audit::model::{AuditFinding, AuditReport, AuditSummary, PageRecord};

/// Pages rendered per parallel task: large enough to amortise the task, small enough to keep
/// both the cores busy and the buffers held at once small.
const PAGES_PER_CHUNK: usize = 64;
/// Chunks rendered before they are written, bounding the memory of rendered text (about
/// 1 MB per chunk on a generated site).
const CHUNKS_IN_FLIGHT: usize = 8;

/// Every field of [`AuditReport`] in its order, with the pages left empty: its pretty form is
/// the report around the pages. (A test holds it to `serde_json::to_writer_pretty`.)
#[derive(Serialize)]
struct Shell<'a> {
    tool: &'a str,
    started_at: &'a str,
    seconds: f64,
    start: &'a [String],
    pages: [PageRecord; 0],
    site_findings: &'a [AuditFinding],
    summary: &'a AuditSummary,
}

/// Where the empty page list sits in the pretty shell.
const EMPTY_PAGES: &str = "\"pages\": []";
/// Each page is an element of `pages`, two levels into the report.
const PAGE_INDENT: &[u8] = b"    ";

pub fn write(report: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let shell = serde_json::to_string_pretty(&Shell {
        tool: &report.tool,
        started_at: &report.started_at,
        seconds: report.seconds,
        start: &report.start,
        pages: [],
        site_findings: &report.site_findings,
        summary: &report.summary,
    })
    .map_err(io::Error::other)?;
    let at = shell
        .find(EMPTY_PAGES)
        .ok_or_else(|| io::Error::other("report shell has no page list"))?;
    let (head, tail) = (&shell[..at], &shell[at + EMPTY_PAGES.len()..]);
    out.write_all(head.as_bytes())?;
    if report.pages.is_empty() {
        out.write_all(EMPTY_PAGES.as_bytes())?;
    } else {
        out.write_all(b"\"pages\": [")?;
        write_pages(&report.pages, out)?;
        out.write_all(b"\n  ]")?;
    }
    out.write_all(tail.as_bytes())?;
    writeln!(out)
}

/// The elements of the `pages` array, comma-separated, in order. A scoped thread renders
/// batches of chunks on the rayon pool and hands each batch over a channel holding one, so
/// this thread writes a batch while the next one renders (writing a large report is mostly
/// the kernel copying it, which rendering need not wait for).
fn write_pages(pages: &[PageRecord], out: &mut dyn Write) -> io::Result<()> {
    let chunks: Vec<&[PageRecord]> = pages.chunks(PAGES_PER_CHUNK).collect();
    let (sender, receiver) = sync_channel::<Vec<io::Result<Vec<u8>>>>(1);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            for batch in chunks.chunks(CHUNKS_IN_FLIGHT) {
                let rendered = batch.par_iter().map(|pages| render_pages(pages)).collect();
                // The writer stopped (a write failed): nothing more to render.
                if sender.send(rendered).is_err() {
                    break;
                }
            }
        });
        // Returning early drops the receiver, which ends the rendering thread.
        let mut first = true;
        for rendered in receiver {
            for text in rendered {
                let text = text?;
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&text)?;
            }
        }
        Ok(())
    })
}

/// `pages` as consecutive array elements, indented as inside the report, comma-separated
/// (the comma before the first one is the caller's).
fn render_pages(pages: &[PageRecord]) -> io::Result<Vec<u8>> {
    // Sized from the findings (about 400 bytes each in a generated site's report), so the
    // buffer is rarely regrown and copied.
    let findings: usize = pages.iter().map(|p| p.findings.len()).sum();
    let mut out = Vec::with_capacity(pages.len() * 1024 + findings * 400);
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'\n');
        out.extend_from_slice(PAGE_INDENT);
        write_page(&mut out, page)?;
    }
    Ok(out)
}

/// `serde_json`'s pretty format (two-space indent) for a value that sits `level` levels deep
/// in a larger pretty document: the page is written in place, not rendered at the top level
/// and then copied again with every line re-indented.
pub(super) struct NestedPretty {
    level: usize,
    /// As in `serde_json::ser::PrettyFormatter`: whether the container being closed got a
    /// value (one flag for all levels, as there).
    has_value: bool,
}

impl NestedPretty {
    pub(super) fn at_level(level: usize) -> Self {
        NestedPretty {
            level,
            has_value: false,
        }
    }

    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        const SPACES: &[u8; 32] = b"                                ";
        let mut left = 2 * self.level;
        while left > 0 {
            let n = left.min(SPACES.len());
            writer.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn next_line<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for NestedPretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_line(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_line(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::{Category, RedirectHop};
    use crate::finding::Severity;

    fn finding(i: usize, url: Option<&str>) -> AuditFinding {
        AuditFinding {
            code: "STYLE001".into(),
            severity: Severity::Warning,
            category: Category::Style,
            // Escapes and a line break inside a string must not be re-indented.
            message: format!("finding {i}: \"quoted\"\nsecond line\ttab \u{e9}\u{1F600} </script>")
                .into(),
            url: url.map(Into::into),
            line: Some(i as u32),
            column: None,
            help: Some("help".into()),
            related: vec![format!("https://example.test/{i}")],
            evidence: None,
        }
    }

    fn report(pages: usize) -> AuditReport {
        AuditReport {
            tool: "pressgate test".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            seconds: 1.25,
            start: vec!["https://example.test/".into()],
            pages: (0..pages)
                .map(|i| {
                    let url = format!("https://example.test/p/{i}");
                    PageRecord {
                        final_url: url.clone(),
                        status: Some(200),
                        redirects: vec![RedirectHop {
                            url: format!("{url}/old"),
                            status: 301,
                        }],
                        title: Some(format!("Page {i}\nwith a break")),
                        findings: (0..i % 4).map(|k| finding(k, Some(&url))).collect(),
                        url,
                        ..PageRecord::default()
                    }
                })
                .collect(),
            site_findings: vec![finding(9, None)],
            summary: AuditSummary::default(),
        }
    }

    fn written(report: &AuditReport) -> String {
        let mut out = Vec::new();
        write(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn parallel_pages_give_the_bytes_of_serde_pretty() {
        // 0 and 1 pages, one partial chunk, several chunks and several batches of chunks.
        for pages in [
            0,
            1,
            5,
            PAGES_PER_CHUNK * 3 + 7,
            PAGES_PER_CHUNK * CHUNKS_IN_FLIGHT + 1,
        ] {
            let report = report(pages);
            let expected = serde_json::to_string_pretty(&report).unwrap() + "\n";
            let got = written(&report);
            assert!(
                got == expected,
                "{pages} pages: output differs from serde_json"
            );
        }
    }

    /// A writer that fails part-way: the report stops with its error.
    #[test]
    fn a_failing_writer_ends_the_report_with_its_error() {
        struct FailsAfter(usize);
        impl Write for FailsAfter {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if buf.len() > self.0 {
                    return Err(io::Error::other("disk full"));
                }
                self.0 -= buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let report = report(PAGES_PER_CHUNK * CHUNKS_IN_FLIGHT * 3);
        let err = write(&report, &mut FailsAfter(200_000)).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }
}
