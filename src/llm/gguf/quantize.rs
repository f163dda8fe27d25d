//! Reference quantizers (ggml's `quantize_row_*_ref`) for the formats the GGUF writer emits.
use half::f16;

/// Q8_0: per 32 values, d = max|x| / 127 and q = round(x / d).
pub fn quantize_q8_0(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() / 32 * 34);
    for block in values.chunks(32) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
        for i in 0..32 {
            let v = block.get(i).copied().unwrap_or(0.0);
            out.push((v * id).round() as i8 as u8);
        }
    }
    out
}

/// Q4_1: per 32 values, m = min, d = (max − min) / 15, q = round((x − m) / d) in 0..=15;
/// element j goes to the low nibble of byte j, element j + 16 to its high nibble.
pub fn quantize_q4_1(values: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() / 32 * 20);
    for block in values.chunks(32) {
        let min = block.iter().fold(f32::INFINITY, |m, &v| m.min(v));
        let max = block.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let d = (max - min) / 15.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
        out.extend_from_slice(&f16::from_f32(min).to_le_bytes());
        let q = |i: usize| -> u8 {
            let v = block.get(i).copied().unwrap_or(min);
            (((v - min) * id + 0.5) as i8).clamp(0, 15) as u8
        };
        for j in 0..16 {
            out.push(q(j) | (q(j + 16) << 4));
        }
    }
    out
}

pub fn to_f16_bytes(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| f16::from_f32(v).to_le_bytes())
        .collect()
}

pub fn to_f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
