//! Writing an ONNX `ModelProto`: nodes, graph inputs/outputs and initializers, with tensor bytes
//! streamed into one external data file so the protobuf stays small (and under its 2 GB limit).
use crate::error::{Error, Result};
use crate::llm::custom_ops;
use onnx_protobuf::attribute_proto::AttributeType;
use onnx_protobuf::tensor_proto::{DataLocation, DataType};
use onnx_protobuf::tensor_shape_proto::{dimension, Dimension};
use onnx_protobuf::type_proto;
use onnx_protobuf::{
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    StringStringEntryProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Tensors smaller than this stay inside model.onnx.
const INLINE_LIMIT: usize = 1024;
/// External tensors start on this boundary so ONNX Runtime can map them directly.
const EXTERNAL_ALIGN: u64 = 64;

/// A node attribute value.
pub enum Attr {
    Int(i64),
    Float(f32),
    Ints(Vec<i64>),
}

/// A dimension of a graph input or output.
pub enum Dim {
    Fixed(i64),
    Named(&'static str),
}

pub struct GraphWriter {
    graph: GraphProto,
    data_file_name: String,
    data_path: PathBuf,
    data: BufWriter<std::fs::File>,
    data_len: u64,
    node_count: usize,
}

impl GraphWriter {
    /// Start a graph whose external tensor data goes to `dir/data_file_name`.
    pub fn create(dir: &Path, data_file_name: &str) -> Result<Self> {
        let data_path = dir.join(data_file_name);
        let file = std::fs::File::create(&data_path).map_err(|e| Error::io(&data_path, e))?;
        Ok(GraphWriter {
            graph: GraphProto {
                name: "pressgate_decoder".into(),
                ..Default::default()
            },
            data_file_name: data_file_name.into(),
            data_path,
            data: BufWriter::with_capacity(1 << 20, file),
            data_len: 0,
            node_count: 0,
        })
    }

    fn push_initializer(
        &mut self,
        name: &str,
        dims: &[usize],
        data_type: DataType,
        bytes: &[u8],
    ) -> Result<()> {
        let mut tensor = TensorProto {
            name: name.into(),
            dims: dims.iter().map(|d| *d as i64).collect(),
            data_type: data_type as i32,
            ..Default::default()
        };
        if bytes.len() < INLINE_LIMIT {
            tensor.raw_data = bytes.to_vec();
        } else {
            let padding = (EXTERNAL_ALIGN - self.data_len % EXTERNAL_ALIGN) % EXTERNAL_ALIGN;
            let zeros = [0u8; EXTERNAL_ALIGN as usize];
            self.write_data(&zeros[..padding as usize])?;
            let offset = self.data_len;
            self.write_data(bytes)?;
            tensor.data_location = DataLocation::EXTERNAL.into();
            for (key, value) in [
                ("location", self.data_file_name.clone()),
                ("offset", offset.to_string()),
                ("length", bytes.len().to_string()),
            ] {
                tensor.external_data.push(StringStringEntryProto {
                    key: key.into(),
                    value,
                    ..Default::default()
                });
            }
        }
        self.graph.initializer.push(tensor);
        Ok(())
    }

    fn write_data(&mut self, bytes: &[u8]) -> Result<()> {
        self.data
            .write_all(bytes)
            .map_err(|e| Error::io(&self.data_path, e))?;
        self.data_len += bytes.len() as u64;
        Ok(())
    }

    /// Whether an initializer of this name was added already.
    pub fn has_initializer(&self, name: &str) -> bool {
        self.graph.initializer.iter().any(|t| t.name == name)
    }

    pub fn f32_initializer(&mut self, name: &str, dims: &[usize], values: &[f32]) -> Result<()> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.push_initializer(name, dims, DataType::FLOAT, &bytes)
    }

    pub fn f16_initializer(&mut self, name: &str, dims: &[usize], values: &[f32]) -> Result<()> {
        let bytes: Vec<u8> = values
            .iter()
            .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
            .collect();
        self.push_initializer(name, dims, DataType::FLOAT16, &bytes)
    }

    pub fn u8_initializer(&mut self, name: &str, dims: &[usize], values: &[u8]) -> Result<()> {
        self.push_initializer(name, dims, DataType::UINT8, values)
    }

    pub fn i8_initializer(&mut self, name: &str, dims: &[usize], values: &[i8]) -> Result<()> {
        let bytes: Vec<u8> = values.iter().map(|v| v.to_le_bytes()[0]).collect();
        self.push_initializer(name, dims, DataType::INT8, &bytes)
    }

    pub fn i64_initializer(&mut self, name: &str, dims: &[usize], values: &[i64]) -> Result<()> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.push_initializer(name, dims, DataType::INT64, &bytes)
    }

    /// Add a node; outputs named "" are optional outputs left unused.
    pub fn node(
        &mut self,
        op_type: &str,
        domain: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: Vec<(&str, Attr)>,
    ) {
        self.node_count += 1;
        let name = format!("{op_type}_{}", self.node_count);
        self.graph
            .node
            .push(node_proto(name, op_type, domain, inputs, outputs, attrs));
    }

    pub fn input(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.input.push(value_info(name, elem, dims));
    }

    pub fn output(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.output.push(value_info(name, elem, dims));
    }

    /// Drop the initializers no node reads (their bytes stay in the data file for variants).
    pub fn drop_unread_initializers(&mut self) {
        retain_read_initializers(&mut self.graph);
    }

    /// Where the graph stands now, to cut a [`Self::variant`] there.
    pub fn mark(&self) -> GraphMark {
        GraphMark {
            nodes: self.graph.node.len(),
        }
    }

    /// The graph written so far as a second model over the same external data file, with the
    /// graph output `dropped` replaced by `output`; then the nodes added since `mark` are taken
    /// out of this graph again (they compute what only the variant returns).
    pub fn variant(
        &mut self,
        mark: GraphMark,
        dropped: &str,
        output: (&str, DataType, &[Dim]),
    ) -> GraphVariant {
        let mut graph = self.graph.clone();
        graph.output.retain(|o| o.name != dropped);
        graph
            .output
            .insert(0, value_info(output.0, output.1, output.2));
        self.graph.node.truncate(mark.nodes);
        GraphVariant { graph }
    }

    /// Write `model_path` (the graph), each variant next to it, and flush the external data
    /// file they share.
    pub fn finish(
        mut self,
        model_path: &Path,
        metadata: &[(&str, String)],
        variants: Vec<VariantFile>,
    ) -> Result<()> {
        self.data
            .flush()
            .map_err(|e| Error::io(&self.data_path, e))?;
        write_model(model_path, self.graph, metadata)?;
        for variant in variants {
            write_model(&variant.path, variant.graph.graph, &variant.metadata)?;
        }
        Ok(())
    }
}

