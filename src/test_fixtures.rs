//! The repository's fixture files, for tests that hold a fast path to its general case over
//! every document we have.
use std::path::Path;

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
