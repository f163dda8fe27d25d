//! Dequantization of ggml tensor data to f32, bit-exact with ggml's `dequantize_row_*`.
//!
//! Block layouts follow ggml-common.h; blocks are independent, so work is split across threads.
use half::{bf16, f16};
use rayon::prelude::*;

use super::types::GgmlType;

/// Blocks handed to one rayon task: large enough to amortise scheduling.
const BLOCKS_PER_TASK: usize = 512;

/// Dequantize `bytes` (whole blocks of `ty`) to f32.
/// Fails with a message naming the type when it is not supported or `bytes` is not whole blocks;
/// the caller adds the tensor name and file.
pub fn dequantize(ty: GgmlType, bytes: &[u8]) -> Result<Vec<f32>, String> {
    let block: fn(&[u8], &mut [f32]) = match ty {
        GgmlType::F32 => block_f32,
        GgmlType::F16 => block_f16,
        GgmlType::Bf16 => block_bf16,
        GgmlType::Q4_0 => block_q4_0,
        GgmlType::Q4_1 => block_q4_1,
        GgmlType::Q5_0 => block_q5_0,
        GgmlType::Q5_1 => block_q5_1,
        GgmlType::Q8_0 => block_q8_0,
        GgmlType::Q2K => block_q2_k,
        GgmlType::Q3K => block_q3_k,
        GgmlType::Q4K => block_q4_k,
        GgmlType::Q5K => block_q5_k,
        GgmlType::Q6K => block_q6_k,
        GgmlType::Q8K => block_q8_k,
        GgmlType::Iq4Nl => block_iq4_nl,
        other => {
            return Err(format!(
                "tensor type {other} cannot be dequantized (supported: F32, F16, BF16, Q4_0, Q4_1, \
                 Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL)"
            ))
        }
    };
    let (block_elems, block_bytes) = ty
        .block_geometry()
        .map(|(e, b)| (e as usize, b as usize))
        .ok_or_else(|| format!("unknown tensor type {ty}"))?;
    if !bytes.len().is_multiple_of(block_bytes) {
        return Err(format!(
            "{} bytes is not a whole number of {ty} blocks ({block_bytes} bytes each)",
            bytes.len()
        ));
    }
    let n_blocks = bytes.len() / block_bytes;
    let mut out = vec![0f32; n_blocks * block_elems];
    out.par_chunks_mut(block_elems * BLOCKS_PER_TASK)
        .zip(bytes.par_chunks(block_bytes * BLOCKS_PER_TASK))
        .for_each(|(out_chunk, in_chunk)| {
            for (y, x) in out_chunk
                .chunks_exact_mut(block_elems)
                .zip(in_chunk.chunks_exact(block_bytes))
            {
                block(x, y);
            }
        });
    Ok(out)
}

fn f16_at(b: &[u8], at: usize) -> f32 {
    f16::from_le_bytes([b[at], b[at + 1]]).to_f32()
}

fn block_f32(x: &[u8], y: &mut [f32]) {
    y[0] = f32::from_le_bytes([x[0], x[1], x[2], x[3]]);
}

fn block_f16(x: &[u8], y: &mut [f32]) {
    y[0] = f16_at(x, 0);
}

fn block_bf16(x: &[u8], y: &mut [f32]) {
    y[0] = bf16::from_le_bytes([x[0], x[1]]).to_f32();
}

