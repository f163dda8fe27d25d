//! Tokenizer: a Hugging Face `tokenizer.json` (loaded with the `tokenizers` crate), either read
//! from a model folder or built from a GGUF file's `tokenizer.ggml.*` metadata.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::llm::gguf::reader::{GgufFile, GGUF_MAGIC};

/// GGUF `tokenizer.ggml.token_type` codes (llama.cpp's `llama_token_type`) that matter here;
/// unknown (2), unused (5) and byte (6) tokens are plain vocabulary entries.
mod token_type {
    pub const NORMAL: i64 = 1;
    pub const CONTROL: i64 = 3;
    pub const USER_DEFINED: i64 = 4;
}

/// Llama 3's pre-tokenizer split (llama.cpp `llama-bpe`).
const LLAMA3_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Qwen2's split: as Llama 3 but single digits.
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A loaded tokenizer.
pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("vocab_size", &self.vocab_size())
            .finish()
    }
}

impl Tokenizer {
    /// Load a `tokenizer.json`, or build the tokenizer of a `.gguf` model (detected by magic).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Tokenizer> {
        let path = path.as_ref();
        let mut magic = [0u8; 4];
        let is_gguf = std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
            .is_ok()
            && u32::from_le_bytes(magic) == GGUF_MAGIC;
        if is_gguf {
            return Tokenizer::from_gguf(&GgufFile::open(path)?);
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let inner = tokenizers::Tokenizer::from_bytes(&bytes)
            .map_err(|e| Error::input(path, format!("invalid tokenizer.json: {e}")))?;
        Ok(Tokenizer { inner })
    }

    pub fn from_gguf(file: &GgufFile) -> Result<Tokenizer> {
        let json = tokenizer_json_from_gguf(file)?;
        Tokenizer::from_json(&json)
            .map_err(|e| Error::input(file.path(), format!("building the tokenizer: {e}")))
    }

    /// Load from an in-memory `tokenizer.json` value.
    pub fn from_json(json: &Value) -> Result<Tokenizer> {
        let bytes = serde_json::to_vec(json).map_err(anyhow::Error::from)?;
        let inner = tokenizers::Tokenizer::from_bytes(&bytes)
            .map_err(|e| Error::Other(anyhow::anyhow!("invalid tokenizer.json: {e}")))?;
        Ok(Tokenizer { inner })
    }

    /// Token ids of `text`. Special tokens written in the text (`<|im_start|>`) are always
    /// recognised; `add_special` adds the model's BOS/EOS if its tokenizer asks for them.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<u32>> {
        let encoding = self
            .inner
            .encode(text, add_special)
            .map_err(|e| Error::Other(anyhow::anyhow!("tokenizing failed: {e}")))?;
        Ok(encoding.get_ids().to_vec())
    }

    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        self.inner
            .decode(ids, skip_special)
            .map_err(|e| Error::Other(anyhow::anyhow!("decoding token ids failed: {e}")))
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// Vocabulary size including added tokens.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// A decoder that turns ids into text one at a time, for streaming output.
    pub fn stream_decoder(&self, skip_special: bool) -> StreamDecoder {
        StreamDecoder {
            skip_special,
            ids: Vec::new(),
            prefix: String::new(),
            prefix_index: 0,
        }
    }

    /// The wrapped `tokenizers` tokenizer, for batch or offset APIs.
    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }
}

/// Incremental detokenizer: [`step`](Self::step) returns text only once it is complete, so a
/// UTF-8 character split across byte-level tokens is emitted whole, and SentencePiece's leading
/// space is handled with context (same algorithm as `tokenizers::DecodeStream`, but owning its
/// state so a generation loop can keep it next to the tokenizer).
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    skip_special: bool,
    ids: Vec<u32>,
    prefix: String,
    prefix_index: usize,
}

impl StreamDecoder {
    /// Feed one generated id; `Some(text)` when new complete text is available.
    pub fn step(&mut self, tokenizer: &Tokenizer, id: u32) -> Result<Option<String>> {
        tokenizers::tokenizer::step_decode_stream(
            &tokenizer.inner,
            vec![id],
            self.skip_special,
            &mut self.ids,
            &mut self.prefix,
            &mut self.prefix_index,
        )
        .map_err(|e| Error::Other(anyhow::anyhow!("streaming decode failed: {e}")))
    }
}

