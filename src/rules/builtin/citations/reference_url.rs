//! CITE004: references have http(s) URLs.
use crate::doc::{CitationKind, Document};
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::urls;
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};

pub struct ReferenceUrlMissing;

const META: RuleMeta = RuleMeta {
    code: "CITE004",
    name: "reference-url-missing",
    pack: "citations",
    default_severity: Severity::Warning,
    summary: "A reference has no URL, or a URL that is not http(s).",
    doc: r#"## What it does
Reports references without a URL and references whose URL is not an absolute `http://`
or `https://` address (relative paths, `file:`, `javascript:`...). Footnotes (`[^note]`)
without any URL are usually explanatory notes rather than sources, so they are skipped
unless `footnotes_need_url` is true.

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
- `footnotes_need_url` (default `false`): also require a URL in footnotes."#,
    options: &[RuleOption {
        name: "footnotes_need_url",
        default: "false",
        doc: "Require a URL in footnote definitions too, not only in the references list.",
    }],
    fixable: false,
};

impl Rule for ReferenceUrlMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let footnotes_need_url = ctx.opt_bool("footnotes_need_url", false);
        for reference in &doc.references {
            let message = match reference.url.as_deref().map(str::trim) {
                None | Some("") if !footnotes_need_url && is_footnote(doc, &reference.label) => {
                    continue
                }
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

/// Whether `label` is cited as a footnote (`[^label]`) rather than a numbered reference.
fn is_footnote(doc: &Document, label: &str) -> bool {
    doc.citations
        .iter()
        .any(|c| c.kind == CitationKind::Footnote && c.label.trim() == label.trim())
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::ReferenceUrlMissing);
    }
}