/// `block_q4_0 { half d; uint8_t qs[16]; }`: element j in the low nibble of qs[j], j+16 in the high.
fn block_q4_0(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let qs = &x[2..18];
    for j in 0..16 {
        y[j] = ((qs[j] & 0x0F) as i32 - 8) as f32 * d;
        y[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
    }
}

/// `block_q4_1 { half d; half m; uint8_t qs[16]; }`: x = q·d + m.
fn block_q4_1(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let m = f16_at(x, 2);
    let qs = &x[4..20];
    for j in 0..16 {
        y[j] = (qs[j] & 0x0F) as f32 * d + m;
        y[j + 16] = (qs[j] >> 4) as f32 * d + m;
    }
}

/// `block_q5_0 { half d; uint8_t qh[4]; uint8_t qs[16]; }`: bit j of qh is the 5th bit of element j.
fn block_q5_0(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let qh = u32::from_le_bytes([x[2], x[3], x[4], x[5]]);
    let qs = &x[6..22];
    for j in 0..16 {
        let xh0 = (((qh >> j) << 4) & 0x10) as u8;
        let xh1 = ((qh >> (j + 12)) & 0x10) as u8;
        y[j] = (((qs[j] & 0x0F) | xh0) as i32 - 16) as f32 * d;
        y[j + 16] = (((qs[j] >> 4) | xh1) as i32 - 16) as f32 * d;
    }
}

/// `block_q5_1 { half d; half m; uint8_t qh[4]; uint8_t qs[16]; }`.
fn block_q5_1(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let m = f16_at(x, 2);
    let qh = u32::from_le_bytes([x[4], x[5], x[6], x[7]]);
    let qs = &x[8..24];
    for j in 0..16 {
        let xh0 = (((qh >> j) << 4) & 0x10) as u8;
        let xh1 = ((qh >> (j + 12)) & 0x10) as u8;
        y[j] = ((qs[j] & 0x0F) | xh0) as f32 * d + m;
        y[j + 16] = ((qs[j] >> 4) | xh1) as f32 * d + m;
    }
}

/// `block_q8_0 { half d; int8_t qs[32]; }`.
fn block_q8_0(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    for (yj, &q) in y.iter_mut().zip(&x[2..34]) {
        *yj = q as i8 as f32 * d;
    }
}

/// IQ4_NL's non-linear 4-bit code book (`kvalues_iq4nl`).
const IQ4NL_VALUES: [i8; 16] = [
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113,
];

/// `block_iq4_nl { half d; uint8_t qs[16]; }`: Q4_0's nibble layout through a code book.
fn block_iq4_nl(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let qs = &x[2..18];
    for j in 0..16 {
        y[j] = d * IQ4NL_VALUES[(qs[j] & 0x0F) as usize] as f32;
        y[j + 16] = d * IQ4NL_VALUES[(qs[j] >> 4) as usize] as f32;
    }
}

/// `block_q2_K { uint8_t scales[16]; uint8_t qs[64]; half d; half dmin; }`:
/// each scale byte holds a 4-bit scale (low) and a 4-bit min (high) for 16 elements.
fn block_q2_k(x: &[u8], y: &mut [f32]) {
    let scales = &x[0..16];
    let d = f16_at(x, 80);
    let dmin = f16_at(x, 82);
    let mut out = 0;
    let mut is = 0;
    for half_block in 0..2 {
        let q = &x[16 + 32 * half_block..16 + 32 * half_block + 32];
        for shift in [0u32, 2, 4, 6] {
            for part in 0..2 {
                let sc = scales[is];
                is += 1;
                let dl = d * (sc & 0x0F) as f32;
                let ml = dmin * (sc >> 4) as f32;
                for &ql in &q[16 * part..16 * part + 16] {
                    y[out] = dl * ((ql >> shift) & 3) as f32 - ml;
                    out += 1;
                }
            }
        }
    }
}

/// `block_q3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; half d; }`:
/// 2 low bits in qs, a third (inverted: clear means −4) in hmask, sixteen 6-bit scales offset
/// by 32 (low nibbles in bytes 0..8, top 2 bits in bytes 8..12).
fn block_q3_k(x: &[u8], y: &mut [f32]) {
    let hmask = &x[0..32];
    let scales = &x[96..108];
    let d = f16_at(x, 108);
    let scale = |j: usize| -> f32 {
        let low = if j < 8 {
            scales[j] & 0x0F
        } else {
            scales[j - 8] >> 4
        };
        let high = (scales[8 + j % 4] >> (2 * (j / 4))) & 3;
        ((low | (high << 4)) as i32 - 32) as f32
    };
    let mut out = 0;
    for half_block in 0..2 {
        let q = &x[32 + 32 * half_block..32 + 32 * half_block + 32];
        for j in 0..4 {
            let bit = 1u8 << (4 * half_block + j);
            for part in 0..2 {
                let dl = d * scale(8 * half_block + 2 * j + part);
                for l in 16 * part..16 * part + 16 {
                    let low = ((q[l] >> (2 * j)) & 3) as i32;
                    let minus = if hmask[l] & bit != 0 { 0 } else { 4 };
                    y[out] = dl * (low - minus) as f32;
                    out += 1;
                }
            }
        }
    }
}

/// ggml's `get_scale_min_k4`: the 6-bit scale and min of sub-block `j` packed in 12 bytes.
pub fn get_scale_min_k4(j: usize, q: &[u8]) -> (u8, u8) {
    if j < 4 {
        (q[j] & 63, q[j + 4] & 63)
    } else {
        (
            (q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4),
            (q[j + 4] >> 4) | ((q[j] >> 6) << 4),
        )
    }
}

/// `block_q4_K { half d; half dmin; uint8_t scales[12]; uint8_t qs[128]; }`:
/// eight 32-element sub-blocks, x = d·sc·q − dmin·m.
fn block_q4_k(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let dmin = f16_at(x, 2);
    let scales = &x[4..16];
    for chunk in 0..4 {
        let q = &x[16 + 32 * chunk..16 + 32 * chunk + 32];
        let (sc1, m1) = get_scale_min_k4(2 * chunk, scales);
        let (sc2, m2) = get_scale_min_k4(2 * chunk + 1, scales);
        let (d1, min1) = (d * sc1 as f32, dmin * m1 as f32);
        let (d2, min2) = (d * sc2 as f32, dmin * m2 as f32);
        let y = &mut y[64 * chunk..64 * chunk + 64];
        for l in 0..32 {
            y[l] = d1 * (q[l] & 0x0F) as f32 - min1;
            y[l + 32] = d2 * (q[l] >> 4) as f32 - min2;
        }
    }
}

/// `block_q5_K { half d; half dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; }`:
/// Q4_K plus a fifth bit per element from qh (bit 2·chunk for the low nibbles, 2·chunk+1 high).
fn block_q5_k(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 0);
    let dmin = f16_at(x, 2);
    let scales = &x[4..16];
    let qh = &x[16..48];
    for chunk in 0..4 {
        let ql = &x[48 + 32 * chunk..48 + 32 * chunk + 32];
        let (sc1, m1) = get_scale_min_k4(2 * chunk, scales);
        let (sc2, m2) = get_scale_min_k4(2 * chunk + 1, scales);
        let (d1, min1) = (d * sc1 as f32, dmin * m1 as f32);
        let (d2, min2) = (d * sc2 as f32, dmin * m2 as f32);
        let u1 = 1u8 << (2 * chunk);
        let u2 = 2u8 << (2 * chunk);
        let y = &mut y[64 * chunk..64 * chunk + 64];
        for l in 0..32 {
            let hi1 = if qh[l] & u1 != 0 { 16 } else { 0 };
            let hi2 = if qh[l] & u2 != 0 { 16 } else { 0 };
            y[l] = d1 * ((ql[l] & 0x0F) + hi1) as f32 - min1;
            y[l + 32] = d2 * ((ql[l] >> 4) + hi2) as f32 - min2;
        }
    }
}

