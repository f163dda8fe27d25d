//! The matcher of declarative token rules: one regex over every token, behind an
//! Aho-Corasick prefilter of a literal piece that every match must contain. Most paragraphs
//! hold none of a rule's phrases, so the regex (word boundaries, `\s+`, apostrophe classes)
//! runs only on the few that can match. For rules built from tokens alone, the regex then runs
//! only on the stretches of text around each literal piece found (see [`Windows`]), not on the
//! whole paragraph.
//!
//! Whole-word token rules go one step further: they look for whole anchor words instead of
//! literal pieces (see [`super::token_scan`]), and the engine finds the anchor words of all
//! such rules in one pass over each text ([`TokenMatcher::find_with_hits`]).
use super::byte_mask;
use super::token_scan::{anchor_word, WordHit, WordScanner};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::{Match, Regex};

#[derive(Debug)]
pub struct TokenMatcher {
    regex: Regex,
    /// `None` when some alternative has no literal piece to look for (raw `patterns`).
    prefilter: Option<Prefilter>,
    /// Set for whole-word rules of ASCII tokens: then used instead of `prefilter`.
    words: Option<WordSearch>,
    /// The regex folds case (then also the Kelvin sign and the long s).
    ignorecase: bool,
    /// With anchor words: whether the anchor word at `start..end` of a text's bytes may be
    /// part of a match; windows of anchors it rejects are not searched.
    anchor_check: Option<AnchorCheck>,
}

/// See [`TokenMatcher::with_anchor_check`].
pub type AnchorCheck = fn(bytes: &[u8], start: usize, end: usize) -> bool;

/// The anchor words of a whole-word token rule and the windows its regex runs in.
#[derive(Debug)]
struct WordSearch {
    /// One per distinct anchor word (see [`anchor_word`]).
    anchors: Vec<String>,
    /// A scanner for `anchors` alone, for texts no shared scan has covered.
    scanner: WordScanner,
    windows: Windows,
}

#[derive(Debug)]
struct Prefilter {
    pieces: AhoCorasick,
    /// Case-insensitive: the regex also folds the Kelvin sign (K) and the long s (ſ) to ASCII
    /// letters, which an ASCII-case-insensitive search would miss.
    ignorecase: bool,
    /// The stretches of text around a piece that a match can lie in.
    windows: Windows,
}

/// The bytes no match can contain, for a regex built from literal tokens only (spaces as
/// `\s+`, `'` as either apostrophe, `(?-u:\b)` around): an ASCII byte that is not in any token,
/// not whitespace or a control byte, and not a word byte (letters, digits, `_`). Every match
/// then lies inside one window, a maximal run of other bytes, and holds a literal piece; so
/// the regex only needs to run over windows where the prefilter found a piece. Word bytes
/// never end a window, so `\b` at a window's edge sees what it sees in the whole text.
#[derive(Debug)]
struct Windows {
    barrier: [bool; 256],
}

impl Windows {
    fn of(tokens: &[String]) -> Windows {
        let mut barrier = [false; 256];
        for b in 0..=0x7fu8 {
            barrier[usize::from(b)] =
                !(b <= b' ' || b == 0x7f || b.is_ascii_alphanumeric() || b == b'_');
        }
        for token in tokens {
            for b in token.bytes() {
                barrier[usize::from(b.to_ascii_lowercase())] = false;
                barrier[usize::from(b.to_ascii_uppercase())] = false;
            }
        }
        Windows { barrier }
    }

    /// The window around `at..end` (a piece found in `bytes`): from after the last barrier
    /// before it to the first barrier after it.
    fn around(&self, bytes: &[u8], at: usize, end: usize) -> (usize, usize) {
        let start = bytes[..at]
            .iter()
            .rposition(|&b| self.barrier[usize::from(b)])
            .map_or(0, |i| i + 1);
        let stop = bytes[end..]
            .iter()
            .position(|&b| self.barrier[usize::from(b)])
            .map_or(bytes.len(), |i| end + i);
        (start, stop)
    }
}

impl TokenMatcher {
    /// `regex` matches any of `tokens` (spaces as `\s+`, `'` as either apostrophe); with
    /// `has_patterns` it also holds raw regex alternatives and gets no prefilter.
    pub fn new(regex: Regex, tokens: &[String], has_patterns: bool, ignorecase: bool) -> Self {
        let prefilter = if has_patterns || tokens.is_empty() {
            None
        } else {
            prefilter(tokens, ignorecase, Windows::of(tokens))
        };
        TokenMatcher {
            regex,
            prefilter,
            words: None,
            ignorecase,
            anchor_check: None,
        }
    }

