//! The decoder graph with its attention in fp16, for ONNX Runtime's CUDA execution provider.
//!
//! pressgate's graphs run GroupQueryAttention on float32, but ONNX Runtime's CUDA kernel of that
//! operator exists for fp16 and bf16 only: on CUDA every attention node of the float graph falls
//! back to the CPU, and each layer then copies its activations device→host→device. This
//! variant, built in memory from `model.onnx` at session creation, casts each attention node's
//! float inputs to fp16 and its output back to float, and makes the KV cache (graph inputs
//! `past_*`, outputs `present_*`) fp16, so attention and its cache stay on the GPU. Everything
//! else (the 4-bit linears, norms, the head) keeps running in float32.
use crate::error::{Error, Result};
use crate::llm::import::onnx_writer::{node_proto, Attr};
use crate::llm::session::KV_SHARE_BUFFER_METADATA;
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::{type_proto, GraphProto, Message, ModelProto, NodeProto, ValueInfoProto};
use std::collections::{HashMap, HashSet};
use std::path::Path;

const ATTENTION_OP: &str = "GroupQueryAttention";
const MS_DOMAIN: &str = "com.microsoft";
/// Suffix of the values this rewrite adds (fp16 copies of float values).
const HALF_SUFFIX: &str = "/half_attention";

/// GroupQueryAttention input positions (ONNX Runtime's contrib operator schema).
const QUERY: usize = 0;
const KEY: usize = 1;
const VALUE: usize = 2;
const PAST_KEY: usize = 3;
const PAST_VALUE: usize = 4;
const COS_CACHE: usize = 7;
const SIN_CACHE: usize = 8;
/// Inputs past this one (position ids, attention bias, head sink) are not rewritten.
const LAST_SUPPORTED_INPUT: usize = SIN_CACHE;

/// The outcome of [`rewrite`].
#[derive(Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// This many attention nodes now run in fp16.
    Rewritten(usize),
    /// The graph does not have the shape this rewrite handles (the reason); it is unchanged.
    Unsuitable(String),
}

/// The fp16-attention variant of `model_file`, encoded, or why the graph does not allow one.
/// External data stays where it is: load the bytes with the model's folder as the external
/// initializers folder.
pub fn variant_bytes(model_file: &Path) -> Result<std::result::Result<Vec<u8>, String>> {
    let bytes = std::fs::read(model_file).map_err(|e| Error::io(model_file, e))?;
    let mut model = ModelProto::parse_from_bytes(&bytes)
        .map_err(|e| Error::input(model_file, format!("not an ONNX model: {e}")))?;
    // The fp16 cache is only ever kept as bound buffers that attention appends to in place.
    let shareable = model
        .metadata_props
        .iter()
        .any(|p| p.key == KV_SHARE_BUFFER_METADATA && p.value == "1");
    if !shareable {
        return Ok(Err("its KV cache is not marked as a shared buffer".into()));
    }
    let Some(graph) = model.graph.as_mut() else {
        return Ok(Err("the model has no graph".into()));
    };
    match rewrite(graph) {
        Rewrite::Rewritten(_) => {}
        Rewrite::Unsuitable(reason) => return Ok(Err(reason)),
    }
    let encoded = model.write_to_bytes().map_err(|e| {
        Error::Other(anyhow::anyhow!(
            "cannot encode the fp16-attention graph: {e}"
        ))
    })?;
    Ok(Ok(encoded))
}

