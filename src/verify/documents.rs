//! Verifying documents against their own references, as `verify` does for one article and
//! `check --verify` does for many: fetch options from the command-line flags, the project root
//! that bounds which local files a references list may read, and a [`DocumentVerifier`] that
//! fetches each distinct source once per run (within a bounded cache) and verifies documents
//! from many threads at once.
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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, TryLockError};

mod source_cache;
use source_cache::{SourceCache, SourceResult};

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

/// Sources kept by default per run: enough for the citations of a large site, small next to
/// the models.
pub const DEFAULT_SOURCE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Verifies many documents against their references lists in one run, from any number of
/// threads at once: the fetchers and the source cache are shared, each source is fetched once
/// even when several documents need it together, and each document is matched by one of the
/// pool's verifiers.
pub struct DocumentVerifier {
    /// The pool's first verifier; the only one when the verifier holds an embedding model.
    primary: Mutex<Verifier>,
    /// More verifiers, so several documents are matched side by side.
    more: Vec<Mutex<Verifier>>,
    /// Where a thread that finds every verifier busy waits (spreads the waiters).
    next: AtomicUsize,
    settings: FetchSettings,
    /// Root certificates trusted besides the built-in ones (`audit --ca-cert`).
    extra_root_certs: Vec<PathBuf>,
    /// One fetcher per project root (usually one), so robots.txt and politeness are shared.
    fetchers: Mutex<HashMap<PathBuf, Arc<Fetcher>>>,
    sources: SourceCache,
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

/// Sources of one document fetched at once (a references list of 40 entries is not 40 threads).
const FETCHES_PER_DOCUMENT: usize = 4;

impl DocumentVerifier {
    pub fn new(verifier: Verifier, settings: FetchSettings) -> DocumentVerifier {
        DocumentVerifier::with_pool(verifier, Vec::new(), settings)
    }

    /// A verifier that matches up to `1 + more.len()` documents at the same time.
    pub fn with_pool(
        verifier: Verifier,
        more: Vec<Verifier>,
        settings: FetchSettings,
    ) -> DocumentVerifier {
        DocumentVerifier {
            primary: Mutex::new(verifier),
            more: more.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
            settings,
            extra_root_certs: Vec::new(),
            fetchers: Mutex::new(HashMap::new()),
            sources: SourceCache::new(DEFAULT_SOURCE_CACHE_BYTES),
        }
    }

    /// Keep at most `bytes` of fetched sources (least recently used go first); a source needed
    /// again after it was dropped is fetched again.
    pub fn with_source_cache_bytes(mut self, bytes: usize) -> DocumentVerifier {
        self.sources = SourceCache::new(bytes);
        self
    }

    /// Also trust the root certificates in these PEM files when fetching sources (a staging
    /// server's CA); certificates are still verified.
    pub fn with_extra_root_certs(mut self, pem_files: Vec<PathBuf>) -> DocumentVerifier {
        self.extra_root_certs = pem_files;
        self
    }

    /// How many sources were fetched (or failed) so far; each distinct source once, unless
    /// the cache had to drop it and it was needed again.
    pub fn distinct_sources(&self) -> usize {
        self.sources.fetches()
    }

    /// Bytes of fetched sources held in the cache now.
    pub fn cached_source_bytes(&self) -> usize {
        self.sources.held_bytes()
    }

    pub fn verifier(&mut self) -> &mut Verifier {
        self.primary.get_mut().unwrap_or_else(|e| e.into_inner())
    }

    fn fetcher(&self, project_root: &Path) -> Result<Arc<Fetcher>> {
        let mut fetchers = self.fetchers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(fetcher) = fetchers.get(project_root) {
            return Ok(fetcher.clone());
        }
        let options = FetchOptions {
            extra_root_certs: self.extra_root_certs.clone(),
            ..self.settings.options(project_root.to_path_buf())
        };
        let fetcher = Arc::new(Fetcher::new(options).map_err(|e| Error::Usage(e.to_string()))?);
        fetchers.insert(project_root.to_path_buf(), fetcher.clone());
        Ok(fetcher)
    }

