//! `y = x · Wᵀ` for a 4-bit weight with one f32 scale and one f32 minimum per block of 32, the
//! way GGUF's Q4_1 stores it (`w = d · q + m`, `q` in 0..16), computed exactly in f32 in one
//! pass. ONNX Runtime's MatMulNBits takes only integer zero points, so in a standard graph each
//! such linear is three nodes (the 4-bit product, the per-block input sums, and one small
//! product with the minimums); on SmolLM2-135M those extra nodes are about a fifth of a decode
//! step. [`crate::llm::custom_ops`] runs this kernel as one node of the head-less graph instead.
//!
//! Weight layout: `packed` is MatMulNBits' own `[n, k/32, 16]` bytes (so both graphs share
//! them), byte `i` of a block holding elements `2i` (low nibble) and `2i+1` (high nibble);
//! `params` is `[n, k/32, 2]`: each block's scale and minimum next to each other, so a column
//! reads its codes and its block parameters as two forward streams. (The minimums stored
//! `[k/32, n]` for the standard graph's product cost a strided read per block: half the time
//! of a decode step's linear when the weights come from memory.)
use crate::error::{Error, Result};
use std::ops::Range;

/// Elements per block (one scale and one offset each).
pub const BLOCK: usize = 32;
/// Bytes of 4-bit codes per block.
const BLOB: usize = BLOCK / 2;
/// Columns per parallel task when decoding: small enough to balance two threads over a
/// 576-wide output.
pub const COLUMNS_PER_TASK: usize = 16;
/// From this many input rows (prefill) a task dequantizes its columns to f32 once and runs an
/// f32 GEMM over all rows; below it each block's codes are widened per row group instead.
pub const GEMM_MIN_ROWS: usize = 8;
/// Columns per parallel task on the GEMM path: wide enough that dequantizing the columns (and,
/// without AVX-512, the GEMM's packing of the input rows) is a small share of a task's work,
/// narrow enough to balance two threads over a 576-wide output.
pub const GEMM_COLUMNS_PER_TASK: usize = 32;

/// The weight of one linear, borrowed from the graph's initializers.
#[derive(Debug, Clone, Copy)]
pub struct BlockMinWeights<'w> {
    n: usize,
    k: usize,
    packed: &'w [u8],
    params: &'w [f32],
}

impl<'w> BlockMinWeights<'w> {
    /// Checks that the parts have the sizes an `[n, k]` weight needs.
    pub fn new(n: usize, k: usize, packed: &'w [u8], params: &'w [f32]) -> Result<Self> {
        let blocks = n.checked_mul(k / BLOCK);
        if n == 0
            || k == 0
            || !k.is_multiple_of(BLOCK)
            || blocks.and_then(|b| b.checked_mul(BLOB)) != Some(packed.len())
            || blocks.and_then(|b| b.checked_mul(2)) != Some(params.len())
        {
            return Err(Error::Other(anyhow::anyhow!(
                "a {n}x{k} block weight needs k a multiple of {BLOCK}, {} code bytes and {} \
                 block parameters; got {} and {}",
                blocks.unwrap_or(0).saturating_mul(BLOB),
                blocks.unwrap_or(0).saturating_mul(2),
                packed.len(),
                params.len()
            )));
        }
        Ok(BlockMinWeights {
            n,
            k,
            packed,
            params,
        })
    }

    /// Parallel tasks of [`Self::columns_into`] for the whole output of `rows` input rows.
    pub fn tasks(&self, rows: usize) -> usize {
        self.n.div_ceil(task_width(rows))
    }

    /// The columns task `task` computes for `rows` input rows.
    pub fn task_columns(&self, rows: usize, task: usize) -> Range<usize> {
        let width = task_width(rows);
        let start = (task * width).min(self.n);
        start..(start + width).min(self.n)
    }

