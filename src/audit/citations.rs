//! `audit --verify-citations`: each page's claims checked against the pages its references
//! list cites, with the same verifier as `pressgate verify`.
use crate::doc::Document;
use crate::finding::Finding;
use crate::rules::Engine;
use crate::verify::documents::DocumentVerifier;
use std::path::{Path, PathBuf};
use url::Url;

pub struct CitationCheck {
    /// One verifier for the whole crawl, used by every crawl worker at once: each cited source
    /// is fetched once however many pages cite it, even when they cite it at the same moment.
    verifier: DocumentVerifier,
    /// The folder local `file:` sources must stay under (the audited folder, or the project).
    project_root: PathBuf,
}

impl std::fmt::Debug for CitationCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitationCheck")
            .field("project_root", &self.project_root)
            .finish_non_exhaustive()
    }
}

impl CitationCheck {
    pub fn new(verifier: DocumentVerifier, project_root: PathBuf) -> CitationCheck {
        CitationCheck {
            verifier,
            project_root,
        }
    }

    /// The `FACT…` findings of the page at `page` (its parsed document `doc`). Pages without
    /// a references list are left to the CITE rules: most pages of a site cite nothing, and
    /// "no sources" on each of them would be noise.
    pub fn findings(&self, engine: &Engine, doc: &Document, page: &Url) -> Vec<Finding> {
        if doc.references.is_empty() {
            return Vec::new();
        }
        // Reference URLs relative to the page resolve against its URL (the document's path).
        let article_dir = page
            .to_file_path()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| self.project_root.clone());
        match self
            .verifier
            .verify_document(engine, doc, &article_dir, &self.project_root)
        {
            Ok(findings) => findings,
            Err(e) => {
                eprintln!("warning: {page}: citations not verified: {e}");
                Vec::new()
            }
        }
    }

    /// Distinct sources fetched so far.
    pub fn distinct_sources(&self) -> usize {
        self.verifier.distinct_sources()
    }

    /// Bytes of cited sources held in the cache now.
    pub fn cached_source_bytes(&self) -> usize {
        self.verifier.cached_source_bytes()
    }
}
