//! `pressgate sources fetch`: fetch sources, extract their text, print one row per source.
//!
//! Exit codes: 0 when every source was fetched, 1 when at least one failed (its row says
//! why), 2 on usage errors (no inputs, bad flags, unreadable briefs CSV).
use crate::error::{exit, Error, Result};
use crate::sources::{self, FetchError, FetchOptions, Fetched, Fetcher, Origin};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, clap::Subcommand)]
pub enum SourcesCommand {
    /// Fetch sources and show status, size, title and extracted text length.
    #[command(after_help = "Exit codes: 0 all fetched, 1 some failed, 2 usage error.")]
    Fetch(FetchArgs),
    /// Search the chunks of sources: BM25 fused with embedding similarity, MMR re-ranked.
    /// The index is stored under the batch directory and reused while sources and model stay
    /// the same.
    #[command(
        after_help = "Exit codes: 0 results printed, 1 some sources failed, 2 usage or setup error."
    )]
    Search(SearchArgs),
    /// Embed the lines of a file and report chunks per second (benchmark harness).
    #[command(hide = true)]
    EmbedBench(EmbedBenchArgs),
}

#[derive(Debug, clap::Args)]
pub struct EmbedBenchArgs {
    /// UTF-8 file with one text per line; empty lines are skipped.
    #[arg(long, value_name = "FILE")]
    pub input: std::path::PathBuf,
    /// Embedding model directory (model.onnx, tokenizer.json).
    #[arg(long, value_name = "DIR", env = "PRESSGATE_EMBED_MODEL")]
    pub embed_model: Option<std::path::PathBuf>,
    /// Threads for the embedding model (default: physical cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Timed passes over all texts after one untimed warm-up pass.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub repeat: usize,
    /// Write the vectors of the last pass here as little-endian f32, row after row, so
    /// another runtime's output can be compared.
    #[arg(long, value_name = "FILE")]
    pub vectors_out: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// URLs, project files or briefs CSV files to search.
    #[arg(long, required = true, num_args = 1.., value_name = "URLS|briefs.csv")]
    pub sources: Vec<String>,
    /// The query.
    pub query: String,
    /// Number of chunks to show.
    #[arg(short = 'k', long, value_name = "N", default_value_t = 5)]
    pub top: usize,
    /// MMR trade-off between relevance (1.0) and diversity (0.0).
    #[arg(long, value_name = "L", default_value_t = sources::index::DEFAULT_MMR_LAMBDA)]
    pub lambda: f64,
    /// Directory of this batch; the index is stored under `BATCH/index/HASH/` (the one in use
    /// and the 3 most recently used others are kept, older ones deleted).
    #[arg(long, value_name = "DIR", default_value = ".pressgate/batch")]
    pub batch_dir: std::path::PathBuf,
    /// Embedding model directory (model.onnx, tokenizer.json).
    #[arg(long, value_name = "DIR", env = "PRESSGATE_EMBED_MODEL")]
    pub embed_model: Option<std::path::PathBuf>,
    /// BM25 only: no embedding model.
    #[arg(long)]
    pub lexical_only: bool,
    /// auto, cpu, cuda or cuda:N (as for the LLM).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub device: String,
    /// Threads for the embedding model (default: physical cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Allow private, loopback and link-local addresses.
    #[arg(long)]
    pub allow_private: bool,
    /// Neither read nor write the HTTP cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// URLs, project files (.html, .md, .txt) or briefs CSV files (their `sources` column,
    /// `;`-separated).
    #[arg(required = true, value_name = "URLS|briefs.csv")]
    pub inputs: Vec<String>,
    /// Allow private, loopback and link-local addresses.
    #[arg(long)]
    pub allow_private: bool,
    /// Limit for each request, connect to last byte, in seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub timeout: f64,
    /// Largest body accepted, in bytes (after decompression).
    #[arg(long, value_name = "N", default_value_t = 5 * 1024 * 1024)]
    pub max_bytes: u64,
    /// Neither read nor write the HTTP cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Sources fetched at once (per-host politeness still applies).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    /// Print JSON (one object per source) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cmd: SourcesCommand) -> Result<i32> {
    match cmd {
        SourcesCommand::Fetch(args) => fetch(args),
        SourcesCommand::Search(args) => search(args),
        SourcesCommand::EmbedBench(args) => embed_bench(args),
    }
}

