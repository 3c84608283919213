/**
 * Which frames each local speaker's embedding is computed from, as pyannote.audio's
 * SpeakerDiarization.get_embeddings (pipelines/speaker_diarization.py): for chunk c and local speaker
 * k the mask is the binarized activity of k; with `excludeOverlap`, frames where two or more local
 * speakers are active are removed, unless fewer than `minFrames` clean frames would remain (then the
 * whole activity is used, as pyannote does). Inactive local speakers (no active frame) get no embedding
 * (pyannote's filter_embeddings skips them).
 *
 * Masks are per model frame; {@link maskSampleRanges} maps them to sample ranges of the chunk with the
 * uniform stretch pyannote's embedding wrappers (mask interpolation over the chunk) and sherpa-onnx
 * (frame f -> samples [f W / F, (f + 1) W / F)) use.
 * @module
 */
import { checkChunkScores, type ChunkScores } from "./sliding.ts";

/** Frame masks of every (chunk, local speaker): `masks` is `[C x K x F]` of 0/1. */
export interface LocalMasks {
  readonly masks: Uint8Array;
  readonly chunks: number;
  readonly speakers: number;
  readonly frames: number;
  /** `[C x K]`: 1 when the speaker has at least one active frame (an embedding is wanted). */
  readonly active: Uint8Array;
  /** `[C x K]`: 1 when the overlap-free mask was used (excludeOverlap and enough clean frames). */
  readonly clean: Uint8Array;
}

/** Options of {@link localEmbeddingMasks}. */
export interface LocalMaskOptions {
  /** Remove frames with >= 2 active local speakers (pyannote's embedding_exclude_overlap). Default true. */
  readonly excludeOverlap?: boolean;
  /** Clean masks need more than this many frames, else the full mask is used (see {@link minFramesFor}). */
  readonly minFrames?: number;
}

/** pyannote's min_num_frames: ceil(frames * minSamples / chunkSamples) for an embedding model's minimum input. */
export function minFramesFor(minSamples: number, chunkSamples: number, frames: number): number {
  return Math.ceil((frames * minSamples) / chunkSamples);
}

/** Per-(chunk, local speaker) frame masks from binarized `[C x F x K]` segmentations. */
export function localEmbeddingMasks(binarized: ChunkScores, o: LocalMaskOptions = {}): LocalMasks {
  checkChunkScores(binarized, "localEmbeddingMasks");
  const { chunks: C, frames: F, classes: K, data } = binarized;
  const exclude = o.excludeOverlap ?? true;
  const minFrames = exclude ? (o.minFrames ?? 0) : -1;
  const masks = new Uint8Array(C * K * F), active = new Uint8Array(C * K), clean = new Uint8Array(C * K);
  for (let c = 0; c < C; c++) {
    const overlap = new Uint8Array(F);
    for (let f = 0; f < F; f++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += Number.isNaN(data[(c * F + f) * K + k]) ? 0 : data[(c * F + f) * K + k];
      }
      overlap[f] = exclude && s >= 2 ? 1 : 0;
    }
    for (let k = 0; k < K; k++) {
      let nAll = 0, nClean = 0;
      for (let f = 0; f < F; f++) {
        const on = data[(c * F + f) * K + k] > 0;
        if (on) nAll++;
        if (on && !overlap[f]) nClean++;
      }
      const useClean = nClean > minFrames;
      const m = masks.subarray((c * K + k) * F, (c * K + k + 1) * F);
      for (let f = 0; f < F; f++) m[f] = data[(c * F + f) * K + k] > 0 && (!useClean || !overlap[f]) ? 1 : 0;
      active[c * K + k] = nAll > 0 ? 1 : 0;
      clean[c * K + k] = exclude && useClean ? 1 : 0;
    }
  }
  return { masks, chunks: C, speakers: K, frames: F, active, clean };
}

/**
 * Sample ranges [start, end) within a chunk of `chunkSamples` samples covered by the mask's frames,
 * frame f stretched uniformly onto [floor(f W / F), floor((f + 1) W / F)); adjacent frames merge.
 */
export function maskSampleRanges(mask: ArrayLike<number>, chunkSamples: number): [number, number][] {
  const F = mask.length, out: [number, number][] = [];
  for (let f = 0; f < F; f++) {
    if (!mask[f]) continue;
    const s = Math.floor((f * chunkSamples) / F), e = Math.floor(((f + 1) * chunkSamples) / F);
    const last = out[out.length - 1];
    if (last && last[1] >= s) last[1] = e;
    else out.push([s, e]);
  }
  return out;
}

/** The samples of `chunk` under the mask, concatenated (what an embedding model without masks is fed). */
export function maskedSamples(chunk: Float32Array, mask: ArrayLike<number>): Float32Array {
  const ranges = maskSampleRanges(mask, chunk.length);
  const out = new Float32Array(ranges.reduce((n, [s, e]) => n + e - s, 0));
  let o = 0;
  for (const [s, e] of ranges) {
    out.set(chunk.subarray(s, e), o);
    o += e - s;
  }
  return out;
}
