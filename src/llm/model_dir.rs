//! Model folder layout: `model.onnx` (+ `model.onnx.data`), `tokenizer.json`,
//! `tokenizer_config.json` (chat template), `genai_config.json` (onnxruntime-genai schema) and
//! `pressgate_model.json` (provenance). Folders written by onnxruntime-genai's builder load too:
//! names and sizes come from `genai_config.json`, not from assumptions.
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const GENAI_CONFIG: &str = "genai_config.json";
pub const TOKENIZER: &str = "tokenizer.json";
pub const TOKENIZER_CONFIG: &str = "tokenizer_config.json";
pub const PRESSGATE_MODEL: &str = "pressgate_model.json";

/// `genai_config.json`, the parts pressgate reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenaiConfig {
    pub model: GenaiModel,
    #[serde(default)]
    pub search: SearchDefaults,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenaiModel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bos_token_id: Option<u32>,
    pub context_length: usize,
    pub decoder: GenaiDecoder,
    #[serde(default, deserialize_with = "one_or_many")]
    pub eos_token_id: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pad_token_id: Option<u32>,
    #[serde(rename = "type", default)]
    pub model_type: String,
    pub vocab_size: usize,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(u32),
        Many(Vec<u32>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(v) => vec![v],
        OneOrMany::Many(v) => v,
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GenaiDecoder {
    #[serde(default = "default_filename")]
    pub filename: String,
    pub head_size: usize,
    pub hidden_size: usize,
    #[serde(default)]
    pub inputs: DecoderInputs,
    #[serde(default)]
    pub outputs: DecoderOutputs,
    pub num_attention_heads: usize,
    pub num_hidden_layers: usize,
    pub num_key_value_heads: usize,
}

fn default_filename() -> String {
    "model.onnx".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecoderInputs {
    pub input_ids: String,
    pub attention_mask: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_ids: Option<String>,
    pub past_key_names: String,
    pub past_value_names: String,
}

impl Default for DecoderInputs {
    fn default() -> Self {
        DecoderInputs {
            input_ids: "input_ids".into(),
            attention_mask: "attention_mask".into(),
            position_ids: None,
            past_key_names: "past_key_values.%d.key".into(),
            past_value_names: "past_key_values.%d.value".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecoderOutputs {
    pub logits: String,
    pub present_key_names: String,
    pub present_value_names: String,
}

impl Default for DecoderOutputs {
    fn default() -> Self {
        DecoderOutputs {
            logits: "logits".into(),
            present_key_names: "present.%d.key".into(),
            present_value_names: "present.%d.value".into(),
        }
    }
}

/// genai's `search` section: generation defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchDefaults {
    pub do_sample: bool,
    pub max_length: usize,
    pub temperature: f32,
    pub top_k: usize,
    pub top_p: f32,
    pub repetition_penalty: f32,
}

impl Default for SearchDefaults {
    fn default() -> Self {
        SearchDefaults {
            do_sample: false,
            max_length: 2048,
            temperature: 1.0,
            top_k: 50,
            top_p: 1.0,
            repetition_penalty: 1.0,
        }
    }
}

/// `pressgate_model.json`: where a folder came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    #[serde(default)]
    pub source_file: Option<String>,
    #[serde(default)]
    pub source_sha256: Option<String>,
    pub quant: String,
    pub architecture: String,
    #[serde(default)]
    pub parameters: u64,
    #[serde(default)]
    pub pressgate_version: String,
    /// [`GRAPH_LAYOUT`] of the importer that wrote the graph (0: written before it existed).
    #[serde(default)]
    pub graph_layout: u32,
}

/// Version of the decoder graph the importer writes: raised whenever a change makes the same
/// GGUF and encoding import to a different (faster or more exact) graph, so `model install`
/// redoes older installs.
pub const GRAPH_LAYOUT: u32 = 4;

/// An opened model folder with its configuration checked.
#[derive(Debug, Clone)]
pub struct ModelDir {
    pub path: PathBuf,
    pub genai: GenaiConfig,
    pub provenance: Option<Provenance>,
}

/// A model folder given as a path, else the installed model of that name under
/// [`crate::paths::models_dir`]; `None` when neither exists.
pub fn find(model: &str) -> Option<PathBuf> {
    let as_path = Path::new(model);
    if as_path.is_dir() {
        return Some(as_path.to_path_buf());
    }
    Some(crate::paths::models_dir().join(model)).filter(|dir| dir.is_dir())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::input(path, format!("invalid JSON: {e}")))
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot encode {}: {e}", path.display())))?;
    std::fs::write(path, text + "\n").map_err(|e| Error::io(path, e))
}

impl ModelDir {
    /// Open `path`, requiring `genai_config.json`, the model file and `tokenizer.json`.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_dir() {
            return Err(Error::input(path, "not a model folder (no such directory)"));
        }
        let config_path = path.join(GENAI_CONFIG);
        if !config_path.is_file() {
            return Err(Error::input(
                path,
                format!("missing {GENAI_CONFIG} in the model folder"),
            ));
        }
        let genai: GenaiConfig = read_json(&config_path)?;
        for file in [genai.model.decoder.filename.as_str(), TOKENIZER] {
            if !path.join(file).is_file() {
                return Err(Error::input(
                    path,
                    format!("missing {file} in the model folder"),
                ));
            }
        }
        let provenance_path = path.join(PRESSGATE_MODEL);
        let provenance = if provenance_path.is_file() {
            Some(read_json(&provenance_path)?)
        } else {
            None
        };
        Ok(ModelDir {
            path: path.to_path_buf(),
            genai,
            provenance,
        })
    }

    pub fn model_file(&self) -> PathBuf {
        self.path.join(&self.genai.model.decoder.filename)
    }

    pub fn tokenizer_file(&self) -> PathBuf {
        self.path.join(TOKENIZER)
    }

    /// The chat template from `tokenizer_config.json`, if any.
    pub fn chat_template(&self) -> Result<Option<String>> {
        let path = self.path.join(TOKENIZER_CONFIG);
        if !path.is_file() {
            return Ok(None);
        }
        let value: serde_json::Value = read_json(&path)?;
        Ok(value
            .get("chat_template")
            .and_then(|t| t.as_str())
            .map(str::to_string))
    }

    /// A special token string from `tokenizer_config.json` (`bos_token`, `eos_token`).
    pub fn special_token(&self, key: &str) -> Option<String> {
        let value: serde_json::Value = read_json(&self.path.join(TOKENIZER_CONFIG)).ok()?;
        match value.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => other.get("content")?.as_str().map(str::to_string),
        }
    }

    /// Total bytes of the files in the folder.
    pub fn size_bytes(&self) -> u64 {
        std::fs::read_dir(&self.path)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok()?.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genai_config_from_onnxruntime_genai_builder_parses() {
        // Shape of a config written by onnxruntime-genai's own builder (fields trimmed).
        let text = r#"{"model": {"bos_token_id": 1, "context_length": 2048,
            "decoder": {"session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
              "filename": "model.onnx", "head_size": 64, "hidden_size": 576,
              "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask",
                "past_key_names": "past_key_values.%d.key", "past_value_names": "past_key_values.%d.value"},
              "outputs": {"logits": "logits", "present_key_names": "present.%d.key", "present_value_names": "present.%d.value"},
              "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3},
            "eos_token_id": 2, "pad_token_id": 2, "type": "llama", "vocab_size": 49152},
          "search": {"do_sample": false, "max_length": 2048, "min_length": 0, "temperature": 1.0, "top_k": 1, "top_p": 1.0}}"#;
        let config: GenaiConfig = serde_json::from_str(text).expect("parse");
        assert_eq!(config.model.eos_token_id, vec![2]);
        assert_eq!(config.model.decoder.num_key_value_heads, 3);
        assert_eq!(config.model.decoder.inputs.position_ids, None);
        assert_eq!(config.search.top_k, 1);
    }

    #[test]
    fn missing_folder_and_files_are_input_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = ModelDir::open(&dir.path().join("nope"))
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("no such directory")));
        let err = ModelDir::open(dir.path()).err().map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains(GENAI_CONFIG)));
    }
}
