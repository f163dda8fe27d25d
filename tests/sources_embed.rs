//! The default sentence-embedding model: reference similarities, batching, and recall@5 of the
//! hybrid index over the fixture sites. Needs ONNX Runtime and the model (scripts/test.sh
//! installs both); without them each test prints `SKIPPED:` and passes, unless `CI` is set.
use pressgate::llm::runtime::Device;
use pressgate::sources::embed::{default_model_dir, MiniLmEmbedder};

fn embedder() -> Option<MiniLmEmbedder> {
    let dir = default_model_dir();
    match MiniLmEmbedder::open(&dir, Device::Cpu, Some(2)) {
        Ok(embedder) => Some(embedder),
        Err(e) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "embedding model or ONNX Runtime unavailable under CI: {e}"
            );
            eprintln!(
                "SKIPPED: embedding model not available ({}): {e}",
                dir.display()
            );
            None
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn reference_similarities_match_the_model_card() {
    let Some(embedder) = embedder() else { return };
    let vectors = embedder
        .embed_texts(&[
            "The cat sits on the mat.",
            "A kitten is resting on a rug.",
            "Quarterly revenue grew by 12 percent.",
        ])
        .expect("embed");
    assert_eq!(vectors.len(), 3);
    for v in &vectors {
        assert_eq!(v.len(), 384);
        assert!((dot(v, v) - 1.0).abs() < 1e-4, "not normalised");
    }
    let paraphrase = dot(&vectors[0], &vectors[1]);
    let unrelated = dot(&vectors[0], &vectors[2]);
    eprintln!("cos(cat, kitten) = {paraphrase:.4}, cos(cat, revenue) = {unrelated:.4}");
    assert!((paraphrase - 0.6388).abs() < 0.005, "{paraphrase}");
    assert!((unrelated - -0.0213).abs() < 0.005, "{unrelated}");
}

#[test]
fn batching_and_padding_do_not_change_vectors() {
    let Some(embedder) = embedder() else { return };
    let short = "Bike lanes.";
    let long = "The council approved protected bike lanes on Harbour Avenue after a long \
                consultation with residents, shop owners and cycling groups.";
    let alone = embedder.embed_texts(&[short]).expect("embed");
    let together = embedder.embed_texts(&[long, short, ""]).expect("embed");
    assert_eq!(together.len(), 3);
    let same = dot(&alone[0], &together[1]);
    assert!(same > 0.9999, "padding changed the vector: cos {same}");
    assert!(embedder.embed_texts(&[]).expect("empty").is_empty());
}
