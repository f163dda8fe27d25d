//! `pressgate audit`: crawl a site (URLs, a sitemap or a folder of HTML), run every page rule
//! and the site checks, and report.
use super::check::FailLevel;
use crate::audit::citations::CitationCheck;
use crate::audit::{self, gate, output::AuditFormat, AuditOptions, FrontierLimits};
use crate::baseline::Baseline;
use crate::config::Config;
use crate::error::{exit, Error, Result};
use crate::rules::{Engine, RuleMeta};
use crate::sources::fetch::{FetchOptions, Fetcher};
use crate::verify::documents;
use regex::Regex;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit codes: 0 no finding at or above --fail-level, 1 findings, 2 usage, configuration or start error.
Findings carry page-rule codes (as in `pressgate check`) and the audit's own HTTP0nn, LINK0nn and
SITE0nn codes; `pressgate rules explain CODE` documents each one.")]
pub struct AuditArgs {
    /// Start URLs, a sitemap.xml(.gz) URL, or one local folder of HTML.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the self-contained HTML report to this file (besides --format output).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    pub fail_level: FailLevel,
    /// Use this `pressgate.toml` instead of discovering one from the current folder.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore findings recorded in this baseline file; only new ones are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Most URLs crawled (start URLs and sitemap entries included).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_pages: usize,
    /// Most clicks from a start URL.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub max_depth: u32,
    /// Most URLs of one pattern (path with numbers as N, query names) before it is treated as
    /// a crawler trap.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_per_pattern: usize,
    /// Only follow URLs matching this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub include: Vec<String>,
    /// Do not follow URLs matching this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub exclude: Vec<String>,
    /// Pages fetched at once, and most requests in flight to one host.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Least time between two requests to one host, in milliseconds (rate limit).
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub delay_ms: u64,
    /// Limit for each request, connect to last byte, in seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub timeout: f64,
    /// Retries after a 429 or 5xx answer (honouring Retry-After).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// Largest page read, in bytes; larger pages are reported (HTTP002) and not analysed.
    #[arg(long, value_name = "BYTES", default_value_t = 5 * 1024 * 1024)]
    pub max_page_bytes: u64,
    /// Report responses slower than this (HTTP005), in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub slow_ms: u64,
    /// Report HTML documents larger than this (HTTP006), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub heavy_bytes: u64,
    /// Also check links to other sites (HEAD, GET when refused; each URL once).
    #[arg(long)]
    pub check_external: bool,
    /// Crawl paths robots.txt disallows (only for your own site).
    #[arg(long)]
    pub ignore_robots: bool,
    /// Allow private, loopback and link-local addresses (staging servers, local previews).
    #[arg(long)]
    pub allow_private: bool,
    /// Also trust the root certificate(s) in this PEM file for HTTPS (a staging server or an
    /// internal CA); the built-in roots stay trusted and certificates are still checked.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Vec<PathBuf>,
    /// Fact-check each page that has a references list against the sources it cites
    /// (`FACT…` findings, as `pressgate verify`). Each cited source is fetched once.
    #[arg(long)]
    pub verify_citations: bool,
    /// Least support score (0..=1) for a claim to count as supported (with --verify-citations).
    #[arg(long, value_name = "X", requires = "verify_citations")]
    pub min_support: Option<f32>,
    /// Embedding model folder for the fact check's semantic support (with --verify-citations).
    #[arg(long, value_name = "DIR", requires = "verify_citations")]
    pub embed_model: Option<PathBuf>,
    /// Most megabytes of cited sources kept in memory (with --verify-citations); the least
    /// recently used are dropped first and fetched again if a later page cites them.
    #[arg(
        long,
        value_name = "MB",
        default_value_t = 64,
        requires = "verify_citations"
    )]
    pub citation_cache_mb: u64,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

fn regexes(patterns: &[String], flag: &str) -> Result<Vec<Regex>> {
    patterns
        .iter()
        .map(|p| Regex::new(p).map_err(|e| Error::Usage(format!("{flag} `{p}`: {e}"))))
        .collect()
}

fn options(args: &AuditArgs) -> Result<AuditOptions> {
    if args.max_pages == 0 || args.concurrency == 0 || args.max_per_pattern == 0 {
        return Err(Error::Usage(
            "--max-pages, --concurrency and --max-per-pattern must be at least 1".into(),
        ));
    }
    Ok(AuditOptions {
        limits: FrontierLimits {
            max_pages: args.max_pages,
            max_depth: args.max_depth,
            max_per_pattern: args.max_per_pattern,
            include: regexes(&args.include, "--include")?,
            exclude: regexes(&args.exclude, "--exclude")?,
        },
        workers: args.concurrency,
        citations: None,
        check_external: args.check_external,
        slow_ms: args.slow_ms,
        heavy_bytes: args.heavy_bytes,
        max_page_bytes: args.max_page_bytes,
    })
}

