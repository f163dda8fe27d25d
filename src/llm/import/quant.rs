//! Weight encodings for linear layers: block quantization for `com.microsoft::MatMulNBits`
//! (asymmetric, per block of 32 inputs, uint8 zero points) and plain fp16/fp32.
use crate::error::{Error, Result};
use crate::llm::weights::{BlockFormat, StoredBlocks};
use half::f16;
use std::str::FromStr;

/// Inputs per quantization block (MatMulNBits `block_size`).
pub const BLOCK_SIZE: usize = 32;
/// MatMulNBits' implied zero point for 8 bits when the graph gives none.
pub const DEFAULT_ZERO_POINT_8BIT: u8 = 128;
/// MatMulNBits' implied zero point for 4 bits when the graph gives none.
pub const DEFAULT_ZERO_POINT_4BIT: u8 = 8;

/// How linear-layer weights are stored in the exported graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quant {
    Int4,
    #[default]
    Int8,
    Fp16,
    Fp32,
}

impl Quant {
    pub fn as_str(self) -> &'static str {
        match self {
            Quant::Int4 => "int4",
            Quant::Int8 => "int8",
            Quant::Fp16 => "fp16",
            Quant::Fp32 => "fp32",
        }
    }
    /// Bits per weight for MatMulNBits blocks when the encoding always uses them (int4); int8
    /// depends on [`crate::llm::import::graph::Int8Kernel`].
    pub fn block_bits(self) -> Option<usize> {
        match self {
            Quant::Int4 => Some(4),
            Quant::Int8 | Quant::Fp16 | Quant::Fp32 => None,
        }
    }
}

impl std::fmt::Display for Quant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Quant {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "int4" | "q4" => Ok(Quant::Int4),
            "int8" | "q8" => Ok(Quant::Int8),
            "fp16" | "f16" => Ok(Quant::Fp16),
            "fp32" | "f32" => Ok(Quant::Fp32),
            _ => Err(Error::Usage(format!(
                "unknown quantization `{text}`: expected int4, int8, fp16 or fp32"
            ))),
        }
    }
}

/// A `[n, k]` weight quantized in MatMulNBits layout.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockQuantized {
    pub bits: usize,
    pub n: usize,
    pub k: usize,
    pub blocks_per_row: usize,
    /// `[n, blocks_per_row, BLOCK_SIZE * bits / 8]`; for 4 bits element 2i is the low nibble.
    pub packed: Vec<u8>,
    /// `[n * blocks_per_row]`.
    pub scales: Vec<f32>,
    /// 8 bits: `[n * blocks_per_row]`; 4 bits: two per byte, `[n * ceil(blocks_per_row / 2)]`.
    pub zero_points: Vec<u8>,
}

/// Quantize a row-major `[n, k]` matrix (PyTorch `[out, in]`) per block of [`BLOCK_SIZE`] inputs.
/// The block range always includes zero so that padding and exact zeros stay exact.
pub fn quantize_blocks(data: &[f32], n: usize, k: usize, bits: usize) -> Result<BlockQuantized> {
    if bits != 4 && bits != 8 {
        return Err(Error::Usage(format!(
            "MatMulNBits supports 4 or 8 bits, not {bits}"
        )));
    }
    if data.len() != n * k {
        return Err(Error::Other(anyhow::anyhow!(
            "weight has {} values, expected {n}x{k}",
            data.len()
        )));
    }
    let levels = ((1usize << bits) - 1) as f32;
    let blocks_per_row = k.div_ceil(BLOCK_SIZE);
    let blob = BLOCK_SIZE * bits / 8;
    let zp_row = if bits == 8 {
        blocks_per_row
    } else {
        blocks_per_row.div_ceil(2)
    };
    let mut packed = vec![0u8; n * blocks_per_row * blob];
    let mut scales = vec![0f32; n * blocks_per_row];
    let mut zero_points = vec![0u8; n * zp_row];
    let mut codes = [0u8; BLOCK_SIZE];
    for row in 0..n {
        let row_data = &data[row * k..(row + 1) * k];
        for block in 0..blocks_per_row {
            let start = block * BLOCK_SIZE;
            let end = (start + BLOCK_SIZE).min(k);
            let values = &row_data[start..end];
            let min = values.iter().copied().fold(0f32, f32::min);
            let max = values.iter().copied().fold(0f32, f32::max);
            let (scale, zero_point) = if bits == 8 {
                // Symmetric around MatMulNBits' implied 8-bit zero point, so the graph
                // passes no zero points.
                let absmax = max.max(-min);
                let scale = if absmax > 0.0 { absmax / 127.0 } else { 1.0 };
                (scale, DEFAULT_ZERO_POINT_8BIT)
            } else {
                let scale = if max > min { (max - min) / levels } else { 1.0 };
                (scale, (-min / scale).round().clamp(0.0, levels) as u8)
            };
            codes.fill(zero_point);
            for (code, &value) in codes.iter_mut().zip(values) {
                *code = (value / scale + f32::from(zero_point))
                    .round()
                    .clamp(0.0, levels) as u8;
            }
            let index = row * blocks_per_row + block;
            scales[index] = scale;
            let out = &mut packed[index * blob..(index + 1) * blob];
            if bits == 8 {
                out.copy_from_slice(&codes);
                zero_points[row * zp_row + block] = zero_point;
            } else {
                for (pair, byte) in codes.chunks_exact(2).zip(out.iter_mut()) {
                    *byte = pair[0] | (pair[1] << 4);
                }
                let slot = &mut zero_points[row * zp_row + block / 2];
                *slot |= if block % 2 == 0 {
                    zero_point
                } else {
                    zero_point << 4
                };
            }
        }
    }
    Ok(BlockQuantized {
        bits,
        n,
        k,
        blocks_per_row,
        packed,
        scales,
        zero_points,
    })
}

