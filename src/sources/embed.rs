//! Sentence embeddings with an ONNX MiniLM model (all-MiniLM-L6-v2 by default): texts cut
//! into overlapping 256-token windows, windows sorted by length and batched with padding to
//! the batch's longest, run on side-by-side sessions, mean-pooled over the attention mask and
//! L2-normalised; a text's vector is the normalised mean of its windows'.
use super::index::Embedder;
use crate::error::{Error, Result};
use crate::llm::runtime::{self, Device, Placement, RuntimeOptions};
use ort::session::Session;
use ort::value::{DynValue, Tensor};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use tokenizers::{Encoding, Tokenizer, TruncationParams};

/// Directory name of the default model under `$PRESSGATE_HOME/models`.
pub const DEFAULT_MODEL_DIR: &str = "all-minilm-l6-v2";
/// Longest window in tokens (MiniLM was trained on 256); longer texts are embedded as
/// several windows.
pub const MAX_TOKENS: usize = 256;
/// Tokens a window shares with the one before it, so a sentence cut at a window's end is
/// seen whole in the next.
pub const WINDOW_OVERLAP: usize = 64;
/// Windows per model run: large enough to amortise the call, small enough to bound memory.
const BATCH_SIZE: usize = 32;
/// Most sessions run side by side on the CPU; each holds its own copy of the weights and
/// activation arena, so this bounds memory on many-core machines.
const MAX_SESSIONS: usize = 4;

/// The embedding model directory: `$PRESSGATE_EMBED_MODEL`, else the data-dir default.
pub fn default_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PRESSGATE_EMBED_MODEL").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    crate::paths::models_dir().join(DEFAULT_MODEL_DIR)
}

/// A MiniLM-style sentence encoder (`model.onnx` + `tokenizer.json` in one directory).
pub struct MiniLmEmbedder {
    /// On the CPU, several sessions with few threads each run different batches side by side:
    /// no barrier between the threads of one operator, so no core idles waiting for a slow
    /// (or descheduled) sibling. `Session::run` needs `&mut`, hence the locks.
    sessions: Vec<Mutex<Session>>,
    tokenizer: Tokenizer,
    wants_token_type_ids: bool,
    pad_id: u32,
    output_name: String,
    placement: Placement,
    /// Identifies the model for index caches: changes when the weights change.
    fingerprint: String,
}

fn ort_err(context: &str, e: impl std::fmt::Display) -> Error {
    Error::Other(anyhow::anyhow!("{context}: {e}"))
}