/// Time `MiniLmEmbedder::embed_texts` over the lines of a file; prints one JSON object.
fn embed_bench(args: EmbedBenchArgs) -> Result<i32> {
    if args.repeat == 0 {
        return Err(Error::Usage("--repeat must be at least 1".into()));
    }
    let content = std::fs::read_to_string(&args.input)
        .map_err(|e| Error::input(&args.input, format!("cannot read: {e}")))?;
    let texts = bench_texts(&content);
    if texts.is_empty() {
        return Err(Error::Usage(format!(
            "{} has no texts (one per line)",
            args.input.display()
        )));
    }
    let dir = args
        .embed_model
        .clone()
        .unwrap_or_else(sources::embed::default_model_dir);
    let load_start = std::time::Instant::now();
    let embedder =
        sources::MiniLmEmbedder::open(&dir, crate::llm::runtime::Device::Cpu, args.threads)?;
    let load_s = load_start.elapsed().as_secs_f64();
    // The warm-up pass lets ONNX Runtime settle its allocations before timing.
    let mut vectors = embedder.embed_texts(&texts)?;
    let mut pass_seconds = Vec::with_capacity(args.repeat);
    for _ in 0..args.repeat {
        let start = std::time::Instant::now();
        vectors = embedder.embed_texts(&texts)?;
        pass_seconds.push(start.elapsed().as_secs_f64());
    }
    if let Some(path) = &args.vectors_out {
        std::fs::write(path, vectors_le_bytes(&vectors))
            .map_err(|e| Error::input(path, format!("cannot write vectors: {e}")))?;
    }
    let best = pass_seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let dim = vectors.first().map_or(0, Vec::len);
    println!(
        "{}",
        serde_json::json!({
            "runtime": "pressgate",
            "texts": texts.len(),
            "dim": dim,
            "load_s": load_s,
            "pass_s": pass_seconds,
            "best_s": best,
            "chunks_per_s": texts.len() as f64 / best,
        })
    );
    Ok(exit::OK)
}

/// Expand briefs CSV files into their sources; other inputs pass through.
fn expand_inputs(inputs: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.contains("://") && input.to_ascii_lowercase().ends_with(".csv") {
            out.extend(sources::sources_from_briefs_csv(Path::new(input))?);
        } else {
            out.push(input.clone());
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "no sources given (URLs, files or a briefs CSV with a `sources` column)".into(),
        ));
    }
    Ok(out)
}

fn fetch(args: FetchArgs) -> Result<i32> {
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        return Err(Error::Usage(format!(
            "--timeout must be a positive number of seconds, not {}",
            args.timeout
        )));
    }
    if args.max_bytes == 0 {
        return Err(Error::Usage("--max-bytes must be at least 1".into()));
    }
    let inputs = expand_inputs(&args.inputs)?;
    let project = crate::config::Config::discover(Path::new("."))?;
    let timeout = Duration::from_secs_f64(args.timeout);
    let defaults = FetchOptions::default();
    let options = FetchOptions {
        allow_private: args.allow_private,
        connect_timeout: defaults.connect_timeout.min(timeout),
        timeout,
        max_bytes: args.max_bytes,
        cache_dir: if args.no_cache {
            None
        } else {
            defaults.cache_dir.clone()
        },
        project_root: project.root,
        ..defaults
    };
    let fetcher = Fetcher::new(options).map_err(|e| Error::Other(anyhow::anyhow!(e)))?;

    let progress = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let results = fetcher.fetch_all(&inputs, args.jobs, &|i, _result| {
        progress.inc(1);
        if let Some(input) = inputs.get(i) {
            progress.set_message(input.clone());
        }
    });
    progress.finish_and_clear();

    let rows: Vec<Row> = inputs
        .iter()
        .zip(results)
        .map(|(input, result)| Row::new(input, result))
        .collect();
    if args.json {
        let values: Vec<serde_json::Value> = rows.iter().map(Row::to_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&values).map_err(|e| Error::Other(e.into()))?
        );
    } else {
        print!("{}", table(&rows));
    }
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    if failed > 0 {
        eprintln!("{failed} of {} sources failed", rows.len());
        Ok(exit::FINDINGS)
    } else {
        Ok(exit::OK)
    }
}

