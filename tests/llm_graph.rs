//! The exported decoder graph against the plain-Rust reference forward pass.
mod llm_support;

use llm_support::{
    argmax, max_abs_diff, runtime_available, tiny_config, QuantRounded, RandomLlama,
};
use pressgate::llm::gguf::{write_tiny_llama, GgufWeights};
use pressgate::llm::import::graph::Int8Kernel;
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
    weights: &dyn WeightSource,
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
fn quantized_layout_matches_reference(quant: Quant, kernel: Int8Kernel, tolerance: f32) {
    let mut config = tiny_config(false);
    config.tie_word_embeddings = false;
    let weights = RandomLlama::new(config, 5);
    let rounded = QuantRounded {
        inner: &weights,
        quant,
        per_channel_int8: kernel == Int8Kernel::DynamicQuantizeMatMul,
    };
    let options = GraphOptions {
        accuracy_level: 0,
        head_accuracy_level: 0,
        int8_kernel: kernel,
        ..GraphOptions::new(quant)
    };
    compare_with_reference(&weights, &rounded, options, tolerance);
}

fn compare_with_reference(
    weights: &dyn WeightSource,
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
fn int8_matmulnbits_layout_matches_reference_exactly() {
    quantized_layout_matches_reference(Quant::Int8, Int8Kernel::MatMulNBits, 1e-3);
}

#[test]
fn int8_per_channel_layout_matches_reference() {
    quantized_layout_matches_reference(Quant::Int8, Int8Kernel::DynamicQuantizeMatMul, 0.05);
}

#[test]
fn int4_matmulnbits_layout_matches_reference_exactly() {
    quantized_layout_matches_reference(Quant::Int4, Int8Kernel::MatMulNBits, 1e-3);
}

/// A GGUF stored like SmolLM2's (Q4_1 projections, Q8_0 tied embedding) imported as int4 keeps
/// its blocks: with f32 activations everywhere (the Q8_0 head split into exact 4-bit halves),
/// only the fp16 embedding lookup differs from the reference over the dequantized GGUF.
/// The tiny Q4_1 llama (seed 11) written to a temporary folder, opened.
fn tiny_q4_1_gguf() -> (tempfile::TempDir, GgufWeights) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tiny.gguf");
    write_tiny_llama(&path, 11).expect("write gguf");
    let weights = GgufWeights::open(&path).expect("open gguf");
    (dir, weights)
}

#[test]
fn int4_import_of_q4_1_gguf_keeps_the_stored_weights() {
    let (_dir, weights) = tiny_q4_1_gguf();
    let options = GraphOptions {
        accuracy_level: 0,
        head_accuracy_level: 0,
        ..GraphOptions::new(Quant::Int4)
    };
    compare_with_reference(&weights, &weights, options, 5e-3);
}