    /// `out = x · Wᵀ` for `x` of `[rows, k]` and `out` of `[rows, n]`; `run_tasks(total, task)`
    /// calls `task(i)` once for each `i < total`, in any order and on any threads.
    pub fn matmul(
        &self,
        x: &[f32],
        out: &mut [f32],
        input: &mut PreparedInput,
        run_tasks: impl FnOnce(usize, &(dyn Fn(usize) + Sync)),
    ) -> Result<()> {
        if !x.len().is_multiple_of(self.k) || out.len() != x.len() / self.k * self.n {
            return Err(Error::Other(anyhow::anyhow!(
                "a {}x{} block weight cannot take an input of {} values into {} outputs",
                self.n,
                self.k,
                x.len(),
                out.len()
            )));
        }
        let rows = x.len() / self.k;
        let writer = ColumnWriter {
            out: out.as_mut_ptr(),
            rows,
            n: self.n,
        };
        let kernel = Kernel::detect();
        #[cfg(target_arch = "x86_64")]
        if rows >= GEMM_MIN_ROWS && kernel == Kernel::Avx512 {
            input.prepare(x, self.k, kernel);
            let input = &*input;
            run_tasks(self.tasks(rows), &|task| {
                let columns = self.task_columns(rows, task);
                // SAFETY: `detect` found AVX-512F; every task writes only its own columns
                // (`task_columns` ranges are disjoint), within the `rows × n` buffer `writer`
                // was made from.
                unsafe { self.columns_by_tiles_avx512(input, columns, &writer) }
            });
            return Ok(());
        }
        if rows >= GEMM_MIN_ROWS {
            run_tasks(self.tasks(rows), &|task| {
                let columns = self.task_columns(rows, task);
                // SAFETY: as above.
                unsafe { self.columns_by_gemm(x, columns, &writer) }
            });
            return Ok(());
        }
        input.prepare(x, self.k, kernel);
        let input = &*input;
        run_tasks(self.tasks(rows), &|task| {
            let columns = self.task_columns(rows, task);
            // SAFETY: as above.
            unsafe { self.columns_into(kernel, input, columns, &writer) }
        });
        Ok(())
    }

    /// `columns` of the weight as f32, `[column][k]`: `scale · q + minimum`.
    fn dequantize_columns(&self, columns: Range<usize>, panel: &mut Vec<f32>) {
        let blocks = self.k / BLOCK;
        panel.clear();
        panel.reserve(columns.len() * self.k);
        for column in columns {
            for b in 0..blocks {
                let at = column * blocks + b;
                let (scale, minimum) = (self.params[2 * at], self.params[2 * at + 1]);
                for &byte in &self.packed[at * BLOB..][..BLOB] {
                    panel.push(scale * f32::from(byte & 0x0f) + minimum);
                    panel.push(scale * f32::from(byte >> 4) + minimum);
                }
            }
        }
    }

    /// Writes `out[r, c]` for every row of `x` and every column in `columns`, through one f32
    /// GEMM over the dequantized columns.
    ///
    /// # Safety
    /// No other thread may touch these columns of `writer`'s buffer meanwhile.
    unsafe fn columns_by_gemm(&self, x: &[f32], columns: Range<usize>, writer: &ColumnWriter) {
        PANEL.with_borrow_mut(|panel| {
            self.dequantize_columns(columns.clone(), panel);
            let (k, n) = (self.k as isize, self.n as isize);
            // SAFETY: `x` is `rows × k` row-major, `panel` holds `columns.len()` columns of `k`
            // values each (element (i, j) at j·k + i), and the output block starts at column
            // `columns.start` of the `rows × n` buffer with row stride n; the caller owns those
            // columns.
            unsafe {
                matrixmultiply::sgemm(
                    writer.rows,
                    self.k,
                    columns.len(),
                    1.0,
                    x.as_ptr(),
                    k,
                    1,
                    panel.as_ptr(),
                    1,
                    k,
                    0.0,
                    writer.out.add(columns.start),
                    n,
                    1,
                )
            };
        });
    }

    /// Writes `out[r, c]` for every row and every column in `columns`.
    ///
    /// # Safety
    /// No other thread may touch these columns of `writer`'s buffer meanwhile.
    unsafe fn columns_into(
        &self,
        kernel: Kernel,
        input: &PreparedInput,
        columns: Range<usize>,
        writer: &ColumnWriter,
    ) {
        let blocks = self.k / BLOCK;
        #[cfg(target_arch = "x86_64")]
        if kernel == Kernel::Avx512 && input.rows == 1 {
            // Decoding: four columns at a time share each block's inputs.
            let mut column = columns.start;
            while column < columns.end {
                let take = (columns.end - column).min(4);
                let codes = &self.packed[column * blocks * BLOB..(column + take) * blocks * BLOB];
                let params = &self.params[column * blocks * 2..(column + take) * blocks * 2];
                let mut dots = [0f32; 4];
                // SAFETY (all arms): `detect` chose AVX-512 only after checking for AVX-512F.
                unsafe {
                    match take {
                        4 => dot_columns_avx512::<4>(codes, params, input, &mut dots),
                        3 => dot_columns_avx512::<3>(codes, params, input, &mut dots),
                        2 => dot_columns_avx512::<2>(codes, params, input, &mut dots),
                        _ => dot_columns_avx512::<1>(codes, params, input, &mut dots),
                    }
                }
                for (i, &dot) in dots[..take].iter().enumerate() {
                    // SAFETY: the caller owns these columns.
                    unsafe { writer.set(0, column + i, dot) };
                }
                column += take;
            }
            return;
        }
        for column in columns {
            let codes = &self.packed[column * blocks * BLOB..(column + 1) * blocks * BLOB];
            let params = &self.params[column * blocks * 2..(column + 1) * blocks * 2];
            let mut row = 0;
            while row < input.rows {
                let take = (input.rows - row).min(4);
                let mut dots = [0f32; 4];
                kernel.dot_rows(codes, params, input, row..row + take, &mut dots[..take]);
                for (i, &dot) in dots[..take].iter().enumerate() {
                    // SAFETY: the caller owns this column.
                    unsafe { writer.set(row + i, column, dot) };
                }
                row += take;
            }
        }
    }
}

