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
        GgmlType::Q4K => block_q4_k,
        GgmlType::Q5K => block_q5_k,
        GgmlType::Q6K => block_q6_k,
        GgmlType::Q8K => block_q8_k,
        GgmlType::Iq4Nl => block_iq4_nl,
        other => {
            return Err(format!(
                "tensor type {other} cannot be dequantized (supported: F32, F16, BF16, Q4_0, Q4_1, \
                 Q5_0, Q5_1, Q8_0, Q2_K, Q4_K, Q5_K, Q6_K, Q8_K, IQ4_NL)"
            ))
        }
    };
    let (block_elems, block_bytes) = ty
        .block_geometry()
        .map(|(e, b)| (e as usize, b as usize))
        .ok_or_else(|| format!("unknown tensor type {ty}"))?;
    if bytes.len() % block_bytes != 0 {
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
