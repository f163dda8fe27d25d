//! Whole-document tests on the example files in `fixtures/docs/` and on hostile input.
use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn parse_fixture(name: &str) -> Document {
    let source = fixture(name);
    let doc = parse(name, &source, Format::from_path(name));
    assert_spans_valid(&doc);
    assert_sentences_match_source(&doc);
    doc
}

fn slice(doc: &Document, span: Span) -> &str {
    &doc.source[span.start..span.end]
}

fn line_col(doc: &Document, span: Span) -> (usize, usize) {
    let lc = doc.lines.line_col(&doc.source, span.start);
    (lc.line, lc.column)
}

/// Every span slices the source at character boundaries.
fn assert_spans_valid(doc: &Document) {
    let mut spans: Vec<Span> = Vec::new();
    spans.extend(doc.headings.iter().map(|h| h.span));
    spans.extend(doc.blocks.iter().map(|b| b.span));
    spans.extend(doc.sentences.iter().map(|s| s.span));
    spans.extend(doc.links.iter().map(|l| l.span));
    spans.extend(doc.images.iter().map(|i| i.span));
    spans.extend(doc.citations.iter().map(|c| c.span));
    spans.extend(doc.references.iter().map(|r| r.span));
    spans.extend(doc.json_ld.iter().map(|j| j.span));
    spans.extend(doc.comments.iter().map(|c| c.span));
    spans.extend(doc.diagnostics.iter().map(|d| d.span));
    for text in [
        &doc.title,
        &doc.meta_description,
        &doc.canonical,
        &doc.lang,
        &doc.robots,
        &doc.published,
        &doc.modified,
    ]
    .into_iter()
    .flatten()
    {
        spans.push(text.span);
    }
    for span in spans {
        assert!(span.start <= span.end, "{span:?}");
        assert!(doc.source.get(span.start..span.end).is_some(), "{span:?}");
    }
    // A sentence's text is its range of its block's text: the range must fit, or the text
    // would come out empty.
    for sentence in &doc.sentences {
        let (start, end) = sentence.text_range;
        let block = &doc.blocks[sentence.block];
        assert!(block.text.get(start..end).is_some(), "{sentence:?}");
    }
}

/// Each sentence's source span holds its first and last word (realistic documents only: in odd
/// ones, words may be glued together from separate elements).
fn assert_sentences_match_source(doc: &Document) {
    for sentence in &doc.sentences {
        let source = slice(doc, sentence.span);
        let words: Vec<&str> = sentence
            .text(doc)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            assert!(
                source.starts_with(|c: char| !c.is_alphanumeric()) || source.starts_with(first),
                "{first:?} does not start {source:?}"
            );
            assert!(source.contains(last), "{last:?} not in {source:?}");
        }
    }
}

#[test]
fn yaml_blog_post_metadata() {
    let doc = parse_fixture("blog-post-yaml.md");
    assert!(doc.diagnostics.is_empty());
    let title = doc.title.as_ref().expect("title");
    assert_eq!(title.text, "How Heat Pumps Cut Winter Energy Bills");
    assert_eq!(line_col(&doc, title.span), (2, 9));
    assert_eq!(
        slice(&doc, title.span),
        "How Heat Pumps Cut Winter Energy Bills"
    );
    assert!(doc
        .meta_description
        .as_ref()
        .is_some_and(|d| d.text.starts_with("A practical")));
    assert_eq!(
        doc.canonical.as_ref().map(|c| c.text.as_str()),
        Some("https://example.com/blog/heat-pumps")
    );
    assert_eq!(doc.lang.as_ref().map(|l| l.text.as_str()), Some("en-US"));
    assert_eq!(
        doc.robots.as_ref().map(|r| r.text.as_str()),
        Some("index, follow")
    );
    assert_eq!(
        doc.published.as_ref().map(|p| p.text.as_str()),
        Some("2024-03-18")
    );
    assert_eq!(
        doc.modified.as_ref().map(|p| p.text.as_str()),
        Some("2024-04-02")
    );
    let byline = doc.byline.as_ref().expect("byline");
    assert_eq!(byline.name, "Jane Doe");
    assert_eq!(byline.url.as_deref(), Some("/authors/jane-doe"));
    assert_eq!(
        doc.meta("title"),
        Some("How Heat Pumps Cut Winter Energy Bills")
    );
    assert_eq!(doc.comments.len(), 1);
    assert_eq!(doc.comments[0].text, "pressgate-disable-next-line STYLE004");
    assert_eq!(line_col(&doc, doc.comments[0].span), (17, 1));
}