/// The int4 import of a Q8_0-headed GGUF also writes the head-less graph, and pressgate's own
/// LM head on its hidden state gives the full graph's logits (prefill rows and cached steps) up
/// to f32 summation order, with the same arg-max.
#[test]
fn own_lm_head_after_head_less_graph_equals_graph_head() {
    use onnx_protobuf::{Message, ModelProto};
    use pressgate::llm::session::LmHead;
    if !runtime_available() {
        return;
    }
    let (dir, weights) = tiny_q4_1_gguf();
    write_graph_and_config(&weights, GraphOptions::new(Quant::Int4), dir.path()).expect("export");
    let outputs = |file: &str| {
        let bytes = std::fs::read(dir.path().join(file)).expect("read graph");
        let model = ModelProto::parse_from_bytes(&bytes).expect("parse graph");
        let count = |op: &str| model.graph.node.iter().filter(|n| n.op_type == op).count();
        let products = [count("MatMulNBits"), count("BlockMinMatMul"), count("Gemm")];
        let names: Vec<String> = model.graph.output.iter().map(|o| o.name.clone()).collect();
        (names, products)
    };
    let (full_outputs, [full_products, full_fused, full_gemms]) = outputs("model.onnx");
    let (head_less_outputs, [head_less_products, head_less_fused, head_less_gemms]) =
        outputs("model.headless.onnx");
    assert_eq!(full_outputs[0], "logits");
    assert!(!full_outputs.contains(&"hidden_states".to_string()));
    assert_eq!(head_less_outputs[0], "hidden_states");
    assert!(!head_less_outputs.contains(&"logits".to_string()));
    // The standard graph keeps standard nodes; the head-less one runs each Q4_1 linear as one
    // pressgate node, without the head.
    assert_eq!((full_fused, head_less_products, head_less_gemms), (0, 0, 0));
    assert_eq!(full_gemms, head_less_fused, "one Gemm per Q4_1 linear");
    assert_eq!(
        head_less_fused + 1,
        full_products,
        "only the head is left out"
    );

    let genai = genai_config(weights.config());
    let model_file = dir.path().join("model.onnx");
    let open = |head| {
        DecoderSession::open_with_head(&model_file, &genai.model, &cpu(), head).expect("load")
    };
    let (mut own, mut graph) = (open(LmHead::Auto), open(LmHead::Graph));
    assert!(own.computes_own_head());
    assert!(!graph.computes_own_head());
    let compare = |a: &[f32], b: &[f32], what: &str| {
        let diff = max_abs_diff(a, b);
        assert!(diff <= 1e-4, "{what}: max diff {diff}");
        assert_eq!(argmax(a), argmax(b), "{what}: arg-max");
    };
    let (own_logits, mut own_cache) = own
        .forward(&PROMPT, own.empty_cache().expect("cache"))
        .expect("prefill");
    let (graph_logits, mut graph_cache) = graph
        .forward(&PROMPT, graph.empty_cache().expect("cache"))
        .expect("prefill");
    assert_eq!(own_logits.rows, PROMPT.len());
    for row in 0..PROMPT.len() {
        compare(
            own_logits.row(row),
            graph_logits.row(row),
            &format!("prefill row {row}"),
        );
    }
    let mut token = argmax(graph_logits.last());
    for step in 0..3 {
        let (own_logits, grown) = own.forward_last(&[token], own_cache).expect("step");
        own_cache = grown;
        let (graph_logits, grown) = graph.forward(&[token], graph_cache).expect("step");
        graph_cache = grown;
        assert_eq!(own_logits.rows, 1);
        compare(
            own_logits.last(),
            graph_logits.last(),
            &format!("step {step}"),
        );
        token = argmax(graph_logits.last());
    }
    // A prompt long enough for the fused nodes' GEMM path (8 rows and more).
    let long: Vec<u32> = PROMPT.iter().chain(&PROMPT).copied().collect();
    let (own_logits, _) = own
        .forward(&long, own.empty_cache().expect("cache"))
        .expect("long prefill");
    let (graph_logits, _) = graph
        .forward(&long, graph.empty_cache().expect("cache"))
        .expect("long prefill");
    for row in 0..long.len() {
        compare(
            own_logits.row(row),
            graph_logits.row(row),
            &format!("long prefill row {row}"),
        );
    }
    // Only the last prompt position's logits, the same as the full prefill's last row.
    let (last, _) = own
        .forward_last(&PROMPT, own.empty_cache().expect("cache"))
        .expect("prefill");
    assert_eq!((last.rows, last.data.len()), (1, last.vocab));
    compare(
        last.last(),
        graph_logits_last_prompt_row(&mut graph).as_slice(),
        "last row",
    );
}

fn graph_logits_last_prompt_row(session: &mut DecoderSession) -> Vec<f32> {
    let (logits, _) = session
        .forward(&PROMPT, session.empty_cache().expect("cache"))
        .expect("prefill");
    logits.last().to_vec()
}

/// Folders whose head is not a split Q8_0 weight (int8 here) have no head-less graph: the
/// graph's head computes the logits.
#[test]
fn int8_import_keeps_the_graph_head() {
    if !runtime_available() {
        return;
    }
    let weights = RandomLlama::new(tiny_config(false), 7);
    let (dir, session) = export(&weights, Quant::Int8);
    assert!(!dir.path().join("model.headless.onnx").exists());
    assert!(!session.computes_own_head());
}

/// Each Q4_1 linear adds its block-minimum term with one `Gemm` (the product, the block sums
/// times the minimums, and their sum): no `Add` node is left in a graph without biases, which
/// keeps the per-step node count (ONNX Runtime's per-node cost) down.
#[test]
fn q4_1_minimum_terms_take_one_gemm_per_linear() {
    use onnx_protobuf::{Message, ModelProto};
    let (dir, weights) = tiny_q4_1_gguf();
    write_graph_and_config(&weights, GraphOptions::new(Quant::Int4), dir.path()).expect("export");
    let bytes = std::fs::read(dir.path().join("model.onnx")).expect("read model.onnx");
    let model = ModelProto::parse_from_bytes(&bytes).expect("parse model.onnx");
    let count = |op: &str| model.graph.node.iter().filter(|n| n.op_type == op).count();
    let layers = weights.config().n_layers;
    // q/k/v, o, gate/up and down per layer.
    assert_eq!(count("Gemm"), 4 * layers);
    assert_eq!(
        count("MatMul"),
        4 * layers,
        "one block-sum product per linear"
    );
    assert_eq!(count("Add"), 0);
    assert_eq!(count("MatMulNBits"), 4 * layers + 1);
    // The layers' Q4_1 blocks sit on the implied zero point (no zero-point input); the split
    // Q8_0 head needs explicit ones.
    let zero_point_inputs: Vec<bool> = model
        .graph
        .node
        .iter()
        .filter(|n| n.op_type == "MatMulNBits")
        .map(|n| n.input.len() > 3)
        .collect();
    assert_eq!(
        zero_point_inputs
            .iter()
            .filter(|explicit| **explicit)
            .count(),
        1
    );
    assert_eq!(zero_point_inputs.last(), Some(&true), "the head");
}

