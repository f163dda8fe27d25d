//! Runs the registered rules over documents, applying configuration and inline suppressions.
use super::declarative::SharedHits;
use super::suppress::Suppressions;
use super::token_scan::{DocumentHits, WordScanner, MAX_SLOTS};
use super::{declarative, selector_matches, Rule, RuleContext, RuleMeta, SetEntry, Settings};
use crate::config::{Config, RuleLevel, RuleSelection};
use crate::doc::Document;
use crate::error::{Error, Result};
use crate::finding::{Finding, Severity};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Engine {
    rules: Vec<Box<dyn Rule>>,
    config: Config,
    /// Per rule (same index as `rules`): its settings under the top-level `[rules]`, `None`
    /// when off. Documents matched by no override use this directly.
    base: Vec<Option<Active>>,
    /// Rule code to its index in `rules`: an audit looks up the rule of every finding, so by
    /// hash, not by binary search through the rules' virtual `meta()`.
    codes: HashMap<&'static str, usize, foldhash::fast::FixedState>,
    /// Nanoseconds spent in each rule (same index as `rules`), kept only when
    /// `PRESSGATE_TIMING` is set: see [`Engine::rule_timings`].
    timings: Option<Vec<AtomicU64>>,
    /// One scanner for the anchor words of every declarative token rule, so each document's
    /// text is scanned once for all of them; `None` when no rule can use it.
    token_scan: Option<SharedTokenScan>,
}

/// The shared scanner and, per rule (same index as `rules`), the bit of its slot.
struct SharedTokenScan {
    scanner: WordScanner,
    slots: Vec<Option<u64>>,
}

impl SharedTokenScan {
    fn of(rules: &[Box<dyn Rule>]) -> Option<SharedTokenScan> {
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut slots = vec![None; rules.len()];
        for (ri, rule) in rules.iter().enumerate() {
            let words: Vec<String> = match rule.as_declarative() {
                Some(decl) => match decl.anchor_words() {
                    Some(words) => words.to_vec(),
                    None => continue,
                },
                None => match rule.scan_words() {
                    Some(words) => words.iter().map(|w| (*w).to_owned()).collect(),
                    None => continue,
                },
            };
            if groups.len() == MAX_SLOTS {
                // Rules past the last slot scan their texts on their own.
                break;
            }
            slots[ri] = Some(1u64 << groups.len());
            groups.push(words);
        }
        if groups.is_empty() {
            return None;
        }
        let scanner = WordScanner::new(&groups)?;
        Some(SharedTokenScan { scanner, slots })
    }
}

/// How one rule runs for one document.
#[derive(Debug, Clone)]
struct Active {
    severity: Severity,
    /// Severity set in configuration: it replaces whatever severity the rule emitted.
    configured: bool,
    options: toml::Table,
}

impl Engine {
    /// Every rule the configuration enables, with its severity and options. Project packs
    /// (`packs = [...]`) are loaded and compiled here, once. Unknown codes, selectors that match
    /// no rule, unknown options and options of the wrong type are `Error::Config`.
    pub fn from_config(config: &Config) -> Result<Engine> {
        let mut rules = super::registry();
        for dir in &config.packs {
            for rule in declarative::load_pack_dir(dir)? {
                rules.push(Box::new(rule));
            }
        }
        Engine::from_rules(rules, config)
    }

    /// An engine over exactly `rules` (tests, embedding), configured by `config`.
    pub fn from_rules(mut rules: Vec<Box<dyn Rule>>, config: &Config) -> Result<Engine> {
        rules.sort_by(|a, b| a.meta().code.cmp(b.meta().code));
        let mut codes = HashMap::default();
        for (i, r) in rules.iter().enumerate() {
            if codes.insert(r.meta().code, i).is_some() {
                return Err(config_error(
                    config,
                    format!(
                        "rule code `{}` is defined twice (check `packs`)",
                        r.meta().code
                    ),
                ));
            }
        }
        validate(config, &rules, &config.rules, "rules")?;
        for (i, o) in config.overrides.iter().enumerate() {
            validate(config, &rules, &o.rules, &format!("overrides[{i}]"))?;
        }
        let base = resolve(&rules, &[&config.rules]);
        let timings =
            crate::timing::enabled().then(|| rules.iter().map(|_| AtomicU64::new(0)).collect());
        let token_scan = SharedTokenScan::of(&rules);
        Ok(Engine {
            rules,
            config: config.clone(),
            base,
            codes,
            timings,
            token_scan,
        })
    }

