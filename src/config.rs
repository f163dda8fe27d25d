//! `pressgate.toml`: discovery (walk up from the checked path) and the resolved configuration.
//!
//! ```toml
//! ignore = ["drafts/**", "vendor"]      # paths never checked (globs relative to this file)
//! packs = ["styles/house"]              # extra folders of declarative TOML rule packs
//!
//! [settings]
//! audience = "general"
//!
//! [rules]
//! select = ["seo", "STYLE"]             # packs, codes or code prefixes; empty = every rule
//! enable = ["CITE001"]                  # added on top of `select`
//! ignore = ["STYLE013"]                 # removed (alias: `disable`)
//!
//! STYLE012 = "info"                     # shorthand for a severity
//!
//! [rules.STYLE006]
//! severity = "error"                    # error | warning | info | off
//! max = 30                              # rule options
//!
//! [[overrides]]
//! files = ["glossary/**"]
//! ignore = ["STYLE012"]
//! [overrides.STYLE006]
//! severity = "off"
//! [overrides.settings]                  # on top of [settings]; the last matching override wins
//! audience = "expert"
//! ```
use crate::error::{Error, Result};
use crate::finding::Severity;
use crate::rules::Settings;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "pressgate.toml";

/// The project configuration in force for one run.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Folder that holds `pressgate.toml` (paths and globs are relative to it); the current
    /// directory when there is no file.
    pub root: PathBuf,
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub settings: Settings,
    /// Top-level `[rules]`: which rules run, their severity and options.
    pub rules: RuleSelection,
    /// `[[overrides]]`, applied in file order to documents whose path matches `files`.
    pub overrides: Vec<Override>,
    /// Top-level `ignore` globs, as written.
    pub ignore: Vec<String>,
    /// `ignore` compiled; kept next to the patterns so matching many files stays cheap.
    pub ignore_matcher: GlobSet,
    /// Extra declarative pack folders (`packs = [...]`), resolved against `root`.
    pub packs: Vec<PathBuf>,
}

/// One `[rules]` section (top level or inside an override).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSelection {
    /// Packs, codes or code prefixes to run; empty means every registered rule.
    pub select: Vec<String>,
    /// Added after `select` (`enable`).
    pub enable: Vec<String>,
    /// Removed after `enable` (`ignore` or `disable`).
    pub disable: Vec<String>,
    /// `[rules.CODE]` tables by code.
    pub rules: BTreeMap<String, RuleConfig>,
}

impl RuleSelection {
    pub fn is_empty(&self) -> bool {
        self.select.is_empty()
            && self.enable.is_empty()
            && self.disable.is_empty()
            && self.rules.is_empty()
    }
}

/// `[rules.CODE]`: severity and options of one rule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleConfig {
    pub level: Option<RuleLevel>,
    /// Every key but `severity`, passed to the rule as its options.
    pub options: toml::Table,
}

/// A configured severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    On(Severity),
}

/// `[[overrides]]`: rule settings for files matching `files`.
#[derive(Debug, Clone)]
pub struct Override {
    pub files: Vec<String>,
    pub matcher: GlobSet,
    pub rules: RuleSelection,
    /// `[overrides.settings]` applied on top of the top-level `[settings]`; the last matching
    /// override that has settings wins.
    pub settings: Option<Settings>,
}

impl Override {
    pub fn matches(&self, rel_path: &str) -> bool {
        self.matcher.is_match(rel_path)
    }
}

