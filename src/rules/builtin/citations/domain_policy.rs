//! CITE005: cited domains respect the project's allow and block lists.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{page, urls};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;
use std::sync::LazyLock;

pub struct CitedDomainNotAllowed;

/// Built-in content-farm list, one domain per line (`#` comments).
static CONTENT_FARMS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    include_str!("content_farms.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

const META: RuleMeta = RuleMeta {
    code: "CITE005",
    name: "cited-domain-not-allowed",
    pack: "citations",
    default_severity: Severity::Error,
    summary:
        "A cited domain is blocked (content farm, `blocked_domains`) or not in `allowed_domains`.",
    doc: r#"## What it does
Checks the domain of every reference URL and every link in the body (links to the page's
own site, taken from its canonical URL, and author links are not citations and are skipped):
- a domain on the built-in content-farm list or in `[settings] blocked_domains`
  (subdomains included) is reported;
- when `[settings] allowed_domains` is non-empty, any other domain is reported.

## Why is this bad?
A citation is only as good as its source. Content farms and article directories recycle
unverified claims; many publications keep a list of sources they accept.

## Example
```markdown
1. [Is espresso bad for you?](https://www.ehow.com/espresso-health.html)
```

## Use instead
Cite the study or the authority itself, e.g. a journal article or a health agency page.

## Options
- `use_default_blocklist` (default `true`): also block the built-in content-farm list."#,
    options: &[RuleOption {
        name: "use_default_blocklist",
        default: "true",
        doc: "Block the built-in list of content farms in addition to `blocked_domains`.",
    }],
    fixable: false,
};

impl Rule for CitedDomainNotAllowed {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let use_default = ctx.opt_bool("use_default_blocklist", true);
        let allowed = &ctx.settings.allowed_domains;
        let mut judge = |url: &str, span: Span| {
            let Some(host) = urls::host(url) else { return };
            let blocked_by_settings = ctx
                .settings
                .blocked_domains
                .iter()
                .find(|d| urls::host_in_domain(&host, d));
            let message = if let Some(domain) = blocked_by_settings {
                format!("cited domain {host} is blocked (blocked_domains: {domain})")
            } else if let Some(farm) = use_default
                .then(|| {
                    CONTENT_FARMS
                        .iter()
                        .find(|d| urls::host_in_domain(&host, d))
                })
                .flatten()
            {
                format!("cited domain {host} is a content farm ({farm})")
            } else if !allowed.is_empty() && !allowed.iter().any(|d| urls::host_in_domain(&host, d))
            {
                format!("cited domain {host} is not in allowed_domains")
            } else {
                return;
            };
            out.push(ctx.finding(META.code, message, span));
        };
        for reference in &doc.references {
            if let Some(url) = &reference.url {
                judge(url, reference.span);
            }
        }
        // Links to the page's own site (its canonical host) and author links are navigation,
        // not citations.
        let own_host = doc.canonical.as_ref().and_then(|c| urls::host(&c.text));
        let byline_span = doc.byline.as_ref().map(|b| b.span);
        for link in &doc.links {
            let internal = urls::host(&link.href)
                .zip(own_host.as_deref())
                .is_some_and(|(host, own)| urls::host_in_domain(&host, own));
            let author_link = link.rel.iter().any(|r| r == "author")
                || byline_span
                    .is_some_and(|b| b.start <= link.span.start && link.span.end <= b.end);
            if !internal && !author_link && !page::in_references(doc, link.span) {
                judge(&link.href, link.span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CONTENT_FARMS;

    use crate::doc::{parse, Format};
    use crate::rules::builtin::testutil::run_rule;
    use crate::rules::{RuleContext, Settings};

    #[test]
    fn allowed_domains_limit_citations_but_not_internal_links() {
        let source = "---\ncanonical: https://example.com/guide\n---\n\n# Grinders\n\n\
            See our [burr guide](https://example.com/burrs) and a [study](https://www.nature.com/articles/x) \
            and a [blog post](https://someblog.net/post).\n";
        let doc = parse("a.md", source, Format::Markdown);
        let settings = Settings {
            allowed_domains: vec!["nature.com".into()],
            ..Settings::default()
        };
        let options = toml::Table::new();
        let ctx = RuleContext {
            severity: crate::Severity::Error,
            options: &options,
            settings: &settings,
        };
        let found = run_rule(
            &super::CitedDomainNotAllowed,
            &ctx,
            std::slice::from_ref(&doc),
        );
        let messages: Vec<&str> = found[0].iter().map(|f| &*f.message).collect();
        assert_eq!(
            messages,
            vec!["cited domain someblog.net is not in allowed_domains"]
        );
    }

    #[test]
    fn embedded_list_is_clean() {
        assert!(CONTENT_FARMS.len() >= 10);
        assert!(CONTENT_FARMS
            .iter()
            .all(|d| d.contains('.') && !d.contains(' ')));
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::CitedDomainNotAllowed);
    }
}
