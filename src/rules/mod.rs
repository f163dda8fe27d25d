//! The rule engine: registry, rule metadata and the context rules run in.
//!
//! Rules come from three places, all registered in [`registry`]:
//! code-backed rules under `builtin/` (SEO, structured data, E-E-A-T, citations) and `style/`,
//! and declarative rules loaded from the TOML packs in the top-level `rules/` folder.
pub mod builtin;
pub mod byte_mask;
pub mod declarative;
pub mod diagnostics;
pub mod docs;
pub mod engine;
pub mod formula;
pub mod run_prefilter;
pub mod style;
pub mod suppress;
#[cfg(test)]
pub(crate) mod testutil;
pub mod text;
pub mod token_matcher;
pub mod token_scan;

pub use engine::{DocumentCheck, Engine};

use crate::doc::Document;
use crate::finding::{Finding, Severity};

/// Documentation and defaults of one rule; `pressgate rules explain CODE` prints it.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    /// Stable code: `SEO001`, `SD003`, `EEAT002`, `CITE004`, `STYLE010`, `FACT…`.
    pub code: &'static str,
    /// Kebab-case name, e.g. `title-length`.
    pub name: &'static str,
    /// Pack: `seo`, `structured-data`, `eeat`, `citations`, `style`.
    pub pack: &'static str,
    pub default_severity: Severity,
    /// One line: what it checks.
    pub summary: &'static str,
    /// Markdown in fixed sections: `## What it does`, `## Why is this bad?`, `## Example`,
    /// `## Use instead`, `## Options`.
    pub doc: &'static str,
    pub options: &'static [RuleOption],
    /// Whether the rule can offer a safe fix.
    pub fixable: bool,
}

#[derive(Debug, Clone)]
pub struct RuleOption {
    pub name: &'static str,
    /// Default rendered as TOML, e.g. `"300"` or `"[\"click here\"]"`.
    pub default: &'static str,
    pub doc: &'static str,
}

/// What a rule may read besides the document: its options and project-level settings.
pub struct RuleContext<'a> {
    /// Severity in force for this rule (default or configured).
    pub severity: Severity,
    /// Options for this rule from `pressgate.toml` (`[rules.CODE]`), empty when none.
    pub options: &'a toml::Table,
    /// Project-wide settings that several rules read.
    pub settings: &'a Settings,
}

impl RuleContext<'_> {
    pub fn finding(
        &self,
        code: &'static str,
        message: impl Into<std::borrow::Cow<'static, str>>,
        span: crate::Span,
    ) -> Finding {
        Finding::new(code, self.severity, message, span)
    }
    pub fn opt_usize(&self, name: &str, default: usize) -> usize {
        self.options
            .get(name)
            .and_then(|v| v.as_integer())
            .map(|v| v.max(0) as usize)
            .unwrap_or(default)
    }
    pub fn opt_f64(&self, name: &str, default: f64) -> f64 {
        match self.options.get(name) {
            Some(toml::Value::Float(f)) => *f,
            Some(toml::Value::Integer(i)) => *i as f64,
            _ => default,
        }
    }
    pub fn opt_bool(&self, name: &str, default: bool) -> bool {
        self.options
            .get(name)
            .and_then(|v| v.as_bool())
            .unwrap_or(default)
    }
    pub fn opt_strings(&self, name: &str) -> Option<Vec<String>> {
        self.options.get(name).and_then(|v| v.as_array()).map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
    }
}

/// Project-level settings (`[settings]` in `pressgate.toml`), overridable per document by front matter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Primary keyword when front matter has no `primary_keyword`/`keyword`.
    pub primary_keyword: Option<String>,
    /// Treat every page as YMYL (health, finance, legal).
    pub ymyl: bool,
    /// Require an AI-assistance disclosure on every page.
    pub require_ai_disclosure: bool,
    /// Audience for readability: `general`, `expert`, `children`.
    pub audience: Option<String>,
    /// Domains whose citation is an error (added to the built-in content-farm list).
    pub blocked_domains: Vec<String>,
    /// When non-empty, only these cited domains are allowed.
    pub allowed_domains: Vec<String>,
    /// Today's date override (ISO 8601) so date rules are reproducible in tests.
    pub today: Option<String>,
}

