//! Local generation: ONNX Runtime, tokenizer and chat template, KV-cache decoding, GGUF import.
pub mod weights;
