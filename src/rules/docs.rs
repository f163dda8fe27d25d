//! The rule reference (`docs/rules/<CODE>.md` and an index), generated from the registry so the
//! docs and `pressgate rules explain` come from one source.
use super::{Rule, RuleMeta};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

pub const INDEX: &str = "README.md";

/// One rule's page.
pub fn render_rule(meta: &RuleMeta) -> String {
    let mut page = format!("# {} `{}`\n\n", meta.code, meta.name);
    page.push_str(&format!("{}\n\n", meta.summary));
    page.push_str(&format!(
        "- Pack: `{}`\n- Default severity: `{}`\n- Fix: {}\n",
        meta.pack,
        meta.default_severity,
        if meta.fixable {
            "safe fix available"
        } else {
            "none"
        }
    ));
    if !meta.options.is_empty() {
        page.push_str("- Options:");
        for o in meta.options {
            page.push_str(&format!(" `{}` = `{}`;", o.name, o.default));
        }
        page.pop();
        page.push('\n');
    }
    page.push('\n');
    page.push_str(meta.doc.trim());
    page.push('\n');
    page
}

/// The index: one table row per rule.
pub fn render_index(rules: &[&RuleMeta]) -> String {
    let mut page = String::from(
        "# Rule reference\n\nGenerated from the rule registry by `pressgate rules docs --out docs/rules`; do not edit by hand.\n\n| Code | Name | Pack | Severity | Fix | Summary |\n|---|---|---|---|---|---|\n",
    );
    for m in rules {
        page.push_str(&format!(
            "| [{code}]({code}.md) | `{}` | {} | {} | {} | {} |\n",
            m.name,
            m.pack,
            m.default_severity,
            if m.fixable { "yes" } else { "" },
            m.summary.replace('|', "\\|"),
            code = m.code,
        ));
    }
    page.push_str(CONFIGURING);
    page
}

const CONFIGURING: &str = "
## Configuring rules

In `pressgate.toml` (found by walking up from the checked path):

```toml
ignore = [\"drafts/**\"]          # never checked
packs = [\"styles\"]              # extra declarative TOML packs

[rules]
select = [\"seo\", \"STYLE\"]     # packs, codes or code prefixes (default: all)
enable = [\"CITE001\"]            # added on top
ignore = [\"STYLE013\"]           # removed (alias: disable)

[rules.STYLE006]
severity = \"error\"              # error | warning | info | off
max = 30                        # rule options, see each page

[[overrides]]
files = [\"glossary/**\"]
ignore = [\"STYLE012\"]
[overrides.settings]            # on top of [settings]
audience = \"expert\"
```

Inline, in Markdown or HTML: `<!-- pressgate-disable-next-line CODE -->`,
`<!-- pressgate-disable-line CODE -->`, `<!-- pressgate-disable CODE -->` …
`<!-- pressgate-enable CODE -->`, and `<!-- pressgate-disable-file CODE -->` (or front matter
`pressgate-disable: [CODE]`). Without a code they cover every rule; a code may be a prefix.
";

/// Every file of the reference: (file name, contents).
pub fn render_all(rules: &[Box<dyn Rule>]) -> Vec<(String, String)> {
    let metas: Vec<&RuleMeta> = rules.iter().map(|r| r.meta()).collect();
    let mut files = vec![(INDEX.to_owned(), render_index(&metas))];
    files.extend(
        metas
            .iter()
            .map(|m| (format!("{}.md", m.code), render_rule(m))),
    );
    files
}

/// Write the reference into `dir`, removing pages of rules that no longer exist.
pub fn write_all(rules: &[Box<dyn Rule>], dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let files = render_all(rules);
    let keep: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !keep.contains(&name.as_str()) {
                std::fs::remove_file(e.path()).map_err(|err| Error::io(e.path(), err))?;
            }
        }
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// Files in `dir` that differ from the generated reference (missing, stale or extra).
pub fn stale_files(rules: &[Box<dyn Rule>], dir: &Path) -> Vec<String> {
    let files = render_all(rules);
    let mut stale: Vec<String> = files
        .iter()
        .filter(|(name, text)| {
            std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text)
        })
        .map(|(name, _)| name.clone())
        .collect();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") && !files.iter().any(|(n, _)| *n == name) {
                stale.push(name);
            }
        }
    }
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_rule_docs_are_up_to_date() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
        let rules = crate::rules::registry();
        // Like insta's INSTA_UPDATE: regenerate instead of failing when asked to.
        if std::env::var_os("PRESSGATE_UPDATE_DOCS").is_some() {
            write_all(&rules, &dir).unwrap();
        }
        let stale = stale_files(&rules, &dir);
        assert!(
            stale.is_empty(),
            "docs/rules is stale ({}); regenerate with `cargo run -- rules docs --out docs/rules` \
             or `PRESSGATE_UPDATE_DOCS=1 cargo test --lib rules::docs`",
            stale.join(", ")
        );
    }

    #[test]
    fn rule_page_has_the_fixed_sections() {
        for rule in crate::rules::registry() {
            let page = render_rule(rule.meta());
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## Options",
            ] {
                assert!(
                    page.contains(section),
                    "{} lacks {section}",
                    rule.meta().code
                );
            }
        }
    }

    #[test]
    fn write_then_check_is_clean_and_removes_old_pages() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("OLD001.md"), "gone").unwrap();
        let rules = crate::rules::registry();
        write_all(&rules, tmp.path()).unwrap();
        assert!(stale_files(&rules, tmp.path()).is_empty());
        assert!(!tmp.path().join("OLD001.md").exists());
        std::fs::write(tmp.path().join("STYLE001.md"), "edited").unwrap();
        assert_eq!(stale_files(&rules, tmp.path()), vec!["STYLE001.md"]);
    }
}
