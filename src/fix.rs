//! `--fix`: apply safe fixes to a source text, show them as a unified diff, write files atomically.
use crate::finding::{Applicability, Edit, Finding};
use std::io::Write;
use std::path::Path;

/// Most fix-then-recheck rounds per file; a fix that keeps producing new fixes stops here.
pub const MAX_ROUNDS: usize = 10;

/// Result of applying fixes once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub source: String,
    /// Number of fixes (not edits) applied.
    pub fixes: usize,
}

/// Whether an edit fits `source`: in bounds, on character boundaries, start before end.
fn edit_is_valid(source: &str, edit: &Edit) -> bool {
    edit.span.start <= edit.span.end
        && edit.span.end <= source.len()
        && source.is_char_boundary(edit.span.start)
        && source.is_char_boundary(edit.span.end)
}

/// Two edits conflict when their ranges intersect, or both insert at the same offset (the order
/// of the inserted texts would be arbitrary).
fn conflicts(a: &Edit, b: &Edit) -> bool {
    (a.span.start < b.span.end && b.span.start < a.span.end) || a.span.start == b.span.start
}

/// Apply every SAFE fix of `findings` whose edits are valid and do not conflict with a fix taken
/// earlier (fixes are taken in order of their first edit). Edits are applied bottom-up so earlier
/// offsets stay valid.
pub fn apply_safe_fixes(source: &str, findings: &[Finding]) -> Applied {
    let mut candidates: Vec<&[Edit]> = findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|fix| fix.applicability == Applicability::Safe && !fix.edits.is_empty())
        .map(|fix| fix.edits.as_slice())
        .collect();
    candidates.sort_by_key(|edits| edits.iter().map(|e| e.span.start).min().unwrap_or(0));

    let mut accepted: Vec<&Edit> = Vec::new();
    let mut fixes = 0;
    for edits in candidates {
        let self_consistent = edits.iter().enumerate().all(|(i, a)| {
            edit_is_valid(source, a) && edits[i + 1..].iter().all(|b| !conflicts(a, b))
        });
        let free = edits
            .iter()
            .all(|a| accepted.iter().all(|b| !conflicts(a, b)));
        if self_consistent && free {
            accepted.extend(edits.iter());
            fixes += 1;
        }
    }
    accepted.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = source.to_owned();
    for edit in accepted {
        out.replace_range(edit.span.start..edit.span.end, &edit.replacement);
    }
    Applied { source: out, fixes }
}

/// Apply safe fixes, re-check, and repeat until nothing changes or [`MAX_ROUNDS`] is reached.
/// `recheck` lints a source text and returns its findings.
pub fn fix_until_stable(
    source: &str,
    findings: &[Finding],
    mut recheck: impl FnMut(&str) -> Vec<Finding>,
) -> Applied {
    let mut current = Applied {
        source: source.to_owned(),
        fixes: 0,
    };
    let mut findings = findings.to_vec();
    for _ in 0..MAX_ROUNDS {
        let round = apply_safe_fixes(&current.source, &findings);
        if round.fixes == 0 || round.source == current.source {
            break;
        }
        current.fixes += round.fixes;
        current.source = round.source;
        findings = recheck(&current.source);
    }
    current
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`) of `old` to `new`; empty when they are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Replace `path` with `contents` atomically: write a temp file in the same directory, keep the
/// original's permissions, then rename over it. A crash leaves the old file or the new one,
/// never a partial one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".pressgate-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        temp.as_file().set_permissions(meta.permissions())?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Fix, Severity};
    use crate::span::Span;

    fn fix_finding(
        start: usize,
        end: usize,
        replacement: &str,
        applicability: Applicability,
    ) -> Finding {
        Finding::new("STYLE002", Severity::Warning, "m", Span::new(start, end)).with_fix(Fix {
            message: format!("Replace with `{replacement}`"),
            applicability,
            edits: vec![Edit {
                span: Span::new(start, end),
                replacement: replacement.into(),
            }],
        })
    }

    #[test]
    fn applies_safe_non_overlapping_fixes_bottom_up() {
        let src = "We utilize it in order to win.";
        let findings = [
            fix_finding(3, 10, "use", Applicability::Safe),
            fix_finding(14, 25, "to", Applicability::Safe),
            // Overlaps the first one: skipped.
            fix_finding(5, 12, "X", Applicability::Safe),
            // Unsafe: never applied.
            fix_finding(26, 29, "lose", Applicability::Unsafe),
        ];
        let applied = apply_safe_fixes(src, &findings);
        assert_eq!(applied.source, "We use it to win.");
        assert_eq!(applied.fixes, 2);
    }

    #[test]
    fn rejects_out_of_bounds_and_mid_character_edits() {
        let src = "café";
        let findings = [
            fix_finding(4, 5, "e", Applicability::Safe),
            fix_finding(2, 99, "x", Applicability::Safe),
        ];
        let applied = apply_safe_fixes(src, &findings);
        assert_eq!(applied.source, src);
        assert_eq!(applied.fixes, 0);
    }

    #[test]
    fn repeats_until_stable() {
        // Each round the recheck offers one more fix until the text has no "aa".
        let recheck = |s: &str| match s.find("aa") {
            Some(i) => vec![fix_finding(i, i + 2, "a", Applicability::Safe)],
            None => Vec::new(),
        };
        let src = "aaaa";
        let first = recheck(src);
        let applied = fix_until_stable(src, &first, recheck);
        assert_eq!(applied.source, "a");
        assert_eq!(applied.fixes, 3);
    }

    #[test]
    fn diff_and_atomic_write() {
        let diff = unified_diff("a.md", "one\ntwo\n", "one\n2\n");
        assert!(diff.contains("--- a/a.md\n+++ b/a.md\n"), "{diff}");
        assert!(diff.contains("-two\n+2\n"), "{diff}");
        assert_eq!(unified_diff("a.md", "x", "x"), "");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        // No temp file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
