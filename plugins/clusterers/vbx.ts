/**
 * `vbx` clusterer: AHC initialisation + the VBx Bayesian HMM (BUTSpeechFIT/VBx `VBx/VBx.py`,
 * recipe `VBx/vbhmm.py`) on raw x-vectors taken through a PLDA back-end (core/cluster/vbx_backend.ts).
 *
 * Presets: "vbx" is BUT's recipe (`run_example.sh`: threshold -0.015 on top of the twoGMMcalib_lin
 * threshold, lda-dim 128, Fa 0.3, Fb 17, loopP 0.99, 40 iterations, epsilon 1e-6, init smoothing 5);
 * "pyannote" is pyannote.audio 4's VBxClustering (centroid-linkage AHC on unit-normalised embeddings
 * at threshold 0.6, Fa 0.07, Fb 0.8, no HMM transitions (a VB-GMM: loopProb 0), 20 iterations,
 * init smoothing 7). Any option left null takes the preset's value.
 *
 * Rows must be in time order (the HMM's transitions link row t to row t+1) and must be the RAW
 * embeddings the back-end was trained on: run `diarize` with `--no-center`.
 * @module
 */
import type { Clusterer } from "../../core/contracts/mod.ts";
import type { Matrix } from "../../core/matrix.ts";
import { type ConfigOf, definePlugin, opt, type OptionDecl } from "../../core/plugin.ts";
import { ConfigError } from "../../core/errors.ts";
import { status } from "../../core/progress.ts";
import { countLabels, cutAtThreshold, cutToCount, linkage } from "../../core/cluster/linkage.ts";
import { argmaxLabels, smoothedInit, vbxAhcInit, vbxHmm } from "../../core/cluster/vbx.ts";
import { applyVbxBackend, loadVbxBackend, type VbxLengthNorm } from "../../core/cluster/vbx_backend.ts";
import { checkedClusterer } from "./cluster_kit.ts";

const LENGTH_NORM: OptionDecl<VbxLengthNorm | null> = {
  type: "enum",
  values: ["unit", "sqrt-dim"],
  default: null,
  nullable: true,
  help: "unit (vbhmm.py) or sqrt-dim (pyannote, Kaldi-style) length norm in the back-end (null = preset)",
};

/** A VB-HMM setting that takes the preset's value when left null. */
function presetNumber(
  help: string,
  b: { gt?: number; min?: number; max?: number; integer?: boolean } = {},
): OptionDecl<number | null> {
  const { integer, ...bounds } = b;
  return (integer ? opt.integer : opt.number)(null, `${help} (null = preset)`, { ...bounds, nullable: true });
}

const OPTIONS = {
  backend: opt.string(
    "",
    "folder with transform.h5 + plda (BUT VBx models/ResNet101_16kHz) or xvec_transform.npz + " +
      "plda.npz (pyannote plda/); required",
  ),
  preset: opt.oneOf(
    ["vbx", "pyannote"] as const,
    "vbx",
    "vbx (BUT recipe: Fa 0.3, Fb 17, loopProb 0.99) or pyannote (VBxClustering: Fa 0.07, Fb 0.8, GMM)",
  ),
  Fa: presetNumber("acoustic scaling of the sufficient statistics", { gt: 0 }),
  Fb: presetNumber("speaker regularisation; larger gives fewer speakers", { gt: 0 }),
  loopProb: presetNumber("probability of staying with the same speaker between consecutive rows", {
    min: 0,
    max: 1,
  }),
  maxIters: presetNumber("maximum VB iterations (40 vbx, 20 pyannote)", { min: 1, integer: true }),
  epsilon: presetNumber("stop when the ELBO improves by less than this", { min: 0 }),
  initThreshold: presetNumber(
    "AHC init: vbx = bias added to the twoGMM-calibrated cosine threshold (-0.015); " +
      "pyannote = centroid-linkage distance threshold (0.6)",
  ),
  initSmoothing: presetNumber("softmax smoothing of the one-hot AHC labels (5 vbx, 7 pyannote; < 0 = hard)"),
  ldaDim: opt.integer(
    128,
    "PLDA dimensions kept for the VB-HMM, largest across-class variance first (null = all)",
    { min: 1, nullable: true },
  ),
  lengthNorm: LENGTH_NORM,
};

/** Options of the `vbx` clusterer. */
export type VbxConfig = ConfigOf<typeof OPTIONS>;

interface Resolved {
  Fa: number;
  Fb: number;
  loopProb: number;
  maxIters: number;
  epsilon: number;
  initThreshold: number;
  initSmoothing: number;
  lengthNorm: VbxLengthNorm;
}

/** The two presets' values (see the module comment for their sources). */
export const VBX_PRESETS: Record<VbxConfig["preset"], Resolved> = {
  vbx: {
    Fa: 0.3,
    Fb: 17,
    loopProb: 0.99,
    maxIters: 40,
    epsilon: 1e-6,
    initThreshold: -0.015,
    initSmoothing: 5,
    lengthNorm: "unit",
  },
  pyannote: {
    Fa: 0.07,
    Fb: 0.8,
    loopProb: 0,
    maxIters: 20,
    epsilon: 1e-4,
    initThreshold: 0.6,
    initSmoothing: 7,
    lengthNorm: "sqrt-dim",
  },
};

