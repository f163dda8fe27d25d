//! Source metadata from an HTML page: title, author, publish date, canonical URL, site name,
//! from Open Graph / article meta tags, JSON-LD, microdata and common markup, in that order.
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

/// What is known about a source besides its text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SourceMeta {
    pub title: Option<String>,
    pub author: Option<String>,
    /// As written by the page (usually ISO 8601).
    pub published: Option<String>,
    pub canonical_url: Option<String>,
    pub site_name: Option<String>,
    pub language: Option<String>,
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

fn first_attr(html: &Html, css: &str, attr: &str) -> Option<String> {
    let sel = selector(css)?;
    html.select(&sel)
        .filter_map(|e| e.value().attr(attr))
        .map(clean)
        .find(|s| !s.is_empty())
}

fn first_text(html: &Html, css: &str) -> Option<String> {
    let sel = selector(css)?;
    html.select(&sel)
        .map(|e| clean(&e.text().collect::<String>()))
        .find(|s| !s.is_empty())
}

/// Collapse whitespace runs and trim.
pub fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Read the metadata of `html`; relative canonical URLs are resolved against `base_url`.
pub fn read_metadata(html: &Html, base_url: Option<&url::Url>) -> SourceMeta {
    let ld = json_ld_objects(html);
    let ld_article = ld.iter().find(|o| is_article_type(o));

    let title = first_attr(html, r#"meta[property="og:title"]"#, "content")
        .or_else(|| first_attr(html, r#"meta[name="twitter:title"]"#, "content"))
        .or_else(|| ld_article.and_then(|o| ld_string(o.get("headline"))))
        .or_else(|| first_text(html, "h1"))
        .or_else(|| first_text(html, "title"));

    let author = first_attr(html, r#"meta[name="author"]"#, "content")
        .or_else(|| {
            first_attr(html, r#"meta[property="article:author"]"#, "content")
                .filter(|a| !a.starts_with("http"))
        })
        .or_else(|| ld_article.and_then(|o| ld_name(o.get("author"))))
        .or_else(|| first_text(html, r#"[rel="author"]"#))
        .or_else(|| first_text(html, r#"[itemprop="author"]"#))
        .or_else(|| first_text(html, ".author, .byline, .post-author"))
        .map(|a| strip_by(&a));

    let published = first_attr(html, r#"meta[property="article:published_time"]"#, "content")
        .or_else(|| {
            first_attr(
                html,
                r#"meta[name="date"], meta[name="pubdate"], meta[name="publish-date"], meta[name="dc.date"], meta[name="DC.date"], meta[name="dcterms.created"]"#,
                "content",
            )
        })
        .or_else(|| ld_article.and_then(|o| ld_string(o.get("datePublished"))))
        .or_else(|| first_attr(html, r#"[itemprop="datePublished"]"#, "content"))
        .or_else(|| first_attr(html, r#"[itemprop="datePublished"]"#, "datetime"))
        .or_else(|| first_attr(html, "time[datetime]", "datetime"));

    let canonical_url = first_attr(html, r#"link[rel="canonical"]"#, "href")
        .or_else(|| first_attr(html, r#"meta[property="og:url"]"#, "content"))
        .map(|href| match base_url.and_then(|b| b.join(&href).ok()) {
            Some(abs) => abs.to_string(),
            None => href,
        });

    let site_name = first_attr(html, r#"meta[property="og:site_name"]"#, "content")
        .or_else(|| {
            ld_article
                .and_then(|o| o.get("publisher"))
                .and_then(|p| ld_name(Some(p)))
        })
        .or_else(|| first_attr(html, r#"meta[name="application-name"]"#, "content"));

    let language = html
        .root_element()
        .value()
        .attr("lang")
        .map(clean)
        .filter(|l| !l.is_empty());

    SourceMeta {
        title,
        author,
        published,
        canonical_url,
        site_name,
        language,
    }
}

fn strip_by(author: &str) -> String {
    let trimmed = author.trim();
    for prefix in ["By ", "by ", "BY "] {
        if let Some(rest) = trimmed.strip_prefix(prefix) {
            return rest.trim().to_string();
        }
    }
    trimmed.to_string()
}

/// Every JSON-LD object on the page, with `@graph` members and top-level arrays flattened.
fn json_ld_objects(html: &Html) -> Vec<Value> {
    let Some(sel) = selector(r#"script[type="application/ld+json"]"#) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for script in html.select(&sel) {
        let text: String = script.text().collect();
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        flatten_ld(value, &mut out, 0);
    }
    out
}

fn flatten_ld(value: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Array(items) => items
            .into_iter()
            .for_each(|v| flatten_ld(v, out, depth + 1)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten_ld(graph, out, depth + 1);
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

fn is_article_type(object: &Value) -> bool {
    const TYPES: &[&str] = &[
        "Article",
        "NewsArticle",
        "BlogPosting",
        "TechArticle",
        "Report",
        "ScholarlyArticle",
        "DiscussionForumPosting",
        "QAPage",
        "WebPage",
    ];
    match object.get("@type") {
        Some(Value::String(t)) => TYPES.contains(&t.as_str()),
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))),
        _ => false,
    }
}

fn ld_string(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(clean(s)).filter(|s| !s.is_empty()),
        Value::Array(items) => items.iter().find_map(|v| ld_string(Some(v))),
        _ => None,
    }
}

/// A name from a string, an object with `name`, or the first of an array of those.
fn ld_name(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(clean(s)).filter(|s| !s.is_empty()),
        Value::Object(map) => ld_string(map.get("name")),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(|v| ld_name(Some(v))).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// Whether an element is hidden from readers by markup.
pub fn is_hidden(element: &ElementRef<'_>) -> bool {
    let value = element.value();
    if value.attr("hidden").is_some() || value.attr("aria-hidden") == Some("true") {
        return true;
    }
    value.attr("style").is_some_and(|style| {
        let style = style.replace(' ', "").to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_meta_tags_and_json_ld() {
        let html = Html::parse_document(
            r#"<html lang="en"><head><title>Page | Site</title>
            <link rel="canonical" href="/news/story">
            <meta property="og:site_name" content="The Daily Example">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"NewsArticle","headline":"Headline from LD","datePublished":"2024-03-01T08:00:00Z",
               "author":[{"@type":"Person","name":"Ana Ruiz"},{"@type":"Person","name":"Bo Chen"}]}]}</script>
            </head><body><h1>Visible headline</h1></body></html>"#,
        );
        let base = url::Url::parse("https://example.org/a/b").expect("url");
        let meta = read_metadata(&html, Some(&base));
        assert_eq!(meta.title.as_deref(), Some("Headline from LD"));
        assert_eq!(meta.author.as_deref(), Some("Ana Ruiz, Bo Chen"));
        assert_eq!(meta.published.as_deref(), Some("2024-03-01T08:00:00Z"));
        assert_eq!(
            meta.canonical_url.as_deref(),
            Some("https://example.org/news/story")
        );
        assert_eq!(meta.site_name.as_deref(), Some("The Daily Example"));
        assert_eq!(meta.language.as_deref(), Some("en"));
    }

    #[test]
    fn falls_back_to_markup() {
        let html = Html::parse_document(
            r#"<html><head><title>Only title</title></head><body>
            <p class="byline">By Jo Park</p><time datetime="2023-05-06">May 6</time></body></html>"#,
        );
        let meta = read_metadata(&html, None);
        assert_eq!(meta.title.as_deref(), Some("Only title"));
        assert_eq!(meta.author.as_deref(), Some("Jo Park"));
        assert_eq!(meta.published.as_deref(), Some("2023-05-06"));
        assert_eq!(meta.site_name, None);
    }
}
