//! Deterministic facts of a sentence: numbers with their units, dates, quotations, named
//! entities, negation and comparison direction. Similarity scores cannot tell `12%` from `21%`,
//! so these are compared exactly (see MODELS.md, "Similarity is not truth").
use crate::rules::builtin::support::pattern::compile;
use regex::Regex;
use std::sync::LazyLock;

/// What a number measures, as far as the text says; only numbers of one kind are compared.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    Percent,
    /// Currency symbol or code, normalised (`usd`, `eur`, `gbp`, `jpy`, `inr`).
    Money(&'static str),
    /// A unit or counted noun word after the number (`km`, `people`), singular lower case.
    Word(String),
    /// A bare number.
    Plain,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub value: f64,
    /// Half of the last written digit's place, scaled: `1.2 million` may stand for 1.15–1.25M.
    pub tolerance: f64,
    pub unit: Unit,
    /// The text as written, for messages.
    pub text: String,
}

/// A calendar date, as precise as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: Option<i32>,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub numbers: Vec<Number>,
    pub dates: Vec<Date>,
    /// Quoted passages, normalised with [`normalise_quote`].
    pub quotes: Vec<String>,
    /// Named entities (capitalised runs), as written.
    pub entities: Vec<String>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_number(word: &str) -> Option<u8> {
    let lower = word.to_ascii_lowercase();
    let lower = lower.trim_end_matches('.');
    if lower.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    for (i, m) in full.iter().enumerate() {
        if *m == lower || (lower.len() <= 4 && (MONTHS[i] == lower || lower == "sept" && i == 8)) {
            return Some(i as u8 + 1);
        }
    }
    None
}

const MONTH_NAME: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b((?:1[5-9]|20)\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?\b")
});

/// `March 3, 2021`, `March 3rd`, `March 2021`.
static MONTH_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)\b({MONTH_NAME})(?:\s+(\d{{1,2}})(?:st|nd|rd|th)?)?(?:,?\s+((?:1[5-9]|20)\d\d))?\b"
    ))
});

/// `3 March 2021`, `3rd of March`.
static DAY_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_NAME})(?:,?\s+((?:1[5-9]|20)\d\d))?\b"
    ))
});

/// Number with optional currency, scale word and unit.
static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?ix)
        (?P<cur>[$€£¥₹])?\s?
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        (?P<ord>st|nd|rd|th)?
        (?:\s?(?P<scale>k|thousand|million|mn|m|billion|bn|b|trillion|tn)\b)?
        (?:\s?(?P<pct>%|percent\b|per\s?cent\b|percentage\s+points?\b))?
        (?:\s?(?P<code>usd|eur|gbp|jpy|inr|dollars?|euros?|pounds\s+sterling|yen|rupees?)\b)?
        (?:\s(?P<unit>(?-i:[a-z°µ][a-z²³/°-]*)))?",
    )
});

static NUMBER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|dozen)\b(?:\s+(?P<unit>[a-z]+))?",
    )
});

/// Citation markers `[3]`, `[^a]` and inline link targets: their digits are not facts.
static MARKER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\[(?:\^[^\]\s]+|\d+(?:\s*[,–-]\s*\d+)*)\]|https?://\S+"));

static QUOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s(\[—–:,])["“„]([^"“”„]{2,}?)["”]"#).expect("quote pattern")
});

/// Words that follow a number without being its unit.
const NOT_UNITS: &[&str] = &[
    "and", "or", "to", "of", "in", "on", "at", "by", "for", "from", "with", "the", "a", "an",
    "than", "as", "per", "is", "was", "were", "are", "be", "it", "that", "this", "which", "when",
    "after", "before", "into", "out", "up", "down", "more", "less", "over", "under", "about",
    "new", "other", "each", "its", "their", "his", "her",
];

fn scale_of(word: &str) -> f64 {
    match word.to_ascii_lowercase().as_str() {
        "k" | "thousand" => 1e3,
        "million" | "mn" | "m" => 1e6,
        "billion" | "bn" | "b" => 1e9,
        "trillion" | "tn" => 1e12,
        _ => 1.0,
    }
}

fn currency_of(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    Some(match t.as_str() {
        "$" | "usd" | "dollar" | "dollars" => "usd",
        "€" | "eur" | "euro" | "euros" => "eur",
        "£" | "gbp" => "gbp",
        "¥" | "jpy" | "yen" => "jpy",
        "₹" | "inr" | "rupee" | "rupees" => "inr",
        _ if t.starts_with("pounds") => "gbp",
        _ => return None,
    })
}

