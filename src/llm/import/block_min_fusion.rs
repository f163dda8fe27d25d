//! The head-less variant's Q4_1 linears as one pressgate node each. The standard graph writes a
//! Q4_1 linear as a 4-bit MatMulNBits product, the input's block sums and one small product
//! with the block offsets (see `Builder::add_block_min_term`); in the variant, which only
//! pressgate runs, those become one `ai.pressgate.BlockMinMatMul` node over the same codes and
//! the blocks' `(scale, minimum)` pairs ([`crate::llm::custom_ops`]). `model.onnx` keeps the
//! standard nodes.
use super::onnx_writer::{attribute, node_proto, retain_read_initializers, Attr};
use crate::llm::custom_ops::{BLOCK_MIN_MATMUL, DOMAIN};
use onnx_protobuf::GraphProto;
use std::collections::HashSet;

/// One Q4_1 linear as the standard graph writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMinLinear {
    pub input: String,
    /// MatMulNBits' codes initializer.
    pub qweight: String,
    /// The `[n, k/32, 2]` (scale, minimum) initializer of the fused node.
    pub params: String,
    /// The MatMulNBits node's output: the product without the offsets.
    pub product: String,
    /// The outputs of the nodes that add the offsets; the last is the linear's result.
    pub offset_outputs: Vec<String>,
    pub k: usize,
    pub n: usize,
}

/// Rewrites each of `linears` found in `graph` into one node, then drops the nodes and
/// initializers nothing reads any more (the block sums and their 0/1 matrix). Returns how many
/// linears were fused; one whose nodes are not as recorded is left alone.
pub fn fuse(graph: &mut GraphProto, linears: &[BlockMinLinear]) -> usize {
    let mut removed: HashSet<String> = HashSet::new();
    let mut fused = 0;
    for linear in linears {
        let Some(result) = linear.offset_outputs.last() else {
            continue;
        };
        let position = graph.node.iter().position(|node| {
            node.op_type == "MatMulNBits"
                && node.output.len() == 1
                && node.output[0] == linear.product
                && node.input.len() >= 3
                && node.input[..2] == [&*linear.input, &*linear.qweight]
        });
        let Some(position) = position else {
            continue;
        };
        graph.node[position] = node_proto(
            format!("{BLOCK_MIN_MATMUL}/{result}"),
            BLOCK_MIN_MATMUL,
            DOMAIN,
            &[&linear.input, &linear.qweight, &linear.params],
            &[result],
            vec![
                ("K", Attr::Int(linear.k as i64)),
                ("N", Attr::Int(linear.n as i64)),
            ],
        );
        removed.extend(linear.offset_outputs.iter().cloned());
        fused += 1;
    }
    // The fused nodes took over the results; the standard nodes that made them go.
    graph
        .node
        .retain(|node| node.domain == DOMAIN || !node.output.iter().any(|o| removed.contains(o)));
    drop_unread(graph);
    fused
}

/// Folds each llama MLP gate (`Split` of the gate/up product into halves, `Sigmoid`, and
/// `gate · sigmoid(gate) · up` by two `Mul`s) into the fused down projection that reads it:
/// the node then reads the gate/up product itself with `swiglu` = 1. Returns how many gates
/// were folded; a gate not in exactly this shape, or read by anything else, stays.
pub fn fuse_swiglu(graph: &mut GraphProto) -> usize {
    let producer = |graph: &GraphProto, name: &str| {
        graph
            .node
            .iter()
            .position(|n| n.output.iter().any(|o| o == name))
    };
    let readers = |graph: &GraphProto, name: &str| {
        graph
            .node
            .iter()
            .filter(|n| n.input.iter().any(|i| i == name))
            .count()
    };
    let mut folded = 0;
    for down in 0..graph.node.len() {
        let node = &graph.node[down];
        if node.domain != DOMAIN
            || node.op_type != BLOCK_MIN_MATMUL
            || node.attribute.iter().any(|a| a.name == "swiglu")
        {
            continue;
        }
        let gated = node.input[0].clone();
        let Some(gated_mul) = producer(graph, &gated) else {
            continue;
        };
        let mul = &graph.node[gated_mul];
        if mul.op_type != "Mul" || mul.input.len() != 2 {
            continue;
        }
        let (silu, up) = (mul.input[0].clone(), mul.input[1].clone());
        let Some(silu_mul) = producer(graph, &silu) else {
            continue;
        };
        let silu_node = &graph.node[silu_mul];
        if silu_node.op_type != "Mul" || silu_node.input.len() != 2 {
            continue;
        }
        let (gate, sigmoid) = (silu_node.input[0].clone(), silu_node.input[1].clone());
        let Some(sigmoid_at) = producer(graph, &sigmoid) else {
            continue;
        };
        let sigmoid_node = &graph.node[sigmoid_at];
        if sigmoid_node.op_type != "Sigmoid" || sigmoid_node.input[..] != [gate.clone()] {
            continue;
        }
        let Some(split_at) = producer(graph, &gate) else {
            continue;
        };
        let split = &graph.node[split_at];
        if split.op_type != "Split" || split.output[..] != [gate.clone(), up.clone()] {
            continue;
        }
        let gate_up = split.input[0].clone();
        // The intermediate values must not be read anywhere else.
        let private = [(&gated, 1), (&silu, 1), (&sigmoid, 1), (&gate, 2), (&up, 1)]
            .into_iter()
            .all(|(name, expected)| readers(graph, name) == expected);
        if !private {
            continue;
        }
        let node = &mut graph.node[down];
        node.input[0] = gate_up;
        node.attribute.push(attribute("swiglu", Attr::Int(1)));
        folded += 1;
    }
    drop_unread(graph);
    folded
}

