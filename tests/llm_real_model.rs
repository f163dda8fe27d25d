//! The default model (SmolLM2-135M-Instruct GGUF) through import, ONNX Runtime and the
//! reference forward pass. Needs `PRESSGATE_TEST_GGUF` (or the file in the data dir): skipped
//! loudly when absent, a failure under CI. Slow in debug builds: run with `--release`.
mod llm_support;

use llm_support::{argmax, runtime_available};
use pressgate::llm::chat_template::{ChatMessage, ChatTemplate};
use pressgate::llm::generate::StopReason;
use pressgate::llm::gguf::GgufWeights;
use pressgate::llm::import::graph::Int8Kernel;
use pressgate::llm::import::{
    default_quant, genai_config, import_gguf, write_graph_and_config, GraphOptions, Quant,
};
use pressgate::llm::local_model::LocalModel;
use pressgate::llm::reference::ReferenceModel;
use pressgate::llm::runtime::{data_dir, Device, RuntimeOptions};
use pressgate::llm::session::DecoderSession;
use pressgate::llm::tokenizer::Tokenizer;
use pressgate::llm::weights::WeightSource;
use std::ops::ControlFlow;
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

/// Chat questions and plain text; every position is compared (teacher forcing).
const PROMPTS: [(Option<&str>, &str); 5] = [
    (Some("What is the capital of France?"), ""),
    (Some("Name three primary colors."), ""),
    (None, "The quick brown fox jumps over the lazy dog. Then it"),
    (None, "In 1969, Neil Armstrong became the first person to"),
    (Some("Write one sentence about the ocean."), ""),
];

fn prompt_ids(
    tokenizer: &Tokenizer,
    template: &ChatTemplate,
    prompt: (Option<&str>, &str),
) -> Vec<u32> {
    match prompt {
        (Some(question), _) => {
            let text = template
                .render(&[ChatMessage::user(question)], true)
                .expect("render chat template");
            tokenizer.encode(&text, false).expect("encode")
        }
        (None, text) => tokenizer.encode(text, false).expect("encode"),
    }
}

/// Next-token top-1 agreement of graphs built with `variants` against the reference, teacher
/// forced one token per step through the KV cache (as decoding runs) and, for information, as
/// one batched prefill. Returns the stepwise ratio per variant.
fn top1_agreement(weights: &GgufWeights, variants: &[(&str, GraphOptions)]) -> Vec<f64> {
    let tokenizer = Tokenizer::from_gguf(weights.file()).expect("tokenizer");
    let template_text = weights
        .file()
        .get_str("tokenizer.chat_template")
        .expect("chat template");
    let template =
        ChatTemplate::new(template_text, "<|im_start|>", "<|im_end|>").expect("template");
    let reference = ReferenceModel::load(weights).expect("reference");
    let prompts: Vec<Vec<u32>> = PROMPTS
        .iter()
        .map(|p| prompt_ids(&tokenizer, &template, *p))
        .collect();
    let expected: Vec<Vec<u32>> = prompts
        .iter()
        .map(|ids| {
            reference
                .forward(ids)
                .expect("reference forward")
                .iter()
                .map(|row| argmax(row))
                .collect()
        })
        .collect();
    let mut ratios = Vec::new();
    for (label, options) in variants {
        let dir = tempfile::tempdir().expect("tempdir");
        write_graph_and_config(weights, *options, dir.path()).expect("export");
        let genai = genai_config(weights.config());
        let mut session =
            DecoderSession::open(&dir.path().join("model.onnx"), &genai.model, &cpu())
                .expect("load");
        let (mut agree, mut total, mut batched_agree) = (0usize, 0usize, 0usize);
        for (ids, want) in prompts.iter().zip(&expected) {
            let (batched, _) = session
                .forward(ids, session.empty_cache().expect("cache"))
                .expect("run");
            let mut cache = session.empty_cache().expect("cache");
            for (row, (id, token)) in ids.iter().zip(want).enumerate() {
                let (logits, grown) = session.forward(&[*id], cache).expect("step");
                cache = grown;
                total += 1;
                agree += usize::from(argmax(logits.last()) == *token);
                batched_agree += usize::from(argmax(batched.row(row)) == *token);
            }
        }
        let ratio = agree as f64 / total as f64;
        let batched = batched_agree as f64 / total as f64;
        eprintln!("top-1 agreement {label} vs reference: stepwise {agree}/{total} = {ratio:.3}, batched prefill {batched:.3}");
        ratios.push(ratio);
    }
    ratios
}

