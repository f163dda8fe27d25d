//! Declarative rules (Vale-like) loaded from TOML packs: the packs in the top-level `rules/`
//! folder are embedded in the binary; a project adds more with `packs = ["dir"]`.
//!
//! A pack file:
//!
//! ```toml
//! pack = "style"
//! [[rule]]
//! code = "STYLE001"
//! name = "filler-phrases"
//! kind = "existence"          # existence | substitution | occurrence | metric | readability
//!                             # | conditional | capitalization
//! severity = "warning"
//! message = "Cut the filler phrase '%s'"   # %s: the match (or the measured value);
//!                                          # %r: the replacement (substitution, capitalization)
//! summary = "Filler phrases that add words but no meaning"
//! tokens = ["needless to say"]
//! [rule.doc]
//! what = "..."; why = "..."; example = "..."; use_instead = "..."
//! ```
//!
//! A rule may set its own `pack = "..."`; otherwise it belongs to the file's pack.
//!
//! Every matcher is compiled once when the pack loads; checking allocates only for findings.
use super::formula::{Counts, Expr, Var};
use super::run_prefilter::RunPrefilter;
use super::token_matcher::TokenMatcher;
use super::token_scan::DocumentHits;
use super::{text, Rule, RuleContext, RuleMeta, RuleOption};
use crate::doc::{BlockKind, Document, OffsetMap};
use crate::error::{Error, Result};
use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::span::Span;
use regex::Regex;
use serde::Deserialize;
use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The packs shipped in the binary: (file name, TOML text).
const EMBEDDED_PACKS: &[(&str, &str)] =
    &[("rules/style.toml", include_str!("../../rules/style.toml"))];

/// Embedded rules, compiled on first use and shared by every engine.
pub fn embedded() -> &'static [Arc<DeclarativeRule>] {
    static RULES: OnceLock<Vec<Arc<DeclarativeRule>>> = OnceLock::new();
    // The embedded packs are part of the build and a unit test loads them, so a failure here
    // can only come from a broken build; it yields no declarative rules rather than a panic.
    RULES.get_or_init(|| load_embedded().unwrap_or_default())
}

/// Compile the embedded packs, reporting the first error.
pub fn load_embedded() -> Result<Vec<Arc<DeclarativeRule>>, String> {
    let mut all = Vec::new();
    for (name, text) in EMBEDDED_PACKS {
        all.extend(load_pack(text, name)?.into_iter().map(Arc::new));
    }
    Ok(all)
}

/// Every `*.toml` pack in `dir`, in file-name order.
pub fn load_pack_dir(dir: &Path) -> Result<Vec<Arc<DeclarativeRule>>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut rules = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        let loaded =
            load_pack(&text, &file.display().to_string()).map_err(|message| Error::Config {
                path: file.clone(),
                message,
            })?;
        rules.extend(loaded.into_iter().map(Arc::new));
    }
    Ok(rules)
}

/// Compile one pack; `origin` names it in errors.
pub fn load_pack(text: &str, origin: &str) -> Result<Vec<DeclarativeRule>, String> {
    let pack: PackFile = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    let pack_name = leak(pack.pack);
    pack.rules
        .into_iter()
        .map(|spec| {
            let code = spec.code.clone();
            let pack = match &spec.pack {
                Some(p) => leak(p.clone()),
                None => pack_name,
            };
            DeclarativeRule::compile(spec, pack).map_err(|e| format!("{origin}: rule {code}: {e}"))
        })
        .collect()
}

/// Rule metadata needs `&'static str`; packs load once per process (embedded) or once per
/// engine (project packs), so the leaked text is bounded by the size of the packs.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: String,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RuleSpec {
    code: String,
    /// Overrides the file's `pack`.
    pack: Option<String>,
    name: String,
    kind: String,
    severity: String,
    message: String,
    summary: String,
    help: Option<String>,
    /// Which text: `text` (blocks), `heading`, or `all` (default).
    scope: Option<String>,
    /// Unit for occurrence and metric: `document`, `paragraph`, `sentence`.
    per: Option<String>,
    ignorecase: Option<bool>,
    /// Tokens are not whole words (no word boundaries added), e.g. `!`.
    nonword: bool,
    tokens: Vec<String>,
    patterns: Vec<String>,
    swap: BTreeMap<String, String>,
    /// `safe` (default) or `unsafe`, for substitution fixes.
    fix: Option<String>,
    max: Option<f64>,
    min: Option<f64>,
    formula: Option<String>,
    measure: Option<String>,
    ranges: BTreeMap<String, Bounds>,
    min_words: Option<usize>,
    first: Option<String>,
    second: Option<String>,
    exceptions: Vec<String>,
    case: Option<String>,
    /// Capitalization: headings above this level (the page title) are not checked.
    min_level: Option<u8>,
    doc: DocSpec,
}

