/**
 * Overlap-add of chunk-level scores onto the frame grid of the whole recording, and the per-frame
 * speaker count, as pyannote.audio's core/inference.py (`Inference.aggregate`, `Inference.trim`) and
 * pipelines/utils/diarization.py (`speaker_count`):
 *
 * - chunk c's frame f lands on global frame closest_frame(chunk_c.start + 0.5 * frames.duration) + f;
 * - each contribution is weighted by a Hamming window over the chunk's frames (optional) and by a
 *   warm-up window (epsilon = 1e-12 on the first/last warm_up seconds, 1 elsewhere);
 * - NaN scores are masked out; frames nobody covers get `missing`;
 * - the result is the weighted average (or the weighted sum with skipAverage).
 *
 * Sums are kept in float32 like pyannote's np.float32 buffers, so results match it to the last bit
 * except where float64 and float32 products differ. Shapes: ChunkScores `[C x F x K]`, FrameScores `[N x K]`.
 * @module
 */
import {
  checkChunkScores,
  type ChunkScores,
  closestFrame,
  type FrameScores,
  rint,
  type SlidingWindow,
} from "./sliding.ts";

/** Options of {@link aggregate} (pyannote's defaults). */
export interface AggregateOptions {
  /** Left/right warm-up in seconds (default [0, 0]). */
  readonly warmUp?: readonly [number, number];
  /** Weight of warm-up frames and floor of the denominator (1e-12). */
  readonly epsilon?: number;
  /** Hamming-weighted overlap-add (default false; pyannote's Inference uses true for model outputs). */
  readonly hamming?: boolean;
  /** Value of frames no chunk covers with a non-NaN score (default NaN). */
  readonly missing?: number;
  /** Return weighted sums instead of averages (default false). */
  readonly skipAverage?: boolean;
}

/** numpy's np.hamming(n). */
export function hammingWindow(n: number): Float64Array {
  if (n === 1) return Float64Array.of(1);
  return Float64Array.from({ length: n }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (n - 1)));
}

/**
 * Aggregates `[C x F x K]` chunk scores into `[N x K]` frame scores on `frames` (the model's output
 * SlidingWindow; its start is replaced by the chunks' start, as pyannote does).
 */
export function aggregate(scores: ChunkScores, frames: SlidingWindow, o: AggregateOptions = {}): FrameScores {
  checkChunkScores(scores, "aggregate");
  const { chunks: C, frames: F, classes: K, window: cw } = scores;
  const eps = o.epsilon ?? 1e-12, missing = o.missing ?? NaN;
  const fw: SlidingWindow = { start: cw.start, duration: frames.duration, step: frames.step };
  const ham = o.hamming ? hammingWindow(F) : new Float64Array(F).fill(1);
  const warm = new Float64Array(F).fill(1);
  const [wl, wr] = o.warmUp ?? [0, 0];
  const left = rint((wl / cw.duration) * F), right = rint((wr / cw.duration) * F);
  for (let f = 0; f < left; f++) warm[f] = eps;
  for (let f = F - right; f < F; f++) if (f >= 0) warm[f] = eps;
  const N = closestFrame(fw, cw.start + cw.duration + (C - 1) * cw.step + 0.5 * fw.duration) + 1;
  const sum = new Float32Array(N * K), weight = new Float32Array(N * K), seen = new Uint8Array(N * K);
  for (let c = 0; c < C; c++) {
    const s0 = closestFrame(fw, cw.start + c * cw.step + 0.5 * fw.duration);
    for (let f = 0; f < F; f++) {
      const n = s0 + f;
      if (n < 0 || n >= N) continue;
      const wgt = ham[f] * warm[f];
      for (let k = 0; k < K; k++) {
        const v = scores.data[(c * F + f) * K + k];
        if (Number.isNaN(v)) continue;
        sum[n * K + k] += v * wgt;
        weight[n * K + k] += wgt;
        seen[n * K + k] = 1;
      }
    }
  }
  const out = new Float32Array(N * K);
  for (let i = 0; i < N * K; i++) {
    out[i] = !seen[i] ? missing : o.skipAverage ? sum[i] : sum[i] / Math.max(weight[i], Math.fround(eps));
  }
  return { data: out, frames: N, classes: K, window: fw };
}

/** Drops the first/last warm-up fractions (of the chunk duration) of every chunk (Inference.trim). */
export function trim(scores: ChunkScores, warmUp: readonly [number, number] = [0.1, 0.1]): ChunkScores {
  checkChunkScores(scores, "trim");
  const { chunks: C, frames: F, classes: K, window: w } = scores;
  const left = rint(F * warmUp[0]), right = rint(F * warmUp[1]);
  const nf = F - left - right;
  if (nf <= 0) throw new RangeError(`trim: warm-up [${warmUp}] leaves no frames of ${F}`);
  const data = new Float32Array(C * nf * K);
  for (let c = 0; c < C; c++) {
    data.set(scores.data.subarray((c * F + left) * K, (c * F + left + nf) * K), c * nf * K);
  }
  return {
    data,
    chunks: C,
    frames: nf,
    classes: K,
    window: {
      start: w.start + warmUp[0] * w.duration,
      step: w.step,
      duration: (1 - warmUp[0] - warmUp[1]) * w.duration,
    },
  };
}

/** Instantaneous speaker count per frame: `counts[n]` for frame n of `window`. */
export interface SpeakerCount {
  readonly counts: Uint8Array;
  readonly window: SlidingWindow;
}

/**
 * pyannote's speaker_count: trim the warm-up (the diarization pipeline passes [0, 0]), sum the binarized
 * local speakers of each frame, average over overlapping chunks (no Hamming), round half to even.
 */
export function speakerCount(
  binarized: ChunkScores,
  frames: SlidingWindow,
  warmUp: readonly [number, number] = [0, 0],
): SpeakerCount {
  const trimmed = warmUp[0] || warmUp[1] ? trim(binarized, warmUp) : binarized;
  const { chunks: C, frames: F, classes: K } = trimmed;
  const sums = new Float32Array(C * F);
  for (let i = 0; i < C * F; i++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += trimmed.data[i * K + k];
    sums[i] = s;
  }
  const avg = aggregate({ ...trimmed, data: sums, classes: 1 }, frames, { hamming: false, missing: 0 });
  return { counts: Uint8Array.from(avg.data, (v) => rint(v)), window: avg.window };
}

/** pyannote's `count.data = np.minimum(count.data, max_speakers)`. */
export function clampCount(count: SpeakerCount, maxSpeakers: number): SpeakerCount {
  return { counts: Uint8Array.from(count.counts, (c) => Math.min(c, maxSpeakers)), window: count.window };
}