function resolve(c: VbxConfig): Resolved {
  const p = VBX_PRESETS[c.preset];
  return {
    Fa: c.Fa ?? p.Fa,
    Fb: c.Fb ?? p.Fb,
    loopProb: c.loopProb ?? p.loopProb,
    maxIters: c.maxIters ?? p.maxIters,
    epsilon: c.epsilon ?? p.epsilon,
    initThreshold: c.initThreshold ?? p.initThreshold,
    initSmoothing: c.initSmoothing ?? p.initSmoothing,
    lengthNorm: c.lengthNorm ?? p.lengthNorm,
  };
}

/** Compact labels to 0..K-1 in order of first appearance. */
function compact(labels: Int32Array): Int32Array {
  const map = new Map<number, number>();
  return labels.map((l) => {
    let v = map.get(l);
    if (v === undefined) map.set(l, v = map.size);
    return v;
  });
}

/** pyannote VBxClustering's AHC: centroid linkage, Euclidean, on unit-normalised raw embeddings. */
function pyannoteAhc(x: Matrix, threshold: number, count?: number): Int32Array {
  const { rows: n, cols: d } = x;
  if (n < 2) return new Int32Array(n);
  const u = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) ss += x.data[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(ss);
    for (let k = 0; k < d; k++) u[i * d + k] = x.data[i * d + k] * inv;
  }
  const cond = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (u[i * d + k] - u[j * d + k]) ** 2;
      cond[p++] = Math.sqrt(s);
    }
  }
  const z = linkage(cond, n, "centroid");
  return count !== undefined ? cutToCount(z, n, count) : cutAtThreshold(z, n, threshold, true);
}

/**
 * True when the rows' mean is ~0 relative to their norms, i.e. the caller centred them (diarize's
 * default). Raw x-vectors have a clear common offset, which the back-end's mean1 removes; centring them
 * first shifts every row and costs ES2005a 10 points of DER (16.85 % instead of 7.06 %).
 */
function looksCentred(x: Matrix): boolean {
  const { rows: n, cols: d, data } = x;
  if (n < 10) return false;
  const mean = new Float64Array(d);
  let norms = 0;
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let k = 0; k < d; k++) {
      const v = data[i * d + k];
      mean[k] += v / n;
      ss += v * v;
    }
    norms += Math.sqrt(ss) / n;
  }
  return Math.hypot(...mean) < 1e-4 * norms;
}

/** `vbx` clusterer plugin. */
export const vbxClusterer = definePlugin({
  kind: "clusterer",
  name: "vbx",
  description: "VBx: AHC init + Bayesian HMM over x-vectors in a PLDA space (BUT VBx / pyannote 4 presets)",
  module: import.meta.url,
  options: OPTIONS,
  async create(c, _ctx, component): Promise<Clusterer> {
    if (!c.backend) {
      throw new ConfigError(
        component,
        "option 'backend' is required: a folder with transform.h5 + plda (BUT VBx) or xvec_transform.npz + " +
          "plda.npz (pyannote), e.g. vbx:backend=../shared/data/vbx-es2005a/VBx/models/ResNet101_16kHz",
      );
    }
    const be = await loadVbxBackend(c.backend);
    const o = resolve(c);
    const dim = Math.min(c.ldaDim ?? be.ldaDim, be.ldaDim);
    return checkedClusterer(component, (x, req) => {
      const n = x.rows;
      if (n === 0) return { labels: new Int32Array(0), numClusters: 0, extra: { iterations: 0 } };
      const centred = looksCentred(x);
      if (centred) {
        status(
          `${component}: the embeddings look mean-centred; the back-end expects raw x-vectors (it subtracts its ` +
            "own mean): run diarize with --no-center (center: false)",
        );
      }
      const f = applyVbxBackend(be, x, dim, o.lengthNorm);
      // initial partition: the preset's AHC, cut to an oracle count when one is requested
      const initAt = (count?: number) =>
        c.preset === "vbx"
          ? vbxAhcInit(f.lda, n, be.ldaDim, o.initThreshold, count)
          : { labels: pyannoteAhc(x, o.initThreshold, count), calibratedThreshold: NaN, stoppedBy: "" };
      let init = initAt(req.numClusters !== undefined ? Math.min(req.numClusters, n) : undefined);
      let k = countLabels(init.labels);
      if (req.numClusters === undefined) {
        if (req.minClusters !== undefined && k < req.minClusters) {
          init = initAt(Math.min(req.minClusters, n));
        } else if (req.maxClusters !== undefined && k > req.maxClusters) init = initAt(req.maxClusters);
        k = countLabels(init.labels);
      }
      const S = k;
      const r = vbxHmm(f.plda, n, dim, f.phi, smoothedInit(init.labels, S, o.initSmoothing), S, o);
      const labels = compact(argmaxLabels(r.gamma, n, S));
      const found = countLabels(labels);
      return {
        labels,
        numClusters: found,
        extra: {
          iterations: r.iterations,
          elbo: r.elbo,
          finalElbo: r.elbo[r.elbo.length - 1],
          speakersFound: found,
          initClusters: S,
          speakerPriors: Array.from(r.pi),
          calibratedThreshold: init.calibratedThreshold,
          preset: c.preset,
          backend: `${be.flavour}: ${be.source}`,
          ldaDim: dim,
          inputLooksCentred: centred,
          Fa: o.Fa,
          Fb: o.Fb,
          loopProb: o.loopProb,
        },
      };
    });
  },
});
