//! Word-level helpers: content terms with a light stemmer, negation, comparison direction and
//! absolute quantifiers.

const STOPWORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "from",
    "by",
    "with",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "it",
    "its",
    "this",
    "that",
    "these",
    "those",
    "there",
    "their",
    "they",
    "he",
    "she",
    "his",
    "her",
    "we",
    "our",
    "you",
    "your",
    "i",
    "which",
    "who",
    "whom",
    "what",
    "when",
    "where",
    "how",
    "than",
    "then",
    "so",
    "such",
    "has",
    "have",
    "had",
    "do",
    "does",
    "did",
    "can",
    "could",
    "will",
    "would",
    "may",
    "might",
    "should",
    "also",
    "about",
    "into",
    "over",
    "after",
    "before",
    "said",
    "says",
    "according",
    "per",
    "up",
    "out",
    "if",
    "while",
    "both",
    "each",
    "some",
    "most",
    "many",
];

/// Lower-case content words of `text`, stemmed, stopwords and citation markers dropped.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// A crude suffix stripper: enough to meet `measured`/`measures`/`measuring` in one form.
pub fn stem(word: &str) -> String {
    let w = word
        .strip_suffix("'s")
        .or_else(|| word.strip_suffix("’s"))
        .unwrap_or(word);
    if !w.is_ascii() || w.len() <= 4 {
        return w.to_owned();
    }
    for suffix in [
        "ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly",
    ] {
        if let Some(root) = w.strip_suffix(suffix) {
            if root.len() >= 3 {
                return root.trim_end_matches('e').to_owned();
            }
        }
    }
    w.trim_end_matches('e').to_owned()
}

fn lower_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace('’', "'"))
        .collect()
}

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "none", "neither", "nor", "cannot", "without", "nobody", "nothing",
    "fails", "failed",
];

/// Whether `text` negates what it says (an odd number of negations).
pub fn is_negated(text: &str) -> bool {
    let count = lower_words(text)
        .iter()
        .filter(|w| NEGATIONS.contains(&w.as_str()) || w.ends_with("n't"))
        .count();
    count % 2 == 1
}

/// Opposing direction words; a claim using one side against evidence using only the other is
/// a flipped comparison.
const DIRECTIONS: &[(&[&str], &[&str])] = &[
    (
        &[
            "more", "most", "greater", "higher", "larger", "bigger", "above", "over", "exceeded",
        ],
        &[
            "less", "least", "fewer", "lower", "smaller", "below", "under",
        ],
    ),
    (
        &[
            "increase",
            "increased",
            "increases",
            "increasing",
            "rose",
            "rise",
            "rises",
            "risen",
            "grew",
            "grow",
            "grows",
            "growth",
            "gained",
            "gain",
            "climbed",
            "doubled",
            "tripled",
            "expanded",
            "raised",
            "boosted",
            "improved",
            "up",
        ],
        &[
            "decrease",
            "decreased",
            "decreases",
            "decreasing",
            "fell",
            "fall",
            "falls",
            "fallen",
            "shrank",
            "shrink",
            "shrinks",
            "declined",
            "decline",
            "dropped",
            "drop",
            "lost",
            "loss",
            "halved",
            "contracted",
            "reduced",
            "cut",
            "lowered",
            "worsened",
            "down",
            "shrank",
            "shrunk",
        ],
    ),
    (&["faster", "quicker", "earlier"], &["slower", "later"]),
    (&["better", "best"], &["worse", "worst"]),
    (&["warmer", "hotter"], &["cooler", "colder"]),
    (&["before"], &["after"]),
    (
        &["longer", "lengthened", "extended"],
        &["shorter", "shortened"],
    ),
    (&["cheaper"], &["dearer", "pricier"]),
    (&["first"], &["last"]),
];

/// Direction words of `text` as `(group, side)` pairs.
pub fn directions(text: &str) -> Vec<(usize, bool)> {
    let words = lower_words(text);
    let mut out = Vec::new();
    for (g, (up, down)) in DIRECTIONS.iter().enumerate() {
        if words.iter().any(|w| up.contains(&w.as_str())) {
            out.push((g, true));
        }
        if words.iter().any(|w| down.contains(&w.as_str())) {
            out.push((g, false));
        }
    }
    out
}

/// The first direction word of the claim whose opposite, and only the opposite, the evidence uses.
pub fn flipped_direction(claim: &str, evidence: &str) -> Option<&'static str> {
    let c = directions(claim);
    let e = directions(evidence);
    for &(g, side) in &c {
        if e.contains(&(g, !side)) && !e.contains(&(g, side)) && !c.contains(&(g, !side)) {
            let (up, down) = DIRECTIONS[g];
            let words = lower_words(claim);
            let list = if side { up } else { down };
            return list.iter().copied().find(|w| words.iter().any(|x| x == w));
        }
    }
    None
}

/// Absolute words that turn a finding about some cases into a rule about all of them.
const ABSOLUTES: &[&str] = &[
    "all",
    "every",
    "always",
    "everyone",
    "everybody",
    "everywhere",
    "universally",
    "guaranteed",
    "guarantees",
    "proven",
    "proves",
    "prove",
    "completely",
    "entirely",
    "totally",
    "certainly",
    "definitely",
    "invariably",
    "cure",
    "cures",
    "eliminates",
    "eliminate",
    "impossible",
    "nobody",
    "never",
];

/// Time words after which `every` is a rate (`every week`), not a generalisation.
const PERIODS: &[&str] = &[
    "day", "night", "week", "month", "year", "hour", "minute", "second", "morning", "evening",
    "decade", "few", "time",
];

/// An absolute word in the claim that the evidence does not use.
pub fn unbacked_absolute(claim: &str, evidence: &str) -> Option<String> {
    let evidence_words = lower_words(evidence);
    let claim_words = lower_words(claim);
    claim_words.iter().enumerate().find_map(|(i, w)| {
        // `every other day` is a rate too: look past `other`.
        let mut next = claim_words.get(i + 1).map(String::as_str).unwrap_or("");
        if next == "other" {
            next = claim_words.get(i + 2).map(String::as_str).unwrap_or("");
        }
        let rate = w == "every"
            && (PERIODS.contains(&next.trim_end_matches('s'))
                || next.chars().all(|c| c.is_ascii_digit()));
        (ABSOLUTES.contains(&w.as_str()) && !rate && !evidence_words.contains(w)).then(|| w.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_stemmed_content_words() {
        assert_eq!(terms("The measured values"), vec!["measur", "valu"]);
        assert_eq!(terms("measuring values"), vec!["measur", "valu"]);
    }

    #[test]
    fn negation_and_direction() {
        assert!(is_negated("The trial did not reduce pain."));
        assert!(!is_negated("The trial reduced pain."));
        assert!(!is_negated("It is not true that nothing changed."));
        assert!(is_negated("The drug didn't help."));
        assert_eq!(
            flipped_direction("Sales rose in May.", "Sales fell in May."),
            Some("rose")
        );
        assert_eq!(
            flipped_direction("Sales rose.", "Sales rose, then fell."),
            None
        );
        assert_eq!(
            unbacked_absolute("It cures all patients.", "It helped some patients."),
            Some("cures".into())
        );
    }
}
