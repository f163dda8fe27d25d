//! Command-line interface: clap definitions, one file per subcommand, errors mapped to exit codes.
//! No logic lives here beyond parsing flags and printing.
pub mod audit;
pub mod check;
pub mod generate;
pub mod model;
pub mod report;
pub mod report_flags;
pub mod rules;
pub mod sources;
pub mod verify;

use crate::error::exit;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "pressgate",
    version,
    about = "Generate, check and audit articles: local models gated by fact-check, citation and E-E-A-T/SEO rules"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate articles from a CSV of briefs, gated by the checks before publishing.
    Generate(Box<generate::GenerateArgs>),
    /// Work with generate reports (merge the reports of shards).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Lint Markdown and HTML files with the rule catalogue (CI linter).
    Check(check::CheckArgs),
    /// List rules or explain one.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Import, list, inspect and run local models.
    #[command(subcommand)]
    Model(model::ModelCommand),
    /// Fetch sources and extract their text (safety checks, robots.txt, cache).
    #[command(subcommand)]
    Sources(sources::SourcesCommand),
    /// Fact-check an article: every claim against the sources it cites (FACT findings).
    Verify(verify::VerifyArgs),
    /// Crawl a site (URLs, a sitemap or a folder of HTML) and audit every page and the site.
    Audit(audit::AuditArgs),
}

/// Parse the process arguments, run the command, and return the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Generate(args) => generate::run(*args),
        Command::Report(cmd) => report::run(cmd),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Model(cmd) => model::run(cmd),
        Command::Sources(cmd) => sources::run(cmd),
        Command::Verify(args) => verify::run(args),
        Command::Audit(args) => audit::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::ERROR
        }
    }
}

/// The result of writing a report to stdout: a closed pipe (`pressgate … | head`) is not an
/// error.
fn stdout_written(written: std::io::Result<()>) -> crate::Result<()> {
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::Error::io("<stdout>", e))
        }
        _ => Ok(()),
    }
}

/// `--write-baseline`: save `baseline` and say how many findings it records.
fn write_baseline(
    baseline: &crate::baseline::Baseline,
    path: &std::path::Path,
    quiet: bool,
) -> crate::Result<()> {
    baseline.save(path)?;
    if !quiet {
        let total: usize = baseline.findings.iter().map(|e| e.count).sum();
        eprintln!("wrote {total} finding(s) to baseline {}", path.display());
    }
    Ok(())
}
