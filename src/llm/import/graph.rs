//! The llama decoder graph with onnxruntime-genai's names and contrib ops:
//! `SimplifiedLayerNormalization` / `SkipSimplifiedLayerNormalization` for RMSNorm,
//! `GroupQueryAttention` with rotary embedding inside, `MatMulNBits` for quantized linears.
use super::block_min_fusion::{self, BlockMinLinear};
use super::onnx_writer::{Attr, Dim, GraphWriter, VariantFile};
use super::quant::{
    quantize_blocks, quantize_per_channel_i8, repack_stored_blocks, split_q8_0_into_nibbles,
    transpose, BlockQuantized, Quant, BLOCK_SIZE, DEFAULT_ZERO_POINT_4BIT,
};
use crate::error::{Error, Result};
use crate::llm::head_less;
use crate::llm::weights::{BlockFormat, LlamaConfig, StoredBlocks, WeightSource};
use onnx_protobuf::tensor_proto::DataType;
use std::collections::HashMap;
use std::path::Path;

const MS: &str = "com.microsoft";

/// Graph input and output names (onnxruntime-genai's convention).
pub const INPUT_IDS: &str = "input_ids";
pub const ATTENTION_MASK: &str = "attention_mask";
pub const LOGITS: &str = "logits";
/// Output of the head-less variant: the final normed hidden state.
pub const HIDDEN_STATES: &str = "hidden_states";
/// Name prefix of the LM head's nodes and initializers (`lm_head.qweight`, `lm_head.scales`).
pub const LM_HEAD: &str = "lm_head";
/// The full graph's file name (genai_config.json's `decoder.filename`).
pub const MODEL_FILE: &str = "model.onnx";
pub const PAST_KEY: &str = "past_key_values.%d.key";
pub const PAST_VALUE: &str = "past_key_values.%d.value";
pub const PRESENT_KEY: &str = "present.%d.key";
pub const PRESENT_VALUE: &str = "present.%d.value";

/// Flat rows' Reshape targets: `[-1]` (token ids), `[batch, seq, -1]` (back to batches) and
/// `[-1, q_size]` (attention output to rows).
const SHAPE_ALL: &str = "shape/all";
const SHAPE_BATCH_SEQ: &str = "shape/batch_seq";
const SHAPE_ATTN_ROWS: &str = "shape/attn_rows";
/// All of them, for [`block_min_fusion::unflatten_rows`].
const FLAT_ROW_SHAPES: [&str; 3] = [SHAPE_ALL, SHAPE_BATCH_SEQ, SHAPE_ATTN_ROWS];

/// Replace genai's `%d` placeholder with a layer index.
pub fn layer_name(pattern: &str, layer: usize) -> String {
    pattern.replace("%d", &layer.to_string())
}

/// Which contrib op carries int8 weights. On SmolLM2-135M with ONNX Runtime 1.32, 8-bit
/// MatMulNBits (int8 activations) answered chat prompts with garbage, with or without zero
/// points, and its f32-activation path ran at about 1 token/s; DynamicQuantizeMatMul
/// (per-channel weights, activations quantized per tensor, i.e. per token when decoding)
/// answers correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Int8Kernel {
    /// Per-output-channel int8 weights, activations quantized per tensor at run time.
    #[default]
    DynamicQuantizeMatMul,
    /// 8-bit MatMulNBits blocks of 32 (symmetric).
    MatMulNBits,
}

/// Options for the exported graph.
#[derive(Debug, Clone, Copy)]
pub struct GraphOptions {
    pub quant: Quant,
    /// MatMulNBits `accuracy_level` of the decoder layers: 4 lets the CPU quantize activations
    /// to int8 per block of 32 (fast), 1 keeps them f32. int4 defaults to 1: its weights are the
    /// source's own blocks, and int8 activations in the layers alone cost SmolLM2-135M Q4_1's
    /// top-1 agreement with the f32 reference 1.000 → 0.852. Other encodings default to 4.
    pub accuracy_level: i64,
    /// `accuracy_level` of the LM head alone. With 4 a Q8_0 head stays 8-bit (int8
    /// activations); otherwise it is split into two exact 4-bit halves (f32 activations).
    /// int4 defaults to 1: on SmolLM2-135M the 8-bit head gives agreement 0.985 instead of
    /// 1.000, and one of the flipped tokens is the first word of the answer to "What is the
    /// capital of France?" ("L'Étoile, ..." instead of "The capital of France is Paris").
    pub head_accuracy_level: i64,
    pub int8_kernel: Int8Kernel,
    /// int4: carry weights stored as Q4_0 / Q4_1 / Q8_0 over unchanged (4- or 8-bit
    /// MatMulNBits) instead of re-quantizing them.
    pub keep_stored_blocks: bool,
}

