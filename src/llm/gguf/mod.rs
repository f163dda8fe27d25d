//! GGUF model files: container reader, dequantization, the [`WeightSource`](crate::llm::weights::WeightSource)
//! implementation, and a small writer used to build test models.
pub mod dequant;
pub mod quantize;
pub mod reader;
pub mod types;
pub mod weights;
pub mod writer;

pub use reader::{GgufFile, MetaValue, TensorInfo};
pub use types::GgmlType;
pub use weights::GgufWeights;
pub use writer::{write_tiny_llama, GgufWriter};