#[test]
fn yaml_blog_post_body() {
    let doc = parse_fixture("blog-post-yaml.md");
    let headings: Vec<(u8, &str)> = doc
        .headings
        .iter()
        .map(|h| (h.level, h.text.as_str()))
        .collect();
    assert_eq!(
        headings,
        vec![
            (1, "How Heat Pumps Cut Winter Energy Bills"),
            (2, "What the field trials found"),
            (2, "References")
        ]
    );
    assert_eq!(line_col(&doc, doc.headings[1].span), (20, 1));
    // The references list and the footnote definition are not body text.
    assert!(doc
        .blocks
        .iter()
        .all(|b| !b.text.contains("Department of Energy")));
    assert!(doc.blocks.iter().all(|b| !b.text.contains("R-30")));
    let code = doc
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::Code)
        .expect("code block");
    assert!(code.text.contains("[7]"));
    assert!(
        doc.citations.iter().all(|c| c.label != "7"),
        "no citations in code"
    );
    let labels: Vec<&str> = doc.citations.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, vec!["1", "2", "3", "4", "5", "6", "2", "cold"]);
    for citation in &doc.citations {
        let sentence = &doc.sentences[citation.sentence.expect("in a sentence")];
        let marker = slice(&doc, citation.span);
        assert!(
            sentence.text(&doc).contains(marker),
            "{marker} in {}",
            sentence.text(&doc)
        );
    }
    let quote = doc
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::BlockQuote)
        .expect("quote");
    assert!(quote
        .text
        .starts_with("\"The numbers surprised us,\" said Mr. Lee."));
    let sentences: Vec<&str> = doc.sentences.iter().map(|s| s.text(&doc)).collect();
    assert!(sentences.contains(&"\"The numbers surprised us,\" said Mr. Lee."));
    assert!(sentences.contains(
        &"Dr. Smith's team monitored 742 homes in the U.S. and Canada over two winters.[4-6]"
    ));
    assert_eq!(doc.references.len(), 7);
    let labels: Vec<&str> = doc.references.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, vec!["1", "2", "3", "4", "5", "6", "cold"]);
    assert_eq!(
        doc.references[1].title.as_deref(),
        Some("Cold-climate heat pump performance")
    );
    assert_eq!(doc.images.len(), 1);
    assert_eq!(
        doc.images[0].alt.as_deref(),
        Some("Outdoor unit of an air-source heat pump")
    );
    assert_eq!(doc.links[0].text, "summary");
    assert!(doc.word_count() > 100);
}

#[test]
fn toml_blog_post() {
    let doc = parse_fixture("blog-post-toml.md");
    assert!(doc.diagnostics.is_empty(), "{:?}", doc.diagnostics);
    assert_eq!(
        doc.title.as_ref().map(|t| t.text.as_str()),
        Some("A Beginner's Guide to Sourdough")
    );
    let published = doc.published.as_ref().expect("date");
    assert_eq!(published.text, "2023-11-05T09:00:00Z");
    assert_eq!(slice(&doc, published.span), "2023-11-05T09:00:00Z");
    assert_eq!(
        doc.modified.as_ref().map(|m| m.text.as_str()),
        Some("2024-01-10")
    );
    let byline = doc.byline.as_ref().expect("byline");
    assert_eq!(byline.name, "Sam Roe");
    assert_eq!(
        byline.url.as_deref(),
        Some("https://example.com/authors/sam")
    );
    let labels: Vec<&str> = doc.references.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, vec!["1", "2"]);
    assert_eq!(
        doc.references[0].title.as_deref(),
        Some("Sourdough starter")
    );
    assert_eq!(doc.citations.len(), 2);
    let sentences: Vec<&str> = doc.sentences.iter().map(|s| s.text(&doc)).collect();
    assert!(sentences
        .contains(&"Bake at 250 °C for 20 min. with the lid on, then 20 min. without it [2]."));
    let by = doc
        .sentences
        .iter()
        .find(|s| s.text(&doc) == "By Sam Roe")
        .expect("by line");
    assert_eq!(
        slice(&doc, by.span),
        "By [Sam Roe](https://example.com/authors/sam)"
    );
}

#[test]
fn byline_line_without_front_matter() {
    let src = "# Title\n\nBy [Jane Doe](/authors/jane)\n\nText.\n";
    let doc = parse("b.md", src, Format::Markdown);
    let byline = doc.byline.expect("byline");
    assert_eq!(byline.name, "Jane Doe");
    assert_eq!(byline.url.as_deref(), Some("/authors/jane"));
    assert_eq!(slice_of(src, byline.span), "Jane Doe");
    let plain = parse("b.md", "By Ann Lee\n\nText.\n", Format::Markdown);
    assert_eq!(plain.byline.map(|b| b.name), Some("Ann Lee".to_owned()));
    let prose = parse(
        "b.md",
        "# T\n\n## A\n\nBy the way, this is prose.\n",
        Format::Markdown,
    );
    assert!(prose.byline.is_none());
}