/// `block_q6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; half d; }`:
/// 6-bit values (low 4 bits in ql, high 2 in qh) minus 32, one signed scale per 16 elements.
fn block_q6_k(x: &[u8], y: &mut [f32]) {
    let d = f16_at(x, 208);
    for n in 0..2 {
        let ql = &x[64 * n..64 * n + 64];
        let qh = &x[128 + 32 * n..128 + 32 * n + 32];
        let sc = &x[192 + 8 * n..192 + 8 * n + 8];
        let y = &mut y[128 * n..128 * n + 128];
        for l in 0..32 {
            let is = l / 16;
            let q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i32 - 32;
            let q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
            let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
            let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
            y[l] = d * (sc[is] as i8) as f32 * q1 as f32;
            y[l + 32] = d * (sc[is + 2] as i8) as f32 * q2 as f32;
            y[l + 64] = d * (sc[is + 4] as i8) as f32 * q3 as f32;
            y[l + 96] = d * (sc[is + 6] as i8) as f32 * q4 as f32;
        }
    }
}

/// `block_q8_K { float d; int8_t qs[256]; int16_t bsums[16]; }` (bsums only speed up dot products).
fn block_q8_k(x: &[u8], y: &mut [f32]) {
    let d = f32::from_le_bytes([x[0], x[1], x[2], x[3]]);
    for (yj, &q) in y.iter_mut().zip(&x[4..260]) {
        *yj = q as i8 as f32 * d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f16_bytes(v: f32) -> [u8; 2] {
        f16::from_f32(v).to_le_bytes()
    }

    /// Sets 4-bit value `q` of element `i` in a 32-element Q4_0-style nibble array.
    fn put_nibble32(qs: &mut [u8], i: usize, q: u8) {
        if i < 16 {
            qs[i] |= q & 0x0F;
        } else {
            qs[i - 16] |= (q & 0x0F) << 4;
        }
    }

    fn assert_close(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "element {i}: got {g}, want {w}"
            );
        }
    }

    #[test]
    fn f32_f16_bf16_decode_exactly() {
        let values = [1.5f32, -2.25, 0.0, 65504.0];
        let f32_bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(dequantize(GgmlType::F32, &f32_bytes).unwrap(), values);
        let f16b: Vec<u8> = values.iter().flat_map(|&v| f16_bytes(v)).collect();
        assert_eq!(dequantize(GgmlType::F16, &f16b).unwrap(), values);
        // bf16 is the top half of an f32.
        let bf: Vec<u8> = [1.5f32, -2.25]
            .iter()
            .flat_map(|v| {
                let b = v.to_bits().to_le_bytes();
                [b[2], b[3]]
            })
            .collect();
        assert_eq!(dequantize(GgmlType::Bf16, &bf).unwrap(), [1.5, -2.25]);
    }

    #[test]
    fn q8_0_hand_built_block() {
        let mut block = f16_bytes(0.5).to_vec();
        block.extend((0..32).map(|i| (i as i8 - 16) as u8));
        let want: Vec<f32> = (0..32).map(|i| (i as f32 - 16.0) * 0.5).collect();
        assert_eq!(dequantize(GgmlType::Q8_0, &block).unwrap(), want);
    }

    #[test]
    fn q4_0_and_q4_1_hand_built_blocks() {
        let q = |i: usize| ((i * 5 + 3) % 16) as u8;
        let mut qs = [0u8; 16];
        for i in 0..32 {
            put_nibble32(&mut qs, i, q(i));
        }
        let mut q4_0 = f16_bytes(2.0).to_vec();
        q4_0.extend_from_slice(&qs);
        let want: Vec<f32> = (0..32).map(|i| (q(i) as f32 - 8.0) * 2.0).collect();
        assert_eq!(dequantize(GgmlType::Q4_0, &q4_0).unwrap(), want);

        let mut q4_1 = f16_bytes(0.25).to_vec();
        q4_1.extend_from_slice(&f16_bytes(-1.0));
        q4_1.extend_from_slice(&qs);
        let want: Vec<f32> = (0..32).map(|i| q(i) as f32 * 0.25 - 1.0).collect();
        assert_eq!(dequantize(GgmlType::Q4_1, &q4_1).unwrap(), want);
    }

    #[test]
    fn q5_0_and_q5_1_use_the_fifth_bit_of_each_element() {
        let q = |i: usize| ((i * 11 + 7) % 32) as u8;
        let mut qs = [0u8; 16];
        let mut qh = 0u32;
        for i in 0..32 {
            put_nibble32(&mut qs, i, q(i) & 0x0F);
            qh |= u32::from(q(i) >> 4) << i;
        }
        let mut q5_0 = f16_bytes(0.5).to_vec();
        q5_0.extend_from_slice(&qh.to_le_bytes());
        q5_0.extend_from_slice(&qs);
        let want: Vec<f32> = (0..32).map(|i| (q(i) as f32 - 16.0) * 0.5).collect();
        assert_eq!(dequantize(GgmlType::Q5_0, &q5_0).unwrap(), want);

        let mut q5_1 = f16_bytes(0.125).to_vec();
        q5_1.extend_from_slice(&f16_bytes(3.0));
        q5_1.extend_from_slice(&qh.to_le_bytes());
        q5_1.extend_from_slice(&qs);
        let want: Vec<f32> = (0..32).map(|i| q(i) as f32 * 0.125 + 3.0).collect();
        assert_eq!(dequantize(GgmlType::Q5_1, &q5_1).unwrap(), want);
    }

    /// Eight 6-bit (scale, min) pairs packed as ggml's `quantize_row_q4_K_ref` does.
    fn pack_k4_scales(sc: [u8; 8], mins: [u8; 8]) -> [u8; 12] {
        let mut out = [0u8; 12];
        for j in 0..8 {
            if j < 4 {
                out[j] = sc[j];
                out[j + 4] = mins[j];
            } else {
                out[j + 4] = (sc[j] & 0x0F) | ((mins[j] & 0x0F) << 4);
                out[j - 4] |= (sc[j] >> 4) << 6;
                out[j] |= (mins[j] >> 4) << 6;
            }
        }
        out
    }

    // High bits set in several scales and mins so the 6-bit unpacking is exercised.
    const K_SCALES: [u8; 8] = [1, 17, 33, 63, 40, 50, 5, 62];
    const K_MINS: [u8; 8] = [0, 63, 20, 35, 48, 7, 16, 60];

    #[test]
    fn get_scale_min_k4_inverts_ggml_packing() {
        let packed = pack_k4_scales(K_SCALES, K_MINS);
        for j in 0..8 {
            assert_eq!(
                get_scale_min_k4(j, &packed),
                (K_SCALES[j], K_MINS[j]),
                "j={j}"
            );
        }
    }

    #[test]
    fn q4_k_and_q5_k_hand_built_blocks() {
        let (d, dmin) = (0.5f32, 0.25f32);
        let q5 = |e: usize| ((e * 7 + 1) % 32) as u8;
        let mut qs = [0u8; 128];
        let mut qh = [0u8; 32];
        for e in 0..256 {
            let (chunk, l, high) = (e / 64, e % 32, (e % 64) >= 32);
            let low4 = q5(e) & 0x0F;
            qs[chunk * 32 + l] |= if high { low4 << 4 } else { low4 };
            let bit = 2 * chunk + usize::from(high);
            qh[l] |= (q5(e) >> 4) << bit;
        }
        let scales = pack_k4_scales(K_SCALES, K_MINS);
        let header: Vec<u8> = [f16_bytes(d), f16_bytes(dmin)].concat();

        let q4_k = [&header[..], &scales, &qs].concat();
        let want: Vec<f32> = (0..256)
            .map(|e| {
                let sb = e / 32;
                d * K_SCALES[sb] as f32 * (q5(e) & 0x0F) as f32 - dmin * K_MINS[sb] as f32
            })
            .collect();
        assert_close(&dequantize(GgmlType::Q4K, &q4_k).unwrap(), &want);

        let q5_k = [&header[..], &scales, &qh, &qs].concat();
        let want: Vec<f32> = (0..256)
            .map(|e| {
                let sb = e / 32;
                d * K_SCALES[sb] as f32 * q5(e) as f32 - dmin * K_MINS[sb] as f32
            })
            .collect();
        assert_close(&dequantize(GgmlType::Q5K, &q5_k).unwrap(), &want);
    }

    #[test]
    fn q6_k_hand_built_block() {
        let d = 0.125f32;
        let q6 = |e: usize| ((e * 13 + 5) % 64) as u8;
        let scales: [i8; 16] = [
            1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 10, 20, -30, 40, -50, 60,
        ];
        let mut ql = [0u8; 128];
        let mut qh = [0u8; 64];
        for e in 0..256 {
            let (n, quarter, l) = (e / 128, (e % 128) / 32, e % 32);
            let low4 = q6(e) & 0x0F;
            let ql_index = 64 * n + l + if quarter % 2 == 1 { 32 } else { 0 };
            ql[ql_index] |= if quarter >= 2 { low4 << 4 } else { low4 };
            qh[32 * n + l] |= (q6(e) >> 4) << (2 * quarter);
        }
        let block = [&ql[..], &qh, &scales.map(|s| s as u8), &f16_bytes(d)].concat();
        let want: Vec<f32> = (0..256)
            .map(|e| {
                let (n, quarter, l) = (e / 128, (e % 128) / 32, e % 32);
                let sc = scales[8 * n + l / 16 + 2 * quarter];
                d * sc as f32 * (q6(e) as f32 - 32.0)
            })
            .collect();
        assert_close(&dequantize(GgmlType::Q6K, &block).unwrap(), &want);
    }

    #[test]
    fn q2_k_and_q8_k_hand_built_blocks() {
        let (d, dmin) = (0.5f32, 0.25f32);
        let q2 = |e: usize| ((e * 3 + e / 7) % 4) as u8;
        let scales: [u8; 16] = std::array::from_fn(|i| ((i * 5 % 16) | ((15 - i) << 4)) as u8);
        let mut qs = [0u8; 64];
        for e in 0..256 {
            let (half, r) = (e / 128, e % 128);
            let (shift, part, l) = (r / 32, (r % 32) / 16, r % 16);
            qs[32 * half + 16 * part + l] |= q2(e) << (2 * shift);
        }
        let block = [&scales[..], &qs, &f16_bytes(d), &f16_bytes(dmin)].concat();
        let want: Vec<f32> = (0..256)
            .map(|e| {
                let (half, r) = (e / 128, e % 128);
                let sc = scales[8 * half + 2 * (r / 32) + (r % 32) / 16];
                d * (sc & 0x0F) as f32 * q2(e) as f32 - dmin * (sc >> 4) as f32
            })
            .collect();
        assert_close(&dequantize(GgmlType::Q2K, &block).unwrap(), &want);

        let mut q8_k = 0.75f32.to_le_bytes().to_vec();
        q8_k.extend((0..256).map(|i| (i as u8).wrapping_sub(128)));
        q8_k.extend([0u8; 32]);
        let want: Vec<f32> = (0..256).map(|i| (i as f32 - 128.0) * 0.75).collect();
        assert_eq!(dequantize(GgmlType::Q8K, &q8_k).unwrap(), want);
    }

    #[test]
    fn q3_k_hand_built_block() {
        let d = 0.5f32;
        // Signed 3-bit values -4..=3 and 6-bit scales, packed as `quantize_row_q3_K_ref` does.
        let q3 = |e: usize| ((e * 5 + e / 3) % 8) as i32 - 4;
        let ls: [u8; 16] = std::array::from_fn(|j| ((j * 13 + 7) % 64) as u8);
        let mut scales = [0u8; 12];
        for (j, &l) in ls.iter().enumerate() {
            if j < 8 {
                scales[j] = l & 0x0F;
            } else {
                scales[j - 8] |= (l & 0x0F) << 4;
            }
            scales[j % 4 + 8] |= (l >> 4) << (2 * (j / 4));
        }
        let mut hmask = [0u8; 32];
        let mut qs = [0u8; 64];
        for e in 0..256 {
            let (half, r) = (e / 128, e % 128);
            let (j, l) = (r / 32, r % 32);
            let stored = (q3(e) + 4) as u8; // 0..=7: bit 2 is the hmask bit
            qs[32 * half + l] |= (stored & 3) << (2 * j);
            hmask[l] |= (stored >> 2) << (4 * half + j);
        }
        let block = [&hmask[..], &qs, &scales, &f16_bytes(d)].concat();
        let want: Vec<f32> = (0..256)
            .map(|e| {
                let (half, r) = (e / 128, e % 128);
                let sc = ls[8 * half + 2 * (r / 32) + (r % 32) / 16] as f32 - 32.0;
                d * sc * q3(e) as f32
            })
            .collect();
        assert_close(&dequantize(GgmlType::Q3K, &block).unwrap(), &want);
    }

    /// An independent ggml-reference quantizer, written element-wise, to check dequantization
    /// on many blocks of generated data.
    fn quantize_ref(ty: GgmlType, values: &[f32]) -> Vec<u8> {
        let mut out = Vec::new();
        for block in values.chunks(32) {
            match ty {
                GgmlType::Q8_0 => {
                    let amax = block.iter().map(|v| v.abs()).fold(0.0, f32::max);
                    let d = amax / 127.0;
                    out.extend_from_slice(&f16_bytes(d));
                    out.extend(block.iter().map(|v| (v / d).round() as i8 as u8));
                }
                GgmlType::Q4_0 => {
                    let max = *block
                        .iter()
                        .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                        .unwrap();
                    let d = max / -8.0;
                    out.extend_from_slice(&f16_bytes(d));
                    let mut qs = [0u8; 16];
                    for (i, v) in block.iter().enumerate() {
                        put_nibble32(&mut qs, i, ((v / d + 8.5) as i8).min(15) as u8);
                    }
                    out.extend_from_slice(&qs);
                }
                GgmlType::Q4_1 => {
                    let min = block.iter().copied().fold(f32::INFINITY, f32::min);
                    let max = block.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let d = (max - min) / 15.0;
                    out.extend_from_slice(&f16_bytes(d));
                    out.extend_from_slice(&f16_bytes(min));
                    let mut qs = [0u8; 16];
                    for (i, v) in block.iter().enumerate() {
                        put_nibble32(&mut qs, i, (((v - min) / d + 0.5) as i8).min(15) as u8);
                    }
                    out.extend_from_slice(&qs);
                }
                _ => unreachable!("test quantizer covers Q8_0, Q4_0, Q4_1"),
            }
        }
        out
    }

    #[test]
    fn quantize_then_dequantize_stays_within_half_a_step() {
        let values: Vec<f32> = (0..32 * 700)
            .map(|i| ((i as f32 * 0.37).sin() * 3.0) + (i % 7) as f32 * 0.1)
            .collect();
        for (ty, levels) in [
            (GgmlType::Q8_0, 254.0),
            (GgmlType::Q4_0, 16.0),
            (GgmlType::Q4_1, 15.0),
        ] {
            let got = dequantize(ty, &quantize_ref(ty, &values)).unwrap();
            assert_eq!(got.len(), values.len());
            for (block_in, block_out) in values.chunks(32).zip(got.chunks(32)) {
                let range = block_in.iter().copied().fold(f32::NEG_INFINITY, f32::max)
                    - block_in.iter().copied().fold(f32::INFINITY, f32::min);
                let amax = block_in.iter().map(|v| v.abs()).fold(0.0, f32::max);
                // Half a quantization step, plus f16 rounding of the scale. Q4_0 maps the
                // largest magnitude to -8, so the other sign clips at +7: up to a full step.
                let step = if ty == GgmlType::Q4_1 {
                    range
                } else {
                    2.0 * amax
                } / levels;
                let allowed = if ty == GgmlType::Q4_0 {
                    step
                } else {
                    step * 0.5
                };
                for (x, y) in block_in.iter().zip(block_out) {
                    assert!((x - y).abs() <= allowed + amax * 2e-3, "{ty}: {x} -> {y}");
                }
            }
        }
        // Values on the Q4_1 grid (min -1, step 0.25) come back exactly.
        let grid: Vec<f32> = (0..32).map(|i| -1.0 + 0.25 * (i % 16) as f32).collect();
        let got = dequantize(GgmlType::Q4_1, &quantize_ref(GgmlType::Q4_1, &grid)).unwrap();
        assert_eq!(got, grid);
        // The writer's quantizer agrees byte for byte with the independent one.
        assert_eq!(
            super::super::quantize::quantize_q4_1(&values),
            quantize_ref(GgmlType::Q4_1, &values)
        );
        assert_eq!(
            super::super::quantize::quantize_q8_0(&values),
            quantize_ref(GgmlType::Q8_0, &values)
        );
    }

    /// Seeded random blocks dequantized by llama.cpp's Python package (`gguf-py`), an
    /// implementation independent of this one (numpy, written from ggml's C).
    #[test]
    fn random_blocks_match_gguf_py() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/llm/dequant/gguf_py_reference.json"
        );
        let fixture: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 13);
        for case in cases {
            let name = case["type"].as_str().unwrap();
            let ty = (0..40)
                .map(GgmlType::from_code)
                .find(|t| t.name() == name)
                .unwrap();
            let bytes = hex::decode(case["bytes_hex"].as_str().unwrap()).unwrap();
            let want: Vec<f32> = case["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            let got = dequantize(ty, &bytes).unwrap();
            assert_eq!(got.len(), want.len(), "{name}");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                    "{name} element {i}: got {g}, gguf-py {w}"
                );
            }
        }
    }

    #[test]
    fn unsupported_type_and_partial_block_are_errors() {
        let err = dequantize(GgmlType::Iq2Xxs, &[0u8; 66]).unwrap_err();
        assert!(err.contains("IQ2_XXS"), "{err}");
        let err = dequantize(GgmlType::Q4_1, &[0u8; 30]).unwrap_err();
        assert!(err.contains("not a whole number of Q4_1 blocks"), "{err}");
    }
}
