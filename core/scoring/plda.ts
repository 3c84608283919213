/**
 * Two-covariance PLDA: embeddings x = y + e with speaker variable y ~ N(mu, B) and within-speaker
 * noise e ~ N(0, W). Stored, like Kaldi, as a mean, a transform T with T W T^T = I and
 * T B T^T = diag(psi) (rows sorted by psi descending), so scoring is per-dimension.
 *
 * Also the pyannote/VBx x-vector preprocessing (`xvec_transform.npz`: centre, L2-normalise, LDA,
 * centre, L2-normalise, scale by sqrt(dim)) and loaders for pyannote's .npz files and Kaldi's PLDA.
 * @module
 */
import type { Matrix } from "../matrix.ts";
import { classStats, eighGeneralized, invSpd, matmul } from "./linalg.ts";
import type { KaldiPlda } from "../io/kaldi_plda.ts";
import { npzGet, readNpz } from "../io/npz.ts";
import { InputError } from "../errors.ts";
import { join } from "node:path";

/** A diagonalised two-covariance PLDA model. */
export interface TwoCovPlda {
  /** Input dimension. */
  readonly dim: number;
  readonly mean: Float64Array;
  /** dim x dim row-major: row k is the k-th PLDA direction. */
  readonly transform: Float64Array;
  /** Between-class variances in the transformed space (within-class variance is 1), descending. */
  readonly psi: Float64Array;
}

/** From Kaldi's (mean, transform, psi): rows reordered so psi is descending. */
export function pldaFromKaldi(k: KaldiPlda): TwoCovPlda {
  const d = k.dim;
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => k.psi[b] - k.psi[a]);
  const transform = new Float64Array(d * d), psi = new Float64Array(d);
  order.forEach((src, r) => {
    psi[r] = k.psi[src];
    transform.set(k.transform.subarray(src * d, (src + 1) * d), r * d);
  });
  return { dim: d, mean: Float64Array.from(k.mean), transform, psi };
}

/** Where PLDA's EM starts. */
export type PldaInit = "moments" | "identity";

/** Extra options of {@link trainTwoCovPlda}. */
export interface PldaTrainOptions {
  /**
   * `moments` (default): W = pooled within-class covariance, B = class-size-weighted between-class
   * covariance of the class means. `identity`: W = B = I and mu = the global mean, as Kaldi's
   * `PldaEstimator::InitParameters` and WeSpeaker's two-covariance PLDA start (needs iterations >= 1).
   */
  readonly init?: PldaInit;
}

/**
 * Keeps the rows of speakers with at least `min` utterances. The two-covariance model separates
 * within- from between-speaker variability only through speakers seen several times: a speaker with one
 * utterance adds nothing to W and confounds B. Returns the kept rows and how many speakers were dropped.
 */
export function speakersWithAtLeast(
  x: Matrix,
  labels: Int32Array,
  min: number,
): { x: Matrix; labels: Int32Array; dropped: number; kept: number } {
  const count = new Map<number, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (count.get(labels[i])! >= min) keep.push(i);
  let dropped = 0;
  for (const c of count.values()) if (c < min) dropped++;
  if (keep.length === labels.length) return { x, labels, dropped: 0, kept: count.size };
  const d = x.cols, data = new Float32Array(keep.length * d);
  keep.forEach((r, i) => data.set(x.data.subarray(r * d, (r + 1) * d), i * d));
  return {
    x: { rows: keep.length, cols: d, data },
    labels: Int32Array.from(keep, (r) => labels[r]),
    dropped,
    kept: count.size - dropped,
  };
}

/**
 * Trains the two-covariance model: a start (moment estimates, or identity matrices: see
 * {@link PldaTrainOptions}), refined by `iterations` EM steps (Sizov, Lee & Kinnunen 2014, "Unifying
 * probabilistic linear discriminant analysis variants"; Brummer 2010, "EM for probabilistic LDA"), then
 * diagonalised with the generalised eigenproblem B v = psi W v. `regularization` is added to W's
 * diagonal after every step. Checked against an independent numpy EM (tests/golden/gen_plda_em.py).
 */
