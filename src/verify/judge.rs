//! Judging one claim against one source: pick the best passage, then run the deterministic
//! checks (numbers, dates, quotes, names, negation, direction, absolutes) on it.
use super::evidence::{ClaimTerms, Passage, SourceIndex};
use super::facts::{self, Facts, Unit};
use super::words;

/// Passages looked at per claim and source.
const CANDIDATES: usize = 4;

/// Something the evidence does not back, with the error kind it reveals.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A number not in the passage; `found` is a number of the same kind the passage states.
    Number {
        claim: String,
        found: Option<String>,
    },
    Date {
        claim: String,
        found: Option<String>,
    },
    Quote {
        quote: String,
    },
    Entity {
        name: String,
    },
    Negation,
    Direction {
        word: &'static str,
    },
    Swapped {
        first: String,
        second: String,
    },
    Absolute {
        word: String,
    },
}

impl Problem {
    /// Whether the evidence says something else (rather than nothing about it).
    pub fn contradicts(&self) -> bool {
        match self {
            Problem::Number { found, .. } | Problem::Date { found, .. } => found.is_some(),
            Problem::Quote { .. } | Problem::Entity { .. } | Problem::Absolute { .. } => false,
            Problem::Negation | Problem::Direction { .. } | Problem::Swapped { .. } => true,
        }
    }

    /// The FACT code reporting it.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::Number { found: Some(_), .. } | Problem::Date { found: Some(_), .. } => {
                "FACT002"
            }
            Problem::Number { .. } | Problem::Date { .. } | Problem::Absolute { .. } => "FACT001",
            Problem::Quote { .. } => "FACT003",
            Problem::Entity { .. } => "FACT004",
            Problem::Negation | Problem::Direction { .. } | Problem::Swapped { .. } => "FACT005",
        }
    }

    /// Short error-kind name used in reports and the evaluation.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::Number { .. } => "number",
            Problem::Date { .. } => "date",
            Problem::Quote { .. } => "quote",
            Problem::Entity { .. } => "entity",
            Problem::Negation => "negation",
            Problem::Direction { .. } => "direction",
            Problem::Swapped { .. } => "swap",
            Problem::Absolute { .. } => "generalisation",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Problem::Number {
                claim,
                found: Some(f),
            } => format!("the source gives {f}, not {claim}"),
            Problem::Number { claim, found: None } => {
                format!("the source does not state {claim}")
            }
            Problem::Date {
                claim,
                found: Some(f),
            } => format!("the source dates it {f}, not {claim}"),
            Problem::Date { claim, found: None } => format!("the source does not state {claim}"),
            Problem::Quote { quote } => format!("the quote “{quote}” is not in the source"),
            Problem::Entity { name } => format!("the source passage does not mention {name}"),
            Problem::Negation => "the claim negates what the source says (or the reverse)".into(),
            Problem::Direction { word } => {
                format!("the source says the opposite of “{word}”")
            }
            Problem::Swapped { first, second } => {
                format!("{first} and {second} have swapped roles compared to the source")
            }
            Problem::Absolute { word } => {
                format!("“{word}” generalises beyond what the source says")
            }
        }
    }
}

/// The outcome of one claim against one source.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub passage: Passage,
    pub problems: Vec<Problem>,
}

/// The claim's facts and terms, extracted once for all sources.
pub struct PreparedClaim<'a> {
    pub text: &'a str,
    pub facts: Facts,
    pub terms: ClaimTerms,
}

impl<'a> PreparedClaim<'a> {
    pub fn new(text: &'a str) -> Self {
        PreparedClaim {
            text,
            facts: Facts::of(text),
            terms: ClaimTerms::of(text),
        }
    }
}

