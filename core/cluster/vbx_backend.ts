/**
 * The VBx back-end: raw x-vectors -> (mean1, LDA, mean2, length norm) -> PLDA space where the
 * within-class covariance is I and the across-class covariance diag(Phi), the space the VB-HMM of
 * core/cluster/vbx.ts works in. Two on-disk forms are read:
 *   - BUT's VBx: a folder with `transform.h5` (mean1, mean2, lda) and a Kaldi `plda`
 *     (BUTSpeechFIT/VBx `VBx/vbhmm.py`, unit length norm: `l2_norm(lda.T @ l2_norm(x - mean1) - mean2)`);
 *   - pyannote.audio 4 (`utils/vbx.py` `vbx_setup`): a folder with `xvec_transform.npz` and `plda.npz`
 *     (mu, tr, psi), Kaldi-style length norm to sqrt(dim) at both steps.
 *
 * The PLDA rotation: vbhmm.py re-derives it as `eigh(B, W)` with W = inv(tr' tr) and
 * B = inv(tr' diag(1/psi) tr), then reverses to descending Phi. Since tr W tr' = I and tr B tr' =
 * diag(psi), the rows of Kaldi's `tr` ARE those W-normalised generalised eigenvectors (eigenvalues psi),
 * up to sign; the VB-HMM is invariant to a sign flip of any dimension (diagonal zero-mean model). So
 * we sort the rows of `tr` by psi, descending, instead of solving the generalised problem again; the
 * golden test (tests/golden/gen_vbx.py) runs the real eigh(B, W) path and agrees.
 * @module
 */
import { ConfigError, InputError } from "../errors.ts";
import type { Matrix } from "../matrix.ts";
import { readH5 } from "../io/h5.ts";
import { readKaldiPlda } from "../io/kaldi_plda.ts";
import { npzGet, readNpz } from "../io/npz.ts";
import { dirname, exists, join } from "../paths.ts";

/** How x-vectors are length-normalised in the back-end. */
export type VbxLengthNorm = "unit" | "sqrt-dim";

/** A loaded back-end. */
export interface VbxBackend {
  /** Where it came from and which flavour ("vbx" transform.h5 + Kaldi plda, or "pyannote" npz). */
  readonly source: string;
  readonly flavour: "vbx" | "pyannote";
  readonly inDim: number;
  /** LDA output dimension (= PLDA dimension). */
  readonly ldaDim: number;
  readonly mean1: Float64Array;
  readonly mean2: Float64Array;
  /** inDim x ldaDim, row-major. */
  readonly lda: Float64Array;
  readonly pldaMu: Float64Array;
  /** ldaDim x ldaDim rotation, rows sorted by Phi descending. */
  readonly pldaTr: Float64Array;
  /** Across-class variances, descending. */
  readonly phi: Float64Array;
}

/**
 * Loads a back-end from a folder (or the path of its transform.h5 / xvec_transform.npz): VBx form
 * when `transform.h5` and `plda` are there, pyannote form when `xvec_transform.npz` and `plda.npz` are.
 */
