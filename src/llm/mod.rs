//! Local generation: ONNX Runtime, tokenizer and chat template, KV-cache decoding, GGUF import.
pub mod backend;
pub mod chat_template;
pub mod generate;
pub mod gguf;
pub mod head_less;
pub mod import;
pub mod lm_head;
pub mod local_model;
pub mod model_dir;
pub mod openai;
pub mod reference;
pub mod runtime;
pub mod sampling;
pub mod session;
pub mod tokenizer;
pub mod weights;