impl Config {
    /// Find `pressgate.toml` in `start` or its ancestors; the defaults when there is none.
    pub fn discover(start: &Path) -> Result<Config> {
        let start = if start.is_file() {
            start.parent().unwrap_or(Path::new("."))
        } else {
            start
        };
        let abs = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        for dir in abs.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config {
            root: abs,
            ..Config::default()
        })
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        // An absolute root, so globs match documents however their paths were given.
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let root = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
        Config::from_toml_str(&text, path, root)
    }

    /// Parse the text of a `pressgate.toml`; `path` names it in errors and `root` anchors globs.
    pub fn from_toml_str(text: &str, path: &Path, root: PathBuf) -> Result<Config> {
        let err = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut override_settings: Vec<(usize, toml::Table)> = Vec::new();
        let mut config = Config {
            root,
            path: Some(path.to_path_buf()),
            ..Config::default()
        };
        for (key, value) in &table {
            match key.as_str() {
                "settings" => {
                    config.settings = value.clone().try_into().map_err(|e: toml::de::Error| {
                        err(format!("[settings]: {}", e.message()))
                    })?;
                }
                "rules" => {
                    let t = value
                        .as_table()
                        .ok_or_else(|| err("`rules` must be a table".into()))?;
                    config.rules = parse_selection(t, "rules", false).map_err(err)?;
                }
                "overrides" => {
                    let list = value.as_array().ok_or_else(|| {
                        err("`overrides` must be an array of tables ([[overrides]])".into())
                    })?;
                    for (i, item) in list.iter().enumerate() {
                        let t = item.as_table().ok_or_else(|| {
                            err(format!("overrides[{i}] must be a table ([[overrides]])"))
                        })?;
                        let (o, raw) =
                            parse_override(t, &format!("overrides[{i}]")).map_err(err)?;
                        if let Some(raw) = raw {
                            override_settings.push((i, raw));
                        }
                        config.overrides.push(o);
                    }
                }
                "ignore" => {
                    config.ignore = string_list(value, "ignore").map_err(err)?;
                    config.ignore_matcher = compile_globs(&config.ignore, "ignore").map_err(err)?;
                }
                "packs" => {
                    let dirs = string_list(value, "packs").map_err(err)?;
                    config.packs = dirs.iter().map(|d| config.root.join(d)).collect();
                }
                other => {
                    return Err(err(format!(
                    "unknown key `{other}` (expected settings, rules, overrides, ignore or packs)"
                )))
                }
            }
        }
        // Override settings are the top-level table plus their own keys, checked like it.
        let base = table
            .get("settings")
            .and_then(|v| v.as_table())
            .cloned()
            .unwrap_or_default();
        for (i, raw) in override_settings {
            let mut merged = base.clone();
            merged.extend(raw);
            let settings: Settings =
                toml::Value::Table(merged)
                    .try_into()
                    .map_err(|e: toml::de::Error| {
                        err(format!("[overrides[{i}].settings]: {}", e.message()))
                    })?;
            config.overrides[i].settings = Some(settings);
        }
        Ok(config)
    }

    /// Settings for `rel_path`: the last matching override's, else the top-level ones.
    pub fn settings_for(&self, rel_path: &str) -> &Settings {
        self.overrides
            .iter()
            .rev()
            .filter(|o| o.matches(rel_path))
            .find_map(|o| o.settings.as_ref())
            .unwrap_or(&self.settings)
    }

    /// Whether `rel_path` (relative to `root`, `/`-separated) matches an `ignore` glob.
    pub fn is_ignored(&self, rel_path: &str) -> bool {
        !self.ignore.is_empty()
            && self
                .ignore_matcher
                .is_match(rel_path.trim_start_matches("./"))
    }

    /// `path` relative to `root` and `/`-separated, for matching globs; unchanged when it lies
    /// outside `root`.
    pub fn relative_path(&self, path: &str) -> String {
        let p = Path::new(path);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            match std::env::current_dir() {
                Ok(cwd) => cwd.join(p),
                Err(_) => p.to_path_buf(),
            }
        };
        let rel = match abs.strip_prefix(&self.root) {
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => path.to_owned(),
        };
        rel.replace('\\', "/").trim_start_matches("./").to_owned()
    }

    /// The `[rules]` layers that apply to `rel_path`: the top level, then matching overrides.
    pub fn selections_for(&self, rel_path: &str) -> Vec<&RuleSelection> {
        let mut layers = vec![&self.rules];
        layers.extend(
            self.overrides
                .iter()
                .filter(|o| o.matches(rel_path))
                .map(|o| &o.rules),
        );
        layers
    }
}

