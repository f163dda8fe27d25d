use super::*;
use crate::rules::testutil::{doc, run_rule, texts};
use crate::rules::Settings;

const DOC: &str = "[rule.doc]\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nuse_instead = \"u\"\n";

/// One rule from a pack holding `body` plus the common fields.
fn rule(kind: &str, body: &str) -> DeclarativeRule {
    let text = format!(
        "pack = \"test\"\n[[rule]]\ncode = \"TEST001\"\nname = \"t\"\nkind = \"{kind}\"\nseverity = \"warning\"\nmessage = \"got %s (%r)\"\nsummary = \"s\"\n{body}\n{DOC}"
    );
    match load_pack(&text, "test.toml") {
        Ok(mut rules) => rules.remove(0),
        Err(e) => panic!("pack does not load: {e}"),
    }
}

fn pack_error(kind: &str, body: &str) -> String {
    let text = format!(
        "pack = \"test\"\n[[rule]]\ncode = \"TEST001\"\nname = \"t\"\nkind = \"{kind}\"\nseverity = \"warning\"\nmessage = \"m\"\nsummary = \"s\"\n{body}\n{DOC}"
    );
    match load_pack(&text, "test.toml") {
        Ok(_) => panic!("expected an error for {kind}: {body}"),
        Err(e) => e,
    }
}

fn check(r: &DeclarativeRule, parts: &[&str]) -> Vec<Finding> {
    run_rule(r, &doc(parts), "", &Settings::default())
}

#[test]
fn embedded_packs_load_with_ten_or_more_style_rules() {
    let rules = load_embedded().expect("embedded packs compile");
    assert!(rules.len() >= 10, "{} declarative rules", rules.len());
    assert_eq!(embedded().len(), rules.len());
    let style = crate::rules::registry()
        .iter()
        .filter(|r| r.meta().pack == "style")
        .count();
    assert!(style >= 10, "{style} style rules");
}

#[test]
fn existence_matches_whole_words_case_insensitively_with_spans() {
    let r = rule(
        "existence",
        "tokens = [\"delve\", \"it's important to note\"]",
    );
    let d = doc(&[
        "Let us Delve in. It’s important to note this.",
        "We delved.",
    ]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["Delve", "It’s important to note"]);
    assert_eq!(f[0].message, "got Delve ()");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(check(&r, &["We dig in."]).is_empty());
}

