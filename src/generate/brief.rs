//! Briefs: one article request each, read from CSV (documented header) or JSON Lines, and
//! validated as a whole before any work starts, so a typo in row 40 never wastes 39 articles.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// Every column the CSV header may name.
pub const COLUMNS: [&str; 14] = [
    "slug",
    "title",
    "topic",
    "primary_keyword",
    "secondary_keywords",
    "audience",
    "sources",
    "author_name",
    "author_url",
    "min_words",
    "max_words",
    "format",
    "ymyl",
    "notes",
];

/// Defaults for the optional length columns.
pub const DEFAULT_MIN_WORDS: usize = 300;
pub const DEFAULT_MAX_WORDS: usize = 1200;
/// Longest slug accepted (it becomes a file name).
const MAX_SLUG_LEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleFormat {
    Md,
    Html,
}

impl ArticleFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ArticleFormat::Md => "md",
            ArticleFormat::Html => "html",
        }
    }
}

/// One validated brief.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    pub slug: String,
    /// The article title; when the brief gives only a topic, the topic.
    pub title: String,
    pub topic: Option<String>,
    pub primary_keyword: String,
    pub secondary_keywords: Vec<String>,
    pub audience: Option<String>,
    /// URLs or project paths, in the brief's order.
    pub sources: Vec<String>,
    pub author_name: String,
    pub author_url: String,
    pub min_words: usize,
    pub max_words: usize,
    pub format: ArticleFormat,
    pub ymyl: bool,
    pub notes: Option<String>,
}

impl Brief {
    /// Hash of everything that shapes the article (not the row it came from), for the manifest.
    pub fn content_hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..16])
    }
}

/// One problem in the briefs file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefProblem {
    /// 1-based line of the file (CSV: the record's first line; the header is line 1).
    pub line: usize,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for BriefProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            _ if self.line == 0 => write!(f, "{}", self.message),
            Some(column) => write!(f, "line {}, column `{column}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Raw fields of one row before validation.
struct RawRow {
    line: usize,
    fields: HashMap<String, String>,
}

/// Read and validate every brief in `path` (`.jsonl`/`.ndjson` as JSON Lines, else CSV).
/// Local source paths are checked relative to `project_root`. Returns every problem found.
pub fn load(path: &Path, project_root: &Path) -> Result<Vec<Brief>, Vec<BriefProblem>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![BriefProblem {
            line: 0,
            column: None,
            message: format!("cannot read {}: {e}", path.display()),
        }]
    })?;
    let is_jsonl = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson"));
    parse(&text, is_jsonl, project_root)
}

/// Validate briefs given as text (CSV, or JSON Lines when `jsonl`).
pub fn parse(
    text: &str,
    jsonl: bool,
    project_root: &Path,
) -> Result<Vec<Brief>, Vec<BriefProblem>> {
    let mut problems = Vec::new();
    let rows = if jsonl {
        read_jsonl(text, &mut problems)
    } else {
        read_csv(text, &mut problems)
    };
    if rows.is_empty() && problems.is_empty() {
        problems.push(BriefProblem {
            line: 1,
            column: None,
            message: "no briefs in the file".into(),
        });
    }
    let mut briefs = Vec::new();
    let mut first_line_of_slug: HashMap<String, usize> = HashMap::new();
    for row in rows {
        if let Some(brief) = validate_row(&row, project_root, &mut problems) {
            if let Some(first) = first_line_of_slug.get(&brief.slug) {
                problems.push(BriefProblem {
                    line: row.line,
                    column: Some("slug".into()),
                    message: format!("duplicate slug `{}` (first on line {first})", brief.slug),
                });
                continue;
            }
            first_line_of_slug.insert(brief.slug.clone(), row.line);
            briefs.push(brief);
        }
    }
    if problems.is_empty() {
        Ok(briefs)
    } else {
        Err(problems)
    }
}

fn unknown_column(line: usize, name: &str) -> BriefProblem {
    let hint = crate::rules::engine::suggestions(name, COLUMNS.iter().copied());
    let hint = match hint.first() {
        Some(best) => format!(" (did you mean `{best}`?)"),
        None => format!(" (known: {})", COLUMNS.join(", ")),
    };
    BriefProblem {
        line,
        column: Some(name.to_string()),
        message: format!("unknown column `{name}`{hint}"),
    }
}