impl GraphOptions {
    pub fn new(quant: Quant) -> Self {
        GraphOptions {
            quant,
            accuracy_level: if quant == Quant::Int4 { 1 } else { 4 },
            head_accuracy_level: if quant == Quant::Int4 { 1 } else { 4 },
            int8_kernel: Int8Kernel::default(),
            keep_stored_blocks: true,
        }
    }
}

fn check_config(config: &LlamaConfig) -> Result<()> {
    let problems = [
        (config.n_layers == 0, "no layers"),
        (
            config.n_heads == 0 || config.n_kv_heads == 0,
            "zero attention heads",
        ),
        (
            config.n_kv_heads > 0 && !config.n_heads.is_multiple_of(config.n_kv_heads),
            "attention heads not a multiple of KV heads",
        ),
        (
            config.head_dim == 0 || !config.head_dim.is_multiple_of(2),
            "head dimension must be even",
        ),
        (config.vocab_size == 0, "empty vocabulary"),
        (config.context_length == 0, "zero context length"),
    ];
    match problems.iter().find(|(bad, _)| *bad) {
        Some((_, what)) => Err(Error::Other(anyhow::anyhow!(
            "unsupported model configuration: {what}"
        ))),
        None => Ok(()),
    }
}

fn fetch(weights: &dyn WeightSource, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let tensor = weights.tensor(name)?;
    if tensor.shape != shape || tensor.data.len() != shape.iter().product::<usize>() {
        return Err(Error::Other(anyhow::anyhow!(
            "tensor {name} has shape {:?}, expected {shape:?}",
            tensor.shape
        )));
    }
    Ok(tensor.data)
}

/// One weight (and optional bias) of a [`Builder::fused_linear`].
struct LinearPart {
    weight: String,
    bias: Option<String>,
    out: usize,
}

struct Builder<'w> {
    writer: GraphWriter,
    options: GraphOptions,
    weights: &'w dyn WeightSource,
    /// Per-block input sums already in the graph, by input name (shared by the linears that
    /// read the same input).
    block_sums: HashMap<String, String>,
    /// `accuracy_level` of the MatMulNBits nodes being written (decoder layers, then the head).
    accuracy_level: i64,
    /// Activations flow as `[batch·seq, features]` rows (see [`flat_rows_pay_off`]), so each
    /// Q4_1 minimum term is one `Gemm` (product and addition in one node).
    flat_rows: bool,
    /// Prefixes of the linears written as [`split_q8_0_into_nibbles`] halves.
    split_q8_0: Vec<String>,
    /// Q4_1 linears the head-less variant runs as one node each ([`block_min_fusion`]).
    block_min_linears: Vec<BlockMinLinear>,
}