impl BlockQuantized {
    /// The zero point of block `block` of row `row`.
    pub fn zero_point(&self, row: usize, block: usize) -> u8 {
        if self.bits == 8 {
            return self.zero_points[row * self.blocks_per_row + block];
        }
        let byte = self.zero_points[row * self.blocks_per_row.div_ceil(2) + block / 2];
        if block.is_multiple_of(2) {
            byte & 0x0f
        } else {
            byte >> 4
        }
    }

    /// Every block uses MatMulNBits' implied zero point, so the graph can leave the zero-point
    /// input out. ONNX Runtime's f32-activation CPU kernel is then faster (SmolLM2-135M Q4_1:
    /// about 5% per decode step single-threaded).
    pub fn has_only_implied_zero_points(&self) -> bool {
        let implied = if self.bits == 8 {
            DEFAULT_ZERO_POINT_8BIT
        } else {
            DEFAULT_ZERO_POINT_4BIT
        };
        (0..self.n)
            .all(|row| (0..self.blocks_per_row).all(|block| self.zero_point(row, block) == implied))
    }

    /// The `[n, k]` matrix these codes stand for (MatMulNBits semantics: `(q - zp) * scale`).
    pub fn dequantize(&self) -> Vec<f32> {
        let blob = BLOCK_SIZE * self.bits / 8;
        let mut out = vec![0f32; self.n * self.k];
        for row in 0..self.n {
            for block in 0..self.blocks_per_row {
                let index = row * self.blocks_per_row + block;
                let zp = self.zero_point(row, block);
                let codes = &self.packed[index * blob..(index + 1) * blob];
                for j in 0..BLOCK_SIZE {
                    let col = block * BLOCK_SIZE + j;
                    if col >= self.k {
                        break;
                    }
                    let q = if self.bits == 8 {
                        codes[j]
                    } else if j % 2 == 0 {
                        codes[j / 2] & 0x0f
                    } else {
                        codes[j / 2] >> 4
                    };
                    out[row * self.k + col] = (f32::from(q) - f32::from(zp)) * self.scales[index];
                }
            }
        }
        out
    }
}

/// A stored GGUF weight as MatMulNBits blocks with the same codes and scales.
#[derive(Debug, Clone, PartialEq)]
pub struct RepackedBlocks {
    pub blocks: BlockQuantized,
    /// Q4_1 only: each block's offset `c` with `x = (q − zp)·d + c`, `[n, blocks_per_row]`.
    /// MatMulNBits' fast kernels take only integer zero points, so the graph adds
    /// `Σ_block c · Σ_block x` as a separate small product instead. Normally `zp` is the
    /// implied 8 and `c = m + 8d` (`x = q·d + m`), which f32 holds exactly for every block of
    /// real files; if one block's `m + 8d` would round, the whole weight keeps `zp` 0 and `c = m`.
    pub block_mins: Option<Vec<f32>>,
}