fn fetcher(args: &AuditArgs, project_root: PathBuf) -> Result<Fetcher> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(Error::Usage(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let defaults = FetchOptions::default();
    Fetcher::new(FetchOptions {
        allow_private: args.allow_private,
        connect_timeout: defaults.connect_timeout.min(timeout),
        timeout,
        max_bytes: args.max_page_bytes,
        // An audit wants the live answer, not a cached one.
        cache_dir: None,
        respect_robots: !args.ignore_robots,
        host_delay: Duration::from_millis(args.delay_ms),
        host_concurrency: args.concurrency,
        max_retries: args.retries,
        project_root,
        extra_root_certs: args.ca_cert.clone(),
        ..defaults
    })
    .map_err(|e| Error::Other(anyhow::anyhow!(e)))
}

pub fn run(args: AuditArgs) -> Result<i32> {
    let options = options(&args)?;
    let start = audit::parse_starts(&args.inputs)?;
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&cwd)?,
    };
    let engine = Engine::from_config(&config)?;
    let fetcher = fetcher(&args, config.root.clone())?;
    let mut options = options;
    if args.verify_citations {
        let root = match &start {
            audit::Start::Folder(dir) => {
                std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?
            }
            audit::Start::Web(_) => config.root.clone(),
        };
        let min_support = args
            .min_support
            .unwrap_or(crate::verify::DEFAULT_MIN_SUPPORT);
        let verifier = documents::open_verifier(min_support, args.embed_model.as_deref())?;
        // One verifier per page that may be analysed at once (at most `--concurrency`), so
        // pages are fact-checked side by side. An embedding model is loaded once (it runs
        // several sessions of its own), so it gets one verifier.
        let more = if args.embed_model.is_none() {
            (1..args.concurrency)
                .map(|_| documents::open_verifier(min_support, None))
                .collect::<Result<Vec<_>>>()?
        } else {
            Vec::new()
        };
        let settings = documents::FetchSettings {
            allow_private: args.allow_private,
            no_cache: false,
        };
        let cache_bytes = usize::try_from(args.citation_cache_mb)
            .unwrap_or(usize::MAX)
            .saturating_mul(1024 * 1024);
        options.citations = Some(std::sync::Arc::new(CitationCheck::new(
            documents::DocumentVerifier::with_pool(verifier, more, settings)
                .with_source_cache_bytes(cache_bytes)
                .with_extra_root_certs(args.ca_cert.clone()),
            root,
        )));
    }

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let on_page = |done: usize| {
        if show_progress && done.is_multiple_of(50) {
            eprint!("\rcrawled {done} page(s)");
        }
    };
    let mut report = audit::run(&engine, &fetcher, &start, &options, &on_page)?;
    if show_progress {
        eprintln!("\r");
    }
    engine.print_rule_timings();
    if !args.quiet {
        let failed_starts: Vec<String> = report
            .pages
            .iter()
            .filter(|p| p.depth == 0 && p.error.is_some())
            .take(3)
            .map(|p| format!("{}: {}", p.url, p.error.as_deref().unwrap_or("")))
            .collect();
        for line in failed_starts {
            eprintln!("warning: start page not fetched: {line}");
        }
    }

    if let Some(path) = &args.write_baseline {
        super::write_baseline(&gate::baseline_of(&report), path, args.quiet)?;
        return Ok(exit::OK);
    }
    if let Some(path) = &args.baseline {
        let dropped = gate::apply_baseline(&mut report, &Baseline::load(path)?);
        audit::score::refresh(&mut report);
        if !args.quiet && dropped > 0 {
            eprintln!("{dropped} finding(s) already in the baseline were not reported");
        }
    }

    let metas: Vec<RuleMeta> = engine.rules().iter().map(|r| r.meta().clone()).collect();
    let mut phases = crate::timing::Phases::start();
    write_report(&args, &report, &metas)?;
    phases.end("report");
    let code = if gate::fails(&report, args.fail_level.severity()) {
        exit::FINDINGS
    } else {
        exit::OK
    };
    // The process ends right after this: freeing millions of findings one by one would only
    // delay the exit (about 50 ms on 10,000 pages), the operating system takes the memory back.
    std::mem::forget(report);
    Ok(code)
}

fn write_report(args: &AuditArgs, report: &audit::AuditReport, metas: &[RuleMeta]) -> Result<()> {
    if let Some(path) = &args.html {
        write_file(path, report, AuditFormat::Html, metas)?;
    }
    match &args.output {
        Some(path) => write_file(path, report, args.format, metas),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            super::stdout_written(
                audit::output::write(report, args.format, metas, &mut lock)
                    .and_then(|_| lock.flush()),
            )
        }
    }
}

/// Streamed into a temporary file next to the target, then renamed: a large report is never
/// held in memory whole, and a failed run leaves no half-written file.
fn write_file(
    path: &std::path::Path,
    report: &audit::AuditReport,
    format: AuditFormat,
    metas: &[RuleMeta],
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(path, e))?;
    let mut writer = std::io::BufWriter::new(tmp);
    audit::output::write(report, format, metas, &mut writer)
        .and_then(|_| writer.flush())
        .map_err(|e| Error::io(path, e))?;
    let tmp = writer
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}
