// Kaldi-compatible fbank per-frame kernel (float32, like Kaldi's BaseFloat), SIMD across frames.
//
// The host (core/features/fbank_wasm.ts) cuts and dithers frames, writes the tables (window, mel
// weights, split-radix twiddles, bit-reverse permutation) into this instance's memory and calls
// configure() once, then fbankFrames() per block. Four frames run at once, one per f32x4 lane: every
// lane performs exactly the scalar float32 operations of Kaldi in Kaldi's order (elementwise SIMD does
// not change rounding), so the output reproduces compute-fbank-feats, whose split-radix FFT and float
// twiddle recursion in the real-FFT unpacking are visible in quiet bins. The FFT follows the split-radix
// algorithm of Malvar ("Signal processing with lapped transforms", 1992) as Kaldi's matrix/srfft.cc
// uses it (Apache-2.0).
//
// With flag 64 (the `fft: "float64"` option of the toolkit presets) the same time-domain steps are
// followed by a float64 FFT, power spectrum and mel sums (fft64.ts, two frames per f64x2 vector) and a
// float64 log: the arithmetic of core/features/fft64.ts, so the WASM and TypeScript paths agree.

import { melLog64, spectra64 } from "./fft64";

const FLT_EPSILON: f32 = 1.1920928955078125e-7;

let WIN: i32 = 0; // samples per frame
let NFFT: i32 = 0; // real FFT size N (power of two)
let LOGN: i32 = 0; // log2(N/2), the complex FFT size
let NB: i32 = 0; // mel bins
let COLS: i32 = 0; // output columns (NB + energy)
let MELCOL: i32 = 0; // first mel column
let ENERGYCOL: i32 = -1; // energy column or -1
let FLAGS: i32 = 0; // 1 removeDc, 2 useEnergy, 4 rawEnergy, 8 useLog, 16 usePower, 32 htkCompat, 64 float64
let PREEMPH: f32 = 0;
let LOGFLOOR: f32 = 0; // log(energyFloor) or -inf
let ROOT_RE: f32 = 0;
let ROOT_IM: f32 = 0;

let pWindow: usize = 0; // f32[WIN]
let pMelOff: usize = 0; // i32[NB]: first FFT bin of each filter
let pMelLen: usize = 0; // i32[NB]: number of weights
let pMelW: usize = 0; // u32[NB]: byte pointer of each filter's f32 weights
let pTab: usize = 0; // u32[LOGN+1]: byte pointer to the twiddle table of each level (>= 4)
let pBitrev: usize = 0; // i32[N/2]: bit-reversal permutation
let pBuf: usize = 0; // v128[N]: the 4 frames, then their interleaved spectra
let pRe: usize = 0; // v128[N/2]
let pIm: usize = 0; // v128[N/2]
let pTab64: usize = 0; // float64 path: u32[LOGN+1] byte pointers to each level's f64 twiddles (>= 3)
let pUnpack: usize = 0; // f64[2 (N/4+1)]: W^k = [cos, -sin](2 pi k / N)
let pMelW64: usize = 0; // u32[NB]: byte pointer of each filter's f64 weights
let pPowA: usize = 0; // v128[N/2+1]: f64x2 power spectra of frames 0, 1 of the four
let pPowB: usize = 0; // v128[N/2+1]: frames 2, 3

/** Sets sizes, flags and table pointers (all laid out by the host). */
export function configure(
  win: i32,
  nfft: i32,
  nb: i32,
  flags: i32,
  preemph: f32,
  logFloor: f32,
  rootRe: f32,
  rootIm: f32,
  window: usize,
  melOff: usize,
  melLen: usize,
  melW: usize,
  tab: usize,
  bitrev: usize,
  buf: usize,
  re: usize,
  im: usize,
): void {
  WIN = win;
  NFFT = nfft;
  let l = 0;
  while ((1 << l) < (nfft >> 1)) l++;
  LOGN = l;
  NB = nb;
  FLAGS = flags;
  const useEnergy = (flags & 2) != 0;
  COLS = nb + (useEnergy ? 1 : 0);
  const htk = (flags & 32) != 0;
  MELCOL = useEnergy && !htk ? 1 : 0;
  ENERGYCOL = useEnergy ? (htk ? nb : 0) : -1;
  PREEMPH = preemph;
  LOGFLOOR = logFloor;
  ROOT_RE = rootRe;
  ROOT_IM = rootIm;
  pWindow = window;
  pMelOff = melOff;
  pMelLen = melLen;
  pMelW = melW;
  pTab = tab;
  pBitrev = bitrev;
  pBuf = buf;
  pRe = re;
  pIm = im;
}