    /// As [`TokenMatcher::new`] for a regex of `tokens` alone that matches whole words only
    /// (`(?-u:\b)` around the alternatives): when every token is ASCII and holds a word, the
    /// matcher looks for whole anchor words, and [`TokenMatcher::anchor_words`] offers them to
    /// a shared scan.
    pub fn whole_words(regex: Regex, tokens: &[String], ignorecase: bool) -> Self {
        let anchors: Option<Vec<String>> = tokens
            .iter()
            .map(|t| {
                t.is_ascii()
                    .then(|| anchor_word(t).map(str::to_owned))
                    .flatten()
            })
            .collect();
        let words = anchors.and_then(|mut anchors| {
            anchors.sort();
            anchors.dedup();
            let scanner = WordScanner::new(std::slice::from_ref(&anchors))?;
            Some(WordSearch {
                anchors,
                scanner,
                windows: Windows::of(tokens),
            })
        });
        match words {
            Some(words) => TokenMatcher {
                regex,
                prefilter: None,
                words: Some(words),
                ignorecase,
                anchor_check: None,
            },
            None => TokenMatcher::new(regex, tokens, false, ignorecase),
        }
    }

    /// The words a shared scan must find for [`TokenMatcher::find_with_hits`]; `None` when
    /// this matcher does not search by words.
    pub fn anchor_words(&self) -> Option<&[String]> {
        self.words.as_ref().map(|w| w.anchors.as_slice())
    }

    /// The regex's matches in `text`, given `hits`: every anchor word of this matcher in
    /// `text`, in text order (others may be among them; `slot` picks this matcher's).
    /// `special_folds` says whether `text` holds the Kelvin sign or the long s. A matcher
    /// without anchor words ignores the hits and searches `text` itself.
    pub fn find_with_hits<'t>(
        &self,
        text: &'t str,
        hits: &[WordHit],
        slot: u64,
        special_folds: bool,
    ) -> Vec<Match<'t>> {
        let Some(words) = &self.words else {
            return self.find_iter(text).collect();
        };
        if self.ignorecase && special_folds {
            return self.regex.find_iter(text).collect();
        }
        let anchors = hits
            .iter()
            .filter(|h| h.slots & slot != 0)
            .map(|h| (h.start as usize, h.end as usize));
        match self.anchor_check {
            Some(check) => {
                let bytes = text.as_bytes();
                let checked = anchors.filter(|&(start, end)| check(bytes, start, end));
                search_windows(&self.regex, &words.windows, text, checked)
            }
            None => search_windows(&self.regex, &words.windows, text, anchors),
        }
    }

    /// A hand-written `regex` behind a prefilter of `words`, at least one of which (in any
    /// case, with `ignorecase`) every match of the regex contains, and whose matches hold no
    /// ASCII punctuation but the bytes of `joiners` (its own punctuation literals): built from
    /// words, `\w`, `\s` and those bytes. A match then lies inside one clause, a run of text
    /// between two other punctuation bytes, so the regex only runs on the clauses around the
    /// words found (see [`Windows`]). The caller's promise, to be held by the caller's test.
    pub fn with_required_words_in_clauses(
        regex: Regex,
        words: &[&str],
        ignorecase: bool,
        joiners: &str,
    ) -> Self {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let mut kept = words.clone();
        kept.push(joiners.to_string());
        TokenMatcher {
            prefilter: prefilter(&words, ignorecase, Windows::of(&kept)),
            regex,
            words: None,
            ignorecase,
            anchor_check: None,
        }
    }

    /// A hand-written `regex` whose every match holds one of `anchors` as a whole word (ASCII
    /// letters, digits and `_` between non-word bytes; in any case with `ignorecase`), and
    /// whose matches hold no ASCII punctuation but the bytes of `joiners`: the regex then only
    /// runs on the clauses around the anchor words found, and an engine can find the words for
    /// it in its shared scan ([`TokenMatcher::anchor_words`], [`TokenMatcher::find_with_hits`]).
    /// `None` when an anchor is not made of ASCII word bytes. The caller's promise, to be held
    /// by the caller's test.
    pub fn with_anchor_words_in_clauses(
        regex: Regex,
        anchors: &[&str],
        ignorecase: bool,
        joiners: &str,
    ) -> Option<Self> {
        let mut anchors: Vec<String> = anchors.iter().map(|w| w.to_string()).collect();
        anchors.sort();
        anchors.dedup();
        let scanner = WordScanner::new(std::slice::from_ref(&anchors))?;
        let mut kept = anchors.clone();
        kept.push(joiners.to_string());
        Some(TokenMatcher {
            regex,
            prefilter: None,
            words: Some(WordSearch {
                anchors,
                scanner,
                windows: Windows::of(&kept),
            }),
            ignorecase,
            anchor_check: None,
        })
    }

    /// This matcher, searching only the windows of anchor words that `check` accepts: a
    /// closer look at an anchor's neighbours where the anchor alone is a common word ("we").
    /// The caller's promise, to be held by the caller's test: every match holds an anchor
    /// word that `check` accepts (the Kelvin sign and the long s aside, which bypass it).
    pub fn with_anchor_check(mut self, check: AnchorCheck) -> Self {
        self.anchor_check = Some(check);
        self
    }

    /// The regex's matches in `text`; none without a search when no token can occur in it.
    pub fn find_iter<'r, 't>(&'r self, text: &'t str) -> impl Iterator<Item = Match<'t>> + 'r
    where
        't: 'r,
    {
        let (whole, windowed) = match (&self.words, self.search_plan(text)) {
            (Some(words), _) if !(self.ignorecase && has_special_folds(text)) => {
                let mut hits = Vec::new();
                words.scanner.scan(text, &mut hits);
                let bytes = text.as_bytes();
                let anchors = hits
                    .iter()
                    .map(|h| (h.start as usize, h.end as usize))
                    .filter(|&(start, end)| self.anchor_check.is_none_or(|c| c(bytes, start, end)));
                (
                    None,
                    search_windows(&self.regex, &words.windows, text, anchors),
                )
            }
            (_, Plan::Whole) => (Some(self.regex.find_iter(text)), Vec::new()),
            (_, Plan::Windows(found)) => (None, found),
        };
        whole.into_iter().flatten().chain(windowed)
    }

    /// Whether to search the whole text, or only the windows around the pieces found (then
    /// with the matches, found here; none when no piece is).
    fn search_plan<'t>(&self, text: &'t str) -> Plan<'t> {
        let Some(p) = &self.prefilter else {
            return Plan::Whole;
        };
        if p.ignorecase && has_special_folds(text) {
            return Plan::Whole;
        }
        if !p.ignorecase {
            return p.plan(&self.regex, text, text.as_bytes());
        }
        // Lower-cased pieces searched in a lower-cased copy: a case-sensitive search runs on
        // SIMD (Teddy), several times faster than an ASCII-case-insensitive automaton.
        LOWERED.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            buf.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
            p.plan(&self.regex, text, buf.as_slice())
        })
    }
}

