//! A stop-word guess of a text's language, for telling that a source cannot be word-matched
//! against the article.

const PROFILES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "with", "are",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "und", "das", "ist", "nicht", "mit", "den", "ein", "eine", "auf", "sich",
        ],
    ),
    (
        "fr",
        &[
            "le", "la", "les", "et", "des", "est", "une", "dans", "pour", "qui", "pas", "sur",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "es", "una", "por", "con", "para", "del", "que", "se",
        ],
    ),
    (
        "it",
        &[
            "il", "gli", "di", "che", "è", "per", "una", "con", "non", "sono", "della", "nel",
        ],
    ),
    (
        "nl",
        &[
            "de", "het", "een", "en", "van", "is", "niet", "met", "op", "voor", "zijn", "dat",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "as", "e", "do", "da", "em", "um", "uma", "não", "para", "com",
        ],
    ),
];

/// The primary subtag of a language tag: `en-GB` → `en`.
pub fn primary(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The most likely language of `text` (first 3,000 words), when the evidence is clear.
pub fn guess(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(3000)
        .map(str::to_lowercase)
        .collect();
    if words.len() < 20 {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    let mut second = 0;
    for (lang, stop) in PROFILES {
        let hits = words.iter().filter(|w| stop.contains(&w.as_str())).count();
        match best {
            Some((_, b)) if hits <= b => second = second.max(hits),
            _ => {
                second = best.map_or(0, |(_, b)| b);
                best = Some((lang, hits));
            }
        }
    }
    let (lang, hits) = best?;
    // At least 8% stop words and clearly ahead of the runner-up.
    (hits * 100 >= words.len() * 8 && hits >= second * 2).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_english_from_german() {
        let en = "The council said that the new bridge is open to traffic and it was built in two years with funds from the state, and the work is done.";
        let de = "Der Rat sagte, dass die neue Brücke für den Verkehr offen ist und sie wurde in zwei Jahren mit Mitteln des Landes gebaut, und die Arbeit ist nicht fertig, sagt der Bürgermeister der Stadt.";
        assert_eq!(guess(en), Some("en"));
        assert_eq!(guess(de), Some("de"));
        assert_eq!(guess("too short"), None);
        assert_eq!(primary("en-GB"), "en");
    }
}