#[test]
fn existence_scope_heading_only_sees_headings() {
    let r = rule("existence", "scope = \"heading\"\ntokens = [\"ultimate\"]");
    let d = doc(&["## The ultimate guide", "An ultimate loaf."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["ultimate"]);
    assert!(f[0].span.start < 20);
}

#[test]
fn substitution_offers_safe_fix_preserving_capitals() {
    let r = rule(
        "substitution",
        "[rule.swap]\n\"utilize\" = \"use\"\n\"in order to\" = \"to\"",
    );
    assert!(r.meta().fixable);
    let d = doc(&["Utilize a scale in order to weigh flour."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["Utilize", "in order to"]);
    assert_eq!(f[0].message, "got Utilize (Use)");
    let mut fixed = d.source.clone();
    for finding in f.iter().rev() {
        let fix = finding.fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, Applicability::Safe);
        for e in &fix.edits {
            fixed.replace_range(e.span.start..e.span.end, &e.replacement);
        }
    }
    assert_eq!(fixed, "Use a scale to weigh flour.");
    assert!(check(&r, &["Use a scale to weigh flour."]).is_empty());
}

#[test]
fn substitution_gives_no_edit_when_markup_splits_the_match() {
    let r = rule("substitution", "[rule.swap]\n\"in order to\" = \"to\"");
    // Block text "in order to go" comes from source "in *order* to go": not verbatim.
    let mut d = doc(&["in *order* to go"]);
    d.blocks[0].text = "in order to go".into();
    d.blocks[0].map = OffsetMap {
        segments: vec![(0, 0), (3, 4), (8, 10)],
    };
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(f.len(), 1);
    assert!(f[0].fix.is_none());
    assert_eq!(f[0].span, Span::new(0, 13));
}

#[test]
fn occurrence_per_paragraph_reports_the_first_excess_match() {
    let r = rule(
        "occurrence",
        "per = \"paragraph\"\nmax = 2\ntokens = [\"might\", \"perhaps\", \"could\"]",
    );
    let d = doc(&[
        "It might work. It could perhaps fail.",
        "It might work. It could fail.",
    ]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["perhaps"]);
    assert!(f[0].message.starts_with("got 3"));
    // The option raises the limit.
    assert!(run_rule(&r, &d, "max = 3", &Settings::default()).is_empty());
}

#[test]
fn occurrence_min_per_document() {
    let r = rule("occurrence", "min = 1\ntokens = [\"sources\"]");
    assert_eq!(check(&r, &["No citations here."]).len(), 1);
    assert!(check(&r, &["Sources: the lab."]).is_empty());
}

#[test]
fn occurrence_nonword_tokens() {
    let r = rule("occurrence", "max = 1\nnonword = true\ntokens = [\"!\"]");
    let d = doc(&["Wow! Great!", "Fine."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].span, Span::new(10, 11));
    assert!(check(&r, &["Wow! Fine."]).is_empty());
}

#[test]
fn metric_per_sentence_with_option_override() {
    let r = rule("metric", "per = \"sentence\"\nformula = \"words\"\nmax = 5");
    let d = doc(&["One two three. One two three four five six seven."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["One two three four five six seven."]);
    assert!(f[0].message.starts_with("got 7"));
    assert!(run_rule(&r, &d, "max = 10", &Settings::default()).is_empty());
    assert!(check(&r, &["Short one. Another short one."]).is_empty());
}

#[test]
fn metric_per_paragraph_and_document() {
    let para = rule(
        "metric",
        "per = \"paragraph\"\nformula = \"words\"\nmax = 4",
    );
    let d = doc(&["one two three four five", "one two"]);
    let f = run_rule(&para, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["one two three four five"]);
    let avg = rule(
        "metric",
        "per = \"document\"\nformula = \"words / sentences\"\nmax = 3",
    );
    let f = check(&avg, &["a b c d. e f g h."]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].span, Span::file_start());
    assert!(check(&avg, &["a b. c d."]).is_empty());
    // An empty document has no value and no finding.
    assert!(check(&avg, &[]).is_empty());
}

#[test]
fn readability_depends_on_audience() {
    let r = rule(
        "readability",
        "min_words = 10\n[rule.ranges]\ngeneral = { min = 50.0 }\nexpert = { max = 100.0 }",
    );
    let hard = "Notwithstanding methodological heterogeneity, contemporary investigations consistently demonstrate substantial physiological consequences of fermentation.";
    let easy = "The dog ran to the park. It was a nice day. We had fun in the sun.";
    let f = check(&r, &[hard]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].span, Span::file_start());
    assert!(check(&r, &[easy]).is_empty());
    let expert = Settings {
        audience: Some("expert".into()),
        ..Settings::default()
    };
    assert!(run_rule(&r, &doc(&[hard]), "", &expert).is_empty());
    // Short documents are not scored.
    assert!(run_rule(&r, &doc(&[hard]), "min_words = 500", &Settings::default()).is_empty());
}

#[test]
fn flesch_kincaid_grade_measure() {
    let r = rule(
        "readability",
        "measure = \"flesch_kincaid_grade\"\nmin_words = 5\n[rule.ranges]\ngeneral = { max = 8.0 }",
    );
    let hard = "Notwithstanding methodological heterogeneity, contemporary investigations consistently demonstrate substantial physiological consequences.";
    assert_eq!(check(&r, &[hard]).len(), 1);
    assert!(check(&r, &["The cat sat on the mat. The dog ran."]).is_empty());
}

