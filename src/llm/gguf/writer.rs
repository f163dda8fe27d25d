//! A small GGUF v3 writer (metadata + F32/F16/Q8_0/Q4_1 tensors) and [`write_tiny_llama`], a
//! seeded, llama-shaped toy model that tests can build without downloading anything.
use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::quantize::{quantize_q4_1, quantize_q8_0, to_f16_bytes, to_f32_bytes};
use super::reader::{MetaValue, DEFAULT_ALIGNMENT, GGUF_MAGIC};
use super::types::GgmlType;
use super::weights::permute_rows;
use crate::error::{Error, Result};

struct PendingTensor {
    name: String,
    /// ggml order (innermost first).
    dims: Vec<u64>,
    ggml_type: GgmlType,
    bytes: Vec<u8>,
}

/// Collects metadata and tensors, then writes them as one GGUF v3 file.
#[derive(Default)]
pub struct GgufWriter {
    metadata: Vec<(String, MetaValue)>,
    tensors: Vec<PendingTensor>,
}

impl GgufWriter {
    pub fn new() -> GgufWriter {
        GgufWriter::default()
    }

    pub fn add_metadata(&mut self, key: impl Into<String>, value: MetaValue) -> &mut Self {
        self.metadata.push((key.into(), value));
        self
    }

    /// Add a tensor given in row-major `shape` (PyTorch order), stored as `ggml_type`
    /// (F32, F16, Q8_0 or Q4_1; quantized types need a last dimension divisible by 32).
    pub fn add_tensor(
        &mut self,
        name: impl Into<String>,
        shape: &[usize],
        data: &[f32],
        ggml_type: GgmlType,
    ) -> Result<&mut Self> {
        let name = name.into();
        let numel: usize = shape.iter().product();
        let row_len = shape.last().copied().unwrap_or(1);
        if shape.is_empty() || numel != data.len() {
            return Err(Error::Usage(format!(
                "tensor `{name}`: shape {shape:?} does not match {} values",
                data.len()
            )));
        }
        let bytes = match ggml_type {
            GgmlType::F32 => to_f32_bytes(data),
            GgmlType::F16 => to_f16_bytes(data),
            GgmlType::Q8_0 | GgmlType::Q4_1 if !row_len.is_multiple_of(32) => {
                return Err(Error::Usage(format!(
                    "tensor `{name}`: row length {row_len} is not a multiple of 32"
                )))
            }
            GgmlType::Q8_0 => quantize_q8_0(data),
            GgmlType::Q4_1 => quantize_q4_1(data),
            other => {
                return Err(Error::Usage(format!(
                    "tensor `{name}`: the GGUF writer cannot store {other}"
                )))
            }
        };
        self.tensors.push(PendingTensor {
            name,
            dims: shape.iter().rev().map(|&d| d as u64).collect(),
            ggml_type,
            bytes,
        });
        Ok(self)
    }

