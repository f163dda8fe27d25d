//! The LM head (`logits = W · h`) computed by pressgate itself for a Q8_0 weight, exactly: the
//! i8 codes and one f32 scale per block of 32 stay in memory and meet the f32 hidden state in
//! f32 arithmetic. ONNX Runtime 1.32 can only run this weight exactly as two 4-bit halves over a
//! doubled input (twice the multiply-adds; its 8-bit kernel with f32 activations dequantizes
//! the whole matrix per call), so on SmolLM2-135M this head takes about a third of the time.
use crate::error::{Error, Result};
use crate::llm::weights::BlockFormat;

/// Weights per Q8_0 block (one scale each).
pub const BLOCK: usize = 32;

/// Rows handed to one thread at least: below this, starting a thread costs more than it saves.
const MIN_ROWS_PER_THREAD: usize = 2048;

/// A `[rows, cols]` Q8_0 matrix: weight `(r, c)` is `codes[r·cols + c] · scales[r·cols/32 + c/32]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Q8Head {
    rows: usize,
    cols: usize,
    codes: Vec<i8>,
    scales: Vec<f32>,
}

impl Q8Head {
    /// A head from its codes (row-major) and per-block scales; `cols` must be a multiple of 32.
    pub fn new(rows: usize, cols: usize, codes: Vec<i8>, scales: Vec<f32>) -> Result<Self> {
        let blocks = rows.checked_mul(cols / BLOCK);
        if cols == 0
            || !cols.is_multiple_of(BLOCK)
            || rows.checked_mul(cols) != Some(codes.len())
            || blocks != Some(scales.len())
        {
            return Err(Error::Other(anyhow::anyhow!(
                "Q8_0 head of {rows}x{cols} needs cols a multiple of {BLOCK}, {} codes and {} \
                 scales; got {} and {}",
                rows.saturating_mul(cols),
                blocks.unwrap_or(0),
                codes.len(),
                scales.len()
            )));
        }
        Ok(Q8Head {
            rows,
            cols,
            codes,
            scales,
        })
    }

    /// A head from GGUF Q8_0 blocks (f16 scale, then 32 i8 codes; row-major).
    pub fn from_q8_0_blocks(bytes: &[u8], rows: usize, cols: usize) -> Result<Self> {
        let block_bytes = BlockFormat::Q8_0.block_bytes();
        let blocks = rows.saturating_mul(cols / BLOCK);
        if !cols.is_multiple_of(BLOCK) || bytes.len() != blocks.saturating_mul(block_bytes) {
            return Err(Error::Other(anyhow::anyhow!(
                "expected {rows}x{cols} Q8_0 blocks of {} bytes, got {} bytes",
                blocks.saturating_mul(block_bytes),
                bytes.len()
            )));
        }
        let mut codes = Vec::with_capacity(rows * cols);
        let mut scales = Vec::with_capacity(blocks);
        for block in bytes.chunks_exact(block_bytes) {
            scales.push(half::f16::from_le_bytes([block[0], block[1]]).to_f32());
            codes.extend(block[2..].iter().map(|&b| b as i8));
        }
        Q8Head::new(rows, cols, codes, scales)
    }

