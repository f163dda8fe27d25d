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
    }
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
        return Err(Error::Usage("sources fetch: no sources to fetch".into()));
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
