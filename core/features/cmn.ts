/**
 * Cepstral mean normalisation: per utterance (subtract the column means, as WeSpeaker / 3D-Speaker do)
 * or Kaldi's sliding window (apply-cmvn-sliding, norm-vars false).
 * @module
 */
import type { Matrix } from "../matrix.ts";

/** Options of applyCmn. Without `window`, the whole utterance mean is subtracted. */
export interface CmnOptions {
  /** Sliding window in frames (Kaldi --cmn-window; 600 there). Absent = per-utterance mean. */
  window?: number;
  /** Kaldi --center (false): centre the window on the frame instead of ending it there. */
  center?: boolean;
  /** Kaldi --min-cmn-window (100): with center false, the first frames use at least this many. */
  minWindow?: number;
}

/** Returns a new matrix with the mean removed per column (frames x bins input). */
export function applyCmn(m: Matrix, opts: CmnOptions = {}): Matrix {
  const { rows, cols, data } = m;
  const out = new Float32Array(data.length);
  if (rows === 0) return { rows, cols, data: out };
  if (opts.window === undefined) {
    const mean = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + j] - mean[j];
    }
    return { rows, cols, data: out };
  }
  const win = opts.window, center = opts.center ?? false, minWin = opts.minWindow ?? 100;
  if (!Number.isInteger(win) || win < 1) {
    throw new RangeError(`applyCmn: window must be a positive integer number of frames, got ${win}`);
  }
  // Running column sums over [begin, end), moved incrementally (Kaldi SlidingWindowCmnInternal).
  const sum = new Float64Array(cols);
  let lastBegin = 0, lastEnd = 0;
  for (let t = 0; t < rows; t++) {
    // Window bounds exactly as Kaldi's SlidingWindowCmnInternal computes them.
    let begin = center ? t - Math.floor(win / 2) : t - win;
    let end = center ? begin + win : t + 1;
    if (begin < 0) {
      end -= begin;
      begin = 0;
    }
    if (!center && end > t) end = Math.max(t + 1, minWin);
    if (end > rows) {
      begin = Math.max(0, begin - (end - rows));
      end = rows;
    }
    for (let k = lastBegin; k < begin; k++) for (let j = 0; j < cols; j++) sum[j] -= data[k * cols + j];
    for (let k = begin; k < lastBegin; k++) for (let j = 0; j < cols; j++) sum[j] += data[k * cols + j];
    for (let k = lastEnd; k < end; k++) for (let j = 0; j < cols; j++) sum[j] += data[k * cols + j];
    for (let k = end; k < lastEnd; k++) for (let j = 0; j < cols; j++) sum[j] -= data[k * cols + j];
    lastBegin = begin;
    lastEnd = end;
    const n = end - begin;
    for (let j = 0; j < cols; j++) out[t * cols + j] = data[t * cols + j] - sum[j] / n;
  }
  return { rows, cols, data: out };
}