fn contains_words(haystack_lower: &str, needle: &str) -> bool {
    let needle = needle.to_lowercase();
    haystack_lower.match_indices(&needle).any(|(i, _)| {
        let before = haystack_lower[..i].chars().next_back();
        let after = haystack_lower[i + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn same_kind(a: &Unit, b: &Unit) -> bool {
    matches!(
        (a, b),
        (Unit::Percent, Unit::Percent) | (Unit::Money(_), Unit::Money(_))
    ) || matches!((a, b), (Unit::Word(x), Unit::Word(y)) if x == y)
        || matches!((a, b), (Unit::Plain, Unit::Plain))
}

fn check_passage(claim: &PreparedClaim, index: &SourceIndex, passage: &Passage) -> Vec<Problem> {
    let text = index.passage_text(passage);
    let lower = text.to_lowercase();
    let evidence = Facts::of(text);
    let sentence_facts = Facts::of(index.sentence_text(passage.best));
    let mut problems = Vec::new();
    for n in &claim.facts.numbers {
        if evidence.numbers.iter().any(|e| facts::number_matches(n, e)) {
            continue;
        }
        let found = sentence_facts
            .numbers
            .iter()
            .chain(&evidence.numbers)
            .find(|e| same_kind(&n.unit, &e.unit))
            .map(|e| e.text.clone());
        problems.push(Problem::Number {
            claim: n.text.clone(),
            found,
        });
    }
    for d in &claim.facts.dates {
        if evidence.dates.iter().any(|e| facts::date_matches(d, e)) {
            continue;
        }
        // The best sentence's own date first: a heading's year is rarely the one meant.
        let found = sentence_facts
            .dates
            .iter()
            .chain(&evidence.dates)
            .find(|e| {
                e.year.is_some() == d.year.is_some() || e.month.is_some() == d.month.is_some()
            })
            .map(facts::describe_date);
        problems.push(Problem::Date {
            claim: facts::describe_date(d),
            found,
        });
    }
    for q in &claim.facts.quotes {
        // `…` or `...` in a quote marks left-out words: each part must be in the source.
        let all_found = q.split('|').all(|p| index.quote_text.contains(p));
        if !all_found {
            problems.push(Problem::Quote { quote: q.clone() });
        }
    }
    for name in &claim.facts.entities {
        let found = contains_words(&lower, name)
            || name.split(' ').all(|w| contains_words(&lower, w))
            || spelled_out(name, text);
        if !found {
            problems.push(Problem::Entity { name: name.clone() });
        }
    }
    let sentence = index.sentence_text(passage.best);
    // A "not" inside a quotation is the speaker's, checked by the quote check.
    let claim_negated = words::is_negated(&unquoted(claim.text));
    if claim_negated != words::is_negated(&unquoted(sentence))
        && claim_negated != words::is_negated(&unquoted(text))
    {
        problems.push(Problem::Negation);
    }
    if let Some(word) = words::flipped_direction(claim.text, sentence)
        .or_else(|| words::flipped_direction(claim.text, text))
    {
        problems.push(Problem::Direction { word });
    }
    if let Some(swap) = swapped(claim, sentence) {
        problems.push(swap);
    }
    if let Some(word) = words::unbacked_absolute(claim.text, text) {
        problems.push(Problem::Absolute { word });
    }
    problems
}

static QUOTED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r#"["“„][^"“”„]*["”]"#).expect("quoted-text pattern")
});

/// `text` without its quotations.
fn unquoted(text: &str) -> std::borrow::Cow<'_, str> {
    QUOTED.replace_all(text, " ")
}

/// Whether the acronym `name` (`EPA`) stands for a run of capitalised words in `text`
/// (`Environmental Protection Agency`), small joining words skipped.
fn spelled_out(name: &str, text: &str) -> bool {
    let is_acronym = (2..=6).contains(&name.len()) && name.chars().all(|c| c.is_ascii_uppercase());
    if !is_acronym {
        return false;
    }
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty() && !["of", "and", "for", "the", "on", "in"].contains(w))
        .collect();
    words.windows(name.len()).any(|run| {
        run.iter()
            .zip(name.chars())
            .all(|(w, c)| w.starts_with(c) && w.chars().next().is_some_and(char::is_uppercase))
    })
}

/// Symmetric links: `A and B` reads the same as `B and A`.
const SYMMETRIC: &[&str] = &[
    "and", "or", ",", "&", "with", "vs", "vs.", "and the", "or the",
];

