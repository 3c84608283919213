/**
 * Incremental speaker clustering with a speaker memory, as diart's OnlineSpeakerClustering
 * (diart/blocks/clustering.py with diart/mapping.py's SpeakerMap; Coria et al., "Overlap-aware
 * low-latency online speaker diarization based on end-to-end local segmentation", ASRU 2021):
 *
 * - a local speaker is active when its max activity in the chunk is >= `tauActive`, and "long" when its
 *   mean activity is >= `rhoUpdate`;
 * - active local speakers are matched to the known global centroids by an optimal assignment on cosine
 *   distances (so two local speakers never share a global one); matches at distance >= `deltaNew` are
 *   dropped;
 * - an unmatched active speaker starts a new centroid if it is long and there is room (`maxSpeakers`),
 *   otherwise it takes its closest still-free known centroid;
 * - matched long speakers add their embedding to their centroid (centroids are sums, compared by cosine).
 *
 * The ported details matter and are kept: the "loose" validity of an assignment (a local speaker with any
 * valid entry counts as mapped), invalid entries at 1e10, assignments recomputed by the Hungarian
 * algorithm after every change. Checked against a numpy port of diart on fixed embeddings
 * (tests/golden/gen_segmentation_post_online.py).
 * @module
 */
import { linearSumAssignment } from "../math/hungarian.ts";
import { cosineSimilarity } from "../math/cosine.ts";

/** diart's hyper-parameters (defaults: diart's SpeakerDiarizationConfig). */
export interface OnlineClusteringOptions {
  readonly tauActive?: number;
  readonly rhoUpdate?: number;
  readonly deltaNew?: number;
  readonly maxSpeakers?: number;
}

const INVALID = 1e10;

/** A SpeakerMap: cost matrix [src x tgt] (minimised) with its optimal, loosely validated assignments. */
class SpeakerMap {
  readonly assign: Int32Array; // tgt per src from the optimal assignment
  readonly mapped: Uint8Array; // src has some valid entry
  constructor(readonly m: Float64Array, readonly rows: number, readonly cols: number) {
    const a = linearSumAssignment(m, rows, cols);
    this.assign = new Int32Array(rows).fill(-1);
    a.rowInd.forEach((r, i) => (this.assign[r] = a.colInd[i]));
    this.mapped = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      let min = Infinity;
      for (let c = 0; c < cols; c++) min = Math.min(min, m[r * cols + c]);
      this.mapped[r] = min !== INVALID ? 1 : 0;
    }
  }
  /** Loose valid assignments: [src, tgt] for mapped sources, in source order. */
  valid(): [number, number][] {
    const out: [number, number][] = [];
    for (let r = 0; r < this.rows; r++) {
      if (this.mapped[r] && this.assign[r] >= 0) out.push([r, this.assign[r]]);
    }
    return out;
  }
  with(edit: (m: Float64Array) => void): SpeakerMap {
    const m = Float64Array.from(this.m);
    edit(m);
    return new SpeakerMap(m, this.rows, this.cols);
  }
  unmapRows(rows: Iterable<number>): SpeakerMap {
    return this.with((m) => {
      for (const r of rows) m.fill(INVALID, r * this.cols, (r + 1) * this.cols);
    });
  }
  unmapCols(cols: Iterable<number>): SpeakerMap {
    return this.with((m) => {
      for (const c of cols) for (let r = 0; r < this.rows; r++) m[r * this.cols + c] = INVALID;
    });
  }
  set(src: number, tgt: number): SpeakerMap {
    return this.with((m) => (m[src * this.cols + tgt] = 0));
  }
}

/** diart's OnlineSpeakerClustering. */
export class OnlineSpeakerClustering {
  readonly tauActive: number;
  readonly rhoUpdate: number;
  readonly deltaNew: number;
  readonly maxSpeakers: number;
  /** `[maxSpeakers x dim]` centroid sums (null before the first chunk). */
  centers: Float64Array | null = null;
  dim = 0;
  readonly active: Set<number> = new Set();

  constructor(o: OnlineClusteringOptions = {}) {
    this.tauActive = o.tauActive ?? 0.6;
    this.rhoUpdate = o.rhoUpdate ?? 0.3;
    this.deltaNew = o.deltaNew ?? 1;
    this.maxSpeakers = o.maxSpeakers ?? 20;
  }

  /** Known global speakers. */
  get numSpeakers(): number {
    return this.active.size;
  }

  private addCenter(e: ArrayLike<number>): number {
    let c = 0;
    while (this.active.has(c)) c++;
    for (let d = 0; d < this.dim; d++) this.centers![c * this.dim + d] = e[d];
    this.active.add(c);
    return c;
  }

