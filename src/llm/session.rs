//! One ONNX Runtime decoder session: feeds token ids, the attention mask and the KV cache, and
//! hands back logits and the new cache. Input/output names and the KV layout come from
//! `genai_config.json` and are checked against the graph.
use crate::error::{Error, Result};
use crate::llm::lm_head::Q8Head;
use crate::llm::model_dir::GenaiModel;
use crate::llm::runtime::{self, Device, Placement, RuntimeOptions};
use crate::llm::{custom_ops, half_attention, head_less};
use half::f16;
use ort::memory::{AllocationDevice, Allocator, AllocatorType, MemoryInfo, MemoryType};
use ort::session::Session;
use ort::value::{
    DynTensorValueType, DynValue, PrimitiveTensorElementType, Tensor, TensorElementType, ValueType,
};
use std::path::Path;

/// Graph metadata key: the graph's attention (GroupQueryAttention) can write the new keys and
/// values into the past buffers in place (past and present bound to one buffer).
pub const KV_SHARE_BUFFER_METADATA: &str = "pressgate.kv_share_buffer";

/// Positions a shared KV buffer grows by at least (so a decode loop reallocates rarely).
const KV_GROWTH: usize = 256;
/// The same for a cache in device memory, where growing goes through host memory: 1024
/// positions of SmolLM2-135M's fp16 cache are 24 MB of GPU memory for all 30 layers.
const DEVICE_KV_GROWTH: usize = 1024;

/// ONNX Runtime session option: where the external data of a graph loaded from memory is.
const EXTERNAL_DATA_FOLDER: &str = "session.model_external_initializers_file_folder_path";

/// Environment variable: `float` keeps the float graph on CUDA (attention then runs on the
/// CPU), for A/B benchmarks against the fp16-attention graph.
pub const CUDA_ATTENTION_VAR: &str = "PRESSGATE_CUDA_ATTENTION";

/// Past keys and values per layer, `[1, kv_heads, capacity, head_dim]` each, owned by ONNX
/// Runtime. Without a shared buffer `capacity == len` and every step makes a new cache; with
/// one, the same buffers are written in place and only grow (by copying) when full.
pub struct KvCache {
    keys: Vec<DynValue>,
    values: Vec<DynValue>,
    len: usize,
    capacity: usize,
}

impl KvCache {
    /// Number of positions cached.
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Logits of one forward call: `rows` positions of `vocab` values.
#[derive(Debug, Clone)]
pub struct Logits {
    pub data: Vec<f32>,
    pub rows: usize,
    pub vocab: usize,
}

impl Logits {
    pub fn row(&self, index: usize) -> &[f32] {
        &self.data[index * self.vocab..(index + 1) * self.vocab]
    }
    pub fn last(&self) -> &[f32] {
        self.row(self.rows.saturating_sub(1))
    }
}

struct IoNames {
    input_ids: String,
    attention_mask: String,
    position_ids: Option<String>,
    past_keys: Vec<String>,
    past_values: Vec<String>,
    logits: String,
    present_keys: Vec<String>,
    present_values: Vec<String>,
}

/// Which part computes the logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LmHead {
    /// pressgate's own head after the head-less graph where the folder has one and the session
    /// runs on the CPU (unless [`LM_HEAD_VAR`] says `graph`); the graph's head otherwise.
    #[default]
    Auto,
    /// Always the full graph's head.
    Graph,
}

/// Precision of the graph's attention and KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttentionPrecision {
    /// fp16 on CUDA, where ONNX Runtime has no float attention kernel (unless
    /// [`CUDA_ATTENTION_VAR`] says `float`, or the graph does not allow it); float on the CPU.
    #[default]
    Auto,
    /// The graph as written (float).
    Float,
    /// The fp16-attention variant ([`half_attention`]) on any device; an error where the graph
    /// does not allow it. On the CPU it is slower than float: it exists to check the variant.
    Half,
}

/// Environment variable: `graph` makes [`LmHead::Auto`] keep the graph's head (for A/B
/// benchmarks of the same folder).
pub const LM_HEAD_VAR: &str = "PRESSGATE_LM_HEAD";

