//! SEO006: heading levels go down one step at a time.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct HeadingLevelSkipped;

const META: RuleMeta = RuleMeta {
    code: "SEO006",
    name: "heading-level-skipped",
    pack: "seo",
    default_severity: Severity::Warning,
    summary: "A heading is more than one level deeper than the heading before it.",
    doc: r#"## What it does
Walks the headings in order and reports one that skips a level, such as an H4 right after
an H2. The page is treated as starting at level 1 (its H1 or rendered title).

## Why is this bad?
Heading levels are the outline of the page. Skipped levels break the outline for screen
readers and make the structure harder for search engines to read.

## Example
```markdown
## Burr grinders
#### Flat burrs
```

## Use instead
```markdown
## Burr grinders
### Flat burrs
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for HeadingLevelSkipped {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let mut previous = 1u8;
        for heading in &doc.headings {
            if heading.level > previous.saturating_add(1) {
                let expected = previous + 1;
                out.push(
                    ctx.finding(
                        META.code,
                        format!(
                            "H{} \"{}\" follows an H{previous}; expected H{expected}",
                            heading.level,
                            heading.text.trim()
                        ),
                        heading.span,
                    )
                    .with_help(format!("make this an H{expected}")),
                );
            }
            previous = heading.level;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::HeadingLevelSkipped);
    }
}
