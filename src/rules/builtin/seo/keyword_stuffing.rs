//! SEO017: the primary keyword is not repeated unnaturally often.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{keyword::KeywordMatcher, page};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;

pub struct KeywordStuffing;

const META: RuleMeta = RuleMeta {
    code: "SEO017",
    name: "keyword-stuffing",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The primary keyword makes up more than 3% of the body words.",
    doc: r#"## What it does
Counts occurrences of the primary keyword (front matter `primary_keyword`/`keyword` or
settings) in the body and divides by the number of body words. Reports a density above
`max_density` percent. Pages shorter than `min_words` are skipped, where one mention
already swings the ratio.

## Why is this bad?
Repeating a keyword reads as spam to people and to search engines, which demote pages
that do it.

## Example
"The best coffee grinder is a coffee grinder that grinds coffee like a coffee grinder..."

## Use instead
Name the topic where it helps the reader and use natural variations elsewhere
("burr grinder", "the grinder", "it").

## Options
- `max_density` (default `3.0`): highest keyword density in percent.
- `min_words` (default `100`): pages with fewer body words are not checked."#,
    options: &[
        RuleOption {
            name: "max_density",
            default: "3.0",
            doc: "Highest keyword density, in percent of body words.",
        },
        RuleOption {
            name: "min_words",
            default: "100",
            doc: "Skip pages with fewer body words than this.",
        },
    ],
    fixable: false,
};

impl Rule for KeywordStuffing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let Some(matcher) = page::primary_keyword(doc, ctx.settings).and_then(KeywordMatcher::new)
        else {
            return;
        };
        let total = doc.word_count();
        if total == 0 || total < ctx.opt_usize("min_words", 100) {
            return;
        }
        let occurrences: usize = page::prose_blocks(doc)
            .map(|b| matcher.count_in(&b.text))
            .sum();
        let density = occurrences as f64 * 100.0 / total as f64;
        let max = ctx.opt_f64("max_density", 3.0);
        if density > max {
            out.push(
                ctx.finding(
                    META.code,
                    format!(
                        "keyword stuffing: \"{}\" appears {occurrences} times in {total} words ({density:.2}%, above {max}%)",
                        matcher.phrase()
                    ),
                    Span::file_start(),
                )
                .with_help("replace some mentions with synonyms or pronouns"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn short_pages_are_skipped_and_density_is_configurable() {
        let page = "---\nkeyword: grinder\n---\n\nA grinder is a grinder. Buy a grinder today.\n";
        let rule = &super::KeywordStuffing;
        assert!(check_source(rule, "a.md", page, "", "").is_empty());
        let found = check_source(rule, "a.md", page, "", "min_words = 1");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("3 times in 9 words"),
            "{}",
            found[0].message
        );
        assert!(
            check_source(rule, "a.md", page, "", "min_words = 1\nmax_density = 50.0").is_empty()
        );
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::KeywordStuffing);
    }
}