/// ONNX Runtime session option: intra-op workers stop spinning as soon as a run returns.
const FORCE_SPINNING_STOP: &str = "session.force_spinning_stop";

/// The LM head pressgate computes on the graph's hidden-state output.
struct OwnHead {
    head: Q8Head,
    threads: usize,
}

pub struct DecoderSession {
    session: Session,
    names: IoNames,
    /// Set when the session runs the head-less graph: `names.logits` is then its hidden-state
    /// output and this head turns it into logits.
    own_head: Option<OwnHead>,
    kv_heads: usize,
    head_dim: usize,
    vocab: usize,
    context_length: usize,
    placement: Placement,
    /// Past and present KV bound to one buffer (see [`KV_SHARE_BUFFER_METADATA`]).
    share_kv_buffer: bool,
    /// Element type of the KV cache: float32, or fp16 with the fp16-attention graph.
    kv_element: TensorElementType,
    /// Allocates a shared KV cache in device memory (CUDA with the fp16-attention graph, whose
    /// attention runs there); `None`: host memory from the session's allocator.
    kv_device: Option<Allocator>,
}

fn ort_err(context: &str, e: impl std::fmt::Display) -> Error {
    Error::Other(anyhow::anyhow!("{context}: {e}"))
}

fn per_layer(pattern: &str, layers: usize) -> Vec<String> {
    (0..layers)
        .map(|i| pattern.replace("%d", &i.to_string()))
        .collect()
}

impl DecoderSession {
    /// Load `model_file` described by `model` (genai_config.json's `model` section), with its
    /// head-less variant and pressgate's LM head where that applies ([`LmHead::Auto`]).
    pub fn open(model_file: &Path, model: &GenaiModel, options: &RuntimeOptions) -> Result<Self> {
        Self::open_with_head(model_file, model, options, LmHead::Auto)
    }

    /// [`Self::open`] with the choice of LM head made by the caller.
    pub fn open_with_head(
        model_file: &Path,
        model: &GenaiModel,
        options: &RuntimeOptions,
        lm_head: LmHead,
    ) -> Result<Self> {
        Self::open_with(
            model_file,
            model,
            options,
            lm_head,
            AttentionPrecision::Auto,
        )
    }

    /// [`Self::open`] with the attention precision chosen by the caller (and the LM head
    /// [`LmHead::Auto`] picks).
    pub fn open_with_precision(
        model_file: &Path,
        model: &GenaiModel,
        options: &RuntimeOptions,
        precision: AttentionPrecision,
    ) -> Result<Self> {
        Self::open_with(model_file, model, options, LmHead::Auto, precision)
    }

