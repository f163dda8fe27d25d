//! Shared helpers for the `llm_*` tests: a seeded random llama held in memory and the ONNX
//! Runtime availability check.
#![allow(dead_code)]
use pressgate::llm::weights::{LlamaConfig, Tensor, WeightSource};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// A tiny llama with seeded random weights, GQA (4 heads over 2 KV heads).
pub struct RandomLlama {
    config: LlamaConfig,
    tensors: HashMap<String, Tensor>,
}

pub fn tiny_config(attention_bias: bool) -> LlamaConfig {
    LlamaConfig {
        architecture: "llama".into(),
        n_layers: 2,
        hidden_size: 64,
        intermediate_size: 96,
        n_heads: 4,
        n_kv_heads: 2,
        head_dim: 16,
        context_length: 128,
        rope_theta: 10000.0,
        rms_norm_eps: 1e-5,
        vocab_size: 300,
        tie_word_embeddings: true,
        attention_bias,
        bos_token_id: Some(1),
        eos_token_ids: vec![2],
        pad_token_id: Some(2),
    }
}

impl RandomLlama {
    pub fn new(config: LlamaConfig, seed: u64) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut tensors = HashMap::new();
        let c = &config;
        let (h, i) = (c.hidden_size, c.intermediate_size);
        let (q, kv) = (c.n_heads * c.head_dim, c.n_kv_heads * c.head_dim);
        let mut add = |name: String, shape: Vec<usize>, spread: f32, centre: f32| {
            let n: usize = shape.iter().product();
            let data = (0..n)
                .map(|_| centre + rng.random_range(-spread..spread))
                .collect();
            tensors.insert(name, Tensor { shape, data });
        };
        add("token_embd.weight".into(), vec![c.vocab_size, h], 1.0, 0.0);
        add("output_norm.weight".into(), vec![h], 0.2, 1.0);
        if !c.tie_word_embeddings {
            add("output.weight".into(), vec![c.vocab_size, h], 0.2, 0.0);
        }
        for l in 0..c.n_layers {
            let name = |t: &str| format!("blk.{l}.{t}");
            add(name("attn_norm.weight"), vec![h], 0.2, 1.0);
            add(name("ffn_norm.weight"), vec![h], 0.2, 1.0);
            add(name("attn_q.weight"), vec![q, h], 0.25, 0.0);
            add(name("attn_k.weight"), vec![kv, h], 0.25, 0.0);
            add(name("attn_v.weight"), vec![kv, h], 0.25, 0.0);
            add(name("attn_output.weight"), vec![h, q], 0.12, 0.0);
            add(name("ffn_gate.weight"), vec![i, h], 0.12, 0.0);
            add(name("ffn_up.weight"), vec![i, h], 0.12, 0.0);
            add(name("ffn_down.weight"), vec![h, i], 0.1, 0.0);
            if c.attention_bias {
                add(name("attn_q.bias"), vec![q], 0.1, 0.0);
                add(name("attn_k.bias"), vec![kv], 0.1, 0.0);
                add(name("attn_v.bias"), vec![kv], 0.1, 0.0);
            }
        }
        RandomLlama { config, tensors }
    }
}

impl WeightSource for RandomLlama {
    fn config(&self) -> &LlamaConfig {
        &self.config
    }
    fn has_tensor(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
    fn tensor(&self, name: &str) -> pressgate::Result<Tensor> {
        self.tensors
            .get(name)
            .cloned()
            .ok_or_else(|| pressgate::Error::Usage(format!("no tensor {name}")))
    }
}

/// ONNX Runtime is needed for graph tests: skip loudly without it, fail under CI.
pub fn runtime_available() -> bool {
    match pressgate::llm::runtime::environment(None) {
        Ok(_) => true,
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("ONNX Runtime required under CI: {e}");
            }
            eprintln!("SKIPPED: ONNX Runtime not available: {e}");
            false
        }
    }
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub fn argmax(values: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best as u32
}

/// Weights as the quantized graph sees them: linear weights rounded through block (int4) or
/// per-channel (int8) quantization, the embedding table through fp16. Lets the reference check the
/// quantized graph's layout exactly.
pub struct QuantRounded<'a> {
    pub inner: &'a dyn WeightSource,
    pub quant: pressgate::llm::import::Quant,
    /// int8 as per-channel DynamicQuantizeMatMul instead of 8-bit MatMulNBits blocks.
    pub per_channel_int8: bool,
}

impl WeightSource for QuantRounded<'_> {
    fn config(&self) -> &LlamaConfig {
        self.inner.config()
    }
    fn has_tensor(&self, name: &str) -> bool {
        self.inner.has_tensor(name)
    }
    fn tensor(&self, name: &str) -> pressgate::Result<Tensor> {
        let mut tensor = self.inner.tensor(name)?;
        if name == "token_embd.weight" {
            for v in &mut tensor.data {
                *v = half::f16::from_f32(*v).to_f32();
            }
        } else if tensor.shape.len() == 2 {
            use pressgate::llm::import::quant;
            let (n, k) = (tensor.shape[0], tensor.shape[1]);
            tensor.data = match (self.quant.block_bits(), self.per_channel_int8) {
                (Some(bits), _) => quant::quantize_blocks(&tensor.data, n, k, bits)?.dequantize(),
                (None, true) => quant::quantize_per_channel_i8(&tensor.data, n, k)?.dequantize(),
                (None, false) => quant::quantize_blocks(&tensor.data, n, k, 8)?.dequantize(),
            };
        }
        Ok(tensor)
    }
}