fn search(args: SearchArgs) -> Result<i32> {
    if args.top == 0 {
        return Err(Error::Usage("-k/--top must be at least 1".into()));
    }
    if !(0.0..=1.0).contains(&args.lambda) {
        return Err(Error::Usage(format!(
            "--lambda must be between 0 and 1, not {}",
            args.lambda
        )));
    }
    let device: crate::llm::runtime::Device = args.device.parse()?;
    let inputs = expand_inputs(&args.sources)?;
    let project = crate::config::Config::discover(Path::new("."))?;
    let defaults = FetchOptions::default();
    let options = FetchOptions {
        allow_private: args.allow_private,
        cache_dir: if args.no_cache {
            None
        } else {
            defaults.cache_dir.clone()
        },
        project_root: project.root,
        ..defaults
    };
    let fetcher = Fetcher::new(options).map_err(|e| Error::Other(anyhow::anyhow!(e)))?;
    let results = fetcher.fetch_all(&inputs, 4, &|_, _| {});
    let mut failed = 0;
    let mut chunks = Vec::new();
    let mut urls = std::collections::HashMap::new();
    for (input, result) in inputs.iter().zip(results) {
        match result {
            Ok(fetched) => {
                let source = sources::from_fetched(fetched);
                urls.insert(source.id.clone(), source.fetched.url.clone());
                chunks.extend(source.chunks());
            }
            Err(error) => {
                failed += 1;
                eprintln!("warning: {input}: {error}");
            }
        }
    }
    let embedder = if args.lexical_only {
        None
    } else {
        let dir = args
            .embed_model
            .clone()
            .unwrap_or_else(sources::embed::default_model_dir);
        Some(sources::MiniLmEmbedder::open(&dir, device, args.threads)?)
    };
    let keyed = embedder
        .as_ref()
        .map(|e| (e as &dyn sources::Embedder, e.fingerprint()));
    let (index, reused) = sources::index_store::open_or_build(&args.batch_dir, chunks, keyed)?;
    if reused {
        eprintln!("reusing the stored index in {}", args.batch_dir.display());
    }
    let hits = index
        .search_mmr(&args.query, args.top, keyed.map(|(e, _)| e), args.lambda)
        .map_err(|e| Error::Other(anyhow::anyhow!("search failed: {e}")))?;
    let rows: Vec<serde_json::Value> = hits
        .iter()
        .filter_map(|hit| {
            let chunk = index.chunks().get(hit.chunk)?;
            Some(serde_json::json!({
                "score": hit.score,
                "bm25_rank": hit.lexical_rank,
                "vector_rank": hit.dense_rank,
                "source_id": chunk.source_id,
                "url": urls.get(&chunk.source_id),
                "chunk": chunk.index,
                "span": [chunk.span.start, chunk.span.end],
                "heading_path": chunk.heading_path,
                "text": chunk.text,
            }))
        })
        .collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).map_err(|e| Error::Other(e.into()))?
        );
    } else {
        for (rank, (hit, row)) in hits.iter().zip(&rows).enumerate() {
            let Some(chunk) = index.chunks().get(hit.chunk) else {
                continue;
            };
            let rank_of = |r: Option<usize>| r.map_or("-".to_string(), |r| r.to_string());
            println!(
                "{}. score {:.4} (bm25 #{}, vector #{})  {} [{}..{}]",
                rank + 1,
                hit.score,
                rank_of(hit.lexical_rank),
                rank_of(hit.dense_rank),
                row["url"].as_str().unwrap_or(&chunk.source_id),
                chunk.span.start,
                chunk.span.end
            );
            if !chunk.heading_path.is_empty() {
                println!("   § {}", chunk.heading_path.join(" › "));
            }
            println!("   {}", truncate(&chunk.text.replace('\n', " "), 300));
        }
    }
    if hits.is_empty() {
        eprintln!("no chunk matches the query");
    }
    Ok(if failed > 0 { exit::FINDINGS } else { exit::OK })
}

/// The texts of an embed-bench input: its non-blank lines.
fn bench_texts(content: &str) -> Vec<&str> {
    content.lines().filter(|l| !l.trim().is_empty()).collect()
}

/// Vectors as little-endian f32, row after row (what numpy's `fromfile(dtype="<f4")` reads).
fn vectors_le_bytes(vectors: &[Vec<f32>]) -> Vec<u8> {
    vectors
        .iter()
        .flat_map(|v| v.iter().flat_map(|x| x.to_le_bytes()))
        .collect()
}

