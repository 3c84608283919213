/**
 * The float64 real FFT of the `fft: "float64"` option, and the tables the WASM kernel's float64 path
 * (asm/src/fft64.ts) is given, so both run the same algorithm on the same numbers.
 *
 * A real frame of n samples is packed into n/2 complex pairs, transformed by the split-radix complex FFT
 * (the same decimation-in-frequency recursion as Kaldi's matrix/srfft.cc, after Malvar, "Signal
 * processing with lapped transforms", 1992, but with exact float64 twiddles cos/sin(2 pi n/m) in the
 * plain 4-multiply form), and unpacked with exact twiddles W^k = exp(-2 pi i k/n) from a table instead of
 * Kaldi's recursion. Every step is float64, so quiet bins (100 dB below the frame peak) keep ~1e-10 of
 * relative accuracy where a float32 FFT keeps ~1e-2: this is what puts the torchaudio-trained presets
 * within torchaudio's own distance of a float64 Kaldi fbank (tests/fbank_test.ts).
 * @module
 */

/** cos/sin tables of a direct complex DFT of size h (for FFT sizes that are not powers of two). */
export function dftTables(h: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(h), sin = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / h);
    sin[i] = -Math.sin((2 * Math.PI * i) / h);
  }
  return { cos, sin };
}

/** Direct complex DFT of re/im (length h = t.cos.length) in float64, in place. */
export function complexDft(re: Float64Array, im: Float64Array, t: { cos: Float64Array; sin: Float64Array }) {
  const n = t.cos.length, xr = re.slice(0, n), xi = im.slice(0, n);
  for (let k = 0; k < n; k++) {
    let sr = 0, si = 0;
    for (let j = 0; j < n; j++) {
      const idx = (k * j) % n;
      sr += xr[j] * t.cos[idx] - xi[j] * t.sin[idx];
      si += xr[j] * t.sin[idx] + xi[j] * t.cos[idx];
    }
    re[k] = sr;
    im[k] = si;
  }
}

/**
 * Split-radix twiddles per level i = 3..logn (m = 2^i): four runs of m/4 - 1 float64 values,
 * [cos(a_n), sin(a_n), cos(3 a_n), sin(3 a_n)] for n = 1..m/4-1, a_n = 2 pi n / m.
 */
export function splitRadixTables64(logn: number): Float64Array[] {
  const tabs: Float64Array[] = [];
  for (let i = 3; i <= logn; i++) {
    const m = 1 << i, nel = m / 4 - 1, t = new Float64Array(4 * nel);
    for (let n = 1; n <= nel; n++) {
      const a = (2 * Math.PI * n) / m;
      t[n - 1] = Math.cos(a);
      t[nel + n - 1] = Math.sin(a);
      t[2 * nel + n - 1] = Math.cos(3 * a);
      t[3 * nel + n - 1] = Math.sin(3 * a);
    }
    tabs[i] = t;
  }
  return tabs;
}

/** Real-FFT unpacking twiddles W^k = exp(-2 pi i k / n), k = 0..n/4, interleaved [re, im]. */
export function unpackTwiddles64(n: number): Float64Array {
  const q = Math.floor(n / 4), w = new Float64Array(2 * (q + 1));
  for (let k = 0; k <= q; k++) {
    w[2 * k] = Math.cos((2 * Math.PI * k) / n);
    w[2 * k + 1] = -Math.sin((2 * Math.PI * k) / n);
  }
  return w;
}

