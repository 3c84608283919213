/**
 * VBx: Bayesian HMM clustering of x-vector sequences (Landini, Profant, Diez, Burget, "Bayesian HMM
 * clustering of x-vector sequences (VBx) in speaker diarization: theory, implementation and analysis
 * on standard tasks", CSL 2022), ported from BUTSpeechFIT/VBx `VBx/VBx.py` (functions `VBx` and
 * `forward_backward`) and the AHC initialisation of `VBx/vbhmm.py` + `VBx/diarization_lib.py`
 * (`twoGMMcalib_lin`, `cos_similarity`, average-linkage AHC with a calibrated threshold).
 *
 * Everything here is a pure function on float64 arrays. The VB-HMM works in a PLDA space: within-class
 * covariance I, across-class covariance diag(Phi) (see core/cluster/vbx_backend.ts for getting there).
 * Equation numbers in comments refer to the paper, as in VBx.py.
 * @module
 */
import { cutAtThreshold, cutToCount, linkage } from "./linkage.ts";

/** Options of {@link vbxHmm} (names as in VBx.py). */
export interface VbxHmmOptions {
  /** Scale of the sufficient statistics (acoustic scaling). */
  readonly Fa: number;
  /** Speaker regularisation: larger Fb, fewer speakers. */
  readonly Fb: number;
  /** Probability of staying with the same speaker between consecutive rows (0: a GMM, as pyannote). */
  readonly loopProb: number;
  /** Maximum VB iterations (VBx recipe: 40). */
  readonly maxIters: number;
  /** Stop when the ELBO improves by less than this (VBx recipe: 1e-6). */
  readonly epsilon: number;
}

/** Result of {@link vbxHmm}. */
export interface VbxHmmResult {
  /** T x S responsibilities (row-major). */
  readonly gamma: Float64Array;
  /** S speaker priors. */
  readonly pi: Float64Array;
  /** ELBO after every iteration (eq. 25). */
  readonly elbo: number[];
  readonly iterations: number;
  readonly numStates: number;
}

const LOG2PI = Math.log(2 * Math.PI);
const EPS = 1e-8; // forward_backward's eps inside log(tr + eps), log(ip + eps)

function logsumexp(v: Float64Array | number[], n = v.length): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (v[i] > m) m = v[i];
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(v[i] - m);
  return m + Math.log(s);
}

/**
 * Forward-backward in the log domain, as VBx.py `forward_backward(lls, tr, ip)`: returns the state
 * posteriors, the total log-likelihood and the log forward / backward tables (all T x S row-major).
 */
export function forwardBackward(
  lls: Float64Array,
  T: number,
  S: number,
  tr: Float64Array,
  ip: Float64Array,
): { post: Float64Array; tll: number; lfw: Float64Array; lbw: Float64Array } {
  const ltr = new Float64Array(S * S);
  for (let i = 0; i < S * S; i++) ltr[i] = Math.log(tr[i] + EPS);
  const lfw = new Float64Array(T * S).fill(-Infinity);
  const lbw = new Float64Array(T * S).fill(-Infinity);
  const tmp = new Float64Array(S);
  for (let s = 0; s < S; s++) lfw[s] = lls[s] + Math.log(ip[s] + EPS);
  for (let t = 1; t < T; t++) {
    for (let j = 0; j < S; j++) {
      for (let i = 0; i < S; i++) tmp[i] = lfw[(t - 1) * S + i] + ltr[i * S + j];
      lfw[t * S + j] = lls[t * S + j] + logsumexp(tmp);
    }
  }
  for (let s = 0; s < S; s++) lbw[(T - 1) * S + s] = 0;
  for (let t = T - 2; t >= 0; t--) {
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) tmp[j] = ltr[i * S + j] + lls[(t + 1) * S + j] + lbw[(t + 1) * S + j];
      lbw[t * S + i] = logsumexp(tmp);
    }
  }
  const tll = logsumexp(lfw.subarray((T - 1) * S, T * S));
  const post = new Float64Array(T * S);
  for (let k = 0; k < T * S; k++) post[k] = Math.exp(lfw[k] + lbw[k] - tll);
  return { post, tll, lfw, lbw };
}

/**
 * The VB-HMM of VBx.py `VBx(X, Phi, loopProb, Fa, Fb, pi, gamma, maxIters, epsilon)` with the
 * responsibilities initialised from `gammaInit` (T x S, e.g. smoothed AHC labels) and uniform priors
 * (`pi = S` in VBx.py). `x` is T x D (row-major, rows in time order), `phi` the D across-class variances.
 */