impl MiniLmEmbedder {
    /// Load the model in `dir` on `device` using `threads` cores (`None`: physical cores):
    /// on the CPU, up to [`MAX_SESSIONS`] sessions sharing the cores between them. ONNX Runtime
    /// is found as for the LLM (`PRESSGATE_ORT_LIB`, data dir).
    pub fn open(dir: &Path, device: Device, threads: Option<usize>) -> Result<Self> {
        let model_file = dir.join("model.onnx");
        let tokenizer_file = dir.join("tokenizer.json");
        for file in [&model_file, &tokenizer_file] {
            if !file.is_file() {
                return Err(Error::Setup {
                    message: format!("embedding model file missing: {}", file.display()),
                    hint: "run scripts/setup.sh to install the embedding model, or set PRESSGATE_EMBED_MODEL".into(),
                });
            }
        }
        let mut tokenizer = Tokenizer::from_file(&tokenizer_file)
            .map_err(|e| Error::input(&tokenizer_file, format!("cannot read tokenizer: {e}")))?;
        // The shipped tokenizer pads every input to a fixed 128; batches are padded by hand to
        // their longest window instead.
        let pad_id = tokenizer.get_padding().map_or(0, |p| p.pad_id);
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                stride: WINDOW_OVERLAP,
                ..Default::default()
            }))
            .map_err(|e| Error::input(&tokenizer_file, format!("cannot set truncation: {e}")))?;

        let cores = threads.unwrap_or_else(runtime::physical_cores).max(1);
        let session_count = cores.min(MAX_SESSIONS);
        let env = runtime::environment(None)?;
        let load = |device: Device| -> Result<(Session, Placement)> {
            let options = RuntimeOptions {
                ort_lib: None,
                device,
                intra_threads: Some(cores / session_count),
            };
            let (mut builder, placement) = runtime::session_builder(&env, &options)?;
            let session = builder.commit_from_file(&model_file).map_err(|e| {
                Error::input(
                    &model_file,
                    format!("ONNX Runtime cannot load the model: {e}"),
                )
            })?;
            Ok((session, placement))
        };
        let (session, placement) = load(device)?;
        let input_names: Vec<String> = session
            .inputs()
            .iter()
            .map(|i| i.name().to_string())
            .collect();
        for required in ["input_ids", "attention_mask"] {
            if !input_names.iter().any(|n| n == required) {
                return Err(Error::input(
                    &model_file,
                    format!("not a sentence encoder: no `{required}` input (has {input_names:?})"),
                ));
            }
        }
        let wants_token_type_ids = input_names.iter().any(|n| n == "token_type_ids");
        let output_name = session
            .outputs()
            .first()
            .map(|o| o.name().to_string())
            .ok_or_else(|| Error::input(&model_file, "the model has no outputs"))?;
        let fingerprint = fingerprint(&model_file, &tokenizer_file)?;
        let mut sessions = vec![Mutex::new(session)];
        // A GPU runs one batch at a time well; side-by-side sessions only pay off on the CPU.
        if placement == Placement::Cpu {
            for _ in 1..session_count {
                sessions.push(Mutex::new(load(Device::Cpu)?.0));
            }
        }
        Ok(MiniLmEmbedder {
            sessions,
            tokenizer,
            wants_token_type_ids,
            pad_id,
            output_name,
            placement,
            fingerprint,
        })
    }

    /// Where the session runs.
    pub fn placement(&self) -> Placement {
        self.placement
    }

    /// A short id of the weights and tokenizer, for cache keys.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Unit-length vectors for `texts`, in input order. A text longer than the model's window
    /// is embedded as the normalised mean of its overlapping windows, so none of it is lost.
    pub fn embed_texts(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let windows = self.windows(texts)?;
        // Sorting by exact token count puts equal lengths in one batch, so almost no padding
        // is run; the windows of one long text may land in different batches.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&w| windows[w].1.len());
        // Small inputs are split so that every session gets a batch.
        let batch_size = BATCH_SIZE
            .min(windows.len().div_ceil(self.sessions.len()))
            .max(1);
        let batches: Vec<&[usize]> = order.chunks(batch_size).collect();
        let next_batch = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let run_session = |session: &Mutex<Session>| -> Result<PooledWindows> {
            let mut inputs = BatchInputs::default();
            let mut pooled = Vec::new();
            while !failed.load(Ordering::Relaxed) {
                let Some(batch) = batches.get(next_batch.fetch_add(1, Ordering::Relaxed)) else {
                    break;
                };
                let encodings: Vec<&Encoding> = batch.iter().map(|&w| &windows[w].1).collect();
                inputs.fill(&encodings, self.pad_id);
                match self.run_batch(session, &inputs) {
                    Ok(vectors) => pooled.extend(batch.iter().copied().zip(vectors)),
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(pooled)
        };
        let per_session: Vec<Result<PooledWindows>> = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .sessions
                .iter()
                .take(batches.len())
                .map(|session| scope.spawn(|| run_session(session)))
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|_| Err(ort_err("embedding worker", "panicked")))
                })
                .collect()
        });
        let mut sums: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for result in per_session {
            for (window, vector) in result? {
                add_into(&mut sums[windows[window].0], &normalised(vector));
            }
        }
        Ok(sums.into_iter().map(normalised).collect())
    }

    /// Every text's token windows, flattened: `(text index, window)`. The tokenizer cuts at
    /// [`MAX_TOKENS`] and hands back the rest as overflowing windows that start
    /// [`WINDOW_OVERLAP`] tokens before the previous one ended, special tokens added to each.
    fn windows(&self, texts: &[&str]) -> Result<Vec<(usize, Encoding)>> {
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| ort_err("cannot tokenize", e))?;
        let mut windows = Vec::with_capacity(encodings.len());
        for (text, mut encoding) in encodings.into_iter().enumerate() {
            let overflowing = encoding.take_overflowing();
            windows.push((text, encoding));
            windows.extend(overflowing.into_iter().map(|window| (text, window)));
        }
        Ok(windows)
    }

    /// Mean-pooled (not yet normalised) vectors of one padded batch.
    fn run_batch(&self, session: &Mutex<Session>, inputs: &BatchInputs) -> Result<Vec<Vec<f32>>> {
        let (rows, seq) = (inputs.rows, inputs.seq);
        if rows == 0 || seq == 0 {
            return Ok(vec![Vec::new(); rows]);
        }
        let tensor = |data: &[i64]| -> Result<DynValue> {
            Tensor::<i64>::from_array(([rows, seq], data.to_vec()))
                .map(|t| t.into_dyn())
                .map_err(|e| ort_err("cannot create an input tensor", e))
        };
        let mut feeds: Vec<(String, DynValue)> = vec![
            ("input_ids".into(), tensor(&inputs.ids)?),
            ("attention_mask".into(), tensor(&inputs.mask)?),
        ];
        if self.wants_token_type_ids {
            feeds.push(("token_type_ids".into(), tensor(&inputs.type_ids)?));
        }
        let mut session = session.lock().unwrap_or_else(|poison| poison.into_inner());
        let outputs = session
            .run(feeds)
            .map_err(|e| ort_err("ONNX Runtime failed to run the embedding model", e))?;
        let value = outputs
            .get(&self.output_name)
            .ok_or_else(|| ort_err("embedding output missing", &self.output_name))?;
        let (shape, data) = value
            .try_extract_tensor::<f32>()
            .map_err(|e| ort_err("embedding output is not a float tensor", e))?;
        match shape.len() {
            // Token states [batch, seq, dim]: the model leaves pooling to us.
            3 => {
                let dim = shape[2].max(0) as usize;
                if dim == 0 || data.len() != rows * seq * dim {
                    return Err(ort_err("unexpected embedding shape", format!("{shape:?}")));
                }
                Ok((0..rows)
                    .map(|r| {
                        let states = &data[r * seq * dim..(r + 1) * seq * dim];
                        mean_pool(states, &inputs.mask[r * seq..(r + 1) * seq], dim)
                    })
                    .collect())
            }
            // Already pooled [batch, dim].
            2 => {
                let dim = shape[1].max(0) as usize;
                if dim == 0 || data.len() != rows * dim {
                    return Err(ort_err("unexpected embedding shape", format!("{shape:?}")));
                }
                Ok(data.chunks(dim).map(<[f32]>::to_vec).collect())
            }
            _ => Err(ort_err("unexpected embedding shape", format!("{shape:?}"))),
        }
    }
}

