use super::*;
use crate::doc::{parse, Format};
use crate::rules::testutil::doc;
use crate::Span;
use std::path::{Path, PathBuf};

fn config(text: &str) -> Config {
    match Config::from_toml_str(text, Path::new("/p/pressgate.toml"), PathBuf::from("/p")) {
        Ok(c) => c,
        Err(e) => panic!("config does not parse: {e}"),
    }
}

/// Every registered rule but the builtin SEO/E-E-A-T/citation ones, so these tests see only
/// the rules they are about, however many others get registered.
fn own_rules() -> Vec<Box<dyn Rule>> {
    let builtin: Vec<&str> = crate::rules::builtin::all()
        .iter()
        .map(|r| r.meta().code)
        .collect();
    crate::rules::registry()
        .into_iter()
        .filter(|r| !builtin.contains(&r.meta().code))
        .collect()
}

fn engine(text: &str) -> Engine {
    match Engine::from_rules(own_rules(), &config(text)) {
        Ok(e) => e,
        Err(e) => panic!("engine does not build: {e}"),
    }
}

fn engine_error(text: &str) -> String {
    match Engine::from_rules(own_rules(), &config(text)) {
        Ok(_) => panic!("expected a configuration error"),
        Err(Error::Config { path, message }) => {
            assert_eq!(path, Path::new("/p/pressgate.toml"));
            message
        }
        Err(e) => panic!("expected a configuration error, got {e}"),
    }
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| &*f.code).collect()
}

const FILLER: &str = "In conclusion, feed it. Utilize a scale.";

#[test]
fn default_config_runs_every_rule_at_default_severity() {
    let e = engine("");
    let out = e.check(&[doc(&[FILLER])]);
    assert_eq!(codes(&out[0]), vec!["STYLE001", "STYLE003"]);
    assert_eq!(out[0][0].severity, Severity::Warning);
}

#[test]
fn configured_severity_and_off() {
    let e =
        engine("[rules.STYLE001]\nseverity = \"error\"\n[rules.STYLE003]\nseverity = \"off\"\n");
    let out = e.check(&[doc(&[FILLER])]);
    assert_eq!(codes(&out[0]), vec!["STYLE001"]);
    assert_eq!(out[0][0].severity, Severity::Error);
    assert_eq!(e.severity_for("STYLE001", "a.md"), Some(Severity::Error));
    assert_eq!(e.severity_for("STYLE003", "a.md"), None);
}

#[test]
fn select_enable_and_ignore_by_pack_prefix_and_code() {
    let e = engine("[rules]\nselect = [\"PARSE\"]\nenable = [\"STYLE003\"]\n");
    assert_eq!(codes(&e.check(&[doc(&[FILLER])])[0]), vec!["STYLE003"]);
    let e = engine("[rules]\nselect = [\"style\"]\nignore = [\"STYLE00\"]\n");
    assert!(e.check(&[doc(&[FILLER])])[0].is_empty());
    let e = engine("[rules]\ndisable = [\"STYLE001\"]\n");
    assert_eq!(codes(&e.check(&[doc(&[FILLER])])[0]), vec!["STYLE003"]);
}

#[test]
fn overrides_apply_by_path_relative_to_root() {
    let e = engine(
        "[[overrides]]\nfiles = [\"glossary/**\"]\nignore = [\"STYLE001\"]\n[overrides.STYLE003]\nseverity = \"info\"\n",
    );
    let mut inside = doc(&[FILLER]);
    inside.path = "/p/glossary/terms.md".into();
    let mut outside = doc(&[FILLER]);
    outside.path = "/p/posts/terms.md".into();
    let out = e.check(&[inside, outside]);
    assert_eq!(codes(&out[0]), vec!["STYLE003"]);
    assert_eq!(out[0][0].severity, Severity::Info);
    assert_eq!(codes(&out[1]), vec!["STYLE001", "STYLE003"]);
    assert_eq!(out[1][1].severity, Severity::Warning);
}