    /// The head back from the two 4-bit MatMulNBits halves that
    /// [`crate::llm::import::quant::split_q8_0_into_nibbles`] writes: `packed` is
    /// `[rows, 2·cols/32, 16]` (high-nibble blocks first, then low), `split_scales` is
    /// `[rows, 2·cols/32]` (`16d` for high blocks, `d` for low ones). Every pair of scales is
    /// checked, so a weight in another layout is refused rather than misread.
    pub fn from_nibble_split(
        packed: &[u8],
        split_scales: &[f32],
        rows: usize,
        cols: usize,
    ) -> Result<Self> {
        let blocks_per_row = cols / BLOCK;
        let split_blocks = 2 * blocks_per_row;
        let blob = BLOCK / 2;
        let blocks = rows.saturating_mul(split_blocks);
        if cols == 0
            || !cols.is_multiple_of(BLOCK)
            || packed.len() != blocks.saturating_mul(blob)
            || split_scales.len() != blocks
        {
            return Err(Error::Other(anyhow::anyhow!(
                "LM head halves for a {rows}x{cols} Q8_0 weight need {} packed bytes and {blocks} \
                 scales; got {} and {}",
                blocks.saturating_mul(blob),
                packed.len(),
                split_scales.len()
            )));
        }
        let mut codes = vec![0i8; rows * cols];
        let mut scales = vec![0f32; rows * blocks_per_row];
        for row in 0..rows {
            for block in 0..blocks_per_row {
                let high = row * split_blocks + block;
                let low = high + blocks_per_row;
                let d = split_scales[low];
                if split_scales[high] != 16.0 * d {
                    return Err(Error::Other(anyhow::anyhow!(
                        "LM head row {row} block {block}: scales {} and {d} are not a split Q8_0 \
                         pair",
                        split_scales[high]
                    )));
                }
                scales[row * blocks_per_row + block] = d;
                let (high_bytes, low_bytes) = (
                    &packed[high * blob..(high + 1) * blob],
                    &packed[low * blob..(low + 1) * blob],
                );
                let out = &mut codes[(row * blocks_per_row + block) * BLOCK..][..BLOCK];
                for (i, (&h, &l)) in high_bytes.iter().zip(low_bytes).enumerate() {
                    // Byte i holds weights 2i (low nibble) and 2i+1 (high nibble).
                    let first = ((h & 0x0f) << 4) | (l & 0x0f);
                    let second = (h & 0xf0) | (l >> 4);
                    out[2 * i] = (i16::from(first) - 128) as i8;
                    out[2 * i + 1] = (i16::from(second) - 128) as i8;
                }
            }
        }
        Q8Head::new(rows, cols, codes, scales)
    }

    /// Output size (vocabulary).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Input size (hidden state).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// `out = W · hidden`, the rows split over up to `threads` threads (the caller's included).
    pub fn logits_into(&self, hidden: &[f32], out: &mut [f32], threads: usize) -> Result<()> {
        if hidden.len() != self.cols || out.len() != self.rows {
            return Err(Error::Other(anyhow::anyhow!(
                "LM head is {}x{}: got a hidden state of {} and room for {} logits",
                self.rows,
                self.cols,
                hidden.len(),
                out.len()
            )));
        }
        let kernel = Kernel::detect();
        let threads = threads.clamp(1, self.rows.div_ceil(MIN_ROWS_PER_THREAD).max(1));
        let per_thread = self.rows.div_ceil(threads);
        let blocks_per_row = self.cols / BLOCK;
        std::thread::scope(|scope| {
            let mut chunks = out.chunks_mut(per_thread).enumerate().peekable();
            while let Some((index, chunk)) = chunks.next() {
                let first = index * per_thread;
                let rows = first..first + chunk.len();
                let codes = &self.codes[rows.start * self.cols..rows.end * self.cols];
                let scales = &self.scales[rows.start * blocks_per_row..rows.end * blocks_per_row];
                let mut run = move || kernel.run(codes, scales, hidden, chunk);
                // The calling thread takes the last chunk instead of waiting idle.
                if chunks.peek().is_some() {
                    scope.spawn(run);
                } else {
                    run();
                }
            }
        });
        Ok(())
    }

    /// [`Self::logits_into`] into a new vector.
    pub fn logits(&self, hidden: &[f32], threads: usize) -> Result<Vec<f32>> {
        let mut out = vec![0f32; self.rows];
        self.logits_into(hidden, &mut out, threads)?;
        Ok(out)
    }
}

/// `out[r] = Σ_blocks scale · Σ_i code_i · hidden_i` for each row of `codes`, in plain Rust
/// (any CPU). Each block's products are summed first and scaled once (one multiply per 32
/// weights instead of one per weight).
fn dot_rows_portable(codes: &[i8], scales: &[f32], hidden: &[f32], out: &mut [f32]) {
    let cols = hidden.len();
    let rows = codes
        .chunks_exact(cols)
        .zip(scales.chunks_exact(cols / BLOCK));
    for ((row_codes, row_scales), logit) in rows.zip(out.iter_mut()) {
        let blocks = row_codes
            .chunks_exact(BLOCK)
            .zip(hidden.chunks_exact(BLOCK))
            .zip(row_scales);
        *logit = blocks
            .map(|((q, x), &scale)| {
                let dot: f32 = q.iter().zip(x).map(|(&q, &x)| f32::from(q) * x).sum();
                dot * scale
            })
            .sum();
    }
}