fn read_csv(text: &str, problems: &mut Vec<BriefProblem>) -> Vec<RawRow> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
        Err(e) => {
            problems.push(BriefProblem {
                line: 1,
                column: None,
                message: format!("cannot read the CSV header: {e}"),
            });
            return Vec::new();
        }
    };
    for name in &headers {
        if !COLUMNS.contains(&name.as_str()) {
            problems.push(unknown_column(1, name));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line() as usize);
                if record.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if record.len() > headers.len() {
                    problems.push(BriefProblem {
                        line,
                        column: None,
                        message: format!(
                            "{} fields but the header names {} columns",
                            record.len(),
                            headers.len()
                        ),
                    });
                }
                let fields = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.clone(), v.to_string()))
                    .collect();
                rows.push(RawRow { line, fields });
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                problems.push(BriefProblem {
                    line,
                    column: None,
                    message: format!("not valid CSV: {e}"),
                });
            }
        }
    }
    rows
}

fn read_jsonl(text: &str, problems: &mut Vec<BriefProblem>) -> Vec<RawRow> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(raw) {
            Ok(v) => v,
            Err(e) => {
                problems.push(BriefProblem {
                    line,
                    column: None,
                    message: format!("not valid JSON: {e}"),
                });
                continue;
            }
        };
        let Some(object) = value.as_object() else {
            problems.push(BriefProblem {
                line,
                column: None,
                message: "a brief must be a JSON object".into(),
            });
            continue;
        };
        let mut fields = HashMap::new();
        for (key, value) in object {
            let key = key.to_ascii_lowercase();
            if !COLUMNS.contains(&key.as_str()) {
                problems.push(unknown_column(line, &key));
                continue;
            }
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                // Lists are accepted for the list columns and joined as in CSV.
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(";"),
                other => other.to_string(),
            };
            fields.insert(key, text);
        }
        rows.push(RawRow { line, fields });
    }
    rows
}