/// Singular, lower-case form of a unit word, with common spellings merged.
fn unit_word(word: &str) -> Option<String> {
    let w = word.to_ascii_lowercase();
    let w = w.trim_end_matches(['-', '/']);
    if w.is_empty() || NOT_UNITS.contains(&w) || month_number(w).is_some() {
        return None;
    }
    let merged = match w {
        "metres" | "meters" | "metre" | "meter" => "m",
        "kilometres" | "kilometers" | "kilometre" | "kilometer" => "km",
        "kilograms" | "kilogram" | "kilos" => "kg",
        "grams" | "gram" => "g",
        "litres" | "liters" | "litre" | "liter" => "l",
        "centimetres" | "centimeters" => "cm",
        "millimetres" | "millimeters" => "mm",
        "feet" | "foot" => "ft",
        "inches" | "inch" => "in",
        "pounds" | "lbs" => "lb",
        "hrs" | "hr" => "hour",
        "mins" | "min" => "minute",
        "secs" | "sec" => "second",
        "yrs" | "yr" => "year",
        other => other,
    };
    let singular = if merged.len() > 3 && merged.ends_with("ies") {
        format!("{}y", &merged[..merged.len() - 3])
    } else if merged.len() > 3 && merged.ends_with('s') && !merged.ends_with("ss") {
        merged[..merged.len() - 1].to_owned()
    } else {
        merged.to_owned()
    };
    Some(singular)
}

/// Units of measure: a number in one is not the same fact as the number in another.
const MEASURES: &[&str] = &[
    "m", "km", "cm", "mm", "kg", "g", "mg", "tonne", "ton", "lb", "oz", "l", "ml", "ft", "in",
    "mile", "hour", "minute", "second", "day", "week", "month", "year", "decade", "century", "kwh",
    "mwh", "gwh", "kw", "mw", "gw", "watt", "gigawatt", "megawatt", "mph", "km/h", "°c", "°f",
    "degree", "hectare", "acre", "mbp", "gbp", "gev", "mev", "tev", "mah", "hz", "khz", "mhz",
    "ghz", "kb", "mb", "gb", "tb", "calorie", "kcal", "mmhg", "volt",
];

/// Nouns counted by a number (`2000 people`), so a four-digit number before them is no year.
const COUNTED: &[&str] = &[
    "people",
    "person",
    "user",
    "patient",
    "participant",
    "respondent",
    "adult",
    "child",
    "children",
    "employee",
    "worker",
    "customer",
    "case",
    "death",
    "student",
    "pupil",
    "visitor",
    "home",
    "house",
    "job",
    "member",
    "donor",
    "copy",
    "unit",
    "vehicle",
    "car",
];

fn is_measure(word: &str) -> bool {
    MEASURES.contains(&word)
}

fn decimals(num: &str) -> usize {
    num.split_once('.').map(|(_, d)| d.len()).unwrap_or(0)
}

/// `text` with citation markers and URLs blanked (same length, so offsets stay valid).
fn mask(text: &str) -> String {
    MARKER
        .replace_all(text, |c: &regex::Captures| " ".repeat(c[0].len()))
        .into_owned()
}

fn is_year(value: f64, num: &str) -> bool {
    !num.contains([',', '.']) && num.len() == 4 && (1500.0..=2100.0).contains(&value)
}

/// Dates and the byte ranges they cover (so their digits are not read again as numbers).
fn dates(text: &str) -> (Vec<Date>, Vec<(usize, usize)>) {
    let mut out = Vec::new();
    let mut covered: Vec<(usize, usize)> = Vec::new();
    let overlaps = |covered: &[(usize, usize)], s: usize, e: usize| {
        covered.iter().any(|&(a, b)| s < b && a < e)
    };
    for c in ISO_DATE.captures_iter(text) {
        let m = c.get(0).map(|m| (m.start(), m.end())).unwrap_or((0, 0));
        out.push(Date {
            year: c.get(1).and_then(|y| y.as_str().parse().ok()),
            month: c.get(2).and_then(|y| y.as_str().parse().ok()),
            day: c.get(3).and_then(|y| y.as_str().parse().ok()),
        });
        covered.push(m);
    }
    for re in [&*DAY_FIRST, &*MONTH_FIRST] {
        let month_first = std::ptr::eq(re, &*MONTH_FIRST);
        for c in re.captures_iter(text) {
            let Some(whole) = c.get(0) else { continue };
            if overlaps(&covered, whole.start(), whole.end()) {
                continue;
            }
            let (month_group, day_group) = if month_first { (1, 2) } else { (2, 1) };
            let month = c.get(month_group).and_then(|m| month_number(m.as_str()));
            let day = c
                .get(day_group)
                .and_then(|d| d.as_str().parse::<u8>().ok())
                .filter(|d| (1..=31).contains(d));
            let year = c.get(3).and_then(|y| y.as_str().parse().ok());
            // "May" alone is a verb as often as a month: keep it only with a day or a year.
            if month.is_none() || (day.is_none() && year.is_none()) {
                continue;
            }
            out.push(Date { year, month, day });
            covered.push((whole.start(), whole.end()));
        }
    }
    (out, covered)
}

