//! [`GgufWeights`]: the [`WeightSource`] over a GGUF file (config from metadata, f32 tensors in
//! Hugging Face layout).
use std::path::Path;

use super::dequant::dequantize;
use super::reader::{GgufFile, TensorInfo};
use super::types::GgmlType;
use crate::error::{Error, Result};
use crate::llm::weights::{LlamaConfig, Tensor, WeightSource};

/// Architectures whose GGUF tensors follow llama's naming and block structure.
pub const SUPPORTED_ARCHITECTURES: [&str; 3] = ["llama", "qwen2", "mistral"];

/// A GGUF model exposed as f32 tensors in Hugging Face layout.
#[derive(Debug)]
pub struct GgufWeights {
    file: GgufFile,
    config: LlamaConfig,
}

impl GgufWeights {
    pub fn open(path: impl AsRef<Path>) -> Result<GgufWeights> {
        Self::from_file(GgufFile::open(path)?)
    }

    pub fn from_file(file: GgufFile) -> Result<GgufWeights> {
        let config = read_config(&file)?;
        Ok(GgufWeights { file, config })
    }

    /// The underlying file, for metadata (tokenizer, chat template) and raw tensor access.
    pub fn file(&self) -> &GgufFile {
        &self.file
    }

    pub fn tensor_info(&self, name: &str) -> Option<&TensorInfo> {
        self.file.tensor_info(name)
    }

    /// Raw stored bytes and type, for lossless repacking (e.g. Q4_1 to MatMulNBits). Unlike
    /// [`WeightSource::tensor`], Q/K rows stay in GGUF's permuted order (see [`Self::qk_permuted`]).
    pub fn raw_tensor(&self, name: &str) -> Result<(&TensorInfo, GgmlType, &[u8])> {
        let info = self.require(name)?;
        Ok((info, info.ggml_type, self.file.tensor_bytes(info)))
    }

    /// Whether this file's Q/K projections are stored permuted for interleaved RoPE.
    /// llama.cpp's converter permutes llama and mistral, but keeps qwen2 (NeoX RoPE) as-is.
    pub fn qk_permuted(&self) -> bool {
        self.config.architecture != "qwen2"
    }

    /// Tensor `name` dequantized, in the stored (GGUF) row order.
    pub fn tensor_stored_order(&self, name: &str) -> Result<Tensor> {
        let info = self.require(name)?;
        let data = dequantize(info.ggml_type, self.file.tensor_bytes(info)).map_err(|message| {
            Error::input(self.file.path(), format!("tensor `{name}`: {message}"))
        })?;
        Ok(Tensor {
            shape: info.shape(),
            data,
        })
    }

    fn require(&self, name: &str) -> Result<&TensorInfo> {
        self.file
            .tensor_info(name)
            .ok_or_else(|| Error::input(self.file.path(), format!("model has no tensor `{name}`")))
    }
}

impl WeightSource for GgufWeights {
    fn config(&self) -> &LlamaConfig {
        &self.config
    }

    fn has_tensor(&self, name: &str) -> bool {
        self.file.tensor_info(name).is_some()
    }

    fn tensor(&self, name: &str) -> Result<Tensor> {
        let mut tensor = self.tensor_stored_order(name)?;
        let heads = if is_tensor_of(name, "attn_q") {
            Some(self.config.n_heads)
        } else if is_tensor_of(name, "attn_k") {
            Some(self.config.n_kv_heads)
        } else {
            None
        };
        if let (Some(n_heads), true) = (heads, self.qk_permuted()) {
            let rows = tensor.shape.first().copied().unwrap_or(0);
            if n_heads == 0 || rows % n_heads != 0 || (rows / n_heads) % 2 != 0 {
                return Err(Error::input(
                    self.file.path(),
                    format!(
                        "tensor `{name}` has {rows} rows, which do not split into {n_heads} heads of even size"
                    ),
                ));
            }
            let row_len = tensor.data.len() / rows.max(1);
            tensor.data = unpermute_rows(&tensor.data, n_heads, rows / n_heads, row_len);
        }
        Ok(tensor)
    }
}

/// `blk.N.<kind>.weight` or `.bias`.
fn is_tensor_of(name: &str, kind: &str) -> bool {
    let mut parts = name.split('.');
    parts.next() == Some("blk")
        && parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
        && parts.next() == Some(kind)
        && matches!(parts.next(), Some("weight" | "bias"))
        && parts.next().is_none()
}

/// Inverse of llama.cpp's convert permutation
/// `w.reshape(n_head, 2, head_dim/2, in).swapaxes(1, 2).reshape(w.shape)`:
/// GGUF row `h·head_dim + 2i + s` is Hugging Face row `h·head_dim + s·head_dim/2 + i`.
/// `row_len` is 1 for biases.
pub fn unpermute_rows(data: &[f32], n_heads: usize, head_dim: usize, row_len: usize) -> Vec<f32> {
    let mut out = vec![0f32; data.len()];
    let half = head_dim / 2;
    for h in 0..n_heads {
        for i in 0..half {
            for s in 0..2 {
                let gguf_row = h * head_dim + 2 * i + s;
                let hf_row = h * head_dim + s * half + i;
                out[hf_row * row_len..(hf_row + 1) * row_len]
                    .copy_from_slice(&data[gguf_row * row_len..(gguf_row + 1) * row_len]);
            }
        }
    }
    out
}

