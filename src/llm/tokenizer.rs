//! Tokenizer: a Hugging Face `tokenizer.json` (loaded with the `tokenizers` crate), either read
//! from a model folder or built from a GGUF file's `tokenizer.ggml.*` metadata.
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::llm::gguf::reader::{GgufFile, GGUF_MAGIC};
pub use crate::llm::gguf::tokenizer_json::tokenizer_json_from_gguf;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::real_gguf_or_skip;

    fn smollm2() -> Option<Tokenizer> {
        let path = real_gguf_or_skip("tokenizer")?;
        Some(Tokenizer::from_file(path).unwrap())
    }

    /// Encodings recorded once with the Python `tokenizers` package (0.23.3) loading the
    /// tokenizer.json this module builds; digits split singly as SmolLM2's StarCoder tokenizer does.
    const PYTHON_ENCODINGS: [(&str, &[u32]); 7] = [
        (
            "Hello, world! The year 2024 had 366 days.",
            &[
                19556, 28, 905, 17, 378, 713, 216, 34, 32, 34, 36, 761, 216, 35, 38, 38, 2009, 30,
            ],
        ),
        (
            "  leading spaces\n\n\ttabs and   runs  ",
            &[216, 2899, 5600, 1116, 197, 100, 7366, 284, 256, 7313, 256],
        ),
        (
            "Ünïcödé — “quotes” café 日本語 🚀 emoji",
            &[
                142, 246, 94, 25972, 83, 7466, 84, 2756, 1841, 619, 385, 2346, 573, 37366, 17097,
                241, 115, 40993, 179, 120, 248, 15107, 244, 218, 649, 33777,
            ],
        ),
        (
            "x=3.14159; y = x**2 // 7",
            &[
                104, 45, 35, 30, 33, 36, 33, 37, 41, 43, 329, 446, 1792, 828, 34, 13241, 216, 39,
            ],
        ),
        (
            "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
            &[
                1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198,
            ],
        ),
        (
            "don't won't I'll it's",
            &[12420, 982, 3763, 982, 339, 3060, 357, 506],
        ),
        (
            "1234567890 12,345.67",
            &[
                33, 34, 35, 36, 37, 38, 39, 40, 41, 32, 216, 33, 34, 28, 35, 36, 37, 30, 38, 39,
            ],
        ),
    ];

    const ROUND_TRIP_TEXTS: [&str; 8] = [
        "",
        "plain ascii text",
        "  two leading spaces, trailing  ",
        "lines\nand\r\nwindows\n\n\nblank lines\t\ttabs",
        "digits 0123456789 and 3.14159e-10",
        "Ünïcödé — “quotes” café 日本語 한국어 العربية 🚀👩‍👩‍👧 emoji",
        "code: fn main() { println!(\"{}\", 1 << 3); }",
        "special <|im_start|> inside <|im_end|> text",
    ];

    #[test]
    fn smollm2_chatml_prefix_and_reference_encodings() {
        let Some(t) = smollm2() else { return };
        assert_eq!(
            t.encode("<|im_start|>system\n", true).unwrap(),
            [1, 9690, 198]
        );
        assert_eq!(t.vocab_size(), 49152);
        assert_eq!(t.token_to_id("<|im_end|>"), Some(2));
        for (text, ids) in PYTHON_ENCODINGS {
            assert_eq!(t.encode(text, true).unwrap(), ids, "{text:?}");
        }
    }

    #[test]
    fn smollm2_decode_inverts_encode() {
        let Some(t) = smollm2() else { return };
        for text in ROUND_TRIP_TEXTS {
            let ids = t.encode(text, false).unwrap();
            assert_eq!(t.decode(&ids, false).unwrap(), text);
        }
        let ids = t
            .encode("<|im_start|>assistant\nParis.<|im_end|>", false)
            .unwrap();
        assert_eq!(t.decode(&ids, true).unwrap(), "assistant\nParis.");
    }

    #[test]
    fn stream_decoder_emits_whole_characters() {
        let Some(t) = smollm2() else { return };
        for text in ROUND_TRIP_TEXTS {
            let ids = t.encode(text, false).unwrap();
            let mut stream = t.stream_decoder(false);
            let mut out = String::new();
            for &id in &ids {
                if let Some(chunk) = stream.step(&t, id).unwrap() {
                    assert!(!chunk.contains('\u{FFFD}'), "{text:?}: chunk {chunk:?}");
                    out.push_str(&chunk);
                }
            }
            assert_eq!(out, text);
        }
        // 🚀 is four byte-level tokens: nothing comes out until the last one.
        let ids = t.encode("🚀", false).unwrap();
        assert!(ids.len() > 1, "{ids:?}");
        let mut stream = t.stream_decoder(false);
        let outputs: Vec<_> = ids.iter().map(|&id| stream.step(&t, id).unwrap()).collect();
        assert!(outputs[..ids.len() - 1].iter().all(Option::is_none));
        assert_eq!(outputs.last().unwrap().as_deref(), Some("🚀"));
    }

    #[test]
    fn tokenizer_json_file_loads_like_the_gguf_it_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let gguf = dir.path().join("tiny.gguf");
        crate::llm::gguf::write_tiny_llama(&gguf, 9).unwrap();
        let json = tokenizer_json_from_gguf(&GgufFile::open(&gguf).unwrap()).unwrap();
        let json_path = dir.path().join("tokenizer.json");
        std::fs::write(&json_path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
        let text = "<|im_start|>user\nthe cat is in the garden<|im_end|>";
        assert_eq!(
            Tokenizer::from_file(&json_path)
                .unwrap()
                .encode(text, true)
                .unwrap(),
            Tokenizer::from_file(&gguf)
                .unwrap()
                .encode(text, true)
                .unwrap()
        );
        std::fs::write(&json_path, "{\"model\": 3}").unwrap();
        let err = Tokenizer::from_file(&json_path).unwrap_err();
        assert!(matches!(err, Error::Input { .. }), "{err:?}");
        assert!(err.to_string().contains("invalid tokenizer.json"), "{err}");
        let err = Tokenizer::from_file(dir.path().join("missing.json")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
    }

    #[test]
    fn tiny_llama_tokenizer_uses_its_merges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tiny.gguf");
        crate::llm::gguf::write_tiny_llama(&path, 1).unwrap();
        let t = Tokenizer::from_file(&path).unwrap();
        let ids = t.encode("<|im_start|>the cat and the thing", true).unwrap();
        let tokens: Vec<String> = ids.iter().map(|&id| t.id_to_token(id).unwrap()).collect();
        assert_eq!(
            tokens,
            [
                "<|im_start|>",
                "t",
                "he",
                "Ġc",
                "at",
                "Ġand",
                "Ġthe",
                "Ġt",
                "h",
                "ing"
            ]
        );
        for text in ROUND_TRIP_TEXTS {
            assert_eq!(
                t.decode(&t.encode(text, false).unwrap(), false).unwrap(),
                text
            );
        }
    }
}
