//! Person-name comparison for bylines and structured-data authors.

/// Titles and post-nominals that do not change who a name refers to.
const HONORIFICS: &[&str] = &[
    "by",
    "dr",
    "mr",
    "mrs",
    "ms",
    "mx",
    "prof",
    "professor",
    "md",
    "phd",
    "rn",
    "do",
    "cfa",
    "cpa",
    "cfp",
    "esq",
    "jr",
    "sr",
    "mba",
    "msc",
    "bsc",
    "rd",
];

/// Lower-case words of a name without punctuation and honorifics:
/// "Dr. Jane  Doe, MD" and "jane doe" both give `["jane", "doe"]`.
pub fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(['\'', '’', '-']).to_lowercase())
        .filter(|w| !w.is_empty() && !HONORIFICS.contains(&w.as_str()))
        .collect()
}

/// Whether two names refer to the same person (same words after normalising).
pub fn same_person(a: &str, b: &str) -> bool {
    let (a, b) = (name_words(a), name_words(b));
    !a.is_empty() && a == b
}

/// The names in a byline that credits several people: "A, B and C" gives A, B, C.
pub fn split_names(byline: &str) -> impl Iterator<Item = &str> {
    byline
        .split([',', '&', ';'])
        .flat_map(|part| part.split(" and "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_names_ignoring_titles_case_and_punctuation() {
        assert!(same_person("Dr. Jane Doe, MD", "jane doe"));
        assert!(same_person("By Jane Doe", "Jane  Doe"));
        assert!(same_person("Seán O’Brien", "seán o’brien"));
        assert!(!same_person("Jane Doe", "John Doe"));
        assert!(!same_person("", ""));
        assert_eq!(name_words("Mary-Ann Lee"), vec!["mary-ann", "lee"]);
    }

    #[test]
    fn splits_bylines_that_credit_several_people() {
        let parts: Vec<&str> = split_names("Jane Doe, John Roe and Ann Lee & Bo Li").collect();
        assert_eq!(parts, vec!["Jane Doe", "John Roe", "Ann Lee", "Bo Li"]);
        assert_eq!(split_names(" , ").count(), 0);
    }
}
