//! Local generation: ONNX Runtime, tokenizer and chat template, KV-cache decoding, GGUF import.
pub mod chat_template;
pub mod gguf;
pub mod tokenizer;
pub mod weights;