    /// Time spent in each rule so far, slowest first, when `PRESSGATE_TIMING` is set (as
    /// ESLint's `TIMING`): for finding the rule that slows a run, in a project pack too.
    pub fn rule_timings(&self) -> Option<Vec<(&'static str, std::time::Duration)>> {
        let timings = self.timings.as_ref()?;
        let mut out: Vec<_> = self
            .rules
            .iter()
            .zip(timings)
            .map(|(rule, ns)| {
                let ns = ns.load(Ordering::Relaxed);
                (rule.meta().code, std::time::Duration::from_nanos(ns))
            })
            .filter(|(_, d)| !d.is_zero())
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        Some(out)
    }

    /// Print [`Engine::rule_timings`] to stderr (the 15 slowest rules), when enabled.
    pub fn print_rule_timings(&self) {
        let Some(timings) = self.rule_timings() else {
            return;
        };
        let total: std::time::Duration = timings.iter().map(|t| t.1).sum();
        eprintln!("{:<10} {:>12} {:>8}", "rule", "time (ms)", "share");
        for (code, d) in timings.iter().take(15) {
            let share = d.as_secs_f64() / total.as_secs_f64().max(f64::MIN_POSITIVE);
            eprintln!(
                "{code:<10} {:>12.1} {:>7.1}%",
                d.as_secs_f64() * 1e3,
                share * 100.0
            );
        }
        eprintln!("{:<10} {:>12.1}", "all rules", total.as_secs_f64() * 1e3);
    }

    pub fn rules(&self) -> &[Box<dyn Rule>] {
        &self.rules
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Whether a document at `path` (as given to `check`) matches the config's `ignore` globs;
    /// callers that collect files skip those.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.config.is_ignored(&self.config.relative_path(path))
    }

    /// The rule registered under `code`.
    pub fn rule(&self, code: &str) -> Option<&dyn Rule> {
        self.rule_index(code).map(|i| self.rules[i].as_ref())
    }

    /// Index of the rule registered under `code`.
    fn rule_index(&self, code: &str) -> Option<usize> {
        self.codes.get(code).copied()
    }

    /// Whether `code` runs for a document at `path` (as given to `check`), and at what severity.
    pub fn severity_for(&self, code: &str, path: &str) -> Option<Severity> {
        let i = self.rule_index(code)?;
        self.active_for(path)[i].as_ref().map(|a| a.severity)
    }

    /// Findings for each document (same order as `docs`), each list sorted by span then code.
    /// Set-level rules (duplicate titles) see all `docs` together.
    pub fn check(&self, docs: &[Document]) -> Vec<Vec<Finding>> {
        let mut checks: Vec<DocumentCheck> =
            docs.par_iter().map(|d| self.check_document(d)).collect();
        self.check_sets(&mut checks);
        self.check_whole_sets(docs, &mut checks);
        checks.into_iter().map(|c| c.findings).collect()
    }