/// Mean-pooled vectors of windows, each with its index in the flattened window list.
type PooledWindows = Vec<(usize, Vec<f32>)>;

/// The model inputs of one batch, padded to its longest window; reused across batches so the
/// buffers are allocated once per call.
#[derive(Default)]
struct BatchInputs {
    rows: usize,
    seq: usize,
    ids: Vec<i64>,
    mask: Vec<i64>,
    type_ids: Vec<i64>,
}

impl BatchInputs {
    fn fill(&mut self, encodings: &[&Encoding], pad_id: u32) {
        self.rows = encodings.len();
        self.seq = encodings.iter().map(|e| e.len()).max().unwrap_or(0);
        for buffer in [&mut self.ids, &mut self.mask, &mut self.type_ids] {
            buffer.clear();
        }
        for encoding in encodings {
            let padding = self.seq - encoding.len();
            self.ids
                .extend(encoding.get_ids().iter().map(|&t| i64::from(t)));
            self.ids
                .extend(std::iter::repeat_n(i64::from(pad_id), padding));
            self.mask
                .extend(encoding.get_attention_mask().iter().map(|&m| i64::from(m)));
            self.mask.extend(std::iter::repeat_n(0, padding));
            self.type_ids
                .extend(encoding.get_type_ids().iter().map(|&t| i64::from(t)));
            self.type_ids.extend(std::iter::repeat_n(0, padding));
        }
    }
}