#[derive(Deserialize, Default, Clone, Copy, Debug)]
#[serde(deny_unknown_fields, default)]
struct Bounds {
    min: Option<f64>,
    max: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DocSpec {
    what: String,
    why: String,
    example: String,
    use_instead: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Text,
    Heading,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Per {
    Document,
    Paragraph,
    Sentence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    FleschReadingEase,
    FleschKincaidGrade,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Title,
    Sentence,
}

impl Case {
    fn parse(s: &str) -> Result<Case, String> {
        match s {
            "title" => Ok(Case::Title),
            "sentence" => Ok(Case::Sentence),
            other => Err(format!(
                "unknown case `{other}` (expected title or sentence)"
            )),
        }
    }
}

#[derive(Debug)]
enum Kind {
    Existence {
        matcher: TokenMatcher,
    },
    Substitution {
        matcher: TokenMatcher,
        /// Wrong (lower-cased when ignoring case) to right.
        swaps: HashMap<String, String>,
        applicability: Applicability,
    },
    Occurrence {
        matcher: TokenMatcher,
        per: Per,
        max: Option<f64>,
        min: Option<f64>,
    },
    Metric {
        formula: Expr,
        per: Per,
        max: Option<f64>,
        min: Option<f64>,
    },
    Readability {
        measure: Measure,
        ranges: BTreeMap<String, Bounds>,
        min_words: usize,
    },
    Conditional {
        first: Regex,
        second: Regex,
        /// Runs of bytes that every match of `first` / `second` holds: segments without one
        /// are skipped without running the regex.
        first_run: Option<Box<RunPrefilter>>,
        second_run: Option<Box<RunPrefilter>>,
        exceptions: HashSet<String>,
    },
    Capitalization {
        case: Case,
        exceptions: HashSet<String>,
        min_level: u8,
    },
}

/// One compiled declarative rule.
#[derive(Debug)]
pub struct DeclarativeRule {
    meta: RuleMeta,
    message: String,
    help: Option<String>,
    scope: Scope,
    ignorecase: bool,
    kind: Kind,
}

/// Build one regex from literal tokens and raw patterns.
fn matcher(spec: &RuleSpec, ignorecase: bool) -> Result<TokenMatcher, String> {
    let mut alts: Vec<String> = Vec::new();
    for t in &spec.tokens {
        if t.trim().is_empty() {
            return Err("empty token".into());
        }
        // Typographic apostrophes are as common as straight ones in published text.
        let escaped = regex::escape(t).replace('\'', "['’]").replace(' ', r"\s+");
        alts.push(escaped);
    }
    alts.extend(spec.patterns.iter().cloned());
    if alts.is_empty() {
        return Err("needs `tokens` or `patterns`".into());
    }
    // ASCII word boundaries keep the matcher on the fast DFA path for non-ASCII text.
    let (pre, post) = if spec.nonword {
        ("", "")
    } else {
        (r"(?-u:\b)", r"(?-u:\b)")
    };
    let flags = if ignorecase { "(?i)" } else { "" };
    let src = format!("{flags}{pre}(?:{}){post}", alts.join("|"));
    let regex = Regex::new(&src).map_err(|e| format!("bad pattern: {e}"))?;
    Ok(if spec.nonword || !spec.patterns.is_empty() {
        TokenMatcher::new(regex, &spec.tokens, !spec.patterns.is_empty(), ignorecase)
    } else {
        TokenMatcher::whole_words(regex, &spec.tokens, ignorecase)
    })
}

fn parse_per(s: Option<&str>, allowed: &[Per]) -> Result<Per, String> {
    let per = match s.unwrap_or("document") {
        "document" => Per::Document,
        "paragraph" => Per::Paragraph,
        "sentence" => Per::Sentence,
        other => return Err(format!("unknown `per` value `{other}`")),
    };
    if allowed.contains(&per) {
        Ok(per)
    } else {
        Err(format!("`per = {per:?}` is not supported by this kind"))
    }
}

fn toml_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn opt_default(v: Option<f64>) -> String {
    v.map(toml_num).unwrap_or_else(|| "none".into())
}

fn option(name: &'static str, default: String, doc: &'static str) -> RuleOption {
    RuleOption {
        name,
        default: leak(default),
        doc,
    }
}

impl DeclarativeRule {
    fn compile(spec: RuleSpec, pack: &'static str) -> Result<DeclarativeRule, String> {
        if spec.code.is_empty() || spec.name.is_empty() || spec.message.is_empty() {
            return Err("needs `code`, `name` and `message`".into());
        }
        if spec.summary.is_empty() || spec.doc.what.is_empty() || spec.doc.why.is_empty() {
            return Err("needs `summary` and `[rule.doc]` with `what` and `why`".into());
        }
        let severity: Severity = spec.severity.parse()?;
        let ignorecase = spec.ignorecase.unwrap_or(true);
        let scope = match spec.scope.as_deref().unwrap_or("all") {
            "text" => Scope::Text,
            "heading" => Scope::Heading,
            "all" => Scope::All,
            other => {
                return Err(format!(
                    "unknown scope `{other}` (expected text, heading or all)"
                ))
            }
        };
        let mut options = Vec::new();
        let mut fixable = false;
        let kind = match spec.kind.as_str() {
            "existence" => Kind::Existence {
                matcher: matcher(&spec, ignorecase)?,
            },
            "substitution" => {
                if spec.swap.is_empty() {
                    return Err("substitution needs a `swap` table".into());
                }
                let applicability = match spec.fix.as_deref().unwrap_or("safe") {
                    "safe" => Applicability::Safe,
                    "unsafe" => Applicability::Unsafe,
                    other => return Err(format!("unknown fix `{other}` (expected safe or unsafe)")),
                };
                fixable = applicability == Applicability::Safe;
                let mut with_keys = RuleSpec {
                    tokens: spec.swap.keys().cloned().collect(),
                    nonword: spec.nonword,
                    ..RuleSpec::default()
                };
                // Longest first, so "in order to" wins over a shorter overlapping key.
                with_keys.tokens.sort_by_key(|t| std::cmp::Reverse(t.len()));
                let swaps = spec
                    .swap
                    .iter()
                    .map(|(k, v)| (swap_key(k, ignorecase), v.clone()))
                    .collect();
                Kind::Substitution {
                    matcher: matcher(&with_keys, ignorecase)?,
                    swaps,
                    applicability,
                }
            }
            "occurrence" => {
                if spec.max.is_none() && spec.min.is_none() {
                    return Err("occurrence needs `max` or `min`".into());
                }
                options.push(option("max", opt_default(spec.max), "Most matches allowed per unit."));
                options.push(option("min", opt_default(spec.min), "Fewest matches required per unit."));
                Kind::Occurrence {
                    matcher: matcher(&spec, ignorecase)?,
                    per: parse_per(spec.per.as_deref(), &[Per::Document, Per::Paragraph])?,
                    max: spec.max,
                    min: spec.min,
                }
            }
            "metric" => {
                let src = spec.formula.as_deref().ok_or("metric needs a `formula`")?;
                if spec.max.is_none() && spec.min.is_none() {
                    return Err("metric needs `max` or `min`".into());
                }
                options.push(option("max", opt_default(spec.max), "Highest value allowed."));
                options.push(option("min", opt_default(spec.min), "Lowest value allowed."));
                Kind::Metric {
                    formula: Expr::parse(src)?,
                    per: parse_per(
                        spec.per.as_deref(),
                        &[Per::Document, Per::Paragraph, Per::Sentence],
                    )?,
                    max: spec.max,
                    min: spec.min,
                }
            }
            "readability" => {
                let measure = match spec.measure.as_deref().unwrap_or("flesch_reading_ease") {
                    "flesch_reading_ease" => Measure::FleschReadingEase,
                    "flesch_kincaid_grade" => Measure::FleschKincaidGrade,
                    other => {
                        return Err(format!(
                            "unknown measure `{other}` (expected flesch_reading_ease or flesch_kincaid_grade)"
                        ))
                    }
                };
                if !spec.ranges.contains_key("general") {
                    return Err("readability needs `ranges.general`".into());
                }
                let min_words = spec.min_words.unwrap_or(100);
                options.push(option(
                    "min_words",
                    min_words.to_string(),
                    "Documents with fewer words are not scored.",
                ));
                options.push(option(
                    "min",
                    "none".into(),
                    "Lowest score allowed; replaces the audience range.",
                ));
                options.push(option(
                    "max",
                    "none".into(),
                    "Highest score allowed; replaces the audience range.",
                ));
                Kind::Readability {
                    measure,
                    ranges: spec.ranges.clone(),
                    min_words,
                }
            }
            "conditional" => {
                let first = spec.first.as_deref().ok_or("conditional needs `first`")?;
                let second = spec.second.as_deref().ok_or("conditional needs `second`")?;
                options.push(option(
                    "exceptions",
                    toml_list(&spec.exceptions),
                    "Terms that never need the second pattern; configured ones are added.",
                ));
                Kind::Conditional {
                    first: Regex::new(first).map_err(|e| format!("bad `first`: {e}"))?,
                    second: Regex::new(second).map_err(|e| format!("bad `second`: {e}"))?,
                    first_run: RunPrefilter::of(first).map(Box::new),
                    second_run: RunPrefilter::of(second).map(Box::new),
                    exceptions: spec.exceptions.iter().cloned().collect(),
                }
            }
            "capitalization" => {
                let case = Case::parse(spec.case.as_deref().unwrap_or("sentence"))?;
                options.push(option(
                    "case",
                    format!("\"{}\"", spec.case.as_deref().unwrap_or("sentence")),
                    "`sentence` or `title`.",
                ));
                options.push(option(
                    "exceptions",
                    toml_list(&spec.exceptions),
                    "Words kept as written (proper nouns); configured ones are added.",
                ));
                let min_level = spec.min_level.unwrap_or(1);
                options.push(option(
                    "min_level",
                    min_level.to_string(),
                    "Shallowest heading level checked (2 leaves the H1 title alone).",
                ));
                Kind::Capitalization {
                    case,
                    exceptions: spec.exceptions.iter().cloned().collect(),
                    min_level,
                }
            }
            other => {
                return Err(format!(
                    "unknown kind `{other}` (expected existence, substitution, occurrence, metric, readability, conditional or capitalization)"
                ))
            }
        };
        let doc = render_doc(&spec, &options);
        let meta = RuleMeta {
            code: leak(spec.code),
            name: leak(spec.name),
            pack,
            default_severity: severity,
            summary: leak(spec.summary),
            doc: leak(doc),
            options: Box::leak(options.into_boxed_slice()),
            fixable,
        };
        Ok(DeclarativeRule {
            meta,
            message: spec.message,
            help: spec.help,
            scope,
            ignorecase,
            kind,
        })
    }

    fn message(&self, value: &str, replacement: &str) -> String {
        // One pass when the second replacement cannot change anything: no `%r` in the
        // template, and no `%` that could start one next to the inserted value.
        if !self.message.contains('%') {
            return self.message.clone();
        }
        if !value.contains('%') && !self.message.contains("%r") && !self.message.contains("%%") {
            return self.message.replace("%s", value);
        }
        self.message.replace("%s", value).replace("%r", replacement)
    }

    fn finding(&self, ctx: &RuleContext, message: String, span: Span) -> Finding {
        let f = ctx.finding(self.meta.code, message, span);
        match &self.help {
            Some(h) => f.with_help(h.clone()),
            None => f,
        }
    }
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn swap_key(s: &str, ignorecase: bool) -> String {
    let s = s.replace('’', "'");
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if ignorecase {
        s.to_lowercase()
    } else {
        s
    }
}

fn render_doc(spec: &RuleSpec, options: &[RuleOption]) -> String {
    let mut doc = format!("## What it does\n{}\n", spec.doc.what.trim());
    if !spec.tokens.is_empty() {
        let list: Vec<String> = spec.tokens.iter().map(|t| format!("`{t}`")).collect();
        doc.push_str(&format!("\nMatches: {}.\n", list.join(", ")));
    }
    if !spec.swap.is_empty() {
        let list: Vec<String> = spec
            .swap
            .iter()
            .map(|(k, v)| format!("`{k}` → `{v}`"))
            .collect();
        doc.push_str(&format!("\nReplacements: {}.\n", list.join(", ")));
    }
    doc.push_str(&format!("\n## Why is this bad?\n{}\n", spec.doc.why.trim()));
    doc.push_str(&format!("\n## Example\n{}\n", spec.doc.example.trim()));
    doc.push_str(&format!(
        "\n## Use instead\n{}\n",
        spec.doc.use_instead.trim()
    ));
    doc.push_str("\n## Options\n");
    if options.is_empty() {
        doc.push_str("None.\n");
    } else {
        for o in options {
            doc.push_str(&format!(
                "- `{}` (default `{}`): {}\n",
                o.name, o.default, o.doc
            ));
        }
    }
    doc
}

/// A stretch of document text and how its offsets map back to the source.
#[derive(Clone, Copy)]
struct Segment<'a> {
    text: &'a str,
    map: Mapper<'a>,
    /// Where the text comes from, for looking up a shared scan of it.
    source: SegmentSource,
}

#[derive(Debug, Clone, Copy)]
enum SegmentSource {
    Block(usize),
    Heading(usize),
}

/// The texts declarative rules search in one document, per scope, built once and shared by
/// every declarative rule of an engine (finding each heading in the source and ordering the
/// headings among the blocks is per document work, not per rule).
pub struct DocumentSegments<'a> {
    /// Prose blocks (not code), in document order: scope `text`.
    text: Vec<Segment<'a>>,
    /// Headings, in document order: scope `heading`.
    headings: Vec<Segment<'a>>,
    /// Both, in reading order (by source offset): scope `all`.
    all: Vec<Segment<'a>>,
}

impl<'a> DocumentSegments<'a> {
    pub fn of(doc: &'a Document) -> DocumentSegments<'a> {
        let text: Vec<Segment<'a>> = doc
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind != BlockKind::Code)
            .map(|(i, b)| Segment {
                text: &b.text,
                map: Mapper::Block(&b.map),
                source: SegmentSource::Block(i),
            })
            .collect();
        let headings: Vec<Segment<'a>> = doc
            .headings
            .iter()
            .enumerate()
            .map(|(i, h)| Segment {
                text: &h.text,
                map: heading_mapper(doc, &h.text, h.span),
                source: SegmentSource::Heading(i),
            })
            .collect();
        // Headings sit between blocks in the source; keep findings in reading order. The
        // sort is stable, on keys computed once: blocks first, then headings, as before.
        let mut keyed: Vec<(usize, Segment<'a>)> = text
            .iter()
            .chain(&headings)
            .map(|s| (s.map.span(0, 0).start, *s))
            .collect();
        keyed.sort_by_key(|k| k.0);
        DocumentSegments {
            text,
            headings,
            all: keyed.into_iter().map(|k| k.1).collect(),
        }
    }

    fn scope(&self, scope: Scope) -> &[Segment<'a>] {
        match scope {
            Scope::Text => &self.text,
            Scope::Heading => &self.headings,
            Scope::All => &self.all,
        }
    }

    /// The mapper of heading `i`.
    fn heading_map(&self, i: usize) -> Option<Mapper<'a>> {
        self.headings.get(i).map(|s| s.map)
    }
}

/// A scan of the document that an engine shares between its token rules, and which of the
/// hits are this rule's (its slot's bit).
#[derive(Debug, Clone, Copy)]
pub struct SharedHits<'a> {
    pub hits: &'a DocumentHits,
    pub slot: u64,
}

