// Distance kernels: register-blocked SIMD dot-product and squared-Euclidean matrices.
//
// Layout (laid out by the host, core/kernels/distance.ts):
//   A: rows a0..a0+na of a row-major [* x d] f32 matrix, rows padded to a multiple of 4 by the host
//   BP: B packed in panels of 8 rows: panel p holds rows 8p..8p+7 as [d x 8] (k-major), so the
//       micro-kernel reads 32 contiguous bytes per k; rows past B's end are zero
//   OUT: [na x ldo] f32, row stride ldo (>= nb)
// The dot micro-kernel computes a 6 x 8 output block with 12 f32x4 accumulators: per k it loads 8
// values of B and broadcasts 6 values of A, so 15 vector registers stay live (x86 has 16): no spills.
// It reaches ~28 GMAC/s on one core here, near the 128-bit FMA peak (a 4 x 8 block made ~26).
// The squared-distance kernel needs two temporaries per row, so it keeps a 4 x 8 block.
// Cache blocking: columns are walked in blocks of JB panels (JB*8*d*4 bytes, 48 KB at d=192, stays in
// L2) and, inside a block, every 4-row group of A (3 KB, in L1) meets each panel of the block.

/** First byte after static data: where the host may start its layout. */
export function heapBase(): usize {
  return __heap_base;
}

