//! GGUF model files: container reader, dequantization, the [`WeightSource`](crate::llm::weights::WeightSource)
//! implementation, tokenizer.json conversion, and a small writer used to build test models.
pub mod dequant;
pub mod quantize;
pub mod reader;
pub mod tokenizer_json;
pub mod types;
pub mod weights;
pub mod writer;

pub use reader::{GgufFile, MetaValue, TensorInfo};
pub use types::GgmlType;
pub use weights::GgufWeights;
pub use writer::{write_tiny_llama, GgufWriter};

/// Path of the real SmolLM2 GGUF for model tests: `PRESSGATE_TEST_GGUF`, else the default
/// download location. `None` when neither exists.
pub fn test_gguf_path() -> Option<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("PRESSGATE_TEST_GGUF") {
        return Some(std::path::PathBuf::from(p)).filter(|p| p.is_file());
    }
    dirs::home_dir()
        .map(|h| h.join(".local/share/pressgate/downloads/SmolLM2-135M-Instruct.Q4_1.gguf"))
        .filter(|p| p.is_file())
}

/// The real GGUF, or `None` after a loud skip message; under `CI` a missing model fails the test.
#[cfg(test)]
pub(crate) fn real_gguf_or_skip(test: &str) -> Option<std::path::PathBuf> {
    let path = test_gguf_path();
    if path.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: no GGUF model at PRESSGATE_TEST_GGUF or the default download path (required in CI)"
        );
        eprintln!("SKIPPED: {test}: no GGUF model (set PRESSGATE_TEST_GGUF)");
    }
    path
}