#[test]
fn conditional_reports_undefined_terms_once() {
    let r = rule(
        "conditional",
        "first = '\\b([A-Z]{3,5})\\b'\nsecond = '\\(([A-Z]{3,5})\\)'\nexceptions = [\"HTML\"]",
    );
    let d = doc(&["Check the LCP and the CLS. The LCP matters. HTML too."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(texts(&d, &f), vec!["LCP", "CLS"]);
    assert!(check(
        &r,
        &["Largest Contentful Paint (LCP) and Cumulative Layout Shift (CLS). The LCP matters."]
    )
    .is_empty());
    let extra = run_rule(
        &r,
        &d,
        "exceptions = [\"LCP\", \"CLS\"]",
        &Settings::default(),
    );
    assert!(extra.is_empty());
}

#[test]
fn capitalization_sentence_and_title_case() {
    let r = rule(
        "capitalization",
        "case = \"sentence\"\nexceptions = [\"Google\"]",
    );
    let d = doc(&["## How To Feed Your Starter", "Text."]);
    let f = run_rule(&r, &d, "", &Settings::default());
    assert_eq!(f.len(), 1);
    let fix = f[0].fix.as_ref().expect("a fix");
    assert_eq!(fix.applicability, Applicability::Unsafe);
    assert_eq!(fix.edits[0].replacement, "How to feed your starter");
    assert_eq!(texts(&d, &f), vec!["How To Feed Your Starter"]);
    for ok in [
        "## How to feed your starter",
        "## Using Google and SEO tools",
        "## What I learned: The short version",
        "## 10 loaves in 2026",
    ] {
        assert!(check(&r, &[ok]).is_empty(), "{ok}");
    }
    let title = run_rule(
        &r,
        &doc(&["## How to feed your starter"]),
        "case = \"title\"",
        &Settings::default(),
    );
    assert_eq!(title.len(), 1);
    assert_eq!(
        title[0]
            .fix
            .as_ref()
            .map(|f| f.edits[0].replacement.as_str()),
        Some("How to Feed Your Starter")
    );
    assert!(run_rule(
        &r,
        &doc(&["## How to Feed Your Starter"]),
        "case = \"title\"",
        &Settings::default()
    )
    .is_empty());
    // Test headings are level 2: a minimum level of 3 skips them.
    assert!(run_rule(&r, &d, "min_level = 3", &Settings::default()).is_empty());
}

#[test]
fn bad_packs_are_errors_naming_the_rule() {
    assert!(pack_error("frobnicate", "").contains("unknown kind"));
    assert!(pack_error("existence", "").contains("tokens"));
    assert!(pack_error("existence", "patterns = [\"(\"]").contains("bad pattern"));
    assert!(pack_error("existence", "tokens = [\"a\"]\ncolour = 1").contains("colour"));
    assert!(pack_error("metric", "formula = \"wordz\"\nmax = 1").contains("wordz"));
    assert!(pack_error("metric", "formula = \"words\"").contains("max"));
    assert!(pack_error(
        "occurrence",
        "tokens = [\"a\"]\nmax = 1\nper = \"sentence\""
    )
    .contains("per"));
    assert!(pack_error("readability", "").contains("general"));
    assert!(pack_error("conditional", "first = 'a'").contains("second"));
    assert!(pack_error("capitalization", "case = \"upper\"").contains("upper"));
    let e = pack_error("substitution", "");
    assert!(e.contains("TEST001") && e.contains("swap"), "{e}");
    assert!(load_pack("pack = 1", "x.toml").is_err());
}

#[test]
fn declarative_docs_have_sections_and_options() {
    let r = rule(
        "metric",
        "per = \"sentence\"\nformula = \"words\"\nmax = 35",
    );
    let doc = r.meta().doc;
    assert!(doc.contains("## What it does") && doc.contains("## Options"));
    assert!(doc.contains("`max` (default `35`)"), "{doc}");
    assert_eq!(r.meta().options.len(), 2);
}

#[test]
fn a_rule_may_name_its_own_pack() {
    let text = format!(
        "pack = \"file\"\n[[rule]]\ncode = \"T1\"\nname = \"a\"\nkind = \"existence\"\nseverity = \"info\"\nmessage = \"m\"\nsummary = \"s\"\ntokens = [\"x\"]\n{DOC}[[rule]]\npack = \"own\"\ncode = \"T2\"\nname = \"b\"\nkind = \"existence\"\nseverity = \"info\"\nmessage = \"m\"\nsummary = \"s\"\ntokens = [\"y\"]\n{DOC}"
    );
    let rules = load_pack(&text, "t.toml").unwrap();
    assert_eq!(rules[0].meta().pack, "file");
    assert_eq!(rules[1].meta().pack, "own");
    assert_eq!(rules[1].meta().default_severity, Severity::Info);
}

#[test]
fn short_search_finds_what_memmem_finds() {
    let pieces = ["a", "b", "ab", "<h2>", "</h2>", "é", " ", "aab"];
    let mut stream = crate::test_fixtures::Stream(0x9E37_79B9_7F4A_7C15);
    let mut next = |n: usize| stream.below(n);
    for _ in 0..5_000 {
        let haystack: String = (0..next(10)).map(|_| pieces[next(pieces.len())]).collect();
        let needle: String = (0..next(4)).map(|_| pieces[next(pieces.len())]).collect();
        assert_eq!(
            find_short(haystack.as_bytes(), needle.as_bytes()),
            memchr::memmem::find(haystack.as_bytes(), needle.as_bytes()),
            "{needle:?} in {haystack:?}"
        );
    }
}

#[test]
fn messages_fill_placeholders_as_two_replacements_do() {
    let templates = [
        "got %s (%r)",
        "Cut '%s'",
        "no placeholder",
        "100%%s",
        "%s%%r",
        "%r then %s",
        "%",
        "%s",
    ];
    let values = ["", "x", "%", "rate", "%r", "a%s", "r"];
    for template in templates {
        let mut r = rule("existence", "tokens = [\"x\"]");
        r.message = template.to_string();
        for value in values {
            for replacement in ["use", "%s", ""] {
                assert_eq!(
                    r.message(value, replacement),
                    template.replace("%s", value).replace("%r", replacement),
                    "{template:?} {value:?} {replacement:?}"
                );
            }
        }
    }
}
