//! Verifying documents against their own references, as `verify` does for one article and
//! `check --verify` does for many: fetch options from the command-line flags, the project root
//! that bounds which local files a references list may read, and a [`DocumentVerifier`] that
//! fetches each distinct source once per run and reuses one [`Verifier`] (and its embedding
//! model) for every document.
use super::{Verifier, VerifyOptions};
use crate::config::Config;
use crate::doc::Document;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::llm::runtime::Device;
use crate::rules::Engine;
use crate::sources::for_document::{fetch_inputs, reference_inputs};
use crate::sources::{FetchOptions, Fetcher, MiniLmEmbedder, Source};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How sources are fetched: the `--allow-private` and `--no-cache` flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchSettings {
    /// Allow sources on private, loopback and link-local addresses.
    pub allow_private: bool,
    /// Neither read nor write the HTTP cache.
    pub no_cache: bool,
}

impl FetchSettings {
    /// Fetch options for these settings; local files are readable only under `project_root`.
    pub fn options(&self, project_root: PathBuf) -> FetchOptions {
        let defaults = FetchOptions::default();
        FetchOptions {
            allow_private: self.allow_private,
            cache_dir: if self.no_cache {
                None
            } else {
                defaults.cache_dir.clone()
            },
            project_root,
            ..defaults
        }
    }

    pub fn fetcher(&self, project_root: PathBuf) -> Result<Fetcher> {
        Fetcher::new(self.options(project_root)).map_err(|e| Error::Usage(e.to_string()))
    }
}

/// A verifier with `--min-support` checked (0..1) and the `--embed-model` opened, if any.
pub fn open_verifier(min_support: f32, embed_model: Option<&Path>) -> Result<Verifier> {
    if !(0.0..=1.0).contains(&min_support) {
        return Err(Error::Usage(format!(
            "--min-support must be between 0 and 1, got {min_support}"
        )));
    }
    let embedder = embed_model
        .map(|dir| MiniLmEmbedder::open(dir, Device::Cpu, None))
        .transpose()?;
    let options = VerifyOptions {
        min_support,
        ..VerifyOptions::default()
    };
    Ok(Verifier::new(options, embedder))
}