/// The matches of `matcher` in `seg`, from the shared scan when there is one.
fn segment_matches<'t>(
    matcher: &TokenMatcher,
    seg: &Segment<'t>,
    shared: Option<SharedHits<'_>>,
) -> Vec<regex::Match<'t>> {
    match shared {
        Some(shared) => {
            let (hits, special_folds) = match seg.source {
                SegmentSource::Block(i) => shared.hits.block(i),
                SegmentSource::Heading(i) => shared.hits.heading(i),
            };
            matcher.find_with_hits(seg.text, hits, shared.slot, special_folds)
        }
        None => matcher.find_iter(seg.text).collect(),
    }
}

#[derive(Clone, Copy)]
enum Mapper<'a> {
    Block(&'a OffsetMap),
    /// The text sits verbatim in the source at this offset.
    Linear(usize),
    /// Offsets unknown (inline markup in a heading): the whole element.
    Whole(Span),
}

impl Mapper<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        match self {
            Mapper::Block(m) => m.span(start, end),
            Mapper::Linear(base) => Span::new(base + start, base + end),
            Mapper::Whole(s) => *s,
        }
    }
}

/// The first place of `needle` in `haystack`, for the short haystack of one heading element:
/// a byte search for the needle's first byte and a comparison at each, with no searcher to
/// build per call (`memmem::find` and `str::find` build one).
fn find_short(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some(&first) = needle.first() else {
        return Some(0);
    };
    memchr::memchr_iter(first, haystack).find(|&i| haystack[i..].starts_with(needle))
}

