//! `--baseline FILE` / `--write-baseline FILE`: record the findings a project already has so
//! only new ones fail a pull request.
//!
//! A finding is matched by file + code + fingerprint, where the fingerprint hashes the code, the
//! message and the whitespace-normalised source text at its span. Line numbers are not part of
//! it, so findings on lines that moved stay matched. Each fingerprint carries a count, so two
//! identical findings in one file need two baseline entries' worth of count.
use crate::error::{Error, Result};
use crate::finding::{FileReport, Finding};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Version of the baseline file layout; bumped when fingerprints change meaning.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    /// Sorted by file, code, fingerprint so the file diffs well in review.
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub file: String,
    pub code: String,
    pub fingerprint: String,
    /// How many findings with this key were present.
    pub count: usize,
    /// The message when recorded, for humans reading the file; not used for matching.
    #[serde(default)]
    pub message: String,
}

/// Whitespace runs collapsed to one space, trimmed: reflowing a paragraph keeps the fingerprint.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Stable fingerprint of a finding: hash of code, message and the normalised text at its span.
pub fn fingerprint(finding: &Finding, source: &str) -> String {
    let text = source
        .get(finding.span.start..finding.span.end)
        .unwrap_or("");
    let mut hasher = Sha256::new();
    hasher.update(finding.code.as_bytes());
    hasher.update([0]);
    hasher.update(normalise(&finding.message).as_bytes());
    hasher.update([0]);
    hasher.update(normalise(text).as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

type Key = (String, String, String);

fn key(file: &str, finding: &Finding, source: &str) -> Key {
    (
        file.to_owned(),
        finding.code.to_string(),
        fingerprint(finding, source),
    )
}

impl Baseline {
    /// Every finding of `reports`, grouped by key with counts.
    pub fn from_reports(reports: &[FileReport]) -> Baseline {
        let mut grouped: BTreeMap<Key, (usize, String)> = BTreeMap::new();
        for report in reports {
            for finding in &report.findings {
                let entry = grouped
                    .entry(key(&report.path, finding, &report.source))
                    .or_insert_with(|| (0, finding.message.to_string()));
                entry.0 += 1;
            }
        }
        Baseline {
            version: VERSION,
            findings: grouped
                .into_iter()
                .map(
                    |((file, code, fingerprint), (count, message))| BaselineEntry {
                        file,
                        code,
                        fingerprint,
                        count,
                        message,
                    },
                )
                .collect(),
        }
    }

    pub fn load(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| Error::input(path, format!("not a pressgate baseline file: {e}")))?;
        if baseline.version != VERSION {
            return Err(Error::input(
                path,
                format!(
                    "baseline version {} is not supported (expected {VERSION}); regenerate it with --write-baseline",
                    baseline.version
                ),
            ));
        }
        Ok(baseline)
    }

    /// Pretty JSON with a trailing newline, written atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::input(path, format!("cannot serialise baseline: {e}")))?;
        text.push('\n');
        crate::fix::write_atomic(path, text.as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// Drop findings the baseline records (up to each entry's count). Returns how many were dropped.
    pub fn filter(&self, reports: &mut [FileReport]) -> usize {
        let mut remaining: HashMap<Key, usize> = HashMap::new();
        for entry in &self.findings {
            *remaining
                .entry((
                    entry.file.clone(),
                    entry.code.clone(),
                    entry.fingerprint.clone(),
                ))
                .or_default() += entry.count;
        }
        let mut dropped = 0;
        for report in reports.iter_mut() {
            let source = &report.source;
            let path = &report.path;
            report.findings.retain(|finding| {
                match remaining.get_mut(&key(path, finding, source)) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        dropped += 1;
                        false
                    }
                    _ => true,
                }
            });
        }
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::span::Span;

    fn report(source: &str, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: "docs/a.md".into(),
            source: source.into(),
            findings,
        }
    }

    fn at(source: &str, needle: &str) -> Finding {
        let start = source.find(needle).unwrap();
        Finding::new(
            "STYLE001",
            Severity::Warning,
            "Avoid filler",
            Span::new(start, start + needle.len()),
        )
    }

    #[test]
    fn moved_lines_stay_matched_and_new_findings_remain() {
        let old = "Intro.\n\nWe delve into it.\n";
        let baseline = Baseline::from_reports(&[report(old, vec![at(old, "delve")])]);
        assert_eq!(baseline.findings.len(), 1);

        // Two lines inserted above, and a new finding of the same code elsewhere.
        let new = "Intro.\n\nMore.\n\nWe delve into it.\n\nLet us unpack this.\n";
        let mut reports = [report(new, vec![at(new, "delve"), at(new, "unpack")])];
        assert_eq!(baseline.filter(&mut reports), 1);
        assert_eq!(reports[0].findings.len(), 1);
        assert_eq!(reports[0].findings[0].span, at(new, "unpack").span);
    }

    #[test]
    fn duplicates_are_counted() {
        let src = "delve delve delve";
        let first = Finding::new("S", Severity::Error, "m", Span::new(0, 5));
        let second = Finding::new("S", Severity::Error, "m", Span::new(6, 11));
        let third = Finding::new("S", Severity::Error, "m", Span::new(12, 17));
        let baseline = Baseline::from_reports(&[report(src, vec![first.clone(), second.clone()])]);
        assert_eq!(baseline.findings[0].count, 2);
        let mut reports = [report(src, vec![first, second, third])];
        assert_eq!(baseline.filter(&mut reports), 2);
        assert_eq!(reports[0].findings.len(), 1);
    }

    #[test]
    fn other_files_and_codes_do_not_match() {
        let src = "delve";
        let baseline = Baseline::from_reports(&[report(src, vec![at(src, "delve")])]);
        let mut other_file = [FileReport {
            path: "docs/b.md".into(),
            ..report(src, vec![at(src, "delve")])
        }];
        assert_eq!(baseline.filter(&mut other_file), 0);
        let mut other_code = at(src, "delve");
        other_code.code = "STYLE002".into();
        let mut reports = [report(src, vec![other_code])];
        assert_eq!(baseline.filter(&mut reports), 0);
    }

    #[test]
    fn round_trips_through_a_file_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let src = "delve";
        let baseline = Baseline::from_reports(&[report(src, vec![at(src, "delve")])]);
        baseline.save(&path).unwrap();
        assert_eq!(Baseline::load(&path).unwrap(), baseline);
        std::fs::write(&path, "{not json").unwrap();
        let err = Baseline::load(&path).unwrap_err().to_string();
        assert!(err.contains("baseline.json"), "{err}");
    }
}