/** Table pointers of the float64 path (flag 64), laid out by the host; call after configure(). */
export function configure64(tab64: usize, unpack: usize, melW64: usize, powA: usize, powB: usize): void {
  pTab64 = tab64;
  pUnpack = unpack;
  pMelW64 = melW64;
  pPowA = powA;
  pPowB = powB;
}

/** First byte after the module's static data: where the host may start its layout. */
export function heapBase(): usize {
  return __heap_base;
}

// v128 element i of an array of 4-lane vectors
@inline function V(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}
@inline function SV(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 4), v);
}
@inline function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
@inline function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
@inline function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}
@inline function tw(p: usize, k: i32): v128 {
  return v128.load32_splat(p + (<usize>k << 2));
}

// Split-radix complex FFT (decimation in frequency, output in bit-reversed order), in place, on four
// independent transforms (one per lane).
function srfft(xr: usize, xi: usize, logn: i32): void {
  let t1: v128, t2: v128;
  if (logn < 3) {
    if (logn == 2) {
      t1 = add(V(xr, 0), V(xr, 2));
      SV(xr, 2, sub(V(xr, 0), V(xr, 2)));
      SV(xr, 0, t1);
      t1 = add(V(xi, 0), V(xi, 2));
      SV(xi, 2, sub(V(xi, 0), V(xi, 2)));
      SV(xi, 0, t1);
      t1 = add(V(xr, 1), V(xr, 3));
      SV(xr, 3, sub(V(xr, 1), V(xr, 3)));
      SV(xr, 1, t1);
      t1 = add(V(xi, 1), V(xi, 3));
      SV(xi, 3, sub(V(xi, 1), V(xi, 3)));
      SV(xi, 1, t1);
      t1 = add(V(xr, 0), V(xr, 1));
      SV(xr, 1, sub(V(xr, 0), V(xr, 1)));
      SV(xr, 0, t1);
      t1 = add(V(xi, 0), V(xi, 1));
      SV(xi, 1, sub(V(xi, 0), V(xi, 1)));
      SV(xi, 0, t1);
      t1 = add(V(xr, 2), V(xi, 3));
      t2 = add(V(xi, 2), V(xr, 3));
      SV(xi, 2, sub(V(xi, 2), V(xr, 3)));
      SV(xr, 3, sub(V(xr, 2), V(xi, 3)));
      SV(xr, 2, t1);
      SV(xi, 3, t2);
    } else if (logn == 1) {
      t1 = add(V(xr, 0), V(xr, 1));
      SV(xr, 1, sub(V(xr, 0), V(xr, 1)));
      SV(xr, 0, t1);
      t1 = add(V(xi, 0), V(xi, 1));
      SV(xi, 1, sub(V(xi, 0), V(xi, 1)));
      SV(xi, 0, t1);
    }
    return;
  }
  const m = 1 << logn, m2 = m >> 1, m4 = m2 >> 1, m8 = m4 >> 1;
  // step 1: butterflies between halves
  for (let n = 0; n < m2; n++) {
    const a = V(xr, n), b = V(xr, n + m2);
    SV(xr, n + m2, sub(a, b));
    SV(xr, n, add(a, b));
    const c = V(xi, n), d = V(xi, n + m2);
    SV(xi, n + m2, sub(c, d));
    SV(xi, n, add(c, d));
  }
  // step 2: multiply the odd quarters by -i / +i
  for (let n = 0; n < m4; n++) {
    const i1 = m2 + n, i2 = m2 + m4 + n;
    const r1 = V(xr, i1), r2 = V(xr, i2), q1 = V(xi, i1), q2 = V(xi, i2);
    SV(xi, i1, sub(q1, r2));
    SV(xr, i2, sub(r1, q2));
    SV(xr, i1, add(r1, q2));
    SV(xi, i2, add(q1, r2));
  }
  // steps 3 and 4: twiddles (3-multiply form with Kaldi's tables cn, -(s+c), s-c for n and 3n)
  let cn: usize = 0, spcn: usize = 0, smcn: usize = 0, c3n: usize = 0, spc3n: usize = 0, smc3n: usize = 0;
  if (logn >= 4) {
    const nel = <usize>(m4 - 2) << 2;
    cn = load<u32>(pTab + (<usize>logn << 2));
    spcn = cn + nel;
    smcn = spcn + nel;
    c3n = smcn + nel;
    spc3n = c3n + nel;
    smc3n = spc3n + nel;
  }
  const sq = splat(<f32>0.70710678118654752440), nsq = splat(-<f32>0.70710678118654752440);
  let k = 0;
  for (let n = 1; n < m4; n++) {
    const i1 = m2 + n, i2 = m2 + m4 + n;
    const r1 = V(xr, i1), q1 = V(xi, i1), r2 = V(xr, i2), q2 = V(xi, i2);
    if (n == m8) {
      SV(xr, i1, mul(sq, add(r1, q1)));
      SV(xi, i1, mul(sq, sub(q1, r1)));
      SV(xr, i2, mul(sq, sub(q2, r2)));
      SV(xi, i2, mul(nsq, add(r2, q2)));
    } else {
      t2 = mul(tw(cn, k), add(r1, q1));
      SV(xi, i1, add(mul(tw(spcn, k), r1), t2));
      SV(xr, i1, add(mul(tw(smcn, k), q1), t2));
      t2 = mul(tw(c3n, k), add(r2, q2));
      SV(xi, i2, add(mul(tw(spc3n, k), r2), t2));
      SV(xr, i2, add(mul(tw(smc3n, k), q2), t2));
      k++;
    }
  }
  srfft(xr, xi, logn - 1);
  srfft(xr + (<usize>m2 << 4), xi + (<usize>m2 << 4), logn - 2);
  srfft(xr + (<usize>(3 * (m >> 2)) << 4), xi + (<usize>(3 * (m >> 2)) << 4), logn - 2);
}

