//! `pressgate check`: lint files, directories, globs or stdin and report the findings.
//!
//! Inputs that cannot be linted never panic and never stop the other inputs:
//!
//! | input | outcome |
//! |---|---|
//! | missing path, glob that matches nothing | `IO001` finding "no such file or directory" on that path |
//! | unreadable file or directory | `IO001` "permission denied" on that path |
//! | binary file (a NUL byte) | `IO001` "binary file (NUL byte at offset N)" |
//! | invalid UTF-8 | `IO001` "not valid UTF-8 (invalid byte at offset N)" |
//! | over `--max-file-size` (default 5 MB; stdin too) | `IO001` "file is N bytes, over the limit" |
//! | empty file | checked, no findings, a warning on stderr |
//!
//! `IO001` is an error, is not removed by `--select`/`--ignore`, and shows in every output
//! format. When not a single input could be read, the `IO001` messages go to stderr and the run
//! exits 2. `--fix` writes through a temp file + rename, so a file is either untouched or fully
//! fixed; it cannot write back to stdin (use `--fix --dry-run`).
pub use super::report_flags::{ColorChoice, FailLevel, ReportFlags};
use crate::config::Config;
use crate::doc::{self, Document, Format};
use crate::error::{exit, Error, Result};
use crate::finding::{FileReport, Finding, Severity};
use crate::fix;
use crate::report::{self, OutputFormat, RenderOptions, ReportInput, IO_CODE};
use crate::rules::{DocumentCheck, Engine, RuleMeta};
use crate::span::Span;
use crate::verify::{self, documents};
use crate::walk::{self, Input, InputSource};
use rayon::prelude::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit codes: 0 no finding at or above --fail-level, 1 findings, 2 usage, configuration or I/O error.
Inputs that cannot be linted (missing, unreadable, binary, not UTF-8, over --max-file-size) are
reported as IO001 errors on their path; if no input at all can be read the run exits 2.
Empty files are checked and give a warning on stderr.
--verify also checks each document's claims against its references list (FACT codes, as
`pressgate verify`); each distinct source is fetched once per run.")]
pub struct CheckArgs {
    /// Files, directories (respecting .gitignore) or globs; `-` reads stdin. Default: `.`.
    pub paths: Vec<String>,
    #[command(flatten)]
    pub report: ReportFlags,
    /// Use this `pressgate.toml` instead of discovering one from the first path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only report these codes, code prefixes or packs (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Do not report these codes, code prefixes or packs (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Apply safe fixes in place (atomically), then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: print a unified diff of the fixes and change nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,
    /// Name used for stdin (`-`): picks the format and is the reported path.
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,
    /// Only print findings: no summary line, no warnings.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the number of findings per code instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Skip (and report as IO001) files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 5_000_000)]
    pub max_file_size: u64,
    /// Also verify every claim against the document's references list (`FACT…` findings, as
    /// `pressgate verify`); this fetches the sources.
    #[arg(long)]
    pub verify: bool,
    /// With --verify: allow sources on private, loopback and link-local addresses.
    #[arg(long, requires = "verify")]
    pub allow_private: bool,
    /// With --verify: neither read nor write the HTTP cache.
    #[arg(long, requires = "verify")]
    pub no_cache: bool,
    /// With --verify: MiniLM embedding model directory, blended into the support score.
    #[arg(long, value_name = "DIR", requires = "verify")]
    pub embed_model: Option<PathBuf>,
    /// With --verify: least support score (0..1) for a claim to count as supported.
    #[arg(long, value_name = "X", default_value_t = verify::DEFAULT_MIN_SUPPORT, requires = "verify")]
    pub min_support: f32,
}

/// Codes to keep: `--select` (empty = all) minus `--ignore`. An entry matches a code exactly,
/// as a prefix (`SEO`, `STYLE0`), or by the rule's pack name (`seo`, `style`).
struct CodeFilter {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl CodeFilter {
    fn new(select: &[String], ignore: &[String]) -> Self {
        let clean = |v: &[String]| {
            v.iter()
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect()
        };
        CodeFilter {
            select: clean(select),
            ignore: clean(ignore),
        }
    }

    fn matches(entry: &str, code: &str, pack: Option<&str>) -> bool {
        code.to_ascii_uppercase().starts_with(entry)
            || pack.is_some_and(|p| p.eq_ignore_ascii_case(entry))
    }