/// Undoes the flat `[batch·seq, features]` rows of a graph whose linears are all fused: the
/// standard graph flattens them only so that a Q4_1 offset product can be one `Gemm` (2-D
/// only), and reshapes back around GroupQueryAttention, which takes `[batch, seq, features]`.
/// [`BLOCK_MIN_MATMUL`] takes any leading dimensions, so with no `Gemm` left every Reshape by
/// one of `flat_shapes` is bypassed (its readers read its input), except one that makes a
/// graph output; then the unread nodes go. Returns how many Reshapes were bypassed.
pub fn unflatten_rows(graph: &mut GraphProto, flat_shapes: &[&str]) -> usize {
    if graph.node.iter().any(|n| n.op_type == "Gemm") {
        return 0;
    }
    let outputs: HashSet<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    let bypassed: Vec<(String, String)> = graph
        .node
        .iter()
        .filter(|n| {
            n.op_type == "Reshape"
                && n.input.len() == 2
                && flat_shapes.contains(&n.input[1].as_str())
                && n.output.len() == 1
                && !outputs.contains(&n.output[0])
        })
        .map(|n| (n.output[0].clone(), n.input[0].clone()))
        .collect();
    for (output, input) in &bypassed {
        for node in graph.node.iter_mut() {
            for name in node.input.iter_mut().filter(|name| *name == output) {
                name.clone_from(input);
            }
        }
    }
    drop_unread(graph);
    bypassed.len()
}

/// Removes nodes whose outputs nothing reads (repeatedly), then initializers no node reads.
fn drop_unread(graph: &mut GraphProto) {
    let outputs: HashSet<String> = graph.output.iter().map(|o| o.name.clone()).collect();
    loop {
        let read: HashSet<String> = graph
            .node
            .iter()
            .flat_map(|n| n.input.iter().cloned())
            .collect();
        let before = graph.node.len();
        graph.node.retain(|node| {
            node.output
                .iter()
                .any(|o| !o.is_empty() && (read.contains(o) || outputs.contains(o)))
        });
        if graph.node.len() == before {
            break;
        }
    }
    retain_read_initializers(graph);
}

#[cfg(test)]
mod tests {
    use super::*;
    use onnx_protobuf::{TensorProto, ValueInfoProto};

    fn node(op: &str, inputs: &[&str], outputs: &[&str]) -> onnx_protobuf::NodeProto {
        node_proto(
            format!("{op}_{}", outputs[0]),
            op,
            "",
            inputs,
            outputs,
            vec![],
        )
    }

    fn initializer(name: &str) -> TensorProto {
        TensorProto {
            name: name.into(),
            ..Default::default()
        }
    }

    fn linear(prefix: &str, input: &str, offset_outputs: &[&str]) -> BlockMinLinear {
        BlockMinLinear {
            input: input.into(),
            qweight: format!("{prefix}.qweight"),
            params: format!("{prefix}.block_params"),
            product: format!("{prefix}/out"),
            offset_outputs: offset_outputs.iter().map(|s| s.to_string()).collect(),
            k: 64,
            n: 8,
        }
    }

