//! CITE004: references have http(s) URLs.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::urls;
use crate::rules::{Rule, RuleContext, RuleMeta};

pub struct ReferenceUrlMissing;

const META: RuleMeta = RuleMeta {
    code: "CITE004",
    name: "reference-url-missing",
    pack: "citations",
    default_severity: Severity::Warning,
    summary: "A reference has no URL, or a URL that is not http(s).",
    doc: r#"## What it does
Reports references without a URL and references whose URL is not an absolute `http://`
or `https://` address (relative paths, `file:`, `javascript:`...).

## Why is this bad?
Readers, editors and pressgate's fact-checker can only follow a reference that links to
its source. A title alone cannot be verified.

## Example
```markdown
## References
1. Smith, J. "Grind size and extraction". Coffee Journal, 2021.
```

## Use instead
```markdown
## References
1. Smith, J. ["Grind size and extraction"](https://doi.org/10.1000/cj.2021.12). Coffee Journal, 2021.
```

## Options
None."#,
    options: &[],
    fixable: false,
};

impl Rule for ReferenceUrlMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        for reference in &doc.references {
            let message = match reference.url.as_deref().map(str::trim) {
                None | Some("") => format!("reference {} has no URL", reference.label.trim()),
                Some(url) if !urls::is_http(url) => format!(
                    "reference {} URL \"{url}\" is not an absolute http(s) URL",
                    reference.label.trim()
                ),
                Some(_) => continue,
            };
            out.push(ctx.finding(META.code, message, reference.span));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ReferenceUrlMissing);
    }
}
