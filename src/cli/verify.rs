//! `pressgate verify`: check every claim of an article against the sources it cites and report
//! `FACT…` findings in any `check` output format, with `check`'s exit codes.
use super::report_flags::ReportFlags;
use crate::config::Config;
use crate::doc::{self, Format};
use crate::error::{exit, Error, Result};
use crate::finding::FileReport;
use crate::report::{self, ReportInput};
use crate::rules::{Engine, RuleMeta};
use crate::sources::for_document::{fetch_for_document, fetch_inputs};
use crate::verify::{self, documents, eval, Verifier};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Largest article read, as `check --max-file-size` (a 100k-word article is about 700 kB).
const MAX_ARTICLE_BYTES: u64 = 5_000_000;

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit codes: 0 no finding at or above --fail-level, 1 findings, 2 usage, configuration or I/O error.
Sources default to the article's references list (URLs, or files relative to the article).
An unreachable source is a FACT008 finding; an article without sources is FACT009.")]
pub struct VerifyArgs {
    /// The article (Markdown or HTML). Required unless --eval is given.
    #[arg(required_unless_present = "eval")]
    pub article: Option<PathBuf>,
    /// Verify against these sources (URLs or files) instead of the references list; the n-th
    /// one is cited as `[n]`.
    #[arg(long = "source", value_name = "URL|FILE")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub report: ReportFlags,
    /// Use this `pressgate.toml` instead of discovering one from the article.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Least support score (0..1) for a claim to count as supported.
    #[arg(long, value_name = "X", default_value_t = verify::DEFAULT_MIN_SUPPORT)]
    pub min_support: f32,
    /// Allow sources on private, loopback and link-local addresses.
    #[arg(long)]
    pub allow_private: bool,
    /// Neither read nor write the HTTP cache.
    #[arg(long)]
    pub no_cache: bool,
    /// MiniLM embedding model directory: blends embedding similarity into the support score.
    #[arg(long, value_name = "DIR")]
    pub embed_model: Option<PathBuf>,
    /// Write every claim's verdict (supported, contradicted, unsupported, uncited) as JSON here.
    #[arg(long, value_name = "FILE")]
    pub claims_out: Option<PathBuf>,
    /// Only print findings: no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Run the labelled evaluation set (JSONL of claim–evidence pairs) and print its scores.
    #[arg(long, value_name = "PAIRS.jsonl", hide = true)]
    pub eval: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> Result<i32> {
    let mut verifier = documents::open_verifier(args.min_support, args.embed_model.as_deref())?;
    if let Some(pairs) = &args.eval {
        return run_eval(&mut verifier, pairs);
    }
    let Some(article) = &args.article else {
        return Err(Error::Usage("give an article to verify".into()));
    };
    let text = read_article(article)?;
    let display = crate::walk::display_path(article);
    let doc = doc::parse(&display, &text, Format::from_path(&display));
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(article)?,
    };
    let engine = Engine::from_config(&config)?;

    let settings = documents::FetchSettings {
        allow_private: args.allow_private,
        no_cache: args.no_cache,
    };
    let sources = if args.sources.is_empty() {
        let article_dir = documents::article_dir(Some(article));
        let root = documents::project_root(&config, &article_dir);
        let fetcher = settings.fetcher(root)?;
        fetch_for_document(&fetcher, &doc, &article_dir)
    } else {
        // Sources named on the command line are the user's choice: any readable file.
        let fetcher = settings.fetcher(PathBuf::from("/"))?;
        let inputs: Vec<std::result::Result<String, String>> = args
            .sources
            .iter()
            .map(|s| {
                let p = Path::new(s);
                Ok(if !s.contains("://") && p.exists() {
                    std::fs::canonicalize(p)
                        .map(|a| a.to_string_lossy().into_owned())
                        .unwrap_or_else(|_| s.clone())
                } else {
                    s.clone()
                })
            })
            .collect();
        fetch_inputs(&fetcher, &inputs)
    };

    let started = Instant::now();
    let mut result = verifier.verify(&doc, &sources)?;
    let elapsed = started.elapsed();
    verify::apply_config(&engine, &doc, &mut result.findings);
    if let Some(path) = &args.claims_out {
        let json = serde_json::to_string_pretty(&result.claims)
            .map_err(|e| Error::input(path, e.to_string()))?;
        std::fs::write(path, json).map_err(|e| Error::io(path, e))?;
    }

    let mut reports = vec![FileReport {
        path: doc.path.clone(),
        source: doc.source.clone(),
        findings: result.findings.clone(),
    }];
    if args.report.apply_baseline(&mut reports, args.quiet)? {
        return Ok(exit::OK);
    }
    let metas: Vec<RuleMeta> = verify::rules::ALL.to_vec();
    let input = ReportInput {
        files: &reports,
        rules: &metas,
    };
    write_report(&args, &input)?;
    if !args.quiet {
        let supported = result
            .claims
            .iter()
            .filter(|c| c.verdict == verify::Verdict::Supported)
            .count();
        eprintln!(
            "{} claim(s), {supported} supported ({:.0}%), against {} source(s) in {:.2}s",
            result.claims.len(),
            result.supported_share() * 100.0,
            sources.len(),
            elapsed.as_secs_f64()
        );
    }
    let fail_at = args.report.fail_level.severity();
    let failed = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity >= fail_at);
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

fn read_article(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::input(path, "is a directory, not an article"));
    }
    if meta.len() > MAX_ARTICLE_BYTES {
        return Err(Error::input(
            path,
            format!(
                "file is {} bytes, over the limit of {MAX_ARTICLE_BYTES}",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.contains(&0) {
        return Err(Error::input(path, "binary file, not an article"));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::input(
            path,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn write_report(args: &VerifyArgs, input: &ReportInput) -> Result<()> {
    let options = args.report.render_options(args.quiet);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    super::stdout_written(
        report::write(args.report.format, input, options, &mut out).and_then(|_| out.flush()),
    )
}

/// `--eval`: verdicts for every pair as JSON lines on stdout, then the scores per split, the
/// threshold calibrated on `calib`, and claims per second on stderr.
fn run_eval(verifier: &mut Verifier, path: &Path) -> Result<i32> {
    let pairs = eval::load_pairs(path)?;
    let started = Instant::now();
    let mut results = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        results.push(eval::run_pair(verifier, pair)?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut stdout = std::io::stdout().lock();
    for r in &results {
        let line = serde_json::to_string(r).map_err(|e| Error::input(path, e.to_string()))?;
        let _ = writeln!(stdout, "{line}");
    }
    let split = |name: &str| -> Vec<eval::PairResult> {
        results
            .iter()
            .filter(|r| r.split == name)
            .cloned()
            .collect()
    };
    let (threshold, calib_ba) = eval::calibrate(&split("calib"));
    let summary = serde_json::json!({
        "pairs": results.len(),
        "min_support": verifier.options().min_support,
        "calibrated_min_support": threshold,
        "calibrated_balanced_accuracy": calib_ba,
        "calib": eval::metrics(&split("calib")),
        "test": eval::metrics(&split("test")),
        "all": eval::metrics(&results),
        "seconds": seconds,
        "claims_per_second": results.len() as f64 / seconds.max(1e-9),
    });
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&summary).unwrap_or_default()
    );
    Ok(exit::OK)
}