export function trainTwoCovPlda(
  x: Matrix,
  labels: Int32Array | undefined,
  regularization = 0,
  what = "plda",
  iterations = 0,
  opts: PldaTrainOptions = {},
): TwoCovPlda {
  const st = classStats(x, labels, what);
  const d = st.dim;
  const init = opts.init ?? "moments";
  if (init === "identity" && iterations < 1) {
    throw new RangeError(
      `${what}: init 'identity' needs iterations >= 1 (identity matrices are only a start)`,
    );
  }
  const eye = (): Float64Array => {
    const m = new Float64Array(d * d);
    for (let i = 0; i < d; i++) m[i * d + i] = 1;
    return m;
  };
  let w: Float64Array = init === "identity" ? eye() : Float64Array.from(st.within);
  let b: Float64Array = init === "identity" ? eye() : Float64Array.from(st.between);
  let mu: Float64Array = Float64Array.from(st.mean);
  const reg = (m: Float64Array): Float64Array => {
    for (let i = 0; i < d; i++) m[i * d + i] += regularization;
    return m;
  };
  if (init === "moments") reg(w);
  if (iterations > 0) {
    // sufficient statistics: per-class sums f_s and the total second moment sum_i x_i x_i^T
    const sums = st.classMeans.map((m, s) => m.map((v) => v * st.counts[s]));
    const S = new Float64Array(d * d);
    for (let i = 0; i < x.rows; i++) {
      for (let a = 0; a < d; a++) {
        const xa = x.data[i * d + a];
        for (let c = 0; c <= a; c++) S[a * d + c] += xa * x.data[i * d + c];
      }
    }
    for (let a = 0; a < d; a++) for (let c = 0; c < a; c++) S[c * d + a] = S[a * d + c];
    for (let it = 0; it < iterations; it++) {
      const bi = invSpd(b, d, `${what}: between-class covariance`),
        wi = invSpd(w, d, `${what}: within-class covariance`);
      const biMu = matmul(bi, mu, d, d, 1);
      const covOf = new Map<number, Float64Array>(); // n -> (B^-1 + n W^-1)^-1
      const ey: Float64Array[] = [];
      st.counts.forEach((n, s) => {
        let cov = covOf.get(n);
        if (!cov) {
          const prec = new Float64Array(d * d);
          for (let k = 0; k < d * d; k++) prec[k] = bi[k] + n * wi[k];
          cov = invSpd(prec, d, `${what}: posterior precision`);
          covOf.set(n, cov);
        }
        const rhs = matmul(wi, sums[s], d, d, 1);
        for (let k = 0; k < d; k++) rhs[k] += biMu[k];
        ey.push(matmul(cov, rhs, d, d, 1));
      });
      const K = st.counts.length, N = x.rows;
      const newMu = new Float64Array(d),
        R = new Float64Array(d * d),
        T = new Float64Array(d * d),
        Rn = new Float64Array(d * d);
      ey.forEach((y, s) => {
        const n = st.counts[s], cov = covOf.get(n)!, f = sums[s];
        for (let a = 0; a < d; a++) {
          newMu[a] += y[a] / K;
          for (let c = 0; c < d; c++) {
            const yy = y[a] * y[c] + cov[a * d + c];
            R[a * d + c] += yy;
            Rn[a * d + c] += n * yy;
            T[a * d + c] += f[a] * y[c];
          }
        }
      });
      const nb = new Float64Array(d * d), nw = new Float64Array(d * d);
      for (let a = 0; a < d; a++) {
        for (let c = 0; c < d; c++) {
          nb[a * d + c] = R[a * d + c] / K - newMu[a] * newMu[c];
          nw[a * d + c] = (S[a * d + c] - T[a * d + c] - T[c * d + a] + Rn[a * d + c]) / N;
        }
      }
      for (let a = 0; a < d; a++) {
        for (let c = 0; c < a; c++) {
          nb[a * d + c] = nb[c * d + a] = 0.5 * (nb[a * d + c] + nb[c * d + a]);
          nw[a * d + c] = nw[c * d + a] = 0.5 * (nw[a * d + c] + nw[c * d + a]);
        }
      }
      mu = newMu;
      b = nb;
      w = reg(nw);
    }
  }
  const { values, vectors } = eighGeneralized(b, w, d, `${what}: within-class covariance`);
  const transform = new Float64Array(d * d);
  for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) transform[r * d + c] = vectors[c * d + r];
  return { dim: d, mean: mu, transform, psi: values.map((v) => Math.max(v, 0)) };
}

/** (x - mean) T^T keeping the first `dims` PLDA dimensions (0 = all). */
export function pldaProject(m: TwoCovPlda, x: Matrix, dims = 0): Matrix {
  if (x.cols !== m.dim) throw new RangeError(`PLDA expects ${m.dim}-d embeddings, got ${x.cols}-d`);
  const k = dims > 0 ? Math.min(dims, m.dim) : m.dim, d = m.dim;
  const out = new Float32Array(x.rows * k);
  const c = new Float64Array(d);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < d; j++) c[j] = x.data[i * d + j] - m.mean[j];
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += m.transform[r * d + j] * c[j];
      out[i * k + r] = s;
    }
  }
  return { rows: x.rows, cols: k, data: out };
}

/**
 * Log-likelihood ratio (same speaker vs different) of every pair of projected vectors, row-major
 * [u.rows x v.rows]; Kaldi's `LogLikelihoodRatio` with one enrollment utterance, using psi[0..cols).
 */