// Kaldi SplitRadixRealFft (forward) of pBuf[0..N) into the packed spectrum, then the power spectrum
// written to pBuf[0..N/2] (four frames at once).
function realFftPower(): void {
  const n = NFFT, n2 = n >> 1;
  const re = pRe, im = pIm, buf = pBuf;
  for (let i = 0; i < n2; i++) {
    SV(re, i, V(buf, 2 * i));
    SV(im, i, V(buf, 2 * i + 1));
  }
  srfft(re, im, LOGN);
  for (let i = 0; i < n2; i++) {
    const j = load<i32>(pBitrev + (<usize>i << 2));
    SV(buf, 2 * i, V(re, j));
    SV(buf, 2 * i + 1, V(im, j));
  }
  // unpack with the float twiddle recursion (scalar: identical for all lanes)
  let kRe: f32 = 1, kIm: f32 = 0;
  const half = splat(0.5), nhalf = splat(-0.5);
  for (let k = 1; 2 * k <= n2; k++) {
    const t: f32 = kRe * ROOT_RE - kIm * ROOT_IM;
    kIm = kRe * ROOT_IM + kIm * ROOT_RE;
    kRe = t;
    const vkRe = splat(kRe), vkIm = splat(kIm), vnkRe = splat(-kRe);
    const a = V(buf, 2 * k), b = V(buf, n - 2 * k), c = V(buf, 2 * k + 1), d = V(buf, n - 2 * k + 1);
    const ckRe = mul(half, add(a, b));
    const ckIm = mul(half, sub(c, d));
    const dkRe = mul(half, add(c, d));
    const dkIm = mul(nhalf, sub(a, b));
    SV(buf, 2 * k, add(ckRe, sub(mul(vkRe, dkRe), mul(vkIm, dkIm))));
    SV(buf, 2 * k + 1, add(ckIm, add(mul(vkRe, dkIm), mul(vkIm, dkRe))));
    const kd = n2 - k;
    if (kd != k) {
      const ndkIm = f32x4.neg(dkIm);
      SV(buf, 2 * kd, add(ckRe, sub(mul(vnkRe, dkRe), mul(vkIm, ndkIm))));
      SV(buf, 2 * kd + 1, add(f32x4.neg(ckIm), add(mul(vnkRe, ndkIm), mul(vkIm, dkRe))));
    }
  }
  const zeroth = add(V(buf, 0), V(buf, 1)), n2th = sub(V(buf, 0), V(buf, 1));
  for (let i = 1; i < n2; i++) {
    const r = V(buf, 2 * i), q = V(buf, 2 * i + 1);
    SV(buf, i, add(mul(r, r), mul(q, q)));
  }
  SV(buf, 0, mul(zeroth, zeroth));
  SV(buf, n2, mul(n2th, n2th));
}

@inline function logf(x: f32): f32 {
  return Mathf.log(x < FLT_EPSILON ? FLT_EPSILON : x);
}

function logEnergy4(buf: usize, win: i32): v128 {
  let e = splat(0);
  for (let i = 0; i < win; i++) {
    const v = V(buf, i);
    e = add(e, mul(v, v));
  }
  return e;
}