    /// `x → [MatMulNBits, block sums, Gemm] → Add bias → [MatMulNBits, block sums, MatMul, Add]`.
    fn graph() -> GraphProto {
        GraphProto {
            node: vec![
                node("MatMulNBits", &["x", "a.qweight", "a.scales"], &["a/out"]),
                node("MatMul", &["x", "ones_64"], &["x/block_sums"]),
                node(
                    "Gemm",
                    &["x/block_sums", "a.block_mins", "a/out"],
                    &["a/with_mins"],
                ),
                node("Add", &["a/with_mins", "a.bias"], &["h"]),
                node("MatMulNBits", &["h", "b.qweight", "b.scales"], &["b/out"]),
                node("MatMul", &["h", "ones_64"], &["h/block_sums"]),
                node("MatMul", &["h/block_sums", "b.block_mins"], &["b/min_term"]),
                node("Add", &["b/out", "b/min_term"], &["y"]),
            ],
            initializer: [
                "a.qweight",
                "a.scales",
                "a.block_mins",
                "a.block_params",
                "a.bias",
                "ones_64",
                "b.qweight",
                "b.scales",
                "b.block_mins",
                "b.block_params",
            ]
            .into_iter()
            .map(initializer)
            .collect(),
            output: vec![ValueInfoProto {
                name: "y".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn ops(graph: &GraphProto) -> Vec<(String, Vec<String>, Vec<String>)> {
        graph
            .node
            .iter()
            .map(|n| (n.op_type.clone(), n.input.clone(), n.output.clone()))
            .collect()
    }

    #[test]
    fn each_linear_becomes_one_node_and_the_block_sums_go() {
        let mut graph = graph();
        let linears = [
            linear("a", "x", &["a/with_mins"]),
            linear("b", "h", &["b/min_term", "y"]),
        ];
        assert_eq!(fuse(&mut graph, &linears), 2);
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ops(&graph),
            vec![
                (
                    BLOCK_MIN_MATMUL.to_string(),
                    strings(&["x", "a.qweight", "a.block_params"]),
                    strings(&["a/with_mins"])
                ),
                (
                    "Add".into(),
                    strings(&["a/with_mins", "a.bias"]),
                    strings(&["h"])
                ),
                (
                    BLOCK_MIN_MATMUL.to_string(),
                    strings(&["h", "b.qweight", "b.block_params"]),
                    strings(&["y"])
                ),
            ]
        );
        assert!(graph
            .node
            .iter()
            .all(|n| n.op_type != BLOCK_MIN_MATMUL || n.domain == DOMAIN));
        let names: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "a.qweight",
                "a.block_params",
                "a.bias",
                "b.qweight",
                "b.block_params"
            ]
        );
    }

    #[test]
    fn flat_rows_are_undone_only_without_gemm_and_never_for_an_output() {
        let graph_with = |nodes: Vec<onnx_protobuf::NodeProto>| GraphProto {
            node: nodes,
            output: vec![ValueInfoProto {
                name: "out".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let nodes = || {
            vec![
                node("Reshape", &["ids", "shape/all"], &["ids/flat"]),
                node("Gather", &["embed", "ids/flat"], &["h"]),
                node("Reshape", &["h", "shape/batch_seq"], &["h/batched"]),
                node("GroupQueryAttention", &["h/batched"], &["a"]),
                node("Reshape", &["a", "shape/batch_seq"], &["out"]),
            ]
        };
        let mut graph = graph_with(nodes());
        assert_eq!(
            unflatten_rows(&mut graph, &["shape/all", "shape/batch_seq"]),
            2
        );
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            ops(&graph),
            vec![
                ("Gather".into(), strings(&["embed", "ids"]), strings(&["h"])),
                (
                    "GroupQueryAttention".into(),
                    strings(&["h"]),
                    strings(&["a"])
                ),
                (
                    "Reshape".into(),
                    strings(&["a", "shape/batch_seq"]),
                    strings(&["out"])
                ),
            ]
        );
        let mut with_gemm = nodes();
        with_gemm.push(node("Gemm", &["h", "w", "c"], &["g"]));
        let mut graph = graph_with(with_gemm);
        let before = ops(&graph);
        assert_eq!(
            unflatten_rows(&mut graph, &["shape/all", "shape/batch_seq"]),
            0
        );
        assert_eq!(ops(&graph), before);
    }

    fn mlp(extra_reader: bool) -> GraphProto {
        let mut down = node(
            BLOCK_MIN_MATMUL,
            &["gated", "d.qweight", "d.block_params"],
            &["y"],
        );
        down.domain = DOMAIN.into();
        let mut nodes = vec![
            node("Split", &["gate_up", "ffn_split"], &["gate", "up"]),
            node("Sigmoid", &["gate"], &["sig"]),
            node("Mul", &["gate", "sig"], &["silu"]),
            node("Mul", &["silu", "up"], &["gated"]),
            down,
        ];
        if extra_reader {
            nodes.push(node("Add", &["silu", "y"], &["z"]));
        }
        GraphProto {
            node: nodes,
            initializer: ["ffn_split", "d.qweight", "d.block_params"]
                .into_iter()
                .map(initializer)
                .collect(),
            output: vec![ValueInfoProto {
                name: if extra_reader { "z" } else { "y" }.into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_mlp_gate_folds_into_the_down_projection() {
        let mut graph = mlp(false);
        assert_eq!(fuse_swiglu(&mut graph), 1);
        assert_eq!(graph.node.len(), 1);
        let down = &graph.node[0];
        assert_eq!(down.input[0], "gate_up");
        assert!(down
            .attribute
            .iter()
            .any(|a| a.name == "swiglu" && a.i == 1));
        let names: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["d.qweight", "d.block_params"]);
        // Folding again changes nothing.
        assert_eq!(fuse_swiglu(&mut graph), 0);
    }

    #[test]
    fn a_gate_read_elsewhere_stays() {
        let mut graph = mlp(true);
        let before = ops(&graph);
        assert_eq!(fuse_swiglu(&mut graph), 0);
        assert_eq!(ops(&graph), before);
    }

    #[test]
    fn a_linear_not_written_as_recorded_stays() {
        let mut graph = graph();
        // Recorded with another input than the node reads.
        let linears = [linear("a", "other", &["a/with_mins"])];
        let before = ops(&graph);
        assert_eq!(fuse(&mut graph, &linears), 0);
        assert_eq!(ops(&graph), before);
    }
}
