//! The evaluation set with the MiniLM embedding blended into the support score. Needs ONNX
//! Runtime and the model (scripts/test.sh installs both); without them the test prints
//! `SKIPPED:` and passes, unless `CI` is set.
use pressgate::llm::runtime::Device;
use pressgate::sources::embed::{default_model_dir, MiniLmEmbedder};
use pressgate::verify::eval::{load_pairs, metrics, run_pair};
use pressgate::verify::{Verifier, VerifyOptions};
use std::path::Path;

#[test]
fn embedding_blend_keeps_the_quality_bar() {
    let dir = std::env::var_os("PRESSGATE_EMBED_MODEL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(default_model_dir);
    let embedder = match MiniLmEmbedder::open(&dir, Device::Cpu, Some(2)) {
        Ok(e) => e,
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "embedding model or ONNX Runtime unavailable under CI: {e}"
            );
            eprintln!(
                "SKIPPED: embedding model not available ({}): {e}",
                dir.display()
            );
            return;
        }
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verify/pairs.jsonl");
    let pairs = load_pairs(&path).expect("pairs load");
    let mut verifier = Verifier::new(VerifyOptions::default(), Some(embedder));
    let results: Vec<_> = pairs
        .iter()
        .filter(|p| p.split == "test")
        .map(|p| run_pair(&mut verifier, p).expect("pair verifies"))
        .collect();
    let m = metrics(&results);
    eprintln!("test split with MiniLM: {m:?}");
    assert!(m.balanced_accuracy >= 0.85, "{m:?}");
    for kind in ["number", "date", "quote"] {
        assert!(
            m.recall_by_error.get(kind).copied().unwrap_or(0.0) >= 0.95,
            "{kind}: {m:?}"
        );
    }
}