#[test]
fn rule_options_reach_the_rule() {
    let long = "one two three four five six seven eight nine ten.";
    assert!(engine("").check(&[doc(&[long])])[0].is_empty());
    let e = engine("[rules.STYLE006]\nmax = 5\n");
    assert_eq!(codes(&e.check(&[doc(&[long])])[0]), vec!["STYLE006"]);
}

#[test]
fn bad_rule_configuration_is_an_error_naming_the_key() {
    let m = engine_error("[rules.STYLE999]\nseverity = \"error\"\n");
    assert!(
        m.contains("rules.STYLE999") && m.contains("unknown rule"),
        "{m}"
    );
    let m = engine_error("[rules]\nselect = [\"STYEL\"]\n");
    assert!(m.contains("rules.select") && m.contains("STYEL"), "{m}");
    let m = engine_error("[rules.STYLE006]\nmaximum = 5\n");
    assert!(
        m.contains("rules.STYLE006.maximum") && m.contains("max"),
        "{m}"
    );
    let m = engine_error("[rules.STYLE006]\nmax = \"five\"\n");
    assert!(m.contains("rules.STYLE006.max"), "{m}");
    let m = engine_error("[rules.STYLE001]\nmax = 5\n");
    assert!(m.contains("no options"), "{m}");
    let m =
        engine_error("[[overrides]]\nfiles = [\"a/**\"]\n[overrides.SEO999]\nseverity = \"off\"\n");
    assert!(m.contains("overrides[0].SEO999"), "{m}");
}

#[test]
fn inline_suppressions_remove_findings() {
    let e = engine("");
    let d = doc(&[
        "<!-- pressgate-disable-next-line STYLE001 -->",
        FILLER,
        FILLER,
    ]);
    let out = e.check(&[d]);
    assert_eq!(codes(&out[0]), vec!["STYLE003", "STYLE001", "STYLE003"]);
    let d = doc(&["<!-- pressgate-disable-file STYLE -->", FILLER]);
    assert!(e.check(&[d])[0].is_empty());
    let d = doc(&[
        "<!-- pressgate-disable STYLE003 -->",
        FILLER,
        "<!-- pressgate-enable STYLE003 -->",
        FILLER,
    ]);
    assert_eq!(
        codes(&e.check(&[d])[0]),
        vec!["STYLE001", "STYLE001", "STYLE003"]
    );
}

#[test]
fn parse_diagnostics_become_findings_and_obey_config() {
    let mut d = doc(&["Fine text."]);
    d.diagnostics.push(Finding::new(
        "PARSE001",
        Severity::Error,
        "front matter: bad YAML at line 2",
        Span::new(0, 10),
    ));
    d.diagnostics.push(Finding::new(
        "PARSE099",
        Severity::Warning,
        "an unregistered diagnostic",
        Span::new(0, 1),
    ));
    let out = engine("").check(std::slice::from_ref(&d));
    assert_eq!(codes(&out[0]), vec!["PARSE001", "PARSE099"]);
    let out = engine("[rules.PARSE001]\nseverity = \"warning\"\n").check(std::slice::from_ref(&d));
    assert_eq!(out[0][0].severity, Severity::Warning);
    let out = engine("[rules]\nignore = [\"PARSE001\"]\n").check(&[d]);
    assert_eq!(codes(&out[0]), vec!["PARSE099"]);
}

#[test]
fn findings_are_sorted_by_position_then_code() {
    let out = engine("").check(&[doc(&["Utilize it. In conclusion, stop."])]);
    let starts: Vec<usize> = out[0].iter().map(|f| f.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted);
    assert_eq!(codes(&out[0]), vec!["STYLE003", "STYLE001"]);
}

