//! `pressgate rules list|explain|docs`.
use crate::config::Config;
use crate::error::{exit, Error, Result};
use crate::rules::{docs, engine, Engine, RuleMeta};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// List every rule with its code, pack, default severity and summary.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the documentation of one rule.
    Explain { code: String },
    /// Write the rule reference (`<CODE>.md` per rule and an index) into a folder.
    #[command(hide = true)]
    Docs {
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

pub fn run(cmd: RulesCommand) -> Result<i32> {
    // Project packs (`packs = [...]`) count as rules too, so load the configuration in force here.
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let engine = Engine::from_config(&Config::discover(&cwd)?)?;
    let metas: Vec<&RuleMeta> = engine.rules().iter().map(|r| r.meta()).collect();
    match cmd {
        RulesCommand::List { format } => {
            match format {
                ListFormat::Text => print!("{}", list_table(&metas)),
                ListFormat::Json => println!("{}", list_json(&metas)),
            }
            Ok(exit::OK)
        }
        RulesCommand::Explain { code } => {
            let meta = metas
                .iter()
                .find(|m| m.code.eq_ignore_ascii_case(&code) || m.name == code)
                .ok_or_else(|| unknown_code(&code, &metas))?;
            print!("{}", explain(meta));
            Ok(exit::OK)
        }
        RulesCommand::Docs { out } => {
            let written = docs::write_all(engine.rules(), &out)?;
            eprintln!("wrote {} files to {}", written.len(), out.display());
            Ok(exit::OK)
        }
    }
}

fn unknown_code(code: &str, metas: &[&RuleMeta]) -> Error {
    let near = engine::suggestions(code, metas.iter().flat_map(|m| [m.code, m.name]));
    let hint = if near.is_empty() {
        "run `pressgate rules list` to see every code".to_owned()
    } else {
        format!("did you mean {}?", near.join(", "))
    };
    Error::Usage(format!("unknown rule `{code}`: {hint}"))
}

/// The `rules list` table: code, name, pack, severity, fixable, summary.
pub fn list_table(metas: &[&RuleMeta]) -> String {
    let rows: Vec<[String; 6]> = metas
        .iter()
        .map(|m| {
            [
                m.code.to_owned(),
                m.name.to_owned(),
                m.pack.to_owned(),
                m.default_severity.to_string(),
                if m.fixable { "yes" } else { "" }.to_owned(),
                m.summary.to_owned(),
            ]
        })
        .collect();
    let header = ["CODE", "NAME", "PACK", "SEVERITY", "FIX", "SUMMARY"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 6]| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == 5 {
                l.push_str(cell);
            } else {
                l.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3], &row[4], &row[5]]);
    }
    out
}

pub fn list_json(metas: &[&RuleMeta]) -> String {
    let items: Vec<serde_json::Value> = metas
        .iter()
        .map(|m| {
            serde_json::json!({
                "code": m.code,
                "name": m.name,
                "pack": m.pack,
                "severity": m.default_severity,
                "fixable": m.fixable,
                "summary": m.summary,
                "options": m.options.iter().map(|o| serde_json::json!({
                    "name": o.name, "default": o.default, "doc": o.doc,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

/// `rules explain`: the rule's page (summary, severity, options with defaults, then the doc).
pub fn explain(meta: &RuleMeta) -> String {
    docs::render_rule(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metas() -> Vec<&'static RuleMeta> {
        // The registry's metas are 'static for code rules and leaked for declarative ones.
        crate::rules::registry()
            .into_iter()
            .map(|r| &*Box::leak(r))
            .map(|r| r.meta())
            .collect()
    }

    #[test]
    fn table_has_header_and_one_row_per_rule() {
        let m = metas();
        let table = list_table(&m);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("CODE") && lines[0].contains("FIX"));
        assert_eq!(lines.len(), m.len() + 1);
        assert!(table.contains("STYLE003") && table.contains("wordy-phrases"));
    }

    #[test]
    fn json_lists_codes_and_fixable() {
        let m = metas();
        let v: serde_json::Value = serde_json::from_str(&list_json(&m)).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), m.len());
        let s3 = arr.iter().find(|r| r["code"] == "STYLE003").unwrap();
        assert_eq!(s3["fixable"], true);
        assert_eq!(s3["severity"], "warning");
    }

    #[test]
    fn unknown_code_names_it_and_close_matches() {
        let m = metas();
        let msg = unknown_code("STYLE0001", &m).to_string();
        assert!(
            msg.contains("STYLE0001") && msg.contains("did you mean"),
            "{msg}"
        );
    }
}