enum Plan<'t> {
    Whole,
    Windows(Vec<Match<'t>>),
}

impl Prefilter {
    /// The plan for `text`, whose pieces are searched in `pieces_in` (`text`, lower-cased
    /// when case is ignored: the same bytes at the same offsets otherwise).
    fn plan<'t>(&self, regex: &Regex, text: &'t str, pieces_in: &[u8]) -> Plan<'t> {
        let mut from = 0;
        let pieces = std::iter::from_fn(|| {
            let piece = self
                .pieces
                .find(aho_corasick::Input::new(pieces_in).range(from..))?;
            // Pieces inside a window already searched are skipped (`search_windows`).
            from = piece.end();
            Some((piece.start(), piece.end()))
        });
        Plan::Windows(search_windows(regex, &self.windows, text, pieces))
    }
}

/// Whether `text` holds a character that `(?i)` folds to an ASCII letter: the Kelvin sign
/// (k) or the long s (s). ASCII searches cannot see those matches.
fn has_special_folds(text: &str) -> bool {
    !byte_mask::is_ascii(text.as_bytes()) && (text.contains('\u{212A}') || text.contains('\u{17F}'))
}

/// The regex's matches in the windows around `found` (byte ranges in `text`, in text order,
/// each something every match holds: a literal piece or an anchor word). Ranges inside a
/// window already searched are skipped.
fn search_windows<'t>(
    regex: &Regex,
    windows: &Windows,
    text: &'t str,
    found: impl Iterator<Item = (usize, usize)>,
) -> Vec<Match<'t>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut searched_to = 0;
    for (at, end) in found {
        if at < searched_to || end > bytes.len() {
            continue;
        }
        let (start, stop) = windows.around(bytes, at, end);
        // Barriers are ASCII bytes, so both ends are on char boundaries of `text`; the
        // text before `start` stays in the haystack for `\b` to look at.
        if let Some(hay) = text.get(..stop) {
            let mut from = start;
            while let Some(m) = regex.find_at(hay, from) {
                out.push(m);
                // Token matches are never empty; guard anyway so the loop always ends.
                from = m.end().max(from + 1);
                if from > stop {
                    break;
                }
            }
        }
        searched_to = stop;
    }
    out
}