/** Split-radix DIF complex FFT on xr/xi[o..o+2^logn) in float64, output in bit-reversed order. */
export function srfft64(xr: Float64Array, xi: Float64Array, o: number, logn: number, tabs: Float64Array[]) {
  if (logn < 3) {
    if (logn >= 2) {
      bfly(xr, xi, o, o + 2);
      bfly(xr, xi, o + 1, o + 3);
      bfly(xr, xi, o, o + 1);
      const r2 = xr[o + 2], q2 = xi[o + 2], r3 = xr[o + 3], q3 = xi[o + 3];
      xr[o + 2] = r2 + q3;
      xi[o + 2] = q2 - r3;
      xr[o + 3] = r2 - q3;
      xi[o + 3] = q2 + r3;
    } else if (logn === 1) bfly(xr, xi, o, o + 1);
    return;
  }
  const m = 1 << logn, m2 = m >> 1, m4 = m2 >> 1, nel = m4 - 1, t = tabs[logn];
  for (let n = 0; n < m2; n++) bfly(xr, xi, o + n, o + n + m2);
  for (let n = 0; n < m4; n++) {
    const i1 = o + m2 + n, i2 = i1 + m4;
    const r1 = xr[i1], r2 = xr[i2], q1 = xi[i1], q2 = xi[i2];
    xi[i1] = q1 - r2;
    xr[i2] = r1 - q2;
    xr[i1] = r1 + q2;
    xi[i2] = q1 + r2;
  }
  for (let n = 1; n < m4; n++) {
    const i1 = o + m2 + n, i2 = i1 + m4;
    const c = t[n - 1], s = t[nel + n - 1], c3 = t[2 * nel + n - 1], s3 = t[3 * nel + n - 1];
    const r1 = xr[i1], q1 = xi[i1], r2 = xr[i2], q2 = xi[i2];
    xr[i1] = c * r1 + s * q1; // (r + iq) e^{-i a}
    xi[i1] = c * q1 - s * r1;
    xr[i2] = c3 * r2 + s3 * q2; // (r + iq) e^{-3i a}
    xi[i2] = c3 * q2 - s3 * r2;
  }
  srfft64(xr, xi, o, logn - 1, tabs);
  srfft64(xr, xi, o + m2, logn - 2, tabs);
  srfft64(xr, xi, o + m2 + m4, logn - 2, tabs);
}

function bfly(xr: Float64Array, xi: Float64Array, a: number, b: number): void {
  const r = xr[a], q = xi[a];
  xr[a] = r + xr[b];
  xr[b] = r - xr[b];
  xi[a] = q + xi[b];
  xi[b] = q - xi[b];
}

/** Power spectrum of one real frame in float64: packed complex FFT of size n/2, then exact unpacking. */
export class RealFft64 {
  readonly #n: number;
  readonly #logn: number;
  readonly #tabs: Float64Array[];
  readonly #dft: { cos: Float64Array; sin: Float64Array } | null;
  readonly #w: Float64Array;
  readonly #zr: Float64Array;
  readonly #zi: Float64Array;

  /** `n`: the (even) real FFT size. */
  constructor(n: number) {
    const h = n / 2, pow2 = (h & (h - 1)) === 0;
    this.#n = n;
    this.#logn = pow2 ? Math.round(Math.log2(h)) : -1;
    this.#tabs = pow2 ? splitRadixTables64(this.#logn) : [];
    this.#dft = pow2 ? null : dftTables(h);
    this.#w = unpackTwiddles64(n);
    this.#zr = new Float64Array(h);
    this.#zi = new Float64Array(h);
  }

  /** Overwrites x[0..n/2] with |X_k|^2, k = 0..n/2, of the real frame x[0..n) (same call as KaldiRealFft). */
  power(x: Float64Array, _scratch?: Float64Array): void {
    const h = this.#n / 2, zr = this.#zr, zi = this.#zi, w = this.#w, out = x;
    for (let k = 0; k < h; k++) {
      zr[k] = x[2 * k];
      zi[k] = x[2 * k + 1];
    }
    if (this.#dft) complexDft(zr, zi, this.#dft);
    else {
      srfft64(zr, zi, 0, this.#logn, this.#tabs);
      bitReverse(zr, zi, this.#logn);
    }
    const a0 = zr[0], c0 = zi[0];
    for (let k = 1; 2 * k <= h; k++) {
      const a = zr[k], c = zi[k], b = zr[h - k], d = zi[h - k];
      // Z_k = FFT of the packed pairs; X_k = C_k + W^k D_k, X_{h-k} = conj(C_k) - conj(W^k) conj(D_k)
      const ckRe = 0.5 * (a + b), ckIm = 0.5 * (c - d), dkRe = 0.5 * (c + d), dkIm = -0.5 * (a - b);
      const wr = w[2 * k], wi = w[2 * k + 1];
      const tr = wr * dkRe - wi * dkIm, ti = wr * dkIm + wi * dkRe;
      out[k] = (ckRe + tr) * (ckRe + tr) + (ckIm + ti) * (ckIm + ti);
      if (h - k !== k) out[h - k] = (ckRe - tr) * (ckRe - tr) + (ti - ckIm) * (ti - ckIm);
    }
    out[0] = (a0 + c0) * (a0 + c0);
    out[h] = (a0 - c0) * (a0 - c0);
  }
}

/** Puts a bit-reversed sequence of 2^logn values back in natural order, in place. */
function bitReverse(re: Float64Array, im: Float64Array, logn: number): void {
  const h = 1 << logn;
  for (let i = 0; i < h; i++) {
    let j = 0;
    for (let b = 0; b < logn; b++) if (i & (1 << b)) j |= 1 << (logn - 1 - b);
    if (j > i) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
}