thread_local! {
    /// A task's dequantized columns on the GEMM paths, kept per thread between calls.
    static PANEL: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Columns per task: narrow when decoding, wider on the GEMM path.
fn task_width(rows: usize) -> usize {
    if rows >= GEMM_MIN_ROWS {
        GEMM_COLUMNS_PER_TASK
    } else {
        COLUMNS_PER_TASK
    }
}

/// The input rows rearranged for the kernel, reused between calls so decoding allocates nothing.
#[derive(Debug, Default)]
pub struct PreparedInput {
    rows: usize,
    /// Each block of 32 in the order the kernel widens the codes in (low nibbles are even
    /// elements, high nibbles odd ones): `0,2,…,14, 1,3,…,15, 16,18,…,30, 17,19,…,31`, or with
    /// AVX-512 `0,2,…,30, 1,3,…,31`.
    permuted: Vec<f32>,
    /// `[rows, k/32]` block sums `Σ_block x`.
    sums: Vec<f32>,
}

impl PreparedInput {
    fn prepare(&mut self, x: &[f32], k: usize, kernel: Kernel) {
        self.rows = x.len() / k;
        self.permuted.clear();
        self.permuted.reserve(x.len());
        self.sums.clear();
        self.sums.reserve(x.len() / BLOCK);
        // The order each kernel widens a block's 16 code bytes in: AVX-512 all 16 at once
        // (low nibbles = even elements, then high = odd), the others 8 bytes at a time.
        let group = if kernel.widens_whole_blocks() {
            BLOCK
        } else {
            BLOCK / 2
        };
        for block in x.chunks_exact(BLOCK) {
            for part in block.chunks_exact(group) {
                self.permuted.extend(part.iter().step_by(2));
                self.permuted.extend(part.iter().skip(1).step_by(2));
            }
            self.sums.push(block.iter().sum());
        }
    }
}

/// A `[rows, n]` output shared by the column tasks.
struct ColumnWriter {
    out: *mut f32,
    rows: usize,
    n: usize,
}

// SAFETY: tasks write disjoint columns (see `BlockMinWeights::matmul`).
unsafe impl Sync for ColumnWriter {}

impl ColumnWriter {
    /// # Safety
    /// `row < rows`, `column < n`, and no other thread touches that element meanwhile.
    unsafe fn set(&self, row: usize, column: usize, value: f32) {
        debug_assert!(row < self.rows && column < self.n);
        // SAFETY: in bounds per the caller.
        unsafe { *self.out.add(row * self.n + column) = value };
    }
}

/// The widest kernel this CPU runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") {
                return Kernel::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// Whether the kernel widens a block's 16 code bytes in one go (see
    /// [`PreparedInput::permuted`]).
    fn widens_whole_blocks(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        if self == Kernel::Avx512 {
            return true;
        }
        false
    }

    /// `dots[i] = Σ_b (scale_b · Σ_j q_j · x_j + minimum_b · Σ_j x_j)` for row `rows.start + i`
    /// and one column's `codes` and block `params`.
    fn dot_rows(
        self,
        codes: &[u8],
        params: &[f32],
        input: &PreparedInput,
        rows: Range<usize>,
        dots: &mut [f32],
    ) {
        match self {
            Kernel::Portable => dot_rows_portable(codes, params, input, rows, dots),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => match rows.len() {
                // SAFETY (all arms): `detect` chose AVX2 only after checking for AVX2 and FMA.
                4 => unsafe { dot_rows_avx2::<4>(codes, params, input, rows.start, dots) },
                3 => unsafe { dot_rows_avx2::<3>(codes, params, input, rows.start, dots) },
                2 => unsafe { dot_rows_avx2::<2>(codes, params, input, rows.start, dots) },
                _ => unsafe { dot_rows_avx2::<1>(codes, params, input, rows.start, dots) },
            },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => match rows.len() {
                // SAFETY (all arms): `detect` chose AVX-512 only after checking for AVX-512F.
                4 => unsafe { dot_rows_avx512::<4>(codes, params, input, rows.start, dots) },
                3 => unsafe { dot_rows_avx512::<3>(codes, params, input, rows.start, dots) },
                2 => unsafe { dot_rows_avx512::<2>(codes, params, input, rows.start, dots) },
                _ => unsafe { dot_rows_avx512::<1>(codes, params, input, rows.start, dots) },
            },
        }
    }
}

