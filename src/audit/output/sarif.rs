//! `--format sarif`: SARIF 2.1.0 with one result per finding; the artifact is the page URL.
//!
//! A large site has hundreds of thousands of findings, so the results are not built as one
//! `serde_json::Value` tree (2.4 GB and 6.8 s for a 10,000-page site): each is a small typed
//! record written in place at its depth in the pretty document, in parallel chunks, as the JSON
//! report's pages are.
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::json::NestedPretty;
use crate::audit::model::{AuditFinding, AuditReport};
use crate::finding::Severity;
use crate::rules::RuleMeta;

/// Results rendered per parallel task, and tasks rendered before they are written (bounding
/// the rendered text held at once to a few MB).
const RESULTS_PER_CHUNK: usize = 4096;
const CHUNKS_IN_FLIGHT: usize = 8;
/// Where the empty result list sits in the pretty shell: the last key of the only run.
const EMPTY_RESULTS: &str = "\"results\": []";
/// Each result is an element of `runs[0].results`, four levels into the document.
const RESULT_LEVEL: usize = 4;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    physical_location: PhysicalLocation<'a>,
}

/// One SARIF result, its keys in the order the format's examples use.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locations: Option<[Location<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_locations: Option<Vec<RelatedLocation<'a>>>,
}

fn result(f: &AuditFinding, rule_index: Option<usize>) -> SarifResult<'_> {
    let uri: Option<&str> = f.url.as_deref().or(f.related.first().map(String::as_str));
    let locations = uri.map(|uri| {
        [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: f.line.filter(|l| *l > 0).map(|line| Region {
                    start_line: line,
                    start_column: f.column.unwrap_or(1).max(1),
                }),
            },
        }]
    });
    // The related URLs besides the one standing as the location.
    let related_locations = (f.related.len() > usize::from(f.url.is_none())).then(|| {
        f.related
            .iter()
            .enumerate()
            .map(|(id, uri)| RelatedLocation {
                id,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri },
                    region: None,
                },
            })
            .collect()
    });
    SarifResult {
        rule_id: &f.code,
        level: level(f.severity),
        message: Text { text: &f.message },
        rule_index,
        locations,
        related_locations,
    }
}

fn descriptor(code: &str, meta: Option<&RuleMeta>) -> Value {
    let mut d = json!({ "id": code });
    if let Some(m) = meta {
        d["name"] = json!(m.name);
        d["shortDescription"] = json!({ "text": m.summary });
        d["fullDescription"] = json!({ "text": m.doc });
        d["defaultConfiguration"] = json!({ "level": level(m.default_severity) });
    }
    d
}

pub fn write(report: &AuditReport, rules: &[RuleMeta], out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<&AuditFinding> = report
        .pages
        .iter()
        .flat_map(|p| &p.findings)
        .chain(&report.site_findings)
        .collect();
    let used: Vec<&str> = findings
        .iter()
        .map(|f| f.code.as_ref())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let rule_index: HashMap<&str, usize> = used.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let descriptors: Vec<Value> = used
        .iter()
        .map(|code| descriptor(code, rules.iter().find(|m| m.code == *code)))
        .collect();
    let shell = serde_json::to_string_pretty(&log(descriptors, &report.started_at, Vec::new()))
        .map_err(io::Error::other)?;
    // The last occurrence: `results` is the run's last key, and a rule text quoting it would
    // hold escaped quotes anyway.
    let at = shell
        .rfind(EMPTY_RESULTS)
        .ok_or_else(|| io::Error::other("SARIF shell has no result list"))?;
    let (head, tail) = (&shell[..at], &shell[at + EMPTY_RESULTS.len()..]);
    out.write_all(head.as_bytes())?;
    if findings.is_empty() {
        out.write_all(EMPTY_RESULTS.as_bytes())?;
    } else {
        out.write_all(b"\"results\": [")?;
        let chunks: Vec<&[&AuditFinding]> = findings.chunks(RESULTS_PER_CHUNK).collect();
        let mut first = true;
        for batch in chunks.chunks(CHUNKS_IN_FLIGHT) {
            let rendered: Vec<io::Result<Vec<u8>>> = batch
                .par_iter()
                .map(|chunk| render_results(chunk, &rule_index))
                .collect();
            for text in rendered {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                out.write_all(&text?)?;
            }
        }
        out.write_all(b"\n      ]")?;
    }
    out.write_all(tail.as_bytes())?;
    writeln!(out)
}

/// `findings` as consecutive, comma-separated elements of the result list (the comma before
/// the first one is the caller's).
fn render_results(
    findings: &[&AuditFinding],
    rule_index: &HashMap<&str, usize>,
) -> io::Result<Vec<u8>> {
    const INDENT: &[u8] = b"        ";
    let mut out = Vec::with_capacity(findings.len() * 400);
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'\n');
        out.extend_from_slice(&INDENT[..2 * RESULT_LEVEL]);
        let mut serializer =
            serde_json::Serializer::with_formatter(&mut out, NestedPretty::at_level(RESULT_LEVEL));
        result(f, rule_index.get(f.code.as_ref()).copied())
            .serialize(&mut serializer)
            .map_err(io::Error::other)?;
    }
    Ok(out)
}

