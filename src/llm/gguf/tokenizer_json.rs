//! Conversion of a GGUF file's `tokenizer.ggml.*` metadata to a Hugging Face `tokenizer.json`
//! (byte-level BPE for `gpt2`, SentencePiece-style BPE with byte fallback for `llama`).
use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::llm::gguf::reader::GgufFile;

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
    use crate::llm::tokenizer::Tokenizer;

    /// A byte-level vocabulary with digit merges, to tell the pre-tokenizers apart.
    fn digits_tokenizer(pre: &str) -> Tokenizer {
        use crate::llm::gguf::writer::byte_level_alphabet;
        use crate::llm::gguf::{GgufWriter, MetaValue};
        let mut tokens: Vec<String> = byte_level_alphabet().iter().map(char::to_string).collect();
        let merges = [("1", "2"), ("12", "3"), ("4", "5")];
        for (a, b) in merges {
            tokens.push(format!("{a}{b}"));
        }
        let mut w = GgufWriter::new();
        w.add_metadata("tokenizer.ggml.model", MetaValue::String("gpt2".into()))
            .add_metadata("tokenizer.ggml.pre", MetaValue::String(pre.into()))
            .add_metadata(
                "tokenizer.ggml.tokens",
                MetaValue::Array(tokens.into_iter().map(MetaValue::String).collect()),
            )
            .add_metadata(
                "tokenizer.ggml.merges",
                MetaValue::Array(
                    merges
                        .iter()
                        .map(|(a, b)| MetaValue::String(format!("{a} {b}")))
                        .collect(),
                ),
            );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("digits.gguf");
        w.write(&path).unwrap();
        Tokenizer::from_file(&path).unwrap()
    }

    #[test]
    fn pre_tokenizer_follows_tokenizer_ggml_pre() {
        let pieces = |pre: &str| -> Vec<String> {
            let t = digits_tokenizer(pre);
            let ids = t.encode("1234512", false).unwrap();
            assert_eq!(t.decode(&ids, false).unwrap(), "1234512");
            ids.iter().map(|&id| t.id_to_token(id).unwrap()).collect()
        };
        // GPT-2 keeps the digit run whole; Llama 3 splits it in threes; Qwen2 and SmolLM
        // (StarCoder) split every digit.
        assert_eq!(pieces("gpt-2"), ["123", "45", "12"]);
        assert_eq!(pieces("llama-bpe"), ["123", "45", "1", "2"]);
        assert_eq!(pieces("qwen2"), ["1", "2", "3", "4", "5", "1", "2"]);
        assert_eq!(pieces("smollm"), ["1", "2", "3", "4", "5", "1", "2"]);
        let t = digits_tokenizer("qwen2");
        let ids = t.encode("it's  ok\n\n", false).unwrap();
        assert_eq!(t.decode(&ids, false).unwrap(), "it's  ok\n\n");
    }

    /// A SentencePiece-style (`tokenizer.ggml.model = llama`) vocabulary with byte fallback.
    fn write_spm_gguf(path: &std::path::Path) {
        use crate::llm::gguf::{GgufWriter, MetaValue};
        let mut tokens = vec!["<unk>".to_string(), "<s>".into(), "</s>".into()];
        let mut types = vec![2, 3, 3];
        let mut scores = vec![0.0f32; 3];
        for b in 0..=255u8 {
            tokens.push(format!("<0x{b:02X}>"));
            types.push(6);
            scores.push(0.0);
        }
        // Higher score merges first, as in SentencePiece BPE.
        let pieces = [
            ("▁", -1.0),
            ("h", -2.0),
            ("e", -2.0),
            ("l", -2.0),
            ("o", -2.0),
            ("w", -2.0),
            ("r", -2.0),
            ("d", -2.0),
            ("ll", -3.0),
            ("▁h", -4.0),
            ("▁he", -5.0),
            ("▁hell", -6.0),
            ("▁hello", -7.0),
            ("or", -8.0),
            ("▁w", -9.0),
            ("▁wor", -10.0),
            ("ld", -11.0),
        ];
        for (piece, score) in pieces {
            tokens.push(piece.to_string());
            types.push(1);
            scores.push(score);
        }
        let mut w = GgufWriter::new();
        w.add_metadata("tokenizer.ggml.model", MetaValue::String("llama".into()))
            .add_metadata(
                "tokenizer.ggml.tokens",
                MetaValue::Array(tokens.into_iter().map(MetaValue::String).collect()),
            )
            .add_metadata(
                "tokenizer.ggml.token_type",
                MetaValue::Array(types.into_iter().map(MetaValue::I32).collect()),
            )
            .add_metadata(
                "tokenizer.ggml.scores",
                MetaValue::Array(scores.into_iter().map(MetaValue::F32).collect()),
            )
            .add_metadata("tokenizer.ggml.bos_token_id", MetaValue::U32(1))
            .add_metadata("tokenizer.ggml.eos_token_id", MetaValue::U32(2))
            .add_metadata("tokenizer.ggml.unknown_token_id", MetaValue::U32(0));
        w.write(path).unwrap();
    }

    #[test]
    fn sentencepiece_gguf_tokenizer_merges_by_score_and_falls_back_to_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spm.gguf");
        write_spm_gguf(&path);
        let t = Tokenizer::from_file(&path).unwrap();
        let ids = t.encode("hello world é", true).unwrap();
        let tokens: Vec<String> = ids.iter().map(|&id| t.id_to_token(id).unwrap()).collect();
        assert_eq!(
            tokens,
            ["<s>", "▁hello", "▁wor", "ld", "▁", "<0xC3>", "<0xA9>"]
        );
        assert_eq!(t.decode(&ids, true).unwrap(), "hello world é");
        let mut stream = t.stream_decoder(true);
        let mut out = String::new();
        for &id in &ids {
            if let Some(chunk) = stream.step(&t, id).unwrap() {
                out.push_str(&chunk);
            }
        }
        assert_eq!(out, "hello world é");
    }

    /// A BPE model trained with the `sentencepiece` library (fixture), written as a GGUF
    /// `llama` tokenizer: our encodings must equal the ones sentencepiece itself produced.
    #[test]
    fn sentencepiece_model_encodes_like_sentencepiece() {
        use crate::llm::gguf::{GgufWriter, MetaValue};
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/llm/sentencepiece_bpe.json"
        );
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let array = |key: &str| fixture[key].as_array().unwrap().clone();
        let mut w = GgufWriter::new();
        w.add_metadata("tokenizer.ggml.model", MetaValue::String("llama".into()))
            .add_metadata(
                "tokenizer.ggml.tokens",
                MetaValue::Array(
                    array("tokens")
                        .iter()
                        .map(|t| MetaValue::String(t.as_str().unwrap().into()))
                        .collect(),
                ),
            )
            .add_metadata(
                "tokenizer.ggml.scores",
                MetaValue::Array(
                    array("scores")
                        .iter()
                        .map(|v| MetaValue::F32(v.as_f64().unwrap() as f32))
                        .collect(),
                ),
            )
            .add_metadata(
                "tokenizer.ggml.token_type",
                MetaValue::Array(
                    array("token_types")
                        .iter()
                        .map(|v| MetaValue::I32(v.as_i64().unwrap() as i32))
                        .collect(),
                ),
            )
            .add_metadata("tokenizer.ggml.unknown_token_id", MetaValue::U32(0))
            .add_metadata("tokenizer.ggml.bos_token_id", MetaValue::U32(1))
            .add_metadata("tokenizer.ggml.eos_token_id", MetaValue::U32(2));
        let dir = tempfile::tempdir().unwrap();
        let gguf = dir.path().join("spm.gguf");
        w.write(&gguf).unwrap();
        let t = Tokenizer::from_file(&gguf).unwrap();
        for case in array("encodings") {
            let text = case[0].as_str().unwrap();
            let want: Vec<u32> = case[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            assert_eq!(t.encode(text, false).unwrap(), want, "{text:?}");
            assert_eq!(t.decode(&want, false).unwrap(), text);
            // Llama-style models add BOS by default.
            let with_bos = t.encode(text, true).unwrap();
            assert_eq!(with_bos.first(), Some(&1), "{text:?}");
        }
    }

    #[test]
    fn unsupported_tokenizer_model_is_named() {
        use crate::llm::gguf::{GgufWriter, MetaValue};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t5.gguf");
        let mut w = GgufWriter::new();
        w.add_metadata("tokenizer.ggml.model", MetaValue::String("t5".into()))
            .add_metadata(
                "tokenizer.ggml.tokens",
                MetaValue::Array(vec![MetaValue::String("a".into())]),
            );
        w.write(&path).unwrap();
        let err = Tokenizer::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("unsupported tokenizer model `t5`"), "{err}");
    }
}
