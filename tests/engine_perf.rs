//! Throughput of parse + check over a synthetic corpus. Ignored by default (it measures, it
//! does not verify); run with
//! `cargo test --test engine_perf -- --ignored --nocapture` (set `PRESSGATE_PERF_DOCS` to size it).
use pressgate::config::Config;
use pressgate::doc::{parse, Format};
use pressgate::rules::Engine;
use std::time::Instant;

const SENTENCES: &[&str] = &[
    "Feed the starter twice a day with equal weights of flour and water.",
    "A warm kitchen shortens the rise by about an hour, while a cold one can double it.",
    "In today's fast-paced world, it's important to note that bread takes time.",
    "The dough was shaped in the morning and baked in a heavy pot.",
    "Bakers who utilize a scale in order to weigh flour get the same loaf every time.",
    "Studies show that rye flour speeds up fermentation [1].",
    "It might perhaps help to add a little honey, although it could possibly slow the yeast.",
    "The crumb should be open and glossy, with no dense streaks near the base.",
    "Check the LCP of the recipe page before adding more photos!",
    "Salt tightens the gluten network and slows the yeast down.",
];

fn article(seed: usize, words: usize) -> String {
    let mut out = format!(
        "---\ntitle: \"Sourdough notes {seed}\"\ndescription: \"How to feed, shape and bake a sourdough loaf at home, step by step.\"\nauthor: Jane Doe\ndate: 2026-01-0{}\n---\n\n# Sourdough notes {seed}\n\n",
        seed % 9 + 1
    );
    let mut count = 0;
    let mut i = seed;
    let mut section = 0;
    while count < words {
        if count / 250 >= section {
            section += 1;
            out.push_str(&format!("## Step {section}: What To Do Next\n\n"));
        }
        for _ in 0..4 {
            let s = SENTENCES[i % SENTENCES.len()];
            out.push_str(s);
            out.push(' ');
            count += s.split_whitespace().count();
            i = i.wrapping_mul(31).wrapping_add(7);
        }
        out.push_str("\n\n");
        if i.is_multiple_of(5) {
            out.push_str("- Flour: 500 g\n- Water: 350 g\n- Salt: 10 g\n\n");
        }
    }
    out.push_str("## References\n\n1. [Rye and fermentation](https://example.org/rye)\n");
    out
}

#[test]
#[ignore]
fn parse_and_check_throughput() {
    let n: usize = std::env::var("PRESSGATE_PERF_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let sources: Vec<String> = (0..n).map(|i| article(i, 1500)).collect();
    let engine = Engine::from_config(&Config::default()).expect("engine");
    let t0 = Instant::now();
    use rayon::prelude::*;
    let docs: Vec<_> = sources
        .par_iter()
        .enumerate()
        .map(|(i, s)| parse(&format!("a{i}.md"), s, Format::Markdown))
        .collect();
    let parsed = t0.elapsed();
    let t1 = Instant::now();
    let results = engine.check(&docs);
    let checked = t1.elapsed();
    let findings: usize = results.iter().map(Vec::len).sum();
    println!(
        "{n} docs, {} rules, {} threads: parse {:.2}s, check {:.2}s, total {:.2}s, {findings} findings",
        engine.rules().len(),
        rayon::current_num_threads(),
        parsed.as_secs_f64(),
        checked.as_secs_f64(),
        (parsed + checked).as_secs_f64()
    );
    assert_eq!(results.len(), n);
    assert!(findings > 0);
    if std::env::var_os("PRESSGATE_PERF_PER_RULE").is_some() {
        for rule in engine.rules() {
            let code = rule.meta().code;
            let config = Config::from_toml_str(
                &format!("[rules]\nselect = [\"{code}\"]\n"),
                std::path::Path::new("pressgate.toml"),
                std::path::PathBuf::from("."),
            )
            .expect("config");
            let one = Engine::from_config(&config).expect("engine");
            let t = Instant::now();
            let _ = one.check(&docs);
            println!("{code}: {:.3}s", t.elapsed().as_secs_f64());
        }
    }
}