/// The canonical folder holding the article at `path` (the current directory for a bare name
/// or stdin), which anchors the relative files of its references list.
pub fn article_dir(path: Option<&Path>) -> PathBuf {
    let dir = path
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// The folder an article's references may read local files from: the folder of its
/// `pressgate.toml`; without one, the current directory when the article lies under it, else
/// the article's own folder. A references list must not read `~/.ssh` by naming it.
pub fn project_root(config: &Config, article_dir: &Path) -> PathBuf {
    if config.path.is_some() {
        return std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    }
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    match cwd {
        Some(cwd) if article_dir.starts_with(&cwd) => cwd,
        _ => article_dir.to_path_buf(),
    }
}

/// Verifies many documents against their references lists in one run.
pub struct DocumentVerifier {
    verifier: Verifier,
    settings: FetchSettings,
    /// One fetcher per project root (usually one), so robots.txt and politeness are shared.
    fetchers: HashMap<PathBuf, Fetcher>,
    /// Every source fetched so far, by [`source_key`].
    fetched: HashMap<String, Result<Source, String>>,
}

/// Cache key of a fetch input: a web URL is the same source for every document; a local file
/// also depends on the project root, which decides whether it may be read at all.
fn source_key(project_root: &Path, input: &str) -> String {
    if input.starts_with("http://") || input.starts_with("https://") {
        input.to_owned()
    } else {
        format!("{}\u{0}{input}", project_root.display())
    }
}

impl DocumentVerifier {
    pub fn new(verifier: Verifier, settings: FetchSettings) -> DocumentVerifier {
        DocumentVerifier {
            verifier,
            settings,
            fetchers: HashMap::new(),
            fetched: HashMap::new(),
        }
    }

    /// How many distinct sources were fetched (or failed) so far.
    pub fn distinct_sources(&self) -> usize {
        self.fetched.len()
    }

    pub fn verifier(&mut self) -> &mut Verifier {
        &mut self.verifier
    }

    /// The sources of `doc`'s references list, in list order (`[n]` is entry `n - 1`); those
    /// not fetched before in this run are fetched now, together.
    pub fn sources_for(
        &mut self,
        doc: &Document,
        article_dir: &Path,
        project_root: &Path,
    ) -> Result<Vec<Result<Source, String>>> {
        let inputs = reference_inputs(doc, article_dir);
        let mut missing: Vec<std::result::Result<String, String>> = Vec::new();
        for input in inputs.iter().flatten() {
            let key = source_key(project_root, input);
            let queued = missing
                .iter()
                .flatten()
                .any(|m| source_key(project_root, m) == key);
            if !self.fetched.contains_key(&key) && !queued {
                missing.push(Ok(input.clone()));
            }
        }
        if !missing.is_empty() {
            if !self.fetchers.contains_key(project_root) {
                let fetcher = self.settings.fetcher(project_root.to_path_buf())?;
                self.fetchers.insert(project_root.to_path_buf(), fetcher);
            }
            if let Some(fetcher) = self.fetchers.get(project_root) {
                let results = fetch_inputs(fetcher, &missing);
                for (input, result) in missing.iter().flatten().zip(results) {
                    self.fetched.insert(source_key(project_root, input), result);
                }
            }
        }
        Ok(inputs
            .into_iter()
            .map(|input| {
                let input = input?;
                self.fetched
                    .get(&source_key(project_root, &input))
                    .cloned()
                    .unwrap_or_else(|| Err(format!("{input} was not fetched")))
            })
            .collect())
    }

    /// The `FACT…` findings of `doc` against its references, with `engine`'s configuration
    /// (severities, disabled rules, per-file overrides) and inline suppressions applied.
    pub fn verify_document(
        &mut self,
        engine: &Engine,
        doc: &Document,
        article_dir: &Path,
        project_root: &Path,
    ) -> Result<Vec<Finding>> {
        let sources = self.sources_for(doc, article_dir, project_root)?;
        let mut findings = self.verifier.verify(doc, &sources)?.findings;
        super::apply_config(engine, doc, &mut findings);
        Ok(findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{parse, Format};

    fn verifier() -> DocumentVerifier {
        let verifier = open_verifier(super::super::DEFAULT_MIN_SUPPORT, None).expect("verifier");
        DocumentVerifier::new(
            verifier,
            FetchSettings {
                allow_private: false,
                no_cache: true,
            },
        )
    }

    #[test]
    fn a_source_cited_by_several_documents_is_fetched_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        std::fs::write(
            root.join("city.md"),
            "# City\n\nThe council recycled 34% of household waste in 2021.\n",
        )
        .expect("write source");
        std::fs::write(root.join("other.md"), "# Other\n\nBees make honey.\n").expect("write");
        let article = |claim: &str, refs: &str| {
            parse(
                "a.md",
                &format!("# T\n\n{claim} [1].\n\n## References\n\n{refs}"),
                Format::Markdown,
            )
        };
        let engine = Engine::from_config(&Config::default()).expect("engine");
        let mut run = verifier();
        let wrong = article(
            "The council recycled 43% of household waste in 2021",
            "1. city.md\n",
        );
        let findings = run
            .verify_document(&engine, &wrong, &root, &root)
            .expect("verifies");
        assert!(findings.iter().any(|f| f.code == "FACT002"), "{findings:?}");
        let right = article(
            "The council recycled 34% of household waste in 2021",
            "1. city.md\n2. other.md\n3. city.md\n",
        );
        let findings = run
            .verify_document(&engine, &right, &root, &root)
            .expect("verifies");
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(run.distinct_sources(), 2, "city.md is fetched once");
    }

    #[test]
    fn a_file_outside_the_project_root_is_an_unreachable_source() {
        let outside = tempfile::tempdir().expect("temp dir");
        let project = tempfile::tempdir().expect("temp dir");
        let outside_dir = std::fs::canonicalize(outside.path()).expect("canonical");
        let project_dir = std::fs::canonicalize(project.path()).expect("canonical");
        std::fs::write(outside_dir.join("secret.md"), "# Secret\n\nText 12%.\n").expect("w");
        let reference = outside_dir.join("secret.md");
        let doc = parse(
            "a.md",
            &format!(
                "# T\n\nSales rose 12% [1].\n\n## References\n\n1. {}\n",
                reference.display()
            ),
            Format::Markdown,
        );
        let mut run = verifier();
        let sources = run
            .sources_for(&doc, &project_dir, &project_dir)
            .expect("sources");
        assert_eq!(sources.len(), 1);
        assert!(sources[0].is_err(), "{:?}", sources[0].as_ref().err());
        let mut run = verifier();
        let sources = run
            .sources_for(&doc, &project_dir, &outside_dir)
            .expect("sources");
        assert!(
            sources[0].is_ok(),
            "readable under its own root: {sources:?}"
        );
    }

    #[test]
    fn min_support_outside_zero_to_one_is_a_usage_error() {
        assert!(matches!(open_verifier(1.5, None), Err(Error::Usage(_))));
        assert!(open_verifier(0.0, None).is_ok());
    }
}