@inline function storeLanes(out: usize, col: i32, v: v128, log: bool): void {
  const rs = <usize>COLS << 2, p = out + (<usize>col << 2);
  let a = f32x4.extract_lane(v, 0), b = f32x4.extract_lane(v, 1);
  let c = f32x4.extract_lane(v, 2), d = f32x4.extract_lane(v, 3);
  if (log) {
    a = logf(a);
    b = logf(b);
    c = logf(c);
    d = logf(d);
  }
  store<f32>(p, a);
  store<f32>(p + rs, b);
  store<f32>(p + 2 * rs, c);
  store<f32>(p + 3 * rs, d);
}

/**
 * Processes `count` frames (rows of WIN f32 at `frames`; count a multiple of 4, the host pads) into
 * rows of COLS f32 at `out`.
 */
export function fbankFrames(frames: usize, count: i32, out: usize): void {
  const win = WIN, n = NFFT, buf = pBuf;
  const rowBytes = <usize>win << 2;
  for (let fr = 0; fr < count; fr += 4) {
    // interleave 4 frames: lane l of element i = frame fr+l, sample i
    const s0 = frames + <usize>fr * rowBytes;
    for (let i = 0; i < win; i++) {
      const o = <usize>i << 2;
      const p = buf + (<usize>i << 4);
      store<f32>(p, load<f32>(s0 + o));
      store<f32>(p + 4, load<f32>(s0 + rowBytes + o));
      store<f32>(p + 8, load<f32>(s0 + 2 * rowBytes + o));
      store<f32>(p + 12, load<f32>(s0 + 3 * rowBytes + o));
    }
    memory.fill(buf + (<usize>win << 4), 0, <usize>(n - win) << 4);
    if (FLAGS & 1) {
      let sum = splat(0);
      for (let i = 0; i < win; i++) sum = add(sum, V(buf, i));
      const mean = f32x4.div(sum, splat(<f32>win));
      for (let i = 0; i < win; i++) SV(buf, i, sub(V(buf, i), mean));
    }
    let energy = splat(0);
    if ((FLAGS & 6) == 6) energy = logEnergy4(buf, win);
    if (PREEMPH != 0) {
      const p = splat(PREEMPH);
      for (let i = win - 1; i > 0; i--) SV(buf, i, sub(V(buf, i), mul(p, V(buf, i - 1))));
      SV(buf, 0, sub(V(buf, 0), mul(p, V(buf, 0))));
    }
    for (let i = 0; i < win; i++) SV(buf, i, mul(V(buf, i), tw(pWindow, i)));
    if ((FLAGS & 6) == 2) energy = logEnergy4(buf, win);
    const row = out + (<usize>(fr * COLS) << 2);
    const useLog = (FLAGS & 8) != 0;
    if (FLAGS & 64) mel64(row, useLog);
    else mel32(row, useLog);
    if (ENERGYCOL >= 0) {
      // log energy per frame, then Kaldi's floor on the log scale
      storeLanes(row, ENERGYCOL, energy, true);
      const rs = <usize>COLS << 2, p = row + (<usize>ENERGYCOL << 2);
      for (let l = 0; l < 4; l++) {
        const v = load<f32>(p + <usize>l * rs);
        if (v < LOGFLOOR) store<f32>(p + <usize>l * rs, LOGFLOOR);
      }
    }
  }
}

// Kaldi's float32 path: split-radix FFT, power, float mel sums and logf of the four frames in pBuf.
function mel32(row: usize, useLog: bool): void {
  const buf = pBuf;
  realFftPower();
  if ((FLAGS & 16) == 0) for (let k = 0; k <= (NFFT >> 1); k++) SV(buf, k, f32x4.sqrt(V(buf, k)));
  for (let b = 0; b < NB; b++) {
    const off = load<i32>(pMelOff + (<usize>b << 2));
    const len = load<i32>(pMelLen + (<usize>b << 2));
    const w = <usize>load<u32>(pMelW + (<usize>b << 2));
    const s = buf + (<usize>off << 4);
    let acc = splat(0);
    for (let j = 0; j < len; j++) acc = add(acc, mul(tw(w, j), V(s, j)));
    storeLanes(row, MELCOL + b, acc, useLog);
  }
}

// The float64 path (fft64.ts): FFT, power, mel sums and log in float64, rounded to f32 once.
function mel64(row: usize, useLog: bool): void {
  spectra64(pBuf, NFFT, LOGN, pTab64, pBitrev, pUnpack, pRe, pIm, pPowA, pPowB, (FLAGS & 16) == 0);
  melLog64(row, <usize>COLS << 2, MELCOL, NB, pMelOff, pMelLen, pMelW64, pPowA, pPowB, useLog);
}