fn slice_of(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

#[test]
fn broken_front_matter_is_reported_and_body_parsed() {
    let doc = parse_fixture("broken-front-matter.md");
    assert_eq!(doc.diagnostics.len(), 1);
    let finding = &doc.diagnostics[0];
    assert_eq!(finding.code, "PARSE001");
    assert_eq!(finding.severity, crate::finding::Severity::Error);
    assert!(finding.message.contains("line 4"), "{}", finding.message);
    assert!(slice(&doc, finding.span).starts_with("---\ntitle: Broken"));
    assert!(doc.front_matter.is_none());
    assert_eq!(doc.headings[0].text, "Still parsed");
    assert_eq!(line_col(&doc, doc.headings[0].span), (7, 1));
    assert_eq!(doc.sentences.len(), 1);
}

#[test]
fn html_news_article() {
    let doc = parse_fixture("news-article.html");
    assert_eq!(
        doc.title.as_ref().map(|t| t.text.as_str()),
        Some("City Council Approves New Bike Lanes | The Daily Example")
    );
    assert_eq!(
        line_col(&doc, doc.title.as_ref().expect("title").span),
        (5, 10)
    );
    let description = doc.meta_description.as_ref().expect("description");
    assert_eq!(
        description.text,
        "The council voted 7–2 to add 12 km of protected bike lanes by 2026."
    );
    assert_eq!(doc.lang.as_ref().map(|l| l.text.as_str()), Some("en"));
    assert_eq!(
        doc.robots.as_ref().map(|r| r.text.as_str()),
        Some("index, follow")
    );
    assert_eq!(
        doc.canonical.as_ref().map(|c| c.text.as_str()),
        Some("https://news.example.com/2024/05/bike-lanes")
    );
    assert_eq!(
        doc.published.as_ref().map(|p| p.text.as_str()),
        Some("2024-05-14T08:30:00Z")
    );
    assert_eq!(
        doc.modified.as_ref().map(|p| p.text.as_str()),
        Some("2024-05-14T12:05:00Z")
    );
    let byline = doc.byline.as_ref().expect("byline");
    assert_eq!(byline.name, "Maria Garcia");
    assert_eq!(byline.url.as_deref(), Some("/staff/maria-garcia"));
    assert_eq!(slice(&doc, byline.span), "Maria Garcia");
    assert_eq!(doc.json_ld.len(), 1);
    let ld = doc.json_ld[0].value.as_ref().expect("json-ld");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(doc.comments.len(), 1);
    assert_eq!(line_col(&doc, doc.comments[0].span), (23, 3));

    let headings: Vec<&str> = doc.headings.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        headings,
        vec!["City Council Approves New Bike Lanes", "References"]
    );
    let sentences: Vec<&str> = doc.sentences.iter().map(|s| s.text(&doc)).collect();
    assert_eq!(
        sentences,
        vec![
            "The council voted 7–2 on Tuesday to add 12 km of protected bike lanes.[1]",
            "Construction starts in August, according to Mayor J. R. Ortiz.",
            "Cycling trips rose 18 percent last year [2].",
            "Critics say parking losses will hurt shops & restaurants.",
            "Main St. today.",
        ]
    );
    assert_eq!(line_col(&doc, doc.sentences[1].span), (31, 7));
    let labels: Vec<(&str, Option<usize>)> = doc
        .citations
        .iter()
        .map(|c| (c.label.as_str(), c.sentence))
        .collect();
    assert_eq!(labels, vec![("1", Some(0)), ("2", Some(2))]);
    assert_eq!(doc.references.len(), 2);
    assert_eq!(
        doc.references[1].url.as_deref(),
        Some("https://city.example.gov/cycling-2023.pdf")
    );
    assert!(doc.links.iter().any(|l| l.rel == vec!["author"]));
    assert_eq!(
        doc.images[0].alt.as_deref(),
        Some("A protected bike lane on Main St.")
    );
    // Navigation and footer text are not body blocks.
    assert!(doc
        .blocks
        .iter()
        .all(|b| !b.text.contains("2024 The Daily Example")));
}

fn nested_divs(depth: usize) -> String {
    let mut html = String::with_capacity(depth * 11 + 64);
    html.push_str("<html><body>");
    for _ in 0..depth {
        html.push_str("<div>");
    }
    html.push_str("<p>Deep text.</p>");
    for _ in 0..depth {
        html.push_str("</div>");
    }
    html.push_str("</body></html>");
    html
}