export function vbxHmm(
  x: Float64Array,
  T: number,
  D: number,
  phi: Float64Array,
  gammaInit: Float64Array,
  S: number,
  o: VbxHmmOptions,
): VbxHmmResult {
  if (x.length !== T * D || phi.length !== D || gammaInit.length !== T * S) {
    throw new RangeError(
      `vbxHmm: sizes disagree (x ${x.length} vs ${T}x${D}, phi ${phi.length}, gamma ${gammaInit.length} vs ${T}x${S})`,
    );
  }
  let gamma: Float64Array = Float64Array.from(gammaInit);
  let pi: Float64Array = new Float64Array(S).fill(1 / S);
  // G: per-frame constant term in (23); V = sqrt(Phi) between (5) and (6); rho = X * V (18)
  const G = new Float64Array(T);
  const rho = new Float64Array(T * D);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let d = 0; d < D; d++) {
      const v = x[t * D + d];
      ss += v * v;
      rho[t * D + d] = v * Math.sqrt(phi[d]);
    }
    G[t] = -0.5 * (ss + D * LOG2PI);
  }
  const ratio = o.Fa / o.Fb;
  const invL = new Float64Array(S * D), alpha = new Float64Array(S * D);
  const logP = new Float64Array(T * S);
  const tr = new Float64Array(S * S);
  const elbo: number[] = [];
  let iterations = 0;
  for (let ii = 0; ii < o.maxIters; ii++) {
    iterations = ii + 1;
    // (17) invL and (16) alpha for all speakers
    for (let s = 0; s < S; s++) {
      let ns = 0;
      for (let t = 0; t < T; t++) ns += gamma[t * S + s];
      const acc = new Float64Array(D);
      for (let t = 0; t < T; t++) {
        const g = gamma[t * S + s];
        if (g === 0) continue;
        for (let d = 0; d < D; d++) acc[d] += g * rho[t * D + d];
      }
      for (let d = 0; d < D; d++) {
        const il = 1 / (1 + ratio * ns * phi[d]);
        invL[s * D + d] = il;
        alpha[s * D + d] = ratio * il * acc[d];
      }
    }
    // (23) per-frame log-likelihoods for all speakers
    for (let s = 0; s < S; s++) {
      let c = 0;
      for (let d = 0; d < D; d++) {
        const a = alpha[s * D + d];
        c += (invL[s * D + d] + a * a) * phi[d];
      }
      for (let t = 0; t < T; t++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += rho[t * D + d] * alpha[s * D + d];
        logP[t * S + s] = o.Fa * (dot - 0.5 * c + G[t]);
      }
    }
    // (1) transition matrix: loopProb on the diagonal plus (1 - loopProb) * pi
    for (let i = 0; i < S; i++) {
      for (let j = 0; j < S; j++) tr[i * S + j] = (i === j ? o.loopProb : 0) + (1 - o.loopProb) * pi[j];
    }
    const fb = forwardBackward(logP, T, S, tr, pi); // (19)-(22)
    gamma = fb.post;
    let kl = 0;
    for (let k = 0; k < S * D; k++) kl += Math.log(invL[k]) - invL[k] - alpha[k] * alpha[k] + 1;
    const value = fb.tll + o.Fb * 0.5 * kl; // (25)
    // (24) speaker priors
    const next = new Float64Array(S);
    for (let s = 0; s < S; s++) next[s] = gamma[s];
    for (let t = 1; t < T; t++) {
      const la = logsumexp(fb.lfw.subarray((t - 1) * S, t * S));
      for (let s = 0; s < S; s++) {
        next[s] += (1 - o.loopProb) * pi[s] * Math.exp(la + logP[t * S + s] + fb.lbw[t * S + s] - fb.tll);
      }
    }
    let sum = 0;
    for (let s = 0; s < S; s++) sum += next[s];
    for (let s = 0; s < S; s++) next[s] /= sum;
    pi = next;
    elbo.push(value);
    if (ii > 0 && value - elbo[ii - 1] < o.epsilon) break;
  }
  return { gamma, pi, elbo, iterations, numStates: S };
}

/**
 * diarization_lib.py `twoGMMcalib_lin(s, niters=20)`: fits a two-Gaussian, shared-variance GMM to the
 * scores and returns the threshold between the two Gaussians.
 */
