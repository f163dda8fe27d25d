//! Our SARIF output must be valid against the official SARIF 2.1.0 JSON schema, installed by
//! `scripts/lib.sh install_sarif_schema` at `$PRESSGATE_SARIF_SCHEMA` (never fetched here).
use assert_cmd::Command;
use pressgate::finding::{Applicability, Edit, FileReport, Finding, Fix, Severity};
use pressgate::report::{sarif, ReportInput, IO_RULE};
use pressgate::Span;
use serde_json::Value;

/// The schema, or `None` (after a loud SKIPPED line) when it is not installed outside CI.
fn schema() -> Option<Value> {
    let Some(path) = std::env::var_os("PRESSGATE_SARIF_SCHEMA") else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "PRESSGATE_SARIF_SCHEMA is not set in CI; run scripts/lib.sh install_sarif_schema"
            );
        }
        eprintln!("SKIPPED: PRESSGATE_SARIF_SCHEMA is not set; SARIF output was NOT validated against the schema");
        return None;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read SARIF schema {}: {e}", path.to_string_lossy()));
    Some(serde_json::from_str(&text).expect("SARIF schema is JSON"))
}

fn assert_valid(schema: &Value, log: &Value) {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF output is invalid:\n{}\n{log:#}",
        errors.join("\n")
    );
}

#[test]
fn rendered_sarif_with_fixes_and_unicode_is_schema_valid() {
    let Some(schema) = schema() else { return };
    let source = "# Café title\n\nWe utilize it, 100% sure.\n".to_owned();
    let start = source.find("utilize").unwrap();
    let files = vec![
        FileReport {
            path: "docs/with space/ü.md".into(),
            source: source.clone(),
            findings: vec![
                Finding::new(
                    "SEO001",
                    Severity::Warning,
                    "Title too short",
                    Span::new(2, 13),
                ),
                Finding::new(
                    "STYLE002",
                    Severity::Error,
                    "Use `use`",
                    Span::new(start, start + 7),
                )
                .with_help("Plain words")
                .with_fix(Fix {
                    message: "Replace with `use`".into(),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span: Span::new(start, start + 7),
                        replacement: "use".into(),
                    }],
                }),
                Finding::new("EEAT001", Severity::Info, "No byline", Span::file_start()),
            ],
        },
        FileReport {
            path: "clean.md".into(),
            source: "ok\n".into(),
            findings: vec![],
        },
    ];
    let out = sarif::render(&ReportInput {
        files: &files,
        rules: std::slice::from_ref(&IO_RULE),
    });
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(3));
    assert_valid(&schema, &log);
}

#[test]
fn check_command_sarif_output_is_schema_valid() {
    let Some(schema) = schema() else { return };
    let out = Command::cargo_bin("pressgate")
        .unwrap()
        .args([
            "check",
            "--format",
            "sarif",
            "fixtures/check/project",
            "fixtures/check/bad/binary.md",
            // Every rule's pass/fail examples: many codes, fixes, HTML and Markdown.
            "fixtures/rules",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "IO001"));
    assert!(
        results.iter().any(|r| r.get("fixes").is_some()),
        "some results carry fixes"
    );
    assert_valid(&schema, &log);
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    let Some(schema) = schema() else { return };
    let files = vec![FileReport {
        path: "a.md".into(),
        source: "text\n".into(),
        findings: vec![Finding::new(
            "SEO001",
            Severity::Error,
            "m",
            Span::new(0, 4),
        )],
    }];
    let mut log: Value = serde_json::from_str(&sarif::render(&ReportInput {
        files: &files,
        rules: &[],
    }))
    .unwrap();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    let validator = jsonschema::options().build(&schema).unwrap();
    assert!(
        validator.iter_errors(&log).count() >= 2,
        "the validator must catch bad regions and levels"
    );
}