fn dot_rows_portable(
    codes: &[u8],
    params: &[f32],
    input: &PreparedInput,
    rows: Range<usize>,
    dots: &mut [f32],
) {
    let blocks = params.len() / 2;
    let k = blocks * BLOCK;
    for (row, dot) in rows.zip(dots.iter_mut()) {
        let x = &input.permuted[row * k..(row + 1) * k];
        let sums = &input.sums[row * blocks..(row + 1) * blocks];
        *dot = 0.0;
        for (b, (pair, &sum)) in params.chunks_exact(2).zip(sums).enumerate() {
            let q = &codes[b * BLOB..(b + 1) * BLOB];
            let x = &x[b * BLOCK..(b + 1) * BLOCK];
            let mut block = 0f32;
            for half in 0..2 {
                for i in 0..8 {
                    let byte = q[half * 8 + i];
                    block += f32::from(byte & 0x0f) * x[half * 16 + i];
                    block += f32::from(byte >> 4) * x[half * 16 + 8 + i];
                }
            }
            *dot += pair[0] * block + pair[1] * sum;
        }
    }
}

/// `(blocks, k)` of one column's `codes` and `params`, after checking that `rows` of `input`
/// and `dots` have room for them (the SIMD kernels read by pointer within these bounds).
fn row_group_shape(
    codes: &[u8],
    params: &[f32],
    input: &PreparedInput,
    rows: Range<usize>,
    dots: &[f32],
) -> (usize, usize) {
    let blocks = params.len() / 2;
    let k = blocks * BLOCK;
    assert!(
        codes.len() == blocks * BLOB
            && input.permuted.len() >= rows.end * k
            && input.sums.len() >= rows.end * blocks
            && dots.len() >= rows.len()
    );
    (blocks, k)
}

/// [`dot_rows_portable`] for `R` rows at once with AVX2: each block's 16 code bytes are widened
/// once (two 8-byte zero extensions to i32 lanes, then the low and high nibble of each lane)
/// and meet all `R` rows, so prefill pays for the widening once per `R` rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn dot_rows_avx2<const R: usize>(
    codes: &[u8],
    params: &[f32],
    input: &PreparedInput,
    first_row: usize,
    dots: &mut [f32],
) {
    use std::arch::x86_64::*;
    let (blocks, k) = row_group_shape(codes, params, input, first_row..first_row + R, dots);
    let mask = _mm256_set1_epi32(0x0f);
    let mut acc = [_mm256_setzero_ps(); R];
    let mut minimum_terms = [0f32; R];
    for b in 0..blocks {
        // SAFETY: block `b` of `codes` is 16 bytes (checked above); each load reads 8 of them.
        let (low_half, high_half) = unsafe {
            let q = codes.as_ptr().add(b * BLOB);
            (
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(q.cast::<__m128i>())),
                _mm256_cvtepu8_epi32(_mm_loadl_epi64(q.add(8).cast::<__m128i>())),
            )
        };
        let w0 = _mm256_cvtepi32_ps(_mm256_and_si256(low_half, mask));
        let w1 = _mm256_cvtepi32_ps(_mm256_srli_epi32(low_half, 4));
        let w2 = _mm256_cvtepi32_ps(_mm256_and_si256(high_half, mask));
        let w3 = _mm256_cvtepi32_ps(_mm256_srli_epi32(high_half, 4));
        let (scale, minimum) = (params[2 * b], params[2 * b + 1]);
        let scale8 = _mm256_set1_ps(scale);
        for r in 0..R {
            let row = first_row + r;
            // SAFETY: row `row`'s block `b` is 32 floats inside `permuted` (checked above).
            let dot = unsafe {
                let x = input.permuted.as_ptr().add(row * k + b * BLOCK);
                let d = _mm256_mul_ps(w0, _mm256_loadu_ps(x));
                let d = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x.add(8)), d);
                let d = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x.add(16)), d);
                _mm256_fmadd_ps(w3, _mm256_loadu_ps(x.add(24)), d)
            };
            acc[r] = _mm256_fmadd_ps(dot, scale8, acc[r]);
            minimum_terms[r] += minimum * input.sums[row * blocks + b];
        }
    }
    for r in 0..R {
        let total = acc[r];
        let halves = _mm_add_ps(
            _mm256_castps256_ps128(total),
            _mm256_extractf128_ps(total, 1),
        );
        let pairs = _mm_add_ps(halves, _mm_movehl_ps(halves, halves));
        let single = _mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1));
        dots[r] = _mm_cvtss_f32(single) + minimum_terms[r];
    }
}