export function pldaLlrMatrix(u: Matrix, v: Matrix, psi: Float64Array): Float32Array {
  if (u.cols !== v.cols || u.cols > psi.length) {
    throw new RangeError(`PLDA llr: dims ${u.cols}/${v.cols} vs ${psi.length} psi`);
  }
  const k = u.cols;
  const cross = new Float64Array(k), uu = new Float64Array(k), vv = new Float64Array(k);
  let c = 0;
  for (let i = 0; i < k; i++) {
    const p = psi[i], a = p / (p + 1), vr = 1 + a;
    cross[i] = a / vr;
    uu[i] = (-0.5 * a * a) / vr;
    vv[i] = -0.5 / vr + 0.5 / (1 + p);
    c += -0.5 * Math.log(vr) + 0.5 * Math.log(1 + p);
  }
  const uq = new Float64Array(u.rows), vq = new Float64Array(v.rows);
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < k; j++) uq[i] += uu[j] * u.data[i * k + j] ** 2;
  for (let i = 0; i < v.rows; i++) for (let j = 0; j < k; j++) vq[i] += vv[j] * v.data[i * k + j] ** 2;
  const out = new Float32Array(u.rows * v.rows);
  for (let a = 0; a < u.rows; a++) {
    for (let b = 0; b < v.rows; b++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += cross[j] * u.data[a * k + j] * v.data[b * k + j];
      out[a * v.rows + b] = c + uq[a] + vq[b] + s;
    }
  }
  return out;
}

/** pyannote/VBx x-vector preprocessing from `xvec_transform.npz`. */
export interface XvecTransform {
  readonly mean1: Float64Array;
  readonly mean2: Float64Array;
  /** inDim x outDim row-major. */
  readonly lda: Float64Array;
  readonly inDim: number;
  readonly outDim: number;
}

function l2Row(v: Float64Array): void {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < v.length; i++) v[i] *= inv;
}

/** pyannote's `xvec_tf`: l2(lda^T l2(x - mean1) - mean2) * sqrt(outDim). */
export function applyXvecTransform(t: XvecTransform, x: Matrix): Matrix {
  if (x.cols !== t.inDim) {
    throw new RangeError(`xvec_transform expects ${t.inDim}-d embeddings, got ${x.cols}-d`);
  }
  const out = new Float32Array(x.rows * t.outDim);
  const a = new Float64Array(t.inDim), b = new Float64Array(t.outDim);
  const scale = Math.sqrt(t.outDim);
  for (let i = 0; i < x.rows; i++) {
    for (let j = 0; j < t.inDim; j++) a[j] = x.data[i * t.inDim + j] - t.mean1[j];
    l2Row(a);
    b.fill(0);
    for (let j = 0; j < t.inDim; j++) {
      const aj = a[j];
      for (let r = 0; r < t.outDim; r++) b[r] += t.lda[j * t.outDim + r] * aj;
    }
    for (let r = 0; r < t.outDim; r++) b[r] -= t.mean2[r];
    l2Row(b);
    for (let r = 0; r < t.outDim; r++) out[i * t.outDim + r] = b[r] * scale;
  }
  return { rows: x.rows, cols: t.outDim, data: out };
}

/** Loads pyannote's `xvec_transform.npz` + `plda.npz` from a folder (e.g. ../shared/data/pyannote-plda/plda). */
export async function loadPyannotePlda(dir: string): Promise<{ xvec: XvecTransform; plda: TwoCovPlda }> {
  const tf = join(dir, "xvec_transform.npz"), pf = join(dir, "plda.npz");
  const t = await readNpz(tf), p = await readNpz(pf);
  const lda = npzGet(t, "lda", tf), mean1 = npzGet(t, "mean1", tf), mean2 = npzGet(t, "mean2", tf);
  if (lda.shape.length !== 2 || mean1.data.length !== lda.shape[0] || mean2.data.length !== lda.shape[1]) {
    throw new InputError(
      tf,
      `inconsistent shapes: lda ${lda.shape}, mean1 ${mean1.shape}, mean2 ${mean2.shape}`,
    );
  }
  const mu = npzGet(p, "mu", pf), tr = npzGet(p, "tr", pf), psi = npzGet(p, "psi", pf);
  const d = mu.data.length;
  if (tr.data.length !== d * d || psi.data.length !== d || d !== lda.shape[1]) {
    throw new InputError(
      pf,
      `inconsistent shapes: mu ${mu.shape}, tr ${tr.shape}, psi ${psi.shape} for LDA output ${lda.shape[1]}`,
    );
  }
  return {
    xvec: {
      mean1: Float64Array.from(mean1.data),
      mean2: Float64Array.from(mean2.data),
      lda: Float64Array.from(lda.data),
      inDim: lda.shape[0],
      outDim: lda.shape[1],
    },
    plda: pldaFromKaldi({
      mean: Float64Array.from(mu.data),
      transform: Float64Array.from(tr.data),
      psi: Float64Array.from(psi.data),
      dim: d,
    }),
  };
}
