//! The sources an article cites: its references list resolved to fetch inputs (URLs, or files
//! relative to the article), then fetched, in list order so `[n]` is entry `n - 1`.
use super::{from_fetched, Fetcher, Source};
use crate::doc::Document;
use std::path::Path;

/// Fetch input for one reference: its URL, else its text when that names a file next to the
/// article (`sources/report.html`); `Err` says why the entry cannot be fetched.
pub fn reference_input(
    reference: &crate::doc::Reference,
    article_dir: &Path,
) -> Result<String, String> {
    if let Some(url) = &reference.url {
        if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("file://") {
            return Ok(url.clone());
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
    let inputs: Vec<Result<String, String>> = doc
        .references
        .iter()
        .map(|r| reference_input(r, article_dir))
        .collect();
    fetch_inputs(fetcher, &inputs)
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
            .map(|r| reference_input(r, dir.path()))
            .collect();
        assert_eq!(inputs.len(), 3, "{inputs:?}");
        assert_eq!(inputs[0].as_deref(), Ok("https://a.example/x"));
        assert!(inputs[1].as_ref().is_ok_and(|p| p.ends_with("notes.txt")));
        assert!(inputs[2].is_err());
    }
}
