//! Text fingerprints for duplicate detection: an exact hash of the normalised words and a
//! 64-bit SimHash over word 3-grams (Charikar), whose Hamming distance tracks how much text two
//! pages share.
use std::hash::{Hash, Hasher};

/// Fingerprints of one page's visible text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPrint {
    pub exact: u64,
    pub simhash: u64,
    pub words: u32,
}

fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Fingerprint `text`: words lower-cased, punctuation dropped.
pub fn fingerprint(text: &str) -> TextPrint {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut exact = std::collections::hash_map::DefaultHasher::new();
    for w in &words {
        w.hash(&mut exact);
    }
    let mut weights = [0i32; 64];
    let shingle = 3.min(words.len().max(1));
    for gram in words.windows(shingle) {
        let h = hash_of(gram);
        for (bit, weight) in weights.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *weight += 1;
            } else {
                *weight -= 1;
            }
        }
    }
    let simhash = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .fold(0u64, |acc, (bit, _)| acc | 1 << bit);
    TextPrint {
        exact: exact.finish(),
        simhash,
        words: words.len().min(u32::MAX as usize) as u32,
    }
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "Sourdough starters need regular feeding with flour and water. Keep the \
        jar at room temperature and discard half before each feeding. A healthy starter doubles \
        within eight hours and smells pleasantly sour. Rye flour speeds up fermentation while \
        white flour gives a milder taste. Store a mature starter in the fridge between bakes and \
        feed it weekly to keep the yeast and bacteria balanced for the next loaf you bake. \
        Bakers who travel can dry a thin layer of starter on parchment, crumble the flakes into \
        a jar and revive them weeks later with warm water and fresh flour. The first feedings \
        after a long rest are slow, so plan two or three days before baking day. Hydration \
        matters as well: a stiff starter ferments more slowly and tastes milder, while a liquid \
        one rises quickly and brings more acidity to the crumb and the crust of the loaf.";

    #[test]
    fn near_copies_are_close_and_different_texts_far() {
        let a = fingerprint(BASE);
        let b = fingerprint(&BASE.replace("eight hours", "six hours"));
        let c = fingerprint(
            "Tax rules for freelancers differ by country; register early, keep \
            receipts, and set aside a share of each invoice for the yearly bill. Pension \
            contributions lower the taxable income in many systems, and advisers help.",
        );
        assert_ne!(a.exact, b.exact);
        assert!(
            distance(a.simhash, b.simhash) <= 6,
            "{}",
            distance(a.simhash, b.simhash)
        );
        assert!(
            distance(a.simhash, c.simhash) > 10,
            "{}",
            distance(a.simhash, c.simhash)
        );
        assert_eq!(
            fingerprint(BASE).exact,
            fingerprint(&BASE.to_uppercase()).exact
        );
    }

    #[test]
    fn empty_text() {
        let p = fingerprint("");
        assert_eq!(p.words, 0);
        assert_eq!(p.simhash, 0);
    }
}
