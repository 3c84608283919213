/**
 * Segmentation and embedding sources for the streaming diarizer (online.ts's {@link OnlineModels}):
 *
 * - {@link oracleBufferSegmentation}: the local speakers of a buffer from reference turns (the `k` most
 *   talkative in it), on PyanNet's frame grid; measures the streaming clustering on real recordings.
 * - {@link maskedEmbedder}: each local speaker embedded on the buffer's frames where it speaks alone
 *   (diart's overlapped-speech weights above one half), as the segmentation recipes do.
 * - {@link VadLocalSpeakers}: a segmentation that needs no segmentation weights. Speech frames come from a
 *   VAD run on the buffer; windows of `window` s on a global grid every `hop` s are embedded once each
 *   (cached across buffers) and clustered inside the buffer (average-linkage AHC, cosine, cut at
 *   `threshold`, at most `maxLocal` local speakers); a speech frame belongs to the local speaker of the
 *   window whose middle is nearest. A local speaker's embedding is the mean of its windows'. With
 *   `maxLocal` 1 it is the plain "VAD activity as one local speaker" segmentation.
 * @module
 */
import type { Region } from "../contracts/vad.ts";
import { cutAtThreshold, cutToCount, linkage } from "../cluster/linkage.ts";
import { condensedDistances } from "../cluster/ahc_options.ts";
import type { OnlineModels } from "./online.ts";
import type { Turn } from "./rttm.ts";
import { maskedSamples } from "./segmentation/local_embeddings.ts";

/** Embeds audio pieces: one vector of `dim` per piece. */
export interface PieceEmbedder {
  readonly dim: number;
  embed(pieces: readonly Float32Array[]): Promise<Float32Array[]>;
}

/** `[F x k]` activity of reference turns in [start, start + duration]: frame f active when its middle is in a turn. */
export function oracleBufferSegmentation(
  turns: readonly Turn[],
  start: number,
  duration: number,
  frames: number,
  k: number,
): Float32Array {
  const end = start + duration, talk = new Map<string, number>();
  const inside = turns.filter((t) => t.onset < end && t.onset + t.duration > start);
  for (const t of inside) {
    talk.set(
      t.speaker,
      (talk.get(t.speaker) ?? 0) + Math.min(end, t.onset + t.duration) - Math.max(start, t.onset),
    );
  }
  const keep = [...talk.keys()].sort((a, b) => talk.get(b)! - talk.get(a)! || (a < b ? -1 : 1)).slice(0, k);
  const out = new Float32Array(frames * k), step = duration / frames;
  for (const t of inside) {
    const j = keep.indexOf(t.speaker);
    if (j < 0) continue;
    const f0 = Math.max(0, Math.ceil((t.onset - start) / step - 0.5));
    const f1 = Math.min(frames, Math.ceil((t.onset + t.duration - start) / step - 0.5));
    for (let f = f0; f < f1; f++) out[f * k + j] = 1;
  }
  return out;
}

/** Seconds of audio a local speaker needs for an embedding (less: NaN). */
const MIN_SECONDS = 0.25;

/** OnlineModels.embed from a piece embedder: each local speaker on its solo frames (weights > 0.5). */
export function maskedEmbedder(
  e: PieceEmbedder,
  sampleRate: number,
  k: number,
): (chunk: Float32Array, weights: Float32Array) => Promise<Float32Array> {
  return async (chunk, weights) => {
    const F = weights.length / k, out = new Float32Array(k * e.dim).fill(NaN);
    const pieces: { j: number; x: Float32Array }[] = [];
    for (let j = 0; j < k; j++) {
      const mask = Uint8Array.from({ length: F }, (_, f) => (weights[f * k + j] > 0.5 ? 1 : 0));
      const x = maskedSamples(chunk, mask);
      if (x.length >= MIN_SECONDS * sampleRate) pieces.push({ j, x });
    }
    if (pieces.length) {
      const v = await e.embed(pieces.map((p) => p.x));
      pieces.forEach((p, i) => out.set(v[i], p.j * e.dim));
    }
    return out;
  };
}

/** Audio before a buffer's new part that the VAD sees again (s). */
const VAD_CONTEXT = 1;

/** Options of {@link VadLocalSpeakers}. */
export interface VadLocalOptions {
  readonly sampleRate: number;
  /** Buffer duration (s). */
  readonly duration: number;
  /** Frames per buffer. */
  readonly frames: number;
  /** Most local speakers per buffer (default 2). */
  readonly maxLocal?: number;
  /** Embedding window (s, default 1.5) and the global grid step (s, default 0.5). */
  readonly window?: number;
  readonly hop?: number;
  /** Cosine-distance threshold of the local AHC (average linkage). */
  readonly threshold: number;
  /** Speech share a window needs to be embedded (default 0.5). */
  readonly minSpeech?: number;
}

/** A segmentation without segmentation weights: VAD frames split among locally clustered windows. */
export class VadLocalSpeakers implements OnlineModels {
  readonly sampleRate: number;
  readonly numLocalSpeakers: number;
  readonly #cache = new Map<number, Float32Array | null>();
  #local = new Float32Array(0);
  /** Speech found so far (s, stream time) and up to when the VAD has run. */
  #speech: Region[] = [];
  #vadUntil = 0;

