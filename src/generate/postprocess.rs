//! Cleaning model text into article prose: chatter and stray markup removed, citation markers
//! kept only where they name a source the section was given, sentences grounded in their best
//! matching evidence, and (on request) unsupported sentences dropped.
use super::evidence::EvidenceChunk;
use crate::doc::sentences;
use crate::sources::index::terms;
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]").expect("marker regex"));
static CHATTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(sure|certainly|of course|okay|here is|here's|here are|below is|as an ai|i hope|note:|i can|let me|in this section|this section)\b")
        .expect("chatter regex")
});
static LIST_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+•]|\d{1,2}[.)]|#{1,6})\s+").expect("list regex"));
static FENCE_LEFTOVER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<<<[^>]*>>>|<<< ?|>>>|\[FLAGGED:[^\]]*\]").expect("fence regex"));
/// A line that opens with a source number echoes the evidence list rather than writing prose.
static ECHOED_SOURCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[\d{1,3}\]").expect("echo regex"));
/// A scaffold label small models put before a line (`SECTION:`, `INTRODUCTION:`, `SOURCE 2:`).
static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[A-Z][A-Z0-9 ]{2,24}:\s*").expect("label regex"));
static SPACES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ \t]{2,}").expect("space regex"));

/// Fewest content words a sentence needs before it is matched to evidence, and the share of
/// them a chunk must contain: short sentences match anything by chance.
const GROUNDING_MIN_TERMS: usize = 4;
const GROUNDING_MIN_COVERAGE: f64 = 0.6;

fn strip_wrapping(line: &str) -> &str {
    line.trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '*' | '_' | '`' | '“' | '”'))
        .trim()
}

/// Section headings from an outline reply: list markers, numbering and quotes removed, chatter
/// and implausible lines skipped, no repeats, at most `n`.
pub fn parse_outline(text: &str, title: &str, n: usize) -> Vec<String> {
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^(?:section|heading|part|h2)\s*\d*\s*[:.)-]\s*").expect("prefix regex")
    });
    let mut out: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = LIST_MARK.replace(raw.trim(), "");
        let line = PREFIX.replace(strip_wrapping(&line), "");
        let line = strip_wrapping(line.trim_end_matches([':', '.']));
        let words = line.split_whitespace().count();
        if !(1..=10).contains(&words)
            || line.len() < 3
            || CHATTER.is_match(line)
            || line.eq_ignore_ascii_case(title)
            || line.eq_ignore_ascii_case("introduction")
            || line.eq_ignore_ascii_case("conclusion")
            || line.contains(['[', ']', '<', '>', '{', '}', '|'])
        {
            continue;
        }
        if !out.iter().any(|h| h.eq_ignore_ascii_case(line)) {
            out.push(sentence_case_start(line));
        }
        if out.len() == n {
            break;
        }
    }
    out
}

fn sentence_case_start(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Keep only markers that name one of `valid` numbers; a marker left empty disappears.
pub fn filter_markers(text: &str, valid: &[usize]) -> String {
    MARKER
        .replace_all(text, |caps: &regex::Captures<'_>| {
            let kept: Vec<String> = caps[1]
                .split(',')
                .filter_map(|n| n.trim().parse::<usize>().ok())
                .filter(|n| valid.contains(n))
                .map(|n| n.to_string())
                .collect();
            if kept.is_empty() {
                String::new()
            } else {
                format!(" [{}]", kept.join(", "))
            }
        })
        .into_owned()
}

/// Whether `sentence` carries a citation marker.
pub fn has_marker(sentence: &str) -> bool {
    MARKER.is_match(sentence)
}

