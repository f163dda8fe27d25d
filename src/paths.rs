//! Where pressgate keeps its files: the one data dir shared by models, runtimes and caches.
use std::path::PathBuf;

/// `$PRESSGATE_HOME`, else `$XDG_DATA_HOME/pressgate`, else `~/.local/share/pressgate`.
pub fn data_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("PRESSGATE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from(".local/share"))
        .join("pressgate")
}

/// Where installed models live: `<data dir>/models`.
pub fn models_dir() -> PathBuf {
    data_dir().join("models")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_in_pressgate_or_the_override() {
        // Only reads the environment: setting it would race other tests in this process.
        match std::env::var_os("PRESSGATE_HOME").filter(|v| !v.is_empty()) {
            Some(home) => assert_eq!(data_dir(), PathBuf::from(home)),
            None => assert!(data_dir().ends_with("pressgate")),
        }
    }
}