impl Builder<'_> {
    /// `y = x W^T (+ b)` for a PyTorch-layout weight `[out, in]`; returns the output name.
    fn linear(
        &mut self,
        input: &str,
        weight_name: &str,
        bias_name: Option<&str>,
        out: usize,
        inp: usize,
        prefix: &str,
    ) -> Result<String> {
        let part = LinearPart {
            weight: weight_name.to_string(),
            bias: bias_name.map(str::to_string),
            out,
        };
        self.fused_linear(input, &[part], inp, prefix)
    }

    /// One linear over several weights that read the same input, their rows stacked (q/k/v,
    /// gate/up): one kernel call instead of several. Returns the `[.., Σ out]` output name.
    fn fused_linear(
        &mut self,
        input: &str,
        parts: &[LinearPart],
        inp: usize,
        prefix: &str,
    ) -> Result<String> {
        let out: usize = parts.iter().map(|p| p.out).sum();
        let bias = self.stacked_biases(parts)?;
        if self.options.quant == Quant::Int4 && self.options.keep_stored_blocks {
            if let Some(stored) = self.stacked_stored_blocks(parts, inp)? {
                if stored.format == BlockFormat::Q8_0 && self.accuracy_level != 4 {
                    let split = split_q8_0_into_nibbles(&stored)?;
                    let doubled = self.doubled(input)?;
                    let product = self.matmul_nbits(&doubled, &split, prefix)?;
                    self.split_q8_0.push(prefix.to_string());
                    return self.add_bias(product, bias, out, prefix);
                }
                let repacked = repack_stored_blocks(&stored)?;
                let product = self.matmul_nbits(input, &repacked.blocks, prefix)?;
                let product = match &repacked.block_mins {
                    Some(mins) => {
                        let offset_outputs =
                            self.add_block_min_term(input, &product, mins, out, inp, prefix)?;
                        let total = offset_outputs.last().cloned().unwrap_or(product.clone());
                        let params = format!("{prefix}.block_params");
                        self.writer.f32_initializer(
                            &params,
                            &[out, inp / BLOCK_SIZE, 2],
                            &block_params(&repacked.blocks, mins),
                        )?;
                        self.block_min_linears.push(BlockMinLinear {
                            input: input.to_string(),
                            qweight: format!("{prefix}.qweight"),
                            params,
                            product,
                            offset_outputs,
                            k: inp,
                            n: out,
                        });
                        total
                    }
                    None => product,
                };
                return self.add_bias(product, bias, out, prefix);
            }
        }
        let mut weight = Vec::with_capacity(out * inp);
        for part in parts {
            weight.extend(fetch(self.weights, &part.weight, &[part.out, inp])?);
        }
        let product = format!("{prefix}/out");
        if self.options.quant == Quant::Int8
            && self.options.int8_kernel == Int8Kernel::DynamicQuantizeMatMul
        {
            let q = quantize_per_channel_i8(&weight, out, inp)?;
            let (b, s) = (
                format!("{prefix}.weight_int8"),
                format!("{prefix}.weight_scale"),
            );
            self.writer.i8_initializer(&b, &[inp, out], &q.values)?;
            self.writer.f32_initializer(&s, &[out], &q.scales)?;
            // Activations are quantized per tensor at run time; weights per output channel.
            self.writer.node(
                "DynamicQuantizeMatMul",
                MS,
                &[input, &b, &s],
                &[&product],
                vec![],
            );
            return self.add_bias(product, bias, out, prefix);
        }
        let block_bits = match (self.options.quant, self.options.int8_kernel) {
            (Quant::Int8, Int8Kernel::MatMulNBits) => Some(8),
            (quant, _) => quant.block_bits(),
        };
        match block_bits {
            Some(bits) => {
                let q = quantize_blocks(&weight, out, inp, bits)?;
                let product = self.matmul_nbits(input, &q, prefix)?;
                return self.add_bias(product, bias, out, prefix);
            }
            None => {
                let transposed = transpose(&weight, out, inp);
                let w = format!("{prefix}.weight");
                if self.options.quant == Quant::Fp16 {
                    // Stored as fp16; ONNX Runtime folds the constant Cast at load time.
                    let half = format!("{prefix}.weight_fp16");
                    self.writer
                        .f16_initializer(&half, &[inp, out], &transposed)?;
                    self.writer.node(
                        "Cast",
                        "",
                        &[&half],
                        &[&w],
                        vec![("to", Attr::Int(DataType::FLOAT as i64))],
                    );
                } else {
                    self.writer.f32_initializer(&w, &[inp, out], &transposed)?;
                }
                self.writer
                    .node("MatMul", "", &[input, &w], &[&product], vec![]);
            }
        }
        self.add_bias(product, bias, out, prefix)
    }

    /// The parts' stored blocks stacked row-wise, when every part has them in one format.
    fn stacked_stored_blocks(
        &self,
        parts: &[LinearPart],
        inp: usize,
    ) -> Result<Option<StoredBlocks>> {
        let mut stacked: Option<StoredBlocks> = None;
        for part in parts {
            let Some(stored) = self.weights.stored_blocks(&part.weight)? else {
                return Ok(None);
            };
            if (stored.rows, stored.cols) != (part.out, inp) {
                return Err(Error::Other(anyhow::anyhow!(
                    "tensor {} has shape [{}, {}], expected [{}, {inp}]",
                    part.weight,
                    stored.rows,
                    stored.cols,
                    part.out
                )));
            }
            match stacked.as_mut() {
                None => stacked = Some(stored),
                Some(all) if all.format == stored.format => {
                    all.rows += stored.rows;
                    all.bytes.extend_from_slice(&stored.bytes);
                }
                Some(_) => return Ok(None),
            }
        }
        Ok(stacked)
    }

    /// The parts' biases stacked (zeros for a part without one); `None` when no part has one.
    fn stacked_biases(&self, parts: &[LinearPart]) -> Result<Option<Vec<f32>>> {
        if parts.iter().all(|p| p.bias.is_none()) {
            return Ok(None);
        }
        let mut bias = Vec::new();
        for part in parts {
            match &part.bias {
                Some(name) => bias.extend(fetch(self.weights, name, &[part.out])?),
                None => bias.extend(std::iter::repeat_n(0.0, part.out)),
            }
        }
        Ok(Some(bias))
    }

    /// A MatMulNBits node over `q`; returns its output name. 8-bit blocks rely on the implied
    /// zero point 128 (both encodings here use it); 4-bit blocks pass theirs unless all are the
    /// implied 8 (Q4_0, and Q4_1 with its offsets shifted), which ONNX Runtime runs faster.
    fn matmul_nbits(&mut self, input: &str, q: &BlockQuantized, prefix: &str) -> Result<String> {
        let product = format!("{prefix}/out");
        let blob = BLOCK_SIZE * q.bits / 8;
        let (b, s, z) = (
            format!("{prefix}.qweight"),
            format!("{prefix}.scales"),
            format!("{prefix}.qzeros"),
        );
        self.writer
            .u8_initializer(&b, &[q.n, q.blocks_per_row, blob], &q.packed)?;
        self.writer
            .f32_initializer(&s, &[q.scales.len()], &q.scales)?;
        let mut inputs = vec![input, b.as_str(), s.as_str()];
        if q.bits != 8 && !q.has_only_implied_zero_points() {
            self.writer
                .u8_initializer(&z, &[q.zero_points.len()], &q.zero_points)?;
            inputs.push(&z);
        }
        self.writer.node(
            "MatMulNBits",
            MS,
            &inputs,
            &[&product],
            vec![
                ("K", Attr::Int(q.k as i64)),
                ("N", Attr::Int(q.n as i64)),
                ("bits", Attr::Int(q.bits as i64)),
                ("block_size", Attr::Int(BLOCK_SIZE as i64)),
                ("accuracy_level", Attr::Int(self.accuracy_level)),
            ],
        );
        Ok(product)
    }

    /// `product + Σ_blocks (Σ_block x) · m`: Q4_1's per-block minimums, exact in f32. With flat
    /// rows one `Gemm` computes `sums · m + product`; otherwise a MatMul and an Add. Returns the
    /// outputs of the nodes it adds after the block sums; the last is the linear's result.
    fn add_block_min_term(
        &mut self,
        input: &str,
        product: &str,
        mins: &[f32],
        out: usize,
        inp: usize,
        prefix: &str,
    ) -> Result<Vec<String>> {
        let blocks = inp / BLOCK_SIZE;
        let sums = self.block_sums(input, inp)?;
        let (m, term, total) = (
            format!("{prefix}.block_mins"),
            format!("{prefix}/min_term"),
            format!("{prefix}/with_mins"),
        );
        self.writer
            .f32_initializer(&m, &[blocks, out], &transpose(mins, out, blocks))?;
        if self.flat_rows {
            self.writer
                .node("Gemm", "", &[&sums, &m, product], &[&total], vec![]);
            return Ok(vec![total]);
        }
        self.writer
            .node("MatMul", "", &[&sums, &m], &[&term], vec![]);
        self.writer
            .node("Add", "", &[product, &term], &[&total], vec![]);
        Ok(vec![term, total])
    }

    /// `[x, x]` along the last axis (for [`split_q8_0_into_nibbles`] weights).
    fn doubled(&mut self, input: &str) -> Result<String> {
        let name = format!("{input}/doubled");
        self.writer.node(
            "Concat",
            "",
            &[input, input],
            &[&name],
            vec![("axis", Attr::Int(-1))],
        );
        Ok(name)
    }

    /// `[batch, seq, k / 32]` sums of `input` over each block of 32 features, made once per
    /// input: one MatMul with a constant 0/1 `[k, k / 32]` matrix (one node, where a Reshape
    /// and a ReduceSum would be two).
    fn block_sums(&mut self, input: &str, k: usize) -> Result<String> {
        if let Some(name) = self.block_sums.get(input) {
            return Ok(name.clone());
        }
        let blocks = k / BLOCK_SIZE;
        let ones = format!("block_sums.ones_{k}");
        if !self.writer.has_initializer(&ones) {
            let mut matrix = vec![0f32; k * blocks];
            for row in 0..k {
                matrix[row * blocks + row / BLOCK_SIZE] = 1.0;
            }
            self.writer.f32_initializer(&ones, &[k, blocks], &matrix)?;
        }
        let sums = format!("{input}/block_sums");
        self.writer
            .node("MatMul", "", &[input, &ones], &[&sums], vec![]);
        self.block_sums.insert(input.to_string(), sums.clone());
        Ok(sums)
    }

    fn add_bias(
        &mut self,
        product: String,
        bias: Option<Vec<f32>>,
        out: usize,
        prefix: &str,
    ) -> Result<String> {
        match bias {
            Some(bias) => {
                let b = format!("{prefix}.bias");
                self.writer.f32_initializer(&b, &[out], &bias)?;
                let biased = format!("{prefix}/biased");
                self.writer
                    .node("Add", "", &[&product, &b], &[&biased], vec![]);
                Ok(biased)
            }
            None => Ok(product),
        }
    }

    fn norm_weight(&mut self, tensor: &str, name: &str, hidden: usize) -> Result<()> {
        let gamma = fetch(self.weights, tensor, &[hidden])?;
        self.writer.f32_initializer(name, &[hidden], &gamma)
    }
}