fn heading_mapper<'a>(doc: &'a Document, text: &str, span: Span) -> Mapper<'a> {
    match doc
        .source
        .get(span.start..span.end)
        .and_then(|src| find_short(src.as_bytes(), text.as_bytes()))
    {
        Some(i) if !text.is_empty() => Mapper::Linear(span.start + i),
        _ => Mapper::Whole(span),
    }
}

/// Whether `source[span]` is exactly `text`, so an edit of `span` replaces what was matched.
fn verbatim(doc: &Document, span: Span, text: &str) -> bool {
    doc.source.get(span.start..span.end) == Some(text)
}

fn capitalize_like(replacement: &str, matched: &str) -> String {
    let upper = matched.chars().next().is_some_and(char::is_uppercase);
    let mut chars = replacement.chars();
    match chars.next() {
        Some(c) if upper => c.to_uppercase().chain(chars).collect(),
        _ => replacement.to_owned(),
    }
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

fn bound(ctx: &RuleContext, name: &str, default: Option<f64>) -> Option<f64> {
    match ctx.options.get(name) {
        Some(toml::Value::Integer(i)) => Some(*i as f64),
        Some(toml::Value::Float(f)) => Some(*f),
        _ => default,
    }
}

fn extra_strings(ctx: &RuleContext, name: &str) -> Vec<String> {
    ctx.opt_strings(name).unwrap_or_default()
}

/// Sentences per block, for paragraph-level metrics.
fn sentences_per_block(doc: &Document) -> Vec<usize> {
    let mut counts = vec![0; doc.blocks.len()];
    for s in &doc.sentences {
        if let Some(c) = counts.get_mut(s.block) {
            *c += 1;
        }
    }
    counts
}

/// The formula's variables for a text with `counts` (cached on the document). The text is
/// asked for only when the formula counts characters: a sentence's text is looked up.
fn counts_of<'t>(
    counts: &text::TextCounts,
    text_: impl FnOnce() -> &'t str,
    sentences: usize,
    paragraphs: usize,
    formula: &Expr,
) -> Counts {
    let words = counts.words as usize;
    Counts {
        words: words as f64,
        // A block with words but no detected sentence end is still one sentence.
        sentences: sentences.max(usize::from(words > 0)) as f64,
        paragraphs: paragraphs as f64,
        characters: if formula.uses(Var::Characters) {
            text::char_count(text_()) as f64
        } else {
            0.0
        },
        syllables: f64::from(counts.syllables),
        complex_words: f64::from(counts.complex_words),
    }
}

