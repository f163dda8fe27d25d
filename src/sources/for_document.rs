//! The sources an article cites: its references list resolved to fetch inputs (URLs, or files
//! relative to the article), then fetched, in list order so `[n]` is entry `n - 1`.
use super::{from_fetched, Fetcher, Source};
use crate::doc::Document;
use std::path::Path;
use url::Url;

/// Fetch inputs for `doc`'s references list, in list order. A document read from the web (its
/// path is an http(s) or file URL, as in `audit`) resolves relative reference URLs against
/// its own URL; a file on disk resolves them against `article_dir`.
pub fn reference_inputs(doc: &Document, article_dir: &Path) -> Vec<Result<String, String>> {
    let base = Url::parse(&doc.path)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"));
    doc.references
        .iter()
        .map(|r| reference_input(r, article_dir, base.as_ref()))
        .collect()
}

/// Fetch input for one reference: its URL (joined to `base` when relative and a base is
/// given), else its text when that names a file next to the article (`sources/report.html`);
/// `Err` says why the entry cannot be fetched.
pub fn reference_input(
    reference: &crate::doc::Reference,
    article_dir: &Path,
    base: Option<&Url>,
) -> Result<String, String> {
    if let Some(url) = &reference.url {
        if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("file://") {
            return Ok(url.clone());
        }
        if let Some(joined) = base.and_then(|b| b.join(url).ok()) {
            return Ok(joined.to_string());
        }
        return Ok(resolve_file(url, article_dir));
    }
    let text = reference.text.trim();
    let candidate = text.split_whitespace().next().unwrap_or("");
    let looks_like_path = candidate.contains('/')
        || Path::new(candidate).extension().is_some_and(|e| {
            ["md", "markdown", "html", "htm", "txt"]
                .contains(&e.to_string_lossy().to_ascii_lowercase().as_str())
        });
    if !candidate.is_empty() && (looks_like_path || article_dir.join(candidate).is_file()) {
        return Ok(resolve_file(candidate, article_dir));
    }
    Err(format!(
        "reference “{}” has no URL or file to fetch",
        clip(text)
    ))
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

fn resolve_file(path: &str, article_dir: &Path) -> String {
    let p = Path::new(path);
    if p.is_absolute() {
        path.to_owned()
    } else {
        article_dir.join(p).to_string_lossy().into_owned()
    }
}

/// Fetch `inputs` (URLs or files) with `fetcher`, in order; failures become their reason.
pub fn fetch_inputs(
    fetcher: &Fetcher,
    inputs: &[Result<String, String>],
) -> Vec<Result<Source, String>> {
    let to_fetch: Vec<String> = inputs
        .iter()
        .map(|i| i.clone().unwrap_or_default())
        .collect();
    let fetched = fetcher.fetch_all(&to_fetch, 4, &|_, _| {});
    inputs
        .iter()
        .zip(fetched)
        .map(|(input, result)| match input {
            Err(reason) => Err(reason.clone()),
            Ok(_) => result.map(from_fetched).map_err(|e| e.to_string()),
        })
        .collect()
}

/// The sources of `doc` (its references list), fetched; `article_dir` anchors relative files.
pub fn fetch_for_document(
    fetcher: &Fetcher,
    doc: &Document,
    article_dir: &Path,
) -> Vec<Result<Source, String>> {
    fetch_inputs(fetcher, &reference_inputs(doc, article_dir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Format};

    #[test]
    fn references_become_urls_or_article_relative_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("notes.txt"), "Bees make honey.").expect("write");
        let doc = parse(
            "a.md",
            "Text [1].\n\n## References\n\n1. https://a.example/x\n2. notes.txt\n3. A book with no link\n",
            Format::Markdown,
        );
        let inputs: Vec<_> = doc
            .references
            .iter()
            .map(|r| reference_input(r, dir.path(), None))
            .collect();
        assert_eq!(inputs.len(), 3, "{inputs:?}");
        assert_eq!(inputs[0].as_deref(), Ok("https://a.example/x"));
        assert!(inputs[1].as_ref().is_ok_and(|p| p.ends_with("notes.txt")));
        assert!(inputs[2].is_err());
    }

    #[test]
    fn a_web_page_resolves_relative_references_against_its_url() {
        let html = "<html><body><p>Text [1].</p><h2>References</h2><ol>\
            <li><a href=\"../reports/2024.html\">Report</a></li>\
            <li><a href=\"https://b.example/y\">Other</a></li></ol></body></html>";
        let page = parse("https://a.example/news/post.html", html, Format::Html);
        let inputs = reference_inputs(&page, Path::new("/unused"));
        assert_eq!(
            inputs[0].as_deref(),
            Ok("https://a.example/reports/2024.html")
        );
        assert_eq!(inputs[1].as_deref(), Ok("https://b.example/y"));
        // A file on disk keeps resolving against its folder.
        let file = parse("post.html", html, Format::Html);
        let inputs = reference_inputs(&file, Path::new("/articles"));
        assert_eq!(inputs[0].as_deref(), Ok("/articles/../reports/2024.html"));
    }
}