/// The graph `model install` / `model import` build by default for this Q4_1 GGUF must agree
/// with the f32 reference over the same dequantized weights on ≥ 95% of next tokens.
#[test]
fn default_import_top1_agrees_with_reference_forward_pass() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    let quant = default_quant(&weights).expect("default quant");
    assert_eq!(
        quant,
        Quant::Int4,
        "a Q4_1 source imports as int4 by default"
    );
    let ratios = top1_agreement(
        &weights,
        &[(
            "default (int4, stored Q4_1 blocks)",
            GraphOptions::new(quant),
        )],
    );
    assert!(
        ratios[0] >= 0.95,
        "default import top-1 agreement {:.3} below 0.95",
        ratios[0]
    );
}

/// The other encodings, for the record (numbers in docs/benchmarks.md); run with `--ignored`.
#[test]
#[ignore = "measurement of the non-default encodings"]
fn other_encodings_top1_agreement() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    let int4 = GraphOptions::new(Quant::Int4);
    top1_agreement(&weights, &int4_variants());
    top1_agreement(
        &weights,
        &[
            (
                "int4 re-quantized, accuracy_level 4",
                GraphOptions {
                    keep_stored_blocks: false,
                    accuracy_level: 4,
                    head_accuracy_level: 4,
                    ..int4
                },
            ),
            ("int8 DynamicQuantizeMatMul", GraphOptions::new(Quant::Int8)),
            (
                "int8 MatMulNBits",
                GraphOptions {
                    int8_kernel: Int8Kernel::MatMulNBits,
                    ..GraphOptions::new(Quant::Int8)
                },
            ),
        ],
    );
}

/// int4 with the GGUF's blocks kept, by where activations are quantized to int8
/// (`accuracy_level` 4) or kept f32 (1): decoder layers, LM head.
fn int4_variants() -> Vec<(&'static str, GraphOptions)> {
    let int4 = GraphOptions::new(Quant::Int4);
    let levels = |layers: i64, head: i64| GraphOptions {
        accuracy_level: layers,
        head_accuracy_level: head,
        ..int4
    };
    vec![
        ("int4 layers f32, head f32 (split Q8_0)", levels(1, 1)),
        ("int4 layers int8, head f32 (split Q8_0)", levels(4, 1)),
        ("int4 layers f32, head int8 (8-bit Q8_0)", levels(1, 4)),
        ("int4 layers int8, head int8 (8-bit Q8_0)", levels(4, 4)),
    ]
}

#[test]
fn imported_default_model_answers_paris() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("smollm2");
    let quant = default_quant(&GgufWeights::open(&path).expect("open gguf")).expect("quant");
    import_gguf(&path, &out, quant, false).expect("import");
    let mut model = LocalModel::open(&out, &cpu()).expect("open model");
    let prompt = model
        .chat_prompt(None, "What is the capital of France?")
        .expect("prompt");
    let mut params = model.default_params();
    params.max_new_tokens = 24;
    let mut streamed = String::new();
    let generation = model
        .generate(
            &prompt,
            &params,
            &mut |piece| {
                streamed.push_str(piece);
                ControlFlow::Continue(())
            },
            None,
        )
        .expect("generate");
    eprintln!(
        "answer: {:?} ({:?})",
        generation.text, generation.stop_reason
    );
    assert!(
        generation.text.contains("Paris"),
        "answer was {:?}",
        generation.text
    );
    assert_eq!(streamed, generation.text);
    assert_eq!(generation.stop_reason, StopReason::Eos);
}