/// Put every GroupQueryAttention node of `graph` on fp16 (see the module doc). All or nothing:
/// a graph with one node this rewrite cannot handle is left as it was.
pub fn rewrite(graph: &mut GraphProto) -> Rewrite {
    let attention: Vec<usize> = graph
        .node
        .iter()
        .enumerate()
        .filter(|(_, n)| n.op_type == ATTENTION_OP && n.domain == MS_DOMAIN)
        .map(|(i, _)| i)
        .collect();
    if attention.is_empty() {
        return Rewrite::Unsuitable("the graph has no GroupQueryAttention node".into());
    }
    if let Err(reason) = check_nodes(graph, &attention) {
        return Rewrite::Unsuitable(reason);
    }
    let mut half_inputs = HashSet::new();
    let mut half_outputs = HashSet::new();
    let mut cast_already: HashSet<String> = HashSet::new();
    let attention: HashSet<usize> = attention.into_iter().collect();
    let old_nodes = std::mem::take(&mut graph.node);
    let mut count = 0;
    for (index, mut node) in old_nodes.into_iter().enumerate() {
        if !attention.contains(&index) {
            graph.node.push(node);
            continue;
        }
        count += 1;
        for position in [QUERY, KEY, VALUE, COS_CACHE, SIN_CACHE] {
            let Some(name) = node.input.get(position).filter(|n| !n.is_empty()).cloned() else {
                continue;
            };
            let half = format!("{name}{HALF_SUFFIX}");
            // The rotary caches are shared by every layer: one cast each (constant-folded).
            if cast_already.insert(name.clone()) {
                graph.node.push(cast(&name, &half, DataType::FLOAT16));
            }
            node.input[position] = half;
        }
        half_inputs.insert(node.input[PAST_KEY].clone());
        half_inputs.insert(node.input[PAST_VALUE].clone());
        half_outputs.insert(node.output[1].clone());
        half_outputs.insert(node.output[2].clone());
        let output = node.output[0].clone();
        let half_output = format!("{output}{HALF_SUFFIX}");
        node.output[0] = half_output.clone();
        graph.node.push(node);
        graph
            .node
            .push(cast(&half_output, &output, DataType::FLOAT));
    }
    for info in graph
        .input
        .iter_mut()
        .filter(|i| half_inputs.contains(&i.name))
    {
        set_element_type(info, DataType::FLOAT16);
    }
    for info in graph
        .output
        .iter_mut()
        .filter(|o| half_outputs.contains(&o.name))
    {
        set_element_type(info, DataType::FLOAT16);
    }
    Rewrite::Rewritten(count)
}

/// Every attention node must read its past KV straight from float graph inputs and write its
/// present KV straight to graph outputs that nothing else reads, so their type can change.
fn check_nodes(graph: &GraphProto, attention: &[usize]) -> std::result::Result<(), String> {
    let float_inputs: HashSet<&str> = graph
        .input
        .iter()
        .filter(|i| element_type(i) == Some(DataType::FLOAT as i32))
        .map(|i| i.name.as_str())
        .collect();
    let outputs: HashSet<&str> = graph.output.iter().map(|o| o.name.as_str()).collect();
    let mut readers: HashMap<&str, usize> = HashMap::new();
    for node in &graph.node {
        for input in node.input.iter().filter(|i| !i.is_empty()) {
            *readers.entry(input.as_str()).or_default() += 1;
        }
    }
    for &index in attention {
        let node = &graph.node[index];
        let label = if node.name.is_empty() {
            ATTENTION_OP
        } else {
            node.name.as_str()
        };
        if node.input.len() <= PAST_VALUE || node.output.len() < 3 {
            return Err(format!("{label} has no KV cache inputs and outputs"));
        }
        let extra = node.input.iter().skip(LAST_SUPPORTED_INPUT + 1);
        if extra.into_iter().any(|i| !i.is_empty()) {
            return Err(format!("{label} uses inputs past the rotary caches"));
        }
        for past in [&node.input[PAST_KEY], &node.input[PAST_VALUE]] {
            if !float_inputs.contains(past.as_str()) || readers.get(past.as_str()) != Some(&1) {
                return Err(format!(
                    "{label}'s past `{past}` is not a float graph input read only by it"
                ));
            }
        }
        for present in &node.output[1..3] {
            if !outputs.contains(present.as_str()) || readers.contains_key(present.as_str()) {
                return Err(format!(
                    "{label}'s present `{present}` is not a graph output read by nothing else"
                ));
            }
        }
    }
    Ok(())
}

fn cast(from: &str, to: &str, element: DataType) -> NodeProto {
    node_proto(
        format!("{to}/cast"),
        "Cast",
        "",
        &[from],
        &[to],
        vec![("to", Attr::Int(element as i64))],
    )
}

fn element_type(info: &ValueInfoProto) -> Option<i32> {
    match info.type_.as_ref()?.value.as_ref()? {
        type_proto::Value::TensorType(tensor) => Some(tensor.elem_type),
        _ => None,
    }
}

