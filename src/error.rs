//! Errors that end a command. Every one maps to exit code 2.
use std::path::PathBuf;

/// Exit codes shared by every subcommand.
pub mod exit {
    /// Nothing at or above the fail level.
    pub const OK: i32 = 0;
    /// Findings at or above the fail level.
    pub const FINDINGS: i32 = 1;
    /// Usage, input, I/O or set-up error.
    pub const ERROR: i32 = 2;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("{0}")]
    Usage(String),
    #[error("{message}\n  hint: {hint}")]
    Setup { message: String, hint: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
