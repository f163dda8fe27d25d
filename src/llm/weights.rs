//! The contract between model readers (GGUF) and the ONNX graph builder.
//!
//! A reader yields the architecture and f32 tensors in Hugging Face layout; the builder quantizes
//! them as asked. Keeping this boundary means a second reader (safetensors) needs no builder change.
use crate::error::Result;

/// Hyper-parameters of a llama-family decoder (llama, qwen2, smollm, mistral).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LlamaConfig {
    /// `general.architecture`: `llama`, `qwen2`, ...
    pub architecture: String,
    pub n_layers: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub n_heads: usize,
    pub n_kv_heads: usize,
    pub head_dim: usize,
    pub context_length: usize,
    pub rope_theta: f32,
    pub rms_norm_eps: f32,
    pub vocab_size: usize,
    /// No `output.weight`: the LM head reuses `token_embd.weight`.
    pub tie_word_embeddings: bool,
    /// Qwen2 has biases on the q/k/v projections.
    pub attention_bias: bool,
    pub bos_token_id: Option<u32>,
    pub eos_token_ids: Vec<u32>,
    pub pad_token_id: Option<u32>,
}

/// A dense f32 tensor, row-major. Linear weights are `[out_features, in_features]`
/// (PyTorch layout: GGUF `ne = [in, out]` read as rows of `in`).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Source of weights by GGUF tensor name: `token_embd.weight`, `output_norm.weight`,
/// `output.weight` (absent when tied), and per layer `blk.{i}.attn_norm.weight`,
/// `blk.{i}.attn_q.weight`, `attn_k`, `attn_v`, `attn_output`, `blk.{i}.attn_q.bias` (etc., Qwen2),
/// `blk.{i}.ffn_norm.weight`, `ffn_gate`, `ffn_up`, `ffn_down`.
///
/// Q and K weights (and biases) are returned **un-permuted** to the rotate-half (Hugging Face)
/// RoPE layout; GGUF stores them permuted for llama.cpp's interleaved RoPE.
pub trait WeightSource {
    fn config(&self) -> &LlamaConfig;
    fn has_tensor(&self, name: &str) -> bool;
    fn tensor(&self, name: &str) -> Result<Tensor>;
}