/// The override and its raw `settings` table (merged with the top level later).
fn parse_override(
    table: &toml::Table,
    where_: &str,
) -> Result<(Override, Option<toml::Table>), String> {
    let files = match table.get("files") {
        Some(v) => string_list(v, &format!("{where_}.files"))?,
        None => return Err(format!("{where_}: missing `files = [\"glob\", ...]`")),
    };
    if files.is_empty() {
        return Err(format!("{where_}.files: needs at least one glob"));
    }
    let matcher = compile_globs(&files, &format!("{where_}.files"))?;
    let settings = match table.get("settings") {
        Some(v) => Some(
            v.as_table()
                .cloned()
                .ok_or_else(|| format!("`{where_}.settings` must be a table"))?,
        ),
        None => None,
    };
    let rules = parse_selection(table, where_, true)?;
    Ok((
        Override {
            files,
            matcher,
            rules,
            settings: None,
        },
        settings,
    ))
}

/// Parse `select`/`enable`/`ignore`/`disable` and `CODE` tables. `allow_files` accepts the
/// override's own `files` key.
fn parse_selection(
    table: &toml::Table,
    where_: &str,
    allow_files: bool,
) -> Result<RuleSelection, String> {
    let mut sel = RuleSelection::default();
    for (key, value) in table {
        let here = format!("{where_}.{key}");
        match key.as_str() {
            "files" | "settings" if allow_files => {}
            "select" => sel.select = string_list(value, &here)?,
            "enable" => sel.enable.extend(string_list(value, &here)?),
            "ignore" | "disable" => sel.disable.extend(string_list(value, &here)?),
            code => {
                if !looks_like_code(code) {
                    return Err(format!(
                        "unknown key `{here}` (expected select, enable, ignore, disable or a rule code table such as [{where_}.STYLE001])"
                    ));
                }
                let rc = match value {
                    toml::Value::Table(t) => parse_rule_config(t, &here)?,
                    // Shorthand: `STYLE001 = "off"`.
                    toml::Value::String(level) => RuleConfig {
                        level: Some(parse_level(level).map_err(|e| format!("`{here}`: {e}"))?),
                        options: toml::Table::new(),
                    },
                    _ => {
                        return Err(format!(
                            "`{here}` must be a severity string or a table of severity and options"
                        ))
                    }
                };
                sel.rules.insert(code.to_owned(), rc);
            }
        }
    }
    Ok(sel)
}

fn parse_rule_config(table: &toml::Table, where_: &str) -> Result<RuleConfig, String> {
    let mut rc = RuleConfig::default();
    for (key, value) in table {
        if key == "severity" {
            let s = value
                .as_str()
                .ok_or_else(|| format!("`{where_}.severity` must be a string"))?;
            rc.level = Some(parse_level(s).map_err(|e| format!("`{where_}.severity`: {e}"))?);
        } else {
            rc.options.insert(key.clone(), value.clone());
        }
    }
    Ok(rc)
}

fn parse_level(s: &str) -> Result<RuleLevel, String> {
    match s.to_ascii_lowercase().as_str() {
        "off" | "none" | "disabled" => Ok(RuleLevel::Off),
        "error" => Ok(RuleLevel::On(Severity::Error)),
        "warning" => Ok(RuleLevel::On(Severity::Warning)),
        "info" => Ok(RuleLevel::On(Severity::Info)),
        other => Err(format!(
            "unknown severity `{other}` (expected error, warning, info or off)"
        )),
    }
}

/// Rule codes are upper-case letters followed by digits (`SEO001`, `PARSE001`).
fn looks_like_code(s: &str) -> bool {
    let letters = s.chars().take_while(|c| c.is_ascii_uppercase()).count();
    letters > 0 && s.len() > letters && s[letters..].chars().all(|c| c.is_ascii_digit())
}

fn string_list(value: &toml::Value, key: &str) -> Result<Vec<String>, String> {
    let arr = value
        .as_array()
        .ok_or_else(|| format!("`{key}` must be an array of strings"))?;
    arr.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("`{key}` must be an array of strings, found {v}"))
        })
        .collect()
}