fn numbers(text: &str, covered: &[(usize, usize)], dates: &mut Vec<Date>) -> Vec<Number> {
    let mut out = Vec::new();
    for c in NUMBER.captures_iter(text) {
        let Some(num) = c.name("num") else { continue };
        if covered
            .iter()
            .any(|&(a, b)| num.start() < b && a < num.end())
        {
            continue;
        }
        // A digit glued to letters (`COVID-19`, `A4`, `mp3`) is part of a name.
        let before = text[..num.start()].chars().next_back();
        if before.is_some_and(|ch| ch.is_alphabetic() || ch == '-' || ch == '_') {
            continue;
        }
        let raw = num.as_str().replace(',', "");
        let Ok(base) = raw.parse::<f64>() else {
            continue;
        };
        let scale = c.name("scale").map(|s| scale_of(s.as_str())).unwrap_or(1.0);
        let currency = c
            .name("cur")
            .and_then(|m| currency_of(m.as_str()))
            .or_else(|| c.name("code").and_then(|m| currency_of(m.as_str())));
        let unit = if c.name("pct").is_some() {
            Unit::Percent
        } else if let Some(cur) = currency {
            Unit::Money(cur)
        } else if let Some(word) = c.name("unit").and_then(|u| unit_word(u.as_str())) {
            Unit::Word(word)
        } else {
            Unit::Plain
        };
        let counted =
            matches!(&unit, Unit::Word(w) if COUNTED.contains(&w.as_str()) || is_measure(w));
        let plain_count = matches!(unit, Unit::Plain | Unit::Word(_));
        if plain_count && !counted && c.name("scale").is_none() && is_year(base, num.as_str()) {
            dates.push(Date {
                year: Some(base as i32),
                month: None,
                day: None,
            });
            continue;
        }
        let step = 10f64.powi(-(decimals(&raw) as i32)) * scale;
        // The written number up to the last part that counted (not a rejected unit word).
        let start = c.name("cur").map_or(num.start(), |m| m.start());
        let mut end = num.end();
        for name in ["ord", "scale", "pct", "code"] {
            if let Some(m) = c.name(name) {
                end = end.max(m.end());
            }
        }
        if let (Unit::Word(_), Some(m)) = (&unit, c.name("unit")) {
            end = end.max(m.end());
        }
        let whole = text.get(start..end).unwrap_or(num.as_str()).trim();
        out.push(Number {
            value: base * scale,
            tolerance: step / 2.0 + f64::EPSILON * base.abs() * scale,
            unit,
            text: whole.to_owned(),
        });
    }
    for c in NUMBER_WORD.captures_iter(text) {
        let Some(word) = c.get(1) else { continue };
        let value = match word.as_str().to_ascii_lowercase().as_str() {
            "two" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "eleven" => 11.0,
            "twelve" | "dozen" => 12.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty" => 40.0,
            "fifty" => 50.0,
            "hundred" => 100.0,
            _ => continue,
        };
        let unit = c
            .name("unit")
            .and_then(|u| unit_word(u.as_str()))
            .map(Unit::Word)
            .unwrap_or(Unit::Plain);
        out.push(Number {
            value,
            tolerance: 1e-9,
            unit,
            text: word.as_str().to_owned(),
        });
    }
    out
}

