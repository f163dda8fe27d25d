//! `pressgate generate BRIEFS`: batch articles from briefs, gated before publishing.
use crate::cli::check::FailLevel;
use crate::config::Config;
use crate::error::{exit, Error, Result};
use crate::finding::Severity;
use crate::generate::assemble::ArticleMeta;
use crate::generate::evidence::SharedEmbedder;
use crate::generate::progress::{LogFormat, Progress};
use crate::generate::prompt::Sampling;
use crate::generate::{
    self, brief, signal, FactCheck, Gate, PipelineContext, PipelineSettings, Shard, Worker,
};
use crate::llm::backend::{ChatBackend, LocalBackend};
use crate::llm::local_model::LocalModel;
use crate::llm::openai::{OpenAiBackend, OpenAiOptions};
use crate::llm::runtime::{Device, RuntimeOptions};
use crate::rules::Engine;
use crate::sources::{embed, Embedder, FetchOptions, Fetcher, MiniLmEmbedder};
use crate::verify::{Verifier, VerifyOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The model folder used when `--model` is not given (`pressgate model install smollm2-135m`).
pub const DEFAULT_MODEL: &str = "smollm2-135m-instruct";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// The local ONNX model (one brief at a time, all cores).
    Onnx,
    /// An OpenAI-compatible server (vLLM, llama.cpp server, TGI, OpenAI).
    Openai,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Briefs: CSV with the header described in docs/generate.md (slug, title or topic,
primary_keyword, secondary_keywords, audience, sources, author_name, author_url, min_words,
max_words, format, ymyl, notes), or JSON Lines (.jsonl). Every row is validated first; any
problem exits 2 and nothing is written.
Output: OUT/publish/<slug>.md|html, OUT/rejected/<slug>.md + <slug>.findings.json,
OUT/report.csv, OUT/report.json, OUT/manifest.json (reruns skip finished briefs).
Exit codes: 0 all published, 1 some rejected or failed, 2 usage, setup or I/O error, or
interrupted (rerun to resume).")]
pub struct GenerateArgs {
    /// Briefs file: CSV, or JSON Lines with a .jsonl extension.
    pub briefs: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = BackendKind::Onnx)]
    pub backend: BackendKind,
    /// onnx: a model folder or an installed model name; openai: the model name to request.
    #[arg(long)]
    pub model: Option<String>,
    /// openai: the server root, e.g. http://localhost:8000 (the key comes from OPENAI_API_KEY).
    #[arg(long)]
    pub base_url: Option<String>,
    /// openai: briefs generated concurrently.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// openai: seconds before one request is abandoned (and retried).
    #[arg(long, default_value_t = 120)]
    pub request_timeout: u64,
    /// openai: retries after 429, 5xx or connection errors.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// onnx: auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    pub device: Device,
    /// onnx: intra-op threads (default: physical cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// ONNX Runtime shared library.
    #[arg(long, env = "ORT_DYLIB_PATH")]
    pub ort_lib: Option<PathBuf>,
    /// Drafts judged per brief (the first included) before it is rejected.
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u32,
    /// After the last attempt, remove sentences that have no support and check again.
    #[arg(long)]
    pub drop_unsupported: bool,
    /// Least support score (0..=1) for a claim to count as supported by its sources (the
    /// fact check of `pressgate verify`).
    #[arg(long, default_value_t = crate::verify::DEFAULT_MIN_SUPPORT)]
    pub min_support: f32,
    /// Gate on the check rules only, without the claim-by-claim fact check.
    #[arg(long)]
    pub no_verify: bool,
    /// Lowest severity that keeps an article out of publish/.
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    pub fail_level: FailLevel,
    /// Only the briefs of shard K of N (1-based), e.g. 2/4.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// 0 is greedy decoding.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f32,
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f32,
    /// Most tokens generated per section.
    #[arg(long, default_value_t = 256)]
    pub max_tokens: usize,
    /// H2 sections per article (the introduction comes on top).
    #[arg(long, default_value_t = 4)]
    pub sections: usize,
    /// Evidence chunks given to each section.
    #[arg(long, default_value_t = 3)]
    pub evidence: usize,
    /// Use this `pressgate.toml` for the gate's rules instead of discovering one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Publisher named in JSON-LD and front matter (default: the author's site).
    #[arg(long)]
    pub publisher: Option<String>,
    #[arg(long)]
    pub publisher_url: Option<String>,
    /// Site root: the canonical URL of an article is SITE_URL/slug.
    #[arg(long)]
    pub site_url: Option<String>,
    /// Publication date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
    /// Language of the articles.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Allow sources on private, loopback and link-local addresses.
    #[arg(long)]
    pub allow_private: bool,
    /// Fetch sources without the HTTP cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Only errors on stderr and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Progress as text (bars on a terminal) or JSON Lines on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// A model folder path, else a name under `$PRESSGATE_HOME/models`.