/// A rule: metadata plus a check over one document.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &RuleMeta;

    /// Push findings for `doc`. Must not panic on any document and must not do I/O.
    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>);

    /// The rule as a declarative rule, if it is one: the engine then finds the words its
    /// token matcher needs in one scan shared with the other declarative rules.
    fn as_declarative(&self) -> Option<&declarative::DeclarativeRule> {
        None
    }

    /// Whole words (ASCII word bytes, any case) this rule looks for in prose, when it can take
    /// their places from the engine's shared word scan instead of walking the text itself:
    /// the engine then calls [`Rule::check_with_hits`] in place of [`Rule::check`].
    fn scan_words(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// [`Rule::check`], given the shared scan of `doc` for (at least) [`Rule::scan_words`].
    /// Must push the same findings as [`Rule::check`].
    fn check_with_hits(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        _hits: declarative::SharedHits<'_>,
        out: &mut Vec<Finding>,
    ) {
        self.check(ctx, doc, out)
    }

    /// Rules that compare documents (duplicate titles) return a small summary of each document
    /// here, so a large corpus can be checked without keeping every document in memory. The
    /// engine calls it for every checked document, with the rule's project-level context.
    fn set_entry(&self, _ctx: &RuleContext, _doc: &Document) -> Option<SetEntry> {
        None
    }

    /// Compare the summaries from [`Rule::set_entry`]: `(entry index, finding)` pairs. A finding
    /// should point at its entry's span: inline suppressions are judged at that span.
    fn check_set_entries(
        &self,
        _ctx: &RuleContext,
        _entries: &[SetEntry],
    ) -> Vec<(usize, Finding)> {
        Vec::new()
    }

    /// Set-level findings over whole documents, as `(document index, finding)` pairs. The
    /// default runs [`Rule::set_entry`] and [`Rule::check_set_entries`]; rules should implement
    /// those instead, as the streaming check (`pressgate check`) only uses them.
    fn check_set(&self, ctx: &RuleContext, docs: &[&Document]) -> Vec<(usize, Finding)> {
        let mut owners = Vec::new();
        let mut entries = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            if let Some(entry) = self.set_entry(ctx, doc) {
                owners.push(i);
                entries.push(entry);
            }
        }
        self.check_set_entries(ctx, &entries)
            .into_iter()
            .filter_map(|(k, f)| owners.get(k).map(|&i| (i, f)))
            .collect()
    }
}

/// What a set-level rule keeps of one document: the text it compares and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetEntry {
    /// The document's path as given to the engine (named in messages).
    pub path: String,
    /// The compared text, already normalised by the rule.
    pub key: String,
    /// Where findings about this document point.
    pub span: crate::Span,
}

/// Every code-backed and declarative rule, in code order. Declarative rules here are the
/// embedded packs; [`Engine::from_config`] adds a project's own packs.
pub fn registry() -> Vec<Box<dyn Rule>> {
    let mut rules = builtin::all();
    rules.extend(style::all());
    rules.extend(diagnostics::all());
    rules.extend(crate::verify::rules::all());
    // The audit's HTTP, link and site codes: documented and configurable like page rules.
    rules.extend(crate::audit::codes::all());
    rules.extend(
        declarative::embedded()
            .iter()
            .map(|r| Box::new(std::sync::Arc::clone(r)) as Box<dyn Rule>),
    );
    rules.sort_by(|a, b| a.meta().code.cmp(b.meta().code));
    rules
}

/// Whether selector `sel` (a pack name, a code, or a code prefix) picks `meta`.
pub fn selector_matches(sel: &str, meta: &RuleMeta) -> bool {
    sel.eq_ignore_ascii_case(meta.pack) || meta.code.starts_with(sel)
}
