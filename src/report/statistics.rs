//! `--statistics`: how many findings each code has, instead of the findings themselves.
use super::ReportInput;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeCount {
    pub code: String,
    pub name: String,
    pub count: usize,
    /// How many of them carry a safe fix.
    pub fixable: usize,
}

/// Counts per code, most frequent first, ties by code.
pub fn count(input: &ReportInput) -> Vec<CodeCount> {
    let mut by_code: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in input.files.iter().flat_map(|r| &r.findings) {
        let entry = by_code.entry(&f.code).or_default();
        entry.0 += 1;
        let safe = f
            .fix
            .as_ref()
            .is_some_and(|x| x.applicability == crate::finding::Applicability::Safe);
        entry.1 += usize::from(safe);
    }
    let mut out: Vec<CodeCount> = by_code
        .into_iter()
        .map(|(code, (count, fixable))| CodeCount {
            code: code.to_owned(),
            name: input.rule(code).map(|r| r.name).unwrap_or("").to_owned(),
            count,
            fixable,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    out
}

/// Aligned table: count, code, `[*]` when some are fixable, rule name.
pub fn render_text(counts: &[CodeCount]) -> String {
    let width = counts
        .iter()
        .map(|c| c.count.to_string().len())
        .max()
        .unwrap_or(1);
    let code_width = counts.iter().map(|c| c.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in counts {
        let mark = if c.fixable > 0 { "[*]" } else { "[ ]" };
        let _ = writeln!(
            out,
            "{:>width$}  {:<code_width$}  {mark} {}",
            c.count, c.code, c.name
        );
    }
    out
}

pub fn render_json(counts: &[CodeCount]) -> String {
    let mut text = serde_json::to_string_pretty(counts).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample;

    #[test]
    fn counts_per_code_sorted_by_frequency() {
        let mut files = sample();
        let extra = files[0].findings[0].clone();
        files[0].findings.push(extra);
        let counts = count(&ReportInput {
            files: &files,
            rules: &[],
        });
        assert_eq!(counts[0].code, "SEO001");
        assert_eq!(counts[0].count, 2);
        assert_eq!((counts[1].count, counts[1].fixable), (1, 1));
        let text = render_text(&counts);
        assert_eq!(text.lines().next(), Some("2  SEO001    [ ] "));
        assert!(text.contains("1  STYLE002  [*]"));
    }
}