/// The same with int8 activations inside MatMulNBits (`accuracy_level` 4, the head 8-bit):
/// close, not exact.
#[test]
fn int4_import_of_q4_1_gguf_with_int8_activations_stays_close() {
    let (_dir, weights) = tiny_q4_1_gguf();
    let options = GraphOptions {
        accuracy_level: 4,
        head_accuracy_level: 4,
        ..GraphOptions::new(Quant::Int4)
    };
    compare_with_reference(&weights, &weights, options, 0.3);
}

/// Re-quantizing instead (the path for sources without stored blocks) is measurably further off,
/// which shows the test above can tell the two apart.
#[test]
fn int4_requantized_q4_1_gguf_drifts_from_the_stored_weights() {
    if !runtime_available() {
        return;
    }
    let (_dir, weights) = tiny_q4_1_gguf();
    let reference = ReferenceModel::load(&weights).expect("reference");
    let options = GraphOptions {
        accuracy_level: 0,
        head_accuracy_level: 0,
        keep_stored_blocks: false,
        ..GraphOptions::new(Quant::Int4)
    };
    let (_dir, mut session) = export_with(&weights, options);
    let (logits, _) = session
        .forward(&PROMPT, session.empty_cache().expect("cache"))
        .expect("prefill");
    let expected = reference.forward(&PROMPT).expect("reference forward");
    let worst = expected
        .iter()
        .enumerate()
        .map(|(row, want)| max_abs_diff(logits.row(row), want))
        .fold(0.0, f32::max);
    eprintln!("re-quantized int4 vs stored Q4_1: max logit diff {worst}");
    assert!(worst > 2e-3, "re-quantizing changed nothing: {worst}");
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

/// The in-place KV buffer starts at 256 positions and grows by copying: decoding across the
/// growth point gives the same logits as one batched pass over the same tokens.
#[test]
fn shared_kv_buffer_grows_without_changing_the_logits() {
    if !runtime_available() {
        return;
    }
    let mut config = tiny_config(false);
    config.context_length = 600;
    let weights = RandomLlama::new(config, 13);
    let (_dir, mut session) = export(&weights, Quant::Fp32);
    assert!(
        session.shares_kv_buffer(),
        "our graphs decode in place on the CPU"
    );
    let tokens: Vec<u32> = (0..262u32).map(|i| (i * 37 + 5) % 300).collect();
    let (_, mut cache) = session
        .forward(&tokens[..250], session.empty_cache().expect("cache"))
        .expect("prefill");
    let mut stepwise = Vec::new();
    for &token in &tokens[250..] {
        let (logits, grown) = session.forward(&[token], cache).expect("step");
        cache = grown;
        stepwise.push(logits.last().to_vec());
    }
    assert_eq!(cache.len(), tokens.len());
    let (batched, _) = session
        .forward(&tokens, session.empty_cache().expect("cache"))
        .expect("batched");
    for (offset, row) in stepwise.iter().enumerate() {
        let diff = max_abs_diff(row, batched.row(250 + offset));
        assert!(diff < 1e-3, "position {}: max diff {diff}", 250 + offset);
    }
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

/// Token i decodes to "<i>" so stop strings and streaming can be checked without a tokenizer.
struct AngleIds;

impl pressgate::llm::generate::TokenText for AngleIds {
    fn decode_tokens(&self, ids: &[u32]) -> pressgate::Result<String> {
        Ok(ids.iter().map(|i| format!("<{i}>")).collect())
    }
}

mod generation {
    use super::*;
    use pressgate::llm::generate::{generate, ContextPolicy, GenerationParams, StopReason};
    use pressgate::llm::sampling::SamplingParams;
    use std::ops::ControlFlow;
    use std::sync::atomic::AtomicBool;

    fn setup() -> Option<(tempfile::TempDir, DecoderSession)> {
        if !runtime_available() {
            return None;
        }
        let weights = RandomLlama::new(tiny_config(false), 21);
        Some(export(&weights, Quant::Fp32))
    }

    fn run(
        session: &mut DecoderSession,
        params: &GenerationParams,
        cancel: Option<&AtomicBool>,
        limit: Option<usize>,
    ) -> (pressgate::llm::generate::Generation, String) {
        let mut streamed = String::new();
        let mut pieces = 0;
        let generation = generate(
            session,
            &AngleIds,
            &PROMPT,
            params,
            &mut |piece| {
                streamed.push_str(piece);
                pieces += 1;
                match limit {
                    Some(n) if pieces >= n => ControlFlow::Break(()),
                    _ => ControlFlow::Continue(()),
                }
            },
            cancel,
        )
        .expect("generate");
        (generation, streamed)
    }

    #[test]
    fn greedy_generation_streams_the_same_text_and_counts_tokens() {
        let Some((_dir, mut session)) = setup() else {
            return;
        };
        let params = GenerationParams {
            max_new_tokens: 6,
            ..Default::default()
        };
        let (generation, streamed) = run(&mut session, &params, None, None);
        assert_eq!(generation.stop_reason, StopReason::MaxNewTokens);
        assert_eq!(generation.tokens.len(), 6);
        assert_eq!(generation.stats.prompt_tokens, PROMPT.len());
        assert_eq!(generation.stats.generated_tokens, 6);
        assert_eq!(streamed, generation.text);
        // The first token equals the argmax of a plain forward pass.
        let (logits, _) = session
            .forward(&PROMPT, session.empty_cache().expect("cache"))
            .expect("forward");
        assert_eq!(generation.tokens[0], argmax(logits.last()));
    }

    #[test]
    fn eos_stop_string_callback_and_cancellation_end_generation() {
        let Some((_dir, mut session)) = setup() else {
            return;
        };
        let base = GenerationParams {
            max_new_tokens: 6,
            ..Default::default()
        };
        let (greedy, _) = run(&mut session, &base, None, None);
        let first = greedy.tokens[0];

        let eos = GenerationParams {
            eos_token_ids: vec![first],
            ..base.clone()
        };
        let (generation, _) = run(&mut session, &eos, None, None);
        assert_eq!(
            (generation.stop_reason, generation.tokens.len()),
            (StopReason::Eos, 0)
        );

        let second = format!("<{}>", greedy.tokens[1]);
        let before_stop = greedy
            .text
            .find(&second)
            .map(|at| greedy.text[..at].to_string());
        let stop = GenerationParams {
            stop_strings: vec![second],
            ..base.clone()
        };
        let (generation, streamed) = run(&mut session, &stop, None, None);
        assert_eq!(generation.stop_reason, StopReason::StopString);
        assert_eq!(Some(streamed), before_stop);

        let (generation, _) = run(&mut session, &base, None, Some(2));
        assert_eq!(
            (generation.stop_reason, generation.tokens.len()),
            (StopReason::Callback, 2)
        );

        let cancel = AtomicBool::new(true);
        let (generation, _) = run(&mut session, &base, Some(&cancel), None);
        assert_eq!(
            (generation.stop_reason, generation.tokens.len()),
            (StopReason::Cancelled, 0)
        );
    }

    #[test]
    fn seeded_sampling_repeats_and_long_prompts_follow_the_policy() {
        let Some((_dir, mut session)) = setup() else {
            return;
        };
        let sampled = |seed| GenerationParams {
            max_new_tokens: 8,
            sampling: SamplingParams {
                temperature: 1.0,
                top_p: 0.95,
                seed,
                ..Default::default()
            },
            ..Default::default()
        };
        let (a, _) = run(&mut session, &sampled(5), None, None);
        let (b, _) = run(&mut session, &sampled(5), None, None);
        assert_eq!(a.tokens, b.tokens);

        let long: Vec<u32> = (0..200).map(|i| i % 300).collect();
        let strict = GenerationParams {
            max_new_tokens: 4,
            ..Default::default()
        };
        let err = generate(
            &mut session,
            &AngleIds,
            &long,
            &strict,
            &mut |_| ControlFlow::Continue(()),
            None,
        )
        .err()
        .map(|e| e.to_string());
        assert!(
            err.is_some_and(|m| m.contains("200 tokens") && m.contains("context length is 128"))
        );
        let truncate = GenerationParams {
            context_policy: ContextPolicy::TruncateStart,
            ..strict
        };
        let generation = generate(
            &mut session,
            &AngleIds,
            &long,
            &truncate,
            &mut |_| ControlFlow::Continue(()),
            None,
        )
        .expect("truncated generation");
        assert_eq!(
            generation.stats.prompt_tokens + generation.stats.truncated_tokens,
            200
        );
        assert!(generation.stats.prompt_tokens + 4 <= 128);
    }
}