fn out_of_range(v: f64, min: Option<f64>, max: Option<f64>) -> Option<&'static str> {
    if max.is_some_and(|m| v > m) {
        Some("above")
    } else if min.is_some_and(|m| v < m) {
        Some("below")
    } else {
        None
    }
}

impl Rule for DeclarativeRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        self.check_shared(ctx, doc, None, out)
    }

    fn as_declarative(&self) -> Option<&DeclarativeRule> {
        Some(self)
    }
}

impl DeclarativeRule {
    /// The anchor words of this rule's token matcher, when a shared scan can serve it.
    pub fn anchor_words(&self) -> Option<&[String]> {
        match &self.kind {
            Kind::Existence { matcher }
            | Kind::Substitution { matcher, .. }
            | Kind::Occurrence { matcher, .. } => matcher.anchor_words(),
            _ => None,
        }
    }

    /// [`Rule::check`], with the token matches taken from `shared` when given: a scan of
    /// `doc` for (at least) this rule's [`DeclarativeRule::anchor_words`].
    pub fn check_shared(
        &self,
        ctx: &RuleContext,
        doc: &Document,
        shared: Option<SharedHits<'_>>,
        out: &mut Vec<Finding>,
    ) {
        self.check_segments(ctx, doc, &OnceCell::new(), shared, out)
    }

