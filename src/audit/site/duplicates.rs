//! Duplicate and near-duplicate pages from the text fingerprints: exact copies by hash, near
//! copies by SimHash distance (compared within bands so the search is not quadratic),
//! confirmed by the MinHash estimate of shared text.
use super::PageFindings;
use crate::audit::codes;
use crate::audit::crawl::Crawled;
use crate::audit::page::audit_finding;
use crate::audit::simhash::{distance, resemblance, TextPrint, MINHASH_BINS};
use crate::rules::Engine;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// foldhash: these maps are keyed by page indices and print bits, hashed once per page and
/// band; SipHash's flooding resistance buys nothing here (the crawl's pages are limited).
type FastState = foldhash::fast::RandomState;

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

/// A page whose text is compared: what the searches read of it, copied together so each
/// band's pass reads one compact array instead of every page's facts.
struct Candidate<'a> {
    page: usize,
    url: &'a str,
    exact: u64,
    simhash: u64,
    /// The bins the MinHash bands are made of.
    bands: [u32; MINHASH_BAND_BINS * MINHASH_BANDS],
    print: &'a TextPrint,
}

pub fn check(engine: &Engine, crawled: &Crawled) -> PageFindings {
    // Candidates: indexable pages with enough text (a canonical elsewhere already resolves
    // the duplicate).
    let mut candidates: Vec<Candidate> = crawled
        .facts
        .iter()
        .zip(&crawled.pages)
        .enumerate()
        .filter(|(_, (_, page))| page.indexable)
        .filter_map(|(i, (facts, page))| {
            let print = facts.print.as_ref().filter(|p| p.words >= MIN_WORDS)?;
            let mut bands = [0u32; MINHASH_BAND_BINS * MINHASH_BANDS];
            bands.copy_from_slice(&print.minhash[..MINHASH_BAND_BINS * MINHASH_BANDS]);
            Some(Candidate {
                page: i,
                url: page.url.as_str(),
                exact: print.exact,
                simhash: print.simhash,
                bands,
                print,
            })
        })
        .collect();
    // Crawl order depends on which worker finished first: "the first page" of a duplicate set
    // is the one with the smallest URL, so the same site always gives the same findings.
    candidates.sort_by(|a, b| a.url.cmp(b.url));

    let mut findings: Vec<(usize, &'static str, String, usize)> = Vec::new();
    let mut first_of_text: HashMap<u64, usize, FastState> = HashMap::default();
    let mut compared: Vec<&Candidate> = Vec::with_capacity(candidates.len());
    for candidate in &candidates {
        match first_of_text.get(&candidate.exact) {
            Some(&first) => findings.push((
                candidate.page,
                codes::DUPLICATE_CONTENT,
                "has the same text as".into(),
                first,
            )),
            None => {
                first_of_text.insert(candidate.exact, candidate.page);
                compared.push(candidate);
            }
        }
    }

    // Every band's search on the rayon pool; each gives the near pairs it confirms, as
    // (first, later) page indices.
    let searches = (0..BANDS as usize + MINHASH_BANDS)
        .into_par_iter()
        .map(|search| {
            let mut near: HashSet<(usize, usize), FastState> = HashSet::default();
            let mut consider = |a: &Candidate, b: &Candidate| {
                let pair = if a.url <= b.url { (a, b) } else { (b, a) };
                let key = (pair.0.page, pair.1.page);
                if !near.contains(&key) && resemblance(a.print, b.print) >= NEAR_MIN_RESEMBLANCE {
                    near.insert(key);
                }
            };
            match search.checked_sub(BANDS as usize) {
                None => simhash_band(&compared, search as u32, &mut consider),
                Some(band) => minhash_band(&compared, band, &mut consider),
            }
            near
        });
    let near: HashSet<(usize, usize), FastState> = searches.reduce(HashSet::default, |mut a, b| {
        a.extend(b);
        a
    });
    report(engine, crawled, findings, near)
}

/// The findings of a search: `findings` (exact copies) plus one near-duplicate finding per
/// later page of the `near` pairs (first, later), against the first page it resembles.
fn report(
    engine: &Engine,
    crawled: &Crawled,
    mut findings: Vec<(usize, &'static str, String, usize)>,
    near: impl IntoIterator<Item = (usize, usize)>,
) -> PageFindings {
    let url = |i: usize| crawled.pages.get(i).map_or("", |p| p.url.as_str());
    let mut near: Vec<(usize, usize)> = near.into_iter().collect();
    near.sort_unstable_by(|a, b| (url(a.0), url(a.1)).cmp(&(url(b.0), url(b.1))));
    let mut reported: HashSet<usize, FastState> = HashSet::default();
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

    let mut found = Vec::new();
    for (i, code, what, other) in findings {
        let other_url = crawled
            .pages
            .get(other)
            .map(|p| p.url.clone())
            .unwrap_or_default();
        if let Some(record) = crawled.pages.get(i) {
            found.extend(
                audit_finding(
                    engine,
                    code,
                    Some(&record.url),
                    format!("this page {what} {other_url}"),
                    None,
                    vec![other_url],
                )
                .map(|f| (i, f)),
            );
        }
    }
    found
}

/// SimHash band `band`: with at most NEAR_BITS differing bits, two prints agree on at least
/// one of BANDS bit ranges, so only prints sharing the band's value are compared. Prints are
/// put in order of the band's value by a counting sort (the value is 9 or 10 bits), so each
/// bucket is a run of one array.
fn simhash_band<'a>(
    compared: &[&'a Candidate<'a>],
    band: u32,
    consider: &mut impl FnMut(&'a Candidate<'a>, &'a Candidate<'a>),
) {
    let width = 64 / BANDS;
    let shift = band * width;
    let bits = if band == BANDS - 1 { 64 - shift } else { width };
    let mask = (1u64 << bits) - 1;
    let value = |c: &Candidate| (c.simhash >> shift & mask) as usize;
    // Bucket starts from counts, then each print placed at its bucket's next slot.
    let mut starts = vec![0usize; (1usize << bits) + 1];
    for c in compared {
        starts[value(c) + 1] += 1;
    }
    for v in 1..starts.len() {
        starts[v] += starts[v - 1];
    }
    let mut next = starts.clone();
    let mut order: Vec<&Candidate> = compared.to_vec();
    for c in compared {
        let slot = &mut next[value(c)];
        order[*slot] = c;
        *slot += 1;
    }
    let sims: Vec<u64> = order.iter().map(|c| c.simhash).collect();
    for bucket in starts.windows(2) {
        let (from, to) = (bucket[0], bucket[1]);
        let sims = &sims[from..to];
        for (a, &si) in sims.iter().enumerate() {
            let later = &sims[a + 1..];
            // A branch-free count first (it compiles to vector code): most prints have no
            // near print in their bucket, and then no pair costs a branch.
            let near: u32 = later
                .iter()
                .map(|&sj| u32::from(distance(si, sj) <= NEAR_BITS))
                .sum();
            if near == 0 {
                continue;
            }
            for (b, &sj) in later.iter().enumerate() {
                if distance(si, sj) <= NEAR_BITS {
                    consider(order[from + a], order[from + a + 1 + b]);
                }
            }
        }
    }
}

/// MinHash band `band`: SimHash bits are majority votes, so on a short page a changed sentence
/// or two can flip more than NEAR_BITS of them: pages with a whole MinHash band in common are
/// candidates too. Either way the MinHash estimate over all bins confirms.
fn minhash_band<'a>(
    compared: &[&'a Candidate<'a>],
    band: usize,
    consider: &mut impl FnMut(&'a Candidate<'a>, &'a Candidate<'a>),
) {
    let bins = band * MINHASH_BAND_BINS..(band + 1) * MINHASH_BAND_BINS;
    let mut keyed: Vec<(&[u32], &Candidate)> = compared
        .iter()
        .map(|c| (&c.bands[bins.clone()], *c))
        // An empty bin holds no shingle: two empty bins are no evidence.
        .filter(|(key, _)| !key.contains(&u32::MAX))
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for bucket in keyed.chunk_by(|a, b| a.0 == b.0) {
        each_pair(bucket, |a, b| consider(a.1, b.1));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::model::PageRecord;
    use crate::audit::page::PageFacts;
    use crate::test_fixtures::{default_engine, Stream};

    /// The search as first written: hash-map buckets, every pair of a bucket compared.
    fn reference(engine: &Engine, crawled: &Crawled) -> PageFindings {
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
        let mut first_of_text: HashMap<u64, usize, FastState> = HashMap::default();
        let mut exact_dupes: HashSet<usize, FastState> = HashSet::default();
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
        let mut near: HashSet<(usize, usize), FastState> = HashSet::default();
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
            let mut buckets: HashMap<u64, Vec<(usize, u64)>, FastState> = HashMap::default();
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
            let mut buckets: HashMap<[u32; MINHASH_BAND_BINS], Vec<usize>, FastState> =
                HashMap::default();
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
        report(engine, crawled, findings, near)
    }

    /// Pages in clusters of near texts: a cluster's prints are one print with a few SimHash
    /// bits flipped and some MinHash bins changed; some exact copies, short and
    /// non-indexable pages among them.
    fn crawl(stream: &mut Stream, pages: usize) -> Crawled {
        let mut crawled = Crawled::default();
        let clusters = 1 + stream.below(pages / 3 + 1);
        let bases: Vec<(u64, [u32; MINHASH_BINS])> = (0..clusters)
            .map(|_| {
                let mut bins = [0u32; MINHASH_BINS];
                for bin in &mut bins {
                    *bin = if stream.below(20) == 0 {
                        u32::MAX
                    } else {
                        stream.below(8) as u32
                    };
                }
                (stream.next(), bins)
            })
            .collect();
        for _ in 0..pages {
            let (sim, bins) = bases[stream.below(clusters)];
            let mut print = TextPrint {
                exact: stream.below(pages / 2 + 1) as u64,
                simhash: sim,
                minhash: bins,
                words: 20 + stream.below(200) as u32,
            };
            for _ in 0..stream.below(12) {
                print.simhash ^= 1 << stream.below(64);
            }
            for _ in 0..stream.below(40) {
                print.minhash[stream.below(MINHASH_BINS)] = stream.below(8) as u32;
            }
            let mut facts = PageFacts::default();
            if stream.below(10) != 0 {
                facts.print = Some(print);
            }
            crawled.pages.push(PageRecord {
                url: format!("https://e.test/{:x}", stream.next()),
                indexable: stream.below(8) != 0,
                ..PageRecord::default()
            });
            crawled.facts.push(facts);
        }
        crawled
    }

    fn summary(found: &PageFindings) -> Vec<(usize, String, String, Vec<String>)> {
        found
            .iter()
            .map(|(i, f)| {
                (
                    *i,
                    f.code.to_string(),
                    f.message.to_string(),
                    f.related.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn banded_search_finds_what_the_bucket_pairs_find() {
        let engine = default_engine();
        let mut stream = Stream(0x0ddb_1a5e);
        let mut near_found = 0;
        for round in 0..300 {
            let pages = 2 + stream.below(120);
            let crawled = crawl(&mut stream, pages);
            let got = summary(&check(&engine, &crawled));
            near_found += got
                .iter()
                .filter(|f| f.1 == codes::NEAR_DUPLICATE_CONTENT)
                .count();
            assert_eq!(got, summary(&reference(&engine, &crawled)), "round {round}");
        }
        assert!(
            near_found > 100,
            "the generated sites have near duplicates: {near_found}"
        );
    }
}
