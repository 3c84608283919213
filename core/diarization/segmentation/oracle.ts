/**
 * Oracle segmentation: what a perfect segmentation model would output, derived from a reference RTTM,
 * as pyannote.audio's pipelines/utils/oracle.py (`oracle_segmentation`) with pyannote.core's
 * `Annotation.discretize`: for each chunk (complete chunks of `window` inside [0, duration], plus
 * optionally the padded last chunk the inference adds), the reference is cropped to the chunk, and frame
 * f (of a SlidingWindow starting at the chunk start with the model's frame step/duration) is active for a
 * speaker when it lies between the frames closest to the speaker's segment start and end ("center"
 * cropping). With `numSpeakers`, each chunk keeps its most talkative speakers (fewer are padded with
 * silent ones), so local speaker k of chunk c is the global speaker `speakerOf[c][k]`.
 *
 * One deliberate difference: pyannote ranks talkativeness with `np.argsort(-np.sum(uint8 frames))`, whose
 * unsigned sum wraps when negated, so pyannote actually keeps the LEAST talkative (silent first) speakers
 * when numSpeakers is below the reference count; this port keeps the most talkative, as its comment intends.
 * @module
 */
import type { Turn } from "../rttm.ts";
import { type ChunkScores, closestFrame, rint, type SlidingWindow } from "./sliding.ts";

/** Options of {@link oracleSegmentation}. */
export interface OracleOptions {
  /** Recording duration (s). */
  readonly duration: number;
  /** Chunks (s): start is taken as 0. */
  readonly window: { readonly duration: number; readonly step: number };
  /** Model frames (s): step and duration (start is relative to each chunk). */
  readonly frames: { readonly duration: number; readonly step: number };
  /** Local speakers per chunk (default: every reference speaker). */
  readonly numSpeakers?: number;
  /** Frames per chunk (default round(window.duration / frames.step), pyannote's discretize). */
  readonly framesPerChunk?: number;
  /** Also emit the zero-padded last chunk pyannote's Inference adds when the audio does not end on a step. */
  readonly includeLastChunk?: boolean;
}

/** Oracle segmentation: `[C x F x K]` 0/1 activities, with the reference speaker behind each local one. */
export interface OracleSegmentation extends ChunkScores {
  /** Reference speaker labels, sorted (pyannote's Annotation.labels()). */
  readonly labels: readonly string[];
  /** `[C][K]`: index into `labels` of local speaker k of chunk c (-1 = padding speaker). */
  readonly speakerOf: Int32Array[];
}

function supportOf(segs: [number, number][]): [number, number][] {
  segs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && s[0] - last[1] <= 1e-6) last[1] = Math.max(last[1], s[1]);
    else out.push([...s]);
  }
  return out;
}

/** pyannote's oracle_segmentation on `turns` of one recording. */
export function oracleSegmentation(turns: readonly Turn[], o: OracleOptions): OracleSegmentation {
  const labels = [...new Set(turns.map((t) => t.speaker))].sort();
  const K = o.numSpeakers ?? labels.length;
  const allLabels = [...labels];
  while (allLabels.length < K) allLabels.push(`\u0000fake${allLabels.length}`);
  const L = allLabels.length;
  const F = o.framesPerChunk ?? rint(o.window.duration / o.frames.step);
  const starts: number[] = [];
  for (let i = 0;; i++) {
    const s = i * o.window.step;
    if (s + o.window.duration > o.duration) {
      if (o.includeLastChunk && (i === 0 || starts[starts.length - 1] + o.window.duration < o.duration)) {
        starts.push(s);
      }
      break;
    }
    starts.push(s);
  }
  const byLabel = allLabels.map((l) =>
    turns.filter((t) => t.speaker === l).map((t): [number, number] => [t.onset, t.onset + t.duration])
  );
  const data = new Float32Array(starts.length * F * K);
  const speakerOf: Int32Array[] = [];
  starts.forEach((s0, c) => {
    const e0 = s0 + o.window.duration;
    const res: SlidingWindow = { start: s0, duration: o.frames.duration, step: o.frames.step };
    const chunk = new Float32Array(F * L);
    byLabel.forEach((segs, l) => {
      const cropped = segs.map(([a, b]): [number, number] => [Math.max(a, s0), Math.min(b, e0)]).filter((
        [a, b],
      ) => b - a > 1e-6);
      let ranges: [number, number][] = [];
      for (const [a, b] of supportOf(cropped)) {
        const r: [number, number] = [closestFrame(res, a), closestFrame(res, b) + 1];
        const last = ranges[ranges.length - 1];
        if (last && r[0] <= last[1]) last[1] = r[1];
        else ranges.push(r);
      }
      ranges = ranges.map(([a, b]) => [Math.max(0, a), Math.min(b, F)]);
      for (const [a, b] of ranges) for (let f = a; f < b; f++) chunk[f * L + l] = 1;
    });
    let keep = Array.from({ length: L }, (_, l) => l);
    if (K < L) {
      const talk = keep.map((l) => {
        let s = 0;
        for (let f = 0; f < F; f++) s += chunk[f * L + l];
        return s;
      });
      keep = keep.sort((a, b) => talk[b] - talk[a] || a - b).slice(0, K);
    }
    for (let f = 0; f < F; f++) keep.forEach((l, k) => (data[(c * F + f) * K + k] = chunk[f * L + l]));
    speakerOf.push(Int32Array.from(keep, (l) => (l < labels.length ? l : -1)));
  });
  return {
    data,
    chunks: starts.length,
    frames: F,
    classes: K,
    window: { start: 0, duration: o.window.duration, step: o.window.step },
    labels,
    speakerOf,
  };
}

/** Oracle clustering for an oracle segmentation: `[C x K]` cluster = reference speaker index, -2 for padding/silent. */
export function oracleClusters(seg: OracleSegmentation): Int32Array {
  const { chunks: C, frames: F, classes: K } = seg;
  const hard = new Int32Array(C * K).fill(-2);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      let active = false;
      for (let f = 0; f < F && !active; f++) active = seg.data[(c * F + f) * K + k] > 0;
      if (active && seg.speakerOf[c][k] >= 0) hard[c * K + k] = seg.speakerOf[c][k];
    }
  }
  return hard;
}