/// Whether a slug is safe as a file name: lower-case ASCII letters, digits and single hyphens.
pub fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG_LEN
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn split_list(value: &str, separators: &[char]) -> Vec<String> {
    value
        .split(separators)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Why a source entry cannot be fetched, if it cannot.
fn source_problem(source: &str, project_root: &Path) -> Option<String> {
    if source.contains("://") {
        return match url::Url::parse(source) {
            Err(e) => Some(format!("bad URL `{source}`: {e}")),
            Ok(url) if !matches!(url.scheme(), "http" | "https" | "file") => Some(format!(
                "bad URL `{source}`: scheme `{}` is not http, https or file",
                url.scheme()
            )),
            Ok(url) if url.scheme() != "file" && url.host_str().is_none_or(str::is_empty) => {
                Some(format!("bad URL `{source}`: no host"))
            }
            Ok(_) => None,
        };
    }
    let path = project_root.join(source);
    if !path.is_file() {
        return Some(format!(
            "source `{source}` is neither an http(s) URL nor a file under {}",
            project_root.display()
        ));
    }
    None
}

fn validate_row(
    row: &RawRow,
    project_root: &Path,
    problems: &mut Vec<BriefProblem>,
) -> Option<Brief> {
    let before = problems.len();
    let field = |name: &str| {
        row.fields
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let mut problem = |column: &str, message: String| {
        problems.push(BriefProblem {
            line: row.line,
            column: Some(column.to_string()),
            message,
        });
    };
    let mut required = |column: &str| {
        let value = field(column);
        if value.is_none() {
            problem(column, "missing required field".into());
        }
        value
    };
    let slug = required("slug");
    let primary_keyword = required("primary_keyword");
    let author_name = required("author_name");
    let author_url = required("author_url");
    let sources_field = required("sources");
    let title = field("title");
    let topic = field("topic");
    if title.is_none() && topic.is_none() {
        problem(
            "title",
            "missing required field: give `title` or `topic`".into(),
        );
    }
    if let Some(slug) = &slug {
        if !is_safe_slug(slug) {
            problem(
                "slug",
                format!("unsafe slug `{slug}`: use lower-case letters, digits and single hyphens (it becomes a file name)"),
            );
        }
    }
    if let Some(url) = &author_url {
        match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            Ok(_) => problem(
                "author_url",
                format!("bad URL `{url}`: must be http(s) with a host"),
            ),
            Err(e) => problem("author_url", format!("bad URL `{url}`: {e}")),
        }
    }
    let sources = sources_field
        .as_deref()
        .map(|s| split_list(s, &[';']))
        .unwrap_or_default();
    if sources_field.is_some() && sources.is_empty() {
        problem("sources", "no source listed".into());
    }
    for source in &sources {
        if let Some(message) = source_problem(source, project_root) {
            problem("sources", message);
        }
    }
    let mut number = |column: &str, default: usize| match field(column) {
        None => Some(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                problem(column, format!("`{v}` is not a positive whole number"));
                None
            }
        },
    };
    let min_words = number("min_words", DEFAULT_MIN_WORDS);
    let max_words = number("max_words", DEFAULT_MAX_WORDS);
    if let (Some(min), Some(max)) = (min_words, max_words) {
        if min > max {
            problem(
                "max_words",
                format!("max_words {max} is below min_words {min}"),
            );
        }
    }
    let format = match field("format").map(|f| f.to_ascii_lowercase()).as_deref() {
        None | Some("md") | Some("markdown") => Some(ArticleFormat::Md),
        Some("html") => Some(ArticleFormat::Html),
        Some(other) => {
            problem("format", format!("`{other}` is not `md` or `html`"));
            None
        }
    };
    let ymyl = match field("ymyl").map(|f| f.to_ascii_lowercase()).as_deref() {
        None | Some("false" | "no" | "0" | "n") => Some(false),
        Some("true" | "yes" | "1" | "y") => Some(true),
        Some(other) => {
            problem("ymyl", format!("`{other}` is not true/false or yes/no"));
            None
        }
    };
    if problems.len() > before {
        return None;
    }
    Some(Brief {
        slug: slug?,
        title: title.clone().or_else(|| topic.clone())?,
        topic,
        primary_keyword: primary_keyword?,
        secondary_keywords: field("secondary_keywords")
            .map(|s| split_list(&s, &[';', ',']))
            .unwrap_or_default(),
        audience: field("audience"),
        sources,
        author_name: author_name?,
        author_url: author_url?,
        min_words: min_words?,
        max_words: max_words?,
        format: format?,
        ymyl: ymyl?,
        notes: field("notes"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "slug,title,primary_keyword,sources,author_name,author_url\n";

    fn csv(rows: &str) -> Result<Vec<Brief>, Vec<BriefProblem>> {
        parse(&format!("{HEADER}{rows}"), false, Path::new("."))
    }

    #[test]
    fn a_valid_row_gets_defaults() {
        let briefs =
            csv("a-b,Title,kw,https://x.example/a;https://y.example/b,Ann,https://ann.example/\n")
                .expect("valid");
        assert_eq!(briefs.len(), 1);
        let b = &briefs[0];
        assert_eq!(b.sources.len(), 2);
        assert_eq!(
            (b.min_words, b.max_words),
            (DEFAULT_MIN_WORDS, DEFAULT_MAX_WORDS)
        );
        assert_eq!(b.format, ArticleFormat::Md);
        assert!(!b.ymyl);
    }

    #[test]
    fn every_problem_is_reported_with_line_and_column() {
        let problems = csv(concat!(
            "../x,Title,kw,https://x.example/a,Ann,https://ann.example/\n",
            "ok,Title,,ftp://x.example/a,Ann,notaurl\n",
            "ok,Title,kw,https://x.example/a,Ann,https://ann.example/\n",
            "ok,Title,kw,https://x.example/a,Ann,https://ann.example/\n",
        ))
        .expect_err("invalid");
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 2, column `slug`: unsafe slug")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 3, column `primary_keyword`: missing")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 3, column `sources`: bad URL")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p.starts_with("line 3, column `author_url`: bad URL")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|p| p
                    .starts_with("line 5, column `slug`: duplicate slug `ok` (first on line 4)")),
            "{text:?}"
        );
    }

    #[test]
    fn unknown_columns_and_jsonl() {
        let problems = parse("slug,titel\n", false, Path::new(".")).expect_err("unknown");
        assert!(
            problems[0].message.contains("did you mean `title`"),
            "{problems:?}"
        );
        let briefs = parse(
            r#"{"slug":"s","topic":"T","primary_keyword":"k","sources":["https://a.example/"],"author_name":"A","author_url":"https://a.example/me","ymyl":true,"min_words":200}"#,
            true,
            Path::new("."),
        )
        .expect("jsonl");
        assert!(briefs[0].ymyl);
        assert_eq!(briefs[0].title, "T");
        assert_eq!(briefs[0].min_words, 200);
    }

    #[test]
    fn slugs() {
        assert!(is_safe_slug("home-composting-2"));
        for bad in ["../x", "a/b", "A", "a--b", "-a", "", "a.md"] {
            assert!(!is_safe_slug(bad), "{bad}");
        }
    }

    #[test]
    fn hash_changes_with_content() {
        let a = csv("a,Title,kw,https://x.example/a,Ann,https://ann.example/\n").expect("ok");
        let b = csv("a,Title 2,kw,https://x.example/a,Ann,https://ann.example/\n").expect("ok");
        assert_ne!(a[0].content_hash(), b[0].content_hash());
        assert_eq!(a[0].content_hash(), a[0].clone().content_hash());
    }
}