    /// Every entry must name a rule, a prefix of one, a pack, or `IO001`: a typo would otherwise
    /// silently select nothing and pass CI.
    fn validate(&self, rules: &[RuleMeta]) -> Result<()> {
        for (flag, entries) in [("--select", &self.select), ("--ignore", &self.ignore)] {
            for entry in entries {
                let known = IO_CODE.starts_with(entry.as_str())
                    || rules
                        .iter()
                        .any(|m| Self::matches(entry, m.code, Some(m.pack)));
                if !known {
                    return Err(Error::Usage(format!(
                        "{flag}: `{entry}` matches no rule code, code prefix or pack (see `pressgate rules list`)"
                    )));
                }
            }
        }
        Ok(())
    }

    fn keeps(&self, code: &str, pack: Option<&str>) -> bool {
        // Unreadable inputs are always reported: hiding them would hide unchecked files.
        if code == IO_CODE {
            return true;
        }
        let selected =
            self.select.is_empty() || self.select.iter().any(|e| Self::matches(e, code, pack));
        selected && !self.ignore.iter().any(|e| Self::matches(e, code, pack))
    }
}

/// What reading one input produced.
enum ReadOutcome {
    Text(String),
    Empty,
    Failed(String),
}

fn read_limited(reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Read one input, rejecting what cannot be linted with a message that says why.
fn read_input(input: &Input, max_size: u64) -> ReadOutcome {
    let too_big = |size: u64| {
        ReadOutcome::Failed(format!(
            "file is {size} bytes, over the --max-file-size limit of {max_size} bytes; skipped"
        ))
    };
    let bytes = match &input.source {
        InputSource::Stdin => match read_limited(std::io::stdin().lock(), max_size) {
            Ok(b) => b,
            Err(e) => return ReadOutcome::Failed(format!("cannot read stdin: {e}")),
        },
        InputSource::File(path) => {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    return ReadOutcome::Failed("is a directory, not a file".into())
                }
                Ok(meta) if meta.len() > max_size => return too_big(meta.len()),
                Ok(_) => {}
                Err(e) => return ReadOutcome::Failed(io_message(&e)),
            }
            // Limit the read too: the file may grow between the size check and the read.
            match std::fs::File::open(path).and_then(|f| read_limited(f, max_size)) {
                Ok(b) => b,
                Err(e) => return ReadOutcome::Failed(io_message(&e)),
            }
        }
    };
    if bytes.len() as u64 > max_size {
        return too_big(bytes.len() as u64);
    }
    if bytes.is_empty() {
        return ReadOutcome::Empty;
    }
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return ReadOutcome::Failed(format!(
            "binary file (NUL byte at offset {pos}), not a text document; skipped"
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => ReadOutcome::Text(text),
        Err(e) => ReadOutcome::Failed(format!(
            "not valid UTF-8 (invalid byte at offset {}); convert it to UTF-8 to check it",
            e.utf8_error().valid_up_to()
        )),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn io_report(path: &str, message: &str) -> FileReport {
    FileReport {
        path: path.to_owned(),
        source: String::new(),
        findings: vec![Finding::new(
            IO_CODE,
            Severity::Error,
            message.to_owned(),
            Span::file_start(),
        )],
    }
}

/// The directory to discover `pressgate.toml` from: the first path (a glob's base, stdin's
/// current directory).
fn config_start(paths: &[String]) -> PathBuf {
    match paths.first().map(String::as_str) {
        None | Some("-") => PathBuf::from("."),
        Some(p) if !Path::new(p).exists() && walk::is_glob(p) => walk::glob_base(p),
        Some(p) => PathBuf::from(p),
    }
}

/// Path of `input` relative to the (canonical) config root, `/`-separated, for
/// `Config::is_ignored`. Both sides are canonical so symlinked temp dirs still match.
fn relative_to_root(root: &Path, input: &Input) -> String {
    let InputSource::File(path) = &input.source else {
        return input.display.clone();
    };
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
    match absolute.strip_prefix(root) {
        Ok(rel) => walk::display_path(rel),
        Err(_) => input.display.clone(),
    }
}

fn check_docs(
    engine: &Engine,
    docs: &[Document],
    filter: &CodeFilter,
    metas: &[RuleMeta],
) -> Vec<Vec<Finding>> {
    let pack_of = |code: &str| metas.iter().find(|m| m.code == code).map(|m| m.pack);
    engine
        .check(docs)
        .into_iter()
        .map(|mut list| {
            list.retain(|f| filter.keeps(&f.code, pack_of(&f.code)));
            list
        })
        .collect()
}

/// Write to stdout; a closed pipe (`| head`) is not an error of the check.
fn write_stdout(stdout: &mut impl Write, text: &str) -> Result<()> {
    super::stdout_written(
        stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush()),
    )
}

fn warn(quiet: bool, message: &str) {
    if !quiet {
        eprintln!("warning: {message}");
    }
}

/// The engine for `config`, narrowed to `--select`/`--ignore` so unselected rules do not run
/// at all. The [`CodeFilter`] stays the final word (it also covers IO001 and config overrides).
fn build_engine(config: &Config, filter: &CodeFilter) -> Result<Engine> {
    let engine = Engine::from_config(config)?;
    if filter.select.is_empty() && filter.ignore.is_empty() {
        return Ok(engine);
    }
    let all: Vec<RuleMeta> = engine.rules().iter().map(|r| r.meta().clone()).collect();
    filter.validate(&all)?;
    let for_engine = |entries: &[String]| -> Vec<String> {
        entries
            .iter()
            .filter(|e| {
                all.iter()
                    .any(|m| CodeFilter::matches(e, m.code, Some(m.pack)))
            })
            .cloned()
            .collect()
    };
    let mut narrowed = config.clone();
    if !filter.select.is_empty() {
        narrowed.rules.select = for_engine(&filter.select);
        narrowed.rules.enable.clear();
        // An empty engine selection means "every rule" (e.g. `--select IO001`): keep the full
        // engine and let the filter drop the rest.
        if narrowed.rules.select.is_empty() {
            return Ok(engine);
        }
    }
    narrowed.rules.disable.extend(for_engine(&filter.ignore));
    Engine::from_config(&narrowed)
}

/// Inputs after discovery and reading.
struct ReadInputs {
    /// Inputs that read as non-empty UTF-8 text.
    texts: Vec<(Input, String)>,
    /// One `IO001` report per input that could not be used.
    io_reports: Vec<FileReport>,
    /// Empty files: checked, nothing to report.
    empty_reports: Vec<FileReport>,
}

fn read_inputs(paths: &[String], args: &CheckArgs, config: &Config) -> ReadInputs {
    let discovery = walk::discover(paths, args.stdin_filename.as_deref());
    let mut io_reports: Vec<FileReport> = discovery
        .failures
        .iter()
        .map(|f| io_report(&f.display, &f.message))
        .collect();
    let root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    let read: Vec<(Input, ReadOutcome)> = discovery
        .inputs
        .into_par_iter()
        .filter(|i| !config.is_ignored(&relative_to_root(&root, i)))
        .map(|input| {
            let outcome = read_input(&input, args.max_file_size);
            (input, outcome)
        })
        .collect();
    let mut texts = Vec::new();
    // Empty files are read fine but not linted: rules on an empty document only add noise.
    let mut empty_reports = Vec::new();
    for (input, outcome) in read {
        match outcome {
            ReadOutcome::Text(text) => texts.push((input, text)),
            ReadOutcome::Empty => {
                warn(
                    args.quiet,
                    &format!("{}: empty file, nothing to check", input.display),
                );
                empty_reports.push(FileReport {
                    path: input.display,
                    source: String::new(),
                    findings: Vec::new(),
                });
            }
            ReadOutcome::Failed(message) => io_reports.push(io_report(&input.display, &message)),
        }
    }
    ReadInputs {
        texts,
        io_reports,
        empty_reports,
    }
}

fn parse_as(display: &str, text: &str) -> Document {
    doc::parse(display, text, Format::from_path(display))
}

/// `--fix`: apply safe fixes per document (re-checking it alone between rounds), then either
/// print diffs (`--dry-run`) or write the files atomically. Returns the documents as they now
/// read. A file that cannot be written is named on stderr and makes the run exit 2.
fn apply_fixes(
    args: &CheckArgs,
    lint: &Lint,
    texts: &[(Input, String)],
    docs: Vec<Document>,
    findings: &[Vec<Finding>],
) -> Result<FixOutcome> {
    let fixed: Vec<fix::Applied> = docs
        .par_iter()
        .zip(findings.par_iter())
        .map(|(d, list)| {
            fix::fix_until_stable(&d.source, list, |text| {
                lint.check(&[parse_as(&d.path, text)])
                    .pop()
                    .unwrap_or_default()
            })
        })
        .collect();
    let changed = fixed
        .iter()
        .zip(&docs)
        .any(|(r, d)| r.fixes > 0 && r.source != d.source);
    let (mut changed_files, mut applied, mut write_failed) = (0, 0, false);
    let mut stdout = std::io::stdout().lock();
    for ((input, _), (d, result)) in texts.iter().zip(docs.iter().zip(&fixed)) {
        if result.fixes == 0 || result.source == d.source {
            continue;
        }
        if args.dry_run {
            write_stdout(
                &mut stdout,
                &fix::unified_diff(&d.path, &d.source, &result.source),
            )?;
        } else if let InputSource::File(path) = &input.source {
            if let Err(e) = fix::write_atomic(path, result.source.as_bytes()) {
                eprintln!("error: {}: cannot write fixes: {e}", d.path);
                write_failed = true;
                continue;
            }
        }
        changed_files += 1;
        applied += result.fixes;
    }
    drop(stdout);
    if !args.quiet {
        let verb = if args.dry_run { "would fix" } else { "fixed" };
        eprintln!("{verb} {applied} finding(s) in {changed_files} file(s)");
    }
    let docs = docs
        .into_iter()
        .zip(fixed)
        .map(|(d, result)| {
            if result.fixes > 0 && result.source != d.source {
                parse_as(&d.path, &result.source)
            } else {
                d
            }
        })
        .collect();
    Ok(FixOutcome {
        docs,
        changed,
        write_failed,
    })
}

struct FixOutcome {
    /// The documents as they read after fixing.
    docs: Vec<Document>,
    /// Whether any document changed.
    changed: bool,
    /// Whether some fixed file could not be written.
    write_failed: bool,
}

/// The engine plus the code filter: what "check these documents" means for this run.
struct Lint {
    engine: Engine,
    filter: CodeFilter,
    metas: Vec<RuleMeta>,
}

impl Lint {
    fn check(&self, docs: &[Document]) -> Vec<Vec<Finding>> {
        check_docs(&self.engine, docs, &self.filter, &self.metas)
    }

    /// Check each text on its own, dropping its parsed document as soon as it is checked, then
    /// run the set-level rules on the small per-document summaries. Peak memory is the texts
    /// and findings, not every parsed document at once.
    fn check_streaming(&self, texts: Vec<(Input, String)>) -> Vec<FileReport> {
        let (mut checks, sources): (Vec<DocumentCheck>, Vec<(String, String)>) = texts
            .into_par_iter()
            .map(|(input, text)| {
                let doc = parse_as(&input.display, &text);
                let check = self.engine.check_document(&doc);
                drop(doc);
                (check, (input.display, text))
            })
            .unzip();
        self.engine.check_sets(&mut checks);
        checks
            .into_iter()
            .zip(sources)
            .map(|(check, (path, source))| {
                let mut findings = check.findings;
                findings.retain(|f| self.keeps(f));
                FileReport {
                    path,
                    source,
                    findings,
                }
            })
            .collect()
    }

    fn keeps(&self, f: &Finding) -> bool {
        let pack = self.metas.iter().find(|m| m.code == f.code).map(|m| m.pack);
        self.filter.keeps(&f.code, pack)
    }

    fn keeps_code(&self, code: &str, pack: &str) -> bool {
        self.filter.keeps(code, Some(pack))
    }
}

/// `--verify` state for the whole run: one verifier, and every source fetched so far.
struct Verification {
    documents: documents::DocumentVerifier,
    config: Config,
}

impl Verification {
    fn new(args: &CheckArgs, config: &Config) -> Result<Verification> {
        let verifier = documents::open_verifier(args.min_support, args.embed_model.as_deref())?;
        let settings = documents::FetchSettings {
            allow_private: args.allow_private,
            no_cache: args.no_cache,
        };
        Ok(Verification {
            documents: documents::DocumentVerifier::new(verifier, settings),
            config: config.clone(),
        })
    }

    /// Add the `FACT…` findings of each checked document (those `--select`/`--ignore` keep)
    /// to its report. `reports[i]` was read from `inputs[i]`. Runs one document at a time after
    /// the parallel lint, re-parsing each text, so no lock is held across rule threads and
    /// sources are fetched in a stable order.
    fn add_findings(
        &mut self,
        lint: &Lint,
        reports: &mut [FileReport],
        inputs: &[InputSource],
    ) -> Result<()> {
        for (report, input) in reports.iter_mut().zip(inputs) {
            let path = match input {
                InputSource::File(path) => Some(path.as_path()),
                InputSource::Stdin => None,
            };
            let article_dir = documents::article_dir(path);
            let root = documents::project_root(&self.config, &article_dir);
            let doc = parse_as(&report.path, &report.source);
            let facts = self
                .documents
                .verify_document(&lint.engine, &doc, &article_dir, &root)?;
            report
                .findings
                .extend(facts.into_iter().filter(|f| lint.keeps(f)));
            crate::rules::engine::sort_findings(&mut report.findings);
        }
        Ok(())
    }
}

/// Print the report. Plain reports are written to stdout as they are produced (JSON is never
/// held whole in memory); `--statistics` and `--fix --dry-run` output is small and rendered.
fn write_output(args: &CheckArgs, input: &ReportInput) -> Result<()> {
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    if args.statistics || (args.fix && args.dry_run) {
        return write_stdout(&mut stdout, &render_output(args, input));
    }
    let mut buffered = std::io::BufWriter::new(&mut stdout);
    super::stdout_written(
        report::write(
            args.report.format,
            input,
            render_options(args),
            &mut buffered,
        )
        .and_then(|_| buffered.flush()),
    )
}

fn render_options(args: &CheckArgs) -> RenderOptions {
    args.report.render_options(args.quiet)
}

fn render_output(args: &CheckArgs, input: &ReportInput) -> String {
    if args.statistics {
        let counts = report::statistics::count(input);
        return match args.report.format {
            OutputFormat::Json => report::statistics::render_json(&counts),
            _ => report::statistics::render_text(&counts),
        };
    }
    // With --fix --dry-run the diff was the output.
    if args.fix && args.dry_run {
        return String::new();
    }
    report::render(args.report.format, input, render_options(args))
}

pub fn run(args: CheckArgs) -> Result<i32> {
    let paths = if args.paths.is_empty() {
        vec![".".to_owned()]
    } else {
        args.paths.clone()
    };
    let stdin_count = paths.iter().filter(|p| *p == "-").count();
    if stdin_count > 1 {
        return Err(Error::Usage("`-` (stdin) may be given only once".into()));
    }
    if stdin_count == 1 && args.fix && !args.dry_run {
        return Err(Error::Usage(
            "--fix cannot write back to stdin; use --fix --dry-run to see the diff".into(),
        ));
    }

    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::discover(&config_start(&paths))?,
    };
    let filter = CodeFilter::new(&args.select, &args.ignore);
    let engine = build_engine(&config, &filter)?;
    let metas: Vec<RuleMeta> = engine.rules().iter().map(|r| r.meta().clone()).collect();
    let lint = Lint {
        engine,
        filter,
        metas,
    };
    // `--verify` with every FACT code filtered out would fetch for nothing.
    let wants_facts = verify::rules::ALL
        .iter()
        .any(|meta| lint.keeps_code(meta.code, meta.pack));
    let mut verification = if args.verify && wants_facts {
        Some(Verification::new(&args, &config)?)
    } else {
        None
    };

    let ReadInputs {
        texts,
        io_reports,
        empty_reports,
    } = read_inputs(&paths, &args, &config);
    if texts.is_empty() && empty_reports.is_empty() {
        if io_reports.is_empty() {
            warn(args.quiet, "no Markdown or HTML files found");
        } else {
            for r in &io_reports {
                for f in &r.findings {
                    eprintln!("error: {}: {}", r.path, f.message);
                }
            }
            eprintln!("error: none of the inputs could be read");
            return Ok(exit::ERROR);
        }
    }

    let inputs: Vec<InputSource> = texts.iter().map(|(i, _)| i.source.clone()).collect();
    let mut write_failed = false;
    let mut checked: Vec<FileReport> = if args.fix {
        let mut docs: Vec<Document> = texts
            .par_iter()
            .map(|(i, t)| parse_as(&i.display, t))
            .collect();
        let mut findings = lint.check(&docs);
        let outcome = apply_fixes(&args, &lint, &texts, docs, &findings)?;
        write_failed = outcome.write_failed;
        docs = outcome.docs;
        // Re-check everything together so set-level rules see the fixed texts.
        if outcome.changed {
            findings = lint.check(&docs);
        }
        docs.into_iter()
            .zip(findings)
            .map(|(d, findings)| FileReport {
                path: d.path,
                source: d.source,
                findings,
            })
            .collect()
    } else {
        lint.check_streaming(texts)
    };
    if let Some(verification) = verification.as_mut() {
        verification.add_findings(&lint, &mut checked, &inputs)?;
        if !args.quiet {
            eprintln!(
                "verified claims against {} distinct source(s)",
                verification.documents.distinct_sources()
            );
        }
    }

    lint.engine.print_rule_timings();
    let mut reports: Vec<FileReport> = checked
        .into_iter()
        .chain(io_reports)
        .chain(empty_reports)
        .collect();
    reports.sort_by(|a, b| a.path.cmp(&b.path));

    if args.report.apply_baseline(&mut reports, args.quiet)? {
        return Ok(exit::OK);
    }

    let input = ReportInput {
        files: &reports,
        rules: &lint.metas,
    };
    write_output(&args, &input)?;

    if write_failed {
        return Ok(exit::ERROR);
    }
    let fail_at = args.report.fail_level.severity();
    let failed = reports
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity >= fail_at);
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_check_matches_checking_all_documents_together() {
        let config = Config::from_toml_str("", Path::new("/p/pressgate.toml"), "/p".into())
            .expect("empty config parses");
        let filter = CodeFilter::new(&[], &["STYLE".into()]);
        let engine = build_engine(&config, &filter).expect("engine builds");
        let metas = engine.rules().iter().map(|r| r.meta().clone()).collect();
        let lint = Lint {
            engine,
            filter,
            metas,
        };
        let page = |title: &str, body: &str| {
            format!("---\ntitle: {title}\ndescription: Same words for every page here.\n---\n\n# {title}\n\n{body}\n")
        };
        let texts: Vec<(Input, String)> = [
            ("a.md", page("Best Grinders", "We utilize a grinder.")),
            ("b.md", page("best  grinders", "Plain text.")),
            (
                "c.md",
                page("Kettles", "<!-- pressgate-disable-file SEO019 -->"),
            ),
        ]
        .into_iter()
        .map(|(path, text)| {
            let input = Input {
                display: path.into(),
                source: InputSource::Stdin,
            };
            (input, text)
        })
        .collect();
        let docs: Vec<Document> = texts.iter().map(|(i, t)| parse_as(&i.display, t)).collect();
        let together = lint.check(&docs);
        let streamed = lint.check_streaming(texts);
        let streamed_findings: Vec<Vec<Finding>> =
            streamed.iter().map(|r| r.findings.clone()).collect();
        assert_eq!(streamed_findings, together);
        let codes =
            |i: usize| -> Vec<&str> { streamed[i].findings.iter().map(|f| &*f.code).collect() };
        assert!(codes(0).contains(&"SEO018") && codes(0).contains(&"SEO019"));
        assert!(codes(2).iter().all(|c| *c != "SEO018" && *c != "SEO019"));
        assert!(streamed
            .iter()
            .all(|r| !r.findings.iter().any(|f| f.code.starts_with("STYLE"))));
        assert_eq!(
            streamed[1].source, docs[1].source,
            "reports keep the source for code frames"
        );
    }

    #[test]
    fn code_filter_matches_codes_prefixes_and_packs() {
        let f = CodeFilter::new(&["seo".into(), "STYLE00".into()], &["SEO002".into()]);
        assert!(f.keeps("SEO001", Some("seo")));
        assert!(!f.keeps("SEO002", Some("seo")));
        assert!(f.keeps("STYLE001", Some("style")));
        assert!(!f.keeps("STYLE010", Some("style")));
        assert!(!f.keeps("EEAT001", Some("eeat")));
        assert!(
            f.keeps(IO_CODE, None),
            "unreadable inputs are always reported"
        );
        let by_pack = CodeFilter::new(&[], &["style".into()]);
        assert!(!by_pack.keeps("STYLE001", Some("style")));
        assert!(by_pack.keeps("SEO001", Some("seo")));
    }
}
