//! `--format sarif`: SARIF 2.1.0 with one result per finding; the artifact is the page URL.
use crate::audit::model::{AuditFinding, AuditReport};
use crate::finding::Severity;
use crate::rules::RuleMeta;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &AuditFinding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": { "text": f.message },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    let uri: Option<&str> = f.url.as_deref().or(f.related.first().map(String::as_str));
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
}

pub fn write(
    report: &AuditReport,
    rules: &[RuleMeta],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let findings = || {
        report
            .pages
            .iter()
            .flat_map(|p| &p.findings)
            .chain(&report.site_findings)
    };
    let codes: BTreeSet<&str> = findings().map(|f| f.code.as_ref()).collect();
    let used: Vec<&str> = codes.into_iter().collect();
    let descriptors: Vec<Value> = used
        .iter()
        .map(|code| {
            let meta = rules.iter().find(|m| m.code == *code);
            let mut d = json!({ "id": code });
            if let Some(m) = meta {
                d["name"] = json!(m.name);
                d["shortDescription"] = json!({ "text": m.summary });
                d["fullDescription"] = json!({ "text": m.doc });
                d["defaultConfiguration"] = json!({ "level": level(m.default_severity) });
            }
            d
        })
        .collect();
    let results: Vec<Value> = findings()
        .map(|f| result(f, used.iter().position(|c| *c == f.code)))
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "pressgate",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": descriptors,
            }},
            "invocations": [{ "executionSuccessful": true, "startTimeUtc": report.started_at }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif).map_err(std::io::Error::other)?;
    writeln!(out)
}