    fn open_with(
        model_file: &Path,
        model: &GenaiModel,
        options: &RuntimeOptions,
        lm_head: LmHead,
        precision: AttentionPrecision,
    ) -> Result<Self> {
        let env = runtime::environment(options.ort_lib.as_deref())?;
        let on_cpu;
        let options = if options.device == Device::Auto && cfg!(feature = "cuda") {
            let weight_bytes = decoder_weight_bytes(model_file);
            if runtime::auto_prefers_cuda(weight_bytes) {
                options
            } else {
                eprintln!(
                    "note: --device auto runs this {} MB decoder on the CPU, faster than CUDA at \
                     this size (--device cuda forces the GPU)",
                    weight_bytes >> 20
                );
                on_cpu = RuntimeOptions {
                    device: Device::Cpu,
                    ..options.clone()
                };
                &on_cpu
            }
        } else {
            options
        };
        let (mut builder, placement) = runtime::session_builder(&env, options)?;
        let half_graph = half_attention_graph(model_file, placement, precision)?;
        let forced_graph = std::env::var(LM_HEAD_VAR).is_ok_and(|v| v == "graph");
        // On CUDA the logits come from the device graph; the head-less path is a CPU gain.
        let head_less = if lm_head == LmHead::Auto
            && !forced_graph
            && placement == Placement::Cpu
            && half_graph.is_none()
        {
            head_less::open(model_file)?
        } else {
            None
        };
        let threads = options
            .intra_threads
            .unwrap_or_else(runtime::physical_cores);
        if head_less.is_some() {
            // The head runs right after each graph run on the same CPUs: intra-op workers still
            // spinning then would take CPU time from it.
            builder = builder
                .with_config_entry(FORCE_SPINNING_STOP, "1")
                .map_err(|e| ort_err("cannot configure an ONNX Runtime session", e))?;
            // The head-less variant may use pressgate's own nodes.
            let domain = custom_ops::domain()
                .map_err(|e| ort_err("cannot register pressgate's operators", e))?;
            builder = builder
                .with_operators(domain)
                .map_err(|e| ort_err("cannot register pressgate's operators", e))?;
        }
        let graph_file = head_less
            .as_ref()
            .map_or_else(|| model_file.to_path_buf(), |h| h.graph.clone());
        let load_error = |e: &dyn std::fmt::Display| {
            Error::input(
                &graph_file,
                format!("ONNX Runtime cannot load the model: {e}"),
            )
        };
        let session = match &half_graph {
            Some(bytes) => {
                // The variant is built in memory; its weights stay in the folder's data file.
                let folder = model_file
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let folder = folder.to_str().ok_or_else(|| {
                    Error::input(model_file, "the model's folder name is not UTF-8")
                })?;
                builder
                    .with_config_entry(EXTERNAL_DATA_FOLDER, folder)
                    .map_err(|e| load_error(&e))?
                    .commit_from_memory(bytes)
                    .map_err(|e| load_error(&e))?
            }
            None => builder
                .commit_from_file(&graph_file)
                .map_err(|e| load_error(&e))?,
        };
        let decoder = &model.decoder;
        let layers = decoder.num_hidden_layers;
        let logits_output = match &head_less {
            Some(head_less) => head_less.hidden_output.clone(),
            None => decoder.outputs.logits.clone(),
        };
        let own_head = match head_less {
            Some(head_less) => {
                let head = head_less.head;
                if head.rows() != model.vocab_size || head.cols() != decoder.hidden_size {
                    return Err(Error::input(
                        &head_less.graph,
                        format!(
                            "LM head is {}x{}, the model's vocabulary x hidden size {}x{}",
                            head.rows(),
                            head.cols(),
                            model.vocab_size,
                            decoder.hidden_size
                        ),
                    ));
                }
                Some(OwnHead { head, threads })
            }
            None => None,
        };
        let names = IoNames {
            input_ids: decoder.inputs.input_ids.clone(),
            attention_mask: decoder.inputs.attention_mask.clone(),
            position_ids: None,
            past_keys: per_layer(&decoder.inputs.past_key_names, layers),
            past_values: per_layer(&decoder.inputs.past_value_names, layers),
            logits: logits_output,
            present_keys: per_layer(&decoder.outputs.present_key_names, layers),
            present_values: per_layer(&decoder.outputs.present_value_names, layers),
        };
        let mut this = DecoderSession {
            session,
            names,
            own_head,
            kv_heads: decoder.num_key_value_heads,
            head_dim: decoder.head_size,
            vocab: model.vocab_size,
            context_length: model.context_length,
            placement,
            share_kv_buffer: false,
            kv_element: if half_graph.is_some() {
                TensorElementType::Float16
            } else {
                TensorElementType::Float32
            },
            kv_device: None,
        };
        this.check_graph(&graph_file, decoder.inputs.position_ids.as_deref())?;
        let marked_shareable = this
            .session
            .metadata()
            .ok()
            .and_then(|m| m.custom(KV_SHARE_BUFFER_METADATA))
            .is_some_and(|v| v == "1");
        // Where attention runs on the CPU (the CPU itself, or the float graph on CUDA) the
        // shared cache is host memory; with the fp16-attention graph it is fp16, and on CUDA in
        // device memory, so a step moves only the token ids in and the logits out.
        this.share_kv_buffer = marked_shareable;
        if half_graph.is_some() {
            if let Placement::Cuda(ordinal) = placement {
                let memory = MemoryInfo::new(
                    AllocationDevice::CUDA,
                    ordinal,
                    AllocatorType::Device,
                    MemoryType::Default,
                )
                .map_err(|e| ort_err("cannot describe CUDA memory", e))?;
                let allocator = Allocator::new(&this.session, memory)
                    .map_err(|e| ort_err("cannot allocate CUDA memory for the KV cache", e))?;
                this.kv_device = Some(allocator);
            }
        }
        if matches!(placement, Placement::Cuda(_)) {
            this.warm_up()?;
        }
        Ok(this)
    }