#[test]
fn deeply_nested_html_neither_overflows_nor_hangs() {
    let html = nested_divs(100_000);
    let started = std::time::Instant::now();
    let doc = parse("deep.html", &html, Format::Html);
    assert_spans_valid(&doc);
    assert_eq!(doc.sentences.len(), 1);
    assert_eq!(slice(&doc, doc.sentences[0].span), "Deep text.");
    // Debug builds are slow; this only guards against quadratic behaviour (minutes).
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn deeply_nested_markdown_is_fine() {
    let quotes = format!("{} deep\n", ">".repeat(20_000));
    let doc = parse("q.md", &quotes, Format::Markdown);
    assert_spans_valid(&doc);
    let lists: String = (0..2_000)
        .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
        .collect();
    let doc = parse("l.md", &lists, Format::Markdown);
    assert_spans_valid(&doc);
    assert!(!doc.blocks.is_empty());
}

#[test]
fn odd_inputs_never_panic() {
    let cases = [
        "",
        "\u{feff}",
        "---",
        "---\n",
        "+++\n+++",
        "---\n: :\n---\n",
        "<",
        "<!--",
        "<!-- a",
        "&",
        "&#xFFFFFFFF;",
        "&#0;",
        "\0\0",
        "[^]",
        "[^x]: ",
        "[1]: <>",
        "# \u{301}",
        "é[1]é.[2]",
        "<a href='x'>[1]</a></a></a>",
        "<sup><a href=\"#r\">1</sup></a>",
        "<table><tr><td>a<table><td>b</table>text</table>",
        "<p>a\r\nb\rc</p>",
        "<title>x",
        "<script type=application/ld+json>{",
        "<pre>\n\nx</pre>",
        "<html lang>",
        "<meta name=description content>",
        "<svg><title>t</title></svg><title>real</title>",
        "<h2>References</h2><ol><li><ol><li>a</li></ol></li></ol>",
        "## References\n\n1. [a](b)\n   - nested [c](d)\n",
        "| a |\n|---|\n| [1] |",
        "By\n",
        "x.[",
        "<a href=\"&#\">&#</a>",
    ];
    for (i, case) in cases.iter().enumerate() {
        for format in [Format::Markdown, Format::Html] {
            let doc = parse(&format!("case{i}"), case, format);
            assert_spans_valid(&doc);
        }
    }
}

#[test]
fn every_prefix_of_the_fixtures_parses() {
    // Truncated files exercise unclosed constructs at every position.
    for name in ["blog-post-yaml.md", "news-article.html"] {
        let src = fixture(name);
        let format = Format::from_path(name);
        let mut cut = 0;
        while cut < src.len() {
            if src.is_char_boundary(cut) {
                let doc = parse(name, &src[..cut], format);
                assert_spans_valid(&doc);
                let doc = parse(name, &src[cut..], format);
                assert_spans_valid(&doc);
            }
            cut += 7;
        }
    }
}

/// A realistic Markdown article of about `words` words: front matter, sections, paragraphs
/// with links, emphasis and citations, a list, a table and a references list.
fn synthetic_article(words: usize) -> String {
    let sentence = "Dr. Lee's team measured a 3.5 percent gain in *real* output across 120 sites, \
                    as the [annual review](https://example.org/review) notes.[1] ";
    let per_sentence = sentence.split_whitespace().count();
    let mut out = String::from(
        "---\ntitle: \"Synthetic article\"\ndescription: A generated article.\nauthor: Jane Doe\ndate: 2024-01-01\n---\n\n# Synthetic article\n\n",
    );
    let mut written = 0;
    let mut section = 0;
    while written < words {
        section += 1;
        out.push_str(&format!("## Section {section}\n\n"));
        for _ in 0..3 {
            for _ in 0..4 {
                out.push_str(sentence);
                written += per_sentence;
            }
            out.push_str("\n\n");
        }
        out.push_str("- First point, e.g. this one [2].\n- Second point with `code`.\n\n");
        out.push_str("| Metric | Value |\n|---|---|\n| Gain | 3.5% |\n\n");
        written += 16;
    }
    out.push_str("## References\n\n1. [Annual review](https://example.org/review), 2023.\n2. Smith, \"Other\", https://example.org/other\n");
    out
}

/// Release-mode timing (run with optimisations): `cargo test --lib doc::tests::parse_speed -- --ignored --nocapture`.
#[test]
#[ignore = "timing report, run on demand with optimisations"]
fn parse_speed() {
    let article = synthetic_article(1_500);
    let words = parse("a.md", &article, Format::Markdown).word_count();
    let runs = 500;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        std::hint::black_box(parse("a.md", &article, Format::Markdown));
    }
    let per_doc = started.elapsed() / runs;
    eprintln!(
        "markdown: {words} words, {} bytes: {per_doc:?} per parse",
        article.len()
    );

    let html = format!(
        "<html><head><title>T</title></head><body><article>{}</article></body></html>",
        article
            .split("\n\n")
            .map(|p| format!("<p>{}</p>\n", p.replace('*', "")))
            .collect::<String>()
    );
    let started = std::time::Instant::now();
    for _ in 0..runs {
        std::hint::black_box(parse("a.html", &html, Format::Html));
    }
    eprintln!(
        "html: {} bytes: {:?} per parse",
        html.len(),
        started.elapsed() / runs
    );

    let big_md = synthetic_article(800_000);
    let started = std::time::Instant::now();
    let doc = parse("big.md", &big_md, Format::Markdown);
    eprintln!(
        "markdown {} MB: {:?} ({} sentences)",
        big_md.len() >> 20,
        started.elapsed(),
        doc.sentences.len()
    );
    let big_html = html.repeat(5_000_000 / html.len() + 1);
    let started = std::time::Instant::now();
    let doc = parse("big.html", &big_html, Format::Html);
    eprintln!(
        "html {} MB: {:?} ({} sentences)",
        big_html.len() >> 20,
        started.elapsed(),
        doc.sentences.len()
    );
}

