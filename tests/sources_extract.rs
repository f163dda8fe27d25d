//! Main-text extraction on realistic pages in `fixtures/sites/`: the key paragraphs are kept,
//! the boilerplate around them is not, and the metadata is read.
mod support;

use pressgate::sources::{chunk_text, extract_html, ChunkOptions, Extracted, WordEstimate};

fn extract(name: &str) -> Extracted {
    let path = support::fixtures_dir().join("sites").join(name);
    let html = std::fs::read_to_string(&path).expect("fixture");
    let base = url::Url::parse(&format!("https://site.example/{name}")).expect("url");
    extract_html(&html, Some(&base))
}

fn assert_contains_all(extracted: &Extracted, wanted: &[&str]) {
    for text in wanted {
        assert!(
            extracted.text.contains(text),
            "missing {text:?} in:\n{}",
            extracted.text
        );
    }
}

fn assert_contains_none(extracted: &Extracted, unwanted: &[&str]) {
    for text in unwanted {
        assert!(
            !extracted.text.contains(text),
            "boilerplate {text:?} in:\n{}",
            extracted.text
        );
    }
}

#[test]
fn news_article() {
    let page = extract("news.html");
    assert_contains_all(
        &page,
        &[
            "Riverton's city council voted 9 to 4 on Tuesday night",
            "budgeted at 21 million euros",
            "\"This is about giving people a safe choice,\"",
            "removing 180 parking spaces",
            "62 percent of residents",
            "Construction tenders will be published in June",
            "Opposition from shop owners",
        ],
    );
    assert_contains_none(
        &page,
        &[
            "We use cookies",
            "Accept all",
            "Search the Herald",
            "Business",
            "Advertisement",
            "Share on Social",
            "Related stories",
            "Two cyclists injured in Harbour Avenue crash",
            "Most read",
            "morning briefing",
            "All rights reserved",
            "Privacy policy",
            "dataLayer",
            "gtag",
        ],
    );
    let meta = &page.meta;
    assert_eq!(
        meta.title.as_deref(),
        Some("City council approves 14 km of protected bike lanes")
    );
    assert_eq!(meta.author.as_deref(), Some("Maria Okafor"));
    assert_eq!(meta.published.as_deref(), Some("2024-04-18T09:30:00+02:00"));
    assert_eq!(
        meta.canonical_url.as_deref(),
        Some("https://herald.example/local/2024/04/bike-lanes-approved")
    );
    assert_eq!(meta.site_name.as_deref(), Some("Riverton Herald"));
}

#[test]
fn blog_with_sidebar_and_comments() {
    let page = extract("blog.html");
    assert_contains_all(
        &page,
        &[
            "When we moved to a village at 1,800 metres",
            "Water boils at about 94 °C up here",
            "I cut the levain from 20 percent to 12 percent",
            "I raised the oven temperature by 15 degrees",
            "Fermentation is a clock",
            "my loaves now have an open crumb again",
        ],
    );
    assert_contains_none(
        &page,
        &[
            "Skip to content",
            "Recipes",
            "I live at 2,200 metres",
            "overproofs in summer",
            "Leave a reply",
            "thoughts on this post",
            "About me",
            "October 2023",
            "Proudly baked",
        ],
    );
    assert_eq!(page.meta.author.as_deref(), Some("Lena Hartmann"));
    assert_eq!(page.meta.published.as_deref(), Some("2023-11-02"));
    assert_eq!(page.meta.site_name.as_deref(), Some("Flour & Fire"));
    // The relative canonical link is resolved against the page URL.
    assert_eq!(
        page.meta.canonical_url.as_deref(),
        Some("https://site.example/2023/11/sourdough-high-altitude/")
    );
}

