//! The report flags `check` and `verify` share: output format, colour, fail level and
//! baseline, with one meaning and one help text for both.
use crate::baseline::Baseline;
use crate::error::Result;
use crate::finding::{FileReport, Severity};
use crate::report::{OutputFormat, RenderOptions};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
    Info,
}

impl FailLevel {
    pub fn severity(self) -> Severity {
        match self {
            FailLevel::Error => Severity::Error,
            FailLevel::Warning => Severity::Warning,
            FailLevel::Info => Severity::Info,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ReportFlags {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Lowest severity that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    pub fail_level: FailLevel,
    /// Ignore findings recorded in this baseline file; only new ones are reported.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
}

impl ReportFlags {
    /// `--write-baseline`: record every finding of `reports` and return `true` (the run ends
    /// there, exit 0). Otherwise `--baseline`: drop the findings it already records.
    pub fn apply_baseline(&self, reports: &mut [FileReport], quiet: bool) -> Result<bool> {
        if let Some(path) = &self.write_baseline {
            super::write_baseline(&Baseline::from_reports(reports), path, quiet)?;
            return Ok(true);
        }
        if let Some(path) = &self.baseline {
            let dropped = Baseline::load(path)?.filter(reports);
            if !quiet && dropped > 0 {
                eprintln!("{dropped} finding(s) already in the baseline were not reported");
            }
        }
        Ok(false)
    }

    /// How reports render on stdout: colour as `--color` says (`auto`: a terminal and no
    /// `NO_COLOR`).
    pub fn render_options(&self, quiet: bool) -> RenderOptions {
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        RenderOptions { color, quiet }
    }
}