impl RepackedBlocks {
    /// The `[n, k]` matrix the stored blocks stand for, computed the way ggml dequantizes.
    pub fn dequantize(&self) -> Vec<f32> {
        let mut out = self.blocks.dequantize();
        if let Some(mins) = &self.block_mins {
            let k = self.blocks.k;
            for (i, value) in out.iter_mut().enumerate() {
                *value += mins[(i / k) * self.blocks.blocks_per_row + (i % k) / BLOCK_SIZE];
            }
        }
        out
    }
}

/// `m ← m + 8d` for every block when each sum is exact in f32 (checked in f64); `false`, with
/// `mins` untouched, otherwise.
fn shift_mins_to_implied_zero_point(mins: &mut [f32], scales: &[f32]) -> bool {
    let zero = f32::from(DEFAULT_ZERO_POINT_4BIT);
    let exact = mins.iter().zip(scales).all(|(&m, &d)| {
        let shifted = m + zero * d;
        f64::from(shifted) == f64::from(m) + f64::from(zero) * f64::from(d) && shifted.is_finite()
    });
    if exact {
        for (m, &d) in mins.iter_mut().zip(scales) {
            *m += zero * d;
        }
    }
    exact
}

fn f16_at(bytes: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([bytes[at], bytes[at + 1]]).to_f32()
}

/// Repack Q4_0 / Q4_1 / Q8_0 blocks for MatMulNBits without re-quantizing: codes and scales
/// are copied (ggml keeps element j in the low nibble of byte j and element j+16 in its high
/// nibble; MatMulNBits keeps elements 2i and 2i+1 in byte i), Q4_0's offset 8 and Q8_0's
/// signed codes become MatMulNBits' implied zero points 8 and 128.
pub fn repack_stored_blocks(stored: &StoredBlocks) -> Result<RepackedBlocks> {
    let (n, k, format) = (stored.rows, stored.cols, stored.format);
    let blocks_per_row = k / BLOCK_SIZE;
    if !k.is_multiple_of(BLOCK_SIZE)
        || stored.bytes.len() != n * blocks_per_row * format.block_bytes()
    {
        return Err(Error::Other(anyhow::anyhow!(
            "{format:?} weight {n}x{k} has {} bytes, expected {}",
            stored.bytes.len(),
            n * blocks_per_row * format.block_bytes()
        )));
    }
    let bits = format.bits();
    let blob = BLOCK_SIZE * bits / 8;
    let total = n * blocks_per_row;
    let mut packed = vec![0u8; total * blob];
    let mut scales = vec![0f32; total];
    let mut mins = (format == BlockFormat::Q4_1).then(|| vec![0f32; total]);
    for (index, block) in stored.bytes.chunks_exact(format.block_bytes()).enumerate() {
        scales[index] = f16_at(block, 0);
        let out = &mut packed[index * blob..(index + 1) * blob];
        let codes = match format {
            BlockFormat::Q4_0 => &block[2..18],
            BlockFormat::Q4_1 => {
                if let Some(mins) = mins.as_mut() {
                    mins[index] = f16_at(block, 2);
                }
                &block[4..20]
            }
            BlockFormat::Q8_0 => {
                for (code, &q) in out.iter_mut().zip(&block[2..34]) {
                    *code = (q as i8 as i16 + 128) as u8;
                }
                continue;
            }
        };
        let nibble = |j: usize| {
            if j < 16 {
                codes[j] & 0x0f
            } else {
                codes[j - 16] >> 4
            }
        };
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = nibble(2 * i) | (nibble(2 * i + 1) << 4);
        }
    }
    // Q4_1 moves its offset onto the implied zero point 8 when that stays exact (see
    // `RepackedBlocks::block_mins`), so the graph can drop the zero-point input.
    let q4_1_implied = match mins.as_mut() {
        Some(mins) => shift_mins_to_implied_zero_point(mins, &scales),
        None => false,
    };
    let zero_points = match format {
        BlockFormat::Q8_0 => vec![DEFAULT_ZERO_POINT_8BIT; total],
        BlockFormat::Q4_0 | BlockFormat::Q4_1 => {
            let zero = if format == BlockFormat::Q4_0 || q4_1_implied {
                DEFAULT_ZERO_POINT_4BIT
            } else {
                0
            };
            let zp_row = blocks_per_row.div_ceil(2);
            let mut zp = vec![0u8; n * zp_row];
            for row in 0..n {
                for block in 0..blocks_per_row {
                    zp[row * zp_row + block / 2] |= zero << (4 * (block % 2));
                }
            }
            zp
        }
    };
    Ok(RepackedBlocks {
        blocks: BlockQuantized {
            bits,
            n,
            k,
            blocks_per_row,
            packed,
            scales,
            zero_points,
        },
        block_mins: mins,
    })
}