/// A position in a [`GraphWriter`]'s node list.
#[derive(Debug, Clone, Copy)]
pub struct GraphMark {
    nodes: usize,
}

/// A second graph cut from a [`GraphWriter`] (see [`GraphWriter::variant`]).
pub struct GraphVariant {
    graph: GraphProto,
}

impl GraphVariant {
    /// The variant's graph, for rewrites that only the variant gets.
    pub fn graph_mut(&mut self) -> &mut GraphProto {
        &mut self.graph
    }
}

/// A [`GraphVariant`] with the file it goes to and its model metadata.
pub struct VariantFile {
    pub path: PathBuf,
    pub graph: GraphVariant,
    pub metadata: Vec<(&'static str, String)>,
}

fn write_model(model_path: &Path, graph: GraphProto, metadata: &[(&str, String)]) -> Result<()> {
    let mut opset_import = vec![opset("", 21), opset("com.microsoft", 1)];
    if graph.node.iter().any(|n| n.domain == custom_ops::DOMAIN) {
        opset_import.push(opset(custom_ops::DOMAIN, 1));
    }
    let model = ModelProto {
        ir_version: 10,
        producer_name: "pressgate".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        opset_import,
        graph: Some(graph).into(),
        metadata_props: metadata
            .iter()
            .map(|(key, value)| StringStringEntryProto {
                key: (*key).into(),
                value: value.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let bytes = model
        .write_to_bytes()
        .map_err(|e| Error::Other(anyhow::anyhow!("cannot encode the ONNX model: {e}")))?;
    std::fs::write(model_path, bytes).map_err(|e| Error::io(model_path, e))
}

fn opset(domain: &str, version: i64) -> OperatorSetIdProto {
    OperatorSetIdProto {
        domain: domain.into(),
        version,
        ..Default::default()
    }
}

/// Keeps only the initializers some node of `graph` reads.
pub fn retain_read_initializers(graph: &mut GraphProto) {
    let read: std::collections::HashSet<String> = graph
        .node
        .iter()
        .flat_map(|n| n.input.iter().cloned())
        .collect();
    graph.initializer.retain(|t| read.contains(&t.name));
}

/// A node attribute.
pub fn attribute(name: &str, value: Attr) -> AttributeProto {
    let mut attr = AttributeProto {
        name: name.into(),
        ..Default::default()
    };
    match value {
        Attr::Int(i) => {
            attr.type_ = AttributeType::INT.into();
            attr.i = i;
        }
        Attr::Float(f) => {
            attr.type_ = AttributeType::FLOAT.into();
            attr.f = f;
        }
        Attr::Ints(ints) => {
            attr.type_ = AttributeType::INTS.into();
            attr.ints = ints;
        }
    }
    attr
}

/// A `NodeProto`; outputs named "" are optional outputs left unused.
pub fn node_proto(
    name: String,
    op_type: &str,
    domain: &str,
    inputs: &[&str],
    outputs: &[&str],
    attrs: Vec<(&str, Attr)>,
) -> NodeProto {
    let attribute = attrs
        .into_iter()
        .map(|(name, value)| attribute(name, value))
        .collect();
    NodeProto {
        name,
        op_type: op_type.into(),
        domain: domain.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute,
        ..Default::default()
    }
}

fn value_info(name: &str, elem: DataType, dims: &[Dim]) -> ValueInfoProto {
    let shape = TensorShapeProto {
        dim: dims
            .iter()
            .map(|d| Dimension {
                value: Some(match d {
                    Dim::Fixed(v) => dimension::Value::DimValue(*v),
                    Dim::Named(n) => dimension::Value::DimParam((*n).into()),
                }),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    ValueInfoProto {
        name: name.into(),
        type_: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: elem as i32,
                shape: Some(shape).into(),
                ..Default::default()
            })),
            ..Default::default()
        })
        .into(),
        ..Default::default()
    }
}
