//! `pressgate rules list|explain|docs` end to end.
use assert_cmd::Command;
use predicates::prelude::*;

fn pressgate(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary builds");
    cmd.current_dir(dir);
    cmd
}

#[test]
fn list_prints_a_table_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    pressgate(tmp.path())
        .args(["rules", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("CODE").and(predicate::str::contains("STYLE003")));
    let out = pressgate(tmp.path())
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v
        .as_array()
        .is_some_and(|a| a.iter().any(|r| r["code"] == "PARSE001")));
}

#[test]
fn explain_prints_doc_and_unknown_code_exits_2_with_close_matches() {
    let tmp = tempfile::tempdir().unwrap();
    pressgate(tmp.path())
        .args(["rules", "explain", "STYLE006"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("## What it does")
                .and(predicate::str::contains("Default severity: `warning`"))
                .and(predicate::str::contains("`max` (default `35`)")),
        );
    pressgate(tmp.path())
        .args(["rules", "explain", "STYLE06"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("STYLE06").and(predicate::str::contains("STYLE006")));
}

#[test]
fn project_packs_show_up_and_bad_config_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("styles")).unwrap();
    std::fs::write(
        tmp.path().join("styles/house.toml"),
        "pack = \"house\"\n[[rule]]\ncode = \"HOUSE001\"\nname = \"house-words\"\nkind = \"existence\"\nseverity = \"error\"\nmessage = \"'%s'\"\nsummary = \"House words\"\ntokens = [\"gluten-free\"]\n[rule.doc]\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nuse_instead = \"u\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("pressgate.toml"), "packs = [\"styles\"]\n").unwrap();
    pressgate(tmp.path())
        .args(["rules", "list"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("HOUSE001"));
    std::fs::write(tmp.path().join("pressgate.toml"), "[rules]\nselct = []\n").unwrap();
    pressgate(tmp.path())
        .args(["rules", "list"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("pressgate.toml").and(predicate::str::contains("rules.selct")),
        );
}

#[test]
fn hidden_docs_command_writes_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ref");
    pressgate(tmp.path())
        .args(["rules", "docs", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    assert!(out.join("README.md").is_file() && out.join("STYLE001.md").is_file());
    pressgate(tmp.path())
        .args(["rules", "--help"])
        .assert()
        .stdout(predicate::str::contains("docs").not());
}