/// Turn a model reply into section prose: paragraphs separated by blank lines. `truncated`
/// (the reply hit its token limit) drops the unfinished last sentence.
pub fn clean_section(
    text: &str,
    heading: Option<&str>,
    title: &str,
    valid: &[usize],
    truncated: bool,
) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        // A labelled line is prose without its label, or a heading when no sentence follows.
        let (raw, labelled) = match LABEL.find(raw) {
            Some(label) => (&raw[label.end()..], true),
            None => (raw, false),
        };
        let is_heading = raw.trim_start().starts_with('#')
            || ECHOED_SOURCE.is_match(raw)
            || (labelled && !ends_a_sentence(raw));
        let line = FENCE_LEFTOVER.replace_all(raw, " ");
        let line = LIST_MARK.replace(line.trim(), "");
        let line = line.replace("**", "").replace("__", "");
        let bare = strip_wrapping(line.trim_end_matches(':'));
        let repeats_heading = heading.is_some_and(|h| bare.eq_ignore_ascii_case(h))
            || bare.eq_ignore_ascii_case(title);
        if bare.is_empty()
            || is_heading
            || repeats_heading
            || CHATTER.is_match(bare)
            || line.trim_start().starts_with("```")
        {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line.trim());
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for paragraph in paragraphs {
        let paragraph = SPACES
            .replace_all(&filter_markers(&paragraph, valid), " ")
            .replace(" .", ".")
            .replace(" ,", ",");
        // Small models loop: a sentence seen before in the section is dropped.
        let kept: Vec<&str> = sentences::split(&paragraph)
            .into_iter()
            .map(|(s, e)| &paragraph[s..e])
            .filter(|s| seen.insert(s.to_ascii_lowercase()))
            .collect();
        if !kept.is_empty() {
            out.push(kept.join(" "));
        }
    }
    if truncated {
        if let Some(last) = out.last_mut() {
            if !ends_a_sentence(last) {
                match sentences::split(last).last() {
                    Some(&(start, _)) if start > 0 => last.truncate(start),
                    _ => last.clear(),
                }
                *last = last.trim_end().to_string();
            }
        }
        out.retain(|p| !p.is_empty());
    }
    out.join("\n\n")
}

fn ends_a_sentence(text: &str) -> bool {
    let text = MARKER.replace_all(text.trim_end(), "");
    text.trim_end().ends_with(['.', '!', '?', '"', '”', ')'])
}

/// Insert ` [n]` before a sentence's final punctuation.
fn add_marker(sentence: &str, number: usize) -> String {
    let trimmed = sentence.trim_end();
    let body = trimmed.trim_end_matches(['.', '!', '?']);
    let punctuation = &trimmed[body.len()..];
    format!("{body} [{number}]{punctuation}")
}