    /// One prompt run and one decode step: ONNX Runtime sets CUDA up (cuBLAS handles, kernel
    /// loading, the memory arena) on the first runs, which would otherwise count as the first
    /// prompt's time.
    fn warm_up(&mut self) -> Result<()> {
        let (_, cache) = self.forward_last(&[0, 0], self.empty_cache()?)?;
        self.forward_last(&[0], cache)?;
        Ok(())
    }

    /// What the session runs on, for reports: device, attention precision, where the KV cache is.
    pub fn describe(&self) -> String {
        let device = match self.placement {
            Placement::Cpu => "cpu".to_string(),
            Placement::Cuda(n) => format!("cuda:{n}"),
        };
        let attention = match self.kv_element {
            TensorElementType::Float16 => "fp16 attention",
            _ => "float attention",
        };
        let cache = match (&self.kv_device, self.share_kv_buffer) {
            (Some(_), _) => "KV cache in device memory, written in place",
            (None, true) => "KV cache in host memory, written in place",
            (None, false) => "KV cache in host memory, copied per step",
        };
        format!("{device}, {attention}, {cache}")
    }

    /// Every configured name must exist in the graph with a KV cache of the expected element
    /// type (float, or fp16 in the fp16-attention graph); `position_ids`
    /// is fed only when the graph has it.
    fn check_graph(&mut self, model_file: &Path, position_name: Option<&str>) -> Result<()> {
        let inputs: Vec<(String, ValueType)> = self
            .session
            .inputs()
            .iter()
            .map(|o| (o.name().to_string(), o.dtype().clone()))
            .collect();
        let outputs: Vec<String> = self
            .session
            .outputs()
            .iter()
            .map(|o| o.name().to_string())
            .collect();
        let find = |name: &str| inputs.iter().find(|(n, _)| n == name).map(|(_, t)| t);
        let required_inputs = [&self.names.input_ids, &self.names.attention_mask]
            .into_iter()
            .chain(&self.names.past_keys)
            .chain(&self.names.past_values);
        for name in required_inputs {
            if find(name).is_none() {
                return Err(Error::input(
                    model_file,
                    format!("graph has no input `{name}` (genai_config.json names it)"),
                ));
            }
        }
        let required_outputs = std::iter::once(&self.names.logits)
            .chain(&self.names.present_keys)
            .chain(&self.names.present_values);
        for name in required_outputs {
            if !outputs.contains(name) {
                return Err(Error::input(
                    model_file,
                    format!("graph has no output `{name}` (genai_config.json names it)"),
                ));
            }
        }
        if let Some(first) = self.names.past_keys.first() {
            if let Some(ValueType::Tensor { ty, shape, .. }) = find(first) {
                if *ty != self.kv_element {
                    return Err(Error::input(
                        model_file,
                        format!(
                            "KV cache of type {ty:?} is not supported ({:?} expected)",
                            self.kv_element
                        ),
                    ));
                }
                // Fixed dims in the graph win over the config.
                if shape.len() == 4 {
                    if shape[1] > 0 {
                        self.kv_heads = shape[1] as usize;
                    }
                    if shape[3] > 0 {
                        self.head_dim = shape[3] as usize;
                    }
                }
            }
        }
        let position = position_name.unwrap_or("position_ids");
        if find(position).is_some() {
            self.names.position_ids = Some(position.to_string());
        }
        Ok(())
    }

    pub fn placement(&self) -> Placement {
        self.placement
    }
    pub fn vocab_size(&self) -> usize {
        self.vocab
    }
    pub fn context_length(&self) -> usize {
        self.context_length
    }

    /// Whether decoding writes the KV cache in place (no copy of the cache per step).
    pub fn shares_kv_buffer(&self) -> bool {
        self.share_kv_buffer
    }

    /// Whether pressgate computes the LM head (after the head-less graph) instead of the graph.
    pub fn computes_own_head(&self) -> bool {
        self.own_head.is_some()
    }