/// One line of the result table.
struct Row {
    input: String,
    status: String,
    bytes: Option<usize>,
    title: String,
    text_chars: Option<usize>,
    flags: usize,
    error: Option<FetchError>,
    id: Option<String>,
}

impl Row {
    fn new(input: &str, result: std::result::Result<Fetched, FetchError>) -> Row {
        match result {
            Ok(fetched) => {
                let status = match fetched.origin {
                    Origin::Network => fetched.status.to_string(),
                    Origin::Revalidated => "304 cached".into(),
                    Origin::File => "file".into(),
                };
                let bytes = fetched.body.len();
                let source = sources::from_fetched(fetched);
                Row {
                    input: input.to_string(),
                    status,
                    bytes: Some(bytes),
                    title: source.extracted.meta.title.clone().unwrap_or_default(),
                    text_chars: Some(source.extracted.text.chars().count()),
                    flags: source.extracted.injection_flags.len(),
                    error: None,
                    id: Some(source.id),
                }
            }
            Err(error) => Row {
                input: input.to_string(),
                status: "failed".into(),
                bytes: None,
                title: String::new(),
                text_chars: None,
                flags: 0,
                error: Some(error),
                id: None,
            },
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "input": self.input,
            "id": self.id,
            "status": self.status,
            "bytes": self.bytes,
            "title": self.title,
            "text_chars": self.text_chars,
            "injection_flags": self.flags,
            "error": self.error.as_ref().map(|e| e.code()),
            "reason": self.error.as_ref().map(|e| e.to_string()),
        })
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn table(rows: &[Row]) -> String {
    let url_width = rows
        .iter()
        .map(|r| r.input.chars().count())
        .max()
        .unwrap_or(3)
        .clamp(3, 60);
    let mut out = format!(
        "{:<url_width$}  {:<10}  {:>9}  {:>7}  TITLE / REASON\n",
        "URL", "STATUS", "BYTES", "TEXT"
    );
    for row in rows {
        let bytes = row.bytes.map_or("-".to_string(), |b| b.to_string());
        let text = row.text_chars.map_or("-".to_string(), |t| t.to_string());
        let last = match &row.error {
            Some(error) => error.to_string(),
            None if row.flags > 0 => format!(
                "{} [{} instruction-like line(s) flagged]",
                row.title, row.flags
            ),
            None => row.title.clone(),
        };
        out.push_str(&format!(
            "{:<url_width$}  {:<10}  {:>9}  {:>7}  {}\n",
            truncate(&row.input, url_width),
            row.status,
            bytes,
            text,
            truncate(&last, 100)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench_args(input: std::path::PathBuf, repeat: usize) -> EmbedBenchArgs {
        EmbedBenchArgs {
            input,
            embed_model: None,
            threads: Some(1),
            repeat,
            vectors_out: None,
        }
    }

    #[test]
    fn bench_texts_skip_blank_lines() {
        assert_eq!(
            bench_texts("first text\n\n   \nsecond text\r\n"),
            vec!["first text", "second text"]
        );
        assert!(bench_texts("\n \n").is_empty());
    }

    #[test]
    fn vectors_are_written_row_major_little_endian() {
        let bytes = vectors_le_bytes(&[vec![1.0, -2.5], vec![0.25, 3.0]]);
        let floats: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(floats, vec![1.0, -2.5, 0.25, 3.0]);
    }

    #[test]
    fn embed_bench_rejects_zero_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("texts.txt");
        std::fs::write(&input, "a text\n").unwrap();
        let err = embed_bench(bench_args(input, 0)).unwrap_err();
        assert!(
            matches!(err, Error::Usage(ref m) if m.contains("--repeat")),
            "{err}"
        );
    }

    #[test]
    fn embed_bench_rejects_input_without_texts() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("blank.txt");
        std::fs::write(&input, "\n  \n").unwrap();
        let err = embed_bench(bench_args(input, 1)).unwrap_err();
        assert!(
            matches!(err, Error::Usage(ref m) if m.contains("no texts")),
            "{err}"
        );
    }

    #[test]
    fn embed_bench_reports_unreadable_input() {
        let dir = tempfile::tempdir().unwrap();
        let err = embed_bench(bench_args(dir.path().join("missing.txt"), 1)).unwrap_err();
        assert!(err.to_string().contains("missing.txt"), "{err}");
    }
}
