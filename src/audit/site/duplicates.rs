//! Duplicate and near-duplicate pages from the text fingerprints: exact copies by hash, near
//! copies by SimHash distance (compared within bands so the search is not quadratic),
//! confirmed by the MinHash estimate of shared text.
use crate::audit::codes;
use crate::audit::crawl::Crawled;
use crate::audit::page::audit_finding;
use crate::audit::simhash::{distance, resemblance, TextPrint, MINHASH_BINS};
use crate::rules::Engine;
use std::collections::{HashMap, HashSet};

/// Pages with fewer words are not compared: empty and stub pages look alike by design.
const MIN_WORDS: u32 = 30;
/// Most differing SimHash bits for a near-duplicate: 64-bit prints of unrelated texts differ
/// in about 32 bits (σ = 4), so 6 keeps chance matches below one in 10^10 pairs.
const NEAR_BITS: u32 = 6;
/// Least estimated share of shared 3-word shingles for a near-duplicate. Pages of one site
/// (same template, same topic words) can land within NEAR_BITS while sharing under 10% of
/// their text; a page with a changed sentence or two still shares well over half.
const NEAR_MIN_RESEMBLANCE: f64 = 0.5;
/// Bands for the candidate search: NEAR_BITS + 1 of them, so near prints share one (pigeonhole).
const BANDS: u32 = NEAR_BITS + 1;
/// The second candidate search: pages with equal minima in all three bins of a band, over
/// the first 15 bins. A pair sharing 88% of its shingles shares a band with probability 0.68
/// (misses all five 0.3% of the time); a pair sharing 8%, 0.05%.
const MINHASH_BAND_BINS: usize = 3;
const MINHASH_BANDS: usize = 5;
const _: () = assert!(MINHASH_BAND_BINS * MINHASH_BANDS <= MINHASH_BINS);

pub fn check(engine: &Engine, crawled: &mut Crawled) {
    // Candidates: indexable pages with enough text (a canonical elsewhere already resolves
    // the duplicate).
    let mut prints: Vec<(usize, u64, u64)> = crawled
        .facts
        .iter()
        .enumerate()
        .filter(|(i, _)| crawled.pages.get(*i).is_some_and(|p| p.indexable))
        .filter_map(|(i, f)| {
            f.print
                .filter(|p| p.words >= MIN_WORDS)
                .map(|p| (i, p.exact, p.simhash))
        })
        .collect();
    // Crawl order depends on which worker finished first: "the first page" of a duplicate set
    // is the one with the smallest URL, so the same site always gives the same findings.
    let url = |i: usize| crawled.pages.get(i).map_or("", |p| p.url.as_str());
    prints.sort_by(|a, b| url(a.0).cmp(url(b.0)));

    let mut findings: Vec<(usize, &'static str, String, usize)> = Vec::new();
    let mut first_of_text: HashMap<u64, usize> = HashMap::new();
    let mut exact_dupes: HashSet<usize> = HashSet::new();
    for &(i, exact, _) in &prints {
        match first_of_text.get(&exact) {
            Some(&first) => {
                exact_dupes.insert(i);
                findings.push((
                    i,
                    codes::DUPLICATE_CONTENT,
                    "has the same text as".into(),
                    first,
                ));
            }
            None => {
                first_of_text.insert(exact, i);
            }
        }
    }

    // With at most NEAR_BITS differing bits, two prints agree on at least one of BANDS
    // bit ranges, so only pages sharing a band value are compared.
    let print_of = |i: usize| -> Option<&TextPrint> { crawled.facts.get(i)?.print.as_ref() };
    let alike = |i: usize, j: usize| match (print_of(i), print_of(j)) {
        (Some(a), Some(b)) => resemblance(a, b) >= NEAR_MIN_RESEMBLANCE,
        _ => false,
    };
    let mut near: HashSet<(usize, usize)> = HashSet::new();
    let mut consider = |i: usize, j: usize| {
        let pair = if url(i) <= url(j) { (i, j) } else { (j, i) };
        if !near.contains(&pair) && alike(i, j) {
            near.insert(pair);
        }
    };
    let width = 64 / BANDS;
    for band in 0..BANDS {
        let shift = band * width;
        let bits = if band == BANDS - 1 { 64 - shift } else { width };
        let mask = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let mut buckets: HashMap<u64, Vec<(usize, u64)>> = HashMap::new();
        for &(i, _, sim) in prints.iter().filter(|(i, _, _)| !exact_dupes.contains(i)) {
            buckets
                .entry(sim >> shift & mask)
                .or_default()
                .push((i, sim));
        }
        for bucket in buckets.values() {
            each_pair(bucket, |&(i, si), &(j, sj)| {
                if distance(si, sj) <= NEAR_BITS {
                    consider(i, j);
                }
            });
        }
    }
    // SimHash bits are majority votes, so on a short page a changed sentence or two can flip
    // more than NEAR_BITS of them: pages with a whole MinHash band in common are candidates
    // too. Either way the MinHash estimate over all bins confirms.
    for band in 0..MINHASH_BANDS {
        let bins = band * MINHASH_BAND_BINS..(band + 1) * MINHASH_BAND_BINS;
        let mut buckets: HashMap<[u32; MINHASH_BAND_BINS], Vec<usize>> = HashMap::new();
        for &(i, _, _) in prints.iter().filter(|(i, _, _)| !exact_dupes.contains(i)) {
            let Some(print) = print_of(i) else { continue };
            let mut key = [0u32; MINHASH_BAND_BINS];
            key.copy_from_slice(&print.minhash[bins.clone()]);
            // An empty bin holds no shingle: two empty bins are no evidence.
            if !key.contains(&u32::MAX) {
                buckets.entry(key).or_default().push(i);
            }
        }
        for bucket in buckets.values() {
            each_pair(bucket, |&i, &j| consider(i, j));
        }
    }
    let mut near: Vec<(usize, usize)> = near.into_iter().collect();
    near.sort_unstable_by(|a, b| (url(a.0), url(a.1)).cmp(&(url(b.0), url(b.1))));
    let mut reported: HashSet<usize> = HashSet::new();
    for (first, later) in near {
        // One finding per later page, against the first page it resembles.
        if reported.insert(later) {
            findings.push((
                later,
                codes::NEAR_DUPLICATE_CONTENT,
                "has almost the same text as".into(),
                first,
            ));
        }
    }

    for (i, code, what, other) in findings {
        let other_url = crawled
            .pages
            .get(other)
            .map(|p| p.url.clone())
            .unwrap_or_default();
        if let Some(record) = crawled.pages.get_mut(i) {
            record.findings.extend(audit_finding(
                engine,
                code,
                Some(&record.url),
                format!("this page {what} {other_url}"),
                None,
                vec![other_url],
            ));
        }
    }
}

/// `f` on every unordered pair of `items`.
fn each_pair<T>(items: &[T], mut f: impl FnMut(&T, &T)) {
    for (a, x) in items.iter().enumerate() {
        for y in &items[a + 1..] {
            f(x, y);
        }
    }
}
