//! The labelled evaluation set `fixtures/verify/pairs.jsonl` through the verifier without an
//! embedding model (the deterministic checks plus lexical support): the quality bar of the
//! verify issue, asserted on the test split (thresholds are calibrated on the calib split).
use pressgate::verify::eval::{load_pairs, metrics, run_pair};
use pressgate::verify::{Verifier, VerifyOptions};
use std::path::Path;

#[test]
fn deterministic_checks_meet_the_quality_bar() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verify/pairs.jsonl");
    let pairs = load_pairs(&path).expect("pairs load");
    assert!(pairs.len() >= 300, "the set has {} pairs", pairs.len());
    let supported = pairs.iter().filter(|p| p.label == "supported").count();
    let corrupted = pairs
        .iter()
        .filter(|p| p.label == "contradicted" || p.label == "unsupported")
        .count();
    assert!(
        supported.abs_diff(corrupted) * 10 <= pairs.len(),
        "{supported} supported vs {corrupted} corrupted pairs: not balanced"
    );

    let mut verifier = Verifier::new(VerifyOptions::default(), None);
    let results: Vec<_> = pairs
        .iter()
        .map(|p| run_pair(&mut verifier, p).expect("pair verifies"))
        .collect();
    let all = metrics(&results);
    for kind in ["number", "date", "quote"] {
        let recall = all.recall_by_error.get(kind).copied().unwrap_or(0.0);
        assert!(
            recall >= 0.95,
            "recall on changed {kind}s is {recall:.3} < 0.95"
        );
    }
    let test: Vec<_> = results
        .iter()
        .filter(|r| r.split == "test")
        .cloned()
        .collect();
    let m = metrics(&test);
    eprintln!("test split: {m:?}");
    assert!(
        m.balanced_accuracy >= 0.85,
        "balanced accuracy {:.3} < 0.85 on the test split",
        m.balanced_accuracy
    );
    assert!(
        m.uncited_recall >= 0.95,
        "uncited recall {:.3}",
        m.uncited_recall
    );
}