    /// Serialize to bytes: header, metadata, tensor infos, aligned data. The data alignment is
    /// `general.alignment` when it is a power of two, else 32.
    pub fn to_bytes(&self) -> Vec<u8> {
        let alignment = self
            .metadata
            .iter()
            .find(|(k, _)| k == "general.alignment")
            .and_then(|(_, v)| v.as_u64())
            .filter(|a| a.is_power_of_two())
            .unwrap_or(DEFAULT_ALIGNMENT) as usize;
        let mut out = Vec::new();
        out.extend_from_slice(&GGUF_MAGIC.to_le_bytes());
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.metadata.len() as u64).to_le_bytes());
        for (key, value) in &self.metadata {
            write_string(&mut out, key);
            out.extend_from_slice(&value.type_code().to_le_bytes());
            write_value(&mut out, value);
        }
        let mut offset = 0usize;
        for tensor in &self.tensors {
            write_string(&mut out, &tensor.name);
            out.extend_from_slice(&(tensor.dims.len() as u32).to_le_bytes());
            for d in &tensor.dims {
                out.extend_from_slice(&d.to_le_bytes());
            }
            out.extend_from_slice(&tensor.ggml_type.code().to_le_bytes());
            out.extend_from_slice(&(offset as u64).to_le_bytes());
            offset = (offset + tensor.bytes.len()).div_ceil(alignment) * alignment;
        }
        out.resize(out.len().div_ceil(alignment) * alignment, 0);
        for tensor in &self.tensors {
            out.extend_from_slice(&tensor.bytes);
            out.resize(out.len().div_ceil(alignment) * alignment, 0);
        }
        out
    }

    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let mut file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        file.write_all(&self.to_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(path, e))
    }
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn write_value(out: &mut Vec<u8>, value: &MetaValue) {
    match value {
        MetaValue::U8(v) => out.push(*v),
        MetaValue::I8(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::U16(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I16(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::U32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::F32(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::Bool(v) => out.push(u8::from(*v)),
        MetaValue::String(s) => write_string(out, s),
        MetaValue::Array(items) => {
            // An empty array's element type is arbitrary; readers only need a valid code.
            let elem_type = items.first().map_or(4, MetaValue::type_code);
            out.extend_from_slice(&elem_type.to_le_bytes());
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                write_value(out, item);
            }
        }
        MetaValue::U64(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::I64(v) => out.extend_from_slice(&v.to_le_bytes()),
        MetaValue::F64(v) => out.extend_from_slice(&v.to_le_bytes()),
    }
}

/// Shape of the model [`write_tiny_llama`] writes.
pub mod tiny {
    pub const N_LAYERS: usize = 2;
    pub const HIDDEN: usize = 64;
    pub const N_HEADS: usize = 4;
    pub const N_KV_HEADS: usize = 2;
    pub const HEAD_DIM: usize = HIDDEN / N_HEADS;
    pub const FFN: usize = 128;
    pub const CONTEXT: usize = 256;
    /// Special tokens, in id order.
    pub const SPECIAL_TOKENS: [&str; 3] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
    /// ChatML, as SmolLM2 uses.
    pub const CHAT_TEMPLATE: &str = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

/// BPE merges of the tiny vocabulary, in priority order (byte-level symbols: `Ġ` is a space).
const TINY_MERGES: [(&str, &str); 41] = [
    ("Ġ", "t"),
    ("h", "e"),
    ("Ġt", "he"),
    ("i", "n"),
    ("Ġ", "a"),
    ("e", "r"),
    ("o", "n"),
    ("Ġ", "s"),
    ("r", "e"),
    ("a", "t"),
    ("e", "n"),
    ("Ġ", "o"),
    ("Ġ", "c"),
    ("Ġ", "w"),
    ("o", "r"),
    ("i", "s"),
    ("Ġ", "f"),
    ("a", "n"),
    ("Ġ", "p"),
    ("Ġ", "b"),
    ("in", "g"),
    ("e", "s"),
    ("Ġ", "m"),
    ("a", "r"),
    ("Ġ", "d"),
    ("l", "l"),
    ("Ġ", "i"),
    ("o", "u"),
    ("Ġo", "f"),
    ("n", "d"),
    ("Ġa", "nd"),
    ("Ġi", "s"),
    ("Ġi", "n"),
    ("Ġt", "o"),
    ("Ċ", "Ċ"),
    ("Ġ", "Ġ"),
    ("a", "l"),
    ("i", "t"),
    ("Ġ", "h"),
    ("e", "d"),
    ("Ġ", "P"),
];

/// GPT-2's byte-to-unicode table: printable bytes map to themselves, the rest to U+0100 and up.
pub fn byte_level_alphabet() -> Vec<char> {
    let printable =
        |b: u32| (33..=126).contains(&b) || (161..=172).contains(&b) || (174..=255).contains(&b);
    let mut extra = 0u32;
    (0u32..256)
        .map(|b| {
            if printable(b) {
                char::from_u32(b).unwrap_or('?')
            } else {
                extra += 1;
                char::from_u32(255 + extra).unwrap_or('?')
            }
        })
        .collect()
}

/// Write a tiny llama-architecture GGUF (2 layers, hidden 64, 4 heads, 2 KV heads, ~300-token
/// byte-level BPE vocabulary, ChatML template) with random weights drawn from `seed`.
/// Storage mirrors SmolLM2's file: Q8_0 tied embeddings, Q4_1 projections, F32 norms, and Q/K
/// rows permuted as llama.cpp's converter does.
pub fn write_tiny_llama(path: impl AsRef<Path>, seed: u64) -> Result<()> {
    use tiny::*;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    let mut tokens: Vec<String> = SPECIAL_TOKENS.iter().map(|s| s.to_string()).collect();
    tokens.extend(byte_level_alphabet().iter().map(char::to_string));
    let mut merges = Vec::new();
    for (left, right) in TINY_MERGES {
        let merged = format!("{left}{right}");
        if !tokens.contains(&merged) {
            tokens.push(merged);
        }
        merges.push(MetaValue::String(format!("{left} {right}")));
    }
    let vocab = tokens.len();
    let token_types = (0..vocab)
        .map(|i| MetaValue::I32(if i < SPECIAL_TOKENS.len() { 3 } else { 1 }))
        .collect();

    let mut w = GgufWriter::new();
    let s = |v: &str| MetaValue::String(v.to_string());
    let u = |v: usize| MetaValue::U32(v as u32);
    w.add_metadata("general.architecture", s("llama"))
        .add_metadata("general.name", s("pressgate tiny llama"))
        .add_metadata("general.alignment", MetaValue::U32(32))
        .add_metadata("llama.block_count", u(N_LAYERS))
        .add_metadata("llama.context_length", u(CONTEXT))
        .add_metadata("llama.embedding_length", u(HIDDEN))
        .add_metadata("llama.feed_forward_length", u(FFN))
        .add_metadata("llama.attention.head_count", u(N_HEADS))
        .add_metadata("llama.attention.head_count_kv", u(N_KV_HEADS))
        .add_metadata("llama.rope.freq_base", MetaValue::F32(10_000.0))
        .add_metadata("llama.rope.dimension_count", u(HEAD_DIM))
        .add_metadata(
            "llama.attention.layer_norm_rms_epsilon",
            MetaValue::F32(1e-5),
        )
        .add_metadata("llama.vocab_size", u(vocab))
        .add_metadata("tokenizer.ggml.model", s("gpt2"))
        .add_metadata("tokenizer.ggml.pre", s("smollm"))
        .add_metadata(
            "tokenizer.ggml.tokens",
            MetaValue::Array(tokens.into_iter().map(MetaValue::String).collect()),
        )
        .add_metadata("tokenizer.ggml.token_type", MetaValue::Array(token_types))
        .add_metadata("tokenizer.ggml.merges", MetaValue::Array(merges))
        .add_metadata("tokenizer.ggml.bos_token_id", MetaValue::U32(1))
        .add_metadata("tokenizer.ggml.eos_token_id", MetaValue::U32(2))
        .add_metadata("tokenizer.ggml.unknown_token_id", MetaValue::U32(0))
        .add_metadata("tokenizer.ggml.padding_token_id", MetaValue::U32(2))
        .add_metadata("tokenizer.ggml.add_bos_token", MetaValue::Bool(false))
        .add_metadata("tokenizer.chat_template", s(CHAT_TEMPLATE));

    let mut uniform = |n: usize, scale: f32| -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-scale..scale)).collect()
    };
    let kv_dim = N_KV_HEADS * HEAD_DIM;
    let proj_scale = 1.0 / (HIDDEN as f32).sqrt();
    w.add_tensor(
        "token_embd.weight",
        &[vocab, HIDDEN],
        &uniform(vocab * HIDDEN, 1.0),
        GgmlType::Q8_0,
    )?;
    for layer in 0..N_LAYERS {
        let name = |t: &str| format!("blk.{layer}.{t}");
        let norm = |r: Vec<f32>| r.iter().map(|v| 1.0 + v).collect::<Vec<f32>>();
        w.add_tensor(
            name("attn_norm.weight"),
            &[HIDDEN],
            &norm(uniform(HIDDEN, 0.1)),
            GgmlType::F32,
        )?;
        let q = uniform(HIDDEN * HIDDEN, proj_scale);
        let q = permute_rows(&q, N_HEADS, HEAD_DIM, HIDDEN);
        w.add_tensor(name("attn_q.weight"), &[HIDDEN, HIDDEN], &q, GgmlType::Q4_1)?;
        let k = uniform(kv_dim * HIDDEN, proj_scale);
        let k = permute_rows(&k, N_KV_HEADS, HEAD_DIM, HIDDEN);
        w.add_tensor(name("attn_k.weight"), &[kv_dim, HIDDEN], &k, GgmlType::Q4_1)?;
        w.add_tensor(
            name("attn_v.weight"),
            &[kv_dim, HIDDEN],
            &uniform(kv_dim * HIDDEN, proj_scale),
            GgmlType::Q4_1,
        )?;
        w.add_tensor(
            name("attn_output.weight"),
            &[HIDDEN, HIDDEN],
            &uniform(HIDDEN * HIDDEN, proj_scale),
            GgmlType::Q4_1,
        )?;
        w.add_tensor(
            name("ffn_norm.weight"),
            &[HIDDEN],
            &norm(uniform(HIDDEN, 0.1)),
            GgmlType::F32,
        )?;
        for proj in ["ffn_gate.weight", "ffn_up.weight"] {
            w.add_tensor(
                name(proj),
                &[FFN, HIDDEN],
                &uniform(FFN * HIDDEN, proj_scale),
                GgmlType::Q4_1,
            )?;
        }
        w.add_tensor(
            name("ffn_down.weight"),
            &[HIDDEN, FFN],
            &uniform(HIDDEN * FFN, 1.0 / (FFN as f32).sqrt()),
            GgmlType::Q4_1,
        )?;
    }
    w.add_tensor(
        "output_norm.weight",
        &[HIDDEN],
        &uniform(HIDDEN, 0.1)
            .iter()
            .map(|v| 1.0 + v)
            .collect::<Vec<_>>(),
        GgmlType::F32,
    )?;
    w.write(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::reader::GgufFile;
    use crate::llm::gguf::weights::GgufWeights;
    use crate::llm::weights::WeightSource;

    fn sample_writer() -> GgufWriter {
        let mut w = GgufWriter::new();
        w.add_metadata("a.u8", MetaValue::U8(7))
            .add_metadata("a.i8", MetaValue::I8(-7))
            .add_metadata("a.u16", MetaValue::U16(60_000))
            .add_metadata("a.i16", MetaValue::I16(-30_000))
            .add_metadata("a.u32", MetaValue::U32(4_000_000_000))
            .add_metadata("a.i32", MetaValue::I32(-2_000_000_000))
            .add_metadata("a.f32", MetaValue::F32(1.5))
            .add_metadata("a.bool", MetaValue::Bool(true))
            .add_metadata("a.str", MetaValue::String("héllo ✓".into()))
            .add_metadata("a.u64", MetaValue::U64(u64::MAX))
            .add_metadata("a.i64", MetaValue::I64(i64::MIN))
            .add_metadata("a.f64", MetaValue::F64(-0.125))
            .add_metadata(
                "a.strs",
                MetaValue::Array(vec![
                    MetaValue::String("x".into()),
                    MetaValue::String(String::new()),
                ]),
            )
            .add_metadata(
                "a.nested",
                MetaValue::Array(vec![
                    MetaValue::Array(vec![MetaValue::I32(1), MetaValue::I32(-2)]),
                    MetaValue::Array(vec![MetaValue::I32(3)]),
                ]),
            );
        let ramp: Vec<f32> = (0..64 * 3).map(|i| (i as f32 - 90.0) / 16.0).collect();
        w.add_tensor("t.f32", &[3, 64], &ramp, GgmlType::F32)
            .unwrap();
        w.add_tensor("t.f16", &[3, 64], &ramp, GgmlType::F16)
            .unwrap();
        w.add_tensor("t.q8_0", &[3, 64], &ramp, GgmlType::Q8_0)
            .unwrap();
        w.add_tensor("t.q4_1", &[3, 64], &ramp, GgmlType::Q4_1)
            .unwrap();
        w.add_tensor("t.vec", &[5], &[1.0, 2.0, 3.0, 4.0, 5.0], GgmlType::F32)
            .unwrap();
        w
    }

    #[test]
    fn write_then_read_round_trips_metadata_and_tensors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.gguf");
        let writer = sample_writer();
        writer.write(&path).unwrap();
        let file = GgufFile::open(&path).unwrap();
        assert_eq!(file.version(), 3);
        assert_eq!(file.alignment(), 32);
        assert_eq!(file.metadata(), &writer.metadata[..]);
        assert_eq!(file.get_u32("a.u32").unwrap(), 4_000_000_000);
        assert_eq!(file.get_f32("a.f64").unwrap(), -0.125);
        assert_eq!(file.get_str("a.str").unwrap(), "héllo ✓");
        assert!(file.get_bool("a.bool").unwrap());
        assert_eq!(file.get_str_array("a.strs").unwrap(), ["x", ""]);
        let err = file.get_u32("a.str").unwrap_err().to_string();
        assert!(err.contains("`a.str` should be an integer"), "{err}");
        let err = file.get_str("missing.key").unwrap_err().to_string();
        assert!(err.contains("missing metadata key `missing.key`"), "{err}");

        let ramp: Vec<f32> = (0..64 * 3).map(|i| (i as f32 - 90.0) / 16.0).collect();
        for (name, pending) in ["t.f32", "t.f16", "t.q8_0", "t.q4_1", "t.vec"]
            .iter()
            .zip(&writer.tensors)
        {
            let info = file.tensor_info(name).unwrap();
            assert_eq!(info.dims, pending.dims);
            assert_eq!(info.ggml_type, pending.ggml_type);
            assert_eq!(info.offset % 32, 0);
            assert_eq!(file.tensor_bytes(info), &pending.bytes[..], "{name}");
        }
        let read = |name: &str| {
            let info = file.tensor_info(name).unwrap();
            crate::llm::gguf::dequant::dequantize(info.ggml_type, file.tensor_bytes(info)).unwrap()
        };
        // Multiples of 1/16 are exact in f16.
        assert_eq!(read("t.f32"), ramp);
        assert_eq!(read("t.f16"), ramp);
        assert_eq!(read("t.vec"), [1.0, 2.0, 3.0, 4.0, 5.0]);
        for (name, tolerance) in [("t.q8_0", 0.03), ("t.q4_1", 0.2)] {
            for (a, b) in read(name).iter().zip(&ramp) {
                assert!((a - b).abs() < tolerance, "{name}: {a} vs {b}");
            }
        }
        assert_eq!(file.tensor_info("t.q4_1").unwrap().shape(), [3, 64]);
    }

    #[test]
    fn general_alignment_is_honoured() {
        let mut w = sample_writer();
        w.add_metadata("general.alignment", MetaValue::U32(64));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aligned.gguf");
        w.write(&path).unwrap();
        let file = GgufFile::open(&path).unwrap();
        assert_eq!(file.alignment(), 64);
        assert_eq!(file.data_offset() % 64, 0);
        for (info, pending) in file.tensors().iter().zip(&w.tensors) {
            assert_eq!(info.offset % 64, 0, "{}", info.name);
            assert_eq!(file.tensor_bytes(info), &pending.bytes[..]);
        }
        let mut bad = sample_writer();
        bad.add_metadata("general.alignment", MetaValue::U32(48));
        let err = open_bytes(&bad.to_bytes()).unwrap_err().to_string();
        assert!(
            err.contains("general.alignment must be a power of two"),
            "{err}"
        );
    }

    fn open_bytes(bytes: &[u8]) -> Result<GgufFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.gguf");
        std::fs::write(&path, bytes).unwrap();
        GgufFile::open(&path)
    }

    fn open_err(bytes: &[u8]) -> String {
        let err = open_bytes(bytes).unwrap_err();
        assert!(matches!(err, Error::Input { .. }), "{err:?}");
        err.to_string()
    }

    #[test]
    fn malformed_headers_give_clear_input_errors() {
        let good = sample_writer().to_bytes();
        let mut bad_magic = good.clone();
        bad_magic[0..4].copy_from_slice(b"GGML");
        assert!(open_err(&bad_magic).contains("not a GGUF file"));

        let mut v1 = good.clone();
        v1[4..8].copy_from_slice(&1u32.to_le_bytes());
        assert!(open_err(&v1).contains("unsupported GGUF version 1"));

        let mut huge_tensors = good.clone();
        huge_tensors[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(open_err(&huge_tensors).contains("tensor infos cannot fit"));

        let mut huge_kv = good.clone();
        huge_kv[16..24].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(open_err(&huge_kv).contains("metadata entries cannot fit"));

        // The first key's length claims more bytes than the file has.
        let mut huge_string = good.clone();
        huge_string[24..32].copy_from_slice(&(1u64 << 50).to_le_bytes());
        assert!(open_err(&huge_string).contains("claims"));

        assert!(open_err(&good[..10]).contains("shorter than the 24-byte header"));

        // One u8 array just over the element cap, written by hand (16 MiB, not 512 MiB of values).
        let count = (16u64 << 20) + 1;
        let mut big = Vec::new();
        big.extend_from_slice(&GGUF_MAGIC.to_le_bytes());
        big.extend_from_slice(&3u32.to_le_bytes());
        big.extend_from_slice(&0u64.to_le_bytes());
        big.extend_from_slice(&1u64.to_le_bytes());
        write_string(&mut big, "big");
        big.extend_from_slice(&9u32.to_le_bytes());
        big.extend_from_slice(&0u32.to_le_bytes());
        big.extend_from_slice(&count.to_le_bytes());
        big.resize(big.len() + count as usize, 0);
        assert!(open_err(&big).contains("metadata arrays hold more than"));
        let cut = good.len() - 40;
        assert!(open_err(&good[..cut]).contains("truncated"));
    }

    #[test]
    fn out_of_range_tensor_offset_is_rejected() {
        let mut w = GgufWriter::new();
        w.add_tensor("x", &[32], &[0.5; 32], GgmlType::F32).unwrap();
        let mut bytes = w.to_bytes();
        // The only tensor's offset is the last 8 bytes of its info, just before the padding.
        let info_end = 24 + 8 + 1 + 4 + 8 + 4 + 8;
        bytes[info_end - 8..info_end].copy_from_slice(&(1u64 << 20).to_le_bytes());
        assert!(open_err(&bytes).contains("tensor `x` needs bytes"));
        bytes[info_end - 8..info_end].copy_from_slice(&3u64.to_le_bytes());
        assert!(open_err(&bytes).contains("not a multiple of the alignment"));
    }

    #[test]
    fn every_truncation_and_many_corruptions_fail_without_panicking() {
        let good = sample_writer().to_bytes();
        // The last tensor (5 f32) ends 12 bytes before the padded end of the file.
        let data_end = good.len() - 12;
        let header_end = open_bytes(&good).unwrap().data_offset() as usize;
        for len in 0..data_end {
            assert!(
                open_bytes(&good[..len]).is_err(),
                "prefix of {len} bytes opened"
            );
        }
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..4 {
                let at = rng.random_range(0..header_end);
                bytes[at] = rng.random();
            }
            // Either outcome is fine; it must not panic or allocate absurdly.
            let _ = open_bytes(&bytes);
        }
    }

    #[test]
    fn tiny_llama_loads_as_weight_source() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        write_tiny_llama(&path, 42).unwrap();
        let weights = GgufWeights::open(&path).unwrap();
        let config = weights.config();
        assert_eq!(config.architecture, "llama");
        assert_eq!(
            (
                config.n_layers,
                config.hidden_size,
                config.intermediate_size
            ),
            (2, 64, 128)
        );
        assert_eq!(
            (config.n_heads, config.n_kv_heads, config.head_dim),
            (4, 2, 16)
        );
        assert_eq!(config.vocab_size, 3 + 256 + TINY_MERGES.len());
        assert!(config.tie_word_embeddings);
        assert!(!config.attention_bias);
        assert_eq!(config.eos_token_ids, [2]);
        assert_eq!(
            (config.bos_token_id, config.pad_token_id),
            (Some(1), Some(2))
        );
        assert_eq!(config.rope_theta, 10_000.0);
        let k = weights.tensor("blk.1.attn_k.weight").unwrap();
        assert_eq!(k.shape, [32, 64]);
        assert!(k.data.iter().all(|v| v.is_finite() && v.abs() < 0.2));
        assert!(!weights.has_tensor("output.weight"));

        // Same seed, same bytes; another seed, other weights.
        let again = dir.path().join("again.gguf");
        write_tiny_llama(&again, 42).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
        write_tiny_llama(&again, 43).unwrap();
        assert_ne!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
    }
}
