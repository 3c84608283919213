/**
 * Segmentation stages of the overlap-aware recipe (pyannote.audio 3.x's SpeakerDiarization, steps
 * `get_segmentations` and `get_embeddings`; the algorithms are in core/diarization/segmentation):
 *
 * - `segmentation`: per-frame activity of the local speakers of every sliding chunk `[C x F x K]`, from a
 *   `segmenter` plugin run on the audio (powerset outputs decoded hard, multilabel ones binarised at
 *   0.5), or the oracle derived from a reference RTTM (PyanNet's frame grid: 991-sample frames every
 *   270 samples), so the rest of the recipe can be measured on real recordings without weights;
 * - `embed-local`: one embedding per (chunk, local speaker) from that speaker's frames of the chunk,
 *   overlapped frames left out when enough clean frames remain; `[C x K x D]`, NaN rows for none.
 * @module
 */
import type { Segmenter } from "../../contracts/segmentation.ts";
import type { Turn } from "../../diarization/rttm.ts";
import {
  binarizeChunks,
  chunkLayout,
  type ChunkScores,
  iterChunks,
  localEmbeddingMasks,
  type LocalEmbeddings,
  maskedSamples,
  maskSampleRanges,
  minFramesFor,
  oracleSegmentation,
  type SlidingWindow,
  stackChunks,
} from "../../diarization/segmentation/mod.ts";
import { pyannetFrames, pyannetReceptiveField } from "../../onnx/models/pyannet.ts";
import { ConfigError } from "../../errors.ts";
import { pluginKey, type Resolved, type Run, using } from "./context.ts";
import { embedAll, type Recording } from "./embed.ts";

/** Where local-speaker activity comes from: a segmentation model or the reference (oracle). */
export type SegmentationSource = Resolved<"segmenter"> | "oracle";

/** Settings of the segmentation stage. */
export interface SegmentationSettings {
  /** Step between chunks as a fraction of the chunk (pyannote 3.1: 0.1). */
  readonly step: number;
  /** Oracle only: chunk duration (s) and local speakers per chunk (a model has its own). */
  readonly chunkSeconds: number;
  readonly localSpeakers: number;
}

/** Binarised local-speaker activity of every chunk and the grids it lives on. */
export interface Segmentation {
  /** `[C x F x K]` 0/1 activities; `scores.window` = the chunks (s). */
  readonly scores: ChunkScores;
  /** The model's output frames relative to a chunk start (pyannote's receptive field). */
  readonly frames: SlidingWindow;
  readonly chunkSamples: number;
  readonly stepSamples: number;
  /** Most speakers active in one frame the source can express. */
  readonly maxPerFrame: number;
  /** What made it. */
  readonly method: string;
  readonly info: Record<string, unknown>;
}

/** Stage `segmentation`: binarised `[C x F x K]` local activities of sliding chunks over the recording. */
export function segmentRecording(
  run: Run,
  rec: Recording,
  source: SegmentationSource,
  s: SegmentationSettings,
  reference?: readonly Turn[],
): Promise<Segmentation> {
  if (source === "oracle" && !reference) {
    throw new ConfigError(run.name, "segmentation 'oracle' needs a reference RTTM (--reference)");
  }
  return run.stages.stage("segmentation", {
    config: {
      source: source === "oracle" ? "oracle" : pluginKey(source),
      audio: rec.key,
      step: s.step,
      ...(source === "oracle"
        ? { chunkSeconds: s.chunkSeconds, localSpeakers: s.localSpeakers, reference }
        : {}),
    },
  }, (ctx) => {
    if (source === "oracle") return oracle(rec, s, reference!);
    return using(run, source, async (seg) => {
      const out = await modelSegmentation(rec, seg, s.step);
      ctx.log(
        `${out.scores.chunks} chunks x ${out.scores.frames} frames x ${out.scores.classes} local speakers`,
      );
      return { ...out, info: seg.info() };
    });
  });
}

function oracle(rec: Recording, s: SegmentationSettings, reference: readonly Turn[]): Segmentation {
  const chunkSamples = Math.round(s.chunkSeconds * rec.sampleRate);
  const stepSamples = Math.max(1, Math.round(s.step * chunkSamples));
  // PyanNet's grid in samples, at this rate
  const rf = pyannetReceptiveField(), scale = 16000 / rec.sampleRate;
  const frames = { start: 0, duration: rf.size / 16000, step: rf.step / 16000 };
  const F = pyannetFrames(Math.round(chunkSamples * scale));
  const layout = chunkLayout(rec.samples.length, rec.sampleRate, chunkSamples, stepSamples);
  const seg = oracleSegmentation(reference, {
    duration: rec.samples.length / rec.sampleRate,
    window: { duration: chunkSamples / rec.sampleRate, step: stepSamples / rec.sampleRate },
    frames,
    numSpeakers: s.localSpeakers,
    framesPerChunk: F,
    includeLastChunk: true,
  });
  // the oracle's chunks must be the ones the embeddings are cut from
  const scores = seg.chunks === layout.numChunks ? seg : { ...seg, ...trimChunks(seg, layout.numChunks) };
  return {
    scores: {
      data: scores.data,
      chunks: scores.chunks,
      frames: F,
      classes: s.localSpeakers,
      window: layout.window,
    },
    frames,
    chunkSamples,
    stepSamples,
    maxPerFrame: s.localSpeakers,
    method: `oracle segmentation from the reference (${s.localSpeakers} local speakers per chunk)`,
    info: { oracle: true, labels: seg.labels },
  };
}