/// Lower case, one kind of quote mark and dash, punctuation dropped, single spaces: a quote is
/// "verbatim" when these forms match.
pub fn normalise_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for ch in text.chars() {
        let ch = match ch {
            '’' | '‘' | '`' | '´' => '\'',
            _ => ch,
        };
        if ch.is_alphanumeric() || ch == '\'' {
            for lower in ch.to_lowercase() {
                out.push(lower);
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

fn quotes(text: &str) -> Vec<String> {
    QUOTE
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        // Parts around an ellipsis (left-out words) are matched one by one, joined by `|`.
        .map(|m| {
            m.as_str()
                .replace("...", "…")
                .split('…')
                .map(normalise_quote)
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("|")
        })
        // One scare-quoted word ("smart" mode) is not a quotation.
        .filter(|q| q.split([' ', '|']).count() >= 2)
        .collect()
}

/// Capitalised words that start sentences or are titles, not names.
const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "By",
    "For",
    "From",
    "Of",
    "To",
    "And",
    "But",
    "Or",
    "It",
    "Its",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "Their",
    "They",
    "He",
    "She",
    "We",
    "I",
    "His",
    "Her",
    "Our",
    "As",
    "After",
    "Before",
    "During",
    "Since",
    "Until",
    "When",
    "While",
    "According",
    "Most",
    "Many",
    "Some",
    "All",
    "Every",
    "Each",
    "No",
    "Not",
    "About",
    "Around",
    "Only",
    "Over",
    "Under",
    "With",
    "Without",
    "Although",
    "Because",
    "If",
    "However",
    "Also",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Prof",
    "Sir",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Today",
    "Yesterday",
    "One",
    "Two",
    "Three",
    "Researchers",
    "Scientists",
    "Experts",
    "Officials",
    "Studies",
    "Data",
    "Figures",
    "Around",
    "Roughly",
    "Nearly",
    "Almost",
    "More",
    "Less",
    "Fewer",
    "Between",
    "Both",
    "Then",
    "Now",
    "Here",
];

fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => true,
        // iPhone, eBay
        Some(c) if c.is_lowercase() => chars.any(char::is_uppercase),
        _ => false,
    }
}

/// Runs of capitalised words, minus sentence-initial common words, months and titles.
fn entities(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let mut sentence_start = true;
    let flush = |run: &mut Vec<&str>, out: &mut Vec<String>| {
        if !run.is_empty() {
            out.push(run.join(" "));
            run.clear();
        }
    };
    for raw in text.split_whitespace() {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
        let word = word
            .strip_suffix("'s")
            .or_else(|| word.strip_suffix("’s"))
            .unwrap_or(word);
        let ends_clause = raw.ends_with([',', ';', ':', '.', '!', '?', ')', '"', '”']);
        let candidate = !word.is_empty()
            && is_capitalised(word)
            && !word.chars().all(|c| c.is_ascii_digit())
            && month_number(word).is_none()
            && !NOT_NAMES.contains(&word);
        if candidate && !(sentence_start && run.is_empty() && is_common_start(word)) {
            run.push(word);
        } else {
            flush(&mut run, &mut out);
        }
        if ends_clause {
            flush(&mut run, &mut out);
        }
        sentence_start = raw.ends_with(['.', '!', '?', ':']);
    }
    flush(&mut run, &mut out);
    out
}

/// A sentence-initial capitalised word that is a plain word in lower case (`Composting`):
/// only all-capital acronyms and words of a known name shape count there.
fn is_common_start(word: &str) -> bool {
    let has_inner_capital = word.chars().skip(1).any(char::is_uppercase);
    !has_inner_capital
}

