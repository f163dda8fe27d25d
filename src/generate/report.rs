//! `report.csv` and `report.json`: one row per brief, and merging the reports of shards.
use super::output::write_atomic;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BriefStatus {
    /// Passed the gate: in `publish/`.
    Published,
    /// Failed the gate after every attempt: in `rejected/` with its findings.
    Rejected,
    /// Could not be generated (no source fetched, backend error).
    Failed,
}

impl BriefStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BriefStatus::Published => "published",
            BriefStatus::Rejected => "rejected",
            BriefStatus::Failed => "failed",
        }
    }
}

/// One brief's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRow {
    pub slug: String,
    pub status: BriefStatus,
    /// Generation attempts (1 = published or rejected without repair).
    pub attempts: u32,
    pub words: usize,
    /// Findings of the final draft, counted by rule code.
    pub findings: BTreeMap<String, usize>,
    /// Share of claims the fact check found supported, when one ran.
    pub supported_share: Option<f64>,
    pub prompt_tokens: usize,
    pub generated_tokens: usize,
    /// Wall time for the brief, and the part of it spent in the model.
    pub seconds: f64,
    pub model_seconds: f64,
    /// The article written (relative to the output folder).
    pub output: Option<String>,
    pub error: Option<String>,
    /// Taken from the manifest of an earlier run instead of generated again.
    #[serde(default)]
    pub resumed: bool,
}

/// `report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub pressgate: String,
    pub rows: Vec<ReportRow>,
}

impl Report {
    pub fn new(mut rows: Vec<ReportRow>) -> Report {
        rows.sort_by(|a, b| a.slug.cmp(&b.slug));
        Report {
            pressgate: env!("CARGO_PKG_VERSION").to_string(),
            rows,
        }
    }

    pub fn read(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::input(path, format!("not a pressgate report.json: {e}")))
    }

    /// Write `report.json` and `report.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| Error::Other(e.into()))?;
        write_atomic(&dir.join("report.json"), &json)?;
        write_atomic(&dir.join("report.csv"), self.to_csv()?.as_bytes())
    }

    pub fn to_csv(&self) -> Result<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::Other(e.into());
        writer
            .write_record([
                "slug",
                "status",
                "attempts",
                "words",
                "findings",
                "supported_share",
                "prompt_tokens",
                "generated_tokens",
                "seconds",
                "model_seconds",
                "output",
                "error",
                "resumed",
            ])
            .map_err(csv_err)?;
        for row in &self.rows {
            let findings: Vec<String> = row
                .findings
                .iter()
                .map(|(code, n)| format!("{code}:{n}"))
                .collect();
            writer
                .write_record([
                    row.slug.clone(),
                    row.status.as_str().to_string(),
                    row.attempts.to_string(),
                    row.words.to_string(),
                    findings.join(";"),
                    row.supported_share
                        .map(|s| format!("{s:.3}"))
                        .unwrap_or_default(),
                    row.prompt_tokens.to_string(),
                    row.generated_tokens.to_string(),
                    format!("{:.2}", row.seconds),
                    format!("{:.2}", row.model_seconds),
                    row.output.clone().unwrap_or_default(),
                    row.error.clone().unwrap_or_default(),
                    row.resumed.to_string(),
                ])
                .map_err(csv_err)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::Other(anyhow::anyhow!("{e}")))?;
        String::from_utf8(bytes).map_err(|e| Error::Other(e.into()))
    }

    /// Counts by status: (published, rejected, failed).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s: BriefStatus| self.rows.iter().filter(|r| r.status == s).count();
        (
            count(BriefStatus::Published),
            count(BriefStatus::Rejected),
            count(BriefStatus::Failed),
        )
    }

    /// Rule codes by total findings, most first (ties by code).
    pub fn top_codes(&self, n: usize) -> Vec<(String, usize)> {
        let mut totals: BTreeMap<String, usize> = BTreeMap::new();
        for row in &self.rows {
            for (code, count) in &row.findings {
                *totals.entry(code.clone()).or_default() += count;
            }
        }
        let mut list: Vec<(String, usize)> = totals.into_iter().collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(n);
        list
    }
}

/// Merge the `report.json` files of several shards into one report. A slug in two inputs is an
/// error: shards of one batch never overlap, so it means two different batches were mixed.
pub fn merge(inputs: &[&Path]) -> Result<Report> {
    let mut rows: Vec<ReportRow> = Vec::new();
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    for path in inputs {
        let report = Report::read(path)?;
        for row in report.rows {
            if let Some(first) = origin.get(&row.slug) {
                return Err(Error::input(
                    path,
                    format!(
                        "brief `{}` is also in {first}; shards must not overlap",
                        row.slug
                    ),
                ));
            }
            origin.insert(row.slug.clone(), path.display().to_string());
            rows.push(row);
        }
    }
    Ok(Report::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(slug: &str, status: BriefStatus, code: &str) -> ReportRow {
        ReportRow {
            slug: slug.into(),
            status,
            attempts: 1,
            words: 10,
            findings: [(code.to_string(), 2)].into_iter().collect(),
            supported_share: None,
            prompt_tokens: 1,
            generated_tokens: 2,
            seconds: 1.0,
            model_seconds: 0.5,
            output: None,
            error: Some("a, \"quoted\" error".into()),
            resumed: false,
        }
    }

    #[test]
    fn csv_quotes_and_merge_rejects_overlap() {
        let dir = tempfile::tempdir().expect("dir");
        let a = Report::new(vec![row("b", BriefStatus::Published, "SEO002")]);
        let b = Report::new(vec![row("a", BriefStatus::Rejected, "EEAT008")]);
        a.write(&dir.path().join("1")).expect("write");
        b.write(&dir.path().join("2")).expect("write");
        let csv = a.to_csv().expect("csv");
        assert!(csv.contains("\"a, \"\"quoted\"\" error\""), "{csv}");
        let p1 = dir.path().join("1/report.json");
        let p2 = dir.path().join("2/report.json");
        let merged = merge(&[&p1, &p2]).expect("merge");
        assert_eq!(
            merged
                .rows
                .iter()
                .map(|r| r.slug.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(merged.counts(), (1, 1, 0));
        assert!(merge(&[&p1, &p1]).is_err());
    }
}
