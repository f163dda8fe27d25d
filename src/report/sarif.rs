//! `--format sarif`: SARIF 2.1.0, valid against the official JSON schema
//! (checked by `tests/sarif_schema.rs`).
use super::location::{Locator, Region};
use super::ReportInput;
use crate::baseline::fingerprint;
use crate::finding::Severity;
use crate::rules::RuleMeta;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encode a relative path for a SARIF `uri` (a URI reference): keep unreserved
/// characters and `/`, encode everything else byte by byte.
pub fn path_to_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// Typed, borrowing structs rather than `serde_json::Value`: a large run has hundreds of
// thousands of results, and a `Value` tree of them costs several times the memory.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

impl From<Region> for SarifRegion {
    fn from(r: Region) -> Self {
        SarifRegion {
            start_line: r.start.line,
            start_column: r.start.column,
            end_line: r.end.line,
            end_column: r.end.column,
        }
    }
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation<'a>,
    region: SarifRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: SarifRegion,
    inserted_content: Text<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation<'a>,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<&'a str>,
    artifact_changes: Vec<ArtifactChange<'a>>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "pressgateFingerprint/v1")]
    v1: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<String>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

fn rule_json(rule: &RuleMeta) -> Value {
    let doc = if rule.doc.trim().is_empty() {
        rule.summary
    } else {
        rule.doc
    };
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": doc },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": { "level": level(rule.default_severity) },
        "properties": { "tags": [rule.pack] },
    })
}

/// Metadata for a code that no registered rule describes (e.g. a parser diagnostic).
fn unknown_rule_json(code: &str, severity: Severity) -> Value {
    json!({
        "id": code,
        "shortDescription": { "text": format!("{code} finding") },
        "defaultConfiguration": { "level": level(severity) },
    })
}

pub fn render(input: &ReportInput) -> String {
    // Rules: every rule that ran, plus any other code that appears, in code order.
    let mut rules: BTreeMap<String, Value> = input
        .rules
        .iter()
        .map(|r| (r.code.to_owned(), rule_json(r)))
        .collect();
    for f in input.files.iter().flat_map(|r| &r.findings) {
        if !rules.contains_key(&*f.code) {
            let meta = input.rule(&f.code).map(rule_json);
            rules.insert(
                f.code.to_string(),
                meta.unwrap_or_else(|| unknown_rule_json(&f.code, f.severity)),
            );
        }
    }
    let rule_index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, code)| (code.as_str(), i))
        .collect();

    let uris: Vec<String> = input.files.iter().map(|f| path_to_uri(&f.path)).collect();
    let mut results = Vec::new();
    for (file, uri) in input.files.iter().zip(&uris) {
        let locator = Locator::new(&file.source);
        for f in &file.findings {
            let fixes = f
                .fix
                .iter()
                .map(|fix| SarifFix {
                    description: Text { text: &fix.message },
                    artifact_changes: vec![ArtifactChange {
                        artifact_location: ArtifactLocation { uri },
                        replacements: fix
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: locator.region(e.span).into(),
                                inserted_content: Text {
                                    text: &e.replacement,
                                },
                            })
                            .collect(),
                    }],
                })
                .collect();
            results.push(SarifResult {
                rule_id: &f.code,
                rule_index: rule_index.get(&*f.code).copied().unwrap_or(0),
                level: level(f.severity),
                message: Text {
                    text: match &f.help {
                        Some(help) => format!("{}\nhelp: {help}", f.message),
                        None => f.message.to_string(),
                    },
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri },
                        region: locator.region(f.span).into(),
                    },
                }],
                partial_fingerprints: Fingerprints {
                    v1: fingerprint(f, &file.source),
                },
                fixes,
            });
        }
    }

    #[derive(Serialize)]
    struct Driver {
        name: &'static str,
        version: &'static str,
        rules: Vec<Value>,
    }
    #[derive(Serialize)]
    struct Tool {
        driver: Driver,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Run<'a> {
        tool: Tool,
        /// Our columns count characters, not UTF-16 code units (the SARIF default).
        column_kind: &'static str,
        results: Vec<SarifResult<'a>>,
    }
    #[derive(Serialize)]
    struct Log<'a> {
        #[serde(rename = "$schema")]
        schema: &'static str,
        version: &'static str,
        runs: [Run<'a>; 1],
    }
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "pressgate",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: rules.into_values().collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    // Plain structs of strings and numbers: serialisation cannot fail.
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;
    use crate::report::IO_RULE;

    #[test]
    fn results_carry_rule_level_region_fix_and_fingerprint() {
        let files = sample();
        let out = render(&ReportInput {
            files: &files,
            rules: std::slice::from_ref(&IO_RULE),
        });
        let log: Value = serde_json::from_str(&out).unwrap();
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
        assert_eq!(ids, ["IO001", "SEO001", "STYLE002"]);
        assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
        let fixed = &run["results"][1];
        assert_eq!(fixed["ruleId"], "STYLE002");
        assert_eq!(fixed["ruleIndex"], 2);
        let loc = &fixed["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "docs/a%20b.md");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 4);
        assert_eq!(loc["region"]["endColumn"], 11);
        let replacement = &fixed["fixes"][0]["artifactChanges"][0]["replacements"][0];
        assert_eq!(replacement["insertedContent"]["text"], "use");
        assert_eq!(
            fixed["partialFingerprints"]["pressgateFingerprint/v1"]
                .as_str()
                .map(str::len),
            Some(32)
        );
        assert_eq!(run["results"][0]["level"], "warning");
    }
}