fn resolve_model_dir(model: &str) -> Result<PathBuf> {
    crate::llm::model_dir::find(model).ok_or_else(|| Error::Setup {
        message: format!("no model folder `{model}` and no installed model of that name"),
        hint: "run `pressgate model install smollm2-135m` (after scripts/setup.sh), or pass --model DIR".into(),
    })
}

/// The fact check of each worker: lexical and deterministic checks only, since the embedding
/// similarity changed no verdict on the evaluation set at a twentieth of the speed.
fn fact_checker(args: &GenerateArgs) -> Option<Box<dyn FactCheck + Send>> {
    (!args.no_verify).then(|| {
        let options = VerifyOptions {
            min_support: args.min_support,
            ..VerifyOptions::default()
        };
        Box::new(Verifier::new(options, None)) as Box<dyn FactCheck + Send>
    })
}

fn workers(args: &GenerateArgs) -> Result<Vec<Worker>> {
    match args.backend {
        BackendKind::Onnx => {
            let path = resolve_model_dir(args.model.as_deref().unwrap_or(DEFAULT_MODEL))?;
            let runtime = RuntimeOptions {
                ort_lib: args.ort_lib.clone(),
                device: args.device,
                intra_threads: args.threads,
            };
            let model = LocalModel::open(&path, &runtime)?;
            if args.jobs > 1 && !args.quiet {
                eprintln!("warning: --jobs applies to --backend openai; the local model runs one brief at a time on all cores");
            }
            Ok(vec![Worker {
                backend: Box::new(LocalBackend::new(model)),
                fact_check: fact_checker(args),
            }])
        }
        BackendKind::Openai => {
            let base_url = args.base_url.as_deref().ok_or_else(|| {
                Error::Usage(
                    "--backend openai needs --base-url (e.g. http://localhost:8000)".into(),
                )
            })?;
            let model = args.model.as_deref().ok_or_else(|| {
                Error::Usage(
                    "--backend openai needs --model (the model name the server serves)".into(),
                )
            })?;
            let mut options = OpenAiOptions::new(base_url, model);
            options.timeout = Duration::from_secs(args.request_timeout.max(1));
            options.max_retries = args.retries;
            let backend = OpenAiBackend::new(options)?;
            Ok((0..args.jobs.max(1))
                .map(|_| Worker {
                    backend: Box::new(backend.clone()) as Box<dyn ChatBackend>,
                    fact_check: fact_checker(args),
                })
                .collect())
        }
    }
}

fn date(args: &GenerateArgs) -> Result<String> {
    match &args.date {
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|e| Error::Usage(format!("--date `{d}`: {e} (expected YYYY-MM-DD)"))),
        None => Ok(chrono::Local::now().date_naive().to_string()),
    }
}

