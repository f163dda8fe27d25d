//! The generation loop: prefill the prompt once, then one token per step reusing the KV cache,
//! streaming text pieces, stopping on EOS, stop strings, the token budget, the context length,
//! the callback or cancellation.
use crate::error::{Error, Result};
use crate::llm::sampling::{Sampler, SamplingParams};
use crate::llm::session::DecoderSession;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Turns token ids into text (the tokenizer).
pub trait TokenText {
    fn decode_tokens(&self, ids: &[u32]) -> Result<String>;
}

impl TokenText for tokenizers::Tokenizer {
    fn decode_tokens(&self, ids: &[u32]) -> Result<String> {
        self.decode(ids, true)
            .map_err(|e| Error::Other(anyhow::anyhow!("cannot decode tokens: {e}")))
    }
}

/// What to do with a prompt that does not fit the context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContextPolicy {
    /// A clear error naming the prompt length and the context.
    #[default]
    Error,
    /// Drop the oldest prompt tokens, keeping room for `max_new_tokens`.
    TruncateStart,
}

#[derive(Debug, Clone)]
pub struct GenerationParams {
    pub max_new_tokens: usize,
    pub sampling: SamplingParams,
    /// Stop when the text contains one of these; the stop string is not returned.
    pub stop_strings: Vec<String>,
    /// Token ids that end generation (the model's EOS ids).
    pub eos_token_ids: Vec<u32>,
    pub context_policy: ContextPolicy,
}

impl Default for GenerationParams {
    fn default() -> Self {
        GenerationParams {
            max_new_tokens: 256,
            sampling: SamplingParams::default(),
            stop_strings: Vec::new(),
            eos_token_ids: Vec::new(),
            context_policy: ContextPolicy::Error,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Eos,
    StopString,
    MaxNewTokens,
    ContextFull,
    Cancelled,
    /// The streaming callback returned `ControlFlow::Break`.
    Callback,
}

#[derive(Debug, Clone, Default)]
pub struct GenerationStats {
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// Prompt tokens dropped by [`ContextPolicy::TruncateStart`].
    pub truncated_tokens: usize,
    pub prefill: Duration,
    pub time_to_first_token: Duration,
    pub decode: Duration,
}

impl GenerationStats {
    pub fn prefill_tokens_per_second(&self) -> f64 {
        rate(self.prompt_tokens, self.prefill)
    }
    /// Tokens after the first one, over the time spent producing them.
    pub fn decode_tokens_per_second(&self) -> f64 {
        rate(self.generated_tokens.saturating_sub(1), self.decode)
    }
}

fn rate(tokens: usize, time: Duration) -> f64 {
    let secs = time.as_secs_f64();
    if secs > 0.0 {
        tokens as f64 / secs
    } else {
        0.0
    }
}

#[derive(Debug, Clone)]
pub struct Generation {
    pub text: String,
    pub tokens: Vec<u32>,
    pub stop_reason: StopReason,
    pub stats: GenerationStats,
}

/// Streams decoded text while holding back what might still become a stop string or an
/// incomplete UTF-8 character.
struct TextStream<'a> {
    decoder: &'a dyn TokenText,
    stop_strings: &'a [String],
    emitted: usize,
    text: String,
}

impl TextStream<'_> {
    /// Re-decode `tokens`; returns the new safe piece and whether a stop string was found.
    fn update(&mut self, tokens: &[u32]) -> Result<(String, bool)> {
        self.text = self.decoder.decode_tokens(tokens)?;
        if let Some(cut) = self
            .stop_strings
            .iter()
            .filter(|s| !s.is_empty())
            .filter_map(|s| self.text.find(s.as_str()))
            .min()
        {
            self.text.truncate(cut);
            return Ok((self.take_until(cut), true));
        }
        // U+FFFD at the end is a multi-byte character still being spelled out.
        let safe = self.text.trim_end_matches('\u{FFFD}').len();
        // Hold back the longest tail that is a proper prefix of some stop string.
        let mut hold = 0;
        for stop in self.stop_strings {
            for (i, _) in stop.char_indices().skip(1) {
                if self.text[..safe].ends_with(&stop[..i]) {
                    hold = hold.max(i);
                }
            }
        }
        Ok((self.take_until(safe - hold), false))
    }

    fn take_until(&mut self, end: usize) -> String {
        if end <= self.emitted || !self.text.is_char_boundary(end) {
            return String::new();
        }
        let piece = self.text[self.emitted..end].to_string();
        self.emitted = end;
        piece
    }

    /// Everything not yet emitted (at the end of generation).
    fn flush(&mut self) -> String {
        let end = self.text.len();
        self.take_until(end)
    }
}