    /// [`DeclarativeRule::check_shared`], with the document's segments taken from (or built
    /// into) `segments`, which the engine shares between the declarative rules of a document.
    pub fn check_segments<'d>(
        &self,
        ctx: &RuleContext,
        doc: &'d Document,
        segments: &OnceCell<DocumentSegments<'d>>,
        shared: Option<SharedHits<'_>>,
        out: &mut Vec<Finding>,
    ) {
        let segments = || segments.get_or_init(|| DocumentSegments::of(doc));
        match &self.kind {
            Kind::Existence { matcher } => {
                for seg in segments().scope(self.scope) {
                    for m in segment_matches(matcher, seg, shared) {
                        let span = seg.map.span(m.start(), m.end());
                        out.push(self.finding(ctx, self.message(m.as_str(), ""), span));
                    }
                }
            }
            Kind::Substitution {
                matcher,
                swaps,
                applicability,
            } => {
                for seg in segments().scope(self.scope) {
                    for m in segment_matches(matcher, seg, shared) {
                        let Some(right) = swaps.get(&swap_key(m.as_str(), self.ignorecase)) else {
                            continue;
                        };
                        let right = capitalize_like(right, m.as_str());
                        let span = seg.map.span(m.start(), m.end());
                        let mut f = self.finding(ctx, self.message(m.as_str(), &right), span);
                        // Only offer the edit when the span holds exactly the matched text:
                        // inline markup inside the match would otherwise be clobbered.
                        if verbatim(doc, span, m.as_str()) {
                            f = f.with_fix(Fix {
                                message: format!("Replace `{}` with `{right}`", m.as_str()),
                                applicability: *applicability,
                                edits: vec![Edit {
                                    span,
                                    replacement: right.clone(),
                                }],
                            });
                        }
                        out.push(f);
                    }
                }
            }
            Kind::Occurrence {
                matcher,
                per,
                max,
                min,
            } => {
                let max = bound(ctx, "max", *max);
                let min = bound(ctx, "min", *min);
                let segs = segments().scope(self.scope);
                let mut check_unit = |segs: &[Segment], unit_span: Span| {
                    let mut count = 0usize;
                    let mut excess: Option<Span> = None;
                    for seg in segs {
                        for m in segment_matches(matcher, seg, shared) {
                            count += 1;
                            if excess.is_none() && max.is_some_and(|mx| count as f64 > mx) {
                                excess = Some(seg.map.span(m.start(), m.end()));
                            }
                        }
                    }
                    if let Some(span) = excess {
                        out.push(self.finding(ctx, self.message(&count.to_string(), ""), span));
                    } else if min.is_some_and(|mn| (count as f64) < mn) {
                        out.push(self.finding(
                            ctx,
                            self.message(&count.to_string(), ""),
                            unit_span,
                        ));
                    }
                };
                match per {
                    Per::Paragraph => {
                        for seg in segs {
                            let unit = seg.map.span(0, seg.text.len());
                            check_unit(std::slice::from_ref(seg), unit);
                        }
                    }
                    _ => check_unit(segs, Span::file_start()),
                }
            }
            Kind::Metric {
                formula,
                per,
                max,
                min,
            } => {
                let max = bound(ctx, "max", *max);
                let min = bound(ctx, "min", *min);
                let mut report = |v: f64, span: Span| {
                    if out_of_range(v, min, max).is_some() {
                        out.push(self.finding(ctx, self.message(&fmt_value(v), ""), span));
                    }
                };
                match per {
                    Per::Sentence => {
                        let counts = doc.sentence_counts();
                        for i in text::prose_sentences(doc) {
                            let s = &doc.sentences[i];
                            let c = counts_of(&counts[i], || s.text(doc), 1, 1, formula);
                            if let Some(v) = formula.eval(&c) {
                                report(v, s.span);
                            }
                        }
                    }
                    Per::Paragraph => {
                        let per_block = sentences_per_block(doc);
                        let counts = doc.block_counts();
                        for (i, b) in doc.blocks.iter().enumerate() {
                            if matches!(b.kind, BlockKind::Code | BlockKind::TableCell) {
                                continue;
                            }
                            let n = per_block.get(i).copied().unwrap_or(0);
                            let c = counts_of(&counts[i], || &b.text, n, 1, formula);
                            if let Some(v) = formula.eval(&c) {
                                report(v, b.span);
                            }
                        }
                    }
                    Per::Document => {
                        let c = document_counts(doc, formula);
                        if c.words > 0.0 {
                            if let Some(v) = formula.eval(&c) {
                                report(v, Span::file_start());
                            }
                        }
                    }
                }
            }
            Kind::Readability {
                measure,
                ranges,
                min_words,
            } => {
                let min_words = ctx.opt_usize("min_words", *min_words);
                let all = Expr::Var(Var::Syllables);
                let c = document_counts(doc, &all);
                if c.words < min_words.max(1) as f64 {
                    return;
                }
                let wps = c.words / c.sentences.max(1.0);
                let spw = c.syllables / c.words;
                let score = match measure {
                    Measure::FleschReadingEase => 206.835 - 1.015 * wps - 84.6 * spw,
                    Measure::FleschKincaidGrade => 0.39 * wps + 11.8 * spw - 15.59,
                };
                let audience = doc
                    .meta("audience")
                    .or(ctx.settings.audience.as_deref())
                    .unwrap_or("general");
                let range = ranges
                    .get(audience)
                    .or_else(|| ranges.get("general"))
                    .copied()
                    .unwrap_or_default();
                let min = bound(ctx, "min", range.min);
                let max = bound(ctx, "max", range.max);
                if let Some(dir) = out_of_range(score, min, max) {
                    let limit = if dir == "above" { max } else { min };
                    let msg = self.message(&format!("{score:.1}"), "");
                    let f = self
                        .finding(ctx, msg, Span::file_start())
                        .with_help(format!(
                            "the score is {dir} {} for the `{audience}` audience",
                            limit.map(fmt_value).unwrap_or_default()
                        ));
                    out.push(f);
                }
            }
            Kind::Conditional {
                first,
                second,
                first_run,
                second_run,
                exceptions,
            } => {
                let extra = extra_strings(ctx, "exceptions");
                let segs = segments().scope(self.scope);
                let may_match = |run: &Option<Box<RunPrefilter>>, text: &str| {
                    run.as_ref().is_none_or(|run| run.may_match(text))
                };
                let second_may: Vec<bool> =
                    segs.iter().map(|s| may_match(second_run, s.text)).collect();
                let first_may: Vec<bool> = if first_run == second_run {
                    second_may.clone()
                } else {
                    segs.iter().map(|s| may_match(first_run, s.text)).collect()
                };
                let mut defined: HashSet<&str> = HashSet::new();
                for seg in segs
                    .iter()
                    .zip(&second_may)
                    .filter(|(_, may)| **may)
                    .map(|(s, _)| s)
                {
                    for caps in second.captures_iter(seg.text) {
                        if let Some(m) = first_group(&caps) {
                            defined.insert(m.as_str());
                        }
                    }
                }
                let mut reported: HashSet<&str> = HashSet::new();
                for seg in segs
                    .iter()
                    .zip(&first_may)
                    .filter(|(_, may)| **may)
                    .map(|(s, _)| s)
                {
                    for caps in first.captures_iter(seg.text) {
                        let Some(m) = first_group(&caps) else {
                            continue;
                        };
                        let term = m.as_str();
                        if defined.contains(term)
                            || exceptions.contains(term)
                            || extra.iter().any(|e| e == term)
                            || !reported.insert(term)
                        {
                            continue;
                        }
                        let span = seg.map.span(m.start(), m.end());
                        out.push(self.finding(ctx, self.message(term, ""), span));
                    }
                }
            }
            Kind::Capitalization {
                case,
                exceptions,
                min_level,
            } => {
                let min_level = ctx.opt_usize("min_level", usize::from(*min_level));
                let case = ctx
                    .options
                    .get("case")
                    .and_then(|v| v.as_str())
                    .and_then(|s| Case::parse(s).ok())
                    .unwrap_or(*case);
                let extra = extra_strings(ctx, "exceptions");
                let is_exception = |w: &str| exceptions.contains(w) || extra.iter().any(|e| e == w);
                for (i, h) in doc
                    .headings
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| usize::from(h.level) >= min_level)
                {
                    let Some(fixed) = recase(&h.text, case, &is_exception) else {
                        continue;
                    };
                    let map = segments()
                        .heading_map(i)
                        .unwrap_or_else(|| heading_mapper(doc, &h.text, h.span));
                    let span = map.span(0, h.text.len());
                    let mut f = self.finding(ctx, self.message(&h.text, &fixed), span);
                    if verbatim(doc, span, &h.text) {
                        // Proper nouns cannot be told apart from common words: never safe.
                        f = f.with_fix(Fix {
                            message: format!("Rewrite the heading as `{fixed}`"),
                            applicability: Applicability::Unsafe,
                            edits: vec![Edit {
                                span,
                                replacement: fixed,
                            }],
                        });
                    }
                    out.push(f);
                }
            }
        }
    }
}

