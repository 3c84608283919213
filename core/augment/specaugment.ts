/**
 * SpecAugment's time and frequency masks (Park et al., Interspeech 2019) on a feature matrix
 * (frames x bins), as WeSpeaker applies them (`dataset/processor.py` `spec_aug`): `numTimeMasks`
 * masks of width drawn uniformly in [1, maxTimeWidth] frames at a uniform start, `numFreqMasks`
 * of width [1, maxFreqWidth] bins, masks cut at the matrix edge, masked values set to `value`
 * (0 = the mean after CMN). Time warping is not applied (WeSpeaker does not either).
 * @module
 */
import { type Matrix, matrix } from "../matrix.ts";
import type { Rng } from "../random.ts";

/** SpecAugment settings (WeSpeaker defaults: 1 + 1 masks, widths up to 10 frames and 8 bins). */
export interface SpecAugmentConfig {
  readonly numTimeMasks: number;
  readonly maxTimeWidth: number;
  readonly numFreqMasks: number;
  readonly maxFreqWidth: number;
  /** Value written into masked cells. */
  readonly value?: number;
}

/** WeSpeaker's spec_aug defaults. */
export const WESPEAKER_SPECAUG: SpecAugmentConfig = {
  numTimeMasks: 1,
  maxTimeWidth: 10,
  numFreqMasks: 1,
  maxFreqWidth: 8,
  value: 0,
};

/** One applied mask: [start, end) along its axis. */
export interface Mask {
  readonly axis: "time" | "freq";
  readonly start: number;
  readonly end: number;
  /** Width drawn (before cutting at the edge). */
  readonly width: number;
}

/** Masks `x` (a copy); returns the new matrix and the masks applied, in order. */
export function specAugment(
  x: Matrix,
  cfg: SpecAugmentConfig,
  rng: Rng,
): { features: Matrix; masks: Mask[] } {
  const out = Float32Array.from(x.data), masks: Mask[] = [];
  const v = cfg.value ?? 0;
  for (let i = 0; i < cfg.numTimeMasks && x.rows > 0; i++) {
    const start = rng.int(x.rows), width = 1 + rng.int(cfg.maxTimeWidth);
    const end = Math.min(x.rows, start + width);
    out.fill(v, start * x.cols, end * x.cols);
    masks.push({ axis: "time", start, end, width });
  }
  for (let i = 0; i < cfg.numFreqMasks && x.cols > 0; i++) {
    const start = rng.int(x.cols), width = 1 + rng.int(cfg.maxFreqWidth);
    const end = Math.min(x.cols, start + width);
    for (let r = 0; r < x.rows; r++) out.fill(v, r * x.cols + start, r * x.cols + end);
    masks.push({ axis: "freq", start, end, width });
  }
  return { features: matrix(x.rows, x.cols, out), masks };
}