/// [`dot_rows_avx2`] with 512-bit registers: one zero extension widens a block's 16 code bytes
/// to 16 lanes, whose low and high nibbles are the block's even and odd elements; two fused
/// multiply-adds per block and row. Two partial sums per row alternate between blocks so
/// consecutive blocks do not wait on each other's addition.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn dot_rows_avx512<const R: usize>(
    codes: &[u8],
    params: &[f32],
    input: &PreparedInput,
    first_row: usize,
    dots: &mut [f32],
) {
    use std::arch::x86_64::*;
    let (blocks, k) = row_group_shape(codes, params, input, first_row..first_row + R, dots);
    let mask = _mm512_set1_epi32(0x0f);
    let mut acc = [[_mm512_setzero_ps(); 2]; R];
    let mut minimum_terms = [0f32; R];
    for b in 0..blocks {
        // SAFETY: block `b` of `codes` is 16 bytes (checked above).
        let wide =
            unsafe { _mm512_cvtepu8_epi32(_mm_loadu_si128(codes.as_ptr().add(b * BLOB).cast())) };
        let even = _mm512_cvtepi32_ps(_mm512_and_si512(wide, mask));
        let odd = _mm512_cvtepi32_ps(_mm512_srli_epi32(wide, 4));
        let (scale, minimum) = (params[2 * b], params[2 * b + 1]);
        let scale16 = _mm512_set1_ps(scale);
        for r in 0..R {
            let row = first_row + r;
            // SAFETY: row `row`'s block `b` is 32 floats inside `permuted` (checked above).
            let dot = unsafe {
                let x = input.permuted.as_ptr().add(row * k + b * BLOCK);
                let d = _mm512_mul_ps(even, _mm512_loadu_ps(x));
                _mm512_fmadd_ps(odd, _mm512_loadu_ps(x.add(16)), d)
            };
            acc[r][b % 2] = _mm512_fmadd_ps(dot, scale16, acc[r][b % 2]);
            minimum_terms[r] += minimum * input.sums[row * blocks + b];
        }
    }
    for r in 0..R {
        let total = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
        dots[r] = total + minimum_terms[r];
    }
}

/// One input row against `C` consecutive columns (`codes` and `params` hold those columns):
/// each block's 32 inputs are loaded once for all `C` columns, and every column has its own
/// running sum, so no addition waits on another.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn dot_columns_avx512<const C: usize>(
    codes: &[u8],
    params: &[f32],
    input: &PreparedInput,
    dots: &mut [f32; 4],
) {
    use std::arch::x86_64::*;
    let blocks = params.len() / 2 / C;
    let k = blocks * BLOCK;
    assert!(
        C <= 4
            && params.len() == C * blocks * 2
            && codes.len() == C * blocks * BLOB
            && input.permuted.len() >= k
            && input.sums.len() >= blocks
    );
    let mask = _mm512_set1_epi32(0x0f);
    let mut acc = [_mm512_setzero_ps(); C];
    let mut minimum_terms = [0f32; C];
    for b in 0..blocks {
        // SAFETY: block `b`'s 32 inputs lie inside `permuted` (checked above).
        let (x_even, x_odd) = unsafe {
            let x = input.permuted.as_ptr().add(b * BLOCK);
            (_mm512_loadu_ps(x), _mm512_loadu_ps(x.add(16)))
        };
        let sum = input.sums[b];
        for c in 0..C {
            // SAFETY: column `c`'s block `b` is 16 bytes inside `codes` (checked above).
            let wide = unsafe {
                _mm512_cvtepu8_epi32(_mm_loadu_si128(
                    codes.as_ptr().add((c * blocks + b) * BLOB).cast(),
                ))
            };
            let even = _mm512_cvtepi32_ps(_mm512_and_si512(wide, mask));
            let odd = _mm512_cvtepi32_ps(_mm512_srli_epi32(wide, 4));
            let dot = _mm512_fmadd_ps(odd, x_odd, _mm512_mul_ps(even, x_even));
            let at = 2 * (c * blocks + b);
            acc[c] = _mm512_fmadd_ps(dot, _mm512_set1_ps(params[at]), acc[c]);
            minimum_terms[c] += params[at + 1] * sum;
        }
    }
    for c in 0..C {
        dots[c] = _mm512_reduce_add_ps(acc[c]) + minimum_terms[c];
    }
}