/// Each block's `(scale, minimum)` with `w = scale · q + minimum` for `q` in 0..16 (GGUF's own
/// Q4_1 pair), `[n, blocks, 2]`, from MatMulNBits blocks and the offsets `c` of
/// `w = (q − zp) · scale + c`: `minimum = c − zp · scale`, exact because `c` was made as
/// `minimum + zp · scale` exactly (see `RepackedBlocks::block_mins`).
fn block_params(blocks: &BlockQuantized, offsets: &[f32]) -> Vec<f32> {
    let zero_point = if blocks.has_only_implied_zero_points() {
        f32::from(DEFAULT_ZERO_POINT_4BIT)
    } else {
        0.0
    };
    blocks
        .scales
        .iter()
        .zip(offsets)
        .flat_map(|(&scale, &offset)| [scale, offset - zero_point * scale])
        .collect()
}

/// Build `model.onnx` + `model.onnx.data` in `dir` from `weights`.
pub fn write_decoder(weights: &dyn WeightSource, options: GraphOptions, dir: &Path) -> Result<()> {
    let config = weights.config().clone();
    check_config(&config)?;
    let hidden = config.hidden_size;
    let (heads, kv_heads, head_dim) = (config.n_heads, config.n_kv_heads, config.head_dim);
    let q_size = heads * head_dim;
    let kv_size = kv_heads * head_dim;
    let eps = config.rms_norm_eps;
    let flat_rows = flat_rows_pay_off(weights, options)?;
    let mut b = Builder {
        writer: GraphWriter::create(dir, "model.onnx.data")?,
        options,
        weights,
        block_sums: HashMap::new(),
        accuracy_level: options.accuracy_level,
        flat_rows,
        split_q8_0: Vec::new(),
        block_min_linears: Vec::new(),
    };

    // Inputs.
    b.writer.input(
        INPUT_IDS,
        DataType::INT64,
        &[Dim::Named("batch_size"), Dim::Named("sequence_length")],
    );
    b.writer.input(
        ATTENTION_MASK,
        DataType::INT64,
        &[
            Dim::Named("batch_size"),
            Dim::Named("total_sequence_length"),
        ],
    );
    for layer in 0..config.n_layers {
        for pattern in [PAST_KEY, PAST_VALUE] {
            b.writer.input(
                &layer_name(pattern, layer),
                DataType::FLOAT,
                &[
                    Dim::Named("batch_size"),
                    Dim::Fixed(kv_heads as i64),
                    Dim::Named("past_sequence_length"),
                    Dim::Fixed(head_dim as i64),
                ],
            );
        }
    }
    b.writer.output(
        LOGITS,
        DataType::FLOAT,
        &[
            Dim::Named("batch_size"),
            Dim::Named("sequence_length"),
            Dim::Fixed(config.vocab_size as i64),
        ],
    );
    for layer in 0..config.n_layers {
        for pattern in [PRESENT_KEY, PRESENT_VALUE] {
            b.writer.output(
                &layer_name(pattern, layer),
                DataType::FLOAT,
                &[
                    Dim::Named("batch_size"),
                    Dim::Fixed(kv_heads as i64),
                    Dim::Named("total_sequence_length"),
                    Dim::Fixed(head_dim as i64),
                ],
            );
        }
    }

    // GroupQueryAttention wants per-row lengths minus one and the total length, both int32.
    b.writer.i64_initializer("one_i64", &[], &[1])?;
    b.writer.i64_initializer("axis_1", &[1], &[1])?;
    b.writer.node(
        "ReduceSum",
        "",
        &[ATTENTION_MASK, "axis_1"],
        &["mask/sum"],
        vec![("keepdims", Attr::Int(0))],
    );
    b.writer.node(
        "Sub",
        "",
        &["mask/sum", "one_i64"],
        &["mask/sum_minus_1"],
        vec![],
    );
    b.writer.node(
        "Cast",
        "",
        &["mask/sum_minus_1"],
        &["seqlens_k"],
        vec![("to", Attr::Int(DataType::INT32 as i64))],
    );
    b.writer
        .node("Shape", "", &[ATTENTION_MASK], &["mask/shape"], vec![]);
    b.writer.node(
        "Gather",
        "",
        &["mask/shape", "one_i64"],
        &["mask/total_i64"],
        vec![("axis", Attr::Int(0))],
    );
    b.writer.node(
        "Cast",
        "",
        &["mask/total_i64"],
        &["total_seq_len"],
        vec![("to", Attr::Int(DataType::INT32 as i64))],
    );

    // Flat rows: token ids as one `[batch·seq]` vector, and the `[batch, seq, -1]` shape that
    // GroupQueryAttention's input and the logits are folded back into.
    let token_ids = if flat_rows {
        b.writer.i64_initializer(SHAPE_ALL, &[1], &[-1])?;
        b.writer
            .i64_initializer(SHAPE_ATTN_ROWS, &[2], &[-1, q_size as i64])?;
        b.writer.node(
            "Reshape",
            "",
            &[INPUT_IDS, SHAPE_ALL],
            &["input_ids/flat"],
            vec![],
        );
        b.writer
            .node("Shape", "", &[INPUT_IDS], &["input_ids/shape"], vec![]);
        b.writer.node(
            "Concat",
            "",
            &["input_ids/shape", SHAPE_ALL],
            &[SHAPE_BATCH_SEQ],
            vec![("axis", Attr::Int(0))],
        );
        "input_ids/flat"
    } else {
        INPUT_IDS
    };

    // Rotary caches [context, head_dim / 2] (rotate-half layout, Hugging Face inv_freq).
    let half_dim = head_dim / 2;
    let positions = config.context_length;
    let mut cos = Vec::with_capacity(positions * half_dim);
    let mut sin = Vec::with_capacity(positions * half_dim);
    for pos in 0..positions {
        for i in 0..half_dim {
            let inv_freq =
                1.0f64 / f64::from(config.rope_theta).powf((2 * i) as f64 / head_dim as f64);
            let angle = pos as f64 * inv_freq;
            cos.push(angle.cos() as f32);
            sin.push(angle.sin() as f32);
        }
    }
    b.writer
        .f32_initializer("cos_cache", &[positions, half_dim], &cos)?;
    b.writer
        .f32_initializer("sin_cache", &[positions, half_dim], &sin)?;

    // Embedding: fp16 table for the quantized encodings halves its size; f32 for fp32.
    let embedding = fetch(weights, "token_embd.weight", &[config.vocab_size, hidden])?;
    if options.quant == Quant::Fp32 {
        b.writer.f32_initializer(
            "embed_tokens.weight",
            &[config.vocab_size, hidden],
            &embedding,
        )?;
        b.writer.node(
            "Gather",
            "",
            &["embed_tokens.weight", token_ids],
            &["embed/out"],
            vec![("axis", Attr::Int(0))],
        );
    } else {
        b.writer.f16_initializer(
            "embed_tokens.weight_fp16",
            &[config.vocab_size, hidden],
            &embedding,
        )?;
        b.writer.node(
            "Gather",
            "",
            &["embed_tokens.weight_fp16", token_ids],
            &["embed/out_fp16"],
            vec![("axis", Attr::Int(0))],
        );
        b.writer.node(
            "Cast",
            "",
            &["embed/out_fp16"],
            &["embed/out"],
            vec![("to", Attr::Int(DataType::FLOAT as i64))],
        );
    }
    drop(embedding);

    let inter = config.intermediate_size;
    b.writer
        .i64_initializer("ffn_split", &[2], &[inter as i64, inter as i64])?;
    let scale = 1.0 / (head_dim as f32).sqrt();
    // `pending` is the sub-layer output not yet added to the residual stream.
    let mut residual = "embed/out".to_string();
    let mut pending: Option<String> = None;
    for layer in 0..config.n_layers {
        let p = format!("layers.{layer}");
        let blk = format!("blk.{layer}");
        // Attention block.
        let attn_norm = format!("{p}.input_layernorm.weight");
        b.norm_weight(&format!("{blk}.attn_norm.weight"), &attn_norm, hidden)?;
        let normed = format!("{p}/input_layernorm/out");
        residual = skip_norm(
            &mut b.writer,
            pending.as_deref(),
            &residual,
            &attn_norm,
            &normed,
            eps,
            &format!("{p}/input_layernorm"),
        );
        // q, k and v in one product, handed to GroupQueryAttention packed (key/value empty).
        let part = |t: &str, out: usize| LinearPart {
            weight: format!("{blk}.{t}.weight"),
            bias: config.attention_bias.then(|| format!("{blk}.{t}.bias")),
            out,
        };
        let qkv = b.fused_linear(
            &normed,
            &[
                part("attn_q", q_size),
                part("attn_k", kv_size),
                part("attn_v", kv_size),
            ],
            hidden,
            &format!("{p}.attn.qkv_proj"),
        )?;
        let attn = format!("{p}/attn/out");
        // GroupQueryAttention takes and gives `[batch, seq, features]` only.
        let (qkv, attn_out) = if flat_rows {
            let batched = format!("{qkv}/batched");
            b.writer
                .node("Reshape", "", &[&qkv, SHAPE_BATCH_SEQ], &[&batched], vec![]);
            (batched, format!("{attn}/batched"))
        } else {
            (qkv, attn.clone())
        };
        let (past_k, past_v) = (layer_name(PAST_KEY, layer), layer_name(PAST_VALUE, layer));
        let (present_k, present_v) = (
            layer_name(PRESENT_KEY, layer),
            layer_name(PRESENT_VALUE, layer),
        );
        b.writer.node(
            "GroupQueryAttention",
            MS,
            &[
                &qkv,
                "",
                "",
                &past_k,
                &past_v,
                "seqlens_k",
                "total_seq_len",
                "cos_cache",
                "sin_cache",
            ],
            &[&attn_out, &present_k, &present_v],
            vec![
                ("num_heads", Attr::Int(heads as i64)),
                ("kv_num_heads", Attr::Int(kv_heads as i64)),
                ("do_rotary", Attr::Int(1)),
                ("rotary_interleaved", Attr::Int(0)),
                ("scale", Attr::Float(scale)),
                ("local_window_size", Attr::Int(-1)),
            ],
        );
        if flat_rows {
            b.writer.node(
                "Reshape",
                "",
                &[&attn_out, SHAPE_ATTN_ROWS],
                &[&attn],
                vec![],
            );
        }
        let o = b.linear(
            &attn,
            &format!("{blk}.attn_output.weight"),
            None,
            hidden,
            q_size,
            &format!("{p}.attn.o_proj"),
        )?;

        // MLP block: down(silu(gate(x)) * up(x)).
        let ffn_norm = format!("{p}.post_attention_layernorm.weight");
        b.norm_weight(&format!("{blk}.ffn_norm.weight"), &ffn_norm, hidden)?;
        let normed = format!("{p}/post_attention_layernorm/out");
        residual = skip_norm(
            &mut b.writer,
            Some(&o),
            &residual,
            &ffn_norm,
            &normed,
            eps,
            &format!("{p}/post_attention_layernorm"),
        );
        let gate_up = b.fused_linear(
            &normed,
            &[
                LinearPart {
                    weight: format!("{blk}.ffn_gate.weight"),
                    bias: None,
                    out: inter,
                },
                LinearPart {
                    weight: format!("{blk}.ffn_up.weight"),
                    bias: None,
                    out: inter,
                },
            ],
            hidden,
            &format!("{p}.mlp.gate_up_proj"),
        )?;
        let (gate, up) = (format!("{p}/mlp/gate"), format!("{p}/mlp/up"));
        b.writer.node(
            "Split",
            "",
            &[&gate_up, "ffn_split"],
            &[&gate, &up],
            vec![("axis", Attr::Int(-1))],
        );
        let (sig, silu, gated) = (
            format!("{p}/mlp/sigmoid"),
            format!("{p}/mlp/silu"),
            format!("{p}/mlp/gated"),
        );
        b.writer.node("Sigmoid", "", &[&gate], &[&sig], vec![]);
        b.writer.node("Mul", "", &[&gate, &sig], &[&silu], vec![]);
        b.writer.node("Mul", "", &[&silu, &up], &[&gated], vec![]);
        let down = b.linear(
            &gated,
            &format!("{blk}.ffn_down.weight"),
            None,
            hidden,
            inter,
            &format!("{p}.mlp.down_proj"),
        )?;
        pending = Some(down);
    }

    b.norm_weight("output_norm.weight", "norm.weight", hidden)?;
    skip_norm(
        &mut b.writer,
        pending.as_deref(),
        &residual,
        "norm.weight",
        "norm/out",
        eps,
        "norm",
    );
    let head_tensor = if !config.tie_word_embeddings && weights.has_tensor("output.weight") {
        "output.weight"
    } else {
        "token_embd.weight"
    };
    // The head-less variant ends at the final normed hidden state (`[batch, seq, hidden]`).
    let head_mark = b.writer.mark();
    if flat_rows {
        b.writer.node(
            "Reshape",
            "",
            &["norm/out", SHAPE_BATCH_SEQ],
            &[HIDDEN_STATES],
            vec![],
        );
    } else {
        b.writer
            .node("Identity", "", &["norm/out"], &[HIDDEN_STATES], vec![]);
    }
    let mut head_less = b.writer.variant(
        head_mark,
        LOGITS,
        (
            HIDDEN_STATES,
            DataType::FLOAT,
            &[
                Dim::Named("batch_size"),
                Dim::Named("sequence_length"),
                Dim::Fixed(hidden as i64),
            ],
        ),
    );
    // Only pressgate runs the variant, so its Q4_1 linears can be pressgate's own nodes.
    block_min_fusion::fuse(head_less.graph_mut(), &b.block_min_linears);
    block_min_fusion::fuse_swiglu(head_less.graph_mut());
    if flat_rows {
        block_min_fusion::unflatten_rows(head_less.graph_mut(), &FLAT_ROW_SHAPES);
    }
    b.accuracy_level = options.head_accuracy_level;
    let logits = b.linear(
        "norm/out",
        head_tensor,
        None,
        config.vocab_size,
        hidden,
        LM_HEAD,
    )?;
    if flat_rows {
        b.writer.node(
            "Reshape",
            "",
            &[&logits, SHAPE_BATCH_SEQ],
            &[LOGITS],
            vec![],
        );
    } else {
        b.writer.node("Identity", "", &[&logits], &[LOGITS], vec![]);
    }

    // GroupQueryAttention appends to a past buffer bound as its own present output.
    let metadata = vec![
        ("pressgate.quant", options.quant.to_string()),
        (
            crate::llm::session::KV_SHARE_BUFFER_METADATA,
            "1".to_string(),
        ),
    ];
    // A head pressgate can compute itself (see `llm::head_less`): the variant without it goes
    // next to the full graph, which onnxruntime-genai keeps running.
    let mut variants = Vec::new();
    if b.split_q8_0.iter().any(|prefix| prefix == LM_HEAD) {
        let mut head_less_metadata = metadata.clone();
        head_less_metadata.extend([
            (head_less::ENCODING_KEY, head_less::Q8_0_SPLIT.to_string()),
            (head_less::SOURCE_GRAPH_KEY, MODEL_FILE.to_string()),
            (head_less::WEIGHT_KEY, LM_HEAD.to_string()),
            (head_less::OUTPUT_KEY, HIDDEN_STATES.to_string()),
        ]);
        variants.push(VariantFile {
            path: dir.join(head_less::graph_file_name(MODEL_FILE)),
            graph: head_less,
            metadata: head_less_metadata,
        });
    }
    // The fused nodes' block parameters are the variant's alone.
    b.writer.drop_unread_initializers();
    b.writer.finish(&dir.join(MODEL_FILE), &metadata, variants)
}