/// A set rule: reports every document after the first that repeats the first's text.
struct SameText;
const SAME_TEXT: RuleMeta = RuleMeta {
    code: "TEST900",
    name: "same-text",
    pack: "test",
    default_severity: Severity::Warning,
    summary: "s",
    doc: "d",
    options: &[],
    fixable: false,
};
impl Rule for SameText {
    fn meta(&self) -> &RuleMeta {
        &SAME_TEXT
    }
    fn check(&self, _: &RuleContext, _: &Document, _: &mut Vec<Finding>) {}
    fn check_set(&self, ctx: &RuleContext, docs: &[&Document]) -> Vec<(usize, Finding)> {
        (1..docs.len())
            .filter(|&i| docs[i].source == docs[0].source)
            .map(|i| (i, ctx.finding("TEST900", "same", Span::file_start())))
            .collect()
    }
}

#[test]
fn set_rules_see_all_documents_and_respect_overrides() {
    let cfg = config("[[overrides]]\nfiles = [\"quiet/**\"]\nignore = [\"TEST900\"]\n");
    let e = Engine::from_rules(vec![Box::new(SameText)], &cfg).unwrap();
    let mut a = doc(&["Same."]);
    a.path = "/p/a.md".into();
    let mut b = a.clone();
    b.path = "/p/b.md".into();
    let mut c = a.clone();
    c.path = "/p/quiet/c.md".into();
    let out = e.check(&[a, b, c]);
    assert!(out[0].is_empty());
    assert_eq!(codes(&out[1]), vec!["TEST900"]);
    assert!(out[2].is_empty());
}

#[test]
fn project_packs_add_rules_and_duplicates_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let packs = tmp.path().join("styles");
    std::fs::create_dir_all(&packs).unwrap();
    std::fs::write(
        packs.join("house.toml"),
        "pack = \"house\"\n[[rule]]\ncode = \"HOUSE001\"\nname = \"no-gluten-free\"\nkind = \"existence\"\nseverity = \"error\"\nmessage = \"Say 'without gluten', not '%s'\"\nsummary = \"House style\"\ntokens = [\"gluten-free\"]\n[rule.doc]\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nuse_instead = \"u\"\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("pressgate.toml"),
        "packs = [\"styles\"]\n[rules]\nselect = [\"house\"]\n",
    )
    .unwrap();
    let cfg = Config::load(&tmp.path().join("pressgate.toml")).unwrap();
    let e = Engine::from_config(&cfg).unwrap();
    let out = e.check(&[doc(&["A gluten-free loaf. In conclusion, bake."])]);
    assert_eq!(codes(&out[0]), vec!["HOUSE001"]);
    assert_eq!(out[0][0].severity, Severity::Error);

    std::fs::write(packs.join("dup.toml"), "pack = \"dup\"\n[[rule]]\ncode = \"STYLE001\"\nname = \"x\"\nkind = \"existence\"\nseverity = \"error\"\nmessage = \"m\"\nsummary = \"s\"\ntokens = [\"x\"]\n[rule.doc]\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nuse_instead = \"u\"\n").unwrap();
    match Engine::from_config(&cfg) {
        Err(Error::Config { message, .. }) => assert!(message.contains("STYLE001"), "{message}"),
        _ => panic!("a duplicate code must be a configuration error"),
    }
    std::fs::write(
        packs.join("dup.toml"),
        "pack = \"dup\"\n[[rule]]\ncode = \"DUP001\"\n",
    )
    .unwrap();
    match Engine::from_config(&cfg) {
        Err(Error::Config { path, .. }) => assert!(path.ends_with("dup.toml")),
        _ => panic!("a broken pack must be a configuration error naming the pack"),
    }
}

#[test]
fn suggestions_find_close_codes() {
    let list = ["STYLE001", "STYLE002", "SEO001"];
    assert_eq!(suggestions("STYLE01", list.iter().copied())[0], "STYLE001");
    assert!(suggestions("zzz", list.iter().copied()).is_empty());
}