// Multiply-add: relaxed (one fused instruction where the CPU has FMA, else mul + add). The result may
// differ in the last bit between machines; it stays within float32 rounding of the exact value.
@inline function MADD(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

const JB = 8; // panels per cache block

@inline function ld(p: usize): v128 {
  return v128.load(p);
}

/** OUT[i, j] = sum_k A[i, k] * B[j, k] for i < na (multiple of 6), j < nb: 6 x 8 micro-kernel. */
export function dotBlock(a: usize, na: i32, bt: usize, nb: i32, d: i32, out: usize, ldo: i32): void {
  const rowA = <usize>d << 2, panel = <usize>d << 5;
  for (let jb = 0; jb < nb; jb += JB * 8) {
    const jend = min(nb, jb + JB * 8);
    for (let i = 0; i < na; i += 6) {
      const a0 = a + <usize>i * rowA;
      for (let j = jb; j < jend; j += 8) {
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
        let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
        let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
        let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
        let pb = bt + <usize>(j >> 3) * panel;
        let pa = a0;
        for (let k = 0; k < d; k++) {
          const b0 = ld(pb), b1 = ld(pb + 16);
          const x0 = v128.load32_splat(pa + <usize>0 * rowA);
          c00 = MADD(x0, b0, c00);
          c01 = MADD(x0, b1, c01);
          const x1 = v128.load32_splat(pa + <usize>1 * rowA);
          c10 = MADD(x1, b0, c10);
          c11 = MADD(x1, b1, c11);
          const x2 = v128.load32_splat(pa + <usize>2 * rowA);
          c20 = MADD(x2, b0, c20);
          c21 = MADD(x2, b1, c21);
          const x3 = v128.load32_splat(pa + <usize>3 * rowA);
          c30 = MADD(x3, b0, c30);
          c31 = MADD(x3, b1, c31);
          const x4 = v128.load32_splat(pa + <usize>4 * rowA);
          c40 = MADD(x4, b0, c40);
          c41 = MADD(x4, b1, c41);
          const x5 = v128.load32_splat(pa + <usize>5 * rowA);
          c50 = MADD(x5, b0, c50);
          c51 = MADD(x5, b1, c51);
          pb += 32;
          pa += 4;
        }
        const rs = <usize>ldo << 2;
        const p0 = out + <usize>i * rs + (<usize>j << 2);
        storeRow(p0 + <usize>0 * rs, j, nb, c00, c01);
        storeRow(p0 + <usize>1 * rs, j, nb, c10, c11);
        storeRow(p0 + <usize>2 * rs, j, nb, c20, c21);
        storeRow(p0 + <usize>3 * rs, j, nb, c30, c31);
        storeRow(p0 + <usize>4 * rs, j, nb, c40, c41);
        storeRow(p0 + <usize>5 * rs, j, nb, c50, c51);
      }
    }
  }
}

/** OUT[i, j] = sum_k (A[i, k] - BT[k, j])^2, same blocking (direct form: no cancellation). */
export function sqdistBlock(a: usize, na: i32, bt: usize, nb: i32, d: i32, out: usize, ldo: i32): void {
  const rowA = <usize>d << 2, panel = <usize>d << 5;
  for (let jb = 0; jb < nb; jb += JB * 8) {
  const jend = min(nb, jb + JB * 8);
  for (let i = 0; i < na; i += 4) {
    const a0 = a + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    for (let j = jb; j < jend; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
      let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
      let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let pb = bt + <usize>(j >> 3) * panel;
      for (let k = 0; k < d; k++) {
        const b0 = ld(pb), b1 = ld(pb + 16);
        const ko = <usize>k << 2;
        let x = f32x4.splat(load<f32>(a0 + ko));
        let t0 = f32x4.sub(x, b0), t1 = f32x4.sub(x, b1);
        c00 = f32x4.add(c00, f32x4.mul(t0, t0));
        c01 = f32x4.add(c01, f32x4.mul(t1, t1));
        x = f32x4.splat(load<f32>(a1 + ko));
        t0 = f32x4.sub(x, b0);
        t1 = f32x4.sub(x, b1);
        c10 = f32x4.add(c10, f32x4.mul(t0, t0));
        c11 = f32x4.add(c11, f32x4.mul(t1, t1));
        x = f32x4.splat(load<f32>(a2 + ko));
        t0 = f32x4.sub(x, b0);
        t1 = f32x4.sub(x, b1);
        c20 = f32x4.add(c20, f32x4.mul(t0, t0));
        c21 = f32x4.add(c21, f32x4.mul(t1, t1));
        x = f32x4.splat(load<f32>(a3 + ko));
        t0 = f32x4.sub(x, b0);
        t1 = f32x4.sub(x, b1);
        c30 = f32x4.add(c30, f32x4.mul(t0, t0));
        c31 = f32x4.add(c31, f32x4.mul(t1, t1));
        pb += 32;
      }
      storeBlock(out, ldo, i, j, na, nb, c00, c01, c10, c11, c20, c21, c30, c31);
    }
  }
  }
}

@inline function storeRow(p: usize, j: i32, nb: i32, v0: v128, v1: v128): void {
  if (j + 8 <= nb) {
    v128.store(p, v0);
    v128.store(p + 16, v1);
  } else {
    // ragged right edge: store lane by lane
    for (let l = 0; l < 8 && j + l < nb; l++) {
      const v = l < 4 ? v0 : v1;
      const lane = l & 3;
      const x = lane == 0
        ? f32x4.extract_lane(v, 0)
        : lane == 1
        ? f32x4.extract_lane(v, 1)
        : lane == 2
        ? f32x4.extract_lane(v, 2)
        : f32x4.extract_lane(v, 3);
      store<f32>(p + (<usize>l << 2), x);
    }
  }
}

@inline function storeBlock(
  out: usize, ldo: i32, i: i32, j: i32, na: i32, nb: i32,
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
): void {
  const rs = <usize>ldo << 2;
  const p0 = out + <usize>i * rs + (<usize>j << 2);
  storeRow(p0, j, nb, c00, c01);
  storeRow(p0 + rs, j, nb, c10, c11);
  storeRow(p0 + 2 * rs, j, nb, c20, c21);
  storeRow(p0 + 3 * rs, j, nb, c30, c31);
}

/** L2-normalises `n` rows of length d in place (zero rows stay zero). Sum of squares in f64. */
export function l2normRows(x: usize, n: i32, d: i32): void {
  for (let i = 0; i < n; i++) {
    const r = x + (<usize>(i * d) << 2);
    let s: f64 = 0;
    for (let k = 0; k < d; k++) {
      const v = <f64>load<f32>(r + (<usize>k << 2));
      s += v * v;
    }
    if (s > 0) {
      const inv = <f32>(1 / Math.sqrt(s));
      let k = 0;
      const sv = f32x4.splat(inv);
      for (; k + 4 <= d; k += 4) {
        const p = r + (<usize>k << 2);
        v128.store(p, f32x4.mul(v128.load(p), sv));
      }
      for (; k < d; k++) {
        const p = r + (<usize>k << 2);
        store<f32>(p, load<f32>(p) * inv);
      }
    }
  }
}

/**
 * Packs `nb` rows of B ([nb x d] row-major at `src`) into panels of 8 rows, each [d x 8] k-major, zero
 * rows past the end; with `normalize`, each row is scaled to unit L2 norm (f64 sum; zero rows stay 0).
 */
export function packPanels(src: usize, nb: i32, d: i32, dst: usize, normalize: bool): void {
  const np = (nb + 7) >> 3;
  memory.fill(dst, 0, <usize>np * <usize>d << 5);
  for (let j = 0; j < nb; j++) {
    const r = src + (<usize>(j * d) << 2);
    let s: f32 = 1;
    if (normalize) {
      let q: f64 = 0;
      for (let k = 0; k < d; k++) {
        const v = <f64>load<f32>(r + (<usize>k << 2));
        q += v * v;
      }
      s = q > 0 ? <f32>(1 / Math.sqrt(q)) : 0;
    }
    const o = dst + (<usize>(j >> 3) * <usize>d << 5) + (<usize>(j & 7) << 2);
    for (let k = 0; k < d; k++) store<f32>(o + (<usize>k << 5), load<f32>(r + (<usize>k << 2)) * s);
  }
}
