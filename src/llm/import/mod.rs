//! Import: turn a [`WeightSource`] (GGUF today) into a model folder that ONNX Runtime runs.
//! Everything is written into a temporary folder next to the destination and renamed at the
//! end, so an error never leaves a half-written model behind.
pub mod block_min_fusion;
pub mod graph;
pub mod onnx_writer;
pub mod quant;

use crate::error::{Error, Result};
use crate::llm::model_dir::{
    write_json, DecoderInputs, DecoderOutputs, GenaiConfig, GenaiDecoder, GenaiModel, Provenance,
    SearchDefaults, GENAI_CONFIG, PRESSGATE_MODEL, TOKENIZER, TOKENIZER_CONFIG,
};
use crate::llm::weights::{LlamaConfig, WeightSource};
use std::path::{Path, PathBuf};

pub use graph::GraphOptions;
pub use quant::Quant;

/// What goes into the folder besides the graph.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub quant: Quant,
    /// `tokenizer.json` contents (Hugging Face format).
    pub tokenizer_json: Option<String>,
    pub chat_template: Option<String>,
    pub bos_token: Option<String>,
    pub eos_token: Option<String>,
    pub source_file: Option<PathBuf>,
    pub source_sha256: Option<String>,
    /// Replace an existing destination folder.
    pub overwrite: bool,
}

/// Parameter count of a llama decoder (tied head counted once).
pub fn parameter_count(config: &LlamaConfig) -> u64 {
    let (h, i) = (config.hidden_size as u64, config.intermediate_size as u64);
    let q = (config.n_heads * config.head_dim) as u64;
    let kv = (config.n_kv_heads * config.head_dim) as u64;
    let bias = if config.attention_bias { q + 2 * kv } else { 0 };
    let per_layer = h * q + 2 * h * kv + q * h + 3 * h * i + 2 * h + bias;
    let embed = config.vocab_size as u64 * h;
    let head = if config.tie_word_embeddings { 0 } else { embed };
    embed + head + config.n_layers as u64 * per_layer + h
}

/// onnxruntime-genai's `genai_config.json` for a graph written by [`graph::write_decoder`].
pub fn genai_config(config: &LlamaConfig) -> GenaiConfig {
    GenaiConfig {
        model: GenaiModel {
            bos_token_id: config.bos_token_id,
            context_length: config.context_length,
            decoder: GenaiDecoder {
                filename: graph::MODEL_FILE.into(),
                head_size: config.head_dim,
                hidden_size: config.hidden_size,
                inputs: DecoderInputs::default(),
                outputs: DecoderOutputs::default(),
                num_attention_heads: config.n_heads,
                num_hidden_layers: config.n_layers,
                num_key_value_heads: config.n_kv_heads,
            },
            eos_token_id: config.eos_token_ids.clone(),
            pad_token_id: config
                .pad_token_id
                .or(config.eos_token_ids.first().copied()),
            model_type: config.architecture.clone(),
            vocab_size: config.vocab_size,
        },
        search: SearchDefaults {
            max_length: config.context_length,
            ..SearchDefaults::default()
        },
    }
}

/// The encoding `model import` and `model install` use when none is asked for: int4 when the
/// source's projections are stored as Q4_0 or Q4_1, since their blocks then go into the graph
/// unchanged (no second rounding; measured on SmolLM2-135M Q4_1: top-1 agreement with the f32
/// reference 0.83 for int8 against ≥ 0.95 here, and faster decoding); int8 for everything else.
pub fn default_quant(weights: &dyn WeightSource) -> Result<Quant> {
    use crate::llm::weights::BlockFormat;
    let probe = "blk.0.attn_q.weight";
    if !weights.has_tensor(probe) {
        return Ok(Quant::Int8);
    }
    Ok(match weights.stored_blocks(probe)?.map(|b| b.format) {
        Some(BlockFormat::Q4_0 | BlockFormat::Q4_1) => Quant::Int4,
        _ => Quant::Int8,
    })
}