/// Generate a completion of `prompt` (token ids, chat template already applied).
pub fn generate(
    session: &mut DecoderSession,
    decoder: &dyn TokenText,
    prompt: &[u32],
    params: &GenerationParams,
    on_text: &mut dyn FnMut(&str) -> ControlFlow<()>,
    cancel: Option<&AtomicBool>,
) -> Result<Generation> {
    let context = session.context_length();
    if prompt.is_empty() {
        return Err(Error::Usage("the prompt is empty".into()));
    }
    let mut stats = GenerationStats::default();
    let prompt: &[u32] = if prompt.len() >= context {
        match params.context_policy {
            ContextPolicy::Error => {
                return Err(Error::Usage(format!(
                    "the prompt has {} tokens but the model's context length is {context}; shorten it or allow truncation",
                    prompt.len()
                )))
            }
            ContextPolicy::TruncateStart => {
                let room = params.max_new_tokens.clamp(1, context / 2);
                let keep = context - room;
                stats.truncated_tokens = prompt.len() - keep;
                &prompt[prompt.len() - keep..]
            }
        }
    } else {
        prompt
    };
    stats.prompt_tokens = prompt.len();
    let mut sampler = Sampler::new(params.sampling.clone());
    let mut stream = TextStream {
        decoder,
        stop_strings: &params.stop_strings,
        emitted: 0,
        text: String::new(),
    };
    let mut all_tokens = prompt.to_vec();
    let mut generated: Vec<u32> = Vec::new();
    let cancelled = || cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    let started = Instant::now();

    let (logits, mut cache) = session.forward_last(prompt, session.empty_cache()?)?;
    stats.prefill = started.elapsed();
    let mut next_logits = logits.data;
    let decode_started = Instant::now();
    let stop_reason = loop {
        if cancelled() {
            break StopReason::Cancelled;
        }
        if generated.len() >= params.max_new_tokens {
            break StopReason::MaxNewTokens;
        }
        let token = sampler.sample(&next_logits, &all_tokens, &generated);
        if generated.is_empty() {
            stats.time_to_first_token = started.elapsed();
        }
        if params.eos_token_ids.contains(&token) {
            break StopReason::Eos;
        }
        generated.push(token);
        all_tokens.push(token);
        let (piece, hit_stop) = stream.update(&generated)?;
        if !piece.is_empty() && on_text(&piece).is_break() {
            break StopReason::Callback;
        }
        if hit_stop {
            break StopReason::StopString;
        }
        if generated.len() >= params.max_new_tokens {
            break StopReason::MaxNewTokens;
        }
        if cache.len() + 1 > context {
            break StopReason::ContextFull;
        }
        let (logits, grown) = session.forward_last(&[token], cache)?;
        cache = grown;
        next_logits = logits.data;
    };
    stats.generated_tokens = generated.len();
    stats.decode = decode_started
        .elapsed()
        .saturating_sub(stats.time_to_first_token.saturating_sub(stats.prefill));
    if stop_reason != StopReason::StopString && stop_reason != StopReason::Callback {
        let rest = stream.flush();
        if !rest.is_empty() {
            let _ = on_text(&rest);
        }
    }
    Ok(Generation {
        text: stream.text,
        tokens: generated,
        stop_reason,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token i decodes to the i-th character of `alphabet`.
    struct Letters(Vec<char>);

    impl TokenText for Letters {
        fn decode_tokens(&self, ids: &[u32]) -> Result<String> {
            Ok(ids.iter().filter_map(|&i| self.0.get(i as usize)).collect())
        }
    }

    fn stream_all(stops: &[&str], text: &str) -> (Vec<String>, bool) {
        let letters = Letters(text.chars().collect());
        let stops: Vec<String> = stops.iter().map(|s| s.to_string()).collect();
        let mut stream = TextStream {
            decoder: &letters,
            stop_strings: &stops,
            emitted: 0,
            text: String::new(),
        };
        let ids: Vec<u32> = (0..text.chars().count() as u32).collect();
        let mut pieces = Vec::new();
        for end in 1..=ids.len() {
            let (piece, stop) = stream.update(&ids[..end]).expect("decode");
            if !piece.is_empty() {
                pieces.push(piece);
            }
            if stop {
                return (pieces, true);
            }
        }
        pieces.push(stream.flush());
        (pieces, false)
    }

    #[test]
    fn stop_string_is_cut_and_never_streamed_in_part() {
        let (pieces, stopped) = stream_all(&["END"], "abcENDxyz");
        assert!(stopped);
        assert_eq!(pieces.concat(), "abc");
        assert!(pieces.iter().all(|p| !p.contains('E')));
    }

    #[test]
    fn partial_stop_prefix_is_released_when_it_does_not_complete() {
        let (pieces, stopped) = stream_all(&["ENDS"], "abENDx");
        assert!(!stopped);
        assert_eq!(pieces.concat(), "abENDx");
    }

    #[test]
    fn stats_rates_handle_zero_time() {
        let stats = GenerationStats::default();
        assert_eq!(stats.decode_tokens_per_second(), 0.0);
    }
}
