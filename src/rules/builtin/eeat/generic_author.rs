//! EEAT003: the author is a real person, not a role, a team or an AI tool.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::{jsonld, names, options};
use crate::rules::{Rule, RuleContext, RuleMeta, RuleOption};
use crate::span::Span;
use std::sync::LazyLock;

pub struct GenericAuthor;

/// Default of `generic_names`, as shown by `rules explain`.
const DEFAULT_GENERIC_NAMES: &str = r#"["admin", "administrator", "staff", "staff writer", "editor", "editors", "editorial team", "editorial staff", "the editors", "team", "the team", "content team", "marketing team", "webmaster", "guest", "guest author", "anonymous", "unknown", "user", "author", "contributor", "ai writer", "ai assistant", "ai", "bot", "chatgpt", "gpt", "gpt-4", "gpt-4o", "openai", "claude", "gemini", "bard", "copilot", "jasper", "llama"]"#;

/// `DEFAULT_GENERIC` normalised once, the way names are compared.
static DEFAULT_KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
    options::string_list(DEFAULT_GENERIC_NAMES)
        .iter()
        .map(|n| names::name_words(n).join(" "))
        .collect()
});

/// Words that make any name an AI tool, e.g. "ChatGPT Writer" or "Acme AI Bot".
const AI_WORDS: &[&str] = &["ai", "chatgpt", "gpt", "openai", "bot", "llm", "copilot"];

const META: RuleMeta = RuleMeta {
    code: "EEAT003",
    name: "generic-author",
    pack: "eeat",
    default_severity: Severity::Warning,
    summary: "The author is a generic role (\"Admin\", \"Staff\", \"Team\") or an AI tool.",
    doc: r#"## What it does
Checks the byline and the JSON-LD author names against a list of generic names (roles
such as "Admin", "Staff", "Editor", "Team") and AI tool names ("ChatGPT", "AI Writer");
a name that contains a word like "AI", "GPT" or "Bot" is reported too.

## Why is this bad?
Authorship is meant to tell readers who is accountable and what experience stands behind
the text. A role or a tool name says neither.

## Example
```markdown
author: Admin
```

## Use instead
```markdown
author:
  name: Jane Doe
  url: /authors/jane-doe
```

## Options
- `generic_names` (default: about 35 roles and AI tool names): names to report,
  compared case-insensitively after removing punctuation."#,
    options: &[RuleOption {
        name: "generic_names",
        default: DEFAULT_GENERIC_NAMES,
        doc: "Author names that identify no real person.",
    }],
    fixable: false,
};

impl Rule for GenericAuthor {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        let configured: Option<Vec<String>> = ctx.opt_strings("generic_names").map(|list| {
            list.iter()
                .map(|n| names::name_words(n).join(" "))
                .collect()
        });
        let generic: &[String] = configured.as_deref().unwrap_or(&DEFAULT_KEYS);
        let is_generic = |name: &str| {
            let words = names::name_words(name);
            let joined = words.join(" ");
            let joined = joined.strip_prefix("the ").unwrap_or(&joined);
            generic.iter().any(|g| g == joined)
                || words.iter().any(|w| AI_WORDS.contains(&w.as_str()))
        };
        let mut reported: Vec<String> = Vec::new();
        if let Some(byline) = &doc.byline {
            if is_generic(&byline.name) {
                reported.push(names::name_words(&byline.name).join(" "));
                out.push(finding(ctx, &byline.name, "byline", byline.span));
            }
        }
        for author in jsonld::article_authors(doc) {
            let key = names::name_words(&author.name).join(" ");
            if !author.name.is_empty() && is_generic(&author.name) && !reported.contains(&key) {
                out.push(finding(ctx, &author.name, "JSON-LD author", author.span));
                reported.push(key);
            }
        }
    }
}

fn finding(ctx: &RuleContext, name: &str, place: &str, span: Span) -> Finding {
    ctx.finding(
        META.code,
        format!("{place} \"{}\" is not a real person's name", name.trim()),
        span,
    )
    .with_help("credit the person who wrote or reviewed the article, with a link to their profile")
}

#[cfg(test)]
mod tests {
    use crate::rules::builtin::testutil::check_source;
    #[test]
    fn ai_words_in_a_name_and_configured_names_are_generic() {
        let page = |name: &str| format!("---\nauthor: {name}\n---\n\nText.\n");
        let rule = &super::GenericAuthor;
        assert_eq!(
            check_source(rule, "a.md", &page("Acme AI Bot"), "", "").len(),
            1
        );
        assert_eq!(
            check_source(rule, "a.md", &page("The Staff"), "", "").len(),
            1
        );
        assert!(check_source(rule, "a.md", &page("Aileen Botha"), "", "").is_empty());
        let custom = "generic_names = [\"Coffee Desk\"]";
        assert_eq!(
            check_source(rule, "a.md", &page("Coffee Desk"), "", custom).len(),
            1
        );
        assert!(check_source(rule, "a.md", &page("Admin"), "", custom).is_empty());
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::GenericAuthor);
    }
}
