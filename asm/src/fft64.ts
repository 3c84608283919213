// The float64 half of the fbank kernel's `fft: "float64"` path (imported by fbank.ts): real FFT, power
// spectrum, mel sums and log in float64, two frames per f64x2 vector. The same algorithm, tables and
// order of operations as core/features/fft64.ts and fbank_ts.ts (the TypeScript path), so both give the
// same features: the real frame is packed into n/2 complex pairs, transformed by the split-radix DIF
// complex FFT (Kaldi's matrix/srfft.cc recursion, after Malvar 1992, with exact float64 twiddles in the
// 4-multiply form) and unpacked with exact twiddles W^k = exp(-2 pi i k / n) from a table. The host
// (core/features/fbank_wasm.ts) writes the tables. No relaxed SIMD here: a fused multiply-add would
// round differently from the TypeScript path.

@inline function V(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}
@inline function SV(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 4), v);
}
@inline function add(a: v128, b: v128): v128 {
  return f64x2.add(a, b);
}
@inline function sub(a: v128, b: v128): v128 {
  return f64x2.sub(a, b);
}
@inline function mul(a: v128, b: v128): v128 {
  return f64x2.mul(a, b);
}
@inline function tw(p: usize, k: i32): v128 {
  return v128.load64_splat(p + (<usize>k << 3));
}
// a += b, b = a - b (old a)
@inline function bfly(x: usize, a: i32, b: i32): void {
  const u = V(x, a), v = V(x, b);
  SV(x, a, add(u, v));
  SV(x, b, sub(u, v));
}

// Split-radix complex FFT of 2^logn points on two transforms at once (one per lane), in place, output
// in bit-reversed order. tabs: u32[logn+1] of byte pointers to each level's f64 twiddles (levels >= 3):
// [cos a_n, sin a_n, cos 3a_n, sin 3a_n] for n = 1..m/4-1, each run m/4-1 long.
function srfft64(xr: usize, xi: usize, logn: i32, tabs: usize): void {
  if (logn < 3) {
    if (logn == 2) {
      bfly(xr, 0, 2);
      bfly(xi, 0, 2);
      bfly(xr, 1, 3);
      bfly(xi, 1, 3);
      bfly(xr, 0, 1);
      bfly(xi, 0, 1);
      const r2 = V(xr, 2), q2 = V(xi, 2), r3 = V(xr, 3), q3 = V(xi, 3);
      SV(xr, 2, add(r2, q3));
      SV(xi, 2, sub(q2, r3));
      SV(xr, 3, sub(r2, q3));
      SV(xi, 3, add(q2, r3));
    } else if (logn == 1) {
      bfly(xr, 0, 1);
      bfly(xi, 0, 1);
    }
    return;
  }
  const m = 1 << logn, m2 = m >> 1, m4 = m2 >> 1, nel = m4 - 1;
  for (let n = 0; n < m2; n++) {
    bfly(xr, n, n + m2);
    bfly(xi, n, n + m2);
  }
  for (let n = 0; n < m4; n++) {
    const i1 = m2 + n, i2 = i1 + m4;
    const r1 = V(xr, i1), r2 = V(xr, i2), q1 = V(xi, i1), q2 = V(xi, i2);
    SV(xi, i1, sub(q1, r2));
    SV(xr, i2, sub(r1, q2));
    SV(xr, i1, add(r1, q2));
    SV(xi, i2, add(q1, r2));
  }
  const c = <usize>load<u32>(tabs + (<usize>logn << 2));
  const s = c + (<usize>nel << 3), c3 = s + (<usize>nel << 3), s3 = c3 + (<usize>nel << 3);
  for (let n = 1; n < m4; n++) {
    const i1 = m2 + n, i2 = i1 + m4, k = n - 1;
    const r1 = V(xr, i1), q1 = V(xi, i1), r2 = V(xr, i2), q2 = V(xi, i2);
    const cn = tw(c, k), sn = tw(s, k), c3n = tw(c3, k), s3n = tw(s3, k);
    SV(xr, i1, add(mul(cn, r1), mul(sn, q1)));
    SV(xi, i1, sub(mul(cn, q1), mul(sn, r1)));
    SV(xr, i2, add(mul(c3n, r2), mul(s3n, q2)));
    SV(xi, i2, sub(mul(c3n, q2), mul(s3n, r2)));
  }
  srfft64(xr, xi, logn - 1, tabs);
  srfft64(xr + (<usize>m2 << 4), xi + (<usize>m2 << 4), logn - 2, tabs);
  srfft64(xr + (<usize>(m2 + m4) << 4), xi + (<usize>(m2 + m4) << 4), logn - 2, tabs);
}

@inline function sq(v: v128): v128 {
  return f64x2.mul(v, v);
}

/**
 * Power spectrum |X_k|^2, k = 0..n/2, of two real frames: lanes `hi`*2 and `hi`*2+1 of the four float32
 * frames interleaved at `frames` (v128[n], one frame per f32x4 lane), into pow (v128[n/2+1], f64x2).
 * re/im: v128[n/2] scratch; bitrev: i32[n/2]; unpack: f64 [cos, -sin] pairs of W^k, k = 0..n/4.
 */
