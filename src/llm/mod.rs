//! Local generation: ONNX Runtime, tokenizer and chat template, KV-cache decoding, GGUF import.
pub mod import;
pub mod model_dir;
pub mod reference;
pub mod runtime;
pub mod session;
pub mod weights;
pub mod chat_template;
pub mod gguf;
pub mod tokenizer;