    /// A cache holding nothing (past length 0).
    pub fn empty_cache(&self) -> Result<KvCache> {
        let shape = [1i64, self.kv_heads as i64, 0, self.head_dim as i64];
        let make = || -> Result<DynValue> {
            Tensor::<f32>::from_array((shape, Vec::<f32>::new()))
                .map(|t| t.into_dyn())
                .map_err(|e| ort_err("cannot create the empty KV cache", e))
        };
        let layers = self.names.past_keys.len();
        Ok(KvCache {
            keys: (0..layers).map(|_| make()).collect::<Result<_>>()?,
            values: (0..layers).map(|_| make()).collect::<Result<_>>()?,
            len: 0,
            capacity: 0,
        })
    }

    /// Make room for `needed` positions in a shared cache: new buffers (ONNX Runtime-allocated,
    /// so they can be bound as outputs) with the cached positions copied over.
    fn grow_shared_cache(&self, cache: &mut KvCache, needed: usize) -> Result<()> {
        if needed <= cache.capacity {
            return Ok(());
        }
        let growth = match self.kv_device {
            Some(_) => DEVICE_KV_GROWTH,
            None => KV_GROWTH,
        };
        let capacity = needed
            .max(cache.capacity * 2)
            .next_multiple_of(growth)
            .min(self.context_length)
            .max(needed);
        let layout = CacheLayout {
            heads: self.kv_heads,
            dim: self.head_dim,
            len: cache.len,
            old_capacity: cache.capacity,
            capacity,
        };
        let grow = |old: DynValue| -> Result<DynValue> {
            match self.kv_element {
                TensorElementType::Float16 => self.regrow::<f16>(old, &layout),
                _ => self.regrow::<f32>(old, &layout),
            }
        };
        cache.keys = std::mem::take(&mut cache.keys)
            .into_iter()
            .map(grow)
            .collect::<Result<_>>()?;
        cache.values = std::mem::take(&mut cache.values)
            .into_iter()
            .map(grow)
            .collect::<Result<_>>()?;
        cache.capacity = capacity;
        Ok(())
    }

    /// One cache buffer with `layout.capacity` positions holding `old`'s cached positions.
    fn regrow<T: PrimitiveTensorElementType + Copy + std::fmt::Debug>(
        &self,
        old: DynValue,
        layout: &CacheLayout,
    ) -> Result<DynValue> {
        let shape = [1, layout.heads, layout.capacity, layout.dim];
        let alloc_err = |e: ort::Error| ort_err("cannot allocate the KV cache", e);
        let read_err = |e: ort::Error| ort_err("cannot read the KV cache", e);
        let Some(device) = &self.kv_device else {
            let mut fresh = Tensor::<T>::new(self.session.allocator(), shape).map_err(alloc_err)?;
            if layout.len > 0 {
                let (_, from) = old.try_extract_tensor::<T>().map_err(read_err)?;
                layout.restripe(from, fresh.extract_tensor_mut().1);
            }
            return Ok(fresh.into_dyn());
        };
        let mut fresh = Tensor::<T>::new(device, shape).map_err(alloc_err)?;
        if layout.len > 0 {
            // Growing is rare (the capacity at least doubles), so the strided copy goes through
            // host memory rather than needing a device kernel of its own.
            let host = old
                .downcast::<DynTensorValueType>()
                .and_then(|t| t.to(AllocationDevice::CPU, 0))
                .map_err(read_err)?;
            let (_, from) = host.try_extract_tensor::<T>().map_err(read_err)?;
            let mut staging = Tensor::<T>::new(&Allocator::default(), shape).map_err(alloc_err)?;
            layout.restripe(from, staging.extract_tensor_mut().1);
            staging
                .copy_into(&mut fresh)
                .map_err(|e| ort_err("cannot copy the KV cache to the device", e))?;
        }
        Ok(fresh.into_dyn())
    }

    /// Run `tokens` after the cached positions; returns logits for every new position and the
    /// grown cache.
    pub fn forward(&mut self, tokens: &[u32], cache: KvCache) -> Result<(Logits, KvCache)> {
        self.forward_rows(tokens, cache, Rows::All)
    }