impl BlockMinWeights<'_> {
    /// Writes `out[r, c]` for every row and every column in `columns` with AVX-512: the columns
    /// are dequantized to f32 once, in the AVX-512 block order of [`PreparedInput::permuted`],
    /// then tiles of up to 4 rows × 4 columns take 16 fused multiply-adds per 16 inputs.
    ///
    /// # Safety
    /// The CPU has AVX-512F, `input` was prepared for [`Kernel::Avx512`], and no other thread
    /// touches these columns of `writer`'s buffer meanwhile.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn columns_by_tiles_avx512(
        &self,
        input: &PreparedInput,
        columns: Range<usize>,
        writer: &ColumnWriter,
    ) {
        PANEL.with_borrow_mut(|panel| {
            self.dequantize_permuted_avx512(columns.clone(), panel);
            let k = self.k;
            let width = columns.len();
            let mut row = 0;
            while row < input.rows {
                let rows = (input.rows - row).min(4);
                let mut column = 0;
                while column < width {
                    let cols = (width - column).min(4);
                    let x = &input.permuted[row * k..(row + rows) * k];
                    let w = &panel[column * k..(column + cols) * k];
                    let mut tile = [[0f32; 4]; 4];
                    match (rows, cols) {
                        (4, 4) => tile_avx512::<4, 4>(x, w, k, &mut tile),
                        (4, c) => tile_any_columns::<4>(x, w, k, c, &mut tile),
                        (3, c) => tile_any_columns::<3>(x, w, k, c, &mut tile),
                        (2, c) => tile_any_columns::<2>(x, w, k, c, &mut tile),
                        (_, c) => tile_any_columns::<1>(x, w, k, c, &mut tile),
                    }
                    for (r, values) in tile.iter().enumerate().take(rows) {
                        for (c, &value) in values.iter().enumerate().take(cols) {
                            // SAFETY: the caller owns these columns.
                            unsafe { writer.set(row + r, columns.start + column + c, value) };
                        }
                    }
                    column += cols;
                }
                row += rows;
            }
        });
    }

    /// `columns` as f32 `[column][k]`, each block in the AVX-512 order (even elements, then odd):
    /// `scale · q + minimum`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn dequantize_permuted_avx512(&self, columns: Range<usize>, panel: &mut Vec<f32>) {
        use std::arch::x86_64::*;
        let blocks = self.k / BLOCK;
        panel.clear();
        panel.resize(columns.len() * self.k, 0.0);
        let mask = _mm512_set1_epi32(0x0f);
        for (index, column) in columns.enumerate() {
            for b in 0..blocks {
                let at = column * blocks + b;
                let (scale, base) = (self.params[2 * at], self.params[2 * at + 1]);
                let codes = &self.packed[at * BLOB..][..BLOB];
                let out = &mut panel[index * self.k + b * BLOCK..][..BLOCK];
                // SAFETY: `codes` is 16 bytes and `out` 32 floats.
                unsafe {
                    let wide = _mm512_cvtepu8_epi32(_mm_loadu_si128(codes.as_ptr().cast()));
                    let even = _mm512_cvtepi32_ps(_mm512_and_si512(wide, mask));
                    let odd = _mm512_cvtepi32_ps(_mm512_srli_epi32(wide, 4));
                    let (scale, base) = (_mm512_set1_ps(scale), _mm512_set1_ps(base));
                    _mm512_storeu_ps(out.as_mut_ptr(), _mm512_fmadd_ps(even, scale, base));
                    _mm512_storeu_ps(out.as_mut_ptr().add(16), _mm512_fmadd_ps(odd, scale, base));
                }
            }
        }
    }
}

/// [`tile_avx512`] for a column count known only at run time (the last, narrower tile).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn tile_any_columns<const R: usize>(
    x: &[f32],
    w: &[f32],
    k: usize,
    cols: usize,
    tile: &mut [[f32; 4]; 4],
) {
    match cols {
        4 => tile_avx512::<R, 4>(x, w, k, tile),
        3 => tile_avx512::<R, 3>(x, w, k, tile),
        2 => tile_avx512::<R, 2>(x, w, k, tile),
        _ => tile_avx512::<R, 1>(x, w, k, tile),
    }
}

/// The two 256-bit halves of `a` added.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn halves_added(a: std::arch::x86_64::__m512) -> std::arch::x86_64::__m256 {
    use std::arch::x86_64::*;
    let high = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
    _mm256_add_ps(_mm512_castps512_ps256(a), high)
}

