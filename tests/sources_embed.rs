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

/// About 500 tokens (two windows and a bit) on the city's bike-lane plan, none of it about sourdough.
fn long_filler() -> String {
    let sentences = [
        "The council debated the protected bike lanes on Harbour Avenue for three hours.",
        "Shop owners asked how deliveries would reach their back doors during construction.",
        "Cycling groups brought counts of riders at the main junctions over two summers.",
        "Residents of the side streets worried that traffic would move onto their roads.",
        "The transport officer presented a timeline that starts with the northern section.",
    ];
    let mut text = String::new();
    while text.split_whitespace().count() < 420 {
        for sentence in sentences {
            text.push_str(sentence);
            text.push(' ');
        }
    }
    text
}

#[test]
fn long_texts_are_embedded_whole_not_cut_at_the_window() {
    let Some(embedder) = embedder() else { return };
    let filler = long_filler();
    let key = "At high altitude sourdough rises too fast, so bakers use less starter and a \
               hotter oven.";
    let with_key_at_end = format!("{filler}{key}");
    let query = "Why does sourdough rise too quickly in the mountains?";
    let vectors = embedder
        .embed_texts(&[&filler, &with_key_at_end, query, key])
        .expect("embed");
    for v in &vectors {
        assert!((dot(v, v) - 1.0).abs() < 1e-4, "not normalised");
    }
    let (filler_v, keyed_v, query_v, key_v) = (&vectors[0], &vectors[1], &vectors[2], &vectors[3]);
    // Cutting at 256 tokens would make the two long texts identical (cos 1).
    let same = dot(filler_v, keyed_v);
    assert!(
        same < 0.999,
        "the sentence at the end was ignored: cos {same}"
    );
    let gain = dot(query_v, keyed_v) - dot(query_v, filler_v);
    eprintln!("cos(filler, filler+key) = {same:.4}, query gain from the key sentence = {gain:.4}");
    assert!(gain > 0.05, "the key sentence barely counts: gain {gain}");
    assert!(dot(key_v, keyed_v) > dot(key_v, filler_v) + 0.1);
    // A short text is one window: its vector does not depend on the long ones in the call.
    let alone = embedder.embed_texts(&[query]).expect("embed");
    assert!(dot(&alone[0], query_v) > 0.9999);
}

mod recall {
    use super::embedder;
    use pressgate::sources::index::{Embedder, HybridIndex, DEFAULT_MMR_LAMBDA};
    use pressgate::sources::{
        chunk_text, extract_html, source_id, Chunk, ChunkOptions, WordEstimate,
    };

    /// Questions over `fixtures/sites/` and a phrase only the chunk that answers each contains.
    const LABELLED: &[(&str, &str)] = &[
        (
            "How many kilometres of protected cycle paths will Riverton build?",
            "14 kilometres of protected bike lanes",
        ),
        (
            "What did shopkeepers object to about the new lanes?",
            "180 parking spaces",
        ),
        (
            "Share of residents who would ride a bicycle more if streets were safer",
            "62 percent of residents",
        ),
        (
            "When can people comment on the detailed designs?",
            "three public meetings in May",
        ),
        (
            "Why does bread dough rise too quickly in the mountains?",
            "lower air pressure",
        ),
        (
            "How much starter did the baker use after the move?",
            "20 percent to 12 percent",
        ),
        (
            "baking temperature change for the crust",
            "raised the oven temperature",
        ),
        (
            "How do I find what is draining my car battery while parked?",
            "parasitic draw test",
        ),
        (
            "Which component kept the electrical system awake at night?",
            "infotainment unit",
        ),
        (
            "Which HTTP status codes trigger an automatic retry?",
            "429 or any 5xx",
        ),
        (
            "How does the waiting time between attempts grow?",
            "doubles after each attempt",
        ),
        (
            "Why is the delay randomised?",
            "random factor between 0.5 and 1.5",
        ),
        ("Is it safe to retry POST requests?", "non-idempotent"),
        (
            "heat pump efficiency coefficient of performance",
            "coefficient of performance of 3",
        ),
    ];