impl Facts {
    pub fn of(text: &str) -> Facts {
        let masked = mask(text);
        let (mut dates, covered) = dates(&masked);
        let numbers = numbers(&masked, &covered, &mut dates);
        Facts {
            numbers,
            dates,
            quotes: quotes(text),
            entities: entities(&masked),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
            && self.dates.is_empty()
            && self.quotes.is_empty()
            && self.entities.is_empty()
    }
}

/// Whether the written number `claim` can stand for `evidence`: same kind of unit and the
/// evidence value within the claim's rounding.
pub fn number_matches(claim: &Number, evidence: &Number) -> bool {
    let units_agree = match (&claim.unit, &evidence.unit) {
        (Unit::Percent, Unit::Percent) => true,
        (Unit::Percent, _) | (_, Unit::Percent) => false,
        (Unit::Money(a), Unit::Money(b)) => a == b,
        // Units of measure must agree; counted nouns are often reworded (`arrests`, `cases`).
        (Unit::Word(a), Unit::Word(b)) if is_measure(a) && is_measure(b) => a == b,
        (Unit::Word(_), Unit::Word(_)) => true,
        _ => true,
    };
    units_agree && (claim.value - evidence.value).abs() <= claim.tolerance.max(evidence.tolerance)
}

/// Whether `claim` agrees with `evidence` on every part both state.
pub fn date_matches(claim: &Date, evidence: &Date) -> bool {
    let agree = |a: Option<i64>, b: Option<i64>| a.is_none() || a == b;
    agree(claim.year.map(i64::from), evidence.year.map(i64::from))
        && agree(claim.month.map(i64::from), evidence.month.map(i64::from))
        && agree(claim.day.map(i64::from), evidence.day.map(i64::from))
        // The claim must pin something the evidence states.
        && (claim.year.is_some() && evidence.year.is_some()
            || claim.month.is_some() && evidence.month.is_some())
}

/// A readable date for messages.
pub fn describe_date(date: &Date) -> String {
    let month = date
        .month
        .and_then(|m| MONTHS.get(usize::from(m).saturating_sub(1)))
        .copied();
    match (date.day, month, date.year) {
        (Some(d), Some(m), Some(y)) => format!("{d} {m} {y}"),
        (None, Some(m), Some(y)) => format!("{m} {y}"),
        (Some(d), Some(m), None) => format!("{d} {m}"),
        (_, _, Some(y)) => y.to_string(),
        (_, Some(m), None) => m.to_owned(),
        _ => "a date".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(f64, Unit)> {
        Facts::of(text)
            .numbers
            .into_iter()
            .map(|n| (n.value, n.unit))
            .collect()
    }

    #[test]
    fn normalises_number_forms() {
        assert_eq!(
            values("about 1,200 people"),
            vec![(1200.0, Unit::Word("people".into()))]
        );
        assert_eq!(values("1.2k"), vec![(1200.0, Unit::Plain)]);
        assert_eq!(values("1.2 million"), vec![(1_200_000.0, Unit::Plain)]);
        assert_eq!(values("12%"), vec![(12.0, Unit::Percent)]);
        assert_eq!(values("12 percent"), vec![(12.0, Unit::Percent)]);
        assert_eq!(values("$4.5 billion"), vec![(4.5e9, Unit::Money("usd"))]);
        assert_eq!(values("30 euros"), vec![(30.0, Unit::Money("eur"))]);
        assert_eq!(
            values("10–20 km"),
            vec![(10.0, Unit::Plain), (20.0, Unit::Word("km".into()))]
        );
        assert!(values("COVID-19 [3] cases").is_empty());
    }

    #[test]
    fn rounding_is_allowed_but_changes_are_not() {
        let claim = &Facts::of("1.2 million visitors").numbers[0];
        let close = &Facts::of("1,214,000 visitors").numbers[0];
        let far = &Facts::of("1,310,000 visitors").numbers[0];
        assert!(number_matches(claim, close));
        assert!(!number_matches(claim, far));
        let pct = &Facts::of("12%").numbers[0];
        let plain = &Facts::of("12 times").numbers[0];
        assert!(!number_matches(pct, plain));
    }

    #[test]
    fn reads_dates_in_several_forms() {
        let d = |t: &str| Facts::of(t).dates;
        let full = Date {
            year: Some(2021),
            month: Some(3),
            day: Some(3),
        };
        assert_eq!(d("on March 3, 2021"), vec![full]);
        assert_eq!(d("on March 3rd, 2021"), vec![full]);
        assert_eq!(d("on 3 March 2021"), vec![full]);
        assert_eq!(d("on the 3rd of March 2021"), vec![full]);
        assert_eq!(d("on 2021-03-03"), vec![full]);
        assert_eq!(
            d("in 1998 the"),
            vec![Date {
                year: Some(1998),
                month: None,
                day: None
            }]
        );
        assert!(d("you may see 3 birds").is_empty());
        assert!(Facts::of("on 3 March 2021").numbers.is_empty());
        assert!(date_matches(
            &Date {
                year: Some(2021),
                month: None,
                day: None
            },
            &full
        ));
        assert!(!date_matches(
            &Date {
                year: Some(2021),
                month: Some(4),
                day: None
            },
            &full
        ));
    }

    #[test]
    fn finds_quotes_and_entities() {
        let f = Facts::of("“We will not raise prices,” said Maria Lopez of Acme Corp. in Paris.");
        assert_eq!(f.quotes, vec!["we will not raise prices"]);
        assert_eq!(f.entities, vec!["Maria Lopez", "Acme Corp", "Paris"]);
        assert!(Facts::of("Composting turns scraps into soil.")
            .entities
            .is_empty());
        assert!(Facts::of("The \"smart\" mode is quiet.").quotes.is_empty());
    }
}