/// Map each paragraph's sentences through `f`, rejoining them; sentences `f` maps to `None`
/// are removed.
fn map_sentences(text: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            sentences::split(paragraph)
                .into_iter()
                .filter_map(|(s, e)| f(&paragraph[s..e]))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Give an uncited sentence the marker of the evidence chunk that contains most of its content
/// words, when that share is high: the model used the fact but forgot the citation.
pub fn ground_citations(text: &str, evidence: &[EvidenceChunk]) -> String {
    let chunk_terms: Vec<(usize, HashSet<String>)> = evidence
        .iter()
        .map(|c| (c.number, terms(&c.text).into_iter().collect()))
        .collect();
    map_sentences(text, |sentence| {
        if has_marker(sentence) {
            return Some(sentence.to_string());
        }
        let words: HashSet<String> = terms(sentence).into_iter().collect();
        if words.len() < GROUNDING_MIN_TERMS {
            return Some(sentence.to_string());
        }
        let best = chunk_terms
            .iter()
            .map(|(n, t)| {
                (
                    *n,
                    words.intersection(t).count() as f64 / words.len() as f64,
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        Some(match best {
            Some((number, coverage)) if coverage >= GROUNDING_MIN_COVERAGE => {
                add_marker(sentence, number)
            }
            _ => sentence.to_string(),
        })
    })
}

/// Remove sentences without a citation and sentences named in `unsupported` (by their text,
/// from fact-check findings). Returns the text and how many sentences were dropped.
pub fn drop_unsupported(text: &str, unsupported: &[String]) -> (String, usize) {
    let mut dropped = 0;
    let out = map_sentences(text, |sentence| {
        let flagged = unsupported
            .iter()
            .any(|u| !u.trim().is_empty() && sentence.contains(u.trim()));
        if flagged || !has_marker(sentence) {
            dropped += 1;
            None
        } else {
            Some(sentence.to_string())
        }
    });
    (out, dropped)
}

/// Share of shared content words above which two sentences say the same thing (Jaccard).
const NEAR_DUPLICATE: f64 = 0.75;

/// Content words of sentences written so far, to drop repeats and near-repeats.
#[derive(Debug, Default)]
pub struct SeenSentences {
    sentences: Vec<HashSet<String>>,
}

impl SeenSentences {
    /// Whether `sentence` repeats one seen before; if not, it is remembered.
    fn repeats(&mut self, sentence: &str) -> bool {
        let words: HashSet<String> = terms(&without_markers(sentence)).into_iter().collect();
        if words.is_empty() {
            return false;
        }
        let repeated = self.sentences.iter().any(|seen| {
            let shared = seen.intersection(&words).count() as f64;
            let union = seen.union(&words).count() as f64;
            union > 0.0 && shared / union >= NEAR_DUPLICATE
        });
        if !repeated {
            self.sentences.push(words);
        }
        repeated
    }
}

/// Remove sentences that repeat (or nearly repeat) one already written, in this section or an
/// earlier one: small models loop and restate.
pub fn drop_repeats(text: &str, seen: &mut SeenSentences) -> String {
    map_sentences(text, |sentence| {
        (!seen.repeats(sentence)).then(|| sentence.to_string())
    })
}

/// Citation text stripped out: for descriptions and summaries.
pub fn without_markers(text: &str) -> String {
    MARKER.replace_all(text, "").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_lines_are_cleaned() {
        let reply = "Sure! Here are the headings:\n1. **Why compost at home**\n- What goes in the bin:\n## Why compost at home\nSection 3: Keeping the pile working\nIntroduction\nThis line is far too long to be a heading because it keeps going and going on\n";
        assert_eq!(
            parse_outline(reply, "Home composting", 5),
            [
                "Why compost at home",
                "What goes in the bin",
                "Keeping the pile working"
            ]
        );
    }

    #[test]
    fn chatter_markup_and_unknown_markers_are_removed() {
        let reply = "Sure, here is the section:\n## Air\nCompost needs air [1]. It also needs water [7].\n\n- Turn it weekly [1, 9].\nCompost needs air [1]. The pile gets hot and";
        let cleaned = clean_section(reply, Some("Air"), "Title", &[1, 2], true);
        assert_eq!(
            cleaned,
            "Compost needs air [1]. It also needs water.\n\nTurn it weekly [1]."
        );
    }

    #[test]
    fn scaffold_labels_are_removed() {
        let reply = "SECTION: How to make a sourdough starter at home [1]\nINTRODUCTION: A starter needs flour and water [1].\nFeed it daily [1].";
        let cleaned = clean_section(reply, Some("Starter"), "Title", &[1], false);
        assert_eq!(
            cleaned,
            "A starter needs flour and water [1]. Feed it daily [1]."
        );
    }

    #[test]
    fn grounding_adds_markers_only_on_strong_overlap() {
        let evidence = vec![EvidenceChunk {
            number: 3,
            text: "Food scraps and yard trimmings made up more than 30 percent of household waste in 2018.".into(),
        }];
        let text = "Food scraps and yard trimmings were over 30 percent of household waste. Compost is nice.";
        let grounded = ground_citations(text, &evidence);
        assert_eq!(grounded, "Food scraps and yard trimmings were over 30 percent of household waste [3]. Compost is nice.");
        let (kept, dropped) = drop_unsupported(&grounded, &[]);
        assert_eq!(
            kept,
            "Food scraps and yard trimmings were over 30 percent of household waste [3]."
        );
        assert_eq!(dropped, 1);
        assert_eq!(
            without_markers(&kept),
            "Food scraps and yard trimmings were over 30 percent of household waste."
        );
    }
}
