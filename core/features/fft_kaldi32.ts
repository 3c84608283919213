/**
 * Kaldi's real FFT in Kaldi's own float32 arithmetic (the `fft: "kaldi-float32"` option): the split-radix
 * complex FFT of matrix/srfft.cc (Malvar, "Signal processing with lapped transforms", 1992; Kaldi is
 * Apache-2.0) with its float twiddle tables, and SplitRadixRealFft's unpacking, whose twiddle factor is
 * advanced by a float32 complex multiply. Every operation is rounded with Math.fround as Kaldi's float
 * would be: the same rounding as asm/src/fbank.ts and compute-fbank-feats, which is visible in quiet bins
 * (0.018 from a float64 fbank on Kaldi's own test file). The float64 path is in fft64.ts.
 * @module
 */
import { complexDft, dftTables } from "./fft64.ts";

/** Power spectrum of one real frame, computed the way Kaldi does (float32, split radix). */
export class KaldiRealFft {
  readonly #n: number;
  readonly #pow2: boolean;
  readonly #cr: Float64Array;
  readonly #ci: Float64Array;
  readonly #rootRe: number;
  readonly #rootIm: number;
  readonly #f32r: Float32Array;
  readonly #f32i: Float32Array;
  readonly #tabs: Float32Array[];
  readonly #bitrev: Int32Array;
  readonly #dft: { cos: Float64Array; sin: Float64Array } | null;

  /** `n`: the (even) real FFT size. */
  constructor(n: number) {
    const h = n / 2;
    this.#n = n;
    this.#pow2 = (h & (h - 1)) === 0;
    this.#cr = new Float64Array(h);
    this.#ci = new Float64Array(h);
    // Kaldi: ComplexImExp(static_cast<float>(-2*pi/N)) with cosf/sinf.
    const th = Math.fround(-2 * Math.PI / n);
    this.#rootRe = Math.fround(Math.cos(th));
    this.#rootIm = Math.fround(Math.sin(th));
    this.#f32r = new Float32Array(h);
    this.#f32i = new Float32Array(h);
    const logn = Math.round(Math.log2(h));
    this.#tabs = this.#pow2 ? splitRadixTables(logn) : [];
    this.#bitrev = this.#pow2 ? bitReversal(logn) : new Int32Array(0);
    this.#dft = this.#pow2 ? null : dftTables(h);
  }