/// Suppressions and overrides with documents from the real Markdown parser.
#[test]
fn suppressions_work_on_parsed_markdown() {
    use crate::doc::{parse, Format};
    let src = "---\ntitle: Notes\n---\n\n# Notes\n\n<!-- pressgate-disable-next-line STYLE001 -->\nIn conclusion, feed it.\n\nIn conclusion, bake it. <!-- pressgate-disable-line STYLE003 --> Utilize a scale.\n\n<!-- pressgate-disable STYLE -->\n\nUtilize a scale in order to weigh.\n\n<!-- pressgate-enable STYLE -->\n\nUtilize the oven.\n";
    let d = parse("notes.md", src, Format::Markdown);
    let out = engine("").check(std::slice::from_ref(&d));
    let got: Vec<(String, usize)> = out[0]
        .iter()
        .map(|f| {
            (
                f.code.to_string(),
                d.lines.line_col(&d.source, f.span.start).line,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("STYLE001".to_owned(), 10), ("STYLE003".to_owned(), 18)],
        "{:?}",
        out[0]
    );
    let file_off = format!("{src}\n<!-- pressgate-disable-file STYLE001 STYLE003 -->\n");
    let d = parse("notes.md", &file_off, Format::Markdown);
    assert!(engine("").check(&[d])[0].is_empty());
}

#[test]
fn ignore_globs_apply_to_document_paths() {
    let e = engine("ignore = [\"drafts/**\"]\n");
    assert!(e.is_ignored("/p/drafts/a.md"));
    assert!(!e.is_ignored("/p/posts/a.md"));
}

/// A rule that panics and one that reports a span past the end of the source.
struct Broken;
const BROKEN: RuleMeta = RuleMeta {
    code: "TEST901",
    name: "broken",
    pack: "test",
    default_severity: Severity::Warning,
    summary: "s",
    doc: "d",
    options: &[],
    fixable: false,
};
impl Rule for Broken {
    fn meta(&self) -> &RuleMeta {
        &BROKEN
    }
    fn check(&self, ctx: &RuleContext, doc: &Document, out: &mut Vec<Finding>) {
        if doc.source.contains("boom") {
            out.push(ctx.finding("TEST901", "partial", Span::new(0, 1)));
            panic!("boom");
        }
        out.push(ctx.finding("TEST901", "far", Span::new(2, 999)));
    }
}

#[test]
fn a_panicking_rule_becomes_an_error_finding_and_spans_are_clamped() {
    let e = Engine::from_rules(vec![Box::new(Broken)], &Config::default()).unwrap();
    let out = e.check(&[doc(&["boom"]), doc(&["héllo"])]);
    assert_eq!(out[0].len(), 1);
    assert_eq!(out[0][0].severity, Severity::Error);
    assert!(out[0][0].message.contains("internal error") && out[0][0].message.contains("boom"));
    // "héllo" is 6 bytes; offset 2 is inside "é", so the start moves back to 1.
    assert_eq!(out[1][0].span, Span::new(1, 6));
}

/// A real project folder: `fixtures/config/overrides/`.
#[test]
fn project_folder_with_overrides_and_ignore() {
    use crate::doc::{parse, Format};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/overrides");
    let cfg = Config::discover(&root.join("posts/autolyse.md")).unwrap();
    let e = Engine::from_config(&cfg).unwrap();
    let load = |rel: &str| {
        let path = cfg.root.join(rel);
        let source = std::fs::read_to_string(&path).unwrap();
        parse(&path.to_string_lossy(), &source, Format::Markdown)
    };
    let (post, glossary, draft) = (
        load("posts/autolyse.md"),
        load("glossary/autolyse.md"),
        load("drafts/autolyse.md"),
    );
    assert!(e.is_ignored(&draft.path));
    assert!(!e.is_ignored(&post.path));
    let out = e.check(&[post, glossary]);
    assert_eq!(codes(&out[0]), vec!["STYLE001", "STYLE006"]);
    assert_eq!(out[0][1].severity, Severity::Error);
    assert!(out[1].is_empty(), "{:?}", out[1]);
}

/// Reports the audience it was given, to observe per-document settings.
struct ShowAudience;
const SHOW_AUDIENCE: RuleMeta = RuleMeta {
    code: "TEST902",
    name: "show-audience",
    pack: "test",
    default_severity: Severity::Info,
    summary: "s",
    doc: "d",
    options: &[],
    fixable: false,
};
impl Rule for ShowAudience {
    fn meta(&self) -> &RuleMeta {
        &SHOW_AUDIENCE
    }
    fn check(&self, ctx: &RuleContext, _: &Document, out: &mut Vec<Finding>) {
        let audience = ctx.settings.audience.clone().unwrap_or_default();
        out.push(ctx.finding("TEST902", audience, Span::file_start()));
    }
}

#[test]
fn override_settings_reach_rules() {
    let cfg = config(
        "[settings]\naudience = \"general\"\n[[overrides]]\nfiles = [\"papers/**\"]\n[overrides.settings]\naudience = \"expert\"\n",
    );
    let e = Engine::from_rules(vec![Box::new(ShowAudience)], &cfg).unwrap();
    let mut blog = doc(&["Text."]);
    blog.path = "/p/blog/a.md".into();
    let mut paper = blog.clone();
    paper.path = "/p/papers/a.md".into();
    let out = e.check(&[blog, paper]);
    assert_eq!(out[0][0].message, "general");
    assert_eq!(out[1][0].message, "expert");
}

#[test]
fn suppressions_work_on_parsed_html() {
    use crate::doc::{parse, Format};
    let src = "<html><body>\n<p>In conclusion, mix.</p>\n<!-- pressgate-disable-next-line STYLE001 -->\n<p>In conclusion, bake.</p>\n</body></html>\n";
    let d = parse("a.html", src, Format::Html);
    let out = engine("[rules]\nselect = [\"STYLE001\"]\n").check(std::slice::from_ref(&d));
    let lines: Vec<usize> = out[0]
        .iter()
        .map(|f| d.lines.line_col(&d.source, f.span.start).line)
        .collect();
    assert_eq!(lines, vec![2]);
}

/// A Markdown page at `path` titled `title`, parsed like `pressgate check` parses it.
fn titled(path: &str, title: &str, body: &str) -> Document {
    crate::doc::parse(
        path,
        &format!("---\ntitle: {title}\n---\n\n# Heading\n\n{body}\n"),
        crate::doc::Format::Markdown,
    )
}

fn duplicate_title_engine(cfg: &str) -> Engine {
    let rules: Vec<Box<dyn Rule>> = crate::rules::registry()
        .into_iter()
        .filter(|r| r.meta().code == "SEO018")
        .collect();
    Engine::from_rules(rules, &config(cfg)).unwrap()
}

#[test]
fn streamed_set_check_matches_whole_set_check() {
    let e = duplicate_title_engine(
        "[[overrides]]\nfiles = [\"quiet/**\"]\nignore = [\"SEO018\"]\n\n\
         [[overrides]]\nfiles = [\"loud/**\"]\n[overrides.SEO018]\nseverity = \"error\"\n",
    );
    let docs = vec![
        titled("/p/a.md", "Best Grinders", "One."),
        titled("/p/b.md", "Other", "Two."),
        titled("/p/quiet/c.md", "best   grinders", "Three."),
        titled("/p/loud/d.md", "Best Grinders", "Four."),
    ];
    let whole = e.check(&docs);
    let mut checks: Vec<DocumentCheck> = docs.iter().map(|d| e.check_document(d)).collect();
    e.check_sets(&mut checks);
    let streamed: Vec<Vec<Finding>> = checks.into_iter().map(|c| c.findings).collect();
    assert_eq!(streamed, whole);
    assert_eq!(codes(&whole[0]), vec!["SEO018"]);
    assert!(
        whole[0][0].message.contains("/p/quiet/c.md"),
        "off pages still count"
    );
    assert!(whole[1].is_empty());
    assert!(whole[2].is_empty(), "SEO018 is off under quiet/");
    assert_eq!(whole[3][0].severity, Severity::Error);
}

#[test]
fn set_findings_respect_inline_suppressions_when_streamed() {
    let e = duplicate_title_engine("");
    let quiet = titled("/p/b.md", "Same", "<!-- pressgate-disable-file SEO018 -->");
    let docs = [titled("/p/a.md", "Same", "Body."), quiet];
    let mut checks: Vec<DocumentCheck> = docs.iter().map(|d| e.check_document(d)).collect();
    e.check_sets(&mut checks);
    assert_eq!(codes(&checks[0].findings), vec!["SEO018"]);
    assert!(checks[1].findings.is_empty());
}

/// Findings of `engine` for `doc`, once with the shared token scan and once with every rule
/// scanning on its own: they must be the same.
fn assert_shared_scan_agrees(engine: &mut Engine, doc: &Document) {
    let shared = engine.check_document(doc).findings;
    let scan = engine.token_scan.take();
    let alone = engine.check_document(doc).findings;
    engine.token_scan = scan;
    assert_eq!(shared, alone, "{}", doc.path);
}

#[test]
fn shared_token_scan_serves_the_embedded_token_rules() {
    let engine = engine("");
    let scan = engine.token_scan.as_ref().expect("a shared scan");
    let served: Vec<&str> = engine
        .rules
        .iter()
        .zip(&scan.slots)
        .filter(|(_, slot)| slot.is_some())
        .map(|(r, _)| r.meta().code)
        .collect();
    assert_eq!(
        served,
        ["STYLE001", "STYLE002", "STYLE003", "STYLE004", "STYLE008", "STYLE010"]
    );
}

#[test]
fn shared_token_scan_finds_what_each_rule_finds_alone() {
    let mut engine = match Engine::from_config(&Config::default()) {
        Ok(e) => e,
        Err(e) => panic!("engine does not build: {e}"),
    };
    assert!(engine.token_scan.is_some());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).expect("fixtures").flatten() {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("md") => Format::Markdown,
                Some("html") => Format::Html,
                _ => continue,
            };
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            let doc = parse(&path.display().to_string(), &source, format);
            assert_shared_scan_agrees(&mut engine, &doc);
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} fixtures");
    let texts = [
        "# In Order To Win\n\nWe UTILIZE it in order to win; it’s  worth\nnoting that Studies Show nothing.\n\n## Prior to baking, delve\n\nIt might perhaps help, and it could possibly, seemingly, somewhat help.\n",
        "A ba\u{212A}e sale: we utili\u{17F}e it. Ma\u{212A}e sure it might, could, perhaps.\n\nIn today's fast-paced world!\n",
        "<html><body><h2>Is able to delve</h2><p>durable reliable able. In order\u{a0}to, a game-changer (game-changer) — let’s dive in!</p><pre>in order to utilize</pre></body></html>",
    ];
    for (i, text) in texts.iter().enumerate() {
        let format = if text.starts_with('<') {
            Format::Html
        } else {
            Format::Markdown
        };
        let doc = parse(&format!("t{i}"), text, format);
        assert_shared_scan_agrees(&mut engine, &doc);
    }
}