    /// Rules that implement only [`Rule::check_set`] (no set entries) need the documents
    /// themselves; only [`Engine::check`] has them.
    fn check_whole_sets(&self, docs: &[Document], checks: &mut [DocumentCheck]) {
        let uses_entries: HashSet<usize> = checks
            .iter()
            .flat_map(|c| c.set_entries.iter().map(|p| p.rule))
            .collect();
        let refs: Vec<&Document> = docs.iter().collect();
        let empty = toml::Table::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            if uses_entries.contains(&ri) {
                continue;
            }
            let ctx = self.set_context(ri, &empty);
            for (i, mut f) in rule.check_set(&ctx, &refs) {
                let (Some(doc), Some(check)) = (docs.get(i), checks.get_mut(i)) else {
                    continue;
                };
                let active = self.active_for(&doc.path);
                let Some(a) = &active[ri] else {
                    continue;
                };
                if a.configured {
                    f.severity = a.severity;
                }
                clamp_span(&doc.source, &mut f);
                if Suppressions::collect(doc).suppresses(doc, &f) {
                    continue;
                }
                check.findings.push(f);
                sort_findings(&mut check.findings);
            }
        }
    }

    /// Check one document on its own: its findings from per-document rules (suppressions
    /// applied, sorted) plus the small summary set-level rules need. The document can be
    /// dropped afterwards; pass every document's result to [`Engine::check_sets`] to add the
    /// set-level findings. Memory then grows with the findings, not with the corpus.
    pub fn check_document(&self, doc: &Document) -> DocumentCheck {
        let active = self.active_for(&doc.path);
        let settings = self.settings_for(&doc.path);
        let mut findings = self.check_one(doc, &active, settings);
        for f in findings.iter_mut() {
            clamp_span(&doc.source, f);
        }
        let suppressions = Suppressions::collect(doc);
        suppressions.apply(doc, &mut findings);
        sort_findings(&mut findings);
        // Checks of many documents keep their findings: give back most of an unused reserve.
        if findings.capacity() > 2 * findings.len() + 8 {
            findings.shrink_to_fit();
        }

        let empty = toml::Table::new();
        let mut set_entries = Vec::new();
        for (ri, rule) in self.rules.iter().enumerate() {
            // Set rules compare with one project-level context, whatever overrides apply.
            let ctx = self.set_context(ri, &empty);
            let Some(mut entry) = rule.set_entry(&ctx, doc) else {
                continue;
            };
            let mut probe = Finding::new(rule.meta().code, ctx.severity, "", entry.span);
            clamp_span(&doc.source, &mut probe);
            entry.span = probe.span;
            set_entries.push(PendingEntry {
                rule: ri,
                active: active[ri]
                    .as_ref()
                    .map(|a| a.configured.then_some(a.severity)),
                suppressed: suppressions.suppresses(doc, &probe),
                entry,
            });
        }
        DocumentCheck {
            findings,
            set_entries,
        }
    }

    /// Run set-level rules over the summaries of `checks` (one per document, in the order the
    /// documents were given) and add their findings to the documents they concern.
    pub fn check_sets(&self, checks: &mut [DocumentCheck]) {
        let empty = toml::Table::new();
        let mut touched = vec![false; checks.len()];
        // Per rule, (document index, position in its entries) of the rule's entries, in
        // document order: one pass over all entries, not one per rule.
        let mut owners_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.rules.len()];
        for (di, c) in checks.iter().enumerate() {
            for (pi, p) in c.set_entries.iter().enumerate() {
                if let Some(owners) = owners_of.get_mut(p.rule) {
                    owners.push((di, pi));
                }
            }
        }
        for ((ri, rule), owners) in self.rules.iter().enumerate().zip(owners_of) {
            // Set rules compare whole corpora: skip those that are off for every document.
            if owners.is_empty()
                || !owners
                    .iter()
                    .any(|&(di, pi)| checks[di].set_entries[pi].active.is_some())
            {
                continue;
            }
            let entries: Vec<SetEntry> = owners
                .iter()
                .map(|&(di, pi)| checks[di].set_entries[pi].entry.clone())
                .collect();
            let ctx = self.set_context(ri, &empty);
            for (k, mut f) in rule.check_set_entries(&ctx, &entries) {
                let Some(&(di, pi)) = owners.get(k) else {
                    continue;
                };
                let pending = &checks[di].set_entries[pi];
                let Some(configured) = pending.active else {
                    continue;
                };
                if pending.suppressed {
                    continue;
                }
                if let Some(severity) = configured {
                    f.severity = severity;
                }
                checks[di].findings.push(f);
                touched[di] = true;
            }
        }
        for (check, touched) in checks.iter_mut().zip(touched) {
            if touched {
                sort_findings(&mut check.findings);
            }
        }
    }

    /// The context set-level rules run in: the top-level `[rules]` settings of rule `ri`.
    fn set_context<'a>(&'a self, ri: usize, empty: &'a toml::Table) -> RuleContext<'a> {
        match &self.base[ri] {
            Some(a) => RuleContext {
                severity: a.severity,
                options: &a.options,
                settings: &self.config.settings,
            },
            None => RuleContext {
                severity: self.rules[ri].meta().default_severity,
                options: empty,
                settings: &self.config.settings,
            },
        }
    }

    fn check_one(
        &self,
        doc: &Document,
        active: &[Option<Active>],
        settings: &Settings,
    ) -> Vec<Finding> {
        // Room for a typical page's findings up front: growing a vector of findings (a few
        // hundred bytes each) copies them each time, and the large blocks it asks for make
        // the allocator tidy up its small freed blocks.
        let mut out = Vec::with_capacity(FINDINGS_RESERVED);
        let mut hits: Option<DocumentHits> = None;
        // Built by the first declarative rule that needs them, shared by the others.
        let segments = OnceCell::new();
        for (ri, (rule, a)) in self.rules.iter().zip(active).enumerate() {
            let Some(a) = a else {
                continue;
            };
            // The rule's slot, when it takes its words from the shared scan.
            let shared = self.token_scan.as_ref().and_then(|scan| {
                let slot = scan.slots.get(ri).copied().flatten()?;
                Some((scan, slot))
            });
            let started = self.timings.as_ref().map(|_| std::time::Instant::now());
            let ctx = RuleContext {
                severity: a.severity,
                options: &a.options,
                settings,
            };
            let start = out.len();
            // A bug in one rule must not end the whole run: report it as a finding instead.
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let shared = shared.map(|(scan, slot)| SharedHits {
                    hits: hits.get_or_insert_with(|| DocumentHits::of(&scan.scanner, doc)),
                    slot,
                });
                match (rule.as_declarative(), shared) {
                    (Some(decl), shared) => {
                        decl.check_segments(&ctx, doc, &segments, shared, &mut out)
                    }
                    (None, Some(shared)) => rule.check_with_hits(&ctx, doc, shared, &mut out),
                    (None, None) => rule.check(&ctx, doc, &mut out),
                }
            }));
            if let (Some(timings), Some(started)) = (&self.timings, started) {
                let ns = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                timings[ri].fetch_add(ns, Ordering::Relaxed);
            }
            if let Err(payload) = run {
                out.truncate(start);
                out.push(internal_error(rule.meta().code, payload.as_ref()));
            }
            if a.configured {
                for f in &mut out[start..] {
                    f.severity = a.severity;
                }
            }
        }

        // Diagnostics no rule claims still reach the user.
        out.extend(
            doc.diagnostics
                .iter()
                .filter(|d| !self.codes.contains_key(&*d.code))
                .cloned(),
        );
        out
    }

    /// Project settings for a document path (`[settings]`, or a matching override's).
    fn settings_for(&self, path: &str) -> &Settings {
        if self.config.overrides.iter().all(|o| o.settings.is_none()) {
            return &self.config.settings;
        }
        self.config.settings_for(&self.config.relative_path(path))
    }

    /// Rule settings for a document path: the base ones unless an override matches.
    fn active_for(&self, path: &str) -> Cow<'_, [Option<Active>]> {
        if self.config.overrides.is_empty() {
            return Cow::Borrowed(&self.base);
        }
        let rel = self.config.relative_path(path);
        let layers = self.config.selections_for(&rel);
        if layers.len() == 1 {
            Cow::Borrowed(&self.base)
        } else {
            Cow::Owned(resolve(&self.rules, &layers))
        }
    }
}