/// Build a Hugging Face `tokenizer.json` from GGUF metadata (`tokenizer.ggml.model` `gpt2` for
/// byte-level BPE, `llama` for SentencePiece-style BPE with byte fallback).
pub fn tokenizer_json_from_gguf(file: &GgufFile) -> Result<Value> {
    let model = file.get_str("tokenizer.ggml.model")?;
    let tokens = file.get_str_array("tokenizer.ggml.tokens")?;
    let types = match file.get("tokenizer.ggml.token_type") {
        Some(_) => file.get_i64_array("tokenizer.ggml.token_type")?,
        None => vec![token_type::NORMAL; tokens.len()],
    };
    if types.len() != tokens.len() {
        return Err(Error::input(
            file.path(),
            format!(
                "tokenizer.ggml.token_type has {} entries for {} tokens",
                types.len(),
                tokens.len()
            ),
        ));
    }
    let optional_id = |key: &str| -> Result<Option<u32>> {
        match file.get(key) {
            Some(_) => {
                let id = file.get_u32(key)?;
                if id as usize >= tokens.len() {
                    return Err(Error::input(
                        file.path(),
                        format!(
                            "{key} = {id} is outside the {}-token vocabulary",
                            tokens.len()
                        ),
                    ));
                }
                Ok(Some(id))
            }
            None => Ok(None),
        }
    };
    let optional_bool = |key: &str, default: bool| -> Result<bool> {
        match file.get(key) {
            Some(_) => file.get_bool(key),
            None => Ok(default),
        }
    };
    let bos = optional_id("tokenizer.ggml.bos_token_id")?;
    let eos = optional_id("tokenizer.ggml.eos_token_id")?;
    let unk = optional_id("tokenizer.ggml.unknown_token_id")?;

    let added_tokens: Vec<Value> = tokens
        .iter()
        .zip(&types)
        .enumerate()
        .filter(|(_, (_, &ty))| ty == token_type::CONTROL || ty == token_type::USER_DEFINED)
        .map(|(id, (&content, &ty))| {
            json!({
                "id": id,
                "content": content,
                "single_word": false,
                "lstrip": false,
                "rstrip": false,
                "normalized": ty == token_type::USER_DEFINED,
                "special": ty == token_type::CONTROL,
            })
        })
        .collect();

    let mut vocab = Map::with_capacity(tokens.len());
    for (id, &token) in tokens.iter().enumerate() {
        // A duplicated string keeps its first id, as llama.cpp's lookup does.
        vocab.entry(token.to_string()).or_insert(json!(id));
    }

    let (normalizer, pre_tokenizer, decoder, model_json, add_bos_default) = match model {
        "gpt2" => {
            let merges = file
                .get_str_array("tokenizer.ggml.merges")?
                .into_iter()
                .map(|m| {
                    m.split_once(' ')
                        .map(|(a, b)| json!([a, b]))
                        .ok_or_else(|| {
                            Error::input(
                                file.path(),
                                format!("tokenizer.ggml.merges entry {m:?} is not two tokens"),
                            )
                        })
                })
                .collect::<Result<Vec<Value>>>()?;
            let pre = file.get_str("tokenizer.ggml.pre").unwrap_or("default");
            let model_json = json!({
                "type": "BPE",
                "dropout": null,
                "unk_token": null,
                "continuing_subword_prefix": null,
                "end_of_word_suffix": null,
                "fuse_unk": false,
                "byte_fallback": false,
                "ignore_merges": false,
                "vocab": vocab,
                "merges": merges,
            });
            let decoder = json!({
                "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true
            });
            (
                Value::Null,
                byte_level_pre_tokenizer(pre),
                decoder,
                model_json,
                false,
            )
        }
        "llama" => {
            let scores = match file.get("tokenizer.ggml.scores") {
                Some(_) => file.get_f32_array("tokenizer.ggml.scores")?,
                None => vec![0.0; tokens.len()],
            };
            if scores.len() != tokens.len() {
                return Err(Error::input(
                    file.path(),
                    format!(
                        "tokenizer.ggml.scores has {} entries for {} tokens",
                        scores.len(),
                        tokens.len()
                    ),
                ));
            }
            let merges = sentencepiece_merges(&tokens, &types, &scores);
            let add_prefix = optional_bool("tokenizer.ggml.add_space_prefix", true)?;
            let unk_token = unk.map(|id| tokens[id as usize]);
            let model_json = json!({
                "type": "BPE",
                "dropout": null,
                "unk_token": unk_token,
                "continuing_subword_prefix": null,
                "end_of_word_suffix": null,
                "fuse_unk": true,
                "byte_fallback": true,
                "ignore_merges": false,
                "vocab": vocab,
                "merges": merges,
            });
            let mut normalizers = Vec::new();
            let mut decoders = vec![
                json!({"type": "Replace", "pattern": {"String": "▁"}, "content": " "}),
                json!({"type": "ByteFallback"}),
                json!({"type": "Fuse"}),
            ];
            if add_prefix {
                normalizers.push(json!({"type": "Prepend", "prepend": "▁"}));
                decoders.push(json!({"type": "Strip", "content": " ", "start": 1, "stop": 0}));
            }
            normalizers
                .push(json!({"type": "Replace", "pattern": {"String": " "}, "content": "▁"}));
            (
                json!({"type": "Sequence", "normalizers": normalizers}),
                Value::Null,
                json!({"type": "Sequence", "decoders": decoders}),
                model_json,
                true,
            )
        }
        other => {
            return Err(Error::input(
                file.path(),
                format!("unsupported tokenizer model `{other}` (supported: gpt2, llama)"),
            ))
        }
    };

    let add_bos = optional_bool("tokenizer.ggml.add_bos_token", add_bos_default)?;
    let add_eos = optional_bool("tokenizer.ggml.add_eos_token", false)?;
    let special = |id: Option<u32>, wanted: bool| -> Option<(u32, &str)> {
        id.filter(|_| wanted).map(|id| (id, tokens[id as usize]))
    };
    let post_processor = template_processing(special(bos, add_bos), special(eos, add_eos));

    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": post_processor,
        "decoder": decoder,
        "model": model_json,
    }))
}