#[test]
fn sorting_findings_matches_a_stable_sort() {
    let mut stream = crate::test_fixtures::Stream(0x2545_F491_4F6C_DD1D);
    let mut next = |n: usize| stream.below(n);
    for round in 0..500 {
        let n = next(40);
        let mut findings: Vec<Finding> = (0..n)
            .map(|i| {
                let start = next(6);
                let mut f = Finding::new(
                    ["A1", "B2", "C3"][next(3)],
                    Severity::Warning,
                    ["m", "n"][next(2)],
                    Span::new(start, start + next(3)),
                );
                // Equal keys keep their order: the help tells them apart.
                f.help = Some(i.to_string().into());
                f
            })
            .collect();
        if round % 5 == 0 {
            findings.sort_by(finding_order);
        }
        let mut expected = findings.clone();
        expected.sort_by(finding_order);
        sort_findings(&mut findings);
        let got: Vec<(String, Option<String>)> = findings
            .iter()
            .map(|f| (f.code.to_string(), f.help.as_deref().map(str::to_owned)))
            .collect();
        let want: Vec<(String, Option<String>)> = expected
            .iter()
            .map(|f| (f.code.to_string(), f.help.as_deref().map(str::to_owned)))
            .collect();
        assert_eq!(got, want);
    }
}
