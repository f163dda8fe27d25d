//! Findings: the one output type of every rule and check.
use crate::span::Span;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Severity of a finding, ordered `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "suggestion" | "hint" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning or info)"
            )),
        }
    }
}

/// Whether a fix may be applied without a human looking at it (ruff's applicability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the meaning; applied by `--fix`.
    Safe,
    /// May change meaning; shown as a suggestion only.
    Unsafe,
}

/// Replace the bytes of `span` in the original source with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// Short imperative description, e.g. "Replace `utilize` with `use`".
    pub message: String,
    pub applicability: Applicability,
    /// Non-overlapping edits, applied together or not at all.
    pub edits: Vec<Edit>,
}

/// Where the evidence for (or against) a claim came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub quote: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
}

/// One judgement about one place in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule code, e.g. `SEO001`. Borrowed from the rule's metadata: an audit creates
    /// hundreds of thousands of findings, and a copy of the code each cost an allocation.
    pub code: Cow<'static, str>,
    pub severity: Severity,
    /// Borrowed where a rule words every finding alike, owned where it is formatted.
    pub message: Cow<'static, str>,
    /// Byte span in the original source; `Span::file_start()` for document-level findings.
    pub span: Span,
    /// A hint on how to resolve it, shown under the code frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

impl Finding {
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<Cow<'static, str>>,
        span: Span,
    ) -> Self {
        Finding {
            code: code.into(),
            severity,
            message: message.into(),
            span,
            help: None,
            fix: None,
            evidence: None,
        }
    }
    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = Some(evidence);
        self
    }
}

/// All findings for one checked file, with the source they point into.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Path as given or discovered (relative where possible), `/`-separated; the stdin filename for `-`.
    pub path: String,
    pub source: String,
    /// Sorted by span start, then code.
    pub findings: Vec<Finding>,
}