export async function loadVbxBackend(path: string): Promise<VbxBackend> {
  let dir = path;
  if (/\.(h5|npz)$/.test(path)) dir = dirname(path);
  const h5 = join(dir, "transform.h5"), kplda = join(dir, "plda");
  const npzT = join(dir, "xvec_transform.npz"), npzP = join(dir, "plda.npz");
  let mean1: Float64Array, mean2: Float64Array, lda: Float64Array, ldaShape: number[];
  let mu: Float64Array, tr: Float64Array, psi: Float64Array;
  let flavour: "vbx" | "pyannote";
  if (await exists(h5) && await exists(kplda)) {
    flavour = "vbx";
    const t = await readH5(h5, ["mean1", "mean2", "lda"]);
    mean1 = t.get("mean1")!.data, mean2 = t.get("mean2")!.data, lda = t.get("lda")!.data;
    ldaShape = t.get("lda")!.shape;
    const p = await readKaldiPlda(kplda);
    mu = p.mean, tr = p.transform, psi = p.psi;
  } else if (await exists(npzT) && await exists(npzP)) {
    flavour = "pyannote";
    const t = await readNpz(npzT), p = await readNpz(npzP);
    const f64 = (a: { data: ArrayLike<number> }) => Float64Array.from(a.data);
    mean1 = f64(npzGet(t, "mean1", npzT)), mean2 = f64(npzGet(t, "mean2", npzT));
    const l = npzGet(t, "lda", npzT);
    lda = f64(l), ldaShape = l.shape;
    mu = f64(npzGet(p, "mu", npzP)), tr = f64(npzGet(p, "tr", npzP)), psi = f64(npzGet(p, "psi", npzP));
  } else {
    throw new ConfigError(
      "vbx backend",
      `'${path}' holds neither transform.h5 + plda (BUT VBx) nor xvec_transform.npz + plda.npz (pyannote); ` +
        "point it at e.g. VBx/models/ResNet101_16kHz or pyannote's plda/ folder",
    );
  }
  const [inDim, ldaDim] = ldaShape;
  if (ldaShape.length !== 2 || mean1.length !== inDim || mean2.length !== ldaDim) {
    throw new InputError(
      dir,
      `transform sizes disagree: lda [${ldaShape}], mean1 ${mean1.length}, mean2 ${mean2.length}`,
    );
  }
  if (mu.length !== ldaDim || tr.length !== ldaDim * ldaDim || psi.length !== ldaDim) {
    throw new InputError(dir, `PLDA is ${mu.length}-dimensional but the LDA outputs ${ldaDim}`);
  }
  const order = Array.from(psi.keys()).sort((a, b) => psi[b] - psi[a]);
  const pldaTr = new Float64Array(ldaDim * ldaDim);
  order.forEach((r, i) => pldaTr.set(tr.subarray(r * ldaDim, (r + 1) * ldaDim), i * ldaDim));
  const phi = Float64Array.from(order, (r) => psi[r]);
  return { source: dir, flavour, inDim, ldaDim, mean1, mean2, lda, pldaMu: mu, pldaTr, phi };
}

/** What {@link applyVbxBackend} returns. */
export interface VbxFeatures {
  /** n x ldaDim after the x-vector transform (the space VBx's cosine AHC runs in). */
  readonly lda: Float64Array;
  /** n x dim in the PLDA space, first `dim` dimensions (largest Phi). */
  readonly plda: Float64Array;
  readonly phi: Float64Array;
  readonly dim: number;
}

function l2Rows(x: Float64Array, n: number, d: number, scale: number): void {
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x[i * d + k] ** 2;
    const f = scale / Math.sqrt(ss);
    for (let k = 0; k < d; k++) x[i * d + k] *= f;
  }
}

/**
 * Maps raw embeddings (rows of `x`) into the back-end's LDA space and PLDA space, keeping the first
 * `dim` PLDA dimensions (vbhmm.py `--lda-dim`). `norm` "unit" is vbhmm.py, "sqrt-dim" pyannote.
 */
export function applyVbxBackend(b: VbxBackend, x: Matrix, dim: number, norm: VbxLengthNorm): VbxFeatures {
  const { rows: n, cols } = x;
  if (cols !== b.inDim) {
    throw new ConfigError(
      "vbx backend",
      `embeddings are ${cols}-dimensional but ${b.source} expects ${b.inDim}; use the back-end trained for this extractor`,
    );
  }
  if (dim < 1 || dim > b.ldaDim) {
    throw new ConfigError("vbx backend", `ldaDim ${dim} must be in 1..${b.ldaDim}`);
  }
  const D = b.inDim, L = b.ldaDim;
  const c = new Float64Array(n * D);
  for (let i = 0; i < n; i++) for (let k = 0; k < D; k++) c[i * D + k] = x.data[i * D + k] - b.mean1[k];
  l2Rows(c, n, D, norm === "unit" ? 1 : Math.sqrt(D));
  const y = new Float64Array(n * L);
  for (let i = 0; i < n; i++) {
    const yi = y.subarray(i * L, (i + 1) * L);
    for (let k = 0; k < D; k++) {
      const v = c[i * D + k];
      if (v === 0) continue;
      const row = b.lda.subarray(k * L, (k + 1) * L);
      for (let j = 0; j < L; j++) yi[j] += v * row[j];
    }
    for (let j = 0; j < L; j++) yi[j] -= b.mean2[j];
  }
  l2Rows(y, n, L, norm === "unit" ? 1 : Math.sqrt(L));
  // vbhmm.py: fea = (x - plda_mu).dot(plda_tr.T)[:, :lda_dim]
  const f = new Float64Array(n * dim);
  const centred = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) centred[j] = y[i * L + j] - b.pldaMu[j];
    for (let r = 0; r < dim; r++) {
      let s = 0;
      for (let j = 0; j < L; j++) s += centred[j] * b.pldaTr[r * L + j];
      f[i * dim + r] = s;
    }
  }
  return { lda: y, plda: f, phi: b.phi.slice(0, dim), dim };
}