/// Globs are relative to the config root; a bare folder name also matches everything below it.
fn compile_globs(patterns: &[String], key: &str) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        let glob = Glob::new(p).map_err(|e| format!("`{key}`: bad glob `{p}`: {e}"))?;
        builder.add(glob);
        if !p.ends_with("**") {
            if let Ok(below) = Glob::new(&format!("{p}/**")) {
                builder.add(below);
            }
        }
    }
    builder
        .build()
        .map_err(|e| format!("`{key}`: bad globs: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::from_toml_str(text, Path::new("/p/pressgate.toml"), PathBuf::from("/p"))
    }

    fn config_message(r: Result<Config>) -> String {
        match r {
            Err(Error::Config { path, message }) => {
                assert_eq!(path, Path::new("/p/pressgate.toml"));
                message
            }
            Err(other) => panic!("expected a configuration error, got {other}"),
            Ok(_) => panic!("expected a configuration error, got a config"),
        }
    }

    #[test]
    fn parses_rules_section_with_severity_and_options() {
        let c = parse(
            r#"
            [rules]
            select = ["style", "SEO"]
            enable = ["CITE001"]
            ignore = ["STYLE013"]
            disable = ["STYLE012"]
            [rules.STYLE006]
            severity = "error"
            max = 30
            [rules.STYLE001]
            severity = "off"
            "#,
        )
        .unwrap();
        assert_eq!(c.rules.select, vec!["style", "SEO"]);
        assert_eq!(c.rules.enable, vec!["CITE001"]);
        let mut disabled = c.rules.disable.clone();
        disabled.sort();
        assert_eq!(disabled, vec!["STYLE012", "STYLE013"]);
        let r6 = &c.rules.rules["STYLE006"];
        assert_eq!(r6.level, Some(RuleLevel::On(Severity::Error)));
        assert_eq!(r6.options.get("max").and_then(|v| v.as_integer()), Some(30));
        assert_eq!(c.rules.rules["STYLE001"].level, Some(RuleLevel::Off));
        let short = parse("[rules]\nSTYLE002 = \"info\"\n").unwrap();
        assert_eq!(
            short.rules.rules["STYLE002"].level,
            Some(RuleLevel::On(Severity::Info))
        );
        let m = config_message(parse("[rules]\nSTYLE002 = 3\n"));
        assert!(m.contains("rules.STYLE002"), "{m}");
    }

    #[test]
    fn unknown_top_level_key_names_file_and_key() {
        let m = config_message(parse("colour = true\n"));
        assert!(m.contains("`colour`"), "{m}");
    }

    #[test]
    fn unknown_rules_key_and_bad_severity_are_errors() {
        let m = config_message(parse("[rules]\nslect = [\"SEO\"]\n"));
        assert!(m.contains("rules.slect"), "{m}");
        let m = config_message(parse("[rules.SEO001]\nseverity = \"fatal\"\n"));
        assert!(
            m.contains("rules.SEO001.severity") && m.contains("fatal"),
            "{m}"
        );
        let m = config_message(parse("[rules]\nselect = \"SEO\"\n"));
        assert!(m.contains("rules.select"), "{m}");
    }

    #[test]
    fn unknown_settings_key_is_an_error() {
        let m = config_message(parse("[settings]\naudiense = \"expert\"\n"));
        assert!(m.contains("[settings]") && m.contains("audiense"), "{m}");
        let m = config_message(parse("[settings]\nymyl = \"yes\"\n"));
        assert!(m.contains("[settings]"), "{m}");
    }

    #[test]
    fn ignore_globs_match_relative_paths() {
        let c = parse("ignore = [\"drafts/**\", \"*.html\", \"vendor\"]\n").unwrap();
        assert!(c.is_ignored("drafts/a.md"));
        assert!(c.is_ignored("./drafts/deep/b.md"));
        assert!(c.is_ignored("site/index.html"));
        assert!(c.is_ignored("vendor/x/y.md"));
        assert!(!c.is_ignored("posts/a.md"));
        assert!(!Config::default().is_ignored("anything.md"));
        let m = config_message(parse("ignore = [\"a/[\"]\n"));
        assert!(m.contains("ignore"), "{m}");
    }

    #[test]
    fn overrides_need_files_and_match_by_glob() {
        let c = parse(
            r#"
            [[overrides]]
            files = ["glossary/**"]
            ignore = ["STYLE012"]
            [overrides.STYLE006]
            severity = "off"
            "#,
        )
        .unwrap();
        assert_eq!(c.overrides.len(), 1);
        assert!(c.overrides[0].matches("glossary/terms.md"));
        assert!(!c.overrides[0].matches("posts/terms.md"));
        assert_eq!(c.selections_for("glossary/a.md").len(), 2);
        assert_eq!(c.selections_for("posts/a.md").len(), 1);
        assert_eq!(
            c.overrides[0].rules.rules["STYLE006"].level,
            Some(RuleLevel::Off)
        );
        let m = config_message(parse("[[overrides]]\nignore = [\"SEO\"]\n"));
        assert!(m.contains("overrides[0]") && m.contains("files"), "{m}");
    }

    #[test]
    fn override_settings_merge_over_top_level() {
        let c = parse(
            "[settings]\naudience = \"general\"\nymyl = true\n[[overrides]]\nfiles = [\"docs/**\"]\n[overrides.settings]\naudience = \"expert\"\n",
        )
        .unwrap();
        let docs = c.settings_for("docs/a.md");
        assert_eq!(docs.audience.as_deref(), Some("expert"));
        assert!(docs.ymyl);
        assert_eq!(
            c.settings_for("blog/a.md").audience.as_deref(),
            Some("general")
        );
        let m = config_message(parse(
            "[[overrides]]\nfiles = [\"a\"]\n[overrides.settings]\naudiance = \"x\"\n",
        ));
        assert!(
            m.contains("overrides[0].settings") && m.contains("audiance"),
            "{m}"
        );
    }

    #[test]
    fn relative_path_strips_root() {
        let c = parse("").unwrap();
        assert_eq!(c.relative_path("/p/posts/a.md"), "posts/a.md");
        assert_eq!(c.relative_path("/elsewhere/a.md"), "/elsewhere/a.md");
    }

    #[test]
    fn packs_resolve_against_root() {
        let c = parse("packs = [\"styles/house\"]\n").unwrap();
        assert_eq!(c.packs, vec![PathBuf::from("/p/styles/house")]);
    }

    #[test]
    fn fixture_files_load_and_discover_walks_up() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config");
        let full = Config::load(&dir.join("full/pressgate.toml")).unwrap();
        assert_eq!(full.settings.audience.as_deref(), Some("expert"));
        assert!(full.is_ignored("drafts/wip.md"));
        assert_eq!(full.overrides.len(), 1);
        // A file two folders below the config finds it.
        let found = Config::discover(&dir.join("full/posts/2026/post.md")).unwrap();
        assert_eq!(
            found.path.as_deref(),
            Some(dir.join("full/pressgate.toml").as_path())
        );
        match Config::load(&dir.join("bad_key/pressgate.toml")) {
            Err(Error::Config { path, message }) => {
                assert!(path.ends_with("bad_key/pressgate.toml"));
                assert!(message.contains("rules.STYLE006.severity"), "{message}");
            }
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn load_gives_an_absolute_root_for_relative_paths() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/full");
        let c = Config::load(&dir.join("pressgate.toml")).unwrap();
        assert!(c.root.is_absolute());
        assert_eq!(
            c.relative_path(&dir.join("drafts/x.md").to_string_lossy()),
            "drafts/x.md"
        );
    }

    #[test]
    fn discover_without_file_gives_defaults_rooted_at_start() {
        let tmp = tempfile::tempdir().unwrap();
        let c = Config::discover(tmp.path()).unwrap();
        assert!(c.path.is_none());
        assert!(c.rules.is_empty());
        let nested = tmp.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(tmp.path().join(FILE_NAME), "[settings]\nymyl = true\n").unwrap();
        let c = Config::discover(&nested).unwrap();
        assert!(c.settings.ymyl);
    }
}