/// The widest kernel this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Kernel::Avx2;
        }
        Kernel::Portable
    }

    fn run(self, codes: &[i8], scales: &[f32], hidden: &[f32], out: &mut [f32]) {
        match self {
            Kernel::Portable => dot_rows_portable(codes, scales, hidden, out),
            // SAFETY: `detect` chose it only after checking that the CPU has AVX2 and FMA.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { dot_rows_avx2(codes, scales, hidden, out) },
        }
    }
}

/// [`dot_rows_portable`] with AVX2 intrinsics: per block of 32, four 8-wide sign extensions
/// (i8 → i32 → f32) and fused multiply-adds, then one FMA by the block's scale into the row's
/// 8 partial sums. Written out rather than left to the auto-vectoriser, which at `opt-level` 2
/// left the loop scalar: 7 ms per SmolLM2 head instead of 1.4 (one thread, release build;
/// with debug assertions, as in the test profiles, this kernel takes about 3.5 ms).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_rows_avx2(codes: &[i8], scales: &[f32], hidden: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::*;
    let cols = hidden.len();
    let rows = codes
        .chunks_exact(cols)
        .zip(scales.chunks_exact(cols / BLOCK));
    for ((row_codes, row_scales), logit) in rows.zip(out.iter_mut()) {
        let mut total = _mm256_setzero_ps();
        let blocks = row_codes
            .chunks_exact(BLOCK)
            .zip(hidden.chunks_exact(BLOCK))
            .zip(row_scales);
        for ((q, x), &scale) in blocks {
            let mut block_sum = _mm256_setzero_ps();
            for (q8, x8) in q.chunks_exact(8).zip(x.chunks_exact(8)) {
                // SAFETY: `q8` holds 8 codes and `x8` 8 floats (`chunks_exact`): exactly what
                // the two unaligned loads read.
                block_sum = unsafe {
                    let bytes = _mm_loadl_epi64(q8.as_ptr().cast::<__m128i>());
                    let weights = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
                    _mm256_fmadd_ps(weights, _mm256_loadu_ps(x8.as_ptr()), block_sum)
                };
            }
            total = _mm256_fmadd_ps(block_sum, _mm256_set1_ps(scale), total);
        }
        // Horizontal sum of the 8 lanes.
        let halves = _mm_add_ps(
            _mm256_castps256_ps128(total),
            _mm256_extractf128_ps(total, 1),
        );
        let pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
        let single = _mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1));
        *logit = _mm_cvtss_f32(single);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::gguf::dequant::dequantize;
    use crate::llm::gguf::GgmlType;
    use crate::llm::import::quant::split_q8_0_into_nibbles;
    use crate::llm::weights::StoredBlocks;

    use crate::test_fixtures::Stream;

    fn random_q8_0(rows: usize, cols: usize, seed: u64) -> Vec<u8> {
        let mut stream = Stream(seed);
        let mut bytes = Vec::new();
        for _ in 0..rows * cols / BLOCK {
            let scale = half::f16::from_f32(stream.unit().abs() * 0.05 + 1e-4);
            bytes.extend(scale.to_le_bytes());
            bytes.extend((0..BLOCK).map(|_| stream.next() as u8));
        }
        bytes
    }

    /// `W · h` in f64 over the dequantized weight: the exact product the head must equal up to
    /// f32 rounding.
    fn naive(dequantized: &[f32], hidden: &[f32]) -> Vec<f32> {
        dequantized
            .chunks_exact(hidden.len())
            .map(|row| {
                let dot: f64 = row
                    .iter()
                    .zip(hidden)
                    .map(|(&w, &x)| f64::from(w) * f64::from(x))
                    .sum();
                dot as f32
            })
            .collect()
    }

    fn check_against_naive(rows: usize, cols: usize, threads: usize, seed: u64) {
        let bytes = random_q8_0(rows, cols, seed);
        let head = Q8Head::from_q8_0_blocks(&bytes, rows, cols).expect("head");
        let dequantized = dequantize(GgmlType::Q8_0, &bytes).expect("dequantize");
        let mut stream = Stream(seed ^ 0x9e37_79b9);
        let hidden: Vec<f32> = (0..cols).map(|_| stream.unit() * 3.0).collect();
        let want = naive(&dequantized, &hidden);
        let got = head.logits(&hidden, threads).expect("logits");
        for (row, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
                "{rows}x{cols}, {threads} threads, row {row}: {g} vs {w}"
            );
        }
        // Every kernel this CPU has gives the same numbers up to f32 rounding.
        let mut portable = vec![0f32; rows];
        Kernel::Portable.run(&head.codes, &head.scales, &hidden, &mut portable);
        for (g, p) in got.iter().zip(&portable) {
            assert!((g - p).abs() <= 1e-4 * (1.0 + p.abs()), "{g} vs {p}");
        }
    }

    #[test]
    fn head_matches_the_dequantized_product_on_odd_sizes() {
        // Odd row counts leave uneven thread chunks; 1, 3 and 18 blocks per row cover rows
        // shorter than, equal to and longer than the lane width.
        for (rows, cols, threads, seed) in [
            (1, 32, 1, 1),
            (7, 96, 2, 2),
            (4099, 32, 3, 3),
            (5003, 576, 2, 4),
            (333, 576, 8, 5),
        ] {
            check_against_naive(rows, cols, threads, seed);
        }
    }

    #[test]
    fn nibble_split_round_trips_to_the_q8_0_codes() {
        let (rows, cols) = (37, 96);
        let bytes = random_q8_0(rows, cols, 9);
        let stored = StoredBlocks {
            format: BlockFormat::Q8_0,
            rows,
            cols,
            bytes: bytes.clone(),
        };
        let split = split_q8_0_into_nibbles(&stored).expect("split");
        let from_split =
            Q8Head::from_nibble_split(&split.packed, &split.scales, rows, cols).expect("join");
        let direct = Q8Head::from_q8_0_blocks(&bytes, rows, cols).expect("head");
        assert_eq!(from_split, direct);
    }

    #[test]
    fn wrong_sizes_and_foreign_layouts_are_errors() {
        assert!(Q8Head::new(2, 30, vec![0; 60], vec![1.0; 2]).is_err());
        assert!(Q8Head::new(2, 32, vec![0; 64], vec![1.0; 3]).is_err());
        assert!(Q8Head::from_q8_0_blocks(&[0; 33], 1, 32).is_err());
        let head = Q8Head::new(2, 32, vec![1; 64], vec![1.0; 2]).expect("head");
        assert!(head.logits(&[0.0; 31], 1).is_err());
        assert_eq!(head.logits(&[1.0; 32], 4).expect("logits"), vec![32.0; 2]);
        // Two 4-bit halves whose scales are not (16d, d) are some other weight.
        let packed = vec![0u8; 2 * 16];
        assert!(Q8Head::from_nibble_split(&packed, &[1.0, 1.0], 1, 32).is_err());
        assert!(Q8Head::from_nibble_split(&packed, &[16.0, 1.0], 1, 32).is_ok());
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// Time of SmolLM2-135M's head (49152×576) per call; run with `--ignored --nocapture` in
    /// an optimised profile.
    #[test]
    #[ignore = "timing run, not a check"]
    fn smollm2_sized_head_time() {
        let (rows, cols) = (49152, 576);
        let codes: Vec<i8> = (0..rows * cols)
            .map(|i| (i * 7 % 251) as u8 as i8)
            .collect();
        let scales: Vec<f32> = (0..rows * cols / BLOCK)
            .map(|i| (i % 13) as f32 * 1e-3)
            .collect();
        let head = Q8Head::new(rows, cols, codes, scales).expect("head");
        let hidden: Vec<f32> = (0..cols).map(|i| (i % 17) as f32 * 0.1 - 0.8).collect();
        let mut out = vec![0f32; rows];
        eprintln!("kernel {:?}", Kernel::detect());
        for threads in [1, 2] {
            let mut times = Vec::new();
            for _ in 0..20 {
                let started = std::time::Instant::now();
                head.logits_into(&hidden, &mut out, threads)
                    .expect("logits");
                times.push(started.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            eprintln!(
                "{threads} thread(s): median {:.3} ms, min {:.3} ms",
                times[10], times[0]
            );
        }
    }
}