  /**
   * Power spectrum of the real frame in `re` (bins 0..n/2 written to re[0..n/2]; `im` is scratch), computed
   * the way Kaldi does: a complex FFT of the n/2 packed pairs, then Kaldi's RealFft unpacking, whose
   * twiddle factor is advanced by a recursive complex multiply in float32. That recursion's rounding is
   * visible in quiet bins (up to 0.02 in log fbank on the reference sine sweep), so we reproduce it exactly.
   */
  power(re: Float64Array, im: Float64Array): void {
    const n = this.#n, h = n / 2;
    const cr = this.#cr, ci = this.#ci;
    for (let k = 0; k < h; k++) {
      cr[k] = re[2 * k];
      ci[k] = re[2 * k + 1];
    }
    if (this.#pow2) this.#fftPow2(cr, ci);
    else complexDft(cr, ci, this.#dft!);
    const F = Math.fround;
    const rootRe = this.#rootRe, rootIm = this.#rootIm;
    let kRe = 1, kIm = 0;
    const dr = re, di = im; // reuse as the unpacked spectrum A_k (k = 0..h)
    for (let k = 0; k < h; k++) {
      cr[k] = F(cr[k]);
      ci[k] = F(ci[k]);
    }
    for (let k = 1; 2 * k <= h; k++) {
      const t = F(F(kRe * rootRe) - F(kIm * rootIm));
      kIm = F(F(kRe * rootIm) + F(kIm * rootRe));
      kRe = t;
      const ckRe = F(0.5 * F(cr[k] + cr[h - k])), ckIm = F(0.5 * F(ci[k] - ci[h - k]));
      const dkRe = F(0.5 * F(ci[k] + ci[h - k])), dkIm = F(-0.5 * F(cr[k] - cr[h - k]));
      dr[k] = F(ckRe + F(F(dkRe * kRe) - F(dkIm * kIm)));
      di[k] = F(ckIm + F(F(dkRe * kIm) + F(dkIm * kRe)));
      const kd = h - k;
      if (kd !== k) {
        dr[kd] = F(ckRe + F(F(dkRe * -kRe) - F(-dkIm * kIm)));
        di[kd] = F(-ckIm + F(F(dkRe * kIm) + F(-dkIm * -kRe)));
      }
    }
    const dc = cr[0] + ci[0], ny = cr[0] - ci[0];
    re[0] = dc * dc;
    for (let k = 1; k < h; k++) re[k] = dr[k] * dr[k] + di[k] * di[k];
    re[h] = ny * ny;
  }

  /**
   * Kaldi's split-radix complex FFT of size n/2 in float32 arithmetic (Math.fround after every
   * operation), then the bit-reversal permutation: the same rounding as asm/src/fbank.ts and Kaldi.
   */
  #fftPow2(re: Float64Array, im: Float64Array): void {
    const h = this.#n / 2;
    const xr = this.#f32r, xi = this.#f32i;
    for (let i = 0; i < h; i++) {
      xr[i] = re[i];
      xi[i] = im[i];
    }
    srfft(xr, xi, 0, Math.log2(h), this.#tabs);
    for (let i = 0; i < h; i++) {
      const j = this.#bitrev[i];
      re[i] = xr[j];
      im[i] = xi[j];
    }
  }
}

/** The bit-reversal permutation of 2^logn indices. */
export function bitReversal(logn: number): Int32Array {
  const h = 1 << logn, br = new Int32Array(h);
  for (let i = 0; i < h; i++) {
    let r = 0;
    for (let b = 0; b < logn; b++) if (i & (1 << b)) r |= 1 << (logn - 1 - b);
    br[i] = r;
  }
  return br;
}

/**
 * Kaldi's split-radix twiddle tables per level i >= 4 (float angle, cosf/sinf, and the 3-multiply
 * forms): [c(n), -(s+c), s-c, c(3n), -(s3+c3), s3-c3], each m/4 - 2 long, n = m/8 skipped.
 */
export function splitRadixTables(logn: number): Float32Array[] {
  const F = Math.fround, tabs: Float32Array[] = [];
  for (let i = 4; i <= logn; i++) {
    const m = 1 << i, m4 = m / 4, m8 = m / 8, nel = m4 - 2;
    const t = new Float32Array(6 * nel);
    let k = 0;
    for (let n = 1; n < m4; n++) {
      if (n === m8) continue;
      let ang = F((n * 2 * Math.PI) / m);
      let c = F(Math.cos(ang)), s = F(Math.sin(ang));
      t[k] = c;
      t[nel + k] = F(-F(s + c));
      t[2 * nel + k] = F(s - c);
      ang = F((3 * n * 2 * Math.PI) / m);
      c = F(Math.cos(ang));
      s = F(Math.sin(ang));
      t[3 * nel + k] = c;
      t[4 * nel + k] = F(-F(s + c));
      t[5 * nel + k] = F(s - c);
      k++;
    }
    tabs[i] = t;
  }
  return tabs;
}

const SQHALF = Math.fround(Math.SQRT1_2);

/** Split-radix DIF complex FFT on xr/xi[o..o+2^logn) in float32, output in bit-reversed order. */
function srfft(xr: Float32Array, xi: Float32Array, o: number, logn: number, tabs: Float32Array[]): void {
  const F = Math.fround;
  if (logn < 3) {
    if (logn === 2) {
      let t = F(xr[o] + xr[o + 2]);
      xr[o + 2] = xr[o] - xr[o + 2];
      xr[o] = t;
      t = F(xi[o] + xi[o + 2]);
      xi[o + 2] = xi[o] - xi[o + 2];
      xi[o] = t;
      t = F(xr[o + 1] + xr[o + 3]);
      xr[o + 3] = xr[o + 1] - xr[o + 3];
      xr[o + 1] = t;
      t = F(xi[o + 1] + xi[o + 3]);
      xi[o + 3] = xi[o + 1] - xi[o + 3];
      xi[o + 1] = t;
      t = F(xr[o] + xr[o + 1]);
      xr[o + 1] = xr[o] - xr[o + 1];
      xr[o] = t;
      t = F(xi[o] + xi[o + 1]);
      xi[o + 1] = xi[o] - xi[o + 1];
      xi[o] = t;
      const t1 = F(xr[o + 2] + xi[o + 3]), t2 = F(xi[o + 2] + xr[o + 3]);
      xi[o + 2] = xi[o + 2] - xr[o + 3];
      xr[o + 3] = xr[o + 2] - xi[o + 3];
      xr[o + 2] = t1;
      xi[o + 3] = t2;
    } else if (logn === 1) {
      let t = F(xr[o] + xr[o + 1]);
      xr[o + 1] = xr[o] - xr[o + 1];
      xr[o] = t;
      t = F(xi[o] + xi[o + 1]);
      xi[o + 1] = xi[o] - xi[o + 1];
      xi[o] = t;
    }
    return;
  }
  const m = 1 << logn, m2 = m >> 1, m4 = m2 >> 1, m8 = m4 >> 1;
  for (let n = 0; n < m2; n++) {
    const a = xr[o + n], b = xr[o + n + m2];
    xr[o + n + m2] = a - b;
    xr[o + n] = a + b;
    const c = xi[o + n], d = xi[o + n + m2];
    xi[o + n + m2] = c - d;
    xi[o + n] = c + d;
  }
  for (let n = 0; n < m4; n++) {
    const i1 = o + m2 + n, i2 = o + m2 + m4 + n;
    const r1 = xr[i1], r2 = xr[i2], q1 = xi[i1], q2 = xi[i2];
    xi[i1] = q1 - r2;
    xr[i2] = r1 - q2;
    xr[i1] = r1 + q2;
    xi[i2] = q1 + r2;
  }
  const t = logn >= 4 ? tabs[logn] : new Float32Array(0), nel = m4 - 2;
  let k = 0;
  for (let n = 1; n < m4; n++) {
    const i1 = o + m2 + n, i2 = o + m2 + m4 + n;
    if (n === m8) {
      const r1 = xr[i1], q1 = xi[i1];
      const t1 = F(SQHALF * F(r1 + q1));
      xi[i1] = SQHALF * F(q1 - r1);
      xr[i1] = t1;
      const r2 = xr[i2], q2 = xi[i2];
      const t2 = F(SQHALF * F(q2 - r2));
      xi[i2] = -SQHALF * F(r2 + q2);
      xr[i2] = t2;
    } else {
      const r1 = xr[i1], q1 = xi[i1];
      let t2 = F(t[k] * F(r1 + q1));
      let t1 = F(F(t[nel + k] * r1) + t2);
      xr[i1] = F(t[2 * nel + k] * q1) + t2;
      xi[i1] = t1;
      const r2 = xr[i2], q2 = xi[i2];
      t2 = F(t[3 * nel + k] * F(r2 + q2));
      t1 = F(F(t[4 * nel + k] * r2) + t2);
      xr[i2] = F(t[5 * nel + k] * q2) + t2;
      xi[i2] = t1;
      k++;
    }
  }
  srfft(xr, xi, o, logn - 1, tabs);
  srfft(xr, xi, o + m2, logn - 2, tabs);
  srfft(xr, xi, o + 3 * (m >> 2), logn - 2, tabs);
}
