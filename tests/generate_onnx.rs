//! `pressgate generate` with the local ONNX backend: a tiny random model built in the test runs
//! the whole pipeline (its text is gibberish, so the brief is rejected: the documented outcome),
//! and the real default model runs the demo batch (skipped loudly when it is not installed;
//! required under CI).
use assert_cmd::Command;
use pressgate::llm::gguf::write_tiny_llama;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// ONNX Runtime is needed: skip loudly without it, fail under CI.
fn runtime_available() -> bool {
    match pressgate::llm::runtime::environment(None) {
        Ok(_) => true,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "ONNX Runtime required under CI: {e}"
            );
            eprintln!("SKIPPED: ONNX Runtime not available: {e}");
            false
        }
    }
}

fn pressgate(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.current_dir(repo()).env("PRESSGATE_HOME", home);
    if std::env::var_os("PRESSGATE_ORT_LIB").is_none()
        && std::env::var_os("ORT_DYLIB_PATH").is_none()
    {
        cmd.env(
            "PRESSGATE_ORT_LIB",
            pressgate::llm::runtime::resolve_library(None),
        );
    }
    cmd
}

fn report(out: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("report.json"))
        .expect("json")
}

#[test]
fn tiny_random_model_runs_the_pipeline_and_is_rejected() {
    if !runtime_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let gguf = home.path().join("tiny.gguf");
    write_tiny_llama(&gguf, 42).expect("tiny gguf");
    let model = home.path().join("tiny-model");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&model)
        .args(["--quant", "fp32"])
        .assert()
        .success();
    let briefs = home.path().join("briefs.csv");
    std::fs::write(
        &briefs,
        "slug,title,primary_keyword,sources,author_name,author_url\ntiny-brief,Compost basics for beginners,compost,fixtures/sites/demo/composting-basics.html,Ann Lee,https://example.org/ann\n",
    )
    .expect("briefs");
    let out = home.path().join("out");
    let run = |out: &Path| {
        pressgate(home.path())
            .arg("generate")
            .arg(&briefs)
            .arg("--model")
            .arg(&model)
            .arg("--out")
            .arg(out)
            .args([
                "--device",
                "cpu",
                "--threads",
                "1",
                "--seed",
                "7",
                "--max-tokens",
                "24",
                "--max-attempts",
                "2",
                "--date",
                "2026-01-15",
                "--no-cache",
            ])
            .output()
            .expect("run")
    };
    let output = run(&out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report = report(&out);
    let row = &report["rows"][0];
    assert_eq!(row["status"], "rejected", "{row}");
    assert_eq!(
        row["attempts"], 2,
        "the short draft was repaired once: {row}"
    );
    assert!(
        row["generated_tokens"].as_u64().is_some_and(|n| n > 0),
        "{row}"
    );
    assert!(row["findings"]["GEN001"].as_u64().is_some(), "{row}");
    assert!(out.join("rejected/tiny-brief.findings.json").is_file());
    assert!(!out.join("publish/tiny-brief.md").exists());
    // The same seed gives the same article.
    let again = home.path().join("again");
    run(&again);
    assert_eq!(
        std::fs::read_to_string(out.join("rejected/tiny-brief.md")).expect("first"),
        std::fs::read_to_string(again.join("rejected/tiny-brief.md")).expect("second"),
    );
}

/// The default model folder: imported from `PRESSGATE_TEST_GGUF` into `scratch`, else the
/// installed one, else imported from the downloaded GGUF; `None` when there is none.
fn real_model(scratch: &Path) -> Option<PathBuf> {
    let data = pressgate::llm::runtime::data_dir();
    let gguf = match std::env::var_os("PRESSGATE_TEST_GGUF") {
        Some(path) => Some(PathBuf::from(path)),
        None => {
            let installed = data.join("models/smollm2-135m-instruct");
            if installed.join("model.onnx").is_file() {
                return Some(installed);
            }
            Some(data.join("downloads/SmolLM2-135M-Instruct.Q4_1.gguf"))
        }
    }
    .filter(|p| p.is_file());
    let Some(gguf) = gguf else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PRESSGATE_TEST_GGUF required under CI"
        );
        eprintln!(
            "SKIPPED: real model not found (set PRESSGATE_TEST_GGUF or run scripts/setup.sh)"
        );
        return None;
    };
    let out = scratch.join("smollm2-int8");
    pressgate(scratch)
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&out)
        .args(["--quant", "int8"])
        .assert()
        .success();
    Some(out)
}

#[test]
fn real_model_runs_the_demo_batch() {
    if !runtime_available() {
        return;
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let Some(model) = real_model(scratch.path()) else {
        return;
    };
    let out = scratch.path().join("out");
    let output = pressgate(scratch.path())
        .args(["generate", "fixtures/briefs/demo.csv", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(&out)
        .args([
            "--device",
            "cpu",
            "--sections",
            "2",
            "--max-tokens",
            "48",
            "--max-attempts",
            "1",
            "--date",
            "2026-01-15",
            "--no-cache",
        ])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{stderr}");
    let report = report(&out);
    let rows = report["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{report}");
    for row in rows {
        let slug = row["slug"].as_str().expect("slug");
        let output = row["output"]
            .as_str()
            .unwrap_or_else(|| panic!("no output: {row}"));
        let text = std::fs::read_to_string(out.join(output)).expect("article");
        assert!(
            row["generated_tokens"].as_u64().is_some_and(|n| n > 0),
            "{row}"
        );
        match row["status"].as_str() {
            Some("published") => {
                let format = pressgate::doc::Format::from_path(output);
                let doc = pressgate::doc::parse(output, &text, format);
                assert!(
                    doc.json_ld.iter().any(|j| j.value.is_some()),
                    "{slug}: no JSON-LD"
                );
                assert!(!doc.references.is_empty(), "{slug}: no references");
                assert!(text.contains("AI-assistance disclosure"));
            }
            Some("rejected") => {
                assert!(out.join(format!("rejected/{slug}.findings.json")).is_file())
            }
            other => panic!("{slug}: unexpected status {other:?}: {row}"),
        }
    }
}
