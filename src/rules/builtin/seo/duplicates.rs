//! Shared logic of the duplicate-title and duplicate-description rules: group documents by
//! a normalised text and report every member of a group of two or more.
use crate::doc::{Document, Text};
use crate::finding::Finding;
use crate::rules::{RuleContext, SetEntry};
use std::collections::HashMap;

/// Case- and whitespace-insensitive comparison key.
fn key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        if word.is_ascii() {
            // The same as `char::to_lowercase` on ASCII, without a Unicode lookup per char.
            let from = key.len();
            key.push_str(word);
            key[from..].make_ascii_lowercase();
        } else {
            key.extend(word.chars().flat_map(char::to_lowercase));
        }
    }
    key
}

/// The set entry of `doc` for `field`: its normalised text, `None` when missing or blank.
pub fn entry_for(doc: &Document, field: Option<&Text>) -> Option<SetEntry> {
    let text = field?;
    let key = key(&text.text);
    (!key.is_empty()).then(|| SetEntry {
        path: doc.path.clone(),
        key,
        span: text.span,
    })
}

/// `(entry index, finding)` for each entry whose key equals another entry's.
pub fn report_duplicates(
    ctx: &RuleContext,
    entries: &[SetEntry],
    code: &'static str,
    what: &str,
) -> Vec<(usize, Finding)> {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        groups.entry(entry.key.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            let others: Vec<&str> = members
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| entries[j].path.as_str())
                .collect();
            out.push((
                i,
                ctx.finding(
                    code,
                    format!("duplicate {what}: same as {}", others.join(", ")),
                    entries[i].span,
                ),
            ));
        }
    }
    out.sort_by_key(|(i, f)| (*i, f.span.start));
    out
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn key_ignores_case_and_spacing() {
        assert_eq!(
            key("  Best   Coffee\nGrinders "),
            key("best coffee grinders")
        );
        assert_ne!(key("Best grinders"), key("Best grinder"));
    }

    #[test]
    fn key_lowercases_ascii_and_other_words_alike() {
        let plain = |text: &str| -> String {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| w.chars().flat_map(char::to_lowercase).collect())
                .collect();
            words.join(" ")
        };
        for text in [
            "Best COFFEE grinders [2024]",
            "ÉCOLE Straße \u{130}stanbul  KELVIN \u{212A}",
            " MiXeD\tcase_words\u{a0}NBSP 42 ",
            "",
        ] {
            assert_eq!(key(text), plain(text), "{text:?}");
        }
    }
}