/// Inputs built from one repeated construct must parse in time linear in their size.
#[test]
fn repetitive_inputs_stay_fast() {
    let size = 400_000;
    let patterns = [
        "a. [",
        "<!--",
        "[1] ",
        "<a href=\"",
        "&amp;",
        "*a ",
        "`",
        "<p>",
        "<b><i>",
        "\r\n",
        "[^x] ",
        "<sup><a href=#r>1</a></sup>. ",
        "> ",
        "</div>",
        "<",
        "[",
        "a.[1",
        "<script>",
        "]: x\n",
        "<p> ",
        "<b>x",
        "<td>x",
        "<table>",
        "<a>",
        "</p>x",
        "<li><p>",
        "<h2>References</h2><ol><li>",
        "<p>a<b>b<p>c",
    ];
    for pattern in patterns {
        let text = pattern.repeat(size / pattern.len());
        for format in [Format::Markdown, Format::Html] {
            let started = std::time::Instant::now();
            let doc = parse("r", &text, format);
            assert_spans_valid(&doc);
            let elapsed = started.elapsed();
            // Debug build: a linear parse takes well under a second; quadratic takes minutes.
            assert!(
                elapsed.as_secs() < 20,
                "{pattern:?} {format:?}: {elapsed:?}"
            );
        }
    }
}

/// Syntax fragments the mutation test splices into documents.
const FRAGMENTS: &[&str] = &[
    "<",
    ">",
    "</",
    "<!--",
    "-->",
    "&",
    "&amp;",
    "&#x",
    ";",
    "\"",
    "'",
    "=",
    "[",
    "]",
    "(",
    ")",
    "[^",
    "]:",
    "`",
    "```\n",
    "\n",
    "\r\n",
    "\n\n",
    "---\n",
    "+++\n",
    "# ",
    "## References\n",
    "- ",
    "1. ",
    "> ",
    "|",
    "|---|\n",
    "*",
    "_",
    "~~",
    "![",
    "<a href=\"#r\">",
    "</a>",
    "<sup>",
    "</sup>",
    "<p>",
    "</p>",
    "<li>",
    "<ol start=99999999999999999999>",
    "<table>",
    "<td>",
    "<script type=\"application/ld+json\">",
    "</script>",
    "<title>",
    "<pre>",
    "<svg>",
    "<br>",
    "[1]",
    "[2, 3]",
    "[4-6]",
    "e.g. ",
    "Mr. ",
    "...",
    "…",
    "é",
    "\u{0}",
    "\u{feff}",
    "\u{200b}",
    "By Jane",
    "<time datetime=",
    "<meta name=description content=",
    "<html lang=",
];