/// The pre-tokenizer for a `gpt2` GGUF tokenizer, chosen by `tokenizer.ggml.pre`.
fn byte_level_pre_tokenizer(pre: &str) -> Value {
    let byte_level = |use_regex: bool| json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": use_regex});
    let split = |pattern: &str| json!({"type": "Split", "pattern": {"Regex": pattern}, "behavior": "Isolated", "invert": false});
    match pre {
        // GPT-2's own regex, built into the ByteLevel pre-tokenizer.
        "gpt-2" | "gpt2" | "default" => byte_level(true),
        // StarCoder-family tokenizers split every digit before GPT-2's regex.
        "smollm" | "starcoder" | "refact" => json!({
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Digits", "individual_digits": true},
                byte_level(true),
            ]
        }),
        "qwen2" => {
            json!({"type": "Sequence", "pretokenizers": [split(QWEN2_SPLIT), byte_level(false)]})
        }
        // llama-bpe and unknown pre-tokenizers: Llama 3's split.
        _ => json!({"type": "Sequence", "pretokenizers": [split(LLAMA3_SPLIT), byte_level(false)]}),
    }
}

/// A post-processor that adds BOS and/or EOS around each sequence, or `null` for neither:
/// single `[BOS] A [EOS]`, pair `[BOS] A [EOS] [BOS] B [EOS]`.
fn template_processing(bos: Option<(u32, &str)>, eos: Option<(u32, &str)>) -> Value {
    if bos.is_none() && eos.is_none() {
        return Value::Null;
    }
    let around = |sequences: &[(&str, u32)]| -> Vec<Value> {
        let mut pieces = Vec::new();
        for &(name, type_id) in sequences {
            if let Some((_, token)) = bos {
                pieces.push(json!({"SpecialToken": {"id": token, "type_id": type_id}}));
            }
            pieces.push(json!({"Sequence": {"id": name, "type_id": type_id}}));
            if let Some((_, token)) = eos {
                pieces.push(json!({"SpecialToken": {"id": token, "type_id": type_id}}));
            }
        }
        pieces
    };
    let mut special_tokens = Map::new();
    for (id, token) in bos.into_iter().chain(eos) {
        special_tokens.insert(
            token.to_string(),
            json!({"id": token, "ids": [id], "tokens": [token]}),
        );
    }
    json!({
        "type": "TemplateProcessing",
        "single": around(&[("A", 0)]),
        "pair": around(&[("A", 0), ("B", 1)]),
        "special_tokens": special_tokens,
    })
}

/// BPE merges recovered from a SentencePiece vocabulary, as `transformers`'
/// `SentencePieceExtractor` does: every split of a normal piece into two normal pieces is a merge,
/// ranked by the merged piece's score (higher first), ties by the ids of the two halves.
fn sentencepiece_merges(tokens: &[&str], types: &[i64], scores: &[f32]) -> Vec<Value> {
    let is_piece = |ty: i64| ty == token_type::NORMAL || ty == token_type::USER_DEFINED;
    let mut ids: HashMap<&str, usize> = HashMap::with_capacity(tokens.len());
    for (id, &token) in tokens.iter().enumerate() {
        if is_piece(types[id]) {
            ids.entry(token).or_insert(id);
        }
    }
    let mut merges: Vec<(f32, usize, usize, usize)> = Vec::new();
    let mut seen = HashSet::new();
    for (id, &piece) in tokens.iter().enumerate() {
        if !is_piece(types[id]) || !seen.insert(piece) {
            continue;
        }
        for (split, _) in piece.char_indices().skip(1) {
            let (left, right) = piece.split_at(split);
            if let (Some(&l), Some(&r)) = (ids.get(left), ids.get(right)) {
                merges.push((scores[id], id, l, r));
            }
        }
    }
    merges.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.cmp(&b.1))
            .then((a.2, a.3).cmp(&(b.2, b.3)))
    });
    merges
        .into_iter()
        .map(|(_, _, l, r)| json!([tokens[l], tokens[r]]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::real_gguf_or_skip;

    fn smollm2() -> Option<Tokenizer> {
        let path = real_gguf_or_skip("tokenizer")?;
        Some(Tokenizer::from_file(path).unwrap())
    }

    #[test]
    fn dump_json_for_reference() {
        let Some(path) = real_gguf_or_skip("dump") else {
            return;
        };
        let json = tokenizer_json_from_gguf(&GgufFile::open(path).unwrap()).unwrap();
        std::fs::write(
            "/tmp/smollm2_tokenizer.json",
            serde_json::to_string(&json).unwrap(),
        )
        .unwrap();
        let t = smollm2().unwrap();
        assert_eq!(
            t.encode("<|im_start|>system\n", true).unwrap(),
            [1, 9690, 198]
        );
    }
}