  /**
   * Maps the local speakers of one chunk to global speakers. `segmentation` is `[F x K]` activity,
   * `embeddings` `[K x D]` (NaN rows allowed). Returns `[K]` global index per local speaker (-1: none).
   */
  identify(segmentation: Float32Array, frames: number, embeddings: Float32Array, dim: number): Int32Array {
    const K = segmentation.length / frames;
    const emb = (k: number) => embeddings.subarray(k * dim, (k + 1) * dim);
    const activeSpk: number[] = [], long = new Set<number>();
    for (let k = 0; k < K; k++) {
      let max = -Infinity, mean = 0;
      for (let f = 0; f < frames; f++) {
        const v = segmentation[f * K + k];
        max = Math.max(max, v);
        mean += v / frames;
      }
      const finite = emb(k).every((v) => !Number.isNaN(v));
      if (max >= this.tauActive && finite) activeSpk.push(k);
      if (mean >= this.rhoUpdate) long.add(k);
    }
    const out = new Int32Array(K).fill(-1);
    if (this.centers === null) {
      this.dim = dim;
      this.centers = new Float64Array(this.maxSpeakers * dim);
      this.active.clear();
      for (const k of activeSpk) out[k] = this.addCenter(emb(k));
      return out;
    }
    const G = this.maxSpeakers;
    const dist = new Float64Array(K * G);
    for (let k = 0; k < K; k++) {
      for (let g = 0; g < G; g++) {
        dist[k * G + g] = cosineDistance(emb(k), this.centers.subarray(g * dim, (g + 1) * dim));
      }
    }
    const inactiveCenters = Array.from({ length: G }, (_, g) => g).filter((g) => !this.active.has(g));
    const inactiveSpk = Array.from({ length: K }, (_, k) => k).filter((k) => !activeSpk.includes(k));
    const distMap = new SpeakerMap(dist.map((v) => (Number.isNaN(v) ? INVALID : v)), K, G)
      .unmapRows(inactiveSpk).unmapCols(inactiveCenters);
    let valid = distMap.unmapRows(
      distMap.valid().filter(([s, t]) => distMap.m[s * G + t] >= this.deltaNew).map(([s]) => s),
    );
    const missed = activeSpk.filter((k) => !valid.mapped[k]);
    const freeCenters = G - this.active.size;
    const newCenter: number[] = [];
    for (const k of missed) {
      if (newCenter.length < freeCenters && long.has(k)) newCenter.push(k);
      else {
        const prefs = Array.from({ length: G }, (_, g) => g)
          .sort((a, b) => distMap.m[k * G + a] - distMap.m[k * G + b] || a - b)
          .filter((g) => this.active.has(g));
        const taken = new Set(valid.valid().map(([, t]) => t));
        const free = prefs.filter((g) => !taken.has(g));
        if (free.length) valid = valid.set(k, free[0]);
      }
    }
    for (const [s, t] of valid.valid()) {
      if (missed.includes(s) || !long.has(s)) continue;
      for (let d = 0; d < dim; d++) this.centers[t * dim + d] += emb(s)[d];
    }
    for (const k of newCenter) valid = valid.set(k, this.addCenter(emb(k)));
    for (const [s, t] of valid.valid()) out[s] = t;
    return out;
  }

  /** diart's SpeakerMap.apply: `[F x K]` local activity -> `[F x maxSpeakers]` global activity. */
  apply(segmentation: Float32Array, frames: number, mapping: Int32Array): Float32Array {
    const K = mapping.length, G = this.maxSpeakers;
    const out = new Float32Array(frames * G);
    for (let k = 0; k < K; k++) {
      if (mapping[k] < 0) continue;
      for (let f = 0; f < frames; f++) out[f * G + mapping[k]] = segmentation[f * K + k];
    }
    return out;
  }
}

/** scipy's cosine distance (NaN when a vector is zero or NaN). */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return 1 - cosineSimilarity(a, b, NaN);
}

/**
 * diart's overlapped-speech penalty (its Equation 2): weights = seg^gamma * softmax(beta * seg)^gamma
 * over the local speakers of each frame, floored at 1e-8. `[F x K]` -> `[F x K]`.
 */
export function overlappedSpeechPenalty(seg: Float32Array, K: number, gamma = 3, beta = 10): Float32Array {
  const out = new Float32Array(seg.length);
  for (let r = 0; r < seg.length; r += K) {
    let m = -Infinity, s = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, beta * seg[r + k]);
    for (let k = 0; k < K; k++) s += Math.exp(beta * seg[r + k] - m);
    for (let k = 0; k < K; k++) {
      const p = Math.exp(beta * seg[r + k] - m) / s;
      out[r + k] = Math.max(1e-8, seg[r + k] ** gamma * p ** gamma);
    }
  }
  return out;
}
