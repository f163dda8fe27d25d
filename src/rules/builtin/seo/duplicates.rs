//! Shared logic of the duplicate-title and duplicate-description rules: group documents by
//! a normalised text and report every member of a group of two or more.
use crate::doc::{Document, Text};
use crate::finding::Finding;
use crate::rules::RuleContext;
use std::collections::HashMap;

/// Case- and whitespace-insensitive comparison key.
fn key(text: &str) -> String {
    let mut key = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

/// `(document index, finding)` for each document whose `field` equals another document's.
pub fn report_duplicates(
    ctx: &RuleContext,
    docs: &[&Document],
    code: &str,
    what: &str,
    field: impl Fn(&Document) -> Option<&Text>,
) -> Vec<(usize, Finding)> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, doc) in docs.iter().enumerate() {
        if let Some(text) = field(doc) {
            let k = key(&text.text);
            if !k.is_empty() {
                groups.entry(k).or_default().push(i);
            }
        }
    }
    let mut out = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            let Some(text) = field(docs[i]) else { continue };
            let others: Vec<&str> = members
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| docs[j].path.as_str())
                .collect();
            out.push((
                i,
                ctx.finding(
                    code,
                    format!("duplicate {what}: same as {}", others.join(", ")),
                    text.span,
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
}
