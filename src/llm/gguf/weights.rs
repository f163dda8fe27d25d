//! [`GgufWeights`]: the [`WeightSource`] over a GGUF file (config from metadata, f32 tensors in
//! Hugging Face layout).
use std::path::Path;

use super::dequant::dequantize;
use super::reader::{GgufFile, TensorInfo};
use super::types::GgmlType;
use crate::error::{Error, Result};
use crate::llm::weights::{BlockFormat, LlamaConfig, StoredBlocks, Tensor, WeightSource};

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

    /// Raw stored bytes with Q/K rows moved to Hugging Face order, losslessly: every row holds
    /// whole quantization blocks, so rows can be reordered without touching their contents.
    pub fn raw_tensor_hf_order(&self, name: &str) -> Result<(&TensorInfo, Vec<u8>)> {
        let info = self.require(name)?;
        let bytes = self.file.tensor_bytes(info);
        match self.permuted_heads(name)? {
            None => Ok((info, bytes.to_vec())),
            Some(n_heads) => {
                let rows = info.shape()[0];
                let row_bytes = bytes.len() / rows;
                Ok((
                    info,
                    unpermute_rows(bytes, n_heads, rows / n_heads, row_bytes),
                ))
            }
        }
    }

    /// For a permuted Q/K weight or bias, its head count (after checking the rows split into
    /// heads of even size); `None` for every other tensor.
    fn permuted_heads(&self, name: &str) -> Result<Option<usize>> {
        let n_heads = if is_tensor_of(name, "attn_q") {
            self.config.n_heads
        } else if is_tensor_of(name, "attn_k") {
            self.config.n_kv_heads
        } else {
            return Ok(None);
        };
        if !self.qk_permuted() {
            return Ok(None);
        }
        let info = self.require(name)?;
        let rows = info.shape().first().copied().unwrap_or(0);
        if n_heads == 0
            || rows == 0
            || !rows.is_multiple_of(n_heads)
            || !(rows / n_heads).is_multiple_of(2)
        {
            return Err(Error::input(
                self.file.path(),
                format!(
                    "tensor `{name}` has {rows} rows, which do not split into {n_heads} heads of even size"
                ),
            ));
        }
        Ok(Some(n_heads))
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
        if let Some(n_heads) = self.permuted_heads(name)? {
            let rows = tensor.shape[0];
            let row_len = tensor.data.len() / rows;
            tensor.data = unpermute_rows(&tensor.data, n_heads, rows / n_heads, row_len);
        }
        Ok(tensor)
    }

    fn stored_blocks(&self, name: &str) -> Result<Option<StoredBlocks>> {
        let info = self.require(name)?;
        let format = match info.ggml_type {
            GgmlType::Q4_0 => BlockFormat::Q4_0,
            GgmlType::Q4_1 => BlockFormat::Q4_1,
            GgmlType::Q8_0 => BlockFormat::Q8_0,
            _ => return Ok(None),
        };
        let shape = info.shape();
        let [rows, cols] = shape[..] else {
            return Ok(None);
        };
        let expected = rows * cols.div_ceil(BlockFormat::BLOCK_LEN) * format.block_bytes();
        if !cols.is_multiple_of(BlockFormat::BLOCK_LEN) || info.byte_len as usize != expected {
            return Err(Error::input(
                self.file.path(),
                format!(
                    "tensor `{name}` ({rows}x{cols}, {}) holds {} bytes, expected {expected}",
                    info.ggml_type.name(),
                    info.byte_len
                ),
            ));
        }
        let (_, bytes) = self.raw_tensor_hf_order(name)?;
        Ok(Some(StoredBlocks {
            format,
            rows,
            cols,
            bytes,
        }))
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
/// `row_len` is in elements of `T` (1 for biases; the row's byte length for raw blocks).
/// `data` must hold `n_heads · head_dim · row_len` elements (callers check shapes first).
pub fn unpermute_rows<T: Copy + Default>(
    data: &[T],
    n_heads: usize,
    head_dim: usize,
    row_len: usize,
) -> Vec<T> {
    reorder_rows(data, n_heads, head_dim, row_len, true)
}

/// llama.cpp's convert permutation (Hugging Face rotate-half rows to interleaved), the inverse of
/// [`unpermute_rows`]; used to write GGUF files laid out like llama.cpp's.
pub fn permute_rows<T: Copy + Default>(
    data: &[T],
    n_heads: usize,
    head_dim: usize,
    row_len: usize,
) -> Vec<T> {
    reorder_rows(data, n_heads, head_dim, row_len, false)
}

fn reorder_rows<T: Copy + Default>(
    data: &[T],
    n_heads: usize,
    head_dim: usize,
    row_len: usize,
    to_hf: bool,
) -> Vec<T> {
    let mut out = vec![T::default(); data.len()];
    let half = head_dim / 2;
    for h in 0..n_heads {
        for i in 0..half {
            for s in 0..2 {
                let gguf_row = h * head_dim + 2 * i + s;
                let hf_row = h * head_dim + s * half + i;
                let (from, to) = if to_hf {
                    (gguf_row, hf_row)
                } else {
                    (hf_row, gguf_row)
                };
                out[to * row_len..(to + 1) * row_len]
                    .copy_from_slice(&data[from * row_len..(from + 1) * row_len]);
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
    if n_heads == 0 || n_kv_heads == 0 || !n_heads.is_multiple_of(n_kv_heads) {
        return Err(Error::input(
            file.path(),
            format!("invalid head counts: {n_heads} query heads, {n_kv_heads} key/value heads"),
        ));
    }
    let head_dim = match file.get(&key("attention.key_length")) {
        Some(_) => file.get_usize(&key("attention.key_length"))?,
        None => {
            if !hidden_size.is_multiple_of(n_heads) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::reader::MetaValue;
    use crate::llm::gguf::writer::GgufWriter;

    #[test]
    fn permutation_matches_llama_cpp_convert_on_a_hand_example() {
        // One head of dim 4: reshape(1, 2, 2, 1).swapaxes(1, 2) puts HF rows 0,2,1,3 in order.
        let hf = [10.0, 11.0, 12.0, 13.0];
        assert_eq!(permute_rows(&hf, 1, 4, 1), [10.0, 12.0, 11.0, 13.0]);
        assert_eq!(unpermute_rows(&[10.0, 12.0, 11.0, 13.0], 1, 4, 1), hf);
        // Two heads of dim 6 with rows of 2: a round trip restores every row.
        let data: Vec<f32> = (0..24).map(|i| i as f32).collect();
        let permuted = permute_rows(&data, 2, 6, 2);
        assert_eq!(&permuted[..6], &[0.0, 1.0, 6.0, 7.0, 2.0, 3.0]);
        assert_eq!(unpermute_rows(&permuted, 2, 6, 2), data);
    }

    fn minimal_model(arch: &str, with_bias: bool) -> GgufWriter {
        let (hidden, heads, kv_heads) = (64usize, 4usize, 2usize);
        let head_dim = hidden / heads;
        let mut w = GgufWriter::new();
        let u = |v: usize| MetaValue::U32(v as u32);
        w.add_metadata("general.architecture", MetaValue::String(arch.into()))
            .add_metadata(format!("{arch}.block_count"), u(1))
            .add_metadata(format!("{arch}.context_length"), u(128))
            .add_metadata(format!("{arch}.embedding_length"), u(hidden))
            .add_metadata(format!("{arch}.feed_forward_length"), u(96))
            .add_metadata(format!("{arch}.attention.head_count"), u(heads))
            .add_metadata(format!("{arch}.attention.head_count_kv"), u(kv_heads))
            .add_metadata(
                format!("{arch}.attention.layer_norm_rms_epsilon"),
                MetaValue::F32(1e-6),
            )
            .add_metadata(
                "tokenizer.ggml.tokens",
                MetaValue::Array(
                    (0..10)
                        .map(|i| MetaValue::String(format!("t{i}")))
                        .collect(),
                ),
            )
            .add_metadata("tokenizer.ggml.eos_token_id", u(3))
            .add_metadata("tokenizer.ggml.eot_token_id", u(4));
        let ramp = |n: usize| (0..n).map(|i| i as f32).collect::<Vec<f32>>();
        w.add_tensor(
            "token_embd.weight",
            &[10, hidden],
            &ramp(10 * hidden),
            GgmlType::F32,
        )
        .unwrap();
        let hf_q = ramp(hidden * hidden);
        let hf_k = ramp(kv_heads * head_dim * hidden);
        let (q, k) = if arch == "qwen2" {
            (hf_q, hf_k)
        } else {
            (
                permute_rows(&hf_q, heads, head_dim, hidden),
                permute_rows(&hf_k, kv_heads, head_dim, hidden),
            )
        };
        w.add_tensor("blk.0.attn_q.weight", &[hidden, hidden], &q, GgmlType::F32)
            .unwrap();
        w.add_tensor("blk.0.attn_k.weight", &[32, hidden], &k, GgmlType::F32)
            .unwrap();
        if with_bias {
            let bias = ramp(hidden);
            let bias = if arch == "qwen2" {
                bias
            } else {
                permute_rows(&bias, heads, head_dim, 1)
            };
            w.add_tensor("blk.0.attn_q.bias", &[hidden], &bias, GgmlType::F32)
                .unwrap();
        }
        w.add_tensor(
            "output.weight",
            &[10, hidden],
            &ramp(10 * hidden),
            GgmlType::F32,
        )
        .unwrap();
        w
    }

    fn open(writer: &GgufWriter) -> Result<GgufWeights> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.gguf");
        writer.write(&path).unwrap();
        GgufWeights::open(&path)
    }

    #[test]
    fn q_and_k_come_back_in_hugging_face_order() {
        for arch in ["llama", "mistral", "qwen2"] {
            let weights = open(&minimal_model(arch, true)).unwrap();
            let config = weights.config();
            assert_eq!(config.architecture, arch);
            assert!(!config.tie_word_embeddings && config.attention_bias);
            assert_eq!(config.eos_token_ids, [3, 4]);
            assert_eq!(config.rope_theta, 10_000.0, "default rope base");
            assert_eq!(config.rms_norm_eps, 1e-6);
            let ramp = |n: usize| (0..n).map(|i| i as f32).collect::<Vec<f32>>();
            let q = weights.tensor("blk.0.attn_q.weight").unwrap();
            assert_eq!(q.shape, [64, 64]);
            assert_eq!(q.data, ramp(64 * 64), "{arch} q");
            assert_eq!(
                weights.tensor("blk.0.attn_k.weight").unwrap().data,
                ramp(32 * 64)
            );
            assert_eq!(weights.tensor("blk.0.attn_q.bias").unwrap().data, ramp(64));
            // Other tensors are never reordered.
            assert_eq!(weights.tensor("output.weight").unwrap().data, ramp(640));
            assert_eq!(weights.qk_permuted(), arch != "qwen2");
        }
    }

    #[test]
    fn raw_blocks_reordered_losslessly_match_dequantized_tensors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        crate::llm::gguf::write_tiny_llama(&path, 5).unwrap();
        let weights = GgufWeights::open(&path).unwrap();
        for name in [
            "blk.0.attn_q.weight",
            "blk.1.attn_k.weight",
            "blk.0.attn_v.weight",
        ] {
            let (info, bytes) = weights.raw_tensor_hf_order(name).unwrap();
            assert_eq!(info.ggml_type, GgmlType::Q4_1);
            let from_raw = dequantize(info.ggml_type, &bytes).unwrap();
            assert_eq!(from_raw, weights.tensor(name).unwrap().data, "{name}");
        }
        let (_, ty, stored) = weights.raw_tensor("blk.0.attn_q.weight").unwrap();
        assert_eq!(ty, GgmlType::Q4_1);
        let (_, reordered) = weights.raw_tensor_hf_order("blk.0.attn_q.weight").unwrap();
        assert_ne!(stored, &reordered[..], "Q rows must move");
    }

    #[test]
    fn unsupported_architecture_and_missing_keys_are_named() {
        let err = open(&minimal_model("gpt2", false)).unwrap_err().to_string();
        assert!(
            err.contains("unsupported model architecture `gpt2`"),
            "{err}"
        );
        let mut w = GgufWriter::new();
        w.add_metadata("general.architecture", MetaValue::String("llama".into()));
        let err = open(&w).unwrap_err().to_string();
        assert!(
            err.contains("missing metadata key `llama.block_count`"),
            "{err}"
        );
        let weights = open(&minimal_model("llama", false)).unwrap();
        let err = weights
            .tensor("blk.9.ffn_up.weight")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no tensor `blk.9.ffn_up.weight`"), "{err}");
    }

    /// Values from the `gguf` Python package (llama.cpp's reference reader) on the same file,
    /// written with all the digits Python printed.
    #[test]
    #[allow(clippy::excessive_precision)]
    fn real_smollm2_matches_reference_dequantization() {
        let Some(path) = crate::llm::gguf::real_gguf_or_skip("real_smollm2_matches_reference")
        else {
            return;
        };
        let weights = GgufWeights::open(&path).unwrap();
        let c = weights.config();
        assert_eq!(c.architecture, "llama");
        assert_eq!(
            (c.n_layers, c.hidden_size, c.intermediate_size),
            (30, 576, 1536)
        );
        assert_eq!((c.n_heads, c.n_kv_heads, c.head_dim), (9, 3, 64));
        assert_eq!((c.context_length, c.vocab_size), (8192, 49152));
        assert_eq!(c.rope_theta, 100_000.0);
        assert!((c.rms_norm_eps - 1e-5).abs() < 1e-9);
        assert!(c.tie_word_embeddings && !c.attention_bias);
        assert_eq!((c.bos_token_id, c.pad_token_id), (Some(1), Some(2)));
        assert_eq!(c.eos_token_ids, [2]);

        let check = |name: &str, sum: f64, abs_sum: f64, at: &[(usize, f32)]| {
            let t = weights.tensor_stored_order(name).unwrap();
            let s: f64 = t.data.iter().map(|&v| f64::from(v)).sum();
            let a: f64 = t.data.iter().map(|&v| f64::from(v).abs()).sum();
            assert!((s - sum).abs() < 1e-6 * abs_sum, "{name}: sum {s} vs {sum}");
            assert!(
                (a - abs_sum).abs() < 1e-6 * abs_sum,
                "{name}: abs {a} vs {abs_sum}"
            );
            for &(i, v) in at {
                assert_eq!(t.data[i], v, "{name}[{i}]");
            }
        };
        let embd = weights.tensor_info("token_embd.weight").unwrap();
        assert_eq!(embd.ggml_type, GgmlType::Q8_0);
        check(
            "token_embd.weight",
            -15353.04449415207,
            2802153.619805813,
            &[
                (0, -0.106_544_494_628_906_25),
                (17, 0.083_713_531_494_140_62),
                (28311551, -0.041_702_270_507_812_5),
            ],
        );
        check(
            "blk.0.attn_q.weight",
            59.22322082519531,
            63395.39872741699,
            &[
                (1, 0.157_348_632_812_5),
                (1000, -0.138_427_734_375),
                (331775, -0.255_859_375),
            ],
        );
        check(
            "blk.3.ffn_down.weight",
            81.66989135742188,
            129601.88104248047,
            &[(1, -0.246_093_75), (884735, 0.357_543_945_312_5)],
        );
        check(
            "blk.0.attn_norm.weight",
            0.6129436492919922,
            f64::from(
                weights
                    .tensor_stored_order("blk.0.attn_norm.weight")
                    .unwrap()
                    .data
                    .iter()
                    .map(|v| v.abs())
                    .sum::<f32>(),
            ),
            &[
                (0, 0.013_977_050_781_25),
                (17, 0.173_828_125),
                (575, -0.038_330_078_125),
            ],
        );
        // Un-permuted rows (column 5), from numpy's inverse of the convert permutation.
        let q = weights.tensor("blk.0.attn_q.weight").unwrap();
        for (row, v) in [
            (1, -0.298_461_914_062_5),
            (32, 0.184_692_382_812_5),
            (33, -0.062_805_175_781_25),
            (104, 0.013_671_875),
        ] {
            assert_eq!(q.data[row * 576 + 5], v, "q row {row}");
        }
        let k = weights.tensor("blk.0.attn_k.weight").unwrap();
        assert_eq!(k.shape, [192, 576]);
        for (row, v) in [
            (0, 0.175_048_828_125),
            (1, 0.427_368_164_062_5),
            (33, 0.229_553_222_656_25),
            (191, 0.465_942_382_812_5),
        ] {
            assert_eq!(k.data[row * 576 + 5], v, "k row {row}");
        }

        let start = std::time::Instant::now();
        let mut total = 0usize;
        for info in weights.file().tensors() {
            total += weights.tensor(&info.name).unwrap().data.len();
        }
        eprintln!(
            "dequantized {} tensors ({total} values) in {:?}",
            weights.file().tensors().len(),
            start.elapsed()
        );
        assert_eq!(total, 134_515_008);
    }
}