function trimChunks(s: ChunkScores, n: number): { data: Float32Array; chunks: number } {
  const per = s.frames * s.classes, data = new Float32Array(n * per);
  data.set(s.data.subarray(0, Math.min(s.chunks, n) * per));
  return { data, chunks: n };
}

async function modelSegmentation(rec: Recording, seg: Segmenter, step: number) {
  if (seg.sampleRate !== rec.sampleRate) {
    throw new ConfigError(
      "segmentation",
      `the model takes ${seg.sampleRate} Hz audio; the recording is read at ${rec.sampleRate} Hz (set --sample-rate ${seg.sampleRate})`,
    );
  }
  const stepSamples = Math.max(1, Math.round(step * seg.chunkSamples));
  const layout = chunkLayout(rec.samples.length, rec.sampleRate, seg.chunkSamples, stepSamples);
  const per: Float32Array[] = [];
  let batch: Float32Array[] = [];
  const flush = async () => {
    if (batch.length) per.push(...await seg.segment(batch));
    batch = [];
  };
  for (const chunk of iterChunks(rec.samples, layout)) {
    batch.push(chunk);
    if (batch.length >= 32) await flush();
  }
  await flush();
  let scores = stackChunks(per, seg.framesPerChunk, seg.numSpeakers, layout.window);
  // powerset models decode hard (0/1) already; multilabel probabilities are binarised at 0.5 (pyannote)
  if (seg.maxSpeakersPerFrame >= seg.numSpeakers) scores = binarizeChunks(scores, 0.5);
  return {
    scores,
    frames: { start: seg.frameStart, duration: seg.frameDuration, step: seg.frameStep },
    chunkSamples: seg.chunkSamples,
    stepSamples,
    maxPerFrame: seg.maxSpeakersPerFrame,
    method: `segmentation model, ${layout.numChunks} chunks of ${seg.chunkSeconds} s every ${
      (stepSamples / rec.sampleRate).toFixed(2)
    } s`,
  };
}

/** Settings of the local embeddings. */
export interface LocalEmbeddingSettings {
  /** Leave out frames where two or more local speakers are active (pyannote's embedding_exclude_overlap). */
  readonly excludeOverlap: boolean;
  /** Overlap-free audio needed (s) for the overlap-free mask; less falls back to the whole activity. */
  readonly minSeconds: number;
}

/** Shortest audio an embedding is computed from (s); a local speaker with less gets none (NaN). */
const MIN_SECONDS = 0.25;

/** Stage `embed-local`: `[C x K x D]` embeddings of each local speaker on its (overlap-free) frames. */
export function embedLocalSpeakers(
  run: Run,
  rec: Recording,
  seg: Segmentation,
  bb: Resolved<"backbone">,
  e: LocalEmbeddingSettings,
): Promise<LocalEmbeddings & { active: number }> {
  return run.stages.stage("embed-local", {
    config: { backbone: pluginKey(bb), audio: rec.key, ...e },
    inputs: [seg],
  }, (ctx) =>
    using(run, bb, async (model) => {
      const { chunks: C, frames: F, classes: K } = seg.scores;
      const minFrames = minFramesFor(Math.round(e.minSeconds * rec.sampleRate), seg.chunkSamples, F);
      const m = localEmbeddingMasks(seg.scores, { excludeOverlap: e.excludeOverlap, minFrames });
      const layout = chunkLayout(rec.samples.length, rec.sampleRate, seg.chunkSamples, seg.stepSamples);
      const chunks = [...iterChunks(rec.samples, layout)]; // views, and one padded copy
      const mask = (c: number, k: number) => m.masks.subarray((c * K + k) * F, (c * K + k + 1) * F);
      const todo: { c: number; k: number }[] = [];
      for (let c = 0; c < C; c++) {
        for (let k = 0; k < K; k++) {
          if (!m.active[c * K + k]) continue;
          const n = maskSampleRanges(mask(c, k), seg.chunkSamples).reduce((a, [s0, s1]) => a + s1 - s0, 0);
          if (n >= MIN_SECONDS * rec.sampleRate) todo.push({ c, k });
        }
      }
      // masked audio is cut when its batch is embedded, never all at once (hours of audio)
      const x = await embedAll(model, todo.length, (i) => ({
        id: `${rec.file}:${todo[i].c}:${todo[i].k}`,
        samples: maskedSamples(chunks[todo[i].c], mask(todo[i].c, todo[i].k)),
        sampleRate: rec.sampleRate,
      }), "embed local speakers");
      const D = model.dim, data = new Float32Array(C * K * D).fill(NaN);
      todo.forEach((t, i) => data.set(x.data.subarray(i * D, (i + 1) * D), (t.c * K + t.k) * D));
      ctx.log(`${todo.length} local speakers embedded (dim ${D}) of ${C} chunks x ${K}`);
      return { data, chunks: C, speakers: K, dim: D, active: todo.length };
    }));
}