/// Q8_0 blocks as 4-bit MatMulNBits blocks over a doubled input `[x, x]` (`k' = 2k`), exactly:
/// with `u = q + 128 = 16·h + l` (nibbles `h`, `l`), `d·q = 16d·(h − 8) + d·l`. The first `k`
/// columns carry the high nibbles (scale 16d, zero point 8), the last `k` the low ones (scale
/// d, zero point 0). 4-bit kernels then run the Q8_0 weight with f32 activations, which ONNX
/// Runtime's 8-bit kernels do only by dequantizing the whole matrix on every call.
pub fn split_q8_0_into_nibbles(stored: &StoredBlocks) -> Result<BlockQuantized> {
    let (n, k) = (stored.rows, stored.cols);
    let blocks_per_row = k / BLOCK_SIZE;
    let expected = n * blocks_per_row * BlockFormat::Q8_0.block_bytes();
    if stored.format != BlockFormat::Q8_0
        || !k.is_multiple_of(BLOCK_SIZE)
        || stored.bytes.len() != expected
    {
        return Err(Error::Other(anyhow::anyhow!(
            "expected a {n}x{k} Q8_0 weight of {expected} bytes, got {:?} with {} bytes",
            stored.format,
            stored.bytes.len()
        )));
    }
    let split_blocks = 2 * blocks_per_row;
    let blob = BLOCK_SIZE / 2;
    let zp_row = split_blocks.div_ceil(2);
    let mut packed = vec![0u8; n * split_blocks * blob];
    let mut scales = vec![0f32; n * split_blocks];
    let mut zero_points = vec![0u8; n * zp_row];
    for row in 0..n {
        for block in 0..blocks_per_row {
            let at = (row * blocks_per_row + block) * BlockFormat::Q8_0.block_bytes();
            let src = &stored.bytes[at..at + BlockFormat::Q8_0.block_bytes()];
            let d = f16_at(src, 0);
            let unsigned = |j: usize| (src[2 + j] as i8 as i16 + 128) as u8;
            let (high, low) = (
                row * split_blocks + block,
                row * split_blocks + blocks_per_row + block,
            );
            scales[high] = 16.0 * d;
            scales[low] = d;
            for i in 0..blob {
                let (a, b) = (unsigned(2 * i), unsigned(2 * i + 1));
                packed[high * blob + i] = (a >> 4) | (b & 0xf0);
                packed[low * blob + i] = (a & 0x0f) | ((b & 0x0f) << 4);
            }
            // High-nibble blocks sit at even or odd positions like any other block.
            zero_points[row * zp_row + block / 2] |= 8 << (4 * (block % 2));
        }
    }
    Ok(BlockQuantized {
        bits: 4,
        n,
        k: 2 * k,
        blocks_per_row: split_blocks,
        packed,
        scales,
        zero_points,
    })
}

/// A `[n, k]` weight quantized symmetrically to int8 per output channel, stored transposed
/// (`[k, n]`, ONNX MatMul layout) for `com.microsoft::DynamicQuantizeMatMul`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelQuantized {
    pub n: usize,
    pub k: usize,
    /// `[k, n]`.
    pub values: Vec<i8>,
    /// `[n]`: weight = value * scale.
    pub scales: Vec<f32>,
}

pub fn quantize_per_channel_i8(data: &[f32], n: usize, k: usize) -> Result<ChannelQuantized> {
    if data.len() != n * k {
        return Err(Error::Other(anyhow::anyhow!(
            "weight has {} values, expected {n}x{k}",
            data.len()
        )));
    }
    let mut values = vec![0i8; n * k];
    let mut scales = vec![1f32; n];
    for row in 0..n {
        let row_data = &data[row * k..(row + 1) * k];
        let absmax = row_data.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if absmax > 0.0 { absmax / 127.0 } else { 1.0 };
        scales[row] = scale;
        for (col, v) in row_data.iter().enumerate() {
            values[col * n + row] = (v / scale).round().clamp(-127.0, 127.0) as i8;
        }
    }
    Ok(ChannelQuantized {
        n,
        k,
        values,
        scales,
    })
}

