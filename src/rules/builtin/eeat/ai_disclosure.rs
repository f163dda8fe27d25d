//! EEAT006: AI-assisted pages say so.
use crate::doc::Document;
use crate::finding::{Finding, Severity};
use crate::rules::builtin::support::page;
use crate::rules::builtin::support::pattern::compile;
use crate::rules::{Rule, RuleContext, RuleMeta};
use crate::span::Span;
use regex::Regex;
use std::sync::LazyLock;

pub struct AiDisclosureMissing;

const META: RuleMeta = RuleMeta {
    code: "EEAT006",
    name: "ai-disclosure-missing",
    pack: "eeat",
    default_severity: Severity::Error,
    summary: "An AI-assisted page has no visible AI-assistance disclosure.",
    doc: r#"## What it does
When a disclosure is required (`[settings] require_ai_disclosure = true`, or front matter
`ai_disclosure: true`, `ai_assisted: true` or `ai_generated: true`; `ai_disclosure: false`
opts a page out), looks for a visible statement such as "This article was written with
the help of AI", "AI-assisted", or "generated using a language model".

## Why is this bad?
Readers are entitled to know how content was made; several publishers' policies and some
regulations require the disclosure, and hiding it erodes trust when it comes out.

## Example
An article drafted with a language model whose text never mentions it.

## Use instead
```markdown
*This article was drafted with AI assistance and reviewed by our editors.*
```

## Options
None (the requirement comes from settings or front matter)."#,
    options: &[],
    fixable: false,
};

static DISCLOSURE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?ix)
        \bAI[-\s](?:assisted|assistance|generated|written|drafted|supported|aided)\b
        | \b(?:written|drafted|created|generated|produced|prepared|composed|edited)\s+
          (?:with|using|by|through)\s+(?:the\s+)?(?:help\s+of\s+|assistance\s+of\s+|aid\s+of\s+|support\s+of\s+)?
          (?:an?\s+)?(?:AI|artificial\s+intelligence|generative|large\s+language|language\s+model|LLM|ChatGPT|machine)
        | \b(?:with|using)\s+(?:the\s+)?(?:help|assistance|aid|support)\s+of\s+(?:an?\s+)?(?:AI|artificial\s+intelligence|generative|language\s+model|LLM)
        | \bAI\s+disclosure\b
        | \bassisted\s+by\s+(?:an?\s+)?(?:AI|artificial\s+intelligence|language\s+model)",
    )
});

/// Whether `text` discloses AI assistance.
fn discloses_ai(text: &str) -> bool {
    DISCLOSURE.is_match(text)
}

impl Rule for AiDisclosureMissing {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if !page::requires_ai_disclosure(doc, ctx.settings) {
            return;
        }
        if page::prose_blocks(doc).any(|b| discloses_ai(&b.text)) {
            return;
        }
        out.push(
            ctx.finding(
                META.code,
                "page needs an AI-assistance disclosure but has none",
                Span::file_start(),
            )
            .with_help("add a visible line such as \"This article was written with AI assistance and reviewed by <editor>.\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::discloses_ai;

    #[test]
    fn recognises_disclosure_wordings() {
        assert!(discloses_ai(
            "This article was written with the help of AI."
        ));
        assert!(discloses_ai(
            "Drafted using a large language model and edited by Jane."
        ));
        assert!(discloses_ai(
            "AI-assisted content, reviewed by our editors."
        ));
        assert!(discloses_ai("Created with AI assistance."));
        assert!(discloses_ai("Written with the assistance of an AI tool."));
        assert!(!discloses_ai("We used a burr grinder for all tests."));
        assert!(!discloses_ai("Airflow matters when roasting."));
    }

    #[test]
    fn fixtures() {
        crate::rules::builtin::testutil::assert_fixtures(&super::AiDisclosureMissing);
    }
}
