//! An independent plain-Rust f32 llama forward pass over a [`WeightSource`]: the oracle the
//! ONNX graph is tested against. Full recompute, no cache, no contrib-op semantics: slow on
//! purpose-built simplicity.
use crate::error::{Error, Result};
use crate::llm::weights::{LlamaConfig, WeightSource};

struct Linear {
    out: usize,
    inp: usize,
    weight: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Linear {
    fn load(
        weights: &dyn WeightSource,
        name: &str,
        out: usize,
        inp: usize,
        bias: Option<String>,
    ) -> Result<Self> {
        let weight = load_shaped(weights, name, &[out, inp])?;
        let bias = match bias {
            Some(bias) => Some(load_shaped(weights, &bias, &[out])?),
            None => None,
        };
        Ok(Linear {
            out,
            inp,
            weight,
            bias,
        })
    }

    fn apply(&self, x: &[f32]) -> Vec<f32> {
        (0..self.out)
            .map(|o| {
                let row = &self.weight[o * self.inp..(o + 1) * self.inp];
                let dot: f32 = row.iter().zip(x).map(|(w, v)| w * v).sum();
                dot + self.bias.as_ref().map_or(0.0, |b| b[o])
            })
            .collect()
    }
}

struct Layer {
    attn_norm: Vec<f32>,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ffn_norm: Vec<f32>,
    gate: Linear,
    up: Linear,
    down: Linear,
}

/// The whole model in f32, ready for [`ReferenceModel::forward`].
pub struct ReferenceModel {
    config: LlamaConfig,
    embedding: Vec<f32>,
    layers: Vec<Layer>,
    output_norm: Vec<f32>,
    lm_head: Linear,
}

fn load_shaped(weights: &dyn WeightSource, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let tensor = weights.tensor(name)?;
    if tensor.shape != shape || tensor.data.len() != shape.iter().product::<usize>() {
        return Err(Error::Other(anyhow::anyhow!(
            "tensor {name} has shape {:?}, expected {shape:?}",
            tensor.shape
        )));
    }
    Ok(tensor.data)
}

fn rms_norm(x: &[f32], gamma: &[f32], eps: f32) -> Vec<f32> {
    let mean_square = x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
    let inv = 1.0 / (mean_square + eps).sqrt();
    x.iter().zip(gamma).map(|(v, g)| v * inv * g).collect()
}

/// Rotate-half RoPE on one head vector in place.
fn rope(head: &mut [f32], position: usize, theta: f32) {
    let half = head.len() / 2;
    for i in 0..half {
        let inv_freq = 1.0f64 / f64::from(theta).powf((2 * i) as f64 / head.len() as f64);
        let angle = position as f64 * inv_freq;
        let (sin, cos) = (angle.sin() as f32, angle.cos() as f32);
        let (a, b) = (head[i], head[i + half]);
        head[i] = a * cos - b * sin;
        head[i + half] = b * cos + a * sin;
    }
}

impl ReferenceModel {
    pub fn load(weights: &dyn WeightSource) -> Result<Self> {
        let config = weights.config().clone();
        let (h, inter) = (config.hidden_size, config.intermediate_size);
        let (q_size, kv_size) = (
            config.n_heads * config.head_dim,
            config.n_kv_heads * config.head_dim,
        );
        let mut layers = Vec::with_capacity(config.n_layers);
        for i in 0..config.n_layers {
            let name = |t: &str| format!("blk.{i}.{t}.weight");
            let bias = |t: &str| config.attention_bias.then(|| format!("blk.{i}.{t}.bias"));
            layers.push(Layer {
                attn_norm: load_shaped(weights, &name("attn_norm"), &[h])?,
                q: Linear::load(weights, &name("attn_q"), q_size, h, bias("attn_q"))?,
                k: Linear::load(weights, &name("attn_k"), kv_size, h, bias("attn_k"))?,
                v: Linear::load(weights, &name("attn_v"), kv_size, h, bias("attn_v"))?,
                o: Linear::load(weights, &name("attn_output"), h, q_size, None)?,
                ffn_norm: load_shaped(weights, &name("ffn_norm"), &[h])?,
                gate: Linear::load(weights, &name("ffn_gate"), inter, h, None)?,
                up: Linear::load(weights, &name("ffn_up"), inter, h, None)?,
                down: Linear::load(weights, &name("ffn_down"), h, inter, None)?,
            });
        }
        let head_name = if !config.tie_word_embeddings && weights.has_tensor("output.weight") {
            "output.weight"
        } else {
            "token_embd.weight"
        };
        Ok(ReferenceModel {
            embedding: load_shaped(weights, "token_embd.weight", &[config.vocab_size, h])?,
            output_norm: load_shaped(weights, "output_norm.weight", &[h])?,
            lm_head: Linear::load(weights, head_name, config.vocab_size, h, None)?,
            layers,
            config,
        })
    }