/// Two names linked by the same words in the claim and in the evidence sentence, in the
/// opposite order: `A beat B` against `B beat A`. Reworded links (passive voice, other
/// verbs) are paraphrases and not judged.
fn swapped(claim: &PreparedClaim, sentence: &str) -> Option<Problem> {
    let claim_lower = claim.text.to_lowercase();
    let sentence_lower = sentence.to_lowercase();
    let located: Vec<(&String, usize, usize)> = claim
        .facts
        .entities
        .iter()
        .filter_map(|e| {
            let l = e.to_lowercase();
            Some((e, claim_lower.find(&l)?, sentence_lower.find(&l)?))
        })
        .collect();
    for (i, a) in located.iter().enumerate() {
        for b in &located[i + 1..] {
            let (first, second) = if a.1 < b.1 { (a, b) } else { (b, a) };
            if first.0 == second.0 || first.2 < second.2 {
                continue;
            }
            let link_in_claim = claim_lower
                .get(first.1 + first.0.len()..second.1)
                .map(str::trim);
            let link_in_sentence = sentence_lower
                .get(second.2 + second.0.len()..first.2)
                .map(str::trim);
            if link_in_claim.is_some_and(|l| !l.is_empty() && !SYMMETRIC.contains(&l))
                && link_in_claim == link_in_sentence
            {
                return Some(Problem::Swapped {
                    first: a.0.clone(),
                    second: b.0.clone(),
                });
            }
        }
    }
    None
}

/// The best passage of `index` for `claim` with its problems: fewest problems first, then
/// most lexical support. `None` when the source shares no words with the claim.
pub fn judge(claim: &PreparedClaim, index: &SourceIndex) -> Option<Judgement> {
    let mut best: Option<Judgement> = None;
    for passage in index.passages(&claim.terms, CANDIDATES) {
        let problems = check_passage(claim, index, &passage);
        let better = match &best {
            None => true,
            Some(b) => (problems.len(), -passage.lexical) < (b.problems.len(), -b.passage.lexical),
        };
        if better {
            best = Some(Judgement { passage, problems });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str =
        "The council recycled 34% of household waste in 2021, up from 29% in 2019. \
        Mayor Ana Pires said “we are not done yet” at the launch. \
        Landfill use fell by 12,000 tonnes.";

    fn problems(claim: &str) -> Vec<&'static str> {
        let index = SourceIndex::build("https://x.example/", SOURCE);
        let prepared = PreparedClaim::new(claim);
        judge(&prepared, &index)
            .map(|j| j.problems.iter().map(Problem::code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn supported_claim_has_no_problems() {
        assert!(problems("The council recycled 34 percent of household waste in 2021.").is_empty());
        assert!(problems("Mayor Ana Pires said “we are not done yet”.").is_empty());
        let index = SourceIndex::build(
            "https://x.example/",
            "The Environmental Protection Agency fined the plant $2 million.",
        );
        let claim = PreparedClaim::new("The EPA fined the plant $2 million.");
        assert!(judge(&claim, &index).is_some_and(|j| j.problems.is_empty()));
        let claim = PreparedClaim::new("The FDA fined the plant $2 million.");
        assert!(judge(&claim, &index).is_some_and(|j| !j.problems.is_empty()));
    }

    #[test]
    fn corruptions_are_caught() {
        assert_eq!(
            problems("The council recycled 43% of household waste in 2021."),
            vec!["FACT002"]
        );
        assert_eq!(
            problems("The council recycled 34% of household waste in 2020."),
            vec!["FACT002"]
        );
        assert!(
            problems("Mayor Ana Pires said “we are finished” at the launch.").contains(&"FACT003")
        );
        assert_eq!(
            problems("Mayor Jan Novak spoke at the launch."),
            vec!["FACT004"]
        );
        assert_eq!(
            problems("Landfill use rose by 12,000 tonnes."),
            vec!["FACT005"]
        );
        assert_eq!(
            problems("The council recycled all household waste in 2021."),
            vec!["FACT001"]
        );
    }
}
