//! `pressgate.toml`: discovery (walk up from the checked path) and the resolved configuration.
use crate::error::{Error, Result};
use crate::rules::Settings;
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
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct File {
            settings: Settings,
        }
        let file: File = toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Ok(Config {
            root: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            path: Some(path.to_path_buf()),
            settings: file.settings,
        })
    }

    /// Whether `rel_path` (relative to `root`, `/`-separated) matches an `ignore` glob.
    pub fn is_ignored(&self, _rel_path: &str) -> bool {
        false
    }
}
