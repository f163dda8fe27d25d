//! The head-less decoder graph and the LM head pressgate computes after it
//! ([`crate::llm::lm_head`]). The importer writes this variant next to `model.onnx` when the
//! head is a Q8_0 weight split into two exact 4-bit halves; the variant ends at the final normed
//! hidden state, and its metadata names the full graph and the head's initializers in it, so
//! the head is read back from the external data file both graphs share (no second copy on
//! disk). The full graph stays as it was, for onnxruntime-genai and for CUDA.
use crate::error::{Error, Result};
use crate::llm::lm_head::{Q8Head, BLOCK};
use onnx_protobuf::tensor_proto::{DataLocation, DataType};
use onnx_protobuf::{Message, ModelProto, TensorProto};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

/// Metadata key: how the head is stored; [`Q8_0_SPLIT`] is the one encoding read today.
pub const ENCODING_KEY: &str = "pressgate.lm_head.encoding";
/// [`crate::llm::import::quant::split_q8_0_into_nibbles`] halves: `{prefix}.qweight` and
/// `{prefix}.scales`.
pub const Q8_0_SPLIT: &str = "q8_0_nibble_split";
/// Metadata key: the graph file (same folder) whose initializers hold the head.
pub const SOURCE_GRAPH_KEY: &str = "pressgate.lm_head.graph";
/// Metadata key: the name prefix of the head's initializers.
pub const WEIGHT_KEY: &str = "pressgate.lm_head.weight";
/// Metadata key: the graph output the head reads (`[batch, seq, hidden]`).
pub const OUTPUT_KEY: &str = "pressgate.lm_head.input";

/// The head-less variant's file name for a model file: `model.onnx` → `model.headless.onnx`.
pub fn graph_file_name(model_file: &str) -> String {
    match model_file.strip_suffix(".onnx") {
        Some(stem) => format!("{stem}.headless.onnx"),
        None => format!("{model_file}.headless.onnx"),
    }
}

/// A head-less graph with the head that completes it.
#[derive(Debug)]
pub struct HeadLess {
    /// The graph file to run.
    pub graph: PathBuf,
    /// Its output holding the final normed hidden state.
    pub hidden_output: String,
    pub head: Q8Head,
}

/// The head-less variant of `model_file` and its head, when the folder has one in an encoding
/// this build reads; `None` otherwise (the full graph then computes the logits). A variant that
/// is there but does not fit its metadata is an error, so a damaged folder is reported.
pub fn open(model_file: &Path) -> Result<Option<HeadLess>> {
    let (Some(dir), Some(name)) = (model_file.parent(), model_file.file_name()) else {
        return Ok(None);
    };
    let graph = dir.join(graph_file_name(&name.to_string_lossy()));
    if !graph.is_file() {
        return Ok(None);
    }
    let model = read_model(&graph)?;
    let meta = |key: &str| {
        model
            .metadata_props
            .iter()
            .find(|p| p.key == key)
            .map(|p| p.value.clone())
    };
    if meta(ENCODING_KEY).as_deref() != Some(Q8_0_SPLIT) {
        return Ok(None);
    }
    let (Some(source), Some(prefix), Some(hidden_output)) =
        (meta(SOURCE_GRAPH_KEY), meta(WEIGHT_KEY), meta(OUTPUT_KEY))
    else {
        return Err(Error::input(
            &graph,
            "head-less graph metadata does not say where its LM head is",
        ));
    };
    let source = inside(dir, &source).ok_or_else(|| {
        Error::input(
            &graph,
            format!("LM head graph `{source}` is not in the folder"),
        )
    })?;
    let full = read_model(&source)?;
    let find = |suffix: &str| {
        let name = format!("{prefix}.{suffix}");
        full.graph
            .initializer
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| Error::input(&source, format!("graph has no initializer `{name}`")))
    };
    let (qweight, scales) = (find("qweight")?, find("scales")?);
    let head = split_head(&source, qweight, scales)?;
    Ok(Some(HeadLess {
        graph,
        hidden_output,
        head,
    }))
}

fn read_model(path: &Path) -> Result<ModelProto> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    ModelProto::parse_from_bytes(&bytes)
        .map_err(|e| Error::input(path, format!("not an ONNX model: {e}")))
}

