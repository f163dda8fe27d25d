//! Sentence-aware chunking of extracted text into pieces of about 200–350 tokens with overlap,
//! each keeping its source id, byte span into the extracted text and heading path.
use super::extract::{Extracted, HeadingMark};
use crate::span::Span;
use unicode_segmentation::UnicodeSegmentation;

/// Counts tokens of a text; pass a real tokenizer's count, or use [`WordEstimate`].
pub trait TokenCounter {
    fn count(&self, text: &str) -> usize;
}

/// Approximate tokens as words × 1.3 (close to BPE counts for English prose).
#[derive(Debug, Clone, Copy, Default)]
pub struct WordEstimate;

impl TokenCounter for WordEstimate {
    fn count(&self, text: &str) -> usize {
        let words = text.split_whitespace().count();
        (words as f64 * 1.3).ceil() as usize
    }
}

/// Exact counts from the generating model's tokenizer (special tokens not added); falls back
/// to the word estimate for text the tokenizer rejects.
impl TokenCounter for tokenizers::Tokenizer {
    fn count(&self, text: &str) -> usize {
        match self.encode(text, false) {
            Ok(encoding) => encoding.len(),
            Err(_) => WordEstimate.count(text),
        }
    }
}

impl<F: Fn(&str) -> usize> TokenCounter for F {
    fn count(&self, text: &str) -> usize {
        self(text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// A chunk is not closed early (at a heading) below this size.
    pub min_tokens: usize,
    /// A chunk never grows past this size unless one sentence alone is longer (then the
    /// sentence is split by words).
    pub max_tokens: usize,
    /// Tokens of trailing sentences repeated at the start of the next chunk.
    pub overlap_tokens: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        ChunkOptions {
            min_tokens: 200,
            max_tokens: 350,
            overlap_tokens: 50,
        }
    }
}

/// One piece of a source's text, the unit of retrieval and citation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Chunk {
    pub source_id: String,
    /// Position among the source's chunks, from 0.
    pub index: usize,
    /// Byte span into [`Extracted::text`]; `text` is exactly that slice.
    pub span: Span,
    pub text: String,
    /// Headings above the chunk, outermost first.
    pub heading_path: Vec<String>,
    pub tokens: usize,
}

/// A sentence (or a word window of an overlong sentence) with its size.
#[derive(Debug, Clone, Copy)]
struct Unit {
    span: Span,
    tokens: usize,
    starts_heading: bool,
}

fn units(
    text: &str,
    headings: &[HeadingMark],
    max_tokens: usize,
    counter: &dyn TokenCounter,
) -> Vec<Unit> {
    let mut out = Vec::new();
    for (start, sentence) in text.split_sentence_bound_indices() {
        let trimmed_start = start + (sentence.len() - sentence.trim_start().len());
        let trimmed = sentence.trim();
        if trimmed.is_empty() {
            continue;
        }
        let span = Span::new(trimmed_start, trimmed_start + trimmed.len());
        let tokens = counter.count(trimmed);
        let starts_heading = headings.iter().any(|h| h.offset == span.start);
        if tokens <= max_tokens {
            out.push(Unit {
                span,
                tokens,
                starts_heading,
            });
            continue;
        }
        // Overlong sentence (a table row dump, a list without full stops): split by words.
        let mut window_start: Option<usize> = None;
        let mut window_end = span.start;
        for (offset, word) in trimmed.split_word_bound_indices() {
            let abs = span.start + offset;
            let begin = window_start.unwrap_or(abs);
            let candidate = &text[begin..abs + word.len()];
            if window_start.is_some() && counter.count(candidate) > max_tokens {
                let piece = Span::new(begin, window_end);
                out.push(Unit {
                    span: piece,
                    tokens: counter.count(&text[piece.start..piece.end]),
                    starts_heading: starts_heading && begin == span.start,
                });
                window_start = (!word.trim().is_empty()).then_some(abs);
            } else if window_start.is_none() && !word.trim().is_empty() {
                window_start = Some(abs);
            }
            if !word.trim().is_empty() {
                window_end = abs + word.len();
            }
        }
        if let Some(begin) = window_start {
            let piece = Span::new(begin, window_end.max(begin));
            out.push(Unit {
                span: piece,
                tokens: counter.count(&text[piece.start..piece.end]),
                starts_heading: starts_heading && begin == span.start,
            });
        }
    }
    out
}

fn heading_path(headings: &[HeadingMark], position: usize) -> Vec<String> {
    let mut stack: Vec<&HeadingMark> = Vec::new();
    for heading in headings.iter().filter(|h| h.offset <= position) {
        while stack.last().is_some_and(|top| top.level >= heading.level) {
            stack.pop();
        }
        stack.push(heading);
    }
    stack.into_iter().map(|h| h.text.clone()).collect()
}

