/**
 * From clustered local speakers back to a timeline, as pyannote.audio's SpeakerDiarization.reconstruct
 * and SpeakerDiarizationMixin.to_diarization / to_annotation (pipelines/speaker_diarization.py,
 * pipelines/utils/diarization.py):
 *
 * 1. per chunk, the activity of global speaker m is the max over the local speakers assigned to m
 *    (NaN when none is: that chunk says nothing about m);
 * 2. overlap-add (sums, no Hamming) onto the frame grid of the speaker count;
 * 3. per frame, the `count[t]` speakers with the highest summed activity are active (ties to the lower
 *    index, as numpy's argsort on <= 16 speakers): a frame can carry two (or more) speakers;
 * 4. binarize to regions (onset = offset = 0.5) with pyannote's min_duration_on/off, one turn per
 *    region: turns of different speakers overlap where the count says two people speak.
 * @module
 */
import type { Turn } from "../rttm.ts";
import { aggregate, type SpeakerCount } from "./aggregate.ts";
import { binarizeRegions } from "./binarize.ts";
import { checkChunkScores, type ChunkScores, type FrameScores } from "./sliding.ts";

/** Step 1: `[C x F x K]` local activities + `[C x K]` clusters (-2 = none) -> `[C x F x M]` global activities. */
export function clusteredSegmentations(segmentations: ChunkScores, hardClusters: Int32Array): ChunkScores {
  checkChunkScores(segmentations, "reconstruct");
  const { chunks: C, frames: F, classes: K } = segmentations;
  if (hardClusters.length !== C * K) {
    throw new RangeError(
      `reconstruct: ${hardClusters.length} cluster labels for ${C} chunks x ${K} local speakers`,
    );
  }
  let M = 0;
  for (const h of hardClusters) M = Math.max(M, h + 1);
  const out = new Float32Array(C * F * M).fill(NaN);
  for (let c = 0; c < C; c++) {
    for (let k = 0; k < K; k++) {
      const m = hardClusters[c * K + k];
      if (m < 0) continue;
      for (let f = 0; f < F; f++) {
        const v = segmentations.data[(c * F + f) * K + k], i = (c * F + f) * M + m;
        out[i] = Number.isNaN(out[i]) ? v : Math.max(out[i], v);
      }
    }
  }
  return { data: out, chunks: C, frames: F, classes: M, window: segmentations.window };
}

/** Steps 2-3 (pyannote's to_diarization): `[C x F x M]` -> discrete `[N x max(M, max count)]` of 0/1. */
export function toDiarization(clustered: ChunkScores, count: SpeakerCount): FrameScores {
  const act = aggregate(clustered, count.window, { hamming: false, missing: 0, skipAverage: true });
  let maxCount = 0;
  for (const c of count.counts) maxCount = Math.max(maxCount, c);
  const M = Math.max(act.classes, maxCount), N = Math.min(act.frames, count.counts.length);
  const out = new Float32Array(N * M);
  const idx = Array.from({ length: M }, (_, m) => m);
  const a = (t: number, m: number) => (m < act.classes ? act.data[t * act.classes + m] : 0);
  for (let t = 0; t < N; t++) {
    const order = [...idx].sort((x, y) => a(t, y) - a(t, x) || x - y);
    for (let i = 0; i < count.counts[t] && i < M; i++) out[t * M + order[i]] = 1;
  }
  return { data: out, frames: N, classes: M, window: act.window };
}

/** Steps 1-3: pyannote's reconstruct. */
export function reconstruct(
  segmentations: ChunkScores,
  hardClusters: Int32Array,
  count: SpeakerCount,
): FrameScores {
  return toDiarization(clusteredSegmentations(segmentations, hardClusters), count);
}

/** Options of {@link toTurns}. */
export interface TurnOptions {
  /** Recording id written in each turn. */
  readonly file: string;
  /** Speaker names by index (default SPEAKER_00, SPEAKER_01, ...). */
  readonly labels?: readonly string[];
  readonly minDurationOn?: number;
  /** Same-speaker gaps shorter than this are filled (pyannote's segmentation.min_duration_off). */
  readonly minDurationOff?: number;
}

/** Step 4 (pyannote's to_annotation): discrete diarization -> turns, sorted by onset; speakers may overlap. */
export function toTurns(discrete: FrameScores, o: TurnOptions): Turn[] {
  const regions = binarizeRegions(discrete, {
    onset: 0.5,
    offset: 0.5,
    minDurationOn: o.minDurationOn ?? 0,
    minDurationOff: o.minDurationOff ?? 0,
  });
  const name = (k: number) => o.labels?.[k] ?? `SPEAKER_${String(k).padStart(2, "0")}`;
  return regions
    .map((r) => ({
      file: o.file,
      channel: "1",
      onset: r.start,
      duration: r.end - r.start,
      speaker: name(r.label),
    }))
    .sort((x, y) => x.onset - y.onset || x.speaker.localeCompare(y.speaker));
}