pub fn run(args: GenerateArgs) -> Result<i32> {
    if args.max_attempts == 0 || args.sections == 0 || args.evidence == 0 || args.max_tokens == 0 {
        return Err(Error::Usage(
            "--max-attempts, --sections, --evidence and --max-tokens must be at least 1".into(),
        ));
    }
    let project_root = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let all = match brief::load(&args.briefs, &project_root) {
        Ok(briefs) => briefs,
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}: {problem}", args.briefs.display());
            }
            eprintln!(
                "error: {} problem(s) in {}; nothing was generated",
                problems.len(),
                args.briefs.display()
            );
            return Ok(exit::ERROR);
        }
    };
    let briefs: Vec<brief::Brief> = match args.shard {
        Some(shard) => all
            .into_iter()
            .filter(|b| shard.contains(&b.slug))
            .collect(),
        None => all,
    };
    let date = date(&args)?;
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&project_root)?,
    };
    let engine = Engine::from_config(&config)?;
    let workers = workers(&args)?;
    let backend_name = workers
        .first()
        .map(|w| w.backend.name())
        .unwrap_or_default();
    let fetcher = Fetcher::new(FetchOptions {
        allow_private: args.allow_private,
        cache_dir: if args.no_cache {
            None
        } else {
            crate::sources::cache::default_cache_dir()
        },
        project_root: project_root.clone(),
        ..FetchOptions::default()
    })
    .map_err(|e| Error::Other(anyhow::anyhow!("cannot set up fetching: {e}")))?;
    let embedder =
        match MiniLmEmbedder::open(&embed::default_model_dir(), Device::Cpu, args.threads) {
            Ok(e) => Some(e),
            Err(e) => {
                if !args.quiet {
                    eprintln!("warning: no embedding model ({e}); retrieval uses BM25 only");
                }
                None
            }
        };
    let embedder_id = embedder.as_ref().map(|e| e.fingerprint().to_string());
    let shared: Option<SharedEmbedder<'_>> = match (&embedder, &embedder_id) {
        (Some(e), Some(id)) => Some((e as &(dyn Embedder + Sync), id.as_str())),
        _ => None,
    };
    let settings = PipelineSettings {
        max_attempts: args.max_attempts,
        drop_unsupported: args.drop_unsupported,
        sampling: Sampling {
            temperature: args.temperature,
            top_p: args.top_p,
            seed: args.seed,
        },
        max_section_tokens: args.max_tokens,
        sections: args.sections,
        evidence_per_section: args.evidence,
        meta: ArticleMeta {
            date,
            publisher: args.publisher.clone().unwrap_or_default(),
            publisher_url: args.publisher_url.clone(),
            site_url: args.site_url.clone(),
            model: backend_name.clone(),
            lang: args.lang.clone(),
        },
    };
    // Everything that changes the text of an article, for the manifest key (not the date:
    // a finished article is not redone because the day changed).
    let verify_key = if args.no_verify {
        "off".to_string()
    } else {
        args.min_support.to_string()
    };
    let run_settings = format!(
        "{backend_name}|seed={}|t={}|p={}|tokens={}|sections={}|evidence={}|attempts={}|drop={}|verify={}|fail={:?}|publisher={:?}|site={:?}|lang={}|embed={:?}",
        args.seed, args.temperature, args.top_p, args.max_tokens, args.sections, args.evidence,
        args.max_attempts, args.drop_unsupported, verify_key, args.fail_level, args.publisher, args.site_url,
        args.lang, embedder_id
    );
    signal::install();
    let ctx = PipelineContext {
        settings: &settings,
        gate: Gate {
            engine: &engine,
            fail_level: match args.fail_level {
                FailLevel::Error => Severity::Error,
                FailLevel::Warning => Severity::Warning,
                FailLevel::Info => Severity::Info,
            },
        },
        fetcher: &fetcher,
        embedder: shared,
        index_root: args.out.join(".index"),
        cancel: signal::cancel_flag(),
    };
    let progress = Progress::new(args.quiet, args.log_format, workers.len());
    let outcome = generate::run_batch(&briefs, &ctx, workers, &args.out, &run_settings, &progress)?;
    let (_, rejected, failed) = outcome.report.counts();
    if !args.quiet {
        print_summary(&outcome.report, &args.out, progress.is_json());
    }
    if outcome.cancelled {
        eprintln!(
            "interrupted: {} brief(s) finished and kept; run the same command again to resume",
            outcome.report.rows.len()
        );
        return Ok(exit::ERROR);
    }
    Ok(if rejected + failed > 0 {
        exit::FINDINGS
    } else {
        exit::OK
    })
}

fn print_summary(report: &generate::Report, out: &Path, json: bool) {
    let (published, rejected, failed) = report.counts();
    let resumed = report.rows.iter().filter(|r| r.resumed).count();
    if json {
        let summary = serde_json::json!({
            "event": "summary", "published": published, "rejected": rejected,
            "failed": failed, "resumed": resumed, "top_codes": report.top_codes(5),
        });
        eprintln!("{summary}");
        return;
    }
    println!("{:<10} {:>5}", "published", published);
    println!("{:<10} {:>5}", "rejected", rejected);
    println!("{:<10} {:>5}", "failed", failed);
    if resumed > 0 {
        println!("{:<10} {:>5}  (done in an earlier run)", "resumed", resumed);
    }
    let top = report.top_codes(5);
    if !top.is_empty() {
        let list: Vec<String> = top.iter().map(|(c, n)| format!("{c} ({n})")).collect();
        println!("top rule codes: {}", list.join(", "));
    }
    println!("report: {}", out.join("report.csv").display());
}