/// [`default_quant`] for a GGUF file (clear errors for a missing or unreadable file).
pub fn default_quant_for_gguf(source: &Path) -> Result<Quant> {
    if !source.is_file() {
        return Err(Error::input(source, "no such GGUF file"));
    }
    default_quant(&crate::llm::gguf::GgufWeights::open(source)?)
}

/// Write the graph and `genai_config.json` into an existing folder `dir`.
pub fn write_graph_and_config(
    weights: &dyn WeightSource,
    options: GraphOptions,
    dir: &Path,
) -> Result<()> {
    graph::write_decoder(weights, options, dir)?;
    write_json(&dir.join(GENAI_CONFIG), &genai_config(weights.config()))
}

/// Build a complete model folder at `out` (atomically: temp folder + rename).
pub fn import_weights(
    weights: &dyn WeightSource,
    options: &ImportOptions,
    out: &Path,
) -> Result<()> {
    if out.exists() && !options.overwrite {
        return Err(Error::Usage(format!(
            "{} already exists (remove it first)",
            out.display()
        )));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".pressgate-import-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    let dir = staging.path();
    write_graph_and_config(weights, GraphOptions::new(options.quant), dir)?;
    if let Some(tokenizer) = &options.tokenizer_json {
        std::fs::write(dir.join(TOKENIZER), tokenizer)
            .map_err(|e| Error::io(dir.join(TOKENIZER), e))?;
    }
    let mut tokenizer_config = serde_json::Map::new();
    if let Some(template) = &options.chat_template {
        tokenizer_config.insert("chat_template".into(), template.clone().into());
    }
    if let Some(bos) = &options.bos_token {
        tokenizer_config.insert("bos_token".into(), bos.clone().into());
    }
    if let Some(eos) = &options.eos_token {
        tokenizer_config.insert("eos_token".into(), eos.clone().into());
    }
    write_json(&dir.join(TOKENIZER_CONFIG), &tokenizer_config)?;
    let config = weights.config();
    let provenance = Provenance {
        source_file: options
            .source_file
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
        source_sha256: options.source_sha256.clone(),
        quant: options.quant.to_string(),
        architecture: config.architecture.clone(),
        parameters: parameter_count(config),
        pressgate_version: env!("CARGO_PKG_VERSION").into(),
        graph_layout: crate::llm::model_dir::GRAPH_LAYOUT,
    };
    write_json(&dir.join(PRESSGATE_MODEL), &provenance)?;

    let staged = staging.keep();
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))?;
    }
    std::fs::rename(&staged, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::io(out, e)
    })
}

/// SHA-256 of a file, hex, read in chunks.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Import a llama-family GGUF file into a model folder at `out`: graph, tokenizer, chat
/// template and provenance.
pub fn import_gguf(source: &Path, out: &Path, quant: Quant, overwrite: bool) -> Result<()> {
    use crate::llm::gguf::GgufWeights;
    if !source.is_file() {
        return Err(Error::input(source, "no such GGUF file"));
    }
    let weights = GgufWeights::open(source)?;
    let file = weights.file();
    let tokenizer = crate::llm::tokenizer::tokenizer_json_from_gguf(file)?;
    let tokenizer_json = serde_json::to_string(&tokenizer)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot encode tokenizer.json: {e}")))?;
    let tokens = file
        .get_str_array("tokenizer.ggml.tokens")
        .unwrap_or_default();
    let token_text =
        |id: Option<u32>| id.and_then(|i| tokens.get(i as usize).map(|t| t.to_string()));
    let config = weights.config();
    let options = ImportOptions {
        quant,
        tokenizer_json: Some(tokenizer_json),
        chat_template: file
            .get_str("tokenizer.chat_template")
            .ok()
            .map(str::to_string),
        bos_token: token_text(config.bos_token_id),
        eos_token: token_text(config.eos_token_ids.first().copied()),
        source_file: Some(source.to_path_buf()),
        source_sha256: Some(file_sha256(source)?),
        overwrite,
    };
    import_weights(&weights, &options, out)
}
