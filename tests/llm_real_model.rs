//! The default model (SmolLM2-135M-Instruct GGUF) through import, ONNX Runtime and the
//! reference forward pass. Needs `PRESSGATE_TEST_GGUF` (or the file in the data dir): skipped
//! loudly when absent, a failure under CI. Slow in debug builds: run with `--release`.
mod llm_support;

use llm_support::{argmax, runtime_available};
use pressgate::llm::gguf::GgufWeights;
use pressgate::llm::import::{genai_config, write_graph_and_config, GraphOptions, Quant};
use pressgate::llm::reference::ReferenceModel;
use pressgate::llm::runtime::{data_dir, Device, RuntimeOptions};
use pressgate::llm::session::DecoderSession;
use pressgate::llm::weights::WeightSource;
use std::path::PathBuf;

fn test_gguf() -> Option<PathBuf> {
    let path = std::env::var_os("PRESSGATE_TEST_GGUF")
        .map(PathBuf::from)
        .unwrap_or_else(|| data_dir().join("downloads/SmolLM2-135M-Instruct.Q4_1.gguf"));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "PRESSGATE_TEST_GGUF required under CI ({} missing)",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: real model not found at {} (set PRESSGATE_TEST_GGUF)",
        path.display()
    );
    None
}

fn cpu() -> RuntimeOptions {
    RuntimeOptions {
        device: Device::Cpu,
        ..Default::default()
    }
}

/// Token id prompts: chat-formatted questions and plain text from the SmolLM2 vocabulary.
const PROMPTS: [&[u32]; 4] = [
    &[
        1, 9690, 198, 2683, 359, 253, 5356, 5646, 11173, 3365, 3717, 411, 19714, 31, 2, 198, 1,
        4093, 198,
    ],
    &[504, 3575, 282, 4649, 314, 7042, 30],
    &[
        1, 4093, 198, 1780, 314, 253, 1688, 47, 2, 198, 1, 520, 9531, 198,
    ],
    &[
        378, 1314, 28, 11443, 4184, 29, 2373, 16, 33, 30, 216, 33, 34,
    ],
];

#[test]
fn int8_top1_agrees_with_reference_forward_pass() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    let dir = tempfile::tempdir().expect("tempdir");
    write_graph_and_config(&weights, GraphOptions::new(Quant::Int8), dir.path()).expect("export");
    let genai = genai_config(weights.config());
    let mut session =
        DecoderSession::open(&dir.path().join("model.onnx"), &genai.model, &cpu()).expect("load");
    let reference = ReferenceModel::load(&weights).expect("reference");
    let (mut agree, mut total) = (0usize, 0usize);
    for prompt in PROMPTS {
        let expected = reference.forward(prompt).expect("reference forward");
        let (logits, _) = session
            .forward(prompt, session.empty_cache().expect("cache"))
            .expect("run");
        for (row, want) in expected.iter().enumerate() {
            total += 1;
            if argmax(logits.row(row)) == argmax(want) {
                agree += 1;
            }
        }
    }
    let ratio = agree as f64 / total as f64;
    eprintln!("top-1 agreement int8 vs reference: {agree}/{total} = {ratio:.3}");
    assert!(ratio >= 0.95, "top-1 agreement {ratio:.3} below 0.95");
}

/// Decode speed with the KV cache, int8 and int4, two intra-op threads. Prints numbers; run
/// with `--release --ignored --nocapture`.
#[test]
#[ignore = "timing run, not a check"]
fn decode_speed_int8_and_int4() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    for quant in [Quant::Int8, Quant::Int4] {
        let dir = tempfile::tempdir().expect("tempdir");
        write_graph_and_config(&weights, GraphOptions::new(quant), dir.path()).expect("export");
        let genai = genai_config(weights.config());
        let options = RuntimeOptions {
            device: Device::Cpu,
            intra_threads: Some(2),
            ..Default::default()
        };
        let mut session = DecoderSession::open(&dir.path().join("model.onnx"), &genai.model, &options).expect("load");
        let prompt = PROMPTS[0];
        let started = std::time::Instant::now();
        let (logits, mut cache) = session.forward(prompt, session.empty_cache().expect("cache")).expect("prefill");
        let prefill = started.elapsed();
        let mut token = argmax(logits.last());
        let steps = 64;
        let started = std::time::Instant::now();
        for _ in 0..steps {
            let (logits, grown) = session.forward(&[token], cache).expect("step");
            cache = grown;
            token = argmax(logits.last());
        }
        let decode = started.elapsed();
        eprintln!(
            "{quant}: prefill {} tokens in {:.1} ms, decode {:.1} tokens/s",
            prompt.len(),
            prefill.as_secs_f64() * 1e3,
            steps as f64 / decode.as_secs_f64()
        );
    }
}
