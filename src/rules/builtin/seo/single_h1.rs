//! SEO005: the page has exactly one H1.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;

pub struct SingleH1;

const META: RuleMeta = RuleMeta {
    code: "SEO005",
    name: "single-h1",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "The page has no H1 or more than one.",
    doc: r#"## What it does
Counts level-1 headings (`# Heading` or `<h1>`) and reports a page with none, and every H1
after the first.

## Why is this bad?
The H1 is the visible headline that tells readers and search engines what the page is
about. Several H1s blur that; none leaves it to guesswork.

## Example
```markdown
# Choosing a grinder
# Burr grinders
```

## Use instead
```markdown
# Choosing a grinder
## Burr grinders
```

## Options
- `allow_title_as_h1` (default `false`): accept a page without an H1 when front matter has
  a `title` (for site generators that render the title as the H1)."#,
    options: &[RuleOption {
        name: "allow_title_as_h1",
        default: "false",
        doc: "Accept no H1 when front matter has a title that the template renders as H1.",
    }],
    fixable: false,
};

impl Rule for SingleH1 {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let mut h1s = doc.headings.iter().filter(|h| h.level == 1);
        match h1s.next() {
            None => {
                let title_renders_h1 =
                    ctx.opt_bool("allow_title_as_h1", false) && doc.meta("title").is_some();
                if !title_renders_h1 {
                    out.push(ctx.finding(META.code, "page has no H1 heading", Span::file_start()));
                }
            }
            Some(first) => {
                for extra in h1s {
                    out.push(
                        ctx.finding(
                            META.code,
                            format!("second H1 \"{}\"; a page has one H1", extra.text.trim()),
                            extra.span,
                        )
                        .with_help(format!(
                            "keep \"{}\" as the H1 and make this an H2",
                            first.text.trim()
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn front_matter_title_can_stand_in_for_the_h1() {
        let page = "---\ntitle: Grinders\n---\n\n## Burrs\n\nText.\n";
        assert_eq!(
            check_source(&super::SingleH1, "a.md", page, "", "").len(),
            1
        );
        let allowed = check_source(
            &super::SingleH1,
            "a.md",
            page,
            "",
            "allow_title_as_h1 = true",
        );
        assert!(allowed.is_empty());
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::SingleH1);
    }
}