/// Findings [`Engine::check_document`] makes room for before the rules run (a bench page has
/// about 45).
const FINDINGS_RESERVED: usize = 64;

/// One document's result from [`Engine::check_document`].
#[derive(Debug, Clone, Default)]
pub struct DocumentCheck {
    /// Findings so far, sorted by span then code; [`Engine::check_sets`] adds set-level ones.
    pub findings: Vec<Finding>,
    set_entries: Vec<PendingEntry>,
}

/// A set-rule summary of one document, with what the engine decided for it up front.
#[derive(Debug, Clone)]
struct PendingEntry {
    /// Index of the rule in `Engine::rules`.
    rule: usize,
    /// `None` when the rule is off for this document; else the configured severity, if any.
    active: Option<Option<Severity>>,
    /// Whether an inline suppression covers this rule at the entry's span.
    suppressed: bool,
    entry: SetEntry,
}

/// Order findings by span start, code, span end and message (a stable sort).
pub fn sort_findings(findings: &mut [Finding]) {
    if findings.is_sorted_by(|a, b| finding_order(a, b).is_le()) {
        return;
    }
    // Sort positions, then move each finding into place along the permutation's cycles: a
    // finding is a few hundred bytes, which a merge sort would move several times each.
    let mut from: Vec<usize> = (0..findings.len()).collect();
    from.sort_by(|&a, &b| finding_order(&findings[a], &findings[b]));
    // `from[k]`: where the finding that belongs at `k` is now; set to `k` once placed.
    for first in 0..from.len() {
        let mut at = first;
        loop {
            let source = from[at];
            from[at] = at;
            if source == first {
                break;
            }
            findings.swap(at, source);
            at = source;
        }
    }
}

fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.span
        .start
        .cmp(&b.span.start)
        .then_with(|| a.code.cmp(&b.code))
        .then_with(|| a.span.end.cmp(&b.span.end))
        .then_with(|| a.message.cmp(&b.message))
}

fn internal_error(code: &'static str, payload: &(dyn std::any::Any + Send)) -> Finding {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Finding::new(
        code,
        Severity::Error,
        format!("internal error in rule {code}: {what}; please report it with this file"),
        crate::Span::file_start(),
    )
}

/// Keep spans inside the source and on character boundaries, so printers can slice with them.
fn clamp_span(source: &str, f: &mut Finding) {
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    f.span.start = floor(f.span.start);
    f.span.end = floor(f.span.end).max(f.span.start);
}