    /// [`Self::forward`] returning the last position's logits only (one row): what generation
    /// needs, and with pressgate's head a prefill then computes one row of logits, not one per
    /// prompt token.
    pub fn forward_last(&mut self, tokens: &[u32], cache: KvCache) -> Result<(Logits, KvCache)> {
        self.forward_rows(tokens, cache, Rows::Last)
    }

    fn forward_rows(
        &mut self,
        tokens: &[u32],
        cache: KvCache,
        rows: Rows,
    ) -> Result<(Logits, KvCache)> {
        if tokens.is_empty() {
            return Err(Error::Usage("nothing to run: no tokens".into()));
        }
        let total = cache.len + tokens.len();
        if total > self.context_length {
            return Err(Error::Usage(format!(
                "{total} tokens exceed the model's context length of {}",
                self.context_length
            )));
        }
        if self.share_kv_buffer {
            return self.forward_shared(tokens, cache, rows);
        }
        let seq = tokens.len();
        let ids: Vec<i64> = tokens.iter().map(|&t| i64::from(t)).collect();
        let mut inputs: Vec<(String, DynValue)> = Vec::with_capacity(3 + 2 * cache.keys.len());
        let tensor = |shape: [usize; 2], data: Vec<i64>| -> Result<DynValue> {
            Tensor::<i64>::from_array((shape, data))
                .map(|t| t.into_dyn())
                .map_err(|e| ort_err("cannot create an input tensor", e))
        };
        inputs.push((self.names.input_ids.clone(), tensor([1, seq], ids)?));
        inputs.push((
            self.names.attention_mask.clone(),
            tensor([1, total], vec![1; total])?,
        ));
        if let Some(name) = &self.names.position_ids {
            let positions = (cache.len as i64..total as i64).collect();
            inputs.push((name.clone(), tensor([1, seq], positions)?));
        }
        for (name, value) in self.names.past_keys.iter().zip(cache.keys) {
            inputs.push((name.clone(), value));
        }
        for (name, value) in self.names.past_values.iter().zip(cache.values) {
            inputs.push((name.clone(), value));
        }
        let mut outputs = self
            .session
            .run(inputs)
            .map_err(|e| ort_err("ONNX Runtime failed to run the decoder", e))?;
        let logits_value = outputs
            .remove(&self.names.logits)
            .ok_or_else(|| ort_err("decoder output missing", &self.names.logits))?;
        let logits = logits_from(self.own_head.as_ref(), &logits_value, seq, rows)?;
        let mut take = |names: &[String]| -> Result<Vec<DynValue>> {
            names
                .iter()
                .map(|n| {
                    outputs
                        .remove(n)
                        .ok_or_else(|| ort_err("decoder output missing", n))
                })
                .collect()
        };
        let keys = take(&self.names.present_keys)?;
        let values = take(&self.names.present_values)?;
        Ok((
            logits,
            KvCache {
                keys,
                values,
                len: total,
                capacity: total,
            },
        ))
    }