/// Decode speed with the KV cache for the default int4 graph (f32 activations), int4 with int8
/// activations and int8, two intra-op threads, median of 3 runs of 128 steps. Prints numbers;
/// run with `--release --ignored --nocapture`.
#[test]
#[ignore = "timing run, not a check"]
fn decode_speed_of_the_encodings() {
    let Some(path) = test_gguf() else { return };
    if !runtime_available() {
        return;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    let mut variants = int4_variants();
    variants.push(("int8 DynamicQuantizeMatMul", GraphOptions::new(Quant::Int8)));
    for (label, options) in variants {
        let dir = tempfile::tempdir().expect("tempdir");
        write_graph_and_config(&weights, options, dir.path()).expect("export");
        let genai = genai_config(weights.config());
        let runtime = RuntimeOptions {
            device: Device::Cpu,
            intra_threads: Some(2),
            ..Default::default()
        };
        let mut session =
            DecoderSession::open(&dir.path().join("model.onnx"), &genai.model, &runtime)
                .expect("load");
        let prompt: &[u32] = &[
            1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198,
        ];
        let mut rates = Vec::new();
        let mut prefill_ms = Vec::new();
        for _ in 0..3 {
            let started = std::time::Instant::now();
            let (logits, mut cache) = session
                .forward(prompt, session.empty_cache().expect("cache"))
                .expect("prefill");
            prefill_ms.push(started.elapsed().as_secs_f64() * 1e3);
            let mut token = argmax(logits.last());
            let steps = 128;
            let started = std::time::Instant::now();
            for _ in 0..steps {
                let (logits, grown) = session.forward(&[token], cache).expect("step");
                cache = grown;
                token = argmax(logits.last());
            }
            rates.push(steps as f64 / started.elapsed().as_secs_f64());
        }
        rates.sort_by(f64::total_cmp);
        prefill_ms.sort_by(f64::total_cmp);
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        eprintln!(
            "{label}: prefill {} tokens {:.1} ms, decode {:.1} tok/s (runs {:.1?}), load {}",
            prompt.len(),
            prefill_ms[1],
            rates[1],
            rates,
            load.split_whitespace().next().unwrap_or("?")
        );
    }
}

/// The default model imported to an int4 folder in a temporary directory (`None`, after saying
/// why, when the GGUF or ONNX Runtime is missing).
fn int4_folder() -> Option<(
    GgufWeights,
    tempfile::TempDir,
    pressgate::llm::model_dir::GenaiConfig,
)> {
    let path = test_gguf()?;
    if !runtime_available() {
        return None;
    }
    let weights = GgufWeights::open(&path).expect("open gguf");
    let dir = tempfile::tempdir().expect("tempdir");
    write_graph_and_config(&weights, GraphOptions::new(Quant::Int4), dir.path()).expect("export");
    let genai = genai_config(weights.config());
    Some((weights, dir, genai))
}

/// The default int4 folder decodes through its head-less graph with pressgate's exact Q8_0
/// head; its logits equal those of the full graph's head (two exact 4-bit halves in ONNX
/// Runtime) up to f32 summation order, with the same arg-max, at every prompt position and over
/// greedy steps.
#[test]
fn own_lm_head_equals_graph_head_on_the_default_model() {
    use pressgate::llm::session::LmHead;
    let Some((weights, dir, genai)) = int4_folder() else {
        return;
    };
    let model_file = dir.path().join("model.onnx");
    let open = |head| {
        DecoderSession::open_with_head(&model_file, &genai.model, &cpu(), head).expect("load")
    };
    let (mut own, mut graph) = (open(LmHead::Auto), open(LmHead::Graph));
    assert!(own.computes_own_head() && !graph.computes_own_head());
    let tokenizer = Tokenizer::from_gguf(weights.file()).expect("tokenizer");
    let template = ChatTemplate::new(
        weights
            .file()
            .get_str("tokenizer.chat_template")
            .expect("chat template"),
        "<|im_start|>",
        "<|im_end|>",
    )
    .expect("template");
    let prompt = prompt_ids(&tokenizer, &template, PROMPTS[0]);
    let mut worst = 0f32;
    let mut compare = |a: &[f32], b: &[f32], what: &str| {
        let diff = llm_support::max_abs_diff(a, b);
        worst = worst.max(diff);
        assert!(diff <= 1e-3, "{what}: max diff {diff}");
        assert_eq!(argmax(a), argmax(b), "{what}: arg-max");
    };
    let (own_logits, mut own_cache) = own
        .forward(&prompt, own.empty_cache().expect("cache"))
        .expect("prefill");
    let (graph_logits, mut graph_cache) = graph
        .forward(&prompt, graph.empty_cache().expect("cache"))
        .expect("prefill");
    for row in 0..prompt.len() {
        compare(
            own_logits.row(row),
            graph_logits.row(row),
            &format!("prompt position {row}"),
        );
    }
    let mut token = argmax(graph_logits.last());
    for step in 0..8 {
        let (own_logits, grown) = own.forward_last(&[token], own_cache).expect("step");
        own_cache = grown;
        let (graph_logits, grown) = graph.forward_last(&[token], graph_cache).expect("step");
        graph_cache = grown;
        compare(
            own_logits.last(),
            graph_logits.last(),
            &format!("step {step}"),
        );
        token = argmax(graph_logits.last());
    }
    eprintln!("own head vs graph head: max logit diff {worst:e}");
}

/// CPU time per decode step with pressgate's LM head against the graph's, interleaved in one
/// process (rounds alternate, so a change in the machine's load hits both), on 1 and 2 intra-op
/// threads. Prints numbers; run with `--release --ignored --nocapture`.
#[test]
#[ignore = "timing run, not a check"]
fn own_lm_head_decode_speed() {
    use pressgate::llm::session::LmHead;
    let Some((_weights, dir, genai)) = int4_folder() else {
        return;
    };
    let model_file = dir.path().join("model.onnx");
    let prompt: &[u32] = &[
        1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198,
    ];
    let process_cpu_seconds = || {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given.
        let usage = unsafe {
            libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
            usage.assume_init()
        };
        let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
        seconds(usage.ru_utime) + seconds(usage.ru_stime)
    };
    for threads in [1usize, 2] {
        let runtime = RuntimeOptions {
            device: Device::Cpu,
            intra_threads: Some(threads),
            ..Default::default()
        };
        let mut sessions: Vec<(&str, DecoderSession)> =
            [("own head", LmHead::Auto), ("graph head", LmHead::Graph)]
                .into_iter()
                .map(|(label, head)| {
                    let session =
                        DecoderSession::open_with_head(&model_file, &genai.model, &runtime, head)
                            .expect("load");
                    (label, session)
                })
                .collect();
        let steps = 64;
        let mut wall_ms: Vec<Vec<f64>> = vec![Vec::new(); sessions.len()];
        let mut cpu_ms: Vec<Vec<f64>> = vec![Vec::new(); sessions.len()];
        for _round in 0..5 {
            for (index, (_, session)) in sessions.iter_mut().enumerate() {
                let (logits, mut cache) = session
                    .forward_last(prompt, session.empty_cache().expect("cache"))
                    .expect("prefill");
                let mut token = argmax(logits.last());
                let (started, cpu_started) = (std::time::Instant::now(), process_cpu_seconds());
                for _ in 0..steps {
                    let (logits, grown) = session.forward_last(&[token], cache).expect("step");
                    cache = grown;
                    token = argmax(logits.last());
                }
                wall_ms[index].push(started.elapsed().as_secs_f64() * 1e3 / steps as f64);
                cpu_ms[index].push((process_cpu_seconds() - cpu_started) * 1e3 / steps as f64);
            }
        }
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        for (index, (label, _)) in sessions.iter().enumerate() {
            let median = |values: &mut Vec<f64>| {
                values.sort_by(f64::total_cmp);
                values[values.len() / 2]
            };
            eprintln!(
                "{threads} thread(s), {label}: {:.2} ms per step wall, {:.2} ms CPU (median of 5 x {steps} steps; wall {:.2?}), load {}",
                median(&mut wall_ms[index].clone()),
                median(&mut cpu_ms[index].clone()),
                wall_ms[index],
                load.split_whitespace().next().unwrap_or("?")
            );
        }
    }
}