/// `sum += v`, starting from `v` when `sum` is empty.
fn add_into(sum: &mut Vec<f32>, v: &[f32]) {
    if sum.is_empty() {
        sum.extend_from_slice(v);
    } else {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += x;
        }
    }
}

impl Embedder for MiniLmEmbedder {
    fn embed(&self, texts: &[&str]) -> std::result::Result<Vec<Vec<f32>>, String> {
        self.embed_texts(texts).map_err(|e| e.to_string())
    }
}

/// Average of the token states where the mask is set (padding must not dilute the mean).
pub fn mean_pool(states: &[f32], mask: &[i64], dim: usize) -> Vec<f32> {
    let mut sum = vec![0.0f32; dim];
    let mut count = 0.0f32;
    for (token, &m) in states.chunks(dim).zip(mask) {
        if m != 0 {
            for (s, x) in sum.iter_mut().zip(token) {
                *s += x;
            }
            count += 1.0;
        }
    }
    if count > 0.0 {
        for s in &mut sum {
            *s /= count;
        }
    }
    sum
}

/// `v` scaled to unit length (a zero vector stays zero).
pub fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 1e-12 {
        for x in &mut v {
            *x /= norm;
        }
    }
    v
}

/// Hash of the model and tokenizer files: sha256 of the sizes and the tokenizer bytes, and
/// of the model's first and last MiB (hashing 20+ MB of weights on every open is wasteful).
fn fingerprint(model_file: &Path, tokenizer_file: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: u64 = 1 << 20;
    let mut hasher = Sha256::new();
    let tokenizer =
        std::fs::read(tokenizer_file).map_err(|e| Error::input(tokenizer_file, e.to_string()))?;
    hasher.update(&tokenizer);
    let mut file =
        std::fs::File::open(model_file).map_err(|e| Error::input(model_file, e.to_string()))?;
    let len = file
        .metadata()
        .map_err(|e| Error::input(model_file, e.to_string()))?
        .len();
    hasher.update(len.to_le_bytes());
    let mut buf = Vec::new();
    (&mut file)
        .take(WINDOW)
        .read_to_end(&mut buf)
        .map_err(|e| Error::input(model_file, e.to_string()))?;
    if len > WINDOW {
        file.seek(SeekFrom::Start(len.saturating_sub(WINDOW).max(WINDOW)))
            .map_err(|e| Error::input(model_file, e.to_string()))?;
        file.read_to_end(&mut buf)
            .map_err(|e| Error::input(model_file, e.to_string()))?;
    }
    hasher.update(&buf);
    Ok(hex::encode(&hasher.finalize()[..8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pool_ignores_padding() {
        // Two real tokens and one padding token with large values.
        let states = [1.0, 2.0, 3.0, 4.0, 100.0, 100.0];
        let pooled = mean_pool(&states, &[1, 1, 0], 2);
        assert_eq!(pooled, vec![2.0, 3.0]);
        assert_eq!(mean_pool(&states, &[0, 0, 0], 2), vec![0.0, 0.0]);
    }

    #[test]
    fn normalised_has_unit_length() {
        let v = normalised(vec![3.0, 4.0]);
        assert!((v[0] - 0.6).abs() < 1e-6 && (v[1] - 0.8).abs() < 1e-6);
        assert_eq!(normalised(vec![0.0, 0.0]), vec![0.0, 0.0]);
    }

    #[test]
    fn missing_model_is_a_setup_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = MiniLmEmbedder::open(dir.path(), Device::Cpu, Some(1)).err();
        assert!(matches!(err, Some(Error::Setup { .. })));
    }
}