    /// [`Self::forward`] with past and present bound to the same buffers: GroupQueryAttention
    /// appends the new positions in place, so a step copies nothing of the cache.
    fn forward_shared(
        &mut self,
        tokens: &[u32],
        mut cache: KvCache,
        rows: Rows,
    ) -> Result<(Logits, KvCache)> {
        let seq = tokens.len();
        let total = cache.len + seq;
        self.grow_shared_cache(&mut cache, total)?;
        let tensor = |shape: [usize; 2], data: Vec<i64>| -> Result<DynValue> {
            Tensor::<i64>::from_array((shape, data))
                .map(|t| t.into_dyn())
                .map_err(|e| ort_err("cannot create an input tensor", e))
        };
        let bind_err = |e: ort::Error| ort_err("cannot bind the decoder inputs and outputs", e);
        let mut binding = self.session.create_binding().map_err(bind_err)?;
        let ids = tokens.iter().map(|&t| i64::from(t)).collect();
        binding
            .bind_input(&self.names.input_ids, &tensor([1, seq], ids)?)
            .map_err(bind_err)?;
        binding
            .bind_input(
                &self.names.attention_mask,
                &tensor([1, total], vec![1; total])?,
            )
            .map_err(bind_err)?;
        if let Some(name) = &self.names.position_ids {
            let positions = (cache.len as i64..total as i64).collect();
            binding
                .bind_input(name, &tensor([1, seq], positions)?)
                .map_err(bind_err)?;
        }
        let pairs = [
            (
                &self.names.past_keys,
                &self.names.present_keys,
                &mut cache.keys,
            ),
            (
                &self.names.past_values,
                &self.names.present_values,
                &mut cache.values,
            ),
        ];
        for (past_names, present_names, buffers) in pairs {
            for ((past, present), buffer) in
                past_names.iter().zip(present_names).zip(buffers.iter_mut())
            {
                binding.bind_input(past, &*buffer).map_err(bind_err)?;
                binding
                    .bind_output(present, &mut *buffer)
                    .map_err(bind_err)?;
            }
        }
        let cpu = MemoryInfo::new(
            AllocationDevice::CPU,
            0,
            AllocatorType::Device,
            MemoryType::Default,
        )
        .map_err(bind_err)?;
        binding
            .bind_output_to_device(&self.names.logits, &cpu)
            .map_err(bind_err)?;
        let outputs = self
            .session
            .run_binding(&binding)
            .map_err(|e| ort_err("ONNX Runtime failed to run the decoder", e))?;
        let logits_value = outputs
            .get(&self.names.logits)
            .ok_or_else(|| ort_err("decoder output missing", &self.names.logits))?;
        let logits = logits_from(self.own_head.as_ref(), logits_value, seq, rows)?;
        drop(outputs);
        cache.len = total;
        Ok((logits, cache))
    }
}

/// Where the cached positions of one buffer are before and after it grows.
struct CacheLayout {
    heads: usize,
    dim: usize,
    len: usize,
    old_capacity: usize,
    capacity: usize,
}

impl CacheLayout {
    /// Copy the `len` cached positions of each head from the old layout to the new one.
    fn restripe<T: Copy>(&self, from: &[T], to: &mut [T]) {
        let rows = self.len * self.dim;
        for head in 0..self.heads {
            let src = head * self.old_capacity * self.dim;
            let dst = head * self.capacity * self.dim;
            to[dst..dst + rows].copy_from_slice(&from[src..src + rows]);
        }
    }
}

/// Bytes of `model_file` and of its external data file (`<name>.data`, as pressgate's importer
/// and onnxruntime-genai's builder name it); 0 for what cannot be read.
fn decoder_weight_bytes(model_file: &Path) -> u64 {
    let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
    let mut data = model_file.as_os_str().to_owned();
    data.push(".data");
    size(model_file) + size(Path::new(&data))
}

/// The fp16-attention graph to load instead of `model_file`, where `precision` asks for it (see
/// [`AttentionPrecision`]).
fn half_attention_graph(
    model_file: &Path,
    placement: Placement,
    precision: AttentionPrecision,
) -> Result<Option<Vec<u8>>> {
    let wanted = match precision {
        AttentionPrecision::Float => false,
        AttentionPrecision::Half => true,
        AttentionPrecision::Auto => {
            matches!(placement, Placement::Cuda(_))
                && std::env::var(CUDA_ATTENTION_VAR).map_or(true, |v| v != "float")
        }
    };
    if !wanted {
        return Ok(None);
    }
    let unsuitable = match half_attention::variant_bytes(model_file)? {
        Ok(bytes) => return Ok(Some(bytes)),
        Err(reason) => reason,
    };
    if precision == AttentionPrecision::Half {
        return Err(Error::input(
            model_file,
            format!("no fp16-attention variant: {unsuitable}"),
        ));
    }
    eprintln!("note: attention stays float32 (and on the CPU under CUDA): {unsuitable}");
    Ok(None)
}