/// The first capture group that took part in the match, else the whole match.
fn first_group<'t>(caps: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    caps.iter().skip(1).flatten().next().or_else(|| caps.get(0))
}

/// Totals over the prose blocks of `doc`.
fn document_counts(doc: &Document, formula: &Expr) -> Counts {
    let mut total = Counts::default();
    let mut words = 0usize;
    let counts = doc.block_counts();
    for (b, counts) in doc.blocks.iter().zip(counts) {
        if b.kind == BlockKind::Code {
            continue;
        }
        let c = counts_of(counts, || &b.text, 0, 1, formula);
        words += c.words as usize;
        total.words += c.words;
        total.paragraphs += 1.0;
        total.characters += c.characters;
        total.syllables += c.syllables;
        total.complex_words += c.complex_words;
    }
    let sentences = text::prose_sentences(doc).count();
    total.sentences = sentences.max(usize::from(words > 0)) as f64;
    total
}

const MINOR_WORDS: &[&str] = &[
    "a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at", "by", "in", "of",
    "off", "on", "per", "to", "up", "via", "vs", "with", "from", "into", "over",
];

/// Registry entries share the compiled embedded rules.
impl Rule for Arc<DeclarativeRule> {
    fn meta(&self) -> &RuleMeta {
        self.as_ref().meta()
    }
    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        self.as_ref().check(ctx, doc, out)
    }
    fn as_declarative(&self) -> Option<&DeclarativeRule> {
        Some(self.as_ref())
    }
}

