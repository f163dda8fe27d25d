//! The exported decoder graph against the plain-Rust reference forward pass.
mod llm_support;

use llm_support::{
    argmax, max_abs_diff, runtime_available, tiny_config, QuantRounded, RandomLlama,
};
use pressgate::llm::import::{genai_config, write_graph_and_config, GraphOptions, Quant};
use pressgate::llm::reference::ReferenceModel;
use pressgate::llm::runtime::{Device, RuntimeOptions};
use pressgate::llm::session::DecoderSession;
use pressgate::llm::weights::WeightSource;

fn cpu() -> RuntimeOptions {
    RuntimeOptions {
        device: Device::Cpu,
        intra_threads: Some(1),
        ..Default::default()
    }
}

fn export(weights: &RandomLlama, quant: Quant) -> (tempfile::TempDir, DecoderSession) {
    export_with(weights, GraphOptions::new(quant))
}

fn export_with(
    weights: &RandomLlama,
    options: GraphOptions,
) -> (tempfile::TempDir, DecoderSession) {
    let dir = tempfile::tempdir().expect("tempdir");
    write_graph_and_config(weights, options, dir.path()).expect("export");
    let genai = genai_config(weights.config());
    let session =
        DecoderSession::open(&dir.path().join("model.onnx"), &genai.model, &cpu()).expect("load");
    (dir, session)
}

const PROMPT: [u32; 7] = [5, 17, 123, 42, 299, 0, 77];

fn prefill_then_steps_match_reference(attention_bias: bool, quant: Quant, tolerance: f32) {
    let weights = RandomLlama::new(tiny_config(attention_bias), 7);
    compare_with_reference(&weights, &weights, GraphOptions::new(quant), tolerance);
}

/// Layout check of a quantized graph against the reference run on the same rounded weights:
/// exact for int4 (f32 activations, `accuracy_level` 0); int8 still quantizes activations at
/// run time, so it gets a small tolerance. An untied head keeps the two roundings of the
/// embedding (fp16 lookup, block-quantized head) apart.
fn quantized_layout_matches_reference(quant: Quant, tolerance: f32) {
    let mut config = tiny_config(false);
    config.tie_word_embeddings = false;
    let weights = RandomLlama::new(config, 5);
    let rounded = QuantRounded {
        inner: &weights,
        quant,
    };
    let options = GraphOptions {
        quant,
        accuracy_level: 0,
    };
    compare_with_reference(&weights, &rounded, options, tolerance);
}

fn compare_with_reference(
    weights: &RandomLlama,
    reference_weights: &dyn WeightSource,
    options: GraphOptions,
    tolerance: f32,
) {
    if !runtime_available() {
        return;
    }
    let quant = options.quant;
    let reference = ReferenceModel::load(reference_weights).expect("reference");
    let (_dir, mut session) = export_with(weights, options);

    let cache = session.empty_cache().expect("cache");
    let (logits, mut cache) = session.forward(&PROMPT, cache).expect("prefill");
    let expected = reference.forward(&PROMPT).expect("reference forward");
    for (row, want) in expected.iter().enumerate() {
        let diff = max_abs_diff(logits.row(row), want);
        assert!(
            diff < tolerance,
            "{quant} prefill row {row}: max diff {diff}"
        );
    }
    // Three cached decode steps.
    let mut tokens = PROMPT.to_vec();
    for step in 0..3 {
        let next = argmax(expected_last(&reference, &tokens).as_slice());
        tokens.push(next);
        let (logits, grown) = session.forward(&[next], cache).expect("decode step");
        cache = grown;
        assert_eq!(cache.len(), tokens.len());
        let want = expected_last(&reference, &tokens);
        let diff = max_abs_diff(logits.last(), &want);
        assert!(
            diff < tolerance,
            "{quant} decode step {step}: max diff {diff}"
        );
    }
}

fn expected_last(reference: &ReferenceModel, tokens: &[u32]) -> Vec<f32> {
    let rows = reference.forward(tokens).expect("reference forward");
    rows.last().cloned().unwrap_or_default()
}

#[test]
fn fp32_logits_match_reference_with_kv_cache() {
    prefill_then_steps_match_reference(false, Quant::Fp32, 1e-3);
}

#[test]
fn fp32_logits_match_reference_with_attention_bias() {
    prefill_then_steps_match_reference(true, Quant::Fp32, 1e-3);
}

#[test]
fn int8_per_channel_layout_matches_reference() {
    quantized_layout_matches_reference(Quant::Int8, 0.05);
}

#[test]
fn int4_matmulnbits_layout_matches_reference_exactly() {
    quantized_layout_matches_reference(Quant::Int4, 1e-3);
}

#[test]
fn int8_with_int8_activations_stays_close_to_reference() {
    prefill_then_steps_match_reference(false, Quant::Int8, 0.3);
}

#[test]
fn fp16_graph_stays_near_reference() {
    prefill_then_steps_match_reference(false, Quant::Fp16, 0.02);
}

#[test]
fn cached_greedy_decoding_equals_full_recompute() {
    if !runtime_available() {
        return;
    }
    let weights = RandomLlama::new(tiny_config(false), 11);
    let (_dir, mut session) = export(&weights, Quant::Int8);
    // Cached: prefill once, then one token per step.
    let (logits, mut cache) = session
        .forward(&PROMPT, session.empty_cache().expect("cache"))
        .expect("prefill");
    let mut cached = vec![argmax(logits.last())];
    for _ in 0..9 {
        let last = cached[cached.len() - 1];
        let (logits, grown) = session.forward(&[last], cache).expect("step");
        cache = grown;
        cached.push(argmax(logits.last()));
    }
    // Recompute: the whole sequence from scratch every step.
    let mut tokens = PROMPT.to_vec();
    let mut recomputed = Vec::new();
    for _ in 0..10 {
        let (logits, _) = session
            .forward(&tokens, session.empty_cache().expect("cache"))
            .expect("full");
        let next = argmax(logits.last());
        recomputed.push(next);
        tokens.push(next);
    }
    assert_eq!(cached, recomputed);
}

#[test]
fn context_overflow_is_a_clear_error() {
    if !runtime_available() {
        return;
    }
    let weights = RandomLlama::new(tiny_config(false), 3);
    let (_dir, mut session) = export(&weights, Quant::Fp32);
    let long = vec![3u32; 129];
    let err = session
        .forward(&long, session.empty_cache().expect("cache"))
        .err()
        .map(|e| e.to_string());
    assert!(
        err.is_some_and(|m| m.contains("context length of 128")),
        "expected a context error"
    );
}