fn set_element_type(info: &mut ValueInfoProto, element: DataType) {
    if let Some(type_proto::Value::TensorType(tensor)) =
        info.type_.as_mut().and_then(|t| t.value.as_mut())
    {
        tensor.elem_type = element as i32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onnx_protobuf::TypeProto;

    fn float_info(name: &str) -> ValueInfoProto {
        ValueInfoProto {
            name: name.into(),
            type_: Some(TypeProto {
                value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                    elem_type: DataType::FLOAT as i32,
                    ..Default::default()
                })),
                ..Default::default()
            })
            .into(),
            ..Default::default()
        }
    }

    fn attention_node(layer: usize) -> NodeProto {
        let past_k = format!("past.{layer}.key");
        let past_v = format!("past.{layer}.value");
        let qkv = format!("qkv.{layer}");
        let out = format!("attn.{layer}");
        let present_k = format!("present.{layer}.key");
        let present_v = format!("present.{layer}.value");
        node_proto(
            format!("attention.{layer}"),
            ATTENTION_OP,
            MS_DOMAIN,
            &[
                &qkv,
                "",
                "",
                &past_k,
                &past_v,
                "seqlens_k",
                "total",
                "cos",
                "sin",
            ],
            &[&out, &present_k, &present_v],
            vec![("num_heads", Attr::Int(4))],
        )
    }

    /// Two layers: `x → MatMul → qkv.N → attention → attn.N → next layer`.
    fn two_layer_graph() -> GraphProto {
        let mut graph = GraphProto::default();
        graph.input.push(float_info("x"));
        for layer in 0..2 {
            graph.input.push(float_info(&format!("past.{layer}.key")));
            graph.input.push(float_info(&format!("past.{layer}.value")));
            graph
                .output
                .push(float_info(&format!("present.{layer}.key")));
            graph
                .output
                .push(float_info(&format!("present.{layer}.value")));
            let from = if layer == 0 {
                "x".to_string()
            } else {
                format!("attn.{}", layer - 1)
            };
            graph.node.push(node_proto(
                format!("proj.{layer}"),
                "MatMul",
                "",
                &[&from, "w"],
                &[&format!("qkv.{layer}")],
                vec![],
            ));
            graph.node.push(attention_node(layer));
        }
        graph.output.push(float_info("attn.1"));
        graph
    }

    fn elem(infos: &[ValueInfoProto], name: &str) -> Option<i32> {
        infos.iter().find(|i| i.name == name).and_then(element_type)
    }

    #[test]
    fn attention_runs_on_fp16_between_casts() {
        let mut graph = two_layer_graph();
        assert_eq!(rewrite(&mut graph), Rewrite::Rewritten(2));
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        // Layer 0 casts qkv and both rotary caches; layer 1 only its qkv.
        assert_eq!(
            ops,
            [
                "MatMul",
                "Cast",
                "Cast",
                "Cast",
                ATTENTION_OP,
                "Cast",
                "MatMul",
                "Cast",
                ATTENTION_OP,
                "Cast"
            ]
        );
        let attention = &graph.node[4];
        assert_eq!(attention.input[0], format!("qkv.0{HALF_SUFFIX}"));
        assert_eq!(attention.input[7], format!("cos{HALF_SUFFIX}"));
        assert_eq!(
            attention.input[3], "past.0.key",
            "the past stays a graph input"
        );
        assert_eq!(attention.output[0], format!("attn.0{HALF_SUFFIX}"));
        let back = &graph.node[5];
        assert_eq!(back.input, [format!("attn.0{HALF_SUFFIX}")]);
        assert_eq!(back.output, ["attn.0"], "the next layer reads float again");
        assert_eq!(back.attribute[0].i, DataType::FLOAT as i64);
        assert_eq!(graph.node[8].input[7], format!("cos{HALF_SUFFIX}"));
        let half = Some(DataType::FLOAT16 as i32);
        let float = Some(DataType::FLOAT as i32);
        assert_eq!(elem(&graph.input, "past.1.value"), half);
        assert_eq!(elem(&graph.output, "present.0.key"), half);
        assert_eq!(elem(&graph.input, "x"), float);
        assert_eq!(elem(&graph.output, "attn.1"), float);
    }

    #[test]
    fn a_past_read_elsewhere_leaves_the_graph_unchanged() {
        let mut graph = two_layer_graph();
        graph.node.push(node_proto(
            "peek".into(),
            "Identity",
            "",
            &["past.1.key"],
            &["peeked"],
            vec![],
        ));
        let before = graph.clone();
        assert!(matches!(rewrite(&mut graph), Rewrite::Unsuitable(_)));
        assert_eq!(graph, before);
    }

    #[test]
    fn a_present_that_is_not_a_graph_output_is_refused() {
        let mut graph = two_layer_graph();
        graph.output.retain(|o| o.name != "present.0.value");
        assert!(matches!(rewrite(&mut graph), Rewrite::Unsuitable(_)));
    }

    #[test]
    fn a_graph_without_attention_is_refused() {
        let mut graph = GraphProto::default();
        graph.input.push(float_info("x"));
        assert!(matches!(rewrite(&mut graph), Rewrite::Unsuitable(_)));
    }
}
