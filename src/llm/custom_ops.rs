//! pressgate's own ONNX Runtime operators, registered on the CPU sessions that run the graphs
//! pressgate writes. Only the head-less variant uses them (`model.onnx` stays standard for
//! onnxruntime-genai and CUDA).
//!
//! `ai.pressgate.BlockMinMatMul`: a 4-bit linear with a scale and a minimum per block of 32
//! (GGUF's Q4_1) in one node ([`crate::llm::block_min_matmul`]). Inputs: `A` (f32 `[.., K]`),
//! `B` (u8 `[N, K/32, 16]`, MatMulNBits' layout), `params` (f32 `[N, K/32, 2]`: scale and
//! minimum of each block); attributes `K` and `N`; output f32 `[.., N]`. With the attribute
//! `swiglu` = 1, `A` is `[.., 2K]` (a llama MLP's gate and up halves) and the product is taken
//! of `silu(gate) · up` ([`crate::llm::activation`]).
use crate::llm::activation::swiglu_into;
use crate::llm::block_min_matmul::{BlockMinWeights, PreparedInput};
use ort::operator::{
    ComputeContext, Kernel, KernelContext, Operator, OperatorDomain, OperatorInput, OperatorOutput,
};
use ort::value::{DynTensorValueType, TensorElementType};

/// The operator domain of pressgate's own nodes.
pub const DOMAIN: &str = "ai.pressgate";
/// [`BlockMinMatMul`]'s op type.
pub const BLOCK_MIN_MATMUL: &str = "BlockMinMatMul";

/// The domain with every pressgate operator, ready for `SessionBuilder::with_operators`.
pub fn domain() -> ort::Result<OperatorDomain> {
    OperatorDomain::new(DOMAIN)?.add(BlockMinMatMul)
}

/// See the module documentation.
pub struct BlockMinMatMul;

impl Operator for BlockMinMatMul {
    type Kernel<'attr> = BlockMinKernel;

    fn name(&self) -> &str {
        BLOCK_MIN_MATMUL
    }

    fn inputs(&self) -> impl IntoIterator<Item = OperatorInput> {
        [
            OperatorInput::required(TensorElementType::Float32),
            OperatorInput::required(TensorElementType::Uint8),
            OperatorInput::required(TensorElementType::Float32),
        ]
    }

    fn outputs(&self) -> impl IntoIterator<Item = OperatorOutput> {
        [OperatorOutput::required(TensorElementType::Float32)]
    }

    fn create_kernel<'attr>(&self, info: &KernelContext<'attr>) -> ort::Result<BlockMinKernel> {
        let dim = |name: &str| {
            info.get::<i64>(name)
                .and_then(|v| usize::try_from(v).ok())
                .filter(|&v| v > 0)
                .ok_or_else(|| {
                    ort::Error::new(format!(
                        "{BLOCK_MIN_MATMUL} needs a positive integer attribute `{name}`"
                    ))
                })
        };
        // ONNX Runtime maps external weights in lazily; MatMulNBits copies its weights into
        // its own layout at load, but this node reads the initializers in place, so without
        // this the first run (the first prompt's prefill) would take every page fault.
        for index in [1, 2] {
            if let Ok(weight) = info.constant_input::<DynTensorValueType>(index) {
                if let Ok((_, bytes)) = weight.try_extract_tensor::<u8>() {
                    touch_pages(bytes);
                } else if let Ok((_, values)) = weight.try_extract_tensor::<f32>() {
                    touch_pages(values);
                }
            }
        }
        let swiglu = match info.get::<i64>("swiglu") {
            None | Some(0) => false,
            Some(1) => true,
            Some(other) => {
                return Err(ort::Error::new(format!(
                    "{BLOCK_MIN_MATMUL}: attribute `swiglu` is {other}, expected 0 or 1"
                )))
            }
        };
        Ok(BlockMinKernel {
            k: dim("K")?,
            n: dim("N")?,
            swiglu,
            gated: Vec::new(),
            input: PreparedInput::default(),
        })
    }
}

/// Reads one value per 4 KiB page of `data`, so the pages are resident before the first run.
fn touch_pages<T: Copy>(data: &[T]) {
    let step = (4096 / std::mem::size_of::<T>().max(1)).max(1);
    for value in data.iter().step_by(step) {
        std::hint::black_box(*value);
    }
}

/// One [`BlockMinMatMul`] node: its sizes and the input scratch it reuses between runs.
pub struct BlockMinKernel {
    k: usize,
    n: usize,
    /// The input is `[.., 2K]` gate and up halves, multiplied as `silu(gate) · up`.
    swiglu: bool,
    /// `silu(gate) · up` of the current run.
    gated: Vec<f32>,
    input: PreparedInput,
}

impl Kernel for BlockMinKernel {
    fn compute(&mut self, ctx: &ComputeContext) -> ort::Result<()> {
        let input = |i: usize| {
            ctx.input(i)?
                .ok_or_else(|| ort::Error::new(format!("{BLOCK_MIN_MATMUL}: input {i} is missing")))
        };
        let (a, b, params) = (input(0)?, input(1)?, input(2)?);
        let (a_shape, x) = a.try_extract_tensor::<f32>()?;
        let (_, packed) = b.try_extract_tensor::<u8>()?;
        let (_, params) = params.try_extract_tensor::<f32>()?;
        let weights = BlockMinWeights::new(self.n, self.k, packed, params)
            .map_err(|e| ort::Error::new(format!("{BLOCK_MIN_MATMUL}: {e}")))?;
        let width = if self.swiglu { 2 * self.k } else { self.k };
        if a_shape.last().copied() != i64::try_from(width).ok() {
            return Err(ort::Error::new(format!(
                "{BLOCK_MIN_MATMUL}: input shape {:?} does not end in {width}",
                &a_shape[..]
            )));
        }
        let x = if self.swiglu {
            swiglu_into(x, self.k, &mut self.gated);
            &self.gated[..]
        } else {
            x
        };
        let mut out_shape = a_shape.to_vec();
        if let Some(last) = out_shape.last_mut() {
            *last = self.n as i64;
        }
        let mut output = ctx
            .output(0, out_shape)?
            .ok_or_else(|| ort::Error::new(format!("{BLOCK_MIN_MATMUL}: output 0 is missing")))?;
        let (_, out) = output.try_extract_tensor_mut::<f32>()?;
        let mut parallel_result = Ok(());
        weights
            .matmul(x, out, &mut self.input, |total, task| {
                // No batch count: the pool hands out tasks as threads come free, so a thread
                // that another process delays does not hold the others up.
                parallel_result = ctx.par_for(total, 0, task);
            })
            .map_err(|e| ort::Error::new(format!("{BLOCK_MIN_MATMUL}: {e}")))?;
        parallel_result
    }
}
