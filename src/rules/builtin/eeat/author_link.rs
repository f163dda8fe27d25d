//! EEAT004: the author links to an author page or profile.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::jsonld;
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct AuthorLinkMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT004",
    name: "author-link-missing",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "The author is named but links to no author page or profile.",
    doc: r#"## What it does
When the page names an author (byline or JSON-LD), checks that some author link exists:
the byline's link (front matter `author.url`/`author_url`, "By [Jane](/authors/jane)"),
a `rel="author"` link, or a JSON-LD author `url`/`sameAs`.

## Why is this bad?
An author page shows the person's background and other work, which is how readers and
search engines judge experience and expertise. A bare name cannot be checked.

## Example
```markdown
By Jane Doe
```

## Use instead
```markdown
By [Jane Doe](/authors/jane-doe)
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for AuthorLinkMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let byline = doc.byline.as_ref().filter(|b| !b.name.trim().is_empty());
        let authors = jsonld::article_authors(doc);
        if byline.is_none() && authors.is_empty() {
            return; // EEAT001 reports pages without any author.
        }
        let byline_linked =
            byline.is_some_and(|b| b.url.as_deref().is_some_and(|u| !u.trim().is_empty()));
        let rel_author = doc
            .links
            .iter()
            .any(|l| l.rel.iter().any(|r| r == "author") && !l.href.trim().is_empty());
        let json_ld_profile = authors.iter().any(|a| a.has_profile);
        if byline_linked || rel_author || json_ld_profile {
            return;
        }
        let (name, span) = match byline {
            Some(b) => (b.name.trim().to_owned(), b.span),
            None => (authors[0].name.clone(), authors[0].span),
        };
        out.push(
            ctx.finding(
                META.code,
                format!("author \"{name}\" links to no author page or profile"),
                span,
            )
            .with_help(
                "link the byline to an author page, or add url/sameAs to the JSON-LD author",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::AuthorLinkMissing);
    }
}
