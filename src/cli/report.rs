//! `pressgate report merge`: one report from the reports of several `generate --shard` runs.
use crate::error::{exit, Result};
use crate::generate::report;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// Merge report.json files (or folders holding one) into OUT/report.csv and report.json.
    Merge {
        /// report.json files or output folders of the shards.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Folder for the merged report.
        #[arg(long, default_value = "out")]
        out: PathBuf,
    },
}

pub fn run(cmd: ReportCommand) -> Result<i32> {
    match cmd {
        ReportCommand::Merge { inputs, out } => {
            let files: Vec<PathBuf> = inputs
                .into_iter()
                .map(|p| if p.is_dir() { p.join("report.json") } else { p })
                .collect();
            let refs: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
            let merged = report::merge(&refs)?;
            merged.write(&out)?;
            let (published, rejected, failed) = merged.counts();
            println!(
                "merged {} report(s): {} brief(s), {published} published, {rejected} rejected, {failed} failed -> {}",
                files.len(),
                merged.rows.len(),
                out.join("report.csv").display()
            );
            Ok(exit::OK)
        }
    }
}
