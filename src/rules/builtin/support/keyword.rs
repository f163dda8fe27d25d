//! Primary-keyword matching that ignores case, punctuation and simple English plurals.

/// A keyword split into lower-cased, singularised words, matched word by word.
#[derive(Debug, Clone)]
pub struct KeywordMatcher {
    stems: Vec<String>,
    phrase: String,
}

impl KeywordMatcher {
    /// `None` for a keyword without any word characters.
    pub fn new(keyword: &str) -> Option<KeywordMatcher> {
        let stems: Vec<String> = words(keyword).map(|w| stem(w).to_lowercase()).collect();
        if stems.is_empty() {
            return None;
        }
        Some(KeywordMatcher {
            stems,
            phrase: keyword.trim().to_owned(),
        })
    }

    /// The keyword as configured, for messages.
    pub fn phrase(&self) -> &str {
        &self.phrase
    }

    pub fn word_len(&self) -> usize {
        self.stems.len()
    }

    /// Whether `text` contains the keyword as a whole-word phrase.
    pub fn is_in(&self, text: &str) -> bool {
        self.count_in(text) > 0
    }

    /// Non-overlapping occurrences of the keyword in `text`.
    pub fn count_in(&self, text: &str) -> usize {
        let mut window = Window::new(self.stems.len());
        let mut count = 0;
        for word in words(text) {
            if self.feed(&mut window, word) {
                count += 1;
                window.clear();
            }
        }
        count
    }

    /// Push one word; true when the last `word_len` words spell the keyword.
    pub fn feed<'t>(&self, window: &mut Window<'t>, word: &'t str) -> bool {
        window.push(stem(word));
        window.len() == self.stems.len()
            && window.iter().zip(&self.stems).all(|(w, k)| same_word(w, k))
    }
}

/// `word` equals the lower-cased `stem`, ignoring case; ASCII words skip the Unicode path.
fn same_word(word: &str, stem: &str) -> bool {
    if word.is_ascii() {
        word.eq_ignore_ascii_case(stem)
    } else {
        word.chars().flat_map(char::to_lowercase).eq(stem.chars())
    }
}

/// The last `capacity` word stems seen, oldest first (a tiny ring buffer of borrowed slices).
#[derive(Debug)]
pub struct Window<'t> {
    items: Vec<&'t str>,
    start: usize,
    capacity: usize,
}

impl<'t> Window<'t> {
    pub fn new(capacity: usize) -> Self {
        Window {
            items: Vec::with_capacity(capacity),
            start: 0,
            capacity: capacity.max(1),
        }
    }
    fn push(&mut self, word: &'t str) {
        if self.items.len() < self.capacity {
            self.items.push(word);
        } else {
            self.items[self.start] = word;
            self.start = (self.start + 1) % self.capacity;
        }
    }
    fn len(&self) -> usize {
        self.items.len()
    }
    fn clear(&mut self) {
        self.items.clear();
        self.start = 0;
    }
    fn iter(&self) -> impl Iterator<Item = &&'t str> {
        let (head, tail) = self.items.split_at(self.start.min(self.items.len()));
        tail.iter().chain(head.iter())
    }
}

/// Words of `text`: runs of letters, digits and in-word apostrophes.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
}

/// Strip a possessive and a regular plural ending so "Guides", "guide's" and "guide" compare equal.
pub fn stem(word: &str) -> &str {
    let lower_ends = |w: &str, suffix: &str| {
        w.len() > suffix.len()
            && w.is_char_boundary(w.len() - suffix.len())
            && w[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    };
    let mut w = word;
    for possessive in ["'s", "’s"] {
        if lower_ends(w, possessive) {
            w = &w[..w.len() - possessive.len()];
        }
    }
    if w.len() > 4 && lower_ends(w, "ies") {
        // "batteries" and "battery" both stem to "batter" (a borrowed slice cannot gain a 'y').
        return &w[..w.len() - 3];
    }
    if w.len() > 4 && lower_ends(w, "y") && !ends_vowel_y(w) {
        return &w[..w.len() - 1];
    }
    for suffix in ["sses", "shes", "ches", "xes", "zes"] {
        if w.len() > suffix.len() + 1 && lower_ends(w, suffix) {
            return &w[..w.len() - 2];
        }
    }
    if w.len() > 3 && lower_ends(w, "s") && !lower_ends(w, "ss") && !lower_ends(w, "us") {
        return &w[..w.len() - 1];
    }
    w
}

/// "day"/"key" keep their 'y' (their plural is "-ys", not "-ies").
fn ends_vowel_y(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 2
        && matches!(
            b[b.len() - 2].to_ascii_lowercase(),
            b'a' | b'e' | b'i' | b'o' | b'u'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_case_insensitively_and_across_punctuation() {
        let k = KeywordMatcher::new("Running Shoes").unwrap();
        assert!(k.is_in("The best running shoes for 2025"));
        assert!(k.is_in("RUNNING-SHOES, reviewed"));
        assert!(!k.is_in("running in new shoes"));
        assert!(!k.is_in("running"));
    }

    #[test]
    fn matches_singular_and_plural_forms() {
        let battery = KeywordMatcher::new("battery").unwrap();
        assert!(battery.is_in("Lithium batteries age faster in heat."));
        assert!(battery.is_in("The battery's lifespan"));
        let shoe = KeywordMatcher::new("running shoe").unwrap();
        assert!(shoe.is_in("Running shoes wear out."));
        let box_ = KeywordMatcher::new("lunch boxes").unwrap();
        assert!(box_.is_in("a lunch box"));
        let key = KeywordMatcher::new("house keys").unwrap();
        assert!(key.is_in("a house key"));
        // Words that merely end in "s" are not plurals of something shorter.
        assert!(!KeywordMatcher::new("bus").unwrap().is_in("bu"));
        assert!(KeywordMatcher::new("glass").unwrap().is_in("a glass"));
    }

    #[test]
    fn counts_non_overlapping_occurrences() {
        let k = KeywordMatcher::new("coffee grinder").unwrap();
        let text = "A coffee grinder. Two coffee grinders! Coffee, grinder: coffee grinder coffee";
        assert_eq!(k.count_in(text), 4);
        assert_eq!(KeywordMatcher::new("a a").unwrap().count_in("a a a a a"), 2);
    }

    #[test]
    fn rejects_empty_keywords_and_handles_unicode() {
        assert!(KeywordMatcher::new("  -- ").is_none());
        let k = KeywordMatcher::new("Crème brûlée").unwrap();
        assert!(k.is_in("the best crème brûlée in Paris"));
        assert!(k.is_in("CRÈME BRÛLÉE"));
    }
}
