// Distance kernels: register-blocked SIMD dot-product and squared-Euclidean matrices.
//
// Layout (laid out by the host, core/kernels/distance.ts):
//   A: rows a0..a0+na of a row-major [* x d] f32 matrix, rows padded to a multiple of 6 (4 for
//      sqdistBlock) by the host
//   BP: B packed in panels of 8 rows: panel p holds rows 8p..8p+7 as [d x 8] (k-major), so the
//       micro-kernel reads 32 contiguous bytes per k; rows past B's end are zero
//   OUT: [na x ldo] f32, row stride ldo (>= nb)
// The dot micro-kernel computes a 6 x 8 output block with 12 f32x4 accumulators: per k it loads 8
// values of B and broadcasts 6 values of A, so 15 vector registers stay live (V8 gives wasm 15 of
// x64's 16 xmm registers; the .wat inner loop has no spills).
// Measured here: ~32 GMAC/s on one core, 97-99% of a register-only loop of independent f32x4 FMAs
// (~33 GMAC/s = 2 FMA x 4 lanes per cycle). Blocks of 4 x 8 made ~26 GMAC/s; JB = 4, 8, 16 are within
// noise of each other. The 128-bit width is the ceiling: OpenBLAS's 256-bit AVX2 kernel does twice
// the work per instruction, so the 1024x192 matrix cannot go below ~1.9x numpy with 8 MAC per cycle.
// Cosine never rewrites A: B's rows are scaled to unit norm while packing, and A's inverse norms
// are applied to each 6 x 8 block as it is stored.
// The squared-distance kernel needs two temporaries per row, so it keeps a 4 x 8 block.
// Cache blocking: columns are walked in blocks of JB panels (JB*8*d*4 bytes, 48 KB at d=192, stays in
// L2) and, inside a block, every 6-row group of A (4.5 KB, in L1) meets each panel of the block.

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

/**
 * OUT[i, j] = sum_k A[i, k] * B[j, k] for i < na (multiple of 6), j < nb: 6 x 8 micro-kernel. With
 * sa != 0, row i of the block is multiplied by SA[i] (f32) as it is stored: the cosine path passes
 * A's inverse row norms here (B's are folded into the packed panels), so A is never rewritten.
 */