/// llama.cpp's convert permutation (Hugging Face rotate-half rows to interleaved), the inverse of
/// [`unpermute_rows`]; used to write GGUF files laid out like llama.cpp's.
pub fn permute_rows(data: &[f32], n_heads: usize, head_dim: usize, row_len: usize) -> Vec<f32> {
    let mut out = vec![0f32; data.len()];
    let half = head_dim / 2;
    for h in 0..n_heads {
        for i in 0..half {
            for s in 0..2 {
                let gguf_row = h * head_dim + 2 * i + s;
                let hf_row = h * head_dim + s * half + i;
                out[gguf_row * row_len..(gguf_row + 1) * row_len]
                    .copy_from_slice(&data[hf_row * row_len..(hf_row + 1) * row_len]);
            }
        }
    }
    out
}

fn read_config(file: &GgufFile) -> Result<LlamaConfig> {
    let arch = file.get_str("general.architecture")?.to_string();
    if !SUPPORTED_ARCHITECTURES.contains(&arch.as_str()) {
        return Err(Error::input(
            file.path(),
            format!(
                "unsupported model architecture `{arch}` (supported: {})",
                SUPPORTED_ARCHITECTURES.join(", ")
            ),
        ));
    }
    let key = |suffix: &str| format!("{arch}.{suffix}");
    let n_layers = file.get_usize(&key("block_count"))?;
    let hidden_size = file.get_usize(&key("embedding_length"))?;
    let intermediate_size = file.get_usize(&key("feed_forward_length"))?;
    let n_heads = file.get_usize(&key("attention.head_count"))?;
    let n_kv_heads = match file.get(&key("attention.head_count_kv")) {
        Some(_) => file.get_usize(&key("attention.head_count_kv"))?,
        None => n_heads,
    };
    if n_heads == 0 || n_kv_heads == 0 || n_heads % n_kv_heads != 0 {
        return Err(Error::input(
            file.path(),
            format!("invalid head counts: {n_heads} query heads, {n_kv_heads} key/value heads"),
        ));
    }
    let head_dim = match file.get(&key("attention.key_length")) {
        Some(_) => file.get_usize(&key("attention.key_length"))?,
        None => {
            if hidden_size % n_heads != 0 {
                return Err(Error::input(
                    file.path(),
                    format!("embedding length {hidden_size} does not split into {n_heads} heads"),
                ));
            }
            hidden_size / n_heads
        }
    };
    let context_length = file.get_usize(&key("context_length"))?;
    let rope_theta = match file.get(&key("rope.freq_base")) {
        Some(_) => file.get_f32(&key("rope.freq_base"))?,
        None => 10_000.0,
    };
    let rms_norm_eps = file.get_f32(&key("attention.layer_norm_rms_epsilon"))?;
    let vocab_size = match file.get("tokenizer.ggml.tokens") {
        Some(v) => v.as_array().map(<[_]>::len).ok_or_else(|| {
            Error::input(
                file.path(),
                "metadata `tokenizer.ggml.tokens` is not an array",
            )
        })?,
        None => file.get_usize(&key("vocab_size"))?,
    };
    let optional_id = |name: &str| -> Result<Option<u32>> {
        match file.get(name) {
            Some(_) => file.get_u32(name).map(Some),
            None => Ok(None),
        }
    };
    let mut eos_token_ids = Vec::new();
    for name in ["tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"] {
        if let Some(id) = optional_id(name)? {
            if !eos_token_ids.contains(&id) {
                eos_token_ids.push(id);
            }
        }
    }
    let config = LlamaConfig {
        n_layers,
        hidden_size,
        intermediate_size,
        n_heads,
        n_kv_heads,
        head_dim,
        context_length,
        rope_theta,
        rms_norm_eps,
        vocab_size,
        tie_word_embeddings: file.tensor_info("output.weight").is_none(),
        attention_bias: file.tensor_info("blk.0.attn_q.bias").is_some(),
        bos_token_id: optional_id("tokenizer.ggml.bos_token_id")?,
        eos_token_ids,
        pad_token_id: optional_id("tokenizer.ggml.padding_token_id")?,
        architecture: arch,
    };
    check_shapes(file, &config)?;
    Ok(config)
}

/// Catch a metadata/tensor mismatch at open rather than deep in graph building.
fn check_shapes(file: &GgufFile, config: &LlamaConfig) -> Result<()> {
    let expect = |name: &str, shape: &[usize]| -> Result<()> {
        match file.tensor_info(name) {
            None => Err(Error::input(
                file.path(),
                format!("model has no tensor `{name}`"),
            )),
            Some(info) if info.shape() != shape => Err(Error::input(
                file.path(),
                format!(
                    "tensor `{name}` has shape {:?}, the metadata implies {shape:?}",
                    info.shape()
                ),
            )),
            Some(_) => Ok(()),
        }
    };
    expect(
        "token_embd.weight",
        &[config.vocab_size, config.hidden_size],
    )?;
    if config.n_layers > 0 {
        expect(
            "blk.0.attn_q.weight",
            &[config.n_heads * config.head_dim, config.hidden_size],
        )?;
        expect(
            "blk.0.attn_k.weight",
            &[config.n_kv_heads * config.head_dim, config.hidden_size],
        )?;
    }
    Ok(())
}