    fn fixture_chunks() -> Vec<Chunk> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sites");
        // Small chunks, so a handful of pages gives dozens of candidates and top-5 is selective.
        let options = ChunkOptions {
            min_tokens: 25,
            max_tokens: 50,
            overlap_tokens: 0,
        };
        let mut chunks = Vec::new();
        for name in [
            "blog.html",
            "docs.html",
            "forum.html",
            "injection.html",
            "news.html",
        ] {
            let html = std::fs::read_to_string(dir.join(name)).expect("fixture page");
            let extracted = extract_html(&html, None);
            chunks.extend(chunk_text(
                &source_id(name),
                &extracted,
                &options,
                &WordEstimate,
            ));
        }
        chunks
    }

    /// Share of queries whose answering chunk is among the first 5 `rank` returns.
    fn recall_at_5(index: &HybridIndex, rank: &dyn Fn(&str) -> Vec<usize>) -> f64 {
        let found = LABELLED
            .iter()
            .filter(|(query, answer)| {
                let top = rank(query);
                let hit = top
                    .iter()
                    .take(5)
                    .any(|&i| index.chunks()[i].text.contains(answer));
                if !hit {
                    eprintln!("  miss: {query}");
                }
                hit
            })
            .count();
        found as f64 / LABELLED.len() as f64
    }

    #[test]
    fn hybrid_recall_at_5_over_fixture_sites() {
        let Some(model) = embedder() else { return };
        let chunks = fixture_chunks();
        assert!(chunks.len() >= 20, "only {} chunks", chunks.len());
        // Each answer phrase must survive extraction and chunking, else the label is wrong.
        for (_, answer) in LABELLED {
            assert!(
                chunks.iter().any(|c| c.text.contains(answer)),
                "no chunk has {answer:?}"
            );
        }
        let embedder: &dyn Embedder = &model;
        let started = std::time::Instant::now();
        let index = HybridIndex::build(chunks, Some(embedder)).expect("index");
        eprintln!(
            "embedded {} chunks in {:.0} ms (debug build, 2 threads)",
            index.chunks().len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
        let bm25 = recall_at_5(&index, &|q| {
            index.lexical(q).into_iter().map(|(i, _)| i).collect()
        });
        let dense = recall_at_5(&index, &|q| {
            index
                .dense(q, embedder)
                .expect("dense")
                .into_iter()
                .map(|(i, _)| i)
                .collect()
        });
        let hybrid = recall_at_5(&index, &|q| {
            index
                .search(q, 5, Some(embedder))
                .expect("search")
                .into_iter()
                .map(|h| h.chunk)
                .collect()
        });
        let mmr = recall_at_5(&index, &|q| {
            index
                .search_mmr(q, 5, Some(embedder), DEFAULT_MMR_LAMBDA)
                .expect("search")
                .into_iter()
                .map(|h| h.chunk)
                .collect()
        });
        eprintln!(
            "recall@5 over {} queries, {} chunks: bm25 {bm25:.2}, vector {dense:.2}, hybrid {hybrid:.2}, hybrid+mmr {mmr:.2}",
            LABELLED.len(),
            index.chunks().len()
        );
        assert!(hybrid >= 0.9, "hybrid recall@5 {hybrid:.2} below 0.9");
        assert!(mmr >= 0.9, "hybrid+MMR recall@5 {mmr:.2} below 0.9");
    }
}

#[test]
fn cli_search_prints_spans_and_reuses_the_index() {
    let batch = tempfile::tempdir().expect("temp dir");
    let root = env!("CARGO_MANIFEST_DIR");
    let run = || {
        assert_cmd::Command::cargo_bin("pressgate")
            .expect("binary")
            .current_dir(root)
            .args(["sources", "search", "--lexical-only", "--json", "-k", "2"])
            .arg("--batch-dir")
            .arg(batch.path())
            .args([
                "--sources",
                "fixtures/sites/forum.html",
                "fixtures/sites/docs.html",
                "--",
                "parasitic draw multimeter",
            ])
            .output()
            .expect("run")
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let hits: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    let top = &hits[0];
    assert!(
        top["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("forum.html")),
        "{hits}"
    );
    assert!(top["text"]
        .as_str()
        .is_some_and(|t| t.contains("parasitic draw test")));
    assert!(top["span"][1].as_u64() > top["span"][0].as_u64());
    assert!(!String::from_utf8_lossy(&first.stderr).contains("reusing"));
    let second = run();
    assert!(String::from_utf8_lossy(&second.stderr).contains("reusing the stored index"));
    assert_eq!(second.stdout, first.stdout);
}
