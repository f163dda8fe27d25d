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
    /// A 2-D weight's stored blocks when they are in a format ONNX Runtime's `MatMulNBits` can
    /// run without re-quantizing (see [`BlockFormat`]), rows in the same (Hugging Face) order as
    /// [`WeightSource::tensor`]. `None` when the source keeps no such blocks.
    fn stored_blocks(&self, name: &str) -> Result<Option<StoredBlocks>> {
        let _ = name;
        Ok(None)
    }
}

/// Block quantizations that map exactly onto `MatMulNBits` blocks of 32: the same codes and
/// scales, so an import keeps the model's weights bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockFormat {
    /// ggml `block_q4_0 { f16 d; u8 qs[16]; }`: `x = (q - 8)·d`.
    Q4_0,
    /// ggml `block_q4_1 { f16 d; f16 m; u8 qs[16]; }`: `x = q·d + m`.
    Q4_1,
    /// ggml `block_q8_0 { f16 d; i8 qs[32]; }`: `x = q·d`.
    Q8_0,
}

impl BlockFormat {
    /// Values per block.
    pub const BLOCK_LEN: usize = 32;

    /// Bytes per block of 32 values.
    pub fn block_bytes(self) -> usize {
        match self {
            BlockFormat::Q4_0 => 18,
            BlockFormat::Q4_1 => 20,
            BlockFormat::Q8_0 => 34,
        }
    }

    /// Bits per code.
    pub fn bits(self) -> usize {
        match self {
            BlockFormat::Q4_0 | BlockFormat::Q4_1 => 4,
            BlockFormat::Q8_0 => 8,
        }
    }
}

/// A `[rows, cols]` weight as stored: `rows` rows of `cols / 32` blocks of [`BlockFormat`].
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBlocks {
    pub format: BlockFormat,
    pub rows: usize,
    pub cols: usize,
    pub bytes: Vec<u8>,
}