/// The SARIF log of one pressgate run: its rule `descriptors`, start time and `results`.
fn log(descriptors: Vec<Value>, started_at: &str, results: Vec<Value>) -> Value {
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pressgate",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "invocations": [{ "executionSuccessful": true, "startTimeUtc": started_at }],
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::{Category, PageRecord};

    /// The definition the streamed writer replaces: the whole log as one `Value`.
    fn reference(report: &AuditReport, rules: &[RuleMeta]) -> String {
        let findings = || {
            report
                .pages
                .iter()
                .flat_map(|p| &p.findings)
                .chain(&report.site_findings)
        };
        let used: Vec<&str> = findings()
            .map(|f| f.code.as_ref())
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .collect();
        let descriptors: Vec<Value> = used
            .iter()
            .map(|code| descriptor(code, rules.iter().find(|m| m.code == *code)))
            .collect();
        let results: Vec<Value> = findings()
            .map(|f| {
                let mut r = json!({
                    "ruleId": f.code,
                    "level": level(f.severity),
                    "message": { "text": f.message },
                });
                if let Some(i) = used.iter().position(|c| *c == f.code) {
                    r["ruleIndex"] = json!(i);
                }
                let uri = f.url.as_deref().or(f.related.first().map(String::as_str));
                if let Some(uri) = uri {
                    let mut physical = json!({ "artifactLocation": { "uri": uri } });
                    if let Some(line) = f.line.filter(|l| *l > 0) {
                        physical["region"] = json!({
                            "startLine": line,
                            "startColumn": f.column.unwrap_or(1).max(1),
                        });
                    }
                    r["locations"] = json!([{ "physicalLocation": physical }]);
                }
                if f.related.len() > usize::from(f.url.is_none()) {
                    r["relatedLocations"] = Value::Array(
                        f.related
                            .iter()
                            .enumerate()
                            .map(|(i, u)| json!({ "id": i, "physicalLocation": { "artifactLocation": { "uri": u } } }))
                            .collect(),
                    );
                }
                r
            })
            .collect();
        let sarif = log(descriptors, &report.started_at, results);
        serde_json::to_string_pretty(&sarif).unwrap() + "\n"
    }

    /// Findings of every shape: with and without a page, line, column and related URLs, of a
    /// known rule and of a code no rule describes, with text that needs escaping.
    fn finding(i: usize) -> AuditFinding {
        let codes = ["STYLE001", "LINK001", "HTTP001", "XTEST999"];
        AuditFinding {
            code: codes[i % codes.len()].into(),
            severity: [Severity::Error, Severity::Warning, Severity::Info][i % 3],
            category: Category::Style,
            message: format!("finding {i}: \"quoted\"\nline\ttab \u{e9}\u{1F600}").into(),
            url: (!i.is_multiple_of(5)).then(|| format!("https://example.test/p/{i}").into()),
            line: [None, Some(0), Some(i as u32 + 1)][i % 3],
            column: i.is_multiple_of(2).then_some(i as u32 % 7),
            help: None,
            related: (0..i % 4)
                .map(|k| format!("https://example.test/r/{i}/{k}"))
                .collect(),
            evidence: None,
        }
    }

    fn report(pages: usize, per_page: usize) -> AuditReport {
        AuditReport {
            tool: "pressgate test".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            seconds: 1.0,
            start: vec!["https://example.test/".into()],
            pages: (0..pages)
                .map(|p| PageRecord {
                    url: format!("https://example.test/p/{p}"),
                    findings: (0..per_page).map(|k| finding(p * per_page + k)).collect(),
                    ..PageRecord::default()
                })
                .collect(),
            site_findings: (0..7).map(|k| finding(1000 + k)).collect(),
            summary: Default::default(),
        }
    }

    #[test]
    fn streamed_results_give_the_bytes_of_the_value_tree() {
        let engine = crate::rules::Engine::from_config(&crate::config::Config::default()).unwrap();
        let rules: Vec<RuleMeta> = engine.rules().iter().map(|r| r.meta().clone()).collect();
        // No findings at all, a few, one partial chunk, several batches of chunks.
        let mut empty = report(0, 0);
        empty.site_findings.clear();
        for report in [
            empty,
            report(3, 2),
            report(50, 100),
            report(RESULTS_PER_CHUNK * CHUNKS_IN_FLIGHT / 100 + 3, 101),
        ] {
            let mut out = Vec::new();
            write(&report, &rules, &mut out).unwrap();
            let got = String::from_utf8(out).unwrap();
            let expected = reference(&report, &rules);
            assert!(
                got == expected,
                "{} findings: output differs from the Value tree",
                report.pages.iter().map(|p| p.findings.len()).sum::<usize>()
            );
        }
    }
}