/// `tile[r][c] = Σ_i x[r·k + i] · w[c·k + i]` for `R` rows and `C` columns, 16 inputs a step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn tile_avx512<const R: usize, const C: usize>(
    x: &[f32],
    w: &[f32],
    k: usize,
    tile: &mut [[f32; 4]; 4],
) {
    use std::arch::x86_64::*;
    assert!(x.len() >= R * k && w.len() >= C * k && k.is_multiple_of(16) && R <= 4 && C <= 4);
    let mut acc = [[_mm512_setzero_ps(); C]; R];
    let mut i = 0;
    while i < k {
        // SAFETY: `i + 16 <= k` and the slices hold `R` and `C` rows of `k` (checked above).
        unsafe {
            let mut ws = [_mm512_setzero_ps(); C];
            for (c, wv) in ws.iter_mut().enumerate() {
                *wv = _mm512_loadu_ps(w.as_ptr().add(c * k + i));
            }
            for (r, row_acc) in acc.iter_mut().enumerate() {
                let xv = _mm512_loadu_ps(x.as_ptr().add(r * k + i));
                for (a, &wv) in row_acc.iter_mut().zip(&ws) {
                    *a = _mm512_fmadd_ps(xv, wv, *a);
                }
            }
        }
        i += 16;
    }
    for (r, row_acc) in acc.iter().enumerate() {
        if C == 4 {
            // Four sums at once: halves added, then a tree of horizontal adds.
            let pairs = _mm256_hadd_ps(
                _mm256_hadd_ps(halves_added(row_acc[0]), halves_added(row_acc[1])),
                _mm256_hadd_ps(halves_added(row_acc[2]), halves_added(row_acc[3])),
            );
            let sums = _mm_add_ps(
                _mm256_castps256_ps128(pairs),
                _mm256_extractf128_ps(pairs, 1),
            );
            // SAFETY: `tile[r]` is 4 floats.
            unsafe { _mm_storeu_ps(tile[r].as_mut_ptr(), sums) };
        } else {
            for (c, &a) in row_acc.iter().enumerate() {
                tile[r][c] = _mm512_reduce_add_ps(a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_fixtures::Stream;

    struct Weight {
        n: usize,
        k: usize,
        packed: Vec<u8>,
        params: Vec<f32>,
    }

    impl Weight {
        fn random(n: usize, k: usize, seed: u64) -> Self {
            let mut s = Stream(seed);
            let blocks = n * k / BLOCK;
            Weight {
                n,
                k,
                packed: (0..blocks * BLOB).map(|_| s.next() as u8).collect(),
                params: (0..blocks)
                    .flat_map(|_| [s.unit() * 0.05, s.unit() * 0.2])
                    .collect(),
            }
        }

        fn weights(&self) -> BlockMinWeights<'_> {
            BlockMinWeights::new(self.n, self.k, &self.packed, &self.params).expect("sizes")
        }

        /// Weight `(c, j)` straight from the layout's definition, in f64.
        fn at(&self, c: usize, j: usize) -> f64 {
            let blocks = self.k / BLOCK;
            let b = j / BLOCK;
            let byte = self.packed[(c * blocks + b) * BLOB + (j % BLOCK) / 2];
            let q = if j.is_multiple_of(2) {
                byte & 0x0f
            } else {
                byte >> 4
            };
            let at = c * blocks + b;
            f64::from(self.params[2 * at]) * f64::from(q) + f64::from(self.params[2 * at + 1])
        }
    }

    fn naive(weight: &Weight, x: &[f32]) -> Vec<f64> {
        let rows = x.len() / weight.k;
        let mut out = vec![0f64; rows * weight.n];
        for r in 0..rows {
            for c in 0..weight.n {
                out[r * weight.n + c] = (0..weight.k)
                    .map(|j| weight.at(c, j) * f64::from(x[r * weight.k + j]))
                    .sum();
            }
        }
        out
    }

    /// Which code path computes the product.
    #[derive(Debug, Clone, Copy)]
    enum Path {
        /// What [`BlockMinWeights::matmul`] picks for this CPU and row count.
        Auto,
        /// The per-block kernel (fewer than [`GEMM_MIN_ROWS`] rows).
        Blocks(Kernel),
        /// Dequantized columns through `matrixmultiply` (many rows without AVX-512).
        Gemm,
    }

    /// The kernels this CPU runs, widest last.
    fn kernels() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                kernels.push(Kernel::Avx2);
            }
            if is_x86_feature_detected!("avx512f") {
                kernels.push(Kernel::Avx512);
            }
        }
        kernels
    }

    fn run(weight: &Weight, x: &[f32], path: Path) -> Vec<f32> {
        let weights = weight.weights();
        let rows = x.len() / weight.k;
        let mut out = vec![f32::NAN; rows * weight.n];
        let mut input = PreparedInput::default();
        let writer = ColumnWriter {
            out: out.as_mut_ptr(),
            rows,
            n: weight.n,
        };
        match path {
            Path::Auto => {
                weights
                    .matmul(x, &mut out, &mut input, |total, task| {
                        // Reverse order, to show that tasks do not depend on running in order.
                        (0..total).rev().for_each(task)
                    })
                    .expect("matmul");
            }
            Path::Blocks(kernel) => {
                input.prepare(x, weight.k, kernel);
                for task in 0..weights.tasks(rows) {
                    let columns = weights.task_columns(rows, task);
                    // SAFETY: one thread, tasks one after another.
                    unsafe { weights.columns_into(kernel, &input, columns, &writer) };
                }
            }
            Path::Gemm => {
                for task in 0..weights.tasks(rows) {
                    let columns = weights.task_columns(rows, task);
                    // SAFETY: one thread, tasks one after another.
                    unsafe { weights.columns_by_gemm(x, columns, &writer) };
                }
            }
        }
        out
    }

    fn assert_close(got: &[f32], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            let tolerance = 1e-4 * (1.0 + w.abs());
            assert!(
                (f64::from(g) - w).abs() <= tolerance,
                "element {i}: {g} against {w}"
            );
        }
    }

    #[test]
    fn every_kernel_matches_the_layout_definition_on_odd_sizes() {
        // Output widths that are not multiples of the task width, and row counts that leave
        // every remainder of the 4-row kernel.
        let shapes = [
            (1, 32, 1),
            (7, 64, 1),
            (18, 96, 1),
            (17, 64, 2),
            (37, 96, 3),
            (50, 160, 5),
            (33, 32, 7),
        ];
        for (n, k, rows) in shapes {
            assert!(rows < GEMM_MIN_ROWS);
            let weight = Weight::random(n, k, 7 + n as u64);
            let mut s = Stream(99 + k as u64);
            let x: Vec<f32> = (0..rows * k).map(|_| s.unit()).collect();
            let want = naive(&weight, &x);
            assert_close(&run(&weight, &x, Path::Auto), &want);
            for kernel in kernels() {
                assert_close(&run(&weight, &x, Path::Blocks(kernel)), &want);
            }
        }
    }

    #[test]
    fn the_gemm_path_for_many_rows_matches_the_layout_definition() {
        // Widths around the GEMM task width, rows from the GEMM threshold up.
        for (n, k, rows) in [(63, 64, GEMM_MIN_ROWS), (65, 96, 9), (130, 64, 21)] {
            let weight = Weight::random(n, k, 11 + n as u64);
            let mut s = Stream(3 + rows as u64);
            let x: Vec<f32> = (0..rows * k).map(|_| s.unit()).collect();
            let want = naive(&weight, &x);
            assert_close(&run(&weight, &x, Path::Auto), &want);
            assert_close(&run(&weight, &x, Path::Gemm), &want);
        }
    }

    #[test]
    fn misshapen_weights_and_inputs_are_refused() {
        let weight = Weight::random(4, 64, 1);
        assert!(BlockMinWeights::new(4, 48, &weight.packed, &weight.params).is_err());
        assert!(BlockMinWeights::new(4, 64, &weight.packed[1..], &weight.params).is_err());
        assert!(BlockMinWeights::new(4, 64, &weight.packed, &weight.params[1..]).is_err());
        assert!(BlockMinWeights::new(5, 64, &weight.packed, &weight.params).is_err());
        let weights = weight.weights();
        let mut out = vec![0f32; 4];
        let mut input = PreparedInput::default();
        assert!(weights
            .matmul(&[0.0; 63], &mut out, &mut input, |t, f| (0..t).for_each(f))
            .is_err());
        assert!(weights
            .matmul(&[0.0; 128], &mut out, &mut input, |t, f| (0..t).for_each(f))
            .is_err());
    }

    #[test]
    fn the_prepared_input_is_reused_for_other_shapes() {
        let weight = Weight::random(20, 64, 3);
        let weights = weight.weights();
        let mut input = PreparedInput::default();
        let mut s = Stream(5);
        for rows in [6, 1, 12, 3] {
            let x: Vec<f32> = (0..rows * 64).map(|_| s.unit()).collect();
            let mut out = vec![0f32; rows * 20];
            weights
                .matmul(&x, &mut out, &mut input, |t, f| (0..t).for_each(f))
                .expect("matmul");
            assert_close(&out, &naive(&weight, &x));
        }
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    /// Not a check: prints the kernel's speed on SmolLM2-135M's widest linear shape, over
    /// 60 copies of the weight (about 80 MB) so that they come from memory as in a decode step.
    /// `cargo test --release --lib block_min_matmul::speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing run"]
    fn kernel_speed() {
        let (n, k, copies) = (3072, 576, 60);
        let blocks = n * k / BLOCK;
        let packed: Vec<Vec<u8>> = (0..copies)
            .map(|c| (0..blocks * BLOB).map(|i| (i * 7 + 3 + c) as u8).collect())
            .collect();
        let params: Vec<f32> = (0..2 * blocks)
            .map(|i| (i % 13) as f32 * 0.01 - 0.05)
            .collect();
        let weights: Vec<BlockMinWeights> = packed
            .iter()
            .map(|p| BlockMinWeights::new(n, k, p, &params).expect("sizes"))
            .collect();
        let mut input = PreparedInput::default();
        for rows in [1, 42] {
            let x: Vec<f32> = (0..rows * k).map(|i| (i % 17) as f32 * 0.1 - 0.8).collect();
            let mut out = vec![0f32; rows * n];
            let rounds = if rows == 1 { 20 } else { 2 };
            let mut best = f64::MAX;
            for _ in 0..5 {
                let start = std::time::Instant::now();
                for _ in 0..rounds {
                    for weight in &weights {
                        weight
                            .matmul(&x, &mut out, &mut input, |t, f| (0..t).for_each(f))
                            .expect("matmul");
                    }
                }
                best = best.min(start.elapsed().as_secs_f64() / (rounds * copies) as f64);
            }
            let macs = (rows * n * k) as f64;
            println!(
                "rows {rows}: {:.1} us per call, {:.1} GMAC/s (best of 5)",
                best * 1e6,
                macs / best / 1e9
            );
        }
    }
}