/// Apply `[rules]` layers in order: `select` narrows, `enable` adds, `ignore` removes, and a
/// `[rules.CODE]` table sets severity (or `off`) and options for that code.
fn resolve(rules: &[Box<dyn Rule>], layers: &[&RuleSelection]) -> Vec<Option<Active>> {
    rules
        .iter()
        .map(|rule| {
            let meta = rule.meta();
            let picks = |list: &[String]| list.iter().any(|s| selector_matches(s, meta));
            let mut on = true;
            let mut active = Active {
                severity: meta.default_severity,
                configured: false,
                options: toml::Table::new(),
            };
            for layer in layers {
                if !layer.select.is_empty() {
                    on = picks(&layer.select);
                }
                if picks(&layer.enable) {
                    on = true;
                }
                if picks(&layer.disable) {
                    on = false;
                }
                if let Some(rc) = layer.rules.get(meta.code) {
                    match rc.level {
                        Some(RuleLevel::Off) => on = false,
                        Some(RuleLevel::On(s)) => {
                            on = true;
                            active.severity = s;
                            active.configured = true;
                        }
                        None => {}
                    }
                    for (k, v) in &rc.options {
                        active.options.insert(k.clone(), v.clone());
                    }
                }
            }
            on.then_some(active)
        })
        .collect()
}

fn config_error(config: &Config, message: String) -> Error {
    Error::Config {
        path: config
            .path
            .clone()
            .unwrap_or_else(|| config.root.join(crate::config::FILE_NAME)),
        message,
    }
}

/// Close matches for a mistyped code or selector, for error messages.
pub fn suggestions<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted_lower = wanted.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .filter_map(|c| {
            let score = strsim::jaro_winkler(&wanted_lower, &c.to_ascii_lowercase());
            (score > 0.8).then_some((score, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn did_you_mean(list: &[&str]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", list.join(", "))
    }
}

fn validate(
    config: &Config,
    rules: &[Box<dyn Rule>],
    sel: &RuleSelection,
    where_: &str,
) -> Result<()> {
    let names = || {
        rules
            .iter()
            .flat_map(|r| [r.meta().code, r.meta().pack])
            .collect::<Vec<_>>()
    };
    for (key, list) in [
        ("select", &sel.select),
        ("enable", &sel.enable),
        ("ignore", &sel.disable),
    ] {
        for s in list {
            if !rules.iter().any(|r| selector_matches(s, r.meta())) {
                let near = suggestions(s, names().into_iter());
                return Err(config_error(
                    config,
                    format!(
                        "`{where_}.{key}`: `{s}` matches no rule, pack or code prefix{}",
                        did_you_mean(&near)
                    ),
                ));
            }
        }
    }
    for (code, rc) in &sel.rules {
        let Some(rule) = rules.iter().find(|r| r.meta().code == code) else {
            let near = suggestions(code, rules.iter().map(|r| r.meta().code));
            return Err(config_error(
                config,
                format!(
                    "`{where_}.{code}`: unknown rule code{}",
                    did_you_mean(&near)
                ),
            ));
        };
        for (name, value) in &rc.options {
            validate_option(rule.meta(), name, value)
                .map_err(|m| config_error(config, format!("`{where_}.{code}.{name}`: {m}")))?;
        }
    }
    Ok(())
}

fn validate_option(meta: &RuleMeta, name: &str, value: &toml::Value) -> Result<(), String> {
    let Some(opt) = meta.options.iter().find(|o| o.name == name) else {
        let known: Vec<&str> = meta.options.iter().map(|o| o.name).collect();
        return Err(if known.is_empty() {
            format!("{} has no options", meta.code)
        } else {
            format!(
                "unknown option of {} (known: {})",
                meta.code,
                known.join(", ")
            )
        });
    };
    // Defaults are written as TOML; a default that is not a TOML value ("none") accepts any type.
    let Ok(default) = format!("v = {}", opt.default).parse::<toml::Table>() else {
        return Ok(());
    };
    let Some(default) = default.get("v") else {
        return Ok(());
    };
    let numeric = |v: &toml::Value| matches!(v, toml::Value::Integer(_) | toml::Value::Float(_));
    let compatible = match default {
        toml::Value::Integer(_) => matches!(value, toml::Value::Integer(_)),
        toml::Value::Float(_) => numeric(value),
        other => std::mem::discriminant(other) == std::mem::discriminant(value),
    };
    if compatible {
        Ok(())
    } else {
        Err(format!(
            "expected {} like the default `{}`, found `{value}`",
            default.type_str(),
            opt.default
        ))
    }
}

#[cfg(test)]
mod tests;
