//! `pressgate model ...` end to end on a tiny GGUF written in code.
mod llm_support;

use assert_cmd::Command;
use llm_support::runtime_available;
use predicates::prelude::*;
use pressgate::llm::gguf::write_tiny_llama;
use std::path::Path;

fn pressgate(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pressgate").expect("binary");
    cmd.env("PRESSGATE_HOME", home);
    // The library comes from the real data dir (or the caller's env), not the temp home.
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

fn tiny_gguf(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tiny.gguf");
    write_tiny_llama(&path, 42).expect("write tiny gguf");
    path
}

/// Without `--quant`, a GGUF stored as Q4_1 (like the default model) keeps its blocks: int4.
#[test]
fn import_defaults_to_int4_for_a_q4_1_gguf() {
    if !runtime_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let gguf = tiny_gguf(home.path());
    let out = home.path().join("models").join("tiny");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("(int4)"));
    let provenance = std::fs::read_to_string(out.join("pressgate_model.json")).expect("provenance");
    assert!(
        provenance.contains("\"quant\": \"int4\"") || provenance.contains("\"quant\":\"int4\""),
        "{provenance}"
    );
}

#[test]
fn import_info_run_and_list_a_tiny_model() {
    if !runtime_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let gguf = tiny_gguf(home.path());
    let out = home.path().join("models").join("tiny");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&out)
        .args(["--quant", "fp32"])
        .assert()
        .success();
    for file in [
        "model.onnx",
        "model.onnx.data",
        "tokenizer.json",
        "tokenizer_config.json",
        "genai_config.json",
        "pressgate_model.json",
    ] {
        assert!(out.join(file).is_file(), "missing {file}");
    }
    pressgate(home.path())
        .args(["model", "info", "tiny"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("architecture:    llama")
                .and(predicate::str::contains("fp32")),
        );
    pressgate(home.path())
        .args(["model", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tiny").and(predicate::str::contains("llama")));
    let run = |seed: &str| {
        pressgate(home.path())
            .args([
                "model",
                "run",
                "tiny",
                "--prompt",
                "hello there",
                "--max-new-tokens",
                "8",
            ])
            .args(["--temperature", "0.8", "--seed", seed, "--device", "cpu"])
            .assert()
            .success()
            .stderr(predicate::str::contains("prompt").and(predicate::str::contains("tok/s")))
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(run("3"), run("3"), "the same seed must give the same text");
}

#[test]
fn bad_gguf_fails_with_exit_2_and_leaves_nothing_behind() {
    let home = tempfile::tempdir().expect("tempdir");
    let bad = home.path().join("bad.gguf");
    std::fs::write(&bad, b"GGUF but not really").expect("write");
    let out = home.path().join("out");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.gguf"));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .expect("read dir")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".pressgate-import")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary import folder left behind");
}

#[test]
fn missing_model_files_and_long_prompts_are_clear_errors() {
    if !runtime_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let gguf = tiny_gguf(home.path());
    let out = home.path().join("tiny");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let long_prompt = "word ".repeat(400);
    pressgate(home.path())
        .args(["model", "run"])
        .arg(&out)
        .args(["--prompt", &long_prompt, "--device", "cpu"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("context length is 256"));
    std::fs::remove_file(out.join("tokenizer.json")).expect("remove");
    pressgate(home.path())
        .args(["model", "run"])
        .arg(&out)
        .args(["--prompt", "hi", "--device", "cpu"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing tokenizer.json"));
}

#[test]
fn install_without_download_points_to_setup_and_unknown_names_fail() {
    let home = tempfile::tempdir().expect("tempdir");
    pressgate(home.path())
        .args(["model", "install", "smollm2-135m"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("scripts/setup.sh"));
    pressgate(home.path())
        .args(["model", "install", "gpt-9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("installable: smollm2-135m"));
}

/// `model install` imports once, then does nothing while source, encoding and graph layout
/// match, and redoes an install written by an importer with an older graph layout.
#[test]
fn install_is_idempotent_and_redoes_an_older_graph_layout() {
    if !runtime_available() {
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let downloads = home.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    write_tiny_llama(downloads.join("SmolLM2-135M-Instruct.Q4_1.gguf"), 42).expect("gguf");
    let install = || {
        let out = pressgate(home.path())
            .args(["model", "install", "smollm2-135m"])
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    assert!(install().contains("installed smollm2-135m"));
    assert!(install().contains("already installed"));
    let provenance = home
        .path()
        .join("models")
        .join("smollm2-135m-instruct")
        .join("pressgate_model.json");
    let text = std::fs::read_to_string(&provenance).expect("provenance");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        json["graph_layout"],
        serde_json::json!(pressgate::llm::model_dir::GRAPH_LAYOUT)
    );
    json["graph_layout"] = serde_json::json!(1);
    std::fs::write(&provenance, json.to_string()).expect("write");
    assert!(install().contains("installed smollm2-135m"));
    assert!(install().contains("already installed"));
}

#[test]
fn missing_runtime_library_is_a_setup_error() {
    let home = tempfile::tempdir().expect("tempdir");
    let gguf = tiny_gguf(home.path());
    let out = home.path().join("tiny");
    pressgate(home.path())
        .args(["model", "import"])
        .arg(&gguf)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    pressgate(home.path())
        .args(["model", "run"])
        .arg(&out)
        .args([
            "--prompt",
            "hi",
            "--ort-lib",
            "/nonexistent/libonnxruntime.so",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("ONNX Runtime library not found")
                .and(predicate::str::contains("scripts/setup.sh")),
        );
}
