//! The SwiGLU gate of a llama MLP, `silu(gate) · up`, for pressgate's own nodes
//! ([`crate::llm::custom_ops`]), so the head-less graph needs no Split, Sigmoid and Mul nodes
//! between the gate/up product and the down product.

/// `out[r, j] = silu(x[r, j]) · x[r, k + j]` for `x` of `[rows, 2k]` (gate half, then up half)
/// and `out` of `[rows, k]`, with `silu(g) = g / (1 + e^−g)`.
pub fn swiglu_into(x: &[f32], k: usize, out: &mut Vec<f32>) {
    out.clear();
    if k == 0 {
        return;
    }
    out.reserve(x.len() / 2);
    for row in x.chunks_exact(2 * k) {
        let (gate, up) = row.split_at(k);
        let start = out.len();
        out.resize(start + k, 0.0);
        gate_row(gate, up, &mut out[start..]);
    }
}

fn gate_row(gate: &[f32], up: &[f32], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if is_x86_feature_detected!("avx512f") {
        // SAFETY: the CPU has AVX-512F (checked just above).
        unsafe { gate_row_avx512(gate, up, out) };
        return;
    }
    gate_row_portable(gate, up, out);
}

fn gate_row_portable(gate: &[f32], up: &[f32], out: &mut [f32]) {
    for ((o, &g), &u) in out.iter_mut().zip(gate).zip(up) {
        *o = g / (1.0 + (-g).exp()) * u;
    }
}

/// [`gate_row_portable`] 16 lanes at a time, with `e^x = 2^n · e^r` (`n = round(x / ln 2)`,
/// `|r| ≤ ln 2 / 2`, `e^r` by its degree-7 Taylor polynomial, relative error below 1e-7) and
/// `2^n` applied by `vscalefps`, which also gives 0 and infinity beyond the f32 range, so
/// `silu` tends to 0 and to `g` at the extremes as it should.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gate_row_avx512(gate: &[f32], up: &[f32], out: &mut [f32]) {
    use std::arch::x86_64::*;
    let len = out.len().min(gate.len()).min(up.len());
    let whole = len - len % 16;
    let coefficients = [
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let mut i = 0;
    while i < whole {
        // SAFETY: `i + 16 <= len`, within all three slices.
        unsafe {
            let g = _mm512_loadu_ps(gate.as_ptr().add(i));
            let u = _mm512_loadu_ps(up.as_ptr().add(i));
            // Clamped so `r` stays small; beyond ±100, e^−g is 0 or infinite in f32 anyway.
            let x = _mm512_max_ps(
                _mm512_min_ps(_mm512_sub_ps(_mm512_setzero_ps(), g), _mm512_set1_ps(100.0)),
                _mm512_set1_ps(-100.0),
            );
            let n = _mm512_roundscale_ps(
                _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
            );
            // r = x − n·ln 2, with ln 2 in two parts so the product stays exact.
            let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693_145_75), x);
            let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428_606_8e-6), r);
            let mut p = _mm512_set1_ps(coefficients[0]);
            for &c in &coefficients[1..] {
                p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
            }
            let exp_minus_g = _mm512_scalef_ps(p, n);
            let silu = _mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0), exp_minus_g));
            _mm512_storeu_ps(out.as_mut_ptr().add(i), _mm512_mul_ps(silu, u));
        }
        i += 16;
    }
    gate_row_portable(&gate[whole..len], &up[whole..len], &mut out[whole..len]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(g: f32, u: f32) -> f64 {
        let g = f64::from(g);
        g / (1.0 + (-g).exp()) * f64::from(u)
    }

    #[test]
    fn the_gate_matches_silu_times_up_over_the_whole_range() {
        // Rows of 37 (two vector steps and a tail), gates from −120 to 120 (beyond the clamp)
        // and the usual small values, ups of both signs.
        let k = 37;
        let mut x = Vec::new();
        for row in 0..40 {
            for j in 0..k {
                let t = (row * k + j) as f32 / (40 * k) as f32;
                x.push(if row % 4 == 0 {
                    240.0 * t - 120.0
                } else {
                    16.0 * t - 8.0
                });
            }
            for j in 0..k {
                x.push(((row * 7 + j) % 11) as f32 * 0.3 - 1.5);
            }
        }
        let mut out = Vec::new();
        swiglu_into(&x, k, &mut out);
        assert_eq!(out.len(), 40 * k);
        for (index, &got) in out.iter().enumerate() {
            let (row, j) = (index / k, index % k);
            let want = reference(x[row * 2 * k + j], x[row * 2 * k + k + j]);
            assert!(
                (f64::from(got) - want).abs() <= 1e-6 * (1.0 + want.abs()),
                "row {row} column {j}: {got} against {want}"
            );
        }
    }

    #[test]
    fn extreme_gates_give_zero_and_the_identity() {
        let mut out = Vec::new();
        let k = 16;
        let mut x = vec![-1e30f32; k];
        x.extend(vec![2.0f32; k]);
        swiglu_into(&x, k, &mut out);
        assert!(out.iter().all(|&v| v == 0.0 || v == -0.0), "{out:?}");
        let mut x = vec![1e30f32; k];
        x.extend(vec![2.0f32; k]);
        swiglu_into(&x, k, &mut out);
        assert!(out.iter().all(|&v| v == 2e30), "{out:?}");
    }
}