/// Whether the graph should carry activations as `[batch·seq, features]` rows: only then can
/// `Gemm` fold a Q4_1 minimum term and its addition into one node (Gemm is 2-D only). That
/// saves one node per linear (four per layer) at the price of two Reshapes per layer around
/// GroupQueryAttention, so it pays off only when the projections carry block minimums, judged
/// by the first layer's query weight. SmolLM2-135M Q4_1: 615 nodes per step instead of 671,
/// logits bit for bit the same, decode about 4% faster single-threaded.
fn flat_rows_pay_off(weights: &dyn WeightSource, options: GraphOptions) -> Result<bool> {
    if options.quant != Quant::Int4 || !options.keep_stored_blocks {
        return Ok(false);
    }
    let stored = weights.stored_blocks("blk.0.attn_q.weight")?;
    Ok(stored.is_some_and(|blocks| blocks.format == BlockFormat::Q4_1))
}

/// RMSNorm of `residual + pending` (or of `residual` alone); returns the new residual name.
fn skip_norm(
    writer: &mut GraphWriter,
    pending: Option<&str>,
    residual: &str,
    gamma: &str,
    out: &str,
    eps: f32,
    prefix: &str,
) -> String {
    match pending {
        None => {
            writer.node(
                "SimplifiedLayerNormalization",
                "",
                &[residual, gamma],
                &[out],
                vec![
                    ("axis", Attr::Int(-1)),
                    ("epsilon", Attr::Float(eps)),
                    ("stash_type", Attr::Int(1)),
                ],
            );
            residual.to_string()
        }
        Some(pending) => {
            let sum = format!("{prefix}/residual");
            writer.node(
                "SkipSimplifiedLayerNormalization",
                MS,
                &[pending, residual, gamma],
                &[out, "", "", &sum],
                vec![("epsilon", Attr::Float(eps))],
            );
            sum
        }
    }
}