  constructor(
    readonly detect: (samples: Float32Array) => Promise<Region[]>,
    readonly embedder: PieceEmbedder,
    readonly o: VadLocalOptions,
  ) {
    this.sampleRate = o.sampleRate;
    this.numLocalSpeakers = o.maxLocal ?? 2;
  }

  async segment(chunk: Float32Array, start: number): Promise<Float32Array> {
    const { duration, frames: F, sampleRate: sr } = this.o, K = this.numLocalSpeakers;
    const win = this.o.window ?? 1.5, hop = this.o.hop ?? 0.5, D = this.embedder.dim;
    const speech = await this.#speechIn(chunk, start);
    const share = (a: number, b: number) =>
      speech.reduce((s, r) => s + Math.max(0, Math.min(b, r.end) - Math.max(a, r.start)), 0) / (b - a);
    // windows of the global grid inside the buffer, embedded once each
    const i0 = Math.ceil(start / hop - 1e-9), i1 = Math.floor((start + duration - win) / hop + 1e-9);
    const todo: number[] = [];
    for (let i = i0; i <= i1; i++) {
      if (this.#cache.has(i)) continue;
      const a = i * hop - start;
      if (share(a, a + win) >= (this.o.minSpeech ?? 0.5)) todo.push(i);
      else this.#cache.set(i, null);
    }
    const cut = (i: number) =>
      chunk.subarray(Math.round((i * hop - start) * sr), Math.round((i * hop - start + win) * sr));
    const v = todo.length ? await this.embedder.embed(todo.map(cut)) : [];
    todo.forEach((i, j) => this.#cache.set(i, v[j]));
    for (const i of this.#cache.keys()) if (i < i0) this.#cache.delete(i);
    const ids: number[] = [];
    for (let i = i0; i <= i1; i++) if (this.#cache.get(i)) ids.push(i);
    // local clustering of the buffer's windows
    const labels = this.#cluster(ids.map((i) => this.#cache.get(i)!), K);
    const out = new Float32Array(F * K);
    this.#local = new Float32Array(K * D).fill(NaN);
    if (!ids.length) return out;
    const step = duration / F;
    for (let f = 0; f < F; f++) {
      const t = (f + 0.5) * step;
      if (!speech.some((r) => t >= r.start && t < r.end)) continue;
      let best = 0;
      for (let j = 1; j < ids.length; j++) {
        if (Math.abs(ids[j] * hop - start + win / 2 - t) < Math.abs(ids[best] * hop - start + win / 2 - t)) {
          best = j;
        }
      }
      out[f * K + labels[best]] = 1;
    }
    for (let k = 0; k < K; k++) {
      const members = ids.filter((_, j) => labels[j] === k);
      if (!members.length) continue;
      const m = new Float32Array(D);
      for (const i of members) this.#cache.get(i)!.forEach((x, d) => (m[d] += x / members.length));
      this.#local.set(m, k * D);
    }
    return out;
  }

  /**
   * Speech of the buffer (buffer time). The VAD runs once over the first buffer, then on each buffer's
   * new audio with `VAD_CONTEXT` s before it (to settle the VAD's state); only the new part is kept, so
   * the stream costs about (step + context) / step times real time of VAD, not duration / step.
   */
  async #speechIn(chunk: Float32Array, start: number): Promise<Region[]> {
    const sr = this.o.sampleRate, end = start + this.o.duration;
    if (this.#vadUntil < end) {
      const from = Math.max(start, this.#vadUntil - VAD_CONTEXT);
      const found = await this.detect(chunk.subarray(Math.round((from - start) * sr)));
      for (const r of found) {
        const a = Math.max(from + r.start, this.#vadUntil), b = from + r.end;
        if (b <= a) continue;
        const last = this.#speech.at(-1);
        if (last && a - last.end < 1e-3) {
          this.#speech[this.#speech.length - 1] = { start: last.start, end: b };
        } else this.#speech.push({ start: a, end: b });
      }
      this.#vadUntil = end;
      while (this.#speech.length && this.#speech[0].end < start - 30) this.#speech.shift();
    }
    return this.#speech.filter((r) => r.end > start && r.start < end)
      .map((r) => ({ start: Math.max(0, r.start - start), end: Math.min(this.o.duration, r.end - start) }));
  }

  /** The buffer's local-speaker embeddings `[K x D]` (computed by segment on the same buffer). */
  embed(): Promise<Float32Array> {
    return Promise.resolve(this.#local);
  }

  #cluster(x: Float32Array[], K: number): Int32Array {
    const n = x.length;
    if (n < 2 || K === 1) return new Int32Array(n);
    const D = this.embedder.dim, m = { rows: n, cols: D, data: new Float32Array(n * D) };
    x.forEach((v, i) => m.data.set(v, i * D));
    const z = linkage(condensedDistances(m, "cosine"), n, "average");
    const l = cutAtThreshold(z, n, this.o.threshold, true);
    return new Set(l).size > K ? cutToCount(z, n, K) : l;
  }
}