impl ChannelQuantized {
    /// The `[n, k]` matrix these values stand for.
    pub fn dequantize(&self) -> Vec<f32> {
        let mut out = vec![0f32; self.n * self.k];
        for row in 0..self.n {
            for col in 0..self.k {
                out[row * self.k + col] =
                    f32::from(self.values[col * self.n + row]) * self.scales[row];
            }
        }
        out
    }
}

/// Transpose a row-major `[rows, cols]` matrix (PyTorch `[out, in]` to ONNX MatMul `[in, out]`).
pub fn transpose(data: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize, k: usize) -> Vec<f32> {
        (0..n * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
            .collect()
    }

    #[test]
    fn int8_round_trip_error_is_below_half_a_step() {
        let (n, k) = (3, 70);
        let data = sample(n, k);
        let q = quantize_blocks(&data, n, k, 8).expect("quantize");
        let back = q.dequantize();
        for (i, (a, b)) in data.iter().zip(&back).enumerate() {
            let scale = q.scales[(i / k) * q.blocks_per_row + (i % k) / BLOCK_SIZE];
            assert!((a - b).abs() <= scale * 0.5 + 1e-6, "{i}: {a} vs {b}");
        }
    }

    #[test]
    fn int4_packs_two_codes_per_byte_and_round_trips() {
        let (n, k) = (2, 96);
        let data = sample(n, k);
        let q = quantize_blocks(&data, n, k, 4).expect("quantize");
        assert_eq!(q.packed.len(), n * 3 * 16);
        assert_eq!(q.zero_points.len(), n * 2);
        let back = q.dequantize();
        for (i, (a, b)) in data.iter().zip(&back).enumerate() {
            let scale = q.scales[(i / k) * q.blocks_per_row + (i % k) / BLOCK_SIZE];
            assert!((a - b).abs() <= scale * 0.5 + 1e-6, "{i}: {a} vs {b}");
        }
    }

    #[test]
    fn int8_per_channel_round_trip_and_layout() {
        let (n, k) = (3, 5);
        let data = sample(n, k);
        let q = quantize_per_channel_i8(&data, n, k).expect("quantize");
        // Stored transposed: element (row 1, col 2) sits at [2, 1].
        assert_eq!(
            f32::from(q.values[2 * n + 1]) * q.scales[1],
            q.dequantize()[k + 2]
        );
        for (i, (a, b)) in data.iter().zip(q.dequantize()).enumerate() {
            assert!(
                (a - b).abs() <= q.scales[i / k] * 0.5 + 1e-6,
                "{i}: {a} vs {b}"
            );
        }
    }

    /// ggml blocks with varied codes, scales and minimums, as the GGUF writer lays them out.
    fn stored(format: BlockFormat, rows: usize, cols: usize) -> StoredBlocks {
        let mut bytes = Vec::new();
        for block in 0..rows * cols / BLOCK_SIZE {
            let d = f16::from_f32(0.01 + block as f32 * 0.003);
            bytes.extend_from_slice(&d.to_le_bytes());
            match format {
                BlockFormat::Q4_1 => {
                    let m = f16::from_f32(-0.07 * (block % 5) as f32);
                    bytes.extend_from_slice(&m.to_le_bytes());
                    bytes.extend((0..16).map(|j| ((j * 7 + block) % 256) as u8));
                }
                BlockFormat::Q4_0 => {
                    bytes.extend((0..16).map(|j| ((j * 13 + block * 3) % 256) as u8))
                }
                BlockFormat::Q8_0 => bytes.extend((0..32).map(|j| (j * 29 + block * 11) as u8)),
            }
        }
        StoredBlocks {
            format,
            rows,
            cols,
            bytes,
        }
    }

    #[test]
    fn repacked_blocks_equal_ggml_dequantization_bit_for_bit() {
        use crate::llm::gguf::dequant::dequantize;
        use crate::llm::gguf::GgmlType;
        for (format, ty) in [
            (BlockFormat::Q4_0, GgmlType::Q4_0),
            (BlockFormat::Q4_1, GgmlType::Q4_1),
            (BlockFormat::Q8_0, GgmlType::Q8_0),
        ] {
            // Three blocks per row: an odd count exercises the half-used zero-point byte.
            let blocks = stored(format, 4, 96);
            let want = dequantize(ty, &blocks.bytes).expect("dequantize");
            let repacked = repack_stored_blocks(&blocks).expect("repack");
            assert_eq!(repacked.blocks.bits, format.bits());
            assert_eq!(repacked.block_mins.is_some(), format == BlockFormat::Q4_1);
            assert_eq!(repacked.dequantize(), want, "{format:?}");
        }
    }

    #[test]
    fn q4_1_offsets_move_onto_the_implied_zero_point() {
        let blocks = stored(BlockFormat::Q4_1, 4, 96);
        let repacked = repack_stored_blocks(&blocks).expect("repack");
        assert!(repacked.blocks.has_only_implied_zero_points());
        let offsets = repacked.block_mins.as_ref().expect("Q4_1 offsets");
        for (index, block) in blocks.bytes.chunks_exact(20).enumerate() {
            let (d, m) = (f16_at(block, 0), f16_at(block, 2));
            assert_eq!(offsets[index], m + 8.0 * d, "block {index}");
        }
        // Q4_0 is on the implied zero point already; Q8_0 on the 8-bit one.
        for format in [BlockFormat::Q4_0, BlockFormat::Q8_0] {
            let repacked = repack_stored_blocks(&stored(format, 2, 64)).expect("repack");
            assert!(repacked.blocks.has_only_implied_zero_points(), "{format:?}");
        }
    }

    #[test]
    fn q4_1_keeps_zero_point_0_when_the_shifted_offset_would_round() {
        use crate::llm::gguf::dequant::dequantize;
        use crate::llm::gguf::GgmlType;
        let mut blocks = stored(BlockFormat::Q4_1, 2, 64);
        // Block 1: the smallest f16 scale next to a large minimum: 1024 + 8·2^-24 needs more
        // than f32's 24 significant bits.
        let tiny = f16::from_bits(1).to_le_bytes();
        let large = f16::from_f32(1024.0).to_le_bytes();
        blocks.bytes[20..22].copy_from_slice(&tiny);
        blocks.bytes[22..24].copy_from_slice(&large);
        let repacked = repack_stored_blocks(&blocks).expect("repack");
        assert!(!repacked.blocks.has_only_implied_zero_points());
        assert_eq!(repacked.blocks.zero_point(0, 1), 0);
        assert_eq!(repacked.block_mins.as_ref().map(|m| m[1]), Some(1024.0));
        let want = dequantize(GgmlType::Q4_1, &blocks.bytes).expect("dequantize");
        assert_eq!(repacked.dequantize(), want);
    }

    #[test]
    fn q8_0_split_into_nibbles_sums_back_exactly() {
        use crate::llm::gguf::dequant::dequantize;
        use crate::llm::gguf::GgmlType;
        let (n, k) = (3, 96);
        let blocks = stored(BlockFormat::Q8_0, n, k);
        let want = dequantize(GgmlType::Q8_0, &blocks.bytes).expect("dequantize");
        let split = split_q8_0_into_nibbles(&blocks).expect("split");
        assert_eq!((split.bits, split.k), (4, 2 * k));
        let doubled = split.dequantize();
        for row in 0..n {
            for col in 0..k {
                let sum = doubled[row * 2 * k + col] + doubled[row * 2 * k + k + col];
                assert_eq!(sum, want[row * k + col], "row {row} col {col}");
            }
        }
        assert!(split_q8_0_into_nibbles(&stored(BlockFormat::Q4_1, n, k)).is_err());
    }

    #[test]
    fn repack_rejects_a_wrong_byte_count() {
        let mut blocks = stored(BlockFormat::Q4_1, 2, 64);
        blocks.bytes.pop();
        assert!(repack_stored_blocks(&blocks).is_err());
    }

    #[test]
    fn zeros_stay_exact() {
        let data = vec![0.0; 64];
        let q = quantize_blocks(&data, 1, 64, 4).expect("quantize");
        assert!(q.dequantize().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn quant_names_parse() {
        assert_eq!("INT4".parse::<Quant>().ok(), Some(Quant::Int4));
        assert_eq!("fp16".parse::<Quant>().ok(), Some(Quant::Fp16));
        assert!("int3".parse::<Quant>().is_err());
    }

    #[test]
    fn transpose_swaps_axes() {
        assert_eq!(
            transpose(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3),
            vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
    }
}