thread_local! {
    /// Reused buffer for the lower-cased text (one per thread, grown to the largest block).
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The longest literal piece of each token (split where the regex allows variation), or
/// `None` when a token has no piece that an ASCII search can find as the regex would.
fn prefilter(tokens: &[String], ignorecase: bool, windows: Windows) -> Option<Prefilter> {
    let mut pieces = Vec::with_capacity(tokens.len());
    for token in tokens {
        let piece = token
            .split([' ', '\''])
            .max_by_key(|p| p.len())
            .filter(|p| !p.is_empty())?;
        // Unicode letters fold beyond ASCII under `(?i)`: keep such rules on the regex alone.
        if ignorecase && !piece.is_ascii() {
            return None;
        }
        pieces.push(if ignorecase {
            piece.to_ascii_lowercase()
        } else {
            piece.to_string()
        });
    }
    // Pieces without letters ("!") are found alike in any case: search the text itself, not
    // a lower-cased copy (with an ASCII piece, neither the Kelvin sign nor the long s can
    // stand for one of its bytes).
    let ignorecase = ignorecase
        && pieces
            .iter()
            .any(|p| p.bytes().any(|b| b.is_ascii_alphabetic()));
    // Leftmost-first lets the searcher use its packed SIMD prefilter (Teddy), which the
    // standard match kind does not; the windows are the same whichever piece is found.
    let pieces = AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostFirst)
        .build(&pieces)
        .ok()?;
    Some(Prefilter {
        pieces,
        ignorecase,
        windows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(tokens: &[&str], ignorecase: bool) -> TokenMatcher {
        let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
        let alts: Vec<String> = tokens
            .iter()
            .map(|t| regex::escape(t).replace('\'', "['’]").replace(' ', r"\s+"))
            .collect();
        let flags = if ignorecase { "(?i)" } else { "" };
        let regex = Regex::new(&format!(r"{flags}(?-u:\b)(?:{})(?-u:\b)", alts.join("|")))
            .expect("valid regex");
        TokenMatcher::new(regex, &tokens, false, ignorecase)
    }

    /// A whole-word matcher of `tokens`, as declarative rules build it.
    fn words_matcher(tokens: &[&str], ignorecase: bool) -> TokenMatcher {
        let plain = matcher(tokens, ignorecase);
        let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
        TokenMatcher::whole_words(plain.regex, &tokens, ignorecase)
    }

    /// The matches from a scan shared with another rule's anchors (slot 0: "order", "it").
    fn shared_spans(m: &TokenMatcher, text: &str) -> Vec<(usize, usize)> {
        let mine = m.anchor_words().map(<[String]>::to_vec).unwrap_or_default();
        let other = vec!["order".to_string(), "it".to_string()];
        let scanner = WordScanner::new(&[other, mine]).expect("scanner");
        let mut hits = Vec::new();
        scanner.scan(text, &mut hits);
        m.find_with_hits(text, &hits, 0b10, has_special_folds(text))
            .iter()
            .map(|x| (x.start(), x.end()))
            .collect()
    }

    fn found(m: &TokenMatcher, text: &str) -> Vec<String> {
        m.find_iter(text).map(|x| x.as_str().to_string()).collect()
    }

    #[test]
    fn finds_what_the_regex_finds() {
        let m = matcher(&["it's worth noting", "delve", "in order to"], true);
        assert!(m.prefilter.is_some());
        assert_eq!(
            found(&m, "It’s  worth\nnoting that we DELVE in order to learn."),
            ["It’s  worth\nnoting", "DELVE", "in order to"]
        );
        assert!(found(&m, "Nothing to see here.").is_empty());
        // The regex folds the Kelvin sign and the long s; the prefilter must not hide them.
        let k = matcher(&["bake sale"], true);
        assert_eq!(
            found(&k, "a ba\u{212A}e \u{17F}ale"),
            ["ba\u{212A}e \u{17F}ale"]
        );
    }

    /// The matches the regex alone finds in the whole text.
    fn by_regex(m: &TokenMatcher, text: &str) -> Vec<(usize, usize)> {
        m.regex
            .find_iter(text)
            .map(|x| (x.start(), x.end()))
            .collect()
    }

    fn spans(m: &TokenMatcher, text: &str) -> Vec<(usize, usize)> {
        m.find_iter(text).map(|x| (x.start(), x.end())).collect()
    }

    #[test]
    fn windows_find_what_the_whole_text_search_finds() {
        let tokens = [
            "it's worth noting",
            "in order to",
            "might",
            "co-op",
            "order",
            "!",
            "to sum up",
        ];
        for ignorecase in [true, false] {
            let m = matcher(&tokens, ignorecase);
            assert!(m.prefilter.is_some());
            let texts = [
                "In order to win, it’s  worth\nnoting (it's worth noting) that we might.",
                "mightx xmight might_ _might might9 9might -might- (might)",
                "in order to in order to, order; in\torder\u{a0}to. Order!",
                "A co-op! co-opted co-op-. To sum up: to  sum\n\nup!!",
                "It's worth noting.It's worth noting,it’s worth noting",
                "no tokens here at all, just words and (punctuation).",
                "might might might, might. might",
                "é might é in order to ü order",
            ];
            for text in texts {
                assert_eq!(
                    spans(&m, text),
                    by_regex(&m, text),
                    "{text:?} ({ignorecase})"
                );
            }
        }
    }

    #[test]
    fn anchor_words_find_what_the_whole_text_search_finds() {
        let tokens = [
            "it's worth noting",
            "in order to",
            "might",
            "co-op",
            "order",
            "to sum up",
            "a_b",
            "x9",
        ];
        for ignorecase in [true, false] {
            let m = words_matcher(&tokens, ignorecase);
            assert!(m.words.is_some());
            let texts = [
                "In order to win, it’s  worth\nnoting (it's worth noting) that we might.",
                "mightx xmight might_ _might might9 9might -might- (might) MIGHT Might",
                "in order to in order to, order; in\torder\u{a0}to. Order! IN ORDER TO",
                "A co-op! co-opted co-op-. To sum up: to  sum\n\nup!! a_b A_B x9 X9 x99",
                "It's worth noting.It's worth noting,it’s worth noting",
                "no tokens here at all, just words and (punctuation).",
                "é might é in order to ü order",
                "the Kelvin sign: \u{212A}ind of mig\u{17F}t, in order to",
                "",
            ];
            for text in texts {
                let want = by_regex(&m, text);
                assert_eq!(spans(&m, text), want, "{text:?} ({ignorecase})");
                assert_eq!(shared_spans(&m, text), want, "{text:?} ({ignorecase})");
            }
        }
        // Tokens that are not all ASCII keep the literal-piece search.
        assert!(words_matcher(&["café au lait"], true).words.is_none());
        assert!(words_matcher(&["!"], true).words.is_none());
    }

    #[test]
    fn windows_agree_on_generated_texts() {
        let words = words_matcher(
            &["in order to", "might", "it's worth noting", "co-op"],
            true,
        );
        let m = matcher(
            &["in order to", "might", "it's worth noting", "co-op"],
            true,
        );
        let pieces = [
            "in", "order", "to", "might", "It's", "it’s", "worth", "noting", "co-op", "x", "9",
            " ", "  ", "\n", ", ", ". ", "(", ")", "-", "_", "é", "'", "MIGHT", "Order", "\u{17F}",
        ];
        // A small linear congruential generator: the same texts on every run.
        let mut stream = crate::test_fixtures::Stream(0x2545_f491_4f6c_dd1d);
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..24 {
                text.push_str(pieces[stream.below(pieces.len())]);
            }
            let want = by_regex(&m, &text);
            assert_eq!(spans(&m, &text), want, "{text:?}");
            assert_eq!(spans(&words, &text), want, "{text:?}");
            assert_eq!(shared_spans(&words, &text), want, "{text:?}");
        }
    }

    #[test]
    fn letterless_pieces_search_the_text_itself() {
        let m = matcher(&["!", "?!"], true);
        assert!(m.prefilter.as_ref().is_some_and(|p| !p.ignorecase));
        assert!(matcher(&["!", "wow!"], true)
            .prefilter
            .is_some_and(|p| p.ignorecase));
        for text in [
            "Wow! Really?! Yes!!",
            "no marks here",
            "\u{212A}! \u{17F}?! é!",
            "!",
            "",
        ] {
            assert_eq!(spans(&m, text), by_regex(&m, text), "{text:?}");
        }
    }

    #[test]
    fn case_sensitive_and_unusable_pieces() {
        let m = matcher(&["NASA"], false);
        assert!(found(&m, "nasa").is_empty());
        assert_eq!(found(&m, "the NASA probe"), ["NASA"]);
        assert!(matcher(&["café au lait"], true).prefilter.is_none());
        assert!(matcher(&["'"], true).prefilter.is_none());
    }
}