/// The logits of the wanted rows from the graph's `[1, positions, vocab]` logits, or
/// computed from its `[1, positions, hidden]` hidden state with pressgate's head.
fn logits_from(
    own_head: Option<&OwnHead>,
    value: &DynValue,
    positions: usize,
    rows: Rows,
) -> Result<Logits> {
    let (shape, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| ort_err("graph output is not a float tensor", e))?;
    let width = shape.last().copied().unwrap_or(0).max(0) as usize;
    if width == 0 || data.len() != positions * width {
        return Err(ort_err(
            "unexpected graph output shape",
            format!("{shape:?}"),
        ));
    }
    let first = match rows {
        Rows::All => 0,
        Rows::Last => positions - 1,
    };
    let wanted = &data[first * width..];
    let Some(own) = own_head else {
        return Ok(Logits {
            data: wanted.to_vec(),
            rows: positions - first,
            vocab: width,
        });
    };
    let vocab = own.head.rows();
    let mut logits = vec![0f32; wanted.len() / width * vocab];
    for (hidden, out) in wanted
        .chunks_exact(width)
        .zip(logits.chunks_exact_mut(vocab))
    {
        own.head.logits_into(hidden, out, own.threads)?;
    }
    Ok(Logits {
        data: logits,
        rows: positions - first,
        vocab,
    })
}

/// Which positions of a forward call get logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    All,
    Last,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::model_dir::ModelDir;
    use crate::llm::runtime::data_dir;

    #[test]
    fn restripe_moves_each_head_to_its_new_stride() {
        // 2 heads, dim 2, 2 cached positions, capacity 3 → 4.
        let layout = CacheLayout {
            heads: 2,
            dim: 2,
            len: 2,
            old_capacity: 3,
            capacity: 4,
        };
        let from = [1, 2, 3, 4, 0, 0, 5, 6, 7, 8, 0, 0];
        let mut to = [9; 16];
        layout.restripe(&from, &mut to);
        assert_eq!(to, [1, 2, 3, 4, 9, 9, 9, 9, 5, 6, 7, 8, 9, 9, 9, 9]);
    }

    /// The installed default model, if there is one (and ONNX Runtime with it).
    fn installed_default_model() -> Option<ModelDir> {
        let dir = data_dir().join("models").join("smollm2-135m-instruct");
        match (ModelDir::open(&dir), runtime::environment(None)) {
            (Ok(model), Ok(_)) => Some(model),
            _ => {
                eprintln!("SKIPPED: no installed default model or ONNX Runtime");
                None
            }
        }
    }

    /// The fp16-attention graph (what CUDA runs), here on the CPU with its fp16 cache in host
    /// memory, against the float graph: same greedy tokens over a prompt long enough that
    /// decoding crosses the shared cache's first growth (256 positions, so the fp16 cache is
    /// restriped), and logits that differ by fp16 rounding only.
    #[test]
    fn half_attention_graph_decodes_like_the_float_graph() {
        let Some(model) = installed_default_model() else {
            return;
        };
        let options = RuntimeOptions {
            device: Device::Cpu,
            intra_threads: Some(2),
            ..Default::default()
        };
        let open = |precision| {
            DecoderSession::open_with_precision(
                &model.model_file(),
                &model.genai.model,
                &options,
                precision,
            )
            .expect("load")
        };
        let mut half = open(AttentionPrecision::Half);
        let mut float = open(AttentionPrecision::Float);
        assert!(
            half.describe().contains("fp16 attention"),
            "{}",
            half.describe()
        );
        assert!(float.describe().contains("float attention"));
        let prompt: Vec<u32> = (0..250u32).map(|i| (i * 7919 + 13) % 20000 + 100).collect();
        let (mut half_logits, mut half_cache) = half
            .forward_last(&prompt, half.empty_cache().expect("cache"))
            .expect("run");
        let (mut float_logits, mut float_cache) = float
            .forward_last(&prompt, float.empty_cache().expect("cache"))
            .expect("run");
        let mut worst = 0f32;
        for _ in 0..12 {
            let (h, f) = (half_logits.last(), float_logits.last());
            worst = h
                .iter()
                .zip(f)
                .map(|(a, b)| (a - b).abs())
                .fold(worst, f32::max);
            let token = crate::llm::sampling::argmax(f);
            assert_eq!(
                crate::llm::sampling::argmax(h),
                token,
                "greedy token differs at {}",
                half_cache.len()
            );
            (half_logits, half_cache) = half.forward_last(&[token], half_cache).expect("step");
            (float_logits, float_cache) = float.forward_last(&[token], float_cache).expect("step");
        }
        assert!(half_cache.len() > KV_GROWTH, "decoding crossed the growth");
        assert!(worst < 0.25, "largest logit difference {worst}");
        eprintln!("fp16 attention vs float: largest logit difference {worst}");
    }
}