/// `relative` under `dir`, refusing absolute paths and `..` (the name comes from a file).
fn inside(dir: &Path, relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    path.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(path))
}

/// The Q8_0 head from its two 4-bit halves: `qweight` `[rows, 2·cols/32, 16]` u8, `scales`
/// `[rows·2·cols/32]` f32.
fn split_head(source: &Path, qweight: &TensorProto, scales: &TensorProto) -> Result<Q8Head> {
    let shape_error = || {
        Error::input(
            source,
            format!(
                "LM head halves have unexpected shapes {:?} and {:?}",
                qweight.dims, scales.dims
            ),
        )
    };
    let dims: Vec<usize> = qweight
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| shape_error()))
        .collect::<Result<_>>()?;
    let [rows, split_blocks, blob] = dims[..] else {
        return Err(shape_error());
    };
    if blob != BLOCK / 2
        || !split_blocks.is_multiple_of(2)
        || qweight.data_type != DataType::UINT8 as i32
        || scales.data_type != DataType::FLOAT as i32
    {
        return Err(shape_error());
    }
    let cols = split_blocks / 2 * BLOCK;
    let packed = tensor_bytes(source, qweight)?;
    let scale_bytes = tensor_bytes(source, scales)?;
    if !scale_bytes.len().is_multiple_of(4) {
        return Err(shape_error());
    }
    let split_scales: Vec<f32> = scale_bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Q8Head::from_nibble_split(&packed, &split_scales, rows, cols)
        .map_err(|e| Error::input(source, e.to_string()))
}

/// An initializer's bytes: inline `raw_data`, or its range of the external data file.
fn tensor_bytes(model_file: &Path, tensor: &TensorProto) -> Result<Vec<u8>> {
    if tensor.data_location.enum_value() != Ok(DataLocation::EXTERNAL) {
        return Ok(tensor.raw_data.clone());
    }
    let entry = |key: &str| {
        tensor
            .external_data
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let bad =
        |what: &str| Error::input(model_file, format!("initializer `{}`: {what}", tensor.name));
    let dir = model_file.parent().unwrap_or(Path::new("."));
    let location = entry("location").ok_or_else(|| bad("external data without a location"))?;
    let data_file = inside(dir, location).ok_or_else(|| bad("external data outside the folder"))?;
    let offset: u64 = entry("offset")
        .unwrap_or("0")
        .parse()
        .map_err(|_| bad("bad external data offset"))?;
    let length: usize = entry("length")
        .ok_or_else(|| bad("external data without a length"))?
        .parse()
        .map_err(|_| bad("bad external data length"))?;
    let mut file = std::fs::File::open(&data_file).map_err(|e| Error::io(&data_file, e))?;
    let size = file.metadata().map_err(|e| Error::io(&data_file, e))?.len();
    if offset.saturating_add(length as u64) > size {
        return Err(bad("external data range past the end of the data file"));
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| Error::io(&data_file, e))?;
    let mut bytes = vec![0u8; length];
    file.read_exact(&mut bytes)
        .map_err(|e| Error::io(&data_file, e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_and_folder_paths() {
        assert_eq!(graph_file_name("model.onnx"), "model.headless.onnx");
        assert_eq!(graph_file_name("decoder"), "decoder.headless.onnx");
        let dir = Path::new("/models/x");
        assert_eq!(
            inside(dir, "model.onnx.data"),
            Some(dir.join("model.onnx.data"))
        );
        assert_eq!(inside(dir, "../other/model.onnx.data"), None);
        assert_eq!(inside(dir, "/etc/passwd"), None);
    }

    #[test]
    fn folder_without_a_head_less_graph_uses_the_full_graph() {
        let dir = tempfile::tempdir().expect("tempdir");
        let model = dir.path().join("model.onnx");
        std::fs::write(&model, b"").expect("write");
        assert!(open(&model).expect("open").is_none());
    }

    #[test]
    fn damaged_head_less_graph_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let model = dir.path().join("model.onnx");
        std::fs::write(dir.path().join("model.headless.onnx"), b"\xff\xff\xff").expect("write");
        let message = open(&model).err().map(|e| e.to_string());
        assert!(message.is_some_and(|m| m.contains("not an ONNX model")));
    }
}