export function twoGmmCalibLin(s: Float64Array, niters = 20): number {
  const n = s.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += s[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] - mean) ** 2;
  v /= n; // np.var / np.std: population
  const w = [0.5, 0.5], m = [mean - Math.sqrt(v), mean + Math.sqrt(v)];
  let threshold = Infinity;
  for (let it = 0; it < niters; it++) {
    const lw0 = Math.log(w[0]) - 0.5 * Math.log(v), lw1 = Math.log(w[1]) - 0.5 * Math.log(v);
    let c0 = 0, c1 = 0, s0 = 0, s1 = 0, q0 = 0, q1 = 0;
    for (let i = 0; i < n; i++) {
      const x = s[i];
      const l0 = lw0 - 0.5 * (x - m[0]) ** 2 / v, l1 = lw1 - 0.5 * (x - m[1]) ** 2 / v;
      const mx = Math.max(l0, l1);
      const e0 = Math.exp(l0 - mx), e1 = Math.exp(l1 - mx);
      const g0 = e0 / (e0 + e1), g1 = e1 / (e0 + e1);
      c0 += g0, c1 += g1, s0 += x * g0, s1 += x * g1, q0 += x * x * g0, q1 += x * x * g1;
    }
    w[0] = c0 / (c0 + c1), w[1] = c1 / (c0 + c1);
    m[0] = s0 / c0, m[1] = s1 / c1;
    v = (q0 / c0 - m[0] ** 2) * w[0] + (q1 / c1 - m[1] ** 2) * w[1];
    const a0 = Math.log(w[0] ** 2 / v) - m[0] ** 2 / v, a1 = Math.log(w[1] ** 2 / v) - m[1] ** 2 / v;
    threshold = -0.5 * (a0 - a1) / (m[0] / v - m[1] / v);
  }
  return threshold;
}

/** Row-wise cosine similarity matrix (n x n, float64), as diarization_lib.py `cos_similarity`. */
export function cosSimilarity(x: Float64Array, n: number, d: number): Float64Array {
  const u = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[i * d + k] ** 2;
    const inv = 1 / (Math.sqrt(ss) + 1e-32);
    for (let k = 0; k < d; k++) u[i * d + k] = x[i * d + k] * inv;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += u[i * d + k] * u[j * d + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}

/** What {@link vbxAhcInit} returns. */
export interface AhcInit {
  readonly labels: Int32Array;
  /** twoGMMcalib_lin threshold on the similarities (before adding the bias). */
  readonly calibratedThreshold: number;
  readonly stoppedBy: "threshold" | "count";
}

/**
 * vbhmm.py's initialisation: cosine similarities, an utterance-specific threshold from
 * `twoGMMcalib_lin` on all n^2 scores, then average-linkage (UPGMA) AHC on -similarity cut where the
 * average similarity falls below `calibrated + bias` (fastcluster linkage + fcluster "distance", which
 * merges at <= t). Distances are shifted by +1 (1 - cos) instead of vbhmm.py's `adjust`: average
 * linkage commutes with a constant shift, so the partition is the same. With `count` the tree is cut
 * to that many clusters instead (an oracle number of speakers).
 */
export function vbxAhcInit(x: Float64Array, n: number, d: number, bias: number, count?: number): AhcInit {
  const sim = cosSimilarity(x, n, d);
  const thr = twoGmmCalibLin(sim);
  if (n < 2) return { labels: new Int32Array(n), calibratedThreshold: thr, stoppedBy: "threshold" };
  const cond = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) cond[k++] = 1 - sim[i * n + j];
  const z = linkage(cond, n, "average");
  if (count !== undefined) {
    return { labels: cutToCount(z, n, count), calibratedThreshold: thr, stoppedBy: "count" };
  }
  return {
    labels: cutAtThreshold(z, n, 1 - (thr + bias), true),
    calibratedThreshold: thr,
    stoppedBy: "threshold",
  };
}

/** vbhmm.py: one-hot AHC labels smoothed to soft responsibilities, softmax(onehot * smoothing) per row. */
export function smoothedInit(labels: Int32Array, S: number, smoothing: number): Float64Array {
  const T = labels.length;
  const g = new Float64Array(T * S);
  // pyannote's cluster_vbx keeps the hard one-hot labels when init_smoothing < 0
  const on = smoothing < 0 ? 1 : Math.exp(smoothing), off = smoothing < 0 ? 0 : 1, z = on + (S - 1) * off;
  for (let t = 0; t < T; t++) {
    for (let s = 0; s < S; s++) g[t * S + s] = (labels[t] === s ? on : off) / z;
  }
  return g;
}

/** Hard labels from responsibilities (argmax per row, first index on ties, as np.argmax). */
export function argmaxLabels(gamma: Float64Array, T: number, S: number): Int32Array {
  const out = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    let b = 0;
    for (let s = 1; s < S; s++) if (gamma[t * S + s] > gamma[t * S + b]) b = s;
    out[t] = b;
  }
  return out;
}
