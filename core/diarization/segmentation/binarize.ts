/**
 * Binarisation, as pyannote.audio's utils/signal.py:
 *
 * - {@link hysteresis} (`binarize_ndarray`): per sequence, a frame is on above `onset`, off below
 *   `offset`, and otherwise keeps the state of the last frame that was clearly on or off; before any
 *   such frame, the initial state (default: first score >= (onset + offset) / 2). NaN counts as 0.
 * - {@link binarizeRegions} (`Binarize`): active regions per class between frame middles, optional
 *   padding, then (pyannote.core `Annotation.support(collar)`) merging same-class regions separated by
 *   less than `minDurationOff`, then dropping regions shorter than `minDurationOn`.
 * @module
 */
import { checkChunkScores, type ChunkScores, frameMiddle, type FrameScores } from "./sliding.ts";

/**
 * Hysteresis thresholding of `rows` sequences of `cols` values each (`[rows x cols]`, row-major):
 * 1 = active. `initialState`: one boolean for all rows, one per row, or undefined (pyannote's default).
 */
export function hysteresis(
  scores: ArrayLike<number>,
  rows: number,
  cols: number,
  onset = 0.5,
  offset: number = onset,
  initialState?: boolean | ArrayLike<boolean>,
): Uint8Array {
  if (scores.length !== rows * cols) {
    throw new RangeError(`hysteresis: ${scores.length} values, expected ${rows}x${cols}`);
  }
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const v = (i: number) => (Number.isNaN(scores[o + i]) ? 0 : scores[o + i]);
    let state = initialState === undefined
      ? cols > 0 && v(0) >= 0.5 * (onset + offset)
      : typeof initialState === "boolean"
      ? initialState
      : initialState[r];
    for (let i = 0; i < cols; i++) {
      const x = v(i);
      if (x > onset) state = true;
      else if (x < offset) state = false;
      out[o + i] = state ? 1 : 0;
    }
  }
  return out;
}

/** Hysteresis over each (chunk, class) sequence of `[C x F x K]` scores; returns 0/1 scores of the same shape. */
export function binarizeChunks(
  scores: ChunkScores,
  onset = 0.5,
  offset: number = onset,
  initialState?: boolean,
): ChunkScores {
  checkChunkScores(scores, "binarizeChunks");
  const { chunks: C, frames: F, classes: K } = scores;
  const seq = new Float32Array(C * K * F);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      for (let k = 0; k < K; k++) seq[(c * K + k) * F + f] = scores.data[(c * F + f) * K + k];
    }
  }
  const b = hysteresis(seq, C * K, F, onset, offset, initialState);
  const data = new Float32Array(C * F * K);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) {
      for (let k = 0; k < K; k++) data[(c * F + f) * K + k] = b[(c * K + k) * F + f];
    }
  }
  return { ...scores, data };
}

/** One active region of class `label` (s). */
export interface LabeledRegion {
  readonly label: number;
  readonly start: number;
  readonly end: number;
}

/** Options of {@link binarizeRegions} (pyannote's Binarize). */
export interface BinarizeOptions {
  readonly onset?: number;
  /** Defaults to onset. */
  readonly offset?: number;
  readonly minDurationOn?: number;
  readonly minDurationOff?: number;
  readonly padOnset?: number;
  readonly padOffset?: number;
}

/** pyannote.core's SEGMENT_PRECISION: shorter segments (and gaps) count as empty. */
const SEGMENT_PRECISION = 1e-6;

/** Merges sorted same-label regions separated by a gap < collar (or no real gap): Timeline.support(collar). */
function support(
  regions: { start: number; end: number }[],
  collar: number,
): { start: number; end: number }[] {
  regions.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: { start: number; end: number }[] = [];
  for (const r of regions) {
    const last = out[out.length - 1];
    const gap = last ? r.start - last.end : Infinity;
    if (last && (gap <= SEGMENT_PRECISION || gap < collar)) {
      last.end = Math.max(last.end, r.end);
      last.start = Math.min(last.start, r.start);
    } else out.push({ ...r });
  }
  return out;
}

/** Active regions of each class of `[N x K]` frame scores, sorted by class then start. */
export function binarizeRegions(scores: FrameScores, o: BinarizeOptions = {}): LabeledRegion[] {
  const onset = o.onset ?? 0.5, offset = o.offset ?? onset;
  const padOn = o.padOnset ?? 0, padOff = o.padOffset ?? 0;
  const minOn = o.minDurationOn ?? 0, minOff = o.minDurationOff ?? 0;
  const { frames: N, classes: K, data } = scores;
  const out: LabeledRegion[] = [];
  if (N === 0) return out;
  const ts = Float64Array.from({ length: N }, (_, i) => frameMiddle(scores.window, i));
  for (let k = 0; k < K; k++) {
    let regions: { start: number; end: number }[] = [];
    let start = ts[0];
    let active = data[k] > onset;
    let t = ts[0];
    for (let i = 1; i < N; i++) {
      t = ts[i];
      const y = data[i * K + k];
      if (active) {
        if (y < offset) {
          regions.push({ start: start - padOn, end: t + padOff });
          start = t;
          active = false;
        }
      } else if (y > onset) {
        start = t;
        active = true;
      }
    }
    if (active) regions.push({ start: start - padOn, end: t + padOff });
    regions = regions.filter((r) => r.end - r.start > SEGMENT_PRECISION);
    if (padOn > 0 || padOff > 0 || minOff > 0) regions = support(regions, minOff);
    else regions.sort((a, b) => a.start - b.start || a.end - b.end);
    for (const r of regions) if (!(minOn > 0 && r.end - r.start < minOn)) out.push({ label: k, ...r });
  }
  return out;
}