export function dotBlock(
  a: usize, na: i32, bt: usize, nb: i32, d: i32, out: usize, ldo: i32, sa: usize,
): void {
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
        if (sa) {
          const q = sa + (<usize>i << 2);
          let s = v128.load32_splat(q);
          c00 = f32x4.mul(c00, s);
          c01 = f32x4.mul(c01, s);
          s = v128.load32_splat(q + 4);
          c10 = f32x4.mul(c10, s);
          c11 = f32x4.mul(c11, s);
          s = v128.load32_splat(q + 8);
          c20 = f32x4.mul(c20, s);
          c21 = f32x4.mul(c21, s);
          s = v128.load32_splat(q + 12);
          c30 = f32x4.mul(c30, s);
          c31 = f32x4.mul(c31, s);
          s = v128.load32_splat(q + 16);
          c40 = f32x4.mul(c40, s);
          c41 = f32x4.mul(c41, s);
          s = v128.load32_splat(q + 20);
          c50 = f32x4.mul(c50, s);
          c51 = f32x4.mul(c51, s);
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

/**
 * Scales 1/||row|| of rows i..i+3 of the [* x d] matrix at x into SCALES[0..3]: f32 of 1/sqrt of the
 * f64 sum of squares, -1 unless that sum is > 0. Each row's sum runs in four f64 lanes (columns k mod 4)
 * over whole groups of 4, then the lanes are added ((0 + 1) + (2 + 3)) and the remaining columns in
 * order: scale1 does the same, so a row's scale never depends on its neighbours. Squares of f32 are
 * exact in f64, so the fused multiply-add rounds exactly like multiply then add (deterministic). The
 * four rows' eight chains run side by side to hide the add latency.
 */
function scales4(x: usize, i: i32, d: i32): void {
  const r0 = x + (<usize>(i * d) << 2), rb = <usize>d << 2, d4 = d & ~3;
  let a0 = f64x2.splat(0), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
  for (let k = 0; k < d4; k += 4) {
    const p = r0 + (<usize>k << 2);
    let v = v128.load(p);
    let lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a0 = f64x2.relaxed_madd(lo, lo, a0);
    b0 = f64x2.relaxed_madd(hi, hi, b0);
    v = v128.load(p + rb);
    lo = f64x2.promote_low_f32x4(v);
    hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a1 = f64x2.relaxed_madd(lo, lo, a1);
    b1 = f64x2.relaxed_madd(hi, hi, b1);
    v = v128.load(p + 2 * rb);
    lo = f64x2.promote_low_f32x4(v);
    hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a2 = f64x2.relaxed_madd(lo, lo, a2);
    b2 = f64x2.relaxed_madd(hi, hi, b2);
    v = v128.load(p + 3 * rb);
    lo = f64x2.promote_low_f32x4(v);
    hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a3 = f64x2.relaxed_madd(lo, lo, a3);
    b3 = f64x2.relaxed_madd(hi, hi, b3);
  }
  store<f32>(SCALES, invNorm(a0, b0, r0, d4, d));
  store<f32>(SCALES + 4, invNorm(a1, b1, r0 + rb, d4, d));
  store<f32>(SCALES + 8, invNorm(a2, b2, r0 + 2 * rb, d4, d));
  store<f32>(SCALES + 12, invNorm(a3, b3, r0 + 3 * rb, d4, d));
}
const SCALES = memory.data(16);

/** Adds the lanes, then the squares of columns d4..d-1 of row r: f32 1/sqrt, or -1 unless > 0. */
@inline function invNorm(a: v128, b: v128, r: usize, d4: i32, d: i32): f32 {
  let q = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)) +
    (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
  for (let k = d4; k < d; k++) {
    const v = <f64>load<f32>(r + (<usize>k << 2));
    q += v * v;
  }
  return q > 0 ? <f32>(1 / Math.sqrt(q)) : -1;
}

/** scales4 for one row (the remainder rows): the same sums. */
function scale1(x: usize, i: i32, d: i32): f32 {
  const r = x + (<usize>(i * d) << 2), d4 = d & ~3;
  let a = f64x2.splat(0), b = a;
  for (let k = 0; k < d4; k += 4) {
    const v = v128.load(r + (<usize>k << 2));
    const lo = f64x2.promote_low_f32x4(v), hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    a = f64x2.relaxed_madd(lo, lo, a);
    b = f64x2.relaxed_madd(hi, hi, b);
  }
  return invNorm(a, b, r, d4, d);
}

/** Multiplies row r (d values) by inv in place. */
@inline function scaleRow(r: usize, d: i32, inv: f32): void {
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

/**
 * Inverse L2 norms of `n` rows of length d at x into DST (f32): 1/sqrt of the f64 sum of squares
 * (scales4/scale1: the same sums for a row whatever its neighbours), 0 for zero rows (their products
 * stay 0) and for NaN rows (their products stay NaN). A row whose norm is outside [2^-40, 2^40] is
 * normalised in place instead and gets scale 1: products of in-range rows with unit rows neither
 * overflow nor reach the subnormal range, so scaling a dot product after the sum loses nothing, and
 * each row's result depends on that row alone (tiles of any size give the same bits).
 */
export function rowInvNorms(x: usize, n: i32, d: i32, dst: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    scales4(x, i, d);
    for (let q = 0; q < 4; q++) {
      storeScale(x, i + q, d, dst, load<f32>(SCALES + (<usize>q << 2)));
    }
  }
  for (; i < n; i++) storeScale(x, i, d, dst, scale1(x, i, d));
}
const SAFE_LO: f32 = 9.094947e-13; // 2^-40
const SAFE_HI: f32 = 1.0995116e12; // 2^40

@inline function storeScale(x: usize, i: i32, d: i32, dst: usize, s: f32): void {
  if (s < 0) s = 0;
  if (s > 0 && (s < SAFE_LO || s > SAFE_HI)) {
    scaleRow(x + (<usize>(i * d) << 2), d, s);
    s = 1;
  }
  store<f32>(dst + (<usize>i << 2), s);
}

/**
 * Packs `nb` rows of B ([nb x d] row-major at `src`) into panels of 8 rows, each [d x 8] k-major, zero
 * rows past the end; with `normalize`, each row is scaled to unit L2 norm (rowInvNorms' scales; zero
 * rows stay 0). Full panels move 4 x 4 blocks with two in-register transposes per 4 columns.
 * `scratch`: nb f32 for the scales.
 */
export function packPanels(src: usize, nb: i32, d: i32, dst: usize, normalize: bool, scratch: usize): void {
  const np = (nb + 7) >> 3, rb = <usize>d << 2;
  if (normalize) rowInvNorms(src, nb, d, scratch);
  const full = nb >> 3, d4 = d & ~3;
  for (let p = 0; p < full; p++) {
    const r0 = src + <usize>(p << 3) * rb, o = dst + (<usize>p * <usize>d << 5);
    let s0 = f32x4.splat(1), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    if (normalize) {
      const q = scratch + (<usize>(p << 3) << 2);
      s0 = v128.load32_splat(q);
      s1 = v128.load32_splat(q + 4);
      s2 = v128.load32_splat(q + 8);
      s3 = v128.load32_splat(q + 12);
      s4 = v128.load32_splat(q + 16);
      s5 = v128.load32_splat(q + 20);
      s6 = v128.load32_splat(q + 24);
      s7 = v128.load32_splat(q + 28);
    }
    for (let k = 0; k < d4; k += 4) {
      const pk = r0 + (<usize>k << 2), ok = o + (<usize>k << 5);
      transpose4(
        ok,
        f32x4.mul(v128.load(pk), s0),
        f32x4.mul(v128.load(pk + rb), s1),
        f32x4.mul(v128.load(pk + 2 * rb), s2),
        f32x4.mul(v128.load(pk + 3 * rb), s3),
      );
      transpose4(
        ok + 16,
        f32x4.mul(v128.load(pk + 4 * rb), s4),
        f32x4.mul(v128.load(pk + 5 * rb), s5),
        f32x4.mul(v128.load(pk + 6 * rb), s6),
        f32x4.mul(v128.load(pk + 7 * rb), s7),
      );
    }
    for (let k = d4; k < d; k++) {
      for (let l = 0; l < 8; l++) {
        const s: f32 = normalize ? load<f32>(scratch + (<usize>((p << 3) + l) << 2)) : 1;
        store<f32>(o + (<usize>k << 5) + (<usize>l << 2), load<f32>(r0 + <usize>l * rb + (<usize>k << 2)) * s);
      }
    }
  }
  if (full < np) {
    // the ragged last panel: scalar, zero rows past the end
    const o = dst + (<usize>full * <usize>d << 5);
    memory.fill(o, 0, <usize>d << 5);
    for (let j = full << 3; j < nb; j++) {
      const r = src + <usize>j * rb, oj = o + (<usize>(j & 7) << 2);
      const s: f32 = normalize ? load<f32>(scratch + (<usize>j << 2)) : 1;
      for (let k = 0; k < d; k++) store<f32>(oj + (<usize>k << 5), load<f32>(r + (<usize>k << 2)) * s);
    }
  }
}

/** Stores the transpose of the 4 x 4 block (rows r0..r3) as 4 vectors 32 bytes apart from `o`. */
@inline function transpose4(o: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(o + 32, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(o + 64, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(o + 96, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// ---------------------------------------------------------------------------------------------------
// Row top-k selection. Order: value descending (ascending for "smallest"), then column index
// ascending; -0 and +0 tie; NaN ranks after every number (NaNs by index). The host's topkRows,
// topkTiled and topkStats* functions in core/kernels/distance.ts call these on rows in memory.
//
// Per row: (1) a strided sample (every 8th column) gives, through a two-level MSD histogram, a
// threshold tau with ~3 sigma of margin for at least k values >= tau; (2) one branch-free SIMD pass
// gathers (key, index) of the values >= tau, in index order (if fewer than k, tau drops to -inf and
// the pass repeats); (3) a stable bucket sort of those candidates puts the best k first, ties in index
// order (an LSD radix sort when the candidates are too skewed for buckets, e.g. mostly equal values).
// For k = 300 of 5000 cosine scores that sorts ~470 keys instead of the row: ~7.5 us per row here,
// against ~45 us for quickselect + quicksort of (value, index) pairs (mostly branch mispredicts) and
// ~330 us for the earlier sorted-insertion top-k. The exact order matters beyond the indices: AS-norm
// sums the k values best first in f64, as the reference does after sorting.
// Sort keys: u32 with ascending order = descending value (sign-magnitude flipped, then inverted).
// Scratch per row of n: keys A | indices A | keys B | indices B (n + 4 each: the gather stores whole
// vectors) | 1025 histogram counters (4112 bytes).

const SAMPLE = 8; // sample stride
const Z: f64 = 3; // sample margin in standard deviations (a miss costs one more gather pass)
const NEG_INF: f32 = -Infinity;

@inline function sortKey(x: f32): u32 {
  const b = reinterpret<u32>(x + 0); // + 0 turns -0 into +0: they tie, as numbers
  return ~(b ^ (<u32>(<i32>b >> 31) | 0x80000000));
}
@inline function keyValue(k: u32): f32 {
  const o = ~k;
  return reinterpret<f32>(o & 0x80000000 ? o ^ 0x80000000 : ~o);
}

@inline function al16(b: usize): usize {
  return (b + 15) & ~15;
}

/**
 * Stable LSD radix sort (ascending) of n (key, index) pairs at (ka, ia) using (kb, ib) and a 4 KB
 * histogram area; returns 0 if the result is in (ka, ia), 1 if in (kb, ib).
 */
function radixSort(ka: usize, ia: usize, kb: usize, ib: usize, n: i32, hist: usize): i32 {
  memory.fill(hist, 0, 4096);
  for (let i = 0; i < n; i++) {
    const k = load<u32>(ka + (<usize>i << 2));
    const h0 = hist + ((<usize>k & 255) << 2), h1 = hist + 1024 + (((<usize>k >> 8) & 255) << 2);
    const h2 = hist + 2048 + (((<usize>k >> 16) & 255) << 2), h3 = hist + 3072 + ((<usize>k >> 24) << 2);
    store<u32>(h0, load<u32>(h0) + 1);
    store<u32>(h1, load<u32>(h1) + 1);
    store<u32>(h2, load<u32>(h2) + 1);
    store<u32>(h3, load<u32>(h3) + 1);
  }
  let which = 0;
  for (let pass = 0; pass < 4; pass++) {
    const h = hist + (<usize>pass << 10), sh = <u32>(pass << 3);
    const first = (load<u32>(ka) >> sh) & 255;
    if (<i32>load<u32>(h + (<usize>first << 2)) == n) continue; // every key has this digit
    let sum: u32 = 0;
    for (let d = 0; d < 256; d++) {
      const c = load<u32>(h + (<usize>d << 2));
      store<u32>(h + (<usize>d << 2), sum);
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = load<u32>(ka + (<usize>i << 2));
      const hp = h + (<usize>((k >> sh) & 255) << 2);
      const pos = <usize>load<u32>(hp) << 2;
      store<u32>(hp, <u32>(pos >> 2) + 1);
      store<u32>(kb + pos, k);
      store<i32>(ib + pos, load<i32>(ia + (<usize>i << 2)));
    }
    let t = ka;
    ka = kb;
    kb = t;
    t = ia;
    ia = ib;
    ib = t;
    which ^= 1;
  }
  return which;
}

@inline function sortKeys4(v: v128): v128 {
  const b = f32x4.add(v, f32x4.splat(0));
  return v128.not(v128.xor(b, v128.or(i32x4.shr_s(b, 31), i32x4.splat(0x80000000))));
}

/**
 * Puts the k smallest of n (key, index) pairs (k <= n) into (kb, ib) [0, k) ascending by key, stable:
 * one counting pass over 1024 equal-width key buckets (bucket order is final; pairs in buckets past
 * the one holding rank k go to a trash slot), then an insertion pass that only fixes the order inside
 * buckets. Candidates sit densely between tau and the row's maximum, so buckets hold a few keys each;
 * if one of the kept buckets holds more than 32 (a skewed row), returns false and the caller
 * radix-sorts instead. hist: 1025 u32 counters.
 */
function bucketSort(ka: usize, ia: usize, kb: usize, ib: usize, n: i32, k: i32, hist: usize): bool {
  let lo: u32 = 0xffffffff, hi: u32 = 0;
  for (let i = 0; i < n; i++) {
    const x = load<u32>(ka + (<usize>i << 2));
    lo = min(lo, x);
    hi = max(hi, x);
  }
  const bits = 32 - <i32>clz(hi - lo);
  const sh = <u32>max(0, bits - 10);
  memory.fill(hist, 0, 4100);
  for (let i = 0; i < n; i++) {
    const h = hist + (<usize>((load<u32>(ka + (<usize>i << 2)) - lo) >> sh) << 2);
    store<u32>(h, load<u32>(h) + 1);
  }
  let sum: u32 = 0, most: u32 = 0, cut = 1023;
  for (let d = 0; d < 1024; d++) {
    const c = load<u32>(hist + (<usize>d << 2));
    store<u32>(hist + (<usize>d << 2), sum);
    sum += c;
    most = max(most, c);
    if (<i32>sum >= k) {
      cut = d;
      break;
    }
  }
  if (most > 32) return false;
  const kept = <i32>sum;
  store<u32>(hist + 4096, sum); // the trash slot: after the kept pairs
  for (let i = 0; i < n; i++) {
    const x = load<u32>(ka + (<usize>i << 2));
    const d = (x - lo) >> sh;
    const h = hist + (<usize>select<u32>(d, 1024, <i32>d <= cut) << 2);
    const pos = <usize>load<u32>(h) << 2;
    store<u32>(h, <u32>(pos >> 2) + 1);
    store<u32>(kb + pos, x);
    store<i32>(ib + pos, load<i32>(ia + (<usize>i << 2)));
  }
  for (let i = 1; i < kept; i++) {
    const x = load<u32>(kb + (<usize>i << 2));
    if (x >= load<u32>(kb + (<usize>(i - 1) << 2))) continue;
    const y = load<i32>(ib + (<usize>i << 2));
    let j = i - 1;
    do {
      store<u32>(kb + (<usize>(j + 1) << 2), load<u32>(kb + (<usize>j << 2)));
      store<i32>(ib + (<usize>(j + 1) << 2), load<i32>(ib + (<usize>j << 2)));
      j--;
    } while (j >= 0 && x < load<u32>(kb + (<usize>j << 2)));
    store<u32>(kb + (<usize>(j + 1) << 2), x);
    store<i32>(ib + (<usize>(j + 1) << 2), y);
  }
  return true;
}

// Left-packing shuffles: entry m (16 bytes) moves the i32 lanes whose bit is set in m to the front.
const PACK = memory.data<u8>([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0,
  8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0,
  12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0,
  8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0,
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
]);

/**
 * Gathers (sort key, index) of the keys >= tau of row p, in index order; returns how many. Branch
 * free: each 4-lane group is left-packed by a shuffle chosen by its compare mask and stored whole at
 * the count (so pk/pi need 3 slots of slack), and the count advances by the mask's popcount.
 */
function gather(p: usize, n: i32, neg: bool, tau: f32, pk: usize, pi: usize): i32 {
  let c = 0, j = 0;
  const tv = f32x4.splat(tau);
  let idx = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  for (; j + 4 <= n; j += 4) {
    let v = v128.load(p + (<usize>j << 2));
    if (neg) v = f32x4.neg(v);
    const m = i32x4.bitmask(f32x4.ge(v, tv));
    const sh = v128.load(PACK + (<usize>m << 4));
    v128.store(pk + (<usize>c << 2), i8x16.swizzle(sortKeys4(v), sh));
    v128.store(pi + (<usize>c << 2), i8x16.swizzle(idx, sh));
    c += <i32>popcnt(m);
    idx = i32x4.add(idx, four);
  }
  for (; j < n; j++) {
    let x = load<f32>(p + (<usize>j << 2));
    if (neg) x = -x;
    if (x >= tau) {
      store<u32>(pk + (<usize>c << 2), sortKey(x));
      store<i32>(pi + (<usize>c << 2), j);
      c++;
    }
  }
  return c;
}

/**
 * An upper bound on the r-th smallest of the m sort keys at ka that keeps the top 16 bits: the largest
 * key with the same 16-bit prefix as the r-th smallest (two 8-bit MSD histogram passes). Every key
 * <= the result is a value >= the bound's value, so at least r sampled values pass it.
 */
function rankBound(ka: usize, m: i32, r: i32, hist: usize): u32 {
  memory.fill(hist, 0, 2052);
  for (let i = 0; i < m; i++) {
    const h = hist + ((<usize>load<u32>(ka + (<usize>i << 2)) >> 24) << 2);
    store<u32>(h, load<u32>(h) + 1);
  }
  let b3 = 0, before = 0;
  for (; b3 < 256; b3++) {
    const c = <i32>load<u32>(hist + (<usize>b3 << 2));
    if (before + c >= r) break;
    before += c;
  }
  const h2 = hist + 1024; // 257 bins: the last takes the keys outside bucket b3 (no branch)
  for (let i = 0; i < m; i++) {
    const k = load<u32>(ka + (<usize>i << 2));
    const d = select<u32>((k >> 16) & 255, 256, <i32>(k >> 24) == b3);
    const h = h2 + (<usize>d << 2);
    store<u32>(h, load<u32>(h) + 1);
  }
  let b2 = 0;
  for (; b2 < 255; b2++) {
    before += <i32>load<u32>(h2 + (<usize>b2 << 2));
    if (before >= r) break;
  }
  return (<u32>b3 << 24) | (<u32>b2 << 16) | 0xffff;
}

/**
 * Column indices of the best k (1 <= k <= n) of row p, best first; returns where they are (the
 * scratch's index buffer A or B).
 */
function topkRow(p: usize, n: i32, k: i32, neg: bool, scratch: usize): usize {
  const sz = al16(<usize>(n + 4) << 2);
  const ka = scratch, ia = ka + sz, kb = ia + sz, ib = kb + sz, hist = ib + sz;
  let tau = NEG_INF;
  if (n >= 128 && k * 4 <= n) {
    // sample every SAMPLE-th key (NaNs skipped) into ka
    let m = 0;
    for (let j = 0; j < n; j += SAMPLE) {
      let x = load<f32>(p + (<usize>j << 2));
      if (neg) x = -x;
      store<u32>(ka + (<usize>m << 2), sortKey(x));
      m += i32(x == x);
    }
    const e = <f64>k / SAMPLE;
    const r = <i32>Math.ceil(e + Z * Math.sqrt(e) + 2);
    if (r <= m) tau = keyValue(rankBound(ka, m, r, hist));
    if (tau != tau) tau = NEG_INF; // the bound's bucket was the -Inf/NaN one
  }
  let c = gather(p, n, neg, tau, ka, ia);
  if (c < k && tau != NEG_INF) c = gather(p, n, neg, NEG_INF, ka, ia);
  let out = ia;
  if (c > 1) {
    if (c <= 2048 && bucketSort(ka, ia, kb, ib, c, min(c, k), hist)) out = ib;
    else if (radixSort(ka, ia, kb, ib, c, hist)) out = ib;
  }
  // fewer than k numbers: the rest are NaNs, by index
  for (let j = 0; j < n && c < k; j++) {
    if (load<f32>(p + (<usize>j << 2)) != load<f32>(p + (<usize>j << 2))) {
      store<i32>(out + (<usize>c << 2), j);
      c++;
    }
  }
  return out;
}

/** Bytes of scratch the selection functions need for rows of n values. */
export function selectScratchBytes(n: i32): i32 {
  return <i32>(al16(<usize>(n + 4) << 2) * 4 + 4112);
}

/**
 * Per row i < rows of the [rows x ld] f32 matrix at src (first n columns), the k best (1 <= k <= n)
 * column indices and values, best first: outIdx/outVal [rows x k].
 */
export function topkRowsK(
  src: usize, rows: i32, n: i32, ld: i32, k: i32, largest: bool, outIdx: usize, outVal: usize, scratch: usize,
): void {
  for (let i = 0; i < rows; i++) {
    const p = src + (<usize>i * <usize>ld << 2);
    const pi = topkRow(p, n, k, !largest, scratch);
    const o = <usize>i * <usize>k << 2;
    for (let q = 0; q < k; q++) {
      const j = load<i32>(pi + (<usize>q << 2));
      store<i32>(outIdx + o + (<usize>q << 2), j);
      store<f32>(outVal + o + (<usize>q << 2), load<f32>(p + (<usize>j << 2)));
    }
  }
}

/**
 * Per row, mean and population std (f64) of its k largest values, summed best first in f64 exactly
 * as the reference (two passes: mean, then squared deviations); with k >= n, of all n values in
 * column order. outMean/outStd: f64[rows].
 */
export function topkStatsRows(
  src: usize, rows: i32, n: i32, ld: i32, k: i32, outMean: usize, outStd: usize, scratch: usize,
): void {
  for (let i = 0; i < rows; i++) {
    const p = src + (<usize>i * <usize>ld << 2);
    let m: f64 = 0, v: f64 = 0, s: f64 = 0;
    if (k >= n) {
      for (let j = 0; j < n; j++) s += <f64>load<f32>(p + (<usize>j << 2));
      m = s / <f64>n;
      for (let j = 0; j < n; j++) {
        const d = <f64>load<f32>(p + (<usize>j << 2)) - m;
        v += d * d;
      }
      v /= <f64>n;
    } else {
      const pi = topkRow(p, n, k, false, scratch);
      for (let q = 0; q < k; q++) s += <f64>load<f32>(p + (<usize>load<i32>(pi + (<usize>q << 2)) << 2));
      m = s / <f64>k;
      for (let q = 0; q < k; q++) {
        const d = <f64>load<f32>(p + (<usize>load<i32>(pi + (<usize>q << 2)) << 2)) - m;
        v += d * d;
      }
      v /= <f64>k;
    }
    store<f64>(outMean + (<usize>i << 3), m);
    store<f64>(outStd + (<usize>i << 3), Math.sqrt(v));
  }
}