    pub fn config(&self) -> &LlamaConfig {
        &self.config
    }

    /// Logits `[tokens.len()][vocab]` for every position of `tokens` (causal attention).
    pub fn forward(&self, tokens: &[u32]) -> Result<Vec<Vec<f32>>> {
        let c = &self.config;
        let (h, hd) = (c.hidden_size, c.head_dim);
        let group = c.n_heads / c.n_kv_heads;
        let scale = 1.0 / (hd as f32).sqrt();
        let mut states: Vec<Vec<f32>> = tokens
            .iter()
            .map(|&t| {
                let t = t as usize;
                if t >= c.vocab_size {
                    return Err(Error::Usage(format!("token id {t} outside the vocabulary")));
                }
                Ok(self.embedding[t * h..(t + 1) * h].to_vec())
            })
            .collect::<Result<_>>()?;
        for layer in &self.layers {
            let mut queries = Vec::with_capacity(tokens.len());
            let mut keys = Vec::with_capacity(tokens.len());
            let mut values = Vec::with_capacity(tokens.len());
            for (pos, x) in states.iter().enumerate() {
                let normed = rms_norm(x, &layer.attn_norm, c.rms_norm_eps);
                let mut q = layer.q.apply(&normed);
                let mut k = layer.k.apply(&normed);
                q.chunks_mut(hd)
                    .for_each(|head| rope(head, pos, c.rope_theta));
                k.chunks_mut(hd)
                    .for_each(|head| rope(head, pos, c.rope_theta));
                queries.push(q);
                keys.push(k);
                values.push(layer.v.apply(&normed));
            }
            for (pos, x) in states.iter_mut().enumerate() {
                let mut attn = vec![0f32; c.n_heads * hd];
                for head in 0..c.n_heads {
                    let kv = head / group;
                    let q = &queries[pos][head * hd..(head + 1) * hd];
                    let scores: Vec<f32> = (0..=pos)
                        .map(|j| {
                            let k = &keys[j][kv * hd..(kv + 1) * hd];
                            q.iter().zip(k).map(|(a, b)| a * b).sum::<f32>() * scale
                        })
                        .collect();
                    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let exps: Vec<f32> = scores.iter().map(|s| (s - max).exp()).collect();
                    let total: f32 = exps.iter().sum();
                    let out = &mut attn[head * hd..(head + 1) * hd];
                    for (j, e) in exps.iter().enumerate() {
                        let v = &values[j][kv * hd..(kv + 1) * hd];
                        for (o, vv) in out.iter_mut().zip(v) {
                            *o += e / total * vv;
                        }
                    }
                }
                let projected = layer.o.apply(&attn);
                x.iter_mut().zip(&projected).for_each(|(a, b)| *a += b);
                let normed = rms_norm(x, &layer.ffn_norm, c.rms_norm_eps);
                let gate = layer.gate.apply(&normed);
                let up = layer.up.apply(&normed);
                let gated: Vec<f32> = gate
                    .iter()
                    .zip(&up)
                    .map(|(g, u)| g / (1.0 + (-g).exp()) * u)
                    .collect();
                let down = layer.down.apply(&gated);
                x.iter_mut().zip(&down).for_each(|(a, b)| *a += b);
            }
        }
        Ok(states
            .iter()
            .map(|x| {
                self.lm_head
                    .apply(&rms_norm(x, &self.output_norm, c.rms_norm_eps))
            })
            .collect())
    }
}