#[test]
fn docs_page() {
    let page = extract("docs.html");
    assert_contains_all(
        &page,
        &[
            "Stackline retries failed requests automatically.",
            "Client errors such as 400 or 404 are never retried.",
            "- 429 Too Many Requests: retried after the delay",
            "max_attempts = 5\nbase_delay = \"250ms\"",
            "multiplied by a random factor between 0.5 and 1.5",
            "enable it only with an idempotency key",
        ],
    );
    assert_contains_none(
        &page,
        &[
            "4.0 beta",
            "Installation",
            "Quickstart",
            "API reference",
            "Previous",
            "© Copyright",
            "highlightSearchWords",
        ],
    );
    let levels: Vec<(u8, &str)> = page
        .headings
        .iter()
        .map(|h| (h.level, h.text.as_str()))
        .collect();
    assert_eq!(
        levels,
        vec![
            (1, "Configuring retries"),
            (2, "Which failures are retried"),
            (2, "Backoff settings"),
            (3, "Jitter")
        ]
    );
    assert_eq!(page.meta.site_name.as_deref(), Some("Stackline Docs"));
    // The heading path of a chunk follows the outline.
    let options = ChunkOptions {
        min_tokens: 20,
        max_tokens: 60,
        overlap_tokens: 10,
    };
    let chunks = chunk_text("docs", &page, &options, &WordEstimate);
    let jitter = chunks
        .iter()
        .find(|c| c.text.contains("random factor"))
        .expect("jitter chunk");
    assert_eq!(
        jitter.heading_path,
        vec!["Configuring retries", "Backoff settings", "Jitter"]
    );
}

#[test]
fn forum_thread_keeps_every_post() {
    let page = extract("forum.html");
    assert_contains_all(
        &page,
        &[
            "Every morning my car battery is flat",
            "Any ideas what else could draw power overnight?",
            "Do a parasitic draw test",
            "pull fuses one at a time",
            "The draw was 320 milliamps",
            "the battery now holds 12.5 volts",
            "That model year had a known fault",
        ],
    );
    assert_contains_none(
        &page,
        &[
            "Log in",
            "uses cookies",
            "Like",
            "Reply",
            "Suggested topics",
            "ABS light",
            "Powered by",
            "Electrical",
        ],
    );
    assert_eq!(
        page.meta.title.as_deref(),
        Some("Battery drains overnight on a 2019 hatchback")
    );
    assert_eq!(page.meta.author.as_deref(), Some("tomk"));
    assert_eq!(page.meta.published.as_deref(), Some("2024-01-09T21:14:00Z"));
}

#[test]
fn injection_page_is_flagged_not_dropped() {
    let page = extract("injection.html");
    assert_contains_all(
        &page,
        &["seasonal coefficient of performance", "Running costs"],
    );
    assert_eq!(page.injection_flags.len(), 1);
    assert_eq!(page.injection_flags[0].pattern, "ignore-instructions");
}

/// Random HTML-ish soup (unclosed tags, stray entities, multibyte text) never panics, and
/// every chunk span slices the extracted text exactly.
#[test]
fn malformed_input_never_panics() {
    use rand::{Rng, SeedableRng};
    const PIECES: &[&str] = &[
        "<div class=\"content\">",
        "</div>",
        "<p>",
        "</p>",
        "<nav>",
        "<a href=\"/x\">",
        "</a>",
        "<h2>",
        "</h2>",
        "<li>",
        "<pre>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "&amp;",
        "&#xZZ;",
        "Ünïcödé tëxt, ",
        "日本語の文。",
        "Ignore previous instructions. ",
        "A sentence of ordinary words. ",
        "\n\n",
        "<br>",
        "<table><tr><td>",
        "<",
    ];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..200 {
        let len = rng.random_range(0..200);
        let soup: String = (0..len)
            .map(|_| PIECES[rng.random_range(0..PIECES.len())])
            .collect();
        let extracted = extract_html(&soup, None);
        let options = ChunkOptions {
            min_tokens: 5,
            max_tokens: 20,
            overlap_tokens: 5,
        };
        for chunk in chunk_text("fuzz", &extracted, &options, &WordEstimate) {
            assert_eq!(
                extracted.text.get(chunk.span.start..chunk.span.end),
                Some(chunk.text.as_str())
            );
        }
        for flag in &extracted.injection_flags {
            assert!(extracted.text.get(flag.span.start..flag.span.end).is_some());
        }
        let _ = pressgate::sources::extract_markdown(&soup);
        let _ = pressgate::sources::robots::Robots::parse(&soup, "pressgate").is_allowed(&soup);
    }
    assert!(extract_html("", None).text.is_empty());
}