/// Random splicing of fixture documents and syntax fragments; any panic fails with the input.
/// Run longer with `PRESSGATE_FUZZ_SECS=300 cargo test --lib doc::tests::random_mutations -- --ignored`.
#[test]
#[ignore = "long-running randomised test, run on demand"]
fn random_mutations() {
    use rand::{Rng, SeedableRng};
    let seconds: u64 = std::env::var("PRESSGATE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("PRESSGATE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let corpus: Vec<String> = [
        "blog-post-yaml.md",
        "blog-post-toml.md",
        "broken-front-matter.md",
        "news-article.html",
    ]
    .iter()
    .map(|name| fixture(name))
    .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut runs = 0u64;
    while std::time::Instant::now() < deadline {
        let mut text = corpus[rng.random_range(0..corpus.len())].clone();
        for _ in 0..rng.random_range(1..24) {
            let at = floor_boundary(&text, rng.random_range(0..=text.len()));
            match rng.random_range(0..4) {
                0 => text.insert_str(at, FRAGMENTS[rng.random_range(0..FRAGMENTS.len())]),
                1 => {
                    let end = floor_boundary(&text, (at + rng.random_range(0..64)).min(text.len()));
                    text.replace_range(at..end.max(at), "");
                }
                2 => {
                    let end =
                        floor_boundary(&text, (at + rng.random_range(0..256)).min(text.len()));
                    let piece = text[at..end.max(at)].to_owned();
                    let to = floor_boundary(&text, rng.random_range(0..=text.len()));
                    text.insert_str(to, &piece);
                }
                _ => {
                    let other = &corpus[rng.random_range(0..corpus.len())];
                    let from = floor_boundary(other, rng.random_range(0..=other.len()));
                    let end =
                        floor_boundary(other, (from + rng.random_range(0..512)).min(other.len()));
                    text.insert_str(at, &other[from..end.max(from)]);
                }
            }
        }
        for format in [Format::Markdown, Format::Html] {
            let result = std::panic::catch_unwind(|| {
                let doc = parse("fuzz", &text, format);
                assert_spans_valid(&doc);
            });
            if result.is_err() {
                let dir = format!("{}/target/doc-fuzz-failures", env!("CARGO_MANIFEST_DIR"));
                let _ = std::fs::create_dir_all(&dir);
                let path = format!("{dir}/seed{seed}-run{runs}-{format:?}.txt");
                let _ = std::fs::write(&path, &text);
                panic!("{format:?} parse failed on input saved to {path}");
            }
        }
        runs += 1;
    }
    eprintln!("{runs} mutated documents parsed in both formats");
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[test]
#[ignore = "timing breakdown, run on demand with optimisations"]
fn parse_speed_breakdown() {
    let article = synthetic_article(1_500);
    let runs = 500;
    let time = |label: &str, f: &dyn Fn()| {
        let started = std::time::Instant::now();
        for _ in 0..runs {
            f();
        }
        eprintln!("{label}: {:?}", started.elapsed() / runs);
    };
    time("pulldown events", &|| {
        let opts =
            pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_FOOTNOTES;
        let n = pulldown_cmark::Parser::new_ext(&article, opts)
            .into_offset_iter()
            .count();
        std::hint::black_box(n);
    });
    time("line index", &|| {
        std::hint::black_box(LineIndex::new(&article));
    });
    time("front matter", &|| {
        let lines = LineIndex::new(&article);
        std::hint::black_box(front_matter::parse(&article, &lines).body_start);
    });
    time("markdown walk", &|| {
        std::hint::black_box(markdown::parse(&article, 0).body.blocks.len());
    });
    let doc = parse("a.md", &article, Format::Markdown);
    time("sentences", &|| {
        for b in &doc.blocks {
            std::hint::black_box(sentences::split(&b.text));
        }
    });
    time("citations", &|| {
        for b in &doc.blocks {
            std::hint::black_box(citations::find(&b.text, &[]));
        }
    });
    time("full parse", &|| {
        std::hint::black_box(parse("a.md", &article, Format::Markdown));
    });
}

#[test]
fn front_matter_json_ld_and_deep_values() {
    let src = "---\ntitle: T\njsonld:\n  \"@type\": Article\n  headline: T\n---\nBody.\n";
    let doc = parse("j.md", src, Format::Markdown);
    assert_eq!(doc.json_ld.len(), 1);
    assert_eq!(
        doc.json_ld[0].value.as_ref().map(|v| v["@type"].clone()),
        Some("Article".into())
    );
    let deep_toml = format!(
        "+++\na = {}{}\n+++\nBody.\n",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let doc = parse("t.md", &deep_toml, Format::Markdown);
    assert_spans_valid(&doc);
    let deep_yaml = format!(
        "---\na: {}{}\n---\nBody.\n",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let doc = parse("y.md", &deep_yaml, Format::Markdown);
    assert_spans_valid(&doc);
    assert_eq!(doc.sentences.len(), 1);
}

#[test]
fn html_cells_and_inline_images_keep_their_blocks() {
    let src = "<table><tr><td><div>a</div>b</td></tr></table><p>x <img src=i.png> y</p>";
    let doc = parse("t.html", src, Format::Html);
    let blocks: Vec<(BlockKind, &str)> = doc
        .blocks
        .iter()
        .map(|b| (b.kind, b.text.as_str()))
        .collect();
    assert_eq!(
        blocks,
        vec![
            (BlockKind::TableCell, "a"),
            (BlockKind::TableCell, "b"),
            (BlockKind::Paragraph, "x y")
        ]
    );
}

#[test]
fn invented_elements_do_not_steal_later_tags() {
    // The parser invents a <tbody> for the first table and reopens <b> in the second paragraph;
    // neither may claim the tags of later elements.
    let src = "<table><tr><td>A</td></tr></table><p>Para <b>bold<p>still</b> end</p><table><tbody><tr><td>B</td></tr></tbody></table>";
    let doc = parse("t.html", src, Format::Html);
    let blocks: Vec<(&str, &str)> = doc
        .blocks
        .iter()
        .map(|b| (b.text.as_str(), slice(&doc, b.span)))
        .collect();
    assert_eq!(
        blocks,
        vec![
            ("A", "<td>A</td>"),
            ("Para bold", "<p>Para <b>bold"),
            ("still end", "<p>still</b> end</p>"),
            ("B", "<td>B</td>"),
        ]
    );
}

#[test]
fn html_with_bom_doctype_and_leading_comment() {
    let src = "\u{feff}<!DOCTYPE html>\n<!-- built 2024 -->\n<html lang=\"de\"><head><title>Titel</title></head><body><p>Hallo Welt.</p></body></html>";
    let doc = parse("b.html", src, Format::Html);
    assert_eq!(doc.lang.as_ref().map(|l| slice(&doc, l.span)), Some("de"));
    assert_eq!(
        doc.title.as_ref().map(|t| slice(&doc, t.span)),
        Some("Titel")
    );
    assert_eq!(slice(&doc, doc.blocks[0].span), "<p>Hallo Welt.</p>");
    assert_eq!(doc.comments.len(), 1);
}

#[test]
fn linked_images_name_their_links_in_html() {
    let src = "<p><a href=\"/home\"><img src=\"logo.png\" alt=\"Home page\"></a></p>";
    let doc = parse("l.html", src, Format::Html);
    assert_eq!(doc.links[0].text, "Home page");
    assert_eq!(
        slice(&doc, doc.links[0].span),
        src.trim_start_matches("<p>").trim_end_matches("</p>")
    );
}

#[test]
fn cached_counts_follow_blocks_and_sentences() {
    let doc = parse(
        "a.md",
        "# Title\n\nOne readable sentence here. Another -- one.\n\n```\ncode words\n```\n",
        Format::Markdown,
    );
    assert_eq!(doc.block_counts().len(), doc.blocks.len());
    assert_eq!(doc.sentence_counts().len(), doc.sentences.len());
    let expected: usize = doc
        .blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Code)
        .map(|b| b.text.split_whitespace().count())
        .sum();
    assert_eq!(doc.word_count(), expected);
    for (s, c) in doc.sentences.iter().zip(doc.sentence_counts()) {
        assert_eq!(
            c.words as usize,
            crate::doc::words::words(s.text(&doc)).count()
        );
    }
}

#[test]
fn block_counts_summed_from_sentences_equal_counting_each_block() {
    let mut sources: Vec<(String, String)> = vec![
        (
            "tricky.md".into(),
            "Mr. Smith paid $3.5 million... really?! Yes \u{a0}— «quoted.» Done.\u{3000}Next。 Then\u{2028}more\n\n\
             > Quote one. Quote two!\n\n- item one. item two\n- 3.14 is pi.\n\n| a b. | c d |\n|---|---|\n| e. f | g |\n"
                .into(),
        ),
        (
            "links.html".into(),
            "<p>See <a href=\"/x\">the report. It says</a> more. Then <b>bold. text</b>!</p><pre>code  a. b</pre>"
                .into(),
        ),
    ];
    sources.extend(crate::test_fixtures::fixture_texts(&["md", "html"]));
    for (path, text) in &sources {
        let format = if path.ends_with(".html") {
            Format::Html
        } else {
            Format::Markdown
        };
        let doc = parse(path, text, format);
        for (block, counts) in doc.blocks.iter().zip(doc.block_counts()) {
            assert_eq!(
                *counts,
                crate::doc::words::TextCounts::of(&block.text),
                "{path}: block {:?}",
                block.text
            );
        }
    }
}

#[test]
fn visited_words_are_the_words_of_the_non_code_blocks() {
    let mut sources: Vec<(String, String)> = vec![(
        "tricky.md".into(),
        "Mr. Smith paid $3.5 million... really?! Yes \u{a0}— «quoted.» Done.\u{3000}Next。 Then\u{2028}more\n\n\
         ```\ncode words\n```\n\n- item one. item two\n"
            .into(),
    )];
    sources.extend(crate::test_fixtures::fixture_texts(&["md", "html"]));
    for (path, text) in &sources {
        let format = Format::from_path(path);
        let expected: Vec<String> = {
            let doc = parse(path, text, format);
            doc.blocks
                .iter()
                .filter(|b| b.kind != BlockKind::Code)
                .flat_map(|b| crate::doc::words::words(&b.text))
                .map(str::to_owned)
                .collect()
        };
        // Counted on the walk, or already counted before it: the same words and counts.
        let first = parse(path, text, format);
        let mut visited = Vec::new();
        first.visit_words(|w| visited.push(w.text.to_owned()));
        assert_eq!(visited, expected, "{path}");
        let second = parse(path, text, format);
        let counted = second.sentence_counts().to_vec();
        let mut again = Vec::new();
        second.visit_words(|w| again.push(w.text.to_owned()));
        assert_eq!(again, expected, "{path}");
        assert_eq!(first.sentence_counts(), &counted[..], "{path}");
    }
}

/// A page of random headings, paragraphs, lists, reference sections, footnotes and links, in
/// Markdown or HTML, with varied whitespace and entities.
fn generated_page(rng: &mut crate::test_fixtures::Stream, html: bool) -> String {
    const WORDS: &[&str] = &[
        "alpha",
        "beta",
        "Dr.",
        "cited[1]",
        "[2, 3]",
        "`[4]`",
        "x&amp;y",
        "caf\u{e9}",
        "end.",
        "  ",
        "\n",
        "\t",
        "https://e.org/a",
        "\"Quoted title\"",
        "[^n]",
        "References",
        "Notes",
    ];
    let text = |rng: &mut crate::test_fixtures::Stream| {
        let mut out = String::new();
        for _ in 0..1 + rng.below(12) {
            out.push_str(WORDS[rng.below(WORDS.len())]);
            out.push_str([" ", " ", "  ", "\n"][rng.below(4)]);
        }
        out
    };
    let mut page = String::new();
    for _ in 0..2 + rng.below(14) {
        let t = text(rng);
        let piece = match (rng.below(7), html) {
            (0, false) => format!("## {t}\n\n"),
            (0, true) => format!("<h2>{t}</h2>\n"),
            (1, false) => "## References\n\n".to_owned(),
            (1, true) => "<h2>Notes</h2>\n".to_owned(),
            (2, false) => format!("1. {t}\n2. [{t}](https://e.org/{}) {t}\n\n", rng.below(9)),
            (2, true) => format!(
                "<ol><li>{t}</li><li value=\"7\"><a href=\"/r{}\">{t}</a> {t}</li></ol>\n",
                rng.below(9)
            ),
            (3, false) => format!("- {t}\n  - {t}\n\n"),
            (3, true) => format!("<ul><li>{t}<ul><li>{t}</li></ul></li></ul>\n"),
            (4, false) => format!("[^n]: {t}\n\n"),
            (4, true) => format!("<p>{t}<sup><a href=\"#n\">[1]</a></sup> <code>{t}</code></p>\n"),
            (5, false) => format!("```\n{t}\n```\n\n"),
            (5, true) => format!("<pre>{t}</pre>\n"),
            (_, false) => format!("{t} [link {t}](/x) {t}\n\n"),
            (_, true) => format!("<p>{t} <a href=\"/x\">link {t}</a> {t}</p>\n"),
        };
        page.push_str(&piece);
    }
    page
}

#[test]
fn reused_collectors_build_the_same_documents_as_fresh_ones() {
    let mut rng = crate::test_fixtures::Stream(0x5eed_d0c5);
    let mut sources: Vec<(String, String)> = crate::test_fixtures::fixture_texts(&["md", "html"]);
    for i in 0..400 {
        let html = i % 2 == 1;
        let path = if html { "g.html" } else { "g.md" };
        sources.push((path.to_owned(), generated_page(&mut rng, html)));
    }
    for (path, source) in &sources {
        let format = Format::from_path(path);
        let reused = format!("{:?}", parse(path, source, format));
        builder::FRESH_COLLECTORS.set(true);
        let fresh = format!("{:?}", parse(path, source, format));
        builder::FRESH_COLLECTORS.set(false);
        assert_eq!(reused, fresh, "{path}: {source:?}");
    }
}

/// Sentences hold no copy of their text: each one's text, read from its block, is the piece
/// the sentence splitter cut from that block (what the builder used to copy), in order, on
/// the fixtures and on generated pages.
#[test]
fn sentence_texts_are_the_split_pieces_of_their_blocks() {
    let mut rng = crate::test_fixtures::Stream(0x5e47_e4ce);
    let mut sources: Vec<(String, String)> = crate::test_fixtures::fixture_texts(&["md", "html"]);
    for i in 0..300 {
        let html = i % 2 == 1;
        let path = if html { "g.html" } else { "g.md" };
        sources.push((path.to_owned(), generated_page(&mut rng, html)));
    }
    let mut sentences_seen = 0;
    for (path, source) in &sources {
        let doc = parse(path, source, Format::from_path(path));
        let expected: Vec<(usize, &str)> = doc
            .blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind != BlockKind::Code)
            .flat_map(|(i, b)| {
                sentences::split(&b.text)
                    .into_iter()
                    .map(move |(s, e)| (i, &b.text[s..e]))
            })
            .collect();
        let texts: Vec<(usize, &str)> = doc
            .sentences
            .iter()
            .map(|s| (s.block, s.text(&doc)))
            .collect();
        assert_eq!(texts, expected, "{path}: {source:?}");
        sentences_seen += texts.len();
    }
    assert!(sentences_seen > 2_000, "{sentences_seen}");
}

/// A sentence whose block or range does not fit the document (built by hand) has no text;
/// one that fits reads its block's slice.
#[test]
fn a_sentence_that_does_not_fit_its_document_has_no_text() {
    let doc = parse("t.md", "Caf\u{e9} au lait. Two.", Format::Markdown);
    let text = doc.blocks[0].text.as_str();
    let sentence = |block, text_range| Sentence {
        span: Span::new(0, 0),
        block,
        text_range,
    };
    assert_eq!(sentence(0, (0, text.len())).text(&doc), text);
    assert_eq!(sentence(0, (5, 9)).text(&doc), " au ");
    assert_eq!(sentence(0, (3, 3)).text(&doc), "");
    // No such block; an inverted range; one that ends inside the `é`; one past the end.
    assert_eq!(sentence(1, (0, 1)).text(&doc), "");
    assert_eq!(sentence(0, (9, 5)).text(&doc), "");
    assert_eq!(sentence(0, (0, 4)).text(&doc), "");
    assert_eq!(sentence(0, (0, text.len() + 1)).text(&doc), "");
}