    /// The sources of `doc`'s references list, in list order (`[n]` is entry `n - 1`); those
    /// not in the cache are fetched now, together, and those another thread is fetching are
    /// waited for.
    pub fn sources_for(
        &self,
        doc: &Document,
        article_dir: &Path,
        project_root: &Path,
    ) -> Result<Vec<Result<Source, String>>> {
        let inputs = reference_inputs(doc, article_dir);
        // Holding the slots keeps each value alive even if the cache drops it meanwhile.
        let mut slots = Vec::with_capacity(inputs.len());
        let mut todo = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let Ok(input) = input else { continue };
            let key = source_key(project_root, input);
            let slot = self.sources.slot(&key);
            if slot.get().is_none() && !todo.iter().any(|(_, k, _): &(usize, String, _)| *k == key)
            {
                todo.push((i, key.clone(), slot.clone()));
            }
            slots.push((i, key, slot));
        }
        if !todo.is_empty() {
            let fetcher = self.fetcher(project_root)?;
            for batch in todo.chunks(FETCHES_PER_DOCUMENT) {
                std::thread::scope(|scope| {
                    for (i, key, slot) in batch {
                        let fetcher = &fetcher;
                        let input = inputs.get(*i).cloned();
                        scope.spawn(move || {
                            self.sources.get_or_fetch(key, slot, || match input {
                                Some(input) => fetch_inputs(fetcher, &[input])
                                    .pop()
                                    .unwrap_or_else(|| Err("not fetched".to_owned())),
                                None => Err("not fetched".to_owned()),
                            });
                        });
                    }
                });
            }
        }
        let mut by_index: HashMap<usize, Arc<SourceResult>> = HashMap::new();
        for (i, key, slot) in &slots {
            // Filled above, or by the thread that was fetching it (this waits for that one).
            let value = self.sources.get_or_fetch(key, slot, || {
                Err("the fetch of this source did not finish".to_owned())
            });
            by_index.insert(*i, value);
        }
        Ok(inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let input = input?;
                by_index
                    .get(&i)
                    .map(|v| v.as_ref().clone())
                    .unwrap_or_else(|| Err(format!("{input} was not fetched")))
            })
            .collect())
    }

    /// Run `f` with an idle verifier of the pool, or wait for one.
    fn with_verifier<T>(&self, f: impl FnOnce(&mut Verifier) -> T) -> T {
        let all = || std::iter::once(&self.primary).chain(&self.more);
        for candidate in all() {
            match candidate.try_lock() {
                Ok(mut v) => return f(&mut v),
                Err(TryLockError::Poisoned(e)) => return f(&mut e.into_inner()),
                Err(TryLockError::WouldBlock) => {}
            }
        }
        let pick = self.next.fetch_add(1, Ordering::Relaxed) % (1 + self.more.len());
        let chosen = all().nth(pick).unwrap_or(&self.primary);
        let mut v = chosen.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut v)
    }

    /// The `FACT…` findings of `doc` against its references, with `engine`'s configuration
    /// (severities, disabled rules, per-file overrides) and inline suppressions applied.
    pub fn verify_document(
        &self,
        engine: &Engine,
        doc: &Document,
        article_dir: &Path,
        project_root: &Path,
    ) -> Result<Vec<Finding>> {
        let sources = self.sources_for(doc, article_dir, project_root)?;
        let mut findings = self.with_verifier(|v| v.verify(doc, &sources))?.findings;
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
        let run = verifier();
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
        let run = verifier();
        let sources = run
            .sources_for(&doc, &project_dir, &project_dir)
            .expect("sources");
        assert_eq!(sources.len(), 1);
        assert!(sources[0].is_err(), "{:?}", sources[0].as_ref().err());
        let run = verifier();
        let sources = run
            .sources_for(&doc, &project_dir, &outside_dir)
            .expect("sources");
        assert!(
            sources[0].is_ok(),
            "readable under its own root: {sources:?}"
        );
    }

    /// A loopback server whose every page states the council's recycling rate, answering
    /// after `delay` (robots.txt at once); returns its base URL and the paths requested.
    fn source_server(delay: std::time::Duration) -> (String, Arc<Mutex<Vec<String>>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let served = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = served.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(&stream);
                    let mut line = String::new();
                    let _ = reader.read_line(&mut line);
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    loop {
                        let mut header = String::new();
                        match reader.read_line(&mut header) {
                            Ok(n) if n > 0 && !header.trim().is_empty() => {}
                            _ => break,
                        }
                    }
                    log.lock().expect("log").push(path.clone());
                    let (status, body) = if path == "/robots.txt" {
                        ("404 Not Found", String::new())
                    } else {
                        std::thread::sleep(delay);
                        (
                            "200 OK",
                            "<html lang=\"en\"><head><title>City waste report</title></head><body>\
                             <p>The council recycled 34% of household waste in 2021.</p>\
                             </body></html>"
                                .to_string(),
                        )
                    };
                    let mut stream = &stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                         Connection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        (base, log)
    }

    fn pooled(size: usize, allow_private: bool) -> DocumentVerifier {
        let open = || open_verifier(super::super::DEFAULT_MIN_SUPPORT, None).expect("verifier");
        DocumentVerifier::with_pool(
            open(),
            (1..size).map(|_| open()).collect(),
            FetchSettings {
                allow_private,
                no_cache: true,
            },
        )
    }

    fn citing(percent: u32, reference: &str) -> Document {
        parse(
            "a.md",
            &format!(
                "# T\n\nThe council recycled {percent}% of household waste in 2021 [1].\n\n\
                 ## References\n\n1. {reference}\n"
            ),
            Format::Markdown,
        )
    }

    #[test]
    fn a_source_cited_by_documents_at_the_same_moment_is_requested_once() {
        let (base, log) = source_server(std::time::Duration::from_millis(300));
        let run = pooled(4, true);
        let engine = Engine::from_config(&Config::default()).expect("engine");
        let root = std::env::temp_dir();
        let start = std::sync::Barrier::new(6);
        let results: Vec<Vec<Finding>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6u32)
                .map(|i| {
                    let (run, engine, root, start) = (&run, &engine, &root, &start);
                    let doc = citing(if i == 0 { 43 } else { 34 }, &format!("{base}/report"));
                    scope.spawn(move || {
                        start.wait();
                        run.verify_document(engine, &doc, root, root)
                            .expect("verifies")
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let reports = log
            .lock()
            .expect("log")
            .iter()
            .filter(|p| *p == "/report")
            .count();
        assert_eq!(reports, 1, "{:?}", log.lock().expect("log"));
        assert_eq!(run.distinct_sources(), 1);
        assert!(
            results[0].iter().any(|f| f.code == "FACT002"),
            "{:?}",
            results[0]
        );
        for findings in &results[1..] {
            assert!(findings.is_empty(), "{findings:?}");
        }
    }

    #[test]
    fn documents_citing_different_slow_sources_are_verified_side_by_side() {
        let delay = std::time::Duration::from_millis(600);
        let servers: Vec<String> = (0..4).map(|_| source_server(delay).0).collect();
        let run = pooled(4, true);
        let engine = Engine::from_config(&Config::default()).expect("engine");
        let root = std::env::temp_dir();
        let started = std::time::Instant::now();
        std::thread::scope(|scope| {
            for base in &servers {
                let (run, engine, root) = (&run, &engine, &root);
                let doc = citing(34, &format!("{base}/report"));
                scope.spawn(move || {
                    let findings = run
                        .verify_document(engine, &doc, root, root)
                        .expect("verifies");
                    assert!(findings.is_empty(), "{findings:?}");
                });
            }
        });
        // One after the other would take 4 x 600 ms.
        let elapsed = started.elapsed();
        assert!(elapsed < delay * 3, "{elapsed:?}");
        assert_eq!(run.distinct_sources(), 4);
    }

    #[test]
    fn the_source_cache_stays_within_its_byte_budget() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = std::fs::canonicalize(dir.path()).expect("canonical");
        let filler = "Household waste is sorted at the kerb. ".repeat(50);
        for i in 0..30 {
            std::fs::write(
                root.join(format!("s{i}.md")),
                format!("# Source {i}\n\nThe council recycled 34% of household waste in 2021.\n\n{filler}\n"),
            )
            .expect("write source");
        }
        let budget = 16 * 1024;
        let run = pooled(1, false).with_source_cache_bytes(budget);
        let engine = Engine::from_config(&Config::default()).expect("engine");
        for i in 0..30 {
            let findings = run
                .verify_document(&engine, &citing(34, &format!("s{i}.md")), &root, &root)
                .expect("verifies");
            assert!(findings.is_empty(), "s{i}: {findings:?}");
            assert!(
                run.cached_source_bytes() <= budget,
                "{}",
                run.cached_source_bytes()
            );
        }
        assert!(run.cached_source_bytes() > 0);
        assert_eq!(run.distinct_sources(), 30);
        // s0 was dropped long ago: needed again, it is fetched again; s29 is still held.
        run.verify_document(&engine, &citing(34, "s29.md"), &root, &root)
            .expect("verifies");
        assert_eq!(run.distinct_sources(), 30);
        run.verify_document(&engine, &citing(34, "s0.md"), &root, &root)
            .expect("verifies");
        assert_eq!(run.distinct_sources(), 31);
    }

    #[test]
    fn min_support_outside_zero_to_one_is_a_usage_error() {
        assert!(matches!(open_verifier(1.5, None), Err(Error::Usage(_))));
        assert!(open_verifier(0.0, None).is_ok());
    }
}