/// The heading rewritten in `case`, or `None` when it already is.
fn recase(heading: &str, case: Case, is_exception: &dyn Fn(&str) -> bool) -> Option<String> {
    let words: Vec<&str> = heading.split(' ').collect();
    let last_word = words
        .iter()
        .rposition(|w| w.chars().any(char::is_alphabetic));
    let mut changed = false;
    let mut after_colon = false;
    let mut out = Vec::with_capacity(words.len());
    let mut first = true;
    for (i, w) in words.iter().enumerate() {
        let core = w.trim_matches(|c: char| !c.is_alphanumeric());
        let letters: Vec<char> = core.chars().collect();
        let skip = core.is_empty()
            || is_exception(core)
            || core.split('-').next().is_some_and(is_exception)
            || !letters[0].is_alphabetic()
            || core.chars().any(|c| c.is_ascii_digit())
            // Acronyms and inner capitals (SEO, iPhone) are written as their owners write them.
            || letters.iter().skip(1).any(|c| c.is_uppercase())
            || core == "I"
            || core.starts_with("I'")
            || core.starts_with("I’");
        let starts_upper = letters.first().is_some_and(|c| c.is_uppercase());
        let want_upper = match case {
            Case::Sentence => first || after_colon,
            Case::Title => {
                first
                    || after_colon
                    || Some(i) == last_word
                    || !MINOR_WORDS.contains(&core.to_lowercase().as_str())
            }
        };
        let mut word = (*w).to_owned();
        // After a colon both cases are common, in either style.
        if !skip && !after_colon && starts_upper != want_upper {
            // Title case leaves capitalised minor words alone: styles disagree on them.
            let tolerated = case == Case::Title && !want_upper;
            if !tolerated {
                word = set_first_case(w, want_upper);
                changed = true;
            }
        }
        if !core.is_empty() {
            first = false;
        }
        after_colon = w.ends_with(':');
        out.push(word);
    }
    changed.then(|| out.join(" "))
}

fn set_first_case(word: &str, upper: bool) -> String {
    let mut out = String::with_capacity(word.len());
    let mut done = false;
    for c in word.chars() {
        if !done && c.is_alphabetic() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            done = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
