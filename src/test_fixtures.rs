//! Test helpers shared by unit tests: the repository's fixture files (for tests that hold a
//! fast path to its general case over every document we have), a reproducible pseudo-random
//! stream, and the engine with the default rules.
use crate::config::Config;
use crate::rules::Engine;
use std::path::Path;

/// Deterministic pseudo-random stream (xorshift), so failures reproduce.
pub struct Stream(pub u64);

impl Stream {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// An index in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A value in [-1, 1] in steps of 1e-4.
    pub fn unit(&mut self) -> f32 {
        (self.next() % 20_001) as f32 / 10_000.0 - 1.0
    }
}

/// The engine an empty `pressgate.toml` gives: every default rule.
pub fn default_engine() -> Engine {
    let config = Config::from_toml_str("", Path::new("/p/pressgate.toml"), "/p".into())
        .expect("empty config");
    Engine::from_config(&config).expect("engine")
}

/// Path and text of every UTF-8 file under `fixtures/` whose extension is one of `exts`
/// (all files when `exts` is empty).
pub fn fixture_texts(exts: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if path.is_dir() {
                dirs.push(path);
            } else if exts.is_empty() || exts.contains(&ext) {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    out.push((path.display().to_string(), text));
                }
            }
        }
    }
    assert!(out.len() > 20, "fixtures not found");
    out
}
