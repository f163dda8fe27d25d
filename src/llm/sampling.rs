//! Choosing the next token from logits: penalties, then greedy or seeded sampling with
//! temperature, top-k, top-p and min-p. The same seed gives the same choices.
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SamplingParams {
    /// 0 means greedy (argmax).
    pub temperature: f32,
    /// Keep the k most likely tokens; 0 disables.
    pub top_k: usize,
    /// Keep the smallest set whose probability reaches p; 1 disables.
    pub top_p: f32,
    /// Drop tokens below `min_p` times the top probability; 0 disables.
    pub min_p: f32,
    /// Hugging Face style: divide positive logits (multiply negative) of tokens already in the
    /// context; 1 disables.
    pub repetition_penalty: f32,
    /// OpenAI style: subtract `count * frequency_penalty` for each generated occurrence.
    pub frequency_penalty: f32,
    pub seed: u64,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            repetition_penalty: 1.0,
            frequency_penalty: 0.0,
            seed: 0,
        }
    }
}

impl SamplingParams {
    pub fn is_greedy(&self) -> bool {
        self.temperature <= 0.0 || self.top_k == 1
    }
}

pub struct Sampler {
    params: SamplingParams,
    rng: ChaCha8Rng,
}

/// Index of the largest value (first on ties); 0 for an empty slice.
pub fn argmax(values: &[f32]) -> u32 {
    let mut best = 0usize;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best as u32
}

impl Sampler {
    pub fn new(params: SamplingParams) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(params.seed);
        Sampler { params, rng }
    }

    pub fn params(&self) -> &SamplingParams {
        &self.params
    }

    /// Apply penalties in place: `context` is every token the model has seen (prompt and
    /// output), `generated` only the output.
    pub fn apply_penalties(&self, logits: &mut [f32], context: &[u32], generated: &[u32]) {
        let p = &self.params;
        if p.repetition_penalty > 0.0 && (p.repetition_penalty - 1.0).abs() > f32::EPSILON {
            let mut seen = vec![false; logits.len()];
            for &t in context {
                if let Some(flag) = seen.get_mut(t as usize) {
                    *flag = true;
                }
            }
            for (logit, _) in logits.iter_mut().zip(&seen).filter(|(_, s)| **s) {
                *logit = if *logit > 0.0 {
                    *logit / p.repetition_penalty
                } else {
                    *logit * p.repetition_penalty
                };
            }
        }
        if p.frequency_penalty != 0.0 {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            for &t in generated {
                *counts.entry(t).or_default() += 1;
            }
            for (t, count) in counts {
                if let Some(logit) = logits.get_mut(t as usize) {
                    *logit -= p.frequency_penalty * count as f32;
                }
            }
        }
    }

    /// Pick the next token.
    pub fn sample(&mut self, logits: &[f32], context: &[u32], generated: &[u32]) -> u32 {
        let mut logits = logits.to_vec();
        self.apply_penalties(&mut logits, context, generated);
        if self.params.is_greedy() || logits.is_empty() {
            return argmax(&logits);
        }
        let candidates = self.candidates(&logits);
        let total: f32 = candidates.iter().map(|(_, p)| p).sum();
        let mut target = self.rng.random::<f32>() * total;
        for (token, prob) in &candidates {
            if target < *prob {
                return *token;
            }
            target -= prob;
        }
        candidates
            .last()
            .map_or_else(|| argmax(&logits), |(t, _)| *t)
    }

    /// Tokens left after temperature, top-k, top-p and min-p, with unnormalised probabilities,
    /// most likely first.
    fn candidates(&self, logits: &[f32]) -> Vec<(u32, f32)> {
        let p = &self.params;
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut probs: Vec<(u32, f32)> = logits
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u32, ((l - max) / p.temperature).exp()))
            .filter(|(_, prob)| prob.is_finite() && *prob > 0.0)
            .collect();
        probs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if p.top_k > 0 {
            probs.truncate(p.top_k);
        }
        let top = probs.first().map_or(0.0, |(_, prob)| *prob);
        if p.min_p > 0.0 {
            probs.retain(|(_, prob)| *prob >= p.min_p * top);
        }
        if p.top_p < 1.0 {
            let total: f32 = probs.iter().map(|(_, prob)| prob).sum();
            let mut cumulative = 0.0;
            let mut keep = 0;
            for (_, prob) in &probs {
                keep += 1;
                cumulative += prob / total;
                if cumulative >= p.top_p {
                    break;
                }
            }
            probs.truncate(keep.max(1));
        }
        probs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sampler(params: SamplingParams) -> Sampler {
        Sampler::new(params)
    }

    #[test]
    fn greedy_takes_the_largest_logit() {
        let mut s = sampler(SamplingParams::default());
        assert_eq!(s.sample(&[0.1, 3.0, 2.0], &[], &[]), 1);
    }

    #[test]
    fn repetition_penalty_demotes_seen_tokens() {
        let s = sampler(SamplingParams {
            repetition_penalty: 2.0,
            ..Default::default()
        });
        let mut logits = vec![4.0, 3.0, -1.0];
        s.apply_penalties(&mut logits, &[0, 2], &[]);
        assert_eq!(logits, vec![2.0, 3.0, -2.0]);
    }

    #[test]
    fn frequency_penalty_counts_generated_occurrences() {
        let s = sampler(SamplingParams {
            frequency_penalty: 0.5,
            ..Default::default()
        });
        let mut logits = vec![1.0, 1.0];
        s.apply_penalties(&mut logits, &[], &[1, 1, 1]);
        assert_eq!(logits, vec![1.0, -0.5]);
    }

    #[test]
    fn same_seed_same_tokens_and_different_seed_differs() {
        let logits: Vec<f32> = (0..50).map(|i| (i as f32 * 0.37).sin()).collect();
        let run = |seed| {
            let mut s = sampler(SamplingParams {
                temperature: 1.5,
                seed,
                ..Default::default()
            });
            (0..40)
                .map(|_| s.sample(&logits, &[], &[]))
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn top_k_top_p_and_min_p_restrict_the_choice() {
        let logits = vec![5.0, 4.9, 0.0, -3.0, 4.8];
        let draw = |params: SamplingParams| {
            let mut s = sampler(params);
            let mut seen: Vec<u32> = (0..200).map(|_| s.sample(&logits, &[], &[])).collect();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        let base = SamplingParams {
            temperature: 1.0,
            seed: 1,
            ..Default::default()
        };
        assert_eq!(
            draw(SamplingParams {
                top_k: 2,
                ..base.clone()
            }),
            vec![0, 1]
        );
        assert_eq!(
            draw(SamplingParams {
                min_p: 0.5,
                ..base.clone()
            }),
            vec![0, 1, 4]
        );
        assert_eq!(
            draw(SamplingParams {
                top_p: 0.3,
                ..base.clone()
            }),
            vec![0]
        );
    }
}