/// Split `extracted.text` into chunks.
pub fn chunk_text(
    source_id: &str,
    extracted: &Extracted,
    options: &ChunkOptions,
    counter: &dyn TokenCounter,
) -> Vec<Chunk> {
    let text = &extracted.text;
    let max_tokens = options.max_tokens.max(1);
    let units = units(text, &extracted.headings, max_tokens, counter);
    let mut groups: Vec<Vec<Unit>> = Vec::new();
    let mut current: Vec<Unit> = Vec::new();
    let mut current_tokens = 0usize;
    for unit in units {
        let too_big = !current.is_empty() && current_tokens + unit.tokens > max_tokens;
        let new_section = unit.starts_heading && current_tokens >= options.min_tokens;
        if too_big || new_section {
            let finished = std::mem::take(&mut current);
            current_tokens = 0;
            // A new section starts clean; otherwise repeat the last sentences for context,
            // always fewer than the whole previous chunk so the text moves forward.
            if !new_section {
                let mut carried: Vec<Unit> = Vec::new();
                let mut carried_tokens = 0;
                for prev in finished.iter().skip(1).rev() {
                    if carried_tokens + prev.tokens > options.overlap_tokens
                        || carried_tokens + prev.tokens + unit.tokens > max_tokens
                    {
                        break;
                    }
                    carried_tokens += prev.tokens;
                    carried.insert(0, *prev);
                }
                current = carried;
                current_tokens = carried_tokens;
            }
            groups.push(finished);
        }
        current_tokens += unit.tokens;
        current.push(unit);
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
        .into_iter()
        .enumerate()
        .filter_map(|(index, group)| {
            let span = Span::new(group.first()?.span.start, group.last()?.span.end);
            let chunk_text = text.get(span.start..span.end)?.to_string();
            // Headings that open the chunk belong to its path, so the path is taken where
            // its first sentence of body text starts.
            let body_start = group
                .iter()
                .find(|u| !u.starts_heading)
                .map_or(span.start, |u| u.span.start);
            Some(Chunk {
                source_id: source_id.to_string(),
                index,
                span,
                tokens: counter.count(&chunk_text),
                heading_path: heading_path(&extracted.headings, body_start),
                text: chunk_text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::extract::extract_markdown;

    fn sentence(i: usize) -> String {
        format!("Sentence number {i} reports that the measured value rose by {i} percent over the year.")
    }

    #[test]
    fn chunks_are_sized_overlapping_and_spanned() {
        let mut md = String::from("# Report\n\n## Method\n\n");
        md.push_str(&(0..40).map(sentence).collect::<Vec<_>>().join(" "));
        md.push_str("\n\n## Results\n\n");
        md.push_str(&(40..90).map(sentence).collect::<Vec<_>>().join(" "));
        let extracted = extract_markdown(&md);
        let chunks = chunk_text("src-1", &extracted, &ChunkOptions::default(), &WordEstimate);
        assert!(chunks.len() >= 4, "{} chunks", chunks.len());
        for (i, chunk) in chunks.iter().enumerate() {
            assert_eq!(chunk.index, i);
            assert_eq!(chunk.source_id, "src-1");
            assert_eq!(
                &extracted.text[chunk.span.start..chunk.span.end],
                chunk.text
            );
            assert!(chunk.tokens <= 350, "chunk {i} has {} tokens", chunk.tokens);
            // Chunks end on sentence boundaries.
            assert!(
                chunk.text.ends_with('.') || chunk.text.ends_with("Results"),
                "{}",
                chunk.text
            );
        }
        // Every chunk but the last of a section is at least the minimum size.
        assert!(chunks[0].tokens >= 200 || chunks[0].text.contains("Results"));
        // Consecutive chunks inside one section overlap.
        assert!(chunks[1].span.start < chunks[0].span.end);
        // Heading paths follow the document outline.
        assert_eq!(chunks[0].heading_path, vec!["Report", "Method"]);
        let last = chunks.last().expect("chunks");
        assert_eq!(last.heading_path, vec!["Report", "Results"]);
        // All of the text is covered.
        assert_eq!(last.span.end, extracted.text.len());
    }

    #[test]
    fn overlong_sentence_is_split_by_words() {
        let long = vec!["word"; 1000].join(" ");
        let extracted = crate::sources::extract::extract_text(&long);
        let chunks = chunk_text("s", &extracted, &ChunkOptions::default(), &WordEstimate);
        assert!(chunks.len() >= 3);
        assert!(chunks.iter().all(|c| c.tokens <= 350));
    }

    #[test]
    fn tokenizer_counts_tokens() {
        let json = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],
            "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,
            "decoder":null,"model":{"type":"WordLevel","vocab":{"[UNK]":0,"hello":1},
            "unk_token":"[UNK]"}}"#;
        let tokenizer: tokenizers::Tokenizer = json.parse().expect("tokenizer json");
        // "Hello" "," "world" "." under the whitespace pre-tokenizer.
        assert_eq!(TokenCounter::count(&tokenizer, "Hello, world."), 4);
        assert_eq!(WordEstimate.count("Hello, world."), 3);
    }

    #[test]
    fn custom_counter_and_empty_text() {
        let extracted = crate::sources::extract::extract_text("One. Two. Three. Four.");
        let per_char = |t: &str| t.len();
        let options = ChunkOptions {
            min_tokens: 5,
            max_tokens: 10,
            overlap_tokens: 0,
        };
        let chunks = chunk_text("s", &extracted, &options, &per_char);
        assert_eq!(chunks.len(), 3);
        assert!(chunk_text("s", &Extracted::default(), &options, &WordEstimate).is_empty());
    }
}