function realFftPower64(
  frames: usize,
  hi: bool,
  n: i32,
  logn: i32,
  tabs: usize,
  bitrev: usize,
  unpack: usize,
  re: usize,
  im: usize,
  pow: usize,
): void {
  const h = n >> 1;
  for (let i = 0; i < h; i++) {
    let a = V(frames, 2 * i), b = V(frames, 2 * i + 1);
    if (hi) {
      a = f32x4.shuffle(a, a, 2, 3, 2, 3);
      b = f32x4.shuffle(b, b, 2, 3, 2, 3);
    }
    SV(re, i, f64x2.promote_low_f32x4(a));
    SV(im, i, f64x2.promote_low_f32x4(b));
  }
  srfft64(re, im, logn, tabs);
  const half = f64x2.splat(0.5), nhalf = f64x2.splat(-0.5);
  const j0 = load<i32>(bitrev);
  const a0 = V(re, j0), c0 = V(im, j0);
  for (let k = 1; 2 * k <= h; k++) {
    const j = load<i32>(bitrev + (<usize>k << 2)), jd = load<i32>(bitrev + (<usize>(h - k) << 2));
    const a = V(re, j), c = V(im, j), b = V(re, jd), d = V(im, jd);
    const ckRe = mul(half, add(a, b)), ckIm = mul(half, sub(c, d));
    const dkRe = mul(half, add(c, d)), dkIm = mul(nhalf, sub(a, b));
    const wr = tw(unpack, 2 * k), wi = tw(unpack, 2 * k + 1);
    const tr = sub(mul(wr, dkRe), mul(wi, dkIm)), ti = add(mul(wr, dkIm), mul(wi, dkRe));
    SV(pow, k, add(sq(add(ckRe, tr)), sq(add(ckIm, ti))));
    if (h - k != k) SV(pow, h - k, add(sq(sub(ckRe, tr)), sq(sub(ti, ckIm))));
  }
  SV(pow, 0, sq(add(a0, c0)));
  SV(pow, h, sq(sub(a0, c0)));
}

/**
 * Power (or with `magnitude` magnitude) spectra of the four float32 frames interleaved at `frames`:
 * frames 0, 1 into powA and 2, 3 into powB (v128[n/2+1] each, f64x2).
 */
export function spectra64(
  frames: usize,
  n: i32,
  logn: i32,
  tabs: usize,
  bitrev: usize,
  unpack: usize,
  re: usize,
  im: usize,
  powA: usize,
  powB: usize,
  magnitude: bool,
): void {
  realFftPower64(frames, false, n, logn, tabs, bitrev, unpack, re, im, powA);
  realFftPower64(frames, true, n, logn, tabs, bitrev, unpack, re, im, powB);
  if (magnitude) {
    for (let k = 0; k <= (n >> 1); k++) {
      SV(powA, k, f64x2.sqrt(V(powA, k)));
      SV(powB, k, f64x2.sqrt(V(powB, k)));
    }
  }
}

const FLT_EPSILON: f64 = 1.1920928955078125e-7;

@inline function log64(x: f64): f64 {
  return Math.log(x < FLT_EPSILON ? FLT_EPSILON : x);
}

/**
 * Mel sums of the four spectra (float64 weights, float64 sums in filter order) and their float64 log
 * (floored at FLT_EPSILON like Kaldi), each rounded once to f32: column melCol + b of the four rows of
 * `rowBytes` at `row`. melOff/melLen: i32[nb]; melW: u32[nb] byte pointers to each filter's f64 weights.
 */
export function melLog64(
  row: usize,
  rowBytes: usize,
  melCol: i32,
  nb: i32,
  melOff: usize,
  melLen: usize,
  melW: usize,
  powA: usize,
  powB: usize,
  useLog: bool,
): void {
  for (let b = 0; b < nb; b++) {
    const off = load<i32>(melOff + (<usize>b << 2));
    const len = load<i32>(melLen + (<usize>b << 2));
    const w = <usize>load<u32>(melW + (<usize>b << 2));
    const sa = powA + (<usize>off << 4), sb = powB + (<usize>off << 4);
    let accA = f64x2.splat(0), accB = f64x2.splat(0);
    for (let j = 0; j < len; j++) {
      const wj = tw(w, j);
      accA = add(accA, mul(wj, V(sa, j)));
      accB = add(accB, mul(wj, V(sb, j)));
    }
    let e0 = f64x2.extract_lane(accA, 0), e1 = f64x2.extract_lane(accA, 1);
    let e2 = f64x2.extract_lane(accB, 0), e3 = f64x2.extract_lane(accB, 1);
    if (useLog) {
      e0 = log64(e0);
      e1 = log64(e1);
      e2 = log64(e2);
      e3 = log64(e3);
    }
    const p = row + (<usize>(melCol + b) << 2);
    store<f32>(p, <f32>e0);
    store<f32>(p + rowBytes, <f32>e1);
    store<f32>(p + 2 * rowBytes, <f32>e2);
    store<f32>(p + 3 * rowBytes, <f32>e3);
  }
}
